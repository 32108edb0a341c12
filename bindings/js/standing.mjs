// The standing-permit protocol of the JS circuit breakers, written once for the Node entry
// (bindings/node/index.js, as standing.cjs) and the WASM module (bindings/wasm/js/wrap.mjs).
//
// In the states that permit every call, the core's answer to `tryAcquirePermit` is the
// breaker's standing permit (`CircuitBreaker::standing_permit`), which every fast call writes
// back. The entry hands it out without crossing, remembering the largest `nowMs` it answered
// at, or that it answered on the default clock, and hands that time over on its next crossing:
// the core then makes exactly the decisions it would have made had every call crossed
// (property-tested in the core, and against the generated methods in each binding's tests).
// How the time crosses is each entry's business (a shared buffer in Node, arguments in WASM).
//
// The state lives on the breaker object under private symbols; a breaker that never took a
// fast call (or a WASM object, which wasm-bindgen constructs) reads as "nothing standing,
// nothing owed".

const STANDING = Symbol('breakwater.standing');
const PENDING_NOW = Symbol('breakwater.pendingNow');
const PENDING_CLOCK = Symbol('breakwater.pendingClock');

/** Gives a new breaker its protocol state up front (one object shape from the start). */
export function initStanding(b) {
  b[STANDING] = -1;
  b[PENDING_NOW] = -1;
  b[PENDING_CLOCK] = false;
}

/** The standing permit for a call at `nowMs` (absent: the default clock), answered without
 * crossing and remembered for the hand-over; -1 when the call must cross. */
export function standingPermit(b, nowMs) {
  const standing = b == null ? undefined : b[STANDING];
  if (standing >= 0) {
    if (nowMs == null) {
      b[PENDING_CLOCK] = true;
      return standing;
    }
    // Only times the core takes as they are; anything else crosses and is refused there.
    if (Number.isSafeInteger(nowMs) && nowMs >= 0) {
      if (nowMs > pendingNow(b)) b[PENDING_NOW] = nowMs;
      return standing;
    }
  }
  return -1;
}

/** The largest `nowMs` answered from the standing permit and not handed over (-1: none). */
export function pendingNow(b) {
  return b == null ? -1 : (b[PENDING_NOW] ?? -1);
}

/** Whether a call was answered on the default clock and no reading was handed over since. */
export function pendingClock(b) {
  return b != null && b[PENDING_CLOCK] === true;
}

/** Whether there is time to hand over before a call that does not take a fast path. */
export function owesTime(b) {
  return pendingNow(b) >= 0 || pendingClock(b);
}

/** After a crossing that handed the time over: the standing permit it wrote back (-1: none),
 * and whether a clock reading is owed again (a record on the default clock that needed none). */
export function afterCrossing(b, standing, clockOwed) {
  b[STANDING] = standing;
  b[PENDING_NOW] = -1;
  b[PENDING_CLOCK] = clockOwed;
}

/** Before a call that may change the state: nothing stands until a fast call writes it back. */
export function forgetStanding(b) {
  if (b != null) b[STANDING] = -1;
}
