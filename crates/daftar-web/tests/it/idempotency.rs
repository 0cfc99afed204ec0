//! `Idempotency-Key` through the real server on both backends (docs/API.md, "Idempotency"):
//! a write whose answer never reached the client (the server died after committing) is
//! replayed, not repeated; routes whose answers hold secrets refuse the key; a replay is checked
//! for the same API token (not any token of the user) and audited as a read; answers expire.

use crate::harness::{TestApp, code, json_of};
use daftar_domain::audit::{AuditCtx, purpose};
use daftar_domain::idempotency::{PendingAnswer, TTL, request_hash};
use daftar_domain::ids::{ApiTokenId, OfficeId};
use daftar_domain::permission::{Permission, system_scope};
use daftar_domain::person::{Person, PersonDraft};
use daftar_domain::session::{ApiToken, secret_hash};
use daftar_domain::store::{AuditFilter, Store};
use daftar_testkit::Register;
use daftar_web::features::households::api::NewMember;
use daftar_web::features::persons::request::{NewDocument, NewPerson};
use daftar_web::idempotency::json_answer;
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;

/// An API token of `user` with `scopes`; returns its id and secret.
fn token(app: &TestApp, user: &str, scopes: &[&str]) -> (ApiTokenId, String) {
    let u = app
        .store
        .user_auth_by_username(&daftar_domain::user::Username::parse(user).unwrap())
        .unwrap()
        .unwrap()
        .user;
    let secret = format!("test-token-{}", ulid::Ulid::new());
    let t = ApiToken {
        id: ApiTokenId::new(),
        user_id: u.id,
        name: "sync".into(),
        purpose: "idempotency tests".into(),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        token_hash: secret_hash(&secret),
        created_at: time::OffsetDateTime::now_utc(),
        expires_at: None,
        revoked_at: None,
    };
    app.store
        .create_api_token(&AuditCtx::system("test"), &t)
        .unwrap();
    (t.id, secret)
}

/// What the server does with a keyed request, done here on the store directly and then
/// "lost": the write commits with the answer the server would have sent, and the client never
/// hears of it (the caller checks it was stored). `body` is the exact request body; `respond`
/// builds the answer as the route does. Answers whether the answer was stored.
fn keyed<T: std::any::Any + Send + 'static>(
    app: &TestApp,
    token: ApiTokenId,
    key: &str,
    path: &str,
    body: &[u8],
    respond: impl Fn(&T) -> daftar_domain::Result<daftar_domain::idempotency::StoredResponse>
    + Send
    + Sync
    + 'static,
    mut work: impl FnMut(&dyn Store) -> daftar_domain::Result<T> + Send,
) -> daftar_domain::Result<bool> {
    let hash = request_hash("POST", path, body);
    let answer = Arc::new(PendingAnswer {
        principal: format!("token:{token}"),
        key: key.into(),
        expires_at: time::OffsetDateTime::now_utc() + TTL,
        respond: Box::new(move |v: &dyn std::any::Any| {
            let mut a = respond(v.downcast_ref::<T>().unwrap())?;
            a.request_hash = hash.clone();
            Ok(a)
        }),
    });
    app.store.answering(answer, &mut |s| work(s).map(|_| ()))
}

