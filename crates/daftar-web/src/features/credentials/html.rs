//! Staff pages: a person's credentials (print a card per purpose, revoke) and share codes (make
//! one with the holder's consent, see every check, cancel).

use super::api::{MadeBy, ShareRequest, make_share};
use super::issue::qr_svg_sized;
use super::share::{check_lines, share_state, verifier_options};
use super::verify::{both_dates, time_parts};
use crate::auth::scope::PersonRead;
use crate::auth::{CsrfForm, InOffice, NoFields};
use crate::error::WebResult;
use crate::extract::{Path, Query};
use crate::i18n::Tr;
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use daftar_credential::{PURPOSES, profile};
use daftar_domain::audit::purpose;
use daftar_domain::credential::{CredentialRecord, ShareCode, VerifierType};
use daftar_domain::ids::{OfficeId, PersonId, ShareCodeId};
use daftar_domain::permission::{Permission, Reach};
use daftar_domain::person::Person;
use daftar_domain::store::ShareAccess;
use daftar_domain::{Error, Result};
use daftar_store::keyring::kind_of;
use serde::Deserialize;
use time::OffsetDateTime;

pub(crate) struct CredRow {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) issued: String,
    pub(crate) expires: String,
    pub(crate) state: String,
    pub(crate) revoked: bool,
    pub(crate) purposes: Vec<(&'static str, String)>,
}

pub(crate) struct ShareRow {
    pub(crate) id: String,
    pub(crate) credential_id: String,
    pub(crate) verifier: String,
    pub(crate) state: String,
    pub(crate) cancel_url: Option<String>,
    pub(crate) expires: String,
    pub(crate) checks: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "credentials/person.html")]
struct PersonPage {
    page: PageCtx,
    office_id: OfficeId,
    person: Person,
    credentials: Vec<CredRow>,
    shares: Vec<ShareRow>,
    verifiers: Vec<(&'static str, String)>,
    can_write: bool,
    can_revoke: bool,
    created: Option<(String, String)>,
    error: Option<String>,
}

pub(crate) fn cred_row(tr: &Tr, c: &CredentialRecord, now: OffsetDateTime) -> CredRow {
    let state = if c.revoked_at.is_some() {
        "verdict-revoked"
    } else if now > c.expires {
        "verdict-expired"
    } else {
        "verdict-valid"
    };
    let purposes = kind_of(c)
        .map(|k| {
            PURPOSES
                .iter()
                .filter(|p| profile(k, p).is_some())
                .map(|p| (*p, tr.t(&format!("purpose-{p}"))))
                .collect()
        })
        .unwrap_or_default();
    CredRow {
        id: c.id.clone(),
        kind: tr.t(&format!("credential-{}", c.kind.code())),
        issued: both_dates(tr, c.issued_at.unix_timestamp()),
        expires: both_dates(tr, c.expires.unix_timestamp()),
        state: tr.t(state),
        revoked: c.revoked_at.is_some(),
        purposes,
    }
}

/// A share code for display; `cancel_base` (the share-codes path of the page) offers a cancel
/// button while the code works.
pub(crate) fn share_row(
    tr: &Tr,
    s: &ShareCode,
    now: OffsetDateTime,
    cancel_base: Option<&str>,
) -> ShareRow {
    ShareRow {
        id: s.id.to_string(),
        credential_id: s.credential_id.clone(),
        verifier: tr.t(&format!("verifier-{}", s.verifier.code())),
        state: share_state(tr, s, now),
        cancel_url: cancel_base
            .filter(|_| s.usable(now).is_ok())
            .map(|b| format!("{b}/{}/cancel", s.id)),
        expires: tr.datetime(&s.expires_at),
        checks: check_lines(tr, s),
    }
}

async fn person_page(
    state: &AppState,
    at: &InOffice<PersonRead>,
    person: PersonId,
    created: Option<(String, String)>,
    error: Option<String>,
) -> WebResult<Response> {
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let (rec, creds, shares) = state
        .db(move |s| {
            Ok((
                s.get_person(&ctx, &scope, person)?,
                s.person_credentials(&ctx, &scope, person)?,
                s.share_codes(&ctx, &scope, person)?,
            ))
        })
        .await?;
    let page = PageCtx::new(state, &at.staff.ctx);
    let now = state.clock.now();
    let tr = &page.tr;
    let p = at.staff.principal();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let cancel_base = p
        .has(Permission::PersonWrite)
        .then(|| format!("/offices/{}/persons/{person}/share-codes", at.office_id()));
    let body = PersonPage {
        office_id: at.office_id(),
        credentials: creds.iter().map(|c| cred_row(tr, c, now)).collect(),
        shares: shares
            .iter()
            .map(|s| share_row(tr, s, now, cancel_base.as_deref()))
            .collect(),
        // A code for another office is the holder's to make, on the portal.
        verifiers: verifier_options(tr)
            .into_iter()
            .filter(|(code, _)| *code != VerifierType::Office.code())
            .collect(),
        can_write: p.has(Permission::PersonWrite),
        can_revoke: p.has(Permission::CredentialRevoke),
        person: rec.person,
        created,
        error,
        page,
    };
    Ok(render(status, &body))
}

/// A person's credentials and share codes.
pub async fn person(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_, person)): Path<(OfficeId, PersonId)>,
) -> WebResult<Response> {
    person_page(&state, &at, person, None, None).await
}

