//! The licence of an office (issue 18, part 1): its lifecycle as a pure state machine, the typed
//! commands of each step, and the office's standing that decides whether its staff may work.
//!
//! ```text
//!   (none) ──apply──> applied ──inspect──> inspecting ──issue──> licensed ──warn──> warned
//!   revoked ─apply─┘                 inspect ⟲                 renew/inspect ⟲   renew → licensed
//!   licensed|warned ──suspend──> suspended ──reinstate──> licensed
//!   licensed|warned|suspended ──revoke──> revoked
//! ```
//!
//! Each step is taken under one permission ([`LicenceStep::permission`]): the operator (office
//! manager, or the authority on their behalf) applies, inspectors record visits and warn, the
//! authority's officers issue, renew, suspend, revoke and reinstate. [`next_state`] says which step
//! is allowed from which state; [`Standing`] says, with the offices' today, whether an office may
//! serve: a pending application, a suspended or revoked licence, or one past its validity cuts
//! the office's staff off (see [`crate::permission::Principal::with_standing`]).

use crate::case::iso_date;
use crate::ids::OfficeId;
use crate::office::{Office, OfficeStatus};
use crate::permission::Permission;
use crate::service::ServiceCode;
use crate::text::Text;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::{Date, OffsetDateTime};

/// The state of an office's licence record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LicenceState {
    /// An application is filed, no visit yet.
    Applied,
    /// At least one inspection visit recorded; waiting for the authority's decision.
    Inspecting,
    /// Licensed (serving while within its validity).
    Licensed,
    /// Licensed with a warning on record.
    Warned,
    /// Suspended by the authority.
    Suspended,
    /// Revoked for good (a new application may follow).
    Revoked,
}

impl LicenceState {
    /// Every state, in lifecycle order.
    pub const ALL: [LicenceState; 6] = [
        Self::Applied,
        Self::Inspecting,
        Self::Licensed,
        Self::Warned,
        Self::Suspended,
        Self::Revoked,
    ];
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Inspecting => "inspecting",
            Self::Licensed => "licensed",
            Self::Warned => "warned",
            Self::Suspended => "suspended",
            Self::Revoked => "revoked",
        }
    }
    /// Parses a stored code (`licence.state.invalid`).
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|st| st.code() == s)
            .ok_or_else(|| Error::invalid("licence.state.invalid"))
    }
}

/// A step of the lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LicenceStep {
    /// The operator applies (documents, premises, manager).
    Apply,
    /// An inspector records a visit (checklist results, findings with deadlines).
    Inspect,
    /// The authority issues the licence (number, validity, services allowed).
    Issue,
    /// The authority renews it (a later end of validity).
    Renew,
    /// An inspector or officer records a warning.
    Warn,
    /// The authority suspends it: the office's staff are cut off at once.
    Suspend,
    /// The authority revokes it: cut off for good.
    Revoke,
    /// The authority lifts a suspension: access is restored.
    Reinstate,
}

impl LicenceStep {
    /// Every step, in lifecycle order.
    pub const ALL: [LicenceStep; 8] = [
        Self::Apply,
        Self::Inspect,
        Self::Issue,
        Self::Renew,
        Self::Warn,
        Self::Suspend,
        Self::Revoke,
        Self::Reinstate,
    ];
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Apply => "apply",
            Self::Inspect => "inspect",
            Self::Issue => "issue",
            Self::Renew => "renew",
            Self::Warn => "warn",
            Self::Suspend => "suspend",
            Self::Revoke => "revoke",
            Self::Reinstate => "reinstate",
        }
    }
    /// Parses a step code (`licence.step.invalid`, field `step`).
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|st| st.code() == s.trim())
            .ok_or_else(|| Error::invalid("licence.step.invalid").with_field("step"))
    }
    /// The permission a step is taken under (on the office's scope).
    pub fn permission(self) -> Permission {
        match self {
            Self::Apply => Permission::LicenceApply,
            Self::Inspect | Self::Warn => Permission::LicenceInspect,
            Self::Issue | Self::Renew | Self::Suspend | Self::Revoke | Self::Reinstate => {
                Permission::LicenceDecide
            }
        }
    }
}

