// breakwater for Node: the package's entry point (docs/bindings.md, camelCase).
//
// The classes and functions are built by the shared entry code from the addon's exports
// (native.js, the loader `napi build` generates), except `CircuitBreaker`, whose per-call methods are hot enough that crossing N-API dominated their
// cost. Its wrapper below holds the native object (which owns the core breaker and frees it
// when collected) and the breaker's integer handle, and makes the hot calls through the
// addon's `__breakwaterFast` callbacks: the handle and the numeric arguments go into one
// Float64Array shared with the addon, the callback takes no arguments, and the answer comes
// back in the same buffer as numbers, mapped to the stable code strings by tables the addon
// hands out once. The wrapper only converts types: every decision, and every validation of a
// number (NaN, negative, fractional, past 2^53, with the parameter name as `path`), is the
// addon's. Arguments of any other type (strings, BigInts, objects) go to the native methods,
// which convert and refuse them exactly as before.
//
// `tryAcquirePermit` mostly does not cross at all: in the states that permit every call it
// answers with the core's standing permit, which the addon writes back after every call, and
// hands the time over on the next crossing (the protocol shared with the WASM module,
// bindings/js/standing.mjs, copied here as standing.cjs by `npm run build`; tested against the
// native methods in test/api.test.mjs). On the default clock, `recordPermit` reads the clock
// only when the outcome depends on the time (`CircuitBreaker::record_lazy`): a decision in
// the closed state reads no clock at all.
'use strict';

const native = require('./native.js');
const { arity, buildSurface } = require('./surface.cjs');
const {
  initStanding,
  standingPermit,
  pendingNow,
  pendingClock,
  owesTime,
  afterCrossing,
  forgetStanding,
} = require('./standing.cjs');

const fast = native.__breakwaterFast;
const io = new Float64Array(fast.io());
const codes = JSON.parse(fast.codes());
const STATE = Object.freeze(codes.state);
const ACQUIRE_REASON = Object.freeze(codes.acquireReason);
const COUNTED = Object.freeze(codes.counted);
// A plain object keeps V8's fast properties (a null-prototype one is a dictionary, about
// 7 ns a lookup); inherited names are functions, so callers check for a number.
const CLASS = Object.freeze(Object.fromEntries(codes.class.map((name, i) => [name, i])));

const NATIVE = Symbol('breakwater.native');
const HANDLE = Symbol('breakwater.handle');

// Slots of the shared buffer after the per-call ones (fast.rs).
const IO_PENDING_NOW = 8;
const IO_PENDING_CLOCK = 9;
const IO_STANDING = 10;

/** The handle of `self` (NaN for anything that is not a CircuitBreaker: the addon refuses it). */
function handleOf(self) {
  return self == null ? NaN : self[HANDLE];
}

/** The native object behind `self`, for the argument forms only the native methods convert. */
function nativeOf(self) {
  const n = self == null ? undefined : self[NATIVE];
  if (n === undefined) {
    const freed = self != null && self[HANDLE] === FREED;
    const e = new TypeError(freed ? 'expected a live CircuitBreaker, got a freed one' : 'expected a CircuitBreaker');
    e.code = 'invalid_type';
    e.path = 'this';
    throw e;
  }
  return n;
}

function transitionOf(text) {
  return text === undefined ? null : JSON.parse(text);
}

/** Writes the time owed to the breaker into the buffer, before a fast call. */
function handOver(self) {
  io[IO_PENDING_NOW] = pendingNow(self);
  io[IO_PENDING_CLOCK] = pendingClock(self) ? 1 : 0;
}

/** After a fast call returned: the time is handed over (a record on the default clock that
 * needed no time owes a reading again); the new standing permit. */
function handedOver(self) {
  afterCrossing(self, io[IO_STANDING], io[IO_PENDING_CLOCK] === 1);
}

/** Writes an acquire's `[handle, hasNow, nowMs]` and the owed time; false when `nowMs` is
 * neither a number nor absent (the native method converts or refuses it). */
