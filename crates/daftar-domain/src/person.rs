//! Registered persons: names in the original script and in Latin letters, birth date with its
//! precision, documents, contact and address, status with its history; the validation rules
//! for each field; and the shapes of the duplicate check.

use crate::birth::{DatePrecision, PartialDate};
use crate::ids::{DocumentId, HouseholdId, OfficeId, PersonId};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Sex as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Not recorded.
    #[default]
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
    /// `F`, `M` or empty, as the duplicate matcher reads it.
    pub fn letter(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Unknown => "",
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

/// Where a person stands with the registry. Every change is kept in the status history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonStatus {
    /// Registered in a round.
    Registered,
    /// Card renewed.
    Renewed,
    /// Did not renew in time.
    Lapsed,
    /// Left the country.
    Departed,
    /// Died (final).
    Deceased,
}

impl PersonStatus {
    /// Every status, in display order.
    pub const ALL: [PersonStatus; 5] = [
        PersonStatus::Registered,
        PersonStatus::Renewed,
        PersonStatus::Lapsed,
        PersonStatus::Departed,
        PersonStatus::Deceased,
    ];
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            PersonStatus::Registered => "registered",
            PersonStatus::Renewed => "renewed",
            PersonStatus::Lapsed => "lapsed",
            PersonStatus::Departed => "departed",
            PersonStatus::Deceased => "deceased",
        }
    }
    /// Parses a code (`person.status.invalid`).
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|st| st.code() == s)
            .ok_or_else(|| Error::invalid("person.status.invalid").with_field("status"))
    }
    /// Checks a change from `self` to `to`: `person.status.unchanged` when equal,
    /// `person.status.final` out of `deceased`.
    pub fn check_change(self, to: PersonStatus) -> Result<()> {
        if self == to {
            return Err(Error::conflict("person.status.unchanged").with_field("status"));
        }
        if self == PersonStatus::Deceased {
            return Err(Error::conflict("person.status.final").with_field("status"));
        }
        Ok(())
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
    /// Grandfather's name (may be empty).
    pub grandfather_name: String,
    /// Given name in Latin letters, as on a passport (may be empty).
    pub given_name_latin: String,
    /// Family name in Latin letters (may be empty).
    pub family_name_latin: String,
    /// Birth date, ISO `YYYY-MM-DD` of the first day of what is known, if known.
    pub birth_date: Option<String>,
    /// How much of the birth date is known (`day`, `month`, `year`).
    pub birth_date_precision: Option<DatePrecision>,
    /// Sex.
    pub sex: Sex,
    /// Nationality, ISO 3166-1 alpha-3 (`AFG`, `IRQ`).
    pub nationality: String,
    /// Phone number, digits with an optional leading `+` (may be empty).
    pub phone: String,
    /// Province of residence (may be empty).
    pub province: String,
    /// District or city (may be empty).
    pub district: String,
    /// Street address, only as much as services need (may be empty).
    pub address: String,
    /// Current status.
    pub status: PersonStatus,
    /// Registered (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl Person {
    /// The birth date with its precision.
    pub fn birth(&self) -> Option<PartialDate> {
        let (d, p) = (self.birth_date.as_ref()?, self.birth_date_precision?);
        PartialDate::from_stored(d, p.code()).ok()
    }
}

