//! The seeded PRNG every stateful object owns.
//!
//! SplitMix64 (Steele, Lea, Flood 2014; the seeding generator of `java.util.
//! SplittableRandom` and of xoshiro): one `u64` of state, passes BigCrush, and
//! is trivially identical in every runtime because it is only wrapping integer
//! arithmetic. Jitter needs uniformity and reproducibility, not secrecy.

use serde::{Deserialize, Serialize};

/// A deterministic random source; the same seed yields the same draws everywhere.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose whole future is fixed by `seed`.
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform draw in `[0, 1)` with 53 bits of precision.
    pub fn next_f64(&mut self) -> f64 {
        // 2^-53: the spacing of f64 values in [0.5, 1).
        #[allow(clippy::cast_precision_loss)]
        let top53 = (self.next_u64() >> 11) as f64;
        top53 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A uniform draw in `[lo, hi)`; `lo` when the range is empty.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        let r = self.next_f64();
        if hi > lo {
            lo + r * (hi - lo)
        } else {
            lo
        }
    }

    /// A generator for a child object, decorrelated from this one's future.
    pub fn fork(&mut self) -> Self {
        Self::new(self.next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // First outputs of SplitMix64 seeded with 0 (the reference C code by Vigna).
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(rng.next_u64(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn draws_stay_in_the_unit_interval() {
        let mut rng = Rng::new(42);
        for _ in 0..10_000 {
            let r = rng.next_f64();
            assert!((0.0..1.0).contains(&r));
        }
    }
}
