//! The router: result lines (output and error files) in, one bucket per custom_id out.

use super::cost::{PriceTable, Usage};
use super::ids::IdTable;
use super::plan::Manifest;
use super::replay::{HistoryEntry, LedgerEntry};
use super::{IdMap, Provider};
use crate::document::de::object_from_str;
use crate::transport::classify::{self, Class, ClassReason, Outcome, ProviderError};
use schemars::JsonSchema;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

stable_codes! {
    /// Where a request ended. Stable codes.
    pub enum Bucket {
        /// The request succeeded.
        Succeeded = "succeeded",
        /// It failed for a reason that may pass: replay it.
        Retry = "retry",
        /// It failed for a reason a replay will not fix.
        Permanent = "permanent",
        /// It failed retryably, but has had its `max_attempts`.
        Quarantined = "quarantined",
        /// No result line names it.
        Missing = "missing",
    }
}

stable_codes! {
    /// Batch-level reasons a result carries (the HTTP ones are [`ClassReason`]s). Stable codes.
    pub enum ResultReason {
        /// Not run before the 24 h window ended (OpenAI `batch_expired`, Anthropic `expired`).
        BatchExpired = "batch_expired",
        /// The batch was cancelled first (OpenAI `batch_cancelled`, Anthropic `canceled`).
        BatchCancelled = "batch_cancelled",
        /// OpenAI `request_timeout`.
        RequestTimeout = "request_timeout",
        /// A non-HTTP error code no document names: not retried, since retrying costs money.
        UnknownError = "unknown_error",
        /// A 2xx whose body says the response failed (the Responses API's `status: failed`
        /// with its `error`): retried for a server-side code (`server_error`,
        /// `rate_limit_exceeded`, `vector_store_timeout`), else permanent (`invalid_prompt`,
        /// an image it cannot read: the same request fails the same way).
        ResponseFailed = "response_failed",
        /// No result line names the request.
        NoResult = "no_result",
        /// A line names the request but is no result the router can read (an `invalid_result`
        /// issue says why): quarantined, since it may have run and been billed (a replay could
        /// send it twice) and a line names it (it is not missing).
        UnreadableResult = "unreadable_result",
    }
}

/// Why a request landed in its bucket: a batch-level reason or an HTTP classification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteReason {
    /// A batch-level reason.
    Result(ResultReason),
    /// The response's status and error body, classified as a synchronous call would be.
    Http(ClassReason),
}

impl RouteReason {
    /// The stable code.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Result(r) => r.as_str(),
            Self::Http(r) => r.as_str(),
        }
    }
}

impl Serialize for RouteReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl JsonSchema for RouteReason {
    fn schema_name() -> Cow<'static, str> {
        "RouteReason".into()
    }
    /// The code of either reason, as [`Serialize`] writes it.
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let result = generator.subschema_for::<ResultReason>();
        let http = generator.subschema_for::<ClassReason>();
        schemars::json_schema!({ "anyOf": [result, http] })
    }
}

impl<'de> Deserialize<'de> for RouteReason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = Cow::<'de, str>::deserialize(d)?;
        ResultReason::from_code(&code)
            .map(Self::Result)
            .or_else(|| ClassReason::from_code(&code).map(Self::Http))
            .ok_or_else(|| serde::de::Error::custom(format!("unknown route reason `{code}`")))
    }
}

stable_codes! {
    /// A result line the router could not route. Stable codes.
    pub enum RouteIssueCode {
        /// Not JSON, or not a result object of the provider's format.
        InvalidResult = "invalid_result",
        /// Its custom_id is not in the manifest.
        UnknownCustomId = "unknown_custom_id",
        /// A second result for a custom_id (the first one counts).
        DuplicateResult = "duplicate_result",
    }
}

/// A result line that was not routed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RouteIssue {
    /// Which input: `output` or `errors`.
    #[schemars(schema_with = "source_name")]
    pub source: String,
    /// 1-based line in that input.
    pub line: u64,
    /// The line's custom_id, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// What is wrong.
    pub code: RouteIssueCode,
    /// A human sentence.
    pub message: String,
}

