//! Checked deserializers for config values, used with `#[serde(deserialize_with)]`.
//!
//! Each refuses a bad value with a tagged message, so the error that reaches
//! the user carries a stable code ([`ErrorCode`]) and serde_path_to_error adds
//! the field path. Pair each with `#[schemars(...)]` so the printed JSON
//! Schema states the same bound.

use serde::de::{Deserializer, Error as _};

use crate::error::{tagged, ErrorCode};

/// Any number a document may hold where a number belongs.
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

/// Reads one number and applies `check` to it *inside* the deserializer's call, so that a
/// refusal is located at the number itself (serde_json positions an error where it is
/// raised; raised afterwards, it would point at the next token, possibly on the next line).
struct Checked<F>(F);

impl<'de, T, F: FnOnce(Number) -> Result<T, String>> serde::de::Visitor<'de> for Checked<F> {
    type Value = T;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a number")
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<T, E> {
        (self.0)(Number::Unsigned(v)).map_err(E::custom)
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<T, E> {
        match u64::try_from(v) {
            Ok(u) => self.visit_u64(u),
            Err(_) => (self.0)(Number::Signed(v)).map_err(E::custom),
        }
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<T, E> {
        (self.0)(Number::Float(v)).map_err(E::custom)
    }
}

fn checked<'de, D: Deserializer<'de>, T>(
    d: D,
    check: impl FnOnce(Number) -> Result<T, String>,
) -> Result<T, D::Error> {
    d.deserialize_any(Checked(check)).map_err(|e: D::Error| {
        // A non-number reaches `expecting`: give it the stable code.
        let text = e.to_string();
        if text.starts_with("invalid type") {
            D::Error::custom(tagged(ErrorCode::InvalidType, "expected a number"))
        } else {
            e
        }
    })
}

/// 2^64: the first integral f64 past `u64::MAX` (every integral f64 below it converts exactly).
const TWO_64: f64 = 18_446_744_073_709_551_616.0;

/// A duration in whole milliseconds: `>= 0`, integral, at most `u64::MAX`.
pub fn duration_ms<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    checked(d, |n| match n {
        Number::Unsigned(u) => Ok(u),
        Number::Signed(i) => {
            Err(tagged(ErrorCode::NegativeDuration, format!("{i} ms: a duration cannot be negative")))
        }
        Number::Float(f) if !f.is_finite() => Err(not_finite(f)),
        Number::Float(f) if f < 0.0 => {
            Err(tagged(ErrorCode::NegativeDuration, format!("{f} ms: a duration cannot be negative")))
        }
        Number::Float(f) if f.fract() != 0.0 => Err(tagged(
            ErrorCode::InvalidValue,
            format!("{f} ms: a duration is a whole number of milliseconds"),
        )),
        Number::Float(f) if f >= TWO_64 => Err(tagged(
            ErrorCode::OutOfRange,
            format!("{f} ms is past the longest duration ({} ms)", u64::MAX),
        )),
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Number::Float(f) => Ok(f as u64),
    })
}

/// `null` as none, any other value read by a checked deserializer: an optional setting that
/// `null` switches off, and what a config serialized with its unset fields reads back as.
macro_rules! or_null {
    ($(#[$doc:meta])* $name:ident, $read:path, $t:ty) => {
        $(#[$doc])*
        pub fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<$t>, D::Error> {
            struct Read($t);
            impl<'de> serde::Deserialize<'de> for Read {
                fn deserialize<D2: Deserializer<'de>>(d: D2) -> Result<Self, D2::Error> {
                    $read(d).map(Read)
                }
            }
            <Option<Read> as serde::Deserialize>::deserialize(d).map(|r| r.map(|Read(v)| v))
        }
    };
}

or_null!(
    /// An optional [`duration_ms`] (a budget or a timeout; `null` switches it off).
    opt_duration_ms, duration_ms, u64
);
or_null!(
    /// An optional [`nonzero_count`] (`null` is none).
    opt_nonzero_count, nonzero_count, u32
);
or_null!(
    /// An optional [`nonzero_u64`] (`null` is none).
    opt_nonzero_u64, nonzero_u64, u64
);

fn not_finite(x: f64) -> String {
    tagged(ErrorCode::NotFinite, format!("{x} is not a finite number"))
}

/// A finite number within `ok`, else `out_of_range` with `what`.
fn bounded<'de, D: Deserializer<'de>>(
    d: D,
    ok: fn(f64) -> bool,
    what: &'static str,
) -> Result<f64, D::Error> {
    checked(d, |n| {
        let x = n.as_f64();
        if !x.is_finite() {
            Err(not_finite(x))
        } else if ok(x) {
            Ok(x)
        } else {
            Err(tagged(ErrorCode::OutOfRange, format!("{x} {what}")))
        }
    })
}

/// A ratio in `[0, 1]`.
pub fn ratio<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    bounded(d, |x| (0.0..=1.0).contains(&x), "is not a ratio in [0, 1]")
}

/// A finite number `> 0`.
pub fn positive<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    bounded(d, |x| x > 0.0, "must be greater than 0")
}

/// A finite number `>= 1` (multipliers).
pub fn at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    bounded(d, |x| x >= 1.0, "must be at least 1")
}

