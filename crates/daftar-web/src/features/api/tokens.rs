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
use daftar_domain::Error;
use daftar_domain::audit::purpose;
use daftar_domain::ids::ApiTokenId;
use daftar_domain::permission::Permission;
use daftar_domain::session::{ApiToken, PERSON_TOKEN_MAX_DAYS, reads_persons, secret_hash};
use serde::{Deserialize, Serialize};
use time::Duration;

/// Longest token lifetime.
pub const MAX_TOKEN_DAYS: i64 = 365;

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

/// Validates a token request against the caller's permissions and creates the record.
pub fn build(staff: &Staff, req: &NewToken) -> daftar_domain::Result<(ApiToken, String)> {
    staff.principal().require(Permission::TokenManage)?;
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Error::invalid("token.name.invalid").with_field("name"));
    }
    if req.scopes.is_empty() {
        return Err(Error::invalid("token.scopes.empty").with_field("scopes"));
    }
    let mut scopes = vec![];
    for s in &req.scopes {
        let p: Permission = s.parse()?;
        if !staff.principal().has(p) {
            return Err(Error::invalid("token.scope.not_held")
                .with_details(serde_json::json!({ "field": "scopes", "scope": s })));
        }
        scopes.push(p.code().to_owned());
    }
    let days = req.expires_in_days.unwrap_or(PERSON_TOKEN_MAX_DAYS);
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(Error::invalid("token.expiry.invalid").with_field("expires_in_days"));
    }
    let purpose = req.purpose.trim();
    if purpose.chars().count() > 300 || purpose.chars().any(char::is_control) {
        return Err(Error::invalid("token.purpose.invalid").with_field("purpose"));
    }
    let person_data = scopes
        .iter()
        .filter_map(|s| s.parse::<Permission>().ok())
        .any(reads_persons);
    if person_data {
        if days > PERSON_TOKEN_MAX_DAYS {
            return Err(Error::invalid("token.expiry.person_data")
                .with_field("expires_in_days")
                .with_detail("max_days", serde_json::json!(PERSON_TOKEN_MAX_DAYS)));
        }
        if purpose.chars().count() < 5 {
            return Err(Error::invalid("token.purpose.required").with_field("purpose"));
        }
    }
    let now = staff.ctx.now;
    let secret = format!("dft_{}", random_token(32));
    let token = ApiToken {
        id: ApiTokenId::new(),
        user_id: staff.auth.user.id,
        name: name.to_owned(),
        purpose: purpose.to_owned(),
        scopes,
        token_hash: secret_hash(&secret),
        created_at: daftar_domain::audit::truncate_ms(now),
        expires_at: Some(daftar_domain::audit::truncate_ms(
            now + Duration::days(days),
        )),
        revoked_at: None,
    };
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
