//! The one error type: a stable code, the path of the offending field, a message.
//!
//! Hosts match on [`ErrorCode`], never on message text (the pydantic-core
//! habit). Bindings map an [`Error`] to their native error type and keep the
//! code, the path and the line.

use schemars::JsonSchema;
use serde::Serialize;

stable_codes! {
    /// Why an input was refused. The codes are stable across releases.
    pub enum ErrorCode {
        /// The document is not well-formed JSON or TOML.
        Syntax = "syntax_error",
        /// A key the schema does not know (a typo is an error, not a default).
        UnknownField = "unknown_field",
        /// A required key is absent.
        MissingField = "missing_field",
        /// A value has the wrong type (a string where a number belongs, ...).
        InvalidType = "invalid_type",
        /// A string that is not one of the allowed names.
        UnknownVariant = "unknown_variant",
        /// A duration below zero.
        NegativeDuration = "negative_duration",
        /// A number outside its allowed range (a ratio above 1, a zero size, ...).
        OutOfRange = "out_of_range",
        /// NaN or an infinity where a finite number is required.
        NotFinite = "not_finite",
        /// A value of the right type that is still unusable.
        InvalidValue = "invalid_value",
        /// An operation was called with an argument it cannot take.
        InvalidArgument = "invalid_argument",
        /// A JSON Schema that cannot be compiled (a bad keyword value, an invalid regex, ...).
        InvalidSchema = "invalid_schema",
        /// A `$ref` outside the document: never fetched (no network, no files).
        UnresolvedRef = "unresolved_ref",
        /// An input past a bound the core keeps (nesting depth, size).
        LimitExceeded = "limit_exceeded",
    }
}

/// A refused input: code, where it is, and a human sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "ErrorInfo")]
pub struct Error {
    /// The stable code.
    pub code: ErrorCode,
    /// Dotted path of the offending field (`breaker.window.size`); empty for the document itself.
    pub path: String,
    /// A human-readable sentence; not part of the contract.
    pub message: String,
    /// 1-based line in the source document, when the input was a document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column in the source document, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

/// The longest message kept: a message quotes the refused value, which may be megabytes.
const MAX_MESSAGE: usize = 1024;

/// `message`, cut at [`MAX_MESSAGE`] bytes (on a character boundary) with what was left out.
fn bounded(mut message: String) -> String {
    if message.len() > MAX_MESSAGE {
        let total = message.len();
        let mut end = MAX_MESSAGE;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push_str(&format!("… ({total} bytes in all)"));
    }
    message
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

impl Error {
    /// An error about the field at `path`.
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code, path: path.into(), message: bounded(message.into()), line: None, column: None }
    }

    /// An error about an argument of an operation.
    pub fn argument(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidArgument, path, message)
    }

    /// The same error, located at a line and column of the source document.
    #[must_use]
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// The same error with `prefix` prepended to its path (`prefix.path`).
    #[must_use]
    pub fn within(mut self, prefix: &str) -> Self {
        self.path = join_path(prefix, &self.path);
        self
    }
}

