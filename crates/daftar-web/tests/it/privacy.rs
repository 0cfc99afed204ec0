//! Issue 22 through the real server: no list of people carries their address. The OpenAPI
//! document the server serves is walked, and no array reached from any response may hold
//! persons with a contact or location field; the list, search, household, review and export
//! pages show none of the seeded persons' phones or addresses (the person's own page does);
//! the bulk-read alarm (sessions and API tokens, on both backends) asks for a purpose past the
//! limit, alerts the office manager and the auditor and is audited; tokens that read persons
//! name a purpose, live at most 90 days and are listed for the auditor with their reads.

use crate::harness::{TestApp, code, get_text, json_of};
use daftar_domain::audit::AuditCtx;
use daftar_domain::ids::{ApiTokenId, OfficeId};
use daftar_domain::permission::{Permission, system_scope};
use daftar_domain::person::{Person, PersonDraft, Sex};
use daftar_domain::read_watch::ReadLimit;
use daftar_domain::session::{ApiToken, secret_hash};
use daftar_domain::user::Username;
use daftar_testkit::Register;
use serde_json::Value;
use std::collections::BTreeSet;

/// Fields that say where a person lives or how to reach them.
const FORBIDDEN: [&str; 11] = [
    "phone",
    "address",
    "province",
    "district",
    "location",
    "lat",
    "lon",
    "latitude",
    "longitude",
    "coordinates",
    "geo",
];

/// Fields that make an object a person (or a reference to one).
const PERSON_MARKERS: [&str; 4] = ["given_name", "registry_no", "person_id", "father_name"];

/// Resolves `#/components/schemas/X`.
fn resolve<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix("#/components/schemas/")
            .and_then(|n| doc["components"]["schemas"].get(n))
            .map_or(s, |t| resolve(doc, t)),
        None => s,
    }
}

/// Every property name reachable inside `s` (through refs, compositions, properties and items),
/// each schema visited once.
fn fields_within(doc: &Value, s: &Value, seen: &mut BTreeSet<String>, out: &mut BTreeSet<String>) {
    if let Some(r) = s.get("$ref").and_then(Value::as_str)
        && !seen.insert(r.to_owned())
    {
        return;
    }
    let s = resolve(doc, s);
    for k in ["allOf", "oneOf", "anyOf"] {
        for sub in s[k].as_array().into_iter().flatten() {
            fields_within(doc, sub, seen, out);
        }
    }
    if let Some(props) = s["properties"].as_object() {
        for (name, sub) in props {
            out.insert(name.clone());
            fields_within(doc, sub, seen, out);
        }
    }
    for k in ["items", "additionalProperties"] {
        if s[k].is_object() {
            fields_within(doc, &s[k], seen, out);
        }
    }
}

/// Every array schema reached from `s`, with where it was found, each schema visited once.
fn arrays_within<'a>(
    doc: &'a Value,
    s: &'a Value,
    at: &str,
    seen: &mut BTreeSet<String>,
    out: &mut Vec<(String, &'a Value)>,
) {
    if let Some(r) = s.get("$ref").and_then(Value::as_str)
        && !seen.insert(r.to_owned())
    {
        return;
    }
    let s = resolve(doc, s);
    for k in ["allOf", "oneOf", "anyOf"] {
        for sub in s[k].as_array().into_iter().flatten() {
            arrays_within(doc, sub, at, seen, out);
        }
    }
    if let Some(props) = s["properties"].as_object() {
        for (name, sub) in props {
            arrays_within(doc, sub, &format!("{at}.{name}"), seen, out);
        }
    }
    if s["items"].is_object() {
        out.push((at.to_owned(), &s["items"]));
        arrays_within(doc, &s["items"], &format!("{at}[]"), seen, out);
    }
    if s["additionalProperties"].is_object() {
        arrays_within(doc, &s["additionalProperties"], at, seen, out);
    }
}

