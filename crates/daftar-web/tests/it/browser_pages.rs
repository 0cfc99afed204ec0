//! Every role's pages in headless Chromium (issue 21.5 and 21.8): the pages the every-page
//! crawl finds for the clerk, the office manager, the authority officer, the auditor, the
//! applicant on the portal and an anonymous visitor are loaded at 360 px in Persian, and none
//! may be wider than the window; the slip, the receipt and the card are printed with the print
//! stylesheet applied (its `@media print` rules made to apply on screen) and must hide the
//! navigation, every form, every button and `.no-print`, and keep their content. One browser
//! session per test; without Chromium the tests skip locally and fail with `CI=true`. The same
//! pages of the journeys, in Persian and English, have no serious or critical axe-core
//! violation (WCAG 2.1 A and AA rules; axe-core from npm, injected through WebDriver).

use crate::browser::{browser, screenshots};
use crate::every_page::{Visitor, World, crawl, message_ids, seed};
use crate::harness::{Backend, TestApp};
use daftar_domain::audit::AuditCtx;
use daftar_domain::user::Username;
use fantoccini::{Client, Locator};

/// Signs the browser in as `username` (and its second factor when `totp` is given).
pub(crate) async fn sign_in(
    c: &Client,
    app: &TestApp,
    username: &str,
    password: &str,
    totp: Option<&str>,
) {
    c.delete_all_cookies().await.unwrap();
    c.goto(&app.url("/login")).await.unwrap();
    let field = |name: &'static str| c.find(Locator::Css(name));
    field("input[name=username]")
        .await
        .unwrap()
        .send_keys(username)
        .await
        .unwrap();
    field("input[name=password]")
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    field("button[type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    if let Some(secret) = totp {
        let code = daftar_web::auth::totp::current(secret).unwrap();
        c.wait()
            .for_element(Locator::Css("input[name=code]"))
            .await
            .unwrap()
            .send_keys(&code)
            .await
            .unwrap();
        field("button[type=submit]")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    for _ in 0..100 {
        if !c.current_url().await.unwrap().path().starts_with("/login") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{username} could not sign in in the browser");
}

/// Gives the existing user `username` a fresh second-factor secret, and returns it.
pub(crate) fn with_totp(app: &TestApp, username: &str) -> String {
    let secret = daftar_web::auth::totp::new_secret();
    let id = app
        .store
        .user_auth_by_username(&Username::parse(username).unwrap())
        .unwrap()
        .unwrap()
        .user
        .id;
    app.store
        .set_totp(&AuditCtx::system("test"), id, Some(&secret))
        .unwrap();
    secret
}

/// Signs the browser in as `v`'s role: its user, or for the authority officer (who needs a
/// second factor, whose code works once) another officer with a fresh secret.
pub(crate) async fn sign_in_as(c: &Client, app: &TestApp, v: &Visitor) {
    match (&v.login, v.role.as_str()) {
        (Some((u, p)), _) => sign_in(c, app, u, p, None).await,
        (None, "anonymous") => c.delete_all_cookies().await.unwrap(),
        (None, role) => {
            let username = format!("{role}.web").replace('_', ".");
            app.user(&username, role, None);
            let secret = with_totp(app, &username);
            sign_in(c, app, &username, crate::harness::PASSWORD, Some(&secret)).await;
        }
    }
    // Persian, right to left: where a phone-width fault shows first.
    c.goto(&app.url("/locale/fa-IR?next=/")).await.unwrap();
}

/// The page's width and the window's, in CSS pixels.
async fn widths(c: &Client) -> (i64, i64) {
    let w = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    (w[0].as_i64().unwrap(), w[1].as_i64().unwrap())
}

/// The pages of every role, as the crawl finds them in Persian.
async fn pages_of(app: &TestApp, world: &World) -> Vec<(usize, Vec<String>)> {
    let ids = message_ids();
    let mut out = vec![];
    for (i, v) in world.visitors.iter().enumerate() {
        let (_, pages) = crawl(app, &v.client, &v.role, "fa-IR", &v.starts, &ids).await;
        out.push((i, pages));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_of_every_role_fits_a_phone() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let world = seed(&app).await;
    let pages = pages_of(&app, &world).await;
    c.set_window_size(360, 800).await.unwrap();
    let shots = screenshots().join("phone");
    std::fs::create_dir_all(&shots).unwrap();
    let mut wide = vec![];
    let mut seen = 0;
    for (i, paths) in pages {
        let v = &world.visitors[i];
        sign_in_as(&c, &app, v).await;
        let (_, window) = widths(&c).await;
        assert!(
            window <= 360,
            "the window is {window}px wide, not a phone's 360px"
        );
        for p in paths {
            c.goto(&app.url(&p)).await.unwrap();
            seen += 1;
            let (page, window) = widths(&c).await;
            if page > window {
                let name = format!("{}-{}", v.role, p.replace(['/', '?', '=', '&'], "_"));
                std::fs::write(
                    shots.join(format!("{name}.png")),
                    c.screenshot().await.unwrap(),
                )
                .unwrap();
                wide.push(format!("{} {p}: {page}px in a {window}px window", v.role));
            }
        }
    }
    assert!(seen >= 30, "only {seen} pages seen");
    assert!(
        wide.is_empty(),
        "{} pages wider than a 360px phone (screenshots in target/screenshots/phone/):\n{}",
        wide.len(),
        wide.join("\n")
    );
}

/// Applies the page's `@media print` rules on screen (the same rules appended outside their
/// media query), so that the browser computes the printed layout.
const APPLY_PRINT_RULES: &str = r#"
    const rules = [];
    for (const sheet of document.styleSheets) {
        for (const r of sheet.cssRules) {
            if (r.media && [...r.media].includes('print')) {
                for (const inner of r.cssRules) rules.push([sheet, inner.cssText]);
            }
        }
    }
    // Through the CSSOM: the page's CSP refuses an injected <style>.
    for (const [sheet, text] of rules) sheet.insertRule(text, sheet.cssRules.length);
    return rules.length;
"#;

/// Elements matching `css` still shown in print.
pub(crate) const SHOWN: &str = r#"
    return [...document.querySelectorAll(arguments[0])]
        .filter(e => getComputedStyle(e).display !== 'none' && e.closest('[hidden]') === null)
        .filter(e => { for (let p = e; p; p = p.parentElement) { if (getComputedStyle(p).display === 'none') return false; } return true; })
        .map(e => e.outerHTML.slice(0, 120));
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slips_receipts_and_cards_print_without_navigation_or_forms() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let world = seed(&app).await;
    let printable = |role: &str, part: &str| {
        let v = world.visitors.iter().find(|v| v.role == role).unwrap();
        let p = v.starts.iter().find(|p| p.contains(part)).unwrap().clone();
        (v, p)
    };
    let shots = screenshots();
    for (role, part, keep) in [
        ("clerk", "/slip", "#fees"),
        ("clerk", "/receipts/", "#receipt-amount"),
        ("applicant", "/card", ".id-card"),
        ("anonymous", "/receipts/", "#receipt-amount"),
    ] {
        let (v, path) = printable(role, part);
        sign_in_as(&c, &app, v).await;
        c.goto(&app.url(&path)).await.unwrap();
        let n = c.execute(APPLY_PRINT_RULES, vec![]).await.unwrap();
        assert!(n.as_i64().unwrap() > 0, "{path}: no print rules");
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
            "{role} {path} prints {shown}"
        );
        let kept = c.execute(SHOWN, vec![keep.into()]).await.unwrap();
        assert!(
            !kept.as_array().unwrap().is_empty(),
            "{role} {path}: {keep} does not print"
        );
        let name = format!("print-{role}-{}.png", part.trim_matches('/'));
        std::fs::write(shots.join(name), c.screenshot().await.unwrap()).unwrap();
    }
}

/// axe-core as `scripts/setup.sh` installs it (`node_modules/axe-core/axe.min.js`), or `None`
/// (a skip locally, a failure with `CI=true`).
pub(crate) fn axe_source() -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) => {
            assert!(
                !daftar_testkit::in_ci(),
                "CI=true but {} is missing: run scripts/setup.sh",
                path.display()
            );
            daftar_testkit::skip(format!(
                "{} not installed (scripts/setup.sh installs it)",
                path.display()
            ));
            None
        }
    }
}

