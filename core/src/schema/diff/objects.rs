//! Object keywords (`ObjectSchemaDiff`): requiredness, each property against the content
//! model around it, `patternProperties`, `additionalProperties` (or `unevaluatedProperties`),
//! dependencies, `propertyNames` and the counts.
//!
//! A property added or removed is judged by what the other version says about that name
//! (Confluent's content models): an *open* object accepts it with any value, a *closed* one
//! rejects it, a *partially open* one gives it the schema of the patterns that match it or of
//! `additionalProperties`. Unlike Confluent, which takes the first matching pattern and calls
//! an object with patterns but an open `additionalProperties` closed, every matching pattern
//! counts and an unmatched name falls back to `additionalProperties`.

use serde_json::{Map, Value};

use super::kind::ChangeKind as K;
use super::node::{accepts_everything, Node, Which, FALSE, TRUE};
use super::walk::{child, Walker, MAX_PROPERTIES, MIN_PROPERTIES};
use super::Verdict;
use crate::error::Result;

/// What a schema says about the names (or indexes) it does not declare.
#[derive(Clone, Copy, Debug)]
pub(super) enum Rest<'a> {
    /// Anything is allowed (`true`, or the keyword absent).
    Open,
    /// Nothing is allowed (`false`).
    Closed,
    /// Values must match this schema.
    Schema(&'a Value),
    /// `unevaluated*` beside in-place applicators: which names it governs depends on them.
    Opaque,
}

impl<'a> Rest<'a> {
    /// The rest as one schema to compare, when it is one.
    pub(super) fn schema(self) -> Option<&'a Value> {
        match self {
            Self::Open => Some(&TRUE),
            Self::Closed => Some(&FALSE),
            Self::Schema(s) => Some(s),
            Self::Opaque => None,
        }
    }
}

/// The four kinds of a rest keyword (`additionalProperties`: added, removed, extended, narrowed).
pub(super) type RestKinds = [K; 4];

const ADDITIONAL_PROPERTIES: RestKinds = [
    K::AdditionalPropertiesAdded,
    K::AdditionalPropertiesRemoved,
    K::AdditionalPropertiesExtended,
    K::AdditionalPropertiesNarrowed,
];
const UNEVALUATED_PROPERTIES: RestKinds = [
    K::UnevaluatedPropertiesAdded,
    K::UnevaluatedPropertiesRemoved,
    K::UnevaluatedPropertiesExtended,
    K::UnevaluatedPropertiesNarrowed,
];

/// One version's object content model.
struct Model<'a> {
    node: Node<'a>,
    properties: Option<&'a Map<String, Value>>,
    required: Vec<&'a str>,
    patterns: Vec<(&'a str, &'a Value)>,
    rest: Rest<'a>,
    rest_keyword: Option<&'static str>,
}

impl<'a> Model<'a> {
    fn property(&self, name: &str) -> Option<&'a Value> {
        self.properties.and_then(|p| p.get(name))
    }

    fn pattern(&self, key: &str) -> Option<&'a Value> {
        self.patterns.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn requires(&self, name: &str) -> bool {
        self.required.contains(&name)
    }
}

/// What one version says about one name it does not declare.
enum Coverage<'a> {
    Open,
    Closed,
    /// The schemas of the patterns that match it, or of `additionalProperties`.
    Partial(Vec<&'a Value>),
    Unknown,
}

