//! `breakwater batch plan|route|replay`: the files around the core's planner, router and
//! replay. Input is streamed line by line, never loaded whole; a line longer than a batch
//! file can hold is counted without being buffered.
//!
//! Exit status: 0 done, 1 done with findings (route: result lines that name no request or
//! repeat one; replay: retried ids whose line was not found), 2 could not run (unreadable
//! files, a stopping plan's first invalid line).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, IsTerminal as _, Read, Write};
use std::path::{Path, PathBuf};

use breakwater::batch::{
    LedgerEntry, Manifest, OnInvalid, Placement, PlanConfig, Planner, PriceTable, Provider, Replay,
    RouteConfig, RouteReport, Routed, Router, Source,
};
use breakwater::StableCode;
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::print_json;

/// What a batch command found.
pub enum Outcome {
    /// Done.
    Done,
    /// Done, with findings: exit 1.
    Findings,
}

/// A batch command that could not run: exit 2.
pub type Trouble = String;

#[derive(Subcommand)]
pub enum BatchCommand {
    /// Split request JSONL into provider-legal batch files and a manifest.
    Plan {
        /// The requests: OpenAI `{custom_id, method, url, body}` or Anthropic `{custom_id, params}` lines.
        input: PathBuf,
        /// The folder for the batch files, `manifest.json` and `deferred.jsonl`.
        #[arg(long)]
        out: PathBuf,
        /// openai, anthropic or azure_openai (overrides the config's).
        #[arg(long)]
        provider: Option<String>,
        /// The cost cap in USD of estimated batch cost (overrides the config's).
        #[arg(long, value_name = "USD")]
        max_cost: Option<f64>,
        /// A plan config (JSON, or TOML by extension): limits, enqueued tokens, attempts, ...
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// A price table (JSON) instead of the embedded one.
        #[arg(long, value_name = "FILE")]
        prices: Option<PathBuf>,
        /// Plan the valid lines and list the rejected ones, instead of stopping at the first.
        #[arg(long)]
        skip_invalid: bool,
        #[command(flatten)]
        out_format: Format,
    },
    /// Route a round's output (and error) file into one JSONL per bucket.
    Route {
        /// The round's manifest.
        #[arg(long)]
        manifest: PathBuf,
        /// The output file (Anthropic: the results).
        #[arg(long)]
        output: PathBuf,
        /// The error file.
        #[arg(long)]
        errors: Option<PathBuf>,
        /// The folder for succeeded/retry/permanent/quarantined/missing.jsonl and route.json.
        #[arg(long)]
        out: PathBuf,
        /// Attempts before quarantine (default: the manifest's max_attempts).
        #[arg(long)]
        max_attempts: Option<u32>,
        #[command(flatten)]
        out_format: Format,
    },
    /// Build the next round from a route's retry bucket: the same lines, the same ids.
    Replay {
        /// The routed round's manifest.
        #[arg(long)]
        manifest: PathBuf,
        /// The route's folder (retry.jsonl and route.json).
        #[arg(long)]
        route: PathBuf,
        /// The folder for the next round's files, manifest.json and ledger.jsonl.
        #[arg(long)]
        out: PathBuf,
        /// Send the route's missing requests again too (missing.jsonl: no result line named
        /// them, as when a batch failed or its error file was not routed).
        #[arg(long)]
        include_missing: bool,
        #[command(flatten)]
        out_format: Format,
    },
}

