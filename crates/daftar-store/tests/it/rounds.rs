//! Registration rounds on SQLite and PostgreSQL: opening a round assigns every eligible person
//! to the office holding their record with their household and records the invitation; an
//! approved case of the round's service moves the office's counters and the day's count in the
//! approving transaction; the not-yet-seen list is one office's, without any address, and
//! audited; extensions are checked and audited; a previous round and a card series select.

use crate::fixtures::{ctx, office};
use daftar_domain::calendar::{CalendarProfile, WorkCalendar};
use daftar_domain::case::{CaseDocument, RecordPayment};
use daftar_domain::clock::Clock;
use daftar_domain::ids::{CaseDocumentId, OfficeId, RoundId};
use daftar_domain::jalali::JalaliDate;
use daftar_domain::office::{CreateOffice, OfficeCode};
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, Reach, system_reach, system_scope};
use daftar_domain::person::{DocumentDraft, Person, PersonDraft, Sex};
use daftar_domain::round::{Eligibility, ExtendRound, NewRound, total};
use daftar_domain::service::{Catalog, EvidenceKind};
use daftar_domain::store::{AuditFilter, Store};
use daftar_domain::usecase::decide_step::DecideStep;
use daftar_domain::usecase::open_case::OpenCase;
use daftar_testkit::{Register, both_backends};
use std::collections::BTreeSet;

const SERVICES: &str = include_str!("../../../../profiles/ir/services.toml");
const CALENDAR: &str = include_str!("../../../../profiles/ir/calendar.toml");
pub(crate) const PHONE: &str = "09121112233";
const ADDRESS: &str = "کوچهٔ یاس پلاک ۷";

pub(crate) fn profile(s: &dyn Store) -> WorkCalendar {
    let catalog = Catalog::from_toml(SERVICES).unwrap();
    let cal = CalendarProfile::from_toml(CALENDAR).unwrap();
    s.load_catalog(&ctx(), &catalog).unwrap();
    s.load_holidays(&ctx(), &cal.holidays).unwrap();
    cal.with_holidays(s.holidays().unwrap()).unwrap()
}

fn person(
    s: &dyn Store,
    office: OfficeId,
    name: &str,
    card: &str,
    status_departed: bool,
) -> Person {
    let p = s
        .register(
            &ctx(),
            &system_scope(office, Permission::PersonWrite),
            &PersonDraft {
                given_name: name.into(),
                family_name: "حسینی".into(),
                father_name: "رحیم".into(),
                birth_date: Some("1990-01-02".into()),
                sex: Sex::Female,
                nationality: "AFG".into(),
                phone: PHONE.into(),
                address: ADDRESS.into(),
                province: "تهران".into(),
                district: "شهرری‌جنوبی".into(),
                documents: vec![DocumentDraft {
                    kind: "registration_card".into(),
                    number: card.into(),
                    ..DocumentDraft::default()
                }],
                ..PersonDraft::default()
            },
        )
        .unwrap();
    if status_departed {
        s.set_person_status(
            &ctx(),
            &system_scope(office, Permission::PersonWrite),
            p.id,
            &daftar_domain::person::ChangeStatus::parse("departed", "").unwrap(),
            None,
        )
        .unwrap();
    }
    p
}

/// A household of three at `office` (cards numbered `<prefix>1..3`), returns the head.
pub(crate) fn household(s: &dyn Store, office: OfficeId, prefix: &str) -> (Person, Vec<Person>) {
    let scope = system_scope(office, Permission::PersonWrite);
    let head = person(s, office, "زهرا", &format!("{prefix}1"), false);
    let others = vec![
        person(s, office, "کریم", &format!("{prefix}2"), false),
        person(s, office, "سارا", &format!("{prefix}3"), false),
    ];
    let h = s.create_household(&ctx(), &scope, head.id).unwrap();
    for (p, rel) in [(&others[0], "spouse"), (&others[1], "child")] {
        s.add_household_member(
            &ctx(),
            &scope,
            h.household.id,
            &daftar_domain::household::AddMember::parse(Some(p.id), "", rel, false).unwrap(),
            None,
        )
        .unwrap();
    }
    (head, others)
}

fn evidence(kind: EvidenceKind) -> CaseDocument {
    CaseDocument {
        id: CaseDocumentId::new(),
        kind,
        filename: "scan.pdf".into(),
        content_type: "application/pdf".into(),
        size: 10,
        sha256: "0".repeat(64),
        uploaded_at: daftar_domain::audit::truncate_ms(Clock::default().now()),
    }
}

