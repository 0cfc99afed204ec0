//! Staff accreditation through the real server on both backends (issue 18, part 3): a clerk is
//! refused a step that needs an accreditation they lack (none, then an expired one) with 403
//! `case.step.accreditation`, and allowed once an authority officer records a current pass;
//! the office manager reads their staff's records but records none; the page shows records
//! and what each holds, in Persian with Solar Hijri days; bad input gets stable codes.

use crate::harness::api_as as api;
use crate::harness::send_json as send;
use crate::harness::{TestApp, code, get_text};
use daftar_domain::accreditation::Rules;
use daftar_domain::jalali::{JalaliDate, iso_day};
use reqwest::Method;
use serde_json::json;

/// A rule of this test: the status certificate's intake needs an accreditation.
pub const RULES: &str = r#"
[[accreditation]]
code = "status_letters"
names = { "fa-IR" = "گواهی وضعیت", "fa-AF" = "تصدیق وضعیت", ps = "د حالت تصدیق", en = "Status certificates" }
steps = [{ service = "registration_status_certificate", step = "intake" }]
grants = [{ kind = "exam", course = "RS-1", valid_days = 30 }]
"#;

/// Loads [`RULES`] and opens, as `clerk` (a signed-in API client of `office`), a status
/// certificate case for a new person of the office: the case's page path.
pub async fn certificate_case(
    app: &TestApp,
    clerk: &(reqwest::Client, String),
    office: daftar_domain::ids::OfficeId,
) -> String {
    let ctx = daftar_domain::audit::AuditCtx::system("test");
    app.store
        .load_accreditation_rules(&ctx, &Rules::from_toml(RULES).unwrap())
        .unwrap();
    let p = app.person(office, "زهرا");
    let (s, v, _) = send(
        app,
        clerk,
        Method::POST,
        &format!("/api/v1/offices/{office}/cases"),
        json!({"service": "registration_status_certificate", "person_id": p.id.to_string()}),
        None,
    )
    .await;
    assert_eq!(s, 201, "{v}");
    format!(
        "/offices/{office}/cases/{}",
        v["case"]["id"].as_str().unwrap()
    )
}