/// `a.b` from `a` and `b`, without a dangling dot when either is empty.
pub(crate) fn join_path(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_owned(),
        (_, true) => prefix.to_owned(),
        _ if rest.starts_with('[') => format!("{prefix}{rest}"),
        _ => format!("{prefix}.{rest}"),
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.code)?;
        if !self.path.is_empty() {
            write!(f, " at {}", self.path)?;
        }
        if let Some(line) = self.line {
            write!(f, " (line {line}")?;
            if let Some(col) = self.column {
                write!(f, ", column {col}")?;
            }
            f.write_str(")")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for Error {}

/// Tags a serde message with a stable code, so that [`classify_serde_message`]
/// can recover it after serde has carried it through the deserializer.
pub(crate) fn tagged(code: ErrorCode, message: impl core::fmt::Display) -> String {
    format!("[{code}] {message}")
}

/// Recovers the code of a serde error message: ours are tagged by [`tagged`],
/// serde's own have fixed wordings.
pub(crate) fn classify_serde_message(message: &str) -> (ErrorCode, String) {
    if let Some(rest) = message.strip_prefix('[') {
        if let Some((code, text)) = rest.split_once("] ") {
            if let Some(code) = ErrorCode::from_code(code) {
                return (code, text.to_owned());
            }
        }
    }
    let code = if message.starts_with("unknown field") {
        ErrorCode::UnknownField
    } else if message.starts_with("missing field") {
        ErrorCode::MissingField
    } else if message.starts_with("unknown variant") {
        ErrorCode::UnknownVariant
    } else if message.starts_with("invalid type") {
        ErrorCode::InvalidType
    } else if message.starts_with("invalid value: integer `-") {
        ErrorCode::OutOfRange
    } else if message.starts_with("invalid value") || message.starts_with("invalid length") {
        ErrorCode::InvalidValue
    } else {
        ErrorCode::Syntax
    };
    (code, in_document_terms(message))
}

/// serde names the Rust type it expected (`expected struct RetryConfig`, `expected
/// internally tagged enum OpenWait`); a user wrote a document, so say what the document needed.
fn in_document_terms(message: &str) -> String {
    const TYPES: &[(&str, &str)] = &[
        ("expected struct variant ", "expected a table of settings"),
        ("expected struct ", "expected a table of settings"),
        ("expected internally tagged enum ", "expected a table with a `kind`"),
        ("expected enum ", "expected one of the documented names"),
        ("expected tuple struct ", "expected a list"),
    ];
    let mut out = message.to_owned();
    for (rust, document) in TYPES {
        while let Some(at) = out.find(rust) {
            let name_end = out[at + rust.len()..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(out.len(), |n| at + rust.len() + n);
            out.replace_range(at..name_end, document);
        }
    }
    out = out.replace("expected variant identifier", "expected the name of a kind");
    // serde's primitive types, where a message ends with the one it expected.
    const PRIMITIVES: &[(&str, &str)] = &[
        ("u8", "a whole number from 0 to 255"),
        ("u16", "a whole number from 0 to 65535"),
        ("u32", "a whole number from 0 to 4294967295"),
        ("u64", "a whole number, 0 or more"),
        ("usize", "a whole number, 0 or more"),
        ("i32", "a whole number"),
        ("i64", "a whole number"),
        ("f32", "a number"),
        ("f64", "a number"),
        ("a borrowed string", "a string"),
        ("char", "a single character"),
    ];
    for (rust, document) in PRIMITIVES {
        if let Some(head) = out.strip_suffix(rust).and_then(|h| h.strip_suffix("expected ")) {
            return format!("{head}expected {document}");
        }
    }
    out
}

/// A serde_json error in the document's terms: its code, and its message without serde_json's
/// " at line L column C" (the caller places it: [`Error::at`], or [`json_line_error`]).
pub(crate) fn json_error(e: &serde_json::Error) -> (ErrorCode, String) {
    let message = e.to_string();
    let message = message.rfind(" at line ").map_or(message.as_str(), |at| &message[..at]);
    match e.classify() {
        serde_json::error::Category::Data => classify_serde_message(message),
        _ => (ErrorCode::Syntax, message.to_owned()),
    }
}

/// A serde_json error on one line of a JSON Lines file (or on a value already parsed), in
/// the document's terms: [`json_error`], with the column where serde_json would say
/// " at line 1 column N" (the file's line is the caller's to say; a value has none).
pub(crate) fn json_line_error(e: &serde_json::Error) -> (ErrorCode, String) {
    let (code, text) = json_error(e);
    match e.line() {
        0 => (code, text),
        // serde_json says column 0 for an error at the line's first character.
        _ => (code, format!("{text} (column {})", e.column().max(1))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_name_what_the_document_needed_not_the_rust_type() {
        let said = |m: &str| classify_serde_message(m).1;
        assert_eq!(
            said("invalid type: integer `5`, expected struct RetryConfig"),
            "invalid type: integer `5`, expected a table of settings"
        );
        assert_eq!(
            said("invalid type: integer `5`, expected variant identifier"),
            "invalid type: integer `5`, expected the name of a kind"
        );
        assert_eq!(
            said("invalid type: map, expected internally tagged enum OpenWait"),
            "invalid type: map, expected a table with a `kind`"
        );
        assert_eq!(
            said("unknown field `x`, expected one of `a`, `b`"),
            "unknown field `x`, expected one of `a`, `b`"
        );
    }

    #[test]
    fn a_message_quoting_a_huge_value_is_cut() {
        let e = Error::new(
            ErrorCode::InvalidValue,
            "outcome",
            format!("unknown outcome `{}`", "é".repeat(3_000_000)),
        );
        assert!(e.message.len() < MAX_MESSAGE + 64, "{}", e.message.len());
        assert!(e.message.ends_with("(6000018 bytes in all)"), "{}", &e.message[e.message.len() - 40..]);
    }

    #[test]
    fn tagged_messages_keep_their_code() {
        let msg = tagged(ErrorCode::NegativeDuration, "-5 ms");
        assert_eq!(classify_serde_message(&msg), (ErrorCode::NegativeDuration, "-5 ms".into()));
    }

    #[test]
    fn serde_wordings_map_to_codes() {
        let (code, _) = classify_serde_message("unknown field `sise`, expected `size`");
        assert_eq!(code, ErrorCode::UnknownField);
        let (code, _) = classify_serde_message("invalid type: string \"x\", expected u64");
        assert_eq!(code, ErrorCode::InvalidType);
    }

    #[test]
    fn a_json_line_error_names_the_number_it_needed_and_its_column() {
        let e = serde_json::from_str::<(u16, u64)>("[\"200\", 1]").unwrap_err();
        assert_eq!(
            json_line_error(&e),
            (
                ErrorCode::InvalidType,
                "invalid type: string \"200\", expected a whole number from 0 to 65535 (column 6)".into()
            )
        );
        let e = serde_json::from_str::<(u16, u64)>("[200, -5]").unwrap_err();
        assert_eq!(
            json_line_error(&e),
            (
                ErrorCode::OutOfRange,
                "invalid value: integer `-5`, expected a whole number, 0 or more (column 8)".into()
            )
        );
        let e = serde_json::from_str::<(u16, u64)>("[200,").unwrap_err();
        assert_eq!(json_line_error(&e), (ErrorCode::Syntax, "EOF while parsing a value (column 5)".into()));
    }

    #[test]
    fn display_names_code_path_and_line() {
        let e = Error::new(ErrorCode::OutOfRange, "breaker.failure_rate_threshold", "must be <= 1").at(3, 7);
        assert_eq!(
            e.to_string(),
            "out_of_range at breaker.failure_rate_threshold (line 3, column 7): must be <= 1"
        );
    }
}
