//! The schema as the streaming check reads it: what can be refused before the value ends.
//!
//! Every schema location reachable from the root (through `properties`, `items`,
//! applicators and local `$ref`s) becomes a [`Leaf`] holding its own checkable keywords,
//! and a disjunctive normal form (DNF): the alternatives (`anyOf`, `oneOf`), each a
//! conjunction of leaves (`allOf`, `$ref`, the location itself). A value is dead when every
//! alternative has a leaf that refuses it.
//!
//! Soundness comes first: anything not understood is dropped, never guessed, because a
//! dropped constraint only makes the early check weaker (the validator checks everything
//! at the end), while a wrong one would declare dead a prefix that could become valid.
//! So: `oneOf` is read as `anyOf`; an unknown `$schema` keeps only the keywords every draft
//! reads alike; a `$ref` that is not a local JSON Pointer (or any `$ref` in a schema with
//! embedded `$id`s) is unconstrained; `patternProperties` lifts `additionalProperties`;
//! a DNF past [`MAX_ALTS`] alternatives drops the applicator that overflowed it.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::schema::validate::{DraftName, ValidatorOptions};
use crate::schema::{pointer, walk};

/// A schema location: its leaf and its DNF share the index.
pub(super) type NodeId = u32;

/// Kind bits: types in `type`, kinds of values in `enum`, kinds of instances.
pub(super) const K_NULL: u8 = 1;
pub(super) const K_BOOL: u8 = 2;
pub(super) const K_INT: u8 = 4;
pub(super) const K_NUM: u8 = 8;
pub(super) const K_STR: u8 = 16;
pub(super) const K_ARR: u8 = 32;
pub(super) const K_OBJ: u8 = 64;
pub(super) const K_ALL: u8 = 127;

/// Hooks with something to check at a leaf: `type`/`enum` kinds when a value starts,
/// integer-ness when a number ends, `enum` of literals, strings (`enum`, lengths),
/// `required` when an object closes, item counts.
pub(super) const F_KIND: u8 = 1;
pub(super) const F_NUMBER: u8 = 2;
pub(super) const F_LITERAL: u8 = 4;
pub(super) const F_STRING: u8 = 8;
pub(super) const F_OBJECT: u8 = 16;
pub(super) const F_ARRAY: u8 = 32;
/// Keys checked as they are read (`additionalProperties: false`).
pub(super) const F_KEYS: u8 = 64;

/// Alternatives one DNF may hold.
pub(super) const MAX_ALTS: usize = 64;
/// Leaves one alternative may hold (more are dropped: fewer constraints, still sound).
const MAX_LEAVES: usize = 16;
/// Applicators followed in a row (`allOf` in `anyOf` in `$ref` ...) before the rest is unconstrained.
const MAX_APPLICATOR_DEPTH: usize = 32;

/// The draft keywords are read by; `Unknown` keeps what every draft reads alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Draft {
    D4,
    D6,
    D7,
    D2019,
    D2020,
    Unknown,
}

/// What the schema says about a property or an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Child {
    /// Nothing checkable.
    Any,
    /// Refused outright (`additionalProperties: false`, `items: false`).
    Forbid,
    /// The schema at this location.
    Node(NodeId),
}

/// Which child of a container.
#[derive(Clone, Copy, Debug)]
pub(super) enum Sel<'a> {
    Key(&'a str),
    Index(usize),
}

/// The values of one `enum` (or `const`), as far as they can be compared while streaming.
#[derive(Debug, Default)]
pub(super) struct EnumSet {
    /// `const` rather than `enum`.
    pub is_const: bool,
    /// The kinds present (`K_NUM` for any number).
    pub kinds: u8,
    /// The string values, sorted (for prefix search).
    pub strings: Vec<String>,
    pub has_true: bool,
    pub has_false: bool,
    pub has_null: bool,
}

impl EnumSet {
    fn new(values: &[Value], is_const: bool) -> Self {
        let mut set = Self { is_const, ..Self::default() };
        for v in values {
            set.kinds |= kind_of(v);
            match v {
                Value::String(s) => set.strings.push(s.clone()),
                Value::Bool(true) => set.has_true = true,
                Value::Bool(false) => set.has_false = true,
                Value::Null => set.has_null = true,
                _ => {}
            }
        }
        set.strings.sort_unstable();
        set.strings.dedup();
        set
    }