/// Two requests with one key that both passed the replay lookup (on two web nodes, say): the
/// write that commits second is refused `409 idempotency.key.in_use` and rolled back, so the
/// key answers for one write only. (On PostgreSQL the answer is written with the `COMMIT`, so
/// the refusal is reported by the commit.)
async fn a_second_write_under_a_live_key_is_refused_and_rolled_back(app: TestApp) {
    let a = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(a.id));
    let (tid, _) = token(&app, "clerk.a", &["person.read", "person.write"]);
    let scope = system_scope(a.id, Permission::PersonWrite);
    let ctx = AuditCtx::system("race");
    let path = format!("/api/v1/offices/{}/persons", a.id);
    let respond = |p: &Person| {
        json_answer(
            StatusCode::CREATED,
            None,
            p,
            ("person.read", "person", p.id.to_string()),
        )
    };
    let draft = |given: &str| -> (Vec<u8>, PersonDraft) {
        let body = serde_json::to_vec(&json!({
            "given_name": given, "family_name": "رحیمی", "father_name": "کریم",
            "birth_date": "1368/02/11", "sex": "male", "nationality": "AFG"
        }))
        .unwrap();
        let new = serde_json::from_slice::<NewPerson>(&body).unwrap().into();
        (body, new)
    };
    let (body, first) = draft("نجیب");
    let stored = keyed(&app, tid, "race-1", &path, &body, respond, |s| {
        s.register(&ctx, &scope, &first)
    })
    .unwrap();
    assert!(stored, "the write stored its answer in its own transaction");
    let (body, second) = draft("نوید");
    let e = keyed(&app, tid, "race-1", &path, &body, respond, |s| {
        s.register(&ctx, &scope, &second)
    })
    .unwrap_err();
    assert_eq!(e.code, "idempotency.key.in_use");
    assert_eq!(persons_named(&app, a.id, "نجیب"), 1);
    assert_eq!(
        persons_named(&app, a.id, "نوید"),
        0,
        "the refused write was rolled back"
    );
    // Another key is free.
    let stored = keyed(&app, tid, "race-2", &path, &body, respond, |s| {
        s.register(&ctx, &scope, &second)
    })
    .unwrap();
    assert!(stored);
    assert_eq!(persons_named(&app, a.id, "نوید"), 1);
}
crate::both!(
    a_second_write_under_a_live_key_is_refused_and_rolled_back_t,
    a_second_write_under_a_live_key_is_refused_and_rolled_back
);

async fn post(
    app: &TestApp,
    secret: &str,
    key: &str,
    path: &str,
    body: &[u8],
    if_match: Option<&str>,
) -> reqwest::Response {
    let mut rb = reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(secret)
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(t) = if_match {
        rb = rb.header("if-match", format!("\"{t}\""));
    }
    rb.send().await.unwrap()
}

fn persons_named(app: &TestApp, office: OfficeId, given: &str) -> usize {
    app.store
        .list_persons(
            &AuditCtx::system("test"),
            &system_scope(office, Permission::PersonRead),
            daftar_domain::page::PageRequest {
                page: 1,
                per_page: 100,
            },
        )
        .unwrap()
        .items
        .iter()
        .filter(|p| p.given_name == given)
        .count()
}

