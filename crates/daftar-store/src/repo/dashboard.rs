//! The authority's dashboard: `DashboardStore`, and the monthly counts the KPI job writes beside
//! `kpi_monthly` ([`month_counts`], [`write_month_counts`]): persons registered, receipts and
//! their rials per office, complaints per office and category.
//!
//! Every read sums small pre-computed tables (`kpi_monthly`, `dashboard_monthly`: rows per
//! office, month and service or metric; `round_offices`: rows per round and office), never the
//! persons or cases themselves, so a read does not grow with the population (`daftar bench
//! dashboard`). The country view (every office, per province) reads the per-province roll-ups
//! the same job writes ([`write_province_rollups`]: 31 provinces instead of ~1,000 offices'
//! rows); [`SqlStore::dashboard_detailed`] answers the same from the offices' rows, which the
//! tests compare. The same SQL runs on both backends.

use crate::SqlStore;
use crate::sql::{Row, Tx, Value, params};
use daftar_domain::Result;
use daftar_domain::dashboard::{Fact, Filter, Level, Metric, RoundPlace, RoundPlaces};
use daftar_domain::kpi::SolarMonth;
use daftar_domain::office::Office;
use daftar_domain::permission::{Permission, Reach};
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime, UtcOffset};

/// Rows per multi-row INSERT.
const BATCH: usize = 300;

fn count(r: &Row, i: usize) -> Result<u64> {
    Ok(u64::try_from(r.i64(i)?).unwrap_or(0))
}

fn start_of(day: Date, offset: UtcOffset) -> OffsetDateTime {
    day.midnight()
        .assume_offset(offset)
        .to_offset(UtcOffset::UTC)
}

/// A month's counts: `(office id or '', metric, item, value)`.
pub(crate) type MonthCount = (String, Metric, String, u64);

/// Reads one month's registrations, receipts and complaints.
pub(crate) fn month_counts(
    tx: &mut dyn Tx,
    month: SolarMonth,
    offset: UtcOffset,
) -> Result<Vec<MonthCount>> {
    let (first, next) = month.days()?;
    let (from, to) = (start_of(first, offset), start_of(next, offset));
    let mut out = vec![];
    for r in tx.query(
        "SELECT office_id, COUNT(*) FROM persons WHERE created_at >= $1 AND created_at < $2 GROUP BY office_id",
        params![from, to],
    )? {
        out.push((r.text(0)?, Metric::Registered, String::new(), count(&r, 1)?));
    }
    let iso = daftar_domain::jalali::iso_day;
    for r in tx.query(
        "SELECT office_id, COUNT(*), CAST(SUM(rials) AS BIGINT) FROM payments WHERE paid_on >= $1 AND paid_on < $2 GROUP BY office_id",
        params![iso(first), iso(next)],
    )? {
        let office = r.text(0)?;
        out.push((office.clone(), Metric::Receipts, String::new(), count(&r, 1)?));
        out.push((office, Metric::Rials, String::new(), count(&r, 2)?));
    }
    for r in tx.query(
        "SELECT COALESCE(about_office_id, ''), category, COUNT(*) FROM helpdesk_tickets WHERE kind = 'complaint' AND created_at >= $1 AND created_at < $2 GROUP BY 1, 2",
        params![from, to],
    )? {
        out.push((r.text(0)?, Metric::Complaints, r.text(1)?, count(&r, 2)?));
    }
    Ok(out)
}

/// Replaces the month's counts with `rows`.
pub(crate) fn write_month_counts(
    tx: &mut dyn Tx,
    month: SolarMonth,
    rows: &[MonthCount],
) -> Result<()> {
    tx.exec(
        "DELETE FROM dashboard_monthly WHERE month = $1",
        params![month.key()],
    )?;
    let now = tx.now();
    for chunk in rows.chunks(BATCH) {
        let mut sql = String::from(
            "INSERT INTO dashboard_monthly (month, office_id, metric, item, value, computed_at) VALUES ",
        );
        let mut args: Vec<Value> = Vec::with_capacity(chunk.len() * 6);
        for (i, (office, metric, item, value)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let b = i * 6;
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6
            ));
            args.extend([
                Value::I64(month.key()),
                Value::Text(office.clone()),
                Value::Text(metric.code().to_owned()),
                Value::Text(item.clone()),
                Value::I64(i64::try_from(*value).unwrap_or(i64::MAX)),
                Value::Ts(now),
            ]);
        }
        tx.exec(&sql, &args)?;
    }
    Ok(())
}

