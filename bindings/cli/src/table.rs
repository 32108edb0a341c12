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
    let f = |x: Option<f64>| x.map_or_else(|| "-".into(), |v| format!("{v:.2}"));
    let pct = |x: Option<f64>| x.map_or_else(|| "-".into(), |v| format!("{:.1}%", v * 100.0));
    let n = |x: Option<u64>| x.map_or_else(|| "-".into(), |v| v.to_string());
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
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| rows.iter().map(|r| r[i].len()).chain([headers[i].len()]).max().unwrap_or(0))
        .collect();
    let line = |cells: Vec<&str>, out: &mut String| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| if i == 0 { format!("{c:<w$}") } else { format!("{c:>w$}") })
            .collect();
        let _ = writeln!(out, "{}", parts.join("  ").trim_end());
    };
    line(headers.to_vec(), &mut out);
    for r in &rows {
        line(r.iter().map(String::as_str).collect(), &mut out);
    }
    out.push_str("\namp = downstream calls / calls made when nothing fails (requests x fan-out)\n");
    out.push_str("success = completed within the SLO; late = completed after it (counted as failures)\n");
    out.push_str("recovery = from the end of the last outage until a 5 s window succeeds within 5 points of the policy's healthy rate\n");
    for w in &report.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    out
}
