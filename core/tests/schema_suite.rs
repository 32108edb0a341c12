//! JSON-Schema-Test-Suite (draft 2020-12 and draft-07, the required tests) through the core's
//! validator, through the tolerant reader (a valid instance accepted as it is, an invalid one
//! never accepted unrepaired) and through the streaming check (fed in several chunkings: a
//! valid instance is never declared dead, and `finish` gives the validator's verdict; every
//! prefix of an instance, output cut short, ends as `validate_text` ends on it). `scripts/schema-suite.sh` fetches the suite into `target/schema-suite/`; without
//! it the test says so and passes (a user's clone has no suite).
//!
//! Schemas that need the suite's remotes (`http://localhost:1234/...`: a `$ref`, or a custom
//! `$schema`) are refused with `unresolved_ref`, or read without their remote metaschema, by
//! design (the core never fetches); they are counted apart, and every other case must match
//! the suite's verdict.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use breakwater::schema::stream::{StreamSchema, StreamState};
use breakwater::schema::tolerant::{ModelOutput, ReadAction, TolerantConfig, TolerantReader};
use breakwater::schema::validate::{DraftName, Validator, ValidatorOptions};
use breakwater::ErrorCode;
use serde_json::Value;

/// The suite's folders of the two drafts played; `None`, said, when the suite is absent.
fn drafts() -> Option<[(&'static str, PathBuf, DraftName); 2]> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/schema-suite/tests"));
    if !root.is_dir() {
        println!("schema suite skipped: target/schema-suite is absent (scripts/schema-suite.sh fetches it)");
        return None;
    }
    Some([
        ("draft2020-12", root.join("draft2020-12"), DraftName::Draft202012),
        ("draft7", root.join("draft7"), DraftName::Draft7),
    ])
}

struct Score {
    passed: usize,
    failed: Vec<String>,
    remote: usize,
}

fn play(dir: &Path, draft: DraftName) -> Score {
    let mut score = Score { passed: 0, failed: Vec::new(), remote: 0 };
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let options = ValidatorOptions { draft: Some(draft), ..ValidatorOptions::default() };
    for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "json")) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        for case in &cases {
            let tests = case["tests"].as_array().unwrap();
            let what = format!("{name}: {}", case["description"].as_str().unwrap_or(""));
            let remote = case["schema"].to_string().contains("localhost:1234");
            let validator = match Validator::new(&case["schema"], &options) {
                Ok(v) => v,
                Err(e) if e.code == ErrorCode::UnresolvedRef && remote => {
                    score.remote += tests.len();
                    continue;
                }
                Err(e) => {
                    score.failed.push(format!("{what}: the schema was refused: {e}"));
                    continue;
                }
            };
            let stream = Arc::new(StreamSchema::new(&case["schema"], &options).unwrap());
            for t in tests {
                let expected = t["valid"].as_bool().unwrap();
                let got = validator.validate(&t["data"]);
                let text = validator.validate_text(&t["data"].to_string()).unwrap();
                if let Err(e) = cut(&stream, &validator, &t["data"]) {
                    score.failed.push(format!("{what} / {}: cut: {e}", t["description"]));
                } else if let Err(e) = tolerant(&case["schema"], &options, &t["data"], text.valid) {
                    score.failed.push(format!("{what} / {}: tolerant reading: {e}", t["description"]));
                } else if let Err(e) = streamed(&stream, &t["data"], text.valid) {
                    score.failed.push(format!("{what} / {}: streamed: {e}", t["description"]));
                } else if got.valid == expected
                    && text.valid == expected
                    && got.valid == validator.is_valid(&t["data"])
                {
                    score.passed += 1;
                } else if remote {
                    score.remote += 1;
                } else {
                    score.failed.push(format!("{what} / {}: expected valid={expected}", t["description"]));
                }
            }
        }
    }
    score
}

/// An instance as model output writes it: compact, and indented.
fn texts(data: &Value) -> [String; 2] {
    [data.to_string(), serde_json::to_string_pretty(data).unwrap()]
}

