//! Offices' plans on SQLite and PostgreSQL: a draft made, edited and submitted by the office,
//! returned with a comment and approved by the authority (versions, states, timeline, audit),
//! the refusals (a second plan of a kind and year, a year out of range, a stale version, a
//! change after submission, a step under the wrong permission or from the wrong state, another
//! office's plan), and the follow-up's data: plans covering a year and the KPI rows it reads.

use crate::fixtures::{at, calendar, ctx, office};
use daftar_domain::jalali::JalaliDate;
use daftar_domain::kpi::SolarMonth;
use daftar_domain::permission::{Permission, system_reach, system_scope};
use daftar_domain::plan::{PlanContent, PlanKind, PlanState, PlanStep, TargetInput, follow_up};
use daftar_testkit::both_backends;
use std::collections::BTreeSet;

fn content(kind: PlanKind, cases: &str) -> PlanContent {
    let services: BTreeSet<String> = ["card_renewal".to_owned()].into();
    PlanContent::parse(
        kind,
        "4",
        "شنبه تا چهارشنبه ۸ تا ۱۶",
        "بازدید از محله‌ها",
        &[
            TargetInput {
                year: "1".into(),
                metric: "cases".into(),
                service: String::new(),
                value: cases.into(),
            },
            TargetInput {
                year: "1".into(),
                metric: "rejection_rate".into(),
                service: String::new(),
                value: "10".into(),
            },
        ],
        &services,
    )
    .unwrap()
}

/// Content with a target for the third year (valid for a three-year plan only).
fn third_year() -> PlanContent {
    let mut c = content(PlanKind::ThreeYear, "1");
    c.targets[0].year = 3;
    c
}

