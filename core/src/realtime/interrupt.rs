//! The interruption (barge-in) machine of a Realtime voice session, sans-I/O in the str0m
//! style: inputs in (server events, the host's playback progress, timers), actions out.
//!
//! Host contract: pass every server event to [`Interruptions::handle_event`] (or the JSON text
//! to [`Interruptions::handle_json`]), the playback position of the item playing to
//! [`Interruptions::played`], and call [`Interruptions::handle_timeout`] at
//! [`Interruptions::poll_timeout`]; carry out each returned [`Action`] in order. Each call
//! returns the actions, issues and finished turns it produced, and the next timer.
//!
//! The phases and what moves them (the whole table; `interrupt` and `resume` below):
//!
//! ```text
//! phase         input                                  → phase        actions
//! Idle          audio delta / buffer started           → Speaking
//! Speaking      playback finished                      → Idle
//! Speaking/Paused/Resumable  WebRTC buffer stopped or cleared → Idle  (the timer dropped)
//! Speaking      speech started, min_interruption_ms 0  → Interrupted  interrupt
//! Speaking      speech started                         → Paused       stop_playback, timer confirm
//! Paused        timer confirm (still speaking)         → Interrupted  interrupt
//! Paused        speech stopped                         → Resumable    timer false_interruption
//! Resumable     speech started                         → Paused       timer confirm
//! Resumable     timer false_interruption, resume       → Speaking     resume_playback
//! Resumable     timer false_interruption, no resume    → Interrupted  interrupt
//! Paused/Resum. response.created (the user's turn)     → Interrupted  interrupt
//! Paused/Resum. audio delta of a new item               → (same)       it waits in line
//! Idle/Interr.  speech started, the response in
//!               progress has sent no audio yet         → Interrupted  cancel (its audio dropped)
//! Interrupted   audio delta of another item            → Speaking
//! Interrupted   audio delta of the cancelled response  → Interrupted  stop_playback of its item
//! any           WebRTC buffer started, track muted     → Speaking     resume_playback
//! ```
//!
//! `interrupt` sends `response.cancel` only while a response is in progress and the server
//! does not cancel by itself (`interrupt_response` off); then, over WebSocket,
//! `conversation.item.truncate` at `min(played, received)` ms (never past the audio received:
//! the API rejects that; an out-of-band response's item, in no conversation, is not
//! truncated) and `stop_playback` if playback was not paused already; over WebRTC,
//! `output_audio_buffer.clear` (the server truncates; the client sends none). Speech that
//! starts after playback finished is the user's next turn: no cancel, no truncate.
//!
//! `interrupt` also drops the audio of a response in progress that had sent none yet (the user
//! barged in on an earlier answer still playing): its late deltas are not played.
//!
//! Out-of-band responses (`conversation: "none"`, read from `response.created`; the host's
//! `response.create` of one is not a turn's request): their audio plays in line like any
//! other, but it is neither the answer's (a barge-in still cancels the answer and drops its
//! audio) nor the turn's (first audio, playback). A response's `response.done` ends its items'
//! audio even when their `output_audio.done` did not come, and a response once done stays done:
//! a late or repeated `response.created` of it is reported and ignored.
//!
//! Items play in the order their audio arrived: an answer that arrives while another plays
//! (the one after a tool call) waits behind it, and plays from the moment the one before ends
//! (a `played` report for it says the host finished those before it). `interrupt` truncates
//! the item playing where it was heard and those waiting behind it at 0 (nothing of them was
//! heard), and stops them all.
//!
//! Playback position: the host's `played` reports (a report past the audio received is read as
//! what arrived: `played_ahead`); without them, the time since the item's first delta while
//! playing (openai-agents' fallback tracker), frozen while paused, and a turn's playback starts
//! with its first delta.

use std::collections::VecDeque;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::event::{BadEvent, Envelope, ServerEvent};
use super::latency::{Budgets, Marks, Rolling, StageStats, Turn};
use crate::document::de;
use crate::{Error, ErrorCode, Result};

stable_codes! {
    /// How audio reaches the user.
    pub enum Transport {
        /// The client plays the audio deltas it receives (and truncates what it did not play).
        Websocket = "websocket",
        /// The server plays into a media track (`output_audio_buffer.*` events; it truncates).
        Webrtc = "webrtc",
    }
}

stable_codes! {
    /// The output audio format: how many ms a delta's bytes hold.
    pub enum AudioFormat {
        /// 16-bit PCM at 24 kHz: 48 bytes a ms.
        Pcm16 = "pcm16",
        /// G.711 µ-law at 8 kHz: 8 bytes a ms.
        G711Ulaw = "g711_ulaw",
        /// G.711 A-law at 8 kHz: 8 bytes a ms.
        G711Alaw = "g711_alaw",
    }
}

