//! Voluntary return in headless Chromium (issue 20.3): a return case registered at the office
//! is screened by the office manager with a flag (risk on return) on the case page's form
//! (Persian, right to left); the exit permit form is absent and the page says why; the
//! protection officer (second factor) clears the flag from the protection queue; the office
//! manager then issues the permit. Screenshots in `target/screenshots/`. Skips without
//! Chromium (fails with `CI=true`).

use crate::browser::{
    assert_fits_a_phone, browser, click, html_lang_dir, screenshots, wait_for_text,
};
use crate::browser_pages::sign_in;
use crate::harness::{Backend, PASSWORD, TestApp};
use daftar_domain::audit::AuditCtx;
use daftar_domain::permission::{Permission, Reach, system_scope};
use daftar_domain::store::ReturnAccess;
use daftar_domain::user::Username;
use daftar_domain::voluntary_return::{NewReturn, ReturnChannel};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flagged_return_case_is_cleared_by_the_protection_officer() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let home = app.office("THR-01");
    app.user("manager.thr", "office_manager", Some(home.id));
    app.user("protect", "protection_officer", None);
    let secret = daftar_web::auth::totp::new_secret();
    let protect = app
        .store
        .user_auth_by_username(&Username::parse("protect").unwrap())
        .unwrap()
        .unwrap()
        .user
        .id;
    app.store
        .set_totp(&AuditCtx::system("test"), protect, Some(&secret))
        .unwrap();
    let (head, _) = app.household_with_cards(home.id);
    let today = crate::harness::office_today();
    let profile = daftar_domain::profile::Profile::iran().unwrap();
    let case = app
        .store
        .register_return(
            &AuditCtx::system("test"),
            &ReturnAccess::Staff(Reach::Office(system_scope(
                home.id,
                Permission::PersonWrite,
            ))),
            &NewReturn::parse(
                &profile.voluntary_return,
                today,
                head.id,
                &[],
                today + time::Duration::days(14),
                "dogharoun",
                ReturnChannel::Office,
            )
            .unwrap(),
        )
        .unwrap();
    let page = format!("/returns/{}", case.id);
    let shots = screenshots();

    // The office manager screens with a flag: the permit is not offered.
    sign_in(&c, &app, "manager.thr", PASSWORD, None).await;
    c.goto(&app.url("/returns")).await.unwrap();
    click(&c, &format!("tr[data-return='{}'] a", case.id)).await;
    c.wait()
        .for_element(Locator::Css("#return-screen-form"))
        .await
        .unwrap();
    assert_eq!(html_lang_dir(&c).await, ("fa-IR".into(), "rtl".into()));
    for q in &profile.voluntary_return.questions {
        let answer = if q.code == "risk_on_return" {
            "yes"
        } else {
            "no"
        };
        click(&c, &format!("#q_{}_{answer}", q.code)).await;
    }
    c.find(Locator::Css("#return-screen-form textarea[name=note]"))
        .await
        .unwrap()
        .send_keys("از بازگشت به ولایت خود بیم دارد.")
        .await
        .unwrap();
    click(&c, "#return-screen-form button[type=submit]").await;
    wait_for_text(&c, "#return-state", "نشانه").await;
    assert!(
        c.find(Locator::Css("#return-permit-blocked")).await.is_ok(),
        "the page says why no permit"
    );
    assert!(
        c.find(Locator::Css("#return-permit-form")).await.is_err(),
        "no permit form while flagged"
    );
    std::fs::write(
        shots.join("return-flagged-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // The protection officer clears it from the queue.
    sign_in(&c, &app, "protect", PASSWORD, Some(&secret)).await;
    c.goto(&app.url("/returns/protection")).await.unwrap();
    click(&c, &format!("tr[data-return='{}'] a", case.id)).await;
    c.wait()
        .for_element(Locator::Css("#return-review-form"))
        .await
        .unwrap();
    click(&c, "#return-decision-clear").await;
    c.find(Locator::Css("#return-review-form textarea[name=note]"))
        .await
        .unwrap()
        .send_keys("با خانواده در مقصد تماس گرفته شد.")
        .await
        .unwrap();
    click(&c, "#return-review-form button[type=submit]").await;
    wait_for_text(&c, "#return-state", "رفع نشانه").await;
    std::fs::write(
        shots.join("return-cleared-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // The office issues the permit.
    sign_in(&c, &app, "manager.thr", PASSWORD, None).await;
    c.goto(&app.url(&page)).await.unwrap();
    c.find(Locator::Css("#return-permit-form input[name=number]"))
        .await
        .unwrap()
        .send_keys("EP-1405-12")
        .await
        .unwrap();
    let valid = daftar_domain::jalali::JalaliDate::from_iso(today + time::Duration::days(30));
    c.find(Locator::Css("#return-permit-form input[name=valid_until]"))
        .await
        .unwrap()
        .send_keys(&format!(
            "{}/{:02}/{:02}",
            valid.year(),
            valid.month(),
            valid.day()
        ))
        .await
        .unwrap();
    click(&c, "#return-permit-form button[type=submit]").await;
    wait_for_text(&c, "#return-permit", "EP-1405-12").await;
    wait_for_text(&c, "#return-state", "برگهٔ خروج").await;
    std::fs::write(
        shots.join("return-permit-fa-IR.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    assert_fits_a_phone(&c, &shots, "return-case-fa-IR-360").await;
}
