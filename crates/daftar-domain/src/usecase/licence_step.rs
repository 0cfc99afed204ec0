//! Taking a step of an office's licence (issue 18, part 1). The store loads the facts in the
//! writing transaction ([`LicenceFacts`]: the licence record, the checklist, the catalog's
//! service codes, today), [`decide`] checks the version, the state machine
//! ([`crate::licence::next_state`]) and the step's own rules, and returns the [`LicencePlan`]:
//! the record to write, and the timeline event's details. The store writes the record, the
//! event, the office's denormalised licence columns (read on every request to cut staff off)
//! and the audit row in one transaction. The permission is proven before: the store takes an
//! `OfficeScope` granted for [`LicenceStep::permission`].

use crate::ids::OfficeId;
use crate::licence::{
    ChecklistItem, ItemResult, Licence, LicenceCommand, LicenceState, LicenceStep, Visit,
    next_state,
};
use crate::service::ServiceCode;
use crate::{Error, ErrorKind, Result};
use std::collections::BTreeSet;
use time::Date;

/// What deciding a step looks at, loaded by the store.
#[derive(Debug, Clone)]
pub struct LicenceFacts<'a> {
    /// The office.
    pub office_id: OfficeId,
    /// The licence record, if any.
    pub licence: Option<&'a Licence>,
    /// The version the caller read (`If-Match`); none for a first application.
    pub if_match: Option<i64>,
    /// The inspection checklist, in order.
    pub checklist: &'a [ChecklistItem],
    /// Service codes in the catalog.
    pub services: &'a BTreeSet<String>,
    /// Whether the office's association membership is current (`None`: not checked).
    pub membership_current: Option<bool>,
    /// The offices' today.
    pub today: Date,
}

/// What to write.
#[derive(Debug, Clone, PartialEq)]
pub struct LicencePlan {
    /// The step.
    pub step: LicenceStep,
    /// State before.
    pub from: Option<LicenceState>,
    /// The record after the step (version already advanced).
    pub licence: Licence,
    /// The timeline event's details.
    pub details: serde_json::Value,
}

/// Decides a step: `licence.version.stale` (412) when the caller read another version
/// (`request.if_match.required`, 428, when a step other than a first application comes without
/// one), then `licence.step.not_allowed` (409) from the state machine, then the step's rules.
pub fn decide(cmd: &LicenceCommand, facts: &LicenceFacts<'_>) -> Result<LicencePlan> {
    let step = cmd.step();
    let current = facts.licence;
    let version = current.map_or(0, |l| l.version);
    match facts.if_match {
        Some(v) if v != version => {
            return Err(
                Error::new("licence.version.stale", ErrorKind::PreconditionFailed)
                    .with_details(serde_json::json!({ "version": version })),
            );
        }
        None if current.is_some() => {
            return Err(Error::new(
                "request.if_match.required",
                ErrorKind::PreconditionRequired,
            ));
        }
        _ => {}
    }
    let from = current.map(|l| l.state);
    let to = next_state(from, step)?;
    let mut next = current.cloned().unwrap_or(Licence {
        office_id: facts.office_id,
        state: to,
        number: None,
        valid_from: None,
        valid_until: None,
        services: Vec::new(),
        application: None,
        last_visit_passed: None,
        version: 0,
    });
    next.state = to;
    next.version = version + 1;
    let details = match cmd {
        LicenceCommand::Apply(app) => {
            next.application = Some(app.clone());
            next.last_visit_passed = None;
            serde_json::to_value(app).map_err(|e| Error::internal(e.to_string()))?
        }
        LicenceCommand::Inspect(v) => {
            if v.visited_on > facts.today {
                return Err(Error::invalid("licence.visit.invalid").with_field("visited_on"));
            }
            let known: BTreeSet<&str> = facts.checklist.iter().map(|i| i.code.as_str()).collect();
            if let Some(unknown) = v.passed.iter().find(|c| !known.contains(c.as_str())) {
                return Err(Error::invalid("licence.checklist.invalid")
                    .with_field("passed")
                    .with_detail("item", serde_json::json!(unknown)));
            }
            if let Some(f) = v.findings.iter().find(|f| f.deadline <= v.visited_on) {
                return Err(Error::invalid("licence.finding.invalid")
                    .with_field("findings")
                    .with_detail("deadline", serde_json::json!(f.deadline.to_string())));
            }
            let results: Vec<ItemResult> = facts
                .checklist
                .iter()
                .map(|i| ItemResult {
                    item: i.code.clone(),
                    passed: v.passed.contains(&i.code),
                })
                .collect();
            let passed = results.iter().all(|r| r.passed);
            next.last_visit_passed = Some(passed);
            let visit = Visit {
                visited_on: v.visited_on,
                results,
                findings: v.findings.clone(),
                passed,
            };
            serde_json::to_value(&visit).map_err(|e| Error::internal(e.to_string()))?
        }
        LicenceCommand::Issue(n) => {
            match current.and_then(|l| l.last_visit_passed) {
                Some(true) => {}
                Some(false) => return Err(Error::conflict("licence.inspection.failed")),
                None => return Err(Error::conflict("licence.inspection.required")),
            }
            if n.valid_until <= n.valid_from || n.valid_until < facts.today {
                return Err(Error::invalid("licence.validity.invalid").with_field("valid_until"));
            }
            check_services(&n.services, facts.services)?;
            next.number = Some(n.number.as_str().to_owned());
            next.valid_from = Some(n.valid_from);
            next.valid_until = Some(n.valid_until);
            next.services = n.services.iter().map(|s| s.as_str().to_owned()).collect();
            serde_json::json!({
                "number": n.number.as_str(),
                "valid_from": n.valid_from.to_string(),
                "valid_until": n.valid_until.to_string(),
                "services": next.services,
            })
        }
        LicenceCommand::Renew { valid_until } => {
            if facts.membership_current == Some(false) {
                return Err(Error::conflict("licence.membership.required"));
            }
            let old = current.and_then(|l| l.valid_until);
            if old.is_some_and(|o| *valid_until <= o) || *valid_until < facts.today {
                return Err(Error::invalid("licence.validity.invalid").with_field("valid_until"));
            }
            next.valid_until = Some(*valid_until);
            serde_json::json!({
                "valid_until": valid_until.to_string(),
                "previous_until": old.map(|d| d.to_string()),
            })
        }
        LicenceCommand::Warn(r)
        | LicenceCommand::Suspend(r)
        | LicenceCommand::Revoke(r)
        | LicenceCommand::Reinstate(r) => serde_json::json!({ "reason": r.as_str() }),
    };
    Ok(LicencePlan {
        step,
        from,
        licence: next,
        details,
    })
}

