//! HTTP layer of daftar: the axum router, organised by feature, serving server-rendered pages
//! (askama, right-to-left first) and the `/api/v1` JSON API with its OpenAPI document.

pub mod auth;
pub mod charts;
pub mod conditional;
mod config;
pub mod context;
pub mod error;
pub mod export;
pub mod extract;
pub mod features;
pub mod i18n;
pub mod idempotency;
pub mod jobs;
pub mod notify;
pub mod pages;
pub mod state;

pub use config::{MetricsAccess, WebConfig};
pub use state::AppState;

use axum::Router;
use axum::middleware;
use daftar_domain::Error;
use daftar_domain::store::Store;
use error::AppError;
use std::future::Future;
use std::sync::{Arc, OnceLock};

/// The process-wide Prometheus recorder (a recorder can be installed only once per process).
fn metrics_handle() -> metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: OnceLock<metrics_exporter_prometheus::PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = metrics_exporter_prometheus::PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ])
                .unwrap_or_else(|_| metrics_exporter_prometheus::PrometheusBuilder::new());
            match builder.install_recorder() {
                Ok(h) => h,
                Err(e) => {
                    tracing::warn!(error = %e, "metrics recorder not installed");
                    metrics_exporter_prometheus::PrometheusBuilder::new()
                        .build_recorder()
                        .handle()
                }
            }
        })
        .clone()
}

/// Builds the application state (loads translations).
pub fn state(store: Arc<dyn Store>, config: WebConfig) -> Result<AppState, Error> {
    let mut i18n = i18n::I18n::load(&config.default_locale).map_err(Error::internal)?;
    if let Some(m) = &config.i18n_misses {
        i18n = i18n.recording(m.clone());
    }
    let clock = config
        .clock
        .clone()
        .unwrap_or_else(|| daftar_domain::clock::Clock::system_minutes(config.utc_offset_minutes));
    let profile = match &config.profile_dir {
        Some(dir) => daftar_store::profile::from_dir(dir)?,
        None => daftar_domain::profile::Profile::iran()?,
    };
    let blob_dir = config
        .blob_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("daftar-blobs"));
    let blobs = daftar_store::blob::FsBlobStore::new(blob_dir)?;
    // The store may be a synchronous PostgreSQL client: install the profile on a plain thread.
    let keys = if config.key_secret.is_empty() {
        daftar_store::keyring::KeyRing::new(&auth::random_token(32))?
    } else {
        daftar_store::keyring::KeyRing::new(&config.key_secret)?
    }
    .with_clock(clock.clone());
    let (calendar, roles) = std::thread::scope(|s| {
        s.spawn(|| {
            let made = keys.ensure(
                store.as_ref(),
                &daftar_domain::audit::AuditCtx::system("start"),
            )?;
            for k in made {
                tracing::info!(kid = %k.kid, role = k.role.code(), "credential key generated");
            }
            Ok((
                daftar_store::profile::install(store.as_ref(), &profile)?,
                store.roles()?,
            ))
        })
        .join()
        .unwrap_or_else(|_| Err(Error::internal("profile install panicked")))
    })?;
    // Every request looks up its caller; where the store can hear every node's changes it
    // keeps those lookups between requests (docs/deploy.md). Without it each request asks the
    // database, which is slower but as right.
    if let Err(e) = store.keep_sign_ins() {
        tracing::warn!(error = %e, "callers' lookups are not kept between requests");
    }
    Ok(AppState {
        store,
        config: Arc::new(config),
        i18n: Arc::new(i18n),
        metrics: metrics_handle(),
        profile: Arc::new(profile),
        calendar: Arc::new(std::sync::RwLock::new(Arc::new(calendar))),
        blobs: Arc::new(blobs),
        roles: Arc::new(roles),
        keys,
        clock,
    })
}

/// The router over a ready state.
pub fn app(state: AppState) -> Router {
    let font_dir = state.config.font_dir.clone();
    Router::new()
        .merge(features::home::routes())
        .merge(features::login::routes())
        .merge(features::locale::routes())
        .merge(features::offices::routes())
        .merge(features::information::routes())
        .merge(features::licences::routes())
        .merge(features::association::routes())
        .merge(features::accreditation::routes())
        .merge(features::consultations::routes())
        .merge(features::helpdesk::routes())
        .merge(features::referrals::routes())
        .merge(features::voluntary_return::routes())
        .merge(features::notify::routes())
        .merge(features::rounds::routes())
        .merge(features::planning::routes())
        .merge(features::kpi::routes())
        .merge(features::plans::routes())
        .merge(features::dashboard::routes())
        .merge(features::persons::routes())
        .merge(features::households::routes())
        .merge(features::review::routes())
        .merge(features::services::routes())
        .merge(features::cases::routes())
        .merge(features::credentials::routes())
        .merge(features::portal::routes())
        .merge(features::api::routes())
        .merge(features::profile::routes())
        .merge(features::users::routes())
        .merge(features::audit::routes())
        .merge(features::read_watch::routes())
        .merge(features::system::routes(font_dir))
        // A route layer: it runs only for a route and method that exist, so a wrong method is
        // 405 whatever `Idempotency-Key` it carries.
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::middleware,
        ))
        .fallback(|| async { AppError(Error::not_found("route.not_found")) })
        .method_not_allowed_fallback(|| async {
            AppError(Error::new(
                "route.method_not_allowed",
                daftar_domain::ErrorKind::MethodNotAllowed,
            ))
        })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            context::middleware,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
            )
                .into_response_compat()
        }))
        .with_state(state)
}

trait IntoResponseCompat {
    fn into_response_compat(self) -> axum::response::Response;
}
impl<T: axum::response::IntoResponse> IntoResponseCompat for T {
    fn into_response_compat(self) -> axum::response::Response {
        self.into_response()
    }
}

/// Builds the application router over a store. Fails only if the embedded translations are broken.
pub fn router(store: Arc<dyn Store>, config: WebConfig) -> Router {
    match state(store.clone(), config.clone()) {
        Ok(s) => app(s),
        Err(e) => {
            tracing::error!(error = %e, "cannot build the application");
            Router::new().fallback(|| async {
                (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "daftar failed to start: translations",
                )
            })
        }
    }
}

/// Serves the application on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    config: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let state = state(store, config).map_err(|e| std::io::Error::other(e.to_string()))?;
    let escalation = tokio::spawn(jobs::escalation_loop(state.clone()));
    let kpi = tokio::spawn(jobs::kpi_loop(state.clone()));
    let metrics = match state.config.metrics {
        config::MetricsAccess::Listen(addr) => {
            let l = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot listen for metrics on {addr}: {e}"),
                )
            })?;
            tracing::info!(%addr, "serving /metrics");
            let router = features::system::metrics_only(state.clone());
            Some(tokio::spawn(async move { axum::serve(l, router).await }))
        }
        _ => None,
    };
    let purge = tokio::spawn(jobs::housekeeping_loop(state.clone()));
    let sealer = tokio::spawn(jobs::audit_sealer_loop(state.clone()));
    let notify = tokio::spawn(jobs::notify_loop(state.clone()));
    let served = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    escalation.abort();
    kpi.abort();
    if let Some(m) = metrics {
        m.abort();
    }
    purge.abort();
    sealer.abort();
    notify.abort();
    served
}
