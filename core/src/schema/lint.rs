//! Will the API accept this schema with `strict: true`? Structured Outputs' rules, checked
//! before a request is sent rather than learned from a 400 `invalid_json_schema`.
//!
//! Rules (OpenAI guide "Supported schemas", developers.openai.com/api/docs/guides/
//! structured-outputs#supported-schemas; openai-node `src/lib/transform.ts` for the
//! refusals): the root is an object and not an `anyOf`; every object sets
//! `additionalProperties: false` and lists every property in `required`; each `anyOf`
//! branch follows the same rules; `$defs` and local `$ref`s (recursion included) are
//! allowed; keywords outside the supported subset are refused per [`Profile`]; and the
//! size limits below hold for the whole document.
//!
//! Each [`Finding`] has a stable code, the JSON Pointer of the schema it is about and a
//! sentence naming that place, like openai-node's errors ("Schema at `properties/a`
//! uses unsupported keyword `uniqueItems`").

use schemars::JsonSchema;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{pointer, walk};

stable_codes! {
    /// The target whose rules and limits apply.
    #[derive(Default)]
    pub enum Profile as "LintProfile" {
        /// OpenAI's current limits and keyword subset (the default).
        #[default]
        Openai = "openai",
        /// OpenAI's limits and subset at launch (August 2024): no string, number or array
        /// constraints.
        OpenaiLegacy = "openai_legacy",
        /// Azure OpenAI: the legacy limits, and the keywords its documentation lists as unsupported.
        AzureOpenai = "azure_openai",
        /// Fine-tuned OpenAI models: current limits, without string, number and array constraints.
        OpenaiFinetuned = "openai_finetuned",
    }
}

/// The size limits of a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "LintLimits")]
pub struct Limits {
    /// Object properties in the whole schema.
    pub properties: usize,
    /// Object schemas nested within one another (the root object is level 1).
    pub depth: usize,
    /// Characters of property names, definition names, enum values and const values.
    pub characters: usize,
    /// Enum values in the whole schema.
    pub enum_values: usize,
    /// A string enum with more than 250 values ([`Self::LARGE_ENUM`]) may hold this many
    /// characters.
    pub large_enum_characters: usize,
}

impl Limits {
    /// Past this many values, a string enum's characters are limited on their own.
    pub const LARGE_ENUM: usize = 250;
}

/// Keywords that carry no constraint: allowed anywhere.
const ANNOTATIONS: &[&str] =
    &["title", "description", "default", "examples", "$comment", "readOnly", "writeOnly", "deprecated"];

/// Keywords strict mode reads, whatever the profile.
const CORE: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "anyOf",
    "enum",
    "const",
    "$ref",
    "$defs",
    "definitions",
];

/// Keywords the root may also carry.
const ROOT_ONLY: &[&str] = &["$schema", "$id"];

/// Refused by every profile (guide: "Not supported"; openai-node's unsupported list).
const NEVER: &[&str] = &[
    "allOf",
    "not",
    "oneOf",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "patternProperties",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "minProperties",
    "maxProperties",
    "contains",
    "minContains",
    "maxContains",
    "uniqueItems",
    "prefixItems",
    "additionalItems",
    "$anchor",
    "$dynamicAnchor",
    "$dynamicRef",
    "$recursiveRef",
    "$recursiveAnchor",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "minLength",
    "maxLength",
];

/// Constraints the current OpenAI subset reads and the others refuse.
const CONSTRAINTS: &[&str] = &[
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
];

/// The `format`s strict mode supports.
const FORMATS: &[&str] =
    &["date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"];

const TYPES: &[&str] = &["string", "number", "integer", "boolean", "object", "array", "null"];

impl Profile {
    /// The profile's size limits.
    #[must_use]
    pub const fn limits(self) -> Limits {
        match self {
            // Guide "Supported schemas", limits (current).
            Self::Openai | Self::OpenaiFinetuned => Limits {
                properties: 5_000,
                depth: 10,
                characters: 120_000,
                enum_values: 1_000,
                large_enum_characters: 15_000,
            },
            // The launch limits, which Azure OpenAI still documents.
            Self::OpenaiLegacy | Self::AzureOpenai => Limits {
                properties: 100,
                depth: 5,
                characters: 15_000,
                enum_values: 500,
                large_enum_characters: 7_500,
            },
        }
    }

    fn refuses(self, keyword: &str) -> bool {
        NEVER.contains(&keyword) || (self != Self::Openai && CONSTRAINTS.contains(&keyword))
    }
}

