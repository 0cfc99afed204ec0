//! `/api/v1/offices`.

use crate::auth::scope::OfficeRead;
use crate::auth::{InOffice, Staff};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use daftar_domain::audit::purpose;
use daftar_domain::office::{NewOffice, Office};
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
    let reach = staff.principal().reach(Permission::OfficeRead)?;
    Ok(axum::Json(
        state
            .db(move |s| s.list_offices(&reach, page.clamped()))
            .await?,
    ))
}

/// One office (own office, or any for authority roles).
#[utoipa::path(get, path = "/api/v1/offices/{office_id}", tag = "offices", params(("office_id" = String, Path, description = "Office id")),
    responses((status = 200, body = Office), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    at: InOffice<OfficeRead>,
) -> WebResult<axum::Json<Office>> {
    let id = at.office_id();
    Ok(axum::Json(state.db(move |s| s.get_office(id)).await?))
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
    new.validate()?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let office = state.db(move |s| s.create_office(&ctx, &new)).await?;
    Ok((StatusCode::CREATED, axum::Json(office)))
}
