//! Migrations: one ordered list of names, with a SQL file per backend under
//! `migrations/{sqlite,postgres}/NAME.sql` (`tests/it/store.rs` checks the two trees hold the same
//! names, `tests/it/schema.rs` that they build the same schema). Each is applied once, in its own
//! transaction, and recorded in `schema_migrations`. The built-in roles and their permissions
//! are then seeded from `daftar_domain::permission::default_roles()`.

use crate::sql::{Dialect, Tx, params};
use daftar_domain::Result;
use daftar_domain::permission::default_roles;

/// A migration: name and SQL per backend.
pub struct Migration {
    /// File stem, e.g. `0001_foundation`.
    pub name: &'static str,
    /// SQLite SQL.
    pub sqlite: &'static str,
    /// PostgreSQL SQL.
    pub postgres: &'static str,
}

macro_rules! migration {
    ($name:literal) => {
        Migration {
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $name, ".sql")),
        }
    };
}

/// Every migration, in order.
pub const MIGRATIONS: &[Migration] = &[
    migration!("0001_foundation"),
    migration!("0002_person_match_keys"),
    migration!("0003_person_details"),
    migration!("0004_households"),
    migration!("0005_duplicate_review"),
    migration!("0006_person_photos"),
    migration!("0007_services_cases"),
    migration!("0008_credentials"),
    migration!("0009_portal"),
    migration!("0010_appointments"),
    migration!("0011_match_index"),
    migration!("0012_selective_match_keys"),
    migration!("0013_totp_last_step"),
    migration!("0014_idempotency_answers"),
    migration!("0015_case_employer"),
    migration!("0016_person_imports"),
    migration!("0017_bulk_read_alarm"),
    migration!("0018_audit_sealer"),
    migration!("0019_rate_limits"),
    migration!("0020_office_licences"),
    migration!("0021_audit_target"),
    migration!("0022_kpi"),
    migration!("0023_rounds"),
    migration!("0024_helpdesk"),
    migration!("0025_notify"),
    migration!("0026_dashboard"),
    migration!("0027_kpi_complaints"),
    migration!("0028_referrals"),
    migration!("0029_voluntary_return"),
    migration!("0030_medical_needs"),
    migration!("0031_notify_email"),
    migration!("0032_reminder_backfill"),
    migration!("0033_appointment_attendance"),
    migration!("0034_office_plans"),
    migration!("0035_consultations"),
    migration!("0036_staff_accreditation"),
    migration!("0037_office_address"),
    migration!("0038_dashboard_provinces"),
    migration!("0039_sign_in_changes"),
];

const TRACKING: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)";

/// Creates the tracking table (in its own transaction, before the migrations).
pub fn ensure_tracking(tx: &mut dyn Tx) -> Result<()> {
    if tx.dialect() == Dialect::Postgres {
        // Serialise concurrent migrators (two servers starting at once). A migration may wait
        // for its locks as long as it takes: the connection's 5 s `lock_timeout` is for requests.
        tx.batch("SET LOCAL lock_timeout = 0")?;
        tx.exec("SELECT pg_advisory_xact_lock(71842)", &[])?;
    }
    tx.batch(TRACKING)?;
    Ok(())
}

/// Names already applied, in order.
pub fn applied(tx: &mut dyn Tx) -> Result<Vec<String>> {
    tx.batch(TRACKING)?;
    tx.query("SELECT name FROM schema_migrations ORDER BY name", &[])?
        .iter()
        .map(|r| r.text(0))
        .collect()
}

/// Applies `m` if it is not applied yet; returns whether it ran.
pub fn apply(tx: &mut dyn Tx, m: &Migration) -> Result<bool> {
    if tx.dialect() == Dialect::Postgres {
        tx.batch("SET LOCAL lock_timeout = 0")?;
        tx.exec("SELECT pg_advisory_xact_lock(71842)", &[])?;
    }
    if tx
        .query_opt(
            "SELECT name FROM schema_migrations WHERE name = $1",
            params![m.name],
        )?
        .is_some()
    {
        return Ok(false);
    }
    tx.batch(match tx.dialect() {
        Dialect::Sqlite => m.sqlite,
        Dialect::Postgres => m.postgres,
    })?;
    let now = crate::sql::ts_text(tx.now());
    tx.exec(
        "INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)",
        params![m.name, now],
    )?;
    Ok(true)
}

/// Inserts the built-in roles and permissions that are missing (never removes what an
/// administrator added).
pub fn seed_roles(tx: &mut dyn Tx) -> Result<()> {
    for role in default_roles() {
        tx.exec(
            "INSERT INTO roles (code, totp_required, office_bound) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING",
            params![role.code.as_str(), role.totp_required, role.office_bound],
        )?;
        for p in &role.permissions {
            tx.exec(
                "INSERT INTO role_permissions (role, permission) VALUES ($1, $2) ON CONFLICT (role, permission) DO NOTHING",
                params![role.code.as_str(), p.code()],
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;
    use std::collections::BTreeSet;

    fn names(dir: &str) -> BTreeSet<String> {
        std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .map(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .trim_end_matches(".sql")
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn both_trees_hold_the_same_migrations_and_all_are_embedded() {
        let sqlite = names("sqlite");
        let postgres = names("postgres");
        assert_eq!(
            sqlite, postgres,
            "migrations/sqlite and migrations/postgres must have the same file names"
        );
        let embedded: BTreeSet<String> = MIGRATIONS.iter().map(|m| m.name.to_owned()).collect();
        assert_eq!(
            sqlite, embedded,
            "every migration file must be listed in MIGRATIONS"
        );
        let mut sorted: Vec<_> = MIGRATIONS.iter().map(|m| m.name).collect();
        sorted.sort();
        assert_eq!(
            sorted,
            MIGRATIONS.iter().map(|m| m.name).collect::<Vec<_>>(),
            "MIGRATIONS must be in order"
        );
    }
}
