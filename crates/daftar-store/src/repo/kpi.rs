//! KPIs per office: `KpiStore`. The job reads, per Solar Hijri month, two aggregates of the
//! cases with the same SQL on both backends (only the expression of a timestamp's day in the
//! offices' time zone differs): cases opened per office and service, and cases closed per
//! office, service, outcome, breach, return and the days opened and closed; the domain
//! (`kpi::MonthBuilder`) turns them into rows with working days and handling-time percentiles,
//! which replace the month's rows in `kpi_monthly`; and the complaints about each office filed
//! in the month (help desk) with the reports of overcharging (help desk and fee complaints on
//! its receipts). The same pass replaces the month's rows of the dashboard's
//! `dashboard_monthly` and the per-province roll-ups of both (`repo/dashboard.rs`). Counts
//! only: no person is read.

use super::audit;
use super::offices::{OFFICE_COLS, office};
use crate::SqlStore;
use crate::sql::{Dialect, Row, Tx, Value, params};
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::calendar::WorkCalendar;
use daftar_domain::ids::OfficeId;
use daftar_domain::kpi::{ClosedGroup, KpiRow, MonthBuilder, SolarMonth};
use daftar_domain::office::Office;
use daftar_domain::permission::{OfficeScope, Permission, Reach};
use daftar_domain::store::{Backend, KpiRun, SystemStore};
use daftar_domain::{Error, Result};
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime, UtcOffset};

/// The KPI job's advisory lock (PostgreSQL): one pass at a time across nodes. The others:
/// 71842 migrations, 71843 audit sealer, 71844 SLA escalation.
pub const KPI_LOCK: i64 = 71845;

/// Rows per multi-row INSERT.
const BATCH: usize = 300;

pub(crate) const KPI_COLS: &str = "office_id, month, service_code, working_days, opened, approved, rejected, cancelled, returned, breached, median_days, p90_days, complaints, overcharges, no_shows";

/// Columns written per row (with `computed_at`).
const WRITTEN: usize = 16;

/// The SQL expression of the day (`YYYY-MM-DD`) of timestamp column `col` in the offices' time
/// zone.
fn local_day(dialect: Dialect, col: &str, offset: UtcOffset) -> String {
    let minutes = offset.whole_minutes();
    match dialect {
        Dialect::Sqlite => format!("date({col}, '{minutes:+} minutes')"),
        Dialect::Postgres => format!(
            "to_char(({col} AT TIME ZONE 'UTC') + make_interval(mins => {minutes}), 'YYYY-MM-DD')"
        ),
    }
}

/// The instant a day starts in the offices' time zone.
fn start_of(day: Date, offset: UtcOffset) -> OffsetDateTime {
    day.midnight()
        .assume_offset(offset)
        .to_offset(UtcOffset::UTC)
}

fn count(r: &Row, i: usize) -> Result<u64> {
    Ok(u64::try_from(r.i64(i)?).unwrap_or(0))
}

fn opt_u32(r: &Row, i: usize) -> Result<Option<u32>> {
    match r.0.get(i) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => Ok(u32::try_from(r.i64(i)?).ok()),
    }
}

pub(crate) fn kpi_row(r: &Row) -> Result<KpiRow> {
    let service = r.text(2)?;
    Ok(KpiRow {
        office_id: r.parse(0)?,
        month: SolarMonth::from_key(r.i64(1)?)?,
        service: (!service.is_empty()).then_some(service),
        working_days: opt_u32(r, 3)?,
        opened: count(r, 4)?,
        approved: count(r, 5)?,
        rejected: count(r, 6)?,
        cancelled: count(r, 7)?,
        returned: count(r, 8)?,
        breached: count(r, 9)?,
        median_days: opt_u32(r, 10)?,
        p90_days: opt_u32(r, 11)?,
        complaints: count(r, 12)?,
        overcharges: count(r, 13)?,
        no_shows: count(r, 14)?,
        suppressed: false,
    })
}

