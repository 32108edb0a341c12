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
