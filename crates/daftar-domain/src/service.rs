//! The service catalog: every administrative service an office delivers, as data. A country
//! profile ships a TOML file (`profiles/ir/services.toml`) that is loaded into the store, where
//! authority admins can change a service (each change is a new version; cases keep the version
//! they were opened under). This module holds the definition types, their validation and the
//! fee arithmetic; it reads text, never files.

use crate::person::{DocumentKind, PersonStatus};
use crate::{Error, Result, code_enum};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// The note that explains a change to a service (at most 500 characters, may be empty).
pub type ServiceNote = crate::text::Text<500>;

/// A service code such as `card_renewal`: 2–40 characters of `a-z`, `0-9` and `_`, starting
/// with a letter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServiceCode(String);

impl ServiceCode {
    /// Parses a code (`service.code.invalid`).
    pub fn parse(s: &str) -> Result<Self> {
        if crate::contract::matches(crate::contract::SERVICE_CODE, s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(Error::invalid("service.code.invalid").with_field("service"))
        }
    }
    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for ServiceCode {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}
impl From<ServiceCode> for String {
    fn from(c: ServiceCode) -> String {
        c.0
    }
}
impl fmt::Display for ServiceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl utoipa::PartialSchema for ServiceCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(crate::contract::SERVICE_CODE))
            .examples([serde_json::json!("card_renewal")])
            .into()
    }
}
impl utoipa::ToSchema for ServiceCode {}

/// A name in every shipped locale. All four are required so no page falls back silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// Persian (Iran).
    #[serde(rename = "fa-IR")]
    pub fa_ir: String,
    /// Dari (Afghanistan).
    #[serde(rename = "fa-AF")]
    pub fa_af: String,
    /// Pashto.
    pub ps: String,
    /// English.
    pub en: String,
}

impl Names {
    /// The name in `locale` (fa-IR for anything unknown).
    pub fn get(&self, locale: &str) -> &str {
        match locale {
            "fa-AF" => &self.fa_af,
            "ps" => &self.ps,
            "en" => &self.en,
            _ => &self.fa_ir,
        }
    }
    fn check(&self, at: &str) -> Result<()> {
        for (tag, v) in [
            ("fa-IR", &self.fa_ir),
            ("fa-AF", &self.fa_af),
            ("ps", &self.ps),
            ("en", &self.en),
        ] {
            if v.trim().is_empty() || v.chars().count() > 200 {
                return Err(data_error(at, &format!("name {tag} is empty or too long")));
            }
        }
        Ok(())
    }
}

code_enum!(
    /// Who opens a case for the service.
    Applicant, error = "service.applicant.invalid", field = "applicant",
    {
        /// The person the case is about (or a clerk on their behalf).
        Person = "person",
        /// The head of the household, for the household or one of its members.
        HouseholdHead = "household_head",
    }
);

code_enum!(
    /// What a step's actor may decide.
    Outcome, error = "case.outcome.invalid", field = "outcome",
    {
        /// The step is done; the case moves to the next step, or is approved after the last.
        Complete = "complete",
        /// Sent back to the applicant for correction; the SLA clock pauses.
        Return = "return",
        /// Refused, with a reason code the applicant sees.
        Reject = "reject",
    }
);

code_enum!(
    /// Kinds of evidence uploaded to a case (not identity documents of the registry).
    EvidenceKind, error = "case.document.kind.invalid", field = "kind",
    {
        /// A recent passport-style photo.
        Photo = "photo",
        /// The current registration card.
        RegistrationCard = "registration_card",
        /// Passport (bio page).
        Passport = "passport",
        /// A visa page.
        Visa = "visa",
        /// Birth certificate or hospital birth record.
        BirthCertificate = "birth_certificate",
        /// Marriage certificate.
        MarriageCertificate = "marriage_certificate",
        /// Divorce certificate or court ruling.
        DivorceCertificate = "divorce_certificate",
        /// Death certificate.
        DeathCertificate = "death_certificate",
        /// Rental contract or other proof of address.
        AddressProof = "address_proof",
        /// A letter from the employer offering work.
        EmployerLetter = "employer_letter",
        /// The worker's signed consent.
        WorkerConsent = "worker_consent",
        /// Current work permit.
        WorkPermit = "work_permit",
        /// A statement of loss or damage of a card.
        LossStatement = "loss_statement",
        /// Proof supporting a data correction (old documents, court ruling).
        CorrectionEvidence = "correction_evidence",
        /// Reason for travel or relocation (medical letter, family letter, work).
        TravelReason = "travel_reason",
        /// School record or report card of the child.
        SchoolRecord = "school_record",
        /// The applicant's signed request (voluntary return, consent to share).
        SignedRequest = "signed_request",
    }
);