/// The state a step leads to from `from` (`None`: the office has no licence record yet), or
/// 409 `licence.step.not_allowed` naming the state and the step.
pub fn next_state(from: Option<LicenceState>, step: LicenceStep) -> Result<LicenceState> {
    use LicenceState as S;
    use LicenceStep as T;
    let to = match (from, step) {
        (None | Some(S::Revoked), T::Apply) => Some(S::Applied),
        (Some(S::Applied | S::Inspecting), T::Inspect) => Some(S::Inspecting),
        (Some(s @ (S::Licensed | S::Warned | S::Suspended)), T::Inspect) => Some(s),
        (Some(S::Inspecting), T::Issue) => Some(S::Licensed),
        (Some(S::Licensed | S::Warned), T::Renew) => Some(S::Licensed),
        (Some(S::Licensed | S::Warned), T::Warn) => Some(S::Warned),
        (Some(S::Licensed | S::Warned), T::Suspend) => Some(S::Suspended),
        (Some(S::Licensed | S::Warned | S::Suspended), T::Revoke) => Some(S::Revoked),
        (Some(S::Suspended), T::Reinstate) => Some(S::Licensed),
        _ => None,
    };
    to.ok_or_else(|| {
        Error::conflict("licence.step.not_allowed").with_details(serde_json::json!({
            "state": from.map(LicenceState::code),
            "step": step.code(),
        }))
    })
}

/// The steps a holder of `held` may take from `from` (what a page offers).
pub fn offered(from: Option<LicenceState>, held: &BTreeSet<Permission>) -> Vec<LicenceStep> {
    LicenceStep::ALL
        .into_iter()
        .filter(|s| held.contains(&s.permission()) && next_state(from, *s).is_ok())
        .collect()
}

/// Whether an office may serve, by its licence and the offices' today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// No licence record (offices that predate licensing in daftar): not cut off.
    Unregulated,
    /// Applied or under inspection, never licensed since: not serving yet.
    Pending,
    /// Licensed (or warned) and within its validity.
    Valid,
    /// Licensed, but its validity ended before today.
    Expired,
    /// Suspended.
    Suspended,
    /// Revoked.
    Revoked,
}

impl Standing {
    /// The stable code (also the suffix of its message, `licence-standing-CODE`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Unregulated => "unregulated",
            Self::Pending => "pending",
            Self::Valid => "valid",
            Self::Expired => "expired",
            Self::Suspended => "suspended",
            Self::Revoked => "revoked",
        }
    }
    /// Whether the office's staff may work.
    pub fn serves(self) -> bool {
        matches!(self, Self::Unregulated | Self::Valid)
    }
    /// The standing of a licence in `state` valid until `valid_until`, on `today` (the last day
    /// of validity still serves).
    pub fn of(state: Option<LicenceState>, valid_until: Option<Date>, today: Date) -> Self {
        use LicenceState as S;
        match state {
            None => Self::Unregulated,
            Some(S::Applied | S::Inspecting) => Self::Pending,
            Some(S::Licensed | S::Warned) => match valid_until {
                Some(d) if d >= today => Self::Valid,
                _ => Self::Expired,
            },
            Some(S::Suspended) => Self::Suspended,
            Some(S::Revoked) => Self::Revoked,
        }
    }
}

/// One office in the public directory (issue 18.7): the office record, its standing on the
/// offices' today and the services its licence allows (empty: no licence on record, every
/// service of the catalogue). Office data only: no staff, no persons.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryEntry {
    /// The office.
    pub office: Office,
    /// Its licence's standing.
    pub standing: Standing,
    /// Whether its staff serve today (office status and licence together).
    pub serving: bool,
    /// Service codes its licence allows.
    pub services: Vec<String>,
    /// Its public address, once set.
    pub address: Option<String>,
}

/// An office's public address for the directory: at most 200 characters as sent, no control
/// character, not only spaces (`office.address.invalid`); kept trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicAddress(String);

impl PublicAddress {
    /// At most this many characters.
    pub const MAX: usize = 200;
    /// Checks an address as typed.
    pub fn parse(s: &str) -> Result<Self> {
        let t = s.trim();
        if t.is_empty() || s.chars().count() > Self::MAX || s.chars().any(char::is_control) {
            return Err(Error::invalid("office.address.invalid").with_field("address"));
        }
        Ok(Self(t.to_owned()))
    }
    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An office's status and licence standing together: what its staff are held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficeStanding {
    /// The office's own status (set by system administrators).
    pub status: OfficeStatus,
    /// Its licence's standing on the offices' today.
    pub licence: Standing,
}

