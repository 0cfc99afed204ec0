//! The service catalog, holidays and cases on SQLite and on PostgreSQL: loading the Iran profile
//! (every one of its 24 definitions), versions and stale updates, holiday editing, every workflow
//! guard, SLA due dates across Nowruz, weekends and a year boundary (checked against day-by-day
//! counting), the clock pausing while a case waits for the applicant, payments against the
//! schedule, escalation of overdue cases, and office scoping.

use crate::fixtures::{ctx, office};
use daftar_domain::calendar::{CalendarProfile, Holiday, HolidayKind, WorkCalendar};
use daftar_domain::case::{CaseDocument, Employer, QueueFilter, RecordPayment};
use daftar_domain::ids::{CaseDocumentId, OfficeId};
use daftar_domain::jalali::JalaliDate;
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, Reach, system_reach, system_scope};
use daftar_domain::person::{PersonDraft, Sex};
use daftar_domain::service::{Catalog, EvidenceKind};
use daftar_domain::store::Store;
use daftar_domain::usecase::decide_step::DecideStep;
use daftar_domain::usecase::open_case::OpenCase;
use daftar_testkit::Register;
use daftar_testkit::both_backends;
use time::Date;

const SERVICES: &str = include_str!("../../../../profiles/ir/services.toml");
const CALENDAR: &str = include_str!("../../../../profiles/ir/calendar.toml");

fn day(jalali: &str) -> Date {
    JalaliDate::parse(jalali).unwrap().iso()
}

/// The store with the Iran profile loaded, and the calendar over its holidays.
fn profile(s: &dyn Store) -> WorkCalendar {
    let catalog = Catalog::from_toml(SERVICES).unwrap();
    let cal = CalendarProfile::from_toml(CALENDAR).unwrap();
    assert_eq!(s.load_catalog(&ctx(), &catalog).unwrap(), 24);
    assert_eq!(
        s.load_catalog(&ctx(), &catalog).unwrap(),
        0,
        "loading twice adds nothing"
    );
    s.load_holidays(&ctx(), &cal.holidays).unwrap();
    assert_eq!(
        s.load_holidays(&ctx(), &cal.holidays).unwrap(),
        0,
        "loading twice adds nothing"
    );
    cal.with_holidays(s.holidays().unwrap()).unwrap()
}

/// The n-th working day after `start`, walking one day at a time over the stored holidays.
fn walk(s: &dyn Store, start: Date, n: u32) -> Date {
    let holidays: Vec<Date> = s.holidays().unwrap().iter().map(|h| h.date.iso()).collect();
    let working = |d: Date| {
        !matches!(d.weekday(), time::Weekday::Thursday | time::Weekday::Friday)
            && !holidays.contains(&d)
    };
    let (mut d, mut left) = (start, n);
    while left > 0 {
        d = d.next_day().unwrap();
        if working(d) {
            left -= 1;
        }
    }
    d
}

fn person(s: &dyn Store, office: OfficeId, name: &str) -> String {
    s.register(
        &ctx(),
        &system_scope(office, Permission::PersonWrite),
        &PersonDraft {
            given_name: name.into(),
            family_name: "رضایی".into(),
            father_name: "رحیم".into(),
            birth_date: Some("1990-01-02".into()),
            sex: Sex::Male,
            nationality: "AFG".into(),
            ..PersonDraft::default()
        },
    )
    .unwrap()
    .id
    .to_string()
}

fn evidence(kind: EvidenceKind) -> CaseDocument {
    CaseDocument {
        id: CaseDocumentId::new(),
        kind,
        filename: "scan.pdf".into(),
        content_type: "application/pdf".into(),
        size: 10,
        sha256: "0".repeat(64),
        uploaded_at: daftar_domain::audit::truncate_ms(time::OffsetDateTime::now_utc()),
    }
}

/// A change as the edge parses it (a malformed one is its parse error).
fn act(action: &str) -> daftar_domain::Result<DecideStep> {
    DecideStep::parse(action, None, "", false)
}

