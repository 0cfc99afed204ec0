//! The public `/verify` page, with the QR text and with a photo of the QR code.

use super::*;
use crate::harness::qr_png;

async fn verify_page_in_html(app: TestApp) {
    let s = approved_household(&app).await;
    let member = &s.others[0];
    let cred = only_credential(&app, &s, member).await;
    let id = cred["id"].as_str().unwrap().to_owned();
    let text = qr_text(&app, &s, member, &id, "employer").await;

    // Public: no login, a form with a CSRF token.
    let anon = crate::harness::client();
    let r = anon.get(app.url("/verify")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"verify-form\""), "{html}");
    assert!(!html.contains("data-verdict"), "{html}");
    let token = crate::harness::csrf_in(&html).unwrap();

    // Without the token: refused.
    let (st, _) = post_verify(&app, &anon, None, Some(&text), None).await;
    assert_eq!(st, 403);
    // The text: valid, with the claims in the QR and nothing else.
    let (st, html) = post_verify(&app, &anon, Some(&token), Some(&text), None).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("data-verdict=\"valid\""), "{html}");
    assert!(
        html.contains("کریم") && html.contains("IR/THR-01"),
        "{html}"
    );
    assert!(!html.contains("id=\"verify-error\""), "{html}");
    // A photo of the QR code: the same verdict.
    let (st, html) = post_verify(&app, &anon, Some(&token), None, Some(qr_png(&text))).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("data-verdict=\"valid\""), "{html}");
    // A picture that is no image, junk text, nothing at all: a message, no verdict.
    for (t, img) in [
        (None, Some(b"GIF89a not really".to_vec())),
        (Some("hello"), None),
        (None, None),
    ] {
        let (st, html) = post_verify(&app, &anon, Some(&token), t, img).await;
        assert_eq!(st, 422, "{html}");
        assert!(
            html.contains("id=\"verify-error\"") && !html.contains("data-verdict"),
            "{html}"
        );
    }
    // What was typed comes back escaped.
    let (st, html) = post_verify(
        &app,
        &anon,
        Some(&token),
        Some("<script>alert(1)</script>"),
        None,
    )
    .await;
    assert_eq!(st, 422, "{html}");
    assert!(!html.contains("<script>alert(1)"), "{html}");
    // A changed text is not valid on the page either.
    let (st, html) = post_verify(&app, &anon, Some(&token), Some(&flip_middle(&text)), None).await;
    assert!(
        (st == 200 && html.contains("data-verdict=\"tampered\""))
            || (st == 422 && html.contains("id=\"verify-error\"")),
        "{st} {html}"
    );
    // Revoked: the page says so.
    let (st, v) = revoke(&app, &s.manager, &s.office, &id, "stolen").await;
    assert_eq!(st, 200, "{v}");
    let (st, html) = post_verify(&app, &anon, Some(&token), Some(&text), None).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("data-verdict=\"revoked\""), "{html}");
}

crate::both!(verify_page, verify_page_in_html);