/// A card renewal for `head`'s household, taken through its three steps on `today`.
pub(crate) fn renew(
    s: &dyn Store,
    office: OfficeId,
    head: &Person,
    cal: &WorkCalendar,
    today: time::Date,
) {
    let write = system_scope(office, Permission::PersonWrite);
    let read = system_scope(office, Permission::PersonRead);
    let cmd = OpenCase::parse("card_renewal", &head.id.to_string(), true, false, None, "").unwrap();
    let v = s.open_case(&ctx(), &write, &cmd, cal, today).unwrap();
    let id = v.case.id;
    for k in [EvidenceKind::Photo, EvidenceKind::RegistrationCard] {
        s.add_case_document(&ctx(), &write, id, &evidence(k), &"0".repeat(64))
            .unwrap();
    }
    let fee = &v.fees_due[0];
    s.record_payment(
        &ctx(),
        &write,
        id,
        &RecordPayment::parse(&fee.code, &fee.rials.to_string(), "cash").unwrap(),
        today,
    )
    .unwrap();
    let complete = DecideStep::parse("complete", None, "", false).unwrap();
    let mut version = s.get_case(&ctx(), &read, id).unwrap().case.version;
    for role in ["clerk", "office_manager", "clerk"] {
        let v = s
            .change_case(
                &ctx(),
                &read,
                role,
                id,
                version,
                &complete,
                cal,
                today,
                "IR",
            )
            .unwrap();
        version = v.case.version;
    }
}

fn catalogue() -> BTreeSet<String> {
    [
        "card_renewal".to_owned(),
        "registration_status_certificate".to_owned(),
    ]
    .into_iter()
    .collect()
}

pub(crate) fn new_round(name: &str, today: time::Date, e: Eligibility, quotas: &str) -> NewRound {
    let opens = JalaliDate::from_iso(today).format_numeric(false);
    let closes = JalaliDate::from_iso(today + time::Duration::days(30)).format_numeric(false);
    NewRound::parse(
        name,
        &opens,
        &closes,
        &["card_renewal".into()],
        &catalogue(),
        e,
        "40",
        quotas,
        today,
    )
    .unwrap()
}

pub(crate) fn everyone() -> Eligibility {
    Eligibility::parse(&[], "", "", ("", "", ""), "").unwrap()
}

fn aggregate() -> Reach {
    system_reach(Permission::AggregateRead)
}

