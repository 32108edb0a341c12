//! The planner: request lines in, one placement per line out, a manifest at the end.

use super::cost::{Cost, PriceTable, Usage};
use super::ids::IdTable;
use super::request::{self, LineCode, Rejection, Request};
use super::{IdMap, Limits, OnInvalid, PlanConfig};
use crate::Result;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The manifest's format name; a reader refuses any other.
pub const MANIFEST_FORMAT: &str = "breakwater.batch.manifest/1";

stable_codes! {
    /// Why a valid line was left out of the plan. Stable codes.
    pub enum DeferReason {
        /// The cost cap was reached: the plan stopped here, and every later line is deferred.
        CostCap = "cost_cap",
        /// A cost cap is set and the model has no price, so its cost cannot be bounded.
        Unpriced = "unpriced",
    }
}

stable_codes! {
    /// What a plan noticed that is not an error. Stable codes.
    pub enum WarningCode {
        /// Requests without an output cap: their cost assumes `default_output_tokens`.
        OutputUncapped = "output_uncapped",
        /// Requests whose model has no price: their cost is not in the totals.
        UnpricedModel = "unpriced_model",
        /// Blank lines, skipped (they are not requests).
        BlankLine = "blank_line",
        /// One endpoint is used with several models: each model gets its own files.
        MixedModels = "mixed_models",
    }
}

/// Where one line went.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "placement", rename_all = "snake_case")]
pub enum Placement {
    /// Append the line to batch file `file` (named `path`).
    Planned {
        /// Index into the manifest's `files`.
        file: u32,
        /// The file's name.
        path: Arc<str>,
        /// This line starts the file: the host creates it.
        opened: bool,
        /// A file of the same group that is now full: the host may close it.
        closed: Option<u32>,
    },
    /// Valid, but left out (the cost cap); the host keeps the line for a later plan.
    Deferred {
        /// Why.
        reason: DeferReason,
    },
    /// Refused (when the plan skips invalid lines; a stopping plan returns the error).
    Rejected(Rejection),
    /// A blank line: not a request.
    Blank,
}

/// One batch file of the plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "BatchFile")]
pub struct FileSummary {
    /// The file's name, relative to the manifest.
    pub path: String,
    /// Its endpoint.
    pub endpoint: String,
    /// Its one model.
    pub model: String,
    /// Requests (lines).
    pub requests: u32,
    /// Bytes, newlines included.
    pub bytes: u64,
    /// Embedding inputs (embeddings files).
    #[serde(default)]
    pub embedding_inputs: u64,
    /// Estimated prompt tokens (what the enqueued-token limit counts).
    pub input_tokens: u64,
    /// Output tokens allowed (the requests' caps).
    pub output_tokens: u64,
    /// Estimated cost at batch prices, USD; `None` when the model has no price.
    pub estimated_cost_usd: Option<f64>,
    /// The same requests at synchronous prices.
    pub sync_cost_usd: Option<f64>,
    /// Submission wave (1-based): the files of one wave fit the model's enqueued-token limit
    /// together; submit wave n+1 after wave n completes.
    pub wave: u32,
    /// The file's custom_ids, in line order.
    pub custom_ids: Vec<String>,
}

/// A valid line left out of the plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Deferred {
    /// 1-based line of the input.
    pub line: u64,
    /// Its custom_id.
    pub custom_id: String,
    /// Why.
    pub reason: DeferReason,
    /// Its estimated cost at batch prices, when priced.
    pub estimated_cost_usd: Option<f64>,
}

/// A warning with how often it happened and where first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WarningCount {
    /// What.
    pub code: WarningCode,
    /// How many lines (or groups).
    pub count: u64,
    /// The first line it happened on.
    pub first_line: u64,
    /// A human sentence about the first occurrence.
    pub message: String,
}