fn check_services(chosen: &BTreeSet<ServiceCode>, known: &BTreeSet<String>) -> Result<()> {
    if chosen.is_empty() {
        return Err(Error::invalid("licence.services.invalid").with_field("services"));
    }
    if let Some(s) = chosen.iter().find(|s| !known.contains(s.as_str())) {
        return Err(Error::invalid("licence.services.invalid")
            .with_field("services")
            .with_detail("service", serde_json::json!(s.as_str())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::licence::{Application, LicenceNumber, NewLicence, NewVisit, parse_reason};
    use time::macros::date;

    fn checklist() -> Vec<ChecklistItem> {
        ["signage", "fees_board"]
            .map(|c| ChecklistItem {
                code: c.into(),
                label_fa: c.into(),
                label_en: c.into(),
            })
            .to_vec()
    }

    struct World {
        office: OfficeId,
        licence: Option<Licence>,
        checklist: Vec<ChecklistItem>,
        services: BTreeSet<String>,
        membership: Option<bool>,
        today: Date,
    }

    impl World {
        fn new() -> Self {
            Self {
                office: OfficeId::new(),
                licence: None,
                checklist: checklist(),
                services: ["residence_renewal".to_owned()].into(),
                membership: None,
                today: date!(2026 - 03 - 20),
            }
        }
        fn take(&mut self, cmd: LicenceCommand) -> Result<LicencePlan> {
            let facts = LicenceFacts {
                office_id: self.office,
                licence: self.licence.as_ref(),
                if_match: self.licence.as_ref().map(|l| l.version),
                checklist: &self.checklist,
                services: &self.services,
                membership_current: self.membership,
                today: self.today,
            };
            let plan = decide(&cmd, &facts)?;
            self.licence = Some(plan.licence.clone());
            Ok(plan)
        }
    }

    fn apply() -> LicenceCommand {
        LicenceCommand::Apply(Application::parse(&["deed".into()], "Main St 1", "Ali").unwrap())
    }
    fn visit(passed: &[&str]) -> LicenceCommand {
        LicenceCommand::Inspect(
            NewVisit::parse(
                date!(2026 - 03 - 19),
                passed.iter().map(|s| (*s).to_owned()).collect(),
                vec![("Fee board missing".into(), date!(2026 - 04 - 19))],
            )
            .unwrap(),
        )
    }
    fn issue(until: Date) -> LicenceCommand {
        LicenceCommand::Issue(NewLicence {
            number: LicenceNumber::parse("LIC-1").unwrap(),
            valid_from: date!(2026 - 03 - 20),
            valid_until: until,
            services: [ServiceCode::parse("residence_renewal").unwrap()].into(),
        })
    }

    #[test]
    fn an_office_is_licensed_only_after_a_passed_visit() {
        let mut w = World::new();
        let p = w.take(apply()).unwrap();
        assert_eq!((p.from, p.licence.state), (None, LicenceState::Applied));
        assert_eq!(p.licence.version, 1);
        assert_eq!(
            w.take(issue(date!(2027 - 03 - 19))).unwrap_err().code,
            "licence.step.not_allowed"
        );
        let p = w.take(visit(&["signage"])).unwrap();
        assert_eq!(p.details["passed"], false);
        assert_eq!(p.details["findings"][0]["deadline"], "2026-04-19");
        assert_eq!(
            w.take(issue(date!(2027 - 03 - 19))).unwrap_err().code,
            "licence.inspection.failed"
        );
        w.take(visit(&["signage", "fees_board"])).unwrap();
        let p = w.take(issue(date!(2027 - 03 - 19))).unwrap();
        assert_eq!(p.licence.state, LicenceState::Licensed);
        assert_eq!(p.licence.number.as_deref(), Some("LIC-1"));
        assert_eq!(p.licence.services, ["residence_renewal"]);
        assert_eq!(p.licence.version, 4);
    }

    #[test]
    fn step_rules_give_stable_codes() {
        let mut w = World::new();
        w.take(apply()).unwrap();
        assert_eq!(
            w.take(visit(&["nope"])).unwrap_err().code,
            "licence.checklist.invalid"
        );
        let late = LicenceCommand::Inspect(
            NewVisit::parse(date!(2026 - 03 - 21), BTreeSet::new(), vec![]).unwrap(),
        );
        assert_eq!(w.take(late).unwrap_err().code, "licence.visit.invalid");
        let past_deadline = LicenceCommand::Inspect(
            NewVisit::parse(
                date!(2026 - 03 - 19),
                BTreeSet::new(),
                vec![("x".into(), date!(2026 - 03 - 19))],
            )
            .unwrap(),
        );
        assert_eq!(
            w.take(past_deadline).unwrap_err().code,
            "licence.finding.invalid"
        );
        w.take(visit(&["signage", "fees_board"])).unwrap();
        assert_eq!(
            w.take(issue(date!(2026 - 03 - 20))).unwrap_err().code,
            "licence.validity.invalid"
        );
        let mut unknown = issue(date!(2027 - 03 - 19));
        if let LicenceCommand::Issue(n) = &mut unknown {
            n.services = [ServiceCode::parse("other").unwrap()].into();
        }
        assert_eq!(
            w.take(unknown).unwrap_err().code,
            "licence.services.invalid"
        );
        // A stale or missing version.
        let facts = LicenceFacts {
            office_id: w.office,
            licence: w.licence.as_ref(),
            if_match: Some(1),
            checklist: &w.checklist,
            services: &w.services,
            membership_current: None,
            today: w.today,
        };
        assert_eq!(
            decide(&issue(date!(2027 - 03 - 19)), &facts)
                .unwrap_err()
                .code,
            "licence.version.stale"
        );
        let facts = LicenceFacts {
            if_match: None,
            ..facts
        };
        assert_eq!(
            decide(&issue(date!(2027 - 03 - 19)), &facts)
                .unwrap_err()
                .code,
            "request.if_match.required"
        );
    }

    #[test]
    fn suspension_reinstatement_and_renewal() {
        let mut w = World::new();
        w.take(apply()).unwrap();
        w.take(visit(&["signage", "fees_board"])).unwrap();
        w.take(issue(date!(2027 - 03 - 19))).unwrap();
        let reason = || parse_reason("overcharging").unwrap();
        let p = w.take(LicenceCommand::Suspend(reason())).unwrap();
        assert_eq!(p.licence.state, LicenceState::Suspended);
        assert_eq!(p.details["reason"], "overcharging");
        assert_eq!(
            w.take(LicenceCommand::Renew {
                valid_until: date!(2028 - 03 - 19)
            })
            .unwrap_err()
            .code,
            "licence.step.not_allowed"
        );
        w.take(LicenceCommand::Reinstate(reason())).unwrap();
        assert_eq!(
            w.take(LicenceCommand::Renew {
                valid_until: date!(2027 - 03 - 19)
            })
            .unwrap_err()
            .code,
            "licence.validity.invalid"
        );
        w.membership = Some(false);
        assert_eq!(
            w.take(LicenceCommand::Renew {
                valid_until: date!(2028 - 03 - 19)
            })
            .unwrap_err()
            .code,
            "licence.membership.required"
        );
        w.membership = Some(true);
        let p = w
            .take(LicenceCommand::Renew {
                valid_until: date!(2028 - 03 - 19),
            })
            .unwrap();
        assert_eq!(p.licence.valid_until, Some(date!(2028 - 03 - 19)));
        assert_eq!(p.details["previous_until"], "2027-03-19");
        w.take(LicenceCommand::Revoke(reason())).unwrap();
        let p = w.take(apply()).unwrap();
        assert_eq!(p.from, Some(LicenceState::Revoked));
        assert_eq!(p.licence.last_visit_passed, None);
    }
}