stable_codes! {
    /// What a finding is about.
    pub enum LintCode {
        /// The root schema is not `type: "object"`.
        RootNotObject = "root_not_object",
        /// The root schema is an `anyOf` (a discriminated union at the root).
        RootAnyOf = "root_any_of",
        /// An object schema without `additionalProperties`.
        AdditionalPropertiesMissing = "additional_properties_missing",
        /// An object schema whose `additionalProperties` is not `false` (a free-form dict).
        AdditionalPropertiesNotFalse = "additional_properties_not_false",
        /// A property missing from `required` (an optional field).
        PropertyNotRequired = "property_not_required",
        /// `required` names a property that `properties` does not declare.
        RequiredUndeclared = "required_undeclared",
        /// `required` or `properties` of the wrong shape.
        MalformedKeyword = "malformed_keyword",
        /// A keyword outside the profile's subset.
        UnsupportedKeyword = "unsupported_keyword",
        /// A keyword strict mode does not know (a typo, an OpenAPI extension).
        UnknownKeyword = "unknown_keyword",
        /// A `format` outside the supported list.
        UnsupportedFormat = "unsupported_format",
        /// A `type` outside the JSON Schema types.
        UnsupportedType = "unsupported_type",
        /// A schema with no `type`, `anyOf`, `$ref`, `enum` or `const` (an "any" value).
        MissingType = "missing_type",
        /// `true` or `false` where a schema object is required.
        BooleanSchema = "boolean_schema",
        /// An array schema without `items`, or with tuple `items`.
        ArrayItems = "array_items",
        /// A `$ref` outside the document, or one that leads nowhere.
        UnresolvedRef = "unresolved_ref",
        /// A `$ref` beside other constraints (openai-python inlines these; the API refuses them).
        RefWithSiblings = "ref_with_siblings",
        /// More object properties than the profile allows.
        TooManyProperties = "too_many_properties",
        /// Objects nested deeper than the profile allows.
        TooDeep = "too_deep",
        /// More characters of names and values than the profile allows.
        TooManyCharacters = "too_many_characters",
        /// More enum values than the profile allows.
        TooManyEnumValues = "too_many_enum_values",
        /// A string enum of more than 250 values over its character limit.
        EnumTooLong = "enum_too_long",
        /// A warning of [`crate::schema::strict::to_strict`]: a `oneOf` whose branches are
        /// disjoint by a discriminating property was rewritten as the `anyOf` strict mode reads.
        OneOfAsAnyOf = "one_of_as_any_of",
    }
}

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "FindingSeverity")]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The API refuses the schema.
    Error,
    /// Accepted, or not known to be refused, but probably not what was meant.
    Warning,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Finding {
    /// The stable code.
    pub code: LintCode,
    /// Error or warning.
    pub severity: Severity,
    /// JSON Pointer of the schema (or keyword) the finding is about; `""` is the root.
    pub path: String,
    /// A sentence naming the place; not part of the contract.
    pub message: String,
}

/// What the schema uses of the profile's limits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "LintUsage")]
pub struct Usage {
    /// Object properties.
    pub properties: usize,
    /// Deepest nesting of object schemas.
    pub depth: usize,
    /// Characters of property names, definition names, enum and const values.
    pub characters: usize,
    /// Enum values.
    pub enum_values: usize,
}

/// The outcome of a lint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Lint {
    /// Whether no finding is an error: the API should accept the schema in strict mode.
    pub ok: bool,
    /// The profile checked against.
    pub profile: Profile,
    /// Findings, in document order, the limits last.
    pub findings: Vec<Finding>,
    /// What the schema uses.
    pub usage: Usage,
    /// The profile's limits.
    pub limits: Limits,
}

/// Options of [`lint`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LintOptions {
    /// The target (default `openai`).
    pub profile: Profile,
}

