//! Validating model output against a JSON Schema, compiled once.
//!
//! The `jsonschema` crate does the validating (drafts 4, 6, 7, 2019-09 and 2020-12),
//! built without its network and file features: a `$ref` outside the document is an
//! `unresolved_ref` error at its path, never a fetch. Patterns run on `fancy-regex` with
//! a backtracking limit, which hands any pattern without backreferences or lookaround to
//! the linear-time `regex` engine; a pattern that hits the limit is reported as a
//! violation (`pattern_limit_exceeded`), never a hang.
//!
//! Instances are read through [`super::tape`]: text is parsed into a zero-copy [`Doc`]
//! (serde_json's tokenizer, no `Value`), and a `Value` is laid out as one, so a single
//! compiled validator serves both.
//!
//! A [`Validator`] is the compiled schema; [`ValidatorCache`] keeps a bounded number of
//! them keyed by the schema's content, for hosts that pass the schema with every call.

use schemars::JsonSchema;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, PatternOptions, ValidationError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::tape::{Doc, Tape};
use crate::error::{Error, ErrorCode, Result};

stable_codes! {
    /// Why a value does not match its schema: one code per family of keywords.
    pub enum ViolationCode {
        /// `type`: the value has another JSON type.
        TypeMismatch = "type_mismatch",
        /// `required` (or `dependentRequired`): a property is absent.
        RequiredMissing = "required_missing",
        /// `additionalProperties` or `unevaluatedProperties`: a property the schema does not allow.
        UnexpectedProperty = "unexpected_property",
        /// `additionalItems`, `items: false` or `unevaluatedItems`: an item the schema does not allow.
        UnexpectedItem = "unexpected_item",
        /// `enum`: not one of the listed values.
        NotInEnum = "not_in_enum",
        /// `const`: not the constant.
        ConstMismatch = "const_mismatch",
        /// `pattern`: the string does not match.
        PatternMismatch = "pattern_mismatch",
        /// `pattern`: matching took more than the backtracking limit.
        PatternLimitExceeded = "pattern_limit_exceeded",
        /// `format` (when formats are asserted).
        FormatMismatch = "format_mismatch",
        /// `minimum` or `exclusiveMinimum`.
        BelowMinimum = "below_minimum",
        /// `maximum` or `exclusiveMaximum`.
        AboveMaximum = "above_maximum",
        /// `multipleOf`.
        NotMultipleOf = "not_multiple_of",
        /// `minLength`.
        TooShort = "too_short",
        /// `maxLength`.
        TooLong = "too_long",
        /// `minItems`.
        TooFewItems = "too_few_items",
        /// `maxItems`.
        TooManyItems = "too_many_items",
        /// `uniqueItems`.
        NotUnique = "not_unique",
        /// `contains` (with `minContains` / `maxContains`).
        ContainsMismatch = "contains_mismatch",
        /// `minProperties`.
        TooFewProperties = "too_few_properties",
        /// `maxProperties`.
        TooManyProperties = "too_many_properties",
        /// `propertyNames`.
        InvalidPropertyName = "invalid_property_name",
        /// `anyOf` or `oneOf`: no branch matches.
        NoBranchMatches = "no_branch_matches",
        /// `oneOf`: more than one branch matches.
        ManyBranchesMatch = "many_branches_match",
        /// `not`: the value matches the negated schema.
        NotMismatch = "not_mismatch",
        /// The `false` schema: no value is allowed here.
        FalseSchema = "false_schema",
        /// `contentEncoding` / `contentMediaType` (when asserted).
        ContentMismatch = "content_mismatch",
        /// A `$ref` that could not be resolved while validating.
        UnresolvedRef = "unresolved_ref",
    }
}

/// One way the value fails its schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Violation {
    /// The stable code.
    pub code: ViolationCode,
    /// JSON Pointer to the offending part of the value (`""` is the value itself).
    pub instance_path: String,
    /// JSON Pointer to the keyword that refused it, where the schema document holds it (inside
    /// a `$ref`'s target, the target's location).
    pub schema_path: String,
    /// The keyword (`type`, `required`, ...).
    pub keyword: String,
    /// A human sentence; not part of the contract.
    pub message: String,
}

/// The outcome of validating one value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Validation {
    /// Whether the value matches the schema.
    pub valid: bool,
    /// The violations, in the order the validator met them, at most `max_errors`.
    pub errors: Vec<Violation>,
    /// Whether more violations were found than `max_errors` kept.
    pub truncated: bool,
}

