//! Breaker settings: what counts as a failure, how much of it trips, how long to stay open.
//!
//! Defaults are resilience4j's `CircuitBreakerConfig` defaults unless a field
//! says otherwise. `window` and `open_wait` are `kind`-tagged maps read by a
//! hand-written visitor, so that a bad value is reported at its own path
//! (`window.size`), which serde's derived internally tagged enums cannot do.

use core::fmt;

use schemars::JsonSchema;
use serde::de::{Deserializer, Error as _, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::document::de;
use crate::error::{Error, ErrorCode};
use crate::transport::classify::Class;

/// Most calls a count window may hold: its ring buffer is allocated once, per key.
pub const MAX_WINDOW_CALLS: u32 = 100_000;
/// Most buckets a time window may have (`ceil(duration_ms / bucket_ms)`).
pub const MAX_WINDOW_BUCKETS: u64 = 100_000;

/// Settings of one circuit breaker; a registry gives every key a breaker with the same settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BreakerConfig {
    /// Which recent calls the rates are computed over. Default `{ "kind": "count", "size": 100 }`
    /// (resilience4j `slidingWindowType` COUNT_BASED, `slidingWindowSize` 100).
    pub window: WindowConfig,
    /// Trip when at least this share of calls failed. Default 0.5 (resilience4j `failureRateThreshold` 50 %).
    #[serde(deserialize_with = "de::ratio")]
    #[schemars(range(max = 1), extend("exclusiveMinimum" = 0))]
    pub failure_rate_threshold: f64,
    /// Trip when at least this share of calls was slow. Default 1.0 (resilience4j `slowCallRateThreshold` 100 %).
    #[serde(deserialize_with = "de::ratio")]
    #[schemars(range(max = 1), extend("exclusiveMinimum" = 0))]
    pub slow_call_rate_threshold: f64,
    /// A call taking longer than this is slow. Default 60000 (resilience4j `slowCallDurationThreshold` 60 s).
    #[serde(deserialize_with = "de::duration_ms")]
    pub slow_call_ms: u64,
    /// Also trip when this many calls in a row failed, whatever the window holds; 0 = off
    /// (default). gobreaker's default `ReadyToTrip` is `ConsecutiveFailures > 5`: a run is how
    /// a full outage shows at once, while a rate over a window that still holds the healthy
    /// minutes before it needs seconds of failures to reach its threshold.
    #[serde(deserialize_with = "de::count")]
    pub consecutive_failures: u32,
    /// No decision before this many calls are in the window. Default 100 (resilience4j
    /// `minimumNumberOfCalls`); clamped to the size of a count window, not of a time window, as there.
    #[serde(deserialize_with = "de::nonzero_count")]
    #[schemars(range(min = 1))]
    pub minimum_calls: u32,
    /// Probes allowed in half-open. Default 10 (resilience4j `permittedNumberOfCallsInHalfOpenState`).
    #[serde(deserialize_with = "de::nonzero_count")]
    #[schemars(range(min = 1))]
    pub half_open_permitted: u32,
    /// After this long in half-open without a verdict, open again; 0 = never. Default 0
    /// (resilience4j `maxWaitDurationInHalfOpenState`).
    #[serde(deserialize_with = "de::duration_ms")]
    pub max_half_open_ms: u64,
    /// How long to stay open. Default `{ "kind": "fixed", "ms": 60000 }` (resilience4j `waitDurationInOpenState`).
    pub open_wait: OpenWait,
    /// Classes that count as failures; `success` is a success and any other class is ignored
    /// (gobreaker `IsExcluded`). Default retryable, rate_limited, overloaded, fatal: a `permanent`
    /// result (400, 404, ...) is the caller's fault, not the upstream's.
    pub failure_classes: Vec<Class>,
    /// A rate_limited or overloaded result carrying a server delay opens the breaker for exactly
    /// that delay (resilience4j `transitionToOpenAndWaitFor`). Default true.
    pub retry_after_opens: bool,
    /// Shorter server delays do not open the breaker. Default 1000.
    #[serde(deserialize_with = "de::duration_ms")]
    pub retry_after_min_ms: u64,
    /// Longer server delays are capped to this. Default 120000 (openai-python `MAX_RETRY_AFTER_DELAY` 120 s).
    #[serde(deserialize_with = "de::duration_ms")]
    pub retry_after_max_ms: u64,
    /// State of a new breaker. Default `closed` (resilience4j `initialState`).
    pub initial_state: InitialState,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            window: WindowConfig::default(),
            failure_rate_threshold: 0.5,
            slow_call_rate_threshold: 1.0,
            slow_call_ms: 60_000,
            consecutive_failures: 0,
            minimum_calls: 100,
            half_open_permitted: 10,
            max_half_open_ms: 0,
            open_wait: OpenWait::default(),
            failure_classes: vec![Class::Retryable, Class::RateLimited, Class::Overloaded, Class::Fatal],
            retry_after_opens: true,
            retry_after_min_ms: 1000,
            retry_after_max_ms: 120_000,
            initial_state: InitialState::Closed,
        }
    }
}

