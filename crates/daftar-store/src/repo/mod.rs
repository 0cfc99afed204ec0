//! The one implementation of [`daftar_domain::store::Store`], written against [`Tx`] so it runs
//! unchanged on SQLite and PostgreSQL. Row mappers live beside the statements that need them.

pub mod audit;
mod people;
mod staff;

use crate::sql::{Row, Tx};
use crate::{Db, SqlStore};
use daftar_domain::Result;

impl SqlStore {
    /// Runs `f` in a write transaction.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
        match &self.db {
            Db::Sqlite(d) => d.write(f),
            Db::Postgres(d) => d.write(f),
        }
    }
    /// Runs `f` in a read transaction.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
        match &self.db {
            Db::Sqlite(d) => d.read(f),
            Db::Postgres(d) => d.read(f),
        }
    }
}

/// Maps every row with `f`.
pub(crate) fn all<T>(rows: Vec<Row>, f: impl Fn(&Row) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(f).collect()
}

/// `LIMIT`/`OFFSET` values of a page request as integers.
pub(crate) fn limit_offset(req: daftar_domain::page::PageRequest) -> (i64, i64) {
    (
        i64::try_from(req.limit()).unwrap_or(i64::MAX),
        i64::try_from(req.offset()).unwrap_or(i64::MAX),
    )
}
