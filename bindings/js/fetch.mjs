// breakwater's `fetch`: a `fetch` that runs every request through a breakwater `Client`, for the
// openai SDK (`new OpenAI({ maxRetries: 0, fetch: breakwater.fetch(policy) })`) and any code
// that takes a fetch. Written once for Node and the browser: the Node package and the WASM
// module both build it from their own `Client` (`makeFetch(api)`). I/O lives here, never in
// the core; every decision is the client's. Around each request it:
//
// - asks the client before each attempt, waits (abortably) where it says wait or retry, and
//   rejects with a `GaveUpError` where it says stop;
// - gives each attempt its own AbortSignal, aborted at the phase limits of the decision (the
//   headers limit until the response starts, the first-token limit and the idle gap while a
//   stream is read, never past the attempt's) and when the caller's own signal aborts;
// - sends the policy's headers (the idempotency key, the same on every attempt; the SDK's
//   `x-stainless-*` with the OpenAI profile), keeping a caller's own idempotency key;
// - classifies the answer from its status, headers and error body (`error.type`, `error.code`),
//   reading a non-streamed API answer's body inside the loop, so that a body cut short is
//   retried (any other success, such as speech audio, is handed over as it comes);
// - for a server-sent event stream, retries failures up to the first chunk, then watches the
//   body as the caller reads it: a stall or a cut is reported to the client and errors the
//   stream with a `StreamCutError` (never named `AbortError`: the openai SDK ends a stream
//   silently on that name), and a stream that ends without its final event (`data: [DONE]`,
//   `message_stop`, `response.completed`...) is a cut, never a short success;
// - marks an answer it gives up on with `x-should-retry: false`, so that an SDK whose own
//   retries were left on does not retry it again, and warns once when it sees the SDK retry.

// What is read from the bodies (a request's model and tokens, an error body's fields, an event
// stream's final and error events) the core reads: `readRequest`, `readError`, `EventStream`,
// the same reading in every runtime.
const LEVEL = { give_up: 'warn', retry: 'info', cancel: 'info', breaker: 'info' };
// How long before this fetch was called a Stainless SDK may have started its own timer (a few
// ms at most on a loaded event loop): an abort from the SDK's signal this close to its timeout
// is that timer.
const SDK_MARGIN_MS = 25;

/** A timer that keeps the process alive (Node) while someone awaits what it bounds, or not
 * (a browser's timer is a number: nothing to do). */
function hold(handle, awaited) {
  if (awaited) handle?.ref?.();
  else handle?.unref?.();
  return handle;
}

/** breakwater stopped a request without a result to return; `decision` says why. */
export class GaveUpError extends Error {
  constructor(decision, message) {
    // "timed out" makes the openai SDK raise its connection-timeout error for a deadline.
    const deadline = decision.reason === 'deadline_exhausted' ? ' (the deadline timed out)' : '';
    super(message ?? `breakwater gave up: ${decision.reason}${deadline}`);
    this.name = 'BreakwaterGaveUp';
    this.code = 'gave_up';
    this.decision = decision;
    this.reason = decision.reason;
  }
}

/** An attempt that broke a phase limit of its decision (its `reason` is the outcome, `timeout_headers`...). */
export class AttemptTimeoutError extends GaveUpError {
  constructor(outcome) {
    super({ reason: outcome }, `breakwater: the attempt timed out (${outcome})`);
    this.name = 'BreakwaterTimeout';
  }
}

/** A streamed answer that was cut, ended without its final event, or stalled past its limit. */
export class StreamCutError extends GaveUpError {
  constructor(outcome, cause) {
    const why = outcome.startsWith('timeout') ? 'stalled' : 'ended without its final event';
    super({ reason: outcome }, `breakwater: the streamed answer ${why} (${outcome})`);
    this.name = 'BreakwaterStreamCut';
    if (cause !== undefined) this.cause = cause;
  }
}