/// Reads one month's aggregates and builds its rows.
fn month_rows(
    tx: &mut dyn Tx,
    cal: &WorkCalendar,
    month: SolarMonth,
    offset: UtcOffset,
) -> Result<Vec<KpiRow>> {
    let (first, next) = month.days()?;
    let (from, to) = (start_of(first, offset), start_of(next, offset));
    let mut b = MonthBuilder::new(month, cal);
    for r in tx.query(
        "SELECT office_id, service_code, COUNT(*) FROM cases WHERE opened_at >= $1 AND opened_at < $2 GROUP BY office_id, service_code",
        params![from, to],
    )? {
        b.opened(r.parse(0)?, &r.text(1)?, count(&r, 2)?);
    }
    let d = tx.dialect();
    let sql = format!(
        "SELECT c.office_id, c.service_code, c.state, \
           CASE WHEN c.escalation > 0 THEN 1 ELSE 0 END, \
           CASE WHEN EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.kind = 'case.return') THEN 1 ELSE 0 END, \
           {}, {}, COUNT(*) \
         FROM cases c \
         WHERE c.closed_at >= $1 AND c.closed_at < $2 AND c.state IN ('approved', 'rejected', 'cancelled') \
         GROUP BY 1, 2, 3, 4, 5, 6, 7",
        local_day(d, "c.opened_at", offset),
        local_day(d, "c.closed_at", offset),
    );
    let mut days: BTreeMap<String, Date> = BTreeMap::new();
    let mut day = |s: String| -> Result<Date> {
        if let Some(d) = days.get(&s) {
            return Ok(*d);
        }
        let d = super::cases::date(&s)?;
        days.insert(s, d);
        Ok(d)
    };
    for r in tx.query(&sql, params![from, to])? {
        let office: OfficeId = r.parse(0)?;
        let g = ClosedGroup {
            state: r.text(2)?,
            breached: r.i64(3)? != 0,
            returned: r.i64(4)? != 0,
            opened_on: day(r.text(5)?)?,
            closed_on: day(r.text(6)?)?,
            count: count(&r, 7)?,
        };
        b.closed(office, &r.text(1)?, &g);
    }
    // Complaints about an office filed in the month, and of them those of overcharging.
    for r in tx.query(
        "SELECT about_office_id, COUNT(*), SUM(CASE WHEN category = 'overcharging' THEN 1 ELSE 0 END) \
         FROM helpdesk_tickets WHERE created_at >= $1 AND created_at < $2 AND kind = 'complaint' \
           AND about_office_id IS NOT NULL GROUP BY about_office_id",
        params![from, to],
    )? {
        b.complaints(r.parse(0)?, count(&r, 1)?, count(&r, 2)?);
    }
    // Fee complaints on the office's receipts: reports of overcharging.
    for r in tx.query(
        "SELECT p.office_id, COUNT(*) FROM fee_complaints f JOIN payments p ON p.receipt_no = f.receipt_no \
         WHERE f.created_at >= $1 AND f.created_at < $2 GROUP BY p.office_id",
        params![from, to],
    )? {
        b.complaints(r.parse(0)?, 0, count(&r, 1)?);
    }
    // Appointments whose day (in the month, before today) passed without an arrival: those
    // still booked, and those booked again after their day (kept as missed).
    let today = tx.now().to_offset(offset).date();
    let (a, z) = (
        daftar_domain::jalali::iso_day(first),
        daftar_domain::jalali::iso_day(next.min(today)),
    );
    for r in tx.query(
        "SELECT office_id, COUNT(*) FROM (\
           SELECT office_id FROM appointments WHERE day >= $1 AND day < $2 AND attended_at IS NULL \
           UNION ALL SELECT office_id FROM appointment_log WHERE day >= $1 AND day < $2 AND outcome = 'missed') n \
         GROUP BY office_id",
        params![a, z],
    )? {
        b.no_shows(r.parse(0)?, count(&r, 1)?);
    }
    Ok(b.rows())
}

/// Replaces the month's rows with `rows`.
fn write_month(tx: &mut dyn Tx, month: SolarMonth, rows: &[KpiRow]) -> Result<u64> {
    tx.exec(
        "DELETE FROM kpi_monthly WHERE month = $1",
        params![month.key()],
    )?;
    let now = tx.now();
    let n = |v: u64| Value::I64(i64::try_from(v).unwrap_or(i64::MAX));
    let o = |v: Option<u32>| v.map_or(Value::Null, |v| Value::I64(i64::from(v)));
    for chunk in rows.chunks(BATCH) {
        let mut sql = format!("INSERT INTO kpi_monthly ({KPI_COLS}, computed_at) VALUES ");
        let mut args: Vec<Value> = Vec::with_capacity(chunk.len() * WRITTEN);
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let base = i * WRITTEN;
            sql.push('(');
            sql.push_str(
                &(1..=WRITTEN)
                    .map(|k| format!("${}", base + k))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            sql.push(')');
            args.extend([
                Value::Text(r.office_id.to_string()),
                Value::I64(r.month.key()),
                Value::Text(r.service.clone().unwrap_or_default()),
                o(r.working_days),
                n(r.opened),
                n(r.approved),
                n(r.rejected),
                n(r.cancelled),
                n(r.returned),
                n(r.breached),
                o(r.median_days),
                o(r.p90_days),
                n(r.complaints),
                n(r.overcharges),
                n(r.no_shows),
                Value::Ts(now),
            ]);
        }
        tx.exec(&sql, &args)?;
    }
    Ok(rows.len() as u64)
}

/// Takes the job's advisory lock for this transaction (PostgreSQL); `false` when another
/// node's pass holds it.
fn try_lock(tx: &mut dyn Tx) -> Result<bool> {
    if tx.dialect() != Dialect::Postgres {
        return Ok(true);
    }
    Ok(tx
        .query_one(
            "SELECT CASE WHEN pg_try_advisory_xact_lock($1) THEN 1 ELSE 0 END",
            params![KPI_LOCK],
        )?
        .i64(0)?
        == 1)
}

