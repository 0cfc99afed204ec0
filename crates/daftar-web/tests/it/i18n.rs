//! Translations: every locale defines every message, every message id used in code and
//! templates exists, and locale negotiation follows user setting → cookie → Accept-Language →
//! default, with `<html lang dir>` set accordingly.

use crate::harness::{PASSWORD, TestApp, client, location};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn ids_of(src: &str) -> BTreeSet<String> {
    let res = fluent_syntax::parser::parse(src)
        .unwrap_or_else(|(_, errs)| panic!("parse errors: {errs:?}"));
    res.body
        .iter()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

/// String literals following each of `prefixes` in `src`.
fn literals_after(src: &str, prefixes: &[&str]) -> Vec<String> {
    let mut out = vec![];
    for prefix in prefixes {
        for part in src.split(prefix).skip(1) {
            if let Some(end) = part.find('"') {
                out.push(part[..end].to_owned());
            }
        }
    }
    out
}

/// Every message id the code and templates use.
fn used_ids() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut ids = BTreeSet::new();
    let mut rs = vec![];
    files(&root.join("crates"), "rs", &mut rs);
    for f in rs
        .iter()
        .filter(|f| f.components().any(|c| c.as_os_str() == "src"))
    {
        let src = std::fs::read_to_string(f).unwrap();
        for id in literals_after(&src, &["label: \"", "title: \"", "intro: \"", ".ta(\""]) {
            ids.insert(id);
        }
    }
    // Every error code: the registry (Error::new refuses, in tests, a code that is not there).
    for (code, _) in daftar_domain::error::codes::ALL {
        ids.insert(daftar_domain::error::message_id(code));
    }
    let mut html = vec![];
    files(&root.join("crates/daftar-web/templates"), "html", &mut html);
    for f in html {
        let src = std::fs::read_to_string(f).unwrap();
        ids.extend(literals_after(&src, &["t(\"", "ta(\""]));
    }
    for role in daftar_domain::permission::RoleCode::BUILT_IN {
        ids.insert(format!("role-{role}"));
    }
    for s in ["active", "suspended", "closed"] {
        ids.insert(format!("office-status-{s}"));
    }
    for s in ["female", "male", "unknown"] {
        ids.insert(format!("sex-{s}"));
    }
    for s in ["active", "disabled"] {
        ids.insert(format!("user-status-{s}"));
    }
    for r in ["edited", "deleted", "relinked", "truncated"] {
        ids.insert(format!("audit-reason-{r}"));
    }
    for s in daftar_domain::person::PersonStatus::ALL {
        ids.insert(format!("person-status-{}", s.code()));
    }
    for k in daftar_domain::person::DocumentKind::ALL {
        ids.insert(format!("document-kind-{}", k.code()));
    }
    for r in daftar_domain::household::Relationship::ALL {
        ids.insert(format!("relationship-{}", r.code()));
    }
    for s in daftar_domain::review::SuspectStatus::ALL {
        ids.insert(format!("review-status-{}", s.code()));
    }
    for s in ["registration", "batch"] {
        ids.insert(format!("review-source-{s}"));
    }
    use daftar_domain::{case, service, workflow};
    for k in service::EvidenceKind::ALL {
        ids.insert(format!("evidence-{}", k.code()));
    }
    for k in service::CredentialKind::ALL {
        ids.insert(format!("credential-{}", k.code()));
    }
    // Credentials: verdicts, claims, purposes, verifier types, share-code states and outcomes.
    ids.insert("credential-receipt".into());
    for v in [
        "valid",
        "expired",
        "not-yet-valid",
        "revoked",
        "unknown-issuer",
        "tampered",
    ] {
        ids.insert(format!("verdict-{v}"));
    }
    for (_, name) in daftar_credential::FIELDS {
        ids.insert(format!("claim-{}", name.replace('_', "-")));
    }
    for v in ["yes", "no"] {
        ids.insert(format!("claim-value-{v}"));
    }
    for p in daftar_credential::PURPOSES {
        ids.insert(format!("purpose-{p}"));
    }
    for v in daftar_domain::credential::VerifierType::ALL {
        ids.insert(format!("verifier-{}", v.code()));
    }
    for s in ["active", "cancelled", "expired", "locked"] {
        ids.insert(format!("share-state-{s}"));
    }
    for o in [
        "shown",
        "birth-date-wrong",
        "refused",
        "verifier-mismatch",
        "revoked",
    ] {
        ids.insert(format!("share-outcome-{o}"));
    }
    // Stale tags of records without a version number (daftar_domain::etag::check).
    for r in ["person", "household", "office"] {
        ids.insert(format!("{r}-version-stale"));
    }
    for k in service::Applicant::ALL {
        ids.insert(format!("applicant-{}", k.code()));
    }
    for k in service::Outcome::ALL {
        ids.insert(format!("case-action-{}", k.code()));
    }
    for a in ["resume", "cancel"] {
        ids.insert(format!("case-action-{a}"));
    }
    for k in workflow::CaseState::ALL {
        ids.insert(format!("case-state-{}", k.code()));
    }
    for k in workflow::RejectReason::ALL {
        ids.insert(format!("reject-reason-{}", k.code()));
    }
    for k in workflow::MemberOutcome::ALL {
        ids.insert(format!("member-outcome-{}", k.code()));
    }
    for k in case::PaymentMethod::ALL {
        ids.insert(format!("payment-method-{}", k.code()));
    }
    for k in case::Timer::ALL {
        ids.insert(format!("timer-{}", k.code()));
    }
    for k in case::QueueFilter::ALL {
        ids.insert(format!("queue-filter-{}", k.code()));
    }
    for w in [
        "saturday",
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
    ] {
        ids.insert(format!("weekday-{w}"));
    }
    for e in [
        "open",
        "consent",
        "return",
        "reject",
        "approve",
        "step.complete",
        "resume",
        "cancel",
        "document.add",
        "payment",
        "escalate",
    ] {
        ids.insert(format!("event-case-{}", e.replace('.', "-")));
    }
    for p in ["day", "month", "year"] {
        ids.insert(format!("date-precision-{p}"));
    }
    for d in ["locale", "password", "session", "token"] {
        ids.insert(format!("profile-done-{d}"));
    }
    ids
}

