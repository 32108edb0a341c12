//! Reading the model's output out of a Chat Completions or Responses body.
//!
//! | field | Chat Completions | Responses |
//! | --- | --- | --- |
//! | text | `choices[0].message.content` (a string, or its `text` parts joined) | every `output_text` part of every `message` item, joined (the SDKs' `output_text`) |
//! | refusal | `choices[0].message.refusal` (or `refusal` parts) | every `refusal` part, joined |
//! | tool calls | `choices[0].message.tool_calls[].function` (and the legacy `function_call`) | `function_call` items |
//! | finish | `choices[0].finish_reason` | `status` and `incomplete_details.reason` (`completed` with a `function_call` item: `tool_calls`; `in_progress` or `queued`: an error, nothing to read yet) |
//!
//! Only the first choice is read (structured output asks for one; `n > 1` is the host's
//! loop). A streamed chunk (`delta` instead of `message`) is not a body: assemble it first.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result};

stable_codes! {
    /// Which API the body came from.
    pub enum Api {
        /// `POST /v1/chat/completions`.
        ChatCompletions = "chat_completions",
        /// `POST /v1/responses`.
        Responses = "responses",
        /// Bare text handed over by the host ([`ModelOutput::from_text`]).
        Text = "text",
    }
}

stable_codes! {
    /// Why the model stopped, in one vocabulary for both APIs.
    pub enum FinishReason {
        /// It finished (`stop`; Responses `completed`).
        Stop = "stop",
        /// It called tools (`tool_calls`, legacy `function_call`; Responses `completed` with a
        /// `function_call` item).
        ToolCalls = "tool_calls",
        /// The output limit cut it (`length`; Responses `incomplete` for `max_output_tokens`).
        Length = "length",
        /// The content filter stopped it (`content_filter`, in both APIs).
        ContentFilter = "content_filter",
        /// A Responses body `incomplete` for another reason.
        Incomplete = "incomplete",
        /// A Responses body `failed` or `cancelled`: there is no output to read.
        Failed = "failed",
        /// Not given (bare text, a null `finish_reason`) or a value this version does not know.
        Unknown = "unknown",
    }
}

/// A tool (function) call the model made: its arguments are JSON text to read like content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ToolCall {
    /// The call's id (`id` in Chat Completions, `call_id` in Responses), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The function's name.
    pub name: String,
    /// The arguments, as the model wrote them (JSON text, possibly broken).
    pub arguments: String,
}

/// What the model produced, whichever API carried it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ModelOutput {
    /// The API of the body.
    pub api: Api,
    /// The output text (the JSON to read), when there is any.
    pub text: Option<String>,
    /// The refusal, when the model declined.
    pub refusal: Option<String>,
    /// Tool calls, in order.
    pub tool_calls: Vec<ToolCall>,
    /// Why the model stopped.
    pub finish: FinishReason,
    /// The raw finish value read (`finish_reason`, or the Responses `incomplete_details.reason`
    /// or `status`), for logs.
    pub finish_raw: Option<String>,
}

impl ModelOutput {
    /// Output given as bare text: no refusal, no tool calls, finish unknown.
    #[must_use]
    pub fn from_text(text: &str) -> Self {
        Self {
            api: Api::Text,
            text: Some(text.to_owned()),
            refusal: None,
            tool_calls: Vec::new(),
            finish: FinishReason::Unknown,
            finish_raw: None,
        }
    }

    /// The JSON text to read: the arguments of the only tool call when the model stopped to
    /// call it (a model often says what it is about to do beside the call), else the output
    /// text when there is any, else the only tool call's arguments (strict function calling);
    /// `None` when there is neither, or only several tool calls (read each one's arguments apart).
    #[must_use]
    pub fn json_text(&self) -> Option<&str> {
        match (&self.text, self.tool_calls.as_slice()) {
            (_, [only]) if self.finish == FinishReason::ToolCalls => Some(&only.arguments),
            (Some(text), _) if !text.trim().is_empty() => Some(text),
            (_, [only]) => Some(&only.arguments),
            _ => None,
        }
    }
}

