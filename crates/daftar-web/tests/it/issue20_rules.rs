//! The rules of issue 20 that tests must prove, through the real server on both backends:
//!
//! - a return case can be withdrawn at any time before the departure (after the exit permit,
//!   through the API, the office's page form and the portal; after a flagged screening and after
//!   a referral), never after it (409 `return.departed`, a message on the pages), each withdrawal
//!   audited with every person of the case as target;
//! - the confirmed departure revokes the credentials of every person on the case (the
//!   registrant and the household members on it), seen revoked by the online verifier and in
//!   the signed status list, and nothing before it (still valid after screening and permit);
//!   a person not on the case keeps a valid card;
//! - an office withdraws a referral on the person's referrals page: the partner then sees it
//!   withdrawn, without the shared attributes (page and API); another office, the partner and
//!   another person's path cannot withdraw it; audited;
//! - the planning exports (CSV and XLSX, every level a partner can open) contain no name,
//!   phone, document number or address of the persons counted, and no shown count of 1 to 4;
//! - an anonymous complaint filed on the portal about the complainant's own office: that
//!   office's staff never see the complainant's name, registry number or phone (inbox, ticket
//!   page, JSON list), the authority does.

use crate::harness::{TestApp, api_as, api_client, client, code, csrf_in, get_text, json_of};
use daftar_domain::audit::AuditCtx;
use daftar_domain::credential::NewCredential;
use daftar_domain::ids::{OfficeId, PersonId};
use daftar_domain::permission::{Permission, system_scope};
use daftar_domain::person::{DocumentDraft, Person, PersonDraft, Sex};
use daftar_domain::service::CredentialKind;
use daftar_testkit::Register;
use serde_json::{Value, json};

type Api = (reqwest::Client, String);

use crate::harness::office_today as today;

/// `today` plus `days` in Solar Hijri, as the forms take it.
fn solar(days: i64) -> String {
    let d = daftar_domain::jalali::JalaliDate::from_iso(today() + time::Duration::days(days));
    format!("{}/{:02}/{:02}", d.year(), d.month(), d.day())
}

