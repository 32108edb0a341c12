//! Whether no instance can be valid under both of two schemas: what keeps a `oneOf` sound
//! when it gains a branch or takes in a schema that was not a union.
//!
//! Proven only from what the schemas say plainly: the JSON types they admit, `enum`/`const`
//! values, and a required property whose schemas are disjoint (a discriminator). Anything
//! else is "perhaps not disjoint", which leaves the `oneOf` change incompatible.

use serde_json::Value;

use super::node::{json_equal, Node, Types, Which};
use super::walk::Walker;

/// How deep a disjointness proof looks (through unions and properties).
const MAX_PROOF_DEPTH: usize = 16;

/// How many pairs one proof may compare: unions of objects whose discriminating property is
/// required last are compared through every other property first, at every level (a
/// recursive union of eight nullable slots took 22 s). A proof out of steps fails, which
/// leaves the change incompatible: never a wrong "compatible".
const PROOF_STEPS: usize = 4_096;

impl<'a> Walker<'a> {
    /// Whether every branch of `others` but the one at `except` is disjoint from `piece`, or
    /// `covered` (a branch inside an old `oneOf` branch the value does not match).
    pub(super) fn exclusive(
        &mut self,
        piece: (Which, &'a Value),
        others: (Which, &'a [Value]),
        except: usize,
        covered: impl Fn(usize) -> bool,
    ) -> bool {
        (0..others.1.len())
            .filter(|&j| j != except)
            .all(|j| covered(j) || self.disjoint(piece, (others.0, &others.1[j]), 0))
    }

    /// Whether no instance matches both schemas.
    pub(super) fn disjoint(&mut self, a: (Which, &'a Value), b: (Which, &'a Value), depth: usize) -> bool {
        if depth == 0 {
            self.proof_fuel = PROOF_STEPS;
        }
        if depth > MAX_PROOF_DEPTH || self.proof_fuel == 0 {
            return false;
        }
        self.proof_fuel -= 1;
        let (Ok(x), Ok(y)) = (self.resolve(a.0, a.1, ""), self.resolve(b.0, b.1, "")) else { return false };
        match (x, y) {
            (Value::Bool(false), _) | (_, Value::Bool(false)) => true,
            (Value::Bool(true), _) | (_, Value::Bool(true)) => false,
            _ => {
                let (x, y) = (self.node(a.0, x), self.node(b.0, y));
                self.apart(x, y, depth) || self.apart(y, x, depth)
            }
        }
    }

    /// The reasons `x` gives for being disjoint from `y`.
    fn apart(&mut self, x: Node<'a>, y: Node<'a>, depth: usize) -> bool {
        // A union is disjoint when every branch is; a conjunction when one conjunct is.
        for (keyword, every) in [("anyOf", true), ("oneOf", true), ("allOf", false)] {
            if let Some(Value::Array(branches)) = x.get(keyword) {
                let mut apart =
                    branches.iter().map(|b| self.disjoint((x.which, b), (y.which, y.value), depth + 1));
                if !branches.is_empty() && if every { apart.all(|d| d) } else { apart.any(|d| d) } {
                    return true;
                }
            }
        }
        let (Ok(tx), Ok(ty)) = (self.admitted(x, ""), self.admitted(y, "")) else { return false };
        if !tx.meets(ty) {
            return true;
        }
        // Every value `x` allows is one `y` rejects.
        if let (Ok(Some((values, _))), Ok(others)) = (self.values(x, ""), self.values(y, "")) {
            let rejected = |v: &&Value| {
                !Types::of(v).meets(ty)
                    || others.as_ref().is_some_and(|(w, _)| !w.iter().any(|u| json_equal(u, v)))
            };
            if values.iter().all(rejected) {
                return true;
            }
        }
        // A property `x` requires that `y` forbids, or whose two schemas are disjoint.
        if Types::OBJECT.covers(tx.and(ty)) {
            let required =
                x.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str);
            let (px, py) = (x.get("properties"), y.get("properties"));
            let closed = y.get("additionalProperties") == Some(&Value::Bool(false))
                && y.get("patternProperties").is_none();
            for name in required {
                let (sx, sy) = (px.and_then(|p| p.get(name)), py.and_then(|p| p.get(name)));
                match (sx, sy) {
                    (_, Some(Value::Bool(false))) => return true,
                    (_, None) if closed => return true,
                    (Some(sx), Some(sy)) if self.disjoint((x.which, sx), (y.which, sy), depth + 1) => {
                        return true
                    }
                    _ => {}
                }
            }
        }
        false
    }
}