impl OfficeStanding {
    /// The standing of users without an office: nothing cuts them off.
    pub const FREE: Self = Self {
        status: OfficeStatus::Active,
        licence: Standing::Unregulated,
    };
    /// The standing of `office` on `today`.
    pub fn of(office: &Office, today: Date) -> Self {
        Self {
            status: office.status,
            licence: Standing::of(office.licence_state, office.licence_valid_until, today),
        }
    }
    /// Whether the office's staff may work: active and its licence serving.
    pub fn serves(self) -> bool {
        self.status == OfficeStatus::Active && self.licence.serves()
    }
    /// The status its staff are held to: suspended while the licence does not serve.
    pub fn effective_status(self) -> OfficeStatus {
        match (self.status, self.licence.serves()) {
            (OfficeStatus::Active, false) => OfficeStatus::Suspended,
            (s, _) => s,
        }
    }
}

/// A licence number such as `LIC-THR-1405-0001`: 4–32 of `A-Z`, `0-9`, `-`, `/`, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct LicenceNumber(String);

impl LicenceNumber {
    /// Parses a number (`licence.number.invalid`, field `number`).
    pub fn parse(s: &str) -> Result<Self> {
        crate::text::reference_code(s, 4, "licence.number.invalid").map(Self)
    }
    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One item of the inspection checklist (data: the `licence_checklist` table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChecklistItem {
    /// Stable code.
    pub code: String,
    /// Label in Persian.
    pub label_fa: String,
    /// Label in English.
    pub label_en: String,
}

/// The operator's application, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Application {
    /// The documents filed with it (titles, one per document).
    pub documents: Vec<String>,
    /// The premises (address and description).
    pub premises: String,
    /// The manager named to run the office.
    pub manager: String,
}

impl Application {
    /// Checks the fields in this order: `licence.documents.invalid` (`documents`: 1–20 titles of
    /// at most 200 characters, blank lines dropped), `licence.premises.invalid` (`premises`:
    /// required, at most 500), `licence.manager.invalid` (`manager`: required, at most 120).
    pub fn parse(documents: &[String], premises: &str, manager: &str) -> Result<Self> {
        let mut docs = Vec::new();
        for d in documents {
            let t = Text::<200>::optional(d, "licence.documents.invalid", "documents")?;
            if !t.is_empty() {
                docs.push(t.into_string());
            }
        }
        if docs.is_empty() || docs.len() > 20 {
            return Err(Error::invalid("licence.documents.invalid").with_field("documents"));
        }
        Ok(Self {
            documents: docs,
            premises: Text::<500>::required(premises, "licence.premises.invalid", "premises")?
                .into_string(),
            manager: Text::<120>::required(manager, "licence.manager.invalid", "manager")?
                .into_string(),
        })
    }
}

/// A finding of a visit: what must be put right, and by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Finding {
    /// What was found.
    pub text: String,
    /// The day by which it must be put right (ISO).
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub deadline: Date,
}

/// The result of one checklist item at a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemResult {
    /// Checklist item code.
    pub item: String,
    /// Whether the office met it.
    pub passed: bool,
}

/// An inspection visit as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Visit {
    /// The day of the visit (ISO).
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub visited_on: Date,
    /// One result per checklist item.
    pub results: Vec<ItemResult>,
    /// Findings, each with a deadline.
    pub findings: Vec<Finding>,
    /// Whether every item passed.
    pub passed: bool,
}

/// A visit as typed at the edge: the items it found met, findings with deadlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVisit {
    /// The day of the visit.
    pub visited_on: Date,
    /// Codes of the checklist items the office met (the others failed).
    pub passed: BTreeSet<String>,
    /// Findings.
    pub findings: Vec<Finding>,
}

