//! The PostgreSQL backend: tokio-postgres driven synchronously, one small single-threaded runtime
//! per pooled connection, behind an r2d2 pool (store calls already run on blocking threads; see
//! docs/adr/0001-storage.md and docs/adr/0003-pipelined-postgres.md).
//!
//! Driving the asynchronous driver ourselves (instead of its blocking face, the `postgres`
//! crate) lets one store call send several statements before reading any answer
//! ([`Tx::query_many`]), and lets a write transaction's `BEGIN` travel with its first statement:
//! on a loaded machine each round trip costs both processes a wake-up and a few system calls,
//! which was most of PostgreSQL's CPU per request (docs/benchmarks.md).

use crate::sql::{DbError, Dialect, Row, Tx, Value};
use daftar_domain::store::PoolStats;
use daftar_domain::{Error, Result};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Config, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

/// The longest a request waits for a pooled connection or for a lock (SQLite's busy timeout is
/// the same).
const WAIT: Duration = Duration::from_secs(5);

/// Most statements kept prepared per connection; past it the cache starts over (statements
/// built with a varying number of placeholders would otherwise grow it without end).
const STATEMENT_CACHE: usize = 512;

/// A pooled connection that answered within this time is handed out without asking the server
/// again (r2d2 checks a connection on every check-out, which was a round trip per store call);
/// a connection that broke since fails its next statement and is dropped on return.
const FRESH: Duration = Duration::from_secs(2);

/// A pooled connection: the driver's client, the runtime that drives its connection (only
/// while a statement waits, as the blocking driver does), and its prepared statements by SQL
/// text: a statement seen before costs one round trip (bind and execute) and no parsing or
/// planning. Protocol-level prepared statements survive a rolled-back transaction.
pub struct PgConn {
    rt: tokio::runtime::Runtime,
    client: Client,
    statements: HashMap<String, Statement>,
    /// When the server last answered on this connection.
    answered: Instant,
}

impl PgConn {
    fn connect(config: &Config, tls: &MakeRustlsConnect) -> std::result::Result<Self, ConnError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ConnError(e.to_string()))?;
        let (client, connection) = rt
            .block_on(config.connect(tls.clone()))
            .map_err(|e| ConnError(e.to_string()))?;
        rt.spawn(async move {
            let _ = connection.await;
        });
        Ok(Self {
            rt,
            client,
            statements: HashMap::new(),
            answered: Instant::now(),
        })
    }
}

/// Why a connection could not be made or checked.
#[derive(Debug)]
pub struct ConnError(String);

impl std::fmt::Display for ConnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConnError {}

/// The r2d2 manager of [`PgConn`]s.
struct Manager {
    config: Config,
    tls: MakeRustlsConnect,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Manager")
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = ConnError;

    fn connect(&self) -> std::result::Result<PgConn, ConnError> {
        PgConn::connect(&self.config, &self.tls)
    }
    fn is_valid(&self, conn: &mut PgConn) -> std::result::Result<(), ConnError> {
        // Let the connection read what the server sent meanwhile, without waiting: a server
        // that closed it (restarted, or ended the session) shows as closed here, and the pool
        // makes a new connection instead of failing the request.
        // (Two yields: the first lets the runtime poll the socket, the second lets the
        // connection's task run on what it found before this returns.)
        conn.rt.block_on(async {
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
        });
        if conn.client.is_closed() {
            return Err(ConnError("the server closed the connection".into()));
        }
        if conn.answered.elapsed() < FRESH {
            return Ok(());
        }
        conn.rt
            .block_on(conn.client.simple_query(""))
            .map_err(|e| ConnError(e.to_string()))?;
        conn.answered = Instant::now();
        Ok(())
    }
    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.is_closed()
    }
}

/// A PostgreSQL connection pool.
pub struct PgDb {
    url: String,
    pool: Option<r2d2::Pool<Manager>>,
    /// How the pool connects (for a connection of its own, [`PgDb::listen`]).
    connect: Box<(Config, MakeRustlsConnect)>,
}

