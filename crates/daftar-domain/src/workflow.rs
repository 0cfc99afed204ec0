//! The case workflow engine. Every state change of a case goes through [`decide`], which checks
//! the guards in a fixed order (state, role, outcome allowed at the step, reason, documents,
//! fee, consent) and says what the change is; the store applies it. Eligibility of the person
//! is checked once, when the case is opened ([`check_eligibility`]). Pure: no clock, no I/O.

use crate::person::{DocumentKind, PersonStatus};
use crate::service::{EvidenceKind, Outcome, ServiceDef};
use crate::{Error, Result, code_enum};
use std::collections::BTreeSet;

code_enum!(
    /// Where a case stands.
    CaseState, error = "case.state.invalid", field = "state",
    {
        /// At a step, with its SLA clock running.
        Open = "open",
        /// Sent back to the applicant for correction; the clock is paused.
        Returned = "returned",
        /// All steps done (final).
        Approved = "approved",
        /// Refused with a reason (final).
        Rejected = "rejected",
        /// Withdrawn before a decision (final).
        Cancelled = "cancelled",
    }
);

impl CaseState {
    /// Whether no further change is possible.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CaseState::Approved | CaseState::Rejected | CaseState::Cancelled
        )
    }
}

code_enum!(
    /// Why a case or a member was refused; the applicant sees the translated text.
    RejectReason, error = "case.reason.invalid", field = "reason",
    {
        /// The person does not meet the service's conditions.
        NotEligible = "not_eligible",
        /// A document is not valid or not genuine.
        DocumentInvalid = "document_invalid",
        /// Documents were still missing after a return for correction.
        DocumentsIncomplete = "documents_incomplete",
        /// Identity could not be confirmed.
        IdentityUnconfirmed = "identity_unconfirmed",
        /// The same application is already open or was decided.
        DuplicateApplication = "duplicate_application",
        /// The person concerned did not consent.
        ConsentMissing = "consent_missing",
        /// The applicant withdrew the request at the counter.
        ApplicantWithdrew = "applicant_withdrew",
    }
);

code_enum!(
    /// A member's own result on a household case.
    MemberOutcome, error = "case.member.outcome.invalid", field = "outcome",
    {
        /// Not decided yet.
        Pending = "pending",
        /// Approved with the case.
        Approved = "approved",
        /// Refused for this member only.
        Rejected = "rejected",
    }
);

/// A change asked of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The current step's actor decides.
    Decide {
        /// complete, return or reject.
        outcome: Outcome,
        /// Required for `reject`.
        reason: Option<RejectReason>,
    },
    /// The applicant brought what was asked; the clock runs again at the same step.
    Resume,
    /// Withdrawn (office manager, or the applicant before any step is completed).
    Cancel,
}

/// What the engine needs to know about a case and the actor.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    /// The service version the case was opened under.
    pub service: &'a ServiceDef,
    /// Current state.
    pub state: CaseState,
    /// Index of the current step.
    pub step: usize,
    /// The actor's role code.
    pub role: &'a str,
    /// Kinds of evidence on the case.
    pub evidence: &'a BTreeSet<EvidenceKind>,
    /// Every fee line is paid in full.
    pub fees_paid: bool,
    /// The person concerned consented (for services that require it).
    pub consent: bool,
    /// Accreditations the current step needs that the actor does not hold today
    /// ([`crate::accreditation::missing`]); empty when the step needs none.
    pub missing_accreditations: &'a [String],
}

/// What an allowed action does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// State after the change.
    pub state: CaseState,
    /// Step index after the change.
    pub step: usize,
    /// Audit and timeline event name (`case.step.complete`, `case.approve`, ...).
    pub event: &'static str,
    /// A new step starts now: its SLA clock starts.
    pub step_started: bool,
}

/// Whether `role` may act on a step whose actor is `step_role`. An office manager may act on a
/// clerk's step; nobody acts for the authority.
pub fn may_act(role: &str, step_role: &str) -> bool {
    role == step_role || (role == "office_manager" && step_role == "clerk")
}

fn not_allowed(state: CaseState) -> Error {
    Error::conflict("case.transition.not_allowed").with_detail("state", serde_json::json!(state))
}

