//! KPIs per office on SQLite and PostgreSQL: cases opened and decided through the workflow (a
//! rejection, a return then a rejection, a cancellation, approvals), moved to known days of a
//! Solar Hijri month, then the KPI job's figures (per office and service, and in total), the
//! month boundary, a second pass that replaces rather than adds, the province and membership
//! filters, and the scope checks.

use crate::fixtures::{at, calendar, ctx, day, office, person};
use daftar_domain::kpi::SolarMonth;
use daftar_domain::membership::NewMembership;
use daftar_domain::office::{CreateOffice, OfficeCode};
use daftar_domain::permission::{Permission, system_reach, system_scope};
use daftar_domain::usecase::decide_step::DecideStep;
use daftar_domain::usecase::open_case::OpenCase;
use daftar_testkit::both_backends;

both_backends! {
    fn the_kpi_job_counts_a_months_cases_per_office_and_service(db) {
        let s = db.store();
        let cal = calendar(s.as_ref());
        let a = office(s.as_ref(), "THR-01");
        let b = office(s.as_ref(), "THR-02");
        let fars = s
            .create_office(
                &ctx(),
                &CreateOffice::parse(OfficeCode::parse("SHZ-01").unwrap(), "دفتر", "Office", "فارس", "مرکزی").unwrap(),
            )
            .unwrap()
            .id;
        let write = system_scope(a, Permission::PersonWrite);
        let read = system_scope(a, Permission::PersonRead);
        let opened_on = day("1404/07/05");
        let mut ids = vec![];
        for (i, service) in ["registration_status_certificate"; 7].iter().enumerate() {
            let pid = person(s.as_ref(), a, &format!("نفر{i}"));
            let v = s
                .open_case(&ctx(), &write, &OpenCase::parse(service, &pid, false, false, None, "").unwrap(), &cal, opened_on)
                .unwrap();
            ids.push(v.case.id);
        }
        let change = |role: &str, i: usize, c: DecideStep| {
            let v = s.get_case(&ctx(), &read, ids[i]).unwrap();
            s.change_case(&ctx(), &read, role, ids[i], v.case.version, &c, &cal, opened_on, "IR").unwrap()
        };
        let reject = || DecideStep::parse("reject", Some("not_eligible"), "", false).unwrap();
        // 0: rejected. 1: returned, resumed, rejected. 2: cancelled. 3, 4, 5: approved (below).
        // 6: still open.
        change("clerk", 0, reject());
        change("clerk", 1, DecideStep::parse("return", None, "امضا ندارد", false).unwrap());
        change("clerk", 1, DecideStep::parse("resume", None, "", false).unwrap());
        change("clerk", 1, reject());
        change("office_manager", 2, DecideStep::parse("cancel", None, "", false).unwrap());
        // Days opened and closed: every case opened on 1404/07/05; case k closed after the
        // working days in `handling` (approvals written directly: the workflow's documents and
        // fees are not what this test is about). Case 1 went past a due date (escalated).
        let handling = [2u32, 10, 1, 3, 4, 6];
        let sql = db.sql();
        for (k, days) in handling.iter().enumerate() {
            let closed = cal.add_working_days(opened_on, *days).unwrap();
            let state = if k >= 3 { ", state = 'approved'" } else { "" };
            sql.execute_raw(&format!(
                "UPDATE cases SET opened_at = '{}', closed_at = '{}'{state} WHERE id = '{}'",
                at(opened_on),
                at(closed),
                ids[k]
            ))
            .unwrap();
        }
        sql.execute_raw(&format!("UPDATE cases SET opened_at = '{}' WHERE id = '{}'", at(opened_on), ids[6])).unwrap();
        sql.execute_raw(&format!("UPDATE cases SET escalation = 1 WHERE id = '{}'", ids[1])).unwrap();
        // A case of office B opened on the last day of Shahrivar: the month before.
        let pb = person(s.as_ref(), b, "دیگری");
        let vb = s
            .open_case(&ctx(), &system_scope(b, Permission::PersonWrite), &OpenCase::parse("registration_status_certificate", &pb, false, false, None, "").unwrap(), &cal, day("1404/06/31"))
            .unwrap();
        sql.execute_raw(&format!("UPDATE cases SET opened_at = '{}' WHERE id = '{}'", at(day("1404/06/31")), vb.case.id)).unwrap();

        let mehr = SolarMonth::new(1404, 7).unwrap();
        let months = mehr.last(2);
        let run = s.compute_kpis(&ctx(), &cal, &months).unwrap().unwrap();
        assert_eq!(run.months, 2);
        // Mehr: office A's service row and total; Shahrivar: office B's service row and total.
        assert_eq!(run.rows, 4);
        let kpi = system_scope(a, Permission::KpiRead);
        let rows = s.office_kpis(&kpi, months[0], mehr).unwrap();
        assert_eq!(rows.len(), 2, "{rows:?}");
        let total = rows.iter().find(|r| r.service.is_none()).unwrap();
        let service = rows.iter().find(|r| r.service.as_deref() == Some("registration_status_certificate")).unwrap();
        assert_eq!((total.opened, total.approved, total.rejected, total.cancelled), (7, 3, 2, 1));
        assert_eq!((total.returned, total.breached), (1, 1));
        assert_eq!(total.working_days, mehr.working_days(&cal));
        // Decided: 2, 10 (rejected), 3, 4, 6 (approved) working days: median 4, p90 10.
        assert_eq!((total.median_days, total.p90_days), (Some(4), Some(10)));
        assert_eq!(service.opened, 7);
        assert_eq!(service.median_days, Some(4));
        assert_eq!(total.rejection_rate(), Some(2.0 / 5.0));
        assert_eq!(total.breach_rate(), Some(1.0 / 6.0));
        assert_eq!(total.return_rate(), Some(1.0 / 6.0));
        // Office B's case is in Shahrivar, not Mehr.
        let rb = s.office_kpis(&system_scope(b, Permission::KpiRead), months[0], mehr).unwrap();
        assert_eq!(rb.iter().map(|r| (r.month, r.opened)).collect::<Vec<_>>(), vec![(months[0], 1), (months[0], 1)]);
        // A second pass replaces the rows.
        let again = s.compute_kpis(&ctx(), &cal, &months).unwrap().unwrap();
        assert_eq!(again.rows, 4);
        assert_eq!(s.office_kpis(&kpi, months[0], mehr).unwrap().len(), 2);

        // The province: Tehran's two offices, by code, each with its all-services rows.
        let reach = system_reach(Permission::KpiRead);
        let p = s.province_kpis(&reach, Some("تهران"), false, months[0], mehr).unwrap();
        assert_eq!(p.iter().map(|(o, r)| (o.code.as_str().to_owned(), r.len())).collect::<Vec<_>>(), vec![("THR-01".to_owned(), 1), ("THR-02".to_owned(), 1)]);
        assert!(p.iter().all(|(_, rows)| rows.iter().all(|r| r.service.is_none())));
        assert_eq!(s.province_kpis(&reach, None, false, months[0], mehr).unwrap().len(), 3);
        assert_eq!(s.kpi_provinces(&reach, false).unwrap(), vec!["تهران".to_owned(), "فارس".to_owned()]);
        // Members only: office A is the only member.
        s.record_membership(&ctx(), &system_scope(a, Permission::MembershipManage), &NewMembership::parse("KAN-THR-1", "تهران").unwrap()).unwrap();
        let m = s.province_kpis(&reach, None, true, months[0], mehr).unwrap();
        assert_eq!(m.iter().map(|(o, _)| o.id).collect::<Vec<_>>(), vec![a]);
        assert_eq!(s.kpi_provinces(&reach, true).unwrap(), vec!["تهران".to_owned()]);
        let _ = fars;
        // Scopes: another permission is refused.
        assert_eq!(s.office_kpis(&system_scope(a, Permission::OfficeRead), months[0], mehr).unwrap_err().code, "auth.forbidden");
        assert_eq!(s.province_kpis(&system_reach(Permission::AggregateRead), None, false, months[0], mehr).unwrap_err().code, "auth.forbidden");
        // The job's pass is audited, and no person was read for it.
        let audit = s.audit_page(&Default::default(), daftar_domain::page::PageRequest { page: 1, per_page: 500 }).unwrap();
        assert_eq!(audit.items.iter().filter(|r| r.action == "kpi.compute").count(), 2);
    }

    fn complaints_and_overcharge_reports_are_counted_per_office_and_month(db) {
        use daftar_domain::helpdesk::{Channel, NewTicket, TicketDraft};
        let s = db.store();
        let cal = calendar(s.as_ref());
        let a = office(s.as_ref(), "THR-01");
        let b = office(s.as_ref(), "THR-02");
        let pid = person(s.as_ref(), b, "شاکی");
        let today = daftar_domain::clock::Clock::default().today();
        let mut filed = vec![];
        // About office A: delay, overcharging, discourtesy (complaints), a question and an
        // exploitation report (not complaints about the office).
        for category in ["delay", "overcharging", "discourtesy", "question", "unpaid_wages"] {
            let t = NewTicket::parse(
                TicketDraft {
                    category: category.into(),
                    about_office: Some(a),
                    body: "متن".into(),
                    contact_name: "رحیم".into(),
                    contact_phone: "09120001111".into(),
                    ..Default::default()
                },
                Channel::Phone,
                None,
                Some(b),
            )
            .unwrap();
            filed.push(s.file_ticket(&ctx(), &t, today).unwrap().id);
        }
        let mehr = SolarMonth::new(1404, 7).unwrap();
        let in_mehr = at(day("1404/07/10"));
        let sql = db.sql();
        for id in &filed[..4] {
            sql.execute_raw(&format!("UPDATE helpdesk_tickets SET created_at = '{in_mehr}' WHERE id = '{id}'")).unwrap();
        }
        // The exploitation report is in Mehr too.
        sql.execute_raw(&format!("UPDATE helpdesk_tickets SET created_at = '{in_mehr}' WHERE id = '{}'", filed[4])).unwrap();
        // A fee complaint on a receipt of office B, in Mehr: an overcharge report for B, which
        // has no case opened or closed in Mehr.
        let case = s
            .open_case(&ctx(), &system_scope(b, Permission::PersonWrite), &OpenCase::parse("registration_status_certificate", &pid, false, false, None, "").unwrap(), &cal, today)
            .unwrap()
            .case
            .id;
        sql.execute_raw(&format!(
            "INSERT INTO payments (id, case_id, office_id, service_code, fee_code, rials, method, recorded_by, recorded_at, paid_on, receipt_no, check_code) \
             VALUES ('p1', '{case}', '{b}', 'registration_status_certificate', 'base', 1000, 'cash', 'clerk', '{in_mehr}', '{}', 'R-1', 'C-1')",
            daftar_domain::jalali::iso_day(day("1404/07/10"))
        ))
        .unwrap();
        sql.execute_raw(&format!("INSERT INTO fee_complaints (id, receipt_no, asked_rials, note, created_at) VALUES ('f1', 'R-1', 5000, '', '{in_mehr}')")).unwrap();

        let run = s.compute_kpis(&ctx(), &cal, &[mehr]).unwrap().unwrap();
        assert_eq!(run.rows, 2, "a total row for each office, though neither had a case in Mehr");
        let total = |o| {
            s.office_kpis(&system_scope(o, Permission::KpiRead), mehr, mehr)
                .unwrap()
                .into_iter()
                .find(|r| r.service.is_none())
                .unwrap()
        };
        let ta = total(a);
        assert_eq!((ta.opened, ta.complaints, ta.overcharges), (0, 3, 1));
        let tb = total(b);
        assert_eq!((tb.complaints, tb.overcharges), (0, 1));
        // Another month counts none of them.
        let aban = mehr.next();
        s.compute_kpis(&ctx(), &cal, &[aban]).unwrap().unwrap();
        let rows = s.office_kpis(&system_scope(a, Permission::KpiRead), aban, aban).unwrap();
        assert!(rows.iter().all(|r| r.complaints == 0 && r.overcharges == 0), "{rows:?}");
    }
}

