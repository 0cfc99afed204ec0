//! A real browser: headless Chromium (Debian's, driven through chromedriver) logs in as a
//! clerk, sees the Persian right-to-left home page, switches to Dari and to English, and saves
//! screenshots under `target/screenshots/`. Without Chromium the test skips locally and fails
//! with `CI=true`.

use crate::harness::{Backend, PASSWORD, TestApp, qr_png};
use fantoccini::{ClientBuilder, Locator};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The browser: `CHROMIUM_PATH`, else Debian's (scripts/setup.sh installs it).
fn chromium() -> String {
    std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// Its driver: `CHROMEDRIVER_PATH`, else Debian's.
fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER_PATH").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}

/// Kills chromedriver and every Chromium process it started when the test ends: they run in
/// a process group of their own, and the whole group is killed (killing chromedriver alone left
/// its browsers running, hundreds after a full test run).
pub(crate) struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Fails when the page is wider than the window (content pushed off the side, a typical RTL or
/// phone-width mistake).
pub(crate) async fn assert_fits_width(c: &fantoccini::Client, what: &str) {
    let widths = c
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, client) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    assert!(
        scroll <= client,
        "{what}: the page is {scroll}px wide in a {client}px window (horizontal overflow)"
    );
}

/// Narrows the window to a phone's 360 px, fails when the page is wider than that, saves a
/// screenshot as `shots/<name>.png`, and widens the window again.
pub(crate) async fn assert_fits_a_phone(c: &fantoccini::Client, shots: &Path, name: &str) {
    c.set_window_size(360, 800).await.unwrap();
    assert_fits_width(c, name).await;
    std::fs::write(
        shots.join(format!("{name}.png")),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    c.set_window_size(1280, 900).await.unwrap();
}

/// The load status of the page's Vazirmatn font faces once the document's fonts are settled.
async fn vazirmatn_status(c: &fantoccini::Client) -> Vec<String> {
    let statuses = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             document.fonts.ready.then(() => done([...document.fonts]
                 .filter(f => f.family.replace(/\"/g, '') === 'Vazirmatn')
                 .map(f => f.status)));",
            vec![],
        )
        .await
        .unwrap();
    statuses
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

pub(crate) async fn html_lang_dir(c: &fantoccini::Client) -> (String, String) {
    let html = c.find(Locator::Css("html")).await.unwrap();
    (
        html.attr("lang").await.unwrap().unwrap_or_default(),
        html.attr("dir").await.unwrap().unwrap_or_default(),
    )
}

/// Headless Chromium through chromedriver with a Persian browser language, or `None` (and a
/// message) when they are not installed outside CI.
pub(crate) async fn browser() -> Option<(Driver, fantoccini::Client, tempfile::TempDir)> {
    let (chromium, chromedriver) = (chromium(), chromedriver());
    if !Path::new(&chromium).exists() || !Path::new(&chromedriver).exists() {
        assert!(
            !daftar_testkit::in_ci(),
            "CI=true but Chromium/chromedriver are missing: run scripts/setup.sh"
        );
        daftar_testkit::skip(format!(
            "{chromium} or {chromedriver} not installed (scripts/setup.sh installs them)"
        ));
        return None;
    }
    // reqwest and fantoccini both link rustls; pick its crypto provider explicitly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = free_port();
    let driver = Driver(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "prefs": { "intl.accept_languages": "fa-IR,fa" },
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,900", "--lang=fa-IR", format!("--user-data-dir={}", profile.path().display())]
        }),
    );
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let c = client.expect("chromedriver did not start");
    Some((driver, c, profile))
}

/// Clicks the first element matching `css`.
pub(crate) async fn click(c: &fantoccini::Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits (up to 10 s) until the element matching `css` exists and its text contains `text`.
pub(crate) async fn wait_for_text(c: &fantoccini::Client, css: &str, text: &str) {
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && e.text().await.is_ok_and(|t| t.contains(text))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never showed {text:?}");
}

/// Signs `user` in through the login form.
pub(crate) async fn log_in(c: &fantoccini::Client, app: &TestApp, user: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    c.find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    click(c, "button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("#my-office"))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clerk_logs_in_and_switches_language() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let office = app.office("THR-01");
    app.user("clerk.thr", "clerk", Some(office.id));
    for name in ["مریم", "علی", "زهرا"] {
        app.person(office.id, name);
    }

    let shots = screenshots();

    c.goto(&app.url("/")).await.unwrap();
    assert!(
        c.current_url().await.unwrap().path().starts_with("/login"),
        "anonymous visitors are sent to the login"
    );
    c.find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys("clerk.thr")
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    click(&c, "button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("#my-office"))
        .await
        .unwrap();
    assert_eq!(html_lang_dir(&c).await, ("fa-IR".into(), "rtl".into()));
    assert!(c.source().await.unwrap().contains("دفتر شما"));
    // The Persian font is served when scripts/setup.sh has installed it; otherwise the page
    // falls back to system fonts.
    let font_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("static/fonts/Vazirmatn.woff2");
    let fonts = vazirmatn_status(&c).await;
    if font_file.exists() {
        assert!(
            !fonts.is_empty() && fonts.iter().all(|s| s == "loaded"),
            "{} exists but the page's Vazirmatn faces are {fonts:?}",
            font_file.display()
        );
    } else {
        eprintln!("Vazirmatn is not installed (scripts/setup.sh); pages use system fonts");
    }
    assert_fits_width(&c, "clerk home, fa-IR").await;
    std::fs::write(shots.join("clerk-fa-IR.png"), c.screenshot().await.unwrap()).unwrap();

    click(&c, "a[hreflang=\"fa-AF\"]").await;
    c.wait()
        .for_element(Locator::Css("html[lang=\"fa-AF\"]"))
        .await
        .unwrap();
    assert_eq!(html_lang_dir(&c).await, ("fa-AF".into(), "rtl".into()));
    assert_fits_width(&c, "clerk home, fa-AF").await;
    std::fs::write(shots.join("clerk-fa-AF.png"), c.screenshot().await.unwrap()).unwrap();

    click(&c, "a[hreflang=\"en\"]").await;
    c.wait()
        .for_element(Locator::Css("html[lang=\"en\"]"))
        .await
        .unwrap();
    assert_eq!(html_lang_dir(&c).await, ("en".into(), "ltr".into()));
    assert!(c.source().await.unwrap().contains("Your office"));
    assert_fits_width(&c, "clerk home, en").await;
    std::fs::write(shots.join("clerk-en.png"), c.screenshot().await.unwrap()).unwrap();

    // The persons list, in English and in Persian, for the record.
    click(&c, &format!("a[href=\"/offices/{}/persons\"]", office.id)).await;
    c.wait().for_element(Locator::Css("table")).await.unwrap();
    assert_fits_width(&c, "persons, en").await;
    std::fs::write(
        shots.join("clerk-persons-en.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    click(&c, "a[hreflang=\"fa-IR\"]").await;
    c.wait()
        .for_element(Locator::Css("html[lang=\"fa-IR\"]"))
        .await
        .unwrap();
    assert_fits_width(&c, "persons, fa-IR").await;
    std::fs::write(
        shots.join("clerk-persons-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // The same page on a phone-sized window: readable without sideways scrolling of the page.
    c.set_window_size(390, 844).await.unwrap();
    c.refresh().await.unwrap();
    c.wait().for_element(Locator::Css("table")).await.unwrap();
    std::fs::write(
        shots.join("clerk-persons-fa-IR-phone.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    assert_fits_width(&c, "persons, fa-IR, 390px wide").await;

    // Register a person with a year-only birth date in the form, then find them by searching
    // with Arabic letter forms.
    c.set_window_size(1280, 900).await.unwrap();
    c.goto(&app.url(&format!("/offices/{}/persons/new", office.id)))
        .await
        .unwrap();
    for (name, value) in [
        ("given_name", "کاوه"),
        ("family_name", "نوری"),
        ("father_name", "جمشید"),
        ("given_name_latin", "Kaveh"),
        ("birth_date", "۱۳۷۰"),
        ("phone", "0912 000 1122"),
    ] {
        c.find(Locator::Css(&format!("#register input[name={name}]")))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    click(&c, "#register select[name=sex] option[value=male]").await;
    assert_fits_width(&c, "registration form, fa-IR").await;
    std::fs::write(
        shots.join("clerk-register-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    click(&c, "#register button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("#history"))
        .await
        .unwrap();
    let page = c.source().await.unwrap();
    assert!(
        page.contains("Kaveh") && page.contains("۱۳۷۰"),
        "person page: {page}"
    );
    assert_fits_width(&c, "person page, fa-IR").await;
    std::fs::write(
        shots.join("clerk-person-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    c.goto(&app.url(&format!("/offices/{}/persons", office.id)))
        .await
        .unwrap();
    c.find(Locator::Css("input[name=q]"))
        .await
        .unwrap()
        .send_keys("كاوه نوري")
        .await
        .unwrap();
    click(&c, "form[role=search] button").await;
    // The list before the search has the same id: wait for the search's own page.
    for _ in 0..100 {
        if c.current_url().await.unwrap().as_str().contains("q=") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    c.wait()
        .for_element(Locator::Css("#persons"))
        .await
        .unwrap();
    let rows = c.find_all(Locator::Css("#persons tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 1, "one person matches");
    assert!(rows[0].text().await.unwrap().contains("کاوه"));
    c.close().await.unwrap();
}

/// A clerk takes a household through the first step of a card renewal in the browser: opens the
/// case from the head's page, uploads the photo and the card scan, pays the per-member fee and
/// sees the receipt with its QR, completes the intake; the case page shows Jalali due dates and
/// fits the window in Persian.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clerk_renews_a_household_card_in_the_browser() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let office = app.office("THR-01");
    app.user("clerk.thr", "clerk", Some(office.id));
    let (head, _) = app.household_with_cards(office.id);
    let shots = screenshots();
    log_in(&c, &app, "clerk.thr").await;
    c.goto(&app.url(&format!("/offices/{}/persons/{}", office.id, head.id)))
        .await
        .unwrap();
    click(&c, "#cases button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("#new-case"))
        .await
        .unwrap();
    click(&c, "#new-case option[value=card_renewal]").await;
    click(&c, "#new-case input[name=household]").await;
    click(&c, "#new-case button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("#case-state"))
        .await
        .unwrap();
    let page = c.current_url().await.unwrap().to_string();
    assert_eq!(
        c.find(Locator::Css("#members tbody"))
            .await
            .unwrap()
            .find_all(Locator::Css("tr"))
            .await
            .unwrap()
            .len(),
        3,
        "head, spouse and child"
    );
    let due = c
        .find(Locator::Css("#case-due"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        due.contains("۱۴"),
        "a Jalali due date in Persian digits: {due}"
    );
    // Evidence: a photo and the card scan, through the page's upload form.
    let files = tempfile::tempdir().unwrap();
    for (kind, name, bytes) in [
        (
            "photo",
            "photo.png",
            &b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89"[..],
        ),
        ("registration_card", "card.pdf", &b"%PDF-1.4\n%%EOF\n"[..]),
    ] {
        let path = files.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        click(&c, &format!("#upload option[value={kind}]")).await;
        c.find(Locator::Css("#upload input[type=file]"))
            .await
            .unwrap()
            .send_keys(&path.display().to_string())
            .await
            .unwrap();
        click(&c, "#upload button[type=submit]").await;
        // The list is on the page before the upload too: wait for this file in it.
        wait_for_text(&c, "#case-documents", name).await;
    }
    let docs = c
        .find(Locator::Css("#case-documents"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        docs.contains("photo.png") && docs.contains("card.pdf"),
        "{docs}"
    );
    // The fee for three persons, paid in cash: the receipt with its QR code.
    click(&c, "#pay-card button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("#receipt"))
        .await
        .unwrap();
    assert!(
        c.source().await.unwrap().contains("<svg"),
        "a QR on the receipt"
    );
    std::fs::write(
        shots.join("clerk-receipt-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    // Intake done: the case moves to the manager's approval step.
    c.goto(&page).await.unwrap();
    let step_before = c
        .find(Locator::Css("#case-step"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    click(&c, "#decide button[value=complete]").await;
    // The reloaded page's timeline has the completed step (the old page had a timeline too).
    wait_for_text(&c, "#timeline", "مرحله پایان یافت").await;
    let step_after = c
        .find(Locator::Css("#case-step"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_ne!(step_before, step_after, "the intake step is complete");
    assert!(
        c.find(Locator::Css("#case-error")).await.is_err(),
        "no error shown"
    );
    assert_fits_width(&c, "case page, fa-IR").await;
    std::fs::write(
        shots.join("clerk-case-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    c.close().await.unwrap();
}

/// POSTs `body` as JSON with the API's CSRF header; returns status, JSON and `ETag`.
async fn api_post(
    app: &TestApp,
    ct: &(reqwest::Client, String),
    path: &str,
    body: serde_json::Value,
    etag: Option<&str>,
) -> (u16, serde_json::Value, String) {
    crate::harness::send_json(app, ct, reqwest::Method::POST, path, body, etag).await
}

/// A household of three at `office` whose card renewal went through approval by the API (the
/// clerk `clerk.thr` and the manager `mgr.thr`), so each member holds a registration card.
/// Returns the signed-in manager (client and CSRF token) and the members besides the head.
async fn approved_household(
    app: &TestApp,
    office: &daftar_domain::office::Office,
) -> (
    (reqwest::Client, String),
    Vec<daftar_domain::person::Person>,
) {
    app.user("clerk.thr", "clerk", Some(office.id));
    app.user("mgr.thr", "office_manager", Some(office.id));
    let (head, others) = app.household_with_cards(office.id);
    let mut signed = vec![];
    for user in ["clerk.thr", "mgr.thr"] {
        let c = app.signed_in(user).await;
        let t = app.csrf(&c, "/profile").await;
        signed.push((c, t));
    }
    let manager = signed.pop().unwrap();
    let clerk = signed.pop().unwrap();
    let cases = format!("/api/v1/offices/{}/cases", office.id);
    let (s, opened, _) = api_post(
        app,
        &clerk,
        &cases,
        serde_json::json!({"service": "card_renewal", "person_id": head.id.to_string(), "household": true}),
        None,
    )
    .await;
    assert_eq!(s, 201, "{opened}");
    let path = format!("{cases}/{}", opened["case"]["id"].as_str().unwrap());
    for (kind, bytes, mime) in [
        (
            "photo",
            &b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89"[..],
            "image/png",
        ),
        (
            "registration_card",
            &b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"[..],
            "application/pdf",
        ),
    ] {
        let form = reqwest::multipart::Form::new().text("kind", kind).part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec())
                .file_name("scan")
                .mime_str(mime)
                .unwrap(),
        );
        let r = clerk
            .0
            .post(app.url(&format!("{path}/documents")))
            .header("x-csrf-token", &clerk.1)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "upload of {kind}");
    }
    let due = opened["fees_due"][0]["rials"].as_u64().unwrap();
    let (s, receipt, _) = api_post(
        app,
        &clerk,
        &format!("{path}/payments"),
        serde_json::json!({"fee": "card", "rials": due.to_string(), "method": "card"}),
        None,
    )
    .await;
    assert_eq!(s, 201, "{receipt}");
    let r = clerk.0.get(app.url(&path)).send().await.unwrap();
    let mut etag = r.headers()["etag"].to_str().unwrap().to_owned();
    // Intake (clerk), approval (manager), issue (clerk).
    for who in [&clerk, &manager, &clerk] {
        let (s, v, e) = api_post(
            app,
            who,
            &format!("{path}/actions"),
            serde_json::json!({"action": "complete"}),
            Some(&etag),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        etag = e;
    }
    (manager, others)
}

/// The verdict on the page once it is there (waits up to 10 s for `#verdict`).
async fn verdict(c: &fantoccini::Client, expected: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&format!(
            "#verdict[data-verdict=\"{expected}\"]"
        )))
        .await
        .unwrap_or_else(|e| panic!("no {expected} verdict: {e}"))
}

/// A verifier with no account checks a member's registration card on the public `/verify`
/// page, in Persian: first by pasting the QR text, then by uploading a photo of the code; once
/// the office has revoked the card, the same text says revoked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verifier_checks_a_credential_on_the_public_page_in_a_browser() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let office = app.office("THR-01");
    let (manager, others) = approved_household(&app, &office).await;
    let member = &others[0];
    let person_api = format!("/api/v1/offices/{}/persons/{}", office.id, member.id);
    let (s, list) = crate::harness::json_of(
        manager
            .0
            .get(app.url(&format!("{person_api}/credentials")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let id = list[0]["id"].as_str().unwrap().to_owned();
    let (s, qr) = crate::harness::json_of(
        manager
            .0
            .get(app.url(&format!(
                "{person_api}/credentials/{id}/qr?purpose=employer"
            )))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{qr}");
    let text = qr["text"].as_str().unwrap().to_owned();
    assert!(text.starts_with("DF1:"), "{text}");
    let shots = screenshots();

    // No login: the page opens in Persian, right to left, with an empty form.
    c.goto(&app.url("/verify")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("#verify-form"))
        .await
        .unwrap();
    assert!(
        c.current_url().await.unwrap().path() == "/verify",
        "not sent to the login"
    );
    assert_eq!(html_lang_dir(&c).await, ("fa-IR".into(), "rtl".into()));
    assert!(c.find(Locator::Css("#verdict")).await.is_err());

    // The text of the QR, pasted.
    c.find(Locator::Css("#verify-form textarea[name=text]"))
        .await
        .unwrap()
        .send_keys(&text)
        .await
        .unwrap();
    click(&c, "#verify-form button[type=submit]").await;
    let v = verdict(&c, "valid").await;
    let shown = v.text().await.unwrap();
    assert!(
        shown.contains(&member.given_name) && shown.contains("IR/THR-01"),
        "{shown}"
    );
    assert!(shown.contains("معتبر"), "the verdict in Persian: {shown}");
    assert!(
        !shown.contains("جنسیت"),
        "the employer's QR does not carry the sex: {shown}"
    );
    assert_eq!(html_lang_dir(&c).await, ("fa-IR".into(), "rtl".into()));
    assert!(c.find(Locator::Css("#verify-error")).await.is_err());
    assert_fits_width(&c, "verify page, valid, fa-IR").await;
    std::fs::write(
        shots.join("verify-valid-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // A photo of the QR instead of the text: the page reads it and says the same.
    let files = tempfile::tempdir().unwrap();
    let png = files.path().join("qr.png");
    std::fs::write(&png, qr_png(&text)).unwrap();
    c.find(Locator::Css("#verify-form textarea[name=text]"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    c.find(Locator::Css("#verify-form input[type=file][name=image]"))
        .await
        .unwrap()
        .send_keys(&png.display().to_string())
        .await
        .unwrap();
    // Mark this page, so the wait below sees the answer to the upload and not this page.
    c.execute(
        "document.getElementById('verdict').setAttribute('data-verdict', 'old');",
        vec![],
    )
    .await
    .unwrap();
    click(&c, "#verify-form button[type=submit]").await;
    let v = verdict(&c, "valid").await;
    assert!(
        v.text().await.unwrap().contains(&member.given_name),
        "from the photo"
    );
    let read = c
        .find(Locator::Css("#verify-form textarea[name=text]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(read, text, "the text read from the photo is shown");

    // The office revokes it; the same text now says revoked.
    let r = manager
        .0
        .post(app.url(&format!(
            "/api/v1/offices/{}/credentials/{id}/revoke",
            office.id
        )))
        .header("x-csrf-token", &manager.1)
        .json(&serde_json::json!({"reason": "کارت گم شده است"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    c.goto(&app.url("/verify")).await.unwrap();
    c.find(Locator::Css("#verify-form textarea[name=text]"))
        .await
        .unwrap()
        .send_keys(&text)
        .await
        .unwrap();
    click(&c, "#verify-form button[type=submit]").await;
    let v = verdict(&c, "revoked").await;
    let shown = v.text().await.unwrap();
    assert!(shown.contains("باطل"), "the verdict in Persian: {shown}");
    assert_eq!(html_lang_dir(&c).await, ("fa-IR".into(), "rtl".into()));
    assert_fits_width(&c, "verify page, revoked, fa-IR").await;
    std::fs::write(
        shots.join("verify-revoked-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    c.close().await.unwrap();
}

/// For every `YYYY-MM-DD` in the elements matching `css`: the date and whether its year is
/// drawn to the left of its day, as an ISO date must read.
pub(crate) async fn iso_dates_read_left_to_right(
    c: &fantoccini::Client,
    css: &str,
) -> Vec<(String, bool)> {
    let found = c
        .execute(
            "const out = [];
             for (const el of document.querySelectorAll(arguments[0])) {
               const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
               for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                 for (const m of n.data.matchAll(/([0-9]{4})-([0-9]{2})-([0-9]{2})/g)) {
                   const at = (i, len) => { const r = document.createRange();
                     r.setStart(n, i); r.setEnd(n, i + len); return r.getBoundingClientRect().left; };
                   const year = at(m.index, 4), day = at(m.index + 8, 2);
                   out.push([m[0], year < day]);
                 }
               }
             }
             return out;",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_bool().unwrap()))
        .collect()
}

/// The Gregorian date the Persian pages show beside the Jalali one, `(2027-12-01)`, must be
/// drawn as written. After Persian text the Unicode bidi algorithm turns its digits into
/// Arabic-number runs that the hyphens do not join, so without isolation it is drawn
/// `(01-12-2027)`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gregorian_date_reads_left_to_right_on_the_persian_verify_page() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let office = app.office("THR-01");
    let (manager, others) = approved_household(&app, &office).await;
    let person_api = format!("/api/v1/offices/{}/persons/{}", office.id, others[0].id);
    let (_, list) = crate::harness::json_of(
        manager
            .0
            .get(app.url(&format!("{person_api}/credentials")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = list[0]["id"].as_str().unwrap();
    let (_, qr) = crate::harness::json_of(
        manager
            .0
            .get(app.url(&format!(
                "{person_api}/credentials/{id}/qr?purpose=employer"
            )))
            .send()
            .await
            .unwrap(),
    )
    .await;
    c.goto(&app.url("/verify")).await.unwrap();
    c.find(Locator::Css("#verify-form textarea[name=text]"))
        .await
        .unwrap()
        .send_keys(qr["text"].as_str().unwrap())
        .await
        .unwrap();
    click(&c, "#verify-form button[type=submit]").await;
    verdict(&c, "valid").await;
    let dates = iso_dates_read_left_to_right(&c, "#claims dd").await;
    // The expiry, the birth date and the card's end of validity.
    assert!(dates.len() >= 2, "{dates:?}");
    let reversed: Vec<&String> = dates.iter().filter(|(_, ok)| !ok).map(|(d, _)| d).collect();
    assert!(
        reversed.is_empty(),
        "drawn right to left on the page: {reversed:?}"
    );
    c.close().await.unwrap();
}

/// A registered person with portal access signs in, applies for a service and books an
/// appointment on the slip, in the Persian (right-to-left) UI of a real browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_person_applies_and_books_an_appointment_on_the_portal() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let office = app.office("THR-01");
    let (head, user) = app.portal_holder(office.id);
    c.goto(&app.url("/login")).await.unwrap();
    c.find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys(user.username.as_str())
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    click(&c, "button[type=submit]").await;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#apply-form"))
        .await
        .unwrap();
    wait_for_text(&c, "h1", &head.given_name).await;
    let dir = c
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("dir")
        .await
        .unwrap();
    assert_eq!(dir.as_deref(), Some("rtl"));
    c.find(Locator::Css("#apply-form select[name=service]"))
        .await
        .unwrap()
        .select_by_value("card_replacement")
        .await
        .unwrap();
    click(&c, "#apply-form button[type=submit]").await;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#appointment-form"))
        .await
        .unwrap();
    assert!(c.find(Locator::Css("#appointment-none")).await.is_ok());
    c.find(Locator::Css("#appointment-form select[name=slot]"))
        .await
        .unwrap()
        .select_by_value("10:00")
        .await
        .unwrap();
    click(&c, "#appointment-form button[type=submit]").await;
    wait_for_text(&c, "#appointment-at", "۱۰:۰۰").await;
    // The slip also says what to bring.
    assert!(c.find(Locator::Css("#bring li")).await.is_ok());
    c.close().await.unwrap();
}

/// A Chrome DevTools command through chromedriver's `goog/cdp/execute` endpoint (print media
/// emulation, a PDF of the page with its own `@page` sizes, the screen's pixel ratio), which
/// the W3C WebDriver commands do not offer.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(serde_json::json!({"cmd": self.cmd, "params": self.params}).to_string()),
        )
    }
}

/// Runs DevTools command `cmd` with `params`; returns its result.
pub(crate) async fn cdp(
    c: &fantoccini::Client,
    cmd: &'static str,
    params: serde_json::Value,
) -> serde_json::Value {
    c.issue_cmd(Cdp { cmd, params })
        .await
        .unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

/// Lays the page out for print (`@media print`) or back for the screen.
pub(crate) async fn emulate_print(c: &fantoccini::Client, on: bool) {
    cdp(
        c,
        "Emulation.setEmulatedMedia",
        serde_json::json!({"media": if on { "print" } else { "" }}),
    )
    .await;
}

/// The page printed as Chromium's print preview would, with the page's own `@page` size and
/// margins (nothing scaled): the PDF's bytes.
pub(crate) async fn print_pdf(c: &fantoccini::Client) -> Vec<u8> {
    let v = cdp(
        c,
        "Page.printToPDF",
        serde_json::json!({"preferCSSPageSize": true, "printBackground": true, "scale": 1}),
    )
    .await;
    base64_decode(v["data"].as_str().expect("no PDF data"))
}

/// Standard base64 (the PDF of [`print_pdf`]).
fn base64_decode(s: &str) -> Vec<u8> {
    let value = |b: u8| match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {b}"),
    };
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'=' && *b != b'\n').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(value(*b)) << (18 - 6 * i));
        let [_, a, b, c] = n.to_be_bytes();
        out.extend_from_slice(&[a, b, c][..chunk.len() - 1]);
    }
    out
}

/// The pages of a PDF as their media boxes' width and height in millimetres (Chromium writes
/// each page's `/MediaBox` in the page's own object).
pub(crate) fn pdf_pages_mm(pdf: &[u8]) -> Vec<(f64, f64)> {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/MediaBox")
        .map(|(i, _)| {
            let rest = &text[i..];
            let inner = &rest[rest.find('[').unwrap() + 1..rest.find(']').unwrap()];
            let n: Vec<f64> = inner
                .split_whitespace()
                .map(|x| x.parse().unwrap())
                .collect();
            let pt = 25.4 / 72.0;
            ((n[2] - n[0]) * pt, (n[3] - n[1]) * pt)
        })
        .collect()
}

/// Words (runs of letters, digits and marks, ZWNJ included) in the elements matching `css` that
/// are drawn over more than one line: a word broken in the middle, as table headers are when
/// `overflow-wrap: anywhere` lets a column shrink below its longest word.
pub(crate) async fn broken_words(c: &fantoccini::Client, css: &str) -> Vec<String> {
    let found = c
        .execute(
            r"const broken = [];
             for (const el of document.querySelectorAll(arguments[0])) {
               const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
               for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                 for (const m of n.data.matchAll(/[\p{L}\p{N}\p{M}\u200c]+/gu)) {
                   const r = document.createRange();
                   r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
                   const tops = new Set([...r.getClientRects()].filter(q => q.width > 0).map(q => Math.round(q.top)));
                   if (tops.size > 1) broken.push(m[0]);
                 }
               }
             }
             return broken;",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap_or_default().to_owned())
        .collect()
}
