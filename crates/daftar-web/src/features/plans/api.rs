//! `/api/v1/offices/{office_id}/plans…` and `/api/v1/plans/follow-up`.

use super::{PlanView, follow_up_list, load_view, month_of, read_scope, service_codes};
use crate::auth::InOffice;
use crate::auth::Staff;
use crate::auth::scope::PlanSubmit;
use crate::conditional;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use daftar_domain::audit::purpose;
use daftar_domain::ids::{OfficeId, PlanId};
use daftar_domain::plan::{FollowUp, Plan, PlanContent, PlanKind, PlanStep, TargetInput};
use daftar_domain::{Error, Result};

/// A target as sent.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct TargetRequest {
    /// The year of the plan it is for: 1, or 1–3 for a three-year plan.
    #[schema(minimum = 1, maximum = 3)]
    pub year: i64,
    /// `cases` (cases opened in the year) or a KPI: `per_working_day`, `median`, `p90`,
    /// `breach_rate`, `rejection_rate`, `return_rate` (percent), `seasonality`, `complaints`
    /// (per 100 cases).
    pub metric: String,
    /// A service code of the catalogue, or empty for the office in total (`complaints` and
    /// `seasonality` are the office's only).
    #[serde(default)]
    pub service: String,
    /// The value (at least for `cases` and `per_working_day`, at most for the others), rounded
    /// to two decimals.
    #[schema(minimum = 0, maximum = 10000000)]
    pub value: f64,
}

/// What a plan says: staffing, opening hours, outreach and targets.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct PlanBody {
    /// Staff planned, 1–500.
    #[schema(minimum = 1, maximum = 500)]
    pub staffing: i64,
    /// Opening hours, as text (at most 200 characters).
    pub hours: String,
    /// Outreach planned (at most 2000 characters).
    #[serde(default)]
    pub outreach: String,
    /// The targets (1–120), one per year, metric and service.
    pub targets: Vec<TargetRequest>,
}

/// A new plan.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct NewPlan {
    /// `one_year` or `three_year`.
    pub kind: String,
    /// Its first Solar Hijri year: the current one or one of the next three.
    #[schema(minimum = 1200, maximum = 1599)]
    pub start_year: i64,
    /// Staff planned, 1–500.
    #[schema(minimum = 1, maximum = 500)]
    pub staffing: i64,
    /// Opening hours, as text (at most 200 characters).
    pub hours: String,
    /// Outreach planned (at most 2000 characters).
    #[serde(default)]
    pub outreach: String,
    /// The targets (1–120), one per year, metric and service.
    pub targets: Vec<TargetRequest>,
}

impl NewPlan {
    /// What the plan says.
    fn body(self) -> PlanBody {
        PlanBody {
            staffing: self.staffing,
            hours: self.hours,
            outreach: self.outreach,
            targets: self.targets,
        }
    }
}

/// A step's comment (required to return a plan).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PlanStepRequest {
    /// The reviewer's comment (at most 2000 characters).
    pub comment: String,
}

/// The query of plan versus actual.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct MonthQuery {
    /// Solar Hijri month `YYYY/MM` (empty: the current month).
    pub month: String,
}

/// The query of the follow-up.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct FollowUpQuery {
    /// Solar Hijri month `YYYY/MM` (empty: the current month).
    pub month: String,
    /// Province (empty: every province; at most 120 characters, no control character).
    pub province: String,
}

impl PlanBody {
    /// Parses the body for `kind`.
    pub fn content(
        &self,
        kind: PlanKind,
        services: &std::collections::BTreeSet<String>,
    ) -> Result<PlanContent> {
        let targets: Vec<TargetInput> = self
            .targets
            .iter()
            .map(|t| TargetInput {
                year: t.year.to_string(),
                metric: t.metric.clone(),
                service: t.service.clone(),
                value: if t.value.is_finite() && t.value >= 0.0 {
                    format!("{:.2}", t.value)
                } else {
                    "-".into()
                },
            })
            .collect();
        PlanContent::parse(
            kind,
            &self.staffing.to_string(),
            &self.hours,
            &self.outreach,
            &targets,
            services,
        )
    }
}

fn answer(status: StatusCode, view: PlanView) -> Response {
    (
        status,
        [(header::ETAG, conditional::etag(view.plan.version))],
        axum::Json(view),
    )
        .into_response()
}