impl NewVisit {
    /// Checks the findings: text required (at most 300), `licence.finding.invalid` otherwise.
    pub fn parse(
        visited_on: Date,
        passed: BTreeSet<String>,
        findings: Vec<(String, Date)>,
    ) -> Result<Self> {
        let findings = findings
            .into_iter()
            .map(|(text, deadline)| {
                Ok(Finding {
                    text: Text::<300>::required(&text, "licence.finding.invalid", "findings")?
                        .into_string(),
                    deadline,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if findings.len() > 20 {
            return Err(Error::invalid("licence.finding.invalid").with_field("findings"));
        }
        Ok(Self {
            visited_on,
            passed,
            findings,
        })
    }
}

/// What the authority grants at issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLicence {
    /// The licence number (unique).
    pub number: LicenceNumber,
    /// First day of validity.
    pub valid_from: Date,
    /// Last day of validity.
    pub valid_until: Date,
    /// Services the office may deliver (at least one, known to the catalog).
    pub services: BTreeSet<ServiceCode>,
}

/// A reason for a warning, suspension, revocation or reinstatement (required, at most 500).
pub type Reason = Text<500>;

/// Parses a reason (`licence.reason.invalid`, field `reason`).
pub fn parse_reason(s: &str) -> Result<Reason> {
    Text::required(s, "licence.reason.invalid", "reason")
}

/// A step asked of an office's licence, parsed at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LicenceCommand {
    /// Apply.
    Apply(Application),
    /// Record a visit.
    Inspect(NewVisit),
    /// Issue.
    Issue(NewLicence),
    /// Renew until the given day.
    Renew {
        /// New last day of validity.
        valid_until: Date,
    },
    /// Warn.
    Warn(Reason),
    /// Suspend.
    Suspend(Reason),
    /// Revoke.
    Revoke(Reason),
    /// Reinstate.
    Reinstate(Reason),
}

impl LicenceCommand {
    /// The step this command takes.
    pub fn step(&self) -> LicenceStep {
        match self {
            Self::Apply(_) => LicenceStep::Apply,
            Self::Inspect(_) => LicenceStep::Inspect,
            Self::Issue(_) => LicenceStep::Issue,
            Self::Renew { .. } => LicenceStep::Renew,
            Self::Warn(_) => LicenceStep::Warn,
            Self::Suspend(_) => LicenceStep::Suspend,
            Self::Revoke(_) => LicenceStep::Revoke,
            Self::Reinstate(_) => LicenceStep::Reinstate,
        }
    }
}

/// An office's licence record as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Licence {
    /// The office.
    pub office_id: OfficeId,
    /// State.
    pub state: LicenceState,
    /// Number, once issued.
    pub number: Option<String>,
    /// First day of validity (ISO), once issued.
    #[serde(with = "iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_from: Option<Date>,
    /// Last day of validity (ISO), once issued.
    #[serde(with = "iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<Date>,
    /// Services allowed.
    pub services: Vec<String>,
    /// The latest application.
    pub application: Option<Application>,
    /// Whether the latest visit passed every item (none before the first visit).
    pub last_visit_passed: Option<bool>,
    /// Version (the `ETag`; each step adds one).
    pub version: i64,
}

/// One step on an office's licence timeline.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LicenceEvent {
    /// Order within the office (1, 2, …).
    pub seq: i64,
    /// The step taken.
    pub step: LicenceStep,
    /// State before (none for the first application).
    pub from_state: Option<LicenceState>,
    /// State after.
    pub to_state: LicenceState,
    /// Who took it (login name).
    pub actor: String,
    /// When (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// What the step recorded: the application, the visit, the licence granted, the new end of
    /// validity, or the reason.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// An office's licence with its timeline.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LicenceView {
    /// The office.
    pub office_id: OfficeId,
    /// The licence record, if any.
    pub licence: Option<Licence>,
    /// Its standing on the offices' today.
    pub standing: Standing,
    /// The steps taken, oldest first.
    pub events: Vec<LicenceEvent>,
}

