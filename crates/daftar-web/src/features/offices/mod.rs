//! Offices: the list (every office for authority roles, one's own otherwise), an office page,
//! creation by system administrators, and the public directory (`/directory`); HTML pages and
//! `/api/v1/offices`.

pub mod api;
mod directory;
mod html;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/directory", get(directory::page))
        .route("/offices", get(html::list).post(html::create))
        .route("/offices/{office_id}", get(html::show))
        .route("/offices/{office_id}/status", post(html::set_status))
        .route("/api/v1/offices", get(api::list).post(api::create))
        .route("/api/v1/offices/{office_id}", get(api::show))
        .route("/api/v1/offices/{office_id}/status", post(api::set_status))
}
