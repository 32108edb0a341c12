//! The cost of validating model output: parsing the text, checking the value, both.
//!
//! `validate_text` parses into the zero-copy tape (`breakwater::schema::tape`) and checks
//! that; the `serde_json::Value` rows show what the same steps cost through a `Value`
//! (`check the parsed value` includes laying the value out as a tape).
//!
//! Reads the cases `bench/schema/cases.py` writes (bench/run.sh writes them to
//! `target/bench-schema`; another folder with `BREAKWATER_SCHEMA_CASES`). Results are
//! recorded in bench/README.md.

#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::hint::black_box;
use std::path::PathBuf;

use std::sync::Arc;

use breakwater::schema::stream::StreamSchema;
use breakwater::schema::tape::Doc;
use breakwater::schema::validate::{Validator, ValidatorOptions};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::Value;

fn cases() -> Option<PathBuf> {
    let dir = std::env::var_os("BREAKWATER_SCHEMA_CASES").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench-schema")),
        PathBuf::from,
    );
    dir.join("schema.json").exists().then_some(dir)
}

fn validation(c: &mut Criterion) {
    let Some(dir) = cases() else {
        eprintln!("schema bench skipped: no cases (python3 bench/schema/cases.py target/bench-schema)");
        return;
    };
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("read a case");
    let schema: Value = serde_json::from_str(&read("schema.json")).expect("the schema parses");
    let validator = Validator::new(&schema, &ValidatorOptions::default()).expect("the schema compiles");
    let stream =
        Arc::new(StreamSchema::new(&schema, &ValidatorOptions::default()).expect("the schema compiles"));
    for size in ["1kb", "20kb", "200kb"] {
        let text = read(&format!("{size}.json"));
        let value: Value = serde_json::from_str(&text).expect("the case parses");
        assert!(validator.is_valid(&value), "{size} must be valid");
        c.bench_function(&format!("schema {size}: parse the text"), |b| {
            b.iter(|| black_box(serde_json::from_str::<Value>(black_box(&text)).unwrap()));
        });
        c.bench_function(&format!("schema {size}: check the parsed value"), |b| {
            b.iter(|| black_box(validator.is_valid(black_box(&value))));
        });
        c.bench_function(&format!("schema {size}: parse into the tape"), |b| {
            b.iter(|| black_box(Doc::parse(black_box(&text)).unwrap()));
        });
        let doc = Doc::parse(&text).expect("the case parses");
        assert!(validator.is_valid_doc(&doc), "{size} must be valid as a tape");
        c.bench_function(&format!("schema {size}: check the tape"), |b| {
            b.iter(|| black_box(validator.is_valid_doc(black_box(&doc))));
        });
        c.bench_function(&format!("schema {size}: validate_text"), |b| {
            b.iter(|| black_box(validator.validate_text(black_box(&text)).unwrap()));
        });
        // A streamed output as a model sends it, in chunks of about 16 bytes (a few tokens),
        // checked as it comes, then the final verdict.
        let chunks: Vec<&str> =
            text.as_bytes().chunks(16).map(|c| std::str::from_utf8(c).expect("ASCII")).collect();
        c.bench_function(&format!("schema {size}: stream check in 16-byte chunks + finish"), |b| {
            b.iter(|| {
                let mut check = stream.check();
                for chunk in &chunks {
                    check.feed(black_box(chunk));
                }
                black_box(check.finish().unwrap())
            });
        });
    }
}

criterion_group!(benches, validation);
criterion_main!(benches);
