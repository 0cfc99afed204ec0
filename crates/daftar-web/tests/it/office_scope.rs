//! Staff of office A can never read or change office B's data: every office-scoped route is
//! tried across offices, and a meta-test checks that the table below covers every route with an
//! `{office_id}` in the router's source.

use crate::harness::{PASSWORD, TestApp, client, csrf_in};

/// Office-scoped routes: (method, path pattern). `{office_id}` is office B; `{person_id}` a
/// person of office B.
const SCOPED: &[(&str, &str)] = &[
    ("GET", "/offices/{office_id}"),
    ("GET", "/offices/{office_id}/licence"),
    ("POST", "/offices/{office_id}/licence/{step}"),
    ("GET", "/api/v1/offices/{office_id}/licence"),
    ("POST", "/offices/{office_id}/address"),
    ("POST", "/api/v1/offices/{office_id}/address"),
    ("POST", "/api/v1/offices/{office_id}/licence/{step}"),
    ("GET", "/offices/{office_id}/plans"),
    ("POST", "/offices/{office_id}/plans"),
    ("GET", "/offices/{office_id}/plans/{plan_id}"),
    ("POST", "/offices/{office_id}/plans/{plan_id}"),
    ("POST", "/offices/{office_id}/plans/{plan_id}/{step}"),
    ("GET", "/api/v1/offices/{office_id}/plans"),
    ("POST", "/api/v1/offices/{office_id}/plans"),
    ("GET", "/api/v1/offices/{office_id}/plans/{plan_id}"),
    ("PUT", "/api/v1/offices/{office_id}/plans/{plan_id}"),
    ("POST", "/api/v1/offices/{office_id}/plans/{plan_id}/{step}"),
    ("GET", "/offices/{office_id}/kpi"),
    ("GET", "/offices/{office_id}/kpi/export.csv"),
    ("GET", "/offices/{office_id}/kpi/export.xlsx"),
    ("POST", "/api/v1/offices/{office_id}/membership"),
    ("POST", "/api/v1/offices/{office_id}/membership/dues"),
    ("GET", "/offices/{office_id}/accreditations"),
    ("POST", "/offices/{office_id}/accreditations"),
    ("GET", "/api/v1/offices/{office_id}/accreditations"),
    ("POST", "/api/v1/offices/{office_id}/accreditations"),
    (
        "GET",
        "/api/v1/offices/{office_id}/persons/{person_id}/access",
    ),
    (
        "POST",
        "/offices/{office_id}/accreditations/{record_id}/withdraw",
    ),
    (
        "POST",
        "/api/v1/offices/{office_id}/accreditations/{record_id}/withdraw",
    ),
    ("POST", "/offices/{office_id}/status"),
    ("GET", "/offices/{office_id}/rounds/{round_id}/not-seen"),
    ("GET", "/offices/{office_id}/notifications"),
    (
        "GET",
        "/offices/{office_id}/persons/{person_id}/notifications",
    ),
    (
        "POST",
        "/offices/{office_id}/persons/{person_id}/notifications",
    ),
    ("GET", "/offices/{office_id}/persons"),
    ("POST", "/offices/{office_id}/persons"),
    ("GET", "/offices/{office_id}/persons/new"),
    ("GET", "/offices/{office_id}/persons/export.csv"),
    ("GET", "/api/v1/offices/{office_id}/persons/export"),
    ("GET", "/offices/{office_id}/persons/{person_id}"),
    ("POST", "/offices/{office_id}/persons/{person_id}/status"),
    ("POST", "/offices/{office_id}/persons/{person_id}/documents"),
    ("GET", "/offices/{office_id}/persons/{person_id}/photo"),
    ("GET", "/offices/{office_id}/persons/{person_id}/access"),
    ("GET", "/offices/{office_id}/persons/{person_id}/referrals"),
    ("POST", "/offices/{office_id}/persons/{person_id}/referrals"),
    (
        "POST",
        "/offices/{office_id}/persons/{person_id}/referrals/{referral_id}/withdraw",
    ),
    (
        "POST",
        "/api/v1/offices/{office_id}/persons/{person_id}/referrals",
    ),
    (
        "GET",
        "/api/v1/offices/{office_id}/persons/{person_id}/referrals",
    ),
    (
        "POST",
        "/api/v1/offices/{office_id}/persons/{person_id}/referrals/{referral_id}/withdraw",
    ),
    (
        "POST",
        "/offices/{office_id}/persons/{person_id}/medical-needs",
    ),
    (
        "PUT",
        "/api/v1/offices/{office_id}/persons/{person_id}/medical-needs",
    ),
    (
        "POST",
        "/offices/{office_id}/cases/{case_id}/appointment/arrived",
    ),
    ("GET", "/offices/{office_id}/persons/{person_id}/return"),
    ("POST", "/offices/{office_id}/persons/{person_id}/return"),
    ("POST", "/offices/{office_id}/persons/{person_id}/photo"),
    (
        "GET",
        "/api/v1/offices/{office_id}/persons/{person_id}/photo",
    ),
    (
        "PUT",
        "/api/v1/offices/{office_id}/persons/{person_id}/photo",
    ),
    ("GET", "/offices/{office_id}/households"),
    ("POST", "/offices/{office_id}/households"),
    ("GET", "/offices/{office_id}/households/{household_id}"),
    (
        "POST",
        "/offices/{office_id}/households/{household_id}/members",
    ),
    (
        "POST",
        "/offices/{office_id}/households/{household_id}/split",
    ),
    ("GET", "/api/v1/offices/{office_id}/households"),
    ("POST", "/api/v1/offices/{office_id}/households"),
    (
        "GET",
        "/api/v1/offices/{office_id}/households/{household_id}",
    ),
    (
        "POST",
        "/api/v1/offices/{office_id}/households/{household_id}/members",
    ),
    (
        "POST",
        "/api/v1/offices/{office_id}/households/{household_id}/split",
    ),
    ("GET", "/offices/{office_id}/users"),
    ("POST", "/offices/{office_id}/users"),
    ("GET", "/api/v1/offices/{office_id}"),
    ("POST", "/api/v1/offices/{office_id}/status"),
    ("GET", "/api/v1/offices/{office_id}/persons"),
    ("POST", "/api/v1/offices/{office_id}/persons"),
    ("GET", "/api/v1/offices/{office_id}/persons/{person_id}"),
    (
        "POST",
        "/api/v1/offices/{office_id}/persons/{person_id}/status",
    ),
    (
        "POST",
        "/api/v1/offices/{office_id}/persons/{person_id}/documents",
    ),
    ("GET", "/api/v1/offices/{office_id}/users"),
    ("POST", "/api/v1/offices/{office_id}/users"),
    ("GET", "/offices/{office_id}/cases"),
    ("POST", "/offices/{office_id}/cases"),
    ("GET", "/offices/{office_id}/cases/new"),
    ("POST", "/offices/{office_id}/cases/assign"),
    ("GET", "/offices/{office_id}/cases/{case_id}"),
    ("POST", "/offices/{office_id}/cases/{case_id}/actions"),
    ("POST", "/offices/{office_id}/cases/{case_id}/documents"),
    (
        "GET",
        "/offices/{office_id}/cases/{case_id}/documents/{document_id}",
    ),
    ("POST", "/offices/{office_id}/cases/{case_id}/payments"),
    (
        "GET",
        "/offices/{office_id}/cases/{case_id}/receipts/{receipt_no}",
    ),
    ("GET", "/api/v1/offices/{office_id}/cases"),
    ("POST", "/api/v1/offices/{office_id}/cases"),
    ("POST", "/api/v1/offices/{office_id}/cases/assign"),
    ("GET", "/api/v1/offices/{office_id}/cases/{case_id}"),
    (
        "POST",
        "/api/v1/offices/{office_id}/cases/{case_id}/actions",
    ),
    (
        "POST",
        "/api/v1/offices/{office_id}/cases/{case_id}/documents",
    ),
    (
        "GET",
        "/api/v1/offices/{office_id}/cases/{case_id}/documents/{document_id}",
    ),
    (
        "POST",
        "/api/v1/offices/{office_id}/cases/{case_id}/payments",
    ),
    (
        "POST",
        "/offices/{office_id}/households/{household_id}/members/{person_id}",
    ),
    (
        "POST",
        "/api/v1/offices/{office_id}/households/{household_id}/members/{person_id}",
    ),
    ("GET", "/offices/{office_id}/cases/{case_id}/slip"),
    ("POST", "/offices/{office_id}/cases/{case_id}/appointment"),
    (
        "POST",
        "/api/v1/offices/{office_id}/cases/{case_id}/appointment",
    ),
    ("GET", "/api/v1/offices/{office_id}/appointments"),
    ("POST", "/offices/{office_id}/persons/{person_id}/portal"),
    (
        "GET",
        "/offices/{office_id}/persons/{person_id}/credentials",
    ),
    (
        "GET",
        "/offices/{office_id}/persons/{person_id}/credentials/{credential_id}/card",
    ),
    (
        "POST",
        "/offices/{office_id}/persons/{person_id}/credentials/{credential_id}/revoke",
    ),
    (
        "POST",
        "/offices/{office_id}/persons/{person_id}/share-codes",
    ),
    (
        "POST",
        "/offices/{office_id}/persons/{person_id}/share-codes/{share_id}/cancel",
    ),
    (
        "GET",
        "/api/v1/offices/{office_id}/persons/{person_id}/credentials",
    ),
    (
        "GET",
        "/api/v1/offices/{office_id}/persons/{person_id}/credentials/{credential_id}/qr",
    ),
    (
        "POST",
        "/api/v1/offices/{office_id}/cases/{case_id}/credentials",
    ),
    (
        "POST",
        "/api/v1/offices/{office_id}/credentials/{credential_id}/revoke",
    ),
    (
        "GET",
        "/api/v1/offices/{office_id}/persons/{person_id}/share-codes",
    ),
    (
        "POST",
        "/api/v1/offices/{office_id}/persons/{person_id}/share-codes",
    ),
];

