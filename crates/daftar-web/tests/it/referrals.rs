//! Referrals through the real server on both backends (issue 20.1): a clerk refers a person to
//! a health house only with the consent box ticked and only if eligible; the partner's list
//! names no one, its referral page shows what was shared (audited, in the person's access log);
//! the partner accepts, refuses to complete without an outcome, completes; another partner,
//! another office and a partner reaching for person records are refused; the person withdraws
//! consent on the portal and the partner then sees nothing; the JSON API does the same.

use crate::harness::{TestApp, api_client, code, get_text, json_of, location};
use serde_json::json;

async fn referrals_need_consent_share_little_and_can_be_withdrawn(app: TestApp) {
    let home = app.office("THR-01");
    let other = app.office("THR-02");
    app.user("clerk.thr", "clerk", Some(home.id));
    app.user("clerk.thr2", "clerk", Some(other.id));
    let nurse = app.user("nurse", "partner", None);
    let teacher = app.user("teacher", "partner", None);
    let sys = daftar_domain::audit::AuditCtx::system("test");
    app.store
        .set_user_partner(&sys, nurse.id, Some("health-tehran"))
        .unwrap();
    app.store
        .set_user_partner(&sys, teacher.id, Some("edu-tehran"))
        .unwrap();
    let (person, holder) = app.portal_holder(home.id);
    let page = format!("/offices/{}/persons/{}/referrals", home.id, person.id);

    // The clerk's page offers every type with what it shares.
    let clerk = app.signed_in("clerk.thr").await;
    let html = get_text(
        &app,
        &clerk,
        &format!("/offices/{}/persons/{}", home.id, person.id),
    )
    .await;
    assert!(
        html.contains("id=\"referrals-link\""),
        "the person page links referrals"
    );
    let html = get_text(&app, &clerk, &page).await;
    assert!(html.contains("id=\"referral-form\"") && html.contains("value=\"health_house\""));
    let token = crate::harness::csrf_in(&html).unwrap();
    let post = |fields: Vec<(&'static str, String)>| {
        let (app, clerk, page, token) = (&app, &clerk, page.clone(), token.clone());
        async move {
            let mut all = vec![("_csrf", token)];
            all.extend(fields);
            let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(clerk, &page, &all).await
        }
    };
    // No consent, an adult to school, an unknown type: stays on the page, nothing made.
    for (fields, status) in [
        (vec![("type", "health_house".to_owned())], 409),
        (
            vec![
                ("type", "school_enrolment".to_owned()),
                ("consent", "yes".to_owned()),
            ],
            409,
        ),
        (
            vec![
                ("type", "smuggling".to_owned()),
                ("consent", "yes".to_owned()),
            ],
            409,
        ),
    ] {
        let r = post(fields).await;
        assert_eq!(r.status(), status);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"referral-error\""), "{html}");
    }
    assert!(app.audited("referral.create").is_empty());
    let r = post(vec![
        ("type", "health_house".to_owned()),
        ("consent", "yes".to_owned()),
    ])
    .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).contains("?made=RF-"), "{}", location(&r));
    let html = get_text(&app, &clerk, &location(&r)).await;
    assert!(html.contains("id=\"referral-made\""));
    let reference = html
        .split("data-reference=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();

    // Another office's clerk cannot see or make this person's referrals.
    let clerk2 = app.signed_in("clerk.thr2").await;
    assert_eq!(
        clerk2.get(app.url(&page)).send().await.unwrap().status(),
        403
    );

    // The partner's list names no one; the referral's page shows what the type shares.
    let n = app.signed_in("nurse").await;
    let inbox = get_text(&app, &n, "/referrals").await;
    assert!(inbox.contains(&reference), "{inbox}");
    for secret in [person.given_name.as_str(), person.registry_no.as_str()] {
        assert!(!inbox.contains(secret), "a list names no one: {secret}");
    }
    let link = inbox
        .split("href=\"/referrals/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let one = format!("/referrals/{link}");
    let html = get_text(&app, &n, &one).await;
    assert!(html.contains(&person.registry_no) && html.contains(&person.given_name));
    assert!(
        !html.contains("+98") && !html.contains("تهران، "),
        "no address"
    );
    // Another partner does not see it; a partner reaches no person record or list.
    let t = app.signed_in("teacher").await;
    assert!(!get_text(&app, &t, "/referrals").await.contains(&reference));
    assert_eq!(t.get(app.url(&one)).send().await.unwrap().status(), 404);
    for path in [
        format!("/offices/{}/persons/{}", home.id, person.id),
        format!("/offices/{}/persons", home.id),
        format!("/api/v1/offices/{}/persons/{}", home.id, person.id),
        page.clone(),
    ] {
        let s = n.get(app.url(&path)).send().await.unwrap().status();
        assert_eq!(s, 403, "{path}");
    }

    // The partner's steps: decline needs a reason; accept; complete needs an outcome.
    let token = crate::harness::csrf_in(&html).unwrap();
    let act = |action: &'static str, note: &'static str| {
        let (app, n, one, token) = (&app, &n, one.clone(), token.clone());
        async move {
            app.post_form(
                n,
                &one,
                &[("_csrf", &token), ("action", action), ("note", note)],
            )
            .await
        }
    };
    assert_eq!(act("decline", "").await.status(), 409);
    assert_eq!(act("withdraw", "").await.status(), 403);
    assert_eq!(act("accept", "").await.status(), 303);
    assert_eq!(act("accept", "").await.status(), 409);
    assert_eq!(act("complete", "").await.status(), 409);
    assert_eq!(act("complete", "واکسن زده شد").await.status(), 303);
    let html = get_text(&app, &n, &one).await;
    assert!(html.contains("data-state=\"completed\"") && html.contains("واکسن زده شد"));

    // The person sees it on the portal and withdraws consent; the partner then sees nothing.
    let me = app.signed_in(holder.username.as_str()).await;
    let portal = get_text(&app, &me, "/portal").await;
    assert!(portal.contains("href=\"/portal/referrals\""));
    let mine = get_text(&app, &me, "/portal/referrals").await;
    assert!(mine.contains(&reference) && mine.contains("واکسن زده شد"));
    let token = crate::harness::csrf_in(&mine).unwrap();
    let r = app
        .post_form(
            &me,
            &format!("/portal/referrals/{link}/withdraw"),
            &[("_csrf", &token), ("note", "دلیل شخصی من")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = get_text(&app, &n, &one).await;
    assert!(html.contains("id=\"referral-shared-none\""));
    // The partner's outcome stays; the person's reason is never shown to the partner.
    assert!(
        html.contains("واکسن زده شد") && !html.contains("دلیل شخصی من"),
        "{html}"
    );
    assert!(!html.contains(&person.registry_no) && !html.contains(&person.given_name));
    // Someone else's referral cannot be withdrawn from a portal account.
    let r = app
        .post_form(
            &me,
            &format!("/portal/referrals/{}/withdraw", ulid::Ulid::new()),
            &[("_csrf", &token)],
        )
        .await;
    assert_eq!(r.status(), 404);

    // Every partner view is in the person's access log, with the partner's role.
    app.store.seal_audit().unwrap();
    let log = get_text(&app, &me, "/portal/access").await;
    assert!(
        log.contains("نهاد همکار"),
        "the partner's reads are in the log"
    );
    assert!(!log.contains("nurse"), "never a staff member's name");
    assert!(!app.audited("referral.read").is_empty());
    assert_eq!(app.audited("referral.withdraw").len(), 1);

    // JSON: the clerk refers, the partner lists (naming no one), reads and accepts.
    let (c, ct) = &api_client(&app, "clerk.thr").await;
    let api = &format!(
        "/api/v1/offices/{}/persons/{}/referrals",
        home.id, person.id
    );
    let app = &app;
    let send = |body: serde_json::Value| async move {
        json_of(
            c.post(app.url(api))
                .header("x-csrf-token", ct)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    let (s, v) = send(json!({"type": "health_house", "consent": false})).await;
    assert_eq!((s, code(&v)), (409, "referral.consent.required"));
    let (s, v) = send(json!({"type": "health_house", "consent": true, "extra": 1})).await;
    assert_eq!(s, 400, "{v}");
    let (s, made) = send(json!({"type": "health_house", "consent": true})).await;
    assert_eq!(s, 201, "{made}");
    let (s, v) = send(json!({"type": "health_house", "consent": true})).await;
    assert_eq!(
        (s, code(&v)),
        (409, "referral.open"),
        "a retry makes no second referral"
    );
    assert_eq!(v["error"]["details"]["reference"], made["reference"]);
    assert_eq!(made["state"], "pending");
    let (pc, pt) = &api_client(app, "nurse").await;
    let (s, list) = json_of(
        pc.get(app.url("/api/v1/referrals?state=pending"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, list["total"].as_u64()), (200, Some(1)), "{list}");
    assert_eq!(list["items"][0]["shared"], json!({}));
    let (s, _) = json_of(
        pc.get(app.url("/api/v1/referrals?state=lost"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    let rid = made["id"].as_str().unwrap();
    let (s, one) = json_of(
        pc.get(app.url(&format!("/api/v1/referrals/{rid}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(one["shared"]["registry_no"], person.registry_no.as_str());
    assert!(one["shared"].get("address").is_none());
    let url = app.url(&format!("/api/v1/referrals/{rid}/actions"));
    let step = |body: serde_json::Value| {
        let url = url.clone();
        async move {
            json_of(
                pc.post(url)
                    .header("x-csrf-token", pt)
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    assert_eq!(step(json!({"action": "withdraw"})).await.0, 403);
    assert_eq!(step(json!({"action": "steal"})).await.0, 422);
    let (s, v) = step(json!({"action": "accept"})).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("accepted")), "{v}");
    let (s, _) = json_of(
        c.get(app.url(&format!("/api/v1/referrals/{rid}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 403, "office staff do not use the partner's side");
}
crate::both!(
    referrals,
    referrals_need_consent_share_little_and_can_be_withdrawn
);
