//! Reading documents: JSON text, TOML text or an already parsed value into a checked type.
//!
//! Every config struct denies unknown fields and checks its numbers while it is read
//! ([`de`]); a refusal is an [`Error`] with the stable code, the field's dotted path and,
//! for text, its line and column. [`check`] reads a whole document and reports every
//! refusal, each located ([`locate`]); a parsed tree is read strictly ([`tree`]: a list is
//! never a table). This module knows no config type: each component reads its own, and
//! [`crate::policy`] composes them.

pub mod de;
pub mod locate;
mod repeated;
pub mod tree;

pub use repeated::repeated_key;

use serde::de::DeserializeOwned;

use crate::error::{classify_serde_message, json_error, Error, ErrorCode, Result};

/// The first key JSON `text` gives twice in one object, as a `syntax_error` at that key
/// (its dotted path, line and column): serde_json would keep the last value without a word.
#[must_use]
pub fn repeated_key_error(text: &str) -> Option<Error> {
    let path = repeated_key(text)?;
    let (line, column) = locate::locate(text, false, &path, true).unwrap_or((1, 1));
    let key = path.rsplit(['.', '[']).next().unwrap_or_default();
    let message =
        format!("duplicate key `{key}`: it is given twice in one object, and only the last would count");
    Some(Error::new(ErrorCode::Syntax, path, message).at(line, column))
}

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
        let (code, message) = json_error(&inner);
        at_field(code, path, message).at(inner.line(), inner.column())
    })?;
    de.end().map_err(|e| Error::new(ErrorCode::Syntax, "", json_error(&e).1).at(e.line(), e.column()))?;
    Ok(value)
}

/// Reads a config value of type `T` from an already parsed JSON value (bindings pass dicts
/// this way), strictly: as [`from_tree`].
///
/// # Errors
/// The code of the offending value with its dotted path.
pub fn from_value<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T> {
    from_tree(value)
}

/// The most refusals one document reports; past them the reading stops.
const MAX_ERRORS: usize = 50;

/// Reads a whole document of type `T` from JSON or TOML text and checks it with `validate`,
/// reporting every refusal, each with its code, path, line and column.
///
/// A syntax error stops the reading (it is the only error). Otherwise the text is read as a
/// tree ([`tree::Tree`]: a list is never read as a table) and each refused value is
/// reported and taken out of the tree, so that its default applies, and the reading goes on;
/// `validate`'s rules across fields are then checked the same way. A refused field without a
/// default gets a stand-in value the reading takes (0 or 1, an empty string, ...). A field
/// the document lacks and needs, or a refusal that cannot be taken out (an element of a
/// list), ends the reading.
///
/// # Errors
/// Every refusal found, in the order of their places in the text.
pub fn check<T: DeserializeOwned>(
    text: &str,
    toml: bool,
    validate: impl Fn(&T) -> Result<()>,
) -> std::result::Result<T, Vec<Error>> {
    let parsed = if toml {
        from_toml::<tree::TomlTree>(text).map(|t| t.0)
    } else {
        from_json::<serde_json::Value>(text)
    };
    let doc = match parsed {
        Ok(doc) => doc,
        // Read again as `T`, for the path of the field the syntax error broke (`retry`).
        Err(syntax) => {
            let typed = if toml { from_toml::<T>(text).err() } else { from_json::<T>(text).err() };
            return Err(vec![typed.unwrap_or(syntax)]);
        }
    };
    // A JSON key given twice in one table: the reading would keep the last value without a
    // word (TOML refuses it as a syntax error already). Reported beside the reading's own.
    let repeated = if toml { None } else { repeated_key_error(text) };
    match (read_every(text, toml, doc, validate), repeated) {
        (Ok(value), None) => Ok(value),
        (Ok(_), Some(repeated)) => Err(vec![repeated]),
        (Err(mut errors), repeated) => {
            errors.extend(repeated);
            Err(in_text_order(errors))
        }
    }
}

/// [`check`]'s reading of a parsed document: every refusal, each taken out and the reading
/// gone on, until none is left or one cannot be taken out.
fn read_every<T: DeserializeOwned>(
    text: &str,
    toml: bool,
    mut doc: serde_json::Value,
    validate: impl Fn(&T) -> Result<()>,
) -> std::result::Result<T, Vec<Error>> {
    let read = |doc: &serde_json::Value| -> Result<T> {
        let value = from_tree::<T>(doc)?;
        validate(&value)?;
        Ok(value)
    };
    let mut errors: Vec<Error> = Vec::new();
    loop {
        let mut outcome = read(&doc);
        // Each refused field without a default, taken out: a stand-in lets the reading go on
        // (a stand-in stays, so each field gets one once).
        while let Err(e) = &outcome {
            if e.code != ErrorCode::MissingField || !errors.iter().any(|r| r.path == e.path) {
                break;
            }
            match stand_in(&mut doc, &e.path.clone(), &read) {
                Some(next) => outcome = next,
                None => break,
            }
        }
        let refused = match outcome {
            Ok(value) if errors.is_empty() => return Ok(value),
            Ok(_) => return Err(in_text_order(errors)),
            Err(e) => e,
        };
        // The same field again, or a table around a reported field (which now lacks it): a
        // consequence of an error already reported.
        if errors.iter().any(|e| within(&e.path, &refused.path)) {
            return Err(in_text_order(errors));
        }
        let key = matches!(refused.code, ErrorCode::UnknownField | ErrorCode::MissingField);
        let (line, column) = locate::locate(text, toml, &refused.path, key).unwrap_or((1, 1));
        let last = refused.code == ErrorCode::MissingField || !tree::remove(&mut doc, &refused.path);
        errors.push(refused.at(line, column));
        if last || errors.len() >= MAX_ERRORS {
            return Err(in_text_order(errors));
        }
    }
}

