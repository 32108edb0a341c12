//! The strict form of a schema written by Pydantic v2 (`model_json_schema()`) or zod.
//!
//! [`to_strict`] rewrites a schema exactly as openai-python's `to_strict_json_schema`
//! does (`src/openai/lib/_pydantic.py`, `_ensure_strict_json_schema`), so that a schema
//! prepared here is byte-for-byte the one the SDK would send:
//!
//! - `$defs` and `definitions` first, then the schema itself;
//! - `type: "object"` without `additionalProperties` gets `additionalProperties: false`;
//! - `required` becomes every key of `properties`, in their order;
//! - `properties`, `items` (a single schema), `prefixItems` and `anyOf` are recursed into;
//! - a single-element `allOf` is merged into its parent (the element's keys win);
//! - `default: null` is dropped;
//! - a `$ref` with sibling keys is replaced by its target merged under the siblings (the
//!   siblings win, the target's other keys follow in its order), then rewritten again.
//!
//! One rewrite goes further than openai-python: a `oneOf` whose branches are object schemas
//! told apart by one property (a Pydantic discriminated union, `Field(discriminator=...)`)
//! becomes an `anyOf` without its OpenAPI `discriminator`, as openai-node does for zod's
//! discriminated unions. Strict mode reads only `anyOf`, and once every property is required
//! the branches are disjoint, so the two accept the same instances. It is reported as a
//! `one_of_as_any_of` warning; a `oneOf` that cannot be proven disjoint stays, and is refused.
//!
//! Where the SDK sends a schema the API then refuses, this refuses first: the result is
//! linted against a [`Profile`] (tuples, free-form dicts, sets, "any" values, unsupported
//! keywords) and returned without a schema, with the findings and their paths. Every
//! property that was optional and is now required is reported; with
//! `nullable_optionals` those that did not accept `null` are made nullable, so that the
//! model can still leave them empty.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lint::{self, Finding, LintCode, LintOptions, Profile, Severity};
use super::{pointer, walk};
use crate::error::{Error, ErrorCode, Result};

/// Options of [`to_strict`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StrictOptions {
    /// The target whose rules the strict form must meet (default `openai`).
    pub profile: Profile,
    /// Make each optional property that does not accept `null` nullable (default: no,
    /// as openai-python; the model must then always produce a value).
    pub nullable_optionals: bool,
}

/// A property that was optional before the rewrite.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct OptionalField {
    /// JSON Pointer of the property's schema in the strict form.
    pub path: String,
    /// Whether its schema accepted `null` before the rewrite (the model can still say "no value").
    pub nullable: bool,
    /// Whether the rewrite made it nullable (`nullable_optionals`).
    pub made_nullable: bool,
}

/// The outcome of the strict transform ([`to_strict`]).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Strict {
    /// Whether the strict form meets the profile.
    pub ok: bool,
    /// The strict form; absent when it would still be refused.
    pub schema: Option<Value>,
    /// Properties that were optional and are now required.
    pub optional_fields: Vec<OptionalField>,
    /// Why the strict form would be refused (and warnings), with paths.
    pub findings: Vec<Finding>,
}

/// Rewrites `schema` into its strict form.
///
/// # Errors
/// Where openai-python itself would fail: `invalid_schema` at the path of a subschema
/// that is not an object or of a non-string `$ref`, or of a `$ref` with siblings inside
/// its own target (inlining it would never end); `unresolved_ref` for a `$ref` with
/// siblings whose target is not in the document; `limit_exceeded` past 127 levels.
pub fn to_strict(schema: &Value, options: &StrictOptions) -> Result<Strict> {
    let mut root = schema.clone();
    let mut referenced = Vec::new();
    ref_targets(schema, &mut referenced, 0);
    let mut pass =
        Pass { options, optional_fields: Vec::new(), inlining: Vec::new(), rewrites: Vec::new(), referenced };
    pass.ensure(&mut root, &mut Vec::new())?;
    let lint = lint::lint(&root, &LintOptions { profile: options.profile });
    let mut findings = pass.rewrites;
    findings.extend(lint.findings);
    Ok(Strict {
        ok: lint.ok,
        schema: lint.ok.then_some(root),
        optional_fields: pass.optional_fields,
        findings,
    })
}

/// Subschemas nested deeper than this are refused (openai-python would hit Python's
/// recursion limit near 1,000; serde_json refuses documents past 128 anyway).
const DEPTH_LIMIT: usize = 128;

