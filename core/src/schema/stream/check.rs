//! The early checks: which alternatives of the schema each open value can still meet.
//!
//! `levels[d]` holds the alternatives for the value at depth `d` (0 is the root). Each
//! alternative is a conjunction of leaves and remembers the alternative of the parent
//! level it came from (`origin`). When an alternative dies, the parent alternatives left
//! without any living child alternative die too, up to the root; when the root has none
//! left, the stream is dead. A level with an unconstrained alternative is `free`: nothing
//! below it is checked, and it never dies.

use super::shape::{
    Child, NodeId, Sel, Shape, F_ARRAY, F_KEYS, F_KIND, F_LITERAL, F_NUMBER, F_OBJECT, F_STRING, K_ALL,
    K_ARR, K_BOOL, K_INT, K_NULL, K_NUM, K_OBJ, K_STR, MAX_ALTS, NOT_SINGLE, NO_UNION,
};
use crate::schema::validate::ViolationCode;

/// Alternatives one level may hold (DNFs multiplied across the parent's alternatives).
const MAX_LEVEL_ALTS: usize = 256;

#[derive(Clone, Copy, Debug)]
struct Alt {
    start: u32,
    len: u32,
    origin: u32,
    alive: bool,
}

#[derive(Debug, Default)]
struct Level {
    alts: Vec<Alt>,
    leaves: Vec<NodeId>,
    live: usize,
    free: bool,
    /// Where in `properties` the last key was found (the next is tried first).
    hint: u32,
    /// Positions in `properties` of the keys read, when the level is one leaf.
    seen: u64,
    /// Facts over every leaf pushed (dead alternatives included: they only make a hook
    /// run where it finds nothing more to kill). The hooks some leaf has something for
    /// (`F_*`): the others skip the level.
    flags: u8,
    /// The kinds every leaf lets through: a value of one of them starts without a sweep.
    accept: u8,
    /// Whether some leaf has a string `enum`/`const`, and the smallest `maxLength`.
    string_enum: bool,
    max_length: u64,
    /// Whether some leaf forbids properties outside its own (keys are checked as they grow).
    forbid: bool,
    /// The union this level's alternatives branch from, as [`Shape::union`] (`NO_UNION`
    /// where they come from the alternatives of a level above, or from no union).
    union: NodeId,
}

impl Level {
    fn clear(&mut self) {
        self.alts.clear();
        self.leaves.clear();
        self.live = 0;
        self.free = false;
        self.hint = 0;
        self.seen = 0;
        self.flags = 0;
        self.accept = K_ALL;
        self.string_enum = false;
        self.max_length = u64::MAX;
        self.forbid = false;
        self.union = NO_UNION;
    }

    #[inline]
    fn push(&mut self, shape: &Shape, leaves: &[NodeId], origin: u32) {
        #[allow(clippy::cast_possible_truncation)]
        let start = self.leaves.len() as u32;
        // One at a time: a call to copy one or two ids costs more than the copy.
        for &l in leaves {
            if let Some(leaf) = shape.leaves.get(l as usize) {
                self.flags |= leaf.flags;
                self.accept &= leaf.kinds;
                self.string_enum |= leaf.string_enum;
                self.max_length = self.max_length.min(leaf.max_length.unwrap_or(u64::MAX));
                self.forbid |= leaf.additional == Child::Forbid;
            }
            self.leaves.push(l);
        }
        #[allow(clippy::cast_possible_truncation)]
        self.alts.push(Alt { start, len: leaves.len() as u32, origin, alive: true });
        self.live += 1;
        self.free |= leaves.is_empty();
    }

    /// Clears the level to an unconstrained one: nothing below it is checked.
    #[cold]
    fn set_free(&mut self) {
        self.clear();
        self.free = true;
    }

    /// Clears the level to one alternative of the one leaf `id` (`push` of `[id]` after `clear`).
    #[inline(always)]
    fn set_one(&mut self, leaf: &super::shape::Leaf, id: NodeId) {
        let alt = Alt { start: 0, len: 1, origin: 0, alive: true };
        // In place where the level held one leaf already (the sibling before, mostly).
        if let ([a], [l]) = (self.alts.as_mut_slice(), self.leaves.as_mut_slice()) {
            *a = alt;
            *l = id;
        } else {
            self.alts.clear();
            self.alts.push(alt);
            self.leaves.clear();
            self.leaves.push(id);
        }
        self.live = 1;
        self.free = false;
        self.hint = 0;
        self.seen = 0;
        self.flags = leaf.flags;
        self.accept = leaf.kinds;
        self.string_enum = leaf.string_enum;
        self.max_length = leaf.max_length.unwrap_or(u64::MAX);
        self.forbid = leaf.additional == Child::Forbid;
        self.union = NO_UNION;
    }