/// One fact on the card: its label and its value, or its dates (Jalali, Gregorian) when it is a
/// date; `span` is how many of the grid's four columns it takes (a date or a number two, an
/// interval of two dates the whole row).
pub(crate) struct CardFact {
    key: String,
    label: String,
    value: String,
    dates: Vec<(String, String)>,
    span: u8,
    /// A number or code, read left to right.
    ltr: bool,
}

#[derive(Template)]
#[template(path = "credentials/card.html")]
pub(crate) struct CardPage {
    page: PageCtx,
    photo_url: String,
    back_url: String,
    person: Person,
    latin_name: String,
    has_photo: bool,
    kind: String,
    purpose: String,
    facts: Vec<CardFact>,
    issued: Vec<(String, String)>,
    expires: Vec<(String, String)>,
    credential_id: String,
    issuer: String,
    qr: String,
    qr_modules: usize,
    verify_url: String,
}

/// `?purpose=`.
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct CardQuery {
    pub(crate) purpose: String,
}

impl Default for CardQuery {
    fn default() -> Self {
        Self {
            purpose: "full".into(),
        }
    }
}

/// The printable card, an ID-1 card (85.60 × 53.98 mm) on screen and on paper: the front with
/// the photo, the names in both scripts, the registry number and the claims of the purpose
/// (dates in both calendars); the back with the QR for the purpose and where to verify it.
pub async fn card(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_, person, id)): Path<(OfficeId, PersonId, String)>,
    Query(q): Query<CardQuery>,
    headers: axum::http::HeaderMap,
) -> WebResult<Response> {
    let office = at.office_id();
    let urls = (
        format!("/offices/{office}/persons/{person}/photo"),
        format!("/offices/{office}/persons/{person}/credentials"),
        crate::features::cases::html::public_base(&state, &headers),
    );
    let page = PageCtx::new(&state, &at.staff.ctx);
    let body = card_page(
        &state,
        page,
        at.staff.audit(purpose::SERVICE),
        at.scope,
        person,
        id,
        q.purpose,
        urls,
    )
    .await?;
    Ok(render(StatusCode::OK, &body))
}

/// The card's facts from the claims of the purpose: the names are the card's title (in both
/// scripts, from the record), so they are left out here; dates keep their two calendars apart.
fn card_facts(tr: &Tr, fields: &std::collections::BTreeMap<String, String>) -> Vec<CardFact> {
    let lines = super::verify::lines(tr, fields);
    lines
        .into_iter()
        .filter(|(k, _, _)| {
            !matches!(
                k.as_str(),
                "given_name" | "family_name" | "given_name_latin" | "family_name_latin"
            )
        })
        .map(|(key, label, value)| {
            let dates = if matches!(key.as_str(), "birth_date" | "valid_until") {
                super::verify::date_parts(tr, &fields[&key])
            } else {
                vec![]
            };
            let ltr = key == "card_no";
            let span = match dates.len() {
                0 if !ltr => 1,
                0 | 1 => 2,
                _ => 4,
            };
            CardFact {
                ltr,
                key,
                label,
                value,
                dates,
                span,
            }
        })
        .collect()
}