/// One routed request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Routed {
    /// Its custom_id.
    pub custom_id: String,
    /// Where it ended.
    pub bucket: Bucket,
    /// Why.
    pub reason: RouteReason,
    /// The batch file it was in.
    pub file: String,
    /// Attempts made, this one included.
    pub attempts: u32,
    /// The response's HTTP status, when there was a response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// The provider's error code or type, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Tokens the result reports (succeeded requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Earlier attempts (from the ledger), for quarantined requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
}

/// Options of a route; absent = the manifest's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouteConfig {
    /// Attempts before quarantine; absent = the manifest's `max_attempts`.
    pub max_attempts: Option<u32>,
}

/// The route's summary: counts per bucket at the top level, then the details.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RouteReport {
    /// The manifest's round.
    pub round: u32,
    /// Requests in the manifest.
    pub requests: u64,
    /// Succeeded.
    pub succeeded: u64,
    /// To replay.
    pub retry: u64,
    /// Failed for good.
    pub permanent: u64,
    /// Over their attempts.
    pub quarantined: u64,
    /// Without a result line.
    pub missing: u64,
    /// Requests per reason code.
    pub reasons: BTreeMap<String, u64>,
    /// Tokens the succeeded results report.
    pub usage: Usage,
    /// Their cost at batch prices, USD (the Batch API bills completed work only).
    pub actual_cost_usd: f64,
    /// What the same tokens would have cost synchronously.
    pub sync_cost_usd: f64,
    /// Succeeded results whose model has no price, or that report no usage (not in the costs).
    pub unpriced: u64,
    /// Result lines not routed.
    pub issues: Vec<RouteIssue>,
}

struct Slot {
    file: u32,
    attempts: u32,
    routed: bool,
}

/// The streaming router (see the module docs of [`crate::batch`]).
pub struct Router {
    provider: Provider,
    prices: PriceTable,
    max_attempts: u32,
    files: Vec<(String, String)>,
    ids: IdTable<Slot>,
    history: IdMap<Box<str>, Vec<HistoryEntry>>,
    lines: [u64; 2],
    report: RouteReport,
}

/// Which input a result line comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The output file (Anthropic: the results).
    Output = 0,
    /// The error file.
    Errors = 1,
}

impl Source {
    const fn name(self) -> &'static str {
        match self {
            Self::Output => "output",
            Self::Errors => "errors",
        }
    }
}

impl Router {
    /// A router for `manifest`'s requests; `ledger` holds the attempts of replayed ones.
    pub fn new(manifest: &Manifest, ledger: Vec<LedgerEntry>, config: RouteConfig) -> crate::Result<Self> {
        manifest.check().map_err(|e| e.within("manifest"))?;
        let max_attempts = config.max_attempts.unwrap_or(manifest.config.max_attempts);
        if max_attempts == 0 {
            return Err(crate::Error::new(
                crate::ErrorCode::OutOfRange,
                "max_attempts",
                "max_attempts must be at least 1",
            ));
        }
        let mut ids = IdTable::with_capacity(manifest.totals.planned as usize);
        for (index, file) in manifest.files.iter().enumerate() {
            for (n, id) in file.custom_ids.iter().enumerate() {
                if ids.insert(id, Slot { file: index as u32, attempts: 1, routed: false }).is_err() {
                    return Err(crate::Error::new(
                        crate::ErrorCode::InvalidValue,
                        format!("manifest.files[{index}].custom_ids[{n}]"),
                        format!("custom_id {id:?} is in the manifest twice"),
                    ));
                }
            }
        }
        let mut history = IdMap::default();
        for entry in ledger {
            if let Some(slot) = ids.get_mut(entry.custom_id.as_str()) {
                slot.attempts = entry.attempts.max(1);
                history.insert(entry.custom_id.into_boxed_str(), entry.history);
            }
        }
        let report =
            RouteReport { round: manifest.round, requests: ids.len() as u64, ..RouteReport::default() };
        Ok(Self {
            provider: manifest.config.provider,
            prices: manifest.prices.clone(),
            max_attempts,
            files: manifest.files.iter().map(|f| (f.path.clone(), f.model.clone())).collect(),
            ids,
            history,
            lines: [0; 2],
            report,
        })
    }

