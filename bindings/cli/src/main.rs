//! `breakwater`: simulate retry storms against the real policies, check policy documents,
//! and gate schemas and model output in CI.

mod batch;
mod realtime;
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
        /// A scenario of the library by name (storm, brownout, brownout_503, rate_limit_crunch,
        /// flapping, latency_spike, long_outage, slow_recovery, one_key_down).
        #[arg(long = "scenario", value_name = "NAME", conflicts_with = "all")]
        name: Option<String>,
        /// Run every scenario of the library and print one matrix (scenario x policy).
        #[arg(long, conflicts_with = "svg")]
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
        /// Exit 1 unless `breakwater` meets its targets against `naive` and `openai_sdk` on every
        /// scenario run: success, success while degraded, amplification during outage and
        /// overload, recovery (see `sim/src/targets.rs`).
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
    /// Realtime voice sessions: replay a timeline through the interruption machine.
    Realtime {
        #[command(subcommand)]
        command: realtime::RealtimeCommand,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Print the JSON Schema of the policy document.
    Schema,
    /// Check a policy document (TOML, or JSON by extension); errors name the field path.
    Check {
        /// The document (`-` for stdin: JSON when it starts with `{`, else TOML).
        file: PathBuf,
    },
    /// Print a built-in preset (openai_sdk, conservative, batch_first) as its documented TOML:
    /// what it is for and what it trades, value by value.
    Show {
        /// The preset's name.
        preset: String,
        /// Print the full policy as JSON instead, every default filled in.
        #[arg(long, conflicts_with = "toml")]
        json: bool,
        /// Print the documented TOML (the default).
        #[arg(long)]
        toml: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate { all: true, json, seed, check, max_calls, .. } => {
            simulate_all(json, seed, check, max_calls)
        }
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
        Command::Policy { command: PolicyCommand::Show { preset, json, .. } } => {
            Policy::preset(&preset).map_err(|e| e.to_string()).and_then(|p| {
                if json {
                    return print_json(&p);
                }
                let text = breakwater::policy::PRESETS.iter().find(|(n, _)| *n == preset).map(|(_, t)| *t);
                print!("{}", text.unwrap_or_default());
                Ok(())
            })
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
        Command::Realtime { command } => {
            return match realtime::run(command) {
                Ok(false) => ExitCode::SUCCESS,
                Ok(true) => ExitCode::FAILURE,
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

/// Every refusal of a document, one per line, each prefixed by the file.
fn all_located(path: &Path, errors: &[Error]) -> String {
    errors.iter().map(|e| located(path, e)).collect::<Vec<_>>().join("\n")
}

/// Checks a policy file, or stdin for `-` (JSON when it starts with `{`, else TOML).
fn check_policy(path: &Path) -> Result<(), String> {
    let stdin = path.as_os_str() == "-";
    let text = if stdin {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        text
    } else {
        read(path)?
    };
    let json = if stdin { text.trim_start().starts_with('{') } else { is_json(path) };
    match Policy::check(&text, !json) {
        Ok(_) => {
            println!("{}: ok", path.display());
            Ok(())
        }
        Err(errors) => Err(all_located(path, &errors)),
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
            Scenario::check(&text, !is_json(p)).map_err(|errors| all_located(p, &errors))?
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
    for note in sim::targets::notes(&scenario) {
        eprintln!("note: {note}");
    }
    if check {
        check_targets(&[(&scenario, &report)])?;
    }
    Ok(())
}

/// Exit 1 (an error naming each scenario and target missed) unless every run meets its targets.
fn check_targets(runs: &[(&Scenario, &sim::Report)]) -> Result<(), String> {
    let lines: Vec<String> = runs
        .iter()
        .flat_map(|(scenario, report)| {
            sim::targets::misses(scenario, report)
                .into_iter()
                .map(move |m| format!("{} (seed {}): {}: {}", scenario.name, report.seed, m.target, m.detail))
        })
        .collect();
    if !lines.is_empty() {
        return Err(format!("targets missed:\n  {}", lines.join("\n  ")));
    }
    eprintln!("breakwater: every target met on {} scenario(s)", runs.len());
    Ok(())
}

/// Every scenario of the library, one matrix (or one JSON array of reports), and `check`ed.
fn simulate_all(json: bool, seed: Option<u64>, check: bool, max_calls: u64) -> Result<(), String> {
    let mut runs = Vec::new();
    for (name, _) in sim::LIBRARY {
        let mut scenario = Scenario::named(name).map_err(|e| e.to_string())?;
        if let Some(seed) = seed {
            scenario.seed = seed;
        }
        scenario.check_work(max_calls).map_err(|e| format!("{name}: {e}"))?;
        let report = sim::run(&scenario).map_err(|e| format!("{name}: {e}"))?;
        runs.push((*name, scenario, report));
    }
    if json {
        let all: Vec<_> = runs
            .iter()
            .map(|(name, s, r)| serde_json::json!({ "name": name, "report": r, "notes": sim::targets::notes(s) }))
            .collect();
        print_json(&all)?;
    } else {
        let reports: Vec<_> = runs.iter().map(|(name, _, r)| (*name, r)).collect();
        print!("{}", table::matrix(&reports));
        for (name, scenario, _) in &runs {
            for note in sim::targets::notes(scenario) {
                println!("{name}: {note}");
            }
        }
    }
    if check {
        let pairs: Vec<_> = runs.iter().map(|(_, s, r)| (s, r)).collect();
        check_targets(&pairs)?;
    }
    Ok(())
}
