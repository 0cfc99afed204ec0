//! The journeys of issue 21 ("Also") in headless Chromium, with a screenshot of every step
//! under `target/screenshots/journey-<who>/` and axe-core on every page (when installed): the
//! applicant on the portal applies for a service, sees the slip, books an appointment and
//! prints the slip; the authority officer signs in with the second factor and reads the table
//! of every office. (The clerk's journey, register → renewal → pay → receipt → complete, is
//! `browser_pages::a_clerk_registers_a_single_person_and_opens_a_renewal_in_eight_clicks`.)

use crate::browser::{
    assert_fits_width, broken_words, browser, click, emulate_print, screenshots, wait_for_text,
};
use crate::browser_pages::{
    SHOWN, assert_accessible, axe_source, print_button_prints, sign_in, sign_in_as, text_of,
};
use crate::harness::{Backend, PASSWORD, TestApp};
use fantoccini::{Client, Locator};
use std::path::{Path, PathBuf};

/// Saves a screenshot of the page as `<dir>/<name>.png`.
async fn shot(c: &Client, dir: &Path, name: &str) {
    std::fs::write(
        dir.join(format!("{name}.png")),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
}

fn journey_dir(who: &str) -> PathBuf {
    let dir = screenshots().join(format!("journey-{who}"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The applicant's journey: signs in to the portal (Persian, right to left), applies for a card
/// replacement, lands on the slip (state, what to bring, fees), books 10:00 on the first day
/// offered, and prints the slip: printed, the navigation, the forms and the buttons are gone,
/// the appointment and the list of documents stay, and the print button prints.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_applies_books_and_prints_the_slip_on_the_portal() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let axe = axe_source();
    let axe = axe.as_deref();
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let office = app.office("THR-01");
    let (head, user) = app.portal_holder(office.id);
    let dir = journey_dir("portal");

    sign_in(&c, &app, user.username.as_str(), PASSWORD, None).await;
    c.wait()
        .for_element(Locator::Css("#apply-form"))
        .await
        .unwrap();
    wait_for_text(&c, "h1", &head.given_name).await;
    let html = c.find(Locator::Css("html")).await.unwrap();
    assert_eq!(html.attr("dir").await.unwrap().as_deref(), Some("rtl"));
    assert_fits_width(&c, "portal home").await;
    shot(&c, &dir, "1-portal-home").await;
    assert_accessible(&c, axe, "portal home").await;

    // Apply: the service is offered by its name.
    let service = c
        .find(Locator::Css("#apply-form select[name=service]"))
        .await
        .unwrap();
    let offered = service.text().await.unwrap();
    assert!(offered.contains("کارت"), "the services offered: {offered}");
    service.select_by_value("card_replacement").await.unwrap();
    shot(&c, &dir, "2-apply").await;
    click(&c, "#apply-form button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("#appointment-form"))
        .await
        .unwrap();

    // The slip: the case's state, no appointment yet, what to bring, the fees.
    let state = text_of(&c, "#state").await;
    assert!(!state.trim().is_empty(), "the slip shows the case's state");
    assert!(c.find(Locator::Css("#appointment-none")).await.is_ok());
    assert!(
        !c.find_all(Locator::Css("#bring li"))
            .await
            .unwrap()
            .is_empty(),
        "the slip says what to bring"
    );
    let fees = text_of(&c, "#fees").await;
    assert!(fees.contains("ریال"), "fees with their unit: {fees}");
    assert_fits_width(&c, "slip").await;
    shot(&c, &dir, "3-slip").await;
    assert_accessible(&c, axe, "slip").await;

    // Book 10:00 on the first day offered.
    let day = c
        .find(Locator::Css("#appointment-form select[name=day] option"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    c.find(Locator::Css("#appointment-form select[name=slot]"))
        .await
        .unwrap()
        .select_by_value("10:00")
        .await
        .unwrap();
    click(&c, "#appointment-form button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("#appointment-at"))
        .await
        .unwrap();
    let at = text_of(&c, "#appointment-at").await;
    // In Persian digits, as the rest of the page (it was "10:00").
    assert!(at.contains("۱۰:۰۰"), "the booked time: {at}");
    let day_words: Vec<&str> = day.split_whitespace().collect();
    assert!(
        day_words.iter().any(|w| at.contains(w)),
        "the booked day ({day}) is on the slip: {at}"
    );
    shot(&c, &dir, "4-booked").await;
    assert_accessible(&c, axe, "slip with appointment").await;

    // Print: the button asks to print; the printed slip keeps the appointment and the list,
    // not the navigation, the forms or the buttons.
    assert!(
        print_button_prints(&c).await,
        "the slip's print button does nothing"
    );
    emulate_print(&c, true).await;
    let shown = c
        .execute(
            SHOWN,
            vec!["nav, form, button, .no-print, header.top, footer".into()],
        )
        .await
        .unwrap();
    assert_eq!(
        shown.as_array().unwrap().len(),
        0,
        "the slip prints {shown}"
    );
    for keep in ["#appointment-at", "#bring li", "#fees", "h1"] {
        let kept = c.execute(SHOWN, vec![keep.into()]).await.unwrap();
        assert!(
            !kept.as_array().unwrap().is_empty(),
            "the printed slip lost {keep}"
        );
    }
    shot(&c, &dir, "5-printed").await;
    emulate_print(&c, false).await;
    c.close().await.unwrap();
}

/// The authority officer's journey: signs in with password and second factor, and the home
/// page has the table of every office (cases, overdue, escalations, payments, fees collected,
/// complaints, "asked to pay more") with a row per office and the totals, in Persian and in
/// English, fitting the window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authority_officer_signs_in_with_a_second_factor_and_sees_every_office() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let axe = axe_source();
    let axe = axe.as_deref();
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let world = crate::every_page::seed(&app).await;
    app.office("MHD-01");
    let officer = world
        .visitors
        .iter()
        .find(|v| v.role == "authority_officer")
        .unwrap();
    let dir = journey_dir("officer");
    c.goto(&app.url("/login")).await.unwrap();
    shot(&c, &dir, "1-login").await;
    sign_in_as(&c, &app, officer).await;
    c.goto(&app.url("/")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("#across-offices"))
        .await
        .unwrap();
    assert!(
        c.find(Locator::Css("nav")).await.is_ok(),
        "signed in, with the navigation"
    );
    let row = |code: &str| format!("#across-offices tr[data-office=\"{code}\"]");
    // The seed opened two renewals and a portal case at THR-01, paid one and complained.
    assert_eq!(
        text_of(&c, &format!("{} .cases-active", row("THR-01"))).await,
        "۳"
    );
    assert_eq!(
        text_of(&c, &format!("{} .fee-payments", row("THR-01"))).await,
        "۱"
    );
    assert_eq!(
        text_of(&c, &format!("{} .fee-complaints", row("THR-01"))).await,
        "۱"
    );
    let rials = text_of(&c, &format!("{} .fee-rials", row("THR-01"))).await;
    assert!(rials.ends_with("ریال") && rials != "۰ ریال", "{rials}");
    // An office with no case yet has its row too, with noughts.
    assert_eq!(
        text_of(&c, &format!("{} .cases-active", row("MHD-01"))).await,
        "۰"
    );
    let totals = text_of(&c, "#across-totals").await;
    assert!(totals.contains('۳'), "{totals}");
    let broken = broken_words(&c, "#across-offices th, #across-offices td").await;
    assert!(broken.is_empty(), "words broken in the middle: {broken:?}");
    assert_fits_width(&c, "officer home, fa-IR").await;
    shot(&c, &dir, "2-home-fa-IR").await;
    assert_accessible(&c, axe, "officer home, fa-IR").await;

    c.goto(&app.url("/locale/en?next=/")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("html[lang=en]"))
        .await
        .unwrap();
    assert_eq!(
        text_of(&c, &format!("{} .cases-active", row("THR-01"))).await,
        "3"
    );
    assert!(
        text_of(&c, &format!("{} td:nth-child(2)", row("MHD-01")))
            .await
            .contains("Office MHD-01")
    );
    let head = text_of(&c, "#across-offices thead").await;
    assert!(
        head.contains("Overdue") || head.contains("overdue"),
        "{head}"
    );
    let broken = broken_words(&c, "#across-offices th, #across-offices td").await;
    assert!(broken.is_empty(), "words broken in the middle: {broken:?}");
    assert_fits_width(&c, "officer home, en").await;
    shot(&c, &dir, "3-home-en").await;
    assert_accessible(&c, axe, "officer home, en").await;

    // On a phone the table scrolls inside its box; the page does not.
    c.set_window_size(360, 800).await.unwrap();
    c.refresh().await.unwrap();
    c.wait()
        .for_element(Locator::Css("#across-offices"))
        .await
        .unwrap();
    assert_fits_width(&c, "officer home, en, 360px").await;
    let broken = broken_words(&c, "#across-offices th, #across-offices td").await;
    assert!(
        broken.is_empty(),
        "words broken in the middle at 360px: {broken:?}"
    );
    shot(&c, &dir, "4-home-phone").await;
    c.close().await.unwrap();
}
