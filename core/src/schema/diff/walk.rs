//! The walk: the two schemas side by side, once, in the order of Confluent's
//! `SchemaDiff.compare` (references, unions, type, then each keyword family).
//!
//! Every comparison answers both directions at once: a change carries whether it keeps
//! BACKWARD (old ⊆ new) and FORWARD (new ⊆ old). A comparison tried on the side (a union
//! branch, a pattern that may cover a property) is a [`Trial`], kept or dropped by its caller.

use std::collections::HashMap;

use serde_json::{Number, Value};

use super::kind::ChangeKind as K;
use super::node::{self, is_assertion, json_equal, Dialect, Node, Types, Which};
use super::{Change, CompatibilityPolicy, Note, NoteCode, Verdict, MAX_DEPTH};
use crate::error::{Error, ErrorCode, Result};
use crate::schema::{pointer, walk};

/// Comparisons one diff may make (unions compare every branch with every branch).
const MAX_STEPS: usize = 200_000;

/// The four kinds of a bound keyword (`maxLength`: added, removed, increased, decreased).
#[derive(Clone, Copy)]
pub(super) struct Bounds {
    pub(super) added: K,
    pub(super) removed: K,
    pub(super) increased: K,
    pub(super) decreased: K,
}

macro_rules! bounds {
    ($($name:ident: $added:ident $removed:ident $increased:ident $decreased:ident;)+) => {
        $(pub(super) const $name: Bounds =
            Bounds { added: K::$added, removed: K::$removed, increased: K::$increased, decreased: K::$decreased };)+
    };
}

bounds! {
    MAX_LENGTH: MaxLengthAdded MaxLengthRemoved MaxLengthIncreased MaxLengthDecreased;
    MIN_LENGTH: MinLengthAdded MinLengthRemoved MinLengthIncreased MinLengthDecreased;
    MAXIMUM: MaximumAdded MaximumRemoved MaximumIncreased MaximumDecreased;
    MINIMUM: MinimumAdded MinimumRemoved MinimumIncreased MinimumDecreased;
    EXCLUSIVE_MAXIMUM: ExclusiveMaximumAdded ExclusiveMaximumRemoved ExclusiveMaximumIncreased ExclusiveMaximumDecreased;
    EXCLUSIVE_MINIMUM: ExclusiveMinimumAdded ExclusiveMinimumRemoved ExclusiveMinimumIncreased ExclusiveMinimumDecreased;
    MAX_PROPERTIES: MaxPropertiesAdded MaxPropertiesRemoved MaxPropertiesIncreased MaxPropertiesDecreased;
    MIN_PROPERTIES: MinPropertiesAdded MinPropertiesRemoved MinPropertiesIncreased MinPropertiesDecreased;
    MAX_ITEMS: MaxItemsAdded MaxItemsRemoved MaxItemsIncreased MaxItemsDecreased;
    MIN_ITEMS: MinItemsAdded MinItemsRemoved MinItemsIncreased MinItemsDecreased;
    MAX_CONTAINS: MaxContainsAdded MaxContainsRemoved MaxContainsIncreased MaxContainsDecreased;
    MIN_CONTAINS: MinContainsAdded MinContainsRemoved MinContainsIncreased MinContainsDecreased;
}

/// The changes and notes of a comparison made on the side.
pub(super) struct Trial {
    pub(super) verdict: Verdict,
    changes: Vec<Change>,
    notes: Vec<Note>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Criterion {
    All,
    Any,
    One,
}

/// An `allOf`, `anyOf` or `oneOf`.
#[derive(Clone, Copy)]
struct Union<'a> {
    criterion: Criterion,
    keyword: &'static str,
    branches: &'a [Value],
}

pub(super) struct Walker<'a> {
    roots: [&'a Value; 2],
    dialects: [Dialect; 2],
    policy: CompatibilityPolicy,
    changes: Vec<Change>,
    notes: Vec<Note>,
    /// Pairs being compared, with the instance depth they started at and how many `not`s
    /// they were compared under.
    active: Vec<(usize, usize, usize, usize)>,
    /// How many `not`s the comparison under way is inside: each turns its verdict round.
    negations: usize,
    depth: usize,
    /// How many properties and items deep the instance is: a pair met again deeper is a
    /// recursive schema, assumed compatible (coinduction on the finite instance).
    instance_depth: usize,
    steps: usize,
    /// Steps left to the disjointness proof under way (`disjoint.rs`).
    pub(super) proof_fuel: usize,
    /// The last `accept` was true only under LENIENT.
    leaned: bool,
    patterns: HashMap<String, jsonschema::Validator>,
}

fn address(value: &Value) -> usize {
    std::ptr::from_ref(value) as usize
}

/// `#/a/b` as Confluent prints a path, `#/` for the root.
fn fragment(path: &str) -> String {
    if path.is_empty() {
        "#/".to_owned()
    } else {
        format!("#{path}")
    }
}

pub(super) fn child(path: &str, token: &str) -> String {
    pointer::child(path, token)
}

pub(super) fn index(path: &str, keyword: &str, i: usize) -> String {
    let mut out = child(path, keyword);
    pointer::push_index(&mut out, i);
    out
}

impl<'a> Walker<'a> {
    pub(super) fn new(old: &'a Value, new: &'a Value, policy: CompatibilityPolicy) -> Self {
        Self {
            roots: [old, new],
            dialects: [Dialect::of(old), Dialect::of(new)],
            policy,
            changes: Vec::new(),
            notes: Vec::new(),
            active: Vec::new(),
            negations: 0,
            depth: 0,
            instance_depth: 0,
            steps: 0,
            proof_fuel: 0,
            leaned: false,
            patterns: HashMap::new(),
        }
    }

