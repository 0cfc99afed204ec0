//! Shared application state and the bridge from async handlers to the synchronous store.

use crate::config::WebConfig;
use crate::i18n::I18n;
use daftar_domain::permission::{RoleCode, RoleDef};
use daftar_domain::store::Store;
use daftar_domain::{Error, Result};
use std::sync::Arc;

/// Everything a handler needs, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The store (SQLite or PostgreSQL).
    pub store: Arc<dyn Store>,
    /// Web settings.
    pub config: Arc<WebConfig>,
    /// Translations.
    pub i18n: Arc<I18n>,
    /// Prometheus registry handle.
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("backend", &self.store.backend())
            .finish()
    }
}

impl AppState {
    /// Runs a store call on a blocking thread.
    pub async fn db<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|e| Error::internal(format!("store task failed: {e}")))?
    }

    /// The role definition for `role` (`role.unknown` if the table lacks it).
    pub async fn role(&self, role: &RoleCode) -> Result<RoleDef> {
        let role = role.clone();
        self.db(move |s| {
            s.roles()?
                .into_iter()
                .find(|r| r.code == role)
                .ok_or_else(|| Error::invalid("role.unknown").with_field("role"))
        })
        .await
    }
}
