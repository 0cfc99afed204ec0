//! The published lists: the signed trust and status lists open with the pinned root key and
//! verify offline, with deltas.

use super::*;
use crate::harness::get_text;
use daftar_credential::lists::{StatusListDoc, TrustListDoc, verify_with_status};

async fn offline_lists(app: TestApp) {
    let s = approved_household(&app).await;
    let member = &s.others[1];
    let cred = only_credential(&app, &s, member).await;
    let id = cred["id"].as_str().unwrap().to_owned();
    let cti = hex::decode(&id).unwrap();
    let text = qr_text(&app, &s, member, &id, "employer").await;
    let school = qr_text(&app, &s, member, &id, "school").await;

    // The root key the verifier pins, then both lists signed with it.
    let root_hex = get_text(
        &app,
        &crate::harness::client(),
        "/.well-known/daftar/root-key",
    )
    .await;
    let root_bytes: [u8; 32] = hex::decode(root_hex.trim()).unwrap().try_into().unwrap();
    let root = ed25519_dalek::VerifyingKey::from_bytes(&root_bytes).unwrap();
    let trust_doc = TrustListDoc::open(
        &list_file(&app, "/.well-known/daftar/trust-list").await,
        &root,
    )
    .unwrap();
    assert_eq!(trust_doc.keys.len(), 1, "{trust_doc:?}");
    assert_eq!(trust_doc.keys[0].state, "active");
    assert!(trust_doc.version >= 1);
    let trust = trust_doc.trust().unwrap();
    let mut status = StatusListDoc::open(
        &list_file(&app, "/.well-known/daftar/status-list").await,
        &root,
    )
    .unwrap();
    assert_eq!(status.since, 0);
    assert!(status.revoked.is_empty(), "{status:?}");
    // No QR names the holder's registry number unless its purpose profile lists `card_no`: the
    // subject is empty, the credential's opaque id is `cti` (a school's QR once carried the
    // registry number in `sub`).
    for (t, shows_card) in [(&text, true), (&school, false)] {
        let v = daftar_credential::verify(t, &trust, now()).unwrap();
        let c = v.claims().unwrap();
        assert_eq!(c.subject, "", "{c:?}");
        assert_eq!(hex::encode(&c.id), id);
        assert_ne!(c.subject, member.registry_no);
        let anywhere = c.fields.values().any(|f| f.contains(&member.registry_no));
        assert_eq!(anywhere, shows_card, "{c:?}");
    }
    let before = status.version;
    // Another key does not open them.
    let other = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
    let e = TrustListDoc::open(
        &list_file(&app, "/.well-known/daftar/trust-list").await,
        &other,
    )
    .unwrap_err();
    assert_eq!(e.code, "credential.list.wrong_root");

    // Offline: valid.
    let v = verify_with_status(&text, &trust, |c| status.is_revoked(c), now()).unwrap();
    assert_eq!(v.code(), "valid");
    let claims = v.claims().unwrap();
    assert_eq!(claims.id, cti);
    assert_eq!(claims.fields["given_name"], "سارا");
    // The online and the offline verifier agree on a changed text.
    let bent = flip_middle(&text);
    match verify_with_status(&bent, &trust, |c| status.is_revoked(c), now()) {
        Ok(v) => assert_eq!(v.code(), "tampered"),
        Err(e) => assert!(e.code.starts_with("credential."), "{e:?}"),
    }

    // Revoked: the delta since the verifier's version carries the id, and only it.
    let (st, v) = revoke(&app, &s.manager, &s.office, &id, "duplicate card").await;
    assert_eq!(st, 200, "{v}");
    let delta = StatusListDoc::open(
        &list_file(
            &app,
            &format!("/.well-known/daftar/status-list?since={before}"),
        )
        .await,
        &root,
    )
    .unwrap();
    assert_eq!(delta.since, before, "{delta:?}");
    assert!(delta.version > before, "{delta:?}");
    assert!(delta.is_revoked(&cti), "{delta:?}");
    assert_eq!(delta.revoked.len(), 1, "{delta:?}");
    // Before applying it, the offline verifier still says valid; after, revoked.
    let v = verify_with_status(&text, &trust, |c| status.is_revoked(c), now()).unwrap();
    assert_eq!(v.code(), "valid");
    status.apply(&delta).unwrap();
    assert_eq!(status.version, delta.version);
    let v = verify_with_status(&text, &trust, |c| status.is_revoked(c), now()).unwrap();
    assert_eq!(v.code(), "revoked");
    // The full list agrees; a delta from the current version is empty.
    let full = StatusListDoc::open(
        &list_file(&app, "/.well-known/daftar/status-list").await,
        &root,
    )
    .unwrap();
    assert_eq!(full.version, delta.version);
    assert!(full.is_revoked(&cti) && full.revoked.len() == 1, "{full:?}");
    let empty = StatusListDoc::open(
        &list_file(
            &app,
            &format!("/.well-known/daftar/status-list?since={}", full.version),
        )
        .await,
        &root,
    )
    .unwrap();
    assert!(empty.revoked.is_empty(), "{empty:?}");
    let r = crate::harness::client()
        .get(app.url("/.well-known/daftar/status-list?since=abc"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    // The other members' cards are not in it.
    let head = only_credential(&app, &s, &s.head).await;
    let head_text = qr_text(&app, &s, &s.head, head["id"].as_str().unwrap(), "police").await;
    let v = verify_with_status(&head_text, &trust, |c| status.is_revoked(c), now()).unwrap();
    assert_eq!(v.code(), "valid");
    assert_eq!(v.claims().unwrap().purpose, "police");
}

crate::both!(offline, offline_lists);
