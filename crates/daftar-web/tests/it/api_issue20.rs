//! Issue 20's flows through the JSON API, on both backends, against the real server: the help
//! desk (staff file, read, answer and forward; the person files and reads the outcome on the
//! portal; an anonymous complainant hidden from the office complained about), the person's own
//! access log, a person's referrals for their office and on the portal (consent withdrawn), and
//! the planning figures (withheld cells null, never a small count or a name). Also: every
//! help-desk list that shows a complainant's name is in that person's access log, whichever
//! office or the authority listed it.

use crate::harness::{TestApp, api_as, api_client, code, json_of, send_json};
use daftar_domain::audit::AuditCtx;
use daftar_domain::helpdesk::{Channel, NewTicket, TicketDraft};
use daftar_domain::ids::{OfficeId, PersonId};
use reqwest::Method;
use serde_json::{Value, json};

/// A signed-in portal account and the CSRF token its API writes send.
async fn portal(app: &TestApp, username: &str) -> (reqwest::Client, String) {
    let c = app.signed_in(username).await;
    let t = app.csrf(&c, "/portal/help").await;
    (c, t)
}

async fn get(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, Value) {
    json_of(c.get(app.url(path)).send().await.unwrap()).await
}

/// Posts `body` as JSON to `path` with the client's CSRF token: status and body.
async fn post(
    app: &TestApp,
    c: &(reqwest::Client, String),
    path: String,
    body: Value,
) -> (u16, Value) {
    let (s, v, _) = send_json(app, c, Method::POST, &path, body, None).await;
    (s, v)
}

/// Files a portal ticket for `person` of `office` through the store (as the portal's form does).
fn portal_ticket(
    app: &TestApp,
    person: PersonId,
    office: OfficeId,
    category: &str,
    about: OfficeId,
    anonymous: bool,
) -> daftar_domain::helpdesk::Ticket {
    let t = NewTicket::parse(
        TicketDraft {
            category: category.into(),
            about_office: Some(about),
            body: "کارمند باجه با من بدرفتاری کرد".into(),
            anonymous,
            ..Default::default()
        },
        Channel::Portal,
        Some((person, office)),
        None,
    )
    .unwrap();
    app.store
        .file_ticket(
            &AuditCtx::system("test"),
            &t,
            daftar_domain::clock::Clock::default().today(),
        )
        .unwrap()
}

