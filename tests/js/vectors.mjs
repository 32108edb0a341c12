// The shared JavaScript player of the conformance vectors (tests/vectors/README.md).
//
// `playVector(api, vector)` plays one parsed vector through `api`, an object
// with the JavaScript surface of docs/bindings.md (the Node binding, or the
// WASM module in Node or in a browser), and returns the failures as strings
// (empty = the vector passes). It is the JavaScript twin of the Rust player
// in core/tests/vectors/: each component is a table from the vector's op name
// to one public method call, and `contains` is the same subset matcher.
//
// Environment-agnostic on purpose: no fs, no `node:` imports, no globals
// beyond the language, so a browser page can import it as is.

/** An error raised by the runner itself (a malformed vector), shaped like a binding error. */
function runnerError(path, message) {
  const e = new Error(message);
  e.code = 'invalid_argument';
  e.path = path;
  return e;
}

function unknownOp(op) {
  return runnerError('op', `unknown op \`${op}\``);
}

/** `undefined` → `null`, so an op without a result outputs JSON null like the Rust runner. */
function orNull(x) {
  return x === undefined ? null : x;
}

/** A vector's config: absent or null means "the defaults" (the binding's `config?`). */
function configOf(vector) {
  return vector.config === undefined || vector.config === null ? undefined : vector.config;
}

function seedOf(vector) {
  return vector.seed === undefined || vector.seed === null ? 0 : vector.seed;
}

function args(step) {
  return step.args === undefined || step.args === null ? {} : step.args;
}

