//! Outcome classification: what an attempt's result means for retrying.
//!
//! (interface fixed by the skeleton; implementation in progress)

use serde::{Deserialize, Serialize};

stable_codes! {
    /// What kind of result an attempt had, for the purposes of retrying and health.
    pub enum Class {
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
