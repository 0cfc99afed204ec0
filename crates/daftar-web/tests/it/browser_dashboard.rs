//! The dashboard in headless Chromium (issue 19, part 4): an authority officer opens it from
//! the menu in Persian; the page is right to left, the SVG charts render (bars with a height,
//! the first month drawn at the right), each with its table and total, no script of its own
//! beyond the page's, and the page fits a phone. Screenshots in `target/screenshots/`. Skips
//! without Chromium (fails with `CI=true`).

use crate::browser::{browser, html_lang_dir, screenshots};
use crate::browser_pages::sign_in;
use crate::harness::{Backend, PASSWORD, TestApp};
use daftar_domain::audit::AuditCtx;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_in_the_browser() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let office = app.office("THR-01");
    crate::kpi::seed_cases(&app, office.id, 9, "نفر");
    crate::kpi::compute(&app);
    let officer = app.user("officer", "authority_officer", None);
    let secret = daftar_web::auth::totp::new_secret();
    app.store
        .set_totp(&AuditCtx::system("test"), officer.id, Some(&secret))
        .unwrap();
    let shots = screenshots();

    sign_in(&c, &app, "officer", PASSWORD, Some(&secret)).await;
    let link = c
        .find(Locator::Css("nav a[href=\"/dashboard\"]"))
        .await
        .unwrap();
    link.click().await.unwrap();
    c.wait()
        .for_element(Locator::Css("#dash-months"))
        .await
        .unwrap();
    assert_eq!(html_lang_dir(&c).await, ("fa-IR".into(), "rtl".into()));
    let charts = c.find_all(Locator::Css("svg.chart")).await.unwrap();
    assert!(charts.len() >= 5, "{}", charts.len());
    let figures = c
        .execute(
            r#"const svg = document.querySelector('#dash-months');
               const r = svg.getBoundingClientRect();
               const bars = [...svg.querySelectorAll('rect.bar')].map(b => b.getBoundingClientRect().height).filter(h => h > 0);
               const labels = [...svg.querySelectorAll('text.x-label')].map(t => t.getBoundingClientRect().left);
               const total = document.querySelector('#dash-places-table tfoot td').textContent;
               return [r.width, r.height, bars, labels[0], labels[labels.length - 1], total, document.scripts.length];"#,
            vec![],
        )
        .await
        .unwrap();
    assert!(
        figures[0].as_f64().unwrap() > 200.0,
        "chart width: {figures:?}"
    );
    assert!(
        figures[1].as_f64().unwrap() > 50.0,
        "chart height: {figures:?}"
    );
    assert!(
        !figures[2].as_array().unwrap().is_empty(),
        "this month's registrations are drawn: {figures:?}"
    );
    assert!(
        figures[3].as_f64().unwrap() > figures[4].as_f64().unwrap(),
        "the first month is at the right: {figures:?}"
    );
    assert_eq!(figures[5].as_str(), Some("۹"), "{figures:?}");
    assert_eq!(
        figures[6].as_i64(),
        Some(1),
        "only the page's own print listener"
    );
    std::fs::write(
        shots.join("dashboard-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    crate::browser::assert_fits_a_phone(&c, &shots, "dashboard-fa-IR-360").await;
}
