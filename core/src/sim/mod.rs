//! Storm simulator (in progress).
