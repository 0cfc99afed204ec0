//! Office plans (issue 18, part 5): an office's one-year and three-year plans, written and
//! submitted by its manager (`plan.submit`), approved or returned with a comment by the
//! authority (`plan.review`); plan versus actual on each plan's page (every target against the
//! office's KPI series, `daftar_domain::plan::progress`), and `/plans`, the authority's monthly
//! follow-up list of offices falling behind or without an approved plan. Office figures only,
//! never a person.

pub mod api;
mod html;

use crate::auth::Staff;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use daftar_domain::ids::{OfficeId, PlanId};
use daftar_domain::kpi::{KpiRow, SolarMonth};
use daftar_domain::office::Office;
use daftar_domain::permission::{OfficeScope, Permission};
use daftar_domain::plan::{FollowUp, Plan, PlanEvent, Progress, follow_up, progress};
use daftar_domain::{Error, Result};
use std::collections::BTreeSet;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/plans", get(html::follow_up_page))
        .route(
            "/offices/{office_id}/plans",
            get(html::list).post(html::create),
        )
        .route(
            "/offices/{office_id}/plans/{plan_id}",
            get(html::show).post(html::edit),
        )
        .route(
            "/offices/{office_id}/plans/{plan_id}/{step}",
            post(html::step),
        )
        .route("/api/v1/plans/follow-up", get(api::follow_up))
        .route(
            "/api/v1/offices/{office_id}/plans",
            get(api::list).post(api::create),
        )
        .route(
            "/api/v1/offices/{office_id}/plans/{plan_id}",
            get(api::show).put(api::edit),
        )
        .route(
            "/api/v1/offices/{office_id}/plans/{plan_id}/{step}",
            post(api::step),
        )
}

/// The scope in which the caller reads an office's plans: the authority's (`plan.review`, any
/// office) or the office manager's (`plan.submit`, their own).
pub fn read_scope(staff: &Staff, office: OfficeId) -> Result<OfficeScope> {
    let p = staff.principal();
    if p.has(Permission::PlanReview) {
        p.scope(office, Permission::PlanReview)
    } else {
        p.scope(office, Permission::PlanSubmit)
    }
}

/// The month plan versus actual is shown for: the one asked (`YYYY/MM`), else the current one.
/// A month not begun yet is 409 `plan.month.future` (a well-formed month the rules refuse).
pub fn month_of(state: &AppState, asked: &str) -> Result<SolarMonth> {
    let current = SolarMonth::of(state.today());
    if asked.trim().is_empty() {
        return Ok(current);
    }
    let m = SolarMonth::parse(asked)?;
    if m > current {
        return Err(Error::conflict("plan.month.future").with_field("month"));
    }
    Ok(m)
}

/// The catalogue's service codes (targets may name them).
pub async fn service_codes(state: &AppState) -> Result<BTreeSet<String>> {
    Ok(state
        .db(|s| s.services())
        .await?
        .into_iter()
        .map(|s| s.definition.code.as_str().to_owned())
        .collect())
}

/// A plan with its timeline and its targets against the office's figures as of `month`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PlanView {
    /// The plan.
    pub plan: Plan,
    /// Its timeline, oldest first.
    pub events: Vec<PlanEvent>,
    /// The month plan versus actual is for (`YYYY/MM`).
    pub month: String,
    /// Each target against the figures of its year up to the month.
    pub progress: Vec<Progress>,
}

/// Loads a plan, its timeline and the office's KPI rows for plan versus actual.
pub async fn load_view(
    state: &AppState,
    staff: &Staff,
    scope: OfficeScope,
    id: PlanId,
    month: SolarMonth,
) -> Result<(PlanView, Vec<KpiRow>)> {
    // The office's KPI series: the authority's officers and the office's manager hold kpi.read.
    let kpi = staff
        .principal()
        .scope(scope.office_id(), Permission::KpiRead)
        .ok();
    let (plan, events, rows) = state
        .db(move |s| {
            let (plan, events) = s.office_plan(&scope, id)?;
            let from = SolarMonth {
                year: plan.start_year - 1,
                month: 1,
            };
            let rows = match kpi {
                Some(k) if from <= month => s.office_kpis(&k, from, month)?,
                _ => vec![],
            };
            Ok((plan, events, rows))
        })
        .await?;
    let progress = progress(&plan, &rows, month);
    Ok((
        PlanView {
            plan,
            events,
            month: month.code(),
            progress,
        },
        rows,
    ))
}

/// The follow-up list of `month` for `province` (every province when empty), and the plans
/// awaiting review with their offices.
pub async fn follow_up_list(
    state: &AppState,
    staff: &Staff,
    province: &str,
    month: SolarMonth,
) -> Result<(Vec<FollowUp>, Vec<(Office, Plan)>)> {
    let reach = staff.principal().reach(Permission::PlanReview)?;
    let province = province.trim();
    if province.chars().count() > 120 || province.chars().any(char::is_control) {
        return Err(Error::invalid("plan.province.invalid").with_field("province"));
    }
    let province = Some(province.to_owned()).filter(|p| !p.is_empty());
    let (offices, plans, rows) = state
        .db(move |s| s.plans_follow_up(&reach, province.as_deref(), month.year))
        .await?;
    let list = follow_up(&offices, &plans, &rows, month);
    let waiting = plans
        .into_iter()
        .filter(|p| p.state == daftar_domain::plan::PlanState::Submitted)
        .filter_map(|p| {
            let o = offices.iter().find(|o| o.id == p.office_id)?.clone();
            Some((o, p))
        })
        .collect();
    Ok((list, waiting))
}
