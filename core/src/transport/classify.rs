//! Outcome classification: what an attempt's result means for retrying.
//!
//! [`classify`] turns an [`Outcome`] (status or transport failure), the response
//! headers and the provider's error `type`/`code` into a [`Classification`]: a
//! [`Class`], a stable [`ClassReason`], the server-given delay and `x-should-retry`.
//! It reads headers only for failures, so a success costs a few comparisons.
//!
//! Precedence, highest first:
//! 1. a quota or billing error body is [`Class::Fatal`], whatever the status
//!    (`insufficient_quota`, `credit_balance_exhausted`: openai/codex PR #6340;
//!    OpenAI `billing_not_active`, `billing_hard_limit_reached`;
//!    Anthropic `billing_error` and `enforced_spend_limit_reached`);
//!    `overloaded_error` is [`Class::Overloaded`];
//! 2. the status or transport failure, per [`Profile`].
//!
//! `x-should-retry: true|false` on a non-2xx status (Stainless SDKs; not in `generic_http`)
//! is kept beside the class, never folded into it: it is the server's advice on retrying
//! this request, which the retry decision follows, while the class is what the result says of
//! the upstream's health (a 503 the server asks not to retry is still an overload for the
//! breaker and the retry budget; a 400 it asks to retry is still the caller's fault).
//!
//! A 2xx carrying an error body is a stream that failed after its headers
//! ([`ClassReason::StreamError`]), and a stream cut is a failure even after a 200.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::headers::{self, HeaderIssues, RetryAfter};

stable_codes! {
    /// What kind of result an attempt had, for the purposes of retrying and health.
    pub enum Class as "ClassName" {
        /// The attempt produced a complete answer.
        Success = "success",
        /// A transient failure: retrying the same request may succeed.
        Retryable = "retryable",
        /// The upstream says "too many requests": retry later, slower.
        RateLimited = "rate_limited",
        /// The upstream is overloaded (503, Anthropic 529): retry later, and back off harder.
        Overloaded = "overloaded",
        /// The request itself is wrong (400, 401, 404, 422, ...): retrying cannot help.
        Permanent = "permanent",
        /// Nothing sent to this upstream can succeed now (quota exhausted): stop everything.
        Fatal = "fatal",
    }
}

stable_codes! {
    /// The phase of an attempt a timeout happened in.
    pub enum Phase {
        /// Establishing the TCP/TLS connection.
        Connect = "connect",
        /// Waiting for the response headers (time to first byte).
        Headers = "headers",
        /// Waiting for the first token of a streamed answer.
        FirstToken = "first_token",
        /// The gap between two chunks of a stream.
        Idle = "idle",
        /// The whole attempt.
        Attempt = "attempt",
    }
}

/// The raw result of one attempt, before classification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The server answered with this HTTP status (a complete body for 2xx).
    Http(u16),
    /// The connection could not be established.
    Connect,
    /// The TLS handshake failed for a transient reason.
    TlsHandshake,
    /// The certificate was refused: retrying cannot help.
    TlsCertificate,
    /// The connection was reset or closed before a response.
    Reset,
    /// A timeout in the given phase.
    Timeout(Phase),
    /// The stream broke after part of the answer arrived: a failure, never a success.
    StreamCut,
    /// The host cancelled the attempt.
    Cancelled,
}

impl Outcome {
    /// Parses the compact string form used by vectors and bindings:
    /// `http_<status>`, `connect`, `tls_handshake`, `tls_certificate`, `reset`,
    /// `timeout_<phase>`, `stream_cut`, `cancelled`.
    ///
    /// # Errors
    /// `invalid_argument` naming the unknown form.
    pub fn parse(code: &str) -> crate::Result<Self> {
        let parsed = match code {
            "connect" => Some(Self::Connect),
            "tls_handshake" => Some(Self::TlsHandshake),
            "tls_certificate" => Some(Self::TlsCertificate),
            "reset" => Some(Self::Reset),
            "stream_cut" => Some(Self::StreamCut),
            "cancelled" => Some(Self::Cancelled),
            _ => code
                .strip_prefix("http_")
                // Three digits, as a status is written (`u16`'s parser also takes `+429`, `0429`).
                .filter(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse::<u16>().ok())
                .filter(|s| (100..=999).contains(s))
                .map(Self::Http)
                .or_else(|| code.strip_prefix("timeout_").and_then(Phase::from_code).map(Self::Timeout)),
        };
        parsed.ok_or_else(|| {
            crate::Error::argument(
                "outcome",
                format!("unknown outcome `{code}` (expected http_<status>, connect, tls_handshake, tls_certificate, reset, timeout_<phase>, stream_cut or cancelled)"),
            )
        })
    }
}

