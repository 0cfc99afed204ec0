//! Persons of one office (personal data: every list and view is audited by the store). Staff
//! reach only their own office's persons; the office is part of the path and checked by
//! `Principal::scope` before the store is called.

pub(crate) mod access;
pub mod api;
pub(crate) mod html;
pub mod photo;
pub mod request;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post, put};

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/offices/{office_id}/persons",
            get(html::list).post(html::create),
        )
        .route("/offices/{office_id}/persons/new", get(html::new_form))
        .route("/offices/{office_id}/persons/export.csv", get(api::export))
        .route("/offices/{office_id}/persons/{person_id}", get(html::show))
        .route(
            "/offices/{office_id}/persons/{person_id}/access",
            get(access::at_office),
        )
        .route(
            "/api/v1/offices/{office_id}/persons/{person_id}/access",
            get(access::api_at_office),
        )
        .route("/portal/access", get(access::mine))
        .route("/api/v1/portal/access", get(access::api_mine))
        .route(
            "/offices/{office_id}/persons/{person_id}/status",
            post(html::set_status),
        )
        .route(
            "/offices/{office_id}/persons/{person_id}/documents",
            post(html::add_document),
        )
        .route(
            "/offices/{office_id}/persons/{person_id}/medical-needs",
            post(html::set_medical_needs),
        )
        .route(
            "/api/v1/offices/{office_id}/persons/{person_id}/medical-needs",
            put(api::set_medical_needs),
        )
        .route(
            "/offices/{office_id}/persons/{person_id}/photo",
            get(photo::show)
                .post(photo::upload_form)
                .layer(axum::extract::DefaultBodyLimit::max(2 * 1024 * 1024)),
        )
        .route(
            "/api/v1/offices/{office_id}/persons/{person_id}/photo",
            get(photo::api_show)
                .put(photo::api_put)
                .layer(axum::extract::DefaultBodyLimit::max(2 * 1024 * 1024)),
        )
        .route(
            "/api/v1/offices/{office_id}/persons",
            get(api::list).post(api::create),
        )
        .route(
            "/api/v1/offices/{office_id}/persons/{person_id}",
            get(api::show),
        )
        .route(
            "/api/v1/offices/{office_id}/persons/export",
            get(api::export),
        )
        .route(
            "/api/v1/offices/{office_id}/persons/{person_id}/status",
            post(api::set_status),
        )
        .route(
            "/api/v1/offices/{office_id}/persons/{person_id}/documents",
            post(api::add_document),
        )
        .route("/api/v1/persons/candidates", get(api::candidates))
}
