//! Backoff: how long to wait before the next attempt, with a cap and a jitter kind.
//!
//! `n` is the number of retries already taken (0 before the first retry). The
//! un-jittered delay is `min(base · multiplier^n, max)`; each jitter kind then
//! draws at most one random number from the caller's [`Rng`], so a seed fixes
//! every delay. All kinds are computed in `f64` milliseconds with `libm`, which
//! gives the same bits natively and in WASM, and rounded up to whole
//! milliseconds at the end.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Rng;

stable_codes! {
    /// How the un-jittered delay `d = min(base · multiplier^n, max)` is randomized.
    pub enum Jitter {
        /// `d`: no randomness (go-retryablehttp's DefaultBackoff).
        None = "none",
        /// `U(0, d)`: AWS "Full Jitter"; Envoy's default.
        Full = "full",
        /// `d/2 + U(0, d/2)`: AWS "Equal Jitter".
        Equal = "equal",
        /// `min(max, U(base, 3 · previous))`, previous starting at base: AWS "Decorrelated Jitter".
        Decorrelated = "decorrelated",
        /// `d · (1 − factor · U(0, 1))`: the official OpenAI SDKs (factor 0.25).
        Proportional = "proportional",
        /// Polly v8 DecorrelatedJitterBackoffV2: median near `base · 2^n`, no clustering.
        DecorrelatedV2 = "decorrelated_v2",
        /// gRPC A6 (2024): `d · U(0.8, 1.2)`; the cap applies before the jitter.
        Grpc = "grpc",
    }
}

/// Backoff settings (part of the retry policy).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BackoffConfig {
    /// Delay before the first retry, before jitter. Default 500 ms (openai-python `INITIAL_RETRY_DELAY`).
    #[serde(deserialize_with = "crate::document::de::duration_ms")]
    pub base_ms: u64,
    /// Growth per retry. Default 2 (openai-python `pow(2.0, nb_retries)`).
    #[serde(deserialize_with = "crate::document::de::at_least_one")]
    #[schemars(range(min = 1))]
    pub multiplier: f64,
    /// Cap on the un-jittered delay. Default 8000 ms (openai-python `MAX_RETRY_DELAY`).
    #[serde(deserialize_with = "crate::document::de::duration_ms")]
    pub max_ms: u64,
    /// Jitter kind. Default `proportional` (the OpenAI SDKs).
    pub jitter: Jitter,
    /// Share of the delay `proportional` jitter may remove. Default 0.25 (openai-python `1 - 0.25 * random()`).
    #[serde(deserialize_with = "crate::document::de::ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub jitter_factor: f64,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        Self {
            base_ms: 500,
            multiplier: 2.0,
            max_ms: 8000,
            jitter: Jitter::Proportional,
            jitter_factor: 0.25,
        }
    }
}

impl BackoffConfig {
    /// Checks the rules that span fields.
    ///
    /// # Errors
    /// `out_of_range` at `max_ms` when it is below `base_ms`.
    pub fn validate(&self) -> crate::Result<()> {
        if self.max_ms < self.base_ms {
            return Err(crate::Error::new(
                crate::ErrorCode::OutOfRange,
                "max_ms",
                format!("max_ms ({}) is below base_ms ({})", self.max_ms, self.base_ms),
            ));
        }
        Ok(())
    }
}

/// Retries past this exponent add nothing but overflow risk (openai-python caps at 1000 too).
const MAX_EXPONENT: u32 = 1000;

/// The backoff of one logical request: the config plus the memory the decorrelated kinds need.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Backoff {
    config: BackoffConfig,
    /// AWS decorrelated: the previous sleep (ms). Polly V2: the previous formula value.
    prev: f64,
}

impl Backoff {
    /// A fresh backoff; changes only through [`Self::next_delay_ms`].
    #[must_use]
    pub fn new(config: BackoffConfig) -> Self {
        let prev = Self::initial_prev(&config);
        Self { config, prev }
    }

    fn initial_prev(config: &BackoffConfig) -> f64 {
        match config.jitter {
            Jitter::Decorrelated => ms(config.base_ms),
            _ => 0.0,
        }
    }

