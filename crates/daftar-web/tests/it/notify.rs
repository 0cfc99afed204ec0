//! Notifications through the real server on both backends (issue 19.3): the office's list
//! (its own staff only, no phone number in it, filters, bad filters refused with a code), the
//! person's page with the addresses (audited) and the opt-out and language a clerk or the
//! person on the portal sets, the authority's counts; and the sender against a local HTTP
//! server acting as the SMS gateway (the text in the person's language, a 503 retried later).

use crate::harness::{TestApp, client, get_text, location};
use daftar_domain::audit::AuditCtx;
use daftar_domain::ids::PersonId;
use daftar_domain::notify::{Kind, NewNotice};
use daftar_domain::permission::{Permission, system_scope};
use std::sync::{Arc, Mutex};

fn notice(p: PersonId, kind: Kind) -> NewNotice {
    let mut params = serde_json::Map::new();
    for (k, v) in [
        ("round", "تمدید کارت ۱۴۰۵"),
        ("opens_on", "2026-12-05"),
        ("closes_on", "2027-02-03"),
        ("office_fa", "دفتر تهران"),
        ("office_en", "Tehran office"),
        ("reference", "THR-01-1405-7"),
        ("decision", "approved"),
    ] {
        params.insert(k.into(), v.into());
    }
    NewNotice {
        person: p,
        kind,
        subject: "s".into(),
        params,
        due: time::OffsetDateTime::now_utc() - time::Duration::seconds(1),
    }
}

fn audited(app: &TestApp, action: &str) -> u64 {
    app.audited(action).len() as u64
}

const PHONE: &str = "09121234567";

