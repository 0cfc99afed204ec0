//! Every page for every role in every locale (issue 21.1), over the real server on both
//! backends: a seeded office (a household with cards, a single person, a paid case with its
//! receipt, an open case, a portal account with a printable card) is crawled from each role's
//! home — clerk, office manager, authority officer, auditor, association staff (a member
//! office), the applicant on the portal, and
//! the public pages without a login — in fa-IR, fa-AF, ps and en, following every link. A page
//! fails the test when it answers 5xx, when the server could not resolve a message id it asked
//! for (the i18n layer's recorder), when a message id shows as text, when a year is written as
//! a number with a thousands separator ("۱٬۴۰۵"), or when an amount of money has no unit.

use crate::harness::{TestApp, client, get_text, json_of, location};
use daftar_domain::audit::AuditCtx;
use daftar_domain::credential::NewCredential;
use daftar_domain::permission::{Permission, system_scope};
use daftar_domain::service::CredentialKind;
use daftar_web::i18n::LOCALES;
use std::collections::{BTreeSet, VecDeque};

/// One role's visit: a signed-in client (or an anonymous one) and where its crawl starts.
pub struct Visitor {
    /// The role (`anonymous` for the public pages).
    pub role: String,
    /// Signed in as the role's user.
    pub client: reqwest::Client,
    /// Start paths of the crawl.
    pub starts: Vec<String>,
    /// Username and password to sign in with elsewhere (a browser); `None`: anonymous. A role
    /// that needs a second factor is signed in by the caller as another user of the role.
    pub login: Option<(String, String)>,
}

/// What the crawl starts from, per role.
pub struct World {
    /// Every role's visit.
    pub visitors: Vec<Visitor>,
}

