//! The declarations as Python type stubs (`_breakwater.pyi`): `Literal`s and `TypedDict`s.
//!
//! A `TypedDict` cannot be written inline, so an object nested in a declaration (a variant of a
//! tagged union, a field's own object) becomes a declaration of its own, named after its parent
//! and its tag (`Placement` + `planned` = `PlacementPlanned`) or its field.

use crate::decls::{alternatives, camel, doc, key, merged, properties, ref_name, tag, types, Decl, Decls};
use breakwater::surface::{Op, Param, Surface};
use serde_json::Value;
use std::collections::HashMap;

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def",
    "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

fn string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn literal(value: &Value) -> String {
    match value {
        Value::String(s) => string(s),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

/// `Literal[...]` of these values, over several lines when long.
fn literals(values: &[String]) -> String {
    let one = format!("Literal[{}]", values.join(", "));
    if one.len() <= 80 {
        return one;
    }
    let mut out = String::from("Literal[\n");
    let mut line = String::new();
    for v in values {
        if !line.is_empty() && line.len() + v.len() + 2 > 92 {
            out.push_str(&format!("    {}\n", line.trim_end()));
            line.clear();
        }
        line.push_str(v);
        line.push_str(", ");
    }
    out.push_str(&format!("    {}\n]", line.trim_end()));
    out
}

fn docstring(text: Option<String>, indent: &str) -> String {
    let Some(text) = text else { return String::new() };
    let text = text.replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"");
    if !text.contains('\n') {
        return format!("{indent}\"\"\"{text}\"\"\"\n");
    }
    let body: Vec<String> =
        text.lines().map(|l| if l.is_empty() { String::new() } else { format!("{indent}{l}") }).collect();
    format!("{indent}\"\"\"{}\n{indent}\"\"\"\n", body.join("\n").trim_start())
}

/// Renders declarations, gathering the ones an inline object needs.
pub struct Stub<'a> {
    defs: HashMap<&'a str, &'a Value>,
    schemas: &'a HashMap<String, Value>,
    out: String,
}

impl<'a> Stub<'a> {
    pub fn new(decls: &'a Decls) -> Self {
        let defs = decls.decls.iter().map(|d| (d.name.as_str(), &d.schema)).collect();
        Self { defs, schemas: &decls.schemas, out: String::new() }
    }

