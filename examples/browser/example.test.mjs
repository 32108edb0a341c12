// The browser example in a real headless Chromium: the playground page validates policies
// (accepting a valid one, showing the code, path and line of an invalid one) and shows the
// client's decisions for a scripted 429/500 sequence. The same script run through the WASM
// module in Node gives the same decisions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { pageUnderTest } from '../../bindings/wasm/test/support/browser.mjs';
import { wasm } from '../../bindings/wasm/test/support/wasm.mjs';
import { parseScript, simulate } from './simulate.mjs';

const ui = pageUnderTest('/examples/browser/index.html', { before, after });
const text = ui.text;

/** The decision rows of the trace table, as the page shows them. */
const rows = () =>
  ui.page().$$eval('#trace tbody tr', (trs) => trs.map((tr) => ({ ...tr.dataset, cells: [...tr.cells].map((c) => c.textContent) })));

async function setPolicy(value, format = 'auto') {
  await ui.page().fill('#policy', value);
  await ui.page().selectOption('#format', format);
  await ui.page().click('#validate');
}

test('the default policy is accepted and its scripted 429/500/200 sequence shown', async () => {
  assert.match(await text('policy-status'), /^valid: max_retries 3/);
  assert.equal(await ui.page().locator('#policy-error').isHidden(), true);
  const trace = await rows();
  assert.deepEqual(
    trace.map((r) => [r.cls, r.action, r.reason]),
    [
      ['rate_limited', 'retry', 'server_delay'],
      ['retryable', 'retry', 'backoff'],
      ['success', 'done', 'succeeded'],
    ],
  );
  assert.equal(trace[0].delay, '2000', 'the 429 waits the Retry-After');
  // The second retry: 500 ms · 2^1 with openai-python's proportional jitter (up to -25%).
  assert.ok(Number(trace[1].delay) >= 750 && Number(trace[1].delay) <= 1000, `backoff ${trace[1].delay} ms`);
  // The server's pause opened the breaker for the key; the retry after it was the probe.
  assert.equal(trace[0].state, 'open');
  const events = await ui.page().$$eval('#events li', (lis) => lis.map((li) => li.textContent));
  assert.match(events[0], /gpt-4o: closed → open \(retry_after\)/);
  assert.match(await text('sim-status'), /^3 attempts, idempotency key [0-9a-f-]{36}$/);
});

test('the page and the WASM module in Node make the same decisions for the same seed', async () => {
  const policy = { retry: { max_retries: 3 }, breaker: { minimum_calls: 2, window: { kind: 'count', size: 4 } } };
  const script = 'http_429 retry-after=2\nhttp_500\nhttp_200';
  const expected = simulate(wasm, policy, parseScript(script), { seed: 1 });
  const shown = await rows();
  assert.deepEqual(
    shown.map((r) => [r.action, r.reason, r.delay]),
    expected.rows.map((r) => [r.action, r.reason, r.delay_ms === null ? '' : String(r.delay_ms)]),
  );
});

test('an invalid JSON policy shows the error code, field path and line', async () => {
  await setPolicy('{\n  "breaker": {\n    "failure_rate_threshold": 1.5\n  }\n}');
  assert.equal(await text('policy-status'), 'invalid policy');
  assert.equal(await ui.page().locator('#policy-error').isVisible(), true);
  assert.equal(await text('error-code'), 'out_of_range');
  assert.equal(await text('error-path'), 'breaker.failure_rate_threshold');
  assert.match(await text('error-line'), /^\d+$/);

  await setPolicy('{\n  "retry": { "max_retries": 2, "max_retry": 3 }\n}', 'json');
  assert.equal(await text('error-code'), 'unknown_field');
  assert.equal(await text('error-path'), 'retry.max_retry');
  assert.equal(await text('error-line'), '2');

  await setPolicy('{ "retry": {\n  "max_retries": 2,\n}');
  assert.equal(await text('error-code'), 'syntax_error');
  assert.equal(await text('error-line'), '3');
});

test('an invalid TOML policy (a typo) shows unknown_field with its path and line', async () => {
  await setPolicy('[retry]\nmax_retries = 2\n\n[breaker]\nminimum_cals = 5\n', 'toml');
  assert.equal(await text('error-code'), 'unknown_field');
  assert.equal(await text('error-path'), 'breaker.minimum_cals');
  assert.equal(await text('error-line'), '5');
});

test('a TOML policy is accepted; insufficient_quota gives up at once, 500s exhaust the retries', async () => {
  await setPolicy('[retry]\nmax_retries = 2\n', 'toml');
  assert.match(await text('policy-status'), /^valid: max_retries 2/);

  await ui.page().fill('#script', 'http_429 error_code=insufficient_quota\nhttp_200');
  await ui.page().click('#simulate');
  let trace = await rows();
  assert.deepEqual(trace.map((r) => [r.cls, r.action, r.reason]), [['fatal', 'give_up', 'fatal_error']]);

  await ui.page().fill('#script', 'http_500\nhttp_502\nhttp_503\nhttp_200');
  await ui.page().click('#simulate');
  trace = await rows();
  assert.deepEqual(
    trace.map((r) => [r.action, r.reason]),
    [
      ['retry', 'backoff'],
      ['retry', 'backoff'],
      ['give_up', 'retries_exhausted'],
    ],
  );
  assert.match(await text('sim-status'), /^3 attempts/);
});

test('a preset loads, validates and simulates without page errors', async () => {
  await ui.page().selectOption('#preset', 'openai_sdk');
  assert.match(await text('policy-status'), /^valid: max_retries 2/);
  assert.deepEqual(ui.errors(), []);
});