/// Sums over the whole plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanTotals {
    /// Lines read, blank ones included.
    pub lines: u64,
    /// Requests planned into files.
    pub planned: u64,
    /// Lines rejected.
    pub rejected: u64,
    /// Valid lines deferred.
    pub deferred: u64,
    /// Blank lines.
    pub blank: u64,
    /// Batch files.
    pub files: u64,
    /// Bytes in the batch files.
    pub bytes: u64,
    /// Estimated prompt tokens planned.
    pub input_tokens: u64,
    /// Output tokens allowed.
    pub output_tokens: u64,
    /// Estimated cost of the planned requests at batch prices (priced models only), USD.
    pub estimated_cost_usd: f64,
    /// The same at synchronous prices.
    pub sync_cost_usd: f64,
    /// Planned requests whose model has no price (not in the costs).
    pub unpriced: u64,
}

/// The plan: what the host wrote, and the record of every line it did not.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Manifest {
    /// `breakwater.batch.manifest/1` ([`MANIFEST_FORMAT`]).
    pub format: String,
    /// 1 for a plan, n + 1 for the replay of round n.
    pub round: u32,
    /// How the plan was made (a replay plans with the same config).
    pub config: PlanConfig,
    /// The limits every file keeps.
    pub limits: Limits,
    /// The price table the plan used; route and replay use it too, so that every round of a
    /// job is priced alike.
    pub prices: PriceTable,
    /// USD spent by the rounds before this one (actual cost), counted against `max_cost_usd`.
    pub spent_before_usd: f64,
    /// The batch files.
    pub files: Vec<FileSummary>,
    /// Lines refused, in line order.
    pub rejected: Vec<Rejection>,
    /// Valid lines left out, in line order.
    pub deferred: Vec<Deferred>,
    /// The line the cost cap stopped the plan at.
    pub stopped_at_line: Option<u64>,
    /// Warnings.
    pub warnings: Vec<WarningCount>,
    /// Sums.
    pub totals: PlanTotals,
}

impl Manifest {
    /// Reads a manifest document, refusing another format.
    pub fn from_json(text: &str) -> Result<Self> {
        let manifest: Self = crate::document::from_json(text)?;
        manifest.check()?;
        Ok(manifest)
    }

    /// Refuses a manifest of another format or with a config no plan accepts.
    pub fn check(&self) -> Result<()> {
        if self.format != MANIFEST_FORMAT {
            return Err(crate::Error::new(
                crate::ErrorCode::InvalidValue,
                "format",
                format!("format is {:?}, expected {MANIFEST_FORMAT:?}", self.format),
            ));
        }
        self.config.check().map_err(|e| e.within("config"))?;
        self.prices.check().map_err(|e| e.within("prices"))
    }
}

#[derive(Clone, Copy)]
struct Slot {
    line: u64,
    file: u32,
}

const NOT_PLANNED: u32 = u32::MAX;

/// The streaming planner (see the module docs of [`crate::batch`]).
pub struct Planner {
    config: PlanConfig,
    limits: Limits,
    prices: PriceTable,
    round: u32,
    spent_before: f64,
    line: u64,
    ids: IdTable<Slot>,
    /// The files' names, lent to each placement.
    paths: Vec<Arc<str>>,
    /// endpoint -> model -> the group's open file.
    groups: IdMap<Box<str>, IdMap<Box<str>, u32>>,
    files: Vec<FileSummary>,
    rejected: Vec<Rejection>,
    deferred: Vec<Deferred>,
    warnings: BTreeMap<usize, WarningCount>,
    stopped_at: Option<u64>,
    totals: PlanTotals,
}

impl Planner {
    /// A planner for round 1, with the embedded prices unless `prices` is given.
    pub fn new(config: PlanConfig, prices: Option<PriceTable>) -> Result<Self> {
        Self::for_round(config, prices, 1, 0.0)
    }