/// Checks `action` against the guards and returns what it does. Errors, in guard order:
/// `case.transition.not_allowed` (409, wrong state), `case.role.not_allowed` (403),
/// `case.step.accreditation` (403, details `accreditations`: the step needs an accreditation the actor
/// does not currently hold),
/// `case.outcome.not_allowed` (422), `case.reason.required` (409), `case.document.missing`
/// (422, details `missing`), `case.fee.unpaid` (422), `case.consent.missing` (422).
pub fn decide(f: &Facts<'_>, action: &Action) -> Result<Transition> {
    let step = f.service.step(f.step)?;
    match action {
        Action::Decide { outcome, reason } => {
            if f.state != CaseState::Open {
                return Err(not_allowed(f.state));
            }
            if !may_act(f.role, &step.role) {
                return Err(Error::forbidden("case.role.not_allowed")
                    .with_detail("role", serde_json::json!(step.role)));
            }
            if !f.missing_accreditations.is_empty() {
                return Err(Error::forbidden("case.step.accreditation").with_detail(
                    "accreditations",
                    serde_json::json!(f.missing_accreditations),
                ));
            }
            if !step.outcomes.contains(outcome) {
                return Err(Error::conflict("case.outcome.not_allowed")
                    .with_field("outcome")
                    .with_detail("allowed", serde_json::json!(step.outcomes)));
            }
            match outcome {
                Outcome::Return => Ok(Transition {
                    state: CaseState::Returned,
                    step: f.step,
                    event: "case.return",
                    step_started: false,
                }),
                Outcome::Reject => {
                    if reason.is_none() {
                        return Err(Error::conflict("case.reason.required").with_field("reason"));
                    }
                    Ok(Transition {
                        state: CaseState::Rejected,
                        step: f.step,
                        event: "case.reject",
                        step_started: false,
                    })
                }
                Outcome::Complete => {
                    let missing: Vec<EvidenceKind> = step
                        .documents
                        .iter()
                        .copied()
                        .filter(|k| !f.evidence.contains(k))
                        .collect();
                    if !missing.is_empty() {
                        return Err(Error::conflict("case.document.missing")
                            .with_detail("missing", serde_json::json!(missing)));
                    }
                    if step.fee_before && !f.fees_paid {
                        return Err(Error::conflict("case.fee.unpaid"));
                    }
                    let last = f.step + 1 == f.service.steps.len();
                    if last && f.service.consent_required && !f.consent {
                        return Err(Error::conflict("case.consent.missing"));
                    }
                    Ok(if last {
                        Transition {
                            state: CaseState::Approved,
                            step: f.step,
                            event: "case.approve",
                            step_started: false,
                        }
                    } else {
                        Transition {
                            state: CaseState::Open,
                            step: f.step + 1,
                            event: "case.step.complete",
                            step_started: true,
                        }
                    })
                }
            }
        }
        Action::Resume => {
            if f.state != CaseState::Returned {
                return Err(not_allowed(f.state));
            }
            if !may_act(f.role, &step.role) && !may_act(f.role, "clerk") {
                return Err(Error::forbidden("case.role.not_allowed"));
            }
            Ok(Transition {
                state: CaseState::Open,
                step: f.step,
                event: "case.resume",
                step_started: false,
            })
        }
        Action::Cancel => {
            if f.state.is_final() {
                return Err(not_allowed(f.state));
            }
            let applicant_early = f.role == "applicant" && f.step == 0;
            if f.role != "office_manager" && !applicant_early {
                return Err(Error::forbidden("case.role.not_allowed"));
            }
            Ok(Transition {
                state: CaseState::Cancelled,
                step: f.step,
                event: "case.cancel",
                step_started: false,
            })
        }
    }
}

/// What eligibility looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFacts {
    /// Current registry status.
    pub status: PersonStatus,
    /// Whole years of age on the opening date, if the birth date is known.
    pub age: Option<u32>,
    /// Kinds of identity document the person holds (valid ones).
    pub documents: Vec<DocumentKind>,
}

