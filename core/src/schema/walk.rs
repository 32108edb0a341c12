//! Where a schema keeps its subschemas, and resolving local `$ref`s.

use serde_json::{Map, Value};

use super::pointer;

/// Keywords whose value is one subschema.
pub const SINGLE: &[&str] = &[
    "additionalItems",
    "additionalProperties",
    "contains",
    "contentSchema",
    "else",
    "if",
    "items",
    "not",
    "propertyNames",
    "then",
    "unevaluatedItems",
    "unevaluatedProperties",
];

/// Keywords whose value is an array of subschemas (`items` too, in its tuple form).
pub const LIST: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems", "items"];

/// Keywords whose value maps names to subschemas.
pub const MAP: &[&str] =
    &["$defs", "definitions", "dependentSchemas", "dependencies", "patternProperties", "properties"];

/// Every subschema directly inside `schema`, in the schema's key order, with the pointer
/// tokens that lead to it (`["properties", "a"]`, `["anyOf", "0"]`, `["items"]`).
/// `dependencies` entries that are property lists (draft 7) are not schemas and are skipped.
pub fn children(schema: &Map<String, Value>) -> Vec<(Vec<String>, &Value)> {
    let mut out = Vec::new();
    for (keyword, value) in schema {
        let k = keyword.as_str();
        match value {
            Value::Array(list) if LIST.contains(&k) => {
                for (i, child) in list.iter().enumerate() {
                    out.push((vec![keyword.clone(), i.to_string()], child));
                }
            }
            Value::Object(map) if MAP.contains(&k) => {
                for (name, child) in map {
                    if matches!(child, Value::Object(_) | Value::Bool(_)) {
                        out.push((vec![keyword.clone(), name.clone()], child));
                    }
                }
            }
            Value::Object(_) | Value::Bool(_) if SINGLE.contains(&k) => {
                out.push((vec![keyword.clone()], value));
            }
            _ => {}
        }
    }
    out
}

/// The target of a local `$ref` in `root`: a JSON Pointer fragment (`#`, `#/$defs/x`,
/// percent-encoded or `~`-escaped), a plain-name fragment (`#foo`: the subschema whose
/// `$anchor` is `foo`, or whose `$id` is `#foo` before 2019-09), either one after the root's
/// own `$id`. `None` for a reference outside the document, a pointer that leads nowhere, an
/// anchor no subschema of the root's resource declares.
#[must_use]
pub fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let reference = within_root(root, reference);
    match local_pointer(reference) {
        Some(pointer) => root.pointer(&pointer),
        None => anchor(root, &percent_decode(reference.strip_prefix('#')?)?),
    }
}

/// `reference` without the root's `$id` in front of its fragment (`https://x/s.json#/a`
/// when the root's `$id` is `https://x/s.json`).
fn within_root<'r>(root: &Value, reference: &'r str) -> &'r str {
    let id = root.get("$id").and_then(Value::as_str).map_or("", |id| id.trim_end_matches('#'));
    match reference.strip_prefix(id) {
        Some("") if !id.is_empty() => "#",
        Some(rest) if !id.is_empty() && rest.starts_with('#') => rest,
        _ => reference,
    }
}

/// Whether `schema` starts a resource of its own: an `$id` that is not a bare fragment.
#[must_use]
pub fn embedded_id(schema: &Value) -> Option<&str> {
    schema.get("$id").and_then(Value::as_str).filter(|id| !id.starts_with('#'))
}

/// The subschema of `schema`'s resource (embedded resources excluded) that declares the
/// anchor `name`.
fn anchor<'a>(schema: &'a Value, name: &str) -> Option<&'a Value> {
    let Value::Object(map) = schema else { return None };
    let declares = |keyword: &str, prefix: &str| {
        map.get(keyword).and_then(Value::as_str).and_then(|v| v.strip_prefix(prefix)) == Some(name)
    };
    // Draft 4 spells `$id` without the dollar: `{"id": "#foo"}` is its anchor.
    if declares("$anchor", "") || declares("$id", "#") || declares("id", "#") {
        return Some(schema);
    }
    children(map)
        .into_iter()
        .filter(|(_, sub)| embedded_id(sub).is_none())
        .find_map(|(_, sub)| anchor(sub, name))
}

/// The canonical JSON Pointer (percent-decoded, `~`-escaped once) of a local `$ref`; `None`
/// for a reference outside the document or a plain-name fragment (`#foo`, an anchor).
#[must_use]
pub fn local_pointer(reference: &str) -> Option<String> {
    let fragment = percent_decode(reference.strip_prefix('#')?)?;
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return None;
    }
    let mut canonical = String::new();
    for token in pointer::tokens(&fragment) {
        pointer::push(&mut canonical, &token);
    }
    Some(canonical)
}

fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn children_come_in_key_order_with_their_tokens() {
        let s = json!({"properties": {"a": {}, "b": true}, "anyOf": [{}, 3], "items": {},
                       "dependencies": {"x": ["y"], "z": {}}, "enum": [{}]});
        let got: Vec<String> = children(s.as_object().unwrap()).iter().map(|(t, _)| t.join("/")).collect();
        assert_eq!(got, ["properties/a", "properties/b", "anyOf/0", "anyOf/1", "items", "dependencies/z"]);
    }

    #[test]
    fn local_refs_resolve_and_others_do_not() {
        let root = json!({"$defs": {"a/b": {"type": "string"}, "c d": {"type": "null"}}, "x": [1, {"y": 2}]});
        assert_eq!(resolve(&root, "#/$defs/a~1b"), Some(&json!({"type": "string"})));
        assert_eq!(resolve(&root, "#/$defs/c%20d"), Some(&json!({"type": "null"})));
        assert_eq!(resolve(&root, "#/x/1/y"), Some(&json!(2)));
        assert_eq!(resolve(&root, "#"), Some(&root));
        assert_eq!(resolve(&root, "#/nope"), None);
        assert_eq!(resolve(&root, "other.json#/x"), None);
        assert_eq!(resolve(&root, "#anchor"), None);
        assert_eq!(resolve(&root, "#/%zz"), None);
    }
}
