// Checks of `RetryState` beyond the vectors, shared by the Node addon's and the WASM module's
// test suites (the two have the same surface): each gets the package's exports.
import assert from 'node:assert/strict';

import { refused } from './breaker-checks.mjs';

const serverError = { class: 'retryable', reason: 'server_error' };

export const retryStateChecks = {
  'a retry decision takes back what classify returned'(bw) {
    const state = new bw.RetryState(null, 3);
    const d = state.decide(bw.classify('http_429', [['retry-after', '2']]), null, 0);
    assert.deepEqual(d, {
      action: 'retry', reason: 'server_delay', delay_ms: 2000, retries_taken: 1, class: 'rate_limited', cause: 'rate_limited',
    });
    // A non-finite delay comes back as null and falls back to the backoff, as in the core.
    const inf = bw.classify('http_503', [['retry-after', 'inf']]);
    assert.equal(inf.retry_after.delay_ms, null);
    assert.equal(state.decide(inf, undefined, 2000).reason, 'backoff');
    const last = state.decide(bw.classify('http_500'), {}, 3000);
    assert.deepEqual([last.action, last.reason, last.retries_taken], ['give_up', 'retries_exhausted', 2]);
    assert.equal('delay_ms' in last, false);
    assert.equal(state.retriesTaken(), 2);
    // nowMs defaults to the clock.
    assert.equal(new bw.RetryState().decide(serverError).action, 'retry');
  },

  'the same seed gives the same retry delays; without one each state draws its own'(bw) {
    const config = { backoff: { jitter: 'full', base_ms: 1000, max_ms: 1000000 }, max_retries: 8 };
    const delays = (s) => Array.from({ length: 8 }, () => s.decide(serverError, null, 0).delay_ms);
    assert.deepEqual(delays(new bw.RetryState(config, 42n)), delays(new bw.RetryState(config, 42)));
    assert.notDeepEqual(delays(new bw.RetryState(config)), delays(new bw.RetryState(config)));
  },

  'the guards are the binding objects, shared between requests'(bw) {
    // Envoy's ratio budget with nothing in flight grants min_retry_concurrency retries.
    const budget = new bw.RetryBudget({ kind: 'ratio', budget_percent: 20, min_retry_concurrency: 2 });
    const deadline = new bw.Deadline({ total_ms: 60000 }, 0);
    const reasons = [1, 2, 3].map((seed) => new bw.RetryState(null, seed).decide(serverError, { retryBudget: budget, deadline }, 0).reason);
    assert.deepEqual(reasons, ['backoff', 'backoff', 'retry_budget_exhausted']);
    assert.equal(budget.snapshot().active_retries, 2);
    const owned = new bw.RetryState({ ownership: 'defer_to_outer' }).decide(serverError, { outerOwnsRetries: true }, 0);
    assert.equal(owned.reason, 'retry_owned_by_outer_layer');
    // Explicit nulls are absent guards; a getter is read once.
    let reads = 0;
    const counted = { get retryBudget() { reads += 1; return budget; }, deadline: null, errorBudget: undefined, outerOwnsRetries: null };
    assert.equal(new bw.RetryState(null, 4).decide(serverError, counted, 0).reason, 'retry_budget_exhausted');
    assert.equal(reads, 1);
  },

  'bad input is refused with its code and path, and changes nothing'(bw) {
    const state = new bw.RetryState();
    const at = (f) => {
      const e = refused(f);
      return [e.code, e.path];
    };
    assert.deepEqual(at(() => state.decide('http_500')), ['invalid_type', 'classification']);
    assert.deepEqual(at(() => state.decide([serverError])), ['invalid_type', 'classification']);
    assert.deepEqual(at(() => state.decide({ class: 'retryable' })), ['missing_field', 'classification.reason']);
    assert.deepEqual(
      at(() => state.decide({ ...serverError, retry_after: { delay_ms: NaN, source: 'retry_after_ms' } })),
      ['not_finite', 'classification.retry_after.delay_ms'],
    );
    assert.deepEqual(at(() => state.decide(serverError, { budgets: new bw.RetryBudget() })), ['unknown_field', 'budgets']);
    assert.deepEqual(at(() => state.decide(serverError, { deadline: new bw.RetryBudget() })), ['invalid_type', 'deadline']);
    assert.deepEqual(at(() => state.decide(serverError, { retryBudget: { kind: 'none' } })), ['invalid_type', 'retryBudget']);
    assert.deepEqual(at(() => state.decide(serverError, { errorBudget: 5 })), ['invalid_type', 'errorBudget']);
    assert.deepEqual(at(() => state.decide(serverError, { outerOwnsRetries: 'yes' })), ['invalid_type', 'outerOwnsRetries']);
    assert.deepEqual(at(() => state.decide(serverError, 5)), ['invalid_type', 'guards']);
    assert.deepEqual(at(() => state.decide(serverError, null, -1)), ['invalid_argument', 'nowMs']);
    assert.deepEqual(at(() => new bw.RetryState({ retry_on: ['success'] })), ['invalid_value', 'retry_on']);
    assert.equal(state.retriesTaken(), 0);
  },
};