impl core::fmt::Display for Outcome {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Http(status) => write!(f, "http_{status}"),
            Self::Connect => f.write_str("connect"),
            Self::TlsHandshake => f.write_str("tls_handshake"),
            Self::TlsCertificate => f.write_str("tls_certificate"),
            Self::Reset => f.write_str("reset"),
            Self::Timeout(phase) => write!(f, "timeout_{phase}"),
            Self::StreamCut => f.write_str("stream_cut"),
            Self::Cancelled => f.write_str("cancelled"),
        }
    }
}

impl core::str::FromStr for Outcome {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        Self::parse(s)
    }
}

stable_codes! {
    /// Whose conventions decide what a status, an error body and `x-should-retry` mean.
    #[derive(Default)]
    pub enum Profile {
        /// OpenAI: openai-python `_should_retry` (408, 409, 429, >= 500 retry), `x-should-retry`
        /// obeyed, `insufficient_quota` fatal. The default.
        #[default]
        OpenAi = "openai",
        /// Azure OpenAI: as `openai`, and Azure's `x-ms-retry-after-ms` when no other delay is given.
        AzureOpenAi = "azure_openai",
        /// Anthropic: as `openai` (the same Stainless retry rules), plus 402 `billing_error` fatal.
        Anthropic = "anthropic",
        /// Any HTTP API, as go-retryablehttp and failsafehttp: 408, 429, >= 500 except 501 retry;
        /// 409 is permanent and `x-should-retry` is not read.
        GenericHttp = "generic_http",
    }
}

stable_codes! {
    /// Why an outcome got its class. Stable codes: hosts log them and match on them.
    pub enum ClassReason {
        /// A 2xx with a complete answer.
        Ok = "ok",
        /// A 1xx reached the client as a final answer.
        Informational = "informational",
        /// A 3xx reached the client (redirects exhausted or not followed).
        Redirect = "redirect",
        /// 400: the request is malformed.
        BadRequest = "bad_request",
        /// 401: the credential is missing or wrong.
        Unauthorized = "unauthorized",
        /// 403: the credential may not do this.
        Forbidden = "forbidden",
        /// 404: no such model, deployment or resource.
        NotFound = "not_found",
        /// 408: the server timed the request out.
        RequestTimeout408 = "request_timeout_408",
        /// 409: a conflicting request (Stainless SDKs retry it; `generic_http` does not).
        Conflict409 = "conflict_409",
        /// 413: the request body is too large.
        RequestTooLarge = "request_too_large",
        /// 422: well-formed but semantically refused.
        Unprocessable = "unprocessable",
        /// 429: too many requests or tokens for now.
        RateLimited = "rate_limited",
        /// Any other 4xx.
        ClientError = "client_error",
        /// 500 or a 5xx without its own reason.
        ServerError = "server_error",
        /// 501: the server does not support this (retried only by the Stainless SDKs).
        NotImplemented = "not_implemented",
        /// 502: a proxy got a bad answer upstream.
        BadGateway = "bad_gateway",
        /// 503: the service is unavailable for now.
        ServiceUnavailable = "service_unavailable",
        /// 504: a proxy timed out upstream.
        GatewayTimeout = "gateway_timeout",
        /// 529 or an `overloaded_error` body (Anthropic): the provider is out of capacity.
        Overloaded = "overloaded",
        /// A status outside 100..=599.
        UnknownStatus = "unknown_status",
        /// `insufficient_quota` (type or code): the account's quota is spent.
        InsufficientQuota = "insufficient_quota",
        /// `credit_balance_exhausted` (type or code): prepaid credit is gone.
        CreditBalanceExhausted = "credit_balance_exhausted",
        /// Anthropic 402 or `billing_error`, OpenAI `billing_not_active` or
        /// `billing_hard_limit_reached`: billing or payment is broken.
        BillingError = "billing_error",
        /// Anthropic `enforced_spend_limit_reached`: the spend limit holds until the period ends.
        SpendLimitReached = "spend_limit_reached",
        /// A 2xx whose stream ended with an error event.
        StreamError = "stream_error",
        /// The connection could not be established.
        ConnectFailed = "connect_failed",
        /// The TLS handshake failed for a transient reason.
        TlsHandshakeFailed = "tls_handshake_failed",
        /// The server certificate was refused.
        TlsCertificateRefused = "tls_certificate_refused",
        /// The connection was reset before a response.
        ConnectionReset = "connection_reset",
        /// Timed out while connecting.
        TimeoutConnect = "timeout_connect",
        /// Timed out waiting for the response headers.
        TimeoutHeaders = "timeout_headers",
        /// Timed out waiting for the first token.
        TimeoutFirstToken = "timeout_first_token",
        /// Timed out between two chunks of a stream.
        TimeoutIdle = "timeout_idle",
        /// The whole attempt timed out.
        TimeoutAttempt = "timeout_attempt",
        /// The stream broke after part of the answer arrived.
        StreamCut = "stream_cut",
        /// The host cancelled the attempt.
        Cancelled = "cancelled",
    }
}