    /// Whether some string value starts with `prefix`.
    pub fn has_prefix(&self, prefix: &str) -> bool {
        has_prefix(&self.strings, prefix)
    }

    /// Whether `s` is one of the string values.
    pub fn has_string(&self, s: &str) -> bool {
        // A few values (the common enum): compared by length first, without a call.
        if self.strings.len() <= 8 {
            return self.strings.iter().any(|m| same(m.as_bytes(), s.as_bytes()));
        }
        self.strings.binary_search_by(|m| m.as_str().cmp(s)).is_ok()
    }
}

/// Whether some string of the sorted `sorted` starts with `prefix`: the strings that do
/// form one run, starting at the first string not below `prefix`.
pub(super) fn has_prefix(sorted: &[String], prefix: &str) -> bool {
    let at = sorted.partition_point(|m| m.as_str() < prefix);
    sorted.get(at).is_some_and(|m| m.starts_with(prefix))
}

/// `a == b` without a call for the short strings property names are (up to 16 bytes: two
/// overlapping words, or two overlapping halves).
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        u64::from_le_bytes(s.get(at..at + 8).and_then(|w| w.try_into().ok()).unwrap_or_default())
    };
    let half = |s: &[u8], at: usize| {
        u32::from_le_bytes(s.get(at..at + 4).and_then(|w| w.try_into().ok()).unwrap_or_default())
    };
    match n {
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => a == b,
    }
}

/// The kind bit of a value.
pub(super) fn kind_of(v: &Value) -> u8 {
    match v {
        Value::Null => K_NULL,
        Value::Bool(_) => K_BOOL,
        Value::Number(_) => K_NUM,
        Value::String(_) => K_STR,
        Value::Array(_) => K_ARR,
        Value::Object(_) => K_OBJ,
    }
}

/// The keywords of one schema location that are checked while streaming.
#[derive(Debug)]
pub(super) struct Leaf {
    /// The location (a JSON Pointer into the schema).
    pub pointer: String,
    /// `type` as kind bits (`K_ALL` without one).
    pub types: u8,
    /// `enum` and `const`.
    pub enums: Vec<EnumSet>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    /// `properties`, in the schema's order (the order Structured Outputs writes keys in,
    /// so the next key is usually the one after the last: one comparison).
    pub properties: Vec<(String, NodeId)>,
    /// Positions in `properties` sorted by name: a binary search finds any key (no hashing
    /// per key) and the names a half-read key may still become.
    pub by_name: Vec<u32>,
    /// Properties outside `properties` (`Any` when `patternProperties` may match them).
    pub additional: Child,
    pub required: Vec<String>,
    /// Items by position (`prefixItems`, or `items` as an array before 2020-12).
    pub prefix: Vec<NodeId>,
    /// Items from this index on follow `rest`.
    pub rest_from: usize,
    pub rest: Child,
    /// The keyword `rest` comes from (`items`, or `additionalItems` before 2020-12).
    pub rest_keyword: &'static str,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    /// Whether anything here is checked.
    pub constrained: bool,
    /// The kinds of instance `type` and the kinds of `enum`/`const` let through (`K_NUM`
    /// for any number; integer-ness is checked when the number ends).
    pub kinds: u8,
    /// Whether an `enum`/`const` holds strings (checked as the string grows).
    pub string_enum: bool,
    /// Which hooks have something to check here (`F_*`).
    pub flags: u8,
    /// `required` as bits of positions in `properties`, when every required name is
    /// among the first 64 properties (else `None`: looked up by name).
    pub required_mask: Option<u64>,
}

impl Leaf {
    fn empty(pointer: String) -> Self {
        Self {
            pointer,
            types: K_ALL,
            enums: Vec::new(),
            min_length: None,
            max_length: None,
            properties: Vec::new(),
            by_name: Vec::new(),
            additional: Child::Any,
            required: Vec::new(),
            prefix: Vec::new(),
            rest_from: 0,
            rest: Child::Any,
            rest_keyword: "items",
            min_items: None,
            max_items: None,
            constrained: false,
            kinds: K_ALL,
            string_enum: false,
            required_mask: Some(0),
            flags: 0,
        }
    }

