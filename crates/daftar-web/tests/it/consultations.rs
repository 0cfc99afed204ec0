//! Consultations through the real server on both backends (issue 18, part 6): the authority
//! publishes a draft, offices and a branch comment section by section (each sees its own; the
//! authority every one, with the office's code or the branch), a revision needs the version
//! read, the deadline and the final version close comments (409), the final page shows the
//! change; branches file problems and proposals that the authority answers. Clerks, partners,
//! another office and an unbound association account are refused; hostile input gets stable
//! codes and is shown escaped.

use crate::harness::api_as as api;
use crate::harness::{TestApp, code, csrf_in, get_text, json_of, location};
use daftar_domain::audit::AuditCtx;
use daftar_domain::consultation::{Commenter, NewComment, NewConsultation, NewProposal};
use serde_json::{Value, json};

use crate::harness::office_today as today;

fn day(offset: i64) -> String {
    daftar_domain::jalali::iso_day(today() + time::Duration::days(offset))
}

/// Binds `username` (an association account) to `branch`.
fn bind(app: &TestApp, username: &str, branch: &str) {
    let u = app
        .store
        .user_auth_by_username(&daftar_domain::user::Username::parse(username).unwrap())
        .unwrap()
        .unwrap();
    app.store
        .set_user_branch(&AuditCtx::system("test"), u.user.id, Some(branch))
        .unwrap();
}

/// A consultation, a comment of `office` and of the Tehran branch, and a proposal of that
/// branch answered by the authority, through the store, with the association account `kanoon`
/// bound to that branch (the crawl of every page uses it).
pub fn seed(app: &TestApp, office: daftar_domain::ids::OfficeId) {
    bind(app, "kanoon", "تهران");
    let ctx = AuditCtx::system("test");
    let s = app.store.as_ref();
    let secs = vec![
        ("کلیات".to_owned(), "متن یک".to_owned()),
        ("ساعات کار".to_owned(), "از ۸ تا ۱۴".to_owned()),
    ];
    let v = s
        .publish_consultation(
            &ctx,
            &NewConsultation::parse("آیین‌نامه", &secs, &day(20), today()).unwrap(),
        )
        .unwrap();
    let id = v.consultation.id;
    s.comment_on_consultation(
        &ctx,
        &id,
        &Commenter::Office(office),
        &NewComment::parse(1, 2, "تا ۱۶").unwrap(),
    )
    .unwrap();
    s.comment_on_consultation(
        &ctx,
        &id,
        &Commenter::Branch("تهران".into()),
        &NewComment::parse(1, 1, "نظر کانون").unwrap(),
    )
    .unwrap();
    let fin = s
        .publish_consultation(
            &ctx,
            &NewConsultation::parse("آیین‌نامهٔ پیشین", &secs, &day(20), today()).unwrap(),
        )
        .unwrap();
    s.finalise_consultation(
        &ctx,
        &fin.consultation.id,
        &daftar_domain::consultation::Finalisation::parse(
            &[("کلیات".to_owned(), "متن دو".to_owned())],
            "بند ساعات حذف شد",
        )
        .unwrap(),
        1,
    )
    .unwrap();
    let p = s
        .file_proposal(
            &ctx,
            "تهران",
            &NewProposal::parse("proposal", "آزمون فصلی", "متن").unwrap(),
        )
        .unwrap();
    s.answer_proposal(
        &ctx,
        &p.id,
        &daftar_domain::consultation::ProposalUpdate::parse("answered", "پذیرفته شد").unwrap(),
        1,
    )
    .unwrap();
}

async fn post(
    app: &TestApp,
    (c, t): &(reqwest::Client, String),
    path: &str,
    body: Value,
    if_match: Option<&str>,
) -> (u16, Value) {
    let mut rq = c.post(app.url(path)).header("x-csrf-token", t).json(&body);
    if let Some(m) = if_match {
        rq = rq.header("if-match", m);
    }
    json_of(rq.send().await.unwrap()).await
}

async fn get(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, Value) {
    json_of(c.get(app.url(path)).send().await.unwrap()).await
}

