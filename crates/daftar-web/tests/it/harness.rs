//! Test harness for the web layer: serves the real router on a random loopback port over a
//! fresh store (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set), with fixtures for
//! offices, users and persons, and a cookie-keeping HTTP client that can log in.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use daftar_domain::audit::AuditCtx;
use daftar_domain::ids::OfficeId;
use daftar_domain::office::{CreateOffice, Office, OfficeCode};
use daftar_domain::permission::{Permission, RoleCode, system_scope};
use daftar_domain::person::{Person, PersonDraft, Sex};
use daftar_domain::store::Store;
use daftar_domain::user::{NewUser, User, Username};
use daftar_testkit::Register;
use daftar_web::WebConfig;
use std::sync::Arc;

/// Password every fixture user gets.
pub const PASSWORD: &str = "correct horse battery";

/// A running app.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The store behind it.
    pub store: Arc<dyn Store>,
    /// Message lookups the server could not resolve (every page it rendered so far).
    pub misses: Arc<daftar_web::i18n::Misses>,
    _db: daftar_testkit::TestDb,
}

/// `config` with the font scripts/setup.sh puts in the checkout (the binary has no default
/// directory).
fn with_fonts(mut config: WebConfig) -> WebConfig {
    if config.font_dir.is_none() {
        config.font_dir =
            Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static/fonts"));
    }
    config
}

/// The offices' today as the app under test sees it (the default configuration's offset: the
/// date in Iran), the one date tests compare the app's and the store's days with.
pub fn office_today() -> time::Date {
    daftar_domain::clock::Clock::system_minutes(WebConfig::default().utc_offset_minutes).today()
}

