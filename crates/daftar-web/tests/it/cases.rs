//! Services and cases through the real server on both backends: the public catalog, a household
//! renewal end to end through the API (eligibility, documents with content sniffing, fees with
//! receipts and the public receipt check, every workflow guard, SLA due dates, idempotent replay,
//! stale and missing `If-Match`), a newborn registration end to end in the Persian UI, the work
//! queue with bulk assignment, return/resume pausing the clock, and office scoping.

use crate::harness::{PDF, PNG, TestApp, api_client, code, get_text, json_of, location, upload};
use serde_json::{Value, json};

use crate::harness::office_today as today;

async fn act(
    app: &TestApp,
    c: &reqwest::Client,
    t: &str,
    path: &str,
    version: Option<&str>,
    body: Value,
) -> (u16, Value, String) {
    let ct = (c.clone(), t.to_owned());
    crate::harness::send_json(
        app,
        &ct,
        reqwest::Method::POST,
        &format!("{path}/actions"),
        body,
        version,
    )
    .await
}

async fn public_catalog_needs_no_login(app: TestApp) {
    let (s, v) = json_of(
        crate::harness::client()
            .get(app.url("/api/v1/services"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 24, "the Iran profile ships 24 services");
    let renewal = list
        .iter()
        .find(|s| s["code"] == "card_renewal")
        .expect("card_renewal in the catalog");
    let d = renewal;
    assert_eq!(d["names"]["fa-IR"], "تمدید کارت آمایش");
    assert!(d["steps"].as_array().unwrap().len() >= 2);
    assert!(d["fees"][0]["schedule"].as_array().unwrap().len() >= 3);
    // The page is public too, in Persian by default.
    let html = crate::harness::client()
        .get(app.url("/services"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("تمدید کارت آمایش") && html.contains("dir=\"rtl\""));
    let (s, v) = json_of(
        crate::harness::client()
            .get(app.url("/api/v1/services/no_such_service"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (404, "service.not_found"));
}

async fn household_renewal_through_the_api(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("MSH-01");
    app.user("clerk.a", "clerk", Some(a.id));
    app.user("mgr.a", "office_manager", Some(a.id));
    app.user("clerk.b", "clerk", Some(b.id));
    let (head, others) = app.household_with_cards(a.id);
    let (c, t) = api_client(&app, "clerk.a").await;
    let cases = format!("/api/v1/offices/{}/cases", a.id);

    // Bad input first: unknown service, a household for a service without one, no card.
    let open = |body: Value, key: Option<&'static str>| {
        let mut rb = c
            .post(app.url(&cases))
            .header("x-csrf-token", &t)
            .json(&body);
        if let Some(k) = key {
            rb = rb.header("idempotency-key", k);
        }
        rb.send()
    };
    let (s, v) = json_of(
        open(
            json!({"service": "nope", "person_id": head.id.to_string()}),
            None,
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (404, "service.not_found"));
    let (s, v) = json_of(
        open(
            json!({"service": "newborn_registration", "person_id": head.id.to_string(), "household": true}),
            None,
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "case.household.not_allowed"));
    let lone = app.person(a.id, "بی‌کارت");
    let (s, v) = json_of(
        open(
            json!({"service": "card_renewal", "person_id": lone.id.to_string()}),
            None,
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    assert!(
        code(&v).starts_with("case.applicant.not_head") || code(&v).starts_with("case.eligibility"),
        "{v}"
    );

    // Open for the whole household, with an idempotency key.
    let body = json!({"service": "card_renewal", "person_id": head.id.to_string(), "household": true, "note": "دور ۱۴۰۵"});
    let r = open(body.clone(), Some("renew-1")).await.unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers().get("idempotent-replayed").is_none());
    let (_, first) = json_of(r).await;
    let id = first["case"]["id"].as_str().unwrap().to_owned();
    assert_eq!(first["members"].as_array().unwrap().len(), 3);
    assert_eq!(first["case"]["state"], "open");
    // The replay returns the first response and opens nothing new.
    let r = open(body.clone(), Some("renew-1")).await.unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    let (_, again) = json_of(r).await;
    assert_eq!(again, first);
    // The same key with another body: 422; without a key a second open is a duplicate.
    let mut other = body.clone();
    other["note"] = json!("another");
    let (s, v) = json_of(open(other, Some("renew-1")).await.unwrap()).await;
    assert_eq!((s, code(&v)), (422, "idempotency.key.mismatch"));
    let (s, v) = json_of(open(body.clone(), None).await.unwrap()).await;
    assert_eq!((s, code(&v)), (409, "case.duplicate"));

    // Fees: per member, from the schedule of the current Solar Hijri year.
    let year = daftar_domain::jalali::JalaliDate::from_iso(today()).year();
    let per_person = first["definition"]["fees"][0]["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["year"] == year)
        .map(|a| a["rials"].as_u64().unwrap())
        .expect("a fee for this year");
    let due = first["fees_due"][0]["rials"].as_u64().unwrap();
    assert_eq!(due, 3 * per_person);
    // SLA: the first step is due one working day after today, as the calendar says.
    let (s, cal) = json_of(
        c.get(app.url(&format!("/api/v1/calendar/due?from={}&days=1", today())))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{cal}");
    assert_eq!(first["case"]["due_on"], cal["due_iso"], "{cal}");

    let path = format!("{cases}/{id}");
    // The answer to the open is the case as stored.
    let (s, stored) = json_of(c.get(app.url(&path)).send().await.unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(stored, first);
    // Conditional updates: missing If-Match 428, malformed 400 (`*` included: an update must
    // name the version it read), stale 412.
    let complete = json!({"action": "complete"});
    let (s, v, _) = act(&app, &c, &t, &path, None, complete.clone()).await;
    assert_eq!((s, code(&v)), (428, "request.if_match.required"));
    for bad in ["\"0\"", "*", "\"abc\""] {
        let (s, v, _) = act(&app, &c, &t, &path, Some(bad), complete.clone()).await;
        assert_eq!((s, code(&v)), (400, "request.if_match.invalid"), "{bad}");
    }
    let (s, v, _) = act(&app, &c, &t, &path, Some("\"999\""), complete.clone()).await;
    assert_eq!((s, code(&v)), (412, "case.version.stale"));
    let r = c.get(app.url(&path)).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    // Guards in order: documents, then the fee.
    let (s, v, _) = act(&app, &c, &t, &path, Some(&etag), complete.clone()).await;
    assert_eq!((s, code(&v)), (409, "case.document.missing"));
    let missing = v["error"]["details"]["missing"].as_array().unwrap();
    assert!(missing.contains(&json!("photo")) && missing.contains(&json!("registration_card")));

    // Documents: wrong type, mismatch, too large, then the right ones.
    let docs = format!("{path}/documents");
    let (s, v) = upload(&app, &c, &t, &docs, "photo", b"hello", "text/plain").await;
    assert_eq!((s, code(&v)), (422, "case.document.type.invalid"));
    let (s, v) = upload(&app, &c, &t, &docs, "photo", PDF, "image/png").await;
    assert_eq!((s, code(&v)), (422, "case.document.type.mismatch"));
    let mut big = PDF.to_vec();
    big.resize(5 * 1024 * 1024 + 1, b' ');
    let (s, v) = upload(
        &app,
        &c,
        &t,
        &docs,
        "registration_card",
        &big,
        "application/pdf",
    )
    .await;
    assert_eq!((s, code(&v)), (413, "case.document.too_large"));
    let (s, v) = upload(&app, &c, &t, &docs, "nonsense", PNG, "image/png").await;
    assert_eq!((s, code(&v)), (422, "case.document.kind.invalid"));
    let (s, photo) = upload(&app, &c, &t, &docs, "photo", PNG, "image/png").await;
    assert_eq!(s, 201, "{photo}");
    assert_eq!(photo["content_type"], "image/png");
    assert_eq!(photo["sha256"].as_str().unwrap().len(), 64);
    let (s, _) = upload(
        &app,
        &c,
        &t,
        &docs,
        "registration_card",
        PDF,
        "application/pdf",
    )
    .await;
    assert_eq!(s, 201);
    // The stored bytes come back, privately.
    let r = c
        .get(app.url(&format!("{docs}/{}", photo["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(&r.bytes().await.unwrap()[..], PNG);

    let r = c.get(app.url(&path)).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let (s, v, _) = act(&app, &c, &t, &path, Some(&etag), complete.clone()).await;
    assert_eq!((s, code(&v)), (409, "case.fee.unpaid"));

    // Payments: above the schedule refused, the exact amount in Persian digits accepted.
    let pay = |rials: Value| {
        c.post(app.url(&format!("{path}/payments")))
            .header("x-csrf-token", &t)
            .json(&json!({"fee": "card", "rials": rials, "method": "card"}))
            .send()
    };
    let (s, v) = json_of(pay(json!((due + 1).to_string())).await.unwrap()).await;
    assert_eq!((s, code(&v)), (409, "payment.amount.above_schedule"));
    // A JSON integer, as the server itself writes amounts (issue 15, item 21), is read too.
    let (s, v) = json_of(pay(json!(due + 1)).await.unwrap()).await;
    assert_eq!((s, code(&v)), (409, "payment.amount.above_schedule"), "{v}");
    let (s, v) = json_of(pay(json!(-5)).await.unwrap()).await;
    assert_eq!((s, code(&v)), (422, "payment.amount.invalid"), "{v}");
    let (s, v) = json_of(pay(json!(1.5)).await.unwrap()).await;
    assert_eq!((s, code(&v)), (400, "request.body.invalid"), "{v}");
    let persian: String = due
        .to_string()
        .chars()
        .map(|d| char::from_u32(0x06F0 + d.to_digit(10).unwrap()).unwrap())
        .collect();
    let (s, receipt) = json_of(pay(json!(persian)).await.unwrap()).await;
    assert_eq!(s, 201, "{receipt}");
    assert_eq!(receipt["rials"].as_u64().unwrap(), due);
    let (s, v) = json_of(pay(json!(1)).await.unwrap()).await;
    assert_eq!((s, code(&v)), (409, "payment.amount.above_schedule"), "{v}");

    // Anyone can check the receipt: amount, service, office, date — no names.
    let check = receipt["check_code"].as_str().unwrap();
    let anon = crate::harness::client();
    let r = anon
        .get(app.url(&format!("/api/v1/receipts/{check}")))
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["rials"].as_u64().unwrap(), due);
    assert_eq!(v["office_code"], "THR-01");
    assert_eq!(v["service"], "card_renewal");
    assert!(!text.contains("زهرا") && !text.contains(&head.registry_no));
    let (s, v) = json_of(
        anon.get(app.url("/api/v1/receipts/NOTACODE"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (404, "receipt.not_found"));
    let r = anon
        .post(app.url(&format!("/api/v1/receipts/{check}/complaints")))
        .json(&json!({"asked_rials": due * 2, "note": "خواستند بیشتر بدهم"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    // Intake completes; the approval step belongs to the office manager.
    let r = c.get(app.url(&path)).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let (s, v, etag) = act(&app, &c, &t, &path, Some(&etag), complete.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["case"]["step"], 1);
    let (s, v, _) = act(&app, &c, &t, &path, Some(&etag), complete.clone()).await;
    assert_eq!((s, code(&v)), (403, "case.role.not_allowed"));
    let (m, mt) = api_client(&app, "mgr.a").await;
    let (s, v, _) = act(
        &app,
        &m,
        &mt,
        &path,
        Some(&etag),
        json!({"action": "reject"}),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "case.reason.required"));
    // Return for correction: the clock pauses, then resumes.
    let (s, v, etag) = act(
        &app,
        &m,
        &mt,
        &path,
        Some(&etag),
        json!({"action": "return", "note": "عکس تار است"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["case"]["state"], "returned");
    assert!(v["case"]["due_on"].is_null());
    assert!(v["case"]["paused_remaining"].as_i64().unwrap() >= 0);
    let (s, v, etag) = act(
        &app,
        &c,
        &t,
        &path,
        Some(&etag),
        json!({"action": "resume"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["case"]["state"], "open");
    assert!(v["case"]["due_on"].is_string());
    let (s, v, etag) = act(&app, &m, &mt, &path, Some(&etag), complete.clone()).await;
    assert_eq!(s, 200, "{v}");
    // The last step (issue) is the clerk's; completing it approves every member.
    let (s, v, etag) = act(&app, &c, &t, &path, Some(&etag), complete.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["case"]["state"], "approved");
    assert!(
        v["members"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["outcome"] == "approved")
    );
    let kinds: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in [
        "case.open",
        "case.document.add",
        "case.payment",
        "case.step.complete",
        "case.return",
        "case.resume",
        "case.approve",
    ] {
        assert!(kinds.contains(&k), "{k} in the timeline: {kinds:?}");
    }
    // Closed: nothing more happens.
    let (s, v, _) = act(
        &app,
        &m,
        &mt,
        &path,
        Some(&etag),
        json!({"action": "cancel"}),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "case.transition.not_allowed"), "{v}");

    // The fee report shows the payment and the complaint for the office.
    let (s, v) = json_of(m.get(app.url("/api/v1/fee-report")).send().await.unwrap()).await;
    assert_eq!(s, 200, "{v}");
    let row = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["office_code"] == "THR-01")
        .expect("a row for the office");
    assert_eq!(row["payments"], 1);
    assert_eq!(row["rials"].as_u64().unwrap(), due);
    assert_eq!(row["complaints"], 1);
    assert_eq!(row["complained_extra_rials"].as_u64().unwrap(), due);
    assert_eq!(row["suppressed"], false, "{row}");
    // A partner sees aggregates only: one payment and one complaint are under 5, withheld.
    app.user("partner.x", "partner", None);
    let p = app.signed_in("partner.x").await;
    let (s, v) = json_of(p.get(app.url("/api/v1/fee-report")).send().await.unwrap()).await;
    assert_eq!(s, 200, "{v}");
    let row = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["office_code"] == "THR-01")
        .unwrap();
    assert_eq!(
        (row["payments"].as_u64(), row["rials"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(row["complaints"], 0);
    assert_eq!(row["suppressed"], true);
    // Partners never reach a case.
    let r = p.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 403);

    // Office scoping: another office's clerk sees nothing of it.
    let (cb, _) = api_client(&app, "clerk.b").await;
    let r = cb.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = cb
        .get(app.url(&format!("/api/v1/offices/{}/cases/{id}", b.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let (_, q) = json_of(
        cb.get(app.url(&format!("/api/v1/offices/{}/cases", b.id)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(q["total"], 0);
    let _ = others;
}

async fn newborn_registration_in_the_persian_ui(app: TestApp) {
    let a = app.office("THR-01");
    let clerk = app.user("clerk.a", "clerk", Some(a.id));
    app.user("mgr.a", "office_manager", Some(a.id));
    let (head, _) = app.household_with_cards(a.id);
    let c = app.signed_in("clerk.a").await;
    // From the person's page to the new-case form.
    let person_page = format!("/offices/{}/persons/{}", a.id, head.id);
    let html = get_text(&app, &c, &person_page).await;
    assert!(
        html.contains(&format!("/offices/{}/cases/new", a.id)),
        "{html}"
    );
    let new = format!("/offices/{}/cases/new?person_id={}", a.id, head.id);
    let t = app.csrf(&c, &new).await;
    let post = format!("/offices/{}/cases", a.id);
    let pid = head.id.to_string();
    // A household for a service that has none: the form comes back with the message.
    let r = app
        .post_form(
            &c,
            &post,
            &[
                ("_csrf", &t),
                ("person_id", &pid),
                ("service", "newborn_registration"),
                ("household", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("این خدمت برای کل خانوار نیست")
    );
    let r = app
        .post_form(
            &c,
            &post,
            &[
                ("_csrf", &t),
                ("person_id", &pid),
                ("service", "newborn_registration"),
                ("note", "نوزاد پسر"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = location(&r);
    let html = get_text(&app, &c, &page).await;
    for expected in [
        "ثبت نوزاد",
        "سررسید",
        "گشوده شد",
        "id=\"upload\"",
        "id=\"decide\"",
    ] {
        assert!(html.contains(expected), "{expected} on the case page");
    }
    // Completing without the birth certificate names what is missing.
    let version = |html: &str| {
        let i = html.find("name=\"version\" value=\"").unwrap() + 22;
        html[i..i + html[i..].find('"').unwrap()].to_owned()
    };
    let v = version(&html);
    let r = app
        .post_form(
            &c,
            &format!("{page}/actions"),
            &[("_csrf", &t), ("version", &v), ("action", "complete")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("گواهی تولد"));
    // Upload it with the page's form.
    for (kind, name) in [
        ("birth_certificate", "birth.pdf"),
        ("registration_card", "card.pdf"),
    ] {
        let part = reqwest::multipart::Part::bytes(PDF.to_vec())
            .file_name(name)
            .mime_str("application/pdf")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("_csrf", t.clone())
            .text("kind", kind)
            .part("file", part);
        let r = c
            .post(app.url(&format!("{page}/documents")))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
    }
    let html = get_text(&app, &c, &page).await;
    assert!(html.contains("birth.pdf"));
    let r = app
        .post_form(
            &c,
            &format!("{page}/actions"),
            &[
                ("_csrf", &t),
                ("version", &version(&html)),
                ("action", "complete"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // The work queue lists it; bulk-assign it to the clerk.
    let queue = format!("/offices/{}/cases", a.id);
    let html = get_text(&app, &c, &queue).await;
    assert!(
        html.contains("ثبت نوزاد") && html.contains("id=\"assign\""),
        "{html}"
    );
    let case_id = page.rsplit('/').next().unwrap().to_owned();
    let uid = clerk.id.to_string();
    let r = app
        .post_form(
            &c,
            &format!("{queue}/assign"),
            &[
                ("_csrf", &t),
                ("ids", &case_id),
                ("assignee", &uid),
                ("filter", "active"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // The manager approves in the UI; the page shows the result in Persian.
    let m = app.signed_in("mgr.a").await;
    let html = get_text(&app, &m, &page).await;
    let mt = crate::harness::csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &m,
            &format!("{page}/actions"),
            &[
                ("_csrf", &mt),
                ("version", &version(&html)),
                ("action", "complete"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // The last step (issue) is the clerk's again.
    let html = get_text(&app, &c, &page).await;
    let r = app
        .post_form(
            &c,
            &format!("{page}/actions"),
            &[
                ("_csrf", &t),
                ("version", &version(&html)),
                ("action", "complete"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = get_text(&app, &m, &page).await;
    assert!(html.contains("id=\"case-state\">تأیید شده"), "{html}");
    let closed = get_text(&app, &m, &format!("{queue}?filter=closed")).await;
    assert!(closed.contains(&case_id));
}

async fn receipt_page_and_complaint_in_the_ui(app: TestApp) {
    let a = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(a.id));
    let (head, _) = app.household_with_cards(a.id);
    let (c, t) = api_client(&app, "clerk.a").await;
    let cases = format!("/api/v1/offices/{}/cases", a.id);
    let (s, v) = json_of(
        c.post(app.url(&cases))
            .header("x-csrf-token", &t)
            .json(&json!({"service": "card_renewal", "person_id": head.id.to_string()}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["case"]["id"].as_str().unwrap();
    let due = v["fees_due"][0]["rials"].as_u64().unwrap();
    // Pay through the case page's form; it lands on the printable receipt with its QR.
    let page = format!("/offices/{}/cases/{id}", a.id);
    let html = get_text(&app, &c, &page).await;
    assert!(html.contains("id=\"pay-card\""), "{html}");
    let r = app
        .post_form(
            &c,
            &format!("{page}/payments"),
            &[
                ("_csrf", &t),
                ("fee", "card"),
                ("rials", &due.to_string()),
                ("method", "cash"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let receipt = get_text(&app, &c, &location(&r)).await;
    assert!(
        receipt.contains("<svg") && receipt.contains("/receipts/"),
        "{receipt}"
    );
    let i = receipt.find("/receipts/").unwrap() + "/receipts/".len();
    let check: String = receipt[i..]
        .chars()
        .take_while(|ch| ch.is_ascii_alphanumeric())
        .collect();
    // The public page, no login, then the complaint form.
    let anon = crate::harness::client();
    let html = get_text(&app, &anon, &format!("/receipts/{check}")).await;
    assert!(
        html.contains("این رسید اصل است") && !html.contains("زهرا"),
        "{html}"
    );
    let ct = crate::harness::csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &anon,
            &format!("/receipts/{check}/complaint"),
            &[("_csrf", &ct), ("asked_rials", "abc")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_form(
            &anon,
            &format!("/receipts/{check}/complaint"),
            &[("_csrf", &ct), ("asked_rials", "۹۰۰۰۰۰۰"), ("note", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).ends_with("?sent=1"));
}

crate::both!(public_catalog, public_catalog_needs_no_login);
crate::both!(household_renewal, household_renewal_through_the_api);
crate::both!(newborn_ui, newborn_registration_in_the_persian_ui);
crate::both!(receipts_ui, receipt_page_and_complaint_in_the_ui);
