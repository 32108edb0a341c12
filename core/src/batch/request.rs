//! One request line: read in a single pass over its bytes (no tree is built), checked, and
//! measured (the characters of its prompt, its output cap, its embedding inputs).

use super::{PlanConfig, Provider, ANTHROPIC_ENDPOINT};
use crate::transport::bodies::{is_inline_payload, INLINE_TOKENS};
use schemars::JsonSchema;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

stable_codes! {
    /// Why a request line was rejected. Stable codes.
    pub enum LineCode {
        /// The line is not UTF-8.
        InvalidUtf8 = "invalid_utf8",
        /// The line is not JSON.
        InvalidJson = "invalid_json",
        /// The line ends inside a JSON value: a truncated file's last line.
        TruncatedLine = "truncated_line",
        /// The line is JSON but not an object.
        NotAnObject = "not_an_object",
        /// No `custom_id`.
        MissingCustomId = "missing_custom_id",
        /// `custom_id` is not a non-empty string.
        InvalidCustomId = "invalid_custom_id",
        /// `custom_id` is longer than `max_custom_id_len`.
        CustomIdTooLong = "custom_id_too_long",
        /// `custom_id` was used by an earlier line of the input.
        DuplicateCustomId = "duplicate_custom_id",
        /// No `method` (OpenAI format).
        MissingMethod = "missing_method",
        /// `method` is not `POST`.
        InvalidMethod = "invalid_method",
        /// No `url` (OpenAI format).
        MissingUrl = "missing_url",
        /// `url` is not one of the allowed endpoints.
        UnknownEndpoint = "unknown_endpoint",
        /// No `body` (OpenAI) or `params` (Anthropic).
        MissingBody = "missing_body",
        /// No `model` in the body, or an empty one.
        MissingModel = "missing_model",
        /// A field has the wrong type or an impossible value.
        InvalidField = "invalid_field",
        /// A parameter the batch API refuses (Anthropic: `stream`, `max_tokens: 0`, `speed`).
        UnsupportedParam = "unsupported_param",
        /// The line alone is larger than a whole batch file may be.
        LineTooLarge = "line_too_large",
        /// One embeddings request has more inputs than a whole file may.
        TooManyInputs = "too_many_inputs",
        /// One request's prompt alone is above its model's enqueued-token limit.
        TokensOverLimit = "tokens_over_limit",
    }
}

impl LineCode {
    /// The [`crate::ErrorCode`] a line with this code is refused with when the plan stops.
    #[must_use]
    pub const fn error_code(self) -> crate::ErrorCode {
        use crate::ErrorCode as E;
        match self {
            Self::InvalidUtf8 | Self::InvalidJson | Self::TruncatedLine => E::Syntax,
            Self::NotAnObject | Self::InvalidCustomId | Self::InvalidField => E::InvalidType,
            Self::MissingCustomId
            | Self::MissingMethod
            | Self::MissingUrl
            | Self::MissingBody
            | Self::MissingModel => E::MissingField,
            Self::InvalidMethod | Self::UnknownEndpoint => E::UnknownVariant,
            Self::DuplicateCustomId | Self::UnsupportedParam => E::InvalidValue,
            Self::CustomIdTooLong | Self::LineTooLarge | Self::TooManyInputs | Self::TokensOverLimit => {
                E::LimitExceeded
            }
        }
    }
}

/// A rejected line: where, which request, why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Rejection {
    /// 1-based line of the input.
    pub line: u64,
    /// The line's `custom_id`, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// Why, as a stable code.
    pub code: LineCode,
    /// The offending field (`body.model`); empty for the line itself.
    pub path: String,
    /// A human sentence; not part of the contract.
    pub message: String,
}

impl Rejection {
    pub(crate) fn new(line: u64, code: LineCode, path: &str, message: impl Into<String>) -> Self {
        Self { line, custom_id: None, code, path: path.to_owned(), message: message.into() }
    }

    /// The same rejection, naming the request it refuses.
    pub(crate) fn of(self, custom_id: &str) -> Self {
        Self { custom_id: Some(custom_id.to_owned()), ..self }
    }

    /// The rejection as the error a stopping plan returns.
    #[must_use]
    pub fn to_error(&self) -> crate::Error {
        let mut error = crate::Error::new(
            self.code.error_code(),
            self.path.clone(),
            format!("{}: {}", self.code, self.message),
        );
        error.line = usize::try_from(self.line).ok();
        error
    }
}

