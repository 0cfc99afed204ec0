//! KPIs per office (issue 18, part 4): `/kpi`, the ranking of a province's offices for a Solar
//! Hijri month with a chart of the province's cases per month, and `/offices/{office_id}/kpi`,
//! one office's 13 months in SVG charts (`crate::charts`) with the same figures in tables, its
//! seasonality index and its services; CSV and XLSX of the same aggregates. Counts of cases
//! only, never a person. Who sees what ([`Audience`]): authority officers and inspectors every
//! office, association staff their members (figures over fewer than 5 cases withheld), office
//! managers their own office (`/kpi` sends them there).

mod export;
pub use export::COLUMNS;

use crate::auth::scope::KpiRead;
use crate::auth::{InOffice, Staff};
use crate::charts::{Chart, Kind, Series};
use crate::error::WebResult;
use crate::extract::Query;
use crate::i18n::Tr;
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use daftar_domain::kpi::{Audience, KpiRow, Metric, RankedOffice, SolarMonth, province_ranking};
use daftar_domain::office::Office;
use daftar_domain::permission::{OfficeScope, Permission, Reach};
use daftar_domain::{Error, Result};

/// Months a page shows (the seasonality index needs 12).
pub const MONTHS: usize = 13;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kpi", get(ranking_page))
        .route("/kpi/export.csv", get(export::province_csv))
        .route("/kpi/export.xlsx", get(export::province_xlsx))
        .route("/offices/{office_id}/kpi", get(office_page))
        .route(
            "/offices/{office_id}/kpi/export.csv",
            get(export::office_csv),
        )
        .route(
            "/offices/{office_id}/kpi/export.xlsx",
            get(export::office_xlsx),
        )
}

/// The query of the pages and exports.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct KpiQuery {
    /// Province (the ranking page; empty: the first).
    province: String,
    /// Solar Hijri month `YYYY/MM` (empty: the current month).
    month: String,
    /// Ranking order: a metric code.
    sort: String,
}

/// The month a page shows: the one asked for, else the current one (its figures so far). Not
/// after the current month.
fn month_of(state: &AppState, q: &KpiQuery) -> Result<SolarMonth> {
    let current = SolarMonth::of(state.today());
    if q.month.trim().is_empty() {
        return Ok(current);
    }
    let m = SolarMonth::parse(&q.month)?;
    if m > current {
        return Err(Error::invalid("kpi.month.invalid").with_field("month"));
    }
    Ok(m)
}

/// A decimal figure in the page's digits (Persian digits and decimal separator in fa and ps).
pub fn decimal(tr: &Tr, v: f64, places: usize) -> String {
    let s = format!("{v:.places$}");
    if tr.locale.tag == "en" {
        s
    } else {
        daftar_domain::digits::to_persian_digits(&s.replace('.', "٫"))
    }
}

/// A share as a percentage.
pub fn percent(tr: &Tr, v: f64) -> String {
    let s = decimal(tr, v * 100.0, 1);
    if tr.locale.tag == "en" {
        format!("{s}%")
    } else {
        format!("{s}٪")
    }
}

/// A metric's figure as shown.
fn shown(tr: &Tr, m: Metric, v: f64) -> String {
    match m {
        Metric::PerWorkingDay => decimal(tr, v, 1),
        Metric::Median | Metric::P90 => tr.num(v.round() as u64),
        Metric::BreachRate | Metric::RejectionRate | Metric::ReturnRate => percent(tr, v),
        Metric::Seasonality => decimal(tr, v, 2),
        Metric::Complaints => decimal(tr, v, 1),
    }
}

/// The reach over every office of an authority or association caller; office managers get
/// `None` (they see their own office's page).
fn wide_reach(staff: &Staff) -> Result<Option<(Reach, bool)>> {
    match Audience::of(staff.principal())? {
        Audience::Office(_) => Ok(None),
        a => Ok(Some((
            staff.principal().reach(Permission::KpiRead)?,
            a == Audience::Association,
        ))),
    }
}

