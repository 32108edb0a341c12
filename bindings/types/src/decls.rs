//! The declarations to write: every type the surface reads or returns, as JSON Schema, under
//! the name the runtimes give it.
//!
//! Three kinds of use, three schema generators:
//! - documents a user writes (`Config`, `PolicyDoc` and `Code` parameters), read as serde reads
//!   them (a field with a default may be left out): these keep the type's name;
//! - results (`Value` returns), as serde writes them (a field is absent only where it is
//!   skipped): a document returned with every field (`Policy.to_dict`) is `NameResolved`;
//! - values handed back (`Value` parameters: a classification, a manifest), read as serde reads
//!   them: where that form differs from the result's, it is declared as `NameInput`.
//!
//! A type that names a renamed one is renamed too. A document named like a class (the policy
//! document, `Policy`) is declared as `NameConfig`. A type nothing reaches is not declared.

use breakwater::surface::Surface;
use schemars::generate::SchemaSettings;
use schemars::SchemaGenerator;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

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

/// What one generator made: its definitions, and the schemas of the parameters or results it
/// was asked for (keyed by [`key`]).
#[derive(Default)]
struct Part {
    defs: Map<String, Value>,
    schemas: HashMap<String, Value>,
}

impl Part {
    fn of(generator: &SchemaGenerator, schemas: HashMap<String, Value>) -> Self {
        Self { defs: definitions(generator), schemas }
    }

    /// Declares `from` as `to`, and every reference to it.
    fn rename(&mut self, from: &str, to: &str) {
        self.defs.values_mut().chain(self.schemas.values_mut()).for_each(|s| rename_refs(s, from, to));
        if let Some(schema) = self.defs.shift_remove(from) {
            self.defs.insert(to.to_string(), schema);
        }
    }
}

impl Decls {
    pub fn of(surface: &Surface) -> Self {
        let (mut written, mut returned, mut handed_back) =
            (generator(true), generator(false), generator(true));
        let (mut written_schemas, mut returned_schemas, mut handed_back_schemas) =
            (HashMap::new(), HashMap::new(), HashMap::new());
        let ops = surface.functions.iter().map(|op| (None, op));
        let ops =
            ops.chain(surface.classes.iter().flat_map(|c| c.ops.iter().map(move |op| (Some(c.name), op))));
        for (class, op) in ops {
            if let Some(f) = op.returns.as_ref().and_then(|r| r.schema) {
                returned_schemas.insert(key(class, op.name, None), f(&mut returned).to_value());
            }
            for p in &op.params {
                let Some(f) = p.schema else { continue };
                let k = key(class, op.name, Some(p.name));
                if p.kind == "Value" {
                    handed_back_schemas.insert(k, f(&mut handed_back).to_value());
                } else {
                    written_schemas.insert(k, f(&mut written).to_value());
                }
            }
        }
        let mut parts = [
            (Part::of(&written, written_schemas), ""),
            (Part::of(&returned, returned_schemas), "Resolved"),
            (Part::of(&handed_back, handed_back_schemas), "Input"),
        ];
        let mut all = Self { decls: Vec::new(), schemas: HashMap::new() };
        let mut defs = Map::new();
        for (part, suffix) in &mut parts {
            for class in &surface.classes {
                part.rename(class.name, &format!("{}Config", class.name));
            }
            merge(&mut defs, &mut all.schemas, std::mem::take(part), suffix);
        }
        let reachable = reachable(&defs, &all.schemas);
        all.decls = defs
            .into_iter()
            .filter(|(name, _)| reachable.contains(name))
            .map(|(name, schema)| Decl { name, schema })
            .collect();
        all.decls.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }
}

/// Adds a part's definitions: one that differs from the definition of its name already there
/// is declared with `suffix`, and so, in turn, is each one that names it.
fn merge(defs: &mut Map<String, Value>, schemas: &mut HashMap<String, Value>, mut part: Part, suffix: &str) {
    loop {
        let clash =
            part.defs.iter().find(|(n, s)| defs.get(*n).is_some_and(|d| d != *s)).map(|(n, _)| n.clone());
        let Some(name) = clash else { break };
        part.rename(&name, &format!("{name}{suffix}"));
    }
    for (name, schema) in part.defs {
        defs.entry(name).or_insert(schema);
    }
    schemas.extend(part.schemas);
}

/// The names the schemas refer to, directly or through other definitions.
fn reachable(defs: &Map<String, Value>, schemas: &HashMap<String, Value>) -> HashSet<String> {
    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                out.extend(ref_name(value).map(str::to_string));
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut todo = Vec::new();
    schemas.values().for_each(|s| refs(s, &mut todo));
    let mut seen = HashSet::new();
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone()) {
            if let Some(schema) = defs.get(&name) {
                refs(schema, &mut todo);
            }
        }
    }
    seen
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
