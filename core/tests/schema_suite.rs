//! JSON-Schema-Test-Suite (draft 2020-12 and draft-07, the required tests) through the core's
//! validator. `scripts/schema-suite.sh` fetches the suite into `target/schema-suite/`; without
//! it the test says so and passes (a user's clone has no suite).
//!
//! Schemas that need the suite's remotes (`http://localhost:1234/...`: a `$ref`, or a custom
//! `$schema`) are refused with `unresolved_ref`, or read without their remote metaschema, by
//! design (the core never fetches); they are counted apart, and every other case must match
//! the suite's verdict.

use std::path::{Path, PathBuf};

use breakwater::schema::validate::{DraftName, Validator, ValidatorOptions};
use breakwater::ErrorCode;
use serde_json::Value;

fn suite() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/schema-suite/tests"));
    dir.is_dir().then_some(dir)
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
            for t in tests {
                let expected = t["valid"].as_bool().unwrap();
                let got = validator.validate(&t["data"]);
                let text = validator.validate_text(&t["data"].to_string()).unwrap();
                if got.valid == expected
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

#[test]
fn the_required_tests_of_draft_2020_12_and_draft_7_pass() {
    let Some(root) = suite() else {
        println!("schema suite skipped: target/schema-suite is absent (scripts/schema-suite.sh fetches it)");
        return;
    };
    let mut failed = Vec::new();
    for (folder, draft) in [("draft2020-12", DraftName::Draft202012), ("draft7", DraftName::Draft7)] {
        let s = play(&root.join(folder), draft);
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