/// The six case figures of `kpi_monthly` the dashboard sums, in [`CASE_METRICS`]' order.
const CASE_SUMS: &str = "CAST(SUM(k.opened) AS BIGINT), CAST(SUM(k.approved) AS BIGINT), CAST(SUM(k.rejected) AS BIGINT), CAST(SUM(k.cancelled) AS BIGINT), CAST(SUM(k.returned) AS BIGINT), CAST(SUM(k.breached) AS BIGINT)";

/// What the columns of [`CASE_SUMS`] count.
const CASE_METRICS: [Metric; 6] = [
    Metric::Opened,
    Metric::Approved,
    Metric::Rejected,
    Metric::Cancelled,
    Metric::Returned,
    Metric::Breached,
];

/// Replaces the month's per-province roll-ups (`kpi_province_monthly`,
/// `dashboard_province_monthly`) with the sums of its rows in `kpi_monthly` and
/// `dashboard_monthly`: called by the KPI job in the transaction that has just written those
/// rows, so the country view's sums never differ from the offices' rows added up.
pub(crate) fn write_province_rollups(tx: &mut dyn Tx, month: SolarMonth) -> Result<()> {
    let key = month.key();
    tx.exec(
        "DELETE FROM kpi_province_monthly WHERE month = $1",
        params![key],
    )?;
    tx.exec(
        &format!(
            "INSERT INTO kpi_province_monthly (month, province, service_code, opened, approved, rejected, cancelled, returned, breached) \
             SELECT k.month, o.province, k.service_code, {CASE_SUMS} \
             FROM kpi_monthly k JOIN offices o ON o.id = k.office_id \
             WHERE k.month = $1 AND k.service_code <> '' \
             GROUP BY k.month, o.province, k.service_code"
        ),
        params![key],
    )?;
    tx.exec(
        "DELETE FROM dashboard_province_monthly WHERE month = $1",
        params![key],
    )?;
    tx.exec(
        "INSERT INTO dashboard_province_monthly (month, province, metric, item, value) \
         SELECT d.month, COALESCE(o.province, ''), d.metric, d.item, CAST(SUM(d.value) AS BIGINT) \
         FROM dashboard_monthly d LEFT JOIN offices o ON o.id = d.office_id \
         WHERE d.month = $1 \
         GROUP BY d.month, COALESCE(o.province, ''), d.metric, d.item",
        params![key],
    )?;
    Ok(())
}

/// Whether a read at `f` for `reach` is the country per province (every office, no place in
/// the filter), which the per-province roll-ups answer.
fn country_view(reach: &Reach, f: &Filter) -> bool {
    reach.office_id().is_none()
        && f.province.is_none()
        && f.district.is_none()
        && f.office.is_none()
}

/// Turns rows of `(place, month, service, the six sums of CASE_SUMS)` into facts.
fn case_facts(rows: Vec<Row>) -> Result<Vec<Fact>> {
    let mut out = Vec::with_capacity(rows.len() * CASE_METRICS.len());
    for r in rows {
        let (place, month, service) = (r.text(0)?, SolarMonth::from_key(r.i64(1)?)?, r.text(2)?);
        for (i, m) in CASE_METRICS.into_iter().enumerate() {
            out.push(Fact {
                place: place.clone(),
                month,
                metric: m,
                key: service.clone(),
                value: count(&r, 3 + i)?,
            });
        }
    }
    Ok(out)
}