both_backends! {
    fn a_round_assigns_invites_and_counts_as_cases_are_approved(db) {
        let s = db.store();
        let cal = profile(s.as_ref());
        let today = Clock::default().today();
        let a = office(s.as_ref(), "THR-01");
        let b = s
            .create_office(
                &ctx(),
                &CreateOffice::parse(OfficeCode::parse("MHD-01").unwrap(), "مشهد", "Mashhad", "خراسان رضوی", "مشهد").unwrap(),
            )
            .unwrap()
            .id;
        let (head, others) = household(s.as_ref(), a, "RC150000");
        let single = person(s.as_ref(), a, "مریم", "RC160001", false);
        let _gone = person(s.as_ref(), a, "رفته", "RC160002", true);
        let in_b = person(s.as_ref(), b, "نرگس", "RC170001", false);

        // Only the authority opens a round.
        let one_office = Reach::Office(system_scope(a, Permission::RoundManage));
        let r = new_round("تمدید ۱۴۰۵", today, everyone(), "MHD-01 10 5");
        assert_eq!(s.open_round(&ctx(), &one_office, &r).unwrap_err().code, "auth.forbidden");
        assert_eq!(s.open_round(&ctx(), &aggregate(), &r).unwrap_err().code, "auth.forbidden");
        let bad = new_round("x", today, everyone(), "ZZZ-99 1 1");
        assert_eq!(s.open_round(&ctx(), &system_reach(Permission::RoundManage), &bad).unwrap_err().code, "round.quota.office");

        let v = s.open_round(&ctx(), &system_reach(Permission::RoundManage), &r).unwrap();
        let id = v.round.id;
        assert_eq!(v.invited, 5, "the departed person is not called");
        assert_eq!(v.round.version, 1);
        assert_eq!(s.rounds().unwrap().len(), 1);
        let c = s.round_coverage(&aggregate(), id).unwrap();
        assert_eq!(c.offices.len(), 2);
        let oa = c.offices.iter().find(|o| o.office_id == a).unwrap();
        assert_eq!((oa.expected, oa.renewed, oa.households, oa.households_open), (4, 0, 2, 2));
        assert_eq!((oa.quota, oa.capacity), (4, 40), "default quota: the persons assigned");
        let ob = c.offices.iter().find(|o| o.office_id == b).unwrap();
        assert_eq!((ob.expected, ob.quota, ob.capacity, ob.province.as_str()), (1, 10, 5, "خراسان رضوی"));
        assert!(c.days.is_empty());

        // The household's renewal moves office A's counters and today's count at once.
        renew(s.as_ref(), a, &head, &cal, today);
        let c = s.round_coverage(&aggregate(), id).unwrap();
        let oa = c.offices.iter().find(|o| o.office_id == a).unwrap();
        assert_eq!((oa.expected, oa.renewed, oa.households_open), (4, 3, 1));
        assert_eq!(c.days.len(), 1);
        assert_eq!((c.days[0].day, c.days[0].renewed), (today, 3));
        assert_eq!(total(&c.offices).renewed, 3);
        // One office's reach sees its office only.
        let only_b = s.round_coverage(&Reach::Office(system_scope(b, Permission::AggregateRead)), id).unwrap();
        assert_eq!(only_b.offices.len(), 1);
        assert!(only_b.days.is_empty());
        assert_eq!(s.round_coverage(&system_reach(Permission::PersonWrite), id).unwrap_err().code, "auth.forbidden");
        assert_eq!(s.round_coverage(&system_reach(Permission::PersonRead), id).unwrap_err().code, "auth.forbidden", "person.read reaches one office's counts only");
        let own = s.round_coverage(&Reach::Office(system_scope(a, Permission::PersonRead)), id).unwrap();
        assert_eq!(own.offices.iter().map(|o| o.office_id).collect::<Vec<_>>(), [a]);

        // Not yet seen: office A's single person only, with a phone and no address.
        let read_a = system_scope(a, Permission::PersonRead);
        let page = s.round_not_seen(&ctx(), &read_a, id, PageRequest::default()).unwrap();
        assert_eq!(page.total, 1);
        let w = &page.items[0];
        assert_eq!((w.person_id, w.phone.as_str(), w.head), (single.id, PHONE, true));
        let json = serde_json::to_string(&page.items).unwrap();
        assert!(!json.contains(ADDRESS) && !json.contains("شهرری") && !json.contains("address"), "{json}");
        let page_b = s.round_not_seen(&ctx(), &system_scope(b, Permission::PersonRead), id, PageRequest::default()).unwrap();
        assert_eq!(page_b.items.iter().map(|w| w.person_id).collect::<Vec<_>>(), [in_b.id]);
        assert_eq!(s.round_not_seen(&ctx(), &system_scope(a, Permission::OfficeRead), id, PageRequest::default()).unwrap_err().code, "auth.forbidden");
        assert_eq!(s.round_not_seen(&ctx(), &read_a, RoundId::new(), PageRequest::default()).unwrap_err().code, "round.not_found");
        let audit = s.audit_page(&AuditFilter { action_prefix: Some("round.".into()), ..AuditFilter::default() }, PageRequest { page: 1, per_page: 50 }).unwrap();
        let views: Vec<_> = audit.items.iter().filter(|r| r.action == "round.not_seen").collect();
        assert_eq!(views.len(), 2, "every view is audited");
        assert!(views.iter().any(|r| r.target_id == a.to_string() && serde_json::from_str::<serde_json::Value>(&r.details).unwrap()["persons"] == serde_json::json!([single.id.to_string()])));
        // The person sees the view in their own access log ("shown in a list").
        let log = s.person_access_log(&ctx(), &read_a, single.id, PageRequest::default()).unwrap();
        assert!(log.items.iter().any(|e| e.action == "round.not_seen"), "{:?}", log.items);
        let log = s.person_access_log(&ctx(), &read_a, head.id, PageRequest::default()).unwrap();
        assert!(!log.items.iter().any(|e| e.action == "round.not_seen"), "the head was not on the list");
        assert!(audit.items.iter().any(|r| r.action == "round.open" && serde_json::from_str::<serde_json::Value>(&r.details).unwrap()["invited"] == 5));

        // A renewal of someone already seen, or outside the round's service, moves nothing.
        let again = s.round_coverage(&aggregate(), id).unwrap();
        assert_eq!(total(&again.offices).renewed, 3);
        assert!(others.iter().all(|o| o.id != single.id));

        // Extensions: the version read, after the current close date, audited.
        let ext = ExtendRound::parse(&JalaliDate::from_iso(v.round.closes_on + time::Duration::days(10)).format_numeric(false), "ازدحام مراجعان", v.round.closes_on).unwrap();
        let manage = system_reach(Permission::RoundManage);
        assert_eq!(s.extend_round(&ctx(), &manage, id, &ext, 7).unwrap_err().code, "round.version.stale");
        assert_eq!(s.extend_round(&ctx(), &aggregate(), id, &ext, 1).unwrap_err().code, "auth.forbidden");
        assert_eq!(s.extend_round(&ctx(), &manage, RoundId::new(), &ext, 1).unwrap_err().code, "round.not_found");
        let x = s.extend_round(&ctx(), &manage, id, &ext, 1).unwrap();
        assert_eq!(x.round.closes_on, ext.closes_on);
        assert_eq!(x.round.version, 2);
        assert_eq!(x.extensions.len(), 1);
        assert_eq!((x.extensions[0].from, x.extensions[0].to), (v.round.closes_on, ext.closes_on));
        assert_eq!(s.extend_round(&ctx(), &manage, id, &ext, 2).unwrap_err().code, "round.extension.invalid");
        let audit = s.audit_page(&AuditFilter { action_prefix: Some("round.extend".into()), ..AuditFilter::default() }, PageRequest::default()).unwrap();
        assert_eq!(audit.items.len(), 1);

        // A next round: the households of the first, holders of cards RC150000x only.
        let e = Eligibility::parse(&[], "", "", ("registration_card", "RC1500001", "RC1500002"), &id.to_string()).unwrap();
        let r2 = s.open_round(&ctx(), &manage, &new_round("دوم", today, e, "")).unwrap();
        assert_eq!(r2.invited, 2, "head and spouse: in the series and in the first round");
        let e = Eligibility::parse(&[], "", "", ("", "", ""), &RoundId::new().to_string()).unwrap();
        assert_eq!(s.open_round(&ctx(), &manage, &new_round("سوم", today, e, "")).unwrap_err().code, "round.eligibility.previous");
        // The second round counts renewals from now on, independently of the first.
        let c2 = s.round_coverage(&aggregate(), r2.round.id).unwrap();
        assert_eq!(total(&c2.offices).renewed, 0);
        assert_eq!(total(&c2.offices).expected, 2);
    }

    fn a_rounds_capacity_per_day_limits_appointments_of_its_services(db) {
        let s = db.store();
        let cal = profile(s.as_ref());
        let today = Clock::default().today();
        let a = office(s.as_ref(), "THR-01");
        let write = system_scope(a, Permission::PersonWrite);
        let heads: Vec<Person> = ["RC180000", "RC181000", "RC182000"]
            .iter()
            .map(|p| household(s.as_ref(), a, p).0)
            .collect();
        let single = person(s.as_ref(), a, "مینا", "RC183001", false);
        // THR-01 may see two persons' appointments a day in this round.
        let r = new_round("تمدید ۱۴۰۵", today, everyone(), "THR-01 10 2");
        s.open_round(&ctx(), &system_reach(Permission::RoundManage), &r).unwrap();
        let renewal = |head: &Person| {
            s.open_case(&ctx(), &write, &OpenCase::parse("card_renewal", &head.id.to_string(), true, false, None, "").unwrap(), &cal, today)
                .unwrap()
                .case
                .id
        };
        let cases: Vec<_> = heads.iter().map(renewal).collect();
        let book = |case, day: time::Date, slot: &str| s.book_appointment(&ctx(), &write, case, day, slot, 10);
        book(cases[0], today, "09:00").unwrap();
        book(cases[1], today, "10:00").unwrap();
        assert_eq!(book(cases[2], today, "11:00").unwrap_err().code, "appointment.round.full");
        // Moving a booked case within the day is not one more.
        book(cases[1], today, "11:00").unwrap();
        // Another day has room; a case of a service the round does not use is not counted.
        book(cases[2], today + time::Duration::days(1), "09:00").unwrap();
        let other = s
            .open_case(&ctx(), &write, &OpenCase::parse("registration_status_certificate", &single.id.to_string(), false, false, None, "").unwrap(), &cal, today)
            .unwrap()
            .case
            .id;
        book(other, today, "12:00").unwrap();
        // After the round closes, no round limit applies.
        assert!(book(cases[2], today + time::Duration::days(40), "09:00").is_ok());
    }
}
