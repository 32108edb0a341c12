// Types that name the binding's classes, so they belong in the declaration file that declares
// the classes: Node's index.d.ts (gen-dts-header.mjs puts this file in its header) and the WASM
// module's .d.ts (bindings/wasm/src/types.rs includes it).

/** What a retry decision must respect besides the request's own retry count
 * (`RetryState.decide`); each guard is optional. */
export interface RetryGuards {
  /** The request's deadline: the delay plus a minimum useful attempt must fit. */
  deadline?: Deadline | null
  /** The client's shared retry budget; a granted retry spends from it. */
  retryBudget?: RetryBudget | null
  /** The error budget, when retries are cut while it burns. */
  errorBudget?: ErrorBudget | null
  /** The caller says an outer layer retries this request (single retry owner). */
  outerOwnsRetries?: boolean | null
}
