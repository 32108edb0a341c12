//! Realtime voice sessions: the interruption (barge-in) machine with its latency budget, and
//! the rotation of ephemeral client secrets (`credentials`). Sans-I/O like the rest of the core: server
//! events, playback progress and times go in, actions come out.

pub mod credentials;
pub mod event;
pub mod interrupt;
pub mod latency;
pub mod replay;

#[cfg(test)]
mod tests;

pub use credentials::{
    ConnectDecision, ConnectReason, CredentialAction, CredentialConfig, CredentialDecision, CredentialReason,
    Credentials,
};
pub use event::{BadEvent, Envelope, ServerEvent};
pub use interrupt::{
    Action, ActionKind, AudioFormat, InterruptConfig, Interruptions, Issue, Step, Transport,
};
pub use latency::{Budgets, Stage, StageStats, Turn};
pub use replay::{replay, ReplayReport, Replayer};
