//! Extractor wrappers whose rejections are daftar errors (stable codes, translated), not
//! axum's plain-text rejections.

use crate::error::AppError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use daftar_domain::Error;
use serde::de::DeserializeOwned;

/// Path parameters; a malformed one is `request.path.invalid` (404: no such resource).
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e| {
                AppError(
                    Error::not_found("request.path.invalid")
                        .with_details(serde_json::json!({ "reason": e.body_text() })),
                )
            })
    }
}

/// Query string; a malformed one is `request.query.invalid` (400).
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e| {
                AppError(
                    Error::new(
                        "request.query.invalid",
                        daftar_domain::ErrorKind::BadRequest,
                    )
                    .with_details(serde_json::json!({ "reason": e.body_text() })),
                )
            })
    }
}

/// JSON body; a malformed one is `request.body.invalid` (400), a missing content type
/// `request.content_type.invalid` (415 is folded into 400).
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequest<S> for Json<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|j| Json(j.0))
            .map_err(|e| {
                AppError(
                    Error::new("request.body.invalid", daftar_domain::ErrorKind::BadRequest)
                        .with_details(serde_json::json!({ "reason": e.body_text() })),
                )
            })
    }
}