/// What the planner needs of one valid request line.
#[derive(Clone, Debug, PartialEq)]
pub struct Request<'a> {
    /// `custom_id`.
    pub custom_id: Cow<'a, str>,
    /// The endpoint (`url`; `/v1/messages` for Anthropic).
    pub endpoint: Cow<'a, str>,
    /// `body.model` (`params.model`).
    pub model: Cow<'a, str>,
    /// Characters in the prompt's strings (messages, input, instructions, tools, ...).
    pub prompt_chars: u64,
    /// Tokens given as token arrays (embeddings `input: [[1, 2], ...]`).
    pub prompt_tokens_exact: u64,
    /// Messages in `messages` (each costs a few tokens of framing).
    pub messages: u64,
    /// The output cap: `max_completion_tokens`, `max_output_tokens` or `max_tokens`.
    pub output_cap: Option<u64>,
    /// Answers the request is billed for, each up to the output cap: `n` (or `best_of`,
    /// which completions generates and bills whole) per prompt, times the prompts of a
    /// completions `prompt` array. 1 for most requests.
    pub outputs: u64,
    /// Embedding inputs (`input` of an embeddings request), else 0.
    pub embedding_inputs: u64,
}

impl Request<'_> {
    /// Whether this is an embeddings request.
    #[must_use]
    pub fn is_embeddings(&self) -> bool {
        is_embeddings(&self.endpoint)
    }

    /// Estimated prompt tokens: characters / `chars_per_token`, plus framing per message.
    #[must_use]
    pub fn estimate_prompt_tokens(&self, chars_per_token: f64) -> u64 {
        // openai-cookbook "How to count tokens with tiktoken": 3 tokens frame every message
        // and every reply is primed with 3 more.
        let framing = if self.messages > 0 { 3 * self.messages + 3 } else { 0 };
        let chars = (self.prompt_chars as f64 / chars_per_token).ceil() as u64;
        chars + self.prompt_tokens_exact + framing
    }
}

/// Reads one line (without its newline) as a request of `config`'s provider.
///
/// # Errors
/// A [`Rejection`] at `line` for anything the batch API would refuse.
pub fn read<'a>(bytes: &'a [u8], line: u64, config: &PlanConfig) -> Result<Request<'a>, Rejection> {
    let text = simdutf8::compat::from_utf8(bytes).map_err(|e| {
        Rejection::new(
            line,
            LineCode::InvalidUtf8,
            "",
            format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1),
        )
    })?;
    if !text.trim_start().starts_with('{') {
        if text.starts_with('\u{feff}') {
            let message = "the line starts with a UTF-8 byte order mark (EF BB BF), which JSON does not allow: save the file as UTF-8 without a BOM";
            return Err(Rejection::new(line, LineCode::InvalidJson, "", message));
        }
        // Serde would read an array as the struct's fields in order; a line is an object.
        return Err(match serde_json::from_str::<IgnoredAny>(text) {
            Ok(_) => Rejection::new(line, LineCode::NotAnObject, "", "the line is JSON but not an object"),
            Err(e) => json_rejection(line, String::new(), &e),
        });
    }
    // The fast path keeps no path; a refused line is read again to name the field.
    let raw: RawLine<'a> = serde_json::from_str(text).map_err(|_| locate(text, line))?;
    let custom_id = raw
        .custom_id
        .ok_or_else(|| Rejection::new(line, LineCode::MissingCustomId, "custom_id", "no custom_id"))?;
    let with_id = |r: Rejection| r.of(&custom_id);
    if custom_id.is_empty() {
        return Err(with_id(Rejection::new(
            line,
            LineCode::InvalidCustomId,
            "custom_id",
            "custom_id is empty",
        )));
    }
    if custom_id.len() > config.max_custom_id_len as usize {
        return Err(with_id(Rejection::new(
            line,
            LineCode::CustomIdTooLong,
            "custom_id",
            format!(
                "custom_id is {} bytes, above max_custom_id_len {}",
                custom_id.len(),
                config.max_custom_id_len
            ),
        )));
    }
    let (endpoint, body, body_path) = if config.provider == Provider::Anthropic {
        check_anthropic(raw.params, line).map_err(with_id)?
    } else {
        check_openai(raw.method.as_deref(), raw.url, raw.body, line, config).map_err(with_id)?
    };
    let model = match body.model {
        Some(model) if !model.is_empty() => model,
        _ => {
            return Err(with_id(Rejection::new(
                line,
                LineCode::MissingModel,
                &format!("{body_path}.model"),
                "no model",
            )))
        }
    };
    let output_cap = body.max_completion_tokens.or(body.max_output_tokens).or(body.max_tokens);
    let embedding_inputs = if is_embeddings(&endpoint) { body.inputs } else { 0 };
    let per_prompt = body.n.unwrap_or(1).max(body.best_of.unwrap_or(1)).max(1);
    let outputs = per_prompt.saturating_mul(body.prompts.max(1));
    Ok(Request {
        custom_id,
        endpoint,
        model,
        prompt_chars: body.chars,
        prompt_tokens_exact: body.tokens,
        messages: body.messages,
        output_cap,
        outputs,
        embedding_inputs,
    })
}

