//! The declarations as TypeScript (Node's `types.d.ts`, which the WASM module's `.d.ts` includes).

use crate::decls::{alternatives, camel, doc, key, properties, ref_name, types, Decl, Decls};
use breakwater::surface::{Class, Op, Param, Surface};
use serde_json::Value;
use std::collections::BTreeMap;

/// JSDoc from a description, indented by `indent`.
fn jsdoc(text: Option<String>, indent: &str) -> String {
    let Some(text) = text else { return String::new() };
    let text = text.replace("*/", "*\\/").replace("`None`", "`null`");
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() == 1 {
        return format!("{indent}/** {} */\n", lines[0]);
    }
    let mut out = format!("{indent}/**\n");
    for line in lines {
        out.push_str(&format!("{indent} *{}{line}\n", if line.is_empty() { "" } else { " " }));
    }
    out.push_str(&format!("{indent} */\n"));
    out
}

fn literal(value: &Value) -> String {
    match value {
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        other => other.to_string(),
    }
}

/// `a | b`, or one `| ...` line per few parts (and per object) when long.
fn union(parts: Vec<String>, indent: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    let parts: Vec<String> = parts.into_iter().filter(|p| seen.insert(p.clone())).collect();
    let one = parts.join(" | ");
    if indent.len() + one.len() <= 90 && !one.contains('\n') {
        return one;
    }
    let mut out = String::new();
    let mut line: Vec<String> = Vec::new();
    let flush = |out: &mut String, line: &mut Vec<String>| {
        if !line.is_empty() {
            out.push_str(&format!("\n{indent}  | {}", line.join(" | ")));
            line.clear();
        }
    };
    for part in parts {
        let width = indent.len() + 4 + line.iter().map(|p| p.len() + 3).sum::<usize>() + part.len();
        if part.contains('\n') || width > 100 {
            flush(&mut out, &mut line);
        }
        if part.contains('\n') {
            out.push_str(&format!("\n{indent}  | {part}"));
        } else {
            line.push(part);
        }
    }
    flush(&mut out, &mut line);
    out
}

fn object(schema: &Value, indent: &str) -> String {
    let inner = format!("{indent}  ");
    let mut out = String::from("{\n");
    for (name, field, required) in properties(schema) {
        out.push_str(&jsdoc(doc(field), &inner));
        let key = if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            name.to_string()
        } else {
            format!("'{name}'")
        };
        let t = ty(field, &inner);
        let sep = if t.starts_with('\n') { "" } else { " " };
        out.push_str(&format!("{inner}{key}{}:{sep}{t}\n", if required { "" } else { "?" }));
    }
    out.push_str(indent);
    out.push('}');
    out
}

fn parens(t: String) -> String {
    if t.contains(" | ") || t.contains('&') || t.contains('\n') {
        format!("({t})")
    } else {
        t
    }
}

/// The type of a value with this schema.
pub fn ty(schema: &Value, indent: &str) -> String {
    if let Some(name) = ref_name(schema) {
        // A variant that adds its tag to a struct (`{"$ref": ..., "properties": {tag}}`).
        if schema.get("properties").is_some() {
            return format!("{name} & {}", object(schema, indent));
        }
        return name.to_string();
    }
    if let Some(c) = schema.get("const") {
        return literal(c);
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return union(values.iter().map(literal).collect(), indent);
    }
    if let Some(alts) = alternatives(schema) {
        let inner = format!("{indent}  ");
        let variants = union(alts.iter().map(|a| ty(a, &inner)).collect(), indent);
        // serde's internally tagged enums: the fields every variant has, then the variants.
        if schema.get("properties").is_some() {
            return format!("{} & ({variants}\n{indent})", object(schema, indent));
        }
        return variants;
    }
    if schema.get("properties").is_some() {
        return object(schema, indent);
    }
    let kinds = types(schema);
    if kinds.is_empty() {
        return "Json".into();
    }
    let parts = kinds
        .iter()
        .map(|k| match *k {
            "null" => "null".to_string(),
            "string" => "string".into(),
            "integer" | "number" => "number".into(),
            "boolean" => "boolean".into(),
            "array" => match (schema.get("prefixItems").and_then(Value::as_array), schema.get("items")) {
                (Some(tuple), _) => {
                    format!("[{}]", tuple.iter().map(|t| ty(t, indent)).collect::<Vec<_>>().join(", "))
                }
                (None, Some(items)) => format!("{}[]", parens(ty(items, indent))),
                (None, None) => "Json[]".into(),
            },
            _ => match schema.get("additionalProperties") {
                Some(v) if v.is_object() => format!("Record<string, {}>", ty(v, indent)),
                _ => "Record<string, Json>".into(),
            },
        })
        .collect();
    union(parts, indent)
}

