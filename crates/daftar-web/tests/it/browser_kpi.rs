//! The KPI page in headless Chromium (issue 18, part 4): an office manager opens their office's
//! KPI page from the menu in Persian; the page is right to left, the four SVG charts render
//! (bars with a height, the first month drawn at the right), each has its table with the same
//! figures, and the page fits a phone. Screenshots in `target/screenshots/`. Skips without
//! Chromium (fails with `CI=true`).

use crate::browser::{browser, html_lang_dir, screenshots};
use crate::browser_pages::sign_in;
use crate::harness::{Backend, PASSWORD, TestApp};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kpi_page_in_the_browser() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let office = app.office("THR-01");
    crate::kpi::seed_cases(&app, office.id, 9, "نفر");
    crate::kpi::compute(&app);
    app.user("manager.thr", "office_manager", Some(office.id));
    let shots = screenshots();

    sign_in(&c, &app, "manager.thr", PASSWORD, None).await;
    let link = c
        .find(Locator::Css(&format!(
            "nav a[href=\"/offices/{}/kpi\"]",
            office.id
        )))
        .await
        .unwrap();
    link.click().await.unwrap();
    c.wait()
        .for_element(Locator::Css("#kpi-opened-chart"))
        .await
        .unwrap();
    assert_eq!(html_lang_dir(&c).await, ("fa-IR".into(), "rtl".into()));
    let charts = c.find_all(Locator::Css("svg.chart")).await.unwrap();
    assert_eq!(charts.len(), 6, "six charts, the no-shows last");
    // Rendered: the SVG has a size, this month's bar a height, and the months run right to left.
    let figures = c
        .execute(
            r#"const svg = document.querySelector('#kpi-opened-chart');
               const r = svg.getBoundingClientRect();
               const bars = [...svg.querySelectorAll('rect.bar')].map(b => b.getBoundingClientRect().height);
               const labels = [...svg.querySelectorAll('text.x-label')].map(t => t.getBoundingClientRect().left);
               const cells = [...document.querySelectorAll('#kpi-opened-chart-table td')].map(td => td.textContent);
               return [r.width, r.height, bars, labels[0], labels[labels.length - 1], cells, svg.querySelector('title').textContent, document.scripts.length];"#,
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
    let bars = figures[2].as_array().unwrap();
    assert_eq!(bars.len(), 1, "one month with cases: {figures:?}");
    assert!(
        bars[0].as_f64().unwrap() > 10.0,
        "the bar is drawn: {figures:?}"
    );
    assert!(
        figures[3].as_f64().unwrap() > figures[4].as_f64().unwrap(),
        "the first month is at the right: {figures:?}"
    );
    let cells: Vec<&str> = figures[5]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        cells.last(),
        Some(&"۹"),
        "the table holds the same figure: {cells:?}"
    );
    assert!(!figures[6].as_str().unwrap().is_empty(), "accessible title");
    assert_eq!(
        figures[7].as_i64(),
        Some(1),
        "only the page's own print listener"
    );
    std::fs::write(
        shots.join("kpi-office-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    // The page fits a phone.
    crate::browser::assert_fits_a_phone(&c, &shots, "kpi-office-fa-IR-360").await;
}
