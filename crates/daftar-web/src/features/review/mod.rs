//! The review queue of suspected duplicates for supervisors (`person.merge`): office managers
//! see pairs within their office, authority officers all pairs. Merge keeps both records and can
//! be undone; "different people" closes the pair. The store audits every step.

use crate::auth::{CsrfForm, Staff};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path, Query};
use crate::pages::{PageCtx, Pager, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use daftar_domain::audit::purpose;
use daftar_domain::ids::{PersonId, SuspectId};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::Permission;
use daftar_domain::review::{Decision, Suspect, SuspectStatus};
use serde::Deserialize;

/// A reviewer's decision.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewDecision {
    /// `merge` or `distinct`.
    pub decision: String,
    /// For `merge`: the record to keep (one of the pair).
    #[schema(value_type = Option<String>)]
    pub survivor: Option<PersonId>,
}

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/review", get(page))
        .route("/review/{suspect_id}/decision", post(decide_form))
        .route("/review/{suspect_id}/unmerge", post(unmerge_form))
        .route("/api/v1/review", get(api_list))
        .route("/api/v1/review/{suspect_id}/decision", post(api_decide))
        .route("/api/v1/review/{suspect_id}/unmerge", post(api_unmerge))
}

/// `?status=open|merged|distinct` (default open).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct StatusQuery {
    /// `open` (default), `merged` or `distinct`.
    pub status: String,
}

impl StatusQuery {
    fn parse(&self) -> daftar_domain::Result<SuspectStatus> {
        match self.status.trim() {
            "" => Ok(SuspectStatus::Open),
            s => SuspectStatus::parse(s),
        }
    }
}

#[derive(Template)]
#[template(path = "review/list.html")]
struct ListPage {
    page: PageCtx,
    status: SuspectStatus,
    statuses: [SuspectStatus; 3],
    suspects: Vec<Suspect>,
    pager: Pager,
    error: Option<String>,
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    q: &StatusQuery,
    req: PageRequest,
    error: Option<daftar_domain::Error>,
) -> WebResult<Response> {
    let reach = staff.principal().reach(Permission::PersonMerge)?;
    let status = q.parse()?;
    let ctx = staff.audit(purpose::SERVICE);
    let found = state
        .db(move |s| s.list_suspects(&ctx, &reach, status, req.clamped()))
        .await?;
    let pager = Pager::new(&format!("/review?status={}", status.code()), &found);
    let page = PageCtx::new(state, &staff.ctx);
    let code = error.as_ref().map_or(200, |e| e.kind.status());
    let error = error.map(|e| page.tr.error(e.code));
    Ok(render(
        StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST),
        &ListPage {
            page,
            status,
            statuses: SuspectStatus::ALL,
            suspects: found.items,
            pager,
            error,
        },
    ))
}

async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<StatusQuery>,
    Query(req): Query<PageRequest>,
) -> WebResult<Response> {
    list_page(&state, &staff, &q, req, None).await
}

/// After a decision: back to the queue, or the queue with the error.
async fn after(
    state: &AppState,
    staff: &Staff,
    back: SuspectStatus,
    result: daftar_domain::Result<Suspect>,
) -> WebResult<Response> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/review?status={}", back.code())).into_response()),
        Err(e) if e.kind.status() < 500 => {
            let q = StatusQuery {
                status: back.code().into(),
            };
            list_page(state, staff, &q, PageRequest::default(), Some(e)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The decision buttons: `decision=merge&survivor=<id>` or `decision=distinct`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    decision: String,
    survivor: String,
}

async fn decide_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<SuspectId>,
    CsrfForm(f): CsrfForm<DecisionForm>,
) -> WebResult<Response> {
    let reach = staff.principal().reach(Permission::PersonMerge)?;
    let ctx = staff.audit(purpose::SERVICE);
    let result = state
        .db_parsed(
            Decision::parse(&f.decision, f.survivor.parse().ok()),
            move |s, decision| s.decide_suspect(&ctx, &reach, id, decision),
        )
        .await;
    after(&state, &staff, SuspectStatus::Open, result).await
}

async fn unmerge_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<SuspectId>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let reach = staff.principal().reach(Permission::PersonMerge)?;
    let ctx = staff.audit(purpose::SERVICE);
    let result = state.db(move |s| s.unmerge(&ctx, &reach, id)).await;
    after(&state, &staff, SuspectStatus::Merged, result).await
}

/// Suspected duplicate pairs within the caller's reach, strongest first. Audited.
#[utoipa::path(get, path = "/api/v1/review", tag = "review", params(StatusQuery, PageRequest),
    responses((status = 200, body = Page<Suspect>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<StatusQuery>,
    Query(req): Query<PageRequest>,
) -> WebResult<axum::Json<Page<Suspect>>> {
    let reach = staff.principal().reach(Permission::PersonMerge)?;
    let (status, req) = (q.parse()?, req.checked()?);
    let ctx = staff.audit(purpose::SERVICE);
    Ok(axum::Json(
        state
            .db(move |s| s.list_suspects(&ctx, &reach, status, req))
            .await?,
    ))
}

/// Decides a pair: `{"decision":"merge","survivor":"<person id>"}` or `{"decision":"distinct"}`.
/// Audited.
#[utoipa::path(post, path = "/api/v1/review/{suspect_id}/decision", tag = "review",
    params(("suspect_id" = String, Path, description = "Pair id")), request_body = NewDecision,
    responses((status = 200, body = Suspect), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_decide(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<SuspectId>,
    Json(decision): Json<NewDecision>,
) -> WebResult<axum::Json<Suspect>> {
    let reach = staff.principal().reach(Permission::PersonMerge)?;
    let decision = Decision::parse(&decision.decision, decision.survivor)?;
    let ctx = staff.audit(purpose::SERVICE);
    Ok(axum::Json(
        state
            .db(move |s| s.decide_suspect(&ctx, &reach, id, decision))
            .await?,
    ))
}

/// Undoes a merge; the pair is open again. Audited.
#[utoipa::path(post, path = "/api/v1/review/{suspect_id}/unmerge", tag = "review",
    params(("suspect_id" = String, Path, description = "Pair id")),
    responses((status = 200, body = Suspect), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_unmerge(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<SuspectId>,
) -> WebResult<axum::Json<Suspect>> {
    let reach = staff.principal().reach(Permission::PersonMerge)?;
    let ctx = staff.audit(purpose::SERVICE);
    Ok(axum::Json(
        state.db(move |s| s.unmerge(&ctx, &reach, id)).await?,
    ))
}
