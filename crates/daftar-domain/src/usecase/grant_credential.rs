//! Granting a credential: which credentials an approved case grants — to whom, of which kind,
//! valid from when until when, under which issuer, with which claims. The store loads the facts
//! (the case as decided, its office, the holders' records) in the transaction that writes the
//! plan with its audit rows (`CredentialStore::grant_credentials`, and the case decision that
//! approves a case), so an approval and the credentials it grants commit together.
//!
//! The rules: only an approved case grants, and only when its service version names a kind that
//! is carried as a signed credential (a letter carries none); every member approved with a
//! household case gets one, a person case's applicant gets one; it is valid from the moment of
//! issue to the end (23:59:59 UTC) of the last day the service's `credential_days` (or the
//! kind's default) allow; the issuer claim is the country profile and the office code
//! (`IR/THR-01`); the claims are what [`claims_for`] makes of the holder's record and the
//! case's [`Grant`] (work, employer). Which of the claims a QR shows is the purpose profile's
//! choice, when it is signed (`daftar_credential::select`).

use crate::case::CaseView;
use crate::credential::{Grant, NewCredential, claims_for, wire_kind};
use crate::ids::PersonId;
use crate::office::Office;
use crate::person::Person;
use crate::service::CredentialKind;
use crate::workflow::{CaseState, MemberOutcome};
use crate::{Error, Result};
use time::OffsetDateTime;

/// Who a case grants a credential to, and of which kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grantees {
    /// The kind every one of them gets.
    pub kind: CredentialKind,
    /// The holders, in the case's member order (the applicant first).
    pub people: Vec<PersonId>,
}

/// Who `view` grants a credential to: `None` when the case is not approved, its service grants
/// no credential, or the kind is not carried as a signed credential (letters). Approved members
/// of a household case; the applicant of a person case (a case without members).
pub fn grantees(view: &CaseView) -> Option<Grantees> {
    let kind = view.definition.credential?;
    if view.case.state != CaseState::Approved || wire_kind(kind).is_none() {
        return None;
    }
    let people = if view.members.is_empty() {
        vec![view.case.person_id]
    } else {
        view.members
            .iter()
            .filter(|m| m.outcome == MemberOutcome::Approved)
            .map(|m| m.person_id)
            .collect()
    };
    Some(Grantees { kind, people })
}

/// The issuer claim of credentials issued at `office` under the country profile `country`:
/// `IR/THR-01`.
pub fn issuer(country: &str, office: &Office) -> String {
    format!("{country}/{}", office.code.as_str())
}

/// What the store loaded for a grant.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The case as decided.
    pub view: &'a CaseView,
    /// The office that handles it (the issuer).
    pub office: &'a Office,
    /// The records of the [`grantees`] (any order; others are ignored).
    pub holders: &'a [Person],
    /// The country profile (`IR`), the first half of the issuer claim.
    pub country: &'a str,
    /// The office's day of issue (validity is counted from it; `school_age` at it).
    pub today: time::Date,
    /// The moment of issue (`not_before`).
    pub now: OffsetDateTime,
}

/// The credentials to store for a grant, one per grantee, each with an id from `new_id` (8
/// random bytes as 16 hex digits: the `cti`). Empty when the case grants none. The store keeps
/// one already issued for the same case, holder and kind, so a plan is safe to write twice.
/// `person.not_found` when a grantee's record is missing from the facts; `case.not_found` when
/// the office is not the case's.
pub fn plan(facts: &Facts<'_>, mut new_id: impl FnMut() -> String) -> Result<Vec<NewCredential>> {
    let Some(g) = grantees(facts.view) else {
        return Ok(vec![]);
    };
    let case = &facts.view.case;
    if facts.office.id != case.office_id {
        return Err(Error::not_found("case.not_found"));
    }
    // What the case grants: validity and work as its service version says, the employer it
    // recorded.
    let grant = Grant::for_case(&facts.view.definition, case.employer.as_ref(), facts.today);
    let expires = valid_until(&grant, facts.now);
    let issuer = issuer(facts.country, facts.office);
    g.people
        .iter()
        .map(|p| {
            let person = facts
                .holders
                .iter()
                .find(|h| h.id == *p)
                .ok_or_else(|| Error::not_found("person.not_found"))?;
            Ok(NewCredential {
                id: new_id(),
                person_id: *p,
                case_id: Some(case.id),
                office_id: facts.office.id,
                issuer: issuer.clone(),
                kind: g.kind,
                not_before: facts.now,
                expires,
                fields: claims_for(person, g.kind, &grant, facts.today),
            })
        })
        .collect()
}

