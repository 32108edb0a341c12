//! The schema diff against Confluent's own test cases, and its soundness against the validator.

use std::path::Path;

use breakwater::schema::diff::{diff, Change, CompatibilityPolicy, DiffOptions};
use serde_json::Value;

/// Confluent's cases (Confluent Community License): read from the shared folder, never copied.
const CONFORMANCE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/conformance/confluent-json-diff");

/// Cases whose `compatible: true` is unsound: a document valid under the original schema is
/// invalid under the update. Here the verdict must be incompatible. (file, description, why)
const UNSOUND_IN_CONFLUENT: &[(&str, &str, &str)] = &[
    (
        "diff-schema-examples.json",
        "Detect required array to be changed",
        "`required` goes from [foo] to [bar] and `properties` does not declare `bar`; Confluent only \
         compares declared names, yet {\"foo\": \"x\"} is valid under the original and lacks the now \
         required `bar`",
    ),
    (
        "diff-schema-examples-2020-12.json",
        "Detect required array to be changed",
        "the same case in draft 2020-12",
    ),
];

/// Our change as Confluent's test data prints it: its model names the draft-7 keywords
/// (`prefixItems` is `items`, `dependentRequired` is `dependencies`, the `items` after a tuple
/// is `additionalItems`), where this diff names the keyword as the document spells it.
fn confluent_form(change: &Change) -> String {
    let mut path = change.path.replace("/prefixItems/", "/items/");
    for keyword in ["/dependentRequired/", "/dependentSchemas/"] {
        path = path.replace(keyword, "/dependencies/");
    }
    let kind = change.kind.as_str();
    if kind.starts_with("ADDITIONAL_ITEMS_") && path.ends_with("/items") {
        path = format!("{}additionalItems", path.strip_suffix("items").unwrap_or_default());
    }
    format!("{kind} {path}")
}

