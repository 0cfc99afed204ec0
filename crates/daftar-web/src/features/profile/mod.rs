//! The profile of the signed-in user: language, password, two-step verification (the page is
//! in `login/`), sessions (revocable one by one) and API tokens (created with a step-up, secret
//! shown once, revocable).

use crate::auth::{CsrfForm, Staff, password};
use crate::error::{AppError, WebResult};
use crate::extract::{Path, Query};
use crate::features::api::tokens::{self, NewToken};
use crate::i18n::locale_info;
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use daftar_domain::audit::purpose;
use daftar_domain::ids::{ApiTokenId, SessionId};
use daftar_domain::session::{ApiToken, Session};
use daftar_domain::user::check_password_policy;
use daftar_domain::{Error, ErrorKind};
use serde::Deserialize;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/profile", get(show))
        .route("/profile/locale", post(set_locale))
        .route("/profile/password", post(change_password))
        .route(
            "/profile/sessions/{session_id}/revoke",
            post(revoke_session),
        )
        .route("/profile/tokens", post(create_token))
        .route("/profile/tokens/{token_id}/revoke", post(revoke_token))
}

/// A session row for the page.
#[derive(Debug)]
struct SessionRow {
    session: Session,
    current: bool,
    live: bool,
}

#[derive(Template)]
#[template(path = "profile/profile.html")]
struct ProfilePage {
    page: PageCtx,
    username: String,
    totp_enabled: bool,
    sessions: Vec<SessionRow>,
    tokens: Vec<ApiToken>,
    permissions: Vec<String>,
    can_tokens: bool,
    notice: Option<String>,
    error: Option<String>,
    new_secret: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Done {
    done: Option<String>,
}

async fn profile_page(
    state: &AppState,
    staff: &Staff,
    notice: Option<String>,
    error: Option<String>,
    new_secret: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let id = staff.auth.user.id;
    let sessions = state.db(move |s| s.list_sessions(id)).await?;
    let tokens = state.db(move |s| s.list_api_tokens(id)).await?;
    let now = state.clock.now();
    let current = staff.auth.session.as_ref().map(|s| s.id);
    let sessions = sessions
        .into_iter()
        .map(|s| SessionRow {
            live: s.is_live(&state.config.session, now),
            current: Some(s.id) == current,
            session: s,
        })
        .collect();
    let p = staff.principal();
    Ok(render(
        status,
        &ProfilePage {
            page: PageCtx::new(state, &staff.ctx),
            username: staff.auth.user.username.as_str().to_owned(),
            totp_enabled: staff.auth.user.totp_enabled,
            sessions,
            tokens,
            permissions: p
                .permissions()
                .iter()
                .map(|p| p.code().to_owned())
                .collect(),
            can_tokens: p.has(daftar_domain::permission::Permission::TokenManage),
            notice,
            error,
            new_secret,
        },
    ))
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<Done>,
) -> WebResult<Response> {
    let tr = PageCtx::new(&state, &staff.ctx).tr;
    let notice = q
        .done
        .filter(|d| ["locale", "password", "session", "token"].contains(&d.as_str()))
        .map(|d| tr.t(&format!("profile-done-{d}")));
    profile_page(&state, &staff, notice, None, None, StatusCode::OK).await
}

/// Re-renders the profile with a translated error for a user mistake; store failures propagate.
async fn fail(state: &AppState, staff: &Staff, e: Error) -> WebResult<Response> {
    if e.kind.status() >= 500 || e.kind == ErrorKind::Unauthenticated {
        return Err(AppError(e));
    }
    let msg = PageCtx::new(state, &staff.ctx).tr.error(e.code);
    profile_page(
        state,
        staff,
        None,
        Some(msg),
        None,
        StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::BAD_REQUEST),
    )
    .await
}

#[derive(Debug, Deserialize)]
struct LocaleForm {
    #[serde(default)]
    locale: String,
}