    /// A planner for round `round`, `spent_before_usd` already spent of the cost cap.
    pub fn for_round(
        config: PlanConfig,
        prices: Option<PriceTable>,
        round: u32,
        spent_before_usd: f64,
    ) -> Result<Self> {
        config.check()?;
        let prices = prices.unwrap_or_else(|| PriceTable::embedded().clone());
        prices.check().map_err(|e| e.within("prices"))?;
        Ok(Self {
            limits: config.limits()?,
            config,
            prices,
            round,
            spent_before: spent_before_usd,
            line: 0,
            ids: IdTable::new(),
            paths: Vec::new(),
            groups: IdMap::default(),
            files: Vec::new(),
            rejected: Vec::new(),
            deferred: Vec::new(),
            warnings: BTreeMap::new(),
            stopped_at: None,
            totals: PlanTotals::default(),
        })
    }

    /// The longest line (without its newline) a file can hold: a host reading lines may stop
    /// buffering past it and call [`Planner::push_oversized`].
    #[must_use]
    pub fn max_line_bytes(&self) -> u64 {
        self.limits.max_bytes - 1
    }

    /// Places the next line (its newline, if given, is not part of it). `prompt_tokens` is the
    /// host's own count of the request's prompt tokens; `None` estimates it from the characters.
    ///
    /// # Errors
    /// When the plan stops at invalid lines, the first invalid line's error (its code, the
    /// field's path, the line); the line is also recorded in the manifest's `rejected`.
    pub fn push(&mut self, bytes: &[u8], prompt_tokens: Option<u64>) -> Result<Placement> {
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        self.line += 1;
        self.totals.lines += 1;
        let line = self.line;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            self.totals.blank += 1;
            self.warn(WarningCode::BlankLine, line, || "a blank line is not a request; skipped".to_owned());
            return Ok(Placement::Blank);
        }
        if bytes.len() as u64 > self.max_line_bytes() {
            return self.oversized(bytes.len() as u64);
        }
        match request::read(bytes, line, &self.config) {
            Ok(request) => self.place(&request, bytes.len() as u64 + 1, prompt_tokens),
            Err(rejection) => self.reject(rejection),
        }
    }

    /// Counts a line of `len` bytes the host did not read whole, since it is longer than
    /// [`Planner::max_line_bytes`]: it is rejected as `line_too_large`.
    ///
    /// # Errors
    /// As [`Planner::push`].
    pub fn push_oversized(&mut self, len: u64) -> Result<Placement> {
        self.line += 1;
        self.totals.lines += 1;
        self.oversized(len)
    }

    fn oversized(&mut self, len: u64) -> Result<Placement> {
        let max = self.limits.max_bytes;
        let message = format!(
            "the line is {len} bytes, {} with its newline; a whole batch file may hold {max} bytes",
            len.saturating_add(1)
        );
        self.reject(Rejection::new(self.line, LineCode::LineTooLarge, "", message))
    }

    fn reject(&mut self, rejection: Rejection) -> Result<Placement> {
        self.totals.rejected += 1;
        let error = (self.config.on_invalid == OnInvalid::Stop).then(|| rejection.to_error());
        self.rejected.push(rejection.clone());
        match error {
            Some(error) => Err(error),
            None => Ok(Placement::Rejected(rejection)),
        }
    }

    fn place(&mut self, request: &Request<'_>, bytes: u64, prompt_tokens: Option<u64>) -> Result<Placement> {
        let line = self.line;
        let input_tokens =
            prompt_tokens.unwrap_or_else(|| request.estimate_prompt_tokens(self.config.chars_per_token));
        if let Some(limit) = self.config.enqueued_limit(&request.model).filter(|limit| input_tokens > *limit)
        {
            let message =
                format!("about {input_tokens} prompt tokens; {} may enqueue {limit}", request.model);
            return self
                .reject(Rejection::new(line, LineCode::TokensOverLimit, "", message).of(&request.custom_id));
        }
        if let Some(max) =
            self.limits.max_embedding_inputs.filter(|max| request.embedding_inputs > u64::from(*max))
        {
            let message = format!("{} embedding inputs; a file may hold {max}", request.embedding_inputs);
            return self.reject(
                Rejection::new(line, LineCode::TooManyInputs, "body.input", message).of(&request.custom_id),
            );
        }
        // The id is taken once the line is valid: planned now, or deferred for a later plan.
        let id = match self.ids.insert(&request.custom_id, Slot { line, file: NOT_PLANNED }) {
            Ok(id) => id,
            Err(first) => {
                let message =
                    format!("custom_id {:?} was first used on line {}", request.custom_id, first.line);
                let rejection = Rejection::new(line, LineCode::DuplicateCustomId, "custom_id", message);
                return self.reject(rejection.of(&request.custom_id));
            }
        };
        let output_tokens = if request.is_embeddings() {
            0
        } else {
            let cap = request.output_cap.unwrap_or_else(|| {
                self.warn(WarningCode::OutputUncapped, line, || {
                    format!("{:?} sets no output cap", request.custom_id)
                });
                self.config.default_output_tokens
            });
            cap.saturating_mul(request.outputs)
        };
        let usage = Usage { input_tokens, output_tokens, ..Usage::default() };
        let cost = self.prices.cost(&request.model, usage);
        if let Some(reason) = self.over_budget(cost) {
            if reason == DeferReason::CostCap && self.stopped_at.is_none() {
                self.stopped_at = Some(line);
            }
            self.totals.deferred += 1;
            self.deferred.push(Deferred {
                line,
                custom_id: request.custom_id.to_string(),
                reason,
                estimated_cost_usd: cost.map(|c| c.batch),
            });
            return Ok(Placement::Deferred { reason });
        }
        if cost.is_none() {
            self.totals.unpriced += 1;
            self.warn(WarningCode::UnpricedModel, line, || format!("no price for model {:?}", request.model));
        }
        let (file, opened, closed) = self.file_for(request, bytes, input_tokens);
        let summary = &mut self.files[file as usize];
        summary.requests += 1;
        summary.bytes += bytes;
        summary.embedding_inputs = summary.embedding_inputs.saturating_add(request.embedding_inputs);
        summary.input_tokens = summary.input_tokens.saturating_add(input_tokens);
        summary.output_tokens = summary.output_tokens.saturating_add(output_tokens);
        if let Some(cost) = cost {
            *summary.estimated_cost_usd.get_or_insert(0.0) += cost.batch;
            *summary.sync_cost_usd.get_or_insert(0.0) += cost.sync;
        }
        let totals = &mut self.totals;
        totals.planned += 1;
        totals.bytes += bytes;
        totals.input_tokens = totals.input_tokens.saturating_add(input_tokens);
        totals.output_tokens = totals.output_tokens.saturating_add(output_tokens);
        let Cost { batch, sync } = cost.unwrap_or_default();
        totals.estimated_cost_usd += batch;
        totals.sync_cost_usd += sync;
        self.ids.value_mut(id).file = file;
        Ok(Placement::Planned { file, path: Arc::clone(&self.paths[file as usize]), opened, closed })
    }

    /// Whether a request of this cost must wait: the cap is reached (or was), or it cannot be
    /// priced under a cap.
    fn over_budget(&self, cost: Option<Cost>) -> Option<DeferReason> {
        let cap = self.config.max_cost_usd?;
        if self.stopped_at.is_some() {
            return Some(DeferReason::CostCap);
        }
        let Some(cost) = cost else { return Some(DeferReason::Unpriced) };
        // Met to within a billionth of the cap is met: sums of binary fractions drift
        // (0.1 + 0.1 + 0.1 > 0.3), and a billionth is far below one token's price.
        (self.spent_before + self.totals.estimated_cost_usd + cost.batch > cap * (1.0 + 1e-9))
            .then_some(DeferReason::CostCap)
    }

    /// The file of the request's group that has room for it, opening one when needed:
    /// `(file, opened, closed)`.
    fn file_for(&mut self, request: &Request<'_>, bytes: u64, input_tokens: u64) -> (u32, bool, Option<u32>) {
        let open = self
            .groups
            .get(request.endpoint.as_ref())
            .and_then(|models| models.get(request.model.as_ref()))
            .copied();
        if let Some(index) = open {
            let f = &self.files[index as usize];
            let limit = self.config.enqueued_limit(&request.model);
            let full = f.requests >= self.limits.max_requests
                || f.bytes + bytes > self.limits.max_bytes
                || self.limits.max_embedding_inputs.is_some_and(|max| {
                    f.embedding_inputs.saturating_add(request.embedding_inputs) > u64::from(max)
                })
                || limit.is_some_and(|limit| f.input_tokens.saturating_add(input_tokens) > limit);
            if !full {
                return (index, false, None);
            }
        }
        let index = self.files.len() as u32;
        let path = format!("{}-{:04}.jsonl", self.config.file_prefix, index + 1);
        self.paths.push(path.as_str().into());
        self.files.push(FileSummary {
            path,
            endpoint: request.endpoint.to_string(),
            model: request.model.to_string(),
            requests: 0,
            bytes: 0,
            embedding_inputs: 0,
            input_tokens: 0,
            output_tokens: 0,
            estimated_cost_usd: None,
            sync_cost_usd: None,
            wave: 0,
            custom_ids: Vec::new(),
        });
        let models = self.groups.entry(request.endpoint.as_ref().into()).or_default();
        models.insert(request.model.as_ref().into(), index);
        if open.is_none() && models.len() == 2 {
            let endpoint = request.endpoint.to_string();
            self.warn(WarningCode::MixedModels, self.line, || {
                format!("{endpoint} is used with several models")
            });
        }
        (index, true, open)
    }

    fn warn(&mut self, code: WarningCode, line: u64, message: impl FnOnce() -> String) {
        self.warnings.entry(code.index()).and_modify(|w| w.count += 1).or_insert_with(|| WarningCount {
            code,
            count: 1,
            first_line: line,
            message: message(),
        });
    }

    /// The manifest: every file with its ids, every rejected and deferred line, the totals.
    #[must_use]
    pub fn finish(self) -> Manifest {
        let Self {
            config,
            limits,
            prices,
            round,
            spent_before,
            ids,
            mut files,
            rejected,
            deferred,
            warnings,
            stopped_at,
            mut totals,
            ..
        } = self;
        // The ids were added in line order.
        let mut ids = ids;
        ids.drop_index();
        for (id, slot) in ids.iter().filter(|(_, s)| s.file != NOT_PLANNED) {
            files[slot.file as usize].custom_ids.push(id.to_owned());
        }
        assign_waves(&mut files, &config);
        totals.files = files.len() as u64;
        Manifest {
            format: MANIFEST_FORMAT.to_owned(),
            round,
            limits,
            prices,
            spent_before_usd: spent_before,
            files,
            rejected,
            deferred,
            stopped_at_line: stopped_at,
            warnings: warnings.into_values().collect(),
            totals,
            config,
        }
    }
}

/// Numbers each model's files into waves whose prompt tokens fit its enqueued-token limit.
fn assign_waves(files: &mut [FileSummary], config: &PlanConfig) {
    // The limit is per model ("enqueued prompt tokens per model"), whatever the endpoint; a
    // dated snapshot counts against its model's queue.
    let mut state: HashMap<String, (u32, u64)> = HashMap::new();
    for file in files {
        let limit = config.enqueued_limit(&file.model);
        let (wave, queued) = state.entry(config.queue(&file.model).to_owned()).or_insert((1, 0));
        if limit.is_some_and(|limit| *queued + file.input_tokens > limit) && *queued > 0 {
            *wave += 1;
            *queued = 0;
        }
        *queued += file.input_tokens;
        file.wave = *wave;
    }
}