    /// Rewrites the level as its alternative of the one leaf `id`, which keeps its `origin`
    /// in the level above (the others are dropped) and the union it came from.
    fn narrow_to(&mut self, leaf: &super::shape::Leaf, id: NodeId, origin: u32) {
        let union = self.union;
        self.alts.clear();
        self.leaves.clear();
        self.set_one(leaf, id);
        self.union = union;
        if let Some(first) = self.alts.first_mut() {
            first.origin = origin;
        }
    }

    /// Clears the level to the alternatives of the location `node`, under one parent
    /// alternative.
    #[inline(never)]
    fn set_branches(&mut self, shape: &Shape, node: NodeId) {
        self.clear();
        for branch in shape.dnfs.get(node as usize).map(Vec::as_slice).unwrap_or_default() {
            self.push(shape, branch, 0);
        }
        self.union = shape.union.get(node as usize).copied().unwrap_or(NO_UNION);
    }

    fn leaves_of(&self, alt: &Alt) -> &[NodeId] {
        self.leaves.get(alt.start as usize..(alt.start + alt.len) as usize).unwrap_or_default()
    }
}

/// What refused the value, for the report.
#[derive(Clone, Debug)]
pub(super) struct Cause {
    pub code: ViolationCode,
    pub keyword: &'static str,
    /// The refusing leaf (its location gives the schema path).
    pub leaf: NodeId,
    /// Depth of the refused value (its path is read off the open containers).
    pub depth: usize,
    pub detail: Detail,
}

/// The facts a report's message is written from.
#[derive(Clone, Debug)]
pub(super) enum Detail {
    Kind(u8),
    Key(String),
    Prefix(String),
    Count(u64),
    None,
}

#[derive(Debug, Default)]
pub(super) struct Checker {
    levels: Vec<Level>,
    /// False once dead (nothing more is checked).
    active: bool,
    death: Option<Cause>,
    /// The level whose last alternative died (every level above it died with it).
    death_level: usize,
    kills: Vec<(usize, Cause)>,
    mark: Vec<bool>,
    nodes: Vec<NodeId>,
    product: Vec<Vec<NodeId>>,
    next: Vec<Vec<NodeId>>,
}

impl Checker {
    /// A checker for a new value, in the allocations of `self` (a checker that finished).
    /// The levels below the root are left as they are: each is set when its value opens.
    pub fn restart(mut self, shape: &Shape) -> Self {
        self.active = true;
        self.death = None;
        self.kills.clear();
        if self.levels.is_empty() {
            self.levels.push(Level::default());
        }
        let Some(root) = self.levels.first_mut() else { return self };
        root.clear();
        for alt in shape.dnfs.first().map(Vec::as_slice).unwrap_or_default() {
            root.push(shape, alt, 0);
        }
        root.union = shape.union.first().copied().unwrap_or(NO_UNION);
        if root.live == 0 {
            // The `false` schema: nothing is valid, whatever comes.
            let cause = Cause {
                code: ViolationCode::FalseSchema,
                keyword: "false",
                leaf: 0,
                depth: 0,
                detail: Detail::None,
            };
            self.die(cause, 0);
        }
        self
    }

    /// The death, once (the caller reports it).
    pub fn take_death(&mut self) -> Option<Cause> {
        self.death.take()
    }

    pub fn has_death(&self) -> bool {
        self.death.is_some()
    }

    fn die(&mut self, cause: Cause, level: usize) {
        if self.active {
            self.active = false;
            self.death = Some(cause);
            self.death_level = level;
        }
    }

    /// Where the death is the validator's `no_branch_matches`: the depth of the outermost
    /// level, among those that died, whose alternatives branch from a union, and the union.
    /// The same whichever branch died last (which can depend on where the chunks cut).
    pub fn union_of_death(&self) -> Option<(usize, NodeId)> {
        self.levels.iter().take(self.death_level + 1).enumerate().find_map(|(depth, level)| {
            (level.union != NO_UNION && !level.free).then_some((depth, level.union))
        })
    }

