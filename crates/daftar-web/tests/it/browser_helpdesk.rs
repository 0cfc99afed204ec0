//! The help desk in headless Chromium (issue 20.4): a registered person files an anonymous
//! complaint of delay about another office on the portal's form (Persian, right to left); that
//! office's manager finds it in the inbox without the person's name, answers it on the
//! ticket's page; the person reads the answer on the portal. Screenshots in
//! `target/screenshots/`. Skips without Chromium (fails with `CI=true`).

use crate::browser::{
    assert_fits_a_phone, browser, click, html_lang_dir, screenshots, wait_for_text,
};
use crate::browser_pages::sign_in;
use crate::harness::{Backend, PASSWORD, TestApp};
use fantoccini::Locator;

const ANSWER: &str = "پوزش می‌خواهیم؛ کارت شما آماده است.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complaint_filed_on_the_portal_is_answered() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let home = app.office("THR-01");
    let other = app.office("THR-02");
    app.user("manager.thr2", "office_manager", Some(other.id));
    let (person, user) = app.portal_holder(home.id);
    let shots = screenshots();

    // The person files the complaint through the form.
    sign_in(&c, &app, user.username.as_str(), PASSWORD, None).await;
    c.goto(&app.url("/portal")).await.unwrap();
    click(&c, "#help-link").await;
    c.wait()
        .for_element(Locator::Css("#helpdesk-form"))
        .await
        .unwrap();
    assert_eq!(html_lang_dir(&c).await, ("fa-IR".into(), "rtl".into()));
    click(&c, "select[name=category] option[value=delay]").await;
    click(
        &c,
        &format!("select[name=about_office] option[value='{}']", other.id),
    )
    .await;
    c.find(Locator::Css("#helpdesk-form textarea[name=body]"))
        .await
        .unwrap()
        .send_keys("سه هفته است برای کارت منتظرم.")
        .await
        .unwrap();
    click(&c, "#helpdesk-form input[name=anonymous]").await;
    click(&c, "#helpdesk-form button[type=submit]").await;
    wait_for_text(&c, "#helpdesk-filed", "HD-").await;
    std::fs::write(
        shots.join("helpdesk-filed-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // The office complained about answers without knowing who.
    sign_in(&c, &app, "manager.thr2", PASSWORD, None).await;
    c.goto(&app.url("/helpdesk")).await.unwrap();
    let inbox = c
        .find(Locator::Css("#helpdesk-tickets"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!inbox.contains(person.given_name.as_str()), "{inbox}");
    click(&c, "#helpdesk-tickets a").await;
    c.wait()
        .for_element(Locator::Css("#helpdesk-ticket"))
        .await
        .unwrap();
    let from = c
        .find(Locator::Css("#helpdesk-from"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(from.contains("ناشناس"), "anonymous to this office: {from}");
    c.find(Locator::Css("#helpdesk-answer-form textarea[name=answer]"))
        .await
        .unwrap()
        .send_keys(ANSWER)
        .await
        .unwrap();
    click(&c, "#helpdesk-answer-form button[type=submit]").await;
    wait_for_text(&c, "#helpdesk-answer", ANSWER).await;
    std::fs::write(
        shots.join("helpdesk-answered-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // The person reads the answer.
    sign_in(&c, &app, user.username.as_str(), PASSWORD, None).await;
    c.goto(&app.url("/portal/help")).await.unwrap();
    wait_for_text(&c, "#helpdesk-mine", ANSWER).await;
    assert_fits_a_phone(&c, &shots, "helpdesk-portal-fa-IR-360").await;
}
