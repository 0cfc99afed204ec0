//! Two web nodes on one database (issue 17.3): two real servers, each with its own store (pool
//! and caches) and router, on one SQLite file or one PostgreSQL database, sharing one key secret
//! as a deployment does. What one process used to keep to itself must hold across them:
//! sign-in locks, the share-code check's limit per address, idempotent answers, keys
//! rotated on one node used by the other at once, and a sign-out or a disabled account on one
//! node refused by the other although each node keeps the callers' lookups (ADR 0005).

use crate::harness::{PASSWORD, TestApp, client, code, csrf_in, json_of, location, login_at};
use daftar_domain::audit::AuditCtx;
use daftar_domain::credential::KeyRole;
use daftar_domain::ids::ApiTokenId;
use daftar_domain::session::{ApiToken, secret_hash};
use daftar_web::WebConfig;
use serde_json::json;

/// The key secret both nodes are configured with.
const SECRET: &str = "two nodes share one key secret";

/// The first node, started with the shared key secret.
struct TwoNodes {
    a: TestApp,
    b: String,
    b_store: std::sync::Arc<dyn daftar_domain::store::Store>,
}

fn config() -> WebConfig {
    WebConfig {
        key_secret: SECRET.into(),
        ..WebConfig::default()
    }
}

impl daftar_testkit::StartOn for TwoNodes {
    async fn start_on(backend: daftar_testkit::Backend) -> Option<Self> {
        let a = TestApp::start_with(backend, config()).await?;
        let (b, b_store) = a.second_node(config()).await;
        Some(Self { a, b, b_store })
    }
}

impl TwoNodes {
    /// A URL on node A (`even`) or node B.
    fn url(&self, even: bool, path: &str) -> String {
        if even {
            self.a.url(path)
        } else {
            format!("{}{path}", self.b)
        }
    }
}

/// Signs in through the login form at `url`; the answer's status.
async fn sign_in(c: &reqwest::Client, url: &str, username: &str, password: &str) -> u16 {
    login_at(c, url, username, password).await.status().as_u16()
}

async fn a_sign_in_lock_holds_on_both_nodes(n: TwoNodes) {
    let office = n.a.office("THR-01");
    n.a.user("clerk.one", "clerk", Some(office.id));
    let c = client();
    let login = |even: bool, password: &'static str| {
        let (c, url) = (c.clone(), n.url(even, "/login"));
        async move { sign_in(&c, &url, "clerk.one", password).await }
    };
    // Four wrong passwords, alternating nodes; the fifth (on either) locks.
    for i in 0..4 {
        assert_eq!(
            login(i % 2 == 0, "wrong password!").await,
            401,
            "attempt {i}"
        );
    }
    assert_eq!(
        login(false, "wrong password!").await,
        423,
        "the fifth failure locks"
    );
    assert_eq!(
        login(true, PASSWORD).await,
        423,
        "node A refuses the right password too"
    );
    assert_eq!(login(false, PASSWORD).await, 423, "and so does node B");
}
daftar_testkit::both_backends!(async sign_in_lock_on_two_nodes, a_sign_in_lock_holds_on_both_nodes, TwoNodes);

/// `count` wrong passwords for `name` sent at once, alternating between the nodes: the
/// statuses answered (each 401 or 423).
async fn wrong_passwords_at_once(n: &TwoNodes, name: &'static str, count: usize) -> Vec<u16> {
    let tries: Vec<_> = (0..count)
        .map(|i| {
            let url = n.url(i % 2 == 0, "/login");
            tokio::spawn(async move { sign_in(&client(), &url, name, "wrong password!").await })
        })
        .collect();
    let mut statuses = vec![];
    for t in tries {
        let status = t.await.unwrap();
        assert!(matches!(status, 401 | 423));
        statuses.push(status);
    }
    statuses
}

async fn failed_sign_ins_at_once_on_two_nodes_are_all_counted(n: TwoNodes) {
    let office = n.a.office("THR-01");
    n.a.user("clerk.two", "clerk", Some(office.id));
    // Ten wrong passwords at once, five on each node: every one is counted (no lost update).
    wrong_passwords_at_once(&n, "clerk.two", 10).await;
    let t = n.b_store.login_throttle("clerk.two").unwrap();
    assert_eq!(t.failures, 10, "every failure counted across the nodes");
    // Thirty at once for another name: all of them read the counters before any failure is
    // recorded, but only the ten that got a check slot (twice the lock threshold, counted in
    // the database for both nodes) have their password checked.
    n.a.user("clerk.three", "clerk", Some(office.id));
    let statuses = wrong_passwords_at_once(&n, "clerk.three", 30).await;
    let locked = statuses.iter().filter(|s| **s == 423).count();
    let t = n.b_store.login_throttle("clerk.three").unwrap();
    assert!(
        (5..=10).contains(&t.failures),
        "at most ten checks of thirty sent at once: {} failures",
        t.failures
    );
    assert!(locked >= 20, "{locked} refused as locked");
}
daftar_testkit::both_backends!(async failures_at_once_on_two_nodes, failed_sign_ins_at_once_on_two_nodes_are_all_counted, TwoNodes);

