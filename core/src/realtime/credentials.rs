//! Rotation of ephemeral Realtime client secrets (`POST /v1/realtime/client_secrets`).
//!
//! Facts it rests on: a secret lives `expires_after.seconds`, 10 to 7,200 s, 600 by default
//! (openai-python `client_secret_create_params.py`); expiry only refuses *new* connections, a
//! session already running goes on ("the session itself may continue after that time once
//! started"); a session lasts 60 minutes at most (OpenAI, "Developer notes on the Realtime
//! API"). So the secret is refreshed ahead of the next connect, not of live sessions, and a
//! session plans its reconnect before the cap.
//!
//! Host contract: ask [`Credentials::decide`] before connecting (and whenever it asked to be
//! asked again); on `mint`, call the endpoint and report [`Credentials::minted`] or
//! [`Credentials::mint_failed`]. Only one caller is told `mint` at a time (single flight);
//! the others `wait` for it. [`Credentials::can_connect`] refuses a secret too close to its
//! expiry; [`Credentials::reconnect_at`] says when a session should move to a new one.
//! Monotonic time is `now_ms`; the secret's expiry is wall time (unix ms) from the response,
//! converted with the host's wall clock at the same moment, minus the configured skew.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::document::de;
use crate::transport::backoff::{Backoff, BackoffConfig};
use crate::{Error, ErrorCode, Result, Rng};

/// The longest a client secret may live (`expires_after.seconds` at most 7,200).
const MAX_SECRET_MS: u64 = 7_200_000;

/// Settings of client-secret rotation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CredentialConfig {
    /// Mint the next secret this long before the current one expires. Default 120000 (two
    /// minutes of a default 10-minute secret).
    #[serde(deserialize_with = "de::duration_ms")]
    pub refresh_margin_ms: u64,
    /// Up to this much earlier still, drawn per secret, so a fleet that minted together does
    /// not refresh together. Default 30000.
    #[serde(deserialize_with = "de::duration_ms")]
    pub refresh_jitter_ms: u64,
    /// A secret with less than this left is not used for a new connection (a secret shorter
    /// than twice this: less than half its life). Default 15000.
    #[serde(deserialize_with = "de::duration_ms")]
    pub min_remaining_to_connect_ms: u64,
    /// How far the host's wall clock may be ahead of the server's: the expiry is read this
    /// much earlier. Default 5000.
    #[serde(deserialize_with = "de::duration_ms")]
    pub max_clock_skew_ms: u64,
    /// A mint without an answer after this long may be retried by another caller. Default 30000.
    #[serde(deserialize_with = "de::duration_ms")]
    pub mint_timeout_ms: u64,
    /// Delays between failed mints (the transport core's backoff). Default 500 ms doubling to 30 s.
    pub backoff: BackoffConfig,
    /// The longest a session lasts. Default 3600000 (60 minutes).
    #[serde(deserialize_with = "de::duration_ms")]
    pub session_cap_ms: u64,
    /// Reconnect this long before the cap. Default 60000.
    #[serde(deserialize_with = "de::duration_ms")]
    pub reconnect_margin_ms: u64,
}

impl Default for CredentialConfig {
    fn default() -> Self {
        Self {
            refresh_margin_ms: 120_000,
            refresh_jitter_ms: 30_000,
            min_remaining_to_connect_ms: 15_000,
            max_clock_skew_ms: 5_000,
            mint_timeout_ms: 30_000,
            backoff: BackoffConfig { max_ms: 30_000, ..BackoffConfig::default() },
            session_cap_ms: 3_600_000,
            reconnect_margin_ms: 60_000,
        }
    }
}

