// The Node binding's conventions (docs/bindings.md): errors, number validation, the default
// clock, OS seeds, header forms, policies, permits and the typed surface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { refused, standingPermitChecks } from '../../../tests/js/breaker-checks.mjs';
import { retryStateChecks } from '../../../tests/js/retry-checks.mjs';
import { optionsChecks } from '../../../tests/js/options-checks.mjs';
import { batchChecks } from '../../../tests/js/batch-checks.mjs';
import { playSchemaSuite, schemaChecks } from '../../../tests/js/schema-checks.mjs';
import { checkResultTypes } from '../../../tests/js/types-check.mjs';
import { loadVectors } from '../../../tests/js/load-vectors.mjs';

const require = createRequire(import.meta.url);
const bw = require('../index.js');
const here = dirname(fileURLToPath(import.meta.url));

test('every class and function of docs/bindings.md is exported with its JS name', () => {
  for (const f of ['classify', 'retryAfter', 'rateLimits', 'parseGoDuration', 'parseHttpDate', 'parseRfc3339', 'errorCodes']) {
    assert.equal(typeof bw[f], 'function', f);
  }
  const classes = {
    Policy: ['toObject', 'toJson'],
    Backoff: ['nextDelay'],
    Deadline: ['attemptTimeouts', 'fits', 'propagation', 'remainingMs', 'expired'],
    RetryBudget: ['requestStarted', 'requestFinished', 'tryAcquireRetry', 'retryFinished', 'record', 'snapshot'],
    RetryState: ['decide', 'retriesTaken'],
    CircuitBreaker: ['tryAcquire', 'record', 'release', 'transitionToForcedOpen', 'transitionToDisabled',
      'transitionToMetricsOnly', 'reset', 'state', 'metrics', 'tryAcquirePermit', 'recordPermit'],
    BreakerRegistry: ['tryAcquire', 'record', 'release', 'state', 'stats', 'len'],
    RateLimiter: ['reserve', 'reconcile', 'sync', 'drain', 'snapshot'],
    IdempotencyKeys: ['newKey', 'derive', 'headerName'],
    ErrorBudget: ['record', 'recordCounts', 'burnRate', 'budgetRemaining', 'alerts', 'retriesAllowed'],
    Client: ['begin', 'beforeAttempt', 'onOutcome', 'cancel', 'pollEvent', 'droppedEvents', 'breakerState', 'policy'],
    Request: ['idempotencyKey', 'attempts', 'finished'],
  };
  for (const [name, methods] of Object.entries(classes)) {
    assert.equal(typeof bw[name], 'function', name);
    for (const m of methods) assert.equal(typeof bw[name].prototype[m], 'function', `${name}.${m}`);
  }
  for (const s of ['fromJson', 'fromToml', 'fromObject', 'preset', 'schema']) {
    assert.equal(typeof bw.Policy[s], 'function', `Policy.${s}`);
  }
});

test('config errors are JS Errors with the stable code and the field path', () => {
  const e = refused(() => new bw.CircuitBreaker({ window: { kind: 'count', size: 0 } }));
  assert.equal(e.code, 'out_of_range');
  assert.equal(e.path, 'window.size');
  assert.match(e.message, /out_of_range at window\.size/);
  assert.equal(refused(() => new bw.RetryBudget({ kind: 'token_bucket', max_tokenz: 1 })).code, 'unknown_field');
  assert.equal(refused(() => new bw.Deadline({ total_ms: -5 })).code, 'negative_duration');
  assert.equal(refused(() => new bw.Backoff({ multiplier: NaN })).code, 'not_finite');
  assert.equal(refused(() => new bw.Backoff({ base_ms: '5' })).code, 'invalid_type');
  const p = refused(() => bw.Policy.fromObject({ breaker: { failure_rate_threshold: 3 } }));
  assert.deepEqual([p.code, p.path], ['out_of_range', 'breaker.failure_rate_threshold']);
});