/// Every array of persons reached from a response of any operation whose items carry a
/// contact or location field: `operation → array: fields`.
fn lists_with_locations(doc: &Value) -> Vec<String> {
    let mut found = vec![];
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            for (status, resp) in op["responses"].as_object().into_iter().flatten() {
                for (_, media) in resp["content"].as_object().into_iter().flatten() {
                    let mut arrays = vec![];
                    arrays_within(
                        doc,
                        &media["schema"],
                        "body",
                        &mut BTreeSet::new(),
                        &mut arrays,
                    );
                    for (at, items) in arrays {
                        let mut fields = BTreeSet::new();
                        fields_within(doc, items, &mut BTreeSet::new(), &mut fields);
                        let person = PERSON_MARKERS.iter().any(|m| fields.contains(*m));
                        let bad: Vec<&str> = FORBIDDEN
                            .iter()
                            .copied()
                            .filter(|f| fields.contains(*f))
                            .collect();
                        if person && !bad.is_empty() {
                            found.push(format!("{method} {path} {status} {at}: {bad:?}"));
                        }
                    }
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

async fn the_openapi_document_lists_no_person_with_a_contact_or_location(app: TestApp) {
    let doc: Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(lists_with_locations(&doc), Vec::<String>::new());
    // The walk sees what it must refuse: the document with the persons' list given the full
    // record again (what the API answered before issue 22) fails it.
    let mut before = doc.clone();
    let page = &mut before["components"]["schemas"]["Page_PersonSummary"];
    assert!(
        page.is_object(),
        "the persons' list names its summary schema"
    );
    page["properties"]["items"]["items"] =
        serde_json::json!({ "$ref": "#/components/schemas/Person" });
    let found = lists_with_locations(&before);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("get /api/v1/offices/{office_id}/persons 200")),
        "{found:?}"
    );
    // And every list of persons in the document names the summary.
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["PersonSummary"]["properties"]["phone"].is_null());
    for (schema, field) in [
        ("Member", "person"),
        ("Suspect", "a"),
        ("Suspect", "b"),
        ("PersonCandidate", "person"),
    ] {
        assert_eq!(
            schemas[schema]["properties"][field]["$ref"], "#/components/schemas/PersonSummary",
            "{schema}.{field}"
        );
    }
}
crate::both!(
    the_openapi_document_lists_no_person_with_a_contact_or_location,
    the_openapi_document_lists_no_person_with_a_contact_or_location
);

/// The values of a person that no list may show.
const PHONE: &str = "09127776655";
const ADDRESS: &str = "کوچهٔ نارون پلاک ۱۹";
const PROVINCE: &str = "سیستان‌وبلوچستان";
const DISTRICT: &str = "زاهدان‌شمالی";

fn located(app: &TestApp, office: OfficeId, given: &str) -> Person {
    let new = PersonDraft {
        given_name: given.into(),
        family_name: "رضایی".into(),
        father_name: "نادر".into(),
        birth_date: Some("1370".into()),
        sex: Sex::Male,
        nationality: "AFG".into(),
        phone: PHONE.into(),
        province: PROVINCE.into(),
        district: DISTRICT.into(),
        address: ADDRESS.into(),
        ..PersonDraft::default()
    };
    app.store
        .register(
            &AuditCtx::system("test"),
            &system_scope(office, Permission::PersonWrite),
            &new,
        )
        .unwrap()
}

fn assert_no_location(what: &str, body: &str) {
    for v in [PHONE, ADDRESS, PROVINCE, DISTRICT] {
        assert!(!body.contains(v), "{what} shows {v}: {body}");
    }
}

