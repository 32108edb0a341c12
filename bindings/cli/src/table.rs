//! The human-readable report: one row per policy.

use std::fmt::Write as _;

use breakwater_sim::Report;

/// Renders the report as an aligned text table.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "scenario: {} (seed {}, SLO {} ms)\n", report.scenario, report.seed, report.slo_ms);
    let headers = [
        "policy",
        "requests",
        "calls",
        "amp",
        "amp degraded",
        "success degraded",
        "goodput degraded/s",
        "amp outage",
        "success",
        "late",
        "p50 ms",
        "p99 ms",
        "recovery ms",
    ];
    let rows: Vec<Vec<String>> = report
        .policies
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.logical_requests.to_string(),
                p.downstream_calls.to_string(),
                f(p.amplification),
                f(p.amplification_degraded),
                pct(p.success_rate_degraded),
                f(p.goodput_degraded),
                f(p.amplification_during_outage),
                pct(p.success_rate),
                p.late_successes.to_string(),
                n(p.latency_p50_ms),
                n(p.latency_p99_ms),
                n(p.recovery_ms),
            ]
        })
        .collect();
    out.push_str(&aligned(&headers, &rows, 1));
    out.push_str("\namp = downstream calls / calls made when nothing fails (requests x fan-out)\n");
    out.push_str("success = completed within the SLO; late = completed after it (counted as failures)\n");
    out.push_str("recovery = from the end of the last outage until a 5 s window succeeds within 5 points of the policy's healthy rate\n");
    for w in &report.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    out
}

/// The library matrix: one row per scenario and policy.
pub fn matrix(reports: &[(&str, &Report)]) -> String {
    let headers = [
        "scenario",
        "policy",
        "success",
        "success degraded",
        "late",
        "amp",
        "amp degraded",
        "amp outage",
        "recovery ms",
        "p50 ms",
        "p99 ms",
    ];
    let mut rows = Vec::new();
    for (name, report) in reports {
        for p in &report.policies {
            rows.push(vec![
                (*name).to_owned(),
                p.name.clone(),
                pct(p.success_rate),
                pct(p.success_rate_degraded),
                p.late_successes.to_string(),
                f(p.amplification),
                f(p.amplification_degraded),
                f(p.amplification_during_outage),
                n(p.recovery_ms),
                n(p.latency_p50_ms),
                n(p.latency_p99_ms),
            ]);
        }
    }
    let mut out = aligned(&headers, &rows, 2);
    out.push_str("\nsuccess = completed within each scenario's SLO; amp = downstream calls / calls made when nothing fails\n");
    out.push_str("recovery = from the end of the last outage until a 5 s window succeeds within 5 points of the policy's healthy rate\n");
    out
}

/// `headers` and `rows` as aligned columns: the first `left` columns to the left.
fn aligned(headers: &[&str], rows: &[Vec<String>], left: usize) -> String {
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| rows.iter().map(|r| r[i].len()).chain([headers[i].len()]).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| if i < left { format!("{c:<w$}") } else { format!("{c:>w$}") })
            .collect();
        let _ = writeln!(out, "{}", parts.join("  ").trim_end());
    };
    line(headers.to_vec());
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
    out
}

/// A ratio with two decimals, `-` when absent.
fn f(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.2}"))
}

/// A share as a percentage, `-` when absent.
fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{:.1}%", v * 100.0))
}

/// A whole number, `-` when absent.
fn n(x: Option<u64>) -> String {
    x.map_or_else(|| "-".into(), |v| v.to_string())
}
