//! KPIs per office through the real server on both backends (issue 18, part 4): an office
//! manager sees their own office's KPI page with its charts and nothing of another office's;
//! association staff see only the association's members, small figures withheld; an authority
//! officer sees the province's ranking; the CSV and XLSX exports carry office codes and counts,
//! never a person's name or registry number; bad input gets stable codes.

use crate::harness::{TestApp, get_text};
use daftar_domain::audit::AuditCtx;
use daftar_domain::ids::OfficeId;
use daftar_domain::kpi::SolarMonth;
use daftar_domain::permission::{Permission, system_scope};
use daftar_domain::person::Person;
use daftar_domain::usecase::open_case::OpenCase;

/// Opens a case of `n` new persons of `office` (today), returns the persons.
pub fn seed_cases(app: &TestApp, office: OfficeId, n: usize, prefix: &str) -> Vec<Person> {
    let cal = daftar_domain::profile::Profile::iran()
        .unwrap()
        .calendar
        .calendar()
        .unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    (0..n)
        .map(|i| {
            let p = app.person(office, &format!("{prefix}{i}"));
            app.store
                .open_case(
                    &AuditCtx::system("test"),
                    &system_scope(office, Permission::PersonWrite),
                    &OpenCase::parse(
                        "registration_status_certificate",
                        &p.id.to_string(),
                        false,
                        false,
                        None,
                        "",
                    )
                    .unwrap(),
                    &cal,
                    today,
                )
                .unwrap();
            p
        })
        .collect()
}

/// Runs the KPI job for the current month (the store's clock).
pub fn compute(app: &TestApp) {
    let cal = daftar_domain::profile::Profile::iran()
        .unwrap()
        .calendar
        .calendar()
        .unwrap();
    let month = SolarMonth::of(time::OffsetDateTime::now_utc().date());
    app.store
        .compute_kpis(&AuditCtx::system("test"), &cal, &month.last(2))
        .unwrap()
        .unwrap();
}

async fn status(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

async fn managers_and_association_see_only_what_is_theirs(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("THR-02");
    let pa = seed_cases(&app, a.id, 6, "الف");
    let pb = seed_cases(&app, b.id, 2, "ب");
    // Two complaints about office A at the help desk, one of overcharging.
    for category in ["delay", "overcharging"] {
        let t = daftar_domain::helpdesk::NewTicket::parse(
            daftar_domain::helpdesk::TicketDraft {
                category: category.into(),
                about_office: Some(a.id),
                body: "شکایت".into(),
                contact_name: "رحیم".into(),
                contact_phone: "09120001111".into(),
                ..Default::default()
            },
            daftar_domain::helpdesk::Channel::Phone,
            None,
            Some(b.id),
        )
        .unwrap();
        let today = daftar_domain::clock::Clock::default().today();
        app.store
            .file_ticket(&AuditCtx::system("test"), &t, today)
            .unwrap();
    }
    compute(&app);
    app.user("manager.a", "office_manager", Some(a.id));
    app.user("clerk.a", "clerk", Some(a.id));
    app.user("kanoon", "association", None);
    crate::licences::member(&app, a.id, "KAN-THR-0001", true);

    // The manager: their own office's page with charts; /kpi sends them there.
    let m = app.signed_in("manager.a").await;
    let (s, html) = status(&app, &m, &format!("/offices/{}/kpi", a.id)).await;
    assert_eq!(s, 200, "{html}");
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 6);
    assert!(html.contains("id=\"kpi-opened-chart-table\""));
    // The complaints chart's table: this month, two complaints and one overcharge report.
    let table = &html[html.find("id=\"kpi-complaints-chart-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(table.contains("<td>۲</td><td>۱</td>"), "{table}");
    assert!(html.contains("<td>۶</td>"), "six cases opened this month");
    assert!(
        html.contains("id=\"kpi-no-shows-chart-table\""),
        "the no-shows chart has its table"
    );
    for p in pa.iter().chain(&pb) {
        assert!(!html.contains(&p.given_name) && !html.contains(&p.registry_no));
    }
    let r = m.get(app.url("/kpi")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        crate::harness::location(&r),
        format!("/offices/{}/kpi", a.id)
    );
    // Another office: refused, page and exports.
    for path in [
        format!("/offices/{}/kpi", b.id),
        format!("/offices/{}/kpi/export.csv", b.id),
        format!("/offices/{}/kpi/export.xlsx", b.id),
    ] {
        let (s, body) = status(&app, &m, &path).await;
        assert_eq!(s, 403, "{path}");
        assert!(body.contains("office.scope.denied"), "{path}: {body}");
    }
    // The province's export is not theirs either.
    assert_eq!(status(&app, &m, "/kpi/export.csv").await.0, 403);
    // A clerk has no KPIs.
    let c = app.signed_in("clerk.a").await;
    let (s, body) = status(&app, &c, &format!("/offices/{}/kpi", a.id)).await;
    assert_eq!(s, 403);
    assert!(body.contains("auth.forbidden"));

    // Association staff: members only (office A), small figures withheld.
    let k = app.signed_in("kanoon").await;
    let (s, html) = status(&app, &k, "/kpi").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("data-office=\"THR-01\""));
    assert!(!html.contains("data-office=\"THR-02\""), "not a member");
    assert!(html.contains("id=\"kpi-members-only\""));
    let (s, body) = status(&app, &k, &format!("/offices/{}/kpi", b.id)).await;
    assert_eq!(s, 403);
    assert!(body.contains("kpi.office.not_member"), "{body}");
    let (s, csv) = status(&app, &k, "/kpi/export.csv").await;
    assert_eq!(s, 200);
    assert!(csv.contains("THR-01") && !csv.contains("THR-02"));
    // Office A's 6 cases are shown; a decided-case figure over none is not.
    let (s, html) = status(&app, &k, &format!("/offices/{}/kpi", a.id)).await;
    assert_eq!(s, 200);
    assert!(html.contains("<td>۶</td>"));

    // Bad input: stable codes.
    let (s, body) = status(&app, &m, &format!("/offices/{}/kpi?month=1405-13", a.id)).await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("kpi.month.invalid"));
    let (s, body) = status(&app, &k, "/kpi?sort=fastest").await;
    assert_eq!(s, 422);
    assert!(body.contains("kpi.metric.invalid"));
    let next = SolarMonth::of(time::OffsetDateTime::now_utc().date()).next();
    let (s, _) = status(&app, &k, &format!("/kpi?month={}", next.code())).await;
    assert_eq!(s, 422, "a month not begun yet");
}
crate::both!(
    managers_and_association_see_only_what_is_theirs_t,
    managers_and_association_see_only_what_is_theirs
);