    /// Whether the value at depth `d` has something to check for the hooks of `flag`.
    #[inline]
    pub fn wants(&self, d: usize, flag: u8) -> bool {
        self.active && self.levels.get(d).is_some_and(|l| !l.free && l.flags & flag != 0)
    }

    /// Whether the object starting at depth `d` must keep its keys' names for `required`
    /// (one leaf with every required name among its first 64 properties is checked by
    /// position instead).
    pub fn needs_key_names(&self, shape: &Shape, d: usize) -> bool {
        if !self.wants(d, F_OBJECT) {
            return false;
        }
        let Some(level) = self.levels.get(d) else { return false };
        match level.leaves.as_slice() {
            [l] if level.alts.len() == 1 => {
                shape.leaves.get(*l as usize).is_none_or(|leaf| leaf.required_mask.is_none())
            }
            _ => true,
        }
    }

    /// The level of the value at depth `d`, when it is checked at all.
    #[inline]
    fn level(&self, d: usize) -> Option<&Level> {
        if !self.active {
            return None;
        }
        self.levels.get(d).filter(|l| !l.free)
    }

    /// How the string at depth `d` is checked: as it is read, whether an `enum`/`const`
    /// holds strings, and the smallest `maxLength` (`None`: not checked as it grows); and
    /// whether it is checked when it ends.
    #[inline]
    pub fn watches_string(&self, d: usize) -> (Option<(bool, u64)>, bool) {
        let Some(level) = self.level(d) else { return (None, false) };
        let watch = level.string_enum || level.max_length < u64::MAX;
        (watch.then_some((level.string_enum, level.max_length)), level.flags & F_STRING != 0)
    }

    /// Whether the keys of the object at depth `d` are checked as they are read.
    #[inline]
    pub fn watches_keys(&self, d: usize) -> bool {
        self.level(d).is_some_and(|l| l.forbid)
    }

    /// Runs `test` on each leaf of each living alternative at depth `d`, killing the
    /// alternatives where it finds a cause; then propagates.
    fn sweep(
        &mut self,
        shape: &Shape,
        d: usize,
        flag: u8,
        mut test: impl FnMut(NodeId, &super::shape::Leaf) -> Option<Cause>,
    ) {
        if !self.active {
            return;
        }
        let Some(level) = self.levels.get(d).filter(|l| !l.free && l.flags & flag != 0) else { return };
        for (i, alt) in level.alts.iter().enumerate() {
            if !alt.alive {
                continue;
            }
            for &l in level.leaves_of(alt) {
                let Some(leaf) = shape.leaves.get(l as usize) else { continue };
                if let Some(cause) = test(l, leaf) {
                    self.kills.push((i, cause));
                    break;
                }
            }
        }
        if !self.kills.is_empty() {
            self.apply_kills(d);
        }
    }

    #[cold]
    fn apply_kills(&mut self, d: usize) {
        let mut last = None;
        if let Some(level) = self.levels.get_mut(d) {
            for (i, cause) in self.kills.drain(..) {
                if let Some(alt) = level.alts.get_mut(i) {
                    if alt.alive {
                        alt.alive = false;
                        level.live = level.live.saturating_sub(1);
                        last = Some(cause);
                    }
                }
            }
        }
        self.kills.clear();
        let Some(cause) = last else { return };
        if self.levels.get(d).is_some_and(|l| l.live == 0) {
            self.die(cause, d);
            return;
        }
        self.propagate(d, cause);
    }

    /// Kills the alternatives above depth `d` left with no living child alternative.
    fn propagate(&mut self, mut d: usize, cause: Cause) {
        while d > 0 {
            let (upper, lower) = self.levels.split_at_mut(d);
            let (Some(parent), Some(child)) = (upper.last_mut(), lower.first()) else { return };
            if parent.alts.len() == 1 {
                // Every child alternative came from it, and one lives (else the child died).
                return;
            }
            self.mark.clear();
            self.mark.resize(parent.alts.len(), false);
            for alt in child.alts.iter().filter(|a| a.alive) {
                if let Some(m) = self.mark.get_mut(alt.origin as usize) {
                    *m = true;
                }
            }
            let mut killed = false;
            for (alt, &kept) in parent.alts.iter_mut().zip(&self.mark) {
                if alt.alive && !kept {
                    alt.alive = false;
                    parent.live = parent.live.saturating_sub(1);
                    killed = true;
                }
            }
            if !killed {
                return;
            }
            if parent.live == 0 {
                self.die(cause, d - 1);
                return;
            }
            d -= 1;
        }
    }

