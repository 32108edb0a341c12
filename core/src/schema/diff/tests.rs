//! One test per family of change; Confluent's own cases run in `core/tests/schema_diff.rs`.

use serde_json::{json, Value};

use super::*;

fn strict(old: Value, new: Value) -> DiffReport {
    diff(&old, &new, &DiffOptions::default()).unwrap()
}

fn lenient(old: Value, new: Value) -> DiffReport {
    diff(&old, &new, &DiffOptions { policy: CompatibilityPolicy::Lenient }).unwrap()
}

/// `KIND path backward forward` for each change, as one line each.
fn lines(report: &DiffReport) -> Vec<String> {
    report
        .changes
        .iter()
        .map(|c| format!("{} {} {} {}", c.kind, c.path, c.backward as u8, c.forward as u8))
        .collect()
}

fn has_note(report: &DiffReport, code: NoteCode, path: &str) -> bool {
    report.notes.iter().any(|n| n.code == code && n.path == path)
}

#[test]
fn identical_schemas_have_no_changes() {
    let s = json!({"type": "object", "properties": {"a": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
                   "required": ["a"], "additionalProperties": false});
    let r = strict(s.clone(), s);
    assert!(r.changes.is_empty() && r.backward && r.forward && r.full);
    // Even where the walk cannot compare (a `$dynamicRef` resolves by the path taken), and
    // for numbers written two ways; an invalid schema is refused all the same.
    let dynamic = json!({"$id": "https://example.com/root", "type": "array", "items": {"$dynamicRef": "#items"},
                         "$defs": {"foo": {"$dynamicAnchor": "items", "type": "string", "maxLength": 2}}});
    let r = strict(dynamic.clone(), serde_json::from_str(&dynamic.to_string().replace('2', "2.0")).unwrap());
    assert!(r.changes.is_empty() && r.notes.is_empty() && r.full, "{r:?}");
    let mut other = dynamic.clone();
    other["$defs"]["foo"]["maxLength"] = json!(3);
    assert!(!strict(dynamic, other).full);
    let bad = json!({"properties": {"a": 5}});
    assert!(diff(&bad, &bad, &DiffOptions::default()).is_err());
}

#[test]
fn types_widen_narrow_and_change() {
    assert_eq!(
        lines(&strict(json!({"type": "integer"}), json!({"type": "number"}))),
        ["TYPE_EXTENDED #/ 1 0"]
    );
    assert_eq!(
        lines(&strict(json!({"type": "number"}), json!({"type": "integer"}))),
        ["TYPE_NARROWED #/ 0 1"]
    );
    assert_eq!(
        lines(&strict(json!({"type": "string"}), json!({"type": ["string", "null"]}))),
        ["SUM_TYPE_EXTENDED #/ 1 0"]
    );
    let r = strict(json!({"type": "object", "properties": {"a": {}}}), json!({"type": "array"}));
    assert_eq!(lines(&r), ["TYPE_CHANGED #/ 0 0"], "nothing else is compared past disjoint types");
    // Confluent misses this one: without `type`, `properties` also accepts strings.
    assert_eq!(
        lines(&strict(json!({"properties": {"a": {}}}), json!({"type": "object", "properties": {"a": {}}}))),
        ["TYPE_NARROWED #/ 0 1"]
    );
    // An `enum` already restricts the type: adding the same `type` changes nothing.
    assert!(strict(json!({"enum": ["a"]}), json!({"type": "string", "enum": ["a"]})).changes.is_empty());
}

#[test]
fn null_becoming_possible_is_a_note_for_old_consumers() {
    let r = strict(json!({"type": "string"}), json!({"type": ["string", "null"]}));
    assert!(has_note(&r, NoteCode::NullAddedBreaksOldConsumers, "#/"));
    assert!(
        !has_note(&r, NoteCode::TypeWidenedBreaksOldConsumers, "#/"),
        "the generic note gives way to the null one"
    );
    let r = strict(json!({"type": "string"}), json!({"anyOf": [{"type": "string"}, {"type": "null"}]}));
    assert_eq!(lines(&r), ["SUM_TYPE_EXTENDED #/ 1 0"]);
    assert!(has_note(&r, NoteCode::NullAddedBreaksOldConsumers, "#/"));
}

#[test]
fn string_and_number_keywords_are_bounds() {
    let r = strict(
        json!({"type": "string", "maxLength": 5, "pattern": "^a"}),
        json!({"type": "string", "maxLength": 3}),
    );
    assert_eq!(lines(&r), ["MAX_LENGTH_DECREASED #/maxLength 0 1", "PATTERN_REMOVED #/pattern 1 0"]);
    assert!(has_note(&r, NoteCode::ConstraintTightenedBreaksCachedSamples, "#/maxLength"));
    assert!(has_note(&r, NoteCode::ConstraintLoosenedBreaksOldConsumers, "#/pattern"));
    let r = strict(json!({"type": "string"}), json!({"type": "string", "format": "uuid"}));
    assert_eq!(lines(&r), ["PATTERN_ADDED #/format 0 1"]);
    let r = strict(
        json!({"type": "number", "minimum": 1, "exclusiveMaximum": 9}),
        json!({"type": "number", "minimum": 0.5}),
    );
    assert_eq!(
        lines(&r),
        ["MINIMUM_DECREASED #/minimum 1 0", "EXCLUSIVE_MAXIMUM_REMOVED #/exclusiveMaximum 1 0"]
    );
    // Keywords of a type neither side admits do not count.
    assert!(strict(json!({"type": "string"}), json!({"type": "string", "minimum": 3})).changes.is_empty());
}

#[test]
fn multiple_of_divides_exactly_or_changes() {
    let kind = |a: Value, b: Value| {
        lines(&strict(json!({"type": "number", "multipleOf": a}), json!({"type": "number", "multipleOf": b})))
    };
    assert_eq!(kind(json!(10), json!(2)), ["MULTIPLE_OF_REDUCED #/multipleOf 1 0"]);
    assert_eq!(kind(json!(2), json!(10)), ["MULTIPLE_OF_EXPANDED #/multipleOf 0 1"]);
    assert_eq!(kind(json!(10), json!(11)), ["MULTIPLE_OF_CHANGED #/multipleOf 0 0"]);
    // Confluent divides `intValue()`s: 0.5 would be 0. Fractions are not divided here.
    assert_eq!(kind(json!(0.3), json!(0.1)), ["MULTIPLE_OF_CHANGED #/multipleOf 0 0"]);
    assert!(kind(json!(2), json!(2.0)).is_empty());
}

#[test]
fn enums_extend_narrow_and_change() {
    let e = |a: Value, b: Value| lines(&strict(json!({"enum": a}), json!({"enum": b})));
    assert_eq!(e(json!(["a"]), json!(["a", "b"])), ["ENUM_ARRAY_EXTENDED #/enum 1 0"]);
    assert_eq!(e(json!(["a", "b"]), json!(["a"])), ["ENUM_ARRAY_NARROWED #/enum 0 1"]);
    assert_eq!(e(json!(["a"]), json!(["b"])), ["ENUM_ARRAY_CHANGED #/enum 0 0"]);
    assert!(e(json!([1, 2]), json!([2.0, 1.0])).is_empty(), "numbers compare by value");
    let r = strict(json!({"type": "string", "enum": ["red"]}), json!({"type": "string"}));
    assert_eq!(lines(&r), ["PRODUCT_TYPE_NARROWED #/ 1 0"]);
    let r = strict(json!({"type": "string", "enum": ["a"]}), json!({"type": "string", "enum": ["a", "b"]}));
    assert!(has_note(&r, NoteCode::EnumWidenedBreaksStrictConsumers, "#/enum"));
    let r = strict(json!({"const": "a"}), json!({"const": "b"}));
    assert_eq!(lines(&r), ["ENUM_ARRAY_CHANGED #/const 0 0"]);
}

#[test]
fn properties_meet_open_closed_and_partially_open_models() {
    let open = |props: Value| json!({"type": "object", "properties": props});
    let closed = |props: Value| json!({"type": "object", "properties": props, "additionalProperties": false});
    let r = strict(open(json!({})), open(json!({"a": {"type": "string"}})));
    assert_eq!(lines(&r), ["OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/a 0 1"]);
    assert!(has_note(&r, NoteCode::OpenObjectFieldConstrained, "#/properties/a"));
    let r = strict(closed(json!({})), closed(json!({"a": {"type": "string"}})));
    assert_eq!(lines(&r), ["OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/a 1 0"]);
    assert!(has_note(&r, NoteCode::FieldAddedBreaksClosedConsumers, "#/properties/a"));
    let r = strict(closed(json!({"a": {}})), closed(json!({})));
    assert_eq!(lines(&r), ["PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL #/properties/a 0 1"]);
    let r = strict(open(json!({"a": {}})), open(json!({})));
    assert_eq!(lines(&r), ["PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL #/properties/a 1 1"]);

    // Partially open: the old `additionalProperties` schema covered the new property.
    let partial = |props: Value| json!({"type": "object", "properties": props, "additionalProperties": {"type": "string"}});
    let r = strict(partial(json!({})), partial(json!({"a": {"type": "string", "maxLength": 3}})));
    assert_eq!(
        lines(&r),
        [
            "MAX_LENGTH_ADDED #/properties/a/maxLength 0 1",
            "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/a 0 1",
            "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/a 1 1",
        ]
    );
    // Confluent calls an object with patterns and an open `additionalProperties` closed; a
    // name no pattern matches is open there.
    let patterned = |props: Value| json!({"type": "object", "properties": props, "patternProperties": {"^x": {"type": "integer"}}});
    let r = strict(patterned(json!({})), patterned(json!({"a": {"type": "string"}})));
    assert_eq!(lines(&r), ["OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/a 0 1"]);
    let r = strict(patterned(json!({})), patterned(json!({"x1": {"type": "number"}})));
    assert_eq!(
        lines(&r),
        [
            "TYPE_EXTENDED #/properties/x1 1 0",
            "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/x1 1 0",
            "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/x1 1 1",
        ]
    );
}

#[test]
fn pattern_properties_are_compared() {
    let p = |v: Value| json!({"type": "object", "patternProperties": {"^x": v}});
    assert_eq!(
        lines(&strict(p(json!({"type": "integer"})), p(json!({"type": "number"})))),
        ["TYPE_EXTENDED #/patternProperties/^x 1 0"]
    );
    let r = strict(json!({"type": "object"}), p(json!({"type": "integer"})));
    assert_eq!(lines(&r), ["ADDITIONAL_PROPERTIES_NARROWED #/patternProperties/^x 0 1"]);
    let r = strict(
        json!({"type": "object", "additionalProperties": false}),
        json!({"type": "object", "additionalProperties": false, "patternProperties": {"^x": {}}}),
    );
    assert_eq!(lines(&r), ["ADDITIONAL_PROPERTIES_EXTENDED #/patternProperties/^x 1 0"]);
    let (old, new) =
        (json!({"properties": {"a": {}}}), json!({"properties": {"a": {}}, "patternProperties": {"(": {}}}));
    let e = diff(&old, &new, &DiffOptions::default()).unwrap_err();
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidSchema, "new/patternProperties/("));
}

