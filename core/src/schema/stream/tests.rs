use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::schema::parse_json;

fn compiled(schema: &Value) -> Arc<StreamSchema> {
    Arc::new(StreamSchema::new(schema, &ValidatorOptions::default()).unwrap())
}

/// Feeds `text` in chunks of `size` characters; the state after each chunk.
fn feed_in(check: &mut StreamCheck, text: &str, size: usize) -> Vec<StreamState> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(size.max(1)).map(|c| check.feed(&c.iter().collect::<String>()).clone()).collect()
}

/// Feeds `text` whole and character by character: the final states must agree, and
/// `finish` must be `validate_text`.
fn run(schema: &Value, text: &str) -> StreamState {
    let s = compiled(schema);
    let want = s.validator().validate_text(text);
    let mut whole = s.check();
    let state = whole.feed(text).clone();
    assert_eq!(whole.finish(), want, "whole: {text}");
    let mut bytewise = s.check();
    let states = feed_in(&mut bytewise, text, 1);
    assert_eq!(bytewise.finish(), want, "split: {text}");
    let last = states.last().cloned().unwrap_or(StreamState::Open);
    assert_eq!(last.is_open(), state.is_open(), "{text}: {state:?} / {last:?}");
    // What refused it does not depend on where the chunks cut (the offset may: a string cut
    // by a chunk is checked as it grows).
    if let (StreamState::Dead { violation: a, .. }, StreamState::Dead { violation: b, .. }) = (&state, &last)
    {
        assert_eq!(
            (a.code, &a.instance_path, &a.schema_path),
            (b.code, &b.instance_path, &b.schema_path),
            "{text}"
        );
    }
    // On a whole text, what refused it early is one of the validator's errors.
    if let (StreamState::Dead { violation, .. }, Ok(v)) = (&state, &want) {
        let named = |e: &Violation| (e.code, e.instance_path.clone(), e.schema_path.clone());
        assert!(
            v.errors.iter().any(|e| named(e) == named(violation)),
            "{schema} {text}: {violation:?} / {v:?}"
        );
    }
    state
}

/// The live state agrees with serde_json: every error before the text's end is a
/// `syntax_error` state carrying serde_json's error; an error at the end (`EOF while ...`,
/// or a number out of range that runs to the end and so may still be growing) is for
/// `finish`.
fn assert_live_syntax(check: &StreamCheck, text: &str) {
    let serde = parse_json(text).err();
    match check.syntax_error() {
        Some(e) => assert_eq!(Some(e), serde.as_ref(), "{text:?}"),
        None => {
            let open_number = text.ends_with(|c: char| c.is_ascii_digit());
            if let Some(e) = &serde {
                let at_end =
                    e.message.starts_with("EOF while") || (open_number && e.message == "number out of range");
                assert!(at_end, "{text:?}: serde_json says {e}, the stream {:?}", check.state());
            }
        }
    }
    if let StreamState::SyntaxError { error, .. } = check.state() {
        assert_eq!(Some(error), serde.as_ref(), "{text:?}");
    }
}

fn dead(state: &StreamState) -> (&str, ViolationCode, usize) {
    match state {
        StreamState::Dead { violation, offset } => {
            (violation.instance_path.as_str(), violation.code, *offset)
        }
        other => panic!("not dead: {other:?}"),
    }
}

fn person() -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 8},
            "age": {"type": "integer"},
            "status": {"enum": ["open", "closed"]},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2}
        },
        "required": ["name"],
        "additionalProperties": false
    })
}

#[test]
fn a_valid_output_stays_open_and_finishes_valid() {
    let text = r#"{"name": "Ada", "age": 36, "status": "open", "tags": ["a", "b"]}"#;
    assert!(run(&person(), text).is_open());
    let s = compiled(&person());
    let mut c = s.check();
    for state in feed_in(&mut c, text, 3) {
        assert!(state.is_open());
    }
    assert!(c.is_complete());
    assert_eq!(c.partial(), Some(serde_json::from_str(text).unwrap()));
    assert!(c.finish().unwrap().valid);
}

