//! The SQLite backend: one writer connection behind a mutex (SQLite has one writer anyway;
//! serialising here avoids busy errors) with group commit, a pool of readers, and a background
//! checkpointer, all in WAL mode with foreign keys.

use crate::sql::{DbError, Dialect, Row, Tx, Value, to_sqlite_placeholders, ts_text};
use daftar_domain::store::PoolStats;
use daftar_domain::{Error, Result};
use r2d2_sqlite::SqliteConnectionManager;
use r2d2_sqlite::rusqlite::{self, Connection, ErrorCode, types::ValueRef};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// An open SQLite database.
pub struct SqliteDb {
    path: PathBuf,
    writer: Mutex<Writer>,
    /// Signalled when a batch of writes has been committed (or has failed).
    committed: Condvar,
    /// Threads waiting for the writer: while there are some, a finished write leaves the
    /// transaction open for them (group commit).
    queued: AtomicUsize,
    readers: r2d2::Pool<SqliteConnectionManager>,
    _checkpointer: Checkpointer,
}

/// Most writes one commit carries.
const MAX_BATCH: usize = 64;

/// The writer connection and its group-commit bookkeeping.
///
/// Each `write` runs in its own SAVEPOINT inside a transaction that may hold several writes:
/// when other writers are already waiting, a finished write does not commit but waits until
/// the last write of the batch commits for all (a commit, which writes every changed page to
/// the log, is the largest part of a small write). A write that fails is rolled back to its
/// savepoint and returns its error at once; a failed commit fails every write of the batch.
/// The first write of a batch needs no savepoint (it is alone in the transaction, which it rolls
/// back whole on failure): a savepoint copies every page a write touches into a statement
/// journal, which for a bulk import of a million rows is several percent of the time.
/// Every caller gets its answer only after its data is committed.
struct Writer {
    conn: Connection,
    /// The batch whose transaction is open.
    open: Option<u64>,
    /// Id of the last batch started.
    started: u64,
    /// Writes in the open batch.
    len: usize,
    /// Id of the last batch finished.
    done: u64,
    /// The last batch that failed to commit, with the reason.
    failed: Option<(u64, String)>,
}

/// Runs one fixed statement through the statement cache (no parsing after the first time).
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

impl Writer {
    /// Commits the open batch, if any; returns its outcome.
    fn finish(&mut self) -> Result<()> {
        let Some(batch) = self.open.take() else {
            return Ok(());
        };
        let r = run(&self.conn, "COMMIT");
        self.done = batch;
        match r {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                self.failed = Some((batch, e.to_string()));
                Err(Error::store(e.to_string()))
            }
        }
    }
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
    c.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")?;
    c.busy_handler(Some(wait_for_lock))
}

/// Waits for another process's write lock (e.g. `daftar import` beside the server) for at most
/// [`BUSY_LIMIT_MS`]: it looks again every millisecond, where SQLite's own busy timeout sleeps up
/// to 100 ms between looks and so keeps missing the short gaps between another writer's
/// transactions (an import's batches), until it gives up.
fn wait_for_lock(tries: i32) -> bool {
    if i64::from(tries) >= BUSY_LIMIT_MS {
        return false;
    }
    std::thread::sleep(std::time::Duration::from_millis(1));
    true
}