    /// Opens the level of a child (a property's value or an item) of the container at
    /// depth `d`: the container's alternatives that refuse it die, the others give the
    /// child's alternatives.
    #[inline(always)]
    pub fn open_child(&mut self, shape: &Shape, d: usize, sel: Sel<'_>) {
        if self.levels.len() <= d + 1 {
            self.add_level();
        }
        let (upper, lower) = self.levels.split_at_mut(d + 1);
        let (Some(parent), Some(child)) = (upper.last_mut(), lower.first_mut()) else { return };
        if !self.active || parent.free {
            child.set_free();
            return;
        }
        // The common case: one alternative of one leaf, whose child is one location.
        if let ([alt], [l]) = (parent.alts.as_slice(), parent.leaves.as_slice()) {
            if let (true, Some(leaf)) = (alt.alive, shape.leaves.get(*l as usize)) {
                let node = match sel {
                    Sel::Key(k) => leaf.property(k, &mut parent.hint).map(|(at, n)| {
                        parent.seen |= 1u64.checked_shl(at).unwrap_or(0);
                        n
                    }),
                    Sel::Index(i) => match leaf.item(i) {
                        Child::Node(n) => Some(n),
                        _ => None,
                    },
                };
                // Commonest of all: that location is one leaf.
                let single = node.and_then(|n| shape.single.get(n as usize)).copied().unwrap_or(NOT_SINGLE);
                if let Some(leaf) = shape.leaves.get(single as usize) {
                    child.set_one(leaf, single);
                    return;
                }
                let branches =
                    node.and_then(|n| shape.dnfs.get(n as usize)).map(Vec::as_slice).unwrap_or_default();
                if let (Some(n), false) = (node, branches.is_empty()) {
                    child.set_branches(shape, n);
                    return;
                }
            }
        }
        self.open_child_general(shape, d, sel);
    }

    /// One more level (the first value this deep).
    #[cold]
    fn add_level(&mut self) {
        self.levels.push(Level::default());
    }

