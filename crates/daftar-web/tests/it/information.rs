//! Public information through the real server on both backends (issue 20.6): without signing
//! in, the index lists every service with a poster and a leaflet in four languages and the open
//! rounds with their Solar Hijri dates; a poster printed in Dari, Pashto or Persian (whatever
//! the reader's own language) carries the service's name, documents, steps, published fee and
//! the offices whose licence allows it; a leaflet is the same on A5; bad input gets stable codes.

use crate::harness::{TestApp, client, get_text};
use daftar_domain::audit::AuditCtx;
use daftar_domain::permission::{Permission, system_reach};
use daftar_domain::round::{Eligibility, NewRound};

async fn status_and_text(app: &TestApp, path: &str) -> (u16, String) {
    let r = client().get(app.url(path)).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

async fn posters_and_leaflets_come_from_the_catalog(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("THR-02");
    // THR-01's licence allows card renewal only; THR-02 has no licence record (every service).
    crate::licences::license(&app, a.id, "LIC-THR-0001", 365);
    let catalog = app.store.services().unwrap();
    let renewal = catalog
        .iter()
        .find(|s| s.definition.code.as_str() == "card_renewal")
        .unwrap();
    let today = daftar_domain::clock::Clock::default().today();
    let round = NewRound::parse(
        "تمدید کارت آمایش",
        &today.to_string(),
        &(today + time::Duration::days(30)).to_string(),
        &["card_renewal".into()],
        &catalog
            .iter()
            .map(|s| s.definition.code.as_str().to_owned())
            .collect(),
        Eligibility::parse(&[], "", "", ("", "", ""), "").unwrap(),
        "40",
        "",
        today,
    )
    .unwrap();
    app.store
        .open_round(
            &AuditCtx::system("test"),
            &system_reach(Permission::RoundManage),
            &round,
        )
        .unwrap();

    // The index, in the reader's language (Persian by default), without signing in.
    let (s, index) = status_and_text(&app, "/information").await;
    assert_eq!(s, 200, "{index}");
    for r in &catalog {
        let code = r.definition.code.as_str();
        for lang in ["fa-IR", "fa-AF", "ps", "en"] {
            for format in ["poster", "leaflet"] {
                let href = format!("/information/{code}/{format}?lang={lang}");
                assert!(index.contains(&href), "{href}");
            }
        }
    }
    let opens = daftar_domain::jalali::JalaliDate::from_iso(today).format("fa-IR");
    assert!(
        index.contains("تمدید کارت آمایش") && index.contains(&opens),
        "the open round and its Solar Hijri date"
    );

    // A poster in Dari and one in Pashto: the service's names in that language, its steps,
    // documents and fee; the page is right to left in that language.
    for lang in ["fa-AF", "ps"] {
        let (s, html) = status_and_text(
            &app,
            &format!("/information/card_renewal/poster?lang={lang}"),
        )
        .await;
        assert_eq!(s, 200);
        assert!(html.contains(&format!("lang=\"{lang}\"")) && html.contains("dir=\"rtl\""));
        assert!(html.contains(renewal.definition.names.get(lang)), "{lang}");
        for step in &renewal.definition.steps {
            assert!(html.contains(step.names.get(lang)), "{lang}: {}", step.code);
        }
        assert!(html.contains("class=\"info-sheet info-poster\""));
        assert!(html.contains("id=\"info-documents\"") && html.contains("id=\"info-fee\""));
        assert!(
            html.contains("تمدید کارت آمایش"),
            "the round that uses the service"
        );
    }
    // English is left to right; a leaflet is the same sheet on A5.
    let (s, en) = status_and_text(&app, "/information/card_renewal/leaflet?lang=en").await;
    assert_eq!(s, 200);
    assert!(en.contains("dir=\"ltr\"") && en.contains("class=\"info-sheet info-leaflet\""));
    assert!(en.contains(renewal.definition.names.get("en")));

    // Where to go: both offices of Tehran serve card renewal (counted, then named for the
    // province); only THR-02 offers a service THR-01's licence does not allow.
    let (_, poster) = status_and_text(&app, "/information/card_renewal/poster").await;
    assert!(
        poster.contains("<bdi>تهران</bdi>: ۲"),
        "two offices in Tehran"
    );
    let (_, named) = status_and_text(
        &app,
        "/information/card_renewal/poster?province=%D8%AA%D9%87%D8%B1%D8%A7%D9%86",
    )
    .await;
    assert!(named.contains(&a.name_fa) && named.contains(&b.name_fa));
    let other = catalog
        .iter()
        .map(|s| s.definition.code.as_str())
        .find(|c| *c != "card_renewal")
        .unwrap();
    let (_, named) = status_and_text(
        &app,
        &format!("/information/{other}/poster?province=%D8%AA%D9%87%D8%B1%D8%A7%D9%86"),
    )
    .await;
    assert!(
        !named.contains(&a.name_fa) && named.contains(&b.name_fa),
        "{other}"
    );
    assert!(
        !named.contains("تمدید کارت آمایش"),
        "the round does not use {other}"
    );

    // Bad input: stable codes, never a 500.
    let (s, body) = status_and_text(&app, "/information/card_renewal/poster?lang=xx").await;
    assert_eq!(s, 422, "{body}");
    assert!(
        body.contains("information.lang.invalid") || body.contains("زبان ناشناخته"),
        "{body}"
    );
    let (s, _) = status_and_text(&app, "/information/card_renewal/banner").await;
    assert_eq!(s, 404);
    let (s, _) = status_and_text(&app, "/information/no_such_service/poster").await;
    assert_eq!(s, 404);

    // Signed-in staff find it in the navigation.
    app.user("clerk.a", "clerk", Some(a.id));
    let c = app.signed_in("clerk.a").await;
    assert!(
        get_text(&app, &c, "/")
            .await
            .contains("href=\"/information\"")
    );
}

crate::both!(
    posters_and_leaflets,
    posters_and_leaflets_come_from_the_catalog
);
