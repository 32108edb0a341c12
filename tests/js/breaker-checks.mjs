// Checks of the breaker wrappers' standing-permit protocol (docs/bindings.md, "Time"), shared
// by the Node addon's and the WASM module's test suites: each gets the package's exports and
// must make exactly the decisions of the core called with every time.
import assert from 'node:assert/strict';

/** Runs `f`, which must throw a breakwater error (a JS `Error` with `.code` and `.path`); returns it. */
export function refused(f) {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof Error, 'a JS Error');
    assert.equal(typeof e.code, 'string');
    assert.equal(typeof e.path, 'string');
    return e;
  }
  assert.fail('expected an error');
}

export const standingPermitChecks = {
  'answering tryAcquirePermit from the standing permit changes no decision'(bw) {
    // A random walk (times jump backwards too) played on two breakers: `fast` through the
    // permit calls, which mostly answer without crossing, `rich` through the result-object calls,
    // which always cross. Every answer, state and metric must agree.
    let seed = 0x2545f491;
    const rand = (n) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const config = {
      window: { kind: 'time', duration_ms: 3000, bucket_ms: 1000 },
      minimum_calls: 2,
      half_open_permitted: 2,
      max_half_open_ms: 4000,
      open_wait: { kind: 'fixed', ms: 1500 },
      slow_call_ms: 50,
    };
    const fast = new bw.CircuitBreaker(config);
    const rich = new bw.CircuitBreaker(config);
    const classes = ['success', 'success', 'retryable', 'overloaded', 'permanent'];
    const permits = [];
    const seen = new Set();
    let now = 0;
    for (let step = 0; step < 5000; step++) {
      const op = rand(10);
      if (op < 4) {
        const a = rich.tryAcquire(now);
        assert.equal(fast.tryAcquirePermit(now), a.permit, `step ${step}`);
        if (a.permit !== null) permits.push(a.permit);
      } else if (op < 7 && permits.length > 0) {
        const [p] = permits.splice(rand(permits.length), 1);
        const c = classes[rand(classes.length)];
        const latency = rand(100);
        assert.equal(fast.recordPermit(p, c, latency, now), rich.record(p, c, latency, null, now).counted, `step ${step}`);
      } else if (op === 7) {
        now += rand(3000);
      } else if (op === 8) {
        now = Math.max(0, now - rand(2000));
      } else if (rand(8) === 0) {
        const m = ['transitionToForcedOpen', 'transitionToMetricsOnly', 'transitionToDisabled', 'reset'][rand(4)];
        assert.deepEqual(fast[m](now), rich[m](now), `step ${step}`);
      }
      assert.equal(fast.state(), rich.state(), `step ${step}`);
      seen.add(rich.state());
      if (step % 5 === 0) assert.deepEqual(fast.metrics(now), rich.metrics(now), `step ${step}`);
    }
    assert.ok(['closed', 'open', 'half_open'].every((s) => seen.has(s)), [...seen].join());
  },

  'a permit answered without crossing still refuses a bad nowMs by name'(bw) {
    const b = new bw.CircuitBreaker();
    const p = b.tryAcquirePermit(0);
    assert.equal(b.tryAcquirePermit(1), p, 'answered from the standing permit');
    for (const bad of [NaN, -1, 1.5, 2 ** 53, Infinity, -Infinity]) {
      const e = refused(() => b.tryAcquirePermit(bad));
      assert.deepEqual([e.code, e.path], ['invalid_argument', 'nowMs'], String(bad));
    }
    assert.equal(refused(() => b.tryAcquirePermit('5')).code, 'invalid_type');
    assert.equal(b.tryAcquirePermit(-0), p);
    assert.equal(b.tryAcquirePermit(2 ** 53 - 1), p);
    // The largest time answered at reaches the breaker before its next call that takes one.
    const o = new bw.CircuitBreaker({ window: { kind: 'time', duration_ms: 3000, bucket_ms: 1000 }, minimum_calls: 2 });
    const x = o.tryAcquirePermit(0);
    assert.equal(o.recordPermit(x, 'retryable', 1, 0), 'failure');
    assert.equal(o.tryAcquirePermit(10_000), x, 'answered from the standing permit');
    assert.equal(o.metrics(0).calls, 0, 'the clock stands at 10000: the failure at 0 left the window');
    assert.equal(o.recordPermit(x, 'retryable', 1, 0), 'failure');
    assert.equal(o.state(), 'closed', 'one failure in the window, below minimum_calls');
  },

  'on the default clock a record reads the clock only when the outcome needs it, and owes the reading'(bw) {
    const config = { window: { kind: 'count', size: 2 }, minimum_calls: 2 };
    const before = Math.floor(performance.now());
    assert.ok(before > 0);
    // The failure that opens the breaker reads the clock: the transition is stamped with it.
    const a = new bw.CircuitBreaker(config);
    const p = a.tryAcquirePermit(0);
    assert.equal(a.recordPermit(p, 'retryable', 1), 'failure');
    const opened = a.record(p, 'retryable', 1);
    assert.equal(opened.transition.to, 'open');
    assert.ok(opened.transition.at_ms >= before && opened.transition.at_ms <= Math.floor(performance.now()));
    // A record that needed no time owes its reading to the next call with an explicit time.
    const b = new bw.CircuitBreaker(config);
    const q = b.tryAcquirePermit(0);
    assert.equal(b.recordPermit(q, 'retryable', 1), 'failure');
    const r = b.record(q, 'retryable', 1, null, 0);
    assert.equal(r.transition.to, 'open');
    assert.ok(r.transition.at_ms >= before, `the breaker's clock passed ${before}, not 0: ${r.transition.at_ms}`);
  },
};