code_enum!(
    /// The credential a service issues on approval.
    CredentialKind, error = "service.credential.invalid", field = "credential",
    {
        /// Registration card.
        RegistrationCard = "registration_card",
        /// Work permit.
        WorkPermit = "work_permit",
        /// Travel permit inside the country.
        TravelPermit = "travel_permit",
        /// Exit permit for voluntary return.
        ExitPermit = "exit_permit",
        /// An official letter (school, bank, SIM card, driving licence, rental, status).
        Letter = "letter",
    }
);

/// Roles that may be named as the actor of a step.
pub const STEP_ROLES: [&str; 3] = ["clerk", "office_manager", "authority_officer"];

/// Who may apply and what they must hold. Age is counted in whole years at the opening date.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// The person's current status must be one of these (empty: any but `deceased`).
    #[serde(default)]
    pub statuses: Vec<PersonStatus>,
    /// Minimum age in years.
    #[serde(default)]
    pub min_age: Option<u8>,
    /// Maximum age in years.
    #[serde(default)]
    pub max_age: Option<u8>,
    /// The person must hold at least one of these identity documents (empty: none needed).
    #[serde(default)]
    pub documents_any: Vec<DocumentKind>,
}

/// One step of a service's workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Code, unique within the service.
    pub code: String,
    /// Display names.
    pub names: Names,
    /// The role that acts (`clerk`, `office_manager`, `authority_officer`); an office manager
    /// may also act on a clerk's step.
    pub role: String,
    /// Time allowed, in working days of the profile's calendar.
    pub sla_days: u16,
    /// Decisions allowed at this step; `complete` is always among them.
    pub outcomes: Vec<Outcome>,
    /// Evidence that must be on the case before the step can be completed.
    #[serde(default)]
    pub documents: Vec<EvidenceKind>,
    /// Every fee line must be paid before the step can be completed.
    #[serde(default)]
    pub fee_before: bool,
}

/// The amount of a fee line in one Solar Hijri year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeAmount {
    /// Solar Hijri year.
    pub year: i32,
    /// Amount in rials.
    pub rials: u64,
}

/// One line of a service's published fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeLine {
    /// Code, unique within the service.
    pub code: String,
    /// Display names.
    pub names: Names,
    /// Charged once per member of a household case (else once per case).
    #[serde(default)]
    pub per_member: bool,
    /// The published schedule by year.
    pub schedule: Vec<FeeAmount>,
}

impl FeeLine {
    /// The published amount for `year` (`fee.schedule.missing` if none is published).
    pub fn amount(&self, year: i32) -> Result<u64> {
        self.schedule
            .iter()
            .find(|a| a.year == year)
            .map(|a| a.rials)
            .ok_or_else(|| {
                Error::invalid("fee.schedule.missing")
                    .with_detail("fee", serde_json::json!(self.code))
                    .with_detail("year", serde_json::json!(year))
            })
    }
}

/// A service as defined by the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceDef {
    /// Stable code.
    #[schema(value_type = String)]
    pub code: ServiceCode,
    /// Display names.
    pub names: Names,
    /// Who opens the case.
    pub applicant: Applicant,
    /// One case may cover the whole household (per-member outcomes).
    #[serde(default)]
    pub household: bool,
    /// The person concerned must consent (recorded on the case) before approval.
    #[serde(default)]
    pub consent_required: bool,
    /// The applicant may open the case through the portal.
    #[serde(default)]
    pub portal: bool,
    /// Credential issued on approval, if any.
    #[serde(default)]
    pub credential: Option<CredentialKind>,
    /// Days the credential lasts (default by kind: cards and work permits 365, travel and exit
    /// permits 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_days: Option<u32>,
    /// A case must name the employer when it is opened, and the credential names it (claim
    /// `employer`); a service that does not say this takes no employer. Only a service issuing
    /// a work permit may say it. Default: yes for a work permit, no otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_employer: Option<bool>,
    /// What the credential says in its claim `work_allowed`. Only for a registration card or a
    /// work permit (a work permit always allows work). Default: yes for a work permit, no
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_allowed: Option<bool>,
    /// A case opens and advances only while the applicant is on a voluntary-return case that
    /// may lead to an exit permit: screened without a flag, cleared by a protection officer, or
    /// with its permit recorded (`ReturnState::permits_exit`). A
    /// flagged, referred, unscreened, withdrawn or departed return refuses it (409
    /// `case.return.not_cleared`), so the catalogue's exit permit cannot bypass the screening.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub return_clearance: bool,
    /// Who may apply.
    #[serde(default)]
    pub eligibility: Eligibility,
    /// The workflow, in order.
    pub steps: Vec<Step>,
    /// The published fee.
    #[serde(default)]
    pub fees: Vec<FeeLine>,
}

