//! breakwater node bindings (in progress).
