//! Public verification: the signed trust list and status list for offline verifiers, the root
//! key they pin, the `/verify` page (paste the QR text or upload a photo of the code) and the
//! JSON verify API. No login; nothing personal is stored or logged, and only the claims inside
//! the QR are shown.

use super::issue::verify_online;
use crate::auth::{Ctx, same_secret};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Query};
use crate::i18n::Tr;
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use daftar_credential::scan::read_qr;
use daftar_credential::{FormatError, Verdict};
use daftar_domain::{Error, ErrorKind};
use daftar_store::keyring::format_error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Content type of the signed list files.
const COSE: &str = "application/cose; cose-type=\"cose-sign1\"";

/// `?since=` of the status list.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Since {
    /// 0 to 2^63−1 (`int64`, as the document says); a negative version is `request.query.invalid`.
    since: i64,
}

fn cose(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, COSE.to_owned()),
            (header::CACHE_CONTROL, "public, max-age=60".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The trust list: issuer public keys, signed with the root key (COSE_Sign1, see
/// docs/credential-format.md §6).
#[utoipa::path(get, path = "/.well-known/daftar/trust-list", tag = "credentials",
    responses((status = 200, content_type = "application/cose", body = Vec<u8>), (status = 409, body = ErrorBody)))]
pub async fn trust_list(State(state): State<AppState>) -> WebResult<Response> {
    let keys = state.keys.clone();
    let bytes = state.db(move |s| keys.trust_list_file(s)).await?;
    Ok(cose(bytes, "trust-list.cose"))
}

/// The status list: every revoked credential not yet expired, or with `since=N` only those
/// revoked after version N (a delta), signed with the root key (§7).
#[utoipa::path(get, path = "/.well-known/daftar/status-list", tag = "credentials",
    params(("since" = Option<i64>, Query, minimum = 0, description = "Version the verifier has (0 or absent: the full list)")),
    responses((status = 200, content_type = "application/cose", body = Vec<u8>), (status = 409, body = ErrorBody)))]
pub async fn status_list(
    State(state): State<AppState>,
    Query(q): Query<Since>,
) -> WebResult<Response> {
    let since = u64::try_from(q.since).map_err(|_| {
        daftar_domain::Error::new(
            "request.query.invalid",
            daftar_domain::ErrorKind::BadRequest,
        )
        .with_details(serde_json::json!({ "reason": "since" }))
    })?;
    let keys = state.keys.clone();
    let bytes = state.db(move |s| keys.status_list_file(s, since)).await?;
    Ok(cose(bytes, "status-list.cose"))
}

/// The root public key (hex) that signs both lists. Verifiers should pin it from a trusted
/// channel (the authority's publication), not only from here.
#[utoipa::path(get, path = "/.well-known/daftar/root-key", tag = "credentials",
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn root_key(State(state): State<AppState>) -> WebResult<Response> {
    let keys = state.keys.clone();
    let hex = state.db(move |s| keys.root_public(s)).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], hex).into_response())
}

/// A verdict as JSON.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VerifyAnswer {
    /// `valid`, `expired`, `not_yet_valid`, `revoked`, `unknown_issuer`, `tampered`.
    pub verdict: String,
    /// The verdict in the request's language.
    pub message: String,
    /// Type (`registration_card`, ...) when the signature held.
    pub kind: Option<String>,
    /// Purpose profile the QR was made for.
    pub purpose: Option<String>,
    /// Issuer (`IR/THR-01`).
    pub issuer: Option<String>,
    /// Not valid before (RFC 3339).
    pub not_before: Option<String>,
    /// Not valid after (RFC 3339).
    pub expires: Option<String>,
    /// The claims inside the QR, and nothing else.
    pub fields: BTreeMap<String, String>,
}