/// One `export` declaration.
pub fn declaration(decl: &Decl) -> String {
    let schema = &decl.schema;
    let mut out = jsdoc(doc(schema), "");
    let is_interface = schema.get("properties").is_some() && alternatives(schema).is_none();
    if is_interface {
        out.push_str(&format!("export interface {} {}\n", decl.name, object(schema, "")));
    } else {
        let t = ty(schema, "");
        let sep = if t.starts_with('\n') { "" } else { " " };
        out.push_str(&format!("export type {} ={sep}{t}\n", decl.name));
    }
    out
}

// ---- the classes and functions -----------------------------------------------------------------

/// The JavaScript name of a parameter (`retries_taken` → `retriesTaken`; `new` → `new_`).
fn js_name(name: &str) -> String {
    let camel = camel(name);
    let mut chars = camel.chars();
    let first = chars.next().map(|c| c.to_ascii_lowercase().to_string()).unwrap_or_default();
    let js = first + chars.as_str();
    if ["new", "default", "class", "function", "delete", "in"].contains(&js.as_str()) {
        js + "_"
    } else {
        js
    }
}

/// An operation's doc for JavaScript: the snake_case names of its class's operations and of its
/// own parameters, in backticks, written as JavaScript names.
fn js_doc(doc: &str, names: &[&str]) -> Option<String> {
    if doc.is_empty() {
        return None;
    }
    let mut out = doc.to_string();
    for name in names.iter().filter(|n| n.contains('_')) {
        out = out.replace(&format!("`{name}`"), &format!("`{}`", js_name(name)));
        out = out.replace(&format!("`{name}("), &format!("`{}(", js_name(name)));
    }
    Some(out)
}

fn without_null(t: String) -> String {
    t.strip_suffix(" | null").map(str::to_string).unwrap_or(t)
}

/// Writes the `.d.ts` of the surface's classes and functions, gathering its options objects.
struct Signatures<'a> {
    surface: &'a Surface,
    decls: &'a Decls,
    bags: BTreeMap<&'static str, String>,
}

impl Signatures<'_> {
    fn class_js(&self, name: &str) -> String {
        self.surface
            .classes
            .iter()
            .find(|c| c.name == name)
            .map_or_else(|| name.to_string(), |c| c.js.to_string())
    }

    fn param_type(&self, class: Option<&str>, op: &Op, p: &Param) -> String {
        let schema = self.decls.schemas.get(&key(class, op.name, Some(p.name)));
        let t = match p.kind {
            "Text" | "Chunk" => "string".to_string(),
            "Count" | "Permit" | "Time" | "Wall" => "number".into(),
            "Seed" => "number | bigint".into(),
            "Flag" => "boolean".into(),
            "Headers" => "HeadersInit".into(),
            "Bytes" => "string | Uint8Array".into(),
            "Obj" | "OptObj" => self.class_js(p.rust),
            "PolicyDoc" => "Policy | PolicyConfig".into(),
            _ => schema.map_or_else(|| "Json".to_string(), |s| without_null(ty(s, "  "))),
        };
        if p.optional {
            format!("{t} | null")
        } else {
            t
        }
    }

    fn returns(&self, class: Option<&str>, op: &Op) -> String {
        match &op.returns {
            Some(r) if r.kind == "Obj" => self.class_js(r.rust),
            Some(_) => match self.decls.schemas.get(&key(class, op.name, None)).map(|s| ty(s, "  ")) {
                Some(t) if t == "null" => "void".into(),
                Some(t) => t,
                None => "Json".into(),
            },
            None => "void".into(),
        }
    }

    /// `(a: T, options?: Options | null)`, each run of bag keys one options object.
    fn params(&mut self, class: Option<&str>, op: &Op) -> String {
        let mut out: Vec<String> = Vec::new();
        let mut i = 0;
        while i < op.params.len() {
            let p = &op.params[i];
            let Some(bag) = p.bag else {
                let t = self.param_type(class, op, p);
                out.push(format!("{}{}: {t}", js_name(p.name), if p.optional { "?" } else { "" }));
                i += 1;
                continue;
            };
            let keys: Vec<&Param> = op.params[i..].iter().take_while(|q| q.bag == Some(bag)).collect();
            i += keys.len();
            let name = p.bag_type.unwrap_or(bag);
            let mut body = String::new();
            for k in &keys {
                let t = self.param_type(class, op, k);
                body.push_str(&jsdoc(js_doc(&k.doc, &[]), "  "));
                body.push_str(&format!("  {}{}: {t}\n", js_name(k.name), if k.optional { "?" } else { "" }));
            }
            let decl = format!("export interface {name} {{\n{body}}}\n");
            if let Some(seen) = self.bags.insert(name, decl.clone()) {
                assert_eq!(seen, decl, "two options objects named {name} differ");
            }
            let optional = keys.iter().all(|k| k.optional);
            out.push(if optional { format!("{bag}?: {name} | null") } else { format!("{bag}: {name}") });
        }
        out.join(", ")
    }

    fn member(&mut self, class: &Class, op: &Op) -> String {
        let mut out = op_doc(self.surface, Some(class), op, "  ");
        let params = self.params(Some(class.name), op);
        match op.kind {
            "new" => out.push_str(&format!("  constructor({params})\n")),
            kind => {
                let is_static = if kind == "static" { "static " } else { "" };
                let ret = self.returns(Some(class.name), op);
                out.push_str(&format!("  {is_static}{}({params}): {ret}\n", op.js));
            }
        }
        out
    }
}

