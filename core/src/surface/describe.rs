//! The description of [`surface!`](crate::surface!) as data: what the type stubs of every
//! runtime are checked against, and what a binding's tests compare its classes with.

use serde::Serialize;

/// The whole surface: the module's functions and its classes, in the order described.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Surface {
    /// Module-level functions.
    pub functions: Vec<Op>,
    /// Classes, each with its constructor, static methods and methods.
    pub classes: Vec<Class>,
}

/// One class.
#[derive(Clone, Debug, Serialize)]
pub struct Class {
    /// The Python name (and the Rust one).
    pub name: &'static str,
    /// The JavaScript name.
    pub js: &'static str,
    /// What it is.
    pub doc: String,
    /// Constructor (`kind: "new"`), static methods and methods.
    pub ops: Vec<Op>,
    /// Written by hand in every binding (for a measured fast path) rather than expanded from
    /// [`surface!`](crate::surface!): described all the same, as the contract it keeps.
    pub hand_written: bool,
}

/// One function, constructor or method.
#[derive(Clone, Debug, Serialize)]
pub struct Op {
    /// `fn` (module function), `new`, `static` or `method`.
    pub kind: &'static str,
    /// snake_case name (`__init__` for a constructor in Python, `constructor` in JS).
    pub name: &'static str,
    /// camelCase name.
    pub js: &'static str,
    /// What it does.
    pub doc: String,
    /// Its parameters, in order.
    pub params: Vec<Param>,
    /// `Value` (a plain value) or `Obj` (an object of a class); absent for a constructor.
    pub returns: Option<Returns>,
}

/// One parameter.
#[derive(Clone, Debug, Serialize)]
pub struct Param {
    /// snake_case name (camelCase in JS).
    pub name: &'static str,
    /// In JS, the options object it is a key of.
    pub bag: Option<&'static str>,
    /// The name of that object's type in the declarations (given on the object's first key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bag_type: Option<&'static str>,
    /// How a runtime reads it (`Text`, `Count`, `Time`, ...: see the module docs).
    pub kind: &'static str,
    /// The Rust type the operation takes.
    pub rust: &'static str,
    /// Whether it may be absent.
    pub optional: bool,
    /// What it is, where its name and type do not say it all.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub doc: String,
    /// The JSON Schema of the document it reads (kinds `Config`, `Value`, `Code`, `PolicyDoc`),
    /// for the type declarations (`bindings/types`); the other kinds are typed by kind.
    #[cfg(feature = "types")]
    #[serde(skip)]
    pub schema: Option<SchemaFn>,
}

/// What an operation returns.
#[derive(Clone, Debug, Serialize)]
pub struct Returns {
    /// `Value` or `Obj`.
    pub kind: &'static str,
    /// The Rust type (or the class).
    pub rust: &'static str,
    /// The JSON Schema of a `Value`'s serialized form, for the type declarations.
    #[cfg(feature = "types")]
    #[serde(skip)]
    pub schema: Option<SchemaFn>,
}

/// Adds a type's JSON Schema to a generator's definitions and returns the schema that names it.
#[cfg(feature = "types")]
pub type SchemaFn = fn(&mut schemars::SchemaGenerator) -> schemars::Schema;

#[cfg(feature = "types")]
#[doc(hidden)]
pub fn subschema<T: schemars::JsonSchema>(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.subschema_for::<T>()
}

/// The kinds a runtime defaults when absent; every other kind is optional only as an `Option`.
const DEFAULTED: &[&str] = &["Time", "Wall", "Seed", "OptObj", "PolicyDoc"];

impl Param {
    #[doc(hidden)]
    pub fn new(
        name: &'static str,
        bag: Option<&'static str>,
        kind: &'static str,
        rust: &'static str,
    ) -> Self {
        let optional =
            DEFAULTED.contains(&kind) || rust.starts_with("Option <") || rust.starts_with("Option<");
        Self {
            name,
            bag,
            bag_type: None,
            kind,
            rust,
            optional,
            doc: String::new(),
            #[cfg(feature = "types")]
            schema: None,
        }
    }
}

/// The schema of a parameter read as a document, or of a returned value; `None` for the kinds
/// a runtime types by kind.
#[cfg(feature = "types")]
macro_rules! schema_of {
    (Config $t:ty) => {
        Some(subschema::<$t>)
    };
    (Value $t:ty) => {
        Some(subschema::<$t>)
    };
    (Code $t:ty) => {
        Some(subschema::<$t>)
    };
    (PolicyDoc $t:ty) => {
        Some(subschema::<$t>)
    };
    ($kind:ident $t:ty) => {
        None
    };
}

/// What an operation returns, described.
macro_rules! returns {
    ($rk:ident $rt:ty) => {
        Some(Returns {
            kind: stringify!($rk),
            rust: stringify!($rt),
            #[cfg(feature = "types")]
            schema: schema_of!($rk $rt),
        })
    };
}

#[doc(hidden)]
pub fn doc(lines: &[&str]) -> String {
    lines.iter().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect::<Vec<_>>().join("\n")
}

