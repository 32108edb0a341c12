//! Batch API planning: split request JSONL into provider-legal batch files, bound the cost,
//! route the results into buckets, and replay the retryable ones, losing nothing.
//!
//! The core reads no file. The host streams lines in and acts on what comes back:
//!
//! ```text
//! plan    Planner::push(line)   -> Planned { file, opened, closed } | Deferred | Rejected | Blank
//!         Planner::finish()     -> Manifest (files, custom_id -> file, rejected, deferred, cost)
//! route   Router::push(source, line) -> Routed { custom_id, bucket, reason } | RouteIssue
//!         Router::finish()      -> RouteReport (counts, missing ids, actual usage and cost)
//! replay  Replay::push(line)    -> the line's Placement in the next round, or None (not retried)
//!         Replay::finish()      -> the next Manifest and its ledger (attempts, history)
//! ```
//!
//! Every input id ends in exactly one place: a batch file, `rejected` or `deferred` after a
//! plan; `succeeded`, `retry`, `permanent`, `quarantined` or `missing` after a route. The
//! property tests in `core/tests/batch_conservation.rs` check it across rounds.
//!
//! Facts (limits, formats, error codes) are from the providers' SDKs and documents; each is
//! cited where it is used. `docs/batch.md` is the user's guide.

mod cost;
mod ids;
mod plan;
mod replay;
mod request;
mod route;

pub use cost::{ModelPrice, PriceTable, Usage};
pub use plan::{
    DeferReason, Deferred, FileSummary, Manifest, Placement, PlanTotals, Planner, WarningCode, WarningCount,
    MANIFEST_FORMAT,
};
pub use replay::{HistoryEntry, LedgerEntry, Replay, ReplayOutcome};
pub use request::{LineCode, Rejection, Request};
pub use route::{
    Bucket, ResultReason, RouteConfig, RouteIssue, RouteIssueCode, RouteReason, RouteReport, Routed, Router,
    Source,
};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The maps keyed by custom_id: a million ids are hashed once per line, and SipHash was a
/// measurable share of `batch plan`; the keys are the user's own ids, not an attacker's.
pub(crate) type IdMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// FxHash's multiply-and-rotate per word (rustc), with MurmurHash3's finalizer: Fx alone
/// leaves the low bits of ids that differ in their last characters (`req-00001234`) clustered,
/// and the table probed long chains.
#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut mix = |word: u64| self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            mix(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let rest = chunks.remainder();
        let mut tail = [0u8; 8];
        tail[..rest.len()].copy_from_slice(rest);
        // The length keeps `ab` and `ab\0` apart.
        mix(u64::from_le_bytes(tail) ^ ((bytes.len() as u64) << 56));
    }

    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

stable_codes! {
    /// Whose batch format and limits a plan follows.
    #[derive(Default)]
    pub enum Provider {
        /// OpenAI Batch API: `{custom_id, method, url, body}` lines, 50,000 requests and 200 MB
        /// per file, one model and one endpoint per file.
        #[default]
        OpenAi = "openai",
        /// Anthropic Message Batches: `{custom_id, params}` requests, 100,000 requests or 256 MB.
        Anthropic = "anthropic",
        /// Azure OpenAI global batch: the OpenAI format, 100,000 requests and 200 MB per file.
        AzureOpenAi = "azure_openai",
    }
}

stable_codes! {
    /// What a plan does with an invalid line.
    #[derive(Default)]
    pub enum OnInvalid {
        /// Stop at the first invalid line with an error naming it (line, field, code).
        #[default]
        Stop = "stop",
        /// Plan the valid lines; list every rejected one in the manifest.
        Skip = "skip",
    }
}

/// The hard limits of one provider's batch files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "BatchLimits")]
pub struct Limits {
    /// Requests per file.
    pub max_requests: u32,
    /// Bytes per file, newlines included.
    pub max_bytes: u64,
    /// Embedding inputs per embeddings file (OpenAI), summed over its requests.
    pub max_embedding_inputs: Option<u32>,
}

