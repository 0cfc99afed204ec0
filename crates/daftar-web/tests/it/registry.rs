//! The registry through the real server on both backends: registering with the full form
//! (errors keep what was typed), the person page (documents, status history), search in the UI
//! and the API within the office, and the same in every locale.

use crate::harness::{TestApp, location};

async fn text(r: reqwest::Response) -> String {
    r.text().await.unwrap()
}

async fn clerk_registers_with_the_full_form(app: TestApp) {
    let a = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(a.id));
    let c = app.signed_in("clerk.a").await;
    let new = format!("/offices/{}/persons/new", a.id);
    let t = app.csrf(&c, &new).await;
    let post = format!("/offices/{}/persons", a.id);
    let mut fields = vec![
        ("_csrf", t.as_str()),
        ("given_name", "عبدالله"),
        ("family_name", "کریمی"),
        ("father_name", "غلام حیدر"),
        ("grandfather_name", "عبدالرحمن"),
        ("given_name_latin", "Abdullah"),
        ("family_name_latin", "Karimi"),
        ("birth_date", "۱۳۷۰/۰۵"),
        ("sex", "male"),
        ("nationality", "AFG"),
        ("phone", "0912 345 6789"),
        ("province", "تهران"),
        ("district", "ری"),
        ("address", "خیابان ۱۵ خرداد"),
        ("doc_kind", "passport"),
        ("doc_number", "P0123456"),
        ("doc_valid_until", "1410/01/01"),
    ];
    // A bad phone number: the form comes back with everything typed and the field marked.
    fields[10].1 = "12";
    let r = app.post_form(&c, &post, &fields).await;
    assert_eq!(r.status(), 422);
    let html = text(r).await;
    assert!(html.contains("id=\"form-error\""), "{html}");
    assert!(html.contains("value=\"Abdullah\"") && html.contains("value=\"عبدالرحمن\""));
    assert!(
        html.contains(
            "name=\"phone\" value=\"12\" maxlength=\"24\" dir=\"ltr\" aria-invalid=\"true\""
        ),
        "{html}"
    );
    fields[10].1 = "0912 345 6789";
    let r = app.post_form(&c, &post, &fields).await;
    assert_eq!(r.status(), 303, "{}", text(r).await);
    let page = location(&r);
    let html = text(c.get(app.url(&page)).send().await.unwrap()).await;
    for expected in [
        "عبدالرحمن",
        "Abdullah",
        "09123456789",
        "P0123456",
        "id=\"history\"",
    ] {
        assert!(html.contains(expected), "{expected} on the person page");
    }
    assert!(
        html.contains("۱۳۷۰/۰۵"),
        "month-precision birth date shown as given"
    );
    // Change the status and add a document from the page.
    let t = app.csrf(&c, &page).await;
    let r = app
        .post_form(
            &c,
            &format!("{page}/status"),
            &[("_csrf", &t), ("status", "renewed"), ("note", "دور ۱۴۰۵")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            &c,
            &format!("{page}/status"),
            &[("_csrf", &t), ("status", "renewed")],
        )
        .await;
    assert_eq!(r.status(), 409, "unchanged status is refused on the page");
    assert!(text(r).await.contains("role=\"alert\""));
    let r = app
        .post_form(
            &c,
            &format!("{page}/documents"),
            &[("_csrf", &t), ("kind", "census_slip"), ("number", "۹۸۷۶۵")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            &c,
            &format!("{page}/documents"),
            &[("_csrf", &t), ("kind", "passport"), ("number", "p-0123456")],
        )
        .await;
    assert_eq!(r.status(), 409, "the same passport twice");
    let html = text(c.get(app.url(&page)).send().await.unwrap()).await;
    assert!(html.contains("دور ۱۴۰۵") && html.contains("۹۸۷۶۵"));
    // The same record through the API.
    let id = page.rsplit('/').next().unwrap();
    let rec: serde_json::Value = c
        .get(app.url(&format!("/api/v1/offices/{}/persons/{id}", a.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rec["birth_date_precision"], "month");
    assert_eq!(rec["status"], "renewed");
    assert_eq!(rec["documents"].as_array().unwrap().len(), 2);
    assert_eq!(rec["history"].as_array().unwrap().len(), 2);
}
crate::both!(
    clerk_registers_with_the_full_form_t,
    clerk_registers_with_the_full_form
);

async fn search_stays_within_the_office(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("MHD-01");
    app.user("clerk.a", "clerk", Some(a.id));
    let mine = app.person(a.id, "نجیب‌الله");
    app.person(b.id, "نجیب‌الله");
    let c = app.signed_in("clerk.a").await;
    for q in ["نجيب الله", "Najibullah", &mine.registry_no] {
        let url = format!("/api/v1/offices/{}/persons?q={}", a.id, urlencode(q));
        let page: serde_json::Value = c
            .get(app.url(&url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["total"], 1, "{q}: {page}");
        assert_eq!(page["items"][0]["id"], mine.id.to_string());
    }
    // The other office's search is refused, not emptied.
    let r = c
        .get(app.url(&format!("/api/v1/offices/{}/persons?q=Najibullah", b.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .get(app.url(&format!("/api/v1/offices/{}/persons?q=%20", a.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "a blank query lists everyone");
    let long = "ا".repeat(101);
    let r = c
        .get(app.url(&format!(
            "/api/v1/offices/{}/persons?q={}",
            a.id,
            urlencode(&long)
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(text(r).await.contains("search.query.invalid"));
    // The page: results, then an empty search in every locale.
    let html = text(
        c.get(app.url(&format!("/offices/{}/persons?q=Najibullah", a.id)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(html.contains(&mine.registry_no));
    for (tag, words) in [
        ("fa-IR", "هیچ شخصی"),
        ("fa-AF", "هیچ شخصی"),
        ("ps", "هېڅ کس"),
        ("en", "No person of this office matches"),
    ] {
        let r = c
            .get(app.url(&format!("/locale/{tag}?next=/")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let html = text(
            c.get(app.url(&format!("/offices/{}/persons?q=Zzyzx", a.id)))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert!(html.contains(words), "{tag}: {html}");
    }
}
crate::both!(
    search_stays_within_the_office_t,
    search_stays_within_the_office
);

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn clerk_builds_and_splits_a_household(app: TestApp) {
    let a = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(a.id));
    let father = app.person(a.id, "رحیم");
    let son = app.person(a.id, "احمد");
    let wife = app.person(a.id, "فاطمه");
    let c = app.signed_in("clerk.a").await;
    let person_page = format!("/offices/{}/persons/{}", a.id, father.id);
    let t = app.csrf(&c, &person_page).await;
    let html = text(c.get(app.url(&person_page)).send().await.unwrap()).await;
    assert!(html.contains("id=\"household\""));
    let r = app
        .post_form(
            &c,
            &format!("/offices/{}/households", a.id),
            &[("_csrf", &t), ("head_person_id", &father.id.to_string())],
        )
        .await;
    assert_eq!(r.status(), 303);
    let house = location(&r);
    let members = format!("{house}/members");
    for (who, rel) in [(&son, "child"), (&wife, "spouse")] {
        let r = app
            .post_form(
                &c,
                &members,
                &[
                    ("_csrf", &t),
                    ("registry_no", &who.registry_no),
                    ("relationship", rel),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    let r = app
        .post_form(
            &c,
            &members,
            &[
                ("_csrf", &t),
                ("registry_no", &son.registry_no),
                ("relationship", "child"),
            ],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(text(r).await.contains("role=\"alert\""));
    let r = app
        .post_form(
            &c,
            &members,
            &[
                ("_csrf", &t),
                ("registry_no", "THR-01-999999"),
                ("relationship", "child"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        404,
        "an unknown registry number is named on the page"
    );
    // The son leaves to head his own household.
    let r = app
        .post_form(
            &c,
            &format!("{house}/split"),
            &[
                ("_csrf", &t),
                ("member", &son.id.to_string()),
                ("head", &son.id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let new_house = location(&r);
    assert_ne!(new_house, house);
    let api = |path: &str| format!("/api/v1{path}");
    let old: serde_json::Value = c
        .get(app.url(&api(&house)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rels: Vec<&str> = old["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["relationship"].as_str().unwrap())
        .collect();
    assert_eq!(rels, vec!["head", "spouse"]);
    // The son's new household: he heads it; fix nothing; in the old one, correct the wife's
    // relationship through the row form, and the API refuses making her head.
    let wife_row = format!("{house}/members/{}", wife.id);
    let r = app
        .post_form(
            &c,
            &wife_row,
            &[("_csrf", &t), ("relationship", "other_relative")],
        )
        .await;
    assert_eq!(r.status(), 303);
    // API updates carry the household's ETag: none → 428, an old one → 412.
    let etag = c
        .get(app.url(&api(&house)))
        .send()
        .await
        .unwrap()
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let post = |path: String, body: serde_json::Value, tag: Option<&str>| {
        let mut req = c
            .post(app.url(&api(&path)))
            .header("x-csrf-token", &t)
            .json(&body);
        if let Some(tag) = tag {
            req = req.header("if-match", tag);
        }
        req.send()
    };
    let r = post(
        wife_row.clone(),
        serde_json::json!({ "relationship": "spouse" }),
        None,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 428);
    let r = post(
        wife_row.clone(),
        serde_json::json!({ "relationship": "head" }),
        Some(&etag),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let r = post(
        format!("{house}/members/{}", son.id),
        serde_json::json!({ "relationship": "child" }),
        Some(&etag),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 404, "the son has left this household");
    let r = post(
        wife_row.clone(),
        serde_json::json!({ "relationship": "spouse" }),
        Some(&etag),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let fresh = r
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(fresh, etag, "the change gave a new tag");
    let r = post(
        wife_row.clone(),
        serde_json::json!({ "relationship": "other_relative" }),
        Some(&etag),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 412, "a stale tag is refused");
    let r = post(
        wife_row.clone(),
        serde_json::json!({ "relationship": "other_relative" }),
        Some(&fresh),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let old: serde_json::Value = c
        .get(app.url(&api(&house)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(old["members"][1]["relationship"], "other_relative");
    assert_eq!(
        old["members"][0]["person"]["status"], "registered",
        "the view shows each member's status"
    );
    let list: serde_json::Value = c
        .get(app.url(&format!("/api/v1/offices/{}/households", a.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 2);
    for tag in ["fa-IR", "fa-AF", "ps", "en"] {
        c.get(app.url(&format!("/locale/{tag}?next=/")))
            .send()
            .await
            .unwrap();
        let r = c.get(app.url(&house)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{tag}");
        let html = text(r).await;
        assert!(
            html.contains("id=\"members\"") && html.contains("id=\"split\""),
            "{tag}"
        );
        let r = c
            .get(app.url(&format!("/offices/{}/households", a.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{tag}");
    }
}
crate::both!(
    clerk_builds_and_splits_a_household_t,
    clerk_builds_and_splits_a_household
);

async fn registering_anyway_fills_the_review_queue(app: TestApp) {
    let a = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(a.id));
    app.user("manager.a", "office_manager", Some(a.id));
    let existing = app.person(a.id, "مریم");
    let clerk = app.signed_in("clerk.a").await;
    let t = app
        .csrf(&clerk, &format!("/offices/{}/persons/new", a.id))
        .await;
    let r = app
        .post_form(
            &clerk,
            &format!("/offices/{}/persons", a.id),
            &[
                ("_csrf", &t),
                ("confirm", "1"),
                ("given_name", "مريم"),
                ("family_name", "احمدي"),
                ("father_name", "محمد"),
                ("birth_date", "1990-03-21"),
                ("sex", "female"),
                ("nationality", "AFG"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        clerk.get(app.url("/review")).send().await.unwrap().status(),
        403,
        "clerks do not review"
    );
    let m = app.signed_in("manager.a").await;
    let queue: serde_json::Value = m
        .get(app.url("/api/v1/review"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(queue["total"], 1, "{queue}");
    assert_eq!(queue["items"][0]["source"], "registration");
    let id = queue["items"][0]["id"].as_str().unwrap().to_owned();
    let html = text(m.get(app.url("/review")).send().await.unwrap()).await;
    assert!(html.contains(&format!("id=\"suspect-{id}\"")) && html.contains(&existing.registry_no));
    // Issue 21.9: the rows are named as the buttons name them (الف/ب, not A/B), and merging
    // looks apart from "different people".
    assert!(
        html.contains("<th scope=\"row\" class=\"side\">الف</th>")
            && html.contains("<th scope=\"row\" class=\"side\">ب</th>")
            && html.contains("الف بماند"),
        "{html}"
    );
    assert_eq!(html.matches("class=\"merge\"").count(), 2, "{html}");
    assert!(html.contains("class=\"secondary distinct\""), "{html}");
    let css = text(m.get(app.url("/static/app.css")).send().await.unwrap()).await;
    assert!(css.contains("button.merge {") && css.contains("button.secondary {"));
    let t = app.csrf(&m, "/review").await;
    let r = app
        .post_form(
            &m,
            &format!("/review/{id}/decision"),
            &[
                ("_csrf", &t),
                ("decision", "merge"),
                ("survivor", &existing.id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let list: serde_json::Value = m
        .get(app.url(&format!("/api/v1/offices/{}/persons", a.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1, "the merged record leaves the list");
    let r = app
        .post_form(
            &m,
            &format!("/review/{id}/decision"),
            &[("_csrf", &t), ("decision", "distinct")],
        )
        .await;
    assert_eq!(r.status(), 409, "already decided");
    let html = text(
        m.get(app.url("/review?status=merged"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(html.contains(&format!("/review/{id}/unmerge")));
    let r = app
        .post_form(&m, &format!("/review/{id}/unmerge"), &[("_csrf", &t)])
        .await;
    assert_eq!(r.status(), 303);
    let list: serde_json::Value = m
        .get(app.url(&format!("/api/v1/offices/{}/persons", a.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 2, "back after the merge is undone");
    let r = m
        .get(app.url("/api/v1/review?status=nonsense"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}
crate::both!(
    registering_anyway_fills_the_review_queue_t,
    registering_anyway_fills_the_review_queue
);

async fn managers_export_their_office_without_locations(app: TestApp) {
    let a = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(a.id));
    app.user("manager.a", "office_manager", Some(a.id));
    let p = app.person(a.id, "مریم");
    let formula = app.person(a.id, "=HYPERLINK(\"http://x\")");
    let clerk = app.signed_in("clerk.a").await;
    let r = clerk
        .get(app.url(&format!("/api/v1/offices/{}/persons/export", a.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "clerks do not export");
    let m = app.signed_in("manager.a").await;
    let html = text(
        m.get(app.url(&format!("/offices/{}/persons", a.id)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(html.contains("/persons/export.csv"));
    let r = m
        .get(app.url(&format!("/offices/{}/persons/export.csv", a.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("persons-THR-01.csv")
    );
    let body = text(r).await;
    let body = body.trim_start_matches('\u{feff}');
    let mut lines = body.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("registry_no,given_name"));
    for banned in ["phone", "province", "district", "address"] {
        assert!(!header.contains(banned), "no {banned} column");
    }
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2);
    assert!(
        rows[0].starts_with(&p.registry_no) && rows[0].contains("مریم"),
        "{body}"
    );
    assert!(
        rows[1].starts_with(&formula.registry_no) && rows[1].contains("'=HYPERLINK"),
        "a name never becomes a formula: {body}"
    );
    let audit: serde_json::Value = {
        let admin_actions = app
            .store
            .audit_page(
                &daftar_domain::store::AuditFilter {
                    action_prefix: Some("person.export".into()),
                    ..Default::default()
                },
                daftar_domain::page::PageRequest::default(),
            )
            .unwrap();
        serde_json::json!({ "total": admin_actions.total, "purpose": admin_actions.items[0].purpose })
    };
    assert_eq!(audit["total"], 1);
    assert_eq!(audit["purpose"], "export");
}
crate::both!(
    managers_export_their_office_without_locations_t,
    managers_export_their_office_without_locations
);

async fn photos_are_checked_by_content_and_served_to_the_office(app: TestApp) {
    let a = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(a.id));
    let p = app.person(a.id, "مریم");
    let c = app.signed_in("clerk.a").await;
    let page = format!("/offices/{}/persons/{}", a.id, p.id);
    let t = app.csrf(&c, &page).await;
    assert!(
        text(c.get(app.url(&page)).send().await.unwrap())
            .await
            .contains("id=\"photo-upload\"")
    );
    let upload = |bytes: Vec<u8>, name: &'static str, token: String| {
        let form = reqwest::multipart::Form::new().text("_csrf", token).part(
            "photo",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        );
        c.post(app.url(&format!("{page}/photo")))
            .multipart(form)
            .send()
    };
    // A PDF named .jpg is refused; so is a missing CSRF token and an oversized file.
    let r = upload(b"%PDF-1.7 ...".to_vec(), "me.jpg", t.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(text(r).await.contains("role=\"alert\""));
    let r = upload(vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 1], "me.jpg", "wrong".into())
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let mut big = vec![0xFF, 0xD8, 0xFF, 0xE0];
    big.resize(1024 * 1024 + 10, 7);
    let r = upload(big, "big.jpg", t.clone()).await.unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(
        c.get(app.url(&format!("{page}/photo")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let png = b"\x89PNG\r\n\x1a\n-not-really-but-the-magic-is-right".to_vec();
    let r = upload(png.clone(), "me.bin", t.clone()).await.unwrap();
    assert_eq!(r.status(), 303);
    let r = c
        .get(app.url(&format!("{page}/photo")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "image/png",
        "type from the bytes, not the name"
    );
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    assert_eq!(r.bytes().await.unwrap().to_vec(), png);
    // The API replaces it.
    let jpg = vec![0xFF, 0xD8, 0xFF, 0xE0, 9, 9, 9];
    let api = format!("/api/v1{page}/photo");
    let r = c
        .put(app.url(&api))
        .header("x-csrf-token", &t)
        .body(jpg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = c.get(app.url(&api)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.unwrap().to_vec(), jpg);
    let r = c
        .put(app.url(&api))
        .header("x-csrf-token", &t)
        .body(b"GIF89a".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(text(r).await.contains("photo.type.invalid"));
    assert!(
        text(c.get(app.url(&page)).send().await.unwrap())
            .await
            .contains("<img src=")
    );
}
crate::both!(
    photos_are_checked_by_content_and_served_to_the_office_t,
    photos_are_checked_by_content_and_served_to_the_office
);

/// API updates of a person carry the person's `ETag` in `If-Match`: missing → 428, a tag read
/// before someone else's change → 412, and nothing is written either way.
async fn person_updates_need_the_current_etag(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.a", "clerk", Some(office.id));
    let p = app.person(office.id, "مینا");
    let c = app.signed_in("clerk.a").await;
    let t = app.csrf(&c, "/profile").await;
    let url = app.url(&format!("/api/v1/offices/{}/persons/{}", office.id, p.id));
    let etag_of = |r: &reqwest::Response| {
        r.headers()
            .get("etag")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    };
    let first = etag_of(&c.get(&url).send().await.unwrap());
    let status = |tag: Option<&str>, to: &str| {
        let mut req = c
            .post(format!("{url}/status"))
            .header("x-csrf-token", &t)
            .json(&serde_json::json!({"status": to, "note": "test"}));
        if let Some(tag) = tag {
            req = req.header("if-match", tag);
        }
        req.send()
    };
    assert_eq!(status(None, "renewed").await.unwrap().status(), 428);
    assert_eq!(
        status(Some("\"nonsense\""), "renewed")
            .await
            .unwrap()
            .status(),
        400
    );
    let r = status(Some(&first), "renewed").await.unwrap();
    assert_eq!(r.status(), 200);
    let second = etag_of(&r);
    assert_ne!(first, second);
    assert_eq!(
        etag_of(&c.get(&url).send().await.unwrap()),
        second,
        "GET gives the same tag"
    );
    // The first tag is stale now: refused, and the status stays `renewed`.
    assert_eq!(status(Some(&first), "lapsed").await.unwrap().status(), 412);
    let now: serde_json::Value = c.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(now["status"], "renewed", "{now}");
    // Documents too.
    let doc = serde_json::json!({"kind": "passport", "number": "P1234567", "issuer": "کابل"});
    let r = c
        .post(format!("{url}/documents"))
        .header("x-csrf-token", &t)
        .header("if-match", &first)
        .json(&doc)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    let r = c
        .post(format!("{url}/documents"))
        .header("x-csrf-token", &t)
        .header("if-match", &second)
        .json(&doc)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}
crate::both!(person_etags, person_updates_need_the_current_etag);