impl Drop for PgDb {
    /// Closes the pool on a plain thread: the synchronous driver must not be dropped on an
    /// async worker thread (it would block inside the runtime).
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

impl PgDb {
    /// Connects a pool to `url`.
    pub fn open(url: &str) -> Result<Self> {
        let tls = crate::pg_tls::parse(url)?;
        let mut config: Config = tls
            .url
            .parse()
            .map_err(|e| Error::store(format!("bad PostgreSQL URL: {e}")))?;
        config.ssl_mode(tls.mode);
        // No statement waits for a lock longer than this (issue 15.16: a long import once held
        // an office's row lock for minutes and every waiting request held a pool connection):
        // past it the request fails with 503 `store.unavailable` and the client may retry.
        let options = match config.get_options() {
            Some(o) if !o.is_empty() => format!("{o} -c lock_timeout={}", WAIT.as_millis()),
            _ => format!("-c lock_timeout={}", WAIT.as_millis()),
        };
        config.options(&options);
        let connector = crate::pg_tls::connector(&tls)?;
        // One connection first, so a refused certificate or password is reported at once and
        // plainly instead of after the pool's timeout.
        outside_runtime(|| PgConn::connect(&config, &connector).map(drop))
            .map_err(|e| Error::store(format!("cannot connect to PostgreSQL: {e}")))?;
        let manager = Manager {
            config: config.clone(),
            tls: connector.clone(),
        };
        let pool = r2d2::Pool::builder()
            .max_size(16)
            .connection_timeout(WAIT)
            .build(manager)
            .map_err(|e| Error::store(format!("cannot connect to PostgreSQL: {e}")))?;
        Ok(Self {
            url: url.to_owned(),
            pool: Some(pool),
            connect: Box::new((config, connector)),
        })
    }

    /// A connection of its own listening on `channel` (see [`crate::pg_listen`]).
    pub(crate) fn listen(
        &self,
        channel: &'static str,
        heard: impl Fn(crate::pg_listen::Heard) + Send + 'static,
    ) -> Result<crate::pg_listen::Listener> {
        let (config, tls) = &*self.connect;
        crate::pg_listen::listen(config.clone(), tls.clone(), channel, heard)
            .map_err(|e| Error::store(format!("cannot start listening: {e}")))
    }

    /// The connection URL (contains secrets: never log it unredacted).
    pub fn url(&self) -> &str {
        &self.url
    }

    fn pool(&self) -> Result<&r2d2::Pool<Manager>> {
        self.pool
            .as_ref()
            .ok_or_else(|| Error::store("pool closed"))
    }

    fn conn(&self) -> Result<r2d2::PooledConnection<Manager>> {
        self.pool()?.get().map_err(|e| Error::store(e.to_string()))
    }

    /// Runs `f` in a transaction; commits on success, rolls back on an error. `BEGIN` is sent
    /// with the transaction's first statement, not on its own; a transaction that sent nothing
    /// sends nothing at its end either.
    pub fn write<T>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let mut tx = PgTx {
            conn: &mut conn,
            reading: false,
            state: TxState::NotBegun,
            queued: Vec::new(),
        };
        let out = f(&mut tx)?;
        tx.commit().map_err(Error::from)?;
        Ok(out)
    }

    /// Runs `f`'s statements one by one, without `BEGIN` and `COMMIT`: at PostgreSQL's
    /// isolation level (read committed) each statement of a transaction takes its own snapshot
    /// anyway, so a transaction around reads adds two round trips and nothing else. A statement
    /// that writes is refused (`Tx::exec`, `batch` and `copy_in`): reads never write (SQLite's
    /// reads run on reader connections and are never committed).
    pub fn read<T>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        f(&mut PgTx {
            conn: &mut conn,
            reading: true,
            state: TxState::NotBegun,
            queued: Vec::new(),
        })
    }

    /// Runs `sql` (no parameters) outside any transaction: what PostgreSQL refuses inside one,
    /// such as `VACUUM`.
    pub fn outside_transaction(&self, sql: &str) -> Result<()> {
        let mut conn = self.conn()?;
        let PgConn { rt, client, .. } = &mut *conn;
        rt.block_on(client.batch_execute(sql))
            .map_err(|e| Error::from(classify(e)))
    }

    /// Pool figures.
    pub fn stats(&self) -> PoolStats {
        let Some(pool) = &self.pool else {
            return PoolStats::default();
        };
        let s = pool.state();
        PoolStats {
            connections: s.connections,
            idle: s.idle_connections,
        }
    }
}

