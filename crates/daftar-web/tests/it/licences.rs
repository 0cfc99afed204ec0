//! Office licences through the real server on both backends (issue 18, part 1): an authority
//! officer licenses a new office after an inspection; suspending a licence cuts the office's
//! clerk off on their next request and reinstating it lets them work again; an expired licence
//! cuts off by the offices' today; hostile callers (a clerk, a manager of another office, an
//! inspector for the authority's steps) cannot take any step; bad input gets stable codes.

use crate::harness::api_as as api;
use crate::harness::{Backend, PASSWORD, TestApp, client, code, get_text, json_of};
use daftar_domain::audit::AuditCtx;
use daftar_domain::clock::Clock;
use daftar_domain::ids::OfficeId;
use daftar_domain::licence::{
    Application, LicenceCommand, LicenceNumber, LicenceStep, NewLicence, NewVisit,
};
use daftar_domain::membership::NewMembership;
use daftar_domain::permission::{Permission, system_scope};
use daftar_domain::service::ServiceCode;
use serde_json::{Value, json};
use time::Duration;

/// Posts a step to the API: status and body.
async fn step(
    app: &TestApp,
    (c, t): &(reqwest::Client, String),
    office: OfficeId,
    step: &str,
    body: Value,
    if_match: Option<&str>,
) -> (u16, Value) {
    let mut rq = c
        .post(app.url(&format!("/api/v1/offices/{office}/licence/{step}")))
        .header("x-csrf-token", t)
        .json(&body);
    if let Some(m) = if_match {
        rq = rq.header("if-match", m);
    }
    json_of(rq.send().await.unwrap()).await
}