#[test]
fn requiredness_covers_undeclared_names_and_ignores_defaults() {
    let o = |req: Value| json!({"type": "object", "properties": {"foo": {"type": "string", "default": "x"}}, "required": req});
    let r = strict(o(json!([])), o(json!(["foo"])));
    assert_eq!(
        lines(&r),
        ["REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED #/required/foo 0 1"],
        "a validator never fills a default"
    );
    assert!(has_note(&r, NoteCode::DefaultDoesNotFillCachedSamples, "#/required/foo"));
    assert!(lenient(o(json!([])), o(json!(["foo"]))).backward, "Confluent's table, under LENIENT");
    // Confluent only compares declared names.
    let r = strict(o(json!(["foo"])), o(json!(["bar"])));
    assert_eq!(
        lines(&r),
        ["REQUIRED_ATTRIBUTE_ADDED #/required/bar 0 1", "REQUIRED_ATTRIBUTE_REMOVED #/required/foo 1 0"]
    );
    assert!(has_note(&r, NoteCode::RequiredRemovedBreaksOldConsumers, "#/required/foo"));
}

#[test]
fn a_required_field_added_to_a_closed_object_breaks_both_ways() {
    let v1 = json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": false});
    let v2 = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": ["string", "null"]}},
                    "required": ["a", "b"], "additionalProperties": false});
    let r = strict(v1, v2);
    assert_eq!(lines(&r), ["REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/b 0 0"]);
    assert!(!r.backward && !r.forward && !r.full);
    for code in [NoteCode::RequiredAddedBreaksCachedSamples, NoteCode::StrictModeFieldAdded] {
        assert!(has_note(&r, code, "#/properties/b"), "{code}");
    }
}