function acquireInput(self, nowMs) {
  if (typeof nowMs === 'number') {
    io[1] = 1;
    io[2] = nowMs;
  } else if (nowMs == null) {
    io[1] = 0;
  } else {
    return false;
  }
  io[0] = handleOf(self);
  handOver(self);
  return true;
}

/** Before a call through the native methods: hands the time over; the native object. */
function settle(self) {
  const n = nativeOf(self);
  if (owesTime(self)) {
    io[0] = handleOf(self);
    handOver(self);
    fast.settle();
    handedOver(self);
  }
  return n;
}

/** `settle`, and forgets the standing permit: the call may change the state (the next fast
 * call learns it again). */
function settleToChange(self) {
  const n = settle(self);
  forgetStanding(self);
  return n;
}

/** A freed breaker's handle: no slot (the fast calls refuse it, and `nativeOf` says why). */
const FREED = -1;

/** A circuit breaker for one upstream. */
class CircuitBreaker {
  constructor(config) {
    arity('constructor', 1, arguments.length);
    const n = new native.CircuitBreaker(config);
    this[NATIVE] = n;
    this[HANDLE] = fast.handle(n);
    initStanding(this);
  }

  /** Releases the breaker now; a call after it is `invalid_type` at `this` (a second `free`
   * does nothing, as for every class). */
  free() {
    if (this instanceof CircuitBreaker && this[HANDLE] === FREED) return;
    const n = nativeOf(this);
    forgetStanding(this);
    this[NATIVE] = undefined;
    this[HANDLE] = FREED;
    n.free();
  }

  tryAcquire(nowMs) {
    if (arguments.length > 1) arity('tryAcquire', 1, arguments.length);
    if (!acquireInput(this, nowMs)) return settleToChange(this).tryAcquire(nowMs);
    const t = fast.acquireRich();
    handedOver(this);
    return {
      permitted: io[0] === 1,
      permit: io[1] < 0 ? null : io[1],
      state: STATE[io[2] | 0],
      reason: ACQUIRE_REASON[io[3] | 0],
      retry_after_ms: io[4] < 0 ? null : io[4],
      transition: transitionOf(t),
    };
  }

  record(permit, className, latencyMs, serverDelayMs, nowMs) {
    if (arguments.length > 5) arity('record', 5, arguments.length);
    const c = typeof className === 'string' ? CLASS[className] : undefined;
    if (
      typeof c !== 'number' ||
      typeof permit !== 'number' ||
      typeof latencyMs !== 'number' ||
      !(serverDelayMs == null || typeof serverDelayMs === 'number') ||
      !(nowMs == null || typeof nowMs === 'number')
    ) {
      return settleToChange(this).record(permit, className, latencyMs, serverDelayMs, nowMs);
    }
    io[0] = handleOf(this);
    io[1] = permit;
    io[2] = c;
    io[3] = latencyMs;
    if (serverDelayMs == null) {
      io[4] = 0;
    } else {
      io[4] = 1;
      io[5] = serverDelayMs;
    }
    if (nowMs == null) {
      io[6] = 0;
    } else {
      io[6] = 1;
      io[7] = nowMs;
    }
    handOver(this);
    const t = fast.record();
    handedOver(this);
    return { counted: COUNTED[io[0] | 0], state: STATE[io[1] | 0], transition: transitionOf(t) };
  }

  release(permit) {
    arity('release', 1, arguments.length);
    return nativeOf(this).release(permit);
  }

  transitionToForcedOpen(nowMs) {
    arity('transitionToForcedOpen', 1, arguments.length);
    return settleToChange(this).transitionToForcedOpen(nowMs);
  }

  transitionToDisabled(nowMs) {
    arity('transitionToDisabled', 1, arguments.length);
    return settleToChange(this).transitionToDisabled(nowMs);
  }

  transitionToMetricsOnly(nowMs) {
    arity('transitionToMetricsOnly', 1, arguments.length);
    return settleToChange(this).transitionToMetricsOnly(nowMs);
  }