impl<'a> Walker<'a> {
    pub(super) fn objects(&mut self, o: Node<'a>, n: Node<'a>, path: &str) -> Result<()> {
        let (mo, mn) = (self.model(o, path)?, self.model(n, path)?);
        self.required(&mo, &mn, path);
        self.properties(&mo, &mn, path)?;
        self.patterns(&mo, &mn, path)?;
        let kinds = if mo.rest_keyword == Some("unevaluatedProperties")
            || mn.rest_keyword == Some("unevaluatedProperties")
        {
            UNEVALUATED_PROPERTIES
        } else {
            ADDITIONAL_PROPERTIES
        };
        let at = child(path, mn.rest_keyword.or(mo.rest_keyword).unwrap_or("additionalProperties"));
        self.rest_change(
            (o, mo.rest),
            (n, mn.rest),
            kinds,
            &at,
            "`unevaluatedProperties` beside in-place applicators",
        )?;
        self.dependencies(o, n, path)?;
        self.property_names(o, n, path)?;
        self.bound(o, n, path, "maxProperties", MAX_PROPERTIES)?;
        self.bound(o, n, path, "minProperties", MIN_PROPERTIES)
    }

    fn model(&self, node: Node<'a>, path: &str) -> Result<Model<'a>> {
        let which = node.which;
        let map_of = |keyword: &str| match node.get(keyword) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => {
                Err(self.invalid(which, &child(path, keyword), format!("`{keyword}` must be an object")))
            }
        };
        let properties = map_of("properties")?;
        let patterns = map_of("patternProperties")?
            .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
            .unwrap_or_default();
        let mut required: Vec<&str> = Vec::new();
        match node.get("required") {
            None | Some(Value::Bool(_)) => {} // draft 3's per-property boolean: not read
            Some(Value::Array(names)) => {
                for name in names {
                    let name = name.as_str().ok_or_else(|| {
                        self.invalid(which, &child(path, "required"), "`required` must list strings")
                    })?;
                    if !required.contains(&name) {
                        required.push(name);
                    }
                }
            }
            Some(_) => {
                return Err(self.invalid(which, &child(path, "required"), "`required` must be an array"))
            }
        }
        let (rest, rest_keyword) = if let Some(v) = node.get("additionalProperties") {
            (self.rest_of(which, path, "additionalProperties", v)?, Some("additionalProperties"))
        } else if let Some(v) = node.get("unevaluatedProperties").filter(|_| self.dialect(which).modern) {
            let rest = if node.has_in_place_applicators() {
                Rest::Opaque
            } else {
                self.rest_of(which, path, "unevaluatedProperties", v)?
            };
            (rest, Some("unevaluatedProperties"))
        } else {
            (Rest::Open, None)
        };
        Ok(Model { node, properties, required, patterns, rest, rest_keyword })
    }

