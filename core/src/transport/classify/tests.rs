use proptest::prelude::*;

use super::*;
use crate::transport::headers::{HeaderIssue, RetryAfterSource};

const NO_HEADERS: [(&str, &str); 0] = [];

fn status(profile: Profile, code: u16) -> (Class, ClassReason) {
    let c = classify(profile, Outcome::Http(code), &NO_HEADERS, ProviderError::NONE, None);
    (c.class, c.reason)
}

fn with_body(
    profile: Profile,
    code: u16,
    error_type: Option<&str>,
    error_code: Option<&str>,
) -> (Class, ClassReason) {
    let c =
        classify(profile, Outcome::Http(code), &NO_HEADERS, ProviderError::new(error_type, error_code), None);
    (c.class, c.reason)
}

fn with_headers(profile: Profile, code: u16, headers: &[(&str, &str)]) -> Classification {
    classify(profile, Outcome::Http(code), headers, ProviderError::NONE, None)
}

#[test]
fn openai_statuses_follow_the_sdk() {
    use {Class as C, ClassReason as R};
    let p = Profile::OpenAi;
    assert_eq!(status(p, 200), (C::Success, R::Ok));
    assert_eq!(status(p, 204), (C::Success, R::Ok));
    assert_eq!(status(p, 101), (C::Permanent, R::Informational));
    assert_eq!(status(p, 302), (C::Permanent, R::Redirect));
    assert_eq!(status(p, 400), (C::Permanent, R::BadRequest));
    assert_eq!(status(p, 401), (C::Permanent, R::Unauthorized));
    assert_eq!(status(p, 402), (C::Permanent, R::ClientError));
    assert_eq!(status(p, 403), (C::Permanent, R::Forbidden));
    assert_eq!(status(p, 404), (C::Permanent, R::NotFound));
    assert_eq!(status(p, 408), (C::Retryable, R::RequestTimeout408));
    assert_eq!(status(p, 409), (C::Retryable, R::Conflict409));
    assert_eq!(status(p, 413), (C::Permanent, R::RequestTooLarge));
    assert_eq!(status(p, 422), (C::Permanent, R::Unprocessable));
    assert_eq!(status(p, 429), (C::RateLimited, R::RateLimited));
    assert_eq!(status(p, 451), (C::Permanent, R::ClientError));
    assert_eq!(status(p, 500), (C::Retryable, R::ServerError));
    assert_eq!(status(p, 501), (C::Retryable, R::NotImplemented));
    assert_eq!(status(p, 502), (C::Retryable, R::BadGateway));
    assert_eq!(status(p, 503), (C::Overloaded, R::ServiceUnavailable));
    assert_eq!(status(p, 504), (C::Retryable, R::GatewayTimeout));
    assert_eq!(status(p, 529), (C::Overloaded, R::Overloaded));
    assert_eq!(status(p, 599), (C::Retryable, R::ServerError));
    assert_eq!(status(p, 600), (C::Retryable, R::UnknownStatus));
    assert_eq!(status(p, 0), (C::Permanent, R::UnknownStatus));
    assert_eq!(status(p, u16::MAX), (C::Retryable, R::UnknownStatus));
}

#[test]
fn generic_http_is_go_retryablehttp() {
    use {Class as C, ClassReason as R};
    let p = Profile::GenericHttp;
    assert_eq!(status(p, 408), (C::Retryable, R::RequestTimeout408));
    assert_eq!(status(p, 409), (C::Permanent, R::Conflict409));
    assert_eq!(status(p, 429), (C::RateLimited, R::RateLimited));
    assert_eq!(status(p, 500), (C::Retryable, R::ServerError));
    assert_eq!(status(p, 501), (C::Permanent, R::NotImplemented));
    assert_eq!(status(p, 503), (C::Overloaded, R::ServiceUnavailable));
    assert_eq!(status(p, 418), (C::Permanent, R::ClientError));
}

#[test]
fn generic_http_does_not_read_x_should_retry() {
    let c = with_headers(Profile::GenericHttp, 500, &[("x-should-retry", "false")]);
    assert_eq!((c.class, c.should_retry), (Class::Retryable, None));
}

