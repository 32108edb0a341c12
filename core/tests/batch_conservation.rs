//! Conservation: every input request ends in exactly one place, across plan, route and
//! replay rounds; nothing is lost or duplicated. A property over random inputs and outcomes,
//! and one generated input of 1,000,000 lines over several rounds.

use breakwater::batch::{
    Bucket, LedgerEntry, Manifest, OnInvalid, Placement, PlanConfig, Planner, Replay, RouteConfig, Routed,
    Router, Source,
};
use breakwater::Rng;
use proptest::prelude::*;
use std::collections::HashMap;

/// Where a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum End {
    Rejected,
    Deferred,
    Bucket(Bucket),
}

/// The host: generates line `i` on demand (so a million lines need no memory), keeps each
/// batch file as the indices of its lines, and plays the provider with a seeded outcome mix.
struct Host {
    /// Line i's text, and the custom_id it carries (duplicates and invalid lines included).
    line: fn(u64) -> (String, Option<String>),
    rng: Rng,
}

impl Host {
    fn result(&mut self, id: &str) -> Option<(Source, String)> {
        let roll = self.rng.next_f64();
        let body = |status: u16, error: &str| {
            let error = if error.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::json!({"type": error, "code": error})
            };
            let usage = serde_json::json!({"prompt_tokens": 20, "completion_tokens": 5});
            serde_json::json!({"custom_id": id, "response": {"status_code": status, "body": {"usage": usage, "error": error}}, "error": null})
        };
        let (source, value) = match roll {
            r if r < 0.55 => (Source::Output, body(200, "")),
            r if r < 0.70 => (Source::Errors, body(429, "rate_limit_exceeded")),
            r if r < 0.75 => (Source::Errors, body(400, "invalid_request_error")),
            r if r < 0.85 => (
                Source::Errors,
                serde_json::json!({"custom_id": id, "response": null, "error": {"code": "batch_expired"}}),
            ),
            r if r < 0.95 => (Source::Errors, body(503, "")),
            _ => return None,
        };
        Some((source, value.to_string()))
    }
}