    /// [`Self::open_child`] for any container: each living alternative, a conjunction of
    /// leaves whose children multiply.
    #[cold]
    #[inline(never)]
    fn open_child_general(&mut self, shape: &Shape, d: usize, sel: Sel<'_>) {
        let (upper, lower) = self.levels.split_at_mut(d + 1);
        let (Some(parent), Some(child)) = (upper.last_mut(), lower.first_mut()) else { return };
        child.clear();
        let mut hint = parent.hint;
        // The alternatives of one parent alternative branch from its child's union; those of
        // several, from the union a level above.
        let (mut givers, mut union) = (0, NO_UNION);
        for (i, alt) in parent.alts.iter().enumerate() {
            if !alt.alive {
                continue;
            }
            self.nodes.clear();
            let mut forbid = None;
            for &l in parent.leaves_of(alt) {
                match shape.leaves.get(l as usize).map_or(Child::Any, |leaf| leaf.child(sel, &mut hint)) {
                    Child::Any => {}
                    Child::Forbid => {
                        forbid = Some(l);
                        break;
                    }
                    Child::Node(n) => self.nodes.push(n),
                }
            }
            #[allow(clippy::cast_possible_truncation)]
            let origin = i as u32;
            if let Some(leaf) = forbid {
                // Where the validator names them: an unexpected property at its object, an
                // item `items: false` refuses at the item, one `additionalItems` refuses (before
                // 2020-12) at the array.
                let (code, keyword, detail, depth) = match sel {
                    Sel::Key(k) => (
                        ViolationCode::UnexpectedProperty,
                        "additionalProperties",
                        Detail::Key(k.to_owned()),
                        d,
                    ),
                    Sel::Index(n) => {
                        let keyword = shape.leaves.get(leaf as usize).map_or("items", |l| l.rest_keyword);
                        let depth = if keyword == "items" { d + 1 } else { d };
                        (ViolationCode::UnexpectedItem, keyword, Detail::Count(n as u64), depth)
                    }
                };
                self.kills.push((i, Cause { code, keyword, leaf, depth, detail }));
                continue;
            }
            let before = child.alts.len();
            givers += 1;
            if givers == 1 {
                let of = |n: &NodeId| shape.union.get(*n as usize).copied().unwrap_or(NO_UNION);
                union = self.nodes.iter().map(of).find(|&u| u != NO_UNION).unwrap_or(NO_UNION);
            }
            match self.nodes.as_slice() {
                [] => child.push(shape, &[], origin),
                [n] => {
                    for branch in shape.dnfs.get(*n as usize).map(Vec::as_slice).unwrap_or_default() {
                        child.push(shape, branch, origin);
                    }
                }
                nodes => {
                    // The conjunction of several locations: their DNFs multiplied (an
                    // overflowing factor is dropped, which only weakens the check).
                    self.product.clear();
                    self.product.push(Vec::new());
                    for &n in nodes {
                        let factor = shape.dnfs.get(n as usize).map(Vec::as_slice).unwrap_or_default();
                        if self.product.len().saturating_mul(factor.len()) > MAX_ALTS {
                            continue;
                        }
                        self.next.clear();
                        for x in &self.product {
                            for y in factor {
                                let mut alt = x.clone();
                                alt.extend(y.iter().filter(|l| !x.contains(l)));
                                self.next.push(alt);
                            }
                        }
                        std::mem::swap(&mut self.product, &mut self.next);
                    }
                    for branch in &self.product {
                        child.push(shape, branch, origin);
                    }
                }
            }
            if child.alts.len() > MAX_LEVEL_ALTS {
                // Too many alternatives to follow: the value below goes unchecked (sound).
                child.set_free();
                break;
            }
            if child.alts.len() == before {
                let leaf = self.nodes.first().copied().unwrap_or(0);
                let cause = Cause {
                    code: ViolationCode::FalseSchema,
                    keyword: "false",
                    leaf,
                    depth: d + 1,
                    detail: Detail::None,
                };
                self.kills.push((i, cause));
            }
        }
        parent.hint = hint;
        if givers == 1 && !child.free {
            child.union = union;
        }
        if !self.kills.is_empty() {
            self.apply_kills(d);
        }
    }

    /// A value of kind `kind` starts at depth `d`: `type` and the kinds of `enum`/`const`.
    #[inline]
    pub fn kind(&mut self, shape: &Shape, d: usize, kind: u8) {
        if self.levels.get(d).is_some_and(|l| l.accept & kind == 0) {
            self.refuse_kind(shape, d, kind);
        }
    }

    /// [`Self::kind`] where some leaf does not let the kind through.
    #[inline(never)]
    fn refuse_kind(&mut self, shape: &Shape, d: usize, kind: u8) {
        if self.pick_by_kind(shape, d, kind) {
            return;
        }
        self.sweep(shape, d, F_KIND, |l, leaf| {
            if leaf.kinds & kind != 0 {
                return None;
            }
            let allowed =
                if kind == K_NUM { leaf.types & (K_INT | K_NUM) != 0 } else { leaf.types & kind != 0 };
            if !allowed {
                return Some(Cause {
                    code: ViolationCode::TypeMismatch,
                    keyword: "type",
                    leaf: l,
                    depth: d,
                    detail: Detail::Kind(kind),
                });
            }
            leaf.enums
                .iter()
                .find(|e| e.kinds & kind == 0)
                .map(|e| enum_cause(e.is_const, l, d, Detail::Kind(kind)))
        });
        if kind & (K_OBJ | K_ARR) != 0 {
            self.narrow(shape, d);
        }
    }

    /// The commonest `anyOf` (a nullable value: one-leaf branches opened from one parent
    /// alternative, all alive) where exactly one branch lets `kind` through: the level
    /// becomes that branch, without killing the others one by one (no parent alternative
    /// loses its last child). `false` where that does not apply: the sweep decides.
    fn pick_by_kind(&mut self, shape: &Shape, d: usize, kind: u8) -> bool {
        if !self.active {
            return false;
        }
        let Some(level) = self.levels.get_mut(d).filter(|l| !l.free && l.live == l.alts.len()) else {
            return false;
        };
        let Some(origin) = level.alts.first().map(|a| a.origin) else { return false };
        let mut pick = None;
        for alt in &level.alts {
            let id = level.leaves.get(alt.start as usize).copied().unwrap_or(NodeId::MAX);
            let Some(leaf) = shape.leaves.get(id as usize).filter(|_| alt.len == 1 && alt.origin == origin)
            else {
                return false;
            };
            if leaf.kinds & kind != 0 {
                if pick.is_some() {
                    return false;
                }
                pick = Some((id, leaf));
            }
        }
        let Some((id, leaf)) = pick else { return false };
        level.narrow_to(leaf, id, origin);
        true
    }