async fn help_desk_through_the_api(app: TestApp) {
    let home = app.office("THR-01");
    let other = app.office("THR-02");
    let third = app.office("THR-03");
    app.user("manager.thr", "office_manager", Some(home.id));
    app.user("manager.thr2", "office_manager", Some(other.id));
    app.user("clerk.thr2", "clerk", Some(other.id));
    app.user("partner", "partner", None);
    app.user("officer", "authority_officer", None);
    let (person, user) = app.portal_holder(home.id);
    let me = &portal(&app, user.username.as_str()).await;
    let o2 = other.id.to_string();

    // The person files on the portal; bad input gets the form's codes.
    let file = |body: Value| post(&app, me, "/api/v1/portal/tickets".into(), body);
    let (s, v) = file(json!({"category": "rumour", "body": "x"})).await;
    assert_eq!((s, code(&v)), (422, "helpdesk.category.invalid"));
    let (s, v) = file(json!({"category": "delay", "body": "دیر شد"})).await;
    assert_eq!((s, code(&v)), (422, "helpdesk.office.required"));
    assert_eq!(v["error"]["details"]["field"], "about_office");
    let (s, v) = file(json!({"category": "delay", "body": "x", "about_office": "nope"})).await;
    assert_eq!((s, code(&v)), (422, "office.id.invalid"));
    let (s, v) = file(json!({"category": "delay", "body": "x", "phone": "1"})).await;
    assert_eq!(s, 400, "an unknown field: {v}");
    let (s, v) = json_of(
        me.0.post(app.url("/api/v1/portal/tickets"))
            .json(&json!({"category": "question", "body": "کی نوبت می‌دهید؟"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (403, "auth.csrf.invalid"),
        "a write needs the token"
    );
    let (s, delay) = file(json!({
        "category": "delay", "about_office": o2, "body": "سه هفته منتظر کارت ماندم", "anonymous": true
    }))
    .await;
    assert_eq!(s, 201, "{delay}");
    assert!(delay["reference"].as_str().unwrap().starts_with("HD-"));
    assert_eq!(
        (delay["route_office"].as_str(), delay["state"].as_str()),
        (Some(o2.as_str()), Some("open")),
        "a delay goes to the office complained about"
    );
    let (s, bribe) = file(json!({
        "category": "bribe", "about_office": o2, "body": "برای نوبت پول خواستند", "anonymous": true
    }))
    .await;
    assert_eq!(s, 201);
    assert!(
        bribe["route_office"].is_null(),
        "a bribe goes to the authority"
    );
    let (delay_id, bribe_id) = (
        delay["id"].as_str().unwrap().to_owned(),
        bribe["id"].as_str().unwrap().to_owned(),
    );

    // The person's own tickets; another's id or a non-id is 404; staff are not the portal.
    let (s, mine) = get(&app, &me.0, "/api/v1/portal/tickets").await;
    assert_eq!((s, mine.as_array().unwrap().len()), (200, 2));
    let (s, one) = get(&app, &me.0, &format!("/api/v1/portal/tickets/{delay_id}")).await;
    assert_eq!((s, one["id"].as_str()), (200, Some(delay_id.as_str())));
    let unknown = ulid::Ulid::new().to_string();
    for path in [
        format!("/api/v1/portal/tickets/{unknown}"),
        "/api/v1/portal/tickets/not-an-id".to_owned(),
    ] {
        let (s, v) = get(&app, &me.0, &path).await;
        assert_eq!((s, code(&v)), (404, "helpdesk.ticket.not_found"), "{path}");
    }
    let mgr = &api_client(&app, "manager.thr2").await;
    let (s, v) = get(&app, &mgr.0, "/api/v1/portal/tickets").await;
    assert_eq!((s, code(&v)), (403, "portal.only"));

    // The office complained about reads both without who filed them.
    for id in [&delay_id, &bribe_id] {
        let (s, t) = get(&app, &mgr.0, &format!("/api/v1/helpdesk/tickets/{id}")).await;
        assert_eq!(s, 200, "{t}");
        assert_eq!(
            (
                t["name"].as_str(),
                t["registry_no"].as_str(),
                t["phone"].as_str(),
                t["person"].is_null(),
                t["anonymous"].as_bool()
            ),
            (Some(""), Some(""), Some(""), true, Some(true)),
            "hidden from the office complained about"
        );
        let text = t.to_string();
        for secret in [
            person.given_name.as_str(),
            person.registry_no.as_str(),
            &person.id.to_string(),
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
    // The authority sees who filed, to investigate.
    let officer = &api_as(&app, "officer", true).await;
    let (s, t) = get(
        &app,
        &officer.0,
        &format!("/api/v1/helpdesk/tickets/{bribe_id}"),
    )
    .await;
    assert_eq!(s, 200);
    assert!(t["name"].as_str().unwrap().contains(&person.given_name));
    assert_eq!(t["registry_no"].as_str(), Some(person.registry_no.as_str()));
    // An office not concerned: 404; a clerk and a partner: 403.
    let home_mgr = &api_client(&app, "manager.thr").await;
    let (s, v) = get(
        &app,
        &home_mgr.0,
        &format!("/api/v1/helpdesk/tickets/{delay_id}"),
    )
    .await;
    assert_eq!((s, code(&v)), (404, "helpdesk.ticket.not_found"));
    for who in ["clerk.thr2", "partner"] {
        let c = &api_client(&app, who).await;
        let (s, v) = get(&app, &c.0, &format!("/api/v1/helpdesk/tickets/{delay_id}")).await;
        assert_eq!((s, code(&v)), (403, "auth.forbidden"), "{who}");
        let (s, _) = post(
            &app,
            c,
            format!("/api/v1/helpdesk/tickets/{delay_id}/answer"),
            json!({"answer": "نه"}),
        )
        .await;
        assert_eq!(s, 403, "{who}");
        let (s, _) = post(
            &app,
            c,
            "/api/v1/helpdesk/tickets".into(),
            json!({"channel": "phone", "category": "unpaid_wages", "body": "x", "contact_name": "رحیم", "contact_phone": "09120001111"}),
        )
        .await;
        assert_eq!(s, 403, "{who}");
    }
    let (s, v) = get(&app, &me.0, &format!("/api/v1/helpdesk/tickets/{delay_id}")).await;
    assert_eq!(
        (s, code(&v)),
        (403, "auth.forbidden"),
        "the person is not staff"
    );

    // The office answers the delay, once; the bribe is the authority's.
    let answer = |id: &str, text: &str| {
        post(
            &app,
            mgr,
            format!("/api/v1/helpdesk/tickets/{id}/answer"),
            json!({ "answer": text }),
        )
    };
    let (s, v) = answer(&bribe_id, "نه").await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"));
    let (s, v) = answer(&delay_id, "  ").await;
    assert_eq!((s, code(&v)), (422, "helpdesk.answer.required"));
    let (s, t) = answer(&delay_id, "پوزش؛ کارت شما آماده است").await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(
        (
            t["state"].as_str(),
            t["answered_role"].as_str(),
            t["name"].as_str()
        ),
        (Some("answered"), Some("office_manager"), Some("")),
        "answered, still without the complainant's name"
    );
    let (s, v) = answer(&delay_id, "دوباره").await;
    assert_eq!((s, code(&v)), (409, "helpdesk.ticket.answered"));
    // The person reads the outcome.
    let (s, one) = get(&app, &me.0, &format!("/api/v1/portal/tickets/{delay_id}")).await;
    assert_eq!(s, 200);
    assert_eq!(
        (
            one["state"].as_str(),
            one["answer"].as_str(),
            one["answered_role"].as_str()
        ),
        (
            Some("answered"),
            Some("پوزش؛ کارت شما آماده است"),
            Some("office_manager")
        )
    );
    assert!(
        !one.to_string().contains("کاربر"),
        "never the answerer's name"
    );
    assert!(
        one.get("phone").is_none() && one.get("registry_no").is_none(),
        "the person's own contact is not repeated: {one}"
    );

    // Staff file for a caller (phone: routed by kind) and a visitor at the counter.
    let staff_file = |body: Value| post(&app, mgr, "/api/v1/helpdesk/tickets".into(), body);
    let (s, line) = staff_file(
        json!({"channel": "phone", "category": "unpaid_wages", "body": "دو ماه مزد نگرفته‌ام",
               "contact_name": "رحیم", "contact_phone": "0912 000 1111"}),
    )
    .await;
    assert_eq!(s, 201, "{line}");
    assert!(line["route_office"].is_null() && line["channel"] == "phone");
    assert!(line.get("phone").is_none(), "a line, not the ticket's page");
    let (s, line) = staff_file(
        json!({"channel": "office", "category": "question", "body": "مدارک تمدید چیست؟",
               "contact_name": "رحیم", "contact_phone": "09120001111"}),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(
        line["route_office"].as_str(),
        Some(o2.as_str()),
        "asked at the counter"
    );
    for (body, status, want) in [
        (
            json!({"channel": "portal", "category": "question", "body": "x", "contact_name": "a", "contact_phone": "0912"}),
            422,
            "helpdesk.channel.invalid",
        ),
        (
            json!({"channel": "phone", "category": "unpaid_wages", "body": "x", "contact_name": "", "contact_phone": ""}),
            422,
            "helpdesk.contact.required",
        ),
        (
            json!({"channel": "phone", "category": "unpaid_wages", "body": "x", "contact_name": "a", "contact_phone": "call me"}),
            422,
            "helpdesk.phone.invalid",
        ),
        (
            json!({"channel": "phone", "category": "unpaid_wages", "body": "x"}),
            400,
            "request.body.invalid",
        ),
    ] {
        let (s, v) = staff_file(body.clone()).await;
        assert_eq!((s, code(&v)), (status, want), "{body}");
    }

    // The authority forwards the bribe: never to the office complained about, not by an office.
    let to = format!("/api/v1/helpdesk/tickets/{bribe_id}/forward");
    let forward = |office: String| post(&app, officer, to.clone(), json!({ "office": office }));
    let (s, v) = forward(o2.clone()).await;
    assert_eq!((s, code(&v)), (422, "helpdesk.forward.about_office"));
    let (s, v) = forward("nonsense".into()).await;
    assert_eq!((s, code(&v)), (422, "helpdesk.office.required"));
    let (s, v) = forward(OfficeId::new().to_string()).await;
    assert_eq!((s, code(&v)), (404, "office.not_found"));
    let (s, v) = post(
        &app,
        mgr,
        to.clone(),
        json!({ "office": third.id.to_string() }),
    )
    .await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"));
    let (s, t) = forward(third.id.to_string()).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(
        t["route_office"].as_str(),
        Some(third.id.to_string().as_str())
    );
    let (s, v) = forward(third.id.to_string()).await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"), "forwarded once");

    // Audited as the pages are.
    assert_eq!(app.audited("helpdesk.file").len(), 4);
    assert_eq!(app.audited("helpdesk.answer").len(), 1);
    assert_eq!(app.audited("helpdesk.forward").len(), 1);
    assert!(
        app.audited("helpdesk.read")
            .iter()
            .any(|r| r.actor == "manager.thr2" && r.target_id == delay_id)
    );
    assert!(!app.audited("helpdesk.own").is_empty());
}
crate::both!(help_desk_api, help_desk_through_the_api);

/// The `helpdesk.list` entries of a person's access log, by office code.
fn listed_by(app: &TestApp, office: OfficeId, person: PersonId) -> Vec<(String, String)> {
    app.access_log(office, person)
        .into_iter()
        .filter(|e| e.action == "helpdesk.list")
        .map(|e| (e.office_code, e.role))
        .collect()
}

async fn every_help_desk_list_that_names_a_person_is_in_their_access_log(app: TestApp) {
    let home = app.office("THR-01");
    let other = app.office("THR-02");
    let third = app.office("THR-03");
    app.user("manager.thr2", "office_manager", Some(other.id));
    app.user("manager.thr3", "office_manager", Some(third.id));
    app.user("officer", "authority_officer", None);
    let (person, user) = app.portal_holder(home.id);
    let quiet = app.person(home.id, "مهتاب");
    // A complaint of discourtesy about another office (listed there, with the name), a bribe
    // for the authority, and another person's anonymous complaint about that office.
    portal_ticket(&app, person.id, home.id, "discourtesy", other.id, false);
    let bribe = portal_ticket(&app, person.id, home.id, "bribe", other.id, false);
    portal_ticket(&app, quiet.id, home.id, "delay", other.id, true);
    assert!(listed_by(&app, home.id, person.id).is_empty());

    let mgr2 = &api_client(&app, "manager.thr2").await;
    let (s, list) = get(&app, &mgr2.0, "/api/v1/helpdesk/tickets").await;
    assert_eq!((s, list["total"].as_u64()), (200, Some(3)), "{list}");
    assert!(list.to_string().contains(&person.given_name));
    assert_eq!(
        listed_by(&app, home.id, person.id),
        vec![("THR-02".to_owned(), "office_manager".to_owned())],
        "the office complained about listed the name: in the log of the person's office"
    );
    assert!(
        listed_by(&app, home.id, quiet.id).is_empty(),
        "an anonymous complainant is not shown, so not named in the row"
    );
    let row = app.audited("helpdesk.list");
    let details: Value = serde_json::from_str(&row[0].details).unwrap();
    let named = details["persons"].as_array().unwrap();
    assert_eq!(
        named.len(),
        2,
        "the complainant of both open complaints: {details}"
    );
    assert!(named.iter().all(|p| *p == json!(person.id.to_string())));

    // The authority lists every ticket (routed to it or not).
    let officer = &api_as(&app, "officer", true).await;
    let (s, list) = get(&app, &officer.0, "/api/v1/helpdesk/tickets").await;
    assert_eq!((s, list["total"].as_u64()), (200, Some(3)));
    let listed = listed_by(&app, home.id, person.id);
    assert!(
        listed.contains(&(String::new(), "authority_officer".to_owned())),
        "{listed:?}"
    );
    // The authority sees who filed the anonymous complaint, yet it stays out of that person's
    // log: a log printed at the office complained about would date the complaint (found by a
    // walk of the demo). The row keeps them apart.
    let html = crate::harness::get_text(&app, &officer.0, "/helpdesk").await;
    assert!(
        html.contains(&quiet.given_name),
        "the authority sees who filed"
    );
    assert!(
        listed_by(&app, home.id, quiet.id).is_empty(),
        "{:?}",
        listed_by(&app, home.id, quiet.id)
    );
    let row = &app.audited("helpdesk.list")[0];
    let details: Value = serde_json::from_str(&row.details).unwrap();
    assert_eq!(
        details["anonymous"],
        json!([format!("anonymous:{}", quiet.id)]),
        "{details}"
    );
    // Forwarded to a third office, which lists it with the name.
    let (s, _) = post(
        &app,
        officer,
        format!("/api/v1/helpdesk/tickets/{}/forward", bribe.id),
        json!({ "office": third.id.to_string() }),
    )
    .await;
    assert_eq!(s, 200);
    let mgr3 = &api_client(&app, "manager.thr3").await;
    let (s, list) = get(&app, &mgr3.0, "/api/v1/helpdesk/tickets").await;
    assert_eq!((s, list["total"].as_u64()), (200, Some(1)));
    assert!(
        listed_by(&app, home.id, person.id)
            .contains(&("THR-03".to_owned(), "office_manager".to_owned()))
    );
    // The page's list is recorded alike.
    let html = crate::harness::get_text(&app, &mgr3.0, "/helpdesk").await;
    assert!(html.contains(&bribe.reference));
    assert_eq!(
        listed_by(&app, home.id, person.id)
            .iter()
            .filter(|(o, _)| o == "THR-03")
            .count(),
        2
    );

    // The person reads the same log on the portal, as data: roles, never staff names.
    let me = &portal(&app, user.username.as_str()).await;
    let (s, log) = get(&app, &me.0, "/api/v1/portal/access?per_page=100").await;
    assert_eq!(s, 200, "{log}");
    let items = log["items"].as_array().unwrap();
    let codes: Vec<&str> = items
        .iter()
        .filter(|e| e["action"] == "helpdesk.list")
        .map(|e| e["office_code"].as_str().unwrap())
        .collect();
    for want in ["THR-02", "THR-03", ""] {
        assert!(codes.contains(&want), "{want} in {codes:?}");
    }
    assert!(!log.to_string().contains("کاربر"), "no staff name");
    // On the page, a list by the authority is said to be the authority's, not the system's.
    let html = crate::harness::get_text(&app, &me.0, "/portal/access?per_page=100").await;
    assert!(html.contains("سازمان (اداره کل امور اتباع)"), "{html}");
    assert!(
        items
            .iter()
            .all(|e| e["at"].is_string() && e["purpose"].is_string())
    );
    let (s, page) = get(&app, &me.0, "/api/v1/portal/access?per_page=2&page=2").await;
    assert_eq!(
        (
            s,
            page["page"].as_u64(),
            page["items"].as_array().unwrap().len()
        ),
        (200, Some(2), 2)
    );
    let (s, v) = get(&app, &me.0, "/api/v1/portal/access?page=0").await;
    assert_eq!((s, code(&v)), (422, "page.page.invalid"));
    let (s, v) = get(&app, &mgr2.0, "/api/v1/portal/access").await;
    assert_eq!((s, code(&v)), (403, "portal.only"));
    // Looking is audited, as the person's own.
    let looked = app.audited("person.access_log");
    assert!(
        looked
            .iter()
            .any(|r| r.target_id == person.id.to_string() && r.purpose == "self_service")
    );
}
crate::both!(
    help_desk_lists_in_the_access_log,
    every_help_desk_list_that_names_a_person_is_in_their_access_log
);

async fn a_persons_referrals_for_their_office_and_on_the_portal(app: TestApp) {
    let home = app.office("THR-01");
    let other = app.office("THR-02");
    app.user("clerk.thr", "clerk", Some(home.id));
    app.user("clerk.thr2", "clerk", Some(other.id));
    let nurse = app.user("nurse", "partner", None);
    app.store
        .set_user_partner(&AuditCtx::system("test"), nurse.id, Some("health-tehran"))
        .unwrap();
    let (person, user) = app.portal_holder(home.id);
    let second = app.person(home.id, "مهتاب");
    let clerk = &api_client(&app, "clerk.thr").await;
    let base = |p: PersonId| format!("/api/v1/offices/{}/persons/{p}/referrals", home.id);
    let mut ids = vec![];
    for p in [person.id, second.id] {
        let (s, r) = post(
            &app,
            clerk,
            base(p),
            json!({"type": "health_house", "consent": true}),
        )
        .await;
        assert_eq!(s, 201, "{r}");
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    let (mine, theirs) = (ids[0].clone(), ids[1].clone());

    // The office reads the person's referrals with what each shares; audited as the page.
    let (s, list) = get(&app, &clerk.0, &base(person.id)).await;
    assert_eq!(s, 200, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0]["id"].as_str(), list[0]["state"].as_str()),
        (Some(mine.as_str()), Some("pending"))
    );
    assert!(!list[0]["shared"].as_object().unwrap().is_empty());
    assert!(
        app.audited("referral.list")
            .iter()
            .any(|r| r.actor == "clerk.thr" && r.target_id == person.id.to_string())
    );
    // Another office: 403; the person through another office's path: 404; a partner: 403.
    let clerk2 = &api_client(&app, "clerk.thr2").await;
    let (s, v) = get(&app, &clerk2.0, &base(person.id)).await;
    assert_eq!((s, code(&v)), (403, "office.scope.denied"));
    let (s, _) = get(
        &app,
        &clerk2.0,
        &format!(
            "/api/v1/offices/{}/persons/{}/referrals",
            other.id, person.id
        ),
    )
    .await;
    assert_eq!(s, 404);
    let partner = &api_client(&app, "nurse").await;
    let (s, _) = get(&app, &partner.0, &base(person.id)).await;
    assert_eq!(s, 403);

    // The office withdraws only a referral of this person: another's or an unknown one is 404.
    let withdraw = |c: &'static str, p: PersonId, id: &str| {
        let c = if c == "clerk.thr" { clerk } else { clerk2 };
        post(&app, c, format!("{}/{id}/withdraw", base(p)), json!({}))
    };
    let (s, v) = withdraw("clerk.thr", second.id, &mine).await;
    assert_eq!(
        (s, code(&v)),
        (404, "referral.not_found"),
        "not this person's"
    );
    let (s, v) = withdraw("clerk.thr", second.id, &ulid::Ulid::new().to_string()).await;
    assert_eq!((s, code(&v)), (404, "referral.not_found"));
    let (s, v) = withdraw("clerk.thr", second.id, "not-an-id").await;
    assert_eq!((s, code(&v)), (404, "referral.not_found"));
    let (s, v) = withdraw("clerk.thr2", second.id, &theirs).await;
    assert_eq!((s, code(&v)), (403, "office.scope.denied"));
    let (s, r) = withdraw("clerk.thr", second.id, &theirs).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "withdrawn");
    assert_eq!(r["shared"], json!({}), "what it shared is erased");
    let (s, v) = withdraw("clerk.thr", second.id, &theirs).await;
    assert_eq!((s, code(&v)), (409, "referral.state.conflict"));

    // The person: their own referrals only; withdraws consent; the partner sees nothing more.
    let me = &portal(&app, user.username.as_str()).await;
    let (s, list) = get(&app, &me.0, "/api/v1/portal/referrals").await;
    assert_eq!(s, 200);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"].as_str(), Some(mine.as_str()));
    let portal_withdraw = |id: &str| {
        post(
            &app,
            me,
            format!("/api/v1/portal/referrals/{id}/withdraw"),
            json!({}),
        )
    };
    let (s, v) = portal_withdraw(&theirs).await;
    assert_eq!(
        (s, code(&v)),
        (404, "referral.not_found"),
        "another person's"
    );
    let (s, r) = portal_withdraw(&mine).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (r["state"].as_str(), r["shared"].clone()),
        (Some("withdrawn"), json!({}))
    );
    let (s, v) = portal_withdraw(&mine).await;
    assert_eq!((s, code(&v)), (409, "referral.state.conflict"));
    let (s, v) = json_of(
        me.0.post(app.url(&format!("/api/v1/portal/referrals/{mine}/withdraw")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (403, "auth.csrf.invalid"));
    let (s, seen) = get(&app, &partner.0, &format!("/api/v1/referrals/{mine}")).await;
    assert_eq!((s, seen["shared"].clone()), (200, json!({})));
    // Staff are not the portal.
    let (s, v) = get(&app, &clerk.0, "/api/v1/portal/referrals").await;
    assert_eq!((s, code(&v)), (403, "portal.only"));
    let (s, v) = post(
        &app,
        clerk,
        format!("/api/v1/portal/referrals/{mine}/withdraw"),
        json!({}),
    )
    .await;
    assert_eq!((s, code(&v)), (403, "portal.only"));
    assert_eq!(app.audited("referral.withdraw").len(), 2);
}
crate::both!(
    referrals_api_office_and_portal,
    a_persons_referrals_for_their_office_and_on_the_portal
);

/// Every figure of a table of the planning JSON.
fn figures(t: &Value) -> Vec<&Value> {
    let mut out = vec![];
    for r in t["rows"].as_array().unwrap() {
        out.extend(r["cells"].as_array().unwrap());
        out.push(&r["total"]);
        if !r["medical_needs"].is_null() {
            out.push(&r["medical_needs"]);
        }
    }
    out.extend(t["column_totals"].as_array().unwrap());
    out.push(&t["total"]);
    out
}

/// Checks that no figure of `v` is a count from 1 to 4 and that a withheld one carries no
/// number; returns how many were withheld.
fn protected(v: &Value) -> usize {
    let mut withheld = 0;
    for key in ["places", "sexes", "rounds"] {
        if v[key].is_null() {
            continue;
        }
        for f in figures(&v[key]) {
            if f["withheld"] == true {
                assert!(f["count"].is_null(), "{f}");
                withheld += 1;
            } else {
                let n = f["count"].as_u64().unwrap();
                assert!(n == 0 || n >= 5, "a small count shown: {n}");
            }
        }
    }
    withheld
}

async fn planning_figures_as_json(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("THR-02");
    let mut names = vec![];
    for i in 0..8 {
        names.push(app.person(a.id, &format!("تهرانی{i}")));
    }
    for i in 0..3 {
        names.push(app.person(b.id, &format!("دومی{i}")));
    }
    app.user("partner", "partner", None);
    app.user("officer", "authority_officer", None);
    app.user("manager.thr2", "office_manager", Some(b.id));
    app.user("clerk.thr", "clerk", Some(a.id));

    let p = &api_client(&app, "partner").await;
    let (s, v) = get(&app, &p.0, "/api/v1/planning").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["level"], "province");
    assert_eq!(
        v["groups"],
        json!([
            "under_five",
            "school_age",
            "working_age",
            "elderly",
            "unknown"
        ])
    );
    let rows = v["places"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["label"], "تهران");
    assert_eq!(v["places"]["total"]["count"], 11);
    assert_eq!(protected(&v), 0);
    // Drill down: the province's districts, then the district's offices (THR-02's 3 persons
    // withheld, and with them THR-01's 8) and sexes.
    let (s, v) = get(&app, &p.0, "/api/v1/planning?province=تهران").await;
    assert_eq!((s, v["level"].as_str()), (200, Some("district")));
    assert_eq!(v["places"]["rows"][0]["label"], "مرکزی");
    let (s, v) = get(&app, &p.0, "/api/v1/planning?province=تهران&district=مرکزی").await;
    assert_eq!((s, v["level"].as_str()), (200, Some("office")), "{v}");
    assert!(protected(&v) >= 2, "{v}");
    let offices = v["places"]["rows"].as_array().unwrap();
    assert_eq!(offices.len(), 2);
    for r in offices {
        assert_eq!(r["total"], json!({"count": null, "withheld": true}), "{r}");
    }
    assert_eq!(
        v["places"]["total"]["count"], 11,
        "the district's total is shown"
    );
    assert!(v["sexes"]["rows"].as_array().is_some_and(|r| !r.is_empty()));
    let text = v.to_string();
    for n in &names {
        assert!(!text.contains(&n.given_name) && !text.contains(&n.registry_no));
    }
    assert!(!text.contains("phone") && !text.contains("registry"));
    // An unknown place: empty tables.
    let (s, v) = get(&app, &p.0, "/api/v1/planning?province=nowhere").await;
    assert_eq!((s, v["places"]["rows"].as_array().unwrap().len()), (200, 0));

    // The authority too; an office manager their own catchment; a clerk and the person: 403.
    let officer = &api_as(&app, "officer", true).await;
    let (s, v) = get(&app, &officer.0, "/api/v1/planning").await;
    assert_eq!((s, v["places"]["total"]["count"].as_u64()), (200, Some(11)));
    let m = &api_client(&app, "manager.thr2").await;
    let (s, v) = get(&app, &m.0, "/api/v1/planning").await;
    assert_eq!(s, 200);
    assert_eq!(
        v["places"]["total"],
        json!({"count": null, "withheld": true}),
        "3 persons"
    );
    let c = &api_client(&app, "clerk.thr").await;
    let (s, v) = get(&app, &c.0, "/api/v1/planning").await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"));
}
crate::both!(planning_api, planning_figures_as_json);