/// A person as every list, search, queue, review pair, household and export shows them: who
/// they are, never where they live or how to reach them. No phone, address, province or
/// district: those are only in [`Person`], which only the single-person read returns (audited,
/// and counted per account for the bulk-read alarm; docs/security.md).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PersonSummary {
    /// Id.
    pub id: PersonId,
    /// The office that holds the case.
    pub office_id: OfficeId,
    /// Registry number shown on documents.
    pub registry_no: String,
    /// Given name, original script.
    pub given_name: String,
    /// Family name (may be empty).
    pub family_name: String,
    /// Father's name.
    pub father_name: String,
    /// Grandfather's name (may be empty).
    pub grandfather_name: String,
    /// Given name in Latin letters (may be empty).
    pub given_name_latin: String,
    /// Family name in Latin letters (may be empty).
    pub family_name_latin: String,
    /// Birth date, ISO `YYYY-MM-DD` of the first day of what is known, if known.
    pub birth_date: Option<String>,
    /// How much of the birth date is known (`day`, `month`, `year`).
    pub birth_date_precision: Option<DatePrecision>,
    /// Sex.
    pub sex: Sex,
    /// Nationality, ISO 3166-1 alpha-3.
    pub nationality: String,
    /// Current status.
    pub status: PersonStatus,
    /// The household the person belongs to now, if any.
    #[schema(value_type = Option<String>)]
    pub household_id: Option<HouseholdId>,
    /// Registered (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl PersonSummary {
    /// The birth date with its precision.
    pub fn birth(&self) -> Option<PartialDate> {
        let (d, p) = (self.birth_date.as_ref()?, self.birth_date_precision?);
        PartialDate::from_stored(d, p.code()).ok()
    }

    /// The summary of a full record (contact and address left behind).
    pub fn of(p: &Person, household_id: Option<HouseholdId>) -> Self {
        Self {
            id: p.id,
            office_id: p.office_id,
            registry_no: p.registry_no.clone(),
            given_name: p.given_name.clone(),
            family_name: p.family_name.clone(),
            father_name: p.father_name.clone(),
            grandfather_name: p.grandfather_name.clone(),
            given_name_latin: p.given_name_latin.clone(),
            family_name_latin: p.family_name_latin.clone(),
            birth_date: p.birth_date.clone(),
            birth_date_precision: p.birth_date_precision,
            sex: p.sex,
            nationality: p.nationality.clone(),
            status: p.status,
            household_id,
            created_at: p.created_at,
        }
    }
}

/// Fields of a person that say where they live or how to reach them: never in a list (the
/// OpenAPI walk in the web tests refuses any array of persons whose items carry one).
pub const CONTACT_AND_LOCATION_FIELDS: [&str; 4] = ["phone", "address", "province", "district"];

/// A person to register as the edge received it (a JSON body, a form, a row of an import
/// file): raw text, not yet checked. [`RegisterPerson::parse`] turns it into the command the
/// store takes. Only given name, father's name, sex and nationality are required; the rest may
/// be left empty. The web's request type (with its OpenAPI schema) converts into this.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PersonDraft {
    /// Given name.
    pub given_name: String,
    /// Family name (may be empty).
    pub family_name: String,
    /// Father's name.
    pub father_name: String,
    /// Grandfather's name.
    pub grandfather_name: String,
    /// Given name in Latin letters.
    pub given_name_latin: String,
    /// Family name in Latin letters.
    pub family_name_latin: String,
    /// Birth date as typed (see [`PartialDate::parse`]).
    pub birth_date: Option<String>,
    /// Sex.
    pub sex: Sex,
    /// Nationality, alpha-3.
    pub nationality: String,
    /// Phone number.
    pub phone: String,
    /// Province.
    pub province: String,
    /// District or city.
    pub district: String,
    /// Street address.
    pub address: String,
    /// Identity documents held.
    pub documents: Vec<DocumentDraft>,
}

/// Not empty after trimming (unless `may_be_empty`), at most `max` characters as sent (the
/// OpenAPI document's `maxLength`), no control character.
fn text_ok(s: &str, may_be_empty: bool, max: usize) -> bool {
    (may_be_empty || !s.trim().is_empty())
        && s.chars().count() <= max
        && !s.chars().any(char::is_control)
}