fn every_office(reach: &Reach) -> Result<()> {
    if reach.office_id().is_some() || reach.permission() != Permission::KpiRead {
        return Err(Error::forbidden("auth.forbidden"));
    }
    Ok(())
}

const MEMBERS: &str = "EXISTS (SELECT 1 FROM memberships m WHERE m.office_id = offices.id)";

impl daftar_domain::store::KpiStore for SqlStore {
    fn compute_kpis(
        &self,
        ctx: &AuditCtx,
        cal: &WorkCalendar,
        months: &[SolarMonth],
    ) -> Result<Option<KpiRun>> {
        let offset = self.clock.offset();
        let mut run = KpiRun::default();
        for &month in months {
            let written = match self.backend() {
                // Read and write in one transaction under the lock: a second node skips.
                // The dashboard's monthly counts (registrations, receipts, complaints) are
                // computed in the same pass, and the per-province roll-ups of both are
                // replaced in the same transaction.
                Backend::Postgres => self.write(|tx| {
                    if !try_lock(tx)? {
                        return Ok(None);
                    }
                    let rows = month_rows(tx, cal, month, offset)?;
                    let counts = super::dashboard::month_counts(tx, month, offset)?;
                    super::dashboard::write_month_counts(tx, month, &counts)?;
                    let written = write_month(tx, month, &rows)?;
                    super::dashboard::write_province_rollups(tx, month)?;
                    Ok(Some(written))
                })?,
                // One writer: read first, so the writer is held only while the rows are written.
                Backend::Sqlite => {
                    let (rows, counts) = self.read(|tx| {
                        Ok((
                            month_rows(tx, cal, month, offset)?,
                            super::dashboard::month_counts(tx, month, offset)?,
                        ))
                    })?;
                    Some(self.write(|tx| {
                        super::dashboard::write_month_counts(tx, month, &counts)?;
                        let written = write_month(tx, month, &rows)?;
                        super::dashboard::write_province_rollups(tx, month)?;
                        Ok(written)
                    })?)
                }
            };
            let Some(rows) = written else {
                return Ok(None);
            };
            run.months += 1;
            run.rows += rows;
        }
        let (first, last) = (months.first(), months.last());
        self.write(|tx| {
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("kpi.compute", "kpi", "monthly").with_details(serde_json::json!({
                    "from": first.map(|m| m.code()),
                    "to": last.map(|m| m.code()),
                    "months": run.months,
                    "rows": run.rows,
                })),
            )
        })?;
        Ok(Some(run))
    }

    fn office_kpis(
        &self,
        scope: &OfficeScope,
        from: SolarMonth,
        to: SolarMonth,
    ) -> Result<Vec<KpiRow>> {
        scope.require(Permission::KpiRead)?;
        self.read(|tx| {
            let rows = tx.query(
                &format!("SELECT {KPI_COLS} FROM kpi_monthly WHERE office_id = $1 AND month >= $2 AND month <= $3 ORDER BY month, service_code"),
                params![scope.office_id().to_string(), from.key(), to.key()],
            )?;
            super::all(rows, kpi_row)
        })
    }

    fn province_kpis(
        &self,
        reach: &Reach,
        province: Option<&str>,
        members_only: bool,
        from: SolarMonth,
        to: SolarMonth,
    ) -> Result<Vec<(Office, Vec<KpiRow>)>> {
        every_office(reach)?;
        let members = if members_only { MEMBERS } else { "1 = 1" };
        let province = province.unwrap_or_default().to_owned();
        self.read(|tx| {
            let offices = tx
                .query(
                    &format!("SELECT {OFFICE_COLS} FROM offices WHERE ($1 = '' OR province = $1) AND {members} ORDER BY code"),
                    params![province.clone()],
                )?
                .iter()
                .map(office)
                .collect::<Result<Vec<Office>>>()?;
            let mut by_office: BTreeMap<OfficeId, Vec<KpiRow>> = BTreeMap::new();
            for r in tx.query(
                &format!(
                    "SELECT {} FROM kpi_monthly k JOIN offices ON offices.id = k.office_id \
                     WHERE k.service_code = '' AND k.month >= $2 AND k.month <= $3 \
                       AND ($1 = '' OR offices.province = $1) AND {members} ORDER BY k.month",
                    KPI_COLS
                        .split(", ")
                        .map(|c| format!("k.{c}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                params![province, from.key(), to.key()],
            )? {
                let row = kpi_row(&r)?;
                by_office.entry(row.office_id).or_default().push(row);
            }
            Ok(offices
                .into_iter()
                .map(|o| {
                    let rows = by_office.remove(&o.id).unwrap_or_default();
                    (o, rows)
                })
                .collect())
        })
    }

    fn kpi_provinces(&self, reach: &Reach, members_only: bool) -> Result<Vec<String>> {
        every_office(reach)?;
        let members = if members_only { MEMBERS } else { "1 = 1" };
        self.read(|tx| {
            let rows = tx.query(
                &format!("SELECT DISTINCT province FROM offices WHERE {members} ORDER BY province"),
                &[],
            )?;
            super::all(rows, |r| r.text(0))
        })
    }
}
