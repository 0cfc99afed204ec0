//! Bad input at the edges (issue 15, items 18, 19 and 21): names without a letter, form bytes
//! that are not UTF-8, bodies over the limit (413), wrong methods (405), and errors under
//! `/.well-known` as JSON when asked.

use crate::harness::{TestApp, code, json_of};
use serde_json::{Value, json};

/// Persons of `office` as the API counts them.
async fn total(app: &TestApp, c: &reqwest::Client, office: &str) -> u64 {
    let (s, v) = json_of(
        c.get(app.url(&format!("/api/v1/offices/{office}/persons")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v["total"].as_u64().unwrap()
}

const INVISIBLE: [&str; 5] = [
    "\u{200b}",
    "\u{202e}",
    "\u{200c}\u{200c}",
    "\u{2066}\u{2069}",
    " \u{200f} ",
];

async fn names_need_a_letter(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.one", "clerk", Some(office.id));
    let c = app.signed_in("clerk.one").await;
    let t = app
        .csrf(&c, &format!("/offices/{}/persons/new", office.id))
        .await;
    let id = office.id.to_string();
    for name in INVISIBLE {
        let (s, v) = json_of(
            c.post(app.url(&format!("/api/v1/offices/{id}/persons")))
                .header("x-csrf-token", &t)
                .json(&json!({"given_name": name, "father_name": "رضا", "sex": "male", "nationality": "AFG"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (s, code(&v)),
            (422, "person.given_name.invalid"),
            "{name:?}: {v}"
        );
        assert_eq!(v["error"]["details"]["field"], "given_name", "{v}");
        let r = app
            .post_form(
                &c,
                &format!("/offices/{id}/persons"),
                &[
                    ("_csrf", &t),
                    ("confirm", "1"),
                    ("given_name", "علی"),
                    ("father_name", name),
                    ("sex", "male"),
                    ("nationality", "AFG"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422, "{name:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains("نام پدر الزامی است"), "{html}");
    }
    assert_eq!(total(&app, &c, &id).await, 0);
    // A name with a joiner between letters is a name.
    let (s, v) = json_of(
        c.post(app.url(&format!("/api/v1/offices/{id}/persons")))
            .header("x-csrf-token", &t)
            .json(&json!({"given_name": "مهر\u{200c}انگیز", "father_name": "رضا", "sex": "female", "nationality": "AFG"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{v}");
}
crate::both!(names_need_a_letter_t, names_need_a_letter);

async fn form_bytes_must_be_utf8(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.one", "clerk", Some(office.id));
    let c = app.signed_in("clerk.one").await;
    let id = office.id.to_string();
    let t = app.csrf(&c, &format!("/offices/{id}/persons/new")).await;
    // Raw bytes 0xFF 0xFE and a lone continuation byte: not UTF-8 after percent-decoding.
    for bad in ["%FF%FE", "%D8", "a%80b"] {
        let body = format!(
            "_csrf={t}&confirm=1&given_name={bad}&father_name=%D8%B1%D8%B6%D8%A7&sex=male&nationality=AFG"
        );
        let r = c
            .post(app.url(&format!("/offices/{id}/persons")))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept-language", "en")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{bad}");
        let html = r.text().await.unwrap();
        assert!(html.contains("request.form.encoding"), "{html}");
        assert!(html.contains("not valid text"), "{html}");
    }
    assert_eq!(total(&app, &c, &id).await, 0);
    // The same bytes in a JSON body are refused too (not stored as U+FFFD).
    let mut body = br#"{"given_name":""#.to_vec();
    body.extend_from_slice(&[0xFF, 0xFE]);
    body.extend_from_slice(br#"","father_name":"x","sex":"male","nationality":"AFG"}"#);
    let (s, v) = json_of(
        c.post(app.url(&format!("/api/v1/offices/{id}/persons")))
            .header("x-csrf-token", &t)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (400, "request.body.invalid"), "{v}");
    // Well-formed percent-encoded UTF-8 (and `+` for space) still registers.
    let body = format!(
        "_csrf={t}&confirm=1&given_name=%D8%B9%D9%84%DB%8C+%D8%B1%D8%B6%D8%A7&father_name=%D8%B1%D8%B6%D8%A7&sex=male&nationality=AFG"
    );
    let r = c
        .post(app.url(&format!("/offices/{id}/persons")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(total(&app, &c, &id).await, 1);
}
crate::both!(form_bytes_must_be_utf8_t, form_bytes_must_be_utf8);

async fn limits_methods_and_well_known_errors(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.one", "clerk", Some(office.id));
    let c = app.signed_in("clerk.one").await;
    let id = office.id.to_string();
    let t = app.csrf(&c, &format!("/offices/{id}/persons/new")).await;

    // A JSON body over the limit (2 MiB) is 413, not 400.
    let big = json!({"given_name": "ا".repeat(1_100_000), "father_name": "x"});
    let (s, v) = json_of(
        c.post(app.url(&format!("/api/v1/offices/{id}/persons")))
            .header("x-csrf-token", &t)
            .json(&big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (413, "request.body.too_large"), "{v}");
    // So is a form over its limit.
    let r = app
        .post_form(
            &c,
            &format!("/offices/{id}/persons"),
            &[("_csrf", &t), ("address", &"x".repeat(70_000))],
        )
        .await;
    assert_eq!(r.status(), 413);

    // A path with another method is 405 with `Allow`, as JSON under /api.
    let r = c
        .delete(app.url("/api/v1/me"))
        .header("x-csrf-token", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let allow = r.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET"), "{allow}");
    let v: Value = r.json().await.unwrap();
    assert_eq!(code(&v), "route.method_not_allowed");
    let r = crate::harness::client()
        .post(app.url("/.well-known/daftar/trust-list"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);

    // Under /.well-known, errors are JSON for a client that asks for JSON (or anything but
    // HTML); a browser still gets a page.
    let anon = crate::harness::client();
    for path in [
        "/.well-known/daftar/nothing",
        "/.well-known/daftar/status-list?since=abc",
    ] {
        let r = anon
            .get(app.url(path))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
        let v: Value = r.json().await.unwrap();
        assert!(v["error"]["code"].is_string(), "{v}");
    }
    let r = anon
        .get(app.url("/.well-known/daftar/nothing"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}
crate::both!(
    limits_methods_and_well_known_errors_t,
    limits_methods_and_well_known_errors
);