thread_local! {
    /// Set while [`on_blocking_thread`] runs: the thread may block (tokio's blocking pool).
    static MAY_BLOCK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with the current thread marked as one where the synchronous driver may block: the
/// server runs every store call so, on tokio's blocking threads. Elsewhere a PostgreSQL store
/// call made from inside a tokio runtime (an async test, an async command) runs on a plain
/// thread of its own ([`outside_runtime`]), since the driver cannot block a runtime's thread.
pub fn on_blocking_thread<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            MAY_BLOCK.set(self.0);
        }
    }
    let _reset = Reset(MAY_BLOCK.replace(true));
    f()
}

/// Whether a PostgreSQL call made now must move to a thread of its own.
pub(crate) fn needs_own_thread() -> bool {
    !MAY_BLOCK.get() && tokio::runtime::Handle::try_current().is_ok()
}

/// Runs `f` where the synchronous driver may block: on a plain thread when called from inside a
/// tokio runtime's thread, directly otherwise (see [`on_blocking_thread`]).
pub fn outside_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if !needs_own_thread() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(p) => std::panic::resume_unwind(p),
    })
}

/// Where a write transaction stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TxState {
    /// Nothing sent yet: `BEGIN` goes with the first statement.
    NotBegun,
    /// `BEGIN` sent: `COMMIT` or `ROLLBACK` is owed.
    Open,
    /// Committed or rolled back.
    Ended,
}

/// Statements on a transaction (writes) or on the bare connection (reads, see [`PgDb::read`]).
/// Dropped while open (an error returned by the closure, or a panic), it rolls back, so the
/// connection goes back to the pool outside any transaction.
struct PgTx<'a> {
    conn: &'a mut PgConn,
    /// Set for [`PgDb::read`]: statements that write are refused.
    reading: bool,
    state: TxState,
    /// Deferred writes ([`Tx::defer`]), sent before the next statement in its flight.
    queued: Vec<Bound>,
}

/// One statement of a pipeline with its parameters.
type Bound = (Statement, Vec<Param>);

impl PgTx<'_> {
    /// The prepared statement for `sql` (prepared now if this connection has not seen it).
    fn statement(&mut self, sql: &str) -> std::result::Result<Statement, DbError> {
        if let Some(s) = self.conn.statements.get(sql) {
            return Ok(s.clone());
        }
        let PgConn { rt, client, .. } = &mut *self.conn;
        let s = rt.block_on(client.prepare(sql)).map_err(classify)?;
        if self.conn.statements.len() >= STATEMENT_CACHE {
            self.conn.statements.clear();
        }
        self.conn.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    /// Refuses a write outside a transaction.
    fn writing(&self, sql: &str) -> std::result::Result<(), DbError> {
        if self.reading {
            return Err(DbError::Other(format!("a write in a read: {sql}")));
        }
        Ok(())
    }

    /// Whether `BEGIN` must go before the next statement (and is then owed an end).
    fn begin_now(&mut self) -> bool {
        if self.reading || self.state != TxState::NotBegun {
            return false;
        }
        self.state = TxState::Open;
        true
    }

    /// Runs `work` on this connection; in the same flight, before it, `BEGIN` when the
    /// transaction has not begun yet and the deferred writes.
    fn run<'c, T, F>(
        &'c mut self,
        work: impl FnOnce(&'c Client) -> F,
    ) -> std::result::Result<T, DbError>
    where
        F: std::future::Future<Output = std::result::Result<T, tokio_postgres::Error>> + 'c,
    {
        let begin = self.begin_now();
        let queued = std::mem::take(&mut self.queued);
        let conn: &'c mut PgConn = &mut *self.conn;
        let PgConn {
            rt,
            client,
            answered,
            ..
        } = conn;
        let client: &'c Client = client;
        let out = rt.block_on(async move {
            let begun = async {
                if begin {
                    client.batch_execute("BEGIN").await
                } else {
                    Ok(())
                }
            };
            let flushed = execute_all(client, &queued);
            let (begun, flushed, out) =
                futures_util::future::join3(begun, flushed, work(client)).await;
            begun?;
            flushed?;
            out
        });
        *answered = Instant::now();
        out.map_err(classify)
    }

    /// Runs bound statements in one flight: every request is sent before any answer is read.
    fn pipeline(&mut self, bound: &[Bound]) -> std::result::Result<Vec<Vec<Row>>, DbError> {
        let rows = self.run(|client| {
            futures_util::future::try_join_all(bound.iter().map(|(stmt, params)| {
                let refs = refs(params);
                async move { client.query(stmt, &refs).await }
            }))
        })?;
        rows.iter()
            .map(|rs| rs.iter().map(convert).collect())
            .collect()
    }

    /// Commits: the deferred writes and `COMMIT` in one flight (with `BEGIN` first when only
    /// deferred writes were made); a transaction that sent nothing sends nothing.
    fn commit(&mut self) -> std::result::Result<(), DbError> {
        let owed = match self.state {
            TxState::Open => true,
            TxState::NotBegun => !self.queued.is_empty(),
            TxState::Ended => false,
        };
        let out = if owed {
            self.run(|client| client.batch_execute("COMMIT"))
        } else {
            Ok(())
        };
        self.state = TxState::Ended;
        out
    }

    /// Rolls an open transaction back; deferred writes are dropped unsent.
    fn rollback(&mut self) {
        self.queued.clear();
        if self.state == TxState::Open {
            // A failed rollback means a broken connection: the pool drops it on return.
            let _ = self.run(|client| client.batch_execute("ROLLBACK"));
        }
        self.state = TxState::Ended;
    }
}

