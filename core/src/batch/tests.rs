use super::*;
use crate::ErrorCode;

fn chat(id: &str, model: &str, content: &str) -> String {
    serde_json::json!({
        "custom_id": id, "method": "POST", "url": "/v1/chat/completions",
        "body": {"model": model, "messages": [{"role": "user", "content": content}], "max_tokens": 100}
    })
    .to_string()
}

fn skip() -> PlanConfig {
    PlanConfig { on_invalid: OnInvalid::Skip, ..PlanConfig::default() }
}

fn planned(p: &Placement) -> (u32, bool, Option<u32>) {
    match p {
        Placement::Planned { file, opened, closed, .. } => (*file, *opened, *closed),
        other => panic!("not planned: {other:?}"),
    }
}

fn rejected(p: Result<Placement, crate::Error>) -> Rejection {
    match p {
        Ok(Placement::Rejected(r)) => r,
        other => panic!("not rejected: {other:?}"),
    }
}

#[test]
fn one_model_and_one_endpoint_per_file_and_every_limit_closes_a_file() {
    let config = PlanConfig { max_requests_per_file: Some(2), ..skip() };
    let mut p = Planner::new(config, None).unwrap();
    assert_eq!(planned(&p.push(chat("a", "gpt-4o-mini", "hi").as_bytes(), None).unwrap()), (0, true, None));
    assert_eq!(planned(&p.push(chat("b", "gpt-4o", "hi").as_bytes(), None).unwrap()), (1, true, None));
    assert_eq!(planned(&p.push(chat("c", "gpt-4o-mini", "hi").as_bytes(), None).unwrap()), (0, false, None));
    // The third gpt-4o-mini request does not fit two per file: file 0 is full.
    assert_eq!(
        planned(&p.push(chat("d", "gpt-4o-mini", "hi").as_bytes(), None).unwrap()),
        (2, true, Some(0))
    );
    let m = p.finish();
    assert_eq!(m.files.iter().map(|f| f.custom_ids.len()).collect::<Vec<_>>(), [2, 1, 1]);
    assert_eq!(m.files[0].custom_ids, ["a", "c"]);
    assert_eq!(m.files[0].model, "gpt-4o-mini");
    assert_eq!(m.files[1].model, "gpt-4o");
    assert_eq!(m.warnings.iter().map(|w| w.code).collect::<Vec<_>>(), [WarningCode::MixedModels]);
    assert_eq!(m.totals.planned, 4);
    assert_eq!(m.totals.bytes, m.files.iter().map(|f| f.bytes).sum::<u64>());
}

