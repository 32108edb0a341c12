//! The latency budget of a voice turn: marks in, stage durations and violations out, rolling
//! percentiles per stage in bounded memory.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::document::de;

stable_codes! {
    /// A stage of a voice turn, from the end of the user's speech to the answer's playback.
    pub enum Stage as "RealtimeStage" {
        /// Speech end → the request: the host's `response.create` (manual turn detection), or
        /// the server's `response.created` when the server detects the turn and asks itself.
        Detect = "detect",
        /// The request → the first text (or transcript) delta.
        FirstText = "first_text",
        /// The request → the first audio delta.
        FirstAudio = "first_audio",
        /// The first audio delta → playback start (the host's buffering).
        Playback = "playback",
        /// Speech end → playback start: what the user hears as the pause.
        VoiceToVoice = "voice_to_voice",
    }
}

/// Budgets per stage, in ms; a stage without one is measured, never a violation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Budgets {
    /// Speech end → the request. Default none.
    #[serde(deserialize_with = "de::opt_duration_ms")]
    pub detect_ms: Option<u64>,
    /// The request → first text. Default none.
    #[serde(deserialize_with = "de::opt_duration_ms")]
    pub first_text_ms: Option<u64>,
    /// The request → first audio. Default none.
    #[serde(deserialize_with = "de::opt_duration_ms")]
    pub first_audio_ms: Option<u64>,
    /// First audio → playback start. Default none.
    #[serde(deserialize_with = "de::opt_duration_ms")]
    pub playback_ms: Option<u64>,
    /// Speech end → playback start. Default 800 (the voice-to-voice target production voice
    /// teams quote; sippulse.ai, "voice AI agent architecture").
    #[serde(deserialize_with = "de::opt_duration_ms")]
    pub voice_to_voice_ms: Option<u64>,
}

impl Default for Budgets {
    fn default() -> Self {
        Self {
            detect_ms: None,
            first_text_ms: None,
            first_audio_ms: None,
            playback_ms: None,
            voice_to_voice_ms: Some(800),
        }
    }
}

impl Budgets {
    fn of(&self, stage: Stage) -> Option<u64> {
        // In the order of `Stage::ALL`.
        [self.detect_ms, self.first_text_ms, self.first_audio_ms, self.playback_ms, self.voice_to_voice_ms]
            [stage.index()]
    }
}

/// The marks of one turn, as the machine sees them.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Marks {
    pub speech_end: u64,
    pub request_sent: Option<u64>,
    pub first_text: Option<u64>,
    pub first_audio: Option<u64>,
    pub playback_start: Option<u64>,
}

/// One turn's stage durations (null where a mark is missing) and the stages over budget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "RealtimeTurn")]
pub struct Turn {
    /// When the user's speech ended.
    pub speech_end_ms: u64,
    /// Speech end → the request (`response.create` sent, or `response.created`).
    pub detect_ms: Option<u64>,
    /// The request → first text.
    pub first_text_ms: Option<u64>,
    /// The request → first audio.
    pub first_audio_ms: Option<u64>,
    /// First audio → playback start.
    pub playback_ms: Option<u64>,
    /// Speech end → playback start.
    pub voice_to_voice_ms: Option<u64>,
    /// Stages that took longer than their budget.
    pub violations: Vec<Stage>,
}

impl Turn {
    fn stage(&self, stage: Stage) -> Option<u64> {
        // In the order of `Stage::ALL`.
        [self.detect_ms, self.first_text_ms, self.first_audio_ms, self.playback_ms, self.voice_to_voice_ms]
            [stage.index()]
    }
}

/// p50 and p95 of one stage over the last turns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct StageStats {
    /// The stage.
    pub stage: Stage,
    /// Turns measured (at most the history).
    pub count: usize,
    /// Nearest-rank median, ms.
    pub p50_ms: Option<u64>,
    /// Nearest-rank 95th percentile, ms.
    pub p95_ms: Option<u64>,
}

/// Rolling per-stage samples: the last `history` turns, a ring per stage.
#[derive(Clone, Debug)]
pub(crate) struct Rolling {
    history: usize,
    rings: Vec<(Vec<u64>, usize)>,
}

impl Rolling {
    pub fn new(history: usize) -> Self {
        Self { history: history.max(1), rings: vec![(Vec::new(), 0); Stage::ALL.len()] }
    }

    /// The turn of `marks`, judged against `budgets`, and added to the rings.
    pub fn close(&mut self, marks: &Marks, budgets: &Budgets) -> Turn {
        let span = |from: Option<u64>, to: Option<u64>| Some(to?.saturating_sub(from?));
        let created = marks.request_sent;
        let mut turn = Turn {
            speech_end_ms: marks.speech_end,
            detect_ms: span(Some(marks.speech_end), created),
            first_text_ms: span(created, marks.first_text),
            first_audio_ms: span(created, marks.first_audio),
            playback_ms: span(marks.first_audio, marks.playback_start),
            voice_to_voice_ms: span(Some(marks.speech_end), marks.playback_start),
            violations: Vec::new(),
        };
        for &stage in Stage::ALL {
            let Some(ms) = turn.stage(stage) else { continue };
            if budgets.of(stage).is_some_and(|b| ms > b) {
                turn.violations.push(stage);
            }
            let (ring, next) = &mut self.rings[stage.index()];
            if ring.len() < self.history {
                ring.push(ms);
            } else {
                ring[*next] = ms;
            }
            *next = (*next + 1) % self.history;
        }
        turn
    }

    pub fn stats(&self) -> Vec<StageStats> {
        Stage::ALL
            .iter()
            .map(|&stage| {
                let mut v = self.rings[stage.index()].0.clone();
                v.sort_unstable();
                let at = |p: usize| (!v.is_empty()).then(|| v[(p * v.len()).div_ceil(100).max(1) - 1]);
                StageStats { stage, count: v.len(), p50_ms: at(50), p95_ms: at(95) }
            })
            .collect()
    }
}
