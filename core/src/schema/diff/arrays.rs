//! Array keywords (`ArraySchemaDiff`): the tuple (`prefixItems`, or `items` as an array)
//! against the content model past it, the schema of the other items, the counts,
//! `uniqueItems` and `contains`.
//!
//! An array reads as a tuple and a *rest*: the schema of every item past the tuple (`items`
//! after `prefixItems`, `additionalItems` after an `items` array, `items` alone for every
//! item, or `unevaluatedItems`). A tuple item added or removed is judged by the other
//! version's rest, as a property is by its object's content model.

use serde_json::{Number, Value};

use super::kind::ChangeKind as K;
use super::node::{accepts_everything, Node};
use super::objects::{Rest, RestKinds};
use super::walk::{child, index, Walker, MAX_CONTAINS, MAX_ITEMS, MIN_CONTAINS, MIN_ITEMS};
use super::Verdict;
use crate::error::Result;

/// Where the rest of an array's items comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// No keyword: any item.
    Absent,
    /// `items` as one schema with no tuple: every item (Confluent's `allItemSchema`).
    AllItems,
    /// Past a tuple (`additionalItems`, or `items` after `prefixItems`), or `items: false`.
    Additional,
    /// `unevaluatedItems`.
    Unevaluated,
}

/// One version's array content model.
struct Items<'a> {
    node: Node<'a>,
    tuple: &'a [Value],
    tuple_keyword: &'static str,
    rest: Rest<'a>,
    rest_keyword: Option<&'static str>,
    role: Role,
    /// `additionalItems` beside no tuple: validators ignore it, Confluent compares it.
    idle_additional: Option<&'a Value>,
}

const ADDITIONAL_ITEMS: RestKinds = [
    K::AdditionalItemsAdded,
    K::AdditionalItemsRemoved,
    K::AdditionalItemsExtended,
    K::AdditionalItemsNarrowed,
];
const UNEVALUATED_ITEMS: RestKinds = [
    K::UnevaluatedItemsAdded,
    K::UnevaluatedItemsRemoved,
    K::UnevaluatedItemsExtended,
    K::UnevaluatedItemsNarrowed,
];

