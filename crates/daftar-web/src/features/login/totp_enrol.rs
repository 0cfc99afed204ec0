//! TOTP enrolment (`/profile/totp`): a new secret shown as QR and text, confirmed with a code.
//! Reachable before the second factor only for users whose role requires TOTP and who have
//! none yet (forced enrolment at first login). Disabling needs a step-up and is refused for
//! roles that require TOTP.

use crate::auth::{Auth, CsrfForm, Ctx, Staff, totp};
use crate::error::{AppError, WebResult};
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use daftar_domain::audit::purpose;
use daftar_domain::{Error, ErrorKind};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login/totp_enrol.html")]
struct EnrolPage {
    page: PageCtx,
    enabled: bool,
    required: bool,
    secret: String,
    qr_svg: String,
    error: Option<String>,
}

/// The caller if it may use this page: fully signed in, or owing enrolment.
fn caller(ctx: &crate::context::RequestCtx) -> Result<Auth, AppError> {
    let a = ctx
        .auth
        .clone()
        .ok_or_else(|| AppError(Error::new("auth.required", ErrorKind::Unauthenticated)))?;
    if a.mfa_pending() && !a.must_enrol_totp() {
        return Err(AppError(Error::new(
            "auth.mfa.required",
            ErrorKind::Unauthenticated,
        )));
    }
    Ok(a)
}

fn enrol_page(
    state: &AppState,
    ctx: &crate::context::RequestCtx,
    a: &Auth,
    secret: String,
    error: Option<String>,
) -> WebResult<EnrolPage> {
    let url = totp::otpauth_url(&secret, a.user.username.as_str())?;
    Ok(EnrolPage {
        page: PageCtx::new(state, ctx),
        enabled: a.user.totp_enabled,
        required: a.role.totp_required,
        qr_svg: totp::qr_svg(&url)?,
        secret,
        error,
    })
}

pub async fn page(State(state): State<AppState>, Ctx(ctx): Ctx) -> WebResult<Response> {
    let a = caller(&ctx)?;
    if a.user.totp_enabled {
        let p = EnrolPage {
            page: PageCtx::new(&state, &ctx),
            enabled: true,
            required: a.role.totp_required,
            secret: String::new(),
            qr_svg: String::new(),
            error: None,
        };
        return Ok(render(StatusCode::OK, &p));
    }
    Ok(render(
        StatusCode::OK,
        &enrol_page(&state, &ctx, &a, totp::new_secret(), None)?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
}

pub async fn submit(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    CsrfForm(form): CsrfForm<EnrolForm>,
) -> WebResult<Response> {
    let a = caller(&ctx)?;
    if form.action == "disable" {
        let staff = Staff {
            auth: a.clone(),
            ctx: ctx.clone(),
        };
        if a.role.totp_required {
            return Err(AppError(Error::forbidden("auth.totp.required_by_role")));
        }
        staff.require_step_up(&state.config.session)?;
        let (actx, id) = (staff.audit(purpose::AUTHENTICATION), a.user.id);
        state.db(move |s| s.set_totp(&actx, id, None)).await?;
        return Ok(Redirect::to("/profile").into_response());
    }
    if a.user.totp_enabled {
        return Err(AppError(Error::conflict("auth.totp.already_enabled")));
    }
    let secret = form.secret.trim().to_owned();
    let valid_secret = (16..=64).contains(&secret.len())
        && secret
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b));
    if !valid_secret {
        return Err(AppError(Error::invalid("auth.totp.secret_invalid")));
    }
    if !totp::check(&secret, &form.code, state.clock.now()) {
        let p = enrol_page(&state, &ctx, &a, secret, None)?;
        let error = Some(p.page.tr.error("auth.totp.invalid"));
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &EnrolPage { error, ..p },
        ));
    }
    let actx = a.audit(&ctx, purpose::AUTHENTICATION);
    let (id, sid) = (a.user.id, a.session.as_ref().map(|s| s.id));
    let actx2 = actx.clone();
    state
        .db(move |s| s.set_totp(&actx, id, Some(&secret)))
        .await?;
    if let Some(sid) = sid {
        let now = state.clock.now();
        state
            .db(move |s| s.update_session_auth(&actx2, sid, true, Some(now)))
            .await?;
    }
    Ok(Redirect::to("/").into_response())
}
