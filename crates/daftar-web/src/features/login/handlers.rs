//! Handlers for login, second factor, step-up and logout.

use crate::auth::throttle::{Attempt, ClientAddr};
use crate::auth::{self, CsrfForm, Ctx, SESSION_COOKIE, Staff, password, totp};
use crate::error::{AppError, WebResult};
use crate::extract::Query;
use crate::pages::{PageCtx, render, safe_next};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use daftar_domain::audit::{AuditCtx, purpose};
use daftar_domain::session::{Session, secret_hash};
use daftar_domain::user::{UserStatus, Username};
use daftar_domain::{Error, ErrorKind};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login/login.html")]
struct LoginPage {
    page: PageCtx,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "login/code.html")]
struct CodePage {
    page: PageCtx,
    next: String,
    action: &'static str,
    title: &'static str,
    intro: &'static str,
    error: Option<String>,
    with_password: bool,
}

/// `?next=` on login pages.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_page(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Query(q): Query<NextQuery>,
) -> Response {
    if ctx.auth.as_ref().is_some_and(|a| !a.mfa_pending()) {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    let page = PageCtx::new(&state, &ctx);
    render(
        StatusCode::OK,
        &LoginPage {
            page,
            next: safe_next(q.next.as_deref()),
            username: String::new(),
            error: None,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

fn anon_ctx(request_id: &str, username: &str) -> AuditCtx {
    AuditCtx {
        actor_id: None,
        actor: username.to_owned(),
        office_id: None,
        purpose: purpose::AUTHENTICATION.into(),
        request_id: request_id.to_owned(),
    }
}

pub async fn login_submit(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    client: ClientAddr,
    headers: axum::http::HeaderMap,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> WebResult<Response> {
    let next = safe_next(form.next.as_deref());
    let name = form.username.trim().to_ascii_lowercase();
    let fail_why = |status: StatusCode, code: &str, why: Option<&str>| {
        let page = PageCtx::new(&state, &ctx);
        let mut error = page.tr.error(code);
        if let Some(why) = why {
            error = format!("{error} {}", page.tr.t(why));
        }
        let error = Some(error);
        render(
            status,
            &LoginPage {
                page,
                next: next.clone(),
                username: form.username.clone(),
                error,
            },
        )
    };
    let fail = |status: StatusCode, code: &str| fail_why(status, code, None);
    if name.is_empty()
        || name.chars().count() > 64
        || form.password.is_empty()
        || form.password.len() > 1024
    {
        return Ok(fail(StatusCode::UNAUTHORIZED, "auth.login.invalid"));
    }
    let now = state.clock.now();
    let attempt = Attempt::new(&name, &client);
    let counts = attempt.counts(&state).await?;
    if counts.locked(&state) {
        return Ok(fail(StatusCode::LOCKED, "auth.login.locked"));
    }
    let found = match Username::parse(&name) {
        Ok(u) => state.db(move |s| s.user_auth_by_username(&u)).await?,
        Err(_) => None,
    };
    let pw = form.password.clone();
    let phc = found.as_ref().map(|f| f.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || {
        password::verify(&pw, phc.as_deref().unwrap_or(password::dummy_hash()))
    })
    .await
    .map_err(|e| Error::internal(e.to_string()))?;
    let user = found.filter(|f| ok && f.user.status == UserStatus::Active);
    let Some(ua) = user else {
        let actx = anon_ctx(&ctx.request_id, &name);
        if attempt.failed(&state, actx, "auth.login.failed").await? {
            return Ok(fail(StatusCode::LOCKED, "auth.login.locked"));
        }
        return Ok(fail(StatusCode::UNAUTHORIZED, "auth.login.invalid"));
    };
    attempt.succeeded(&state).await?;
    let role = state.role_def(&ua.user.role)?;
    // Staff of a suspended or closed office are cut off: no session (authority roles and
    // registered persons keep what `Principal::with_office_status` leaves them).
    let user = ua.user.clone();
    let today = state.clock.today();
    let office_status = state
        .db(move |s| auth::office_status(s, &user, today))
        .await?;
    if auth::principal_for(&ua.user, &role, office_status).cut_off() {
        let actx = AuditCtx {
            actor_id: Some(ua.user.id),
            actor: ua.user.username.as_str().to_owned(),
            office_id: ua.user.office_id,
            purpose: purpose::AUTHENTICATION.into(),
            request_id: ctx.request_id.clone(),
        };
        let ev = daftar_domain::audit::AuditEvent::new("auth.login.refused", "user", ua.user.id)
            .with_details(serde_json::json!({
                "reason": "office.inactive",
                "office_status": office_status.status.code(),
                "licence": office_status.licence.code(),
            }));
        state.db(move |s| s.append_audit(&actx, &ev)).await?;
        // Cut off by the office's licence: the page says why (suspended, revoked, expired).
        let why = (!office_status.licence.serves())
            .then(|| format!("licence-cut-{}", office_status.licence.code()));
        return Ok(fail_why(
            StatusCode::FORBIDDEN,
            "office.inactive",
            why.as_deref(),
        ));
    }
    let needs_mfa = ua.user.totp_enabled || role.totp_required;
    let secret = auth::random_token(32);
    let session = Session {
        id: Default::default(),
        token_hash: secret_hash(&secret),
        user_id: ua.user.id,
        csrf_token: auth::random_token(24),
        mfa_ok: !needs_mfa,
        created_at: now,
        last_seen_at: now,
        step_up_at: if needs_mfa { None } else { Some(now) },
        revoked_at: None,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .filter(|c| *c != '\0')
            .take(200)
            .collect(),
    };
    let actx = AuditCtx {
        actor_id: Some(ua.user.id),
        actor: ua.user.username.as_str().to_owned(),
        office_id: ua.user.office_id,
        purpose: purpose::AUTHENTICATION.into(),
        request_id: ctx.request_id.clone(),
    };
    state.db(move |s| s.create_session(&actx, &session)).await?;
    let target = if !needs_mfa {
        next
    } else if ua.user.totp_enabled {
        format!("/login/totp?next={}", crate::pages::encode_next(&next))
    } else {
        "/profile/totp".to_owned()
    };
    let cookie = auth::cookie(SESSION_COOKIE, &secret, state.config.secure_cookies, None);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&target)).into_response())
}

/// The session that still owes its second factor, or an error that sends the user to login.
fn pending(ctx: &crate::context::RequestCtx) -> Result<crate::auth::Auth, AppError> {
    ctx.auth
        .clone()
        .filter(|a| a.session.is_some())
        .ok_or_else(|| AppError(Error::new("auth.required", ErrorKind::Unauthenticated)))
}

pub async fn totp_page(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Query(q): Query<NextQuery>,
) -> WebResult<Response> {
    let a = pending(&ctx)?;
    if !a.mfa_pending() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    if !a.user.totp_enabled {
        return Ok(Redirect::to("/profile/totp").into_response());
    }
    let page = PageCtx::new(&state, &ctx);
    Ok(render(
        StatusCode::OK,
        &CodePage {
            page,
            next: safe_next(q.next.as_deref()),
            action: "/login/totp",
            title: "mfa-title",
            intro: "mfa-intro",
            error: None,
            with_password: false,
        },
    ))
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Records a passed second factor or step-up on the caller's session, then goes to `next`.
async fn verified(
    state: &AppState,
    ctx: &crate::context::RequestCtx,
    a: &crate::auth::Auth,
    next: &str,
) -> WebResult<Response> {
    if let Some(id) = a.session.as_ref().map(|s| s.id) {
        let actx = a.audit(ctx, purpose::AUTHENTICATION);
        let now = state.clock.now();
        state
            .db(move |s| s.update_session_auth(&actx, id, true, Some(now)))
            .await?;
    }
    Ok(Redirect::to(next).into_response())
}

/// Checks a TOTP code for the caller with brute-force protection (the sign-in throttle, see
/// `auth::throttle`); a code whose time step was used already is refused (each code works once,
/// recorded in the database so this holds across web nodes).
async fn check_code(
    state: &AppState,
    ctx: &crate::context::RequestCtx,
    a: &crate::auth::Auth,
    client: &ClientAddr,
    code: &str,
    action: &str,
) -> WebResult<Result<(), &'static str>> {
    let attempt = Attempt::new(a.user.username.as_str(), client);
    let counts = attempt.counts(state).await?;
    if counts.locked(state) {
        return Ok(Err("auth.login.locked"));
    }
    let id = a.user.id;
    let ua = state.db(move |s| s.user_auth(id)).await?;
    let unix = u64::try_from(state.clock.now().unix_timestamp()).unwrap_or(0);
    let step = ua
        .totp_secret
        .as_deref()
        .and_then(|sec| totp::matching_step(sec, code, unix))
        .and_then(|s| i64::try_from(s).ok());
    let fresh = match step {
        Some(step) => state.db(move |s| s.use_totp_step(id, step)).await?,
        None => false,
    };
    if fresh {
        attempt.succeeded(state).await?;
        return Ok(Ok(()));
    }
    let actx = a.audit(ctx, purpose::AUTHENTICATION);
    let locked = attempt.failed(state, actx, action).await?;
    Ok(Err(if locked {
        "auth.login.locked"
    } else {
        "auth.totp.invalid"
    }))
}

pub async fn totp_submit(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    client: ClientAddr,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> WebResult<Response> {
    let a = pending(&ctx)?;
    let next = safe_next(form.next.as_deref());
    match check_code(&state, &ctx, &a, &client, &form.code, "auth.totp.failed").await? {
        Ok(()) => verified(&state, &ctx, &a, &next).await,
        Err(code) => {
            let status = if code == "auth.login.locked" {
                StatusCode::LOCKED
            } else {
                StatusCode::UNAUTHORIZED
            };
            let page = PageCtx::new(&state, &ctx);
            let error = Some(page.tr.error(code));
            Ok(render(
                status,
                &CodePage {
                    page,
                    next,
                    action: "/login/totp",
                    title: "mfa-title",
                    intro: "mfa-intro",
                    error,
                    with_password: false,
                },
            ))
        }
    }
}

pub async fn reauth_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<NextQuery>,
) -> Response {
    let page = PageCtx::new(&state, &staff.ctx);
    let with_password = !staff.auth.user.totp_enabled;
    render(
        StatusCode::OK,
        &CodePage {
            page,
            next: safe_next(q.next.as_deref()),
            action: "/reauth",
            title: "reauth-title",
            intro: "reauth-intro",
            error: None,
            with_password,
        },
    )
}

pub async fn reauth_submit(
    State(state): State<AppState>,
    staff: Staff,
    client: ClientAddr,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> WebResult<Response> {
    let next = safe_next(form.next.as_deref());
    let a = &staff.auth;
    let with_password = !a.user.totp_enabled;
    let result = if a.user.totp_enabled {
        check_code(
            &state,
            &staff.ctx,
            a,
            &client,
            &form.code,
            "auth.reauth.failed",
        )
        .await?
    } else {
        check_password(
            &state,
            &staff,
            &client,
            &form.password,
            "auth.reauth.failed",
        )
        .await?
    };
    match result {
        Ok(()) => verified(&state, &staff.ctx, a, &next).await,
        Err(code) => {
            let page = PageCtx::new(&state, &staff.ctx);
            let error = Some(page.tr.error(code));
            let status = if code == "auth.login.locked" {
                StatusCode::LOCKED
            } else {
                StatusCode::UNAUTHORIZED
            };
            Ok(render(
                status,
                &CodePage {
                    page,
                    next,
                    action: "/reauth",
                    title: "reauth-title",
                    intro: "reauth-intro",
                    error,
                    with_password,
                },
            ))
        }
    }
}

/// Checks the signed-in user's password (step-up, password change) with the sign-in throttle:
/// `Err("auth.login.locked")` while locked, `Err("auth.reauth.invalid")` for a wrong one
/// (audited as `action`, counted towards the lockout).
pub(crate) async fn check_password(
    state: &AppState,
    staff: &Staff,
    client: &ClientAddr,
    password: &str,
    action: &str,
) -> WebResult<Result<(), &'static str>> {
    let attempt = Attempt::new(staff.auth.user.username.as_str(), client);
    let counts = attempt.counts(state).await?;
    if counts.locked(state) {
        return Ok(Err("auth.login.locked"));
    }
    let id = staff.auth.user.id;
    let ua = state.db(move |s| s.user_auth(id)).await?;
    let pw = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &ua.password_hash))
        .await
        .map_err(|e| Error::internal(e.to_string()))?;
    if ok {
        attempt.succeeded(state).await?;
        return Ok(Ok(()));
    }
    let actx = staff.audit(purpose::AUTHENTICATION);
    Ok(Err(if attempt.failed(state, actx, action).await? {
        "auth.login.locked"
    } else {
        "auth.reauth.invalid"
    }))
}

#[derive(Debug, Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    CsrfForm(_): CsrfForm<Empty>,
) -> WebResult<Response> {
    if let Some(a) = &ctx.auth
        && let Some(sess) = &a.session
    {
        let (actx, id) = (a.audit(&ctx, purpose::AUTHENTICATION), sess.id);
        state.db(move |s| s.revoke_session(&actx, id)).await?;
    }
    let cookie = auth::cookie(SESSION_COOKIE, "", state.config.secure_cookies, Some(0));
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}