impl Provider {
    /// The provider's published limits.
    #[must_use]
    pub const fn limits(self) -> Limits {
        match self {
            // openai-python `batch_create_params.py`: "up to 50,000 requests, and can be up to
            // 200 MB"; "/v1/embeddings batches are also restricted to a maximum of 50,000
            // embedding inputs across all requests in the batch".
            Self::OpenAi => {
                Limits { max_requests: 50_000, max_bytes: 200 * MB, max_embedding_inputs: Some(50_000) }
            }
            // platform.claude.com batch-processing: "either 100,000 Message requests or 256 MB
            // in size, whichever is reached first".
            Self::Anthropic => {
                Limits { max_requests: 100_000, max_bytes: 256 * MB, max_embedding_inputs: None }
            }
            // MicrosoftDocs azure-ai-docs `global-batch-limits.md`: 100,000 requests per file,
            // 200 MB per input file.
            Self::AzureOpenAi => {
                Limits { max_requests: 100_000, max_bytes: 200 * MB, max_embedding_inputs: None }
            }
        }
    }

    /// The endpoints a line's `url` may name (Anthropic requests have one: `/v1/messages`).
    #[must_use]
    pub fn endpoints(self) -> &'static [&'static str] {
        match self {
            // openai-python `batch_create_params.py` `endpoint`.
            Self::OpenAi => &[
                "/v1/responses",
                "/v1/chat/completions",
                "/v1/embeddings",
                "/v1/completions",
                "/v1/moderations",
                "/v1/images/generations",
                "/v1/images/edits",
                "/v1/videos",
            ],
            Self::Anthropic => &[ANTHROPIC_ENDPOINT],
            // learn.microsoft.com azure openai how-to/batch: lines use `/chat/completions`;
            // the `/v1/...` forms of the v1 API are accepted as well.
            Self::AzureOpenAi => &[
                "/chat/completions",
                "/responses",
                "/embeddings",
                "/v1/chat/completions",
                "/v1/responses",
                "/v1/embeddings",
            ],
        }
    }
}

const MB: u64 = 1_000_000;
/// The one endpoint of an Anthropic Message Batch.
pub const ANTHROPIC_ENDPOINT: &str = "/v1/messages";

/// How a plan is made. Every key is optional; the defaults are the provider's limits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PlanConfig {
    /// Whose format and limits: `openai`, `anthropic`, `azure_openai`.
    pub provider: Provider,
    /// `stop` at the first invalid line, or `skip` it and list it in the manifest.
    pub on_invalid: OnInvalid,
    /// Requests per file, at most the provider's limit.
    pub max_requests_per_file: Option<u32>,
    /// Bytes per file, at most the provider's limit.
    pub max_bytes_per_file: Option<u64>,
    /// Embedding inputs per embeddings file, at most the provider's limit.
    pub max_embedding_inputs_per_file: Option<u32>,
    /// Enqueued prompt tokens per model (the batch queue limit of the account's usage tier):
    /// no file exceeds it, and files are grouped into `wave`s that each fit it. A model not
    /// named here uses `default_enqueued_tokens`; neither = no limit.
    pub enqueued_tokens: BTreeMap<String, u64>,
    /// The enqueued-token limit for models not in `enqueued_tokens`.
    pub default_enqueued_tokens: Option<u64>,
    /// Allowed `url`s, replacing the provider's list.
    pub endpoints: Option<Vec<String>>,
    /// The longest `custom_id`, in bytes. 64: the length a third-party guide gives for OpenAI
    /// (unverified upstream; raise it if your account accepts longer ids).
    pub max_custom_id_len: u32,
    /// Characters per token for the estimate when the host gives no count (ASCII characters;
    /// any other counts as four: a token at the default 4).
    pub chars_per_token: f64,
    /// Output tokens assumed for a request without `max_tokens` / `max_completion_tokens` /
    /// `max_output_tokens` (each such request is counted in the warning `output_uncapped`).
    pub default_output_tokens: u64,
    /// The cost cap, in USD of estimated batch cost: the plan stops at it and defers the rest.
    pub max_cost_usd: Option<f64>,
    /// Attempts a request gets (the first included) before a retryable failure is quarantined.
    pub max_attempts: u32,
    /// Batch file names: `{prefix}-{n:04}.jsonl`.
    pub file_prefix: String,
}