test('document errors carry line and column', () => {
  const e = refused(() => bw.Policy.fromJson('{\n  "retry": { "max_retries": 2, "max_retry": 3 }\n}'));
  assert.deepEqual([e.code, e.path, e.line], ['unknown_field', 'retry.max_retry', 2]);
  assert.equal(typeof e.column, 'number');
  const t = refused(() => bw.Policy.fromToml('[retry]\nmax_retries = "two"\n'));
  assert.deepEqual([t.code, t.path, t.line], ['invalid_type', 'retry.max_retries', 2]);
  const s = refused(() => bw.Policy.fromJson('{'));
  assert.equal(s.code, 'syntax_error');
  assert.equal(refused(() => bw.Policy.preset('nope')).code, 'unknown_variant');
});

test('times and counts: NaN, negative, fractional, past 2^53 and non-numbers are refused by name', () => {
  const b = new bw.CircuitBreaker();
  for (const bad of [NaN, -1, 1.5, 2 ** 53, Infinity]) {
    const e = refused(() => b.tryAcquire(bad));
    assert.deepEqual([e.code, e.path], ['invalid_argument', 'nowMs'], String(bad));
  }
  assert.deepEqual(Object.values((({ code, path }) => ({ code, path }))(refused(() => b.tryAcquire('5')))), ['invalid_type', 'nowMs']);
  assert.equal(b.tryAcquire(2 ** 53 - 1).permitted, true);
  const p = b.tryAcquirePermit(0);
  assert.deepEqual(
    (({ code, path }) => [code, path])(refused(() => b.recordPermit(p, 'success', -3, 1))),
    ['invalid_argument', 'latencyMs'],
  );
  assert.equal(refused(() => b.recordPermit(p, 'sucess', 3, 1)).path, 'className');
  assert.equal(refused(() => new bw.Backoff({}, 1).nextDelay(0.5)).path, 'retriesTaken');
  assert.equal(refused(() => new bw.Deadline({}, 0).fits(-1, 0)).path, 'delayMs');
  assert.equal(refused(() => new bw.RateLimiter({}, 0).drain(NaN, 0)).path, 'untilMs');
  assert.equal(refused(() => new bw.ErrorBudget().recordCounts(1, 0.5, 0)).path, 'bad');
  assert.equal(refused(() => new bw.BreakerRegistry({}, -1)).path, 'maxKeys');
  assert.equal(refused(() => new bw.Backoff({}, -1)).path, 'seed');
  assert.equal(refused(() => bw.classify('http_500', [], { wallUnixMs: 1.25 })).path, 'wallUnixMs');
  assert.equal(refused(() => bw.classify('http_9999')).path, 'outcome');
  assert.equal(refused(() => bw.classify('http_500', [['a']])).path, 'headers[0]');
  const c = new bw.Client({}, 1, 0);
  const r = c.begin({}, 0);
  c.beforeAttempt(r, 0);
  assert.equal(refused(() => c.onOutcome(r, { outcome: 'http_500', latencyMs: -1 }, 1)).path, 'latencyMs');
  assert.equal(refused(() => c.begin({ estTokens: 2 ** 60 }, 0)).path, 'estTokens');
});

test('seeds: a number or a BigInt up to 2^64-1; the same seed gives the same draws', () => {
  const draws = (seed) => {
    const b = new bw.Backoff({ jitter: 'full' }, seed);
    return [0, 1, 2, 3].map((n) => b.nextDelay(n));
  };
  assert.deepEqual(draws(7), draws(7));
  assert.deepEqual(draws(7), draws(7n));
  assert.deepEqual(draws(2n ** 64n - 1n), draws(2n ** 64n - 1n));
  assert.equal(refused(() => new bw.Backoff({}, 2n ** 64n)).path, 'seed');
  const k = new bw.IdempotencyKeys({}, 3);
  assert.equal(k.newKey(), new bw.IdempotencyKeys({}, 3).newKey());
});