    fn name(&self, at: u32) -> &str {
        self.properties.get(at as usize).map_or("", |(name, _)| name.as_str())
    }

    /// The property named `k`: its position in `properties` and its location. `hint` is
    /// one past where the last key was found; it is tried first, and updated.
    #[inline(always)]
    pub fn property(&self, k: &str, hint: &mut u32) -> Option<(u32, NodeId)> {
        let at = match self.properties.get(*hint as usize) {
            Some((name, _)) if same(name.as_bytes(), k.as_bytes()) => *hint,
            _ => {
                let found = self.by_name.binary_search_by(|&at| self.name(at).cmp(k)).ok()?;
                self.by_name.get(found).copied()?
            }
        };
        *hint = at + 1;
        self.properties.get(at as usize).map(|&(_, n)| (at, n))
    }

    /// What the leaf says about a child (`hint` as in [`Self::property`]).
    pub fn child(&self, sel: Sel<'_>, hint: &mut u32) -> Child {
        match sel {
            Sel::Key(k) => self.property(k, hint).map_or(self.additional, |(_, n)| Child::Node(n)),
            Sel::Index(i) => self.item(i),
        }
    }

    /// What the leaf says about the item at index `i`.
    #[inline]
    pub fn item(&self, i: usize) -> Child {
        match self.prefix.get(i) {
            Some(&n) => Child::Node(n),
            None if i >= self.rest_from => self.rest,
            None => Child::Any,
        }
    }

    /// Whether the property at `at` (in schema order) starts with `prefix`.
    #[inline]
    pub fn name_at_starts(&self, at: u32, prefix: &str) -> bool {
        let name = self.name(at).as_bytes();
        name.get(..prefix.len()).is_some_and(|head| same(head, prefix.as_bytes()))
    }

    /// Whether some property name starts with `prefix` (the one at `hint` tried first).
    pub fn has_name_prefix(&self, prefix: &str, hint: u32) -> bool {
        if self.name_at_starts(hint, prefix) {
            return true;
        }
        let at = self.by_name.partition_point(|&at| self.name(at) < prefix);
        self.by_name.get(at).is_some_and(|&at| self.name(at).starts_with(prefix))
    }
}

/// The compiled schema: leaves and the DNF of each location.
#[derive(Debug)]
pub(super) struct Shape {
    pub leaves: Vec<Leaf>,
    /// Alternatives of each location, each a list of leaves; empty: nothing is valid.
    pub dnfs: Vec<Vec<Vec<NodeId>>>,
    /// Of each location whose DNF is one alternative of one leaf, that leaf (else
    /// [`NOT_SINGLE`]): the commonest child is opened without reading its DNF.
    pub single: Vec<NodeId>,
    /// Of each location whose alternatives come from a union (`anyOf`, `oneOf`: its own, or
    /// one reached through `allOf` and `$ref`s), the first branch of the first such union
    /// (else [`NO_UNION`]): when every alternative dies, the value is refused there, as the
    /// validator refuses it (`no_branch_matches` at the union), whichever branch died last.
    pub union: Vec<NodeId>,
}

/// In [`Shape::union`]: the location's alternatives come from no union.
pub(super) const NO_UNION: NodeId = NodeId::MAX;

impl Shape {
    /// The schema path and keyword of the union whose first branch is `branch`.
    pub fn union_keyword(&self, branch: NodeId) -> (&str, &'static str) {
        let at = self.leaves.get(branch as usize).map_or("", |l| l.pointer.as_str());
        let union = at.rsplit_once('/').map_or("", |(union, _)| union);
        (union, if union.ends_with("/oneOf") { "oneOf" } else { "anyOf" })
    }
}

/// In [`Shape::single`]: the location's DNF is not one leaf.
pub(super) const NOT_SINGLE: NodeId = NodeId::MAX;

/// Applicators of one location: conjuncts and groups of alternatives.
#[derive(Default)]
struct Apps {
    all: Vec<NodeId>,
    any: Vec<Vec<NodeId>>,
    is_false: bool,
}

