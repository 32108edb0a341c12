//! Client-side RPM and TPM limits: whether sending now would exceed the quota.
//!
//! Two token buckets, requests per minute and tokens per minute, each refilling
//! continuously at `limit` per 60 000 ms up to `limit` (the RPM bucket up to a
//! shorter burst when `request_burst_ms` is set). A bucket is off while its
//! limit is unknown. Arithmetic is exact integers (whole tokens plus a carried
//! remainder), so every runtime agrees to the millisecond.
//!
//! Host contract: [`RateLimiter::reserve`] before each send (wait until
//! `wait_until_ms` when it says not ready), [`RateLimiter::reconcile`] once the
//! real token usage is known, [`RateLimiter::sync`] with every response's
//! rate-limit headers, [`RateLimiter::drain`] on a 429.
//!
//! Header sync rule (one rule, applied per quota the response reports):
//! - **limit**: a configured limit is the user's cap and stays; with none
//!   configured, the server's limit is adopted (and follows later changes).
//! - **remaining**: the server's value lowers the local level, because the
//!   server sees every client sharing the API key and the local count does not;
//!   it never raises it, because the figure is as old as the answer and misses
//!   our requests sent since (at 20 requests/s and 1.5 s answers, 30 of them):
//!   taking a higher figure spent their units twice and sent into 429s
//!   (`breakwater simulate --all`, the overloaded phases). The local refill
//!   brings the level back at the limit's pace.
//!   Progress towards the next unit is kept across a sync, so answers arriving
//!   faster than one unit refills do not restart its wait each time.
//! - **reset**: the server promises the whole quota back by `now + reset`. Until
//!   then the bucket refills at the slower of the local rate and the server's
//!   implied rate `(limit - remaining) / reset`: a daily quota reported through
//!   the same headers ("23h18m29s") is honoured, while a burst-window reset
//!   shorter than the local pace never makes the client faster than its limit.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::line::Ahead;
use crate::transport::headers::{Quota, RateLimitHeaders};

/// The window every limit is expressed in: one minute.
const WINDOW_MS: u64 = 60_000;

/// Client-side rate limits; both off by default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Requests per minute, >= 1; absent = no request limit until a server reports one (default absent).
    #[serde(
        default,
        deserialize_with = "crate::document::de::opt_nonzero_count",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(min = 1))]
    pub rpm: Option<u32>,
    /// Tokens per minute, >= 1; absent = no token limit until a server reports one (default absent).
    #[serde(
        default,
        deserialize_with = "crate::document::de::opt_nonzero_u64",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(min = 1))]
    pub tpm: Option<u64>,
    /// Whether the limiter adopts the `x-ratelimit-*` state responses report (default true).
    #[serde(default = "default_true")]
    pub sync_from_headers: bool,
    /// The most requests the RPM bucket may hold, as milliseconds of refill; absent = the whole
    /// minute (default). Providers enforce per-minute limits over shorter periods ("60,000 RPM
    /// may be enforced as 1,000 requests per second", OpenAI rate-limit guide), so a client that
    /// saved up a minute of requests while idle (or while a breaker was open) would burst into
    /// 429s; `1000` holds one second's worth. At least one request is always allowed.
    #[serde(
        default,
        deserialize_with = "crate::document::de::opt_duration_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_burst_ms: Option<u64>,
    /// Longest wait `reserve` hands out before answering `wait_exceeds_max` instead (default
    /// 60 000 ms: one window, enough to refill any request that fits the limit).
    #[serde(default = "default_max_wait_ms", deserialize_with = "crate::document::de::duration_ms")]
    pub max_wait_ms: u64,
}

fn default_true() -> bool {
    true
}
fn default_max_wait_ms() -> u64 {
    WINDOW_MS
}

impl RateLimitConfig {
    /// Cross-field rules; there are none today (each value is checked when parsed), kept so
    /// that a policy validates every section the same way.
    ///
    /// # Errors
    /// None yet.
    pub fn validate(&self) -> crate::Result<()> {
        Ok(())
    }
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            rpm: None,
            tpm: None,
            sync_from_headers: true,
            request_burst_ms: None,
            max_wait_ms: default_max_wait_ms(),
        }
    }
}

