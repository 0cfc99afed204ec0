//! The SQLite backend: one writer connection behind a mutex (SQLite has one writer anyway;
//! serialising here avoids busy errors) and a pool of readers, all in WAL mode with foreign keys.

use crate::sql::{DbError, Dialect, Row, Tx, Value, to_sqlite_placeholders, ts_text};
use daftar_domain::store::PoolStats;
use daftar_domain::{Error, Result};
use r2d2_sqlite::SqliteConnectionManager;
use r2d2_sqlite::rusqlite::{self, Connection, ErrorCode, TransactionBehavior, types::ValueRef};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// An open SQLite database.
pub struct SqliteDb {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: r2d2::Pool<SqliteConnectionManager>,
    _checkpointer: Checkpointer,
}

/// How often the background thread copies the write-ahead log into the database.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Checkpoints the WAL on its own thread and connection, so that the writer (which holds the
/// one write lock) never stops to do it: SQLite's automatic checkpoint runs inside the commit
/// that crosses the threshold and took about a third of the writer's time under load. A PASSIVE
/// checkpoint does not block readers or the writer; the log restarts from its beginning once a
/// checkpoint has caught up. Stops (after a last checkpoint) when the database is dropped.
struct Checkpointer {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn start(path: &Path) -> Result<Self> {
        let conn = Connection::open(path).map_err(|e| Error::store(e.to_string()))?;
        init(&conn).map_err(|e| Error::store(e.to_string()))?;
        let (stop, rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let checkpoint = || {
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                    }
                };
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    rx.recv_timeout(CHECKPOINT_EVERY)
                {
                    checkpoint();
                }
                checkpoint();
            })
            .map_err(|e| Error::store(e.to_string()))?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn init(c: &Connection) -> rusqlite::Result<()> {
    // One request runs a few dozen distinct statements (a case view alone about ten): keep them
    // prepared instead of parsing SQL again (the default cache holds 16).
    c.set_prepared_statement_cache_capacity(256);
    c.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;")
}

impl SqliteDb {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::store(format!("cannot create {}: {e}", dir.display())))?;
        }
        let writer = Connection::open(path)
            .map_err(|e| Error::store(format!("cannot open {}: {e}", path.display())))?;
        init(&writer).map_err(|e| Error::store(e.to_string()))?;
        // The writer keeps a larger page cache (128 MiB at most, allocated as used): bulk imports
        // write to several indexes with random keys, and spilling pages dominates otherwise.
        writer
            .execute_batch(
                "PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=0;",
            )
            .map_err(|e| Error::store(e.to_string()))?;
        let manager = SqliteConnectionManager::file(path).with_init(|c: &mut Connection| init(c));
        let readers = r2d2::Pool::builder()
            .max_size(8)
            .build(manager)
            .map_err(|e| Error::store(e.to_string()))?;
        Ok(Self {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            readers,
            _checkpointer: Checkpointer::start(path)?,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in an immediate (write) transaction; commits on success.
    pub fn write<T>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut conn = self
            .writer
            .lock()
            .map_err(|_| Error::internal("sqlite writer lock poisoned"))?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| Error::store(e.to_string()))?;
        let mut w = SqliteTx(&tx);
        let out = f(&mut w)?;
        tx.commit().map_err(|e| Error::store(e.to_string()))?;
        Ok(out)
    }

    /// Runs `f` on a reader connection in a deferred (read) transaction.
    pub fn read<T>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut conn = self
            .readers
            .get()
            .map_err(|e| Error::store(e.to_string()))?;
        let tx = conn
            .transaction()
            .map_err(|e| Error::store(e.to_string()))?;
        let mut r = SqliteTx(&tx);
        f(&mut r)
    }

    /// Runs raw SQL on the writer outside any transaction (maintenance: `VACUUM INTO`, tests).
    /// Without parameters it may hold several statements; returns the rows the last one changed.
    pub fn raw(&self, sql: &str, params: &[Value]) -> Result<u64> {
        let conn = self
            .writer
            .lock()
            .map_err(|_| Error::internal("sqlite writer lock poisoned"))?;
        if params.is_empty() {
            conn.execute_batch(sql)
                .map_err(|e| Error::store(e.to_string()))?;
            return Ok(conn.changes());
        }
        let mut stmt = conn
            .prepare(&to_sqlite_placeholders(sql))
            .map_err(|e| Error::store(e.to_string()))?;
        let n = stmt
            .execute(rusqlite::params_from_iter(params.iter().map(to_sql)))
            .map_err(|e| Error::store(e.to_string()))?;
        Ok(n as u64)
    }

    /// Pool figures (the writer counts as one busy or idle connection).
    pub fn stats(&self) -> PoolStats {
        let s = self.readers.state();
        PoolStats {
            connections: s.connections + 1,
            idle: s.idle_connections,
        }
    }
}

struct SqliteTx<'a>(&'a rusqlite::Transaction<'a>);

/// A parameter as rusqlite binds it; text is bound by reference, not copied.
fn to_sql(v: &Value) -> rusqlite::types::ToSqlOutput<'_> {
    use rusqlite::types::{ToSqlOutput, Value as S};
    match v {
        Value::Null => ToSqlOutput::Owned(S::Null),
        Value::I64(n) => ToSqlOutput::Owned(S::Integer(*n)),
        Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        Value::Bool(b) => ToSqlOutput::Owned(S::Integer(i64::from(*b))),
        Value::Ts(t) => ToSqlOutput::Owned(S::Text(ts_text(*t))),
    }
}

fn classify(e: rusqlite::Error) -> DbError {
    match &e {
        rusqlite::Error::SqliteFailure(f, msg) if f.code == ErrorCode::ConstraintViolation => {
            let m = msg.clone().unwrap_or_default();
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY {
                DbError::ForeignKey(m)
            } else if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            {
                DbError::Unique(m)
            } else {
                DbError::Other(m)
            }
        }
        _ => DbError::Other(e.to_string()),
    }
}

impl Tx for SqliteTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
    fn exec(&mut self, sql: &str, params: &[Value]) -> std::result::Result<u64, DbError> {
        let mut stmt = self
            .0
            .prepare_cached(&to_sqlite_placeholders(sql))
            .map_err(classify)?;
        let n = stmt
            .execute(rusqlite::params_from_iter(params.iter().map(to_sql)))
            .map_err(classify)?;
        Ok(n as u64)
    }
    fn query(&mut self, sql: &str, params: &[Value]) -> std::result::Result<Vec<Row>, DbError> {
        let mut stmt = self
            .0
            .prepare_cached(&to_sqlite_placeholders(sql))
            .map_err(classify)?;
        let n = stmt.column_count();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter().map(to_sql)))
            .map_err(classify)?;
        let mut out = vec![];
        while let Some(r) = rows.next().map_err(classify)? {
            let mut vals = Vec::with_capacity(n);
            for i in 0..n {
                vals.push(match r.get_ref(i).map_err(classify)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::I64(v),
                    ValueRef::Real(v) => Value::Text(v.to_string()),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
                });
            }
            out.push(Row(vals));
        }
        Ok(out)
    }
    fn batch(&mut self, sql: &str) -> std::result::Result<(), DbError> {
        self.0.execute_batch(sql).map_err(classify)
    }
}