#[test]
fn lenient_accepts_content_model_changes_and_says_what_it_assumes() {
    let open = json!({"type": "object", "properties": {}});
    let grown = json!({"type": "object", "properties": {"a": {"type": "string"}}});
    assert!(!strict(open.clone(), grown.clone()).backward);
    let r = lenient(open, grown);
    assert!(r.backward);
    assert!(has_note(&r, NoteCode::LenientAssumption, "#/properties/a"));
    let closed = json!({"type": "object", "properties": {"a": {}}, "additionalProperties": false});
    let r = lenient(closed, json!({"type": "object", "additionalProperties": false}));
    assert!(r.backward && has_note(&r, NoteCode::LenientAssumption, "#/properties/a"));
}

#[test]
fn arrays_compare_tuples_rests_and_counts() {
    let r = strict(json!({"type": "array"}), json!({"type": "array", "items": {"type": "string"}}));
    assert_eq!(lines(&r), ["SCHEMA_ADDED #/items 0 1"]);
    let tuple = |items: Value, rest: Value| json!({"type": "array", "prefixItems": items, "items": rest});
    let r = strict(
        tuple(json!([{"type": "string"}]), json!(false)),
        tuple(json!([{"type": "string"}, {"type": "number"}]), json!(false)),
    );
    assert_eq!(lines(&r), ["ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/prefixItems/1 1 0"]);
    let r = strict(
        tuple(json!([{}, {"type": "number"}]), json!(false)),
        tuple(json!([{}]), json!({"type": "number"})),
    );
    assert_eq!(
        lines(&r),
        [
            "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/prefixItems/1 1 1",
            "ADDITIONAL_ITEMS_ADDED #/items 1 0",
        ]
    );
    // Draft 7: `additionalItems` with no tuple is ignored by validators; Confluent compares it.
    let r = strict(json!({"additionalItems": true}), json!({"additionalItems": false}));
    assert_eq!(lines(&r), ["ADDITIONAL_ITEMS_REMOVED #/additionalItems 0 1"]);
    let r = strict(
        json!({"type": "array", "minItems": 1, "uniqueItems": true}),
        json!({"type": "array", "minItems": 2}),
    );
    assert_eq!(lines(&r), ["MIN_ITEMS_INCREASED #/minItems 0 1", "UNIQUE_ITEMS_REMOVED #/uniqueItems 1 0"]);
}