/// Runs axe-core (WCAG 2.1 A and AA rules) on the page; returns its serious and critical
/// violations as "rule: target …".
pub(crate) async fn axe_violations(c: &Client, axe: &str) -> Vec<String> {
    c.execute(&format!("{axe}\nreturn true;"), vec![])
        .await
        .unwrap();
    let v = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                .then(r => done(r.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))
                .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_pages_have_no_serious_accessibility_violations() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let world = seed(&app).await;
    let pages = pages_of(&app, &world).await;
    let mut found = vec![];
    let mut checked = 0;
    for (i, paths) in pages {
        let v = &world.visitors[i];
        sign_in_as(&c, &app, v).await;
        // The journeys' pages: one service page stands for the catalog's.
        let mut services = 0;
        let journey: Vec<&String> = paths
            .iter()
            .filter(|p| {
                if p.starts_with("/services/") {
                    services += 1;
                    return services == 1;
                }
                !p.starts_with("/profile/totp")
            })
            .take(16)
            .collect();
        for tag in ["fa-IR", "en"] {
            c.goto(&app.url(&format!("/locale/{tag}?next=/")))
                .await
                .unwrap();
            for p in &journey {
                c.goto(&app.url(p)).await.unwrap();
                checked += 1;
                for violation in axe_violations(&c, &axe).await {
                    found.push(format!("{} {tag} {p}: {violation}", v.role));
                }
            }
        }
    }
    assert!(checked >= 40, "only {checked} pages checked");
    assert!(
        found.is_empty(),
        "{} serious or critical accessibility violations:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// Counts the clicks of a journey.
struct Clicks<'a> {
    c: &'a Client,
    n: u32,
}

impl Clicks<'_> {
    async fn on(&mut self, css: &str) {
        self.c
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
        self.n += 1;
    }
}

