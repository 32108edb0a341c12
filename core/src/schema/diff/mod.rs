//! May v2 of a schema replace v1? Confluent's change kinds and verdicts, made sound.
//!
//! [`diff`] walks two versions of a JSON Schema side by side, once, and reports every change
//! under one of Confluent Schema Registry's `Difference.Type` names ([`ChangeKind`]) with the
//! JSON Pointer where it happened, plus three verdicts:
//!
//! | verdict | the question | for a team whose LLM writes JSON under the schema |
//! | --- | --- | --- |
//! | `backward` | does the new schema accept all the old one accepted? (new reader, old data) | may consumers read with v2 while stored outputs, cached samples and in-flight answers were made under v1? |
//! | `forward` | does the old schema accept all the new one accepts? (old reader, new data) | may the model answer under v2 while some consumers still read with v1? |
//! | `full` | both | may the two roll out in any order? |
//!
//! Every change carries its own two flags and each verdict is their conjunction, so a `false`
//! verdict always names the changes that break it. [`Note`]s say what a change means for
//! model output, its consumers and its cached samples.
//!
//! # Confluent's rules, made sound
//!
//! The rules, kinds and paths are Confluent's (`json-schema-provider/src/main/java/io/
//! confluent/kafka/schemaregistry/json/diff/`: `SchemaDiff`, `ObjectSchemaDiff`,
//! `ArraySchemaDiff`, `CombinedSchemaDiff`, ...), and under [`CompatibilityPolicy::Strict`] the
//! `backward` verdict agrees with Confluent's on its own test data wherever Confluent's is
//! sound. Where Confluent says compatible but a document proves it wrong, the verdict here is
//! incompatible, with the change that says why:
//!
//! - a name made `required` that `properties` does not declare (Confluent only looks at
//!   declared ones): `REQUIRED_ATTRIBUTE_ADDED`;
//! - a property made required with a `default`: validators never fill a default, so old data
//!   without it fails (Confluent's Avro habit accepts it);
//! - a `oneOf` whose branches, old or new, overlap, so that an old value now matches two
//!   branches: the union change is flagged incompatible with a `one_of_overlap` note;
//! - keywords without `type` (`{"properties": ...}` accepts strings) that gain a `type`:
//!   `TYPE_NARROWED`, from the JSON types each side admits;
//! - `patternProperties`, which Confluent ignores, and properties that a pattern covers
//!   while `additionalProperties` stays open;
//! - a `multipleOf` compared through integer division (`0.5` is `0` to Confluent).
//!
//! The other way, a `oneOf` turned `anyOf` (or back) whose `oneOf` branches no instance
//! matches twice (the strict form's rewrite of a discriminated union) accepts the same
//! instances: Confluent's kind is reported, compatible both ways.
//!
//! So under STRICT "compatible" is sound: no instance valid under one version is invalid
//! under the other in that direction (property-tested against the `jsonschema` validator).
//! Keyword groups of types neither side admits are skipped (`minimum` beside
//! `"type": "string"`). What the walk cannot reason about (`unevaluated*` beside in-place
//! applicators, `maxContains` with a changed `contains`, `if` schemas that differ,
//! `$dynamicRef`) is reported incompatible with a `not_compared` note, never guessed; two
//! equal documents (as JSON values: `1` equals `1.0`) have no change at all. The suite test
//! (`core/tests/schema_suite.rs`) diffs every pair of JSON-Schema-Test-Suite schemas of one
//! file and checks each verdict against the validator on both files' instances.
//!
//! [`CompatibilityPolicy::Lenient`] adds Confluent's lenient kinds, which assume that readers
//! ignore properties they do not declare and that producers send only declared ones; a
//! validator that enforces closed objects does not, so every change it accepts on that
//! assumption carries a `lenient_assumption` note.
//!
//! # Paths
//!
//! `#/` is the root; `#/properties/a/items` a place in the schema as written (`prefixItems`,
//! `dependentRequired` as the document spells them, where Confluent's model prints draft-7
//! names); `#/required/a` is Confluent's name for `a`'s requiredness. A change behind a
//! `$ref` is reported where the `$ref` is, as Confluent does. Errors name the version and the
//! same pointer: `old/properties/a/$ref`.

