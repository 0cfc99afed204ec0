//! The small SQL layer both backends share: parameter values, result rows with typed getters,
//! and the [`Tx`] trait a repository runs its statements through. SQL is written once with
//! `$1`-style placeholders; the SQLite backend rewrites them to `?1`.

use daftar_domain::{Error, Result};
use time::OffsetDateTime;

/// A parameter or column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// Integer (SQLite INTEGER, PostgreSQL BIGINT/INT).
    I64(i64),
    /// Text.
    Text(String),
    /// Boolean (SQLite stores 0/1).
    Bool(bool),
    /// Timestamp (SQLite: RFC 3339 text with milliseconds, UTC; PostgreSQL: timestamptz).
    Ts(OffsetDateTime),
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::I64(n)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<OffsetDateTime> for Value {
    fn from(t: OffsetDateTime) -> Self {
        Value::Ts(t)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Null, Into::into)
    }
}

/// Builds a parameter list: `params![a, b, c]`.
macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$($crate::sql::Value::from($v)),*][..] };
}
pub(crate) use params;

/// The fixed-width timestamp text SQLite stores (sorts like the instant it names).
pub fn ts_text(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

fn col_err(i: usize, want: &str) -> Error {
    Error::store(format!("column {i}: expected {want}"))
}

impl Row {
    /// The first `n` columns and the rest, as two rows (a joined query read by each table's
    /// row reader).
    pub fn split_at(&self, n: usize) -> (Row, Row) {
        let n = n.min(self.0.len());
        (Row(self.0[..n].to_vec()), Row(self.0[n..].to_vec()))
    }
    fn get(&self, i: usize) -> Result<&Value> {
        self.0
            .get(i)
            .ok_or_else(|| Error::store(format!("column {i} missing")))
    }
    /// Non-null text.
    pub fn text(&self, i: usize) -> Result<String> {
        match self.get(i)? {
            Value::Text(s) => Ok(s.clone()),
            _ => Err(col_err(i, "text")),
        }
    }
    /// Nullable text.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>> {
        match self.get(i)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            _ => Err(col_err(i, "text or null")),
        }
    }
    /// Integer.
    pub fn i64(&self, i: usize) -> Result<i64> {
        match self.get(i)? {
            Value::I64(n) => Ok(*n),
            _ => Err(col_err(i, "integer")),
        }
    }
    /// Boolean (0/1 on SQLite).
    pub fn bool(&self, i: usize) -> Result<bool> {
        match self.get(i)? {
            Value::Bool(b) => Ok(*b),
            Value::I64(n) => Ok(*n != 0),
            _ => Err(col_err(i, "boolean")),
        }
    }
    /// Nullable boolean.
    pub fn opt_bool(&self, i: usize) -> Result<Option<bool>> {
        match self.get(i)? {
            Value::Null => Ok(None),
            _ => self.bool(i).map(Some),
        }
    }
    /// Timestamp.
    pub fn ts(&self, i: usize) -> Result<OffsetDateTime> {
        self.opt_ts(i)?.ok_or_else(|| col_err(i, "timestamp"))
    }
    /// Nullable timestamp.
    pub fn opt_ts(&self, i: usize) -> Result<Option<OffsetDateTime>> {
        match self.get(i)? {
            Value::Null => Ok(None),
            Value::Ts(t) => Ok(Some(*t)),
            Value::Text(s) => {
                OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .map(Some)
                    .map_err(|_| col_err(i, "RFC 3339 timestamp"))
            }
            _ => Err(col_err(i, "timestamp")),
        }
    }
    /// A typed value parsed from text.
    pub fn parse<T: std::str::FromStr>(&self, i: usize) -> Result<T> {
        self.text(i)?
            .parse()
            .map_err(|_| col_err(i, std::any::type_name::<T>()))
    }
    /// A nullable typed value parsed from text.
    pub fn opt_parse<T: std::str::FromStr>(&self, i: usize) -> Result<Option<T>> {
        self.opt_text(i)?
            .map(|s| {
                s.parse()
                    .map_err(|_| col_err(i, std::any::type_name::<T>()))
            })
            .transpose()
    }
}

