//! Tolerant reading: repair what models emit, then accept, ask again or set aside.
//!
//! Three layers, each usable alone:
//!
//! - [`repair`]: JSON text as models write it (fences, prose, trailing commas, single
//!   quotes, truncation, ...) into a value, each repair reported with its offset;
//! - [`extract`]: a Chat Completions or Responses body into a [`ModelOutput`] (text,
//!   refusal, tool calls, why it stopped);
//! - [`TolerantReader`]: a schema and a [`TolerantConfig`] turning an output into a
//!   [`ReadDecision`], counting the reasks of each request so that one bad sample ends in
//!   `quarantine` instead of endless retries.
//!
//! # Decisions
//!
//! | output | action | reason |
//! | --- | --- | --- |
//! | a refusal | `quarantine` | `refusal`: not a schema problem; asking again asks the same question |
//! | stopped by the content filter | `quarantine` | `content_filter`: the same request is filtered again |
//! | a Responses body `failed` or `cancelled` | `quarantine` | `failed`: no output; retrying the call is the transport's decision |
//! | cut by the output limit (`length`, `max_output_tokens`) | `quarantine` | `length`: the same request is cut at the same limit; raising it is a new request, the host's call. A text that still reads as complete, valid JSON is accepted |
//! | `incomplete` for another reason | `quarantine` | `incomplete` |
//! | no text and no single tool call | `reask` | `not_json` |
//! | text that is not JSON (or not repairable, or `repair` off and not strict JSON) | `reask` | `not_json` |
//! | JSON cut short with no `length` finish (`truncated_closed`) | `reask` | `truncated`: what was dropped is data; the value is never accepted |
//! | valid against the schema | `accept` | `valid` |
//! | valid once repaired, or once enum fallbacks and dropped properties applied | `accept_repaired` | `repaired` |
//! | a string the schema refuses that holds a JSON object or array (encoded twice), valid once read | `accept_repaired` | `repaired` (`double_encoded_decoded`) |
//! | violations remain | `reask` | `invalid` |
//!
//! A `reask` comes with [`ReadDecision::summary`], a compact message to send back as the
//! next user turn (at most `summary_violations` violations, each `path: message`, each
//! line bounded, values never copied whole). After `max_reasks` reasks of the same
//! request id, the reask becomes `quarantine` with the same reason. Every `accept` and
//! `quarantine` forgets the request id.

mod extract;
mod repair;

use std::collections::{BTreeMap, HashMap};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use extract::{extract, Api, FinishReason, ModelOutput, ToolCall};
use repair::double_encoded;
pub use repair::{repair, Repair, RepairCode, Repaired, MAX_REPAIRS};

use super::pointer;
use super::validate::{Validation, Validator, ValidatorOptions, Violation, ViolationCode};
use crate::error::{Error, ErrorCode, Result};

/// How a [`TolerantReader`] reads: repairs, reasks, enum fallbacks, unknown properties.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TolerantConfig {
    /// Repair the text ([`repair`]) before giving up on it. Default true; false reads
    /// strict JSON only.
    pub repair: bool,
    /// Reasks of one request before its output is quarantined. Default 2 (three answers in
    /// all); 0 quarantines the first bad answer.
    #[serde(deserialize_with = "crate::document::de::count")]
    pub max_reasks: u32,
    /// Drop properties the schema refuses through `additionalProperties: false` (when the
    /// object's schema has no `patternProperties`), instead of reasking. Default false.
    pub drop_unknown_properties: bool,
    /// Values that replace an enum value the schema does not list, by the place in the
    /// **instance**: a JSON Pointer whose `*` tokens match any one key or array index
    /// (`{"/items/*/status": "other"}`). Only `enum` violations reported at exactly that
    /// place are replaced (an enum inside `anyOf` fails the `anyOf`, not the enum); the
    /// value is validated again, so a fallback the schema refuses still reasks (and the reask
    /// names the value the model wrote). Default none.
    pub enum_fallbacks: BTreeMap<String, Value>,
    /// Violations listed in a reask summary. Default 5.
    #[serde(deserialize_with = "crate::document::de::nonzero_count")]
    pub summary_violations: u32,
    /// Request ids whose reasks are counted at once; past it the least recently reasked is
    /// forgotten (it could then be reasked `max_reasks` times more). Default 10000.
    #[serde(deserialize_with = "crate::document::de::nonzero_count")]
    pub max_tracked_requests: u32,
}