  reset(nowMs) {
    arity('reset', 1, arguments.length);
    return settleToChange(this).reset(nowMs);
  }

  state() {
    if (arguments.length > 0) arity('state', 0, arguments.length);
    io[0] = handleOf(this);
    fast.state();
    return STATE[io[0] | 0];
  }

  metrics(nowMs) {
    arity('metrics', 1, arguments.length);
    return settle(this).metrics(nowMs);
  }

  tryAcquirePermit(nowMs) {
    if (arguments.length > 1) arity('tryAcquirePermit', 1, arguments.length);
    const standing = standingPermit(this, nowMs);
    if (standing >= 0) return standing;
    if (!acquireInput(this, nowMs)) return settleToChange(this).tryAcquirePermit(nowMs);
    fast.acquire();
    handedOver(this);
    const p = io[0];
    return p < 0 ? null : p;
  }

  recordPermit(permit, className, latencyMs, nowMs) {
    if (arguments.length > 4) arity('recordPermit', 4, arguments.length);
    const c = typeof className === 'string' ? CLASS[className] : undefined;
    if (typeof c !== 'number' || typeof permit !== 'number' || typeof latencyMs !== 'number') {
      return settleToChange(this).recordPermit(permit, className, latencyMs, nowMs);
    }
    io[0] = handleOf(this);
    io[1] = permit;
    io[2] = c;
    io[3] = latencyMs;
    io[4] = 0;
    if (typeof nowMs === 'number') {
      io[6] = 1;
      io[7] = nowMs;
    } else if (nowMs == null) {
      io[6] = 0;
    } else {
      return settleToChange(this).recordPermit(permit, className, latencyMs, nowMs);
    }
    handOver(this);
    fast.record();
    handedOver(this);
    return COUNTED[io[0] | 0];
  }
}

// Every other class and function is built from the core's description of the surface by the
// shared entry code (bindings/js/surface.mjs, copied here as surface.cjs by `npm run build`).
const { api, handleOf: handleOfObject, objectOf } = buildSurface(native);

// The Client's per-request calls (begin, beforeAttempt, onOutcome) take the addon's fast path
// (src/client_fast.rs) when their arguments are in the plain forms: the handles and numbers
// cross in a shared Float64Array, the header pairs as one text, and the decision comes back as
// a row of numbers (absent: NaN; codes by index into tables read once), rebuilt here key for
// key as the generic call returns it (core/src/surface/wire.rs). The SDK integrations make
// these calls between the SDK's own work, where the generic path's JSON text cost more than
// the decisions (bench/README.md). Any other argument form (extra arguments, a BigInt, a NaN,
// headers that are not an array, an unknown key, `content`) takes the generic call, which
// refuses or converts it as before; test/api.test.mjs plays both against each other.
const clientIo = new Float64Array(fast.clientIo());
const WIRE = JSON.parse(fast.clientCodes());
const RESULT_KEYS = new Set(['outcome', 'headers', 'errorType', 'errorCode', 'latencyMs', 'wallUnixMs', 'actualTokens', 'lastAttempt']);
const BEGIN_KEYS = new Set(['key', 'estTokens', 'outerOwnsRetries', 'deadlineMs']);
const genericBegin = api.Client.prototype.begin;
const genericBefore = api.Client.prototype.beforeAttempt;
const genericOutcome = api.Client.prototype.onOutcome;

/** A number the fast path passes (absent: NaN), or undefined for any other form. */
function plainNumber(v) {
  if (v == null) return NaN;
  return typeof v === 'number' && v === v ? v : undefined;
}

const orNull = (n) => (n === n ? n : null);

/** A plain object with only keys of `keys`. */
function isPlain(options, keys) {
  if (options === null || typeof options !== 'object' || Object.getPrototypeOf(options) !== Object.prototype) return false;
  for (const key in options) if (!keys.has(key)) return false;
  return true;
}

