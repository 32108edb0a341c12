// The WASM module's API beyond the vectors: error mapping, host number validation, OS seeds,
// header forms, the Policy class, the client loop, the fast breaker path and the .d.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { wasm } from './support/wasm.mjs';
import { standingPermitChecks } from '../../../tests/js/breaker-checks.mjs';
import { retryStateChecks } from '../../../tests/js/retry-checks.mjs';
import { optionsChecks } from '../../../tests/js/options-checks.mjs';
import { batchChecks } from '../../../tests/js/batch-checks.mjs';
import { playSchemaSuite, schemaChecks } from '../../../tests/js/schema-checks.mjs';
import { checkResultTypes } from '../../../tests/js/types-check.mjs';
import { loadVectors } from '../../../tests/js/load-vectors.mjs';

const {
  Backoff,
  BreakerRegistry,
  CircuitBreaker,
  Client,
  Deadline,
  ErrorBudget,
  IdempotencyKeys,
  Policy,
  RateLimiter,
  RetryBudget,
  classify,
  errorCodes,
  parseGoDuration,
  parseHttpDate,
  parseRfc3339,
  rateLimits,
  retryAfter,
} = wasm;

/** Asserts `fn` throws a binding error with this code and path (and optional line). */
function refuses(fn, code, path, extra = {}) {
  let caught;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught, `expected ${code} at ${path}, nothing was thrown`);
  assert.ok(caught instanceof Error, `not an Error: ${caught}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.path, path, caught.message);
  for (const [k, v] of Object.entries(extra)) assert.equal(caught[k], v, `${k}: ${caught.message}`);
  return caught;
}

test('the module exports exactly the names of docs/bindings.md', () => {
  // Own and inherited (the breaker is a subclass of the generated class, for its constructor).
  const methods = (cls) => {
    const names = new Set();
    for (let p = cls.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const m of Object.getOwnPropertyNames(p)) names.add(m);
    }
    return [...names].filter((m) => !['constructor', 'free', '__destroy_into_raw'].includes(m)).sort();
  };
  const statics = (cls) =>
    Object.getOwnPropertyNames(cls)
      .filter((m) => typeof cls[m] === 'function' && !m.startsWith('__'))
      .sort();
  assert.deepEqual(Object.keys(wasm).sort(), [
    'AttemptTimeoutError', 'Backoff', 'BatchPlanner', 'BatchReplay', 'BatchRouter', 'BreakerRegistry', 'CircuitBreaker', 'Client', 'Deadline', 'ErrorBudget', 'EventStream', 'GaveUpError', 'IdempotencyKeys',
    'Policy', 'RateLimiter', 'RealtimeCredentials', 'RealtimeSession', 'Request', 'RetryBudget', 'RetryState', 'SchemaValidator', 'StreamCheck', 'StreamCutError', 'TolerantReader',
    'classify', 'diffSchemas', 'errorCodes', 'eventAttributes', 'extractOutput', 'fetch', 'lintSchema', 'parseGoDuration', 'parseHttpDate', 'parseRfc3339',
    'rateLimits', 'readError', 'readRequest', 'realtimeReplay', 'repairJson', 'retryAfter', 'surface', 'toStrict', 'validate', 'validateText',
  ]);
  assert.deepEqual(statics(Policy), ['fromJson', 'fromObject', 'fromToml', 'preset', 'schema']);
  assert.deepEqual(methods(Policy), ['toJson', 'toObject']);
  assert.deepEqual(methods(Backoff), ['nextDelay']);
  assert.deepEqual(methods(wasm.BatchPlanner), ['finish', 'maxLineBytes', 'push', 'pushOversized']);
  assert.deepEqual(methods(wasm.BatchRouter), ['finish', 'pushErrors', 'pushOutput']);
  assert.deepEqual(methods(wasm.BatchReplay), ['finish', 'push']);
  assert.deepEqual(methods(Deadline), ['attemptTimeouts', 'expired', 'fits', 'propagation', 'remainingMs']);
  assert.deepEqual(methods(RetryBudget), ['record', 'requestFinished', 'requestStarted', 'retryFinished', 'snapshot', 'tryAcquireRetry']);
  assert.deepEqual(methods(wasm.RetryState), ['decide', 'retriesTaken']);
  assert.deepEqual(methods(CircuitBreaker), [
    'metrics', 'record', 'recordPermit', 'release', 'reset', 'state', 'transitionToDisabled',
    'transitionToForcedOpen', 'transitionToMetricsOnly', 'tryAcquire', 'tryAcquirePermit',
  ]);
  assert.deepEqual(methods(BreakerRegistry), ['len', 'record', 'release', 'state', 'stats', 'tryAcquire']);
  assert.deepEqual(methods(RateLimiter), ['drain', 'reconcile', 'reserve', 'snapshot', 'sync']);
  assert.deepEqual(methods(IdempotencyKeys), ['derive', 'headerName', 'newKey']);
  assert.deepEqual(methods(ErrorBudget), ['alerts', 'budgetRemaining', 'burnRate', 'record', 'recordCounts', 'retriesAllowed']);
  assert.deepEqual(methods(Client), ['beforeAttempt', 'begin', 'breakerState', 'cancel', 'droppedEvents', 'onOutcome', 'policy', 'pollEvent']);
  assert.deepEqual(methods(wasm.Request), ['attempts', 'finished', 'idempotencyKey']);
});

test('config errors carry the stable code and the field path', () => {
  refuses(() => new CircuitBreaker({ failure_rate_threshold: 1.5 }), 'out_of_range', 'failure_rate_threshold');
  refuses(() => new CircuitBreaker({ window: { kind: 'count', sise: 10 } }), 'unknown_field', 'window.sise');
  refuses(() => new Backoff({ base_ms: -5 }), 'negative_duration', 'base_ms');
  refuses(() => new Backoff({ base_ms: 'soon' }), 'invalid_type', 'base_ms');
  refuses(() => new Backoff({ jitter: 'fuzzy' }), 'unknown_variant', 'jitter');
  refuses(() => new RateLimiter({ rpm: 0 }), 'out_of_range', 'rpm');
  refuses(() => new ErrorBudget({ target: 1 }), 'out_of_range', 'target');
  refuses(() => new IdempotencyKeys({ header: 'bad header' }), 'invalid_value', 'header');
  refuses(() => Policy.fromObject({ breaker: { window: { kind: 'count', size: 0 } } }), 'out_of_range', 'breaker.window.size');
  refuses(() => new Client({ retry: { max_retries: -1 } }), 'out_of_range', 'retry.max_retries');
});

test('NaN and infinities in a config are not_finite at their path', () => {
  refuses(() => new CircuitBreaker({ failure_rate_threshold: NaN }), 'not_finite', 'failure_rate_threshold');
  refuses(() => new Backoff({ multiplier: Infinity }), 'not_finite', 'multiplier');
  refuses(() => Policy.fromObject({ retry: { backoff: { jitter_factor: -Infinity } } }), 'not_finite', 'retry.backoff.jitter_factor');
});

test('a config that is not an object is invalid_type', () => {
  refuses(() => new CircuitBreaker('closed'), 'invalid_type', 'config');
  refuses(() => new CircuitBreaker([1, 2]), 'invalid_type', 'config');
  refuses(() => new CircuitBreaker({ failure_classes: [() => 1] }), 'invalid_type', 'failure_classes[0]');
});

test('documents report the line and column; other errors have none', () => {
  const e = refuses(() => Policy.fromJson('{\n  "breaker": {"minimum_calls": 0}\n}'), 'out_of_range', 'breaker.minimum_calls');
  assert.equal(e.line, 2);
  assert.equal(typeof e.column, 'number');
  const s = refuses(() => Policy.fromJson('{"retry": '), 'syntax_error', 'retry');
  assert.equal(s.line, 1);
  const t = refuses(() => Policy.fromToml('[retry]\nmax_retries = "two"\n'), 'invalid_type', 'retry.max_retries');
  assert.equal(t.line, 2);
  const c = refuses(() => new CircuitBreaker({ minimum_calls: 0 }), 'out_of_range', 'minimum_calls');
  assert.equal(c.line, undefined);
  assert.match(c.message, /^out_of_range at minimum_calls/);
});

test('times and counts: NaN, negative, fractional and past 2^53 are invalid_argument naming the parameter', () => {
  const b = new CircuitBreaker();
  refuses(() => b.tryAcquire(NaN), 'invalid_argument', 'nowMs');
  refuses(() => b.tryAcquire(-1), 'invalid_argument', 'nowMs');
  refuses(() => b.tryAcquire(1.5), 'invalid_argument', 'nowMs');
  refuses(() => b.tryAcquire(Infinity), 'invalid_argument', 'nowMs');
  refuses(() => b.tryAcquire(2 ** 53), 'invalid_argument', 'nowMs');
  refuses(() => b.tryAcquire(-1n), 'invalid_argument', 'nowMs');
  refuses(() => b.tryAcquire(2n ** 64n), 'invalid_argument', 'nowMs');
  assert.equal(b.tryAcquire(2 ** 53 - 1).permitted, true);
  assert.equal(b.tryAcquire(5n).permitted, true);
  const permit = b.tryAcquirePermit(10);
  refuses(() => b.record(permit, 'success', -3, null, 10), 'invalid_argument', 'latencyMs');
  refuses(() => b.record(permit, 'success', 3, 0.5, 10), 'invalid_argument', 'serverDelayMs');
  refuses(() => b.record(NaN, 'success', 3), 'invalid_argument', 'permit');
  refuses(() => new Backoff({}, 1).nextDelay(2 ** 32), 'invalid_argument', 'retriesTaken');
  refuses(() => new Backoff({}, 1).nextDelay(-1), 'invalid_argument', 'retriesTaken');
  refuses(() => new Deadline({ total_ms: 1000 }, 0).fits(NaN, 1), 'invalid_argument', 'delayMs');
  refuses(() => new RateLimiter({}, 0).reserve(1.25, 0), 'invalid_argument', 'estTokens');
  refuses(() => new RateLimiter({}, 0).drain(-5, 0), 'invalid_argument', 'untilMs');
  refuses(() => new ErrorBudget().recordCounts(1, NaN, 0), 'invalid_argument', 'bad');
  refuses(() => new ErrorBudget().burnRate(2 ** 60, 0), 'invalid_argument', 'windowMs');
  refuses(() => new BreakerRegistry({}, 0), 'invalid_argument', 'maxKeys');
  refuses(() => new BreakerRegistry({}, -2), 'invalid_argument', 'maxKeys');
  refuses(() => classify('http_429', [], { wallUnixMs: -1 }), 'invalid_argument', 'wallUnixMs');
  refuses(() => retryAfter([], NaN), 'invalid_argument', 'wallUnixMs');
});

test('wrong argument types are invalid_type naming the parameter', () => {
  const b = new CircuitBreaker();
  refuses(() => b.tryAcquire('5'), 'invalid_type', 'nowMs');
  refuses(() => b.tryAcquire({}), 'invalid_type', 'nowMs');
  refuses(() => b.record(b.tryAcquirePermit(0), 'success', '3'), 'invalid_type', 'latencyMs');
  refuses(() => b.record(0, 7, 3), 'invalid_type', 'className');
  refuses(() => classify(429), 'invalid_type', 'outcome');
  refuses(() => classify('http_429', 'retry-after: 1'), 'invalid_type', 'headers');
  refuses(() => classify('http_429', [['retry-after']]), 'invalid_type', 'headers[0]');
  refuses(() => classify('http_429', [['retry-after', {}]]), 'invalid_type', 'headers[0][1]');
  refuses(() => classify('http_429', [['retry-after', 5]]), 'invalid_type', 'headers[0][1]');
  refuses(() => classify('http_429', { 'retry-after': 5 }), 'invalid_type', 'headers[0][1]');
  refuses(() => classify('http_429', [], 'openai'), 'invalid_type', 'options');
  refuses(() => new ErrorBudget().record('yes', 0), 'invalid_type', 'good');
  refuses(() => new IdempotencyKeys({ mode: 'derived' }, 0).derive(42), 'invalid_type', 'content');
  refuses(() => Policy.fromJson({}), 'invalid_type', 'text');
  refuses(() => new Client(42), 'invalid_type', 'policy');
});

test('unknown names are refused with their code', () => {
  refuses(() => classify('http_2000'), 'invalid_argument', 'outcome');
  refuses(() => classify('http_500', [], { profile: 'gemini' }), 'unknown_variant', 'profile');
  refuses(() => new RetryBudget().record('meh'), 'unknown_variant', 'className');
  refuses(() => Policy.preset('aggressive'), 'unknown_variant', 'preset');
  refuses(() => new IdempotencyKeys({ mode: 'derived' }, 0).derive(''), 'invalid_argument', 'content');
});

test('every core error code is in the catalogue', () => {
  const codes = errorCodes();
  assert.ok(Array.isArray(codes));
  for (const code of ['syntax_error', 'unknown_field', 'invalid_type', 'not_finite', 'invalid_argument']) {
    assert.ok(codes.includes(code), code);
  }
});

test('without a seed, randomness comes from the OS (crypto.getRandomValues via getrandom)', () => {
  const keys = new Set();
  for (let i = 0; i < 20; i++) keys.add(new IdempotencyKeys().newKey());
  assert.equal(keys.size, 20);
  const delays = new Set();
  for (let i = 0; i < 20; i++) delays.add(new Backoff({ jitter: 'full', base_ms: 1_000_000, max_ms: 1_000_000 }).nextDelay(0));
  assert.ok(delays.size > 15, `unseeded backoffs drew ${delays.size} distinct delays of 20`);
  const a = new Client(undefined, undefined, 0).begin(undefined, 0).idempotencyKey();
  const b = new Client(undefined, undefined, 0).begin(undefined, 0).idempotencyKey();
  assert.notEqual(a, b);
});

test('the same seed gives the same draws; number and BigInt seeds agree; a full u64 seed is accepted', () => {
  const draw = (seed) => {
    const b = new Backoff({ jitter: 'full' }, seed);
    return [0, 1, 2, 3].map((n) => b.nextDelay(n));
  };
  assert.deepEqual(draw(7), draw(7));
  assert.deepEqual(draw(7), draw(7n));
  assert.notDeepEqual(draw(7), draw(8));
  assert.equal(new IdempotencyKeys({}, 2n ** 64n - 1n).newKey().length, 36);
  refuses(() => new IdempotencyKeys({}, 2n ** 64n), 'invalid_argument', 'seed');
  refuses(() => new IdempotencyKeys({}, -1), 'invalid_argument', 'seed');
});

test('omitted nowMs reads performance.now()', () => {
  const d = new Deadline({ total_ms: 60_000 });
  const left = d.remainingMs();
  assert.ok(left > 59_000 && left <= 60_000, `remaining ${left}`);
  const explicit = new Deadline({ total_ms: 1000 }, Math.floor(performance.now()) + 10_000);
  assert.equal(explicit.expired(), false);
});

test('headers: pairs, a plain object, a Headers instance and a Map read the same', () => {
  const forms = [
    [['Retry-After', '2'], ['x-should-retry', 'true']],
    { 'Retry-After': '2', 'x-should-retry': 'true' },
    new Headers({ 'Retry-After': '2', 'x-should-retry': 'true' }),
    new Map([['retry-after', '2'], ['x-should-retry', 'true']]),
  ];
  for (const headers of forms) {
    const c = classify('http_503', headers);
    assert.equal(c.class, 'overloaded');
    assert.deepEqual(c.retry_after, { delay_ms: 2000, source: 'retry_after_seconds' });
    assert.equal(c.should_retry, true);
  }
  assert.deepEqual(retryAfter([['retry-after-ms', '1500']]), {
    retry_after: { delay_ms: 1500, source: 'retry_after_ms' },
    issues: [],
  });
  const rl = rateLimits({ 'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': '59', 'x-ratelimit-reset-requests': '1s' });
  assert.deepEqual(rl.rate_limits.requests, { limit: 60, remaining: 59, reset_ms: 1000 });
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('soon'), null);
  assert.equal(parseHttpDate('Wed, 21 Oct 2015 07:28:00 GMT'), 1_445_412_480_000);
  assert.equal(parseRfc3339('2015-10-21T07:28:00Z'), 1_445_412_480_000);
  assert.equal(parseRfc3339('yesterday'), null);
});

test('Policy round-trips and a Client accepts a Policy, a plain object or nothing', () => {
  const p = Policy.preset('openai_sdk');
  const doc = p.toObject();
  assert.equal(doc.retry.max_retries, 2);
  assert.deepEqual(Policy.fromJson(p.toJson()).toObject(), doc);
  assert.deepEqual(Policy.fromObject(doc).toObject(), doc);
  assert.equal(typeof Policy.schema().properties, 'object');
  for (const policy of [p, doc, undefined, null]) {
    const c = new Client(policy, 1, 0);
    const r = c.begin({ key: 'gpt' }, 0);
    assert.equal(c.beforeAttempt(r, 0).action, 'send');
  }
  // The Policy object stays usable after a Client was built from it.
  assert.equal(p.toObject().retry.max_retries, 2);
  const toml = Policy.fromToml('[retry]\nmax_retries = 5\n[breaker]\nminimum_calls = 4\n').toObject();
  assert.equal(toml.retry.max_retries, 5);
  assert.equal(toml.breaker.minimum_calls, 4);
});

test('the client loop: 429 with Retry-After, 500, then success', () => {
  const client = new Client({ retry: { max_retries: 3 } }, 42, 0);
  const req = client.begin({ key: 'gpt-4o', estTokens: 100 }, 0);
  assert.match(req.idempotencyKey(), /^[0-9a-f-]{36}$/);
  let d = client.beforeAttempt(req, 0);
  assert.equal(d.action, 'send');
  assert.deepEqual(d.headers.find(([k]) => k === 'Idempotency-Key'), ['Idempotency-Key', req.idempotencyKey()]);
  let r = client.onOutcome(req, { outcome: 'http_429', headers: { 'retry-after': '2' }, latencyMs: 30 }, 30);
  assert.deepEqual([r.action, r.reason, r.delay_ms, r.class], ['retry', 'server_delay', 2000, 'rate_limited']);
  d = client.beforeAttempt(req, 2030);
  assert.equal(d.action, 'send');
  assert.equal(d.attempt, 2);
  r = client.onOutcome(req, { outcome: 'http_500', latencyMs: 10 }, 2040);
  assert.deepEqual([r.action, r.reason, r.class], ['retry', 'backoff', 'retryable']);
  assert.ok(r.delay_ms > 0);
  client.beforeAttempt(req, 2040 + r.delay_ms);
  r = client.onOutcome(req, { outcome: 'http_200', latencyMs: 10, actualTokens: 80 }, 2050 + r.delay_ms);
  assert.deepEqual([r.action, r.reason], ['done', 'succeeded']);
  assert.equal(req.attempts(), 3);
  assert.equal(req.finished(), true);
  assert.equal(client.beforeAttempt(req, 9000).reason, 'request_finished');
  // The 429's Retry-After paused the breaker for this key (retry_after_opens); every decision is an event.
  const events = [];
  for (let e = client.pollEvent(); e !== null; e = client.pollEvent()) events.push(e);
  assert.deepEqual(events.filter((e) => e.kind !== 'breaker').map((e) => e.kind), ['send', 'retry', 'send', 'retry', 'send', 'done']);
  const event = events.find((e) => e.kind === 'breaker');
  assert.equal(event.key, 'gpt-4o');
  assert.deepEqual([event.transition.from, event.transition.to, event.transition.reason], ['closed', 'open', 'retry_after']);
  refuses(() => client.onOutcome(req, { outcome: 'http_999x' }, 9000), 'invalid_argument', 'outcome');
  refuses(() => client.onOutcome(req, { outcome: 'http_500', latencyMs: NaN }, 9000), 'invalid_argument', 'latencyMs');
  const other = client.begin({ content: new TextEncoder().encode('same') }, 0);
  assert.equal(typeof other.idempotencyKey(), 'string');
});

test('an in-flight attempt cannot start twice; cancel ends the request', () => {
  const client = new Client(undefined, 1, 0);
  const req = client.begin(undefined, 0);
  client.beforeAttempt(req, 0);
  refuses(() => client.beforeAttempt(req, 1), 'invalid_argument', 'request');
  client.cancel(req, 2);
  assert.equal(req.finished(), true);
});

test('breaker transitions reach pollEvent with their key, among the other decisions', () => {
  const client = new Client({ breaker: { minimum_calls: 2, window: { kind: 'count', size: 2 } }, retry: { max_retries: 0 } }, 1, 0);
  for (let i = 0; i < 2; i++) {
    const req = client.begin({ key: 'm' }, i);
    client.beforeAttempt(req, i);
    client.onOutcome(req, { outcome: 'http_500', latencyMs: 1 }, i);
  }
  const events = [];
  for (let e = client.pollEvent(); e !== null; e = client.pollEvent()) events.push(e);
  const event = events.find((e) => e.kind === 'breaker');
  assert.equal(event.key, 'm');
  assert.equal(event.transition.to, 'open');
  assert.equal(client.droppedEvents(), 0);
  assert.equal(client.breakerState('m'), 'open');
});

test('the breaker fast path is the same core calls as the rich path', () => {
  const config = { window: { kind: 'count', size: 4 }, minimum_calls: 4 };
  const rich = new CircuitBreaker(config);
  const fast = new CircuitBreaker(config);
  for (let t = 0; t < 8; t++) {
    const a = rich.tryAcquire(t);
    const p = fast.tryAcquirePermit(t);
    assert.equal(a.permit, p);
    if (p === null) continue;
    const cls = t % 2 ? 'retryable' : 'success';
    assert.equal(fast.recordPermit(p, cls, 5, t), rich.record(a.permit, cls, 5, null, t).counted);
  }
  assert.equal(fast.state(), rich.state());
  assert.equal(fast.state(), 'open');
  assert.equal(fast.tryAcquirePermit(9), null);
  assert.equal(fast.recordPermit(123456789, 'success', 1, 9), 'stale');
  assert.equal(rich.release(987654321), false);
});

for (const [name, check] of Object.entries(retryStateChecks)) {
  test(`retry state: ${name}`, () => check(wasm));
}

for (const [name, check] of Object.entries(standingPermitChecks)) {
  test(`breaker entry: ${name}`, () => check(wasm));
}

test('a freed breaker answers nothing from its standing permit', () => {
  const b = new CircuitBreaker();
  assert.equal(b.tryAcquirePermit(0), b.tryAcquirePermit(1), 'answered from the standing permit');
  b.free();
  assert.throws(() => b.tryAcquirePermit(2));
  assert.throws(() => b.tryAcquirePermit());
});

test('the registry keeps one breaker per key', () => {
  const r = new BreakerRegistry({ minimum_calls: 1, window: { kind: 'count', size: 1 } }, 2);
  const a = r.tryAcquire('a', 0);
  assert.equal(r.record('a', a.permit, 'retryable', 1, null, 1).state, 'open');
  assert.equal(r.state('a'), 'open');
  assert.equal(r.state('b'), 'closed');
  assert.equal(r.tryAcquire('b', 2).permitted, true);
  assert.equal(r.len(), 2);
  assert.deepEqual(r.stats(), { keys: 2, evictions: 0 });
});

test('budget, limiter, deadline and error budget return the core results', () => {
  const budget = new RetryBudget({ kind: 'token_bucket', max_tokens: 2, token_ratio: 0.5 });
  budget.requestStarted();
  budget.record('retryable');
  assert.deepEqual(budget.tryAcquireRetry(), { allowed: false, reason: 'budget_exhausted', kind: 'token_bucket', tokens: 1, threshold: 1, active_requests: 1, active_retries: 0 });
  const limiter = new RateLimiter({ rpm: 60 }, 0);
  assert.equal(limiter.reserve(0, 0).ready, true);
  limiter.sync({ requests: { limit: 60, remaining: 0, reset_ms: 5000 } }, 0);
  assert.equal(limiter.reserve(undefined, 0).ready, false);
  refuses(() => limiter.sync({ requests: { limt: 1 } }, 0), 'unknown_field', 'rateLimits.requests.limt');
  const deadline = new Deadline({ total_ms: 1000, connect_ms: 300 }, 0);
  assert.deepEqual(deadline.attemptTimeouts(900), { connect_ms: 100, headers_ms: 100, first_token_ms: 100, idle_ms: 100, attempt_ms: 100, remaining_ms: 100 });
  assert.equal(deadline.fits(200, 900), false);
  assert.deepEqual(deadline.propagation(0), { timeout_ms: 1000, stainless_timeout_s: 1 });
  assert.equal(deadline.remainingMs(1500), 0);
  assert.equal(deadline.expired(1500), true);
  assert.equal(new Deadline().remainingMs(0), null);
  const slo = new ErrorBudget({ target: 0.9 });
  slo.recordCounts(9, 1, 0);
  assert.equal(slo.burnRate(60_000, 1000), 1);
  assert.equal(typeof slo.budgetRemaining(1000), 'number');
  assert.ok(Array.isArray(slo.alerts(1000)));
  assert.equal(typeof slo.retriesAllowed(1000).allowed, 'boolean');
  const keys = new IdempotencyKeys({ mode: 'derived' }, 0);
  assert.equal(keys.derive('hello'), '074171de-bc84-5ea4-b636-1135477620e1');
  assert.equal(keys.derive(new TextEncoder().encode('hello')), '074171de-bc84-5ea4-b636-1135477620e1');
  assert.equal(keys.headerName(), 'Idempotency-Key');
});

test('the browser .d.ts type-checks a typical program (strict), RetryState.decide included', (t) => {
  const tsc = fileURLToPath(new URL('../../../node_modules/.bin/tsc', import.meta.url));
  if (!existsSync(tsc)) return t.skip('typescript is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'bw-wasm-ts-'));
  try {
    const entry = fileURLToPath(new URL('../pkg/breakwater_wasm.js', import.meta.url));
    writeFileSync(join(dir, 'check.ts'), `
import init, { RetryState, Deadline, RetryBudget, ErrorBudget, CircuitBreaker, classify } from ${JSON.stringify(entry)}
import type { Classification, RetryDecision, RetryGuards, Acquire } from ${JSON.stringify(entry)}
export async function main(): Promise<number> {
  await init()
  const c: Classification = classify('http_429', [['retry-after', '1']], { profile: 'openai' })
  const guards: RetryGuards = { deadline: new Deadline({ total_ms: 30000 }), retryBudget: new RetryBudget(), errorBudget: new ErrorBudget() }
  const state = new RetryState({ max_retries: 3 }, 7n)
  const d: RetryDecision = state.decide(c, guards, 0)
  state.decide({ class: 'retryable', reason: 'server_error' }, { outerOwnsRetries: true })
  const a: Acquire = new CircuitBreaker().tryAcquire(0)
  return state.retriesTaken() + (d.delay_ms ?? 0) + (a.permit ?? 0)
}
`);
    execFileSync(tsc, ['--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2022,dom,esnext.disposable', '--module', 'es2022',
      '--moduleResolution', 'bundler', join(dir, 'check.ts')], { stdio: 'pipe' });
  } catch (e) {
    assert.fail(String(e.stdout ?? e));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the browser .d.ts types every result of every vector', (t) => {
  const tsc = fileURLToPath(new URL('../../../node_modules/.bin/tsc', import.meta.url));
  if (!existsSync(tsc)) return t.skip('typescript is not installed');
  const checked = checkResultTypes({
    api: wasm,
    vectors: loadVectors(),
    entry: fileURLToPath(new URL('../pkg/breakwater_wasm.js', import.meta.url)),
    tsc,
    args: ['--target', 'es2022', '--lib', 'es2022,dom,esnext.disposable', '--module', 'es2022', '--moduleResolution', 'bundler'],
  });
  assert.ok(checked.operations > 40 && checked.distinct > 400, JSON.stringify(checked));
  t.diagnostic(`${checked.distinct} distinct results of ${checked.operations} operations type-checked`);
});

test('the browser .d.ts types the public surface without `any`', () => {
  const dts = readFileSync(new URL('../pkg/breakwater_wasm.d.ts', import.meta.url), 'utf8');
  const code = dts.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  assert.doesNotMatch(code, /\bany\b/);
  for (const sig of [
    'tryAcquire(nowMs?: number | null): Acquire;',
    'recordPermit(permit: number, className: ClassName, latencyMs: number, nowMs?: number | null): Counted;',
    'constructor(policy?: Policy | PolicyConfig | null, seed?: number | bigint | null, nowMs?: number | null)',
    'onOutcome(request: Request, result: AttemptOutcome, nowMs?: number | null): RetryDecision',
    'export declare function classify(outcome: string, headers?: HeadersInit | null, options?: ClassifyOptions | null): Classification',
    'export interface BreakwaterError extends Error',
    'export default function __wbg_init',
  ]) {
    assert.ok(dts.includes(sig), `missing from the .d.ts: ${sig}`);
  }
});

test('classify reads headers as pairs, objects, Headers and Maps, and refuses bad ones with codes', () => {
  const cases = [
    [['http_429', [['retry-after-ms', '1500'], ['retry-after', '2'], ['x-should-retry', 'true']], { errorType: 'rate_limit_error' }], 1500],
    [['http_503', { 'Retry-After': 'Wed, 21 Oct 2015 07:28:00 GMT' }, { wallUnixMs: 1_445_412_470_000 }], 10_000],
    [['http_503', new Headers({ 'retry-after': '3' })], 3000],
    [['http_429', [['retry-after', '5']]], 5000],
    [['http_500', new Map([['x-ms-retry-after-ms', '10']]), { profile: 'azure_openai', errorCode: null }], 10],
    [['http_200'], undefined],
    [['connect', null, null], undefined],
  ];
  for (const [args, delay] of cases) {
    assert.equal(classify(...args).retry_after?.delay_ms, delay, JSON.stringify(args));
  }
  refuses(() => classify('http_2000'), 'invalid_argument', 'outcome');
  refuses(() => classify('http_429', [['retry-after', {}]]), 'invalid_type', 'headers[0][1]');
  refuses(() => classify('http_429', [['retry-after', 5]]), 'invalid_type', 'headers[0][1]');
  refuses(() => classify('http_429', { 'retry-after': 5 }), 'invalid_type', 'headers[0][1]');
  refuses(() => classify('http_429', [[1, '2']]), 'invalid_type', 'headers[0][0]');
  refuses(() => classify('http_429', [], { profile: 'gemini' }), 'unknown_variant', 'profile');
  refuses(() => classify('http_429', [], { wallUnixMs: 1.5 }), 'invalid_argument', 'wallUnixMs');
  refuses(() => classify('http_429', [], { errorType: 7 }), 'invalid_type', 'errorType');
});

test('the breaker fast paths give exactly what the generated exports give', async () => {
  const { createRequire } = await import('node:module');
  const glue = createRequire(import.meta.url)('../pkg-node/breakwater_wasm_glue.js');
  // A transition in a rich breaker result: the fast and generated paths agree field for field.
  const config = { window: { kind: 'count', size: 2 }, minimum_calls: 2, open_wait: { kind: 'fixed', ms: 100 } };
  const fast = new CircuitBreaker(config);
  const slow = new glue.CircuitBreaker(config);
  for (let t = 0; t < 6; t++) {
    const a = fast.tryAcquire(t * 60);
    assert.deepEqual(a, slow.tryAcquire(t * 60));
    if (a.permitted) assert.deepEqual(fast.record(a.permit, 'overloaded', 5, 2000, t * 60), slow.record(a.permit, 'overloaded', 5, 2000, t * 60));
  }
});

for (const [name, check] of Object.entries(optionsChecks)) {
  test(`options: ${name}`, () => check(wasm));
}

for (const [name, check] of Object.entries(schemaChecks)) {
  test(`schema: ${name}`, () => check(wasm));
}

for (const [name, check] of Object.entries(batchChecks)) {
  test(`batch: ${name}`, () => check(wasm));
}

test('schema: JSON-Schema-Test-Suite, draft 2020-12 and draft-07 (required tests)', (t) => {
  const lines = playSchemaSuite(wasm);
  if (lines === null) return t.skip('target/schema-suite is absent (scripts/schema-suite.sh fetches it)');
  for (const line of lines) t.diagnostic(line);
});
