//! Cases: an application for a service by a person or a household, with its timeline, members,
//! evidence, fees and payments, and the SLA clock of the current step. The rules of state
//! changes live in [`crate::workflow`]; this module holds the records and the requests.

use crate::code_enum;
use crate::ids::{CaseDocumentId, CaseId, HouseholdId, OfficeId, PaymentId, PersonId, UserId};
use crate::service::{EvidenceKind, FeeDue, ServiceCode, ServiceDef};
use crate::workflow::{CaseState, MemberOutcome, RejectReason};
use crate::{Error, Result};
use serde::Serialize;
use time::{Date, OffsetDateTime};

// Days in JSON as ISO `YYYY-MM-DD` (the `time` default is a tuple).
time::serde::format_description!(pub(crate) iso_date, Date, "[year]-[month]-[day]");

code_enum!(
    /// How a payment was made.
    PaymentMethod, error = "payment.method.invalid", field = "method",
    {
        /// Cash at the counter.
        Cash = "cash",
        /// Card reader (POS) at the counter.
        Card = "card",
        /// Bank transfer with a reference.
        Transfer = "transfer",
    }
);

code_enum!(
    /// The colour of an SLA clock.
    Timer, error = "case.timer.invalid", field = "timer",
    {
        /// More than one working day left.
        Green = "green",
        /// Due today or on the next working day.
        Amber = "amber",
        /// Past due.
        Red = "red",
        /// Waiting for the applicant; the clock is stopped.
        Paused = "paused",
        /// Closed.
        Done = "done",
    }
);

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Case {
    /// Id.
    pub id: CaseId,
    /// Human reference, `<office code>-<year>-<n>`.
    pub reference: String,
    /// Office that handles it.
    pub office_id: OfficeId,
    /// Service.
    #[schema(value_type = String)]
    pub service: ServiceCode,
    /// Catalog version the case was opened under.
    pub service_version: i64,
    /// The person applying (or the household head).
    pub person_id: PersonId,
    /// Household covered, for household cases.
    pub household_id: Option<HouseholdId>,
    /// State.
    pub state: CaseState,
    /// Current step index (0-based).
    pub step: usize,
    /// Day the current step's clock started (ISO).
    #[schema(value_type = String)]
    #[serde(with = "iso_date")]
    pub step_started_on: Date,
    /// Due date of the current step (ISO), none while paused or closed.
    #[schema(value_type = Option<String>)]
    #[serde(with = "iso_date::option")]
    pub due_on: Option<Date>,
    /// Working days that were left when the clock paused.
    pub paused_remaining: Option<i64>,
    /// Assigned staff member.
    pub assigned_to: Option<UserId>,
    /// Why it was rejected.
    pub reject_reason: Option<RejectReason>,
    /// The person concerned consented (services that require it).
    pub consent: bool,
    /// 0 none, 1 escalated to the office manager, 2 to the authority.
    pub escalation: i64,
    /// The employer given when the case was opened (services that take one: work permits).
    /// It is what the credential the case grants names (claim `employer`).
    pub employer: Option<Employer>,
    /// Opened.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub opened_at: OffsetDateTime,
    /// Version for `ETag`/`If-Match`; every change adds one.
    pub version: i64,
}

/// One member of a case (the applicant alone for a personal case).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CaseMember {
    /// Person.
    pub person_id: PersonId,
    /// Registry number.
    pub registry_no: String,
    /// Name for display.
    pub name: String,
    /// Result for this member.
    pub outcome: MemberOutcome,
    /// Why this member was refused.
    pub reason: Option<RejectReason>,
}

/// A line of the case timeline.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CaseEvent {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub at: OffsetDateTime,
    /// Login name of the actor (or `system`).
    pub actor: String,
    /// Event code (`case.open`, `case.step.complete`, `case.payment`, ...).
    pub kind: String,
    /// Step index at the time.
    pub step: usize,
    /// Free note.
    pub note: String,
}

/// Evidence uploaded to a case (metadata; the bytes are in the blob store).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CaseDocument {
    /// Id.
    pub id: CaseDocumentId,
    /// Kind of evidence.
    pub kind: EvidenceKind,
    /// Original file name (display only).
    pub filename: String,
    /// Sniffed content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Uploaded.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub uploaded_at: OffsetDateTime,
}

