//! The authority's dashboard on SQLite and PostgreSQL: known registrations, renewals, cases,
//! breaches, receipts, complaints and round counters in Mehr 1404 across three offices in two
//! provinces; the KPI job's pass writes the monthly counts; the reads sum them per province,
//! district and office, for every office or one; suppression of the small cells; scope checks.

use crate::fixtures::{at, calendar, ctx, day, person};
use daftar_domain::dashboard::{Fact, Filter, Metric, protect};
use daftar_domain::ids::OfficeId;
use daftar_domain::kpi::SolarMonth;
use daftar_domain::office::{CreateOffice, OfficeCode};
use daftar_domain::permission::{Permission, Reach, system_reach, system_scope};
use daftar_domain::store::Store;
use daftar_domain::usecase::open_case::OpenCase;
use daftar_testkit::both_backends;

fn office(s: &dyn Store, code: &str, province: &str, district: &str) -> OfficeId {
    s.create_office(
        &ctx(),
        &CreateOffice::parse(
            OfficeCode::parse(code).unwrap(),
            "دفتر",
            "Office",
            province,
            district,
        )
        .unwrap(),
    )
    .unwrap()
    .id
}

/// The figure of `metric`/`key` at `place`, summed over months.
fn sum(facts: &[Fact], place: &str, metric: Metric, key: &str) -> u64 {
    facts
        .iter()
        .filter(|f| f.place == place && f.metric == metric && f.key == key)
        .map(|f| f.value)
        .sum()
}