    /// Where the container at depth `d` has just started (nothing below it is open) and its
    /// kind left one alternative of one leaf (`anyOf` of `null` and an object: an object came),
    /// rewrites the level as that leaf alone, so that its keys or items take the one-leaf
    /// paths. The alternative keeps its origin in the level above.
    fn narrow(&mut self, shape: &Shape, d: usize) {
        let Some(level) = self.levels.get_mut(d) else { return };
        if level.live != 1 || level.alts.len() == 1 {
            return;
        }
        let Some(alt) = level.alts.iter().find(|a| a.alive).copied() else { return };
        let (Some(&id), 1) = (level.leaves.get(alt.start as usize), alt.len) else { return };
        if let Some(leaf) = shape.leaves.get(id as usize) {
            level.narrow_to(leaf, id, alt.origin);
        }
    }

    /// A number ended at depth `d`: a fraction where only integers are allowed.
    pub fn number(&mut self, shape: &Shape, d: usize, n: &serde_json::Number) {
        let fraction = n.as_f64().is_some_and(|f| f.fract() != 0.0) && !n.is_i64() && !n.is_u64();
        if !fraction {
            return;
        }
        self.sweep(shape, d, F_NUMBER, |l, leaf| {
            (leaf.types & K_NUM == 0).then_some(Cause {
                code: ViolationCode::TypeMismatch,
                keyword: "type",
                leaf: l,
                depth: d,
                detail: Detail::Kind(K_NUM),
            })
        });
    }

    /// `true`, `false` or `null` ended at depth `d`: `enum`/`const`.
    pub fn literal(&mut self, shape: &Shape, d: usize, value: Option<bool>) {
        let kind = if value.is_none() { K_NULL } else { K_BOOL };
        self.sweep(shape, d, F_LITERAL, |l, leaf| {
            leaf.enums
                .iter()
                .find(|e| match value {
                    Some(true) => !e.has_true,
                    Some(false) => !e.has_false,
                    None => !e.has_null,
                })
                .map(|e| enum_cause(e.is_const, l, d, Detail::Kind(kind)))
        });
    }

    /// The string at depth `d` reads `text` so far (`chars` characters): no `enum`/`const`
    /// value starts so, or it is already longer than `maxLength`.
    pub fn string_prefix(&mut self, shape: &Shape, d: usize, text: &str, chars: u64) {
        self.sweep(shape, d, F_STRING, |l, leaf| {
            if let Some(e) = leaf.enums.iter().find(|e| !e.has_prefix(text)) {
                return Some(enum_cause(e.is_const, l, d, Detail::Prefix(text.to_owned())));
            }
            too_long(leaf.max_length, chars, l, d)
        });
    }

    /// The string at depth `d` ended: `enum`/`const`, `minLength`, `maxLength`.
    pub fn string_end(&mut self, shape: &Shape, d: usize, text: &str, chars: impl Fn() -> u64) {
        let mut counted = None;
        self.sweep(shape, d, F_STRING, |l, leaf| {
            if let Some(e) = leaf.enums.iter().find(|e| !e.has_string(text)) {
                return Some(enum_cause(e.is_const, l, d, Detail::Prefix(text.to_owned())));
            }
            if leaf.min_length.is_none() && leaf.max_length.is_none() {
                return None;
            }
            let n = *counted.get_or_insert_with(&chars);
            if let Some(min) = leaf.min_length.filter(|&m| n < m) {
                return Some(Cause {
                    code: ViolationCode::TooShort,
                    keyword: "minLength",
                    leaf: l,
                    depth: d,
                    detail: Detail::Count(min),
                });
            }
            too_long(leaf.max_length, n, l, d)
        });
    }