/// Turns rows of `(place, month, metric, item, value)` into facts.
fn count_facts(rows: Vec<Row>) -> Result<Vec<Fact>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(metric) = Metric::parse(&r.text(2)?) else {
            continue;
        };
        out.push(Fact {
            place: r.text(0)?,
            month: SolarMonth::from_key(r.i64(1)?)?,
            metric,
            key: r.text(3)?,
            value: count(&r, 4)?,
        });
    }
    Ok(out)
}

impl SqlStore {
    /// The cases' facts summed from every office's rows of `kpi_monthly`, as
    /// [`DashboardStore::dashboard_cases`] reads them when the per-province roll-up does not
    /// answer the filter.
    fn detailed_cases(&self, reach: &Reach, f: &Filter) -> Result<Vec<Fact>> {
        let mut args: Vec<Value> = vec![Value::I64(f.from.key()), Value::I64(f.to.key())];
        let (place, conds) = place_and_conds(reach, f, &mut args);
        self.read(|tx| {
            case_facts(tx.query(
                &format!(
                    "SELECT {place}, k.month, k.service_code, {CASE_SUMS} \
                     FROM kpi_monthly k JOIN offices o ON o.id = k.office_id \
                     WHERE k.month >= $1 AND k.month <= $2 AND k.service_code <> ''{conds} \
                     GROUP BY {place}, k.month, k.service_code"
                ),
                &args,
            )?)
        })
    }

    /// The registrations', receipts' and complaints' facts summed from every office's rows of
    /// `dashboard_monthly`, as [`DashboardStore::dashboard_counts`] reads them when the
    /// per-province roll-up does not answer the filter.
    fn detailed_counts(&self, reach: &Reach, f: &Filter) -> Result<Vec<Fact>> {
        let mut args: Vec<Value> = vec![Value::I64(f.from.key()), Value::I64(f.to.key())];
        let (place, conds) = place_and_conds(reach, f, &mut args);
        self.read(|tx| {
            count_facts(tx.query(
                &format!(
                    "SELECT {place}, d.month, d.metric, d.item, CAST(SUM(d.value) AS BIGINT) \
                     FROM dashboard_monthly d LEFT JOIN offices o ON o.id = d.office_id \
                     WHERE d.month >= $1 AND d.month <= $2{conds} \
                     GROUP BY {place}, d.month, d.metric, d.item"
                ),
                &args,
            )?)
        })
    }

    /// The dashboard's case and count facts for `f` summed from every office's rows, never from
    /// the per-province roll-ups: what `dashboard_cases` and `dashboard_counts` answer, for the
    /// tests that check the roll-ups against it and for `daftar bench dashboard`. Not used by
    /// the application.
    pub fn dashboard_detailed(&self, reach: &Reach, f: &Filter) -> Result<(Vec<Fact>, Vec<Fact>)> {
        aggregate_reach(reach)?;
        Ok((
            self.detailed_cases(reach, f)?,
            self.detailed_counts(reach, f)?,
        ))
    }
}

fn aggregate_reach(reach: &Reach) -> Result<()> {
    if reach.permission() != Permission::AggregateRead {
        return Err(daftar_domain::Error::forbidden("auth.forbidden")
            .with_details(serde_json::json!({ "permission": "aggregate.read" })));
    }
    Ok(())
}

/// The place expression at the filter's level and the conditions on `o` (offices) from the
/// filter and the reach, with their arguments numbered from `next`.
fn place_and_conds(reach: &Reach, f: &Filter, args: &mut Vec<Value>) -> (&'static str, String) {
    let place = match f.level() {
        Level::Province => "COALESCE(o.province, '')",
        Level::District => "o.district",
        Level::Office => "o.code",
    };
    let mut conds = String::new();
    let mut add = |col: &str, v: String, args: &mut Vec<Value>| {
        args.push(Value::Text(v));
        conds.push_str(&format!(" AND {col} = ${}", args.len()));
    };
    if let Some(o) = reach.office_id() {
        add("o.id", o.to_string(), args);
    }
    if let Some(p) = &f.province {
        add("o.province", p.clone(), args);
    }
    if let Some(d) = &f.district {
        add("o.district", d.clone(), args);
    }
    if let Some(c) = &f.office {
        add("o.code", c.clone(), args);
    }
    (place, conds)
}