/// The instance's text (compact and indented) read by the tolerant reader: accepted as it
/// is when the validator accepts it, never accepted unrepaired otherwise.
fn tolerant(schema: &Value, options: &ValidatorOptions, data: &Value, expected: bool) -> Result<(), String> {
    let reader =
        TolerantReader::new(schema, options, TolerantConfig::default()).map_err(|e| e.to_string())?;
    for text in texts(data) {
        let d = reader.evaluate(&ModelOutput::from_text(&text));
        match (expected, d.action) {
            (true, ReadAction::Accept) if d.value.as_ref() == Some(data) => {}
            (false, ReadAction::Reask) => {}
            (false, ReadAction::AcceptRepaired) if !d.repairs.is_empty() => {}
            (_, action) => return Err(format!("{text}: {action:?} {:?} {:?}", d.reason, d.repairs)),
        }
    }
    Ok(())
}

/// Every prefix of the instance's compact text (output cut short), streamed in two chunks:
/// `finish` ends exactly as `validate_text` on the prefix (the verdict, or the same error
/// with its line and column), and a prefix the stream calls broken is refused by it.
fn cut(stream: &Arc<StreamSchema>, validator: &Validator, data: &Value) -> Result<(), String> {
    let text = data.to_string();
    let ends: Vec<usize> = (0..text.len()).filter(|&i| text.is_char_boundary(i)).collect();
    for &end in &ends {
        let prefix = &text[..end];
        let half = ends.iter().copied().find(|&i| i >= end / 2).unwrap_or(0);
        let mut check = stream.check();
        check.feed(&prefix[..half]);
        let broken = matches!(check.feed(&prefix[half..]), StreamState::SyntaxError { .. });
        let (got, want) = (check.finish(), validator.validate_text(prefix));
        let same = match (&got, &want) {
            (Ok(a), Ok(b)) => a.valid == b.valid && !broken,
            (Err(a), Err(b)) => {
                (a.code, a.line, a.column, &a.message) == (b.code, b.line, b.column, &b.message)
            }
            _ => false,
        };
        if !same {
            return Err(format!("{prefix:?}: streamed {got:?}, validate_text {want:?}"));
        }
    }
    Ok(())
}

/// The instance's text (compact and indented) fed in chunks of 1, 3 and 7 bytes and whole:
/// an instance the validator accepts is never declared dead, and `finish` gives the
/// validator's verdict (`expected`: `validate_text`'s, which the suite's decides above).
fn streamed(stream: &Arc<StreamSchema>, data: &Value, expected: bool) -> Result<(), String> {
    for text in texts(data) {
        for size in [1, 3, 7, usize::MAX] {
            let mut check = stream.check();
            let mut from = 0;
            while from < text.len() {
                let mut to = from.saturating_add(size).min(text.len());
                while !text.is_char_boundary(to) {
                    to += 1;
                }
                let state = check.feed(&text[from..to]).clone();
                match state {
                    StreamState::Dead { violation, .. } if expected => {
                        return Err(format!(
                            "valid, declared dead after {to} bytes ({size}-byte chunks): {violation:?}"
                        ));
                    }
                    StreamState::SyntaxError { error, .. } => return Err(format!("syntax error: {error}")),
                    _ => {}
                }
                from = to;
            }
            let valid = check.finish().map_err(|e| e.to_string())?.valid;
            if valid != expected {
                return Err(format!("finish said valid={valid} ({size}-byte chunks)"));
            }
        }
    }
    Ok(())
}

#[test]
fn the_required_tests_of_draft_2020_12_and_draft_7_pass() {
    let Some(drafts) = drafts() else { return };
    let mut failed = Vec::new();
    for (folder, dir, draft) in drafts {
        let s = play(&dir, draft);
        println!(
            "schema suite {folder}: {} passed, {} failed, {} need the remotes (never fetched)",
            s.passed,
            s.failed.len(),
            s.remote
        );
        failed.extend(s.failed);
    }
    assert!(failed.is_empty(), "{} failures:\n{}", failed.len(), failed.join("\n"));
}