/// Checks `schema` against strict mode's rules for `profile`. Never fails: a schema
/// that is not even an object is a finding at the root.
#[must_use]
pub fn lint(schema: &Value, options: &LintOptions) -> Lint {
    let profile = options.profile;
    let limits = profile.limits();
    let mut linter = Linter { root: schema, profile, findings: Vec::new(), usage: Usage::default() };
    match schema {
        Value::Object(map) => {
            if map.contains_key("anyOf") {
                linter.error(
                    LintCode::RootAnyOf,
                    "",
                    "Root schema must not be an `anyOf`: strict mode needs a root object, not a union".into(),
                );
            } else if map.get("type").and_then(Value::as_str) != Some("object") {
                let got = map.get("type").map_or_else(|| "none".to_owned(), Value::to_string);
                linter.error(
                    LintCode::RootNotObject,
                    "",
                    format!("Root schema must have `type: \"object\"`, got type {got}"),
                );
            }
        }
        _ => linter.error(
            LintCode::RootNotObject,
            "",
            "Root schema must be a JSON object with `type: \"object\"`".into(),
        ),
    }
    let mut path = String::new();
    linter.visit(schema, &mut path, true, 0);
    // What the walk does not read (a number or a schema of the wrong shape, an empty `anyOf`,
    // an invalid `pattern`): the draft's meta-schema and patterns, as `validate` compiles them.
    if let Err(e) = super::validate::well_formed(schema) {
        // Unless a finding already names the same keyword (`items` as an array, ...).
        if !linter.findings.iter().any(|f| f.severity == Severity::Error && f.path == e.path) {
            let message = format!("Schema at `{}` is not valid JSON Schema: {}", at(&e.path), e.message);
            linter.error(LintCode::MalformedKeyword, &e.path, message);
        }
    }
    linter.usage.depth =
        Depth { root: schema, done: HashMap::new(), active: vec!["#".to_owned()], cut: usize::MAX, steps: 0 }
            .of(schema, "#", 0);
    linter.check_limits(&limits);
    let ok = linter.findings.iter().all(|f| f.severity == Severity::Warning);
    Lint { ok, profile, findings: linter.findings, usage: linter.usage, limits }
}

/// Nesting deeper than this is not walked (a finding, not a stack overflow): far past any
/// profile's depth limit, far below the stack.
const WALK_LIMIT: usize = 128;

struct Linter<'a> {
    root: &'a Value,
    profile: Profile,
    findings: Vec<Finding>,
    usage: Usage,
}

fn at(path: &str) -> &str {
    if path.is_empty() {
        "<root>"
    } else {
        &path[1..]
    }
}