test('without a seed, keys and jitter come from the OS', () => {
  const keys = new Set(Array.from({ length: 20 }, () => new bw.IdempotencyKeys().newKey()));
  assert.equal(keys.size, 20);
  const delays = new Set(Array.from({ length: 20 }, () => new bw.Backoff({ jitter: 'full', base_ms: 1000000, max_ms: 1000000 }).nextDelay(0)));
  assert.ok(delays.size > 1, 'unseeded backoffs draw differently');
  const c1 = new bw.Client();
  const c2 = new bw.Client();
  assert.notEqual(c1.begin().idempotencyKey(), c2.begin().idempotencyKey());
});

test('nowMs defaults to Math.floor(performance.now())', () => {
  const d = new bw.Deadline({ total_ms: 60000 });
  const before = Math.floor(performance.now());
  const remaining = d.remainingMs(Math.floor(performance.now()));
  assert.ok(remaining <= 60000 && remaining >= 59000, `remaining ${remaining}`);
  // Defaulted and explicit times share performance.now()'s origin.
  const start = Math.floor(performance.now());
  const e = new bw.Deadline({ total_ms: 1000 }, start);
  const left = e.remainingMs();
  assert.ok(left <= 1000 && left >= 900, `left ${left}`);
  const b = new bw.CircuitBreaker({ open_wait: { kind: 'fixed', ms: 5000 } });
  const t = b.transitionToForcedOpen();
  const after = Math.ceil(performance.now());
  assert.ok(t.at_ms >= before && t.at_ms <= after, `${before} <= ${t.at_ms} <= ${after}`);
  const busy = Date.now() + 30;
  while (Date.now() < busy) {
    /* spin */
  }
  const later = b.reset();
  assert.ok(later.at_ms >= t.at_ms + 25, `the clock moves: ${t.at_ms} -> ${later.at_ms}`);
  assert.ok(later.at_ms <= Math.ceil(performance.now()));
});

test('headers: pairs, plain objects, Headers and Map read the same', () => {
  const want = bw.retryAfter([['retry-after-ms', '250']]);
  assert.deepEqual(want, { retry_after: { delay_ms: 250, source: 'retry_after_ms' }, issues: [] });
  assert.deepEqual(bw.retryAfter({ 'retry-after-ms': '250' }), want);
  assert.deepEqual(bw.retryAfter(new Headers({ 'Retry-After-Ms': '250' })), want);
  assert.deepEqual(bw.retryAfter(new Map([['retry-after-ms', '250']])), want);
  assert.deepEqual(bw.retryAfter([]), { retry_after: null, issues: [] });
  const date = bw.retryAfter([['retry-after', 'Wed, 21 Oct 2015 07:28:00 GMT']], Date.parse('Wed, 21 Oct 2015 07:27:58 GMT'));
  assert.deepEqual(date.retry_after, { delay_ms: 2000, source: 'retry_after_date' });
  const rl = bw.rateLimits({ 'x-ratelimit-limit-requests': '60', 'x-ratelimit-reset-tokens': '1m30s' });
  assert.deepEqual(rl.rate_limits, { requests: { limit: 60 }, tokens: { reset_ms: 90000 } });
});

test('large values stay numbers, never BigInt', () => {
  assert.equal(bw.parseHttpDate('Wed, 21 Oct 2015 07:28:00 GMT'), 1445412480000);
  assert.equal(bw.parseRfc3339('2015-10-21T07:28:00Z'), 1445412480000);
  assert.equal(bw.parseGoDuration('1h'), 3600000);
  assert.equal(bw.parseGoDuration('soon'), null);
  const d = new bw.Deadline({ total_ms: 5_000_000_000 }, 0);
  assert.equal(typeof d.attemptTimeouts(0).remaining_ms, 'number');
  assert.equal(d.remainingMs(0), 5_000_000_000);
});

