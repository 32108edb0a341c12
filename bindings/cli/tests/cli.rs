//! The `breakwater` command, run as a user runs it.

use std::path::PathBuf;
use std::process::{Command, Output};

fn breakwater(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_breakwater")).args(args).output().expect("run breakwater")
}

fn temp(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("breakwater-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
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
    let svg = std::env::temp_dir().join(format!("breakwater-storm-{}.svg", std::process::id()));
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
    let bad = temp("bad.toml", "[retry]\nmax_retries = 2\n[breaker]\nfailure_rate_threshold = 1.5\n");
    let out = breakwater(&["policy", "check", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("out_of_range at breaker.failure_rate_threshold (line 4"), "{err}");

    let good = temp("good.json", r#"{ "retry": { "max_retries": 1 }, "deadline": { "total_ms": 20000 } }"#);
    let out = breakwater(&["policy", "check", good.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
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
    let bad = temp(
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
    let schema = temp("invoice.schema.json", INVOICE);
    let good = temp("good.json", r#"{"total": 3.5, "currency": "EUR"}"#);
    let out = breakwater(&["schema", "validate", schema.to_str().unwrap(), good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    let bad = temp("bad.json", r#"{"total": "3.5", "currency": "GBP"}"#);
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
    let schema = temp("invoice2.schema.json", INVOICE);
    let broken = temp("broken.json", "{\n  \"total\": ,\n}");
    let out = breakwater(&["schema", "validate", schema.to_str().unwrap(), broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("broken.json") && err.contains("syntax_error") && err.contains("line 2"), "{err}");

    let bad_schema = temp("bad.schema.json", r#"{"properties": {"a": {"type": 7}}}"#);
    let out = breakwater(&["schema", "lint", bad_schema.to_str().unwrap(), "--profile", "gpt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown_variant"));
}

#[test]
fn schema_lint_fails_on_findings_per_profile() {
    let schema = temp(
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
    let pydantic = temp(
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

    let dict = temp(
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
    let v1 = temp("v1.schema.json", INVOICE);
    let v2 = temp(
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