/// A recorded payment with its receipt.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Payment {
    /// Id.
    pub id: PaymentId,
    /// Fee line paid.
    pub fee: String,
    /// Amount in rials.
    pub rials: u64,
    /// Method.
    pub method: PaymentMethod,
    /// Clerk who recorded it.
    pub recorded_by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub recorded_at: OffsetDateTime,
    /// Receipt number.
    pub receipt_no: String,
    /// Code printed in the receipt's QR for the public check page.
    pub check_code: String,
}

/// What the public receipt check shows: no personal data.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReceiptCheck {
    /// Receipt number.
    pub receipt_no: String,
    /// Amount in rials.
    pub rials: u64,
    /// Service code.
    #[schema(value_type = String)]
    pub service: ServiceCode,
    /// Fee line.
    pub fee: String,
    /// Office code.
    pub office_code: String,
    /// Office name.
    pub office_name: String,
    /// Day paid (ISO).
    #[schema(value_type = String)]
    #[serde(with = "iso_date")]
    pub paid_on: Date,
}

/// One office's case counts on a day (counts only, no personal data): what the home pages of
/// managers and the authority show (issue 21.10).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OfficeCaseCounts {
    /// Office.
    pub office_id: OfficeId,
    /// Cases open or returned to the applicant.
    pub active: u64,
    /// Open cases due on the day.
    pub due_today: u64,
    /// Open cases past their due day.
    pub overdue: u64,
    /// Cases waiting for the applicant (returned).
    pub waiting: u64,
    /// Open cases escalated to the office manager (escalation level 1).
    pub escalated_manager: u64,
    /// Open cases escalated to the authority (escalation level 2).
    pub escalated_authority: u64,
}

/// One office's fee figures for a period (aggregates only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FeeReportRow {
    /// Office.
    pub office_id: OfficeId,
    /// Office code.
    pub office_code: String,
    /// Payments recorded.
    pub payments: u64,
    /// Sum in rials.
    pub rials: u64,
    /// "I was asked to pay more" complaints about the office's receipts.
    pub complaints: u64,
    /// Sum of the extra amounts complained about (asked minus paid).
    pub complained_extra_rials: u64,
    /// Some figures were withheld (shown as 0): for callers who see aggregates only, counts
    /// under 5 and the sums over them are not shown.
    pub suppressed: bool,
}

impl FeeReportRow {
    /// Withholds counts under `below` and the sums over them.
    pub fn suppress_small(&mut self, below: u64) {
        if self.payments > 0 && self.payments < below {
            self.payments = 0;
            self.rials = 0;
            self.suppressed = true;
        }
        if self.complaints > 0 && self.complaints < below {
            self.complaints = 0;
            self.complained_extra_rials = 0;
            self.suppressed = true;
        }
    }
}

/// A case with everything the case page shows.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    /// The case.
    pub case: Case,
    /// The service version it runs under.
    pub definition: ServiceDef,
    /// Members (the applicant first).
    pub members: Vec<CaseMember>,
    /// Timeline, oldest first.
    pub events: Vec<CaseEvent>,
    /// Evidence.
    pub documents: Vec<CaseDocument>,
    /// Fee owed per line, for the year the case was opened.
    pub fees_due: Vec<FeeDue>,
    /// Payments.
    pub payments: Vec<Payment>,
}

impl CaseView {
    /// Rials still owed on fee line `code`.
    pub fn outstanding(&self, code: &str) -> u64 {
        let due = self
            .fees_due
            .iter()
            .find(|f| f.code == code)
            .map_or(0, |f| f.rials);
        let paid: u64 = self
            .payments
            .iter()
            .filter(|p| p.fee == code)
            .map(|p| p.rials)
            .sum();
        due.saturating_sub(paid)
    }
    /// Whether every fee line is paid in full.
    pub fn fees_paid(&self) -> bool {
        self.fees_due.iter().all(|f| self.outstanding(&f.code) == 0)
    }
}

/// A case in a list or work queue.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    /// The case.
    pub case: Case,
    /// Applicant's registry number.
    pub registry_no: String,
    /// Applicant's name.
    pub name: String,
}

/// Longest note on a case's timeline, in characters.
pub const NOTE_MAX: usize = 2000;

/// A note for a case's timeline: at most [`NOTE_MAX`] characters as typed, kept trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Note(String);