#[test]
fn every_locale_is_complete() {
    let en = ids_of(daftar_web::i18n::SOURCES[3].1);
    let used = used_ids();
    let missing_en: Vec<_> = used.difference(&en).collect();
    assert!(
        missing_en.is_empty(),
        "message ids used in code but missing from en: {missing_en:?}"
    );
    for (tag, src) in daftar_web::i18n::SOURCES {
        let ids = ids_of(src);
        let missing: Vec<_> = en.difference(&ids).collect();
        assert!(missing.is_empty(), "{tag} lacks {missing:?}");
        let extra: Vec<_> = ids.difference(&en).collect();
        assert!(extra.is_empty(), "{tag} has ids en lacks: {extra:?}");
    }
}

#[test]
fn translations_differ_from_english_where_they_should() {
    let i18n = daftar_web::i18n::I18n::load("fa-IR").unwrap();
    for tag in ["fa-IR", "fa-AF", "ps"] {
        assert_ne!(
            i18n.message(tag, "login-title", &[]),
            i18n.message("en", "login-title", &[]),
            "{tag} login-title is untranslated"
        );
    }
}

async fn negotiation_order(app: TestApp) {
    let office = app.office("THR-01");
    app.user("clerk.one", "clerk", Some(office.id));
    let anon = reqwest::Client::new();
    let html = anon
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"<html lang="fa-IR" dir="rtl">"#),
        "default is fa-IR"
    );
    let html = anon
        .get(app.url("/login"))
        .header("accept-language", "en-US,en;q=0.8")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"<html lang="en" dir="ltr">"#),
        "Accept-Language en"
    );
    let html = anon
        .get(app.url("/login"))
        .header("accept-language", "ps")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"<html lang="ps" dir="rtl">"#),
        "Accept-Language ps"
    );
    // The cookie beats Accept-Language.
    let c = client();
    let r = c
        .get(app.url("/locale/fa-AF?next=/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/login");
    let html = c
        .get(app.url("/login"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<html lang="fa-AF" dir="rtl">"#));
    // Unknown locales are refused, and open redirects are not possible.
    assert_eq!(
        c.get(app.url("/locale/xx")).send().await.unwrap().status(),
        404
    );
    assert_eq!(
        location(
            &c.get(app.url("/locale/en?next=//evil.example"))
                .send()
                .await
                .unwrap()
        ),
        "/"
    );
    // A signed-in user's choice is saved and wins over the cookie on another device.
    assert_eq!(app.login(&c, "clerk.one", PASSWORD).await.status(), 303);
    c.get(app.url("/locale/en?next=/")).send().await.unwrap();
    let other = client();
    other
        .get(app.url("/locale/ps?next=/"))
        .send()
        .await
        .unwrap();
    assert_eq!(app.login(&other, "clerk.one", PASSWORD).await.status(), 303);
    let html = other
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"<html lang="en" dir="ltr">"#),
        "user setting wins"
    );
}
crate::both!(negotiation_order_t, negotiation_order);