#[test]
fn agrees_with_confluent_on_its_conformance_cases() {
    let dir = Path::new(CONFORMANCE);
    if !dir.is_dir() {
        println!("skipped: Confluent's conformance cases are not at {CONFORMANCE}");
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {CONFORMANCE}");
    let (mut disagreements, mut change_mismatches, mut unsound_seen) = (Vec::new(), Vec::new(), Vec::new());
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let (mut in_scope, mut verdicts, mut changes, mut out_of_scope) = (0, 0, 0, Vec::new());
        for case in &cases {
            let description = case["description"].as_str().unwrap_or_default();
            if case.get("original_metadata").is_some() || case.get("update_metadata").is_some() {
                out_of_scope.push(description);
                continue;
            }
            in_scope += 1;
            let report = diff(&case["original_schema"], &case["update_schema"], &DiffOptions::default())
                .unwrap_or_else(|e| panic!("{name}: {description}: {e}"));
            let confluent = case["compatible"].as_bool().unwrap();
            let unsound = UNSOUND_IN_CONFLUENT.iter().find(|(f, d, _)| *f == name && *d == description);
            if report.backward == confluent {
                verdicts += 1;
            } else if let Some((_, _, why)) = unsound.filter(|_| confluent && !report.backward) {
                println!("  unsound in Confluent, incompatible here: {description}: {why}");
                unsound_seen.push((name.clone(), description.to_owned()));
            } else {
                disagreements.push(format!(
                    "{name}: {description}: backward {} where Confluent says {confluent}",
                    report.backward
                ));
            }
            let mut ours: Vec<String> = report.changes.iter().map(confluent_form).collect();
            let mut theirs: Vec<String> =
                case["changes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
            ours.sort();
            theirs.sort();
            if ours == theirs {
                changes += 1;
            } else {
                change_mismatches
                    .push(format!("{name}: {description}\n    ours:   {ours:?}\n    theirs: {theirs:?}"));
            }
        }
        println!(
            "{name}: verdict agreed {verdicts}/{in_scope}, changes agreed {changes}/{in_scope}, out of scope {}",
            out_of_scope.len()
        );
        for description in out_of_scope {
            println!("  out of scope (registry metadata: reserved properties): {description}");
        }
    }
    println!("change lists that differ from Confluent's:");
    for m in &change_mismatches {
        println!("  {m}");
    }
    assert!(disagreements.is_empty(), "verdicts differ from Confluent's:\n{}", disagreements.join("\n"));
    for (file, description, _) in UNSOUND_IN_CONFLUENT {
        assert!(
            unsound_seen.iter().any(|(f, d)| f == file && d == description),
            "allow-listed case not met (fixed upstream, or renamed?): {file}: {description}"
        );
    }
}

#[test]
fn lenient_accepts_what_strict_accepts_on_the_conformance_cases() {
    let Ok(entries) = std::fs::read_dir(CONFORMANCE) else {
        println!("skipped: Confluent's conformance cases are not at {CONFORMANCE}");
        return;
    };
    let lenient = DiffOptions { policy: CompatibilityPolicy::Lenient };
    for file in entries.map(|e| e.unwrap().path()) {
        let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for case in &cases {
            let (a, b) = (&case["original_schema"], &case["update_schema"]);
            let strict = diff(a, b, &DiffOptions::default()).unwrap();
            let loose = diff(a, b, &lenient).unwrap();
            assert!(!strict.backward || loose.backward, "{}", case["description"]);
            assert!(!strict.forward || loose.forward, "{}", case["description"]);
        }
    }
}

// ---- soundness against the validator ------------------------------------------------------
//
// A base schema from a small grammar (types, properties, required, enum/const, bounds,
// additionalProperties, patternProperties, items/prefixItems, anyOf/oneOf/allOf/not), a mutation
// of it (one to three edits anywhere in the tree), each side possibly moved behind a `$ref`, and
// instances sampled from both schemas plus random values. Whenever the diff says BACKWARD, every
// instance the old schema accepts must be accepted by the new one; FORWARD, the other way.
// Generation is driven by one seed (the crate's SplitMix64), so a failure prints the seed and
// the schemas it needs.

mod gen {
    use breakwater::Rng;
    use serde_json::{json, Map, Value};

    pub fn pick(rng: &mut Rng, n: usize) -> usize {
        (rng.next_u64() % n as u64) as usize
    }

    pub fn chance(rng: &mut Rng, p: f64) -> bool {
        rng.next_f64() < p
    }

    const NAMES: &[&str] = &["a", "b", "c", "x1"];

    fn pool(rng: &mut Rng) -> Value {
        [json!("a"), json!("b"), json!(""), json!(1), json!(2), json!(1.5), json!(null), json!(true)]
            [pick(rng, 8)]
        .clone()
    }

    /// A random JSON value (the instances no schema suggests).
    pub fn value(rng: &mut Rng, depth: usize) -> Value {
        match pick(rng, if depth == 0 { 6 } else { 8 }) {
            0 => Value::Null,
            1 => Value::Bool(chance(rng, 0.5)),
            2 => json!(pick(rng, 5) as i64 - 1),
            3 => json!([1.5, -0.5, 2.0][pick(rng, 3)]),
            4 | 5 => json!(["", "a", "ab", "b", "x", "abc"][pick(rng, 6)]),
            6 => Value::Array((0..pick(rng, 4)).map(|_| value(rng, depth - 1)).collect()),
            _ => Value::Object(
                (0..pick(rng, 4)).map(|_| (NAMES[pick(rng, 4)].to_owned(), value(rng, depth - 1))).collect(),
            ),
        }
    }

    /// A schema from the grammar.
    pub fn schema(rng: &mut Rng, depth: usize) -> Value {
        let kinds = if depth == 0 { 9 } else { 14 };
        let mut s = match pick(rng, kinds) {
            0 => {
                let mut s = json!({"type": "string"});
                if chance(rng, 0.3) {
                    s["minLength"] = json!(pick(rng, 3));
                }
                if chance(rng, 0.3) {
                    s["maxLength"] = json!(pick(rng, 4));
                }
                if chance(rng, 0.15) {
                    s["pattern"] = json!(["^a", "b$"][pick(rng, 2)]);
                }
                s
            }
            1 | 2 => {
                let mut s = json!({"type": if pick(rng, 2) == 0 { "integer" } else { "number" }});
                if chance(rng, 0.3) {
                    s["minimum"] = json!(pick(rng, 4) as i64 - 1);
                }
                if chance(rng, 0.3) {
                    s["maximum"] = json!(pick(rng, 4));
                }
                if chance(rng, 0.15) {
                    s["exclusiveMaximum"] = json!(pick(rng, 4));
                }
                if chance(rng, 0.1) {
                    s["multipleOf"] = json!([1, 2, 4][pick(rng, 3)]);
                }
                s
            }
            3 => json!({"type": (["boolean", "null"][pick(rng, 2)])}),
            4 => {
                Value::Array((0..1 + pick(rng, 3)).map(|_| pool(rng)).collect()).pipe(|e| json!({"enum": e}))
            }
            5 => json!({"const": pool(rng)}),
            6 => [json!(true), json!(false), json!({})][pick(rng, 3)].clone(),
            7 => {
                json!({"type": ([["string", "null"], ["integer", "string"], ["number", "null"]][pick(rng, 3)])})
            }
            8 => {
                let mut s = json!({"type": "string", "enum": ["a", "b"]});
                if chance(rng, 0.5) {
                    s.as_object_mut().unwrap().remove("type");
                }
                s
            }
            9 | 10 => object(rng, depth),
            11 => array(rng, depth),
            12 => {
                let key = ["anyOf", "oneOf", "allOf"][pick(rng, 3)];
                json!({ key: (0..1 + pick(rng, 3)).map(|_| schema(rng, depth - 1)).collect::<Vec<_>>() })
            }
            _ => match pick(rng, 5) {
                0 => json!({"not": schema(rng, depth - 1)}),
                1 => {
                    json!({"if": schema(rng, 0), "then": schema(rng, depth - 1), "else": schema(rng, depth - 1)})
                }
                2 => {
                    // A discriminated union, the shape LLM tool outputs take.
                    let variants: Vec<Value> = ["a", "b", "c"][..1 + pick(rng, 3)]
                        .iter()
                        .map(|k| json!({"type": "object", "properties": {"kind": {"const": k}, "v": schema(rng, 0)}, "required": ["kind"]}))
                        .collect();
                    json!({"oneOf": variants})
                }
                _ => object(rng, depth),
            },
        };
        if chance(rng, 0.05) {
            if let Some(map) = s.as_object_mut() {
                map.insert("title".into(), json!("t"));
            }
        }
        s
    }

    fn object(rng: &mut Rng, depth: usize) -> Value {
        let mut map = Map::new();
        if chance(rng, 0.8) {
            map.insert("type".into(), json!("object"));
        }
        let mut properties = Map::new();
        for name in NAMES {
            if chance(rng, 0.5) {
                properties.insert((*name).into(), schema(rng, depth - 1));
            }
        }
        let required: Vec<Value> = NAMES.iter().filter(|_| chance(rng, 0.3)).map(|n| json!(n)).collect();
        map.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            map.insert("required".into(), Value::Array(required));
        }
        match pick(rng, 5) {
            0 => {
                map.insert("additionalProperties".into(), json!(false));
            }
            1 => {
                map.insert("additionalProperties".into(), json!(true));
            }
            2 => {
                map.insert("additionalProperties".into(), schema(rng, 0));
            }
            _ => {}
        }
        if chance(rng, 0.2) {
            map.insert("patternProperties".into(), json!({"^x": schema(rng, 0)}));
        }
        if chance(rng, 0.1) && !map.contains_key("additionalProperties") {
            map.insert(
                "unevaluatedProperties".into(),
                [json!(false), json!({"type": "integer"})][pick(rng, 2)].clone(),
            );
        }
        if chance(rng, 0.1) {
            map.insert("dependentRequired".into(), json!({"a": ["b"]}));
        }
        if chance(rng, 0.05) {
            map.insert("dependentSchemas".into(), json!({"b": {"required": ["c"]}}));
        }
        if chance(rng, 0.05) {
            map.insert("propertyNames".into(), json!({"maxLength": 1}));
        }
        if chance(rng, 0.1) {
            map.insert("minProperties".into(), json!(pick(rng, 3)));
        }
        if chance(rng, 0.1) {
            map.insert("maxProperties".into(), json!(pick(rng, 3)));
        }
        Value::Object(map)
    }

    fn array(rng: &mut Rng, depth: usize) -> Value {
        let mut s = json!({"type": "array"});
        if chance(rng, 0.3) {
            s["prefixItems"] = Value::Array((0..1 + pick(rng, 2)).map(|_| schema(rng, depth - 1)).collect());
            if chance(rng, 0.6) {
                s["items"] = [json!(false), json!(true), schema(rng, 0)][pick(rng, 3)].clone();
            }
        } else if chance(rng, 0.8) {
            s["items"] = schema(rng, depth - 1);
        }
        if chance(rng, 0.2) {
            s["minItems"] = json!(pick(rng, 3));
        }
        if chance(rng, 0.2) {
            s["maxItems"] = json!(1 + pick(rng, 3));
        }
        if chance(rng, 0.1) {
            s["uniqueItems"] = json!(true);
        }
        if chance(rng, 0.15) {
            s["contains"] = schema(rng, 0);
            if chance(rng, 0.3) {
                s["minContains"] = json!(pick(rng, 3));
            }
            if chance(rng, 0.3) {
                s["maxContains"] = json!(1 + pick(rng, 2));
            }
        }
        s
    }

    trait Pipe: Sized {
        fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
            f(self)
        }
    }
    impl Pipe for Value {}

    /// The subschemas of `schema`, in pre-order, counting the root.
    pub fn count(schema: &Value) -> usize {
        1 + children(schema).iter().map(|c| count(c)).sum::<usize>()
    }

    fn children(schema: &Value) -> Vec<&Value> {
        let Some(map) = schema.as_object() else { return Vec::new() };
        let mut out = Vec::new();
        for (k, v) in map {
            match (k.as_str(), v) {
                ("properties" | "patternProperties" | "$defs", Value::Object(m)) => out.extend(m.values()),
                (
                    "items" | "additionalProperties" | "not" | "contains" | "then" | "else",
                    Value::Object(_),
                ) => out.push(v),
                ("prefixItems" | "anyOf" | "oneOf" | "allOf", Value::Array(a)) => out.extend(a),
                _ => {}
            }
        }
        out
    }

    /// The `k`-th subschema in pre-order.
    pub fn nth<'v>(schema: &'v mut Value, k: &mut usize) -> Option<&'v mut Value> {
        if *k == 0 {
            return Some(schema);
        }
        *k -= 1;
        let map = schema.as_object_mut()?;
        for (key, v) in map.iter_mut() {
            let kids: Vec<&mut Value> = match (key.as_str(), v) {
                ("properties" | "patternProperties" | "$defs", Value::Object(m)) => m.values_mut().collect(),
                (
                    "items" | "additionalProperties" | "not" | "contains" | "then" | "else",
                    v @ Value::Object(_),
                ) => vec![v],
                ("prefixItems" | "anyOf" | "oneOf" | "allOf", Value::Array(a)) => a.iter_mut().collect(),
                _ => continue,
            };
            for kid in kids {
                if let Some(found) = nth(kid, k) {
                    return Some(found);
                }
            }
        }
        None
    }

    /// One edit somewhere in the tree.
    pub fn mutate(schema: &mut Value, rng: &mut Rng) {
        let mut k = pick(rng, count(schema));
        let Some(s) = nth(schema, &mut k) else { return };
        let op = pick(rng, 12);
        if op == 0 || s.is_boolean() {
            *s = self::schema(rng, 1);
            return;
        }
        let map = s.as_object_mut().unwrap();
        match op {
            1 => {
                let kw = [
                    "minLength",
                    "maxLength",
                    "minimum",
                    "maximum",
                    "minItems",
                    "maxItems",
                    "minProperties",
                    "maxProperties",
                    "exclusiveMaximum",
                ][pick(rng, 9)];
                match map.get(kw).and_then(Value::as_i64) {
                    Some(v) if chance(rng, 0.3) => {
                        map.remove(kw);
                        let _ = v;
                    }
                    Some(v) => {
                        map.insert(kw.into(), json!((v + [1, -1][pick(rng, 2)]).max(0)));
                    }
                    None => {
                        map.insert(kw.into(), json!(pick(rng, 3)));
                    }
                }
            }
            2 => {
                let name = json!(NAMES[pick(rng, 4)]);
                let required = map.entry("required").or_insert_with(|| json!([])).as_array_mut().unwrap();
                match required.iter().position(|v| *v == name) {
                    Some(i) => {
                        required.remove(i);
                    }
                    None => required.push(name),
                }
                if required.is_empty() {
                    map.remove("required");
                }
            }
            3 => {
                let name = NAMES[pick(rng, 4)];
                let properties =
                    map.entry("properties").or_insert_with(|| json!({})).as_object_mut().unwrap();
                if properties.remove(name).is_none() {
                    properties.insert(name.into(), self::schema(rng, 1));
                }
            }
            4 => match pick(rng, 4) {
                0 => {
                    map.remove("additionalProperties");
                }
                1 => {
                    map.insert("additionalProperties".into(), json!(true));
                }
                2 => {
                    map.insert("additionalProperties".into(), json!(false));
                }
                _ => {
                    map.insert("additionalProperties".into(), json!({"type": "string"}));
                }
            },
            5 => {
                let extra = pool(rng);
                match map.get_mut("enum").and_then(Value::as_array_mut) {
                    Some(values) if values.len() > 1 && chance(rng, 0.5) => {
                        values.remove(pick(rng, values.len()));
                    }
                    Some(values) if chance(rng, 0.7) => values.push(extra),
                    Some(_) => {
                        map.remove("enum");
                    }
                    None => {
                        map.insert("enum".into(), json!([extra]));
                    }
                }
            }
            6 => match pick(rng, 4) {
                0 => {
                    map.remove("type");
                }
                1 => {
                    map.insert(
                        "type".into(),
                        json!(["string", "integer", "number", "object", "array", "null"][pick(rng, 6)]),
                    );
                }
                _ => {
                    let t = map.get("type").cloned().unwrap_or(json!("string"));
                    let mut list = match t {
                        Value::Array(a) => a,
                        t => vec![t],
                    };
                    if list.contains(&json!("null")) {
                        list.retain(|t| *t != json!("null"));
                    } else {
                        list.push(json!("null"));
                    }
                    if list.is_empty() {
                        list.push(json!("string"));
                    }
                    map.insert("type".into(), Value::Array(list));
                }
            },
            7 => {
                let unions = ["anyOf", "oneOf", "allOf"];
                if let Some(key) = unions.iter().find(|k| map.contains_key(**k)) {
                    let first = map[*key][0].clone();
                    *s = first;
                } else {
                    let key = unions[pick(rng, 2)];
                    let other = if chance(rng, 0.5) { json!({"type": "null"}) } else { self::schema(rng, 0) };
                    *s = json!({ key: [s.clone(), other] });
                }
            }
            8 => {
                for key in ["anyOf", "oneOf", "allOf"] {
                    if let Some(branches) = map.get_mut(key).and_then(Value::as_array_mut) {
                        if branches.len() > 1 && chance(rng, 0.5) {
                            branches.remove(pick(rng, branches.len()));
                        } else {
                            branches.push(self::schema(rng, 0));
                        }
                        return;
                    }
                }
                map.insert("oneOf".into(), json!([self::schema(rng, 0), self::schema(rng, 0)]));
            }
            9 => {
                if map.remove("uniqueItems").is_none() {
                    if chance(rng, 0.5) {
                        map.insert("uniqueItems".into(), json!(true));
                    } else {
                        map.insert("items".into(), self::schema(rng, 0));
                    }
                }
            }
            10 => {
                if map.remove("patternProperties").is_none() {
                    map.insert("patternProperties".into(), json!({"^x": self::schema(rng, 0)}));
                }
            }
            _ => {
                if map.remove("const").is_none() {
                    map.insert("const".into(), pool(rng));
                }
            }
        }
    }

    /// The same schema with one subschema moved into `$defs` behind a `$ref`.
    pub fn behind_ref(schema: &Value, rng: &mut Rng) -> Value {
        let mut out = schema.clone();
        let n = count(&out);
        if n < 2 || !out.is_object() {
            return out;
        }
        let mut k = 1 + pick(rng, n - 1);
        let Some(node) = nth(&mut out, &mut k) else { return out };
        // Sometimes beside a vacuous assertion, which keeps the `$ref` a conjunct (2020-12).
        let reference = if chance(rng, 0.3) {
            json!({"$ref": "#/$defs/moved", "minProperties": 0})
        } else {
            json!({"$ref": "#/$defs/moved"})
        };
        let moved = std::mem::replace(node, reference);
        out.as_object_mut().unwrap().insert("$defs".into(), json!({ "moved": moved }));
        out
    }

    /// An instance the schema suggests (not always valid: the validator decides).
    pub fn instance(schema: &Value, rng: &mut Rng, depth: usize) -> Value {
        let Some(map) = schema.as_object() else { return value(rng, 2) };
        if depth == 0 || chance(rng, 0.05) {
            return value(rng, 1);
        }
        if let Some(c) = map.get("const") {
            return c.clone();
        }
        if let Some(Value::Array(e)) = map.get("enum") {
            if !e.is_empty() {
                return e[pick(rng, e.len())].clone();
            }
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(Value::Array(b)) = map.get(key) {
                if !b.is_empty() {
                    return instance(&b[pick(rng, b.len())], rng, depth - 1);
                }
            }
        }
        let ty = match map.get("type") {
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(ts)) if !ts.is_empty() => {
                ts[pick(rng, ts.len())].as_str().unwrap_or("null").to_owned()
            }
            _ if map.contains_key("properties") => "object".into(),
            _ if map.contains_key("items") || map.contains_key("prefixItems") => "array".into(),
            _ => return value(rng, 2),
        };
        let num = |k: &str| map.get(k).and_then(Value::as_i64);
        match ty.as_str() {
            "string" => {
                let lo = num("minLength").unwrap_or(0) as usize;
                let hi = num("maxLength").map_or(lo + 3, |h| h as usize).max(lo);
                let len = lo + pick(rng, hi - lo + 1);
                (0..len)
                    .map(|i| if i == 0 && chance(rng, 0.7) { 'a' } else { ['a', 'b'][pick(rng, 2)] })
                    .collect::<String>()
                    .into()
            }
            "integer" | "number" => {
                let lo = num("minimum").unwrap_or(-2);
                let hi = num("maximum").unwrap_or(lo + 4).max(lo);
                let n = lo + pick(rng, (hi - lo + 1) as usize) as i64;
                if ty == "number" && chance(rng, 0.3) {
                    json!(n as f64 + 0.5)
                } else {
                    json!(n)
                }
            }
            "boolean" => json!(chance(rng, 0.5)),
            "null" => Value::Null,
            "object" => {
                let mut out = Map::new();
                let required: Vec<&str> = map
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                if let Some(Value::Object(props)) = map.get("properties") {
                    for (name, s) in props {
                        if required.contains(&name.as_str()) || chance(rng, 0.5) {
                            out.insert(name.clone(), instance(s, rng, depth - 1));
                        }
                    }
                }
                for name in required {
                    out.entry(name).or_insert_with(|| value(rng, 1));
                }
                if let Some(Value::Object(p)) = map.get("patternProperties") {
                    if let Some(s) = p.values().next() {
                        if chance(rng, 0.5) {
                            out.insert("x2".into(), instance(s, rng, depth - 1));
                        }
                    }
                }
                if chance(rng, 0.3) {
                    let extra = match map.get("additionalProperties") {
                        Some(s @ Value::Object(_)) => instance(s, rng, depth - 1),
                        _ => value(rng, 1),
                    };
                    out.insert(NAMES[pick(rng, 4)].into(), extra);
                }
                Value::Object(out)
            }
            "array" => {
                let mut out: Vec<Value> = Vec::new();
                if let Some(Value::Array(prefix)) = map.get("prefixItems") {
                    for s in prefix {
                        if chance(rng, 0.9) {
                            out.push(instance(s, rng, depth - 1));
                        }
                    }
                }
                let rest = map.get("items").cloned().unwrap_or(Value::Bool(true));
                for _ in 0..pick(rng, 3) {
                    out.push(instance(&rest, rng, depth - 1));
                }
                Value::Array(out)
            }
            _ => value(rng, 2),
        }
    }
}