/// `/v1/embeddings` (OpenAI) or `/embeddings` (Azure).
fn is_embeddings(endpoint: &str) -> bool {
    endpoint.ends_with("/embeddings")
}

type Checked<'a> = (Cow<'a, str>, Body<'a>, &'static str);

fn check_openai<'a>(
    method: Option<&str>,
    url: Option<Cow<'a, str>>,
    body: Option<Body<'a>>,
    line: u64,
    config: &PlanConfig,
) -> Result<Checked<'a>, Rejection> {
    match method {
        None => return Err(Rejection::new(line, LineCode::MissingMethod, "method", "no method")),
        Some("POST") => {}
        Some(other) => {
            return Err(Rejection::new(
                line,
                LineCode::InvalidMethod,
                "method",
                format!("method is {other:?}; only POST is allowed"),
            ))
        }
    }
    let url = url.ok_or_else(|| Rejection::new(line, LineCode::MissingUrl, "url", "no url"))?;
    let allowed = match &config.endpoints {
        Some(list) => list.iter().any(|e| *e == url),
        None => config.provider.endpoints().contains(&url.as_ref()),
    };
    if !allowed {
        return Err(Rejection::new(
            line,
            LineCode::UnknownEndpoint,
            "url",
            format!("url {url:?} is not an allowed batch endpoint"),
        ));
    }
    let body = body.ok_or_else(|| Rejection::new(line, LineCode::MissingBody, "body", "no body"))?;
    Ok((url, body, "body"))
}

fn check_anthropic(params: Option<Body<'_>>, line: u64) -> Result<Checked<'_>, Rejection> {
    let Some(params) = params else {
        return Err(Rejection::new(line, LineCode::MissingBody, "params", "no params"));
    };
    // platform.claude.com batch-processing: `max_tokens: 0`, `stream` and `speed` are refused.
    if params.stream == Some(true) {
        return Err(Rejection::new(
            line,
            LineCode::UnsupportedParam,
            "params.stream",
            "stream is not allowed in a batch",
        ));
    }
    if params.speed {
        return Err(Rejection::new(
            line,
            LineCode::UnsupportedParam,
            "params.speed",
            "speed is not allowed in a batch",
        ));
    }
    match params.max_tokens {
        None => {
            Err(Rejection::new(line, LineCode::InvalidField, "params.max_tokens", "max_tokens is required"))
        }
        Some(0) => Err(Rejection::new(
            line,
            LineCode::UnsupportedParam,
            "params.max_tokens",
            "max_tokens must be at least 1",
        )),
        Some(_) => Ok((Cow::Borrowed(ANTHROPIC_ENDPOINT), params, "params")),
    }
}

/// The rejection of a line serde refused, with the path of the offending field.
fn locate(text: &str, line: u64) -> Rejection {
    /// The id alone, read past any other field: a rejected field still names its request.
    #[derive(Deserialize)]
    struct Id<'a> {
        #[serde(borrow, default)]
        custom_id: Option<Cow<'a, str>>,
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let rejection = match serde_path_to_error::deserialize::<_, RawLine<'_>>(&mut de) {
        Err(e) => json_rejection(line, e.path().to_string(), e.inner()),
        Ok(_) => match de.end() {
            Err(e) => json_rejection(line, String::new(), &e),
            Ok(()) => Rejection::new(line, LineCode::InvalidJson, "", "the line is not a request"),
        },
    };
    match serde_json::from_str::<Id<'_>>(text) {
        Ok(Id { custom_id: Some(id) }) => rejection.of(&id),
        _ => rejection,
    }
}

