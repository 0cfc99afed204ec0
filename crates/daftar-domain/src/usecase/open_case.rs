//! Opening a case: who may apply for a service and for whom, whether every person covered is
//! eligible, the employer a work permit names, the first step's due date, the fee year and
//! fees, and the reference. The store loads the facts ([`OpenFacts`]), [`decide`] answers with
//! a [`Plan`], and the store writes the plan with its audit row in one transaction.
//!
//! Who applies ([`applicant_rule`]): a service for a household head is applied for by the head
//! of the person's household, or by a person in no household for themselves (a single person
//! renews their own card); a member of someone else's household asks the head
//! (`case.applicant.not_head`). Covering the whole household needs a household that the
//! applicant heads (`case.household.required` for a person in none: create it first).
//!
//! One open case per person and service: the store checks it inside the write transaction,
//! after locking the applicant's row (see `daftar-store`'s `repo/cases.rs`), so that two
//! requests, on one node or two, cannot both open one; [`duplicate`] is the answer.

use crate::calendar::WorkCalendar;
use crate::case::{CaseMember, Employer, Note};
use crate::ids::{HouseholdId, PersonId};
use crate::jalali::JalaliDate;
use crate::service::{Applicant, FeeDue, ServiceCode, ServiceDef, ServiceRecord};
use crate::workflow::{self, MemberOutcome, PersonFacts};
use crate::{Error, Result};
use time::Date;

/// Opening a case, parsed at the edge: it cannot hold a malformed person id or service code,
/// an overlong note or an invalid employer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCase {
    /// The applicant (for a household case: the household head).
    pub person: PersonId,
    /// The service.
    pub service: ServiceCode,
    /// Cover the applicant's whole household (services that allow it).
    pub household: bool,
    /// The person concerned consents (services that require it).
    pub consent: bool,
    /// The employer, for services that take one (work permits).
    pub employer: Option<Employer>,
    /// A note for the timeline.
    pub note: Note,
}

impl OpenCase {
    /// A command from request fields as typed. Errors name their field: `person.id.invalid`
    /// (`person_id`), `case.note.invalid` (`note`), `case.employer.invalid` (`employer.name`
    /// or `employer.identifier`); a service code that cannot exist is `service.not_found`, as
    /// an unknown one is.
    pub fn parse(
        service: &str,
        person_id: &str,
        household: bool,
        consent: bool,
        employer: Option<(&str, &str)>,
        note: &str,
    ) -> Result<Self> {
        let person: PersonId = person_id
            .trim()
            .parse()
            .map_err(|e: Error| e.with_field("person_id"))?;
        let note = Note::parse(note)?;
        let service = ServiceCode::parse(service.trim())
            .map_err(|_| Error::not_found("service.not_found").with_field("service"))?;
        let employer = employer
            .map(|(name, identifier)| Employer::parse(name, identifier))
            .transpose()?;
        Ok(Self {
            person,
            service,
            household,
            consent,
            employer,
            note,
        })
    }
}

/// Where the applicant stands in the households of the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// In no household.
    Alone,
    /// Head of this household.
    Head(HouseholdId),
    /// A member of this household, headed by someone else.
    Member(HouseholdId),
}

/// A person a case would cover, as the store found them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Covered {
    /// Id.
    pub id: PersonId,
    /// Registry number.
    pub registry_no: String,
    /// Name for display.
    pub name: String,
    /// What eligibility looks at.
    pub facts: PersonFacts,
}

/// What opening a case looks at, loaded by the store.
#[derive(Debug, Clone)]
pub struct OpenFacts<'a> {
    /// The service's current definition and version.
    pub service: &'a ServiceRecord,
    /// The applicant.
    pub applicant: Covered,
    /// The applicant's household standing.
    pub standing: Standing,
    /// For a head: the household's other current members, in the household's order.
    pub members: Vec<Covered>,
    /// The office's today.
    pub today: Date,
    /// The working calendar of the profile.
    pub calendar: &'a WorkCalendar,
}