/// A whole number in `min..=max`: an integral float (`2.0`) is one, as in the bindings; a
/// fraction is `invalid_value`, a number outside the range `out_of_range`.
fn whole<'de, D: Deserializer<'de>>(d: D, min: u64, max: u64) -> Result<u64, D::Error> {
    checked(d, |n| {
        let value = match n {
            Number::Unsigned(u) => Some(u),
            // 2^64 as an f64 is past u64::MAX; below it every integral f64 converts exactly.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Number::Float(f) if f.fract() == 0.0 && (0.0..TWO_64).contains(&f) => Some(f as u64),
            Number::Float(f) if !f.is_finite() => return Err(not_finite(f)),
            Number::Float(f) if f.fract() != 0.0 => {
                return Err(tagged(ErrorCode::InvalidValue, format!("{f}: a count is a whole number")))
            }
            _ => None,
        };
        value.filter(|v| (min..=max).contains(v)).ok_or_else(|| {
            tagged(
                ErrorCode::OutOfRange,
                format!("{} must be a whole number from {min} to {max}", n_text(&n)),
            )
        })
    })
}

fn whole_u32<'de, D: Deserializer<'de>>(d: D, min: u32) -> Result<u32, D::Error> {
    whole(d, u64::from(min), u64::from(u32::MAX)).map(|v| u32::try_from(v).unwrap_or(u32::MAX))
}

/// A whole number `>= 1` that fits in `u64`.
pub fn nonzero_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    whole(d, 1, u64::MAX)
}

fn n_text(n: &Number) -> String {
    match *n {
        Number::Unsigned(u) => u.to_string(),
        Number::Signed(i) => i.to_string(),
        Number::Float(f) => f.to_string(),
    }
}

/// A count `>= 1` that fits in `u32`.
pub fn nonzero_count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    whole_u32(d, 1)
}

/// A count `>= 0` that fits in `u32`.
pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    whole_u32(d, 0)
}

/// Reads `T` from a JSON object only. Serde's derived structs also take an array of their
/// fields in order (`["r1", {...}, null]`), which no API sends and which would be read
/// silently as a record; a line of a JSON Lines file, or an event, is an object.
pub(crate) fn object<'de, T: serde::Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    struct Object<T>(core::marker::PhantomData<T>);

    impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Object<T> {
        type Value = T;

        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("an object")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }

    d.deserialize_map(Object(core::marker::PhantomData))
}

/// [`object`] over JSON text, refusing anything after the value (as `serde_json::from_str`).
pub(crate) fn object_from_str<'a, T: serde::Deserialize<'a>>(text: &'a str) -> serde_json::Result<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = object(&mut de)?;
    de.end()?;
    Ok(value)
}

// ---- reading a `kind`-tagged map field by field (the breaker's window and open wait, the
// retry budget): serde's internally tagged enums read the map into a buffer first, and an
// error inside it loses its field, its position and every later error of the document.

/// Reads a key, refusing those the map's `kind` (when already read) does not have.
pub(crate) struct KeySeed(pub(crate) &'static [&'static str]);

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        let key = <String as serde::Deserialize>::deserialize(d)?;
        if self.0.contains(&key.as_str()) {
            Ok(key)
        } else {
            Err(D::Error::unknown_field(&key, self.0))
        }
    }
}

pub(crate) fn once<T, E: serde::de::Error>(
    slot: &mut Option<T>,
    value: T,
    name: &'static str,
) -> Result<(), E> {
    if slot.replace(value).is_some() {
        Err(E::duplicate_field(name))
    } else {
        Ok(())
    }
}

/// Refuses a field read before `kind` that the kind turned out not to have.
pub(crate) fn misplaced<E: serde::de::Error>(
    present: &[(&'static str, bool)],
    allowed: &'static [&'static str],
) -> Result<(), E> {
    match present.iter().find(|(name, here)| *here && !allowed.contains(name)) {
        Some((name, _)) => Err(E::unknown_field(name, allowed)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use crate::{ErrorCode, Policy};

    #[test]
    fn a_refused_number_is_located_on_its_own_line_even_when_last_in_its_object() {
        let text = "{\n  \"breaker\": {\n    \"failure_rate_threshold\": 1.5\n  }\n}\n";
        let e = Policy::from_json(text).unwrap_err();
        assert_eq!(
            (e.code, e.path.as_str(), e.line),
            (ErrorCode::OutOfRange, "breaker.failure_rate_threshold", Some(3))
        );
        let text = "{\n  \"deadline\": {\n    \"total_ms\": -1\n  }\n}";
        let e = Policy::from_json(text).unwrap_err();
        assert_eq!((e.code, e.line), (ErrorCode::NegativeDuration, Some(3)));
    }

    #[test]
    fn a_duration_past_u64_is_out_of_range_and_a_fraction_invalid() {
        // serde_json reads an integer past 64 bits in text as a float: still out of range.
        for (ms, code) in [
            ("1180591620717411303424", ErrorCode::OutOfRange),
            ("18446744073709551616", ErrorCode::OutOfRange),
            ("2.5", ErrorCode::InvalidValue),
        ] {
            let text = format!(r#"{{"deadline": {{"total_ms": {ms}}}}}"#);
            assert_eq!(Policy::from_json(&text).unwrap_err().code, code, "{ms}");
        }
        assert!(Policy::from_json(r#"{"deadline": {"total_ms": 18446744073709551615}}"#).is_ok());
    }

    #[test]
    fn a_string_where_a_number_belongs_is_an_invalid_type() {
        let e = Policy::from_json(r#"{ "retry": { "backoff": { "multiplier": "2" } } }"#).unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidType, "retry.backoff.multiplier"));
    }
}