/// A name: [`text_ok`], and when given it must contain a letter (a name made only of spaces,
/// zero-width characters or direction marks, such as `\u{200b}` or `\u{2066}\u{2069}`, is no
/// name) and no bidirectional embedding, override or isolate control (U+202A–U+202E,
/// U+2066–U+2069), which would reorder how the record reads on screen and on cards. Joiners
/// (ZWNJ, ZWJ) stay allowed: Persian spelling needs them.
pub fn name_ok(s: &str, may_be_empty: bool) -> bool {
    text_ok(s, may_be_empty, 100)
        && (s.trim().is_empty() || s.chars().any(char::is_alphabetic))
        && !s
            .chars()
            .any(|c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
}

/// A name in Latin letters: letters, spaces, `-`, `'` and `.`; up to 100 characters.
fn latin_ok(s: &str) -> bool {
    text_ok(s, true, 100)
        && s.chars()
            .all(|c| c.is_ascii_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.'))
}

/// Normalises a phone number: digits in any script, spaces and dashes dropped, one leading `+`
/// kept; 7–15 digits (`person.phone.invalid`). Empty stays empty.
pub fn normalize_phone(s: &str) -> Result<String> {
    let folded = crate::digits::fold_digits(s.trim());
    if folded.is_empty() {
        return Ok(String::new());
    }
    let (plus, rest) = match folded.strip_prefix('+') {
        Some(r) => ("+", r),
        None => ("", folded.as_str()),
    };
    let digits: String = rest
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    if !(7..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid("person.phone.invalid").with_field("phone"));
    }
    Ok(format!("{plus}{digits}"))
}

impl PersonDraft {
    /// Checks every field and returns the parsed birth date. Names: 1–100 characters with a
    /// letter (family and grandfather's may be empty); Latin forms only Latin letters; nationality 3 capital
    /// letters; birth date as [`PartialDate::parse`] reads it, not after `today`; phone as
    /// [`normalize_phone`]; address parts up to 100/200 characters; each document as
    /// [`DocumentDraft::validate`].
    pub fn validate(&self, today: time::Date) -> Result<Option<PartialDate>> {
        let (birth, mut problems) = self.check(today);
        if problems.is_empty() {
            Ok(birth)
        } else {
            Err(problems.swap_remove(0))
        }
    }

    /// The parsed birth date (when valid) and every problem found.
    fn check(&self, today: time::Date) -> (Option<PartialDate>, Vec<Error>) {
        let (birth, _, problems) = self.checked(today);
        (birth, problems)
    }

    /// One pass over every field: the parsed birth date, the documents that are valid, and
    /// every problem found (the registration is valid when there is none).
    fn checked(&self, today: time::Date) -> (Option<PartialDate>, Vec<ValidDocument>, Vec<Error>) {
        let mut problems = vec![];
        let checks: [(&str, bool, &'static str, &str); 9] = [
            (
                &self.given_name,
                name_ok(&self.given_name, false),
                "person.given_name.invalid",
                "given_name",
            ),
            (
                &self.family_name,
                name_ok(&self.family_name, true),
                "person.family_name.invalid",
                "family_name",
            ),
            (
                &self.father_name,
                name_ok(&self.father_name, false),
                "person.father_name.invalid",
                "father_name",
            ),
            (
                &self.grandfather_name,
                name_ok(&self.grandfather_name, true),
                "person.grandfather_name.invalid",
                "grandfather_name",
            ),
            (
                &self.given_name_latin,
                latin_ok(&self.given_name_latin),
                "person.given_name_latin.invalid",
                "given_name_latin",
            ),
            (
                &self.family_name_latin,
                latin_ok(&self.family_name_latin),
                "person.family_name_latin.invalid",
                "family_name_latin",
            ),
            (
                &self.province,
                text_ok(&self.province, true, 100),
                "person.province.invalid",
                "province",
            ),
            (
                &self.district,
                text_ok(&self.district, true, 100),
                "person.district.invalid",
                "district",
            ),
            (
                &self.address,
                text_ok(&self.address, true, 200),
                "person.address.invalid",
                "address",
            ),
        ];
        for (_, ok, code, field) in checks {
            if !ok {
                problems.push(Error::invalid(code).with_field(field));
            }
        }
        if !(self.nationality.len() == 3
            && self.nationality.bytes().all(|b| b.is_ascii_uppercase()))
        {
            problems.push(Error::invalid("person.nationality.invalid").with_field("nationality"));
        }
        problems.extend(normalize_phone(&self.phone).err());
        if self.documents.len() > 10 {
            problems.push(Error::invalid("document.too_many").with_field("documents"));
        }
        let mut documents = Vec::with_capacity(self.documents.len());
        for d in &self.documents {
            match d.validate(today) {
                Ok(v) => documents.push(v),
                Err(e) => problems.push(e),
            }
        }
        let birth = match self.birth_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => PartialDate::parse(s, today, "person.birth_date")
                .map_err(|e| problems.push(e))
                .ok(),
        };
        (birth, documents, problems)
    }
}

/// A person to register, parsed at the edge: every field of a [`PersonDraft`] checked, names and
/// address parts trimmed, the phone normalised, the birth date parsed with its precision and
/// each document checked. The store registers only this, so it cannot be handed a person that
/// [`PersonDraft::validate`] would refuse.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterPerson {
    fields: PersonDraft,
    birth: Option<PartialDate>,
    documents: Vec<ValidDocument>,
}