/// Association staff reach only members: `kpi.office.not_member` for another office.
async fn check_member(
    state: &AppState,
    staff: &Staff,
    office: daftar_domain::ids::OfficeId,
) -> Result<bool> {
    if Audience::of(staff.principal())? != Audience::Association {
        return Ok(false);
    }
    let scope = staff.principal().scope(office, Permission::OfficeRead)?;
    match state.db(move |s| s.office_membership(&scope)).await? {
        Some(_) => Ok(true),
        None => Err(Error::forbidden("kpi.office.not_member")),
    }
}

/// One office's rows for the 13 months ending with `month`, as the caller may see them.
async fn office_rows(
    state: &AppState,
    staff: &Staff,
    scope: OfficeScope,
    month: SolarMonth,
) -> Result<(Office, Vec<KpiRow>)> {
    let association = check_member(state, staff, scope.office_id()).await?;
    let from = month.last(MONTHS)[0];
    let (office, rows) = state
        .db(move |s| {
            Ok((
                s.get_office(scope.office_id())?,
                s.office_kpis(&scope, from, month)?,
            ))
        })
        .await?;
    let rows = if association {
        rows.into_iter().map(KpiRow::for_association).collect()
    } else {
        rows
    };
    Ok((office, rows))
}

/// The province's offices ranked for `month`, with their 13 months of all-services rows.
async fn province_rows(
    state: &AppState,
    reach: Reach,
    members_only: bool,
    province: Option<String>,
    month: SolarMonth,
) -> Result<Vec<(Office, Vec<KpiRow>)>> {
    let from = month.last(MONTHS)[0];
    let series = state
        .db(move |s| s.province_kpis(&reach, province.as_deref(), members_only, from, month))
        .await?;
    Ok(if members_only {
        series
            .into_iter()
            .map(|(o, rows)| (o, rows.into_iter().map(KpiRow::for_association).collect()))
            .collect()
    } else {
        series
    })
}

/// A month to pick.
struct MonthOption {
    code: String,
    label: String,
    selected: bool,
}

fn month_options(tr: &Tr, state: &AppState, month: SolarMonth) -> Vec<MonthOption> {
    let current = SolarMonth::of(state.today());
    current
        .last(MONTHS)
        .into_iter()
        .rev()
        .map(|m| MonthOption {
            code: m.code(),
            label: m.label(tr.locale.tag),
            selected: m == month,
        })
        .collect()
}

/// A cell of the ranking table.
struct Cell {
    value: String,
    rank: String,
}

/// An office of the ranking table.
struct RankRow {
    id: String,
    code: String,
    name: String,
    opened: String,
    cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "kpi/ranking.html")]