async fn type_into(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

/// Replaces `window.print` with a marker, clicks the page's print button and says whether the
/// page asked to print (an inline `onclick` would be refused by the page's CSP).
pub(crate) async fn print_button_prints(c: &Client) -> bool {
    c.execute(
        "window.__printed = false; window.print = () => { window.__printed = true; }; return true;",
        vec![],
    )
    .await
    .unwrap();
    c.find(Locator::Css("button[data-print]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.execute("return window.__printed === true;", vec![])
        .await
        .unwrap()
        .as_bool()
        .unwrap()
}

/// The text of the element matching `css`.
pub(crate) async fn text_of(c: &Client, css: &str) -> String {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Completes the case's current step from its page (the decision form's "complete") and waits
/// for the reloaded page to show another step or state; returns the new step.
async fn complete_step(c: &Client) -> String {
    let before = (
        text_of(c, "#case-step").await,
        text_of(c, "#case-state").await,
    );
    c.find(Locator::Css("#decide button[value=complete]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        if let (Ok(step), Ok(state)) = (
            c.find(Locator::Css("#case-step")).await,
            c.find(Locator::Css("#case-state")).await,
        ) && let (Ok(step), Ok(state)) = (step.text().await, state.text().await)
            && (step.clone(), state) != before
        {
            assert!(
                c.find(Locator::Css("#case-error")).await.is_err(),
                "the step was not completed: {}",
                text_of(c, "#case-error").await
            );
            return step;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the case stayed at {before:?}");
}

/// Runs axe-core on the page when it is installed; fails on serious or critical violations.
pub(crate) async fn assert_accessible(c: &Client, axe: Option<&str>, what: &str) {
    if let Some(axe) = axe {
        let found = axe_violations(c, axe).await;
        assert!(found.is_empty(), "{what}: {}", found.join("\n"));
    }
}

/// The clerk's journey (issue 21, "Done when"): from the home page a single person is
/// registered with their card and a card renewal opened for them in at most 8 clicks; then
/// the fee is paid and the receipt (amount with its unit) printed; the photo and the card scan
/// are added and the intake completed, the office manager approves, the clerk issues the card
/// and the case is approved, with nothing left to decide; the person's new card is on their
/// credentials page. axe-core finds no serious violation on any step. Screenshots of every
/// step under `target/screenshots/journey-clerk/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_registers_a_single_person_and_opens_a_renewal_in_eight_clicks() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let office = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(office.id));
    sign_in(&c, &app, "clerk.a", crate::harness::PASSWORD, None).await;
    let shots = screenshots().join("journey-clerk");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = |name: &'static str| {
        let c = c.clone();
        let dir = shots.clone();
        async move {
            std::fs::write(
                dir.join(format!("{name}.png")),
                c.screenshot().await.unwrap(),
            )
            .unwrap();
        }
    };
    c.goto(&app.url("/")).await.unwrap();
    shot("1-home").await;
    let mut clicks = Clicks { c: &c, n: 0 };
    clicks.on("#home-register").await;
    for (name, value) in [
        ("given_name", "نرگس"),
        ("family_name", "رحیمی"),
        ("father_name", "عبدالله"),
        ("birth_date", "۲۱ شهریور ۱۳۴۴"),
        ("doc_number", "RC20260001"),
    ] {
        type_into(&c, &format!("#register input[name={name}]"), value).await;
    }
    clicks
        .on("#register select[name=sex] option[value=female]")
        .await;
    clicks
        .on("#register select[name=doc_kind] option[value=registration_card]")
        .await;
    shot("2-register").await;
    clicks.on("#register button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("#history"))
        .await
        .unwrap();
    shot("3-person").await;
    let person_url = c.current_url().await.unwrap();
    let person_url = format!("{}{}", app.base, person_url.path());
    clicks
        .on("form[action$=\"/cases/new\"] button[type=submit]")
        .await;
    clicks
        .on("select[name=service] option[value=card_renewal]")
        .await;
    shot("4-case-form").await;
    clicks.on("#new-case button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("#case-state"))
        .await
        .unwrap();
    shot("5-case").await;
    assert!(
        clicks.n <= 8,
        "registering a single person and opening a card renewal took {} clicks",
        clicks.n
    );
    // Pay the fee; the receipt shows the amount with its unit.
    clicks.on("form[id^=pay-] button[type=submit]").await;
    let amount = c
        .wait()
        .for_element(Locator::Css("#receipt-amount"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(amount.ends_with("ریال"), "{amount}");
    assert!(
        amount.chars().any(|d| ('۱'..='۹').contains(&d))
            && !amount.chars().any(|d| d.is_ascii_digit()),
        "an amount in Persian digits: {amount}"
    );
    shot("6-receipt").await;
    let axe = axe_source();
    let axe = axe.as_deref();
    assert_accessible(&c, axe, "receipt").await;
    assert!(
        print_button_prints(&c).await,
        "the receipt's print button does nothing"
    );

    // Back to the case: the photo and the card scan, then the intake is complete.
    c.find(Locator::Css("#receipt ~ p a, p.no-print a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css("#upload")).await.unwrap();
    let case_url = c.current_url().await.unwrap().to_string();
    let files = tempfile::tempdir().unwrap();
    for (kind, name, bytes) in [
        (
            "photo",
            "photo.png",
            &b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89"[..],
        ),
        ("registration_card", "card.pdf", &b"%PDF-1.4\n%%EOF\n"[..]),
    ] {
        let path = files.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        crate::browser::click(&c, &format!("#upload option[value={kind}]")).await;
        c.find(Locator::Css("#upload input[type=file]"))
            .await
            .unwrap()
            .send_keys(&path.display().to_string())
            .await
            .unwrap();
        crate::browser::click(&c, "#upload button[type=submit]").await;
        crate::browser::wait_for_text(&c, "#case-documents", name).await;
    }
    shot("7-evidence").await;
    let intake = text_of(&c, "#case-step").await;
    let approval = complete_step(&c).await;
    assert_ne!(intake, approval);
    assert!(text_of(&c, "#timeline").await.contains("مرحله پایان یافت"));
    shot("8-intake-done").await;
    assert_accessible(&c, axe, "case page after intake").await;

    // The office manager approves.
    app.user("manager.a", "office_manager", Some(office.id));
    sign_in(&c, &app, "manager.a", crate::harness::PASSWORD, None).await;
    c.goto(&case_url).await.unwrap();
    assert_eq!(
        text_of(&c, "#case-step").await,
        approval,
        "the manager's step"
    );
    let issue = complete_step(&c).await;
    shot("9-approved-by-manager").await;

    // The clerk issues the card: the case is approved and has nothing left to decide.
    sign_in(&c, &app, "clerk.a", crate::harness::PASSWORD, None).await;
    c.goto(&case_url).await.unwrap();
    assert_eq!(
        text_of(&c, "#case-step").await,
        issue,
        "the clerk's last step"
    );
    complete_step(&c).await;
    let state = text_of(&c, "#case-state").await;
    assert!(
        state.contains("تأیید شده"),
        "the case's final state: {state}"
    );
    assert!(
        c.find(Locator::Css("#decide")).await.is_err(),
        "a closed case offers no decision"
    );
    shot("10-case-complete").await;
    assert_accessible(&c, axe, "completed case").await;

    // The person's new registration card is on their credentials page, with a card to print.
    c.goto(&format!("{person_url}/credentials")).await.unwrap();
    let listed = text_of(&c, "main").await;
    assert!(listed.contains("کارت آمایش"), "{listed}");
    assert!(
        c.find(Locator::Css("form[action$=\"/card\"]"))
            .await
            .is_ok(),
        "no card to print: {listed}"
    );
    shot("11-credentials").await;
}