impl<'a> Walker<'a> {
    pub(super) fn arrays(&mut self, o: Node<'a>, n: Node<'a>, path: &str) -> Result<()> {
        let (io, in_) = (self.items(o, path)?, self.items(n, path)?);
        self.tuple(&io, &in_, path)?;
        self.rest_items(&io, &in_, path)?;
        if io.tuple.is_empty()
            && in_.tuple.is_empty()
            && (io.idle_additional.is_some() || in_.idle_additional.is_some())
        {
            let rest = |w: &Self, items: &Items<'a>| match items.idle_additional {
                Some(v) => w.rest_of(items.node.which, path, "additionalItems", v),
                None => Ok(Rest::Open),
            };
            let (a, b) = (rest(self, &io)?, rest(self, &in_)?);
            self.rest_change((o, a), (n, b), ADDITIONAL_ITEMS, &child(path, "additionalItems"), "")?;
        }
        self.bound(o, n, path, "maxItems", MAX_ITEMS)?;
        self.bound(o, n, path, "minItems", MIN_ITEMS)?;
        self.unique(o, n, path)?;
        self.contains(o, n, path)
    }

    fn items(&self, node: Node<'a>, path: &str) -> Result<Items<'a>> {
        let (which, dialect) = (node.which, self.dialect(node.which));
        let array = |keyword: &str| match node.get(keyword) {
            Some(Value::Array(list)) => Some(list.as_slice()),
            _ => None,
        };
        let bad = |keyword: &str| {
            self.invalid(which, &child(path, keyword), format!("`{keyword}` must be a schema"))
        };
        let prefix = array("prefixItems").filter(|_| dialect.prefix_items);
        let (tuple, tuple_keyword, source) = match (prefix, node.get("items")) {
            (Some(p), items) => (p, "prefixItems", items.map(|v| (v, "items", Role::Additional))),
            (None, Some(Value::Array(t))) => (
                t.as_slice(),
                "items",
                node.get("additionalItems").map(|v| (v, "additionalItems", Role::Additional)),
            ),
            (None, Some(v @ Value::Object(_))) => (&[][..], "items", Some((v, "items", Role::AllItems))),
            (None, Some(v @ Value::Bool(_))) => (&[][..], "items", Some((v, "items", Role::Additional))),
            (None, Some(_)) => return Err(bad("items")),
            (None, None) => (&[][..], "items", None),
        };
        let (rest, rest_keyword, role) = match source {
            Some((v, keyword, role)) => (self.rest_of(which, path, keyword, v)?, Some(keyword), role),
            None => match node.get("unevaluatedItems").filter(|_| dialect.modern) {
                Some(v) => {
                    // `contains` evaluates the items it matches, as the in-place applicators do.
                    let rest = if node.has_in_place_applicators() || node.get("contains").is_some() {
                        Rest::Opaque
                    } else {
                        self.rest_of(which, path, "unevaluatedItems", v)?
                    };
                    (rest, Some("unevaluatedItems"), Role::Unevaluated)
                }
                None => (Rest::Open, None, Role::Absent),
            },
        };
        let idle_additional = node
            .get("additionalItems")
            .filter(|_| tuple.is_empty() && rest_keyword != Some("additionalItems"));
        Ok(Items { node, tuple, tuple_keyword, rest, rest_keyword, role, idle_additional })
    }

    /// `compareItemSchemaArray`: items at the same index are compared; the others are judged
    /// by the other version's rest.
    fn tuple(&mut self, io: &Items<'a>, in_: &Items<'a>, path: &str) -> Result<()> {
        let common = io.tuple.len().min(in_.tuple.len());
        for i in 0..common {
            self.descend(&io.tuple[i], &in_.tuple[i], &index(path, in_.tuple_keyword, i))?;
        }
        for (i, a) in io.tuple.iter().enumerate().skip(common) {
            self.item_removed(a, in_.rest, &index(path, io.tuple_keyword, i))?;
        }
        for (i, b) in in_.tuple.iter().enumerate().skip(common) {
            self.item_added(b, io.rest, &index(path, in_.tuple_keyword, i))?;
        }
        Ok(())
    }

    fn item_added(&mut self, b: &'a Value, old_rest: Rest<'a>, here: &str) -> Result<()> {
        self.item_changed(b, old_rest, here, true)
    }

    fn item_removed(&mut self, a: &'a Value, new_rest: Rest<'a>, here: &str) -> Result<()> {
        self.item_changed(a, new_rest, here, false)
    }

    /// A tuple item that only one version has (`added`: the new one), against the other
    /// version's rest. Each change is named from the old schema to the new, with the inverse
    /// kind deciding FORWARD, so a removal is an addition's mirror.
    fn item_changed(&mut self, item: &'a Value, rest: Rest<'a>, here: &str, added: bool) -> Result<()> {
        // (kind, inverse) from the kinds of the addition and of the removal.
        let pick = |add: K, remove: K| if added { (add, remove) } else { (remove, add) };
        let (kind, inverse) = match rest {
            Rest::Open if accepts_everything(item) => {
                pick(K::ItemWithEmptySchemaAddedToOpenContentModel, K::ItemRemovedFromOpenContentModel)
            }
            Rest::Open => pick(K::ItemAddedToOpenContentModel, K::ItemRemovedFromOpenContentModel),
            Rest::Closed if *item == Value::Bool(false) => {
                pick(K::ItemAddedToClosedContentModel, K::ItemWithFalseRemovedFromClosedContentModel)
            }
            Rest::Closed => pick(K::ItemAddedToClosedContentModel, K::ItemRemovedFromClosedContentModel),
            Rest::Schema(s) => {
                let trial =
                    if added { self.trial_below(s, item, here)? } else { self.trial_below(item, s, here)? };
                let v = trial.verdict;
                self.replay(trial);
                let covered = |ok: bool, is: K, not: K| if ok { is } else { not };
                let add_is = K::ItemAddedIsCoveredByPartiallyOpenContentModel;
                let add_not = K::ItemAddedNotCoveredByPartiallyOpenContentModel;
                let remove_is = K::ItemRemovedIsCoveredByPartiallyOpenContentModel;
                let remove_not = K::ItemRemovedNotCoveredByPartiallyOpenContentModel;
                if added {
                    (covered(v.backward, add_is, add_not), covered(v.forward, remove_is, remove_not))
                } else {
                    (covered(v.backward, remove_is, remove_not), covered(v.forward, add_is, add_not))
                }
            }
            Rest::Opaque => {
                let (kind, _) = pick(
                    K::ItemAddedNotCoveredByPartiallyOpenContentModel,
                    K::ItemRemovedNotCoveredByPartiallyOpenContentModel,
                );
                self.not_compared(
                    kind,
                    here,
                    "a tuple item beside `unevaluatedItems` and in-place applicators",
                );
                return Ok(());
            }
        };
        let verdict = Verdict::new(self.accept(kind), self.accept(inverse));
        self.emit_with(kind, here, verdict);
        Ok(())
    }

    /// The rest: `compareItemSchemaObject` (`SCHEMA_ADDED`/`_REMOVED` at `#/items`) when
    /// neither version has a tuple, `compareAdditionalItems` otherwise.
    fn rest_items(&mut self, io: &Items<'a>, in_: &Items<'a>, path: &str) -> Result<()> {
        let plain =
            |items: &Items<'a>| items.tuple.is_empty() && matches!(items.role, Role::Absent | Role::AllItems);
        if plain(io) && plain(in_) {
            let at = child(path, "items");
            match (io.rest, in_.rest) {
                (Rest::Schema(a), Rest::Schema(b)) => self.descend(a, b, &at)?,
                (Rest::Open, Rest::Schema(_)) => self.emit(K::SchemaAdded, &at),
                (Rest::Schema(_), Rest::Open) => self.emit(K::SchemaRemoved, &at),
                _ => {}
            }
            return Ok(());
        }
        let kinds = if io.role == Role::Unevaluated || in_.role == Role::Unevaluated {
            UNEVALUATED_ITEMS
        } else {
            ADDITIONAL_ITEMS
        };
        let at = child(path, in_.rest_keyword.or(io.rest_keyword).unwrap_or("additionalItems"));
        self.rest_change(
            (io.node, io.rest),
            (in_.node, in_.rest),
            kinds,
            &at,
            "`unevaluatedItems` beside in-place applicators",
        )
    }

    fn unique(&mut self, o: Node<'a>, n: Node<'a>, path: &str) -> Result<()> {
        let at = child(path, "uniqueItems");
        let flag = |node: Node<'a>| match node.get("uniqueItems") {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(self.invalid(node.which, &at, "`uniqueItems` must be a boolean")),
        };
        match (flag(o)?, flag(n)?) {
            (false, true) => self.emit(K::UniqueItemsAdded, &at),
            (true, false) => self.emit(K::UniqueItemsRemoved, &at),
            _ => {}
        }
        Ok(())
    }

    /// `contains` with its counts (`minContains` is 1 when absent). A `contains` that changes
    /// under a `maxContains` changes which items count, both ways: not compared.
    fn contains(&mut self, o: Node<'a>, n: Node<'a>, path: &str) -> Result<()> {
        let get =
            |w: &Self, node: Node<'a>| if w.dialect(node.which).draft4 { None } else { node.get("contains") };
        let at = child(path, "contains");
        let (a, b) = match (get(self, o), get(self, n)) {
            (None, None) => return Ok(()),
            (Some(_), None) => {
                self.emit(K::MinContainsRemoved, &at);
                return Ok(());
            }
            (None, Some(_)) => {
                self.emit(K::MinContainsAdded, &at);
                return Ok(());
            }
            (Some(a), Some(b)) => (a, b),
        };
        let counted = |w: &Self, node: Node<'a>, keyword: &str| -> Result<Option<&'a Number>> {
            if w.dialect(node.which).modern {
                w.number(node, path, keyword)
            } else {
                Ok(None)
            }
        };
        let (max_o, max_n) = (counted(self, o, "maxContains")?, counted(self, n, "maxContains")?);
        let trial = self.trial_below(a, b, &at)?;
        if !trial.verdict.both() && (max_o.is_some() || max_n.is_some()) {
            self.not_compared(K::TypeChanged, &at, "a changed `contains` under `maxContains`");
        } else {
            self.replay(trial);
        }
        let one = Number::from(1);
        let (min_o, min_n) = (
            counted(self, o, "minContains")?.unwrap_or(&one),
            counted(self, n, "minContains")?.unwrap_or(&one),
        );
        self.bound_values(Some(min_o), Some(min_n), &child(path, "minContains"), MIN_CONTAINS);
        self.bound_values(max_o, max_n, &child(path, "maxContains"), MAX_CONTAINS);
        Ok(())
    }
}