fn out_of_range(path: &str, message: String) -> Error {
    Error::new(ErrorCode::OutOfRange, path, message)
}

impl BreakerConfig {
    /// Checks the rules that span fields; paths are relative to this struct.
    ///
    /// # Errors
    /// `out_of_range` for a zero threshold (resilience4j refuses 0 %), a window too large to
    /// allocate, `bucket_ms` outside `1..=duration_ms`, an open wait of 0 ms or `initial_ms` above
    /// `max_ms`, `retry_after_min_ms` above `retry_after_max_ms`; `invalid_value` when
    /// `failure_classes` lists `success`.
    pub fn validate(&self) -> crate::Result<()> {
        if self.failure_rate_threshold <= 0.0 {
            return Err(out_of_range("failure_rate_threshold", "must be greater than 0".into()));
        }
        if self.slow_call_rate_threshold <= 0.0 {
            return Err(out_of_range("slow_call_rate_threshold", "must be greater than 0".into()));
        }
        self.window.validate().map_err(|e| e.within("window"))?;
        self.open_wait.validate().map_err(|e| e.within("open_wait"))?;
        if let Some(i) = self.failure_classes.iter().position(|c| *c == Class::Success) {
            return Err(Error::new(
                ErrorCode::InvalidValue,
                format!("failure_classes[{i}]"),
                "`success` cannot count as a failure",
            ));
        }
        if self.retry_after_min_ms > self.retry_after_max_ms {
            return Err(out_of_range(
                "retry_after_min_ms",
                format!(
                    "retry_after_min_ms ({}) is above retry_after_max_ms ({})",
                    self.retry_after_min_ms, self.retry_after_max_ms
                ),
            ));
        }
        Ok(())
    }

    /// `minimum_calls` as the closed state applies it: clamped to a count window's size.
    pub(crate) fn effective_minimum_calls(&self) -> u32 {
        match self.window {
            WindowConfig::Count { size } => self.minimum_calls.min(size),
            WindowConfig::Time { .. } => self.minimum_calls,
        }
    }

    /// `min(minimum_calls, half_open_permitted)`: resilience4j decides half-open after that many probes.
    pub(crate) fn half_open_minimum_calls(&self) -> u32 {
        self.minimum_calls.min(self.half_open_permitted)
    }
}

stable_codes! {
    /// The state a breaker starts in.
    #[derive(Default)]
    pub enum InitialState {
        /// Normal operation.
        #[default]
        Closed = "closed",
        /// Permits everything and records nothing.
        Disabled = "disabled",
        /// Permits everything, records metrics, never transitions.
        MetricsOnly = "metrics_only",
        /// Rejects everything until reset.
        ForcedOpen = "forced_open",
    }
}

/// The sliding window over which failure and slow-call rates are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum WindowConfig {
    /// The last `size` calls (resilience4j COUNT_BASED).
    Count {
        /// Calls kept. Default 100 (resilience4j `slidingWindowSize`).
        #[serde(default = "default_size")]
        #[schemars(range(min = 1, max = 100_000))]
        size: u32,
    },
    /// The calls of the last `duration_ms`, in buckets keyed on `now_ms / bucket_ms`
    /// (resilience4j TIME_BASED uses one-second buckets); `duration_ms` is rounded up to whole buckets.
    Time {
        /// Span of the window. Default 100000 (resilience4j `slidingWindowSize` 100, in seconds).
        #[serde(default = "default_duration")]
        #[schemars(range(min = 1))]
        duration_ms: u64,
        /// Width of one bucket. Default 1000 (resilience4j's epoch-second buckets).
        #[serde(default = "default_bucket")]
        #[schemars(range(min = 1))]
        bucket_ms: u64,
    },
}

const fn default_size() -> u32 {
    100
}
const fn default_duration() -> u64 {
    100_000
}
const fn default_bucket() -> u64 {
    1000
}

impl Default for WindowConfig {
    fn default() -> Self {
        Self::Count { size: default_size() }
    }
}

impl WindowConfig {
    /// Number of buckets of a time window (0 for a count window).
    pub(crate) fn buckets(&self) -> u64 {
        match *self {
            Self::Count { .. } => 0,
            Self::Time { duration_ms, bucket_ms } => duration_ms.div_ceil(bucket_ms.max(1)),
        }
    }