impl Note {
    /// Parses a note as typed (`case.note.invalid`, field `note`).
    pub fn parse(text: &str) -> Result<Self> {
        if text.chars().count() > NOTE_MAX {
            return Err(Error::invalid("case.note.invalid").with_field("note"));
        }
        Ok(Self(text.trim().to_owned()))
    }
    /// The note (trimmed; may be empty).
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Longest employer name, in characters.
pub const EMPLOYER_NAME_MAX: usize = 200;
/// Longest employer identifier, in characters.
pub const EMPLOYER_ID_MAX: usize = 40;

/// Characters an employer name may not hold: the replacement character (bytes that were not
/// UTF-8) and the bidirectional controls, which could make a verifier's screen show another
/// name than the one signed. ZWNJ, which Persian needs, is allowed.
const BIDI_OR_REPLACEMENT: [char; 13] = [
    '\u{fffd}', '\u{200e}', '\u{200f}', '\u{061c}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}',
    '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
];

// Checked when made (`Employer::parse`), so a value of this type is always a valid one.
/// The employer a case names (a work permit's employer), as given when the case is opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Employer {
    /// Name of the employer, a person or an organisation, as on the employer's letter (1 to 200
    /// characters, with at least one letter).
    name: String,
    /// The employer's identifier, optional: in Iran the national id of the company or of the
    /// person (up to 40 letters, digits, `-` and `/`; Persian digits are read as ASCII).
    #[serde(default)]
    identifier: String,
}

impl Employer {
    /// A form's two employer fields as given: `None` when both are blank (a form always sends
    /// them), for [`crate::usecase::open_case::OpenCase::parse`].
    pub fn from_form<'a>(name: &'a str, identifier: &'a str) -> Option<(&'a str, &'a str)> {
        if name.trim().is_empty() && identifier.trim().is_empty() {
            None
        } else {
            Some((name, identifier))
        }
    }

    /// An employer as stored (checked when the case was opened).
    pub fn stored(name: String, identifier: String) -> Self {
        Self { name, identifier }
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The identifier (empty when none was given).
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// The employer trimmed and checked (`case.employer.invalid`, with the field at fault:
    /// `employer.name` or `employer.identifier`).
    pub fn parse(name: &str, identifier: &str) -> Result<Self> {
        let invalid = |field: &str| Error::invalid("case.employer.invalid").with_field(field);
        let name = name.trim();
        let count = name.chars().count();
        if count == 0
            || count > EMPLOYER_NAME_MAX
            || !name.chars().any(char::is_alphabetic)
            || name
                .chars()
                .any(|c| c.is_control() || BIDI_OR_REPLACEMENT.contains(&c))
        {
            return Err(invalid("employer.name"));
        }
        let identifier = crate::digits::fold_digits(identifier.trim());
        if identifier.chars().count() > EMPLOYER_ID_MAX
            || !identifier
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/')
        {
            return Err(invalid("employer.identifier"));
        }
        Ok(Self {
            name: name.to_owned(),
            identifier,
        })
    }

    /// The text of the credential claim `employer` (field 11): the name, followed by the
    /// identifier in parentheses when the case recorded one.
    pub fn claim(&self) -> String {
        if self.identifier.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, self.identifier)
        }
    }
}

/// Recording a payment, parsed at the edge: the fee line's code (trimmed; whether the case owes
/// it is checked against the case), an amount in rials as [`parse_rials`] reads it and a
/// payment method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordPayment {
    fee: String,
    rials: u64,
    method: PaymentMethod,
}

impl RecordPayment {
    /// Parses a payment as typed (`payment.amount.invalid`, `payment.method.invalid`).
    pub fn parse(fee: &str, rials: &str, method: &str) -> Result<Self> {
        let amount = parse_rials(rials).map_err(|e| e.with_field("rials"))?;
        Ok(Self {
            fee: fee.trim().to_owned(),
            rials: amount,
            method: PaymentMethod::parse(method.trim())?,
        })
    }

    /// The fee line's code.
    pub fn fee(&self) -> &str {
        &self.fee
    }

    /// The amount in rials.
    pub fn rials(&self) -> u64 {
        self.rials
    }

    /// How it was paid.
    pub fn method(&self) -> PaymentMethod {
        self.method
    }
}

/// An amount in rials as typed: Persian or Latin digits, with `,`, `٬`, spaces or `_` between
/// groups; 1 to 10^12 (`payment.amount.invalid`).
pub fn parse_rials(text: &str) -> Result<u64> {
    let digits: String = crate::digits::fold_digits(text.trim())
        .chars()
        .filter(|c| !matches!(c, ',' | '٬' | ' ' | '_'))
        .collect();
    digits
        .parse()
        .ok()
        .filter(|n| *n > 0 && *n <= crate::service::MAX_FEE_RIALS)
        .ok_or_else(|| Error::invalid("payment.amount.invalid"))
}

