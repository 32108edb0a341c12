//! What an HTTP integration reads from the bodies it carries, read here once so that the
//! Python transports and the JavaScript `fetch` read them alike: a request body's model (the
//! breaker key) and token estimate, an error body's `type` and `code`, and a server-sent event
//! stream's final event (a stream that ends without it was cut) and error event (a failure the
//! server sent after its `200`).
//!
//! Nothing here parses a whole request or stream: the model and the output allowance are found
//! by their literal (the SDKs put them after the messages), a stream is read line by line
//! keeping only the line it is in.

use std::borrow::Cow;

use memchr::{memchr2, memmem};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An inline file or image ([`is_inline_payload`]) counts as this many tokens, not by its
/// bytes: OpenAI counts a 1024x1024 high-detail image as 765 (85 + 4 tiles of 170,
/// platform.openai.com/docs/guides/images-vision, "Calculating costs").
pub const INLINE_TOKENS: u64 = 765;

/// Whether a JSON string's text is an inline file or image: a `data:` URL with `;base64,`
/// (OpenAI's `image_url`, `file_data`), or, as the value of a `data` key (Anthropic's
/// `source.data`, OpenAI's `input_audio.data`), a run of 1,024 or more base64 characters. Prose
/// has spaces, but a prompt may hold a long run without one (a DNA sequence, a hex dump, a list
/// of ids): only where a payload goes is it one. The one rule for the SDK integrations' token
/// estimate and the batch planner's.
#[must_use]
pub fn is_inline_payload(text: &[u8], under_data_key: bool) -> bool {
    const LONG: usize = 1024;
    (text.starts_with(b"data:") && memmem::find(text, b";base64,").is_some())
        || (under_data_key
            && text.len() >= LONG
            && text
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')))
}
/// Bytes per token of a prompt, the usual rule of thumb for English text and JSON (OpenAI's
/// tokenizer guide: "one token generally corresponds to ~4 characters").
const BYTES_PER_TOKEN: u64 = 4;
/// The longest model name read from a body.
const MODEL_MAX: usize = 256;
/// An error body is read for its fields only up to this size; a longer one is not an error
/// document of the API.
pub const ERROR_BODY_MAX: usize = 64 * 1024;
/// The longest event-stream line kept whole (an error event is parsed from its line); what
/// comes after is counted, not kept.
pub const LINE_MAX: usize = 64 * 1024;

/// What a request body says about the call: `{json, model, est_tokens}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RequestBody {
    /// Whether the body is a JSON document (an API call), not an upload or a form. Only a JSON
    /// body is read for a model and tokens: an upload may hold any text.
    pub json: bool,
    /// The body's `"model"` (at most 256 characters, without escapes), the usual breaker key.
    pub model: Option<String>,
    /// The breaker key: the model, else the request's path (when given) as a route, its
    /// resource ids replaced by `{id}` (`/v1/batches/{id}`: one breaker for every batch, not
    /// one per batch). `None` with neither.
    pub key: Option<String>,
    /// The tokens the call may spend: its bytes at four a token (an inline file or image at
    /// 765), plus the output allowance it asks for (`max_tokens`, `max_completion_tokens`,
    /// `max_output_tokens`). 0 for a body that is not JSON.
    pub est_tokens: u64,
}

/// An error's `type` and `code`, as `Client.on_outcome` and `classify` take them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorFields {
    /// `error.type` (`insufficient_quota`, `overloaded_error`, ...).
    pub error_type: Option<String>,
    /// `error.code`, else `error.details.error_code`.
    pub error_code: Option<String>,
}

/// Reads a request body. `content_type` decides whether it is JSON when given (any type that
/// names `json`); without one, a body that starts with `{` is. `path`, the URL's path, gives
/// the key of a request without a model.
pub fn read_request(body: &[u8], content_type: Option<&str>, path: Option<&str>) -> RequestBody {
    let json = match content_type.filter(|t| !t.is_empty()) {
        Some(t) => t.to_ascii_lowercase().contains("json"),
        None => body.trim_ascii_start().first() == Some(&b'{'),
    };
    let (model, est_tokens) = if json { (model(body), estimate_tokens(body)) } else { (None, 0) };
    let key = model.clone().or_else(|| path.map(route));
    RequestBody { json, model, key, est_tokens }
}

