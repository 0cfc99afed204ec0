//! `/api/v1/offices/{office_id}/persons`.

use crate::auth::InOffice;
use crate::auth::scope::{PersonRead, PersonWrite};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use daftar_domain::audit::purpose;
use daftar_domain::ids::{OfficeId, PersonId};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::person::{NewPerson, Person};

/// Persons registered at an office, newest first. Audited.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/persons", tag = "persons",
    params(("office_id" = String, Path, description = "Office id"), PageRequest),
    responses((status = 200, body = Page<Person>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Query(page): Query<PageRequest>,
) -> WebResult<axum::Json<Page<Person>>> {
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    Ok(axum::Json(
        state
            .db(move |s| s.list_persons(&ctx, &scope, page.clamped()))
            .await?,
    ))
}

/// One person of an office. Audited.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/persons/{person_id}", tag = "persons",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id")),
    responses((status = 200, body = Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path(ids): Path<(OfficeId, PersonId)>,
) -> WebResult<axum::Json<Person>> {
    let id = ids.1;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    Ok(axum::Json(
        state.db(move |s| s.get_person(&ctx, &scope, id)).await?,
    ))
}

/// Registers a person at an office.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/persons", tag = "persons",
    params(("office_id" = String, Path, description = "Office id")), request_body = NewPerson,
    responses((status = 201, body = Person), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Json(new): Json<NewPerson>,
) -> WebResult<(StatusCode, axum::Json<Person>)> {
    new.validate(time::OffsetDateTime::now_utc().date())?;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let person = state
        .db(move |s| s.create_person(&ctx, &scope, &new))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(person)))
}
