//! Realtime server events, read as the API sends them: only the fields the machine needs,
//! borrowed from the text (an audio delta's base64 is not copied).

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::document::de::{object, object_from_str};

/// One server event, by its `type`; the fields the interruption machine reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerEvent<'a> {
    /// `input_audio_buffer.speech_started`: the user began to speak.
    SpeechStarted {
        /// The user item the speech will become.
        item_id: Cow<'a, str>,
        /// Where in the input audio the speech starts (prefix padding included).
        audio_start_ms: u64,
    },
    /// `input_audio_buffer.speech_stopped`.
    SpeechStopped,
    /// `response.created`.
    ResponseCreated {
        /// The response's id.
        id: Cow<'a, str>,
        /// An out-of-band response (`response.create` with `conversation: "none"`): its
        /// `conversation_id` is `null` (one added to the conversation has `conv_...`; an event
        /// without the field is taken as one added to it).
        out_of_band: bool,
    },
    /// `response.done`, with the response's final status (`completed`, `cancelled`, ...).
    ResponseDone {
        /// The response's id.
        id: Cow<'a, str>,
        /// Its final status.
        status: Cow<'a, str>,
    },
    /// `response.output_text.delta`, `response.output_audio_transcript.delta` (and beta names):
    /// the first text of an answer, for the latency budget.
    TextDelta {
        /// The response it belongs to, when the event names it.
        response_id: Option<Cow<'a, str>>,
    },
    /// `response.output_audio.delta` (GA) or `response.audio.delta` (beta): audio of an item.
    AudioDelta {
        /// The assistant item.
        item_id: Cow<'a, str>,
        /// The audio's length in bytes, decoded from the base64 `delta`.
        bytes: u64,
        /// The response it belongs to, when the event names it.
        response_id: Option<Cow<'a, str>>,
    },
    /// `response.output_audio.done` / `response.audio.done`: all of an item's audio was sent.
    AudioDone {
        /// The assistant item.
        item_id: Cow<'a, str>,
    },
    /// `output_audio_buffer.started` (WebRTC/SIP): the server began playing a response.
    BufferStarted {
        /// The response it plays, when the event names it.
        response_id: Option<Cow<'a, str>>,
    },
    /// `output_audio_buffer.stopped` (WebRTC/SIP): playback ended.
    BufferStopped,
    /// `output_audio_buffer.cleared` (WebRTC/SIP): the buffer was cleared on request.
    BufferCleared,
    /// `conversation.item.truncated`: the server applied a truncate.
    Truncated {
        /// The truncated item.
        item_id: Cow<'a, str>,
    },
    /// `error`: the server refused something; the session goes on.
    Error {
        /// The error's `code`, or its `type`.
        code: String,
        /// The error's message.
        message: String,
    },
    /// A known event the machine does not act on (session, transcription, rate limits, ...).
    Other,
}

/// Server events the machine knows and has no use for: read, not reported.
const IGNORED: &[&str] = &[
    "session.created",
    "session.updated",
    "transcription_session.created",
    "transcription_session.updated",
    "conversation.created",
    "conversation.item.created",
    "conversation.item.added",
    "conversation.item.done",
    "conversation.item.retrieved",
    "conversation.item.deleted",
    "conversation.item.input_audio_transcription.completed",
    "conversation.item.input_audio_transcription.delta",
    "conversation.item.input_audio_transcription.segment",
    "conversation.item.input_audio_transcription.failed",
    "input_audio_buffer.committed",
    "input_audio_buffer.cleared",
    "input_audio_buffer.timeout_triggered",
    "input_audio_buffer.dtmf_event_received",
    "response.output_item.added",
    "response.output_item.done",
    "response.content_part.added",
    "response.content_part.done",
    "response.output_text.done",
    "response.text.done",
    "response.output_audio_transcript.done",
    "response.audio_transcript.done",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.mcp_call_arguments.delta",
    "response.mcp_call_arguments.done",
    "response.mcp_call.in_progress",
    "response.mcp_call.completed",
    "response.mcp_call.failed",
    "mcp_list_tools.in_progress",
    "mcp_list_tools.completed",
    "mcp_list_tools.failed",
    "rate_limits.updated",
];