async fn post(app: &TestApp, (c, t): &Api, path: &str, body: Value) -> (u16, Value) {
    json_of(
        c.post(app.url(path))
            .header("x-csrf-token", t)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn get_json(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, Value) {
    json_of(c.get(app.url(path)).send().await.unwrap()).await
}

/// Every screening question answered no, but `flag` yes.
fn screening(flag: Option<&str>) -> Value {
    let p = daftar_domain::profile::Profile::iran().unwrap();
    let answers: Vec<Value> = p
        .voluntary_return
        .questions
        .iter()
        .map(|q| json!({"question": q.code, "flag": Some(q.code.as_str()) == flag}))
        .collect();
    json!({"answers": answers, "note": ""})
}

/// Registers `person`'s wish to return with `members` through the API; returns the case id.
async fn register(app: &TestApp, api: &Api, person: &Person, members: &[&Person]) -> String {
    let members: Vec<String> = members.iter().map(|m| m.id.to_string()).collect();
    let (s, v) = post(
        app,
        api,
        "/api/v1/returns",
        json!({"person_id": person.id.to_string(), "members": members, "departure_on": solar(10), "border_point": "milak"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

/// Takes `step` (`screening`, `review`, `permit`, `departure`) on case `id`; asserts the state
/// it leads to.
async fn step(app: &TestApp, api: &Api, id: &str, step: &str, body: Value, state: &str) -> Value {
    let (s, v) = post(app, api, &format!("/api/v1/returns/{id}/{step}"), body).await;
    assert_eq!(s, 200, "{step}: {v}");
    let got = v["state"].as_str().or(v["case"]["state"].as_str());
    assert_eq!(got, Some(state), "{step}: {v}");
    v
}

fn permit_body() -> Value {
    json!({"number": "EP-1405-20", "valid_until": solar(30)})
}

/// The state of the case with id `id` on the person's portal page.
fn portal_state(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("data-return=\"{id}\""))
        .unwrap_or_else(|| panic!("{id} is not on the portal page: {html}"));
    let rest = &html[at..];
    let s = rest.find("data-state=\"").unwrap() + "data-state=\"".len();
    rest[s..s + rest[s..].find('"').unwrap()].to_owned()
}

/// The id of the one open return case on the person's portal page.
fn portal_case(html: &str) -> String {
    let at = html.find("data-return=\"").unwrap() + "data-return=\"".len();
    html[at..at + 26].to_owned()
}

/// Every `return.withdraw` audit row of case `id`: their target persons, sorted.
fn withdrawn_for(app: &TestApp, id: &str) -> Vec<String> {
    let mut persons: Vec<String> = app
        .audited("return.withdraw")
        .into_iter()
        .filter(|r| serde_json::from_str::<Value>(&r.details).unwrap()["case"].as_str() == Some(id))
        .map(|r| {
            assert_eq!(r.target_type, "person");
            r.target_id
        })
        .collect();
    persons.sort();
    persons
}

fn ids(persons: &[&Person]) -> Vec<String> {
    let mut v: Vec<String> = persons.iter().map(|p| p.id.to_string()).collect();
    v.sort();
    v
}

/// A household of three at `office` (head, spouse, child) named after `tag` (the harness's
/// `household_with_cards` gives each office one: its card numbers are the office's).
fn household(app: &TestApp, office: OfficeId, tag: &str) -> (Person, Vec<Person>) {
    let ctx = AuditCtx::system("test");
    let scope = system_scope(office, Permission::PersonWrite);
    let head = app.person(office, &format!("زهرا {tag}"));
    let others = vec![
        app.person(office, &format!("کریم {tag}")),
        app.person(office, &format!("سارا {tag}")),
    ];
    let h = app.store.create_household(&ctx, &scope, head.id).unwrap();
    for (p, rel) in [(&others[0], "spouse"), (&others[1], "child")] {
        app.store
            .add_household_member(
                &ctx,
                &scope,
                h.household.id,
                &daftar_domain::household::AddMember::parse(Some(p.id), "", rel, false).unwrap(),
                None,
            )
            .unwrap();
    }
    (head, others)
}

/// A portal account for `person` (password `PASSWORD`), signed in.
async fn portal_client(app: &TestApp, office: OfficeId, person: PersonId) -> reqwest::Client {
    let user = app
        .store
        .grant_portal(
            &AuditCtx::system("test"),
            &system_scope(office, Permission::PersonWrite),
            person,
            &crate::harness::password_hash(),
        )
        .unwrap();
    let me = client();
    let r = app
        .login(&me, user.username.as_str(), crate::harness::PASSWORD)
        .await;
    assert_eq!(r.status(), 303);
    me
}

async fn withdrawal_is_possible_in_every_state_before_departure(app: TestApp) {
    let home = app.office("THR-01");
    let o = home.id;
    app.user("manager.a", "office_manager", Some(o));
    app.user("protect", "protection_officer", None);
    let ma = api_client(&app, "manager.a").await;
    let protect = api_as(&app, "protect", true).await;

    // After the exit permit, through the API: the case and both its persons withdrawn.
    let (head, others) = household(&app, o, "الف");
    let id = register(&app, &ma, &head, &[&others[0]]).await;
    step(&app, &ma, &id, "screening", screening(None), "screened").await;
    step(&app, &ma, &id, "permit", permit_body(), "permit_issued").await;
    let (s, v) = post(
        &app,
        &ma,
        &format!("/api/v1/returns/{id}/withdrawal"),
        json!({"reason": "منصرف شد"}),
    )
    .await;
    assert_eq!((s, v["state"].as_str()), (200, Some("withdrawn")), "{v}");
    assert_eq!(v["permit_no"], "EP-1405-20", "the permit stays on record");
    assert_eq!(withdrawn_for(&app, &id), ids(&[&head, &others[0]]));
    // Withdrawn without consequence: the persons may register again.
    let again = register(&app, &ma, &head, &[]).await;
    let (s, _) = post(
        &app,
        &ma,
        &format!("/api/v1/returns/{again}/withdrawal"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200);

    // After a flagged screening, through the office's page form.
    let (head2, _) = household(&app, o, "ب");
    let id = register(&app, &ma, &head2, &[]).await;
    step(
        &app,
        &ma,
        &id,
        "screening",
        screening(Some("separated_children")),
        "flagged",
    )
    .await;
    let page = format!("/returns/{id}");
    let html = get_text(&app, &ma.0, &page).await;
    assert!(html.contains("id=\"return-withdraw-form\""), "{html}");
    let t = csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &ma.0,
            &format!("{page}/withdraw"),
            &[("_csrf", &t), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = get_text(&app, &ma.0, &page).await;
    assert!(html.contains("data-state=\"withdrawn\""), "{html}");
    assert!(!html.contains("id=\"return-withdraw-form\""), "closed");
    assert_eq!(withdrawn_for(&app, &id), ids(&[&head2]));

    // After the protection officer referred the flagged case (still blocked): the API.
    let (head3, _) = household(&app, o, "پ");
    let id = register(&app, &ma, &head3, &[]).await;
    step(
        &app,
        &ma,
        &id,
        "screening",
        screening(Some("medical_needs")),
        "flagged",
    )
    .await;
    step(
        &app,
        &protect,
        &id,
        "review",
        json!({"decision": "refer", "note": "به درمانگاه ارجاع شد"}),
        "referred",
    )
    .await;
    let (s, v) = post(
        &app,
        &ma,
        &format!("/api/v1/returns/{id}/withdrawal"),
        json!({}),
    )
    .await;
    assert_eq!((s, v["state"].as_str()), (200, Some("withdrawn")), "{v}");
    assert_eq!(withdrawn_for(&app, &id), ids(&[&head3]));

    // On the portal, after the permit and after a flag: the registrant withdraws.
    for flag in [None, Some("risk_on_return")] {
        let (head, others) = household(&app, o, if flag.is_some() { "ت" } else { "ث" });
        let me = portal_client(&app, o, head.id).await;
        let t = app.csrf(&me, "/portal/return").await;
        let child = others[1].id.to_string();
        let r = app
            .post_form(
                &me,
                "/portal/return",
                &[
                    ("_csrf", &t),
                    ("departure_on", &solar(7)),
                    ("border_point", "milak"),
                    ("members", &child),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let id = portal_case(&get_text(&app, &me, "/portal/return").await);
        step(
            &app,
            &ma,
            &id,
            "screening",
            screening(flag),
            if flag.is_some() {
                "flagged"
            } else {
                "screened"
            },
        )
        .await;
        if flag.is_none() {
            step(&app, &ma, &id, "permit", permit_body(), "permit_issued").await;
        }
        let html = get_text(&app, &me, "/portal/return").await;
        let before = portal_state(&html, &id);
        assert!(
            html.contains(&format!("/portal/return/{id}/withdraw")),
            "offered in state {before}: {html}"
        );
        let r = app
            .post_form(
                &me,
                &format!("/portal/return/{id}/withdraw"),
                &[("_csrf", &t), ("reason", "")],
            )
            .await;
        assert_eq!(r.status(), 303, "withdrawn from {before}");
        let html = get_text(&app, &me, "/portal/return").await;
        assert_eq!(portal_state(&html, &id), "withdrawn");
        assert_eq!(withdrawn_for(&app, &id), ids(&[&head, &others[1]]));
        // The office sees it withdrawn.
        let (_, v) = get_json(&app, &ma.0, &format!("/api/v1/returns/{id}")).await;
        assert_eq!(v["state"], "withdrawn", "{v}");
    }

    // Departed is final: the API, the page form and the portal refuse with 409 and say why.
    let (head, _) = household(&app, o, "چ");
    let me = portal_client(&app, o, head.id).await;
    let t = app.csrf(&me, "/portal/return").await;
    let r = app
        .post_form(
            &me,
            "/portal/return",
            &[
                ("_csrf", &t),
                ("departure_on", &solar(3)),
                ("border_point", "milak"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let id = portal_case(&get_text(&app, &me, "/portal/return").await);
    step(&app, &ma, &id, "screening", screening(None), "screened").await;
    step(&app, &ma, &id, "permit", permit_body(), "permit_issued").await;
    step(&app, &ma, &id, "departure", json!({}), "departed").await;
    let (s, v) = post(
        &app,
        &ma,
        &format!("/api/v1/returns/{id}/withdrawal"),
        json!({}),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "return.departed"), "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty() && m != "return.departed"),
        "a message, not only a code: {v}"
    );
    let html = get_text(&app, &me, "/portal/return").await;
    assert_eq!(portal_state(&html, &id), "departed");
    assert!(!html.contains(&format!("/portal/return/{id}/withdraw")));
    let r = app
        .post_form(
            &me,
            &format!("/portal/return/{id}/withdraw"),
            &[("_csrf", &t), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"return-error\"") && html.contains("فرد خارج شده و پرونده بسته است"),
        "{html}"
    );
    let page = format!("/returns/{id}");
    let tm = app.csrf(&ma.0, "/profile").await;
    let r = app
        .post_form(&ma.0, &format!("{page}/withdraw"), &[("_csrf", &tm)])
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("id=\"return-error\""));
    assert!(withdrawn_for(&app, &id).is_empty(), "nothing withdrawn");
    let (_, v) = get_json(&app, &ma.0, &format!("/api/v1/returns/{id}")).await;
    assert_eq!(v["state"], "departed");
}
crate::both!(
    return_withdrawal_always,
    withdrawal_is_possible_in_every_state_before_departure
);

/// A registration card for `person`, issued directly (as an approved case would).
fn card(app: &TestApp, office: OfficeId, person: &Person, id: &str) -> String {
    let now = time::OffsetDateTime::now_utc();
    app.store
        .issue_credentials(
            &AuditCtx::system("test"),
            &[NewCredential {
                id: id.into(),
                person_id: person.id,
                case_id: None,
                office_id: office,
                issuer: "IR/THR-01".into(),
                kind: CredentialKind::RegistrationCard,
                not_before: now,
                expires: now + time::Duration::days(365),
                fields: [("given_name".to_owned(), person.given_name.clone())]
                    .into_iter()
                    .collect(),
            }],
        )
        .unwrap()[0]
        .id
        .clone()
}

/// The signed QR text of credential `id` of `p` (for an employer).
async fn qr_text(
    app: &TestApp,
    c: &reqwest::Client,
    office: OfficeId,
    p: &Person,
    id: &str,
) -> String {
    let (s, v) = get_json(
        app,
        c,
        &format!(
            "/api/v1/offices/{office}/persons/{}/credentials/{id}/qr?purpose=employer",
            p.id
        ),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v["text"].as_str().unwrap().to_owned()
}

/// The online verifier's verdict on `text` (no login).
async fn verdict(app: &TestApp, text: &str) -> String {
    let (s, v) = json_of(
        client()
            .post(app.url("/api/v1/credentials/verify"))
            .json(&json!({ "text": text }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v["verdict"].as_str().unwrap().to_owned()
}

/// The signed status list as an offline verifier reads it with the pinned root key.
async fn status_list(app: &TestApp) -> daftar_credential::lists::StatusListDoc {
    let anon = client();
    let root_hex = get_text(app, &anon, "/.well-known/daftar/root-key").await;
    let root_bytes: [u8; 32] = hex::decode(root_hex.trim()).unwrap().try_into().unwrap();
    let root = ed25519_dalek::VerifyingKey::from_bytes(&root_bytes).unwrap();
    let r = anon
        .get(app.url("/.well-known/daftar/status-list"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    daftar_credential::lists::StatusListDoc::open(&bytes, &root).unwrap()
}

/// Every text verifies valid online; no card of `cards` is in the status list.
async fn all_valid(app: &TestApp, texts: &[String], cards: &[String]) {
    for t in texts {
        assert_eq!(verdict(app, t).await, "valid");
    }
    let list = status_list(app).await;
    for id in cards {
        assert!(!list.is_revoked(&hex::decode(id).unwrap()), "{list:?}");
    }
}

async fn departure_revokes_every_persons_credentials_and_nothing_before(app: TestApp) {
    let home = app.office("THR-01");
    let o = home.id;
    app.user("manager.a", "office_manager", Some(o));
    let ma = api_client(&app, "manager.a").await;
    let (head, others) = household(&app, o, "ج");
    let (spouse, child) = (&others[0], &others[1]);
    let neighbour = app.person(o, "همسایه");
    // The head and the spouse hold a card; the child two (a card and a second one); the
    // neighbour, on no case, one.
    let on_case = [
        (&head, card(&app, o, &head, "00000000000020a1")),
        (spouse, card(&app, o, spouse, "00000000000020a2")),
        (child, card(&app, o, child, "00000000000020a3")),
        (child, card(&app, o, child, "00000000000020a4")),
    ];
    let kept = card(&app, o, &neighbour, "00000000000020b1");
    let mut texts = vec![];
    for (p, id) in &on_case {
        texts.push(qr_text(&app, &ma.0, o, p, id).await);
    }
    let kept_text = qr_text(&app, &ma.0, o, &neighbour, &kept).await;
    let cards: Vec<String> = on_case.iter().map(|(_, id)| id.clone()).collect();

    // The head registers with the spouse and the child; nothing is revoked on the way.
    let id = register(&app, &ma, &head, &[spouse, child]).await;
    all_valid(&app, &texts, &cards).await;
    step(&app, &ma, &id, "screening", screening(None), "screened").await;
    all_valid(&app, &texts, &cards).await;
    step(&app, &ma, &id, "permit", permit_body(), "permit_issued").await;
    all_valid(&app, &texts, &cards).await;
    assert!(app.audited("credential.revoke").is_empty());
    // The QR of a member is still issued after the permit (a live credential).
    let _ = qr_text(&app, &ma.0, o, spouse, &on_case[1].1).await;

    // The departure revokes every card of every person on the case, and only theirs.
    let v = step(&app, &ma, &id, "departure", json!({}), "departed").await;
    let mut revoked: Vec<String> = v["revoked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect();
    revoked.sort();
    let mut expected = cards.clone();
    expected.sort();
    assert_eq!(revoked, expected, "{v}");
    for t in &texts {
        assert_eq!(verdict(&app, t).await, "revoked");
    }
    assert_eq!(verdict(&app, &kept_text).await, "valid", "not on the case");
    let list = status_list(&app).await;
    for (_, id) in &on_case {
        assert!(list.is_revoked(&hex::decode(id).unwrap()), "{id}: {list:?}");
    }
    assert!(!list.is_revoked(&hex::decode(&kept).unwrap()));
    assert_eq!(list.revoked.len(), on_case.len(), "{list:?}");
    // The office's list of each member reads them revoked; no new QR for them.
    for (p, cid) in &on_case {
        let (s, v) = get_json(
            &app,
            &ma.0,
            &format!("/api/v1/offices/{o}/persons/{}/credentials", p.id),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let listed = v.as_array().unwrap();
        assert!(
            listed
                .iter()
                .any(|c| c["id"] == json!(cid) && c["revoked_at"].is_string()),
            "{v}"
        );
        let (s, v) = get_json(
            &app,
            &ma.0,
            &format!(
                "/api/v1/offices/{o}/persons/{}/credentials/{cid}/qr?purpose=employer",
                p.id
            ),
        )
        .await;
        assert_eq!((s, code(&v)), (409, "credential.revoked"), "{v}");
    }
    assert_eq!(app.audited("credential.revoke").len(), on_case.len());
}
crate::both!(
    departure_revokes_all,
    departure_revokes_every_persons_credentials_and_nothing_before
);

/// The id in the first withdraw form of `html` under `page` (`{page}/{id}/withdraw`).
fn withdraw_target(html: &str, page: &str) -> String {
    let start = format!("action=\"{page}/");
    let at = html
        .find(&start)
        .unwrap_or_else(|| panic!("no withdraw form: {html}"))
        + start.len();
    let rest = &html[at..];
    rest[..rest.find("/withdraw\"").unwrap()].to_owned()
}

async fn an_office_withdraws_a_referral_and_the_partner_sees_it_withdrawn(app: TestApp) {
    let home = app.office("THR-01");
    let other = app.office("THR-02");
    let clerk_user = app.user("clerk.a", "clerk", Some(home.id));
    app.user("clerk.b", "clerk", Some(other.id));
    let nurse = app.user("nurse", "partner", None);
    app.store
        .set_user_partner(&AuditCtx::system("test"), nurse.id, Some("health-tehran"))
        .unwrap();
    let person = app.person(home.id, "مریم");
    let neighbour = app.person(home.id, "نسرین");
    let page = format!("/offices/{}/persons/{}/referrals", home.id, person.id);

    // The clerk refers the person (consent given).
    let clerk = app.signed_in("clerk.a").await;
    let t = app.csrf(&clerk, &page).await;
    let r = app
        .post_form(
            &clerk,
            &page,
            &[("_csrf", &t), ("type", "health_house"), ("consent", "yes")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = get_text(&app, &clerk, &page).await;
    let id = withdraw_target(&html, &page);
    let reference = html
        .split("data-reference=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let withdraw = format!("{page}/{id}/withdraw");

    // The partner sees what was shared.
    let (nc, _) = api_client(&app, "nurse").await;
    let one = format!("/referrals/{id}");
    let html = get_text(&app, &nc, &one).await;
    assert!(
        html.contains("id=\"referral-shared\"") && html.contains(&person.registry_no),
        "{html}"
    );
    let (s, v) = get_json(&app, &nc, &format!("/api/v1/referrals/{id}")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["shared"]["registry_no"], person.registry_no.as_str());

    // Another office cannot withdraw it: not under its own office (404), not under the
    // referring office's (403); nor can the partner, nor under another person's path.
    let clerk_b = app.signed_in("clerk.b").await;
    let tb = app.csrf(&clerk_b, "/profile").await;
    let r = app
        .post_form(
            &clerk_b,
            &format!(
                "/offices/{}/persons/{}/referrals/{id}/withdraw",
                other.id, person.id
            ),
            &[("_csrf", &tb)],
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = app.post_form(&clerk_b, &withdraw, &[("_csrf", &tb)]).await;
    assert_eq!(r.status(), 403);
    let tn = app.csrf(&nc, "/profile").await;
    let r = app.post_form(&nc, &withdraw, &[("_csrf", &tn)]).await;
    assert_eq!(r.status(), 403);
    let r = app
        .post_form(
            &clerk,
            &format!(
                "/offices/{}/persons/{}/referrals/{id}/withdraw",
                home.id, neighbour.id
            ),
            &[("_csrf", &t)],
        )
        .await;
    assert_eq!(r.status(), 404, "the referral is not the neighbour's");
    let (_, v) = get_json(&app, &nc, &format!("/api/v1/referrals/{id}")).await;
    assert_eq!(
        (v["state"].as_str(), v["shared"]["registry_no"].as_str()),
        (Some("pending"), Some(person.registry_no.as_str())),
        "untouched: {v}"
    );
    assert!(app.audited("referral.withdraw").is_empty());

    // The office withdraws it on the person's page.
    let r = app
        .post_form(&clerk, &withdraw, &[("_csrf", &t), ("note", "")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(crate::harness::location(&r), page);
    let html = get_text(&app, &clerk, &page).await;
    assert!(html.contains("data-state=\"withdrawn\""), "{html}");
    assert!(!html.contains(&withdraw), "no second withdrawal offered");
    let r = app.post_form(&clerk, &withdraw, &[("_csrf", &t)]).await;
    assert_eq!(r.status(), 409, "withdrawn once");

    // The partner sees it withdrawn, and nothing of the person any more.
    let inbox = get_text(&app, &nc, "/referrals?state=withdrawn").await;
    assert!(inbox.contains(&reference), "{inbox}");
    let inbox = get_text(&app, &nc, "/referrals?state=pending").await;
    assert!(!inbox.contains(&reference), "{inbox}");
    let html = get_text(&app, &nc, &one).await;
    assert!(html.contains("data-state=\"withdrawn\""), "{html}");
    assert!(html.contains("id=\"referral-shared-none\""), "{html}");
    for secret in [
        person.registry_no.as_str(),
        person.given_name.as_str(),
        person.father_name.as_str(),
    ] {
        assert!(!html.contains(secret), "{secret}: {html}");
    }
    assert!(!html.contains("id=\"referral-act\""), "nothing to answer");
    let (s, v) = get_json(&app, &nc, &format!("/api/v1/referrals/{id}")).await;
    assert_eq!(
        (s, v["state"].as_str(), &v["shared"]),
        (200, Some("withdrawn"), &json!({})),
        "{v}"
    );
    assert!(!v.to_string().contains(&person.registry_no));
    let tn = csrf_in(&get_text(&app, &nc, "/referrals").await).unwrap_or(tn);
    let r = app
        .post_form(&nc, &one, &[("_csrf", &tn), ("action", "accept")])
        .await;
    assert_eq!(r.status(), 409, "a withdrawn referral is not accepted");

    // Audited once: the referral, by the clerk, for the office.
    let rows = app.audited("referral.withdraw");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (
            rows[0].target_type.as_str(),
            rows[0].target_id.as_str(),
            rows[0].actor_id,
            rows[0].office_id
        ),
        ("referral", id.as_str(), Some(clerk_user.id), Some(home.id))
    );
}
crate::both!(
    office_withdraws_referral,
    an_office_withdraws_a_referral_and_the_partner_sees_it_withdrawn
);

/// What identifies a person, as the registry holds it and as pages may print it.
struct Secrets(Vec<String>);

impl Secrets {
    fn add(&mut self, s: &str) {
        self.0.push(s.to_owned());
        let persian = daftar_domain::digits::to_persian_digits(s);
        if persian != s {
            self.0.push(persian);
        }
    }

    /// Panics when `text` (named `what`) contains any of them.
    fn absent_from(&self, text: &str, what: &str) {
        for s in &self.0 {
            assert!(!text.contains(s.as_str()), "{what} contains {s}");
        }
    }
}

/// Registers a person at `office` with distinctive name, phone, document and address.
fn distinctive(
    app: &TestApp,
    office: OfficeId,
    i: usize,
    born: time::Date,
    sex: Sex,
    secrets: &mut Secrets,
) -> Person {
    let letters = [
        "ا", "ب", "پ", "ت", "ث", "ج", "چ", "ح", "خ", "د", "ذ", "ر", "ز",
    ];
    let tag = format!(
        "{}{}",
        letters[i % letters.len()],
        letters[i / letters.len()]
    );
    let draft = PersonDraft {
        given_name: format!("گلنار{tag}"),
        family_name: "شاهپسندیان".into(),
        father_name: format!("کیخسرو{tag}"),
        grandfather_name: "بهرامشاه".into(),
        given_name_latin: format!(
            "Golnar{}{}",
            char::from(b'a' + u8::try_from(i % 26).unwrap()),
            char::from(b'a' + u8::try_from(i / 26).unwrap())
        ),
        family_name_latin: "Shahpasandian".into(),
        birth_date: Some(born.to_string()),
        sex,
        nationality: "AFG".into(),
        phone: format!("0935{:07}", 7_770_000 + i),
        province: "تهران".into(),
        district: "قلهک".into(),
        address: format!("کوچه نسترن‌زار {tag}، پلاک هفتصد"),
        documents: vec![DocumentDraft {
            kind: "passport".into(),
            number: format!("QZ{:07}", 4_440_000 + i),
            ..DocumentDraft::default()
        }],
    };
    let p = app
        .store
        .register(
            &AuditCtx::system("test"),
            &system_scope(office, Permission::PersonWrite),
            &draft,
        )
        .unwrap();
    for s in [
        draft.given_name.as_str(),
        draft.family_name.as_str(),
        draft.father_name.as_str(),
        draft.grandfather_name.as_str(),
        draft.given_name_latin.as_str(),
        draft.family_name_latin.as_str(),
        draft.phone.as_str(),
        draft.district.as_str(),
        draft.address.as_str(),
        "نسترن‌زار",
        draft.documents[0].number.as_str(),
        p.registry_no.as_str(),
        &p.id.to_string(),
    ] {
        secrets.add(s);
    }
    p
}

/// The CSV's lines as cells, header first.
fn csv_rows(csv: &str) -> Vec<Vec<String>> {
    csv.trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

/// Panics when a figure (a cell after `level` and `place`) is 1 to 4; returns how many
/// figures were shown (5 or more) and how many withheld (empty), so that a caller can tell the
/// check saw figures at all.
fn no_small_figure<'a>(rows: impl Iterator<Item = &'a [String]>, what: &str) -> (usize, usize) {
    let (mut shown, mut withheld) = (0, 0);
    for row in rows {
        for cell in row.iter().skip(2) {
            if cell.is_empty() {
                withheld += 1;
            } else if let Ok(n) = cell.parse::<f64>() {
                assert!(
                    n == 0.0 || n >= 5.0,
                    "{what}: a shown figure of {n} in {row:?}"
                );
                if n >= 5.0 {
                    shown += 1;
                }
            }
        }
    }
    (shown, withheld)
}

/// Every part of the XLSX archive as text (sheets, shared strings, properties).
fn xlsx_parts(bytes: &[u8]) -> Vec<(String, String)> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut parts = vec![];
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut raw = vec![];
        f.read_to_end(&mut raw).unwrap();
        parts.push((
            f.name().unwrap().into_owned(),
            String::from_utf8_lossy(&raw).into_owned(),
        ));
    }
    parts
}

async fn planning_exports_name_no_one_and_show_no_small_figure(app: TestApp) {
    let sys = AuditCtx::system("test");
    let office = |code: &str, province: &str, district: &str| {
        app.store
            .create_office(
                &sys,
                &daftar_domain::office::CreateOffice::parse(
                    daftar_domain::office::OfficeCode::parse(code).unwrap(),
                    &format!("دفتر {code}"),
                    &format!("Office {code}"),
                    province,
                    district,
                )
                .unwrap(),
            )
            .unwrap()
    };
    let a = office("THR-01", "تهران", "مرکزی");
    let b = office("THR-02", "تهران", "ری");
    let m = office("MHD-01", "خراسان رضوی", "مشهد");
    let today = daftar_domain::clock::Clock::default().today();
    let years = |y: i64| today - time::Duration::days(y * 366);
    // Mixed ages and sexes so that some cells hold 1 to 4 persons (which must be withheld)
    // and some 5 or more.
    let plan: [(OfficeId, i64, Sex, usize); 10] = [
        (a.id, 30, Sex::Female, 7),
        (a.id, 2, Sex::Male, 2),
        (a.id, 70, Sex::Female, 1),
        (a.id, 10, Sex::Male, 6),
        (b.id, 40, Sex::Male, 3),
        (b.id, 8, Sex::Female, 5),
        (b.id, 1, Sex::Female, 4),
        (m.id, 25, Sex::Male, 9),
        (m.id, 12, Sex::Female, 2),
        (m.id, 80, Sex::Male, 6),
    ];
    let mut secrets = Secrets(vec![]);
    let mut persons = vec![];
    for (office, age, sex, n) in plan {
        for _ in 0..n {
            let i = persons.len();
            persons.push(distinctive(&app, office, i, years(age), sex, &mut secrets));
        }
    }
    // Medical needs for three of them (a small figure too).
    for p in &persons[..3] {
        app.store
            .set_medical_needs(
                &sys,
                &system_scope(p.office_id, Permission::PersonWrite),
                p.id,
                true,
                None,
            )
            .unwrap();
    }
    // A round over every office: its trend line too.
    let day = |d: time::Date| daftar_domain::jalali::JalaliDate::from_iso(d).format_numeric(false);
    let round = daftar_domain::round::NewRound::parse(
        "طرح آزمایشی",
        &day(today),
        &day(today + time::Duration::days(30)),
        &["card_renewal".into()],
        &app.store
            .services()
            .unwrap()
            .into_iter()
            .map(|s| s.definition.code.as_str().to_owned())
            .collect(),
        daftar_domain::round::Eligibility::parse(&[], "", "", ("", "", ""), "").unwrap(),
        "40",
        "",
        today,
    )
    .unwrap();
    app.store
        .open_round(
            &sys,
            &daftar_domain::permission::system_reach(Permission::RoundManage),
            &round,
        )
        .unwrap();
    app.user("partner", "partner", None);
    let p = app.signed_in("partner").await;

    // Every level the partner can open: the provinces, each province's districts, each
    // district's offices and sexes (found by following the exports themselves), and an
    // unknown place.
    let query = |pairs: &[(&str, &str)]| serde_urlencoded::to_string(pairs).unwrap();
    let unknown = query(&[("province", "ناکجا")]);
    let mut levels = vec![String::new(), unknown.clone()];
    let csv = get_text(&app, &p, "/planning/export.csv").await;
    let provinces: Vec<String> = csv_rows(&csv)
        .into_iter()
        .filter(|r| r[0] == "province")
        .map(|r| r[1].clone())
        .collect();
    assert_eq!(provinces.len(), 2, "{csv}");
    for province in &provinces {
        levels.push(query(&[("province", province.as_str())]));
        let csv = get_text(
            &app,
            &p,
            &format!(
                "/planning/export.csv?{}",
                query(&[("province", province.as_str())])
            ),
        )
        .await;
        for d in csv_rows(&csv).into_iter().filter(|r| r[0] == "district") {
            levels.push(query(&[
                ("province", province.as_str()),
                ("district", d[1].as_str()),
            ]));
        }
    }
    assert_eq!(levels.len(), 2 + 2 + 3, "{levels:?}");
    let mut offices_seen = 0;
    for level in &levels {
        let r = p
            .get(app.url(&format!("/planning/export.csv?{level}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{level}");
        let csv = r.text().await.unwrap();
        let what = format!("CSV of ?{level}");
        secrets.absent_from(&csv, &what);
        let rows = csv_rows(&csv);
        let (shown, withheld) = no_small_figure(rows.iter().skip(1).map(Vec::as_slice), &what);
        if level != &unknown {
            assert!(shown > 0 && withheld > 0, "{what}: {csv}");
        }
        offices_seen += rows.iter().filter(|r| r[0] == "office").count();
        let rounds = rows.iter().filter(|r| r[0] == "round").count();
        assert_eq!(rounds, usize::from(level != &unknown), "{what}: {csv}");

        let r = p
            .get(app.url(&format!("/planning/export.xlsx?{level}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{level}");
        let bytes = r.bytes().await.unwrap().to_vec();
        let parts = xlsx_parts(&bytes);
        assert!(
            parts.iter().any(|(n, _)| n.starts_with("xl/worksheets/")),
            "{:?}",
            parts.iter().map(|p| &p.0).collect::<Vec<_>>()
        );
        for (name, xml) in &parts {
            secrets.absent_from(xml, &format!("XLSX of ?{level}: {name}"));
        }
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        for sheet in book.sheet_names() {
            let range = book.worksheet_range(&sheet).unwrap();
            let cells: Vec<Vec<String>> = range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect();
            assert_eq!(cells.len(), rows.len(), "the XLSX has the CSV's lines");
            let counted = no_small_figure(
                cells.iter().skip(1).map(Vec::as_slice),
                &format!("XLSX of ?{level}"),
            );
            assert_eq!(counted, (shown, withheld), "XLSX of ?{level}: as the CSV");
        }
        // The page of the level names no one either.
        let html = get_text(&app, &p, &format!("/planning?{level}")).await;
        secrets.absent_from(&html, &format!("page ?{level}"));
    }
    assert_eq!(offices_seen, 3, "every office catchment was opened");
}
crate::both!(
    planning_exports_anonymous,
    planning_exports_name_no_one_and_show_no_small_figure
);

async fn an_anonymous_complaint_hides_the_complainant_from_the_office(app: TestApp) {
    let a = app.office("THR-01");
    app.user("manager.a", "office_manager", Some(a.id));
    app.user("officer", "authority_officer", None);
    let person = app
        .store
        .register(
            &AuditCtx::system("test"),
            &system_scope(a.id, Permission::PersonWrite),
            &PersonDraft {
                given_name: "ملیکا".into(),
                family_name: "زرین‌کوب".into(),
                father_name: "فریدون".into(),
                birth_date: Some("1992-06-01".into()),
                sex: Sex::Female,
                nationality: "AFG".into(),
                phone: "0912 777 6655".into(),
                ..PersonDraft::default()
            },
        )
        .unwrap();
    assert_eq!(person.phone, "09127776655");
    let mut secrets = Secrets(vec![]);
    for s in [
        person.given_name.as_str(),
        person.family_name.as_str(),
        person.registry_no.as_str(),
        person.phone.as_str(),
        "777 6655",
        &person.id.to_string(),
    ] {
        secrets.add(s);
    }

    // The person, registered at office A, files anonymous complaints about office A on the
    // portal: one the office answers (delay), one the authority does (bribe); and one that is
    // not anonymous.
    let me = portal_client(&app, a.id, person.id).await;
    let o = a.id.to_string();
    let mut filed = vec![];
    for (category, anonymous, body) in [
        ("delay", true, "شش هفته منتظر کارت ماندم"),
        ("bribe", true, "برای نوبت پول خواستند"),
        ("discourtesy", false, "با من بد رفتاری کردند"),
    ] {
        let t = app.csrf(&me, "/portal/help").await;
        let mut form = vec![
            ("_csrf", t.as_str()),
            ("category", category),
            ("about_office", o.as_str()),
            ("body", body),
        ];
        if anonymous {
            form.push(("anonymous", "1"));
        }
        let r = app.post_form(&me, "/portal/help", &form).await;
        assert_eq!(r.status(), 303, "{category}");
        let reference = crate::harness::location(&r)
            .split("filed=")
            .nth(1)
            .unwrap()
            .to_owned();
        filed.push(reference);
    }

    // Office A's manager: the inbox, each anonymous ticket's page and the JSON list name no
    // complainant; the signed-in complaint does (so the checks can see a name).
    let (mgr, _) = api_client(&app, "manager.a").await;
    let inbox = get_text(&app, &mgr, "/helpdesk?all=1").await;
    for r in &filed {
        assert!(inbox.contains(r.as_str()), "{r} in the inbox: {inbox}");
    }
    let (s, list) = get_json(&app, &mgr, "/api/v1/helpdesk/tickets?all=true").await;
    assert_eq!(s, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{list}");
    let by_ref = |r: &str| {
        items
            .iter()
            .find(|t| t["reference"] == r)
            .unwrap_or_else(|| panic!("{r}: {list}"))
            .clone()
    };
    for r in &filed[..2] {
        let t = by_ref(r.as_str());
        assert_eq!(t["anonymous"], true, "{t}");
        assert_eq!(t["name"], "", "{t}");
        secrets.absent_from(&t.to_string(), &format!("office's JSON of {r}"));
        let id = t["id"].as_str().unwrap();
        let html = get_text(&app, &mgr, &format!("/helpdesk/{id}")).await;
        assert!(html.contains("id=\"helpdesk-ticket\""), "{html}");
        secrets.absent_from(&html, &format!("office's page of {r}"));
    }
    let named = by_ref(filed[2].as_str());
    assert!(named["name"].as_str().unwrap().contains("ملیکا"), "{named}");
    // The inbox lists the named one with its name, and never the others' complainant: every
    // appearance of the name is that one row.
    let rows: Vec<&str> = inbox.split("data-reference=\"").skip(1).collect();
    assert_eq!(rows.len(), 3);
    for row in rows {
        if row.starts_with(filed[2].as_str()) {
            assert!(row.contains("ملیکا"), "{row}");
        } else {
            secrets.absent_from(row, "office's inbox row");
        }
    }

    // The authority sees who filed them: name, registry number and phone.
    let (officer, _) = api_as(&app, "officer", true).await;
    let (s, list) = get_json(&app, &officer, "/api/v1/helpdesk/tickets?all=true").await;
    assert_eq!(s, 200, "{list}");
    for r in &filed[..2] {
        let t = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["reference"] == r.as_str())
            .unwrap()
            .clone();
        assert!(t["name"].as_str().unwrap().contains("ملیکا"), "{t}");
        let html = get_text(
            &app,
            &officer,
            &format!("/helpdesk/{}", t["id"].as_str().unwrap()),
        )
        .await;
        let from = &html[html.find("id=\"helpdesk-from\"").unwrap()..];
        let from = &from[..from.find("</dd>").unwrap()];
        assert!(from.contains("ملیکا") && from.contains("زرین‌کوب"), "{from}");
        let digits = |s: &str| {
            from.contains(s) || from.contains(&daftar_domain::digits::to_persian_digits(s))
        };
        assert!(digits(&person.registry_no), "{from}");
        assert!(digits(&person.phone), "{from}");
    }
}
crate::both!(
    helpdesk_anonymous_to_office,
    an_anonymous_complaint_hides_the_complainant_from_the_office
);