struct Pass<'o> {
    options: &'o StrictOptions,
    optional_fields: Vec<OptionalField>,
    /// `$ref`s being inlined, outermost first, each with where it is inlined.
    inlining: Vec<(String, String)>,
    /// What the rewrite did beyond openai-python's (warnings).
    rewrites: Vec<Finding>,
    /// The pointer tokens of every local `$ref`'s target in the document.
    referenced: Vec<Vec<String>>,
}

/// The targets of the local `$ref`s in `schema` (as pointer tokens), bounded by the depth.
fn ref_targets(schema: &Value, out: &mut Vec<Vec<String>>, depth: usize) {
    let Value::Object(map) = schema else { return };
    if depth > DEPTH_LIMIT {
        return;
    }
    if let Some(target) = map.get("$ref").and_then(Value::as_str).and_then(walk::local_pointer) {
        out.push(pointer::tokens(&target));
    }
    for (_, child) in walk::children(map) {
        ref_targets(child, out, depth + 1);
    }
}

fn pointer_of(path: &[String]) -> String {
    let mut p = String::new();
    for t in path {
        pointer::push(&mut p, t);
    }
    p
}

/// The schema object at `path` (tokens from the root).
fn node<'v>(root: &'v mut Value, path: &[String]) -> Result<&'v mut Map<String, Value>> {
    let mut here = root;
    for t in path {
        here = match here {
            Value::Object(map) => map.get_mut(t),
            Value::Array(items) => t.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| {
            Error::new(ErrorCode::InvalidSchema, pointer_of(path), "the schema changed under its own rewrite")
        })?;
    }
    match here {
        Value::Object(map) => Ok(map),
        other => Err(Error::new(
            ErrorCode::InvalidSchema,
            pointer_of(path),
            format!("expected a schema object, got {other}"),
        )),
    }
}

fn keys_of(value: Option<&Value>) -> Option<Vec<String>> {
    value.and_then(Value::as_object).map(|m| m.keys().cloned().collect())
}

fn len_of(value: Option<&Value>) -> Option<usize> {
    value.and_then(Value::as_array).map(Vec::len)
}

