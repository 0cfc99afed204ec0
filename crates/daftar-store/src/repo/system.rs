//! Housekeeping of the store: which backend, health, pool figures, migrations, prewarming the
//! duplicate check's tables, and consistent backups.

use crate::SqlStore;
use crate::sql::params;
use daftar_domain::store::{Backend, PoolStats, SystemStore};
use daftar_domain::{Error, Result};
use std::path::Path;

impl SystemStore for SqlStore {
    fn take_slot(&self, scope: &str, key: &str, max: u32, window: time::Duration) -> Result<bool> {
        let now = self.now();
        self.write(|tx| {
            let count = tx
                .query_one(
                    "INSERT INTO rate_limits (scope, key, window_start, count) VALUES ($1, $2, $3, 1) \
                     ON CONFLICT (scope, key) DO UPDATE SET \
                     count = CASE WHEN rate_limits.window_start <= $4 THEN 1 ELSE rate_limits.count + 1 END, \
                     window_start = CASE WHEN rate_limits.window_start <= $4 THEN excluded.window_start ELSE rate_limits.window_start END \
                     RETURNING count",
                    params![scope, key, now, now - window],
                )?
                .i64(0)?;
            Ok(count <= i64::from(max))
        })
    }

    fn give_slot(&self, scope: &str, key: &str) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "UPDATE rate_limits SET count = count - 1 WHERE scope = $1 AND key = $2 AND count > 0",
                params![scope, key],
            )?;
            Ok(())
        })
    }

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
        let reminded = self.backfill_reminders()?;
        if reminded > 0 {
            tracing::info!(
                reminders = reminded,
                "wrote the reminders of earlier appointments"
            );
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
