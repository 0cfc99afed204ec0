//! Cases: applications for a service by a person or a household, from opening (eligibility
//! checked) through the workflow's steps (role, documents, fee and consent guards; SLA due
//! dates in working days, paused while returned to the applicant) to approval or rejection;
//! evidence uploads, payments with numbered receipts, the office work queue with bulk
//! assignment, and the public receipt check with its "I was asked to pay more" complaint.
//! Personal data: the store audits every read and change.

pub mod api;
pub(crate) mod html;
pub mod receipts;
pub mod slip;
mod upload;

use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// Upload limit of the document routes (the file's own limit is checked separately).
const UPLOAD_BODY_LIMIT: usize = 6 * 1024 * 1024;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/offices/{office_id}/cases",
            get(html::queue).post(html::open),
        )
        .route("/offices/{office_id}/cases/new", get(html::new_form))
        .route("/offices/{office_id}/cases/assign", post(html::assign))
        .route("/offices/{office_id}/cases/{case_id}", get(html::show))
        .route("/offices/{office_id}/cases/{case_id}/slip", get(slip::page))
        .route(
            "/offices/{office_id}/cases/{case_id}/appointment",
            post(slip::book),
        )
        .route(
            "/offices/{office_id}/cases/{case_id}/appointment/arrived",
            post(slip::arrived),
        )
        .route(
            "/api/v1/offices/{office_id}/cases/{case_id}/appointment",
            post(slip::api_book),
        )
        .route(
            "/api/v1/offices/{office_id}/appointments",
            get(slip::api_slots),
        )
        .route(
            "/offices/{office_id}/cases/{case_id}/actions",
            post(html::change),
        )
        .route(
            "/offices/{office_id}/cases/{case_id}/documents",
            post(html::upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/offices/{office_id}/cases/{case_id}/documents/{document_id}",
            get(html::document),
        )
        .route(
            "/offices/{office_id}/cases/{case_id}/payments",
            post(html::pay),
        )
        .route(
            "/offices/{office_id}/cases/{case_id}/receipts/{receipt_no}",
            get(html::receipt),
        )
        .route(
            "/api/v1/offices/{office_id}/cases",
            get(api::queue).post(api::open),
        )
        .route(
            "/api/v1/offices/{office_id}/cases/assign",
            post(api::assign),
        )
        .route(
            "/api/v1/offices/{office_id}/cases/{case_id}",
            get(api::show),
        )
        .route(
            "/api/v1/offices/{office_id}/cases/{case_id}/actions",
            post(api::change),
        )
        .route(
            "/api/v1/offices/{office_id}/cases/{case_id}/documents",
            post(api::upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/api/v1/offices/{office_id}/cases/{case_id}/documents/{document_id}",
            get(api::document),
        )
        .route(
            "/api/v1/offices/{office_id}/cases/{case_id}/payments",
            post(api::pay),
        )
        .route("/receipts/{check_code}", get(receipts::page))
        .route("/receipts/{check_code}/complaint", post(receipts::complain))
        .route("/api/v1/receipts/{check_code}", get(receipts::api_check))
        .route(
            "/api/v1/receipts/{check_code}/complaints",
            post(receipts::api_complain),
        )
        .route("/api/v1/fee-report", get(receipts::api_report))
}
