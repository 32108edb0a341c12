//! The policy document of one client.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::document::{de, first, from_value};
use crate::error::{Error, ErrorCode, Result};
use crate::transport::breaker::BreakerConfig;
use crate::transport::classify::Profile;
use crate::transport::client::HeadersConfig;
use crate::transport::deadline::DeadlineConfig;
use crate::transport::error_budget::ErrorBudgetConfig;
use crate::transport::idempotency::IdempotencyConfig;
use crate::transport::ratelimit::RateLimitConfig;
use crate::transport::retry::RetryConfig;
use crate::transport::retry_budget::RetryBudgetConfig;

/// The transport policy of one client: every knob, each with a documented default.
///
/// Read it with [`Policy::from_json`], [`Policy::from_toml`] or
/// [`Policy::preset`]; all of them validate, so a `Policy` you hold is usable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(description = "The transport policy of one client: every knob, each with a documented default.")]
pub struct Policy {
    /// How results are classified. Default `openai`.
    pub profile: Profile,
    /// Retry rules of this layer.
    pub retry: RetryConfig,
    /// Total deadline and per-phase attempt limits. Default: none.
    pub deadline: DeadlineConfig,
    /// The retry budget shared by all requests of the client.
    pub retry_budget: RetryBudgetConfig,
    /// The circuit breaker, one per key (model, endpoint).
    pub breaker: BreakerConfig,
    /// How long a request may wait, making no call, for its key's open breaker to let probes
    /// through, or for a half-open probe slot (polled at the backoff's base), counted from the
    /// first refusal since its last attempt. Default 0: fail at once,
    /// as resilience4j's `CallNotPermittedException`. A wait lets a request that arrives during
    /// a short outage succeed after it, while the upstream sees only the breaker's probes; the
    /// cap keeps a long outage from gathering a backlog that would flood a partial recovery.
    #[serde(deserialize_with = "de::duration_ms")]
    pub breaker_wait_ms: u64,
    /// How many per-key breakers are kept; the least recently used closed one is evicted. Default 1024.
    #[serde(deserialize_with = "de::nonzero_count")]
    pub breaker_keys: u32,
    /// Client-side RPM/TPM limits. Default: off.
    pub rate_limit: RateLimitConfig,
    /// Idempotency keys.
    pub idempotency: IdempotencyConfig,
    /// Which headers each attempt carries (idempotency key, the OpenAI SDKs' retry count and timeout).
    pub headers: HeadersConfig,
    /// Error budget; when set, it can cut retries while it burns. Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_budget: Option<ErrorBudgetConfig>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            profile: Profile::default(),
            retry: RetryConfig::default(),
            deadline: DeadlineConfig::default(),
            retry_budget: RetryBudgetConfig::default(),
            breaker: BreakerConfig::default(),
            breaker_wait_ms: 0,
            breaker_keys: 1024,
            rate_limit: RateLimitConfig::default(),
            idempotency: IdempotencyConfig::default(),
            headers: HeadersConfig::default(),
            error_budget: None,
        }
    }
}

/// The built-in presets, by name.
pub const PRESETS: &[(&str, &str)] = &[
    ("openai_sdk", include_str!("presets/openai_sdk.toml")),
    ("conservative", include_str!("presets/conservative.toml")),
    ("batch_first", include_str!("presets/batch_first.toml")),
];

impl Policy {
    /// Reads and validates a policy from JSON text.
    ///
    /// # Errors
    /// The first refusal in the text, with its code, path, line and column.
    pub fn from_json(text: &str) -> Result<Self> {
        Self::check(text, false).map_err(first)
    }

    /// Reads and validates a policy from TOML text.
    ///
    /// # Errors
    /// As [`Policy::from_json`].
    pub fn from_toml(text: &str) -> Result<Self> {
        Self::check(text, true).map_err(first)
    }

    /// Reads and validates a policy from TOML (`toml`) or JSON text, reporting every refusal.
    ///
    /// # Errors
    /// Every refusal, each with its code, path, line and column ([`crate::document::check`]).
    pub fn check(text: &str, toml: bool) -> std::result::Result<Self, Vec<Error>> {
        crate::document::check(text, toml, Self::validate)
    }

    /// Reads and validates a policy from a parsed JSON value (a dict from a binding).
    ///
    /// # Errors
    /// As [`Policy::from_json`], without line numbers.
    pub fn from_value(value: &serde_json::Value) -> Result<Self> {
        let p: Self = from_value(value)?;
        p.validate()?;
        Ok(p)
    }

    /// A built-in preset: `openai_sdk`, `conservative` or `batch_first`.
    ///
    /// # Errors
    /// `unknown_variant` for any other name.
    pub fn preset(name: &str) -> Result<Self> {
        let text = PRESETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t).ok_or_else(|| {
            let names: Vec<_> = PRESETS.iter().map(|(n, _)| *n).collect();
            Error::new(
                ErrorCode::UnknownVariant,
                "preset",
                format!("unknown preset `{name}`, expected one of {}", names.join(", ")),
            )
        })?;
        Self::from_toml(text).map_err(|e| e.within(&format!("preset:{name}")))
    }

    /// Checks the rules that span fields, in every section.
    ///
    /// # Errors
    /// The first broken rule, with the path from the document root.
    pub fn validate(&self) -> Result<()> {
        self.retry.validate().map_err(|e| e.within("retry"))?;
        self.deadline.validate().map_err(|e| e.within("deadline"))?;
        self.retry_budget.validate().map_err(|e| e.within("retry_budget"))?;
        self.breaker.validate().map_err(|e| e.within("breaker"))?;
        self.rate_limit.validate().map_err(|e| e.within("rate_limit"))?;
        self.idempotency.validate().map_err(|e| e.within("idempotency"))?;
        if let Some(error_budget) = &self.error_budget {
            error_budget.validate().map_err(|e| e.within("error_budget"))?;
        }
        Ok(())
    }

    /// The JSON Schema (draft 2020-12) of the policy document.
    #[must_use]
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Policy)).unwrap_or_default()
    }
}