fn data_error(at: &str, why: &str) -> Error {
    Error::invalid("service.definition.invalid")
        .with_detail("at", serde_json::json!(at))
        .with_detail("reason", serde_json::json!(why))
}

/// Largest fee line accepted (10^12 rials), to keep sums far from overflow.
pub const MAX_FEE_RIALS: u64 = 1_000_000_000_000;

impl ServiceDef {
    /// The name of fee line `code` in `locale` (the code itself for a line the definition no
    /// longer has).
    pub fn fee_name(&self, code: &str, locale: &str) -> String {
        self.fees
            .iter()
            .find(|l| l.code == code)
            .map_or_else(|| code.to_owned(), |l| l.names.get(locale).to_owned())
    }

    /// Checks the definition's internal rules (`service.definition.invalid` with `at` and
    /// `reason` details).
    pub fn validate(&self) -> Result<()> {
        let at = self.code.as_str();
        self.names.check(at)?;
        if self.steps.is_empty() || self.steps.len() > 12 {
            return Err(data_error(at, "a service has 1 to 12 steps"));
        }
        let mut codes = BTreeSet::new();
        for s in &self.steps {
            let sat = format!("{at}.steps.{}", s.code);
            if ServiceCode::parse(&s.code).is_err() || !codes.insert(s.code.as_str()) {
                return Err(data_error(&sat, "step code invalid or repeated"));
            }
            s.names.check(&sat)?;
            if !STEP_ROLES.contains(&s.role.as_str()) {
                return Err(data_error(
                    &sat,
                    "role must be clerk, office_manager or authority_officer",
                ));
            }
            if !(1..=90).contains(&s.sla_days) {
                return Err(data_error(&sat, "sla_days must be 1 to 90"));
            }
            if !s.outcomes.contains(&Outcome::Complete) {
                return Err(data_error(&sat, "outcomes must include complete"));
            }
        }
        let mut fees = BTreeSet::new();
        for f in &self.fees {
            let fat = format!("{at}.fees.{}", f.code);
            if ServiceCode::parse(&f.code).is_err() || !fees.insert(f.code.as_str()) {
                return Err(data_error(&fat, "fee code invalid or repeated"));
            }
            f.names.check(&fat)?;
            let mut years = BTreeSet::new();
            for a in &f.schedule {
                if !(1300..=1600).contains(&a.year) || !years.insert(a.year) {
                    return Err(data_error(&fat, "schedule year out of range or repeated"));
                }
                if a.rials == 0 || a.rials > MAX_FEE_RIALS {
                    return Err(data_error(&fat, "amount must be 1 to 10^12 rials"));
                }
            }
            if f.schedule.is_empty() {
                return Err(data_error(&fat, "a fee line needs a schedule"));
            }
        }
        if let (Some(lo), Some(hi)) = (self.eligibility.min_age, self.eligibility.max_age)
            && lo > hi
        {
            return Err(data_error(at, "min_age is above max_age"));
        }
        let permit = self.credential == Some(CredentialKind::WorkPermit);
        if self.requires_employer == Some(true) && !permit {
            return Err(data_error(
                at,
                "requires_employer is for a service issuing a work permit (only a work permit names an employer)",
            ));
        }
        match (self.work_allowed, self.credential) {
            (None, _)
            | (Some(_), Some(CredentialKind::RegistrationCard))
            | (Some(true), Some(CredentialKind::WorkPermit)) => {}
            (Some(false), Some(CredentialKind::WorkPermit)) => {
                return Err(data_error(at, "a work permit always allows work"));
            }
            (Some(_), _) => {
                return Err(data_error(
                    at,
                    "work_allowed is for a service issuing a registration card or a work permit",
                ));
            }
        }
        if !self.fees.is_empty() && !self.steps.iter().any(|s| s.fee_before) {
            return Err(data_error(
                at,
                "a service with fees needs a step with fee_before",
            ));
        }
        Ok(())
    }

    /// Whether a case of this service names an employer (`requires_employer`, by default for
    /// a work permit).
    pub fn takes_employer(&self) -> bool {
        self.requires_employer
            .unwrap_or(self.credential == Some(CredentialKind::WorkPermit))
    }

    /// What the credential's claim `work_allowed` says (`work_allowed`, by default yes for a
    /// work permit only).
    pub fn allows_work(&self) -> bool {
        self.work_allowed
            .unwrap_or(self.credential == Some(CredentialKind::WorkPermit))
    }