/// Defect 15.15: the server registered a person (or added a member, or a document) and died
/// before answering; the client retries with the same key. It must get the answer of the write
/// that happened (same registry number, `Idempotent-Replayed`), not a second registration, nor
/// `412 household.version.stale` / `409 document.number.taken` for its own earlier write.
async fn a_committed_write_whose_answer_was_lost_is_replayed(app: TestApp) {
    let a = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(a.id));
    let (tid, secret) = token(&app, "clerk.a", &["person.read", "person.write"]);
    let scope = system_scope(a.id, Permission::PersonWrite);
    let ctx = AuditCtx::system("lost");

    // Registration.
    let path = format!("/api/v1/offices/{}/persons", a.id);
    let body = serde_json::to_vec(&json!({
        "given_name": "نجیب", "family_name": "رحیمی", "father_name": "کریم",
        "birth_date": "1368/02/11", "sex": "male", "nationality": "AFG"
    }))
    .unwrap();
    let new: PersonDraft = serde_json::from_slice::<NewPerson>(&body).unwrap().into();
    let stored = keyed(
        &app,
        tid,
        "reg-1",
        &path,
        &body,
        |p: &Person| {
            json_answer(
                StatusCode::CREATED,
                None,
                p,
                ("person.read", "person", p.id.to_string()),
            )
        },
        |s| s.register(&ctx, &scope, &new),
    )
    .unwrap();
    assert!(stored, "the write stored its answer in its own transaction");
    assert_eq!(persons_named(&app, a.id, "نجیب"), 1);
    let r = post(&app, &secret, "reg-1", &path, &body, None).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    let (_, person) = json_of(r).await;
    assert_eq!(
        persons_named(&app, a.id, "نجیب"),
        1,
        "the retry registered nobody new: {person}"
    );
    let pid: daftar_domain::ids::PersonId = person["id"].as_str().unwrap().parse().unwrap();

    // A document of that person: the retry is not `409 document.number.taken`.
    let rec = app
        .store
        .get_person(&ctx, &system_scope(a.id, Permission::PersonRead), pid)
        .unwrap();
    let tag = daftar_domain::etag::tag_of(&rec);
    let path = format!("/api/v1/offices/{}/persons/{pid}/documents", a.id);
    let body =
        serde_json::to_vec(&json!({"kind": "passport", "number": "P7654321", "issuer": "کابل"}))
            .unwrap();
    let doc = serde_json::from_slice::<NewDocument>(&body)
        .unwrap()
        .parse(daftar_domain::clock::Clock::default().today())
        .unwrap();
    let t2 = tag.clone();
    let stored = keyed(
        &app,
        tid,
        "doc-1",
        &path,
        &body,
        move |d: &daftar_domain::person::Document| {
            json_answer(
                StatusCode::CREATED,
                None,
                d,
                ("person.read", "person", pid.to_string()),
            )
        },
        |s| s.add_document(&ctx, &scope, pid, &doc, Some(&t2)),
    )
    .unwrap();
    assert!(stored, "the write stored its answer in its own transaction");
    let r = post(&app, &secret, "doc-1", &path, &body, Some(&tag)).await;
    let replayed = r.headers().get("idempotent-replayed").cloned();
    let (s, v) = json_of(r).await;
    assert_eq!((s, replayed.is_some()), (201, true), "{v}");
    assert_eq!(v["number"], "P7654321");

    // A household member: the retry is not `412 household.version.stale`.
    let head = app.person(a.id, "مریم");
    let h = app.store.create_household(&ctx, &scope, head.id).unwrap();
    let tag = daftar_domain::etag::tag_of(&h);
    let path = format!(
        "/api/v1/offices/{}/households/{}/members",
        a.id, h.household.id
    );
    let body = serde_json::to_vec(&json!({"person_id": pid.to_string(), "relationship": "spouse"}))
        .unwrap();
    let m: NewMember = serde_json::from_slice(&body).unwrap();
    let (hid, t2) = (h.household.id, tag.clone());
    let stored = keyed(
        &app,
        tid,
        "member-1",
        &path,
        &body,
        |v: &daftar_domain::household::HouseholdView| {
            json_answer(
                StatusCode::OK,
                Some(&format!("\"{}\"", daftar_domain::etag::tag_of(v))),
                v,
                ("household.read", "household", v.household.id.to_string()),
            )
        },
        |s| s.add_household_member(&ctx, &scope, hid, &m.parse()?, Some(&t2)),
    )
    .unwrap();
    assert!(stored, "the write stored its answer in its own transaction");
    let r = post(&app, &secret, "member-1", &path, &body, Some(&tag)).await;
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let (s, v) = json_of(r).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["members"].as_array().unwrap().len(), 2);
    // The answer the client gets first and the replay are the same, byte for byte.
    let now = app
        .store
        .get_household(&ctx, &system_scope(a.id, Permission::PersonRead), hid)
        .unwrap();
    assert_eq!(etag, format!("\"{}\"", daftar_domain::etag::tag_of(&now)));

    // Through the server itself: the first answer and its replay are identical, and a write
    // that failed (412) stored nothing, so its retry runs again.
    let path = format!("/api/v1/offices/{}/persons", a.id);
    let body = serde_json::to_vec(&json!({
        "given_name": "هادی", "family_name": "نوری", "father_name": "علی", "birth_date": "1370", "sex": "male",
        "nationality": "AFG"
    }))
    .unwrap();
    let first = post(&app, &secret, "reg-2", &path, &body, None).await;
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = first.text().await.unwrap();
    let again = post(&app, &secret, "reg-2", &path, &body, None).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.text().await.unwrap(), first);
    assert_eq!(persons_named(&app, a.id, "هادی"), 1);
    let path = format!("/api/v1/offices/{}/persons/{pid}/status", a.id);
    let body = serde_json::to_vec(&json!({"status": "renewed", "note": ""})).unwrap();
    let r = post(
        &app,
        &secret,
        "status-1",
        &path,
        &body,
        Some("0000000000000000"),
    )
    .await;
    assert_eq!(r.status(), 412);
    let rec = app
        .store
        .get_person(&ctx, &system_scope(a.id, Permission::PersonRead), pid)
        .unwrap();
    let tag = daftar_domain::etag::tag_of(&rec);
    let r = post(&app, &secret, "status-1", &path, &body, Some(&tag)).await;
    assert!(r.headers().get("idempotent-replayed").is_none());
    let (s, v) = json_of(r).await;
    assert_eq!(s, 200, "{v}");
}
crate::both!(
    a_committed_write_whose_answer_was_lost_is_replayed_t,
    a_committed_write_whose_answer_was_lost_is_replayed
);

