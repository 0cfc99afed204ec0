//! The staff pages of a person's credentials: the printable card, revoking, share codes, and
//! their office and person scope.

use super::*;
use crate::harness::{get_text, location};

/// The text of the element with `id` (up to its first closing tag).
fn text_of<'a>(html: &'a str, id: &str) -> &'a str {
    let tag = format!("id=\"{id}\">");
    let i = html
        .find(&tag)
        .unwrap_or_else(|| panic!("no #{id} on the page: {html}"))
        + tag.len();
    let rest = &html[i..];
    &rest[..rest.find('<').unwrap()]
}

/// The `data-share` ids on a person's credentials page, in page order.
fn share_ids(html: &str) -> Vec<String> {
    html.match_indices("data-share=\"")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

async fn staff_pages_print_revoke_and_share(app: TestApp) {
    let s = approved_household(&app).await;
    let member = &s.others[0];
    let cred = only_credential(&app, &s, member).await;
    let id = cred["id"].as_str().unwrap().to_owned();
    let clerk = &s.clerk.0;
    let manager = &s.manager.0;
    let page = format!("/offices/{}/persons/{}/credentials", s.office, member.id);
    let card = |purpose: &str| format!("{page}/{id}/card?purpose={purpose}");

    // The list, for the clerk: the credential, a print form, no revoke form.
    let r = clerk.get(app.url(&page)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("data-credential=\"{id}\"")),
        "{html}"
    );
    assert!(
        html.contains(&format!("action=\"{page}/{id}/card\"")),
        "{html}"
    );
    assert!(
        !html.contains("/revoke\"") && !html.contains("name=\"reason\""),
        "a clerk lacks credential.revoke: {html}"
    );
    assert!(html.contains("id=\"share-new\""), "{html}");
    assert!(html.contains("id=\"no-shares\""), "{html}");
    // ...and for the manager, with the revoke form.
    let r = manager.get(app.url(&page)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("data-credential=\"{id}\"")),
        "{html}"
    );
    assert!(
        html.contains(&format!("action=\"{page}/{id}/revoke\""))
            && html.contains("name=\"reason\""),
        "the manager may revoke: {html}"
    );

    // The printable card: the QR, the expiry in both calendars.
    let r = clerk.get(app.url(&card("full"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        fragment(&html, "id=\"card-qr\"", "</figure>").contains("<svg"),
        "{html}"
    );
    let (year, jalali, iso) = expiry_dates(&cred);
    assert!(
        html.contains(&year),
        "the Jalali year {year} of the expiry: {html}"
    );
    // The Gregorian date in its own left-to-right isolate, kept on one line by the stylesheet.
    assert!(
        html.contains(&format!("<bdi dir=\"ltr\" class=\"greg\">({iso})</bdi>")),
        "the Gregorian expiry ({iso}): {html}"
    );
    assert!(
        html.contains(&format!(
            "<span class=\"jalali\">{jalali}</span> <bdi dir=\"ltr\" class=\"greg\">({iso})</bdi>"
        )),
        "the expiry as {jalali} ({iso}): {html}"
    );
    assert!(html.contains("کریم") && html.contains(&id), "{html}");
    // The employer's card is printable too; a purpose that does not exist is a 4xx.
    let r = clerk.get(app.url(&card("employer"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = clerk.get(app.url(&card("bogus"))).send().await.unwrap();
    assert!(
        r.status().is_client_error(),
        "purpose=bogus: {}",
        r.status()
    );
    // Another person's path does not show it.
    let r = clerk
        .get(app.url(&format!(
            "/offices/{}/persons/{}/credentials/{id}/card?purpose=full",
            s.office, s.head.id
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // A share code through the form: the code and the holder's link are shown once.
    let token = app.csrf(clerk, &page).await;
    let r = app
        .post_form(
            clerk,
            &format!("/offices/{}/persons/{}/share-codes", s.office, member.id),
            &[
                ("_csrf", &token),
                ("credential_id", &id),
                ("verifier", "employer"),
                ("days", "30"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let share_code = text_of(&html, "new-share-code").to_owned();
    assert!(
        share_code.len() == 11 && share_code.as_bytes()[5] == b'-',
        "{share_code}"
    );
    let link = text_of(&html, "new-share-link").to_owned();
    assert!(link.starts_with("/share/manage/"), "{link}");
    let shares = share_ids(&html);
    assert_eq!(shares.len(), 1, "{html}");
    let again = get_text(&app, clerk, &page).await;
    assert!(
        !again.contains("new-share-code") && !again.contains(&share_code) && !again.contains(&link),
        "shown only once: {again}"
    );
    // It works for the employer, and the holder's link opens.
    let (st, v) = check(&app, &share_code, BIRTH, "employer", "شرکت البرز").await;
    assert_eq!((st, v["verdict"].as_str()), (200, Some("valid")), "{v}");
    let r = crate::harness::client()
        .get(app.url(&link))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Days out of range through the form: the page says so and nothing is made.
    let r = app
        .post_form(
            clerk,
            &format!("/offices/{}/persons/{}/share-codes", s.office, member.id),
            &[
                ("_csrf", &token),
                ("credential_id", &id),
                ("verifier", "employer"),
                ("days", "0"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"credentials-error\"")
            && html.contains("تعداد روزها باید بین ۱ تا ۹۰ باشد"),
        "{html}"
    );
    assert!(!html.contains("id=\"new-share-code\""), "{html}");
    assert_eq!(share_ids(&html), shares, "{html}");
    let (_, list) = json_of(
        clerk
            .get(app.url(&format!("{}/share-codes", s.person_api(member))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    // The office cancels it: the list shows it cancelled, without a cancel button.
    let cancel = format!(
        "/offices/{}/persons/{}/share-codes/{}/cancel",
        s.office, member.id, shares[0]
    );
    let article = |html: &str| {
        fragment(html, &format!("data-share=\"{}\"", shares[0]), "</article>").to_owned()
    };
    let html = get_text(&app, clerk, &page).await;
    assert!(
        article(&html).contains(&format!("action=\"{cancel}\"")),
        "{html}"
    );
    assert!(article(&html).contains("فعال"), "{html}");
    let r = app.post_form(clerk, &cancel, &[]).await;
    assert_eq!(r.status(), 403, "no CSRF token");
    let r = app.post_form(clerk, &cancel, &[("_csrf", &token)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), page);
    let html = get_text(&app, clerk, &page).await;
    let a = article(&html);
    assert!(a.contains("لغو شده"), "cancelled: {a}");
    assert!(!a.contains("/cancel\""), "{a}");
    let (st, v) = check(&app, &share_code, BIRTH, "employer", "شرکت البرز").await;
    assert_eq!((st, code(&v)), (409, "share.code.cancelled"), "{v}");

    // Revoke through the form: the clerk may not; the manager must give a reason, then does.
    let revoke_path = format!("{page}/{id}/revoke");
    let r = app
        .post_form(
            clerk,
            &revoke_path,
            &[("_csrf", &token), ("reason", "lost")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let mtoken = app.csrf(manager, &page).await;
    let r = app
        .post_form(
            manager,
            &revoke_path,
            &[("_csrf", &mtoken), ("reason", " ")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"credentials-error\""), "{html}");
    let r = app
        .post_form(manager, &revoke_path, &[("reason", "کارت گم شده است")])
        .await;
    assert_eq!(r.status(), 403, "no CSRF token");
    let (_, v) = verify(&app, &qr_text(&app, &s, member, &id, "employer").await).await;
    assert_eq!(v["verdict"], "valid", "nothing revoked yet: {v}");
    let r = app
        .post_form(
            manager,
            &revoke_path,
            &[("_csrf", &mtoken), ("reason", "کارت گم شده است")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), page);
    let html = get_text(&app, manager, &page).await;
    let row = fragment(&html, &format!("data-credential=\"{id}\""), "</tr>");
    assert!(row.contains("باطل‌شده"), "revoked: {row}");
    assert!(
        !row.contains("/revoke\"") && !row.contains("/card\""),
        "nothing to print or revoke: {row}"
    );
    let r = manager.get(app.url(&card("full"))).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let r = clerk.get(app.url(&card("employer"))).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let (_, list) = json_of(
        clerk
            .get(app.url(&format!("{}/credentials", s.person_api(member))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list[0]["revoke_reason"], "کارت گم شده است", "{list}");
    // The other members' cards are untouched.
    let head = only_credential(&app, &s, &s.head).await;
    let r = clerk
        .get(app.url(&format!(
            "/offices/{}/persons/{}/credentials/{}/card?purpose=full",
            s.office,
            s.head.id,
            head["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

crate::both!(staff_pages, staff_pages_print_revoke_and_share);

/// Another office gets nothing from the staff pages and forms of this office's person.
async fn staff_pages_stay_in_their_office(app: TestApp) {
    let s = approved_household(&app).await;
    let member = &s.others[0];
    let (id, share_id, share_code) = member_share(&app, &s, member).await;
    let member_page = format!("/offices/{}/persons/{}/credentials", s.office, member.id);
    let b = app.office("MSH-01");
    app.user("mgr.b", "office_manager", Some(b.id));
    let other = app.signed_in("mgr.b").await;
    let other_token = app.csrf(&other, "/profile").await;
    let r = other.get(app.url(&member_page)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let own_path = format!("/offices/{}/persons/{}/credentials", b.id, member.id);
    let r = other.get(app.url(&own_path)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = other
        .get(app.url(&format!("{own_path}/{id}/card?purpose=full")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    for path in [
        format!("{member_page}/{id}/revoke"),
        format!("{own_path}/{id}/revoke"),
    ] {
        let r = app
            .post_form(&other, &path, &[("_csrf", &other_token), ("reason", "x")])
            .await;
        assert!(
            [403, 404].contains(&r.status().as_u16()),
            "{path}: {}",
            r.status()
        );
    }
    for office in [b.id.to_string(), s.office.clone()] {
        let r = app
            .post_form(
                &other,
                &format!(
                    "/offices/{office}/persons/{}/share-codes/{share_id}/cancel",
                    member.id
                ),
                &[("_csrf", &other_token)],
            )
            .await;
        assert!([403, 404].contains(&r.status().as_u16()), "{}", r.status());
    }
    let r = app
        .post_form(
            &other,
            &format!("/offices/{}/persons/{}/share-codes", b.id, member.id),
            &[
                ("_csrf", &other_token),
                ("credential_id", &id),
                ("verifier", "employer"),
                ("days", "30"),
            ],
        )
        .await;
    assert!([403, 404].contains(&r.status().as_u16()), "{}", r.status());
    let (_, v) = check(&app, &share_code, BIRTH, "bank", "بانک").await;
    assert_eq!(v["verdict"], "valid", "{v}");
    let cred = only_credential(&app, &s, member).await;
    assert!(cred["revoked_at"].is_null(), "{cred}");
}

crate::both!(staff_pages_office_scope, staff_pages_stay_in_their_office);

/// The revoke and cancel forms act only on what the path names: a credential or a share code
/// of one person is not revoked or cancelled through another person's path (the card page
/// already answers 404 there).
async fn staff_forms_act_only_on_the_persons_own(app: TestApp) {
    let s = approved_household(&app).await;
    let member = &s.others[0];
    let (id, share_id, share_code) = member_share(&app, &s, member).await;
    let head_page = format!("/offices/{}/persons/{}/credentials", s.office, s.head.id);
    let token = app.csrf(&s.manager.0, &head_page).await;
    let mut wrong = vec![];
    let r = app
        .post_form(
            &s.manager.0,
            &format!(
                "/offices/{}/persons/{}/share-codes/{share_id}/cancel",
                s.office, s.head.id
            ),
            &[("_csrf", &token)],
        )
        .await;
    if !r.status().is_client_error() {
        wrong.push(format!(
            "cancelled the member's share code through the head's path: {} → {}",
            r.status(),
            location(&r)
        ));
    }
    let r = app
        .post_form(
            &s.manager.0,
            &format!("{head_page}/{id}/revoke"),
            &[("_csrf", &token), ("reason", "wrong person")],
        )
        .await;
    if !r.status().is_client_error() {
        wrong.push(format!(
            "revoked the member's credential through the head's path: {} → {}",
            r.status(),
            location(&r)
        ));
    }
    let (_, v) = check(&app, &share_code, BIRTH, "bank", "بانک").await;
    if v["verdict"] != "valid" {
        wrong.push(format!("the member's share code no longer works: {v}"));
    }
    let (_, list) = json_of(
        s.clerk
            .0
            .get(app.url(&format!("{}/credentials", s.person_api(member))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    if !list[0]["revoked_at"].is_null() {
        wrong.push(format!("the member's credential is revoked: {list}"));
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// See [`staff_forms_act_only_on_the_persons_own`].
mod staff_forms_person_scope {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = crate::harness::TestApp::start(crate::harness::Backend::Sqlite)
            .await
            .unwrap();
        staff_forms_act_only_on_the_persons_own(app).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = crate::harness::TestApp::start(crate::harness::Backend::Postgres).await {
            staff_forms_act_only_on_the_persons_own(app).await;
        }
    }
}