/// Puts the first value the reading takes at `path` (a number, 0 or else 1 for a count that
/// must be positive, a string, a flag, a list, a table) and reads again; `None`, the field
/// left out, when none is taken.
fn stand_in<T>(
    doc: &mut serde_json::Value,
    path: &str,
    read: &impl Fn(&serde_json::Value) -> Result<T>,
) -> Option<Result<T>> {
    use serde_json::{json, Value};
    for value in [json!(0), json!(1), json!(""), json!(false), Value::Array(Vec::new()), json!({})] {
        if !tree::set(doc, path, value) {
            return None;
        }
        let outcome = read(doc);
        if !matches!(&outcome, Err(e) if e.path == path) {
            return Some(outcome);
        }
    }
    tree::remove(doc, path);
    None
}

/// Reads a config value of type `T` from a parsed tree, strictly ([`tree::Tree`]).
///
/// # Errors
/// The code of the offending value with its dotted path.
pub fn from_tree<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T> {
    // Without path tracking first (a quarter of the cost: bindings read a classification back
    // on every retry decision); a refused value is read again, tracked, for the path. Both
    // reads are the same deterministic deserialization, so they refuse the same values.
    if let Ok(parsed) = T::deserialize(tree::Tree(value)) {
        return Ok(parsed);
    }
    serde_path_to_error::deserialize(tree::Tree(value)).map_err(|e| {
        let path = path_string(e.path());
        let (code, message) = classify_serde_message(&e.into_inner().to_string());
        at_field(code, path, message)
    })
}

/// The first of [`check`]'s refusals: what a caller that takes one error gets.
#[must_use]
pub fn first(errors: Vec<Error>) -> Error {
    errors.into_iter().next().unwrap_or_else(|| Error::new(ErrorCode::InvalidValue, "", "refused"))
}

fn in_text_order(mut errors: Vec<Error>) -> Vec<Error> {
    errors.sort_by_key(|e| (e.line, e.column)); // stable: one place keeps the finding order
    errors
}