fn check_sound(seed: u64) -> Result<(), String> {
    let mut rng = breakwater::Rng::new(seed);
    let base = gen::schema(&mut rng, 3);
    let mut changed = base.clone();
    for _ in 0..1 + gen::pick(&mut rng, 3) {
        gen::mutate(&mut changed, &mut rng);
    }
    let (old, new) = if gen::chance(&mut rng, 0.5) { (base, changed) } else { (changed, base) };
    let mut instances: Vec<Value> = Vec::new();
    for _ in 0..16 {
        instances.push(gen::instance(&old, &mut rng, 4));
        instances.push(gen::instance(&new, &mut rng, 4));
    }
    instances.extend((0..8).map(|_| gen::value(&mut rng, 3)));
    let mut old = if gen::chance(&mut rng, 0.2) { gen::behind_ref(&old, &mut rng) } else { old };
    let mut new = if gen::chance(&mut rng, 0.2) { gen::behind_ref(&new, &mut rng) } else { new };
    // Draft 7 ignores `prefixItems`, `dependentRequired`, `unevaluated*` and `$ref` siblings.
    if gen::chance(&mut rng, 0.2) {
        for schema in [&mut old, &mut new] {
            if let Some(map) = schema.as_object_mut() {
                map.insert("$schema".into(), "http://json-schema.org/draft-07/schema#".into());
            }
        }
    }

    let (Ok(old_v), Ok(new_v)) = (jsonschema::validator_for(&old), jsonschema::validator_for(&new)) else {
        return Ok(()); // the grammar made a schema the validator refuses: nothing to check
    };
    let report = diff(&old, &new, &DiffOptions::default()).map_err(|e| format!("seed {seed}: {e}"))?;
    for x in &instances {
        let (in_old, in_new) = (old_v.is_valid(x), new_v.is_valid(x));
        let broken = if report.backward && in_old && !in_new {
            "BACKWARD, but the old schema accepts and the new one rejects"
        } else if report.forward && in_new && !in_old {
            "FORWARD, but the new schema accepts and the old one rejects"
        } else {
            continue;
        };
        return Err(format!(
            "seed {seed}: {broken}\n  instance: {x}\n  old: {old}\n  new: {new}\n  changes: {:?}",
            report.changes
        ));
    }
    let loose = diff(&old, &new, &DiffOptions { policy: CompatibilityPolicy::Lenient })
        .map_err(|e| format!("seed {seed}: {e}"))?;
    if (report.backward && !loose.backward) || (report.forward && !loose.forward) {
        return Err(format!("seed {seed}: LENIENT refuses what STRICT accepts\n  old: {old}\n  new: {new}"));
    }
    let same = diff(&old, &old, &DiffOptions::default()).map_err(|e| format!("seed {seed}: {e}"))?;
    if !same.changes.is_empty() {
        return Err(format!("seed {seed}: a schema differs from itself: {old}\n  {:?}", same.changes));
    }
    Ok(())
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        failure_persistence: None, // a failure prints its seed; no regression file in the tree
        ..proptest::test_runner::Config::default()
    })]

    /// Whatever the two versions, a compatible verdict holds for every instance tried.
    #[test]
    fn compatible_verdicts_hold_for_every_instance(seed: u64) {
        if let Err(message) = check_sound(seed) {
            proptest::prop_assert!(false, "{}", message);
        }
    }
}
