//! Operational endpoints: `/healthz` (checks the store), `/metrics` (Prometheus text), and the
//! self-hosted static assets (`/static/app.css`, fonts from the configured font directory).

use crate::config::MetricsAccess;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::path::PathBuf;
use tower_http::services::ServeDir;

const APP_CSS: &str = include_str!("../../../static/app.css");

/// Routes of this feature.
/// Fonts are served only from a configured directory: a binary never looks into the source tree
/// it was built from (pages fall back to system fonts without one).
pub fn routes(font_dir: Option<PathBuf>) -> Router<AppState> {
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/static/app.css", get(css));
    match font_dir {
        Some(fonts) => router.nest_service("/static/fonts", ServeDir::new(fonts)),
        None => router,
    }
}

/// Health of the service and its store.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub store: &'static str,
}

/// Liveness and store check.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Response {
    let backend = match state.store.backend() {
        daftar_domain::store::Backend::Sqlite => "sqlite",
        daftar_domain::store::Backend::Postgres => "postgres",
    };
    match state.db(|s| s.ping()).await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(Health {
                status: "ok",
                store: backend,
            }),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(Health {
                    status: "unavailable",
                    store: backend,
                }),
            )
                .into_response()
        }
    }
}

/// `/metrics` on the main address: 404 unless `metrics = "token"`, then only with
/// `Authorization: Bearer <metrics_token>` (401 otherwise).
async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let MetricsAccess::Token(token) = &state.config.metrics else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if !given.is_some_and(|g| !token.is_empty() && crate::auth::same_secret(g, token)) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
        )
            .into_response();
    }
    render_metrics(&state)
}

/// The router of the separate metrics listener (`metrics = "listen"`): `/metrics` only, no
/// login (the address is meant to be reachable from the monitoring host only).
pub fn metrics_only(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(state): State<AppState>| async move { render_metrics(&state) }),
        )
        .with_state(state)
}

fn render_metrics(state: &AppState) -> Response {
    let pool = state.store.pool_stats();
    metrics::gauge!("daftar_db_pool_connections").set(f64::from(pool.connections));
    metrics::gauge!("daftar_db_pool_idle").set(f64::from(pool.idle));
    let kept = state.store.sign_in_figures();
    metrics::gauge!("daftar_sign_ins_listening").set(if kept.listening { 1.0 } else { 0.0 });
    #[allow(clippy::cast_precision_loss)]
    metrics::gauge!("daftar_sign_ins_kept").set(kept.kept as f64);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_CSS,
    )
        .into_response()
}
