//! Test kit: a fresh database per test on each backend, and a macro that runs one test body on
//! SQLite and PostgreSQL.
//!
//! PostgreSQL tests use the server in `TEST_DATABASE_URL` (a new database per test, dropped
//! afterwards). When it is not set they are skipped with a message, except with `CI=true`,
//! where a missing PostgreSQL fails the test.

// Test support: failing loudly is the point.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use daftar_domain::store::Store;
use std::sync::Arc;

mod register;
pub use register::{Register, document, probe};

/// The PostgreSQL server for tests, if configured.
pub fn test_database_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Whether this is a CI run (`CI=true`), where skipping PostgreSQL is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Records that the running test skips because `reason`: printed, and appended as one line
/// (`test<TAB>reason`) to the file named by `TESTKIT_SKIP_LOG` when set, which `scripts/test.sh`
/// summarises after the run so that skipped tests are seen, not lost in passing output.
pub fn skip(reason: impl std::fmt::Display) {
    // nextest runs each test as `binary --exact NAME …`; plain libtest names the thread.
    let test = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .or_else(|| std::thread::current().name().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    eprintln!("skipping {test}: {reason}");
    if let Some(log) = std::env::var_os("TESTKIT_SKIP_LOG") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = writeln!(f, "{test}\t{reason}");
        }
    }
}

/// A fresh, migrated database that is removed when dropped.
pub struct TestDb {
    store: Arc<daftar_store::SqlStore>,
    /// Where the database is (SQLite path or PostgreSQL URL), to open it a second time.
    location: String,
    /// The stores' clock when not the default (see [`TestDb::with_clock`]).
    clock: Option<daftar_domain::clock::Clock>,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl TestDb {
    /// A new SQLite database in a temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("daftar.db");
        let store = daftar_store::open_sqlite(&path).expect("open sqlite");
        Self {
            store: Arc::new(store),
            location: path.to_string_lossy().into_owned(),
            clock: None,
            _dir: Some(dir),
            pg_drop: None,
        }
    }

    /// A new database on the PostgreSQL server of `TEST_DATABASE_URL`; `None` (with a message)
    /// when it is not set. Panics with `CI=true` when it is not set or not reachable.
    pub fn postgres() -> Option<Self> {
        daftar_store::postgres::outside_runtime(Self::postgres_here)
    }

