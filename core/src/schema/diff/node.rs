//! Reading one side of a comparison: its dialect, the JSON types a schema admits, JSON
//! equality as JSON Schema defines it (`1` equals `1.0`), and which keywords assert.

use std::cmp::Ordering;
use std::sync::LazyLock;

use serde_json::{Map, Number, Value};

/// Which version a schema belongs to (its `$ref`s resolve in that document).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Which {
    Old,
    New,
}

impl Which {
    pub(super) const fn name(self) -> &'static str {
        match self {
            Self::Old => "old",
            Self::New => "new",
        }
    }
}

/// The keywords a document's draft gives meaning to, where drafts differ. A keyword a draft
/// ignores must not be read as a constraint: on the old side that would make the diff claim
/// old data was narrower than it was. Unnamed drafts are 2020-12 (jsonschema's default), which
/// also reads the draft-7 forms (`items` as a tuple, `additionalItems`, `dependencies`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Dialect {
    /// Drafts 4 to 7: a `$ref` hides its siblings.
    pub(super) ref_hides_siblings: bool,
    /// Draft 4: no `const`, `contains`, `propertyNames`; `exclusiveMaximum` is a boolean.
    pub(super) draft4: bool,
    /// Draft 7 and later: `if`/`then`/`else`.
    pub(super) conditionals: bool,
    /// 2019-09 and later: `dependentRequired`, `dependentSchemas`, `unevaluated*`, `minContains`.
    pub(super) modern: bool,
    /// 2020-12: `prefixItems`.
    pub(super) prefix_items: bool,
}

impl Dialect {
    pub(super) fn of(root: &Value) -> Self {
        let uri = root.get("$schema").and_then(Value::as_str).unwrap_or_default();
        let legacy = |draft: &str| uri.contains(draft);
        let draft4 = legacy("draft-04") || legacy("draft-03");
        let draft6 = legacy("draft-06");
        let draft7 = legacy("draft-07");
        let modern = !(draft4 || draft6 || draft7);
        Self {
            ref_hides_siblings: !modern,
            draft4,
            conditionals: !(draft4 || draft6),
            modern,
            prefix_items: modern && !uri.contains("2019-09"),
        }
    }
}

/// One side's schema object (`true` reads as the empty object).
#[derive(Clone, Copy, Debug)]
pub(super) struct Node<'a> {
    pub(super) which: Which,
    pub(super) value: &'a Value,
    pub(super) map: &'a Map<String, Value>,
    /// The target of a `$ref` beside assertions, read as part of this object
    /// ([`super::walk::Walker::node`]); empty otherwise.
    pub(super) merged: &'a Map<String, Value>,
}

static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);
/// `true` and `false` as schemas that live as long as any document.
pub(super) static TRUE: Value = Value::Bool(true);
pub(super) static FALSE: Value = Value::Bool(false);

impl<'a> Node<'a> {
    /// The node of an object or `true` schema (`false` is handled before nodes are made).
    pub(super) fn new(which: Which, value: &'a Value) -> Self {
        let map = value.as_object().unwrap_or(&EMPTY);
        Self { which, value, map, merged: &EMPTY }
    }

    /// The node with the keywords of `target` (a `$ref`'s) read as its own.
    pub(super) fn merging(self, target: &'a Map<String, Value>) -> Self {
        Self { merged: target, ..self }
    }

    pub(super) fn get(&self, keyword: &str) -> Option<&'a Value> {
        self.map.get(keyword).or_else(|| self.merged.get(keyword))
    }

    /// Its keywords (a merged `$ref` target's too).
    pub(super) fn keys(&self) -> impl Iterator<Item = &'a String> {
        let map = self.map;
        map.keys().chain(self.merged.keys().filter(move |k| !map.contains_key(*k)))
    }

    /// Whether its `$ref` is merged into it, so not one more conjunct.
    pub(super) fn ref_merged(&self) -> bool {
        !self.merged.is_empty()
    }

    /// Keywords that apply other schemas to the same instance, and so may evaluate
    /// properties or items for `unevaluated*`.
    pub(super) fn has_in_place_applicators(&self) -> bool {
        ["allOf", "anyOf", "oneOf", "if", "dependentSchemas", "dependencies", "$ref"]
            .iter()
            .any(|k| self.get(k).is_some())
    }
}

