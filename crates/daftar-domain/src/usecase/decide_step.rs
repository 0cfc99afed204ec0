//! Deciding a step of a case: completing, returning for correction or rejecting the current
//! step, resuming after a return, cancelling. The store loads the case ([`StepFacts`]),
//! [`decide`] checks the version and the workflow guards ([`crate::workflow::decide`]: which
//! action is allowed for which role in which state) and works out the rest: the SLA clock
//! (a new step's due date, the working days left when the clock pauses, the due date when it
//! runs again), the members' outcomes when the case closes, the reason and the timeline note.
//! The store writes the [`Plan`] with its timeline event and audit row in one transaction.
//! [`offered`] lists the actions a page offers, by the same rules.

use crate::accreditation::{self, Record, Rules};
use crate::calendar::WorkCalendar;
use crate::case::{CaseView, Note};
use crate::service::{EvidenceKind, Outcome};
use crate::workflow::{self, Action, CaseState, Facts, MemberOutcome, RejectReason, may_act};
use crate::{Error, ErrorKind, Result};
use std::collections::BTreeSet;
use time::Date;

/// A change asked of a case, parsed at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecideStep {
    /// What is asked.
    pub action: Action,
    /// Timeline note (what to correct, for a return).
    pub note: Note,
    /// Consent given now (before approval).
    pub consent: bool,
}

impl DecideStep {
    /// A command from request fields as typed, checked in this order: `case.note.invalid`
    /// (`note`), `case.reason.invalid` (`reason`; blank is none), `case.action.invalid`
    /// (`action`: `complete`, `return`, `reject`, `resume` or `cancel`).
    pub fn parse(action: &str, reason: Option<&str>, note: &str, consent: bool) -> Result<Self> {
        let note = Note::parse(note)?;
        let reason = match reason.map(str::trim) {
            None | Some("") => None,
            Some(r) => Some(RejectReason::parse(r)?),
        };
        let action = match action {
            "resume" => Action::Resume,
            "cancel" => Action::Cancel,
            other => Action::Decide {
                outcome: Outcome::parse(other)
                    .map_err(|_| Error::invalid("case.action.invalid").with_field("action"))?,
                reason,
            },
        };
        Ok(Self {
            action,
            note,
            consent,
        })
    }
}

/// What deciding looks at, loaded by the store.
#[derive(Debug, Clone)]
pub struct StepFacts<'a> {
    /// The case as stored, with its definition, members, documents, fees and payments.
    pub case: &'a CaseView,
    /// The actor's role code.
    pub role: &'a str,
    /// The version the caller read (`If-Match`).
    pub if_match: i64,
    /// The office's today.
    pub today: Date,
    /// The working calendar of the profile.
    pub calendar: &'a WorkCalendar,
    /// Which steps need an accreditation (the profile's `accreditations.toml`).
    pub accreditations: &'a Rules,
    /// The actor's training and exam records.
    pub records: &'a [Record],
}

/// What to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// State before.
    pub from: CaseState,
    /// Step before (the step the timeline event belongs to).
    pub from_step: usize,
    /// State after.
    pub state: CaseState,
    /// Step after.
    pub step: usize,
    /// Day the (new) step's clock started.
    pub step_started_on: Date,
    /// Due date after the change; none while paused or closed.
    pub due_on: Option<Date>,
    /// Working days left, kept while the clock is paused.
    pub paused_remaining: Option<i64>,
    /// Why it was rejected (a rejection only).
    pub reject_reason: Option<RejectReason>,
    /// Consent on the case after the change.
    pub consent: bool,
    /// Consent was given with this change (a `case.consent` event is added).
    pub consent_given: bool,
    /// The case closes (approved, rejected or cancelled).
    pub closes: bool,
    /// The outcome every still-pending member gets (on closing), keeping a member's own reason.
    pub member_outcome: Option<MemberOutcome>,
    /// Timeline and audit event (`case.step.complete`, `case.return`, ...).
    pub event: &'static str,
    /// Timeline note: the note given, or the reason's code for a rejection without one.
    pub note: String,
}