fn rfc3339(secs: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

fn answer(v: &Verdict, tr: &Tr) -> VerifyAnswer {
    let c = v.claims();
    VerifyAnswer {
        verdict: v.code().to_owned(),
        message: tr.t(&format!("verdict-{}", v.code().replace('_', "-"))),
        kind: c.map(|c| c.kind.code().to_owned()),
        purpose: c.map(|c| c.purpose.clone()),
        issuer: c.map(|c| c.issuer.clone()),
        not_before: c.and_then(|c| rfc3339(c.not_before)),
        expires: c.and_then(|c| rfc3339(c.expires)),
        fields: c.map(|c| c.fields.clone()).unwrap_or_default(),
    }
}

/// What to verify.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct VerifyRequest {
    /// The text of the QR (`DF1:...`).
    pub text: String,
}

async fn check(state: &AppState, text: String) -> WebResult<Result<Verdict, FormatError>> {
    let (keys, now) = (state.keys.clone(), state.clock.now());
    Ok(state
        .db(move |s| verify_online(s, &keys, &text, now))
        .await?)
}

/// Verifies a credential online (keys and revocations as of now). A well-formed credential gets
/// 200 with its verdict; a malformed text gets 422 with the format's error code. No login.
#[utoipa::path(post, path = "/api/v1/credentials/verify", tag = "credentials",
    request_body = VerifyRequest,
    responses((status = 200, body = VerifyAnswer), (status = 422, body = ErrorBody)))]
pub async fn api_verify(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Json(req): Json<VerifyRequest>,
) -> WebResult<axum::Json<VerifyAnswer>> {
    let v = check(&state, req.text).await?.map_err(format_error)?;
    let tr = Tr::new(state.i18n.clone(), ctx.locale);
    Ok(axum::Json(answer(&v, &tr)))
}

/// One claim for display.
struct Line {
    label: String,
    value: String,
}

#[derive(Template)]
#[template(path = "credentials/verify.html")]
struct VerifyPage {
    page: PageCtx,
    text: String,
    verdict: Option<String>,
    verdict_class: &'static str,
    message: String,
    kind: String,
    issuer: String,
    expires: String,
    lines: Vec<Line>,
    error: Option<String>,
}

/// A date for display: Jalali in the page's language and Gregorian beside it.
pub fn both_dates(tr: &Tr, secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| both_days(tr, t.date()))
        .unwrap_or_default()
}

/// `۱۰ آذر ۱۴۰۶ (2027-12-01)`: the ISO date is isolated left to right (LRI … PDI), so a
/// right-to-left page does not reorder its digits.
fn both_days(tr: &Tr, d: time::Date) -> String {
    format!(
        "{} (\u{2066}{}\u{2069})",
        tr.date(&daftar_domain::jalali::iso_day(d)),
        daftar_domain::jalali::iso_day(d)
    )
}

/// A day as its Jalali date in the page's language and its ISO Gregorian date, kept apart so
/// that a template can isolate the Gregorian one (`<bdi dir="ltr">`, no wrapping inside it).
pub(crate) fn day_parts(tr: &Tr, d: time::Date) -> (String, String) {
    let iso = daftar_domain::jalali::iso_day(d);
    (tr.date(&iso), iso)
}

/// [`day_parts`] of a Unix time.
pub(crate) fn time_parts(tr: &Tr, secs: i64) -> Vec<(String, String)> {
    OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| vec![day_parts(tr, t.date())])
        .unwrap_or_default()
}