/// The driver's view of bound parameters.
fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(Param::as_sql).collect()
}

/// Executes bound statements in one flight; the first error ends it.
async fn execute_all(
    client: &Client,
    bound: &[Bound],
) -> std::result::Result<(), tokio_postgres::Error> {
    futures_util::future::try_join_all(bound.iter().map(|(stmt, params)| {
        let refs = refs(params);
        async move { client.execute(stmt, &refs).await }
    }))
    .await
    .map(drop)
}

impl Drop for PgTx<'_> {
    fn drop(&mut self) {
        self.rollback();
    }
}

fn classify(e: tokio_postgres::Error) -> DbError {
    let msg = e
        .as_db_error()
        .map(|d| format!("{} ({})", d.message(), d.constraint().unwrap_or("")))
        .unwrap_or_else(|| e.to_string());
    match e.code() {
        Some(c) if *c == SqlState::UNIQUE_VIOLATION => DbError::Unique(msg),
        Some(c) if *c == SqlState::FOREIGN_KEY_VIOLATION => DbError::ForeignKey(msg),
        _ => DbError::Other(msg),
    }
}

/// A NULL that binds to a parameter of any type.
#[derive(Debug)]
struct AnyNull;

impl ToSql for AnyNull {
    fn to_sql(
        &self,
        _: &Type,
        _: &mut tokio_postgres::types::private::BytesMut,
    ) -> std::result::Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        Ok(tokio_postgres::types::IsNull::Yes)
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    tokio_postgres::types::to_sql_checked!();
}

/// A parameter the driver can bind.
enum Param {
    Null(AnyNull),
    I64(i64),
    Text(String),
    Bool(bool),
    Ts(OffsetDateTime),
}

impl Param {
    fn of(v: &Value) -> Self {
        match v {
            Value::Null => Param::Null(AnyNull),
            Value::I64(n) => Param::I64(*n),
            Value::Text(s) => Param::Text(s.clone()),
            Value::Bool(b) => Param::Bool(*b),
            Value::Ts(t) => Param::Ts(*t),
        }
    }
    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Param::Null(n) => n,
            Param::I64(n) => n,
            Param::Text(s) => s,
            Param::Bool(b) => b,
            Param::Ts(t) => t,
        }
    }
}

