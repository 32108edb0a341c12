//! The first key a JSON document repeats in one object. serde_json keeps the last value of a
//! repeated key without a word, so `{"retry": {"max_retries": 2, "max_retries": 5}}` would
//! read as 5; a TOML document with a repeated key is already a syntax error. One walk of the
//! text, kept apart from the reading so that the typed reading stays serde's own.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::join_path;

/// The dotted path of the first key repeated in one object (`retry.max_retries`), if any; a
/// text that is not JSON has none (its syntax error is reported by the reading).
#[must_use]
pub fn repeated_key(text: &str) -> Option<String> {
    let found = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let _ = Walk { path: String::new(), found: &found }.deserialize(&mut de);
    found.into_inner()
}

/// One node of the walk: its path, and where the first repeated key goes.
struct Walk<'f> {
    path: String,
    found: &'f RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while seq
            .next_element_seed(Walk { path: format!("{}[{i}]", self.path), found: self.found })?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = join_path(&self.path, &key);
            if !seen.insert(key) && self.found.borrow().is_none() {
                *self.found.borrow_mut() = Some(path.clone());
            }
            map.next_value_seed(Walk { path, found: self.found })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::repeated_key;

    #[test]
    fn the_first_key_repeated_in_one_object_is_found_at_any_depth() {
        assert_eq!(repeated_key(r#"{"a": 1, "b": {"c": 2}}"#), None);
        assert_eq!(repeated_key(r#"{"a": {"b": 1, "b": 2}}"#).as_deref(), Some("a.b"));
        assert_eq!(repeated_key(r#"{"l": [{"x": 1}, {"x": 1, "y": 2, "x": 3}]}"#).as_deref(), Some("l[1].x"));
        // The same key in two objects is no repeat; an escaped spelling is the same key.
        assert_eq!(repeated_key(r#"[{"a": 1}, {"a": 2}]"#), None);
        assert_eq!(repeated_key(r#"{"a": 1, "\u0061": 2}"#).as_deref(), Some("a"));
        assert_eq!(repeated_key("{not json"), None);
    }
}