impl Default for TolerantConfig {
    fn default() -> Self {
        Self {
            repair: true,
            max_reasks: 2,
            drop_unknown_properties: false,
            enum_fallbacks: BTreeMap::new(),
            summary_violations: 5,
            max_tracked_requests: 10_000,
        }
    }
}

impl TolerantConfig {
    /// Checks the rules that span fields.
    ///
    /// # Errors
    /// `invalid_value` at `enum_fallbacks` for a key that is not a JSON Pointer (neither
    /// empty nor starting with `/`).
    pub fn validate(&self) -> Result<()> {
        if let Some(bad) = self.enum_fallbacks.keys().find(|k| !k.is_empty() && !k.starts_with('/')) {
            return Err(Error::new(
                ErrorCode::InvalidValue,
                "enum_fallbacks",
                format!("`{bad}` is not a JSON Pointer (`/items/*/status`)"),
            ));
        }
        Ok(())
    }
}

stable_codes! {
    /// What the host does with an output.
    pub enum ReadAction {
        /// Use the value: it matched the schema as written.
        Accept = "accept",
        /// Use the value: it matched once repaired or adjusted (see `repairs`, `adjustments`).
        AcceptRepaired = "accept_repaired",
        /// Ask the model again, sending `summary` as the next user message.
        Reask = "reask",
        /// Stop: set the request aside (a refusal, a filter, a limit, or too many reasks).
        Quarantine = "quarantine",
    }
}

stable_codes! {
    /// Why the decision came out as it did.
    pub enum ReadReason {
        /// The output matched the schema.
        Valid = "valid",
        /// The output matched after repairs or adjustments.
        Repaired = "repaired",
        /// The output is JSON that does not match the schema.
        Invalid = "invalid",
        /// There is no JSON to read (no text, or text that cannot be repaired into JSON).
        NotJson = "not_json",
        /// The JSON stops short, with no `length` finish to explain it.
        Truncated = "truncated",
        /// The output limit cut the output (`length`, `max_output_tokens`).
        Length = "length",
        /// The content filter stopped the output.
        ContentFilter = "content_filter",
        /// The model refused.
        Refusal = "refusal",
        /// A Responses body `incomplete` for a reason other than the limit or the filter.
        Incomplete = "incomplete",
        /// A Responses body `failed` or `cancelled`.
        Failed = "failed",
    }
}

stable_codes! {
    /// A change to the parsed value that the config allows.
    pub enum AdjustmentCode {
        /// An enum value the schema does not list was replaced by its configured fallback.
        EnumFallback = "enum_fallback",
        /// A property refused by `additionalProperties: false` was dropped.
        PropertyDropped = "property_dropped",
    }
}

/// One change to the parsed value, located in the instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Adjustment {
    /// The stable code.
    pub code: AdjustmentCode,
    /// JSON Pointer to the replaced value or the dropped property.
    pub instance_path: String,
    /// A human sentence; not part of the contract.
    pub message: String,
}

/// What to do with one output, and why.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct ReadDecision {
    /// What the host does.
    pub action: ReadAction,
    /// Why.
    pub reason: ReadReason,
    /// The value to use: present exactly for `accept` and `accept_repaired`.
    pub value: Option<Value>,
    /// Repairs made to the text (at most 64, [`MAX_REPAIRS`]).
    pub repairs: Vec<Repair>,
    /// Changes made to the value (enum fallbacks, dropped properties) when it was accepted.
    pub adjustments: Vec<Adjustment>,
    /// The violations that remain, for `invalid`.
    pub violations: Vec<Violation>,
    /// A compact account of what was wrong, bounded in size: for `reask`, the next user
    /// message; for a quarantine after the last reask, the last one.
    pub summary: Option<String>,
    /// The refusal text, for `refusal`.
    pub refusal: Option<String>,
    /// Reasks of this request so far: for a `reask`, this one included; for a quarantine
    /// after the last reask, `max_reasks`.
    pub reasks: u32,
}

impl ReadDecision {
    fn new(action: ReadAction, reason: ReadReason) -> Self {
        Self {
            action,
            reason,
            value: None,
            repairs: Vec::new(),
            adjustments: Vec::new(),
            violations: Vec::new(),
            summary: None,
            refusal: None,
            reasks: 0,
        }
    }
}

/// Characters kept per summary line: a violation quoting a 1,000-value enum stays short.
const SUMMARY_LINE: usize = 200;