    /// Routes the next line of `source` (its newline, if given, is not part of it); `None`
    /// for a blank line, skipped as the planner skips one. A UTF-8 byte order mark before a
    /// file's first line is ignored (RFC 8259, section 8.1): refused, it would lose that
    /// line's result.
    ///
    /// # Errors
    /// A [`RouteIssue`] (also kept in the report) for a line that names no request of the
    /// manifest, repeats one, or is not a result.
    pub fn push(&mut self, source: Source, bytes: &[u8]) -> Result<Option<Routed>, RouteIssue> {
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        self.lines[source as usize] += 1;
        let line = self.lines[source as usize];
        let bytes =
            if line == 1 { bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes) } else { bytes };
        if bytes.trim_ascii().is_empty() {
            return Ok(None);
        }
        let issue = |code, custom_id: Option<&str>, message: String| RouteIssue {
            source: source.name().to_owned(),
            line,
            custom_id: custom_id.map(str::to_owned),
            code,
            message,
        };
        let result = match read_result(bytes, self.provider) {
            Ok(result) => result,
            Err(message) => {
                let named = named_id(bytes);
                let kept = self.keep(issue(RouteIssueCode::InvalidResult, named.as_deref(), message));
                return match named.and_then(|id| self.unreadable(&id)) {
                    Some(routed) => Ok(Some(routed)),
                    None => Err(kept),
                };
            }
        };
        let id = result.custom_id.as_ref();
        let Some(slot) = self.ids.get_mut(id) else {
            let message = format!("custom_id {id:?} is not in the manifest");
            return Err(self.keep(issue(RouteIssueCode::UnknownCustomId, Some(id), message)));
        };
        if slot.routed {
            let message = format!("a second result for custom_id {id:?}; the first one counts");
            return Err(self.keep(issue(RouteIssueCode::DuplicateResult, Some(id), message)));
        }
        slot.routed = true;
        let (file, attempts) = (slot.file, slot.attempts);
        let (bucket, reason) = match result.class {
            Class::Success => (Bucket::Succeeded, result.reason),
            Class::Retryable | Class::RateLimited | Class::Overloaded if attempts >= self.max_attempts => {
                (Bucket::Quarantined, result.reason)
            }
            Class::Retryable | Class::RateLimited | Class::Overloaded => (Bucket::Retry, result.reason),
            Class::Permanent | Class::Fatal => (Bucket::Permanent, result.reason),
        };
        let (path, model) = self.files[file as usize].clone();
        let mut usage = None;
        if bucket == Bucket::Succeeded {
            // A result without usage cost something unknown: unpriced, not free (its tokens
            // would not count against the cost cap of the next round).
            let cost = result.usage.and_then(|used| {
                self.report.usage += used;
                self.prices.cost(result.model.as_deref().unwrap_or(&model), used)
            });
            match cost {
                Some(cost) => {
                    self.report.actual_cost_usd += cost.batch;
                    self.report.sync_cost_usd += cost.sync;
                }
                None => self.report.unpriced += 1,
            }
            usage = result.usage;
        }
        let history = if bucket == Bucket::Quarantined {
            self.history_with(id, file, reason, result.status_code)
        } else {
            Vec::new()
        };
        let routed = Routed {
            custom_id: id.to_owned(),
            bucket,
            reason,
            file: path,
            attempts,
            status_code: result.status_code,
            error_code: result.error_code.map(Cow::into_owned),
            usage,
            history,
        };
        self.count(bucket, reason);
        Ok(Some(routed))
    }

    /// The request an unreadable line names, quarantined (`unreadable_result`), unless it is
    /// not in the manifest or already has its result.
    fn unreadable(&mut self, id: &str) -> Option<Routed> {
        let slot = self.ids.get_mut(id).filter(|slot| !slot.routed)?;
        slot.routed = true;
        let (file, attempts) = (slot.file, slot.attempts);
        let reason = RouteReason::Result(ResultReason::UnreadableResult);
        self.count(Bucket::Quarantined, reason);
        let history = self.history_with(id, file, reason, None);
        Some(Routed { history, ..self.without_result(id, file, attempts, Bucket::Quarantined, reason) })
    }

    /// The history of a request quarantined now: its earlier failures (from the ledger) and
    /// this round's.
    fn history_with(
        &mut self,
        id: &str,
        file: u32,
        reason: RouteReason,
        status_code: Option<u16>,
    ) -> Vec<HistoryEntry> {
        let mut history = self.history.remove(id).unwrap_or_default();
        let file = self.files[file as usize].0.clone();
        history.push(HistoryEntry { round: self.report.round, file, reason, status_code });
        history
    }

    /// The record of a request routed without a result to read from.
    fn without_result(
        &self,
        id: &str,
        file: u32,
        attempts: u32,
        bucket: Bucket,
        reason: RouteReason,
    ) -> Routed {
        Routed {
            custom_id: id.to_owned(),
            bucket,
            reason,
            file: self.files[file as usize].0.clone(),
            attempts,
            status_code: None,
            error_code: None,
            usage: None,
            history: Vec::new(),
        }
    }

    fn keep(&mut self, issue: RouteIssue) -> RouteIssue {
        self.report.issues.push(issue.clone());
        issue
    }

    fn count(&mut self, bucket: Bucket, reason: RouteReason) {
        let r = &mut self.report;
        *match bucket {
            Bucket::Succeeded => &mut r.succeeded,
            Bucket::Retry => &mut r.retry,
            Bucket::Permanent => &mut r.permanent,
            Bucket::Quarantined => &mut r.quarantined,
            Bucket::Missing => &mut r.missing,
        } += 1;
        *r.reasons.entry(reason.as_str().to_owned()).or_default() += 1;
    }

    /// The requests no line named (in manifest order), each in its bucket, and the report: one
    /// that has had its `max_attempts` is quarantined, not missing, so that a request no round
    /// ever answers (a batch that fails validation each time) is not sent again for ever.
    #[must_use]
    pub fn finish(mut self) -> (Vec<Routed>, RouteReport) {
        let reason = RouteReason::Result(ResultReason::NoResult);
        let unrouted: Vec<(Box<str>, u32, u32)> = self
            .ids
            .iter()
            .filter(|(_, slot)| !slot.routed)
            .map(|(id, slot)| (Box::from(id), slot.file, slot.attempts))
            .collect();
        let mut missing = Vec::with_capacity(unrouted.len());
        for (id, file, attempts) in unrouted {
            let bucket = if attempts >= self.max_attempts { Bucket::Quarantined } else { Bucket::Missing };
            let history = if bucket == Bucket::Quarantined {
                self.history_with(&id, file, reason, None)
            } else {
                Vec::new()
            };
            self.count(bucket, reason);
            missing.push(Routed { history, ..self.without_result(&id, file, attempts, bucket, reason) });
        }
        (missing, self.report)
    }
}

