//! Planning figures through the real server on both backends (issue 20.2): a partner sees
//! persons by age group per province, a small cell withheld with its complements so that no
//! total gives it away, on the page and in the CSV and XLSX exports alike; drills down to a
//! province's districts and a district's office catchments and sexes; never a name; an office
//! manager sees their own catchment only; a clerk is refused.

use crate::harness::{TestApp, get_text};
use daftar_domain::audit::AuditCtx;
use daftar_domain::ids::OfficeId;
use daftar_domain::office::{CreateOffice, OfficeCode};
use daftar_domain::permission::{Permission, system_scope};
use daftar_domain::person::{PersonDraft, Sex};
use daftar_testkit::Register;

fn child(app: &TestApp, office: OfficeId, given: &str) {
    app.store
        .register(
            &AuditCtx::system("test"),
            &system_scope(office, Permission::PersonWrite),
            &PersonDraft {
                given_name: given.into(),
                family_name: "احمدی".into(),
                father_name: "محمد".into(),
                birth_date: Some(
                    (daftar_domain::clock::Clock::default().today() - time::Duration::days(400))
                        .to_string(),
                ),
                sex: Sex::Male,
                nationality: "AFG".into(),
                ..PersonDraft::default()
            },
        )
        .unwrap();
}

/// The CSV's lines as cells, header first.
fn rows(csv: &str) -> Vec<Vec<String>> {
    csv.trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

async fn partners_see_protected_counts_by_place_and_age(app: TestApp) {
    let a = app.office("THR-01");
    let m = app
        .store
        .create_office(
            &AuditCtx::system("test"),
            &CreateOffice::parse(
                OfficeCode::parse("MHD-01").unwrap(),
                "دفتر مشهد",
                "Mashhad office",
                "خراسان رضوی",
                "مشهد",
            )
            .unwrap(),
        )
        .unwrap();
    // Tehran: 8 of working age, 3 under five. Khorasan: 9 and 6.
    let mut names = vec![];
    for i in 0..8 {
        names.push(app.person(a.id, &format!("تهرانی{i}")).given_name);
    }
    for i in 0..3 {
        child(&app, a.id, &format!("کودک{i}"));
    }
    for i in 0..9 {
        names.push(app.person(m.id, &format!("مشهدی{i}")).given_name);
    }
    for i in 0..6 {
        child(&app, m.id, &format!("خردسال{i}"));
    }
    app.user("partner", "partner", None);
    app.user("manager.mhd", "office_manager", Some(m.id));
    app.user("clerk.thr", "clerk", Some(a.id));

    let p = app.signed_in("partner").await;
    let html = get_text(&app, &p, "/").await;
    assert!(
        html.contains("href=\"/planning\""),
        "in the partner's navigation"
    );
    let html = get_text(&app, &p, "/planning").await;
    assert!(html.contains("id=\"planning-provinces\""), "{html}");
    assert!(html.contains("پنهان"), "small cells withheld");
    for n in &names {
        assert!(!html.contains(n.as_str()));
    }
    // The export: Tehran's 3 under-fives withheld, and with them its 8 of working age (else
    // 11 − 8 gives 3), Khorasan's 6 under-fives (else the column's 9 − 6) and then its 9.
    let r = p.get(app.url("/planning/export.csv")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    let lines = rows(&csv);
    assert_eq!(
        lines[0].join(","),
        daftar_web::features::planning::columns().join(",")
    );
    let line = |place: &str| lines.iter().find(|l| l[1] == place).unwrap().clone();
    let tehran = line("تهران");
    assert_eq!(
        tehran[..],
        ["province", "تهران", "", "0", "", "0", "0", "11", "0"]
    );
    let khorasan = line("خراسان رضوی");
    assert_eq!(
        khorasan[..],
        ["province", "خراسان رضوی", "", "0", "", "0", "0", "15", "0"]
    );
    let totals = lines.iter().find(|l| l[0] == "province_total").unwrap();
    assert_eq!(totals[2..], ["9", "0", "17", "0", "0", "26", "0"]);
    for n in &names {
        assert!(!csv.contains(n.as_str()));
    }
    // XLSX: the same figures.
    let r = p
        .get(app.url("/planning/export.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("planning").unwrap();
    let tehran_row = sheet
        .rows()
        .find(|r| r.get(1).map(|c| c.to_string()) == Some("تهران".into()))
        .unwrap();
    assert_eq!(tehran_row[2].to_string(), "", "withheld in XLSX too");
    assert_eq!(tehran_row[7].to_string(), "11");

    // Drill down: Tehran's districts, then the district's offices and sexes.
    let html = get_text(
        &app,
        &p,
        "/planning?province=%D8%AA%D9%87%D8%B1%D8%A7%D9%86",
    )
    .await;
    assert!(html.contains("id=\"planning-districts\"") && html.contains("مرکزی"));
    // Every level is protected together: Tehran's under-fives and working age, withheld in
    // the provinces' table, are not the shown totals of Tehran's districts either (the
    // province's row is the districts' totals row, withheld alike), nor recoverable there.
    let csv = p
        .get(app.url("/planning/export.csv?province=%D8%AA%D9%87%D8%B1%D8%A7%D9%86"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines = rows(&csv);
    let totals = lines.iter().find(|l| l[0] == "district_total").unwrap();
    assert_eq!(totals[2..7], tehran[2..7], "{csv}");
    for l in lines.iter().filter(|l| l[0] == "district") {
        assert!(l[2].is_empty() && l[4].is_empty(), "{csv}");
    }
    let html = get_text(
        &app,
        &p,
        "/planning?province=%D8%AA%D9%87%D8%B1%D8%A7%D9%86&district=%D9%85%D8%B1%DA%A9%D8%B2%DB%8C",
    )
    .await;
    assert!(html.contains("id=\"planning-offices\"") && html.contains("THR-01"));
    assert!(html.contains("id=\"planning-sexes\"") && html.contains("زن"));

    // An office manager: their own catchment only; a clerk: refused.
    let mgr = app.signed_in("manager.mhd").await;
    let csv = mgr
        .get(app.url("/planning/export.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines = rows(&csv);
    assert!(lines.iter().any(|l| l[1] == "خراسان رضوی"));
    assert!(!lines.iter().any(|l| l[1] == "تهران"), "{csv}");
    let clerk = app.signed_in("clerk.thr").await;
    for path in ["/planning", "/planning/export.csv", "/planning/export.xlsx"] {
        let r = clerk.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
}

crate::both!(
    partners_see_protected_counts,
    partners_see_protected_counts_by_place_and_age
);

/// Issue 20.2's missing figures: a clerk records medical needs (form and API, with `If-Match`),
/// audited; the partner's figures count them in a column protected on its own (5 shown, 4
/// withheld with the total it would be recovered from); a round's trend line counts the
/// persons it called by age on its opening day.
async fn medical_needs_and_the_trend_per_round(app: TestApp) {
    let a = app.office("THR-01");
    let persons: Vec<_> = (0..7)
        .map(|i| app.person(a.id, &format!("بیمار{i}")))
        .collect();
    app.user("partner", "partner", None);
    app.user("clerk.thr", "clerk", Some(a.id));
    let clerk = app.signed_in("clerk.thr").await;
    let page = |p: &daftar_domain::person::Person| format!("/offices/{}/persons/{}", a.id, p.id);
    let html = get_text(&app, &clerk, &page(&persons[0])).await;
    assert!(html.contains("id=\"medical-needs-form\""));
    let token = crate::harness::csrf_in(&html).unwrap();
    for p in &persons[..5] {
        let r = app
            .post_form(
                &clerk,
                &format!("{}/medical-needs", page(p)),
                &[("_csrf", token.as_str()), ("medical_needs", "yes")],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    let html = get_text(&app, &clerk, &page(&persons[0])).await;
    assert!(
        html.contains("id=\"medical-needs\">دارد"),
        "shown on the person's page"
    );
    // The API: If-Match required, then the flag set.
    let (c, t) = crate::harness::api_client(&app, "clerk.thr").await;
    let api = app.url(&format!(
        "/api/v1/offices/{}/persons/{}",
        a.id, persons[5].id
    ));
    let r = c.get(&api).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["medical_needs"],
        false
    );
    let put = |tag: Option<String>, body: serde_json::Value| {
        let mut q = c
            .put(format!("{api}/medical-needs"))
            .header("x-csrf-token", &t)
            .json(&body);
        if let Some(tag) = tag {
            q = q.header("if-match", tag);
        }
        q.send()
    };
    assert_eq!(
        put(None, serde_json::json!({"medical_needs": true}))
            .await
            .unwrap()
            .status(),
        428
    );
    assert_eq!(
        put(
            Some(etag.clone()),
            serde_json::json!({"medical_needs": "yes"})
        )
        .await
        .unwrap()
        .status(),
        400
    );
    let r = put(
        Some(etag.clone()),
        serde_json::json!({"medical_needs": true}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["medical_needs"],
        true
    );
    assert_eq!(
        put(Some(etag), serde_json::json!({"medical_needs": false}))
            .await
            .unwrap()
            .status(),
        412
    );
    assert_eq!(app.audited("person.medical_needs").len(), 6);

    let p = app.signed_in("partner").await;
    let url = app.url("/planning/export.csv");
    let csv = |p: reqwest::Client| {
        let url = url.clone();
        async move { rows(&p.get(url).send().await.unwrap().text().await.unwrap()) }
    };
    let lines = csv(p.clone()).await;
    let tehran = lines.iter().find(|l| l[1] == "تهران").unwrap().clone();
    assert_eq!(tehran[7..], ["7", "6"], "{lines:?}");
    // Two taken off: 4 is withheld, and so is the total it equals.
    for q in &persons[..2] {
        let r = app
            .post_form(
                &clerk,
                &format!("{}/medical-needs", page(q)),
                &[("_csrf", token.as_str())],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    let lines = csv(p.clone()).await;
    let tehran = lines.iter().find(|l| l[1] == "تهران").unwrap().clone();
    assert_eq!(tehran[7..], ["7", ""]);
    let total = lines
        .iter()
        .find(|l| l[0] == "province_total")
        .unwrap()
        .clone();
    assert_eq!(
        total[8], "",
        "the total would give the withheld figure away"
    );
    let html = get_text(&app, &p, "/planning").await;
    assert!(html.contains("class=\"medical\""));

    // A round over the office's persons: its line counts them by age on its opening day.
    let today = daftar_domain::clock::Clock::default().today();
    let day = |d: time::Date| daftar_domain::jalali::JalaliDate::from_iso(d).format_numeric(false);
    let round = daftar_domain::round::NewRound::parse(
        "طرح آزمایشی",
        &day(today),
        &day(today + time::Duration::days(30)),
        &["card_renewal".into()],
        &app.store
            .services()
            .unwrap()
            .into_iter()
            .map(|s| s.definition.code.as_str().to_owned())
            .collect(),
        daftar_domain::round::Eligibility::parse(&[], "", "", ("", "", ""), "").unwrap(),
        "40",
        "",
        today,
    )
    .unwrap();
    app.store
        .open_round(
            &AuditCtx::system("test"),
            &daftar_domain::permission::system_reach(Permission::RoundManage),
            &round,
        )
        .unwrap();
    let lines = csv(p.clone()).await;
    let line = lines.iter().find(|l| l[0] == "round").unwrap();
    assert!(line[1].starts_with("طرح آزمایشی ("), "{line:?}");
    assert_eq!(line[2..], ["0", "0", "7", "0", "0", "7", "n/a"]);
    let html = get_text(&app, &p, "/planning").await;
    assert!(html.contains("id=\"planning-rounds\"") && html.contains("طرح آزمایشی"));
}

crate::both!(medical_and_rounds, medical_needs_and_the_trend_per_round);
