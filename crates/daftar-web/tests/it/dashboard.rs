//! The authority's dashboard through the real server on both backends (issue 19, part 4): an
//! authority officer sees the country's figures as they are and drills down to a province; a
//! partner sees the same page with cells under 5 withheld (and the cell that would give them
//! away); an office manager sees their own office only and gets 403 for another; a clerk gets
//! 403; the CSV and XLSX exports withhold small cells whoever asks and carry no person data.

use crate::harness::{TestApp, get_text};
use crate::kpi::{compute, seed_cases};
use daftar_domain::audit::AuditCtx;
use daftar_domain::office::{CreateOffice, OfficeCode};
use daftar_domain::person::Person;

async fn status(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

/// The value of the CSV line `section,label,column,…` (`None`: no such line).
fn csv_value(csv: &str, section: &str, label: &str, column: &str) -> Option<String> {
    csv.lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f.len() == 5 && f[0] == section && f[1] == label && f[2] == column)
        .map(|f| f[4].to_owned())
}

async fn who_sees_what_and_small_cells_are_withheld(app: TestApp) {
    let a = app.office("THR-01");
    let b = app
        .store
        .create_office(
            &AuditCtx::system("test"),
            &CreateOffice::parse(
                OfficeCode::parse("SHZ-01").unwrap(),
                "دفتر شیراز",
                "Shiraz office",
                "فارس",
                "شیراز",
            )
            .unwrap(),
        )
        .unwrap();
    // Tehran: 6 persons registered and 6 cases opened; Fars: 2 and 2.
    let persons: Vec<Person> = seed_cases(&app, a.id, 6, "الف")
        .into_iter()
        .chain(seed_cases(&app, b.id, 2, "ب"))
        .collect();
    compute(&app);
    app.user("officer", "authority_officer", None);
    app.user("partner", "partner", None);
    app.user("manager.a", "office_manager", Some(a.id));
    app.user("clerk.a", "clerk", Some(a.id));

    // The officer: the country per province, figures as they are.
    let o = app.signed_in_with_totp("officer").await;
    let html = get_text(&app, &o, "/dashboard").await;
    for id in [
        "dash-months",
        "dash-places",
        "dash-services",
        "dash-sla",
        "dash-receipts",
        "dash-fees",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(html.contains("direction=\"rtl\""));
    assert!(!html.contains("<script src"), "no external script");
    let places = &html[html.find("id=\"dash-places-table\"").unwrap()..];
    let places = &places[..places.find("</table>").unwrap()];
    assert!(
        places.contains("<th scope=\"row\">تهران</th><td>۶</td>"),
        "{places}"
    );
    assert!(
        places.contains("<th scope=\"row\">فارس</th><td>۲</td>"),
        "{places}"
    );
    assert!(places.contains("<tfoot><tr class=\"total\"><th scope=\"row\">"));
    assert!(!html.contains("id=\"dashboard-suppressed\""));
    // Drill down: the province's districts, then the district's offices.
    assert!(html.contains("href=\"/dashboard?from="));
    let p = get_text(
        &app,
        &o,
        "/dashboard?province=%D8%AA%D9%87%D8%B1%D8%A7%D9%86",
    )
    .await;
    assert!(p.contains("id=\"dashboard-trail\""));
    let places = &p[p.find("id=\"dash-places-table\"").unwrap()..];
    assert!(places.contains("<th scope=\"row\">مرکزی</th><td>۶</td>"));
    assert!(!places[..places.find("</table>").unwrap()].contains("فارس"));

    // The partner: the same page, the 2 withheld and the 6 with it (else 8 − 6 gives it).
    let pt = app.signed_in("partner").await;
    let (s, html) = status(&app, &pt, "/dashboard").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("id=\"dashboard-suppressed\""));
    let places = &html[html.find("id=\"dash-places-table\"").unwrap()..];
    let places = &places[..places.find("</table>").unwrap()];
    assert!(
        places.contains("<th scope=\"row\">فارس</th><td>کمتر از ۵</td>"),
        "{places}"
    );
    assert!(
        places.contains("<th scope=\"row\">تهران</th><td>کمتر از ۵</td>"),
        "{places}"
    );
    assert!(
        places.contains("<td>۸</td>"),
        "the total of 8 is kept: {places}"
    );

    // Exports withhold small cells for the officer too; no person data in them.
    let r = o
        .get(app.url("/dashboard/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    let csv = csv.trim_start_matches('\u{feff}');
    assert_eq!(
        csv.lines().next().unwrap(),
        daftar_web::features::dashboard::COLUMNS.join(",")
    );
    assert_eq!(
        csv_value(csv, "places", "فارس", "registered").as_deref(),
        Some("")
    );
    assert_eq!(
        csv_value(csv, "places", "تهران", "registered").as_deref(),
        Some("")
    );
    assert_eq!(
        csv_value(csv, "places", "total", "registered").as_deref(),
        Some("8")
    );
    assert_eq!(
        csv_value(csv, "services", "registration_status_certificate", "opened").as_deref(),
        Some("8")
    );
    let r = o
        .get(app.url("/dashboard/export.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("dashboard").unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let row = |section: &str, label: &str, column: &str| {
        rows.iter()
            .find(|r| r.len() >= 4 && r[0] == section && r[1] == label && r[2] == column)
            .map(|r| r.get(4).cloned().unwrap_or_default())
    };
    assert_eq!(row("places", "فارس", "registered").as_deref(), Some(""));
    assert_eq!(row("places", "total", "registered").as_deref(), Some("8"));
    for p in &persons {
        for text in [&p.given_name, &p.registry_no, &p.id.to_string()] {
            assert!(!csv.contains(text.as_str()), "CSV has {text}");
            assert!(!html.contains(text.as_str()), "page has {text}");
            assert!(!rows.iter().flatten().any(|c| c.contains(text.as_str())));
        }
    }

    // The manager: their own office only; another office is refused, page and exports.
    let m = app.signed_in("manager.a").await;
    let (s, html) = status(&app, &m, "/dashboard").await;
    assert_eq!(s, 200, "{html}");
    let places = &html[html.find("id=\"dash-places-table\"").unwrap()..];
    let places = &places[..places.find("</table>").unwrap()];
    assert!(
        places.contains("THR-01") && !places.contains("SHZ-01"),
        "{places}"
    );
    assert!(
        !html.contains(">فارس<"),
        "no other province (\"فارسی\" is the locale's name)"
    );
    assert!(
        places.contains("<td>۶</td>"),
        "their own figures, as they are"
    );
    for path in [
        "/dashboard?office=SHZ-01",
        "/dashboard/export.csv?office=SHZ-01",
        "/dashboard/export.xlsx?office=SHZ-01",
    ] {
        let (s, body) = status(&app, &m, path).await;
        assert_eq!(s, 403, "{path}");
        assert!(body.contains("office.scope.denied"), "{path}: {body}");
    }
    let (s, csv) = status(&app, &m, "/dashboard/export.csv").await;
    assert_eq!(s, 200);
    assert!(!csv.contains("فارس") && !csv.contains("SHZ-01"));
    // A clerk has no dashboard.
    let c = app.signed_in("clerk.a").await;
    let (s, body) = status(&app, &c, "/dashboard").await;
    assert_eq!(s, 403);
    assert!(body.contains("auth.forbidden"));

    // Bad input: stable codes.
    let (s, body) = status(&app, &o, "/dashboard?from=1405-13").await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("kpi.month.invalid"));
    let (s, body) = status(&app, &o, "/dashboard?from=1405/05&to=1405/04").await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("dashboard.range.invalid"));
    let (s, body) = status(&app, &o, "/dashboard?district=x").await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("dashboard.district.invalid"));
}
crate::both!(
    who_sees_what_and_small_cells_are_withheld_t,
    who_sees_what_and_small_cells_are_withheld
);
