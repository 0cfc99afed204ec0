//! Share codes in public. A verifier (employer, school, bank, police) enters the code the holder
//! gave them, the holder's birth date and who they are, and sees only what that verifier type's
//! purpose allows. Guessing is made useless: codes carry 50 random bits and are stored hashed;
//! an unknown code and a wrong birth date get the same answer; five wrong birth dates lock a code (counted before comparing,
//! in the same transaction, so parallel guesses count too); each client address may fail
//! [`MAX_FAILURES_PER_WINDOW`] times per [`WINDOW`] before it is refused (429), attempts in
//! flight included. The holder opens their own page with the token printed
//! beside the code: every check (who, when, for what, outcome) and a button to cancel the code.

use super::verify::{both_dates, lines};
use crate::auth::{CsrfForm, Ctx};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path};
use crate::i18n::Tr;
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use daftar_store::keyring::{format_error, kind_of};

use daftar_domain::audit::{AccessEntry, AuditCtx, purpose};
use daftar_domain::credential::{ShareCode, VerifierType, normalize_share_code};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::Permission;
use daftar_domain::store::ShareAccess;
use daftar_domain::usecase::share_check::{self, CheckAsk};
use daftar_domain::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use time::OffsetDateTime;

/// Failed checks one client address may make per window.
pub const MAX_FAILURES_PER_WINDOW: u32 = 10;
/// The window.
pub const WINDOW: time::Duration = time::Duration::minutes(15);
/// The rate limit's scope in the store (`SystemStore::take_slot`): the count lives in the
/// database, so a client spreading guesses over several web nodes meets one limit.
const SCOPE: &str = "share.check";