#[derive(Deserialize)]
#[serde(expecting = "an event object with a `type`")]
struct Raw<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    event_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    item_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    response_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    delta: Option<Cow<'a, str>>,
    #[serde(default)]
    audio_start_ms: Option<u64>,
    #[serde(default, borrow)]
    response: Option<RawResponse<'a>>,
    #[serde(default)]
    error: Option<RawError>,
}

#[derive(Deserialize)]
struct RawResponse<'a> {
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    status: Option<Cow<'a, str>>,
    /// `Some(None)` for a `null`, `None` when absent.
    #[serde(default, deserialize_with = "present")]
    conversation_id: Option<Option<IgnoredAny>>,
}

/// A field that is present (`null` included): `Some` of its value.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<IgnoredAny>>, D::Error> {
    Option::<IgnoredAny>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(expecting = "an error object")]
struct RawError {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Why an event could not be read; the machine reports it and goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadEvent {
    /// `unknown_event`, `missing_field`, `invalid_base64`, `syntax_error` (not JSON), or the
    /// code of a field of the wrong type or value (`invalid_type`, `out_of_range`, ...).
    pub code: &'static str,
    /// What was wrong, naming the event type and field.
    pub message: String,
}

impl BadEvent {
    /// Text that is no JSON (`syntax_error`), or JSON that is no event object (the code of
    /// what is wrong in it): the same code for the text and for the value a binding passes.
    fn not_an_event(e: &serde_json::Error) -> Self {
        Self::not_an_event_at(e, 0)
    }

    /// [`Self::not_an_event`] for an event `offset` bytes into a line: the column is the line's.
    fn not_an_event_at(e: &serde_json::Error, offset: usize) -> Self {
        let (code, message) = crate::error::json_error(e);
        let message = match e.line() {
            0 => format!("not a server event: {message}"),
            // serde_json says column 0 for an error at the text's first character.
            _ => format!("not a server event: {message} (column {})", e.column().max(1) + offset),
        };
        Self { code: code.as_str(), message }
    }
}

/// A server event with its `event_id` (duplicates are recognised by it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The server's id of the event, when it sent one.
    pub event_id: Option<Cow<'a, str>>,
    /// The event.
    pub event: ServerEvent<'a>,
}

impl<'a> Envelope<'a> {
    /// Reads one server event from its JSON text.
    ///
    /// # Errors
    /// A [`BadEvent`]: text that is not a JSON object with a `type`, an unknown type, a
    /// field the machine needs that is missing, audio that is not base64.
    pub fn parse(text: &'a str) -> Result<Self, BadEvent> {
        Self::parse_at(text, 0)
    }

    /// [`Self::parse`] of an event that starts `offset` bytes into a line of text (a replay
    /// line's `server`): a syntax error's column is counted from the line's start.
    ///
    /// # Errors
    /// As [`Self::parse`].
    pub fn parse_at(text: &'a str, offset: usize) -> Result<Self, BadEvent> {
        let raw: Raw<'a> = object_from_str(text).map_err(|e| BadEvent::not_an_event_at(&e, offset))?;
        ServerEvent::from_raw(raw)
    }

    /// Reads one server event from a parsed JSON value (a dict from a binding).
    ///
    /// # Errors
    /// As [`Self::parse`].
    pub fn from_value(value: &'a serde_json::Value) -> Result<Self, BadEvent> {
        let raw: Raw<'a> = object(value).map_err(|e| BadEvent::not_an_event(&e))?;
        ServerEvent::from_raw(raw)
    }
}