/// The `custom_id` of a line that is JSON but no result the router can read.
fn named_id(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Named<'a> {
        #[serde(borrow)]
        custom_id: Cow<'a, str>,
    }
    let text = std::str::from_utf8(bytes).ok()?;
    serde_json::from_str::<Named<'_>>(text).ok().map(|n| n.custom_id.into_owned())
}

/// What routing needs of one result line.
struct ResultLine<'a> {
    custom_id: Cow<'a, str>,
    class: Class,
    reason: RouteReason,
    status_code: Option<u16>,
    error_code: Option<Cow<'a, str>>,
    model: Option<Cow<'a, str>>,
    usage: Option<Usage>,
}

fn read_result(bytes: &[u8], provider: Provider) -> Result<ResultLine<'_>, String> {
    let text =
        std::str::from_utf8(bytes).map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1))?;
    match provider {
        Provider::Anthropic => {
            let line: AnthropicLine<'_> =
                object_from_str(text).map_err(|e| crate::error::json_line_error(&e).1)?;
            anthropic(line)
        }
        Provider::OpenAi | Provider::AzureOpenAi => {
            let line: OpenAiLine<'_> =
                object_from_str(text).map_err(|e| crate::error::json_line_error(&e).1)?;
            openai(line, provider)
        }
    }
}

