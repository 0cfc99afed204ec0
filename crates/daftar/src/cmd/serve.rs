//! `daftar serve`: the web application and API on one port, until Ctrl-C or SIGTERM.

use crate::config::Loaded;
use anyhow::{Context, Result};
use daftar_domain::store::Store;
use std::process::ExitCode;
use std::sync::Arc;

/// Sets up logging from the configured filter (`RUST_LOG` wins when set). Colours only on a
/// terminal (a log written to a file or a pipe has no escape codes) and never with `NO_COLOR`.
pub fn init_logging(filter: &str) {
    use std::io::IsTerminal;
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| filter.to_owned());
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_ansi(colour)
        .try_init();
}

/// Serves with the configured store.
pub fn serve(loaded: &Loaded) -> Result<ExitCode> {
    init_logging(&loaded.config.log);
    let store = super::open(loaded)?;
    if store.backend() == daftar_domain::store::Backend::Postgres {
        let pending = store.migrate()?;
        if !pending.is_empty() {
            tracing::info!(?pending, "applied PostgreSQL migrations");
        }
    }
    // Warm the duplicate check's tables in the background (the server answers meanwhile).
    let warm = store.clone();
    std::thread::spawn(move || {
        let t = std::time::Instant::now();
        match warm.prewarm() {
            Ok(rows) => tracing::info!(
                rows,
                seconds = t.elapsed().as_secs_f64(),
                "prewarmed the duplicate check's tables"
            ),
            Err(e) => tracing::warn!(error = %e, "prewarming the duplicate check's tables failed"),
        }
    });
    run_server(loaded, store, |url| {
        println!("daftar is serving on {url}  (Ctrl-C to stop)")
    })
}

/// Runs the server until a shutdown signal; `announce` is called with the URL once listening.
pub fn run_server(
    loaded: &Loaded,
    store: Arc<dyn Store>,
    announce: impl FnOnce(&str),
) -> Result<ExitCode> {
    run_server_with(loaded, store, loaded.config.web(), announce)
}

/// [`run_server`] with the web settings given (the demo lowers the bulk-read limit).
pub fn run_server_with(
    loaded: &Loaded,
    store: Arc<dyn Store>,
    web: daftar_web::WebConfig,
    announce: impl FnOnce(&str),
) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&loaded.config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", loaded.config.listen))?;
        let addr = listener.local_addr()?;
        announce(&format!("http://{addr}/"));
        tracing::info!(%addr, backend = ?store.backend(), "serving");
        daftar_web::serve(listener, store, web, shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