#[test]
fn bytes_embedding_inputs_and_enqueued_tokens_bound_a_file() {
    let line = chat("a", "m", "x");
    let bytes = line.len() as u64 + 1;
    let config = PlanConfig { max_bytes_per_file: Some(2 * bytes + 5), ..skip() };
    let mut p = Planner::new(config, None).unwrap();
    for id in ["a", "b", "c"] {
        p.push(chat(id, "m", "x").as_bytes(), None).unwrap();
    }
    assert_eq!(p.finish().files.iter().map(|f| f.requests).collect::<Vec<_>>(), [2, 1]);

    let embed = |id: &str, n: usize| {
        serde_json::json!({"custom_id": id, "method": "POST", "url": "/v1/embeddings",
            "body": {"model": "text-embedding-3-small", "input": vec!["abcd"; n]}})
        .to_string()
    };
    let config = PlanConfig { max_embedding_inputs_per_file: Some(10), ..skip() };
    let mut p = Planner::new(config, None).unwrap();
    for (id, n) in [("a", 6), ("b", 4), ("c", 1)] {
        p.push(embed(id, n).as_bytes(), None).unwrap();
    }
    let r = rejected(p.push(embed("d", 11).as_bytes(), None));
    assert_eq!((r.code, r.custom_id.as_deref()), (LineCode::TooManyInputs, Some("d")));
    let m = p.finish();
    assert_eq!(m.files.iter().map(|f| f.embedding_inputs).collect::<Vec<_>>(), [10, 1]);
    assert_eq!(m.files[0].output_tokens, 0, "embeddings have no output");

    // 400 chars (and the role's 4) = 101 tokens + 6 of framing; a 250-token limit holds two per file, and the
    // waves of one model fit the limit together.
    let text = "y".repeat(400);
    let config = PlanConfig { enqueued_tokens: [("m".to_owned(), 250)].into(), ..skip() };
    let mut p = Planner::new(config, None).unwrap();
    for id in ["a", "b", "c", "d", "e"] {
        p.push(chat(id, "m", &text).as_bytes(), None).unwrap();
    }
    assert_eq!(
        rejected(p.push(chat("f", "m", &"y".repeat(1200)).as_bytes(), None)).code,
        LineCode::TokensOverLimit
    );
    p.push(chat("g", "m", "short").as_bytes(), Some(1)).unwrap();
    let m = p.finish();
    assert_eq!(m.files.iter().map(|f| f.input_tokens).collect::<Vec<_>>(), [214, 214, 108]);
    assert_eq!(m.files.iter().map(|f| f.wave).collect::<Vec<_>>(), [1, 2, 3]);

    // A dated snapshot counts against its model's limit and queue (as it takes its price),
    // unless it has a limit of its own.
    let config = PlanConfig { enqueued_tokens: [("gpt-4o-mini".to_owned(), 250)].into(), ..skip() };
    let mut p = Planner::new(config.clone(), None).unwrap();
    assert_eq!(
        rejected(p.push(chat("f", "gpt-4o-mini-2024-07-18", &"y".repeat(1200)).as_bytes(), None)).code,
        LineCode::TokensOverLimit
    );
    p.push(chat("a", "gpt-4o-mini", &text).as_bytes(), None).unwrap();
    p.push(chat("b", "gpt-4o-mini", &text).as_bytes(), None).unwrap();
    p.push(chat("c", "gpt-4o-mini-2024-07-18", &text).as_bytes(), None).unwrap();
    let m = p.finish();
    assert_eq!(m.files.iter().map(|f| f.input_tokens).collect::<Vec<_>>(), [214, 107]);
    assert_eq!(m.files.iter().map(|f| f.wave).collect::<Vec<_>>(), [1, 2], "one queue of 250 tokens");
    let own = PlanConfig {
        enqueued_tokens: [("gpt-4o-mini".to_owned(), 250), ("gpt-4o-mini-2024-07-18".to_owned(), 1000)]
            .into(),
        ..skip()
    };
    assert_eq!(own.queue("gpt-4o-mini-2024-07-18"), "gpt-4o-mini-2024-07-18");
    assert_eq!(own.enqueued_limit("gpt-4o-mini-2024-07-18"), Some(1000));
    assert_eq!(config.enqueued_limit("gpt-4o-mini-2024-07-18"), Some(250));
}

