//! The PostgreSQL backend: the synchronous `postgres` driver behind an r2d2 pool (store calls
//! already run on blocking threads; see docs/adr/0001-storage.md).

use crate::sql::{DbError, Dialect, Row, Tx, Value};
use daftar_domain::store::PoolStats;
use daftar_domain::{Error, Result};
use r2d2_postgres::PostgresConnectionManager;
use r2d2_postgres::postgres;
use r2d2_postgres::postgres::GenericClient;
use r2d2_postgres::postgres::error::SqlState;
use r2d2_postgres::postgres::types::{ToSql, Type};
use time::OffsetDateTime;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The longest a request waits for a pooled connection or for a lock (SQLite's busy timeout is
/// the same).
const WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Most statements kept prepared per connection; past it the cache starts over (statements
/// built with a varying number of placeholders would otherwise grow it without end).
const STATEMENT_CACHE: usize = 512;

/// A pooled connection with its prepared statements by SQL text: a statement seen before costs
/// one round trip (bind and execute) and no parsing or planning, instead of two round trips
/// (prepare, then execute) and a fresh plan every time. Protocol-level prepared statements
/// survive a rolled-back transaction.
pub struct PgConn {
    client: postgres::Client,
    statements: std::collections::HashMap<String, postgres::Statement>,
}

/// [`PostgresConnectionManager`] with a statement cache per connection.
struct CachingManager(PostgresConnectionManager<MakeRustlsConnect>);

impl std::fmt::Debug for CachingManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CachingManager")
    }
}

impl r2d2::ManageConnection for CachingManager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> std::result::Result<PgConn, postgres::Error> {
        Ok(PgConn {
            client: self.0.connect()?,
            statements: std::collections::HashMap::new(),
        })
    }
    fn is_valid(&self, conn: &mut PgConn) -> std::result::Result<(), postgres::Error> {
        self.0.is_valid(&mut conn.client)
    }
    fn has_broken(&self, conn: &mut PgConn) -> bool {
        self.0.has_broken(&mut conn.client)
    }
}

/// A PostgreSQL connection pool.
pub struct PgDb {
    url: String,
    pool: Option<r2d2::Pool<CachingManager>>,
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
        let mut config: postgres::Config = tls
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
        outside_runtime(|| config.connect(connector.clone()).map(drop))
            .map_err(|e| Error::store(format!("cannot connect to PostgreSQL: {e}")))?;
        let manager = CachingManager(PostgresConnectionManager::new(config, connector));
        let pool = r2d2::Pool::builder()
            .max_size(16)
            .connection_timeout(WAIT)
            .build(manager)
            .map_err(|e| Error::store(format!("cannot connect to PostgreSQL: {e}")))?;
        Ok(Self {
            url: url.to_owned(),
            pool: Some(pool),
        })
    }

    /// The connection URL (contains secrets: never log it unredacted).
    pub fn url(&self) -> &str {
        &self.url
    }

    fn pool(&self) -> Result<&r2d2::Pool<CachingManager>> {
        self.pool
            .as_ref()
            .ok_or_else(|| Error::store("pool closed"))
    }

    fn conn(&self) -> Result<r2d2::PooledConnection<CachingManager>> {
        self.pool()?.get().map_err(|e| Error::store(e.to_string()))
    }

    /// Runs `f` in a transaction; commits on success.
    pub fn write<T>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let PgConn { client, statements } = &mut *conn;
        let mut tx = client
            .transaction()
            .map_err(|e| Error::store(e.to_string()))?;
        let out = f(&mut PgTx {
            client: &mut tx,
            statements,
            reading: false,
        })?;
        tx.commit().map_err(|e| Error::store(e.to_string()))?;
        Ok(out)
    }

    /// Runs `f`'s statements one by one, without `BEGIN` and `COMMIT`: at PostgreSQL's
    /// isolation level (read committed) each statement of a transaction takes its own snapshot
    /// anyway, so a transaction around reads adds two round trips and nothing else. A statement
    /// that writes is refused (`Tx::exec`, `batch` and `copy_in`): reads never write (SQLite's
    /// reads run on reader connections and are never committed).
    pub fn read<T>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let PgConn { client, statements } = &mut *conn;
        f(&mut PgTx {
            client,
            statements,
            reading: true,
        })
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

/// Statements on a transaction (writes) or on the bare connection (reads, see [`PgDb::read`]).
struct PgTx<'a, C: GenericClient> {
    client: &'a mut C,
    statements: &'a mut std::collections::HashMap<String, postgres::Statement>,
    /// Set for [`PgDb::read`]: statements that write are refused.
    reading: bool,
}

impl<C: GenericClient> PgTx<'_, C> {
    /// The prepared statement for `sql` (prepared now if this connection has not seen it).
    fn statement(&mut self, sql: &str) -> std::result::Result<postgres::Statement, DbError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).map_err(classify)?;
        if self.statements.len() >= STATEMENT_CACHE {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    /// Refuses a write outside a transaction.
    fn writing(&self, sql: &str) -> std::result::Result<(), DbError> {
        if self.reading {
            return Err(DbError::Other(format!("a write in a read: {sql}")));
        }
        Ok(())
    }
}

fn classify(e: postgres::Error) -> DbError {
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
        _: &mut postgres::types::private::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        Ok(postgres::types::IsNull::Yes)
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    postgres::types::to_sql_checked!();
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

fn convert(row: &postgres::Row) -> std::result::Result<Row, DbError> {
    let mut vals = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        let t = col.type_();
        let err = |e: postgres::Error| DbError::Other(format!("column {}: {e}", col.name()));
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

impl<C: GenericClient> Tx for PgTx<'_, C> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
    fn exec(&mut self, sql: &str, params: &[Value]) -> std::result::Result<u64, DbError> {
        self.writing(sql)?;
        let owned: Vec<Param> = params.iter().map(Param::of).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(Param::as_sql).collect();
        let stmt = self.statement(sql)?;
        self.client.execute(&stmt, &refs).map_err(classify)
    }
    fn query(&mut self, sql: &str, params: &[Value]) -> std::result::Result<Vec<Row>, DbError> {
        let owned: Vec<Param> = params.iter().map(Param::of).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(Param::as_sql).collect();
        let stmt = self.statement(sql)?;
        self.client
            .query(&stmt, &refs)
            .map_err(classify)?
            .iter()
            .map(convert)
            .collect()
    }
    fn batch(&mut self, sql: &str) -> std::result::Result<(), DbError> {
        self.writing(sql)?;
        self.client.batch_execute(sql).map_err(classify)
    }
    fn copy_in(&mut self, sql: &str, data: &[u8]) -> std::result::Result<u64, DbError> {
        use std::io::Write;
        self.writing(sql)?;
        let mut w = self.client.copy_in(sql).map_err(classify)?;
        w.write_all(data)
            .map_err(|e| DbError::Other(format!("COPY: {e}")))?;
        w.finish().map_err(classify)
    }
}
