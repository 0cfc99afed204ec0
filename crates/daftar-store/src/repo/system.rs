//! Housekeeping of the store: which backend, health, pool figures, migrations, prewarming the
//! duplicate check's tables, and consistent backups.

use crate::SqlStore;
use daftar_domain::store::{Backend, PoolStats, SystemStore};
use daftar_domain::{Error, Result};
use std::path::Path;

impl SystemStore for SqlStore {
    fn backend(&self) -> Backend {
        match self.db {
            crate::Db::Sqlite(_) => Backend::Sqlite,
            crate::Db::Postgres(_) => Backend::Postgres,
        }
    }

    fn ping(&self) -> Result<()> {
        self.read(|tx| {
            tx.query_one("SELECT 1", &[])
                .map(|_| ())
                .map_err(Error::from)
        })
    }

    fn pool_stats(&self) -> PoolStats {
        match &self.db {
            crate::Db::Sqlite(d) => d.stats(),
            crate::Db::Postgres(d) => d.stats(),
        }
    }

    fn migrate(&self) -> Result<Vec<String>> {
        self.write(crate::migrate::ensure_tracking)?;
        let mut done = vec![];
        for m in crate::migrate::MIGRATIONS {
            if self.write(|tx| crate::migrate::apply(tx, m))? {
                tracing::info!(migration = m.name, "applied migration");
                done.push(m.name.to_owned());
            }
        }
        self.write(crate::migrate::seed_roles)?;
        let keyed = self.backfill_match_keys()?;
        if keyed > 0 {
            tracing::info!(persons = keyed, "computed match keys");
        }
        Ok(done)
    }

    fn prewarm(&self) -> Result<u64> {
        self.prewarm_match_index()
    }

    fn applied_migrations(&self) -> Result<Vec<String>> {
        self.write(crate::migrate::applied)
    }

    fn backup_to(&self, path: &Path) -> Result<()> {
        if path.exists() {
            return Err(Error::conflict("store.backup.exists")
                .with_details(serde_json::json!({ "path": path.display().to_string() })));
        }
        // Written under a temporary name beside the target and moved into place only when
        // complete, so a killed backup never leaves a partial file at `path` (nor blocks a re-run).
        let partial = crate::backup::partial_path(path);
        crate::backup::remove_leftovers(&partial);
        let target = partial
            .to_str()
            .ok_or_else(|| Error::invalid("store.backup.path_invalid"))?;
        let written = match &self.db {
            crate::Db::Sqlite(d) => d.raw("VACUUM INTO $1", &[target.into()]).map(|_| ()),
            crate::Db::Postgres(d) => {
                let out = std::process::Command::new("pg_dump")
                    .args(["--format=custom", "--file", target, d.url()])
                    .output()
                    .map_err(|_| {
                        Error::new(
                            "store.backup.unavailable",
                            daftar_domain::ErrorKind::Unavailable,
                        )
                    })?;
                if out.status.success() {
                    Ok(())
                } else {
                    Err(Error::store(format!(
                        "pg_dump failed: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    )))
                }
            }
        };
        let done = written.and_then(|()| crate::backup::publish(&partial, path));
        if done.is_err() {
            crate::backup::remove_leftovers(&partial);
        }
        done
    }
}
