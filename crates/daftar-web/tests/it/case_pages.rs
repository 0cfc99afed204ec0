//! What a clerk and an applicant meet around opening a case (issue 21, items 2 and 3), through
//! the real server on both backends: a newly registered single person renews their card alone;
//! covering a household they do not have is refused with an offer to create it (the person
//! preselected); a household member is told that the head applies, and the portal does not
//! offer them, as its first choice, a service that would fail; the person page lists the
//! person's cases, open and closed, each linking to the case; the case form names whose case
//! it opens.

use crate::harness::{TestApp, client, code, get_text, json_of, location};
use daftar_domain::audit::AuditCtx;
use daftar_domain::ids::OfficeId;
use daftar_domain::permission::{Permission, system_scope};
use daftar_domain::person::Person;
use serde_json::{Value, json};

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {html}"))
        + start.len();
    let j = html[i..].find(end).unwrap() + i;
    &html[i..j]
}

/// A newly registered person in no household, holding a registration card.
fn single_with_card(app: &TestApp, office: OfficeId, name: &str) -> Person {
    let p = app.person(office, name);
    app.store
        .add_document(
            &AuditCtx::system("test"),
            &system_scope(office, Permission::PersonWrite),
            p.id,
            &daftar_testkit::document(
                "registration_card",
                &format!("RCS{}", p.registry_no.replace('-', "")),
                "تهران",
            ),
            None,
        )
        .unwrap();
    p
}