fn draft() -> Value {
    json!({
        "title": "پیش‌نویس آیین‌نامهٔ دفاتر",
        "deadline": day(10),
        "sections": [
            {"heading": "کلیات", "text": "همهٔ خدمات از راه دفاتر"},
            {"heading": "ساعات کار", "text": "دفاتر از ۸ تا ۱۴ باز هستند"},
            {"heading": "", "text": "بازرسی هر سال"},
        ]
    })
}

async fn consultations_from_draft_to_final(app: TestApp) {
    let a = app.office("THR-01");
    let b = app.office("MHD-01");
    app.user("officer", "authority_officer", None);
    app.user("manager.a", "office_manager", Some(a.id));
    app.user("manager.b", "office_manager", Some(b.id));
    app.user("clerk.a", "clerk", Some(a.id));
    app.user("partner", "partner", None);
    app.user("kanoon", "association", None);
    app.user("kanoon.none", "association", None);
    bind(&app, "kanoon", "تهران");
    let officer = api(&app, "officer", true).await;
    let ma = api(&app, "manager.a", false).await;
    let mb = api(&app, "manager.b", false).await;
    let kanoon = api(&app, "kanoon", false).await;

    // Empty states first.
    let html = get_text(&app, &ma.0, "/consultations").await;
    assert!(html.contains("id=\"consult-none\""), "{html}");
    assert!(
        html.contains("href=\"/consultations\""),
        "the nav links the page"
    );

    // The authority publishes; the ETag is the version.
    let r = officer
        .0
        .post(app.url("/api/v1/consultations"))
        .header("x-csrf-token", &officer.1)
        .json(&draft())
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["etag"], "\"1\"");
    let (s, v) = json_of(r).await;
    assert_eq!(s, 201, "{v}");
    let id = v["consultation"]["id"].as_str().unwrap().to_owned();
    assert_eq!(v["phase"], "open");
    assert_eq!(v["versions"][0]["sections"][2]["number"], 3);
    let base = format!("/api/v1/consultations/{id}");

    // An office (its manager) and the branch comment; each sees its own only.
    let (s, v) = post(
        &app,
        &ma,
        &format!("{base}/comments"),
        json!({"version": 1, "section": 2, "body": "تا ۱۶ باشد"}),
        None,
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        (v["office_code"].as_str(), v["branch"].as_str()),
        (Some("THR-01"), Some(""))
    );
    let (s, v) = post(
        &app,
        &kanoon,
        &format!("{base}/comments"),
        json!({"version": 1, "section": 1, "body": "نظر کانون تهران"}),
        None,
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["branch"], "تهران");
    let (_, own) = get(&app, &mb.0, &format!("{base}/comments")).await;
    assert_eq!(
        own,
        json!([]),
        "another office sees none of THR-01's comments"
    );
    let html = get_text(&app, &mb.0, &format!("/consultations/{id}")).await;
    assert!(!html.contains("تا ۱۶ باشد") && !html.contains("نظر کانون تهران"));
    let (_, own) = get(&app, &ma.0, &format!("{base}/comments")).await;
    assert_eq!(own.as_array().unwrap().len(), 1);
    let (_, every) = get(&app, &officer.0, &format!("{base}/comments")).await;
    let who: Vec<(String, String)> = every
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["office_code"].as_str().unwrap().into(),
                c["branch"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        who,
        [("".into(), "تهران".into()), ("THR-01".into(), "".into())]
    );
    // No person data: the comments name no one.
    assert!(!every.to_string().contains("manager.a") && !every.to_string().contains("کاربر"));
    let html = get_text(&app, &officer.0, &format!("/consultations/{id}")).await;
    assert!(html.contains("<code dir=\"ltr\">THR-01</code>") && html.contains("نظر کانون تهران"));

    // Refused: a clerk, a partner, an association account bound to no branch, a manager's
    // publication; an unknown section or version is 409.
    let clerk = api(&app, "clerk.a", false).await;
    let (s, v) = get(&app, &clerk.0, "/api/v1/consultations").await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"), "{v}");
    let (s, v) = post(
        &app,
        &clerk,
        &format!("{base}/comments"),
        json!({"version": 1, "section": 1, "body": "x"}),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"), "{v}");
    let partner = api(&app, "partner", false).await;
    let (s, v) = get(&app, &partner.0, &base).await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"), "{v}");
    let unbound = api(&app, "kanoon.none", false).await;
    let (s, v) = post(
        &app,
        &unbound,
        &format!("{base}/comments"),
        json!({"version": 1, "section": 1, "body": "x"}),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (403, "consultation.commenter.none"), "{v}");
    let (s, v) = post(&app, &ma, "/api/v1/consultations", draft(), None).await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"), "{v}");
    let (s, v) = post(
        &app,
        &ma,
        &format!("{base}/comments"),
        json!({"version": 1, "section": 7, "body": "x"}),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (409, "consultation.section.unknown"), "{v}");

    // A revision needs If-Match with the version read.
    let rev = json!({"deadline": day(12), "sections": [
        {"heading": "کلیات", "text": "همهٔ خدمات از راه دفاتر"},
        {"heading": "ساعات کار", "text": "دفاتر از ۸ تا ۱۶ باز هستند"},
        {"heading": "", "text": "بازرسی هر سال"},
    ]});
    let (s, v) = post(
        &app,
        &officer,
        &format!("{base}/revisions"),
        rev.clone(),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (428, "request.if_match.required"), "{v}");
    let (s, v) = post(
        &app,
        &officer,
        &format!("{base}/revisions"),
        rev.clone(),
        Some("\"5\""),
    )
    .await;
    assert_eq!((s, code(&v)), (412, "consultation.version.stale"), "{v}");
    let (s, v) = post(
        &app,
        &officer,
        &format!("{base}/revisions"),
        rev.clone(),
        Some("\"1\""),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["consultation"]["version"], 2);
    let (s, v) = post(
        &app,
        &ma,
        &format!("{base}/comments"),
        json!({"version": 1, "section": 2, "body": "دیر"}),
        None,
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (409, "consultation.version.superseded"),
        "{v}"
    );

    // The deadline passed (the offices' yesterday): comments are 409.
    app.sql()
        .execute_raw(&format!(
            "UPDATE consultations SET deadline = '{}' WHERE id = '{id}'",
            day(-1)
        ))
        .unwrap();
    let (s, v) = post(
        &app,
        &ma,
        &format!("{base}/comments"),
        json!({"version": 2, "section": 2, "body": "دیر"}),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (409, "consultation.closed"), "{v}");
    let html = get_text(&app, &ma.0, &format!("/consultations/{id}")).await;
    assert!(html.contains("data-phase=\"closed\"") && !html.contains("comment-form"));

    // The final version with the change from the last draft; then no comment.
    let fin = json!({"summary": "ساعات کار تا ۱۶؛ بند بازرسی حذف شد", "sections": [
        {"heading": "کلیات", "text": "همهٔ خدمات از راه دفاتر"},
        {"heading": "ساعات کار", "text": "دفاتر از ۸ تا ۱۷ باز هستند"},
    ]});
    let (s, v) = post(
        &app,
        &officer,
        &format!("{base}/final"),
        fin.clone(),
        Some("\"2\""),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["phase"], "final");
    let changes: Vec<&str> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["unchanged", "changed", "removed"]);
    app.sql()
        .execute_raw(&format!(
            "UPDATE consultations SET deadline = '{}' WHERE id = '{id}'",
            day(3)
        ))
        .unwrap();
    let (s, v) = post(
        &app,
        &ma,
        &format!("{base}/comments"),
        json!({"version": 3, "section": 1, "body": "x"}),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (409, "consultation.final"), "{v}");
    let (s, v) = post(&app, &officer, &format!("{base}/final"), fin, Some("\"3\"")).await;
    assert_eq!((s, code(&v)), (409, "consultation.final"), "{v}");
    let html = get_text(&app, &ma.0, &format!("/consultations/{id}")).await;
    assert!(
        html.contains("id=\"consult-changes\"") && html.contains("<ins class=\"diff\">۱۷ </ins>"),
        "{html}"
    );
    assert!(html.contains("<del class=\"diff\">۱۶ </del>"));

    // Every action audited, with the actor.
    for (action, n) in [
        ("consultation.publish", 1),
        ("consultation.comment", 2),
        ("consultation.revise", 1),
        ("consultation.finalise", 1),
    ] {
        let rows = app.audited(action);
        assert_eq!(rows.len(), n, "{action}");
    }
    assert_eq!(app.audited("consultation.publish")[0].actor, "officer");
}
crate::both!(
    consultations_from_draft_to_final_t,
    consultations_from_draft_to_final
);