/// Reads a Chat Completions body (it has `choices`) or a Responses body (it has `output`).
///
/// # Errors
/// `invalid_type` for a body that is not an object, or a field of the wrong type at its
/// path (`choices[0].message.content`); `missing_field` for a body with neither `choices`
/// nor `output`, or a choice without `message`; `invalid_value` for empty `choices`.
pub fn extract(body: &Value) -> Result<ModelOutput> {
    let obj = body
        .as_object()
        .ok_or_else(|| Error::new(ErrorCode::InvalidType, "", "a response body is a JSON object"))?;
    if obj.contains_key("choices") {
        chat(obj)
    } else if obj.contains_key("output") {
        responses(obj)
    } else {
        Err(Error::new(
            ErrorCode::MissingField,
            "choices",
            "neither a Chat Completions body (`choices`) nor a Responses body (`output`)",
        ))
    }
}

fn chat(obj: &Map<String, Value>) -> Result<ModelOutput> {
    let choices = obj.get("choices").and_then(Value::as_array);
    let choices =
        choices.ok_or_else(|| Error::new(ErrorCode::InvalidType, "choices", "expected an array"))?;
    let choice = choices
        .first()
        .ok_or_else(|| Error::new(ErrorCode::InvalidValue, "choices", "no choices"))?
        .as_object()
        .ok_or_else(|| Error::new(ErrorCode::InvalidType, "choices[0]", "expected an object"))?;
    let message = match choice.get("message") {
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(Error::new(ErrorCode::InvalidType, "choices[0].message", "expected an object"))
        }
        None => {
            return Err(Error::new(
                ErrorCode::MissingField,
                "choices[0].message",
                "the choice has no message",
            ))
        }
    };
    let path = "choices[0].message";
    let mut text = None;
    let mut refusal = opt_string(message, "refusal", path)?;
    match message.get("content") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => text = Some(s.clone()),
        // Content parts, as some compatible servers return them.
        Some(Value::Array(parts)) => {
            let content = format!("{path}.content");
            let (t, r) = parts_text(parts, &content, "text")?;
            text = t;
            if refusal.is_none() {
                refusal = r;
            }
        }
        Some(_) => {
            return Err(Error::new(
                ErrorCode::InvalidType,
                format!("{path}.content"),
                "expected a string or null",
            ));
        }
    }
    let mut tool_calls = Vec::new();
    match message.get("tool_calls") {
        None | Some(Value::Null) => {}
        Some(Value::Array(calls)) => {
            for (i, call) in calls.iter().enumerate() {
                let at = format!("{path}.tool_calls[{i}]");
                let call = call
                    .as_object()
                    .ok_or_else(|| Error::new(ErrorCode::InvalidType, &*at, "expected an object"))?;
                let id = opt_string(call, "id", &at)?;
                let function = match call.get("function") {
                    Some(Value::Object(f)) => f,
                    Some(_) => {
                        return Err(Error::new(
                            ErrorCode::InvalidType,
                            format!("{at}.function"),
                            "expected an object",
                        ))
                    }
                    // A tool call of another kind (`custom`) has no JSON arguments.
                    None => continue,
                };
                let at = format!("{at}.function");
                tool_calls.push(ToolCall {
                    id,
                    name: req_string(function, "name", &at)?,
                    arguments: req_string(function, "arguments", &at)?,
                });
            }
        }
        Some(_) => {
            return Err(Error::new(ErrorCode::InvalidType, format!("{path}.tool_calls"), "expected an array"))
        }
    }
    match message.get("function_call") {
        None | Some(Value::Null) => {}
        Some(Value::Object(f)) => {
            let at = format!("{path}.function_call");
            tool_calls.push(ToolCall {
                id: None,
                name: req_string(f, "name", &at)?,
                arguments: req_string(f, "arguments", &at)?,
            });
        }
        Some(_) => {
            return Err(Error::new(
                ErrorCode::InvalidType,
                format!("{path}.function_call"),
                "expected an object",
            ))
        }
    }
    let finish_raw = opt_string(choice, "finish_reason", "choices[0]")?;
    let finish = match finish_raw.as_deref() {
        Some("stop") => FinishReason::Stop,
        Some("length") => FinishReason::Length,
        Some("content_filter") => FinishReason::ContentFilter,
        Some("tool_calls" | "function_call") => FinishReason::ToolCalls,
        _ => FinishReason::Unknown,
    };
    let refusal = refusal.filter(|r| !r.trim().is_empty()); // an empty refusal declines nothing
    Ok(ModelOutput { api: Api::ChatCompletions, text, refusal, tool_calls, finish, finish_raw })
}