/// The error of a stale `If-Match` (412, details `current_version`).
pub fn stale(current: i64) -> Error {
    Error::new("case.version.stale", ErrorKind::PreconditionFailed)
        .with_detail("current_version", serde_json::json!(current))
}

/// Decides a change: `case.version.stale` (412) first, then the workflow's guards in their
/// order (see [`crate::workflow::decide`]), then a due date outside the calendar.
pub fn decide(f: &StepFacts<'_>, cmd: &DecideStep) -> Result<Plan> {
    let v = f.case;
    let c = &v.case;
    if c.version != f.if_match {
        return Err(stale(c.version));
    }
    let evidence: BTreeSet<EvidenceKind> = v.documents.iter().map(|d| d.kind).collect();
    let consent = c.consent || cmd.consent;
    let missing =
        accreditation::missing(f.accreditations, &v.definition, c.step, f.records, f.today);
    let t = workflow::decide(
        &Facts {
            service: &v.definition,
            state: c.state,
            step: c.step,
            role: f.role,
            evidence: &evidence,
            fees_paid: v.fees_paid(),
            consent,
            missing_accreditations: &missing,
        },
        &cmd.action,
    )?;
    let (mut step_started_on, mut due_on, mut paused) =
        (c.step_started_on, c.due_on, c.paused_remaining);
    let due = |days: i64| {
        f.calendar
            .add_working_days(f.today, u32::try_from(days.max(0)).unwrap_or(u32::MAX))
    };
    match t.state {
        CaseState::Returned => {
            // The clock stops with the working days that were left (none when already late).
            let left = match c.due_on {
                Some(d) if d > f.today => f.calendar.working_days_between(f.today, d)?,
                _ => 0,
            };
            paused = Some(left);
            due_on = None;
        }
        CaseState::Open if t.step_started => {
            step_started_on = f.today;
            due_on = Some(due(i64::from(v.definition.step(t.step)?.sla_days))?);
            paused = None;
        }
        CaseState::Open if matches!(cmd.action, Action::Resume) => {
            // At least one working day after the applicant comes back.
            due_on = Some(due(paused.unwrap_or(1).max(1))?);
            paused = None;
        }
        CaseState::Open => {}
        CaseState::Approved | CaseState::Rejected | CaseState::Cancelled => {
            due_on = None;
            paused = None;
        }
    }
    let reject_reason = match &cmd.action {
        Action::Decide { reason, .. } if t.state == CaseState::Rejected => *reason,
        _ => None,
    };
    let member_outcome = match t.state {
        CaseState::Approved => Some(MemberOutcome::Approved),
        CaseState::Rejected | CaseState::Cancelled => Some(MemberOutcome::Rejected),
        _ => None,
    };
    let note = match reject_reason {
        Some(r) if cmd.note.is_empty() => r.code().to_owned(),
        _ => cmd.note.as_str().to_owned(),
    };
    Ok(Plan {
        from: c.state,
        from_step: c.step,
        state: t.state,
        step: t.step,
        step_started_on,
        due_on,
        paused_remaining: paused,
        reject_reason,
        consent,
        consent_given: cmd.consent && !c.consent,
        closes: t.state.is_final(),
        member_outcome,
        event: t.event,
        note,
    })
}