/// A URL path as a route: each segment that is a resource id (one with a digit or a capital
/// letter: `batch_6721...`, `file-AbC...`, `resp_...`; not a version such as `v1` or
/// `v1beta`) becomes `{id}`, except a segment that names the model: the one after
/// `deployments` (Azure OpenAI), `models` (Gemini, Vertex AI, a model's own page), `model`
/// (Bedrock) or `engines` (OpenAI's legacy completions). At most 256 bytes are kept.
fn route(path: &str) -> String {
    const NAMES_THE_MODEL: [&str; 4] = ["deployments", "models", "model", "engines"];
    let mut out = String::with_capacity(path.len().min(256));
    let mut names_model = false;
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        let b = segment.as_bytes();
        let version = b.len() <= 10
            && b.first() == Some(&b'v')
            && b.get(1).is_some_and(u8::is_ascii_digit)
            && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let id = !version && b.iter().any(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
        out.push_str(if id && !names_model { "{id}" } else { segment });
        names_model = NAMES_THE_MODEL.contains(&segment);
    }
    if out.len() > 256 {
        let mut end = 256;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    out
}

/// The first `"model": "NAME"` of a body whose NAME is 1 to 256 bytes without a quote or an
/// escape.
fn model(body: &[u8]) -> Option<String> {
    memmem::find_iter(body, b"\"model\"").find_map(|at| {
        let value = after_colon(&body[at + 7..])?.strip_prefix(b"\"")?;
        let end = value.iter().take(MODEL_MAX + 1).position(|&b| b == b'"' || b == b'\\')?;
        (end > 0 && value[end] == b'"').then(|| String::from_utf8_lossy(&value[..end]).into_owned())
    })
}

/// What follows `\s*:\s*` at the start of `rest`, or `None` without the colon.
fn after_colon(rest: &[u8]) -> Option<&[u8]> {
    Some(rest.trim_ascii_start().strip_prefix(b":")?.trim_ascii_start())
}

fn estimate_tokens(body: &[u8]) -> u64 {
    let mut size = body.len() as u64;
    let mut inline = 0u64;
    // Every run between two quotes: a payload holds no quote and no escape, so wherever the
    // quotes pair up (an escaped quote in prose only splits prose), a payload is one run, and
    // the runs before it are its key and the colon after it.
    let mut start = 0;
    let (mut key, mut colon): (&[u8], &[u8]) = (b"", b"");
    for end in memchr::memchr_iter(b'"', body) {
        let run = &body[start..end];
        let under_data_key = key == b"data" && colon.trim_ascii() == b":";
        if run.len() > 5 && is_inline_payload(run, under_data_key) {
            size -= run.len() as u64;
            inline += 1;
        }
        (key, colon) = (colon, run);
        start = end + 1;
    }
    let prompt = (size + inline * INLINE_TOKENS * BYTES_PER_TOKEN) / BYTES_PER_TOKEN;
    prompt.saturating_add(output_allowance(body))
}

/// The first `max_tokens`, `max_completion_tokens` or `max_output_tokens` the body names.
fn output_allowance(body: &[u8]) -> u64 {
    memmem::find_iter(body, b"\"max_")
        .find_map(|at| {
            let rest = &body[at + 5..];
            let rest = [&b"tokens\""[..], b"completion_tokens\"", b"output_tokens\""]
                .iter()
                .find_map(|name| rest.strip_prefix(*name))?;
            let digits = after_colon(rest)?;
            let n = digits.iter().take_while(|b| b.is_ascii_digit()).count();
            (n > 0).then(|| {
                digits[..n].iter().fold(0u64, |v, d| v.saturating_mul(10).saturating_add(u64::from(d - b'0')))
            })
        })
        .unwrap_or(0)
}

/// An error body's `error.type` and `error.code` (OpenAI's and Anthropic's shape:
/// `{"error": {"type", "code"}}`); none for a body that is not such a document.
pub fn read_error(body: &[u8]) -> ErrorFields {
    if body.is_empty() || body.len() > ERROR_BODY_MAX {
        return ErrorFields::default();
    }
    match json_leniently(body) {
        Some(Value::Object(mut doc)) => match doc.remove("error") {
            Some(error @ Value::Object(_)) => fields_of(&error),
            _ => ErrorFields::default(),
        },
        _ => ErrorFields::default(),
    }
}

/// A JSON document as Python's `json.loads` and JavaScript's `JSON.parse` read one (what the
/// SDKs see): serde_json refuses the whole document for a lone surrogate escape (`\ud83d`,
/// which Python's `json.dumps` writes for a string cut inside an emoji) or a byte that is not
/// UTF-8 in any string, and an error body whose `message` echoes such text lost its `type` and
/// `code` (a quota error was then retried as a rate limit). Read again with those replaced by
/// U+FFFD, as JavaScript does.
fn json_leniently(bytes: &[u8]) -> Option<Value> {
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Some(value);
    }
    let text = String::from_utf8_lossy(bytes);
    serde_json::from_str(&without_lone_surrogates(&text)).ok()
}