    /// The step at `index` (`case.step.invalid` when past the end).
    pub fn step(&self, index: usize) -> Result<&Step> {
        self.steps
            .get(index)
            .ok_or_else(|| Error::conflict("case.step.invalid"))
    }

    /// The fee owed in Solar Hijri `year` for a case covering `members` people: one amount per
    /// line (per-member lines multiplied). `fee.schedule.missing` if a line has no amount.
    pub fn fees_due(&self, year: i32, members: u32) -> Result<Vec<FeeDue>> {
        self.fees
            .iter()
            .map(|f| {
                let unit = f.amount(year)?;
                let count = if f.per_member {
                    u64::from(members.max(1))
                } else {
                    1
                };
                Ok(FeeDue {
                    code: f.code.clone(),
                    unit_rials: unit,
                    count,
                    rials: unit.saturating_mul(count),
                })
            })
            .collect()
    }
}

/// One fee line as owed by a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeeDue {
    /// The fee line.
    pub code: String,
    /// Published amount per unit.
    pub unit_rials: u64,
    /// Units (members for per-member lines, else 1).
    pub count: u64,
    /// Total for the line.
    pub rials: u64,
}

/// A whole catalog file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Country profile (`IR`).
    pub profile: String,
    /// Version of the file; bump it when the file changes.
    pub version: u32,
    /// The services.
    #[serde(rename = "service")]
    pub services: Vec<ServiceDef>,
}

impl Catalog {
    /// Parses and validates a catalog file (`service.definition.invalid`).
    pub fn from_toml(text: &str) -> Result<Self> {
        let cat: Catalog = toml::from_str(text).map_err(|e| {
            data_error("file", e.message()).with_detail(
                "span",
                serde_json::json!(e.span().map(|s| [s.start, s.end])),
            )
        })?;
        let mut codes = BTreeSet::new();
        for s in &cat.services {
            s.validate()?;
            if !codes.insert(s.code.clone()) {
                return Err(data_error(s.code.as_str(), "service code repeated"));
            }
        }
        Ok(cat)
    }

    /// One service by code (`service.not_found`).
    pub fn get(&self, code: &str) -> Result<&ServiceDef> {
        self.services
            .iter()
            .find(|s| s.code.as_str() == code)
            .ok_or_else(|| Error::not_found("service.not_found"))
    }
}

/// A service as stored: the current definition and its version.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ServiceRecord {
    /// The definition.
    #[serde(flatten)]
    pub definition: ServiceDef,
    /// Version; every change adds one. Also the `ETag`.
    pub version: i64,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub updated_at: time::OffsetDateTime,
    /// Who changed it last (`system` for the profile load).
    pub updated_by: String,
}

/// One entry of a service's history.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ServiceVersion {
    /// Version number.
    pub version: i64,
    /// The definition at that version.
    pub definition: ServiceDef,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub changed_at: time::OffsetDateTime,
    /// Who.
    pub changed_by: String,
    /// Why.
    pub note: String,
}

/// Formats rials with thousands separators (`1,500,000`; Persian digits and `٬` when asked).
pub fn format_rials(rials: u64, persian: bool) -> String {
    let digits = rials.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(if persian { '٬' } else { ',' });
        }
        out.push(c);
    }
    if persian {
        crate::digits::to_persian_digits(&out)
    } else {
        out
    }
}