both_backends! {
    fn a_plan_is_drafted_submitted_returned_and_approved(db) {
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let b = office(s.as_ref(), "THR-02");
        let year = JalaliDate::from_iso(daftar_domain::clock::Clock::default().today()).year();
        let write = system_scope(a, Permission::PlanSubmit);
        let review = system_scope(a, Permission::PlanReview);
        let p = s.create_plan(&ctx(), &write, PlanKind::OneYear, year, &content(PlanKind::OneYear, "1200")).unwrap();
        assert_eq!((p.state, p.version, p.start_year), (PlanState::Draft, 1, year));
        // One plan of a kind per office and start year; a three-year plan beside it is fine.
        let again = s.create_plan(&ctx(), &write, PlanKind::OneYear, year, &content(PlanKind::OneYear, "5")).unwrap_err();
        assert_eq!(again.code, "plan.taken");
        assert_eq!(again.details["plan_id"], p.id.to_string());
        s.create_plan(&ctx(), &write, PlanKind::ThreeYear, year, &content(PlanKind::ThreeYear, "900")).unwrap();
        for y in [year - 1, year + 4] {
            assert_eq!(s.create_plan(&ctx(), &write, PlanKind::OneYear, y, &content(PlanKind::OneYear, "1")).unwrap_err().code, "plan.year.out_of_range");
        }
        // Only the office's writer makes plans.
        assert_eq!(s.create_plan(&ctx(), &review, PlanKind::OneYear, year + 1, &content(PlanKind::OneYear, "1")).unwrap_err().code, "auth.forbidden");

        // Edit: the version must match; a three-year target year on a one-year plan is refused.
        let edited = content(PlanKind::OneYear, "1500");
        assert_eq!(s.edit_plan(&ctx(), &write, p.id, &edited, Some(7)).unwrap_err().code, "plan.version.stale");
        assert_eq!(s.edit_plan(&ctx(), &write, p.id, &edited, None).unwrap_err().code, "request.if_match.required");
        assert_eq!(s.edit_plan(&ctx(), &write, p.id, &third_year(), Some(1)).unwrap_err().code, "plan.target.year");
        let p = s.edit_plan(&ctx(), &write, p.id, &edited, Some(1)).unwrap();
        assert_eq!((p.version, p.content.targets[0].value), (2, 1500.0));

        // The authority cannot approve a draft; the office submits; then no more edits.
        assert_eq!(s.plan_step(&ctx(), &review, p.id, PlanStep::Approve, "", Some(2)).unwrap_err().code, "plan.step.not_allowed");
        assert_eq!(s.plan_step(&ctx(), &review, p.id, PlanStep::Submit, "", Some(2)).unwrap_err().code, "auth.forbidden");
        let p = s.plan_step(&ctx(), &write, p.id, PlanStep::Submit, "", Some(2)).unwrap();
        assert_eq!((p.state, p.version), (PlanState::Submitted, 3));
        assert_eq!(s.edit_plan(&ctx(), &write, p.id, &edited, Some(3)).unwrap_err().code, "plan.not_editable");
        assert_eq!(s.plan_step(&ctx(), &write, p.id, PlanStep::Approve, "", Some(3)).unwrap_err().code, "auth.forbidden");
        // Returned: a comment is required; the office edits and submits again; approved.
        assert_eq!(s.plan_step(&ctx(), &review, p.id, PlanStep::Return, " ", Some(3)).unwrap_err().code, "plan.comment.required");
        let p = s.plan_step(&ctx(), &review, p.id, PlanStep::Return, "هدف پرونده‌ها کم است", Some(3)).unwrap();
        assert_eq!(p.state, PlanState::Returned);
        let p = s.edit_plan(&ctx(), &write, p.id, &content(PlanKind::OneYear, "1800"), Some(4)).unwrap();
        let p = s.plan_step(&ctx(), &write, p.id, PlanStep::Submit, "", Some(5)).unwrap();
        let p = s.plan_step(&ctx(), &review, p.id, PlanStep::Approve, "", Some(6)).unwrap();
        assert_eq!((p.state, p.version), (PlanState::Approved, 7));
        assert_eq!(s.plan_step(&ctx(), &review, p.id, PlanStep::Return, "x", Some(7)).unwrap_err().code, "plan.step.not_allowed");

        // The timeline, and the audit rows with the plan as target.
        let (shown, events) = s.office_plan(&review, p.id).unwrap();
        assert_eq!(shown, p);
        let steps: Vec<&str> = events.iter().map(|e| e.step.as_str()).collect();
        assert_eq!(steps, ["create", "edit", "submit", "return", "edit", "submit", "approve"]);
        assert_eq!(events[3].comment, "هدف پرونده‌ها کم است");
        let audit = s.audit_page(&Default::default(), daftar_domain::page::PageRequest { page: 1, per_page: 500 }).unwrap();
        let plan_rows = audit.items.iter().filter(|r| r.action.starts_with("plan.") && r.target_id == p.id.to_string()).count();
        assert_eq!(plan_rows, 7);

        // Another office's scope finds nothing; the list is the office's own.
        let other = system_scope(b, Permission::PlanReview);
        assert_eq!(s.office_plan(&other, p.id).unwrap_err().code, "plan.not_found");
        assert!(s.office_plans(&other).unwrap().is_empty());
        assert_eq!(s.office_plans(&write).unwrap().len(), 2);
        assert_eq!(s.office_plans(&system_scope(a, Permission::KpiRead)).unwrap_err().code, "auth.forbidden");
    }

    fn the_follow_up_reads_plans_and_kpi_rows_of_the_year(db) {
        let s = db.store();
        let _cal = calendar(s.as_ref());
        let a = office(s.as_ref(), "THR-01");
        let b = office(s.as_ref(), "THR-02");
        let year = JalaliDate::from_iso(daftar_domain::clock::Clock::default().today()).year();
        let write = system_scope(a, Permission::PlanSubmit);
        let review = system_scope(a, Permission::PlanReview);
        let p = s.create_plan(&ctx(), &write, PlanKind::OneYear, year, &content(PlanKind::OneYear, "1200")).unwrap();
        s.plan_step(&ctx(), &write, p.id, PlanStep::Submit, "", Some(1)).unwrap();
        // A's first month: 40 cases (pace 100 × 0.9 = 90: behind), 1 of 10 decided rejected.
        let sql = db.sql();
        let first = SolarMonth::new(year, 1).unwrap();
        let computed = at(daftar_domain::clock::Clock::default().today());
        for (month, service, opened) in [(first.key(), "", 40), (first.key(), "card_renewal", 40), (first.prev().key(), "", 300)] {
            sql.execute_raw(&format!(
                "INSERT INTO kpi_monthly (office_id, month, service_code, working_days, opened, approved, rejected, cancelled, returned, breached, median_days, p90_days, computed_at, complaints, overcharges, no_shows) \
                 VALUES ('{a}', {month}, '{service}', 20, {opened}, 9, 1, 0, 0, 0, 3, 5, '{computed}', 0, 0, 0)"
            ))
            .unwrap();
        }
        let reach = system_reach(Permission::PlanReview);
        // Submitted, not approved: the plan is listed (awaiting review), no KPI row is read.
        let (offices, plans, rows) = s.plans_follow_up(&reach, Some("تهران"), year).unwrap();
        assert_eq!(offices.len(), 2);
        assert_eq!(plans.iter().map(|p| p.state).collect::<Vec<_>>(), vec![PlanState::Submitted]);
        assert!(rows.is_empty());
        let list = follow_up(&offices, &plans, &rows, first);
        assert!(list.iter().all(|f| f.no_plan), "{list:?}");
        s.plan_step(&ctx(), &review, p.id, PlanStep::Approve, "", Some(2)).unwrap();
        let (offices, plans, rows) = s.plans_follow_up(&reach, None, year).unwrap();
        // The year's rows (per service and in total) and the year before's total.
        assert_eq!(rows.len(), 3, "{rows:?}");
        let list = follow_up(&offices, &plans, &rows, first);
        let codes: Vec<(&str, usize, bool)> = list.iter().map(|f| (f.office.code.as_str(), f.behind.len(), f.no_plan)).collect();
        assert_eq!(codes, vec![("THR-01", 1, false), ("THR-02", 0, true)]);
        assert_eq!(list[0].behind[0].actual, Some(40.0));
        let _ = b;
        // Another province has no office; the reach must be the authority's.
        assert!(s.plans_follow_up(&reach, Some("فارس"), year).unwrap().0.is_empty());
        assert_eq!(s.plans_follow_up(&system_reach(Permission::KpiRead), None, year).unwrap_err().code, "auth.forbidden");
    }
}