    pub(super) fn rest_of(
        &self,
        which: Which,
        path: &str,
        keyword: &str,
        value: &'a Value,
    ) -> Result<Rest<'a>> {
        match value {
            Value::Bool(true) => Ok(Rest::Open),
            Value::Bool(false) => Ok(Rest::Closed),
            Value::Object(_) => Ok(Rest::Schema(value)),
            _ => Err(self.invalid(which, &child(path, keyword), format!("`{keyword}` must be a schema"))),
        }
    }

    /// `compareRequired`, over every name (Confluent skips names `properties` does not
    /// declare, which lets `required: ["foo"]` become `["bar"]` unnoticed). A name newly
    /// declared and required is left to the property's own kind.
    fn required(&mut self, mo: &Model<'a>, mn: &Model<'a>, path: &str) {
        let at = child(path, "required");
        for &name in &mn.required {
            let declared_now = mn.property(name).is_some() && mo.property(name).is_none();
            if mo.requires(name) || declared_now {
                continue;
            }
            let with_default =
                mo.property(name).is_some() && mn.property(name).is_some_and(|s| s.get("default").is_some());
            let kind =
                if with_default { K::RequiredAttributeWithDefaultAdded } else { K::RequiredAttributeAdded };
            self.emit(kind, &child(&at, name));
        }
        for &name in &mo.required {
            if !mn.requires(name) {
                self.emit(K::RequiredAttributeRemoved, &child(&at, name));
            }
        }
    }

    /// `compareProperties`: a property in both is compared; one in a single version is judged
    /// by the other version's content model.
    fn properties(&mut self, mo: &Model<'a>, mn: &Model<'a>, path: &str) -> Result<()> {
        let at = child(path, "properties");
        for (name, a) in mo.properties.into_iter().flatten() {
            let here = child(&at, name);
            match mn.property(name) {
                Some(b) => self.descend(a, b, &here)?,
                None => self.property_removed(name, a, mn, path, &here)?,
            }
        }
        for (name, b) in mn.properties.into_iter().flatten() {
            if mo.property(name).is_none() {
                self.property_added(name, b, mo, mn, path, &child(&at, name))?;
            }
        }
        Ok(())
    }

    fn coverage(&mut self, model: &Model<'a>, name: &str, path: &str) -> Result<Coverage<'a>> {
        let mut hits = Vec::new();
        for &(pattern, schema) in &model.patterns {
            if self.matches(model.node.which, path, pattern, name)? {
                hits.push(schema);
            }
        }
        if !hits.is_empty() {
            return Ok(Coverage::Partial(hits));
        }
        Ok(match model.rest {
            Rest::Open => Coverage::Open,
            Rest::Closed => Coverage::Closed,
            Rest::Schema(s) => Coverage::Partial(vec![s]),
            Rest::Opaque => Coverage::Unknown,
        })
    }

    fn property_added(
        &mut self,
        name: &str,
        b: &'a Value,
        mo: &Model<'a>,
        mn: &Model<'a>,
        path: &str,
        here: &str,
    ) -> Result<()> {
        let required = mn.requires(name) && !mo.requires(name);
        let default = b.get("default").is_some();
        let coverage = self.coverage(mo, name, path)?;
        let closed = matches!(coverage, Coverage::Closed);
        match coverage {
            Coverage::Open => {
                let kind = match (required, default) {
                    (true, true) => K::RequiredPropertyWithDefaultAddedToOpenContentModel,
                    (true, false) => K::RequiredPropertyAddedToOpenContentModel,
                    _ if accepts_everything(b) => K::PropertyWithEmptySchemaAddedToOpenContentModel,
                    _ => K::OptionalPropertyAddedToOpenContentModel,
                };
                // FORWARD: the old object is open, so the old reader takes the new values.
                let verdict = Verdict::new(self.accept(kind), true);
                self.emit_with(kind, here, verdict);
                return Ok(());
            }
            Coverage::Closed => {}
            Coverage::Partial(schemas) => {
                // BACKWARD: old values of `name` matched the first covering schema (enough:
                // they matched all of them). FORWARD: the new values must match every one.
                let first = self.trial_below(schemas[0], b, here)?;
                let mut forward = first.verdict.forward;
                for s in &schemas[1..] {
                    forward &= self.trial_below(s, b, here)?.verdict.forward;
                }
                let covered = first.verdict.backward;
                self.replay(first);
                let kind = if covered {
                    K::PropertyAddedIsCoveredByPartiallyOpenContentModel
                } else {
                    K::PropertyAddedNotCoveredByPartiallyOpenContentModel
                };
                let inverse = if forward {
                    K::PropertyRemovedIsCoveredByPartiallyOpenContentModel
                } else {
                    K::PropertyRemovedNotCoveredByPartiallyOpenContentModel
                };
                let verdict = Verdict::new(self.accept(kind), self.accept(inverse));
                self.emit_with(kind, here, verdict);
            }
            Coverage::Unknown => {
                let kind = K::PropertyAddedNotCoveredByPartiallyOpenContentModel;
                self.not_compared(
                    kind,
                    here,
                    "a property beside `unevaluatedProperties` and in-place applicators",
                );
            }
        }
        // For closed and partially open models alike (as `ObjectSchemaDiff`).
        let kind = match (required, default) {
            (true, true) => K::RequiredPropertyWithDefaultAddedToUnopenContentModel,
            (true, false) => K::RequiredPropertyAddedToUnopenContentModel,
            _ => K::OptionalPropertyAddedToUnopenContentModel,
        };
        let forward = match (closed, b) {
            (true, Value::Bool(false)) => self.accept(K::PropertyWithFalseRemovedFromClosedContentModel),
            (true, _) => self.accept(K::PropertyRemovedFromClosedContentModel),
            _ => true, // the coverage change above carries it
        };
        let verdict = Verdict::new(self.accept(kind), forward);
        self.emit_with(kind, here, verdict);
        Ok(())
    }

    fn property_removed(
        &mut self,
        name: &str,
        a: &'a Value,
        mn: &Model<'a>,
        path: &str,
        here: &str,
    ) -> Result<()> {
        match self.coverage(mn, name, path)? {
            Coverage::Open => {
                let inverse = if accepts_everything(a) {
                    K::PropertyWithEmptySchemaAddedToOpenContentModel
                } else {
                    K::OptionalPropertyAddedToOpenContentModel
                };
                let kind = K::PropertyRemovedFromOpenContentModel;
                let verdict = Verdict::new(self.accept(kind), self.accept(inverse));
                self.emit_with(kind, here, verdict);
            }
            Coverage::Closed => {
                let kind = if *a == Value::Bool(false) {
                    K::PropertyWithFalseRemovedFromClosedContentModel
                } else {
                    K::PropertyRemovedFromClosedContentModel
                };
                let verdict = Verdict::new(
                    self.accept(kind),
                    self.accept(K::OptionalPropertyAddedToUnopenContentModel),
                );
                self.emit_with(kind, here, verdict);
            }
            Coverage::Partial(schemas) => {
                // BACKWARD: the old values must match every schema that now covers the name.
                let first = self.trial_below(a, schemas[0], here)?;
                let mut backward = first.verdict.backward;
                for s in &schemas[1..] {
                    backward &= self.trial_below(a, s, here)?.verdict.backward;
                }
                let forward = first.verdict.forward;
                self.replay(first);
                let kind = if backward {
                    K::PropertyRemovedIsCoveredByPartiallyOpenContentModel
                } else {
                    K::PropertyRemovedNotCoveredByPartiallyOpenContentModel
                };
                let inverse = if forward {
                    K::PropertyAddedIsCoveredByPartiallyOpenContentModel
                } else {
                    K::PropertyAddedNotCoveredByPartiallyOpenContentModel
                };
                let verdict = Verdict::new(self.accept(kind), self.accept(inverse));
                self.emit_with(kind, here, verdict);
            }
            Coverage::Unknown => {
                let kind = K::PropertyRemovedNotCoveredByPartiallyOpenContentModel;
                self.not_compared(
                    kind,
                    here,
                    "a property beside `unevaluatedProperties` and in-place applicators",
                );
            }
        }
        Ok(())
    }

    /// `patternProperties`, which Confluent does not compare. A pattern in both versions is
    /// compared; one in a single version is judged against what the other version says about
    /// the names it matches (reported as `ADDITIONAL_PROPERTIES_EXTENDED`/`_NARROWED`).
    fn patterns(&mut self, mo: &Model<'a>, mn: &Model<'a>, path: &str) -> Result<()> {
        let at = child(path, "patternProperties");
        for &(key, b) in &mn.patterns {
            let here = child(&at, key);
            match mo.pattern(key) {
                Some(a) => self.descend(a, b, &here)?,
                None => self.lone_pattern(key, b, mn, mo, path, &here)?,
            }
        }
        for &(key, a) in &mo.patterns {
            if mn.pattern(key).is_none() {
                self.lone_pattern(key, a, mo, mn, path, &child(&at, key))?;
            }
        }
        Ok(())
    }

    /// A pattern `key` with schema `s` that only `this` version has. Names it matches must,
    /// in the other version, have been covered by something inside `s` ("implied": its rest,
    /// every pattern, every declared property it matches); and `s` must fit what the other
    /// version says about them ("extra": its rest, and patterns `this` lacks).
    fn lone_pattern(
        &mut self,
        key: &str,
        s: &'a Value,
        this: &Model<'a>,
        other: &Model<'a>,
        path: &str,
        here: &str,
    ) -> Result<()> {
        let this_is_new = this.node.which == Which::New;
        // (other ⊆ s, s ⊆ other) whichever version each belongs to.
        let against = |w: &mut Self, other_schema: &'a Value| -> Result<(bool, bool)> {
            Ok(if this_is_new {
                let v = w.trial_below(other_schema, s, here)?.verdict;
                (v.backward, v.forward)
            } else {
                let v = w.trial_below(s, other_schema, here)?.verdict;
                (v.forward, v.backward)
            })
        };
        let (mut implied, mut extra) = match other.rest.schema() {
            Some(rest) => against(self, rest)?,
            None => (false, false),
        };
        for &(other_key, q) in &other.patterns {
            let (i, e) = against(self, q)?;
            implied &= i;
            if this.pattern(other_key).is_none() {
                extra &= e;
            }
        }
        for (name, q) in other.properties.into_iter().flatten() {
            if self.matches(this.node.which, path, key, name)? {
                implied &= against(self, q)?.0;
            }
        }
        let verdict = if this_is_new { Verdict::new(implied, extra) } else { Verdict::new(extra, implied) };
        if !verdict.both() {
            let kind = if verdict.backward {
                K::AdditionalPropertiesExtended
            } else {
                K::AdditionalPropertiesNarrowed
            };
            self.emit_with(kind, here, verdict);
        }
        Ok(())
    }

    /// `compareAdditionalProperties` / `compareAdditionalItems`: permitted or not, then a
    /// schema or not, then the two schemas.
    pub(super) fn rest_change(
        &mut self,
        (o, a): (Node<'a>, Rest<'a>),
        (n, b): (Node<'a>, Rest<'a>),
        kinds: RestKinds,
        at: &str,
        opaque: &str,
    ) -> Result<()> {
        let [added, removed, extended, narrowed] = kinds;
        match (a, b) {
            (Rest::Opaque, _) | (_, Rest::Opaque) => {
                if !self.same(o.value, n.value) {
                    self.not_compared(narrowed, at, opaque);
                }
            }
            (Rest::Open, Rest::Open) | (Rest::Closed, Rest::Closed) => {}
            (Rest::Closed, _) => self.emit(added, at),
            (_, Rest::Closed) => self.emit(removed, at),
            (Rest::Open, Rest::Schema(_)) => self.emit(narrowed, at),
            (Rest::Schema(_), Rest::Open) => self.emit(extended, at),
            (Rest::Schema(x), Rest::Schema(y)) => self.descend(x, y, at)?,
        }
        Ok(())
    }

    /// `compareDependencies`: `dependencies` (either form), `dependentRequired`, `dependentSchemas`.
    fn dependencies(&mut self, o: Node<'a>, n: Node<'a>, path: &str) -> Result<()> {
        let (old, new) = (self.dependency_entries(o, path)?, self.dependency_entries(n, path)?);
        let find = |list: &'_ [Dependency<'a>], d: &Dependency<'a>| {
            list.iter().position(|e| {
                let by_keyword = d.paired_by_keyword || e.paired_by_keyword;
                e.name == d.name
                    && e.names.is_some() == d.names.is_some()
                    && (!by_keyword || e.keyword == d.keyword)
            })
        };
        for d in &old {
            let Some(e) = find(&new, d).map(|i| &new[i]) else {
                let kind =
                    if d.names.is_some() { K::DependencyArrayRemoved } else { K::DependencySchemaRemoved };
                self.emit(kind, &child(&child(path, d.keyword), d.name));
                continue;
            };
            let here = child(&child(path, e.keyword), d.name);
            match (&d.names, &e.names) {
                (Some(a), Some(b)) => {
                    let within = |x: &[&str], y: &[&str]| x.iter().all(|v| y.contains(v));
                    let kind = match (within(a, b), within(b, a)) {
                        (true, true) => continue,
                        (true, false) => K::DependencyArrayExtended,
                        (false, true) => K::DependencyArrayNarrowed,
                        (false, false) => K::DependencyArrayChanged,
                    };
                    self.emit(kind, &here);
                }
                _ => self.compare(d.schema, e.schema, &here, true)?,
            }
        }
        for d in new.iter().filter(|d| find(&old, d).is_none()) {
            let kind = if d.names.is_some() { K::DependencyArrayAdded } else { K::DependencySchemaAdded };
            self.emit(kind, &child(&child(path, d.keyword), d.name));
        }
        Ok(())
    }

    fn dependency_entries(&self, node: Node<'a>, path: &str) -> Result<Vec<Dependency<'a>>> {
        let modern = self.dialect(node.which).modern;
        let mut out = Vec::new();
        for keyword in ["dependencies", "dependentRequired", "dependentSchemas"] {
            if keyword != "dependencies" && !modern {
                continue;
            }
            let at = child(path, keyword);
            let entries = match node.get(keyword) {
                None => continue,
                Some(Value::Object(m)) => m,
                Some(_) => {
                    return Err(self.invalid(node.which, &at, format!("`{keyword}` must be an object")))
                }
            };
            for (name, value) in entries {
                let names = match value {
                    Value::Array(list) if keyword != "dependentSchemas" => Some(
                        list.iter()
                            .map(|v| {
                                v.as_str().ok_or_else(|| {
                                    self.invalid(node.which, &child(&at, name), "must list strings")
                                })
                            })
                            .collect::<Result<Vec<_>>>()?,
                    ),
                    Value::Object(_) | Value::Bool(_) if keyword != "dependentRequired" => None,
                    _ => return Err(self.invalid(node.which, &child(&at, name), "not a valid dependency")),
                };
                // The same property under two keywords (`dependencies` and `dependentRequired`)
                // requires the names of both: one entry, so that a version that adds a name
                // under the other keyword is compared with all of them.
                let same = out.iter_mut().find(|d: &&mut Dependency<'a>| d.name == name && d.names.is_some());
                match (same, names) {
                    (Some(d), Some(more)) => {
                        let list = d.names.get_or_insert_with(Vec::new);
                        for m in more {
                            if !list.contains(&m) {
                                list.push(m);
                            }
                        }
                    }
                    (_, names) => {
                        out.push(Dependency { keyword, name, names, schema: value, paired_by_keyword: false })
                    }
                }
            }
        }
        // Two schemas for one property both apply: paired by keyword as well as by name, so
        // that one added beside the other is an added dependency, not a change of the first.
        for i in 0..out.len() {
            let twin =
                out.iter().enumerate().any(|(j, e)| j != i && e.name == out[i].name && e.names.is_none());
            if twin && out[i].names.is_none() {
                out[i].paired_by_keyword = true;
            }
        }
        Ok(out)
    }

    fn property_names(&mut self, o: Node<'a>, n: Node<'a>, path: &str) -> Result<()> {
        let get = |w: &Self, node: Node<'a>| {
            if w.dialect(node.which).draft4 {
                None
            } else {
                node.get("propertyNames")
            }
        };
        let at = child(path, "propertyNames");
        match (get(self, o), get(self, n)) {
            (None, None) => {}
            (Some(_), None) => self.emit(K::AdditionalPropertiesExtended, &at),
            (None, Some(_)) => self.emit(K::AdditionalPropertiesNarrowed, &at),
            (Some(a), Some(b)) => self.descend(a, b, &at)?,
        }
        Ok(())
    }
}

/// One dependency: the names a property requires, or the schema it brings.
struct Dependency<'a> {
    keyword: &'static str,
    name: &'a str,
    names: Option<Vec<&'a str>>,
    schema: &'a Value,
    /// Another schema entry names the same property: pair this one by its keyword too.
    paired_by_keyword: bool,
}