macro_rules! describe_params {
    ($($(#[doc = $pd:literal])* $p:ident $([$bag:ident $($bag_type:ident)?])? : $kind:ident $t:ty),*) => {
        vec![$({
            let mut param =
                Param::new(stringify!($p), None $(.or(Some(stringify!($bag))))?, stringify!($kind), stringify!($t));
            param.bag_type = None $($(.or(Some(stringify!($bag_type))))?)?;
            param.doc = doc(&[$($pd),*]);
            #[cfg(feature = "types")]
            {
                param.schema = schema_of!($kind $t);
            }
            param
        }),*]
    };
}

macro_rules! describe_members {
    ($c:ident;) => {};
    ($c:ident; $(#[doc = $d:literal])* new ($($params:tt)*) = $f:path; $($rest:tt)*) => {
        $c.ops.push(Op {
            kind: "new", name: "__init__", js: "constructor", doc: doc(&[$($d),*]),
            params: describe_params!($($params)*), returns: None,
        });
        describe_members!($c; $($rest)*);
    };
    ($c:ident; $(#[doc = $d:literal])* $which:ident $name:ident $js:literal ($($params:tt)*) -> $rk:ident $rt:ty = $f:path; $($rest:tt)*) => {
        $c.ops.push(Op {
            kind: if stringify!($which) == "static" { "static" } else { "method" },
            name: stringify!($name), js: $js, doc: doc(&[$($d),*]),
            params: describe_params!($($params)*),
            returns: returns!($rk $rt),
        });
        describe_members!($c; $($rest)*);
    };
}

macro_rules! describe_items {
    ($s:ident;) => {};
    ($s:ident; $(#[doc = $d:literal])* fn $name:ident $js:literal ($($params:tt)*) -> $rk:ident $rt:ty = $f:path; $($rest:tt)*) => {
        $s.functions.push(Op {
            kind: "fn", name: stringify!($name), js: $js, doc: doc(&[$($d),*]),
            params: describe_params!($($params)*),
            returns: returns!($rk $rt),
        });
        describe_items!($s; $($rest)*);
    };
    ($s:ident; $(#[doc = $d:literal])* $which:ident $name:ident $js:literal ($state:ty) { $($body:tt)* } $($rest:tt)*) => {
        let mut class = Class {
            name: stringify!($name), js: $js, doc: doc(&[$($d),*]), ops: Vec::new(),
            hand_written: stringify!($which) == "hand_class",
        };
        describe_members!(class; $($body)*);
        $s.classes.push(class);
        describe_items!($s; $($rest)*);
    };
}

macro_rules! describe_surface {
    ($($items:tt)*) => {{
        let mut surface = Surface::default();
        describe_items!(surface; $($items)*);
        surface
    }};
}

/// The binding surface as data, the hand-written classes included.
#[must_use]
pub fn describe() -> Surface {
    crate::surface_described!(describe_surface)
}

impl Surface {
    /// How an object of `class` is made when the class has no constructor: the operations
    /// that return one, as `Class.method` (a `Request` comes from `Client.begin`).
    #[must_use]
    pub fn makers(&self, class: &str) -> Vec<(&Class, &Op)> {
        self.classes
            .iter()
            .flat_map(|c| c.ops.iter().map(move |op| (c, op)))
            .filter(|(_, op)| op.returns.as_ref().is_some_and(|r| r.kind == "Obj" && r.rust == class))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_names_every_class_and_parameter() {
        let s = describe();
        assert_eq!(s.functions.len(), 17);
        let names: Vec<_> = s.classes.iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            [
                "Policy",
                "Backoff",
                "Deadline",
                "RetryBudget",
                "RetryState",
                "BreakerRegistry",
                "RateLimiter",
                "IdempotencyKeys",
                "ErrorBudget",
                "SchemaValidator",
                "TolerantReader",
                "StreamCheck",
                "BatchPlanner",
                "BatchRouter",
                "BatchReplay",
                "RealtimeSession",
                "RealtimeCredentials",
                "Request",
                "Client",
                "EventStream",
                "CircuitBreaker"
            ]
        );
        let hand: Vec<_> = s.classes.iter().filter(|c| c.hand_written).map(|c| c.name).collect();
        assert_eq!(hand, ["CircuitBreaker"]);
        let classify = &s.functions[0];
        let params: Vec<_> = classify.params.iter().map(|p| (p.name, p.bag, p.optional)).collect();
        assert_eq!(
            params,
            [
                ("outcome", None, false),
                ("headers", None, true),
                ("profile", Some("options"), true),
                ("error_type", Some("options"), true),
                ("error_code", Some("options"), true),
                ("wall_unix_ms", Some("options"), true),
            ]
        );
        assert_eq!(classify.doc.lines().count(), 1);
    }

    #[test]
    fn a_class_without_a_constructor_is_made_by_another_operation() {
        let s = describe();
        let made = |class: &str| -> Vec<String> {
            s.makers(class).iter().map(|(c, op)| format!("{}.{}", c.name, op.name)).collect()
        };
        assert_eq!(made("Request"), ["Client.begin"]);
        for class in s.classes.iter().filter(|c| c.ops.iter().all(|op| op.kind != "new")) {
            assert!(!made(class.name).is_empty(), "{} can be made by nothing", class.name);
        }
    }

    #[test]
    fn every_time_parameter_is_last_and_every_bag_is_one_run() {
        let s = describe();
        let ops = s.functions.iter().chain(s.classes.iter().flat_map(|c| c.ops.iter()));
        for op in ops {
            if let Some(i) = op.params.iter().position(|p| p.kind == "Time") {
                assert_eq!(i, op.params.len() - 1, "{}: now_ms must be last", op.name);
            }
            let bags: Vec<_> = op.params.iter().map(|p| p.bag).collect();
            let mut runs = bags.clone();
            runs.dedup();
            let distinct: std::collections::HashSet<_> = runs.iter().flatten().collect();
            assert_eq!(distinct.len(), runs.iter().flatten().count(), "{}: a bag split in two", op.name);
            for (i, p) in op.params.iter().enumerate() {
                let first = p.bag.is_some() && (i == 0 || op.params[i - 1].bag != p.bag);
                assert_eq!(
                    p.bag_type.is_some(),
                    first,
                    "{}.{}: a bag names its type on its first key",
                    op.name,
                    p.name
                );
            }
        }
    }
}