/// Test fixtures of the catalog, shared by the domain's unit tests.
#[cfg(test)]
pub(crate) mod fixtures {
    /// A catalog of one service `svc` with one step, applied for by a person, issuing
    /// `credential`, with `extra` TOML lines for the service table.
    #[allow(clippy::unwrap_used)]
    pub(crate) fn one_service(credential: &str, extra: &str) -> super::ServiceDef {
        let toml = format!(
            r#"profile = "IR"
version = 1
[[service]]
code = "svc"
names = {{ "fa-IR" = "x", "fa-AF" = "x", ps = "x", en = "x" }}
applicant = "person"
credential = "{credential}"
{extra}
[[service.steps]]
code = "intake"
names = {{ "fa-IR" = "x", "fa-AF" = "x", ps = "x", en = "x" }}
role = "clerk"
sla_days = 1
outcomes = ["complete"]
"#
        );
        super::Catalog::from_toml(&toml).unwrap().services.remove(0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const MINI: &str = r#"
profile = "IR"
version = 1
[[service]]
code = "card_renewal"
names = { "fa-IR" = "تمدید کارت", "fa-AF" = "تمدید کارت", ps = "د کارت تمدید", en = "Card renewal" }
applicant = "household_head"
household = true
credential = "registration_card"
eligibility = { statuses = ["registered", "renewed"], documents_any = ["registration_card"] }
[[service.steps]]
code = "intake"
names = { "fa-IR" = "پذیرش", "fa-AF" = "پذیرش", ps = "منل", en = "Intake" }
role = "clerk"
sla_days = 2
outcomes = ["complete", "return", "reject"]
documents = ["photo"]
fee_before = true
[[service.fees]]
code = "card"
names = { "fa-IR" = "هزینه کارت", "fa-AF" = "فیس کارت", ps = "د کارت فیس", en = "Card fee" }
per_member = true
schedule = [{ year = 1404, rials = 1200000 }, { year = 1405, rials = 1500000 }]
"#;

    #[test]
    fn parses_and_computes_fees() {
        let cat = Catalog::from_toml(MINI).unwrap();
        let s = cat.get("card_renewal").unwrap();
        assert!(s.household);
        assert_eq!(s.steps[0].documents, vec![EvidenceKind::Photo]);
        let due = s.fees_due(1405, 3).unwrap();
        assert_eq!(due[0].rials, 4_500_000);
        assert_eq!(s.fees_due(1404, 1).unwrap()[0].rials, 1_200_000);
        assert_eq!(
            s.fees_due(1403, 1).unwrap_err().code,
            "fee.schedule.missing"
        );
        assert_eq!(cat.get("nope").unwrap_err().code, "service.not_found");
    }

    #[test]
    fn refuses_bad_definitions() {
        let cases = [
            ("role = \"clerk\"", "role = \"janitor\""),
            ("sla_days = 2", "sla_days = 0"),
            (
                "outcomes = [\"complete\", \"return\", \"reject\"]",
                "outcomes = [\"return\"]",
            ),
            ("documents = [\"photo\"]", "documents = [\"selfie\"]"),
            ("rials = 1200000", "rials = 0"),
            ("fee_before = true", "fee_before = false"),
            ("code = \"card_renewal\"", "code = \"Card Renewal\""),
            ("applicant = \"household_head\"", "applicant = \"anyone\""),
            ("en = \"Intake\"", "en = \"\""),
            ("year = 1405", "year = 1404"),
        ];
        for (from, to) in cases {
            assert!(MINI.contains(from), "{from}");
            let bad = MINI.replacen(from, to, 1);
            let err = Catalog::from_toml(&bad).unwrap_err();
            assert_eq!(err.code, "service.definition.invalid", "{to}");
        }
        let twice = format!("{MINI}\n{}", &MINI[MINI.find("[[service]]").unwrap()..]);
        assert_eq!(
            Catalog::from_toml(&twice).unwrap_err().code,
            "service.definition.invalid"
        );
    }

    #[test]
    fn work_and_employer_follow_the_definition() {
        let card = Catalog::from_toml(MINI).unwrap().services.remove(0);
        // Defaults by kind: a card neither takes an employer nor allows work.
        assert!(!card.takes_employer() && !card.allows_work());
        let permit_toml = MINI.replace(
            "credential = \"registration_card\"",
            "credential = \"work_permit\"",
        );
        let permit = Catalog::from_toml(&permit_toml).unwrap().services.remove(0);
        assert!(permit.takes_employer() && permit.allows_work());
        // Said in the file: a card that permits work; a permit that names no employer.
        let with = |from: &str, extra: &str| {
            Catalog::from_toml(&from.replacen(
                "household = true\n",
                &format!("household = true\n{extra}\n"),
                1,
            ))
        };
        let working_card = with(MINI, "work_allowed = true")
            .unwrap()
            .services
            .remove(0);
        assert!(working_card.allows_work() && !working_card.takes_employer());
        let anonymous = with(&permit_toml, "requires_employer = false").unwrap();
        assert!(!anonymous.services[0].takes_employer());
        // Refused: an employer on a card, a permit that forbids work, work on a letter.
        let letter = MINI.replace(
            "credential = \"registration_card\"",
            "credential = \"letter\"",
        );
        for (file, extra) in [
            (MINI, "requires_employer = true"),
            (permit_toml.as_str(), "work_allowed = false"),
            (letter.as_str(), "work_allowed = true"),
            (letter.as_str(), "work_allowed = false"),
        ] {
            assert_eq!(
                with(file, extra).unwrap_err().code,
                "service.definition.invalid",
                "{extra}"
            );
        }
    }

    #[test]
    fn rials_are_grouped() {
        assert_eq!(format_rials(1_500_000, false), "1,500,000");
        assert_eq!(format_rials(950, false), "950");
        assert_eq!(format_rials(12_000, true), "۱۲٬۰۰۰");
    }
}