/// A failed statement, classified so repositories can turn it into a domain error.
#[derive(Debug)]
pub enum DbError {
    /// A UNIQUE constraint failed; the text names the constraint or column where the driver says.
    Unique(String),
    /// A foreign key failed.
    ForeignKey(String),
    /// Anything else.
    Other(String),
}

impl DbError {
    /// As a domain error: unique violations become `unique` (409), others `store.unavailable`.
    pub fn into_error(self, unique: &'static str) -> Error {
        match self {
            DbError::Unique(_) => Error::conflict(unique),
            DbError::ForeignKey(m) => Error::invalid("store.reference.invalid")
                .with_details(serde_json::json!({ "reason": m })),
            DbError::Other(m) => Error::store(m),
        }
    }
}

impl From<DbError> for Error {
    /// `store.unavailable`, except a second answer under a live idempotency key (a deferred
    /// write reported by a later statement or the commit): `idempotency.key.in_use` (409).
    fn from(e: DbError) -> Self {
        if crate::repo::idempotency::is_key_in_use(&e) {
            return Error::conflict("idempotency.key.in_use");
        }
        match e {
            DbError::Unique(m) | DbError::ForeignKey(m) | DbError::Other(m) => Error::store(m),
        }
    }
}

/// Which SQL dialect a transaction speaks, for the few places the two differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    /// `FOR UPDATE` where row locks exist (SQLite serialises writers instead).
    pub fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }
    /// The writing transaction's id as a BIGINT expression (PostgreSQL's 64-bit
    /// `pg_current_xact_id()`; 0 on SQLite, whose single writer orders everything): the audit
    /// sealer's order and horizon (repo/audit.rs).
    pub fn current_txid(self) -> &'static str {
        match self {
            Dialect::Sqlite => "0",
            Dialect::Postgres => "pg_current_xact_id()::text::bigint",
        }
    }
}

/// A transaction: statements with positional parameters.
pub trait Tx {
    /// The dialect.
    fn dialect(&self) -> Dialect;
    /// Runs a statement; returns rows affected.
    fn exec(&mut self, sql: &str, params: &[Value]) -> std::result::Result<u64, DbError>;
    /// Runs a query; returns all rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> std::result::Result<Vec<Row>, DbError>;
    /// Runs several statements with parameters, in order, and returns each one's rows; on
    /// PostgreSQL they go to the server in one flight (every request sent before any answer is
    /// read), so a store call that needs several independent statements waits for one round
    /// trip instead of one each. The first error ends it (in a write transaction the statements
    /// after it fail too: PostgreSQL refuses statements in an aborted transaction).
    fn query_many(
        &mut self,
        statements: &[(&str, &[Value])],
    ) -> std::result::Result<Vec<Vec<Row>>, DbError> {
        statements
            .iter()
            .map(|(sql, params)| self.query(sql, params))
            .collect()
    }
    /// Runs a query and hands its rows to `each` one by one as they arrive: on PostgreSQL
    /// they are read off the connection while the server still makes the rest, so the
    /// caller's work on the first rows overlaps the server's on the later ones; elsewhere
    /// after [`Tx::query`]. An error from `each` ends the query and is returned: the rows
    /// after it are not handed to `each` (on PostgreSQL the driver reads and discards them).
    /// A driver error (the server's) may come after some rows were handed over.
    fn query_each(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        for row in &self.query(sql, params)? {
            each(row)?;
        }
        Ok(())
    }
    /// Runs a write whose answer the caller does not need (an audit row, an event): on
    /// PostgreSQL it is sent with the transaction's next statement or its `COMMIT`, saving a
    /// round trip; elsewhere at once. Its failure fails the transaction all the same, but is
    /// reported by that later call: never defer a statement whose error is told apart.
    fn defer(&mut self, sql: &str, params: &[Value]) -> std::result::Result<(), DbError> {
        self.exec(sql, params).map(drop)
    }
    /// Runs several statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> std::result::Result<(), DbError>;
    /// Runs `COPY … FROM STDIN` (text format) with the pieces of `data` as its input, each sent
    /// as it comes (they may be made on another thread meanwhile); returns rows copied.
    /// PostgreSQL only: the bulk import's path (SQLite writes through prepared inserts).
    fn copy_in(
        &mut self,
        sql: &str,
        data: &mut dyn Iterator<Item = Vec<u8>>,
    ) -> std::result::Result<u64, DbError> {
        let _ = (sql, data);
        Err(DbError::Other("COPY is PostgreSQL's".into()))
    }
    /// The time this transaction writes into records (the store's clock when it began).
    fn now(&self) -> time::OffsetDateTime {
        daftar_domain::clock::Clock::default().now()
    }