mod arrays;
mod disjoint;
mod kind;
mod node;
mod notes;
mod objects;
mod walk;

pub(crate) use node::json_equal;

#[cfg(test)]
mod tests;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use kind::ChangeKind;

use crate::error::{Error, ErrorCode, Result};

stable_codes! {
    /// Which of Confluent's compatible-change sets decides (`compatibilityPolicy`).
    #[derive(Default)]
    pub enum CompatibilityPolicy {
        /// `COMPATIBLE_CHANGES_STRICT`: compatible means every document stays valid (the default).
        #[default]
        Strict = "strict",
        /// `COMPATIBLE_CHANGES_LENIENT`: also accepts changes to open and closed content
        /// models, assuming readers ignore the properties they do not declare.
        Lenient = "lenient",
    }
}

/// Options of [`diff`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiffOptions {
    /// The compatible-change set (default `strict`).
    pub policy: CompatibilityPolicy,
}

/// One difference between the two versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "SchemaChange")]
pub struct Change {
    /// What changed, as Confluent names it.
    pub kind: ChangeKind,
    /// Where, as a JSON Pointer fragment (`#/properties/a`; `#/` for the root).
    pub path: String,
    /// Whether this change keeps BACKWARD compatibility (old data, new reader).
    pub backward: bool,
    /// Whether this change keeps FORWARD compatibility (new data, old reader).
    pub forward: bool,
}

stable_codes! {
    /// What a change means when the JSON is written by an LLM: the model is the producer,
    /// consumers are the readers, stored outputs and cached samples are old data.
    pub enum NoteCode {
        /// A property became required: old samples may lack it.
        RequiredAddedBreaksCachedSamples = "required_added_breaks_cached_samples",
        /// A property became required with a `default`: validators never fill it in.
        DefaultDoesNotFillCachedSamples = "default_does_not_fill_cached_samples",
        /// A required property added to a closed object (the strict-mode shape): breaks both ways.
        StrictModeFieldAdded = "strict_mode_field_added",
        /// A property is no longer required: the model may omit what old consumers need.
        RequiredRemovedBreaksOldConsumers = "required_removed_breaks_old_consumers",
        /// A property added to a closed object: old consumers reject output that has it.
        FieldAddedBreaksClosedConsumers = "field_added_breaks_closed_consumers",
        /// A property declared in an open object: old samples may hold it with any value.
        OpenObjectFieldConstrained = "open_object_field_constrained",
        /// A property removed from a closed object: old samples that have it are rejected.
        FieldRemovedBreaksCachedSamples = "field_removed_breaks_cached_samples",
        /// Enum values added: consumers that match the old values exhaustively break.
        EnumWidenedBreaksStrictConsumers = "enum_widened_breaks_strict_consumers",
        /// Enum values removed: old samples may hold them.
        EnumNarrowedBreaksCachedSamples = "enum_narrowed_breaks_cached_samples",
        /// `null` became possible: old consumers must handle it first.
        NullAddedBreaksOldConsumers = "null_added_breaks_old_consumers",
        /// The type accepts more: old consumers may reject or misread the model's output.
        TypeWidenedBreaksOldConsumers = "type_widened_breaks_old_consumers",
        /// The type accepts less (or changed): old samples may not pass.
        TypeNarrowedBreaksCachedSamples = "type_narrowed_breaks_cached_samples",
        /// A bound, pattern or format tightened: old samples may not pass.
        ConstraintTightenedBreaksCachedSamples = "constraint_tightened_breaks_cached_samples",
        /// A bound, pattern or format loosened: old consumers may reject new output.
        ConstraintLoosenedBreaksOldConsumers = "constraint_loosened_breaks_old_consumers",
        /// A `oneOf` whose branches overlap: a value may match two and be rejected.
        OneOfOverlap = "one_of_overlap",
        /// A construct the walk does not reason about: reported incompatible, not guessed.
        NotCompared = "not_compared",
        /// Compatible only under LENIENT's assumption that unknown properties are ignored.
        LenientAssumption = "lenient_assumption",
    }
}