    /// The config this backoff follows.
    #[must_use]
    pub fn config(&self) -> &BackoffConfig {
        &self.config
    }

    /// The un-jittered delay before retry `n + 1`: `min(base · multiplier^n, max)` in ms.
    #[must_use]
    pub fn capped_exponential_ms(&self, retries_taken: u32) -> f64 {
        let raw = ms(self.config.base_ms) * powi(self.config.multiplier, retries_taken.min(MAX_EXPONENT));
        // An infinite or NaN product (huge n) is capped like any other large value.
        if raw.is_nan() {
            ms(self.config.max_ms)
        } else {
            raw.min(ms(self.config.max_ms))
        }
    }

    /// The delay in ms before retry `retries_taken + 1`, drawing from `rng` (one draw, none for `none`).
    pub fn next_delay_ms(&mut self, retries_taken: u32, rng: &mut Rng) -> u64 {
        let r = if self.config.jitter == Jitter::None { 0.0 } else { rng.next_f64() };
        ceil_ms(self.delay_for_draw(retries_taken, r))
    }

    /// The delay in fractional ms for a given uniform draw `r` in `[0, 1)`; advances the decorrelated memory.
    pub fn delay_for_draw(&mut self, retries_taken: u32, r: f64) -> f64 {
        let d = self.capped_exponential_ms(retries_taken);
        let base = ms(self.config.base_ms);
        let max = ms(self.config.max_ms);
        let delay = match self.config.jitter {
            Jitter::None => d,
            Jitter::Full => r * d,
            Jitter::Equal => d / 2.0 + r * (d / 2.0),
            Jitter::Decorrelated => {
                // aws-arch-backoff-simulator: sleep = min(cap, random_between(base, sleep * 3)).
                let hi = (self.prev * 3.0).max(base);
                let sleep = (base + r * (hi - base)).min(max);
                self.prev = sleep;
                sleep
            }
            Jitter::Proportional => d * (1.0 - self.config.jitter_factor * r),
            Jitter::DecorrelatedV2 => self.polly_v2(retries_taken, r),
            // grpc/proposal A6: min(initial · mult^(n−1), max) · U(0.8, 1.2).
            Jitter::Grpc => d * (0.8 + 0.4 * r),
        };
        if delay.is_finite() {
            delay.max(0.0)
        } else {
            max
        }
    }

    /// Polly `DecorrelatedJitterBackoffV2` (src/Polly.Core/Retry/RetryHelper.cs):
    /// `t = n + r; next = 2^t · tanh(sqrt(4t)); delay = (next − prev) / 1.4 · base`.
    fn polly_v2(&mut self, retries_taken: u32, r: f64) -> f64 {
        const P_FACTOR: f64 = 4.0;
        const RP_SCALING: f64 = 1.0 / 1.4;
        let t = f64::from(retries_taken.min(MAX_EXPONENT)) + r;
        let next = libm::pow(2.0, t) * libm::tanh(libm::sqrt(P_FACTOR * t));
        let max = ms(self.config.max_ms);
        if !next.is_finite() {
            return max;
        }
        let delay = (next - self.prev) * RP_SCALING * ms(self.config.base_ms);
        self.prev = next;
        delay.min(max)
    }

    /// Forgets the decorrelated memory (a new logical request).
    pub fn reset(&mut self) {
        self.prev = Self::initial_prev(&self.config);
    }
}

/// `base^n` by repeated squaring: only IEEE multiplications, so every runtime gets the same
/// bits (exact for powers of two), and about ten of them instead of a general `pow`.
#[must_use]
pub fn powi(base: f64, mut n: u32) -> f64 {
    let (mut acc, mut b) = (1.0, base);
    while n > 0 {
        if n & 1 == 1 {
            acc *= b;
        }
        b *= b;
        n >>= 1;
    }
    acc
}

#[allow(clippy::cast_precision_loss)]
fn ms(x: u64) -> f64 {
    x as f64
}