/// The provider's error body as far as classification needs it; `Default` is "no body".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ProviderError<'a> {
    /// `error.type` (`insufficient_quota`, `overloaded_error`, `rate_limit_error`, ...).
    pub error_type: Option<&'a str>,
    /// `error.code` (`insufficient_quota`, `credit_balance_exhausted`, `rate_limit_exceeded`, ...);
    /// for Anthropic, `error.details.error_code` when present.
    pub code: Option<&'a str>,
}

impl<'a> ProviderError<'a> {
    /// No error body.
    pub const NONE: Self = Self { error_type: None, code: None };

    /// An error body with this `type` and `code`.
    #[must_use]
    pub const fn new(error_type: Option<&'a str>, code: Option<&'a str>) -> Self {
        Self { error_type, code }
    }

    fn is(self, name: &str) -> bool {
        self.error_type == Some(name) || self.code == Some(name)
    }

    pub(crate) fn is_present(self) -> bool {
        self.error_type.is_some_and(|t| !t.is_empty()) || self.code.is_some_and(|c| !c.is_empty())
    }
}

/// What one attempt's outcome means; produced by [`classify`], once per attempt.
///
/// Its serde form is what bindings return from `classify` and take back in a retry
/// decision: `class` and `reason` are required, the rest may be omitted.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Classification {
    /// Success, retryable, rate limited, overloaded, permanent or fatal.
    pub class: Class,
    /// Why, as a stable code.
    pub reason: ClassReason,
    /// The delay the server asked for (failures only), as written; see [`headers::retry_after`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<RetryAfter>,
    /// `x-should-retry` when it was `true` or `false` (non-2xx statuses, Stainless profiles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub should_retry: Option<bool>,
    /// Header values that were present but unusable, and so ignored.
    #[serde(default)]
    pub issues: HeaderIssues,
}

impl Classification {
    /// The server-given delay if it is usable as a wait: finite and above zero.
    /// Values above the SDK's 120 s cap are returned; the retry policy refuses them.
    #[must_use]
    pub fn server_delay_ms(&self) -> Option<f64> {
        self.retry_after.map(|r| r.delay_ms).filter(|d| d.is_finite() && *d > 0.0)
    }

