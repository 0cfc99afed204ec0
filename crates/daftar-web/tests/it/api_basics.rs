//! The API's contract: JSON errors with stable codes and translated messages, pagination,
//! validation, `/healthz`, `/metrics`, and the OpenAPI document (snapshot).

use crate::harness::{TestApp, csrf_in};

async fn errors_are_json_under_api_and_pages_elsewhere(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.one", "clerk", Some(office.id));
    let anon = reqwest::Client::new();
    let r = anon.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "auth.required");
    assert_eq!(body["error"]["message"], "لطفاً وارد شوید.");
    // `details` is an object on every error, as the OpenAPI schema says (issue 15, item 20).
    assert!(body["error"]["details"].is_object(), "{body}");
    let r = anon
        .get(app.url("/api/v1/nothing"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "route.not_found");
    assert_eq!(body["error"]["message"], "This page does not exist.");
    let r = anon.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(html.contains("این صفحه وجود ندارد") && html.contains("dir=\"rtl\""));

    let c = app.signed_in("clerk.one").await;
    let token = csrf_in(
        &c.get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let post = |body: &str| {
        c.post(app.url(&format!("/api/v1/offices/{}/persons", office.id)))
            .header("x-csrf-token", &token)
            .header("content-type", "application/json")
            .body(body.to_owned())
    };
    let r = post("{not json").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "request.body.invalid"
    );
    let bad_date = r#"{"given_name":"علی","father_name":"رضا","birth_date":"2024-02-30","sex":"male","nationality":"AFG"}"#;
    let r = post(bad_date).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "person.birth_date.invalid");
    assert_eq!(body["error"]["details"]["field"], "birth_date");
    let ok = r#"{"given_name":"علی","father_name":"رضا","birth_date":"2001-08-03","sex":"male","nationality":"AFG"}"#;
    let r = post(ok).send().await.unwrap();
    assert_eq!(r.status(), 201);
    // Bad ids and pagination.
    let r = c
        .get(app.url("/api/v1/offices/not-an-id/persons"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = c
        .get(app.url(&format!("/api/v1/offices/{}/persons?page=abc", office.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Paging out of its bounds is refused with a stable code (the document states the bounds).
    for (query, code) in [
        ("page=1&per_page=1000", "page.per_page.invalid"),
        ("page=1&per_page=0", "page.per_page.invalid"),
        ("page=0", "page.page.invalid"),
        ("page=1000001", "page.page.invalid"),
    ] {
        let r = c
            .get(app.url(&format!("/api/v1/offices/{}/persons?{query}", office.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{query}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], code, "{query}");
    }
    let page: serde_json::Value = c
        .get(app.url(&format!(
            "/api/v1/offices/{}/persons?page=1&per_page=200",
            office.id
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["per_page"], 200);
    assert_eq!(page["total"], 1);
}
crate::both!(
    errors_are_json_under_api_and_pages_elsewhere_t,
    errors_are_json_under_api_and_pages_elsewhere
);

async fn health_and_metrics(_: TestApp) {
    // Defect 15.14: `/metrics` is off unless configured; with a token it needs the token.
    for backend in [
        crate::harness::Backend::Sqlite,
        crate::harness::Backend::Postgres,
    ] {
        let Some(off) = TestApp::start(backend).await else {
            continue;
        };
        let r = reqwest::get(off.url("/metrics")).await.unwrap();
        assert_eq!(r.status(), 404, "off by default");
    }
    let config = daftar_web::WebConfig {
        metrics: daftar_web::MetricsAccess::Token("metrics-token-0123456789".into()),
        ..Default::default()
    };
    let app = TestApp::start_with(crate::harness::Backend::Sqlite, config)
        .await
        .unwrap();
    let c = reqwest::Client::new();
    for auth in [None, Some("Bearer wrong"), Some("metrics-token-0123456789")] {
        let mut req = c.get(app.url("/metrics"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401, "{auth:?}");
        assert!(!r.text().await.unwrap().contains("daftar_http"));
    }
    let r = c.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let h: serde_json::Value = r.json().await.unwrap();
    assert_eq!(h["status"], "ok");
    let _ = c.get(app.url("/login")).send().await.unwrap();
    let m = c
        .get(app.url("/metrics"))
        .header("authorization", "Bearer metrics-token-0123456789")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("daftar_http_requests_total"), "{m}");
    assert!(
        m.contains("daftar_http_request_duration_seconds_bucket"),
        "{m}"
    );
    assert!(m.contains("daftar_db_pool_connections"), "{m}");
    // SQLite: one process, nothing kept (ADR 0005).
    assert!(m.contains("daftar_sign_ins_listening 0"), "{m}");
    assert!(m.contains("daftar_sign_ins_kept 0"), "{m}");
}
crate::both!(health_and_metrics_t, health_and_metrics);

/// `/healthz` answers JSON whatever the caller sends: a probe with a stale cookie or a bad token
/// gets the health, not a login redirect or an HTML page.
async fn health_is_json_whatever_the_caller_sends(app: TestApp) {
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (name, value) in [
        ("authorization", "Bearer not-a-token"),
        ("cookie", "daftar_session=stale-session-secret"),
    ] {
        let r = c
            .get(app.url("/healthz"))
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{name}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{name}"
        );
        let h: serde_json::Value = r.json().await.unwrap();
        assert_eq!(h["status"], "ok");
    }
}
crate::both!(
    health_is_json_whatever_the_caller_sends_t,
    health_is_json_whatever_the_caller_sends
);

#[test]
fn openapi_document_is_3_1_and_matches_the_snapshot() {
    let doc = serde_json::to_value(daftar_web::features::api::openapi::document()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    insta::assert_json_snapshot!("openapi", doc);
}

async fn openapi_is_served(app: TestApp) {
    let doc: serde_json::Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/offices/{office_id}/persons"]["get"].is_object());
}
crate::both!(openapi_is_served_t, openapi_is_served);
