//! Association membership (issue 18, part 2): `/association`, every office with its licence
//! standing and membership, the offices without a current membership flagged, and the figures;
//! association staff record memberships and dues there. Office records and counts of offices
//! only: the association's role holds no permission on persons. JSON under
//! `/api/v1/association/members` and `/api/v1/offices/{office_id}/membership`.

use crate::auth::{CsrfForm, Staff};
use crate::error::{ErrorBody, WebResult};
use crate::extract::Json;
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use daftar_domain::audit::purpose;
use daftar_domain::ids::OfficeId;
use daftar_domain::membership::{
    Member, MemberFigures, Membership, NewMembership, figures, parse_year,
};
use daftar_domain::permission::{Permission, Reach};
use daftar_domain::{Error, Result};

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/association", get(page))
        .route("/association/memberships", post(record_form))
        .route("/association/dues", post(dues_form))
        .route("/api/v1/association/members", get(api_members))
        .route("/api/v1/offices/{office_id}/membership", post(api_record))
        .route(
            "/api/v1/offices/{office_id}/membership/dues",
            post(api_dues),
        )
}

/// Every office's reach for `office.read`: authority roles and association staff.
fn every_office(staff: &Staff) -> Result<Reach> {
    match staff.principal().reach(Permission::OfficeRead)? {
        r @ Reach::All(_) => Ok(r),
        Reach::Office(_) => Err(Error::forbidden("auth.forbidden")
            .with_details(serde_json::json!({ "permission": Permission::OfficeAll.code() }))),
    }
}

/// The members and their figures.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Members {
    /// Counts of offices.
    pub figures: MemberFigures,
    /// Every office, by code.
    pub members: Vec<Member>,
}

/// Every office with its licence standing and membership, and the figures (authority roles
/// and association staff; office records only).
#[utoipa::path(get, path = "/api/v1/association/members", tag = "association",
    responses((status = 200, body = Members), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_members(
    State(state): State<AppState>,
    staff: Staff,
) -> WebResult<axum::Json<Members>> {
    let reach = every_office(&staff)?;
    let members = state.db(move |s| s.members(&reach)).await?;
    Ok(axum::Json(Members {
        figures: figures(&members),
        members,
    }))
}

/// A membership to record.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MembershipRequest {
    /// Membership number (2–32 of `A-Z`, `0-9`, `-`, `/`; unique).
    pub number: String,
    /// The association's province branch.
    pub branch: String,
}

/// Dues paid.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DuesRequest {
    /// The Solar Hijri year the dues are for (1300–1500).
    pub year: String,
}

fn office_of(s: &str) -> Result<OfficeId> {
    s.trim()
        .parse()
        .map_err(|_| Error::invalid("office.id.invalid").with_field("office_id"))
}

async fn record(
    state: &AppState,
    staff: &Staff,
    office: OfficeId,
    req: &MembershipRequest,
) -> Result<Membership> {
    let scope = staff
        .principal()
        .scope(office, Permission::MembershipManage)?;
    let new = NewMembership::parse(&req.number, &req.branch)?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    state
        .db(move |s| s.record_membership(&ctx, &scope, &new))
        .await
}

async fn dues(state: &AppState, staff: &Staff, office: OfficeId, year: &str) -> Result<Membership> {
    let scope = staff
        .principal()
        .scope(office, Permission::MembershipManage)?;
    let year = parse_year(year)?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    state.db(move |s| s.record_dues(&ctx, &scope, year)).await
}