function isPlainObject(x) {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** Stateless components take no config: like the Rust runner, refuse one. */
function noConfig(vector, component) {
  const c = vector.config;
  if (!(c === undefined || c === null || (isPlainObject(c) && Object.keys(c).length === 0))) {
    throw runnerError('config', `${component} takes no config; pass everything in args`);
  }
}

/** Every permit a breaker handed out, in order, and which were used (as in breaker.rs). */
class Permits {
  constructor() {
    this.list = [];
  }

  push(permit) {
    if (permit !== null && permit !== undefined) this.list.push({ permit, used: false });
  }

  take(index) {
    const slot =
      index === undefined || index === null ? this.list.find((p) => !p.used) : this.list[index];
    if (!slot) throw runnerError('args.permit', 'no such permit');
    slot.used = true;
    return slot.permit;
  }
}

function needClass(a) {
  if (a.class === undefined || a.class === null) {
    throw runnerError('args.class', 'record needs a class');
  }
  return a.class;
}

/** `retry_budget` → `retryBudget`, and back (`calls` vectors name parameters in snake_case). */
const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const snake = (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A thrown error with the leading name of its path in snake_case, as the vectors spell it. */
function snakePath(e) {
  if (e && typeof e === 'object' && typeof e.path === 'string') {
    const m = /^([A-Za-z0-9_]+)(.*)$/s.exec(e.path);
    if (m) e.path = snake(m[1]) + m[2];
  }
  return e;
}

// One factory per component: build the object from `config` and `seed`, return `step => output`.
const RUNNERS = {
  calls(api, vector) {
    noConfig(vector, 'calls');
    const surface = api.surface();
    const classes = new Map(surface.classes.map((c) => [c.name, c]));
    // The JavaScript arguments of `op`: positional parameters, and options objects for bagged ones.
    const jsArgsOf = (op, given, call) => {
      const slots = [];
      for (const p of op.params) {
        if (p.bag === null) slots.push({ value: given[p.name] });
        else if (slots.length && slots[slots.length - 1].bag === p.bag) slots[slots.length - 1].value[camel(p.name)] = given[p.name];
        else slots.push({ bag: p.bag, value: { [camel(p.name)]: given[p.name] } });
      }
      const known = new Set(op.params.map((p) => p.name));
      for (const [name, value] of Object.entries(given)) {
        if (known.has(name)) continue;
        const bag = [...slots].reverse().find((slot) => slot.bag);
        if (!bag) throw runnerError('args.with', `${call} takes no options object for \`${name}\``);
        bag.value[camel(name)] = value;
      }
      for (const slot of slots) {
        if (slot.bag) slot.value = Object.fromEntries(Object.entries(slot.value).filter(([, v]) => v !== undefined));
      }
      while (slots.length && slots[slots.length - 1].value === undefined) slots.pop();
      return slots.map((slot) => slot.value);
    };
    const make = (name, given = {}) => {
      if (name === 'Request') return new api.Client().begin();
      const cls = classes.get(name);
      return new api[cls.js](...jsArgsOf(cls.ops.find((o) => o.kind === 'new'), given, `${name}.new`));
    };
    const named = new Map();
    const kept = new Map();
    const resolve = (x) => {
      if (Array.isArray(x)) return x.map(resolve);
      if (isPlainObject(x)) {
        if (typeof x.$kept === 'string') {
          if (!kept.has(x.$kept)) throw runnerError('$kept', `no output kept as \`${x.$kept}\``);
          const out = kept.get(x.$kept);
          return typeof x.key === 'string' ? out[x.key] : out;
        }
        if (typeof x.$name === 'string') {
          if (!named.has(x.$name)) throw runnerError('$name', `no object named \`${x.$name}\``);
          return named.get(x.$name);
        }
        if (typeof x.$object === 'string') {
          const object = make(x.$object, resolve(x.with ?? {}));
          if (typeof x.name === 'string') named.set(x.name, object);
          return object;
        }
        return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, resolve(v)]));
      }
      return x;
    };
    const dispatch = (a) => {
      const [clsName, opName] = a.call.includes('.') ? a.call.split('.') : [null, a.call];
      const cls = clsName === null ? null : classes.get(clsName);
      const ops = cls === null ? surface.functions : cls?.ops ?? [];
      const op = ops.find((o) => (opName === 'new' ? o.kind === 'new' : o.name === opName));
      if (!op) throw runnerError('args.call', `no operation \`${a.call}\``);
      const { this: owner, ...given } = resolve(a.with ?? {});
      const jsArgs = jsArgsOf(op, given, a.call);
      try {
        if (cls === null) return api[op.js](...jsArgs);
        if (op.kind === 'new') {
          new api[cls.js](...jsArgs);
          return { ok: true };
        }
        if (op.kind === 'static') return api[cls.js][op.js](...jsArgs);
        return (owner ?? make(cls.name))[op.js](...jsArgs);
      } catch (e) {
        throw snakePath(e);
      }
    };
    return (step) => {
      const a = args(step);
      const out = dispatch(a);
      if (typeof a.keep === 'string') kept.set(a.keep, out);
      return out;
    };
  },

  classify(api, vector) {
    noConfig(vector, 'classify');
    return (step) => {
      if (step.op !== 'classify') throw unknownOp(step.op);
      const a = args(step);
      return api.classify(a.outcome, a.headers, {
        profile: a.profile,
        errorType: a.error_type,
        errorCode: a.error_code,
        wallUnixMs: a.wall_unix_ms,
      });
    };
  },

  headers(api, vector) {
    noConfig(vector, 'headers');
    return (step) => {
      const a = args(step);
      switch (step.op) {
        case 'retry_after':
          return api.retryAfter(a.headers, a.wall_unix_ms);
        case 'rate_limits':
          return api.rateLimits(a.headers, a.wall_unix_ms);
        case 'parse_go_duration':
          return { ms: orNull(api.parseGoDuration(a.value)) };
        case 'parse_http_date':
          return { unix_ms: orNull(api.parseHttpDate(a.value)) };
        case 'parse_rfc3339':
          return { unix_ms: orNull(api.parseRfc3339(a.value)) };
        default:
          throw unknownOp(step.op);
      }
    };
  },

  backoff(api, vector) {
    const backoff = new api.Backoff(configOf(vector), seedOf(vector));
    return (step) => {
      if (step.op !== 'next_delay') throw unknownOp(step.op);
      const a = args(step);
      return { delay_ms: backoff.nextDelay(a.retries_taken ?? 0) };
    };
  },

  deadline(api, vector) {
    const deadline = new api.Deadline(configOf(vector), 0);
    return (step) => {
      const now = step.at_ms ?? 0;
      switch (step.op) {
        case 'attempt_timeouts':
          return deadline.attemptTimeouts(now);
        case 'fits':
          return { fits: deadline.fits(args(step).delay_ms ?? 0, now) };
        case 'propagation':
          return { propagation: deadline.propagation(now) };
        case 'remaining':
          return { remaining_ms: orNull(deadline.remainingMs(now)), expired: deadline.expired(now) };
        default:
          throw unknownOp(step.op);
      }
    };
  },

  retry_budget(api, vector) {
    const budget = new api.RetryBudget(configOf(vector));
    return (step) => {
      switch (step.op) {
        case 'request_started':
          budget.requestStarted();
          return null;
        case 'request_finished':
          budget.requestFinished();
          return null;
        case 'retry_finished':
          budget.retryFinished();
          return null;
        case 'record':
          budget.record(args(step).class ?? '');
          return null;
        case 'try_acquire_retry':
          return budget.tryAcquireRetry();
        case 'snapshot':
          return budget.snapshot();
        default:
          throw unknownOp(step.op);
      }
    };
  },

  retry(api, vector) {
    const state = new api.RetryState(configOf(vector), seedOf(vector));
    const guards = {};
    const guard = (name) => {
      if (guards[name] === undefined) throw runnerError('op', `no ${name} yet`);
      return guards[name];
    };
    return (step) => {
      const a = args(step);
      const now = step.at_ms ?? 0;
      switch (step.op) {
        case 'decide':
          return state.decide(a.classification, { ...guards, outerOwnsRetries: a.outer_owns_retries ?? false }, now);
        case 'retries_taken':
          return { retries_taken: state.retriesTaken() };
        case 'deadline':
          guards.deadline = new api.Deadline(a.config, now);
          return null;
        case 'retry_budget':
          guards.retryBudget = new api.RetryBudget(a.config);
          return null;
        case 'error_budget':
          guards.errorBudget = new api.ErrorBudget(a.config);
          return null;
        case 'retry_budget_record':
          guard('retryBudget').record(needClass(a));
          return null;
        case 'error_budget_record_counts':
          guard('errorBudget').recordCounts(a.good, a.bad, now);
          return null;
        default:
          throw unknownOp(step.op);
      }
    };
  },

  breaker(api, vector) {
    const breaker = new api.CircuitBreaker(configOf(vector));
    const permits = new Permits();
    const transition = (t) => ({ transition: orNull(t), state: breaker.state() });
    return (step) => {
      const a = args(step);
      if (a.key !== undefined && a.key !== null) {
        throw runnerError('args.key', 'a single breaker has no keys');
      }
      const now = step.at_ms ?? 0;
      switch (step.op) {
        case 'try_acquire': {
          const acquired = breaker.tryAcquire(now);
          permits.push(acquired.permit);
          return acquired;
        }
        case 'record': {
          const permit = permits.take(a.permit);
          return breaker.record(permit, needClass(a), a.latency_ms ?? 0, a.server_delay_ms ?? undefined, now);
        }
        case 'release': {
          const released = breaker.release(permits.take(a.permit));
          return { released, state: breaker.state() };
        }
        case 'transition_to_forced_open':
          return transition(breaker.transitionToForcedOpen(now));
        case 'transition_to_disabled':
          return transition(breaker.transitionToDisabled(now));
        case 'transition_to_metrics_only':
          return transition(breaker.transitionToMetricsOnly(now));
        case 'reset':
          return transition(breaker.reset(now));
        case 'state':
          return { state: breaker.state() };
        case 'metrics':
          return breaker.metrics(now);
        default:
          throw unknownOp(step.op);
      }
    };
  },

  breaker_registry(api, vector) {
    const config = isPlainObject(vector.config) ? { ...vector.config } : {};
    let maxKeys;
    if ('max_keys' in config) {
      maxKeys = config.max_keys;
      delete config.max_keys;
    }
    const registry = new api.BreakerRegistry(config, maxKeys);
    const permits = new Permits();
    return (step) => {
      const a = args(step);
      const now = step.at_ms ?? 0;
      const key = () => {
        if (typeof a.key !== 'string') throw runnerError('args.key', 'the op needs a key');
        return a.key;
      };
      switch (step.op) {
        case 'try_acquire': {
          const acquired = registry.tryAcquire(key(), now);
          permits.push(acquired.permit);
          return acquired;
        }
        case 'record': {
          const permit = permits.take(a.permit);
          return registry.record(key(), permit, needClass(a), a.latency_ms ?? 0, a.server_delay_ms ?? undefined, now);
        }
        case 'release': {
          const released = registry.release(key(), permits.take(a.permit));
          return { released, state: registry.state(key()) };
        }
        case 'state':
          return { state: registry.state(key()) };
        case 'stats':
          return registry.stats();
        default:
          throw unknownOp(step.op);
      }
    };
  },

  ratelimit(api, vector) {
    const limiter = new api.RateLimiter(configOf(vector), 0);
    return (step) => {
      const a = args(step);
      const now = step.at_ms ?? 0;
      switch (step.op) {
        case 'reserve':
          return limiter.reserve(a.est_tokens, now);
        case 'reconcile':
          limiter.reconcile(a.estimated, a.actual, now);
          return null;
        case 'sync': {
          const limits = {};
          for (const name of ['requests', 'tokens', 'input_tokens', 'output_tokens']) {
            if (a[name] !== undefined && a[name] !== null) limits[name] = a[name];
          }
          limiter.sync(limits, now);
          return null;
        }
        case 'drain':
          limiter.drain(a.until_ms, now);
          return null;
        case 'snapshot':
          return limiter.snapshot(now);
        default:
          throw unknownOp(step.op);
      }
    };
  },

  idempotency(api, vector) {
    const keys = new api.IdempotencyKeys(configOf(vector), seedOf(vector));
    return (step) => {
      switch (step.op) {
        case 'new_key':
          return keys.newKey();
        case 'header_name':
          return keys.headerName();
        case 'derive':
          return keys.derive(args(step).content);
        default:
          throw unknownOp(step.op);
      }
    };
  },

  error_budget(api, vector) {
    const budget = new api.ErrorBudget(configOf(vector));
    return (step) => {
      const a = args(step);
      const now = step.at_ms ?? 0;
      switch (step.op) {
        case 'record':
          budget.record(a.good, now);
          return null;
        case 'record_counts':
          budget.recordCounts(a.good, a.bad, now);
          return null;
        case 'burn_rate':
          return orNull(budget.burnRate(a.window_ms, now));
        case 'budget_remaining':
          return budget.budgetRemaining(now);
        case 'alerts':
          return budget.alerts(now);
        case 'retries_allowed':
          return budget.retriesAllowed(now);
        default:
          throw unknownOp(step.op);
      }
    };
  },

  client(api, vector) {
    const client = new api.Client(configOf(vector), seedOf(vector), 0);
    const requests = new Map();
    const request = (a) => {
      const name = typeof a.request === 'string' ? a.request : 'r';
      const req = requests.get(name);
      if (!req) throw runnerError('request', `no request \`${name}\``);
      return req;
    };
    return (step) => {
      const a = args(step);
      const now = step.at_ms ?? 0;
      switch (step.op) {
        case 'begin': {
          const req = client.begin(
            {
              key: a.key ?? undefined,
              estTokens: a.est_tokens ?? undefined,
              outerOwnsRetries: a.outer_owns_retries ?? undefined,
              content: a.content ?? undefined,
              deadlineMs: a.deadline_ms ?? undefined,
            },
            now,
          );
          requests.set(typeof a.request === 'string' ? a.request : 'r', req);
          return { idempotency_key: orNull(req.idempotencyKey()) };
        }
        case 'before_attempt':
          return client.beforeAttempt(request(a), now);
        case 'on_outcome':
          return client.onOutcome(
            request(a),
            {
              outcome: a.outcome ?? '',
              headers: a.headers ?? undefined,
              errorType: a.error_type ?? undefined,
              errorCode: a.error_code ?? undefined,
              latencyMs: a.latency_ms ?? undefined,
              wallUnixMs: a.wall_unix_ms ?? undefined,
              actualTokens: a.actual_tokens ?? undefined,
            },
            now,
          );
        case 'cancel': {
          const req = request(a);
          client.cancel(req, now);
          return { finished: req.finished() };
        }
        case 'poll_event':
          return { event: orNull(client.pollEvent()) };
        case 'dropped_events':
          return { dropped: client.droppedEvents() };
        case 'breaker_state':
          return { state: client.breakerState(typeof a.key === 'string' ? a.key : 'default') };
        default:
          throw unknownOp(step.op);
      }
    };
  },

  policy(api) {
    return (step) => {
      const a = args(step);
      const arg = (name) => (typeof a[name] === 'string' ? a[name] : '');
      let policy;
      switch (step.op) {
        case 'from_json':
          policy = api.Policy.fromJson(arg('text'));
          break;
        case 'from_toml':
          policy = api.Policy.fromToml(arg('text'));
          break;
        case 'preset':
          policy = api.Policy.preset(arg('name'));
          break;
        default:
          throw unknownOp(step.op);
      }
      return { ok: true, policy: policy.toObject() };
    };
  },
};