#[test]
fn insufficient_quota_is_fatal_in_every_form_and_status() {
    use {Class as C, ClassReason as R};
    let p = Profile::OpenAi;
    assert_eq!(with_body(p, 429, Some("insufficient_quota"), None), (C::Fatal, R::InsufficientQuota));
    assert_eq!(with_body(p, 429, None, Some("insufficient_quota")), (C::Fatal, R::InsufficientQuota));
    assert_eq!(
        with_body(p, 429, Some("insufficient_quota"), Some("credit_balance_exhausted")),
        (C::Fatal, R::CreditBalanceExhausted)
    );
    assert_eq!(
        with_body(p, 400, None, Some("credit_balance_exhausted")),
        (C::Fatal, R::CreditBalanceExhausted)
    );
    assert_eq!(with_body(p, 200, Some("insufficient_quota"), None), (C::Fatal, R::InsufficientQuota));
    // A plain rate limit stays a rate limit.
    assert_eq!(
        with_body(p, 429, Some("requests"), Some("rate_limit_exceeded")),
        (C::RateLimited, R::RateLimited)
    );
}

#[test]
fn x_should_retry_never_revives_a_fatal_quota() {
    let c = classify(
        Profile::OpenAi,
        Outcome::Http(429),
        &[("x-should-retry", "true")],
        ProviderError::new(Some("insufficient_quota"), None),
        None,
    );
    assert_eq!(
        (c.class, c.reason, c.should_retry),
        (Class::Fatal, ClassReason::InsufficientQuota, Some(true))
    );
}

#[test]
fn x_should_retry_is_kept_beside_the_class_the_status_gives() {
    // The server's advice on retrying is not a verdict on the upstream's health: a 503 it
    // asks not to retry is still an overload (for the breaker, the retry budget), a 400 it
    // asks to retry still the caller's fault. The retry decision follows the advice.
    let c = with_headers(Profile::OpenAi, 400, &[("x-should-retry", "true")]);
    assert_eq!((c.class, c.reason, c.should_retry), (Class::Permanent, ClassReason::BadRequest, Some(true)));
    let c = with_headers(Profile::OpenAi, 503, &[("X-Should-Retry", "false")]);
    assert_eq!(
        (c.class, c.reason, c.should_retry),
        (Class::Overloaded, ClassReason::ServiceUnavailable, Some(false))
    );
    assert!(c.is_overload_signal());
}

#[test]
fn x_should_retry_agreeing_with_the_status_keeps_its_reason() {
    let c = with_headers(Profile::OpenAi, 429, &[("x-should-retry", "true")]);
    assert_eq!((c.class, c.reason), (Class::RateLimited, ClassReason::RateLimited));
    let c = with_headers(Profile::OpenAi, 404, &[("x-should-retry", "false")]);
    assert_eq!((c.class, c.reason), (Class::Permanent, ClassReason::NotFound));
    // On a success the header is not even read.
    let c = with_headers(Profile::OpenAi, 200, &[("x-should-retry", "false")]);
    assert_eq!((c.class, c.should_retry), (Class::Success, None));
}

#[test]
fn odd_x_should_retry_values_are_issues_and_ignored() {
    let c = with_headers(Profile::OpenAi, 500, &[("x-should-retry", "TRUE")]);
    assert_eq!((c.class, c.should_retry), (Class::Retryable, None));
    assert!(c.issues.contains(HeaderIssue::ShouldRetryUnparseable));
}

#[test]
fn anthropic_overloaded_rate_limited_billing() {
    use {Class as C, ClassReason as R};
    let p = Profile::Anthropic;
    assert_eq!(with_body(p, 529, Some("overloaded_error"), None), (C::Overloaded, R::Overloaded));
    assert_eq!(status(p, 529), (C::Overloaded, R::Overloaded));
    assert_eq!(with_body(p, 429, Some("rate_limit_error"), None), (C::RateLimited, R::RateLimited));
    assert_eq!(with_body(p, 500, Some("api_error"), None), (C::Retryable, R::ServerError));
    assert_eq!(with_body(p, 402, Some("billing_error"), None), (C::Fatal, R::BillingError));
    assert_eq!(status(p, 402), (C::Fatal, R::BillingError));
    assert_eq!(
        with_body(p, 429, Some("rate_limit_error"), Some("enforced_spend_limit_reached")),
        (C::Fatal, R::SpendLimitReached)
    );
    assert_eq!(with_body(p, 413, Some("request_too_large"), None), (C::Permanent, R::RequestTooLarge));
}

#[test]
fn an_error_event_after_a_200_is_a_failure() {
    use {Class as C, ClassReason as R};
    assert_eq!(
        with_body(Profile::Anthropic, 200, Some("overloaded_error"), None),
        (C::Overloaded, R::Overloaded)
    );
    assert_eq!(with_body(Profile::Anthropic, 200, Some("api_error"), None), (C::Retryable, R::StreamError));
    assert_eq!(with_body(Profile::OpenAi, 200, Some(""), None), (C::Success, R::Ok));
}

