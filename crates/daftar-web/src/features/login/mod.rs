//! Signing in and out: password login with progressive delay and lockout, the TOTP second
//! factor, forced TOTP enrolment for roles that require it, step-up re-authentication, logout.

mod handlers;

pub(crate) use handlers::check_password;
mod totp_enrol;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/login",
            get(handlers::login_page).post(handlers::login_submit),
        )
        .route(
            "/login/totp",
            get(handlers::totp_page).post(handlers::totp_submit),
        )
        .route("/logout", post(handlers::logout))
        .route(
            "/reauth",
            get(handlers::reauth_page).post(handlers::reauth_submit),
        )
        .route(
            "/profile/totp",
            get(totp_enrol::page).post(totp_enrol::submit),
        )
}