/// Defect 15.10: no stored answer holds a secret (the routes that answer with one refuse the
/// key, and nothing is created); a replay is for the same token only and passes the route's
/// permission check first; it is audited as a read; answers expire.
async fn keys_are_refused_for_secrets_and_replays_are_checked_and_audited(app: TestApp) {
    let a = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(a.id));
    let (tid, writer) = token(&app, "clerk.a", &["person.read", "person.write"]);
    let (_, reader) = token(&app, "clerk.a", &["person.read"]);

    // Secret-bearing routes refuse a key before anything runs.
    let p = app.person(a.id, "لیلا");
    let clerk_a = app
        .store
        .user_auth_by_username(&daftar_domain::user::Username::parse("clerk.a").unwrap())
        .unwrap()
        .unwrap()
        .user
        .id;
    let tokens_before = app.store.list_api_tokens(clerk_a).unwrap().len();
    for (path, body) in [
        (
            "/api/v1/tokens".to_owned(),
            json!({"name": "x", "scopes": ["person.read"]}),
        ),
        (
            format!("/api/v1/offices/{}/persons/{}/share-codes", a.id, p.id),
            json!({"purpose": "school", "days": 7}),
        ),
        (
            format!("/api/v1/offices/{}/users", a.id),
            json!({"username": "new.clerk", "role": "clerk"}),
        ),
    ] {
        let r = post(
            &app,
            &writer,
            "secret-1",
            &path,
            body.to_string().as_bytes(),
            None,
        )
        .await;
        let (s, v) = json_of(r).await;
        assert_eq!(
            (s, code(&v)),
            (400, "idempotency.key.unsupported"),
            "{path}"
        );
    }
    let tokens_after = app.store.list_api_tokens(clerk_a).unwrap().len();
    assert_eq!(tokens_before, tokens_after);

    // A registration with the writing token…
    let path = format!("/api/v1/offices/{}/persons", a.id);
    let body = serde_json::to_vec(&json!({
        "given_name": "فرید", "family_name": "احمدی", "father_name": "رضا", "birth_date": "1365", "sex": "male",
        "nationality": "AFG"
    }))
    .unwrap();
    let r = post(&app, &writer, "k-1", &path, &body, None).await;
    let (s, person) = json_of(r).await;
    assert_eq!(s, 201, "{person}");
    let pid = person["id"].as_str().unwrap().to_owned();
    // …is not replayed to another token of the same user: that one is checked on its own and
    // may not register persons.
    let r = post(&app, &reader, "k-1", &path, &body, None).await;
    assert!(r.headers().get("idempotent-replayed").is_none());
    let (s, v) = json_of(r).await;
    assert_eq!(s, 403, "{v}");
    // The replay to the writing token is audited as a read of the person.
    let reads = |app: &TestApp| {
        app.store
            .audit_page(
                &AuditFilter {
                    action_prefix: Some("person.read".into()),
                    ..AuditFilter::default()
                },
                daftar_domain::page::PageRequest {
                    page: 1,
                    per_page: 100,
                },
            )
            .unwrap()
            .items
            .into_iter()
            .filter(|r| r.target_id == pid && r.purpose == purpose::SERVICE)
            .count()
    };
    let before = reads(&app);
    let r = post(&app, &writer, "k-1", &path, &body, None).await;
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    let (_, again) = json_of(r).await;
    assert_eq!(again, person);
    assert_eq!(
        reads(&app),
        before + 1,
        "a replay writes the read's audit row"
    );

    // Stored answers expire.
    let now = time::OffsetDateTime::now_utc();
    let principal = format!("token:{tid}");
    assert!(
        app.store
            .idempotent_response(&principal, "k-1", now)
            .unwrap()
            .is_some()
    );
    assert!(
        app.store
            .idempotent_response(&principal, "k-1", now + TTL)
            .unwrap()
            .is_none()
    );
    assert_eq!(app.store.purge_idempotent_answers(now + TTL).unwrap(), 1);
}
crate::both!(
    keys_are_refused_for_secrets_and_replays_are_checked_and_audited_t,
    keys_are_refused_for_secrets_and_replays_are_checked_and_audited
);

