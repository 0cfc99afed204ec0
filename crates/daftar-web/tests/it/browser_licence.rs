//! The licence timeline in headless Chromium (issue 18, part 1): an authority officer opens a
//! licensed office's licence page in Persian (right to left), sees its timeline, suspends the
//! licence through the page's form, and finds the suspension on top of the timeline with its
//! reason; the office's clerk is refused on their next page with the reason; the page fits a
//! phone. Screenshots in `target/screenshots/`. Skips without Chromium (fails with `CI=true`).

use crate::browser::{browser, click, html_lang_dir, screenshots};
use crate::browser_pages::sign_in;
use crate::harness::{Backend, PASSWORD, TestApp};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_licence_timeline_in_the_browser() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let office = app.office("THR-01");
    crate::licences::license(&app, office.id, "LIC-THR-1405-0001", 365);
    app.user("clerk.thr", "clerk", Some(office.id));
    app.user("officer.web", "authority_officer", None);
    let secret = crate::browser_pages::with_totp(&app, "officer.web");
    let shots = screenshots();

    sign_in(&c, &app, "officer.web", PASSWORD, Some(&secret)).await;
    c.goto(&app.url(&format!("/offices/{}", office.id)))
        .await
        .unwrap();
    click(&c, "#licence-link").await;
    c.wait()
        .for_element(Locator::Css("#licence-timeline"))
        .await
        .unwrap();
    assert_eq!(html_lang_dir(&c).await, ("fa-IR".into(), "rtl".into()));
    let items = c
        .find_all(Locator::Css("#licence-timeline > li"))
        .await
        .unwrap();
    assert_eq!(items.len(), 3, "apply, inspect, issue");
    let standing = c.find(Locator::Css("#licence-standing")).await.unwrap();
    assert_eq!(
        standing.attr("data-standing").await.unwrap().as_deref(),
        Some("valid")
    );
    std::fs::write(
        shots.join("licence-timeline-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // Suspend through the form.
    c.find(Locator::Css("#step-suspend textarea[name=reason]"))
        .await
        .unwrap()
        .send_keys("دریافت وجه اضافه از مراجعان")
        .await
        .unwrap();
    click(&c, "#do-suspend").await;
    c.wait()
        .for_element(Locator::Css("#step-reinstate"))
        .await
        .unwrap();
    let first = c
        .find(Locator::Css("#licence-timeline > li"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(first.contains("تعلیق پروانه"), "{first}");
    assert!(first.contains("دریافت وجه اضافه از مراجعان"), "{first}");
    let standing = c.find(Locator::Css("#licence-standing")).await.unwrap();
    assert_eq!(
        standing.attr("data-standing").await.unwrap().as_deref(),
        Some("suspended")
    );
    // The page fits a phone.
    crate::browser::assert_fits_a_phone(&c, &shots, "licence-suspended-fa-IR-360").await;

    // The clerk cannot sign in, and the page says why.
    c.delete_all_cookies().await.unwrap();
    c.goto(&app.url("/login")).await.unwrap();
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
    let mut said = false;
    for _ in 0..50 {
        if c.source()
            .await
            .unwrap()
            .contains("از سوی سازمان تعلیق شده")
        {
            said = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(said, "the clerk is told the licence is suspended");
}
