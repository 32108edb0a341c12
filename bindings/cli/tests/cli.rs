//! The `breakwater` command, run as a user runs it.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

fn breakwater(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_breakwater")).args(args).output().expect("run breakwater")
}

/// A folder of one test's own, removed when the test ends, passed or failed.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("breakwater-cli-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// A file of the folder holding `contents`.
    fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn simulate_json_reports_every_policy_with_the_documented_fields() {
    let out = breakwater(&["simulate", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["scenario"].is_string());
    let policies = report["policies"].as_array().unwrap();
    let names: Vec<&str> = policies.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["naive", "openai_sdk", "breakwater"]);
    for p in policies {
        for field in [
            "logical_requests",
            "downstream_calls",
            "amplification",
            "amplification_degraded",
            "success_rate_degraded",
            "goodput_degraded",
            "amplification_during_outage",
            "success_rate",
            "latency_p50_ms",
            "latency_p99_ms",
            "recovery_ms",
        ] {
            assert!(p[field].is_number(), "{} has no numeric {field}", p["name"]);
        }
    }
}

#[test]
fn simulate_check_passes_and_the_table_and_chart_show_each_policy() {
    let scratch = Scratch::new();
    let svg = scratch.join("storm.svg");
    let out = breakwater(&["simulate", "--check", "--svg", svg.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8(out.stdout).unwrap();
    for name in ["naive", "openai_sdk", "breakwater"] {
        assert!(table.lines().any(|l| l.starts_with(name)), "no row for {name} in\n{table}");
    }
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg"));
    assert_eq!(chart.matches("<polyline").count(), 3);
    for phase in ["healthy", "degraded", "outage", "recovery"] {
        assert!(chart.contains(&format!(">{phase}</text>")), "phase {phase} not shaded");
    }
}

#[test]
fn simulate_seed_changes_the_draws() {
    let a = breakwater(&["simulate", "--json", "--seed", "7"]);
    let b = breakwater(&["simulate", "--json", "--seed", "8"]);
    assert_ne!(a.stdout, b.stdout);
    assert_eq!(a.stdout, breakwater(&["simulate", "--json", "--seed", "7"]).stdout);
}

#[test]
fn policy_check_names_the_field_path_and_line() {
    let scratch = Scratch::new();
    let bad = scratch.file("bad.toml", "[retry]\nmax_retries = 2\n[breaker]\nfailure_rate_threshold = 1.5\n");
    let out = breakwater(&["policy", "check", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("out_of_range at breaker.failure_rate_threshold (line 4"), "{err}");

    let good =
        scratch.file("good.json", r#"{ "retry": { "max_retries": 1 }, "deadline": { "total_ms": 20000 } }"#);
    let out = breakwater(&["policy", "check", good.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn policy_check_reports_every_error_of_a_document_each_at_its_line_and_column() {
    let scratch = Scratch::new();
    let bad = scratch.file(
        "many.toml",
        "headers = []\n\n[retry]\nmax_retries = \"three\"\nmax_retry = 2\n\n[deadline]\ntotal_ms = -5\n",
    );
    let out = breakwater(&["policy", "check", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    for expected in [
        "invalid_type at headers (line 1, column 11)",
        "invalid_type at retry.max_retries (line 4, column 15)",
        "unknown_field at retry.max_retry (line 5, column 1)",
        "negative_duration at deadline.total_ms (line 8, column 12)",
    ] {
        assert!(err.contains(expected), "{expected} missing from\n{err}");
    }
    assert_eq!(err.lines().count(), 4, "{err}");
}

#[test]
fn simulate_reports_every_error_of_a_scenario_even_inside_strings() {
    let scratch = Scratch::new();
    let bad = scratch.file(
        "broken-storm.toml",
        "name = \"x\"\nlayers = [\"app\"]\n[arrivals]\nrate_per_s = 10\n\n[[phases]]\nname = \"a\"\nduration_ms = -1\n\
         capacity_per_s = 0\nerror_outcome = \"http_5000\"\n\n[[policies]]\nname = \"p\"\nlayers = [{ preset = \"consrvative\" }]\n",
    );
    let out = breakwater(&["simulate", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    for expected in [
        "negative_duration at phases[0].duration_ms (line 8, column 15)",
        // A count that must be positive, in a list's table: the reading goes on past it.
        "out_of_range at phases[0].capacity_per_s (line 9, column 18)",
        "invalid_argument at phases[0].error_outcome (line 10, column 17)",
        "unknown_variant at policies[0].layers[0].preset (line 14, column 22)",
    ] {
        assert!(err.contains(expected), "{expected} missing from\n{err}");
    }
    assert!(err.contains("expected one of openai_sdk, conservative, batch_first"), "{err}");
}

#[test]
fn policy_schema_is_a_json_schema_of_every_section() {
    let out = breakwater(&["policy", "schema"]);
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let props = schema["properties"].as_object().unwrap();
    for section in [
        "profile",
        "retry",
        "deadline",
        "retry_budget",
        "breaker",
        "rate_limit",
        "idempotency",
        "error_budget",
    ] {
        assert!(props.contains_key(section), "schema lacks {section}");
    }
}

#[test]
fn a_bad_scenario_file_is_refused_with_its_path() {
    let scratch = Scratch::new();
    let bad = scratch.file(
        "storm.toml",
        "name = \"x\"\nlayers = []\nphases = []\npolicies = []\n[arrivals]\nrate_per_s = 0\n",
    );
    let out = breakwater(&["simulate", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("arrivals.rate_per_s"), "{err}");
}

// ---- schema ----------------------------------------------------------------------------------

const INVOICE: &str = r#"{"type": "object", "additionalProperties": false, "required": ["total", "currency"],
  "properties": {"total": {"type": "number"}, "currency": {"type": "string", "enum": ["EUR", "USD"]}}}"#;

#[test]
fn schema_validate_passes_valid_output_and_fails_invalid_output_with_paths() {
    let scratch = Scratch::new();
    let schema = scratch.file("invoice.schema.json", INVOICE);
    let good = scratch.file("good.json", r#"{"total": 3.5, "currency": "EUR"}"#);
    let out = breakwater(&["schema", "validate", schema.to_str().unwrap(), good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    let bad = scratch.file("bad.json", r#"{"total": "3.5", "currency": "GBP"}"#);
    let out = breakwater(&["schema", "validate", schema.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("/total") && text.contains("type_mismatch"), "{text}");
    assert!(text.contains("/currency") && text.contains("not_in_enum"), "{text}");

    let out = breakwater(&["schema", "validate", "--json", schema.to_str().unwrap(), bad.to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["errors"][0]["instance_path"], "/total");
}

#[test]
fn schema_commands_that_cannot_run_exit_2_with_the_place() {
    let scratch = Scratch::new();
    let schema = scratch.file("invoice2.schema.json", INVOICE);
    let broken = scratch.file("broken.json", "{\n  \"total\": ,\n}");
    let out = breakwater(&["schema", "validate", schema.to_str().unwrap(), broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("broken.json") && err.contains("syntax_error") && err.contains("line 2"), "{err}");

    let bad_schema = scratch.file("bad.schema.json", r#"{"properties": {"a": {"type": 7}}}"#);
    let out = breakwater(&["schema", "lint", bad_schema.to_str().unwrap(), "--profile", "gpt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown_variant"));
}

#[test]
fn schema_lint_fails_on_findings_per_profile() {
    let scratch = Scratch::new();
    let schema = scratch.file(
        "lint.schema.json",
        r#"{"type": "object", "additionalProperties": false, "required": ["id"],
            "properties": {"id": {"type": "string", "pattern": "^[a-z]+$"}}}"#,
    );
    let out = breakwater(&["schema", "lint", schema.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let out =
        breakwater(&["schema", "lint", "--profile", "openai_legacy", "--json", schema.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"][0]["path"], "/properties/id/pattern");
    assert_eq!(report["findings"][0]["code"], "unsupported_keyword");
}

#[test]
fn schema_strict_prints_the_strict_form_or_exits_1_with_the_findings() {
    let scratch = Scratch::new();
    let pydantic = scratch.file(
        "model.schema.json",
        r#"{"properties": {"a": {"title": "A", "type": "string"}, "b": {"default": 1, "title": "B", "type": "integer"}},
            "required": ["a"], "title": "M", "type": "object"}"#,
    );
    let out = breakwater(&["schema", "strict", pydantic.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let strict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(strict["required"], serde_json::json!(["a", "b"]));
    assert_eq!(strict["additionalProperties"], false);
    assert!(String::from_utf8_lossy(&out.stderr).contains("/properties/b"));

    let dict = scratch.file(
        "dict.schema.json",
        r#"{"type": "object", "properties": {"m": {"type": "object", "additionalProperties": {"type": "integer"}}}}"#,
    );
    let out = breakwater(&["schema", "strict", dict.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("/properties/m/additionalProperties") && err.contains("additional_properties_not_false"),
        "{err}"
    );
}

#[test]
fn schema_diff_gates_on_the_required_direction() {
    let scratch = Scratch::new();
    let v1 = scratch.file("v1.schema.json", INVOICE);
    let v2 = scratch.file(
        "v2.schema.json",
        &INVOICE.replace(r#""enum": ["EUR", "USD"]"#, r#""enum": ["EUR", "USD", "GBP"]"#),
    );
    let out = breakwater(&["schema", "diff", v1.to_str().unwrap(), v2.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ENUM_ARRAY_EXTENDED #/properties/currency/enum"));

    let out = breakwater(&[
        "schema",
        "diff",
        "--require",
        "full",
        "--json",
        v1.to_str().unwrap(),
        v2.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["changes"][0]["kind"], "ENUM_ARRAY_EXTENDED");
    assert_eq!(report["changes"][0]["path"], "#/properties/currency/enum");
    assert_eq!(
        (report["backward"].as_bool(), report["forward"].as_bool(), report["full"].as_bool()),
        (Some(true), Some(false), Some(false))
    );

    let out =
        breakwater(&["schema", "diff", "--policy", "loose", v1.to_str().unwrap(), v2.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

fn request(id: &str, model: &str) -> String {
    format!(
        r#"{{"custom_id":"{id}","method":"POST","url":"/v1/chat/completions","body":{{"model":"{model}","messages":[{{"role":"user","content":"about {id}"}}],"max_tokens":32}}}}"#
    )
}

fn json_of(out: &Output) -> serde_json::Value {
    assert!(out.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn batch_plan_route_replay_keeps_every_request_in_one_place() {
    let scratch = Scratch::new();
    let dir = &scratch.0;
    let mut input = String::new();
    for i in 0..7 {
        input += &request(&format!("r{i}"), if i % 2 == 0 { "gpt-4o-mini" } else { "gpt-4.1-nano" });
        input.push('\n');
    }
    input += "{\"custom_id\":\"bad\",\"method\":\"GET\"}\n";
    let input_path = dir.join("in.jsonl");
    std::fs::write(&input_path, &input).unwrap();
    let path = |p: &str| dir.join(p).to_str().unwrap().to_owned();

    // Stop mode refuses the bad line with its number and leaves no files behind.
    let out = breakwater(&["batch", "plan", &path("in.jsonl"), "--out", &path("stop")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 8"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.join("stop/batch-0001.jsonl").exists() && !dir.join("stop/manifest.json").exists());

    let skipped =
        breakwater(&["batch", "plan", &path("in.jsonl"), "--out", &path("d1"), "--skip-invalid", "--json"]);
    assert_eq!(skipped.status.code(), Some(1), "a rejected line is a finding");
    let plan = json_of(&skipped);
    assert_eq!((plan["totals"]["planned"].as_u64(), plan["totals"]["rejected"].as_u64()), (Some(7), Some(1)));
    assert_eq!(plan["rejected"][0]["code"], "invalid_method");
    // A folder that holds a plan is refused: a file the new plan would not write would stay
    // beside the new manifest.
    let again = breakwater(&["batch", "plan", &path("in.jsonl"), "--out", &path("d1"), "--skip-invalid"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("holds an earlier plan's files (batch-0001.jsonl")
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("d1/manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "one file per model");
    // The files hold the input lines, byte for byte.
    let written: String = files
        .iter()
        .map(|f| std::fs::read_to_string(dir.join("d1").join(f["path"].as_str().unwrap())).unwrap())
        .collect();
    let mut a: Vec<&str> = written.lines().collect();
    let mut b: Vec<&str> = input.lines().take(7).collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b);

    // Results: r0 ok, r1 429, r2 400, r3 batch_expired, r4..r6 none; one unknown id.
    let ok = r#"{"id":"b","custom_id":"r0","response":{"status_code":200,"body":{"usage":{"prompt_tokens":10,"completion_tokens":2}}},"error":null}"#;
    let errors = [
        r#"{"id":"b","custom_id":"r1","response":{"status_code":429,"body":{"error":{"type":"requests","code":"rate_limit_exceeded"}}},"error":null}"#,
        r#"{"id":"b","custom_id":"r2","response":{"status_code":400,"body":{"error":{"type":"invalid_request_error"}}},"error":null}"#,
        r#"{"id":"b","custom_id":"r3","response":null,"error":{"code":"batch_expired","message":"expired"}}"#,
        r#"{"id":"b","custom_id":"nobody","response":null,"error":{"code":"batch_expired","message":"expired"}}"#,
    ];
    // A byte order mark before the first line, as an editor may save it: read past, and not
    // copied into the record's `result`.
    std::fs::write(dir.join("out.jsonl"), format!("\u{feff}{ok}\n")).unwrap();
    // CRLF line ends, as a file saved on Windows has them.
    std::fs::write(dir.join("err.jsonl"), errors.join("\r\n")).unwrap();
    let args = ["batch", "route", "--manifest", &path("d1/manifest.json"), "--output", &path("out.jsonl")];
    let route_out =
        breakwater(&[&args[..], &["--errors", &path("err.jsonl"), "--out", &path("r1"), "--json"]].concat());
    assert_eq!(route_out.status.code(), Some(1), "an unknown id is a finding");
    let route = json_of(&route_out);
    let counts: Vec<u64> = ["succeeded", "retry", "permanent", "quarantined", "missing"]
        .iter()
        .map(|k| route[k].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [1, 2, 1, 0, 3]);
    assert_eq!(route["issues"][0]["code"], "unknown_custom_id");
    let retry = std::fs::read_to_string(dir.join("r1/retry.jsonl")).unwrap();
    assert!(!retry.contains('\r') && retry.lines().count() == 2, "one record a line: {retry:?}");
    let missing = std::fs::read_to_string(dir.join("r1/missing.jsonl")).unwrap();
    assert_eq!(missing.lines().count(), 3);
    let succeeded = std::fs::read_to_string(dir.join("r1/succeeded.jsonl")).unwrap();
    let record: serde_json::Value = serde_json::from_str(succeeded.trim()).unwrap();
    assert_eq!(
        (record["custom_id"].as_str(), record["result"]["response"]["status_code"].as_u64()),
        (Some("r0"), Some(200))
    );
    // A route again into the same folder with a mistyped path fails before it writes anything:
    // the buckets a replay reads stay whole.
    let typo = breakwater(&[&args[..], &["--errors", &path("err.jsonlx"), "--out", &path("r1")]].concat());
    assert_eq!(typo.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(dir.join("r1/retry.jsonl")).unwrap(), retry);
    assert!(dir.join("r1/route.json").exists());

    let replay_to = |out: &str, extra: &[&str]| {
        let args = ["batch", "replay", "--manifest", &path("d1/manifest.json"), "--route", &path("r1")];
        json_of(&breakwater(&[&args[..], &["--out", &path(out), "--json"], extra].concat()))
    };
    let replay = replay_to("d2", &[]);
    assert_eq!((replay["round"].as_u64(), replay["totals"]["planned"].as_u64()), (Some(2), Some(2)));
    let ledger = std::fs::read_to_string(dir.join("d2/ledger.jsonl")).unwrap();
    assert_eq!(ledger.lines().count(), 2);
    assert!(ledger.contains(r#""attempts":2"#));
    let replayed: String = ["batch-0001.jsonl", "batch-0002.jsonl"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(dir.join("d2").join(f)).ok())
        .collect();
    let mut got: Vec<&str> = replayed.lines().collect();
    got.sort_unstable();
    assert_eq!(
        got,
        [input.lines().nth(1).unwrap(), input.lines().nth(3).unwrap()],
        "byte-identical, same ids"
    );

    // The three requests no line named (a batch whose files were lost) are sent again on
    // demand, with the retried ones.
    let with_missing = replay_to("d3", &["--include-missing"]);
    assert_eq!(with_missing["totals"]["planned"].as_u64(), Some(5));
    let ledger = std::fs::read_to_string(dir.join("d3/ledger.jsonl")).unwrap();
    assert_eq!(ledger.matches(r#""reason":"no_result""#).count(), 3, "{ledger}");
}

#[test]
fn batch_plan_over_more_models_than_files_it_keeps_open_writes_every_line() {
    let scratch = Scratch::new();
    // 150 fine-tuned models, two requests each, interleaved: a file grows per model, more than
    // the 64 kept open, so files are closed and opened again to append.
    let input: String = (0..300)
        .map(|i| request(&format!("r{i}"), &format!("ft:gpt-4o-mini:org:m{}", i % 150)) + "\n")
        .collect();
    let path = scratch.file("batch-models.jsonl", &input);
    let dir = path.with_file_name("batch-models-out");
    let plan = json_of(&breakwater(&[
        "batch",
        "plan",
        path.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
        "--json",
    ]));
    let files = plan["files"].as_array().unwrap();
    assert_eq!(files.len(), 150);
    for (i, f) in files.iter().enumerate() {
        let text = std::fs::read_to_string(dir.join(f["path"].as_str().unwrap())).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines, [input.lines().nth(i).unwrap(), input.lines().nth(i + 150).unwrap()]);
    }
}

#[test]
fn batch_plan_counts_a_line_too_long_for_a_file_without_reading_it_and_stops_at_the_cost_cap() {
    let scratch = Scratch::new();
    let long = request("long", &"m".repeat(5000));
    let input = format!(
        "{}\n{long}\n{}\n{}\n",
        request("a", "gpt-4o-mini"),
        request("b", "gpt-4o-mini"),
        request("c", "gpt-4o-mini")
    );
    let path = scratch.file("batch-long.jsonl", &input);
    let config = scratch.file("batch-small.json", r#"{"max_bytes_per_file": 1000, "on_invalid": "skip"}"#);
    let dir = path.with_file_name("batch-long-out");
    let out = breakwater(&[
        "batch",
        "plan",
        path.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--max-cost",
        "0.000015",
        "--json",
    ]);
    let plan = json_of(&out);
    assert_eq!(plan["rejected"][0]["code"], "line_too_large");
    assert_eq!(plan["rejected"][0]["line"], 2);
    assert_eq!((plan["totals"]["planned"].as_u64(), plan["totals"]["deferred"].as_u64()), (Some(1), Some(2)));
    assert_eq!(plan["stopped_at_line"], 3);
    let deferred = std::fs::read_to_string(dir.join("deferred.jsonl")).unwrap();
    assert_eq!(
        deferred.lines().collect::<Vec<_>>(),
        [request("b", "gpt-4o-mini"), request("c", "gpt-4o-mini")]
    );
}

#[test]
fn simulate_runs_a_library_scenario_by_name_and_the_whole_library_as_one_matrix() {
    let out = breakwater(&["simulate", "--scenario", "brownout", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["scenario"].as_str().unwrap().starts_with("brownout"));
    assert_eq!(report["slo_ms"], 60000);

    let out = breakwater(&["simulate", "--all", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = all.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "storm",
            "brownout",
            "brownout_503",
            "rate_limit_crunch",
            "flapping",
            "latency_spike",
            "long_outage",
            "slow_recovery",
            "one_key_down"
        ]
    );
    for r in all.as_array().unwrap() {
        assert_eq!(r["report"]["policies"].as_array().unwrap().len(), 3);
    }
    let table = breakwater(&["simulate", "--all"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert_eq!(text.lines().filter(|l| l.starts_with("flapping")).count(), 3, "{text}");

    let out = breakwater(&["simulate", "--scenario", "meteor"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("slow_recovery"));
}

#[test]
fn simulate_refuses_a_scenario_too_large_to_run_with_its_estimate() {
    let scratch = Scratch::new();
    let typo = breakwater_sim_default()
        .replace("rate_per_s = 10 ", "rate_per_s = 100000 ")
        .replace("fan_out = 3 ", "fan_out = 1000 ");
    let path = scratch.file("typo-storm.toml", &typo);
    let out = breakwater(&["simulate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("limit_exceeded at arrivals") && err.contains("--max-calls"), "{err}");
}

fn breakwater_sim_default() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../sim/src/default.toml")).unwrap()
}

#[test]
fn realtime_replay_prints_the_actions_and_turns_of_a_timeline() {
    let scratch = Scratch::new();
    let timeline = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/realtime/barge-in.jsonl");
    let out = breakwater(&["realtime", "replay", timeline, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sent: Vec<&str> =
        report["actions"].as_array().unwrap().iter().filter_map(|a| a["event"]["type"].as_str()).collect();
    assert_eq!(sent, ["response.cancel", "conversation.item.truncate"]);
    assert_eq!(report["turns"].as_array().unwrap().len(), 2);
    let text = String::from_utf8(breakwater(&["realtime", "replay", timeline]).stdout).unwrap();
    assert!(text.contains("stop_playback a1") && text.contains("voice_to_voice"), "{text}");
    // A timeline with issues exits 1, naming the line; one that cannot be read exits 2.
    let bad = scratch
        .file("bad-timeline.jsonl", "{\"at_ms\": 0, \"server\": {\"type\": \"warp.drive\"}}\nnot json\n");
    let out = breakwater(&["realtime", "replay", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("unknown_event") && text.contains("line 2"), "{text}");
    assert_eq!(breakwater(&["realtime", "replay", "/no/such/timeline.jsonl"]).status.code(), Some(2));
}

#[test]
fn policy_check_reads_stdin_and_show_prints_the_documented_toml() {
    use std::io::Write;
    let check = |input: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_breakwater"))
            .args(["policy", "check", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(check("[retry]\nmax_retries = 3\n").status.success());
    assert!(check("{\"retry\": {\"max_retries\": 3}}").status.success());
    let bad = check("[headers]\nretry_count = \"yes\"\n");
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("headers.retry_count"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let toml = String::from_utf8(breakwater(&["policy", "show", "conservative", "--toml"]).stdout).unwrap();
    assert!(toml.starts_with("# conservative:") && toml.contains("breaker_wait_ms = 60000"), "{toml}");
}
