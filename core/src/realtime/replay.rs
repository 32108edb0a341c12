//! Replays a session timeline (JSON lines) through the interruption machine: the contract of
//! `breakwater realtime replay`, and how tests and users script the machine.
//!
//! Each line is one input: `{"at_ms": N, "config": {...}}` (optional, the first line), `{"at_ms":
//! N, "server": <a server event as the API sends it>}`, `{"at_ms": N, "played": {"item_id":
//! "...", "ms": M}}`, or `{"at_ms": N, "sent": <a client event the host sent>}` (a
//! `response.create` marks a turn's request under manual turn detection). Timers fire at the
//! times the machine asks for, before any later line and after the last one. A line that cannot
//! be read is an issue naming its line; the replay goes on, except after a refused config line:
//! replayed on the defaults, every action would follow settings the session does not have.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::interrupt::{Action, InterruptConfig, Interruptions, Issue, Step};
use super::latency::{StageStats, Turn};

/// Everything a replay produced, in time order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "RealtimeReplay")]
pub struct ReplayReport {
    /// The host's actions.
    pub actions: Vec<Action>,
    /// Inputs reported and ignored, with their line where a line was at fault.
    pub issues: Vec<Issue>,
    /// Turns with their stage durations and violations.
    pub turns: Vec<Turn>,
    /// p50 / p95 per stage over the replayed turns.
    pub latency: Vec<StageStats>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    at_ms: u64,
    #[serde(default, borrow)]
    config: Option<&'a serde_json::value::RawValue>,
    #[serde(default, borrow)]
    server: Option<&'a serde_json::value::RawValue>,
    #[serde(default, borrow)]
    played: Option<Played<'a>>,
    /// A client event the host sent, read by `Interruptions::sent_event`.
    #[serde(default)]
    sent: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Played<'a> {
    #[serde(borrow)]
    item_id: std::borrow::Cow<'a, str>,
    ms: u64,
}

/// A replay in progress: feed lines, then [`Replayer::finish`].
pub struct Replayer {
    machine: Option<Interruptions>,
    report: ReplayReport,
    line: usize,
    /// The latest `at_ms` read: where a line that cannot be read is placed.
    last_at: u64,
    /// The config line was refused: nothing more is replayed (on the defaults, every action
    /// would follow settings the session does not have).
    halted: bool,
}

impl Default for Replayer {
    fn default() -> Self {
        Self::new()
    }
}

impl Replayer {
    /// A replay with the default config until a config line says otherwise.
    #[must_use]
    pub fn new() -> Self {
        Self { machine: None, report: ReplayReport::default(), line: 0, last_at: 0, halted: false }
    }

    fn machine(&mut self) -> &mut Interruptions {
        self.machine.get_or_insert_with(|| {
            Interruptions::new(InterruptConfig::default())
                .unwrap_or_else(|_| unreachable!("defaults are valid"))
        })
    }

    /// Takes a step's output; its issues name the line that caused them, if one did.
    fn absorb(&mut self, step: Step, line: Option<usize>) {
        self.report.actions.extend(step.actions);
        self.report.issues.extend(step.issues.into_iter().map(|i| match line {
            Some(n) => Issue { message: format!("line {n}: {}", i.message), ..i },
            None => i,
        }));
        self.report.turns.extend(step.turns);
    }

    fn line_issue(&mut self, at_ms: u64, code: &'static str, message: String) {
        let line = self.line;
        self.report.issues.push(Issue { at_ms, code, message: format!("line {line}: {message}") });
    }

    /// Fires every timer due by `at_ms`, each at its own time.
    fn run_timers(&mut self, until: Option<u64>) {
        while let Some(t) = self.machine().poll_timeout().filter(|&t| until.is_none_or(|u| t <= u)) {
            let step = self.machine().handle_timeout(t);
            self.absorb(step, None);
        }
    }

    /// One line of the timeline as read from a file: bytes that are not UTF-8 are an issue
    /// naming the line, and the replay goes on.
    pub fn push_bytes(&mut self, bytes: &[u8]) {
        match std::str::from_utf8(bytes) {
            Ok(text) => self.push(text),
            Err(e) => {
                self.line += 1;
                let message = format!("not UTF-8 (byte {})", e.valid_up_to() + 1);
                self.line_issue(self.last_at, "invalid_utf8", message);
            }
        }
    }

    /// One line of the timeline (blank lines are skipped).
    pub fn push(&mut self, text: &str) {
        self.line += 1;
        // A byte order mark before the first line is ignored, as RFC 8259 (section 8.1) allows:
        // refused, it would drop the config line and replay the session on the defaults.
        let text = if self.line == 1 { text.strip_prefix('\u{feff}').unwrap_or(text) } else { text };
        if text.trim().is_empty() || self.halted {
            return;
        }
        let line: Line<'_> = match crate::document::de::object_from_str(text) {
            Ok(line) => line,
            Err(e) => {
                let (code, message) = crate::error::json_line_error(&e);
                return self.line_issue(self.last_at, code.as_str(), message);
            }
        };
        let at = line.at_ms;
        self.last_at = self.last_at.max(at);
        match (line.config, line.server, line.played, line.sent) {
            (Some(config), None, None, None) => {
                if self.machine.is_some() {
                    return self.line_issue(at, "out_of_order", "a config line must come first".into());
                }
                let read =
                    crate::document::from_json::<InterruptConfig>(config.get()).and_then(Interruptions::new);
                match read {
                    Ok(m) => self.machine = Some(m),
                    Err(e) => {
                        self.halted = true;
                        let message =
                            format!("config.{}: {}; the session is not replayed", e.path, e.message);
                        self.line_issue(at, e.code.as_str(), message);
                    }
                }
            }
            (None, Some(server), None, None) => {
                self.run_timers(Some(at));
                // Where the event starts in the line, so that an issue's column is the line's.
                let offset = server.get().as_ptr() as usize - text.as_ptr() as usize;
                let step = self.machine().handle_json_at(at, server.get(), offset);
                self.absorb(step, Some(self.line));
            }
            (None, None, None, Some(sent)) => {
                self.run_timers(Some(at));
                match self.machine().sent_event(at, &sent) {
                    Ok(step) => self.absorb(step, Some(self.line)),
                    Err(e) => self.line_issue(at, e.code.as_str(), format!("sent.{}: {}", e.path, e.message)),
                }
            }
            (None, None, Some(played), None) => {
                self.run_timers(Some(at));
                let step = self.machine().played(at, &played.item_id, played.ms);
                self.absorb(step, Some(self.line));
            }
            _ => self.line_issue(
                at,
                "invalid_value",
                "a line holds exactly one of config, server, played, sent".into(),
            ),
        }
    }

    /// Fires the timers still pending, reports the turn still open and returns the report.
    pub fn finish(mut self) -> ReplayReport {
        if self.halted {
            return self.report;
        }
        self.run_timers(None);
        // The recording ended: the turn still open is reported, at the last time seen.
        let machine = self.machine();
        let step = machine.end(machine.last_seen_ms());
        self.absorb(step, None);
        self.report.latency = self.machine().latency_stats();
        self.report
    }
}

/// Replays a whole timeline.
#[must_use]
pub fn replay(timeline: &str) -> ReplayReport {
    let mut r = Replayer::new();
    for line in timeline.lines() {
        r.push(line);
    }
    r.finish()
}
