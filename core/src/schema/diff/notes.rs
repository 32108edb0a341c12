//! What the changes mean when an LLM writes the JSON: the model produces it under one schema
//! version, consumers read it under theirs, and stored outputs and cached samples (few-shot
//! examples, eval sets, replay caches) are data written under the old version.
//!
//! BACKWARD breaks hurt cached samples (new readers, old data); FORWARD breaks hurt consumers
//! not yet upgraded (old readers, new model output).

use std::collections::HashSet;

use super::kind::ChangeKind as K;
use super::{Change, Note, NoteCode};
use crate::schema::pointer;

/// The walk's notes, then one per change that breaks a direction (first per code and path).
pub(super) fn annotate(changes: &[Change], mut notes: Vec<Note>) -> Vec<Note> {
    for change in changes.iter().filter(|c| !(c.backward && c.forward)) {
        for (code, message) in advice(change) {
            notes.push(Note { code, path: change.path.clone(), message });
        }
    }
    let null_at: HashSet<String> = notes
        .iter()
        .filter(|n| n.code == NoteCode::NullAddedBreaksOldConsumers)
        .map(|n| n.path.clone())
        .collect();
    let mut seen = HashSet::new();
    notes.retain(|n| {
        let generic = n.code == NoteCode::TypeWidenedBreaksOldConsumers && null_at.contains(&n.path);
        !generic && seen.insert((n.code, n.path.clone()))
    });
    notes
}

/// The last token of a change's path: the property, or the keyword.
fn subject(change: &Change) -> String {
    pointer::tokens(&change.path).pop().filter(|t| !t.is_empty()).unwrap_or_else(|| "the root".into())
}

fn advice(change: &Change) -> Vec<(NoteCode, String)> {
    let name = subject(change);
    let mut out = Vec::new();
    let (backward_broken, forward_broken) = (!change.backward, !change.forward);
    match change.kind {
        K::RequiredAttributeAdded
        | K::RequiredAttributeWithDefaultAdded
        | K::RequiredPropertyAddedToOpenContentModel
        | K::RequiredPropertyWithDefaultAddedToOpenContentModel
        | K::RequiredPropertyAddedToUnopenContentModel
        | K::RequiredPropertyWithDefaultAddedToUnopenContentModel
            if backward_broken =>
        {
            out.push((
                NoteCode::RequiredAddedBreaksCachedSamples,
                format!(
                    "`{name}` is now required: stored outputs and cached samples made under the old schema may \
                     lack it; regenerate or backfill them before readers validate with the new schema"
                ),
            ));
            if matches!(
                change.kind,
                K::RequiredAttributeWithDefaultAdded
                    | K::RequiredPropertyWithDefaultAddedToOpenContentModel
                    | K::RequiredPropertyWithDefaultAddedToUnopenContentModel
            ) {
                out.push((
                    NoteCode::DefaultDoesNotFillCachedSamples,
                    format!(
                        "`{name}` has a default, but validation never fills defaults: old samples without it \
                         still fail (only a reader that fills defaults, such as Pydantic, accepts them)"
                    ),
                ));
            }
            if matches!(
                change.kind,
                K::RequiredPropertyAddedToUnopenContentModel
                    | K::RequiredPropertyWithDefaultAddedToUnopenContentModel
            ) && forward_broken
            {
                out.push((
                    NoteCode::StrictModeFieldAdded,
                    format!(
                        "a required property added to a closed object (the only shape OpenAI strict mode \
                         allows) breaks both directions: old samples lack `{name}` and old consumers reject it; \
                         upgrade consumers first and keep old samples out of validation, or version the schema"
                    ),
                ));
            }
        }
        K::RequiredAttributeRemoved if forward_broken => out.push((
            NoteCode::RequiredRemovedBreaksOldConsumers,
            format!("the model may now omit `{name}`; consumers still on the old schema require it"),
        )),
        K::OptionalPropertyAddedToUnopenContentModel if forward_broken => out.push((
            NoteCode::FieldAddedBreaksClosedConsumers,
            format!(
                "the model may now produce `{name}`; consumers still on the old schema reject properties \
                 they do not declare: upgrade consumers before the model"
            ),
        )),
        K::OptionalPropertyAddedToOpenContentModel
        | K::PropertyAddedNotCoveredByPartiallyOpenContentModel
            if backward_broken =>
        {
            out.push((
                NoteCode::OpenObjectFieldConstrained,
                format!(
                    "the old object let `{name}` hold any value, so old samples may carry it in a form the \
                     new schema rejects"
                ),
            ));
        }
        K::PropertyRemovedFromClosedContentModel
        | K::PropertyRemovedNotCoveredByPartiallyOpenContentModel
            if backward_broken =>
        {
            out.push((
                NoteCode::FieldRemovedBreaksCachedSamples,
                format!("old samples that hold `{name}` fail the new schema, which no longer allows it"),
            ));
        }
        K::EnumArrayExtended | K::EnumArrayChanged => {
            if forward_broken {
                out.push((
                    NoteCode::EnumWidenedBreaksStrictConsumers,
                    "the model may now produce values the old enum lacks; consumers that match the old values \
                     exhaustively (Literal types, enum classes, switch statements) reject or mishandle them: \
                     upgrade consumers first"
                        .into(),
                ));
            }
            if backward_broken {
                out.push((
                    NoteCode::EnumNarrowedBreaksCachedSamples,
                    "old samples may hold values the new enum drops".into(),
                ));
            }
        }
        K::EnumArrayNarrowed if backward_broken => {
            out.push((
                NoteCode::EnumNarrowedBreaksCachedSamples,
                "old samples may hold values the new enum drops".into(),
            ));
        }
        K::TypeExtended | K::SumTypeExtended if forward_broken => out.push((
            NoteCode::TypeWidenedBreaksOldConsumers,
            "the model may now produce values here that the old schema rejects; consumers on the old schema \
             reject or misread them"
                .into(),
        )),
        K::TypeNarrowed | K::SumTypeNarrowed | K::TypeChanged if backward_broken => out.push((
            NoteCode::TypeNarrowedBreaksCachedSamples,
            "old samples may hold values here that the new schema rejects".into(),
        )),
        kind if is_constraint(kind) => {
            if backward_broken {
                out.push((
                    NoteCode::ConstraintTightenedBreaksCachedSamples,
                    format!("old samples may fail the new `{name}`"),
                ));
            } else if forward_broken {
                out.push((
                    NoteCode::ConstraintLoosenedBreaksOldConsumers,
                    format!(
                        "the model may now produce values the old `{name}` rejected; consumers validating \
                         with the old schema reject them"
                    ),
                ));
            }
        }
        _ => {}
    }
    out
}

/// Bounds, patterns and formats: the constraints a value meets or not.
fn is_constraint(kind: K) -> bool {
    let code = kind.as_str();
    [
        "MAX_",
        "MIN_",
        "EXCLUSIVE_",
        "MAXIMUM_",
        "MINIMUM_",
        "MULTIPLE_OF_",
        "PATTERN_",
        "UNIQUE_ITEMS_",
        "DEPENDENCY_",
    ]
    .iter()
    .any(|prefix| code.starts_with(prefix))
}
