//! breakwater python bindings (in progress).
