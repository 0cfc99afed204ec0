//! Issuing: an approved household renewal issues one card per member that verifies online
//! (only the purpose's claims), is told apart from tampering and junk, and is seen revoked at
//! once; a work permit names the employer its case was opened with; `work_allowed` follows the
//! catalog.

use super::*;
use crate::harness::{get_text, location, qr_png};
use daftar_credential::lists::TrustListDoc;

async fn approve_issues_a_credential_that_verifies_and_revocation_is_seen_at_once(app: TestApp) {
    let s = approved_household(&app).await;
    // Every member of the household got its own card.
    let member = &s.others[0];
    let cred = only_credential(&app, &s, member).await;
    let head_cred = only_credential(&app, &s, &s.head).await;
    let _ = only_credential(&app, &s, &s.others[1]).await;
    assert_ne!(cred["id"], head_cred["id"]);
    assert_eq!(cred["fields"]["given_name"], "کریم", "{cred}");
    assert_eq!(cred["fields"]["birth_date"], BIRTH, "{cred}");
    // The Iran profile's card does not itself permit work (a deliberate decision of the
    // profile, docs/services.md) and names no employer.
    assert_eq!(cred["fields"]["work_allowed"], "no", "{cred}");
    assert!(cred["fields"].get("employer").is_none(), "{cred}");
    let id = cred["id"].as_str().unwrap().to_owned();

    // The employer's QR: valid, and only the employer profile's claims.
    let text = qr_text(&app, &s, member, &id, "employer").await;
    let (st, v) = verify(&app, &text).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["verdict"], "valid", "{v}");
    assert_eq!(v["kind"], "registration_card");
    assert_eq!(v["purpose"], "employer");
    assert_eq!(v["issuer"], "IR/THR-01");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    let fields = v["fields"].as_object().unwrap();
    assert_eq!(fields["given_name"], "کریم", "{v}");
    assert_eq!(fields["family_name"], "احمدی", "{v}");
    assert!(
        fields.keys().all(|k| EMPLOYER.contains(&k.as_str())),
        "only the employer profile: {v}"
    );
    for hidden in ["sex", "province", "school_age", "given_name_latin"] {
        assert!(
            !fields.contains_key(hidden),
            "{hidden} is not for employers: {v}"
        );
    }
    // A school's QR leaves out the card number and nationality.
    let school = qr_text(&app, &s, member, &id, "school").await;
    let (st, v) = verify(&app, &school).await;
    assert_eq!((st, v["verdict"].as_str()), (200, Some("valid")), "{v}");
    assert!(
        !v["fields"].as_object().unwrap().contains_key("card_no")
            && !v["fields"].as_object().unwrap().contains_key("nationality"),
        "{v}"
    );
    // A purpose that does not exist is refused; another person's path does not show it.
    let (st, v) = json_of(
        s.clerk
            .0
            .get(app.url(&format!(
                "{}/credentials/{id}/qr?purpose=neighbour",
                s.person_api(member)
            )))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((st, code(&v)), (422, "credential.purpose.invalid"), "{v}");
    let (st, v) = json_of(
        s.clerk
            .0
            .get(app.url(&format!("{}/credentials/{id}/qr", s.person_api(&s.head))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((st, code(&v)), (404, "credential.not_found"), "{v}");

    // One character changed: tampered, or not even well-formed; never valid, never a 500.
    let bent = flip_middle(&text);
    assert_ne!(bent, text);
    let (st, v) = verify(&app, &bent).await;
    assert!(
        (st == 200 && v["verdict"] == "tampered")
            || (st == 422 && code(&v).starts_with("credential.")),
        "{st} {v}"
    );
    assert!(
        v["fields"]
            .as_object()
            .is_none_or(serde_json::Map::is_empty),
        "{v}"
    );
    let (st, v) = verify(&app, "hello").await;
    assert_eq!((st, code(&v)), (422, "credential.prefix.invalid"), "{v}");

    // Another office sees nothing of it and cannot revoke it.
    let b = app.office("MSH-01");
    app.user("clerk.b", "clerk", Some(b.id));
    app.user("mgr.b", "office_manager", Some(b.id));
    let (cb, _) = api_client(&app, "clerk.b").await;
    let r = cb
        .get(app.url(&format!("{}/credentials", s.person_api(member))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = cb
        .get(app.url(&format!(
            "/api/v1/offices/{}/persons/{}/credentials/{id}/qr",
            b.id, member.id
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let mb = api_client(&app, "mgr.b").await;
    let (st, v) = revoke(&app, &mb, &b.id.to_string(), &id, "not ours").await;
    assert_eq!((st, code(&v)), (404, "credential.not_found"), "{v}");
    let (st, v) = revoke(&app, &mb, &s.office, &id, "not ours").await;
    assert_eq!(st, 403, "{v}");
    // Malformed texts: too long, not base45; never a 500.
    let long = format!("DF1:{}", "A".repeat(5000));
    let (st, v) = verify(&app, &long).await;
    assert_eq!((st, code(&v)), (422, "credential.too_long"), "{v}");
    let (st, v) = verify(&app, "DF1:!!!").await;
    assert_eq!((st, code(&v)), (422, "credential.encoding.invalid"), "{v}");

    // A clerk may not revoke; the manager must give a reason.
    let (st, v) = revoke(&app, &s.clerk, &s.office, &id, "lost").await;
    assert_eq!(st, 403, "{v}");
    let (st, v) = revoke(&app, &s.manager, &s.office, &id, "  ").await;
    assert_eq!((st, code(&v)), (422, "credential.reason.invalid"), "{v}");
    let (st, v) = verify(&app, &text).await;
    assert_eq!((st, v["verdict"].as_str()), (200, Some("valid")), "{v}");
    let (st, v) = revoke(&app, &s.manager, &s.office, &id, "کارت گم شده است").await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["id"], id.as_str());
    assert!(v["revoked_at"].is_string(), "{v}");
    assert_eq!(v["revoke_reason"], "کارت گم شده است");
    // Seen at once, by every QR of the credential; the other members' cards stay valid.
    let (st, v) = verify(&app, &text).await;
    assert_eq!((st, v["verdict"].as_str()), (200, Some("revoked")), "{v}");
    let (_, v) = verify(&app, &school).await;
    assert_eq!(v["verdict"], "revoked", "{v}");
    let head_id = head_cred["id"].as_str().unwrap();
    let head_text = qr_text(&app, &s, &s.head, head_id, "employer").await;
    let (_, v) = verify(&app, &head_text).await;
    assert_eq!(v["verdict"], "valid", "{v}");
    // The list shows the revocation; revoking again is a conflict.
    let (_, list) = json_of(
        s.clerk
            .0
            .get(app.url(&format!("{}/credentials", s.person_api(member))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(list[0]["revoked_at"].is_string(), "{list}");
    let (st, v) = revoke(&app, &s.manager, &s.office, &id, "again").await;
    assert_eq!((st, code(&v)), (409, "credential.revoked"), "{v}");
    // No share code for a revoked credential.
    let (st, v) = json_of(
        s.clerk
            .0
            .post(app.url(&format!("{}/share-codes", s.person_api(member))))
            .header("x-csrf-token", &s.clerk.1)
            .json(&json!({"credential_id": id, "verifier": "employer", "days": 30}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    // `days` as a JSON integer is read (issue 15, item 21), so the refusal is the revocation.
    assert_eq!((st, code(&v)), (409, "credential.revoked"), "{v}");
}

crate::both!(
    approve_and_revoke,
    approve_issues_a_credential_that_verifies_and_revocation_is_seen_at_once
);

/// Issue 16: the approval that grants credentials issues them in its own transaction. With the
/// credentials' insert made to fail, the approving request fails whole: the case stays where it
/// was, nothing is issued, no idempotent answer is kept; the client's retry with the same
/// `Idempotency-Key` then approves and issues (it is not a replay of an approval without
/// credentials), and a further retry replays that answer.
async fn an_approval_commits_with_its_credentials(app: TestApp) {
    let (s, path, etag) = household_before_approval(&app).await;
    let (_, etag) = complete(&app, &s.clerk, &path, &etag).await;
    let (_, etag) = complete(&app, &s.manager, &path, &etag).await;
    let postgres = app.store.backend() == daftar_domain::store::Backend::Postgres;
    let fault = if postgres {
        "CREATE FUNCTION fail_credential() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$;
         CREATE TRIGGER fail_credential BEFORE INSERT ON credentials FOR EACH ROW EXECUTE FUNCTION fail_credential();"
    } else {
        "CREATE TRIGGER fail_credential BEFORE INSERT ON credentials BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"
    };
    app.sql().execute_raw(fault).unwrap();
    let (c, t) = &s.clerk;
    let approve = || {
        c.post(app.url(&format!("{path}/actions")))
            .header("x-csrf-token", t)
            .header("if-match", &etag)
            .header("idempotency-key", "approve-once")
            .json(&json!({"action": "complete"}))
            .send()
    };
    let (st, v) = json_of(approve().await.unwrap()).await;
    assert_eq!(
        (st, code(&v)),
        (503, "store.unavailable"),
        "the insert failed: {v}"
    );
    let (st, case) = json_of(c.get(app.url(&path)).send().await.unwrap()).await;
    assert_eq!(st, 200, "{case}");
    assert_eq!(
        (
            case["case"]["state"].as_str(),
            case["case"]["step"].as_u64()
        ),
        (Some("open"), Some(2)),
        "the approval was rolled back with its credentials: {case}"
    );
    for p in std::iter::once(&s.head).chain(&s.others) {
        let (_, list) = json_of(
            c.get(app.url(&format!("{}/credentials", s.person_api(p))))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
    }
    let drop = if postgres {
        "DROP TRIGGER fail_credential ON credentials; DROP FUNCTION fail_credential();"
    } else {
        "DROP TRIGGER fail_credential;"
    };
    app.sql().execute_raw(drop).unwrap();
    // The retry approves and issues; the next one replays that answer.
    let first = approve().await.unwrap();
    assert!(first.headers().get("idempotent-replayed").is_none());
    let (st, approved) = json_of(first).await;
    assert_eq!(
        (st, approved["case"]["state"].as_str()),
        (200, Some("approved")),
        "{approved}"
    );
    let (st, replayed) = json_of(approve().await.unwrap()).await;
    assert_eq!((st, &replayed), (200, &approved));
    let mut issued = vec![];
    for p in std::iter::once(&s.head).chain(&s.others) {
        issued.push(only_credential(&app, &s, p).await["id"].clone());
    }
    // Issuing again for the case (the repair route) is safe: the same three credentials.
    let (st, again) = json_of(
        c.post(app.url(&format!("{path}/credentials")))
            .header("x-csrf-token", t)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{again}");
    let mut again: Vec<String> = again
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let mut issued: Vec<String> = issued
        .iter()
        .map(|i| i.as_str().unwrap().to_owned())
        .collect();
    again.sort();
    issued.sort();
    assert_eq!(again, issued);
}

crate::both!(
    approval_with_credentials,
    an_approval_commits_with_its_credentials
);

/// Opens a case through the API as `c`.
async fn open_case(
    app: &TestApp,
    (c, t): &(reqwest::Client, String),
    office: &str,
    body: &Value,
) -> (u16, Value) {
    json_of(
        c.post(app.url(&format!("/api/v1/offices/{office}/cases")))
            .header("x-csrf-token", t)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Issue 15.5: a work permit names the employer its case was opened with. Opening refuses a
/// missing, malformed or unwanted employer; the approved case's permit carries claim 11, and the
/// employer's QR (its real text and a photo of it, through the verifier) shows it with
/// `work_allowed: yes`.
async fn work_permit_names_its_employer(app: TestApp) {
    let a = app.office("THR-01");
    let office = a.id.to_string();
    app.user("clerk.a", "clerk", Some(a.id));
    app.user("mgr.a", "office_manager", Some(a.id));
    app.user("officer", "authority_officer", None);
    let (worker, others) = app.household_with_cards(a.id);
    let clerk = api_client(&app, "clerk.a").await;
    let manager = api_client(&app, "mgr.a").await;
    let officer = {
        let c = app.signed_in_with_totp("officer").await;
        let t = app.csrf(&c, "/profile").await;
        (c, t)
    };
    let employer = "شرکت ساختمانی البرز";
    let permit = |e: Value| json!({"service": "work_permit", "person_id": worker.id.to_string(), "consent": true, "employer": e});

    // The service requires an employer: none, a blank one, a name without a letter (only
    // invisible characters), an identifier that is no identifier; and a service that takes none.
    for (body, want) in [
        (permit(Value::Null), "case.employer.required"),
        (permit(json!({"name": "  "})), "case.employer.invalid"),
        (
            permit(json!({"name": "\u{200b}\u{200c}"})),
            "case.employer.invalid",
        ),
        (
            permit(json!({"name": employer, "identifier": "12 34"})),
            "case.employer.invalid",
        ),
        (
            json!({"service": "registration_status_certificate", "person_id": others[0].id.to_string(), "employer": {"name": employer}}),
            "case.employer.not_allowed",
        ),
    ] {
        let (st, v) = open_case(&app, &clerk, &office, &body).await;
        assert_eq!((st, code(&v)), (422, want), "{body}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty() && !m.contains("case-employer")),
            "a message, not the id: {v}"
        );
    }

    // The clerk's form: the employer fields, the message when they are left empty, and the
    // case page showing what was given.
    let form_path = format!("/offices/{office}/cases");
    let new_form = get_text(
        &app,
        &clerk.0,
        &format!("{form_path}/new?person_id={}", others[0].id),
    )
    .await;
    assert!(
        new_form.contains("name=\"employer_name\"")
            && new_form.contains("name=\"employer_identifier\""),
        "{new_form}"
    );
    let token = crate::harness::csrf_in(&new_form).unwrap();
    let pid = others[0].id.to_string();
    let mut fields = vec![
        ("_csrf", token.as_str()),
        ("person_id", pid.as_str()),
        ("service", "work_permit"),
        ("consent", "1"),
        ("employer_name", ""),
        ("employer_identifier", ""),
    ];
    let r = app.post_form(&clerk.0, &form_path, &fields).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("role=\"alert\"") && !html.contains("case-employer-required"),
        "{html}"
    );
    fields[4].1 = "نانوایی سنگک";
    let r = app.post_form(&clerk.0, &form_path, &fields).await;
    assert_eq!(r.status(), 303);
    let page = get_text(&app, &clerk.0, &location(&r)).await;
    assert!(
        fragment(&page, "id=\"case-employer\"", "</dd>").contains("نانوایی سنگک"),
        "{page}"
    );

    // With the employer (Persian digits in the identifier are read as ASCII).
    let (st, opened) = open_case(
        &app,
        &clerk,
        &office,
        &permit(json!({"name": format!(" {employer} "), "identifier": "۱۰۱۰۱۲۳۴۵۶۷"})),
    )
    .await;
    assert_eq!(st, 201, "{opened}");
    assert_eq!(
        opened["case"]["employer"],
        json!({"name": employer, "identifier": "10101234567"}),
        "{opened}"
    );
    let path = format!(
        "/api/v1/offices/{office}/cases/{}",
        opened["case"]["id"].as_str().unwrap()
    );
    // The case keeps it (a fresh read), and its page shows it.
    let r = clerk.0.get(app.url(&path)).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let (_, read) = json_of(r).await;
    assert_eq!(read["case"]["employer"]["name"], employer, "{read}");
    let html = get_text(
        &app,
        &clerk.0,
        &format!(
            "/offices/{office}/cases/{}",
            opened["case"]["id"].as_str().unwrap()
        ),
    )
    .await;
    let shown = fragment(&html, "id=\"case-employer\"", "</dd>");
    assert!(
        shown.contains(employer) && shown.contains("10101234567"),
        "{shown}"
    );

    // Evidence, fee, then intake (clerk), approval (manager), authority approval, issue (clerk).
    let docs = format!("{path}/documents");
    let (c, t) = &clerk;
    upload(&app, c, t, &docs, "photo", PNG, "image/png").await;
    for kind in ["registration_card", "employer_letter", "worker_consent"] {
        upload(&app, c, t, &docs, kind, PDF, "application/pdf").await;
    }
    let due = opened["fees_due"][0]["rials"].as_u64().unwrap();
    let fee = opened["fees_due"][0]["code"].as_str().unwrap();
    let (st, v) = json_of(
        c.post(app.url(&format!("{path}/payments")))
            .header("x-csrf-token", t)
            .json(&json!({"fee": fee, "rials": due.to_string(), "method": "cash"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let r = c.get(app.url(&path)).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().map_or(etag, str::to_owned);
    let (_, etag) = complete(&app, &clerk, &path, &etag).await;
    let (_, etag) = complete(&app, &manager, &path, &etag).await;
    let (_, etag) = complete(&app, &officer, &path, &etag).await;
    let (v, _) = complete(&app, &clerk, &path, &etag).await;
    assert_eq!(v["case"]["state"], "approved", "{v}");

    // The permit carries the employer and allows work.
    let (st, list) = json_of(
        c.get(app.url(&format!(
            "/api/v1/offices/{office}/persons/{}/credentials",
            worker.id
        )))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{list}");
    let cred = &list[0];
    assert_eq!(cred["kind"], "work_permit", "{list}");
    let claim = format!("{employer} (10101234567)");
    assert_eq!(cred["fields"]["employer"], claim.as_str(), "{cred}");
    assert_eq!(cred["fields"]["work_allowed"], "yes", "{cred}");
    let id = cred["id"].as_str().unwrap();

    // The employer's QR, through the verifier: valid, the employer named, work allowed.
    let s = Approved {
        office: office.clone(),
        head: worker.clone(),
        others,
        clerk,
        manager,
    };
    let text = qr_text(&app, &s, &worker, id, "employer").await;
    let (st, v) = verify(&app, &text).await;
    assert_eq!((st, v["verdict"].as_str()), (200, Some("valid")), "{v}");
    assert_eq!(v["kind"], "work_permit", "{v}");
    assert_eq!(v["purpose"], "employer", "{v}");
    assert_eq!(v["fields"]["employer"], claim.as_str(), "{v}");
    assert_eq!(v["fields"]["work_allowed"], "yes", "{v}");
    // The same through the signed bytes themselves (as an outside verifier reads them).
    let root_hex = get_text(
        &app,
        &crate::harness::client(),
        "/.well-known/daftar/root-key",
    )
    .await;
    let root_bytes: [u8; 32] = hex::decode(root_hex.trim()).unwrap().try_into().unwrap();
    let root = ed25519_dalek::VerifyingKey::from_bytes(&root_bytes).unwrap();
    let trust = TrustListDoc::open(
        &list_file(&app, "/.well-known/daftar/trust-list").await,
        &root,
    )
    .unwrap()
    .trust()
    .unwrap();
    let verdict = daftar_credential::verify(&text, &trust, now()).unwrap();
    let claims = verdict.claims().unwrap();
    assert_eq!(
        claims.fields.get("employer").map(String::as_str),
        Some(claim.as_str())
    );
    // And a photo of the QR on the public page names the employer.
    let anon = crate::harness::client();
    let token = crate::harness::csrf_in(
        &anon
            .get(app.url("/verify"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let (st, html) = post_verify(&app, &anon, Some(&token), None, Some(qr_png(&text))).await;
    assert_eq!(st, 200, "{html}");
    assert!(
        html.contains("data-verdict=\"valid\"") && html.contains(employer),
        "{html}"
    );
}

crate::both!(work_permit_employer, work_permit_names_its_employer);

/// Issue 15.5: `work_allowed` follows the catalog, not the kind. The Iran profile's card says
/// `no` (a deliberate decision, docs/services.md); once the authority sets `work_allowed = true`
/// on the card renewal, the cards it issues say `yes`, in the employer's QR too.
async fn card_work_allowed_follows_the_catalog(app: TestApp) {
    app.user("officer", "authority_officer", None);
    let o = app.signed_in_with_totp("officer").await;
    let t = app.csrf(&o, "/profile").await;
    let url = app.url("/api/v1/services/card_renewal");
    let r = o.get(&url).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let (_, mut def) = json_of(r).await;
    assert_eq!(
        def["work_allowed"], false,
        "the Iran profile says no: {def}"
    );
    for k in ["version", "updated_at", "updated_by"] {
        def.as_object_mut().unwrap().remove(k);
    }
    // A registration card may not require an employer (only a work permit names one).
    let mut bad = def.clone();
    bad["requires_employer"] = json!(true);
    let (st, v) = json_of(
        o.put(&url)
            .header("x-csrf-token", &t)
            .header("if-match", &etag)
            .json(&json!({"definition": bad, "note": "x"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((st, code(&v)), (422, "service.definition.invalid"), "{v}");
    def["work_allowed"] = json!(true);
    let (st, v) = json_of(
        o.put(&url)
            .header("x-csrf-token", &t)
            .header("if-match", &etag)
            .json(&json!({"definition": def, "note": "cards permit work"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{v}");

    let s = approved_household(&app).await;
    let member = &s.others[0];
    let cred = only_credential(&app, &s, member).await;
    assert_eq!(cred["fields"]["work_allowed"], "yes", "{cred}");
    assert!(cred["fields"].get("employer").is_none(), "{cred}");
    let text = qr_text(&app, &s, member, cred["id"].as_str().unwrap(), "employer").await;
    let (st, v) = verify(&app, &text).await;
    assert_eq!((st, v["verdict"].as_str()), (200, Some("valid")), "{v}");
    assert_eq!(v["fields"]["work_allowed"], "yes", "{v}");
}

crate::both!(card_work_allowed, card_work_allowed_follows_the_catalog);