fn openai(line: OpenAiLine<'_>, provider: Provider) -> Result<ResultLine<'_>, String> {
    let profile = if provider == Provider::AzureOpenAi {
        classify::Profile::AzureOpenAi
    } else {
        classify::Profile::OpenAi
    };
    let mut result = ResultLine {
        custom_id: line.custom_id,
        class: Class::Success,
        reason: RouteReason::Http(ClassReason::Ok),
        status_code: None,
        error_code: None,
        model: None,
        usage: None,
    };
    if let Some(error) = line.error {
        // openai-openapi `BatchRequestOutput.error`: "for requests that failed with a
        // non-HTTP error"; the documented codes are the three below.
        // An error without a code (`"code": null`, `{}`) still failed: it is an unknown error,
        // never read as a 200 without an error body.
        let code = error.code.filter(|c| !c.is_empty());
        let reason = match code.as_deref() {
            Some("batch_expired") => Some(ResultReason::BatchExpired),
            Some("batch_cancelled") => Some(ResultReason::BatchCancelled),
            Some("request_timeout") => Some(ResultReason::RequestTimeout),
            _ => None,
        };
        (result.class, result.reason) = match reason {
            Some(reason) => (Class::Retryable, RouteReason::Result(reason)),
            None => code
                .as_deref()
                .and_then(|code| by_body(profile, code))
                .unwrap_or((Class::Permanent, RouteReason::Result(ResultReason::UnknownError))),
        };
        result.error_code = code;
        return Ok(result);
    }
    let Some(response) = line.response else {
        return Err("a result with neither `response` nor `error`".to_owned());
    };
    let status = response.status_code;
    result.status_code = Some(status);
    let body = response.body.unwrap_or_default();
    let error = body.error.unwrap_or_default();
    let found = ProviderError::new(error.kind.as_deref(), error.code.as_deref());
    if (200..300).contains(&status) && found.is_present() {
        // openai-openapi `ResponseError.code`: only these are the server's own trouble.
        let code = error.code.as_deref().or(error.kind.as_deref());
        let class = match code {
            Some("server_error" | "rate_limit_exceeded" | "vector_store_timeout") => Class::Retryable,
            Some(code) => by_body(profile, code).map_or(Class::Permanent, |(class, _)| class),
            None => Class::Permanent,
        };
        (result.class, result.reason) = (class, RouteReason::Result(ResultReason::ResponseFailed));
    } else {
        let c = classify::classify::<&str, &str>(profile, Outcome::Http(status), &[], found, None);
        (result.class, result.reason) = (c.class, RouteReason::Http(c.reason));
    }
    result.error_code = error.code.or(error.kind);
    result.model = body.model;
    result.usage = body.usage.map(Into::into);
    Ok(result)
}

/// A non-HTTP error code that classification knows on its own (`insufficient_quota`, ...).
fn by_body(profile: classify::Profile, code: &str) -> Option<(Class, RouteReason)> {
    let c = classify::classify::<&str, &str>(
        profile,
        Outcome::Http(200),
        &[],
        ProviderError::new(None, Some(code)),
        None,
    );
    // A 200 with an error body the classifier does not know reads as a broken stream.
    (c.reason != ClassReason::StreamError).then_some((c.class, RouteReason::Http(c.reason)))
}

fn anthropic(line: AnthropicLine<'_>) -> Result<ResultLine<'_>, String> {
    let mut result = ResultLine {
        custom_id: line.custom_id,
        class: Class::Retryable,
        reason: RouteReason::Http(ClassReason::Ok),
        status_code: None,
        error_code: None,
        model: None,
        usage: None,
    };
    let outcome = line.result;
    // anthropic-sdk-python `message_batch_result.py`: succeeded | errored | canceled | expired.
    match outcome.kind.as_ref() {
        "succeeded" => {
            let message = outcome.message.unwrap_or_default();
            result.class = Class::Success;
            result.model = message.model;
            result.usage = message.usage.map(Into::into);
        }
        "errored" => {
            let error = outcome.error.unwrap_or_default();
            let inner = error.error.unwrap_or_default();
            let kind = inner.kind.or(error.kind).unwrap_or(Cow::Borrowed("api_error"));
            let c = classify::classify::<&str, &str>(
                classify::Profile::Anthropic,
                Outcome::Http(anthropic_status(&kind)),
                &[],
                ProviderError::new(Some(&kind), None),
                None,
            );
            (result.class, result.reason) = (c.class, RouteReason::Http(c.reason));
            result.error_code = Some(kind);
        }
        "canceled" => result.reason = RouteReason::Result(ResultReason::BatchCancelled),
        "expired" => result.reason = RouteReason::Result(ResultReason::BatchExpired),
        other => return Err(format!("unknown result type {other:?}")),
    }
    Ok(result)
}

/// The HTTP status of an Anthropic error type (docs.anthropic.com/en/api/errors).
fn anthropic_status(kind: &str) -> u16 {
    match kind {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => 500,
    }
}

#[derive(Deserialize)]
struct OpenAiLine<'a> {
    #[serde(borrow)]
    custom_id: Cow<'a, str>,
    #[serde(borrow, default)]
    response: Option<OpenAiResponse<'a>>,
    #[serde(borrow, default)]
    error: Option<ErrorBody<'a>>,
}

#[derive(Deserialize)]
struct OpenAiResponse<'a> {
    status_code: u16,
    #[serde(borrow, default)]
    body: Option<ResponseBody<'a>>,
}

