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

impl Office {
    /// The office's name in a locale (`en`: the English name; every other locale of the
    /// deployment is written in Persian script: the Persian name).
    pub fn name_in(&self, locale: &str) -> &str {
        if locale == "en" {
            &self.name_en
        } else {
            &self.name_fa
        }
    }
}

/// Creating an office, parsed at the edge: a valid code, and names, province and district each
/// present and at most 120 characters after trimming (`office.field.invalid`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOffice {
    code: OfficeCode,
    name_fa: String,
    name_en: String,
    province: String,
    district: String,
}

impl CreateOffice {
    /// Checks every name.
    pub fn parse(
        code: OfficeCode,
        name_fa: &str,
        name_en: &str,
        province: &str,
        district: &str,
    ) -> Result<Self> {
        let field = |field: &'static str, v: &str| -> Result<String> {
            let v = v.trim();
            let n = v.chars().count();
            if n == 0 || n > 120 {
                return Err(Error::invalid("office.field.invalid").with_field(field));
            }
            Ok(v.to_owned())
        };
        Ok(Self {
            code,
            name_fa: field("name_fa", name_fa)?,
            name_en: field("name_en", name_en)?,
            province: field("province", province)?,
            district: field("district", district)?,
        })
    }

    /// The office's code.
    pub fn code(&self) -> &OfficeCode {
        &self.code
    }

    /// Name in Persian.
    pub fn name_fa(&self) -> &str {
        &self.name_fa
    }

    /// Name in English.
    pub fn name_en(&self) -> &str {
        &self.name_en
    }

    /// Province.
    pub fn province(&self) -> &str {
        &self.province
    }

    /// District.
    pub fn district(&self) -> &str {
        &self.district
    }
}
