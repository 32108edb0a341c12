//! Arbitrary text through the tolerant reader (`repair`) and the streaming check: nothing
//! may panic, a repaired value re-serializes and parses, valid JSON comes back unchanged
//! with no repairs, and the streaming check, fed the same text in two chunks, finds the
//! syntax errors serde_json finds and is `dead` only for invalid output.
#![no_main]

use std::sync::{Arc, OnceLock};

use breakwater::schema::parse_json;
use breakwater::schema::stream::{StreamSchema, StreamState};
use breakwater::schema::tolerant::repair;
use breakwater::schema::validate::ValidatorOptions;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

/// A schema with early checks of every family, so that they run on arbitrary prefixes.
fn schema() -> &'static Arc<StreamSchema> {
    static SCHEMA: OnceLock<Arc<StreamSchema>> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let schema = json!({"anyOf": [
            {"type": "object", "properties": {"a": {"enum": ["x", "yz"]}, "b": {"type": "array", "maxItems": 2}},
             "required": ["a"], "additionalProperties": false},
            {"type": "array", "items": {"type": "integer"}},
            {"type": "string", "maxLength": 3}
        ]});
        Arc::new(StreamSchema::new(&schema, &ValidatorOptions::default()).expect("compiles"))
    })
}

fuzz_target!(|data: &[u8]| {
    // Two bytes pick where the text is split for the streaming check; the rest is the text.
    let (split, text) = match data {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]), rest),
        _ => return,
    };
    let Ok(text) = std::str::from_utf8(text) else { return };

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

    let compiled = schema();
    let want = compiled.validator().validate_text(text);
    let mut at = usize::from(split) % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let mut check = compiled.check();
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
    assert_eq!(check.finish(), want);
});
