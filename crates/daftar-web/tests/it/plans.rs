//! Offices' plans through the real server on both backends (issue 18, part 5): an office
//! manager drafts a one-year plan over the API, edits and submits it; an authority officer
//! returns it with a comment on the page, the manager corrects it on the page and submits
//! again, the officer approves it; plan versus actual counts the office's cases of the year and
//! the follow-up lists the office behind; hostile callers (a clerk, another office's manager, a
//! manager approving their own plan) are refused; bad input gets stable codes.

use crate::harness::api_as as api;
use crate::harness::send_json as send;
use crate::harness::{TestApp, code, get_text};
use crate::kpi::{compute, seed_cases};
use daftar_domain::jalali::JalaliDate;
use serde_json::{Value, json};

/// An approved one-year plan of `office` for this year and a three-year draft (the page crawl's
/// plan pages and follow-up).
pub fn seed(app: &TestApp, office: daftar_domain::ids::OfficeId) {
    use daftar_domain::permission::{Permission, system_scope};
    use daftar_domain::plan::{PlanContent, PlanKind, PlanStep, TargetInput};
    let ctx = daftar_domain::audit::AuditCtx::system("test");
    let year = JalaliDate::from_iso(daftar_domain::clock::Clock::default().today()).year();
    let t = |y: &str, metric: &str, service: &str, value: &str| TargetInput {
        year: y.into(),
        metric: metric.into(),
        service: service.into(),
        value: value.into(),
    };
    let services = ["registration_status_certificate".to_owned()].into();
    let write = system_scope(office, Permission::PlanSubmit);
    let content = |kind| {
        PlanContent::parse(
            kind,
            "4",
            "شنبه تا چهارشنبه ۸ تا ۱۶",
            "بازدید ماهانه",
            &[
                t("1", "cases", "", "1200"),
                t("1", "rejection_rate", "", "12.5"),
                t("1", "median", "registration_status_certificate", "3"),
            ],
            &services,
        )
        .unwrap()
    };
    let s = app.store.as_ref();
    let p = s
        .create_plan(
            &ctx,
            &write,
            PlanKind::OneYear,
            year,
            &content(PlanKind::OneYear),
        )
        .unwrap();
    s.plan_step(&ctx, &write, p.id, PlanStep::Submit, "", Some(1))
        .unwrap();
    s.plan_step(
        &ctx,
        &system_scope(office, Permission::PlanReview),
        p.id,
        PlanStep::Approve,
        "",
        Some(2),
    )
    .unwrap();
    s.create_plan(
        &ctx,
        &write,
        PlanKind::ThreeYear,
        year,
        &content(PlanKind::ThreeYear),
    )
    .unwrap();
}

fn plan_body(year: i32, targets: Value) -> Value {
    json!({
        "kind": "one_year",
        "start_year": year,
        "staffing": 4,
        "hours": "شنبه تا چهارشنبه ۸ تا ۱۶",
        "outreach": "بازدید ماهانه از محله‌ها",
        "targets": targets,
    })
}