#[test]
fn every_bad_line_is_rejected_with_its_line_field_and_code() {
    let long = "x".repeat(65);
    let cases: Vec<(Vec<u8>, LineCode, &str)> = vec![
        (b"{\"custom_id\": \"a\", \xff}".to_vec(), LineCode::InvalidUtf8, ""),
        (b"not json".to_vec(), LineCode::InvalidJson, ""),
        (b"{\"custom_id\": \"a\", \"method\": \"PO".to_vec(), LineCode::TruncatedLine, "method"),
        (b"[1, 2]".to_vec(), LineCode::NotAnObject, ""),
        (br#"{"method": "POST"}"#.to_vec(), LineCode::MissingCustomId, "custom_id"),
        (br#"{"custom_id": 7}"#.to_vec(), LineCode::InvalidCustomId, "custom_id"),
        (br#"{"custom_id": ""}"#.to_vec(), LineCode::InvalidCustomId, "custom_id"),
        (format!(r#"{{"custom_id": "{long}"}}"#).into_bytes(), LineCode::CustomIdTooLong, "custom_id"),
        (br#"{"custom_id": "a"}"#.to_vec(), LineCode::MissingMethod, "method"),
        (br#"{"custom_id": "a", "method": "GET"}"#.to_vec(), LineCode::InvalidMethod, "method"),
        (br#"{"custom_id": "a", "method": "POST"}"#.to_vec(), LineCode::MissingUrl, "url"),
        (br#"{"custom_id": "a", "method": "POST", "url": "/v1/files"}"#.to_vec(), LineCode::UnknownEndpoint, "url"),
        (br#"{"custom_id": "a", "method": "POST", "url": "/v1/embeddings"}"#.to_vec(), LineCode::MissingBody, "body"),
        (br#"{"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {}}"#.to_vec(), LineCode::MissingModel, "body.model"),
        (
            br#"{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "m", "max_tokens": -1}}"#.to_vec(),
            LineCode::InvalidField,
            "body.max_tokens",
        ),
    ];
    let mut p = Planner::new(skip(), None).unwrap();
    for (n, (line, code, path)) in cases.iter().enumerate() {
        let r = rejected(p.push(line, None));
        assert_eq!(
            (r.code, r.path.as_str(), r.line),
            (*code, *path, n as u64 + 1),
            "{}",
            String::from_utf8_lossy(line)
        );
    }
    let m = p.finish();
    assert_eq!(m.rejected.len(), cases.len());
    assert_eq!(m.totals.rejected, cases.len() as u64);
    assert!(m.files.is_empty());
}

#[test]
fn a_byte_order_mark_is_named_in_the_rejection() {
    // What an editor or PowerShell 5 writes at the start of a "UTF-8" file.
    let line = format!("\u{feff}{}", chat("a", "m", "x"));
    let r = rejected(Planner::new(skip(), None).unwrap().push(line.as_bytes(), None));
    assert_eq!((r.code, r.line), (LineCode::InvalidJson, 1));
    assert!(r.message.contains("byte order mark"), "{}", r.message);
}

#[test]
fn ids_are_unique_across_the_whole_input_and_a_stopping_plan_names_the_line() {
    let mut p = Planner::new(PlanConfig { max_requests_per_file: Some(1), ..skip() }, None).unwrap();
    p.push(chat("a", "m1", "x").as_bytes(), None).unwrap();
    p.push(chat("b", "m2", "x").as_bytes(), None).unwrap();
    let r = rejected(p.push(chat("a", "m2", "x").as_bytes(), None));
    assert_eq!((r.code, r.line), (LineCode::DuplicateCustomId, 3));
    assert!(r.message.contains("line 1"), "{}", r.message);

    let mut p = Planner::new(PlanConfig::default(), None).unwrap();
    p.push(chat("a", "m", "x").as_bytes(), None).unwrap();
    let error = p.push(chat("a", "m", "x").as_bytes(), None).unwrap_err();
    assert_eq!(
        (error.code, error.path.as_str(), error.line),
        (ErrorCode::InvalidValue, "custom_id", Some(2))
    );
    assert!(error.message.contains("duplicate_custom_id"));
    assert_eq!(p.finish().rejected.len(), 1, "the stopping line is in the manifest too");
}

#[test]
fn an_oversized_line_is_rejected_without_being_read() {
    let mut p = Planner::new(skip(), None).unwrap();
    assert_eq!(p.max_line_bytes(), 200_000_000 - 1);
    let r = rejected(p.push_oversized(300_000_000));
    assert_eq!((r.code, r.line), (LineCode::LineTooLarge, 1));
    let config = PlanConfig { max_bytes_per_file: Some(50), ..skip() };
    let mut p = Planner::new(config, None).unwrap();
    assert_eq!(rejected(p.push(chat("a", "m", "x").as_bytes(), None)).code, LineCode::LineTooLarge);
    assert_eq!(p.push(b"  \r", None).unwrap(), Placement::Blank);
    let m = p.finish();
    assert_eq!((m.totals.lines, m.totals.blank, m.totals.rejected), (2, 1, 1));
}

#[test]
fn anthropic_requests_and_their_refused_params() {
    let config = PlanConfig { provider: Provider::Anthropic, ..skip() };
    let mut p = Planner::new(config, None).unwrap();
    let line =
        |params: serde_json::Value| serde_json::json!({"custom_id": "a", "params": params}).to_string();
    let ok = line(
        serde_json::json!({"model": "claude-haiku-4-5", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}),
    );
    assert!(matches!(p.push(ok.as_bytes(), None).unwrap(), Placement::Planned { .. }));
    let stream = line(serde_json::json!({"model": "m", "max_tokens": 10, "stream": true}));
    assert_eq!(rejected(p.push(stream.as_bytes(), None)).path, "params.stream");
    let zero = line(serde_json::json!({"model": "m", "max_tokens": 0}));
    assert_eq!(rejected(p.push(zero.as_bytes(), None)).code, LineCode::UnsupportedParam);
    let m = p.finish();
    assert_eq!(m.files[0].endpoint, ANTHROPIC_ENDPOINT);
    assert_eq!(m.limits.max_requests, 100_000);
}

#[test]
fn the_cost_cap_stops_the_plan_and_defers_the_rest() {
    let prices: PriceTable = serde_json::from_value(serde_json::json!({
        "date": "d", "source": "test", "models": {"m": {"input": 2.0, "output": 4.0}}
    }))
    .unwrap();
    // Each request: 404 chars (101 tokens) + 6 framing + 100 output tokens.
    let text = "z".repeat(400);
    let each = (107.0 * 1.0 + 100.0 * 2.0) / 1e6;
    let config = PlanConfig { max_cost_usd: Some(each * 2.5), ..skip() };
    let mut p = Planner::new(config, Some(prices)).unwrap();
    let mut placements = Vec::new();
    for id in ["a", "b", "c", "d"] {
        placements.push(p.push(chat(id, "m", &text).as_bytes(), None).unwrap());
    }
    placements.push(p.push(chat("e", "unpriced", "x").as_bytes(), None).unwrap());
    assert!(matches!(placements[1], Placement::Planned { .. }));
    assert_eq!(placements[2], Placement::Deferred { reason: DeferReason::CostCap });
    assert_eq!(placements[4], Placement::Deferred { reason: DeferReason::CostCap }, "the plan stopped");
    let m = p.finish();
    assert_eq!(m.stopped_at_line, Some(3));
    assert_eq!(m.deferred.iter().map(|d| d.custom_id.as_str()).collect::<Vec<_>>(), ["c", "d", "e"]);
    assert!((m.totals.estimated_cost_usd - 2.0 * each).abs() < 1e-12);
    assert!((m.totals.sync_cost_usd - 2.0 * (107.0 * 2.0 + 100.0 * 4.0) / 1e6).abs() < 1e-12);
}

fn output(id: &str, status: u16, body: serde_json::Value) -> String {
    serde_json::json!({"id": "batch_req_1", "custom_id": id, "response": {"status_code": status, "request_id": "r", "body": body}, "error": null})
        .to_string()
}

fn failed(id: &str, code: &str) -> String {
    serde_json::json!({"id": "batch_req_1", "custom_id": id, "response": null, "error": {"code": code, "message": "m"}}).to_string()
}

fn plan_of(ids: &[&str]) -> Manifest {
    let mut p = Planner::new(PlanConfig::default(), None).unwrap();
    for id in ids {
        p.push(chat(id, "gpt-4o-mini", "hello").as_bytes(), None).unwrap();
    }
    p.finish()
}

#[test]
fn results_land_in_exactly_one_bucket() {
    let ids = ["ok", "limited", "quota", "bad", "expired", "timeout", "server", "odd", "gone", "garbled"];
    let manifest = plan_of(&ids);
    let mut router = Router::new(&manifest, Vec::new(), RouteConfig::default()).unwrap();
    let usage = serde_json::json!({"prompt_tokens": 1000, "completion_tokens": 10, "prompt_tokens_details": {"cached_tokens": 200}});
    let lines = [
        (
            Source::Output,
            output("ok", 200, serde_json::json!({"model": "gpt-4o-mini-2024-07-18", "usage": usage})),
        ),
        (
            Source::Errors,
            output(
                "limited",
                429,
                serde_json::json!({"error": {"type": "requests", "code": "rate_limit_exceeded"}}),
            ),
        ),
        (
            Source::Errors,
            output(
                "quota",
                429,
                serde_json::json!({"error": {"type": "insufficient_quota", "code": "insufficient_quota"}}),
            ),
        ),
        (
            Source::Errors,
            output("bad", 400, serde_json::json!({"error": {"type": "invalid_request_error", "code": null}})),
        ),
        (Source::Errors, failed("expired", "batch_expired")),
        (Source::Errors, failed("timeout", "request_timeout")),
        (Source::Errors, output("server", 500, serde_json::json!({}))),
        (Source::Errors, failed("odd", "something_new")),
    ];
    let mut got = Vec::new();
    for (source, line) in &lines {
        let r = router.push(*source, line.as_bytes()).unwrap().unwrap();
        got.push((r.custom_id.clone(), r.bucket, r.reason.as_str()));
    }
    let issue = router.push(Source::Errors, failed("ok", "batch_expired").as_bytes()).unwrap_err();
    assert_eq!(
        (issue.code, issue.line, issue.source.as_str()),
        (RouteIssueCode::DuplicateResult, 8, "errors")
    );
    let issue =
        router.push(Source::Output, output("stranger", 200, serde_json::json!({})).as_bytes()).unwrap_err();
    assert_eq!(issue.code, RouteIssueCode::UnknownCustomId);
    assert_eq!(router.push(Source::Output, b"{").unwrap_err().code, RouteIssueCode::InvalidResult);
    // A line that names its request but is no readable result (an HTML error page as the body,
    // usage counted in floats): the request may have run and been billed, so it is neither
    // replayed nor missing but quarantined, and the issue names it.
    let unreadable = output("garbled", 502, serde_json::json!("<html>Bad gateway</html>"));
    let routed = router.push(Source::Errors, unreadable.as_bytes()).unwrap().unwrap();
    assert_eq!((routed.bucket, routed.reason.as_str()), (Bucket::Quarantined, "unreadable_result"));
    // Named again, or naming nobody: an issue only.
    let again = router.push(Source::Errors, unreadable.as_bytes()).unwrap_err();
    assert_eq!((again.code, again.custom_id.as_deref()), (RouteIssueCode::InvalidResult, Some("garbled")));
    let (missing, report) = router.finish();
    let expect = [
        ("ok", Bucket::Succeeded, "ok"),
        ("limited", Bucket::Retry, "rate_limited"),
        ("quota", Bucket::Permanent, "insufficient_quota"),
        ("bad", Bucket::Permanent, "bad_request"),
        ("expired", Bucket::Retry, "batch_expired"),
        ("timeout", Bucket::Retry, "request_timeout"),
        ("server", Bucket::Retry, "server_error"),
        ("odd", Bucket::Permanent, "unknown_error"),
    ];
    assert_eq!(got, expect.map(|(i, b, r)| (i.to_owned(), b, r)));
    assert_eq!(
        missing.iter().map(|m| (m.custom_id.as_str(), m.bucket)).collect::<Vec<_>>(),
        [("gone", Bucket::Missing)]
    );
    assert_eq!(
        (report.succeeded, report.retry, report.permanent, report.quarantined, report.missing),
        (1, 4, 3, 1, 1)
    );
    assert_eq!(report.issues.len(), 5);
    let named: Vec<_> = report.issues.iter().filter_map(|i| i.custom_id.as_deref()).collect();
    assert_eq!(
        named,
        ["ok", "stranger", "garbled", "garbled"],
        "an unreadable line's issue names its request"
    );
    assert_eq!(
        report.usage,
        Usage { input_tokens: 1000, cached_input_tokens: 200, output_tokens: 10, ..Usage::default() }
    );
    // gpt-4o-mini: 0.15 input, 0.075 cached, 0.6 output per 1M; batch half of each.
    let batch = (800.0 * 0.075 + 200.0 * 0.0375 + 10.0 * 0.3) / 1e6;
    assert!((report.actual_cost_usd - batch).abs() < 1e-12, "{}", report.actual_cost_usd);
}

#[test]
fn a_success_without_usage_is_unpriced_not_free() {
    let manifest = plan_of(&["a", "b"]);
    let mut router = Router::new(&manifest, Vec::new(), RouteConfig::default()).unwrap();
    let usage = serde_json::json!({"prompt_tokens": 1000, "completion_tokens": 10});
    router
        .push(
            Source::Output,
            output("a", 200, serde_json::json!({"model": "gpt-4o-mini", "usage": usage})).as_bytes(),
        )
        .unwrap();
    router
        .push(Source::Output, output("b", 200, serde_json::json!({"model": "gpt-4o-mini"})).as_bytes())
        .unwrap();
    let (_, report) = router.finish();
    assert_eq!((report.succeeded, report.unpriced), (2, 1));
    assert!(report.actual_cost_usd > 0.0);
}

#[test]
fn anthropic_results_and_quarantine_after_max_attempts() {
    let config = PlanConfig { provider: Provider::Anthropic, max_attempts: 2, ..PlanConfig::default() };
    let mut p = Planner::new(config, None).unwrap();
    for id in ["a", "b", "c", "d", "e"] {
        let line =
            serde_json::json!({"custom_id": id, "params": {"model": "claude-haiku-4-5", "max_tokens": 5}});
        p.push(line.to_string().as_bytes(), None).unwrap();
    }
    let manifest = p.finish();
    let ledger = vec![LedgerEntry {
        custom_id: "d".into(),
        attempts: 2,
        history: vec![HistoryEntry {
            round: 1,
            file: "batch-0001.jsonl".into(),
            reason: RouteReason::Http(crate::transport::classify::ClassReason::Overloaded),
            status_code: None,
        }],
    }];
    let mut router = Router::new(&manifest, ledger, RouteConfig::default()).unwrap();
    let result = |id: &str, result: serde_json::Value| {
        serde_json::json!({"custom_id": id, "result": result}).to_string()
    };
    let message = serde_json::json!({"type": "succeeded", "message": {"model": "claude-haiku-4-5",
        "usage": {"input_tokens": 10, "cache_read_input_tokens": 90, "output_tokens": 5}}});
    let overloaded = serde_json::json!({"type": "errored", "error": {"type": "error", "error": {"type": "overloaded_error", "message": "x"}}});
    let invalid = serde_json::json!({"type": "errored", "error": {"type": "error", "error": {"type": "invalid_request_error", "message": "x"}}});
    let cases = [
        ("a", message, Bucket::Succeeded),
        ("b", invalid, Bucket::Permanent),
        ("c", serde_json::json!({"type": "expired"}), Bucket::Retry),
        ("d", overloaded, Bucket::Quarantined),
        ("e", serde_json::json!({"type": "canceled"}), Bucket::Retry),
    ];
    for (id, r, bucket) in cases {
        let routed = router.push(Source::Output, result(id, r).as_bytes()).unwrap().unwrap();
        assert_eq!(routed.bucket, bucket, "{id}");
        if id == "d" {
            // Both failed attempts: the ledger's and this round's.
            assert_eq!((routed.attempts, routed.history.len()), (2, 2));
        }
    }
    let (missing, report) = router.finish();
    assert!(missing.is_empty());
    assert_eq!(
        report.usage,
        Usage { input_tokens: 100, cached_input_tokens: 90, output_tokens: 5, ..Usage::default() }
    );
}

#[test]
fn replay_keeps_lines_and_ids_and_counts_attempts_in_the_ledger() {
    let lines: Vec<String> =
        ["a", "b", "c"].iter().map(|id| chat(id, "gpt-4o-mini", &format!("question {id}"))).collect();
    let mut p = Planner::new(PlanConfig { max_attempts: 2, ..PlanConfig::default() }, None).unwrap();
    for line in &lines {
        p.push(line.as_bytes(), None).unwrap();
    }
    let manifest = p.finish();
    let mut router = Router::new(&manifest, Vec::new(), RouteConfig::default()).unwrap();
    router.push(Source::Output, output("a", 200, serde_json::json!({})).as_bytes()).unwrap();
    let retry = vec![router.push(Source::Errors, failed("b", "batch_expired").as_bytes()).unwrap().unwrap()];
    let (missing, report) = router.finish();
    assert_eq!(missing.len(), 1);
    let mut replay = Replay::new(&manifest, retry, Vec::new(), report.actual_cost_usd).unwrap();
    let mut kept = Vec::new();
    for line in &lines {
        if let Some(placement) = replay.push(line.as_bytes(), None).unwrap() {
            assert!(matches!(placement, Placement::Planned { .. }));
            kept.push(line.clone());
        }
    }
    assert_eq!(kept, [lines[1].clone()], "byte-identical");
    let out = replay.finish();
    assert_eq!(out.manifest.round, 2);
    assert_eq!(out.manifest.files[0].custom_ids, ["b"]);
    assert_eq!(out.ledger.len(), 1);
    assert_eq!((out.ledger[0].attempts, out.ledger[0].history[0].reason.as_str()), (2, "batch_expired"));
    assert!(out.not_found.is_empty());

    // Round 2 fails again: at 2 of 2 attempts, b is quarantined with the history of both.
    let mut router = Router::new(&out.manifest, out.ledger.clone(), RouteConfig::default()).unwrap();
    let routed = router.push(Source::Errors, failed("b", "batch_expired").as_bytes()).unwrap().unwrap();
    assert_eq!((routed.bucket, routed.attempts, routed.history.len()), (Bucket::Quarantined, 2, 2));
    assert_eq!(routed.history.iter().map(|h| h.round).collect::<Vec<_>>(), [1, 2]);

    // Round 2 gets no result at all (its batch failed): at 2 of 2 attempts, b is quarantined
    // too, not missing, so that `--include-missing` does not send it for ever.
    let router = Router::new(&out.manifest, out.ledger, RouteConfig::default()).unwrap();
    let (unanswered, report) = router.finish();
    assert_eq!((report.missing, report.quarantined), (0, 1));
    assert_eq!((unanswered[0].bucket, unanswered[0].reason.as_str()), (Bucket::Quarantined, "no_result"));
    assert_eq!(unanswered[0].history.len(), 2);
}

#[test]
fn configs_and_manifests_are_checked() {
    let bad = [
        (
            PlanConfig { max_requests_per_file: Some(60_000), ..PlanConfig::default() },
            "max_requests_per_file",
        ),
        (PlanConfig { max_bytes_per_file: Some(0), ..PlanConfig::default() }, "max_bytes_per_file"),
        (PlanConfig { chars_per_token: 0.0, ..PlanConfig::default() }, "chars_per_token"),
        (PlanConfig { max_cost_usd: Some(f64::NAN), ..PlanConfig::default() }, "max_cost_usd"),
        (PlanConfig { max_attempts: 0, ..PlanConfig::default() }, "max_attempts"),
        (PlanConfig { file_prefix: "../x".into(), ..PlanConfig::default() }, "file_prefix"),
    ];
    for (config, path) in bad {
        assert_eq!(Planner::new(config, None).err().map(|e| e.path), Some(path.to_owned()));
    }
    let mut manifest = plan_of(&["a"]);
    manifest.format = "other".into();
    let error = Router::new(&manifest, Vec::new(), RouteConfig::default()).err().unwrap();
    assert_eq!(error.path, "manifest.format");
    let text = serde_json::to_string(&plan_of(&["a", "b"])).unwrap();
    assert_eq!(Manifest::from_json(&text).unwrap(), plan_of(&["a", "b"]));
}

proptest::proptest! {
    /// Any bytes, and any cut or corruption of a valid line: a placement or a rejection with a
    /// code and the line number, never a panic, and the totals add up.
    #[test]
    fn any_line_is_placed_or_rejected_never_a_panic(
        lines in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..80), 0..20),
        cut in 0usize..200,
        flip in 0usize..200,
    ) {
        let mut p = Planner::new(skip(), None).unwrap();
        let valid = chat("v", "gpt-4o-mini", "text").into_bytes();
        let mut mutated = valid.clone();
        let at = flip % mutated.len();
        mutated[at] ^= 0x20;
        let cut_line = valid[..cut.min(valid.len())].to_vec();
        for (n, line) in lines.iter().chain([&mutated, &cut_line]).enumerate() {
            match p.push(line, None).unwrap() {
                Placement::Rejected(r) => proptest::prop_assert_eq!(r.line, n as u64 + 1),
                Placement::Planned { .. } | Placement::Deferred { .. } | Placement::Blank => {}
            }
        }
        let m = p.finish();
        let t = &m.totals;
        proptest::prop_assert_eq!(t.planned + t.rejected + t.deferred + t.blank, t.lines);
        proptest::prop_assert_eq!(m.files.iter().map(|f| f.custom_ids.len() as u64).sum::<u64>(), t.planned);
    }
}

#[test]
fn responses_input_items_are_measured_like_messages() {
    let line = serde_json::json!({"custom_id": "r", "method": "POST", "url": "/v1/responses",
        "body": {"model": "gpt-4o-mini", "input": [{"role": "user", "content": [{"type": "input_text", "text": "abcdefgh"}]}], "max_output_tokens": 5}});
    let mut p = Planner::new(PlanConfig::default(), None).unwrap();
    p.push(line.to_string().as_bytes(), None).unwrap();
    let m = p.finish();
    // "user", "input_text", "abcdefgh" = 22 characters = 6 tokens, one message framed: + 6.
    assert_eq!((m.files[0].input_tokens, m.files[0].output_tokens, m.files[0].embedding_inputs), (12, 5, 0));
}

#[test]
fn base64_payloads_count_as_an_image_not_as_their_bytes() {
    // Anthropic's image block carries bare base64 (`source.data`); a data: URL its prefix. A
    // 6 MB payload read as text was 1.5 million tokens, over any enqueued limit.
    let data = "iVBORw0KGgo".repeat(600_000);
    let anthropic = serde_json::json!({"custom_id": "a", "params": {"model": "claude-sonnet-4-5", "max_tokens": 10,
        "messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}]}]}});
    let config = PlanConfig { provider: super::Provider::Anthropic, ..PlanConfig::default() };
    let text = anthropic.to_string();
    let request = super::request::read(text.as_bytes(), 1, &config).unwrap();
    let tokens = request.estimate_prompt_tokens(config.chars_per_token);
    assert!((765..800).contains(&tokens), "{tokens}");
    // Prose is counted by its characters, however long; so is a long word with a space in it.
    let prose = format!("{} {}", "x".repeat(2000), "y".repeat(2000));
    let line = chat("p", "gpt-4o-mini", &prose);
    let request = super::request::read(line.as_bytes(), 1, &PlanConfig::default()).unwrap();
    assert!(request.estimate_prompt_tokens(4.0) > 1000);
    // A long run without a space in the prompt (a DNA sequence, a hex dump) is text too: only
    // under a `data` key is such a run a payload.
    for run in ["ACGT".repeat(25_000), "0123456789abcdef".repeat(6_000)] {
        let line = chat("d", "gpt-4o", &run);
        let request = super::request::read(line.as_bytes(), 1, &PlanConfig::default()).unwrap();
        assert!(request.estimate_prompt_tokens(4.0) >= run.len() as u64 / 4, "{}", run.len());
    }
    // Text outside ASCII runs near a token a character (Chinese, Japanese, Korean): each such
    // character counts as a token, ASCII ones a quarter.
    let japanese = "日本語のテキスト".repeat(125);
    let line = chat("j", "gpt-4o-mini", &japanese);
    let request = super::request::read(line.as_bytes(), 1, &PlanConfig::default()).unwrap();
    let tokens = request.estimate_prompt_tokens(4.0);
    assert!((1000..1010).contains(&tokens), "1,000 characters: {tokens}");
}

#[test]
fn token_sums_saturate_instead_of_wrapping() {
    // A bogus allowance (2^64 - 1, from a buggy gateway) panicked in debug builds and wrapped
    // the totals to 2^64 - 2 in release ones.
    let mut p = Planner::new(PlanConfig::default(), None).unwrap();
    for id in ["a", "b"] {
        let line = serde_json::json!({"custom_id": id, "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [], "max_tokens": u64::MAX, "n": 2}});
        p.push(line.to_string().as_bytes(), None).unwrap();
    }
    assert_eq!(p.finish().totals.output_tokens, u64::MAX);
}
