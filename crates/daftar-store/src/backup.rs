//! Backups are written to `<target>.partial` and moved to the target only once complete: a
//! backup killed half-way leaves at most the partial file (removed by the next run), never a
//! truncated file under the name the operator asked for.

use daftar_domain::{Error, Result};
use std::path::{Path, PathBuf};

/// The temporary name a backup to `target` is written under.
pub(crate) fn partial_path(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Removes what an earlier, interrupted backup to the same target left behind (the partial file
/// and SQLite's rollback journal beside it).
pub(crate) fn remove_leftovers(partial: &Path) {
    let mut journal = partial.as_os_str().to_owned();
    journal.push("-journal");
    for p in [partial.to_owned(), PathBuf::from(journal)] {
        if p.exists()
            && let Err(e) = std::fs::remove_file(&p)
        {
            tracing::warn!(path = %p.display(), error = %e, "cannot remove a partial backup");
        }
    }
}

/// Makes the finished `partial` durable and gives it the name `target`, refusing to replace a
/// file that appeared there meanwhile (`store.backup.exists`).
pub(crate) fn publish(partial: &Path, target: &Path) -> Result<()> {
    let io = |e: std::io::Error| Error::store(format!("backup {}: {e}", target.display()));
    std::fs::File::open(partial)
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    // A hard link never replaces an existing file; the partial name is then dropped.
    match std::fs::hard_link(partial, target) {
        Ok(()) => std::fs::remove_file(partial).map_err(io)?,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::conflict("store.backup.exists")
                .with_details(serde_json::json!({ "path": target.display().to_string() })));
        }
        // File systems without hard links: a rename (the target was checked to be absent).
        Err(_) => std::fs::rename(partial, target).map_err(io)?,
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Why a file was refused as an SQLite backup to restore from (see [`check_sqlite_backup`]).
/// A plain message for the command line, not an error of the application's API.
#[derive(Debug)]
pub struct NotABackup(pub String);

impl std::fmt::Display for NotABackup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotABackup {}

/// Refuses anything but an intact daftar SQLite database: the file must open read-only as
/// SQLite, pass `PRAGMA integrity_check` and hold a `schema_migrations` table. Used by
/// `daftar restore` before the file replaces the database (here, so that only the store crate
/// names a database driver).
pub fn check_sqlite_backup(path: &Path) -> std::result::Result<(), NotABackup> {
    use r2d2_sqlite::rusqlite::{Connection, OpenFlags};
    let not_sqlite = |e: r2d2_sqlite::rusqlite::Error| {
        NotABackup(format!("{} is not an SQLite database: {e}", path.display()))
    };
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(not_sqlite)?;
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(not_sqlite)?;
    if check != "ok" {
        return Err(NotABackup(format!(
            "{} fails the integrity check: {check}",
            path.display()
        )));
    }
    let has: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            [],
            |r| r.get(0),
        )
        .map_err(not_sqlite)?;
    if has == 0 {
        return Err(NotABackup(format!(
            "{} is not a daftar database (no schema_migrations table)",
            path.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn publish_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("b.db");
        let partial = partial_path(&target);
        assert_eq!(partial, dir.path().join("b.db.partial"));
        std::fs::write(&partial, b"new").unwrap();
        std::fs::write(&target, b"old").unwrap();
        assert_eq!(
            publish(&partial, &target).unwrap_err().code,
            "store.backup.exists"
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        std::fs::remove_file(&target).unwrap();
        publish(&partial, &target).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert!(!partial.exists());
    }

    #[test]
    fn only_an_intact_daftar_database_is_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.txt");
        std::fs::write(
            &text,
            "not a database, just long enough to be read as a header...",
        )
        .unwrap();
        let e = check_sqlite_backup(&text).unwrap_err().to_string();
        assert!(e.contains("is not an SQLite database"), "{e}");

        let other = dir.path().join("other.db");
        r2d2_sqlite::rusqlite::Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x INTEGER)")
            .unwrap();
        let e = check_sqlite_backup(&other).unwrap_err().to_string();
        assert!(e.contains("no schema_migrations table"), "{e}");

        let daftar = dir.path().join("daftar.db");
        drop(crate::open_sqlite(&daftar).unwrap());
        check_sqlite_backup(&daftar).unwrap();
    }
}
