//! Households of one office: the list, creating one around a head (from the person's page),
//! the household view with every member's status, adding or moving a member, and splitting
//! members off into a new household. Personal data: the store audits every read and change.

pub mod api;
mod html;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/offices/{office_id}/households",
            get(html::list).post(html::create),
        )
        .route(
            "/offices/{office_id}/households/{household_id}",
            get(html::show),
        )
        .route(
            "/offices/{office_id}/households/{household_id}/members",
            post(html::add_member),
        )
        .route(
            "/offices/{office_id}/households/{household_id}/split",
            post(html::split),
        )
        .route(
            "/offices/{office_id}/households/{household_id}/members/{person_id}",
            post(html::set_relationship),
        )
        .route(
            "/api/v1/offices/{office_id}/households/{household_id}/members/{person_id}",
            post(api::set_relationship),
        )
        .route(
            "/api/v1/offices/{office_id}/households",
            get(api::list).post(api::create),
        )
        .route(
            "/api/v1/offices/{office_id}/households/{household_id}",
            get(api::show),
        )
        .route(
            "/api/v1/offices/{office_id}/households/{household_id}/members",
            post(api::add_member),
        )
        .route(
            "/api/v1/offices/{office_id}/households/{household_id}/split",
            post(api::split),
        )
}