/// Opening `service` for `person`, alone, as the edge parses it.
fn new_case(service: &str, person: &str) -> OpenCase {
    OpenCase::parse(service, person, false, false, None, "").unwrap()
}

both_backends! {
    fn a_year_added_to_the_calendar_file_loads_and_edited_years_stay(db) {
        let s = db.store();
        let cal = CalendarProfile::from_toml(CALENDAR).unwrap();
        let old: Vec<Holiday> = cal.holidays.iter().filter(|h| h.date.year() < 1406).cloned().collect();
        let n_1406 = cal.holidays.len() - old.len();
        assert!(n_1406 >= 20, "{n_1406}");
        assert_eq!(s.load_holidays(&ctx(), &old).unwrap() as usize, old.len());
        // An admin removes a 1404 holiday; then the file gains 1406.
        let removed = old.iter().find(|h| h.date.year() == 1404).unwrap().date.iso();
        s.remove_holiday(&ctx(), &system_reach(Permission::CatalogManage), removed).unwrap();
        assert_eq!(s.load_holidays(&ctx(), &cal.holidays).unwrap() as usize, n_1406);
        let stored = s.holidays().unwrap();
        assert_eq!(stored.len(), cal.holidays.len() - 1);
        assert!(!stored.iter().any(|h| h.date.iso() == removed), "the admin's removal stays");
        assert_eq!(s.load_holidays(&ctx(), &cal.holidays).unwrap(), 0);
    }

    fn every_service_of_the_profile_loads_and_versions_are_kept(db) {
        let s = db.store();
        profile(s.as_ref());
        let all = s.services().unwrap();
        assert_eq!(all.len(), 24);
        for r in &all {
            r.definition.validate().unwrap();
            assert_eq!(r.version, 1);
            // What is stored is what the file says.
            let again = s.service(r.definition.code.as_str()).unwrap();
            assert_eq!(again.definition, r.definition);
        }
        let admin = system_reach(Permission::CatalogManage);
        let mut def = s.service("travel_permit").unwrap().definition;
        def.steps[0].sla_days += 1;
        let v2 = s.update_service(&ctx(), &admin, &def, 1, &note("one more day")).unwrap();
        assert_eq!(v2.version, 2);
        assert_eq!(v2.definition.steps[0].sla_days, def.steps[0].sla_days);
        let stale = s.update_service(&ctx(), &admin, &def, 1, &note("again")).unwrap_err();
        assert_eq!((stale.code, stale.kind.status()), ("service.version.stale", 412));
        let history = s.service_history("travel_permit").unwrap();
        assert_eq!(history.iter().map(|h| h.version).collect::<Vec<_>>(), vec![2, 1]);
        assert_eq!(history[0].note, "one more day");
        // Without catalog.manage: refused; an invalid definition: refused, nothing written.
        let clerkish = system_reach(Permission::PersonWrite);
        assert_eq!(s.update_service(&ctx(), &clerkish, &def, 2, &note("")).unwrap_err().code, "auth.forbidden");
        let mut bad = def.clone();
        bad.steps.clear();
        assert_eq!(s.update_service(&ctx(), &admin, &bad, 2, &note("")).unwrap_err().code, "service.definition.invalid");
        assert_eq!(s.service("travel_permit").unwrap().version, 2);
        assert_eq!(s.service("nope").unwrap_err().code, "service.not_found");
    }

    fn holidays_are_edited_and_move_due_dates(db) {
        let s = db.store();
        let cal = profile(s.as_ref());
        assert!(s.holidays().unwrap().len() >= 70, "1403–1405 holidays loaded");
        // Monday 1405/10/07 + 1 working day is Tuesday 1405/10/08 ...
        let start = day("1405/10/07");
        assert_eq!(cal.add_working_days(start, 1).unwrap(), day("1405/10/08"));
        let admin = system_reach(Permission::CatalogManage);
        let h = Holiday {
            date: JalaliDate::parse("1405/10/08").unwrap(),
            name_fa: "تعطیلی آزمایشی".into(),
            name_en: "Test holiday".into(),
            kind: HolidayKind::Fixed,
        };
        s.set_holiday(&ctx(), &admin, &h).unwrap();
        let cal2 = CalendarProfile::from_toml(CALENDAR).unwrap().with_holidays(s.holidays().unwrap()).unwrap();
        // ... and Wednesday 1405/10/09 once that Tuesday is a holiday.
        assert_eq!(cal2.add_working_days(start, 1).unwrap(), day("1405/10/09"));
        s.remove_holiday(&ctx(), &admin, h.date.iso()).unwrap();
        assert_eq!(s.remove_holiday(&ctx(), &admin, h.date.iso()).unwrap_err().code, "holiday.not_found");
        let clerkish: Reach = system_reach(Permission::PersonWrite);
        assert_eq!(s.set_holiday(&ctx(), &clerkish, &h).unwrap_err().code, "auth.forbidden");
        // Out of the calendar's years: a clear error.
        assert_eq!(cal.add_working_days(day("1407/05/01"), 1).unwrap_err().code, "calendar.date.out_of_range");
    }

    fn a_case_goes_through_every_guard_with_sla_dates_across_nowruz(db) {
        let s = db.store();
        let cal = profile(s.as_ref());
        let a = office(s.as_ref(), "THR-01");
        let b = office(s.as_ref(), "MSH-01");
        let pid = person(s.as_ref(), a, "جواد");
        let write = system_scope(a, Permission::PersonWrite);
        let read = system_scope(a, Permission::PersonRead);
        // Opened on the last working days of 1403: the first step's clock crosses Nowruz.
        let opened = day("1403/12/28");
        let v = s.open_case(&ctx(), &write, &new_case("registration_status_certificate", &pid), &cal, opened).unwrap();
        let id = v.case.id;
        assert_eq!(v.case.due_on, Some(walk(s.as_ref(), opened, 1)));
        assert!(v.case.due_on.unwrap() > day("1404/01/04"), "Nowruz holidays do not count: {:?}", v.case.due_on);
        assert_eq!(v.case.reference, "THR-01-1403-00001");
        // The fee is the one published for the case's year, 1403.
        assert_eq!(v.fees_due[0].rials, 500_000);
        // Another office: not found; a duplicate: refused; unknown service: not found.
        let other = system_scope(b, Permission::PersonRead);
        assert_eq!(s.get_case(&ctx(), &other, id).unwrap_err().code, "case.not_found");
        let again = new_case("registration_status_certificate", &pid);
        assert_eq!(s.open_case(&ctx(), &write, &again, &cal, opened).unwrap_err().code, "case.duplicate");
        let unknown = new_case("nope", &pid);
        assert_eq!(s.open_case(&ctx(), &write, &unknown, &cal, opened).unwrap_err().code, "service.not_found");

        let today = day("1404/01/05");
        let change = |role: &str, version: i64, c: &daftar_domain::Result<DecideStep>| {
            s.change_case(&ctx(), &read, role, id, version, c.as_ref().map_err(Clone::clone)?, &cal, today, "IR")
        };
        // Guards in order.
        assert_eq!(change("clerk", 0, &act("complete")).unwrap_err().code, "case.version.stale");
        assert_eq!(change("auditor", 1, &act("complete")).unwrap_err().code, "case.role.not_allowed");
        assert_eq!(change("clerk", 1, &act("fly")).unwrap_err().code, "case.action.invalid");
        assert_eq!(change("clerk", 1, &act("reject")).unwrap_err().code, "case.reason.required");
        let e = change("clerk", 1, &act("complete")).unwrap_err();
        assert_eq!(e.code, "case.document.missing");
        assert_eq!(e.details["missing"], serde_json::json!(["signed_request"]));
        s.add_case_document(&ctx(), &write, id, &evidence(EvidenceKind::SignedRequest), &"0".repeat(64)).unwrap();
        let v = s.get_case(&ctx(), &read, id).unwrap();
        assert_eq!(change("clerk", v.case.version, &act("complete")).unwrap_err().code, "case.fee.unpaid");
        // Payments: above the schedule refused, in two parts accepted, then nothing more.
        let pay = |r: &str| s.record_payment(&ctx(), &write, id, &RecordPayment::parse("certificate", r, "cash")?, today);
        assert_eq!(pay("500001").unwrap_err().code, "payment.amount.above_schedule");
        assert_eq!(pay("0").unwrap_err().code, "payment.amount.invalid");
        let p1 = pay("۲۰۰٬۰۰۰").unwrap();
        let p2 = pay("300000").unwrap();
        assert_ne!(p1.receipt_no, p2.receipt_no);
        assert_eq!(pay("1").unwrap_err().code, "payment.amount.above_schedule");
        let check = s.check_receipt(&p2.check_code).unwrap();
        assert_eq!((check.rials, check.office_code.as_str()), (300_000, "THR-01"));
        let v = s.get_case(&ctx(), &read, id).unwrap();
        let v = change("clerk", v.case.version, &act("complete")).unwrap();
        assert_eq!(v.case.step, 1);
        assert_eq!(v.case.due_on, Some(walk(s.as_ref(), today, 2)));
        // The approval step is the office manager's: a return pauses the clock ...
        assert_eq!(change("clerk", v.case.version, &act("complete")).unwrap_err().code, "case.role.not_allowed");
        let v = change("office_manager", v.case.version, &DecideStep::parse("return", None, "امضا ندارد", false)).unwrap();
        assert_eq!(v.case.due_on, None);
        assert_eq!(v.case.paused_remaining, Some(2));
        assert_eq!(change("clerk", v.case.version, &act("complete")).unwrap_err().code, "case.transition.not_allowed");
        // ... and resuming on a later day gives the days that were left from that day on.
        let later = day("1404/01/20");
        let v = s.change_case(&ctx(), &read, "clerk", id, v.case.version, &act("resume").unwrap(), &cal, later, "IR").unwrap();
        assert_eq!(v.case.due_on, Some(walk(s.as_ref(), later, 2)));
        let v = s.change_case(&ctx(), &read, "office_manager", id, v.case.version, &act("complete").unwrap(), &cal, later, "IR").unwrap();
        let v = s.change_case(&ctx(), &read, "clerk", id, v.case.version, &act("complete").unwrap(), &cal, later, "IR").unwrap();
        assert_eq!(v.case.state.code(), "approved");
        assert_eq!(v.members[0].outcome.code(), "approved");
        assert_eq!(s.change_case(&ctx(), &read, "office_manager", id, v.case.version, &act("cancel").unwrap(), &cal, later, "IR").unwrap_err().code, "case.transition.not_allowed");
        let kinds: Vec<&str> = v.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["case.open", "case.document.add", "case.payment", "case.payment", "case.step.complete", "case.return", "case.resume", "case.step.complete", "case.approve"]);
        // Nothing of this office's cases in the other office's queue.
        let q = s.case_queue(&ctx(), &other, QueueFilter::Closed, later, PageRequest { page: 1, per_page: 50 }).unwrap();
        assert_eq!(q.total, 0);
        let q = s.case_queue(&ctx(), &read, QueueFilter::Closed, later, PageRequest { page: 1, per_page: 50 }).unwrap();
        assert_eq!(q.total, 1);
    }

    fn overdue_cases_escalate_to_the_manager_then_the_authority(db) {
        let s = db.store();
        let cal = profile(s.as_ref());
        let a = office(s.as_ref(), "THR-01");
        let write = system_scope(a, Permission::PersonWrite);
        let read = system_scope(a, Permission::PersonRead);
        let opened = day("1405/02/05");
        let mut ids = vec![];
        for name in ["علی", "رضا"] {
            let pid = person(s.as_ref(), a, name);
            let v = s.open_case(&ctx(), &write, &new_case("registration_status_certificate", &pid), &cal, opened).unwrap();
            ids.push(v.case.id);
        }
        let due = walk(s.as_ref(), opened, 1);
        // On the due day nothing happens; the next working day both go to the manager.
        assert_eq!(s.escalate_overdue(&ctx(), &cal, due, 3).unwrap(), 0);
        let next = walk(s.as_ref(), due, 1);
        assert_eq!(s.escalate_overdue(&ctx(), &cal, next, 3).unwrap(), 2);
        assert_eq!(s.escalate_overdue(&ctx(), &cal, next, 3).unwrap(), 0, "once per level");
        let v = s.get_case(&ctx(), &read, ids[0]).unwrap();
        assert_eq!(v.case.escalation, 1);
        // Three working days past due: to the authority.
        let late = walk(s.as_ref(), due, 3);
        assert_eq!(s.escalate_overdue(&ctx(), &cal, late, 3).unwrap(), 2);
        let v = s.get_case(&ctx(), &read, ids[1]).unwrap();
        assert_eq!(v.case.escalation, 2);
        assert!(v.events.iter().any(|e| e.kind == "case.escalate"));
        let overdue = s.case_queue(&ctx(), &read, QueueFilter::Overdue, late, PageRequest { page: 1, per_page: 50 }).unwrap();
        assert_eq!(overdue.total, 2);
        // Issue 21.10: the home pages' counts agree with the queue and write no audit row.
        let other = office(s.as_ref(), "MSH-01");
        let audit_rows = || s.audit_page(&daftar_domain::store::AuditFilter::default(), PageRequest { page: 1, per_page: 1 }).unwrap().total;
        let before = audit_rows();
        let all = s.case_counts(&system_reach(Permission::AggregateRead), late).unwrap();
        assert_eq!(all.len(), 2, "{all:?}");
        let thr = all.iter().find(|c| c.office_id == a).unwrap();
        assert_eq!((thr.active, thr.due_today, thr.overdue, thr.waiting), (2, 0, 2, 0), "{thr:?}");
        assert_eq!((thr.escalated_manager, thr.escalated_authority), (0, 2), "{thr:?}");
        let msh = all.iter().find(|c| c.office_id == other).unwrap();
        assert_eq!((msh.active, msh.overdue), (0, 0));
        let own = s.case_counts(&Reach::Office(read), due).unwrap();
        assert_eq!(own.len(), 1, "one office's reach counts that office only");
        assert_eq!((own[0].due_today, own[0].overdue, own[0].escalated_authority), (2, 0, 2));
        assert_eq!(audit_rows(), before, "counting is not a read of personal data");
        assert!(s.case_counts(&system_reach(Permission::PersonWrite), late).is_err());
    }

    // Two nodes open cases in one office at once: every case gets its own reference, and on
    // SQLite (one writer, the counter in the opening's transaction) they run without a gap.
    fn two_nodes_open_cases_in_one_office_with_distinct_references(db) {
        let s = db.store();
        let cal = profile(s.as_ref());
        let a = office(s.as_ref(), "THR-01");
        let write = system_scope(a, Permission::PersonWrite);
        let opened = day("1405/02/05");
        let pids: Vec<String> = (0..40).map(|i| person(s.as_ref(), a, &format!("نفر{i}"))).collect();
        let nodes = [s.clone(), db.second_store()];
        let refs: Vec<String> = std::thread::scope(|sc| {
            let runs: Vec<_> = pids
                .chunks(10)
                .enumerate()
                .map(|(i, chunk)| {
                    let (node, cal, write) = (nodes[i % 2].clone(), cal.clone(), write);
                    sc.spawn(move || {
                        chunk
                            .iter()
                            .map(|pid| node.open_case(&ctx(), &write, &new_case("registration_status_certificate", pid), &cal, opened).unwrap().case.reference)
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            runs.into_iter().flat_map(|r| r.join().unwrap()).collect()
        });
        let numbers: std::collections::BTreeSet<u64> = refs
            .iter()
            .map(|r| r.strip_prefix("THR-01-1405-").unwrap_or_else(|| panic!("{r}")).parse().unwrap())
            .collect();
        assert_eq!(numbers.len(), 40, "no reference given twice: {refs:?}");
        // A refused opening (the same person and service again) gives no reference.
        let again = s.open_case(&ctx(), &write, &new_case("registration_status_certificate", &pids[0]), &cal, opened);
        assert_eq!(again.unwrap_err().code, "case.duplicate");
        if db.backend() == daftar_testkit::Backend::Sqlite {
            assert_eq!(numbers, (1..=40).collect(), "gap-free on SQLite");
        }
        let stored: std::collections::BTreeSet<String> = s
            .case_queue(&ctx(), &system_scope(a, Permission::PersonRead), QueueFilter::Active, opened, PageRequest { page: 1, per_page: 100 })
            .unwrap()
            .items
            .into_iter()
            .map(|c| c.case.reference)
            .collect();
        assert_eq!(stored, refs.into_iter().collect(), "the references answered are the ones stored");
    }

    // Issue 17.3: two web nodes run the escalation job at the same moment: every overdue case
    // moves up once, with one event and one audit row.
    fn two_nodes_escalate_each_overdue_case_once(db) {
        let s = db.store();
        let cal = profile(s.as_ref());
        let a = office(s.as_ref(), "THR-01");
        let write = system_scope(a, Permission::PersonWrite);
        let read = system_scope(a, Permission::PersonRead);
        let opened = day("1405/02/05");
        let mut ids = vec![];
        for i in 0..12 {
            let pid = person(s.as_ref(), a, &format!("نفر{i}"));
            ids.push(s.open_case(&ctx(), &write, &new_case("registration_status_certificate", &pid), &cal, opened).unwrap().case.id);
        }
        let next = walk(s.as_ref(), walk(s.as_ref(), opened, 1), 1);
        let nodes = [s.clone(), db.second_store()];
        let moved: u64 = std::thread::scope(|sc| {
            let runs: Vec<_> = (0..4)
                .map(|i| {
                    let (node, cal) = (nodes[i % 2].clone(), cal.clone());
                    sc.spawn(move || node.escalate_overdue(&ctx(), &cal, next, 3).unwrap())
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).sum()
        });
        assert_eq!(moved, 12, "each case moved up once across the passes");
        for id in &ids {
            let v = s.get_case(&ctx(), &read, *id).unwrap();
            assert_eq!(v.case.escalation, 1);
            assert_eq!(v.events.iter().filter(|e| e.kind == "case.escalate").count(), 1, "one event");
        }
        let audit = s
            .audit_page(&daftar_domain::store::AuditFilter { action_prefix: Some("case.escalate".into()), ..Default::default() }, PageRequest { page: 1, per_page: 100 })
            .unwrap();
        assert_eq!(audit.total, 12, "one audit row per case");
    }

    fn a_work_permit_case_records_its_employer(db) {
        let s = db.store();
        let cal = profile(s.as_ref());
        let a = office(s.as_ref(), "THR-01");
        let write = system_scope(a, Permission::PersonWrite);
        let read = system_scope(a, Permission::PersonRead);
        let pid = person(s.as_ref(), a, "جواد");
        s.add_document(&ctx(), &write, pid.parse().unwrap(), &daftar_testkit::document("registration_card", "RC1", "تهران"), None).unwrap();
        let opened = day("1405/02/05");
        let permit = |employer: Option<(&str, &str)>| OpenCase::parse("work_permit", &pid, false, true, employer, "");
        let named = |name: &'static str, identifier: &'static str| Some((name, identifier));
        let long = "x".repeat(41);
        // Refused before anything is written: none, a malformed one, one for a service without.
        for (new, want) in [
            (permit(None), "case.employer.required"),
            (permit(named("", "")), "case.employer.invalid"),
            (permit(named("\u{202e}شرکت", "")), "case.employer.invalid"),
            (permit(Some(("شرکت", long.as_str()))), "case.employer.invalid"),
            (OpenCase::parse("registration_status_certificate", &pid, false, true, named("شرکت", ""), ""), "case.employer.not_allowed"),
        ] {
            let got = new.clone().and_then(|new| s.open_case(&ctx(), &write, &new, &cal, opened));
            assert_eq!(got.unwrap_err().code, want, "{new:?}");
        }
        let all = s.case_queue(&ctx(), &read, QueueFilter::Active, opened, PageRequest { page: 1, per_page: 50 }).unwrap();
        assert_eq!(all.total, 0, "nothing opened");
        // Kept as given (trimmed, Persian digits read), and read back from the database.
        let v = s.open_case(&ctx(), &write, &permit(named("  شرکت ساختمانی البرز ", "۱۰۱۰۱۲۳۴۵۶۷")).unwrap(), &cal, opened).unwrap();
        let want = Some(Employer::stored("شرکت ساختمانی البرز".into(), "10101234567".into()));
        assert_eq!(v.case.employer, want);
        assert_eq!(s.get_case(&ctx(), &read, v.case.id).unwrap().case.employer, want);
        let listed = s.case_queue(&ctx(), &read, QueueFilter::Active, opened, PageRequest { page: 1, per_page: 50 }).unwrap();
        assert_eq!(listed.items[0].case.employer, want);
        // A case without an employer reads back as none; one without an identifier keeps none.
        let other = person(s.as_ref(), a, "مریم");
        let c = s.open_case(&ctx(), &write, &new_case("registration_status_certificate", &other), &cal, opened).unwrap();
        assert_eq!(s.get_case(&ctx(), &read, c.case.id).unwrap().case.employer, None);
    }

    fn two_nodes_opening_the_same_case_at_once_open_one(db) {
        // The duplicate check runs in the writing transaction under the applicant's row lock:
        // requests racing from two nodes (two stores on one database) open one case, and every
        // other one is told which (`case.duplicate` with the reference).
        let s = db.store();
        let other = db.second_store();
        let cal = profile(s.as_ref());
        let a = office(s.as_ref(), "THR-01");
        let write = system_scope(a, Permission::PersonWrite);
        let read = system_scope(a, Permission::PersonRead);
        let opened = day("1405/02/05");
        for round in 0..3 {
            let pid = person(s.as_ref(), a, &format!("همزمان{round}"));
            let cmd = new_case("registration_status_certificate", &pid);
            let results: Vec<_> = std::thread::scope(|t| {
                let tries: Vec<_> = (0..6)
                    .map(|i| {
                        let store = if i % 2 == 0 { s.clone() } else { other.clone() };
                        let (cmd, cal, write) = (&cmd, &cal, &write);
                        t.spawn(move || store.open_case(&ctx(), write, cmd, cal, opened))
                    })
                    .collect();
                tries.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let opened_ok: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
            assert_eq!(opened_ok.len(), 1, "round {round}: {results:?}");
            let reference = &opened_ok[0].case.reference;
            for e in results.iter().filter_map(|r| r.as_ref().err()) {
                assert_eq!((e.code, &e.details["reference"]), ("case.duplicate", &serde_json::json!(reference)));
            }
        }
        let q = s.case_queue(&ctx(), &read, QueueFilter::Active, opened, PageRequest { page: 1, per_page: 50 }).unwrap();
        assert_eq!(q.total, 3);
    }
}

/// A service note as the web layer parses it.
fn note(s: &str) -> daftar_domain::service::ServiceNote {
    daftar_domain::service::ServiceNote::optional(s, "service.note.invalid", "note").unwrap()
}