stable_codes! {
    /// Why a reservation is or is not ready now.
    pub enum LimitReason {
        /// Both buckets have room: the request may be sent now (and has been counted).
        Ready = "ready",
        /// The requests-per-minute bucket is the last to have room.
        RpmExhausted = "rpm_exhausted",
        /// The tokens-per-minute bucket is the last to have room (or is in debt).
        TpmExhausted = "tpm_exhausted",
        /// A 429 drained the limiter: nothing may be sent before the server's time.
        Drained = "drained",
        /// The estimate is larger than the whole TPM limit: no wait can ever serve it.
        ExceedsCapacity = "exceeds_capacity",
        /// Room would come, but later than `max_wait_ms` from now.
        WaitExceedsMax = "wait_exceeds_max",
    }
}

stable_codes! {
    /// Where a bucket's limit came from.
    pub enum LimitSource {
        /// The config (`rpm` / `tpm`): the user's cap, never overridden by headers.
        Config = "config",
        /// Adopted from `x-ratelimit-limit-*` because the config had none.
        Server = "server",
    }
}

/// The answer of [`RateLimiter::reserve`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub struct Reservation {
    /// Whether the request may be sent now; if so, one request and the estimate were deducted.
    pub ready: bool,
    /// Why.
    pub reason: LimitReason,
    /// When not ready: the earliest time (monotonic ms) both buckets will have room.
    /// Absent when ready, and for `exceeds_capacity` (never).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_until_ms: Option<u64>,
    /// Requests left in the RPM bucket after this call; absent while it is off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_requests: Option<u64>,
    /// Tokens left in the TPM bucket after this call; absent while it is off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_tokens: Option<u64>,
}

/// One bucket's state, as hosts log and export it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub struct BucketSnapshot {
    /// The limit per minute, also the bucket's capacity.
    pub limit: u64,
    /// Where the limit came from.
    pub source: LimitSource,
    /// Whole units available now (0 while in debt).
    pub remaining: u64,
    /// Units owed after usage exceeded the estimate (`reconcile`); 0 when none.
    pub debt: u64,
}

/// The limiter's state at a given time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub struct RateLimitSnapshot {
    /// The RPM bucket; absent while off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests: Option<BucketSnapshot>,
    /// The TPM bucket; absent while off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<BucketSnapshot>,
    /// Sends are blocked until this time (monotonic ms) after a 429; absent when not blocked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_until_ms: Option<u64>,
}

/// A refill rate of `num` units per `den` ms, kept as a fraction so nothing is rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Rate {
    num: u128,
    den: u128,
}

/// A phase, set by a header sync, during which the server's slower schedule applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SlowPhase {
    until_ms: u64,
    rate: Rate,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Bucket {
    limit: u64,
    /// Most units held at once: `limit`, or less with a burst setting.
    capacity: u64,
    burst_ms: Option<u64>,
    source: LimitSource,
    /// Whole units; negative while in debt, never below `-limit` nor above `limit`.
    level: i128,
    /// Progress towards the next unit, in 1/`den` of a unit of the current rate (< den).
    carry: u128,
    last_ms: u64,
    slow: Option<SlowPhase>,
}

impl Bucket {
    fn full(limit: u64, burst_ms: Option<u64>, source: LimitSource, now_ms: u64) -> Self {
        let capacity = capacity(limit, burst_ms);
        Self {
            limit,
            capacity,
            burst_ms,
            source,
            level: i128::from(capacity),
            carry: 0,
            last_ms: now_ms,
            slow: None,
        }
    }

    fn cap(&self) -> i128 {
        i128::from(self.capacity)
    }

    fn local_rate(&self) -> Rate {
        Rate { num: u128::from(self.limit), den: u128::from(WINDOW_MS) }
    }

    fn rate_now(&self) -> Rate {
        match self.slow {
            Some(s) if self.last_ms < s.until_ms => s.rate,
            _ => self.local_rate(),
        }
    }

