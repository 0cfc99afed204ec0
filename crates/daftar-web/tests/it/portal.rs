//! The portal of a registered person through the real server on both backends: access given at
//! the office (slip with username and password), signing in, the person's own page, applying
//! for a portal service (and being refused the others), reading only one's own cases and
//! credentials, printing one's card, share codes made and cancelled by the holder with every
//! check shown, staff routes closed, and a new password ending the old sessions.

use crate::harness::{TestApp, client, code, get_text, json_of, location};
use daftar_domain::audit::AuditCtx;
use daftar_domain::credential::NewCredential;
use daftar_domain::service::CredentialKind;
use serde_json::json;

/// The (action, purpose) of every audit row whose action starts with `prefix` and whose target
/// is `target`.
fn audited(app: &TestApp, prefix: &str, target: &str) -> Vec<(String, String)> {
    let filter = daftar_domain::store::AuditFilter {
        action_prefix: Some(prefix.to_owned()),
        ..Default::default()
    };
    app.store
        .audit_page(
            &filter,
            daftar_domain::page::PageRequest {
                page: 1,
                per_page: 200,
            },
        )
        .unwrap()
        .items
        .into_iter()
        .filter(|r| r.target_id == target)
        .map(|r| (r.action, r.purpose))
        .collect()
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {html}"))
        + start.len();
    let j = html[i..].find(end).unwrap() + i;
    &html[i..j]
}

/// Staff give `person` portal access; returns (username, password) from the slip.
pub(crate) async fn grant(
    app: &TestApp,
    clerk: &reqwest::Client,
    office: &str,
    person: &str,
) -> (u16, String, String) {
    let page = format!("/offices/{office}/persons/{person}");
    let token = app.csrf(clerk, &page).await;
    let r = app
        .post_form(clerk, &format!("{page}/portal"), &[("_csrf", &token)])
        .await;
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    if status != 200 {
        return (status, html, String::new());
    }
    (
        status,
        between(&html, "id=\"portal-username\">", "<").to_owned(),
        between(&html, "id=\"portal-password\">", "<").to_owned(),
    )
}