async fn staff_see_notices_and_persons_choose(app: TestApp) {
    let home = app.office("THR-01");
    let other = app.office("THR-02");
    app.user("clerk.thr", "clerk", Some(home.id));
    app.user("clerk.thr2", "clerk", Some(other.id));
    app.user("officer", "authority_officer", None);
    app.user("partner", "partner", None);
    let (person, user) = app.portal_holder(home.id);
    app.sql()
        .execute_raw(&format!(
            "UPDATE persons SET phone = '{PHONE}' WHERE id = '{}'",
            person.id
        ))
        .unwrap();
    app.store
        .enqueue_notices(&[
            notice(person.id, Kind::RoundInvitation),
            notice(person.id, Kind::CaseDecision),
        ])
        .unwrap();

    // The office's list: its staff, without the phone.
    let clerk = app.signed_in("clerk.thr").await;
    let list_url = format!("/offices/{}/notifications", home.id);
    let page = get_text(&app, &clerk, &list_url).await;
    assert_eq!(page.matches("data-status=\"pending\"").count(), 2, "{page}");
    assert!(
        !page.contains(PHONE) && !page.contains("۰۹۱۲۱۲۳۴۵۶۷"),
        "no phone in a list"
    );
    assert!(page.contains(&format!(
        "/offices/{}/persons/{}/notifications",
        home.id, person.id
    )));
    let page = get_text(&app, &clerk, &format!("{list_url}?status=sent")).await;
    assert!(page.contains("id=\"notify-none\""), "{page}");
    let page = get_text(&app, &clerk, &format!("{list_url}?kind=case_decision")).await;
    assert_eq!(page.matches("data-status=\"pending\"").count(), 1);
    let r = clerk
        .get(app.url(&format!("{list_url}?status=lost")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(audited(&app, "notify.list") >= 3);
    // Nav link for office staff.
    assert!(get_text(&app, &clerk, "/").await.contains(&list_url));

    // Another office's staff, the authority and a partner do not see the list.
    let clerk2 = app.signed_in("clerk.thr2").await;
    assert_eq!(
        clerk2
            .get(app.url(&list_url))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let officer = app.signed_in_with_totp("officer").await;
    assert_eq!(
        officer
            .get(app.url(&list_url))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let person_url = format!("/offices/{}/persons/{}/notifications", home.id, person.id);
    assert_eq!(
        officer
            .get(app.url(&person_url))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    // The authority sees counts; a partner nothing; a clerk is sent to the office's list.
    let counts = get_text(&app, &officer, "/notifications").await;
    assert!(counts.contains("data-office=\"THR-01\""), "{counts}");
    assert!(!counts.contains(person.given_name.as_str()));
    let partner = app.signed_in("partner").await;
    assert_eq!(
        partner
            .get(app.url("/notifications"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let r = clerk.get(app.url("/notifications")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, list_url.clone()));

    // The person's record links the notices for the office's staff only.
    let record = format!("/offices/{}/persons/{}", home.id, person.id);
    assert!(
        get_text(&app, &clerk, &record)
            .await
            .contains("id=\"notify-link\"")
    );
    assert!(
        !get_text(&app, &officer, &record)
            .await
            .contains("id=\"notify-link\"")
    );
    // The person's page: addresses (audited), and the choice.
    let before = audited(&app, "notify.read");
    let page = get_text(&app, &clerk, &person_url).await;
    assert!(page.contains("۰۹۱۲۱۲۳۴۵۶۷"), "{page}");
    assert_eq!(audited(&app, "notify.read"), before + 1);
    assert_eq!(
        clerk2
            .get(app.url(&person_url))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let token = app.csrf(&clerk, &person_url).await;
    let r = app
        .post_form(
            &clerk,
            &person_url,
            &[
                ("_csrf", token.as_str()),
                ("opt_out", "1"),
                ("locale", "ps"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            &clerk,
            &person_url,
            &[("_csrf", token.as_str()), ("locale", "klingon")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let read = system_scope(home.id, Permission::PersonRead);
    let (_, prefs) = app
        .store
        .person_notices(&AuditCtx::system("test"), &read, person.id)
        .unwrap();
    assert_eq!(
        (prefs.opted_out, prefs.locale.as_deref()),
        (true, Some("ps"))
    );
    assert_eq!(audited(&app, "notify.prefs"), 1);

    // The person on the portal sees their notices and changes their mind.
    let me = client();
    assert_eq!(
        app.login(&me, user.username.as_str(), crate::harness::PASSWORD)
            .await
            .status(),
        303
    );
    assert!(
        get_text(&app, &me, "/portal")
            .await
            .contains("href=\"/portal/notifications\"")
    );
    let page = get_text(&app, &me, "/portal/notifications").await;
    assert_eq!(page.matches("data-status=\"pending\"").count(), 2);
    assert!(page.contains("checked"), "the opt-out is shown");
    let token = app.csrf(&me, "/portal/notifications").await;
    let r = app
        .post_form(
            &me,
            "/portal/notifications",
            &[("_csrf", token.as_str()), ("locale", "")],
        )
        .await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/portal/notifications?saved=1".to_owned())
    );
    let (_, prefs) = app
        .store
        .person_notices(&AuditCtx::system("test"), &read, person.id)
        .unwrap();
    assert_eq!((prefs.opted_out, prefs.locale), (false, None));
    // Staff pages are not the person's.
    assert_eq!(
        me.get(app.url(&list_url)).send().await.unwrap().status(),
        403
    );
}
crate::both!(staff_and_persons, staff_see_notices_and_persons_choose);

/// What the fake gateway received: (to, text).
type Received = Arc<Mutex<Vec<(String, String)>>>;

/// A local HTTP server acting as the SMS gateway: records `to` and `text`, answers `status`.
async fn gateway(status: u16) -> (String, Received) {
    use axum::extract::{Query, State};
    let got: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/send",
            axum::routing::get(
                |State((got, status)): State<(Received, u16)>,
                 Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    got.lock().unwrap().push((
                        q.get("to").cloned().unwrap_or_default(),
                        q.get("text").cloned().unwrap_or_default(),
                    ));
                    axum::http::StatusCode::from_u16(status).unwrap()
                },
            ),
        )
        .with_state((got.clone(), status));
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (
        format!("http://{addr}/send?to={{to}}&text={{text}}&ref={{id}}"),
        got,
    )
}

async fn the_sms_gateway_gets_each_text_in_its_language(app: TestApp) {
    let home = app.office("THR-01");
    let (person, _) = app.portal_holder(home.id);
    app.sql()
        .execute_raw(&format!(
            "UPDATE persons SET phone = '{PHONE}', notify_locale = 'ps' WHERE id = '{}'",
            person.id
        ))
        .unwrap();
    app.store
        .enqueue_notices(&[
            notice(person.id, Kind::RoundInvitation),
            notice(person.id, Kind::CaseDecision),
        ])
        .unwrap();
    let i18n = Arc::new(daftar_web::i18n::I18n::load("fa-IR").unwrap());
    let cfg = daftar_web::notify::SenderConfig {
        worker: "web-test".into(),
        ..Default::default()
    };
    // A gateway that is down: both attempts fail and wait for their retry.
    let (url, got) = gateway(503).await;
    let down = daftar_web::notify::SmsGateway::new(&url, false).unwrap();
    let p = daftar_web::notify::drain(&app.store, &i18n, &down, &cfg)
        .await
        .unwrap();
    assert_eq!((p.sent, p.failed), (0, 2));
    assert_eq!(got.lock().unwrap().len(), 2);
    let read = system_scope(home.id, Permission::PersonRead);
    let (mine, _) = app
        .store
        .person_notices(&AuditCtx::system("test"), &read, person.id)
        .unwrap();
    assert!(
        mine.iter()
            .all(|n| n.status == daftar_domain::notify::Status::Pending
                && n.last_error == "gateway: HTTP 503"),
        "{mine:?}"
    );
    // Due again (as after the backoff): a working gateway gets both, in Pashto.
    app.sql()
        .execute_raw("UPDATE outbox SET next_attempt_at = created_at")
        .unwrap();
    let (url, got) = gateway(200).await;
    let up = daftar_web::notify::SmsGateway::new(&url, false).unwrap();
    let p = daftar_web::notify::drain(&app.store, &i18n, &up, &cfg)
        .await
        .unwrap();
    assert_eq!((p.sent, p.failed), (2, 0));
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|(to, _)| to == PHONE));
    let texts: Vec<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("پړاو") && t.contains("تمدید کارت ۱۴۰۵")),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t.contains("ومنل شوه")), "{texts:?}");
    let (mine, _) = app
        .store
        .person_notices(&AuditCtx::system("test"), &read, person.id)
        .unwrap();
    assert!(
        mine.iter()
            .all(|n| n.status == daftar_domain::notify::Status::Sent)
    );
    assert!(daftar_web::notify::SmsGateway::new("https://gw.example/send", false).is_err());
}
crate::both!(sms_gateway, the_sms_gateway_gets_each_text_in_its_language);

/// A real SMTP server for the test: Python's `smtpd` debugging server on a free port, printing
/// every message it receives. `None` (the test skips) without Python's `smtpd`; with `CI=true`
/// that is a failure.
fn smtp_server() -> Option<(std::process::Child, u16, Arc<Mutex<String>>)> {
    use std::io::BufRead;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new("python3")
        .args([
            "-u",
            "-W",
            "ignore",
            "-m",
            "smtpd",
            "-n",
            "-c",
            "DebuggingServer",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "python3 -m smtpd is needed in CI: {e}"
            );
            eprintln!("skipped: no python3 for an SMTP server ({e})");
            return None;
        }
    };
    let out = Arc::new(Mutex::new(String::new()));
    let stdout = child.stdout.take().unwrap();
    let sink = out.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(|l| l.ok())
        {
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((child, port, out));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "python3 -m smtpd did not start (Python 3.12 removed it)"
    );
    eprintln!("skipped: python3 -m smtpd did not start");
    None
}

/// Issue 19.3's e-mail transport: a person gives an e-mail address for notices on the
/// notifications page (a bad one is refused, nothing saved); their notices are then planned by
/// e-mail and reach a real SMTP server in their language, while a person without one still
/// gets an SMS; with no SMTP server configured an e-mail notice fails for staff to see.
async fn notices_go_by_email_to_a_real_smtp_server(app: TestApp) {
    let home = app.office("THR-01");
    app.user("clerk.thr", "clerk", Some(home.id));
    let (person, _) = app.portal_holder(home.id);
    let other = app.person(home.id, "کریم");
    app.sql()
        .execute_raw(&format!(
            "UPDATE persons SET phone = '{PHONE}' WHERE id IN ('{}', '{}')",
            person.id, other.id
        ))
        .unwrap();
    let clerk = app.signed_in("clerk.thr").await;
    let url = format!("/offices/{}/persons/{}/notifications", home.id, person.id);
    let token = app.csrf(&clerk, &url).await;
    let post = |email: &'static str| {
        let (app, clerk, url, token) = (&app, &clerk, url.clone(), token.clone());
        async move {
            app.post_form(
                clerk,
                &url,
                &[("_csrf", &token), ("locale", "en"), ("email", email)],
            )
            .await
        }
    };
    assert_eq!(post("zahra at example").await.status(), 422);
    assert_eq!(post("zahra@example.org").await.status(), 303);
    let html = get_text(&app, &clerk, &url).await;
    assert!(
        html.contains("value=\"zahra@example.org\""),
        "shown on the person's page"
    );
    app.store
        .enqueue_notices(&[
            notice(person.id, Kind::CaseDecision),
            notice(other.id, Kind::CaseDecision),
        ])
        .unwrap();
    let read = system_scope(home.id, Permission::PersonRead);
    let (mine, _) = app
        .store
        .person_notices(&AuditCtx::system("test"), &read, person.id)
        .unwrap();
    assert_eq!(
        (mine[0].channel.as_str(), mine[0].address.as_deref()),
        ("email", Some("zahra@example.org"))
    );
    let i18n = Arc::new(daftar_web::i18n::I18n::load("fa-IR").unwrap());
    let cfg = daftar_web::notify::SenderConfig {
        worker: "web-test".into(),
        ..Default::default()
    };
    // The gateway alone: the e-mail notice has no transport and fails; the SMS goes.
    let (sms_url, got) = gateway(200).await;
    let settings = daftar_web::notify::TransportSettings {
        kind: "sms".into(),
        sms_url: sms_url.clone(),
        ..Default::default()
    };
    let t = daftar_web::notify::transport(&settings, &i18n).unwrap();
    let p = daftar_web::notify::drain(&app.store, &i18n, t.as_ref(), &cfg)
        .await
        .unwrap();
    assert_eq!((p.sent, p.failed), (1, 1));
    assert_eq!(got.lock().unwrap().len(), 1, "only the other person's SMS");
    let Some((mut server, port, seen)) = smtp_server() else {
        return;
    };
    // Both: the e-mail (retried at once here) reaches the SMTP server, in English.
    app.sql()
        .execute_raw("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00.000Z'")
        .unwrap();
    let t = daftar_web::notify::transport(
        &daftar_web::notify::TransportSettings {
            kind: "smtp".into(),
            sms_url,
            smtp_url: format!("smtp://127.0.0.1:{port}"),
            smtp_from: "daftar <notices@daftar.test>".into(),
            ..Default::default()
        },
        &i18n,
    )
    .unwrap();
    let p = daftar_web::notify::drain(&app.store, &i18n, t.as_ref(), &cfg)
        .await
        .unwrap();
    assert_eq!((p.sent, p.failed), (1, 0), "{p:?}");
    let mut text = String::new();
    for _ in 0..100 {
        text = seen.lock().unwrap().clone();
        if text.contains("END MESSAGE") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = server.kill();
    assert!(text.contains("To: zahra@example.org"), "{text}");
    assert!(
        text.contains("From: daftar <notices@daftar.test>"),
        "{text}"
    );
    assert!(
        text.contains("Subject: A notice from your office"),
        "{text}"
    );
    let (mine, _) = app
        .store
        .person_notices(&AuditCtx::system("test"), &read, person.id)
        .unwrap();
    assert_eq!(mine[0].status, daftar_domain::notify::Status::Sent);
}
crate::both!(email_by_smtp, notices_go_by_email_to_a_real_smtp_server);