/// [`day_parts`] of a claim's date: one day, or the first and last of an interval (a birth
/// date known to the month or year); empty when `iso` is not a date.
pub(crate) fn date_parts(tr: &Tr, iso: &str) -> Vec<(String, String)> {
    iso.split('/')
        .map(|one| {
            time::Date::parse(
                one,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map(|d| day_parts(tr, d))
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .unwrap_or_default()
}

/// Disclosed claims as labelled lines (dates in both calendars).
pub fn lines(tr: &Tr, fields: &BTreeMap<String, String>) -> Vec<(String, String, String)> {
    fields
        .iter()
        .map(|(k, v)| {
            let value = match k.as_str() {
                "birth_date" | "valid_until" => date_both(tr, v),
                "sex" => tr.t(&format!("sex-{v}")),
                // The country's name, not its code ("Afghanistan", not "AFG").
                "nationality" => tr.t(&format!("nationality-{v}")),
                "status" => tr.t(&format!("person-status-{v}")),
                "work_allowed" | "school_age" => tr.t(&format!("claim-value-{v}")),
                _ => v.clone(),
            };
            (
                k.clone(),
                tr.t(&format!("claim-{}", k.replace('_', "-"))),
                value,
            )
        })
        .collect()
}

/// An ISO date (or year, or year-month) in Jalali with the Gregorian beside it; an interval
/// (a Solar Hijri month or year of birth, `1990-03-21/1991-03-20`) as its first and last day.
fn date_both(tr: &Tr, iso: &str) -> String {
    if let Some((first, last)) = iso.split_once('/') {
        return format!("{} – {}", date_both(tr, first), date_both(tr, last));
    }
    match time::Date::parse(
        iso,
        time::macros::format_description!("[year]-[month]-[day]"),
    ) {
        Ok(d) => both_days(tr, d),
        Err(_) => iso.to_owned(),
    }
}

fn verify_page(state: &AppState, ctx: &crate::context::RequestCtx, text: String) -> VerifyPage {
    VerifyPage {
        page: PageCtx::new(state, ctx),
        text,
        verdict: None,
        verdict_class: "",
        message: String::new(),
        kind: String::new(),
        issuer: String::new(),
        expires: String::new(),
        lines: vec![],
        error: None,
    }
}

/// The public page.
pub async fn page(State(state): State<AppState>, Ctx(ctx): Ctx) -> WebResult<Response> {
    Ok(render(
        StatusCode::OK,
        &verify_page(&state, &ctx, String::new()),
    ))
}

/// The form: `_csrf`, and `text` or `image` (PNG/JPEG of the QR).
pub async fn submit(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    mut form: Multipart,
) -> WebResult<Response> {
    let (mut token, mut text, mut image) = (String::new(), String::new(), None);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large().into());
            }
            Err(_) => return Err(Error::new("request.body.invalid", ErrorKind::BadRequest).into()),
        };
        match field.name() {
            Some("_csrf") => token = field.text().await.unwrap_or_default(),
            Some("text") => text = field.text().await.unwrap_or_default(),
            Some("image") => {
                let b = field.bytes().await.map_err(|_| too_large())?;
                if !b.is_empty() {
                    image = Some(b);
                }
            }
            _ => {}
        }
    }
    if !same_secret(&token, ctx.csrf_token()) {
        return Err(Error::forbidden("auth.csrf.invalid").into());
    }
    let mut p = verify_page(&state, &ctx, text.trim().to_owned());
    if let Some(bytes) = image {
        if bytes.len() > super::IMAGE_LIMIT {
            return Err(too_large().into());
        }
        match tokio::task::spawn_blocking(move || read_qr(&bytes)).await {
            Ok(Ok(t)) => p.text = t,
            Ok(Err(e)) => p.error = Some(p.page.tr.error(e.code)),
            Err(_) => p.error = Some(p.page.tr.error("credential.image.invalid")),
        }
    }
    if p.error.is_none() {
        if p.text.is_empty() {
            p.error = Some(p.page.tr.error("credential.text.missing"));
        } else {
            match check(&state, p.text.clone()).await? {
                Ok(v) => fill(&mut p, &v),
                Err(e) => p.error = Some(p.page.tr.error(e.code)),
            }
        }
    }
    let status = if p.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(status, &p))
}

fn fill(p: &mut VerifyPage, v: &Verdict) {
    let tr = &p.page.tr;
    p.verdict = Some(v.code().to_owned());
    p.verdict_class = if matches!(v, Verdict::Valid(_)) {
        "ok"
    } else {
        "alert"
    };
    p.message = tr.t(&format!("verdict-{}", v.code().replace('_', "-")));
    if let Some(c) = v.claims() {
        p.kind = tr.t(&format!("credential-{}", c.kind.code()));
        p.issuer = c.issuer.clone();
        p.expires = both_dates(tr, c.expires);
        p.lines = lines(tr, &c.fields)
            .into_iter()
            .map(|(_, label, value)| Line { label, value })
            .collect();
    }
}

fn too_large() -> Error {
    Error::new("credential.image.too_large", ErrorKind::TooLarge).with_field("image")
}
