// The package entry's conversions: installs the fast paths (src/fast.rs) on the classes
// wasm-bindgen generated, and returns the public API of docs/bindings.md (nothing else).
//
// Pure conversion, no policy: the hot methods check their arguments' JS types, hand numbers
// and strings to a hidden `__bw*` export, and build the result objects from the numbers it
// returns (codes index the core's catalogues, read once from `__bwTables`). Whatever the fast
// path does not take (BigInts, wrong types, out-of-range numbers, unknown codes, malformed
// headers) goes to the generated method, which throws the binding's usual `Error` with
// `.code` and `.path`; so results and errors are exactly those of the generic exports.
//
// build.sh ships this file as pkg/wrap.js (ES module) and pkg-node/wrap.cjs (CommonJS).

/** The public names, in the order of docs/bindings.md. */
const PUBLIC = [
  'classify', 'retryAfter', 'rateLimits', 'parseGoDuration', 'parseHttpDate', 'parseRfc3339', 'errorCodes',
  'Policy', 'Backoff', 'Deadline', 'RetryBudget', 'RetryState', 'CircuitBreaker', 'BreakerRegistry', 'RateLimiter',
  'IdempotencyKeys', 'ErrorBudget', 'Client', 'Request',
];

export function install(glue) {
  // The core's catalogues and the scratch view, read on first use (with `--target web` the
  // module is instantiated only by `init()`).
  let t = null;
  let classCode = null;
  let scratch = null;
  let memory = null;
  let base = 0;

  function load() {
    t = JSON.parse(glue.__bwTables());
    classCode = new Map(t.class.map((name, i) => [name, i]));
    memory = glue.__bwMemory();
    base = glue.__bwScratch();
    scratch = new Float64Array(memory.buffer, base, 16);
    return t;
  }

  /** The scratch slots; a new view after the memory grew (which detaches the old buffer). */
  function slots() {
    if (scratch.length === 0) scratch = new Float64Array(memory.buffer, base, 16);
    return scratch;
  }

  /** The class code of `name`, or `undefined`. */
  function code(name) {
    if (t === null) load();
    return typeof name === 'string' ? classCode.get(name) : undefined;
  }

  /** `nowMs`, or the documented default clock when omitted. */
  const now = (nowMs) => (nowMs === undefined || nowMs === null ? Math.floor(performance.now()) : nowMs);
  /** A whole number of ms the fast path takes (safe integer >= 0). */
  const ms = (x) => Number.isSafeInteger(x) && x >= 0;
  /** An optional one: `-1` = absent, `-2` = not for the fast path. */
  const optMs = (x) => (x === undefined || x === null ? -1 : ms(x) ? x : -2);

  function transition(f) {
    return {
      from: t.state[f[6]],
      to: t.state[f[7]],
      reason: t.transition_reason[f[8]],
      at_ms: f[9],
      open_until_ms: f[10] < 0 ? null : f[10],
    };
  }

  function acquired() {
    const f = slots();
    return {
      permitted: f[0] === 1,
      permit: f[1] < 0 ? null : f[1],
      state: t.state[f[2]],
      reason: t.acquire_reason[f[3]],
      retry_after_ms: f[4] < 0 ? null : f[4],
      transition: f[5] === 1 ? transition(f) : null,
    };
  }

  function recorded(counted) {
    const f = slots();
    return {
      counted: t.counted[counted],
      state: t.state[f[2]],
      transition: f[5] === 1 ? transition(f) : null,
    };
  }

  const NOPE = 0xffff_ffff;

  // ---- CircuitBreaker ------------------------------------------------------------------------
  // In the states that permit every call, `tryAcquirePermit` answers with the breaker's
  // standing permit (`CircuitBreaker::standing_permit`, written back by every fast call) without
  // crossing; the entry remembers the largest `nowMs` it answered at, and whether it answered
  // on the default clock, and hands that over on its next call: the same protocol as the Node
  // entry, property-tested in the core. Records on the default clock pass `-1` and the core
  // reads the clock only when the outcome depends on it; a skipped reading is owed.
  const cb = glue.CircuitBreaker.prototype;
  const cbSlow = {
    tryAcquirePermit: cb.tryAcquirePermit,
    recordPermit: cb.recordPermit,
    tryAcquire: cb.tryAcquire,
    record: cb.record,
    transitionToForcedOpen: cb.transitionToForcedOpen,
    transitionToDisabled: cb.transitionToDisabled,
    transitionToMetricsOnly: cb.transitionToMetricsOnly,
    reset: cb.reset,
    metrics: cb.metrics,
    free: cb.free,
  };
  const STANDING = Symbol('breakwater.standing');
  const PENDING_NOW = Symbol('breakwater.pendingNow');
  const PENDING_CLOCK = Symbol('breakwater.pendingClock');

  /** The largest `nowMs` answered from the standing permit and not handed over (`-1`: none). */
  const pendingNow = (b) => (b == null ? -1 : (b[PENDING_NOW] ?? -1));
  /** Whether a clock reading is owed and a call at `nowMs` must take it (it reads none itself). */
  const owes = (b, nowMs) => nowMs != null && b != null && b[PENDING_CLOCK] === true;

  /** After a fast call: the time is handed over; the standing permit; whether a reading is owed. */
  function handedOver(b) {
    const f = slots();
    b[STANDING] = f[11];
    b[PENDING_NOW] = -1;
    b[PENDING_CLOCK] = f[12] === 1;
  }

  /** Before a generated method: hands the owed time over and, for a call that may change the
   * state (`change`), forgets the standing permit (the next fast call learns it again). */
  function settle(b, change) {
    if (!(b instanceof glue.CircuitBreaker)) return;
    if (pendingNow(b) >= 0 || b[PENDING_CLOCK] === true) {
      if (t === null) load();
      glue.__bwCbSettle(b, pendingNow(b), true === b[PENDING_CLOCK]);
      handedOver(b);
    }
    if (change) b[STANDING] = -1;
  }

  cb.tryAcquirePermit = function tryAcquirePermit(nowMs) {
    const standing = this == null ? undefined : this[STANDING];
    if (standing >= 0) {
      if (nowMs == null) {
        this[PENDING_CLOCK] = true;
        return standing;
      }
      if (ms(nowMs)) {
        if (nowMs > pendingNow(this)) this[PENDING_NOW] = nowMs;
        return standing;
      }
    }
    const at = now(nowMs);
    if (ms(at)) {
      if (t === null) load();
      const p = glue.__bwCbTryAcquirePermit(this, at, pendingNow(this), owes(this, nowMs));
      if (p !== -2) {
        handedOver(this);
        return p === -1 ? null : p;
      }
    }
    settle(this, true);
    return cbSlow.tryAcquirePermit.call(this, nowMs);
  };

  cb.recordPermit = function recordPermit(permit, className, latencyMs, nowMs) {
    const c = code(className);
    const at = nowMs == null ? -1 : nowMs;
    if (c !== undefined && ms(permit) && ms(latencyMs) && (at === -1 || ms(at))) {
      const counted = glue.__bwCbRecordPermit(this, permit, c, latencyMs, at, pendingNow(this), owes(this, nowMs));
      if (counted !== NOPE) {
        handedOver(this);
        return t.counted[counted];
      }
    }
    settle(this, true);
    return cbSlow.recordPermit.call(this, permit, className, latencyMs, nowMs);
  };

  cb.tryAcquire = function tryAcquire(nowMs) {
    if (t === null) load();
    const at = now(nowMs);
    if (ms(at) && glue.__bwCbTryAcquire(this, at, pendingNow(this), owes(this, nowMs))) {
      handedOver(this);
      return acquired();
    }
    settle(this, true);
    return cbSlow.tryAcquire.call(this, nowMs);
  };

  cb.record = function record(permit, className, latencyMs, serverDelayMs, nowMs) {
    const c = code(className);
    const at = nowMs == null ? -1 : nowMs;
    const delay = optMs(serverDelayMs);
    if (c !== undefined && ms(permit) && ms(latencyMs) && delay !== -2 && (at === -1 || ms(at))) {
      const counted = glue.__bwCbRecord(this, permit, c, latencyMs, delay, at, pendingNow(this), owes(this, nowMs));
      if (counted !== NOPE) {
        handedOver(this);
        return recorded(counted);
      }
    }
    settle(this, true);
    return cbSlow.record.call(this, permit, className, latencyMs, serverDelayMs, nowMs);
  };

  for (const name of ['transitionToForcedOpen', 'transitionToDisabled', 'transitionToMetricsOnly', 'reset']) {
    cb[name] = function (nowMs) {
      settle(this, true);
      return cbSlow[name].call(this, nowMs);
    };
  }
  cb.metrics = function metrics(nowMs) {
    settle(this, false);
    return cbSlow.metrics.call(this, nowMs);
  };
  // A freed breaker has no standing permit: its calls throw as the generated ones do.
  cb.free = function free() {
    if (this instanceof glue.CircuitBreaker) this[STANDING] = -1;
    return cbSlow.free.call(this);
  };
  if (Symbol.dispose) cb[Symbol.dispose] = cb.free;

  // ---- BreakerRegistry -----------------------------------------------------------------------
  const reg = glue.BreakerRegistry.prototype;
  const regSlow = { tryAcquire: reg.tryAcquire, record: reg.record };

  reg.tryAcquire = function tryAcquire(key, nowMs) {
    if (t === null) load();
    const at = now(nowMs);
    if (typeof key === 'string' && ms(at) && glue.__bwRegTryAcquire(this, key, at)) return acquired();
    return regSlow.tryAcquire.call(this, key, nowMs);
  };

  reg.record = function record(key, permit, className, latencyMs, serverDelayMs, nowMs) {
    const c = code(className);
    const at = now(nowMs);
    const delay = optMs(serverDelayMs);
    if (typeof key === 'string' && c !== undefined && ms(permit) && ms(latencyMs) && delay !== -2 && ms(at)) {
      const counted = glue.__bwRegRecord(this, key, permit, c, latencyMs, delay, at);
      if (counted !== NOPE) return recorded(counted);
    }
    return regSlow.record.call(this, key, permit, className, latencyMs, serverDelayMs, nowMs);
  };

  // ---- RetryState ----------------------------------------------------------------------------
  // wasm-bindgen takes no optional references to exported objects, so `decide` passes each
  // guard object found in `guards` by reference, with a bit in `present`, and for each one
  // absent a stand-in the module never reads. The module validates `guards` itself.
  const decideWith = glue.RetryState.prototype.__bwDecide;
  delete glue.RetryState.prototype.__bwDecide;
  let standIn = null;

  glue.RetryState.prototype.decide = function decide(classification, guards, nowMs) {
    if (standIn === null) {
      standIn = {
        deadline: new glue.Deadline(null, 0),
        retryBudget: new glue.RetryBudget(null),
        errorBudget: new glue.ErrorBudget({ period_ms: 60000, resolution_ms: 60000, alerts: [] }),
      };
    }
    // One read of `guards` (getters run once, before the module is entered); anything that is
    // not a plain options object goes to the module as is, which refuses it.
    const g = guards !== null && typeof guards === 'object' && !Array.isArray(guards) ? { ...guards } : guards;
    const { deadline, retryBudget, errorBudget } = g ?? {};
    const present =
      (deadline instanceof glue.Deadline ? 1 : 0) |
      (retryBudget instanceof glue.RetryBudget ? 2 : 0) |
      (errorBudget instanceof glue.ErrorBudget ? 4 : 0);
    return decideWith.call(
      this,
      classification,
      g,
      nowMs,
      present & 1 ? deadline : standIn.deadline,
      present & 2 ? retryBudget : standIn.retryBudget,
      present & 4 ? errorBudget : standIn.errorBudget,
      present,
    );
  };

  // ---- classify ------------------------------------------------------------------------------
  const classifySlow = glue.classify;

  /** Headers as the generic path reads them: pairs, else an iterable's items, else the entries. */
  function pairs(h) {
    if (Array.isArray(h)) return h;
    return typeof h[Symbol.iterator] === 'function' ? Array.from(h) : Object.entries(h);
  }

  const optString = (x) => x === undefined || x === null || typeof x === 'string';
  const CLASSIFY_OPTIONS = new Set(['profile', 'errorType', 'errorCode', 'wallUnixMs']);

  /** The fast `classify`, or `undefined` when it does not take these arguments. */
  function classifyFast(outcome, headers, options) {
    if (typeof outcome !== 'string') return undefined;
    let list = null;
    if (headers !== undefined && headers !== null) {
      if (typeof headers !== 'object') return undefined;
      list = pairs(headers);
    }
    let profile;
    let errorType;
    let errorCode;
    let wall = -1;
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object' || Array.isArray(options)) return undefined;
      // An unknown key is refused by the native path (`unknown_field`).
      for (const key of Object.keys(options)) if (!CLASSIFY_OPTIONS.has(key)) return undefined;
      ({ profile, errorType, errorCode } = options);
      if (!optString(profile) || !optString(errorType) || !optString(errorCode)) return undefined;
      wall = optMs(options.wallUnixMs);
      if (wall === -2) return undefined;
    }
    const input = JSON.stringify([outcome, list, profile ?? null, errorType ?? null, errorCode ?? null]);
    if (!glue.__bwClassify(input, wall)) return undefined;
    const f = slots();
    const out = { class: t.class[f[0]], reason: t.class_reason[f[1]] };
    if (f[2] === 1) out.retry_after = { delay_ms: Number.isFinite(f[3]) ? f[3] : null, source: t.source[f[4]] };
    if (f[5] !== -1) out.should_retry = f[5] === 1;
    const issues = [];
    for (let bits = f[6], i = 0; bits !== 0; bits >>>= 1, i++) if (bits & 1) issues.push(t.issue[i]);
    out.issues = issues;
    return out;
  }

  function classify(outcome, headers, options) {
    if (t === null) load();
    let out;
    try {
      out = classifyFast(outcome, headers, options);
    } catch {
      out = undefined; // a getter or toJSON threw: the generic path reports it
    }
    return out === undefined ? classifySlow(outcome, headers, options) : out;
  }

  const api = {};
  for (const name of PUBLIC) api[name] = glue[name];
  api.classify = classify;
  return api;
}
