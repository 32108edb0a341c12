//! The Realtime operations of the binding surface: a session's interruption machine, and the
//! replay of a whole timeline.

use serde_json::Value;

use crate::realtime::{
    ConnectDecision, CredentialConfig, CredentialDecision, Credentials, InterruptConfig, Interruptions,
    ReplayReport, StageStats, Step,
};
use crate::Result;

/// Replays a session timeline (JSON lines).
pub fn realtime_replay(timeline: String) -> Result<ReplayReport> {
    Ok(crate::realtime::replay(&timeline))
}

/// A session's machine, with the defaults unless `config` says otherwise.
pub fn realtime_new(config: Option<InterruptConfig>) -> Result<Interruptions> {
    Interruptions::new(config.unwrap_or_default())
}

/// One server event: its JSON text (what a WebSocket delivers) or the parsed object.
pub fn realtime_handle_event(m: &mut Interruptions, event: Value, now_ms: u64) -> Result<Step> {
    Ok(match &event {
        Value::String(text) => m.handle_json(now_ms, text),
        value => m.handle_value(now_ms, value),
    })
}

/// A client event the host sent (its JSON text or the object); see `Interruptions::sent_event`.
pub fn realtime_sent(m: &mut Interruptions, event: Value, now_ms: u64) -> Result<Step> {
    let parsed;
    let object = match &event {
        Value::String(text) => {
            parsed = crate::document::from_json::<Value>(text).map_err(|e| e.within("event"))?;
            &parsed
        }
        value => value,
    };
    m.sent_event(now_ms, object).map_err(|e| e.within("event"))
}

/// The host's playback position of an item.
pub fn realtime_played(m: &mut Interruptions, item_id: String, ms: u64, now_ms: u64) -> Result<Step> {
    Ok(m.played(now_ms, &item_id, ms))
}

/// Fires the timer due by `now_ms`.
pub fn realtime_handle_timeout(m: &mut Interruptions, now_ms: u64) -> Result<Step> {
    Ok(m.handle_timeout(now_ms))
}

/// The session ended: the turn still open is reported.
pub fn realtime_end(m: &mut Interruptions, now_ms: u64) -> Result<Step> {
    Ok(m.end(now_ms))
}

/// When the next timer is due.
pub fn realtime_poll_timeout(m: &mut Interruptions) -> Result<Option<u64>> {
    Ok(m.poll_timeout())
}

/// Rolling p50 / p95 per stage.
pub fn realtime_latency_stats(m: &mut Interruptions) -> Result<Vec<StageStats>> {
    Ok(m.latency_stats())
}

/// Rotation of a client secret.
pub fn realtime_credentials_new(config: Option<CredentialConfig>, seed: u64) -> Result<Credentials> {
    Credentials::new(config.unwrap_or_default(), seed)
}

/// What to do about the secret now.
pub fn realtime_credentials_decide(c: &mut Credentials, now_ms: u64) -> Result<CredentialDecision> {
    Ok(c.decide(now_ms))
}

/// A mint succeeded.
pub fn realtime_credentials_minted(
    c: &mut Credentials,
    expires_at_unix_ms: u64,
    wall_unix_ms: u64,
    now_ms: u64,
) -> Result<()> {
    c.minted(now_ms, wall_unix_ms, expires_at_unix_ms)
}

/// A mint failed.
pub fn realtime_credentials_mint_failed(c: &mut Credentials, now_ms: u64) -> Result<CredentialDecision> {
    Ok(c.mint_failed(now_ms))
}

/// Whether a new connection may use the secret.
pub fn realtime_credentials_can_connect(c: &mut Credentials, now_ms: u64) -> Result<ConnectDecision> {
    Ok(c.can_connect(now_ms))
}

/// When a session should reconnect.
pub fn realtime_credentials_reconnect_at(c: &mut Credentials, session_started_ms: u64) -> Result<u64> {
    Ok(c.reconnect_at(session_started_ms))
}