/** The components this runner can play (the README's table). */
export const COMPONENTS = Object.freeze(Object.keys(RUNNERS));

function show(x) {
  if (x === undefined) return 'undefined';
  try {
    return JSON.stringify(x);
  } catch {
    return String(x);
  }
}

function isNumber(x) {
  return typeof x === 'number' || typeof x === 'bigint';
}

/**
 * The subset matcher of core/tests/vectors/main.rs: `null` when every key of
 * `expected` is in `actual` with an equal value (recursively; arrays match
 * element by element; numbers by value; an expected null also matches an
 * absent key), else a sentence naming where they differ.
 */
export function contains(actual, expected, at = '') {
  if (isPlainObject(expected) && isPlainObject(actual)) {
    for (const [k, ev] of Object.entries(expected)) {
      const here = `${at}.${k}`;
      const present = Object.prototype.hasOwnProperty.call(actual, k) && actual[k] !== undefined;
      if (!present) {
        if (ev === null) continue;
        return `${here}: missing, expected ${show(ev)}`;
      }
      const err = contains(actual[k], ev, here);
      if (err) return err;
    }
    return null;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (actual.length !== expected.length) {
      return `${at}: ${actual.length} items, expected ${expected.length} (${show(actual)} vs ${show(expected)})`;
    }
    for (let i = 0; i < expected.length; i++) {
      const err = contains(actual[i], expected[i], `${at}[${i}]`);
      if (err) return err;
    }
    return null;
  }
  if (isNumber(actual) && isNumber(expected)) {
    return Number(actual) === Number(expected) ? null : `${at}: got ${show(actual)}, expected ${show(expected)}`;
  }
  const a = actual === undefined ? null : actual;
  if (a === expected) return null;
  return `${at}: got ${show(actual)}, expected ${show(expected)}`;
}