/// Runs up to `rounds` rounds; returns every custom_id's end and the number of lines read.
fn run(
    host: &mut Host,
    lines: u64,
    config: PlanConfig,
    rounds: u32,
) -> (HashMap<String, End>, HashMap<u64, End>) {
    let mut by_id: HashMap<String, End> = HashMap::new();
    let mut by_line: HashMap<u64, End> = HashMap::new();
    let settle = |by_id: &mut HashMap<String, End>, id: &str, end: End| {
        by_id.insert(id.to_owned(), end);
    };

    // Round 1: plan.
    let mut planner = Planner::new(config, None).unwrap();
    let mut files: Vec<Vec<u64>> = Vec::new();
    for i in 0..lines {
        let (text, _) = (host.line)(i);
        match planner.push(text.as_bytes(), None).unwrap() {
            Placement::Planned { file, .. } => {
                if file as usize == files.len() {
                    files.push(Vec::new());
                }
                files[file as usize].push(i);
            }
            Placement::Rejected(_) => {
                by_line.insert(i, End::Rejected);
            }
            Placement::Deferred { .. } => {
                by_line.insert(i, End::Deferred);
            }
            Placement::Blank => {}
        }
    }
    let mut manifest = planner.finish();
    assert_eq!(manifest.totals.lines, lines);
    assert_eq!(
        manifest.totals.planned + manifest.totals.rejected + manifest.totals.deferred + manifest.totals.blank,
        lines,
        "plan: every line is planned, rejected, deferred or blank"
    );
    check_files(&manifest, &files, host);
    for d in &manifest.deferred {
        settle(&mut by_id, &d.custom_id, End::Deferred);
    }

    let mut ledger: Vec<LedgerEntry> = Vec::new();
    for round in 1..=rounds {
        let planned_ids: Vec<String> =
            manifest.files.iter().flat_map(|f| f.custom_ids.iter().cloned()).collect();
        let mut router = Router::new(&manifest, std::mem::take(&mut ledger), RouteConfig::default()).unwrap();
        let mut retry: Vec<Routed> = Vec::new();
        let mut counts: HashMap<Bucket, u64> = HashMap::new();
        let mut first_routed = None;
        for id in &planned_ids {
            let Some((source, line)) = host.result(id) else { continue };
            first_routed.get_or_insert_with(|| id.clone());
            let routed = router.push(source, line.as_bytes()).unwrap().expect("a result line");
            assert_eq!(&routed.custom_id, id);
            *counts.entry(routed.bucket).or_default() += 1;
            settle(&mut by_id, id, End::Bucket(routed.bucket));
            if routed.bucket == Bucket::Retry {
                retry.push(routed);
            }
        }
        // A duplicate and a stranger are reported, and change nothing.
        if let Some(id) = first_routed {
            let again =
                serde_json::json!({"custom_id": id, "response": null, "error": {"code": "batch_expired"}});
            assert!(router.push(Source::Errors, again.to_string().as_bytes()).is_err());
        }
        assert!(router
            .push(Source::Output, br#"{"custom_id": "stranger", "response": null, "error": {"code": "x"}}"#)
            .is_err());
        // The requests no line named: missing, or quarantined at their max_attempts.
        let (unanswered, report) = router.finish();
        for m in &unanswered {
            assert!(matches!(m.bucket, Bucket::Missing | Bucket::Quarantined), "{:?}", m.bucket);
            *counts.entry(m.bucket).or_default() += 1;
            settle(&mut by_id, &m.custom_id, End::Bucket(m.bucket));
        }
        let total = report.succeeded + report.retry + report.permanent + report.quarantined + report.missing;
        assert_eq!(total, planned_ids.len() as u64, "round {round}: the buckets hold every planned request");
        assert_eq!(report.retry, counts.get(&Bucket::Retry).copied().unwrap_or(0));
        assert_eq!(report.quarantined, counts.get(&Bucket::Quarantined).copied().unwrap_or(0));
        assert_eq!(report.missing, unanswered.iter().filter(|m| m.bucket == Bucket::Missing).count() as u64);
        if retry.is_empty() || round == rounds {
            break;
        }

        // Replay: stream the round's files; the retry set comes back byte-identical.
        let retry_ids: Vec<String> = retry.iter().map(|r| r.custom_id.clone()).collect();
        let mut replay = Replay::new(&manifest, retry, Vec::new(), report.actual_cost_usd).unwrap();
        let mut next: Vec<Vec<u64>> = Vec::new();
        for &i in files.iter().flatten() {
            let (text, _) = (host.line)(i);
            if let Some(Placement::Planned { file, .. }) = replay.push(text.as_bytes(), None).unwrap() {
                if file as usize == next.len() {
                    next.push(Vec::new());
                }
                next[file as usize].push(i);
            }
        }
        let outcome = replay.finish();
        assert!(outcome.not_found.is_empty());
        let m = &outcome.manifest;
        assert_eq!(
            m.totals.planned + m.totals.deferred + m.totals.rejected,
            retry_ids.len() as u64,
            "replay keeps the retry set"
        );
        for d in &m.deferred {
            settle(&mut by_id, &d.custom_id, End::Deferred);
        }
        check_files(m, &next, host);
        assert_eq!(
            outcome.ledger.iter().filter(|e| e.attempts == round + 1).count() as u64,
            m.totals.planned
        );
        manifest = outcome.manifest;
        ledger = outcome.ledger;
        files = next;
    }
    (by_id, by_line)
}

/// The manifest's ids per file are exactly the ids of the lines the host wrote there.
fn check_files(manifest: &Manifest, files: &[Vec<u64>], host: &Host) {
    assert_eq!(manifest.files.len(), files.len());
    for (summary, lines) in manifest.files.iter().zip(files) {
        let ids: Vec<String> = lines.iter().map(|&i| (host.line)(i).1.unwrap()).collect();
        assert_eq!(summary.custom_ids, ids);
        assert!(summary.requests as usize == lines.len() && summary.requests <= manifest.limits.max_requests);
        assert!(summary.bytes <= manifest.limits.max_bytes);
    }
}

/// Checks conservation: each line of the input is rejected, blank, or its id has one end.
fn check_conservation(
    lines: u64,
    line: fn(u64) -> (String, Option<String>),
    by_id: &HashMap<String, End>,
    by_line: &HashMap<u64, End>,
) {
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for i in 0..lines {
        let (text, id) = line(i);
        if text.trim().is_empty() {
            continue;
        }
        match by_line.get(&i) {
            Some(End::Rejected) => continue,
            _ => {
                let id = id.expect("a planned line has an id");
                assert!(first_line.insert(id.clone(), i).is_none(), "id {id} planned twice");
                assert!(by_id.contains_key(&id), "line {i} (id {id}) has no end");
            }
        }
    }
    assert_eq!(first_line.len(), by_id.len(), "no end without an input line");
}

fn million_line(i: u64) -> (String, Option<String>) {
    let id = format!("req-{i}");
    let model = ["gpt-4o-mini", "gpt-4.1-nano", "gpt-4o"][(i % 3) as usize];
    let text = format!(
        r#"{{"custom_id":"{id}","method":"POST","url":"/v1/chat/completions","body":{{"model":"{model}","messages":[{{"role":"user","content":"Summarise ticket {i}."}}],"max_tokens":64}}}}"#
    );
    (text, Some(id))
}

#[test]
fn a_million_lines_over_several_rounds_lose_nothing() {
    let lines = 1_000_000;
    let mut host = Host { line: million_line, rng: Rng::new(2026) };
    let config = PlanConfig { on_invalid: OnInvalid::Skip, max_attempts: 3, ..PlanConfig::default() };
    let (by_id, by_line) = run(&mut host, lines, config, 4);
    check_conservation(lines, million_line, &by_id, &by_line);
    assert_eq!(by_id.len(), 1_000_000);
    assert!(
        by_id.values().any(|e| *e == End::Bucket(Bucket::Quarantined)),
        "three rounds of failures quarantine some"
    );
}

/// A small input of mixed lines: valid, invalid, duplicated ids, blank, several models.
fn mixed_line(i: u64) -> (String, Option<String>) {
    let id = format!("r{}", i % 37); // ids repeat: later lines are duplicates
    let model = ["gpt-4o-mini", "gpt-4.1-nano"][(i % 2) as usize];
    match i % 11 {
        3 => ("{\"custom_id\": \"broken".to_owned(), None),
        5 => (String::new(), None),
        7 => (
            format!(
                r#"{{"custom_id":"{id}","method":"GET","url":"/v1/chat/completions","body":{{"model":"x"}}}}"#
            ),
            Some(id),
        ),
        _ => (
            format!(
                r#"{{"custom_id":"{id}","method":"POST","url":"/v1/chat/completions","body":{{"model":"{model}","messages":[{{"role":"user","content":"{}"}}]}}}}"#,
                "w".repeat((i % 50) as usize)
            ),
            Some(id),
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn conservation_holds_for_any_input_limits_and_outcomes(
        lines in 0u64..120,
        seed in any::<u64>(),
        per_file in 1u32..7,
        rounds in 1u32..5,
        max_attempts in 1u32..4,
        cap in proptest::option::of(0.0f64..0.001),
    ) {
        let mut host = Host { line: mixed_line, rng: Rng::new(seed) };
        let config = PlanConfig {
            on_invalid: OnInvalid::Skip,
            max_requests_per_file: Some(per_file),
            max_attempts,
            max_cost_usd: cap,
            ..PlanConfig::default()
        };
        let (by_id, by_line) = run(&mut host, lines, config, rounds);
        check_conservation(lines, mixed_line, &by_id, &by_line);
    }
}