struct Compiler<'a> {
    root: &'a Value,
    draft: Draft,
    /// Whether local `$ref`s resolve against the root (no embedded `$id`).
    refs: bool,
    ids: HashMap<String, NodeId>,
    queue: Vec<NodeId>,
    leaves: Vec<Leaf>,
    apps: Vec<Apps>,
}

/// Compiles `schema` for the streaming check.
pub(super) fn compile(schema: &Value, options: &ValidatorOptions) -> Shape {
    let (embedded_id, embedded_schema) = scan_embedded(schema);
    let mut draft = match (schema.get("$schema").and_then(Value::as_str), options.draft) {
        (Some(uri), None) => draft_of_uri(uri),
        // Which one the validator follows is its business: agree only where both agree.
        (Some(uri), Some(d)) if draft_of_uri(uri) == draft_of_name(d) => draft_of_name(d),
        (Some(_), Some(_)) => Draft::Unknown,
        (None, Some(d)) => draft_of_name(d),
        (None, None) => Draft::D2020,
    };
    if embedded_schema {
        draft = Draft::Unknown;
    }
    let mut c = Compiler {
        root: schema,
        draft,
        refs: !embedded_id,
        ids: HashMap::new(),
        queue: Vec::new(),
        leaves: Vec::new(),
        apps: Vec::new(),
    };
    c.intern(String::new());
    while let Some(id) = c.queue.pop() {
        c.build(id);
    }
    let n = c.leaves.len();
    let mut memo: Vec<Option<Vec<Vec<NodeId>>>> = vec![None; n];
    let mut union = vec![NO_UNION; n];
    let mut visiting = vec![false; n];
    let dnfs = (0..n)
        .map(|id| {
            #[allow(clippy::cast_possible_truncation)]
            dnf(
                id as NodeId,
                0,
                &c.leaves,
                &c.apps,
                &mut Memo { dnfs: &mut memo, union: &mut union },
                &mut visiting,
            )
        })
        .collect::<Vec<Vec<Vec<NodeId>>>>();
    // A union of one branch is one leaf too, but not a single: its death is the union's.
    let single = dnfs
        .iter()
        .zip(&union)
        .map(|(dnf, &u)| match (dnf.as_slice(), u) {
            ([alt], NO_UNION) => match alt.as_slice() {
                [leaf] => *leaf,
                _ => NOT_SINGLE,
            },
            _ => NOT_SINGLE,
        })
        .collect();
    Shape { leaves: c.leaves, dnfs, single, union }
}

fn draft_of_uri(uri: &str) -> Draft {
    if uri.contains("draft-04") {
        Draft::D4
    } else if uri.contains("draft-06") {
        Draft::D6
    } else if uri.contains("draft-07") {
        Draft::D7
    } else if uri.contains("2019-09") {
        Draft::D2019
    } else if uri.contains("2020-12") {
        Draft::D2020
    } else {
        Draft::Unknown
    }
}

fn draft_of_name(d: DraftName) -> Draft {
    match d {
        DraftName::Draft4 => Draft::D4,
        DraftName::Draft6 => Draft::D6,
        DraftName::Draft7 => Draft::D7,
        DraftName::Draft201909 => Draft::D2019,
        DraftName::Draft202012 => Draft::D2020,
    }
}

/// Whether an object below the root carries a string `$id` (or `id`), and whether one
/// carries `$schema`: either changes how the part below reads. Walked without recursion.
fn scan_embedded(schema: &Value) -> (bool, bool) {
    let (mut id, mut sch) = (false, false);
    let mut stack: Vec<(&Value, bool)> = vec![(schema, true)];
    while let Some((v, is_root)) = stack.pop() {
        match v {
            Value::Object(map) => {
                if !is_root {
                    id |= map.get("$id").is_some_and(Value::is_string)
                        || map.get("id").is_some_and(Value::is_string);
                    sch |= map.get("$schema").is_some_and(Value::is_string);
                }
                stack.extend(map.values().map(|v| (v, false)));
            }
            Value::Array(items) => stack.extend(items.iter().map(|v| (v, false))),
            _ => {}
        }
        if id && sch {
            break;
        }
    }
    (id, sch)
}