#[derive(Args)]
pub struct Format {
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs a batch command.
pub fn run(command: BatchCommand) -> Result<Outcome, Trouble> {
    match command {
        BatchCommand::Plan { input, out, provider, max_cost, config, prices, skip_invalid, out_format } => {
            let mut config: PlanConfig = match &config {
                Some(path) => read_document(path)?,
                None => PlanConfig::default(),
            };
            if let Some(p) = provider {
                config.provider = Provider::parse(&p, "--provider").map_err(|e| e.to_string())?;
            }
            if max_cost.is_some() {
                config.max_cost_usd = max_cost;
            }
            if skip_invalid {
                config.on_invalid = OnInvalid::Skip;
            }
            let prices: Option<PriceTable> = prices.as_deref().map(read_document).transpose()?;
            plan(&input, &out, config, prices, out_format.json)
        }
        BatchCommand::Route { manifest, output, errors, out, max_attempts, out_format } => {
            route(&manifest, &output, errors.as_deref(), &out, max_attempts, out_format.json)
        }
        BatchCommand::Replay { manifest, route, out, include_missing, out_format } => {
            replay(&manifest, &route, &out, include_missing, out_format.json)
        }
    }
}

fn plan(
    input: &Path,
    out: &Path,
    config: PlanConfig,
    prices: Option<PriceTable>,
    json: bool,
) -> Result<Outcome, Trouble> {
    let mut planner = Planner::new(config, prices).map_err(|e| e.to_string())?;
    let mut lines = Lines::open(input, planner.max_line_bytes())?;
    let mut files = Files::new(out)?;
    let planned = (|| {
        while let Some(line) = lines.next()? {
            let (placed, bytes) = match line {
                Line::Text(bytes) => (planner.push(bytes, None), bytes),
                Line::Oversized(len) => (planner.push_oversized(len), &[][..]),
            };
            let placement = placed.map_err(|e| format!("{}: {e}", input.display()))?;
            files.place(&placement, bytes)?;
        }
        lines.done();
        Ok(())
    })();
    let manifest = files.settle(planned.map(|()| planner.finish()), |m| (m, &[]))?;
    report_plan(&manifest, out, json)?;
    // Lines rejected (skip mode) or deferred (the cost cap) are not in the files: exit 1.
    Ok(if manifest.rejected.is_empty() && manifest.deferred.is_empty() {
        Outcome::Done
    } else {
        Outcome::Findings
    })
}

fn route(
    manifest_path: &Path,
    output: &Path,
    errors: Option<&Path>,
    out: &Path,
    max_attempts: Option<u32>,
    json: bool,
) -> Result<Outcome, Trouble> {
    let manifest = read_manifest(manifest_path)?;
    let ledger = read_ledger(&sibling(manifest_path, "ledger.jsonl"))?;
    let mut router =
        Router::new(&manifest, ledger, RouteConfig { max_attempts }).map_err(|e| e.to_string())?;
    // Every input opened before anything is written: a mistyped path fails with the folder
    // untouched. The folder's `route.json` goes first and comes back last, so that a route that
    // fails midway leaves buckets no replay takes for complete.
    let inputs = [(Source::Output, Some(output)), (Source::Errors, errors)]
        .into_iter()
        .filter_map(|(source, path)| path.map(|p| Lines::open(p, u64::MAX).map(|lines| (source, lines))))
        .collect::<Result<Vec<_>, _>>()?;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let summary = out.join("route.json");
    match std::fs::remove_file(&summary) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("cannot replace {}: {e}", summary.display()));
        }
        _ => {}
    }
    let mut buckets = Buckets::create(out)?;
    for (source, mut lines) in inputs {
        while let Some(Line::Text(bytes)) = lines.next()? {
            if let Ok(Some(routed)) = router.push(source, bytes) {
                buckets.write(&routed, Some(bytes))?;
            }
        }
        lines.done();
    }
    let (missing, report) = router.finish();
    for routed in &missing {
        buckets.write(routed, None)?;
    }
    buckets.flush()?;
    write_json(&summary, &report)?;
    if json {
        print_json(&report).map_err(|e| e.to_string())?;
    } else {
        println!(
            "round {}: {} requests: {} succeeded, {} retry, {} permanent, {} quarantined, {} missing",
            report.round,
            report.requests,
            report.succeeded,
            report.retry,
            report.permanent,
            report.quarantined,
            report.missing
        );
        println!("actual cost ${:.4} (synchronously ${:.4})", report.actual_cost_usd, report.sync_cost_usd);
        for issue in &report.issues {
            eprintln!("{} line {}: {}: {}", issue.source, issue.line, issue.code, issue.message);
        }
    }
    Ok(if report.issues.is_empty() { Outcome::Done } else { Outcome::Findings })
}

