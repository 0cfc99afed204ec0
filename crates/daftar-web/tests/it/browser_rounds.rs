//! The coverage page of a registration round in headless Chromium (issue 19): a round is open
//! over an office's registry; the office's clerk sees the coverage page in Persian (right to
//! left, server-rendered SVG charts, no script of its own), completes the last step of a
//! household's card renewal on the case page, and the coverage page shows the three members
//! renewed at once; the page fits a phone. Screenshots in `target/screenshots/`. Skips without
//! Chromium (fails with `CI=true`).

use crate::browser::{browser, click, html_lang_dir, screenshots, wait_for_text};
use crate::browser_pages::sign_in;
use crate::harness::{Backend, PASSWORD, TestApp};
use daftar_domain::audit::AuditCtx;
use daftar_domain::permission::{Permission, system_reach};
use daftar_domain::round::{Eligibility, NewRound};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_coverage_page_moves_when_a_clerk_completes_a_renewal() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let office = app.office("THR-01");
    app.user("clerk.thr", "clerk", Some(office.id));
    app.user("manager.thr", "office_manager", Some(office.id));
    let (head, _) = app.household_with_cards(office.id);
    app.person(office.id, "مهتاب");
    let today = crate::harness::office_today();
    let day = |d: time::Date| daftar_domain::jalali::JalaliDate::from_iso(d).format_numeric(false);
    let round = NewRound::parse(
        "تمدید کارت ۱۴۰۵",
        &day(today),
        &day(today + time::Duration::days(30)),
        &["card_renewal".into()],
        &["card_renewal".to_owned()].into_iter().collect(),
        Eligibility::parse(&[], "", "", ("", "", ""), "").unwrap(),
        "40",
        "",
        today,
    )
    .unwrap();
    let round = app
        .store
        .open_round(
            &AuditCtx::system("test"),
            &system_reach(Permission::RoundManage),
            &round,
        )
        .unwrap();
    let (api_path, _) =
        crate::rounds::renewal_to_issue(&app, office.id, &head, "clerk.thr", "manager.thr").await;
    let case_page = api_path.trim_start_matches("/api/v1").to_owned();
    let coverage = format!("/rounds/{}", round.round.id);
    let shots = screenshots();

    sign_in(&c, &app, "clerk.thr", PASSWORD, None).await;
    c.goto(&app.url("/rounds")).await.unwrap();
    click(&c, &format!("a[href='{coverage}']")).await;
    wait_for_text(&c, "#total-expected", "۴").await;
    assert_eq!(html_lang_dir(&c).await, ("fa-IR".into(), "rtl".into()));
    assert_eq!(
        c.find(Locator::Css("#total-renewed"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "۰"
    );
    assert!(c.find(Locator::Css("svg#province-chart")).await.is_ok());
    std::fs::write(
        shots.join("round-coverage-before-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // The clerk issues the cards: the case's last step.
    c.goto(&app.url(&case_page)).await.unwrap();
    click(&c, "#decide button[value=complete]").await;
    wait_for_text(&c, "#case-state", "تأیید شده").await;
    c.goto(&app.url(&coverage)).await.unwrap();
    wait_for_text(&c, "#total-renewed", "۳").await;
    assert_eq!(
        c.find(Locator::Css("#total-pct"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "۷۵٫۰٪"
    );
    let bars = c
        .find_all(Locator::Css("svg#trend-chart rect.bar"))
        .await
        .unwrap();
    assert!(!bars.is_empty(), "the trend has today's bar");
    std::fs::write(
        shots.join("round-coverage-after-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    // The page fits a phone.
    crate::browser::assert_fits_a_phone(&c, &shots, "round-coverage-fa-IR-360").await;
}