impl Default for PlanConfig {
    fn default() -> Self {
        Self {
            provider: Provider::OpenAi,
            on_invalid: OnInvalid::Stop,
            max_requests_per_file: None,
            max_bytes_per_file: None,
            max_embedding_inputs_per_file: None,
            enqueued_tokens: BTreeMap::new(),
            default_enqueued_tokens: None,
            endpoints: None,
            max_custom_id_len: 64,
            chars_per_token: 4.0,
            default_output_tokens: 4096,
            max_cost_usd: None,
            max_attempts: 3,
            file_prefix: "batch".to_owned(),
        }
    }
}

impl PlanConfig {
    /// The limits this plan keeps: the provider's, lowered where the config asks.
    pub fn limits(&self) -> crate::Result<Limits> {
        let mut limits = self.provider.limits();
        let lower = |name: &str, asked: Option<u64>, max: u64| -> crate::Result<u64> {
            match asked {
                None => Ok(max),
                Some(0) => Err(crate::Error::new(
                    crate::ErrorCode::OutOfRange,
                    name,
                    format!("{name} must be at least 1"),
                )),
                Some(n) if n > max => Err(crate::Error::new(
                    crate::ErrorCode::OutOfRange,
                    name,
                    format!("{name} is {n}, above the provider's limit of {max}"),
                )),
                Some(n) => Ok(n),
            }
        };
        limits.max_requests = lower(
            "max_requests_per_file",
            self.max_requests_per_file.map(u64::from),
            u64::from(limits.max_requests),
        )? as u32;
        limits.max_bytes = lower("max_bytes_per_file", self.max_bytes_per_file, limits.max_bytes)?;
        if let Some(max) = limits.max_embedding_inputs {
            limits.max_embedding_inputs = Some(lower(
                "max_embedding_inputs_per_file",
                self.max_embedding_inputs_per_file.map(u64::from),
                u64::from(max),
            )? as u32);
        }
        Ok(limits)
    }

    /// Checks the values no type can: positive ratios, a usable prefix, a finite cap.
    pub fn check(&self) -> crate::Result<()> {
        use crate::{Error, ErrorCode};
        self.limits()?;
        if !(self.chars_per_token.is_finite() && self.chars_per_token > 0.0) {
            return Err(Error::new(
                ErrorCode::OutOfRange,
                "chars_per_token",
                "chars_per_token must be a finite number above 0",
            ));
        }
        if let Some(cap) = self.max_cost_usd {
            if !(cap.is_finite() && cap >= 0.0) {
                return Err(Error::new(
                    ErrorCode::OutOfRange,
                    "max_cost_usd",
                    "max_cost_usd must be a finite number ≥ 0",
                ));
            }
        }
        if self.max_attempts == 0 {
            return Err(Error::new(ErrorCode::OutOfRange, "max_attempts", "max_attempts must be at least 1"));
        }
        if self.max_custom_id_len == 0 {
            return Err(Error::new(
                ErrorCode::OutOfRange,
                "max_custom_id_len",
                "max_custom_id_len must be at least 1",
            ));
        }
        let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if self.file_prefix.is_empty()
            || !self.file_prefix.chars().all(safe)
            || self.file_prefix.starts_with('.')
        {
            return Err(Error::new(
                ErrorCode::InvalidValue,
                "file_prefix",
                "file_prefix must be a non-empty file name of letters, digits, '-', '_' and '.'",
            ));
        }
        Ok(())
    }

    /// The enqueued-token limit of `model`'s queue ([`PlanConfig::queue`]), if any.
    #[must_use]
    pub fn enqueued_limit(&self, model: &str) -> Option<u64> {
        self.enqueued_tokens.get(self.queue(model)).copied().or(self.default_enqueued_tokens)
    }

    /// The queue whose enqueued-token limit `model`'s requests count against: a dated
    /// snapshot (`gpt-4o-mini-2024-07-18`) shares its model's, as it shares its price, unless
    /// the snapshot has a limit of its own in `enqueued_tokens`.
    #[must_use]
    pub fn queue<'m>(&self, model: &'m str) -> &'m str {
        if self.enqueued_tokens.contains_key(model) {
            return model;
        }
        cost::undated(model).unwrap_or(model)
    }
}

#[cfg(test)]
mod tests;
