//! Reading documents: JSON text, TOML text or an already parsed value into a checked type.
//!
//! Every config struct denies unknown fields and checks its numbers while it is read
//! ([`de`]); a refusal is an [`Error`] with the stable code, the field's dotted path and,
//! for text, its line and column. This module knows no config type: each component reads
//! its own, and [`crate::policy`] composes them.

pub mod de;

use serde::de::DeserializeOwned;

use crate::error::{classify_serde_message, Error, ErrorCode, Result};

/// Reads a config value of type `T` from JSON text.
///
/// # Errors
/// `syntax_error` with line and column for malformed JSON; otherwise the code
/// of the offending value with its dotted path.
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = path_string(e.path());
        let inner = e.into_inner();
        let (line, column) = (inner.line(), inner.column());
        let code_and_message = if inner.is_syntax() || inner.is_eof() {
            (ErrorCode::Syntax, inner.to_string())
        } else {
            classify_serde_message(&strip_json_position(&inner.to_string()))
        };
        at_field(code_and_message.0, path, code_and_message.1).at(line, column)
    })?;
    de.end().map_err(|e| Error::new(ErrorCode::Syntax, "", e.to_string()).at(e.line(), e.column()))?;
    Ok(value)
}

/// Reads a config value of type `T` from an already parsed JSON value (bindings pass dicts this way).
///
/// # Errors
/// The code of the offending value with its dotted path.
pub fn from_value<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T> {
    // Without path tracking first (a quarter of the cost: bindings read a classification back
    // on every retry decision); a refused value is read again, tracked, for the path. Both
    // reads are the same deterministic deserialization, so they refuse the same values.
    if let Ok(parsed) = T::deserialize(value) {
        return Ok(parsed);
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = path_string(e.path());
        let (code, message) = classify_serde_message(&e.into_inner().to_string());
        at_field(code, path, message)
    })
}

/// The error, its path ending at the field itself for a missing field (serde reports the
/// object holding it: `ledger[0]` becomes `ledger[0].attempts`).
fn at_field(code: ErrorCode, path: String, message: String) -> Error {
    let field = (code == ErrorCode::MissingField)
        .then(|| message.strip_prefix("missing field `")?.split('`').next())
        .flatten()
        .filter(|f| !f.is_empty());
    match field {
        Some(field) => {
            let path = crate::error::join_path(&path, field);
            Error::new(code, path, message)
        }
        None => Error::new(code, path, message),
    }
}

/// Reads a config value of type `T` from TOML text.
///
/// # Errors
/// As [`from_json`], with the line and column of the offending span.
pub fn from_toml<T: DeserializeOwned>(text: &str) -> Result<T> {
    let de = toml::Deserializer::parse(text).map_err(|e| toml_error(text, &e, ""))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = path_string(e.path());
        toml_error(text, &e.into_inner(), &path)
    })
}

fn toml_error(text: &str, e: &toml::de::Error, path: &str) -> Error {
    let (code, message) = if path.is_empty() && e.span().is_some_and(|s| s.start == 0 && s.end == 0) {
        (ErrorCode::Syntax, e.message().to_owned())
    } else {
        classify_serde_message(e.message())
    };
    let mut err = at_field(code, path.to_owned(), message);
    if let Some(span) = e.span() {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        err = err.at(line, column);
    }
    err
}

/// `breaker.window.size` / `steps[3].args` from serde_path_to_error's path.
fn path_string(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// serde_json appends " at line L column C" to messages; the location is kept separately.
fn strip_json_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}