impl AudioFormat {
    const fn bytes_per_ms(self) -> u64 {
        match self {
            Self::Pcm16 => 48,
            Self::G711Ulaw | Self::G711Alaw => 8,
        }
    }

    /// The format by its beta name, or by the GA one (`audio/pcm`, `audio/pcmu`, `audio/pcma`).
    fn named(name: &str) -> Option<Self> {
        Self::from_code(name).or(match name {
            "audio/pcm" => Some(Self::Pcm16),
            "audio/pcmu" => Some(Self::G711Ulaw),
            "audio/pcma" => Some(Self::G711Alaw),
            _ => None,
        })
    }
}

/// The schema of what [`audio_format`] reads.
fn audio_format_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let beta = generator.subschema_for::<AudioFormat>();
    let ga = serde_json::json!({ "type": "string", "enum": ["audio/pcm", "audio/pcmu", "audio/pcma"] });
    let name = serde_json::json!({ "anyOf": [beta, ga] });
    schemars::json_schema!({
        "anyOf": [beta, ga, {
            "type": "object",
            "properties": { "type": name, "rate": { "type": "integer", "minimum": 0 } },
            "required": ["type"],
            "additionalProperties": false
        }]
    })
}

/// The output audio format as a session names it: the beta name (`pcm16`), the GA one
/// (`audio/pcm`), or the GA session's object (`{"type": "audio/pcm", "rate": 24000}`; PCM is
/// 24 kHz only, G.711 8 kHz), so that a GA session config is taken as it is.
fn audio_format<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<AudioFormat, D::Error> {
    use serde::de::{Error as _, MapAccess, Visitor};
    const NAMES: &[&str] = &["pcm16", "g711_ulaw", "g711_alaw", "audio/pcm", "audio/pcmu", "audio/pcma"];
    fn by_name<E: serde::de::Error>(name: &str) -> std::result::Result<AudioFormat, E> {
        AudioFormat::named(name).ok_or_else(|| E::unknown_variant(name, NAMES))
    }
    struct Format;
    impl<'de> Visitor<'de> for Format {
        type Value = AudioFormat;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a format name or {type, rate}")
        }
        fn visit_str<E: serde::de::Error>(self, name: &str) -> std::result::Result<AudioFormat, E> {
            by_name(name)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<AudioFormat, A::Error> {
            let (mut format, mut rate) = (None, None);
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                match key.as_ref() {
                    "type" => format = Some(by_name(&map.next_value::<std::borrow::Cow<'de, str>>()?)?),
                    "rate" => rate = Some(map.next_value::<u64>()?),
                    other => return Err(A::Error::unknown_field(other, &["type", "rate"])),
                }
            }
            let format = format.ok_or_else(|| A::Error::missing_field("type"))?;
            let hz = if format == AudioFormat::Pcm16 { 24_000 } else { 8_000 };
            match rate {
                Some(r) if r != hz => Err(A::Error::custom(crate::error::tagged(
                    ErrorCode::OutOfRange,
                    format!("rate {r}: {} is {hz} Hz", format.as_str()),
                ))),
                _ => Ok(format),
            }
        }
    }
    d.deserialize_any(Format)
}

/// The longest duration a setting may hold: a Realtime session lasts 60 minutes at most.
const MAX_SETTING_MS: u64 = 3_600_000;

/// Settings of the interruption machine; defaults follow LiveKit Agents' interruption options.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct InterruptConfig {
    /// `websocket` (default) or `webrtc`.
    pub transport: Transport,
    /// The session's `turn_detection.interrupt_response`: the server cancels the response
    /// itself when speech starts. Default true (the API's default).
    pub interrupt_response: bool,
    /// The output audio format: `pcm16` (default), `g711_ulaw`, `g711_alaw`, or the GA
    /// session's names (`audio/pcm`, `audio/pcmu`, `audio/pcma`) and object (`{type, rate}`).
    #[serde(deserialize_with = "audio_format")]
    #[schemars(schema_with = "audio_format_schema")]
    pub audio_format: AudioFormat,
    /// Speech shorter than this does not interrupt (a cough, "uh-huh"). Default 500
    /// (LiveKit `min_duration` 0.5 s); 0 interrupts at speech start.
    #[serde(deserialize_with = "de::duration_ms")]
    pub min_interruption_ms: u64,
    /// After short speech, how long to wait for the user's turn before calling it a false
    /// interruption. Default 2000 (LiveKit `false_interruption_timeout` 2 s).
    #[serde(deserialize_with = "de::duration_ms")]
    pub false_interruption_timeout_ms: u64,
    /// Resume playback after a false interruption (else it interrupts). Default true (LiveKit).
    pub resume_false_interruption: bool,
    /// Latency budgets per stage of a turn.
    pub budgets: Budgets,
    /// Turns kept per stage for the rolling percentiles. Default 512.
    #[serde(deserialize_with = "de::count")]
    pub history: u32,
}

