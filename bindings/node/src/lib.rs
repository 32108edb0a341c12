//! Node.js bindings of breakwater (npm package `breakwater`), built with napi-rs.
//!
//! A thin layer. Every function and class comes from the core's description of the surface
//! (`breakwater::surface!`, expanded in `surface.rs` into flat exports over object handles,
//! the same exports as the WASM module's), each parameter read by its kind (`kinds.rs`); the
//! package entry (`index.js` with the shared `bindings/js/surface.mjs`) builds the public
//! classes on them. Results are the core's serde form as plain objects ([`js::Json`]); errors
//! are JS `Error`s with `code`, `path`, `line` and `column` ([`js::throw`]); `nowMs` defaults
//! to `Math.floor(performance.now())`.
//!
//! The circuit breaker is hand-written (`breaker.rs`), with the fast paths of `fast.rs` that
//! the entry uses: measured in `bench/README.md`.

mod breaker;
mod client_fast;
mod fast;
mod js;
mod kinds;
mod surface;

use napi::bindgen_prelude::Object;
use napi::{Env, JsValue};
use napi_derive::napi;

/// The module's exports besides the `#[napi]` breaker class: the surface's operations and the
/// breaker's fast-path callbacks.
#[napi(module_exports)]
pub fn install(env: Env, exports: Object) -> napi::Result<()> {
    surface::install(&env, exports.raw())?;
    fast::install(&env, &exports)
}
