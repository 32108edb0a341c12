/// What the tolerant fuzz target checks for one input: nothing panics, a repaired value
/// re-serializes and parses, valid JSON comes back unchanged with no repairs, and the
/// streaming check, fed `text` split at `split`, agrees with serde_json and the validator.
/// Shared by `core/tests/schema_tolerant.rs` and `fuzz/fuzz_targets/tolerant.rs` (`include!`),
/// so it names everything by its full path.
fn property(schema: &std::sync::Arc<breakwater::schema::stream::StreamSchema>, text: &str, split: usize) {
    let out = breakwater::schema::tolerant::repair(text);
    if let Ok(r) = &out {
        let again = serde_json::to_string(&r.value).expect("serializes");
        assert!(breakwater::schema::parse_json(&again).is_ok(), "{text:?} -> {again}");
        assert!(r.repairs.windows(2).all(|w| w[0].offset <= w[1].offset));
        assert!(r.repairs.iter().all(|x| x.offset <= text.len() && x.line >= 1 && x.column >= 1));
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
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
    let serde = breakwater::schema::parse_json(text).err();
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
        (breakwater::schema::stream::StreamState::SyntaxError { error, .. }, _) => assert_eq!(Err(error.clone()), want),
        (breakwater::schema::stream::StreamState::Dead { .. }, Ok(v)) => assert!(!v.valid, "dead but valid: {text:?}"),
        _ => {}
    }
    assert_eq!(check.finish(), want, "{text:?}");
}

