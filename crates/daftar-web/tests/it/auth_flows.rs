//! Sign-in flows against the real server: login, lockout, CSRF, session revocation and logout,
//! forced TOTP enrolment and the second factor, step-up before a sensitive API call.

use crate::harness::{PASSWORD, TestApp, client, csrf_in, location};
use daftar_domain::audit::AuditCtx;
use daftar_domain::user::Username;

async fn login_lands_on_home_in_persian(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.one", "clerk", Some(office.id));
    let c = client();
    let r = app.login(&c, "clerk.one", PASSWORD).await;
    assert_eq!(r.status(), 303, "login should redirect");
    assert_eq!(location(&r), "/");
    let home = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    assert!(html.contains(r#"<html lang="fa-IR" dir="rtl">"#), "{html}");
    assert!(html.contains("THR-01"));
    assert!(html.contains("دفتر شما"));
    let audit = app
        .store
        .audit_page(&Default::default(), Default::default())
        .unwrap();
    assert!(
        audit
            .items
            .iter()
            .any(|r| r.action == "auth.login" && r.actor == "clerk.one")
    );
}
crate::both!(
    login_lands_on_home_in_persian_t,
    login_lands_on_home_in_persian
);

async fn wrong_password_locks_the_account(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.one", "clerk", Some(office.id));
    let c = client();
    for i in 1..=4 {
        let r = app.login(&c, "clerk.one", "wrong password!").await;
        assert_eq!(r.status(), 401, "attempt {i}");
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("نام کاربری یا گذرواژه نادرست است")
        );
    }
    let r = app.login(&c, "clerk.one", "wrong password!").await;
    assert_eq!(r.status(), 423, "fifth failure locks");
    let r = app.login(&c, "clerk.one", PASSWORD).await;
    assert_eq!(
        r.status(),
        423,
        "even the right password is refused while locked"
    );
    // Locked for this name from this address (the name alone only counts, for the delay).
    let t = app.store.login_throttle("clerk.one @127.0.0.1").unwrap();
    assert!(t.locked_until.is_some());
    assert_eq!(app.store.login_throttle("clerk.one").unwrap().failures, 5);
    // Unknown names are throttled the same way, so responses do not reveal which names exist.
    let r = app.login(&c, "nobody.here", "wrong password!").await;
    assert_eq!(r.status(), 401);
    let failures = app
        .store
        .audit_page(&Default::default(), Default::default())
        .unwrap();
    assert!(
        failures
            .items
            .iter()
            .filter(|r| r.action == "auth.login.failed")
            .count()
            >= 6
    );
}
crate::both!(
    wrong_password_locks_the_account_t,
    wrong_password_locks_the_account
);

async fn forms_without_the_csrf_token_are_refused(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.one", "clerk", Some(office.id));
    let c = client();
    // No token at all.
    let r = app
        .post_form(
            &c,
            "/login",
            &[("username", "clerk.one"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("auth.csrf.invalid"));
    // A wrong token.
    let _ = app.csrf(&c, "/login").await;
    let r = app
        .post_form(
            &c,
            "/login",
            &[
                ("_csrf", "forged-token-forged-token"),
                ("username", "clerk.one"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    // Signed in: the pre-login token no longer works for session forms.
    let pre = app.csrf(&c, "/login").await;
    assert_eq!(app.login(&c, "clerk.one", PASSWORD).await.status(), 303);
    let r = app
        .post_form(&c, "/logout", &[("_csrf", pre.as_str())])
        .await;
    assert_eq!(r.status(), 403);
    // The API refuses cookie-authenticated writes without the header.
    let r = c
        .post(app.url(&format!("/api/v1/offices/{}/persons", office.id)))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "auth.csrf.invalid");
}
crate::both!(
    forms_without_the_csrf_token_are_refused_t,
    forms_without_the_csrf_token_are_refused
);

async fn revoked_and_logged_out_sessions_stop_working(app: TestApp) {
    let office = app.office("THR-01");
    let user = app.user("clerk.one", "clerk", Some(office.id));
    let (a, b) = (client(), client());
    assert_eq!(app.login(&a, "clerk.one", PASSWORD).await.status(), 303);
    assert_eq!(app.login(&b, "clerk.one", PASSWORD).await.status(), 303);
    assert_eq!(a.get(app.url("/")).send().await.unwrap().status(), 200);
    // Revoke every session of the user (as an administrator would).
    let n = app
        .store
        .revoke_user_sessions(&AuditCtx::system("test"), user.id, None)
        .unwrap();
    assert_eq!(n, 2);
    let r = a.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"));
    // Log in again with b, log out, and the old cookie is dead.
    assert_eq!(app.login(&b, "clerk.one", PASSWORD).await.status(), 303);
    let html = b
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_in(&html).unwrap();
    let r = app
        .post_form(&b, "/logout", &[("_csrf", token.as_str())])
        .await;
    assert_eq!(r.status(), 303);
    assert!(b.get(app.url("/")).send().await.unwrap().status() == 303);
    // Disabling the user also ends sessions.
    assert_eq!(app.login(&a, "clerk.one", PASSWORD).await.status(), 303);
    app.store
        .set_user_status(
            &AuditCtx::system("test"),
            user.id,
            daftar_domain::user::UserStatus::Disabled,
        )
        .unwrap();
    assert_eq!(a.get(app.url("/")).send().await.unwrap().status(), 303);
    assert_eq!(
        app.login(&a, "clerk.one", PASSWORD).await.status(),
        401,
        "a disabled user cannot log in"
    );
}
crate::both!(
    revoked_and_logged_out_sessions_stop_working_t,
    revoked_and_logged_out_sessions_stop_working
);

fn secret_in(html: &str) -> String {
    let i = html.find(r#"id="totp-secret">"#).unwrap() + r#"id="totp-secret">"#.len();
    html[i..i + html[i..].find('<').unwrap()].to_owned()
}

async fn totp_is_forced_for_officers_and_then_asked_at_login(app: TestApp) {
    app.user("officer.one", "authority_officer", None);
    let c = client();
    let r = app.login(&c, "officer.one", PASSWORD).await;
    assert_eq!(location(&r), "/profile/totp", "first login must enrol");
    // Nothing else is reachable before enrolment.
    let r = c.get(app.url("/offices")).send().await.unwrap();
    assert_eq!(location(&r), "/profile/totp");
    let html = c
        .get(app.url("/profile/totp"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = secret_in(&html);
    let token = csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &c,
            "/profile/totp",
            &[
                ("_csrf", token.as_str()),
                ("secret", secret.as_str()),
                ("code", "000000"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "a wrong code does not enrol");
    let code = daftar_web::auth::totp::current(&secret).unwrap();
    let r = app
        .post_form(
            &c,
            "/profile/totp",
            &[
                ("_csrf", token.as_str()),
                ("secret", secret.as_str()),
                ("code", code.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        c.get(app.url("/offices")).send().await.unwrap().status(),
        200
    );
    // Next login asks for the code.
    let c2 = client();
    let r = app.login(&c2, "officer.one", PASSWORD).await;
    assert!(location(&r).starts_with("/login/totp"));
    assert_eq!(
        c2.get(app.url("/offices")).send().await.unwrap().status(),
        303
    );
    let html = c2
        .get(app.url("/login/totp"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_in(&html).unwrap();
    let bad = app
        .post_form(
            &c2,
            "/login/totp",
            &[("_csrf", token.as_str()), ("code", "12345")],
        )
        .await;
    assert_eq!(bad.status(), 401);
    let code = daftar_web::auth::totp::current(&secret).unwrap();
    let persian_code = daftar_domain::digits::to_persian_digits(&code);
    let r = app
        .post_form(
            &c2,
            "/login/totp",
            &[("_csrf", token.as_str()), ("code", persian_code.as_str())],
        )
        .await;
    assert_eq!(r.status(), 303, "Persian digits are accepted");
    assert_eq!(
        c2.get(app.url("/offices")).send().await.unwrap().status(),
        200
    );
    let u = app
        .store
        .user_auth_by_username(&Username::parse("officer.one").unwrap())
        .unwrap()
        .unwrap();
    assert!(u.user.totp_enabled);
}
crate::both!(
    totp_is_forced_for_officers_and_then_asked_at_login_t,
    totp_is_forced_for_officers_and_then_asked_at_login
);

async fn sensitive_api_calls_need_a_recent_step_up(app: TestApp) {
    let office = app.office("THR-01");
    app.user("manager.one", "office_manager", Some(office.id));
    let c = app.signed_in("manager.one").await;
    let html = c
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_in(&html).unwrap();
    let req = serde_json::json!({ "name": "sync", "purpose": "nightly sync to the case system", "scopes": ["person.read"], "expires_in_days": 30 });
    // Login itself counts as a fresh step-up; age it out by updating the session.
    let sessions = app
        .store
        .list_sessions(
            app.store
                .user_auth_by_username(&Username::parse("manager.one").unwrap())
                .unwrap()
                .unwrap()
                .user
                .id,
        )
        .unwrap();
    let old = time::OffsetDateTime::now_utc() - time::Duration::minutes(10);
    app.store
        .update_session_auth(&AuditCtx::system("test"), sessions[0].id, true, Some(old))
        .unwrap();
    let r = c
        .post(app.url("/api/v1/tokens"))
        .header("x-csrf-token", &token)
        .json(&req)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "auth.step_up.required");
    // Re-authenticate with the password, then it works.
    let r = app
        .post_form(
            &c,
            "/reauth",
            &[
                ("_csrf", token.as_str()),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = c
        .post(app.url("/api/v1/tokens"))
        .header("x-csrf-token", &token)
        .json(&req)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = r.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    // The token works with its scope only.
    let api = reqwest::Client::new();
    let me: serde_json::Value = api
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["permissions"], serde_json::json!(["person.read"]));
    assert_eq!(me["via_token"], true);
    // A token cannot mint tokens.
    let r = api
        .post(app.url("/api/v1/tokens"))
        .bearer_auth(&secret)
        .json(&req)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Revoked tokens stop working.
    let id = created["token"]["id"].as_str().unwrap();
    let r = api
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = api
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "auth.token.invalid");
}
crate::both!(
    sensitive_api_calls_need_a_recent_step_up_t,
    sensitive_api_calls_need_a_recent_step_up
);

async fn idle_sessions_expire(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.one", "clerk", Some(office.id));
    let c = app.signed_in("clerk.one").await;
    assert_eq!(c.get(app.url("/")).send().await.unwrap().status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    let r = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303, "idle session ended");
    assert!(location(&r).starts_with("/login"));
}

mod idle_sessions_expire_t {
    use super::*;
    fn short_idle() -> daftar_web::WebConfig {
        let mut cfg = daftar_web::WebConfig::default();
        // Long enough for signing in and the first page on a loaded machine.
        cfg.session.idle = time::Duration::seconds(3);
        cfg
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        idle_sessions_expire(
            TestApp::start_with(crate::harness::Backend::Sqlite, short_idle())
                .await
                .unwrap(),
        )
        .await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) =
            TestApp::start_with(crate::harness::Backend::Postgres, short_idle()).await
        {
            idle_sessions_expire(app).await;
        }
    }
}

/// Defect 15.12: `next=` only ever leads to a path of this site, after the decoding a browser
/// does (tabs and newlines dropped, `\` read as `/`), and never answers 500.
async fn next_never_leaves_the_site(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.one", "clerk", Some(office.id));
    let anon = client();
    let signed = app.signed_in("clerk.one").await;
    for raw in [
        "/%09/evil.example/x",
        "/%0a/evil.example/x",
        "/%0d%0a/evil.example",
        "/%5Cevil.example",
        "/%09%5C%5Cevil.example",
        "/%252F%252Fevil.example",
        "//evil.example",
        "https://evil.example",
        "/%0a/x",
        "/%00",
    ] {
        for (c, path) in [
            (&anon, format!("/locale/en?next={raw}")),
            (&signed, format!("/locale/en?next={raw}")),
            (&signed, format!("/login?next={raw}")),
        ] {
            let r = c.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), 303, "{path}");
            assert_eq!(location(&r), "/", "{path}");
        }
        // The login form keeps `next` only in its safe form.
        let html = crate::harness::get_text(&app, &anon, &format!("/login?next={raw}")).await;
        assert!(
            html.contains(r#"name="next" value="/">"#),
            "{raw}: the form's next is the home page"
        );
    }
    let r = signed
        .get(app.url("/locale/en?next=/persons%3Fq%3D1"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/persons?q=1");
}
crate::both!(next_never_leaves_the_site_t, next_never_leaves_the_site);

/// Signs `c` in from `addr` (sent as `x-forwarded-for`, which the app is configured to trust).
async fn login_from(
    app: &TestApp,
    c: &reqwest::Client,
    addr: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let csrf = app.csrf(c, "/login").await;
    c.post(app.url("/login"))
        .header("x-forwarded-for", format!("10.0.0.1, {addr}"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// How many audit rows have `action`.
fn count_audited(app: &TestApp, action: &str) -> usize {
    app.store
        .audit_page(
            &daftar_domain::store::AuditFilter {
                action_prefix: Some(action.to_owned()),
                ..Default::default()
            },
            daftar_domain::page::PageRequest {
                page: 1,
                per_page: 200,
            },
        )
        .unwrap()
        .items
        .iter()
        .filter(|r| r.action == action)
        .count()
}

/// Defect 15.14: failures lock a name for the address they come from, so whoever types a
/// name elsewhere cannot lock its owner out of their office; one address trying many names
/// is locked as an address.
async fn a_named_account_cannot_be_locked_from_elsewhere(backend: crate::harness::Backend) {
    let config = daftar_web::WebConfig {
        client_address_header: "x-forwarded-for".into(),
        ..Default::default()
    };
    let Some(app) = TestApp::start_with(backend, config).await else {
        return;
    };
    let office = app.office("THR-01");
    app.user("clerk.one", "clerk", Some(office.id));
    app.user("clerk.two", "clerk", Some(office.id));
    let attacker = client();
    for i in 1..=5 {
        let r = login_from(&app, &attacker, "203.0.113.9", "clerk.one", "guess guess!").await;
        assert_eq!(r.status(), if i < 5 { 401 } else { 423 }, "attempt {i}");
    }
    let r = login_from(&app, &attacker, "203.0.113.9", "clerk.one", PASSWORD).await;
    assert_eq!(r.status(), 423, "locked for the attacker's address");
    let office_pc = client();
    let r = login_from(&app, &office_pc, "198.51.100.7", "clerk.one", PASSWORD).await;
    assert_eq!(r.status(), 303, "the owner still signs in from the office");
    let r = login_from(&app, &attacker, "203.0.113.9", "clerk.one", PASSWORD).await;
    assert_eq!(
        r.status(),
        423,
        "the owner's sign-in does not lift the attacker's lock"
    );
    // Many names from one address: the address is locked (20 failures in all).
    for i in 0..15 {
        let r = login_from(
            &app,
            &attacker,
            "203.0.113.9",
            &format!("name{i}"),
            "x y z w v u",
        )
        .await;
        assert!([401, 423].contains(&r.status().as_u16()));
    }
    let r = login_from(&app, &attacker, "203.0.113.9", "clerk.two", PASSWORD).await;
    assert_eq!(r.status(), 423, "the address is locked for every name");
    let r = login_from(&app, &client(), "198.51.100.7", "clerk.two", PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert!(count_audited(&app, "auth.login.failed") >= 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_account_cannot_be_locked_from_elsewhere_sqlite() {
    a_named_account_cannot_be_locked_from_elsewhere(crate::harness::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_account_cannot_be_locked_from_elsewhere_postgres() {
    a_named_account_cannot_be_locked_from_elsewhere(crate::harness::Backend::Postgres).await;
}

/// Defect 15.14: a TOTP code signs in once; the same code again is refused.
async fn a_totp_code_works_once(app: TestApp) {
    app.user("officer.one", "authority_officer", None);
    let secret = daftar_web::auth::totp::new_secret();
    let user = app
        .store
        .user_auth_by_username(&Username::parse("officer.one").unwrap())
        .unwrap()
        .unwrap()
        .user;
    app.store
        .set_totp(&AuditCtx::system("test"), user.id, Some(&secret))
        .unwrap();
    let code = daftar_web::auth::totp::current(&secret).unwrap();
    let mut statuses = vec![];
    for _ in 0..2 {
        let c = client();
        let r = app.login(&c, "officer.one", PASSWORD).await;
        assert!(location(&r).starts_with("/login/totp"));
        let token = app.csrf(&c, "/login/totp").await;
        let r = c
            .post(app.url("/login/totp"))
            .form(&[("_csrf", token.as_str()), ("code", code.as_str())])
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(
        statuses,
        [303, 401],
        "the second use of one code is refused"
    );
    assert_eq!(count_audited(&app, "auth.totp.failed"), 1);
}
crate::both!(a_totp_code_works_once_t, a_totp_code_works_once);

/// Defect 15.11: step-up and the password change form count failures like the sign-in, lock
/// after five, and audit each failure.
async fn step_up_and_password_change_are_throttled_and_audited(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.one", "clerk", Some(office.id));
    app.user("clerk.two", "clerk", Some(office.id));
    let c = app.signed_in("clerk.one").await;
    let token = app.csrf(&c, "/reauth").await;
    for i in 1..=5 {
        let r = app
            .post_form(
                &c,
                "/reauth",
                &[
                    ("_csrf", &token),
                    ("password", "not my password"),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(
            r.status(),
            if i < 5 { 401 } else { 423 },
            "step-up attempt {i}"
        );
    }
    let r = app
        .post_form(
            &c,
            "/reauth",
            &[("_csrf", &token), ("password", PASSWORD), ("next", "/")],
        )
        .await;
    assert_eq!(r.status(), 423, "locked: even the right password");
    assert_eq!(count_audited(&app, "auth.reauth.failed"), 5);

    let c = app.signed_in("clerk.two").await;
    let token = app.csrf(&c, "/profile").await;
    for i in 1..=5 {
        let r = app
            .post_form(
                &c,
                "/profile/password",
                &[
                    ("_csrf", &token),
                    ("current", "not my password"),
                    ("new", "a new long password"),
                    ("repeat", "a new long password"),
                ],
            )
            .await;
        assert_eq!(
            r.status(),
            if i < 5 { 422 } else { 423 },
            "password attempt {i}"
        );
    }
    let r = app
        .post_form(
            &c,
            "/profile/password",
            &[
                ("_csrf", &token),
                ("current", PASSWORD),
                ("new", "a new long password"),
                ("repeat", "a new long password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 423);
    assert_eq!(count_audited(&app, "auth.password.failed"), 5);
}
crate::both!(
    step_up_and_password_change_are_throttled_and_audited_t,
    step_up_and_password_change_are_throttled_and_audited
);