fn json_rejection(line: u64, path: String, inner: &serde_json::Error) -> Rejection {
    use serde_json::error::Category;
    // serde_path_to_error names the root `.` and a place it cannot name `?`.
    let path = path.trim_end_matches('?').trim_end_matches('.');
    let path = if path == "." { String::new() } else { path.to_owned() };
    let code = match inner.classify() {
        Category::Eof => LineCode::TruncatedLine,
        Category::Syntax | Category::Io => LineCode::InvalidJson,
        Category::Data if path == "custom_id" => LineCode::InvalidCustomId,
        Category::Data => LineCode::InvalidField,
    };
    Rejection::new(line, code, &path, crate::error::json_line_error(inner).1)
}

/// The top level of a line, either format; unknown keys are ignored.
#[derive(Deserialize)]
#[serde(expecting = "a request object")]
struct RawLine<'a> {
    #[serde(borrow, default)]
    custom_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    body: Option<Body<'a>>,
    #[serde(borrow, default)]
    params: Option<Body<'a>>,
}

/// A request body, measured as it is read.
#[derive(Clone, Debug, Default)]
struct Body<'a> {
    model: Option<Cow<'a, str>>,
    max_tokens: Option<u64>,
    max_completion_tokens: Option<u64>,
    max_output_tokens: Option<u64>,
    n: Option<u64>,
    best_of: Option<u64>,
    prompts: u64,
    stream: Option<bool>,
    speed: bool,
    chars: u64,
    tokens: u64,
    messages: u64,
    inputs: u64,
}

impl<'de: 'a, 'a> Deserialize<'de> for Body<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(BodyVisitor(std::marker::PhantomData))
    }
}

struct BodyVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for BodyVisitor<'a> {
    type Value = Body<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a request body object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Body<'a>, A::Error> {
        use serde::de::Error;
        let mut body = Body::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "model" => {
                    if body.model.is_some() {
                        return Err(A::Error::custom("duplicate field `model`"));
                    }
                    body.model = Some(map.next_value()?);
                }
                "max_tokens" => body.max_tokens = map.next_value()?,
                "max_completion_tokens" => body.max_completion_tokens = map.next_value()?,
                "max_output_tokens" => body.max_output_tokens = map.next_value()?,
                "n" => body.n = map.next_value()?,
                "best_of" => body.best_of = map.next_value()?,
                "prompt" => {
                    // A completions prompt has an embeddings input's shapes: a string, strings,
                    // token ids, token arrays; each string or array is a prompt of its own. (The
                    // Responses API's `prompt` is a template reference: an object, no prompts.)
                    let mut input = Input::new(&mut body.chars, &mut body.tokens, true);
                    map.next_value_seed(&mut input)?;
                    body.prompts = input.inputs;
                }
                "stream" => body.stream = map.next_value()?,
                "speed" => {
                    map.next_value::<IgnoredAny>()?;
                    body.speed = true;
                }
                "input" => {
                    let mut input = Input::new(&mut body.chars, &mut body.tokens, false);
                    map.next_value_seed(&mut input)?;
                    (body.inputs, body.messages) = (input.inputs, body.messages + input.messages);
                }
                "messages" => {
                    map.next_value_seed(Chars::new(&mut body.chars, Some(&mut body.messages)))?;
                }
                _ => map.next_value_seed(Chars::new(&mut body.chars, None))?,
            }
        }
        Ok(body)
    }
}

/// The characters a string of the prompt counts for: an ASCII character one, any other four
/// (a token at the default four characters a token: Chinese, Japanese or Korean text runs near
/// a token a character, so counted as ASCII it was estimated at a quarter of its tokens and
/// the cost cap could be passed four times over); an inline file or image
/// ([`is_inline_payload`]: the SDK integrations' rule; a bare base64 run only as the value of
/// a `data` key) counts as [`INLINE_TOKENS`] at four characters a token, not by its bytes (a
/// 6 MB image read as text was 1.5 million tokens, over a model's enqueued limit).
fn text_chars(s: &str, under_data_key: bool) -> u64 {
    if is_inline_payload(s.as_bytes(), under_data_key) {
        INLINE_TOKENS * 4
    } else {
        // By bytes: an ASCII byte is a character, a lead byte (0xC0 and up) starts one.
        s.bytes().map(|b| u64::from(b < 0x80) + 4 * u64::from(b >= 0xC0)).sum()
    }
}