/// `text` with every `\uXXXX` escape of a surrogate that is not half of a pair replaced by
/// `\ufffd` (an escaped backslash before a `u` is no escape).
fn without_lone_surrogates(text: &str) -> Cow<'_, str> {
    let surrogate = |at: usize| -> Option<u16> {
        let hex = text.get(at + 2..at + 6)?;
        let unit = u16::from_str_radix(hex, 16).ok()?;
        let escape = text.as_bytes().get(at..at + 2) == Some(b"\\u");
        (escape && (0xD800..0xE000).contains(&unit)).then_some(unit)
    };
    let bytes = text.as_bytes();
    let mut out = String::new();
    let (mut kept, mut i) = (0, 0);
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        match surrogate(i) {
            Some(0xD800..=0xDBFF) if surrogate(i + 6).is_some_and(|low| low >= 0xDC00) => {
                i += 12; // a pair: kept as it is
            }
            Some(_) => {
                out.push_str(&text[kept..i]);
                out.push_str("\\ufffd");
                i += 6;
                kept = i;
            }
            None => i += 2, // any other escape, `\\` included
        }
    }
    if kept == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[kept..]);
    Cow::Owned(out)
}

fn fields_of(error: &Value) -> ErrorFields {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    ErrorFields {
        error_type: text(error.get("type")),
        error_code: text(error.get("code"))
            .or_else(|| text(error.get("details").and_then(|d| d.get("error_code")))),
    }
}

/// The final event of a complete stream: Chat Completions' `data: [DONE]`, Anthropic's
/// `message_stop`, the Responses API's three terminal events; named by an `event:` line or,
/// from servers that send data lines only, by the data's leading `type`.
const FINAL_EVENTS: [&[u8]; 4] = [b"message_stop", b"response.completed", b"response.incomplete", FAILED];

/// The Responses API's final event of an answer that failed (`response.status: failed`, its
/// `response.error.code` such as `server_error`): the stream is complete, the answer a failure.
const FAILED: &[u8] = b"response.failed";

/// Watches a server-sent event stream as it is read: whether its final event came, and the
/// first error event in its data (OpenAI's `data: {"error": {...}}` after the headers, the
/// Responses API's and Anthropic's `{"type": "error", ...}`, the Responses API's
/// `response.failed` with its `response.error`).
///
/// Lines end at LF, CR or CRLF (the event-stream format). A line is kept only while it is
/// read, whole up to [`LINE_MAX`]: an error event is read from its complete line, so one cut
/// before its end is not reported. A final event counts as soon as its name is complete,
/// except `response.failed`, which counts once its data is read (its error is known then;
/// the name alone already makes [`Self::error`] a failure).
#[derive(Debug, Default)]
pub struct EventStream {
    final_seen: bool,
    error: Option<ErrorFields>,
    /// An `event: response.failed` line came: its data line is awaited.
    failed_named: bool,
    /// The last line ended at a CR: an LF right after it is part of that line end.
    after_cr: bool,
    /// The current line, up to [`LINE_MAX`] bytes, when it started in an earlier chunk.
    line: Vec<u8>,
    /// The current line is longer than what `line` kept.
    overflow: bool,
}

