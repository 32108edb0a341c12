//! Error budget and burn-rate alerts: how fast failures spend the SLO's budget.
//!
//! With a target of 99.9 %, one request in a thousand may fail: that is the
//! error budget. The burn rate of a window is its error ratio divided by that
//! budget share (1 means the budget lasts exactly the period; 14.4 over an hour
//! spends 2 % of a 30-day budget). Alerts follow the SRE Workbook's
//! multiwindow, multi-burn-rate scheme: a pair fires when both its long and its
//! short window burn faster than its threshold (the long window proves the burn
//! is significant, the short one that it is still happening), pairs are ORed.
//!
//! Counts live in a ring of `period / resolution` buckets allocated once; a
//! window is the `ceil(window / resolution)` buckets ending with the one that
//! holds `now`, so windows are bucket-aligned (accurate to one resolution).
//! Reads touch at most that many buckets. Ratios are taken in integers with the
//! budget in parts per billion, so a 2 % error rate at 99.9 % burns exactly 20.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Error, ErrorCode, Result};

const MINUTE_MS: u64 = 60_000;
const HOUR_MS: u64 = 60 * MINUTE_MS;
const DAY_MS: u64 = 24 * HOUR_MS;
/// Parts per billion: the resolution of the target (99.9 % is 999 000 000).
const PPB: u64 = 1_000_000_000;
/// At most 2^20 buckets (8 MiB of counters): 30 days at a 2.5 s resolution.
const MAX_BUCKETS: u64 = 1 << 20;

stable_codes! {
    /// How urgent an alert is.
    pub enum Severity {
        /// Wake someone up: the budget is burning fast.
        Page = "page",
        /// Look at it during working hours.
        Ticket = "ticket",
    }
}

/// One multiwindow alert: fires when both windows burn faster than `burn_rate`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertPair {
    /// How urgent it is.
    pub severity: Severity,
    /// The long window in ms: proves the burn is significant. At most `period_ms`.
    #[serde(deserialize_with = "crate::document::de::duration_ms")]
    pub long_window_ms: u64,
    /// The short window in ms: proves the burn is still going on. At most `long_window_ms`.
    #[serde(deserialize_with = "crate::document::de::duration_ms")]
    pub short_window_ms: u64,
    /// The threshold both windows must exceed, > 0.
    #[serde(deserialize_with = "crate::document::de::positive")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub burn_rate: f64,
}

/// An SLO over a rolling period, with its alerting rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorBudgetConfig {
    /// Share of requests that must be good, in [0, 1) (default 0.999); resolved to parts per billion.
    #[serde(default = "default_target", deserialize_with = "crate::document::de::ratio")]
    #[schemars(range(min = 0), extend("exclusiveMaximum" = 1))]
    pub target: f64,
    /// The rolling period the budget covers (default 30 days).
    #[serde(default = "default_period_ms", deserialize_with = "crate::document::de::duration_ms")]
    pub period_ms: u64,
    /// Bucket size, >= 1 ms (default 60 000: one minute); `period_ms / resolution_ms` buckets at most 2^20.
    #[serde(default = "default_resolution_ms", deserialize_with = "crate::document::de::duration_ms")]
    #[schemars(range(min = 1))]
    pub resolution_ms: u64,
    /// Alerting pairs (default: the SRE Workbook table for a 30-day SLO).
    #[serde(default = "default_alerts")]
    pub alerts: Vec<AlertPair>,
    /// Cut retries while both windows of the fastest-burning pair (highest threshold)
    /// burn faster than this (default absent: never cut). Retries spend budget twice
    /// when the upstream is failing; this stops that once the burn is serious.
    #[serde(default, deserialize_with = "opt_positive", skip_serializing_if = "Option::is_none")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub cut_retries_at_burn_rate: Option<f64>,
}

fn opt_positive<'de, D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Option<f64>, D::Error> {
    crate::document::de::positive(d).map(Some)
}
fn default_target() -> f64 {
    0.999
}
fn default_period_ms() -> u64 {
    30 * DAY_MS
}
fn default_resolution_ms() -> u64 {
    MINUTE_MS
}

