//! Registration rounds through the real server on both backends (issue 19): the authority opens
//! a round on `/rounds` (bad input comes back with its message; other roles are refused); the
//! coverage page moves as soon as a clerk approves a household's renewal; the list of those not
//! yet seen is the serving office's only (another office: 403), shows names, registry number and
//! phone but never an address or a location, has no download, is not kept by the browser, and
//! every view is audited; partners see small counts withheld; extensions; the printable report.

use crate::harness::{PDF, PNG, TestApp, api_client, client, get_text, json_of, location};
use daftar_domain::audit::AuditCtx;
use daftar_domain::jalali::JalaliDate;
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, system_scope};
use daftar_domain::person::{Person, PersonDraft, Sex};
use daftar_domain::store::AuditFilter;
use daftar_testkit::Register;
use serde_json::json;

const PHONE: &str = "09125556677";
const ADDRESS: &str = "خیابان نسترن کوچهٔ ۴";
const DISTRICT: &str = "اسلامشهر";

fn located(app: &TestApp, office: daftar_domain::ids::OfficeId) -> Person {
    app.store
        .register(
            &AuditCtx::system("test"),
            &system_scope(office, Permission::PersonWrite),
            &PersonDraft {
                given_name: "فرشته".into(),
                family_name: "کریمی".into(),
                father_name: "جواد".into(),
                birth_date: Some("1985".into()),
                sex: Sex::Female,
                nationality: "AFG".into(),
                phone: PHONE.into(),
                address: ADDRESS.into(),
                province: "تهران".into(),
                district: DISTRICT.into(),
                ..PersonDraft::default()
            },
        )
        .unwrap()
}

fn jalali(d: time::Date) -> String {
    JalaliDate::from_iso(d).format_numeric(false)
}