/// An operation's JSDoc: its doc, then `@param` for each documented parameter outside an
/// options object (whose keys carry their own docs). `Class.method` is written as in JS.
fn op_doc(surface: &Surface, class: Option<&Class>, op: &Op, indent: &str) -> String {
    let ops = class.map(|c| c.ops.iter().map(|o| o.name).collect::<Vec<_>>()).unwrap_or_default();
    let names: Vec<&str> = ops.into_iter().chain(op.params.iter().map(|p| p.name)).collect();
    let mut text = js_doc(&op.doc, &names).unwrap_or_default();
    for c in &surface.classes {
        for o in c.ops.iter().filter(|o| o.kind != "new") {
            text = text.replace(&format!("`{}.{}`", c.name, o.name), &format!("`{}.{}`", c.js, o.js));
        }
    }
    for p in op.params.iter().filter(|p| p.bag.is_none() && !p.doc.is_empty()) {
        text.push_str(&format!(
            "\n@param {} {}",
            js_name(p.name),
            js_doc(&p.doc, &names).unwrap_or_default()
        ));
    }
    jsdoc((!text.is_empty()).then(|| text.trim_start().to_string()), indent)
}

const FREE: &str = "  /** Frees the object now (it is also freed when collected); using it afterwards is an `invalid_type` error. */\n  free(): void\n";

/// The classes (but the hand-written breaker, which each runtime declares itself), the
/// functions and the options objects they take.
pub fn surface(surface: &Surface, decls: &Decls) -> String {
    let mut sig = Signatures { surface, decls, bags: BTreeMap::new() };
    let mut items: Vec<String> = Vec::new();
    for class in surface.classes.iter().filter(|c| !c.hand_written) {
        let mut out = jsdoc(js_doc(&class.doc, &[]), "");
        out.push_str(&format!("export declare class {} {{\n{FREE}", class.js));
        for op in &class.ops {
            out.push_str(&sig.member(class, op));
        }
        out.push_str("}\n");
        items.push(out);
    }
    for op in &surface.functions {
        let mut out = op_doc(surface, None, op, "");
        let params = sig.params(None, op);
        out.push_str(&format!("export declare function {}({params}): {}\n", op.js, sig.returns(None, op)));
        items.push(out);
    }
    let bags: Vec<String> = sig.bags.into_values().collect();
    format!("{}\n{}", bags.join("\n"), items.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decl(name: &str, schema: Value) -> String {
        declaration(&Decl { name: name.into(), schema })
    }

    #[test]
    fn codes_objects_and_nullable_fields() {
        assert_eq!(
            decl("Jitter", json!({"type": "string", "enum": ["none", "full"]})),
            "export type Jitter = 'none' | 'full'\n"
        );
        let schema = json!({
            "description": "A thing; see [`Other`](crate::a::Other).",
            "type": "object",
            "properties": {
                "a": {"type": "integer", "description": "`None` when unknown."},
                "b": {"type": ["string", "null"]},
                "c": {"type": "array", "items": {"$ref": "#/$defs/Jitter"}},
                "d": {"type": "object", "additionalProperties": {"type": "number"}},
                "e": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "string"}]}
            },
            "required": ["a", "b"]
        });
        assert_eq!(
            decl("Thing", schema),
            "/** A thing; see `Other`. */\nexport interface Thing {\n  /** `null` when unknown. */\n  a: number\n  b: string | null\n  c?: Jitter[]\n  d?: Record<string, number>\n  e?: [string, string]\n}\n"
        );
    }

    #[test]
    fn a_tagged_union_keeps_its_common_fields_and_a_tagged_struct() {
        let schema = json!({
            "type": "object",
            "properties": {"at_ms": {"type": "integer"}},
            "required": ["at_ms"],
            "oneOf": [
                {"type": "object", "properties": {"kind": {"const": "send"}}, "required": ["kind"]},
                {"$ref": "#/$defs/Rejection", "properties": {"kind": {"const": "rejected"}}, "required": ["kind"]}
            ]
        });
        assert_eq!(
            decl("Event", schema),
            "export type Event = {\n  at_ms: number\n} & (\n  | {\n    kind: 'send'\n  }\n  | Rejection & {\n    kind: 'rejected'\n  }\n)\n"
        );
    }
}