impl RegisterPerson {
    /// Checks `new` as [`PersonDraft::validate`] does (the first problem is the error, with its
    /// field) against the offices' `today`.
    pub fn parse(new: PersonDraft, today: time::Date) -> Result<Self> {
        Self::check(new, today).map_err(|mut problems| problems.swap_remove(0))
    }

    /// Checks `new` in one pass: the registration, or every problem in the order
    /// [`PersonDraft::validate`] reports them (for an import's report, which lists them all).
    pub fn check(new: PersonDraft, today: time::Date) -> std::result::Result<Self, Vec<Error>> {
        let (birth, documents, problems) = new.checked(today);
        if !problems.is_empty() {
            return Err(problems);
        }
        let trim = |s: &str| s.trim().to_owned();
        let fields = PersonDraft {
            given_name: trim(&new.given_name),
            family_name: trim(&new.family_name),
            father_name: trim(&new.father_name),
            grandfather_name: trim(&new.grandfather_name),
            given_name_latin: trim(&new.given_name_latin),
            family_name_latin: trim(&new.family_name_latin),
            phone: normalize_phone(&new.phone).map_err(|e| vec![e])?,
            province: trim(&new.province),
            district: trim(&new.district),
            address: trim(&new.address),
            ..new
        };
        Ok(Self {
            fields,
            birth,
            documents,
        })
    }

    /// The fields as checked (trimmed; phone normalised; `birth_date` and `documents` as
    /// typed: use [`RegisterPerson::birth`] and [`RegisterPerson::documents`]).
    pub fn fields(&self) -> &PersonDraft {
        &self.fields
    }

    /// The birth date, if given.
    pub fn birth(&self) -> Option<PartialDate> {
        self.birth
    }

    /// The documents, checked.
    pub fn documents(&self) -> &[ValidDocument] {
        &self.documents
    }

    /// What the duplicate check compares this person by.
    pub fn probe(&self) -> MatchProbe {
        MatchProbe {
            given_name: self.fields.given_name.clone(),
            family_name: self.fields.family_name.clone(),
            father_name: self.fields.father_name.clone(),
            birth: self.birth,
            sex: self.fields.sex,
        }
    }
}

/// Kinds of identity document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Registration card (Amayesh card) issued in a registration round.
    RegistrationCard,
    /// Passport.
    Passport,
    /// Visa in a passport.
    Visa,
    /// Census slip (headcount receipt).
    CensusSlip,
    /// National ID of the home country (Tazkira, Iraqi national card).
    NationalId,
}

impl DocumentKind {
    /// Every kind, in display order.
    pub const ALL: [DocumentKind; 5] = [
        DocumentKind::RegistrationCard,
        DocumentKind::Passport,
        DocumentKind::Visa,
        DocumentKind::CensusSlip,
        DocumentKind::NationalId,
    ];
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::RegistrationCard => "registration_card",
            DocumentKind::Passport => "passport",
            DocumentKind::Visa => "visa",
            DocumentKind::CensusSlip => "census_slip",
            DocumentKind::NationalId => "national_id",
        }
    }
    /// Parses a code (`document.kind.invalid`).
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| Error::invalid("document.kind.invalid").with_field("document_kind"))
    }
}