impl Compiler<'_> {
    fn intern(&mut self, pointer: String) -> NodeId {
        if let Some(&id) = self.ids.get(&pointer) {
            return id;
        }
        #[allow(clippy::cast_possible_truncation)]
        let id = self.leaves.len() as NodeId;
        self.ids.insert(pointer.clone(), id);
        self.leaves.push(Leaf::empty(pointer));
        self.apps.push(Apps::default());
        self.queue.push(id);
        id
    }

    fn child_node(&mut self, at: &str, key: &str) -> NodeId {
        self.intern(pointer::child(at, key))
    }

    /// `false` refuses, an object is a location, anything else is unconstrained.
    fn child(&mut self, value: Option<&Value>, at: &str, key: &str) -> Child {
        match value {
            Some(Value::Bool(false)) => Child::Forbid,
            Some(Value::Object(_)) => Child::Node(self.child_node(at, key)),
            _ => Child::Any,
        }
    }

    fn build(&mut self, id: NodeId) {
        let at = self.leaves.get(id as usize).map(|l| l.pointer.clone()).unwrap_or_default();
        let root = self.root;
        let obj = match root.pointer(&at) {
            Some(Value::Object(obj)) => obj,
            Some(Value::Bool(false)) => {
                if let Some(apps) = self.apps.get_mut(id as usize) {
                    apps.is_false = true;
                }
                return;
            }
            _ => return,
        };
        let mut apps = Apps::default();
        let target = obj.get("$ref").and_then(Value::as_str).map(|r| self.resolve(r));
        if let Some(target) = target {
            apps.all.extend(target.map(|t| self.intern(t)));
            if !matches!(self.draft, Draft::D2019 | Draft::D2020) {
                // Before 2019-09 a `$ref` hides its siblings (and, draft unknown, reading
                // only the `$ref` is sound either way).
                if let Some(a) = self.apps.get_mut(id as usize) {
                    *a = apps;
                }
                return;
            }
        }
        for (keyword, into_all) in [("allOf", true), ("anyOf", false), ("oneOf", false)] {
            let Some(Value::Array(members)) = obj.get(keyword) else { continue };
            let base = pointer::child(&at, keyword);
            #[allow(clippy::cast_possible_truncation)]
            let ids: Vec<NodeId> = (0..members.len()).map(|i| self.intern(format!("{base}/{i}"))).collect();
            if into_all {
                apps.all.extend(ids);
            } else {
                apps.any.push(ids);
            }
        }
        let leaf = self.leaf(obj, &at);
        if let Some(slot) = self.leaves.get_mut(id as usize) {
            *slot = leaf;
        }
        if let Some(a) = self.apps.get_mut(id as usize) {
            *a = apps;
        }
    }

    /// The canonical pointer of a local `$ref`, or `None` when it is not followed.
    fn resolve(&self, reference: &str) -> Option<String> {
        if !self.refs {
            return None;
        }
        let canonical = walk::local_pointer(reference)?;
        self.root.pointer(&canonical).filter(|v| v.is_object() || v.is_boolean())?;
        Some(canonical)
    }

    fn leaf(&mut self, obj: &Map<String, Value>, at: &str) -> Leaf {
        let mut leaf = Leaf::empty(at.to_owned());
        leaf.types = match obj.get("type") {
            Some(Value::String(t)) => type_bits(t).unwrap_or(K_ALL),
            Some(Value::Array(ts)) => ts
                .iter()
                .try_fold(0, |acc, t| t.as_str().and_then(type_bits).map(|b| acc | b))
                .unwrap_or(K_ALL),
            _ => K_ALL,
        };
        if let Some(Value::Array(values)) = obj.get("enum") {
            leaf.enums.push(EnumSet::new(values, false));
        }
        if !matches!(self.draft, Draft::D4 | Draft::Unknown) {
            if let Some(v) = obj.get("const") {
                leaf.enums.push(EnumSet::new(std::slice::from_ref(v), true));
            }
        }
        leaf.min_length = obj.get("minLength").and_then(whole);
        leaf.max_length = obj.get("maxLength").and_then(whole);
        leaf.min_items = obj.get("minItems").and_then(whole);
        leaf.max_items = obj.get("maxItems").and_then(whole);
        if let Some(Value::Object(props)) = obj.get("properties") {
            let base = pointer::child(at, "properties");
            for key in props.keys() {
                let id = self.child_node(&base, key);
                leaf.properties.push((key.clone(), id));
            }
            #[allow(clippy::cast_possible_truncation)]
            let mut by_name: Vec<u32> = (0..leaf.properties.len() as u32).collect();
            by_name.sort_unstable_by(|&a, &b| leaf.name(a).cmp(leaf.name(b)));
            leaf.by_name = by_name;
        }
        let patterns =
            obj.get("patternProperties").is_some_and(|p| p.as_object().is_none_or(|p| !p.is_empty()));
        if !patterns {
            leaf.additional = self.child(obj.get("additionalProperties"), at, "additionalProperties");
        }
        if let Some(Value::Array(required)) = obj.get("required") {
            leaf.required = required.iter().filter_map(Value::as_str).map(str::to_owned).collect();
        }
        let prefix_items = obj.get("prefixItems").and_then(Value::as_array).map(Vec::len);
        match (self.draft, obj.get("items")) {
            (Draft::D2020, items) => {
                if let Some(n) = prefix_items {
                    let base = pointer::child(at, "prefixItems");
                    leaf.prefix = (0..n).map(|i| self.intern(format!("{base}/{i}"))).collect();
                    leaf.rest_from = n;
                }
                if items.is_some_and(|v| !v.is_array()) {
                    leaf.rest = self.child(items, at, "items");
                }
            }
            (Draft::D4 | Draft::D6 | Draft::D7 | Draft::D2019, Some(Value::Array(tuple))) => {
                let base = pointer::child(at, "items");
                leaf.prefix = (0..tuple.len()).map(|i| self.intern(format!("{base}/{i}"))).collect();
                leaf.rest_from = tuple.len();
                leaf.rest = self.child(obj.get("additionalItems"), at, "additionalItems");
                leaf.rest_keyword = "additionalItems";
            }
            (Draft::D4 | Draft::D6 | Draft::D7 | Draft::D2019, items) => {
                leaf.rest = self.child(items, at, "items")
            }
            (Draft::Unknown, items @ Some(Value::Object(_) | Value::Bool(_))) => {
                // All items before 2020-12, those after `prefixItems` from then: the later
                // start is sound for both.
                leaf.rest_from = prefix_items.unwrap_or(0);
                leaf.rest = self.child(items, at, "items");
            }
            (Draft::Unknown, _) => {}
        }
        let mut kinds = if leaf.types & K_INT != 0 { leaf.types | K_NUM } else { leaf.types };
        for e in &leaf.enums {
            kinds &= e.kinds;
        }
        leaf.kinds = kinds & !K_INT;
        leaf.string_enum = leaf.enums.iter().any(|e| e.kinds & K_STR != 0);
        leaf.required_mask = leaf.required.iter().try_fold(0u64, |mask, r| {
            let at = leaf.properties.iter().position(|(name, _)| name == r)?;
            (at < 64).then(|| mask | (1 << at))
        });
        leaf.flags = flag(leaf.kinds != K_ALL & !K_INT, F_KIND)
            | flag(leaf.types & K_INT != 0 && leaf.types & K_NUM == 0, F_NUMBER)
            | flag(!leaf.enums.is_empty(), F_LITERAL)
            | flag(
                !leaf.enums.is_empty() || leaf.min_length.is_some() || leaf.max_length.is_some(),
                F_STRING,
            )
            | flag(!leaf.required.is_empty(), F_OBJECT)
            | flag(leaf.min_items.is_some() || leaf.max_items.is_some(), F_ARRAY)
            | flag(leaf.additional == Child::Forbid, F_KEYS);
        leaf.constrained = leaf.types != K_ALL
            || !leaf.enums.is_empty()
            || leaf.min_length.is_some()
            || leaf.max_length.is_some()
            || !leaf.properties.is_empty()
            || leaf.additional != Child::Any
            || !leaf.required.is_empty()
            || !leaf.prefix.is_empty()
            || leaf.rest != Child::Any
            || leaf.min_items.is_some()
            || leaf.max_items.is_some();
        leaf
    }
}

