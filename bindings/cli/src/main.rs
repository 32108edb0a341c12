//! `breakwater`: simulate retry storms against the real policies, and check policy documents.

mod svg;
mod table;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use breakwater::sim::{self, Report, Scenario};
use breakwater::{Error, Policy};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "breakwater",
    version,
    about = "The policy core for LLM API clients: simulate retry storms, check policies."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a storm scenario (the built-in one without a file) and compare its policies.
    Simulate {
        /// A scenario document (TOML, or JSON by extension).
        scenario: Option<PathBuf>,
        /// Print the report as JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Write a chart of downstream calls per second, one line per policy, phases shaded.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Exit non-zero unless `breakwater` meets its targets against `naive` (the acceptance rules).
        #[arg(long)]
        check: bool,
    },
    /// Policy documents.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Print the JSON Schema of the policy document.
    Schema,
    /// Check a policy document (TOML, or JSON by extension); errors name the field path.
    Check {
        /// The document.
        file: PathBuf,
    },
    /// Print a built-in preset as JSON (openai_sdk, conservative, batch_first).
    Show {
        /// The preset's name.
        preset: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate { scenario, json, svg, seed, check } => {
            simulate(scenario.as_deref(), json, svg.as_deref(), seed, check)
        }
        Command::Policy { command: PolicyCommand::Schema } => print_json(&Policy::json_schema()),
        Command::Policy { command: PolicyCommand::Check { file } } => check_policy(&file),
        Command::Policy { command: PolicyCommand::Show { preset } } => {
            Policy::preset(&preset).map_err(|e| e.to_string()).and_then(|p| print_json(&p))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("breakwater: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn is_json(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn located(path: &Path, e: &Error) -> String {
    format!("{}: {e}", path.display())
}

fn check_policy(path: &Path) -> Result<(), String> {
    let text = read(path)?;
    let parsed = if is_json(path) { Policy::from_json(&text) } else { Policy::from_toml(&text) };
    match parsed {
        Ok(_) => {
            println!("{}: ok", path.display());
            Ok(())
        }
        Err(e) => Err(located(path, &e)),
    }
}

fn simulate(
    path: Option<&Path>,
    json: bool,
    svg: Option<&Path>,
    seed: Option<u64>,
    check: bool,
) -> Result<(), String> {
    let mut scenario = match path {
        None => Scenario::default_scenario(),
        Some(p) => {
            let text = read(p)?;
            let parsed = if is_json(p) { Scenario::from_json(&text) } else { Scenario::from_toml(&text) };
            parsed.map_err(|e| located(p, &e))?
        }
    };
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    let report = sim::run(&scenario).map_err(|e| e.to_string())?;
    if let Some(file) = svg {
        std::fs::write(file, svg::chart(&scenario, &report))
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    }
    if json {
        print_json(&report)?;
    } else {
        print!("{}", table::render(&report));
    }
    if check {
        let failures = targets(&report);
        if !failures.is_empty() {
            return Err(format!("targets missed:\n  {}", failures.join("\n  ")));
        }
        eprintln!("breakwater: every target met");
    }
    Ok(())
}

/// The acceptance targets of the storm scenario: `breakwater` against `naive`.
fn targets(report: &Report) -> Vec<String> {
    let find = |n: &str| report.policies.iter().find(|p| p.name == n);
    let (Some(naive), Some(bw)) = (find("naive"), find("breakwater")) else {
        return vec!["the scenario needs policies named `naive` and `breakwater`".into()];
    };
    let mut failures = Vec::new();
    let mut require = |ok: bool, what: String| {
        if !ok {
            failures.push(what);
        }
    };
    let v = |x: Option<f64>| x.unwrap_or(f64::NAN);
    require(
        v(bw.amplification_during_outage) <= 1.2,
        format!("breakwater amplification during outage {} > 1.2", v(bw.amplification_during_outage)),
    );
    require(
        v(naive.amplification_during_outage) >= 20.0,
        format!("naive amplification during outage {} < 20", v(naive.amplification_during_outage)),
    );
    require(
        v(bw.goodput_degraded) >= v(naive.goodput_degraded),
        format!(
            "degraded goodput: breakwater {} < naive {}",
            v(bw.goodput_degraded),
            v(naive.goodput_degraded)
        ),
    );
    require(
        v(bw.success_rate_degraded) >= v(naive.success_rate_degraded) - 0.01,
        format!(
            "degraded success rate: breakwater {} < naive {} - 1 pp",
            v(bw.success_rate_degraded),
            v(naive.success_rate_degraded)
        ),
    );
    require(
        v(bw.amplification_degraded) <= v(naive.amplification_degraded) / 2.0,
        format!(
            "degraded amplification: breakwater {} > half of naive {}",
            v(bw.amplification_degraded),
            v(naive.amplification_degraded)
        ),
    );
    let open_interval = breaker_open_interval_ms();
    require(
        bw.recovery_ms.is_some_and(|r| r <= open_interval),
        format!(
            "breakwater recovery {:?} ms > one breaker open interval ({open_interval} ms)",
            bw.recovery_ms
        ),
    );
    failures
}

/// The longest open interval of the `conservative` preset's breaker.
fn breaker_open_interval_ms() -> u64 {
    Policy::preset("conservative").map_or(0, |p| p.breaker.open_wait.wait_ms(u32::MAX))
}
