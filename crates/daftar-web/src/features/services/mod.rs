//! The public service catalog and the working-day calendar: anyone (no login) can list the
//! services with their steps, documents and fees, and see the official holidays; holders of
//! `catalog.manage` change a service (each change is a new version, kept in the history; cases
//! keep the version they were opened under) and add or remove holidays. All changes are audited.

pub mod api;
mod html;

pub(crate) use html::fee_text as html_fee_text;

use crate::state::AppState;
use axum::Router;
use axum::routing::{delete, get, post};

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/services", get(html::list))
        .route("/services/{code}", get(html::show).post(html::update))
        .route("/calendar", get(html::calendar).post(html::set_holiday))
        .route("/calendar/remove", post(html::remove_holiday))
        .route("/api/v1/services", get(api::list))
        .route("/api/v1/services/{code}", get(api::show).put(api::update))
        .route("/api/v1/services/{code}/history", get(api::history))
        .route("/api/v1/calendar", get(api::calendar))
        .route("/api/v1/calendar/holidays", post(api::set_holiday))
        .route(
            "/api/v1/calendar/holidays/{date}",
            delete(api::remove_holiday),
        )
        .route("/api/v1/calendar/due", get(api::due))
}