async fn a_plan_is_written_reviewed_and_followed_up(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("THR-02");
    let persons = seed_cases(&app, a.id, 6, "فاطمه");
    compute(&app);
    app.user("manager.a", "office_manager", Some(a.id));
    app.user("manager.b", "office_manager", Some(b.id));
    app.user("clerk.a", "clerk", Some(a.id));
    app.user("officer", "authority_officer", None);
    let year = JalaliDate::from_iso(daftar_domain::clock::Clock::default().today()).year();
    let m = api(&app, "manager.a", false).await;
    let plans = format!("/api/v1/offices/{}/plans", a.id);
    use reqwest::Method as M;

    // Bad input, each with its code.
    let cases = json!({"year": 1, "metric": "cases", "value": 1200});
    for (body, status, want) in [
        (
            json!({"kind": "five_year", "start_year": year, "staffing": 4, "hours": "8-16", "targets": [cases]}),
            422,
            "plan.kind.invalid",
        ),
        (
            plan_body(year - 1, json!([cases])),
            409,
            "plan.year.out_of_range",
        ),
        (plan_body(year, json!([])), 422, "plan.targets.invalid"),
        (
            plan_body(year, json!([{"year": 2, "metric": "cases", "value": 5}])),
            409,
            "plan.target.year",
        ),
        (
            plan_body(
                year,
                json!([{"year": 1, "metric": "cases", "service": "passport", "value": 5}]),
            ),
            409,
            "plan.target.service",
        ),
        (
            plan_body(year, json!([cases, cases])),
            409,
            "plan.target.duplicate",
        ),
        (
            plan_body(
                year,
                json!([{"year": 1, "metric": "rejection_rate", "value": 150}]),
            ),
            409,
            "plan.target.percent",
        ),
        (
            plan_body(year, json!([{"year": 1, "metric": "speed", "value": 1}])),
            422,
            "plan.metric.invalid",
        ),
        (
            json!({"kind": "one_year", "start_year": year, "staffing": 0, "hours": "8-16", "targets": [cases]}),
            422,
            "plan.staffing.invalid",
        ),
    ] {
        let (s, v, _) = send(&app, &m, M::POST, &plans, body.clone(), None).await;
        assert_eq!((s, code(&v)), (status, want), "{body}: {v}");
    }
    // A clerk and another office's manager cannot write or read A's plans.
    let clerk = api(&app, "clerk.a", false).await;
    let (s, v, _) = send(
        &app,
        &clerk,
        M::POST,
        &plans,
        plan_body(year, json!([cases])),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"));
    let other = api(&app, "manager.b", false).await;
    let (s, v, _) = send(
        &app,
        &other,
        M::POST,
        &plans,
        plan_body(year, json!([cases])),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (403, "office.scope.denied"));
    let r = other.0.get(app.url(&plans)).send().await.unwrap();
    assert_eq!(r.status(), 403);

    // The draft: 1200 cases in the year (pace month × 100), at most 10 % rejected.
    let (s, v, etag) = send(
        &app,
        &m,
        M::POST,
        &plans,
        plan_body(
            year,
            json!([cases, {"year": 1, "metric": "rejection_rate", "value": 10}]),
        ),
        None,
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(etag, "\"1\"");
    let id = v["plan"]["id"].as_str().unwrap().to_owned();
    assert_eq!(v["plan"]["state"], "draft");
    let cases_now = &v["progress"][0];
    assert_eq!(cases_now["target"]["metric"], "cases");
    assert_eq!(
        cases_now["actual"], 6.0,
        "the six cases opened this month: {v}"
    );
    assert_eq!(cases_now["standing"], "behind");
    let (s, v, _) = send(
        &app,
        &m,
        M::POST,
        &plans,
        plan_body(year, json!([cases])),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (409, "plan.taken"));

    // Edit: If-Match required and checked.
    let path = format!("{plans}/{id}");
    let edit = json!({"staffing": 5, "hours": "۸ تا ۱۶", "targets": [{"year": 1, "metric": "cases", "value": 60}]});
    let (s, v, _) = send(&app, &m, M::PUT, &path, edit.clone(), None).await;
    assert_eq!((s, code(&v)), (428, "request.if_match.required"));
    let (s, v, _) = send(&app, &m, M::PUT, &path, edit.clone(), Some("\"9\"")).await;
    assert_eq!((s, code(&v)), (412, "plan.version.stale"));
    let (s, v, etag) = send(&app, &m, M::PUT, &path, edit, Some("\"1\"")).await;
    assert_eq!((s, etag.as_str()), (200, "\"2\""), "{v}");
    assert_eq!(v["plan"]["content"]["staffing"], 5);
    // The manager cannot approve their own plan; they submit it.
    let (s, v, _) = send(
        &app,
        &m,
        M::POST,
        &format!("{path}/approve"),
        json!({}),
        Some("\"2\""),
    )
    .await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"));
    let (s, v, _) = send(
        &app,
        &m,
        M::POST,
        &format!("{path}/submit"),
        json!({}),
        Some("\"2\""),
    )
    .await;
    assert_eq!(
        (s, v["plan"]["state"].as_str()),
        (200, Some("submitted")),
        "{v}"
    );
    let (s, v, _) = send(
        &app,
        &m,
        M::PUT,
        &path,
        json!({"staffing": 5, "hours": "x", "targets": [cases]}),
        Some("\"3\""),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "plan.not_editable"));

    // The officer: the follow-up lists A without an approved plan and the plan awaiting review.
    let o = api(&app, "officer", true).await;
    let html = get_text(&app, &o.0, "/plans").await;
    assert!(
        html.contains("data-office=\"THR-01\" data-no-plan=\"true\""),
        "{html}"
    );
    assert!(
        html.contains(&format!("/offices/{}/plans/{id}", a.id)),
        "awaiting review"
    );
    // Returned on the page: a comment is required.
    let page = format!("/offices/{}/plans/{id}", a.id);
    let token = app.csrf(&o.0, &page).await;
    let r = app
        .post_form(
            &o.0,
            &format!("{page}/return"),
            &[("_csrf", &token), ("version", "3"), ("comment", "")],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("id=\"plan-error\""));
    let r = app
        .post_form(
            &o.0,
            &format!("{page}/return"),
            &[
                ("_csrf", &token),
                ("version", "3"),
                ("comment", "هدف پرونده‌ها کم است"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // The manager corrects it on the page and submits again.
    let html = get_text(&app, &m.0, &page).await;
    assert!(
        html.contains("هدف پرونده‌ها کم است"),
        "the comment is on the timeline"
    );
    assert!(html.contains("id=\"plan-edit-form\""));
    let token = app.csrf(&m.0, &page).await;
    let r = app
        .post_form(
            &m.0,
            &page,
            &[
                ("_csrf", &token),
                ("version", "4"),
                ("staffing", "۵"),
                ("hours", "شنبه تا پنجشنبه"),
                ("outreach", ""),
                ("t0_year", "1"),
                ("t0_metric", "cases"),
                ("t0_service", ""),
                ("t0_value", "۱۲۰۰"),
                ("t1_year", "1"),
                ("t1_metric", "rejection_rate"),
                ("t1_service", ""),
                ("t1_value", "۱۰"),
                ("t2_year", "1"),
                ("t2_metric", "median"),
                ("t2_service", "registration_status_certificate"),
                ("t2_value", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let r = app
        .post_form(
            &m.0,
            &format!("{page}/submit"),
            &[("_csrf", &token), ("version", "5")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (s, v, _) = send(
        &app,
        &o,
        M::POST,
        &format!("{path}/approve"),
        json!({}),
        Some("\"6\""),
    )
    .await;
    assert_eq!(
        (s, v["plan"]["state"].as_str()),
        (200, Some("approved")),
        "{v}"
    );
    assert_eq!(
        v["plan"]["content"]["targets"].as_array().unwrap().len(),
        2,
        "the empty line is left out"
    );

    // Plan versus actual on the page; the follow-up lists A behind on its cases.
    let html = get_text(&app, &m.0, &page).await;
    assert!(
        html.contains("id=\"plan-targets\"") && html.contains("data-standing=\"behind\""),
        "{html}"
    );
    assert!(html.contains("id=\"plan-pace-chart\""), "the pace chart");
    for p in &persons {
        assert!(!html.contains(&p.given_name) && !html.contains(&p.registry_no));
    }
    let (s, v, _) = send(&app, &o, M::GET, "/api/v1/plans/follow-up", json!({}), None).await;
    assert_eq!(s, 200, "{v}");
    let row = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["office"]["code"] == "THR-01")
        .unwrap();
    assert_eq!(row["no_plan"], false);
    assert!(
        row["behind"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["target"]["metric"] == "cases")
    );
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|f| f["office"]["code"] == "THR-02" && f["no_plan"] == true)
    );
    let (s, _, _) = send(&app, &m, M::GET, "/api/v1/plans/follow-up", json!({}), None).await;
    assert_eq!(s, 403, "a manager has no follow-up of every office");
    let r = m.0.get(app.url("/plans")).send().await.unwrap();
    assert_eq!(r.status(), 303, "the manager's /plans is their office's");
    // Every step is audited with the plan as target.
    let steps: Vec<String> = [
        "plan.create",
        "plan.edit",
        "plan.submit",
        "plan.return",
        "plan.approve",
    ]
    .iter()
    .flat_map(|a| app.audited(a))
    .filter(|r| r.target_id == id)
    .map(|r| r.action)
    .collect();
    assert_eq!(steps.len(), 7, "{steps:?}");
}
crate::both!(
    a_plan_is_written_reviewed_and_followed_up_t,
    a_plan_is_written_reviewed_and_followed_up
);