/// The search form of a document number: digits folded to Latin, letters upper-cased, spaces,
/// dashes, slashes and dots dropped.
pub fn document_key(number: &str) -> String {
    crate::digits::fold_digits(number)
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '/' | '.' | '\u{200c}'))
        .flat_map(char::to_uppercase)
        .collect()
}

/// An identity document as the edge received it: raw text, checked by
/// [`DocumentDraft::validate`] into a [`ValidDocument`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocumentDraft {
    /// Kind code.
    pub kind: String,
    /// Number as printed.
    pub number: String,
    /// Issuing authority or country (may be empty).
    pub issuer: String,
    /// Valid from (date as for birth dates, full day).
    pub valid_from: Option<String>,
    /// Valid until.
    pub valid_until: Option<String>,
}

/// A checked document with ISO dates.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidDocument {
    /// Kind.
    pub kind: DocumentKind,
    /// Number as given (trimmed).
    pub number: String,
    /// Search key of the number.
    pub number_key: String,
    /// Issuer.
    pub issuer: String,
    /// ISO valid-from.
    pub valid_from: Option<String>,
    /// ISO valid-until.
    pub valid_until: Option<String>,
}

impl DocumentDraft {
    /// Checks kind, number (1–40 letters or digits after dropping separators), issuer (up to
    /// 100 characters) and validity (full days; until not before from).
    pub fn validate(&self, today: time::Date) -> Result<ValidDocument> {
        let kind = DocumentKind::parse(self.kind.trim())?;
        let number_key = document_key(self.number.trim());
        if number_key.is_empty()
            || number_key.chars().count() > 40
            || !number_key.chars().all(char::is_alphanumeric)
        {
            return Err(Error::invalid("document.number.invalid").with_field("document_number"));
        }
        if !text_ok(&self.issuer, true, 100) {
            return Err(Error::invalid("document.issuer.invalid").with_field("document_issuer"));
        }
        let day = |s: &Option<String>, field: &'static str| -> Result<Option<String>> {
            let Some(s) = s.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
                return Ok(None);
            };
            let far =
                time::Date::from_calendar_date(2199, time::Month::December, 31).unwrap_or(today);
            let d = PartialDate::parse(
                s,
                if field == "document.valid_from" {
                    today
                } else {
                    far
                },
                field,
            )?;
            if d.precision != DatePrecision::Day {
                return Err(
                    Error::invalid("document.validity.invalid").with_field("document_valid")
                );
            }
            Ok(Some(d.iso()))
        };
        let valid_from = day(&self.valid_from, "document.valid_from")?;
        let valid_until = day(&self.valid_until, "document.valid_until")?;
        if let (Some(f), Some(u)) = (&valid_from, &valid_until)
            && u < f
        {
            return Err(Error::invalid("document.validity.invalid").with_field("document_valid"));
        }
        Ok(ValidDocument {
            kind,
            number: self.number.trim().into(),
            number_key,
            issuer: self.issuer.trim().into(),
            valid_from,
            valid_until,
        })
    }
}

/// A recorded identity document.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Document {
    /// Id.
    pub id: DocumentId,
    /// Kind.
    pub kind: DocumentKind,
    /// Number as printed.
    pub number: String,
    /// Issuer.
    pub issuer: String,
    /// ISO valid-from.
    pub valid_from: Option<String>,
    /// ISO valid-until.
    pub valid_until: Option<String>,
}

/// One entry of a person's status history.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StatusChange {
    /// New status.
    pub status: PersonStatus,
    /// When (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// Who (empty for imports and system changes).
    pub actor: String,
    /// Note given with the change.
    pub note: String,
}