impl Linter<'_> {
    fn push(&mut self, code: LintCode, severity: Severity, path: &str, message: String) {
        self.findings.push(Finding { code, severity, path: path.to_owned(), message });
    }

    fn error(&mut self, code: LintCode, path: &str, message: String) {
        self.push(code, Severity::Error, path, message);
    }

    fn visit(&mut self, schema: &Value, path: &mut String, is_root: bool, level: usize) {
        let map = match schema {
            Value::Object(map) => map,
            Value::Bool(b) => {
                let msg = format!("Schema at `{}` is `{b}`; strict mode needs a schema object", at(path));
                return self.error(LintCode::BooleanSchema, path, msg);
            }
            other => {
                let msg = format!("Schema at `{}` must be an object, got {}", at(path), kind(other));
                return self.error(LintCode::MalformedKeyword, path, msg);
            }
        };
        if level > WALK_LIMIT {
            let msg = format!("Schema at `{}` is nested more than {WALK_LIMIT} levels deep", at(path));
            return self.error(LintCode::TooDeep, path, msg);
        }
        self.keywords(map, path, is_root);
        self.types(map, path);
        self.object(map, path);
        self.array(map, path);
        self.reference(map, path);
        self.values(map, path);
        for (tokens, child) in walk::children(map) {
            let len = path.len();
            for t in &tokens {
                pointer::push(path, t);
            }
            // `additionalProperties: false` is the rule, not a schema to check; `true` on an
            // object schema is reported by `object` (`additional_properties_not_false`).
            let reported = tokens[0] == "additionalProperties"
                && match child {
                    Value::Bool(false) => true,
                    Value::Bool(true) => has_type(map, "object") || map.contains_key("properties"),
                    _ => false,
                };
            if !reported {
                self.visit(child, path, false, level + 1);
            }
            path.truncate(len);
        }
    }

    fn keywords(&mut self, map: &Map<String, Value>, path: &str, is_root: bool) {
        for keyword in map.keys() {
            let k = keyword.as_str();
            if self.profile.refuses(k) {
                let hint = if k == "oneOf" {
                    " (to_strict rewrites a `oneOf` whose branches are told apart by one property as `anyOf`)"
                } else {
                    ""
                };
                let msg = format!("Schema at `{}` uses unsupported keyword `{k}`{hint}", at(path));
                self.error(LintCode::UnsupportedKeyword, &pointer::child(path, k), msg);
            } else if !(ANNOTATIONS.contains(&k)
                || CORE.contains(&k)
                || CONSTRAINTS.contains(&k)
                || (is_root && ROOT_ONLY.contains(&k)))
            {
                let msg =
                    format!("Schema at `{}` uses keyword `{k}`, which strict mode does not know", at(path));
                self.push(LintCode::UnknownKeyword, Severity::Warning, &pointer::child(path, k), msg);
            }
        }
        if let Some(format) = map.get("format").and_then(Value::as_str) {
            if !self.profile.refuses("format") && !FORMATS.contains(&format) {
                let msg = format!(
                    "Schema at `{}` uses format `{format}`; strict mode supports {}",
                    at(path),
                    FORMATS.join(", ")
                );
                self.error(LintCode::UnsupportedFormat, &pointer::child(path, "format"), msg);
            }
        }
    }

    fn types(&mut self, map: &Map<String, Value>, path: &str) {
        match map.get("type") {
            None => {
                // `oneOf` and `allOf` are refused on their own; no second finding here.
                if !["anyOf", "$ref", "enum", "const", "oneOf", "allOf"].iter().any(|k| map.contains_key(*k))
                {
                    let msg = format!(
                        "Schema at `{}` has no `type` (nor `anyOf`, `$ref`, `enum` or `const`): strict mode cannot generate an unconstrained value",
                        at(path)
                    );
                    self.error(LintCode::MissingType, path, msg);
                }
            }
            Some(t) => {
                let names: Vec<&Value> = match t {
                    Value::Array(list) => list.iter().collect(),
                    other => vec![other],
                };
                for name in names {
                    if !name.as_str().is_some_and(|n| TYPES.contains(&n)) {
                        let msg = format!("Schema at `{}` has unsupported type {name}", at(path));
                        self.error(LintCode::UnsupportedType, &pointer::child(path, "type"), msg);
                    }
                }
            }
        }
    }

    fn object(&mut self, map: &Map<String, Value>, path: &str) {
        if !(has_type(map, "object") || map.contains_key("properties")) {
            return;
        }
        match map.get("additionalProperties") {
            None => {
                let msg = format!("Object schema at `{}` must set `additionalProperties: false`", at(path));
                self.error(LintCode::AdditionalPropertiesMissing, path, msg);
            }
            Some(Value::Bool(false)) => {}
            Some(_) => {
                let msg = format!(
                    "Object schema at `{}` must set `additionalProperties: false`; a free-form map cannot be represented in strict mode",
                    at(path)
                );
                self.error(
                    LintCode::AdditionalPropertiesNotFalse,
                    &pointer::child(path, "additionalProperties"),
                    msg,
                );
            }
        }
        let empty = Map::new();
        let properties = match map.get("properties") {
            None => &empty,
            Some(Value::Object(p)) => p,
            Some(other) => {
                let msg = format!("`properties` at `{}` must be an object, got {}", at(path), kind(other));
                return self.error(LintCode::MalformedKeyword, &pointer::child(path, "properties"), msg);
            }
        };
        self.usage.properties += properties.len();
        self.usage.characters += properties.keys().map(|k| k.chars().count()).sum::<usize>();
        let required: Vec<&str> = match map.get("required") {
            None => Vec::new(),
            Some(Value::Array(list)) if list.iter().all(Value::is_string) => {
                list.iter().filter_map(Value::as_str).collect()
            }
            Some(_) => {
                let msg = format!("`required` at `{}` must be an array of property names", at(path));
                return self.error(LintCode::MalformedKeyword, &pointer::child(path, "required"), msg);
            }
        };
        for name in properties.keys() {
            if !required.contains(&name.as_str()) {
                let msg = format!(
                    "Property `{name}` of the object at `{}` is not in `required`: every property must be required (make it nullable to let the model omit a value)",
                    at(path)
                );
                self.error(
                    LintCode::PropertyNotRequired,
                    &pointer::child(&pointer::child(path, "properties"), name),
                    msg,
                );
            }
        }
        for name in required {
            if !properties.contains_key(name) {
                let msg = format!(
                    "Object schema at `{}` requires `{name}`, which `properties` does not declare",
                    at(path)
                );
                self.error(LintCode::RequiredUndeclared, &pointer::child(path, "required"), msg);
            }
        }
    }

    fn array(&mut self, map: &Map<String, Value>, path: &str) {
        if !has_type(map, "array") {
            return;
        }
        match map.get("items") {
            None => {
                let msg = format!("Array schema at `{}` must set `items`", at(path));
                self.error(LintCode::ArrayItems, path, msg);
            }
            Some(Value::Array(_)) => {
                let msg = format!(
                    "Array schema at `{}` uses tuple `items`; strict mode needs one schema for every item",
                    at(path)
                );
                self.error(LintCode::ArrayItems, &pointer::child(path, "items"), msg);
            }
            Some(_) => {}
        }
    }

    fn reference(&mut self, map: &Map<String, Value>, path: &str) {
        let Some(r) = map.get("$ref") else { return };
        let here = pointer::child(path, "$ref");
        let Some(r) = r.as_str() else {
            let msg = format!("`$ref` at `{}` must be a string", at(path));
            return self.error(LintCode::MalformedKeyword, &here, msg);
        };
        if walk::resolve(self.root, r).is_none() {
            let msg = if r.starts_with('#') {
                format!("`$ref` `{r}` at `{}` leads nowhere in this document", at(path))
            } else {
                format!("`$ref` `{r}` at `{}` points outside the document; strict mode only reads `#/$defs/...` references", at(path))
            };
            self.error(LintCode::UnresolvedRef, &here, msg);
        }
        // Any keyword, an annotation too: the API refuses `{"$ref": ..., "description": ...}`
        // ("$ref cannot have keywords {'description'}"), which is why openai-python inlines
        // every `$ref` that has company.
        let siblings: Vec<&str> = map.keys().map(String::as_str).filter(|k| *k != "$ref").collect();
        if !siblings.is_empty() {
            let msg = format!(
                "Schema at `{}` has keywords beside `$ref` (`{}`); inline the reference instead",
                at(path),
                siblings.join("`, `")
            );
            self.error(LintCode::RefWithSiblings, path, msg);
        }
    }

    fn values(&mut self, map: &Map<String, Value>, path: &str) {
        // Both spellings, when a schema has both: each name is sent to the API.
        for defs in ["$defs", "definitions"].iter().filter_map(|k| map.get(*k)?.as_object()) {
            self.usage.characters += defs.keys().map(|k| k.chars().count()).sum::<usize>();
        }
        if let Some(c) = map.get("const") {
            self.usage.characters += value_chars(c);
        }
        match map.get("enum") {
            None => {}
            Some(Value::Array(values)) => {
                self.usage.enum_values += values.len();
                let chars: usize = values.iter().map(value_chars).sum();
                self.usage.characters += chars;
                let limit = self.profile.limits().large_enum_characters;
                // A nullable string enum (`["a", "b", null]`, how `to_strict` makes an optional
                // enum) is a string enum all the same.
                let strings = values.iter().all(|v| v.is_string() || v.is_null());
                if values.len() > Limits::LARGE_ENUM && strings && chars > limit {
                    let msg = format!(
                        "The string enum at `{}` has {} values of {chars} characters; above {} values at most {limit} characters are allowed",
                        at(path),
                        values.len(),
                        Limits::LARGE_ENUM
                    );
                    self.error(LintCode::EnumTooLong, &pointer::child(path, "enum"), msg);
                }
            }
            Some(other) => {
                let msg = format!("`enum` at `{}` must be an array, got {}", at(path), kind(other));
                self.error(LintCode::MalformedKeyword, &pointer::child(path, "enum"), msg);
            }
        }
    }

    fn check_limits(&mut self, limits: &Limits) {
        let u = self.usage;
        let checks = [
            (LintCode::TooManyProperties, u.properties, limits.properties, "object properties"),
            (LintCode::TooDeep, u.depth, limits.depth, "levels of nested objects"),
            (
                LintCode::TooManyCharacters,
                u.characters,
                limits.characters,
                "characters of property names, definition names, enum and const values",
            ),
            (LintCode::TooManyEnumValues, u.enum_values, limits.enum_values, "enum values"),
        ];
        for (code, used, limit, what) in checks {
            if used > limit {
                let msg = format!("The schema has {used} {what}; profile `{}` allows {limit}", self.profile);
                self.error(code, "", msg);
            }
        }
    }
}