/** A flag the fast path passes (absent: NaN), or undefined for any other form. */
function plainFlag(v) {
  if (v == null) return NaN;
  return typeof v === 'boolean' ? Number(v) : undefined;
}

/** Header pairs as one `name\nvalue\n` text (laid out flat by `join`, so that the addon reads
 * it in one pass) and their number, or null when a pair is not two strings (the generic call
 * refuses it with its path). A pair holding a line feed splits into more pairs than given: the
 * addon then answers `false` and the generic call reads the pairs as they are. */
function joinHeaders(headers) {
  const n = headers.length;
  const parts = new Array(2 * n + 1);
  for (let i = 0; i < n; i++) {
    const pair = headers[i];
    if (!Array.isArray(pair) || pair.length !== 2) return null;
    const name = pair[0];
    const value = pair[1];
    if (typeof name !== 'string' || typeof value !== 'string') return null;
    parts[2 * i] = name;
    parts[2 * i + 1] = value;
  }
  parts[2 * n] = '';
  return [parts.join('\n'), n];
}

/** The decision's headers as pairs, from the addon's `name\nvalue\n` text (or its pairs). */
function splitHeaders(text) {
  if (typeof text !== 'string') return text;
  const parts = text.split('\n');
  const pairs = new Array((parts.length - 1) >> 1);
  for (let i = 0; i < pairs.length; i++) pairs[i] = [parts[2 * i], parts[2 * i + 1]];
  return pairs;
}

// Every value an options object gives is read once, before the shared array is written: a
// getter that calls into another client would otherwise overwrite it (the generic call reads
// each option once too).
api.Client.prototype.begin = function begin(options, nowMs) {
  const o = options ?? {};
  if (arguments.length > 2 || !isPlain(o, BEGIN_KEYS)) return genericBegin.apply(this, arguments);
  const { key, estTokens, outerOwnsRetries, deadlineMs } = o;
  const numbers = [plainNumber(estTokens), plainFlag(outerOwnsRetries), plainNumber(deadlineMs), plainNumber(nowMs)];
  if (!(key == null || typeof key === 'string') || numbers.includes(undefined)) {
    return genericBegin.call(this, { key, estTokens, outerOwnsRetries, deadlineMs }, nowMs);
  }
  clientIo[0] = handleOfObject(this, 'Client', 'this');
  clientIo.set(numbers, 1);
  return objectOf('Request', fast.clientBegin(key));
};

api.Client.prototype.beforeAttempt = function beforeAttempt(request, nowMs) {
  const now = plainNumber(nowMs);
  if (arguments.length > 2 || request == null || now === undefined) return genericBefore.apply(this, arguments);
  clientIo[0] = handleOfObject(this, 'Client', 'this');
  clientIo[1] = handleOfObject(request, 'Request', 'request');
  clientIo[2] = now;
  const headers = splitHeaders(fast.clientBefore());
  const r = clientIo;
  const decision = { action: WIRE.attemptAction[r[0]], reason: WIRE.attemptReason[r[1]] };
  if (r[2] === r[2]) decision.wait_until_ms = r[2];
  decision.attempt = r[3];
  decision.timeouts = {
    connect_ms: orNull(r[4]),
    headers_ms: orNull(r[5]),
    first_token_ms: orNull(r[6]),
    idle_ms: orNull(r[7]),
    attempt_ms: orNull(r[8]),
    remaining_ms: orNull(r[9]),
  };
  decision.headers = headers;
  return decision;
};

