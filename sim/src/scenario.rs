//! A storm scenario: arrivals, the client stack, the upstream over time, the policies compared.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use breakwater::document::de;
use breakwater::{Error, ErrorCode, Policy, Result};

/// The whole scenario document (TOML or JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A title for reports.
    pub name: String,
    /// Fixes every random draw of the run. Default 1.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// How logical requests arrive.
    pub arrivals: Arrivals,
    /// Names of the client layers, outermost first (e.g. app, gateway, sdk).
    pub layers: Vec<String>,
    /// The upstream's behaviour, phase after phase.
    pub phases: Vec<Phase>,
    /// The policies compared, each a full client stack. Default: the built-in scenario's
    /// (`naive`, `openai_sdk`, `breakwater`, over the layers app, gateway, sdk).
    #[serde(default = "standard_policies")]
    pub policies: Vec<PolicySpec>,
    /// What a caller waits for a logical request: one that completes later counts as a
    /// failure for every policy (a policy without a deadline cannot win with late answers).
    /// Default 60 s.
    #[serde(default = "default_slo", deserialize_with = "de::duration_ms")]
    pub slo_ms: u64,
}

fn standard_policies() -> Vec<PolicySpec> {
    Scenario::default_scenario().policies
}

fn default_slo() -> u64 {
    60_000
}

/// A scenario's work, bounded before it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Work {
    /// Logical requests expected over the run.
    pub logical_requests: u64,
    /// The most downstream calls all policies together could make.
    pub max_calls: u64,
}

/// The default bound of [`Scenario::check_work`], on the worst case (every attempt of every
/// layer made), not the expected work: the library's largest scenario stays under a tenth of
/// it, and its tenth, 5,000,000 logical requests, keeps the trace (32 bytes each) under 200 MB.
pub const DEFAULT_MAX_CALLS: u64 = 50_000_000;

/// The most parallel calls one logical request makes: each is a chain kept in flight until
/// the request ends, so memory grows with it, unseen by the call estimate.
pub const MAX_FAN_OUT: u32 = 1000;

/// The longest a scenario may last: its report keeps a count per second of virtual time
/// (`calls_per_second`) and per 100 ms after an outage, so a year of virtual time would hold
/// gigabytes whatever the calls. A day is far past any storm.
pub const MAX_DURATION_MS: u64 = 86_400_000;

/// The longest an answer may take: the upstream model caps its draws at an hour.
pub const MAX_LATENCY_MS: u64 = 3_600_000;

/// What a phase is, for the report's columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhaseKind {
    /// The upstream serves everything: the baseline.
    Healthy,
    /// Overloaded or failing in part.
    Degraded,
    /// Every call fails.
    Outage,
    /// Back after an outage.
    Recovery,
}

impl PhaseKind {
    /// The kind named `name` (`healthy`, `degraded`, `outage`, `recovery`).
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "healthy" => Some(Self::Healthy),
            "degraded" => Some(Self::Degraded),
            "outage" => Some(Self::Outage),
            "recovery" => Some(Self::Recovery),
            _ => None,
        }
    }
}

fn default_seed() -> u64 {
    1
}

/// Open-loop Poisson arrivals of logical requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Arrivals {
    /// Mean logical requests per second.
    #[serde(deserialize_with = "de::positive")]
    pub rate_per_s: f64,
    /// Parallel tool calls per logical request; it succeeds only if all of them do. Default 1,
    /// at most [`MAX_FAN_OUT`].
    #[serde(default = "one", deserialize_with = "de::nonzero_count")]
    #[schemars(range(min = 1, max = 1000))]
    pub fan_out: u32,
    /// Estimated tokens per call, for TPM limits. Default 1000.
    #[serde(default = "thousand")]
    pub est_tokens: u64,
    /// The keys (models, deployments) requests go to, in turn; each has its own breaker in
    /// every client. Empty (the default): one key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
}

fn one() -> u32 {
    1
}

fn thousand() -> u64 {
    1000
}