/** A thrown binding error as the vectors' `{error: {code, path, line?, column?}}`. */
export function errorJson(e) {
  const code = e && typeof e === 'object' && 'code' in e ? e.code : undefined;
  if (typeof code !== 'string') {
    // Not a binding error (a TypeError from a missing method, a panic...): report it as is.
    return { error: { code: 'unexpected', path: '', message: String(e && e.stack ? e.stack : e) } };
  }
  const error = { code, path: typeof e.path === 'string' ? e.path : '' };
  for (const where of ['line', 'column']) {
    if (typeof e[where] === 'number') error[where] = e[where];
  }
  return { error };
}

/** Whether `expect` says the op must fail (`{error: {...}}`). */
function expectsError(expect) {
  return isPlainObject(expect) && Object.prototype.hasOwnProperty.call(expect, 'error');
}

/**
 * Where one step's result misses `expect` (null when it does not): a thrown error passes
 * only where `expect` names one, an expected error is not met by a result, and a step
 * without `expect` must not throw.
 */
function check(result, expect, at) {
  if ('thrown' in result) {
    const got = errorJson(result.thrown);
    if (!expectsError(expect)) return `${at}: unexpected error ${show(got)}`;
    const err = contains(got, expect, at);
    return err ? `${err} (got ${show(got)})` : null;
  }
  if (expectsError(expect)) return `${at}: expected ${show(expect)}, the op returned ${show(result.output)}`;
  return expect === undefined ? null : contains(result.output, expect, at);
}

