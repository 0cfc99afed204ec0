//! A consultation in headless Chromium (issue 18, part 6): the authority's draft is out for
//! comment; an office's manager opens it from the menu in Persian (right to left) and comments
//! on one section through its form; the authority's officer sees the comment under that
//! section with the office's code, publishes the final version with a changed section and a
//! summary, and the page shows the change as a word diff. Both pages fit a phone. Screenshots
//! in `target/screenshots/`. Skips without Chromium (fails with `CI=true`).

use crate::browser::{browser, click, html_lang_dir, screenshots, wait_for_text};
use crate::browser_pages::{sign_in, with_totp};
use crate::harness::{Backend, PASSWORD, TestApp};
use daftar_domain::audit::AuditCtx;
use daftar_domain::consultation::NewConsultation;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consultation_in_the_browser() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let office = app.office("THR-01");
    app.user("manager.thr", "office_manager", Some(office.id));
    app.user("officer.web", "authority_officer", None);
    let secret = with_totp(&app, "officer.web");
    let today = crate::harness::office_today();
    let deadline = daftar_domain::jalali::iso_day(today + time::Duration::days(10));
    let sections = vec![
        ("کلیات".to_owned(), "همهٔ خدمات از راه دفاتر".to_owned()),
        (
            "ساعات کار".to_owned(),
            "دفاتر از ۸ تا ۱۴ باز هستند".to_owned(),
        ),
    ];
    let id = app
        .store
        .publish_consultation(
            &AuditCtx::system("test"),
            &NewConsultation::parse("پیش‌نویس آیین‌نامهٔ دفاتر", &sections, &deadline, today).unwrap(),
        )
        .unwrap()
        .consultation
        .id;
    let shots = screenshots();

    // The office's manager: from the menu to the draft, a comment on the second section.
    sign_in(&c, &app, "manager.thr", PASSWORD, None).await;
    click(&c, "nav a[href=\"/consultations\"]").await;
    c.wait()
        .for_element(Locator::Css(&format!("a[href=\"/consultations/{id}\"]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#section-2 textarea[name=body]"))
        .await
        .unwrap()
        .send_keys("ساعات کار تا ۱۶ باشد")
        .await
        .unwrap();
    assert_eq!(html_lang_dir(&c).await, ("fa-IR".into(), "rtl".into()));
    click(&c, "#section-2 button[type=submit]").await;
    wait_for_text(&c, "#section-2 .comment", "ساعات کار تا ۱۶ باشد").await;
    // Only in the section it was made on.
    assert!(c.find(Locator::Css("#section-1 .comment")).await.is_err());
    std::fs::write(
        shots.join("consultation-comment-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    crate::browser::assert_fits_a_phone(&c, &shots, "consultation-comment-fa-IR-360").await;

    // The authority: the comment with the office's code; the final version through the form.
    sign_in(&c, &app, "officer.web", PASSWORD, Some(&secret)).await;
    c.goto(&app.url(&format!("/consultations/{id}")))
        .await
        .unwrap();
    wait_for_text(&c, "#section-2 .comment", "THR-01").await;
    let text = c
        .find(Locator::Css("#consult-final textarea[name=text_2]"))
        .await
        .unwrap();
    text.clear().await.unwrap();
    text.send_keys("دفاتر از ۸ تا ۱۶ باز هستند").await.unwrap();
    c.find(Locator::Css("#consult-final textarea[name=summary]"))
        .await
        .unwrap()
        .send_keys("ساعات کار به پیشنهاد دفاتر تا ۱۶ شد")
        .await
        .unwrap();
    click(&c, "#consult-final button[type=submit]").await;
    wait_for_text(&c, "#consult-summary", "به پیشنهاد دفاتر").await;
    let facts = c.find(Locator::Css("#consult-facts")).await.unwrap();
    assert_eq!(
        facts.attr("data-phase").await.unwrap().as_deref(),
        Some("final")
    );
    // The change, word by word: ۱۴ out, ۱۶ in, in section 2 only.
    let changed = c
        .find_all(Locator::Css(
            "#consult-changes article[data-change=changed]",
        ))
        .await
        .unwrap();
    assert_eq!(changed.len(), 1);
    let del = c
        .find(Locator::Css("#consult-changes del.diff"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ins = c
        .find(Locator::Css("#consult-changes ins.diff"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!((del.trim(), ins.trim()), ("۱۴", "۱۶"));
    // Comments are closed: no form is left on the final version.
    assert!(c.find(Locator::Css("form.comment-form")).await.is_err());
    std::fs::write(
        shots.join("consultation-final-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    crate::browser::assert_fits_a_phone(&c, &shots, "consultation-final-fa-IR-360").await;
}
