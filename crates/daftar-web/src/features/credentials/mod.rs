//! Credentials (issue 6): issued when a case that grants one is approved; a person's page lists
//! them with a printable card per purpose, revocation (`credential.revoke`), and share codes the
//! holder consents to. In public: the signed trust list and status list under
//! `/.well-known/daftar/`, the `/verify` page and JSON API (text or QR image), the share-code
//! check for verifiers, and the holder's own page of checks made with a code.

pub mod api;
pub(crate) mod html;
pub mod issue;
pub mod share;
pub mod verify;

use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// Largest QR image accepted on `/verify`.
pub const IMAGE_LIMIT: usize = 4 * 1024 * 1024;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/daftar/trust-list", get(verify::trust_list))
        .route("/.well-known/daftar/status-list", get(verify::status_list))
        .route("/.well-known/daftar/root-key", get(verify::root_key))
        .route(
            "/verify",
            get(verify::page)
                .post(verify::submit)
                .layer(DefaultBodyLimit::max(IMAGE_LIMIT + 64 * 1024)),
        )
        .route("/api/v1/credentials/verify", post(verify::api_verify))
        .route(
            "/offices/{office_id}/persons/{person_id}/credentials",
            get(html::person),
        )
        .route(
            "/offices/{office_id}/persons/{person_id}/credentials/{credential_id}/card",
            get(html::card),
        )
        .route(
            "/offices/{office_id}/persons/{person_id}/credentials/{credential_id}/revoke",
            post(html::revoke),
        )
        .route(
            "/offices/{office_id}/persons/{person_id}/share-codes",
            post(html::create_share),
        )
        .route(
            "/offices/{office_id}/persons/{person_id}/share-codes/{share_id}/cancel",
            post(html::cancel_share),
        )
        .route(
            "/api/v1/offices/{office_id}/persons/{person_id}/credentials",
            get(api::list),
        )
        .route(
            "/api/v1/offices/{office_id}/persons/{person_id}/credentials/{credential_id}/qr",
            get(api::qr),
        )
        .route(
            "/api/v1/offices/{office_id}/cases/{case_id}/credentials",
            post(api::issue_for_case),
        )
        .route(
            "/api/v1/offices/{office_id}/credentials/{credential_id}/revoke",
            post(api::revoke),
        )
        .route(
            "/api/v1/offices/{office_id}/persons/{person_id}/share-codes",
            get(api::share_codes).post(api::create_share),
        )
        .route("/share", get(share::page).post(share::submit))
        .route("/api/v1/share/check", post(share::api_check))
        .route(
            "/share/manage/{token}",
            get(share::manage).post(share::manage_cancel),
        )
}