impl Default for InterruptConfig {
    fn default() -> Self {
        Self {
            transport: Transport::Websocket,
            interrupt_response: true,
            audio_format: AudioFormat::Pcm16,
            min_interruption_ms: 500,
            false_interruption_timeout_ms: 2000,
            resume_false_interruption: true,
            budgets: Budgets::default(),
            history: 512,
        }
    }
}

impl InterruptConfig {
    /// Checks that every duration fits a session and the history is usable.
    ///
    /// # Errors
    /// `out_of_range` at the field.
    pub fn validate(&self) -> Result<()> {
        for (value, path) in [
            (self.min_interruption_ms, "min_interruption_ms"),
            (self.false_interruption_timeout_ms, "false_interruption_timeout_ms"),
        ] {
            if value > MAX_SETTING_MS {
                return Err(Error::new(
                    ErrorCode::OutOfRange,
                    path,
                    format!("{value} ms is longer than a Realtime session (60 minutes)"),
                ));
            }
        }
        if !(1..=65_536).contains(&self.history) {
            return Err(Error::new(ErrorCode::OutOfRange, "history", "must be in 1..=65536"));
        }
        Ok(())
    }
}

stable_codes! {
    /// What the host does.
    pub enum ActionKind {
        /// Send `event` to the server.
        Send = "send",
        /// Stop (pause) local playback of `item_id`.
        StopPlayback = "stop_playback",
        /// Resume local playback of `item_id` where it stopped.
        ResumePlayback = "resume_playback",
    }
}

/// One thing for the host to do, in order.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "RealtimeAction")]
pub struct Action {
    /// When the machine decided it.
    pub at_ms: u64,
    /// Send, stop or resume playback.
    pub action: ActionKind,
    /// With `send`: the client event, exactly as the API takes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<serde_json::Value>,
    /// With `stop_playback` / `resume_playback`: the assistant item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
}

/// An input the machine reported and ignored (or took as best it could); its state stays valid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "RealtimeIssue")]
pub struct Issue {
    /// When.
    pub at_ms: u64,
    /// `syntax_error`, `unknown_event`, `missing_field`, `invalid_base64`, `duplicate_event`,
    /// `time_backwards`, `out_of_order`, `unknown_item`, `played_backwards`, `played_ahead`,
    /// `server_error`;
    /// an event's or a replay line's field of the wrong type or value, by its code
    /// (`invalid_type`, `out_of_range`, `unknown_variant`, ...).
    pub code: &'static str,
    /// What happened, with the event type and ids.
    pub message: String,
}

impl Issue {
    fn at(at_ms: u64, code: &'static str, message: String) -> Self {
        Self { at_ms, code, message }
    }
}

/// What one input produced.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "RealtimeStep")]
pub struct Step {
    /// Actions for the host, in order.
    pub actions: Vec<Action>,
    /// Inputs reported and ignored.
    pub issues: Vec<Issue>,
    /// Turns that ended (their playback started), with stage durations and violations.
    pub turns: Vec<Turn>,
    /// When to call `handle_timeout` next, if a timer is set.
    pub next_timeout_ms: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Speaking,
    /// The user started speaking at `since`; playback is paused until the speech is confirmed.
    Paused,
    /// The speech stopped before it was long enough: a false interruption unless a turn comes.
    Resumable,
    Interrupted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timer {
    Confirm,
    FalseInterruption,
}

/// The assistant item being played (WebSocket).
#[derive(Clone, Debug)]
struct Item {
    id: String,
    bytes: u64,
    audio_done: bool,
    /// Played ms: the host's last report, or the estimate frozen when playback paused.
    played: u64,
    /// While playing without host reports: (since when, played then).
    clock: Option<(u64, u64)>,
    reported: bool,
    /// The response whose audio it is, when its deltas named it: its `response.done` ends the
    /// item's audio, should its `output_audio.done` not come.
    response: Option<String>,
    /// Audio of an out-of-band response: its playback is not the turn's.
    side: bool,
}

/// The interruption machine of one Realtime session; see the module docs.
#[derive(Clone, Debug)]
pub struct Interruptions {
    config: InterruptConfig,
    phase: Phase,
    timer: Option<(u64, Timer)>,
    /// The response in progress (`response.created` without its `response.done`).
    response: Option<String>,
    /// Whether its audio began (or was dropped: cancelled before it began).
    response_audio: ResponseAudio,
    /// The assistant items to play, in order (WebSocket): the first is playing (or paused), the
    /// others arrived behind it (an answer after a tool call, while the first still plays).
    items: VecDeque<Item>,
    /// Items interrupted: their late deltas are dropped quietly. Bounded.
    interrupted: VecDeque<String>,
    /// Out-of-band responses in progress (`conversation: "none"`: a side request such as a
    /// classification): not the turn's answer. Bounded.
    out_of_band: VecDeque<String>,
    /// Responses done (or whose `response.done` came first): a late or repeated
    /// `response.created` of one does not bring it back. Bounded.
    finished: VecDeque<String>,
    turn: Option<Marks>,
    rolling: Rolling,
    last_ms: u64,
    /// The host reports `played` (else playback is taken to start at an item's first delta).
    host_reports: bool,
    /// Over WebRTC, the host was told to stop playback (mute the track) and not to resume it.
    muted: bool,
    /// Hashes of the last event ids seen, to recognise a repeated event without keeping the
    /// ids (one allocation less per audio delta). Bounded.
    seen: VecDeque<u64>,
}

/// How far the response in progress got with its audio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResponseAudio {
    NotYet,
    Begun,
    /// Cancelled before any of it arrived: the audio the server sent before it saw the cancel
    /// is dropped.
    Dropped,
}

