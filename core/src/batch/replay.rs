//! Replay: the next round's input from the retry set, byte-identical lines under the same
//! custom_ids, attempts counted in a ledger.

use super::plan::{Manifest, Placement, Planner};
use super::route::{Bucket, RouteReason, Routed};
use super::IdMap;
use crate::{Error, ErrorCode, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// One earlier attempt of a request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HistoryEntry {
    /// The round it was in.
    pub round: u32,
    /// The batch file it was in.
    pub file: String,
    /// How it failed.
    pub reason: RouteReason,
    /// The response's HTTP status, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
}

/// A replayed request's line in the ledger: its attempts so far, this round's included.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LedgerEntry {
    /// Its custom_id (the same in every round).
    pub custom_id: String,
    /// Attempts made once this round has run.
    pub attempts: u32,
    /// The failed attempts before this round.
    pub history: Vec<HistoryEntry>,
}

/// What a replay produced.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct ReplayOutcome {
    /// The next round's manifest.
    pub manifest: Manifest,
    /// The ledger of the next round's requests (planned and deferred).
    pub ledger: Vec<LedgerEntry>,
    /// Retry ids whose line was not in the previous round's files: nothing to replay them from.
    pub not_found: Vec<String>,
}

struct Pending {
    entry: LedgerEntry,
    taken: bool,
}

/// The streaming replay: feed it the previous round's batch files, line by line.
pub struct Replay {
    planner: Planner,
    pending: IdMap<Box<str>, Pending>,
    order: Vec<Box<str>>,
}

impl Replay {
    /// A replay of `manifest`'s round: `retry` is the route's retry bucket (and, where the
    /// host chooses, its `missing` records: requests no result line named, from a batch that
    /// failed or whose error file is lost), `ledger` the round's ledger (empty in round 1),
    /// `spent_usd` the round's actual cost (it counts against the manifest's cost cap).
    pub fn new(
        manifest: &Manifest,
        retry: Vec<Routed>,
        ledger: Vec<LedgerEntry>,
        spent_usd: f64,
    ) -> Result<Self> {
        manifest.check().map_err(|e| e.within("manifest"))?;
        if !(spent_usd.is_finite() && spent_usd >= 0.0) {
            return Err(Error::new(
                ErrorCode::OutOfRange,
                "spent_usd",
                "spent_usd must be a finite number ≥ 0",
            ));
        }
        let mut earlier: HashMap<String, LedgerEntry> =
            ledger.into_iter().map(|e| (e.custom_id.clone(), e)).collect();
        let mut pending = IdMap::with_capacity_and_hasher(retry.len(), Default::default());
        let mut order = Vec::with_capacity(retry.len());
        for (i, routed) in retry.into_iter().enumerate() {
            if !matches!(routed.bucket, Bucket::Retry | Bucket::Missing) {
                return Err(Error::new(
                    ErrorCode::InvalidValue,
                    format!("retry[{i}].bucket"),
                    format!("{:?} is in bucket {}, not retry or missing", routed.custom_id, routed.bucket),
                ));
            }
            let mut entry = earlier.remove(&routed.custom_id).unwrap_or_else(|| LedgerEntry {
                custom_id: routed.custom_id.clone(),
                attempts: 1,
                history: Vec::new(),
            });
            entry.history.push(HistoryEntry {
                round: manifest.round,
                file: routed.file,
                reason: routed.reason,
                status_code: routed.status_code,
            });
            entry.attempts = routed.attempts.max(entry.attempts) + 1;
            let id: Box<str> = routed.custom_id.into();
            if pending.insert(id.clone(), Pending { entry, taken: false }).is_some() {
                return Err(Error::new(
                    ErrorCode::InvalidValue,
                    format!("retry[{i}].custom_id"),
                    format!("{id:?} is in the retry set twice"),
                ));
            }
            order.push(id);
        }
        let planner = Planner::for_round(
            manifest.config.clone(),
            Some(manifest.prices.clone()),
            manifest.round + 1,
            manifest.spent_before_usd + spent_usd,
        )?;
        Ok(Self { planner, pending, order })
    }

    /// Places `line` in the next round if its custom_id is in the retry set (the first line
    /// with that id; the files hold each id once), else `None`. `prompt_tokens`: the host's
    /// own count, as [`Planner::push`] takes it (the same count the first round was given).
    ///
    /// # Errors
    /// A line of the retry set that the planner refuses (the config changed under it, or the
    /// file was edited) when the plan stops at invalid lines.
    pub fn push(&mut self, line: &[u8], prompt_tokens: Option<u64>) -> Result<Option<Placement>> {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let Ok(IdOnly { custom_id }) = serde_json::from_slice::<IdOnly<'_>>(line) else { return Ok(None) };
        match self.pending.get_mut(custom_id.as_ref()) {
            Some(p) if !p.taken => p.taken = true,
            _ => return Ok(None),
        }
        self.planner.push(line, prompt_tokens).map(Some)
    }

    /// The next round's manifest and ledger.
    #[must_use]
    pub fn finish(self) -> ReplayOutcome {
        let Self { planner, mut pending, order } = self;
        let manifest = planner.finish();
        let mut ledger = Vec::with_capacity(order.len());
        let mut not_found = Vec::new();
        let deferred: HashSet<&str> = manifest.deferred.iter().map(|d| d.custom_id.as_str()).collect();
        let rejected: HashSet<&str> =
            manifest.rejected.iter().filter_map(|r| r.custom_id.as_deref()).collect();
        for id in order {
            let Some(Pending { mut entry, taken }) = pending.remove(&id) else { continue };
            if !taken {
                not_found.push(id.into_string());
                continue;
            }
            if rejected.contains(entry.custom_id.as_str()) {
                // In the manifest's `rejected`: it is not sent again.
                continue;
            }
            if deferred.contains(entry.custom_id.as_str()) {
                // Not sent this round: its attempts stay as they were.
                entry.attempts -= 1;
            }
            ledger.push(entry);
        }
        ReplayOutcome { manifest, ledger, not_found }
    }
}

#[derive(Deserialize)]
struct IdOnly<'a> {
    #[serde(borrow)]
    custom_id: Cow<'a, str>,
}
