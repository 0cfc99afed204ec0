//! HTTP layer of daftar: the axum router, organised by feature, serving server-rendered pages
//! (askama, right-to-left first) and the `/api/v1` JSON API with its OpenAPI document.

mod config;
pub use config::WebConfig;

use daftar_domain::store::Store;
use std::future::Future;
use std::sync::Arc;

/// Builds the application router over a store.
pub fn router(store: Arc<dyn Store>, config: WebConfig) -> axum::Router {
    let _ = (store, config);
    axum::Router::new()
}

/// Serves the application on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    config: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(store, config);
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