    /// Whether the result says the upstream is short of capacity: a 429 or 503/529, or a
    /// timeout (its own or a gateway's: under overload answers slow before they fail).
    /// A random 500, a 502 or a reset connection is not such a sign on its own.
    #[must_use]
    pub fn is_overload_signal(&self) -> bool {
        use ClassReason as R;
        matches!(self.class, Class::RateLimited | Class::Overloaded)
            || matches!(
                self.reason,
                R::GatewayTimeout
                    | R::RequestTimeout408
                    | R::TimeoutConnect
                    | R::TimeoutHeaders
                    | R::TimeoutFirstToken
                    | R::TimeoutIdle
                    | R::TimeoutAttempt
            )
    }
}

/// Classifies one attempt's outcome.
///
/// `headers` are the response headers (empty for transport failures), `error` the
/// provider's error `type`/`code` if a body was read, `wall_unix_ms` the wall clock
/// for an HTTP-date `Retry-After`. Never panics and, for a success, never reads a header.
pub fn classify<K: AsRef<str>, V: AsRef<str>>(
    profile: Profile,
    outcome: Outcome,
    headers: &[(K, V)],
    error: ProviderError<'_>,
    wall_unix_ms: Option<u64>,
) -> Classification {
    let (class, reason) = match outcome {
        Outcome::Http(status) => by_body(error).unwrap_or_else(|| by_status(profile, status, error)),
        Outcome::StreamCut => by_body(error).unwrap_or((Class::Retryable, ClassReason::StreamCut)),
        other => by_transport(other),
    };
    let mut issues = HeaderIssues::NONE;
    if class == Class::Success {
        return Classification { class, reason, retry_after: None, should_retry: None, issues };
    }
    let should_retry = match outcome {
        Outcome::Http(status) if profile != Profile::GenericHttp && !(200..300).contains(&status) => {
            headers::should_retry(headers, &mut issues)
        }
        _ => None,
    };
    let mut retry_after = headers::retry_after(headers, wall_unix_ms, &mut issues);
    if retry_after.is_none() && profile == Profile::AzureOpenAi {
        // azure-core reads `retry-after-ms`, `x-ms-retry-after-ms`, `Retry-After`
        // (azure-core-rest-pipeline `retryStrategies/throttlingRetryStrategy.ts`).
        retry_after = headers::x_ms_retry_after(headers, &mut issues);
    }
    Classification { class, reason, retry_after, should_retry, issues }
}

/// Error bodies that decide on their own, whatever the status.
fn by_body(error: ProviderError<'_>) -> Option<(Class, ClassReason)> {
    // The specific credit code first: openai sends it with `type: insufficient_quota`
    // (UKGovernmentBEIS/inspect_ai#5340).
    let found = if error.is("credit_balance_exhausted") {
        (Class::Fatal, ClassReason::CreditBalanceExhausted)
    } else if error.is("insufficient_quota") {
        (Class::Fatal, ClassReason::InsufficientQuota)
    } else if error.is("billing_error")
        || error.is("billing_not_active")
        || error.is("billing_hard_limit_reached")
    {
        // docs.anthropic.com/en/api/errors: 402 billing_error. OpenAI: an account whose
        // billing is not active answers 429 `billing_not_active` ("check your billing
        // details"), a reached hard limit `billing_hard_limit_reached`: no retry helps.
        (Class::Fatal, ClassReason::BillingError)
    } else if error.is("enforced_spend_limit_reached") {
        // A 429 whose error.details.error_code says the spend limit holds until the period ends.
        (Class::Fatal, ClassReason::SpendLimitReached)
    } else if error.is("overloaded_error") {
        (Class::Overloaded, ClassReason::Overloaded)
    } else {
        return None;
    };
    Some(found)
}

fn by_status(profile: Profile, status: u16, error: ProviderError<'_>) -> (Class, ClassReason) {
    use ClassReason as R;
    match status {
        200..=299 if error.is_present() => (Class::Retryable, R::StreamError),
        200..=299 => (Class::Success, R::Ok),
        100..=199 => (Class::Permanent, R::Informational),
        300..=399 => (Class::Permanent, R::Redirect),
        400..=499 => client_error(profile, status),
        500..=599 => server_error(profile, status),
        // Every reference retries any status >= 500; below 100 is not HTTP.
        600.. => (Class::Retryable, R::UnknownStatus),
        0..=99 => (Class::Permanent, R::UnknownStatus),
    }
}