impl EventStream {
    /// A watch over a stream not yet read.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the next bytes of the stream; returns whether the final event came.
    pub fn feed(&mut self, chunk: &[u8]) -> bool {
        let mut rest = chunk;
        while !self.final_seen {
            if self.after_cr {
                // The LF of a CRLF ends no second (blank) line.
                match rest.first() {
                    None => break,
                    Some(b'\n') => rest = &rest[1..],
                    Some(_) => {}
                }
                self.after_cr = false;
            }
            let Some(end) = memchr2(b'\n', b'\r', rest) else {
                self.keep(rest);
                if !self.line.is_empty() {
                    let line = std::mem::take(&mut self.line);
                    self.final_seen = Line::read(&line, false).is_final;
                    self.line = line;
                }
                break;
            };
            if self.line.is_empty() && !self.overflow {
                self.line_ended(&rest[..end], false);
            } else {
                self.keep(&rest[..end]);
                let line = std::mem::take(&mut self.line);
                self.line_ended(&line, self.overflow);
                self.line = line;
                self.line.clear();
                self.overflow = false;
            }
            self.after_cr = rest[end] == b'\r';
            rest = &rest[end + 1..];
        }
        self.final_seen
    }

    /// Whether the final event came.
    pub fn final_seen(&self) -> bool {
        self.final_seen
    }

    /// The `type` and `code` of the first error event, if one came: an event whose data names
    /// neither has the type `error`, so that it still reads as a failure.
    pub fn error(&self) -> Option<&ErrorFields> {
        self.error.as_ref()
    }

    fn keep(&mut self, bytes: &[u8]) {
        let room = LINE_MAX - self.line.len();
        self.overflow |= bytes.len() > room;
        self.line.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn line_ended(&mut self, line: &[u8], cut: bool) {
        let parse = |data: &[u8]| if cut { None } else { json_leniently(data) };
        if self.failed_named {
            // The data of `event: response.failed`; a blank line ends the event without it.
            if let Some(data) = field(line, b"data:") {
                let doc = parse(data);
                self.error = Some(failed_error(self.error.take(), doc.as_ref()));
                self.final_seen = true;
            } else if line.is_empty() {
                self.final_seen = true;
            }
            return;
        }
        let read = Line::read(line, true);
        self.final_seen = read.is_final;
        match read.failed {
            Failed::Named => {
                self.failed_named = true;
                self.error = Some(failed_error(self.error.take(), None));
            }
            Failed::Data(data) => {
                let doc = parse(data);
                self.error = Some(failed_error(self.error.take(), doc.as_ref()));
                self.final_seen = true;
            }
            Failed::No => {
                if let (Some(data), None) = (read.error_data, &self.error) {
                    self.error = Some(stream_error(parse(data).as_ref()));
                }
            }
        }
    }
}

/// The fields of an error event's data: `{"error": {type, code}}` or `{"type": "error",
/// code}`; the type `error` when it names neither (or is not JSON).
fn stream_error(doc: Option<&Value>) -> ErrorFields {
    let error = doc.map(|d| d.get("error").filter(|e| e.is_object()).unwrap_or(d));
    let mut fields = error.map(fields_of).unwrap_or_default();
    if fields.error_type.as_deref() == Some("error") {
        fields.error_type = None;
    }
    if fields.error_type.is_none() && fields.error_code.is_none() {
        fields.error_type = Some("error".to_owned());
    }
    fields
}

/// The error of a `response.failed` event: an error event before it stays the one reported,
/// else its `response.error` (`{code, message}`), else the type `error`.
fn failed_error(before: Option<ErrorFields>, doc: Option<&Value>) -> ErrorFields {
    before.filter(|e| e.error_type.as_deref() != Some("error") || e.error_code.is_some()).unwrap_or_else(
        || {
            stream_error(
                doc.and_then(|d| d.get("response")).and_then(|r| r.get("error")).filter(|e| e.is_object()),
            )
        },
    )
}

/// Whether a line is the Responses API's `response.failed`, and how.
enum Failed<'a> {
    No,
    /// `event: response.failed`: its data comes on the next line.
    Named,
    /// `data: {"type": "response.failed", ...}`, complete.
    Data(&'a [u8]),
}

/// What one line of an event stream is.
struct Line<'a> {
    /// A final event other than `response.failed`.
    is_final: bool,
    failed: Failed<'a>,
    /// An error event's data (from its `{`), on a complete line.
    error_data: Option<&'a [u8]>,
}