impl Pass<'_> {
    /// Rewrites the schema at `path` in place: `_ensure_strict_json_schema`, step by step.
    fn ensure(&mut self, root: &mut Value, path: &mut Vec<String>) -> Result<()> {
        if path.len() > DEPTH_LIMIT {
            let message = format!("subschemas nested more than {DEPTH_LIMIT} levels deep");
            return Err(Error::new(ErrorCode::LimitExceeded, pointer_of(path), message));
        }
        let map = node(root, path)?;
        let defs = keys_of(map.get("$defs"));
        let definitions = keys_of(map.get("definitions"));
        for (keyword, names) in [("$defs", defs), ("definitions", definitions)] {
            for name in names.into_iter().flatten() {
                self.child(root, path, &[keyword, &name])?;
            }
        }

        let map = node(root, path)?;
        if map.get("type").and_then(Value::as_str) == Some("object")
            && !map.contains_key("additionalProperties")
        {
            map.insert("additionalProperties".into(), Value::Bool(false));
        }
        if let Some(names) = keys_of(map.get("properties")) {
            let before: Vec<Value> =
                map.get("required").and_then(Value::as_array).cloned().unwrap_or_default();
            map.insert("required".into(), names.iter().cloned().map(Value::String).collect());
            for name in &names {
                self.child(root, path, &["properties", name])?;
                if !before.iter().any(|r| r.as_str() == Some(name)) {
                    self.optional(root, path, name)?;
                }
            }
        }

        let map = node(root, path)?;
        if map.get("items").is_some_and(Value::is_object) {
            self.child(root, path, &["items"])?;
        }
        for keyword in ["prefixItems", "anyOf"] {
            let n = len_of(node(root, path)?.get(keyword));
            for i in 0..n.unwrap_or(0) {
                self.child(root, path, &[keyword, &i.to_string()])?;
            }
        }
        if node(root, path)?.contains_key("oneOf") {
            let here = root.pointer(&pointer_of(path)).and_then(Value::as_object);
            let nullable_optionals = self.options.nullable_optionals;
            if let Some(property) =
                here.and_then(|map| discriminating_property(root, map, nullable_optionals))
            {
                self.one_of_as_any_of(root, path, &property)?;
            }
        }
        match len_of(node(root, path)?.get("allOf")) {
            Some(1) => {
                self.child(root, path, &["allOf", "0"])?;
                let map = node(root, path)?;
                if let Some(Value::Object(only)) =
                    map.get_mut("allOf").and_then(|a| a.get_mut(0)).map(Value::take)
                {
                    map.extend(only); // Python's dict.update: existing keys keep their place
                }
                map.shift_remove("allOf");
            }
            Some(n) => {
                for i in 0..n {
                    self.child(root, path, &["allOf", &i.to_string()])?;
                }
            }
            None => {}
        }

        let map = node(root, path)?;
        if map.get("default") == Some(&Value::Null) {
            map.shift_remove("default");
        }
        if map.contains_key("$ref") && map.len() > 1 {
            return self.inline(root, path);
        }
        Ok(())
    }

    fn child(&mut self, root: &mut Value, path: &mut Vec<String>, tokens: &[&str]) -> Result<()> {
        let len = path.len();
        path.extend(tokens.iter().map(|t| (*t).to_owned()));
        let result = self.ensure(root, path);
        path.truncate(len);
        result
    }

    /// `json_schema.update({**resolved, **json_schema})`, drop `$ref`, and rewrite again.
    fn inline(&mut self, root: &mut Value, path: &mut Vec<String>) -> Result<()> {
        let here = pointer_of(path);
        let reference = match node(root, path)?.get("$ref") {
            Some(Value::String(r)) => r.clone(),
            _ => {
                return Err(Error::new(
                    ErrorCode::InvalidSchema,
                    pointer::child(&here, "$ref"),
                    "`$ref` must be a string",
                ))
            }
        };
        // Named where it was first inlined (in the document as written, for a self-reference),
        // not in the copy inside itself where the loop shows.
        if let Some((_, first)) = self.inlining.iter().find(|(r, _)| *r == reference) {
            let message = format!(
                "`$ref` `{reference}` has sibling keywords inside its own target: inlining it would never end (drop the siblings to keep the recursion as a reference)"
            );
            return Err(Error::new(ErrorCode::InvalidSchema, first.clone(), message));
        }
        let target = match walk::resolve(root, &reference) {
            Some(Value::Object(target)) => target.clone(),
            Some(other) => {
                let message = format!("`$ref` `{reference}` resolves to {other}, not a schema object");
                return Err(Error::new(ErrorCode::InvalidSchema, here, message));
            }
            None => {
                let message = format!("`$ref` `{reference}` does not resolve within the document");
                return Err(Error::new(ErrorCode::UnresolvedRef, pointer::child(&here, "$ref"), message));
            }
        };
        let map = node(root, path)?;
        for (key, value) in target {
            map.entry(key).or_insert(value);
        }
        map.shift_remove("$ref");
        self.inlining.push((reference, here));
        let result = self.ensure(root, path);
        self.inlining.pop();
        result
    }

    /// Rewrites the branches of a disjoint `oneOf` and renames it `anyOf` in its place,
    /// dropping the OpenAPI `discriminator` (strict mode does not know it).
    fn one_of_as_any_of(&mut self, root: &mut Value, path: &mut Vec<String>, property: &str) -> Result<()> {
        let n = len_of(node(root, path)?.get("oneOf")).unwrap_or(0);
        for i in 0..n {
            self.child(root, path, &["oneOf", &i.to_string()])?;
        }
        let map = node(root, path)?;
        let renamed: Vec<(String, Value)> = std::mem::take(map)
            .into_iter()
            .filter(|(k, _)| k != "discriminator")
            .map(|(k, v)| (if k == "oneOf" { "anyOf".to_owned() } else { k }, v))
            .collect();
        map.extend(renamed);
        let at = pointer_of(path);
        let message = format!(
            "`oneOf` at `{}` rewritten as `anyOf` (strict mode reads only `anyOf`): its branches are disjoint by `{property}`",
            if at.is_empty() { "#" } else { &at }
        );
        self.rewrites.push(Finding {
            code: LintCode::OneOfAsAnyOf,
            severity: Severity::Warning,
            path: at,
            message,
        });
        Ok(())
    }

    /// Reports a property that was optional; makes it nullable when asked.
    fn optional(&mut self, root: &mut Value, path: &[String], name: &str) -> Result<()> {
        let mut at: Vec<String> = path.to_vec();
        at.extend(["properties".to_owned(), name.to_owned()]);
        let schema = node(root, &at)?.clone();
        let schema = Value::Object(schema);
        let nullable = accepts_null(&schema, root, 0, &mut 4_096);
        // A property of one allowed value (a `Literal` tag, its default that value) is not made
        // nullable: the model can always write it, and a tag that took `null` would no longer
        // tell a union's branches apart (an instance with `null` would match them all).
        // Nor is one that a `$ref` elsewhere points at (zod-to-json-schema reuses a schema by
        // the path of its first use: `"b": {"$ref": "#/properties/a"}`): made nullable in
        // place, it would make a required property nullable too. It stays as it is, reported
        // with `made_nullable: false`.
        let shared = self.referenced.iter().any(|target| target.starts_with(&at));
        let made_nullable =
            self.options.nullable_optionals && !nullable && !shared && single_value(&schema).is_none();
        if made_nullable {
            make_nullable(node(root, &at)?);
        }
        self.optional_fields.push(OptionalField { path: pointer_of(&at), nullable, made_nullable });
        Ok(())
    }
}