/// Advice about one place in the schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "DiffNote")]
pub struct Note {
    /// The stable code.
    pub code: NoteCode,
    /// Where (the path of the change it explains).
    pub path: String,
    /// A sentence for people; not part of the contract.
    pub message: String,
}

/// The outcome of a diff of two schema versions ([`diff`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "SchemaDiff")]
pub struct DiffReport {
    /// Every difference, in the order of the walk.
    pub changes: Vec<Change>,
    /// Whether old data is valid under the new schema (the conjunction of the changes' flags).
    pub backward: bool,
    /// Whether new data is valid under the old schema.
    pub forward: bool,
    /// Both.
    pub full: bool,
    /// What the changes mean for model output, consumers and cached samples.
    pub notes: Vec<Note>,
}

/// Deepest nesting of either document (JSON levels) the diff reads.
pub const MAX_DEPTH: usize = 256;

/// Compares two versions of a schema.
///
/// # Errors
/// `invalid_schema` at `old/<pointer>` or `new/<pointer>` for a subschema that is not an
/// object or a boolean, a keyword of the wrong shape, an invalid pattern, or a `$ref` cycle
/// that never reaches a property or an item; `unresolved_ref` for a `$ref` outside its
/// document; `limit_exceeded` for nesting past [`MAX_DEPTH`] or a comparison too large to
/// finish in bounded time.
pub fn diff(old: &Value, new: &Value, options: &DiffOptions) -> Result<DiffReport> {
    for (name, schema) in [("old", old), ("new", new)] {
        if super::depth_exceeds(schema, MAX_DEPTH) {
            let message = format!("nesting deeper than {MAX_DEPTH} levels");
            return Err(Error::new(ErrorCode::LimitExceeded, name, message));
        }
        // A keyword of the wrong shape or an invalid pattern: compared, it would be a verdict
        // on a schema no validator accepts.
        super::validate::well_formed(schema).map_err(|e| Error { path: format!("{name}{}", e.path), ..e })?;
    }
    let mut walker = walk::Walker::new(old, new, options.policy);
    walker.check_refs()?;
    let walked = walker.compare(old, new, "", true);
    let (mut changes, mut walk_notes) = walker.finish();
    if json_equal(old, new) {
        // Equal documents accept the same instances, whatever the walk could not compare
        // (a `$dynamicRef`, whose target depends on the path taken) or could not finish (a
        // large model used at many places); the walk still ran, so an invalid schema is
        // refused all the same.
        if let Err(e) = walked {
            if e.code != ErrorCode::LimitExceeded {
                return Err(e);
            }
        }
        changes.clear();
        walk_notes.clear();
    } else {
        walked?;
    }
    let backward = changes.iter().all(|c| c.backward);
    let forward = changes.iter().all(|c| c.forward);
    let notes = notes::annotate(&changes, walk_notes);
    Ok(DiffReport { changes, backward, forward, full: backward && forward, notes })
}

/// The two directions of one comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Verdict {
    backward: bool,
    forward: bool,
}

impl Verdict {
    const fn new(backward: bool, forward: bool) -> Self {
        Self { backward, forward }
    }

    const fn both(self) -> bool {
        self.backward && self.forward
    }

    fn of(changes: &[Change]) -> Self {
        Self::new(changes.iter().all(|c| c.backward), changes.iter().all(|c| c.forward))
    }
}