stable_codes! {
    /// The JSON Schema draft to read a schema as, when its `$schema` does not say.
    pub enum DraftName {
        /// Draft 4.
        Draft4 = "draft4",
        /// Draft 6.
        Draft6 = "draft6",
        /// Draft 7.
        Draft7 = "draft7",
        /// Draft 2019-09.
        Draft201909 = "draft2019-09",
        /// Draft 2020-12 (the default, and what OpenAI's strict mode reads).
        Draft202012 = "draft2020-12",
    }
}

impl From<DraftName> for Draft {
    fn from(d: DraftName) -> Self {
        match d {
            DraftName::Draft4 => Draft::Draft4,
            DraftName::Draft6 => Draft::Draft6,
            DraftName::Draft7 => Draft::Draft7,
            DraftName::Draft201909 => Draft::Draft201909,
            DraftName::Draft202012 => Draft::Draft202012,
        }
    }
}

/// How a schema is compiled and how much a validation reports.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ValidatorOptions {
    /// The draft, when the schema's `$schema` does not name one (default: 2020-12).
    pub draft: Option<DraftName>,
    /// Assert `format` (`date-time`, `email`, `uuid`, ...). Default: the draft's rule
    /// (an annotation from 2019-09 on, an assertion before).
    pub formats: Option<bool>,
    /// Violations kept per validation (default 100); the rest set `truncated`. A 50 MB
    /// array of wrong items costs a bounded report.
    #[serde(deserialize_with = "crate::document::de::nonzero_count")]
    pub max_errors: u32,
}

impl Default for ValidatorOptions {
    fn default() -> Self {
        Self { draft: None, formats: None, max_errors: 100 }
    }
}

/// Backtracking steps one `pattern` match may take (fancy-regex's own default limit):
/// enough for any realistic pattern, bounded for a catastrophic one.
const BACKTRACK_LIMIT: usize = 1_000_000;

/// A compiled schema.
#[derive(Clone, Debug)]
pub struct Validator {
    inner: jsonschema::Validator<Tape>,
    max_errors: u32,
}

impl Validator {
    /// Compiles `schema`.
    ///
    /// # Errors
    /// `invalid_schema` at the JSON Pointer of the offending keyword (a schema that fails
    /// its meta-schema, an invalid regex); `unresolved_ref` for a `$ref` outside the document.
    pub fn new(schema: &Value, options: &ValidatorOptions) -> Result<Self> {
        let mut builder = jsonschema::options_for::<Tape>()
            .with_pattern_options(PatternOptions::fancy_regex().backtrack_limit(BACKTRACK_LIMIT));
        if let Some(draft) = options.draft {
            builder = builder.with_draft(draft.into());
        }
        if let Some(formats) = options.formats {
            builder = builder.should_validate_formats(formats);
        }
        let inner = builder.build(schema).map_err(|e| schema_error(&e, schema))?;
        Ok(Self { inner, max_errors: options.max_errors })
    }

    /// Whether `instance` matches, without collecting violations (the fast path).
    #[must_use]
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.is_valid_doc(&Doc::from_value(instance))
    }

    /// Validates a parsed value.
    #[must_use]
    pub fn validate(&self, instance: &Value) -> Validation {
        self.validate_doc(&Doc::from_value(instance))
    }

    /// Validates model output given as text (how it arrives from the API).
    ///
    /// # Errors
    /// `syntax_error` with line and column when the text is not JSON; `limit_exceeded`
    /// past 127 levels of nesting. The tolerant reader ([`super::tolerant`]) repairs instead.
    pub fn validate_text(&self, text: &str) -> Result<Validation> {
        let doc = Doc::parse(text).map_err(|e| super::json_error(&e))?;
        Ok(self.validate_doc(&doc))
    }

    /// Whether a parsed [`Doc`] matches, without collecting violations.
    #[must_use]
    pub fn is_valid_doc(&self, doc: &Doc<'_>) -> bool {
        self.inner.is_valid(doc.root())
    }

    /// Validates a parsed [`Doc`] (what [`Self::validate`] and [`Self::validate_text`] do).
    #[must_use]
    pub fn validate_doc(&self, doc: &Doc<'_>) -> Validation {
        let root = doc.root();
        if self.inner.is_valid(root) {
            return Validation { valid: true, errors: Vec::new(), truncated: false };
        }
        let mut errors = Vec::new();
        let mut truncated = false;
        for e in self.inner.iter_errors(root) {
            if errors.len() == self.max_errors as usize {
                truncated = true;
                break;
            }
            errors.push(violation(&e));
        }
        Validation { valid: false, errors, truncated }
    }
}

