//! What the bulk-read alarm shows (issue 22; `daftar_domain::read_watch`): the alarms raised,
//! for the office manager (their office) and the auditor (every office) — on their home page
//! and at `GET /api/v1/read-alarms` — and every API token with its purpose, expiry and
//! single-person reads for the auditor (`/audit/tokens`, `GET /api/v1/audit/tokens`).

use crate::auth::Staff;
use crate::error::{ErrorBody, WebResult};
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use daftar_domain::permission::{Permission, Principal, Reach};
use daftar_domain::read_watch::{ReadAlarm, TokenUsage};
use time::OffsetDateTime;

/// How far back the home page and the API list alarms.
pub const ALARM_DAYS: i64 = 7;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit/tokens", get(tokens_page))
        .route("/api/v1/audit/tokens", get(api_tokens))
        .route("/api/v1/read-alarms", get(api_alarms))
}

/// Whose alarms the caller sees: every office's for the auditor (`audit.read`), their own
/// office's for an office manager (`user.manage`); `None` for everyone else.
pub fn alarm_reach(p: &Principal) -> Option<Reach> {
    if p.has(Permission::AuditRead) {
        return p.reach(Permission::AuditRead).ok();
    }
    if p.has(Permission::UserManage) {
        return p.reach(Permission::UserManage).ok();
    }
    None
}

/// The alarms of the last [`ALARM_DAYS`] days within `reach`, newest first (at most 50).
pub async fn recent_alarms(state: &AppState, reach: Reach) -> WebResult<Vec<ReadAlarm>> {
    let since = state.clock.now() - time::Duration::days(ALARM_DAYS);
    Ok(state.db(move |s| s.read_alarms(&reach, since, 50)).await?)
}

/// Bulk-read alarms of the last seven days: every office's for the auditor, the caller's
/// office's for an office manager (403 for other roles).
#[utoipa::path(get, path = "/api/v1/read-alarms", tag = "audit",
    responses((status = 200, body = Vec<ReadAlarm>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_alarms(
    State(state): State<AppState>,
    staff: Staff,
) -> WebResult<axum::Json<Vec<ReadAlarm>>> {
    let Some(reach) = alarm_reach(staff.principal()) else {
        // The same refusal as any other missing permission.
        staff.principal().require(Permission::AuditRead)?;
        return Ok(axum::Json(vec![]));
    };
    Ok(axum::Json(recent_alarms(&state, reach).await?))
}

async fn usage(state: &AppState, staff: &Staff) -> WebResult<Vec<TokenUsage>> {
    let reach = staff.principal().reach(Permission::AuditRead)?;
    let window = state.read_limit().window();
    let now = state.clock.now();
    Ok(state
        .db(move |s| s.token_usage(&reach, now, window))
        .await?)
}

/// Every API token (never its secret) with owner, purpose, scopes, expiry and its
/// single-person reads: ever, and different persons in the current window (`audit.read`).
#[utoipa::path(get, path = "/api/v1/audit/tokens", tag = "audit",
    responses((status = 200, body = Vec<TokenUsage>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_tokens(
    State(state): State<AppState>,
    staff: Staff,
) -> WebResult<axum::Json<Vec<TokenUsage>>> {
    Ok(axum::Json(usage(&state, &staff).await?))
}

#[derive(Template)]
#[template(path = "read_watch/tokens.html")]
struct TokensPage {
    page: PageCtx,
    tokens: Vec<TokenUsage>,
    note: String,
    now: OffsetDateTime,
}

async fn tokens_page(State(state): State<AppState>, staff: Staff) -> WebResult<Response> {
    let tokens = usage(&state, &staff).await?;
    let page = PageCtx::new(&state, &staff.ctx);
    let note = page.tr.ta(
        "tokens-audit-note",
        &[("minutes", page.tr.num(state.read_limit().window_minutes))],
    );
    Ok(render(
        StatusCode::OK,
        &TokensPage {
            page,
            tokens,
            note,
            now: state.clock.now(),
        },
    ))
}
