//! The one implementation of [`daftar_domain::store::Store`], written against [`Tx`] so it runs
//! unchanged on SQLite and PostgreSQL. Row mappers live beside the statements that need them.

/// SQL condition on a `persons` row: the person exists for readers, i.e. was not written by an
/// import that is still running or was removed (`person_imports`; such persons are seen by
/// nobody until their import is done). Every read that finds persons by id, number, name or
/// office applies it; reads that reach persons through a case, household or review pair need
/// not (an import's persons have none until they are visible). The imports not done are read
/// once per statement (an uncorrelated subquery: a hashed set on PostgreSQL, an ephemeral
/// index on SQLite), not probed for each imported person; every `import_id` names a
/// `person_imports` row (a foreign key), so "not among those not done" is "done".
macro_rules! person_visible {
    () => {
        "(persons.import_id IS NULL OR persons.import_id NOT IN (SELECT pi.id FROM person_imports pi WHERE pi.state <> 'done'))"
    };
}

/// The rows of a JSON array of objects given as parameter `$1`, as a table `x` with the
/// `columns` (name, PostgreSQL type): how a batch hands many rows to one statement on both
/// backends (PostgreSQL's `json_to_recordset`, SQLite's `json_each`). Timestamps go as
/// [`crate::sql::ts_text`].
pub(crate) fn rows_from_json(d: crate::sql::Dialect, columns: &[(&str, &str)]) -> String {
    let list = |each: &dyn Fn(&str, &str) -> String| {
        columns
            .iter()
            .map(|(c, t)| each(c, t))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match d {
        crate::sql::Dialect::Postgres => format!(
            "json_to_recordset($1::text::json) AS x({})",
            list(&|c, t| format!("{c} {t}"))
        ),
        crate::sql::Dialect::Sqlite => format!(
            "(SELECT {} FROM json_each($1)) AS x",
            list(&|c, _| format!("json_extract(value, '$.{c}') AS {c}"))
        ),
    }
}

mod accreditation;
pub mod appointments;
pub mod audit;
mod cases;
mod consultations;
mod credentials;
mod dashboard;
mod helpdesk;
mod households;
pub(crate) mod idempotency;
pub(crate) mod kpi;
pub(crate) mod licences;
pub(crate) mod memberships;
pub(crate) mod notify;
mod offices;
mod persons;
mod photos;
mod planning;
mod plans;
mod portal;
pub(crate) mod read_watch;
mod referrals;
mod review;
pub(crate) mod rounds;
mod services;
mod system;
mod users;
mod voluntary_return;

use crate::sql::{Row, Timed, Tx};
use crate::{Db, SqlStore};
use daftar_domain::Result;

impl SqlStore {
    /// Runs `f` in a write transaction.
    /// On PostgreSQL from inside a tokio runtime's thread, it runs on a thread of its own,
    /// carrying the pending idempotent answer there and back (see
    /// [`crate::postgres::on_blocking_thread`]).
    pub(crate) fn write<T: Send>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T> + Send,
    ) -> Result<T> {
        let clock = &self.clock;
        let f = move |tx: &mut dyn Tx| {
            f(&mut Timed {
                tx,
                now: clock.now(),
            })
        };
        let out = match &self.db {
            Db::Sqlite(d) => d.write(f),
            Db::Postgres(d) if crate::postgres::needs_own_thread() => {
                idempotency::on_own_thread(|| d.write(f))
            }
            Db::Postgres(d) => d.write(f),
        };
        // A pending idempotent answer inserted by this write is stored once it committed.
        idempotency::settle(out.is_ok());
        out
    }
    /// Runs `f` in a read transaction.
    pub(crate) fn read<T: Send>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T> + Send,
    ) -> Result<T> {
        let clock = &self.clock;
        let f = move |tx: &mut dyn Tx| {
            f(&mut Timed {
                tx,
                now: clock.now(),
            })
        };
        match &self.db {
            Db::Sqlite(d) => d.read(f),
            Db::Postgres(d) => crate::postgres::outside_runtime(|| d.read(f)),
        }
    }
}

/// Maps every row with `f`.
pub(crate) fn all<T>(rows: Vec<Row>, f: impl Fn(&Row) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(f).collect()
}

/// One page of `SELECT {cols} {from_where} ORDER BY {order}` with the total count; `args` are
/// the parameters of `from_where` (`$1`…), the page's limit and offset are appended after them.
pub(crate) fn paged<T>(
    tx: &mut dyn Tx,
    cols: &str,
    from_where: &str,
    order: &str,
    mut args: Vec<crate::sql::Value>,
    req: daftar_domain::page::PageRequest,
    map: impl Fn(&Row) -> Result<T>,
) -> Result<daftar_domain::page::Page<T>> {
    let req = req.clamped();
    let total = tx
        .query_one(&format!("SELECT COUNT(*) {from_where}"), &args)?
        .i64(0)?;
    let (limit, offset) = limit_offset(req);
    let n = args.len();
    args.push(limit.into());
    args.push(offset.into());
    let rows = tx.query(
        &format!(
            "SELECT {cols} {from_where} ORDER BY {order} LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        ),
        &args,
    )?;
    Ok(daftar_domain::page::Page {
        items: all(rows, map)?,
        page: req.page,
        per_page: req.per_page,
        total: u64::try_from(total).unwrap_or(0),
    })
}

/// `LIMIT`/`OFFSET` values of a page request as integers.
pub(crate) fn limit_offset(req: daftar_domain::page::PageRequest) -> (i64, i64) {
    (
        i64::try_from(req.limit()).unwrap_or(i64::MAX),
        i64::try_from(req.offset()).unwrap_or(i64::MAX),
    )
}
