//! Credentials through the real server on both backends: a household renewal approved through
//! the API issues one registration card per member; its QR text verifies online (only the
//! purpose's claims), tampering and junk are told apart, and revocation is seen at once; the
//! signed trust and status lists open with the pinned root key and verify offline, with deltas;
//! share codes for verifiers (birth date, verifier type, expiry of days, holder page, cancel,
//! lock after wrong birth dates, throttle per address); the public `/verify` page with text and
//! with a photo of the QR code.

use crate::harness::{TestApp, code, get_text, json_of, location};
use daftar_credential::lists::{StatusListDoc, TrustListDoc, verify_with_status};
use serde_json::{Value, json};

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// The birth date every harness person has (`TestApp::person`), Gregorian and Solar Hijri.
const BIRTH: &str = "1990-03-21";
const BIRTH_JALALI: &str = "1369/01/01";

/// Fields the employer profile of a registration card shows (`daftar_credential::profile`).
const EMPLOYER: [&str; 9] = [
    "given_name",
    "family_name",
    "father_name",
    "birth_date",
    "nationality",
    "status",
    "card_no",
    "valid_until",
    "work_allowed",
];

/// A signed-in client with the CSRF token the API wants for cookie sessions.
async fn api_client(app: &TestApp, user: &str) -> (reqwest::Client, String) {
    let c = app.signed_in(user).await;
    let t = app.csrf(&c, "/profile").await;
    (c, t)
}

/// An office with a clerk and a manager, and a household of three whose card renewal went all
/// the way to approval through the API.
struct Approved {
    office: String,
    head: daftar_domain::person::Person,
    others: Vec<daftar_domain::person::Person>,
    clerk: (reqwest::Client, String),
    manager: (reqwest::Client, String),
}

impl Approved {
    /// `/api/v1/offices/{office}/persons/{person}`.
    fn person_api(&self, p: &daftar_domain::person::Person) -> String {
        format!("/api/v1/offices/{}/persons/{}", self.office, p.id)
    }
}

async fn upload(
    app: &TestApp,
    c: &reqwest::Client,
    t: &str,
    path: &str,
    kind: &str,
    bytes: &[u8],
    mime: &str,
) {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec())
        .file_name("scan")
        .mime_str(mime)
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("kind", kind.to_owned())
        .part("file", part);
    let (s, v) = json_of(
        c.post(app.url(path))
            .header("x-csrf-token", t)
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "upload of {kind}: {v}");
}

/// Completes the current step as `c`; returns the case and its new ETag.
async fn complete(
    app: &TestApp,
    (c, t): &(reqwest::Client, String),
    path: &str,
    etag: &str,
) -> (Value, String) {
    let r = c
        .post(app.url(&format!("{path}/actions")))
        .header("x-csrf-token", t)
        .header("if-match", etag)
        .json(&json!({"action": "complete"}))
        .send()
        .await
        .unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let (s, v) = json_of(r).await;
    assert_eq!(s, 200, "{v}");
    (v, etag)
}

