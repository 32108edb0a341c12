//! WebAssembly bindings of breakwater: the same classes and functions as the Node binding
//! (`docs/bindings.md`), for browsers (`--target web`) and any other JS runtime.
//!
//! A thin layer. Every function and class comes from the core's description of the surface
//! (`breakwater::surface!`, expanded in `surface.rs` into flat exports over object handles),
//! each parameter read by its kind (`kinds.rs`); the package entry (`js/wrap.mjs` with the
//! shared `bindings/js/surface.mjs`) builds the public classes on them. Results are the core's
//! serde form as plain objects. Times default to `Math.floor(performance.now())`, seeds to 64
//! bits of `crypto.getRandomValues`. Every refusal is a JS `Error` with the core's stable
//! `.code`, `.path`, `.line` and `.column`; nothing panics across the boundary.
//!
//! The circuit breaker is hand-written (`breaker.rs`), with the fast paths of [`fast`] that
//! the entry installs on it: measured in `bench/README.md`.

mod breaker;
mod convert;
mod fast;
mod kinds;
mod surface;
mod types;

pub use breaker::CircuitBreaker;