/// Every schema of the suite through the other operations: `lint` and `to_strict` never
/// fail on a schema the validator compiles (a strict form they accept compiles and passes
/// the lint), a schema diffed with itself has no change, and where `diff` says two schemas
/// of one file are BACKWARD (FORWARD) compatible, no test instance of either that the old
/// (new) schema accepts is refused by the other.
#[test]
fn the_suites_schemas_through_lint_strict_and_diff() {
    use breakwater::schema::diff::{diff, DiffOptions};
    use breakwater::schema::lint::{lint, LintOptions};
    use breakwater::schema::strict::{to_strict, StrictOptions};

    let Some(drafts) = drafts() else { return };
    let mut failed = Vec::new();
    // What strict mode cannot hold (a boolean subschema, as openai-python refuses it) and a
    // `$ref` that leaves the document (through an `$id`, or to a metaschema) are refused.
    let refusal =
        |e: &breakwater::Error| matches!(e.code, ErrorCode::InvalidSchema | ErrorCode::UnresolvedRef);
    let (mut schemas, mut pairs, mut verdicts, mut refused) = (0, 0, 0, 0);
    let mut files = Vec::new();
    for (_, dir, draft) in drafts {
        let mut found: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        found.sort();
        files.extend(found.into_iter().map(|f| (f, draft)));
    }
    for (file, draft) in files.iter().filter(|(f, _)| f.extension().is_some_and(|e| e == "json")) {
        let options = ValidatorOptions { draft: Some(*draft), ..ValidatorOptions::default() };
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let compiled: Vec<(&Value, Validator, Vec<&Value>)> = cases
            .iter()
            .filter(|c| !c["schema"].to_string().contains("localhost:1234"))
            .filter_map(|c| {
                let v = Validator::new(&c["schema"], &options).ok()?;
                Some((&c["schema"], v, c["tests"].as_array().unwrap().iter().map(|t| &t["data"]).collect()))
            })
            .collect();
        for (schema, _, _) in &compiled {
            schemas += 1;
            let _ = lint(schema, &LintOptions::default());
            match to_strict(schema, &StrictOptions::default()) {
                Ok(strict) => {
                    if let (true, Some(form)) = (strict.ok, &strict.schema) {
                        if Validator::new(form, &options).is_err() || !lint(form, &LintOptions::default()).ok
                        {
                            failed.push(format!(
                                "{name}: the strict form of {schema} fails the lint or the validator"
                            ));
                        }
                    }
                }
                Err(e) if refusal(&e) => refused += 1,
                Err(e) => failed.push(format!("{name}: to_strict failed on {schema}: {e}")),
            }
            match diff(schema, schema, &DiffOptions::default()) {
                Ok(r) if r.changes.is_empty() && r.full => {}
                Ok(r) => failed.push(format!("{name}: {schema} differs from itself: {:?}", r.changes)),
                Err(e) if refusal(&e) => refused += 1,
                Err(e) => failed.push(format!("{name}: diff failed on {schema}: {e}")),
            }
        }
        for (old, old_v, old_data) in &compiled {
            for (new, new_v, new_data) in &compiled {
                if std::ptr::eq(*old, *new) {
                    continue;
                }
                let Ok(report) = diff(old, new, &DiffOptions::default()) else { continue };
                pairs += 1;
                for data in old_data.iter().chain(new_data) {
                    let (in_old, in_new) = (old_v.is_valid(data), new_v.is_valid(data));
                    verdicts += 1;
                    if report.backward && in_old && !in_new {
                        failed
                            .push(format!("{name}: BACKWARD said of {old} -> {new}, but {data} is refused"));
                    }
                    if report.forward && in_new && !in_old {
                        failed.push(format!("{name}: FORWARD said of {old} -> {new}, but {data} is refused"));
                    }
                }
            }
        }
    }
    println!(
        "schema suite draft2020-12 and draft7: {schemas} schemas linted, made strict and diffed ({refused} refused: \
         invalid_schema or unresolved_ref); {pairs} pairs diffed, {verdicts} instances checked against the verdicts"
    );
    assert!(failed.is_empty(), "{} failures:\n{}", failed.len(), failed.join("\n"));
}