/// The longest a statement waits for another process's lock, in milliseconds (each look sleeps
/// at least one).
const BUSY_LIMIT_MS: i64 = 5000;

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
            writer: Mutex::new(Writer {
                conn: writer,
                open: None,
                started: 0,
                len: 0,
                done: 0,
                failed: None,
            }),
            committed: Condvar::new(),
            queued: AtomicUsize::new(0),
            readers,
            _checkpointer: Checkpointer::start(path)?,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The writer, waiting for it (a poisoned lock is taken over: the bookkeeping stays valid).
    fn lock_writer(&self) -> MutexGuard<'_, Writer> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let g = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        self.queued.fetch_sub(1, Ordering::SeqCst);
        g
    }

    /// Runs `f` as one write (see [`Writer`]): its changes are committed, possibly together with
    /// other writes, before it returns; on error they are rolled back.
    pub fn write<T>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut g = self.lock_writer();
        let first = g.open.is_none();
        let batch = match g.open {
            Some(b) => b,
            None => {
                run(&g.conn, "BEGIN IMMEDIATE").map_err(|e| Error::store(e.to_string()))?;
                g.started += 1;
                let b = g.started;
                g.open = Some(b);
                g.len = 0;
                b
            }
        };
        if !first && let Err(e) = run(&g.conn, "SAVEPOINT w") {
            let _ = g.finish();
            self.committed.notify_all();
            return Err(Error::store(e.to_string()));
        }
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut w = SqliteTx(&g.conn);
            f(&mut w)
        }));
        let undo = !matches!(out, Ok(Ok(_)));
        if first && undo {
            // Alone in the transaction: roll it back whole; nothing else was in it.
            let _ = g.conn.execute_batch("ROLLBACK");
            g.open = None;
            g.done = batch;
            self.committed.notify_all();
            drop(g);
            return match out {
                Ok(o) => o,
                Err(panic) => std::panic::resume_unwind(panic),
            };
        }
        let end = if first {
            Ok(())
        } else if undo {
            run(&g.conn, "ROLLBACK TO w").and_then(|()| run(&g.conn, "RELEASE w"))
        } else {
            run(&g.conn, "RELEASE w")
        };
        g.len += 1;
        let out = match out {
            Ok(o) => o,
            Err(panic) => {
                let _ = g.finish();
                self.committed.notify_all();
                drop(g);
                std::panic::resume_unwind(panic);
            }
        };
        if let Err(e) = end {
            let _ = g.finish();
            self.committed.notify_all();
            return Err(Error::store(e.to_string()));
        }
        if self.queued.load(Ordering::SeqCst) > 0 && g.len < MAX_BATCH {
            // Others are waiting: the last of them commits for all.
            let v = out?;
            while g.done < batch {
                g = self
                    .committed
                    .wait(g)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if let Some((b, e)) = &g.failed
                && *b == batch
            {
                return Err(Error::store(e.clone()));
            }
            return Ok(v);
        }
        let committed = g.finish();
        self.committed.notify_all();
        drop(g);
        committed?;
        out
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
        let mut g = self.lock_writer();
        // Commit a batch left open for waiting writers first.
        let flushed = g.finish();
        self.committed.notify_all();
        flushed?;
        let conn = &g.conn;
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

struct SqliteTx<'a>(&'a Connection);

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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::sync::Arc;

    /// Many threads writing at once: writes are grouped into shared commits, yet each one that
    /// succeeded is there, each one that failed (by its own error or a constraint) left nothing,
    /// and every caller saw its own outcome.
    #[test]
    fn group_commit_keeps_each_write_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(SqliteDb::open(&dir.path().join("g.db")).unwrap());
        db.raw(
            "CREATE TABLE t (n INTEGER PRIMARY KEY, who TEXT NOT NULL); INSERT INTO t VALUES (-1, 'taken')",
            &[],
        )
        .unwrap();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let db = db.clone();
                std::thread::spawn(move || {
                    let mut ok = vec![];
                    for i in 0..300i64 {
                        let n = i * 8 + t;
                        let r = db.write(|tx| {
                            tx.exec(
                                "INSERT INTO t (n, who) VALUES ($1, $2)",
                                &[Value::I64(n), Value::Text(format!("t{t}"))],
                            )
                            .map_err(|e| Error::store(format!("{e:?}")))?;
                            // A second row that always collides: a constraint error.
                            if i % 5 == 0 {
                                tx.exec("INSERT INTO t (n, who) VALUES (-1, 'dup')", &[])
                                    .map_err(|e| Error::store(format!("{e:?}")))?;
                            }
                            if i % 7 == 0 {
                                return Err(Error::store("refused by the test"));
                            }
                            Ok(n)
                        });
                        if let Ok(n) = r {
                            ok.push(n);
                        }
                    }
                    ok
                })
            })
            .collect();
        let mut expected: Vec<i64> = threads
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        expected.sort_unstable();
        let stored = db
            .read(|tx| {
                let rows = tx
                    .query("SELECT n FROM t WHERE n >= 0 ORDER BY n", &[])
                    .map_err(|e| Error::store(format!("{e:?}")))?;
                Ok(rows.iter().map(|r| r.i64(0).unwrap()).collect::<Vec<_>>())
            })
            .unwrap();
        assert_eq!(stored, expected);
        assert!(
            expected.len() > 1000,
            "most writes succeed: {}",
            expected.len()
        );
        let dups = db
            .read(|tx| {
                Ok(tx
                    .query_one("SELECT COUNT(*) FROM t WHERE who = 'dup'", &[])
                    .map_err(|e| Error::store(format!("{e:?}")))?
                    .i64(0)
                    .unwrap())
            })
            .unwrap();
        assert_eq!(dups, 0, "a failed write leaves none of its rows");
    }
}