    /// Refills up to `to_ms`; a time earlier than the last one seen changes nothing.
    fn advance(&mut self, to_ms: u64) {
        if to_ms <= self.last_ms {
            return;
        }
        if let Some(s) = self.slow {
            if self.last_ms < s.until_ms {
                let end = to_ms.min(s.until_ms);
                self.fill(end - self.last_ms, s.rate);
                self.last_ms = end;
            }
            if self.last_ms >= s.until_ms {
                // The carried fraction is re-expressed in the local rate's denominator.
                let local = self.local_rate();
                self.carry = self.carry.saturating_mul(local.den) / s.rate.den.max(1);
                self.carry = self.carry.min(local.den - 1);
                self.slow = None;
            }
        }
        if to_ms > self.last_ms {
            self.fill(to_ms - self.last_ms, self.local_rate());
            self.last_ms = to_ms;
        }
    }

    fn fill(&mut self, dt_ms: u64, rate: Rate) {
        if self.level >= self.cap() {
            self.carry = 0;
            return;
        }
        let total = self.carry.saturating_add(rate.num.saturating_mul(u128::from(dt_ms)));
        let whole = total / rate.den;
        self.carry = total % rate.den;
        let room = u128::try_from(self.cap() - self.level).unwrap_or(0);
        if whole >= room {
            self.level = self.cap();
            self.carry = 0;
        } else {
            // whole < room <= 2 * u64::MAX, so it fits i128.
            self.level += i128::try_from(whole).unwrap_or(0);
        }
    }

    /// Milliseconds until `level >= need` at `rate`, from the current state.
    fn time_to(&self, need: i128, rate: Rate) -> Option<u64> {
        if self.level >= need {
            return Some(0);
        }
        if rate.num == 0 {
            return None;
        }
        let deficit = u128::try_from(need - self.level).ok()?;
        let units = deficit.checked_mul(rate.den)?.saturating_sub(self.carry);
        Some(u64::try_from(units.div_ceil(rate.num)).unwrap_or(u64::MAX))
    }

    /// The earliest time (>= the bucket's clock) with `level >= need`, assuming no debits meanwhile.
    fn ready_at(&self, need: i128) -> u64 {
        let mut b = self.clone();
        if let Some(s) = b.slow.filter(|s| b.last_ms < s.until_ms) {
            if let Some(t) = b.time_to(need, s.rate) {
                if b.last_ms.saturating_add(t) <= s.until_ms {
                    return b.last_ms.saturating_add(t);
                }
            }
            b.advance(s.until_ms);
        }
        let t = b.time_to(need, b.rate_now()).unwrap_or(u64::MAX);
        b.last_ms.saturating_add(t)
    }

    fn remaining(&self) -> u64 {
        u64::try_from(self.level.max(0)).unwrap_or(u64::MAX)
    }

    fn snapshot(&self) -> BucketSnapshot {
        BucketSnapshot {
            limit: self.limit,
            source: self.source,
            remaining: self.remaining(),
            debt: u64::try_from((-self.level).max(0)).unwrap_or(u64::MAX),
        }
    }

    /// Applies one quota from the headers (see the module docs for the rule).
    fn sync(&mut self, quota: &Quota) {
        if let (LimitSource::Server, Some(limit)) = (self.source, quota.limit.filter(|&l| l > 0)) {
            self.limit = limit;
            self.capacity = capacity(limit, self.burst_ms);
            self.level = self.level.min(self.cap());
        }
        let Some(remaining) = quota.remaining else { return };
        // The server's figure lowers the level, never raises it: it is as old as the answer and
        // misses our requests still in flight, so a higher figure would spend their units twice.
        // The progress towards the next unit (`carry`) stays: zeroing it would starve a client
        // whose answers arrive faster than one unit refills, each `remaining: 0` restarting it.
        self.level = self.level.min(i128::from(remaining.min(self.capacity)));
        self.slow = None;
        let server_limit = quota.limit.unwrap_or(self.limit);
        if let Some(reset_ms) = quota.reset_ms.filter(|&r| r > 0 && remaining < server_limit) {
            let server = Rate { num: u128::from(server_limit - remaining), den: u128::from(reset_ms) };
            let local = self.local_rate();
            // server.num / server.den < local.num / local.den, cross-multiplied.
            if server.num * local.den < local.num * server.den {
                self.slow = Some(SlowPhase { until_ms: self.last_ms.saturating_add(reset_ms), rate: server });
            }
        }
    }
}