/**
 * Plays `vector` (a parsed vector file) through `api`: `{ failures, steps }`, the failing
 * steps (empty when it passes) and how many steps were played. Never throws for a failing
 * vector.
 */
export function playVector(api, vector) {
  if (!isPlainObject(vector) || !Array.isArray(vector.steps) || vector.steps.length === 0) {
    return { failures: ['not a vector: it needs a component and at least one step'], steps: 0 };
  }
  const factory = Object.prototype.hasOwnProperty.call(RUNNERS, vector.component)
    ? RUNNERS[vector.component]
    : null;
  if (!factory) return { failures: [`no runner for component \`${vector.component}\``], steps: 0 };
  let run;
  try {
    run = factory(api, vector);
  } catch (e) {
    // A vector may expect its config to be refused: its only step says so.
    const first = vector.steps[0];
    if (first.op === 'construct' && vector.steps.length === 1) {
      const err = check({ thrown: e }, first.expect, 'construct');
      return { failures: err ? [err] : [], steps: 1 };
    }
    return { failures: [`construct failed: ${show(errorJson(e))}`], steps: 0 };
  }
  const failures = [];
  vector.steps.forEach((step, i) => {
    let result;
    try {
      result = { output: step.op === 'construct' ? { ok: true } : orNull(run(step)) };
    } catch (e) {
      result = { thrown: e };
    }
    const err = check(result, step.expect, `steps[${i}] (${step.op} at ${step.at_ms ?? 0} ms)`);
    if (err) failures.push(err);
  });
  return { failures, steps: vector.steps.length };
}
