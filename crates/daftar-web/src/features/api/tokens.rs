//! API tokens: bearer secrets for machine clients, scoped to a subset of the owner's
//! permissions, revocable. Creating one needs a signed-in session with a recent step-up (a
//! token cannot mint tokens). The secret is shown once; the store keeps its SHA-256. A token
//! that may reach persons' records (`person.read`, `person.write`, `person.merge`,
//! `person.export`) names its purpose and lives at most 90 days (issue 22); its single-person
//! reads are counted apart from its owner's for the bulk-read alarm, and the auditor lists
//! every token with its reads (`/audit/tokens`, `GET /api/v1/audit/tokens`).

use crate::auth::{Staff, random_token};
use crate::error::{AppError, ErrorBody, WebResult};
use crate::extract::{Json, Path};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use daftar_domain::audit::purpose;
use daftar_domain::ids::ApiTokenId;
use daftar_domain::permission::Permission;
use daftar_domain::session::{ApiToken, IssueToken, secret_hash};
use serde::{Deserialize, Serialize};

/// A request for a new token.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewToken {
    /// A name to recognise it by (1–80 characters).
    pub name: String,
    /// Permission codes, each held by the caller.
    pub scopes: Vec<String>,
    /// Lifetime in days (1–365, default 90; at most 90 for a token that may read persons).
    pub expires_in_days: Option<i64>,
    /// What the token is for (5–300 characters): required when a scope reaches persons'
    /// records (`person.read`, `person.write`, `person.merge`, `person.export`).
    #[serde(default)]
    pub purpose: String,
}

/// A created token, with its secret (shown only here).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    /// The stored token.
    pub token: ApiToken,
    /// The bearer secret: `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// Validates a token request against the caller's permissions ([`IssueToken`]) and creates
/// the record with a fresh secret.
pub fn build(staff: &Staff, req: &NewToken) -> daftar_domain::Result<(ApiToken, String)> {
    staff.principal().require(Permission::TokenManage)?;
    let issue = IssueToken::parse(
        &req.name,
        &req.scopes,
        req.expires_in_days,
        &req.purpose,
        |p| staff.principal().has(p),
    )?;
    let secret = format!("dft_{}", random_token(32));
    let token = issue.token(staff.auth.user.id, secret_hash(&secret), staff.ctx.now);
    Ok((token, secret))
}

/// The caller's tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth", responses((status = 200, body = Vec<ApiToken>), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
) -> WebResult<axum::Json<Vec<ApiToken>>> {
    let id = staff.auth.user.id;
    Ok(axum::Json(state.db(move |s| s.list_api_tokens(id)).await?))
}

/// Creates a token (session with a recent step-up only; send `x-csrf-token`).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    Json(req): Json<NewToken>,
) -> WebResult<(StatusCode, axum::Json<CreatedToken>)> {
    staff.require_step_up(&state.config.session)?;
    let (token, secret) = build(&staff, &req)?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let stored = token.clone();
    state.db(move |s| s.create_api_token(&ctx, &stored)).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedToken { token, secret }),
    ))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{token_id}", tag = "auth", params(("token_id" = String, Path, description = "Token id")),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<ApiTokenId>,
) -> WebResult<StatusCode> {
    let (ctx, user) = (staff.audit(purpose::ADMINISTRATION), staff.auth.user.id);
    state
        .db(move |s| s.revoke_api_token(&ctx, user, id))
        .await
        .map_err(AppError)?;
    Ok(StatusCode::NO_CONTENT)
}
