//! Checked deserializers for config values, used with `#[serde(deserialize_with)]`.
//!
//! Each refuses a bad value with a tagged message, so the error that reaches
//! the user carries a stable code ([`ErrorCode`]) and serde_path_to_error adds
//! the field path. Pair each with `#[schemars(...)]` so the printed JSON
//! Schema states the same bound.

use serde::de::{Deserializer, Error as _};
use serde::Deserialize;

use crate::error::{tagged, ErrorCode};

/// Any number a document may hold where a number belongs.
#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

impl Number {
    fn as_f64(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        match *self {
            Self::Unsigned(u) => u as f64,
            Self::Signed(i) => i as f64,
            Self::Float(f) => f,
        }
    }
}

fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Number, D::Error> {
    Number::deserialize(d).map_err(|_| D::Error::custom(tagged(ErrorCode::InvalidType, "expected a number")))
}

fn finite<E: serde::de::Error>(x: f64) -> Result<f64, E> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(E::custom(tagged(ErrorCode::NotFinite, format!("{x} is not a finite number"))))
    }
}

/// A duration in whole milliseconds: `>= 0`, integral, at most `u64::MAX`.
pub fn duration_ms<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match number(d)? {
        Number::Unsigned(u) => Ok(u),
        Number::Signed(i) => Err(D::Error::custom(tagged(
            ErrorCode::NegativeDuration,
            format!("{i} ms: a duration cannot be negative"),
        ))),
        Number::Float(f) => {
            let f = finite::<D::Error>(f)?;
            if f < 0.0 {
                Err(D::Error::custom(tagged(
                    ErrorCode::NegativeDuration,
                    format!("{f} ms: a duration cannot be negative"),
                )))
            } else if f.fract() != 0.0 || f > 1.8e19 {
                Err(D::Error::custom(tagged(
                    ErrorCode::InvalidValue,
                    format!("{f} ms: a duration is a whole number of milliseconds"),
                )))
            } else {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                Ok(f as u64)
            }
        }
    }
}

/// An optional [`duration_ms`].
pub fn opt_duration_ms<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    duration_ms(d).map(Some)
}

/// A ratio in `[0, 1]`.
pub fn ratio<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let x = finite::<D::Error>(number(d)?.as_f64())?;
    if (0.0..=1.0).contains(&x) {
        Ok(x)
    } else {
        Err(D::Error::custom(tagged(ErrorCode::OutOfRange, format!("{x} is not a ratio in [0, 1]"))))
    }
}

/// A finite number `> 0`.
pub fn positive<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let x = finite::<D::Error>(number(d)?.as_f64())?;
    if x > 0.0 {
        Ok(x)
    } else {
        Err(D::Error::custom(tagged(ErrorCode::OutOfRange, format!("{x} must be greater than 0"))))
    }
}

/// A finite number `>= 1` (multipliers).
pub fn at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let x = finite::<D::Error>(number(d)?.as_f64())?;
    if x >= 1.0 {
        Ok(x)
    } else {
        Err(D::Error::custom(tagged(ErrorCode::OutOfRange, format!("{x} must be at least 1"))))
    }
}

/// A count `>= 1` that fits in `u32`.
pub fn nonzero_count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    match number(d)? {
        Number::Unsigned(u) if u >= 1 && u <= u64::from(u32::MAX) =>
        {
            #[allow(clippy::cast_possible_truncation)]
            Ok(u as u32)
        }
        other => Err(D::Error::custom(tagged(
            ErrorCode::OutOfRange,
            format!("{} must be a whole number from 1 to {}", other.as_f64(), u32::MAX),
        ))),
    }
}

/// A count `>= 0` that fits in `u32`.
pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    match number(d)? {
        Number::Unsigned(u) if u <= u64::from(u32::MAX) =>
        {
            #[allow(clippy::cast_possible_truncation)]
            Ok(u as u32)
        }
        other => Err(D::Error::custom(tagged(
            ErrorCode::OutOfRange,
            format!("{} must be a whole number from 0 to {}", other.as_f64(), u32::MAX),
        ))),
    }
}