/// Rounds a delay up to whole milliseconds: a host never wakes before the computed time.
#[must_use]
pub fn ceil_ms(x: f64) -> u64 {
    if x.is_nan() || x <= 0.0 {
        0
    } else if x >= 1.8e19 {
        u64::MAX
    } else {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let whole = libm::ceil(x) as u64;
        whole
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{prop_assert, proptest};

    fn backoff(jitter: Jitter, base_ms: u64, max_ms: u64) -> Backoff {
        Backoff::new(BackoffConfig { base_ms, max_ms, jitter, ..BackoffConfig::default() })
    }

    #[test]
    fn openai_sdk_delays_are_half_a_second_doubling_to_eight_minus_a_quarter() {
        let mut b = backoff(Jitter::Proportional, 500, 8000);
        assert_eq!(b.delay_for_draw(0, 0.0), 500.0);
        assert_eq!(b.delay_for_draw(1, 0.0), 1000.0);
        assert_eq!(b.delay_for_draw(1, 0.5), 875.0);
        assert_eq!(b.delay_for_draw(4, 0.0), 8000.0);
        assert_eq!(b.delay_for_draw(30, 0.999_999), 8000.0 * (1.0 - 0.25 * 0.999_999));
    }

    #[test]
    fn full_and_equal_jitter_span_their_ranges() {
        let mut full = backoff(Jitter::Full, 100, 10_000);
        assert_eq!(full.delay_for_draw(3, 0.0), 0.0);
        assert_eq!(full.delay_for_draw(3, 0.5), 400.0);
        let mut equal = backoff(Jitter::Equal, 100, 10_000);
        assert_eq!(equal.delay_for_draw(3, 0.0), 400.0);
        assert_eq!(equal.delay_for_draw(3, 0.5), 600.0);
    }

    #[test]
    fn grpc_jitter_is_plus_minus_twenty_percent_after_the_cap() {
        let mut g = backoff(Jitter::Grpc, 1000, 4000);
        assert!((g.delay_for_draw(5, 0.0) - 3200.0).abs() < 1e-9);
        assert!((g.delay_for_draw(5, 0.999_999_999) - 4800.0).abs() < 1e-3);
    }

    #[test]
    fn aws_decorrelated_grows_from_base_up_to_three_times_the_previous_sleep() {
        let mut d = backoff(Jitter::Decorrelated, 100, 1000);
        assert_eq!(d.delay_for_draw(0, 0.5), 200.0); // U(100, 300)
        assert_eq!(d.delay_for_draw(1, 0.5), 350.0); // U(100, 600)
        assert_eq!(d.delay_for_draw(2, 1.0 - 1e-12).round(), 1000.0); // capped
        d.reset();
        assert_eq!(d.delay_for_draw(0, 0.0), 100.0);
    }

    #[test]
    fn polly_v2_first_delay_is_near_base_and_deltas_telescope() {
        let mut p = backoff(Jitter::DecorrelatedV2, 1000, 1_000_000);
        let draws = [0.3, 0.7, 0.1, 0.9];
        let total: f64 = draws.iter().enumerate().map(|(n, &r)| p.delay_for_draw(n as u32, r)).sum();
        // The delays telescope to the last formula value: (2^t · tanh(sqrt(4t))) / 1.4 · base.
        let t = 3.0 + 0.9;
        let expected = libm::pow(2.0, t) * libm::tanh(libm::sqrt(4.0 * t)) / 1.4 * 1000.0;
        assert!((total - expected).abs() < 1e-6, "{total} vs {expected}");
    }

    proptest! {
        #[test]
        fn every_kind_stays_within_zero_and_its_bound(
            kind in 0usize..7, base in 0u64..100_000, extra in 0u64..10_000_000,
            n in 0u32..=1_000_000, seed: u64, mult in 1.0f64..10.0,
        ) {
            let jitter = Jitter::ALL[kind];
            let max = base + extra;
            let mut b = Backoff::new(BackoffConfig { base_ms: base, max_ms: max, multiplier: mult, jitter, jitter_factor: 0.25 });
            let mut rng = Rng::new(seed);
            for step in 0..4 {
                let delay = b.next_delay_ms(n.saturating_add(step), &mut rng);
                // gRPC jitters after the cap, so it may exceed max by 20 %.
                let bound = if jitter == Jitter::Grpc { ceil_ms(max as f64 * 1.2) } else { max };
                prop_assert!(delay <= bound, "{jitter} n={n} delay={delay} bound={bound}");
            }
        }
    }
}
