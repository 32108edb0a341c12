//! breakwater wasm bindings (in progress).
