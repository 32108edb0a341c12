// breakwater for Node: the package's entry point (docs/bindings.md, camelCase).
//
// Everything is the native addon (native.js, the loader `napi build` generates), except
// `CircuitBreaker`, whose per-call methods are hot enough that crossing N-API dominated their
// cost. Its wrapper below holds the native object (which owns the core breaker and frees it
// when collected) and the breaker's integer handle, and makes the hot calls through the
// addon's `__breakwaterFast` callbacks: the handle and the numeric arguments go into one
// Float64Array shared with the addon, the callback takes no arguments, and the answer comes
// back in the same buffer as numbers, mapped to the stable code strings by tables the addon
// hands out once. The wrapper only converts types: every decision, and every validation of a
// number (NaN, negative, fractional, past 2^53, with the parameter name as `path`), is the
// addon's. Arguments of any other type (strings, BigInts, objects) go to the native methods,
// which convert and refuse them exactly as before.
'use strict';

const native = require('./native.js');

const fast = native.__breakwaterFast;
const io = new Float64Array(fast.io());
const codes = JSON.parse(fast.codes());
const STATE = Object.freeze(codes.state);
const ACQUIRE_REASON = Object.freeze(codes.acquireReason);
const COUNTED = Object.freeze(codes.counted);
const CLASS = Object.create(null);
codes.class.forEach((name, i) => {
  CLASS[name] = i;
});
Object.freeze(CLASS);

const NATIVE = Symbol('breakwater.native');
const HANDLE = Symbol('breakwater.handle');

/** The handle of `self` (NaN for anything that is not a CircuitBreaker: the addon refuses it). */
function handleOf(self) {
  return self == null ? NaN : self[HANDLE];
}

/** The native object behind `self`, for the argument forms only the native methods convert. */
function nativeOf(self) {
  const n = self == null ? undefined : self[NATIVE];
  if (n === undefined) {
    const e = new TypeError('expected a CircuitBreaker');
    e.code = 'invalid_type';
    e.path = 'this';
    throw e;
  }
  return n;
}

function transitionOf(text) {
  return text === undefined ? null : JSON.parse(text);
}

/** A circuit breaker for one upstream. */
class CircuitBreaker {
  constructor(config) {
    const n = new native.CircuitBreaker(config);
    this[NATIVE] = n;
    this[HANDLE] = fast.handle(n);
  }

  tryAcquire(nowMs) {
    io[0] = handleOf(this);
    if (typeof nowMs === 'number') {
      io[1] = 1;
      io[2] = nowMs;
    } else if (nowMs == null) {
      io[1] = 0;
    } else {
      return nativeOf(this).tryAcquire(nowMs);
    }
    const t = fast.acquireRich();
    return {
      permitted: io[0] === 1,
      permit: io[1] < 0 ? null : io[1],
      state: STATE[io[2]],
      reason: ACQUIRE_REASON[io[3]],
      retry_after_ms: io[4] < 0 ? null : io[4],
      transition: transitionOf(t),
    };
  }

  record(permit, className, latencyMs, serverDelayMs, nowMs) {
    const c = typeof className === 'string' ? CLASS[className] : undefined;
    if (
      c === undefined ||
      typeof permit !== 'number' ||
      typeof latencyMs !== 'number' ||
      !(serverDelayMs == null || typeof serverDelayMs === 'number') ||
      !(nowMs == null || typeof nowMs === 'number')
    ) {
      return nativeOf(this).record(permit, className, latencyMs, serverDelayMs, nowMs);
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
    const t = fast.record();
    return { counted: COUNTED[io[0]], state: STATE[io[1]], transition: transitionOf(t) };
  }

  release(permit) {
    return nativeOf(this).release(permit);
  }

  transitionToForcedOpen(nowMs) {
    return nativeOf(this).transitionToForcedOpen(nowMs);
  }

  transitionToDisabled(nowMs) {
    return nativeOf(this).transitionToDisabled(nowMs);
  }

  transitionToMetricsOnly(nowMs) {
    return nativeOf(this).transitionToMetricsOnly(nowMs);
  }

  reset(nowMs) {
    return nativeOf(this).reset(nowMs);
  }

  state() {
    io[0] = handleOf(this);
    fast.state();
    return STATE[io[0]];
  }

  metrics(nowMs) {
    return nativeOf(this).metrics(nowMs);
  }

  tryAcquirePermit(nowMs) {
    io[0] = handleOf(this);
    if (typeof nowMs === 'number') {
      io[1] = 1;
      io[2] = nowMs;
    } else if (nowMs == null) {
      io[1] = 0;
    } else {
      return nativeOf(this).tryAcquirePermit(nowMs);
    }
    fast.acquire();
    const p = io[0];
    return p < 0 ? null : p;
  }

  recordPermit(permit, className, latencyMs, nowMs) {
    const c = typeof className === 'string' ? CLASS[className] : undefined;
    if (c === undefined || typeof permit !== 'number' || typeof latencyMs !== 'number') {
      return nativeOf(this).recordPermit(permit, className, latencyMs, nowMs);
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
      return nativeOf(this).recordPermit(permit, className, latencyMs, nowMs);
    }
    fast.record();
    return COUNTED[io[0]];
  }
}

// One `exports.name = ...` per name: Node's ESM loader detects these statically, so
// `import { Client } from 'breakwater'` works as well as `require('breakwater')`.
exports.Backoff = native.Backoff;
exports.JsBackoff = native.JsBackoff;
exports.BreakerRegistry = native.BreakerRegistry;
exports.JsBreakerRegistry = native.JsBreakerRegistry;
exports.CircuitBreaker = CircuitBreaker;
exports.JsCircuitBreaker = CircuitBreaker;
exports.Client = native.Client;
exports.JsClient = native.JsClient;
exports.Deadline = native.Deadline;
exports.JsDeadline = native.JsDeadline;
exports.ErrorBudget = native.ErrorBudget;
exports.JsErrorBudget = native.JsErrorBudget;
exports.IdempotencyKeys = native.IdempotencyKeys;
exports.JsIdempotencyKeys = native.JsIdempotencyKeys;
exports.Policy = native.Policy;
exports.JsPolicy = native.JsPolicy;
exports.RateLimiter = native.RateLimiter;
exports.JsRateLimiter = native.JsRateLimiter;
exports.Request = native.Request;
exports.JsRequest = native.JsRequest;
exports.RetryBudget = native.RetryBudget;
exports.JsRetryBudget = native.JsRetryBudget;
exports.classify = native.classify;
exports.errorCodes = native.errorCodes;
exports.parseGoDuration = native.parseGoDuration;
exports.parseHttpDate = native.parseHttpDate;
exports.parseRfc3339 = native.parseRfc3339;
exports.rateLimits = native.rateLimits;
exports.retryAfter = native.retryAfter;
exports.__napiBindingTarget = native.__napiBindingTarget;