/// A person with documents and status history, as one person's page shows them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PersonRecord {
    /// The person.
    #[serde(flatten)]
    pub person: Person,
    /// Identity documents.
    pub documents: Vec<Document>,
    /// Status changes, oldest first.
    pub history: Vec<StatusChange>,
    /// Whether the person has registered medical needs (a yes/no flag kept apart from the
    /// record, no detail; counted by the planning figures).
    pub medical_needs: bool,
}

/// A status change to make, parsed at the edge: a status code that exists and a note of at most
/// 500 characters with no control character (trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeStatus {
    status: PersonStatus,
    note: String,
}

impl ChangeStatus {
    /// Parses a status code and a note (`person.status.invalid`, `person.status_note.invalid`).
    pub fn parse(status: &str, note: &str) -> Result<Self> {
        if !text_ok(note, true, 500) {
            return Err(Error::invalid("person.status_note.invalid").with_field("note"));
        }
        Ok(Self {
            status: PersonStatus::parse(status.trim())?,
            note: note.trim().to_owned(),
        })
    }

    /// The new status.
    pub fn status(&self) -> PersonStatus {
        self.status
    }

    /// Why (trimmed).
    pub fn note(&self) -> &str {
        &self.note
    }
}

/// What the duplicate check compares a person about to be registered by, parsed at the edge:
/// names with the rules of a registered name (given name required), the birth date with its
/// precision, and sex.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchProbe {
    /// Given name (trimmed).
    pub given_name: String,
    /// Family name (trimmed, may be empty).
    pub family_name: String,
    /// Father's name (trimmed, may be empty).
    pub father_name: String,
    /// Birth date, if known.
    pub birth: Option<PartialDate>,
    /// Sex.
    pub sex: Sex,
}

impl MatchProbe {
    /// Checks a probe typed into the duplicate-check form: names as [`name_ok`] (given name
    /// required), the birth date as [`PartialDate::parse`] reads it against `today`, sex as a
    /// code or empty.
    pub fn parse(
        given_name: &str,
        family_name: &str,
        father_name: &str,
        birth_date: &str,
        sex: &str,
        today: time::Date,
    ) -> Result<Self> {
        for (v, may_be_empty, code, field) in [
            (given_name, false, "person.given_name.invalid", "given_name"),
            (
                family_name,
                true,
                "person.family_name.invalid",
                "family_name",
            ),
            (
                father_name,
                true,
                "person.father_name.invalid",
                "father_name",
            ),
        ] {
            if !name_ok(v, may_be_empty) {
                return Err(Error::invalid(code).with_field(field));
            }
        }
        let d = birth_date.trim();
        let birth = if d.is_empty() {
            None
        } else {
            Some(PartialDate::parse(d, today, "person.birth_date")?)
        };
        Ok(Self {
            given_name: given_name.trim().to_owned(),
            family_name: family_name.trim().to_owned(),
            father_name: father_name.trim().to_owned(),
            birth,
            sex: Sex::parse(sex.trim())?,
        })
    }

    /// The birth date as the matcher reads it (empty when unknown).
    pub fn matcher_birth_date(&self) -> String {
        self.birth.map(|d| d.matcher_text()).unwrap_or_default()
    }
}

/// Which fields of a likely duplicate agree with the person being registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// The registered person (a summary: no contact or address).
    pub person: PersonSummary,
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

/// An import that has written no batch for this long stopped without finishing (its process was
/// killed): the server's housekeeping and the next `daftar import` remove it with its persons.
/// Persons an import writes per transaction: a writer beside it waits a fraction of a second
/// at most (about 0.3 s on SQLite on a 2-core machine), and commits stay a small part of the
/// work (1 M rows: 34 s in batches of 1,000, 29 s in batches of 10,000; docs/benchmarks.md).
pub const IMPORT_BATCH: usize = 10_000;