fn client_error(profile: Profile, status: u16) -> (Class, ClassReason) {
    use ClassReason as R;
    match status {
        400 => (Class::Permanent, R::BadRequest),
        401 => (Class::Permanent, R::Unauthorized),
        402 if profile == Profile::Anthropic => (Class::Fatal, R::BillingError),
        403 => (Class::Permanent, R::Forbidden),
        404 => (Class::Permanent, R::NotFound),
        // openai-python / anthropic-sdk-python `_should_retry`: 408, 409, 429, >= 500.
        408 => (Class::Retryable, R::RequestTimeout408),
        409 if profile != Profile::GenericHttp => (Class::Retryable, R::Conflict409),
        409 => (Class::Permanent, R::Conflict409),
        413 => (Class::Permanent, R::RequestTooLarge),
        422 => (Class::Permanent, R::Unprocessable),
        429 => (Class::RateLimited, R::RateLimited),
        _ => (Class::Permanent, R::ClientError),
    }
}

fn server_error(profile: Profile, status: u16) -> (Class, ClassReason) {
    use ClassReason as R;
    match status {
        // go-retryablehttp `DefaultRetryPolicy`, failsafehttp: everything >= 500 but 501.
        501 if profile == Profile::GenericHttp => (Class::Permanent, R::NotImplemented),
        501 => (Class::Retryable, R::NotImplemented),
        502 => (Class::Retryable, R::BadGateway),
        503 => (Class::Overloaded, R::ServiceUnavailable),
        504 => (Class::Retryable, R::GatewayTimeout),
        529 => (Class::Overloaded, R::Overloaded),
        _ => (Class::Retryable, R::ServerError),
    }
}

fn by_transport(outcome: Outcome) -> (Class, ClassReason) {
    use ClassReason as R;
    match outcome {
        Outcome::Connect => (Class::Retryable, R::ConnectFailed),
        Outcome::TlsHandshake => (Class::Retryable, R::TlsHandshakeFailed),
        // go-retryablehttp and failsafehttp do not retry certificate errors.
        Outcome::TlsCertificate => (Class::Permanent, R::TlsCertificateRefused),
        Outcome::Reset => (Class::Retryable, R::ConnectionReset),
        Outcome::Timeout(phase) => (
            Class::Retryable,
            match phase {
                Phase::Connect => R::TimeoutConnect,
                Phase::Headers => R::TimeoutHeaders,
                Phase::FirstToken => R::TimeoutFirstToken,
                Phase::Idle => R::TimeoutIdle,
                Phase::Attempt => R::TimeoutAttempt,
            },
        ),
        Outcome::StreamCut => (Class::Retryable, R::StreamCut),
        Outcome::Cancelled => (Class::Permanent, R::Cancelled),
        // Unreachable from `classify`, which routes statuses to `by_status`.
        Outcome::Http(_) => (Class::Permanent, R::UnknownStatus),
    }
}

#[cfg(test)]
mod outcome_tests {
    use super::*;

    #[test]
    fn every_form_round_trips() {
        for code in [
            "http_200",
            "http_529",
            "connect",
            "tls_handshake",
            "tls_certificate",
            "reset",
            "timeout_connect",
            "timeout_headers",
            "timeout_first_token",
            "timeout_idle",
            "timeout_attempt",
            "stream_cut",
            "cancelled",
        ] {
            assert_eq!(Outcome::parse(code).unwrap().to_string(), code);
        }
    }

    #[test]
    fn unknown_forms_are_refused_with_a_code() {
        for bad in ["http_", "http_99", "http_abc", "timeout_lunch", "", "HTTP_500"] {
            let e = Outcome::parse(bad).unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::InvalidArgument, "{bad}");
        }
    }
}

#[cfg(test)]
mod tests;