fn replay(
    manifest_path: &Path,
    route_dir: &Path,
    out: &Path,
    include_missing: bool,
    json: bool,
) -> Result<Outcome, Trouble> {
    let manifest = read_manifest(manifest_path)?;
    let ledger = read_ledger(&sibling(manifest_path, "ledger.jsonl"))?;
    let report: RouteReport = read_document(&route_dir.join("route.json"))?;
    if report.round != manifest.round {
        return Err(format!(
            "{} is the route of round {}, the manifest is of round {}",
            route_dir.display(),
            report.round,
            manifest.round
        ));
    }
    let mut retry: Vec<Routed> = read_jsonl(&route_dir.join("retry.jsonl"))?;
    if include_missing {
        retry.extend(read_jsonl::<Routed>(&route_dir.join("missing.jsonl"))?);
    }
    let mut replay =
        Replay::new(&manifest, retry, ledger, report.actual_cost_usd).map_err(|e| e.to_string())?;
    let mut files = Files::new(out)?;
    let replayed = (|| {
        for file in &manifest.files {
            let path = sibling(manifest_path, &file.path);
            let mut lines = Lines::open(&path, u64::MAX)?;
            while let Some(Line::Text(bytes)) = lines.next()? {
                if let Some(placement) =
                    replay.push(bytes, None).map_err(|e| format!("{}: {e}", path.display()))?
                {
                    files.place(&placement, bytes)?;
                }
            }
            lines.done();
        }
        Ok(())
    })();
    let outcome = files.settle(replayed.map(|()| replay.finish()), |o| (&o.manifest, o.ledger.as_slice()))?;
    for id in &outcome.not_found {
        eprintln!("breakwater: retried custom_id {id:?} has no line in the round's files");
    }
    report_plan(&outcome.manifest, out, json)?;
    Ok(if outcome.not_found.is_empty() { Outcome::Done } else { Outcome::Findings })
}

/// The batch files of a plan being written, and the deferred lines.
struct Files {
    dir: PathBuf,
    /// Writers of the files still growing, by file number; at most [`Files::MAX_OPEN`] (a plan
    /// over thousands of models has a file growing per model).
    open: HashMap<u32, BufWriter<File>>,
    /// Every file this plan created, by number: a file closed to stay under the limit is
    /// opened again to append.
    created: HashMap<u32, PathBuf>,
    deferred: Option<(PathBuf, BufWriter<File>)>,
}

impl Files {
    const MAX_OPEN: usize = 64;