impl<'a> ServerEvent<'a> {
    /// Reads one server event from its JSON text, without its id.
    ///
    /// # Errors
    /// As [`Envelope::parse`].
    pub fn parse(text: &'a str) -> Result<Self, BadEvent> {
        Envelope::parse(text).map(|e| e.event)
    }

    fn from_raw(raw: Raw<'a>) -> Result<Envelope<'a>, BadEvent> {
        let event_id = raw.event_id.clone();
        Self::from_fields(raw).map(|event| Envelope { event_id, event })
    }

    fn from_fields(raw: Raw<'a>) -> Result<Self, BadEvent> {
        let kind = raw.kind.as_ref();
        let missing =
            |field: &str| BadEvent { code: "missing_field", message: format!("`{kind}` without `{field}`") };
        let item = |raw_item: Option<Cow<'a, str>>| raw_item.ok_or_else(|| missing("item_id"));
        Ok(match kind {
            "input_audio_buffer.speech_started" => Self::SpeechStarted {
                item_id: raw.item_id.unwrap_or_default(),
                audio_start_ms: raw.audio_start_ms.unwrap_or(0),
            },
            "input_audio_buffer.speech_stopped" => Self::SpeechStopped,
            "response.created" | "response.done" => {
                let response = raw.response.ok_or_else(|| missing("response"))?;
                let id = response.id.ok_or_else(|| missing("response.id"))?;
                if kind == "response.created" {
                    Self::ResponseCreated { id, out_of_band: matches!(response.conversation_id, Some(None)) }
                } else {
                    Self::ResponseDone { id, status: response.status.unwrap_or(Cow::Borrowed("completed")) }
                }
            }
            "response.output_text.delta"
            | "response.text.delta"
            | "response.output_audio_transcript.delta"
            | "response.audio_transcript.delta" => Self::TextDelta { response_id: raw.response_id },
            "response.output_audio.delta" | "response.audio.delta" => {
                let item_id = item(raw.item_id)?;
                let delta = raw.delta.ok_or_else(|| missing("delta"))?;
                let bytes = base64_len(&delta).ok_or_else(|| BadEvent {
                    code: "invalid_base64",
                    message: format!("`{kind}` for item {item_id}: `delta` is not base64"),
                })?;
                Self::AudioDelta { item_id, bytes, response_id: raw.response_id }
            }
            "response.output_audio.done" | "response.audio.done" => {
                Self::AudioDone { item_id: item(raw.item_id)? }
            }
            "output_audio_buffer.started" => Self::BufferStarted { response_id: raw.response_id },
            "output_audio_buffer.stopped" => Self::BufferStopped,
            "output_audio_buffer.cleared" => Self::BufferCleared,
            "conversation.item.truncated" => Self::Truncated { item_id: item(raw.item_id)? },
            "error" => {
                let e = raw.error.unwrap_or(RawError { kind: None, code: None, message: None });
                Self::Error {
                    code: e.code.or(e.kind).unwrap_or_else(|| "unknown".into()),
                    message: e.message.unwrap_or_default(),
                }
            }
            k if IGNORED.contains(&k) => Self::Other,
            k => {
                return Err(BadEvent {
                    code: "unknown_event",
                    message: format!("unknown server event type `{k}`"),
                })
            }
        })
    }
}

/// The decoded length of standard base64 text (padding optional), `None` when it is not base64.
fn base64_len(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    let body = b.strip_suffix(b"==").or_else(|| b.strip_suffix(b"=")).unwrap_or(b);
    // No short-circuit: a branch-free fold over the bytes vectorizes (an audio delta is kilobytes).
    let valid = body.iter().fold(true, |ok, &c| {
        ok & (c.is_ascii_uppercase()
            | c.is_ascii_lowercase()
            | c.is_ascii_digit()
            | (c == b'+')
            | (c == b'/'))
    });
    if !valid {
        return None;
    }
    let padded = b.len() - body.len();
    if (padded > 0 && b.len() % 4 != 0) || body.len() % 4 == 1 {
        return None;
    }
    let n = body.len() as u64;
    Some(n / 4 * 3 + [0, 0, 1, 2][(n % 4) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_lengths_follow_rfc_4648() {
        assert_eq!(base64_len(""), Some(0));
        assert_eq!(base64_len("AAAA"), Some(3));
        assert_eq!(base64_len("AAA="), Some(2));
        assert_eq!(base64_len("AA=="), Some(1));
        assert_eq!(base64_len("AAA"), Some(2), "unpadded");
        assert_eq!(base64_len("A"), None);
        assert_eq!(base64_len("AA*A"), None);
        assert_eq!(base64_len("AAA=A"), None);
    }

    #[test]
    fn events_are_read_by_type_with_what_the_machine_needs() {
        let e = ServerEvent::parse(r#"{"type":"response.output_audio.delta","item_id":"i1","delta":"AAAA"}"#);
        assert_eq!(e, Ok(ServerEvent::AudioDelta { item_id: "i1".into(), bytes: 3, response_id: None }));
        let e = ServerEvent::parse(
            r#"{"type":"response.output_audio.delta","response_id":"r","item_id":"i","delta":""}"#,
        );
        assert!(matches!(e, Ok(ServerEvent::AudioDelta { response_id: Some(r), .. }) if r == "r"));
        let e = ServerEvent::parse(r#"{"type":"response.audio.delta","item_id":"i1","delta":"AAAA","x":1}"#);
        assert!(matches!(e, Ok(ServerEvent::AudioDelta { bytes: 3, .. })), "the beta name, extra fields");
        let e = ServerEvent::parse(r#"{"type":"response.done","response":{"id":"r1","status":"cancelled"}}"#);
        assert_eq!(e, Ok(ServerEvent::ResponseDone { id: "r1".into(), status: "cancelled".into() }));
        let out_of_band = |response: &str| {
            let text = format!(r#"{{"type":"response.created","response":{response}}}"#);
            matches!(ServerEvent::parse(&text), Ok(ServerEvent::ResponseCreated { out_of_band: true, .. }))
        };
        assert!(out_of_band(r#"{"id":"r","conversation_id":null}"#), "conversation: none");
        assert!(!out_of_band(r#"{"id":"r","conversation_id":"conv_1"}"#));
        assert!(!out_of_band(r#"{"id":"r"}"#), "without the field: in the conversation");
        assert_eq!(ServerEvent::parse(r#"{"type":"session.updated"}"#), Ok(ServerEvent::Other));
        let dtmf = r#"{"type":"input_audio_buffer.dtmf_event_received","event":"5","received_at":1}"#;
        assert_eq!(ServerEvent::parse(dtmf), Ok(ServerEvent::Other), "a GA event with no use here");
        assert_eq!(ServerEvent::parse(r#"{"type":"warp.drive"}"#).unwrap_err().code, "unknown_event");
        assert_eq!(
            ServerEvent::parse(r#"{"type":"response.audio.delta"}"#).unwrap_err().code,
            "missing_field"
        );
        let bad = r#"{"type":"response.audio.delta","item_id":"i","delta":"%%%"}"#;
        assert_eq!(ServerEvent::parse(bad).unwrap_err().code, "invalid_base64");
        assert_eq!(ServerEvent::parse("{\"type\"").unwrap_err().code, "syntax_error");
        // JSON that is no event: the same code and message as text and as a parsed value.
        for bad in ["[1]", r#"{"type": 5}"#] {
            let value: serde_json::Value = serde_json::from_str(bad).unwrap();
            let (text, parsed) =
                (ServerEvent::parse(bad).unwrap_err(), Envelope::from_value(&value).unwrap_err());
            assert_eq!((text.code, parsed.code), ("invalid_type", "invalid_type"), "{bad}");
            assert!(text.message.starts_with(&parsed.message) && !parsed.message.contains("Raw"), "{bad}");
        }
    }
}