/// SRE Workbook, "Alerting on SLOs", Table 5-8 (sre.google/workbook/alerting-on-slos; as in
/// slok/sloth `google-30d.yaml`): 2 % of the budget in 1 h, 5 % in 6 h, 10 % in 3 d, each with
/// a short window of 1/12 of the long one.
fn default_alerts() -> Vec<AlertPair> {
    let pair = |severity, long_window_ms, short_window_ms, burn_rate| AlertPair {
        severity,
        long_window_ms,
        short_window_ms,
        burn_rate,
    };
    vec![
        pair(Severity::Page, HOUR_MS, 5 * MINUTE_MS, 14.4),
        pair(Severity::Page, 6 * HOUR_MS, 30 * MINUTE_MS, 6.0),
        pair(Severity::Ticket, 3 * DAY_MS, 6 * HOUR_MS, 1.0),
    ]
}

impl Default for ErrorBudgetConfig {
    fn default() -> Self {
        Self {
            target: default_target(),
            period_ms: default_period_ms(),
            resolution_ms: default_resolution_ms(),
            alerts: default_alerts(),
            cut_retries_at_burn_rate: None,
        }
    }
}

/// `target` in parts per billion, rounded (0.999 is 999 000 000 despite its binary form).
fn target_ppb(target: f64) -> u64 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let ppb = (target.clamp(0.0, 1.0) * 1e9).round() as u64;
    ppb.min(PPB)
}

impl ErrorBudgetConfig {
    /// Checks the cross-field rules; paths are relative to this struct.
    ///
    /// # Errors
    /// `out_of_range` for a target that leaves no budget, a zero resolution, a period shorter
    /// than the resolution or with too many buckets, and windows that are zero, longer than
    /// the period, or a short window longer than its long one; `invalid_value` for a retry cut
    /// without any alert pair to measure it on.
    pub fn validate(&self) -> Result<()> {
        if !self.target.is_finite() || target_ppb(self.target) >= PPB {
            return Err(range(
                "target",
                format!("{} leaves no error budget; it must be below 1", self.target),
            ));
        }
        if self.resolution_ms == 0 {
            return Err(range("resolution_ms", "the bucket size must be at least 1 ms"));
        }
        if self.period_ms < self.resolution_ms {
            return Err(range("period_ms", "the period must be at least one resolution long"));
        }
        if self.period_ms.div_ceil(self.resolution_ms) > MAX_BUCKETS {
            return Err(range(
                "resolution_ms",
                format!("period_ms / resolution_ms must be at most {MAX_BUCKETS} buckets"),
            ));
        }
        for (i, a) in self.alerts.iter().enumerate() {
            let at = |field: &str| format!("alerts[{i}].{field}");
            if a.long_window_ms == 0 || a.long_window_ms > self.period_ms {
                return Err(range(&at("long_window_ms"), "a window must be in [1 ms, period_ms]"));
            }
            if a.short_window_ms == 0 || a.short_window_ms > a.long_window_ms {
                return Err(range(
                    &at("short_window_ms"),
                    "the short window must be in [1 ms, long_window_ms]",
                ));
            }
            if !(a.burn_rate.is_finite() && a.burn_rate > 0.0) {
                return Err(range(&at("burn_rate"), "a burn rate threshold must be greater than 0"));
            }
        }
        if let Some(cut) = self.cut_retries_at_burn_rate {
            if !(cut.is_finite() && cut > 0.0) {
                return Err(range("cut_retries_at_burn_rate", "must be greater than 0"));
            }
            if self.alerts.is_empty() {
                return Err(Error::new(
                    ErrorCode::InvalidValue,
                    "cut_retries_at_burn_rate",
                    "cutting retries needs at least one alert pair to measure the burn on",
                ));
            }
        }
        Ok(())
    }
}

fn range(path: &str, message: impl Into<String>) -> Error {
    Error::new(ErrorCode::OutOfRange, path, message)
}

/// A firing alert pair, with the burn rates that made it fire.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub struct Alert {
    /// How urgent it is.
    pub severity: Severity,
    /// The pair's long window.
    pub long_window_ms: u64,
    /// The pair's short window.
    pub short_window_ms: u64,
    /// The pair's threshold.
    pub threshold: f64,
    /// The burn rate over the long window (above the threshold).
    pub long_burn_rate: f64,
    /// The burn rate over the short window (above the threshold).
    pub short_burn_rate: f64,
}