async fn open_api(
    app: &TestApp,
    c: &reqwest::Client,
    t: &str,
    office: OfficeId,
    body: Value,
) -> (u16, Value) {
    json_of(
        c.post(app.url(&format!("/api/v1/offices/{office}/cases")))
            .header("x-csrf-token", t)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn a_single_person_renews_alone_and_a_household_is_offered_where_needed(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(office.id));
    let (head, others) = app.household_with_cards(office.id);
    let single = single_with_card(&app, office.id, "نرگس");
    let c = app.signed_in("clerk.a").await;
    let t = app.csrf(&c, "/profile").await;
    let o = office.id;

    // The walk-through's dead end: a card renewal for a person in no household, "whole
    // household" not ticked, is opened for them alone.
    let (s, v) = open_api(
        &app,
        &c,
        &t,
        o,
        json!({"service": "card_renewal", "person_id": single.id.to_string()}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["members"].as_array().unwrap().len(), 1);
    assert_eq!(v["members"][0]["person_id"], single.id.to_string());

    // Covering a household they do not have: refused, and the form offers to create one
    // headed by them.
    let other = single_with_card(&app, o, "پروین");
    let (s, v) = open_api(
        &app,
        &c,
        &t,
        o,
        json!({"service": "card_renewal", "person_id": other.id.to_string(), "household": true}),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "case.household.required"), "{v}");
    let form = format!("/offices/{o}/cases/new?person_id={}", other.id);
    let token = app.csrf(&c, &form).await;
    let r = app
        .post_form(
            &c,
            &format!("/offices/{o}/cases"),
            &[
                ("_csrf", token.as_str()),
                ("person_id", &other.id.to_string()),
                ("service", "card_renewal"),
                ("household", "1"),
                ("employer_name", ""),
                ("employer_identifier", ""),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let offer = between(&html, "id=\"household-offer\"", "</form>");
    assert!(
        offer.contains(&format!("name=\"head_person_id\" value=\"{}\"", other.id)),
        "{offer}"
    );
    assert!(
        html.contains(&format!("action=\"/offices/{o}/households\"")),
        "{html}"
    );
    // The offer works: the household is created with the person as head, and the renewal for
    // the whole household then opens.
    let r = app
        .post_form(
            &c,
            &format!("/offices/{o}/households"),
            &[
                ("_csrf", token.as_str()),
                ("head_person_id", &other.id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with(&format!("/offices/{o}/households/")));
    let (s, v) = open_api(
        &app,
        &c,
        &t,
        o,
        json!({"service": "card_renewal", "person_id": other.id.to_string(), "household": true}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert!(v["case"]["household_id"].is_string(), "{v}");

    // A member of someone else's household: the head applies; the page says so and links to
    // the household.
    let member = &others[0];
    let (s, v) = open_api(
        &app,
        &c,
        &t,
        o,
        json!({"service": "card_renewal", "person_id": member.id.to_string()}),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "case.applicant.not_head"), "{v}");
    let r = app
        .post_form(
            &c,
            &format!("/offices/{o}/cases"),
            &[
                ("_csrf", token.as_str()),
                ("person_id", &member.id.to_string()),
                ("service", "card_renewal"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"household-head-applies\""), "{html}");
    assert!(!html.contains("id=\"household-offer\""), "{html}");
    // The head still applies for everyone.
    let (s, v) = open_api(
        &app,
        &c,
        &t,
        o,
        json!({"service": "card_renewal", "person_id": head.id.to_string(), "household": true}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["members"].as_array().unwrap().len(), 3);
}

/// Gives `person` portal access and signs them in.
async fn portal_client(
    app: &TestApp,
    clerk: &reqwest::Client,
    office: OfficeId,
    p: &Person,
) -> reqwest::Client {
    let page = format!("/offices/{office}/persons/{}", p.id);
    let token = app.csrf(clerk, &page).await;
    let r = app
        .post_form(clerk, &format!("{page}/portal"), &[("_csrf", &token)])
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let username = between(&html, "id=\"portal-username\">", "<").to_owned();
    let password = between(&html, "id=\"portal-password\">", "<").to_owned();
    let me = client();
    assert_eq!(app.login(&me, &username, &password).await.status(), 303);
    me
}

/// The `value` of the first enabled option of the apply form, and the options as
/// (value, disabled).
fn apply_options(html: &str) -> (String, Vec<(String, bool)>) {
    let select = between(html, "<select name=\"service\"", "</select>");
    let options: Vec<(String, bool)> = select
        .split("<option value=\"")
        .skip(1)
        .map(|o| {
            let value = o[..o.find('"').unwrap()].to_owned();
            let tag = &o[..o.find('>').unwrap()];
            (value, tag.contains("disabled"))
        })
        .collect();
    let first = options
        .iter()
        .find(|(_, disabled)| !disabled)
        .map(|(v, _)| v.clone())
        .unwrap_or_default();
    (first, options)
}

async fn the_portal_offers_first_what_the_person_can_apply_for(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(office.id));
    let (head, others) = app.household_with_cards(office.id);
    let single = single_with_card(&app, office.id, "نرگس");
    let clerk = app.signed_in("clerk.a").await;

    // A household member: the renewal (the catalog's first portal service) is the head's to
    // ask for; it is listed, disabled, after the services the member can apply for.
    let me = portal_client(&app, &clerk, office.id, &others[0]).await;
    let html = get_text(&app, &me, "/portal").await;
    let (first, options) = apply_options(&html);
    assert_ne!(first, "card_renewal", "{options:?}");
    assert_eq!(
        options[0],
        (first.clone(), false),
        "the first choice can be chosen"
    );
    assert!(
        options.contains(&("card_renewal".into(), true)),
        "{options:?}"
    );
    let disabled_at = options.iter().position(|(_, d)| *d).unwrap();
    assert!(
        options[disabled_at..].iter().all(|(_, d)| *d),
        "{options:?}"
    );
    assert!(
        !html.contains("name=\"household\""),
        "only a head covers a household: {html}"
    );
    // What the form offers first opens (a travel permit here needs a passport: a refusal on
    // eligibility, not on who applies).
    let token = app.csrf(&me, "/portal").await;
    let r = app
        .post_form(
            &me,
            "/portal/cases",
            &[("_csrf", &token), ("service", &first)],
        )
        .await;
    let status = r.status().as_u16();
    let body = r.text().await.unwrap();
    assert!(
        status == 303 || !body.contains("case-applicant-not_head"),
        "{status} {body}"
    );

    // A single person: everything is offered (the renewal too), and it opens for them alone.
    let me = portal_client(&app, &clerk, office.id, &single).await;
    let html = get_text(&app, &me, "/portal").await;
    let (_, options) = apply_options(&html);
    assert!(
        options.contains(&("card_renewal".into(), false)),
        "{options:?}"
    );
    assert!(options.iter().all(|(_, disabled)| !disabled), "{options:?}");
    let token = app.csrf(&me, "/portal").await;
    let r = app
        .post_form(
            &me,
            "/portal/cases",
            &[("_csrf", &token), ("service", "card_renewal")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/portal/cases/"));

    // The head: offered everything, and the household box.
    let me = portal_client(&app, &clerk, office.id, &head).await;
    let html = get_text(&app, &me, "/portal").await;
    let (_, options) = apply_options(&html);
    assert!(options.iter().all(|(_, disabled)| !disabled), "{options:?}");
    assert!(html.contains("name=\"household\""), "{html}");
}

async fn the_person_page_lists_their_cases_and_the_form_names_the_person(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(office.id));
    app.user("mgr.a", "office_manager", Some(office.id));
    let (head, others) = app.household_with_cards(office.id);
    let o = office.id;
    let c = app.signed_in("clerk.a").await;
    let t = app.csrf(&c, "/profile").await;
    let page = |p: &Person| format!("/offices/{o}/persons/{}", p.id);

    // No case yet: the page says so.
    let html = get_text(&app, &c, &page(&head)).await;
    assert!(html.contains("id=\"person-cases-none\""), "{html}");

    // The case form says whose case it opens.
    let html = get_text(
        &app,
        &c,
        &format!("/offices/{o}/cases/new?person_id={}", head.id),
    )
    .await;
    let whose = between(&html, "id=\"case-person\"", "</p>");
    assert!(whose.contains(&head.given_name), "{whose}");
    assert!(whose.contains(&head.registry_no), "{whose}");
    assert!(
        whose.contains(&format!("href=\"/offices/{o}/persons/{}\"", head.id)),
        "{whose}"
    );

    // Two cases: a household renewal (the member sees it too) and a certificate, then the
    // certificate is cancelled by the manager: both listed, with state and reference.
    let (s, renewal) = open_api(
        &app,
        &c,
        &t,
        o,
        json!({"service": "card_renewal", "person_id": head.id.to_string(), "household": true}),
    )
    .await;
    assert_eq!(s, 201, "{renewal}");
    let (s, cert) = open_api(
        &app,
        &c,
        &t,
        o,
        json!({"service": "registration_status_certificate", "person_id": head.id.to_string()}),
    )
    .await;
    assert_eq!(s, 201, "{cert}");
    let m = app.signed_in("mgr.a").await;
    let mt = app.csrf(&m, "/profile").await;
    let cert_id = cert["case"]["id"].as_str().unwrap();
    let r = m
        .post(app.url(&format!("/api/v1/offices/{o}/cases/{cert_id}/actions")))
        .header("x-csrf-token", &mt)
        .header("if-match", "\"1\"")
        .json(&json!({"action": "cancel"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let html = get_text(&app, &c, &page(&head)).await;
    let table = between(&html, "id=\"person-cases\"", "</table>");
    for (v, state) in [(&renewal, "open"), (&cert, "cancelled")] {
        let id = v["case"]["id"].as_str().unwrap();
        let reference = v["case"]["reference"].as_str().unwrap();
        let row = between(table, &format!("data-case=\"{id}\""), "</tr>");
        assert!(row.contains(&format!("data-state=\"{state}\"")), "{row}");
        assert!(
            row.contains(&format!("href=\"/offices/{o}/cases/{id}\"")),
            "{row}"
        );
        assert!(row.contains(reference), "{row}");
    }
    // Newest first.
    assert!(
        table.find(cert_id).unwrap() < table.find(renewal["case"]["id"].as_str().unwrap()).unwrap()
    );
    // A member's page lists the household case they are on, not the head's certificate.
    let html = get_text(&app, &c, &page(&others[1])).await;
    let table = between(&html, "id=\"person-cases\"", "</table>");
    assert!(
        table.contains(renewal["case"]["id"].as_str().unwrap()),
        "{table}"
    );
    assert!(!table.contains(cert_id), "{table}");
    // The state is shown translated (Persian by default).
    assert!(html.contains("باز") || html.contains("جاری"), "{html}");
}

crate::both!(
    renewal_alone,
    a_single_person_renews_alone_and_a_household_is_offered_where_needed
);
crate::both!(
    portal_offers,
    the_portal_offers_first_what_the_person_can_apply_for
);
crate::both!(
    person_cases,
    the_person_page_lists_their_cases_and_the_form_names_the_person
);
