//! User input never causes a 500 or a panic: junk paths, query strings, form and JSON bodies
//! are thrown at every kind of route, signed in and not, and every answer must be below 500
//! and, under `/api`, a JSON error with a code.

use crate::harness::{TestApp, client, csrf_in};
use rand::{Rng, SeedableRng};

const JUNK: &[&str] = &[
    "",
    "%",
    "%ZZ",
    "..%2F..%2Fetc%2Fpasswd",
    "'; DROP TABLE users; --",
    "<script>alert(1)</script>",
    "\u{202e}",
    "۱۴۰۳/۱۳/۴۰",
    "null",
    "{}",
    "[]",
    "9999999999999999999999",
    "-1",
    "a=b&c",
    "ي ك ة",
    "\u{0}",
];

fn random_text(rng: &mut rand::rngs::StdRng) -> String {
    let n = rng.random_range(0..40);
    (0..n)
        .map(|_| char::from_u32(rng.random_range(0x20..0x7ff)).unwrap_or('?'))
        .collect()
}

async fn junk_never_breaks_the_server(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.one", "clerk", Some(office.id));
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
    let anon = client();
    let o = office.id.to_string();
    let routes = [
        "/",
        "/login",
        "/login/totp",
        "/reauth",
        "/profile/totp",
        "/offices",
        &format!("/offices/{o}"),
        &format!("/offices/{o}/persons"),
        &format!("/offices/{o}/persons/JUNK"),
        "/locale/JUNK",
        "/api/v1/me",
        "/api/v1/offices",
        &format!("/api/v1/offices/{o}/persons"),
        "/api/v1/tokens",
        "/api/v1/tokens/JUNK",
        "/healthz",
        "/logout",
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for route in routes {
        let mut junk: Vec<String> = JUNK.iter().map(|s| s.to_string()).collect();
        junk.extend((0..4).map(|_| random_text(&mut rng)));
        for j in &junk {
            let path = route.replace("JUNK", &urlencode(j));
            let query = format!("{path}?page={0}&per_page={0}&next={0}", urlencode(j));
            for client in [&c, &anon] {
                let responses = [
                    client.get(app.url(&query)).send().await.unwrap(),
                    client
                        .post(app.url(&path))
                        .header("x-csrf-token", &token)
                        .form(&[
                            ("_csrf", token.as_str()),
                            ("given_name", j),
                            ("birth_date", j),
                            ("username", j),
                            ("password", j),
                            ("code", j),
                        ])
                        .send()
                        .await
                        .unwrap(),
                    client
                        .post(app.url(&path))
                        .header("x-csrf-token", &token)
                        .header("content-type", "application/json")
                        .body(j.clone())
                        .send()
                        .await
                        .unwrap(),
                    client
                        .delete(app.url(&path))
                        .header("x-csrf-token", &token)
                        .send()
                        .await
                        .unwrap(),
                ];
                for r in responses {
                    let status = r.status();
                    let is_api = r.url().path().starts_with("/api/");
                    let body = r.text().await.unwrap();
                    assert!(
                        status.as_u16() < 500,
                        "{status} for {route} with {j:?}: {body}"
                    );
                    if is_api && !status.is_success() {
                        let v: serde_json::Value = serde_json::from_str(&body)
                            .unwrap_or_else(|_| panic!("non-JSON API error for {route}: {body}"));
                        assert!(v["error"]["code"].is_string());
                    }
                }
            }
        }
    }
}
crate::both!(junk_never_breaks_the_server_t, junk_never_breaks_the_server);

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)])
        .unwrap()
        .trim_start_matches("x=")
        .to_owned()
}
