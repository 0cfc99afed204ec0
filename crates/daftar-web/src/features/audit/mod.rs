//! The audit log for auditors (and administrators): newest first, filtered by actor, office and
//! action prefix, with a button that verifies the whole hash chain; and `GET /api/v1/audit`.

use crate::auth::{CsrfForm, Staff};
use crate::error::{AppError, ErrorBody, WebResult};
use crate::extract::Query;
use crate::pages::{PageCtx, Pager, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use daftar_domain::audit::{AuditEvent, AuditRecord, purpose};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::Permission;
use daftar_domain::store::AuditFilter;
use serde::Deserialize;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(list))
        .route("/audit/verify", post(verify))
        .route("/api/v1/audit", get(api_list))
}

/// Filters and paging for the audit list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct AuditQuery {
    /// Only this actor (user id).
    pub actor_id: Option<String>,
    /// Only this office (office id).
    pub office_id: Option<String>,
    /// Only actions starting with this, e.g. `person.`.
    pub action: Option<String>,
    /// 1-based page.
    pub page: Option<u32>,
    /// Page size (1–200).
    pub per_page: Option<u32>,
}

impl AuditQuery {
    fn parse(&self) -> Result<(AuditFilter, PageRequest), daftar_domain::Error> {
        let nonempty = |o: &Option<String>| {
            o.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Ok((
            AuditFilter {
                actor_id: nonempty(&self.actor_id).map(|s| s.parse()).transpose()?,
                office_id: nonempty(&self.office_id).map(|s| s.parse()).transpose()?,
                action_prefix: nonempty(&self.action),
            },
            PageRequest {
                page: self.page.unwrap_or(1),
                per_page: self.per_page.unwrap_or(50),
            }
            .checked()?,
        ))
    }
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListPage {
    page: PageCtx,
    rows: Vec<AuditRecord>,
    pager: Pager,
    actor_id: String,
    office_id: String,
    action: String,
    verdict: Option<String>,
}

async fn page(
    state: &AppState,
    staff: &Staff,
    q: &AuditQuery,
    verdict: Option<String>,
) -> WebResult<Response> {
    staff.principal().require(Permission::AuditRead)?;
    let (filter, req) = q.parse()?;
    let f = filter.clone();
    let rows = state.db(move |s| s.audit_page(&f, req)).await?;
    Ok(render(
        StatusCode::OK,
        &ListPage {
            page: PageCtx::new(state, &staff.ctx),
            pager: Pager::new("/audit", &rows),
            rows: rows.items,
            actor_id: q.actor_id.clone().unwrap_or_default(),
            office_id: q.office_id.clone().unwrap_or_default(),
            action: q.action.clone().unwrap_or_default(),
            verdict,
        },
    ))
}

async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<AuditQuery>,
) -> WebResult<Response> {
    page(&state, &staff, &q, None).await
}

#[derive(Debug, Deserialize)]
struct Empty {}

async fn verify(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(_): CsrfForm<Empty>,
) -> WebResult<Response> {
    staff.principal().require(Permission::AuditRead)?;
    let result = state.db(|s| s.verify_audit()).await?;
    let tr = PageCtx::new(&state, &staff.ctx).tr;
    let (verdict, details) = match result {
        Ok(n) => (
            tr.ta("audit-intact", &[("rows", tr.num(n))]),
            serde_json::json!({ "intact": true, "rows": n }),
        ),
        Err(b) => (
            tr.ta(
                "audit-broken",
                &[
                    ("row", tr.num(u64::try_from(b.seq).unwrap_or(0))),
                    ("reason", tr.t(&format!("audit-reason-{}", b.reason))),
                ],
            ),
            serde_json::json!({ "intact": false, "row": b.seq, "reason": b.reason }),
        ),
    };
    let ctx = staff.audit(purpose::AUDIT);
    state
        .db(move |s| {
            s.append_audit(
                &ctx,
                &AuditEvent::new("audit.verify", "audit_log", "").with_details(details),
            )
        })
        .await?;
    page(&state, &staff, &AuditQuery::default(), Some(verdict)).await
}

/// Audit rows, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<AuditRecord>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<AuditQuery>,
) -> WebResult<axum::Json<Page<AuditRecord>>> {
    staff.principal().require(Permission::AuditRead)?;
    let (filter, req) = q.parse().map_err(AppError)?;
    Ok(axum::Json(
        state.db(move |s| s.audit_page(&filter, req)).await?,
    ))
}