/// Rounds of adjustments: dropping a property or replacing a value can uncover another.
const ADJUST_ROUNDS: usize = 3;

/// A schema, a config and the reask count of each request in flight.
#[derive(Debug)]
pub struct TolerantReader {
    validator: Validator,
    schema: Value,
    config: TolerantConfig,
    fallbacks: Vec<(Vec<String>, Value)>,
    reasks: ReaskTable,
}

impl TolerantReader {
    /// Compiles `schema` and checks `config`.
    ///
    /// # Errors
    /// As [`Validator::new`]; as [`TolerantConfig::validate`].
    pub fn new(schema: &Value, options: &ValidatorOptions, config: TolerantConfig) -> Result<Self> {
        config.validate()?;
        let validator = Validator::new(schema, options)?;
        let fallbacks = config.enum_fallbacks.iter().map(|(k, v)| (pointer::tokens(k), v.clone())).collect();
        let reasks = ReaskTable::new(config.max_tracked_requests as usize);
        Ok(Self { validator, schema: schema.clone(), config, fallbacks, reasks })
    }

    /// The config.
    #[must_use]
    pub fn config(&self) -> &TolerantConfig {
        &self.config
    }

    /// Decides on one output of request `request_id`, counting its reasks: a reask past
    /// `max_reasks` becomes `quarantine`; `accept` and `quarantine` forget the request.
    pub fn read(&mut self, request_id: &str, output: &ModelOutput) -> ReadDecision {
        let mut decision = self.evaluate(output);
        let so_far = self.reasks.count(request_id);
        if decision.action == ReadAction::Reask {
            if so_far >= self.config.max_reasks {
                decision.action = ReadAction::Quarantine;
                decision.reasks = so_far;
                self.reasks.forget(request_id);
            } else {
                decision.reasks = self.reasks.bump(request_id);
            }
        } else {
            decision.reasks = so_far;
            self.reasks.forget(request_id);
        }
        decision
    }

    /// [`Self::read`] on bare text (finish unknown).
    pub fn read_text(&mut self, request_id: &str, text: &str) -> ReadDecision {
        self.read(request_id, &ModelOutput::from_text(text))
    }

    /// [`Self::read`] on a Chat Completions or Responses body.
    ///
    /// # Errors
    /// As [`extract`]: the body is malformed (the request is not counted).
    pub fn read_body(&mut self, request_id: &str, body: &Value) -> Result<ReadDecision> {
        Ok(self.read(request_id, &extract(body)?))
    }

    /// Forgets a request (the host gave up on it another way).
    pub fn forget(&mut self, request_id: &str) {
        self.reasks.forget(request_id);
    }

    /// Requests whose reasks are being counted.
    #[must_use]
    pub fn tracked(&self) -> usize {
        self.reasks.len()
    }