both_backends! {
    fn the_dashboard_sums_known_figures_per_place(db) {
        let s = db.store();
        let sql = db.sql();
        let cal = calendar(s.as_ref());
        let a = office(s.as_ref(), "THR-01", "تهران", "مرکزی");
        let b = office(s.as_ref(), "THR-02", "تهران", "ری");
        let c = office(s.as_ref(), "SHZ-01", "فارس", "مرکزی");
        let mehr_day = day("1404/07/10");
        // Registrations: 6 in A, 2 in B, 7 in C, all on 1404/07/10.
        let mut persons: Vec<(OfficeId, String)> = vec![];
        for (o, n) in [(a, 6), (b, 2), (c, 7)] {
            for i in 0..n {
                persons.push((o, person(s.as_ref(), o, &format!("نفر{i}"))));
            }
        }
        sql.execute_raw(&format!("UPDATE persons SET created_at = '{}'", at(mehr_day))).unwrap();
        // Cases: A's six persons renew their cards, approved in Mehr, two of them late;
        // three of C's open a certificate case in Mehr, one rejected.
        let mut case_ids = vec![];
        for (o, pid) in &persons {
            // (A's cases are made card renewals below: opening one needs a card on file.)
            let service = if *o == a || (*o == c && case_ids.len() < 9) {
                "registration_status_certificate"
            } else {
                continue;
            };
            let v = s
                .open_case(&ctx(), &system_scope(*o, Permission::PersonWrite), &OpenCase::parse(service, pid, false, false, None, "").unwrap(), &cal, mehr_day)
                .unwrap();
            case_ids.push((*o, v.case.id));
        }
        assert_eq!(case_ids.len(), 9);
        for (i, (o, id)) in case_ids.iter().enumerate() {
            let set = if *o == a {
                format!("service_code = 'card_renewal', state = 'approved', closed_at = '{}', escalation = {}", at(day("1404/07/20")), if i < 2 { 1 } else { 0 })
            } else if i == 6 {
                format!("state = 'rejected', closed_at = '{}'", at(day("1404/07/21")))
            } else {
                "state = state".to_owned()
            };
            sql.execute_raw(&format!("UPDATE cases SET opened_at = '{}', {set} WHERE id = '{id}'", at(mehr_day))).unwrap();
        }
        // Receipts: two in A (1,000,000 rials each) and six in C (500,000), paid in Mehr; one in
        // A in Aban (outside the month).
        let pay = |n: usize, o: OfficeId, case: &str, rials: u64, paid: &str| {
            sql.execute_raw(&format!(
                "INSERT INTO payments (id, case_id, office_id, service_code, fee_code, rials, method, recorded_by, recorded_at, paid_on, receipt_no, check_code) VALUES ('P{n}', '{case}', '{o}', 'x', 'fee', {rials}, 'cash', 'test', '{}', '{}', 'R{n}', 'C{n}')",
                at(day(paid)),
                daftar_domain::jalali::iso_day(day(paid))
            ))
            .unwrap();
        };
        pay(1, a, &case_ids[0].1.to_string(), 1_000_000, "1404/07/12");
        pay(2, a, &case_ids[1].1.to_string(), 1_000_000, "1404/07/30");
        pay(3, a, &case_ids[2].1.to_string(), 1_000_000, "1404/08/01");
        for n in 0..6 {
            pay(10 + n, c, &case_ids[6 + n % 3].1.to_string(), 500_000, "1404/07/15");
        }
        // Complaints: three about A (delay), one about no office (bribe), an inquiry (not a
        // complaint) about A.
        let ticket = |n: usize, kind: &str, category: &str, about: Option<OfficeId>| {
            sql.execute_raw(&format!(
                "INSERT INTO helpdesk_tickets (id, reference, kind, category, channel, contact_name, contact_phone, anonymous, about_office_id, about_staff, body, state, due_on, answer, answered_role, created_at) VALUES ('T{n}', 'HD-{n}', '{kind}', '{category}', 'phone', 'x', '0912', FALSE, {}, '', 'x', 'open', '2026-01-01', '', '', '{}')",
                about.map_or("NULL".to_owned(), |o| format!("'{o}'")),
                at(day("1404/07/11"))
            ))
            .unwrap();
        };
        for n in 0..3 {
            ticket(n, "complaint", "delay", Some(a));
        }
        ticket(3, "complaint", "bribe", None);
        ticket(4, "inquiry", "question", Some(a));
        // A round open in Mehr (A: 6 of 10, C: 3 of 20) and one closed in 1403.
        for (id, name, opens, closes) in [("01J00000000000000000000RND", "طرح مهر", "2025-09-01", "2025-12-30"), ("01J00000000000000000000OLD", "طرح کهنه", "2024-01-01", "2024-02-01")] {
            sql.execute_raw(&format!(
                "INSERT INTO rounds (id, name, opens_on, closes_on, services, eligibility, capacity, invited, created_by, created_at, version) VALUES ('{id}', '{name}', '{opens}', '{closes}', '[\"card_renewal\"]', '{{}}', 40, 30, 'test', '{}', 1)",
                at(mehr_day)
            ))
            .unwrap();
            for (o, expected, renewed) in [(a, 10, 6), (c, 20, 3)] {
                sql.execute_raw(&format!(
                    "INSERT INTO round_offices (round_id, office_id, quota, capacity, expected, renewed, households, households_open) VALUES ('{id}', '{o}', {expected}, 40, {expected}, {renewed}, 4, 2)"
                ))
                .unwrap();
            }
        }

        let mehr = SolarMonth::new(1404, 7).unwrap();
        s.compute_kpis(&ctx(), &cal, &mehr.last(2)).unwrap().unwrap();
        let all = system_reach(Permission::AggregateRead);
        let country = Filter::parse("1404/07", "1404/07", "", "", "", mehr).unwrap();

        // Per province.
        let counts = s.dashboard_counts(&all, &country).unwrap();
        assert_eq!(sum(&counts, "تهران", Metric::Registered, ""), 8);
        assert_eq!(sum(&counts, "فارس", Metric::Registered, ""), 7);
        assert_eq!(sum(&counts, "تهران", Metric::Receipts, ""), 2, "Aban's receipt is not in Mehr");
        assert_eq!(sum(&counts, "تهران", Metric::Rials, ""), 2_000_000);
        assert_eq!(sum(&counts, "فارس", Metric::Receipts, ""), 6);
        assert_eq!(sum(&counts, "فارس", Metric::Rials, ""), 3_000_000);
        assert_eq!(sum(&counts, "تهران", Metric::Complaints, "delay"), 3);
        assert_eq!(sum(&counts, "", Metric::Complaints, "bribe"), 1, "about no office");
        assert_eq!(sum(&counts, "تهران", Metric::Complaints, "question"), 0, "inquiries are not complaints");
        let cases = s.dashboard_cases(&all, &country).unwrap();
        assert_eq!(sum(&cases, "تهران", Metric::Opened, "card_renewal"), 6);
        assert_eq!(sum(&cases, "تهران", Metric::Approved, "card_renewal"), 6);
        assert_eq!(sum(&cases, "تهران", Metric::Breached, "card_renewal"), 2);
        assert_eq!(sum(&cases, "فارس", Metric::Opened, "registration_status_certificate"), 3);
        assert_eq!(sum(&cases, "فارس", Metric::Rejected, "registration_status_certificate"), 1);
        let rounds = s.dashboard_coverage(&all, &country).unwrap();
        assert_eq!(rounds.len(), 1, "the round closed in 2024 is not in Mehr 1404");
        assert_eq!(rounds[0].name, "طرح مهر");
        let places: Vec<(String, u64, u64)> = rounds[0].places.iter().map(|p| (p.place.clone(), p.expected, p.renewed)).collect();
        assert_eq!(places, vec![("تهران".to_owned(), 10, 6), ("فارس".to_owned(), 20, 3)]);
        // Another month: nothing.
        let aban = Filter::parse("1404/06", "1404/06", "", "", "", mehr).unwrap();
        assert!(s.dashboard_counts(&all, &aban).unwrap().is_empty());

        // Per district of Tehran, per office of its central district, one office.
        let tehran = Filter::parse("1404/07", "1404/07", "تهران", "", "", mehr).unwrap();
        let counts = s.dashboard_counts(&all, &tehran).unwrap();
        assert_eq!(sum(&counts, "مرکزی", Metric::Registered, ""), 6);
        assert_eq!(sum(&counts, "ری", Metric::Registered, ""), 2);
        assert!(counts.iter().all(|f| !f.place.is_empty()), "no complaint about no office in a province");
        let central = Filter::parse("1404/07", "1404/07", "تهران", "مرکزی", "", mehr).unwrap();
        let counts = s.dashboard_counts(&all, &central).unwrap();
        assert_eq!(sum(&counts, "THR-01", Metric::Registered, ""), 6);
        assert!(counts.iter().all(|f| f.place == "THR-01"));
        let cov = s.dashboard_coverage(&all, &central).unwrap();
        assert_eq!(cov[0].places.len(), 1);
        assert_eq!((cov[0].places[0].expected, cov[0].places[0].renewed), (10, 6));

        // One office's reach (its manager) sees that office only, whatever the filter.
        let own = Reach::Office(system_scope(b, Permission::AggregateRead));
        let counts = s.dashboard_counts(&own, &country).unwrap();
        assert_eq!(counts.iter().map(|f| (f.place.as_str(), f.value)).collect::<Vec<_>>(), vec![("تهران", 2)]);
        assert!(s.dashboard_cases(&own, &country).unwrap().is_empty());
        assert!(s.dashboard_coverage(&own, &country).unwrap().is_empty());
        assert_eq!(s.dashboard_offices(&own).unwrap().len(), 1);
        let mut codes: Vec<String> = s.dashboard_offices(&all).unwrap().iter().map(|o| o.code.as_str().to_owned()).collect();
        codes.sort();
        assert_eq!(codes, vec!["SHZ-01", "THR-01", "THR-02"]);

        // Suppression: per province, complaints are 3 (Tehran) and 1 (no office): both withheld
        // and the total too; registrations 8 and 7 are shown.
        let counts = s.dashboard_counts(&all, &country).unwrap();
        let complaints = [sum(&counts, "تهران", Metric::Complaints, "delay"), sum(&counts, "", Metric::Complaints, "bribe")];
        let shown = protect(&complaints, true);
        assert_eq!((shown.cells, shown.total), (vec![None, None], None));
        let regs = [sum(&counts, "تهران", Metric::Registered, ""), sum(&counts, "فارس", Metric::Registered, "")];
        assert_eq!(protect(&regs, true).cells, vec![Some(8), Some(7)]);
        // Receipts per province 2 and 6: the 2 is withheld, and so is the 6 (else 8 - 6).
        let receipts = [sum(&counts, "تهران", Metric::Receipts, ""), sum(&counts, "فارس", Metric::Receipts, "")];
        let shown = protect(&receipts, true);
        assert_eq!((shown.cells, shown.total), (vec![None, None], Some(8)));

        // Scope: another permission is refused.
        let kpi = system_reach(Permission::KpiRead);
        assert_eq!(s.dashboard_counts(&kpi, &country).unwrap_err().code, "auth.forbidden");
        assert_eq!(s.dashboard_cases(&kpi, &country).unwrap_err().code, "auth.forbidden");
        assert_eq!(s.dashboard_coverage(&kpi, &country).unwrap_err().code, "auth.forbidden");
    }
}

