//! `breakwater schema ...`: the schema toolkit as a CI gate.
//!
//! Exit status like diff(1): 0 when the check passes, 1 when it fails (invalid output,
//! findings, a schema that cannot be strict, a breaking change), 2 when it could not run
//! (an unreadable file, malformed JSON, a schema that does not compile).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use breakwater::schema::diff::{self, CompatibilityPolicy, DiffOptions};
use breakwater::schema::lint::{self, LintOptions, Profile, Severity};
use breakwater::schema::strict::{self, StrictOptions};
use breakwater::schema::validate::{DraftName, Validator, ValidatorOptions};
use breakwater::schema::{self as core_schema};
use breakwater::StableCode;
use clap::{Args, Subcommand};
use serde_json::Value;

use crate::print_json;

/// The outcome of a schema command.
pub enum Outcome {
    /// The check passed.
    Pass,
    /// The check failed: exit 1.
    Fail,
}

/// A schema command that could not run: exit 2.
pub type Trouble = String;

#[derive(Subcommand)]
pub enum SchemaCommand {
    /// Validate model output (a file, or `-` for stdin) against a schema.
    Validate {
        /// The JSON Schema.
        schema: PathBuf,
        /// The model output, as the API returned it (text).
        instance: PathBuf,
        /// The draft when the schema's `$schema` does not say (draft4, draft6, draft7, draft2019-09, draft2020-12).
        #[arg(long)]
        draft: Option<String>,
        /// Assert `format` (date-time, email, uuid, ...).
        #[arg(long)]
        formats: bool,
        #[command(flatten)]
        out: Output,
    },
    /// Check a schema against Structured Outputs strict-mode rules and limits.
    Lint {
        /// The JSON Schema.
        schema: PathBuf,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        out: Output,
    },
    /// Print the strict form of a schema (as openai-python writes it) on stdout.
    Strict {
        /// The JSON Schema (Pydantic's `model_json_schema()`, zod's output, ...).
        schema: PathBuf,
        #[command(flatten)]
        target: Target,
        /// Make optional properties that do not accept null nullable, instead of only required.
        #[arg(long)]
        nullable_optionals: bool,
        #[command(flatten)]
        out: Output,
    },
    /// Compare two versions of a schema; fails when the required direction breaks.
    Diff {
        /// The version readers and stored data know.
        old: PathBuf,
        /// The version about to replace it.
        new: PathBuf,
        /// Confluent's compatibility policy: strict or lenient.
        #[arg(long, default_value = "strict")]
        policy: String,
        /// The verdict that must hold: backward (new reader, old data), forward (old reader,
        /// new data) or full.
        #[arg(long, default_value = "backward")]
        require: String,
        #[command(flatten)]
        out: Output,
    },
}

#[derive(Args)]
pub struct Target {
    /// The rules and limits: openai, openai_legacy, azure_openai, openai_finetuned.
    #[arg(long, default_value = "openai")]
    profile: String,
}

#[derive(Args)]
pub struct Output {
    /// Print the whole result as JSON, for machines.
    #[arg(long)]
    json: bool,
}