/// The office's plans, latest start year first (the office's manager, or the authority).
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/plans", tag = "plans",
    params(("office_id" = String, Path, description = "Office id")),
    responses((status = 200, body = Vec<Plan>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Path(office): Path<OfficeId>,
) -> WebResult<axum::Json<Vec<Plan>>> {
    let scope = read_scope(&staff, office)?;
    Ok(axum::Json(state.db(move |s| s.office_plans(&scope)).await?))
}

/// Makes a draft plan (the office's manager, `plan.submit`). 409 `plan.taken` when the office
/// has a plan of that kind starting that year, `plan.year.out_of_range` outside the current
/// Solar Hijri year and the three after.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/plans", tag = "plans",
    params(("office_id" = String, Path, description = "Office id")), request_body = NewPlan,
    responses((status = 201, body = PlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    at: InOffice<PlanSubmit>,
    Json(req): Json<NewPlan>,
) -> WebResult<Response> {
    let kind = PlanKind::parse(req.kind.trim())?;
    let start_year = i32::try_from(req.start_year)
        .map_err(|_| Error::invalid("plan.start_year.invalid").with_field("start_year"))?;
    let content = req.body().content(kind, &service_codes(&state).await?)?;
    let (ctx, scope) = (at.staff.audit(purpose::ADMINISTRATION), at.scope);
    let plan = state
        .db(move |s| s.create_plan(&ctx, &scope, kind, start_year, &content))
        .await?;
    let month = month_of(&state, "")?;
    let (view, _) = load_view(&state, &at.staff, at.scope, plan.id, month).await?;
    Ok(answer(StatusCode::CREATED, view))
}

/// A plan with its timeline and plan versus actual for a month (`ETag`: its version).
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/plans/{plan_id}", tag = "plans",
    params(("office_id" = String, Path, description = "Office id"), ("plan_id" = String, Path, description = "Plan id"), MonthQuery),
    responses((status = 200, body = PlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path((office, id)): Path<(OfficeId, PlanId)>,
    Query(q): Query<MonthQuery>,
) -> WebResult<Response> {
    let scope = read_scope(&staff, office)?;
    let month = month_of(&state, &q.month)?;
    let (view, _) = load_view(&state, &staff, scope, id, month).await?;
    Ok(answer(StatusCode::OK, view))
}

/// Replaces a draft or returned plan's content (the office's manager; `If-Match` with the
/// plan's version). 409 `plan.not_editable` once submitted or approved.
#[utoipa::path(put, path = "/api/v1/offices/{office_id}/plans/{plan_id}", tag = "plans",
    params(("office_id" = String, Path, description = "Office id"), ("plan_id" = String, Path, description = "Plan id"),
        ("If-Match" = String, Header, description = "The plan's version (its ETag)")),
    request_body = PlanBody,
    responses((status = 200, body = PlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn edit(
    State(state): State<AppState>,
    at: InOffice<PlanSubmit>,
    Path((_office, id)): Path<(OfficeId, PlanId)>,
    headers: HeaderMap,
    Json(req): Json<PlanBody>,
) -> WebResult<Response> {
    let if_match = conditional::if_match(&headers)?;
    let content = req.content(PlanKind::ThreeYear, &service_codes(&state).await?)?;
    let (ctx, scope) = (at.staff.audit(purpose::ADMINISTRATION), at.scope);
    state
        .db(move |s| s.edit_plan(&ctx, &scope, id, &content, Some(if_match)))
        .await?;
    let month = month_of(&state, "")?;
    let (view, _) = load_view(&state, &at.staff, at.scope, id, month).await?;
    Ok(answer(StatusCode::OK, view))
}

/// Takes a step: `submit` (the office's manager), `approve` or `return` with a comment (the
/// authority's officers); `If-Match` with the plan's version. 409 `plan.step.not_allowed`,
/// `plan.comment.required`.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/plans/{plan_id}/{step}", tag = "plans",
    params(("office_id" = String, Path, description = "Office id"), ("plan_id" = String, Path, description = "Plan id"),
        ("step" = String, Path, description = "`submit`, `approve` or `return`"),
        ("If-Match" = String, Header, description = "The plan's version (its ETag)")),
    request_body = PlanStepRequest,
    responses((status = 200, body = PlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn step(
    State(state): State<AppState>,
    staff: Staff,
    Path((office, id, step)): Path<(OfficeId, PlanId, String)>,
    headers: HeaderMap,
    Json(req): Json<PlanStepRequest>,
) -> WebResult<Response> {
    // The office first (another office's, or one cut off, is 403 whatever the step).
    let read = read_scope(&staff, office)?;
    let step =
        PlanStep::parse(step.trim()).map_err(|_| Error::not_found("request.path.invalid"))?;
    let scope = staff.principal().scope(office, step.permission())?;
    let if_match = conditional::if_match(&headers)?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    state
        .db(move |s| s.plan_step(&ctx, &scope, id, step, &req.comment, Some(if_match)))
        .await?;
    let month = month_of(&state, "")?;
    let (view, _) = load_view(&state, &staff, read, id, month).await?;
    Ok(answer(StatusCode::OK, view))
}

/// The follow-up list of a month (the authority, `plan.review`): offices behind on a target of
/// their approved plan, or without an approved one-year plan, most targets behind first.
#[utoipa::path(get, path = "/api/v1/plans/follow-up", tag = "plans", params(FollowUpQuery),
    responses((status = 200, body = Vec<FollowUp>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn follow_up(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<FollowUpQuery>,
) -> WebResult<axum::Json<Vec<FollowUp>>> {
    let month = month_of(&state, &q.month)?;
    let (list, _) = follow_up_list(&state, &staff, &q.province, month).await?;
    Ok(axum::Json(list))
}