/// What to write: the case as decided, before the store numbers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Service.
    pub service: ServiceCode,
    /// Catalog version the case runs under.
    pub service_version: i64,
    /// The definition of that version (for the answer).
    pub definition: ServiceDef,
    /// Applicant.
    pub person: PersonId,
    /// Household covered, for a household case.
    pub household: Option<HouseholdId>,
    /// Everyone covered, the applicant first, all pending.
    pub members: Vec<CaseMember>,
    /// The first step's clock starts today ...
    pub step_started_on: Date,
    /// ... and ends after its SLA in working days.
    pub due_on: Date,
    /// Solar Hijri year whose fee schedule applies.
    pub fee_year: i32,
    /// Fees owed per line.
    pub fees_due: Vec<FeeDue>,
    /// Consent recorded at opening.
    pub consent: bool,
    /// Employer named.
    pub employer: Option<Employer>,
    /// Timeline note.
    pub note: Note,
}

impl Plan {
    /// The case's reference: `<office code>-<year>-<n>`, `n` the office's running number of
    /// the fee year, five digits at least.
    pub fn reference(&self, office_code: &str, n: i64) -> String {
        format!("{office_code}-{}-{n:05}", self.fee_year)
    }
}

/// Whether the applicant, standing so, may open the service (for the household or alone):
/// `case.household.not_allowed` (409, the service covers one person), `case.applicant.not_head`
/// (409, field `person_id`: the household's head applies), `case.household.required` (409,
/// field `household`: the applicant heads no household).
pub fn applicant_rule(def: &ServiceDef, standing: Standing, household: bool) -> Result<()> {
    let not_head = || Error::conflict("case.applicant.not_head").with_field("person_id");
    if household {
        if !def.household {
            return Err(Error::conflict("case.household.not_allowed").with_field("household"));
        }
        return match standing {
            Standing::Head(_) => Ok(()),
            Standing::Member(_) => Err(not_head()),
            Standing::Alone => {
                Err(Error::conflict("case.household.required").with_field("household"))
            }
        };
    }
    match (def.applicant, standing) {
        (Applicant::HouseholdHead, Standing::Member(_)) => Err(not_head()),
        _ => Ok(()),
    }
}

/// The employer a new case records: required where the service takes one
/// (`case.employer.required`, field `employer.name`), refused where it does not
/// (`case.employer.not_allowed`, field `employer`).
pub fn employer_rule(def: &ServiceDef, given: Option<&Employer>) -> Result<Option<Employer>> {
    match (def.takes_employer(), given) {
        (true, Some(e)) => Ok(Some(e.clone())),
        (true, None) => Err(Error::invalid("case.employer.required").with_field("employer.name")),
        (false, Some(_)) => Err(Error::invalid("case.employer.not_allowed").with_field("employer")),
        (false, None) => Ok(None),
    }
}

/// Decides an opening. Errors in order: the employer rule, the applicant rule, the applicant's
/// eligibility, each member's eligibility (`case.eligibility.*`, details `person_id`), a
/// missing step or fee schedule, a due date outside the calendar.
pub fn decide(f: &OpenFacts<'_>, cmd: &OpenCase) -> Result<Plan> {
    let def = &f.service.definition;
    let employer = employer_rule(def, cmd.employer.as_ref())?;
    let first = def.step(0)?;
    let due_on = f
        .calendar
        .add_working_days(f.today, u32::from(first.sla_days))?;
    applicant_rule(def, f.standing, cmd.household)?;
    let (household, others): (Option<HouseholdId>, &[Covered]) = match (cmd.household, f.standing) {
        (true, Standing::Head(h)) => (Some(h), &f.members),
        _ => (None, &[]),
    };
    for p in std::iter::once(&f.applicant).chain(others) {
        workflow::check_eligibility(def, &p.facts)
            .map_err(|e| e.with_detail("person_id", serde_json::json!(p.id)))?;
    }
    let members: Vec<CaseMember> = std::iter::once(&f.applicant)
        .chain(others)
        .map(|p| CaseMember {
            person_id: p.id,
            registry_no: p.registry_no.clone(),
            name: p.name.clone(),
            outcome: MemberOutcome::Pending,
            reason: None,
        })
        .collect();
    let fee_year = JalaliDate::from_iso(f.today).year();
    let fees_due = def.fees_due(fee_year, u32::try_from(members.len()).unwrap_or(u32::MAX))?;
    Ok(Plan {
        service: def.code.clone(),
        service_version: f.service.version,
        definition: def.clone(),
        person: cmd.person,
        household,
        members,
        step_started_on: f.today,
        due_on,
        fee_year,
        fees_due,
        consent: cmd.consent,
        employer,
        note: cmd.note.clone(),
    })
}