impl<'a> Line<'a> {
    /// `complete`: the line ended (else more of it may come).
    fn read(line: &'a [u8], complete: bool) -> Self {
        let mut read = Line { is_final: false, failed: Failed::No, error_data: None };
        if let Some(name) = field(line, b"event:") {
            // The name must end here: `message_stopped` is not `message_stop`.
            let ends = |f: &[u8]| {
                name.strip_prefix(f).is_some_and(|after| match after.first() {
                    None => complete,
                    Some(&b) => !(b.is_ascii_alphanumeric() || b == b'_'),
                })
            };
            if ends(FAILED) {
                read.failed = Failed::Named;
            } else {
                read.is_final = FINAL_EVENTS.iter().any(|f| ends(f));
            }
        } else if let Some(data) = field(line, b"data:") {
            if data.starts_with(b"[DONE]") {
                read.is_final = true;
            } else if let Some(object) = data.strip_prefix(b"{") {
                let first = object.trim_ascii_start();
                if let Some(rest) = first.strip_prefix(b"\"type\"") {
                    let value = after_colon(rest).and_then(|v| v.strip_prefix(b"\""));
                    let named = |name: &[u8]| {
                        value.and_then(|v| v.strip_prefix(name)).is_some_and(|v| v.first() == Some(&b'"'))
                    };
                    if named(FAILED) {
                        if complete {
                            read.failed = Failed::Data(data);
                        }
                    } else {
                        read.is_final = FINAL_EVENTS.iter().any(|f| named(f));
                    }
                    if complete && named(b"error") {
                        read.error_data = Some(data);
                    }
                } else if complete && first.strip_prefix(b"\"error\"").and_then(after_colon).is_some() {
                    read.error_data = Some(data);
                }
            }
        }
        read
    }
}