    /// The decision on one output, without counting: a `reask` here is never turned into
    /// `quarantine`, and `reasks` is 0.
    #[must_use]
    pub fn evaluate(&self, output: &ModelOutput) -> ReadDecision {
        if let Some(refusal) = &output.refusal {
            let mut d = ReadDecision::new(ReadAction::Quarantine, ReadReason::Refusal);
            d.refusal = Some(refusal.clone());
            return d;
        }
        let stop_reason = match output.finish {
            FinishReason::ContentFilter => Some(ReadReason::ContentFilter),
            FinishReason::Failed => Some(ReadReason::Failed),
            FinishReason::Incomplete => Some(ReadReason::Incomplete),
            _ => None,
        };
        if let Some(reason) = stop_reason {
            return ReadDecision::new(ReadAction::Quarantine, reason);
        }
        if output.finish == FinishReason::Length {
            // Cut by the limit: only a value that is whole and valid survives (strict JSON, or
            // one whose repairs closed nothing: a fence or a note cut after the value).
            let whole = match output.json_text() {
                Some(text) if self.config.repair => repair(text).ok().filter(|r| !r.was_truncated()),
                Some(text) => super::parse_json(text).ok().map(|value| Repaired {
                    value,
                    repairs: Vec::new(),
                    omitted_repairs: 0,
                }),
                None => None,
            };
            return match whole {
                Some(read) if self.validator.is_valid(&read.value) => {
                    let action =
                        if read.is_repaired() { ReadAction::AcceptRepaired } else { ReadAction::Accept };
                    let mut d = ReadDecision::new(action, ReadReason::Valid);
                    d.value = Some(read.value);
                    d.repairs = read.repairs;
                    d
                }
                _ => ReadDecision::new(ReadAction::Quarantine, ReadReason::Length),
            };
        }
        let Some(text) = output.json_text() else {
            let mut d = ReadDecision::new(ReadAction::Reask, ReadReason::NotJson);
            d.summary = Some("Your reply held no JSON. Reply with the JSON only.".to_owned());
            return d;
        };
        let read = if self.config.repair {
            repair(text)
        } else {
            super::parse_json(text).map(|value| Repaired { value, repairs: Vec::new(), omitted_repairs: 0 })
        };
        let mut read = match read {
            Ok(read) => read,
            Err(e) => {
                let mut d = ReadDecision::new(ReadAction::Reask, ReadReason::NotJson);
                let place = match (e.line, e.column) {
                    (Some(l), Some(c)) => format!(" (line {l}, column {c})"),
                    _ => String::new(),
                };
                d.summary = Some(format!(
                    "Your reply was not valid JSON: {}{place}. Reply with the JSON only.",
                    clip(&e.message)
                ));
                return d;
            }
        };
        if read.was_truncated() {
            let mut d = ReadDecision::new(ReadAction::Reask, ReadReason::Truncated);
            d.summary = Some(
                "Your reply stopped before the JSON was complete. Reply with the complete JSON only."
                    .to_owned(),
            );
            d.repairs = read.repairs;
            return d;
        }
        let mut validation = self.validator.validate(&read.value);
        if !validation.valid {
            if let Some((inner, repair)) = double_encoded(text, &read.value) {
                read.value = inner;
                read.repairs.push(repair);
                validation = self.validator.validate(&read.value);
            }
        }
        let repaired = read.is_repaired();
        let accepted = if validation.valid {
            Some((read.value, Vec::new()))
        } else {
            self.adjusted(&read.value, &validation)
        };
        if let Some((value, adjustments)) = accepted {
            let (action, reason) = if repaired || !adjustments.is_empty() {
                (ReadAction::AcceptRepaired, ReadReason::Repaired)
            } else {
                (ReadAction::Accept, ReadReason::Valid)
            };
            let mut d = ReadDecision::new(action, reason);
            d.value = Some(value);
            d.repairs = read.repairs;
            d.adjustments = adjustments;
            return d;
        }
        // The reask tells the model what it wrote (repaired as text only): adjustments that
        // did not make it valid are not applied, so the summary cannot name a fallback value
        // or a count the model never wrote.
        let mut d = ReadDecision::new(ReadAction::Reask, ReadReason::Invalid);
        d.summary = Some(summary(&validation, self.config.summary_violations as usize));
        d.violations = validation.errors;
        d.repairs = read.repairs;
        d
    }

    /// `value` (refused as `validation` says) with the enum fallbacks and property drops the
    /// configuration allows, and what they were, when they make it valid.
    fn adjusted(&self, value: &Value, validation: &Validation) -> Option<(Value, Vec<Adjustment>)> {
        if !self.config.drop_unknown_properties && self.fallbacks.is_empty() {
            return None;
        }
        let mut value = value.clone();
        let mut adjustments = Vec::new();
        let mut check = None;
        for _ in 0..ADJUST_ROUNDS {
            if !self.adjust(&mut value, check.as_ref().unwrap_or(validation), &mut adjustments) {
                return None;
            }
            let validation = self.validator.validate(&value);
            if validation.valid {
                return Some((value, adjustments));
            }
            check = Some(validation);
        }
        None
    }

    /// Applies the enum fallbacks and property drops the violations call for; whether
    /// anything changed.
    fn adjust(&self, value: &mut Value, validation: &Validation, out: &mut Vec<Adjustment>) -> bool {
        let mut changed = false;
        for v in &validation.errors {
            match v.code {
                ViolationCode::NotInEnum if !self.fallbacks.is_empty() => {
                    let tokens = pointer::tokens(&v.instance_path);
                    let Some((_, fallback)) =
                        self.fallbacks.iter().find(|(p, _)| matches_pattern(p, &tokens))
                    else {
                        continue;
                    };
                    if let Some(slot) = value.pointer_mut(&v.instance_path) {
                        if slot != fallback {
                            *slot = fallback.clone();
                            changed = true;
                            out.push(Adjustment {
                                code: AdjustmentCode::EnumFallback,
                                instance_path: v.instance_path.clone(),
                                message: "value not in the enum replaced by its fallback".to_owned(),
                            });
                        }
                    }
                }
                ViolationCode::UnexpectedProperty
                    if self.config.drop_unknown_properties && v.keyword == "additionalProperties" =>
                {
                    changed |= self.drop_properties(value, v, out);
                }
                _ => {}
            }
        }
        changed
    }