/// Object nesting through properties, items, `anyOf` and `$ref`s (a recursive reference
/// adds no level: the API allows recursion, and its limit is about the written schema).
///
/// Each reference's depth is computed once: a chain of models that each use the one below
/// in several fields reaches the bottom by exponentially many paths (8 fields a level, 8
/// levels: 16 million), so walking every path took seconds to hours.
struct Depth<'a> {
    root: &'a Value,
    done: HashMap<String, usize>,
    active: Vec<String>,
    /// The lowest position in `active` at which the walk, since it was reset, cut a cycle
    /// (0 for the nesting limit).
    cut: usize,
    /// Schemas looked at. Mutually recursive models (an AST of K node kinds, each using the
    /// others) have as many cycle-free paths as orderings of the kinds: past `DEPTH_STEPS`,
    /// a reference on a cycle is also computed once, from the first path that reached it
    /// (the depth then depends on that path; it ends in bounded time).
    steps: usize,
}

/// Schemas the depth walk looks at before it computes each reference once.
const DEPTH_STEPS: usize = 100_000;

impl<'a> Depth<'a> {
    fn of(&mut self, schema: &'a Value, here: &str, level: usize) -> usize {
        let Value::Object(map) = schema else { return 0 };
        self.steps += 1;
        if level > WALK_LIMIT {
            self.cut = 0; // a depth cut short here depends on where the walk came from
            return 0;
        }
        let own = usize::from(has_type(map, "object") || map.contains_key("properties"));
        let mut deepest = 0;
        for (tokens, child) in walk::children(map) {
            if matches!(tokens[0].as_str(), "$defs" | "definitions") {
                continue; // counted where they are referenced
            }
            let mut path = here.to_owned();
            for t in &tokens {
                pointer::push(&mut path, t);
            }
            deepest = deepest.max(self.of(child, &path, level + 1));
        }
        if let Some(r) = map.get("$ref").and_then(Value::as_str) {
            deepest = deepest.max(self.through(r, level));
        }
        own + deepest
    }