fn responses(obj: &Map<String, Value>) -> Result<ModelOutput> {
    let output = obj.get("output").and_then(Value::as_array);
    let output = output.ok_or_else(|| Error::new(ErrorCode::InvalidType, "output", "expected an array"))?;
    let mut text: Option<String> = None;
    let mut refusal: Option<String> = None;
    let mut tool_calls = Vec::new();
    for (i, item) in output.iter().enumerate() {
        let at = format!("output[{i}]");
        let item =
            item.as_object().ok_or_else(|| Error::new(ErrorCode::InvalidType, &*at, "expected an object"))?;
        match opt_string(item, "type", &at)?.as_deref() {
            Some("message") => match item.get("content") {
                None | Some(Value::Null) => {}
                Some(Value::Array(parts)) => {
                    let (t, r) = parts_text(parts, &format!("{at}.content"), "output_text")?;
                    join(&mut text, t);
                    join(&mut refusal, r);
                }
                Some(_) => {
                    return Err(Error::new(
                        ErrorCode::InvalidType,
                        format!("{at}.content"),
                        "expected an array",
                    ));
                }
            },
            Some("function_call") => tool_calls.push(ToolCall {
                id: opt_string(item, "call_id", &at)?,
                name: req_string(item, "name", &at)?,
                arguments: req_string(item, "arguments", &at)?,
            }),
            // Reasoning, web search and other items carry no output to read.
            _ => {}
        }
    }
    let status = opt_string(obj, "status", "")?;
    let reason = match obj.get("incomplete_details") {
        None | Some(Value::Null) => None,
        Some(Value::Object(d)) => opt_string(d, "reason", "incomplete_details")?,
        Some(_) => {
            return Err(Error::new(
                ErrorCode::InvalidType,
                "incomplete_details",
                "expected an object or null",
            ))
        }
    };
    if let Some(s @ ("in_progress" | "queued")) = status.as_deref() {
        // A background response polled before it ended: no output to read yet.
        return Err(Error::new(
            ErrorCode::InvalidValue,
            "status",
            format!("the response is still {s}: read it once it has ended"),
        ));
    }
    let (finish, finish_raw) = match (status.as_deref(), reason.as_deref()) {
        (_, Some("max_output_tokens")) => (FinishReason::Length, reason),
        (_, Some("content_filter")) => (FinishReason::ContentFilter, reason),
        (Some("incomplete"), _) => (FinishReason::Incomplete, reason.or(status)),
        // The Responses API says `completed` for a turn that ends in a function call too.
        (Some("completed"), _) if !tool_calls.is_empty() => (FinishReason::ToolCalls, status),
        (Some("completed"), _) => (FinishReason::Stop, status),
        (Some("failed" | "cancelled"), _) => (FinishReason::Failed, status),
        _ => (FinishReason::Unknown, status),
    };
    let refusal = refusal.filter(|r| !r.trim().is_empty());
    Ok(ModelOutput { api: Api::Responses, text, refusal, tool_calls, finish, finish_raw })
}

/// The text and refusal parts of a content array: parts of type `text_type` hold `text`,
/// parts of type `refusal` hold `refusal`; other parts (audio, annotations) are skipped.
fn parts_text(parts: &[Value], path: &str, text_type: &str) -> Result<(Option<String>, Option<String>)> {
    let mut text = None;
    let mut refusal = None;
    for (j, part) in parts.iter().enumerate() {
        let at = format!("{path}[{j}]");
        let part =
            part.as_object().ok_or_else(|| Error::new(ErrorCode::InvalidType, &*at, "expected an object"))?;
        match opt_string(part, "type", &at)?.as_deref() {
            Some(t) if t == text_type => join(&mut text, Some(req_string(part, "text", &at)?)),
            Some("refusal") => join(&mut refusal, Some(req_string(part, "refusal", &at)?)),
            _ => {}
        }
    }
    Ok((text, refusal))
}

fn join(into: &mut Option<String>, part: Option<String>) {
    match (into.as_mut(), part) {
        (Some(s), Some(p)) => s.push_str(&p),
        (None, Some(p)) => *into = Some(p),
        _ => {}
    }
}

fn at_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn opt_string(obj: &Map<String, Value>, key: &str, path: &str) -> Result<Option<String>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::new(ErrorCode::InvalidType, at_path(path, key), "expected a string or null")),
    }
}

fn req_string(obj: &Map<String, Value>, key: &str, path: &str) -> Result<String> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        None | Some(Value::Null) => Err(Error::new(ErrorCode::MissingField, at_path(path, key), "missing")),
        Some(_) => Err(Error::new(ErrorCode::InvalidType, at_path(path, key), "expected a string")),
    }
}