/// Builds the card of credential `id` of `person` (in `scope`) for `purpose`; `urls` are the
/// photo's, the way back and the site's public address (for "verify at").
#[allow(clippy::too_many_arguments)]
pub(crate) async fn card_page(
    state: &AppState,
    page: PageCtx,
    ctx: daftar_domain::audit::AuditCtx,
    scope: daftar_domain::permission::OfficeScope,
    person: PersonId,
    id: String,
    purpose_code: String,
    (photo_url, back_url, base): (String, String, String),
) -> Result<CardPage> {
    let keys = state.keys.clone();
    let p2 = purpose_code.clone();
    let (rec, cred, text, has_photo) = state
        .db(move |s| {
            // The credential first, checked to be the person's by the store: a refused
            // attempt is audited as such, and reads nothing else.
            let cred = s.get_credential_of(&ctx, &scope, &id, person)?;
            let rec = s.get_person(&ctx, &scope, person)?;
            if cred.revoked_at.is_some() {
                return Err(Error::conflict("credential.revoked"));
            }
            let text = keys.signed_text(s, &cred, &p2)?;
            let photo = s.get_photo(&ctx, &scope, person)?.is_some();
            Ok((rec, cred, text, photo))
        })
        .await?;
    let tr = &page.tr;
    // The claims the QR carries (signing has checked the purpose already).
    let fields = kind_of(&cred)
        .and_then(|k| daftar_credential::select(k, &purpose_code, &cred.fields).ok())
        .unwrap_or_default();
    let (qr, qr_modules) = qr_svg_sized(&text)?;
    let latin_name = format!(
        "{} {}",
        rec.person.given_name_latin.trim(),
        rec.person.family_name_latin.trim()
    )
    .trim()
    .to_owned();
    Ok(CardPage {
        photo_url,
        back_url,
        has_photo,
        kind: tr.t(&format!("credential-{}", cred.kind.code())),
        purpose: tr.t(&format!("purpose-{purpose_code}")),
        facts: card_facts(tr, &fields),
        issued: time_parts(tr, cred.issued_at.unix_timestamp()),
        expires: time_parts(tr, cred.expires.unix_timestamp()),
        credential_id: cred.id.clone(),
        issuer: cred.issuer.clone(),
        qr,
        qr_modules,
        verify_url: format!("{base}/verify"),
        latin_name,
        person: rec.person,
        page,
    })
}

/// The revoke form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RevokeForm {
    reason: String,
}

/// Revokes a credential (`credential.revoke`), then shows the person's credentials again.
pub async fn revoke(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_, person, id)): Path<(OfficeId, PersonId, String)>,
    CsrfForm(f): CsrfForm<RevokeForm>,
) -> WebResult<Response> {
    let office = at.office_id();
    let reach = at
        .staff
        .principal()
        .scope(office, Permission::CredentialRevoke)
        .map(Reach::Office)?;
    let (ctx, read) = (at.staff.audit(purpose::SERVICE), at.scope);
    let r = state
        .db(move |s| {
            // Only a credential of the person in the path.
            if s.get_credential(&ctx, &read, &id)?.person_id != person {
                return Err(Error::not_found("credential.not_found"));
            }
            s.revoke_credential(&ctx, &reach, &id, &f.reason)
        })
        .await;
    done(&state, &at, person, r.map(|_| ())).await
}

async fn done(
    state: &AppState,
    at: &InOffice<PersonRead>,
    person: PersonId,
    r: Result<()>,
) -> WebResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!(
            "/offices/{}/persons/{person}/credentials",
            at.office_id()
        ))
        .into_response()),
        Err(e) if e.kind.status() < 500 && e.kind.status() != 403 => {
            let msg = PageCtx::new(state, &at.staff.ctx).tr.error(e.code);
            person_page(state, at, person, None, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Makes a share code; the page shows the code and the holder's link once.
pub async fn create_share(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_, person)): Path<(OfficeId, PersonId)>,
    CsrfForm(f): CsrfForm<ShareRequest>,
) -> WebResult<Response> {
    let scope = at
        .staff
        .principal()
        .scope(at.office_id(), Permission::PersonWrite)?;
    let ctx = at.staff.audit(purpose::SERVICE);
    let now = state.now();
    let r = state
        .db(move |s| make_share(s, &ctx, &scope, person, &f, now, MadeBy::Staff))
        .await;
    match r {
        Ok(a) => person_page(&state, &at, person, Some((a.code, a.manage_path)), None).await,
        Err(e) => done(&state, &at, person, Err(e)).await,
    }
}

/// Cancels share code `id` of `person` (read with `read`, cancelled with `write`);
/// `share.not_found` when the code is another person's.
pub(crate) fn cancel_persons_share(
    s: &dyn daftar_domain::store::Store,
    ctx: &daftar_domain::audit::AuditCtx,
    read: daftar_domain::permission::OfficeScope,
    write: daftar_domain::permission::OfficeScope,
    person: PersonId,
    id: ShareCodeId,
) -> Result<ShareCode> {
    if !s
        .share_codes(ctx, &read, person)?
        .iter()
        .any(|c| c.id == id)
    {
        return Err(Error::not_found("share.not_found"));
    }
    s.cancel_share_code(ctx, id, &ShareAccess::Office(write))
}

/// Cancels a share code at the office.
pub async fn cancel_share(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_, person, id)): Path<(OfficeId, PersonId, ShareCodeId)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    let scope = at
        .staff
        .principal()
        .scope(at.office_id(), Permission::PersonWrite)?;
    let (ctx, read) = (at.staff.audit(purpose::SERVICE), at.scope);
    let r = state
        .db(move |s| cancel_persons_share(s, &ctx, read, scope, person, id))
        .await;
    done(&state, &at, person, r.map(|_| ())).await
}