test('breaker: permits are integer tokens; the fast path returns primitives only', () => {
  const b = new bw.CircuitBreaker({ window: { kind: 'count', size: 4 }, minimum_calls: 4 });
  const a = b.tryAcquire(0);
  assert.equal(Number.isSafeInteger(a.permit), true);
  assert.equal(b.release(a.permit), false, 'only a half-open probe is freed');
  for (let i = 0; i < 4; i++) {
    const p = b.tryAcquirePermit(i);
    assert.equal(typeof p, 'number');
    assert.equal(b.recordPermit(p, 'retryable', 1, i), 'failure');
  }
  assert.equal(b.state(), 'open');
  assert.equal(b.tryAcquirePermit(10), null);
  assert.equal(b.recordPermit(a.permit, 'success', 1, 11), 'stale');
});

test('client: a Policy instance, a plain object or nothing', () => {
  const policy = bw.Policy.preset('openai_sdk');
  assert.equal(JSON.parse(policy.toJson()).retry.max_retries, policy.toObject().retry.max_retries);
  for (const p of [policy, policy.toObject(), undefined, null]) {
    const c = new bw.Client(p, 5, 0);
    const r = c.begin({ key: 'gpt-4o' }, 0);
    const d = c.beforeAttempt(r, 0);
    assert.equal(d.action, 'send');
    assert.deepEqual(d.headers.find(([n]) => n === 'Idempotency-Key'), ['Idempotency-Key', r.idempotencyKey()]);
    const o = c.onOutcome(r, { outcome: 'http_200', latencyMs: 12 }, 12);
    assert.equal(o.action, 'done');
    assert.equal(r.finished(), true);
    assert.equal(r.attempts(), 1);
    assert.deepEqual([c.pollEvent().kind, c.pollEvent().kind, c.pollEvent()], ['send', 'done', null]);
    // The openai_sdk preset starts its breakers disabled (the SDK has none); the defaults closed.
    assert.equal(c.breakerState('gpt-4o'), p == null ? 'closed' : 'disabled');
  }
  assert.equal(refused(() => new bw.Client({ retry: { max_retries: -1 } })).path, 'retry.max_retries');
  const c = new bw.Client({}, 1, 0);
  const r = c.begin({ content: new TextEncoder().encode('hello') }, 0);
  assert.equal(typeof r.idempotencyKey(), 'string');
  assert.equal(refused(() => c.onOutcome(r, { outcome: 'http_500' }, 1)).code, 'invalid_argument');
});

test('idempotency: derive takes a string or bytes', () => {
  const k = new bw.IdempotencyKeys({ mode: 'derived' }, 0);
  assert.equal(k.derive('abc'), k.derive(new TextEncoder().encode('abc')));
  assert.equal(k.headerName(), 'Idempotency-Key');
  assert.equal(refused(() => k.derive(42)).code, 'invalid_type');
});

test('errorCodes() is the catalogue', () => {
  assert.deepEqual(bw.errorCodes().slice().sort(), [
    'invalid_argument', 'invalid_schema', 'invalid_type', 'invalid_value', 'limit_exceeded', 'missing_field',
    'negative_duration', 'not_finite', 'out_of_range', 'syntax_error', 'unknown_field', 'unknown_variant',
    'unresolved_ref',
  ]);
});

test('a panic never crosses: hostile inputs are refused, not crashes', () => {
  const cyclic = {};
  cyclic.self = cyclic;
  assert.equal(refused(() => new bw.CircuitBreaker(cyclic)).code, 'limit_exceeded');
  assert.equal(refused(() => new bw.CircuitBreaker({ f() {} })).code, 'invalid_type');
  assert.equal(refused(() => new bw.CircuitBreaker(5)).code, 'invalid_type');
  assert.equal(refused(() => bw.classify(undefined)).code, 'missing_field');
});

