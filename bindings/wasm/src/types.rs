//! TypeScript types of the documents and results, emitted into the generated `.d.ts`.
//!
//! The same files as the Node binding's (the two have one surface), written by `bindings/types`
//! from the core's description and types: results are the core's serde form (snake_case keys);
//! `surface.d.ts` declares the classes and functions the package entry builds (the breaker's
//! declaration is generated from `breaker.rs`).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("../../node/types.d.ts");

#[wasm_bindgen(typescript_custom_section)]
const SURFACE: &'static str = include_str!("../../js/surface.d.ts");