/// Runs a schema command.
pub fn run(command: SchemaCommand) -> Result<Outcome, Trouble> {
    match command {
        SchemaCommand::Validate { schema, instance, draft, formats, out } => {
            let draft =
                draft.map(|d| DraftName::parse(&d, "--draft")).transpose().map_err(|e| e.to_string())?;
            let options =
                ValidatorOptions { draft, formats: formats.then_some(true), ..ValidatorOptions::default() };
            validate(&schema, &instance, &options, out.json)
        }
        SchemaCommand::Lint { schema, target, out } => {
            let profile = profile(&target)?;
            let report = lint::lint(&read_schema(&schema)?, &LintOptions { profile });
            if out.json {
                print_json(&report)?;
            } else {
                for f in &report.findings {
                    println!("{}", finding_line(f));
                }
                let u = report.usage;
                let l = report.limits;
                println!(
                    "{}: {} for {profile}: {} of {} properties, {} of {} levels, {} of {} characters, {} of {} enum values",
                    schema.display(),
                    if report.ok { "ok" } else { "refused" },
                    u.properties,
                    l.properties,
                    u.depth,
                    l.depth,
                    u.characters,
                    l.characters,
                    u.enum_values,
                    l.enum_values
                );
            }
            Ok(if report.ok { Outcome::Pass } else { Outcome::Fail })
        }
        SchemaCommand::Strict { schema, target, nullable_optionals, out } => {
            let options = StrictOptions { profile: profile(&target)?, nullable_optionals };
            let result =
                strict::to_strict(&read_schema(&schema)?, &options).map_err(|e| located(&schema, &e))?;
            if out.json {
                print_json(&result)?;
            } else {
                if let Some(s) = &result.schema {
                    print_json(s)?;
                }
                for field in &result.optional_fields {
                    let how = match (field.nullable, field.made_nullable) {
                        (true, _) => "was optional, now required (it accepts null)",
                        (false, true) => "was optional, now required and nullable",
                        (false, false) => "was optional, now required: the model must always produce it",
                    };
                    eprintln!("note: {} {how}", field.path);
                }
                for f in &result.findings {
                    eprintln!("{}", finding_line(f));
                }
            }
            Ok(if result.ok { Outcome::Pass } else { Outcome::Fail })
        }
        SchemaCommand::Diff { old, new, policy, require, out } => {
            let policy = CompatibilityPolicy::parse(&policy, "--policy").map_err(|e| e.to_string())?;
            let report = diff::diff(&read_schema(&old)?, &read_schema(&new)?, &DiffOptions { policy })
                .map_err(|e| format!("{} → {}: {e}", old.display(), new.display()))?;
            let holds = match require.as_str() {
                "backward" => report.backward,
                "forward" => report.forward,
                "full" => report.full,
                other => return Err(format!("--require must be backward, forward or full, got `{other}`")),
            };
            if out.json {
                print_json(&report)?;
            } else {
                let mark = |ok: bool| if ok { "ok" } else { "breaks" };
                for c in &report.changes {
                    println!(
                        "{} {} (backward {}, forward {})",
                        c.kind,
                        c.path,
                        mark(c.backward),
                        mark(c.forward)
                    );
                }
                for n in &report.notes {
                    println!("note: {}: {} [{}]", n.path, n.message, n.code);
                }
                println!(
                    "backward {}, forward {}, full {} under {policy}; {require} {}",
                    mark(report.backward),
                    mark(report.forward),
                    mark(report.full),
                    if holds { "holds" } else { "is broken" }
                );
            }
            Ok(if holds { Outcome::Pass } else { Outcome::Fail })
        }
    }
}

fn profile(target: &Target) -> Result<Profile, Trouble> {
    Profile::parse(&target.profile, "--profile").map_err(|e| e.to_string())
}

fn finding_line(f: &lint::Finding) -> String {
    let severity = if f.severity == Severity::Error { "error" } else { "warning" };
    let path = if f.path.is_empty() { "(root)" } else { f.path.as_str() };
    format!("{severity}: {path}: {} [{}]", f.message, f.code)
}

fn validate(
    schema: &Path,
    instance: &Path,
    options: &ValidatorOptions,
    json: bool,
) -> Result<Outcome, Trouble> {
    let validator = Validator::new(&read_schema(schema)?, options).map_err(|e| located(schema, &e))?;
    let text = read_text(instance)?;
    let report = validator.validate_text(&text).map_err(|e| located(instance, &e))?;
    if json {
        print_json(&report)?;
    } else if report.valid {
        println!("{}: valid", instance.display());
    } else {
        for e in &report.errors {
            let at = if e.instance_path.is_empty() { "(root)" } else { e.instance_path.as_str() };
            println!("{at}: {} [{}, schema {}]", e.message, e.code, e.schema_path);
        }
        let more = if report.truncated { " (and more)" } else { "" };
        println!("{}: {} violation(s){more}", instance.display(), report.errors.len());
    }
    Ok(if report.valid { Outcome::Pass } else { Outcome::Fail })
}

fn read_text(path: &Path) -> Result<String, Trouble> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| format!("cannot read stdin: {e}"))?;
        return Ok(text);
    }
    crate::read(path)
}

fn read_schema(path: &Path) -> Result<Value, Trouble> {
    core_schema::parse_schema(&read_text(path)?).map_err(|e| located(path, &e))
}

fn located(path: &Path, e: &breakwater::Error) -> String {
    crate::located(path, e)
}
