//! TypeScript types of the documents and results, emitted into the generated `.d.ts`.
//!
//! The same hand-written files as the Node binding's (the two have one surface): results are
//! the core's serde form (snake_case keys); the method signatures in the `.d.ts` name these
//! types through `unchecked_return_type` / `unchecked_param_type`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("../../node/types.d.ts");

#[wasm_bindgen(typescript_custom_section)]
const CLASS_TYPES: &'static str = include_str!("../../node/class-types.d.ts");

#[wasm_bindgen(typescript_custom_section)]
const RETRY_STATE: &'static str = r#"
/** `decide`, installed by the package entry (it merges into the class declaration). */
export interface RetryState {
  /** What follows an attempt whose result `classify` returned; a granted retry spends from `guards.retryBudget`. */
  decide(classification: ClassificationInput, guards?: RetryGuards | null, nowMs?: number | null): RetryDecision;
}
"#;