impl LicenceView {
    /// The current state, if any.
    pub fn state(&self) -> Option<LicenceState> {
        self.licence.as_ref().map(|l| l.state)
    }
    /// The current version (0 before the first step).
    pub fn version(&self) -> i64 {
        self.licence.as_ref().map_or(0, |l| l.version)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use LicenceState as S;
    use LicenceStep as T;
    use time::macros::date;

    #[test]
    fn the_state_machine_allows_exactly_these_steps() {
        let from: [Option<S>; 7] = [
            None,
            Some(S::Applied),
            Some(S::Inspecting),
            Some(S::Licensed),
            Some(S::Warned),
            Some(S::Suspended),
            Some(S::Revoked),
        ];
        let mut allowed = Vec::new();
        for f in from {
            for step in T::ALL {
                if let Ok(to) = next_state(f, step) {
                    allowed.push((f.map(S::code).unwrap_or("-"), step.code(), to.code()));
                }
            }
        }
        assert_eq!(
            allowed,
            vec![
                ("-", "apply", "applied"),
                ("applied", "inspect", "inspecting"),
                ("inspecting", "inspect", "inspecting"),
                ("inspecting", "issue", "licensed"),
                ("licensed", "inspect", "licensed"),
                ("licensed", "renew", "licensed"),
                ("licensed", "warn", "warned"),
                ("licensed", "suspend", "suspended"),
                ("licensed", "revoke", "revoked"),
                ("warned", "inspect", "warned"),
                ("warned", "renew", "licensed"),
                ("warned", "warn", "warned"),
                ("warned", "suspend", "suspended"),
                ("warned", "revoke", "revoked"),
                ("suspended", "inspect", "suspended"),
                ("suspended", "revoke", "revoked"),
                ("suspended", "reinstate", "licensed"),
                ("revoked", "apply", "applied"),
            ]
        );
        let e = next_state(Some(S::Applied), T::Issue).unwrap_err();
        assert_eq!(e.code, "licence.step.not_allowed");
        assert_eq!(e.details["state"], "applied");
        assert_eq!(e.details["step"], "issue");
    }

    #[test]
    fn each_step_belongs_to_one_permission() {
        let by = |p| -> Vec<&str> {
            T::ALL
                .into_iter()
                .filter(|s| s.permission() == p)
                .map(T::code)
                .collect()
        };
        assert_eq!(by(Permission::LicenceApply), ["apply"]);
        assert_eq!(by(Permission::LicenceInspect), ["inspect", "warn"]);
        assert_eq!(
            by(Permission::LicenceDecide),
            ["issue", "renew", "suspend", "revoke", "reinstate"]
        );
        // What a page offers: only steps the holder may take from the state.
        let inspector: BTreeSet<_> = [Permission::LicenceInspect].into();
        assert_eq!(
            offered(Some(S::Licensed), &inspector),
            [T::Inspect, T::Warn]
        );
        assert!(offered(None, &inspector).is_empty());
        let clerk: BTreeSet<_> = [Permission::PersonRead, Permission::PersonWrite].into();
        for st in S::ALL {
            assert!(offered(Some(st), &clerk).is_empty());
        }
    }

    #[test]
    fn standing_follows_state_and_validity_by_the_offices_today() {
        let today = date!(2026 - 03 - 20);
        let of = |s, until| Standing::of(s, until, today);
        assert_eq!(of(None, None), Standing::Unregulated);
        assert_eq!(of(Some(S::Applied), None), Standing::Pending);
        assert_eq!(of(Some(S::Inspecting), None), Standing::Pending);
        assert_eq!(of(Some(S::Licensed), Some(today)), Standing::Valid);
        assert_eq!(
            of(Some(S::Warned), Some(date!(2026 - 03 - 19))),
            Standing::Expired
        );
        assert_eq!(of(Some(S::Licensed), None), Standing::Expired);
        assert_eq!(of(Some(S::Suspended), Some(today)), Standing::Suspended);
        assert_eq!(of(Some(S::Revoked), Some(today)), Standing::Revoked);
        let serving: Vec<_> = [
            Standing::Unregulated,
            Standing::Pending,
            Standing::Valid,
            Standing::Expired,
            Standing::Suspended,
            Standing::Revoked,
        ]
        .into_iter()
        .filter(|s| s.serves())
        .collect();
        assert_eq!(serving, [Standing::Unregulated, Standing::Valid]);
        let cut = OfficeStanding {
            status: OfficeStatus::Active,
            licence: Standing::Expired,
        };
        assert!(!cut.serves());
        assert_eq!(cut.effective_status(), OfficeStatus::Suspended);
        let closed = OfficeStanding {
            status: OfficeStatus::Closed,
            licence: Standing::Valid,
        };
        assert_eq!(closed.effective_status(), OfficeStatus::Closed);
        assert!(OfficeStanding::FREE.serves());
    }

    #[test]
    fn inputs_are_parsed_with_stable_codes() {
        assert_eq!(
            LicenceNumber::parse(" lic-thr-1405-0001 ")
                .unwrap()
                .as_str(),
            "LIC-THR-1405-0001"
        );
        for bad in ["", "ab", "LIC 1", "-LIC1", &"A".repeat(33)] {
            assert_eq!(
                LicenceNumber::parse(bad).unwrap_err().code,
                "licence.number.invalid"
            );
        }
        assert_eq!(T::parse("nope").unwrap_err().code, "licence.step.invalid");
        assert_eq!(
            Application::parse(&["".into()], "x", "y").unwrap_err().code,
            "licence.documents.invalid"
        );
        assert_eq!(
            Application::parse(&["deed".into()], " ", "y")
                .unwrap_err()
                .code,
            "licence.premises.invalid"
        );
        assert_eq!(
            Application::parse(&["deed".into()], "x", "")
                .unwrap_err()
                .code,
            "licence.manager.invalid"
        );
        let a = Application::parse(&["deed".into(), " ".into(), "plan".into()], "x", "y").unwrap();
        assert_eq!(a.documents, ["deed", "plan"]);
        assert_eq!(
            parse_reason("  ").unwrap_err().code,
            "licence.reason.invalid"
        );
        assert_eq!(
            NewVisit::parse(
                date!(2026 - 01 - 01),
                BTreeSet::new(),
                vec![(" ".into(), date!(2026 - 02 - 01))]
            )
            .unwrap_err()
            .code,
            "licence.finding.invalid"
        );
    }
}
