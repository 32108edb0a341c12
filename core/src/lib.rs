//! breakwater: the sans-I/O policy core for production clients of LLM HTTP APIs.
//!
//! The core decides; the host acts. It never reads a clock, never sleeps, never
//! touches a socket, a file or the OS random source:
//!
//! - time is a plain `u64` of monotonic milliseconds passed in by the caller
//!   (`now_ms`); wall-clock values (HTTP dates, expiry times) are passed
//!   separately as unix milliseconds;
//! - randomness comes from a seeded [`Rng`] owned by each stateful object;
//! - every decision carries a stable snake_case reason code and every error a
//!   stable [`ErrorCode`] plus the path of the offending field.
//!
//! Same seed and same inputs give the same decisions in every runtime.
#![forbid(unsafe_code)]

#[macro_use]
mod codes;
pub mod batch;
pub mod document;
mod error;
pub mod policy;
pub mod realtime;
mod rng;
pub mod schema;
pub mod surface;
pub mod transport;

pub use codes::StableCode;
pub use error::{Error, ErrorCode, Result};
pub use policy::Policy;
pub use rng::Rng;

/// 2^53 - 1, the largest integer every runtime holds exactly (a JavaScript number holds no
/// larger one). A count read from the wire (a header, a result line) is capped here: past it
/// a count means nothing more, and a JS runtime could not hand it back exactly.
pub const MAX_EXACT_INT: u64 = (1 << 53) - 1;