    /// Refuses a `$ref` anywhere in either document that does not resolve within it, before
    /// any comparison (the walk only meets the `$ref`s on its way).
    ///
    /// A `$ref` inside an embedded resource (a subschema with an `$id` of its own) resolves
    /// against that resource, which the walk does not follow: refused too, rather than
    /// resolved against the root and compared as some other schema.
    pub(super) fn check_refs(&self) -> Result<()> {
        fn visit(w: &Walker<'_>, which: Which, schema: &Value, path: &mut String) -> Result<()> {
            let Value::Object(map) = schema else { return Ok(()) };
            if let Some(reference) = map.get("$ref") {
                let at = child(path, "$ref");
                let Value::String(reference) = reference else {
                    return Err(w.invalid(which, &at, "`$ref` must be a string"));
                };
                if let Some(id) = w.resource_of(which, path) {
                    let message = format!(
                        "`{reference}` is inside the embedded resource `{id}`, whose own `$id` it resolves \
                         against; the diff follows references from the document root only: move the \
                         resource under the root's `$defs` without its `$id`"
                    );
                    return Err(w.error(ErrorCode::UnresolvedRef, which, &at, message));
                }
                if walk::resolve(w.roots[which as usize], reference).is_none() {
                    let message = format!("`{reference}` does not resolve within the schema");
                    return Err(w.error(ErrorCode::UnresolvedRef, which, &at, message));
                }
            }
            for (tokens, sub) in walk::children(map) {
                let len = path.len();
                tokens.iter().for_each(|t| pointer::push(path, t));
                visit(w, which, sub, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        for which in [Which::Old, Which::New] {
            visit(self, which, self.roots[which as usize], &mut String::new())?;
        }
        Ok(())
    }

    /// The `$id` of the innermost embedded resource on the way to `path` (the root's excluded).
    fn resource_of(&self, which: Which, path: &str) -> Option<&'a str> {
        let mut node = self.roots[which as usize];
        let mut found = None;
        for token in pointer::tokens(path) {
            node = match node {
                Value::Object(map) => map.get(&*token)?,
                Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
                _ => return found,
            };
            found = walk::embedded_id(node).or(found);
        }
        found
    }

    pub(super) fn finish(self) -> (Vec<Change>, Vec<Note>) {
        (self.changes, self.notes)
    }

    pub(super) fn dialect(&self, which: Which) -> Dialect {
        self.dialects[which as usize]
    }

    pub(super) fn error(
        &self,
        code: ErrorCode,
        which: Which,
        path: &str,
        message: impl Into<String>,
    ) -> Error {
        Error::new(code, format!("{}{path}", which.name()), message)
    }

    pub(super) fn invalid(&self, which: Which, path: &str, message: impl Into<String>) -> Error {
        self.error(ErrorCode::InvalidSchema, which, path, message)
    }

    // ---- recording ------------------------------------------------------------------

    /// Whether the policy accepts `kind` under BACKWARD; remembers when only LENIENT does.
    pub(super) fn accept(&mut self, kind: K) -> bool {
        let ok = kind.accepted(self.policy);
        if ok && !kind.accepted(CompatibilityPolicy::Strict) {
            self.leaned = true;
        }
        ok
    }

    /// A change whose FORWARD flag is its inverse's BACKWARD one.
    pub(super) fn emit(&mut self, kind: K, path: &str) {
        let verdict = Verdict::new(self.accept(kind), self.accept(kind.inverse()));
        self.emit_with(kind, path, verdict);
    }

    pub(super) fn emit_with(&mut self, kind: K, path: &str, verdict: Verdict) {
        let path = fragment(path);
        if std::mem::take(&mut self.leaned) {
            let message = "compatible only if readers ignore properties they do not declare and \
                           producers send only declared ones (LENIENT); a validator enforcing \
                           closed objects disagrees";
            self.notes.push(Note {
                code: NoteCode::LenientAssumption,
                path: path.clone(),
                message: message.into(),
            });
        }
        self.changes.push(Change { kind, path, backward: verdict.backward, forward: verdict.forward });
    }

    pub(super) fn note(&mut self, code: NoteCode, path: &str, message: impl Into<String>) {
        self.notes.push(Note { code, path: fragment(path), message: message.into() });
    }

    /// A construct the walk does not reason about: incompatible both ways, said so.
    pub(super) fn not_compared(&mut self, kind: K, path: &str, what: &str) {
        self.emit_with(kind, path, Verdict::new(false, false));
        self.note(NoteCode::NotCompared, path, format!("{what}: not compared, so reported incompatible"));
    }

    /// Compares on the side: the changes are returned, not recorded.
    pub(super) fn trial(&mut self, o: &'a Value, n: &'a Value, path: &str, meta: bool) -> Result<Trial> {
        let (changes, notes) = (self.changes.len(), self.notes.len());
        let leaned = std::mem::take(&mut self.leaned);
        self.compare(o, n, path, meta)?;
        self.leaned = leaned;
        let changes = self.changes.split_off(changes);
        let notes = self.notes.split_off(notes);
        Ok(Trial { verdict: Verdict::of(&changes), changes, notes })
    }

    /// Like [`Self::trial`], one property or item deeper in the instance.
    pub(super) fn trial_below(&mut self, o: &'a Value, n: &'a Value, path: &str) -> Result<Trial> {
        self.instance_depth += 1;
        let trial = self.trial(o, n, path, true);
        self.instance_depth -= 1;
        trial
    }

    pub(super) fn replay(&mut self, trial: Trial) {
        self.changes.extend(trial.changes);
        self.notes.extend(trial.notes);
    }

    /// Whether two schemas are the same, `$ref` targets included (each in its document).
    pub(super) fn same(&self, o: &'a Value, n: &'a Value) -> bool {
        if !json_equal(o, n) {
            return false;
        }
        let (mut pending, mut seen) = (Vec::new(), Vec::new());
        node::refs_in(o, &mut pending);
        while let Some(reference) = pending.pop() {
            if seen.contains(&reference) {
                continue;
            }
            seen.push(reference);
            match (walk::resolve(self.roots[0], reference), walk::resolve(self.roots[1], reference)) {
                (Some(a), Some(b)) if json_equal(a, b) => node::refs_in(a, &mut pending),
                _ => return false,
            }
        }
        true
    }

    // ---- the comparison -------------------------------------------------------------

    /// Compares the schemas of a property, an item or a pattern: one level deeper in the instance.
    pub(super) fn descend(&mut self, o: &'a Value, n: &'a Value, path: &str) -> Result<()> {
        self.instance_depth += 1;
        let r = self.compare(o, n, path, true);
        self.instance_depth -= 1;
        r
    }

    /// Compares `o` (old) with `n` (new) at `path`; `meta` compares titles and descriptions too.
    pub(super) fn compare(&mut self, o: &'a Value, n: &'a Value, path: &str, meta: bool) -> Result<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS || self.depth >= MAX_DEPTH {
            let message = "the schemas are too large or too deeply nested to compare";
            return Err(self.error(ErrorCode::LimitExceeded, Which::Old, path, message));
        }
        let o = self.resolve(Which::Old, o, path)?;
        let n = self.resolve(Which::New, n, path)?;
        let pair = (address(o), address(n));
        if let Some(&(_, _, at, negations)) = self.active.iter().rev().find(|a| (a.0, a.1) == pair) {
            if self.instance_depth > at && negations % 2 != self.negations % 2 {
                // Met again the other way round (under a `not`): what is assumed of the pair is
                // not what is asked of it here.
                self.not_compared(K::CombinedTypeChanged, path, "a recursive schema met again under `not`");
                return Ok(());
            }
            if self.instance_depth > at {
                return Ok(());
            }
            let message = "a `$ref` cycle that never reaches a property or an item cannot be compared";
            return Err(self.invalid(Which::Old, path, message));
        }
        self.active.push((pair.0, pair.1, self.instance_depth, self.negations));
        self.depth += 1;
        let result = self.compare_resolved(o, n, path, meta);
        self.depth -= 1;
        self.active.pop();
        result
    }

    /// Follows `$ref`s within the document (Confluent's `normalizeSchema`). A `$ref` beside
    /// assertions in 2019-09 and later stays: its target is one more conjunct ([`Self::refs`]).
    pub(super) fn resolve(&self, which: Which, mut value: &'a Value, path: &str) -> Result<&'a Value> {
        let mut seen = Vec::new();
        loop {
            let map = match value {
                Value::Bool(_) => return Ok(value),
                Value::Object(map) => map,
                _ => return Err(self.invalid(which, path, "a schema must be an object or a boolean")),
            };
            let Some(reference) = map.get("$ref") else { return Ok(value) };
            let Value::String(reference) = reference else {
                return Err(self.invalid(which, &child(path, "$ref"), "`$ref` must be a string"));
            };
            let hides = self.dialect(which).ref_hides_siblings;
            if !hides && map.keys().any(|k| k != "$ref" && is_assertion(k)) {
                return Ok(value);
            }
            if seen.contains(&address(value)) {
                return Err(self.invalid(
                    which,
                    &child(path, "$ref"),
                    format!("`{reference}` refers to itself"),
                ));
            }
            seen.push(address(value));
            value = walk::resolve(self.roots[which as usize], reference).ok_or_else(|| {
                let message = format!("`{reference}` does not resolve within the schema");
                self.error(ErrorCode::UnresolvedRef, which, &child(path, "$ref"), message)
            })?;
        }
    }

    /// The node of a resolved schema. A `$ref` beside assertions (2019-09 and later) applies
    /// its target to the instance as well: where the target is a plain schema whose keywords
    /// the siblings do not also set (or set to the same value), and no keyword that reads
    /// another is split between the two (`additionalProperties` reads `properties`), the two
    /// are one schema, read as such: `{"$ref": "#/$defs/s", "minLength": 1}` against
    /// `{"$ref": "#/$defs/s"}` is a string gaining a bound, not a new type. Otherwise the
    /// target stays one more conjunct ([`Self::refs`]).
    pub(super) fn node(&self, which: Which, value: &'a Value) -> Node<'a> {
        let node = Node::new(which, value);
        let Some(Value::String(reference)) = node.map.get("$ref") else { return node };
        let Some(target) = walk::resolve(self.roots[which as usize], reference) else { return node };
        let target = match self.resolve(which, target, "") {
            Ok(Value::Object(t)) if !t.contains_key("$ref") => t,
            _ => return node,
        };
        let set = |k: &str| is_assertion(k) && k != "$ref";
        let clash = node.map.iter().any(|(k, v)| set(k) && target.get(k).is_some_and(|t| !json_equal(t, v)));
        let reads_another = READING.iter().any(|group| {
            let here = group.iter().any(|k| node.map.contains_key(*k));
            let there = group.iter().any(|k| target.contains_key(*k));
            here && there
        }) || ["unevaluatedProperties", "unevaluatedItems"]
            .iter()
            .any(|k| node.map.contains_key(*k) || target.contains_key(*k));
        if clash || reads_another {
            return node;
        }
        node.merging(target)
    }

    fn compare_resolved(&mut self, o: &'a Value, n: &'a Value, path: &str, meta: bool) -> Result<()> {
        // `SchemaDiff.compare`: a `false` original accepts nothing, so anything replaces it.
        match (o, n) {
            (Value::Bool(false), Value::Bool(false)) => return Ok(()),
            (Value::Bool(false), _) => {
                self.emit_with(K::TypeExtended, path, Verdict::new(true, false));
                return Ok(());
            }
            (_, Value::Bool(false)) => {
                self.emit_with(K::TypeNarrowed, path, Verdict::new(false, true));
                return Ok(());
            }
            _ => {}
        }
        let (o, n) = (self.node(Which::Old, o), self.node(Which::New, n));
        if meta {
            self.meta(o, n, path);
        }
        let (uo, un) = (self.unions(o, path)?, self.unions(n, path)?);
        match (pure(o, &uo), pure(n, &un)) {
            (None, Some(u)) if uo.is_empty() => self.plain_and_union(o, u, path),
            (Some(u), None) if un.is_empty() => self.plain_and_union(n, u, path),
            (Some(a), Some(b)) => self.combined(o, a, n, b, path),
            _ => {
                self.facets(o, n, path)?;
                self.union_facets(o, &uo, n, &un, path)
            }
        }
    }

    fn meta(&mut self, o: Node<'a>, n: Node<'a>, path: &str) {
        for (keyword, kind) in [
            ("$id", K::IdChanged),
            ("title", K::TitleChanged),
            ("description", K::DescriptionChanged),
            ("default", K::DefaultChanged),
        ] {
            let same = match (o.get(keyword), n.get(keyword)) {
                (Some(a), Some(b)) => json_equal(a, b),
                (a, b) => a.is_none() && b.is_none(),
            };
            if !same {
                self.emit(kind, path);
            }
        }
    }

    // ---- unions (`SchemaDiff.compare`, `CombinedSchemaDiff`) -------------------------

    fn unions(&self, node: Node<'a>, path: &str) -> Result<Vec<Union<'a>>> {
        let mut out = Vec::new();
        for (keyword, criterion) in
            [("allOf", Criterion::All), ("anyOf", Criterion::Any), ("oneOf", Criterion::One)]
        {
            match node.get(keyword) {
                None => {}
                Some(Value::Array(b)) if b.is_empty() && criterion == Criterion::All => {}
                Some(Value::Array(branches)) if !branches.is_empty() => {
                    out.push(Union { criterion, keyword, branches });
                }
                Some(_) => {
                    let message = format!("`{keyword}` must be a non-empty array of schemas");
                    return Err(self.invalid(node.which, &child(path, keyword), message));
                }
            }
        }
        Ok(out)
    }

    /// A plain schema on one side and a union on the other (`SchemaDiff.compare`, combined
    /// against non-combined). A singleton union is its branch. Otherwise the plain schema must
    /// fit one branch of an `anyOf`/`oneOf` (and, for `oneOf`, be disjoint from the others):
    /// the first that fits is reported, with `SUM_TYPE_EXTENDED` when the union is new and
    /// `SUM_TYPE_NARROWED` when it was old.
    fn plain_and_union(&mut self, plain: Node<'a>, u: Union<'a>, path: &str) -> Result<()> {
        let union_is_new = plain.which == Which::Old;
        let pair =
            |branch: &'a Value| if union_is_new { (plain.value, branch) } else { (branch, plain.value) };
        if let [only] = u.branches {
            let (o, n) = pair(only);
            return self.compare(o, n, path, false);
        }
        let mut fitting = None;
        if u.criterion != Criterion::All {
            let mut trials = Vec::with_capacity(u.branches.len());
            for branch in u.branches {
                let (o, n) = pair(branch);
                trials.push(self.trial(o, n, path, false)?);
            }
            let fits = |t: &Trial| if union_is_new { t.verdict.backward } else { t.verdict.forward };
            fitting = trials.iter().position(fits).map(|i| (i, trials.swap_remove(i)));
        }
        let Some((i, trial)) = fitting else {
            self.emit_with(K::TypeChanged, path, Verdict::new(false, false));
            return Ok(());
        };
        let other = if union_is_new { Which::New } else { Which::Old };
        let exclusive = u.criterion != Criterion::One
            || self.exclusive((plain.which, plain.value), (other, u.branches), i, |_| false);
        self.replay(trial);
        if union_is_new {
            self.emit_with(K::SumTypeExtended, path, Verdict::new(exclusive, false));
            if u.branches.iter().any(|b| b.get("type").and_then(Value::as_str) == Some("null")) {
                self.null_added(plain, path);
            }
        } else {
            self.emit_with(K::SumTypeNarrowed, path, Verdict::new(false, exclusive));
        }
        if !exclusive {
            self.overlap(path);
        }
        Ok(())
    }

    /// Whether `a` and `b` are a `oneOf` and an `anyOf` (either way round) whose `oneOf`
    /// branches are pairwise disjoint: then the `oneOf` accepts what the `anyOf` of the same
    /// branches does.
    fn one_of_is_any_of(&mut self, a: Union<'a>, b: Union<'a>) -> bool {
        let (which, one) = match (a.criterion, b.criterion) {
            (Criterion::One, Criterion::Any) => (Which::Old, a),
            (Criterion::Any, Criterion::One) => (Which::New, b),
            _ => return false,
        };
        let branches = one.branches;
        (0..branches.len())
            .all(|i| (0..i).all(|j| self.disjoint((which, &branches[i]), (which, &branches[j]), 0)))
    }

    /// Two unions (`CombinedSchemaDiff.compare`): the criteria, the sizes, then a maximum
    /// matching of compatible branch pairs that must cover the smaller side.
    fn combined(&mut self, o: Node<'a>, a: Union<'a>, n: Node<'a>, b: Union<'a>, path: &str) -> Result<()> {
        let start = self.changes.len();
        let (ai, bi) = (node::distinct(a.branches), node::distinct(b.branches));
        let (na, nb) = (ai.len(), bi.len());
        let kb = criteria(a.criterion, b.criterion, na, nb);
        let kf = criteria(b.criterion, a.criterion, nb, na);
        // `oneOf` and `anyOf` of branches no instance matches twice accept the same instances
        // (the strict form's rewrite of a discriminated union): Confluent's kind is reported,
        // compatible both ways, and the branches are compared as under one criterion.
        let same = kb.is_some() && self.one_of_is_any_of(a, b);
        let (changed_b, changed_f) = if same {
            (false, false)
        } else {
            (kb == Some(K::CombinedTypeChanged), kf == Some(K::CombinedTypeChanged))
        };
        if let Some(kind) = kb {
            let forward = same || kf.is_none_or(|k| self.accept(k));
            let verdict = Verdict::new(same || self.accept(kind), forward);
            self.emit_with(kind, path, verdict);
        }
        if changed_b && changed_f {
            return Ok(());
        }
        // More branches are named after the new criterion, fewer after the old one (as
        // Confluent's test data shows). Past a changed criterion Confluent stops; a size
        // change is still reported when FORWARD needs it (more new branches to cover).
        let sized = match na.cmp(&nb) {
            std::cmp::Ordering::Less => {
                Some(if b.criterion == Criterion::All { K::ProductTypeExtended } else { K::SumTypeExtended })
            }
            std::cmp::Ordering::Greater => {
                Some(if a.criterion == Criterion::All { K::ProductTypeNarrowed } else { K::SumTypeNarrowed })
            }
            std::cmp::Ordering::Equal => None,
        };
        if let Some(kind) = sized.filter(|k| !changed_b || !k.inverse().accepted(self.policy)) {
            self.emit(kind, path);
        }

        let mut trials: Vec<Vec<Option<Trial>>> = Vec::with_capacity(na);
        for &i in &ai {
            let at = index(path, a.keyword, i);
            let mut row = Vec::with_capacity(nb);
            for &j in &bi {
                row.push(Some(self.trial(&a.branches[i], &b.branches[j], &at, true)?));
            }
            trials.push(row);
        }
        let v: Vec<Vec<Verdict>> = trials
            .iter()
            .map(|row| {
                row.iter().map(|t| t.as_ref().map_or(Verdict::new(false, false), |t| t.verdict)).collect()
            })
            .collect();
        let cost: Vec<Vec<usize>> = trials
            .iter()
            .map(|row| row.iter().map(|t| t.as_ref().map_or(0, |t| t.changes.len())).collect())
            .collect();
        let need = na.min(nb);
        let back = matching(na, nb, |x, y| v[x][y].backward.then_some(cost[x][y]));
        let fore = matching(na, nb, |x, y| v[x][y].forward.then_some(cost[x][y]));
        let both = matching(na, nb, |x, y| v[x][y].both().then_some(cost[x][y]));
        let chosen = [&both, &back, &fore].into_iter().find(|m| size(m) >= need).unwrap_or(&both);
        for (x, y) in pairs(chosen) {
            if let Some(trial) = trials[x][y].take() {
                self.replay(trial);
            }
        }

        // `oneOf` needs exactly one branch: an old value's branch must be disjoint from every
        // other new branch, or inside an old branch the value did not match (old `oneOf`).
        let slot_a = slots(a.branches, &ai);
        let slot_b = slots(b.branches, &bi);
        // An old `oneOf` branch listed twice matches no valid old value.
        let twice = |slots: &[usize], s: usize| slots.iter().filter(|&&t| t == s).count() > 1;
        let mut guard_b = true;
        if b.criterion == Criterion::One {
            for (x, y) in pairs(&back) {
                if a.criterion == Criterion::One && twice(&slot_a, x) {
                    continue;
                }
                let piece = if a.criterion == Criterion::All { o.value } else { &a.branches[ai[x]] };
                let covered = |j: usize| {
                    a.criterion == Criterion::One && (0..na).any(|x2| x2 != x && v[x2][slot_b[j]].forward)
                };
                guard_b &= self.exclusive((Which::Old, piece), (Which::New, b.branches), bi[y], covered);
            }
        }
        let mut guard_f = true;
        if a.criterion == Criterion::One {
            for (x, y) in pairs(&fore) {
                if b.criterion == Criterion::One && twice(&slot_b, y) {
                    continue;
                }
                let piece = if b.criterion == Criterion::All { n.value } else { &b.branches[bi[y]] };
                let covered = |j: usize| {
                    b.criterion == Criterion::One && (0..nb).any(|y2| y2 != y && v[slot_a[j]][y2].backward)
                };
                guard_f &= self.exclusive((Which::New, piece), (Which::Old, a.branches), ai[x], covered);
            }
        }
        // Confluent reports a failed matching (BACKWARD); a FORWARD failure is reported here
        // unless a change above already carries it.
        let (cover_b, cover_f) = (size(&back) >= need, size(&fore) >= need);
        let carried = Verdict::of(&self.changes[start..]);
        let forward_ok = changed_f || (cover_f && guard_f) || !carried.forward;
        let verdict = Verdict::new(changed_b || (cover_b && guard_b), forward_ok);
        if !verdict.both() {
            self.emit_with(K::CombinedTypeSubschemasChanged, path, verdict);
            if (cover_b && !guard_b && !changed_b) || (cover_f && !guard_f && !changed_f) {
                self.overlap(path);
            }
        }
        Ok(())
    }

    /// Unions beside other keywords: each is one more conjunct, paired by keyword.
    fn union_facets(
        &mut self,
        o: Node<'a>,
        uo: &[Union<'a>],
        n: Node<'a>,
        un: &[Union<'a>],
        path: &str,
    ) -> Result<()> {
        if let ([a], [b]) = (uo, un) {
            return self.combined(o, *a, n, *b, path);
        }
        for a in uo {
            match un.iter().find(|b| b.keyword == a.keyword) {
                Some(b) => self.combined(o, *a, n, *b, path)?,
                None => self.emit(K::ProductTypeNarrowed, &child(path, a.keyword)),
            }
        }
        for b in un.iter().filter(|b| !uo.iter().any(|a| a.keyword == b.keyword)) {
            self.emit(K::ProductTypeExtended, &child(path, b.keyword));
        }
        Ok(())
    }

    fn overlap(&mut self, path: &str) {
        let message = "a value valid under the old schema may match two branches of a `oneOf`, which \
                       rejects it (Confluent calls this change compatible)";
        self.note(NoteCode::OneOfOverlap, path, message);
    }

    fn null_added(&mut self, o: Node<'a>, path: &str) {
        if !self.admitted(o, path).is_ok_and(|t| t.meets(Types::NULL)) {
            let message = "the model may now answer null here; consumers still on the old schema must \
                           accept null before the new schema reaches the model";
            self.note(NoteCode::NullAddedBreaksOldConsumers, path, message);
        }
    }

    // ---- the keyword families of one schema ----------------------------------------

    fn facets(&mut self, o: Node<'a>, n: Node<'a>, path: &str) -> Result<()> {
        for keyword in ["$dynamicRef", "$recursiveRef"] {
            if o.get(keyword).is_some() || n.get(keyword).is_some() {
                self.not_compared(K::TypeChanged, path, &format!("`{keyword}`"));
                return Ok(());
            }
        }
        let Some(shared) = self.types(o, n, path)? else { return Ok(()) };
        self.enums(o, n, path)?;
        if shared.meets(Types::STRING) {
            self.bound(o, n, path, "minLength", MIN_LENGTH)?;
            self.bound(o, n, path, "maxLength", MAX_LENGTH)?;
            for keyword in ["pattern", "format", "contentMediaType", "contentEncoding"] {
                self.text(o, n, path, keyword);
            }
        }
        if shared.meets(Types::NUMBER) {
            self.bound(o, n, path, "minimum", MINIMUM)?;
            self.bound(o, n, path, "maximum", MAXIMUM)?;
            self.exclusive_bound(o, n, path, "exclusiveMinimum", EXCLUSIVE_MINIMUM)?;
            self.exclusive_bound(o, n, path, "exclusiveMaximum", EXCLUSIVE_MAXIMUM)?;
            self.multiple_of(o, n, path)?;
        }
        if shared.meets(Types::OBJECT) {
            self.objects(o, n, path)?;
        }
        if shared.meets(Types::ARRAY) {
            self.arrays(o, n, path)?;
        }
        self.not(o, n, path)?;
        self.conditional(o, n, path)?;
        self.refs(o, n, path)
    }

    /// The JSON types a schema's own `type` admits, and whether it lists several.
    fn declared(&self, node: Node<'a>, path: &str) -> Result<(Types, bool)> {
        let bad = || {
            self.invalid(node.which, &child(path, "type"), "`type` must be a type name or an array of them")
        };
        let draft4 = self.dialect(node.which).draft4;
        let named = |name: &Value| name.as_str().and_then(|name| Types::named(name, draft4)).ok_or_else(bad);
        match node.get("type") {
            None => Ok((Types::ALL, false)),
            Some(name @ Value::String(_)) => named(name).map(|t| (t, false)),
            Some(Value::Array(names)) => {
                let mut types = Types::NONE;
                for name in names {
                    types = types.or(named(name)?);
                }
                Ok((types, names.len() > 1))
            }
            Some(_) => Err(bad()),
        }
    }

    /// The values an `enum` or `const` allows (both: the `const` if the `enum` has it).
    pub(super) fn values(
        &self,
        node: Node<'a>,
        path: &str,
    ) -> Result<Option<(Vec<&'a Value>, &'static str)>> {
        let constant = if self.dialect(node.which).draft4 { None } else { node.get("const") };
        let listed = match node.get("enum") {
            None => None,
            Some(Value::Array(values)) => Some(values),
            Some(_) => return Err(self.invalid(node.which, &child(path, "enum"), "`enum` must be an array")),
        };
        Ok(match (constant, listed) {
            (Some(c), Some(e)) => Some((e.iter().filter(|v| json_equal(v, c)).take(1).collect(), "const")),
            (Some(c), None) => Some((vec![c], "const")),
            (None, Some(e)) => Some((e.iter().collect(), "enum")),
            (None, None) => None,
        })
    }

    /// The JSON types a schema's own `type`, `enum` and `const` admit.
    pub(super) fn admitted(&self, node: Node<'a>, path: &str) -> Result<Types> {
        let (declared, _) = self.declared(node, path)?;
        Ok(match self.values(node, path)? {
            Some((values, _)) => declared.and(values.iter().fold(Types::NONE, |t, v| t.or(Types::of(v)))),
            None => declared,
        })
    }

    /// The `type` family; the types both sides admit (whose keyword families matter), or
    /// `None` when the declared types share nothing (`TYPE_CHANGED`, nothing else compared).
    fn types(&mut self, o: Node<'a>, n: Node<'a>, path: &str) -> Result<Option<Types>> {
        let ((declared_o, multi_o), (declared_n, multi_n)) =
            (self.declared(o, path)?, self.declared(n, path)?);
        let (eo, en) = (self.admitted(o, path)?, self.admitted(n, path)?);
        if !declared_o.meets(declared_n) {
            self.emit_with(K::TypeChanged, path, Verdict::new(false, false));
            return Ok(None);
        }
        if declared_o != declared_n {
            let verdict = Verdict::new(en.covers(eo), eo.covers(en));
            if !verdict.both() {
                let kind = match (declared_n.covers(declared_o), declared_o.covers(declared_n)) {
                    (true, _) if multi_n => K::SumTypeExtended,
                    (true, _) => K::TypeExtended,
                    (_, true) if multi_o => K::SumTypeNarrowed,
                    (_, true) => K::TypeNarrowed,
                    _ => K::TypeChanged,
                };
                self.emit_with(kind, path, verdict);
                if en.meets(Types::NULL) && !eo.meets(Types::NULL) {
                    self.null_added(o, path);
                }
            }
        }
        Ok(Some(eo.and(en)))
    }

    /// `enum` and `const` (`EnumSchemaDiff`); one added or removed beside a type is a conjunct
    /// of Confluent's implicit `allOf` (`PRODUCT_TYPE_EXTENDED` / `_NARROWED`).
    fn enums(&mut self, o: Node<'a>, n: Node<'a>, path: &str) -> Result<()> {
        match (self.values(o, path)?, self.values(n, path)?) {
            (Some((a, _)), Some((b, keyword))) => {
                let within =
                    |x: &[&Value], y: &[&Value]| x.iter().all(|v| y.iter().any(|w| json_equal(v, w)));
                let kind = match (within(&a, &b), within(&b, &a)) {
                    (true, true) => return Ok(()),
                    (true, false) => K::EnumArrayExtended,
                    (false, true) => K::EnumArrayNarrowed,
                    (false, false) => K::EnumArrayChanged,
                };
                self.emit(kind, &child(path, keyword));
            }
            (Some(_), None) => self.emit(K::ProductTypeNarrowed, path),
            (None, Some(_)) => self.emit(K::ProductTypeExtended, path),
            (None, None) => {}
        }
        Ok(())
    }

    pub(super) fn number(&self, node: Node<'a>, path: &str, keyword: &str) -> Result<Option<&'a Number>> {
        match node.get(keyword) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(Some(n)),
            Some(_) => {
                Err(self.invalid(node.which, &child(path, keyword), format!("`{keyword}` must be a number")))
            }
        }
    }

    /// A bound keyword (`StringSchemaDiff`, `NumberSchemaDiff`, ...): added, removed, or moved.
    pub(super) fn bound(
        &mut self,
        o: Node<'a>,
        n: Node<'a>,
        path: &str,
        keyword: &str,
        kinds: Bounds,
    ) -> Result<()> {
        let (a, b) = (self.number(o, path, keyword)?, self.number(n, path, keyword)?);
        self.bound_values(a, b, &child(path, keyword), kinds);
        Ok(())
    }

    pub(super) fn bound_values(&mut self, a: Option<&Number>, b: Option<&Number>, at: &str, kinds: Bounds) {
        let kind = match (a, b) {
            (None, None) => return,
            (None, Some(_)) => kinds.added,
            (Some(_), None) => kinds.removed,
            (Some(a), Some(b)) => match node::compare_numbers(a, b) {
                std::cmp::Ordering::Less => kinds.increased,
                std::cmp::Ordering::Greater => kinds.decreased,
                std::cmp::Ordering::Equal => return,
            },
        };
        self.emit(kind, at);
    }

    /// `exclusiveMinimum`/`exclusiveMaximum`: a number, or draft 4's boolean flag on the bound.
    fn exclusive_bound(
        &mut self,
        o: Node<'a>,
        n: Node<'a>,
        path: &str,
        keyword: &str,
        kinds: Bounds,
    ) -> Result<()> {
        let (a, b) = (o.get(keyword), n.get(keyword));
        if !a.is_some_and(Value::is_boolean) && !b.is_some_and(Value::is_boolean) {
            return self.bound(o, n, path, keyword, kinds);
        }
        let at = child(path, keyword);
        let flag = |v: Option<&Value>| v.is_none_or(Value::is_boolean);
        if flag(a) && flag(b) {
            let (x, y) = (a == Some(&Value::Bool(true)), b == Some(&Value::Bool(true)));
            if x != y {
                self.emit(if y { kinds.added } else { kinds.removed }, &at);
            }
        } else {
            self.emit_with(kinds.added, &at, Verdict::new(false, false));
        }
        Ok(())
    }

    /// `multipleOf`: a divisor of the old step accepts more (`MULTIPLE_OF_REDUCED`). Only
    /// integral steps are compared by division; fractional ones that differ are `CHANGED`.
    fn multiple_of(&mut self, o: Node<'a>, n: Node<'a>, path: &str) -> Result<()> {
        let (a, b) = (self.number(o, path, "multipleOf")?, self.number(n, path, "multipleOf")?);
        let kind = match (a, b) {
            (None, None) => return Ok(()),
            (None, Some(_)) => K::MultipleOfAdded,
            (Some(_), None) => K::MultipleOfRemoved,
            (Some(a), Some(b)) if node::compare_numbers(a, b).is_eq() => return Ok(()),
            (Some(a), Some(b)) => match (node::integer(a), node::integer(b)) {
                (Some(x), Some(y)) if x != 0 && y != 0 && y % x == 0 => K::MultipleOfExpanded,
                (Some(x), Some(y)) if x != 0 && y != 0 && x % y == 0 => K::MultipleOfReduced,
                _ => K::MultipleOfChanged,
            },
        };
        self.emit(kind, &child(path, "multipleOf"));
        Ok(())
    }

    /// A string-shape keyword (`pattern`, `format`, content): Confluent's `PATTERN_*`.
    fn text(&mut self, o: Node<'a>, n: Node<'a>, path: &str, keyword: &str) {
        let kind = match (o.get(keyword), n.get(keyword)) {
            (None, None) => return,
            (Some(a), Some(b)) if json_equal(a, b) => return,
            (None, Some(_)) => K::PatternAdded,
            (Some(_), None) => K::PatternRemoved,
            (Some(_), Some(_)) => K::PatternChanged,
        };
        self.emit(kind, &child(path, keyword));
    }

    /// `not` (`NotSchemaDiff`): the negated schemas compare the other way round.
    fn not(&mut self, o: Node<'a>, n: Node<'a>, path: &str) -> Result<()> {
        let at = child(path, "not");
        match (o.get("not"), n.get("not")) {
            (None, None) => {}
            (Some(_), None) => self.emit_with(K::NotTypeNarrowed, &at, Verdict::new(true, false)),
            (None, Some(_)) => self.emit_with(K::NotTypeExtended, &at, Verdict::new(false, true)),
            (Some(a), Some(b)) => {
                self.negations += 1;
                let inner = self.trial(a, b, &at, true);
                self.negations -= 1;
                let inner = inner?.verdict;
                if !inner.both() {
                    let kind = if inner.forward { K::NotTypeNarrowed } else { K::NotTypeExtended };
                    self.emit_with(kind, &at, Verdict::new(inner.forward, inner.backward));
                }
            }
        }
        Ok(())
    }

    /// `if`/`then`/`else`, compared branch by branch only when the two `if`s are equivalent.
    fn conditional(&mut self, o: Node<'a>, n: Node<'a>, path: &str) -> Result<()> {
        let cond =
            |w: &Self, node: Node<'a>| if w.dialect(node.which).conditionals { node.get("if") } else { None };
        let at = child(path, "if");
        match (cond(self, o), cond(self, n)) {
            (None, None) => return Ok(()),
            (Some(_), None) => {
                self.emit(K::ProductTypeNarrowed, &at);
                return Ok(());
            }
            (None, Some(_)) => {
                self.emit(K::ProductTypeExtended, &at);
                return Ok(());
            }
            (Some(a), Some(b)) => {
                let trial = self.trial(a, b, &at, true)?;
                if !trial.verdict.both() {
                    self.not_compared(K::CombinedTypeChanged, &at, "`if` schemas that differ");
                    return Ok(());
                }
                self.replay(trial);
            }
        }
        for keyword in ["then", "else"] {
            let at = child(path, keyword);
            match (o.get(keyword), n.get(keyword)) {
                (None, None) => {}
                (Some(_), None) => self.emit(K::ProductTypeNarrowed, &at),
                (None, Some(_)) => self.emit(K::ProductTypeExtended, &at),
                (Some(a), Some(b)) => self.compare(a, b, &at, true)?,
            }
        }
        Ok(())
    }

    /// A `$ref` beside assertions (2019-09 and later): its target is one more conjunct.
    fn refs(&mut self, o: Node<'a>, n: Node<'a>, path: &str) -> Result<()> {
        let target = |w: &Self, node: Node<'a>| -> Result<Option<&'a Value>> {
            match node.map.get("$ref") {
                _ if node.ref_merged() => Ok(None),
                Some(Value::String(r)) => {
                    walk::resolve(w.roots[node.which as usize], r).map(Some).ok_or_else(|| {
                        let message = format!("`{r}` does not resolve within the schema");
                        w.error(ErrorCode::UnresolvedRef, node.which, &child(path, "$ref"), message)
                    })
                }
                _ => Ok(None),
            }
        };
        let at = child(path, "$ref");
        match (target(self, o)?, target(self, n)?) {
            (None, None) => Ok(()),
            (Some(a), Some(b)) => self.compare(a, b, path, false),
            (Some(_), None) => {
                self.emit(K::ProductTypeNarrowed, &at);
                Ok(())
            }
            (None, Some(_)) => {
                self.emit(K::ProductTypeExtended, &at);
                Ok(())
            }
        }
    }

    /// Whether the names of properties `pattern` matches include `name`, with the
    /// validator's own regex dialect.
    pub(super) fn matches(&mut self, which: Which, path: &str, pattern: &str, name: &str) -> Result<bool> {
        if !self.patterns.contains_key(pattern) {
            let validator =
                jsonschema::validator_for(&serde_json::json!({ "pattern": pattern })).map_err(|e| {
                    self.invalid(
                        which,
                        &child(&child(path, "patternProperties"), pattern),
                        format!("invalid pattern: {e}"),
                    )
                })?;
            self.patterns.insert(pattern.to_owned(), validator);
        }
        Ok(self.patterns.get(pattern).is_some_and(|v| v.is_valid(&Value::String(name.to_owned()))))
    }
}

/// Keywords that read one another within one schema object: split between a `$ref`'s site
/// and its target, they would read differently merged.
const READING: &[&[&str]] = &[
    &["properties", "patternProperties", "additionalProperties"],
    &["items", "prefixItems", "additionalItems"],
    &["contains", "minContains", "maxContains"],
    &["if", "then", "else"],
];

/// The union of a schema that has nothing else to say.
fn pure<'a>(node: Node<'a>, unions: &[Union<'a>]) -> Option<Union<'a>> {
    match unions {
        [u] if node.keys().all(|k| k == u.keyword || !is_assertion(k)) => Some(*u),
        _ => None,
    }
}

/// The kind of a change of criterion (`CombinedSchemaDiff.compareCriteria`, as Confluent's
/// test data shows it: a change to `anyOf` extends; to `oneOf` from a singleton, or from
/// `allOf` to a singleton; to `allOf` between singletons).
fn criteria(from: Criterion, to: Criterion, n_from: usize, n_to: usize) -> Option<K> {
    use Criterion::{All, Any, One};
    let extended = match (from, to) {
        _ if from == to => return None,
        (_, Any) => true,
        (_, One) => n_from == 1 || (from == All && n_to == 1),
        (_, All) => n_from == 1 && n_to == 1,
    };
    Some(if extended { K::CombinedTypeExtended } else { K::CombinedTypeChanged })
}

/// For each position of `values`, the index in `distinct` of its first equal value.
fn slots(values: &[Value], distinct: &[usize]) -> Vec<usize> {
    values.iter().map(|v| distinct.iter().position(|&d| json_equal(&values[d], v)).unwrap_or(0)).collect()
}

fn size(matching: &[Option<usize>]) -> usize {
    matching.iter().flatten().count()
}

fn pairs(matching: &[Option<usize>]) -> Vec<(usize, usize)> {
    matching.iter().enumerate().filter_map(|(x, y)| y.map(|y| (x, y))).collect()
}

/// A maximum bipartite matching (Kuhn's augmenting paths), as `MaximumCardinalityMatch`:
/// `left[x] = Some(y)`. `cost(x, y)` is `None` without an edge; cheaper edges are tried first,
/// so that identical branches pair up before branches that merely fit.
fn matching(rows: usize, cols: usize, cost: impl Fn(usize, usize) -> Option<usize>) -> Vec<Option<usize>> {
    fn augment(x: usize, order: &[Vec<usize>], seen: &mut [bool], right: &mut [Option<usize>]) -> bool {
        for &y in &order[x] {
            if !seen[y] {
                seen[y] = true;
                if right[y].is_none_or(|x2| augment(x2, order, seen, right)) {
                    right[y] = Some(x);
                    return true;
                }
            }
        }
        false
    }
    let order: Vec<Vec<usize>> = (0..rows)
        .map(|x| {
            let mut ys: Vec<(usize, usize)> = (0..cols).filter_map(|y| cost(x, y).map(|c| (c, y))).collect();
            ys.sort_unstable();
            ys.into_iter().map(|(_, y)| y).collect()
        })
        .collect();
    let mut right = vec![None; cols];
    for x in 0..rows {
        augment(x, &order, &mut vec![false; cols], &mut right);
    }
    let mut left = vec![None; rows];
    for (y, x) in right.iter().enumerate() {
        if let Some(x) = x {
            left[*x] = Some(y);
        }
    }
    left
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_finds_the_augmenting_path() {
        // 0 fits 0 or 1, 1 fits only 0: the greedy pick 0-0 must move.
        let m = matching(2, 2, |x, y| ((x, y) != (1, 1)).then_some(0));
        assert_eq!(size(&m), 2);
        assert_eq!(m, [Some(1), Some(0)]);
    }

    #[test]
    fn criteria_follow_confluents_cases() {
        use Criterion::{All, Any, One};
        assert_eq!(criteria(One, Any, 2, 1), Some(K::CombinedTypeExtended));
        assert_eq!(criteria(Any, One, 2, 1), Some(K::CombinedTypeChanged));
        assert_eq!(criteria(All, One, 2, 1), Some(K::CombinedTypeExtended));
        assert_eq!(criteria(One, All, 1, 2), Some(K::CombinedTypeChanged));
        assert_eq!(criteria(Any, All, 1, 1), Some(K::CombinedTypeExtended));
        assert_eq!(criteria(All, All, 1, 3), None);
    }
}
