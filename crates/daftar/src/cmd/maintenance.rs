//! `migrate`, `backup` and `restore`.

use crate::config::Loaded;
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::ExitCode;

/// Applies pending migrations.
pub fn migrate(loaded: &Loaded) -> Result<ExitCode> {
    let store = super::open(loaded)?;
    let applied = store.migrate()?;
    if applied.is_empty() {
        println!(
            "database is up to date; migrations applied: {}",
            store.applied_migrations()?.join(", ")
        );
    } else {
        for m in applied {
            println!("applied {m}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a backup.
pub fn backup(loaded: &Loaded, to: &Path) -> Result<ExitCode> {
    let store = super::open(loaded)?;
    store.backup_to(to)?;
    let size = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    println!("backup written to {} ({size} bytes)", to.display());
    Ok(ExitCode::SUCCESS)
}

/// Replaces the database with a backup.
pub fn restore(loaded: &Loaded, from: &Path) -> Result<ExitCode> {
    if !from.is_file() {
        bail!("backup file {} does not exist", from.display());
    }
    if loaded.config.is_postgres() {
        let status = std::process::Command::new("pg_restore")
            .args([
                "--clean",
                "--if-exists",
                "--no-owner",
                "-d",
                &loaded.config.database_url,
            ])
            .arg(from)
            .status()
            .context("pg_restore is not available on PATH")?;
        if !status.success() {
            bail!("pg_restore failed ({status})");
        }
        println!("restored PostgreSQL database from {}", from.display());
        return Ok(ExitCode::SUCCESS);
    }
    daftar_store::check_sqlite_backup(from)?;
    let target = loaded.config.sqlite_path();
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = target.with_extension("db.restoring");
    std::fs::copy(from, &tmp).with_context(|| format!("cannot copy to {}", tmp.display()))?;
    for ext in ["db-wal", "db-shm"] {
        let _ = std::fs::remove_file(target.with_extension(ext));
    }
    std::fs::rename(&tmp, &target)
        .with_context(|| format!("cannot replace {}", target.display()))?;
    println!("restored {} from {}", target.display(), from.display());
    Ok(ExitCode::SUCCESS)
}
