//! The declarations to write: every type the surface reads or returns, as JSON Schema, under
//! the name the runtimes give it.
//!
//! Three kinds of use, three schema generators:
//! - documents a user writes (`Config`, `PolicyDoc` and `Code` parameters), read as serde reads
//!   them (a field with a default may be left out): these keep the type's name, and a result of
//!   the same type (`Policy.to_dict`) is declared with this looser form;
//! - results (`Value` returns), as serde writes them (a field is absent only where it is skipped);
//! - values handed back (`Value` parameters: a classification, a manifest), read as serde reads
//!   them: where that form differs from the result's, it is declared as `NameInput`.
//!
//! A document named like a class (the policy document, `Policy`) is declared as `NameConfig`.

use breakwater::surface::Surface;
use schemars::generate::SchemaSettings;
use schemars::SchemaGenerator;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// One declaration: a name and its JSON Schema, whose `$ref`s name other declarations.
pub struct Decl {
    pub name: String,
    pub schema: Value,
}

/// Every declaration, sorted by name, and the schema of each parameter read as a document and
/// of each result (keyed by [`key`]), naming the declarations.
pub struct Decls {
    pub decls: Vec<Decl>,
    pub schemas: HashMap<String, Value>,
}

/// The key of a parameter's schema (`param` = `None`: the result's) in [`Decls::schemas`].
pub fn key(class: Option<&str>, op: &str, param: Option<&str>) -> String {
    format!("{}.{op}.{}", class.unwrap_or(""), param.unwrap_or("->"))
}

fn generator(read: bool) -> SchemaGenerator {
    let settings = SchemaSettings::draft2020_12();
    if read { settings.for_deserialize() } else { settings.for_serialize() }.into_generator()
}

fn definitions(generator: &SchemaGenerator) -> Map<String, Value> {
    generator.definitions().clone()
}

/// Replaces every `$ref` to `#/$defs/{from}` by one to `#/$defs/{to}`.
fn rename_refs(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                if r.strip_prefix("#/$defs/") == Some(from) {
                    *r = format!("#/$defs/{to}");
                }
            }
            map.values_mut().for_each(|v| rename_refs(v, from, to));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, from, to)),
        _ => {}
    }
}

impl Decls {
    pub fn of(surface: &Surface) -> Self {
        let (mut written, mut returned, mut handed_back) =
            (generator(true), generator(false), generator(true));
        let (mut schemas, mut handed_back_schemas) = (HashMap::new(), HashMap::new());
        let ops = surface.functions.iter().map(|op| (None, op));
        let ops =
            ops.chain(surface.classes.iter().flat_map(|c| c.ops.iter().map(move |op| (Some(c.name), op))));
        for (class, op) in ops {
            if let Some(f) = op.returns.as_ref().and_then(|r| r.schema) {
                schemas.insert(key(class, op.name, None), f(&mut returned).to_value());
            }
            for p in &op.params {
                let Some(f) = p.schema else { continue };
                let k = key(class, op.name, Some(p.name));
                if p.kind == "Value" {
                    handed_back_schemas.insert(k, f(&mut handed_back).to_value());
                } else {
                    schemas.insert(k, f(&mut written).to_value());
                }
            }
        }
        let mut all = definitions(&written);
        for (name, schema) in definitions(&returned) {
            all.entry(name).or_insert(schema);
        }
        let mut inputs = definitions(&handed_back);
        let renamed: Vec<String> = inputs
            .iter()
            .filter(|(n, s)| all.get(*n).is_some_and(|o| o != *s))
            .map(|(n, _)| n.clone())
            .collect();
        for name in &renamed {
            let to = format!("{name}Input");
            inputs
                .values_mut()
                .chain(handed_back_schemas.values_mut())
                .for_each(|s| rename_refs(s, name, &to));
            let schema = inputs.shift_remove(name).unwrap_or_default();
            inputs.insert(to, schema);
        }
        for (name, schema) in inputs {
            all.entry(name).or_insert(schema);
        }
        schemas.extend(handed_back_schemas);
        for class in &surface.classes {
            if let Some(schema) = all.shift_remove(class.name) {
                let to = format!("{}Config", class.name);
                all.values_mut().chain(schemas.values_mut()).for_each(|s| rename_refs(s, class.name, &to));
                all.insert(to, schema);
            }
        }
        let mut decls: Vec<Decl> = all.into_iter().map(|(name, schema)| Decl { name, schema }).collect();
        decls.sort_by(|a, b| a.name.cmp(&b.name));
        Self { decls, schemas }
    }
}

/// The name a `$ref` points to.
pub fn ref_name(schema: &Value) -> Option<&str> {
    schema.get("$ref")?.as_str()?.strip_prefix("#/$defs/")
}

/// A description as the declarations show it: rustdoc's links made plain code spans
/// (`` [`Foo`](crate::a::Foo) `` and `` [`a::Foo`] `` both become `` `Foo` ``).
pub fn doc(schema: &Value) -> Option<String> {
    let text = schema.get("description")?.as_str()?;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("[`") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("`]") else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let code = &after[..end];
        let mut tail = &after[end + 2..];
        if tail.starts_with('(') {
            if let Some(close) = tail.find(')') {
                tail = &tail[close + 1..];
            }
        }
        let shown = code.rsplit("::").next().unwrap_or(code);
        out.push('`');
        out.push_str(shown);
        out.push('`');
        rest = tail;
    }
    out.push_str(rest);
    Some(out)
}

/// The schema's types (`"type": "string"` or `["integer", "null"]`).
pub fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The alternatives of a union (`anyOf` / `oneOf`).
pub fn alternatives(schema: &Value) -> Option<&Vec<Value>> {
    schema.get("oneOf").or_else(|| schema.get("anyOf"))?.as_array()
}

/// An object's properties, in order, with whether each is required.
pub fn properties(schema: &Value) -> Vec<(&str, &Value, bool)> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.iter().map(|(k, v)| (k.as_str(), v, required.contains(&k.as_str()))).collect())
        .unwrap_or_default()
}

/// A union's alternative merged with the properties its parent object gives every alternative
/// (serde's internally tagged enums: the common fields beside the `oneOf` of variants).
pub fn merged(parent: &Value, alternative: &Value) -> Value {
    let mut out = alternative.clone();
    let Some(common) = parent.get("properties").and_then(Value::as_object) else { return out };
    let Some(obj) = out.as_object_mut() else { return out };
    let mut props = Map::new();
    for (k, v) in common {
        props.insert(k.clone(), v.clone());
    }
    if let Some(own) = obj.get("properties").and_then(Value::as_object) {
        for (k, v) in own {
            props.insert(k.clone(), v.clone());
        }
    }
    let mut required: Vec<Value> =
        parent.get("required").and_then(Value::as_array).cloned().unwrap_or_default();
    required.extend(obj.get("required").and_then(Value::as_array).cloned().unwrap_or_default());
    obj.insert("properties".into(), Value::Object(props));
    obj.insert("required".into(), Value::Array(required));
    obj.insert("type".into(), "object".into());
    out
}

/// The value of the property whose schema is a `const` (an internally tagged variant's tag).
pub fn tag(variant: &Value) -> Option<&str> {
    properties(variant).into_iter().find_map(|(_, s, _)| s.get("const")?.as_str())
}

/// `snake_case` or `kebab` as `CamelCase`.
pub fn camel(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}
