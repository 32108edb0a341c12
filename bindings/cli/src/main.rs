//! `breakwater`: simulate retry storms against the real policies, check policy documents,
//! and gate schemas and model output in CI.

mod batch;
mod schema;
mod svg;
mod table;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use breakwater::{Error, Policy};
use breakwater_sim::{self as sim, Scenario};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "breakwater",
    version,
    about = "The policy core for LLM API clients: simulate retry storms, check policies and schemas."
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
        #[arg(conflicts_with_all = ["name", "all"])]
        scenario: Option<PathBuf>,
        /// A scenario of the library by name (storm, brownout, rate_limit_crunch, flapping,
        /// latency_spike, long_outage, slow_recovery, one_key_down).
        #[arg(long = "scenario", value_name = "NAME", conflicts_with = "all")]
        name: Option<String>,
        /// Run every scenario of the library and print one matrix (scenario x policy).
        #[arg(long, conflicts_with_all = ["svg", "check"])]
        all: bool,
        /// Refuse a scenario that could make more downstream calls than this (estimated before
        /// it runs; a tenth of it bounds the logical requests).
        #[arg(long, value_name = "N", default_value_t = sim::DEFAULT_MAX_CALLS)]
        max_calls: u64,
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
    /// Batch API jobs: plan (split, cost), route results, replay the retryable; exit 0 done,
    /// 1 done with findings, 2 could not run.
    Batch {
        #[command(subcommand)]
        command: batch::BatchCommand,
    },
    /// Structured Outputs schemas and model output: exit 0 pass, 1 fail, 2 could not check.
    Schema {
        #[command(subcommand)]
        command: schema::SchemaCommand,
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
        Command::Simulate { all: true, json, seed, max_calls, .. } => simulate_all(json, seed, max_calls),
        Command::Simulate { scenario, name, json, svg, seed, check, max_calls, .. } => {
            let source = match (&scenario, &name) {
                (Some(path), _) => Source::File(path),
                (None, Some(name)) => Source::Library(name),
                (None, None) => Source::Library("storm"),
            };
            simulate(source, json, svg.as_deref(), seed, check, max_calls)
        }
        Command::Policy { command: PolicyCommand::Schema } => print_json(&Policy::json_schema()),
        Command::Policy { command: PolicyCommand::Check { file } } => check_policy(&file),
        Command::Policy { command: PolicyCommand::Show { preset } } => {
            Policy::preset(&preset).map_err(|e| e.to_string()).and_then(|p| print_json(&p))
        }
        Command::Batch { command } => {
            return match batch::run(command) {
                Ok(batch::Outcome::Done) => ExitCode::SUCCESS,
                Ok(batch::Outcome::Findings) => ExitCode::FAILURE,
                Err(trouble) => {
                    eprintln!("breakwater: {trouble}");
                    ExitCode::from(2)
                }
            };
        }
        Command::Schema { command } => {
            return match schema::run(command) {
                Ok(schema::Outcome::Pass) => ExitCode::SUCCESS,
                Ok(schema::Outcome::Fail) => ExitCode::FAILURE,
                Err(trouble) => {
                    eprintln!("breakwater: {trouble}");
                    ExitCode::from(2)
                }
            };
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

/// Where a scenario comes from.
enum Source<'a> {
    File(&'a Path),
    Library(&'a str),
}

fn simulate(
    source: Source<'_>,
    json: bool,
    svg: Option<&Path>,
    seed: Option<u64>,
    check: bool,
    max_calls: u64,
) -> Result<(), String> {
    let mut scenario = match source {
        Source::Library(name) => Scenario::named(name).map_err(|e| e.to_string())?,
        Source::File(p) => {
            let text = read(p)?;
            let parsed = if is_json(p) { Scenario::from_json(&text) } else { Scenario::from_toml(&text) };
            parsed.map_err(|e| located(p, &e))?
        }
    };
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    scenario.check_work(max_calls).map_err(|e| e.to_string())?;
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
        let misses = sim::targets::misses(&report, breaker_open_interval_ms());
        if !misses.is_empty() {
            let lines: Vec<String> = misses.iter().map(|m| format!("{}: {}", m.target, m.detail)).collect();
            return Err(format!("targets missed:\n  {}", lines.join("\n  ")));
        }
        eprintln!("breakwater: every target met");
    }
    Ok(())
}

/// Every scenario of the library, one matrix (or one JSON array of reports).
fn simulate_all(json: bool, seed: Option<u64>, max_calls: u64) -> Result<(), String> {
    let mut reports = Vec::new();
    for (name, _) in sim::LIBRARY {
        let mut scenario = Scenario::named(name).map_err(|e| e.to_string())?;
        if let Some(seed) = seed {
            scenario.seed = seed;
        }
        scenario.check_work(max_calls).map_err(|e| format!("{name}: {e}"))?;
        reports.push((*name, sim::run(&scenario).map_err(|e| format!("{name}: {e}"))?));
    }
    if json {
        let all: Vec<_> =
            reports.iter().map(|(name, r)| serde_json::json!({ "name": name, "report": r })).collect();
        return print_json(&all);
    }
    print!("{}", table::matrix(&reports));
    Ok(())
}

/// The longest open interval of the `conservative` preset's breaker: the recovery bound.
fn breaker_open_interval_ms() -> u64 {
    Policy::preset("conservative").map_or(0, |p| p.breaker.open_wait.wait_ms(u32::MAX))
}