async fn set_locale(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(f): CsrfForm<LocaleForm>,
) -> WebResult<Response> {
    let Some(info) = locale_info(&f.locale) else {
        return fail(&state, &staff, Error::invalid("profile.locale.invalid")).await;
    };
    let (ctx, id) = (staff.audit(purpose::ADMINISTRATION), staff.auth.user.id);
    state
        .db(move |s| s.set_locale(&ctx, id, Some(info.tag)))
        .await?;
    Ok(Redirect::to("/profile?done=locale").into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

async fn change_password(
    State(state): State<AppState>,
    staff: Staff,
    client: crate::auth::throttle::ClientAddr,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> WebResult<Response> {
    let id = staff.auth.user.id;
    // The current password is checked like a sign-in: counted, audited, locked after repeats.
    match crate::features::login::check_password(
        &state,
        &staff,
        &client,
        &f.current,
        "auth.password.failed",
    )
    .await?
    {
        Ok(()) => {}
        Err("auth.login.locked") => {
            return fail(
                &state,
                &staff,
                Error::new("auth.login.locked", daftar_domain::ErrorKind::Locked),
            )
            .await;
        }
        Err(_) => {
            return fail(
                &state,
                &staff,
                Error::invalid("profile.password.current_wrong").with_field("current"),
            )
            .await;
        }
    }
    if f.new != f.repeat {
        return fail(
            &state,
            &staff,
            Error::invalid("profile.password.mismatch").with_field("repeat"),
        )
        .await;
    }
    if let Err(e) = check_password_policy(&f.new) {
        return fail(&state, &staff, e).await;
    }
    let new = f.new.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .map_err(|e| Error::internal(e.to_string()))??;
    let ctx = staff.audit(purpose::AUTHENTICATION);
    let keep = staff.auth.session.as_ref().map(|s| s.id);
    state
        .db(move |s| {
            s.set_password(&ctx, id, &hash)?;
            s.revoke_user_sessions(&ctx, id, keep).map(|_| ())
        })
        .await?;
    Ok(Redirect::to("/profile?done=password").into_response())
}

#[derive(Debug, Deserialize)]
struct Empty {}

async fn revoke_session(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<SessionId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> WebResult<Response> {
    let user = staff.auth.user.id;
    let mine = state
        .db(move |s| s.list_sessions(user))
        .await?
        .iter()
        .any(|s| s.id == id);
    if !mine {
        return Err(AppError(Error::not_found("session.not_found")));
    }
    let ctx = staff.audit(purpose::ADMINISTRATION);
    state.db(move |s| s.revoke_session(&ctx, id)).await?;
    Ok(Redirect::to("/profile?done=session").into_response())
}

/// The token form's fields.
#[derive(Debug, Default)]
struct TokenForm {
    name: String,
    days: String,
    purpose: String,
    scope: Vec<String>,
}

async fn create_token(
    State(state): State<AppState>,
    staff: Staff,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    // Checkbox lists repeat the field name, which the generic form extractor cannot express.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError(Error::new("request.body.invalid", ErrorKind::BadRequest)))?;
    if pairs
        .iter()
        .any(|(k, v)| k.contains('\0') || v.contains('\0'))
    {
        return Err(AppError(Error::new(
            "request.body.invalid",
            ErrorKind::BadRequest,
        )));
    }
    let token = pairs
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if !crate::auth::same_secret(token, staff.ctx.csrf_token()) {
        return Err(AppError(Error::forbidden("auth.csrf.invalid")));
    }
    let field = |n: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let f = TokenForm {
        name: field("name"),
        days: field("days"),
        purpose: field("purpose"),
        scope: pairs
            .iter()
            .filter(|(k, _)| k == "scope")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    staff.require_step_up(&state.config.session)?;
    let days = if f.days.trim().is_empty() {
        None
    } else {
        Some(f.days.trim().parse::<i64>().unwrap_or(0))
    };
    let req = NewToken {
        name: f.name,
        scopes: f.scope,
        expires_in_days: days,
        purpose: f.purpose,
    };
    let (token, secret) = match tokens::build(&staff, &req) {
        Ok(t) => t,
        Err(e) => return fail(&state, &staff, e).await,
    };
    let ctx = staff.audit(purpose::ADMINISTRATION);
    state.db(move |s| s.create_api_token(&ctx, &token)).await?;
    let notice = Some(PageCtx::new(&state, &staff.ctx).tr.t("profile-done-token"));
    profile_page(
        &state,
        &staff,
        notice,
        None,
        Some(secret),
        StatusCode::CREATED,
    )
    .await
}

async fn revoke_token(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<ApiTokenId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> WebResult<Response> {
    let (ctx, user) = (staff.audit(purpose::ADMINISTRATION), staff.auth.user.id);
    state
        .db(move |s| s.revoke_api_token(&ctx, user, id))
        .await?;
    Ok(Redirect::to("/profile?done=token").into_response())
}