/// Whether `schema` is valid JSON Schema of its draft (its meta-schema, its patterns): the
/// `invalid_schema` error [`Validator::new`] would give, for the tools that read a schema
/// without compiling it (lint, diff). A `$ref` that does not resolve is theirs to report.
/// Without a `$schema`, the draft-7 forms those tools also read (`items` as a list,
/// `additionalItems`, `dependencies`) are valid too.
///
/// # Errors
/// `invalid_schema` at the JSON Pointer of the offending keyword.
pub fn well_formed(schema: &Value) -> Result<()> {
    let first = compiles(schema, None);
    if first.is_err() && schema.get("$schema").is_none() && compiles(schema, Some(DraftName::Draft7)).is_ok()
    {
        return Ok(());
    }
    first
}

fn compiles(schema: &Value, draft: Option<DraftName>) -> Result<()> {
    // Compiling recurses a few frames per level: past serde_json's own 128 levels (a schema
    // built in a binding can be deeper) each tool reports the nesting in its own way.
    if super::depth_exceeds(schema, 128) {
        return Ok(());
    }
    match Validator::new(schema, &ValidatorOptions { draft, ..ValidatorOptions::default() }) {
        Err(e) if e.code == ErrorCode::InvalidSchema => Err(e),
        _ => Ok(()),
    }
}

fn schema_error(e: &ValidationError<'_>, schema: &Value) -> Error {
    match e.kind() {
        ValidationErrorKind::Referencing(r) => unresolved(r, schema),
        _ => Error::new(ErrorCode::InvalidSchema, e.instance_path().as_str(), e.to_string()),
    }
}

/// A `$ref` that does not resolve, at the `$ref` that names it (the referencing error names
/// only its target), in the terms of this library: nothing outside the schema is fetched.
fn unresolved(r: &jsonschema::ReferencingError, schema: &Value) -> Error {
    use jsonschema::ReferencingError as R;
    let (target, message) = match r {
        R::Unretrievable { uri, .. } => (
            uri.trim_end_matches('#'),
            format!("`{uri}` is outside the schema, and schemas are never fetched: put it under `$defs`"),
        ),
        R::PointerToNowhere { pointer } => {
            (pointer.as_str(), format!("`{pointer}` points to nothing in the schema"))
        }
        R::NoSuchAnchor { anchor } | R::InvalidAnchor { anchor } => {
            (anchor.as_str(), format!("no `$anchor` named `{anchor}` in the schema"))
        }
        other => ("", other.to_string()),
    };
    let path = first_ref(schema, &mut String::new(), &|r: &str| !target.is_empty() && r.contains(target))
        .unwrap_or_default();
    Error::new(ErrorCode::UnresolvedRef, path, message)
}