/// A keyed JSON write from a signed-in browser session (CSRF header): status, replayed or not,
/// and the body as text.
async fn keyed_write(
    app: &TestApp,
    (c, t): &(reqwest::Client, String),
    key: &str,
    path: &str,
    body: serde_json::Value,
) -> (u16, bool, String) {
    let r = c
        .post(app.url(path))
        .header("x-csrf-token", t)
        .header("idempotency-key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let replayed = r.headers().get("idempotent-replayed").is_some();
    (r.status().as_u16(), replayed, r.text().await.unwrap())
}

/// Left out before: a referral and a help-desk filing (staff's for a caller, or the person's own
/// on the portal) made twice when a client retried after a lost answer (a second ticket, or
/// `409 referral.open` for the client's own first referral).
/// With a key the retry gets the first answer, byte for byte, and nothing is made twice; the
/// referral committed with its answer by the store (the server died before answering) is
/// replayed as well.
async fn referrals_and_help_desk_filings_are_replayed_not_repeated(app: TestApp) {
    use crate::harness::api_client;
    use daftar_domain::referral::Consent;
    let a = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(a.id));
    app.user("manager.a", "office_manager", Some(a.id));
    let clerk = api_client(&app, "clerk.a").await;
    let ctx = AuditCtx::system("lost");

    // A referral, through the server: the retry is replayed, one referral.
    let p = app.person(a.id, "مهتاب");
    let path = format!("/api/v1/offices/{}/persons/{}/referrals", a.id, p.id);
    let body = json!({"type": "health_house", "consent": true});
    let (s, replayed, first) = keyed_write(&app, &clerk, "ref-1", &path, body.clone()).await;
    assert_eq!((s, replayed), (201, false), "{first}");
    let (s, replayed, again) = keyed_write(&app, &clerk, "ref-1", &path, body.clone()).await;
    assert_eq!((s, replayed), (201, true), "{again}");
    assert_eq!(
        again, first,
        "the replay is the first answer, byte for byte"
    );
    let made = app.store.person_referrals(&ctx, Some(a.id), p.id).unwrap();
    assert_eq!(made.len(), 1, "one referral");
    // Under another key the same request is a second attempt: the open referral is named.
    let (s, _, v) = keyed_write(&app, &clerk, "ref-2", &path, body.clone()).await;
    assert_eq!(s, 409, "{v}");
    assert!(v.contains("referral.open"), "{v}");
    assert!(
        app.audited("referral.read")
            .iter()
            .any(|r| r.actor == "clerk.a" && r.target_id == made[0].id),
        "the replay is audited as a read of the referral"
    );

    // A referral committed with its answer whose answer was lost: the retry is replayed (was
    // `409 referral.open`).
    let (tid, secret) = token(&app, "clerk.a", &["person.read", "person.write"]);
    let q = app.person(a.id, "یاسمن");
    let path = format!("/api/v1/offices/{}/persons/{}/referrals", a.id, q.id);
    let body = serde_json::to_vec(&json!({"type": "health_house", "consent": true})).unwrap();
    let ty = daftar_domain::profile::Profile::iran()
        .unwrap()
        .referrals
        .get("health_house")
        .unwrap()
        .clone();
    let scope = system_scope(a.id, Permission::PersonWrite);
    let today = daftar_domain::clock::Clock::default().today();
    let stored = keyed(
        &app,
        tid,
        "ref-lost",
        &path,
        &body,
        |r: &daftar_domain::referral::Referral| {
            json_answer(
                StatusCode::CREATED,
                None,
                &daftar_web::features::referrals::ReferralJson::from(r.clone()),
                ("referral.read", "referral", r.id.clone()),
            )
        },
        move |s| s.create_referral(&ctx, &scope, q.id, &ty, Consent::Office, today),
    )
    .unwrap();
    assert!(stored, "the write stored its answer in its own transaction");
    let r = post(&app, &secret, "ref-lost", &path, &body, None).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["idempotent-replayed"], "true");

    // A help-desk filing: the retry is replayed, one ticket.
    let manager = api_client(&app, "manager.a").await;
    let body = json!({"channel": "phone", "category": "question", "body": "مدارک تمدید چیست؟",
                      "contact_name": "رحیم", "contact_phone": "09120001111"});
    let path = "/api/v1/helpdesk/tickets";
    let (s, replayed, first) = keyed_write(&app, &manager, "t-1", path, body.clone()).await;
    assert_eq!((s, replayed), (201, false), "{first}");
    let (s, replayed, again) = keyed_write(&app, &manager, "t-1", path, body.clone()).await;
    assert_eq!((s, replayed), (201, true), "{again}");
    assert_eq!(again, first);
    assert_eq!(app.audited("helpdesk.file").len(), 1, "one ticket filed");
    let ticket: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert!(
        app.audited("helpdesk.read")
            .iter()
            .any(|r| r.actor == "manager.a" && r.target_id == ticket["id"].as_str().unwrap()),
        "the replay is audited as a read of the ticket"
    );
    // A clerk may not file for callers: refused before any key is looked at.
    let (s, _, v) = keyed_write(&app, &clerk, "t-1", path, body.clone()).await;
    assert_eq!(s, 403, "{v}");
    // Another body under the same key is refused, and files nothing.
    let other = json!({"channel": "phone", "category": "question", "body": "سؤال دیگر",
                       "contact_name": "رحیم", "contact_phone": "09120001111"});
    let (s, _, v) = keyed_write(&app, &manager, "t-1", path, other).await;
    assert_eq!(s, 422, "{v}");
    assert!(v.contains("idempotency.key.mismatch"), "{v}");
    assert_eq!(app.audited("helpdesk.file").len(), 1);

    // The person's own filing on the portal: replayed, one ticket; staff are refused (portal
    // accounts only).
    let (_, holder) = app.portal_holder(a.id);
    let c = app.signed_in(holder.username.as_str()).await;
    let t = app.csrf(&c, "/portal/help").await;
    let me = (c, t);
    let path = "/api/v1/portal/tickets";
    let body = json!({"category": "question", "body": "کی نوبت می‌دهید؟"});
    let (s, replayed, first) = keyed_write(&app, &me, "p-1", path, body.clone()).await;
    assert_eq!((s, replayed), (201, false), "{first}");
    let (s, replayed, again) = keyed_write(&app, &me, "p-1", path, body.clone()).await;
    assert_eq!((s, replayed), (201, true), "{again}");
    assert_eq!(
        again, first,
        "the replay is the first answer, byte for byte"
    );
    assert_eq!(app.audited("helpdesk.file").len(), 2, "one more ticket");
    assert!(
        app.audited("helpdesk.own")
            .iter()
            .any(|r| r.actor == holder.username.as_str()),
        "the replay is audited as the person's read of their own tickets"
    );
    let (s, _, v) = keyed_write(&app, &manager, "p-1", path, body.clone()).await;
    assert_eq!(s, 403, "{v}");
    assert!(v.contains("portal.only"), "{v}");
    let other = json!({"category": "question", "body": "سؤال دیگر"});
    let (s, _, v) = keyed_write(&app, &me, "p-1", path, other).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(app.audited("helpdesk.file").len(), 2);
    // A replay is checked like the request: once the account no longer stands for a person,
    // the same session's retry under the key is refused, not replayed.
    app.sql()
        .execute_raw(&format!(
            "DELETE FROM portal_accounts WHERE user_id = '{}'",
            holder.id
        ))
        .unwrap();
    let (s, replayed, v) = keyed_write(&app, &me, "p-1", path, body).await;
    assert_eq!((s, replayed), (404, false), "{v}");
    assert!(v.contains("portal.person.missing"), "{v}");
}
crate::both!(
    referrals_and_help_desk_filings_are_replayed_not_repeated_t,
    referrals_and_help_desk_filings_are_replayed_not_repeated
);