#[test]
fn contains_counts_default_to_one_and_resist_guessing() {
    let c = |schema: Value, min: Option<u64>, max: Option<u64>| {
        let mut s = json!({"type": "array", "contains": schema});
        if let Some(m) = min {
            s["minContains"] = json!(m);
        }
        if let Some(m) = max {
            s["maxContains"] = json!(m);
        }
        s
    };
    assert!(strict(c(json!({"type": "number"}), Some(1), None), c(json!({"type": "number"}), None, None))
        .changes
        .is_empty());
    let r = strict(c(json!({"type": "integer"}), None, Some(2)), c(json!({"type": "number"}), None, Some(2)));
    assert_eq!(lines(&r), ["TYPE_CHANGED #/contains 0 0"]);
    assert!(has_note(&r, NoteCode::NotCompared, "#/contains"));
    let r = strict(c(json!({"type": "integer"}), None, None), c(json!({"type": "number"}), None, None));
    assert_eq!(lines(&r), ["TYPE_EXTENDED #/contains 1 0"]);
}

#[test]
fn unions_pair_their_branches() {
    let r = strict(
        json!({"oneOf": [{"type": "string"}]}),
        json!({"oneOf": [{"type": "number"}, {"type": "string"}]}),
    );
    assert_eq!(lines(&r), ["SUM_TYPE_EXTENDED #/ 1 0"]);
    let r = strict(
        json!({"anyOf": [{"type": "number"}, {"type": "string"}]}),
        json!({"anyOf": [{"type": "string"}]}),
    );
    assert_eq!(lines(&r), ["SUM_TYPE_NARROWED #/ 0 1"]);
    let r = strict(
        json!({"allOf": [{"type": "string"}, {"maxLength": 3}]}),
        json!({"allOf": [{"maxLength": 3}]}),
    );
    assert_eq!(lines(&r), ["PRODUCT_TYPE_NARROWED #/ 1 0"]);
    let r = strict(
        json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
        json!({"allOf": [{"type": "string"}]}),
    );
    assert_eq!(lines(&r), ["COMBINED_TYPE_CHANGED #/ 0 1"], "strings alone fit the old oneOf");
    // A branch that moved keeps its old index in the path.
    let r = strict(
        json!({"anyOf": [{"type": "null"}, {"type": "string", "maxLength": 2}]}),
        json!({"anyOf": [{"type": "string", "maxLength": 4}, {"type": "null"}]}),
    );
    assert_eq!(lines(&r), ["MAX_LENGTH_INCREASED #/anyOf/1/maxLength 1 0"]);
}