api.Client.prototype.onOutcome = function onOutcome(request, result, nowMs) {
  if (arguments.length > 3 || request == null || !isPlain(result, RESULT_KEYS)) return genericOutcome.apply(this, arguments);
  const { outcome, headers, errorType, errorCode, latencyMs, wallUnixMs, actualTokens, lastAttempt } = result;
  const read = { outcome, headers, errorType, errorCode, latencyMs, wallUnixMs, actualTokens, lastAttempt };
  const numbers = [plainNumber(latencyMs), plainNumber(wallUnixMs), plainNumber(actualTokens), plainNumber(nowMs)];
  const flag = plainFlag(lastAttempt);
  // Header pairs that are not plain string pairs are read by the generic call (the addon
  // would otherwise read them from JS while the shared array holds this call's values).
  const joined = headers == null ? ['', 0] : Array.isArray(headers) ? joinHeaders(headers) : null;
  if (
    typeof outcome !== 'string' ||
    joined === null ||
    !(errorType == null || typeof errorType === 'string') ||
    !(errorCode == null || typeof errorCode === 'string') ||
    numbers.includes(undefined) ||
    flag === undefined
  ) {
    return genericOutcome.call(this, request, read, nowMs);
  }
  clientIo[0] = handleOfObject(this, 'Client', 'this');
  clientIo[1] = handleOfObject(request, 'Request', 'request');
  clientIo.set(numbers, 2);
  clientIo[6] = joined[1];
  clientIo[7] = flag;
  if (fast.clientOutcome(outcome, errorType, errorCode, headers == null ? null : joined[0]) === false) {
    return genericOutcome.call(this, request, read, nowMs);
  }
  const r = clientIo;
  const decision = { action: WIRE.retryAction[r[0]], reason: WIRE.retryReason[r[1]] };
  if (r[2] === r[2]) decision.delay_ms = r[2];
  decision.retries_taken = r[3];
  decision.class = WIRE.class[r[4]];
  decision.cause = WIRE.cause[r[5]];
  return decision;
};

// The `fetch` integration (bindings/js/fetch.mjs, copied here as fetch.cjs), over this Client.
const integration = require('./fetch.cjs');

// One `exports.name = ...` per name: Node's ESM loader detects these statically, so
// `import { Client } from 'breakwater'` works as well as `require('breakwater')`.
exports.Backoff = api.Backoff;
exports.BatchPlanner = api.BatchPlanner;
exports.BatchReplay = api.BatchReplay;
exports.BatchRouter = api.BatchRouter;
exports.BreakerRegistry = api.BreakerRegistry;
exports.CircuitBreaker = CircuitBreaker;
exports.Client = api.Client;
exports.Deadline = api.Deadline;
exports.ErrorBudget = api.ErrorBudget;
exports.EventStream = api.EventStream;
exports.IdempotencyKeys = api.IdempotencyKeys;
exports.Policy = api.Policy;
exports.RateLimiter = api.RateLimiter;
exports.RealtimeCredentials = api.RealtimeCredentials;
exports.RealtimeSession = api.RealtimeSession;
exports.Request = api.Request;
exports.RetryBudget = api.RetryBudget;
exports.RetryState = api.RetryState;
exports.SchemaValidator = api.SchemaValidator;
exports.StreamCheck = api.StreamCheck;
exports.TolerantReader = api.TolerantReader;
exports.classify = api.classify;
exports.diffSchemas = api.diffSchemas;
exports.errorCodes = api.errorCodes;
exports.extractOutput = api.extractOutput;
exports.lintSchema = api.lintSchema;
exports.parseGoDuration = api.parseGoDuration;
exports.parseHttpDate = api.parseHttpDate;
exports.parseRfc3339 = api.parseRfc3339;
exports.rateLimits = api.rateLimits;
exports.readError = api.readError;
exports.readRequest = api.readRequest;
exports.realtimeReplay = api.realtimeReplay;
exports.repairJson = api.repairJson;
exports.retryAfter = api.retryAfter;
exports.surface = api.surface;
exports.toStrict = api.toStrict;
exports.validate = api.validate;
exports.validateText = api.validateText;
exports.fetch = integration.makeFetch(api);
exports.GaveUpError = integration.GaveUpError;
exports.AttemptTimeoutError = integration.AttemptTimeoutError;
exports.StreamCutError = integration.StreamCutError;
exports.eventAttributes = integration.eventAttributes;
