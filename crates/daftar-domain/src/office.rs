//! Offices: the licensed service offices (and the authority's own units) that staff belong to.

use crate::ids::OfficeId;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// An office code such as `THR-01`: 2–16 of `A-Z`, `0-9`, `-`, upper-cased on parse.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfficeCode(String);

impl utoipa::PartialSchema for OfficeCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "An office code such as `THR-01`: 2–16 of `A-Z`, `0-9`, `-`.",
            ))
            .pattern(Some(crate::contract::OFFICE_CODE))
            .examples([serde_json::json!("THR-01")])
            .into()
    }
}
impl utoipa::ToSchema for OfficeCode {}

impl OfficeCode {
    /// Parses and upper-cases a code; `office.code.invalid` otherwise.
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim().to_ascii_uppercase();
        if crate::contract::matches(crate::contract::OFFICE_CODE, &s) {
            Ok(Self(s))
        } else {
            Err(Error::invalid("office.code.invalid").with_field("code"))
        }
    }
    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for OfficeCode {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}
impl From<OfficeCode> for String {
    fn from(c: OfficeCode) -> String {
        c.0
    }
}

/// Whether an office may serve people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfficeStatus {
    /// Licensed and serving.
    Active,
    /// Licence suspended.
    Suspended,
    /// Closed for good.
    Closed,
}

impl OfficeStatus {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            OfficeStatus::Active => "active",
            OfficeStatus::Suspended => "suspended",
            OfficeStatus::Closed => "closed",
        }
    }
    /// Parses a stored code; `office.status.invalid` otherwise.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "active" => Ok(Self::Active),
            "suspended" => Ok(Self::Suspended),
            "closed" => Ok(Self::Closed),
            _ => Err(Error::invalid("office.status.invalid").with_field("status")),
        }
    }
}

/// An office as stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Office {
    /// Id.
    pub id: OfficeId,
    /// Short unique code.
    pub code: OfficeCode,
    /// Name in Persian.
    pub name_fa: String,
    /// Name in English.
    pub name_en: String,
    /// Province.
    pub province: String,
    /// District within the province.
    pub district: String,
    /// Status.
    pub status: OfficeStatus,
    /// When it was created (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// The state of its licence (none before its first application).
    pub licence_state: Option<crate::licence::LicenceState>,
    /// The last day its licence is valid (ISO), once issued.
    #[serde(with = "crate::case::iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub licence_valid_until: Option<time::Date>,
}

/// What is needed to create an office; [`NewOffice::validate`] checks it.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
pub struct NewOffice {
    /// Short unique code.
    pub code: OfficeCode,
    /// Name in Persian.
    pub name_fa: String,
    /// Name in English.
    pub name_en: String,
    /// Province.
    pub province: String,
    /// District.
    pub district: String,
}

impl NewOffice {
    /// Checks that every name is present and not too long.
    pub fn validate(&self) -> Result<()> {
        for (field, v) in [
            ("name_fa", &self.name_fa),
            ("name_en", &self.name_en),
            ("province", &self.province),
            ("district", &self.district),
        ] {
            let n = v.trim().chars().count();
            if n == 0 || n > 120 {
                return Err(Error::invalid("office.field.invalid").with_field(field));
            }
        }
        Ok(())
    }
}
