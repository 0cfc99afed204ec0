//! Storage for daftar: one implementation of [`daftar_domain::store::Store`] written once over
//! SQLite (embedded default) and PostgreSQL (production), with migrations for both.
//!
//! Layout: [`sql`] is the small shared SQL layer (values, rows, the `Tx` trait); [`sqlite`] and
//! [`postgres`] are the two backends; `repo` holds the repository code, written once; [`migrate`]
//! holds the migration list and runner.

mod backup;
mod combine;
pub use backup::{NotABackup, check_sqlite_backup};
pub mod blob;
pub mod keyring;
pub mod migrate;
mod numbers;
mod pg_listen;
mod pg_tls;
pub mod postgres;
mod prepared;
pub mod profile;
mod repo;
pub use repo::audit::SEALER_LOCK as AUDIT_SEALER_LOCK;
mod sign_ins;
pub mod sql;
pub mod sqlite;
pub mod synth;

use daftar_domain::Result;
use daftar_domain::clock::Clock;
use daftar_domain::store::{Store, SystemStore};
use std::path::Path;
use std::sync::Arc;

/// The database behind a [`SqlStore`].
pub(crate) enum Db {
    Sqlite(Box<sqlite::SqliteDb>),
    Postgres(postgres::PgDb),
}

/// The store: the same repository code over either backend.
pub struct SqlStore {
    pub(crate) db: Db,
    /// Registered persons prepared for the enrolment-time duplicate check.
    pub(crate) prepared: prepared::PreparedCache,
    /// The time written into records and audit rows, and the offices' date.
    pub(crate) clock: Clock,
    /// Case reference numbers this node reserved (PostgreSQL).
    pub(crate) numbers: numbers::Blocks,
    /// Single-person reads waiting to be counted and audited together (group commit).
    pub(crate) reads: combine::Combiner<repo::read_watch::ReadJob, repo::read_watch::Counted>,
    /// The callers' lookups this node keeps between requests (PostgreSQL, once
    /// [`daftar_domain::store::UserStore::keep_sign_ins`] started listening).
    pub(crate) sign_ins: Arc<sign_ins::SignIns>,
    /// The connection listening for sign-in changes, once started.
    listener: std::sync::Mutex<Option<pg_listen::Listener>>,
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend())
            .finish()
    }
}

/// Opens the store named by `database_url`: `postgres://…` / `postgresql://…` selects
/// PostgreSQL (not migrated here: run `daftar migrate`); `sqlite://PATH` or a plain path selects
/// SQLite (created if missing and migrated).
pub fn connect(database_url: &str) -> Result<Arc<dyn Store>> {
    Ok(Arc::new(connect_sql(database_url)?))
}

/// [`connect`], as the concrete store (for maintenance such as [`SqlStore::execute_raw`]).
pub fn connect_sql(database_url: &str) -> Result<SqlStore> {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        open_postgres(database_url)
    } else {
        let path = database_url
            .strip_prefix("sqlite://")
            .unwrap_or(database_url);
        open_sqlite(Path::new(path))
    }
}

/// Opens (creating if needed) and migrates the SQLite database at `path`.
pub fn open_sqlite(path: &Path) -> Result<SqlStore> {
    let store = SqlStore {
        db: Db::Sqlite(Box::new(sqlite::SqliteDb::open(path)?)),
        prepared: Default::default(),
        clock: Clock::default(),
        numbers: Default::default(),
        reads: Default::default(),
        sign_ins: Default::default(),
        listener: Default::default(),
    };
    store.migrate()?;
    Ok(store)
}

/// Connects to PostgreSQL at `url` (does not migrate).
pub fn open_postgres(url: &str) -> Result<SqlStore> {
    Ok(SqlStore {
        db: Db::Postgres(postgres::PgDb::open(url)?),
        prepared: Default::default(),
        clock: Clock::default(),
        numbers: Default::default(),
        reads: Default::default(),
        sign_ins: Default::default(),
        listener: Default::default(),
    })
}

/// Hides the password of a URL: `postgres://u:secret@h/db` → `postgres://u:***@h/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some(parts) => parts,
        None => return url.to_owned(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

impl SqlStore {
    /// The same store reading time from `clock` (the server's, with the offices' time zone).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the clock (see [`SqlStore::with_clock`]) of a store not yet shared.
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// Runs `change_it`, a change that can alter callers' lookups, and forgets what this node
    /// kept of them (other nodes hear of it from the database's notification).
    pub(crate) fn changing_sign_ins<T>(
        &self,
        change: sign_ins::Change,
        change_it: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let out = change_it();
        self.sign_ins.forget(change);
        out
    }

    /// Starts the connection that listens for sign-in changes (PostgreSQL; once per store).
    pub(crate) fn listen_for_sign_in_changes(&self) -> Result<()> {
        let Db::Postgres(db) = &self.db else {
            return Ok(());
        };
        // Held while the listener starts, so two callers at once start one listener (two would
        // both set the one flag: a stopped one could leave it on).
        let mut listener = self
            .listener
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if listener.is_some() {
            return Ok(());
        }
        let kept = Arc::downgrade(&self.sign_ins);
        *listener = Some(db.listen(sign_ins::CHANNEL, move |heard| {
            let Some(kept) = kept.upgrade() else { return };
            match heard {
                pg_listen::Heard::Listening => kept.set_listening(true),
                pg_listen::Heard::Lost => kept.set_listening(false),
                pg_listen::Heard::Payload(p) => kept.forget(sign_ins::Change::of_payload(&p)),
            }
        })?);
        Ok(())
    }

    /// Now, as records and audit rows keep it (UTC, whole milliseconds).
    pub(crate) fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Runs raw SQL outside the repository code: for maintenance and for tests that tamper with
    /// the database on purpose. Never used by the application.
    pub fn execute_raw(&self, sql: &str) -> Result<u64> {
        match &self.db {
            Db::Sqlite(d) => d.raw(sql, &[]),
            Db::Postgres(d) => postgres::outside_runtime(|| {
                d.write(|tx| {
                    tx.batch(sql)?;
                    Ok(0)
                })
            }),
        }
    }

    /// Runs a raw read-only query outside the repository code and returns its rows: for tests
    /// and maintenance that read the database's own catalog (the schema comparison of the two
    /// migration trees). Never used by the application. On PostgreSQL every selected column must
    /// be of a type the store reads (text, integers, boolean, timestamptz): cast catalog types
    /// such as `name` or `sql_identifier` with `::text`.
    pub fn query_raw(&self, sql: &str, params: &[sql::Value]) -> Result<Vec<sql::Row>> {
        self.read(|tx| tx.query(sql, params).map_err(daftar_domain::Error::from))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(super::redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact_url("./data/daftar.db"), "./data/daftar.db");
    }
}
