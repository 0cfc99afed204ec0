//! CSV (UTF-8 with BOM) and XLSX of the KPI aggregates the pages show: one line per office,
//! month and service (empty: all services). Office codes and counts of cases; no person data.
//! A figure withheld from association staff (fewer than 5 cases) is an empty cell.

use super::{KpiQuery, month_of, office_rows, province_rows, wide_reach};
use crate::auth::scope::KpiRead;
use crate::auth::{InOffice, Staff};
use crate::error::WebResult;
use crate::export::{Cell, Format, download};
use crate::extract::Query;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use daftar_domain::kpi::KpiRow;
use daftar_domain::office::Office;
use daftar_domain::{Error, Result};

/// The columns, in order.
pub const COLUMNS: [&str; 22] = [
    "office_code",
    "province",
    "month",
    "service",
    "working_days",
    "opened",
    "opened_per_working_day",
    "approved",
    "rejected",
    "cancelled",
    "returned",
    "breached",
    "median_handling_days",
    "p90_handling_days",
    "sla_breach_rate",
    "rejection_rate",
    "return_rate",
    "seasonality_index",
    "complaints",
    "overcharge_reports",
    "complaints_per_100_cases",
    "appointment_no_shows",
];

fn line(office: &Office, r: &KpiRow, seasonality: Option<f64>) -> Vec<Cell> {
    let c = |n: u64| Cell::Num(r.count(n).map(|n| n as f64));
    vec![
        Cell::Text(office.code.as_str().to_owned()),
        Cell::Text(office.province.clone()),
        Cell::Text(r.month.code()),
        Cell::Text(r.service.clone().unwrap_or_default()),
        Cell::Num(r.working_days.map(f64::from)),
        c(r.opened),
        Cell::Num(r.per_working_day()),
        c(r.approved),
        c(r.rejected),
        c(r.cancelled),
        c(r.returned),
        c(r.breached),
        Cell::Num(r.median().map(f64::from)),
        Cell::Num(r.p90().map(f64::from)),
        Cell::Num(r.breach_rate()),
        Cell::Num(r.rejection_rate()),
        Cell::Num(r.return_rate()),
        Cell::Num(if r.service.is_none() {
            seasonality
        } else {
            None
        }),
        c(r.complaints),
        c(r.overcharges),
        Cell::Num(r.complaints_per_100()),
        c(r.no_shows),
    ]
}

/// Every line of `series` (the seasonality index on each office's all-services line of a
/// month: over the 12 months ending with it).
fn lines(series: &[(Office, Vec<KpiRow>)]) -> Vec<Vec<Cell>> {
    series
        .iter()
        .flat_map(|(o, rows)| {
            rows.iter().map(move |r| {
                let s = daftar_domain::kpi::seasonality(rows, r.month);
                line(o, r, s)
            })
        })
        .collect()
}

/// The province's (or every reachable office's) all-services lines for 13 months.
async fn province_lines(
    state: &AppState,
    staff: &Staff,
    q: &KpiQuery,
) -> Result<(Vec<Vec<Cell>>, String)> {
    let (reach, members_only) =
        wide_reach(staff)?.ok_or_else(|| Error::forbidden("auth.forbidden"))?;
    let month = month_of(state, q)?;
    let province = Some(q.province.trim().to_owned()).filter(|p| !p.is_empty());
    let series = province_rows(state, reach, members_only, province, month).await?;
    Ok((lines(&series), month.code().replace('/', "-")))
}

/// `/kpi/export.csv?province=&month=`.
pub async fn province_csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<KpiQuery>,
) -> WebResult<Response> {
    let (lines, m) = province_lines(&state, &staff, &q).await?;
    Ok(download(
        Format::Csv,
        "kpi",
        &COLUMNS,
        &lines,
        &format!("kpi-{m}"),
    )?)
}

/// `/kpi/export.xlsx?province=&month=`.
pub async fn province_xlsx(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<KpiQuery>,
) -> WebResult<Response> {
    let (lines, m) = province_lines(&state, &staff, &q).await?;
    Ok(download(
        Format::Xlsx,
        "kpi",
        &COLUMNS,
        &lines,
        &format!("kpi-{m}"),
    )?)
}

async fn office_lines(
    state: &AppState,
    at: &InOffice<KpiRead>,
    q: &KpiQuery,
) -> Result<(Vec<Vec<Cell>>, String)> {
    let month = month_of(state, q)?;
    let (office, rows) = office_rows(state, &at.staff, at.scope, month).await?;
    let name = format!(
        "kpi-{}-{}",
        office.code.as_str(),
        month.code().replace('/', "-")
    );
    Ok((lines(&[(office, rows)]), name))
}

/// `/offices/{office_id}/kpi/export.csv?month=`.
pub async fn office_csv(
    State(state): State<AppState>,
    at: InOffice<KpiRead>,
    Query(q): Query<KpiQuery>,
) -> WebResult<Response> {
    let (lines, name) = office_lines(&state, &at, &q).await?;
    Ok(download(Format::Csv, "kpi", &COLUMNS, &lines, &name)?)
}

/// `/offices/{office_id}/kpi/export.xlsx?month=`.
pub async fn office_xlsx(
    State(state): State<AppState>,
    at: InOffice<KpiRead>,
    Query(q): Query<KpiQuery>,
) -> WebResult<Response> {
    let (lines, name) = office_lines(&state, &at, &q).await?;
    Ok(download(Format::Xlsx, "kpi", &COLUMNS, &lines, &name)?)
}