/// What the upstream does during one stretch of time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// A name for reports.
    pub name: String,
    /// `healthy`, `degraded`, `outage` or `recovery`: the report's columns are computed over
    /// the phases of each kind. Absent = read from `name` when it is one of these; an unknown
    /// kind, or a name that is none, leaves the phase out of those columns with a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// How long it lasts (all phases together: at most 24 h).
    #[serde(deserialize_with = "de::duration_ms")]
    pub duration_ms: u64,
    /// Calls the upstream accepts per second; beyond that it answers `over_capacity`.
    #[serde(deserialize_with = "de::nonzero_count")]
    pub capacity_per_s: u32,
    /// The answer to a call beyond capacity. Default `http_429` (with `Retry-After` until the next second).
    #[serde(default = "default_over_capacity")]
    pub over_capacity: String,
    /// Share of accepted calls that fail with `error_outcome` anyway. Default 0.
    #[serde(default, deserialize_with = "de::ratio")]
    pub error_rate: f64,
    /// The random failure. Default `http_500`.
    #[serde(default = "default_error")]
    pub error_outcome: String,
    /// When set, every call fails this way (a full outage), after `outage_latency_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outage: Option<String>,
    /// The keys the `outage` hits; the others are served as usual. Empty (the default): all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub down_keys: Vec<String>,
    /// How long an outage failure takes to arrive. Default 50 ms; at most an hour.
    #[serde(default = "fifty", deserialize_with = "de::duration_ms")]
    pub outage_latency_ms: u64,
    /// Median latency of an accepted call. Default 800 ms; at most an hour.
    #[serde(default = "default_median", deserialize_with = "de::duration_ms")]
    pub latency_median_ms: u64,
    /// 99th percentile latency of an accepted call (log-normal between the two, drawn no longer
    /// than an hour). Default 3000 ms; at most an hour.
    #[serde(default = "default_p99", deserialize_with = "de::duration_ms")]
    pub latency_p99_ms: u64,
}

fn default_over_capacity() -> String {
    "http_429".into()
}

fn default_error() -> String {
    "http_500".into()
}

fn fifty() -> u64 {
    50
}

fn default_median() -> u64 {
    800
}

fn default_p99() -> u64 {
    3000
}

/// One compared policy: a client policy per layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// The name in reports.
    pub name: String,
    /// One entry per layer, outermost first; as many as `layers`.
    pub layers: Vec<LayerSpec>,
}

/// The client policy of one layer: a preset or an inline policy, with an optional retry override.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LayerSpec {
    /// A built-in preset (`openai_sdk`, `conservative`, `batch_first`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// An inline policy document instead of a preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Box<Policy>>,
    /// Overrides `retry.max_retries` of the preset or policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
}

impl LayerSpec {
    /// The effective policy of this layer.
    ///
    /// # Errors
    /// Neither or both of `preset` and `policy`; an unknown preset; an invalid policy.
    pub fn resolve(&self) -> Result<Policy> {
        let mut policy = match (&self.preset, &self.policy) {
            (Some(name), None) => Policy::preset(name).map_err(|e| Error { path: "preset".into(), ..e })?,
            (None, Some(p)) => {
                p.validate().map_err(|e| e.within("policy"))?;
                (**p).clone()
            }
            _ => {
                return Err(Error::new(
                    ErrorCode::InvalidValue,
                    "",
                    "give exactly one of `preset` and `policy`",
                ))
            }
        };
        if let Some(n) = self.max_retries {
            policy.retry.max_retries = n;
        }
        Ok(policy)
    }
}

impl Phase {
    /// The phase's kind: its `kind`, or else its name's; `None` when neither is known.
    #[must_use]
    pub fn kind(&self) -> Option<PhaseKind> {
        PhaseKind::parse(self.kind.as_deref().unwrap_or(&self.name))
    }
}

/// The built-in scenario `breakwater simulate` runs without a file.
pub const DEFAULT_SCENARIO: &str = include_str!("default.toml");

/// The scenario library (`simulate --scenario NAME`, `simulate --all`): storm shapes a client
/// policy must survive, each documented in its file under `sim/scenarios/`.
pub const LIBRARY: &[(&str, &str)] = &[
    ("storm", DEFAULT_SCENARIO),
    ("brownout", include_str!("../scenarios/brownout.toml")),
    ("brownout_503", include_str!("../scenarios/brownout_503.toml")),
    ("rate_limit_crunch", include_str!("../scenarios/rate_limit_crunch.toml")),
    ("flapping", include_str!("../scenarios/flapping.toml")),
    ("latency_spike", include_str!("../scenarios/latency_spike.toml")),
    ("long_outage", include_str!("../scenarios/long_outage.toml")),
    ("slow_recovery", include_str!("../scenarios/slow_recovery.toml")),
    ("one_key_down", include_str!("../scenarios/one_key_down.toml")),
];

impl Scenario {
    /// Reads and validates a scenario from TOML.
    ///
    /// # Errors
    /// The first refusal in the text, with its path, line and column.
    pub fn from_toml(text: &str) -> Result<Self> {
        Self::check(text, true).map_err(breakwater::document::first)
    }

    /// Reads and validates a scenario from JSON.
    ///
    /// # Errors
    /// As [`Scenario::from_toml`].
    pub fn from_json(text: &str) -> Result<Self> {
        Self::check(text, false).map_err(breakwater::document::first)
    }