    /// The first row, if any.
    fn query_opt(
        &mut self,
        sql: &str,
        params: &[Value],
    ) -> std::result::Result<Option<Row>, DbError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
    /// Exactly one row.
    fn query_one(&mut self, sql: &str, params: &[Value]) -> std::result::Result<Row, DbError> {
        self.query_opt(sql, params)?
            .ok_or_else(|| DbError::Other(format!("no row for: {sql}")))
    }
}

/// Rewrites `$1` placeholders to SQLite's `?1` (outside string literals).
pub fn to_sqlite_placeholders(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.contains('$') {
        return std::borrow::Cow::Borrowed(sql);
    }
    // `$` and `'` are ASCII, so byte positions are character boundaries.
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let (mut in_str, mut last) = (false, 0);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' => in_str = !in_str,
            b'$' if !in_str && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                out.push_str(&sql[last..i]);
                out.push('?');
                last = i + 1;
            }
            _ => {}
        }
    }
    out.push_str(&sql[last..]);
    std::borrow::Cow::Owned(out)
}

/// A transaction that reads the time from the store's clock: what the store hands its
/// repository code, so `tx.now()` is the clock's time wherever the code runs.
pub(crate) struct Timed<'a> {
    pub(crate) tx: &'a mut dyn Tx,
    pub(crate) now: time::OffsetDateTime,
}

impl Tx for Timed<'_> {
    fn dialect(&self) -> Dialect {
        self.tx.dialect()
    }
    fn exec(&mut self, sql: &str, params: &[Value]) -> std::result::Result<u64, DbError> {
        self.tx.exec(sql, params)
    }
    fn query(&mut self, sql: &str, params: &[Value]) -> std::result::Result<Vec<Row>, DbError> {
        self.tx.query(sql, params)
    }
    fn query_many(
        &mut self,
        statements: &[(&str, &[Value])],
    ) -> std::result::Result<Vec<Vec<Row>>, DbError> {
        self.tx.query_many(statements)
    }
    fn defer(&mut self, sql: &str, params: &[Value]) -> std::result::Result<(), DbError> {
        self.tx.defer(sql, params)
    }
    fn query_each(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        self.tx.query_each(sql, params, each)
    }
    fn batch(&mut self, sql: &str) -> std::result::Result<(), DbError> {
        self.tx.batch(sql)
    }
    fn copy_in(
        &mut self,
        sql: &str,
        data: &mut dyn Iterator<Item = Vec<u8>>,
    ) -> std::result::Result<u64, DbError> {
        self.tx.copy_in(sql, data)
    }
    fn now(&self) -> time::OffsetDateTime {
        self.now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_strings() {
        assert_eq!(
            to_sqlite_placeholders("SELECT $1, '$2', $10"),
            "SELECT ?1, '$2', ?10"
        );
    }

    #[test]
    fn timestamps_are_fixed_width_utc_with_millis() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        assert_eq!(ts_text(t), "2023-11-14T22:13:20.123Z");
        let row = Row(vec![Value::Text(ts_text(t))]);
        assert_eq!(
            row.ts(0).unwrap().unix_timestamp_nanos(),
            1_700_000_000_123_000_000
        );
    }
}
