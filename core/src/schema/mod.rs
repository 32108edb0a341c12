//! Structured Outputs schemas: survive schema changes, validate in any runtime.
//!
//! | question | module |
//! | --- | --- |
//! | does this model output match the schema? | [`validate`] (compiled once, cached by content) |
//! | will the API accept this schema in strict mode? | [`lint`] (per-target limit profiles) |
//! | what is the strict form of a Pydantic or zod schema? | [`strict`] (openai-python's `to_strict_json_schema`, refusing with paths) |
//! | may v2 replace v1 without breaking readers or producers? | [`diff`] (Confluent's change kinds and verdicts) |
//! | can this output be repaired, or should the model be asked again? | [`tolerant`] |
//! | can this streamed prefix still become valid? | [`stream`] |
//!
//! Schemas and outputs are `serde_json::Value`s (with `preserve_order`: a schema keeps its
//! property order). Nothing here fetches: a `$ref` outside the document is an
//! `unresolved_ref` error with its path.

pub mod diff;
pub mod lint;
pub mod pointer;
pub mod stream;
pub mod strict;
pub mod tape;
pub mod tolerant;
pub mod validate;
pub mod walk;

use serde_json::Value;

use crate::error::{Error, ErrorCode, Result};

/// Parses JSON text (a schema, a model output) into a value.
///
/// # Errors
/// `syntax_error` with the line and column of malformed JSON or trailing characters;
/// `limit_exceeded` for nesting deeper than serde_json's 127 levels (a 100,000-deep
/// document is refused at level 128, in bounded time and stack).
pub fn parse_json(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| json_error(&e))
}

/// Parses a schema document: [`parse_json`], refusing a key given twice in one object
/// (`{"type": "integer", "type": "string"}` would read as a string schema, silently).
///
/// # Errors
/// As [`parse_json`]; `syntax_error` at the repeated key, with its line and column.
pub fn parse_schema(text: &str) -> Result<Value> {
    let value = parse_json(text)?;
    match crate::document::repeated_key_error(text) {
        Some(e) => Err(e),
        None => Ok(value),
    }
}

/// The character a one-letter JSON escape stands for (`n` in `\n`); `None` for `u` and
/// for letters JSON does not define.
pub(crate) fn short_escape(b: u8) -> Option<char> {
    Some(match b {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        _ => return None,
    })
}

/// A byte of ones in each lane of a word.
const ONES: u64 = 0x0101_0101_0101_0101;

/// Bytes of the word `x` equal to `b`, as their high bits (exact for the lowest one).
#[inline]
fn bytes_equal(x: u64, b: u8) -> u64 {
    let y = x ^ (ONES * u64::from(b));
    y.wrapping_sub(ONES) & !y & (ONES << 7)
}

/// Where the run of plain string bytes of `bytes` from `at` stops: at a quote, a backslash,
/// a control character, or the end. Eight bytes at a time (the tape's and the stream's
/// tokenizers both read strings with it).
#[inline]
pub(crate) fn plain_run(bytes: &[u8], mut at: usize) -> usize {
    while let Some(word) = bytes.get(at..at + 8) {
        let x = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let control = x.wrapping_sub(ONES * 0x20) & !x & (ONES << 7);
        let stop = bytes_equal(x, b'"') | bytes_equal(x, b'\\') | control;
        if stop != 0 {
            return at + (stop.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(&b) = bytes.get(at) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        at += 1;
    }
    at
}

/// The error for JSON text serde_json refused ([`parse_json`], [`tape::Doc::parse`]):
/// `limit_exceeded` past its recursion limit, `syntax_error` otherwise, with its position.
pub(crate) fn json_error(e: &serde_json::Error) -> Error {
    let message = e.to_string();
    let code = if message.starts_with("recursion limit exceeded") {
        ErrorCode::LimitExceeded
    } else {
        ErrorCode::Syntax
    };
    // serde_json appends " at line L column C"; the position is in its own fields.
    let message = message.split(" at line ").next().unwrap_or_default().to_owned();
    Error::new(code, "", message).at(e.line(), e.column())
}

/// Depth of nesting of a parsed value, stopping early once past `limit` (so a
/// 100,000-deep value costs `limit` steps, and no recursion deeper than `limit`).
#[must_use]
pub fn depth_exceeds(value: &Value, limit: usize) -> bool {
    fn walk(value: &Value, left: usize) -> bool {
        match value {
            Value::Array(items) => left == 0 || items.iter().any(|v| walk(v, left - 1)),
            Value::Object(map) => left == 0 || map.values().any(|v| walk(v, left - 1)),
            _ => false,
        }
    }
    walk(value, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_json_has_its_line_and_column() {
        let e = parse_json("{\n  \"a\": 1,\n  \"b\": }").unwrap_err();
        assert_eq!((e.code, e.line, e.column), (ErrorCode::Syntax, Some(3), Some(8)));
        assert!(!e.message.contains("at line"), "{}", e.message);
        let e = parse_json("{} trailing").unwrap_err();
        assert_eq!(e.code, ErrorCode::Syntax);
    }

    #[test]
    fn a_schema_that_gives_a_key_twice_is_refused_at_the_second() {
        let e = parse_schema("{\"properties\": {\"a\": {\"type\": \"integer\",\n  \"type\": \"string\"}}}")
            .unwrap_err();
        assert_eq!(
            (e.code, e.path.as_str(), e.line, e.column),
            (ErrorCode::Syntax, "properties.a.type", Some(2), Some(3))
        );
        assert!(parse_schema(r#"{"properties": {"type": {"type": "string"}}, "type": "object"}"#).is_ok());
    }

    #[test]
    fn a_hundred_thousand_levels_are_refused_not_overflowed() {
        let text = "[".repeat(100_000) + &"]".repeat(100_000);
        let e = parse_json(&text).unwrap_err();
        assert_eq!(e.code, ErrorCode::LimitExceeded);
    }

    #[test]
    fn depth_is_measured_up_to_the_limit() {
        let v = parse_json(r#"{"a": [[1]], "b": {}}"#).unwrap();
        assert!(!depth_exceeds(&v, 3));
        assert!(depth_exceeds(&v, 2));
        assert!(!depth_exceeds(&Value::from(1), 0));
    }
}