    /// The folder, created if needed. A folder that holds an earlier plan's files is refused:
    /// a batch file or a `deferred.jsonl` the new plan does not write would be left there
    /// beside its manifest, and submitted twice by whoever follows the folder.
    fn new(dir: &Path) -> Result<Self, Trouble> {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let mut earlier: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| {
                ["manifest.json", "deferred.jsonl", "ledger.jsonl"].contains(&name.as_str())
                    || (name.starts_with("batch-") && name.ends_with(".jsonl"))
            })
            .collect();
        if !earlier.is_empty() {
            earlier.sort();
            let more = earlier.len().saturating_sub(3);
            earlier.truncate(3);
            if more > 0 {
                earlier.push(format!("and {more} more"));
            }
            return Err(format!(
                "{} holds an earlier plan's files ({}): plan into a new folder, or remove them first",
                dir.display(),
                earlier.join(", ")
            ));
        }
        Ok(Self { dir: dir.to_owned(), open: HashMap::new(), created: HashMap::new(), deferred: None })
    }

    /// Writes `line` (without its newline, as `Lines` lends it) where `placement` says.
    fn place(&mut self, placement: &Placement, line: &[u8]) -> Result<(), Trouble> {
        let writer = match placement {
            Placement::Planned { file, path, opened, closed } => {
                if let Some(full) = closed.and_then(|c| self.open.remove(&c)) {
                    finish_writer(full)?;
                }
                if *opened {
                    let path = self.dir.join(&**path);
                    self.created.insert(*file, path);
                }
                self.writer(*file, *opened)?
            }
            Placement::Deferred { .. } => {
                if self.deferred.is_none() {
                    let path = self.dir.join("deferred.jsonl");
                    let f = create(&path)?;
                    self.deferred = Some((path, BufWriter::new(f)));
                }
                &mut self.deferred.as_mut().expect("just opened").1
            }
            Placement::Rejected(_) | Placement::Blank => return Ok(()),
        };
        writer
            .write_all(line)
            .and_then(|()| writer.write_all(b"\n"))
            .map_err(|e| format!("cannot write: {e}"))
    }

    /// The writer of batch file `file`: created when the plan just opened it, opened again to
    /// append when it was closed to make room.
    fn writer(&mut self, file: u32, new: bool) -> Result<&mut BufWriter<File>, Trouble> {
        if !self.open.contains_key(&file) {
            if self.open.len() >= Self::MAX_OPEN {
                let oldest = self.open.keys().copied().min().expect("the limit is above zero");
                finish_writer(self.open.remove(&oldest).expect("a key just read"))?;
            }
            let path =
                self.created.get(&file).ok_or_else(|| format!("batch file {file} was never opened"))?;
            let f = if new {
                create(path)?
            } else {
                std::fs::OpenOptions::new()
                    .append(true)
                    .open(path)
                    .map_err(|e| format!("cannot open {}: {e}", path.display()))?
            };
            self.open.insert(file, BufWriter::with_capacity(1 << 20, f));
        }
        Ok(self.open.get_mut(&file).expect("just inserted"))
    }

    /// Ends the plan: on success writes the rest (the manifest last); on an error, or when
    /// writing the rest fails, removes every file this plan created, so that a stopped plan
    /// leaves nothing behind.
    fn settle<T>(
        mut self,
        result: Result<T, Trouble>,
        parts: impl FnOnce(&T) -> (&Manifest, &[LedgerEntry]),
    ) -> Result<T, Trouble> {
        let done = result.and_then(|value| {
            let (manifest, ledger) = parts(&value);
            self.write_rest(manifest, ledger)?;
            Ok(value)
        });
        if done.is_err() {
            self.abandon();
        }
        done
    }

    fn write_rest(&mut self, manifest: &Manifest, ledger: &[LedgerEntry]) -> Result<(), Trouble> {
        for (_, w) in self.open.drain() {
            finish_writer(w)?;
        }
        if let Some((_, w)) = self.deferred.take() {
            finish_writer(w)?;
        }
        if !ledger.is_empty() {
            let mut w = BufWriter::new(create(&self.dir.join("ledger.jsonl"))?);
            for entry in ledger {
                serde_json::to_writer(&mut w, entry).map_err(|e| e.to_string())?;
                w.write_all(b"\n").map_err(|e| e.to_string())?;
            }
            finish_writer(w)?;
        }
        write_json(&self.dir.join("manifest.json"), manifest)
    }

    /// Removes what this plan wrote: the folder held none of these files before it
    /// ([`Files::new`]).
    fn abandon(self) {
        drop(self.open);
        let deferred = self.deferred.map(|(path, _)| path);
        let rest = ["ledger.jsonl", "manifest.json"].map(|name| self.dir.join(name));
        for path in self.created.into_values().chain(deferred).chain(rest) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// One JSONL per bucket: a record per request, with the result line as the API wrote it.
struct Buckets(Vec<BufWriter<File>>);

impl Buckets {
    const NAMES: [&'static str; 5] = ["succeeded", "retry", "permanent", "quarantined", "missing"];

    fn create(dir: &Path) -> Result<Self, Trouble> {
        let files = Self::NAMES
            .iter()
            .map(|name| {
                create(&dir.join(format!("{name}.jsonl"))).map(|f| BufWriter::with_capacity(1 << 20, f))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self(files))
    }

    fn write(&mut self, routed: &Routed, result: Option<&[u8]>) -> Result<(), Trouble> {
        let w = &mut self.0[routed.bucket.index()];
        let record = serde_json::to_vec(routed).map_err(|e| e.to_string())?;
        let io = |e: std::io::Error| format!("cannot write: {e}");
        match result {
            // The record, then `"result": <the line>` (valid JSON: the router parsed it, after
            // the byte order mark a file's first line may start with, which is not JSON).
            Some(line) => {
                let line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
                w.write_all(&record[..record.len() - 1]).map_err(io)?;
                w.write_all(b",\"result\":").map_err(io)?;
                // A CR (a CRLF file's line end) can only be whitespace between tokens in valid
                // JSON; kept, it would split the record for a reader of universal newlines.
                if line.contains(&b'\r') {
                    let spaced: Vec<u8> = line.iter().map(|&b| if b == b'\r' { b' ' } else { b }).collect();
                    w.write_all(&spaced).map_err(io)?;
                } else {
                    w.write_all(line).map_err(io)?;
                }
                w.write_all(b"}\n").map_err(io)
            }
            None => w.write_all(&record).and_then(|()| w.write_all(b"\n")).map_err(io),
        }
    }

    fn flush(self) -> Result<(), Trouble> {
        self.0.into_iter().try_for_each(finish_writer)
    }
}

enum Line<'a> {
    Text(&'a [u8]),
    Oversized(u64),
}

/// A file's lines, each bounded: a line longer than `max` is skipped to its end and reported
/// by length, so a 300 MB line costs no memory. A line inside the read buffer is lent out
/// without a copy. A progress bar on stderr for large files.
struct Lines {
    reader: BufReader<File>,
    max: u64,
    /// A line that crossed the read buffer's end.
    buf: Vec<u8>,
    /// Bytes of the read buffer lent out by the last `next`, consumed by the next one.
    lent: usize,
    bar: Option<indicatif::ProgressBar>,
}

impl Lines {
    fn open(path: &Path, max: u64) -> Result<Self, Trouble> {
        let file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let bar = (std::io::stderr().is_terminal() && len > 64 << 20).then(|| {
            let bar = indicatif::ProgressBar::new(len);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} {bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.set_message(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
            bar
        });
        Ok(Self { reader: BufReader::with_capacity(1 << 20, file), max, buf: Vec::new(), lent: 0, bar })
    }

    fn next(&mut self) -> Result<Option<Line<'_>>, Trouble> {
        let read = |e: std::io::Error| format!("cannot read: {e}");
        self.reader.consume(std::mem::take(&mut self.lent));
        let chunk = self.reader.fill_buf().map_err(read)?;
        if chunk.is_empty() {
            return Ok(None);
        }
        if let Some(end) = memchr::memchr(b'\n', chunk).filter(|&end| end as u64 <= self.max) {
            self.lent = end + 1;
            self.progress(end as u64 + 1);
            return Ok(Some(Line::Text(&self.reader.buffer()[..end])));
        }
        // The line crosses the buffer's end (or is too long): gather it, or only its length.
        self.buf.clear();
        let (mut len, mut ended) = (0u64, false);
        loop {
            let chunk = self.reader.fill_buf().map_err(read)?;
            if chunk.is_empty() {
                break;
            }
            let (take, end) = memchr::memchr(b'\n', chunk).map_or((chunk.len(), false), |i| (i + 1, true));
            len += take as u64;
            if len - u64::from(end) <= self.max {
                self.buf.extend_from_slice(&chunk[..take]);
            } else if !self.buf.is_empty() {
                self.buf = Vec::new();
            }
            self.reader.consume(take);
            if end {
                ended = true;
                break;
            }
        }
        self.progress(len);
        let len = len - u64::from(ended);
        if len > self.max {
            return Ok(Some(Line::Oversized(len)));
        }
        Ok(Some(Line::Text(self.buf.strip_suffix(b"\n").unwrap_or(&self.buf))))
    }

    fn progress(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    fn done(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

fn report_plan(manifest: &Manifest, out: &Path, json: bool) -> Result<(), Trouble> {
    #[derive(Serialize)]
    struct FileLine<'a> {
        path: &'a str,
        endpoint: &'a str,
        model: &'a str,
        requests: u32,
        bytes: u64,
        wave: u32,
        estimated_cost_usd: Option<f64>,
    }
    #[derive(Serialize)]
    struct Summary<'a> {
        manifest: String,
        round: u32,
        files: Vec<FileLine<'a>>,
        totals: &'a breakwater::batch::PlanTotals,
        stopped_at_line: Option<u64>,
        rejected: &'a [breakwater::batch::Rejection],
        warnings: &'a [breakwater::batch::WarningCount],
    }
    let files = manifest
        .files
        .iter()
        .map(|f| FileLine {
            path: &f.path,
            endpoint: &f.endpoint,
            model: &f.model,
            requests: f.requests,
            bytes: f.bytes,
            wave: f.wave,
            estimated_cost_usd: f.estimated_cost_usd,
        })
        .collect();
    let summary = Summary {
        manifest: out.join("manifest.json").display().to_string(),
        round: manifest.round,
        files,
        totals: &manifest.totals,
        stopped_at_line: manifest.stopped_at_line,
        rejected: &manifest.rejected,
        warnings: &manifest.warnings,
    };
    if json {
        return print_json(&summary).map_err(|e| e.to_string());
    }
    for f in &summary.files {
        let cost = f.estimated_cost_usd.map_or_else(|| "unpriced".to_owned(), |c| format!("${c:.4}"));
        println!(
            "{}  {} {}  {} requests  {} bytes  wave {}  {cost}",
            f.path, f.endpoint, f.model, f.requests, f.bytes, f.wave
        );
    }
    let t = &manifest.totals;
    println!(
        "round {}: {} lines: {} planned in {} files, {} rejected, {} deferred, {} blank",
        manifest.round, t.lines, t.planned, t.files, t.rejected, t.deferred, t.blank
    );
    println!("estimated ${:.4} as batch, ${:.4} synchronously", t.estimated_cost_usd, t.sync_cost_usd);
    if let Some(line) = manifest.stopped_at_line {
        println!(
            "the cost cap stopped the plan at line {line}: {} lines deferred to deferred.jsonl",
            t.deferred
        );
    }
    for r in &manifest.rejected {
        eprintln!(
            "line {}: {}{}: {}",
            r.line,
            r.code,
            if r.path.is_empty() { String::new() } else { format!(" at {}", r.path) },
            r.message
        );
    }
    for w in &manifest.warnings {
        eprintln!(
            "warning: {} ({} times, first on line {}): {}",
            w.code.as_str(),
            w.count,
            w.first_line,
            w.message
        );
    }
    println!("manifest: {}", summary.manifest);
    Ok(())
}

fn sibling(manifest: &Path, name: &str) -> PathBuf {
    manifest.parent().unwrap_or_else(|| Path::new(".")).join(name)
}

fn create(path: &Path) -> Result<File, Trouble> {
    File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))
}

fn finish_writer(mut w: BufWriter<File>) -> Result<(), Trouble> {
    w.flush().map_err(|e| format!("cannot write: {e}"))
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), Trouble> {
    let mut w = BufWriter::new(create(path)?);
    serde_json::to_writer_pretty(&mut w, value).map_err(|e| e.to_string())?;
    w.write_all(b"\n").map_err(|e| e.to_string())?;
    finish_writer(w)
}

fn read_text(path: &Path) -> Result<String, Trouble> {
    let mut text = String::new();
    File::open(path)
        .and_then(|mut f| f.read_to_string(&mut text))
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text)
}

fn read_document<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Trouble> {
    let text = read_text(path)?;
    let toml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let parsed =
        if toml { breakwater::document::from_toml(&text) } else { breakwater::document::from_json(&text) };
    parsed.map_err(|e| format!("{}: {e}", path.display()))
}

fn read_manifest(path: &Path) -> Result<Manifest, Trouble> {
    Manifest::from_json(&read_text(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_ledger(path: &Path) -> Result<Vec<LedgerEntry>, Trouble> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    read_jsonl(path)
}

fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, Trouble> {
    let file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let item = breakwater::document::from_json(&line)
            .map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        out.push(item);
    }
    Ok(out)
}