/// Checks the service's eligibility rules for one person: `case.eligibility.status`,
/// `case.eligibility.age` (also when the age is unknown and a limit exists) or
/// `case.eligibility.document`, each 422 with details.
pub fn check_eligibility(service: &ServiceDef, p: &PersonFacts) -> Result<()> {
    let e = &service.eligibility;
    let status_ok = if e.statuses.is_empty() {
        p.status != PersonStatus::Deceased
    } else {
        e.statuses.contains(&p.status)
    };
    if !status_ok {
        return Err(Error::conflict("case.eligibility.status")
            .with_detail("status", serde_json::json!(p.status))
            .with_detail("allowed", serde_json::json!(e.statuses)));
    }
    if e.min_age.is_some() || e.max_age.is_some() {
        let ok = p.age.is_some_and(|age| {
            e.min_age.is_none_or(|lo| age >= u32::from(lo))
                && e.max_age.is_none_or(|hi| age <= u32::from(hi))
        });
        if !ok {
            return Err(Error::conflict("case.eligibility.age")
                .with_detail("min_age", serde_json::json!(e.min_age))
                .with_detail("max_age", serde_json::json!(e.max_age)));
        }
    }
    if !e.documents_any.is_empty() && !e.documents_any.iter().any(|d| p.documents.contains(d)) {
        return Err(Error::conflict("case.eligibility.document")
            .with_detail("any_of", serde_json::json!(e.documents_any)));
    }
    Ok(())
}

