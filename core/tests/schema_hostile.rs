//! Hostile inputs to the schema toolkit: typed errors or verdicts in bounded time and memory,
//! never a panic, a hang or a stack overflow.

use breakwater::schema::lint::{lint, LintOptions};
use breakwater::schema::strict::{to_strict, StrictOptions};
use breakwater::schema::validate::{Validator, ValidatorOptions, ViolationCode};
use breakwater::schema::{parse_json, validate::validate_text};
use breakwater::ErrorCode;
use serde_json::{json, Value};

fn compile(schema: Value) -> Validator {
    Validator::new(&schema, &ValidatorOptions::default()).unwrap()
}

#[test]
fn deep_nesting_is_limit_exceeded_everywhere_it_can_arrive_as_text() {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    assert_eq!(parse_json(&deep).unwrap_err().code, ErrorCode::LimitExceeded);
    let e = validate_text(&json!({"type": "array"}), &deep, &ValidatorOptions::default()).unwrap_err();
    assert_eq!(e.code, ErrorCode::LimitExceeded);
    let deep_object = "{\"a\":".repeat(100_000) + "1" + &"}".repeat(100_000);
    assert_eq!(parse_json(&deep_object).unwrap_err().code, ErrorCode::LimitExceeded);
}

#[test]
fn huge_numbers_are_read_or_refused_with_their_place() {
    let v = compile(json!({"type": "number", "maximum": 10}));
    let out = v.validate_text("123456789012345678901234567890123456789").unwrap();
    assert_eq!(out.errors[0].code, ViolationCode::AboveMaximum);
    let e = v.validate_text("[1, 1e400]").unwrap_err();
    assert_eq!((e.code, e.line, e.column.is_some()), (ErrorCode::Syntax, Some(1), true));
    let v = compile(json!({"type": "integer", "multipleOf": 1e-300}));
    let _ = v.validate_text("1e300").unwrap(); // answers; which way is the validator's arithmetic
}

#[test]
fn a_fifty_megabyte_string_costs_a_bounded_report() {
    let big = "a".repeat(50 << 20);
    let text = format!("{{\"s\": \"{big}\"}}");
    let v = compile(json!({
        "type": "object",
        "properties": {"s": {"type": "string", "maxLength": 10, "pattern": "^(a+)+b$", "enum": ["x"]}}
    }));
    let out = v.validate_text(&text).unwrap();
    assert!(!out.valid);
    let codes: Vec<_> = out.errors.iter().map(|e| e.code).collect();
    assert!(codes.contains(&ViolationCode::TooLong), "{codes:?}");
    assert!(out.errors.iter().all(|e| e.message.len() < 1_000), "a message copied the value");
}

#[test]
fn catastrophic_patterns_in_schemas_do_not_hang_lint_or_strict() {
    let schema = json!({"type": "object", "properties": {"p": {"type": "string", "pattern": "^(a|a)*$"}},
                        "required": ["p"], "additionalProperties": false});
    assert!(lint(&schema, &LintOptions::default()).ok);
    assert!(to_strict(&schema, &StrictOptions::default()).unwrap().ok);
    let v = compile(schema);
    let out = v.validate(&json!({"p": format!("{}b", "a".repeat(100_000))}));
    assert!(!out.valid);
}

#[test]
fn self_referencing_schemas_terminate() {
    for schema in [
        json!({"$ref": "#"}),
        json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}),
        json!({"type": "object", "properties": {"x": {"$ref": "#", "description": "again"}}}),
    ] {
        let _ = lint(&schema, &LintOptions::default());
        let _ = to_strict(&schema, &StrictOptions::default());
        if let Ok(v) = Validator::new(&schema, &ValidatorOptions::default()) {
            let _ = v.validate(&json!({"x": {"x": {"x": 1}}}));
        }
    }
}

/// A Pydantic AST: `kinds` node models, each with a nullable field of every kind (`$defs`).
fn mutually_recursive(kinds: usize, tag_last: bool) -> Value {
    let defs: serde_json::Map<String, Value> = (0..kinds)
        .map(|k| {
            let mut properties: serde_json::Map<String, Value> = (0..kinds)
                .map(|j| (format!("p{j}"), json!({"anyOf": [{"$ref": format!("#/$defs/D{j}")}, {"type": "null"}]})))
                .collect();
            properties.insert("tag".into(), json!({"type": "string", "const": format!("d{k}")}));
            let mut required: Vec<String> = (0..kinds).map(|j| format!("p{j}")).collect();
            if tag_last {
                required.push("tag".into());
            } else {
                required.insert(0, "tag".into());
            }
            let node = json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false});
            (format!("D{k}"), node)
        })
        .collect();
    json!({"type": "object", "properties": {"root": {"$ref": "#/$defs/D0"}}, "required": ["root"],
           "additionalProperties": false, "$defs": defs})
}

#[test]
fn mutually_recursive_models_are_linted_and_made_strict_in_bounded_time() {
    // Every ordering of the kinds is a path without a cycle: 10! of them.
    let schema = mutually_recursive(10, true);
    let report = lint(&schema, &LintOptions::default());
    assert!(report.findings.iter().any(|f| f.code.as_str() == "too_deep"), "{:?}", report.findings);
    assert!(to_strict(&schema, &StrictOptions::default()).is_ok());
}

#[test]
fn a_nullable_check_through_unions_of_references_ends() {
    // A optional property whose `$ref`s branch at every level (openai-python: instant).
    let schema = json!({"type": "object", "properties": {"x": {"$ref": "#/$defs/A"}}, "$defs": {
        "A": {"anyOf": [{"$ref": "#/$defs/B"}, {"$ref": "#/$defs/C"}]},
        "B": {"anyOf": [{"$ref": "#/$defs/A"}, {"type": "string"}]},
        "C": {"anyOf": [{"$ref": "#/$defs/A"}, {"type": "integer"}]}}});
    let strict = to_strict(&schema, &StrictOptions::default()).unwrap();
    assert_eq!(strict.schema.unwrap()["required"], json!(["x"]));
}

#[test]
fn a_disjointness_proof_through_recursive_unions_ends_and_stays_sound() {
    use breakwater::schema::diff::{diff, DiffOptions};
    // `oneOf` → `anyOf` (the strict form's rewrite) of two recursive models told apart by a tag
    // listed last in `required`: the proof compares the twelve nullable slots first, at every
    // level (over 150 s before it was bounded).
    let model = |name: &str, tag: &str| {
        let mut properties: serde_json::Map<String, Value> = (0..12)
            .map(|i| {
                (format!("c{i}"), json!({"anyOf": [{"$ref": format!("#/$defs/{name}")}, {"type": "null"}]}))
            })
            .collect();
        properties.insert("tag".into(), json!({"type": "string", "const": tag}));
        let mut required: Vec<String> = (0..12).map(|i| format!("c{i}")).collect();
        required.push("tag".into());
        json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
    };
    let schema = |of: &str| {
        json!({"type": "object", "properties": {"v": {of: [{"$ref": "#/$defs/T"}, {"$ref": "#/$defs/U"}]}},
               "required": ["v"], "additionalProperties": false, "$defs": {"T": model("T", "t"), "U": model("U", "u")}})
    };
    let report = diff(&schema("oneOf"), &schema("anyOf"), &DiffOptions::default()).unwrap();
    // Proven disjoint or not proven (then the change counts as breaking): an answer either way.
    assert!(report.backward);
}
