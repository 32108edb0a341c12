// The real `openai` SDK with breakwater deciding every retry, deadline, breaker and
// idempotency key. The SDK sends (maxRetries: 0); breakwater decides.
//
//   node examples/node/client.mjs        runs the scenarios against the local fault server
//
// Per attempt: `beforeAttempt` gives the timeout (passed as the SDK's per-request `timeout`)
// and the headers (Idempotency-Key, x-stainless-retry-count, ...), or says wait / give up;
// the attempt's outcome goes to `onOutcome`, which says done, retry after `delay_ms`, or give up.
import OpenAI from 'openai';
import { createRequire } from 'node:module';

const bw = createRequire(import.meta.url)('breakwater');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const now = () => Math.floor(performance.now());

/** Thrown when breakwater decides not to (re)try; `cause` is the last SDK error, if any. */
export class GaveUp extends Error {
  constructor(decision, cause) {
    super(`breakwater gave up: ${decision.reason}`, { cause });
    this.name = 'GaveUp';
    this.decision = decision;
  }
}

/** An SDK error (or a stream error) as breakwater's attempt outcome. */
function outcomeOf(err, streaming) {
  if (err instanceof OpenAI.APIConnectionTimeoutError) return { outcome: 'timeout_headers' };
  if (err instanceof OpenAI.APIUserAbortError) return { outcome: 'cancelled' };
  if (err instanceof OpenAI.APIConnectionError) return { outcome: streaming ? 'stream_cut' : 'connect' };
  if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
    return {
      outcome: `http_${err.status}`,
      headers: err.headers ?? undefined,
      errorType: err.type ?? err.error?.type ?? undefined,
      errorCode: err.code ?? err.error?.code ?? undefined,
    };
  }
  // Anything else thrown while reading a stream's body: the stream was cut.
  if (streaming) return { outcome: 'stream_cut' };
  return { outcome: 'connect' };
}

/**
 * An OpenAI client whose calls go through a breakwater `Client` built from `policy`.
 * `chat(params)` returns the completion; `streamText(params)` returns the streamed text.
 */
export function resilientOpenAI({ baseURL, apiKey = 'sk-test', policy = {}, seed, log = () => {} }) {
  const openai = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
  const policyClient = new bw.Client(policy, seed);

  async function run(params, attempt, streaming) {
    const req = policyClient.begin({ key: params.model });
    let lastError;
    for (;;) {
      const d = policyClient.beforeAttempt(req);
      for (let e = policyClient.pollEvent(); e; e = policyClient.pollEvent()) log('breaker', e);
      if (d.action === 'wait') {
        log('wait', d.reason, d.wait_until_ms - now());
        await sleep(d.wait_until_ms - now());
        continue;
      }
      if (d.action === 'give_up') throw new GaveUp(d, lastError);
      const options = {
        timeout: d.timeouts.headers_ms ?? d.timeouts.attempt_ms ?? undefined,
        headers: Object.fromEntries(d.headers),
        maxRetries: 0,
      };
      const started = now();
      try {
        const result = await attempt(options);
        policyClient.onOutcome(req, { outcome: 'http_200', latencyMs: now() - started });
        return result;
      } catch (err) {
        lastError = err;
        const r = policyClient.onOutcome(req, { ...outcomeOf(err, streaming), latencyMs: now() - started });
        for (let e = policyClient.pollEvent(); e; e = policyClient.pollEvent()) log('breaker', e);
        log('outcome', r.class, r.action, r.reason, r.delay_ms);
        if (r.action !== 'retry') throw err;
        await sleep(r.delay_ms ?? 0);
      }
    }
  }

  return {
    policyClient,
    chat: (params) => run(params, (options) => openai.chat.completions.create(params, options), false),
    streamText: (params) =>
      run(
        params,
        async (options) => {
          const stream = await openai.chat.completions.create({ ...params, stream: true }, options);
          let text = '';
          let finished = false;
          for await (const c of stream) {
            text += c.choices[0]?.delta?.content ?? '';
            if (c.choices[0]?.finish_reason) finished = true;
          }
          if (!finished) throw new Error('stream ended without a finish_reason');
          return text;
        },
        true,
      ),
  };
}

/** The policy the example uses: quick numbers so the scenarios run in about a second. */
export const EXAMPLE_POLICY = {
  retry: { max_retries: 3, backoff: { base_ms: 50, max_ms: 200, jitter: 'full' } },
  deadline: { total_ms: 1500, headers_ms: 300 },
  retry_budget: { kind: 'none' },
  breaker: {
    window: { kind: 'count', size: 4 },
    minimum_calls: 4,
    failure_rate_threshold: 0.5,
    open_wait: { kind: 'fixed', ms: 60000 },
  },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const { startServer } = await import('./server.mjs');
  const server = await startServer();
  const messages = [{ role: 'user', content: 'hi' }];
  const log = (...a) => console.log('  ', ...a);
  try {
    for (const [scenario, call] of [
      ['rate-limit', 'chat'],
      ['quota', 'chat'],
      ['cut-stream', 'streamText'],
      ['slow-headers', 'chat'],
      ['server-errors', 'chat'],
    ]) {
      console.log(`${scenario}:`);
      const client = resilientOpenAI({ baseURL: `${server.url}/${scenario}/v1`, policy: EXAMPLE_POLICY, log });
      const t0 = now();
      try {
        const r = await client[call]({ model: 'gpt-4o-mini', messages });
        console.log('   ok:', typeof r === 'string' ? r : r.choices[0].message.content);
      } catch (e) {
        console.log('   failed:', e.name, e.message);
      }
      console.log(`   ${server.of(scenario).length} upstream calls, ${now() - t0} ms`);
    }
  } finally {
    await server.close();
  }
}