/** A decision event as OpenTelemetry span-event attributes (docs/bindings.md, "Decision events"). */
export function eventAttributes(event) {
  const attrs = {};
  for (const [name, value] of Object.entries(event)) {
    if (value === null || value === undefined) continue;
    if (name === 'error_type') attrs['error.type'] = value;
    else if (name === 'resend_count') {
      if (value) attrs['http.request.resend_count'] = value;
    } else if (typeof value === 'object') {
      for (const [inner, v] of Object.entries(value)) if (v !== null && v !== undefined) attrs[`breakwater.${name}.${inner}`] = v;
    } else attrs[`breakwater.${name}`] = value;
  }
  return attrs;
}

const now = () => Math.floor(performance.now());

/** An attempt's phase limits (ms, null for none) as the core gives them (`AttemptTimeouts`):
 * clipped to the attempt's, the first token's the idle gap's when the policy sets none of its own. */
const phases = (t) => ({ headers: t.headers_ms, first: t.first_token_ms, idle: t.idle_ms, attempt: t.attempt_ms });

function sleep(delay, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, delay));
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A phase limit on an attempt: aborts `controller` with a marked reason when it fires. */
class Timer {
  constructor(controller) {
    this.controller = controller;
    this.fired = null;
    this.handle = null;
  }
  arm(limit, outcome) {
    this.clear();
    if (limit == null) return;
    this.handle = setTimeout(() => {
      this.fired = outcome;
      this.controller.abort(new AttemptTimeoutError(outcome));
    }, limit);
  }
  clear() {
    if (this.handle !== null) clearTimeout(this.handle);
    this.handle = null;
  }
}

/** The outcome of a rejected `fetch`: undici's connect refusals, resets and cuts by their codes. */
function failure(error, stage) {
  let code = '';
  for (let e = error; e && !code; e = e.cause) code = e.code ?? '';
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|UND_ERR_CONNECT/.test(code)) return 'connect';
  if (/TIMEOUT/.test(code)) return `timeout_${stage}`;
  return stage === 'headers' ? 'reset' : 'stream_cut';
}

/** Whether a success's body goes to the caller as it comes instead of being read inside the
 * loop: any body but an API answer's (JSON, text, or no type named), as in Python. */
function handedOver(type) {
  const media = type.split(';', 1)[0].trim().toLowerCase();
  return media !== '' && !(media.startsWith('text/') || media === 'application/json' || media.endsWith('+json'));
}

// Statuses whose response has no body (the Fetch standard's null body status).
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

const UTF8 = new TextDecoder();

/**
 * An answer whose body was read inside the loop, handed back holding its bytes: its `json()`,
 * `text()`, `arrayBuffer()`, `bytes()` and `blob()` serve them at once (as a `Response` over
 * them would, without a second trip through a body stream: that cost a JSON request about as
 * much as the rest of the wrapper). Its `body`, `formData()` and the reads after them are a
 * plain `Response`'s over the same bytes.
 */