/// The rate limit's key for a client address.
pub(crate) fn limit_key(ip: Option<IpAddr>) -> String {
    ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// The client's address, when the server knows it.
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// SHA-256 (hex) of a normalised share code or holder token.
pub fn hash(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A check request.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CheckRequest {
    /// The code (`ABCDE-FGHJK`; case, spaces and Persian digits do not matter).
    pub code: String,
    /// The holder's birth date, Solar Hijri or Gregorian.
    pub birth_date: String,
    /// `employer`, `school`, `bank`, `police` or `office` (another office, signed in): must be
    /// the type the code was made for.
    pub verifier: String,
    /// The checking organisation's name (shown to the holder).
    pub verifier_name: String,
}

/// What a verifier sees.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckAnswer {
    /// `valid`, `expired` or `not_yet_valid` (a revoked credential is refused with
    /// `credential.revoked`).
    pub verdict: String,
    /// Credential type.
    pub kind: String,
    /// Issuer.
    pub issuer: String,
    /// Not valid after (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub expires: OffsetDateTime,
    /// Only the claims the verifier type's purpose allows.
    pub fields: BTreeMap<String, String>,
    /// For a code made for an office, checked by the signed-in staff of an office: the
    /// holder's access log ("who saw my record"), newest first, this check included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_log: Option<Page<AccessEntry>>,
}

fn anonymous(ctx: &crate::context::RequestCtx, actor: String) -> AuditCtx {
    AuditCtx {
        actor_id: None,
        actor,
        office_id: None,
        purpose: purpose::SERVICE.into(),
        request_id: ctx.request_id.clone(),
    }
}

/// Who checks a code made for an office: staff signed in (both factors) at an office that
/// serves, with `person.read` (an office that does not serve has it withheld); anyone else is
/// refused with `share.office.staff_only` (403) before the code is looked at. The check and
/// the log read are recorded with their office.
fn office_checker(ctx: &crate::context::RequestCtx) -> Result<AuditCtx> {
    match &ctx.auth {
        Some(a)
            if !a.mfa_pending()
                && a.user.office_id.is_some()
                && a.principal.has(Permission::PersonRead) =>
        {
            Ok(a.audit(ctx, purpose::SERVICE))
        }
        _ => Err(Error::forbidden("share.office.staff_only")),
    }
}

/// The whole check, shared by the page and the API: the request is parsed, the attempt counted
/// per address, the code loaded (its failure count goes up in the same transaction), and
/// [`share_check::decide`] says what to tell and what to record (see there for the order).
async fn run(
    state: &AppState,
    ctx: &crate::context::RequestCtx,
    ip: Option<IpAddr>,
    req: CheckRequest,
) -> Result<CheckAnswer> {
    let ask = CheckAsk::parse(
        &req.verifier,
        &req.verifier_name,
        &req.birth_date,
        state.today(),
    )?;
    let office = match ask.verifier {
        VerifierType::Office => Some(office_checker(ctx)?),
        _ => None,
    };
    // A failure slot is taken before the attempt (so parallel attempts count) and given back
    // when the attempt turns out not to be a guess.
    let key = limit_key(ip);
    let k = key.clone();
    if !state
        .db(move |s| s.take_slot(SCOPE, &k, MAX_FAILURES_PER_WINDOW, WINDOW))
        .await?
    {
        return Err(share_check::too_many());
    }
    let code = normalize_share_code(&req.code)?;
    let h = hash(&code);
    let now = state.clock.now();
    let attempt = match state.db(move |s| s.share_code_for_check(&h, now)).await {
        Ok(f) => f,
        Err(e) if e.code == "share.not_found" => return Err(share_check::failed()),
        Err(e) => return Err(e),
    };
    let decision = share_check::decide(&attempt, &ask, now);
    if !decision.counts_as_guess {
        state.db(move |s| s.give_slot(SCOPE, &key)).await?;
    }
    let shown = match &decision.answer {
        Ok(verdict) => {
            let cred = &attempt.credential;
            let kind = kind_of(cred).ok_or_else(|| Error::invalid("credential.kind.invalid"))?;
            let fields = daftar_credential::select(kind, ask.verifier.purpose(), &cred.fields)
                .map_err(format_error)?;
            Some(CheckAnswer {
                verdict: verdict.code().into(),
                kind: kind.code().into(),
                issuer: cred.issuer.clone(),
                expires: cred.expires,
                fields,
                access_log: None,
            })
        }
        Err(_) => None,
    };
    let check = decision.record(&ask, now);
    let actx = office
        .clone()
        .unwrap_or_else(|| anonymous(ctx, format!("verifier:{}", ask.verifier.code())));
    let id = attempt.share.id;
    state
        .db(move |s| s.record_share_check(&actx, id, &check))
        .await?;
    match (shown, decision.answer) {
        (Some(mut answer), _) => {
            if let Some(octx) = office {
                let newest = PageRequest {
                    page: 1,
                    per_page: daftar_domain::page::MAX_PAGE_SIZE,
                };
                answer.access_log = Some(
                    state
                        .db(move |s| s.shared_access_log(&octx, id, now, newest))
                        .await?,
                );
            }
            Ok(answer)
        }
        (None, Err(e)) => Err(e),
        (None, Ok(_)) => Err(Error::internal("share check: no answer")),
    }
}

/// Checks a share code (no login). Unknown codes and wrong birth dates get the same 404
/// (`share.check.failed`); a cancelled, expired or locked code 409; another verifier type 403;
/// too many failures from one address 429. Every check is shown to the holder.
#[utoipa::path(post, path = "/api/v1/share/check", tag = "credentials",
    request_body = CheckRequest,
    responses((status = 200, body = CheckAnswer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn api_check(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ClientIp(ip): ClientIp,
    Json(req): Json<CheckRequest>,
) -> WebResult<axum::Json<CheckAnswer>> {
    Ok(axum::Json(run(&state, &ctx, ip, req).await?))
}

struct Line {
    label: String,
    value: String,
}

#[derive(Template)]
#[template(path = "credentials/share_check.html")]
struct CheckPage {
    page: PageCtx,
    verifiers: Vec<(&'static str, String)>,
    form: FormEcho,
    error: Option<String>,
    result: Option<Shown>,
}

/// The holder's access log under a check by an office: its lines and, when it is longer than
/// the lines shown, how many entries it has.
struct SharedLog {
    lines: Vec<crate::features::persons::access::Line>,
    /// "The newest 200 of N entries…", when there are more.
    more: Option<String>,
}

#[derive(Default)]
struct FormEcho {
    code: String,
    birth_date: String,
    verifier: String,
    verifier_name: String,
}

struct Shown {
    verdict: String,
    verdict_class: &'static str,
    kind: String,
    issuer: String,
    expires: String,
    lines: Vec<Line>,
    access: Option<SharedLog>,
}

/// The verifier types for a select, labelled.
pub(crate) fn verifier_options(tr: &Tr) -> Vec<(&'static str, String)> {
    VerifierType::ALL
        .iter()
        .map(|v| (v.code(), tr.t(&format!("verifier-{}", v.code()))))
        .collect()
}

/// The verifier's form.
pub async fn page(State(state): State<AppState>, Ctx(ctx): Ctx) -> WebResult<Response> {
    let page = PageCtx::new(&state, &ctx);
    let verifiers = verifier_options(&page.tr);
    Ok(render(
        StatusCode::OK,
        &CheckPage {
            page,
            verifiers,
            form: FormEcho::default(),
            error: None,
            result: None,
        },
    ))
}

/// The form posted.
pub async fn submit(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ClientIp(ip): ClientIp,
    CsrfForm(req): CsrfForm<CheckRequest>,
) -> WebResult<Response> {
    let form = FormEcho {
        code: req.code.clone(),
        birth_date: req.birth_date.clone(),
        verifier: req.verifier.clone(),
        verifier_name: req.verifier_name.clone(),
    };
    let r = run(&state, &ctx, ip, req).await;
    let page = PageCtx::new(&state, &ctx);
    let verifiers = verifier_options(&page.tr);
    let (status, error, result) = match r {
        Ok(a) => {
            let tr = &page.tr;
            let expires = both_dates(tr, a.expires.unix_timestamp());
            let shown = Shown {
                verdict_class: if a.verdict == "valid" { "ok" } else { "alert" },
                verdict: tr.t(&format!("verdict-{}", a.verdict.replace('_', "-"))),
                kind: tr.t(&format!("credential-{}", a.kind)),
                issuer: a.issuer,
                expires,
                lines: lines(tr, &a.fields)
                    .into_iter()
                    .map(|(_, label, value)| Line { label, value })
                    .collect(),
                access: a.access_log.map(|log| SharedLog {
                    lines: log
                        .items
                        .iter()
                        .map(|e| crate::features::persons::access::line(&page, e))
                        .collect(),
                    more: (log.total > log.items.len() as u64).then(|| {
                        tr.ta(
                            "share-access-more",
                            &[("shown", tr.num(log.items.len())), ("n", tr.num(log.total))],
                        )
                    }),
                }),
            };
            (StatusCode::OK, None, Some(shown))
        }
        Err(e) => (
            StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
            Some(page.tr.error(e.code)),
            None,
        ),
    };
    Ok(render(
        status,
        &CheckPage {
            page,
            verifiers,
            form,
            error,
            result,
        },
    ))
}

#[derive(Template)]
#[template(path = "credentials/share_manage.html")]
struct ManagePage {
    page: PageCtx,
    token: String,
    share: ShareCode,
    verifier: String,
    state: String,
    created: String,
    expires: String,
    checks: Vec<(String, String, String, String)>,
}

fn holder_ctx(ctx: &crate::context::RequestCtx) -> AuditCtx {
    anonymous(ctx, "holder".into())
}

/// The label of a share code's state.
pub fn share_state(tr: &Tr, s: &ShareCode, now: OffsetDateTime) -> String {
    let code = match s.usable(now) {
        Ok(()) => "share-state-active",
        Err(e) if e.code == "share.code.cancelled" => "share-state-cancelled",
        Err(e) if e.code == "share.code.expired" => "share-state-expired",
        Err(_) => "share-state-locked",
    };
    tr.t(code)
}

/// The checks of a share code as (when, verifier type, name, outcome) lines.
pub fn check_lines(tr: &Tr, s: &ShareCode) -> Vec<(String, String, String, String)> {
    s.checks
        .iter()
        .map(|c| {
            (
                tr.datetime(&c.at),
                tr.t(&format!("verifier-{}", c.verifier.code())),
                c.verifier_name.clone(),
                tr.t(&format!("share-outcome-{}", c.outcome.replace('_', "-"))),
            )
        })
        .collect()
}

/// The holder's page: every check made with the code; cancel.
pub async fn manage(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(token): Path<String>,
) -> WebResult<Response> {
    let h = hash(token.trim());
    let actx = holder_ctx(&ctx);
    let share = state.db(move |s| s.share_code_by_manage(&actx, &h)).await?;
    let page = PageCtx::new(&state, &ctx);
    let tr = &page.tr;
    let p = ManagePage {
        verifier: tr.t(&format!("verifier-{}", share.verifier.code())),
        state: share_state(tr, &share, state.now()),
        created: tr.datetime(&share.created_at),
        expires: tr.datetime(&share.expires_at),
        checks: check_lines(tr, &share),
        token,
        share,
        page,
    };
    Ok(render(StatusCode::OK, &p))
}

/// The holder cancels the code.
pub async fn manage_cancel(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(token): Path<String>,
    CsrfForm(_): CsrfForm<crate::auth::NoFields>,
) -> WebResult<Response> {
    let h = hash(token.trim());
    let actx = holder_ctx(&ctx);
    state
        .db(move |s| {
            let share = s.share_code_by_manage(&actx, &h)?;
            s.cancel_share_code(&actx, share.id, &ShareAccess::Holder(h))
        })
        .await?;
    Ok(Redirect::to(&format!("/share/manage/{}", token.trim())).into_response())
}
