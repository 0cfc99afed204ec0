//! The API root: `/api/v1/me` (who am I, with effective permissions), API tokens for machine
//! clients, and the OpenAPI 3.1 document generated from the code at `/api/openapi.json`.

pub mod openapi;
pub mod rules;
pub mod tokens;

use crate::auth::Staff;
use crate::error::{ErrorBody, WebResult};
use crate::state::AppState;
use axum::Router;
use axum::routing::{delete, get};
use daftar_domain::user::User;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi::serve))
        .route("/api/v1/me", get(me))
        .route("/api/v1/tokens", get(tokens::list).post(tokens::create))
        .route("/api/v1/tokens/{token_id}", delete(tokens::revoke))
}

/// The caller and its effective permissions.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Me {
    /// The account.
    pub user: User,
    /// Effective permission codes (narrowed to the token's scopes for token calls).
    pub permissions: Vec<String>,
    /// Whether this call used an API token.
    pub via_token: bool,
}

/// Who is calling.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn me(staff: Staff) -> WebResult<axum::Json<Me>> {
    let permissions = staff
        .principal()
        .permissions()
        .iter()
        .map(|p| p.code().to_owned())
        .collect();
    Ok(axum::Json(Me {
        user: staff.auth.user.clone(),
        permissions,
        via_token: staff.auth.session.is_none(),
    }))
}