test('the TypeScript declarations type-check a typical program (strict, no any)', (t) => {
  const tsc = join(here, '..', '..', '..', 'node_modules', '.bin', 'tsc');
  if (!existsSync(tsc)) return t.skip('typescript is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'bw-ts-'));
  try {
    const index = join(here, '..', 'index.js');
    writeFileSync(join(dir, 'check.ts'), `
import * as bw from ${JSON.stringify(index)}
import type { Classification, Acquire, BreakwaterError, RetryDecision, RetryGuards, Counted } from ${JSON.stringify(index)}
const c: Classification = bw.classify('http_429', [['retry-after', '1']], { profile: 'openai' })
const b = new bw.CircuitBreaker({ window: { kind: 'count', size: 10 } })
const a: Acquire = b.tryAcquire(0)
if (a.permit !== null) b.record(a.permit, 'success', 5)
const p: number | null = b.tryAcquirePermit()
const counted: Counted | null = p === null ? null : b.recordPermit(p, 'success', 1)
const client = new bw.Client(bw.Policy.preset('openai_sdk'), 1n)
const r = client.begin({ key: 'gpt' })
const d = client.beforeAttempt(r)
const o: RetryDecision = client.onOutcome(r, { outcome: 'http_500', headers: new Headers() })
const retry = new bw.RetryState({ max_retries: 3 }, 7)
const guards: RetryGuards = { deadline: new bw.Deadline({ total_ms: 30000 }), retryBudget: new bw.RetryBudget(), errorBudget: new bw.ErrorBudget() }
const decided: RetryDecision = retry.decide(c, guards, 0)
retry.decide({ class: 'retryable', reason: 'server_error' }, { outerOwnsRetries: true })
const taken: number = retry.retriesTaken() + (decided.delay_ms ?? 0)
try { bw.Policy.fromJson('{') } catch (e) { const err = e as BreakwaterError; console.log(err.code, err.line) }
console.log(c.class, d.timeouts.attempt_ms, o.delay_ms, counted, bw.errorCodes().length, r.idempotencyKey(), taken)
`);
    execFileSync(tsc, ['--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2022,dom', '--module', 'nodenext',
      '--moduleResolution', 'nodenext', join(dir, 'check.ts')], { stdio: 'pipe' });
    const dts = require('node:fs').readFileSync(join(here, '..', 'index.d.ts'), 'utf8') + require('node:fs').readFileSync(join(here, '..', 'types.d.ts'), 'utf8');
    assert.doesNotMatch(dts, /(:|<|\|)\s*any\b/, 'no any in the public surface');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the TypeScript declarations type every result of every vector', (t) => {
  const tsc = join(here, '..', '..', '..', 'node_modules', '.bin', 'tsc');
  if (!existsSync(tsc)) return t.skip('typescript is not installed');
  const checked = checkResultTypes({
    api: bw,
    vectors: loadVectors(),
    entry: join(here, '..', 'index.js'),
    tsc,
    args: ['--target', 'es2022', '--lib', 'es2022,dom', '--module', 'nodenext', '--moduleResolution', 'nodenext'],
  });
  assert.ok(checked.operations > 40 && checked.distinct > 400, JSON.stringify(checked));
  t.diagnostic(`${checked.distinct} distinct results of ${checked.operations} operations type-checked`);
});

test('breaker wrapper: the fast and rich paths agree; other argument forms and receivers are refused as before', () => {
  const a = new bw.CircuitBreaker({ window: { kind: 'count', size: 4 }, minimum_calls: 4 });
  const b = new bw.CircuitBreaker({ window: { kind: 'count', size: 4 }, minimum_calls: 4 });
  for (let i = 0; i < 6; i++) {
    const acq = a.tryAcquire(i);
    const p = b.tryAcquirePermit(i);
    assert.equal(acq.permit, p);
    if (p === null) continue;
    const r = a.record(acq.permit, 'overloaded', 2, null, i);
    assert.equal(b.recordPermit(p, 'overloaded', 2, i), r.counted);
    assert.equal(a.state(), b.state());
  }
  assert.equal(a.state(), 'open');
  const rejected = a.tryAcquire(7);
  assert.deepEqual([rejected.permitted, rejected.permit, rejected.state, rejected.reason], [false, null, 'open', 'open']);
  assert.equal(typeof rejected.retry_after_ms, 'number');
  assert.equal(new bw.CircuitBreaker().tryAcquirePermit(5n), 0, 'a BigInt time takes the native path');
  assert.equal(refused(() => a.record(0, 'success', 1, -2, 8)).path, 'serverDelayMs');
  assert.equal(refused(() => a.recordPermit(0, 'success', 1, NaN)).path, 'nowMs');
  assert.equal(refused(() => a.recordPermit(0, { toString: () => 'success' }, 1, 8)).code, 'invalid_type');
  assert.equal(refused(() => bw.CircuitBreaker.prototype.tryAcquirePermit.call({}, 0)).code, 'invalid_type');
  assert.equal(refused(() => bw.CircuitBreaker.prototype.state.call(null)).code, 'invalid_type');
  assert.equal(refused(() => bw.CircuitBreaker.prototype.metrics.call({}, 0)).code, 'invalid_type');
  const t = a.transitionToForcedOpen(9);
  assert.deepEqual([t.from, t.to], ['open', 'forced_open']);
  assert.equal(a.tryAcquire(10).reason, 'forced_open');
});

for (const [name, check] of Object.entries(retryStateChecks)) {
  test(`retry state: ${name}`, () => check(bw));
}

for (const [name, check] of Object.entries(standingPermitChecks)) {
  test(`breaker wrapper: ${name}`, () => check(bw));
}

test('the package imports from ESM with named exports, as the README shows', async () => {
  const esm = await import('breakwater');
  for (const name of ['Client', 'Policy', 'CircuitBreaker', 'classify', 'retryAfter', 'errorCodes']) {
    assert.equal(typeof esm[name], 'function', `named export ${name}`);
  }
  const client = new esm.Client(esm.Policy.preset('conservative'), 1, 0);
  const req = client.begin({ key: 'gpt-4.1' }, 0);
  assert.equal(client.beforeAttempt(req, 0).action, 'send');
  const decision = client.onOutcome(req, { outcome: 'http_503', latencyMs: 120 }, 120);
  assert.equal(decision.action, 'retry');
  assert.equal(decision.reason, 'backoff');
});

for (const [name, check] of Object.entries(optionsChecks)) {
  test(`options: ${name}`, () => check(bw));
}

for (const [name, check] of Object.entries(schemaChecks)) {
  test(`schema: ${name}`, () => check(bw));
}

for (const [name, check] of Object.entries(batchChecks)) {
  test(`batch: ${name}`, () => check(bw));
}

test('schema: JSON-Schema-Test-Suite, draft 2020-12 and draft-07 (required tests)', (t) => {
  const lines = playSchemaSuite(bw);
  if (lines === null) return t.skip('target/schema-suite is absent (scripts/schema-suite.sh fetches it)');
  for (const line of lines) t.diagnostic(line);
});

test("client: the per-request fast path decides and answers exactly as the generic call", () => {
  // Two clients with one seed; `fast` takes plain numbers (the fast path), `generic` the same
  // values as BigInts, which only the generic call converts. Every decision, key order
  // included, and every event must be the same, over random outcomes, headers and times.
  const fast = new bw.Client(bw.Policy.preset('conservative'), 11, 0);
  const generic = new bw.Client(bw.Policy.preset('conservative'), 11, 0);
  let seed = 7;
  const rand = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const outcomes = ['http_200', 'http_429', 'http_500', 'http_503', 'http_400', 'timeout_headers', 'reset', 'stream_cut'];
  const headerSets = [
    null,
    [['retry-after', '1']],
    [['retry-after-ms', '250'], ['x-request-id', 'req_1']],
    [['x-ratelimit-remaining-requests', '3'], ['x-ratelimit-reset-requests', '2s'], ['x-should-retry', 'false']],
    // Line feeds inside a name or a value: the joined text does not split, the array is read.
    [['x-odd', 'a\nb'], ['retry-after', '2']],
    [['x-odd\n', ''], ['retry-after-ms', '10'], ['', '\n']],
    // What an OpenAI answer carries.
    Object.entries({
      date: 'Sat, 05 Dec 2026 10:00:00 GMT', 'content-type': 'application/json', 'transfer-encoding': 'chunked',
      connection: 'keep-alive', 'access-control-expose-headers': 'X-Request-ID', 'openai-organization': 'org-x',
      'openai-processing-ms': '412', 'openai-version': '2020-10-01', 'x-ratelimit-limit-requests': '10000',
      'x-ratelimit-limit-tokens': '2000000', 'x-ratelimit-remaining-requests': '9999', 'x-ratelimit-remaining-tokens': '1999990',
      'x-ratelimit-reset-requests': '6ms', 'x-ratelimit-reset-tokens': '0s', 'x-request-id': 'req_abc', 'cf-cache-status': 'DYNAMIC',
      server: 'cloudflare', 'cf-ray': '8f0-SJC', 'alt-svc': 'h3=":443"; ma=86400',
    }),
  ];
  const errors = [[null, null], ['insufficient_quota', 'insufficient_quota'], ['server_error', null]];
  let now = 0;
  let decisions = 0;
  for (let i = 0; i < 800; i++) {
    const key = `m${rand(3)}`;
    const options = { key, estTokens: 10 + rand(5000), outerOwnsRetries: rand(4) === 0, deadlineMs: rand(2) ? 8000 : undefined };
    const rf = fast.begin(options, now);
    const rg = generic.begin(options, BigInt(now));
    for (let attempt = 0; attempt < 5; attempt++) {
      now += rand(400);
      const df = fast.beforeAttempt(rf, now);
      const dg = generic.beforeAttempt(rg, BigInt(now));
      assert.equal(JSON.stringify(df), JSON.stringify(dg));
      decisions++;
      if (df.action === 'wait') {
        now = Math.max(now, df.wait_until_ms);
        continue;
      }
      if (df.action !== 'send') break;
      const [errorType, errorCode] = errors[rand(errors.length)];
      const result = { outcome: outcomes[rand(outcomes.length)], headers: headerSets[rand(headerSets.length)], errorType, errorCode };
      if (rand(5) === 0) result.lastAttempt = true;
      const latency = rand(900);
      const vf = fast.onOutcome(rf, { ...result, latencyMs: latency, wallUnixMs: 1.7e12 + now }, now + latency);
      const vg = generic.onOutcome(rg, { ...result, latencyMs: BigInt(latency), wallUnixMs: BigInt(1.7e12 + now) }, BigInt(now + latency));
      assert.equal(JSON.stringify(vf), JSON.stringify(vg));
      decisions++;
      if (vf.action !== 'retry') break;
      now += latency + vf.delay_ms;
    }
    if (!rf.finished()) {
      fast.cancel(rf, now);
      generic.cancel(rg, now);
    }
  }
  for (let e = fast.pollEvent(); e !== null; e = fast.pollEvent()) assert.deepEqual(e, generic.pollEvent());
  assert.equal(generic.pollEvent(), null);
  assert.ok(decisions > 1000, `${decisions} decisions`);
});

test('client: a getter that calls another client cannot steer the fast path', () => {
  // The fast path reads every value of the options before it writes the shared array: a getter
  // that runs another client's call in between used to leave that client's handles there.
  const a = new bw.Client(null, 1, 0);
  const b = new bw.Client(null, 1, 0);
  const ra = a.begin({ key: 'model-a' }, 0);
  const rb = b.begin({ key: 'model-b' }, 0);
  a.beforeAttempt(ra, 0);
  const result = {
    get outcome() {
      b.beforeAttempt(rb, 0);
      return 'http_500';
    },
  };
  assert.equal(a.onOutcome(ra, result, 1000).action, 'retry');
  const aEvents = [];
  for (let e = a.pollEvent(); e !== null; e = a.pollEvent()) aEvents.push([e.kind, e.key, e.at_ms]);
  assert.deepEqual(aEvents, [['send', 'model-a', 0], ['retry', 'model-a', 1000]]);
  assert.equal(b.pollEvent().kind, 'send');
  assert.equal(b.pollEvent(), null);
});

function refusedAs(f, code, path) {
  const e = refused(f);
  assert.deepEqual([e.code, e.path], [code, path], e.message);
}

test('extra arguments are an invalid_argument named by the call, as in Python', () => {
  const e = refused(() => new bw.Backoff(null, 0).nextDelay(1, 2, 3));
  assert.deepEqual([e.code, e.path], ['invalid_argument', 'nextDelay']);
  assert.match(e.message, /takes at most 1 argument, got 3/);
  refusedAs(() => bw.parseGoDuration('1s', 2), 'invalid_argument', 'parseGoDuration');
});

test('client: the fast path refuses bad arguments as the generic call does', () => {
  const c = new bw.Client(null, 1, 0);
  refusedAs(() => c.begin({ estTokens: -1 }), 'invalid_argument', 'estTokens');
  refusedAs(() => c.begin({ deadlineMs: 1.5 }), 'invalid_argument', 'deadlineMs');
  refusedAs(() => c.begin({ key: 5 }), 'invalid_type', 'key');
  refusedAs(() => c.begin({ outerOwnsRetries: 'yes' }), 'invalid_type', 'outerOwnsRetries');
  refusedAs(() => c.begin({ estTokenz: 5 }), 'unknown_field', 'estTokenz');
  refusedAs(() => c.begin({}, -1), 'invalid_argument', 'nowMs');
  refusedAs(() => c.begin([]), 'invalid_type', 'options');
  const r = c.begin({}, 0);
  const d = c.beforeAttempt(r, 0);
  assert.equal(d.action, 'send');
  refusedAs(() => c.onOutcome(r, { outcome: 'http_200', latencyMs: NaN }), 'invalid_argument', 'latencyMs');
  refusedAs(() => c.onOutcome(r, { outcome: 'http_200', latencyMs: 2 ** 53 }), 'invalid_argument', 'latencyMs');
  refusedAs(() => c.onOutcome(r, { outcome: 'http_200', actualTokens: -3 }), 'invalid_argument', 'actualTokens');
  refusedAs(() => c.onOutcome(r, { outcome: 'http_200', headers: [['a', 'b'], 'c'] }), 'invalid_type', 'headers[1]');
  refusedAs(() => c.onOutcome(r, { outcome: 'http_200', errorCode: {} }), 'invalid_type', 'errorCode');
  refusedAs(() => c.onOutcome(r, { outcome: 'http_200' }, 0, 1), 'invalid_argument', 'onOutcome');
  refusedAs(() => c.onOutcome(r, { outcome: 'http_200', latencyMs: 1 }, NaN), 'invalid_argument', 'nowMs');
  refusedAs(() => c.beforeAttempt(r, 0), 'invalid_argument', 'request'); // an attempt is in flight
  refusedAs(() => c.onOutcome(new bw.Client().begin(), { outcome: 'http_200' }), 'invalid_argument', 'request');
  const freed = c.begin();
  freed.free();
  refusedAs(() => c.beforeAttempt(freed), 'invalid_type', 'request');
  refusedAs(() => c.onOutcome(freed, { outcome: 'http_200' }), 'invalid_type', 'request');
  refusedAs(() => bw.Client.prototype.beforeAttempt.call({}, r), 'invalid_type', 'this');
  // Still usable after every refusal: the attempt in flight ends as it would have.
  assert.equal(c.onOutcome(r, { outcome: 'http_200', latencyMs: 3, headers: new Headers({ 'x-a': '1' }) }).action, 'done');
});
