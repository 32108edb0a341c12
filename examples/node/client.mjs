// The real `openai` SDK with breakwater deciding every retry, deadline, breaker and
// idempotency key: two lines. The SDK's own retries are off (`maxRetries: 0`); breakwater's
// `fetch` decides around each request, and watches streamed answers for cuts and stalls.
//
//   node examples/node/client.mjs        runs the scenarios against the local fault server
import OpenAI from './sdk.mjs';
import { createRequire } from 'node:module';

const bw = createRequire(import.meta.url)('breakwater');

export const EXAMPLE_POLICY = {
  retry: { max_retries: 3, backoff: { base_ms: 50, max_ms: 200, jitter: 'full' } },
  deadline: { total_ms: 1500, headers_ms: 300, idle_ms: 300 },
  retry_budget: { kind: 'none' },
  breaker: {
    window: { kind: 'count', size: 4 },
    minimum_calls: 4,
    failure_rate_threshold: 0.5,
    open_wait: { kind: 'fixed', ms: 60000 },
  },
};

/** The SDK with breakwater's fetch; `options` go to the fetch (`onEvent`, `logger`, ...). */
export function resilientOpenAI({ baseURL, policy = EXAMPLE_POLICY, maxRetries = 0, ...options }) {
  const fetch = bw.fetch(policy, options);
  const sdk = new OpenAI({ apiKey: 'sk-test', baseURL, maxRetries, fetch });
  return { sdk, fetch };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { startServer } = await import('./server.mjs');
  const server = await startServer();
  const messages = [{ role: 'user', content: 'hi' }];
  const logger = { warn: (m, e) => console.log('   ', m, e.reason ?? ''), info: (m, e) => console.log('   ', m, e.reason ?? '') };
  try {
    for (const [scenario, stream] of [
      ['rate-limit', false],
      ['quota', false],
      ['cut-early', true],
      ['cut-stream', true],
      ['slow-headers', false],
      ['server-errors', false],
    ]) {
      console.log(`${scenario}:`);
      const { sdk } = resilientOpenAI({ baseURL: `${server.url}/${scenario}/v1`, logger });
      const t0 = performance.now();
      try {
        const r = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages, stream });
        let text = '';
        if (stream) for await (const c of r) text += c.choices[0]?.delta?.content ?? '';
        console.log('   ok:', stream ? text : r.choices[0].message.content);
      } catch (e) {
        console.log('   failed:', e.constructor.name, e.message, e.cause?.message ?? '');
      }
      console.log(`   ${server.of(scenario).length} upstream calls, ${Math.round(performance.now() - t0)} ms`);
    }
  } finally {
    await server.close();
  }
}
