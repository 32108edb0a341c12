// The host loop of a breakwater Client, driven by a scripted list of attempt outcomes on a
// simulated clock: what an HTTP client does around each call, without the network.
// Environment-agnostic: the page passes the WASM module, a test may pass any binding.

/**
 * Parses a script: one attempt per line, `<outcome> [name=value ...]`, e.g.
 * `http_429 retry-after=2`, `http_500 latency_ms=40`, `http_429 error_code=insufficient_quota`.
 * `error_type`, `error_code` and `latency_ms` describe the attempt; any other name is a
 * response header. Blank lines and `#` comments are skipped.
 */
export function parseScript(text) {
  const attempts = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [outcome, ...pairs] = line.split(/\s+/);
    const attempt = { outcome, headers: [], latencyMs: 100 };
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      const [name, value] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
      if (name === 'error_type') attempt.errorType = value;
      else if (name === 'error_code') attempt.errorCode = value;
      else if (name === 'latency_ms') attempt.latencyMs = Number(value);
      else attempt.headers.push([name, value]);
    }
    attempts.push(attempt);
  }
  return attempts;
}

/**
 * Plays one logical request through `new api.Client(policy, seed, 0)`: before each attempt
 * the client says send, wait or give up; after it, retry (after `delay_ms`), done or give up.
 * Returns the trace rows and the breaker transitions (the `breaker` decision events), in order.
 */
export function simulate(api, policy, attempts, { seed = 1, key = 'gpt-4o', maxSteps = 100 } = {}) {
  const client = new api.Client(policy, seed, 0);
  let now = 0;
  const request = client.begin({ key }, now);
  const rows = [];
  const events = [];
  const drain = () => {
    for (let e = client.pollEvent(); e; e = client.pollEvent()) if (e.kind === 'breaker') events.push(e);
  };
  let next = 0;
  for (let step = 0; step < maxSteps; step++) {
    const before = client.beforeAttempt(request, now);
    drain();
    if (before.action === 'wait') {
      rows.push({ at_ms: now, step: 'wait', action: 'wait', reason: before.reason, until_ms: before.wait_until_ms, state: client.breakerState(key) });
      now = before.wait_until_ms;
      continue;
    }
    if (before.action === 'give_up') {
      rows.push({ at_ms: now, step: 'before_attempt', action: 'give_up', reason: before.reason, state: client.breakerState(key) });
      break;
    }
    const attempt = attempts[next++];
    if (!attempt) {
      client.cancel(request, now);
      rows.push({ at_ms: now, step: 'script ended', action: 'cancelled', reason: 'no outcome scripted for this attempt', state: client.breakerState(key) });
      break;
    }
    now += attempt.latencyMs;
    const decision = client.onOutcome(request, attempt, now);
    drain();
    rows.push({
      at_ms: now,
      step: `attempt ${before.attempt}`,
      outcome: attempt.outcome,
      class: decision.class,
      cause: decision.cause,
      action: decision.action,
      reason: decision.reason,
      delay_ms: decision.delay_ms ?? null,
      state: client.breakerState(key),
    });
    if (decision.action !== 'retry') break;
    now += decision.delay_ms;
  }
  return { rows, events, attempts: request.attempts(), idempotencyKey: request.idempotencyKey() };
}