async fn a_clerk_needs_a_current_accreditation_for_the_step(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("MHD-01");
    let clerk = app.user("clerk.a", "clerk", Some(a.id));
    let other = app.user("clerk.b", "clerk", Some(b.id));
    app.user("mgr.a", "office_manager", Some(a.id));
    app.user("officer", "authority_officer", None);
    // The profile's rules are data: this test's rule makes the certificate's intake need one.
    let today = crate::harness::office_today();
    let c = api(&app, "clerk.a", false).await;
    let path = format!("/api/v1{}/actions", certificate_case(&app, &c, a.id).await);
    let ret = json!({"action": "return", "note": "کارت را بیاورید"});
    let (s, v, _) = send(&app, &c, Method::POST, &path, ret.clone(), Some("\"1\"")).await;
    assert_eq!((s, code(&v)), (403, "case.step.accreditation"), "{v}");
    assert_eq!(
        v["error"]["details"]["accreditations"],
        json!(["status_letters"])
    );

    // The clerk and the office manager record nothing; the manager reads their staff's.
    let list = format!("/api/v1/offices/{}/accreditations", a.id);
    let rec = |user: &str, taken: &str| json!({"user_id": user, "kind": "exam", "course": "RS-1", "taken_on": taken, "passed": true});
    let uid = clerk.id.to_string();
    let (s, v, _) = send(&app, &c, Method::POST, &list, rec(&uid, "1405/01/01"), None).await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"));
    let m = api(&app, "mgr.a", false).await;
    let (s, v, _) = send(&app, &m, Method::POST, &list, rec(&uid, "1405/01/01"), None).await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"));
    let (s, v, _) = send(&app, &m, Method::GET, &list, json!({}), None).await;
    assert_eq!(s, 200, "{v}");
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["clerk.a", "mgr.a"]);

    // The authority records; refusals have stable codes.
    let o = api(&app, "officer", true).await;
    let (s, v, _) = send(
        &app,
        &o,
        Method::POST,
        &list,
        json!({"user_id": uid, "kind": "quiz", "course": "RS-1", "taken_on": iso_day(today)}),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (422, "accreditation.kind.invalid"));
    let tomorrow = today.next_day().unwrap();
    let (s, v, _) = send(
        &app,
        &o,
        Method::POST,
        &list,
        rec(&uid, &iso_day(tomorrow)),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (409, "accreditation.taken.future"));
    let (s, v, _) = send(
        &app,
        &o,
        Method::POST,
        &list,
        rec(&other.id.to_string(), &iso_day(today)),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (404, "accreditation.user.not_found"));
    // An expired pass (60 days ago, valid 30) does not do.
    let old = JalaliDate::from_iso(today - time::Duration::days(60)).to_string();
    let (s, v, _) = send(&app, &o, Method::POST, &list, rec(&uid, &old), None).await;
    assert_eq!(s, 201, "{v}");
    let (s, v, _) = send(&app, &c, Method::POST, &path, ret.clone(), Some("\"1\"")).await;
    assert_eq!((s, code(&v)), (403, "case.step.accreditation"));
    // On the case page: the form's refusal is the case page with the message in Persian.
    let page_path = path.trim_start_matches("/api/v1");
    let case_page = page_path.trim_end_matches("/actions");
    let t = app.csrf(&c.0, case_page).await;
    let r = app
        .post_form(
            &c.0,
            page_path,
            &[
                ("_csrf", t.as_str()),
                ("action", "return"),
                ("note", "x"),
                ("version", "1"),
            ],
        )
        .await;
    // The case page answers every refused decision as 422 with the message.
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let alert = html
        .split("id=\"case-error\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert_eq!(
        alert,
        "برای این مرحله صلاحیت معتبر لازم است و شما آن را ندارید (یا منقضی شده است)."
    );
    // The case page itself offers the clerk no decision, and says which accreditation is
    // missing, in the page's language.
    let html = get_text(&app, &c.0, case_page).await;
    assert!(!html.contains("id=\"decide\""), "{html}");
    let note = html
        .split("id=\"accreditation-missing\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert!(note.contains("گواهی وضعیت"), "{note}");
    // A current pass: the step goes through.
    let (s, v, _) = send(
        &app,
        &o,
        Method::POST,
        &list,
        rec(&uid, &iso_day(today)),
        None,
    )
    .await;
    assert_eq!((s, v["course"].as_str()), (201, Some("RS-1")), "{v}");
    // Days are ISO text in the JSON, as the schema says.
    assert_eq!(v["taken_on"], iso_day(today), "{v}");
    let (_, listed, _) = send(&app, &o, Method::GET, &list, json!({}), None).await;
    let held = &listed[0]["held"][0]["until"];
    assert!(
        held.as_str()
            .is_some_and(|d| d.len() == 10 && d.as_bytes()[4] == b'-'),
        "{listed}"
    );
    let html = get_text(&app, &c.0, case_page).await;
    assert!(
        html.contains("id=\"decide\"") && !html.contains("id=\"accreditation-missing\""),
        "{html}"
    );
    let (s, v, _) = send(&app, &c, Method::POST, &path, ret, Some("\"1\"")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["case"]["state"], "returned");
    assert_eq!(app.audited("accreditation.record").len(), 2);

    // The page: records and what each holds, Solar Hijri days; the form for the authority only.
    let page = format!("/offices/{}/accreditations", a.id);
    let oc = o.0.clone();
    let html = get_text(&app, &oc, &page).await;
    assert!(
        html.contains("id=\"staff-clerk.a\"") && html.contains("گواهی وضعیت"),
        "{html}"
    );
    // Valid until the 30th day from today, in the Solar Hijri calendar with Persian digits.
    let until = JalaliDate::from_iso(today + time::Duration::days(29)).to_string();
    let persian: String = until
        .chars()
        .map(|ch| {
            ch.to_digit(10)
                .map_or(ch, |d| char::from_u32(0x06F0 + d).unwrap())
        })
        .collect();
    let (year, day) = (
        &persian[..persian.find('/').unwrap()],
        persian.rsplit('/').next().unwrap(),
    );
    let day = day.strip_prefix('۰').unwrap_or(day);
    let shown = html
        .split("معتبر تا ")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert!(
        shown.starts_with(&format!("{day} ")) && shown.ends_with(year),
        "{shown} for {until}"
    );
    assert!(html.contains("id=\"record-accreditation\""));
    let t = app.csrf(&oc, &page).await;
    let r = app
        .post_form(
            &oc,
            &page,
            &[
                ("_csrf", &t),
                ("user_id", &uid),
                ("kind", "training"),
                ("course", "CR-TRAIN"),
                ("taken_on", &old),
                ("passed", "1"),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            &oc,
            &page,
            &[
                ("_csrf", &t),
                ("user_id", &uid),
                ("kind", "exam"),
                ("course", "!"),
                ("taken_on", &old),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let mc = app.signed_in("mgr.a").await;
    let html = get_text(&app, &mc, &page).await;
    assert!(html.contains("CR-TRAIN") && !html.contains("id=\"record-accreditation\""));
    // Another office's manager: refused.
    app.user("mgr.b", "office_manager", Some(b.id));
    let bc = app.signed_in("mgr.b").await;
    let r = bc.get(app.url(&page)).send().await.unwrap();
    assert_eq!(r.status(), 403);
}
crate::both!(
    a_clerk_needs_a_current_accreditation_for_the_step_t,
    a_clerk_needs_a_current_accreditation_for_the_step
);

async fn a_record_entered_in_error_is_withdrawn(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("MHD-01");
    let clerk = app.user("clerk.a", "clerk", Some(a.id));
    app.user("mgr.a", "office_manager", Some(a.id));
    app.user("officer", "authority_officer", None);
    let today = crate::harness::office_today();
    let uid = clerk.id.to_string();
    let o = api(&app, "officer", true).await;
    let list = format!("/api/v1/offices/{}/accreditations", a.id);
    let rec = json!({"user_id": uid, "kind": "exam", "course": "RS-1", "taken_on": iso_day(today), "passed": true});
    let (s, v, _) = send(&app, &o, Method::POST, &list, rec.clone(), None).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    // The clerk holds it: a case's intake is offered.
    let c = api(&app, "clerk.a", false).await;
    let case_page = certificate_case(&app, &c, a.id).await;
    assert!(
        get_text(&app, &c.0, &case_page)
            .await
            .contains("id=\"decide\"")
    );

    // Refusals: no reason, an unknown record, a malformed id, the record under another
    // office, the office's own manager and a clerk.
    let w = |office: &daftar_domain::office::Office, rec: &str| {
        format!(
            "/api/v1/offices/{}/accreditations/{rec}/withdraw",
            office.id
        )
    };
    let why = json!({"reason": "ثبت برای کارمند دیگر"});
    let (s, v, _) = send(
        &app,
        &o,
        Method::POST,
        &w(&a, &id),
        json!({"reason": "  "}),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (422, "accreditation.reason.invalid"), "{v}");
    let unknown = ulid::Ulid::new().to_string();
    let (s, v, _) = send(&app, &o, Method::POST, &w(&a, &unknown), why.clone(), None).await;
    assert_eq!(
        (s, code(&v)),
        (404, "accreditation.record.not_found"),
        "{v}"
    );
    let (s, v, _) = send(&app, &o, Method::POST, &w(&a, "RS-1"), why.clone(), None).await;
    assert_eq!((s, code(&v)), (404, "request.path.invalid"), "{v}");
    let (s, v, _) = send(&app, &o, Method::POST, &w(&b, &id), why.clone(), None).await;
    assert_eq!(
        (s, code(&v)),
        (404, "accreditation.record.not_found"),
        "{v}"
    );
    let m = api(&app, "mgr.a", false).await;
    let (s, v, _) = send(&app, &m, Method::POST, &w(&a, &id), why.clone(), None).await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"), "{v}");
    let (s, v, _) = send(&app, &c, Method::POST, &w(&a, &id), why.clone(), None).await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"), "{v}");
    assert!(app.audited("accreditation.withdraw").is_empty());

    // Withdrawn: gone from the list and from the step check at once; once only; the audit
    // row keeps the record and the reason.
    let (s, v, _) = send(&app, &o, Method::POST, &w(&a, &id), why.clone(), None).await;
    assert_eq!((s, v["id"].as_str()), (200, Some(id.as_str())), "{v}");
    let (s, v, _) = send(&app, &o, Method::POST, &w(&a, &id), why.clone(), None).await;
    assert_eq!(
        (s, code(&v)),
        (404, "accreditation.record.not_found"),
        "{v}"
    );
    let (_, listed, _) = send(&app, &o, Method::GET, &list, json!({}), None).await;
    let clerk_row = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["username"] == "clerk.a")
        .unwrap();
    assert_eq!(clerk_row["records"], json!([]), "{listed}");
    assert_eq!(clerk_row["held"], json!([]), "{listed}");
    let html = get_text(&app, &c.0, &case_page).await;
    assert!(
        !html.contains("id=\"decide\"") && html.contains("id=\"accreditation-missing\""),
        "{html}"
    );
    let audited = app.audited("accreditation.withdraw");
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].target_id, uid);
    let d: serde_json::Value = serde_json::from_str(&audited[0].details).unwrap();
    assert_eq!(
        (&d["record"], &d["course"], &d["reason"]),
        (&json!(id), &json!("RS-1"), &json!("ثبت برای کارمند دیگر")),
        "{d}"
    );

    // On the page: the authority withdraws through the record's form; a blank reason is the
    // page again with the message.
    let (_, v, _) = send(&app, &o, Method::POST, &list, rec, None).await;
    let id = v["id"].as_str().unwrap().to_owned();
    let page = format!("/offices/{}/accreditations", a.id);
    let html = get_text(&app, &o.0, &page).await;
    assert!(html.contains(&format!("data-record=\"{id}\"")), "{html}");
    let form = format!("{page}/{id}/withdraw");
    let t = app.csrf(&o.0, &page).await;
    let r = app
        .post_form(&o.0, &form, &[("_csrf", &t), ("reason", "")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("id=\"accreditation-error\"")
    );
    let r = app
        .post_form(&o.0, &form, &[("_csrf", &t), ("reason", "تکراری")])
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        !get_text(&app, &o.0, &page)
            .await
            .contains(&format!("data-record=\"{id}\""))
    );
    assert_eq!(app.audited("accreditation.withdraw").len(), 2);
    // The manager sees the records but no withdrawal form.
    let html = get_text(&app, &m.0, &page).await;
    assert!(!html.contains("class=\"stack withdraw\""), "{html}");
}
crate::both!(
    a_record_entered_in_error_is_withdrawn_t,
    a_record_entered_in_error_is_withdrawn
);