#[test]
fn one_of_must_stay_exclusive() {
    // Confluent accepts both: `"abcdef"` matched only the second branch, and now matches both.
    let r = strict(
        json!({"oneOf": [{"type": "string", "maxLength": 3}, {"type": "string", "minLength": 5}]}),
        json!({"oneOf": [{"type": "string"}, {"type": "string", "minLength": 5}]}),
    );
    assert!(!r.backward);
    assert!(has_note(&r, NoteCode::OneOfOverlap, "#/"));
    let r = strict(json!({"type": "integer"}), json!({"oneOf": [{"type": "integer"}, {"type": "number"}]}));
    assert_eq!(lines(&r), ["SUM_TYPE_EXTENDED #/ 0 0"]);
    // A discriminator keeps branches apart.
    let variant =
        |kind: &str| json!({"type": "object", "properties": {"kind": {"const": kind}}, "required": ["kind"]});
    let r = strict(json!({"oneOf": [variant("a")]}), json!({"oneOf": [variant("a"), variant("b")]}));
    assert_eq!(lines(&r), ["SUM_TYPE_EXTENDED #/ 1 0"]);
}

#[test]
fn not_compares_the_other_way_round() {
    let r = strict(json!({"not": {"type": "number"}}), json!({"not": {"type": "integer"}}));
    assert_eq!(lines(&r), ["NOT_TYPE_NARROWED #/not 1 0"]);
    let r = strict(json!({"not": {"type": "integer"}}), json!({"not": {"type": "number"}}));
    assert_eq!(lines(&r), ["NOT_TYPE_EXTENDED #/not 0 1"]);
}

#[test]
fn conditionals_compare_branches_under_the_same_if() {
    let c = |then: Value| json!({"if": {"properties": {"k": {"const": 1}}}, "then": then});
    let r = strict(c(json!({"required": ["a", "b"]})), c(json!({"required": ["a"]})));
    assert_eq!(lines(&r), ["REQUIRED_ATTRIBUTE_REMOVED #/then/required/b 1 0"]);
    let r = strict(c(json!({})), json!({"if": {"properties": {"k": {"const": 2}}}, "then": {}}));
    assert_eq!(lines(&r), ["COMBINED_TYPE_CHANGED #/if 0 0"]);
}