/// The licence's `ETag` as the caller reads it.
async fn etag(app: &TestApp, c: &reqwest::Client, office: OfficeId) -> String {
    let r = c
        .get(app.url(&format!("/api/v1/offices/{office}/licence")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.headers()["etag"].to_str().unwrap().to_owned()
}

/// The status and error code of a clerk's read of their office's persons.
async fn persons(app: &TestApp, c: &reqwest::Client, office: OfficeId) -> (u16, Value) {
    json_of(
        c.get(app.url(&format!("/api/v1/offices/{office}/persons")))
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn today() -> time::Date {
    Clock::default().today()
}

fn iso(d: time::Date) -> String {
    d.to_string()
}

/// Licenses `office` directly through the store (apply, a passed visit, issue for `days`).
pub fn license(app: &TestApp, office: OfficeId, number: &str, days: i64) {
    let ctx = AuditCtx::system("test");
    let s = app.store.as_ref();
    let items = s.licence_checklist().unwrap();
    let cmds = [
        LicenceCommand::Apply(Application::parse(&["Deed".into()], "Main St", "Ali").unwrap()),
        LicenceCommand::Inspect(
            NewVisit::parse(today(), items.into_iter().map(|i| i.code).collect(), vec![]).unwrap(),
        ),
        LicenceCommand::Issue(NewLicence {
            number: LicenceNumber::parse(number).unwrap(),
            valid_from: today(),
            valid_until: today() + Duration::days(days),
            services: [ServiceCode::parse("card_renewal").unwrap()].into(),
        }),
    ];
    for (i, cmd) in cmds.iter().enumerate() {
        let version = (i > 0).then_some(i as i64);
        s.take_licence_step(
            &ctx,
            &system_scope(office, cmd.step().permission()),
            cmd,
            version,
        )
        .unwrap();
    }
}

/// Records `office`'s membership, with this year's dues when `paid`.
pub fn member(app: &TestApp, office: OfficeId, number: &str, paid: bool) {
    let ctx = AuditCtx::system("test");
    let scope = system_scope(office, Permission::MembershipManage);
    app.store
        .record_membership(
            &ctx,
            &scope,
            &NewMembership::parse(number, "تهران").unwrap(),
        )
        .unwrap();
    if paid {
        let year = daftar_domain::jalali::JalaliDate::from_iso(today()).year();
        app.store.record_dues(&ctx, &scope, year).unwrap();
    }
}

async fn an_officer_licenses_a_new_office_after_an_inspection(app: TestApp) {
    let n = app.office("THR-09");
    app.user("manager.n", "office_manager", Some(n.id));
    app.user("clerk.n", "clerk", Some(n.id));
    app.user("inspector", "inspector", None);
    app.user("officer", "authority_officer", None);
    let manager = api(&app, "manager.n", false).await;
    let clerk = api(&app, "clerk.n", false).await;
    assert_eq!(
        persons(&app, &clerk.0, n.id).await.0,
        200,
        "unregulated offices work"
    );

    // The operator applies: the office waits for its licence, its clerk is cut off.
    let (s, v) = step(
        &app,
        &manager,
        n.id,
        "apply",
        json!({"documents": ["Lease deed", "Floor plan"], "premises": "Valiasr St 12", "manager": "Ali Rezaei"}),
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["standing"], "pending");
    let (s, v) = persons(&app, &clerk.0, n.id).await;
    assert_eq!((s, code(&v)), (403, "office.inactive"), "{v}");
    assert_eq!(v["error"]["details"]["licence"], "pending");

    // The inspector visits: one item not met, a finding with a deadline.
    let inspector = api(&app, "inspector", false).await;
    let checklist: Vec<String> = json_of(
        inspector
            .0
            .get(app.url("/api/v1/licence/checklist"))
            .send()
            .await
            .unwrap(),
    )
    .await
    .1
    .as_array()
    .unwrap()
    .iter()
    .map(|i| i["code"].as_str().unwrap().to_owned())
    .collect();
    assert_eq!(checklist.len(), 6);
    let tag = etag(&app, &inspector.0, n.id).await;
    let (s, v) = step(
        &app,
        &inspector,
        n.id,
        "inspect",
        json!({"visited_on": iso(today()), "passed": checklist[1..], "findings": [{"text": "No ramp at the door", "deadline": iso(today() + Duration::days(30))}]}),
        Some(&tag),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let officer = api(&app, "officer", true).await;
    let issue = json!({"number": "LIC-THR-1405-0009", "valid_from": iso(today()), "valid_until": iso(today() + Duration::days(365)), "services": ["card_renewal"]});
    let tag = etag(&app, &officer.0, n.id).await;
    let (s, v) = step(&app, &officer, n.id, "issue", issue.clone(), Some(&tag)).await;
    assert_eq!((s, code(&v)), (409, "licence.inspection.failed"), "{v}");
    // A second visit finds everything met (a Solar Hijri date is taken too).
    let jalali = daftar_domain::jalali::JalaliDate::from_iso(today()).to_string();
    let (s, v) = step(
        &app,
        &inspector,
        n.id,
        "inspect",
        json!({"visited_on": jalali, "passed": checklist}),
        Some(&tag),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let tag = etag(&app, &officer.0, n.id).await;
    assert_eq!(tag, "\"3\"");
    let (s, v) = step(&app, &officer, n.id, "issue", issue, Some(&tag)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["standing"], "valid");
    assert_eq!(v["licence"]["number"], "LIC-THR-1405-0009");
    assert_eq!(v["events"].as_array().unwrap().len(), 4);
    // The clerk works again on their next request.
    assert_eq!(persons(&app, &clerk.0, n.id).await.0, 200);

    // The timeline on the office's licence page, for the manager too.
    let html =
        crate::harness::get_text(&app, &manager.0, &format!("/offices/{}/licence", n.id)).await;
    assert!(html.contains("id=\"licence-timeline\""), "{html}");
    assert!(html.contains("LIC-THR-1405-0009"));
    assert!(html.contains("No ramp at the door"));
    assert!(html.contains("صدور پروانه"), "the issue step in Persian");
    assert!(
        !html.contains("id=\"step-issue\""),
        "a manager is offered no authority step"
    );
    let office_page =
        crate::harness::get_text(&app, &manager.0, &format!("/offices/{}", n.id)).await;
    assert!(office_page.contains(&format!("/offices/{}/licence", n.id)));
    // Each step is in the audit log.
    let audit = app
        .store
        .audit_page(
            &daftar_domain::store::AuditFilter {
                action_prefix: Some("licence.".into()),
                ..Default::default()
            },
            daftar_domain::page::PageRequest::default(),
        )
        .unwrap();
    let actors: Vec<_> = audit
        .items
        .iter()
        .rev()
        .map(|r| (r.action.as_str(), r.actor.as_str()))
        .collect();
    assert_eq!(
        actors,
        [
            ("licence.apply", "manager.n"),
            ("licence.inspect", "inspector"),
            ("licence.inspect", "inspector"),
            ("licence.issue", "officer"),
        ]
    );
}

async fn suspension_cuts_the_clerk_off_and_reinstatement_restores(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("THR-02");
    let c = app.office("THR-03");
    license(&app, a.id, "LIC-A", 365);
    license(&app, b.id, "LIC-B", 365);
    app.user("clerk.a", "clerk", Some(a.id));
    app.user("officer", "authority_officer", None);
    let clerk = api(&app, "clerk.a", false).await;
    assert_eq!(persons(&app, &clerk.0, a.id).await.0, 200);
    // A registered person of office A with a portal account.
    let person = app.person(a.id, "مریم");
    let (s, username, password) =
        crate::portal::grant(&app, &clerk.0, &a.id.to_string(), &person.id.to_string()).await;
    assert_eq!(s, 200);
    let applicant = client();
    assert_eq!(
        app.login(&applicant, &username, &password).await.status(),
        303
    );
    let home = crate::harness::get_text(&app, &applicant, "/portal").await;
    assert!(!home.contains("office-elsewhere"));
    let officer = api(&app, "officer", true).await;

    // The officer suspends through the licence page's form.
    let page =
        crate::harness::get_text(&app, &officer.0, &format!("/offices/{}/licence", a.id)).await;
    assert!(page.contains("id=\"step-suspend\""), "{page}");
    assert!(page.contains("id=\"step-warn\""));
    assert!(!page.contains("id=\"step-reinstate\""));
    let r = app
        .post_form(
            &officer.0,
            &format!("/offices/{}/licence/suspend", a.id),
            &[
                ("_csrf", officer.1.as_str()),
                ("version", "3"),
                ("reason", "Overcharging applicants"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);

    // The clerk is refused at once, on the API and on pages, with the reason.
    let (s, v) = persons(&app, &clerk.0, a.id).await;
    assert_eq!((s, code(&v)), (403, "office.inactive"), "{v}");
    assert_eq!(v["error"]["details"]["licence"], "suspended");
    let r = clerk
        .0
        .get(app.url(&format!("/offices/{}/persons", a.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("از سوی سازمان تعلیق شده"), "{html}");
    // The applicant is told why and where else to go: the serving office of the province
    // (B), not the one waiting for its licence (C).
    app.store
        .take_licence_step(
            &AuditCtx::system("test"),
            &system_scope(c.id, Permission::LicenceApply),
            &LicenceCommand::Apply(Application::parse(&["Deed".into()], "St", "M").unwrap()),
            None,
        )
        .unwrap();
    let home = crate::harness::get_text(&app, &applicant, "/portal").await;
    assert!(home.contains("id=\"office-elsewhere\""), "{home}");
    assert!(home.contains("از سوی سازمان تعلیق شده"));
    assert!(home.contains("دفتر THR-02"));
    assert!(!home.contains("دفتر THR-03"));
    // The office's own record stays readable, with the timeline.
    let own = crate::harness::get_text(&app, &clerk.0, &format!("/offices/{}/licence", a.id)).await;
    assert!(own.contains("Overcharging applicants"));
    // A new sign-in is refused, saying why.
    let fresh = client();
    let r = app.login(&fresh, "clerk.a", PASSWORD).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("از سوی سازمان تعلیق شده"));

    // Renewal is not a step from suspension; reinstatement is.
    let tag = etag(&app, &officer.0, a.id).await;
    let (s, v) = step(
        &app,
        &officer,
        a.id,
        "renew",
        json!({"valid_until": iso(today() + Duration::days(700))}),
        Some(&tag),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "licence.step.not_allowed"), "{v}");
    let (s, v) = step(
        &app,
        &officer,
        a.id,
        "reinstate",
        json!({"reason": "Refunds made"}),
        Some(&tag),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        persons(&app, &clerk.0, a.id).await.0,
        200,
        "the clerk works again"
    );
    assert_eq!(
        app.login(&client(), "clerk.a", PASSWORD).await.status(),
        303
    );
}

async fn hostile_callers_cannot_take_any_step(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("THR-02");
    license(&app, a.id, "LIC-A", 365);
    app.user("clerk.a", "clerk", Some(a.id));
    app.user("manager.a", "office_manager", Some(a.id));
    app.user("manager.b", "office_manager", Some(b.id));
    app.user("inspector", "inspector", None);
    let body = json!({"reason": "x", "documents": ["d"], "premises": "p", "manager": "m"});
    let steps = LicenceStep::ALL.map(|s| s.code());
    let clerk = api(&app, "clerk.a", false).await;
    for s in steps {
        let (st, v) = step(&app, &clerk, a.id, s, body.clone(), Some("\"3\"")).await;
        assert_eq!((st, code(&v)), (403, "auth.forbidden"), "clerk {s}: {v}");
    }
    let other = api(&app, "manager.b", false).await;
    for s in steps {
        let (st, v) = step(&app, &other, a.id, s, body.clone(), Some("\"3\"")).await;
        let want = if s == "apply" {
            "office.scope.denied"
        } else {
            "auth.forbidden"
        };
        assert_eq!(
            (st, code(&v)),
            (403, want),
            "manager of another office {s}: {v}"
        );
    }
    let manager = api(&app, "manager.a", false).await;
    for s in steps.iter().filter(|s| **s != "apply") {
        let (st, v) = step(&app, &manager, a.id, s, body.clone(), Some("\"3\"")).await;
        assert_eq!(
            (st, code(&v)),
            (403, "auth.forbidden"),
            "own manager {s}: {v}"
        );
    }
    let inspector = api(&app, "inspector", false).await;
    for s in ["apply", "issue", "renew", "suspend", "revoke", "reinstate"] {
        let (st, v) = step(&app, &inspector, a.id, s, body.clone(), Some("\"3\"")).await;
        assert_eq!(
            (st, code(&v)),
            (403, "auth.forbidden"),
            "inspector {s}: {v}"
        );
    }
    // Pages: a form posted by a clerk is refused the same way.
    let r = app
        .post_form(
            &clerk.0,
            &format!("/offices/{}/licence/suspend", a.id),
            &[("_csrf", clerk.1.as_str()), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status(), 403);
    // Without a caller: 401.
    let r = client()
        .post(app.url(&format!("/api/v1/offices/{}/licence/suspend", a.id)))
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Nothing changed.
    let view = app
        .store
        .office_licence(&system_scope(a.id, Permission::OfficeRead))
        .unwrap();
    assert_eq!(view.version(), 3);
    assert_eq!(view.events.len(), 3);
}

async fn bad_input_gets_stable_codes(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("THR-02");
    license(&app, b.id, "LIC-B", 365);
    app.user("manager.a", "office_manager", Some(a.id));
    app.user("officer", "authority_officer", None);
    let manager = api(&app, "manager.a", false).await;
    let officer = api(&app, "officer", true).await;
    for (body, want, field) in [
        (
            json!({"documents": [], "premises": "p", "manager": "m"}),
            "licence.documents.invalid",
            "documents",
        ),
        (
            json!({"documents": ["d"], "premises": " ", "manager": "m"}),
            "licence.premises.invalid",
            "premises",
        ),
        (
            json!({"documents": ["d"], "premises": "p", "manager": ""}),
            "licence.manager.invalid",
            "manager",
        ),
    ] {
        let (s, v) = step(&app, &manager, a.id, "apply", body, None).await;
        assert_eq!((s, code(&v)), (422, want), "{v}");
        assert_eq!(v["error"]["details"]["field"], field);
    }
    let (s, v) = step(
        &app,
        &manager,
        a.id,
        "apply",
        json!({"documents": ["d"], "colour": "red"}),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (400, "request.body.unknown_field"), "{v}");
    let (s, v) = step(&app, &manager, a.id, "fly", json!({}), None).await;
    assert_eq!((s, code(&v)), (404, "request.path.invalid"), "{v}");
    let (s, _) = step(
        &app,
        &manager,
        a.id,
        "apply",
        json!({"documents": ["d"], "premises": "p", "manager": "m"}),
        None,
    )
    .await;
    assert_eq!(s, 200);
    // A second application from the same state.
    let (s, v) = step(
        &app,
        &officer,
        a.id,
        "apply",
        json!({"documents": ["d"], "premises": "p", "manager": "m"}),
        Some("\"1\""),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "licence.step.not_allowed"), "{v}");
    assert_eq!(v["error"]["details"]["state"], "applied");
    // If-Match: missing 428, malformed 400, stale 412.
    let issue = json!({"number": "LIC-A", "valid_from": iso(today()), "valid_until": iso(today() + Duration::days(365)), "services": ["card_renewal"]});
    for (m, want_s, want) in [
        (None, 428, "request.if_match.required"),
        (Some("*"), 400, "request.if_match.invalid"),
        (Some("\"7\""), 412, "licence.version.stale"),
    ] {
        let (s, v) = step(&app, &officer, a.id, "issue", issue.clone(), m).await;
        assert_eq!((s, code(&v)), (want_s, want), "{m:?}: {v}");
    }
    let tag = Some("\"1\"");
    let (s, v) = step(&app, &officer, a.id, "issue", issue.clone(), tag).await;
    assert_eq!((s, code(&v)), (409, "licence.step.not_allowed"), "{v}");
    for (body, want) in [
        (
            json!({"visited_on": "1405/13/01", "passed": []}),
            "licence.date.invalid",
        ),
        (
            json!({"visited_on": iso(today()), "passed": ["roof"]}),
            "licence.checklist.invalid",
        ),
        (
            json!({"visited_on": iso(today() + Duration::days(2)), "passed": []}),
            "licence.visit.invalid",
        ),
        (
            json!({"visited_on": iso(today()), "findings": [{"text": "x", "deadline": iso(today())}]}),
            "licence.finding.invalid",
        ),
    ] {
        let (s, v) = step(&app, &officer, a.id, "inspect", body, tag).await;
        assert_eq!((s, code(&v)), (422, want), "{v}");
    }
    let all: Vec<String> = app
        .store
        .licence_checklist()
        .unwrap()
        .into_iter()
        .map(|i| i.code)
        .collect();
    let (s, _) = step(
        &app,
        &officer,
        a.id,
        "inspect",
        json!({"visited_on": iso(today()), "passed": all}),
        tag,
    )
    .await;
    assert_eq!(s, 200);
    let tag = Some("\"2\"");
    for (patch, want) in [
        (json!({"number": "LIC B"}), "licence.number.invalid"),
        (json!({"services": []}), "licence.services.invalid"),
        (
            json!({"services": ["no_such_service"]}),
            "licence.services.invalid",
        ),
        (
            json!({"valid_until": iso(today() - Duration::days(1))}),
            "licence.validity.invalid",
        ),
    ] {
        let mut body = issue.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, v) = step(&app, &officer, a.id, "issue", body, tag).await;
        assert_eq!((s, code(&v)), (422, want), "{v}");
    }
    let mut taken = issue.clone();
    taken["number"] = json!("lic-b");
    let (s, v) = step(&app, &officer, a.id, "issue", taken, tag).await;
    assert_eq!((s, code(&v)), (409, "licence.number.taken"), "{v}");
    let (s, v) = step(
        &app,
        &officer,
        b.id,
        "warn",
        json!({"reason": ""}),
        Some("\"3\""),
    )
    .await;
    assert_eq!((s, code(&v)), (422, "licence.reason.invalid"), "{v}");
    // The page shows a refused step as a translated message, never a 500.
    let r = app
        .post_form(
            &officer.0,
            &format!("/offices/{}/licence/issue", a.id),
            &[
                ("_csrf", officer.1.as_str()),
                ("version", "2"),
                ("number", "LIC-A"),
                ("valid_from", "junk"),
                ("valid_until", "junk"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("تاریخ نادرست است"));
}

async fn an_expired_licence_cuts_off_by_the_offices_today(backend: Backend) {
    let (clock, hand) = Clock::manual(Clock::default().now(), time::UtcOffset::UTC);
    let config = daftar_web::WebConfig {
        clock: Some(clock),
        ..Default::default()
    };
    let Some(app) = TestApp::start_with(backend, config).await else {
        return;
    };
    let a = app.office("THR-01");
    license(&app, a.id, "LIC-A", 10);
    app.user("clerk.a", "clerk", Some(a.id));
    assert_eq!(
        app.login(&client(), "clerk.a", PASSWORD).await.status(),
        303
    );
    // Eleven days on, the licence has expired: the clerk cannot sign in, and is told why.
    hand.advance(Duration::days(11));
    let r = app.login(&client(), "clerk.a", PASSWORD).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("به پایان رسیده"));
    // Renewed (the office is a current member of the association): the clerk works again.
    member(&app, a.id, "KAN-A", true);
    let view = app
        .store
        .office_licence(&system_scope(a.id, Permission::OfficeRead))
        .unwrap();
    app.store
        .take_licence_step(
            &AuditCtx::system("test"),
            &system_scope(a.id, Permission::LicenceDecide),
            &LicenceCommand::Renew {
                valid_until: today() + Duration::days(400),
            },
            Some(view.version()),
        )
        .unwrap();
    assert_eq!(
        app.login(&client(), "clerk.a", PASSWORD).await.status(),
        303
    );
}

crate::both!(
    an_officer_licenses_a_new_office_t,
    an_officer_licenses_a_new_office_after_an_inspection
);
crate::both!(
    suspension_cuts_off_and_reinstatement_restores_t,
    suspension_cuts_the_clerk_off_and_reinstatement_restores
);
crate::both!(
    hostile_callers_cannot_take_any_step_t,
    hostile_callers_cannot_take_any_step
);
crate::both!(
    bad_licence_input_gets_stable_codes_t,
    bad_input_gets_stable_codes
);

/// Part 2: association staff record memberships and dues and see every office's licence
/// standing and the figures, never person data; an office without a current membership is
/// flagged to the authority and its licence cannot be renewed.
async fn association_sees_members_and_renewal_needs_membership(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("THR-02");
    license(&app, a.id, "LIC-A", 365);
    license(&app, b.id, "LIC-B", 365);
    app.person(a.id, "مریم");
    app.user("kanoon", "association", None);
    app.user("officer", "authority_officer", None);
    app.user("clerk.a", "clerk", Some(a.id));
    let kanoon = api(&app, "kanoon", false).await;
    let year = daftar_domain::jalali::JalaliDate::from_iso(today()).year();
    let (c, t, appr) = (&kanoon.0, &kanoon.1, &app);
    let post = |path: String, body: Value| async move {
        json_of(
            c.post(appr.url(&path))
                .header("x-csrf-token", t)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    let (s, v) = post(
        format!("/api/v1/offices/{}/membership", a.id),
        json!({"number": "kan-thr-1", "branch": "تهران"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["number"], "KAN-THR-1");
    let (s, v) = post(
        format!("/api/v1/offices/{}/membership/dues", a.id),
        json!({"year": year.to_string()}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["dues_years"], json!([year]));
    // Stable codes for bad input.
    for (path, body, want_s, want) in [
        (
            format!("/api/v1/offices/{}/membership", b.id),
            json!({"number": "KAN-THR-1", "branch": "تهران"}),
            409,
            "membership.number.taken",
        ),
        (
            format!("/api/v1/offices/{}/membership", b.id),
            json!({"number": "K 1", "branch": "تهران"}),
            422,
            "membership.number.invalid",
        ),
        (
            format!("/api/v1/offices/{}/membership", b.id),
            json!({"number": "K1", "branch": ""}),
            422,
            "membership.branch.invalid",
        ),
        (
            format!("/api/v1/offices/{}/membership/dues", b.id),
            json!({"year": "1405"}),
            409,
            "membership.none",
        ),
        (
            format!("/api/v1/offices/{}/membership/dues", a.id),
            json!({"year": "99"}),
            422,
            "membership.year.invalid",
        ),
        (
            format!("/api/v1/offices/{}/membership/dues", a.id),
            json!({"year": year.to_string()}),
            409,
            "membership.dues.paid",
        ),
    ] {
        let (s, v) = post(path, body).await;
        assert_eq!((s, code(&v)), (want_s, want), "{v}");
    }
    let (s, _) = post(
        format!("/api/v1/offices/{}/membership", b.id),
        json!({"number": "KAN-THR-2", "branch": "تهران"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = post(
        format!("/api/v1/offices/{}/membership/dues", b.id),
        json!({"year": (year - 1).to_string()}),
    )
    .await;
    assert_eq!(s, 200);

    // The association sees every office's licence standing and the figures; B is flagged.
    let (s, v) = json_of(
        kanoon
            .0
            .get(app.url("/api/v1/association/members"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["figures"]["flagged"], 1);
    assert_eq!(v["figures"]["by_standing"]["valid"], 2);
    let rows: Vec<_> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["office"]["code"].as_str().unwrap().to_owned(),
                m["current"].as_bool().unwrap(),
                m["standing"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("THR-01".to_owned(), true, "valid".to_owned()),
            ("THR-02".to_owned(), false, "valid".to_owned())
        ]
    );
    assert!(!v.to_string().contains("مریم"));
    // Never person data.
    let (s, v) = persons(&app, &kanoon.0, a.id).await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"), "{v}");
    let html = crate::harness::get_text(&app, &kanoon.0, "/association").await;
    assert!(html.contains("id=\"record-dues\""));
    assert!(html.contains("data-office=\"THR-02\""));
    // The authority sees the flag; a clerk may not see the list nor record anything.
    let officer = api(&app, "officer", true).await;
    let html = crate::harness::get_text(&app, &officer.0, "/association").await;
    assert!(
        html.contains("class=\"flagged\" data-office=\"THR-02\""),
        "{html}"
    );
    assert!(
        !html.contains("id=\"record-dues\""),
        "the authority does not record dues"
    );
    let clerk = api(&app, "clerk.a", false).await;
    let (s, v) = json_of(
        clerk
            .0
            .get(app.url("/api/v1/association/members"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"), "{v}");
    let (s, v) = json_of(
        clerk
            .0
            .post(app.url(&format!("/api/v1/offices/{}/membership/dues", a.id)))
            .header("x-csrf-token", &clerk.1)
            .json(&json!({"year": "1405"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"), "{v}");

    // Renewal: refused for B (no current membership) with a clear code, done for A.
    let until = iso(today() + Duration::days(700));
    let tag = etag(&app, &officer.0, b.id).await;
    let (s, v) = step(
        &app,
        &officer,
        b.id,
        "renew",
        json!({"valid_until": until}),
        Some(&tag),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "licence.membership.required"), "{v}");
    let tag = etag(&app, &officer.0, a.id).await;
    let (s, v) = step(
        &app,
        &officer,
        a.id,
        "renew",
        json!({"valid_until": until}),
        Some(&tag),
    )
    .await;
    assert_eq!(s, 200, "{v}");
}

mod an_expired_licence_cuts_off_t {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::an_expired_licence_cuts_off_by_the_offices_today(crate::harness::Backend::Sqlite)
            .await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::an_expired_licence_cuts_off_by_the_offices_today(crate::harness::Backend::Postgres)
            .await;
    }
}
crate::both!(
    association_members_and_renewal_t,
    association_sees_members_and_renewal_needs_membership
);

/// The public directory (issue 18.7): no login, every office by province with its name in the
/// page's language, a suspended office marked as not serving, the licence's services, and no
/// staff or person data.
async fn the_public_directory_lists_every_office_and_who_serves(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("THR-02");
    app.user("clerk.dir", "clerk", Some(a.id));
    let p = app.person(a.id, "سیما");
    app.store
        .set_office_status(
            &daftar_domain::audit::AuditCtx::system("test"),
            b.id,
            daftar_domain::office::OfficeStatus::Suspended,
            None,
        )
        .unwrap();
    let anon = client();
    let html = get_text(&app, &anon, "/directory").await;
    for o in [&a, &b] {
        assert!(
            html.contains(&format!("data-office=\"{}\"", o.code.as_str())),
            "{html}"
        );
    }
    assert!(
        html.contains(&format!(
            "data-office=\"{}\" data-serving=\"true\"",
            a.code.as_str()
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            "data-office=\"{}\" data-serving=\"false\"",
            b.code.as_str()
        )),
        "the suspended office: {html}"
    );
    assert!(
        html.contains("دفتر THR-01"),
        "Persian names on the Persian page"
    );
    for secret in ["clerk.dir", p.given_name.as_str(), p.registry_no.as_str()] {
        assert!(!html.contains(secret), "{secret} is not office data");
    }
    anon.get(app.url("/locale/en?next=/directory"))
        .send()
        .await
        .unwrap();
    let en = get_text(&app, &anon, "/directory").await;
    assert!(
        en.contains("Office THR-01"),
        "English names on the English page: {en}"
    );
}
crate::both!(
    public_directory,
    the_public_directory_lists_every_office_and_who_serves
);

/// The office's manager publishes the office's address (API and licence page); the directory
/// shows it to everyone; a clerk, another office's manager and bad input are refused; an
/// empty address removes it; each change is audited.
async fn the_manager_publishes_the_offices_address(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("THR-02");
    app.user("manager.a", "office_manager", Some(a.id));
    app.user("manager.b", "office_manager", Some(b.id));
    app.user("clerk.a", "clerk", Some(a.id));
    let path = format!("/api/v1/offices/{}/address", a.id);
    let post = |who: (reqwest::Client, String), body: Value| {
        let app = &app;
        let path = path.clone();
        async move {
            crate::harness::send_json(app, &who, reqwest::Method::POST, &path, body, None).await
        }
    };
    let m = api(&app, "manager.a", false).await;
    let (s, v, _) = post(
        m.clone(),
        json!({"address": "خیابان آزادی، کوچهٔ ۱۲، پلاک ۴"}),
    )
    .await;
    assert_eq!(s, 204, "{v}");
    let html = get_text(&app, &client(), "/directory").await;
    assert!(html.contains("خیابان آزادی، کوچهٔ ۱۲، پلاک ۴"), "{html}");
    // Refused: a clerk, another office's manager, a control character, too long.
    let (s, v, _) = post(api(&app, "clerk.a", false).await, json!({"address": "x"})).await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"));
    let (s, v, _) = post(api(&app, "manager.b", false).await, json!({"address": "x"})).await;
    assert_eq!((s, code(&v)), (403, "office.scope.denied"));
    for bad in ["line\nbreak", &"ن".repeat(201)] {
        let (s, v, _) = post(m.clone(), json!({"address": bad})).await;
        assert_eq!((s, code(&v)), (422, "office.address.invalid"), "{bad}");
    }
    // On the licence page; empty removes it.
    let page = format!("/offices/{}/licence", a.id);
    let token = app.csrf(&m.0, &page).await;
    assert!(
        get_text(&app, &m.0, &page)
            .await
            .contains("id=\"office-address\"")
    );
    let r = app
        .post_form(
            &m.0,
            &format!("/offices/{}/address", a.id),
            &[("_csrf", &token), ("address", "  ")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = get_text(&app, &client(), "/directory").await;
    assert!(!html.contains("خیابان آزادی"), "removed");
    assert_eq!(app.audited("office.address").len(), 2);
}
crate::both!(office_address, the_manager_publishes_the_offices_address);