    /// The key being read in the object at depth `d` reads `text` so far: no allowed
    /// property starts so, under `additionalProperties: false`.
    pub fn key_prefix(&mut self, shape: &Shape, d: usize, text: &str) {
        let Some(level) = self.levels.get(d) else { return };
        let hint = level.hint;
        // The common case: one leaf, whose next property in schema order starts so.
        if let [l] = level.leaves.as_slice() {
            if shape.leaves.get(*l as usize).is_some_and(|leaf| leaf.name_at_starts(hint, text)) {
                return;
            }
        }
        self.sweep(shape, d, F_KEYS, |l, leaf| {
            (leaf.additional == Child::Forbid && !leaf.has_name_prefix(text, hint)).then(|| Cause {
                code: ViolationCode::UnexpectedProperty,
                keyword: "additionalProperties",
                leaf: l,
                depth: d,
                detail: Detail::Prefix(text.to_owned()),
            })
        });
    }

    /// An item starts in the array at depth `d` (its `index`): `maxItems` for the first one
    /// (the comma before any other checked it), then the item's level.
    pub fn item(&mut self, shape: &Shape, d: usize, index: usize) {
        if index == 0 {
            self.max_items(shape, d, index);
        }
        self.open_child(shape, d, Sel::Index(index));
    }

    /// The array at depth `d` will hold an item at `index` (it started, or a comma promised
    /// it): `maxItems`.
    pub fn max_items(&mut self, shape: &Shape, d: usize, index: usize) {
        self.sweep(shape, d, F_ARRAY, |l, leaf| {
            leaf.max_items.filter(|&m| index as u64 >= m).map(|m| Cause {
                code: ViolationCode::TooManyItems,
                keyword: "maxItems",
                leaf: l,
                depth: d,
                detail: Detail::Count(m),
            })
        });
    }

    /// The object at depth `d` closed: `required`.
    pub fn close_object(&mut self, shape: &Shape, d: usize, has_key: impl Fn(&str) -> bool) {
        // One leaf: the keys read were marked by position, no lookup by name.
        let Some(level) = self.levels.get(d) else { return };
        let seen = (level.alts.len() == 1 && level.leaves.len() == 1).then_some(level.seen);
        if let (Some(seen), [l]) = (seen, level.leaves.as_slice()) {
            let mask = shape.leaves.get(*l as usize).and_then(|leaf| leaf.required_mask);
            if mask.is_some_and(|mask| seen & mask == mask) {
                return;
            }
        }
        self.sweep(shape, d, F_OBJECT, |l, leaf| {
            let missing = match (seen, leaf.required_mask) {
                // The first required position not read (the names were not kept).
                (Some(seen), Some(mask)) => {
                    let left = mask & !seen;
                    if left == 0 {
                        return None;
                    }
                    leaf.properties.get(left.trailing_zeros() as usize).map(|(name, _)| name)
                }
                _ => leaf.required.iter().find(|r| !has_key(r)),
            };
            missing.map(|r| Cause {
                code: ViolationCode::RequiredMissing,
                keyword: "required",
                leaf: l,
                depth: d,
                detail: Detail::Key(r.clone()),
            })
        });
    }

    /// The array at depth `d` closed with `len` items: `minItems`.
    pub fn close_array(&mut self, shape: &Shape, d: usize, len: usize) {
        self.sweep(shape, d, F_ARRAY, |l, leaf| {
            leaf.min_items.filter(|&m| (len as u64) < m).map(|m| Cause {
                code: ViolationCode::TooFewItems,
                keyword: "minItems",
                leaf: l,
                depth: d,
                detail: Detail::Count(m),
            })
        });
    }
}

fn enum_cause(is_const: bool, leaf: NodeId, depth: usize, detail: Detail) -> Cause {
    let (code, keyword) =
        if is_const { (ViolationCode::ConstMismatch, "const") } else { (ViolationCode::NotInEnum, "enum") };
    Cause { code, keyword, leaf, depth, detail }
}

fn too_long(max: Option<u64>, chars: u64, leaf: NodeId, depth: usize) -> Option<Cause> {
    max.filter(|&m| chars > m).map(|m| Cause {
        code: ViolationCode::TooLong,
        keyword: "maxLength",
        leaf,
        depth,
        detail: Detail::Count(m),
    })
}

/// A kind bit's name, for messages.
pub(super) fn kind_name(kind: u8) -> &'static str {
    match kind {
        K_NULL => "null",
        K_BOOL => "boolean",
        K_NUM | K_INT => "number",
        K_STR => "string",
        super::shape::K_ARR => "array",
        super::shape::K_OBJ => "object",
        _ => "value",
    }
}