fn convert(row: &tokio_postgres::Row) -> std::result::Result<Row, DbError> {
    let mut vals = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        let t = col.type_();
        let err = |e: tokio_postgres::Error| DbError::Other(format!("column {}: {e}", col.name()));
        let v = if *t == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)
                .map_err(err)?
                .map_or(Value::Null, Value::I64)
        } else if *t == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)
                .map_err(err)?
                .map_or(Value::Null, |n| Value::I64(i64::from(n)))
        } else if *t == Type::INT2 {
            row.try_get::<_, Option<i16>>(i)
                .map_err(err)?
                .map_or(Value::Null, |n| Value::I64(i64::from(n)))
        } else if *t == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)
                .map_err(err)?
                .map_or(Value::Null, Value::Bool)
        } else if *t == Type::TIMESTAMPTZ {
            row.try_get::<_, Option<OffsetDateTime>>(i)
                .map_err(err)?
                .map_or(Value::Null, Value::Ts)
        } else if *t == Type::TEXT || *t == Type::VARCHAR || *t == Type::BPCHAR || *t == Type::NAME
        {
            row.try_get::<_, Option<String>>(i)
                .map_err(err)?
                .map_or(Value::Null, Value::Text)
        } else {
            return Err(DbError::Other(format!(
                "column {}: unsupported type {t}",
                col.name()
            )));
        };
        vals.push(v);
    }
    Ok(Row(vals))
}

impl Tx for PgTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
    fn exec(&mut self, sql: &str, params: &[Value]) -> std::result::Result<u64, DbError> {
        self.writing(sql)?;
        let owned: Vec<Param> = params.iter().map(Param::of).collect();
        let stmt = self.statement(sql)?;
        self.run(|client| {
            let refs = refs(&owned);
            async move { client.execute(&stmt, &refs).await }
        })
    }
    fn query(&mut self, sql: &str, params: &[Value]) -> std::result::Result<Vec<Row>, DbError> {
        let bound = vec![(self.statement(sql)?, params.iter().map(Param::of).collect())];
        Ok(self.pipeline(&bound)?.pop().unwrap_or_default())
    }
    fn query_many(
        &mut self,
        statements: &[(&str, &[Value])],
    ) -> std::result::Result<Vec<Vec<Row>>, DbError> {
        let mut bound = Vec::with_capacity(statements.len());
        for (sql, params) in statements {
            bound.push((self.statement(sql)?, params.iter().map(Param::of).collect()));
        }
        self.pipeline(&bound)
    }
    fn query_each(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        use futures_util::TryStreamExt;
        let stmt = self.statement(sql)?;
        let owned: Vec<Param> = params.iter().map(Param::of).collect();
        // The first error of `each` (or of reading a row), kept apart from the driver's: it
        // ends the stream, whose unread rest the driver then discards.
        let mut stopped: Option<Error> = None;
        let failed = &mut stopped;
        self.run(|client| async move {
            let rows = client
                .query_raw(&stmt, owned.iter().map(Param::as_sql))
                .await?;
            futures_util::pin_mut!(rows);
            while let Some(row) = rows.try_next().await? {
                if let Err(e) = convert(&row).map_err(Error::from).and_then(|r| each(&r)) {
                    *failed = Some(e);
                    break;
                }
            }
            Ok(())
        })?;
        stopped.map_or(Ok(()), Err)
    }
    fn defer(&mut self, sql: &str, params: &[Value]) -> std::result::Result<(), DbError> {
        self.writing(sql)?;
        let stmt = self.statement(sql)?;
        self.queued
            .push((stmt, params.iter().map(Param::of).collect()));
        Ok(())
    }
    fn batch(&mut self, sql: &str) -> std::result::Result<(), DbError> {
        self.writing(sql)?;
        self.run(|client| client.batch_execute(sql))
    }
    fn copy_in(
        &mut self,
        sql: &str,
        data: &mut dyn Iterator<Item = Vec<u8>>,
    ) -> std::result::Result<u64, DbError> {
        use futures_util::SinkExt;
        self.writing(sql)?;
        self.run(|client| async move {
            let sink = client.copy_in(sql).await?;
            futures_util::pin_mut!(sink);
            // Waiting for the next piece blocks this thread, not the server: what was sent is
            // flushed before (`send` writes it out), so the server works on it meanwhile.
            for piece in data {
                sink.send(bytes::Bytes::from(piece)).await?;
            }
            sink.finish().await
        })
    }
}