#[test]
fn the_table_covers_every_office_scoped_route() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src/features");
    let mut found = vec![];
    let mut stack = vec![std::path::PathBuf::from(root)];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let src = std::fs::read_to_string(&p).unwrap();
                // `.route("…"` on one line or with the path on the next.
                for part in src.split(".route(").skip(1) {
                    let Some(rest) = part.trim_start().strip_prefix('"') else {
                        continue;
                    };
                    let path = &rest[..rest.find('"').unwrap()];
                    if path.contains("{office_id}") {
                        found.push(path.to_owned());
                    }
                }
            }
        }
    }
    assert!(!found.is_empty());
    for path in found {
        assert!(
            SCOPED.iter().any(|(_, p)| *p == path),
            "office-scoped route {path} is not in the cross-office test table"
        );
    }
}

async fn staff_of_one_office_never_reach_another(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("MHD-01");
    for (user, role) in [("clerk.a", "clerk"), ("manager.a", "office_manager")] {
        app.user(user, role, Some(a.id));
    }
    let pb = app.person(b.id, "زهرا");
    let pa = app.person(a.id, "مریم");
    let hb = app
        .store
        .create_household(
            &daftar_domain::audit::AuditCtx::system("test"),
            &daftar_domain::permission::system_scope(
                b.id,
                daftar_domain::permission::Permission::PersonWrite,
            ),
            pb.id,
        )
        .unwrap();
    // A case of office B, opened by its own clerk.
    app.store
        .add_document(
            &daftar_domain::audit::AuditCtx::system("test"),
            &daftar_domain::permission::system_scope(
                b.id,
                daftar_domain::permission::Permission::PersonWrite,
            ),
            pb.id,
            &daftar_testkit::document("registration_card", "RC-B-1", ""),
            None,
        )
        .unwrap();
    app.user("clerk.b", "clerk", Some(b.id));
    let cb = app.signed_in("clerk.b").await;
    let tb = csrf_in(
        &cb.get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let opened: serde_json::Value = cb
        .post(app.url(&format!("/api/v1/offices/{}/cases", b.id)))
        .header("x-csrf-token", &tb)
        .json(&serde_json::json!({"service": "card_renewal", "person_id": pb.id.to_string()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case_b = opened["case"]["id"].as_str().unwrap().to_owned();
    // A route of office B with its person, household, case and receipt filled in.
    let target = |pattern: &str| {
        fill(
            pattern,
            [
                &b.id.to_string(),
                &pb.id.to_string(),
                &hb.household.id.to_string(),
                &case_b,
                "MHD-01-R1405-000001",
            ],
        )
    };
    for username in ["clerk.a", "manager.a"] {
        let c = client();
        assert_eq!(app.login(&c, username, PASSWORD).await.status(), 303);
        let html = c
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = csrf_in(&html).unwrap();
        for (method, pattern) in SCOPED {
            let path = target(pattern);
            let req = probe(&c, &app, method, &path, &token);
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 403, "{username} {method} {path}");
            let body = r.text().await.unwrap();
            // Denied for the office (office.scope.denied) or, for a role without the permission
            // at all, before the office is even considered (auth.forbidden).
            assert!(
                body.contains("office.scope.denied") || body.contains("auth.forbidden"),
                "{username} {method} {path}: {body}"
            );
            assert!(!body.contains("زهرا"), "no personal data of office B leaks");
        }
        // A person of office B through office A's path is simply not found.
        let r = c
            .get(app.url(&format!("/api/v1/offices/{}/persons/{}", a.id, pb.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        // Their own office works.
        let r = c
            .get(app.url(&format!("/api/v1/offices/{}/persons/{}", a.id, pa.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let list: serde_json::Value = c
            .get(app.url(&format!("/api/v1/offices/{}/persons", a.id)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 1);
    }
    // A partner (aggregates, and the referrals addressed to them) tries every route too: no
    // answer carries the person, and none that names persons, households or cases succeeds.
    app.user("partner.p", "partner", None);
    let c = client();
    assert_eq!(app.login(&c, "partner.p", PASSWORD).await.status(), 303);
    let html = c
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_in(&html).unwrap();
    for (method, pattern) in SCOPED {
        let path = target(pattern);
        let r = probe(&c, &app, method, &path, &token).send().await.unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert!(
            !body.contains("زهرا") && !body.contains(&pb.registry_no),
            "partner {method} {path}: {body}"
        );
        let personal = [
            "{person_id}",
            "{household_id}",
            "{case_id}",
            "/persons",
            "/households",
            "/cases",
            "/receipts",
        ];
        if personal.iter().any(|k| pattern.contains(k)) {
            assert!(!status.is_success(), "partner {method} {path}: {status}");
        }
    }
    // The reads of personal data were audited with actor, office and purpose.
    let audit = app
        .store
        .audit_page(
            &Default::default(),
            daftar_domain::page::PageRequest {
                page: 1,
                per_page: 200,
            },
        )
        .unwrap();
    let read = audit
        .items
        .iter()
        .find(|r| r.action == "person.read" && r.actor == "clerk.a")
        .expect("person.read audited");
    assert_eq!(read.office_id, Some(a.id));
    assert_eq!(read.purpose, "service");
    assert_eq!(read.target_id, pa.id.to_string());
}
crate::both!(
    staff_of_one_office_never_reach_another_t,
    staff_of_one_office_never_reach_another
);

async fn authority_roles_reach_every_office_and_partners_see_only_aggregates(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("MHD-01");
    for i in 0..6 {
        app.person(a.id, &format!("نفر {i}"));
    }
    app.person(b.id, "تنها");
    app.user("auditor.one", "auditor", None);
    app.user("partner.one", "partner", None);
    let c = app.signed_in("auditor.one").await;
    let offices: serde_json::Value = c
        .get(app.url("/api/v1/offices"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(offices["total"], 2);
    // Auditors reach every office's record but not persons.
    assert_eq!(
        c.get(app.url(&format!("/api/v1/offices/{}", b.id)))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.get(app.url(&format!("/api/v1/offices/{}/persons", b.id)))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let p = app.signed_in("partner.one").await;
    assert_eq!(
        p.get(app.url(&format!("/api/v1/offices/{}/persons", a.id)))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let html = p
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("۶"), "six persons shown for office A");
    assert!(
        html.contains("کمتر از ۵"),
        "office B's single person is suppressed"
    );
    assert!(!html.contains("تنها"));
}
crate::both!(
    authority_roles_reach_every_office_and_partners_see_only_aggregates_t,
    authority_roles_reach_every_office_and_partners_see_only_aggregates
);

/// Fills a route pattern of [`SCOPED`] with ids of one office.
fn fill(pattern: &str, ids: [&str; 5]) -> String {
    let [office, person, household, case, receipt] = ids;
    pattern
        .replace("{office_id}", office)
        .replace("{person_id}", person)
        .replace("{household_id}", household)
        .replace("{case_id}", case)
        .replace(
            "{document_id}",
            &daftar_domain::ids::CaseDocumentId::new().to_string(),
        )
        .replace("{receipt_no}", receipt)
        .replace("{credential_id}", "00112233445566ff")
        .replace("{step}", "apply")
        .replace("{referral_id}", &ulid::Ulid::new().to_string())
        .replace("{record_id}", &ulid::Ulid::new().to_string())
        .replace("{plan_id}", &daftar_domain::ids::PlanId::new().to_string())
        .replace(
            "{round_id}",
            &daftar_domain::ids::RoundId::new().to_string(),
        )
        .replace(
            "{share_id}",
            &daftar_domain::ids::ShareCodeId::new().to_string(),
        )
}

/// A request of `method` to `path` as a signed-in page would send it (a photo for PUT, an empty
/// JSON body for API writes, the CSRF field for forms).
fn probe(
    c: &reqwest::Client,
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
) -> reqwest::RequestBuilder {
    match method {
        "GET" => c.get(app.url(path)),
        "PUT" => c
            .put(app.url(path))
            .header("x-csrf-token", token)
            .body(vec![0xFF, 0xD8, 0xFF, 0xE0]),
        _ if path.starts_with("/api/") => c
            .post(app.url(path))
            .header("x-csrf-token", token)
            .json(&serde_json::json!({})),
        _ => c.post(app.url(path)).form(&[("_csrf", token)]),
    }
}

/// Suspending (then closing) an office cuts its staff off at once: sessions opened before keep
/// nothing but the office's own record (every other office-scoped route and the cross-office
/// lists answer 403 `office.inactive`), a new sign-in is refused, and authority officers still
/// reach the office.
async fn staff_of_an_inactive_office_lose_every_write_and_personal_read(app: TestApp) {
    let a = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(a.id));
    app.user("manager.a", "office_manager", Some(a.id));
    app.user("officer", "authority_officer", None);
    let pa = app.person(a.id, "مریم");
    let ctx = daftar_domain::audit::AuditCtx::system("test");
    let write = daftar_domain::permission::system_scope(
        a.id,
        daftar_domain::permission::Permission::PersonWrite,
    );
    let ha = app.store.create_household(&ctx, &write, pa.id).unwrap();
    // Signed in while the office is active; a case is opened.
    let clerk = app.signed_in("clerk.a").await;
    let manager = app.signed_in("manager.a").await;
    let token = csrf_in(&crate::harness::get_text(&app, &clerk, "/").await).unwrap();
    let r = clerk
        .get(app.url(&format!("/api/v1/offices/{}/persons/{}", a.id, pa.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "reads work while the office is active");
    let opened: serde_json::Value = clerk
        .post(app.url(&format!("/api/v1/offices/{}/cases", a.id)))
        .header("x-csrf-token", &token)
        .json(&serde_json::json!({"service": "registration_status_certificate", "person_id": pa.id.to_string()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = opened["case"]["id"].as_str().unwrap_or("").to_owned();
    assert!(!case.is_empty(), "case opened: {opened}");

    // Signed in once: a TOTP code works only once.
    let officer = app.signed_in_with_totp("officer").await;
    for status in [
        daftar_domain::office::OfficeStatus::Suspended,
        daftar_domain::office::OfficeStatus::Closed,
    ] {
        app.store
            .set_office_status(&ctx, a.id, status, None)
            .unwrap();
        for (username, c) in [("clerk.a", &clerk), ("manager.a", &manager)] {
            let token = csrf_in(&crate::harness::get_text(&app, c, "/profile").await).unwrap();
            for (method, pattern) in SCOPED {
                let path = fill(
                    pattern,
                    [
                        &a.id.to_string(),
                        &pa.id.to_string(),
                        &ha.household.id.to_string(),
                        &case,
                        "THR-01-R1405-000001",
                    ],
                );
                let req = probe(c, &app, method, &path, &token);
                if pattern.ends_with("{office_id}/status") {
                    // Changing an office's status is the administrators' (`office.manage`),
                    // never its staff's; it reads the body before that check.
                    continue;
                }
                let r = req.send().await.unwrap();
                let code = r.status();
                let body = r.text().await.unwrap();
                if *method == "GET"
                    && !pattern.contains("/persons")
                    && (pattern.ends_with("{office_id}") || pattern.ends_with("/licence"))
                {
                    // The office's own record and its licence (no personal data) stay readable.
                    assert_eq!(code, 200, "{username} {status:?} {method} {path}");
                    continue;
                }
                assert_eq!(code, 403, "{username} {status:?} {method} {path}: {body}");
                // Cut off because of the office; `auth.forbidden` only for what the role never
                // had (an office's status, for a clerk).
                assert!(
                    body.contains("office.inactive") || body.contains("auth.forbidden"),
                    "{username} {status:?} {method} {path}: {body}"
                );
                assert!(!body.contains("مریم"), "no personal data: {path}");
            }
            for path in [
                format!("/api/v1/offices/{}/persons", a.id),
                format!("/api/v1/offices/{}/persons/{}", a.id, pa.id),
                "/api/v1/persons/candidates?given_name=x".to_owned(),
            ] {
                let (s, v) =
                    crate::harness::json_of(c.get(app.url(&path)).send().await.unwrap()).await;
                assert_eq!(
                    (s, crate::harness::code(&v)),
                    (403, "office.inactive"),
                    "{path}"
                );
                assert_eq!(v["error"]["details"]["status"], status.code());
            }
            let (s, v) = crate::harness::json_of(
                c.post(app.url(&format!("/api/v1/offices/{}/persons", a.id)))
                    .header("x-csrf-token", &token)
                    .json(&serde_json::json!({"given_name": "نو", "sex": "female", "nationality": "AFG"}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!((s, crate::harness::code(&v)), (403, "office.inactive"));
            // A new sign-in is refused with the reason.
            let fresh = client();
            let r = app.login(&fresh, username, PASSWORD).await;
            assert_eq!(
                r.status(),
                403,
                "{username} signs in to a {status:?} office"
            );
            assert!(
                r.text().await.unwrap().contains("تعلیق یا بسته"),
                "the login page says why"
            );
        }
        let r = officer
            .get(app.url(&format!("/api/v1/offices/{}/persons/{}", a.id, pa.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "authority roles are not cut off");
    }
    // Reactivated: the same sessions work again.
    app.store
        .set_office_status(
            &ctx,
            a.id,
            daftar_domain::office::OfficeStatus::Active,
            None,
        )
        .unwrap();
    let r = clerk
        .get(app.url(&format!("/api/v1/offices/{}/persons/{}", a.id, pa.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
crate::both!(
    staff_of_an_inactive_office_lose_every_write_and_personal_read_t,
    staff_of_an_inactive_office_lose_every_write_and_personal_read
);
