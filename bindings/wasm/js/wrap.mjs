// The package entry: the public API of docs/bindings.md (nothing else). Every class and
// function but the circuit breaker is built from the core's description of the surface by
// the shared bindings/js/surface.mjs; the breaker is the hand-written class wasm-bindgen
// generated, with the fast paths of src/fast.rs installed on it (measured in bench/README.md).
//
// Pure conversion, no policy: the hot methods check their arguments' JS types, hand numbers
// to a hidden `__bw*` export, and build the result objects from the numbers it returns (codes
// index the core's catalogues, read once from `__bwTables`). Whatever the fast path does not
// take (BigInts, wrong types, out-of-range numbers, unknown codes) goes to the generated
// method, which throws the binding's usual `Error` with `.code` and `.path`; so results and
// errors are exactly those of the generic exports.
//
// build.sh ships this file as pkg/wrap.js (ES module) and pkg-node/wrap.cjs (CommonJS), each
// beside its form of surface.mjs.
import { arity, buildSurface, refusal } from './surface.js';
import { AttemptTimeoutError, GaveUpError, StreamCutError, eventAttributes, makeFetch } from './fetch.js';
import { standingPermit, pendingNow, pendingClock, owesTime, afterCrossing, forgetStanding } from './standing.js';

/** The public names: every function and class the description lists (the hand-written
 * breaker included), and `surface` (build.sh exports the same list statically from the web
 * module). */
const publicNames = (description) => [
  ...description.functions.map((f) => f.js),
  ...description.classes.map((c) => c.js),
  'surface',
  ...INTEGRATION,
];

/** The `fetch` integration's names (bindings/js/fetch.mjs). */
const INTEGRATION = ['fetch', 'GaveUpError', 'AttemptTimeoutError', 'StreamCutError', 'eventAttributes'];

export function install(glue, description) {
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
  // standing permit without crossing and hands the time over on its next call: the protocol
  // shared with the Node entry (bindings/js/standing.mjs). Records on the default clock pass
  // `-1` and the core reads the clock only when the outcome depends on it; a skipped reading
  // is owed.
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
    state: cb.state,
    release: cb.release,
    free: cb.free,
  };
  /** Whether a clock reading is owed and a call at `nowMs` must take it (it reads none itself). */
  const owes = (b, nowMs) => nowMs != null && pendingClock(b);

  /** Refuses a `this` that is no live breaker with the code every other class gives
   * (wasm-bindgen's own checks throw errors without one). */
  function alive(b) {
    if (!(b instanceof glue.CircuitBreaker)) throw refusal('invalid_type', 'this', 'expected a CircuitBreaker');
    if (!b.__wbg_ptr) throw refusal('invalid_type', 'this', 'expected a live CircuitBreaker, got a freed one');
  }

  /** After a fast call: the time is handed over; the standing permit; whether a reading is owed. */
  function handedOver(b) {
    const f = slots();
    afterCrossing(b, f[11], f[12] === 1);
  }

  /** Before a generated method: hands the owed time over and, for a call that may change the
   * state (`change`), forgets the standing permit (the next fast call learns it again). */
  function settle(b, change) {
    if (!(b instanceof glue.CircuitBreaker)) return;
    if (owesTime(b)) {
      if (t === null) load();
      glue.__bwCbSettle(b, pendingNow(b), pendingClock(b));
      handedOver(b);
    }
    if (change) forgetStanding(b);
  }

  cb.tryAcquirePermit = function tryAcquirePermit(nowMs) {
    alive(this);
    if (arguments.length > 1) arity('tryAcquirePermit', 1, arguments.length);
    const standing = standingPermit(this, nowMs);
    if (standing >= 0) return standing;
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
    alive(this);
    if (arguments.length > 4) arity('recordPermit', 4, arguments.length);
    const c = code(className);
    const at = nowMs == null ? -1 : nowMs;
    if (c !== undefined && ms(permit) && ms(latencyMs) && (nowMs == null || ms(nowMs))) {
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
    alive(this);
    if (arguments.length > 1) arity('tryAcquire', 1, arguments.length);
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
    alive(this);
    if (arguments.length > 5) arity('record', 5, arguments.length);
    const c = code(className);
    const at = nowMs == null ? -1 : nowMs;
    const delay = optMs(serverDelayMs);
    if (c !== undefined && ms(permit) && ms(latencyMs) && delay !== -2 && (nowMs == null || ms(nowMs))) {
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
      alive(this);
      arity(name, 1, arguments.length);
      settle(this, true);
      return cbSlow[name].call(this, nowMs);
    };
  }
  cb.metrics = function metrics(nowMs) {
    alive(this);
    arity('metrics', 1, arguments.length);
    settle(this, false);
    return cbSlow.metrics.call(this, nowMs);
  };
  cb.release = function release(permit) {
    alive(this);
    arity('release', 1, arguments.length);
    return cbSlow.release.call(this, permit);
  };
  cb.state = function state() {
    alive(this);
    arity('state', 0, arguments.length);
    return cbSlow.state.call(this);
  };
  // A freed breaker has no standing permit: its calls throw as the generated ones do.
  cb.free = function free() {
    if (this instanceof glue.CircuitBreaker) {
      if (!this.__wbg_ptr) return; // a second free does nothing, as for every class
      forgetStanding(this);
    }
    return cbSlow.free.call(this);
  };
  if (Symbol.dispose) cb[Symbol.dispose] = cb.free;

  /** The public class: the generated one, whose constructor refuses extra arguments as
   * every other class's does. */
  class CircuitBreaker extends glue.CircuitBreaker {
    constructor(config) {
      arity('constructor', 1, arguments.length);
      super(config);
    }
  }

  const built = buildSurface(glue, description);
  const api = { ...built.api, CircuitBreaker };
  Object.assign(api, { GaveUpError, AttemptTimeoutError, StreamCutError, eventAttributes, fetch: makeFetch(api) });
  const out = {};
  for (const name of publicNames(built.description)) out[name] = api[name];
  return out;
}