/// The answer when the person already has an open or returned case of the service
/// (`case.duplicate`, 409, details `reference` of that case).
pub fn duplicate(reference: &str) -> Error {
    Error::conflict("case.duplicate").with_detail("reference", serde_json::json!(reference))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::calendar::CalendarProfile;
    use crate::person::{DocumentKind, PersonStatus};
    use crate::service::Catalog;

    const SERVICES: &str = include_str!("../../../../profiles/ir/services.toml");
    const CALENDAR: &str = include_str!("../../../../profiles/ir/calendar.toml");

    fn service(code: &str) -> ServiceRecord {
        let def = Catalog::from_toml(SERVICES)
            .unwrap()
            .services
            .into_iter()
            .find(|s| s.code.as_str() == code)
            .expect(code);
        ServiceRecord {
            definition: def,
            version: 3,
            updated_at: time::macros::datetime!(2026-01-01 0:00 UTC),
            updated_by: "system".into(),
        }
    }

    fn calendar() -> WorkCalendar {
        CalendarProfile::from_toml(CALENDAR)
            .unwrap()
            .calendar()
            .unwrap()
    }

    fn day(jalali: &str) -> Date {
        JalaliDate::parse(jalali).unwrap().iso()
    }

    fn carded(name: &str) -> Covered {
        Covered {
            id: PersonId::new(),
            registry_no: format!("THR-01-{:06}", name.len()),
            name: name.into(),
            facts: PersonFacts {
                status: PersonStatus::Registered,
                age: Some(30),
                documents: vec![DocumentKind::RegistrationCard],
            },
        }
    }

    fn cmd(service: &str, person: PersonId, household: bool) -> OpenCase {
        OpenCase {
            person,
            service: ServiceCode::parse(service).unwrap(),
            household,
            consent: false,
            employer: None,
            note: Note::default(),
        }
    }

    struct World {
        svc: ServiceRecord,
        cal: WorkCalendar,
        applicant: Covered,
        standing: Standing,
        members: Vec<Covered>,
        today: Date,
    }

    impl World {
        fn new(code: &str, standing: Standing) -> Self {
            Self {
                svc: service(code),
                cal: calendar(),
                applicant: carded("جواد"),
                standing,
                members: vec![],
                today: day("1405/02/05"),
            }
        }
        fn facts(&self) -> OpenFacts<'_> {
            OpenFacts {
                service: &self.svc,
                applicant: self.applicant.clone(),
                standing: self.standing,
                members: self.members.clone(),
                today: self.today,
                calendar: &self.cal,
            }
        }
        fn open(&self, household: bool) -> Result<Plan> {
            let code = self.svc.definition.code.as_str();
            decide(&self.facts(), &cmd(code, self.applicant.id, household))
        }
    }

    #[test]
    fn the_command_is_parsed_at_the_edge_with_todays_codes() {
        let id = PersonId::new().to_string();
        let ok = OpenCase::parse(
            " card_renewal ",
            &format!(" {id} "),
            true,
            false,
            Some((" شرکت ", "۱۲۳")),
            "  دور ۱۴۰۵ ",
        )
        .unwrap();
        assert_eq!(ok.service.as_str(), "card_renewal");
        assert_eq!(ok.person.to_string(), id);
        assert_eq!(ok.note.as_str(), "دور ۱۴۰۵");
        let e = ok.employer.unwrap();
        assert_eq!((e.name(), e.identifier()), ("شرکت", "123"));
        let err = |s: &str, p: &str, emp: Option<(&str, &str)>, note: &str| {
            let e = OpenCase::parse(s, p, false, false, emp, note).unwrap_err();
            (e.code, e.details["field"].as_str().unwrap_or("").to_owned())
        };
        assert_eq!(
            err("card_renewal", "x", None, ""),
            ("person.id.invalid", "person_id".into())
        );
        assert_eq!(
            err("card_renewal", &id, None, &"x".repeat(2001)),
            ("case.note.invalid", "note".into())
        );
        assert_eq!(
            err("NOPE!", &id, None, ""),
            ("service.not_found", "service".into())
        );
        assert_eq!(
            err("card_renewal", &id, Some(("", "")), ""),
            ("case.employer.invalid", "employer.name".into())
        );
        assert_eq!(
            err("card_renewal", &id, Some(("شرکت", "12 34")), ""),
            ("case.employer.invalid", "employer.identifier".into())
        );
    }

    #[test]
    fn a_single_person_renews_alone_and_needs_a_household_only_to_cover_one() {
        // The walk-through's dead end (issue 21.2): a newly registered person in no household.
        let w = World::new("card_renewal", Standing::Alone);
        let plan = w.open(false).unwrap();
        assert_eq!(plan.members.len(), 1);
        assert_eq!(plan.members[0].person_id, w.applicant.id);
        assert_eq!(plan.household, None);
        let e = w.open(true).unwrap_err();
        assert_eq!((e.code, e.kind.status()), ("case.household.required", 409));
        assert_eq!(e.details["field"], "household");
    }

    #[test]
    fn a_household_member_asks_the_head_and_the_head_covers_everyone() {
        let h = HouseholdId::new();
        let w = World::new("card_renewal", Standing::Member(h));
        for household in [false, true] {
            let e = w.open(household).unwrap_err();
            assert_eq!(
                (e.code, e.details["field"].as_str()),
                ("case.applicant.not_head", Some("person_id"))
            );
        }
        // A service any person applies for: the member applies alone, not for the household.
        let mut w = World::new("travel_permit", Standing::Member(h));
        w.applicant.facts.documents.push(DocumentKind::Passport);
        assert!(applicant_rule(&w.svc.definition, w.standing, false).is_ok());
        assert_eq!(
            applicant_rule(&w.svc.definition, w.standing, true)
                .unwrap_err()
                .code,
            "case.applicant.not_head"
        );
        // The head: alone or with every current member, the applicant first.
        let mut w = World::new("card_renewal", Standing::Head(h));
        w.members = vec![carded("مریم"), carded("علی")];
        assert_eq!(w.open(false).unwrap().members.len(), 1);
        let plan = w.open(true).unwrap();
        assert_eq!(plan.household, Some(h));
        let ids: Vec<PersonId> = plan.members.iter().map(|m| m.person_id).collect();
        assert_eq!(ids, [w.applicant.id, w.members[0].id, w.members[1].id]);
        assert!(
            plan.members
                .iter()
                .all(|m| m.outcome == MemberOutcome::Pending)
        );
        // The card fee is per member: three of them.
        let one = World::new("card_renewal", Standing::Alone)
            .open(false)
            .unwrap();
        assert_eq!(plan.fees_due[0].rials, 3 * one.fees_due[0].rials);
    }

    #[test]
    fn a_service_for_one_person_refuses_a_household() {
        let w = World::new("newborn_registration", Standing::Head(HouseholdId::new()));
        let e = w.open(true).unwrap_err();
        assert_eq!(
            (e.code, e.kind.status()),
            ("case.household.not_allowed", 409)
        );
        assert!(w.open(false).is_ok());
    }

    #[test]
    fn every_person_covered_must_be_eligible_and_the_refusal_names_them() {
        let h = HouseholdId::new();
        let mut w = World::new("card_renewal", Standing::Head(h));
        let mut no_card = carded("بی‌کارت");
        no_card.facts.documents.clear();
        w.members = vec![carded("مریم"), no_card.clone()];
        assert!(w.open(false).is_ok(), "alone, the head is eligible");
        let e = w.open(true).unwrap_err();
        assert_eq!(e.code, "case.eligibility.document");
        assert_eq!(e.details["person_id"], serde_json::json!(no_card.id));
        // The applicant is checked first.
        w.applicant.facts.status = PersonStatus::Deceased;
        let e = w.open(true).unwrap_err();
        assert_eq!(e.code, "case.eligibility.status");
        assert_eq!(e.details["person_id"], serde_json::json!(w.applicant.id));
    }

    #[test]
    fn the_employer_is_required_checked_or_refused_as_the_service_says() {
        let mut w = World::new("work_permit", Standing::Alone);
        w.applicant.facts.documents.push(DocumentKind::Passport);
        let mut c = cmd("work_permit", w.applicant.id, false);
        c.consent = true;
        let e = decide(&w.facts(), &c).unwrap_err();
        assert_eq!(
            (e.code, e.details["field"].as_str()),
            ("case.employer.required", Some("employer.name"))
        );
        c.employer = Some(Employer::parse(" شرکت ساختمانی البرز ", "۱۰۱۰-۱۲/۳").unwrap());
        let plan = decide(&w.facts(), &c).unwrap();
        assert_eq!(
            plan.employer.as_ref().unwrap().claim(),
            "شرکت ساختمانی البرز (1010-12/3)"
        );
        assert!(plan.consent);
        let card = World::new("card_renewal", Standing::Alone);
        let mut c = cmd("card_renewal", card.applicant.id, false);
        c.employer = Some(Employer::parse("شرکت", "").unwrap());
        let e = decide(&card.facts(), &c).unwrap_err();
        assert_eq!(
            (e.code, e.details["field"].as_str()),
            ("case.employer.not_allowed", Some("employer"))
        );
        // An employer is checked before anything about the person.
        let mut dead = World::new("card_renewal", Standing::Member(HouseholdId::new()));
        dead.applicant.facts.status = PersonStatus::Deceased;
        let mut c = cmd("card_renewal", dead.applicant.id, false);
        c.employer = Some(Employer::parse("شرکت", "").unwrap());
        assert_eq!(
            decide(&dead.facts(), &c).unwrap_err().code,
            "case.employer.not_allowed"
        );
    }

    #[test]
    fn the_first_step_is_due_in_working_days_and_fees_follow_the_opening_year() {
        // Opened on the last working days of 1403: the clock crosses Nowruz, fees are 1403's.
        let mut w = World::new("registration_status_certificate", Standing::Alone);
        w.today = day("1403/12/28");
        let plan = w.open(false).unwrap();
        assert_eq!(plan.step_started_on, w.today);
        assert_eq!(plan.due_on, w.cal.add_working_days(w.today, 1).unwrap());
        assert!(plan.due_on > day("1404/01/04"), "{}", plan.due_on);
        assert_eq!(plan.fee_year, 1403);
        assert_eq!(plan.fees_due[0].rials, 500_000);
        assert_eq!(plan.reference("THR-01", 1), "THR-01-1403-00001");
        assert_eq!(plan.reference("MSH-02", 123_456), "MSH-02-1403-123456");
        // Outside the calendar's years: a clear error, nothing planned.
        w.today = day("1407/05/01");
        assert_eq!(
            w.open(false).unwrap_err().code,
            "calendar.date.out_of_range"
        );
    }

    #[test]
    fn a_duplicate_names_the_open_case() {
        let e = duplicate("THR-01-1405-00007");
        assert_eq!((e.code, e.kind.status()), ("case.duplicate", 409));
        assert_eq!(e.details["reference"], "THR-01-1405-00007");
    }
}