#[test]
fn an_unknown_property_is_dead_once_no_allowed_name_starts_so() {
    let s = compiled(&person());
    let mut c = s.check();
    assert!(c.feed(r#"{"name": "Ada", "na"#).is_open());
    let state = c.feed("x").clone();
    let StreamState::Dead { violation, offset } = &state else { panic!("{state:?}") };
    assert_eq!((violation.code, violation.instance_path.as_str()), (ViolationCode::UnexpectedProperty, ""));
    assert_eq!(
        (violation.schema_path.as_str(), violation.keyword.as_str()),
        ("/additionalProperties", "additionalProperties")
    );
    assert_eq!(*offset, r#"{"name": "Ada", "nax"#.len());
    // In one chunk, the key is checked when it ends: dead at its closing quote.
    let text = r#"{"name": "Ada", "nick": "A"}"#;
    assert_eq!(dead(&run(&person(), text)), ("", ViolationCode::UnexpectedProperty, 22));
}

#[test]
fn a_wrong_type_is_dead_when_the_value_starts() {
    let text = r#"{"name": "Ada", "age": "thirty"}"#;
    assert_eq!(dead(&run(&person(), text)), ("/age", ViolationCode::TypeMismatch, 24));
    assert_eq!(dead(&run(&person(), r#"{"name": ["#)), ("/name", ViolationCode::TypeMismatch, 10));
    assert_eq!(dead(&run(&person(), "[")), ("", ViolationCode::TypeMismatch, 1));
    // A fraction where an integer belongs: known once the number ends.
    assert_eq!(dead(&run(&person(), r#"{"name": "A", "age": 1.5}"#)).1, ViolationCode::TypeMismatch);
    assert!(run(&person(), r#"{"name": "A", "age": 1.0}"#).is_open());
    assert!(run(&json!({"type": "integer"}), "1.5e1").is_open());
}

#[test]
fn an_enum_value_no_completion_reaches_is_dead() {
    let s = compiled(&person());
    let mut c = s.check();
    assert!(c.feed(r#"{"name": "A", "status": "clo"#).is_open());
    assert_eq!(
        dead(c.feed("u")),
        ("/status", ViolationCode::NotInEnum, r#"{"name": "A", "status": "clou"#.len())
    );
    assert_eq!(dead(&run(&person(), r#"{"name": "A", "status": "opened"}"#)).1, ViolationCode::NotInEnum);
    assert_eq!(dead(&run(&person(), r#"{"name": "A", "status": "ope"}"#)).1, ViolationCode::NotInEnum);
    assert_eq!(dead(&run(&person(), r#"{"name": "A", "status": 1}"#)).1, ViolationCode::NotInEnum);
    let consts = json!({"properties": {"ok": {"const": true}, "n": {"enum": [null, "x"]}}});
    assert_eq!(dead(&run(&consts, r#"{"ok": false}"#)).1, ViolationCode::ConstMismatch);
    assert!(run(&consts, r#"{"ok": t"#).is_open());
    assert_eq!(dead(&run(&consts, r#"{"ok": f"#)), ("/ok", ViolationCode::ConstMismatch, 8));
    assert_eq!(dead(&run(&consts, r#"{"n": false}"#)), ("/n", ViolationCode::NotInEnum, 7));
    assert!(run(&consts, r#"{"n": null}"#).is_open());
}

#[test]
fn lengths_and_counts() {
    assert_eq!(dead(&run(&person(), r#"{"name": "Adalovelace"}"#)), ("/name", ViolationCode::TooLong, 22));
    let s = compiled(&person());
    let mut c = s.check();
    assert_eq!(dead(&feed_in(&mut c, r#"{"name": "Adalovela"#, 4).pop().unwrap()).1, ViolationCode::TooLong);
    // A comma promises another item (JSON has no trailing comma): dead at the comma.
    assert_eq!(
        dead(&run(&person(), r#"{"name": "A", "tags": ["a", "b", "c"]}"#)),
        ("/tags", ViolationCode::TooManyItems, 32)
    );
    let one = json!({"type": "array", "maxItems": 1});
    assert_eq!(dead(&run(&one, "[1,")), ("", ViolationCode::TooManyItems, 3));
    assert!(run(&one, "[1").is_open());
    assert_eq!(dead(&run(&json!({"maxItems": 0}), "[ 1")), ("", ViolationCode::TooManyItems, 3));
    assert_eq!(dead(&run(&person(), r#"{"age": 3}"#)), ("", ViolationCode::RequiredMissing, 10));
    // The message names the key that is missing, not the first required one.
    let two = json!({"properties": {"a": {}, "b": {}}, "required": ["a", "b"]});
    let StreamState::Dead { violation, .. } = run(&two, r#"{"a": 1}"#) else { panic!("not dead") };
    assert_eq!(violation.message, r#""b" is a required property"#);
    let schema = json!({"type": "array", "minItems": 2, "items": {"type": "string", "minLength": 2}});
    assert_eq!(dead(&run(&schema, r#"["ab"]"#)).1, ViolationCode::TooFewItems);
    assert_eq!(dead(&run(&schema, r#"["a"]"#)), ("/0", ViolationCode::TooShort, 4));
    // An unexpected item is named at the item, as the validator names it.
    assert_eq!(dead(&run(&json!({"items": false}), "[1]")), ("/0", ViolationCode::UnexpectedItem, 2));
    assert_eq!(
        dead(&run(&json!({"prefixItems": [{"type": "null"}], "items": false}), "[null, 1]")),
        ("/1", ViolationCode::UnexpectedItem, 8)
    );
    for schema in [
        json!({"prefixItems": [{"type": "null"}], "items": false}),
        json!({"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "null"}], "additionalItems": false}),
    ] {
        let StreamState::Dead { violation, .. } = run(&schema, "[null, 1]") else { panic!("not dead") };
        let want = compiled(&schema).validator().validate_text("[null, 1]").unwrap();
        let named = |v: &Violation| (v.code, v.instance_path.clone(), v.schema_path.clone());
        assert!(
            want.errors.iter().map(named).any(|e| e == named(&violation)),
            "{schema}: {violation:?} / {want:?}"
        );
    }
    assert_eq!(dead(&run(&json!({"properties": {"a": false}}), r#"{"a": 1}"#)).1, ViolationCode::FalseSchema);
}

#[test]
fn any_of_keeps_a_set_of_live_branches() {
    let schema = json!({"anyOf": [
        {"type": "object", "properties": {"kind": {"const": "a"}, "x": {"type": "string"}}, "additionalProperties": false},
        {"type": "object", "properties": {"kind": {"const": "b"}, "y": {"type": "integer"}}, "additionalProperties": false}
    ]});
    assert!(run(&schema, r#"{"kind": "b", "y": 1}"#).is_open());
    assert!(run(&schema, r#"{"kind": "a", "x": "s"}"#).is_open());
    // "kind" rules out b, then "y" rules out a.
    assert_eq!(dead(&run(&schema, r#"{"kind": "a", "y": 1}"#)).2, 17);
    let nullable = json!({"properties": {"v": {"anyOf": [{"type": "string"}, {"type": "null"}]}}});
    assert!(run(&nullable, r#"{"v": null}"#).is_open());
    assert_eq!(dead(&run(&nullable, r#"{"v": 1}"#)).0, "/v");
    // An optional object (`anyOf` of `null` and an object): once an object comes, its
    // keys and `required` are checked as the object branch's alone.
    let owner = json!({"type": "object", "properties": {"login": {"type": "string"}}, "required": ["login"], "additionalProperties": false});
    let optional = json!({"properties": {"owner": {"anyOf": [{"type": "null"}, owner]}}});
    assert!(run(&optional, r#"{"owner": null}"#).is_open());
    assert!(run(&optional, r#"{"owner": {"login": "octocat"}}"#).is_open());
    // When every branch died, the value is refused at the union, as the validator refuses it
    // (not at the leaf of whichever branch died last).
    let state = run(&optional, r#"{"owner": {"name": "x"}}"#);
    assert_eq!(dead(&state), ("/owner", ViolationCode::NoBranchMatches, 17));
    let state = run(&optional, r#"{"owner": {}}"#);
    assert_eq!(dead(&state), ("/owner", ViolationCode::NoBranchMatches, 12));
    let StreamState::Dead { violation, .. } = state else { unreachable!() };
    assert_eq!(
        (violation.schema_path.as_str(), violation.keyword.as_str()),
        ("/properties/owner/anyOf", "anyOf")
    );
    assert_eq!(dead(&run(&optional, r#"{"owner": {"login": 1}}"#)).0, "/owner");
    let want = compiled(&optional).validator().validate_text(r#"{"owner": {"login": 1}}"#).unwrap();
    assert_eq!(
        (want.errors[0].code, want.errors[0].instance_path.as_str()),
        (ViolationCode::NoBranchMatches, "/owner")
    );
    // The outermost union: a union inside a branch of another dies with it.
    let nested = json!({"anyOf": [{"type": "null"}, {"properties": {"v": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}]});
    let state = run(&nested, r#"{"v": 1}"#);
    assert_eq!(dead(&state), ("", ViolationCode::NoBranchMatches, 7));
    // A branch reached through `$ref`, and `oneOf`, the same.
    let refd = json!({"$defs": {"u": {"oneOf": [{"type": "string"}, {"type": "null"}]}}, "properties": {"u": {"$ref": "#/$defs/u"}}});
    let StreamState::Dead { violation, .. } = run(&refd, r#"{"u": 1}"#) else { panic!("not dead") };
    assert_eq!(
        (
            violation.code,
            violation.instance_path.as_str(),
            violation.schema_path.as_str(),
            violation.keyword.as_str()
        ),
        (ViolationCode::NoBranchMatches, "/u", "/$defs/u/oneOf", "oneOf")
    );
    // oneOf dies like anyOf; matching twice is for the end.
    let one = json!({"oneOf": [{"type": "integer"}, {"type": "number"}]});
    let state = run(&one, "1");
    assert!(state.is_open());
    assert!(!compiled(&one).validator().validate_text("1").unwrap().valid);
    let all = json!({"allOf": [{"type": "object"}, {"properties": {"a": {"type": "string"}}}]});
    assert_eq!(dead(&run(&all, r#"{"a": 1}"#)).0, "/a");
}

#[test]
fn a_check_after_another_starts_clean() {
    // A finished check leaves its stacks to the next check of the same schema: dead,
    // broken, deep and valid outputs in turn give what a check of a fresh schema gives.
    let schema = json!({"anyOf": [
        person(),
        {"type": "array", "items": {"type": "array", "items": {"enum": ["x", "y"]}}, "minItems": 1}
    ]});
    let texts = [
        r#"{"name": "Ada", "nick": 1}"#,
        r#"[["x"], ["y", "z"]]"#,
        r#"{"name": "Ada", "#,
        r#"[[["#,
        r#"{"name": 12}"#,
        "[]",
        r#"[["x", "y"], []]"#,
        r#"{"name": "Ada", "age": 36, "status": "open", "tags": ["a", "b"]}"#,
        r#"{"name": "Ada" "age": 1}"#,
        r#"[["x"]]"#,
    ];
    let shared = compiled(&schema);
    for size in [1, 4, 64] {
        for text in texts {
            let fresh = compiled(&schema);
            let (mut a, mut b) = (shared.check(), fresh.check());
            assert_eq!(feed_in(&mut a, text, size), feed_in(&mut b, text, size), "{text} in {size}s");
            assert_eq!(a.finish(), b.finish(), "{text} in {size}s");
        }
    }
}

#[test]
fn local_refs_and_recursion() {
    let tree = json!({
        "$defs": {"node": {"type": "object", "properties": {
            "v": {"type": "integer"},
            "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}
        }, "additionalProperties": false}},
        "$ref": "#/$defs/node"
    });
    let text = r#"{"v": 1, "children": [{"v": 2}, {"v": 3, "children": [{"v": "x"}]}]}"#;
    let state = run(&tree, text);
    let (path, code, _) = dead(&state);
    assert_eq!((path, code), ("/children/1/children/0/v", ViolationCode::TypeMismatch));
    let StreamState::Dead { violation, .. } = state else { unreachable!() };
    assert_eq!(violation.schema_path, "/$defs/node/properties/v/type");
    assert!(run(&tree, r#"{"v": 1, "children": [{"children": []}]}"#).is_open());
    let root =
        json!({"type": "object", "properties": {"next": {"$ref": "#"}}, "additionalProperties": false});
    assert_eq!(dead(&run(&root, r#"{"next": {"next": {"x": 1}}}"#)).0, "/next/next");
}

#[test]
fn what_is_not_understood_is_not_checked_early() {
    // Before 2019-09 a `$ref` hides its siblings: `type` here is no constraint.
    let draft7 = json!({"$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"s": {"type": "string"}},
        "properties": {"a": {"$ref": "#/definitions/s", "type": "integer"}}});
    assert!(run(&draft7, r#"{"a": "x"}"#).is_open());
    assert!(compiled(&draft7).validator().validate_text(r#"{"a": "x"}"#).unwrap().valid);
    // Tuples before 2020-12.
    let tuple = json!({"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "string"}], "additionalItems": false});
    assert!(run(&tuple, r#"["a"]"#).is_open());
    assert_eq!(dead(&run(&tuple, r#"["a", 1]"#)).1, ViolationCode::UnexpectedItem);
    // patternProperties may match what additionalProperties would refuse.
    let patterns =
        json!({"properties": {"a": {}}, "patternProperties": {"^x": {}}, "additionalProperties": false});
    assert!(run(&patterns, r#"{"xy": 1}"#).is_open());
    // An anchor or an embedded $id: not followed.
    let anchored =
        json!({"$defs": {"s": {"$anchor": "s", "type": "string"}}, "properties": {"a": {"$ref": "#s"}}});
    assert!(run(&anchored, r#"{"a": 1}"#).is_open());
    // Repeated keys: the last one counts, and `finish` says so.
    let s = compiled(&json!({"properties": {"a": {"type": "string"}}}));
    let mut c = s.check();
    c.feed(r#"{"a": 1, "a": "x"}"#);
    assert!(c.finish().unwrap().valid);
}

#[test]
fn many_alternatives_stay_bounded() {
    // 8^4 alternatives if multiplied out: the check keeps what fits and stays sound.
    let group = |k: &str| {
        let branches: Vec<Value> = (0..8).map(|i| json!({"properties": {k: {"const": i}}})).collect();
        json!({"anyOf": branches})
    };
    let schema = json!({"type": "object", "allOf": [group("a"), group("b"), group("c"), group("d")],
                        "properties": {"n": {"$ref": "#"}}});
    let text = r#"{"a": 1, "b": 2, "c": 3, "d": 4, "n": {"a": 7, "b": 0, "c": 1, "d": 2, "n": {"a": 3}}}"#;
    assert!(run(&schema, text).is_open());
    assert!(
        !run(&schema, r#"{"a": 9}"#).is_open()
            || !compiled(&schema).validator().validate_text(r#"{"a": 9}"#).unwrap().valid
    );
    let state = run(&json!({"properties": {"a": false}}), r#"{"a": 1}"#);
    let StreamState::Dead { violation, .. } = state else { panic!("{state:?}") };
    assert_eq!((violation.instance_path.as_str(), violation.schema_path.as_str()), ("/a", "/properties/a"));
}

#[test]
fn the_false_schema_is_dead_before_anything() {
    let s = compiled(&json!(false));
    let c = s.check();
    assert_eq!(dead(c.state()), ("", ViolationCode::FalseSchema, 0));
    assert!(run(&json!(true), "[1, {\"a\": null}]").is_open());
}

#[test]
fn escapes_split_anywhere_decode_like_serde() {
    let s = compiled(&json!({"type": "string"}));
    let mut c = s.check();
    for chunk in ["\"a\\", "u00", "e9\\ud83d", "\\", "ude00 \\n\\\"", "\""] {
        assert!(c.feed(chunk).is_open());
    }
    assert_eq!(c.partial(), Some(json!("aé😀 \n\"")));
    assert!(c.finish().unwrap().valid);
}

#[test]
fn syntax_errors_are_serde_jsons() {
    let schema = json!({});
    let texts = [
        "",
        " ",
        "{",
        "[",
        "[1,",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{1: 2}",
        "{\"a\":}",
        "[1 2]",
        "nul",
        "nulx",
        "tru e",
        "01",
        "-",
        "-a",
        "1.",
        "1.e",
        "1e",
        "1e+",
        "1ex",
        "\"abc",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\u12",
        "\"\\ud800\"",
        "\"\\ud800\\n\"",
        "\"\\ud800\\ud800\"",
        "\"\\udc00\"",
        "\"a\nb\"",
        "\"\t\"",
        "[1] 2",
        "{}\n\n x",
        "1e400",
        "[1e400]",
        "-1e999,",
        "[-]",
        "{\"a\":1}}",
        "\u{feff}{}",
        "[\"\\u00e9\n",
        "\"\\u\n123\"",
        "[1,\n2,\n3,\n]",
        "{\"a\":\n tx}",
    ];
    for text in texts {
        let s = compiled(&schema);
        let mut c = s.check();
        c.feed(text);
        assert_live_syntax(&c, text);
        assert_eq!(c.finish().err(), parse_json(text).err(), "{text:?}");
        let mut c = s.check();
        feed_in(&mut c, text, 1);
        assert_live_syntax(&c, text);
    }
}

#[test]
fn nesting_is_refused_at_serde_jsons_limit() {
    for n in [127, 128, 300] {
        let text = "[".repeat(n) + &"]".repeat(n);
        let s = compiled(&json!({}));
        let mut c = s.check();
        c.feed(&text);
        assert_live_syntax(&c, &text);
        assert_eq!(c.finish().err(), parse_json(&text).err(), "{n}");
    }
}

#[test]
fn the_partial_value_closes_at_the_last_complete_value() {
    let s = compiled(&json!({}));
    let mut c = s.check();
    assert_eq!(c.partial(), None);
    let steps = [
        ("{\"a\": [1, ", json!({"a": [1]})),
        ("22", json!({"a": [1]})),
        (", {\"b\": \"hel", json!({"a": [1, 22, {}]})),
        ("lo\"", json!({"a": [1, 22, {"b": "hello"}]})),
        ("}], \"c", json!({"a": [1, 22, {"b": "hello"}]})),
        ("\": tr", json!({"a": [1, 22, {"b": "hello"}]})),
        ("ue}", json!({"a": [1, 22, {"b": "hello"}], "c": true})),
    ];
    for (chunk, want) in steps {
        c.feed(chunk);
        assert_eq!(c.partial(), Some(want), "after {chunk:?}");
    }
    let mut c = s.check();
    c.feed("12");
    assert_eq!(c.partial(), None);
    c.feed(" ");
    assert_eq!(c.partial(), Some(json!(12)));
}

#[test]
fn states_serialize_with_codes() {
    let s = compiled(&person());
    let mut c = s.check();
    let state = c.feed("[").clone();
    let json = serde_json::to_value(&state).unwrap();
    assert_eq!(json["state"], "dead");
    assert_eq!(json["violation"]["code"], "type_mismatch");
    let mut c = s.check();
    let json = serde_json::to_value(c.feed("{]")).unwrap();
    assert_eq!(
        (json["state"].as_str(), json["parse_error"]["code"].as_str()),
        (Some("syntax_error"), Some("syntax_error"))
    );
    assert_eq!(serde_json::to_value(StreamState::Open).unwrap(), json!({"state": "open"}));
}

// ---- properties -----------------------------------------------------------------------

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        prop_oneof![Just(0.5), Just(1.0), Just(-0.0), Just(1e300)].prop_map(Value::from),
        "[a-c\"\\\\\n é😀\u{1}]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-d]{1,2}", inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A schema `v` satisfies, built with the choices in `rng` (some loose, some tight).
fn schema_for(
    v: &Value,
    rng: &mut crate::Rng,
    defs: &mut serde_json::Map<String, Value>,
    depth: usize,
) -> Value {
    let pick = |rng: &mut crate::Rng, n: u64| rng.next_u64() % n;
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
            if pick(rng, 2) == 0 {
                "integer"
            } else {
                "number"
            }
        }
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let mut s = serde_json::Map::new();
    match pick(rng, 4) {
        0 => {}
        1 if kind != "null" => {
            s.insert("type".into(), json!([kind, "null"]));
        }
        _ => {
            s.insert("type".into(), json!(kind));
        }
    }
    match v {
        Value::String(text) => {
            let n = text.chars().count() as u64;
            if pick(rng, 2) == 0 {
                s.insert("enum".into(), json!([text, format!("{text}x"), "zz", 1]));
            }
            if pick(rng, 2) == 0 {
                s.insert("maxLength".into(), json!(n + pick(rng, 2)));
                s.insert("minLength".into(), json!(n.saturating_sub(pick(rng, 2))));
            }
        }
        Value::Bool(_) | Value::Null if pick(rng, 2) == 0 => {
            s.insert("const".into(), v.clone());
        }
        Value::Array(items) => {
            if let Some(first) = items.first() {
                if items.iter().all(|i| i == first) || pick(rng, 3) == 0 {
                    let item = if items.iter().all(|i| i == first) {
                        schema_for(first, rng, defs, depth + 1)
                    } else {
                        json!({})
                    };
                    s.insert("items".into(), item);
                } else {
                    let prefix: Vec<Value> =
                        items.iter().map(|i| schema_for(i, rng, defs, depth + 1)).collect();
                    s.insert("prefixItems".into(), Value::Array(prefix));
                    s.insert("items".into(), json!(false));
                }
            }
            s.insert("maxItems".into(), json!(items.len() as u64 + pick(rng, 2)));
            s.insert("minItems".into(), json!((items.len() as u64).saturating_sub(pick(rng, 2))));
        }
        Value::Object(map) => {
            let props: serde_json::Map<String, Value> =
                map.iter().map(|(k, x)| (k.clone(), schema_for(x, rng, defs, depth + 1))).collect();
            let required: Vec<&String> = map.keys().filter(|_| pick(rng, 2) == 0).collect();
            s.insert("properties".into(), Value::Object(props));
            s.insert("required".into(), json!(required));
            let additional = if pick(rng, 3) == 0 { json!({"type": "integer"}) } else { json!(false) };
            s.insert("additionalProperties".into(), additional);
        }
        _ => {}
    }
    let mut schema = Value::Object(s);
    match pick(rng, 7) {
        0 => schema = json!({"anyOf": [{"type": "string", "enum": ["q"]}, schema]}),
        // A branch for a neighbour of the value: it dies somewhere inside, the other lives.
        3 if depth < 3 => {
            let other = schema_for(&mutate(v, rng), rng, defs, depth + 1);
            schema = if pick(rng, 2) == 0 {
                json!({"anyOf": [other, schema]})
            } else {
                json!({"anyOf": [schema, other]})
            };
        }
        1 => schema = json!({"allOf": [schema, {}]}),
        2 if depth < 6 => {
            let name = format!("d{}", defs.len());
            defs.insert(name.clone(), schema);
            schema = json!({"$ref": format!("#/$defs/{name}")});
        }
        _ => {}
    }
    schema
}

/// `v` with one part changed: a leaf replaced, a key added or removed, an item added.
fn mutate(v: &Value, rng: &mut crate::Rng) -> Value {
    let mut out = v.clone();
    change(&mut out, rng);
    out
}

fn change(node: &mut Value, rng: &mut crate::Rng) {
    let go_deeper = rng.next_u64() % 3 != 0;
    match node {
        Value::Array(items) if go_deeper && !items.is_empty() => {
            let i = (rng.next_u64() % items.len() as u64) as usize;
            change(&mut items[i], rng);
        }
        Value::Object(map) if go_deeper && !map.is_empty() => {
            let i = (rng.next_u64() % map.len() as u64) as usize;
            let key = map.keys().nth(i).cloned().unwrap();
            change(map.get_mut(&key).unwrap(), rng);
        }
        Value::Array(items) => items.push(json!("extra")),
        Value::Object(map) => {
            if rng.next_u64() % 2 == 0 && !map.is_empty() {
                let key = map.keys().next().cloned().unwrap();
                map.remove(&key);
            } else {
                map.insert("zz".into(), json!(1.5));
            }
        }
        _ => {
            let options = [json!(null), json!(true), json!(7), json!(2.5), json!("w"), json!([]), json!({})];
            *node = options[(rng.next_u64() % 7) as usize].clone();
        }
    }
}

/// Feeds `text` split at the given fractions; the first dead offset, if any.
fn first_dead(check: &mut StreamCheck, text: &str, cuts: &[usize]) -> Option<usize> {
    let mut bounds: Vec<usize> =
        cuts.iter().map(|c| c % (text.len() + 1)).filter(|&c| text.is_char_boundary(c)).collect();
    bounds.push(text.len());
    bounds.sort_unstable();
    let mut at = 0;
    let mut died = None;
    for b in bounds {
        if let StreamState::Dead { offset, .. } = check.feed(&text[at..b]) {
            died.get_or_insert(*offset);
        }
        at = b;
    }
    died
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_valid_instance_is_never_dead(v in json_value(), seed in any::<u64>(), cuts in prop::collection::vec(any::<usize>(), 0..8), pretty in any::<bool>()) {
        let mut rng = crate::Rng::new(seed);
        let mut defs = serde_json::Map::new();
        let mut schema = schema_for(&v, &mut rng, &mut defs, 0);
        if let Value::Object(map) = &mut schema {
            map.insert("$defs".into(), Value::Object(defs));
        } else {
            schema = json!({"allOf": [schema], "$defs": defs});
        }
        let s = compiled(&schema);
        let text = if pretty { serde_json::to_string_pretty(&v).unwrap() } else { v.to_string() };
        let want = s.validator().validate_text(&text).unwrap();
        prop_assert!(want.valid, "schema {schema} refuses {text}: {:?}", want.errors);
        let mut c = s.check();
        let died = first_dead(&mut c, &text, &cuts);
        prop_assert!(died.is_none(), "{schema} / {text}: dead at {died:?} {:?}", c.state());
        // A top-level number ends with the text.
        prop_assert!(c.is_complete() || v.is_number());
        prop_assert_eq!(c.finish().unwrap(), want);
    }

    #[test]
    fn dead_means_invalid(v in json_value(), seed in any::<u64>(), cuts in prop::collection::vec(any::<usize>(), 0..8)) {
        let mut rng = crate::Rng::new(seed);
        let mut defs = serde_json::Map::new();
        let schema = schema_for(&v, &mut rng, &mut defs, 0);
        let schema = json!({"allOf": [schema], "$defs": defs});
        let bad = mutate(&v, &mut rng);
        let s = compiled(&schema);
        let text = bad.to_string();
        let want = s.validator().validate_text(&text).unwrap();
        let mut c = s.check();
        let died = first_dead(&mut c, &text, &cuts);
        if died.is_some() {
            prop_assert!(!want.valid, "{schema} / {text}: dead but valid");
        }
        // What refused it early is what the validator names (its schema path aside: the
        // stream names a `$ref`'s target, the validator the path through the `$ref`).
        if let StreamState::Dead { violation, .. } = c.state() {
            let named = |e: &Violation| (e.code, e.instance_path.clone());
            prop_assert!(want.errors.iter().any(|e| named(e) == named(violation)), "{schema} / {text}: {violation:?} / {:?}", want.errors);
        }
        prop_assert_eq!(c.finish().unwrap(), want);
    }

    #[test]
    fn finish_is_validate_text_on_any_text(text in "[\\[\\]{}\":,0-9a-z.eE+\\- \n\\\\u]{0,30}", cuts in prop::collection::vec(any::<usize>(), 0..6)) {
        let schema = json!({"type": "array", "items": {"type": "integer"}, "maxItems": 3});
        let s = compiled(&schema);
        let want = s.validator().validate_text(&text);
        let mut c = s.check();
        first_dead(&mut c, &text, &cuts);
        let state = c.state().clone();
        assert_live_syntax(&c, &text);
        if let (StreamState::Dead { .. }, Ok(v)) = (&state, &want) {
            prop_assert!(!v.valid);
        }
        prop_assert_eq!(c.finish(), want);
    }

    #[test]
    fn broken_json_fails_like_serde(v in json_value(), at in any::<prop::sample::Index>(), junk in "[\\[\\]{}\":,0-9a-z\\\\ \n\u{e9}]{0,3}", cuts in prop::collection::vec(any::<usize>(), 0..6)) {
        let text = serde_json::to_string_pretty(&v).unwrap();
        let i = at.index(text.len() + 1);
        let i = (0..=i).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        let broken = format!("{}{junk}{}", &text[..i], &text[i..]);
        for variant in [broken.clone(), text[..i].to_owned()] {
            let s = compiled(&json!({}));
            let mut c = s.check();
            first_dead(&mut c, &variant, &cuts);
            assert_live_syntax(&c, &variant);
            prop_assert_eq!(c.finish().err(), parse_json(&variant).err(), "{:?}", variant);
        }
    }

    #[test]
    fn the_partial_value_is_always_a_part_of_the_final_one(v in json_value(), cuts in prop::collection::vec(any::<usize>(), 1..6)) {
        let text = v.to_string();
        let s = compiled(&json!({}));
        let mut c = s.check();
        let mut bounds: Vec<usize> = cuts.iter().map(|x| x % (text.len() + 1)).filter(|&x| text.is_char_boundary(x)).collect();
        bounds.sort_unstable();
        let mut at = 0;
        for b in bounds {
            c.feed(&text[at..b]);
            at = b;
            if let Some(p) = c.partial() {
                let repaired = crate::schema::tolerant::repair(&text[..b]).map(|r| r.value).ok();
                prop_assert!(repaired.is_none() || repaired == Some(p.clone()) || serde_json::from_str::<Value>(&text[..b]).is_ok(),
                    "{}: partial {p} repair {repaired:?}", &text[..b]);
            }
        }
    }
}

/// Measures the streaming check against a whole-text validation (`cargo test --release
/// -p breakwater --lib stream::tests::cost -- --ignored --nocapture`).
#[test]
#[ignore = "a measurement, not a test"]
fn cost() {
    use std::time::Instant;
    let schema = json!({
        "type": "object",
        "properties": {"items": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string", "maxLength": 100},
                "status": {"enum": ["open", "closed", "pending"]},
                "score": {"type": "number"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "owner": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {"login": {"type": "string"}}, "required": ["login"], "additionalProperties": false}]}
            },
            "required": ["id", "name", "status", "score", "tags", "owner"],
            "additionalProperties": false
        }}},
        "required": ["items"],
        "additionalProperties": false
    });
    let statuses = ["open", "closed", "pending"];
    let items: Vec<Value> = (0..20_000)
        .map(|i| json!({"id": i, "name": format!("item number {i} with a longer name"), "status": statuses[i % 3],
            "score": i as f64 * 0.37, "tags": ["alpha", "beta\n", "gamma"], "owner": if i % 2 == 0 { json!(null) } else { json!({"login": "octocat"}) }}))
        .collect();
    let text = json!({"items": items}).to_string();
    let s = compiled(&schema);
    let free = compiled(&json!({}));
    // The text is ASCII: any byte boundary is a character boundary.
    let pieces = |chunk: usize| -> Vec<&str> {
        text.as_bytes().chunks(chunk).map(|p| std::str::from_utf8(p).unwrap()).collect()
    };
    let stream = |s: &Arc<StreamSchema>, pieces: &[&str]| {
        let mut c = s.check();
        for piece in pieces {
            c.feed(piece);
        }
        assert!(c.finish().unwrap().valid);
    };
    // One variant under a instruction counter (the machine's clock is shared):
    // `STREAM_COST=stream:4 valgrind --tool=callgrind <test binary> stream::tests::cost --ignored`.
    if let Ok(variant) = std::env::var("STREAM_COST") {
        let (what, chunk) = variant.split_once(':').unwrap_or((variant.as_str(), "0"));
        let chunk = chunk.parse().unwrap_or(usize::MAX).max(1);
        match what {
            "validate" => assert!(s.validator().validate_text(&text).unwrap().valid),
            "parse" => drop(parse_json(&text).unwrap()),
            "value" => assert!(s.validator().validate(&parse_json(&text).unwrap()).valid),
            "stream" => stream(&s, &pieces(chunk)),
            "free" => stream(&free, &pieces(chunk)),
            "split" => drop(pieces(chunk)),
            _ => {}
        }
        return;
    }
    // Else the fastest of several rounds of each.
    let best = |f: &mut dyn FnMut()| {
        (0..15)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min)
    };
    // The whole-text validation the stream is held to: parse into a `Value`, validate it.
    let base = best(&mut || assert!(s.validator().validate(&parse_json(&text).unwrap()).valid));
    let tape = best(&mut || assert!(s.validator().validate_text(&text).unwrap().valid));
    println!(
        "{} MB: parse_json + validate {:.2} ms (validate_text {:.2} ms)",
        text.len() / 1_000_000,
        base * 1e3,
        tape * 1e3
    );
    for chunk in [usize::MAX, 4096, 16, 4] {
        let pieces = pieces(chunk);
        for (what, s) in [("early checks", &s), ("no early checks", &free)] {
            let took = best(&mut || stream(s, &pieces));
            println!(
                "chunk {chunk}, {what}: stream {:.2} ms, {:.2}x parse_json + validate, {:.2}x validate_text",
                took * 1e3,
                took / base,
                took / tape
            );
        }
    }
}

#[test]
fn a_string_refused_before_a_syntax_error_in_it_is_dead_however_it_is_chunked() {
    // The escaped quote makes `q"`, which no value of the enum starts with (dead at 9); the
    // raw newline after it is a syntax error (10). Fed whole, the newline was met before the
    // string's check ran, and the state was `syntax_error`.
    let schema = json!({"type": "object", "properties": {"x": {"enum": ["p", "q"]}}});
    let text = "{\"x\":\"q\\\"\n}";
    let s = compiled(&schema);
    for size in [1, 2, 3, 5, 100] {
        let mut check = s.check();
        let last = feed_in(&mut check, text, size).pop().unwrap();
        assert_eq!(dead(&last), ("/x", ViolationCode::NotInEnum, 9), "chunks of {size}");
    }
    // The same before a bad escape: `r` is refused where the escape starts (7), or at the end
    // of the chunk that holds the backslash.
    let text = "{\"x\":\"r\\x\"}";
    for size in [1, 2, 3, 100] {
        let mut check = s.check();
        let last = feed_in(&mut check, text, size).pop().unwrap();
        let (path, code, offset) = dead(&last);
        assert_eq!((path, code), ("/x", ViolationCode::NotInEnum), "chunks of {size}");
        assert!((7..=8).contains(&offset), "chunks of {size}: {offset}");
    }
}
