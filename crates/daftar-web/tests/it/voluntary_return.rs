//! Voluntary return through the real server on both backends (issue 20.3): a clerk registers a
//! head of household's wish to return with their child on the person's page; another office
//! gets 404, a clerk and a partner 403 where they may not act; the exit permit is refused with
//! 409 before the screening and while a flag blocks it; the protection officer finds the case
//! in the queue and clears it; the permit is issued; the departure revokes the head's card
//! (its status reads revoked); a person registers and withdraws on the portal; every step is
//! audited with the persons as targets.

use crate::harness::{TestApp, api_client, client, code, get_text, json_of, location};
use daftar_domain::audit::AuditCtx;
use daftar_domain::credential::NewCredential;
use daftar_domain::service::CredentialKind;
use serde_json::{Value, json};

use crate::harness::office_today as today;

/// `today` plus `days` in Solar Hijri, as the forms take it.
fn solar(days: i64) -> String {
    let d = daftar_domain::jalali::JalaliDate::from_iso(today() + time::Duration::days(days));
    format!("{}/{:02}/{:02}", d.year(), d.month(), d.day())
}

async fn post_json(
    app: &TestApp,
    c: &reqwest::Client,
    token: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    json_of(
        c.post(app.url(path))
            .header("x-csrf-token", token)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
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
    json!({"answers": answers, "note": "در دفتر پرسیده شد"})
}

async fn a_flagged_case_is_cleared_permitted_and_departure_revokes_the_card(app: TestApp) {
    let home = app.office("THR-01");
    let other = app.office("THR-02");
    let o = home.id;
    app.user("clerk.a", "clerk", Some(o));
    app.user("manager.a", "office_manager", Some(o));
    app.user("manager.b", "office_manager", Some(other.id));
    app.user("partner", "partner", None);
    app.user("protect", "protection_officer", None);
    let (head, others) = app.household_with_cards(o);
    let child = &others[1];
    let now = time::OffsetDateTime::now_utc();
    let card = app
        .store
        .issue_credentials(
            &AuditCtx::system("test"),
            &[NewCredential {
                id: "00000000000000b7".into(),
                person_id: head.id,
                case_id: None,
                office_id: o,
                issuer: "IR/THR-01".into(),
                kind: CredentialKind::RegistrationCard,
                not_before: now,
                expires: now + time::Duration::days(365),
                fields: Default::default(),
            }],
        )
        .unwrap()[0]
        .id
        .clone();

    // The child is referred to a health house (withdrawn at the departure).
    let clerk_api = crate::harness::api_client(&app, "clerk.a").await;
    let (s, referral, _) = crate::harness::send_json(
        &app,
        &clerk_api,
        reqwest::Method::POST,
        &format!("/api/v1/offices/{o}/persons/{}/referrals", child.id),
        json!({"type": "health_house", "consent": true}),
        None,
    )
    .await;
    assert_eq!(s, 201, "{referral}");
    let referral_id = referral["id"].as_str().unwrap().to_owned();

    // A notice waits for the child (cancelled at the departure): the child has a phone.
    app.sql()
        .execute_raw(&format!(
            "UPDATE persons SET phone = '09121234567' WHERE id = '{}'",
            child.id
        ))
        .unwrap();
    app.store
        .enqueue_notices(&[daftar_domain::notify::NewNotice {
            person: child.id,
            kind: daftar_domain::notify::Kind::RoundInvitation,
            subject: "round".into(),
            params: serde_json::Map::from_iter([
                ("round".to_owned(), json!("تمدید")),
                ("opens_on".to_owned(), json!("2026-12-05")),
                ("closes_on".to_owned(), json!("2027-01-05")),
            ]),
            due: now + time::Duration::days(30),
        }])
        .unwrap();
    let waiting = |app: &TestApp| {
        app.sql()
            .query_raw(
                "SELECT status FROM outbox WHERE person_id = $1",
                &[child.id.to_string().into()],
            )
            .unwrap()
            .iter()
            .map(|r| r.text(0).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(waiting(&app), ["pending"]);

    // The clerk registers on the person's page (Solar Hijri date, the child included).
    let clerk = app.signed_in("clerk.a").await;
    let person_page = format!("/offices/{o}/persons/{}", head.id);
    assert!(
        get_text(&app, &clerk, &person_page)
            .await
            .contains("id=\"return-link\"")
    );
    let form = format!("{person_page}/return");
    let html = get_text(&app, &clerk, &form).await;
    assert!(html.contains("id=\"return-register-form\""), "{html}");
    assert!(
        html.contains(&child.id.to_string()),
        "the household's members are offered"
    );
    let t = app.csrf(&clerk, &form).await;
    let (date, child_id) = (solar(10), child.id.to_string());
    let r = app
        .post_form(
            &clerk,
            &form,
            &[
                ("_csrf", &t),
                ("departure_on", &date),
                ("border_point", "nowhere"),
            ],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("id=\"return-error\""));
    let r = app
        .post_form(
            &clerk,
            &form,
            &[
                ("_csrf", &t),
                ("departure_on", &date),
                ("border_point", "dogharoun"),
                ("members", &child_id),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let case_page = location(&r);
    let id = case_page.trim_start_matches("/returns/").to_owned();
    let api = format!("/api/v1/returns/{id}");
    let html = get_text(&app, &clerk, &case_page).await;
    assert!(
        html.contains("VR-") && html.contains("dir=\"rtl\""),
        "{html}"
    );
    assert!(
        !html.contains("id=\"return-screen-form\""),
        "a clerk does not screen"
    );

    // Office scope and forbidden roles.
    let (mb, tb) = api_client(&app, "manager.b").await;
    assert_eq!(
        mb.get(app.url(&case_page)).send().await.unwrap().status(),
        404
    );
    let (s, v) = json_of(mb.get(app.url(&api)).send().await.unwrap()).await;
    assert_eq!((s, code(&v)), (404, "return.case.not_found"));
    let (s, _) = post_json(&app, &mb, &tb, &format!("{api}/withdrawal"), json!({})).await;
    assert_eq!(s, 404, "another office cannot withdraw it");
    let (s, v) = json_of(mb.get(app.url("/api/v1/returns")).send().await.unwrap()).await;
    assert_eq!((s, v["total"].as_u64()), (200, Some(0)));
    let partner = app.signed_in("partner").await;
    assert_eq!(
        partner
            .get(app.url("/returns"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        partner
            .get(app.url(&case_page))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let (ca, ta) = api_client(&app, "clerk.a").await;
    let (s, v) = post_json(&app, &ca, &ta, &format!("{api}/screening"), screening(None)).await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"));
    let (s, v) = post_json(
        &app,
        &ca,
        &ta,
        &format!("{api}/review"),
        json!({"decision": "clear"}),
    )
    .await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"));

    // No permit before the screening, nor while a flag blocks it.
    let (ma, tm) = api_client(&app, "manager.a").await;
    let permit = json!({"number": "EP-1405-77", "valid_until": solar(30)});
    let (s, v) = post_json(&app, &ma, &tm, &format!("{api}/permit"), permit.clone()).await;
    assert_eq!((s, code(&v)), (409, "return.screening.missing"));
    let (s, v) = post_json(
        &app,
        &ma,
        &tm,
        &format!("{api}/screening"),
        json!({"answers": [], "note": ""}),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "return.screening.incomplete"));
    let (s, v) = post_json(
        &app,
        &ma,
        &tm,
        &format!("{api}/screening"),
        screening(Some("separated_children")),
    )
    .await;
    assert_eq!(
        (s, v["state"].as_str(), v["flagged"].as_bool()),
        (200, Some("flagged"), Some(true)),
        "{v}"
    );
    let (s, v) = post_json(&app, &ma, &tm, &format!("{api}/permit"), permit.clone()).await;
    assert_eq!((s, code(&v)), (409, "return.screening.blocked"));
    // Nor the catalogue's exit permit (a signed credential): its case is refused while the
    // flag stands.
    let exit = json!({"service": "voluntary_return_exit", "person_id": head.id.to_string()});
    let cases = format!("/api/v1/offices/{o}/cases");
    let (s, v) = post_json(&app, &ca, &ta, &cases, exit.clone()).await;
    assert_eq!((s, code(&v)), (409, "case.return.not_cleared"), "{v}");
    // The answers are for who screens and reviews; a clerk sees only that a flag stands.
    let (_, v) = json_of(ca.get(app.url(&api)).send().await.unwrap()).await;
    assert_eq!(
        (
            v["flagged"].as_bool(),
            v["answers"].as_array().map(Vec::len)
        ),
        (Some(true), Some(0)),
        "{v}"
    );
    let (_, v) = json_of(ma.get(app.url(&api)).send().await.unwrap()).await;
    assert_eq!(v["answers"].as_array().map(Vec::len), Some(5), "{v}");
    assert!(
        !get_text(&app, &clerk, &case_page)
            .await
            .contains("id=\"return-answers\"")
    );
    let html = get_text(&app, &ma, &case_page).await;
    assert!(html.contains("id=\"return-permit-blocked\""));
    assert!(!html.contains("id=\"return-permit-form\""));
    assert!(
        !html.contains("id=\"return-review-form\""),
        "the office does not review"
    );

    // The protection officer finds it in the queue and clears it.
    let protect = app.signed_in_with_totp("protect").await;
    let queue = get_text(&app, &protect, "/returns/protection").await;
    assert!(queue.contains(&id), "{queue}");
    let html = get_text(&app, &protect, &case_page).await;
    assert!(html.contains("id=\"return-review-form\""));
    let tp = app.csrf(&protect, &case_page).await;
    let r = app
        .post_form(
            &protect,
            &format!("{case_page}/review"),
            &[("_csrf", &tp), ("decision", "refer")],
        )
        .await;
    assert_eq!(r.status(), 409, "a referral needs a note");
    let r = app
        .post_form(
            &protect,
            &format!("{case_page}/review"),
            &[
                ("_csrf", &tp),
                ("decision", "clear"),
                ("note", "با نهاد حمایت کودک هماهنگ شد"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // The protection officer reads nothing else of the person.
    assert_eq!(
        protect
            .get(app.url(&person_page))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // Cleared: the catalogue's exit permit may be opened now.
    let (s, v) = post_json(&app, &ca, &ta, &cases, exit).await;
    assert_eq!(s, 201, "{v}");
    let exit_case = format!("{cases}/{}", v["case"]["id"].as_str().unwrap());
    let (s, v) = crate::harness::upload(
        &app,
        &ca,
        &ta,
        &format!("{exit_case}/documents"),
        "signed_request",
        crate::harness::PDF,
        "application/pdf",
    )
    .await;
    assert_eq!(s, 201, "{v}");
    // The permit; then the departure revokes the card.
    let (s, v) = post_json(&app, &ma, &tm, &format!("{api}/permit"), permit).await;
    assert_eq!(
        (s, v["state"].as_str(), v["permit_no"].as_str()),
        (200, Some("permit_issued"), Some("EP-1405-77")),
        "{v}"
    );
    assert_eq!(app.store.credential_revoked(&card).unwrap(), Some(false));
    let (s, v) = post_json(&app, &ma, &tm, &format!("{api}/departure"), json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["revoked"], json!([card]));
    assert_eq!(v["case"]["state"], "departed");
    // Departed: the exit permit's case opened while cleared advances no further (it may still
    // be returned or rejected).
    let api_ca = (ca.clone(), ta.clone());
    let (_, _, etag) = crate::harness::send_json(
        &app,
        &api_ca,
        reqwest::Method::GET,
        &exit_case,
        json!({}),
        None,
    )
    .await;
    let (s, v, _) = crate::harness::send_json(
        &app,
        &api_ca,
        reqwest::Method::POST,
        &format!("{exit_case}/actions"),
        json!({"action": "complete"}),
        Some(&etag),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "case.return.not_cleared"), "{v}");
    assert_eq!(app.store.credential_revoked(&card).unwrap(), Some(true));
    let (s, v) = json_of(
        ma.get(app.url(&format!(
            "/api/v1/offices/{o}/persons/{}/credentials",
            head.id
        )))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let listed = v.as_array().or_else(|| v["items"].as_array()).unwrap();
    assert!(
        listed
            .iter()
            .any(|c| c["id"] == json!(card) && !c["revoked_at"].is_null()),
        "the credential's status reads revoked: {v}"
    );
    let (s, v) = post_json(&app, &ma, &tm, &format!("{api}/withdrawal"), json!({})).await;
    assert_eq!((s, code(&v)), (409, "return.departed"));
    // The registry follows: both are departed, with the case in their status history, and
    // neither can be put on a new return.
    for p in [head.id, child.id] {
        let (s, v) = json_of(
            ma.get(app.url(&format!("/api/v1/offices/{o}/persons/{p}")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let person = if v["person"].is_object() {
            &v["person"]
        } else {
            &v
        };
        assert_eq!(person["status"], "departed", "{v}");
        assert!(
            v.to_string().contains("departure confirmed"),
            "status history: {v}"
        );
    }
    let (s, v) = post_json(
        &app,
        &ma,
        &tm,
        "/api/v1/returns",
        json!({"person_id": head.id.to_string(), "departure_on": today().to_string(), "border_point": "milak"}),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "return.person.departed"), "{v}");
    assert_eq!(app.audited("person.status").len(), 2);
    assert_eq!(
        waiting(&app),
        ["cancelled"],
        "no notice goes after the departure"
    );
    // The child's referral is withdrawn: the partner keeps nothing of them.
    let withdrawn = app.audited("referral.withdraw");
    assert_eq!(withdrawn.len(), 1);
    assert_eq!(withdrawn[0].target_id, referral_id);
    let (s, v) = json_of(
        ma.get(app.url(&format!(
            "/api/v1/offices/{o}/persons/{}/referrals",
            child.id
        )))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(v.to_string().contains("withdrawn"), "{v}");

    // Audited with both persons as targets.
    for action in [
        "return.register",
        "return.read",
        "return.screen",
        "return.review",
        "return.permit",
        "return.depart",
    ] {
        let rows = app.audited(action);
        for p in [head.id, child.id] {
            assert!(
                rows.iter()
                    .any(|r| r.target_type == "person" && r.target_id == p.to_string()),
                "{action} for {p}"
            );
        }
    }
    assert_eq!(app.audited("credential.revoke").len(), 1);
}
crate::both!(
    flagged_return,
    a_flagged_case_is_cleared_permitted_and_departure_revokes_the_card
);

async fn a_person_registers_and_withdraws_on_the_portal(app: TestApp) {
    let home = app.office("THR-01");
    let (person, user) = app.portal_holder(home.id);
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
            .contains("href=\"/portal/return\"")
    );
    let t = app.csrf(&me, "/portal/return").await;
    let date = solar(5);
    let r = app
        .post_form(
            &me,
            "/portal/return",
            &[
                ("_csrf", &t),
                ("departure_on", &solar(-3)),
                ("border_point", "milak"),
            ],
        )
        .await;
    assert_eq!(r.status(), 409, "a date in the past");
    let r = app
        .post_form(
            &me,
            "/portal/return",
            &[
                ("_csrf", &t),
                ("departure_on", &date),
                ("border_point", "milak"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = get_text(&app, &me, "/portal/return").await;
    let at = html.find("data-return=\"").unwrap() + "data-return=\"".len();
    let id = html[at..at + 26].to_owned();
    assert!(html.contains("data-state=\"registered\""), "{html}");
    assert!(
        !html.contains("id=\"return-register-form\""),
        "one open case at a time"
    );

    // The staff side sees it; the person may not act on it through the staff pages.
    app.user("manager.a", "office_manager", Some(home.id));
    let ma = app.signed_in("manager.a").await;
    assert!(get_text(&app, &ma, "/returns").await.contains(&id));
    assert_eq!(
        me.get(app.url(&format!("/returns/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // Withdrawn on the portal, without consequence; closed for good.
    let r = app
        .post_form(
            &me,
            &format!("/portal/return/{id}/withdraw"),
            &[("_csrf", &t), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = get_text(&app, &me, "/portal/return").await;
    assert!(html.contains("data-state=\"withdrawn\""), "{html}");
    assert!(
        html.contains("id=\"return-register-form\""),
        "a new wish may follow"
    );
    let r = app
        .post_form(
            &me,
            &format!("/portal/return/{id}/withdraw"),
            &[("_csrf", &t)],
        )
        .await;
    assert_eq!(r.status(), 409);
    let rows = app.audited("return.withdraw");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].target_id, person.id.to_string());
    // The person's own access log shows the office's read.
    let html = get_text(&app, &me, "/portal/access").await;
    assert!(!html.is_empty());
}
crate::both!(
    portal_return,
    a_person_registers_and_withdraws_on_the_portal
);

async fn bad_ids_and_bodies_get_stable_codes(app: TestApp) {
    let home = app.office("THR-01");
    app.user("manager.a", "office_manager", Some(home.id));
    let (c, t) = api_client(&app, "manager.a").await;
    for path in [
        "/api/v1/returns/nope",
        "/api/v1/returns/01JD0000000000000000000000",
    ] {
        let (s, v) = json_of(c.get(app.url(path)).send().await.unwrap()).await;
        assert_eq!((s, code(&v)), (404, "return.case.not_found"), "{path}");
    }
    assert_eq!(
        c.get(app.url("/returns/%ZZ"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
            / 100,
        4
    );
    let (s, v) = post_json(
        &app,
        &c,
        &t,
        "/api/v1/returns/nope/permit",
        json!({"number": "1", "valid_until": "x"}),
    )
    .await;
    assert_eq!((s, code(&v)), (404, "return.case.not_found"));
    let (s, v) = post_json(&app, &c, &t, "/api/v1/returns", json!({"person_id": "x"})).await;
    assert_eq!(
        (s, v["error"]["details"]["field"].as_str()),
        (422, Some("person_id")),
        "{v}"
    );
    let p = app.person(home.id, "نرگس");
    let (s, v) = post_json(&app, &c, &t, "/api/v1/returns", json!({"person_id": p.id.to_string(), "departure_on": "1405/13/40", "border_point": "milak"})).await;
    assert_eq!(
        (s, v["error"]["details"]["field"].as_str()),
        (422, Some("departure_on")),
        "{v}"
    );
    let (s, v) = post_json(&app, &c, &t, "/api/v1/returns", json!({"person_id": p.id.to_string(), "departure_on": today().to_string(), "border_point": "milak", "extra": 1})).await;
    assert_eq!((s, code(&v)), (400, "request.body.unknown_field"));
    let (s, v) = post_json(&app, &c, &t, "/api/v1/returns", json!({"person_id": p.id.to_string(), "departure_on": today().to_string(), "border_point": "milak"})).await;
    assert_eq!(s, 201, "{v}");
    // The office withdraws it on the person's word; twice is a conflict.
    let withdrawal = format!("/api/v1/returns/{}/withdrawal", v["id"].as_str().unwrap());
    let (s, v) = post_json(&app, &c, &t, &withdrawal, json!({"reason": "منصرف شد"})).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("withdrawn")), "{v}");
    let (s, v) = post_json(&app, &c, &t, &withdrawal, json!({})).await;
    assert_eq!((s, code(&v)), (409, "return.withdrawn"));
    assert_eq!(app.audited("return.withdraw").len(), 1);
    let (s, v) = json_of(
        c.get(app.url("/api/v1/returns/profile"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["border_points"][0]["code"].as_str()),
        (200, Some("dogharoun"))
    );
}
crate::both!(return_input, bad_ids_and_bodies_get_stable_codes);

/// A household member on a return case registered by the head takes themself off it on the
/// portal (found by a review: only the registrant could withdraw): the case goes on for the
/// head, the member is no longer on it, once only, audited with the member as target.
async fn a_member_takes_themself_off_a_return(app: TestApp) {
    let home = app.office("THR-01");
    let (head, others) = app.household_with_cards(home.id);
    let spouse = &others[0];
    let hash = daftar_domain::secret::password::hash(crate::harness::PASSWORD).unwrap();
    let scope = daftar_domain::permission::system_scope(
        home.id,
        daftar_domain::permission::Permission::PersonWrite,
    );
    let mut logins = vec![];
    for p in [&head, spouse] {
        logins.push(
            app.store
                .grant_portal(&AuditCtx::system("test"), &scope, p.id, &hash)
                .unwrap()
                .username,
        );
    }
    let head_client = client();
    app.login(&head_client, logins[0].as_str(), crate::harness::PASSWORD)
        .await;
    let t = app.csrf(&head_client, "/portal/return").await;
    let spouse_id = spouse.id.to_string();
    let r = app
        .post_form(
            &head_client,
            "/portal/return",
            &[
                ("_csrf", &t),
                ("departure_on", &solar(5)),
                ("border_point", "milak"),
                ("members", &spouse_id),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = get_text(&app, &head_client, "/portal/return").await;
    let at = html.find("data-return=\"").unwrap() + "data-return=\"".len();
    let id = html[at..at + 26].to_owned();
    assert!(
        !html.contains("class=\"stack leave\""),
        "the registrant withdraws instead"
    );

    // The member sees the case with the way off it, and takes it.
    let me = client();
    app.login(&me, logins[1].as_str(), crate::harness::PASSWORD)
        .await;
    let html = get_text(&app, &me, "/portal/return").await;
    assert!(
        html.contains(&format!("/portal/return/{id}/leave")),
        "{html}"
    );
    assert!(
        !html.contains(&format!("/portal/return/{id}/withdraw")),
        "a member does not withdraw the head's wish"
    );
    let tm = app.csrf(&me, "/portal/return").await;
    let leave = format!("/portal/return/{id}/leave");
    let r = app.post_form(&me, &leave, &[("_csrf", &tm)]).await;
    assert_eq!(r.status(), 303);
    let html = get_text(&app, &me, "/portal/return").await;
    assert!(!html.contains(&id), "no longer on it: {html}");
    let r = app.post_form(&me, &leave, &[("_csrf", &tm)]).await;
    assert_eq!(r.status(), 404, "once only");
    // The head's case goes on, without the member.
    let c = app
        .store
        .return_case(
            &AuditCtx::system("test"),
            &daftar_domain::store::ReturnAccess::Own(head.id),
            id.parse().unwrap(),
        )
        .unwrap();
    assert_eq!(
        (c.state.code(), c.members.len()),
        ("registered", 0),
        "{c:?}"
    );
    let rows = app.audited("return.leave");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].target_id, spouse_id);
}
crate::both!(member_leaves_return, a_member_takes_themself_off_a_return);