/// `limit` units, or `burst_ms` worth of them (at least one) when a burst is set.
fn capacity(limit: u64, burst_ms: Option<u64>) -> u64 {
    match burst_ms {
        None => limit,
        Some(ms) => {
            let held = u128::from(limit) * u128::from(ms.min(WINDOW_MS)) / u128::from(WINDOW_MS);
            u64::try_from(held).unwrap_or(limit).clamp(1, limit.max(1))
        }
    }
}

/// Client-side RPM/TPM limiter for one API key (or one deployment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimiter {
    config: RateLimitConfig,
    requests: Option<Bucket>,
    tokens: Option<Bucket>,
    blocked_until_ms: u64,
    last_ms: u64,
}

impl RateLimiter {
    /// A limiter whose configured buckets start full at `now_ms`. Every config that
    /// parses is usable (the values are checked when parsed), so this cannot fail.
    #[must_use]
    pub fn new(config: RateLimitConfig, now_ms: u64) -> Self {
        let burst = config.request_burst_ms;
        Self {
            requests: config.rpm.map(|l| Bucket::full(u64::from(l), burst, LimitSource::Config, now_ms)),
            tokens: config.tpm.map(|l| Bucket::full(l, None, LimitSource::Config, now_ms)),
            config,
            blocked_until_ms: 0,
            last_ms: now_ms,
        }
    }

    /// The config this limiter was built from.
    #[must_use]
    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    fn advance(&mut self, now_ms: u64) -> u64 {
        self.last_ms = self.last_ms.max(now_ms);
        let now = self.last_ms;
        for b in [&mut self.requests, &mut self.tokens].into_iter().flatten() {
            b.advance(now);
        }
        now
    }

    /// Asks to send one request of about `est_tokens` tokens now. When ready, one request
    /// and `est_tokens` are deducted; otherwise nothing is, and `wait_until_ms` says when
    /// to ask again. A time earlier than one already seen is treated as that time.
    pub fn reserve(&mut self, now_ms: u64, est_tokens: u64) -> Reservation {
        self.reserve_behind(now_ms, Ahead::default(), est_tokens)
    }

    /// As [`RateLimiter::reserve`], for a request that the waiters `ahead` go before
    /// (`super::line`): ready only while the buckets hold what they need besides its own, and
    /// otherwise told to ask again when they will. Only its own need is held against
    /// `max_wait_ms` and the capacity.
    pub fn reserve_behind(&mut self, now_ms: u64, ahead: Ahead, est_tokens: u64) -> Reservation {
        let now = self.advance(now_ms);
        let need_tokens = i128::from(est_tokens);
        let not_ready = |this: &Self, reason, wait_until_ms| Reservation {
            ready: false,
            reason,
            wait_until_ms,
            remaining_requests: this.requests.as_ref().map(Bucket::remaining),
            remaining_tokens: this.tokens.as_ref().map(Bucket::remaining),
        };
        if self.tokens.as_ref().is_some_and(|t| need_tokens > t.cap()) {
            return not_ready(self, LimitReason::ExceedsCapacity, None);
        }
        let (alone, reason) = self.room_at(now, 1, need_tokens);
        if alone > now && alone - now > self.config.max_wait_ms {
            return not_ready(self, LimitReason::WaitExceedsMax, Some(alone));
        }
        let (at, reason) = if ahead == Ahead::default() {
            (alone, reason)
        } else {
            self.room_at(now, 1 + i128::from(ahead.requests), need_tokens + i128::from(ahead.tokens))
        };
        if at > now {
            return not_ready(self, reason, Some(at));
        }
        if let Some(b) = &mut self.requests {
            b.level -= 1;
        }
        if let Some(b) = &mut self.tokens {
            b.level -= need_tokens;
        }
        Reservation {
            ready: true,
            reason: LimitReason::Ready,
            wait_until_ms: None,
            remaining_requests: self.requests.as_ref().map(Bucket::remaining),
            remaining_tokens: self.tokens.as_ref().map(Bucket::remaining),
        }
    }