    fn through(&mut self, reference: &str, level: usize) -> usize {
        if let Some(&d) = self.done.get(reference) {
            return d;
        }
        if let Some(at) = self.active.iter().position(|r| r == reference) {
            self.cut = self.cut.min(at);
            return 0;
        }
        let Some(target) = walk::resolve(self.root, reference) else { return 0 };
        let position = self.active.len();
        let outer = std::mem::replace(&mut self.cut, usize::MAX);
        self.active.push(reference.to_owned());
        let d = self.of(target, reference, level + 1);
        self.active.pop();
        if self.cut > position || self.steps > DEPTH_STEPS {
            // No cycle through this reference or above it was cut: it lies on no cycle, so no
            // walk that reaches it can be inside one of its descendants, and its depth is the
            // same wherever it is used. (A reference on a cycle is walked each time: entered
            // from another member of the cycle, the walk stops at that member instead.)
            self.done.insert(reference.to_owned(), d);
        }
        self.cut = self.cut.min(outer);
        d
    }
}

fn has_type(map: &Map<String, Value>, name: &str) -> bool {
    match map.get("type") {
        Some(Value::String(t)) => t == name,
        Some(Value::Array(list)) => list.iter().any(|t| t.as_str() == Some(name)),
        _ => false,
    }
}