async fn hostile_input_gets_stable_codes(app: TestApp) {
    let a = app.office("THR-01");
    app.user("officer", "authority_officer", None);
    app.user("manager.a", "office_manager", Some(a.id));
    let officer = api(&app, "officer", true).await;
    let ma = api(&app, "manager.a", false).await;
    let with = |k: &str, v: Value| {
        let mut d = draft();
        d[k] = v;
        d
    };
    for (body, want_s, want) in [
        (
            with("title", json!("bad\u{1b}title")),
            422,
            "consultation.title.invalid",
        ),
        (
            with("title", json!("   ")),
            422,
            "consultation.title.invalid",
        ),
        (
            with("sections", json!([])),
            422,
            "consultation.sections.invalid",
        ),
        (
            with("sections", json!([{"heading": "h", "text": ""}])),
            422,
            "consultation.section.invalid",
        ),
        (
            with(
                "sections",
                json!([{"heading": "h", "text": "x".repeat(8001)}]),
            ),
            422,
            "consultation.section.invalid",
        ),
        (
            with("deadline", json!("tomorrow")),
            422,
            "consultation.deadline.invalid",
        ),
        (
            with("deadline", json!(day(-1))),
            409,
            "consultation.deadline.past",
        ),
        (
            with("deadline", json!(day(400))),
            409,
            "consultation.deadline.too_far",
        ),
        (with("evil", json!(1)), 400, "request.body.unknown_field"),
    ] {
        let (s, v) = post(&app, &officer, "/api/v1/consultations", body, None).await;
        assert_eq!((s, code(&v)), (want_s, want), "{v}");
    }
    let (s, v) = post(&app, &officer, "/api/v1/consultations", draft(), None).await;
    assert_eq!(s, 201, "{v}");
    let id = v["consultation"]["id"].as_str().unwrap().to_owned();
    let comments = format!("/api/v1/consultations/{id}/comments");
    for (body, want_s, want) in [
        (
            json!({"version": 1, "section": 1, "body": ""}),
            422,
            "consultation.comment.invalid",
        ),
        (
            json!({"version": 1, "section": 1, "body": "x".repeat(4001)}),
            422,
            "consultation.comment.invalid",
        ),
        (
            json!({"version": 1, "section": 0, "body": "x"}),
            409,
            "consultation.section.unknown",
        ),
        (
            json!({"version": -1, "section": 1, "body": "x"}),
            400,
            "request.body.invalid",
        ),
    ] {
        let (s, v) = post(&app, &ma, &comments, body, None).await;
        assert_eq!((s, code(&v)), (want_s, want), "{v}");
    }
    // Markup is kept as text and shown escaped.
    let (s, _) = post(
        &app,
        &ma,
        &comments,
        json!({"version": 1, "section": 1, "body": "<script>alert(1)</script>"}),
        None,
    )
    .await;
    assert_eq!(s, 201);
    let html = get_text(&app, &ma.0, &format!("/consultations/{id}")).await;
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)") || html.contains("&#60;script&#62;alert(1)"),
        "{html}"
    );
    // Ids that cannot exist are 404; a malformed If-Match 400.
    let (s, v) = get(&app, &ma.0, "/api/v1/consultations/not-an-id").await;
    assert_eq!((s, code(&v)), (404, "consultation.not_found"), "{v}");
    let (s, v) = get(
        &app,
        &ma.0,
        "/api/v1/consultations/01JD0000000000000000000000",
    )
    .await;
    assert_eq!((s, code(&v)), (404, "consultation.not_found"), "{v}");
    let (s, v) = post(
        &app,
        &officer,
        &format!("/api/v1/consultations/{id}/final"),
        json!({"summary": "s", "sections": [{"heading": "", "text": "t"}]}),
        Some("*"),
    )
    .await;
    assert_eq!((s, code(&v)), (400, "request.if_match.invalid"), "{v}");
    let (s, v) = get(&app, &ma.0, "/api/v1/consultations?page=0").await;
    assert_eq!((s, code(&v)), (422, "page.page.invalid"), "{v}");
    // A form without its CSRF token is refused.
    let r =
        ma.0.post(app.url(&format!("/consultations/{id}/comments")))
            .form(&[("version", "1"), ("section", "1"), ("body", "x")])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 403);
}
crate::both!(
    consultation_hostile_input_t,
    hostile_input_gets_stable_codes
);

