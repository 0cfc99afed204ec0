//! The printable card in print preview (issue 21.6): headless Chromium lays the card page out
//! for print (print media emulated through DevTools) and prints it to PDF with the page's own
//! `@page` rules, in Persian and in English, and the test measures what a person holding the
//! card would check: each side is an ID-1 card (85.60 × 53.98 mm ± 0.5 mm at 96 CSS px an
//! inch), nothing spills over its edges, the QR code is at least 25 mm, the Gregorian dates
//! stay on one line and read left to right, the names are there in both scripts, the
//! nationality is a name, "verify at" carries the configured public address, the navigation
//! and the forms are not printed, and the PDF has two pages (front, back) of the card's size.
//! Screenshots of both sides under `target/screenshots/card/`.

use crate::browser::{
    browser, cdp, click, emulate_print, iso_dates_read_left_to_right, log_in, pdf_pages_mm,
    print_pdf, screenshots,
};
use crate::browser_pages::SHOWN;
use crate::harness::{Backend, TestApp};
use daftar_domain::audit::AuditCtx;
use daftar_domain::credential::NewCredential;
use daftar_domain::permission::{Permission, system_scope};
use daftar_domain::person::{Person, PersonDraft, Sex};
use daftar_domain::service::CredentialKind;
use daftar_testkit::Register;
use daftar_web::WebConfig;
use fantoccini::{Client, Locator};

/// ID-1 (ISO/IEC 7810), in millimetres.
const ID1: (f64, f64) = (85.60, 53.98);