/// Keywords that constrain instances (every other keyword is an annotation or unknown, and
/// validators ignore it).
const ASSERTIONS: &[&str] = &[
    "type",
    "enum",
    "const",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "contentMediaType",
    "contentEncoding",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "unevaluatedProperties",
    "minProperties",
    "maxProperties",
    "dependencies",
    "dependentRequired",
    "dependentSchemas",
    "propertyNames",
    "items",
    "prefixItems",
    "additionalItems",
    "unevaluatedItems",
    "minItems",
    "maxItems",
    "uniqueItems",
    "contains",
    "minContains",
    "maxContains",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "$ref",
    "$dynamicRef",
    "$recursiveRef",
];

pub(super) fn is_assertion(keyword: &str) -> bool {
    ASSERTIONS.contains(&keyword)
}

/// Whether a schema accepts every instance without looking at it: `true`, or an object whose
/// assertions are all vacuous (`properties: {}`, `required: []`, `additionalProperties: true`).
pub(super) fn accepts_everything(schema: &Value) -> bool {
    let vacuous = |keyword: &str, value: &Value| match keyword {
        "additionalProperties"
        | "additionalItems"
        | "items"
        | "unevaluatedProperties"
        | "unevaluatedItems"
        | "propertyNames"
        | "if"
        | "then"
        | "else" => accepts_everything(value),
        "properties" | "patternProperties" | "dependencies" | "dependentRequired" | "dependentSchemas" => {
            value.as_object().is_some_and(Map::is_empty)
        }
        "required" | "allOf" => value.as_array().is_some_and(Vec::is_empty),
        "uniqueItems" => *value == Value::Bool(false),
        _ => false,
    };
    match schema {
        Value::Bool(b) => *b,
        Value::Object(map) => map.iter().all(|(k, v)| !is_assertion(k) || vacuous(k, v)),
        _ => false,
    }
}

/// Every `$ref` string inside a value.
pub(super) fn refs_in<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs_in(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs_in(v, out)),
        _ => {}
    }
}

/// A set of JSON types, with `number` split into integers written as such (`3`), integers
/// written with a fraction or an exponent (`3.0`, `3e0`: an `integer` from draft 6 on, not in
/// draft 4, which reads the text) and the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Types(u8);

impl Types {
    pub(super) const NONE: Self = Self(0);
    pub(super) const NULL: Self = Self(1);
    pub(super) const BOOLEAN: Self = Self(2);
    pub(super) const OBJECT: Self = Self(4);
    pub(super) const ARRAY: Self = Self(8);
    pub(super) const STRING: Self = Self(16);
    pub(super) const INTEGER: Self = Self(32);
    pub(super) const FRACTION: Self = Self(64);
    pub(super) const INTEGRAL_DECIMAL: Self = Self(128);
    pub(super) const NUMBER: Self = Self(32 | 64 | 128);
    pub(super) const ALL: Self = Self(255);

    /// The types a `type` name admits (`draft4`: the document is draft 4, whose `integer` is a
    /// number without a fraction or an exponent, so that `1.0` is no integer).
    pub(super) fn named(name: &str, draft4: bool) -> Option<Self> {
        Some(match name {
            "null" => Self::NULL,
            "boolean" => Self::BOOLEAN,
            "object" => Self::OBJECT,
            "array" => Self::ARRAY,
            "string" => Self::STRING,
            "integer" if draft4 => Self::INTEGER,
            "integer" => Self::INTEGER.or(Self::INTEGRAL_DECIMAL),
            "number" => Self::NUMBER,
            _ => return None,
        })
    }