async fn the_share_check_limit_holds_across_nodes(n: TwoNodes) {
    let check = |even: bool| {
        let url = n.url(even, "/api/v1/share/check");
        async move {
            json_of(
                client()
                    .post(url)
                    .json(&json!({"code": "ABCDE-FGHJK", "birth_date": "1370", "verifier": "employer", "verifier_name": "شرکت"}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    // Ten failed checks from one address, spread over both nodes, use up its limit there.
    for i in 0..10 {
        let (st, v) = check(i % 2 == 0).await;
        assert_eq!(
            (st, code(&v)),
            (404, "share.check.failed"),
            "check {i}: {v}"
        );
    }
    for even in [true, false] {
        let (st, v) = check(even).await;
        assert_eq!((st, code(&v)), (429, "share.too_many"), "{v}");
    }
}
daftar_testkit::both_backends!(async share_limit_on_two_nodes, the_share_check_limit_holds_across_nodes, TwoNodes);

async fn a_write_retried_on_the_other_node_is_replayed(n: TwoNodes) {
    let office = n.a.office("THR-01");
    let user = n.a.user("clerk.a", "clerk", Some(office.id));
    let secret = format!("test-token-{}", ulid::Ulid::new());
    let token = ApiToken {
        id: ApiTokenId::new(),
        user_id: user.id,
        name: "sync".into(),
        purpose: "two-node tests".into(),
        scopes: vec!["person.read".into(), "person.write".into()],
        token_hash: secret_hash(&secret),
        created_at: daftar_domain::clock::Clock::default().now(),
        expires_at: None,
        revoked_at: None,
    };
    n.a.store
        .create_api_token(&AuditCtx::system("test"), &token)
        .unwrap();
    let path = format!("/api/v1/offices/{}/persons", office.id);
    let body =
        json!({"given_name": "زینب", "father_name": "حسین", "sex": "female", "nationality": "AFG"});
    let post = |even: bool| {
        let (url, secret, body) = (n.url(even, &path), secret.clone(), body.clone());
        async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(secret)
                .header("idempotency-key", "register-zeinab-1")
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = post(true).await;
    assert_eq!(first.status(), 201);
    let (_, made) = json_of(first).await;
    // The client did not get the answer and retries through the load balancer: node B.
    let again = post(false).await;
    assert_eq!(again.status(), 201);
    assert!(
        again.headers().contains_key("idempotent-replayed"),
        "a replay"
    );
    let (_, replayed) = json_of(again).await;
    assert_eq!(
        made["registry_no"], replayed["registry_no"],
        "the same registration"
    );
    assert_eq!(
        n.b_store.count_persons_by_office().unwrap()[0].1,
        1,
        "registered once"
    );
}
daftar_testkit::both_backends!(async replay_on_two_nodes, a_write_retried_on_the_other_node_is_replayed, TwoNodes);

async fn a_key_rotated_on_one_node_is_used_by_the_other_at_once(n: TwoNodes) {
    let trust = |even: bool| {
        let url = n.url(even, "/.well-known/daftar/trust-list");
        async move {
            let r = client().get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.bytes().await.unwrap().to_vec()
        }
    };
    // Both nodes serve the list (node B reads the keys node A made at start).
    let before = trust(false).await;
    // An operator rotates the issuer key through node A's store (`daftar keys rotate`).
    let ring = daftar_store::keyring::KeyRing::new(SECRET).unwrap();
    let new = ring
        .generate(
            n.a.store.as_ref(),
            &AuditCtx::system("rotate"),
            KeyRole::Issuer,
        )
        .unwrap();
    // Node B's next answer carries the new key: its cached keys follow the list version.
    let kid = hex::decode(&new.kid).unwrap();
    let holds = |list: &[u8]| list.windows(kid.len()).any(|w| w == kid.as_slice());
    assert!(!holds(&before), "a new key");
    assert!(
        holds(&trust(false).await),
        "the new key is in node B's list"
    );
    assert!(holds(&trust(true).await), "and in node A's");
}
daftar_testkit::both_backends!(async keys_on_two_nodes, a_key_rotated_on_one_node_is_used_by_the_other_at_once, TwoNodes);

/// The authority's side (issue 18) on two nodes: the year's plan created at once on both nodes
/// is one plan (the other 409 `plan.taken`); an edit with the version read on one node is
/// refused on the other once that version is gone (412); an accreditation withdrawn at once on
/// both nodes is withdrawn once (the other 404), and the other node's step check and case page
/// follow at once; an address published on one node is in the other's directory.
async fn the_authority_side_holds_across_nodes(n: TwoNodes) {
    use crate::harness::{api_as, send_json};
    let a = n.a.office("THR-01");
    n.a.user("manager.a", "office_manager", Some(a.id));
    let clerk = n.a.user("clerk.a", "clerk", Some(a.id));
    n.a.user("officer", "authority_officer", None);
    let year =
        daftar_domain::jalali::JalaliDate::from_iso(daftar_domain::clock::Clock::default().today())
            .year();
    let (mc, mt) = api_as(&n.a, "manager.a", false).await;
    // The session is the database's: the same cookie and token work on node B.
    let send = |even: bool,
                method: reqwest::Method,
                path: &str,
                body: serde_json::Value,
                m: Option<&str>| {
        let mut rq = mc
            .request(method, n.url(even, path))
            .header("x-csrf-token", &mt)
            .json(&body);
        if let Some(m) = m {
            rq = rq.header("if-match", m);
        }
        async move { json_of(rq.send().await.unwrap()).await }
    };
    let plans = format!("/api/v1/offices/{}/plans", a.id);
    let body = json!({"kind": "one_year", "start_year": year, "staffing": 4, "hours": "۸ تا ۱۶",
        "outreach": "", "targets": [{"year": 1, "metric": "cases", "value": 100}]});
    let (one, two) = tokio::join!(
        send(true, reqwest::Method::POST, &plans, body.clone(), None),
        send(false, reqwest::Method::POST, &plans, body, None)
    );
    let mut statuses = [one.0, two.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{one:?} {two:?}");
    let (made, refused) = if one.0 == 201 {
        (one.1, two.1)
    } else {
        (two.1, one.1)
    };
    assert_eq!(code(&refused), "plan.taken", "{refused}");
    let path = format!("{plans}/{}", made["plan"]["id"].as_str().unwrap());
    let edit = json!({"staffing": 5, "hours": "۸ تا ۱۶", "targets": [{"year": 1, "metric": "cases", "value": 90}]});
    let (s, v) = send(
        true,
        reqwest::Method::PUT,
        &path,
        edit.clone(),
        Some("\"1\""),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = send(false, reqwest::Method::PUT, &path, edit, Some("\"1\"")).await;
    assert_eq!((s, code(&v)), (412, "plan.version.stale"), "{v}");

    // Accreditation: a current pass recorded on node A, withdrawn at once on both nodes.
    let o = api_as(&n.a, "officer", true).await;
    let today = daftar_domain::clock::Clock::default().today();
    let (s, rec, _) = send_json(
        &n.a,
        &o,
        reqwest::Method::POST,
        &format!("/api/v1/offices/{}/accreditations", a.id),
        json!({"user_id": clerk.id.to_string(), "kind": "exam", "course": "RS-1",
            "taken_on": daftar_domain::jalali::iso_day(today), "passed": true}),
        None,
    )
    .await;
    assert_eq!(s, 201, "{rec}");
    let c = api_as(&n.a, "clerk.a", false).await;
    let case_page = crate::accreditation::certificate_case(&n.a, &c, a.id).await;
    let withdraw = format!(
        "/api/v1/offices/{}/accreditations/{}/withdraw",
        a.id,
        rec["id"].as_str().unwrap()
    );
    let at = |even: bool| {
        let rq =
            o.0.post(n.url(even, &withdraw))
                .header("x-csrf-token", &o.1)
                .json(&json!({"reason": "entered twice"}));
        async move { json_of(rq.send().await.unwrap()).await }
    };
    let (one, two) = tokio::join!(at(true), at(false));
    let mut statuses = [one.0, two.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 404], "{one:?} {two:?}");
    assert_eq!(n.a.audited("accreditation.withdraw").len(), 1);
    // Node B's case page offers the clerk no decision any more.
    let html =
        c.0.get(n.url(false, &case_page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(
        html.contains("id=\"accreditation-missing\"") && !html.contains("id=\"decide\""),
        "{html}"
    );

    // An address published on node A is in node B's public directory.
    let (s, v) = send(
        true,
        reqwest::Method::POST,
        &format!("/api/v1/offices/{}/address", a.id),
        json!({"address": "خیابان آزادی، پلاک ۴"}),
        None,
    )
    .await;
    assert!(s < 300, "{s} {v}");
    let dir = client()
        .get(n.url(false, "/directory"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(dir.contains("خیابان آزادی، پلاک ۴"), "{dir}");
}
daftar_testkit::both_backends!(async authority_side_on_two_nodes, the_authority_side_holds_across_nodes, TwoNodes);

/// Signs `username` in at node `even` and returns the session cookie (`name=value`), to be
/// sent by hand: a client's cookie jar would drop it at sign-out, and the point is to replay it.
async fn session_cookie(n: &TwoNodes, even: bool, username: &str) -> String {
    let r = login_at(&client(), &n.url(even, "/login"), username, PASSWORD).await;
    assert_eq!(r.status(), 303);
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("daftar_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

/// Node `even`'s answer to `GET /` with `cookie`: whether it served the signed-in page.
async fn served(n: &TwoNodes, even: bool, cookie: &str) -> bool {
    let r = client()
        .get(n.url(even, "/"))
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    match r.status().as_u16() {
        200 => true,
        303 => {
            assert!(location(&r).starts_with("/login"), "{}", location(&r));
            false
        }
        s => panic!("GET / answered {s}"),
    }
}

/// How long node `even` went on serving `cookie` (polled for up to five seconds).
async fn refused_after(n: &TwoNodes, even: bool, cookie: &str) -> std::time::Duration {
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(5) {
        if !served(n, even, cookie).await {
            return start.elapsed();
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!(
        "node {} still serves the cookie after 5 s",
        if even { "A" } else { "B" }
    );
}

/// Both nodes serve `cookie`, in turn, until both keep its lookup (PostgreSQL, within five
/// seconds) or six times (SQLite, where neither may keep it).
async fn both_serve_and_keep(n: &TwoNodes, cookie: &str) {
    let secret = cookie.split_once('=').expect("name=value").1;
    let hash = daftar_domain::session::secret_hash(secret);
    let kept =
        || n.a.store.kept_session(&hash).is_some() && n.b_store.kept_session(&hash).is_some();
    let postgres = n.a.store.backend() == daftar_domain::store::Backend::Postgres;
    let start = std::time::Instant::now();
    for i in 0.. {
        assert!(served(n, i % 2 == 0, cookie).await, "request {i}");
        assert!(served(n, i % 2 == 1, cookie).await, "request {i}");
        if postgres {
            if kept() {
                return;
            }
            assert!(
                start.elapsed().as_secs() < 5,
                "the nodes never kept the lookup"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        } else {
            assert!(!kept(), "SQLite keeps nothing");
            if i == 2 {
                return;
            }
        }
    }
}

async fn a_sign_out_or_a_disabled_account_on_one_node_is_refused_by_the_other(n: TwoNodes) {
    let office = n.a.office("THR-01");
    let clerk = n.a.user("clerk.one", "clerk", Some(office.id));
    let cookie = session_cookie(&n, true, "clerk.one").await;
    // Both nodes serve the session; on PostgreSQL both come to keep it (once each hears its
    // heartbeat), so what follows proves a kept lookup forgotten.
    both_serve_and_keep(&n, &cookie).await;
    // Signed out on node B: B refuses the cookie on the next request, A when it hears of it.
    let page = client()
        .get(n.url(false, "/"))
        .header(reqwest::header::COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_in(&page).expect("a CSRF token on the home page");
    let r = client()
        .post(n.url(false, "/logout"))
        .header(reqwest::header::COOKIE, &cookie)
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(!served(&n, false, &cookie).await, "node B refuses at once");
    let took = refused_after(&n, true, &cookie).await;
    eprintln!("node A refused the signed-out cookie after {took:?}");

    // Disabled through node A's store: A refuses at once, B when it hears of it.
    let cookie = session_cookie(&n, false, "clerk.one").await;
    both_serve_and_keep(&n, &cookie).await;
    n.a.store
        .set_user_status(
            &daftar_domain::audit::AuditCtx::system("test"),
            clerk.id,
            daftar_domain::user::UserStatus::Disabled,
        )
        .unwrap();
    assert!(!served(&n, true, &cookie).await, "node A refuses at once");
    let took = refused_after(&n, false, &cookie).await;
    eprintln!("node B refused the disabled account's cookie after {took:?}");
}
daftar_testkit::both_backends!(async sign_out_on_two_nodes, a_sign_out_or_a_disabled_account_on_one_node_is_refused_by_the_other, TwoNodes);