/// `facts` in a fixed order, to compare two answers that need not list them alike.
fn sorted(mut facts: Vec<Fact>) -> Vec<Fact> {
    facts.sort_by(|x, y| {
        (&x.place, x.month.key(), x.metric, &x.key, x.value).cmp(&(
            &y.place,
            y.month.key(),
            y.metric,
            &y.key,
            y.value,
        ))
    });
    facts
}

/// The country view's case and count facts from the per-province roll-ups, sorted.
fn rolled(s: &dyn Store, f: &Filter) -> (Vec<Fact>, Vec<Fact>) {
    let all = system_reach(Permission::AggregateRead);
    (
        sorted(s.dashboard_cases(&all, f).unwrap()),
        sorted(s.dashboard_counts(&all, f).unwrap()),
    )
}

/// The same summed from every office's rows.
fn detailed(s: &daftar_store::SqlStore, f: &Filter) -> (Vec<Fact>, Vec<Fact>) {
    let (cases, counts) = s
        .dashboard_detailed(&system_reach(Permission::AggregateRead), f)
        .unwrap();
    (sorted(cases), sorted(counts))
}

both_backends! {
    fn the_country_roll_ups_equal_the_offices_rows_added_up(db) {
        let s = db.store();
        let sql = db.sql();
        let cal = calendar(s.as_ref());
        // The benchmark's generator, small: 3 provinces × 4 offices, cases over 13 months from
        // 1404/01, a receipt for one case in five, complaints (some about no office), persons
        // registered when their first case was opened.
        let fixture = daftar_store::synth::KpiFixture {
            provinces: 3,
            offices_per_province: 4,
            persons: 400,
            cases: 3_000,
            from: day("1404/01/01").midnight().assume_utc(),
            days: 13 * 30,
        };
        sql.load_kpi_fixture(&fixture).unwrap();
        sql.load_dashboard_extras(&fixture, 500, day("1404/06/01")).unwrap();
        sql.execute_raw("UPDATE persons SET created_at = COALESCE((SELECT MIN(c.opened_at) FROM cases c WHERE c.person_id = persons.id), created_at)").unwrap();
        sql.execute_raw("UPDATE helpdesk_tickets SET about_office_id = NULL WHERE id LIKE '%7'").unwrap();
        let last = SolarMonth::new(1405, 1).unwrap();
        let months = last.last(13);
        s.compute_kpis(&ctx(), &cal, &months).unwrap().unwrap();

        let q = |from: &str, to: &str| Filter::parse(from, to, "", "", "", last).unwrap();
        let ranges = [q("", ""), q("1404/01", "1405/01"), q("1404/05", "1404/05")];
        for f in &ranges {
            let (cases, counts) = rolled(s.as_ref(), f);
            assert_eq!((cases.clone(), counts.clone()), detailed(sql, f), "{f:?}");
            assert!(!cases.is_empty() && !counts.is_empty(), "{f:?}");
        }
        let (cases, counts) = rolled(s.as_ref(), &ranges[1]);
        let places = |facts: &[Fact]| facts.iter().map(|f| f.place.clone()).collect::<std::collections::BTreeSet<_>>();
        assert_eq!(places(&cases).len(), 3, "three provinces");
        assert!(places(&counts).contains(""), "complaints about no office");
        for m in [Metric::Registered, Metric::Receipts, Metric::Rials, Metric::Complaints] {
            assert!(counts.iter().any(|f| f.metric == m && f.value > 0), "{m:?}");
        }
        // The rows other than the country's are still read from the offices' rows.
        let all = system_reach(Permission::AggregateRead);
        let province = Filter::parse("1404/01", "1405/01", "Province 01", "", "", last).unwrap();
        assert_eq!(sorted(s.dashboard_cases(&all, &province).unwrap()), detailed(sql, &province).0);
        let per_district: u64 = s.dashboard_cases(&all, &province).unwrap().iter().filter(|f| f.metric == Metric::Opened).map(|f| f.value).sum();
        let per_province: u64 = cases.iter().filter(|f| f.place == "Province 01" && f.metric == Metric::Opened).map(|f| f.value).sum();
        assert_eq!(per_district, per_province);

        // A month computed again replaces its roll-up rows: move Mordad's cases, receipts and
        // registrations to office B0001 (Province 00) and its complaints to no office, then
        // compute Mordad alone.
        let mordad = SolarMonth::new(1404, 5).unwrap();
        let (before_cases, before_counts) = rolled(s.as_ref(), &ranges[1]);
        let (a, z) = (at(day("1404/05/01")), at(day("1404/06/01")));
        for sql_text in [
            format!("UPDATE cases SET office_id = (SELECT id FROM offices WHERE code = 'B0001') WHERE opened_at >= '{a}' AND opened_at < '{z}'"),
            format!("UPDATE payments SET office_id = (SELECT id FROM offices WHERE code = 'B0001') WHERE recorded_at >= '{a}' AND recorded_at < '{z}'"),
            format!("UPDATE persons SET office_id = (SELECT id FROM offices WHERE code = 'B0001') WHERE created_at >= '{a}' AND created_at < '{z}'"),
            format!("UPDATE helpdesk_tickets SET about_office_id = NULL WHERE created_at >= '{a}' AND created_at < '{z}'"),
        ] {
            sql.execute_raw(&sql_text).unwrap();
        }
        assert_eq!(rolled(s.as_ref(), &ranges[1]), (before_cases.clone(), before_counts.clone()), "nothing moves before the job runs");
        s.compute_kpis(&ctx(), &cal, &[mordad]).unwrap().unwrap();
        for f in &ranges {
            assert_eq!(rolled(s.as_ref(), f), detailed(sql, f), "{f:?} after Mordad was computed again");
        }
        let (after_cases, after_counts) = rolled(s.as_ref(), &ranges[1]);
        let of = |facts: &[Fact], month: SolarMonth, keep: bool| facts.iter().filter(|f| (f.month == month) == keep).cloned().collect::<Vec<_>>();
        assert_eq!(of(&after_cases, mordad, false), of(&before_cases, mordad, false), "other months unchanged");
        assert_eq!(of(&after_counts, mordad, false), of(&before_counts, mordad, false), "other months unchanged");
        let opened = |facts: &[Fact], place: &str| facts.iter().filter(|f| f.month == mordad && f.metric == Metric::Opened && f.place == place).map(|f| f.value).sum::<u64>();
        assert!(opened(&after_cases, "Province 00") > opened(&before_cases, "Province 00"));
        assert!(opened(&after_cases, "Province 02") < opened(&before_cases, "Province 02"));
        let complaints = |facts: &[Fact], place: &str| facts.iter().filter(|f| f.month == mordad && f.metric == Metric::Complaints && f.place == place).map(|f| f.value).sum::<u64>();
        assert!(complaints(&after_counts, "Province 01") < complaints(&before_counts, "Province 01"), "Mordad's complaints are about no office now");
        assert!(complaints(&after_counts, "") > complaints(&before_counts, ""));
    }
}