#[test]
fn transport_failures() {
    use {Class as C, ClassReason as R};
    let of = |o: Outcome| {
        let c = classify(Profile::OpenAi, o, &NO_HEADERS, ProviderError::NONE, None);
        (c.class, c.reason)
    };
    assert_eq!(of(Outcome::Connect), (C::Retryable, R::ConnectFailed));
    assert_eq!(of(Outcome::TlsHandshake), (C::Retryable, R::TlsHandshakeFailed));
    assert_eq!(of(Outcome::TlsCertificate), (C::Permanent, R::TlsCertificateRefused));
    assert_eq!(of(Outcome::Reset), (C::Retryable, R::ConnectionReset));
    assert_eq!(of(Outcome::StreamCut), (C::Retryable, R::StreamCut));
    assert_eq!(of(Outcome::Cancelled), (C::Permanent, R::Cancelled));
    assert_eq!(of(Outcome::Timeout(Phase::Connect)), (C::Retryable, R::TimeoutConnect));
    assert_eq!(of(Outcome::Timeout(Phase::Headers)), (C::Retryable, R::TimeoutHeaders));
    assert_eq!(of(Outcome::Timeout(Phase::FirstToken)), (C::Retryable, R::TimeoutFirstToken));
    assert_eq!(of(Outcome::Timeout(Phase::Idle)), (C::Retryable, R::TimeoutIdle));
    assert_eq!(of(Outcome::Timeout(Phase::Attempt)), (C::Retryable, R::TimeoutAttempt));
}

#[test]
fn every_timeout_phase_has_its_reason_named_after_the_outcome() {
    for &phase in Phase::ALL {
        let outcome = Outcome::Timeout(phase);
        let c = classify(Profile::OpenAi, outcome, &NO_HEADERS, ProviderError::NONE, None);
        assert_eq!(c.reason.as_str(), outcome.to_string());
    }
}

#[test]
fn a_stream_cut_with_a_quota_error_event_is_still_fatal() {
    let c = classify(
        Profile::OpenAi,
        Outcome::StreamCut,
        &NO_HEADERS,
        ProviderError::new(None, Some("insufficient_quota")),
        None,
    );
    assert_eq!(c.class, Class::Fatal);
}

#[test]
fn a_429_carries_its_retry_after() {
    let c = with_headers(Profile::OpenAi, 429, &[("retry-after-ms", "1200"), ("retry-after", "2")]);
    assert_eq!(c.retry_after, Some(RetryAfter { delay_ms: 1200.0, source: RetryAfterSource::RetryAfterMs }));
    assert_eq!(c.server_delay_ms(), Some(1200.0));
}

#[test]
fn server_delay_is_only_a_positive_finite_wait() {
    for (value, expected) in
        [("0", None), ("-1", None), ("nan", None), ("inf", None), ("300", Some(300_000.0))]
    {
        let c = with_headers(Profile::OpenAi, 503, &[("retry-after", value)]);
        assert_eq!(c.server_delay_ms(), expected, "{value}");
    }
}

#[test]
fn azure_reads_x_ms_retry_after_ms_when_nothing_else_is_given() {
    let headers = [("x-ms-retry-after-ms", "750")];
    let c = with_headers(Profile::AzureOpenAi, 429, &headers);
    assert_eq!((c.class, c.server_delay_ms()), (Class::RateLimited, Some(750.0)));
    assert_eq!(c.retry_after.map(|r| r.source), Some(RetryAfterSource::XMsRetryAfterMs));
    // Azure 429 without any delay header is still a rate limit.
    let c = with_headers(Profile::AzureOpenAi, 429, &[]);
    assert_eq!((c.class, c.retry_after), (Class::RateLimited, None));
    // The openai profile does not know the Azure header.
    assert_eq!(with_headers(Profile::OpenAi, 429, &headers).retry_after, None);
}

#[test]
fn classification_serializes_with_codes() {
    let c = with_headers(Profile::OpenAi, 429, &[("retry-after", "2"), ("x-should-retry", "maybe")]);
    assert_eq!(
        serde_json::to_value(c).unwrap(),
        serde_json::json!({
            "class": "rate_limited",
            "reason": "rate_limited",
            "retry_after": { "delay_ms": 2000.0, "source": "retry_after_seconds" },
            "issues": ["should_retry_unparseable"],
        })
    );
}