    fn validate(&self) -> crate::Result<()> {
        match *self {
            Self::Count { size } if size > MAX_WINDOW_CALLS => {
                Err(out_of_range("size", format!("{size} calls: at most {MAX_WINDOW_CALLS}")))
            }
            Self::Count { .. } => Ok(()),
            Self::Time { duration_ms: 0, .. } => {
                Err(out_of_range("duration_ms", "must be at least 1".into()))
            }
            Self::Time { duration_ms, bucket_ms } if bucket_ms == 0 || bucket_ms > duration_ms => {
                Err(out_of_range(
                    "bucket_ms",
                    format!("{bucket_ms} ms must be from 1 to duration_ms ({duration_ms})"),
                ))
            }
            Self::Time { .. } if self.buckets() > MAX_WINDOW_BUCKETS => Err(out_of_range(
                "bucket_ms",
                format!("{} buckets: at most {MAX_WINDOW_BUCKETS}", self.buckets()),
            )),
            Self::Time { .. } => Ok(()),
        }
    }
}

/// How long the breaker stays open before it lets probes through.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OpenWait {
    /// Always the same wait.
    Fixed {
        /// The wait. Default 60000 (resilience4j `waitDurationInOpenState` 60 s); at least 1 as there.
        #[serde(default = "default_open_ms")]
        #[schemars(range(min = 1))]
        ms: u64,
    },
    /// `min(initial_ms · multiplier^reopens, max_ms)`, where `reopens` counts the half-open rounds
    /// that ended open since the breaker last closed (resilience4j `waitIntervalFunctionInOpenState(attempts)`)
    /// or, ours, since a round in which at least one probe succeeded.
    Exponential {
        /// Wait of the first opening. Default 60000 (resilience4j `waitDurationInOpenState`).
        #[serde(default = "default_open_ms")]
        #[schemars(range(min = 1))]
        initial_ms: u64,
        /// Growth per reopen. Default 1.5 (resilience4j `IntervalFunction.DEFAULT_MULTIPLIER`).
        #[serde(default = "default_multiplier")]
        #[schemars(range(min = 1))]
        multiplier: f64,
        /// Cap. Default 600000 (ours: resilience4j has none, and an uncapped wait can outlast the outage by hours).
        #[serde(default = "default_open_max_ms")]
        max_ms: u64,
    },
}

const fn default_open_ms() -> u64 {
    60_000
}
const fn default_multiplier() -> f64 {
    1.5
}
const fn default_open_max_ms() -> u64 {
    600_000
}

impl Default for OpenWait {
    fn default() -> Self {
        Self::Fixed { ms: default_open_ms() }
    }
}

/// Reopens past this add nothing but overflow risk: 1.0000001^1000 is still finite, any larger
/// multiplier has long reached the cap.
const MAX_REOPEN_EXPONENT: u32 = 1000;

impl OpenWait {
    /// The wait after `reopens` failed half-open rounds since the breaker last closed.
    #[must_use]
    pub fn wait_ms(&self, reopens: u32) -> u64 {
        match *self {
            Self::Fixed { ms } => ms,
            Self::Exponential { initial_ms, multiplier, max_ms } => {
                #[allow(clippy::cast_precision_loss)]
                let (initial, max) = (initial_ms as f64, max_ms as f64);
                let raw = initial * libm::pow(multiplier, f64::from(reopens.min(MAX_REOPEN_EXPONENT)));
                let capped = if raw.is_nan() { max } else { raw.min(max) };
                // Clamped to [initial, max] above, both u64 values, so the cast cannot wrap.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let wait = libm::ceil(capped.max(0.0)) as u64;
                wait.min(max_ms)
            }
        }
    }

    fn validate(&self) -> crate::Result<()> {
        match *self {
            Self::Fixed { ms: 0 } => Err(out_of_range("ms", "an open wait must be at least 1 ms".into())),
            Self::Exponential { initial_ms: 0, .. } => {
                Err(out_of_range("initial_ms", "an open wait must be at least 1 ms".into()))
            }
            Self::Exponential { initial_ms, max_ms, .. } if initial_ms > max_ms => Err(out_of_range(
                "initial_ms",
                format!("initial_ms ({initial_ms}) is above max_ms ({max_ms})"),
            )),
            _ => Ok(()),
        }
    }
}

// ---- hand-written deserializers for the two `kind`-tagged maps ----

