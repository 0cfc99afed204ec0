//! Shared application state and the bridge from async handlers to the synchronous store.

use crate::config::WebConfig;
use crate::i18n::I18n;
use daftar_domain::blob::BlobStore;
use daftar_domain::calendar::WorkCalendar;
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
    /// The country profile (catalog file and calendar file as shipped).
    pub profile: Arc<daftar_domain::profile::Profile>,
    /// The working-day calendar with the stored holidays; replaced when an admin edits them.
    pub calendar: Arc<std::sync::RwLock<Arc<WorkCalendar>>>,
    /// Where case documents are kept.
    pub blobs: Arc<dyn BlobStore>,
    /// The role definitions, read once at start (they are seeded by migrations and have no
    /// editor; every request needs its caller's).
    pub roles: Arc<Vec<daftar_domain::permission::RoleDef>>,
    /// Credential signing keys (sealed at rest).
    pub keys: daftar_store::keyring::KeyRing,
    /// The time and the offices' date (the only clock the web layer reads).
    pub clock: daftar_domain::clock::Clock,
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
        tokio::task::spawn_blocking(move || {
            daftar_store::postgres::on_blocking_thread(|| f(store.as_ref()))
        })
        .await
        .map_err(|e| Error::internal(format!("store task failed: {e}")))?
    }

    /// Runs a store call with a command parsed at the edge, or gives the parse error back
    /// without calling the store (so a form page shows it as it shows the store's errors).
    pub async fn db_parsed<C, T, F>(&self, parsed: Result<C>, f: F) -> Result<T>
    where
        C: Send + 'static,
        T: Send + 'static,
        F: FnOnce(&dyn Store, C) -> Result<T> + Send + 'static,
    {
        let command = parsed?;
        self.db(move |s| f(s, command)).await
    }

    /// The calendar in force.
    pub fn calendar(&self) -> Arc<WorkCalendar> {
        match self.calendar.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Rebuilds the calendar from the stored holidays (after an admin change).
    pub async fn reload_calendar(&self) -> Result<()> {
        let profile = self.profile.clone();
        let cal = self
            .db(move |s| profile.calendar.with_holidays(s.holidays()?))
            .await?;
        match self.calendar.write() {
            Ok(mut c) => *c = Arc::new(cal),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(cal),
        }
        Ok(())
    }

    /// The bulk-read limit in force: the profile's, unless the demo or a test replaced it.
    pub fn read_limit(&self) -> daftar_domain::read_watch::ReadLimit {
        self.config
            .bulk_read_override
            .unwrap_or(self.profile.privacy.bulk_read)
    }

    /// Today in the offices' time zone.
    pub fn today(&self) -> time::Date {
        self.clock.today()
    }

    /// Now (UTC, whole milliseconds).
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// The definition of `role` from the roles read at start.
    pub fn role_def(&self, role: &RoleCode) -> Result<RoleDef> {
        self.roles
            .iter()
            .find(|r| &r.code == role)
            .cloned()
            .ok_or_else(|| Error::invalid("role.unknown").with_field("role"))
    }
}