#[test]
fn refs_resolve_in_their_own_document() {
    let defs =
        |t: &str| json!({"type": "array", "items": {"$ref": "#/$defs/x"}, "$defs": {"x": {"type": t}}});
    assert_eq!(lines(&strict(defs("string"), defs("number"))), ["TYPE_CHANGED #/items 0 0"]);
    assert!(strict(
        json!({"type": "string"}),
        json!({"$ref": "#/definitions/s", "definitions": {"s": {"type": "string"}}})
    )
    .changes
    .is_empty());
    // Beside assertions (2019-09 and later) the target is one more conjunct.
    let r = strict(
        json!({"$ref": "#/$defs/s", "maxLength": 3, "$defs": {"s": {"type": "string"}}}),
        json!({"$ref": "#/$defs/s", "maxLength": 5, "$defs": {"s": {"type": "string"}}}),
    );
    assert_eq!(lines(&r), ["MAX_LENGTH_INCREASED #/maxLength 1 0"]);
}

#[test]
fn recursive_schemas_terminate() {
    let tree = |leaf: &str| {
        json!({"$defs": {"node": {"type": "object", "properties": {
        "value": {"type": leaf}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
        "$ref": "#/$defs/node"})
    };
    assert!(strict(tree("string"), tree("string")).changes.is_empty());
    let r = strict(tree("integer"), tree("number"));
    assert_eq!(lines(&r), ["TYPE_EXTENDED #/properties/value 1 0"]);
}

#[test]
fn bad_schemas_are_errors_with_paths() {
    let err = |old: Value, new: Value| diff(&old, &new, &DiffOptions::default()).unwrap_err();
    let e = err(json!({"properties": {"a": 5}}), json!({"properties": {"a": {}}}));
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidSchema, "old/properties/a"));
    // Keywords of the wrong shape, even where the two documents are the same.
    let e = err(json!({"type": "string", "pattern": "["}), json!({"type": "string", "pattern": "["}));
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidSchema, "old/pattern"));
    let e = err(json!({"multipleOf": 2}), json!({"multipleOf": -2}));
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidSchema, "new/multipleOf"));
    // A `$ref` inside an embedded resource resolves against it: refused, not compared as the
    // root's `#/$defs/t`.
    let embedded = |t: &str| {
        json!({"$defs": {"t": {"type": "string"}}, "properties": {"v": {"$id": "https://ex.com/v",
            "$defs": {"t": {"type": t}}, "$ref": "#/$defs/t"}}})
    };
    let e = err(embedded("number"), embedded("integer"));
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::UnresolvedRef, "old/properties/v/$ref"));
    let e = err(json!({}), json!({"items": {"$ref": "other.json#/x"}}));
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::UnresolvedRef, "new/items/$ref"));
    let e = err(
        json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}),
        json!({}),
    );
    assert_eq!(e.code, ErrorCode::InvalidSchema);
    let e = err(
        json!({"$defs": {"a": {"anyOf": [{"$ref": "#/$defs/a"}, {"type": "null"}]}}, "$ref": "#/$defs/a"}),
        json!({"$defs": {"a": {"anyOf": [{"$ref": "#/$defs/a"}, {"type": "string"}]}}, "$ref": "#/$defs/a"}),
    );
    assert_eq!(e.code, ErrorCode::InvalidSchema, "a cycle through no property or item: {e}");
    let e = err(json!({"type": "strnig"}), json!({}));
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidSchema, "old/type"));
}