/// Counts the characters of every string in a value (keys excluded); `items` counts the
/// elements of a top-level array; `under_data_key`: the value of a `data` key.
struct Chars<'c> {
    chars: &'c mut u64,
    items: Option<&'c mut u64>,
    under_data_key: bool,
}

impl<'c> Chars<'c> {
    fn new(chars: &'c mut u64, items: Option<&'c mut u64>) -> Self {
        Self { chars, items, under_data_key: false }
    }
}

impl<'de> DeserializeSeed<'de> for Chars<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Chars<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        *self.chars += text_chars(s, self.under_data_key);
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut n = 0u64;
        while seq.next_element_seed(Chars::new(&mut *self.chars, None))?.is_some() {
            n += 1;
        }
        if let Some(items) = self.items {
            *items += n;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(DataKey(under_data_key)) = map.next_key()? {
            map.next_value_seed(Chars { chars: &mut *self.chars, items: None, under_data_key })?;
        }
        Ok(())
    }
}

/// A key, read only for whether it is `data` (where an inline payload goes), without a copy.
struct DataKey(bool);

impl<'de> Deserialize<'de> for DataKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Is;
        impl Visitor<'_> for Is {
            type Value = DataKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, s: &str) -> Result<DataKey, E> {
                Ok(DataKey(s == "data"))
            }
        }
        d.deserialize_str(Is)
    }
}

/// An `input`: for embeddings a string (one input), an array of strings (one each), an array
/// of token ids (one input), or an array of token arrays (one each); for the Responses API a
/// string or an array of input items (messages, each framed like a chat message).
struct Input<'c> {
    chars: &'c mut u64,
    tokens: &'c mut u64,
    inputs: u64,
    messages: u64,
    /// An object is read for its strings (the Responses API's `prompt` template); else refused.
    objects: bool,
}

impl<'c> Input<'c> {
    fn new(chars: &'c mut u64, tokens: &'c mut u64, objects: bool) -> Self {
        Self { chars, tokens, inputs: 0, messages: 0, objects }
    }
}

impl<'de> DeserializeSeed<'de> for &mut Input<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for &mut Input<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, an array of strings or input items, or token arrays")
    }

    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        *self.chars += text_chars(s, false);
        self.inputs = 1;
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (mut strings_or_arrays, mut ids) = (0u64, 0u64);
        while let Some(item) = seq.next_element::<InputItem>()? {
            match item {
                InputItem::Id => ids += 1,
                InputItem::Text(chars) => {
                    *self.chars += chars;
                    strings_or_arrays += 1;
                }
                InputItem::Tokens(n) => {
                    *self.tokens += n;
                    strings_or_arrays += 1;
                }
                InputItem::Item(chars) => {
                    *self.chars += chars;
                    self.messages += 1;
                }
            }
        }
        *self.tokens += ids;
        self.inputs = strings_or_arrays + u64::from(ids > 0);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        if !self.objects {
            return Err(serde::de::Error::invalid_type(serde::de::Unexpected::Map, &self));
        }
        Chars::new(&mut *self.chars, None).visit_map(map)
    }
}

enum InputItem {
    Id,
    Text(u64),
    Tokens(u64),
    /// A Responses API input item (`{role, content}`, `{type: "function_call_output", ...}`).
    Item(u64),
}

impl<'de> Deserialize<'de> for InputItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = InputItem;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, a token id, a token array or an input item")
            }
            fn visit_str<E>(self, s: &str) -> Result<InputItem, E> {
                Ok(InputItem::Text(text_chars(s, false)))
            }
            fn visit_u64<E>(self, _: u64) -> Result<InputItem, E> {
                Ok(InputItem::Id)
            }
            fn visit_i64<E>(self, _: i64) -> Result<InputItem, E> {
                Ok(InputItem::Id)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<InputItem, A::Error> {
                let mut n = 0;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(InputItem::Tokens(n))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<InputItem, A::Error> {
                let mut chars = 0;
                Chars::new(&mut chars, None).visit_map(map)?;
                Ok(InputItem::Item(chars))
            }
        }
        d.deserialize_any(V)
    }
}