async fn the_authority_ranks_a_province_and_exports_carry_no_person_data(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("THR-02");
    let persons: Vec<Person> = seed_cases(&app, a.id, 7, "زهرا")
        .into_iter()
        .chain(seed_cases(&app, b.id, 3, "مریم"))
        .collect();
    compute(&app);
    app.user("officer", "authority_officer", None);
    let o = app.signed_in_with_totp("officer").await;
    let html = get_text(&app, &o, "/kpi?sort=per_working_day").await;
    // Both offices, A (7 cases) ranked above B (3).
    let ia = html.find("data-office=\"THR-01\"").unwrap();
    let ib = html.find("data-office=\"THR-02\"").unwrap();
    assert!(ia < ib, "ranked by cases per working day");
    assert!(html.contains("id=\"kpi-province-chart\""));
    assert!(
        html.contains("<td>۱۰</td>"),
        "ten cases in the province this month"
    );
    let month = SolarMonth::of(time::OffsetDateTime::now_utc().date());
    let label = month.label("fa-IR");
    assert!(html.contains(&label), "Jalali month label {label}");

    // CSV: the columns, office codes and counts; no name, no registry number.
    let r = o.get(app.url("/kpi/export.csv")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    let header = csv
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(header, daftar_web::features::kpi::COLUMNS.join(","));
    assert!(csv.contains("THR-01") && csv.contains(&month.code()));
    let r = o
        .get(app.url(&format!("/offices/{}/kpi/export.xlsx", a.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("kpi").unwrap();
    let cells: Vec<String> = range.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(cells.iter().any(|c| c == "THR-01"));
    assert!(cells.iter().any(|c| c == "registration_status_certificate"));
    assert!(
        cells.iter().any(|c| c == "7"),
        "seven cases opened: {cells:?}"
    );
    let province = o.get(app.url("/kpi/export.xlsx")).send().await.unwrap();
    assert_eq!(province.status(), 200);
    let province = province.bytes().await.unwrap().to_vec();
    let mut pbook = calamine::Xlsx::new(std::io::Cursor::new(province)).unwrap();
    let pcells: Vec<String> = pbook
        .worksheet_range("kpi")
        .unwrap()
        .cells()
        .map(|(_, _, c)| c.to_string())
        .collect();
    for p in &persons {
        for text in [&p.given_name, &p.registry_no, &p.id.to_string()] {
            assert!(!csv.contains(text.as_str()), "CSV has {text}");
            assert!(
                !cells
                    .iter()
                    .chain(&pcells)
                    .any(|c| c.contains(text.as_str())),
                "XLSX has {text}"
            );
        }
    }
    // The office page, as the authority sees it, links back to the province's ranking.
    let page = get_text(&app, &o, &format!("/offices/{}/kpi", a.id)).await;
    assert!(page.contains("id=\"kpi-back\""));
}
crate::both!(
    the_authority_ranks_a_province_and_exports_carry_no_person_data_t,
    the_authority_ranks_a_province_and_exports_carry_no_person_data
);