class Answer extends Response {
  #bytes;
  #headers;
  #used = false;
  #plain = null;
  /** `headers` are kept as they are (the upstream's own, immutable): copying them into a new
   * `Headers` is most of what constructing a `Response` costs. */
  constructor(bytes, status, statusText, headers) {
    super(null, { status, statusText });
    this.#bytes = bytes;
    this.#headers = headers;
  }
  get headers() {
    return this.#headers;
  }
  /** The bytes as a plain Response, consumed already if a read took them. */
  #asPlain() {
    if (this.#plain === null) {
      this.#plain = new Response(this.#bytes, { status: this.status, statusText: this.statusText, headers: this.headers });
      if (this.#used) this.#plain.arrayBuffer().catch(() => {});
    }
    return this.#plain;
  }
  /** The bytes for one read, or null when the plain Response serves the reads. */
  #take() {
    if (this.#plain !== null) return null;
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#bytes;
  }
  get body() {
    return this.#asPlain().body;
  }
  get bodyUsed() {
    return this.#plain === null ? this.#used : this.#plain.bodyUsed;
  }
  async arrayBuffer() {
    return this.#take() ?? this.#asPlain().arrayBuffer();
  }
  async bytes() {
    return new Uint8Array(await this.arrayBuffer());
  }
  async text() {
    const bytes = this.#take();
    return bytes === null ? this.#asPlain().text() : UTF8.decode(bytes);
  }
  async json() {
    return JSON.parse(await this.text());
  }
  async blob() {
    const bytes = this.#take();
    return bytes === null ? this.#asPlain().blob() : new Blob([bytes], { type: this.headers.get('content-type') ?? '' });
  }
  formData() {
    return this.#asPlain().formData();
  }
  clone() {
    if (this.#plain !== null) return this.#plain.clone();
    if (this.#used) throw new TypeError('Response.clone: Body has already been consumed.');
    return new Answer(this.#bytes.slice(0), this.status, this.statusText, new Headers(this.#headers));
  }
}

/** A body as `readRequest` reads it: a string or bytes (a `Blob`, `FormData` or stream: none). */
function bodyBytes(body) {
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof URLSearchParams) return body.toString();
  return '';
}

/**
 * `body` as every attempt can send it again: a stream (a `ReadableStream`, an async iterable)
 * read into bytes once, as the Python transports read theirs; any other body as it is (a
 * string, bytes, a `Blob`, `FormData`, `URLSearchParams`: `fetch` sends those again).
 */
async function replayable(body) {
  if (body instanceof ReadableStream) return new Uint8Array(await new Response(body).arrayBuffer());
  if (body == null || typeof body[Symbol.asyncIterator] !== 'function') return body;
  const parts = [];
  for await (const part of body) parts.push(typeof part === 'string' ? new TextEncoder().encode(part) : new Uint8Array(part));
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}

/** The `fetch` factory over a runtime's classes (`Client`, `Policy`). */
export function makeFetch(api) {
  /**
   * A `fetch` that runs every request through one breakwater client.
   *
   * `policy`: a `Policy`, a policy object, a preset name (`'conservative'`) or null for the
   * defaults. Options: `client` (a `Client` to share instead), `fetch` (the one that does the
   * I/O; default `globalThis.fetch`), `key(url, init)` (the breaker key; default the body's
   * `model`, else the URL path as a route, its resource ids as `{id}`), `onEvent(event)`,
   * `logger` (`console`-like: give-ups at `warn`, retries, cancels and transitions at `info`,
   * the rest at `debug`), `opentelemetry`
   * (a `Tracer` from `@opentelemetry/api`: a span per logical request, each decision a span
   * event). The returned function has `.client` and `.events`, an `EventTarget` that dispatches
   * each decision as an event of its `kind` with the decision in `detail`.
   */
  return function breakwaterFetch(policy = null, options = {}) {
    if (options.client && policy != null) throw new TypeError('pass either a policy or options.client, not both');
    const client =
      options.client ?? new api.Client(typeof policy === 'string' ? api.Policy.preset(policy) : policy);
    const inner = options.fetch ?? ((...a) => globalThis.fetch(...a));
    const { onEvent, logger, opentelemetry: tracer } = options;
    let events = null; // created when first asked for
    let outerRetries = false; // the SDK was seen retrying
    let ownDeadline = null; // the policy's deadline, read when first needed (`policyLimits`)

    /** Runs a listener; one that throws is reported and does not change the request. */
    function listen(what, fn, event) {
      try {
        fn(event);
      } catch (error) {
        (logger?.error ?? console.error)(`breakwater: the ${what} threw on a ${event.kind} event`, error);
      }
    }

    function drain(run) {
      if (!onEvent && !logger && !events && !run.span) return; // nobody listens: they stay queued, bounded
      for (let event = client.pollEvent(); event != null; event = client.pollEvent()) {
        if (onEvent) listen('onEvent listener', onEvent, event);
        if (logger) {
          const open = event.kind === 'breaker' && (event.transition.to === 'open' || event.transition.to === 'forced_open');
          const level = open ? 'warn' : LEVEL[event.kind] ?? 'debug';
          listen('logger', (e) => logger[level]?.(`breakwater ${e.kind}`, e), event);
        }
        if (events) listen('events listener', (e) => events.dispatchEvent(new CustomEvent(e.kind, { detail: e })), event);
        if (run.span) {
          run.span.addEvent(`breakwater.${event.kind}`, eventAttributes(event));
          if (event.kind === 'done' || event.kind === 'give_up' || event.kind === 'cancel') endSpan(run, event);
        }
      }
    }

    function endSpan(run, event) {
      const span = run.span;
      run.span = null;
      if (event.attempt > 1) span.setAttribute('http.request.resend_count', event.attempt - 1);
      if (event.kind !== 'done') {
        span.setAttribute('error.type', event.error_type ?? event.reason ?? '_OTHER');
        span.setStatus({ code: 2 /* SpanStatusCode.ERROR */, message: `breakwater ${event.kind}: ${event.reason ?? ''}` });
      }
      span.end();
    }

    function cancel(run) {
      if (!run.request.finished()) {
        client.cancel(run.request);
        drain(run);
      }
    }

    /** Reports an attempt's outcome; `last`: no other attempt can follow (a stream already
     * handed to its reader), so a failure gives up instead of retrying. */
    function report(run, outcome, started, response, body, last = false, fields = null) {
      if (!fields && response && response.status >= 400 && body?.length) fields = api.readError(body);
      const decision = client.onOutcome(run.request, {
        outcome,
        headers: response ? [...response.headers] : null,
        errorType: fields?.error_type ?? null,
        errorCode: fields?.error_code ?? null,
        latencyMs: Math.max(0, now() - started),
        wallUnixMs: Date.now(),
        lastAttempt: last,
      });
      drain(run);
      return decision;
    }

    /**
     * The streamed body as the caller reads it, its end or failure reported to the client. One
     * watchdog timer per stream (not one per chunk) checks the idle gap and the attempt's end:
     * on a stall it cancels the upstream reader, whose pending read then ends the stream. Both
     * limits are the server's: they count only the time a read waits on it (a reader that takes
     * its time over a chunk, or reads a stream later, stalls nothing, and an answer whose bytes
     * all came is no stall however slowly it is read), as in Python. Once the final event came, a late
     * stall or failure ends the stream quietly; the caller's own abort ends it with the
     * caller's reason and cancels the request, counting nothing against the upstream.
     */
    function watched(run, reader, first, limits, started, response, release, signal) {
      const final = new api.EventStream();
      let seen = first ? final.feed(first) : false;
      let ended = false;
      let stalled = null;
      let reading = false;
      let last = now(); // when the pending read began
      let waited = last - started; // on the server, before this read: the whole wait for the first chunk
      let watchdog = null;
      let due = Infinity; // when the watchdog fires
      const stop = () => {
        clearTimeout(watchdog);
        watchdog = null;
        due = Infinity;
      };
      const end = (outcome) => {
        if (ended) return;
        ended = true;
        stop();
        release();
        // An error event the server sent (or a `response.failed`) makes the end a failed answer
        // (`stream_error`), even when the reader (the SDK throws on it) is the one that stops
        // reading, and even when the stream then ends as complete.
        const failed = final.error();
        report(run, failed ? 'http_200' : outcome, started, response, null, true, failed || null);
        cancel(run);
      };
      const quit = () => {
        // The reader or the caller went away: the request ends without an outcome.
        if (ended) return;
        ended = true;
        stop();
        release();
        cancel(run);
      };
      const watch = () => {
        watchdog = null;
        due = Infinity;
        const t = now();
        const left = limits.attempt == null || !reading ? Infinity : limits.attempt - waited - (t - last);
        const gap = limits.idle == null || !reading ? Infinity : limits.idle - (t - last);
        if (left <= 0 || gap <= 0) {
          stalled = left <= 0 ? 'timeout_attempt' : 'timeout_idle';
          reader.cancel(new StreamCutError(stalled)).catch(() => {});
        } else if (Math.min(left, gap) < Infinity) {
          const delay = Math.min(left, gap);
          watchdog = hold(setTimeout(watch, delay), reading);
          due = t + delay;
        }
      };
      watch();
      return new ReadableStream({
        start(controller) {
          if (first) controller.enqueue(first);
        },
        async pull(controller) {
          try {
            reading = true;
            last = now();
            // A watchdog due later than this read's limits (or none) is brought forward; one
            // due earlier re-arms itself when it fires.
            const limit = Math.min(limits.idle ?? Infinity, limits.attempt == null ? Infinity : limits.attempt - waited);
            if (due > last + limit) {
              stop();
              watch();
            } else hold(watchdog, true); // a read waits on it now
            const { done, value } = await reader.read();
            waited += now() - last;
            reading = false;
            hold(watchdog, false);
            if (stalled) throw new StreamCutError(stalled);
            if (done) {
              end(seen ? 'http_200' : 'stream_cut');
              // After an error event the stream ended as the server meant it: the reader has
              // the error (the SDK raises it, or hands the Responses API's `error` event over).
              if (seen || final.error()) controller.close();
              else controller.error(new StreamCutError('stream_cut'));
              return;
            }
            if (!seen) seen = final.feed(value);
            controller.enqueue(value);
          } catch (error) {
            reading = false;
            reader.cancel().catch(() => {});
            if (signal?.aborted) {
              if (final.error()) end('stream_cut'); // the SDK aborts once it has thrown the server's error
              else quit();
              controller.error(signal.reason);
            } else if (seen) {
              end('http_200'); // everything came; the server only kept the line open
              controller.close();
            } else {
              const outcome = error instanceof StreamCutError ? error.reason : failure(error, 'idle');
              end(outcome);
              controller.error(error instanceof StreamCutError ? error : new StreamCutError(outcome, error));
            }
          }
        },
        cancel(reason) {
          if (seen) end('http_200');
          else if (final.error()) end('stream_cut');
          else quit();
          return reader.cancel(reason);
        },
      });
    }

    /** A handed-over body as its reader reads it: each read waits on the server no longer than
     * `idle` ms (the reader's own time between reads counts for nothing); a stall errors the
     * body with `StreamCutError`. */
    function paced(body, idle) {
      const reader = body.getReader();
      return new ReadableStream({
        async pull(controller) {
          let stalled = false;
          const timer = setTimeout(() => {
            stalled = true;
            reader.cancel(new StreamCutError('timeout_idle')).catch(() => {});
          }, idle);
          try {
            const { done, value } = await reader.read();
            if (stalled) throw new StreamCutError('timeout_idle');
            if (done) controller.close();
            else controller.enqueue(value);
          } catch (error) {
            controller.error(stalled ? new StreamCutError('timeout_idle', error) : error);
          } finally {
            clearTimeout(timer);
          }
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      });
    }

    /** The phase limits of an attempt that started at `started` under the policy alone,
     * without the SDK's timeout as the request's deadline. */
    function policyLimits(run, started) {
      ownDeadline ??= client.policy().deadline;
      const deadline = new api.Deadline(ownDeadline, run.started);
      try {
        return phases(deadline.attemptTimeouts(started));
      } finally {
        deadline.free();
      }
    }

    /** One attempt: `{response}` for a watched stream, else its outcome to report. */
    async function attempt(run, url, init, decision) {
      const limits = phases(decision.timeouts);
      const headers = run.headers;
      // A caller's own idempotency key stays (it is the same on every attempt anyway); the
      // SDK's x-stainless-* values are ours to set.
      run.keep ??= new Set(decision.headers.filter(([n]) => !n.startsWith('x-stainless-') && headers.has(n)).map(([n]) => n));
      // (The policy's `x-stainless-timeout` is within the SDK's own: its deadline is capped by it.)
      for (const [name, value] of decision.headers) if (!run.keep.has(name)) headers.set(name, value);
      const controller = new AbortController();
      const onAbort = () => controller.abort(init.signal.reason);
      init.signal?.addEventListener('abort', onAbort, { once: true });
      if (init.signal?.aborted) onAbort(); // aborted before: its event is gone
      const release = () => init.signal?.removeEventListener('abort', onAbort);
      const timer = new Timer(controller);
      const started = now();
      let stage = 'headers';
      let response = null;
      try {
        timer.arm(limits.headers, 'timeout_headers');
        response = await inner(url, { ...init, headers, signal: controller.signal });
        const type = response.headers.get('content-type') ?? '';
        // The SDK's own timer stops once the headers of a stream or of a binary answer arrive:
        // its body is bounded by the policy's own limits, not by the SDK's timeout.
        const own = () => (run.sdkFrom == null ? limits : policyLimits(run, started));
        if (response.ok && type.startsWith('text/event-stream') && response.body) {
          stage = 'first_token';
          const body = own();
          timer.arm(body.first, 'timeout_first_token');
          const reader = response.body.getReader();
          let read;
          do read = await reader.read(); // an empty chunk is no first byte
          while (!read.done && (read.value?.byteLength ?? read.value?.length) === 0);
          const { done, value } = read;
          timer.clear();
          if (done) {
            // It ended before a byte: nothing was handed over, so it is retried as a cut.
            release();
            return { outcome: 'stream_cut', started, error: new StreamCutError('stream_cut') };
          }
          const stream = watched(run, reader, value, body, started, response, release, init.signal);
          return { response: new Response(stream, { status: response.status, statusText: response.statusText, headers: response.headers }) };
        }
        timer.clear();
        if (response.ok && handedOver(type)) {
          // Not an API answer (speech audio, a file's bytes): handed over as it comes (held
          // whole, its first byte would wait for its last), each read waiting on the server
          // no longer than the idle gap, as in Python; a cut in it reaches the reader, not retried.
          release();
          const outcome = `http_${response.status}`;
          const idle = own().idle;
          if (idle == null || !response.body) return { outcome, started, response };
          const { status, statusText } = response;
          return { outcome, started, response: new Response(paced(response.body, idle), { status, statusText, headers: response.headers }) };
        }
        // A failure's body and an API answer's are read inside the loop, within the attempt's
        // time: a body cut short or trickling past the limit is retried.
        stage = 'idle';
        timer.arm(limits.attempt == null ? null : Math.max(0, limits.attempt - (now() - started)), 'timeout_attempt');
        const buffer = await response.arrayBuffer();
        timer.clear();
        release();
        return { outcome: `http_${response.status}`, started, response, buffer };
      } catch (error) {
        timer.clear();
        release();
        if (init.signal?.aborted) {
          // The SDK's own timer (its abort cannot be told from the caller's but by its time):
          // the attempt timed out against the upstream, and it is the last.
          if (run.sdkFrom != null && now() >= run.sdkFrom) {
            const outcome = timer.fired ?? `timeout_${stage}`;
            return { outcome, started, error: new AttemptTimeoutError(outcome), last: true };
          }
          throw error; // the caller went away: no outcome to report
        }
        const outcome = timer.fired ?? (error instanceof GaveUpError ? error.reason : failure(error, stage));
        return { outcome, started, error: timer.fired ? new AttemptTimeoutError(outcome) : error };
      }
    }

    async function fetchThrough(input, init = {}) {
      (init.signal ?? input?.signal)?.throwIfAborted(); // as `fetch` does: no request at all
      const url = typeof input === 'string' || input instanceof URL ? String(input) : input.url;
      // Only HTTP goes through the client: the openai SDK fetches `data:,` once to check its
      // FormData support, which is no call of the API.
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
      if (scheme && !/^https?$/i.test(scheme)) return inner(input, init);
      if (typeof input === 'object' && !(input instanceof URL)) {
        // A Request: its body read once here, so that every attempt sends it (and the key is
        // read from it), unless `init` gives its own.
        const body = init.body === undefined && input.body !== null ? new Uint8Array(await input.arrayBuffer()) : undefined;
        init = { method: input.method, headers: input.headers, body, signal: input.signal, ...init };
      }
      const body = await replayable(init.body);
      if (body !== init.body) init = { ...init, body };
      const headers = new Headers(init.headers); // the attempts' own copy
      const retryCount = headers.get('x-stainless-retry-count');
      // A Stainless SDK (openai-node, anthropic) aborts the call on its own timer, set to its
      // `timeout`. The timer spans breakwater's whole request, retries and waits included, and
      // its abort cannot be told from the caller's. A per-request `timeout` is told in
      // `x-stainless-timeout` (whole seconds, rounded down; the client-level one is not): the
      // timer fires within the second after it. The request's deadline is capped at that
      // second's end (never cutting what the SDK would still wait for), and an abort within it
      // is that timer: the attempt it cuts is a timeout against its breaker, not a cancel. A
      // timeout under a second reads 0 and is not known.
      const sdkSeconds = Number(headers.get('x-stainless-timeout'));
      const sdkKnown = Number.isInteger(sdkSeconds) && sdkSeconds >= 1;
      // Once the SDK is seen retrying, each request tells the client so: a policy with
      // `ownership = "defer_to_outer"` leaves the retries to the SDK.
      if (retryCount !== null && retryCount !== '0' && !outerRetries) {
        outerRetries = true;
        (logger?.warn ?? console.warn)(
          'breakwater: the SDK retries this request and breakwater retries it too, multiplying the calls under failure: construct the SDK client with maxRetries: 0 (or leave the retries to it with the policy\'s retry.ownership = "defer_to_outer")',
        );
      }
      // Only an API call's JSON body names a model and spends tokens: an upload's may hold any text.
      const path = new URL(url, 'http://localhost').pathname;
      const facts = api.readRequest(bodyBytes(body), { contentType: headers.get('content-type'), path });
      const key = options.key ? options.key(url, init) : facts.key;
      const started = now();
      const run = {
        started,
        request: client.begin({
          key,
          estTokens: facts.est_tokens,
          outerOwnsRetries: outerRetries,
          deadlineMs: sdkKnown ? sdkSeconds * 1000 + 999 : undefined,
        }),
        headers,
        keep: null, // the caller's own headers among the policy's, found at the first attempt
        span: null,
        sdkFrom: sdkKnown ? started + sdkSeconds * 1000 - SDK_MARGIN_MS : null, // when the SDK's timer may fire
      };
      if (tracer) run.span = tracer.startSpan(`breakwater ${key}`, { kind: 2 /* SpanKind.CLIENT */ });
      try {
        for (;;) {
          const decision = client.beforeAttempt(run.request);
          drain(run);
          if (decision.action === 'wait') {
            await sleep(decision.wait_until_ms - now(), init.signal);
            continue;
          }
          if (decision.action === 'give_up') throw new GaveUpError(decision);
          const a = await attempt(run, url, init, decision);
          if (a.outcome === undefined) return a.response; // a watched stream
          const verdict = report(run, a.outcome, a.started, a.error ? null : a.response, a.buffer && new Uint8Array(a.buffer), a.last);
          if (verdict.action === 'retry') {
            await sleep(verdict.delay_ms ?? 0, init.signal);
            continue;
          }
          if (a.error) {
            a.error.breakwater = verdict;
            throw a.error;
          }
          if (a.buffer === undefined) return a.response;
          let headers = a.response.headers;
          // Not when the retries were left to the SDK (`defer_to_outer`): it is to retry them.
          if (verdict.action !== 'done' && verdict.reason !== 'retry_owned_by_outer_layer') {
            headers = new Headers(headers);
            headers.set('x-should-retry', 'false');
          }
          const { status, statusText } = a.response;
          return NULL_BODY.has(status) ? new Response(null, { status, statusText, headers }) : new Answer(a.buffer, status, statusText, headers);
        }
      } catch (error) {
        cancel(run);
        throw error;
      }
    }

    fetchThrough.client = client;
    Object.defineProperty(fetchThrough, 'events', { get: () => (events ??= new EventTarget()) });
    return fetchThrough;
  };
}