impl CredentialConfig {
    /// Checks that the margins fit a secret's and a session's lives.
    ///
    /// # Errors
    /// `out_of_range` at the field.
    pub fn validate(&self) -> Result<()> {
        self.backoff.validate().map_err(|e| e.within("backoff"))?;
        let too_long = |value: u64, limit: u64, path: &str, what: &str| {
            (value > limit)
                .then(|| Error::new(ErrorCode::OutOfRange, path, format!("{value} ms is longer than {what}")))
        };
        let checks = [
            too_long(
                self.refresh_margin_ms.saturating_add(self.refresh_jitter_ms),
                MAX_SECRET_MS,
                "refresh_margin_ms",
                "a secret lives (7,200 s) with refresh_jitter_ms",
            ),
            too_long(
                self.min_remaining_to_connect_ms,
                MAX_SECRET_MS,
                "min_remaining_to_connect_ms",
                "a secret lives (7,200 s)",
            ),
            too_long(self.max_clock_skew_ms, MAX_SECRET_MS, "max_clock_skew_ms", "a secret lives (7,200 s)"),
            // A margin of the whole cap would reconnect the moment a session starts, and again.
            (self.reconnect_margin_ms >= self.session_cap_ms).then(|| {
                let message = format!(
                    "{} ms leaves no time in a session of session_cap_ms {} ms: reconnect before the cap, not at the start",
                    self.reconnect_margin_ms, self.session_cap_ms
                );
                Error::new(ErrorCode::OutOfRange, "reconnect_margin_ms", message)
            }),
        ];
        checks.into_iter().flatten().next().map_or(Ok(()), Err)
    }
}

stable_codes! {
    /// What the caller does about the secret.
    pub enum CredentialAction {
        /// Call the mint endpoint now, then report `minted` or `mint_failed`.
        Mint = "mint",
        /// Another caller is minting, or a failed mint is backing off: ask again at `at_ms`.
        Wait = "wait",
        /// The secret in hand is good; ask again at `at_ms` (when it should be refreshed).
        Ready = "ready",
    }
}

stable_codes! {
    /// Why.
    pub enum CredentialReason {
        /// No secret yet.
        NoSecret = "no_secret",
        /// The secret reached its refresh time (margin and jitter before expiry).
        RefreshDue = "refresh_due",
        /// The secret is good until its refresh time.
        Fresh = "fresh",
        /// A mint is in flight (single flight).
        MintInFlight = "mint_in_flight",
        /// The last mint had no answer within `mint_timeout_ms`: minting again.
        MintTimedOut = "mint_timed_out",
        /// The last mint failed: waiting out the backoff.
        Backoff = "backoff",
    }
}

/// The answer to "what about the secret, now?".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CredentialDecision {
    /// Mint, wait or ready.
    pub action: CredentialAction,
    /// Why.
    pub reason: CredentialReason,
    /// When to ask again (wait, ready); `None` with `mint`.
    pub at_ms: Option<u64>,
    /// Failed mints since the last success.
    pub failures: u32,
}

stable_codes! {
    /// Whether a new connection may use the secret.
    pub enum ConnectReason {
        /// It has enough life left.
        Ok = "ok",
        /// No secret yet.
        NoSecret = "no_secret",
        /// Less than `min_remaining_to_connect_ms` left (or expired): mint a new one first.
        Expiring = "expiring",
    }
}

/// The answer to "may I connect with the secret in hand?".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ConnectDecision {
    /// Whether to connect.
    pub ok: bool,
    /// Why.
    pub reason: ConnectReason,
    /// The secret's life left (monotonic ms, skew taken off), when there is one.
    pub remaining_ms: Option<u64>,
}

/// Rotation state of one client secret (one per API key or fleet member).
#[derive(Clone, Debug)]
pub struct Credentials {
    config: CredentialConfig,
    rng: Rng,
    backoff: Backoff,
    /// When the secret in hand expires and when to refresh it (monotonic ms).
    expires_at: Option<u64>,
    refresh_at: u64,
    /// The life a secret must have left for a new connection: `min_remaining_to_connect_ms`,
    /// or half of a shorter secret's life.
    connect_floor: u64,
    /// When the mint in flight began.
    minting_since: Option<u64>,
    /// Mints that timed out and were replaced, whose answers may still come.
    abandoned: u32,
    failures: u32,
    retry_at: u64,
    last_ms: u64,
}