#[derive(Default, Deserialize)]
struct ResponseBody<'a> {
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(default)]
    usage: Option<RawUsage>,
    #[serde(borrow, default)]
    error: Option<ErrorBody<'a>>,
}

#[derive(Default, Deserialize)]
struct ErrorBody<'a> {
    #[serde(borrow, default, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "code_text")]
    code: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    error: Option<Box<ErrorBody<'a>>>,
}

/// `error.code` is a string, but some gateways send a number.
fn code_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code<'a> {
        #[serde(borrow)]
        Text(Cow<'a, str>),
        Number(i64),
        Other(IgnoredAny),
    }
    Ok(match Option::<Code<'de>>::deserialize(d)? {
        Some(Code::Text(t)) => Some(t),
        Some(Code::Number(n)) => Some(Cow::Owned(n.to_string())),
        _ => None,
    })
}

/// The usage fields of Chat Completions, Responses, Embeddings and Anthropic Messages.
#[derive(Default, Deserialize)]
struct RawUsage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    prompt_tokens_details: Option<Cached>,
    input_tokens_details: Option<Cached>,
    cache_read_input_tokens: Option<u64>,
    cache_creation_input_tokens: Option<u64>,
    cache_creation: Option<CacheCreation>,
}

#[derive(Default, Deserialize)]
struct Cached {
    cached_tokens: Option<u64>,
}

/// Anthropic's split of the cache writes by lifetime (`usage.cache_creation`).
#[derive(Default, Deserialize)]
struct CacheCreation {
    ephemeral_1h_input_tokens: Option<u64>,
}

impl From<RawUsage> for Usage {
    fn from(u: RawUsage) -> Self {
        let cached_openai = u.prompt_tokens_details.or(u.input_tokens_details).and_then(|d| d.cached_tokens);
        // Anthropic's `input_tokens` leaves out the cache reads and writes
        // (anthropic-sdk-python `types/usage.py`); OpenAI's counts the cached tokens in.
        // Saturating: a gateway's bogus count (2^64 - 1) must not wrap under the cached count.
        let anthropic_cache =
            u.cache_read_input_tokens.unwrap_or(0).saturating_add(u.cache_creation_input_tokens.unwrap_or(0));
        let input = u.prompt_tokens.or(u.input_tokens).unwrap_or(0).saturating_add(anthropic_cache);
        let usage = Self {
            input_tokens: input,
            cached_input_tokens: cached_openai.or(u.cache_read_input_tokens).unwrap_or(0),
            cache_write_input_tokens: u.cache_creation_input_tokens.unwrap_or(0),
            cache_write_1h_input_tokens: u
                .cache_creation
                .and_then(|c| c.ephemeral_1h_input_tokens)
                .unwrap_or(0),
            output_tokens: u.completion_tokens.or(u.output_tokens).unwrap_or(0),
        };
        usage.capped()
    }
}

#[derive(Deserialize)]
struct AnthropicLine<'a> {
    #[serde(borrow)]
    custom_id: Cow<'a, str>,
    #[serde(borrow)]
    result: AnthropicResult<'a>,
}

#[derive(Deserialize)]
struct AnthropicResult<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    message: Option<ResponseBody<'a>>,
    #[serde(borrow, default)]
    error: Option<ErrorBody<'a>>,
}

/// The schema of a route issue's `source`: the name of an input.
fn source_name(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "string", "enum": ["output", "errors"] })
}