#[test]
fn deep_nesting_is_refused_without_overflow() {
    let mut deep = json!({"type": "string"});
    for _ in 0..200 {
        deep = json!({"properties": {"a": deep}});
    }
    let e = diff(&deep, &deep, &DiffOptions::default()).unwrap_err();
    assert_eq!(e.code, ErrorCode::LimitExceeded);
    let mut wide = json!({"type": "null"});
    for _ in 0..12 {
        wide = json!({"anyOf": [wide.clone(), {"anyOf": [wide, {"type": "string"}]}]});
    }
    let e = diff(&wide, &json!({"anyOf": [{"type": "number"}, wide]}), &DiffOptions::default());
    assert!(e.is_ok() || e.unwrap_err().code == ErrorCode::LimitExceeded);
}

#[test]
fn the_report_serializes_for_the_cli() {
    let r = strict(json!({"type": "string"}), json!({"type": "integer"}));
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(
        v["changes"][0],
        json!({"kind": "TYPE_CHANGED", "path": "#/", "backward": false, "forward": false})
    );
    assert_eq!(
        (v["backward"].clone(), v["forward"].clone(), v["full"].clone()),
        (json!(false), json!(false), json!(false))
    );
    assert_eq!(v["notes"][0]["code"], json!("type_narrowed_breaks_cached_samples"));
    let options: DiffOptions = serde_json::from_value(json!({"policy": "lenient"})).unwrap();
    assert_eq!(options.policy, CompatibilityPolicy::Lenient);
    assert!(serde_json::from_value::<DiffOptions>(json!({"polcy": "lenient"})).is_err());
    assert_eq!(serde_json::from_value::<DiffOptions>(json!({})).unwrap(), DiffOptions::default());
}

#[test]
fn anchors_and_the_roots_own_id_resolve_within_the_document() {
    let anchored =
        |t: Value| json!({"$defs": {"s": {"$anchor": "s", "type": t}}, "properties": {"a": {"$ref": "#s"}}});
    let r = strict(anchored(json!("string")), anchored(json!(["string", "null"])));
    assert_eq!(lines(&r), ["SUM_TYPE_EXTENDED #/properties/a 1 0"]);
    let absolute = |t: &str| {
        json!({"$id": "https://ex.com/root.json", "$defs": {"x": {"type": t}},
            "properties": {"a": {"$ref": "https://ex.com/root.json#/$defs/x"}}})
    };
    assert!(strict(absolute("string"), absolute("string")).changes.is_empty());
    assert_eq!(lines(&strict(absolute("string"), absolute("integer"))), ["TYPE_CHANGED #/properties/a 0 0"]);
    // Draft 4 names an anchor with `id`, as `validate` resolves it.
    let draft4 = |t: &str| {
        json!({"$schema": "http://json-schema.org/draft-04/schema#",
            "definitions": {"A": {"id": "#foo", "type": t}}, "properties": {"a": {"$ref": "#foo"}}})
    };
    assert!(strict(draft4("integer"), draft4("integer")).changes.is_empty());
    assert_eq!(lines(&strict(draft4("integer"), draft4("string"))), ["TYPE_CHANGED #/properties/a 0 0"]);
}

#[test]
fn a_ref_beside_assertions_reads_as_one_schema_with_its_target() {
    let site = |extra: Value| {
        let mut a = json!({"$ref": "#/$defs/s"});
        a.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({"$defs": {"s": {"type": "string"}, "o": {"type": "object", "properties": {"x": {}}}},
            "properties": {"a": a}})
    };
    let r = strict(site(json!({})), site(json!({"minLength": 1})));
    assert_eq!(lines(&r), ["MIN_LENGTH_ADDED #/properties/a/minLength 0 1"]);
    assert!(r.notes.iter().all(|n| n.code != NoteCode::NullAddedBreaksOldConsumers));
    assert!(
        strict(site(json!({})), site(json!({"type": "string"}))).changes.is_empty(),
        "the same type twice"
    );
    // Keywords that read each other, split between the site and the target: still a conjunct.
    let object = |extra: Value| {
        let mut a = json!({"$ref": "#/$defs/o"});
        a.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({"$defs": {"o": {"type": "object", "properties": {"x": {}}}}, "properties": {"a": a}})
    };
    let r = strict(object(json!({})), object(json!({"additionalProperties": false})));
    assert!(!r.backward, "closing the object refuses old data with other properties: {:?}", lines(&r));
}