    /// Drops the properties of the object at `v.instance_path` that the schema holding the
    /// refusing `additionalProperties` does not name.
    fn drop_properties(&self, value: &mut Value, v: &Violation, out: &mut Vec<Adjustment>) -> bool {
        let Some(schema_at) = v.schema_path.strip_suffix("/additionalProperties") else { return false };
        let Some(Value::Object(schema)) = self.schema.pointer(schema_at) else { return false };
        if schema.contains_key("patternProperties") {
            return false;
        }
        let known = schema.get("properties").and_then(Value::as_object);
        let Some(Value::Object(instance)) = value.pointer_mut(&v.instance_path) else { return false };
        let before = out.len();
        instance.retain(|key, _| {
            let keep = known.is_some_and(|k| k.contains_key(key));
            if !keep {
                out.push(Adjustment {
                    code: AdjustmentCode::PropertyDropped,
                    instance_path: pointer::child(&v.instance_path, key),
                    message: "property the schema does not allow dropped".to_owned(),
                });
            }
            keep
        });
        out.len() > before
    }
}

/// Whether instance `tokens` match a fallback pattern (`*` matches any one token).
fn matches_pattern(pattern: &[String], tokens: &[String]) -> bool {
    pattern.len() == tokens.len() && pattern.iter().zip(tokens).all(|(p, t)| p == "*" || p == t)
}

/// The reask message for violations: at most `limit` lines of `path: message`.
fn summary(validation: &Validation, limit: usize) -> String {
    let mut out = String::from("Your JSON did not match the schema:\n");
    for v in validation.errors.iter().take(limit) {
        let path = if v.instance_path.is_empty() { "(root)" } else { v.instance_path.as_str() };
        out.push_str("- ");
        out.push_str(&clip(&format!("{path}: {}", v.message)));
        out.push('\n');
    }
    let more = validation.errors.len().saturating_sub(limit);
    if more > 0 || validation.truncated {
        let plus = if validation.truncated { "+" } else { "" };
        out.push_str(&format!("- and {more}{plus} more\n"));
    }
    out.push_str("Reply with the corrected JSON only.");
    out
}

/// `text` cut to [`SUMMARY_LINE`] characters, on one line: a line break or other control
/// character (a property name of the model's own can hold one) is escaped, so that the
/// model's text cannot add lines of its own to the summary.
fn clip(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(SUMMARY_LINE * 2));
    for (n, c) in text.chars().enumerate() {
        if n == SUMMARY_LINE {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Reask counts by request id, bounded: the least recently reasked goes first.
#[derive(Debug)]
struct ReaskTable {
    capacity: usize,
    tick: u64,
    by_id: HashMap<String, (u32, u64)>,
    by_tick: BTreeMap<u64, String>,
}

impl ReaskTable {
    fn new(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), tick: 0, by_id: HashMap::new(), by_tick: BTreeMap::new() }
    }

    fn len(&self) -> usize {
        self.by_id.len()
    }

    fn count(&self, id: &str) -> u32 {
        self.by_id.get(id).map_or(0, |&(n, _)| n)
    }

    /// One more reask of `id`; its new count.
    fn bump(&mut self, id: &str) -> u32 {
        self.tick += 1;
        let tick = self.tick;
        if let Some((n, at)) = self.by_id.get_mut(id) {
            self.by_tick.remove(at);
            *n = n.saturating_add(1);
            *at = tick;
            let n = *n;
            self.by_tick.insert(tick, id.to_owned());
            return n;
        }
        if self.by_id.len() >= self.capacity {
            if let Some((_, oldest)) = self.by_tick.pop_first() {
                self.by_id.remove(&oldest);
            }
        }
        self.by_id.insert(id.to_owned(), (1, tick));
        self.by_tick.insert(tick, id.to_owned());
        1
    }

    fn forget(&mut self, id: &str) {
        if let Some((_, at)) = self.by_id.remove(id) {
            self.by_tick.remove(&at);
        }
    }
}

#[cfg(test)]
mod tests;