const KEEP_INTERRUPTED: usize = 16;
const KEEP_SEEN: usize = 64;

/// Appends `item`, dropping the oldest once `cap` are held.
fn push_bounded<T>(list: &mut VecDeque<T>, item: T, cap: usize) {
    if list.len() >= cap {
        list.pop_front();
    }
    list.push_back(item);
}

/// 64-bit FNV-1a of an event id: two ids among the last 64 collide with odds near 2^-53.
fn id_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl Interruptions {
    /// A machine in the idle phase.
    ///
    /// # Errors
    /// As [`InterruptConfig::validate`].
    pub fn new(config: InterruptConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            rolling: Rolling::new(config.history as usize),
            config,
            phase: Phase::Idle,
            timer: None,
            response: None,
            response_audio: ResponseAudio::Begun,
            items: VecDeque::new(),
            interrupted: VecDeque::new(),
            out_of_band: VecDeque::new(),
            finished: VecDeque::new(),
            turn: None,
            last_ms: 0,
            host_reports: false,
            muted: false,
            seen: VecDeque::new(),
        })
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &InterruptConfig {
        &self.config
    }

    /// When to call [`Self::handle_timeout`] next. Changes after every input.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        self.timer.map(|(at, _)| at)
    }

    /// p50 / p95 per stage over the last `history` turns.
    #[must_use]
    pub fn latency_stats(&self) -> Vec<StageStats> {
        self.rolling.stats()
    }

    /// One server event as JSON text; a bad or repeated event is an issue, never an error.
    pub fn handle_json(&mut self, now_ms: u64, text: &str) -> Step {
        self.handle_envelope(now_ms, Envelope::parse(text))
    }

    /// [`Self::handle_json`] of an event `offset` bytes into a replay line: an issue's column
    /// is the line's.
    pub(crate) fn handle_json_at(&mut self, now_ms: u64, text: &str, offset: usize) -> Step {
        self.handle_envelope(now_ms, Envelope::parse_at(text, offset))
    }

    /// One server event as a parsed value (a dict from a binding).
    pub fn handle_value(&mut self, now_ms: u64, value: &serde_json::Value) -> Step {
        self.handle_envelope(now_ms, Envelope::from_value(value))
    }

    fn handle_envelope(&mut self, now_ms: u64, read: std::result::Result<Envelope<'_>, BadEvent>) -> Step {
        match read {
            Ok(Envelope { event_id: Some(id), .. }) if self.seen.contains(&id_hash(&id)) => self.bad_input(
                now_ms,
                "duplicate_event",
                format!("event {id} arrived twice; the repeat is ignored"),
            ),
            Ok(Envelope { event_id, event }) => {
                if let Some(id) = event_id {
                    push_bounded(&mut self.seen, id_hash(&id), KEEP_SEEN);
                }
                self.handle_event(now_ms, &event)
            }
            Err(bad) => self.bad_input(now_ms, bad.code, bad.message),
        }
    }

    fn bad_input(&mut self, now_ms: u64, code: &'static str, message: String) -> Step {
        let mut step = Step::default();
        let now = self.observe(now_ms, &mut step);
        step.issues.push(Issue { at_ms: now, code, message });
        self.finish(step)
    }

    /// One server event.
    pub fn handle_event(&mut self, now_ms: u64, event: &ServerEvent<'_>) -> Step {
        let mut step = Step::default();
        let now = self.observe(now_ms, &mut step);
        self.fire_due(now, &mut step);
        match event {
            ServerEvent::SpeechStarted { .. } => self.speech_started(now, &mut step),
            ServerEvent::SpeechStopped => {
                if self.phase == Phase::Paused {
                    self.phase = Phase::Resumable;
                    self.timer = Some((
                        now.saturating_add(self.config.false_interruption_timeout_ms),
                        Timer::FalseInterruption,
                    ));
                }
                self.close_open_turn(&mut step);
                self.turn = Some(Marks { speech_end: now, ..Marks::default() });
            }
            ServerEvent::ResponseCreated { id, .. } if self.finished.iter().any(|f| f == id) => {
                step.issues.push(Issue::at(
                    now,
                    "out_of_order",
                    format!("response.created for {id}, which is done already; ignored"),
                ));
            }
            ServerEvent::ResponseCreated { id, out_of_band: true } => {
                // Neither the answer in progress nor the turn's request: a barge-in still
                // cancels the answer, and the side request's text is not the turn's latency.
                push_bounded(&mut self.out_of_band, id.to_string(), KEEP_INTERRUPTED);
            }
            ServerEvent::ResponseCreated { id, out_of_band: false } => {
                if matches!(self.phase, Phase::Paused | Phase::Resumable) {
                    // The user's turn was committed: the speech was an interruption after all.
                    self.interrupt(now, &mut step);
                }
                self.response = Some(id.to_string());
                self.response_audio = ResponseAudio::NotYet;
                // Under server turn detection the server makes the request: its response.created
                // stands for "request sent" unless the host reported sending response.create.
                if let Some(t) = self.turn.as_mut().filter(|t| t.request_sent.is_none()) {
                    t.request_sent = Some(now);
                }
            }
            ServerEvent::ResponseDone { id, .. } => {
                if self.response.as_deref() == Some(id.as_ref()) {
                    self.response = None;
                } else if let Some(at) = self.out_of_band.iter().position(|r| r == id) {
                    self.out_of_band.remove(at);
                } else {
                    step.issues.push(Issue::at(
                        now,
                        "out_of_order",
                        format!("response.done for {id}, not in progress"),
                    ));
                }
                // The response sends nothing more: its items' audio is all there, even when an
                // `output_audio.done` did not come (else they would wait in line for ever).
                for item in self.items.iter_mut().filter(|i| i.response.as_deref() == Some(id.as_ref())) {
                    item.audio_done = true;
                }
                self.check_finished(now);
                push_bounded(&mut self.finished, id.to_string(), KEEP_INTERRUPTED);
            }
            ServerEvent::TextDelta { response_id } => {
                let side = self.is_side(response_id.as_deref());
                // Text before the turn's request is the earlier answer's, not this turn's.
                if let Some(t) =
                    self.turn.as_mut().filter(|t| !side && t.first_text.is_none() && t.request_sent.is_some())
                {
                    t.first_text = Some(now);
                }
            }
            ServerEvent::AudioDelta { item_id, bytes, response_id } => {
                self.audio(now, item_id, *bytes, response_id.as_deref(), &mut step);
            }
            ServerEvent::AudioDone { item_id } => {
                if let Some(item) = self.items.iter_mut().find(|i| i.id == *item_id) {
                    item.audio_done = true;
                    self.check_finished(now);
                } else if !self.was_interrupted(item_id) {
                    step.issues.push(Issue::at(
                        now,
                        "unknown_item",
                        format!("audio done for item {item_id}"),
                    ));
                }
            }
            ServerEvent::BufferStarted { response_id } => {
                if self.config.transport == Transport::Webrtc && self.phase != Phase::Paused {
                    self.phase = Phase::Speaking;
                    if self.muted {
                        // The track was muted for an interruption: this answer is heard.
                        self.push_playback(now, ActionKind::ResumePlayback, &mut step);
                    }
                    // A side response playing is neither the answer's audio nor the turn's.
                    if !self.is_side(response_id.as_deref()) {
                        self.response_audio = ResponseAudio::Begun;
                        self.mark_playback(now, &mut step);
                    }
                }
            }
            ServerEvent::BufferStopped | ServerEvent::BufferCleared => {
                // Nothing is left to play, paused or not: speech after this is the next turn.
                if self.config.transport == Transport::Webrtc
                    && matches!(self.phase, Phase::Speaking | Phase::Paused | Phase::Resumable)
                {
                    self.phase = Phase::Idle;
                    self.timer = None;
                }
            }
            ServerEvent::Truncated { .. } | ServerEvent::Other => {}
            ServerEvent::Error { code, message } => {
                step.issues.push(Issue::at(now, "server_error", format!("{code}: {message}")));
            }
        }
        self.finish(step)
    }

    /// The host sent a client event (the object): only its `type` is read, and of a
    /// `response.create` whether it asks for an out-of-band response; see [`Self::sent`].
    ///
    /// # Errors
    /// `missing_field` at `type` for an event without a string `type`.
    pub fn sent_event(&mut self, now_ms: u64, event: &serde_json::Value) -> Result<Step> {
        use serde_json::Value;
        let Some(kind) = event.get("type").and_then(Value::as_str) else {
            return Err(Error::new(ErrorCode::MissingField, "type", "a client event has a `type`"));
        };
        let conversation = event.get("response").and_then(|r| r.get("conversation")).and_then(Value::as_str);
        Ok(self.sent(now_ms, kind, conversation == Some("none")))
    }

    /// The host sent a client event (`{"type": ...}`): a `response.create` after the user's
    /// speech ended marks the turn's request (manual turn detection), unless it asks for an
    /// out-of-band response (`response.conversation: "none"`: a side request, not the answer).
    /// Other events are not read; the machine's own actions need not be reported.
    fn sent(&mut self, now_ms: u64, event_type: &str, out_of_band: bool) -> Step {
        let mut step = Step::default();
        let now = self.observe(now_ms, &mut step);
        self.fire_due(now, &mut step);
        if event_type == "response.create" && !out_of_band {
            if let Some(t) = self.turn.as_mut().filter(|t| t.request_sent.is_none()) {
                t.request_sent = Some(now);
            }
        }
        self.finish(step)
    }

    /// The host played `ms` of item `item_id` so far (WebSocket).
    pub fn played(&mut self, now_ms: u64, item_id: &str, ms: u64) -> Step {
        let mut step = Step::default();
        let now = self.observe(now_ms, &mut step);
        self.fire_due(now, &mut step);
        self.host_reports = true;
        let per_ms = self.config.audio_format.bytes_per_ms();
        if let Some(position) = self.items.iter().position(|i| i.id == item_id) {
            // The host plays in order: the items before this one were played to their end.
            self.items.drain(..position);
            let item = &mut self.items[0];
            let received = item.bytes / per_ms;
            if item.reported && ms < item.played {
                let message = format!("item {item_id}: played {ms} ms after {} ms", item.played);
                step.issues.push(Issue { at_ms: now, code: "played_backwards", message });
            } else {
                if ms > received {
                    // Nobody plays audio that has not arrived: taken as what arrived, so that a
                    // truncate stays within it and a later, true report is not refused.
                    let message = format!("item {item_id}: played {ms} ms of {received} ms received");
                    step.issues.push(Issue { at_ms: now, code: "played_ahead", message });
                }
                let ms = ms.min(received);
                item.played = ms;
                item.reported = true;
                item.clock = None;
                if ms > 0 && !item.side {
                    self.mark_playback(now, &mut step);
                }
                self.check_finished(now);
            }
        } else if !self.was_interrupted(item_id) {
            step.issues.push(Issue::at(now, "unknown_item", format!("played for item {item_id}")));
        }
        self.finish(step)
    }

    /// The session (or its recording) ended at `now_ms`: the timers due by then fire, and a turn
    /// still open is reported with the stages it reached (without it, the last turn of every
    /// session went unchecked: its latency budget was never judged). Events may still follow
    /// (a reconnected session goes on).
    pub fn end(&mut self, now_ms: u64) -> Step {
        let mut step = Step::default();
        let now = self.observe(now_ms, &mut step);
        self.fire_due(now, &mut step);
        self.close_open_turn(&mut step);
        self.finish(step)
    }

    /// A turn still open got an answer that never played (or none): it ends here. Without
    /// `played` reports, its playback began with its first delta (the fallback tracker), so that
    /// its budgets are still checked.
    fn close_open_turn(&mut self, step: &mut Step) {
        if let Some(mut open) = self.turn.take().filter(|t| t.request_sent.is_some()) {
            if !self.host_reports && self.config.transport == Transport::Websocket {
                open.playback_start = open.playback_start.or(open.first_audio);
            }
            step.turns.push(self.rolling.close(&open, &self.config.budgets));
        }
    }

    /// The latest time the machine has seen.
    #[must_use]
    pub fn last_seen_ms(&self) -> u64 {
        self.last_ms
    }

    /// Fires the timer due at `now_ms`, if any (extra calls do nothing).
    pub fn handle_timeout(&mut self, now_ms: u64) -> Step {
        let mut step = Step::default();
        let now = self.observe(now_ms, &mut step);
        self.fire_due(now, &mut step);
        self.finish(step)
    }

    fn finish(&self, mut step: Step) -> Step {
        step.next_timeout_ms = self.poll_timeout();
        step
    }

    /// Time only moves forward: an earlier time is read as the latest seen, and reported.
    fn observe(&mut self, now_ms: u64, step: &mut Step) -> u64 {
        if now_ms < self.last_ms {
            let message =
                format!("time {now_ms} ms is before {} ms; read as {} ms", self.last_ms, self.last_ms);
            step.issues.push(Issue { at_ms: self.last_ms, code: "time_backwards", message });
        }
        self.last_ms = self.last_ms.max(now_ms);
        self.last_ms
    }

    fn fire_due(&mut self, now: u64, step: &mut Step) {
        let Some((at, timer)) = self.timer.filter(|(at, _)| *at <= now) else { return };
        self.timer = None;
        match (self.phase, timer) {
            (Phase::Paused, Timer::Confirm) => self.interrupt(at, step),
            (Phase::Resumable, Timer::FalseInterruption) if self.config.resume_false_interruption => {
                self.phase = Phase::Speaking;
                if let Some(item) = self.items.front_mut() {
                    if !item.reported {
                        item.clock = Some((at, item.played));
                    }
                }
                self.push_playback(at, ActionKind::ResumePlayback, step);
            }
            (Phase::Resumable, Timer::FalseInterruption) => self.interrupt(at, step),
            _ => {}
        }
    }

    fn speech_started(&mut self, now: u64, step: &mut Step) {
        self.check_finished(now);
        match self.phase {
            Phase::Speaking if self.config.min_interruption_ms == 0 => self.interrupt(now, step),
            Phase::Speaking => {
                self.freeze(now);
                self.push_playback(now, ActionKind::StopPlayback, step);
                self.phase = Phase::Paused;
                self.timer = Some((now.saturating_add(self.config.min_interruption_ms), Timer::Confirm));
            }
            Phase::Resumable => {
                self.phase = Phase::Paused;
                self.timer = Some((now.saturating_add(self.config.min_interruption_ms), Timer::Confirm));
            }
            Phase::Idle | Phase::Interrupted
                if self.response.is_some() && self.response_audio == ResponseAudio::NotYet =>
            {
                self.cancel_unplayed(now, step);
            }
            Phase::Idle | Phase::Paused | Phase::Interrupted => {}
        }
    }

    /// The user speaks before any audio of the response in progress: nothing plays, so there
    /// is nothing to pause or truncate. The response is cancelled (unless the server cancels
    /// it), over WebRTC the output buffer cleared, and its audio that still comes is dropped.
    fn cancel_unplayed(&mut self, now: u64, step: &mut Step) {
        self.phase = Phase::Interrupted;
        self.response_audio = ResponseAudio::Dropped;
        if let Some(id) = self.response.as_ref().filter(|_| !self.config.interrupt_response) {
            Self::send(now, json!({"type": "response.cancel", "response_id": id}), step);
        }
        if self.config.transport == Transport::Webrtc {
            Self::send(now, json!({"type": "output_audio_buffer.clear"}), step);
        }
    }

    fn remember_interrupted(&mut self, item_id: String) {
        push_bounded(&mut self.interrupted, item_id, KEEP_INTERRUPTED);
    }

    /// Whether `response_id` names an out-of-band response in progress.
    fn is_side(&self, response_id: Option<&str>) -> bool {
        response_id.is_some_and(|r| self.out_of_band.iter().any(|o| o == r))
    }

    fn audio(&mut self, now: u64, item_id: &str, bytes: u64, response_id: Option<&str>, step: &mut Step) {
        if self.was_interrupted(item_id) {
            return; // deltas the server sent before it saw the cancel
        }
        // A side response's audio plays like any other, but it is neither the answer's audio
        // (a barge-in still drops the answer's) nor the turn's first audio.
        let side = self.is_side(response_id);
        let known = self.items.iter().any(|i| i.id == item_id);
        if !known && !side && self.response_audio == ResponseAudio::Dropped {
            // The cancelled response's audio, sent before the server saw the cancel: the host
            // that plays what it receives is told not to play it.
            let action = ActionKind::StopPlayback;
            step.actions.push(Action { at_ms: now, action, event: None, item_id: Some(item_id.to_owned()) });
            return self.remember_interrupted(item_id.to_owned());
        }
        if !side {
            self.response_audio = ResponseAudio::Begun;
        }
        match self.items.iter_mut().find(|i| i.id == item_id) {
            Some(item) => item.bytes += bytes,
            None => {
                // While the user speaks (playback paused, the speech not yet confirmed), a new
                // item waits in line like any other: a confirmed barge-in cuts it at 0 and
                // stops it, a false interruption resumes playback and it plays in turn.
                let paused = matches!(self.phase, Phase::Paused | Phase::Resumable);
                // First in line, it plays from now; behind another, once that one ends.
                let clock = (self.items.is_empty() && !paused).then_some((now, 0));
                let item = Item {
                    id: item_id.to_owned(),
                    bytes,
                    audio_done: false,
                    played: 0,
                    clock,
                    reported: false,
                    response: response_id.map(str::to_owned),
                    side,
                };
                self.items.push_back(item);
                if !paused {
                    self.phase = Phase::Speaking;
                }
            }
        }
        if let Some(t) =
            self.turn.as_mut().filter(|t| !side && t.first_audio.is_none() && t.request_sent.is_some())
        {
            t.first_audio = Some(now);
        }
    }

    fn received_ms(&self, item: &Item) -> u64 {
        item.bytes / self.config.audio_format.bytes_per_ms()
    }

    /// Played ms of `item` at `now`: the host's report, or the running estimate.
    fn played_ms(&self, item: &Item, now: u64) -> u64 {
        let played = match item.clock {
            Some((since, base)) => base + now.saturating_sub(since),
            None => item.played,
        };
        played.min(self.received_ms(item))
    }

    fn freeze(&mut self, now: u64) {
        let played = self.items.front().map(|item| self.played_ms(item, now));
        if let (Some(item), Some(played)) = (self.items.front_mut(), played) {
            item.played = played;
            item.clock = None;
        }
    }

    /// An item ends when all its audio arrived and was played; the next one plays from then.
    /// Speaking ends with the last.
    fn check_finished(&mut self, now: u64) {
        if self.phase != Phase::Speaking || self.config.transport == Transport::Webrtc {
            return;
        }
        while let Some(item) = self.items.front() {
            let received = self.received_ms(item);
            if !(item.audio_done && self.played_ms(item, now) >= received) {
                return;
            }
            // Without reports, it ended when the estimate reached its length.
            let ended = item
                .clock
                .map_or(now, |(since, base)| since.saturating_add(received.saturating_sub(base)))
                .min(now);
            self.items.pop_front();
            match self.items.front_mut() {
                Some(next) if !next.reported => next.clock = Some((ended, next.played)),
                Some(_) => {}
                None => self.phase = Phase::Idle,
            }
        }
    }

    fn was_interrupted(&self, item_id: &str) -> bool {
        self.interrupted.iter().any(|i| i == item_id)
    }

    fn mark_playback(&mut self, now: u64, step: &mut Step) {
        let Some(mut t) = self.turn.filter(|t| t.playback_start.is_none() && t.request_sent.is_some()) else {
            return;
        };
        t.playback_start = Some(now);
        self.turn = None;
        step.turns.push(self.rolling.close(&t, &self.config.budgets));
    }

    fn push_playback(&mut self, at_ms: u64, action: ActionKind, step: &mut Step) {
        let item_id = self.items.front().map(|i| i.id.clone());
        if self.config.transport == Transport::Webrtc {
            self.muted = action == ActionKind::StopPlayback;
        }
        step.actions.push(Action { at_ms, action, event: None, item_id });
    }

    fn send(at_ms: u64, event: serde_json::Value, step: &mut Step) {
        step.actions.push(Action { at_ms, action: ActionKind::Send, event: Some(event), item_id: None });
    }

    /// Cancel (when the server will not), then truncate (WebSocket) or clear (WebRTC).
    fn interrupt(&mut self, now: u64, step: &mut Step) {
        let was_paused = matches!(self.phase, Phase::Paused | Phase::Resumable);
        self.phase = Phase::Interrupted;
        self.timer = None;
        if self.response.is_some() && self.response_audio == ResponseAudio::NotYet {
            // The response in progress is cancelled before its audio began (the user barged in
            // on an earlier answer still playing): what it still sends is not played.
            self.response_audio = ResponseAudio::Dropped;
        }
        if let Some(id) = self.response.as_ref().filter(|_| !self.config.interrupt_response) {
            Self::send(now, json!({"type": "response.cancel", "response_id": id}), step);
        }
        match self.config.transport {
            Transport::Webrtc => Self::send(now, json!({"type": "output_audio_buffer.clear"}), step),
            Transport::Websocket => {
                // The item playing is cut where the user heard it; those behind it were not
                // heard at all: cut at 0, so that the conversation holds none of their words,
                // and stopped, so that the host does not play them.
                // An out-of-band response's item is in no conversation: stopped, not truncated
                // (the server would answer the truncate with an error).
                let items = std::mem::take(&mut self.items);
                for (i, item) in items.into_iter().enumerate() {
                    let audio_end_ms = if i == 0 { self.played_ms(&item, now) } else { 0 };
                    if !item.side {
                        Self::send(
                            now,
                            json!({"type": "conversation.item.truncate", "item_id": item.id, "content_index": 0, "audio_end_ms": audio_end_ms}),
                            step,
                        );
                    }
                    if i > 0 || !was_paused {
                        step.actions.push(Action {
                            at_ms: now,
                            action: ActionKind::StopPlayback,
                            event: None,
                            item_id: Some(item.id.clone()),
                        });
                    }
                    self.remember_interrupted(item.id);
                }
            }
        }
    }
}
