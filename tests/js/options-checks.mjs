// Checks of the options objects (`{ key, estTokens }`, `{ outcome, latencyMs }`, `{ profile }`,
// `{ retryBudget }`), shared by the Node addon's and the WASM module's test suites: the same wrong
// argument must be refused with the same code and path in both.
import assert from 'node:assert/strict';

import { refused } from './breaker-checks.mjs';

const at = (f) => {
  const e = refused(f);
  return [e.code, e.path];
};

/** A client with one request in flight, and the calls that take an options object. */
function calls(bw) {
  const client = new bw.Client(null, 1, 0);
  const req = client.begin({ key: 'm' }, 0);
  client.beforeAttempt(req, 0);
  const state = new bw.RetryState(null, 1);
  return {
    options: [(o) => client.begin(o, 0), (o) => bw.classify('http_429', [], o)],
    result: [(o) => client.onOutcome(req, o, 10)],
    guards: [(o) => state.decide({ class: 'retryable', reason: 'server_error' }, o, 0)],
  };
}

export const optionsChecks = {
  'every function and class of the description is exported, with every method'(bw) {
    const d = bw.surface();
    for (const f of d.functions) assert.equal(typeof bw[f.js], 'function', f.js);
    for (const c of d.classes) {
      assert.equal(typeof bw[c.js], 'function', c.js);
      for (const op of c.ops) {
        if (op.kind === 'method') assert.equal(typeof bw[c.js].prototype[op.js], 'function', `${c.js}.${op.js}`);
        if (op.kind === 'static') assert.equal(typeof bw[c.js][op.js], 'function', `${c.js}.${op.js}`);
      }
    }
  },

  'an unknown key in an options object is refused, never silently ignored'(bw) {
    const { options, result, guards } = calls(bw);
    assert.deepEqual(at(() => result[0]({ outcome: 'http_500', latencyMS: 120 })), ['unknown_field', 'latencyMS']);
    assert.deepEqual(at(() => options[0]({ estTokenz: 5 })), ['unknown_field', 'estTokenz']);
    assert.deepEqual(at(() => options[1]({ profil: 'anthropic' })), ['unknown_field', 'profil']);
    assert.deepEqual(at(() => guards[0]({ budgets: null })), ['unknown_field', 'budgets']);
  },

  'a document argument is required, and its refusals carry the field path under its name'(bw) {
    const limiter = new bw.RateLimiter({ rpm: 60 }, 0);
    for (const absent of [undefined, null]) {
      assert.deepEqual(at(() => limiter.sync(absent, 0)), ['missing_field', 'rateLimits'], String(absent));
    }
    for (const bad of [[], 5]) {
      assert.deepEqual(at(() => limiter.sync(bad, 0)), ['invalid_type', 'rateLimits'], String(bad));
    }
    assert.deepEqual(at(() => limiter.sync({ requests: { limit: NaN } }, 0)), ['not_finite', 'rateLimits.requests.limit']);
    assert.deepEqual(at(() => limiter.sync({ requests: { limt: 1 } }, 0)), ['unknown_field', 'rateLimits.requests.limt']);
  },

  'a document or JSON argument that is no plain object is refused by its name, never read as its keys'(bw) {
    for (const bad of [new Date(), new Map([['retry', { max_retries: 0 }]]), new Uint8Array(2), new bw.Backoff(), 0, 1]) {
      assert.deepEqual(at(() => new bw.Client(bad)), ['invalid_type', 'policy'], String(bad));
    }
    assert.deepEqual(at(() => bw.Policy.fromObject(new Date())), ['invalid_type', 'policy']);
    assert.deepEqual(at(() => new bw.Backoff(new Map([['base_ms', -5]]))), ['invalid_type', 'config']);
    assert.deepEqual(at(() => bw.validate({ type: 'object' }, new Date())), ['invalid_type', 'instance']);
    assert.equal(bw.validate({ type: 'array' }, [1]).valid, true); // arrays are JSON
  },

  'a freed circuit breaker refuses every call with invalid_type at this'(bw) {
    const cb = new bw.CircuitBreaker();
    cb.free();
    for (const f of [() => cb.tryAcquire(0), () => cb.tryAcquirePermit(0), () => cb.record(0, 'success', 1), () => cb.state(), () => cb.metrics(0)]) {
      assert.deepEqual(at(f), ['invalid_type', 'this']);
    }
    const live = new bw.CircuitBreaker();
    assert.deepEqual(at(() => live.recordPermit(0, 'success', 1, -1)), ['invalid_argument', 'nowMs']);
  },

  'more arguments than an operation takes is invalid_argument at its name, the breaker included'(bw) {
    const d = bw.surface();
    // Every class whose object can be made without arguments (the breaker among them).
    for (const c of d.classes) {
      const ctor = c.ops.find((op) => op.kind === 'new');
      if (!ctor) continue;
      const extra = (op) => new Array(op.params.length + 1).fill(undefined);
      assert.deepEqual(at(() => new bw[c.js](...extra(ctor))), ['invalid_argument', 'constructor'], c.js);
      let object;
      try {
        object = new bw[c.js]();
      } catch {
        continue;
      }
      for (const op of c.ops.filter((o) => o.kind === 'method')) {
        assert.deepEqual(at(() => object[op.js](...extra(op))), ['invalid_argument', op.js], `${c.js}.${op.js}`);
      }
    }
  },

  'a class without a constructor says which operation makes its objects'(bw) {
    const d = bw.surface();
    const without = d.classes.filter((c) => !c.ops.some((op) => op.kind === 'new'));
    assert.deepEqual(without.map((c) => c.js), ['Policy', 'Request']);
    for (const c of without) {
      const e = refused(() => new bw[c.js]());
      assert.deepEqual([e.code, e.path], ['invalid_argument', c.js]);
    }
    assert.match(refused(() => new bw.Request()).message, /comes from Client\.begin/);
  },

  'a result holding an integer a JS number cannot hold exactly is refused, never rounded'(bw) {
    // A time past 2^53 - 1 only comes from a host that gave one (as a BigInt): the decision
    // that holds it is refused, through the Node fast path as through the generic call.
    const client = new bw.Client(null, 1, 0);
    const request = client.begin({ deadlineMs: 2n ** 60n }, 0);
    assert.deepEqual(at(() => client.beforeAttempt(request, 0)), ['invalid_argument', 'output']);
    // A bare number as an object's field: a time left, a reconnection time.
    const deadline = new bw.Deadline({ total_ms: 2n ** 53n + 10n }, 0);
    assert.deepEqual(at(() => deadline.remainingMs(5)), ['invalid_argument', 'output']);
    assert.doesNotMatch(refused(() => deadline.remainingMs(5)).message, /Error: /);
    assert.equal(new bw.Deadline({ total_ms: 2 ** 53 - 1 }, 0).remainingMs(0), 2 ** 53 - 1);
    assert.deepEqual(at(() => new bw.RealtimeCredentials(undefined, 1).reconnectAt(2n ** 64n - 1n)), ['invalid_argument', 'output']);
    // A count read from the wire is capped at 2^53 - 1 by the core (calls/big_counts.json).
    const capped = bw.rateLimits([['x-ratelimit-remaining-requests', '9007199254740993']]);
    assert.equal(capped.rate_limits.requests.remaining, 9007199254740991);
  },

  'an options argument that is not a plain object is refused by its name'(bw) {
    for (const [name, fs] of Object.entries(calls(bw))) {
      for (const f of fs) {
        for (const bad of [[], [{ key: 'm' }], 5, 'key', true, () => {}]) {
          assert.deepEqual(at(() => f(bad)), ['invalid_type', name], `${name}: ${String(bad)}`);
        }
      }
    }
  },
};
