//! The catalog and the calendar through the real server on both backends: an authority officer
//! edits a service (ETag/If-Match: 428 without, 412 when stale; history kept; open cases keep
//! their version), in the API and on the page; holidays are added and removed and due dates
//! follow, checked against day-by-day counting over the published calendar (Nowruz, weekends,
//! the year boundary); dates outside the calendar are refused.

use crate::harness::{TestApp, code, get_text, json_of};
use serde_json::{Value, json};

/// Due date by walking the published calendar one day at a time (independent of the server's
/// prefix sums).
fn walk(cal: &Value, from: time::Date, n: u32) -> time::Date {
    let holidays: Vec<String> = cal["holidays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["iso"].as_str().unwrap().to_owned())
        .collect();
    let weekend: Vec<String> = cal["weekend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_lowercase())
        .collect();
    let (mut d, mut left) = (from, n);
    while left > 0 {
        d = d.next_day().unwrap();
        let wd = d.weekday().to_string().to_lowercase();
        if !weekend.contains(&wd) && !holidays.contains(&d.to_string()) {
            left -= 1;
        }
    }
    d
}

async fn due(c: &reqwest::Client, app: &TestApp, from: &str, days: u32) -> (u16, Value) {
    json_of(
        c.get(app.url(&format!("/api/v1/calendar/due?from={from}&days={days}")))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn authority_edits_a_service(app: TestApp) {
    let a = app.office("THR-01");
    app.user("officer", "authority_officer", None);
    app.user("clerk.a", "clerk", Some(a.id));
    let o = app.signed_in_with_totp("officer").await;
    let t = app.csrf(&o, "/profile").await;
    // A case opened before the change keeps the version it started with.
    let p = app.person(a.id, "نرگس");
    let clerk = app.signed_in("clerk.a").await;
    let ct = app.csrf(&clerk, "/profile").await;
    let (s, opened) = json_of(
        clerk
            .post(app.url(&format!("/api/v1/offices/{}/cases", a.id)))
            .header("x-csrf-token", &ct)
            .json(&json!({"service": "registration_status_certificate", "person_id": p.id.to_string()}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{opened}");

    let url = app.url("/api/v1/services/registration_status_certificate");
    let r = o.get(&url).send().await.unwrap();
    assert_eq!(r.headers()["etag"], "\"1\"");
    let (_, mut def) = json_of(r).await;
    for k in ["version", "updated_at", "updated_by"] {
        def.as_object_mut().unwrap().remove(k);
    }
    def["steps"][0]["sla_days"] = json!(4);
    let body = json!({"definition": def, "note": "مهلت بیشتر"});
    let put = |etag: Option<&str>, c: &reqwest::Client, tok: &str| {
        let mut rb = c.put(&url).header("x-csrf-token", tok).json(&body);
        if let Some(e) = etag {
            rb = rb.header("if-match", e);
        }
        rb.send()
    };
    let (s, v) = json_of(put(None, &o, &t).await.unwrap()).await;
    assert_eq!((s, code(&v)), (428, "request.if_match.required"));
    let (s, v) = json_of(put(Some("\"7\""), &o, &t).await.unwrap()).await;
    assert_eq!((s, code(&v)), (412, "service.version.stale"));
    let (s, v) = json_of(put(Some("\"1\""), &clerk, &ct).await.unwrap()).await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"), "{v}");
    let r = put(Some("\"1\""), &o, &t).await.unwrap();
    assert_eq!(r.headers()["etag"], "\"2\"");
    let (s, v) = json_of(r).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["steps"][0]["sla_days"], 4);
    // A broken definition and a mismatched code: refused, nothing stored.
    let mut bad = body.clone();
    bad["definition"]["steps"][0]["sla_days"] = json!(0);
    let (s, v) = json_of(
        o.put(&url)
            .header("x-csrf-token", &t)
            .header("if-match", "\"2\"")
            .json(&bad)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (422, "service.definition.invalid"), "{v}");
    let (s, v) = json_of(
        o.put(app.url("/api/v1/services/travel_permit"))
            .header("x-csrf-token", &t)
            .header("if-match", "\"1\"")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (422, "service.code.mismatch"));
    let (_, h) = json_of(
        o.get(app.url("/api/v1/services/registration_status_certificate/history"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let versions: Vec<i64> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [2, 1]);
    // The old case still runs under version 1.
    let (_, case) = json_of(
        clerk
            .get(app.url(&format!(
                "/api/v1/offices/{}/cases/{}",
                a.id,
                opened["case"]["id"].as_str().unwrap()
            )))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(case["case"]["service_version"], 1);
    assert_eq!(case["definition"]["steps"][0]["sla_days"], 1);
    // The page: the officer sees the editor; saving a new version from it works.
    let html = get_text(&app, &o, "/services/registration_status_certificate").await;
    assert!(html.contains("id=\"edit-service\"") && html.contains("id=\"history\""));
    let i = html.find("name=\"definition\"").unwrap();
    let start = html[i..].find('>').unwrap() + i + 1;
    let end = html[start..].find("</textarea>").unwrap() + start;
    let toml_text = html[start..end]
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let r = app
        .post_form(
            &o,
            "/services/registration_status_certificate",
            &[
                ("_csrf", t.as_str()),
                ("version", "2"),
                ("definition", toml_text.as_str()),
                ("note", "از صفحه"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, v) = json_of(o.get(&url).send().await.unwrap()).await;
    assert_eq!(v["version"], 3);
    // Clerks see the page without the editor.
    let html = get_text(&app, &clerk, "/services/registration_status_certificate").await;
    assert!(!html.contains("id=\"edit-service\""));
}

async fn holidays_and_due_dates(app: TestApp) {
    app.user("officer", "authority_officer", None);
    let anon = crate::harness::client();
    let (s, cal) = json_of(anon.get(app.url("/api/v1/calendar")).send().await.unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(cal["years"], json!([1403, 1406]));
    assert!(cal["holidays"].as_array().unwrap().len() >= 70);
    // Across Nowruz and the 1403/1404 year boundary, and across weekends.
    for (from, days) in [
        ("1403/12/25", 5),
        ("1403/12/28", 1),
        ("1404/01/01", 3),
        ("1404/12/27", 10),
        ("1405/06/15", 15),
    ] {
        let start = daftar_domain::jalali::JalaliDate::parse(from)
            .unwrap()
            .iso();
        let (s, v) = due(&anon, &app, from, days).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(
            v["due_iso"].as_str().unwrap(),
            walk(&cal, start, days).to_string(),
            "{from} + {days}"
        );
    }
    let (s, v) = due(&anon, &app, "1407/02/01", 1).await;
    assert_eq!((s, code(&v)), (409, "calendar.date.out_of_range"));
    let (s, v) = due(&anon, &app, "1405/13/01", 1).await;
    assert_eq!(s, 422, "{v}");
    // A new holiday moves the due date; removing it moves it back.
    let o = app.signed_in_with_totp("officer").await;
    let t = app.csrf(&o, "/profile").await;
    let (_, before) = due(&anon, &app, "1405/10/07", 1).await;
    let (s, v) = json_of(
        o.post(app.url("/api/v1/calendar/holidays"))
            .header("x-csrf-token", &t)
            .json(&json!({"date": "1405/10/08", "name_fa": "تعطیلی", "name_en": "Closure", "kind": "fixed"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (_, after) = due(&anon, &app, "1405/10/07", 1).await;
    assert_ne!(before["due_iso"], after["due_iso"]);
    assert_eq!(after["due"], "1405/10/09");
    let (s, v) = json_of(
        o.post(app.url("/api/v1/calendar/holidays"))
            .header("x-csrf-token", &t)
            .json(&json!({"date": "1407/01/01", "name_fa": "x", "name_en": "x", "kind": "fixed"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "calendar.date.out_of_range"));
    let r = o
        .delete(app.url("/api/v1/calendar/holidays/1405/10/08"))
        .header("x-csrf-token", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "slashes in a path segment do not route");
    let r = o
        .delete(app.url("/api/v1/calendar/holidays/2026-12-29"))
        .header("x-csrf-token", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (_, back) = due(&anon, &app, "1405/10/07", 1).await;
    assert_eq!(back["due_iso"], before["due_iso"]);
    // Without catalog.manage: refused. The page is public and in Jalali.
    let anon_post = anon
        .post(app.url("/api/v1/calendar/holidays"))
        .json(&json!({"date": "1405/10/08", "name_fa": "x", "name_en": "x", "kind": "fixed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anon_post.status(), 401);
    let html = get_text(&app, &anon, "/calendar").await;
    assert!(
        html.contains("۱۴۰۴/۰۱/۰۱") || html.contains("فروردین"),
        "{html}"
    );
}

crate::both!(service_editing, authority_edits_a_service);
crate::both!(calendar_editing, holidays_and_due_dates);