async fn no_list_page_shows_a_phone_or_an_address(app: TestApp) {
    let o = app.office("THR-01");
    app.user("manager.a", "office_manager", Some(o.id));
    let a = located(&app, o.id, "عبدالله");
    let b = located(&app, o.id, "عبدالله");
    let c = located(&app, o.id, "کریم");
    let ctx = AuditCtx::system("test");
    let scope = system_scope(o.id, Permission::PersonWrite);
    let h = app.store.create_household(&ctx, &scope, a.id).unwrap();
    app.store
        .add_household_member(
            &ctx,
            &scope,
            h.household.id,
            &daftar_domain::household::AddMember::parse(Some(c.id), "", "child", false).unwrap(),
            None,
        )
        .unwrap();
    app.store
        .add_suspects(
            &ctx,
            &[daftar_domain::review::NewSuspect {
                a: a.id,
                b: b.id,
                score: 9.0,
                reasons: Default::default(),
                source: "batch",
            }],
        )
        .unwrap();
    let m = app.signed_in("manager.a").await;
    let office = o.id;
    for path in [
        format!("/offices/{office}/persons"),
        format!("/offices/{office}/persons?q=%D8%B9%D8%A8%D8%AF%D8%A7%D9%84%D9%84%D9%87"),
        format!("/offices/{office}/persons/export.csv"),
        format!("/offices/{office}/households"),
        format!("/offices/{office}/households/{}", h.household.id),
        "/review".to_owned(),
        format!("/offices/{office}/cases"),
        format!("/api/v1/offices/{office}/persons"),
        format!("/api/v1/offices/{office}/persons?q=%DA%A9%D8%B1%DB%8C%D9%85"),
        format!("/api/v1/offices/{office}/persons/export"),
        format!("/api/v1/offices/{office}/households"),
        format!("/api/v1/offices/{office}/households/{}", h.household.id),
        "/api/v1/review".to_owned(),
        "/api/v1/persons/candidates?given_name=%D8%B9%D8%A8%D8%AF%D8%A7%D9%84%D9%84%D9%87&father_name=%D9%86%D8%A7%D8%AF%D8%B1&family_name=%D8%B1%D8%B6%D8%A7%DB%8C%DB%8C&birth_date=1370&sex=male".to_owned(),
    ] {
        let r = m.get(app.url(&path)).send().await.unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        assert!(
            [&a, &b, &c].iter().any(|p| body.contains(&p.registry_no) || body.contains(&p.given_name))
                || path.ends_with("/cases"),
            "{path} lists the persons: {body}"
        );
        assert_no_location(&path, &body);
    }
    // The summary says which household a person is in.
    let list: Value = m
        .get(app.url(&format!("/api/v1/offices/{office}/persons")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let of_c = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == c.id.to_string())
        .unwrap();
    assert_eq!(of_c["household_id"], h.household.id.to_string());
    assert!(of_c.get("phone").is_none());
    // The person's own page carries them: the single-person read, which the check above would
    // have seen.
    let own = get_text(&app, &m, &format!("/offices/{office}/persons/{}", a.id)).await;
    assert!(own.contains(PHONE) && own.contains(ADDRESS), "{own}");
}
crate::both!(
    no_list_page_shows_a_phone_or_an_address,
    no_list_page_shows_a_phone_or_an_address
);

/// An app whose bulk-read limit is 3 persons an hour.
async fn with_limit(backend: crate::harness::Backend) -> Option<TestApp> {
    let config = daftar_web::WebConfig {
        bulk_read_override: Some(ReadLimit {
            persons: 3,
            window_minutes: 60,
        }),
        ..Default::default()
    };
    TestApp::start_with(backend, config).await
}

/// A bearer token of `username` with `scopes`, made in the store (as the profile page would).
fn token(app: &TestApp, username: &str, scopes: &[&str]) -> (ApiTokenId, String) {
    let u = app
        .store
        .user_auth_by_username(&Username::parse(username).unwrap())
        .unwrap()
        .unwrap()
        .user;
    let secret = format!("test-token-{}", ulid::Ulid::new());
    let now = time::OffsetDateTime::now_utc();
    let t = ApiToken {
        id: ApiTokenId::new(),
        user_id: u.id,
        name: "sync".into(),
        purpose: "nightly sync with the case system".into(),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        token_hash: secret_hash(&secret),
        created_at: now,
        expires_at: Some(now + time::Duration::days(30)),
        revoked_at: None,
    };
    app.store
        .create_api_token(&AuditCtx::system("test"), &t)
        .unwrap();
    (t.id, secret)
}

async fn reading_past_the_limit_needs_a_purpose_and_raises_the_alarm(app: TestApp) {
    let o = app.office("THR-01");
    let other = app.office("MHD-01");
    app.user("clerk.a", "clerk", Some(o.id));
    app.user("manager.a", "office_manager", Some(o.id));
    app.user("manager.b", "office_manager", Some(other.id));
    app.user("auditor", "auditor", None);
    let ps: Vec<Person> = (0..6)
        .map(|i| located(&app, o.id, &format!("نفر{i}")))
        .collect();
    let c = app.signed_in("clerk.a").await;
    let page = |p: &Person, purpose: &str| {
        format!("/offices/{}/persons/{}?purpose={}", o.id, p.id, purpose)
    };
    for p in &ps[..3] {
        let r = c.get(app.url(&page(p, ""))).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    // Nobody is alerted yet.
    let m = app.signed_in("manager.a").await;
    assert!(!get_text(&app, &m, "/").await.contains("id=\"read-alarms\""));
    // The fourth person: the page asks for a purpose, with the form to give it.
    let r = c.get(app.url(&page(&ps[3], ""))).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"read-purpose\"") && html.contains("name=\"purpose\""),
        "{html}"
    );
    assert!(html.contains("read.purpose.required"));
    assert_no_location("the purpose page", &html);
    // Too short a purpose is refused with its own code; a real one opens the record.
    let r = c.get(app.url(&page(&ps[3], "x"))).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("read.purpose.invalid"));
    let r = c
        .get(app.url(&page(&ps[3], "renewal%20at%20the%20counter")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains(PHONE));
    // The office manager and the auditor see the alarm; another office's manager does not.
    let home = get_text(&app, &m, "/").await;
    assert!(
        home.contains("id=\"read-alarms\"") && home.contains("clerk.a"),
        "{home}"
    );
    let auditor = app.signed_in("auditor").await;
    let home = get_text(&app, &auditor, "/").await;
    assert!(
        home.contains("id=\"read-alarms\"") && home.contains("clerk.a"),
        "{home}"
    );
    let (s, alarms) = json_of(
        auditor
            .get(app.url("/api/v1/read-alarms"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(alarms.as_array().unwrap().len(), 1);
    assert_eq!(alarms[0]["persons"], 4);
    let b = app.signed_in("manager.b").await;
    assert!(!get_text(&app, &b, "/").await.contains("id=\"read-alarms\""));
    // It is all in the audit log.
    assert_eq!(app.audited("person.read.alarm").len(), 1);
    assert_eq!(app.audited("person.read.refused").len(), 1);
    assert!(
        app.audited("person.read")
            .iter()
            .any(|r| r.details.contains("renewal at the counter"))
    );

    // An API token of the same clerk is counted apart: it starts from nothing.
    let (tid, secret) = token(&app, "clerk.a", &["person.read"]);
    let api = reqwest::Client::new();
    let read = |p: &Person, purpose: &str| {
        api.get(app.url(&format!(
            "/api/v1/offices/{}/persons/{}?purpose={purpose}",
            o.id, p.id
        )))
        .bearer_auth(&secret)
        .send()
    };
    for p in &ps[..3] {
        let (s, v) = json_of(read(p, "").await.unwrap()).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["phone"], PHONE);
    }
    let (s, v) = json_of(read(&ps[5], "").await.unwrap()).await;
    assert_eq!((s, code(&v)), (403, "read.purpose.required"), "{v}");
    assert_eq!(v["error"]["details"]["persons"], 4);
    assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    let (s, _) = json_of(read(&ps[5], "checking%20a%20renewal%20file").await.unwrap()).await;
    assert_eq!(s, 200);
    let (_, alarms) = json_of(
        auditor
            .get(app.url("/api/v1/read-alarms"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(alarms.as_array().unwrap().len(), 2);
    assert_eq!(alarms[0]["token_id"], tid.to_string());
    assert_eq!(alarms[0]["account_kind"], "token");
    // The auditor's token list shows its reads; a clerk may not see it.
    let (s, usage) = json_of(
        auditor
            .get(app.url("/api/v1/audit/tokens"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{usage}");
    let mine = usage
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["token"]["id"] == tid.to_string())
        .unwrap();
    assert_eq!(
        (mine["reads"].as_u64(), mine["persons_in_window"].as_u64()),
        (Some(4), Some(4))
    );
    assert_eq!(
        mine["token"]["purpose"],
        "nightly sync with the case system"
    );
    assert!(mine["token"].get("token_hash").is_none());
    let html = get_text(&app, &auditor, "/audit/tokens").await;
    assert!(
        html.contains(&format!("id=\"token-{tid}\"")) && html.contains("nightly sync"),
        "{html}"
    );
    let (s, _) = json_of(c.get(app.url("/api/v1/audit/tokens")).send().await.unwrap()).await;
    assert_eq!(s, 403);
    let (s, _) = json_of(c.get(app.url("/api/v1/read-alarms")).send().await.unwrap()).await;
    assert_eq!(s, 403);
    app.store.verify_audit().unwrap().unwrap();
}

mod reading_past_the_limit {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = with_limit(crate::harness::Backend::Sqlite).await.unwrap();
        reading_past_the_limit_needs_a_purpose_and_raises_the_alarm(app).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = with_limit(crate::harness::Backend::Postgres).await {
            reading_past_the_limit_needs_a_purpose_and_raises_the_alarm(app).await;
        }
    }
}

async fn tokens_that_read_persons_expire_and_name_their_purpose(app: TestApp) {
    let o = app.office("THR-01");
    app.user("manager.a", "office_manager", Some(o.id));
    let c = app.signed_in("manager.a").await;
    let html = get_text(&app, &c, "/").await;
    let csrf = crate::harness::csrf_in(&html).unwrap();
    let create = |body: Value| {
        c.post(app.url("/api/v1/tokens"))
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
    };
    let (s, v) = json_of(
        create(serde_json::json!({ "name": "sync", "purpose": "nightly sync", "scopes": ["person.read"], "expires_in_days": 91 }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (422, "token.expiry.person_data"), "{v}");
    let (s, v) = json_of(
        create(serde_json::json!({ "name": "sync", "scopes": ["person.export"], "expires_in_days": 30 }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (422, "token.purpose.required"), "{v}");
    // Aggregates only: a year, no purpose needed.
    let (s, v) = json_of(
        create(serde_json::json!({ "name": "figures", "scopes": ["office.read"], "expires_in_days": 365 }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = json_of(
        create(serde_json::json!({ "name": "sync", "purpose": "nightly sync", "scopes": ["person.read"], "expires_in_days": 90 }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["token"]["purpose"], "nightly sync");
    // A token that reads persons stored with a longer life (made before the rule) stops at 90
    // days all the same.
    let u = app
        .store
        .user_auth_by_username(&Username::parse("manager.a").unwrap())
        .unwrap()
        .unwrap()
        .user;
    let secret = "old-token-made-before-the-rule";
    let long_ago = time::OffsetDateTime::now_utc() - time::Duration::days(91);
    app.store
        .create_api_token(
            &AuditCtx::system("test"),
            &ApiToken {
                id: ApiTokenId::new(),
                user_id: u.id,
                name: "old".into(),
                purpose: String::new(),
                scopes: vec!["person.read".into()],
                token_hash: secret_hash(secret),
                created_at: long_ago,
                expires_at: None,
                revoked_at: None,
            },
        )
        .unwrap();
    let r = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
crate::both!(
    tokens_that_read_persons_expire_and_name_their_purpose,
    tokens_that_read_persons_expire_and_name_their_purpose
);