const DRAFT4: &str = "http://json-schema.org/draft-04/schema#";

/// Each pair: an instance valid under `old` and not under `new`, so the change must not be
/// called backward compatible (found by probing the verdicts against the validator).
#[test]
fn backward_is_never_claimed_where_an_old_instance_breaks() {
    use crate::schema::validate::{Validator, ValidatorOptions};
    let cases = [
        // `dependencies` and `dependentRequired` naming one property: both apply.
        (
            json!({"type": "object", "dependencies": {"a": ["b"]}}),
            json!({"type": "object", "dependencies": {"a": ["b"]}, "dependentRequired": {"a": ["c"]}}),
            json!({"a": 1, "b": 1}),
        ),
        // Two schemas for one property: the one added beside the other is a new constraint.
        (
            json!({"type": "object", "dependencies": {"a": {"required": ["b"]}}}),
            json!({"type": "object", "dependencies": {"a": {"required": ["b"]}}, "dependentSchemas": {"a": {"required": ["c"]}}}),
            json!({"a": 1, "b": 1}),
        ),
        // `contains` evaluates the items it matches, for `unevaluatedItems`.
        (
            json!({"type": "array", "contains": {"type": "string"}, "unevaluatedItems": false}),
            json!({"type": "array", "unevaluatedItems": false}),
            json!(["a"]),
        ),
        // A recursive schema met again under `not` is asked the other way round.
        (
            json!({"type": "object", "required": ["k"], "properties": {"x": {"not": {"$ref": "#"}}}}),
            json!({"type": "object", "properties": {"x": {"not": {"$ref": "#"}}}}),
            json!({"k": 1, "x": {}}),
        ),
        // An integral number is an integer at any size.
        (json!({"type": "integer", "enum": [1e30]}), json!({"type": "integer", "maximum": 5}), json!(1e30)),
        // Draft 4's `integer` has no fraction part: `1.0` is none, where the `enum` takes it
        // and a later draft's `integer` does.
        (
            json!({"$schema": DRAFT4, "properties": {"n": {"enum": [1, 2]}}}),
            json!({"$schema": DRAFT4, "properties": {"n": {"type": "integer", "enum": [1, 2]}}}),
            json!({"n": 1.0}),
        ),
        (
            json!({"properties": {"n": {"type": "integer"}}}),
            json!({"$schema": DRAFT4, "properties": {"n": {"type": "integer"}}}),
            json!({"n": 1.0}),
        ),
    ];
    for (old, new, instance) in cases {
        let valid = |s: &Value| Validator::new(s, &ValidatorOptions::default()).unwrap().is_valid(&instance);
        assert!(valid(&old) && !valid(&new), "{old} / {new}: the instance must show the break");
        let r = strict(old.clone(), new.clone());
        assert!(!r.backward, "{old} -> {new}: {:?}", lines(&r));
    }
}

#[test]
fn equal_documents_too_large_to_walk_are_equal() {
    // Models each used eight times by the one above, seven levels deep: the walk runs out of steps.
    let mut defs = serde_json::Map::new();
    defs.insert("L0".into(), json!({"type": "string"}));
    for level in 1..=7 {
        let properties: serde_json::Map<String, Value> =
            (0..8).map(|i| (format!("f{i}"), json!({"$ref": format!("#/$defs/L{}", level - 1)}))).collect();
        defs.insert(format!("L{level}"), json!({"type": "object", "properties": properties}));
    }
    let schema = json!({"$ref": "#/$defs/L7", "$defs": defs});
    assert_eq!(
        diff(&schema, &json!({"$ref": "#/$defs/L7", "$defs": defs, "title": "t"}), &DiffOptions::default())
            .unwrap_err()
            .code,
        ErrorCode::LimitExceeded
    );
    let r = strict(schema.clone(), schema);
    assert!(r.changes.is_empty() && r.full);
}