    /// Reads and validates a scenario from TOML (`toml`) or JSON text, reporting every refusal.
    ///
    /// # Errors
    /// Every refusal, each with its code, path, line and column (`breakwater::document::check`).
    pub fn check(text: &str, toml: bool) -> std::result::Result<Self, Vec<Error>> {
        breakwater::document::check(text, toml, Self::validate)
    }

    /// The built-in default scenario.
    ///
    /// # Panics
    /// Never: the built-in document is checked by a test.
    #[must_use]
    pub fn default_scenario() -> Self {
        Self::from_toml(DEFAULT_SCENARIO)
            .unwrap_or_else(|e| unreachable!("built-in scenario is invalid: {e}"))
    }

    /// A scenario of the [`LIBRARY`] by name.
    ///
    /// # Errors
    /// `unknown_variant` naming the library's scenarios.
    pub fn named(name: &str) -> Result<Self> {
        let (_, text) = LIBRARY.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            let names: Vec<&str> = LIBRARY.iter().map(|(n, _)| *n).collect();
            Error::new(
                ErrorCode::UnknownVariant,
                "scenario",
                format!("no scenario `{name}` in the library: {}", names.join(", ")),
            )
        })?;
        Self::from_toml(text).map_err(|e| e.within(name))
    }

    /// Checks the rules that span fields.
    ///
    /// # Errors
    /// An empty list, a layer count mismatch, an unknown outcome, an invalid layer policy.
    pub fn validate(&self) -> Result<()> {
        let nonempty = |len: usize, path: &str| {
            if len == 0 {
                Err(Error::new(ErrorCode::OutOfRange, path, format!("`{path}` needs at least one entry")))
            } else {
                Ok(())
            }
        };
        nonempty(self.layers.len(), "layers")?;
        nonempty(self.phases.len(), "phases")?;
        nonempty(self.policies.len(), "policies")?;
        if self.arrivals.fan_out > MAX_FAN_OUT {
            let message =
                format!("{} parallel calls per request; at most {MAX_FAN_OUT}", self.arrivals.fan_out);
            return Err(Error::new(ErrorCode::OutOfRange, "arrivals.fan_out", message));
        }
        if self.duration_ms() > MAX_DURATION_MS {
            let message = format!(
                "the phases last {} ms together; a scenario lasts at most {MAX_DURATION_MS} ms (24 h)",
                self.duration_ms()
            );
            return Err(Error::new(ErrorCode::OutOfRange, "phases", message));
        }
        if self.slo_ms == 0 {
            return Err(Error::new(
                ErrorCode::OutOfRange,
                "slo_ms",
                "no answer comes in 0 ms: every success would be late",
            ));
        }
        if let Some((i, k)) = self
            .arrivals
            .keys
            .iter()
            .enumerate()
            .find(|(i, k)| k.is_empty() || self.arrivals.keys[..*i].contains(k))
        {
            let what =
                if k.is_empty() { "a key needs a name".to_owned() } else { format!("`{k}` is listed twice") };
            return Err(Error::new(ErrorCode::InvalidValue, format!("arrivals.keys[{i}]"), what));
        }
        for (i, phase) in self.phases.iter().enumerate() {
            let at = |field: &str| format!("phases[{i}].{field}");
            // The upstream's failures: a 2xx there would count the storm as served.
            let outcome =
                |field: &str, code: &str| match breakwater::transport::classify::Outcome::parse(code) {
                    Ok(breakwater::transport::classify::Outcome::Http(200..=299)) => Err(Error::new(
                        ErrorCode::InvalidValue,
                        at(field),
                        format!("`{code}` is a success; this field names how a call fails"),
                    )),
                    Ok(_) => Ok(()),
                    Err(e) => Err(Error { path: at(field), ..e }),
                };
            outcome("over_capacity", &phase.over_capacity)?;
            outcome("error_outcome", &phase.error_outcome)?;
            if let Some(o) = &phase.outage {
                outcome("outage", o)?;
            }
            if !phase.down_keys.is_empty() && phase.outage.is_none() {
                return Err(Error::new(
                    ErrorCode::InvalidValue,
                    at("down_keys"),
                    "`down_keys` needs an `outage`",
                ));
            }
            if let Some(k) = phase.down_keys.iter().find(|k| !self.arrivals.keys.contains(k)) {
                return Err(Error::new(
                    ErrorCode::InvalidValue,
                    at("down_keys"),
                    format!("`{k}` is not one of `arrivals.keys`"),
                ));
            }
            for (field, ms) in [
                ("latency_median_ms", phase.latency_median_ms),
                ("latency_p99_ms", phase.latency_p99_ms),
                ("outage_latency_ms", phase.outage_latency_ms),
            ] {
                if ms > MAX_LATENCY_MS {
                    let message = format!("{ms} ms; an answer takes at most {MAX_LATENCY_MS} ms (1 h) here");
                    return Err(Error::new(ErrorCode::OutOfRange, at(field), message));
                }
            }
            if phase.latency_p99_ms < phase.latency_median_ms {
                return Err(Error::new(
                    ErrorCode::OutOfRange,
                    at("latency_p99_ms"),
                    "the p99 is below the median",
                ));
            }
        }
        for (i, p) in self.policies.iter().enumerate() {
            if p.layers.len() != self.layers.len() {
                return Err(Error::new(
                    ErrorCode::InvalidValue,
                    format!("policies[{i}].layers"),
                    format!("{} layers given, the scenario has {}", p.layers.len(), self.layers.len()),
                ));
            }
            for (j, layer) in p.layers.iter().enumerate() {
                layer.resolve().map_err(|e| e.within(&format!("policies[{i}].layers[{j}]")))?;
            }
        }
        // Last, these two: the reading takes a refused field out (an `outage` it could not
        // read, a negative duration read as 0) and reads again, reporting the others first.
        for (i, phase) in self.phases.iter().enumerate() {
            let at = |field: &str| format!("phases[{i}].{field}");
            // The report judges a phase by its kind: an outage must fail, a healthy phase must not.
            match (phase.kind(), &phase.outage) {
                (Some(PhaseKind::Outage), None) => {
                    return Err(Error::new(
                        ErrorCode::InvalidValue,
                        at("outage"),
                        "an `outage` phase needs `outage`, the outcome of its failed calls",
                    ))
                }
                (Some(PhaseKind::Healthy), Some(_)) => {
                    return Err(Error::new(
                        ErrorCode::InvalidValue,
                        at("outage"),
                        "a `healthy` phase is the baseline: it has no `outage`",
                    ))
                }
                _ => {}
            }
        }
        if self.duration_ms() == 0 {
            return Err(Error::new(
                ErrorCode::OutOfRange,
                "phases",
                "the phases last 0 ms together: nothing would run",
            ));
        }
        Ok(())
    }

    /// When each phase starts, in ms from the start of the run.
    #[must_use]
    pub fn phase_starts(&self) -> Vec<u64> {
        let mut t = 0u64;
        self.phases
            .iter()
            .map(|p| {
                let start = t;
                t = t.saturating_add(p.duration_ms);
                start
            })
            .collect()
    }

    /// An upper bound on the work of a run, before it starts: the logical requests expected
    /// (rate × duration, each kept until the report) and the most calls every policy could make
    /// (each layer's attempts multiplied, times the fan-out).
    ///
    /// # Errors
    /// A layer policy that does not resolve.
    pub fn estimate(&self) -> Result<Work> {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let logical = (self.arrivals.rate_per_s * self.duration_ms() as f64 / 1000.0).ceil() as u64;
        let mut calls = 0u64;
        for spec in &self.policies {
            let mut attempts = u64::from(self.arrivals.fan_out);
            for layer in &spec.layers {
                attempts = attempts.saturating_mul(u64::from(layer.resolve()?.retry.max_retries) + 1);
            }
            calls = calls.saturating_add(logical.saturating_mul(attempts));
        }
        Ok(Work { logical_requests: logical, max_calls: calls })
    }

    /// Refuses a scenario whose [`Scenario::estimate`] passes `max_calls`.
    ///
    /// # Errors
    /// `limit_exceeded`, with the estimate and how to raise the limit.
    pub fn check_work(&self, max_calls: u64) -> Result<Work> {
        let work = self.estimate()?;
        if work.max_calls > max_calls || work.logical_requests > max_calls / 10 {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                "arrivals",
                format!(
                    "the scenario could make up to {} calls for {} logical requests; the limit is {max_calls} calls \
                     and {} logical requests (check `rate_per_s`, `fan_out` and the phases' durations, or raise the \
                     limit with --max-calls)",
                    work.max_calls,
                    work.logical_requests,
                    max_calls / 10
                ),
            ));
        }
        Ok(work)
    }

    /// What the report cannot count as the scenario says: phases of an unknown kind.
    #[must_use]
    pub fn warnings(&self) -> Vec<String> {
        self.phases
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind().is_none())
            .map(|(i, p)| match &p.kind {
                Some(kind) => format!(
                    "phases[{i}] ({}): unknown kind `{kind}` (healthy, degraded, outage, recovery); it counts in no column",
                    p.name
                ),
                None => format!(
                    "phases[{i}] ({}): no `kind`, and the name is not one; it counts in no column",
                    p.name
                ),
            })
            .collect()
    }

    /// The total length of the arrival period.
    #[must_use]
    pub fn duration_ms(&self) -> u64 {
        self.phases.iter().fold(0u64, |t, p| t.saturating_add(p.duration_ms))
    }
}