/// The pages' forms (CSRF), in Persian (right to left) and English (left to right), and the
/// branches' problems and proposals with the authority's answer.
async fn forms_and_proposals(app: TestApp) {
    let a = app.office("THR-01");
    app.user("officer", "authority_officer", None);
    app.user("manager.a", "office_manager", Some(a.id));
    app.user("kanoon", "association", None);
    app.user("kanoon.fars", "association", None);
    bind(&app, "kanoon", "تهران");
    bind(&app, "kanoon.fars", "فارس");
    let officer = app.signed_in_with_totp("officer").await;
    let token = app.csrf(&officer, "/consultations/new").await;
    let deadline =
        daftar_domain::jalali::JalaliDate::from_iso(today() + time::Duration::days(5)).to_string();
    let later = day(3);
    let r = app
        .post_form(
            &officer,
            "/consultations",
            &[
                ("_csrf", token.as_str()),
                ("title", "پیش‌نویس"),
                ("deadline", deadline.as_str()),
                ("heading_1", "کلیات"),
                ("text_1", "بند یک\nپاراگراف دوم"),
                ("heading_2", ""),
                ("text_2", ""),
                ("heading_3", "ساعات"),
                ("text_3", "از ۸ تا ۱۴"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = location(&r);
    assert!(page.starts_with("/consultations/"));
    // A bad form shows the error on the page, with the status.
    let r = app
        .post_form(
            &officer,
            "/consultations",
            &[
                ("_csrf", token.as_str()),
                ("title", "t"),
                ("deadline", "x"),
                ("text_1", "a"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"consult-error\""));

    let ma = app.signed_in("manager.a").await;
    let html = get_text(&app, &ma, &page).await;
    assert!(
        html.contains("dir=\"rtl\"") && html.contains("id=\"section-2\""),
        "{html}"
    );
    assert!(
        !html.contains("id=\"consult-revise\""),
        "only the authority revises"
    );
    let token = csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &ma,
            &format!("{page}/comments"),
            &[
                ("_csrf", token.as_str()),
                ("version", "1"),
                ("section", "2"),
                ("body", "ساعت ۱۶ بهتر است"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = get_text(&app, &ma, &page).await;
    assert!(html.contains("ساعت ۱۶ بهتر است"));
    let r = app
        .post_form(
            &ma,
            &format!("{page}/comments"),
            &[
                ("_csrf", token.as_str()),
                ("version", "۱"),
                ("section", "x"),
                ("body", "a"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    // English, left to right.
    ma.get(app.url("/locale/en?next=/")).send().await.unwrap();
    let html = get_text(&app, &ma, &page).await;
    assert!(
        html.contains("dir=\"ltr\"") && html.contains("Send the comment"),
        "{html}"
    );

    // The authority revises through the form (the version read in a hidden field).
    let html = get_text(&app, &officer, &page).await;
    assert!(html.contains("id=\"consult-revise\"") && html.contains("ساعت ۱۶ بهتر است"));
    let token = csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &officer,
            &format!("{page}/final"),
            &[
                ("_csrf", token.as_str()),
                ("version", "1"),
                ("heading_1", "کلیات"),
                ("text_1", "بند یک"),
                ("summary", "پاراگراف دوم حذف شد"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            &officer,
            &format!("{page}/revise"),
            &[
                ("_csrf", token.as_str()),
                ("version", "1"),
                ("deadline", later.as_str()),
                ("text_1", "x"),
            ],
        )
        .await;
    assert_eq!(r.status(), 409, "a stale form on a final consultation");

    // Proposals: the branch files, the authority answers, the branch sees the answer; another
    // branch sees none of it; an office manager files none.
    let kanoon = app.signed_in("kanoon").await;
    let html = get_text(&app, &kanoon, "/consultations/proposals").await;
    assert!(html.contains("id=\"proposals-none\"") && html.contains("id=\"proposal-file\""));
    let token = csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &kanoon,
            "/consultations/proposals",
            &[
                ("_csrf", token.as_str()),
                ("kind", "problem"),
                ("subject", "کمبود کارشناس"),
                ("body", "متن"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let ppage = location(&r);
    let pid = ppage.rsplit('/').next().unwrap().to_owned();
    let r = app
        .post_form(
            &kanoon,
            "/consultations/proposals",
            &[
                ("_csrf", token.as_str()),
                ("kind", "idea"),
                ("subject", "s"),
                ("body", "b"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let fars = api(&app, "kanoon.fars", false).await;
    let (s, v) = get(&app, &fars.0, &format!("/api/v1/proposals/{pid}")).await;
    assert_eq!((s, code(&v)), (404, "proposal.not_found"), "{v}");
    let (_, v) = get(&app, &fars.0, "/api/v1/proposals").await;
    assert_eq!(v["total"], 0);
    let manager = api(&app, "manager.a", false).await;
    let (s, v) = post(
        &app,
        &manager,
        "/api/v1/proposals",
        json!({"kind": "problem", "subject": "s", "body": "b"}),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"), "{v}");
    let (s, v) = post(
        &app,
        &fars,
        "/api/v1/proposals",
        json!({"kind": "proposal", "subject": "ساعات", "body": "متن"}),
        None,
    )
    .await;
    assert_eq!((s, v["branch"].as_str()), (201, Some("فارس")), "{v}");

    let off = (officer.clone(), app.csrf(&officer, "/profile").await);
    let (_, all) = get(&app, &off.0, "/api/v1/proposals").await;
    assert_eq!(all["total"], 2);
    let path = format!("/api/v1/proposals/{pid}/answer");
    let (s, v) = post(
        &app,
        &off,
        &path,
        json!({"status": "answered", "answer": ""}),
        Some("\"1\""),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "proposal.answer.required"), "{v}");
    let (s, v) = post(
        &app,
        &off,
        &path,
        json!({"status": "done", "answer": ""}),
        Some("\"1\""),
    )
    .await;
    assert_eq!((s, code(&v)), (422, "proposal.status.invalid"), "{v}");
    let (s, v) = post(
        &app,
        &off,
        &path,
        json!({"status": "under_review", "answer": ""}),
        Some("\"2\""),
    )
    .await;
    assert_eq!((s, code(&v)), (412, "proposal.version.stale"), "{v}");
    let (s, v) = post(
        &app,
        &kanoon_api(&app).await,
        &path,
        json!({"status": "closed", "answer": ""}),
        Some("\"1\""),
    )
    .await;
    assert_eq!((s, code(&v)), (403, "auth.forbidden"), "{v}");
    // Through the form.
    let html = get_text(&app, &officer, &ppage).await;
    let token = csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &officer,
            &format!("{ppage}/answer"),
            &[
                ("_csrf", token.as_str()),
                ("version", "1"),
                ("status", "answered"),
                ("answer", "آزمون فصلی برگزار می‌شود"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = get_text(&app, &kanoon, &ppage).await;
    assert!(
        html.contains("آزمون فصلی برگزار می‌شود") && html.contains("data-status=\"answered\""),
        "{html}"
    );
    let (s, v) = post(
        &app,
        &off,
        &path,
        json!({"status": "closed", "answer": ""}),
        Some("\"2\""),
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str(), v["answer"].as_str()),
        (200, Some("closed"), Some("آزمون فصلی برگزار می‌شود")),
        "{v}"
    );
    let (s, v) = post(
        &app,
        &off,
        &path,
        json!({"status": "open", "answer": ""}),
        Some("\"3\""),
    )
    .await;
    assert_eq!((s, code(&v)), (409, "proposal.closed"), "{v}");
    assert_eq!(app.audited("proposal.file").len(), 2);
    assert_eq!(app.audited("proposal.answer").len(), 2);
}
crate::both!(consultation_forms_and_proposals_t, forms_and_proposals);

async fn kanoon_api(app: &TestApp) -> (reqwest::Client, String) {
    api(app, "kanoon", false).await
}
