//! Credentials through the real server on both backends, one module per sub-feature:
//! [`issue`] (a household renewal approved through the API issues one registration card per
//! member; its QR text verifies online with only the purpose's claims, tampering and junk are
//! told apart, revocation is seen at once; a work permit names its employer; `work_allowed`
//! follows the catalog), [`lists`] (the signed trust and status lists open with the pinned root
//! key and verify offline, with deltas), [`share`] (share codes for verifiers: birth date,
//! verifier type, expiry of days, holder page, cancel, lock after wrong birth dates, throttle per
//! address, parallel guesses), [`verify`] (the public `/verify` page with text and with a photo
//! of the QR code) and [`staff`] (the person's credentials pages: print, revoke, share, and
//! their office and person scope). The fixtures the sub-features share are here.

mod issue;
mod lists;
mod share;
mod staff;
mod verify;

use crate::harness::{self, PDF, PNG, TestApp, api_client, code, json_of};
use serde_json::{Value, json};

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

/// Uploads evidence (the harness's `upload`), which must be accepted.
async fn upload(
    app: &TestApp,
    c: &reqwest::Client,
    t: &str,
    path: &str,
    kind: &str,
    bytes: &[u8],
    mime: &str,
) {
    let (s, v) = harness::upload(app, c, t, path, kind, bytes, mime).await;
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
    let (s, path, etag) = household_before_approval(app).await;
    // Intake (clerk), approval (manager), issue (clerk).
    let (_, etag) = complete(app, &s.clerk, &path, &etag).await;
    let (_, etag) = complete(app, &s.manager, &path, &etag).await;
    let (v, _) = complete(app, &s.clerk, &path, &etag).await;
    assert_eq!(v["case"]["state"], "approved", "{v}");
    s
}

/// The household of [`approved_household`] with its card renewal opened, documented and paid,
/// nothing issued yet: the fixture, the case's API path and its ETag.
async fn household_before_approval(app: &TestApp) -> (Approved, String, String) {
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
    let fixture = Approved {
        office: a.id.to_string(),
        head,
        others,
        clerk,
        manager,
    };
    (fixture, path, etag)
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

/// The part of `html` from the first `start` to the next `end` after it (panics when absent).
fn fragment<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} is not on the page: {html}"));
    let rest = &html[i..];
    &rest[..rest.find(end).map_or(rest.len(), |j| j + end.len())]
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