    /// The earliest time from `now` that the buckets hold `requests` and `tokens`, and the
    /// bucket that waits longest. Levels only grow while nothing is deducted, so it is the
    /// later of the buckets' times; ties keep the first-listed reason.
    fn room_at(&self, now: u64, requests: i128, tokens: i128) -> (u64, LimitReason) {
        let mut at = now;
        let mut reason = LimitReason::Ready;
        let candidates = [
            (Some(self.blocked_until_ms), LimitReason::Drained),
            (self.requests.as_ref().map(|b| b.ready_at(requests)), LimitReason::RpmExhausted),
            (self.tokens.as_ref().map(|b| b.ready_at(tokens)), LimitReason::TpmExhausted),
        ];
        for (t, why) in candidates {
            if let Some(t) = t.filter(|&t| t > at) {
                at = t;
                reason = why;
            }
        }
        (at, reason)
    }

    /// Corrects the TPM bucket once a request's real usage is known: refunds an
    /// over-estimate (up to the limit) or debits an under-estimate.
    ///
    /// An under-estimate may push the bucket into debt rather than stopping at 0: the
    /// server charged those tokens, and forgetting them would let the next request out
    /// early exactly when the quota is nearly spent. The debt is capped at one full
    /// limit, because the server's own one-minute window forgets usage after that.
    pub fn reconcile(&mut self, now_ms: u64, estimated: u64, actual: u64) {
        self.advance(now_ms);
        let Some(b) = &mut self.tokens else { return };
        let cap = b.cap();
        b.level = (b.level + i128::from(estimated) - i128::from(actual)).clamp(-cap, cap);
        if b.level >= cap {
            b.carry = 0;
        }
    }

    /// Re-syncs the buckets from a response's rate-limit headers, if `sync_from_headers`
    /// (see the module docs for the rule). Only the `requests` and `tokens` quotas are
    /// used; Anthropic's `input_tokens`/`output_tokens` are narrower views of `tokens`.
    /// Returns whether the headers reported either quota and were applied.
    pub fn sync(&mut self, now_ms: u64, headers: &RateLimitHeaders) -> bool {
        if !self.config.sync_from_headers || (headers.requests.is_none() && headers.tokens.is_none()) {
            return false;
        }
        let now = self.advance(now_ms);
        let burst = self.config.request_burst_ms;
        for (slot, quota, burst) in
            [(&mut self.requests, &headers.requests, burst), (&mut self.tokens, &headers.tokens, None)]
        {
            let Some(quota) = quota else { continue };
            if slot.is_none() {
                if let Some(limit) = quota.limit.filter(|&l| l > 0) {
                    *slot = Some(Bucket::full(limit, burst, LimitSource::Server, now));
                }
            }
            if let Some(b) = slot {
                b.sync(quota);
            }
        }
        true
    }

    /// After a 429: no request is ready before `until_ms` (monotonic ms, e.g. now + Retry-After).
    /// The bucket levels are left alone; the 429's own headers, passed to [`Self::sync`], correct them.
    pub fn drain(&mut self, now_ms: u64, until_ms: u64) {
        self.advance(now_ms);
        self.blocked_until_ms = self.blocked_until_ms.max(until_ms);
    }

    /// The state at `now_ms` (refilled to that time without changing the limiter).
    #[must_use]
    pub fn snapshot(&self, now_ms: u64) -> RateLimitSnapshot {
        let mut this = self.clone();
        let now = this.advance(now_ms);
        RateLimitSnapshot {
            requests: this.requests.as_ref().map(Bucket::snapshot),
            tokens: this.tokens.as_ref().map(Bucket::snapshot),
            blocked_until_ms: Some(this.blocked_until_ms).filter(|&t| t > now),
        }
    }
}

#[cfg(test)]
mod tests;