/// An import that has written no batch for this long stopped without finishing (its process was
/// killed): the server's housekeeping and the next `daftar import` remove it with its persons.
pub const IMPORT_IDLE_LIMIT: time::Duration = time::Duration::minutes(10);

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> time::Date {
        time::macros::date!(2026 - 11 - 24)
    }

    fn valid() -> PersonDraft {
        PersonDraft {
            given_name: "فاطمه".into(),
            father_name: "علی".into(),
            nationality: "AFG".into(),
            ..PersonDraft::default()
        }
    }

    #[test]
    fn registering_takes_only_a_checked_person() {
        let mut p = valid();
        p.given_name = "  فاطمه ".into();
        p.phone = "۰۹۱۲ ۳۴۵-۶۷۸۹".into();
        p.birth_date = Some("۱۳۷۰/۰۵/۱۲".into());
        p.documents = vec![DocumentDraft {
            kind: "passport".into(),
            number: " p-123 ".into(),
            ..DocumentDraft::default()
        }];
        let r = RegisterPerson::parse(p, today()).unwrap();
        assert_eq!(r.fields().given_name, "فاطمه");
        assert_eq!(r.fields().phone, "09123456789");
        assert_eq!(r.birth().unwrap().iso(), "1991-08-03");
        assert_eq!(r.documents()[0].number_key, "P123");
        // The first problem is the error, as validate reports it.
        let mut bad = valid();
        bad.birth_date = Some("1500/01/01".into());
        bad.phone = "12".into();
        let e = RegisterPerson::parse(bad.clone(), today()).unwrap_err();
        assert_eq!(e, bad.validate(today()).unwrap_err());
        let mut doc = valid();
        doc.documents = vec![DocumentDraft {
            kind: "moon_pass".into(),
            number: "1".into(),
            ..DocumentDraft::default()
        }];
        assert_eq!(
            RegisterPerson::parse(doc, today()).unwrap_err().code,
            "document.kind.invalid"
        );
        // A birth date after the offices' today is refused.
        let mut future = valid();
        future.birth_date = Some("2026-11-25".into());
        assert_eq!(
            RegisterPerson::parse(future, today()).unwrap_err().code,
            "person.birth_date.future"
        );
    }

    /// Issue 15, item 18: names of invisible characters only were accepted.
    #[test]
    fn a_name_needs_a_letter() {
        for v in [
            "\u{200b}",
            "\u{202e}",
            "\u{200c}\u{200c}",
            "\u{2066}\u{2069}",
            "\u{200f} \u{200e}",
            "-.",
            "\u{202e}علی",
        ] {
            let mut p = valid();
            p.given_name = v.into();
            assert_eq!(
                p.validate(today()).unwrap_err().code,
                "person.given_name.invalid",
                "{v:?}"
            );
            let mut p = valid();
            p.family_name = v.into();
            assert_eq!(
                p.validate(today()).unwrap_err().code,
                "person.family_name.invalid",
                "{v:?}"
            );
        }
        let mut p = valid();
        p.given_name = "مهر\u{200c}انگیز".into();
        assert!(p.validate(today()).is_ok());
    }

    #[test]
    fn every_field_has_its_own_error() {
        let long = "ا".repeat(101);
        type Edit = fn(&mut PersonDraft, &str);
        let cases: Vec<(Edit, &str, &str)> = vec![
            (
                |p, v| p.given_name = v.into(),
                "",
                "person.given_name.invalid",
            ),
            (
                |p, v| p.given_name = v.into(),
                "   ",
                "person.given_name.invalid",
            ),
            (
                |p, v| p.family_name = v.into(),
                "LONG",
                "person.family_name.invalid",
            ),
            (
                |p, v| p.father_name = v.into(),
                "",
                "person.father_name.invalid",
            ),
            (
                |p, v| p.grandfather_name = v.into(),
                "LONG",
                "person.grandfather_name.invalid",
            ),
            (
                |p, v| p.given_name_latin = v.into(),
                "فاطمه",
                "person.given_name_latin.invalid",
            ),
            (
                |p, v| p.family_name_latin = v.into(),
                "Karimi2",
                "person.family_name_latin.invalid",
            ),
            (
                |p, v| p.nationality = v.into(),
                "af",
                "person.nationality.invalid",
            ),
            (
                |p, v| p.birth_date = Some(v.into()),
                "1370/13/01",
                "person.birth_date.invalid",
            ),
            (
                |p, v| p.birth_date = Some(v.into()),
                "1410",
                "person.birth_date.future",
            ),
            (|p, v| p.phone = v.into(), "12345", "person.phone.invalid"),
            (
                |p, v| p.phone = v.into(),
                "0912-abc-4567",
                "person.phone.invalid",
            ),
            (
                |p, v| p.province = v.into(),
                "LONG",
                "person.province.invalid",
            ),
            (
                |p, v| p.district = v.into(),
                "a\u{0}b",
                "person.district.invalid",
            ),
            (
                |p, v| p.address = v.into(),
                "a\nb",
                "person.address.invalid",
            ),
            (
                |p, v| {
                    p.documents = vec![DocumentDraft {
                        kind: v.into(),
                        number: "1".into(),
                        ..DocumentDraft::default()
                    }]
                },
                "licence",
                "document.kind.invalid",
            ),
            (
                |p, v| {
                    p.documents = vec![DocumentDraft {
                        kind: "passport".into(),
                        number: v.into(),
                        ..DocumentDraft::default()
                    }]
                },
                "--",
                "document.number.invalid",
            ),
            (
                |p, v| {
                    p.documents = vec![DocumentDraft {
                        kind: "visa".into(),
                        number: "V1".into(),
                        valid_from: Some("1404/01/10".into()),
                        valid_until: Some(v.into()),
                        ..DocumentDraft::default()
                    }]
                },
                "1403/12/01",
                "document.validity.invalid",
            ),
            (
                |p, v| {
                    p.documents = vec![DocumentDraft {
                        kind: "visa".into(),
                        number: "V1".into(),
                        valid_until: Some(v.into()),
                        ..DocumentDraft::default()
                    }]
                },
                "1404",
                "document.validity.invalid",
            ),
        ];
        assert!(valid().validate(today()).is_ok());
        for (edit, value, code) in cases {
            let mut p = valid();
            let value = if value == "LONG" {
                long.as_str()
            } else {
                value
            };
            edit(&mut p, value);
            let e = p.validate(today()).expect_err(code);
            assert_eq!(e.code, code, "value {value:?}");
            assert!(e.details.get("field").is_some(), "{code} names its field");
        }
    }

    #[test]
    fn phones_and_document_numbers_are_normalised_for_matching_only() {
        assert_eq!(normalize_phone("۰۹۱۲ ۳۴۵-۶۷۸۹").unwrap(), "09123456789");
        assert_eq!(
            normalize_phone("+93 (70) 123 4567").unwrap(),
            "+93701234567"
        );
        assert_eq!(normalize_phone("").unwrap(), "");
        assert_eq!(document_key("p-0123 456"), "P0123456");
        assert_eq!(document_key("۱۲۳/۴۵۶"), "123456");
        let d = DocumentDraft {
            kind: "passport".into(),
            number: " P-01 ".into(),
            ..DocumentDraft::default()
        }
        .validate(today())
        .unwrap();
        assert_eq!((d.number.as_str(), d.number_key.as_str()), ("P-01", "P01"));
    }

    #[test]
    fn status_changes() {
        use PersonStatus::*;
        assert!(Registered.check_change(Renewed).is_ok());
        assert!(Lapsed.check_change(Registered).is_ok());
        assert_eq!(
            Renewed.check_change(Renewed).unwrap_err().code,
            "person.status.unchanged"
        );
        assert_eq!(
            Deceased.check_change(Registered).unwrap_err().code,
            "person.status.final"
        );
        for s in PersonStatus::ALL {
            assert_eq!(PersonStatus::parse(s.code()).unwrap(), s);
        }
        assert_eq!(
            PersonStatus::parse("arrested").unwrap_err().code,
            "person.status.invalid"
        );
    }
}
