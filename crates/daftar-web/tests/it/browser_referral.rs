//! A referral in headless Chromium (issue 20.1): a clerk opens a person's referrals from their
//! page, chooses the health house, ticks the consent box and refers (Persian, right to left);
//! the health partner finds it in a list that names no one, opens it, sees what the person
//! agreed to share and accepts it; the person sees it accepted on the portal. Screenshots in
//! `target/screenshots/`. Skips without Chromium (fails with `CI=true`).

use crate::browser::{
    assert_fits_a_phone, browser, click, html_lang_dir, screenshots, wait_for_text,
};
use crate::browser_pages::sign_in;
use crate::harness::{Backend, PASSWORD, TestApp};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_referral_is_made_with_consent_and_accepted_by_the_partner() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let home = app.office("THR-01");
    app.user("clerk.thr", "clerk", Some(home.id));
    let nurse = app.user("nurse", "partner", None);
    app.store
        .set_user_partner(
            &daftar_domain::audit::AuditCtx::system("test"),
            nurse.id,
            Some("health-tehran"),
        )
        .unwrap();
    let (person, holder) = app.portal_holder(home.id);
    let shots = screenshots();

    // The clerk refers the person with their consent.
    sign_in(&c, &app, "clerk.thr", PASSWORD, None).await;
    c.goto(&app.url(&format!("/offices/{}/persons/{}", home.id, person.id)))
        .await
        .unwrap();
    click(&c, "#referrals-link").await;
    c.wait()
        .for_element(Locator::Css("#referral-form"))
        .await
        .unwrap();
    assert_eq!(html_lang_dir(&c).await, ("fa-IR".into(), "rtl".into()));
    click(&c, "#referral-form input[value=health_house]").await;
    // Without the consent box the browser's form still posts: the server refuses it.
    click(&c, "#referral-form button[type=submit]").await;
    wait_for_text(&c, "#referral-error", "رضایت").await;
    click(&c, "#referral-form input[value=health_house]").await;
    click(&c, "#referral-form input[name=consent]").await;
    click(&c, "#referral-form button[type=submit]").await;
    wait_for_text(&c, "#referral-made", "RF-").await;
    std::fs::write(
        shots.join("referral-made-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // The partner's list names no one; the referral's page shows what was shared; accept.
    sign_in(&c, &app, "nurse", PASSWORD, None).await;
    c.goto(&app.url("/referrals")).await.unwrap();
    let list = c
        .find(Locator::Css("#referral-inbox"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!list.contains(person.given_name.as_str()), "{list}");
    click(&c, "#referral-inbox a").await;
    wait_for_text(&c, "#referral-shared", person.registry_no.as_str()).await;
    click(&c, "#referral-accept").await;
    wait_for_text(&c, "#referral .referral-state", "پذیرفته").await;
    std::fs::write(
        shots.join("referral-accepted-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // The person sees it accepted on the portal, on a phone's width.
    sign_in(&c, &app, holder.username.as_str(), PASSWORD, None).await;
    c.goto(&app.url("/portal")).await.unwrap();
    click(&c, "#referrals-link").await;
    wait_for_text(&c, ".referral .referral-state", "پذیرفته").await;
    assert_fits_a_phone(&c, &shots, "referral-portal-fa-IR-360").await;
}