/// The property that tells the branches of the schema's `oneOf` apart, if one does: every
/// branch (a plain `$ref` followed) is a `type: "object"` schema declaring it with a finite
/// set of values (`const`, or an `enum`: a Pydantic `Literal["b", "bee"]`), no value in two
/// branches' sets. The strict form requires every property, so no instance matches two
/// branches: `anyOf` is then `oneOf`. The `discriminator`'s `propertyName` is tried first;
/// the check never trusts it alone. A branch not rewritten yet whose tag of several values is
/// optional counts `null` among them under `nullable_optionals` (which will add it).
fn discriminating_property(
    root: &Value,
    schema: &Map<String, Value>,
    nullable_optionals: bool,
) -> Option<String> {
    if schema.contains_key("anyOf") {
        return None; // no place to put the rewritten branches
    }
    let branches = schema.get("oneOf")?.as_array()?;
    // Each branch's object schema, and whether it is inline (rewritten after this decision).
    let objects = branches
        .iter()
        .map(|b| {
            let b = b.as_object()?;
            let (target, inline) = match b.get("$ref") {
                Some(Value::String(r)) if b.len() == 1 => (walk::resolve(root, r)?.as_object()?, false),
                _ => (b, true),
            };
            (target.get("type")? == "object").then_some((target, inline))
        })
        .collect::<Option<Vec<(&Map<String, Value>, bool)>>>()?;
    let named = schema.get("discriminator").and_then(|d| d.get("propertyName")).and_then(Value::as_str);
    let first = objects.first()?.0.get("properties")?.as_object()?;
    let candidates = named.into_iter().chain(first.keys().map(String::as_str));
    let null = Value::Null;
    candidates
        .into_iter()
        .find(|name| {
            let sets: Option<Vec<Vec<&Value>>> = objects
                .iter()
                .map(|(object, inline)| {
                    let mut values = tag_values(object.get("properties")?.get(*name)?)?;
                    let required = object
                        .get("required")
                        .and_then(Value::as_array)
                        .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(*name)));
                    if *inline && nullable_optionals && !required && values.len() > 1 {
                        values.push(&null);
                    }
                    Some(values)
                })
                .collect();
            sets.is_some_and(|sets| {
                sets.iter().enumerate().all(|(i, a)| {
                    sets[..i]
                        .iter()
                        .all(|b| a.iter().all(|x| b.iter().all(|y| !super::diff::json_equal(x, y))))
                })
            })
        })
        .map(str::to_owned)
}

/// The values a tag's schema allows: its `const`, or its `enum`.
fn tag_values(schema: &Value) -> Option<Vec<&Value>> {
    match (schema.get("const"), schema.get("enum").and_then(Value::as_array)) {
        (Some(c), _) => Some(vec![c]),
        (None, Some(e)) if !e.is_empty() => Some(e.iter().collect()),
        _ => None,
    }
}

/// The one value a schema allows: its `const`, or an `enum` of one.
fn single_value(schema: &Value) -> Option<&Value> {
    tag_values(schema).filter(|values| values.len() == 1).map(|values| values[0])
}