/// Records an office's membership (association staff).
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/membership", tag = "association",
    params(("office_id" = String, Path, description = "Office id")), request_body = MembershipRequest,
    responses((status = 200, body = Membership), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_record(
    State(state): State<AppState>,
    staff: Staff,
    crate::extract::Path(office): crate::extract::Path<String>,
    Json(req): Json<MembershipRequest>,
) -> WebResult<axum::Json<Membership>> {
    let office: OfficeId = office
        .parse()
        .map_err(|_| Error::not_found("request.path.invalid"))?;
    Ok(axum::Json(record(&state, &staff, office, &req).await?))
}

/// Records an office's dues for a Solar Hijri year (association staff).
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/membership/dues", tag = "association",
    params(("office_id" = String, Path, description = "Office id")), request_body = DuesRequest,
    responses((status = 200, body = Membership), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_dues(
    State(state): State<AppState>,
    staff: Staff,
    crate::extract::Path(office): crate::extract::Path<String>,
    Json(req): Json<DuesRequest>,
) -> WebResult<axum::Json<Membership>> {
    let office: OfficeId = office
        .parse()
        .map_err(|_| Error::not_found("request.path.invalid"))?;
    Ok(axum::Json(dues(&state, &staff, office, &req.year).await?))
}

/// One office on the page.
struct Row {
    id: OfficeId,
    code: String,
    name: String,
    province: String,
    standing: String,
    number: String,
    branch: String,
    years: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "association/members.html")]
struct MembersPage {
    page: PageCtx,
    figures: MemberFigures,
    by_standing: Vec<(String, u64)>,
    rows: Vec<Row>,
    can_manage: bool,
    year: i32,
    error: Option<String>,
}

async fn render_page(
    state: &AppState,
    staff: &Staff,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let reach = every_office(staff)?;
    let members = state.db(move |s| s.members(&reach)).await?;
    let page = PageCtx::new(state, &staff.ctx);
    let tr = &page.tr;
    let en = page.locale.tag == "en";
    let f = figures(&members);
    let by_standing = f
        .by_standing
        .iter()
        .map(|(k, v)| (tr.t(&format!("licence-standing-{k}")), *v))
        .collect();
    let rows = members
        .iter()
        .map(|m| Row {
            id: m.office.id,
            code: m.office.code.as_str().to_owned(),
            name: if en {
                m.office.name_en.clone()
            } else {
                m.office.name_fa.clone()
            },
            province: m.office.province.clone(),
            standing: tr.t(&format!("licence-standing-{}", m.standing.code())),
            number: m
                .membership
                .as_ref()
                .map(|x| x.number.clone())
                .unwrap_or_default(),
            branch: m
                .membership
                .as_ref()
                .map(|x| x.branch.clone())
                .unwrap_or_default(),
            years: m
                .membership
                .as_ref()
                .map(|x| {
                    x.dues_years
                        .iter()
                        .map(|y| tr.year(*y))
                        .collect::<Vec<_>>()
                        .join("، ")
                })
                .unwrap_or_default(),
            current: m.current,
        })
        .collect();
    let year = daftar_domain::jalali::JalaliDate::from_iso(state.clock.today()).year();
    let can_manage = staff.principal().has(Permission::MembershipManage);
    Ok(render(
        status,
        &MembersPage {
            page,
            figures: f,
            by_standing,
            rows,
            can_manage,
            year,
            error,
        },
    ))
}

async fn page(State(state): State<AppState>, staff: Staff) -> WebResult<Response> {
    render_page(&state, &staff, None, StatusCode::OK).await
}

/// The membership form: office, number, branch.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MembershipForm {
    office_id: String,
    number: String,
    branch: String,
}

/// The dues form: office, year.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DuesForm {
    office_id: String,
    year: String,
}

async fn after(state: &AppState, staff: &Staff, result: Result<Membership>) -> WebResult<Response> {
    match result {
        Ok(_) => Ok(Redirect::to("/association").into_response()),
        Err(e) if e.kind.status() < 500 && e.kind.status() != 403 => {
            let msg = PageCtx::new(state, &staff.ctx).tr.error(e.code);
            render_page(
                state,
                staff,
                Some(msg),
                StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::BAD_REQUEST),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn record_form(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<MembershipForm>,
) -> WebResult<Response> {
    staff.principal().require(Permission::MembershipManage)?;
    let result = match office_of(&form.office_id) {
        Ok(office) => {
            let req = MembershipRequest {
                number: form.number,
                branch: form.branch,
            };
            record(&state, &staff, office, &req).await
        }
        Err(e) => Err(e),
    };
    after(&state, &staff, result).await
}

async fn dues_form(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<DuesForm>,
) -> WebResult<Response> {
    staff.principal().require(Permission::MembershipManage)?;
    let result = match office_of(&form.office_id) {
        Ok(office) => dues(&state, &staff, office, &form.year).await,
        Err(e) => Err(e),
    };
    after(&state, &staff, result).await
}