async fn approved_household(app: &TestApp) -> Approved {
    let a = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(a.id));
    app.user("mgr.a", "office_manager", Some(a.id));
    let (head, others) = app.household_with_cards(a.id);
    let clerk = api_client(app, "clerk.a").await;
    let manager = api_client(app, "mgr.a").await;
    let (c, t) = &clerk;
    let cases = format!("/api/v1/offices/{}/cases", a.id);
    let (s, opened) = json_of(
        c.post(app.url(&cases))
            .header("x-csrf-token", t)
            .json(&json!({"service": "card_renewal", "person_id": head.id.to_string(), "household": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{opened}");
    assert_eq!(opened["members"].as_array().unwrap().len(), 3);
    let path = format!("{cases}/{}", opened["case"]["id"].as_str().unwrap());
    let docs = format!("{path}/documents");
    upload(app, c, t, &docs, "photo", PNG, "image/png").await;
    upload(
        app,
        c,
        t,
        &docs,
        "registration_card",
        PDF,
        "application/pdf",
    )
    .await;
    let due = opened["fees_due"][0]["rials"].as_u64().unwrap();
    let (s, receipt) = json_of(
        c.post(app.url(&format!("{path}/payments")))
            .header("x-csrf-token", t)
            .json(&json!({"fee": "card", "rials": due.to_string(), "method": "card"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{receipt}");
    let r = c.get(app.url(&path)).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    // Nothing is issued before the approval.
    let (s, none) = json_of(
        c.get(app.url(&format!(
            "/api/v1/offices/{}/persons/{}/credentials",
            a.id, head.id
        )))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((s, none.as_array().map(Vec::len)), (200, Some(0)), "{none}");
    // Intake (clerk), approval (manager), issue (clerk).
    let (_, etag) = complete(app, &clerk, &path, &etag).await;
    let (_, etag) = complete(app, &manager, &path, &etag).await;
    let (v, _) = complete(app, &clerk, &path, &etag).await;
    assert_eq!(v["case"]["state"], "approved", "{v}");
    Approved {
        office: a.id.to_string(),
        head,
        others,
        clerk,
        manager,
    }
}

/// The one credential of `p`, checked to be a registration card for it.
async fn only_credential(app: &TestApp, s: &Approved, p: &daftar_domain::person::Person) -> Value {
    let (st, list) = json_of(
        s.clerk
            .0
            .get(app.url(&format!("{}/credentials", s.person_api(p))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(
        list.len(),
        1,
        "one credential per approved member: {list:?}"
    );
    let cred = list[0].clone();
    assert_eq!(cred["kind"], "registration_card", "{cred}");
    assert_eq!(cred["person_id"], p.id.to_string());
    assert_eq!(cred["issuer"], "IR/THR-01");
    assert!(cred["revoked_at"].is_null());
    let id = cred["id"].as_str().unwrap();
    assert!(
        id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    cred
}

/// The signed QR text of credential `id` of `p` for `purpose`.
async fn qr_text(
    app: &TestApp,
    s: &Approved,
    p: &daftar_domain::person::Person,
    id: &str,
    purpose: &str,
) -> String {
    let (st, v) = json_of(
        s.clerk
            .0
            .get(app.url(&format!(
                "{}/credentials/{id}/qr?purpose={purpose}",
                s.person_api(p)
            )))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let text = v["text"].as_str().unwrap().to_owned();
    assert!(text.starts_with("DF1:"), "{text}");
    assert!(v["svg"].as_str().unwrap().contains("<svg"));
    let version = v["qr_version"].as_i64().unwrap();
    assert!((1..=40).contains(&version), "{v}");
    text
}

/// Verifies `text` through the public API (no login).
async fn verify(app: &TestApp, text: &str) -> (u16, Value) {
    json_of(
        crate::harness::client()
            .post(app.url("/api/v1/credentials/verify"))
            .json(&json!({ "text": text }))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn revoke(
    app: &TestApp,
    (c, t): &(reqwest::Client, String),
    office: &str,
    id: &str,
    reason: &str,
) -> (u16, Value) {
    json_of(
        c.post(app.url(&format!("/api/v1/offices/{office}/credentials/{id}/revoke")))
            .header("x-csrf-token", t)
            .json(&json!({ "reason": reason }))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Replaces the character in the middle of the base45 part by another base45 character.
fn flip_middle(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let i = "DF1:".len() + (chars.len() - "DF1:".len()) / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

async fn approve_issues_a_credential_that_verifies_and_revocation_is_seen_at_once(app: TestApp) {
    let s = approved_household(&app).await;
    // Every member of the household got its own card.
    let member = &s.others[0];
    let cred = only_credential(&app, &s, member).await;
    let head_cred = only_credential(&app, &s, &s.head).await;
    let _ = only_credential(&app, &s, &s.others[1]).await;
    assert_ne!(cred["id"], head_cred["id"]);
    assert_eq!(cred["fields"]["given_name"], "کریم", "{cred}");
    assert_eq!(cred["fields"]["birth_date"], BIRTH, "{cred}");
    let id = cred["id"].as_str().unwrap().to_owned();

    // The employer's QR: valid, and only the employer profile's claims.
    let text = qr_text(&app, &s, member, &id, "employer").await;
    let (st, v) = verify(&app, &text).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["verdict"], "valid", "{v}");
    assert_eq!(v["kind"], "registration_card");
    assert_eq!(v["purpose"], "employer");
    assert_eq!(v["issuer"], "IR/THR-01");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    let fields = v["fields"].as_object().unwrap();
    assert_eq!(fields["given_name"], "کریم", "{v}");
    assert_eq!(fields["family_name"], "احمدی", "{v}");
    assert!(
        fields.keys().all(|k| EMPLOYER.contains(&k.as_str())),
        "only the employer profile: {v}"
    );
    for hidden in ["sex", "province", "school_age", "given_name_latin"] {
        assert!(
            !fields.contains_key(hidden),
            "{hidden} is not for employers: {v}"
        );
    }
    // A school's QR leaves out the card number and nationality.
    let school = qr_text(&app, &s, member, &id, "school").await;
    let (st, v) = verify(&app, &school).await;
    assert_eq!((st, v["verdict"].as_str()), (200, Some("valid")), "{v}");
    assert!(
        !v["fields"].as_object().unwrap().contains_key("card_no")
            && !v["fields"].as_object().unwrap().contains_key("nationality"),
        "{v}"
    );
    // A purpose that does not exist is refused; another person's path does not show it.
    let (st, v) = json_of(
        s.clerk
            .0
            .get(app.url(&format!(
                "{}/credentials/{id}/qr?purpose=neighbour",
                s.person_api(member)
            )))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((st, code(&v)), (422, "credential.purpose.invalid"), "{v}");
    let (st, v) = json_of(
        s.clerk
            .0
            .get(app.url(&format!("{}/credentials/{id}/qr", s.person_api(&s.head))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((st, code(&v)), (404, "credential.not_found"), "{v}");

    // One character changed: tampered, or not even well-formed; never valid, never a 500.
    let bent = flip_middle(&text);
    assert_ne!(bent, text);
    let (st, v) = verify(&app, &bent).await;
    assert!(
        (st == 200 && v["verdict"] == "tampered")
            || (st == 422 && code(&v).starts_with("credential.")),
        "{st} {v}"
    );
    assert!(
        v["fields"]
            .as_object()
            .is_none_or(serde_json::Map::is_empty),
        "{v}"
    );
    let (st, v) = verify(&app, "hello").await;
    assert_eq!((st, code(&v)), (422, "credential.prefix.invalid"), "{v}");

    // Another office sees nothing of it and cannot revoke it.
    let b = app.office("MSH-01");
    app.user("clerk.b", "clerk", Some(b.id));
    app.user("mgr.b", "office_manager", Some(b.id));
    let (cb, _) = api_client(&app, "clerk.b").await;
    let r = cb
        .get(app.url(&format!("{}/credentials", s.person_api(member))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = cb
        .get(app.url(&format!(
            "/api/v1/offices/{}/persons/{}/credentials/{id}/qr",
            b.id, member.id
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let mb = api_client(&app, "mgr.b").await;
    let (st, v) = revoke(&app, &mb, &b.id.to_string(), &id, "not ours").await;
    assert_eq!((st, code(&v)), (404, "credential.not_found"), "{v}");
    let (st, v) = revoke(&app, &mb, &s.office, &id, "not ours").await;
    assert_eq!(st, 403, "{v}");
    // Malformed texts: too long, not base45; never a 500.
    let long = format!("DF1:{}", "A".repeat(5000));
    let (st, v) = verify(&app, &long).await;
    assert_eq!((st, code(&v)), (422, "credential.too_long"), "{v}");
    let (st, v) = verify(&app, "DF1:!!!").await;
    assert_eq!((st, code(&v)), (422, "credential.encoding.invalid"), "{v}");

    // A clerk may not revoke; the manager must give a reason.
    let (st, v) = revoke(&app, &s.clerk, &s.office, &id, "lost").await;
    assert_eq!(st, 403, "{v}");
    let (st, v) = revoke(&app, &s.manager, &s.office, &id, "  ").await;
    assert_eq!((st, code(&v)), (422, "credential.reason.invalid"), "{v}");
    let (st, v) = verify(&app, &text).await;
    assert_eq!((st, v["verdict"].as_str()), (200, Some("valid")), "{v}");
    let (st, v) = revoke(&app, &s.manager, &s.office, &id, "کارت گم شده است").await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["id"], id.as_str());
    assert!(v["revoked_at"].is_string(), "{v}");
    assert_eq!(v["revoke_reason"], "کارت گم شده است");
    // Seen at once, by every QR of the credential; the other members' cards stay valid.
    let (st, v) = verify(&app, &text).await;
    assert_eq!((st, v["verdict"].as_str()), (200, Some("revoked")), "{v}");
    let (_, v) = verify(&app, &school).await;
    assert_eq!(v["verdict"], "revoked", "{v}");
    let head_id = head_cred["id"].as_str().unwrap();
    let head_text = qr_text(&app, &s, &s.head, head_id, "employer").await;
    let (_, v) = verify(&app, &head_text).await;
    assert_eq!(v["verdict"], "valid", "{v}");
    // The list shows the revocation; revoking again is a conflict.
    let (_, list) = json_of(
        s.clerk
            .0
            .get(app.url(&format!("{}/credentials", s.person_api(member))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(list[0]["revoked_at"].is_string(), "{list}");
    let (st, v) = revoke(&app, &s.manager, &s.office, &id, "again").await;
    assert_eq!((st, code(&v)), (409, "credential.revoked"), "{v}");
    // No share code for a revoked credential.
    let (st, v) = json_of(
        s.clerk
            .0
            .post(app.url(&format!("{}/share-codes", s.person_api(member))))
            .header("x-csrf-token", &s.clerk.1)
            .json(&json!({"credential_id": id, "verifier": "employer", "days": 30}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    // `days` as a JSON integer is read (issue 15, item 21), so the refusal is the revocation.
    assert_eq!((st, code(&v)), (409, "credential.revoked"), "{v}");
}

/// Status and body of a GET of a signed list file, checked to be COSE.
async fn list_file(app: &TestApp, path: &str) -> Vec<u8> {
    let r = crate::harness::client()
        .get(app.url(path))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/cose"),
        "{path}"
    );
    r.bytes().await.unwrap().to_vec()
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn offline_lists(app: TestApp) {
    let s = approved_household(&app).await;
    let member = &s.others[1];
    let cred = only_credential(&app, &s, member).await;
    let id = cred["id"].as_str().unwrap().to_owned();
    let cti = hex::decode(&id).unwrap();
    let text = qr_text(&app, &s, member, &id, "employer").await;
    let school = qr_text(&app, &s, member, &id, "school").await;

    // The root key the verifier pins, then both lists signed with it.
    let root_hex = get_text(
        &app,
        &crate::harness::client(),
        "/.well-known/daftar/root-key",
    )
    .await;
    let root_bytes: [u8; 32] = hex::decode(root_hex.trim()).unwrap().try_into().unwrap();
    let root = ed25519_dalek::VerifyingKey::from_bytes(&root_bytes).unwrap();
    let trust_doc = TrustListDoc::open(
        &list_file(&app, "/.well-known/daftar/trust-list").await,
        &root,
    )
    .unwrap();
    assert_eq!(trust_doc.keys.len(), 1, "{trust_doc:?}");
    assert_eq!(trust_doc.keys[0].state, "active");
    assert!(trust_doc.version >= 1);
    let trust = trust_doc.trust().unwrap();
    let mut status = StatusListDoc::open(
        &list_file(&app, "/.well-known/daftar/status-list").await,
        &root,
    )
    .unwrap();
    assert_eq!(status.since, 0);
    assert!(status.revoked.is_empty(), "{status:?}");
    // No QR names the holder's registry number unless its purpose profile lists `card_no`: the
    // subject is empty, the credential's opaque id is `cti` (a school's QR once carried the
    // registry number in `sub`).
    for (t, shows_card) in [(&text, true), (&school, false)] {
        let v = daftar_credential::verify(t, &trust, now()).unwrap();
        let c = v.claims().unwrap();
        assert_eq!(c.subject, "", "{c:?}");
        assert_eq!(hex::encode(&c.id), id);
        assert_ne!(c.subject, member.registry_no);
        let anywhere = c.fields.values().any(|f| f.contains(&member.registry_no));
        assert_eq!(anywhere, shows_card, "{c:?}");
    }
    let before = status.version;
    // Another key does not open them.
    let other = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
    let e = TrustListDoc::open(
        &list_file(&app, "/.well-known/daftar/trust-list").await,
        &other,
    )
    .unwrap_err();
    assert_eq!(e.code, "credential.list.wrong_root");

    // Offline: valid.
    let v = verify_with_status(&text, &trust, |c| status.is_revoked(c), now()).unwrap();
    assert_eq!(v.code(), "valid");
    let claims = v.claims().unwrap();
    assert_eq!(claims.id, cti);
    assert_eq!(claims.fields["given_name"], "سارا");
    // The online and the offline verifier agree on a changed text.
    let bent = flip_middle(&text);
    match verify_with_status(&bent, &trust, |c| status.is_revoked(c), now()) {
        Ok(v) => assert_eq!(v.code(), "tampered"),
        Err(e) => assert!(e.code.starts_with("credential."), "{e:?}"),
    }

    // Revoked: the delta since the verifier's version carries the id, and only it.
    let (st, v) = revoke(&app, &s.manager, &s.office, &id, "duplicate card").await;
    assert_eq!(st, 200, "{v}");
    let delta = StatusListDoc::open(
        &list_file(
            &app,
            &format!("/.well-known/daftar/status-list?since={before}"),
        )
        .await,
        &root,
    )
    .unwrap();
    assert_eq!(delta.since, before, "{delta:?}");
    assert!(delta.version > before, "{delta:?}");
    assert!(delta.is_revoked(&cti), "{delta:?}");
    assert_eq!(delta.revoked.len(), 1, "{delta:?}");
    // Before applying it, the offline verifier still says valid; after, revoked.
    let v = verify_with_status(&text, &trust, |c| status.is_revoked(c), now()).unwrap();
    assert_eq!(v.code(), "valid");
    status.apply(&delta).unwrap();
    assert_eq!(status.version, delta.version);
    let v = verify_with_status(&text, &trust, |c| status.is_revoked(c), now()).unwrap();
    assert_eq!(v.code(), "revoked");
    // The full list agrees; a delta from the current version is empty.
    let full = StatusListDoc::open(
        &list_file(&app, "/.well-known/daftar/status-list").await,
        &root,
    )
    .unwrap();
    assert_eq!(full.version, delta.version);
    assert!(full.is_revoked(&cti) && full.revoked.len() == 1, "{full:?}");
    let empty = StatusListDoc::open(
        &list_file(
            &app,
            &format!("/.well-known/daftar/status-list?since={}", full.version),
        )
        .await,
        &root,
    )
    .unwrap();
    assert!(empty.revoked.is_empty(), "{empty:?}");
    let r = crate::harness::client()
        .get(app.url("/.well-known/daftar/status-list?since=abc"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    // The other members' cards are not in it.
    let head = only_credential(&app, &s, &s.head).await;
    let head_text = qr_text(&app, &s, &s.head, head["id"].as_str().unwrap(), "police").await;
    let v = verify_with_status(&head_text, &trust, |c| status.is_revoked(c), now()).unwrap();
    assert_eq!(v.code(), "valid");
    assert_eq!(v.claims().unwrap().purpose, "police");
}

/// A share code check by a verifier (no login), from a fresh client.
async fn check(app: &TestApp, code: &str, birth: &str, verifier: &str, name: &str) -> (u16, Value) {
    json_of(
        crate::harness::client()
            .post(app.url("/api/v1/share/check"))
            .json(&json!({"code": code, "birth_date": birth, "verifier": verifier, "verifier_name": name}))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn new_share(
    app: &TestApp,
    s: &Approved,
    p: &daftar_domain::person::Person,
    body: Value,
) -> (u16, Value) {
    json_of(
        s.clerk
            .0
            .post(app.url(&format!("{}/share-codes", s.person_api(p))))
            .header("x-csrf-token", &s.clerk.1)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn share_codes(app: TestApp) {
    let s = approved_household(&app).await;
    let member = &s.head;
    let cred = only_credential(&app, &s, member).await;
    let id = cred["id"].as_str().unwrap().to_owned();
    let employer = "شرکت ساختمانی البرز";

    // Bad requests first: days out of range, an unknown verifier type, another's credential.
    for days in [
        json!("91"),
        json!("0"),
        json!("abc"),
        json!(""),
        json!(91),
        json!(-1),
    ] {
        let (st, v) = new_share(
            &app,
            &s,
            member,
            json!({"credential_id": id, "verifier": "employer", "days": days}),
        )
        .await;
        assert_eq!((st, code(&v)), (422, "share.days.invalid"), "{days}: {v}");
    }
    let (st, v) = new_share(
        &app,
        &s,
        member,
        json!({"credential_id": id, "verifier": "neighbour", "days": "30"}),
    )
    .await;
    assert_eq!((st, code(&v)), (422, "share.verifier.invalid"), "{v}");
    let (st, v) = new_share(
        &app,
        &s,
        &s.others[0],
        json!({"credential_id": id, "verifier": "employer", "days": "30"}),
    )
    .await;
    assert_eq!((st, code(&v)), (404, "credential.not_found"), "{v}");

    // The code for an employer, 30 days (Persian digits are fine).
    let (st, made) = new_share(
        &app,
        &s,
        member,
        json!({"credential_id": id, "verifier": "employer", "days": "۳۰"}),
    )
    .await;
    assert_eq!(st, 201, "{made}");
    let share_code = made["code"].as_str().unwrap().to_owned();
    assert!(
        share_code.len() == 11 && share_code.as_bytes()[5] == b'-',
        "{share_code}"
    );
    let manage = made["manage_path"].as_str().unwrap().to_owned();
    assert!(manage.starts_with("/share/manage/"), "{made}");
    assert_eq!(made["share"]["verifier"], "employer");
    assert_eq!(made["share"]["credential_id"], id.as_str());
    let created = time::OffsetDateTime::parse(
        made["share"]["created_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let expires = time::OffsetDateTime::parse(
        made["share"]["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let days = (expires - created).whole_hours();
    assert!((30 * 24 - 1..=30 * 24).contains(&days), "{made}");
    // Neither the code nor the token is kept in the answer's record.
    assert!(!made["share"].to_string().contains(&share_code));

    // The right birth date shows only the employer's claims.
    let (st, v) = check(&app, &share_code, BIRTH, "employer", employer).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["verdict"], "valid", "{v}");
    assert_eq!(v["kind"], "registration_card");
    assert_eq!(v["issuer"], "IR/THR-01");
    let fields = v["fields"].as_object().unwrap();
    assert_eq!(fields["given_name"], "زهرا", "{v}");
    assert!(
        fields.keys().all(|k| EMPLOYER.contains(&k.as_str())),
        "only the employer profile: {v}"
    );
    assert!(
        !fields.contains_key("sex") && !fields.contains_key("province"),
        "{v}"
    );
    // Typed the way people type it: lower case, no dash, Solar Hijri birth date.
    let sloppy = share_code.replace('-', " ").to_lowercase();
    let (st, v) = check(&app, &sloppy, BIRTH_JALALI, "employer", employer).await;
    assert_eq!((st, v["verdict"].as_str()), (200, Some("valid")), "{v}");
    // A wrong birth date and an unknown code get the same answer.
    let (st, v) = check(&app, &share_code, "1990-03-22", "employer", employer).await;
    assert_eq!((st, code(&v)), (404, "share.check.failed"), "{v}");
    let unknown = if share_code.starts_with('A') {
        "BBBBB-BBBBB"
    } else {
        "AAAAA-AAAAA"
    };
    let (st, v) = check(&app, unknown, BIRTH, "employer", employer).await;
    assert_eq!((st, code(&v)), (404, "share.check.failed"), "{v}");
    // Another verifier type is refused; a name is required.
    let (st, v) = check(&app, &share_code, BIRTH, "school", "مدرسه").await;
    assert_eq!((st, code(&v)), (403, "share.verifier.mismatch"), "{v}");
    let (st, v) = check(&app, &share_code, BIRTH, "employer", " ").await;
    assert_eq!((st, code(&v)), (422, "share.verifier_name.invalid"), "{v}");

    // The office sees every check with its outcome.
    let (st, list) = json_of(
        s.clerk
            .0
            .get(app.url(&format!("{}/share-codes", s.person_api(member))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{list}");
    let codes = list.as_array().unwrap();
    assert_eq!(codes.len(), 1, "{list}");
    let outcomes: Vec<&str> = codes[0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    let mut sorted = outcomes.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        ["birth_date_wrong", "shown", "shown", "verifier_mismatch"],
        "{list}"
    );
    // The right birth date (with the wrong verifier type) ended the run of wrong ones.
    assert_eq!(codes[0]["failures"], 0, "{list}");

    // The holder's page (no login) lists the checks with the names the verifiers gave.
    let holder = crate::harness::client();
    let html = get_text(&app, &holder, &manage).await;
    assert!(html.contains(employer), "{html}");
    assert!(html.contains("مدرسه"), "{html}");
    assert!(
        html.contains("id=\"checks\"") && html.contains("id=\"share-cancel\""),
        "{html}"
    );
    let r = holder
        .get(app.url("/share/manage/not-a-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Cancel it there: without the CSRF token nothing happens; with it, the code is dead.
    let r = app.post_form(&holder, &manage, &[]).await;
    assert_eq!(r.status(), 403);
    let (st, v) = check(&app, &share_code, BIRTH, "employer", employer).await;
    assert_eq!(st, 200, "{v}");
    let token = crate::harness::csrf_in(&html).unwrap();
    let r = app.post_form(&holder, &manage, &[("_csrf", &token)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), manage);
    let (st, v) = check(&app, &share_code, BIRTH, "employer", employer).await;
    assert_eq!((st, code(&v)), (409, "share.code.cancelled"), "{v}");
    let html = get_text(&app, &holder, &manage).await;
    assert!(!html.contains("id=\"share-cancel\""), "{html}");

    // A second code: five wrong birth dates lock it, then even the right one is refused.
    let (st, made) = new_share(
        &app,
        &s,
        member,
        json!({"credential_id": id, "verifier": "bank", "days": "1"}),
    )
    .await;
    assert_eq!(st, 201, "{made}");
    let second = made["code"].as_str().unwrap().to_owned();
    assert_ne!(second, share_code);
    for day in 1..=5 {
        let (st, v) = check(
            &app,
            &second,
            &format!("1991-01-0{day}"),
            "bank",
            "بانک ملی",
        )
        .await;
        assert_eq!(
            (st, code(&v)),
            (404, "share.check.failed"),
            "try {day}: {v}"
        );
    }
    let (st, v) = check(&app, &second, BIRTH, "bank", "بانک ملی").await;
    assert_eq!((st, code(&v)), (409, "share.code.locked"), "{v}");

    // A code for a credential revoked afterwards shows nothing.
    let (st, made) = new_share(
        &app,
        &s,
        member,
        json!({"credential_id": id, "verifier": "police", "days": "90"}),
    )
    .await;
    assert_eq!(st, 201, "{made}");
    let third = made["code"].as_str().unwrap().to_owned();
    let (st, v) = check(&app, &third, BIRTH, "police", "کلانتری ۱۲").await;
    assert_eq!((st, v["verdict"].as_str()), (200, Some("valid")), "{v}");
    let (st, v) = revoke(&app, &s.manager, &s.office, &id, "expired residence").await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = check(&app, &third, BIRTH, "police", "کلانتری ۱۲").await;
    assert_eq!((st, code(&v)), (409, "credential.revoked"), "{v}");

    // Failures so far from this address: 1 wrong birth date, 1 unknown code, 5 on the second
    // code. Three more unknown codes reach the limit of 10; then even a good check is refused.
    for _ in 0..3 {
        let (st, v) = check(&app, unknown, BIRTH, "employer", employer).await;
        assert_eq!((st, code(&v)), (404, "share.check.failed"), "{v}");
    }
    let (st, v) = check(&app, &third, BIRTH, "police", "کلانتری ۱۲").await;
    assert_eq!((st, code(&v)), (429, "share.too_many"), "{v}");
}

/// A PNG of the QR code of `text` (black modules, four-module quiet zone, 6 px a module).
fn qr_png(text: &str) -> Vec<u8> {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::Q).unwrap();
    let (w, colors) = (code.width(), code.to_colors());
    let (scale, quiet) = (6u32, 4u32);
    let side = (u32::try_from(w).unwrap() + 2 * quiet) * scale;
    let img = image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / scale, y / scale);
        let dark = mx >= quiet
            && my >= quiet
            && mx < quiet + u32::try_from(w).unwrap()
            && my < quiet + u32::try_from(w).unwrap()
            && colors
                [usize::try_from((my - quiet) * u32::try_from(w).unwrap() + mx - quiet).unwrap()]
                == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn post_verify(
    app: &TestApp,
    c: &reqwest::Client,
    csrf: Option<&str>,
    text: Option<&str>,
    image: Option<Vec<u8>>,
) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new();
    if let Some(t) = csrf {
        form = form.text("_csrf", t.to_owned());
    }
    if let Some(t) = text {
        form = form.text("text", t.to_owned());
    }
    if let Some(b) = image {
        form = form.part(
            "image",
            reqwest::multipart::Part::bytes(b)
                .file_name("qr.png")
                .mime_str("image/png")
                .unwrap(),
        );
    }
    let r = c
        .post(app.url("/verify"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn verify_page_in_html(app: TestApp) {
    let s = approved_household(&app).await;
    let member = &s.others[0];
    let cred = only_credential(&app, &s, member).await;
    let id = cred["id"].as_str().unwrap().to_owned();
    let text = qr_text(&app, &s, member, &id, "employer").await;

    // Public: no login, a form with a CSRF token.
    let anon = crate::harness::client();
    let r = anon.get(app.url("/verify")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"verify-form\""), "{html}");
    assert!(!html.contains("data-verdict"), "{html}");
    let token = crate::harness::csrf_in(&html).unwrap();

    // Without the token: refused.
    let (st, _) = post_verify(&app, &anon, None, Some(&text), None).await;
    assert_eq!(st, 403);
    // The text: valid, with the claims in the QR and nothing else.
    let (st, html) = post_verify(&app, &anon, Some(&token), Some(&text), None).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("data-verdict=\"valid\""), "{html}");
    assert!(
        html.contains("کریم") && html.contains("IR/THR-01"),
        "{html}"
    );
    assert!(!html.contains("id=\"verify-error\""), "{html}");
    // A photo of the QR code: the same verdict.
    let (st, html) = post_verify(&app, &anon, Some(&token), None, Some(qr_png(&text))).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("data-verdict=\"valid\""), "{html}");
    // A picture that is no image, junk text, nothing at all: a message, no verdict.
    for (t, img) in [
        (None, Some(b"GIF89a not really".to_vec())),
        (Some("hello"), None),
        (None, None),
    ] {
        let (st, html) = post_verify(&app, &anon, Some(&token), t, img).await;
        assert_eq!(st, 422, "{html}");
        assert!(
            html.contains("id=\"verify-error\"") && !html.contains("data-verdict"),
            "{html}"
        );
    }
    // What was typed comes back escaped.
    let (st, html) = post_verify(
        &app,
        &anon,
        Some(&token),
        Some("<script>alert(1)</script>"),
        None,
    )
    .await;
    assert_eq!(st, 422, "{html}");
    assert!(!html.contains("<script>alert(1)"), "{html}");
    // A changed text is not valid on the page either.
    let (st, html) = post_verify(&app, &anon, Some(&token), Some(&flip_middle(&text)), None).await;
    assert!(
        (st == 200 && html.contains("data-verdict=\"tampered\""))
            || (st == 422 && html.contains("id=\"verify-error\"")),
        "{st} {html}"
    );
    // Revoked: the page says so.
    let (st, v) = revoke(&app, &s.manager, &s.office, &id, "stolen").await;
    assert_eq!(st, 200, "{v}");
    let (st, html) = post_verify(&app, &anon, Some(&token), Some(&text), None).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("data-verdict=\"revoked\""), "{html}");
}

/// Many wrong birth dates sent at once for one code: the lock must still stop guessing after
/// five, and the address must still be refused after ten failures.
async fn share_lock_holds_under_parallel_guesses(app: TestApp) {
    let s = approved_household(&app).await;
    let cred = only_credential(&app, &s, &s.head).await;
    let id = cred["id"].as_str().unwrap().to_owned();
    let (st, made) = new_share(
        &app,
        &s,
        &s.head,
        json!({"credential_id": id, "verifier": "employer", "days": "30"}),
    )
    .await;
    assert_eq!(st, 201, "{made}");
    let share = made["code"].as_str().unwrap().to_owned();
    let url = app.url("/api/v1/share/check");
    let mut set = tokio::task::JoinSet::new();
    for i in 0..40u32 {
        let (url, share) = (url.clone(), share.clone());
        let birth = format!("1980-{:02}-{:02}", 1 + i / 28, 1 + i % 28);
        set.spawn(async move {
            let r = crate::harness::client()
                .post(url)
                .json(&json!({"code": share, "birth_date": birth, "verifier": "employer", "verifier_name": "x"}))
                .send()
                .await
                .unwrap();
            let (s, v) = json_of(r).await;
            format!("{s} {}", code(&v))
        });
    }
    let mut answers = std::collections::BTreeMap::<String, u32>::new();
    while let Some(r) = set.join_next().await {
        *answers.entry(r.unwrap()).or_default() += 1;
    }
    assert!(
        answers.keys().all(|k| [
            "404 share.check.failed",
            "409 share.code.locked",
            "429 share.too_many"
        ]
        .contains(&k.as_str())),
        "{answers:?}"
    );
    let guessed = answers.get("404 share.check.failed").copied().unwrap_or(0);
    assert!(
        guessed <= 5,
        "{guessed} birth dates were tried against one code (the lock allows 5): {answers:?}"
    );
    let (_, list) = json_of(
        s.clerk
            .0
            .get(app.url(&format!("{}/share-codes", s.person_api(&s.head))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(list[0]["failures"].as_u64().unwrap() <= 5, "{list}");
}

crate::both!(
    approve_and_revoke,
    approve_issues_a_credential_that_verifies_and_revocation_is_seen_at_once
);
crate::both!(offline, offline_lists);
crate::both!(shares, share_codes);
crate::both!(verify_page, verify_page_in_html);

/// Parallel guesses against one code (the lock and the address limit are counted before
/// comparing).
mod share_lock_parallel {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = crate::harness::TestApp::start(crate::harness::Backend::Sqlite)
            .await
            .unwrap();
        share_lock_holds_under_parallel_guesses(app).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = crate::harness::TestApp::start(crate::harness::Backend::Postgres).await {
            share_lock_holds_under_parallel_guesses(app).await;
        }
    }
}

/// The part of `html` from the first `start` to the next `end` after it (panics when absent).
fn fragment<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} is not on the page: {html}"));
    let rest = &html[i..];
    &rest[..rest.find(end).map_or(rest.len(), |j| j + end.len())]
}

/// The text of the element with `id` (up to its first closing tag).
fn text_of<'a>(html: &'a str, id: &str) -> &'a str {
    let tag = format!("id=\"{id}\">");
    let i = html
        .find(&tag)
        .unwrap_or_else(|| panic!("no #{id} on the page: {html}"))
        + tag.len();
    let rest = &html[i..];
    &rest[..rest.find('<').unwrap()]
}

/// The `data-share` ids on a person's credentials page, in page order.
fn share_ids(html: &str) -> Vec<String> {
    html.match_indices("data-share=\"")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// The expiry of a credential (JSON from the API) as the staff pages show it: the Jalali date
/// (Persian digits) with the Gregorian ISO date in parentheses.
fn expiry_dates(cred: &Value) -> (String, String, String) {
    let expires = time::OffsetDateTime::parse(
        cred["expires"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
    .date();
    let jalali = daftar_domain::jalali::JalaliDate::from_iso(expires);
    (
        daftar_domain::digits::to_persian_digits(&jalali.year().to_string()),
        jalali.format("fa-IR"),
        daftar_domain::jalali::iso_day(expires),
    )
}

async fn staff_pages_print_revoke_and_share(app: TestApp) {
    let s = approved_household(&app).await;
    let member = &s.others[0];
    let cred = only_credential(&app, &s, member).await;
    let id = cred["id"].as_str().unwrap().to_owned();
    let clerk = &s.clerk.0;
    let manager = &s.manager.0;
    let page = format!("/offices/{}/persons/{}/credentials", s.office, member.id);
    let card = |purpose: &str| format!("{page}/{id}/card?purpose={purpose}");

    // The list, for the clerk: the credential, a print form, no revoke form.
    let r = clerk.get(app.url(&page)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("data-credential=\"{id}\"")),
        "{html}"
    );
    assert!(
        html.contains(&format!("action=\"{page}/{id}/card\"")),
        "{html}"
    );
    assert!(
        !html.contains("/revoke\"") && !html.contains("name=\"reason\""),
        "a clerk lacks credential.revoke: {html}"
    );
    assert!(html.contains("id=\"share-new\""), "{html}");
    assert!(html.contains("id=\"no-shares\""), "{html}");
    // ...and for the manager, with the revoke form.
    let r = manager.get(app.url(&page)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("data-credential=\"{id}\"")),
        "{html}"
    );
    assert!(
        html.contains(&format!("action=\"{page}/{id}/revoke\""))
            && html.contains("name=\"reason\""),
        "the manager may revoke: {html}"
    );

    // The printable card: the QR, the expiry in both calendars.
    let r = clerk.get(app.url(&card("full"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        fragment(&html, "id=\"card-qr\"", "</figure>").contains("<svg"),
        "{html}"
    );
    let (year, jalali, iso) = expiry_dates(&cred);
    assert!(
        html.contains(&year),
        "the Jalali year {year} of the expiry: {html}"
    );
    assert!(
        html.contains(&format!("(\u{2066}{iso}\u{2069})")),
        "the Gregorian expiry ({iso}): {html}"
    );
    assert!(
        html.contains(&format!("{jalali} (\u{2066}{iso}\u{2069})")),
        "the expiry as {jalali} ({iso}): {html}"
    );
    assert!(html.contains("کریم") && html.contains(&id), "{html}");
    // The employer's card is printable too; a purpose that does not exist is a 4xx.
    let r = clerk.get(app.url(&card("employer"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = clerk.get(app.url(&card("bogus"))).send().await.unwrap();
    assert!(
        r.status().is_client_error(),
        "purpose=bogus: {}",
        r.status()
    );
    // Another person's path does not show it.
    let r = clerk
        .get(app.url(&format!(
            "/offices/{}/persons/{}/credentials/{id}/card?purpose=full",
            s.office, s.head.id
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // A share code through the form: the code and the holder's link are shown once.
    let token = app.csrf(clerk, &page).await;
    let r = app
        .post_form(
            clerk,
            &format!("/offices/{}/persons/{}/share-codes", s.office, member.id),
            &[
                ("_csrf", &token),
                ("credential_id", &id),
                ("verifier", "employer"),
                ("days", "30"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let share_code = text_of(&html, "new-share-code").to_owned();
    assert!(
        share_code.len() == 11 && share_code.as_bytes()[5] == b'-',
        "{share_code}"
    );
    let link = text_of(&html, "new-share-link").to_owned();
    assert!(link.starts_with("/share/manage/"), "{link}");
    let shares = share_ids(&html);
    assert_eq!(shares.len(), 1, "{html}");
    let again = get_text(&app, clerk, &page).await;
    assert!(
        !again.contains("new-share-code") && !again.contains(&share_code) && !again.contains(&link),
        "shown only once: {again}"
    );
    // It works for the employer, and the holder's link opens.
    let (st, v) = check(&app, &share_code, BIRTH, "employer", "شرکت البرز").await;
    assert_eq!((st, v["verdict"].as_str()), (200, Some("valid")), "{v}");
    let r = crate::harness::client()
        .get(app.url(&link))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Days out of range through the form: the page says so and nothing is made.
    let r = app
        .post_form(
            clerk,
            &format!("/offices/{}/persons/{}/share-codes", s.office, member.id),
            &[
                ("_csrf", &token),
                ("credential_id", &id),
                ("verifier", "employer"),
                ("days", "0"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"credentials-error\"")
            && html.contains("تعداد روزها باید بین 1 تا 90 باشد"),
        "{html}"
    );
    assert!(!html.contains("id=\"new-share-code\""), "{html}");
    assert_eq!(share_ids(&html), shares, "{html}");
    let (_, list) = json_of(
        clerk
            .get(app.url(&format!("{}/share-codes", s.person_api(member))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    // The office cancels it: the list shows it cancelled, without a cancel button.
    let cancel = format!(
        "/offices/{}/persons/{}/share-codes/{}/cancel",
        s.office, member.id, shares[0]
    );
    let article = |html: &str| {
        fragment(html, &format!("data-share=\"{}\"", shares[0]), "</article>").to_owned()
    };
    let html = get_text(&app, clerk, &page).await;
    assert!(
        article(&html).contains(&format!("action=\"{cancel}\"")),
        "{html}"
    );
    assert!(article(&html).contains("فعال"), "{html}");
    let r = app.post_form(clerk, &cancel, &[]).await;
    assert_eq!(r.status(), 403, "no CSRF token");
    let r = app.post_form(clerk, &cancel, &[("_csrf", &token)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), page);
    let html = get_text(&app, clerk, &page).await;
    let a = article(&html);
    assert!(a.contains("لغو شده"), "cancelled: {a}");
    assert!(!a.contains("/cancel\""), "{a}");
    let (st, v) = check(&app, &share_code, BIRTH, "employer", "شرکت البرز").await;
    assert_eq!((st, code(&v)), (409, "share.code.cancelled"), "{v}");

    // Revoke through the form: the clerk may not; the manager must give a reason, then does.
    let revoke_path = format!("{page}/{id}/revoke");
    let r = app
        .post_form(
            clerk,
            &revoke_path,
            &[("_csrf", &token), ("reason", "lost")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let mtoken = app.csrf(manager, &page).await;
    let r = app
        .post_form(
            manager,
            &revoke_path,
            &[("_csrf", &mtoken), ("reason", " ")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"credentials-error\""), "{html}");
    let r = app
        .post_form(manager, &revoke_path, &[("reason", "کارت گم شده است")])
        .await;
    assert_eq!(r.status(), 403, "no CSRF token");
    let (_, v) = verify(&app, &qr_text(&app, &s, member, &id, "employer").await).await;
    assert_eq!(v["verdict"], "valid", "nothing revoked yet: {v}");
    let r = app
        .post_form(
            manager,
            &revoke_path,
            &[("_csrf", &mtoken), ("reason", "کارت گم شده است")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), page);
    let html = get_text(&app, manager, &page).await;
    let row = fragment(&html, &format!("data-credential=\"{id}\""), "</tr>");
    assert!(row.contains("باطل‌شده"), "revoked: {row}");
    assert!(
        !row.contains("/revoke\"") && !row.contains("/card\""),
        "nothing to print or revoke: {row}"
    );
    let r = manager.get(app.url(&card("full"))).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let r = clerk.get(app.url(&card("employer"))).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let (_, list) = json_of(
        clerk
            .get(app.url(&format!("{}/credentials", s.person_api(member))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list[0]["revoke_reason"], "کارت گم شده است", "{list}");
    // The other members' cards are untouched.
    let head = only_credential(&app, &s, &s.head).await;
    let r = clerk
        .get(app.url(&format!(
            "/offices/{}/persons/{}/credentials/{}/card?purpose=full",
            s.office,
            s.head.id,
            head["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn share_page_in_html(app: TestApp) {
    let s = approved_household(&app).await;
    let member = &s.head;
    let cred = only_credential(&app, &s, member).await;
    let id = cred["id"].as_str().unwrap().to_owned();
    let (st, made) = new_share(
        &app,
        &s,
        member,
        json!({"credential_id": id, "verifier": "employer", "days": "30"}),
    )
    .await;
    assert_eq!(st, 201, "{made}");
    let share_code = made["code"].as_str().unwrap().to_owned();
    let employer = "شرکت ساختمانی البرز";

    // Public: no login, a form with a CSRF token.
    let anon = crate::harness::client();
    let r = anon.get(app.url("/share")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"share-form\""), "{html}");
    assert!(
        !html.contains("id=\"share-result\"") && !html.contains("id=\"share-error\""),
        "{html}"
    );
    let token = crate::harness::csrf_in(&html).unwrap();
    let form = |birth: &'static str| {
        vec![
            ("_csrf", token.clone()),
            ("code", share_code.clone()),
            ("birth_date", birth.to_owned()),
            ("verifier", "employer".to_owned()),
            ("verifier_name", employer.to_owned()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let anon = anon.clone();
        let url = app.url("/share");
        async move {
            let r = anon.post(url).form(&fields).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };

    // Without the token: refused, nothing recorded.
    let mut no_token = form(BIRTH);
    no_token.remove(0);
    let (st, _) = post(no_token).await;
    assert_eq!(st, 403);

    // The right code and birth date: only the employer's claims.
    let (st, html) = post(form(BIRTH)).await;
    assert_eq!(st, 200, "{html}");
    assert!(!html.contains("id=\"share-error\""), "{html}");
    let result = fragment(&html, "id=\"share-result\"", "</section>");
    assert!(
        result.contains("زهرا") && result.contains("IR/THR-01"),
        "{result}"
    );
    // Kind, issuer, expiry, then one line per employer field the card has.
    let shown = cred["fields"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| EMPLOYER.contains(&k.as_str()))
        .count();
    assert!(shown >= 5, "{cred}");
    assert_eq!(result.matches("<dt>").count(), 3 + shown, "{result}");
    for hidden in ["جنسیت", "استان محل سکونت", "در سن مدرسه", "(لاتین)"]
    {
        assert!(
            !result.contains(hidden),
            "{hidden} is not for employers: {result}"
        );
    }
    let (_, _, iso) = expiry_dates(&cred);
    assert!(
        result.contains(&format!("(\u{2066}{iso}\u{2069})")),
        "{result}"
    );

    // A wrong birth date: the same answer as an unknown code, on the page.
    let (st, html) = post(form("1990-03-22")).await;
    assert_eq!(st, 404, "{html}");
    assert!(
        html.contains("id=\"share-error\"") && !html.contains("id=\"share-result\""),
        "{html}"
    );
    assert!(html.contains("کد یا تاریخ تولد نادرست است"), "{html}");
    // What was typed comes back, escaped.
    let mut odd = form(BIRTH);
    odd[4].1 = "<script>alert(1)</script>".to_owned();
    odd[1].1 = "ZZZZZ-ZZZZZ".to_owned();
    let (st, html) = post(odd).await;
    assert!(st == 404 || st == 422, "{st} {html}");
    assert!(!html.contains("<script>alert(1)"), "{html}");

    // The office sees the checks made through the page.
    let (_, list) = json_of(
        s.clerk
            .0
            .get(app.url(&format!("{}/share-codes", s.person_api(member))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let mut outcomes: Vec<&str> = list[0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    outcomes.sort_unstable();
    assert_eq!(outcomes, ["birth_date_wrong", "shown"], "{list}");
}

crate::both!(staff_pages, staff_pages_print_revoke_and_share);
crate::both!(share_page, share_page_in_html);

/// A share code for `member`'s one credential: (credential id, share id, code).
async fn member_share(
    app: &TestApp,
    s: &Approved,
    member: &daftar_domain::person::Person,
) -> (String, String, String) {
    let cred = only_credential(app, s, member).await;
    let id = cred["id"].as_str().unwrap().to_owned();
    let (st, made) = new_share(
        app,
        s,
        member,
        json!({"credential_id": id, "verifier": "bank", "days": "5"}),
    )
    .await;
    assert_eq!(st, 201, "{made}");
    (
        id,
        made["share"]["id"].as_str().unwrap().to_owned(),
        made["code"].as_str().unwrap().to_owned(),
    )
}

/// Another office gets nothing from the staff pages and forms of this office's person.
async fn staff_pages_stay_in_their_office(app: TestApp) {
    let s = approved_household(&app).await;
    let member = &s.others[0];
    let (id, share_id, share_code) = member_share(&app, &s, member).await;
    let member_page = format!("/offices/{}/persons/{}/credentials", s.office, member.id);
    let b = app.office("MSH-01");
    app.user("mgr.b", "office_manager", Some(b.id));
    let other = app.signed_in("mgr.b").await;
    let other_token = app.csrf(&other, "/profile").await;
    let r = other.get(app.url(&member_page)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let own_path = format!("/offices/{}/persons/{}/credentials", b.id, member.id);
    let r = other.get(app.url(&own_path)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = other
        .get(app.url(&format!("{own_path}/{id}/card?purpose=full")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    for path in [
        format!("{member_page}/{id}/revoke"),
        format!("{own_path}/{id}/revoke"),
    ] {
        let r = app
            .post_form(&other, &path, &[("_csrf", &other_token), ("reason", "x")])
            .await;
        assert!(
            [403, 404].contains(&r.status().as_u16()),
            "{path}: {}",
            r.status()
        );
    }
    for office in [b.id.to_string(), s.office.clone()] {
        let r = app
            .post_form(
                &other,
                &format!(
                    "/offices/{office}/persons/{}/share-codes/{share_id}/cancel",
                    member.id
                ),
                &[("_csrf", &other_token)],
            )
            .await;
        assert!([403, 404].contains(&r.status().as_u16()), "{}", r.status());
    }
    let r = app
        .post_form(
            &other,
            &format!("/offices/{}/persons/{}/share-codes", b.id, member.id),
            &[
                ("_csrf", &other_token),
                ("credential_id", &id),
                ("verifier", "employer"),
                ("days", "30"),
            ],
        )
        .await;
    assert!([403, 404].contains(&r.status().as_u16()), "{}", r.status());
    let (_, v) = check(&app, &share_code, BIRTH, "bank", "بانک").await;
    assert_eq!(v["verdict"], "valid", "{v}");
    let cred = only_credential(&app, &s, member).await;
    assert!(cred["revoked_at"].is_null(), "{cred}");
}

/// The revoke and cancel forms act only on what the path names: a credential or a share code
/// of one person is not revoked or cancelled through another person's path (the card page
/// already answers 404 there).
async fn staff_forms_act_only_on_the_persons_own(app: TestApp) {
    let s = approved_household(&app).await;
    let member = &s.others[0];
    let (id, share_id, share_code) = member_share(&app, &s, member).await;
    let head_page = format!("/offices/{}/persons/{}/credentials", s.office, s.head.id);
    let token = app.csrf(&s.manager.0, &head_page).await;
    let mut wrong = vec![];
    let r = app
        .post_form(
            &s.manager.0,
            &format!(
                "/offices/{}/persons/{}/share-codes/{share_id}/cancel",
                s.office, s.head.id
            ),
            &[("_csrf", &token)],
        )
        .await;
    if !r.status().is_client_error() {
        wrong.push(format!(
            "cancelled the member's share code through the head's path: {} → {}",
            r.status(),
            location(&r)
        ));
    }
    let r = app
        .post_form(
            &s.manager.0,
            &format!("{head_page}/{id}/revoke"),
            &[("_csrf", &token), ("reason", "wrong person")],
        )
        .await;
    if !r.status().is_client_error() {
        wrong.push(format!(
            "revoked the member's credential through the head's path: {} → {}",
            r.status(),
            location(&r)
        ));
    }
    let (_, v) = check(&app, &share_code, BIRTH, "bank", "بانک").await;
    if v["verdict"] != "valid" {
        wrong.push(format!("the member's share code no longer works: {v}"));
    }
    let (_, list) = json_of(
        s.clerk
            .0
            .get(app.url(&format!("{}/credentials", s.person_api(member))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    if !list[0]["revoked_at"].is_null() {
        wrong.push(format!("the member's credential is revoked: {list}"));
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

crate::both!(staff_pages_office_scope, staff_pages_stay_in_their_office);

/// See [`staff_forms_act_only_on_the_persons_own`].
mod staff_forms_person_scope {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = crate::harness::TestApp::start(crate::harness::Backend::Sqlite)
            .await
            .unwrap();
        staff_forms_act_only_on_the_persons_own(app).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = crate::harness::TestApp::start(crate::harness::Backend::Postgres).await {
            staff_forms_act_only_on_the_persons_own(app).await;
        }
    }
}
