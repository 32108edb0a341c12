// The example end to end: the real openai SDK (6.x, or 7.x under BREAKWATER_OPENAI=openai-7; maxRetries: 0) with breakwater's fetch
// against the local fault server. Call counts and outcomes are asserted; times only as bounds
// (a delay honoured, a deadline that cuts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from './sdk.mjs';
import { createRequire } from 'node:module';
import { startServer } from './server.mjs';
import { EXAMPLE_POLICY, resilientOpenAI } from './client.mjs';

const bw = createRequire(import.meta.url)('breakwater');

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server.close();
});

const messages = [{ role: 'user', content: 'hi' }];
const key = (r) => r.headers['idempotency-key'];

/** The SDK for one scenario, recording breakwater's events. */
function sdkFor(scenario, options = {}) {
  const events = [];
  const { sdk, fetch } = resilientOpenAI({ baseURL: `${server.url}/${scenario}/v1`, onEvent: (e) => events.push(e), ...options });
  return { sdk, fetch, events, of: (kind) => events.filter((e) => e.kind === kind) };
}

async function streamText(sdk) {
  const stream = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
  return text;
}

test('429 with retry-after-ms: two calls, the same Idempotency-Key, the pause honoured', async () => {
  const { sdk, of } = sdkFor('rate-limit');
  const r = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages });
  assert.equal(r.choices[0].message.content, 'hello after the pause');
  const calls = server.of('rate-limit');
  assert.equal(calls.length, 2);
  assert.ok(key(calls[0]), 'an Idempotency-Key is sent');
  assert.equal(key(calls[0]), key(calls[1]));
  assert.ok(calls[1].at - calls[0].at >= 400, `waited ${calls[1].at - calls[0].at} ms`);
  assert.deepEqual(calls.map((c) => c.headers['x-stainless-retry-count']), ['0', '1']);
  assert.deepEqual(of('retry').map((e) => [e.reason, e.delay_ms]), [['server_delay', 400]]);
});

test('429 insufficient_quota: one call, the SDK error, not retried even with the SDK retries on', async () => {
  const { sdk, of } = sdkFor('quota', { maxRetries: 2 });
  await assert.rejects(sdk.chat.completions.create({ model: 'gpt-4o-mini', messages }), (e) => {
    assert.ok(e instanceof OpenAI.RateLimitError, String(e));
    assert.equal(e.code, 'insufficient_quota');
    return true;
  });
  assert.equal(server.of('quota').length, 1);
  assert.equal(of('give_up')[0].class, 'fatal');
});

test('a stream cut before its first chunk is retried under the reader', async () => {
  const { sdk } = sdkFor('cut-early');
  assert.equal(await streamText(sdk), 'Hello again');
  const calls = server.of('cut-early');
  assert.equal(calls.length, 2);
  assert.equal(key(calls[0]), key(calls[1]));
});

test('a stream cut mid-body is an error the reader sees, never a short answer', async () => {
  const { sdk, of } = sdkFor('cut-stream');
  await assert.rejects(streamText(sdk), (e) => e instanceof bw.StreamCutError || e instanceof OpenAI.APIError || /terminated/.test(String(e)));
  assert.equal(server.of('cut-stream').length, 1);
  // Reported as a give-up (no retry can follow), counted by the breaker, no retry spent.
  assert.deepEqual(of('retry'), []);
  assert.deepEqual(of('give_up').map((e) => [e.outcome, e.reason]), [['stream_cut', 'not_repeatable']]);
});

test('a stream that ends without [DONE] is a cut, not a silent success', async () => {
  const { sdk } = sdkFor('truncated');
  await assert.rejects(streamText(sdk), (e) => e instanceof bw.StreamCutError && e.name !== 'AbortError');
});

test('a stalled stream is cut at the idle limit; the SDK does not swallow it as an abort', async () => {
  const { sdk, of } = sdkFor('stall');
  const t0 = performance.now();
  await assert.rejects(streamText(sdk), (e) => e instanceof bw.StreamCutError && e.reason === 'timeout_idle');
  assert.ok(performance.now() - t0 < 2000);
  assert.ok(of('give_up').some((e) => e.outcome === 'timeout_idle' && e.reason === 'not_repeatable'));
});

test('a mid-stream stall is cut at the idle gap, not at the first token\'s longer limit', async () => {
  const policy = { ...EXAMPLE_POLICY, retry: { max_retries: 0 }, deadline: { total_ms: 10000, first_token_ms: 5000, idle_ms: 300 } };
  const { sdk, of } = sdkFor('stall', { policy });
  const t0 = performance.now();
  await assert.rejects(streamText(sdk), (e) => e instanceof bw.StreamCutError && e.reason === 'timeout_idle');
  assert.ok(performance.now() - t0 < 2000);
  assert.deepEqual(of('give_up').map((e) => e.outcome), ['timeout_idle']);
});

test('a gap within the idle limit is no stall, though the first token\'s limit is shorter', async () => {
  const policy = { ...EXAMPLE_POLICY, retry: { max_retries: 0 }, deadline: { total_ms: 10000, first_token_ms: 400, idle_ms: 3000 } };
  const { sdk, of } = sdkFor('pause', { policy });
  assert.equal(await streamText(sdk), 'HelHello again'); // one chunk, a 1 s pause, the rest
  assert.deepEqual(of('give_up'), []);
});

test('slow headers: each attempt is cut and the deadline bounds the request', async () => {
  const t0 = performance.now();
  const { sdk } = sdkFor('slow-headers');
  await assert.rejects(sdk.chat.completions.create({ model: 'gpt-4o-mini', messages }), (e) => {
    assert.ok(e instanceof OpenAI.APIConnectionTimeoutError, String(e));
    return true;
  });
  const elapsed = performance.now() - t0;
  assert.ok(elapsed < 2500, `took ${elapsed} ms`); // total_ms 1500: never the server's 5 s
  const calls = server.of('slow-headers');
  assert.ok(calls.length >= 2, `${calls.length} attempts`);
  assert.equal(new Set(calls.map(key)).size, 1, 'one logical request, one key');
});

test('repeated 500s open the breaker; later calls fail fast; the SDK does not retry on top', async () => {
  const { sdk, fetch } = sdkFor('server-errors', { maxRetries: 2 });
  await assert.rejects(sdk.chat.completions.create({ model: 'gpt-4o-mini', messages }), (e) => e instanceof OpenAI.InternalServerError);
  const first = server.of('server-errors').length;
  assert.equal(first, 4, 'max_retries 3: four attempts, and no SDK retry (x-should-retry: false)');
  assert.equal(fetch.client.breakerState('gpt-4o-mini'), 'open');
  const fast = sdkFor('server-errors', { client: fetch.client, policy: null }).sdk.withOptions({ maxRetries: 0 });
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) {
    await assert.rejects(fast.chat.completions.create({ model: 'gpt-4o-mini', messages }), (e) => {
      assert.ok(e instanceof OpenAI.APIConnectionError, String(e));
      assert.ok(e.cause instanceof bw.GaveUpError && e.cause.reason === 'breaker_open', String(e.cause));
      return true;
    });
  }
  assert.ok(performance.now() - t0 < 200, 'fail fast');
  assert.equal(server.of('server-errors').length, first, '0 calls while open');
  const other = sdkFor('ok').sdk;
  assert.equal((await other.chat.completions.create({ model: 'gpt-4o', messages })).choices[0].message.content, 'fine');
});