/// The colour of a case's clock on `today`.
pub fn timer(case: &Case, cal: &crate::calendar::WorkCalendar, today: Date) -> Timer {
    match (case.state, case.due_on) {
        (CaseState::Returned, _) => Timer::Paused,
        (CaseState::Open, Some(due)) if today > due => Timer::Red,
        (CaseState::Open, Some(due)) => match cal.working_days_between(today, due) {
            Ok(n) if n <= 1 => Timer::Amber,
            Ok(_) => Timer::Green,
            Err(_) => Timer::Green,
        },
        (CaseState::Open, None) => Timer::Green,
        _ => Timer::Done,
    }
}

/// Work-queue filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueFilter {
    /// Every open or returned case.
    #[default]
    Active,
    /// Open cases due today.
    DueToday,
    /// Open cases past due.
    Overdue,
    /// Returned, waiting for the applicant.
    Waiting,
    /// Closed cases.
    Closed,
}

impl QueueFilter {
    /// Every filter, in the order the queue shows them.
    pub const ALL: [Self; 5] = [
        Self::Active,
        Self::DueToday,
        Self::Overdue,
        Self::Waiting,
        Self::Closed,
    ];
    /// Parses a query value (unknown values fall back to `active`).
    pub fn parse(s: &str) -> Self {
        match s {
            "due_today" => Self::DueToday,
            "overdue" => Self::Overdue,
            "waiting" => Self::Waiting,
            "closed" => Self::Closed,
            _ => Self::Active,
        }
    }
    /// The query value.
    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::DueToday => "due_today",
            Self::Overdue => "overdue",
            Self::Waiting => "waiting",
            Self::Closed => "closed",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn payment_amounts_accept_persian_digits_and_separators() {
        let p = |r: &str| RecordPayment::parse(" x ", r, "cash");
        assert_eq!(p("۱٬۵۰۰٬۰۰۰").unwrap().rials(), 1_500_000);
        assert_eq!(p("1,500,000").unwrap().rials(), 1_500_000);
        assert_eq!(p("1").unwrap().fee(), "x");
        for bad in ["", "0", "-5", "12a", "99999999999999999999"] {
            assert_eq!(p(bad).unwrap_err().code, "payment.amount.invalid");
        }
        assert_eq!(
            RecordPayment::parse("x", "100", "cheque").unwrap_err().code,
            "payment.method.invalid"
        );
    }

    #[test]
    fn employers_are_checked_when_made() {
        for (name, id) in [
            ("", ""),
            ("   ", "123"),
            ("\u{200b}\u{200c}", ""),
            ("12345", ""),
            ("شرکت\u{202e}", ""),
            ("شرکت\u{fffd}", ""),
            ("شر\nکت", ""),
            (&"ش".repeat(201), ""),
            ("شرکت", "12 34"),
            ("شرکت", &"1".repeat(41)),
        ] {
            let err = Employer::parse(name, id).unwrap_err();
            assert_eq!(err.code, "case.employer.invalid", "{name:?} {id:?}");
        }
        let ok = Employer::parse(" شرکت ساختمانی البرز ", "۱۰۱۰-۱۲/۳").unwrap();
        assert_eq!(
            (ok.name(), ok.identifier()),
            ("شرکت ساختمانی البرز", "1010-12/3")
        );
        assert_eq!(ok.claim(), "شرکت ساختمانی البرز (1010-12/3)");
        assert_eq!(
            Employer::parse("نیم\u{200c}رخ", "").unwrap().claim(),
            "نیم\u{200c}رخ"
        );
        assert_eq!(Employer::from_form(" ", ""), None);
        assert_eq!(Employer::from_form("", "123"), Some(("", "123")));
    }

    #[test]
    fn notes_are_length_checked_and_trimmed() {
        assert_eq!(
            Note::parse("  امضا ندارد \n").unwrap().as_str(),
            "امضا ندارد"
        );
        assert!(Note::parse("").unwrap().is_empty());
        let long = "ن".repeat(NOTE_MAX);
        assert_eq!(Note::parse(&long).unwrap().as_str(), long);
        let e = Note::parse(&format!("{long}x")).unwrap_err();
        assert_eq!(
            (e.code, &e.details["field"]),
            ("case.note.invalid", &serde_json::json!("note"))
        );
    }
}