    fn postgres_here() -> Option<Self> {
        let Some(url) = test_database_url() else {
            assert!(
                !in_ci(),
                "CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests must run in CI"
            );
            skip("PostgreSQL: TEST_DATABASE_URL not set");
            return None;
        };
        let name = format!("daftar_t_{}", ulid::Ulid::new().to_string().to_lowercase());
        let mut admin = postgres::Client::connect(&url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at TEST_DATABASE_URL: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let db_url = with_dbname(&url, &name);
        let store = daftar_store::open_postgres(&db_url).expect("open postgres");
        daftar_domain::store::SystemStore::migrate(&store).expect("migrate postgres");
        Some(Self {
            store: Arc::new(store),
            location: db_url,
            clock: None,
            _dir: None,
            pg_drop: Some((url, name)),
        })
    }

    /// The store as the trait object the application uses (async tests may call it directly:
    /// on PostgreSQL a call from a runtime's thread runs on a thread of its own).
    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// The same database with the stores' clock `clock`: a web app's tests give the store the
    /// offices' time zone the app has, as `daftar serve` does (otherwise the store's "today"
    /// and the app's differ for the hours the two dates differ).
    pub fn with_clock(mut self, clock: daftar_domain::clock::Clock) -> Self {
        Arc::get_mut(&mut self.store)
            .expect("the test database's store is not shared yet")
            .set_clock(clock.clone());
        self.clock = Some(clock);
        self
    }

    /// The same database opened a second time, with its own connections: what another process
    /// (a second web node, the CLI beside the server) sees and waits for.
    pub fn second_store(&self) -> Arc<dyn Store> {
        let mut store = match self.pg_drop {
            Some(_) => daftar_store::postgres::outside_runtime(|| {
                daftar_store::open_postgres(&self.location)
            })
            .expect("open postgres again"),
            None => daftar_store::open_sqlite(std::path::Path::new(&self.location))
                .expect("open sqlite again"),
        };
        if let Some(c) = &self.clock {
            store.set_clock(c.clone());
        }
        Arc::new(store)
    }

    /// Where the database is: the SQLite file's path or the PostgreSQL URL (tests that hold a
    /// transaction open on a connection of their own).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The concrete store (for `execute_raw` in tamper tests).
    pub fn sql(&self) -> &daftar_store::SqlStore {
        &self.store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((url, name)) = self.pg_drop.take() {
            daftar_store::postgres::outside_runtime(|| {
                if let Ok(mut admin) = postgres::Client::connect(&url, postgres::NoTls) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            });
        }
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_dbname(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// The two stores a storage-facing test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file.
    Sqlite,
    /// A fresh PostgreSQL database (skips locally, fails under `CI=true`, when unreachable).
    Postgres,
}

impl TestDb {
    /// Which store this is.
    pub fn backend(&self) -> Backend {
        if self.pg_drop.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// A fresh database on `backend`; `None` when PostgreSQL is not reachable (after reporting
    /// the skip; under `CI=true` that panics instead).
    pub fn on(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite()),
            Backend::Postgres => Self::postgres(),
        }
    }
}

/// What an asynchronous test body runs against, started on one backend (the web tests'
/// `TestApp`: the real router on a fresh database).
pub trait StartOn: Sized {
    /// Starts on `backend`; `None` when that backend is not reachable (a reported skip).
    fn start_on(backend: Backend) -> impl std::future::Future<Output = Option<Self>> + Send;
}

/// Runs one test body on both backends, the one form every crate's tests use.
///
/// Synchronous bodies over a fresh [`TestDb`]:
/// ```ignore
/// daftar_testkit::both_backends! {
///     fn offices_are_listed(db) { let store = db.store(); /* ... */ }
/// }
/// ```
/// expands to `mod offices_are_listed { #[test] fn sqlite(); #[test] fn postgres(); }`.
///
/// Asynchronous bodies over anything that [`StartOn`] a backend (`async fn(T)`):
/// ```ignore
/// daftar_testkit::both_backends!(async registration, registers_a_person, TestApp);
/// ```
/// expands to the same two tests on a two-thread tokio runtime.
#[macro_export]
macro_rules! both_backends {
    (async $name:ident, $body:path, $on:ty) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(on) =
                    <$on as $crate::StartOn>::start_on($crate::Backend::Sqlite).await
                {
                    $body(on).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(on) =
                    <$on as $crate::StartOn>::start_on($crate::Backend::Postgres).await
                {
                    $body(on).await;
                }
            }
        }
    };
    ($(fn $name:ident($db:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn body($db: &$crate::TestDb) $body
            #[test]
            fn sqlite() {
                if let Some(db) = $crate::TestDb::on($crate::Backend::Sqlite) {
                    body(&db);
                }
            }
            #[test]
            fn postgres() {
                if let Some(db) = $crate::TestDb::on($crate::Backend::Postgres) {
                    body(&db);
                }
            }
        }
    )*};
}

/// A live session of `user` as the store keeps it (signed in at `now`, second factor passed),
/// with a fresh id and a unique secret hash: the fixture of session and sign-in tests.
pub fn session(
    user: daftar_domain::ids::UserId,
    now: time::OffsetDateTime,
) -> daftar_domain::session::Session {
    let now = daftar_domain::audit::truncate_ms(now);
    daftar_domain::session::Session {
        id: daftar_domain::ids::SessionId::new(),
        token_hash: format!("h-{}", ulid::Ulid::new()),
        user_id: user,
        csrf_token: "c".into(),
        mfa_ok: true,
        created_at: now,
        last_seen_at: now,
        step_up_at: None,
        revoked_at: None,
        user_agent: "ua".into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dbname_is_replaced() {
        assert_eq!(
            super::with_dbname("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::with_dbname("postgres://u:p@h/test?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(super::with_dbname("postgres://h", "x"), "postgres://h/x");
    }
}