#[derive(Deserialize)]
#[serde(transparent)]
struct Ms(#[serde(deserialize_with = "de::duration_ms")] u64);

#[derive(Deserialize)]
#[serde(transparent)]
struct Count(#[serde(deserialize_with = "de::nonzero_count")] u32);

#[derive(Deserialize)]
#[serde(transparent)]
struct Multiplier(#[serde(deserialize_with = "de::at_least_one")] f64);

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum WindowKind {
    Count,
    Time,
}

const WINDOW_ANY: &[&str] = &["kind", "size", "duration_ms", "bucket_ms"];
const WINDOW_COUNT: &[&str] = &["kind", "size"];
const WINDOW_TIME: &[&str] = &["kind", "duration_ms", "bucket_ms"];

impl<'de> Deserialize<'de> for WindowConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WindowConfig;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"a window: { "kind": "count", "size" } or { "kind": "time", "duration_ms", "bucket_ms" }"#)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WindowConfig, A::Error> {
                let (mut kind, mut size, mut duration, mut bucket) = (None, None, None, None);
                loop {
                    let allowed = match kind {
                        None => WINDOW_ANY,
                        Some(WindowKind::Count) => WINDOW_COUNT,
                        Some(WindowKind::Time) => WINDOW_TIME,
                    };
                    let Some(key) = map.next_key_seed(de::KeySeed(allowed))? else { break };
                    match key.as_str() {
                        "kind" => de::once(&mut kind, map.next_value::<WindowKind>()?, "kind")?,
                        "size" => de::once(&mut size, map.next_value::<Count>()?.0, "size")?,
                        "duration_ms" => de::once(&mut duration, map.next_value::<Ms>()?.0, "duration_ms")?,
                        _ => de::once(&mut bucket, map.next_value::<Ms>()?.0, "bucket_ms")?,
                    }
                }
                let present = [
                    ("size", size.is_some()),
                    ("duration_ms", duration.is_some()),
                    ("bucket_ms", bucket.is_some()),
                ];
                match kind.ok_or_else(|| A::Error::missing_field("kind"))? {
                    WindowKind::Count => {
                        de::misplaced(&present, WINDOW_COUNT)?;
                        Ok(WindowConfig::Count { size: size.unwrap_or(default_size()) })
                    }
                    WindowKind::Time => {
                        de::misplaced(&present, WINDOW_TIME)?;
                        Ok(WindowConfig::Time {
                            duration_ms: duration.unwrap_or(default_duration()),
                            bucket_ms: bucket.unwrap_or(default_bucket()),
                        })
                    }
                }
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum WaitKind {
    Fixed,
    Exponential,
}

const WAIT_ANY: &[&str] = &["kind", "ms", "initial_ms", "multiplier", "max_ms"];
const WAIT_FIXED: &[&str] = &["kind", "ms"];
const WAIT_EXPONENTIAL: &[&str] = &["kind", "initial_ms", "multiplier", "max_ms"];

impl<'de> Deserialize<'de> for OpenWait {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OpenWait;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"an open wait: { "kind": "fixed", "ms" } or { "kind": "exponential", "initial_ms", "multiplier", "max_ms" }"#)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OpenWait, A::Error> {
                let (mut kind, mut ms, mut initial, mut multiplier, mut max) = (None, None, None, None, None);
                loop {
                    let allowed = match kind {
                        None => WAIT_ANY,
                        Some(WaitKind::Fixed) => WAIT_FIXED,
                        Some(WaitKind::Exponential) => WAIT_EXPONENTIAL,
                    };
                    let Some(key) = map.next_key_seed(de::KeySeed(allowed))? else { break };
                    match key.as_str() {
                        "kind" => de::once(&mut kind, map.next_value::<WaitKind>()?, "kind")?,
                        "ms" => de::once(&mut ms, map.next_value::<Ms>()?.0, "ms")?,
                        "initial_ms" => de::once(&mut initial, map.next_value::<Ms>()?.0, "initial_ms")?,
                        "multiplier" => {
                            de::once(&mut multiplier, map.next_value::<Multiplier>()?.0, "multiplier")?
                        }
                        _ => de::once(&mut max, map.next_value::<Ms>()?.0, "max_ms")?,
                    }
                }
                let present = [
                    ("ms", ms.is_some()),
                    ("initial_ms", initial.is_some()),
                    ("multiplier", multiplier.is_some()),
                    ("max_ms", max.is_some()),
                ];
                match kind.ok_or_else(|| A::Error::missing_field("kind"))? {
                    WaitKind::Fixed => {
                        de::misplaced(&present, WAIT_FIXED)?;
                        Ok(OpenWait::Fixed { ms: ms.unwrap_or(default_open_ms()) })
                    }
                    WaitKind::Exponential => {
                        de::misplaced(&present, WAIT_EXPONENTIAL)?;
                        Ok(OpenWait::Exponential {
                            initial_ms: initial.unwrap_or(default_open_ms()),
                            multiplier: multiplier.unwrap_or(default_multiplier()),
                            max_ms: max.unwrap_or(default_open_max_ms()),
                        })
                    }
                }
            }
        }
        d.deserialize_map(V)
    }
}