/// Whether `schema` accepts `null`, as far as a quick look can prove (a `$ref` is followed;
/// anything the proof cannot follow counts as not nullable). `fuel`: the schemas it may still
/// look at (`$ref`s between unions can branch at every level: it ends in bounded time).
fn accepts_null(schema: &Value, root: &Value, depth: usize, fuel: &mut usize) -> bool {
    let Value::Object(map) = schema else { return schema == &Value::Bool(true) };
    if depth > DEPTH_LIMIT || *fuel == 0 {
        return false;
    }
    *fuel -= 1;
    let typed = match map.get("type") {
        None => true,
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(list)) => list.iter().any(|t| t == "null"),
        Some(_) => false,
    };
    let listed = map.get("enum").is_none_or(|e| e.as_array().is_some_and(|l| l.contains(&Value::Null)));
    let constant = map.get("const").is_none_or(Value::is_null);
    let branches = map.get("anyOf").is_none_or(|a| {
        a.as_array().is_some_and(|l| l.iter().any(|b| accepts_null(b, root, depth + 1, fuel)))
    });
    let referenced = map.get("$ref").is_none_or(|r| {
        r.as_str()
            .and_then(|r| walk::resolve(root, r))
            .is_some_and(|t| accepts_null(t, root, depth + 1, fuel))
    });
    let unprovable = ["allOf", "oneOf", "not", "if"].iter().any(|k| map.contains_key(*k));
    typed && listed && constant && branches && referenced && !unprovable
}