#[test]
fn a_classification_is_read_back_from_its_json_form() {
    let minimal: Classification =
        crate::document::from_value(&serde_json::json!({ "class": "retryable", "reason": "server_error" }))
            .unwrap();
    assert_eq!(minimal, with_headers(Profile::OpenAi, 500, &[]));
    let not_finite = serde_json::json!({
        "class": "rate_limited", "reason": "rate_limited",
        "retry_after": { "delay_ms": null, "source": "retry_after_seconds" },
        "issues": ["retry_after_not_finite"],
    });
    let c: Classification = crate::document::from_value(&not_finite).unwrap();
    assert!(c.retry_after.is_some_and(|r| r.delay_ms.is_nan()));
    assert_eq!(c.server_delay_ms(), None);
    assert_eq!(serde_json::to_value(c).unwrap(), not_finite);
}

#[test]
fn a_malformed_classification_is_refused_with_its_path() {
    let refused = |doc: serde_json::Value| {
        let e = crate::document::from_value::<Classification>(&doc).unwrap_err();
        (e.code.as_str(), e.path)
    };
    use serde_json::json;
    assert_eq!(refused(json!({ "class": "retryable" })), ("missing_field", "reason".into()));
    assert_eq!(refused(json!({ "class": "maybe", "reason": "ok" })), ("unknown_variant", "class".into()));
    assert_eq!(
        refused(json!({ "class": "success", "reason": "ok", "extra": 1 })),
        ("unknown_field", "extra".into())
    );
    assert_eq!(
        refused(json!({ "class": "success", "reason": "ok", "issues": ["nope"] })),
        ("unknown_variant", "issues[0]".into())
    );
    assert_eq!(
        refused(json!({ "class": "success", "reason": "ok", "retry_after": { "delay_ms": "5" } })),
        ("invalid_type", "retry_after.delay_ms".into())
    );
}

#[test]
fn profile_defaults_to_openai() {
    assert_eq!(Profile::default(), Profile::OpenAi);
    assert_eq!(Profile::from_code("azure_openai"), Some(Profile::AzureOpenAi));
}

const NAMES_CLASSIFY_READS: [&str; 4] =
    ["retry-after", "retry-after-ms", "x-should-retry", "x-ms-retry-after-ms"];

fn any_outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        any::<u16>().prop_map(Outcome::Http),
        Just(Outcome::Connect),
        Just(Outcome::TlsHandshake),
        Just(Outcome::TlsCertificate),
        Just(Outcome::Reset),
        proptest::sample::select(Phase::ALL).prop_map(Outcome::Timeout),
        Just(Outcome::StreamCut),
        Just(Outcome::Cancelled),
    ]
}

proptest! {
    #[test]
    fn classify_never_panics_and_keeps_its_invariants(
        profile in proptest::sample::select(Profile::ALL),
        outcome in any_outcome(),
        headers in proptest::collection::vec(("\\PC{0,20}", "\\PC{0,30}"), 0..6),
        error_type in proptest::option::of("\\PC{0,20}"),
        code in proptest::option::of("\\PC{0,20}"),
        wall in proptest::option::of(any::<u64>()),
    ) {
        let error = ProviderError::new(error_type.as_deref(), code.as_deref());
        let c = classify(profile, outcome, &headers, error, wall);
        prop_assert_eq!(c.class == Class::Success, c.reason == ClassReason::Ok);
        if c.class == Class::Success {
            prop_assert!(c.retry_after.is_none() && c.should_retry.is_none() && c.issues.is_empty());
        }
        if let Some(d) = c.server_delay_ms() {
            prop_assert!(d.is_finite() && d > 0.0);
        }
        // What a binding returns, it takes back: the JSON form reads back to the same JSON and
        // the same usable server delay (a non-finite delay comes back as NaN, not as itself).
        let json = serde_json::to_value(c).unwrap();
        let back: Classification = crate::document::from_value(&json).unwrap();
        prop_assert_eq!(serde_json::to_value(back).unwrap(), json);
        prop_assert_eq!(back.server_delay_ms(), c.server_delay_ms());
    }

    #[test]
    fn header_like_inputs_hit_the_parsers(
        status in 100u16..700,
        name in proptest::sample::select(&NAMES_CLASSIFY_READS),
        value in "[-+ .0-9a-zA-Z:,_]{0,30}",
    ) {
        let headers = [(name, value.as_str())];
        let c = classify(Profile::AzureOpenAi, Outcome::Http(status), &headers, ProviderError::NONE, Some(0));
        prop_assert!(serde_json::to_string(&c).is_ok());
    }
}
