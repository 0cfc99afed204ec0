//! Profile, staff management and the audit page through the real server: scoping, step-up,
//! password change ending other sessions, API tokens from the profile, audit verification.

use crate::harness::{PASSWORD, TestApp, client, csrf_in, location};
use daftar_domain::audit::AuditCtx;

async fn token_of(app: &TestApp, c: &reqwest::Client, path: &str) -> String {
    csrf_in(
        &c.get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap()
}

/// Ages the caller's step-up so that sensitive actions ask again.
fn age_step_up(app: &TestApp, username: &str) {
    let u = app
        .store
        .user_auth_by_username(&daftar_domain::user::Username::parse(username).unwrap())
        .unwrap()
        .unwrap();
    for s in app.store.list_sessions(u.user.id).unwrap() {
        let old = time::OffsetDateTime::now_utc() - time::Duration::minutes(10);
        let _ = app
            .store
            .update_session_auth(&AuditCtx::system("test"), s.id, true, Some(old));
    }
}

async fn managers_manage_their_office_only(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("MHD-01");
    app.user("manager.a", "office_manager", Some(a.id));
    let clerk_b = app.user("clerk.b", "clerk", Some(b.id)).id;
    let clerk_a = app.user("clerk.a", "clerk", Some(a.id)).id;
    let m = app.signed_in("manager.a").await;
    let html = m
        .get(app.url(&format!("/offices/{}/users", a.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("clerk.a") && !html.contains("clerk.b"));
    let t = csrf_in(&html).unwrap();
    let form = |name: &'static str, role: &'static str| {
        vec![
            ("_csrf", t.clone()),
            ("username", name.into()),
            ("role", role.into()),
            ("password", PASSWORD.into()),
        ]
    };
    let r = m
        .post(app.url(&format!("/offices/{}/users", a.id)))
        .form(&form("clerk.new", "clerk"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = m
        .post(app.url(&format!("/offices/{}/users", a.id)))
        .form(&form("boss.new", "system_admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a manager cannot create administrators");
    let r = m
        .post(app.url(&format!("/offices/{}/users", a.id)))
        .form(&form("clerk.new", "clerk"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "username taken");
    let api: serde_json::Value = m
        .get(app.url(&format!("/api/v1/offices/{}/users", a.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api["total"], 3);
    // Another office's user: out of scope even with a fresh step-up.
    let r = app
        .post_form(
            &m,
            &format!("/users/{clerk_b}/disable"),
            &[("_csrf", t.as_str())],
        )
        .await;
    assert_eq!(r.status(), 403);
    // Disabling needs a recent step-up.
    age_step_up(&app, "manager.a");
    let r = app
        .post_form(
            &m,
            &format!("/users/{clerk_a}/disable"),
            &[("_csrf", t.as_str())],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/reauth"), "{}", location(&r));
    let r = app
        .post_form(
            &m,
            "/reauth",
            &[("_csrf", t.as_str()), ("password", PASSWORD), ("next", "/")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            &m,
            &format!("/users/{clerk_a}/disable"),
            &[("_csrf", t.as_str())],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.store.get_user(clerk_a).unwrap().status,
        daftar_domain::user::UserStatus::Disabled
    );
    let r = app
        .post_form(
            &m,
            &format!("/users/{clerk_a}/reset-password"),
            &[("_csrf", t.as_str())],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("id=\"password-value\""));
    let me = app
        .store
        .user_auth_by_username(&daftar_domain::user::Username::parse("manager.a").unwrap())
        .unwrap()
        .unwrap()
        .user
        .id;
    let r = app
        .post_form(
            &m,
            &format!("/users/{me}/disable"),
            &[("_csrf", t.as_str())],
        )
        .await;
    assert_eq!(r.status(), 409, "not on oneself");
    // Clerks do not manage staff.
    let c = client();
    app.user("clerk.c", "clerk", Some(a.id));
    assert_eq!(app.login(&c, "clerk.c", PASSWORD).await.status(), 303);
    assert_eq!(
        c.get(app.url(&format!("/offices/{}/users", a.id)))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}
crate::both!(
    managers_manage_their_office_only_t,
    managers_manage_their_office_only
);

async fn profile_password_language_and_tokens(app: TestApp) {
    let a = app.office("THR-01");
    app.user("manager.a", "office_manager", Some(a.id));
    let (one, two) = (client(), client());
    assert_eq!(app.login(&one, "manager.a", PASSWORD).await.status(), 303);
    assert_eq!(app.login(&two, "manager.a", PASSWORD).await.status(), 303);
    let t = token_of(&app, &one, "/profile").await;
    let r = app
        .post_form(
            &one,
            "/profile/password",
            &[
                ("_csrf", t.as_str()),
                ("current", "wrong password"),
                ("new", "another long password"),
                ("repeat", "another long password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_form(
            &one,
            "/profile/password",
            &[
                ("_csrf", t.as_str()),
                ("current", PASSWORD),
                ("new", "another long password"),
                ("repeat", "different long password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_form(
            &one,
            "/profile/password",
            &[
                ("_csrf", t.as_str()),
                ("current", PASSWORD),
                ("new", "another long password"),
                ("repeat", "another long password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        one.get(app.url("/profile")).send().await.unwrap().status(),
        200,
        "this session stays"
    );
    assert_eq!(
        two.get(app.url("/profile")).send().await.unwrap().status(),
        303,
        "the other session ended"
    );
    let r = app
        .post_form(
            &one,
            "/profile/locale",
            &[("_csrf", t.as_str()), ("locale", "ps")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        one.get(app.url("/profile"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains(r#"<html lang="ps" dir="rtl">"#)
    );
    // An API token from the profile (login counts as a fresh step-up), shown once, then usable.
    // One that may read persons names its purpose (issue 22).
    let mut fields = vec![
        ("_csrf", t.as_str()),
        ("name", "sync"),
        ("scope", "person.read"),
        ("scope", "office.read"),
        ("days", "30"),
    ];
    let r = app.post_form(&one, "/profile/tokens", &fields).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("name=\"purpose\""));
    fields.push(("purpose", "nightly sync with the case system"));
    let r = app.post_form(&one, "/profile/tokens", &fields).await;
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    let i = html.find("id=\"token-secret\">").unwrap() + "id=\"token-secret\">".len();
    let secret = &html[i..i + html[i..].find('<').unwrap()];
    let me: serde_json::Value = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["permissions"],
        serde_json::json!(["office.read", "person.read"])
    );
    let r = app
        .post_form(
            &one,
            "/profile/tokens",
            &[
                ("_csrf", t.as_str()),
                ("name", "bad"),
                ("scope", "audit.read"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "cannot grant what one does not hold");
}
crate::both!(
    profile_password_language_and_tokens_t,
    profile_password_language_and_tokens
);

async fn audit_page_for_auditors(app: TestApp) {
    let a = app.office("THR-01");
    app.user("auditor.one", "auditor", None);
    app.user("clerk.a", "clerk", Some(a.id));
    let c = app.signed_in("clerk.a").await;
    assert_eq!(c.get(app.url("/audit")).send().await.unwrap().status(), 403);
    assert_eq!(
        c.get(app.url("/api/v1/audit"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let au = app.signed_in("auditor.one").await;
    let html = au
        .get(app.url("/audit?action=auth."))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("auth.login"));
    let t = csrf_in(&html).unwrap();
    let r = app
        .post_form(&au, "/audit/verify", &[("_csrf", t.as_str())])
        .await;
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"verdict\""), "{html}");
    assert!(html.contains("سالم"), "intact, in Persian");
    let api: serde_json::Value = au
        .get(app.url("/api/v1/audit?action=audit."))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api["items"][0]["action"], "audit.verify");
    assert_eq!(
        au.get(app.url("/api/v1/audit?actor_id=nonsense"))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
}
crate::both!(audit_page_for_auditors_t, audit_page_for_auditors);

async fn administrators_change_office_status(app: TestApp) {
    let a = app.office("THR-01");
    app.user("admin.one", "system_admin", None);
    app.user("manager.a", "office_manager", Some(a.id));
    let admin = app.signed_in_with_totp("admin.one").await;
    let t = token_of(&app, &admin, "/").await;
    let etag = admin
        .get(app.url(&format!("/api/v1/offices/{}", a.id)))
        .send()
        .await
        .unwrap()
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let r = admin
        .post(app.url(&format!("/api/v1/offices/{}/status", a.id)))
        .header("x-csrf-token", &t)
        .json(&serde_json::json!({"status": "suspended"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 428, "If-Match is required");
    let r = admin
        .post(app.url(&format!("/api/v1/offices/{}/status", a.id)))
        .header("x-csrf-token", &t)
        .header("if-match", &etag)
        .json(&serde_json::json!({"status": "suspended"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let fresh = r
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let stale = admin
        .post(app.url(&format!("/api/v1/offices/{}/status", a.id)))
        .header("x-csrf-token", &t)
        .header("if-match", &etag)
        .json(&serde_json::json!({"status": "active"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stale.status(),
        412,
        "the tag read before the change is stale"
    );
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["status"],
        "suspended"
    );
    let r = admin
        .post(app.url(&format!("/api/v1/offices/{}/status", a.id)))
        .header("x-csrf-token", &t)
        .header("if-match", &fresh)
        .json(&serde_json::json!({"status": "sleeping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = app
        .post_form(
            &admin,
            &format!("/offices/{}/status", a.id),
            &[("_csrf", t.as_str()), ("status", "active")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.store.get_office(a.id).unwrap().status,
        daftar_domain::office::OfficeStatus::Active
    );
    let m = app.signed_in("manager.a").await;
    let t = token_of(&app, &m, "/").await;
    let r = app
        .post_form(
            &m,
            &format!("/offices/{}/status", a.id),
            &[("_csrf", t.as_str()), ("status", "closed")],
        )
        .await;
    assert_eq!(r.status(), 403, "managers do not change office status");
}
crate::both!(
    administrators_change_office_status_t,
    administrators_change_office_status
);

async fn registration_shows_likely_duplicates_first(app: TestApp) {
    let a = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(a.id));
    let existing = app.person(a.id, "مریم");
    let c = app.signed_in("clerk.a").await;
    // The API names the fields that agree.
    let q = "/api/v1/persons/candidates?given_name=Maryam&family_name=Ahmadi&father_name=Mohammad&birth_date=1990-03-21&sex=female";
    let found: serde_json::Value = c
        .get(app.url(q))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        found["candidates"][0]["person"]["id"],
        existing.id.to_string(),
        "{found}"
    );
    assert_eq!(found["candidates"][0]["reasons"]["father"], true);
    assert_eq!(
        c.get(app.url("/api/v1/persons/candidates?given_name="))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
    // The form stops at the check, then registers when told it is someone else.
    let t = token_of(&app, &c, &format!("/offices/{}/persons", a.id)).await;
    let fields = vec![
        ("_csrf", t.clone()),
        ("given_name", "مريم".to_string()),
        ("family_name", "احمدي".into()),
        ("father_name", "محمد".into()),
        ("birth_date", "1369/01/01".into()),
        ("sex", "female".into()),
        ("nationality", "AFG".into()),
    ];
    let r = c
        .post(app.url(&format!("/offices/{}/persons", a.id)))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"candidates\"") && html.contains(&existing.registry_no),
        "{html}"
    );
    let mut confirmed = fields.clone();
    confirmed.push(("confirm", "1".into()));
    let r = c
        .post(app.url(&format!("/offices/{}/persons", a.id)))
        .form(&confirmed)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let list: serde_json::Value = c
        .get(app.url(&format!("/api/v1/offices/{}/persons", a.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 2);
}
crate::both!(
    registration_shows_likely_duplicates_first_t,
    registration_shows_likely_duplicates_first
);
