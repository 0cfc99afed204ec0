//! Typed identifiers. Each is a ULID (sortable by creation time) stored as 26-character text;
//! the types keep a user id from being passed where an office id is expected. Ids made by one
//! process increase even within one millisecond ([`fresh`]), so rows listed by time and then id
//! keep the order they were made in.

use crate::{Error, Result};
use std::fmt;
use std::str::FromStr;
use ulid::Ulid;

/// A new ULID, greater than every other this process made before (two plain ULIDs of one
/// millisecond compare at random: a permit and the departure confirmed right after it were once
/// listed the wrong way round).
pub fn fresh() -> Ulid {
    static IDS: std::sync::Mutex<ulid::Generator> = std::sync::Mutex::new(ulid::Generator::new());
    match IDS.lock().ok().and_then(|mut g| g.generate().ok()) {
        Some(id) => id,
        // A poisoned lock or a millisecond's ids used up: a plain new id (not `Default`, the
        // nil ULID).
        None => Ulid::new(),
    }
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $code:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Ulid);

        impl $name {
            /// A fresh id.
            pub fn new() -> Self {
                Self(fresh())
            }
            /// The id as text.
            pub fn as_string(&self) -> String {
                self.0.to_string()
            }
        }
        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                Ulid::from_string(s.trim()).map(Self).map_err(|_| Error::invalid($code))
            }
        }
        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self> {
                s.parse()
            }
        }
        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0.to_string()
            }
        }
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some("ULID"))
                    .pattern(Some($crate::contract::ID))
                    .examples([serde_json::json!("01JD0000000000000000000000")])
                    .into()
            }
        }
        impl utoipa::ToSchema for $name {}
    };
}

typed_id!(
    /// Identifies an office.
    OfficeId, "office.id.invalid"
);
typed_id!(
    /// Identifies a staff or partner user.
    UserId, "user.id.invalid"
);
typed_id!(
    /// Identifies a registered person.
    PersonId, "person.id.invalid"
);
typed_id!(
    /// Identifies a login session (not the secret cookie value).
    SessionId, "session.id.invalid"
);
typed_id!(
    /// Identifies an API token (not the secret).
    ApiTokenId, "token.id.invalid"
);
typed_id!(
    /// Identifies an identity document of a person.
    DocumentId, "document.id.invalid"
);
typed_id!(
    /// Identifies a household.
    HouseholdId, "household.id.invalid"
);
typed_id!(
    /// Identifies a suspected duplicate pair in the review queue.
    SuspectId, "review.id.invalid"
);
typed_id!(
    /// Identifies a case (an application for a service).
    CaseId, "case.id.invalid"
);
typed_id!(
    /// Identifies a document uploaded to a case.
    CaseDocumentId, "case.document.id.invalid"
);
typed_id!(
    /// Identifies a recorded payment.
    PaymentId, "payment.id.invalid"
);
typed_id!(
    /// Identifies a share code (not the code itself, which is kept only as a hash).
    ShareCodeId, "share.id.invalid"
);
typed_id!(
    /// Identifies a registration round.
    RoundId, "round.id.invalid"
);
typed_id!(
    /// Identifies a voluntary-return case.
    ReturnId, "return.id.invalid"
);
typed_id!(
    /// Identifies an office's plan.
    PlanId, "plan.id.invalid"
);