/// The value of an event-stream field (`data:` with one optional space after it).
fn field<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let value = line.strip_prefix(name)?;
    Some(value.strip_prefix(b" ").unwrap_or(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_read_for_its_model_and_tokens() {
        let body = br#"{"messages":[{"role":"user","content":"say \"model\": \"x\""}],"model" : "gpt-4o","max_completion_tokens": 100}"#;
        let read = read_request(body, None, None);
        assert_eq!(read.model.as_deref(), Some("gpt-4o"));
        assert_eq!(read.est_tokens, body.len() as u64 / 4 + 100);
        // An upload is not read: its text may name anything.
        let upload = read_request(br#"{"model": "x"}"#, Some("multipart/form-data; boundary=b"), None);
        assert_eq!(upload, RequestBody::default());
        assert!(read_request(b" \n{}", None, None).json);
        assert!(read_request(b"{}", Some("application/JSON"), None).json);
        // A model name with an escape, or empty, or not a string, is not read.
        assert_eq!(read_request(br#"{"model": "a\"b"}"#, None, None).model, None);
        assert_eq!(read_request(br#"{"model": "", "x": {"model": 5}}"#, None, None).model, None);
        assert_eq!(
            read_request(&[b"{\"model\":\"".as_slice(), &[b'm'; 257], b"\"}"].concat(), None, None).model,
            None
        );
        assert_eq!(
            read_request(&[b"{\"model\":\"".as_slice(), &[b'm'; 256], b"\"}"].concat(), None, None)
                .model
                .map(|m| m.len()),
            Some(256)
        );
    }

    #[test]
    fn the_key_is_the_model_else_the_route() {
        let key = |body: &[u8], path: &str| read_request(body, None, Some(path)).key;
        assert_eq!(key(br#"{"model":"gpt-4o"}"#, "/v1/chat/completions").as_deref(), Some("gpt-4o"));
        for (path, route) in [
            ("/v1/batches/batch_6721fe1a8b9c819098b5cb1cf0d3d5c0", "/v1/batches/{id}"),
            ("/v1/files/file-AbCdEfGhIjKlMnOp/content", "/v1/files/{id}/content"),
            ("/v1/responses/resp_67ccd2bed1ec8190/input_items", "/v1/responses/{id}/input_items"),
            ("/v1/fine_tuning/jobs/ftjob-abc123/cancel", "/v1/fine_tuning/jobs/{id}/cancel"),
            ("/v1/vector_stores/vs_abc123/file_batches", "/v1/vector_stores/{id}/file_batches"),
            ("/v1/models", "/v1/models"),
            ("/v2/embeddings", "/v2/embeddings"),
            (
                "/v1beta/models/gemini-2.0-flash:generateContent",
                "/v1beta/models/gemini-2.0-flash:generateContent",
            ),
            (
                "/model/anthropic.claude-3-5-sonnet-20241022-v2:0/invoke",
                "/model/anthropic.claude-3-5-sonnet-20241022-v2:0/invoke",
            ),
            ("/v1/messages/batches/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d", "/v1/messages/batches/{id}"),
            ("/v1/engines/davinci-002/completions", "/v1/engines/davinci-002/completions"),
            // An Azure deployment names the model: kept.
            (
                "/openai/deployments/gpt-4o-prod/chat/completions",
                "/openai/deployments/gpt-4o-prod/chat/completions",
            ),
        ] {
            assert_eq!(key(b"", path).as_deref(), Some(route), "{path}");
            assert_eq!(
                read_request(b"--b", Some("multipart/form-data; boundary=b"), Some(path)).key.as_deref(),
                Some(route)
            );
        }
        assert_eq!(read_request(b"{}", None, None).key, None);
        let long = format!("/v1/{}", "é".repeat(200));
        assert!(key(b"", &long).is_some_and(|k| k.len() <= 256));
    }

    #[test]
    fn tokens_count_bytes_and_an_inline_image_by_its_allowance() {
        let image = format!(r#"{{"model":"m","content":"data:image/png;base64,{}"}}"#, "A".repeat(3_000_000));
        let read = read_request(image.as_bytes(), None, None);
        let text = image.len() as u64 - "data:image/png;base64,".len() as u64 - 3_000_000;
        assert_eq!(read.est_tokens, (text + INLINE_TOKENS * 4) / 4);
        // Anthropic's image block: bare base64, the same allowance (the batch planner's rule).
        let anthropic = format!(
            r#"{{"model":"m","messages":[{{"role":"user","content":[{{"type":"image","source":{{"type":"base64","media_type":"image/png","data":"{}"}}}}]}}]}}"#,
            "iVBORw0KGgo".repeat(300_000)
        );
        let tokens = read_request(anthropic.as_bytes(), None, None).est_tokens;
        assert!((765..800).contains(&tokens), "{tokens}");
        // A long run without a space in the prompt (a DNA sequence, a hex dump) is text: only
        // under a `data` key is it a payload.
        for run in ["ACGT".repeat(25_000), "0123456789abcdef".repeat(6_000)] {
            let body = format!(r#"{{"model":"m","messages":[{{"role":"user","content":"{run}"}}]}}"#);
            assert_eq!(read_request(body.as_bytes(), None, None).est_tokens, body.len() as u64 / 4);
        }
        // Prose split by an escaped quote, however long, is text.
        let prose = format!(r#"{{"p":"{} \"{} {}"}}"#, "x".repeat(3000), "y".repeat(3000), "z".repeat(3000));
        assert_eq!(read_request(prose.as_bytes(), None, None).est_tokens, prose.len() as u64 / 4);
        // UTF-8 bytes, the same in every runtime: a Japanese prompt is three bytes a character.
        assert_eq!(read_request("{\"p\":\"日本語\"}".as_bytes(), None, None).est_tokens, 17 / 4);
        // The output allowance: the first one named, saturating.
        assert_eq!(read_request(br#"{"max_output_tokens": 7}"#, None, None).est_tokens, 24 / 4 + 7);
        assert_eq!(
            read_request(br#"{"max_tokens": 99999999999999999999999}"#, None, None).est_tokens,
            u64::MAX
        );
        assert_eq!(read_request(br#"{"max_tokens_x": 5}"#, None, None).est_tokens, 19 / 4);
    }

    #[test]
    fn an_error_body_gives_its_type_and_code() {
        let openai =
            br#"{"error": {"message": "m", "type": "insufficient_quota", "code": "insufficient_quota"}}"#;
        assert_eq!(
            read_error(openai),
            ErrorFields {
                error_type: Some("insufficient_quota".into()),
                error_code: Some("insufficient_quota".into())
            }
        );
        let details =
            br#"{"error": {"type": "requests", "details": {"error_code": "enforced_spend_limit_reached"}}}"#;
        assert_eq!(read_error(details).error_code.as_deref(), Some("enforced_spend_limit_reached"));
        for body in [&b""[..], b"<html>", b"[1]", br#"{"error": "text"}"#, br#"{"error": {"type": 5}}"#] {
            assert_eq!(read_error(body), ErrorFields::default(), "{}", String::from_utf8_lossy(body));
        }
        let long = format!(r#"{{"error": {{"type": "t", "message": "{}"}}}}"#, "x".repeat(ERROR_BODY_MAX));
        assert_eq!(read_error(long.as_bytes()), ErrorFields::default());
    }

    #[test]
    fn an_error_body_is_read_as_json_loads_reads_it() {
        // A message cut inside an emoji (Python's json.dumps writes the lone surrogate), or one
        // byte that is not UTF-8: serde_json refuses the document, the SDKs read it.
        let quota =
            ErrorFields { error_type: Some("insufficient_quota".into()), error_code: Some("q".into()) };
        for body in [
            &br#"{"error": {"message": "input \ud83d", "type": "insufficient_quota", "code": "q"}}"#[..],
            br#"{"error": {"message": "\udc00\ud83d\ude00 \\ud83d", "type": "insufficient_quota", "code": "q"}}"#,
            b"{\"error\": {\"message\": \"caf\xe9\", \"type\": \"insufficient_quota\", \"code\": \"q\"}}",
        ] {
            assert_eq!(read_error(body), quota, "{}", String::from_utf8_lossy(body));
        }
        // The same text in the fields themselves reads as JavaScript reads it.
        let odd = read_error(br#"{"error": {"type": "a\ud83d", "code": "b\\ud83d"}}"#);
        assert_eq!(
            (odd.error_type.as_deref(), odd.error_code.as_deref()),
            (Some("a\u{fffd}"), Some("b\\ud83d"))
        );
        assert_eq!(without_lone_surrogates(r#"ok \ud83d\ude00 \\ud83d"#), r#"ok \ud83d\ude00 \\ud83d"#);
        let overloaded = br#"data: {"type":"error","error":{"type":"overloaded_error","message":"\ud83d"}}"#;
        let mut stream = EventStream::new();
        stream.feed(b"event: error\n");
        stream.feed(overloaded);
        stream.feed(b"\n\n");
        assert_eq!(stream.error().and_then(|e| e.error_type.as_deref()), Some("overloaded_error"));
    }

    /// Feeds `stream` in chunks of `size` bytes.
    fn watch(stream: &[u8], size: usize) -> EventStream {
        let mut watch = EventStream::new();
        for chunk in stream.chunks(size) {
            watch.feed(chunk);
        }
        watch
    }

    #[test]
    fn the_final_event_is_seen_in_any_chunking_and_line_ending() {
        let finals: [&[u8]; 7] = [
            b"data: {\"a\":1}\n\ndata: [DONE]\n\n",
            b"data: {\"a\":1}\r\n\r\ndata:[DONE]\r\n\r\n",
            b"data: {\"a\":1}\r\rdata: [DONE]\r\r",
            b"event: content_block_stop\ndata: {}\n\nevent: message_stop\ndata: {\"type\": \"message_stop\"}\n\n",
            b"event:response.completed\ndata: {}\n\n",
            b"data: { \"type\" : \"response.incomplete\", \"response\": {}}\n\n",
            b"data: {\"type\":\"response.completed\"}",
        ];
        for stream in finals {
            for size in [1, 2, 3, 5, 64, stream.len()] {
                assert!(
                    watch(stream, size).final_seen(),
                    "{} in {size}-byte chunks",
                    String::from_utf8_lossy(stream)
                );
            }
        }
        let cut: [&[u8]; 6] = [
            b"data: {\"a\":1}\n\n",
            b"data: {\"choices\":[{\"delta\":{\"content\":\"data: [DONE]\"}}]}\n\n",
            b"event: message_stopped\n",
            b"event: message_stop",
            b": data: [DONE]\n",
            b"data: {\"type\": \"message_stop_x\"}\n",
        ];
        for stream in cut {
            for size in [1, 4, stream.len()] {
                assert!(
                    !watch(stream, size).final_seen(),
                    "{} in {size}-byte chunks",
                    String::from_utf8_lossy(stream)
                );
            }
        }
    }

    #[test]
    fn a_failed_response_is_final_once_its_error_is_read() {
        let data = r#"{"type":"response.failed","sequence_number":9,"response":{"id":"resp_1","status":"failed","error":{"code":"server_error","message":"m"}}}"#;
        let named =
            format!("event: response.created\ndata: {{}}\n\nevent: response.failed\r\ndata: {data}\r\n\r\n");
        let bare = format!("data: {{}}\n\ndata: {data}\n\n");
        for stream in [named.as_bytes(), bare.as_bytes()] {
            for size in [1, 2, 3, 7, 64, stream.len()] {
                let watch = watch(stream, size);
                let what = format!("{} in {size}-byte chunks", String::from_utf8_lossy(stream));
                assert!(watch.final_seen(), "{what}");
                let error = watch.error().map(|e| (e.error_type.as_deref(), e.error_code.as_deref()));
                assert_eq!(error, Some((None, Some("server_error"))), "{what}");
            }
        }
        type Seen<'a> = (bool, Option<(Option<&'a str>, Option<&'a str>)>);
        let cases: [(&[u8], Seen); 5] = [
            // The event without data (a blank line ends it): complete, a failure without a code.
            (b"event: response.failed\n\n", (true, Some((Some("error"), None)))),
            // Cut after its name: not complete, but a failure.
            (b"event: response.failed\n", (false, Some((Some("error"), None)))),
            (
                b"event: response.failed\ndata: {\"response\": {\"error\": {\"co",
                (false, Some((Some("error"), None))),
            ),
            // Its data cut: neither complete nor read.
            (b"data: {\"type\": \"response.failed\", \"response\": {", (false, None)),
            (
                b"data: {\"type\": \"response.failed\", \"response\": {\"error\": null}}\n",
                (true, Some((Some("error"), None))),
            ),
        ];
        for (stream, expected) in cases {
            for size in [1, 4, stream.len()] {
                let watch = watch(stream, size);
                let got = (
                    watch.final_seen(),
                    watch.error().map(|e| (e.error_type.as_deref(), e.error_code.as_deref())),
                );
                assert_eq!(got, expected, "{} in {size}-byte chunks", String::from_utf8_lossy(stream));
            }
        }
    }

    #[test]
    fn an_error_event_is_read_from_its_whole_line() {
        type Fields<'a> = Option<(Option<&'a str>, Option<&'a str>)>;
        let cases: [(&[u8], Fields); 6] = [
            (
                b"data: {\"a\":1}\n\ndata: {\"error\": {\"type\": \"server_error\", \"code\": null, \"message\": \"m\"}}\n\n",
                Some((Some("server_error"), None)),
            ),
            (
                b"event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\r\n",
                Some((Some("overloaded_error"), None)),
            ),
            (b"data: {\"type\":\"error\",\"code\":\"rate_limit_exceeded\"}\n", Some((None, Some("rate_limit_exceeded")))),
            (b"data: {\"error\": nonsense}\n", Some((Some("error"), None))),
            // Not complete: not an error yet.
            (b"data: {\"error\": {\"type\": \"server_error\"}}", None),
            // Text about an error is no error event.
            (b"data: {\"choices\":[{\"delta\":{\"content\":\"error\\\": \"}}]}\n", None),
        ];
        for (stream, expected) in cases {
            for size in [1, 7, stream.len()] {
                let watch = watch(stream, size);
                let got = watch.error().map(|e| (e.error_type.as_deref(), e.error_code.as_deref()));
                assert_eq!(got, expected, "{} in {size}-byte chunks", String::from_utf8_lossy(stream));
            }
        }
        // A line longer than what is kept is still an error event, without its fields.
        let long = format!("data: {{\"error\": {{\"message\": \"{}\"}}}}\n", "x".repeat(LINE_MAX));
        assert_eq!(watch(long.as_bytes(), 1000).error().and_then(|e| e.error_type.as_deref()), Some("error"));
        // Only the first error is kept (a `response.failed` after it included).
        let both = b"data: {\"type\": \"error\", \"code\": \"a\"}\ndata: {\"type\": \"response.failed\", \"response\": {\"error\": {\"code\": \"b\"}}}\n";
        assert_eq!(watch(both, 5).error().and_then(|e| e.error_code.as_deref()), Some("a"));
        // Only the first error is kept.
        let two = b"data: {\"error\": {\"type\": \"a\"}}\ndata: {\"error\": {\"type\": \"b\"}}\n";
        assert_eq!(watch(two, 3).error().and_then(|e| e.error_type.as_deref()), Some("a"));
    }
}