/// Serves the router over `store` on a random loopback port; returns its base URL.
async fn serve(store: Arc<dyn Store>, config: WebConfig) -> String {
    let app = daftar_web::router(store, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

/// Signs in through the login form at `url` (any node's), its CSRF token read from the same
/// page.
pub async fn login_at(
    client: &reqwest::Client,
    url: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let page = client.get(url).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_in(&page).expect("the login form has a CSRF token");
    client
        .post(url)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// Which backend a test runs on (the test kit's).
pub use daftar_testkit::Backend;

impl daftar_testkit::StartOn for TestApp {
    async fn start_on(backend: Backend) -> Option<Self> {
        Self::start(backend).await
    }
}

impl TestApp {
    /// A person's access log as their office sees it (the newest 100 entries).
    pub fn access_log(
        &self,
        office: daftar_domain::ids::OfficeId,
        person: daftar_domain::ids::PersonId,
    ) -> Vec<daftar_domain::audit::AccessEntry> {
        self.store
            .person_access_log(
                &AuditCtx::system("test"),
                &system_scope(office, Permission::PersonRead),
                person,
                daftar_domain::page::PageRequest {
                    page: 1,
                    per_page: 100,
                },
            )
            .unwrap()
            .items
    }

    /// The audit records of exactly `action` (the newest 200).
    pub fn audited(&self, action: &str) -> Vec<daftar_domain::audit::AuditRecord> {
        self.store
            .audit_page(
                &daftar_domain::store::AuditFilter {
                    action_prefix: Some(action.into()),
                    ..Default::default()
                },
                daftar_domain::page::PageRequest {
                    page: 1,
                    per_page: 200,
                },
            )
            .unwrap()
            .items
            .into_iter()
            .filter(|r| r.action == action)
            .collect()
    }

    /// Starts the app on `backend`; `None` when PostgreSQL is not configured (the test kit
    /// fails instead when `CI=true`).
    pub async fn start(backend: Backend) -> Option<Self> {
        Self::start_with(backend, WebConfig::default()).await
    }

    /// Starts with a given web configuration.
    pub async fn start_with(backend: Backend, mut config: WebConfig) -> Option<Self> {
        let misses = config.i18n_misses.get_or_insert_with(Arc::default).clone();
        let config = with_fonts(config);
        // The store on the system clock with the app's offices' offset, as `daftar serve`
        // gives it (a manual clock of the app stays the app's own).
        let offset = config.clock.as_ref().map_or_else(
            || daftar_domain::clock::offset_of_minutes(config.utc_offset_minutes),
            daftar_domain::clock::Clock::offset,
        );
        let db = daftar_testkit::TestDb::on(backend)?
            .with_clock(daftar_domain::clock::Clock::system(offset));
        let store = db.store();
        let base = serve(store.clone(), config).await;
        Some(Self {
            base,
            store,
            misses,
            _db: db,
        })
    }

    /// A second web node on this app's database: its own store (pool, caches) and router
    /// with `config` (give both nodes one `key_secret`, as a deployment does). Returns its
    /// base URL and store.
    pub async fn second_node(&self, config: WebConfig) -> (String, Arc<dyn Store>) {
        let store = self._db.second_store();
        (serve(store.clone(), with_fonts(config)).await, store)
    }

    /// The store as its concrete type, for raw SQL a test needs (a fault to inject).
    pub fn sql(&self) -> &daftar_store::SqlStore {
        self._db.sql()
    }

    /// An absolute URL for `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// An office with `code`.
    pub fn office(&self, code: &str) -> Office {
        let new = CreateOffice::parse(
            OfficeCode::parse(code).unwrap(),
            &format!("دفتر {code}"),
            &format!("Office {code}"),
            "تهران",
            "مرکزی",
        )
        .unwrap();
        self.store
            .create_office(&AuditCtx::system("test"), &new)
            .unwrap()
    }

    /// A user with `role` in `office`, password [`PASSWORD`].
    pub fn user(&self, username: &str, role: &str, office: Option<OfficeId>) -> User {
        let new = NewUser {
            username: Username::parse(username).unwrap(),
            display_name: format!("کاربر {username}"),
            office_id: office,
            role: RoleCode::parse(role).unwrap(),
            password_hash: password_hash(),
            locale: None,
        };
        self.store
            .create_user(&AuditCtx::system("test"), &new)
            .unwrap()
    }

    /// A person registered at `office`.
    pub fn person(&self, office: OfficeId, given: &str) -> Person {
        let new = PersonDraft {
            given_name: given.into(),
            family_name: "احمدی".into(),
            father_name: "محمد".into(),
            birth_date: Some("1990-03-21".into()),
            sex: Sex::Female,
            nationality: "AFG".into(),
            ..PersonDraft::default()
        };
        self.store
            .register(
                &AuditCtx::system("test"),
                &system_scope(office, Permission::PersonWrite),
                &new,
            )
            .unwrap()
    }

    /// [`TestApp::household_with_cards`] whose head has a portal account with [`PASSWORD`];
    /// returns the head and the account.
    pub fn portal_holder(&self, office: OfficeId) -> (Person, User) {
        let (head, _) = self.household_with_cards(office);
        let hash = daftar_domain::secret::password::hash(PASSWORD).unwrap();
        let user = self
            .store
            .grant_portal(
                &AuditCtx::system("test"),
                &system_scope(office, Permission::PersonWrite),
                head.id,
                &hash,
            )
            .unwrap();
        (head, user)
    }

    /// A household of three at `office` (head, spouse, child), each holding a registration
    /// card, as a card renewal requires; returns the head and the others.
    pub fn household_with_cards(&self, office: OfficeId) -> (Person, Vec<Person>) {
        let ctx = AuditCtx::system("test");
        let scope = system_scope(office, Permission::PersonWrite);
        let head = self.person(office, "زهرا");
        let others = vec![self.person(office, "کریم"), self.person(office, "سارا")];
        for (i, p) in std::iter::once(&head).chain(&others).enumerate() {
            self.store
                .add_document(
                    &ctx,
                    &scope,
                    p.id,
                    &daftar_testkit::document(
                        "registration_card",
                        &format!("RC{i}{office}")
                            .chars()
                            .filter(char::is_ascii_alphanumeric)
                            .take(30)
                            .collect::<String>(),
                        "تهران",
                    ),
                    None,
                )
                .unwrap();
        }
        let h = self.store.create_household(&ctx, &scope, head.id).unwrap();
        for (p, rel) in [(&others[0], "spouse"), (&others[1], "child")] {
            self.store
                .add_household_member(
                    &ctx,
                    &scope,
                    h.household.id,
                    &daftar_domain::household::AddMember::parse(Some(p.id), "", rel, false)
                        .unwrap(),
                    None,
                )
                .unwrap();
        }
        (head, others)
    }

    /// Logs `client` in; returns the response to the login POST.
    pub async fn login(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        login_at(client, &self.url("/login"), username, password).await
    }

    /// A new client signed in as `username` (password [`PASSWORD`]); panics if the login fails.
    pub async fn signed_in(&self, username: &str) -> reqwest::Client {
        let c = client();
        let r = self.login(&c, username, PASSWORD).await;
        assert_eq!(r.status(), 303, "login of {username} failed");
        c
    }

    /// A new client signed in as `username`, whose TOTP secret is set here and whose code is
    /// entered at the second-factor step (for roles that require TOTP).
    pub async fn signed_in_with_totp(&self, username: &str) -> reqwest::Client {
        let secret = daftar_web::auth::totp::new_secret();
        let user = self
            .store
            .user_auth_by_username(&Username::parse(username).unwrap())
            .unwrap()
            .unwrap()
            .user;
        self.store
            .set_totp(&AuditCtx::system("test"), user.id, Some(&secret))
            .unwrap();
        let c = client();
        let r = self.login(&c, username, PASSWORD).await;
        assert!(
            location(&r).starts_with("/login/totp"),
            "{username} was not asked for a code"
        );
        let token = self.csrf(&c, "/login/totp").await;
        let code = daftar_web::auth::totp::current(&secret).unwrap();
        let r = c
            .post(self.url("/login/totp"))
            .form(&[("_csrf", token.as_str()), ("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "second factor of {username} failed");
        c
    }

    /// Posts a URL-encoded form to `path` with `client`.
    pub async fn post_form(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Loads `path` and returns the CSRF token of its first form.
    pub async fn csrf(&self, client: &reqwest::Client, path: &str) -> String {
        let html = client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        csrf_in(&html).unwrap_or_else(|| panic!("no _csrf field on {path}: {html}"))
    }
}

/// The body of a GET as text.
pub async fn get_text(app: &TestApp, c: &reqwest::Client, path: &str) -> String {
    c.get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Status and JSON body of a response (a non-JSON body as a JSON string).
pub async fn json_of(r: reqwest::Response) -> (u16, serde_json::Value) {
    let s = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        s,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// The error code of an API error body.
pub fn code(v: &serde_json::Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// A client that keeps cookies and does not follow redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the first hidden `_csrf` input in `html`.
pub fn csrf_in(html: &str) -> Option<String> {
    let i = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    let rest = &html[i..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// The `Location` header of a response.
pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// An argon2id hash of [`PASSWORD`], computed once (hashing is slow on purpose).
pub fn password_hash() -> String {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| daftar_domain::secret::password::hash(PASSWORD).unwrap())
        .clone()
}

/// A 1×1 PNG: the smallest image evidence upload accepts.
pub const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
/// A minimal PDF: the smallest document evidence upload accepts.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// A signed-in client with the CSRF token the API wants for cookie sessions.
pub async fn api_client(app: &TestApp, user: &str) -> (reqwest::Client, String) {
    api_as(app, user, false).await
}

/// A client signed in as `user` (with the second factor when `totp`: roles that require it)
/// and the CSRF token its API writes send.
pub async fn api_as(app: &TestApp, user: &str, totp: bool) -> (reqwest::Client, String) {
    let c = if totp {
        app.signed_in_with_totp(user).await
    } else {
        app.signed_in(user).await
    };
    let t = app.csrf(&c, "/profile").await;
    (c, t)
}

/// Sends `body` as JSON to `path` with the API's CSRF header and, when given, `If-Match`:
/// status, JSON body and `ETag`.
pub async fn send_json(
    app: &TestApp,
    (c, t): &(reqwest::Client, String),
    method: reqwest::Method,
    path: &str,
    body: serde_json::Value,
    if_match: Option<&str>,
) -> (u16, serde_json::Value, String) {
    let mut rq = c
        .request(method, app.url(path))
        .header("x-csrf-token", t)
        .json(&body);
    if let Some(m) = if_match {
        rq = rq.header("if-match", m);
    }
    let r = rq.send().await.unwrap();
    let etag = r
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let (s, v) = json_of(r).await;
    (s, v, etag)
}

/// Uploads evidence of `kind` to the case at `path` (`…/documents`) as a multipart form:
/// status and JSON body.
pub async fn upload(
    app: &TestApp,
    c: &reqwest::Client,
    t: &str,
    path: &str,
    kind: &str,
    bytes: &[u8],
    mime: &str,
) -> (u16, serde_json::Value) {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec())
        .file_name("scan")
        .mime_str(mime)
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("kind", kind.to_owned())
        .part("file", part);
    json_of(
        c.post(app.url(path))
            .header("x-csrf-token", t)
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// A PNG of the QR code of `text` at error correction Q (black modules, four-module quiet zone,
/// 6 px a module), as a phone photo of a card would show it.
pub fn qr_png(text: &str) -> Vec<u8> {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::Q).unwrap();
    let w = u32::try_from(code.width()).unwrap();
    let colors = code.to_colors();
    let (scale, quiet) = (6u32, 4u32);
    let side = (w + 2 * quiet) * scale;
    let img = image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / scale, y / scale);
        let dark = (quiet..quiet + w).contains(&mx)
            && (quiet..quiet + w).contains(&my)
            && colors[usize::try_from((my - quiet) * w + mx - quiet).unwrap()]
                == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Runs an async test body on SQLite and on PostgreSQL: `both!(name, body)` where `body` is an
/// `async fn(TestApp)` (the test kit's `both_backends!` over a [`TestApp`]).
#[macro_export]
macro_rules! both {
    ($name:ident, $body:path) => {
        daftar_testkit::both_backends!(async $name, $body, $crate::harness::TestApp);
    };
}