fn value_chars(v: &Value) -> usize {
    match v {
        Value::String(s) => s.chars().count(),
        other => other.to_string().chars().count(),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn codes(schema: &Value, profile: Profile) -> Vec<(LintCode, String)> {
        lint(schema, &LintOptions { profile }).findings.into_iter().map(|f| (f.code, f.path)).collect()
    }

    #[test]
    fn a_free_form_object_is_reported_once() {
        // What Pydantic's `extra="allow"` and `Dict[str, Any]` write: one finding, not a second
        // `boolean_schema` at the same path.
        let schema =
            json!({"type": "object", "properties": {}, "required": [], "additionalProperties": true});
        assert_eq!(
            codes(&schema, Profile::Openai),
            [(LintCode::AdditionalPropertiesNotFalse, "/additionalProperties".to_owned())]
        );
    }

    fn strict_object(properties: Value) -> Value {
        let names: Vec<String> = properties.as_object().unwrap().keys().cloned().collect();
        json!({"type": "object", "properties": properties, "required": names, "additionalProperties": false})
    }

    #[test]
    fn a_strict_schema_passes_with_its_usage() {
        let schema = json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "description": "who"},
                "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
                "next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]},
                "kind": {"$ref": "#/$defs/kind"}
            },
            "required": ["name", "tags", "next", "kind"],
            "additionalProperties": false,
            "$defs": {"kind": {"type": "string", "enum": ["x"]}}
        });
        let out = lint(&schema, &LintOptions::default());
        assert!(out.ok, "{:?}", out.findings);
        assert!(out.findings.is_empty());
        assert_eq!(
            out.usage,
            Usage { properties: 4, depth: 1, characters: 4 + 4 + 4 + 4 + 4 + 3, enum_values: 3 }
        );
    }

    #[test]
    fn the_root_must_be_an_object_not_a_union() {
        assert_eq!(codes(&json!({"anyOf": [{"type": "object"}]}), Profile::Openai)[0].0, LintCode::RootAnyOf);
        assert_eq!(
            codes(&json!({"type": "array", "items": {"type": "string"}}), Profile::Openai)[0].0,
            LintCode::RootNotObject
        );
        assert_eq!(codes(&json!([1]), Profile::Openai)[0].0, LintCode::RootNotObject);
    }

    #[test]
    fn objects_must_be_closed_and_fully_required_everywhere() {
        let schema = json!({
            "type": "object",
            "properties": {
                "a": {"type": "object", "properties": {"x": {"type": "string"}}},
                "m": {"type": "object", "additionalProperties": {"type": "integer"}},
                "b": {"type": "string"}
            },
            "required": ["a", "m", "ghost"],
            "additionalProperties": false
        });
        let got = codes(&schema, Profile::Openai);
        assert_eq!(
            got,
            [
                (LintCode::PropertyNotRequired, "/properties/b".to_owned()),
                (LintCode::RequiredUndeclared, "/required".to_owned()),
                (LintCode::AdditionalPropertiesMissing, "/properties/a".to_owned()),
                (LintCode::PropertyNotRequired, "/properties/a/properties/x".to_owned()),
                (LintCode::AdditionalPropertiesNotFalse, "/properties/m/additionalProperties".to_owned()),
            ]
        );
        let f = lint(&schema, &LintOptions::default()).findings;
        assert!(f[2].message.contains("`properties/a`"), "{}", f[2].message);
    }

    #[test]
    fn keywords_follow_the_profile() {
        let schema = strict_object(json!({
            "s": {"type": "string", "pattern": "^a", "minLength": 1},
            "n": {"type": "integer", "minimum": 0},
            "l": {"type": "array", "items": {"type": "string"}, "uniqueItems": true, "maxItems": 3},
            "f": {"type": "string", "format": "uri"},
            "o": {"oneOf": [{"type": "string"}]},
            "x": {"type": "string", "x-extension": 1}
        }));
        let openai = codes(&schema, Profile::Openai);
        assert_eq!(
            openai,
            [
                (LintCode::UnsupportedKeyword, "/properties/s/minLength".to_owned()),
                (LintCode::UnsupportedKeyword, "/properties/l/uniqueItems".to_owned()),
                (LintCode::UnsupportedFormat, "/properties/f/format".to_owned()),
                (LintCode::UnsupportedKeyword, "/properties/o/oneOf".to_owned()),
                (LintCode::UnknownKeyword, "/properties/x/x-extension".to_owned()),
            ]
        );
        let legacy = codes(&schema, Profile::OpenaiLegacy);
        for refused in [
            "/properties/s/pattern",
            "/properties/n/minimum",
            "/properties/l/maxItems",
            "/properties/f/format",
        ] {
            assert!(
                legacy.contains(&(LintCode::UnsupportedKeyword, refused.to_owned())),
                "{refused}: {legacy:?}"
            );
        }
        assert_eq!(codes(&schema, Profile::AzureOpenai), legacy);
    }

    #[test]
    fn any_values_arrays_and_refs_are_checked() {
        let schema = strict_object(json!({
            "any": {},
            "t": {"type": "array", "items": [{"type": "string"}]},
            "bare": {"type": "array"},
            "ext": {"$ref": "https://example.com/s.json"},
            "gone": {"$ref": "#/$defs/gone"},
            "sib": {"$ref": "#", "type": "object"},
            "b": true
        }));
        let got: Vec<LintCode> = codes(&schema, Profile::Openai).into_iter().map(|(c, _)| c).collect();
        assert_eq!(
            got,
            [
                LintCode::MissingType,
                LintCode::ArrayItems,
                LintCode::ArrayItems,
                LintCode::UnresolvedRef,
                LintCode::UnresolvedRef,
                LintCode::AdditionalPropertiesMissing,
                LintCode::RefWithSiblings,
                LintCode::BooleanSchema,
            ]
        );
    }

    #[test]
    fn limits_are_counted_over_the_whole_document() {
        let props: Map<String, Value> =
            (0..101).map(|i| (format!("p{i}"), json!({"type": "integer"}))).collect();
        let schema = strict_object(Value::Object(props));
        assert!(lint(&schema, &LintOptions::default()).ok);
        assert_eq!(codes(&schema, Profile::OpenaiLegacy), [(LintCode::TooManyProperties, String::new())]);

        let mut deep = json!({"type": "string"});
        for _ in 0..11 {
            deep = strict_object(json!({"d": deep}));
        }
        let out = lint(&deep, &LintOptions::default());
        assert_eq!((out.usage.depth, out.findings[0].code), (11, LintCode::TooDeep));

        let values: Vec<String> = (0..300).map(|i| format!("{i:0>60}")).collect();
        let schema = strict_object(json!({"e": {"type": "string", "enum": values}}));
        let got = codes(&schema, Profile::Openai);
        assert_eq!(got, [(LintCode::EnumTooLong, "/properties/e/enum".to_owned())]);
        let mut nullable: Vec<Value> = values.into_iter().map(Value::from).collect();
        nullable.push(Value::Null);
        let schema = strict_object(json!({"e": {"type": ["string", "null"], "enum": nullable}}));
        let got = codes(&schema, Profile::Openai);
        assert_eq!(got, [(LintCode::EnumTooLong, "/properties/e/enum".to_owned())], "with null too");
    }

    #[test]
    fn a_keyword_of_the_wrong_shape_is_malformed_where_it_is() {
        for (property, at) in [
            (json!(5), "/properties/a"),
            (json!({"anyOf": []}), "/properties/a/anyOf"),
            (json!({"type": "number", "minimum": "0"}), "/properties/a/minimum"),
            (json!({"type": "string", "pattern": "["}), "/properties/a/pattern"),
        ] {
            let got = codes(&strict_object(json!({"a": property})), Profile::Openai);
            assert!(got.contains(&(LintCode::MalformedKeyword, at.to_owned())), "{at}: {got:?}");
        }
    }

    #[test]
    fn depth_follows_references_and_recursion_adds_nothing() {
        let schema = json!({
            "type": "object", "additionalProperties": false, "required": ["a"],
            "properties": {"a": {"$ref": "#/$defs/node"}},
            "$defs": {"node": {
                "type": "object", "additionalProperties": false, "required": ["child"],
                "properties": {"child": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]}}
            }}
        });
        let out = lint(&schema, &LintOptions::default());
        assert!(out.ok, "{:?}", out.findings);
        assert_eq!(out.usage.depth, 2);
    }

    /// Models `L0` to `Ln`, each with `fields` fields of the model below (what Pydantic writes
    /// for nested models): `fields^n` paths from the root to `L0`.
    fn chain(levels: usize, fields: usize) -> Value {
        let mut defs = serde_json::Map::new();
        defs.insert("L0".into(), strict_object(json!({"v": {"type": "string"}})));
        for i in 1..=levels {
            let below = json!({"$ref": format!("#/$defs/L{}", i - 1)});
            let props: serde_json::Map<String, Value> =
                (0..fields).map(|j| (format!("f{j}"), below.clone())).collect();
            defs.insert(format!("L{i}"), strict_object(Value::Object(props)));
        }
        let mut root = strict_object(json!({"root": {"$ref": format!("#/$defs/L{levels}")}}));
        root["$defs"] = Value::Object(defs);
        root
    }

    #[test]
    fn a_reference_reached_by_many_paths_is_walked_once() {
        // 8^12 paths: walked path by path, this would not end; once per reference, at once.
        let out = lint(&chain(12, 8), &LintOptions::default());
        assert_eq!(out.usage.depth, 14);
        assert!(out.findings.iter().any(|f| f.code == LintCode::TooDeep), "{:?}", out.findings);
        let out = lint(&chain(8, 8), &LintOptions::default());
        assert_eq!((out.ok, out.usage.depth), (true, 10), "{:?}", out.findings);
    }

    #[test]
    fn a_cycle_entered_from_another_member_adds_no_level() {
        // a -> b -> a: reached through b first, the walk stops at b's second visit; the depth
        // of a, taken alone, must not be reused there (it holds one level of b).
        let schema = json!({
            "type": "object", "additionalProperties": false, "required": ["x", "y"],
            "properties": {"x": {"$ref": "#/$defs/a"}, "y": {"$ref": "#/$defs/b"}},
            "$defs": {
                "a": {"type": "object", "additionalProperties": false, "required": ["b"],
                      "properties": {"b": {"$ref": "#/$defs/b"}}},
                "b": {"type": "object", "additionalProperties": false, "required": ["a"],
                      "properties": {"a": {"anyOf": [{"$ref": "#/$defs/a"}, {"type": "null"}]}}}
            }
        });
        assert_eq!(lint(&schema, &LintOptions::default()).usage.depth, 3);
    }

    #[test]
    fn definition_names_count_under_both_spellings() {
        let mut schema = strict_object(json!({"v": {"type": "string"}}));
        schema["$defs"] = json!({"X": {"type": "string"}});
        schema["definitions"] = json!({"Y".repeat(120_000): {"type": "string"}});
        let out = lint(&schema, &LintOptions::default());
        assert!(out.usage.characters > 120_000, "{}", out.usage.characters);
        assert!(out.findings.iter().any(|f| f.code == LintCode::TooManyCharacters), "{:?}", out.findings);
    }

    #[test]
    fn hostile_nesting_is_bounded() {
        let mut deep = json!({"type": "string"});
        for _ in 0..200 {
            deep = json!({"type": "object", "properties": {"d": deep}, "required": ["d"], "additionalProperties": false});
        }
        let out = lint(&deep, &LintOptions::default());
        assert!(out.findings.iter().any(|f| f.code == LintCode::TooDeep));
    }
}