impl daftar_domain::store::DashboardStore for SqlStore {
    fn dashboard_cases(&self, reach: &Reach, f: &Filter) -> Result<Vec<Fact>> {
        aggregate_reach(reach)?;
        if !country_view(reach, f) {
            return self.detailed_cases(reach, f);
        }
        let args = [Value::I64(f.from.key()), Value::I64(f.to.key())];
        self.read(|tx| {
            case_facts(tx.query(
                "SELECT province, month, service_code, opened, approved, rejected, cancelled, returned, breached \
                 FROM kpi_province_monthly WHERE month >= $1 AND month <= $2",
                &args,
            )?)
        })
    }

    fn dashboard_counts(&self, reach: &Reach, f: &Filter) -> Result<Vec<Fact>> {
        aggregate_reach(reach)?;
        if !country_view(reach, f) {
            return self.detailed_counts(reach, f);
        }
        let args = [Value::I64(f.from.key()), Value::I64(f.to.key())];
        self.read(|tx| {
            count_facts(tx.query(
                "SELECT province, month, metric, item, value \
                 FROM dashboard_province_monthly WHERE month >= $1 AND month <= $2",
                &args,
            )?)
        })
    }

    fn dashboard_coverage(&self, reach: &Reach, f: &Filter) -> Result<Vec<RoundPlaces>> {
        aggregate_reach(reach)?;
        let iso = daftar_domain::jalali::iso_day;
        let (first, _) = f.from.days()?;
        let (_, next) = f.to.days()?;
        let mut args: Vec<Value> = vec![Value::Text(iso(next)), Value::Text(iso(first))];
        let (place, conds) = place_and_conds(reach, f, &mut args);
        self.read(|tx| {
            let rows = tx.query(
                &format!(
                    "SELECT r.id, r.name, r.opens_on, r.closes_on, {place}, CAST(SUM(ro.expected) AS BIGINT), CAST(SUM(ro.renewed) AS BIGINT) \
                     FROM rounds r JOIN round_offices ro ON ro.round_id = r.id JOIN offices o ON o.id = ro.office_id \
                     WHERE r.opens_on < $1 AND r.closes_on >= $2{conds} \
                     GROUP BY r.id, r.name, r.opens_on, r.closes_on, {place} \
                     ORDER BY r.opens_on DESC, r.id, {place}"
                ),
                &args,
            )?;
            let mut out: Vec<RoundPlaces> = vec![];
            let mut index: BTreeMap<String, usize> = BTreeMap::new();
            for r in rows {
                let id = r.text(0)?;
                let i = match index.get(&id) {
                    Some(i) => *i,
                    None => {
                        out.push(RoundPlaces {
                            id: r.parse(0)?,
                            name: r.text(1)?,
                            opens_on: super::cases::date(&r.text(2)?)?,
                            closes_on: super::cases::date(&r.text(3)?)?,
                            places: vec![],
                        });
                        index.insert(id, out.len() - 1);
                        out.len() - 1
                    }
                };
                out[i].places.push(RoundPlace {
                    place: r.text(4)?,
                    expected: count(&r, 5)?,
                    renewed: count(&r, 6)?,
                });
            }
            Ok(out)
        })
    }

    fn dashboard_offices(&self, reach: &Reach) -> Result<Vec<Office>> {
        aggregate_reach(reach)?;
        let (cond, args): (&str, Vec<Value>) = match reach.office_id() {
            Some(o) => ("WHERE id = $1", vec![Value::Text(o.to_string())]),
            None => ("", vec![]),
        };
        self.read(|tx| {
            super::all(
                tx.query(
                    &format!(
                        "SELECT {} FROM offices {cond} ORDER BY province, district, code",
                        super::offices::OFFICE_COLS
                    ),
                    &args,
                )?,
                super::offices::office,
            )
        })
    }
}