async fn portal_for_a_registered_person(app: TestApp) {
    let office = app.office("THR-01");
    let other_office = app.office("MHD-01");
    app.user("clerk.thr", "clerk", Some(office.id));
    app.user("clerk.mhd", "clerk", Some(other_office.id));
    let (head, _) = app.household_with_cards(office.id);
    let stranger = app.person(office.id, "بهرام");
    let clerk = app.signed_in("clerk.thr").await;
    let (o, h) = (office.id.to_string(), head.id.to_string());

    // Access is given by the person's office only.
    let other_clerk = app.signed_in("clerk.mhd").await;
    let r = other_clerk
        .post(app.url(&format!("/offices/{o}/persons/{h}/portal")))
        .form(&[("_csrf", app.csrf(&other_clerk, "/profile").await.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (st, username, password) = grant(&app, &clerk, &o, &h).await;
    assert_eq!(st, 200, "{username}");
    assert_eq!(username, head.registry_no.to_ascii_lowercase());
    assert!(password.len() >= 10, "{password}");

    // The person signs in and lands on their own page.
    let me = client();
    let r = app.login(&me, &username, &password).await;
    assert_eq!(r.status(), 303);
    let r = me.get(app.url("/")).send().await.unwrap();
    assert_eq!(location(&r), "/portal");
    let html = get_text(&app, &me, "/portal").await;
    assert!(html.contains(&head.given_name), "{html}");
    assert!(html.contains(&head.registry_no), "{html}");
    assert!(!html.contains(&stranger.given_name), "{html}");
    assert!(html.contains("id=\"apply-form\""), "{html}");
    assert!(
        html.contains("href=\"/portal\""),
        "the nav links the portal: {html}"
    );

    // Staff pages and the staff API stay closed.
    for path in [
        format!("/offices/{o}/persons"),
        format!("/offices/{o}/persons/{}", stranger.id),
        format!("/offices/{o}/cases"),
        format!("/api/v1/offices/{o}/persons"),
        format!("/offices/{o}/persons/{h}/credentials"),
    ] {
        let r = me.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
    // The portal is for registered persons only.
    let r = clerk.get(app.url("/portal")).send().await.unwrap();
    assert_eq!(r.status(), 403);

    // Applying: a portal service opens a case at the office for the household.
    let token = app.csrf(&me, "/portal").await;
    let r = app
        .post_form(
            &me,
            "/portal/cases",
            &[
                ("_csrf", &token),
                ("service", "card_renewal"),
                ("household", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let case_path = location(&r);
    assert!(case_path.starts_with("/portal/cases/"), "{case_path}");
    let html = get_text(&app, &me, &case_path).await;
    assert!(html.contains("id=\"timeline\""), "{html}");
    assert!(html.contains("id=\"fees\""), "{html}");
    // The slip says what to bring and what the published fee is.
    let bring = between(&html, "id=\"bring\"", "</section>");
    assert!(bring.matches("<li>").count() >= 2, "{bring}");
    assert!(html.contains("id=\"fee-lines\""), "{html}");
    // The office sees it in its queue.
    let queue = get_text(&app, &clerk, &format!("/offices/{o}/cases")).await;
    let case_id = case_path.trim_start_matches("/portal/cases/");
    assert!(queue.contains(case_id), "{queue}");
    // A service not offered online is refused; an unknown one is an error on the page.
    let r = app
        .post_form(
            &me,
            "/portal/cases",
            &[("_csrf", &token), ("service", "work_permit")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = app
        .post_form(
            &me,
            "/portal/cases",
            &[("_csrf", &token), ("service", "no_such_service")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"portal-error\""));
    // A work-permit renewal names the employer (issue 15.5): without one, the page says so;
    // with one, the office's case records it.
    let r = app
        .post_form(
            &me,
            "/portal/cases",
            &[("_csrf", &token), ("service", "work_permit_renewal")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"portal-error\"") && !html.contains("case-employer-required"),
        "{html}"
    );
    let r = app
        .post_form(
            &me,
            "/portal/cases",
            &[
                ("_csrf", &token),
                ("service", "work_permit_renewal"),
                ("employer_name", "کارگاه نجاری امید"),
                ("employer_identifier", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let permit_case = location(&r).trim_start_matches("/portal/cases/").to_owned();
    let (st, v) = json_of(
        clerk
            .get(app.url(&format!("/api/v1/offices/{o}/cases/{permit_case}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["case"]["employer"],
        json!({"name": "کارگاه نجاری امید", "identifier": ""}),
        "{v}"
    );

    // Someone else's case is not found.
    let (c, t) = (clerk.clone(), app.csrf(&clerk, "/profile").await);
    let (st, v) = json_of(
        c.post(app.url(&format!("/api/v1/offices/{o}/cases")))
            .header("x-csrf-token", &t)
            .json(&json!({"service": "registration_status_certificate", "person_id": stranger.id.to_string()}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let theirs = v["case"]["id"].as_str().unwrap();
    let r = me
        .get(app.url(&format!("/portal/cases/{theirs}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Defect 15.13: audited as the refused attempt it was, not as a read.
    assert_eq!(
        audited(&app, "case.read", theirs),
        vec![("case.read.refused".to_owned(), "self_service".to_owned())]
    );

    // Credentials: the person's own card prints; another person's credential is not found.
    let now = time::OffsetDateTime::now_utc();
    let issue = |id: &str, person: &daftar_domain::person::Person| NewCredential {
        id: id.into(),
        person_id: person.id,
        case_id: None,
        office_id: office.id,
        issuer: "IR/THR-01".into(),
        kind: CredentialKind::RegistrationCard,
        not_before: now,
        expires: now + time::Duration::days(365),
        fields: daftar_domain::credential::claims_for(
            person,
            CredentialKind::RegistrationCard,
            &daftar_domain::credential::Grant::without_case(
                CredentialKind::RegistrationCard,
                (now + time::Duration::days(365)).date(),
            ),
            now.date(),
        ),
    };
    app.store
        .issue_credentials(
            &AuditCtx::system("test"),
            &[
                issue("00000000000000a1", &head),
                issue("00000000000000b2", &stranger),
            ],
        )
        .unwrap();
    let html = get_text(&app, &me, "/portal").await;
    assert!(
        html.contains("data-credential=\"00000000000000a1\""),
        "{html}"
    );
    assert!(!html.contains("00000000000000b2"), "{html}");
    let r = me
        .get(app.url("/portal/credentials/00000000000000a1/card?purpose=bank"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let card = r.text().await.unwrap();
    assert!(
        card.contains("<svg") && card.contains("id=\"card-front\""),
        "{card}"
    );
    let r = me
        .get(app.url("/portal/credentials/00000000000000b2/card?purpose=full"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        audited(&app, "credential.read", "00000000000000b2"),
        vec![(
            "credential.read.refused".to_owned(),
            "self_service".to_owned()
        )]
    );
    assert!(
        audited(&app, "credential.read", "00000000000000a1")
            .contains(&("credential.read".to_owned(), "self_service".to_owned())),
        "the person's own card is a read"
    );

    // Share codes: made by the holder, checked by a verifier, every check on the page, cancelled.
    let token = app.csrf(&me, "/portal").await;
    let r = app
        .post_form(
            &me,
            "/portal/share-codes",
            &[
                ("_csrf", &token),
                ("credential_id", "00000000000000a1"),
                ("verifier", "bank"),
                ("days", "14"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let share = between(&html, "id=\"new-share-code\">", "<").to_owned();
    let (st, v) = json_of(
        client()
            .post(app.url("/api/v1/share/check"))
            .json(&json!({"code": share, "birth_date": "1369/01/01", "verifier": "bank", "verifier_name": "بانک ملی شعبه ۱۲"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert!(v["fields"].get("given_name").is_some(), "{v}");
    let html = get_text(&app, &me, "/portal").await;
    assert!(html.contains("بانک ملی شعبه ۱۲"), "{html}");
    let share_id = between(&html, "data-share=\"", "\"").to_owned();
    // The stranger's code cannot be cancelled from this account.
    let (st, theirs) = json_of(
        c.post(app.url(&format!(
            "/api/v1/offices/{o}/persons/{}/share-codes",
            stranger.id
        )))
        .header("x-csrf-token", &t)
        .json(&json!({"credential_id": "00000000000000b2", "verifier": "school", "days": "5"}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(st, 201, "{theirs}");
    let their_id = theirs["share"]["id"].as_str().unwrap();
    let token = app.csrf(&me, "/portal").await;
    let r = app
        .post_form(
            &me,
            &format!("/portal/share-codes/{their_id}/cancel"),
            &[("_csrf", &token)],
        )
        .await;
    assert_eq!(r.status(), 422, "shown as an error on the page");
    let (_, list) = json_of(
        c.get(app.url(&format!(
            "/api/v1/offices/{o}/persons/{}/share-codes",
            stranger.id
        )))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert!(list[0]["cancelled_at"].is_null(), "{list}");
    let r = app
        .post_form(
            &me,
            &format!("/portal/share-codes/{share_id}/cancel"),
            &[("_csrf", &token)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (st, v) = json_of(
        client()
            .post(app.url("/api/v1/share/check"))
            .json(&json!({"code": share, "birth_date": "1990-03-21", "verifier": "bank", "verifier_name": "x"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((st, code(&v)), (409, "share.code.cancelled"), "{v}");

    // A new slip: a new password, and the old sessions end.
    let (st, again, new_password) = grant(&app, &clerk, &o, &h).await;
    assert_eq!((st, again.as_str()), (200, username.as_str()));
    assert_ne!(new_password, password);
    let r = me.get(app.url("/portal")).send().await.unwrap();
    assert_ne!(r.status(), 200, "the old session ended");
    let me2 = client();
    assert_eq!(
        app.login(&me2, &username, &password).await.status(),
        401,
        "old password refused"
    );
    assert_eq!(
        app.login(&me2, &username, &new_password).await.status(),
        303
    );
}

crate::both!(portal, portal_for_a_registered_person);

/// Appointments: booked from the portal and at the counter within the office's slots and
/// capacity, shown on the slip; a full slot, a holiday, a past day and an odd time are refused.
async fn appointments_within_hours_and_capacity(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.thr", "clerk", Some(office.id));
    let clerk = app.signed_in("clerk.thr").await;
    let t = app.csrf(&clerk, "/profile").await;
    let o = office.id.to_string();
    let open = |p: &daftar_domain::person::Person| {
        clerk
            .post(app.url(&format!("/api/v1/offices/{o}/cases")))
            .header("x-csrf-token", &t)
            .json(&json!({"service": "registration_status_certificate", "person_id": p.id.to_string()}))
            .send()
    };
    let mut cases = vec![];
    for i in 0..5 {
        let p = app.person(office.id, &format!("نفر{i}"));
        let (st, v) = json_of(open(&p).await.unwrap()).await;
        assert_eq!(st, 201, "{v}");
        cases.push(v["case"]["id"].as_str().unwrap().to_owned());
    }
    // The first free day and slot from the office's own page of places.
    let cal = daftar_domain::calendar::CalendarProfile::from_toml(include_str!(
        "../../../../profiles/ir/calendar.toml"
    ))
    .unwrap();
    let today = crate::harness::office_today();
    let rules = &cal.appointments;
    let days = rules.days(&cal.calendar().unwrap(), today);
    let day = daftar_domain::jalali::iso_day(days[0]);
    let book = |case: &str, day: &str, slot: &str| {
        clerk
            .post(app.url(&format!("/api/v1/offices/{o}/cases/{case}/appointment")))
            .header("x-csrf-token", &t)
            .json(&json!({"day": day, "slot": slot}))
            .send()
    };
    for case in cases.iter().take(rules.per_slot as usize) {
        let (st, v) = json_of(book(case, &day, "09:00").await.unwrap()).await;
        assert_eq!(st, 200, "{v}");
    }
    let (st, v) = json_of(book(&cases[4], &day, "09:00").await.unwrap()).await;
    assert_eq!((st, code(&v)), (409, "appointment.slot.full"), "{v}");
    let (st, places) = json_of(
        clerk
            .get(app.url(&format!("/api/v1/offices/{o}/appointments?day={day}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    let nine = places
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slot"] == "09:00")
        .unwrap();
    assert_eq!(
        (nine["booked"].as_u64(), nine["free"].as_u64()),
        (Some(4), Some(0)),
        "{places}"
    );
    // Moving one frees its place.
    let (st, _) = json_of(book(&cases[0], &day, "10:30").await.unwrap()).await;
    assert_eq!(st, 200);
    let (st, v) = json_of(book(&cases[4], &day, "09:00").await.unwrap()).await;
    assert_eq!(st, 200, "{v}");
    // Refused: today, Nowruz (a holiday), a time between slots (409: days and slots that are
    // not bookable now), garbage (422: not a date).
    let today_iso = daftar_domain::jalali::iso_day(today);
    for (d, s, st_, code_) in [
        (today_iso.as_str(), "09:00", 409, "appointment.day.invalid"),
        ("1406/01/01", "09:00", 409, "appointment.day.invalid"),
        (day.as_str(), "09:10", 409, "appointment.slot.invalid"),
        ("someday", "09:00", 422, "date.invalid"),
    ] {
        let (st, v) = json_of(book(&cases[1], d, s).await.unwrap()).await;
        assert_eq!((st, code(&v)), (st_, code_), "{d} {s}: {v}");
    }
    // The slip at the counter shows it, with the booking form.
    let html = get_text(
        &app,
        &clerk,
        &format!("/offices/{o}/cases/{}/slip", cases[4]),
    )
    .await;
    assert!(html.contains("id=\"appointment-at\""), "{html}");
    assert!(html.contains("09:00"), "{html}");
    assert!(html.contains("id=\"appointment-form\""), "{html}");
    // The office by its name in the page's language.
    let code_ = office.code.as_str();
    assert!(html.contains(&format!("دفتر {code_} ({code_})")), "{html}");
    let slip = format!("/offices/{o}/cases/{}/slip", cases[4]);
    get_text(&app, &clerk, &format!("/locale/en?next={slip}")).await;
    let html = get_text(&app, &clerk, &slip).await;
    assert!(
        html.contains(&format!("Office {code_} ({code_})")),
        "the English slip names the office in English: {html}"
    );
    get_text(&app, &clerk, "/locale/fa-IR?next=/").await;

    // From the portal: the person books their own case's appointment, not someone else's.
    let (head, _) = app.household_with_cards(office.id);
    let (_, username, password) = grant(&app, &clerk, &o, &head.id.to_string()).await;
    let me = client();
    assert_eq!(app.login(&me, &username, &password).await.status(), 303);
    let token = app.csrf(&me, "/portal").await;
    let r = app
        .post_form(
            &me,
            "/portal/cases",
            &[("_csrf", &token), ("service", "card_replacement")],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let mine = location(&r);
    let r = app
        .post_form(
            &me,
            &format!("{mine}/appointment"),
            &[("_csrf", &token), ("day", &day), ("slot", "11:00")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = get_text(&app, &me, &mine).await;
    assert!(
        html.contains("id=\"appointment-at\"") && html.contains("11:00"),
        "{html}"
    );
    let r = app
        .post_form(
            &me,
            &format!("/portal/cases/{}/appointment", cases[2]),
            &[("_csrf", &token), ("day", &day), ("slot", "11:00")],
        )
        .await;
    assert_eq!(r.status(), 404, "someone else's case");
    let r = app
        .post_form(
            &me,
            &format!("{mine}/appointment"),
            &[("_csrf", &token), ("day", &day), ("slot", "07:00")],
        )
        .await;
    assert_eq!(r.status(), 409, "not a slot of the office");
    assert!(r.text().await.unwrap().contains("id=\"slip-error\""));
}

crate::both!(appointments, appointments_within_hours_and_capacity);

/// "Who saw my record" (issue 20.5): the person sees every read of their record on the portal,
/// with office, role and purpose and never the clerk's name; their office prints it for them;
/// another office cannot open it, and another person's reads are not in it.
async fn who_saw_my_record(app: TestApp) {
    let office = app.office("THR-01");
    let other_office = app.office("MHD-01");
    app.user("clerk.thr", "clerk", Some(office.id));
    app.user("clerk.mhd", "clerk", Some(other_office.id));
    let person = app.person(office.id, "نرگس");
    let neighbour = app.person(office.id, "پروین");
    let clerk = app.signed_in("clerk.thr").await;
    let (o, p) = (office.id.to_string(), person.id.to_string());
    // The clerk opens the person's page (and the neighbour's), then gives portal access.
    get_text(&app, &clerk, &format!("/offices/{o}/persons/{p}")).await;
    get_text(
        &app,
        &clerk,
        &format!("/offices/{o}/persons/{}", neighbour.id),
    )
    .await;
    let (st, username, password) = grant(&app, &clerk, &o, &p).await;
    assert_eq!(st, 200, "{username}");
    let me = client();
    assert_eq!(app.login(&me, &username, &password).await.status(), 303);
    let home = get_text(&app, &me, "/portal").await;
    assert!(
        home.contains("href=\"/portal/access\""),
        "the portal links the log"
    );
    let html = get_text(&app, &me, "/portal/access").await;
    let lines = html.matches("class=\"access-line\"").count();
    assert!(
        lines >= 3,
        "registration, the clerk's read, the portal grant: {html}"
    );
    assert!(html.contains("THR-01"), "the office: {html}");
    assert!(
        html.contains("کارمند") || html.contains("Clerk") || html.contains("متصدی"),
        "the role: {html}"
    );
    assert!(!html.contains("clerk.thr"), "never a staff member's name");
    // Each later view is itself in the log, and another person's reads are not.
    let again = get_text(&app, &me, "/portal/access").await;
    assert_eq!(again.matches("class=\"access-line\"").count(), lines + 1);
    let reads = app.access_log(office.id, person.id);
    assert_eq!(
        reads
            .iter()
            .filter(|e| e.action == "person.read" && e.role == "clerk")
            .count(),
        2,
        "the clerk opened her page twice (the second time to give portal access) and the \
         neighbour's once: the neighbour's read stays out"
    );
    // A list page that showed her is in her log (the household list shows its head); her
    // own look at her help-desk page is not (it would date a complaint).
    let scope = daftar_domain::permission::system_scope(
        office.id,
        daftar_domain::permission::Permission::PersonWrite,
    );
    app.store
        .create_household(&AuditCtx::system("test"), &scope, person.id)
        .unwrap();
    get_text(&app, &clerk, &format!("/offices/{o}/households")).await;
    get_text(&app, &me, "/portal/help").await;
    let log = app.access_log(office.id, person.id);
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"household.list"), "{actions:?}");
    assert!(!actions.contains(&"helpdesk.own"), "{actions:?}");
    assert_eq!(
        app.audited("helpdesk.own").len(),
        1,
        "the look is audited all the same"
    );
    // At the counter: the office prints it; another office cannot open it.
    let printed = get_text(&app, &clerk, &format!("/offices/{o}/persons/{p}/access")).await;
    assert!(printed.contains("data-print"), "a print button");
    let other = app.signed_in("clerk.mhd").await;
    let r = other
        .get(app.url(&format!("/offices/{o}/persons/{p}/access")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // As data for the office's staff (the API): the same entries, never a staff name.
    let api = format!("/api/v1/offices/{o}/persons/{p}/access");
    let (s, v) = json_of(clerk.get(app.url(&api)).send().await.unwrap()).await;
    assert_eq!(s, 200, "{v}");
    let items = v["items"].as_array().unwrap();
    assert!(
        items.iter().any(|e| e["action"] == "person.read"
            && e["role"] == "clerk"
            && e["office_code"] == "THR-01"),
        "{v}"
    );
    assert!(!v.to_string().contains("clerk.thr"), "{v}");
    let (s, _) = json_of(other.get(app.url(&api)).send().await.unwrap()).await;
    assert_eq!(s, 403);
    let (s, v) = json_of(
        clerk
            .get(app.url(&format!("{api}?page=0")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("page.page.invalid"))
    );
    // Staff have no "own" log.
    let r = clerk.get(app.url("/portal/access")).send().await.unwrap();
    assert_eq!(r.status(), 403);
}
crate::both!(access_log, who_saw_my_record);

/// Issue 18.4's attendance at the counter: the slip offers "the person has arrived" only on the
/// appointment's day; recording it shows when, audited; a second time is refused on the slip
/// (409, a message); another office's clerk cannot record it.
async fn arrivals_are_recorded_on_the_day(app: TestApp) {
    let office = app.office("THR-01");
    let other = app.office("THR-02");
    app.user("clerk.thr", "clerk", Some(office.id));
    app.user("clerk.thr2", "clerk", Some(other.id));
    let clerk = app.signed_in("clerk.thr").await;
    let t = app.csrf(&clerk, "/profile").await;
    let o = office.id.to_string();
    let p = app.person(office.id, "زهرا");
    let (st, v) = json_of(
        clerk
            .post(app.url(&format!("/api/v1/offices/{o}/cases")))
            .header("x-csrf-token", &t)
            .json(&json!({"service": "registration_status_certificate", "person_id": p.id.to_string()}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let case = v["case"]["id"].as_str().unwrap().to_owned();
    let today = crate::harness::office_today();
    let later = daftar_domain::jalali::iso_day(today + time::Duration::days(20));
    app.sql()
        .execute_raw(&format!(
            "INSERT INTO appointments (case_id, office_id, day, slot, booked_at, booked_by) VALUES ('{case}', '{o}', '{later}', '09:00', '2026-01-01T08:00:00.000Z', 'clerk.thr')"
        ))
        .unwrap();
    let slip = format!("/offices/{o}/cases/{case}/slip");
    let html = get_text(&app, &clerk, &slip).await;
    assert!(html.contains("id=\"appointment-at\""));
    assert!(
        !html.contains("id=\"appointment-arrival\""),
        "not before the day"
    );
    let arrived = format!("/offices/{o}/cases/{case}/appointment/arrived");
    let token = crate::harness::csrf_in(&html).unwrap();
    let r = app.post_form(&clerk, &arrived, &[("_csrf", &token)]).await;
    assert_eq!(r.status(), 409);
    assert!(
        r.text().await.unwrap().contains("id=\"appointment-at\""),
        "shown on the slip"
    );
    // The day has come.
    app.sql()
        .execute_raw(&format!(
            "UPDATE appointments SET day = '{}' WHERE case_id = '{case}'",
            daftar_domain::jalali::iso_day(today)
        ))
        .unwrap();
    let html = get_text(&app, &clerk, &slip).await;
    assert!(html.contains("id=\"appointment-arrival\""), "{html}");
    let other_clerk = app.signed_in("clerk.thr2").await;
    let t2 = app.csrf(&other_clerk, "/profile").await;
    let r = app
        .post_form(&other_clerk, &arrived, &[("_csrf", &t2)])
        .await;
    assert_eq!(r.status(), 403, "another office");
    let r = app.post_form(&clerk, &arrived, &[("_csrf", &token)]).await;
    assert_eq!(r.status(), 303);
    let html = get_text(&app, &clerk, &slip).await;
    assert!(html.contains("id=\"appointment-arrived\""));
    assert!(
        !html.contains("id=\"appointment-arrival\""),
        "recorded once"
    );
    let r = app.post_form(&clerk, &arrived, &[("_csrf", &token)]).await;
    assert_eq!(r.status(), 409);
    assert_eq!(app.audited("appointment.arrived").len(), 1);
}
crate::both!(arrivals, arrivals_are_recorded_on_the_day);
