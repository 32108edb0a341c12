// Checks of the `fetch` integration (bindings/js/fetch.mjs) without a network, shared by the
// Node addon's and the WASM module's suites: the upstream is a scripted `options.fetch`. The
// openai SDK through it, against a real fault-injecting server, is in examples/node.
import assert from 'node:assert/strict';

const FAST = { retry: { max_retries: 3, backoff: { base_ms: 1, max_ms: 5 } } };
const BODY = JSON.stringify({ model: 'm-1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 });
const URL_ = 'http://upstream/v1/chat/completions';
const enc = new TextEncoder();

/** A scripted upstream: each answer is a Response factory; records each call's headers. */
function upstream(...answers) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, headers: Object.fromEntries(new Headers(init.headers)), signal: init.signal, body: init.body });
    const answer = answers.length > 1 ? answers.shift() : answers[0];
    return answer(init);
  };
  return { fetch, calls };
}

const json = (status, body = {}, headers = {}) => () =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** An answer of `type` whose body is `parts` (strings, an Error to fail the read there, or a
 * number of ms to stall), aborted by the request's signal like a real body. */
const served = (type, ...parts) => (init) => {
  const body = new ReadableStream({
    async pull(controller) {
      const part = parts.shift();
      if (part === undefined) return controller.close();
      if (part instanceof Error) return controller.error(part);
      if (typeof part === 'number') {
        return new Promise((resolve, reject) => {
          const t = setTimeout(resolve, part);
          init.signal?.addEventListener('abort', () => (clearTimeout(t), reject(init.signal.reason)));
        });
      }
      controller.enqueue(enc.encode(part));
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': type } });
};

/** A server-sent event stream of `parts`. */
const sse = (...parts) => served('text/event-stream', ...parts);

const post = (f, extra = {}) => f(URL_, { method: 'POST', body: BODY, headers: { 'content-type': 'application/json', ...extra } });
const kinds = (events) => events.filter((e) => e.kind !== 'breaker').map((e) => e.kind);

export const fetchChecks = {
  async 'a Request, or a body of bytes, form or blob, is sent again on each attempt and keyed by its model'(bw) {
    const sent = (body) => new Response(body).text();
    const events = [];
    const up = upstream(json(503), json(200, { ok: true }));
    const f = bw.fetch(FAST, { fetch: up.fetch, onEvent: (e) => events.push(e) });
    const r = await f(new Request(URL_, { method: 'POST', body: BODY, headers: { 'content-type': 'application/json' } }));
    assert.deepEqual(await r.json(), { ok: true });
    assert.deepEqual(await Promise.all(up.calls.map((c) => sent(c.body))), [BODY, BODY]);
    assert.equal(up.calls[0].headers['content-type'], 'application/json');
    assert.equal(events[0].key, 'm-1');
    const bodies = [new DataView(enc.encode(BODY).buffer), new Blob([BODY]), new URLSearchParams({ model: 'm-1' })];
    for (const body of bodies) {
      const again = upstream(json(503), json(200, { ok: true }));
      await bw.fetch(FAST, { fetch: again.fetch })(URL_, { method: 'POST', body });
      assert.equal(again.calls.length, 2, body.constructor.name);
      const [a, b] = await Promise.all(again.calls.map((c) => sent(c.body)));
      assert.equal(a, b, body.constructor.name);
    }
    // A streamed upload is read once, before the first attempt, so that a retry sends it too.
    const streamed = upstream(json(503), json(200, { ok: true }));
    const stream = new ReadableStream({ start: (c) => (c.enqueue(enc.encode(BODY)), c.close()) });
    await bw.fetch(FAST, { fetch: streamed.fetch })(URL_, { method: 'POST', body: stream });
    assert.deepEqual(await Promise.all(streamed.calls.map((c) => sent(c.body))), [BODY, BODY]);
  },

  async 'retries keep one idempotency key; the breaker key is the model; events say why'(bw) {
    const up = upstream(json(500, { error: { type: 'server_error' } }), json(503), json(200, { ok: true }));
    const events = [];
    const f = bw.fetch(FAST, { fetch: up.fetch, onEvent: (e) => events.push(e) });
    const r = await post(f);
    assert.deepEqual(await r.json(), { ok: true });
    assert.equal(up.calls.length, 3);
    assert.equal(new Set(up.calls.map((c) => c.headers['idempotency-key'])).size, 1);
    assert.deepEqual(up.calls.map((c) => c.headers['x-stainless-retry-count']), ['0', '1', '2']);
    assert.deepEqual(kinds(events), ['send', 'retry', 'send', 'retry', 'send', 'done']);
    assert.equal(events[1].error_type, '500');
    assert.deepEqual(new Set(events.map((e) => e.key)), new Set(['m-1']));
    assert.deepEqual(new Set(events.map((e) => e.request)), new Set([up.calls[0].headers['idempotency-key']]));
  },

  async "a caller's own idempotency key is kept on every attempt"(bw) {
    const up = upstream(json(500), json(200));
    await post(bw.fetch(FAST, { fetch: up.fetch }), { 'Idempotency-Key': 'mine' });
    assert.deepEqual(up.calls.map((c) => c.headers['idempotency-key']), ['mine', 'mine']);
  },

  async 'a fatal answer is returned once, marked not to retry'(bw) {
    const quota = { error: { type: 'insufficient_quota', code: 'insufficient_quota' } };
    const up = upstream(json(429, quota));
    const events = [];
    const r = await post(bw.fetch(FAST, { fetch: up.fetch, onEvent: (e) => events.push(e) }));
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('x-should-retry'), 'false');
    assert.deepEqual(await r.json(), quota);
    assert.equal(up.calls.length, 1);
    assert.equal(events.at(-1).kind, 'give_up');
    assert.equal(events.at(-1).cause, 'insufficient_quota');
  },

  async 'Retry-After is honoured'(bw) {
    const up = upstream(json(429, {}, { 'retry-after-ms': '120' }), json(200));
    const f = bw.fetch(FAST, { fetch: up.fetch });
    const t0 = performance.now();
    assert.equal((await post(f)).status, 200);
    assert.ok(performance.now() - t0 >= 110, 'waited the server delay');
  },

  async 'an open breaker fails fast with a GaveUpError, not an AbortError'(bw) {
    const policy = { retry: { max_retries: 0 }, breaker: { window: { kind: 'count', size: 2 }, minimum_calls: 2, open_wait: { kind: 'fixed', ms: 60000 } } };
    const up = upstream(json(500));
    const f = bw.fetch(policy, { fetch: up.fetch });
    await post(f);
    await post(f);
    await assert.rejects(post(f), (e) => e instanceof bw.GaveUpError && e.reason === 'breaker_open' && e.name !== 'AbortError');
    assert.equal(up.calls.length, 2);
    assert.equal(f.client.breakerState('m-1'), 'open');
  },

  async 'slow headers are cut at the headers limit and the deadline bounds the request'(bw) {
    const policy = { ...FAST, deadline: { total_ms: 400, headers_ms: 60 } };
    const never = (init) =>
      new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
    const up = upstream(never);
    const t0 = performance.now();
    await assert.rejects(post(bw.fetch(policy, { fetch: up.fetch })), (e) => {
      assert.ok(e instanceof bw.GaveUpError, String(e));
      assert.notEqual(e.name, 'AbortError');
      assert.match(e.message, /timed out/);
      return true;
    });
    assert.ok(performance.now() - t0 < 1000);
    assert.ok(up.calls.length >= 2);
  },

  async 'a stream with its final event succeeds, even split across chunks'(bw) {
    for (const parts of [
      ['data: {"a":1}\n\n', 'data: [DO', 'NE]\n\n'],
      ['event: message_start\ndata: {}\n\n', 'event: message_stop\ndata: {}\n\n'],
      ['event: response.created\ndata: {}\n\n', 'event: response.completed\ndata: {}\n\n'],
      // CR-only lines, and a final event named only by the data's `type`.
      ['data: {"a":1}\r\r', 'data: [DONE]\r\r'],
      ['data: {"type": "response.created"}\n\n', 'data: {"type": "response.completed", "response": {}}\n\n'],
    ]) {
      const events = [];
      const r = await post(bw.fetch(FAST, { fetch: upstream(sse(...parts)).fetch, onEvent: (e) => events.push(e) }));
      assert.equal(await r.text(), parts.join(''));
      assert.equal(events.at(-1).kind, 'done', parts.join(''));
    }
  },

  async 'a stream without its final event errors with StreamCutError'(bw) {
    const events = [];
    const r = await post(bw.fetch(FAST, { fetch: upstream(sse('data: {"a":1}\n\n')).fetch, onEvent: (e) => events.push(e) }));
    await assert.rejects(r.text(), (e) => e instanceof bw.StreamCutError && e.name !== 'AbortError' && e.reason === 'stream_cut');
    // No retry can follow once the reader holds the answer: a give-up, not a retry nobody makes.
    assert.deepEqual(kinds(events).slice(-2), ['send', 'give_up']);
    assert.equal(events.at(-1).reason, 'not_repeatable');
  },

  async 'a failure before the first chunk is retried under the reader'(bw) {
    const up = upstream(sse(new TypeError('terminated')), sse('data: {}\n\n', 'data: [DONE]\n\n'));
    const r = await post(bw.fetch(FAST, { fetch: up.fetch }));
    assert.match(await r.text(), /\[DONE\]/);
    assert.equal(up.calls.length, 2);
  },

  async 'a stream that ends before its first byte is retried as a cut'(bw) {
    const events = [];
    const up = upstream(sse(), sse('data: {}\n\n', 'data: [DONE]\n\n'));
    const r = await post(bw.fetch(FAST, { fetch: up.fetch, onEvent: (e) => events.push(e) }));
    assert.match(await r.text(), /\[DONE\]/);
    assert.equal(up.calls.length, 2);
    assert.equal(events.find((e) => e.kind === 'retry').outcome, 'stream_cut');
  },

  async 'a JSON answer cut short or trickling past the attempt limit is retried, as in Python'(bw) {
    for (const [first, outcome, policy] of [
      [served('application/json', '{"a"', new TypeError('terminated')), 'stream_cut', FAST],
      [served('application/json', '{"a"', 300, ': 1}'), 'timeout_attempt', { ...FAST, deadline: { total_ms: 5000, attempt_ms: 150 } }],
      [served('text/plain; charset=utf-8', 'partial', new TypeError('terminated')), 'stream_cut', FAST],
    ]) {
      const events = [];
      const up = upstream(first, json(200, { ok: true }));
      const r = await post(bw.fetch(policy, { fetch: up.fetch, onEvent: (e) => events.push(e) }));
      assert.deepEqual(await r.json(), { ok: true });
      assert.equal(up.calls.length, 2);
      assert.deepEqual(kinds(events), ['send', 'retry', 'send', 'done']);
      assert.equal(events[1].outcome, outcome);
    }
    // Any other success (speech audio, a file's bytes) is handed over as it comes: the reader
    // has its first bytes at once, and a cut later reaches it, not retried.
    const up = upstream(served('audio/mpeg', 'ID3', 200, new TypeError('terminated')));
    const r = await post(bw.fetch(FAST, { fetch: up.fetch }));
    const reader = r.body.getReader();
    assert.deepEqual(new TextDecoder().decode((await reader.read()).value), 'ID3');
    await assert.rejects(reader.read(), /terminated/);
    assert.equal(up.calls.length, 1);
    // A success without a body keeps none.
    const empty = await post(bw.fetch(FAST, { fetch: upstream(() => new Response(null, { status: 204 })).fetch }));
    assert.equal(empty.status, 204);
    assert.equal(empty.body, null);
  },

  async 'a handed-over body waits on the server no longer than the idle gap, and never on its reader'(bw) {
    const policy = { retry: { max_retries: 0 }, deadline: { total_ms: 200, idle_ms: 100 } };
    // Every byte came at once: the reader's own time, past the deadline in all, stalls nothing.
    const r = await post(bw.fetch(policy, { fetch: upstream(served('audio/mpeg', 'ID3', 'more', 'end')).fetch }));
    const reader = r.body.getReader();
    let text = '';
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 120));
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    assert.equal(text, 'ID3moreend');
    // A server that stops sending is cut at the idle gap, as a stall (never an AbortError).
    const s = await post(bw.fetch(policy, { fetch: upstream(served('audio/mpeg', 'ID3', 5000)).fetch }));
    const stalled = s.body.getReader();
    await stalled.read();
    const t0 = performance.now();
    await assert.rejects(stalled.read(), (e) => e instanceof bw.StreamCutError && e.reason === 'timeout_idle' && e.name !== 'AbortError');
    assert.ok(performance.now() - t0 < 1000);
  },

  async 'an answer read inside the loop reads as the upstream Response would'(bw) {
    const text = '{"id": "chatcmpl-1", "say": "héllo"}';
    const answer = json(200, JSON.parse(text), { 'x-request-id': 'req_1' });
    const get = async () => post(bw.fetch(FAST, { fetch: upstream(answer).fetch }));
    const reads = {
      json: async (r) => r.json(),
      text: async (r) => r.text(),
      arrayBuffer: async (r) => new TextDecoder().decode(await r.arrayBuffer()),
      blob: async (r) => {
        const blob = await r.blob();
        return [blob.type, await blob.text()];
      },
      body: async (r) => new Response(r.body).text(),
    };
    for (const [name, read] of Object.entries(reads)) {
      const [r, plain] = [await get(), answer()];
      assert.ok(r instanceof Response, name);
      assert.equal(r.bodyUsed, false, name);
      assert.equal(r.headers.get('x-request-id'), 'req_1', name);
      assert.deepEqual(await read(r), await read(plain), name);
      assert.equal(r.bodyUsed, true, name);
      // A second read is refused as a used body's is, each way.
      for (const again of Object.values(reads).slice(0, 4)) await assert.rejects(again(r), TypeError, name);
      assert.throws(() => r.clone(), TypeError, name);
    }
    // A clone reads the same bytes, each on its own.
    const r = await get();
    const copy = r.clone();
    assert.deepEqual([await r.json(), await copy.text()], [JSON.parse(text), JSON.stringify(JSON.parse(text))]);
    // Its stream taken first, the reads go through it.
    const streamed = await get();
    assert.ok(streamed.body instanceof ReadableStream);
    assert.deepEqual(await streamed.json(), JSON.parse(text));
    assert.equal(streamed.bodyUsed, true);
  },

  async "a stream's first chunk waits for the first-token limit, the idle gap's only without one of its own"(bw) {
    const stalled = (deadline) => {
      const events = [];
      const f = bw.fetch({ retry: { max_retries: 0 }, deadline }, { fetch: upstream(sse(150, 'data: {}\n\n', 'data: [DONE]\n\n')).fetch, onEvent: (e) => events.push(e) });
      return { events, answer: post(f) };
    };
    // Its own limit stays even where the attempt's clips it to the same value.
    const own = stalled({ total_ms: 10000, attempt_ms: 5000, first_token_ms: 5000, idle_ms: 50 });
    assert.match(await (await own.answer).text(), /\[DONE\]/);
    const none = stalled({ total_ms: 10000, idle_ms: 50 });
    await assert.rejects(none.answer, (e) => e instanceof bw.GaveUpError);
    assert.ok(none.events.some((e) => e.outcome === 'timeout_first_token'));
  },

  async 'a stream whose bytes all came is no stall, however slowly its reader reads it'(bw) {
    const events = [];
    const policy = { retry: { max_retries: 0 }, deadline: { total_ms: 300, idle_ms: 200 } };
    const parts = ['data: {"a":1}\n\n', 'data: {"b":2}\n\n', 'data: {"c":3}\n\n', 'data: [DONE]\n\n'];
    const r = await post(bw.fetch(policy, { fetch: upstream(sse(...parts)).fetch, onEvent: (e) => events.push(e) }));
    const reader = r.body.getReader();
    let text = '';
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 150)); // the reader's own work, 600 ms in all
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    assert.equal(text, parts.join(''));
    assert.equal(events.at(-1).kind, 'done');
  },

  async "a per-request SDK timeout stops bounding a stream once its headers came, as the SDK's own timer does"(bw) {
    // openai-node clears its timer when a stream's headers arrive: the stream then runs under
    // the policy's limits only (here no attempt limit, a 1 s idle gap), past the SDK's 1 s.
    const events = [];
    const parts = ['data: {}\n\n', 'data: {}\n\n', 'data: {}\n\n', 'data: {}\n\n', 'data: {}\n\n', 'data: {}\n\n', 'data: [DONE]\n\n'];
    const slow = () => {
      let sent = 0; // a chunk at once, then one every 450 ms: 2.7 s in all
      const body = new ReadableStream({
        async pull(controller) {
          if (sent === parts.length) return controller.close();
          if (sent > 0) await new Promise((resolve) => setTimeout(resolve, 450));
          controller.enqueue(enc.encode(parts[sent++]));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    };
    const f = bw.fetch({ retry: { max_retries: 0 }, deadline: { idle_ms: 1000 } }, { fetch: upstream(slow).fetch, onEvent: (e) => events.push(e) });
    const r = await post(f, { 'x-stainless-timeout': '1' });
    assert.equal(await r.text(), parts.join(''));
    assert.equal(events.at(-1).kind, 'done');
  },

  async 'a stalled stream is cut at the idle limit, never as an AbortError'(bw) {
    const policy = { deadline: { total_ms: 5000, idle_ms: 80 } };
    const events = [];
    const r = await post(bw.fetch(policy, { fetch: upstream(sse('data: {}\n\n', 2000)).fetch, onEvent: (e) => events.push(e) }));
    const t0 = performance.now();
    await assert.rejects(r.text(), (e) => e instanceof bw.StreamCutError && e.reason === 'timeout_idle' && e.name !== 'AbortError');
    assert.ok(performance.now() - t0 < 1000);
    assert.ok(events.some((e) => e.outcome === 'timeout_idle'));
  },

  async 'a reader that cancels ends the request with cancel'(bw) {
    const events = [];
    const r = await post(bw.fetch(FAST, { fetch: upstream(sse('data: {}\n\n', 'data: {}\n\n')).fetch, onEvent: (e) => events.push(e) }));
    const reader = r.body.getReader();
    await reader.read();
    await reader.cancel();
    assert.equal(events.at(-1).kind, 'cancel');
  },

  async "the caller's signal aborts waits and attempts, and the request is cancelled"(bw) {
    const up = upstream(json(429, {}, { 'retry-after': '30' }));
    const policy = { ...FAST, retry: { ...FAST.retry, server_delay: { honor: true, max_ms: 60000 } } };
    const events = [];
    const f = bw.fetch(policy, { fetch: up.fetch, onEvent: (e) => events.push(e) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user went away')), 50);
    await assert.rejects(f(URL_, { method: 'POST', body: BODY, signal: controller.signal }), /user went away/);
    assert.equal(events.at(-1).kind, 'cancel');
    // Aborted before the call: no request at all, as `fetch` does (the abort event is gone).
    const none = upstream(json(200));
    const done = new AbortController();
    done.abort(new Error('gone before'));
    await assert.rejects(bw.fetch(FAST, { fetch: none.fetch })(URL_, { method: 'POST', body: BODY, signal: done.signal }), /gone before/);
    await assert.rejects(bw.fetch(FAST, { fetch: none.fetch })(new Request(URL_, { signal: done.signal })), /gone before/);
    assert.equal(none.calls.length, 0);
  },

  async "the caller's abort of a stream being read ends it with the caller's reason and counts nothing"(bw) {
    const policy = { ...FAST, breaker: { consecutive_failures: 2 } };
    const events = [];
    const up = upstream((init) => sse('data: {}\n\n', 1000)(init)); // a new stream per call
    const f = bw.fetch(policy, { fetch: up.fetch, onEvent: (e) => events.push(e) });
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      const r = await f(URL_, { method: 'POST', body: BODY, signal: controller.signal, headers: { 'content-type': 'application/json' } });
      const reader = r.body.getReader();
      await reader.read();
      setTimeout(() => controller.abort(new DOMException('stopped by the user', 'AbortError')), 10);
      await assert.rejects(reader.read(), (e) => e.name === 'AbortError');
      assert.equal(events.at(-1).kind, 'cancel');
    }
    assert.equal(f.client.breakerState('m-1'), 'closed');
    assert.ok(!events.some((e) => e.kind === 'retry' || e.kind === 'give_up'));
  },

  async "the idle gap is the server's: a reader slower than the limit stalls nothing"(bw) {
    const policy = { deadline: { total_ms: 10000, idle_ms: 60 } };
    const events = [];
    const parts = ['data: {}\n\n', 'data: {}\n\n', 'data: {}\n\n', 'data: [DONE]\n\n'];
    const r = await post(bw.fetch(policy, { fetch: upstream(sse(...parts)).fetch, onEvent: (e) => events.push(e) }));
    await new Promise((resolve) => setTimeout(resolve, 150)); // the stream is read later
    const reader = r.body.getReader();
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
      await new Promise((resolve) => setTimeout(resolve, 100)); // the reader's own time per chunk
    }
    assert.equal(events.at(-1).kind, 'done');
  },

  async 'a stream whose final event came ends quietly when the server keeps the line open'(bw) {
    const policy = { deadline: { total_ms: 10000, idle_ms: 60 } };
    const events = [];
    const r = await post(bw.fetch(policy, { fetch: upstream(sse('data: [DONE]\n\n', 2000)).fetch, onEvent: (e) => events.push(e) }));
    assert.equal(await r.text(), 'data: [DONE]\n\n');
    assert.equal(events.at(-1).kind, 'done');
  },

  async 'an unread stream does not keep the process alive, and data: URLs go straight through'(bw) {
    // The watchdog and phase timers are unref'd: checked by the suite's own exit, and here by
    // a stream left unread while its server stalls.
    const policy = { deadline: { total_ms: 60000, idle_ms: 30000 } };
    const stalls = () => {
      let sent = false;
      const body = new ReadableStream({
        pull(controller) {
          if (sent) return new Promise(() => {}); // the server stalls, holding no timer of its own
          sent = true;
          controller.enqueue(enc.encode('data: {}\n\n'));
        },
      });
      return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    };
    const r = await post(bw.fetch(policy, { fetch: upstream(stalls).fetch }));
    assert.equal(r.status, 200);
    const events = [];
    const inner = async (url) => new Response(`inner ${url}`);
    const f = bw.fetch(FAST, { fetch: inner, onEvent: (e) => events.push(e) });
    assert.equal(await (await f('data:,')).text(), 'inner data:,');
    assert.equal(events.length, 0);
  },

  async "a Stainless SDK's own timeout cuts a hung attempt as a timeout against the breaker, not a cancel"(bw) {
    // The SDK aborts the call on its own timer (here 1 s, told in x-stainless-timeout): its
    // abort cannot be told from the caller's, so breakwater cuts the attempt just before it.
    const policy = { retry: { max_retries: 0 }, breaker: { window: { kind: 'count', size: 2 }, minimum_calls: 2, open_wait: { kind: 'fixed', ms: 60000 } } };
    const never = (init) => new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
    const up = upstream(never);
    const events = [];
    const f = bw.fetch(policy, { fetch: up.fetch, onEvent: (e) => events.push(e) });
    const sdkCall = () => {
      // A per-request `timeout` (the SDK sends x-stainless-timeout only for one).
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 1000);
      return post((url, init) => f(url, { ...init, signal: controller.signal }), { 'x-stainless-timeout': '1' }).finally(() => clearTimeout(timer));
    };
    for (let i = 0; i < 2; i++) {
      await assert.rejects(sdkCall(), (e) => e instanceof bw.AttemptTimeoutError && e.name !== 'AbortError' && /timed out/.test(e.message));
      assert.equal(events.at(-1).kind, 'give_up');
      assert.ok(events.some((e) => e.outcome === 'timeout_headers'));
    }
    assert.ok(!events.some((e) => e.kind === 'cancel'));
    assert.equal(f.client.breakerState('m-1'), 'open');
    await assert.rejects(sdkCall(), (e) => e instanceof bw.GaveUpError && e.reason === 'breaker_open');
    assert.equal(up.calls.length, 2);
    // The header tells whole seconds: the timer fires within the second after them, so an
    // answer before it is not cut (here the SDK's timeout is 1.5 s, the answer comes at 1.2 s).
    const late = upstream(
      (init) =>
        new Promise((resolve, reject) => {
          const t = setTimeout(() => resolve(json(200, { ok: true })()), 1200);
          init.signal.addEventListener('abort', () => (clearTimeout(t), reject(init.signal.reason)));
        }),
    );
    const g = bw.fetch(policy, { fetch: late.fetch });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 1500);
    const r = await post((url, init) => g(url, { ...init, signal: controller.signal }), { 'x-stainless-timeout': '1' });
    clearTimeout(timer);
    assert.deepEqual(await r.json(), { ok: true });
    // and the header the upstream is told stays the SDK's.
    assert.equal(late.calls[0].headers['x-stainless-timeout'], '1');
  },

  async 'resource ids share one breaker key: the path as a route'(bw) {
    const events = [];
    const f = bw.fetch(FAST, { fetch: upstream(json(200)).fetch, onEvent: (e) => events.push(e) });
    for (const id of ['batch_6721fe1a8b9c8190', 'batch_a1b2c3']) await f(`http://upstream/v1/batches/${id}`);
    assert.deepEqual([...new Set(events.map((e) => e.key))], ['/v1/batches/{id}']);
  },

  async 'a Responses stream that ends with response.failed is a failed answer, not a success'(bw) {
    const events = [];
    const failed = 'event: response.failed\ndata: {"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"m"}}}\n\n';
    const r = await post(bw.fetch(FAST, { fetch: upstream(sse('event: response.created\ndata: {}\n\n', failed)).fetch, onEvent: (e) => events.push(e) }));
    assert.match(await r.text(), /response\.failed/); // the reader has the event (the SDK hands it over)
    assert.deepEqual(kinds(events).slice(-2), ['send', 'give_up']);
    assert.equal(events.at(-1).reason, 'not_repeatable');
    assert.equal(events.at(-1).cause, 'stream_error');
  },

  async 'an upload is keyed by its path and an inline image counts as an image'(bw) {
    const events = [];
    const f = bw.fetch(FAST, { fetch: upstream(json(200)).fetch, onEvent: (e) => events.push(e) });
    const form = new FormData();
    form.append('file', new Blob(['{"model": "gpt-4o-mini"}\n'.repeat(1000)]), 'b.jsonl');
    await f('http://upstream/v1/files', { method: 'POST', body: form });
    assert.equal(events[0].key, '/v1/files');
    const jsonl = '{"model": "gpt-4o-mini"}\n'.repeat(1000);
    await f('http://upstream/v1/uploads', { method: 'POST', body: jsonl, headers: { 'content-type': 'application/jsonl-not-an-api-call+text' } });
    // A JSON body with a 3 MB inline image fits a 200k-token limit (it used to read as 750k tokens).
    const limited = bw.fetch({ rate_limit: { tpm: 200000 } }, { fetch: upstream(json(200)).fetch });
    const image = JSON.stringify({ model: 'm', messages: [{ content: [{ image_url: { url: `data:image/png;base64,${'A'.repeat(3000000)}` } }] }] });
    assert.equal((await limited(URL_, { method: 'POST', body: image, headers: { 'content-type': 'application/json' } })).status, 200);
  },

  async 'a prompt spends its UTF-8 bytes at four a token, as in Python'(bw) {
    // 3,000 characters of Japanese are 9,000 bytes: 2,250 tokens, over a 2,000-token limit
    // (read by the string's length, 750 tokens, they fitted in JavaScript alone).
    const body = (n) => JSON.stringify({ model: 'm', input: 'あ'.repeat(n) });
    const send = (n) =>
      bw.fetch({ rate_limit: { tpm: 2000 } }, { fetch: upstream(json(200)).fetch })(URL_, { method: 'POST', body: body(n), headers: { 'content-type': 'application/json' } });
    assert.equal((await send(2000)).status, 200);
    await assert.rejects(send(3000), (e) => e instanceof bw.GaveUpError && e.reason === 'exceeds_token_capacity');
  },

  async 'a listener that throws is reported and changes nothing'(bw) {
    const errors = [];
    const logger = { error: (...a) => errors.push(a), warn() {}, info() {}, debug() {} };
    const f = bw.fetch(FAST, {
      fetch: upstream(json(500), json(200, { ok: true })).fetch,
      logger,
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    assert.deepEqual(await (await post(f)).json(), { ok: true });
    assert.ok(errors.length >= 4 && /onEvent listener threw/.test(errors[0][0]));
  },

  async "an error event in a stream counts as the server's failure"(bw) {
    for (const error of [
      'data: {"error": {"message": "The server had an error while processing your request. Sorry about that!", "type": "server_error", "code": null}}\n\n',
      'event: error\ndata: {"type": "error", "code": "server_error", "message": "boom"}\n\n',
    ]) {
      const events = [];
      // Split far into the line too: more than the 64 characters kept of a chunk for a final event.
      const parts = ['data: {"a":1}\n\n', error.slice(0, 20), error.slice(20, 90), error.slice(90)];
      const f = bw.fetch(FAST, { fetch: upstream(sse(...parts, 1000)).fetch, onEvent: (e) => events.push(e) });
      const reader = (await post(f)).body.getReader();
      for (let i = 0; i < parts.length; i++) await reader.read();
      await reader.cancel(); // the reader (the SDK) stops at the error event
      const last = events.at(-1);
      assert.deepEqual([last.kind, last.reason, last.outcome, last.cause], ['give_up', 'not_repeatable', 'http_200', 'stream_error']);
    }
  },

  async 'events reach the EventTarget and a console-like logger'(bw) {
    const logged = [];
    const logger = { warn: (m) => logged.push(['warn', m]), info: (m) => logged.push(['info', m]), debug: (m) => logged.push(['debug', m]) };
    const f = bw.fetch(FAST, { fetch: upstream(json(500), json(200)).fetch, logger });
    const seen = [];
    f.events.addEventListener('retry', (e) => seen.push(e.detail.reason));
    await post(f);
    assert.deepEqual(seen, ['backoff']);
    assert.deepEqual(logged.map(([l]) => l), ['debug', 'info', 'debug', 'debug']);
  },

  async 'the SDK retrying on top is named once'(bw) {
    const warned = [];
    const f = bw.fetch(FAST, { fetch: upstream(json(200)).fetch, logger: { warn: (m) => warned.push(m) } });
    await post(f, { 'x-stainless-retry-count': '1' });
    await post(f, { 'x-stainless-retry-count': '2' });
    assert.equal(warned.filter((m) => /maxRetries: 0/.test(m)).length, 1);
  },

  async 'once the SDK is seen retrying, a policy that defers to it leaves the retries to it'(bw) {
    const policy = { retry: { ...FAST.retry, ownership: 'defer_to_outer' } };
    const events = [];
    const up = upstream(json(503));
    const f = bw.fetch(policy, { fetch: up.fetch, logger: { warn() {} }, onEvent: (e) => events.push(e) });
    // The SDK's first attempt: nobody is known to retry yet, so breakwater retries it.
    let r = await post(f, { 'x-stainless-retry-count': '0' });
    assert.equal(up.calls.length, 4);
    assert.equal(r.headers.get('x-should-retry'), 'false');
    // Its retry: from now on the SDK owns the retries, and its answer is not marked against them.
    for (const count of ['1', '0']) {
      r = await post(f, { 'x-stainless-retry-count': count });
      assert.equal(r.status, 503);
      assert.equal(r.headers.get('x-should-retry'), null);
      assert.equal(events.at(-1).reason, 'retry_owned_by_outer_layer');
    }
    assert.equal(up.calls.length, 6);
  },

  'eventAttributes maps onto OpenTelemetry names'(bw) {
    const attrs = bw.eventAttributes({ kind: 'send', key: 'm', attempt: 2, resend_count: 1, at_ms: 5, request: 'r' });
    assert.equal(attrs['http.request.resend_count'], 1);
    assert.equal(attrs['breakwater.kind'], 'send');
    const failed = bw.eventAttributes({ kind: 'retry', error_type: '503', transition: { to: 'open', open_until_ms: null } });
    assert.equal(failed['error.type'], '503');
    assert.equal(failed['breakwater.transition.to'], 'open');
    assert.ok(!('breakwater.transition.open_until_ms' in failed));
  },
};

/** The OpenTelemetry hook against the SDK's in-memory exporter (`sdk` is `@opentelemetry/sdk-trace-base`). */
export async function checkOpenTelemetry(bw, sdk) {
  const exporter = new sdk.InMemorySpanExporter();
  const provider = new sdk.BasicTracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('test');
  const quota = { error: { type: 'insufficient_quota', code: 'insufficient_quota' } };
  const f = bw.fetch(FAST, { fetch: upstream(json(503), json(200), json(429, quota)).fetch, opentelemetry: tracer });
  await post(f);
  await post(f);
  const [ok, failed] = exporter.getFinishedSpans();
  assert.equal(ok.name, 'breakwater m-1');
  assert.deepEqual(ok.events.map((e) => e.name), ['breakwater.send', 'breakwater.retry', 'breakwater.send', 'breakwater.done']);
  assert.equal(ok.events[1].attributes['error.type'], '503');
  assert.equal(ok.events[2].attributes['http.request.resend_count'], 1);
  assert.equal(ok.attributes['http.request.resend_count'], 1);
  assert.equal(ok.status.code, 0); // UNSET
  assert.equal(failed.status.code, 2); // ERROR
  assert.equal(failed.attributes['error.type'], '429');
}
