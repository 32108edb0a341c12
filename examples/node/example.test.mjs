// The example end to end: the real openai SDK (maxRetries: 0) against the local fault server,
// with breakwater making every decision. Call counts and outcomes are asserted; times only
// as bounds (a delay honoured, a deadline that cuts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer } from './server.mjs';
import { resilientOpenAI, GaveUp, EXAMPLE_POLICY } from './client.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server.close();
});

const messages = [{ role: 'user', content: 'hi' }];
const client = (scenario, policy = EXAMPLE_POLICY) =>
  resilientOpenAI({ baseURL: `${server.url}/${scenario}/v1`, policy, seed: 1 });
const key = (r) => r.headers['idempotency-key'];

test('429 with retry-after-ms: two calls, the same Idempotency-Key, the pause honoured', async () => {
  const r = await client('rate-limit').chat({ model: 'gpt-4o-mini', messages });
  assert.equal(r.choices[0].message.content, 'hello after the pause');
  const calls = server.of('rate-limit');
  assert.equal(calls.length, 2);
  assert.ok(key(calls[0]), 'an Idempotency-Key is sent');
  assert.equal(key(calls[0]), key(calls[1]));
  assert.ok(calls[1].at - calls[0].at >= 400, `waited ${calls[1].at - calls[0].at} ms`);
  assert.deepEqual(calls.map((c) => c.headers['x-stainless-retry-count']), ['0', '1']);
});

test('429 insufficient_quota: one call, fatal, not retried', async () => {
  await assert.rejects(client('quota').chat({ model: 'gpt-4o-mini', messages }), (e) => {
    assert.ok(e instanceof OpenAI.APIError);
    assert.equal(e.status, 429);
    return true;
  });
  assert.equal(server.of('quota').length, 1);
});

test('a stream cut mid-body is retried and completes', async () => {
  const text = await client('cut-stream').streamText({ model: 'gpt-4o-mini', messages });
  assert.equal(text, 'Hello again');
  const calls = server.of('cut-stream');
  assert.equal(calls.length, 2);
  assert.equal(key(calls[0]), key(calls[1]));
});

test('slow headers: each attempt is cut by the deadline and the total stays bounded', async () => {
  const t0 = performance.now();
  await assert.rejects(client('slow-headers').chat({ model: 'gpt-4o-mini', messages }), (e) => {
    assert.ok(e instanceof OpenAI.APIConnectionTimeoutError || e instanceof GaveUp, String(e));
    return true;
  });
  const elapsed = performance.now() - t0;
  // total_ms 1500: never the server's 5 s, and never 4 attempts x 5 s.
  assert.ok(elapsed < 2500, `took ${elapsed} ms`);
  const calls = server.of('slow-headers');
  assert.ok(calls.length >= 2, `${calls.length} attempts`);
  assert.ok(new Set(calls.map(key)).size === 1, 'one logical request, one key');
});

test('repeated 500s open the breaker; later calls fail fast without reaching the server', async () => {
  const c = client('server-errors');
  await assert.rejects(c.chat({ model: 'gpt-4o-mini', messages }), (e) => e instanceof OpenAI.InternalServerError);
  const first = server.of('server-errors').length;
  assert.equal(first, 4, 'max_retries 3: four attempts');
  assert.equal(c.policyClient.breakerState('gpt-4o-mini'), 'open');
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) {
    await assert.rejects(c.chat({ model: 'gpt-4o-mini', messages }), (e) => {
      assert.ok(e instanceof GaveUp, String(e));
      assert.equal(e.decision.reason, 'breaker_open');
      return true;
    });
  }
  assert.ok(performance.now() - t0 < 100, 'fail fast');
  assert.equal(server.of('server-errors').length, first, '0 calls while open');
  // Another model has its own breaker.
  const other = resilientOpenAI({ baseURL: `${server.url}/ok/v1`, policy: EXAMPLE_POLICY });
  assert.equal((await other.chat({ model: 'gpt-4o', messages })).choices[0].message.content, 'fine');
});
