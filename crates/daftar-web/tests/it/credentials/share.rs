//! Share codes: the verifier's check (birth date, verifier type, expiry, lock after wrong birth
//! dates, throttle per address, parallel guesses), the holder's page and cancelling.

use super::*;
use crate::harness::{get_text, location};

async fn share_codes(app: TestApp) {
    let s = approved_household(&app).await;
    let member = &s.head;
    let cred = only_credential(&app, &s, member).await;
    let id = cred["id"].as_str().unwrap().to_owned();
    let employer = "شرکت ساختمانی البرز";

    // Bad requests first: days out of range, an unknown verifier type, another's credential.
    for days in [
        json!("91"),
        json!("0"),
        json!("abc"),
        json!(""),
        json!(91),
        json!(-1),
    ] {
        let (st, v) = new_share(
            &app,
            &s,
            member,
            json!({"credential_id": id, "verifier": "employer", "days": days}),
        )
        .await;
        assert_eq!((st, code(&v)), (422, "share.days.invalid"), "{days}: {v}");
    }
    let (st, v) = new_share(
        &app,
        &s,
        member,
        json!({"credential_id": id, "verifier": "neighbour", "days": "30"}),
    )
    .await;
    assert_eq!((st, code(&v)), (422, "share.verifier.invalid"), "{v}");
    let (st, v) = new_share(
        &app,
        &s,
        &s.others[0],
        json!({"credential_id": id, "verifier": "employer", "days": "30"}),
    )
    .await;
    assert_eq!((st, code(&v)), (409, "share.credential.unknown"), "{v}");

    // The code for an employer, 30 days (Persian digits are fine).
    let (st, made) = new_share(
        &app,
        &s,
        member,
        json!({"credential_id": id, "verifier": "employer", "days": "۳۰"}),
    )
    .await;
    assert_eq!(st, 201, "{made}");
    let share_code = made["code"].as_str().unwrap().to_owned();
    assert!(
        share_code.len() == 11 && share_code.as_bytes()[5] == b'-',
        "{share_code}"
    );
    let manage = made["manage_path"].as_str().unwrap().to_owned();
    assert!(manage.starts_with("/share/manage/"), "{made}");
    assert_eq!(made["share"]["verifier"], "employer");
    assert_eq!(made["share"]["credential_id"], id.as_str());
    let created = time::OffsetDateTime::parse(
        made["share"]["created_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let expires = time::OffsetDateTime::parse(
        made["share"]["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let days = (expires - created).whole_hours();
    assert!((30 * 24 - 1..=30 * 24).contains(&days), "{made}");
    // Neither the code nor the token is kept in the answer's record.
    assert!(!made["share"].to_string().contains(&share_code));

    // The right birth date shows only the employer's claims.
    let (st, v) = check(&app, &share_code, BIRTH, "employer", employer).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["verdict"], "valid", "{v}");
    assert_eq!(v["kind"], "registration_card");
    assert_eq!(v["issuer"], "IR/THR-01");
    let fields = v["fields"].as_object().unwrap();
    assert_eq!(fields["given_name"], "زهرا", "{v}");
    assert!(
        fields.keys().all(|k| EMPLOYER.contains(&k.as_str())),
        "only the employer profile: {v}"
    );
    assert!(
        !fields.contains_key("sex") && !fields.contains_key("province"),
        "{v}"
    );
    // The check is in the holder's own access log ("who saw my record").
    let log = app.access_log(s.office.parse().unwrap(), member.id);
    assert!(
        log.iter().any(|e| e.action == "share.check"),
        "{:?}",
        log.iter().map(|e| &e.action).collect::<Vec<_>>()
    );
    // Typed the way people type it: lower case, no dash, Solar Hijri birth date.
    let sloppy = share_code.replace('-', " ").to_lowercase();
    let (st, v) = check(&app, &sloppy, BIRTH_JALALI, "employer", employer).await;
    assert_eq!((st, v["verdict"].as_str()), (200, Some("valid")), "{v}");
    // A wrong birth date and an unknown code get the same answer.
    let (st, v) = check(&app, &share_code, "1990-03-22", "employer", employer).await;
    assert_eq!((st, code(&v)), (404, "share.check.failed"), "{v}");
    let unknown = if share_code.starts_with('A') {
        "BBBBB-BBBBB"
    } else {
        "AAAAA-AAAAA"
    };
    let (st, v) = check(&app, unknown, BIRTH, "employer", employer).await;
    assert_eq!((st, code(&v)), (404, "share.check.failed"), "{v}");
    // Another verifier type is refused; a name is required.
    let (st, v) = check(&app, &share_code, BIRTH, "school", "مدرسه").await;
    assert_eq!((st, code(&v)), (403, "share.verifier.mismatch"), "{v}");
    let (st, v) = check(&app, &share_code, BIRTH, "employer", " ").await;
    assert_eq!((st, code(&v)), (422, "share.verifier_name.invalid"), "{v}");

    // The office sees every check with its outcome.
    let (st, list) = share_list(&app, &s, member).await;
    assert_eq!(st, 200, "{list}");
    let codes = list.as_array().unwrap();
    assert_eq!(codes.len(), 1, "{list}");
    let outcomes: Vec<&str> = codes[0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    let mut sorted = outcomes.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        ["birth_date_wrong", "shown", "shown", "verifier_mismatch"],
        "{list}"
    );
    // The right birth date (with the wrong verifier type) ended the run of wrong ones.
    assert_eq!(codes[0]["failures"], 0, "{list}");

    // The holder's page (no login) lists the checks with the names the verifiers gave.
    let holder = crate::harness::client();
    let html = get_text(&app, &holder, &manage).await;
    assert!(html.contains(employer), "{html}");
    assert!(html.contains("مدرسه"), "{html}");
    assert!(
        html.contains("id=\"checks\"") && html.contains("id=\"share-cancel\""),
        "{html}"
    );
    let r = holder
        .get(app.url("/share/manage/not-a-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Cancel it there: without the CSRF token nothing happens; with it, the code is dead.
    let r = app.post_form(&holder, &manage, &[]).await;
    assert_eq!(r.status(), 403);
    let (st, v) = check(&app, &share_code, BIRTH, "employer", employer).await;
    assert_eq!(st, 200, "{v}");
    let token = crate::harness::csrf_in(&html).unwrap();
    let r = app.post_form(&holder, &manage, &[("_csrf", &token)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), manage);
    let (st, v) = check(&app, &share_code, BIRTH, "employer", employer).await;
    assert_eq!((st, code(&v)), (409, "share.code.cancelled"), "{v}");
    let html = get_text(&app, &holder, &manage).await;
    assert!(!html.contains("id=\"share-cancel\""), "{html}");

    // A second code: five wrong birth dates lock it, then even the right one is refused.
    let (st, made) = new_share(
        &app,
        &s,
        member,
        json!({"credential_id": id, "verifier": "bank", "days": "1"}),
    )
    .await;
    assert_eq!(st, 201, "{made}");
    let second = made["code"].as_str().unwrap().to_owned();
    assert_ne!(second, share_code);
    for day in 1..=5 {
        let (st, v) = check(
            &app,
            &second,
            &format!("1991-01-0{day}"),
            "bank",
            "بانک ملی",
        )
        .await;
        assert_eq!(
            (st, code(&v)),
            (404, "share.check.failed"),
            "try {day}: {v}"
        );
    }
    let (st, v) = check(&app, &second, BIRTH, "bank", "بانک ملی").await;
    assert_eq!((st, code(&v)), (409, "share.code.locked"), "{v}");

    // A code for a credential revoked afterwards shows nothing.
    let (st, made) = new_share(
        &app,
        &s,
        member,
        json!({"credential_id": id, "verifier": "police", "days": "90"}),
    )
    .await;
    assert_eq!(st, 201, "{made}");
    let third = made["code"].as_str().unwrap().to_owned();
    let (st, v) = check(&app, &third, BIRTH, "police", "کلانتری ۱۲").await;
    assert_eq!((st, v["verdict"].as_str()), (200, Some("valid")), "{v}");
    let (st, v) = revoke(&app, &s.manager, &s.office, &id, "expired residence").await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = check(&app, &third, BIRTH, "police", "کلانتری ۱۲").await;
    assert_eq!((st, code(&v)), (409, "credential.revoked"), "{v}");

    // Failures so far from this address: 1 wrong birth date, 1 unknown code, 5 on the second
    // code. Three more unknown codes reach the limit of 10; then even a good check is refused.
    for _ in 0..3 {
        let (st, v) = check(&app, unknown, BIRTH, "employer", employer).await;
        assert_eq!((st, code(&v)), (404, "share.check.failed"), "{v}");
    }
    let (st, v) = check(&app, &third, BIRTH, "police", "کلانتری ۱۲").await;
    assert_eq!((st, code(&v)), (429, "share.too_many"), "{v}");
}

crate::both!(shares, share_codes);

/// Many wrong birth dates sent at once for one code: the lock must still stop guessing after
/// five, and the address must still be refused after ten failures.
async fn share_lock_holds_under_parallel_guesses(app: TestApp) {
    let s = approved_household(&app).await;
    let cred = only_credential(&app, &s, &s.head).await;
    let id = cred["id"].as_str().unwrap().to_owned();
    let (st, made) = new_share(
        &app,
        &s,
        &s.head,
        json!({"credential_id": id, "verifier": "employer", "days": "30"}),
    )
    .await;
    assert_eq!(st, 201, "{made}");
    let share = made["code"].as_str().unwrap().to_owned();
    let url = app.url("/api/v1/share/check");
    let mut set = tokio::task::JoinSet::new();
    for i in 0..40u32 {
        let (url, share) = (url.clone(), share.clone());
        let birth = format!("1980-{:02}-{:02}", 1 + i / 28, 1 + i % 28);
        set.spawn(async move {
            let r = crate::harness::client()
                .post(url)
                .json(&json!({"code": share, "birth_date": birth, "verifier": "employer", "verifier_name": "x"}))
                .send()
                .await
                .unwrap();
            let (s, v) = json_of(r).await;
            format!("{s} {}", code(&v))
        });
    }
    let mut answers = std::collections::BTreeMap::<String, u32>::new();
    while let Some(r) = set.join_next().await {
        *answers.entry(r.unwrap()).or_default() += 1;
    }
    assert!(
        answers.keys().all(|k| [
            "404 share.check.failed",
            "409 share.code.locked",
            "429 share.too_many"
        ]
        .contains(&k.as_str())),
        "{answers:?}"
    );
    let guessed = answers.get("404 share.check.failed").copied().unwrap_or(0);
    assert!(
        guessed <= 5,
        "{guessed} birth dates were tried against one code (the lock allows 5): {answers:?}"
    );
    let (_, list) = json_of(
        s.clerk
            .0
            .get(app.url(&format!("{}/share-codes", s.person_api(&s.head))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(list[0]["failures"].as_u64().unwrap() <= 5, "{list}");
}

/// Parallel guesses against one code (the lock and the address limit are counted before
/// comparing).
mod share_lock_parallel {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = crate::harness::TestApp::start(crate::harness::Backend::Sqlite)
            .await
            .unwrap();
        share_lock_holds_under_parallel_guesses(app).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = crate::harness::TestApp::start(crate::harness::Backend::Postgres).await {
            share_lock_holds_under_parallel_guesses(app).await;
        }
    }
}

async fn share_page_in_html(app: TestApp) {
    let s = approved_household(&app).await;
    let member = &s.head;
    let cred = only_credential(&app, &s, member).await;
    let id = cred["id"].as_str().unwrap().to_owned();
    let (st, made) = new_share(
        &app,
        &s,
        member,
        json!({"credential_id": id, "verifier": "employer", "days": "30"}),
    )
    .await;
    assert_eq!(st, 201, "{made}");
    let share_code = made["code"].as_str().unwrap().to_owned();
    let employer = "شرکت ساختمانی البرز";

    // Public: no login, a form with a CSRF token.
    let anon = crate::harness::client();
    let r = anon.get(app.url("/share")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"share-form\""), "{html}");
    assert!(
        !html.contains("id=\"share-result\"") && !html.contains("id=\"share-error\""),
        "{html}"
    );
    let token = crate::harness::csrf_in(&html).unwrap();
    let form = |birth: &'static str| {
        vec![
            ("_csrf", token.clone()),
            ("code", share_code.clone()),
            ("birth_date", birth.to_owned()),
            ("verifier", "employer".to_owned()),
            ("verifier_name", employer.to_owned()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let anon = anon.clone();
        let url = app.url("/share");
        async move {
            let r = anon.post(url).form(&fields).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };

    // Without the token: refused, nothing recorded.
    let mut no_token = form(BIRTH);
    no_token.remove(0);
    let (st, _) = post(no_token).await;
    assert_eq!(st, 403);

    // The right code and birth date: only the employer's claims.
    let (st, html) = post(form(BIRTH)).await;
    assert_eq!(st, 200, "{html}");
    assert!(!html.contains("id=\"share-error\""), "{html}");
    let result = fragment(&html, "id=\"share-result\"", "</section>");
    assert!(
        result.contains("زهرا") && result.contains("IR/THR-01"),
        "{result}"
    );
    // Kind, issuer, expiry, then one line per employer field the card has.
    let shown = cred["fields"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| EMPLOYER.contains(&k.as_str()))
        .count();
    assert!(shown >= 5, "{cred}");
    assert_eq!(result.matches("<dt>").count(), 3 + shown, "{result}");
    for hidden in ["جنسیت", "استان محل سکونت", "در سن مدرسه", "(لاتین)"]
    {
        assert!(
            !result.contains(hidden),
            "{hidden} is not for employers: {result}"
        );
    }
    let (_, _, iso) = expiry_dates(&cred);
    assert!(
        result.contains(&format!("(\u{2066}{iso}\u{2069})")),
        "{result}"
    );

    // A wrong birth date: the same answer as an unknown code, on the page.
    let (st, html) = post(form("1990-03-22")).await;
    assert_eq!(st, 404, "{html}");
    assert!(
        html.contains("id=\"share-error\"") && !html.contains("id=\"share-result\""),
        "{html}"
    );
    assert!(html.contains("کد یا تاریخ تولد نادرست است"), "{html}");
    // What was typed comes back, escaped.
    let mut odd = form(BIRTH);
    odd[4].1 = "<script>alert(1)</script>".to_owned();
    odd[1].1 = "ZZZZZ-ZZZZZ".to_owned();
    let (st, html) = post(odd).await;
    assert!(st == 404 || st == 422, "{st} {html}");
    assert!(!html.contains("<script>alert(1)"), "{html}");

    // The office sees the checks made through the page.
    let (_, list) = share_list(&app, &s, member).await;
    let mut outcomes: Vec<&str> = list[0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    outcomes.sort_unstable();
    assert_eq!(outcomes, ["birth_date_wrong", "shown"], "{list}");
}

crate::both!(share_page, share_page_in_html);

/// "Who saw my record", printable at any office (issue 20.5): the holder makes a share code for
/// an office; only the signed-in staff of an office can check it, with the birth date; the
/// answer carries the holder's access log (office, role, purpose — no staff name), and that
/// reading and the check show in the log with the checking office. A code for another verifier
/// type opens no log; a code whose check did not show the credential opens none either.
async fn office_share_prints_the_access_log(app: TestApp) {
    let s = approved_household(&app).await;
    let member = &s.head;
    let cred = only_credential(&app, &s, member).await;
    let id = cred["id"].as_str().unwrap().to_owned();
    let office_a: daftar_domain::ids::OfficeId = s.office.parse().unwrap();
    // Only the holder makes such a code, on the portal: not staff, by the API or the page.
    let (st, v) = new_share(
        &app,
        &s,
        member,
        json!({"credential_id": id, "verifier": "office", "days": "7"}),
    )
    .await;
    assert_eq!((st, code(&v)), (409, "share.verifier.holder_only"), "{v}");
    let staff_page = crate::harness::get_text(
        &app,
        &s.clerk.0,
        &format!("/offices/{}/persons/{}/credentials", s.office, member.id),
    )
    .await;
    assert!(
        staff_page.contains("value=\"employer\"") && !staff_page.contains("value=\"office\""),
        "the staff form offers no code for an office"
    );
    let account = app
        .store
        .grant_portal(
            &daftar_domain::audit::AuditCtx::system("test"),
            &daftar_domain::permission::system_scope(
                office_a,
                daftar_domain::permission::Permission::PersonWrite,
            ),
            member.id,
            &daftar_domain::secret::password::hash(crate::harness::PASSWORD).unwrap(),
        )
        .unwrap();
    let me = app.signed_in(account.username.as_str()).await;
    let csrf = app.csrf(&me, "/portal").await;
    let portal_page = me
        .post(app.url("/portal/share-codes"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("credential_id", id.as_str()),
            ("verifier", "office"),
            ("days", "7"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let created = fragment(&portal_page, "id=\"share-created\"", "</section>");
    let share_code = regex_code(created).unwrap_or_else(|| panic!("a code: {created}"));
    let (_, list) = share_list(&app, &s, member).await;
    let share_id: daftar_domain::ids::ShareCodeId = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["verifier"] == "office")
        .unwrap_or_else(|| panic!("the office code: {list}"))["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = |birth: &str, verifier: &str| json!({"code": share_code, "birth_date": birth, "verifier": verifier, "verifier_name": "دفتر مشهد"});

    // No one but the staff of an office: anonymous, a partner, refused before the code counts.
    let (st, v) = check(&app, &share_code, BIRTH, "office", "x").await;
    assert_eq!((st, code(&v)), (403, "share.office.staff_only"), "{v}");
    app.user("partner.p", "partner", None);
    let partner = api_client(&app, "partner.p").await;
    let (st, v, _) = crate::harness::send_json(
        &app,
        &partner,
        reqwest::Method::POST,
        "/api/v1/share/check",
        body(BIRTH, "office"),
        None,
    )
    .await;
    assert_eq!((st, code(&v)), (403, "share.office.staff_only"), "{v}");

    // A clerk of another office, in another province's city.
    let b = app.office("MHD-01");
    app.user("clerk.b", "clerk", Some(b.id));
    let clerk_b = api_client(&app, "clerk.b").await;
    let post = |b: serde_json::Value| {
        let clerk_b = &clerk_b;
        let app = &app;
        async move {
            let (st, v, _) = crate::harness::send_json(
                app,
                clerk_b,
                reqwest::Method::POST,
                "/api/v1/share/check",
                b,
                None,
            )
            .await;
            (st, v)
        }
    };
    // As an employer: the code was made for an office.
    let (st, v) = post(body(BIRTH, "employer")).await;
    assert_eq!((st, code(&v)), (403, "share.verifier.mismatch"), "{v}");
    // A wrong birth date: the usual answer, no log.
    let (st, v) = post(body("1991-03-21", "office")).await;
    assert_eq!((st, code(&v)), (404, "share.check.failed"), "{v}");
    assert!(v.get("access_log").is_none(), "{v}");
    // Before any check showed the credential, the store opens no log with the code.
    let err = app
        .store
        .shared_access_log(
            &daftar_domain::audit::AuditCtx::system("test"),
            share_id,
            time::OffsetDateTime::now_utc(),
            daftar_domain::page::PageRequest::default(),
        )
        .unwrap_err();
    assert_eq!(err.code, "share.not_found");

    // The right birth date (Solar Hijri): the full card and the log.
    let (st, v) = post(body(BIRTH_JALALI, "office")).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["verdict"], "valid", "{v}");
    let log = v["access_log"]["items"].as_array().expect("a log").clone();
    assert!(v["access_log"]["total"].as_u64().unwrap() >= log.len() as u64);
    let offices: std::collections::BTreeSet<&str> = log
        .iter()
        .map(|e| e["office_code"].as_str().unwrap())
        .collect();
    assert!(offices.contains("THR-01"), "the own office's work: {v}");
    assert!(
        log.iter().any(|e| e["office_code"] == "MHD-01"
            && e["action"] == "share.check"
            && e["role"] == "clerk"),
        "this check, by the other office: {v}"
    );
    let text = v["access_log"].to_string();
    for name in ["clerk.a", "mgr.a", "clerk.b", "کاربر"] {
        assert!(!text.contains(name), "a staff name in the log: {name}");
    }
    // The store opens the log only for the very check that showed the credential, by its
    // recorded time: not a second later, not the wrong birth date's check.
    let (_, list) = share_list(&app, &s, member).await;
    let mine = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(share_id.to_string()))
        .unwrap();
    let at_of = |outcome: &str| {
        let c = mine["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["outcome"] == outcome)
            .unwrap_or_else(|| panic!("a {outcome} check: {mine}"));
        time::OffsetDateTime::parse(
            c["at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    let open = |at: time::OffsetDateTime| {
        app.store.shared_access_log(
            &daftar_domain::audit::AuditCtx::system("test"),
            share_id,
            at,
            daftar_domain::page::PageRequest::default(),
        )
    };
    assert!(open(at_of("shown")).is_ok());
    for at in [
        at_of("shown") + time::Duration::seconds(1),
        at_of("birth_date_wrong"),
    ] {
        assert_eq!(open(at).unwrap_err().code, "share.not_found");
    }

    // The reading is in the holder's log, with the reading office.
    let seen = app.access_log(office_a, member.id);
    assert!(
        seen.iter()
            .any(|e| e.action == "person.access_log" && e.office_code == "MHD-01"),
        "{seen:?}"
    );
    // A code made for an employer opens no log for an office.
    let (st, emp) = new_share(
        &app,
        &s,
        member,
        json!({"credential_id": id, "verifier": "employer", "days": "7"}),
    )
    .await;
    assert_eq!(st, 201, "{emp}");
    let (st, v) = post(json!({"code": emp["code"], "birth_date": BIRTH, "verifier": "office", "verifier_name": "دفتر مشهد"})).await;
    assert_eq!((st, code(&v)), (403, "share.verifier.mismatch"), "{v}");
    let (st, v) = check(&app, emp["code"].as_str().unwrap(), BIRTH, "employer", "x").await;
    assert_eq!(st, 200, "{v}");
    assert!(v.get("access_log").is_none(), "{v}");

    // The page: the clerk of the other office prints it.
    let html_client = &clerk_b.0;
    let csrf = app.csrf(html_client, "/share").await;
    let r = html_client
        .post(app.url("/share"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("code", share_code.as_str()),
            ("birth_date", BIRTH),
            ("verifier", "office"),
            ("verifier_name", "دفتر مشهد"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"access-log\""), "{html}");
    assert!(html.contains("class=\"access-line\""), "{html}");
    assert!(html.contains("data-print"), "{html}");
    assert!(!html.contains("clerk.a"), "{html}");
}

crate::both!(office_share_log, office_share_prints_the_access_log);

/// The first `ABCDE-FGHJK` share code in `text`.
fn regex_code(text: &str) -> Option<String> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(10)).find_map(|i| {
        let w = &b[i..i + 11];
        let ok = |c: &u8| daftar_domain::credential::SHARE_ALPHABET.contains(c);
        (w[5] == b'-'
            && w[..5].iter().all(ok)
            && w[6..].iter().all(ok)
            && (i == 0 || !ok(&b[i - 1]))
            && b.get(i + 11).is_none_or(|c| !ok(c)))
        .then(|| String::from_utf8_lossy(w).into_owned())
    })
}

/// The person's share codes with their checks, as the clerk of [`approved_household`] lists
/// them: status and JSON.
async fn share_list(
    app: &TestApp,
    s: &Approved,
    member: &daftar_domain::person::Person,
) -> (u16, Value) {
    json_of(
        s.clerk
            .0
            .get(app.url(&format!("{}/share-codes", s.person_api(member))))
            .send()
            .await
            .unwrap(),
    )
    .await
}
