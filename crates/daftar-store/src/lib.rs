//! Storage for daftar: one implementation of [`daftar_domain::store::Store`] written once over
//! SQLite (embedded default) and PostgreSQL (production), with migrations for both.

use daftar_domain::store::Store;
use daftar_domain::{Error, Result};
use std::sync::Arc;

/// Opens the store named by `database_url`: `postgres://…` / `postgresql://…` selects
/// PostgreSQL; `sqlite://PATH` or a plain path selects SQLite (created if missing, migrated).
pub fn connect(database_url: &str) -> Result<Arc<dyn Store>> {
    Err(Error::store(format!("storage not built yet for {database_url}")))
}