/// Whether `path` is `outer` or inside it (`a` holds `a.b` and `a[0]`; the root holds all).
fn within(path: &str, outer: &str) -> bool {
    path.strip_prefix(outer)
        .is_some_and(|rest| outer.is_empty() || rest.is_empty() || rest.starts_with(['.', '[']))
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Default)]
    #[serde(deny_unknown_fields, default)]
    struct Inner {
        size: u32,
        name: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // read only to be refused
    struct Doc {
        required: u32,
        #[serde(default)]
        inner: Inner,
        #[serde(default)]
        list: Vec<Inner>,
        #[serde(default)]
        flag: bool,
    }

    fn positive(d: &Doc) -> Result<()> {
        if d.inner.size == 7 {
            return Err(Error::new(ErrorCode::OutOfRange, "inner.size", "seven is refused"));
        }
        Ok(())
    }

    fn found(errors: &[Error]) -> Vec<(ErrorCode, &str, Option<usize>, Option<usize>)> {
        errors.iter().map(|e| (e.code, e.path.as_str(), e.line, e.column)).collect()
    }

    #[test]
    fn every_refusal_of_a_toml_document_is_reported_with_its_line_and_column() {
        let text = "required = 1\nflag = \"yes\"\nextra = 2\n\n[inner]\nsize = -3\nnam = \"x\"\n";
        let errors = check::<Doc>(text, true, positive).unwrap_err();
        assert_eq!(
            found(&errors),
            vec![
                (ErrorCode::InvalidType, "flag", Some(2), Some(8)),
                (ErrorCode::UnknownField, "extra", Some(3), Some(1)),
                (ErrorCode::OutOfRange, "inner.size", Some(6), Some(8)),
                (ErrorCode::UnknownField, "inner.nam", Some(7), Some(1)),
            ]
        );
    }

    #[test]
    fn every_refusal_of_a_json_document_is_reported_with_the_rules_across_fields() {
        let text = "{\n  \"required\": 1,\n  \"inner\": { \"size\": 7, \"bogus\": true },\n  \"flag\": 3\n}";
        let errors = check::<Doc>(text, false, positive).unwrap_err();
        assert_eq!(
            found(&errors),
            vec![
                (ErrorCode::OutOfRange, "inner.size", Some(3), Some(22)),
                (ErrorCode::UnknownField, "inner.bogus", Some(3), Some(25)),
                (ErrorCode::InvalidType, "flag", Some(4), Some(11)),
            ]
        );
    }

    #[test]
    fn a_list_where_a_table_belongs_is_refused_not_read_as_defaults() {
        let errors = check::<Doc>("required = 1\ninner = []\n", true, |_| Ok(())).unwrap_err();
        assert_eq!(found(&errors), vec![(ErrorCode::InvalidType, "inner", Some(2), Some(9))]);
        let e = from_tree::<Doc>(&serde_json::json!({"required": 1, "inner": [3, "x"]})).unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidType, "inner"));
        // A list of tables still reads as one.
        let ok = check::<Doc>("required = 1\n[[list]]\nsize = 2\n", true, |_| Ok(())).unwrap();
        assert_eq!(ok.list[0].size, 2);
    }

    #[test]
    fn a_missing_field_ends_the_reading_at_the_table_that_misses_it() {
        let errors = check::<Doc>("flag = true\n[inner]\nsize = 2\n", true, |_| Ok(())).unwrap_err();
        assert_eq!(found(&errors), vec![(ErrorCode::MissingField, "required", Some(1), Some(1))]);
    }

    #[test]
    fn a_refused_field_without_a_default_gets_a_stand_in_and_the_reading_goes_on() {
        let errors = check::<Doc>("required = -1\nflag = 2\n", true, |_| Ok(())).unwrap_err();
        assert_eq!(
            found(&errors),
            vec![
                (ErrorCode::OutOfRange, "required", Some(1), Some(12)),
                (ErrorCode::InvalidType, "flag", Some(2), Some(8))
            ]
        );
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // read only to be refused
    struct Positive {
        #[serde(deserialize_with = "de::nonzero_count")]
        count: u32,
        #[serde(deserialize_with = "de::duration_ms")]
        wait: u64,
        #[serde(default)]
        flag: bool,
    }

    #[test]
    fn refused_fields_without_defaults_each_get_a_stand_in_a_positive_count_one() {
        let errors = check::<Positive>("wait = -1\ncount = 0\nflag = 2\n", true, |_| Ok(())).unwrap_err();
        assert_eq!(
            found(&errors),
            vec![
                (ErrorCode::NegativeDuration, "wait", Some(1), Some(8)),
                (ErrorCode::OutOfRange, "count", Some(2), Some(9)),
                (ErrorCode::InvalidType, "flag", Some(3), Some(8))
            ]
        );
    }

    #[test]
    fn a_json_key_given_twice_is_refused_where_the_kept_one_is_and_the_reading_goes_on() {
        let text =
            "{\n  \"required\": 1,\n  \"flag\": true,\n  \"required\": -2,\n  \"inner\": { \"nam\": 1 }\n}";
        let errors = check::<Doc>(text, false, |_| Ok(())).unwrap_err();
        assert_eq!(
            found(&errors),
            vec![
                (ErrorCode::Syntax, "required", Some(4), Some(3)),
                (ErrorCode::OutOfRange, "required", Some(4), Some(15)),
                (ErrorCode::UnknownField, "inner.nam", Some(5), Some(14)),
            ]
        );
        assert!(errors[0].message.starts_with("duplicate key `required`"), "{}", errors[0].message);
        // Valid otherwise, still refused: the repeat is the only error.
        let errors = check::<Doc>(r#"{"required": 1, "required": 2}"#, false, |_| Ok(())).unwrap_err();
        assert_eq!(found(&errors), vec![(ErrorCode::Syntax, "required", Some(1), Some(17))]);
    }

    #[test]
    fn a_syntax_error_is_the_only_error_with_the_field_it_broke() {
        let errors = check::<Doc>("{ \"inner\": {\n  \"size\": 2,\n}", false, |_| Ok(())).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].code, errors[0].path.as_str(), errors[0].line),
            (ErrorCode::Syntax, "inner", Some(3))
        );
    }

    #[test]
    fn a_field_inside_a_list_element_is_located_in_its_element() {
        let text = "required = 1\nlist = [{ size = 1 }, { size = \"two\" }]\nflag = 4\n";
        let errors = check::<Doc>(text, true, |_| Ok(())).unwrap_err();
        assert_eq!(
            found(&errors),
            vec![
                (ErrorCode::InvalidType, "list[1].size", Some(2), Some(32)),
                (ErrorCode::InvalidType, "flag", Some(3), Some(8))
            ]
        );
    }

    #[test]
    fn paths_split_into_keys_and_indices() {
        use tree::{
            segments,
            Segment::{Index, Key},
        };
        assert_eq!(segments("phases[1].error_outcome"), vec![Key("phases"), Index(1), Key("error_outcome")]);
        assert_eq!(segments("a[0][2]"), vec![Key("a"), Index(0), Index(2)]);
        assert!(segments("").is_empty());
    }
}