/// A portrait photo (a PNG, 300 × 400 px, shades of grey-blue) for the card.
fn portrait() -> Vec<u8> {
    let img = image::RgbImage::from_fn(300, 400, |x, y| {
        let d = ((x as i32 - 150).pow(2) + (y as i32 - 150).pow(2)) < 70 * 70;
        if d || (y > 250 && (x as i32 - 150).abs() < (y as i32 - 200)) {
            image::Rgb([90, 100, 120])
        } else {
            image::Rgb([225, 230, 238])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A person at `office` with a registration card credential (`id`), and their photo when
/// `photo`; returns the person.
fn holder(
    app: &TestApp,
    office: daftar_domain::ids::OfficeId,
    new: &PersonDraft,
    id: &str,
    photo: bool,
) -> Person {
    let ctx = AuditCtx::system("test");
    let scope = system_scope(office, Permission::PersonWrite);
    let p = app.store.register(&ctx, &scope, new).unwrap();
    if photo {
        app.store
            .set_photo(
                &ctx,
                &scope,
                p.id,
                &daftar_domain::photo::Photo::check(portrait()).unwrap(),
            )
            .unwrap();
    }
    let now = time::OffsetDateTime::now_utc();
    let expires = now + time::Duration::days(365);
    app.store
        .issue_credentials(
            &ctx,
            &[NewCredential {
                id: id.into(),
                person_id: p.id,
                case_id: None,
                office_id: office,
                issuer: "IR/THR-01".into(),
                kind: CredentialKind::RegistrationCard,
                not_before: now,
                expires,
                fields: daftar_domain::credential::claims_for(
                    &p,
                    CredentialKind::RegistrationCard,
                    &daftar_domain::credential::Grant::without_case(
                        CredentialKind::RegistrationCard,
                        expires.date(),
                    ),
                    now.date(),
                ),
            }],
        )
        .unwrap();
    p
}

/// What the print layout measures on the card page (CSS px converted to mm at 96 px an inch).
const MEASURE: &str = r#"
    const mm = px => px * 25.4 / 96;
    const inside = (q, r) => q.left >= r.left - 0.5 && q.right <= r.right + 0.5
        && q.top >= r.top - 0.5 && q.bottom <= r.bottom + 0.5;
    const cards = [...document.querySelectorAll('.id-card')].map(card => {
        const r = card.getBoundingClientRect();
        const out = [];
        for (const e of card.querySelectorAll('*')) {
            const q = e.getBoundingClientRect();
            if ((q.width || q.height) && !inside(q, r)) out.push('<' + e.tagName.toLowerCase() + ' class="' + e.getAttribute('class') + '">');
        }
        const walk = document.createTreeWalker(card, NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
            if (!n.data.trim()) continue;
            const range = document.createRange();
            range.selectNodeContents(n);
            for (const q of range.getClientRects()) {
                if (!inside(q, r)) { out.push('text "' + n.data.trim().slice(0, 40) + '"'); break; }
            }
        }
        for (const e of [card, ...card.querySelectorAll('*')]) {
            if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible'
                || e.scrollHeight > e.clientHeight + 1 && getComputedStyle(e).overflowY !== 'visible') {
                out.push('clipped <' + e.tagName.toLowerCase() + ' class="' + e.getAttribute('class') + '">');
            }
        }
        return { id: card.id, w: mm(r.width), h: mm(r.height), overflow: out };
    });
    const fig = document.querySelector('#card-qr');
    const svg = fig.querySelector('svg').getBoundingClientRect();
    const modules = Number(fig.dataset.modules);
    const quiet = 4;
    const greg = [...document.querySelectorAll('.id-card .greg')].map(e => ({
        text: e.textContent,
        lines: e.getClientRects().length,
        nowrap: getComputedStyle(e).whiteSpace === 'nowrap',
        dir: getComputedStyle(e).direction,
    }));
    const text = id => (document.getElementById(id) || {}).textContent || '';
    return {
        cards,
        qr: { w: mm(svg.width), h: mm(svg.height), code: mm(svg.width) * modules / (modules + 2 * quiet), modules },
        greg,
        name: text('card-name'),
        latin: text('card-name-latin'),
        registry: text('card-registry-no'),
        verify: text('card-verify-url'),
        front: text('card-front'),
        photo: !!document.querySelector('#card-photo img'),
        placeholder: !!document.querySelector('#card-photo svg.placeholder'),
        photo_loaded: [...document.querySelectorAll('#card-photo img')].every(i => i.complete && i.naturalWidth > 0),
    };
"#;

/// Asserts the print layout of the card page open in `c`, in locale `tag`, of `p`.
async fn check_printed_card(
    c: &Client,
    tag: &str,
    p: &Person,
    photo: bool,
    public: &str,
) -> serde_json::Value {
    emulate_print(c, true).await;
    let m = c.execute(MEASURE, vec![]).await.unwrap();
    let what = format!("{tag}, {}", p.given_name);
    let cards = m["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 2, "{what}: front and back: {m}");
    for card in cards {
        let (w, h) = (card["w"].as_f64().unwrap(), card["h"].as_f64().unwrap());
        assert!(
            (w - ID1.0).abs() <= 0.5 && (h - ID1.1).abs() <= 0.5,
            "{what}: {} is {w:.2} × {h:.2} mm, not ID-1 {} × {} mm",
            card["id"],
            ID1.0,
            ID1.1
        );
        assert!(
            card["overflow"].as_array().unwrap().is_empty(),
            "{what}: spills over the edge of {}: {}",
            card["id"],
            card["overflow"]
        );
    }
    let qr = &m["qr"];
    assert!(
        qr["code"].as_f64().unwrap() >= 25.0,
        "{what}: the QR code is {:.1} mm wide ({} modules), under 25 mm",
        qr["code"].as_f64().unwrap(),
        qr["modules"]
    );
    assert!(
        (qr["w"].as_f64().unwrap() - qr["h"].as_f64().unwrap()).abs() < 0.1,
        "{what}: {qr}"
    );
    // Birth date, valid until, issued, expires: each Gregorian date one unbroken line.
    let greg = m["greg"].as_array().unwrap();
    assert!(greg.len() >= 4, "{what}: {greg:?}");
    for g in greg {
        assert!(
            g["lines"] == 1 && g["nowrap"] == true && g["dir"] == "ltr",
            "{what}: a Gregorian date wraps or is not left to right: {g}"
        );
    }
    let reversed: Vec<_> = iso_dates_read_left_to_right(c, ".id-card")
        .await
        .into_iter()
        .filter(|(_, ok)| !ok)
        .collect();
    assert!(
        reversed.is_empty(),
        "{what}: drawn right to left: {reversed:?}"
    );
    // Both scripts, the registry number, the nationality's name, the public address.
    assert!(
        m["name"].as_str().unwrap().contains(&p.given_name),
        "{what}: {m}"
    );
    if !p.given_name_latin.is_empty() {
        assert!(
            m["latin"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains(&p.given_name_latin.to_lowercase()),
            "{what}: {m}"
        );
    }
    assert_eq!(m["registry"].as_str().unwrap(), p.registry_no, "{what}");
    let front = m["front"].as_str().unwrap();
    let country = if tag == "en" {
        "Afghanistan"
    } else {
        "افغانستان"
    };
    assert!(
        front.contains(country) && !front.contains("AFG"),
        "{what}: {front}"
    );
    assert_eq!(
        m["verify"].as_str().unwrap(),
        format!("{public}/verify"),
        "{what}"
    );
    assert_eq!(m["photo"].as_bool().unwrap(), photo, "{what}: {m}");
    assert_eq!(m["placeholder"].as_bool().unwrap(), !photo, "{what}: {m}");
    assert!(
        m["photo_loaded"].as_bool().unwrap(),
        "{what}: the photo did not load"
    );
    // Printed: the card only.
    let shown = c
        .execute(
            SHOWN,
            vec!["nav, form, button, .no-print, header.top, footer, h1".into()],
        )
        .await
        .unwrap();
    assert_eq!(shown.as_array().unwrap().len(), 0, "{what}: prints {shown}");
    m
}

/// Saves each side of the card (as laid out now) under `target/screenshots/card/`, at 3 device
/// pixels a CSS pixel (288 dpi, about what a phone's camera sees of a card held up to it);
/// returns the text of the QR code read from the picture of the back.
async fn shoot_sides(c: &Client, name: &str) -> String {
    let dir = screenshots().join("card");
    std::fs::create_dir_all(&dir).unwrap();
    cdp(
        c,
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({"width": 1280, "height": 900, "deviceScaleFactor": 3, "mobile": false}),
    )
    .await;
    let mut back = vec![];
    for side in ["front", "back"] {
        let png = c
            .find(Locator::Css(&format!("#card-{side}")))
            .await
            .unwrap()
            .screenshot()
            .await
            .unwrap();
        std::fs::write(dir.join(format!("{name}-{side}.png")), &png).unwrap();
        back = png;
    }
    cdp(
        c,
        "Emulation.clearDeviceMetricsOverride",
        serde_json::json!({}),
    )
    .await;
    daftar_credential::scan::read_qr(&back)
        .unwrap_or_else(|e| panic!("{name}: the QR on the printed back does not read: {e:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_printed_card_is_an_id1_card_front_and_back_in_print_preview() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let public = "https://daftar.example.ir";
    let app = TestApp::start_with(
        Backend::Sqlite,
        WebConfig {
            public_url: format!("{public}/"),
            ..WebConfig::default()
        },
    )
    .await
    .unwrap();
    let office = app.office("THR-01");
    app.user("clerk.card", "clerk", Some(office.id));
    // A long name in both scripts, a full birth date and a photo; and a person known by the
    // year of birth only, with no Latin name and no photo (the placeholder).
    let long = holder(
        &app,
        office.id,
        &PersonDraft {
            given_name: "محمدعبدالرحیم".into(),
            family_name: "عبدالرحمان‌زاده قندهاری".into(),
            father_name: "غلام‌محی‌الدین".into(),
            given_name_latin: "Mohammad Abdulrahim".into(),
            family_name_latin: "Abdulrahmanzadeh Kandahari".into(),
            birth_date: Some("1965-09-12".into()),
            sex: Sex::Male,
            nationality: "AFG".into(),
            province: "سیستان و بلوچستان".into(),
            ..PersonDraft::default()
        },
        "00000000000000c1",
        true,
    );
    let plain = holder(
        &app,
        office.id,
        &PersonDraft {
            given_name: "سارا".into(),
            family_name: "نوری".into(),
            father_name: "احمد".into(),
            birth_date: Some("1370".into()),
            sex: Sex::Female,
            nationality: "AFG".into(),
            ..PersonDraft::default()
        },
        "00000000000000c2",
        false,
    );
    log_in(&c, &app, "clerk.card").await;
    let card = |p: &Person, id: &str| {
        format!(
            "/offices/{}/persons/{}/credentials/{id}/card?purpose=full",
            office.id, p.id
        )
    };
    let dir = screenshots().join("card");
    std::fs::create_dir_all(&dir).unwrap();
    let mut scanned = vec![];
    for tag in ["fa-IR", "en"] {
        for (p, id, photo) in [
            (&long, "00000000000000c1", true),
            (&plain, "00000000000000c2", false),
        ] {
            c.goto(&app.url(&format!(
                "/locale/{tag}?next={}",
                card(p, id).replace('&', "%26")
            )))
            .await
            .unwrap();
            c.wait()
                .for_element(Locator::Css("#card-back"))
                .await
                .unwrap();
            let html = c.find(Locator::Css("html")).await.unwrap();
            assert_eq!(html.attr("lang").await.unwrap().as_deref(), Some(tag));
            // Fonts settled and the photo loaded before measuring.
            c.execute_async(
                "const done = arguments[arguments.length - 1];
                 Promise.all([document.fonts.ready, ...[...document.images].map(i => i.decode().catch(() => {}))]).then(() => done(true));",
                vec![],
            )
            .await
            .unwrap();
            let m = check_printed_card(&c, tag, p, photo, public).await;
            let who = if photo { "photo" } else { "placeholder" };
            let read = shoot_sides(&c, &format!("{tag}-{who}")).await;
            assert!(read.starts_with("DF1:"), "{tag} {who}: {read}");
            scanned.push(read);
            // The PDF print preview makes: two pages of the card's size, front then back.
            let pdf = print_pdf(&c).await;
            std::fs::write(dir.join(format!("{tag}-{who}.pdf")), &pdf).unwrap();
            let pages = pdf_pages_mm(&pdf);
            assert_eq!(
                pages.len(),
                2,
                "{tag} {who}: the PDF's pages: {pages:?}; {m}"
            );
            for (w, h) in pages {
                assert!(
                    (w - ID1.0).abs() <= 0.5 && (h - ID1.1).abs() <= 0.5,
                    "{tag} {who}: a printed page is {w:.2} × {h:.2} mm"
                );
            }
            emulate_print(&c, false).await;
        }
    }
    // What the phone read from the printed card checks as valid on the public page.
    c.goto(&app.url("/verify")).await.unwrap();
    c.find(Locator::Css("#verify-form textarea[name=text]"))
        .await
        .unwrap()
        .send_keys(&scanned[0])
        .await
        .unwrap();
    click(&c, "#verify-form button[type=submit]").await;
    let verdict = c
        .wait()
        .for_element(Locator::Css("#verdict[data-verdict=\"valid\"]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(verdict.contains(&long.given_name), "{verdict}");
    c.close().await.unwrap();
}