/// Opens the household's card renewal as the clerk, uploads its documents, pays, and takes it
/// through intake (clerk) and approval (manager) by the API: what is left is the clerk's last
/// step (issue). Returns the case's API path and its `ETag`.
pub async fn renewal_to_issue(
    app: &TestApp,
    office: daftar_domain::ids::OfficeId,
    head: &Person,
    clerk: &str,
    manager: &str,
) -> (String, String) {
    let (c, t) = &api_client(app, clerk).await;
    let cases = format!("/api/v1/offices/{office}/cases");
    let (s, opened) = json_of(
        c.post(app.url(&cases))
            .header("x-csrf-token", t)
            .json(&json!({"service": "card_renewal", "person_id": head.id.to_string(), "household": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{opened}");
    let path = format!("{cases}/{}", opened["case"]["id"].as_str().unwrap());
    for (kind, bytes, mime) in [
        ("photo", PNG, "image/png"),
        ("registration_card", PDF, "application/pdf"),
    ] {
        let (s, v) =
            crate::harness::upload(app, c, t, &format!("{path}/documents"), kind, bytes, mime)
                .await;
        assert_eq!(s, 201, "{v}");
    }
    let due = opened["fees_due"][0]["rials"].as_u64().unwrap();
    let (s, v) = json_of(
        c.post(app.url(&format!("{path}/payments")))
            .header("x-csrf-token", t)
            .json(&json!({"fee": "card", "rials": due.to_string(), "method": "cash"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let m = api_client(app, manager).await;
    let mut etag = c.get(app.url(&path)).send().await.unwrap().headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    for (who, tok) in [(c, t), (&m.0, &m.1)] {
        etag = complete(app, who, tok, &path, &etag).await.1;
    }
    (path, etag)
}

/// Completes the case's current step; returns the answer and the new `ETag`.
async fn complete(
    app: &TestApp,
    c: &reqwest::Client,
    t: &str,
    path: &str,
    etag: &str,
) -> (serde_json::Value, String) {
    let r = c
        .post(app.url(&format!("{path}/actions")))
        .header("x-csrf-token", t)
        .header("if-match", etag)
        .json(&json!({"action": "complete"}))
        .send()
        .await
        .unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let (s, v) = json_of(r).await;
    assert_eq!(s, 200, "{v}");
    (v, etag)
}

/// A household's card renewal taken to the end (approved) by the API.
pub async fn renew_household(
    app: &TestApp,
    office: daftar_domain::ids::OfficeId,
    head: &Person,
    clerk: &str,
    manager: &str,
) {
    let (path, etag) = renewal_to_issue(app, office, head, clerk, manager).await;
    let (c, t) = &api_client(app, clerk).await;
    let (v, _) = complete(app, c, t, &path, &etag).await;
    assert_eq!(v["case"]["state"], "approved", "{v}");
}

/// The text of the element with `id` (up to its first tag).
pub fn text_of(html: &str, id: &str) -> String {
    let start = format!("id=\"{id}\">");
    let Some(i) = html.find(&start).map(|i| i + start.len()) else {
        return String::new();
    };
    html[i..i + html[i..].find('<').unwrap_or(0)].to_owned()
}

async fn rounds_open_count_and_keep_the_waiting_list_to_the_office(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("MHD-01");
    app.user("officer", "authority_officer", None);
    app.user("clerk.a", "clerk", Some(a.id));
    app.user("manager.a", "office_manager", Some(a.id));
    app.user("clerk.b", "clerk", Some(b.id));
    app.user("partner.one", "partner", None);
    let (head, _) = app.household_with_cards(a.id);
    let waiting = located(&app, a.id);
    // The offices' today, as the server reads it (Tehran is ahead of UTC).
    let today = crate::harness::office_today();

    let officer = app.signed_in_with_totp("officer").await;
    let t = app.csrf(&officer, "/rounds").await;
    let form = |name: &str, opens: &str, closes: &str, quotas: &str| {
        vec![
            ("_csrf".to_owned(), t.clone()),
            ("name".to_owned(), name.to_owned()),
            ("opens_on".to_owned(), opens.to_owned()),
            ("closes_on".to_owned(), closes.to_owned()),
            ("service".to_owned(), "card_renewal".to_owned()),
            ("status".to_owned(), "registered".to_owned()),
            ("status".to_owned(), "renewed".to_owned()),
            ("capacity".to_owned(), "40".to_owned()),
            ("quotas".to_owned(), quotas.to_owned()),
        ]
    };
    let closes = jalali(today + time::Duration::days(30));
    // Bad input: the form again with the message and what was typed.
    let r = officer
        .post(app.url("/rounds"))
        .form(&form("تمدید آزمایشی", &jalali(today), "1405/13/40", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("هجری خورشیدی"), "{html}");
    assert!(html.contains("تمدید آزمایشی"), "the typed name is kept");
    let r = officer
        .post(app.url("/rounds"))
        .form(&form("r", &jalali(today), &closes, "NOPE-1 1 1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // Other roles cannot open a round.
    let clerk_a = app.signed_in("clerk.a").await;
    let tc = app.csrf(&clerk_a, "/profile").await;
    let mut as_clerk = form("r", &jalali(today), &closes, "");
    as_clerk[0].1 = tc;
    let r = clerk_a
        .post(app.url("/rounds"))
        .form(&as_clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The round opens; its page shows the coverage.
    let r = officer
        .post(app.url("/rounds"))
        .form(&form(
            "تمدید کارت ۱۴۰۵",
            &jalali(today),
            &closes,
            "THR-01 100 20",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let round_page = location(&r);
    let id = round_page.trim_start_matches("/rounds/").to_owned();
    let html = get_text(&app, &officer, &round_page).await;
    assert_eq!(text_of(&html, "total-expected"), "۴");
    assert_eq!(text_of(&html, "total-renewed"), "۰");
    assert!(html.contains("<svg"), "a server-rendered chart");
    assert!(!html.contains("<script src"), "no external script");
    assert!(
        get_text(&app, &officer, "/rounds")
            .await
            .contains("تمدید کارت ۱۴۰۵")
    );

    // A clerk's approval moves the coverage at once.
    renew_household(&app, a.id, &head, "clerk.a", "manager.a").await;
    let html = get_text(&app, &officer, &round_page).await;
    assert_eq!(text_of(&html, "total-renewed"), "۳");
    assert_eq!(text_of(&html, "total-pct"), "۷۵٫۰٪");
    assert_eq!(text_of(&html, "total-households-open"), "۱");

    // The clerk of the serving office sees who is still waiting, with a phone, no address.
    let not_seen = format!("/offices/{}/rounds/{id}/not-seen", a.id);
    let mine = get_text(&app, &clerk_a, &round_page).await;
    assert!(mine.contains(&not_seen), "the office's own list is linked");
    let r = clerk_a.get(app.url(&not_seen)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let html = r.text().await.unwrap();
    assert!(html.contains(&waiting.registry_no), "{html}");
    assert!(html.contains("۰۹۱۲۵۵۵۶۶۷۷"), "the phone, to invite: {html}");
    for never in [ADDRESS, DISTRICT, "address", ".csv", "/export"] {
        assert!(!html.contains(never), "the list shows {never}");
    }
    assert!(
        !html.contains(&head.registry_no),
        "those seen are not listed"
    );
    // Another office's clerk and a partner are refused; no download route exists.
    let clerk_b = app.signed_in("clerk.b").await;
    let r = clerk_b.get(app.url(&not_seen)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap();
    assert!(body.contains("office.scope.denied") || !body.contains(&waiting.registry_no));
    assert!(!body.contains(PHONE) && !body.contains("۰۹۱۲۵۵۵۶۶۷۷"));
    let partner = app.signed_in("partner.one").await;
    assert_eq!(
        partner
            .get(app.url(&not_seen))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    for path in [
        format!("{not_seen}.csv"),
        format!("{not_seen}/export"),
        format!("/api/v1/offices/{}/rounds/{id}/not-seen", a.id),
    ] {
        assert_eq!(
            clerk_a.get(app.url(&path)).send().await.unwrap().status(),
            404,
            "{path}"
        );
    }
    // Every view is audited with the persons shown.
    let audit = app
        .store
        .audit_page(
            &AuditFilter {
                action_prefix: Some("round.".into()),
                ..AuditFilter::default()
            },
            PageRequest::default(),
        )
        .unwrap();
    let views: Vec<_> = audit
        .items
        .iter()
        .filter(|r| r.action == "round.not_seen")
        .collect();
    assert_eq!(
        views.len(),
        1,
        "one view, one row (the refused ones read nothing)"
    );
    let row = views[0];
    assert_eq!(
        (row.actor.as_str(), row.office_id, row.purpose.as_str()),
        ("clerk.a", Some(a.id), "service")
    );
    let details: serde_json::Value = serde_json::from_str(&row.details).unwrap();
    assert_eq!(details["persons"], json!([waiting.id.to_string()]));
    assert_eq!(details["round"], json!(id));

    // Office B's clerk sees office B's figures only; the partner sees small counts withheld.
    let theirs = get_text(&app, &clerk_b, &round_page).await;
    assert!(
        !theirs.contains("THR-01") && !theirs.contains(&not_seen),
        "{theirs}"
    );
    let html = get_text(&app, &partner, &round_page).await;
    assert_eq!(text_of(&html, "total-expected"), "کمتر از ۵");
    assert!(!html.contains("not-seen"));

    // The same coverage as data: numbers for the officer, withheld (null) for the partner,
    // office B's own line for its clerk; no person in any.
    let api = format!("/api/v1/rounds/{id}/coverage");
    let data = |c: reqwest::Client| {
        let url = app.url(&api);
        async move {
            let r = c.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            serde_json::from_str::<serde_json::Value>(&r.text().await.unwrap()).unwrap()
        }
    };
    let d = data(officer.clone()).await;
    assert_eq!(d["suppressed"], json!(false));
    assert!(d["total"]["expected"].as_u64().unwrap() > 0, "{d}");
    assert!(
        d["offices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["office"] == "THR-01"),
        "{d}"
    );
    assert!(!d.to_string().contains(&waiting.registry_no));
    let d = data(partner.clone()).await;
    assert_eq!(d["suppressed"], json!(true));
    assert!(d["total"]["expected"].is_null(), "{d}");
    let d = data(clerk_b.clone()).await;
    assert!(
        d["offices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["office"] == "THR-02"),
        "{d}"
    );

    // Extensions: the officer only, after the current close date, audited.
    let t = app.csrf(&officer, &round_page).await;
    let later = jalali(today + time::Duration::days(40));
    let r = officer
        .post(app.url(&format!("{round_page}/extend")))
        .form(&[
            ("_csrf", t.as_str()),
            ("version", "1"),
            ("closes_on", closes.as_str()),
            ("reason", "ازدحام"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = officer
        .post(app.url(&format!("{round_page}/extend")))
        .form(&[
            ("_csrf", t.as_str()),
            ("version", "1"),
            ("closes_on", later.as_str()),
            ("reason", "ازدحام مراجعان"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = get_text(&app, &officer, &round_page).await;
    assert!(html.contains("ازدحام مراجعان"));
    let tc = app.csrf(&clerk_a, "/profile").await;
    let r = clerk_a
        .post(app.url(&format!("{round_page}/extend")))
        .form(&[
            ("_csrf", tc.as_str()),
            ("version", "2"),
            ("closes_on", later.as_str()),
            ("reason", "xyz"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // The printable report: coverage by province and district, the offices, open households.
    let report = get_text(&app, &officer, &format!("{round_page}/report")).await;
    for id in [
        "province-table",
        "district-table",
        "office-table",
        "total-households-open",
        "round-report",
    ] {
        assert!(report.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(report.contains("data-print"));
    assert!(!report.contains(&waiting.registry_no) && !report.contains(ADDRESS));
    // Unknown round: 404; anonymous: sign in.
    let r = officer
        .get(app.url("/rounds/01JD0000000000000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let anon = client();
    let r = anon.get(app.url(&round_page)).send().await.unwrap();
    assert_ne!(r.status(), 200);
}
crate::both!(
    rounds_open_count_and_keep_the_waiting_list_to_the_office,
    rounds_open_count_and_keep_the_waiting_list_to_the_office
);
