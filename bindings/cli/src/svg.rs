//! A dependency-free SVG chart: downstream calls per second, one line per policy, phases shaded.
//!
//! The y axis is logarithmic: a storm and a well-behaved client differ by orders of
//! magnitude, and both must stay readable.

use std::fmt::Write as _;

use breakwater_sim::{Report, Scenario};

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 420.0;
const MARGIN_LEFT: f64 = 64.0;
const MARGIN_RIGHT: f64 = 150.0;
const MARGIN_TOP: f64 = 36.0;
const MARGIN_BOTTOM: f64 = 48.0;
const COLORS: [&str; 6] = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
const SHADES: [&str; 4] = ["#f4f4f4", "#fff3d6", "#fde0e0", "#e3f2e3"];

/// Renders the chart as an SVG document.
#[allow(clippy::cast_precision_loss)]
pub fn chart(scenario: &Scenario, report: &Report) -> String {
    let seconds = report.policies.iter().map(|p| p.calls_per_second.len()).max().unwrap_or(1).max(1);
    let peak =
        report.policies.iter().flat_map(|p| p.calls_per_second.iter().copied()).max().unwrap_or(1).max(1);
    let y_max = decade_ceiling(f64::from(peak));
    let plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
    let plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;
    let x = |s: f64| MARGIN_LEFT + s / seconds as f64 * plot_w;
    let y = |v: f64| MARGIN_TOP + plot_h - f64::log10(1.0 + v) / f64::log10(1.0 + y_max) * plot_h;

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ =
        writeln!(out, r#"<text x="{MARGIN_LEFT}" y="22" font-size="14">{}</text>"#, escape(&report.scenario));
    let mut start = 0.0;
    for (i, phase) in scenario.phases.iter().enumerate() {
        let end = start + phase.duration_ms as f64 / 1000.0;
        let (x0, x1) = (x(start), x(end.min(seconds as f64)));
        let _ = writeln!(
            out,
            r##"<rect x="{x0:.1}" y="{MARGIN_TOP}" width="{:.1}" height="{plot_h}" fill="{}"/><text x="{:.1}" y="{:.1}" fill="#555">{}</text>"##,
            (x1 - x0).max(0.0),
            SHADES[i % SHADES.len()],
            x0 + 4.0,
            MARGIN_TOP + 14.0,
            escape(&phase.name)
        );
        start = end;
    }
    let mut ticks = vec![0.0];
    let mut decade = 1.0;
    while decade <= y_max {
        ticks.push(decade);
        decade *= 10.0;
    }
    for v in ticks {
        let _ = writeln!(
            out,
            r##"<line x1="{MARGIN_LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#ccc"/><text x="{:.1}" y="{:.1}" text-anchor="end">{v:.0}</text>"##,
            MARGIN_LEFT + plot_w,
            y(v),
            y(v),
            MARGIN_LEFT - 6.0,
            y(v) + 4.0
        );
    }
    let step =
        [10, 15, 30, 60, 120, 300, 600, 1800, 3600].into_iter().find(|&s| seconds / s <= 10).unwrap_or(3600);
    for s in (0..=seconds).step_by(step) {
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{s}</text>"#,
            x(s as f64),
            MARGIN_TOP + plot_h + 18.0
        );
    }
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">time (s)</text><text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">downstream calls per second (log scale)</text>"#,
        MARGIN_LEFT + plot_w / 2.0,
        HEIGHT - 8.0,
        MARGIN_TOP + plot_h / 2.0
    );
    for (i, p) in report.policies.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let points: Vec<String> = p
            .calls_per_second
            .iter()
            .enumerate()
            .map(|(s, &c)| format!("{:.1},{:.1}", x(s as f64 + 0.5), y(f64::from(c))))
            .collect();
        let _ = writeln!(
            out,
            r#"<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{}"/>"#,
            points.join(" ")
        );
        let ly = MARGIN_TOP + 20.0 + 20.0 * i as f64;
        let lx = MARGIN_LEFT + plot_w + 12.0;
        let _ = writeln!(
            out,
            r#"<line x1="{lx:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="{color}" stroke-width="3"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 18.0,
            lx + 24.0,
            ly + 4.0,
            escape(&p.name)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The smallest power of ten at least `v`.
fn decade_ceiling(v: f64) -> f64 {
    let mut d = 10.0;
    while d < v {
        d *= 10.0;
    }
    d
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
