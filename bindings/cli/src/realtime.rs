//! `breakwater realtime replay`: a session timeline (JSON lines) through the interruption
//! machine, read line by line.

use std::io::BufRead;
use std::path::PathBuf;

use breakwater::realtime::{ActionKind, ReplayReport, Replayer};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum RealtimeCommand {
    /// Replay a timeline: one input per line, `{"at_ms", "config" | "server" | "played"}`;
    /// prints the host's actions, the issues and each turn's latency. Exit 0, 1 when the
    /// timeline had issues, 2 when it could not be read.
    Replay {
        /// The timeline (`-` for stdin).
        timeline: PathBuf,
        /// Print `{actions, issues, turns, latency}` as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Whether the replay found issues (exit 1), or `Err` when it could not run (exit 2).
pub fn run(command: RealtimeCommand) -> Result<bool, String> {
    let RealtimeCommand::Replay { timeline, json } = command;
    let reader: Box<dyn BufRead> = if timeline.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file =
            std::fs::File::open(&timeline).map_err(|e| format!("cannot read {}: {e}", timeline.display()))?;
        Box::new(std::io::BufReader::with_capacity(1 << 20, file))
    };
    let mut replayer = Replayer::new();
    // Bytes, not `lines()`: a line that is not UTF-8 is the replay's issue, not the end of it.
    for line in reader.split(b'\n') {
        let line = line.map_err(|e| format!("cannot read {}: {e}", timeline.display()))?;
        replayer.push_bytes(line.strip_suffix(b"\r").unwrap_or(&line));
    }
    let report = replayer.finish();
    if json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        print!("{}", render(&report));
    }
    Ok(!report.issues.is_empty())
}

/// The readable timeline: actions and issues in time order, then the turns.
fn render(report: &ReplayReport) -> String {
    let mut rows: Vec<(u64, String)> = report
        .actions
        .iter()
        .map(|a| {
            let what = match (a.action, &a.event) {
                (ActionKind::Send, Some(event)) => format!("send     {event}"),
                (kind, _) => format!("{kind:<8} {}", a.item_id.as_deref().unwrap_or("(the audio track)")),
            };
            (a.at_ms, what)
        })
        .chain(report.issues.iter().map(|i| (i.at_ms, format!("issue    {}: {}", i.code, i.message))))
        .collect();
    rows.sort_by_key(|(at, _)| *at);
    let mut out = String::new();
    for (at, what) in rows {
        out.push_str(&format!("{at:>9} ms  {what}\n"));
    }
    if !report.turns.is_empty() {
        out.push_str(
            "\nturn  speech end ms  detect  first text  first audio  playback  voice to voice  over budget\n",
        );
        let ms = |x: Option<u64>| x.map_or("-".to_owned(), |v| v.to_string());
        for (i, t) in report.turns.iter().enumerate() {
            let over: Vec<&str> = t.violations.iter().map(|s| s.as_str()).collect();
            let row = format!(
                "{:>4}  {:>13}  {:>6}  {:>10}  {:>11}  {:>8}  {:>14}  {}",
                i + 1,
                t.speech_end_ms,
                ms(t.detect_ms),
                ms(t.first_text_ms),
                ms(t.first_audio_ms),
                ms(t.playback_ms),
                ms(t.voice_to_voice_ms),
                over.join(", ")
            );
            out.push_str(row.trim_end());
            out.push('\n');
        }
    }
    out
}
