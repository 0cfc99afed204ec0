//! A person's photo: upload from the person's page (multipart form with its CSRF field) or the
//! API (`PUT` with the image as body), and the image itself for staff of the office. The type
//! is taken from the bytes, never from the name; every view and upload is audited.

use crate::auth::scope::{PersonRead, PersonWrite};
use crate::auth::{InOffice, same_secret};
use crate::error::{ErrorBody, WebResult};
use crate::extract::Path;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use daftar_domain::audit::purpose;
use daftar_domain::ids::{OfficeId, PersonId};
use daftar_domain::photo::Photo;
use daftar_domain::{Error, ErrorKind};

fn too_large() -> Error {
    Error::new("photo.too_large", ErrorKind::TooLarge).with_field("photo")
}

/// The image (`private, no-store`: it is personal data).
pub async fn show(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_, id)): Path<(OfficeId, PersonId)>,
) -> WebResult<Response> {
    answer(state, at, id)
        .await?
        .ok_or_else(|| Error::not_found("photo.not_found").into())
}

/// The photo as an answer, or `None` when the person (found) has no photo.
async fn answer(
    state: AppState,
    at: InOffice<PersonRead>,
    id: PersonId,
) -> WebResult<Option<Response>> {
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let Some(photo) = state.db(move |s| s.get_photo(&ctx, &scope, id)).await? else {
        return Ok(None);
    };
    Ok(Some(
        (
            [
                (header::CONTENT_TYPE, photo.content_type),
                (header::CACHE_CONTROL, "private, no-store"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            photo.bytes,
        )
            .into_response(),
    ))
}

/// The upload form on the person's page: `_csrf` and `photo`.
pub async fn upload_form(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((_, id)): Path<(OfficeId, PersonId)>,
    mut form: Multipart,
) -> WebResult<Response> {
    let (mut token, mut bytes) = (String::new(), None);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large().into()),
            Err(e) => {
                return Err(Error::new("request.body.invalid", ErrorKind::BadRequest)
                    .with_details(serde_json::json!({ "reason": e.body_text() }))
                    .into());
            }
        };
        match field.name() {
            Some("_csrf") => token = field.text().await.unwrap_or_default(),
            Some("photo") => {
                bytes = Some(field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        Error::new("request.body.invalid", ErrorKind::BadRequest)
                    }
                })?)
            }
            _ => {}
        }
    }
    if !same_secret(&token, at.staff.ctx.csrf_token()) {
        return Err(Error::forbidden("auth.csrf.invalid").into());
    }
    let office = at.office_id();
    let result = match Photo::check(bytes.unwrap_or_default().to_vec()) {
        Ok(photo) => {
            let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
            state
                .db(move |s| s.set_photo(&ctx, &scope, id, &photo))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/offices/{office}/persons/{id}")).into_response()),
        Err(e) if e.kind.status() < 500 && e.code != "person.not_found" => {
            let read = at
                .staff
                .principal()
                .scope(office, daftar_domain::permission::Permission::PersonRead)?;
            super::html::show_page(&state, &at.staff, read, id, Some(e), "").await
        }
        Err(e) => Err(e.into()),
    }
}

/// A person's photo (JPEG or PNG). Audited.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/persons/{person_id}/photo", tag = "persons",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id")),
    responses((status = 200, description = "The photo", content((PhotoBytes = "image/jpeg"), (PhotoBytes = "image/png"))),
        (status = 204, description = "The person has no photo"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "No such person in the office")),
    security(("bearer" = [])))]
pub async fn api_show(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    path: Path<(OfficeId, PersonId)>,
) -> WebResult<Response> {
    let Path((_, id)) = path;
    // 204 when the person has none (404 stays "no such person", `person.not_found`).
    Ok(answer(state, at, id)
        .await?
        .unwrap_or_else(|| StatusCode::NO_CONTENT.into_response()))
}

/// The body of a photo upload in the OpenAPI document: the image's bytes (binary).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct PhotoBytes(Vec<u8>);

/// Replaces a person's photo: the body is the image (JPEG or PNG by content, at most 1 MiB).
/// Audited.
#[utoipa::path(put, path = "/api/v1/offices/{office_id}/persons/{person_id}/photo", tag = "persons",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id")),
    request_body(content((inline(PhotoBytes) = "image/jpeg"), (inline(PhotoBytes) = "image/png"))),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_put(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path(ids): Path<(OfficeId, PersonId)>,
    body: Bytes,
) -> WebResult<StatusCode> {
    let id = ids.1;
    let photo = Photo::check(body.to_vec())?;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    state
        .db(move |s| s.set_photo(&ctx, &scope, id, &photo))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
