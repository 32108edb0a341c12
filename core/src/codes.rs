//! `stable_codes!`: closed enums whose variants are stable snake_case codes.
//!
//! Reason codes and error codes are part of the public contract: hosts log and
//! match on them, bindings pass them through unchanged. One macro gives every
//! such enum the same shape: `as_str`, `from_code`, `ALL`, `Display`, and serde
//! as the bare string.

/// A closed enum of stable snake_case codes (every `stable_codes!` enum), for code that
/// handles any of them (a binding reading a code argument).
pub trait StableCode: Copy + 'static {
    /// Every code, in declaration order.
    const ALL: &'static [Self];
    /// The stable snake_case code.
    fn as_str(self) -> &'static str;
    /// Parses a code produced by [`Self::as_str`].
    fn from_code(code: &str) -> Option<Self>;

    /// Parses a code given as an argument named `path`.
    ///
    /// # Errors
    /// `unknown_variant` at `path`, naming the codes it could have been.
    fn parse(code: &str, path: &str) -> crate::Result<Self> {
        Self::from_code(code).ok_or_else(|| {
            let codes: Vec<_> = Self::ALL.iter().map(|c| c.as_str()).collect();
            crate::Error::new(
                crate::ErrorCode::UnknownVariant,
                path,
                format!("unknown code `{code}`, expected one of {}", codes.join(", ")),
            )
        })
    }
}

macro_rules! stable_codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident $(as $public:literal)? {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every code, in declaration order (the exported catalogue).
            pub const ALL: &'static [Self] = &[ $( Self::$variant, )+ ];

            /// The position in [`Self::ALL`]: how bindings pass a code across FFI as a number.
            #[must_use]
            pub const fn index(self) -> usize {
                // Fieldless, declared in `ALL` order, no explicit discriminants.
                self as usize
            }

            /// The stable snake_case code.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $( Self::$variant => $code, )+ }
            }

            /// Parses a code produced by [`Self::as_str`].
            #[must_use]
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $( $code => Some(Self::$variant), )+ _ => None }
            }
        }

        impl $crate::StableCode for $name {
            const ALL: &'static [Self] = $name::ALL;
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
            fn from_code(code: &str) -> Option<Self> {
                $name::from_code(code)
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            /// The bare code string, as a unit variant: every data format writes it as the
            /// string, and serializers that build objects can cache it (it is `'static`).
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                s.serialize_unit_variant(stringify!($name), self.index() as u32, self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                let code = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Self::from_code(&code).ok_or_else(|| {
                    let expected: &[&str] = &[ $( $code, )+ ];
                    ::serde::de::Error::unknown_variant(&code, expected)
                })
            }
        }

        impl ::schemars::JsonSchema for $name {
            /// The type's name in the declarations: `as "Public"` where two enums share one.
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                #[allow(unused_variables)]
                let name = stringify!($name);
                $(let name = $public;)?
                name.into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                // From `ALL`, not a literal list: a literal costs a macro recursion level per
                // code, and Confluent's 132 change kinds pass the compiler's limit.
                let codes: ::std::vec::Vec<&str> = Self::ALL.iter().map(|c| c.as_str()).collect();
                ::schemars::json_schema!({ "type": "string", "enum": codes })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::transport::breaker::{AcquireReason, Counted, State};
    use crate::transport::classify::Class;
    use crate::ErrorCode;

    fn indexes_are_positions<T: Copy + std::fmt::Debug>(all: &[T], index: fn(T) -> usize) {
        for (i, &code) in all.iter().enumerate() {
            assert_eq!(index(code), i, "{code:?}");
        }
    }

    #[test]
    fn index_is_the_position_in_all() {
        indexes_are_positions(State::ALL, State::index);
        indexes_are_positions(AcquireReason::ALL, AcquireReason::index);
        indexes_are_positions(Counted::ALL, Counted::index);
        indexes_are_positions(Class::ALL, Class::index);
        indexes_are_positions(ErrorCode::ALL, ErrorCode::index);
    }
}