/// Lets `schema` accept `null` too, in the form strict mode reads: `type` gains `"null"`
/// (and `enum` gains `null`), an `anyOf` gains a `{"type": "null"}` branch, anything else
/// is wrapped in an `anyOf` with its annotations kept outside.
fn make_nullable(schema: &mut Map<String, Value>) {
    let null_type = || Value::String("null".into());
    let constrained = schema.contains_key("const") || schema.contains_key("$ref");
    match schema.get_mut("type") {
        Some(Value::String(t)) if !constrained => {
            let t = Value::String(std::mem::take(t));
            schema.insert("type".into(), Value::Array(vec![t, null_type()]));
        }
        Some(Value::Array(list)) if !constrained => list.push(null_type()),
        _ => {
            let untyped = !schema.contains_key("type");
            if let Some(Value::Array(branches)) = schema.get_mut("anyOf").filter(|_| untyped) {
                branches.push(serde_json::json!({"type": "null"}));
                return;
            }
            let inner = std::mem::take(schema);
            let (annotations, constraints): (Map<String, Value>, Map<String, Value>) =
                inner.into_iter().partition(|(k, _)| matches!(k.as_str(), "title" | "description"));
            schema.extend(annotations);
            schema.insert("anyOf".into(), serde_json::json!([constraints, {"type": "null"}]));
            return;
        }
    }
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::schema::lint::LintCode;

    fn strict(schema: &Value) -> Strict {
        to_strict(schema, &StrictOptions::default()).unwrap()
    }

    /// `class User(BaseModel): name: str; age: int = 3; nick: Optional[str] = None;
    /// pet: Pet` (Pydantic 2 `model_json_schema()`, keys in its order).
    fn pydantic_user() -> Value {
        json!({
            "$defs": {"Pet": {"properties": {"kind": {"enum": ["cat", "dog"], "title": "Kind", "type": "string"}},
                              "required": ["kind"], "title": "Pet", "type": "object"}},
            "properties": {
                "name": {"title": "Name", "type": "string"},
                "age": {"default": 3, "title": "Age", "type": "integer"},
                "nick": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null, "title": "Nick"},
                "pet": {"$ref": "#/$defs/Pet", "description": "the pet"}
            },
            "required": ["name", "pet"],
            "title": "User",
            "type": "object"
        })
    }

    #[test]
    fn a_self_reference_with_siblings_is_refused_where_it_is_written() {
        // Pydantic writes `parent: Optional["Node"] = Field(description=...)` as a `$ref` with
        // a description inside `Node` itself: inlining it (openai-python's rule) never ends.
        let schema = json!({
            "properties": {"root": {"$ref": "#/$defs/Node"}},
            "$defs": {"Node": {"type": "object", "properties": {
                "name": {"type": "string"},
                "parent": {"$ref": "#/$defs/Node", "description": "the parent"}
            }}}
        });
        let e = to_strict(&schema, &StrictOptions::default()).unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidSchema, "/$defs/Node/properties/parent"));
    }

    #[test]
    fn rewrites_as_openai_python_does_keeping_key_order() {
        let out = strict(&pydantic_user());
        assert!(out.ok, "{:?}", out.findings);
        let expected = json!({
            "$defs": {"Pet": {"properties": {"kind": {"enum": ["cat", "dog"], "title": "Kind", "type": "string"}},
                              "required": ["kind"], "title": "Pet", "type": "object", "additionalProperties": false}},
            "properties": {
                "name": {"title": "Name", "type": "string"},
                "age": {"default": 3, "title": "Age", "type": "integer"},
                "nick": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Nick"},
                "pet": {"description": "the pet", "properties": {"kind": {"enum": ["cat", "dog"], "title": "Kind", "type": "string"}},
                        "required": ["kind"], "title": "Pet", "type": "object", "additionalProperties": false}
            },
            "required": ["name", "age", "nick", "pet"],
            "title": "User",
            "type": "object",
            "additionalProperties": false
        });
        let schema = out.schema.unwrap();
        assert_eq!(schema.to_string(), expected.to_string());
        let fields: Vec<_> = out.optional_fields.iter().map(|f| (f.path.as_str(), f.nullable)).collect();
        assert_eq!(fields, [("/properties/age", false), ("/properties/nick", true)]);
    }

    #[test]
    fn a_tag_of_several_values_that_would_become_nullable_in_two_branches_tells_nothing_apart() {
        let branch = |values: Value| json!({"type": "object", "properties": {"t": {"enum": values}}});
        let schema = json!({"type": "object", "properties": {"p": {"oneOf": [branch(json!(["a", "aa"])), branch(json!(["b", "bb"]))]}}, "required": ["p"]});
        let any_of =
            |out: &Strict| out.schema.as_ref().is_some_and(|s| s["properties"]["p"].get("anyOf").is_some());
        assert!(any_of(&strict(&schema)), "disjoint: a, aa against b, bb");
        // Optional in both, each would take `null`: an instance with `"t": null` matches both.
        let opts = StrictOptions { nullable_optionals: true, ..StrictOptions::default() };
        let out = to_strict(&schema, &opts).unwrap();
        assert!(!out.ok && !any_of(&out), "{:?}", out.findings);
    }

    #[test]
    fn nullable_optionals_lets_the_model_leave_them_empty() {
        let opts = StrictOptions { nullable_optionals: true, ..StrictOptions::default() };
        let out = to_strict(&pydantic_user(), &opts).unwrap();
        let schema = out.schema.unwrap();
        assert_eq!(schema["properties"]["age"]["type"], json!(["integer", "null"]));
        assert_eq!(schema["properties"]["nick"]["anyOf"], json!([{"type": "string"}, {"type": "null"}]));
        assert!(out.optional_fields[0].made_nullable && !out.optional_fields[1].made_nullable);

        let mut e = json!({"type": "string", "enum": ["a"]}).as_object().unwrap().clone();
        make_nullable(&mut e);
        assert_eq!(Value::Object(e), json!({"type": ["string", "null"], "enum": ["a", null]}));
        let mut c = json!({"description": "d", "const": 1}).as_object().unwrap().clone();
        make_nullable(&mut c);
        assert_eq!(Value::Object(c), json!({"description": "d", "anyOf": [{"const": 1}, {"type": "null"}]}));
    }

    #[test]
    fn single_all_of_is_merged_and_nested_shapes_are_rewritten() {
        let schema = json!({
            "type": "object",
            "properties": {
                "a": {"allOf": [{"$ref": "#/$defs/A"}], "description": "via allOf"},
                "l": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "string"}}}}
            },
            "$defs": {"A": {"type": "object", "properties": {"y": {"type": "integer"}}}}
        });
        let out = strict(&schema);
        let s = out.schema.unwrap();
        assert_eq!(s["properties"]["a"]["required"], json!(["y"]));
        assert!(s["properties"]["a"].get("allOf").is_none() && s["properties"]["a"].get("$ref").is_none());
        assert_eq!(s["properties"]["l"]["items"]["additionalProperties"], json!(false));
    }

    #[test]
    fn what_cannot_be_strict_is_refused_with_paths() {
        // tuple[int, str], dict[str, int], set[str], Any: what Pydantic writes for them.
        let schema = json!({
            "type": "object",
            "properties": {
                "t": {"maxItems": 2, "minItems": 2, "prefixItems": [{"type": "integer"}, {"type": "string"}], "type": "array"},
                "d": {"additionalProperties": {"type": "integer"}, "type": "object"},
                "s": {"items": {"type": "string"}, "type": "array", "uniqueItems": true},
                "any": {}
            },
            "required": ["t", "d", "s", "any"]
        });
        let out = strict(&schema);
        assert!(!out.ok && out.schema.is_none());
        let got: Vec<_> = out.findings.iter().map(|f| (f.code, f.path.as_str())).collect();
        assert!(got.contains(&(LintCode::UnsupportedKeyword, "/properties/t/prefixItems")), "{got:?}");
        assert!(
            got.contains(&(LintCode::AdditionalPropertiesNotFalse, "/properties/d/additionalProperties")),
            "{got:?}"
        );
        assert!(got.contains(&(LintCode::UnsupportedKeyword, "/properties/s/uniqueItems")), "{got:?}");
        assert!(got.contains(&(LintCode::MissingType, "/properties/any")), "{got:?}");
    }

    #[test]
    fn what_openai_python_cannot_rewrite_is_an_error() {
        let e = to_strict(&json!({"type": "object", "properties": {"a": 3}}), &StrictOptions::default())
            .unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidSchema, "/properties/a"));
        let e = to_strict(
            &json!({"properties": {"a": {"$ref": "#/$defs/x", "title": "t"}}}),
            &StrictOptions::default(),
        )
        .unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (ErrorCode::UnresolvedRef, "/properties/a/$ref"));
        let recursive = json!({
            "$defs": {"N": {"type": "object", "properties": {"next": {"$ref": "#/$defs/N", "description": "again"}}}},
            "type": "object", "properties": {"n": {"$ref": "#/$defs/N"}}
        });
        let e = to_strict(&recursive, &StrictOptions::default()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSchema);
        // A plain recursive reference stays a reference.
        let fine = json!({
            "$defs": {"N": {"type": "object", "properties": {"next": {"anyOf": [{"$ref": "#/$defs/N"}, {"type": "null"}]}}}},
            "type": "object", "properties": {"n": {"$ref": "#/$defs/N"}}
        });
        assert!(strict(&fine).ok);
    }

    #[test]
    fn the_rewrite_is_idempotent() {
        let once = strict(&pydantic_user()).schema.unwrap();
        let twice = strict(&once);
        assert_eq!(twice.schema.unwrap().to_string(), once.to_string());
        assert!(twice.optional_fields.is_empty());
    }

    /// `pet: Union[Cat, Dog] = Field(discriminator="kind")` as Pydantic 2 writes it, with an
    /// inline third branch and an int discriminator value.
    fn discriminated(kinds: [Value; 3]) -> Value {
        let [cat, dog, fish] = kinds;
        json!({
            "$defs": {
                "Cat": {"properties": {"kind": {"const": cat, "type": "string"}, "lives": {"default": 9, "type": "integer"}},
                        "required": ["kind"], "title": "Cat", "type": "object"},
                "Dog": {"properties": {"kind": {"enum": [dog], "type": "string"}, "good": {"type": "boolean"}},
                        "required": ["kind", "good"], "title": "Dog", "type": "object"}
            },
            "properties": {"pet": {
                "discriminator": {"mapping": {"cat": "#/$defs/Cat", "dog": "#/$defs/Dog"}, "propertyName": "kind"},
                "oneOf": [{"$ref": "#/$defs/Cat"}, {"$ref": "#/$defs/Dog"},
                          {"type": "object", "properties": {"kind": {"const": fish}, "fins": {"type": "integer"}}}],
                "title": "Pet"
            }},
            "required": ["pet"], "title": "Owner", "type": "object"
        })
    }

    #[test]
    fn a_discriminated_one_of_becomes_any_of_in_place_and_accepts_the_same_instances() {
        let out = strict(&discriminated([json!("cat"), json!("dog"), json!(3)]));
        assert!(out.ok, "{:?}", out.findings);
        let finding = &out.findings[0];
        assert_eq!(
            (finding.code, finding.severity, finding.path.as_str()),
            (LintCode::OneOfAsAnyOf, Severity::Warning, "/properties/pet")
        );
        assert!(finding.message.contains("`kind`"), "{}", finding.message);
        let schema = out.schema.unwrap();
        let pet = &schema["properties"]["pet"];
        // In the place of `oneOf`, without the OpenAPI `discriminator`; the inline branch is strict too.
        assert_eq!(pet.as_object().unwrap().keys().collect::<Vec<_>>(), ["anyOf", "title"]);
        assert_eq!(pet["anyOf"][2]["required"], json!(["kind", "fins"]));
        assert_eq!(pet["anyOf"][2]["additionalProperties"], json!(false));
        assert_eq!(schema["$defs"]["Cat"]["required"], json!(["kind", "lives"]));

        // The same instances as the `oneOf` over the same strict branches.
        let mut as_one_of = schema.clone();
        let branches = as_one_of["properties"]["pet"].as_object_mut().unwrap().shift_remove("anyOf").unwrap();
        as_one_of["properties"]["pet"]["oneOf"] = branches;
        let pets = [
            json!({"kind": "cat", "lives": 9}),
            json!({"kind": "dog", "good": true}),
            json!({"kind": 3, "fins": 2}),
            json!({"kind": "cat", "good": true}),
            json!({"kind": "dog", "lives": 1}),
            json!({"kind": "bird"}),
            json!({"kind": "cat"}),
            json!({}),
            json!(null),
        ];
        let valid = |schema: &Value, instance: &Value| {
            crate::schema::validate::validate(schema, instance, &Default::default()).unwrap().valid
        };
        for pet in pets {
            let instance = json!({"pet": pet});
            let any = valid(&schema, &instance);
            let one = valid(&as_one_of, &instance);
            assert_eq!(any, one, "{instance}");
        }
    }

    #[test]
    fn nullable_optionals_leaves_a_tag_alone_whatever_the_order_of_the_definitions() {
        // Pydantic writes a tag with a default (`kind: Literal["cat"] = "cat"`) as optional.
        // Made nullable, it told the branches apart or not depending on whether the union was
        // rewritten before or after the branches' own fields (the `$defs` order).
        let opts = StrictOptions { nullable_optionals: true, ..StrictOptions::default() };
        let branch = |tag: &str| {
            json!({"properties": {"kind": {"const": tag, "default": tag, "type": "string"}, "name": {"type": "string"}},
                   "required": ["name"], "title": tag, "type": "object"})
        };
        let union = json!({"discriminator": {"propertyName": "kind"}, "oneOf": [{"$ref": "#/$defs/Cat"}, {"$ref": "#/$defs/Dog"}]});
        for first in ["Alpha", "Zeta"] {
            let mut defs = serde_json::Map::new();
            defs.insert(
                first.into(),
                json!({"properties": {"pet": union}, "required": ["pet"], "type": "object"}),
            );
            defs.insert("Cat".into(), branch("cat"));
            defs.insert("Dog".into(), branch("dog"));
            let schema = json!({"properties": {"a": {"$ref": format!("#/$defs/{first}")}}, "required": ["a"],
                                "type": "object", "$defs": defs});
            let out = to_strict(&schema, &opts).unwrap();
            assert!(out.ok, "{first}: {:?}", out.findings);
            let strict = out.schema.unwrap();
            assert_eq!(strict["$defs"]["Cat"]["properties"]["kind"]["const"], json!("cat"), "{first}");
            assert!(strict["$defs"]["Cat"]["properties"]["kind"].get("anyOf").is_none(), "{first}");
            let kind = out.optional_fields.iter().find(|f| f.path == "/$defs/Cat/properties/kind").unwrap();
            assert!(!kind.made_nullable, "{first}");
        }
    }

    #[test]
    fn a_one_of_that_cannot_be_proven_disjoint_stays_and_is_refused() {
        // Two branches share a value (the discriminator's word is not trusted alone); 3 and 3.0 are one number.
        for kinds in [[json!("cat"), json!("cat"), json!(3)], [json!("cat"), json!("dog"), json!("cat")]] {
            let out = strict(&discriminated(kinds));
            assert!(!out.ok && out.findings.iter().all(|f| f.code != LintCode::OneOfAsAnyOf));
            assert!(out.findings.iter().any(|f| f.path == "/properties/pet/oneOf"), "{:?}", out.findings);
        }
        let mut numbers = discriminated([json!("cat"), json!("dog"), json!(3)]);
        numbers["$defs"]["Dog"]["properties"]["kind"] = json!({"const": 3.0});
        assert!(!strict(&numbers).ok);
        // A branch that is not an object schema (or may be null) proves nothing.
        let mut nullable = discriminated([json!("cat"), json!("dog"), json!("fish")]);
        nullable["$defs"]["Dog"]["type"] = json!(["object", "null"]);
        assert!(!strict(&nullable).ok);
        let plain = json!({"type": "object", "properties": {"v": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}});
        assert!(!strict(&plain).ok);
    }
}
