//! Registered persons: the minimal record the foundation needs (the registry issue extends it).

use crate::ids::{OfficeId, PersonId};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Sex as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Not recorded.
    Unknown,
}

impl Sex {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Unknown => "unknown",
        }
    }
    /// Parses a stored code.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "female" | "f" | "F" => Ok(Sex::Female),
            "male" | "m" | "M" => Ok(Sex::Male),
            "unknown" | "" => Ok(Sex::Unknown),
            _ => Err(Error::invalid("person.sex.invalid").with_field("sex")),
        }
    }
}

/// A registered person, as the office that registered them sees it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Person {
    /// Id.
    pub id: PersonId,
    /// The office that holds the case.
    pub office_id: OfficeId,
    /// Registry number shown on documents.
    pub registry_no: String,
    /// Given name, original script.
    pub given_name: String,
    /// Family name (may be empty: many families have none).
    pub family_name: String,
    /// Father's name.
    pub father_name: String,
    /// Birth date, ISO `YYYY-MM-DD`, if known.
    pub birth_date: Option<String>,
    /// Sex.
    pub sex: Sex,
    /// Nationality, ISO 3166-1 alpha-3 (`AFG`, `IRQ`).
    pub nationality: String,
    /// Registered (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// What is needed to register a person.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
pub struct NewPerson {
    /// Given name.
    pub given_name: String,
    /// Family name (may be empty).
    #[serde(default)]
    pub family_name: String,
    /// Father's name.
    pub father_name: String,
    /// Birth date, ISO.
    pub birth_date: Option<String>,
    /// Sex.
    pub sex: Sex,
    /// Nationality, alpha-3.
    pub nationality: String,
}

impl NewPerson {
    /// Checks names (1–100 characters; family name may be empty), nationality (3 letters) and
    /// birth date (ISO calendar date, not in the future of `today`).
    pub fn validate(&self, today: time::Date) -> Result<()> {
        let name_ok = |s: &str, may_be_empty: bool| {
            let n = s.trim().chars().count();
            (may_be_empty || n > 0) && n <= 100
        };
        if !name_ok(&self.given_name, false) {
            return Err(Error::invalid("person.given_name.invalid").with_field("given_name"));
        }
        if !name_ok(&self.family_name, true) {
            return Err(Error::invalid("person.family_name.invalid").with_field("family_name"));
        }
        if !name_ok(&self.father_name, false) {
            return Err(Error::invalid("person.father_name.invalid").with_field("father_name"));
        }
        if !(self.nationality.len() == 3
            && self.nationality.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(Error::invalid("person.nationality.invalid").with_field("nationality"));
        }
        if let Some(d) = &self.birth_date {
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            let date = time::Date::parse(d, fmt).map_err(|_| {
                Error::invalid("person.birth_date.invalid").with_field("birth_date")
            })?;
            if date > today {
                return Err(Error::invalid("person.birth_date.future").with_field("birth_date"));
            }
        }
        Ok(())
    }
}

/// Which fields of a likely duplicate agree with the person being registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct MatchReasons {
    /// Given names agree.
    pub given: bool,
    /// Family names agree (both present).
    pub family: bool,
    /// Fathers' names agree (both present).
    pub father: bool,
    /// Birth dates agree exactly or plausibly (same year, swapped day and month).
    pub birth_date: bool,
    /// Given and family names were swapped.
    pub swapped: bool,
}

/// A registered person who may be the one being registered.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PersonCandidate {
    /// The registered person.
    pub person: Person,
    /// What agrees.
    pub reasons: MatchReasons,
    /// Strength of the evidence (higher is surer).
    pub score: f64,
}

/// Likely matches the caller may see, best first, and how many more lie in offices outside the
/// caller's reach (a count only: their records stay with their office).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Candidates {
    /// Matches within reach.
    pub candidates: Vec<PersonCandidate>,
    /// Matches in other offices.
    pub elsewhere: u64,
}
