//! `code_enum!`: a closed set of values stored and exchanged as stable snake_case codes
//! (`registration_card`, `complete`). One macro instead of a hand-written `ALL`/`code`/`parse`
//! triple per enum; the parse error carries the enum's own error code and the field name.
//! `code_impl!` adds the same `ALL`/`code`/`parse` to an enum declared with its own derives
//! (serde `snake_case`, utoipa), as the help desk and voluntary return do.

/// Declares an enum whose variants have stable text codes, with `ALL`, `code()`, `parse()`,
/// `Display`, serde (as the code) and a utoipa schema (a string enum).
#[macro_export]
macro_rules! code_enum {
    (
        $(#[$doc:meta])*
        $name:ident, error = $err:literal, field = $field:literal,
        { $( $(#[$vdoc:meta])* $variant:ident = $code:literal ),+ $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vdoc])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];
            /// The stable code.
            pub fn code(self) -> &'static str {
                match self { $( $name::$variant => $code ),+ }
            }
            /// Parses a code; unknown codes are an `Invalid` error naming the field.
            pub fn parse(s: &str) -> $crate::Result<Self> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == s)
                    .ok_or_else(|| {
                        $crate::Error::invalid($err)
                            .with_field($field)
                            .with_detail("value", serde_json::json!(s))
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Self::parse(&s).map_err(|_| {
                    serde::de::Error::unknown_variant(&s, &[ $( $code ),+ ])
                })
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([ $( $code ),+ ]))
                    .into()
            }
        }
        impl utoipa::ToSchema for $name {}
    };
}

/// Adds `ALL` (display order), `code()` and `parse()` (an `Invalid` error with the given code
/// otherwise) to an enum declared elsewhere with its own derives.
#[macro_export]
macro_rules! code_impl {
    ($t:ty { $($v:ident => $c:literal),* $(,)? } $err:literal) => {
        impl $t {
            /// Every value, in display order.
            pub const ALL: &'static [$t] = &[$(<$t>::$v),*];
            /// The stable code.
            pub fn code(self) -> &'static str {
                match self { $(<$t>::$v => $c),* }
            }
            /// Parses a code.
            pub fn parse(s: &str) -> $crate::Result<Self> {
                match s { $($c => Ok(<$t>::$v),)* _ => Err($crate::Error::invalid($err)) }
            }
        }
    };
}
