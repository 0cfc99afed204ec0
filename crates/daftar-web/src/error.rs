//! Turning the one daftar [`Error`] into a response. Handlers return [`AppError`]; its response
//! carries the error in an extension, and the [`crate::context`] middleware renders it as JSON
//! under `/api` or as a translated HTML page elsewhere, in the request's locale.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use daftar_domain::Error;

/// A handler error (wraps the domain error).
#[derive(Debug)]
pub struct AppError(pub Error);

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

/// Result type of handlers.
pub type WebResult<T> = Result<T, AppError>;

/// The error stashed in a response for the rendering middleware.
#[derive(Debug, Clone)]
pub struct PendingError(pub Error);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(code = self.0.code, detail = ?self.0.internal, "request failed");
        }
        let mut resp = status.into_response();
        resp.extensions_mut().insert(PendingError(self.0));
        resp
    }
}

/// The JSON error body: `{"error":{"code","message","details"}}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// Inside [`ErrorBody`].
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `person.not_found`.
    pub code: String,
    /// Message in the request's locale.
    pub message: String,
    /// Structured details (field names, limits); `{}` when there are none.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}