    /// The type of a value with this schema; `hint` names an object that must be hoisted.
    fn ty(&mut self, schema: &Value, hint: &str) -> String {
        if let Some(name) = ref_name(schema) {
            // A variant that adds its tag to a struct: a TypedDict of the struct's fields and
            // the tag (declared whole, so that no declaration depends on another's order).
            if let (Some(_), Some(target)) = (schema.get("properties"), self.defs.get(name)) {
                let whole = merged(target, schema);
                self.typed_dict(hint, &whole);
                return hint.to_string();
            }
            return name.to_string();
        }
        if let Some(c) = schema.get("const") {
            return format!("Literal[{}]", literal(c));
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            return literals(&values.iter().map(literal).collect::<Vec<_>>());
        }
        if let Some(alts) = alternatives(schema) {
            let parts: Vec<String> = alts
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let a = merged(schema, a);
                    let name = format!("{hint}{}", variant_name(&a).unwrap_or_else(|| (i + 1).to_string()));
                    self.ty(&a, &name)
                })
                .collect();
            return union(parts);
        }
        if schema.get("properties").is_some() {
            self.typed_dict(hint, schema);
            return hint.to_string();
        }
        let kinds = types(schema);
        if kinds.is_empty() {
            return "Json".into();
        }
        let parts = kinds
            .iter()
            .map(|k| match *k {
                "null" => "None".to_string(),
                "string" => "str".into(),
                "integer" => "int".into(),
                "number" => "float".into(),
                "boolean" => "bool".into(),
                "array" => match (schema.get("prefixItems").and_then(Value::as_array), schema.get("items")) {
                    // A tuple arrives as a list (pyo3 writes serde's tuples as lists).
                    (Some(tuple), _) => {
                        let items: Vec<String> =
                            tuple.iter().map(|t| self.ty(t, &format!("{hint}Item"))).collect();
                        format!("List[{}]", union(items))
                    }
                    (None, Some(items)) => format!("List[{}]", self.ty(items, &format!("{hint}Item"))),
                    (None, None) => "List[Json]".into(),
                },
                _ => match schema.get("additionalProperties") {
                    Some(v) if v.is_object() => format!("Dict[str, {}]", self.ty(v, &format!("{hint}Value"))),
                    _ => "Dict[str, Json]".into(),
                },
            })
            .collect();
        union(parts)
    }

    fn typed_dict(&mut self, name: &str, schema: &Value) {
        let props = properties(schema);
        let fields: Vec<(String, String, Option<String>)> = props
            .iter()
            .map(|(key, field, required)| {
                let t = self.ty(field, &format!("{name}{}", camel(key)));
                let t = if *required { t } else { format!("NotRequired[{t}]") };
                ((*key).to_string(), t, doc(field))
            })
            .collect();
        let functional = fields.iter().any(|(k, _, _)| {
            KEYWORDS.contains(&k.as_str()) || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        let mut out = String::new();
        if functional {
            out.push_str(&format!("{name} = TypedDict(\n    {},\n    {{\n", string(name)));
            for (key, t, _) in &fields {
                out.push_str(&format!("        {}: {},\n", string(key), t.replace('\n', "\n        ")));
            }
            out.push_str("    },\n)\n");
            out.push_str(&docstring(doc(schema), ""));
        } else {
            out.push_str(&format!("class {name}(TypedDict):\n"));
            out.push_str(&docstring(doc(schema), "    "));
            for (key, t, d) in &fields {
                out.push_str(&format!("    {key}: {}\n", t.replace('\n', "\n    ")));
                out.push_str(&docstring(d.clone(), "    "));
            }
            if fields.is_empty() {
                out.push_str("    pass\n");
            }
        }
        self.out.push('\n');
        self.out.push_str(&out);
    }

    /// One declaration (and the ones it hoists, before it).
    pub fn declaration(&mut self, decl: &Decl) {
        let schema = &decl.schema;
        if schema.get("properties").is_some() && alternatives(schema).is_none() {
            self.typed_dict(&decl.name, schema);
            return;
        }
        let t = self.ty(schema, &decl.name);
        self.out.push_str(&format!("\n{} = {t}\n", decl.name));
        self.out.push_str(&docstring(doc(schema), ""));
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// What names a union's variant: its tag's value, else its one property (`{"skipped": ...}`).
fn variant_name(variant: &Value) -> Option<String> {
    if let Some(t) = tag(variant) {
        return Some(camel(t));
    }
    match properties(variant).as_slice() {
        [(only, _, _)] => Some(camel(only)),
        _ => None,
    }
}

/// The values of a `Literal[...]`'s inside, split at the commas outside its strings.
fn split_literals(inner: &str) -> Vec<String> {
    let (mut out, mut current, mut quoted, mut escaped) = (Vec::new(), String::new(), false, false);
    for c in inner.chars() {
        match c {
            ',' if !quoted => out.push(std::mem::take(&mut current)),
            _ => {
                quoted ^= c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                current.push(c);
            }
        }
    }
    out.push(current);
    out.into_iter().map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect()
}

/// `Union[...]` of the parts (`Optional[...]` with `None`), `Literal`s merged into one.
fn union(parts: Vec<String>) -> String {
    let mut lits: Vec<String> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    let mut nullable = false;
    for p in parts {
        if p == "None" {
            nullable = true;
        } else if let Some(inner) = p.strip_prefix("Literal[").and_then(|r| r.strip_suffix(']')) {
            for value in split_literals(inner) {
                if !lits.contains(&value) {
                    lits.push(value);
                }
            }
        } else if !others.contains(&p) {
            others.push(p);
        }
    }
    if !lits.is_empty() {
        others.insert(0, literals(&lits));
    }
    let t = match others.len() {
        0 => "None".to_string(),
        1 => others.remove(0),
        _ if others.iter().map(|o| o.len() + 2).sum::<usize>() > 80 => {
            format!("Union[\n    {},\n]", others.join(",\n    "))
        }
        _ => format!("Union[{}]", others.join(", ")),
    };
    if nullable && t != "None" {
        format!("Optional[{t}]")
    } else {
        t
    }
}

// ---- the classes and functions -----------------------------------------------------------------

/// What only the Python binding adds to a class (`bindings/python/src/extras.rs`).
const EXTRAS: &[(&str, &str)] = &[("BreakerRegistry", "def __len__(self) -> int: ...")];

impl Stub<'_> {
    fn param_type(&mut self, class: Option<&str>, op: &Op, p: &Param) -> String {
        let t = match p.kind {
            "Text" | "Chunk" => "str".to_string(),
            "Count" | "Permit" | "Wall" | "Seed" => "int".into(),
            "Time" => "Time".into(),
            "Flag" => "bool".into(),
            "Headers" => "Headers".into(),
            "Bytes" => "Union[str, bytes]".into(),
            "Obj" | "OptObj" => p.rust.to_string(),
            // A document may be any mapping (a config read from a file is a `Dict[str, Any]`).
            "PolicyDoc" => "Union[Policy, PolicyConfig, Config]".into(),
            kind => match self.schemas.get(&key(class, op.name, Some(p.name))) {
                Some(s) => {
                    let t = self.ty(s, "Param");
                    let t = t
                        .strip_prefix("Optional[")
                        .and_then(|t| t.strip_suffix(']'))
                        .map_or(t.clone(), str::to_string);
                    match kind {
                        "Config" => format!("Union[{t}, Config]"),
                        // A result handed back as it came (a TypedDict is not assignable to one
                        // whose keys are optional where its own are required).
                        "Value" => match t.strip_suffix("Input") {
                            Some(result) if self.defs.contains_key(result) => format!("Union[{result}, {t}]"),
                            _ => t,
                        },
                        _ => t,
                    }
                }
                None => "Json".into(),
            },
        };
        if p.optional {
            format!("Optional[{t}] = ...")
        } else {
            t
        }
    }

    fn returns(&mut self, class: Option<&str>, op: &Op) -> String {
        match &op.returns {
            Some(r) if r.kind == "Obj" => r.rust.to_string(),
            Some(_) => match self.schemas.get(&key(class, op.name, None)) {
                Some(s) => self.ty(s, "Result"),
                None => "Json".into(),
            },
            None => "None".into(),
        }
    }

    /// `def name(...) -> R:` and its docstring, indented by `indent`.
    fn def(&mut self, class: Option<&str>, op: &Op, indent: &str) -> String {
        let mut params: Vec<String> = match (class, op.kind) {
            (None, _) | (_, "static") => Vec::new(),
            (_, "new") => vec!["cls".into()],
            _ => vec!["self".into()],
        };
        // Every parameter, options included, may be given by position or by keyword.
        for p in &op.params {
            params.push(format!("{}: {}", p.name, self.param_type(class, op, p)));
        }
        let (name, ret) = match op.kind {
            "new" => ("__new__", class.unwrap_or_default().to_string()),
            _ => (op.name, self.returns(class, op)),
        };
        let one = format!("{indent}def {name}({}) -> {ret}:", params.join(", "));
        let mut out = if op.kind == "static" { format!("{indent}@staticmethod\n") } else { String::new() };
        if one.len() <= 100 {
            out.push_str(&one);
        } else {
            out.push_str(&format!("{indent}def {name}(\n"));
            for p in &params {
                out.push_str(&format!("{indent}    {p},\n"));
            }
            out.push_str(&format!("{indent}) -> {ret}:"));
        }
        let mut text = op.doc.clone();
        let documented: Vec<String> = op
            .params
            .iter()
            .filter(|p| !p.doc.is_empty())
            .map(|p| format!("``{}``: {}", p.name, p.doc))
            .collect();
        if !documented.is_empty() {
            text.push_str(&format!("\n\n{}", documented.join("\n")));
        }
        let doc =
            docstring((!text.is_empty()).then(|| text.trim_start().to_string()), &format!("{indent}    "));
        if doc.is_empty() {
            out.push_str(" ...\n");
        } else {
            out.push('\n');
            out.push_str(&doc);
        }
        out
    }

    /// The functions and classes of the surface, the hand-written breaker included.
    pub fn surface(&mut self, surface: &Surface) -> String {
        let mut out = String::new();
        for op in &surface.functions {
            out.push_str(&self.def(None, op, ""));
            out.push('\n');
        }
        for class in &surface.classes {
            out.push_str(&format!("@final\nclass {}:\n", class.name));
            out.push_str(&docstring((!class.doc.is_empty()).then(|| class.doc.clone()), "    "));
            for op in &class.ops {
                out.push_str(&self.def(Some(class.name), op, "    "));
            }
            for (_, extra) in EXTRAS.iter().filter(|(c, _)| *c == class.name) {
                out.push_str(&format!("    {extra}\n"));
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stub(decls: Vec<Decl>) -> String {
        let decls = Decls { decls, schemas: HashMap::new() };
        let mut stub = Stub::new(&decls);
        decls.decls.iter().for_each(|d| stub.declaration(d));
        stub.finish()
    }

    #[test]
    fn literals_merge_once_each_and_keep_their_commas() {
        assert_eq!(split_literals("\"a, b\", \"c\\\"\", 3"), ["\"a, b\"", "\"c\\\"\"", "3"]);
        let parts = vec!["Literal[\"a, b\"]".to_string(), "None".into(), "Literal[\"c\", \"a, b\"]".into()];
        assert_eq!(union(parts), "Optional[Literal[\"a, b\", \"c\"]]");
    }

    #[test]
    fn a_keyword_key_makes_a_functional_typed_dict() {
        let schema = json!({
            "type": "object",
            "properties": {"class": {"$ref": "#/$defs/ClassName"}, "n": {"type": ["integer", "null"]}},
            "required": ["class"]
        });
        assert_eq!(
            stub(vec![Decl { name: "Classification".into(), schema }]),
            "\nClassification = TypedDict(\n    \"Classification\",\n    {\n        \"class\": ClassName,\n        \"n\": NotRequired[Optional[int]],\n    },\n)\n"
        );
    }

    #[test]
    fn variants_are_declared_by_their_tag_and_a_tagged_struct_whole() {
        let rejection = json!({
            "type": "object",
            "properties": {"line": {"type": "integer"}},
            "required": ["line"]
        });
        let placement = json!({"oneOf": [
            {"type": "object", "properties": {"placement": {"const": "blank"}}, "required": ["placement"]},
            {"$ref": "#/$defs/Rejection", "properties": {"placement": {"const": "rejected"}}, "required": ["placement"]},
            {"type": "null"},
            {"const": "x"},
            {"enum": ["y", "z"]}
        ]});
        let out = stub(vec![
            Decl { name: "Placement".into(), schema: placement },
            Decl { name: "Rejection".into(), schema: rejection },
        ]);
        assert!(
            out.contains("class PlacementBlank(TypedDict):\n    placement: Literal[\"blank\"]\n"),
            "{out}"
        );
        assert!(
            out.contains(
                "class PlacementRejected(TypedDict):\n    line: int\n    placement: Literal[\"rejected\"]\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("Placement = Optional[Union[Literal[\"x\", \"y\", \"z\"], PlacementBlank, PlacementRejected]]"),
            "{out}"
        );
    }
}
