//! `/api/v1/offices/{office_id}/licence` and `/api/v1/licence/checklist`.

use super::{AddressRequest, InStep, LicenceStepRequest};
use crate::auth::scope::OfficeRead;
use crate::auth::{InOffice, Staff};
use crate::conditional;
use crate::error::{ErrorBody, WebResult};
use crate::extract::Json;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use daftar_domain::audit::purpose;
use daftar_domain::licence::{ChecklistItem, LicenceView};
use daftar_domain::permission::Permission;

/// The inspection checklist (data), in order.
#[utoipa::path(get, path = "/api/v1/licence/checklist", tag = "licences",
    responses((status = 200, body = Vec<ChecklistItem>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn checklist(
    State(state): State<AppState>,
    staff: Staff,
) -> WebResult<axum::Json<Vec<ChecklistItem>>> {
    staff.principal().require(Permission::OfficeRead)?;
    Ok(axum::Json(state.db(|s| s.licence_checklist()).await?))
}

/// The view with its version as `ETag` (none before the first application).
fn answer(status: StatusCode, view: LicenceView) -> Response {
    match view.licence.as_ref().map(|l| l.version) {
        Some(v) => (
            status,
            [(header::ETAG, conditional::etag(v))],
            axum::Json(view),
        )
            .into_response(),
        None => (status, axum::Json(view)).into_response(),
    }
}

/// The office's licence: record, standing on the offices' today, and timeline. The `ETag` is
/// the licence's version (send it back in `If-Match` with the next step).
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/licence", tag = "licences", params(("office_id" = String, Path, description = "Office id")),
    responses((status = 200, body = LicenceView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(State(state): State<AppState>, at: InOffice<OfficeRead>) -> WebResult<Response> {
    let scope = at.scope;
    let view = state.db(move |s| s.office_licence(&scope)).await?;
    Ok(answer(StatusCode::OK, view))
}

/// Takes a step of the office's licence. `apply` by the office's manager (or the authority);
/// `inspect` and `warn` by inspectors; `issue`, `renew`, `suspend`, `revoke` and `reinstate`
/// by the authority's officers. Every step but a first application needs `If-Match` with the
/// licence's version. Suspending, revoking (or a licence left to expire) cuts the office's
/// staff off on their next request (403 `office.inactive`); reinstating restores them.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/licence/{step}", tag = "licences",
    params(("office_id" = String, Path, description = "Office id"),
        ("step" = String, Path, description = "`apply`, `inspect`, `issue`, `renew`, `warn`, `suspend`, `revoke` or `reinstate`"),
        ("If-Match" = Option<String>, Header, description = "The licence's version (its ETag)")),
    request_body = LicenceStepRequest,
    responses((status = 200, body = LicenceView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn take(
    State(state): State<AppState>,
    at: InStep,
    headers: HeaderMap,
    Json(req): Json<LicenceStepRequest>,
) -> WebResult<Response> {
    let if_match = if headers.contains_key(header::IF_MATCH) {
        Some(conditional::if_match(&headers)?)
    } else {
        None
    };
    let cmd = req.command(at.step)?;
    let (ctx, scope) = (at.staff.audit(purpose::ADMINISTRATION), at.scope);
    let view = state
        .db(move |s| s.take_licence_step(&ctx, &scope, &cmd, if_match))
        .await?;
    Ok(answer(StatusCode::OK, view))
}

/// Sets the office's public address shown in the directory (the office's manager or the
/// authority, `licence.apply`); an empty address removes it. Audited `office.address`.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/address", tag = "licences",
    params(("office_id" = String, Path, description = "Office id")),
    request_body = AddressRequest,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_address(
    State(state): State<AppState>,
    at: InOffice<crate::auth::scope::LicenceApply>,
    Json(req): Json<AddressRequest>,
) -> WebResult<StatusCode> {
    let address = req.parse()?;
    let (ctx, scope) = (at.staff.audit(purpose::ADMINISTRATION), at.scope);
    state
        .db(move |s| s.set_public_address(&ctx, &scope, address.as_ref()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