struct RankingPage {
    page: PageCtx,
    provinces: Vec<(String, bool)>,
    province: String,
    months: Vec<MonthOption>,
    month_code: String,
    month_label: String,
    sort: String,
    metrics: Vec<(&'static str, String)>,
    rows: Vec<RankRow>,
    chart: String,
    members_only: bool,
    query: String,
}

fn missing(tr: &Tr) -> String {
    tr.t("kpi-none")
}

async fn ranking_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<KpiQuery>,
) -> WebResult<Response> {
    let Some((reach, members_only)) = wide_reach(&staff)? else {
        let office = staff
            .principal()
            .office_id
            .ok_or_else(|| Error::forbidden("office.none"))?;
        return Ok(Redirect::to(&format!("/offices/{office}/kpi")).into_response());
    };
    let month = month_of(&state, &q)?;
    let sort = if q.sort.is_empty() {
        Metric::PerWorkingDay
    } else {
        Metric::parse(&q.sort)?
    };
    let r2 = reach;
    let provinces = state
        .db(move |s| s.kpi_provinces(&r2, members_only))
        .await?;
    let province = if q.province.trim().is_empty() {
        provinces.first().cloned().unwrap_or_default()
    } else {
        q.province.trim().to_owned()
    };
    let series = province_rows(&state, reach, members_only, Some(province.clone()), month).await?;
    let page = PageCtx::new(&state, &staff.ctx);
    let tr = page.tr.clone();
    let loc = tr.locale.tag;
    // The province's cases per month (sum over its offices), for the chart.
    let months = month.last(MONTHS);
    let totals: Vec<Option<f64>> = months
        .iter()
        .map(|m| {
            let mut any = false;
            let sum: u64 = series
                .iter()
                .flat_map(|(_, rows)| rows.iter().filter(|r| r.month == *m))
                .map(|r| {
                    any = true;
                    r.count(r.opened).unwrap_or(0)
                })
                .sum();
            any.then_some(sum as f64)
        })
        .collect();
    let chart = Chart {
        id: "kpi-province-chart".into(),
        title: tr.t1("kpi-chart-province", "province", &province),
        desc: tr.t("kpi-chart-province-desc"),
        label_header: tr.t("kpi-month"),
        labels: months.iter().map(|m| m.label(loc)).collect(),
        series: vec![Series {
            name: tr.t("kpi-opened"),
            values: totals,
        }],
        kind: Kind::Bar,
        rtl: page.locale.dir == "rtl",
    }
    .render(&|v| tr.num(v.round() as u64), &missing(&tr));
    let ranked: Vec<RankedOffice> = province_ranking(series, month, sort);
    let rows = ranked
        .iter()
        .map(|r| RankRow {
            id: r.office.id.to_string(),
            code: r.office.code.as_str().to_owned(),
            name: r.office.name_in(loc).to_owned(),
            opened: r
                .row
                .as_ref()
                .map(|row| count_text(&tr, row, row.opened))
                .unwrap_or_else(|| tr.num(0u64)),
            cells: Metric::ALL
                .iter()
                .zip(&r.ranks)
                .map(|(m, rank)| Cell {
                    value: m
                        .of(r.row.as_ref(), r.seasonality)
                        .map_or_else(|| missing(&tr), |v| shown(&tr, *m, v)),
                    rank: rank.map(|n| tr.num(n)).unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    let metrics = Metric::ALL
        .iter()
        .map(|m| (m.code(), tr.t(&format!("kpi-metric-{}", m.code()))))
        .collect();
    let query =
        serde_urlencoded::to_string([("province", province.as_str()), ("month", &month.code())])
            .unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &RankingPage {
            provinces: provinces
                .into_iter()
                .map(|p| {
                    let sel = p == province;
                    (p, sel)
                })
                .collect(),
            province,
            months: month_options(&tr, &state, month),
            month_code: month.code(),
            month_label: month.label(loc),
            sort: sort.code().to_owned(),
            metrics,
            rows,
            chart,
            members_only,
            query,
            page,
        },
    ))
}

/// A count as shown: "fewer than 5" when withheld.
fn count_text(tr: &Tr, row: &KpiRow, n: u64) -> String {
    row.count(n)
        .map_or_else(|| tr.t("kpi-suppressed"), |n| tr.num(n))
}

/// A service's line for the month.
struct ServiceRow {
    name: String,
    opened: String,
    closed: String,
    median: String,
    p90: String,
    rejection: String,
    ret: String,
}

#[derive(Template)]
#[template(path = "kpi/office.html")]
struct OfficePage {
    page: PageCtx,
    office: Office,
    office_name: String,
    months: Vec<MonthOption>,
    month_code: String,
    month_label: String,
    seasonality: String,
    charts: Vec<String>,
    services: Vec<ServiceRow>,
    suppressed: bool,
    back: Option<String>,
}

async fn office_page(
    State(state): State<AppState>,
    at: InOffice<KpiRead>,
    Query(q): Query<KpiQuery>,
) -> WebResult<Response> {
    let month = month_of(&state, &q)?;
    let (office, rows) = office_rows(&state, &at.staff, at.scope, month).await?;
    let page = PageCtx::new(&state, &at.staff.ctx);
    let tr = page.tr.clone();
    let loc = tr.locale.tag;
    let rtl = page.locale.dir == "rtl";
    let months = month.last(MONTHS);
    let labels: Vec<String> = months.iter().map(|m| m.label(loc)).collect();
    let total = |m: &SolarMonth| rows.iter().find(|r| r.month == *m && r.service.is_none());
    let series = |name: &str, f: &dyn Fn(&KpiRow) -> Option<f64>| Series {
        name: tr.t(name),
        values: months.iter().map(|m| total(m).and_then(f)).collect(),
    };
    let none = missing(&tr);
    let chart = |id: &str, title: &str, kind: Kind, series: Vec<Series>| Chart {
        id: id.into(),
        title: tr.t(title),
        desc: tr.t(&format!("{title}-desc")),
        label_header: tr.t("kpi-month"),
        labels: labels.clone(),
        series,
        kind,
        rtl,
    };
    let charts = vec![
        chart(
            "kpi-opened-chart",
            "kpi-chart-opened",
            Kind::Bar,
            vec![series("kpi-opened", &|r| {
                r.count(r.opened).map(|n| n as f64)
            })],
        )
        .render(&|v| tr.num(v.round() as u64), &none),
        chart(
            "kpi-per-day-chart",
            "kpi-chart-per-day",
            Kind::Line,
            vec![series("kpi-metric-per_working_day", &|r| {
                r.per_working_day()
            })],
        )
        .render(&|v| decimal(&tr, v, 1), &none),
        chart(
            "kpi-handling-chart",
            "kpi-chart-handling",
            Kind::Line,
            vec![
                series("kpi-metric-median", &|r| r.median().map(f64::from)),
                series("kpi-metric-p90", &|r| r.p90().map(f64::from)),
            ],
        )
        .render(&|v| tr.num(v.round() as u64), &none),
        chart(
            "kpi-rates-chart",
            "kpi-chart-rates",
            Kind::Line,
            vec![
                series("kpi-metric-breach_rate", &|r| r.breach_rate()),
                series("kpi-metric-rejection_rate", &|r| r.rejection_rate()),
                series("kpi-metric-return_rate", &|r| r.return_rate()),
            ],
        )
        .render(&|v| percent(&tr, v), &none),
        chart(
            "kpi-complaints-chart",
            "kpi-chart-complaints",
            Kind::Bar,
            vec![
                series("kpi-complaints", &|r| r.complaints().map(|n| n as f64)),
                series("kpi-overcharges", &|r| r.overcharges().map(|n| n as f64)),
            ],
        )
        .render(&|v| tr.num(v.round() as u64), &none),
        chart(
            "kpi-no-shows-chart",
            "kpi-chart-no-shows",
            Kind::Bar,
            vec![series("kpi-no-shows", &|r| r.no_shows().map(|n| n as f64))],
        )
        .render(&|v| tr.num(v.round() as u64), &none),
    ];
    let catalog = state.db(|s| s.services()).await.unwrap_or_default();
    let service_name = |code: &str| {
        catalog
            .iter()
            .find(|s| s.definition.code.as_str() == code)
            .map(|s| s.definition.names.get(loc).to_owned())
            .unwrap_or_else(|| code.to_owned())
    };
    let services = rows
        .iter()
        .filter(|r| r.month == month)
        .filter_map(|r| r.service.as_deref().map(|s| (s, r)))
        .map(|(s, r)| ServiceRow {
            name: service_name(s),
            opened: count_text(&tr, r, r.opened),
            closed: count_text(&tr, r, r.closed()),
            median: r.median().map_or_else(|| none.clone(), |v| tr.num(v)),
            p90: r.p90().map_or_else(|| none.clone(), |v| tr.num(v)),
            rejection: r
                .rejection_rate()
                .map_or_else(|| none.clone(), |v| percent(&tr, v)),
            ret: r
                .return_rate()
                .map_or_else(|| none.clone(), |v| percent(&tr, v)),
        })
        .collect();
    let seasonality = daftar_domain::kpi::seasonality(&rows, month)
        .map_or_else(|| none.clone(), |v| decimal(&tr, v, 2));
    let suppressed = rows.first().is_some_and(|r| r.suppressed);
    let back = at.staff.principal().has(Permission::OfficeAll).then(|| {
        format!(
            "/kpi?{}",
            serde_urlencoded::to_string([
                ("province", office.province.as_str()),
                ("month", &month.code()),
            ])
            .unwrap_or_default()
        )
    });
    Ok(render(
        StatusCode::OK,
        &OfficePage {
            office_name: office.name_in(loc).to_owned(),
            office,
            months: month_options(&tr, &state, month),
            month_code: month.code(),
            month_label: month.label(loc),
            seasonality,
            charts,
            services,
            suppressed,
            back,
            page,
        },
    ))
}
