//! The help desk through the real server on both backends (issue 20.4): a person files an
//! anonymous complaint of delay about another office on the portal; that office's manager sees
//! it without the person's name, registry number or phone and answers it; the person reads the
//! answer on the portal; a bribe complaint goes to the authority, not to the office; a clerk,
//! a partner and another office cannot read or answer; staff file for a caller; bad input gets
//! stable codes on the page.

use crate::harness::{TestApp, client, code, get_text, json_of, location};

async fn portal_form(
    app: &TestApp,
    me: &reqwest::Client,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = app.csrf(me, "/portal/help").await;
    let mut all = vec![("_csrf", token.as_str())];
    all.extend_from_slice(fields);
    app.post_form(me, "/portal/help", &all).await
}

async fn complaints_are_routed_answered_and_kept_anonymous(app: TestApp) {
    let home = app.office("THR-01");
    let other = app.office("THR-02");
    app.user("manager.thr2", "office_manager", Some(other.id));
    app.user("manager.thr", "office_manager", Some(home.id));
    app.user("clerk.thr2", "clerk", Some(other.id));
    app.user("partner", "partner", None);
    let (person, user) = app.portal_holder(home.id);
    let me = client();
    assert_eq!(
        app.login(&me, user.username.as_str(), crate::harness::PASSWORD)
            .await
            .status(),
        303
    );
    let page = get_text(&app, &me, "/portal").await;
    assert!(
        page.contains("href=\"/portal/help\""),
        "the portal links the help desk"
    );

    // Bad input stays on the page with a translated message and nothing filed.
    let r = portal_form(&app, &me, &[("category", "delay"), ("body", "دیر شد")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"helpdesk-error\""), "{html}");
    assert!(
        !html.contains("helpdesk-office-required"),
        "a message, not its id"
    );
    let r = portal_form(&app, &me, &[("category", "rumour"), ("body", "x")]).await;
    assert_eq!(r.status(), 422);

    let o2 = other.id.to_string();
    let r = portal_form(
        &app,
        &me,
        &[
            ("category", "delay"),
            ("about_office", o2.as_str()),
            ("body", "سه هفته منتظر کارت ماندم"),
            ("anonymous", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(
        location(&r).starts_with("/portal/help?filed=HD-"),
        "{}",
        location(&r)
    );
    let r = portal_form(
        &app,
        &me,
        &[
            ("category", "bribe"),
            ("about_office", o2.as_str()),
            ("body", "برای نوبت پول خواستند"),
            ("anonymous", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);

    // The office complained about sees both complaints, without who filed them.
    let mgr = app.signed_in("manager.thr2").await;
    let inbox = get_text(&app, &mgr, "/helpdesk").await;
    assert_eq!(inbox.matches("data-reference=\"HD-").count(), 2, "{inbox}");
    for secret in [person.given_name.as_str(), person.registry_no.as_str()] {
        assert!(
            !inbox.contains(secret),
            "{secret} is hidden from the office complained about"
        );
    }
    let (st, list) = json_of(
        mgr.get(app.url("/api/v1/helpdesk/tickets"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    let items = list["items"].as_array().unwrap();
    let delay = items.iter().find(|t| t["category"] == "delay").unwrap();
    let bribe = items.iter().find(|t| t["category"] == "bribe").unwrap();
    let (st, body) = json_of(
        mgr.get(app.url("/api/v1/helpdesk/tickets?page=0"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (st, code(&body)),
        (422, "page.page.invalid"),
        "found by schemathesis"
    );
    // Dates as the schema says: an ISO day and an RFC 3339 instant (found by schemathesis:
    // they were arrays).
    let due = delay["due_on"].as_str().unwrap();
    assert!(
        time::Date::parse(
            due,
            time::macros::format_description!("[year]-[month]-[day]")
        )
        .is_ok(),
        "{due}"
    );
    let at = delay["created_at"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).is_ok(),
        "{at}"
    );
    assert_eq!(
        (delay["name"].as_str(), delay["person"].is_null()),
        (Some(""), true)
    );
    assert!(!list.to_string().contains(person.registry_no.as_str()));
    let (delay_id, bribe_id) = (delay["id"].as_str().unwrap(), bribe["id"].as_str().unwrap());

    // It answers the delay; the bribe is the authority's: no form, and a post is refused.
    let page = get_text(&app, &mgr, &format!("/helpdesk/{bribe_id}")).await;
    assert!(!page.contains("helpdesk-answer-form"), "{page}");
    let token = app.csrf(&mgr, "/helpdesk").await;
    let r = app
        .post_form(
            &mgr,
            &format!("/helpdesk/{bribe_id}/answer"),
            &[("_csrf", token.as_str()), ("answer", "نه")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = app
        .post_form(
            &mgr,
            &format!("/helpdesk/{delay_id}/answer"),
            &[("_csrf", token.as_str()), ("answer", " ")],
        )
        .await;
    assert_eq!(r.status(), 422, "an empty answer");
    let r = app
        .post_form(
            &mgr,
            &format!("/helpdesk/{delay_id}/answer"),
            &[
                ("_csrf", token.as_str()),
                ("answer", "پوزش؛ کارت شما آماده است"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            &mgr,
            &format!("/helpdesk/{delay_id}/answer"),
            &[("_csrf", token.as_str()), ("answer", "دوباره")],
        )
        .await;
    assert_eq!(r.status(), 409, "answered once");

    // The person reads the answer on the portal.
    let mine = get_text(&app, &me, "/portal/help").await;
    assert!(mine.contains("پوزش؛ کارت شما آماده است"), "{mine}");

    // Nobody else reads or answers: the person's own office, a clerk, a partner, the person.
    let own_office = app.signed_in("manager.thr").await;
    let r = own_office
        .get(app.url(&format!("/helpdesk/{delay_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    for who in ["clerk.thr2", "partner"] {
        let c = app.signed_in(who).await;
        let (st, body) = json_of(
            c.get(app.url("/api/v1/helpdesk/tickets"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(st, 403, "{who}");
        assert_eq!(code(&body), "auth.forbidden");
        assert_eq!(
            c.get(app.url(&format!("/helpdesk/{delay_id}")))
                .send()
                .await
                .unwrap()
                .status(),
            403,
            "{who}"
        );
    }
    assert_eq!(
        me.get(app.url("/helpdesk")).send().await.unwrap().status(),
        403
    );
    let r = mgr
        .get(app.url("/helpdesk/not-an-id"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Staff file for a caller; the ticket goes where it is routed (exploitation: authority).
    let token = app.csrf(&mgr, "/helpdesk/new").await;
    let r = app
        .post_form(
            &mgr,
            "/helpdesk",
            &[
                ("_csrf", token.as_str()),
                ("channel", "phone"),
                ("category", "unpaid_wages"),
                ("body", "دو ماه مزد نگرفته‌ام"),
                ("contact_name", "رحیم"),
                ("contact_phone", "0912 000 1111"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/helpdesk?filed=HD-"));
    let r = app
        .post_form(
            &mgr,
            "/helpdesk",
            &[
                ("_csrf", token.as_str()),
                ("channel", "phone"),
                ("category", "unpaid_wages"),
                ("body", "x"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "a caller leaves a name and phone");
    let all = app
        .store
        .ticket_inbox(
            &daftar_domain::audit::AuditCtx::system("test"),
            None,
            false,
            daftar_domain::page::PageRequest {
                page: 1,
                per_page: 50,
            },
        )
        .unwrap();
    assert_eq!(all.total, 3);
    let wages = all
        .items
        .iter()
        .find(|t| t.category.code() == "unpaid_wages")
        .unwrap();
    assert_eq!((wages.route_office, wages.name.as_str()), (None, "رحیم"));
}
crate::both!(
    routed_and_anonymous,
    complaints_are_routed_answered_and_kept_anonymous
);

/// The status form posted by a caller who is not signed in.
async fn look(app: &TestApp, c: &reqwest::Client, reference: &str, phone: &str) -> (u16, String) {
    let token = app.csrf(c, "/helpdesk/status").await;
    let r = app
        .post_form(
            c,
            "/helpdesk/status",
            &[
                ("_csrf", token.as_str()),
                ("reference", reference),
                ("phone", phone),
            ],
        )
        .await;
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

async fn a_caller_looks_up_a_ticket_by_reference_and_phone(app: TestApp) {
    let office = app.office("THR-01");
    app.user("officer.hd", "authority_officer", None);
    let filed = app
        .store
        .file_ticket(
            &daftar_domain::audit::AuditCtx::system("test"),
            &daftar_domain::helpdesk::NewTicket::parse(
                daftar_domain::helpdesk::TicketDraft {
                    category: "confiscated_documents".into(),
                    body: "کارفرما گذرنامه‌ام را گرفته".into(),
                    contact_name: "رحیم کریمی".into(),
                    contact_phone: "0912 000 1111".into(),
                    ..Default::default()
                },
                daftar_domain::helpdesk::Channel::Phone,
                None,
                Some(office.id),
            )
            .unwrap(),
            daftar_domain::clock::Clock::default().today(),
        )
        .unwrap();
    let caller = client();
    let page = get_text(&app, &caller, "/helpdesk/status").await;
    assert!(page.contains("id=\"helpdesk-status-form\""));
    // The right phone in another form (Persian digits, country code): the state, no name, no text.
    let (s, html) = look(
        &app,
        &caller,
        &filed.reference.to_lowercase(),
        "+98 ۹۱۲ ۰۰۰ ۱۱۱۱",
    )
    .await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("id=\"helpdesk-status\"") && html.contains(&filed.reference));
    assert!(
        !html.contains("رحیم") && !html.contains("گذرنامه"),
        "no name, no text"
    );
    assert!(
        !html.contains("id=\"helpdesk-status-answer\""),
        "not answered yet"
    );
    // Answered by the authority: the answer and the role, never a name.
    app.store
        .answer_ticket(
            &daftar_domain::audit::AuditCtx::system("test"),
            None,
            "authority_officer",
            &filed.id,
            "با کارفرما تماس گرفتیم؛ گذرنامه را پس بگیرید.",
        )
        .unwrap();
    let (s, html) = look(&app, &caller, &filed.reference, "09120001111").await;
    assert_eq!(s, 200);
    assert!(html.contains("با کارفرما تماس گرفتیم"));
    // A wrong phone and an unknown reference are told the same.
    let (s1, wrong) = look(&app, &caller, &filed.reference, "09120001112").await;
    let (s2, unknown) = look(&app, &caller, "HD-ZZZZZZZZ", "09120001111").await;
    assert_eq!((s1, s2), (404, 404));
    for html in [&wrong, &unknown] {
        assert!(html.contains("درخواستی با این شمارهٔ پیگیری"), "{html}");
        assert!(!html.contains("id=\"helpdesk-status\""));
    }
    // Without the form's token: refused.
    let r = app
        .post_form(
            &caller,
            "/helpdesk/status",
            &[
                ("reference", filed.reference.as_str()),
                ("phone", "09120001111"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    // Guessing is limited per address (10 failures in 15 minutes, counted in the database):
    // 2 failures so far, 8 more, then refused even with the right phone.
    for _ in 0..8 {
        assert_eq!(
            look(&app, &caller, "HD-00000000", "09120001111").await.0,
            404
        );
    }
    let (s, html) = look(&app, &caller, &filed.reference, "09120001111").await;
    assert_eq!(s, 429, "{html}");
    // Each shown status is audited, to the ticket.
    let audited = app.audited("helpdesk.status");
    assert_eq!(audited.len(), 2);
    assert!(audited.iter().all(|r| r.target_id == filed.id));
}
crate::both!(
    status_by_reference,
    a_caller_looks_up_a_ticket_by_reference_and_phone
);

async fn the_authority_forwards_a_ticket_to_an_office_not_complained_about(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("THR-02");
    app.user("manager.a", "office_manager", Some(a.id));
    app.user("manager.b", "office_manager", Some(b.id));
    app.user("officer", "authority_officer", None);
    let officer = app.signed_in_with_totp("officer").await;
    // An anonymous complaint of a bribe at office B: it goes to the authority.
    let t = app
        .store
        .file_ticket(
            &daftar_domain::audit::AuditCtx::system("test"),
            &daftar_domain::helpdesk::NewTicket::parse(
                daftar_domain::helpdesk::TicketDraft {
                    category: "bribe".into(),
                    about_office: Some(b.id),
                    body: "برای نوبت پول خواستند".into(),
                    contact_name: "رحیم".into(),
                    contact_phone: "09120001111".into(),
                    anonymous: true,
                    ..Default::default()
                },
                daftar_domain::helpdesk::Channel::Phone,
                None,
                Some(a.id),
            )
            .unwrap(),
            daftar_domain::clock::Clock::default().today(),
        )
        .unwrap();
    let page = format!("/helpdesk/{}", t.id);
    let html = get_text(&app, &officer, &page).await;
    assert!(html.contains("id=\"helpdesk-forward-form\""));
    let form = &html[html.find("id=\"helpdesk-forward-form\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(
        form.contains(&a.id.to_string()) && !form.contains(&b.id.to_string()),
        "not offered the office complained about"
    );
    let token = app.csrf(&officer, &page).await;
    let post = |office: String| {
        let (token, page) = (token.clone(), page.clone());
        let officer = officer.clone();
        let app = &app;
        async move {
            app.post_form(
                &officer,
                &format!("{page}/forward"),
                &[("_csrf", token.as_str()), ("office", office.as_str())],
            )
            .await
        }
    };
    // Not to the office complained about, even posted by hand; not to an office that is not one.
    let r = post(b.id.to_string()).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("شکایت به دفتری که از آن شکایت شده")
    );
    assert_eq!(post("nonsense".into()).await.status(), 422);
    // Office managers cannot forward.
    let mb = app.signed_in("manager.b").await;
    let tb = app.csrf(&mb, "/helpdesk").await;
    let r = app
        .post_form(
            &mb,
            &format!("{page}/forward"),
            &[("_csrf", tb.as_str()), ("office", &a.id.to_string())],
        )
        .await;
    assert_eq!(r.status(), 403);
    // Forwarded to A: A's manager sees it and answers it; B still sees it without the name.
    let r = post(a.id.to_string()).await;
    assert_eq!(r.status(), 303);
    let ma = app.signed_in("manager.a").await;
    assert!(
        get_text(&app, &ma, "/helpdesk")
            .await
            .contains(&t.reference)
    );
    let html = get_text(&app, &ma, &page).await;
    assert!(html.contains("id=\"helpdesk-answer-form\""));
    let html = get_text(&app, &mb, &page).await;
    assert!(
        !html.contains("رحیم"),
        "still anonymous to the office complained about"
    );
    assert!(!html.contains("id=\"helpdesk-answer-form\""));
    // Forwarded once: the authority no longer holds it.
    assert_eq!(post(a.id.to_string()).await.status(), 403);
    assert_eq!(app.audited("helpdesk.forward").len(), 1);
}
crate::both!(
    forwarded,
    the_authority_forwards_a_ticket_to_an_office_not_complained_about
);
