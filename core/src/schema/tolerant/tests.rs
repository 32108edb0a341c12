use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;

fn codes(r: &Repaired) -> Vec<&'static str> {
    r.repairs.iter().map(|r| r.code.as_str()).collect()
}

fn fixed(text: &str) -> Repaired {
    repair(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

// ---- repair -------------------------------------------------------------------------

#[test]
fn valid_json_costs_one_parse_and_no_repairs() {
    for text in [r#"{"a": [1, 2.5, "x", null, true]}"#, "[]", "\"s\"", "12", " {} "] {
        let r = fixed(text);
        assert_eq!(r.value, serde_json::from_str::<Value>(text).unwrap());
        assert!(r.repairs.is_empty() && !r.is_repaired(), "{text}");
    }
}

#[test]
fn code_fences_are_removed_with_the_prose_around_them() {
    let r = fixed("```json\n{\"a\": 1}\n```");
    assert_eq!((r.value.clone(), codes(&r)), (json!({"a": 1}), vec!["code_fence_removed"]));
    assert_eq!((r.repairs[0].offset, r.repairs[0].line, r.repairs[0].column), (0, 1, 1));

    let text = "Here it is:\n```json\n{\"a\": 1}\n```\nAnything else?";
    let r = fixed(text);
    assert_eq!(r.value, json!({"a": 1}));
    assert_eq!(codes(&r), ["prose_removed", "code_fence_removed", "prose_removed"]);
    let fence = &r.repairs[1];
    assert_eq!((fence.offset, fence.line, fence.column), (12, 2, 1));
    assert_eq!(r.repairs[2].line, 4);

    // An unclosed fence (the output was cut) runs to the end; a bare fence has no tag.
    assert_eq!(fixed("```\n[1, 2]\n").value, json!([1, 2]));
    assert_eq!(fixed("  ```json {\"a\": 1}```").value, json!({"a": 1}));
}

#[test]
fn a_fence_inside_a_string_of_the_value_is_not_a_fence() {
    let r = fixed("{\"code\": \"```js\\nx = {a: 1}\\n```\",}");
    assert_eq!(r.value, json!({"code": "```js\nx = {a: 1}\n```"}));
    assert_eq!(codes(&r), ["trailing_comma_removed"]);
}

#[test]
fn prose_before_and_after_is_removed() {
    let text = "Sure! Here is the JSON: {\"a\": 1} Hope this helps.";
    let r = fixed(text);
    assert_eq!(r.value, json!({"a": 1}));
    assert_eq!(codes(&r), ["prose_removed", "prose_removed"]);
    assert_eq!(r.repairs[0].offset, 0);
    assert_eq!(r.repairs[1].offset, text.find(" Hope").unwrap() + 1);
    // A bracket in the prose that holds no JSON is passed over.
    assert_eq!(fixed("[the result] {\"a\": 1}").value, json!({"a": 1}));
    assert_eq!(fixed("Use {braces} like {\"a\": 1}").value, json!({"a": 1}));
}

#[test]
fn an_object_nested_in_a_broken_one_is_not_taken_for_the_value() {
    let e = repair(r#"{"a": hello, "b": {"c": 1}}"#).unwrap_err();
    assert_eq!((e.code, e.line, e.column), (ErrorCode::Syntax, Some(1), Some(7)));
}

#[test]
fn trailing_commas_are_removed() {
    let r = fixed(r#"{"a": [1, 2,], "b": 3,}"#);
    assert_eq!(r.value, json!({"a": [1, 2], "b": 3}));
    assert_eq!(codes(&r), ["trailing_comma_removed", "trailing_comma_removed"]);
    assert_eq!((r.repairs[0].offset, r.repairs[1].offset), (11, 21));
}

#[test]
fn missing_commas_are_inserted() {
    let r = fixed("[1 2]");
    assert_eq!((r.value.clone(), codes(&r)), (json!([1, 2]), vec!["missing_comma_inserted"]));
    let r = fixed("{\"a\": 1\n \"b\": 2}");
    assert_eq!(r.value, json!({"a": 1, "b": 2}));
    assert_eq!((r.repairs[0].line, r.repairs[0].column), (2, 2));
}

#[test]
fn single_quotes_unquoted_keys_and_python_literals() {
    let r = fixed(r#"{'a': 'it"s', b_c: True, $d: None, e: False}"#);
    assert_eq!(r.value, json!({"a": "it\"s", "b_c": true, "$d": null, "e": false}));
    assert_eq!(
        codes(&r),
        [
            "single_quotes_replaced",
            "single_quotes_replaced",
            "unquoted_key_quoted",
            "python_literal_replaced",
            "unquoted_key_quoted",
            "python_literal_replaced",
            "unquoted_key_quoted",
            "python_literal_replaced"
        ]
    );
    assert_eq!(fixed("True").value, json!(true));
    assert_eq!(fixed("'x'").value, json!("x"));
}

#[test]
fn typographic_double_quotes_are_read_as_quotes() {
    let r = fixed("{\u{201c}a\u{201d}: \u{201c}it\u{2019}s \u{2014} fine\u{201d}, \u{201c}b\": [\u{201c}x\u{201d} \u{201c}y\u{201d}]}");
    assert_eq!(
        r.value,
        json!({"a": "it\u{2019}s \u{2014} fine", "b": ["x", "y"]}),
        "a plain quote closes too"
    );
    assert_eq!(
        codes(&r),
        [
            "smart_quotes_replaced",
            "smart_quotes_replaced",
            "smart_quotes_replaced",
            "smart_quotes_replaced",
            "missing_comma_inserted",
            "smart_quotes_replaced"
        ]
    );
    let cut = fixed("{\"a\": 1, \"b\": \u{201c}unfinished");
    assert_eq!((&cut.value, cut.was_truncated()), (&json!({"a": 1}), true));
    // Other characters led by the same byte are no quotes.
    assert!(repair("{\"a\": \u{2014}1}").is_err());
    assert!(repair("{\u{2014}a: 1}").is_err());
}

#[test]
fn comments_are_removed() {
    let r = fixed("{\n  // the answer\n  \"a\": 1, /* more */\n  # python style\n  \"b\": 2\n}");
    assert_eq!(r.value, json!({"a": 1, "b": 2}));
    assert_eq!(codes(&r), ["comment_removed"; 3]);
    let lines: Vec<_> = r.repairs.iter().map(|r| (r.line, r.column)).collect();
    assert_eq!(lines, [(2, 3), (3, 11), (4, 3)]);
}

#[test]
fn control_characters_and_invalid_escapes_are_repaired() {
    let r = fixed("{\"a\": \"x\ny\"}");
    assert_eq!((r.value.clone(), codes(&r)), (json!({"a": "x\ny"}), vec!["control_character_escaped"]));
    let r = fixed(r#"{"a": "it\'s \d", "b": "\ud800!", "c": "\ud83d\ude00"}"#);
    assert_eq!(r.value, json!({"a": "it's \\d", "b": "\u{FFFD}!", "c": "😀"}));
    assert_eq!(codes(&r), ["invalid_escape_repaired"; 3]);
    // In a single-quoted string, `\'` is the way to write a quote.
    assert_eq!(codes(&fixed(r"'it\'s'")), ["single_quotes_replaced"]);
}

#[test]
fn truncated_output_closes_at_the_last_complete_value() {
    let cases = [
        (r#"{"a": 1, "b": "hel"#, json!({"a": 1}), 9),
        (r#"{"a": 1, "b": "#, json!({"a": 1}), 9),
        (r#"{"a": 1, "b"#, json!({"a": 1}), 9),
        (r#"{"a": 1, "#, json!({"a": 1}), 9),
        (r#"{"a": [1, 2, {"c": "x"#, json!({"a": [1, 2, {}]}), 14),
        (r#"{"a": 12"#, json!({}), 1),
        (r#"{"a": tr"#, json!({}), 1),
        (r#"{"a": true"#, json!({"a": true}), 10),
        (r#"{"a": -"#, json!({}), 1),
        (r#"{"a": "x\u12"#, json!({}), 1),
        ("[1, 2", json!([1]), 4),
        ("{", json!({}), 1),
        ("```json\n{\"a\": [\"x\", \"y", json!({"a": ["x"]}), 20),
    ];
    for (text, want, offset) in cases {
        let r = fixed(text);
        assert_eq!(r.value, want, "{text}");
        assert!(r.was_truncated(), "{text}");
        let cut = r.repairs.iter().find(|r| r.code == RepairCode::TruncatedClosed).unwrap();
        assert_eq!(cut.offset, offset, "{text}");
    }
    // Repairs inside the dropped part are not reported.
    let r = fixed("{\"a\": 1, 'b': 'x");
    assert_eq!(codes(&r), ["truncated_closed"]);
    // Nothing complete: no value.
    assert_eq!(repair("\"hel").unwrap_err().code, ErrorCode::Syntax);
}

#[test]
fn outputs_as_models_write_them() {
    let chatty = "Here is the JSON you asked for:\n\n{\n  \"name\": \"Ada\",\n  \"tags\": [\n    \"a\",\n    \"b\",\n  ],\n}\n\nI hope this helps! Don't hesitate to ask {more}.";
    let r = fixed(chatty);
    assert_eq!(r.value, json!({"name": "Ada", "tags": ["a", "b"]}));
    assert_eq!(
        codes(&r),
        ["prose_removed", "trailing_comma_removed", "trailing_comma_removed", "prose_removed"]
    );
    let two_fences = "```json\n{\"a\": 1}\n```\nor\n```json\n{\"a\": 2}\n```";
    assert_eq!(fixed(two_fences).value, json!({"a": 1}));
    let python = "{'name': 'Ada', 'active': True, 'manager': None, 'scores': [1, 2, 3,]}";
    assert_eq!(
        fixed(python).value,
        json!({"name": "Ada", "active": true, "manager": null, "scores": [1, 2, 3]})
    );
    let cut = "```json\n{\n  \"items\": [\n    {\"id\": 1, \"name\": \"a\"},\n    {\"id\": 2, \"na";
    let r = fixed(cut);
    assert_eq!(r.value, json!({"items": [{"id": 1, "name": "a"}, {"id": 2}]}));
    assert_eq!(codes(&r), ["code_fence_removed", "truncated_closed"]);
}

#[test]
fn text_without_json_is_a_syntax_error_with_position() {
    let e = repair("I'm sorry,\nI cannot help with that.").unwrap_err();
    assert_eq!(e.code, ErrorCode::Syntax);
    assert!(e.line.is_some() && e.column.is_some());
    assert_eq!(repair("").unwrap_err().code, ErrorCode::Syntax);
    // A scalar followed by prose is prose.
    assert_eq!(repair("42 is the answer").unwrap_err().code, ErrorCode::Syntax);
    assert_eq!(repair("[NaN]").unwrap_err().code, ErrorCode::Syntax);
}

#[test]
fn nesting_is_bounded_like_serde_json() {
    for text in
        ["[".repeat(100_000), format!("Here: {}", "[".repeat(100_000)), format!("{}1,]", "[".repeat(200))]
    {
        assert_eq!(repair(&text).unwrap_err().code, ErrorCode::LimitExceeded);
    }
    let deepest = format!("{}1,{}", "[".repeat(127), "]".repeat(127));
    let r = fixed(&deepest);
    assert!(crate::schema::parse_json(&r.value.to_string()).is_ok());
}

#[test]
fn repairs_listed_are_bounded() {
    let text = format!("[{}]", vec!["'x'"; 500].join(","));
    let r = fixed(&text);
    assert_eq!((r.repairs.len(), r.omitted_repairs), (MAX_REPAIRS, 500 - MAX_REPAIRS));
    assert_eq!(r.value.as_array().map(Vec::len), Some(500));
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-z'\"\\\\\n é😀]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{1,4}", inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Text that looks like model output: JSON with the usual damage.
fn damaged() -> impl Strategy<Value = String> {
    (json_value(), 0usize..6, any::<prop::sample::Index>(), "[ -~\n]{0,12}").prop_map(|(v, how, at, junk)| {
        let text = if how % 2 == 0 { serde_json::to_string_pretty(&v).unwrap() } else { v.to_string() };
        let cut = at.index(text.len() + 1);
        let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        match how {
            0 => text[..cut].to_owned(),
            1 => format!("{junk}{text}{junk}"),
            2 => format!("```json\n{text}\n```"),
            3 => text.replace('"', "'"),
            4 => format!("{}{junk}{}", &text[..cut], &text[cut..]),
            _ => text.replace(']', ",]").replace('}', ",}"),
        }
    })
}

fn check_properties(text: &str) {
    let out = repair(text);
    if let Ok(r) = &out {
        let again = serde_json::to_string(&r.value).unwrap();
        assert!(crate::schema::parse_json(&again).is_ok(), "{text:?} -> {again}");
        assert!(r.repairs.windows(2).all(|w| w[0].offset <= w[1].offset));
        assert!(r.repairs.iter().all(|x| x.offset <= text.len() && x.line >= 1 && x.column >= 1));
    }
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        let r = out.unwrap();
        assert_eq!(r.value, v);
        assert!(r.repairs.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn repair_never_panics_and_its_values_parse_again(text in "[\\[\\]{}\"',:a-zA-Z0-9 \\\\\n./*#`-]{0,40}") {
        check_properties(&text);
    }

    #[test]
    fn damaged_model_output_reads_back(text in damaged()) {
        check_properties(&text);
    }

    #[test]
    fn any_text_never_panics(text in any::<String>()) {
        check_properties(&text);
    }

    #[test]
    fn a_cut_value_keeps_only_complete_members(v in json_value(), at in any::<prop::sample::Index>()) {
        let text = v.to_string();
        let cut = at.index(text.len() + 1);
        let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        // A prefix that is JSON itself (`-1` of `-10000`) is read as it stands.
        let prefix = &text[..cut];
        if let (Ok(r), Err(_)) = (repair(prefix), serde_json::from_str::<Value>(prefix)) {
            prop_assert!(is_part_of(&r.value, &v), "{} from {}", r.value, prefix);
        }
    }
}

/// Whether `part` is `whole` with members and items dropped from the end (what closing a
/// truncated text may give).
fn is_part_of(part: &Value, whole: &Value) -> bool {
    match (part, whole) {
        (Value::Array(p), Value::Array(w)) => {
            p.len() <= w.len()
                && p.iter().zip(w).enumerate().all(
                    |(i, (a, b))| {
                        if i + 1 == p.len() {
                            is_part_of(a, b)
                        } else {
                            a == b
                        }
                    },
                )
        }
        (Value::Object(p), Value::Object(w)) => {
            p.len() <= w.len()
                && p.iter().zip(w).enumerate().all(|(i, ((ka, a), (kb, b)))| {
                    ka == kb && if i + 1 == p.len() { is_part_of(a, b) } else { a == b }
                })
        }
        _ => part == whole,
    }
}

// ---- extract ------------------------------------------------------------------------

#[test]
fn chat_completions_bodies() {
    let body = json!({"choices": [{"message": {"role": "assistant", "content": "{\"a\": 1}", "refusal": null},
                                    "finish_reason": "stop"}]});
    let out = extract(&body).unwrap();
    assert_eq!(
        (out.api, out.text.as_deref(), out.finish),
        (Api::ChatCompletions, Some("{\"a\": 1}"), FinishReason::Stop)
    );
    let body = json!({"choices": [{"message": {"content": null, "refusal": "I can't help with that."},
                                    "finish_reason": "stop"}]});
    assert_eq!(extract(&body).unwrap().refusal.as_deref(), Some("I can't help with that."));
    for (raw, finish) in [
        ("length", FinishReason::Length),
        ("content_filter", FinishReason::ContentFilter),
        ("tool_calls", FinishReason::ToolCalls),
        ("something_new", FinishReason::Unknown),
    ] {
        let body = json!({"choices": [{"message": {"content": "x"}, "finish_reason": raw}]});
        let out = extract(&body).unwrap();
        assert_eq!((out.finish, out.finish_raw.as_deref()), (finish, Some(raw)));
    }
    let body = json!({"choices": [{"message": {"content": null, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{\"x\": 1}"}}]},
        "finish_reason": "tool_calls"}]});
    let out = extract(&body).unwrap();
    assert_eq!(
        out.tool_calls,
        [ToolCall { id: Some("call_1".into()), name: "f".into(), arguments: "{\"x\": 1}".into() }]
    );
    assert_eq!(out.json_text(), Some("{\"x\": 1}"));
    let parts = json!({"choices": [{"message": {"content": [{"type": "text", "text": "{\"a\""}, {"type": "text", "text": ": 1}"}]}}]});
    assert_eq!(extract(&parts).unwrap().text.as_deref(), Some("{\"a\": 1}"));
}

#[test]
fn responses_bodies() {
    let body = json!({"object": "response", "status": "completed", "output": [
        {"type": "reasoning", "summary": []},
        {"type": "message", "content": [{"type": "output_text", "text": "{\"a\":", "annotations": []},
                                        {"type": "output_text", "text": " 1}"}]}]});
    let out = extract(&body).unwrap();
    assert_eq!(
        (out.api, out.text.as_deref(), out.finish),
        (Api::Responses, Some("{\"a\": 1}"), FinishReason::Stop)
    );
    let body = json!({"status": "completed", "output": [
        {"type": "message", "content": [{"type": "refusal", "refusal": "No."}]}]});
    assert_eq!(extract(&body).unwrap().refusal.as_deref(), Some("No."));
    for (reason, finish) in [
        ("max_output_tokens", FinishReason::Length),
        ("content_filter", FinishReason::ContentFilter),
        ("other", FinishReason::Incomplete),
    ] {
        let body = json!({"status": "incomplete", "incomplete_details": {"reason": reason}, "output": []});
        let out = extract(&body).unwrap();
        assert_eq!((out.finish, out.finish_raw.as_deref()), (finish, Some(reason)));
    }
    let body = json!({"status": "failed", "output": [], "error": {"code": "server_error"}});
    assert_eq!(extract(&body).unwrap().finish, FinishReason::Failed);
    let body = json!({"status": "completed", "output": [
        {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}]});
    assert_eq!(extract(&body).unwrap().tool_calls[0].id.as_deref(), Some("c1"));
}

#[test]
fn malformed_bodies_are_refused_with_paths() {
    let cases = [
        (json!([]), ErrorCode::InvalidType, ""),
        (json!({"id": "x"}), ErrorCode::MissingField, "choices"),
        (json!({"choices": []}), ErrorCode::InvalidValue, "choices"),
        (json!({"choices": {}}), ErrorCode::InvalidType, "choices"),
        (json!({"choices": [{"delta": {}}]}), ErrorCode::MissingField, "choices[0].message"),
        (
            json!({"choices": [{"message": {"content": 5}}]}),
            ErrorCode::InvalidType,
            "choices[0].message.content",
        ),
        (
            json!({"choices": [{"message": {"tool_calls": [{"function": {"name": "f"}}]}}]}),
            ErrorCode::MissingField,
            "choices[0].message.tool_calls[0].function.arguments",
        ),
        (
            json!({"output": [{"type": "message", "content": [{"type": "output_text"}]}]}),
            ErrorCode::MissingField,
            "output[0].content[0].text",
        ),
        (json!({"output": [], "incomplete_details": "x"}), ErrorCode::InvalidType, "incomplete_details"),
    ];
    for (body, code, path) in cases {
        let e = extract(&body).unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (code, path), "{body}");
    }
}

// ---- decisions ----------------------------------------------------------------------

fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "status": {"enum": ["open", "closed", "other"]},
            "items": {"type": "array", "items": {
                "type": "object",
                "properties": {"kind": {"enum": ["a", "b", "unknown"]}},
                "required": ["kind"],
                "additionalProperties": false
            }}
        },
        "required": ["name", "status"],
        "additionalProperties": false
    })
}

fn reader(config: TolerantConfig) -> TolerantReader {
    TolerantReader::new(&schema(), &ValidatorOptions::default(), config).unwrap()
}

fn chat(content: &str, finish: &str) -> Value {
    json!({"choices": [{"message": {"content": content}, "finish_reason": finish}]})
}

#[test]
fn valid_output_is_accepted_and_repaired_output_accepted_repaired() {
    let mut r = reader(TolerantConfig::default());
    let d = r.read_text("r1", r#"{"name": "x", "status": "open"}"#);
    assert_eq!((d.action, d.reason, d.reasks), (ReadAction::Accept, ReadReason::Valid, 0));
    assert_eq!(d.value, Some(json!({"name": "x", "status": "open"})));
    let d = r.read_text("r1", "```json\n{'name': 'x', 'status': 'open',}\n```");
    assert_eq!((d.action, d.reason), (ReadAction::AcceptRepaired, ReadReason::Repaired));
    assert_eq!(d.repairs.len(), 6);
    assert_eq!(d.value, Some(json!({"name": "x", "status": "open"})));
}

#[test]
fn an_answer_encoded_twice_is_read_from_inside_its_string() {
    let mut r = reader(TolerantConfig::default());
    let d = r.read_text("r", r#"  "{\"name\": \"x\", \"status\": \"open\"}""#);
    assert_eq!((d.action, d.reason), (ReadAction::AcceptRepaired, ReadReason::Repaired));
    assert_eq!(d.value, Some(json!({"name": "x", "status": "open"})));
    let repair = &d.repairs[0];
    assert_eq!(
        (repair.code, repair.offset, repair.line, repair.column),
        (RepairCode::DoubleEncodedDecoded, 2, 1, 3)
    );
    // Where the schema takes a string, a string stays one; text that is not JSON stays a string.
    let strings = TolerantReader::new(
        &json!({"type": "string"}),
        &ValidatorOptions::default(),
        TolerantConfig::default(),
    );
    let d = strings.unwrap().evaluate(&ModelOutput::from_text(r#""{\"a\": 1}""#));
    assert_eq!((d.action, d.value), (ReadAction::Accept, Some(json!("{\"a\": 1}"))));
    let d = r.read_text("s", r#""{not json""#);
    assert_eq!((d.action, d.reason, d.repairs.len()), (ReadAction::Reask, ReadReason::Invalid, 0));
}

#[test]
fn invalid_output_is_reasked_with_a_compact_summary_then_quarantined() {
    let mut r = reader(TolerantConfig::default());
    let bad = r#"{"name": 5, "status": "pending"}"#;
    let d = r.read_text("req", bad);
    assert_eq!((d.action, d.reason, d.reasks), (ReadAction::Reask, ReadReason::Invalid, 1));
    let summary = d.summary.unwrap();
    assert!(summary.contains("- /name: 5 is not of type \"string\""), "{summary}");
    assert!(summary.contains("/status"), "{summary}");
    assert_eq!(d.violations.len(), 2);
    assert!(d.value.is_none());
    assert_eq!(r.read_text("req", bad).reasks, 2);
    // Another request is counted apart.
    assert_eq!(r.read_text("other", bad).reasks, 1);
    let d = r.read_text("req", bad);
    assert_eq!((d.action, d.reason, d.reasks), (ReadAction::Quarantine, ReadReason::Invalid, 2));
    assert!(d.summary.is_some());
    // A quarantined request is forgotten: its id starts over.
    assert_eq!(r.read_text("req", bad).action, ReadAction::Reask);
    // An accepted request is forgotten too.
    r.read_text("req", r#"{"name": "x", "status": "open"}"#);
    assert_eq!(r.read_text("req", bad).reasks, 1);
    assert_eq!(r.tracked(), 2);
    r.forget("req");
    assert_eq!(r.tracked(), 1);
}

#[test]
fn max_reasks_zero_quarantines_the_first_bad_answer() {
    let mut r = reader(TolerantConfig { max_reasks: 0, ..TolerantConfig::default() });
    let d = r.read_text("req", "not json at all");
    assert_eq!((d.action, d.reason, d.reasks), (ReadAction::Quarantine, ReadReason::NotJson, 0));
    assert_eq!(r.tracked(), 0);
}

#[test]
fn summaries_are_bounded() {
    let mut r = reader(TolerantConfig { summary_violations: 2, ..TolerantConfig::default() });
    let items: Vec<_> = (0..50).map(|i| json!({"kind": "z".repeat(10_000), "n": i})).collect();
    let d = r.read_text("r", &json!({"name": "x", "status": "open", "items": items}).to_string());
    let summary = d.summary.unwrap();
    assert_eq!(summary.lines().filter(|l| l.starts_with("- /")).count(), 2);
    assert!(summary.contains("more"), "{summary}");
    assert!(summary.len() < 1000, "{}", summary.len());
}

#[test]
fn what_each_finish_decides() {
    let mut r = reader(TolerantConfig::default());
    let valid = r#"{"name": "x", "status": "open"}"#;
    let refusal =
        json!({"choices": [{"message": {"content": null, "refusal": "I can't."}, "finish_reason": "stop"}]});
    let d = r.read_body("a", &refusal).unwrap();
    assert_eq!(
        (d.action, d.reason, d.refusal.as_deref()),
        (ReadAction::Quarantine, ReadReason::Refusal, Some("I can't."))
    );
    // The filter gives the same answer again, whatever the text.
    let d = r.read_body("a", &chat(valid, "content_filter")).unwrap();
    assert_eq!((d.action, d.reason), (ReadAction::Quarantine, ReadReason::ContentFilter));
    // The limit cuts the same request at the same place.
    let d = r.read_body("a", &chat(r#"{"name": "x", "status": "op"#, "length")).unwrap();
    assert_eq!((d.action, d.reason), (ReadAction::Quarantine, ReadReason::Length));
    let d = r.read_body("a", &chat(valid, "length")).unwrap();
    assert_eq!((d.action, d.reason), (ReadAction::Accept, ReadReason::Valid));
    // Cut with no limit to explain it: the model can send it whole.
    let d = r
        .read_body("a", &chat(r#"{"name": "x", "status": "open", "items": [{"kind": "a"}, {"ki"#, "stop"))
        .unwrap();
    assert_eq!((d.action, d.reason), (ReadAction::Reask, ReadReason::Truncated));
    assert!(d.value.is_none());
    let d = r.read_body("b", &chat("I cannot produce JSON for that", "stop")).unwrap();
    assert_eq!((d.action, d.reason), (ReadAction::Reask, ReadReason::NotJson));
    assert!(d.summary.unwrap().contains("line 1"));
    let responses =
        json!({"status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}, "output": []});
    assert_eq!(r.read_body("c", &responses).unwrap().reason, ReadReason::Length);
    let failed = json!({"status": "failed", "output": []});
    let d = r.read_body("c", &failed).unwrap();
    assert_eq!((d.action, d.reason), (ReadAction::Quarantine, ReadReason::Failed));
    let other = json!({"status": "incomplete", "incomplete_details": {"reason": "other"}, "output": []});
    let d = r.read_body("c", &other).unwrap();
    assert_eq!((d.action, d.reason), (ReadAction::Quarantine, ReadReason::Incomplete));
    let empty = json!({"choices": [{"message": {"content": null}, "finish_reason": "stop"}]});
    assert_eq!(r.read_body("c", &empty).unwrap().reason, ReadReason::NotJson);
    let tool = json!({"choices": [{"message": {"content": null, "tool_calls": [
        {"id": "1", "function": {"name": "f", "arguments": valid}}]}, "finish_reason": "tool_calls"}]});
    assert_eq!(r.read_body("c", &tool).unwrap().action, ReadAction::Accept);
    assert_eq!(r.read_body("c", &json!({"choices": []})).unwrap_err().code, ErrorCode::InvalidValue);
}

#[test]
fn repair_off_reads_strict_json_only() {
    let mut r = reader(TolerantConfig { repair: false, ..TolerantConfig::default() });
    let d = r.read_text("r", "```json\n{\"name\": \"x\", \"status\": \"open\"}\n```");
    assert_eq!((d.action, d.reason), (ReadAction::Reask, ReadReason::NotJson));
}

#[test]
fn enum_fallbacks_replace_unknown_values_at_their_place() {
    let config = TolerantConfig {
        enum_fallbacks: [
            ("/status".to_owned(), json!("other")),
            ("/items/*/kind".to_owned(), json!("unknown")),
        ]
        .into(),
        ..TolerantConfig::default()
    };
    let mut r = reader(config);
    let d =
        r.read_text("r", r#"{"name": "x", "status": "pending", "items": [{"kind": "a"}, {"kind": "c"}]}"#);
    assert_eq!((d.action, d.reason), (ReadAction::AcceptRepaired, ReadReason::Repaired));
    assert_eq!(
        d.value,
        Some(json!({"name": "x", "status": "other", "items": [{"kind": "a"}, {"kind": "unknown"}]}))
    );
    let paths: Vec<_> = d.adjustments.iter().map(|a| (a.code, a.instance_path.as_str())).collect();
    assert_eq!(
        paths,
        [(AdjustmentCode::EnumFallback, "/status"), (AdjustmentCode::EnumFallback, "/items/1/kind")]
    );
    // Other violations still reask, about the answer as the model wrote it: the fallback
    // that did not make it valid is not applied.
    let d = r.read_text("r", r#"{"name": 1, "status": "pending"}"#);
    assert_eq!(d.action, ReadAction::Reask);
    let paths: Vec<_> = d.violations.iter().map(|v| (v.code, v.instance_path.as_str())).collect();
    assert_eq!(paths, [(ViolationCode::TypeMismatch, "/name"), (ViolationCode::NotInEnum, "/status")]);
    assert!(d.summary.as_deref().is_some_and(|s| s.contains("/status: \"pending\" is not one of")));
    assert!(d.adjustments.is_empty());
}

#[test]
fn unknown_properties_are_dropped_when_the_policy_says_so() {
    let text = r#"{"name": "x", "status": "open", "note": "hi", "items": [{"kind": "a", "extra": 1}]}"#;
    assert_eq!(reader(TolerantConfig::default()).read_text("r", text).action, ReadAction::Reask);
    let mut r = reader(TolerantConfig { drop_unknown_properties: true, ..TolerantConfig::default() });
    let d = r.read_text("r", text);
    assert_eq!((d.action, d.reason), (ReadAction::AcceptRepaired, ReadReason::Repaired));
    assert_eq!(d.value, Some(json!({"name": "x", "status": "open", "items": [{"kind": "a"}]})));
    let mut dropped: Vec<_> = d.adjustments.iter().map(|a| a.instance_path.as_str()).collect();
    dropped.sort_unstable();
    assert_eq!(dropped, ["/items/0/extra", "/note"]);
    // Through a `$ref`, the refusing schema is found where the ref points.
    let schema = json!({"$defs": {"o": {"type": "object", "properties": {"a": {}}, "additionalProperties": false}},
                        "type": "object", "properties": {"x": {"$ref": "#/$defs/o"}}});
    let mut r = TolerantReader::new(
        &schema,
        &ValidatorOptions::default(),
        TolerantConfig { drop_unknown_properties: true, ..TolerantConfig::default() },
    )
    .unwrap();
    let d = r.read_text("r", r#"{"x": {"a": 1, "b/~": 2}}"#);
    assert_eq!(d.value, Some(json!({"x": {"a": 1}})));
    assert_eq!(d.adjustments[0].instance_path, "/x/b~1~0");
}

#[test]
fn the_reask_table_is_bounded() {
    let mut r = reader(TolerantConfig { max_tracked_requests: 2, ..TolerantConfig::default() });
    for id in ["a", "b", "a", "c"] {
        r.read_text(id, "nope");
    }
    // "b" was the least recently reasked.
    assert_eq!(r.tracked(), 2);
    let d = r.read_text("a", "nope");
    assert_eq!((d.action, d.reasks), (ReadAction::Quarantine, 2));
    assert_eq!(r.read_text("b", "nope").reasks, 1);
    let mut big = reader(TolerantConfig { max_tracked_requests: 100, ..TolerantConfig::default() });
    for i in 0..10_000 {
        big.read_text(&format!("req-{i}"), "nope");
    }
    assert_eq!(big.tracked(), 100);
}

#[test]
fn the_config_is_read_checked() {
    let config: TolerantConfig = crate::document::from_json(
        r#"{"max_reasks": 1, "drop_unknown_properties": true, "enum_fallbacks": {"/a/*": "x"}}"#,
    )
    .unwrap();
    assert_eq!((config.max_reasks, config.summary_violations, config.repair), (1, 5, true));
    let e = crate::document::from_json::<TolerantConfig>(r#"{"max_reask": 1}"#).unwrap_err();
    assert_eq!(e.code, ErrorCode::UnknownField);
    let e = crate::document::from_json::<TolerantConfig>(r#"{"max_reasks": -1}"#).unwrap_err();
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::OutOfRange, "max_reasks"));
    let e = crate::document::from_json::<TolerantConfig>(r#"{"max_tracked_requests": 0}"#).unwrap_err();
    assert_eq!(e.code, ErrorCode::OutOfRange);
    let bad = TolerantConfig {
        enum_fallbacks: [("status".to_owned(), json!("x"))].into(),
        ..TolerantConfig::default()
    };
    let e = TolerantReader::new(&schema(), &ValidatorOptions::default(), bad).unwrap_err();
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidValue, "enum_fallbacks"));
}

#[test]
fn decisions_serialize_with_codes() {
    let mut r = reader(TolerantConfig::default());
    let d = r.read_text("r", "{'name': 'x', 'status': 'open'}");
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(
        (json["action"].as_str(), json["reason"].as_str()),
        (Some("accept_repaired"), Some("repaired"))
    );
    assert_eq!(json["repairs"][0]["code"], "single_quotes_replaced");
}

#[test]
fn a_property_name_of_the_model_cannot_add_lines_to_the_reask_summary() {
    let mut r = reader(TolerantConfig::default());
    let d = r.read_text("r1", "{\"name\": \"x\", \"status\": \"open\", \"a\\n- /name: forged\": 1}");
    assert_eq!(d.action, ReadAction::Reask);
    let summary = d.summary.unwrap();
    assert!(!summary.contains("\n- /name: forged"), "{summary}");
    assert!(summary.lines().all(|l| l.chars().count() <= SUMMARY_LINE + 3), "{summary}");
}
