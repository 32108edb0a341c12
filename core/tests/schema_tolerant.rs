//! The tolerant reader and the streaming check through the public API, with the property
//! of the fuzz target (`fuzz/fuzz_targets/tolerant.rs`) run on a fixed corpus of model
//! output as it comes: fenced, chatty, truncated, broken.

use std::sync::Arc;

use breakwater::schema::parse_json;
use breakwater::schema::stream::{StreamSchema, StreamState};
use breakwater::schema::tolerant::{repair, ReadAction, ReadReason, TolerantConfig, TolerantReader};
use breakwater::schema::validate::ValidatorOptions;
use serde_json::{json, Value};

/// What the fuzz target checks for one input.
fn property(schema: &Arc<StreamSchema>, text: &str, split: usize) {
    let out = repair(text);
    if let Ok(r) = &out {
        let again = serde_json::to_string(&r.value).expect("serializes");
        assert!(parse_json(&again).is_ok(), "{text:?} -> {again}");
        assert!(r.repairs.windows(2).all(|w| w[0].offset <= w[1].offset));
        assert!(r.repairs.iter().all(|x| x.offset <= text.len() && x.line >= 1 && x.column >= 1));
    }
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        let r = out.expect("valid JSON is read");
        assert_eq!(r.value, v);
        assert!(r.repairs.is_empty());
    }
    let want = schema.validator().validate_text(text);
    let mut at = split % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let mut check = schema.check();
    check.feed(&text[..at]);
    let state = check.feed(&text[at..]).clone();
    let _ = check.partial();
    // The live verdicts agree with the validator's: a syntax error found on the way is
    // serde_json's (one it cannot find yet is at the end: `EOF while ...`, or a number
    // running to the end), and `dead` means invalid.
    let serde = parse_json(text).err();
    match check.syntax_error() {
        Some(e) => assert_eq!(Some(e), serde.as_ref(), "{text:?}"),
        None => {
            if let Some(e) = &serde {
                let open_number = text.ends_with(|c: char| c.is_ascii_digit());
                assert!(
                    e.message.starts_with("EOF while") || (open_number && e.message == "number out of range"),
                    "{text:?}: {e}"
                );
            }
        }
    }
    match (&state, &want) {
        (StreamState::SyntaxError { error, .. }, _) => assert_eq!(Err(error.clone()), want),
        (StreamState::Dead { .. }, Ok(v)) => assert!(!v.valid, "dead but valid: {text:?}"),
        _ => {}
    }
    assert_eq!(check.finish(), want, "{text:?}");
}

const CORPUS: &[&str] = &[
    r#"{"a": "x"}"#,
    r#"{"a": "yz", "b": [1, 2]}"#,
    r#"{"a": "y"}"#,
    r#"{"a": "x", "b": [1, 2, 3]}"#,
    r#"{"a": "x", "c": 1}"#,
    "[1, 2, 3]",
    "[1, 2.5]",
    "\"abc\"",
    "\"abcd\"",
    "```json\n{\"a\": \"x\",}\n```",
    "Sure! Here you go: {'a': 'x'} Let me know.",
    "{\"a\": \"x\", \"b\": [1, 2",
    "{a: True, b: [None]}",
    "{\"a\": \"\\ud83d\\ude00\"}",
    "{\"a\": \"\\ud83d\"}",
    "[1,]",
    "",
    "   ",
    "nul",
    "[[[[[[[[",
    "{\"a\": \"x\"} trailing",
    "{\"a\"\n:\n\"x\"\n,\n}",
    "é",
    "{\"é\": \"😀\"}",
];

#[test]
fn the_fuzz_property_holds_on_the_corpus() {
    let schema = json!({"anyOf": [
        {"type": "object", "properties": {"a": {"enum": ["x", "yz"]}, "b": {"type": "array", "maxItems": 2}},
         "required": ["a"], "additionalProperties": false},
        {"type": "array", "items": {"type": "integer"}},
        {"type": "string", "maxLength": 3}
    ]});
    let schema = Arc::new(StreamSchema::new(&schema, &ValidatorOptions::default()).unwrap());
    for text in CORPUS {
        for split in 0..=text.len() {
            property(&schema, text, split);
        }
    }
}

#[test]
fn a_chain_of_reasks_ends_in_quarantine() {
    let schema = json!({"type": "object", "properties": {"answer": {"type": "integer"}},
                        "required": ["answer"], "additionalProperties": false});
    let mut reader =
        TolerantReader::new(&schema, &ValidatorOptions::default(), TolerantConfig::default()).unwrap();
    let body =
        |content: &str| json!({"choices": [{"message": {"content": content}, "finish_reason": "stop"}]});
    let first = reader.read_body("req-1", &body(r#"{"answer": "forty-two"}"#)).unwrap();
    assert_eq!((first.action, first.reason), (ReadAction::Reask, ReadReason::Invalid));
    assert!(first.summary.as_deref().unwrap_or_default().contains("/answer"));
    let second = reader.read_body("req-1", &body("I think it is 42.")).unwrap();
    assert_eq!((second.action, second.reason), (ReadAction::Reask, ReadReason::NotJson));
    let third = reader.read_body("req-1", &body(r#"{"answer": null}"#)).unwrap();
    assert_eq!((third.action, third.reasks), (ReadAction::Quarantine, 2));
    let next = reader.read_body("req-2", &body("```json\n{\"answer\": 42}\n```")).unwrap();
    assert_eq!((next.action, next.value), (ReadAction::AcceptRepaired, Some(json!({"answer": 42}))));
}