impl Credentials {
    /// Rotation without a secret yet; `seed` fixes the refresh jitter and the backoff draws.
    ///
    /// # Errors
    /// As [`CredentialConfig::validate`].
    pub fn new(config: CredentialConfig, seed: u64) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            backoff: Backoff::new(config.backoff.clone()),
            config,
            rng: Rng::new(seed),
            expires_at: None,
            refresh_at: 0,
            connect_floor: 0,
            minting_since: None,
            abandoned: 0,
            failures: 0,
            retry_at: 0,
            last_ms: 0,
        })
    }

    fn observe(&mut self, now_ms: u64) -> u64 {
        self.last_ms = self.last_ms.max(now_ms);
        self.last_ms
    }

    /// What to do now; a `mint` answer makes this caller the one minting (single flight).
    pub fn decide(&mut self, now_ms: u64) -> CredentialDecision {
        let now = self.observe(now_ms);
        let answer = |action, reason, at_ms, failures| CredentialDecision { action, reason, at_ms, failures };
        if let Some(since) = self.minting_since {
            let deadline = since.saturating_add(self.config.mint_timeout_ms);
            if now < deadline {
                return answer(
                    CredentialAction::Wait,
                    CredentialReason::MintInFlight,
                    Some(deadline),
                    self.failures,
                );
            }
            self.minting_since = Some(now);
            self.abandoned = self.abandoned.saturating_add(1);
            return answer(CredentialAction::Mint, CredentialReason::MintTimedOut, None, self.failures);
        }
        if self.failures > 0 && now < self.retry_at {
            return answer(
                CredentialAction::Wait,
                CredentialReason::Backoff,
                Some(self.retry_at),
                self.failures,
            );
        }
        let reason = match self.expires_at {
            None => CredentialReason::NoSecret,
            Some(_) if now >= self.refresh_at => CredentialReason::RefreshDue,
            Some(_) => {
                return answer(CredentialAction::Ready, CredentialReason::Fresh, Some(self.refresh_at), 0)
            }
        };
        self.minting_since = Some(now);
        answer(CredentialAction::Mint, reason, None, self.failures)
    }

    /// A mint succeeded: the secret expires at `expires_at_unix_ms` (the response's
    /// `expires_at`, seconds × 1000), read against the host's wall clock `wall_unix_ms` now.
    ///
    /// # Errors
    /// `out_of_range` at `expires_at_unix_ms` when the secret would live longer than 7,200 s
    /// (ms passed as seconds, × 1000 twice), or expired before the wall clock's now (seconds
    /// passed as ms: taken, it would be refreshed at once, again and again); at `wall_unix_ms`
    /// when the wall clock is in seconds (both in seconds, a 600 s secret would read as 600 ms).
    ///
    /// A refused answer ends the mint in flight as failed (as [`Self::mint_failed`]): the
    /// next caller mints again after the backoff instead of waiting out `mint_timeout_ms`.
    pub fn minted(&mut self, now_ms: u64, wall_unix_ms: u64, expires_at_unix_ms: u64) -> Result<()> {
        let read = self.read_expiry(now_ms, wall_unix_ms, expires_at_unix_ms);
        if read.is_err() {
            self.mint_failed(now_ms);
        }
        read
    }

    fn read_expiry(&mut self, now_ms: u64, wall_unix_ms: u64, expires_at_unix_ms: u64) -> Result<()> {
        let now = self.observe(now_ms);
        // Every wall clock in ms since 1973-03-03 is above 1e11; a clock in seconds stays below it
        // until the year 5138. Both in seconds, the life would read as a thousandth of itself.
        if wall_unix_ms < 100_000_000_000 {
            return Err(Error::new(
                ErrorCode::OutOfRange,
                "wall_unix_ms",
                format!("{wall_unix_ms} is a wall clock in seconds: pass unix time in ms (seconds × 1000)"),
            ));
        }
        let life = expires_at_unix_ms.saturating_sub(wall_unix_ms);
        let refuse = |message: String| Err(Error::new(ErrorCode::OutOfRange, "expires_at_unix_ms", message));
        if life > MAX_SECRET_MS + self.config.max_clock_skew_ms {
            return refuse(format!(
                "the secret would live {life} ms, longer than 7,200 s: is expires_at in ms already?"
            ));
        }
        if life <= self.config.max_clock_skew_ms && life > 0 {
            return refuse(format!(
                "the secret lives {life} ms, no longer than max_clock_skew_ms ({} ms): no connection \
                 could use it",
                self.config.max_clock_skew_ms
            ));
        }
        if life == 0 {
            let ago = wall_unix_ms - expires_at_unix_ms;
            return refuse(format!(
                "the secret expired {ago} ms before now (wall clock {wall_unix_ms}): is expires_at in \
                 seconds (expires_at_unix_ms is the response's expires_at × 1000), or is the host's \
                 wall clock ahead of the server's?"
            ));
        }
        let expires = now.saturating_add(life.saturating_sub(self.config.max_clock_skew_ms));
        // The jitter draw is in [0, 1), scaled and rounded down: deterministic per seed.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let jitter = (self.rng.next_f64() * self.config.refresh_jitter_ms as f64) as u64;
        let lead = self.config.refresh_margin_ms.saturating_add(jitter);
        // A secret shorter than the lead is refreshed halfway through its life rather than at
        // once, and may connect until then: the API's shortest secret (10 s) is usable.
        let half = expires.saturating_sub(now) / 2;
        self.connect_floor = self.config.min_remaining_to_connect_ms.min(half);
        // Refreshed no later than it stops being usable for a connection: `ready` always
        // means `can_connect`.
        let lead = lead.min(half).max(self.connect_floor);
        self.expires_at = Some(expires);
        self.refresh_at = expires.saturating_sub(lead);
        self.minting_since = None;
        self.abandoned = 0;
        self.failures = 0;
        self.backoff = Backoff::new(self.config.backoff.clone());
        Ok(())
    }

    /// A mint failed (or the host gave up on it): the next one waits out the backoff.
    ///
    /// A failure reported while no mint is in flight and the secret in hand is fresh is a
    /// late answer to a mint that timed out and was replaced by one that succeeded: it is
    /// ignored (counted, it would hide the good secret behind a backoff) and the answer is
    /// `ready`. One reported while a mint is in flight after others timed out is taken as
    /// the answer of the oldest of those: it counts (the endpoint failed), and the mint in
    /// flight stays the only one (the others keep waiting for it, or for its time to run out).
    pub fn mint_failed(&mut self, now_ms: u64) -> CredentialDecision {
        let now = self.observe(now_ms);
        if self.minting_since.is_none() && self.expires_at.is_some() && now < self.refresh_at {
            return self.decide(now);
        }
        let delay = self.backoff.next_delay_ms(self.failures, &mut self.rng);
        self.failures = self.failures.saturating_add(1);
        self.retry_at = now.saturating_add(delay);
        if self.minting_since.is_some() && self.abandoned > 0 {
            self.abandoned -= 1;
            return self.decide(now);
        }
        self.minting_since = None;
        CredentialDecision {
            action: CredentialAction::Wait,
            reason: CredentialReason::Backoff,
            at_ms: Some(self.retry_at),
            failures: self.failures,
        }
    }

    /// Whether a new connection may use the secret in hand now (a live session is never cut).
    #[must_use]
    pub fn can_connect(&self, now_ms: u64) -> ConnectDecision {
        let now = now_ms.max(self.last_ms);
        let Some(expires) = self.expires_at else {
            return ConnectDecision { ok: false, reason: ConnectReason::NoSecret, remaining_ms: None };
        };
        let remaining = expires.saturating_sub(now);
        let ok = remaining >= self.connect_floor && remaining > 0;
        let reason = if ok { ConnectReason::Ok } else { ConnectReason::Expiring };
        ConnectDecision { ok, reason, remaining_ms: Some(remaining) }
    }

    /// When a session that started at `session_started_ms` should reconnect (with a fresh
    /// secret): the cap minus the margin.
    #[must_use]
    pub fn reconnect_at(&self, session_started_ms: u64) -> u64 {
        session_started_ms.saturating_add(self.config.session_cap_ms - self.config.reconnect_margin_ms)
    }
}