/// The actions a case page offers `role` (the step's outcomes to its actor while open,
/// `resume` to staff who may write while returned, `cancel` to an office manager until the
/// case closes), by the rules [`decide`] applies. `missing` are the accreditations the step
/// needs that the viewer does not hold ([`accreditation::missing`]): while any is missing the
/// step's outcomes are not offered (deciding would be refused `case.step.accreditation`).
pub fn offered(v: &CaseView, role: &str, can_write: bool, missing: &[String]) -> Vec<&'static str> {
    let c = &v.case;
    let mut out = vec![];
    if c.state == CaseState::Open
        && missing.is_empty()
        && let Some(s) = v.definition.steps.get(c.step)
        && may_act(role, &s.role)
    {
        out.extend(s.outcomes.iter().map(|o| o.code()));
    }
    if c.state == CaseState::Returned && can_write {
        out.push("resume");
    }
    if !c.state.is_final() && role == "office_manager" {
        out.push("cancel");
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::calendar::CalendarProfile;
    use crate::case::{Case, CaseDocument, CaseMember, Payment, PaymentMethod};
    use crate::ids::{CaseDocumentId, CaseId, OfficeId, PaymentId, PersonId};
    use crate::jalali::JalaliDate;
    use crate::service::Catalog;

    const SERVICES: &str = include_str!("../../../../profiles/ir/services.toml");
    const CALENDAR: &str = include_str!("../../../../profiles/ir/calendar.toml");
    const AT: time::OffsetDateTime = time::macros::datetime!(2025-03-17 9:00 UTC);

    fn day(jalali: &str) -> Date {
        JalaliDate::parse(jalali).unwrap().iso()
    }

    fn cal() -> WorkCalendar {
        CalendarProfile::from_toml(CALENDAR)
            .unwrap()
            .calendar()
            .unwrap()
    }

    /// A case of `code` opened on `opened`, at its first step, with two pending members.
    fn case(code: &str, opened: Date, cal: &WorkCalendar) -> CaseView {
        let def = Catalog::from_toml(SERVICES)
            .unwrap()
            .services
            .into_iter()
            .find(|s| s.code.as_str() == code)
            .expect(code);
        let year = JalaliDate::from_iso(opened).year();
        let fees_due = def.fees_due(year, 2).unwrap();
        let member = || CaseMember {
            person_id: PersonId::new(),
            registry_no: "THR-01-000001".into(),
            name: "جواد رضایی".into(),
            outcome: MemberOutcome::Pending,
            reason: None,
        };
        CaseView {
            case: Case {
                id: CaseId::new(),
                reference: "THR-01-1403-00001".into(),
                office_id: OfficeId::new(),
                service: def.code.clone(),
                service_version: 1,
                person_id: PersonId::new(),
                household_id: None,
                state: CaseState::Open,
                step: 0,
                step_started_on: opened,
                due_on: Some(
                    cal.add_working_days(opened, u32::from(def.steps[0].sla_days))
                        .unwrap(),
                ),
                paused_remaining: None,
                assigned_to: None,
                reject_reason: None,
                consent: false,
                escalation: 0,
                employer: None,
                opened_at: AT,
                version: 1,
            },
            definition: def,
            members: vec![member(), member()],
            events: vec![],
            documents: vec![],
            fees_due,
            payments: vec![],
        }
    }

    fn with_evidence(v: &mut CaseView, kinds: &[EvidenceKind]) {
        for k in kinds {
            v.documents.push(CaseDocument {
                id: CaseDocumentId::new(),
                kind: *k,
                filename: "scan.pdf".into(),
                content_type: "application/pdf".into(),
                size: 10,
                sha256: "0".repeat(64),
                uploaded_at: AT,
            });
        }
    }

    fn paid(v: &mut CaseView) {
        for f in v.fees_due.clone() {
            v.payments.push(Payment {
                id: PaymentId::new(),
                fee: f.code.clone(),
                rials: f.rials,
                method: PaymentMethod::Cash,
                recorded_by: "clerk".into(),
                recorded_at: AT,
                receipt_no: "THR-01-R1403-000001".into(),
                check_code: "00".into(),
            });
        }
    }

    fn act(a: &str) -> DecideStep {
        DecideStep::parse(a, None, "", false).unwrap()
    }

    fn run(v: &CaseView, role: &str, today: Date, cmd: &DecideStep) -> Result<Plan> {
        let cal = cal();
        decide(
            &StepFacts {
                case: v,
                role,
                if_match: v.case.version,
                today,
                calendar: &cal,
                accreditations: &Rules::default(),
                records: &[],
            },
            cmd,
        )
    }

    /// The case after `p`, as the store writes it.
    fn apply(v: &mut CaseView, p: &Plan) {
        let c = &mut v.case;
        (
            c.state,
            c.step,
            c.step_started_on,
            c.due_on,
            c.paused_remaining,
        ) = (
            p.state,
            p.step,
            p.step_started_on,
            p.due_on,
            p.paused_remaining,
        );
        (c.reject_reason, c.consent) = (p.reject_reason, p.consent);
        c.version += 1;
        if let Some(o) = p.member_outcome {
            for m in &mut v.members {
                if m.outcome == MemberOutcome::Pending {
                    m.outcome = o;
                    m.reason = m.reason.or(p.reject_reason);
                }
            }
        }
    }

    #[test]
    fn the_command_is_parsed_at_the_edge_with_todays_codes() {
        let code =
            |a: &str, r: Option<&str>, n: &str| DecideStep::parse(a, r, n, false).unwrap_err().code;
        assert!(DecideStep::parse("complete", Some(""), "", false).is_ok());
        let r = DecideStep::parse("reject", Some(" not_eligible "), " x ", true).unwrap();
        assert_eq!(
            r.action,
            Action::Decide {
                outcome: Outcome::Reject,
                reason: Some(RejectReason::NotEligible)
            }
        );
        assert_eq!((r.note.as_str(), r.consent), ("x", true));
        assert_eq!(act("resume").action, Action::Resume);
        assert_eq!(act("cancel").action, Action::Cancel);
        assert_eq!(code("approve", None, ""), "case.action.invalid");
        assert_eq!(code("reject", Some("because"), ""), "case.reason.invalid");
        // The note is checked first, then the reason, then the action.
        assert_eq!(
            code("fly", Some("because"), &"x".repeat(2001)),
            "case.note.invalid"
        );
        assert_eq!(code("fly", Some("because"), ""), "case.reason.invalid");
    }

    #[test]
    fn a_stale_version_is_refused_before_any_guard() {
        let cal = cal();
        let v = case("registration_status_certificate", day("1404/02/01"), &cal);
        let e = decide(
            &StepFacts {
                case: &v,
                role: "auditor",
                if_match: 0,
                today: day("1404/02/01"),
                calendar: &cal,
                accreditations: &Rules::default(),
                records: &[],
            },
            &act("complete"),
        )
        .unwrap_err();
        assert_eq!((e.code, e.kind.status()), ("case.version.stale", 412));
        assert_eq!(e.details["current_version"], 1);
    }

    #[test]
    fn guards_in_order_then_a_new_step_starts_its_clock() {
        let cal = cal();
        let opened = day("1403/12/28");
        let mut v = case("registration_status_certificate", opened, &cal);
        let today = day("1404/01/05");
        let code =
            |v: &CaseView, role: &str, a: &DecideStep| run(v, role, today, a).unwrap_err().code;
        assert_eq!(
            code(&v, "auditor", &act("complete")),
            "case.role.not_allowed"
        );
        assert_eq!(code(&v, "clerk", &act("reject")), "case.reason.required");
        assert_eq!(code(&v, "clerk", &act("complete")), "case.document.missing");
        with_evidence(&mut v, &[EvidenceKind::SignedRequest]);
        assert_eq!(code(&v, "clerk", &act("complete")), "case.fee.unpaid");
        paid(&mut v);
        let p = run(&v, "clerk", today, &act("complete")).unwrap();
        assert_eq!(
            (p.state, p.step, p.event),
            (CaseState::Open, 1, "case.step.complete")
        );
        assert_eq!(p.step_started_on, today);
        let sla = v.definition.steps[1].sla_days;
        assert_eq!(
            p.due_on,
            Some(cal.add_working_days(today, u32::from(sla)).unwrap())
        );
        assert_eq!(
            (p.from, p.from_step, p.closes, p.member_outcome),
            (CaseState::Open, 0, false, None)
        );
        apply(&mut v, &p);
        // The approval step is the office manager's, whom a clerk cannot stand in for.
        assert_eq!(code(&v, "clerk", &act("complete")), "case.role.not_allowed");
    }

    #[test]
    fn a_return_pauses_the_clock_and_resuming_gives_the_days_that_were_left() {
        let cal = cal();
        let opened = day("1405/02/05");
        let mut v = case("card_renewal", opened, &cal);
        // Due in three working days at step 1.
        v.case.step = 1;
        v.case.due_on = Some(cal.add_working_days(opened, 3).unwrap());
        let ret = DecideStep::parse("return", None, " امضا ندارد ", false).unwrap();
        let p = run(&v, "office_manager", opened, &ret).unwrap();
        assert_eq!(
            (p.state, p.due_on, p.paused_remaining),
            (CaseState::Returned, None, Some(3))
        );
        assert_eq!((p.event, p.note.as_str()), ("case.return", "امضا ندارد"));
        apply(&mut v, &p);
        assert_eq!(
            run(&v, "clerk", opened, &act("complete")).unwrap_err().code,
            "case.transition.not_allowed"
        );
        let later = day("1405/03/01");
        let p = run(&v, "clerk", later, &act("resume")).unwrap();
        assert_eq!(
            (p.state, p.step, p.event),
            (CaseState::Open, 1, "case.resume")
        );
        assert_eq!(p.due_on, Some(cal.add_working_days(later, 3).unwrap()));
        assert_eq!(
            (p.paused_remaining, p.step_started_on),
            (None, opened),
            "the step's start stays"
        );
        // Returned when already late: one working day after coming back.
        let mut late = case("card_renewal", opened, &cal);
        late.case.step = 1;
        let after_due = day("1405/03/01");
        let p = run(&late, "office_manager", after_due, &ret).unwrap();
        assert_eq!(p.paused_remaining, Some(0));
        apply(&mut late, &p);
        let p = run(&late, "clerk", after_due, &act("resume")).unwrap();
        assert_eq!(p.due_on, Some(cal.add_working_days(after_due, 1).unwrap()));
        // Resuming an open case is not a transition.
        apply(&mut late, &p);
        assert_eq!(
            run(&late, "clerk", after_due, &act("resume"))
                .unwrap_err()
                .code,
            "case.transition.not_allowed"
        );
    }

    #[test]
    fn closing_sets_every_pending_members_outcome_and_stops_the_clock() {
        let cal = cal();
        let opened = day("1405/02/05");
        // Approved at the last step.
        let mut v = case("card_renewal", opened, &cal);
        v.case.step = v.definition.steps.len() - 1;
        let p = run(&v, "clerk", opened, &act("complete")).unwrap();
        assert_eq!(
            (p.state, p.event, p.closes),
            (CaseState::Approved, "case.approve", true)
        );
        assert_eq!(
            (p.due_on, p.paused_remaining, p.member_outcome),
            (None, None, Some(MemberOutcome::Approved))
        );
        // Rejected: the reason is kept, and is the note when none was written.
        let v = case("card_renewal", opened, &cal);
        let reject = DecideStep::parse("reject", Some("document_invalid"), "", false).unwrap();
        let p = run(&v, "clerk", opened, &reject).unwrap();
        assert_eq!(
            (p.state, p.reject_reason),
            (CaseState::Rejected, Some(RejectReason::DocumentInvalid))
        );
        assert_eq!(
            (p.member_outcome, p.note.as_str()),
            (Some(MemberOutcome::Rejected), "document_invalid")
        );
        let mut rv = v.clone();
        rv.members[1].outcome = MemberOutcome::Approved;
        apply(&mut rv, &p);
        assert_eq!(
            rv.members[1].outcome,
            MemberOutcome::Approved,
            "a decided member keeps theirs"
        );
        assert_eq!(rv.members[0].reason, Some(RejectReason::DocumentInvalid));
        // A reason on another action is not recorded.
        let done = DecideStep::parse("return", Some("document_invalid"), "", false).unwrap();
        assert_eq!(run(&v, "clerk", opened, &done).unwrap().reject_reason, None);
        // Cancelled by the office manager only; nothing after closing.
        assert_eq!(
            run(&v, "clerk", opened, &act("cancel")).unwrap_err().code,
            "case.role.not_allowed"
        );
        let p = run(&v, "office_manager", opened, &act("cancel")).unwrap();
        assert_eq!(
            (p.state, p.member_outcome),
            (CaseState::Cancelled, Some(MemberOutcome::Rejected))
        );
        let mut closed = v.clone();
        apply(&mut closed, &p);
        assert_eq!(
            run(&closed, "office_manager", opened, &act("cancel"))
                .unwrap_err()
                .code,
            "case.transition.not_allowed"
        );
    }

    #[test]
    fn consent_given_with_the_last_step_lets_it_approve_and_is_recorded_once() {
        let cal = cal();
        let opened = day("1405/02/05");
        let mut v = case("work_permit", opened, &cal);
        v.case.step = v.definition.steps.len() - 1;
        let role = v.definition.steps[v.case.step].role.clone();
        assert_eq!(
            run(&v, &role, opened, &act("complete")).unwrap_err().code,
            "case.consent.missing"
        );
        let with = DecideStep::parse("complete", None, "", true).unwrap();
        let p = run(&v, &role, opened, &with).unwrap();
        assert_eq!(
            (p.state, p.consent, p.consent_given),
            (CaseState::Approved, true, true)
        );
        v.case.consent = true;
        let p = run(&v, &role, opened, &with).unwrap();
        assert!(!p.consent_given, "already on the case");
    }

    #[test]
    fn pages_offer_what_decide_allows() {
        let cal = cal();
        let mut v = case("card_renewal", day("1405/02/05"), &cal);
        assert_eq!(
            offered(&v, "clerk", true, &[]),
            ["complete", "return", "reject"]
        );
        assert_eq!(
            offered(&v, "office_manager", true, &[]),
            ["complete", "return", "reject", "cancel"]
        );
        assert!(offered(&v, "auditor", false, &[]).is_empty());
        v.case.state = CaseState::Returned;
        assert_eq!(offered(&v, "clerk", true, &[]), ["resume"]);
        assert!(offered(&v, "auditor", false, &[]).is_empty());
        v.case.state = CaseState::Approved;
        assert!(offered(&v, "office_manager", true, &[]).is_empty());
        // A missing accreditation withholds the step's outcomes, not the manager's cancel.
        v.case.state = CaseState::Open;
        let missing = ["x".to_owned()];
        assert!(offered(&v, "clerk", true, &missing).is_empty());
        assert_eq!(offered(&v, "office_manager", true, &missing), ["cancel"]);
        // Every action offered is one decide accepts the role for (past the evidence guards).
        for (state, step, role) in [
            (CaseState::Open, 1, "office_manager"),
            (CaseState::Returned, 0, "clerk"),
        ] {
            v.case.state = state;
            v.case.step = step;
            for a in offered(&v, role, true, &[]) {
                let r = run(&v, role, day("1405/02/05"), &act(a));
                assert!(
                    !matches!(
                        r.as_ref().map_err(|e| e.code),
                        Err("case.role.not_allowed"
                            | "case.transition.not_allowed"
                            | "case.outcome.not_allowed")
                    ),
                    "{a}: {r:?}"
                );
            }
        }
    }
}
