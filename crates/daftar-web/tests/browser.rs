//! A real browser: headless Chromium (Debian's, driven through chromedriver) logs in as a
//! clerk, sees the Persian right-to-left home page, switches to Dari and to English, and saves
//! screenshots under `target/screenshots/`. Without Chromium the test skips locally and fails
//! with `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use fantoccini::{ClientBuilder, Locator};
use harness::{Backend, PASSWORD, TestApp};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Kills chromedriver when the test ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
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

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn html_lang_dir(c: &fantoccini::Client) -> (String, String) {
    let html = c.find(Locator::Css("html")).await.unwrap();
    (
        html.attr("lang").await.unwrap().unwrap_or_default(),
        html.attr("dir").await.unwrap().unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clerk_logs_in_and_switches_language() {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        assert!(
            !daftar_testkit::in_ci(),
            "CI=true but Chromium/chromedriver are missing: run scripts/setup.sh"
        );
        eprintln!(
            "skipping browser test: {CHROMIUM} or {CHROMEDRIVER} not installed (scripts/setup.sh installs them)"
        );
        return;
    }
    // reqwest and fantoccini both link rustls; pick its crypto provider explicitly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let office = app.office("THR-01");
    app.user("clerk.thr", "clerk", Some(office.id));
    for name in ["مریم", "علی", "زهرا"] {
        app.person(office.id, name);
    }

    let port = free_port();
    let _driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
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
            "binary": CHROMIUM,
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
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#my-office"))
        .await
        .unwrap();
    assert_eq!(html_lang_dir(&c).await, ("fa-IR".into(), "rtl".into()));
    assert!(c.source().await.unwrap().contains("دفتر شما"));
    std::fs::write(shots.join("clerk-fa-IR.png"), c.screenshot().await.unwrap()).unwrap();

    c.find(Locator::Css("a[hreflang=\"fa-AF\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("html[lang=\"fa-AF\"]"))
        .await
        .unwrap();
    assert_eq!(html_lang_dir(&c).await, ("fa-AF".into(), "rtl".into()));
    std::fs::write(shots.join("clerk-fa-AF.png"), c.screenshot().await.unwrap()).unwrap();

    c.find(Locator::Css("a[hreflang=\"en\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("html[lang=\"en\"]"))
        .await
        .unwrap();
    assert_eq!(html_lang_dir(&c).await, ("en".into(), "ltr".into()));
    assert!(c.source().await.unwrap().contains("Your office"));
    std::fs::write(shots.join("clerk-en.png"), c.screenshot().await.unwrap()).unwrap();

    // The persons list, in English and in Persian, for the record.
    c.find(Locator::Css(&format!(
        "a[href=\"/offices/{}/persons\"]",
        office.id
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.wait().for_element(Locator::Css("table")).await.unwrap();
    std::fs::write(
        shots.join("clerk-persons-en.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    c.find(Locator::Css("a[hreflang=\"fa-IR\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("html[lang=\"fa-IR\"]"))
        .await
        .unwrap();
    std::fs::write(
        shots.join("clerk-persons-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    c.close().await.unwrap();
}