/// The JSON Pointer of the first `$ref` whose value passes `names`.
fn first_ref(schema: &Value, path: &mut String, names: &dyn Fn(&str) -> bool) -> Option<String> {
    let Value::Object(map) = schema else { return None };
    if map.get("$ref").and_then(Value::as_str).is_some_and(names) {
        return Some(super::pointer::child(path, "$ref"));
    }
    for (tokens, sub) in super::walk::children(map) {
        let len = path.len();
        tokens.iter().for_each(|t| super::pointer::push(path, t));
        let found = first_ref(sub, path, names);
        path.truncate(len);
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Scalars up to this many characters are quoted in messages; anything larger is named
/// "value", so that a violation about a 50 MB string is not a 50 MB message.
const QUOTE_LIMIT: usize = 80;

fn violation(e: &ValidationError<'_>) -> Violation {
    use ValidationErrorKind as K;
    let kind = e.kind();
    let mut code = match kind {
        K::Type { .. } => ViolationCode::TypeMismatch,
        K::Required { .. } => ViolationCode::RequiredMissing,
        K::AdditionalProperties { .. } | K::UnevaluatedProperties { .. } => ViolationCode::UnexpectedProperty,
        K::AdditionalItems { .. } | K::UnevaluatedItems { .. } => ViolationCode::UnexpectedItem,
        K::Enum { .. } => ViolationCode::NotInEnum,
        K::Constant { .. } => ViolationCode::ConstMismatch,
        K::Pattern { .. } => ViolationCode::PatternMismatch,
        K::BacktrackLimitExceeded { .. } | K::RegexEngineFailure { .. } => {
            ViolationCode::PatternLimitExceeded
        }
        K::Format { .. } => ViolationCode::FormatMismatch,
        K::Minimum { .. } | K::ExclusiveMinimum { .. } => ViolationCode::BelowMinimum,
        K::Maximum { .. } | K::ExclusiveMaximum { .. } => ViolationCode::AboveMaximum,
        K::MultipleOf { .. } => ViolationCode::NotMultipleOf,
        K::MinLength { .. } => ViolationCode::TooShort,
        K::MaxLength { .. } => ViolationCode::TooLong,
        K::MinItems { .. } => ViolationCode::TooFewItems,
        K::MaxItems { .. } => ViolationCode::TooManyItems,
        K::UniqueItems => ViolationCode::NotUnique,
        K::Contains => ViolationCode::ContainsMismatch,
        K::MinProperties { .. } => ViolationCode::TooFewProperties,
        K::MaxProperties { .. } => ViolationCode::TooManyProperties,
        K::PropertyNames { .. } => ViolationCode::InvalidPropertyName,
        K::AnyOf { .. } | K::OneOfNotValid { .. } => ViolationCode::NoBranchMatches,
        K::OneOfMultipleValid { .. } => ViolationCode::ManyBranchesMatch,
        K::Not { .. } => ViolationCode::NotMismatch,
        K::FalseSchema => ViolationCode::FalseSchema,
        K::ContentEncoding { .. } | K::ContentMediaType { .. } | K::FromUtf8 { .. } => {
            ViolationCode::ContentMismatch
        }
        K::Referencing(_) => ViolationCode::UnresolvedRef,
        // A custom keyword is never registered here; name it by its keyword's family.
        K::Custom { .. } => ViolationCode::ContentMismatch,
    };
    let small = match e.instance().as_ref() {
        Value::String(s) => s.len() <= QUOTE_LIMIT,
        Value::Array(_) | Value::Object(_) => false,
        _ => true,
    };
    let mut message = if small { e.to_string() } else { e.masked().to_string() };
    let schema_path = e.schema_path().as_str();
    let mut keyword = kind.keyword();
    // jsonschema compiles `additionalProperties: false` beside no `properties` (and
    // `items: false`) into the `false` schema: named by the keyword that says it, as every
    // other refused property or item is (and as the streaming check names it).
    if code == ViolationCode::FalseSchema {
        match last_keyword(schema_path) {
            Some(last @ ("additionalProperties" | "unevaluatedProperties")) => {
                (code, keyword) = (ViolationCode::UnexpectedProperty, last);
                message = format!("{last} is false: no property besides those named is allowed");
            }
            Some(last @ ("items" | "additionalItems" | "unevaluatedItems")) => {
                (code, keyword) = (ViolationCode::UnexpectedItem, last);
                message = format!("{last} is false: no item past those named is allowed");
            }
            _ => {}
        }
    }
    Violation {
        code,
        instance_path: e.instance_path().as_str().to_owned(),
        schema_path: schema_path.to_owned(),
        keyword: keyword.to_owned(),
        message,
    }
}

/// The keyword a schema path ends at, if it ends at one and not at a name or an index
/// (`/properties/items` ends at the property `items`, `/prefixItems/0` at an item).
fn last_keyword(schema_path: &str) -> Option<&str> {
    let mut keyword = None;
    for token in schema_path.split('/').skip(1) {
        let named = keyword.is_some_and(|k: &str| {
            super::walk::MAP.contains(&k)
                || (super::walk::LIST.contains(&k) && token.parse::<usize>().is_ok())
        });
        keyword = (!named).then_some(token);
    }
    keyword
}

/// A bounded cache of compiled validators keyed by the schema's content and the options:
/// the same schema sent with every call compiles once. Least recently used goes first.
#[derive(Debug)]
pub struct ValidatorCache {
    capacity: usize,
    tick: u64,
    entries: HashMap<(String, ValidatorOptions), (Arc<Validator>, u64)>,
}

impl ValidatorCache {
    /// Schemas the process-wide cache ([`Self::shared`]) keeps.
    pub const SHARED_CAPACITY: usize = 64;

    /// An empty cache holding at most `capacity` validators (at least one).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), tick: 0, entries: HashMap::new() }
    }

    /// The validator for `schema`, compiled on a miss.
    ///
    /// # Errors
    /// As [`Validator::new`]; a refused schema is not cached.
    pub fn get(&mut self, schema: &Value, options: &ValidatorOptions) -> Result<Arc<Validator>> {
        // The schema's text is its identity: two equal values print the same (keys keep
        // their order), and a hash of it could collide where the text cannot.
        let key = (schema.to_string(), options.clone());
        self.tick += 1;
        if let Some((validator, used)) = self.entries.get_mut(&key) {
            *used = self.tick;
            return Ok(Arc::clone(validator));
        }
        let validator = Arc::new(Validator::new(schema, options)?);
        if self.entries.len() == self.capacity {
            let oldest = self.entries.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(key, (Arc::clone(&validator), self.tick));
        Ok(validator)
    }

    /// How many validators are cached.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The process-wide cache behind [`validate`] ([`Self::SHARED_CAPACITY`] schemas):
    /// memory only, no I/O.
    pub fn shared() -> &'static Mutex<Self> {
        static SHARED: OnceLock<Mutex<ValidatorCache>> = OnceLock::new();
        SHARED.get_or_init(|| Mutex::new(Self::new(Self::SHARED_CAPACITY)))
    }
}

/// Validates `instance` against `schema` through the process-wide cache.
///
/// # Errors
/// As [`Validator::new`].
pub fn validate(schema: &Value, instance: &Value, options: &ValidatorOptions) -> Result<Validation> {
    Ok(shared_validator(schema, options)?.validate(instance))
}

/// Validates model output given as text against `schema` through the process-wide cache.
///
/// # Errors
/// As [`Validator::new`] and [`Validator::validate_text`].
pub fn validate_text(schema: &Value, text: &str, options: &ValidatorOptions) -> Result<Validation> {
    shared_validator(schema, options)?.validate_text(text)
}

fn shared_validator(schema: &Value, options: &ValidatorOptions) -> Result<Arc<Validator>> {
    // A panic elsewhere while holding the lock leaves the map consistent (every update is
    // one insert or remove), so a poisoned lock is still usable.
    let mut cache = ValidatorCache::shared().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    cache.get(schema, options)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn compile(schema: Value) -> Validator {
        Validator::new(&schema, &ValidatorOptions::default()).unwrap()
    }

    #[test]
    fn violations_carry_paths_keyword_and_code() {
        let v = compile(json!({
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "tags": {"type": "array", "items": {"enum": ["a", "b"]}}
            },
            "required": ["name", "tags"],
            "additionalProperties": false
        }));
        let out = v.validate_text(r#"{"name": 3, "tags": ["a", "c"], "extra": true}"#).unwrap();
        assert!(!out.valid);
        let got: Vec<_> =
            out.errors.iter().map(|e| (e.code, e.instance_path.as_str(), e.keyword.as_str())).collect();
        assert!(got.contains(&(ViolationCode::TypeMismatch, "/name", "type")), "{got:?}");
        assert!(got.contains(&(ViolationCode::NotInEnum, "/tags/1", "enum")), "{got:?}");
        assert!(got.contains(&(ViolationCode::UnexpectedProperty, "", "additionalProperties")), "{got:?}");
        let tags = out.errors.iter().find(|e| e.code == ViolationCode::NotInEnum).unwrap();
        assert_eq!(tags.schema_path, "/properties/tags/items/enum");
        assert!(v.validate(&json!({"name": "x", "tags": []})).valid);
    }

    #[test]
    fn malformed_output_text_is_a_syntax_error_with_position() {
        let v = compile(json!({"type": "object"}));
        let e = v.validate_text("{\"a\": ,}").unwrap_err();
        assert_eq!((e.code, e.line, e.column), (ErrorCode::Syntax, Some(1), Some(7)));
    }

    #[test]
    fn a_bad_schema_is_refused_at_its_keyword() {
        let e = Validator::new(&json!({"properties": {"a": {"type": 5}}}), &ValidatorOptions::default())
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSchema);
        assert_eq!(e.path, "/properties/a/type");
        let e = Validator::new(&json!({"properties": {"a": {"pattern": "("}}}), &ValidatorOptions::default())
            .unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidSchema, "/properties/a/pattern"));
    }

    #[test]
    fn external_refs_are_never_fetched() {
        for r in ["https://example.com/s.json", "file:///etc/passwd", "other.json#/x"] {
            let e = Validator::new(&json!({"properties": {"a": {"$ref": r}}}), &ValidatorOptions::default())
                .unwrap_err();
            assert_eq!(
                (e.code, e.path.as_str()),
                (ErrorCode::UnresolvedRef, "/properties/a/$ref"),
                "{r}: {e}"
            );
            assert!(e.message.contains("never fetched"), "{e}");
        }
        for r in ["#/$defs/gone", "#nowhere"] {
            let schema = json!({"$defs": {"n": {"$ref": "#"}}, "items": {"anyOf": [{"$ref": r}]}});
            let e = Validator::new(&schema, &ValidatorOptions::default()).unwrap_err();
            assert_eq!(
                (e.code, e.path.as_str()),
                (ErrorCode::UnresolvedRef, "/items/anyOf/0/$ref"),
                "{r}: {e}"
            );
        }
        let local = json!({"$defs": {"n": {"type": "integer"}}, "properties": {"a": {"$ref": "#/$defs/n"}}});
        assert!(!compile(local).validate(&json!({"a": "x"})).valid);
    }

    #[test]
    fn catastrophic_patterns_finish() {
        let v = compile(json!({"type": "string", "pattern": "^(a+)+$"}));
        let out = v.validate(&Value::from(format!("{}!", "a".repeat(5_000))));
        assert!(!out.valid);
        // With a backreference the regex engine cannot take over; the limit does.
        let v = compile(json!({"type": "string", "pattern": "^(a+)+\\1$"}));
        let out = v.validate(&Value::from(format!("{}!", "a".repeat(64))));
        assert!(!out.valid);
        assert!(matches!(
            out.errors[0].code,
            ViolationCode::PatternLimitExceeded | ViolationCode::PatternMismatch
        ));
    }

    #[test]
    fn reports_are_bounded_and_messages_do_not_copy_huge_values() {
        let v = Validator::new(
            &json!({"type": "array", "items": {"type": "integer"}}),
            &ValidatorOptions { max_errors: 3, ..ValidatorOptions::default() },
        )
        .unwrap();
        let out = v.validate(&Value::from(vec!["x"; 1000]));
        assert_eq!((out.errors.len(), out.truncated), (3, true));
        let v = compile(json!({"type": "integer"}));
        let out = v.validate(&Value::from("y".repeat(1 << 20)));
        assert!(out.errors[0].message.len() < 200, "{}", out.errors[0].message);
    }

    #[test]
    fn formats_follow_the_option() {
        let schema = json!({"type": "string", "format": "email"});
        assert!(compile(schema.clone()).validate(&json!("not an email")).valid);
        let asserted =
            Validator::new(&schema, &ValidatorOptions { formats: Some(true), ..ValidatorOptions::default() })
                .unwrap();
        assert_eq!(asserted.validate(&json!("not an email")).errors[0].code, ViolationCode::FormatMismatch);
    }

    #[test]
    fn the_cache_compiles_each_schema_once_and_stays_bounded() {
        let mut cache = ValidatorCache::new(2);
        let opts = ValidatorOptions::default();
        let a = cache.get(&json!({"type": "string"}), &opts).unwrap();
        let again = cache.get(&json!({"type": "string"}), &opts).unwrap();
        assert!(Arc::ptr_eq(&a, &again));
        cache.get(&json!({"type": "integer"}), &opts).unwrap();
        cache.get(&json!({"type": "string"}), &opts).unwrap(); // refreshes "string"
        cache.get(&json!({"type": "null"}), &opts).unwrap(); // evicts "integer"
        assert_eq!(cache.len(), 2);
        let still = cache.get(&json!({"type": "string"}), &opts).unwrap();
        assert!(Arc::ptr_eq(&a, &still));
        assert!(cache.get(&json!({"type": 1}), &opts).is_err());
        assert_eq!(cache.len(), 2);
        assert!(validate(&json!({"type": "string"}), &json!("s"), &opts).unwrap().valid);
    }
}