fn flag(on: bool, bit: u8) -> u8 {
    if on {
        bit
    } else {
        0
    }
}

fn type_bits(t: &str) -> Option<u8> {
    Some(match t {
        "null" => K_NULL,
        "boolean" => K_BOOL,
        "integer" => K_INT,
        "number" => K_NUM,
        "string" => K_STR,
        "array" => K_ARR,
        "object" => K_OBJ,
        _ => return None,
    })
}

/// A non-negative whole number (`5` or `5.0`).
fn whole(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| {
        let f = v.as_f64()?;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        (f >= 0.0 && f.fract() == 0.0 && f < 1.8e19).then_some(f as u64)
    })
}

/// The DNFs computed so far, and the union each came from ([`Shape::union`]).
struct Memo<'a> {
    dnfs: &'a mut Vec<Option<Vec<Vec<NodeId>>>>,
    union: &'a mut Vec<NodeId>,
}

/// The DNF of a location: its own leaf, times each conjunct, times each group of
/// alternatives. A cycle through applicators, or too deep a chain, is unconstrained.
fn dnf(
    id: NodeId,
    depth: usize,
    leaves: &[Leaf],
    apps: &[Apps],
    memo: &mut Memo<'_>,
    visiting: &mut Vec<bool>,
) -> Vec<Vec<NodeId>> {
    let i = id as usize;
    if let Some(Some(done)) = memo.dnfs.get(i) {
        return done.clone();
    }
    if depth > MAX_APPLICATOR_DEPTH || visiting.get(i).copied().unwrap_or(true) {
        return vec![Vec::new()];
    }
    let Some(a) = apps.get(i) else { return vec![Vec::new()] };
    if a.is_false {
        return Vec::new();
    }
    if let Some(v) = visiting.get_mut(i) {
        *v = true;
    }
    let own = leaves.get(i).is_some_and(|l| l.constrained);
    let mut acc: Vec<Vec<NodeId>> = vec![if own { vec![id] } else { Vec::new() }];
    let mut union = NO_UNION;
    for &m in &a.all {
        let d = dnf(m, depth + 1, leaves, apps, memo, visiting);
        if let Some(p) = product(&acc, &d) {
            acc = p;
            if union == NO_UNION {
                union = memo.union.get(m as usize).copied().unwrap_or(NO_UNION);
            }
        }
    }
    for group in &a.any {
        let mut alternatives: Vec<Vec<NodeId>> = Vec::new();
        let mut overflow = false;
        for &b in group {
            let d = dnf(b, depth + 1, leaves, apps, memo, visiting);
            if d.iter().any(Vec::is_empty) {
                // An unconstrained alternative: the whole group is.
                alternatives = vec![Vec::new()];
                break;
            }
            alternatives.extend(d);
            if alternatives.len() > MAX_ALTS {
                overflow = true;
                break;
            }
        }
        if overflow {
            continue;
        }
        if let Some(p) = product(&acc, &alternatives) {
            acc = p;
            if union == NO_UNION && alternatives.iter().all(|alt| !alt.is_empty()) {
                union = group.first().copied().unwrap_or(NO_UNION);
            }
        }
    }
    if let Some(v) = visiting.get_mut(i) {
        *v = false;
    }
    if let Some(slot) = memo.dnfs.get_mut(i) {
        *slot = Some(acc.clone());
    }
    if let Some(slot) = memo.union.get_mut(i) {
        *slot = union;
    }
    acc
}

/// The conjunction of two DNFs, or `None` past [`MAX_ALTS`] (the caller then drops `b`).
fn product(a: &[Vec<NodeId>], b: &[Vec<NodeId>]) -> Option<Vec<Vec<NodeId>>> {
    if a.len().saturating_mul(b.len()) > MAX_ALTS {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut alt = x.clone();
            for &leaf in y {
                if !alt.contains(&leaf) && alt.len() < MAX_LEAVES {
                    alt.push(leaf);
                }
            }
            out.push(alt);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn same_is_equality(a in "[ab]{0,20}", b in "[ab]{0,20}") {
            prop_assert_eq!(super::same(a.as_bytes(), b.as_bytes()), a == b);
            prop_assert!(super::same(a.as_bytes(), a.as_bytes()));
        }
    }
}
