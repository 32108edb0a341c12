//! Arbitrary text through the tolerant reader (`repair`) and the streaming check: nothing
//! may panic, a repaired value re-serializes and parses, valid JSON comes back unchanged
//! with no repairs, and the streaming check, fed the same text in two chunks, finds the
//! syntax errors serde_json finds and is `dead` only for invalid output.
#![no_main]

use std::sync::{Arc, OnceLock};

use breakwater::schema::stream::StreamSchema;
use breakwater::schema::validate::ValidatorOptions;
use libfuzzer_sys::fuzz_target;
use serde_json::json;

// `property`: the checks, shared with `core/tests/schema_tolerant.rs`.
include!("../../core/tests/support/tolerant_property.rs");

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
    property(schema(), text, usize::from(split));
});