stable_codes! {
    /// Why the SLO lets retries through or cuts them.
    pub enum ErrorBudgetReason {
        /// No `cut_retries_at_burn_rate` configured: retries are never cut.
        NotConfigured = "not_configured",
        /// A window of the fastest pair has no traffic: nothing to judge by.
        NoTraffic = "no_traffic",
        /// The burn is at or below the cut threshold in at least one window.
        WithinBudget = "within_budget",
        /// Both windows of the fastest pair burn faster than the cut threshold.
        BudgetBurning = "budget_burning",
    }
}

/// The answer of [`ErrorBudget::retries_allowed`].
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub struct ErrorBudgetDecision {
    /// Whether retries may be sent.
    pub allowed: bool,
    /// Why.
    pub reason: ErrorBudgetReason,
    /// The lower of the fastest pair's two burn rates (retries are cut when it exceeds
    /// the threshold); absent when not configured or without traffic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burn_rate: Option<f64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Slot {
    good: u32,
    bad: u32,
}

/// Rolling good/bad counts over the SLO period, with burn rates and alerts.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorBudget {
    config: ErrorBudgetConfig,
    budget_ppb: u64,
    slots: Vec<Slot>,
    /// Index (`now / resolution`) of the newest bucket; the ring holds `(head - len, head]`.
    head: Option<u64>,
}

impl ErrorBudget {
    /// An empty budget; allocates `period / resolution` buckets once.
    ///
    /// # Errors
    /// As [`ErrorBudgetConfig::validate`].
    pub fn new(config: ErrorBudgetConfig) -> Result<Self> {
        config.validate()?;
        let buckets = config.period_ms.div_ceil(config.resolution_ms);
        let len = usize::try_from(buckets).map_err(|_| range("resolution_ms", "too many buckets"))?;
        Ok(Self {
            budget_ppb: PPB - target_ppb(config.target),
            config,
            slots: vec![Slot::default(); len],
            head: None,
        })
    }

    /// The config this budget was built from.
    #[must_use]
    pub fn config(&self) -> &ErrorBudgetConfig {
        &self.config
    }

    /// Records one request: `good` when it met the SLO. Which outcomes are good is the
    /// SLO's definition, not the core's (an availability SLO may count a 400 as good, a
    /// latency SLO a slow success as bad), so the host decides.
    pub fn record(&mut self, now_ms: u64, good: bool) {
        self.record_counts(now_ms, u64::from(good), u64::from(!good));
    }

    /// Records many requests at once (a batch, or a tally from another process). Counts
    /// saturate at `u32::MAX` per bucket. A time older than the whole period is dropped;
    /// an earlier time within it is added to its own bucket.
    pub fn record_counts(&mut self, now_ms: u64, good: u64, bad: u64) {
        let bucket = now_ms / self.config.resolution_ms;
        let len = self.len();
        match self.head {
            Some(head) if bucket > head => {
                // Clear the buckets skipped since `head`; a gap longer than the ring clears it all.
                if bucket - head >= len {
                    self.slots.fill(Slot::default());
                } else {
                    for b in head + 1..=bucket {
                        let i = self.index(b);
                        self.slots[i] = Slot::default();
                    }
                }
                self.head = Some(bucket);
            }
            Some(head) if bucket.saturating_add(len) <= head => return,
            Some(_) => {}
            None => self.head = Some(bucket),
        }
        let i = self.index(bucket);
        let slot = &mut self.slots[i];
        slot.good = slot.good.saturating_add(u32::try_from(good).unwrap_or(u32::MAX));
        slot.bad = slot.bad.saturating_add(u32::try_from(bad).unwrap_or(u32::MAX));
    }

    /// The burn rate over the last `window_ms` (error ratio / (1 - target)); `None` without
    /// traffic in the window. A window longer than the period is read as the period.
    #[must_use]
    pub fn burn_rate(&self, now_ms: u64, window_ms: u64) -> Option<f64> {
        let (good, bad) = self.sum(now_ms, window_ms);
        self.ratio_of_budget(good, bad)
    }