both_backends! {
    fn appointment_no_shows_are_counted_and_arrivals_recorded_on_the_day(db) {
        let s = db.store();
        let cal = calendar(s.as_ref());
        let a = office(s.as_ref(), "THR-01");
        let write = system_scope(a, Permission::PersonWrite);
        let today = daftar_domain::clock::Clock::default().today();
        let case = |name: &str| {
            let pid = person(s.as_ref(), a, name);
            s.open_case(&ctx(), &write, &OpenCase::parse("registration_status_certificate", &pid, false, false, None, "").unwrap(), &cal, today)
                .unwrap()
                .case
                .id
        };
        let (missed_then_moved, missed, came, today_case, later) =
            (case("یک"), case("دو"), case("سه"), case("چهار"), case("پنج"));
        let soon = today + time::Duration::days(3);
        for c in [missed_then_moved, missed, came, later] {
            s.book_appointment(&ctx(), &write, c, soon, "09:00", 10).unwrap();
        }
        s.book_appointment(&ctx(), &write, today_case, today, "09:00", 10).unwrap();

        // Arrivals: on the day only, once; none without an appointment.
        let arrived = s.record_arrival(&ctx(), &write, today_case).unwrap();
        assert!(arrived.attended_at.is_some());
        assert_eq!(s.record_arrival(&ctx(), &write, today_case).unwrap_err().code, "appointment.arrival.recorded");
        assert_eq!(s.record_arrival(&ctx(), &write, later).unwrap_err().code, "appointment.arrival.day");
        let none = case("شش");
        assert_eq!(s.record_arrival(&ctx(), &write, none).unwrap_err().code, "appointment.not_found");
        let other = system_scope(office(s.as_ref(), "THR-02"), Permission::PersonWrite);
        assert_eq!(s.record_arrival(&ctx(), &other, today_case).unwrap_err().code, "appointment.not_found");
        assert_eq!(s.case_appointment(today_case).unwrap().unwrap().attended_at, arrived.attended_at);

        // Three appointments in Mehr 1404: one missed then booked again (kept as missed), one
        // missed and still booked, one the person came to.
        let mehr = SolarMonth::new(1404, 7).unwrap();
        let d = daftar_domain::jalali::iso_day(day("1404/07/10"));
        let sql = db.sql();
        for c in [missed_then_moved, missed, came] {
            sql.execute_raw(&format!("UPDATE appointments SET day = '{d}' WHERE case_id = '{c}'")).unwrap();
        }
        sql.execute_raw(&format!("UPDATE appointments SET attended_at = '{}' WHERE case_id = '{came}'", at(day("1404/07/10")))).unwrap();
        s.book_appointment(&ctx(), &write, missed_then_moved, soon, "10:00", 10).unwrap();
        // Moving an appointment before its day is not a no-show.
        s.book_appointment(&ctx(), &write, later, soon + time::Duration::days(1), "10:00", 10).unwrap();

        s.compute_kpis(&ctx(), &cal, &[mehr]).unwrap().unwrap();
        let total = s
            .office_kpis(&system_scope(a, Permission::KpiRead), mehr, mehr)
            .unwrap()
            .into_iter()
            .find(|r| r.service.is_none())
            .unwrap();
        assert_eq!(total.no_shows, 2, "{total:?}");
        // This month's appointments are still to come: none counted.
        let now = SolarMonth::of(today);
        s.compute_kpis(&ctx(), &cal, &[now]).unwrap().unwrap();
        let rows = s.office_kpis(&system_scope(a, Permission::KpiRead), now, now).unwrap();
        assert!(rows.iter().all(|r| r.no_shows == 0), "{rows:?}");
    }
}
