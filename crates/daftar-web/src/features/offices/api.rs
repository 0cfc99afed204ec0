//! `/api/v1/offices`.

use crate::auth::scope::OfficeRead;
use crate::auth::{InOffice, Staff};
use crate::conditional::{if_match_tag, with_tag};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Response;
use daftar_domain::audit::purpose;
use daftar_domain::office::{CreateOffice, Office, OfficeCode};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::Permission;

/// Offices the caller may see, ordered by code.
#[utoipa::path(get, path = "/api/v1/offices", tag = "offices", params(PageRequest),
    responses((status = 200, body = Page<Office>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(page): Query<PageRequest>,
) -> WebResult<axum::Json<Page<Office>>> {
    let page = page.checked()?;
    let reach = staff.principal().reach(Permission::OfficeRead)?;
    Ok(axum::Json(
        state.db(move |s| s.list_offices(&reach, page)).await?,
    ))
}

/// One office (own office, or any for authority roles).
#[utoipa::path(get, path = "/api/v1/offices/{office_id}", tag = "offices", params(("office_id" = String, Path, description = "Office id")),
    responses((status = 200, body = Office), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(State(state): State<AppState>, at: InOffice<OfficeRead>) -> WebResult<Response> {
    let id = at.office_id();
    let office = state.db(move |s| s.get_office(id)).await?;
    Ok(with_tag(StatusCode::OK, office))
}

/// What is needed to create an office.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, utoipa::ToSchema)]
pub struct NewOffice {
    /// Short unique code.
    pub code: OfficeCode,
    /// Name in Persian.
    pub name_fa: String,
    /// Name in English.
    pub name_en: String,
    /// Province.
    pub province: String,
    /// District.
    pub district: String,
}

impl NewOffice {
    /// The office to create, checked.
    pub fn parse(&self) -> daftar_domain::Result<CreateOffice> {
        CreateOffice::parse(
            self.code.clone(),
            &self.name_fa,
            &self.name_en,
            &self.province,
            &self.district,
        )
    }
}

/// Creates an office (system administrators).
#[utoipa::path(post, path = "/api/v1/offices", tag = "offices", request_body = NewOffice,
    responses((status = 201, body = Office), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    Json(new): Json<NewOffice>,
) -> WebResult<(StatusCode, axum::Json<Office>)> {
    staff.principal().require(Permission::OfficeManage)?;
    let new = new.parse()?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let office = state.db(move |s| s.create_office(&ctx, &new)).await?;
    Ok((StatusCode::CREATED, axum::Json(office)))
}

/// A new office status.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct OfficeStatusChange {
    /// `active`, `suspended` or `closed`.
    pub status: String,
}

/// Changes an office's status (system administrators; needs a recent step-up; `If-Match` with
/// the office's `ETag`).
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/status", tag = "offices", params(("office_id" = String, Path, description = "Office id"), ("If-Match" = String, Header, description = "The office's ETag")), request_body = OfficeStatusChange,
    responses((status = 200, body = Office), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_status(
    State(state): State<AppState>,
    at: InOffice<OfficeRead>,
    headers: HeaderMap,
    Json(req): Json<OfficeStatusChange>,
) -> WebResult<Response> {
    let tag = if_match_tag(&headers)?;
    let office = change_status(&state, &at, &req.status, Some(tag)).await?;
    Ok(with_tag(StatusCode::OK, office))
}

/// Checks the permission, the step-up and the value, then changes the status.
pub async fn change_status(
    state: &AppState,
    at: &InOffice<OfficeRead>,
    status: &str,
    expected: Option<String>,
) -> daftar_domain::Result<Office> {
    at.staff.principal().require(Permission::OfficeManage)?;
    at.staff.require_step_up(&state.config.session)?;
    let status = daftar_domain::office::OfficeStatus::parse(status)?;
    let (ctx, id) = (at.staff.audit(purpose::ADMINISTRATION), at.office_id());
    state
        .db(move |s| s.set_office_status(&ctx, id, status, expected.as_deref()))
        .await
}