/// The last valid moment of a grant: the end of its last day, UTC.
pub fn valid_until(grant: &Grant, now: OffsetDateTime) -> OffsetDateTime {
    grant
        .valid_until
        .with_hms(23, 59, 59)
        .map(|t| t.assume_utc())
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::case::{Case, CaseMember, Employer};
    use crate::ids::{CaseId, OfficeId};
    use crate::office::{OfficeCode, OfficeStatus};
    use crate::service::ServiceCode;
    use time::macros::{date, datetime};

    const NOW: OffsetDateTime = datetime!(2026-12-04 10:00 UTC);
    const TODAY: time::Date = date!(2026 - 12 - 04);

    use crate::service::fixtures::one_service as def;

    fn office() -> Office {
        Office {
            id: OfficeId::new(),
            code: OfficeCode::parse("THR-01").unwrap(),
            name_fa: "دفتر".into(),
            name_en: "Office".into(),
            province: String::new(),
            district: String::new(),
            status: OfficeStatus::Active,
            created_at: NOW,
            licence_state: None,
            licence_valid_until: None,
        }
    }

    fn person(given: &str, birth: &str) -> Person {
        Person {
            id: PersonId::new(),
            office_id: OfficeId::new(),
            registry_no: format!("THR01-1405-{given}"),
            given_name: given.into(),
            family_name: "احمدی".into(),
            father_name: "محمد".into(),
            grandfather_name: String::new(),
            given_name_latin: String::new(),
            family_name_latin: String::new(),
            birth_date: Some(birth.into()),
            birth_date_precision: Some(crate::birth::DatePrecision::Day),
            sex: crate::person::Sex::Male,
            nationality: "AFG".into(),
            phone: String::new(),
            province: String::new(),
            district: String::new(),
            address: String::new(),
            status: crate::person::PersonStatus::Registered,
            created_at: NOW,
        }
    }

    fn view(office: &Office, applicant: &Person, def: crate::service::ServiceDef) -> CaseView {
        CaseView {
            case: Case {
                id: CaseId::new(),
                reference: "THR-01-1405-1".into(),
                office_id: office.id,
                service: ServiceCode::parse("svc").unwrap(),
                service_version: 1,
                person_id: applicant.id,
                household_id: None,
                state: CaseState::Approved,
                step: 0,
                step_started_on: TODAY,
                due_on: None,
                paused_remaining: None,
                assigned_to: None,
                reject_reason: None,
                consent: false,
                escalation: 0,
                employer: None,
                opened_at: NOW,
                version: 3,
            },
            definition: def,
            members: vec![],
            events: vec![],
            documents: vec![],
            fees_due: vec![],
            payments: vec![],
        }
    }

    fn member(p: &Person, outcome: MemberOutcome) -> CaseMember {
        CaseMember {
            person_id: p.id,
            registry_no: p.registry_no.clone(),
            name: p.given_name.clone(),
            outcome,
            reason: None,
        }
    }

    fn ids() -> impl FnMut() -> String {
        let mut n = 0u8;
        move || {
            n += 1;
            hex::encode([0, 0, 0, 0, 0, 0, 0, n])
        }
    }

    #[test]
    fn an_approved_person_case_grants_its_applicant_one_credential() {
        let (o, p) = (office(), person("کریم", "1990-03-21"));
        let v = view(&o, &p, def("registration_card", ""));
        let facts = Facts {
            view: &v,
            office: &o,
            holders: std::slice::from_ref(&p),
            country: "IR",
            today: TODAY,
            now: NOW,
        };
        let plan = plan(&facts, ids()).unwrap();
        assert_eq!(plan.len(), 1);
        let c = &plan[0];
        assert_eq!(c.id, "0000000000000001");
        assert_eq!(
            (c.person_id, c.case_id, c.office_id, c.kind),
            (
                p.id,
                Some(v.case.id),
                o.id,
                CredentialKind::RegistrationCard
            )
        );
        assert_eq!(c.issuer, "IR/THR-01");
        assert_eq!(c.not_before, NOW);
        // A card lasts its kind's 365 days, to the end of the last day.
        assert_eq!(c.expires, datetime!(2027-12-04 23:59:59 UTC));
        assert_eq!(c.fields["given_name"], "کریم");
        assert_eq!(c.fields["card_no"], p.registry_no);
        assert_eq!(c.fields["valid_until"], "2027-12-04");
        assert_eq!(c.fields["work_allowed"], "no");
    }

    #[test]
    fn nothing_is_granted_before_approval_nor_for_a_letter_nor_without_a_credential() {
        let (o, p) = (office(), person("کریم", "1990-03-21"));
        for state in [
            CaseState::Open,
            CaseState::Returned,
            CaseState::Rejected,
            CaseState::Cancelled,
        ] {
            let mut v = view(&o, &p, def("work_permit", ""));
            v.case.state = state;
            assert_eq!(grantees(&v), None, "{state:?}");
            let facts = Facts {
                view: &v,
                office: &o,
                holders: &[],
                country: "IR",
                today: TODAY,
                now: NOW,
            };
            assert!(plan(&facts, ids()).unwrap().is_empty());
        }
        let letter = view(&o, &p, def("letter", ""));
        assert_eq!(grantees(&letter), None, "a letter carries no credential");
        let mut none = view(&o, &p, def("letter", ""));
        none.definition.credential = None;
        assert_eq!(grantees(&none), None);
    }

    #[test]
    fn a_household_case_grants_each_approved_member_and_no_one_else() {
        let o = office();
        let (head, child, refused) = (
            person("کریم", "1980-01-01"),
            person("زهرا", "2016-05-05"),
            person("علی", "1985-02-02"),
        );
        let mut v = view(&o, &head, def("registration_card", ""));
        v.members = vec![
            member(&head, MemberOutcome::Approved),
            member(&child, MemberOutcome::Approved),
            member(&refused, MemberOutcome::Rejected),
        ];
        assert_eq!(
            grantees(&v).unwrap().people,
            vec![head.id, child.id],
            "the applicant is granted through the members, a refused member is not"
        );
        let holders = [child.clone(), head.clone(), refused.clone()];
        let facts = Facts {
            view: &v,
            office: &o,
            holders: &holders,
            country: "AF",
            today: TODAY,
            now: NOW,
        };
        let plan = plan(&facts, ids()).unwrap();
        assert_eq!(
            plan.iter().map(|c| c.person_id).collect::<Vec<_>>(),
            vec![head.id, child.id]
        );
        assert_ne!(plan[0].id, plan[1].id, "every credential has its own id");
        assert_eq!(plan[0].issuer, "AF/THR-01");
        // Each carries its own holder's claims, counted at the day of issue.
        assert_eq!(plan[1].fields["given_name"], "زهرا");
        assert_eq!(plan[1].fields["school_age"], "yes");
        assert_eq!(plan[0].fields["school_age"], "no");
        // A grantee whose record was not loaded is not silently skipped.
        let facts = Facts {
            holders: std::slice::from_ref(&head),
            ..facts
        };
        assert_eq!(
            super::plan(&facts, ids()).unwrap_err().code,
            "person.not_found"
        );
    }

    #[test]
    fn validity_work_and_employer_follow_the_service_and_the_case() {
        let (o, p) = (office(), person("کریم", "1990-03-21"));
        let mut v = view(&o, &p, def("work_permit", "credential_days = 90"));
        v.case.employer = Some(Employer::parse("شرکت ساختمانی البرز", "10101234567").unwrap());
        let facts = Facts {
            view: &v,
            office: &o,
            holders: std::slice::from_ref(&p),
            country: "IR",
            today: TODAY,
            now: NOW,
        };
        let c = plan(&facts, ids()).unwrap().remove(0);
        assert_eq!(c.expires, datetime!(2027-03-04 23:59:59 UTC));
        assert_eq!(c.fields["work_allowed"], "yes");
        assert_eq!(c.fields["employer"], "شرکت ساختمانی البرز (10101234567)");
        // A travel permit's default is 30 days.
        let v = view(&o, &p, def("travel_permit", ""));
        let c = plan(&Facts { view: &v, ..facts }, ids()).unwrap().remove(0);
        assert_eq!(c.expires, datetime!(2027-01-03 23:59:59 UTC));
    }

    #[test]
    fn another_office_cannot_issue_for_the_case() {
        let (o, p) = (office(), person("کریم", "1990-03-21"));
        let v = view(&o, &p, def("registration_card", ""));
        let other = office();
        let facts = Facts {
            view: &v,
            office: &other,
            holders: std::slice::from_ref(&p),
            country: "IR",
            today: TODAY,
            now: NOW,
        };
        assert_eq!(plan(&facts, ids()).unwrap_err().code, "case.not_found");
    }
}