    pub(super) fn of(value: &Value) -> Self {
        match value {
            Value::Null => Self::NULL,
            Value::Bool(_) => Self::BOOLEAN,
            Value::Object(_) => Self::OBJECT,
            Value::Array(_) => Self::ARRAY,
            Value::String(_) => Self::STRING,
            // An integral number is an integer at any size (`1e30` too), as validators read it,
            // and equals the instances that write it either way (`enum: [1]` admits `1.0`).
            Value::Number(n) if integer(n).is_some() || n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                Self::INTEGER.or(Self::INTEGRAL_DECIMAL)
            }
            Value::Number(_) => Self::FRACTION,
        }
    }

    pub(super) const fn or(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub(super) const fn and(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// Whether every type of `other` is in `self`.
    pub(super) const fn covers(self, other: Self) -> bool {
        other.0 & !self.0 == 0
    }

    pub(super) const fn meets(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }
}

/// The value of an integral number (`3`, `3.0`), exactly.
pub(super) fn integer(n: &Number) -> Option<i128> {
    if let Some(i) = n.as_i64() {
        return Some(i.into());
    }
    if let Some(u) = n.as_u64() {
        return Some(u.into());
    }
    let f = n.as_f64()?;
    // Below 2^100 an integral f64 converts exactly.
    (f.fract() == 0.0 && f.abs() < 1e30).then_some(f as i128)
}

/// Numeric order, exact between integers.
pub(super) fn compare_numbers(a: &Number, b: &Number) -> Ordering {
    match (integer(a), integer(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => {
            let (x, y) = (a.as_f64().unwrap_or(f64::NAN), b.as_f64().unwrap_or(f64::NAN));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
    }
}

/// Equality as JSON Schema's `enum`, `const` and `uniqueItems` define it: numbers by value.
pub(crate) fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => compare_numbers(x, y) == Ordering::Equal,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// The first occurrence of each distinct value, by position (Confluent collapses duplicate
/// subschemas with a set: `CombinedSchemaDiff`).
pub(super) fn distinct(values: &[Value]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        if !out.iter().any(|&j| json_equal(&values[j], v)) {
            out.push(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_compare_by_value() {
        assert!(json_equal(&json!([1, {"a": 2.0}]), &json!([1.0, {"a": 2}])));
        assert!(!json_equal(&json!(9007199254740993_u64), &json!(9007199254740992_u64)));
        assert_eq!(Types::of(&json!(3.0)), Types::INTEGER.or(Types::INTEGRAL_DECIMAL));
        assert_eq!(Types::of(&json!(3.5)), Types::FRACTION);
        assert_eq!(distinct(&[json!(1), json!(1.0), json!("a")]), [0, 2]);
    }

    #[test]
    fn dialects_follow_schema_uris() {
        let d7 = Dialect::of(&json!({"$schema": "http://json-schema.org/draft-07/schema#"}));
        assert!(d7.ref_hides_siblings && d7.conditionals && !d7.modern && !d7.prefix_items);
        let d = Dialect::of(&json!({}));
        assert!(!d.ref_hides_siblings && d.modern && d.prefix_items);
        let d19 = Dialect::of(&json!({"$schema": "https://json-schema.org/draft/2019-09/schema"}));
        assert!(d19.modern && !d19.prefix_items);
    }

    #[test]
    fn vacuous_schemas_accept_everything() {
        assert!(accepts_everything(&json!({"properties": {}, "title": "x", "required": []})));
        assert!(!accepts_everything(&json!({"not": {}})));
        assert!(!accepts_everything(&json!({"type": "string"})));
        assert!(!accepts_everything(&json!(false)));
        assert!(!accepts_everything(&json!({"const": true})));
        assert!(accepts_everything(&json!({"items": {"title": "any"}, "uniqueItems": false})));
    }
}