    /// The pairs firing at `now_ms`, in config order, each with both burn rates.
    #[must_use]
    pub fn alerts(&self, now_ms: u64) -> Vec<Alert> {
        self.config
            .alerts
            .iter()
            .filter_map(|pair| {
                let long = self.burn_rate(now_ms, pair.long_window_ms)?;
                let short = self.burn_rate(now_ms, pair.short_window_ms)?;
                (long > pair.burn_rate && short > pair.burn_rate).then_some(Alert {
                    severity: pair.severity,
                    long_window_ms: pair.long_window_ms,
                    short_window_ms: pair.short_window_ms,
                    threshold: pair.burn_rate,
                    long_burn_rate: long,
                    short_burn_rate: short,
                })
            })
            .collect()
    }

    /// The share of the period's error budget left: 1 untouched (or no traffic), 0 spent,
    /// negative overspent (-1 means twice the budget failed).
    #[must_use]
    pub fn budget_remaining(&self, now_ms: u64) -> f64 {
        let (good, bad) = self.sum(now_ms, self.config.period_ms);
        self.ratio_of_budget(good, bad).map_or(1.0, |spent| 1.0 - spent)
    }

    /// Whether retries may be sent, judged on the fastest-burning pair (highest threshold;
    /// on a tie the shorter long window): cut while both its windows burn faster than
    /// `cut_retries_at_burn_rate`.
    #[must_use]
    pub fn retries_allowed(&self, now_ms: u64) -> ErrorBudgetDecision {
        let fastest =
            self.config.alerts.iter().min_by(|a, b| {
                b.burn_rate.total_cmp(&a.burn_rate).then(a.long_window_ms.cmp(&b.long_window_ms))
            });
        let (Some(cut), Some(pair)) = (self.config.cut_retries_at_burn_rate, fastest) else {
            return ErrorBudgetDecision {
                allowed: true,
                reason: ErrorBudgetReason::NotConfigured,
                burn_rate: None,
            };
        };
        let long = self.burn_rate(now_ms, pair.long_window_ms);
        let short = self.burn_rate(now_ms, pair.short_window_ms);
        let (Some(long), Some(short)) = (long, short) else {
            return ErrorBudgetDecision {
                allowed: true,
                reason: ErrorBudgetReason::NoTraffic,
                burn_rate: None,
            };
        };
        let burn = long.min(short);
        if burn > cut {
            ErrorBudgetDecision {
                allowed: false,
                reason: ErrorBudgetReason::BudgetBurning,
                burn_rate: Some(burn),
            }
        } else {
            ErrorBudgetDecision {
                allowed: true,
                reason: ErrorBudgetReason::WithinBudget,
                burn_rate: Some(burn),
            }
        }
    }

    fn len(&self) -> u64 {
        self.slots.len() as u64
    }

    fn index(&self, bucket: u64) -> usize {
        // The remainder is below `slots.len()`, which is a usize.
        usize::try_from(bucket % self.len()).unwrap_or(0)
    }

    /// Good and bad counts of the `ceil(window / resolution)` buckets ending at `now`'s bucket.
    fn sum(&self, now_ms: u64, window_ms: u64) -> (u64, u64) {
        let Some(head) = self.head else { return (0, 0) };
        let len = self.len();
        let k = window_ms.div_ceil(self.config.resolution_ms).clamp(1, len);
        let end = now_ms / self.config.resolution_ms;
        // Only buckets the ring still holds, `(head - len, head]`, have counts.
        let from = end.saturating_add(1).saturating_sub(k).max(head.saturating_add(1).saturating_sub(len));
        let to = end.min(head);
        let (mut good, mut bad) = (0u64, 0u64);
        if from <= to {
            for b in from..=to {
                let s = self.slots[self.index(b)];
                good += u64::from(s.good);
                bad += u64::from(s.bad);
            }
        }
        (good, bad)
    }

    /// `bad / (total * budget)`: the error ratio in units of the budget share.
    fn ratio_of_budget(&self, good: u64, bad: u64) -> Option<f64> {
        let total = u128::from(good) + u128::from(bad);
        if total == 0 {
            return None;
        }
        #[allow(clippy::cast_precision_loss)]
        let (num, den) =
            ((u128::from(bad) * u128::from(PPB)) as f64, (total * u128::from(self.budget_ppb)) as f64);
        Some(num / den)
    }
}

#[cfg(test)]
mod tests;
