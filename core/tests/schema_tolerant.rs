//! The tolerant reader and the streaming check through the public API, with the property
//! of the fuzz target (`fuzz/fuzz_targets/tolerant.rs`) run on a fixed corpus of model
//! output as it comes: fenced, chatty, truncated, broken.

use std::sync::Arc;

use breakwater::schema::stream::StreamSchema;
use breakwater::schema::tolerant::{ReadAction, ReadReason, TolerantConfig, TolerantReader};
use breakwater::schema::validate::ValidatorOptions;
use serde_json::json;

// `property`: what the fuzz target checks for one input (the same file is its body).
include!("support/tolerant_property.rs");

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