/// Seeds one office with what every page needs and signs in one user per role.
pub async fn seed(app: &TestApp) -> World {
    let office = app.office("THR-01");
    let o = office.id;
    app.user("clerk.a", "clerk", Some(o));
    app.user("manager.a", "office_manager", Some(o));
    app.user("officer", "authority_officer", None);
    app.user("auditor", "auditor", None);
    app.user("kanoon", "association", None);
    crate::licences::member(app, o, "KAN-THR-0001", true);
    crate::consultations::seed(app, o);
    crate::plans::seed(app, o);
    let (head, _) = app.household_with_cards(o);
    let single = app.person(o, "نرگس");
    app.store
        .add_document(
            &AuditCtx::system("test"),
            &system_scope(o, Permission::PersonWrite),
            single.id,
            &daftar_testkit::document("registration_card", "RCSINGLE1", "تهران"),
            None,
        )
        .unwrap();
    // Notices (issue 19.3): one waiting for the head, one that failed (no phone on record).
    let notice = |person| daftar_domain::notify::NewNotice {
        person,
        kind: daftar_domain::notify::Kind::RoundInvitation,
        subject: "crawl".into(),
        params: serde_json::Map::new(),
        due: time::OffsetDateTime::now_utc(),
    };
    app.store
        .enqueue_notices(&[notice(head.id), notice(single.id)])
        .unwrap();
    let clerk = app.signed_in("clerk.a").await;
    let t = app.csrf(&clerk, "/profile").await;
    let cases = format!("/api/v1/offices/{o}/cases");
    let open = |person: String| {
        clerk
            .post(app.url(&cases))
            .header("x-csrf-token", &t)
            .json(&serde_json::json!({"service": "card_renewal", "person_id": person}))
            .send()
    };
    let (s, v) = json_of(open(head.id.to_string()).await.unwrap()).await;
    assert_eq!(s, 201, "{v}");
    let paid = v["case"]["id"].as_str().unwrap().to_owned();
    let due = v["fees_due"][0]["rials"].as_u64().unwrap();
    let (s, v) = json_of(open(single.id.to_string()).await.unwrap()).await;
    assert_eq!(s, 201, "{v}");
    // Pay the head's renewal through the page: the receipt, then a complaint on it.
    let r = app
        .post_form(
            &clerk,
            &format!("/offices/{o}/cases/{paid}/payments"),
            &[
                ("_csrf", &t),
                ("fee", "card"),
                ("rials", &due.to_string()),
                ("method", "cash"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let receipt_page = location(&r);
    let receipt = get_text(app, &clerk, &receipt_page).await;
    let i = receipt.find("/receipts/").unwrap() + "/receipts/".len();
    let check: String = receipt[i..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let anon = client();
    let ct = app.csrf(&anon, &format!("/receipts/{check}")).await;
    let r = app
        .post_form(
            &anon,
            &format!("/receipts/{check}/complaint"),
            &[("_csrf", &ct), ("asked_rials", "9000000"), ("note", "")],
        )
        .await;
    assert_eq!(r.status(), 303);

    // Portal access for the head, a registration card to print, and a case applied for online.
    let person_page = format!("/offices/{o}/persons/{}", head.id);
    let token = app.csrf(&clerk, &person_page).await;
    let r = app
        .post_form(
            &clerk,
            &format!("{person_page}/portal"),
            &[("_csrf", &token)],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let field = |id: &str| {
        let start = format!("id=\"{id}\">");
        let i = html.find(&start).unwrap() + start.len();
        html[i..i + html[i..].find('<').unwrap()].to_owned()
    };
    let (username, password) = (field("portal-username"), field("portal-password"));
    let now = time::OffsetDateTime::now_utc();
    let expires = now + time::Duration::days(365);
    app.store
        .issue_credentials(
            &AuditCtx::system("test"),
            &[NewCredential {
                id: "00000000000000a1".into(),
                person_id: head.id,
                case_id: None,
                office_id: o,
                issuer: "IR/THR-01".into(),
                kind: CredentialKind::RegistrationCard,
                not_before: now,
                expires,
                fields: daftar_domain::credential::claims_for(
                    &head,
                    CredentialKind::RegistrationCard,
                    &daftar_domain::credential::Grant::without_case(
                        CredentialKind::RegistrationCard,
                        expires.date(),
                    ),
                    now.date(),
                ),
            }],
        )
        .unwrap();
    let me = client();
    assert_eq!(app.login(&me, &username, &password).await.status(), 303);
    let pt = app.csrf(&me, "/portal").await;
    let r = app
        .post_form(
            &me,
            "/portal/cases",
            &[
                ("_csrf", &pt),
                ("service", "registration_status_certificate"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    // A complaint about the office on the help desk, anonymous, for the ticket pages.
    let pt = app.csrf(&me, "/portal/help").await;
    let oid = o.to_string();
    let r = app
        .post_form(
            &me,
            "/portal/help",
            &[
                ("_csrf", pt.as_str()),
                ("category", "delay"),
                ("about_office", oid.as_str()),
                ("body", "دیر شد"),
                ("anonymous", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());

    // A registration round over the office (issue 19): its coverage, report and waiting list.
    let today = crate::harness::office_today();
    let day = |d: time::Date| daftar_domain::jalali::JalaliDate::from_iso(d).format_numeric(false);
    let round = daftar_domain::round::NewRound::parse(
        "تمدید کارت",
        &day(today),
        &day(today + time::Duration::days(20)),
        &["card_renewal".into()],
        &["card_renewal".to_owned()].into_iter().collect(),
        daftar_domain::round::Eligibility::default(),
        "40",
        "",
        today,
    )
    .unwrap();
    let round = app
        .store
        .open_round(
            &AuditCtx::system("test"),
            &daftar_domain::permission::system_reach(Permission::RoundManage),
            &daftar_domain::round::NewRound {
                eligibility: daftar_domain::round::Eligibility::parse(
                    &[],
                    "",
                    "",
                    ("", "", ""),
                    "",
                )
                .unwrap(),
                ..round
            },
        )
        .unwrap();
    let round_page = format!("/rounds/{}", round.round.id);

    // The KPI job's figures of this month, for the KPI pages' charts.
    crate::kpi::compute(app);

    let public = vec![
        "/".to_owned(),
        "/login".to_owned(),
        "/services".to_owned(),
        "/directory".to_owned(),
        "/information".to_owned(),
        "/helpdesk/status".to_owned(),
        "/information/card_renewal/poster".to_owned(),
        "/information/card_renewal/leaflet?province=%D8%AA%D9%87%D8%B1%D8%A7%D9%86".to_owned(),
        "/calendar".to_owned(),
        "/verify".to_owned(),
        "/share".to_owned(),
        format!("/receipts/{check}"),
        format!("/receipts/{check}?sent=1"),
    ];
    let home = |extra: &[String]| {
        let mut v = vec!["/".to_owned(), "/profile".to_owned()];
        v.extend_from_slice(extra);
        v
    };
    let visitor = |role: &str, client, starts, user: Option<&str>| Visitor {
        role: role.into(),
        client,
        starts,
        login: user.map(|u| (u.to_owned(), crate::harness::PASSWORD.to_owned())),
    };
    World {
        visitors: vec![
            visitor(
                "clerk",
                clerk,
                home(&[
                    receipt_page.clone(),
                    format!("/offices/{o}/cases/{paid}/slip"),
                    format!("/offices/{o}/rounds/{}/not-seen", round.round.id),
                ]),
                Some("clerk.a"),
            ),
            visitor(
                "office_manager",
                app.signed_in("manager.a").await,
                home(&[receipt_page, "/planning".to_owned()]),
                Some("manager.a"),
            ),
            visitor(
                "authority_officer",
                app.signed_in_with_totp("officer").await,
                home(&[
                    round_page.clone(),
                    format!("{round_page}/report"),
                    "/dashboard".to_owned(),
                ]),
                None,
            ),
            visitor(
                "auditor",
                app.signed_in("auditor").await,
                home(&[]),
                Some("auditor"),
            ),
            visitor(
                "association",
                app.signed_in("kanoon").await,
                home(&[]),
                Some("kanoon"),
            ),
            Visitor {
                role: "applicant".into(),
                client: me,
                starts: vec![
                    "/portal".into(),
                    "/portal/credentials/00000000000000a1/card".into(),
                ],
                login: Some((username, password)),
            },
            visitor("anonymous", anon, public, None),
        ],
    }
}

/// Whether the crawl follows `href` (same site, a page, no side effect, no download, not a page
/// printed in a language chosen by the link — `?lang=`, checked in the locale it names by
/// visiting it without the parameter in each locale).
fn follows(href: &str) -> bool {
    href.starts_with('/')
        && !href.starts_with("//")
        && ![
            "/logout",
            "/locale/",
            "/static/",
            "/api/",
            "/.well-known/",
            "/metrics",
            "/healthz",
        ]
        .iter()
        .any(|p| href.starts_with(p))
        && !href.contains(".csv")
        && !href.contains(".xlsx")
        && !href.contains("/photo")
        && !href.contains("/documents/")
        && !href.contains("lang=")
}

/// The `href`s of `<a>` elements in `html`, entities decoded.
pub fn links(html: &str) -> Vec<String> {
    let mut out = vec![];
    for part in html.split("<a ").skip(1) {
        let tag = &part[..part.find('>').unwrap_or(part.len())];
        if let Some(i) = tag.find("href=\"") {
            let rest = &tag[i + 6..];
            if let Some(j) = rest.find('"') {
                out.push(rest[..j].replace("&amp;", "&").replace("&#38;", "&"));
            }
        }
    }
    out
}

/// A path with its ids (ULIDs, long hex or digit runs) replaced, so that a crawl visits one
/// page of each kind.
fn kind_of(path: &str) -> String {
    path.split(['/', '?', '&', '='])
        .map(|seg| {
            let id = seg.len() >= 10
                && seg
                    .chars()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || c.is_ascii_hexdigit());
            if id || (!seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit())) {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The visible text of a page: text nodes and the text attributes a reader meets
/// (`title`, `placeholder`, `aria-label`, `alt`), without scripts and styles.
pub fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        out.push(' ');
        let after = &rest[i..];
        let end = after.find('>').map_or(after.len(), |j| j + 1);
        let tag = &after[..end];
        for attr in ["title=\"", "placeholder=\"", "aria-label=\"", "alt=\""] {
            if let Some(k) = tag.find(attr) {
                let v = &tag[k + attr.len()..];
                out.push_str(&v[..v.find('"').unwrap_or(v.len())]);
                out.push(' ');
            }
        }
        rest = &after[end..];
        for skip in ["script", "style"] {
            if tag.starts_with(&format!("<{skip}")) {
                let close = format!("</{skip}>");
                rest = rest.find(&close).map_or("", |k| &rest[k + close.len()..]);
            }
        }
    }
    out.push_str(rest);
    out.replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
}

/// The text a reader of a right-to-left page reads as prose: [`visible_text`] without what is
/// meant to stay Latin (elements with `dir="ltr"` and everything inside them, `<code>`, `<kbd>`,
/// `<samp>`, `<script>`, `<style>`).
pub fn prose_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    // While skipping: the element's name and how deep we are in elements of that name.
    let mut skipping: Option<(String, usize)> = None;
    while let Some(i) = rest.find('<') {
        if skipping.is_none() {
            out.push_str(&rest[..i]);
            out.push(' ');
        }
        let after = &rest[i..];
        let end = after.find('>').map_or(after.len(), |j| j + 1);
        let tag = &after[..end];
        rest = &after[end..];
        let closing = tag.starts_with("</");
        let name: String = tag
            .trim_start_matches("</")
            .trim_start_matches('<')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        let void = tag.ends_with("/>")
            || matches!(
                name.as_str(),
                "input" | "br" | "img" | "meta" | "link" | "hr"
            );
        match &mut skipping {
            Some((n, depth)) if *n == name && !void => {
                if closing {
                    *depth -= 1;
                    if *depth == 0 {
                        skipping = None;
                    }
                } else {
                    *depth += 1;
                }
            }
            Some(_) => {}
            None if !closing && !void => {
                let ltr = tag.contains("dir=\"ltr\"")
                    || matches!(name.as_str(), "code" | "kbd" | "samp" | "script" | "style");
                if ltr {
                    skipping = Some((name, 1));
                }
            }
            None => {}
        }
    }
    if skipping.is_none() {
        out.push_str(rest);
    }
    // Left-to-right isolates (U+2066 … U+2069), as the pages wrap Gregorian dates, are Latin
    // on purpose.
    let mut prose = String::new();
    let mut depth = 0usize;
    for c in out.chars() {
        match c {
            '\u{2066}' => depth += 1,
            '\u{2069}' => depth = depth.saturating_sub(1),
            _ if depth == 0 => prose.push(c),
            _ => {}
        }
    }
    prose
}

/// Latin digits in a right-to-left page's prose (issue 21.9: "تا 90 روز", "08:00"): each word
/// with Latin digits and no Latin letter. A word with Latin letters is a code or an id
/// (`THR-01-1405-00001`, `clerk.a`, a ULID), which stays as it is issued.
pub fn latin_digits(prose: &str) -> Vec<String> {
    prose
        .split_whitespace()
        .filter(|w| {
            w.chars().any(|c| c.is_ascii_digit()) && !w.chars().any(|c| c.is_ascii_alphabetic())
        })
        .map(str::to_owned)
        .collect()
}

/// Every message id of every locale file that has a dash (single words read like text).
pub fn message_ids() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for (_, src) in daftar_web::i18n::SOURCES {
        let res = fluent_syntax::parser::parse(src).unwrap();
        for e in res.body {
            if let fluent_syntax::ast::Entry::Message(m) = e
                && m.id.name.contains('-')
            {
                ids.insert(m.id.name.to_owned());
            }
        }
    }
    ids
}

fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '۰'..='۹' => Some(c as u32 - '۰' as u32),
        '٠'..='٩' => Some(c as u32 - '٠' as u32),
        _ => None,
    }
}

/// Numbers in `text` written with thousands separators: (groups, value, text after it).
fn grouped_numbers(text: &str) -> Vec<(usize, u64, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < chars.len() {
        if digit(chars[i]).is_none() || (i > 0 && digit(chars[i - 1]).is_some()) {
            i += 1;
            continue;
        }
        let (mut j, mut groups, mut value) = (i, 1, 0u64);
        loop {
            while j < chars.len()
                && let Some(d) = digit(chars[j])
            {
                value = value.saturating_mul(10).saturating_add(u64::from(d));
                j += 1;
            }
            let sep = j + 4 <= chars.len()
                && matches!(chars[j], ',' | '٬')
                && chars[j + 1..j + 4].iter().all(|c| digit(*c).is_some())
                && chars.get(j + 4).is_none_or(|c| digit(*c).is_none());
            if !sep {
                break;
            }
            groups += 1;
            j += 1;
        }
        if groups > 1 {
            let after: String = chars[j..chars.len().min(j + 16)].iter().collect();
            out.push((groups, value, after));
        }
        i = j.max(i + 1);
    }
    out
}

/// The faults of one page's text in `locale`.
pub fn faults(text: &str, locale: &str, ids: &BTreeSet<String>, unit: &str) -> Vec<String> {
    let mut found = vec![];
    for word in text.split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')) {
        if ids.contains(word) {
            found.push(format!("message id shown as text: {word}"));
        }
    }
    for (groups, value, after) in grouped_numbers(text) {
        if groups == 2 && ((1300..=1500).contains(&value) || (1900..=2100).contains(&value)) {
            found.push(format!(
                "a year with a thousands separator: {value} ({locale})"
            ));
        } else if value >= 10_000 && !after.trim_start().starts_with(unit) {
            found.push(format!(
                "an amount ({value}) without its unit {unit:?}: …{after}"
            ));
        }
    }
    found
}

/// Crawls from `starts` with `c` in `locale`; returns the faults found, page by page, and the
/// pages seen (one of each kind).
pub async fn crawl(
    app: &TestApp,
    c: &reqwest::Client,
    role: &str,
    locale: &str,
    starts: &[String],
    ids: &BTreeSet<String>,
) -> (Vec<String>, Vec<String>) {
    let i18n = daftar_web::i18n::I18n::load("fa-IR").unwrap();
    let unit = i18n.message(locale, "money-rials", &[]);
    let r = c
        .get(app.url(&format!("/locale/{locale}?next=/")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    app.misses.take();
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<String> = starts.iter().cloned().collect();
    let mut found = vec![];
    let mut pages = vec![];
    while let Some(path) = queue.pop_front() {
        if !seen.insert(kind_of(&path)) || pages.len() >= 150 {
            continue;
        }
        let r = c.get(app.url(&path)).send().await.unwrap();
        let status = r.status().as_u16();
        let html_page = r
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/html"));
        if (300..400).contains(&status) {
            let to = location(&r);
            if follows(&to) {
                queue.push_back(to);
            }
            continue;
        }
        let body = r.text().await.unwrap();
        if html_page {
            pages.push(path.clone());
        }
        let at = format!("{role} {locale} {path}");
        if status >= 500 {
            found.push(format!("{at}: {status}"));
        }
        for m in app.misses.take() {
            found.push(format!(
                "{at}: unresolved {} in {} ({})",
                m.id, m.locale, m.why
            ));
        }
        if !html_page {
            continue;
        }
        for f in faults(&visible_text(&body), locale, ids, &unit) {
            found.push(format!("{at}: {f}"));
        }
        if locale != "en" {
            for d in latin_digits(&prose_text(&body)) {
                found.push(format!("{at}: Latin digits in Persian text: …{d}…"));
            }
        }
        queue.extend(links(&body).into_iter().filter(|h| follows(h)));
    }
    (found, pages)
}

async fn every_page_resolves_every_message(app: TestApp) {
    let world = seed(&app).await;
    let ids = message_ids();
    let mut found = vec![];
    for v in &world.visitors {
        for l in LOCALES {
            let (f, pages) = crawl(&app, &v.client, &v.role, l.tag, &v.starts, &ids).await;
            assert!(
                pages.len() >= v.starts.len(),
                "{} {}: only {pages:?}",
                v.role,
                l.tag
            );
            found.extend(f);
        }
    }
    assert!(
        found.is_empty(),
        "{} faults:\n{}",
        found.len(),
        found.join("\n")
    );
}
crate::both!(every_page_t, every_page_resolves_every_message);

#[test]
fn the_scan_finds_latin_digits_outside_ltr_parts() {
    let f = |html: &str| latin_digits(&prose_text(html));
    assert_eq!(f("<p>تا 90 روز</p>").len(), 1);
    assert_eq!(f("<p>ساعت ۰۸:۰۰</p>").len(), 0);
    assert_eq!(f("<p>شماره <code>IR-THR-000123</code></p>").len(), 0);
    assert_eq!(f("<p>پرونده THR-01-1405-00001 — دفتر</p>").len(), 0);
    assert_eq!(f("<p>ساعت 08:00</p>").len(), 1);
    assert_eq!(
        f("<p>تاریخ <bdi dir=\"ltr\"><span>2026-12-04</span></bdi> و 5</p>").len(),
        1
    );
    assert_eq!(f("<p><span dir=\"ltr\">(4 Dec 2026)</span></p>").len(), 0);
    assert_eq!(f("<p>میلادی (\u{2066}2026-12-04\u{2069})</p>").len(), 0);
}

#[test]
fn the_scan_finds_each_kind_of_fault() {
    let ids: BTreeSet<String> = ["money-rials".to_owned()].into();
    let f = |t: &str| faults(t, "fa-IR", &ids, "ریال");
    assert_eq!(f("سال ۱۴۰۵ · ۱٬۲۰۰٬۰۰۰ ریال").len(), 0);
    assert_eq!(f("کارمزد (۱٬۴۰۵)").len(), 1);
    assert_eq!(f("year 2,026").len(), 1);
    assert_eq!(f("مبلغ ۱٬۲۰۰٬۰۰۰ ").len(), 1);
    assert_eq!(f("۱٬۲۰۰٬۰۰۰ money-rials").len(), 2);
    assert_eq!(
        visible_text("<p title=\"x-y\">a<script>money-rials</script>b</p>"),
        " x-y a b "
    );
    assert_eq!(
        kind_of("/offices/01J0ABCDEFGHJKMNPQRSTVWXYZ/cases?page=2"),
        "/offices/{id}/cases/page/{id}"
    );
}

/// The text between the first `start` and the next `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {html}"))
        + start.len();
    &html[i..i + html[i..].find(end).unwrap()]
}

/// Issue 21.10 and 21.6: the office's home page helps with the day (a search box, today's due
/// and overdue cases, open review pairs for the manager); the catalog is sorted by the name
/// people read; the printed card names the nationality and the full address to verify at.
async fn homes_catalog_and_card(app: TestApp) {
    let world = seed(&app).await;
    let by = |role: &str| {
        &world
            .visitors
            .iter()
            .find(|v| v.role == role)
            .unwrap()
            .client
    };
    let clerk = get_text(&app, by("clerk"), "/").await;
    assert!(clerk.contains("id=\"home-search\""), "{clerk}");
    let due = between(&clerk, "id=\"home-due-today\">", "</a>");
    assert!(
        due.contains("class=\"stat\">۰<"),
        "no case is due today: {due}"
    );
    let overdue = between(&clerk, "id=\"home-overdue\">", "</a>");
    assert!(overdue.contains("۰"), "{overdue}");
    assert!(!clerk.contains("id=\"home-reviews\""), "{clerk}");
    let manager = get_text(&app, by("office_manager"), "/").await;
    assert!(manager.contains("id=\"home-reviews\""), "{manager}");

    // Issue 21.4: the queue's SLA labels are coloured (the stylesheet has every class the
    // queue uses) and explained by a legend; the filter tabs are separate links.
    let queue_path = between(&clerk, "href=\"/offices/", "\"");
    let office = queue_path.split('/').next().unwrap();
    let queue = get_text(&app, by("clerk"), &format!("/offices/{office}/cases")).await;
    let legend = between(&queue, "id=\"timer-legend\"", "</ul>");
    let css = get_text(&app, by("clerk"), "/static/app.css").await;
    for t in ["green", "amber", "red", "paused"] {
        assert!(legend.contains(&format!("timer-{t}")), "{legend}");
        assert!(
            css.contains(&format!(".timer-{t} {{")),
            "no CSS for timer-{t}"
        );
    }
    for class in queue.split("class=\"timer timer-").skip(1) {
        let t = &class[..class.find('"').unwrap()];
        assert!(
            css.contains(&format!(".timer-{t} {{")),
            "no CSS for timer-{t}"
        );
    }
    assert!(css.contains("nav.tabs a {"), "tabs are not styled apart");

    // The catalog in English is in alphabetical order; in Persian in alphabet order.
    let anon = client();
    for (tag, first) in [("en", "Adding"), ("fa-IR", "ا")] {
        anon.get(app.url(&format!("/locale/{tag}?next=/services")))
            .send()
            .await
            .unwrap();
        let html = get_text(&app, &anon, "/services").await;
        let names: Vec<String> = html
            .split("<a href=\"/services/")
            .skip(1)
            .map(|p| between(p, ">", "<").to_owned())
            .collect();
        assert!(names.len() >= 20, "{names:?}");
        let mut sorted = names.clone();
        sorted.sort_by_key(|n| daftar_domain::collate::sort_key(n));
        assert_eq!(names, sorted, "{tag}");
        assert!(names[0].starts_with(first), "{tag}: {names:?}");
    }

    // The card: "Afghanistan", not "AFG"; verify at this server's address.
    let me = by("applicant");
    me.get(app.url("/locale/en?next=/portal"))
        .send()
        .await
        .unwrap();
    let card = get_text(&app, me, "/portal/credentials/00000000000000a1/card").await;
    assert!(
        card.contains("Afghanistan") && !card.contains(">AFG<"),
        "{card}"
    );
    assert!(card.contains(&format!("{}/verify", app.base)), "{card}");
}
crate::both!(homes_catalog_and_card_t, homes_catalog_and_card);

/// How many audit rows there are.
fn audit_rows(app: &TestApp) -> u64 {
    app.store
        .audit_page(
            &daftar_domain::store::AuditFilter::default(),
            daftar_domain::page::PageRequest {
                page: 1,
                per_page: 1,
            },
        )
        .unwrap()
        .total
}

/// The text of the first element with `class` in the row of `office` on the across-offices
/// table.
fn cell<'a>(html: &'a str, office: &str, class: &str) -> &'a str {
    let row = between(html, &format!("data-office=\"{office}\">"), "</tr>");
    between(row, &format!("class=\"{class}\">"), "</td>")
}

/// Issue 21.10: the authority officer's home shows every office's cases, overdue, escalations,
/// fees collected and "asked to pay more" reports as a page (not only the JSON report), with
/// totals; the manager's home shows pending reviews, overdue, escalated cases and fee
/// complaints; loading a home page writes no audit row (the figures are counts, not reads).
async fn authority_and_manager_homes(app: TestApp) {
    let world = seed(&app).await;
    let by = |role: &str| {
        &world
            .visitors
            .iter()
            .find(|v| v.role == role)
            .unwrap()
            .client
    };
    let officer = get_text(&app, by("authority_officer"), "/").await;
    let across = between(&officer, "id=\"across-offices\"", "</section>");
    // The seed opened two renewals at THR-01 and the portal a third case; it paid one renewal
    // and complained about its receipt.
    assert_eq!(cell(across, "THR-01", "cases-active"), "۳", "{across}");
    assert!(
        cell(across, "THR-01", "cases-overdue").contains(">۰<"),
        "{across}"
    );
    assert_eq!(cell(across, "THR-01", "cases-escalated"), "۰", "{across}");
    assert_eq!(cell(across, "THR-01", "fee-payments"), "۱", "{across}");
    assert_eq!(cell(across, "THR-01", "fee-complaints"), "۱", "{across}");
    let rials = cell(across, "THR-01", "fee-rials");
    assert!(rials.contains("ریال") && rials != "۰ ریال", "{rials}");
    assert!(
        cell(across, "THR-01", "fee-extra").contains("ریال"),
        "{across}"
    );
    let totals = between(across, "id=\"across-totals\">", "</tr>");
    assert!(totals.contains("<td>۳</td>"), "{totals}");

    let manager = get_text(&app, by("office_manager"), "/").await;
    for id in [
        "home-reviews",
        "home-overdue",
        "home-escalated",
        "home-complaints",
        "home-waiting",
    ] {
        assert!(manager.contains(&format!("id=\"{id}\"")), "{id}: {manager}");
    }
    let complaints = between(&manager, "id=\"home-complaints\">", "</li>");
    assert!(complaints.contains(">۱<"), "{complaints}");
    let clerk = get_text(&app, by("clerk"), "/").await;
    assert!(!clerk.contains("id=\"home-complaints\""), "{clerk}");
    assert!(!clerk.contains("id=\"across-offices\""), "{clerk}");

    // Issue 21.9: a fee charged per member says "(per person)" in the catalog and on the case
    // page, where a household's total shows how many times the amount for each person.
    let catalog = get_text(&app, &client(), "/services").await;
    assert!(catalog.contains("(هر نفر)"), "{catalog}");
    let clerk_visit = world.visitors.iter().find(|v| v.role == "clerk").unwrap();
    let slip = clerk_visit
        .starts
        .iter()
        .find(|p| p.ends_with("/slip"))
        .unwrap();
    let case = get_text(&app, by("clerk"), slip.trim_end_matches("/slip")).await;
    assert!(case.contains("۱ × ") && case.contains("(هر نفر)"), "{case}");

    // No audit row per load, for any staff role's home.
    let before = audit_rows(&app);
    for role in ["clerk", "office_manager", "authority_officer", "auditor"] {
        let r = by(role).get(app.url("/")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{role}");
    }
    assert_eq!(audit_rows(&app), before, "a home page wrote audit rows");
}
crate::both!(authority_and_manager_homes_t, authority_and_manager_homes);