/// Whole years between `birth` and `on`.
pub fn age_on(birth: time::Date, on: time::Date) -> Option<u32> {
    let mut years = on.year() - birth.year();
    if (u8::from(on.month()), on.day()) < (u8::from(birth.month()), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::service::Catalog;

    const CAT: &str = r#"
profile = "IR"
version = 1
[[service]]
code = "work_permit"
names = { "fa-IR" = "پروانه کار", "fa-AF" = "جواز کار", ps = "د کار جواز", en = "Work permit" }
applicant = "person"
consent_required = true
eligibility = { statuses = ["registered", "renewed"], min_age = 18, documents_any = ["registration_card", "passport"] }
[[service.steps]]
code = "intake"
names = { "fa-IR" = "پذیرش", "fa-AF" = "پذیرش", ps = "منل", en = "Intake" }
role = "clerk"
sla_days = 1
outcomes = ["complete", "return", "reject"]
documents = ["employer_letter", "worker_consent"]
fee_before = true
[[service.steps]]
code = "approve"
names = { "fa-IR" = "تأیید", "fa-AF" = "تأیید", ps = "تایید", en = "Approval" }
role = "authority_officer"
sla_days = 5
outcomes = ["complete", "reject"]
[[service.fees]]
code = "permit"
names = { "fa-IR" = "هزینه", "fa-AF" = "فیس", ps = "فیس", en = "Fee" }
schedule = [{ year = 1405, rials = 2000000 }]
"#;

    fn facts<'a>(
        s: &'a ServiceDef,
        ev: &'a BTreeSet<EvidenceKind>,
        state: CaseState,
        step: usize,
        role: &'a str,
    ) -> Facts<'a> {
        Facts {
            service: s,
            state,
            step,
            role,
            evidence: ev,
            fees_paid: true,
            consent: true,
            missing_accreditations: &[],
        }
    }

    fn complete() -> Action {
        Action::Decide {
            outcome: Outcome::Complete,
            reason: None,
        }
    }

    #[test]
    fn every_guard_has_its_code() {
        let cat = Catalog::from_toml(CAT).unwrap();
        let s = cat.get("work_permit").unwrap();
        let all: BTreeSet<_> = [EvidenceKind::EmployerLetter, EvidenceKind::WorkerConsent].into();
        let none = BTreeSet::new();
        let open = |role| facts(s, &all, CaseState::Open, 0, role);

        assert_eq!(
            decide(&open("clerk"), &complete()).unwrap().event,
            "case.step.complete"
        );
        assert!(decide(&open("office_manager"), &complete()).is_ok());
        let err = |f: &Facts<'_>, a: &Action| decide(f, a).unwrap_err().code;
        assert_eq!(err(&open("partner"), &complete()), "case.role.not_allowed");
        let mut f = open("clerk");
        f.state = CaseState::Approved;
        assert_eq!(err(&f, &complete()), "case.transition.not_allowed");
        let f = facts(s, &none, CaseState::Open, 0, "clerk");
        assert_eq!(err(&f, &complete()), "case.document.missing");
        let mut f = open("clerk");
        f.fees_paid = false;
        assert_eq!(err(&f, &complete()), "case.fee.unpaid");
        let reject = Action::Decide {
            outcome: Outcome::Reject,
            reason: None,
        };
        assert_eq!(err(&open("clerk"), &reject), "case.reason.required");
        // An accreditation the actor lacks: refused after the role, before everything else;
        // another role is still refused for its role first.
        let lacking = ["civil_registration".to_owned()];
        let mut f = facts(s, &none, CaseState::Open, 0, "clerk");
        f.missing_accreditations = &lacking;
        let e = decide(&f, &reject).unwrap_err();
        assert_eq!(e.code, "case.step.accreditation");
        assert_eq!(e.kind, crate::ErrorKind::Forbidden);
        f.role = "partner";
        assert_eq!(err(&f, &complete()), "case.role.not_allowed");
        f.role = "clerk";
        f.state = CaseState::Returned;
        assert!(decide(&f, &Action::Resume).is_ok());
        // step 2: authority only, no `return` outcome, consent needed to approve
        let step2 = |role| facts(s, &all, CaseState::Open, 1, role);
        assert_eq!(
            err(&step2("office_manager"), &complete()),
            "case.role.not_allowed"
        );
        let ret = Action::Decide {
            outcome: Outcome::Return,
            reason: None,
        };
        assert_eq!(
            err(&step2("authority_officer"), &ret),
            "case.outcome.not_allowed"
        );
        let mut f = step2("authority_officer");
        f.consent = false;
        assert_eq!(err(&f, &complete()), "case.consent.missing");
        let t = decide(&step2("authority_officer"), &complete()).unwrap();
        assert_eq!((t.state, t.event), (CaseState::Approved, "case.approve"));
    }

    #[test]
    fn return_resume_and_cancel() {
        let cat = Catalog::from_toml(CAT).unwrap();
        let s = cat.get("work_permit").unwrap();
        let ev = BTreeSet::new();
        let ret = Action::Decide {
            outcome: Outcome::Return,
            reason: None,
        };
        let t = decide(&facts(s, &ev, CaseState::Open, 0, "clerk"), &ret).unwrap();
        assert_eq!(t.state, CaseState::Returned);
        let back = facts(s, &ev, CaseState::Returned, 0, "clerk");
        assert_eq!(
            decide(&back, &complete()).unwrap_err().code,
            "case.transition.not_allowed"
        );
        assert_eq!(
            decide(&back, &Action::Resume).unwrap().state,
            CaseState::Open
        );
        let open = facts(s, &ev, CaseState::Open, 0, "clerk");
        assert_eq!(
            decide(&open, &Action::Resume).unwrap_err().code,
            "case.transition.not_allowed"
        );
        assert_eq!(
            decide(&open, &Action::Cancel).unwrap_err().code,
            "case.role.not_allowed"
        );
        let mgr = facts(s, &ev, CaseState::Returned, 1, "office_manager");
        assert_eq!(
            decide(&mgr, &Action::Cancel).unwrap().state,
            CaseState::Cancelled
        );
        let done = facts(s, &ev, CaseState::Rejected, 1, "office_manager");
        assert_eq!(
            decide(&done, &Action::Cancel).unwrap_err().code,
            "case.transition.not_allowed"
        );
    }

    #[test]
    fn eligibility_rules() {
        let cat = Catalog::from_toml(CAT).unwrap();
        let s = cat.get("work_permit").unwrap();
        let ok = PersonFacts {
            status: PersonStatus::Registered,
            age: Some(30),
            documents: vec![DocumentKind::Passport],
        };
        assert!(check_eligibility(s, &ok).is_ok());
        let code = |p: PersonFacts| check_eligibility(s, &p).unwrap_err().code;
        assert_eq!(
            code(PersonFacts {
                status: PersonStatus::Lapsed,
                ..ok.clone()
            }),
            "case.eligibility.status"
        );
        assert_eq!(
            code(PersonFacts {
                age: Some(17),
                ..ok.clone()
            }),
            "case.eligibility.age"
        );
        assert_eq!(
            code(PersonFacts {
                age: None,
                ..ok.clone()
            }),
            "case.eligibility.age"
        );
        assert_eq!(
            code(PersonFacts {
                documents: vec![DocumentKind::CensusSlip],
                ..ok.clone()
            }),
            "case.eligibility.document"
        );
    }

    #[test]
    fn age_counts_whole_years() {
        let d = |y, m, day| {
            time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap()
        };
        assert_eq!(age_on(d(2008, 3, 21), d(2026, 3, 20)), Some(17));
        assert_eq!(age_on(d(2008, 3, 21), d(2026, 3, 21)), Some(18));
        assert_eq!(age_on(d(2030, 1, 1), d(2026, 3, 21)), None);
    }
}
