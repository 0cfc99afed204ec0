//! Planning figures for partners (issue 20.2): registered persons living in the country by age
//! group — under-fives, school age, working age, elderly — by province, then a province's
//! districts, then a district's office catchments and its persons by sex, for schools, health
//! houses and livelihood programmes deciding where they are needed. `aggregate.read` (partners
//! and the authority every office, an office's holders their own catchment). Counts only,
//! through [`daftar_domain::planning::Table::protected`]: small cells withheld with their
//! complements, on the page and in the CSV/XLSX exports alike.

use crate::auth::Staff;
use crate::error::WebResult;
use crate::export::{Cell, Format, download};
use crate::extract::Query;
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use daftar_domain::Result;
use daftar_domain::permission::Permission;
use daftar_domain::planning::{AgeGroup, Figure, Table};
use daftar_domain::store::PlanningCount;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/planning", get(page))
        .route("/planning/export.csv", get(csv))
        .route("/planning/export.xlsx", get(xlsx))
}

/// `?province=&district=`: the level shown.
#[derive(Debug, Default, Deserialize)]
pub struct PlanningQuery {
    #[serde(default)]
    province: String,
    #[serde(default)]
    district: String,
}

/// The tables of a level: the main one (rows: provinces, districts or offices) and, for a
/// district, its persons by sex.
struct Level {
    province: String,
    district: String,
    table: Table,
    by_sex: Option<Table>,
}

fn group_counts<'a>(
    counts: impl Iterator<Item = &'a PlanningCount>,
    key: impl Fn(&PlanningCount) -> String,
) -> (Vec<String>, Vec<Vec<u64>>) {
    let mut rows: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for c in counts {
        let i = AgeGroup::ALL
            .iter()
            .position(|g| *g == c.group)
            .unwrap_or(0);
        rows.entry(key(c))
            .or_insert_with(|| vec![0; AgeGroup::ALL.len()])[i] += c.count;
    }
    rows.into_iter().unzip()
}

async fn level(state: &AppState, staff: &Staff, q: &PlanningQuery) -> Result<Level> {
    let reach = staff.principal().reach(Permission::AggregateRead)?;
    let province = q.province.trim().to_owned();
    let district = q.district.trim().to_owned();
    let today = state.today();
    let p = Some(province.clone()).filter(|p| !p.is_empty());
    let counts = state
        .db(move |s| s.planning_counts(&reach, today, p.as_deref()))
        .await?;
    let (table, by_sex) = if province.is_empty() {
        let (rows, cells) = group_counts(counts.iter(), |c| c.province.clone());
        (Table::protected(rows, cells), None)
    } else if district.is_empty() {
        let (rows, cells) = group_counts(counts.iter(), |c| c.district.clone());
        (Table::protected(rows, cells), None)
    } else {
        let here = || counts.iter().filter(|c| c.district == district);
        let (rows, cells) = group_counts(here(), |c| c.office_code.clone());
        let (sexes, by_sex) = group_counts(here(), |c| c.sex.clone());
        (
            Table::protected(rows, cells),
            Some(Table::protected(sexes, by_sex)),
        )
    };
    Ok(Level {
        province,
        district,
        table,
        by_sex,
    })
}

/// A table ready to show.
struct Shown {
    id: &'static str,
    caption: String,
    header: String,
    rows: Vec<ShownRow>,
    totals: Vec<String>,
}

struct ShownRow {
    label: String,
    href: Option<String>,
    cells: Vec<String>,
}

fn shown(page: &PageCtx, f: &Figure) -> String {
    f.shown()
        .map_or_else(|| page.t("planning-withheld"), |n| page.tr.num(n))
}

fn show(
    page: &PageCtx,
    id: &'static str,
    caption: String,
    header: String,
    t: &Table,
    label: &dyn Fn(&str) -> String,
    href: &dyn Fn(&str) -> Option<String>,
) -> Shown {
    Shown {
        id,
        caption,
        header,
        rows: t
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| ShownRow {
                label: label(r),
                href: href(r),
                cells: t.cells[i]
                    .iter()
                    .chain(std::iter::once(&t.row_totals[i]))
                    .map(|f| shown(page, f))
                    .collect(),
            })
            .collect(),
        totals: t
            .column_totals
            .iter()
            .chain(std::iter::once(&t.total))
            .map(|f| shown(page, f))
            .collect(),
    }
}

fn query(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "planning/page.html")]
struct PlanningPage {
    page: PageCtx,
    province: String,
    province_q: String,
    district: String,
    groups: Vec<String>,
    tables: Vec<Shown>,
    export: String,
    today: String,
}

/// `GET /planning?province=&district=`.
async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PlanningQuery>,
) -> WebResult<Response> {
    let l = level(&state, &staff, &q).await?;
    let page = PageCtx::new(&state, &staff.ctx);
    let groups = AgeGroup::ALL
        .iter()
        .map(|g| page.t(&format!("planning-group-{}", g.code())))
        .collect();
    let plain = |s: &str| s.to_owned();
    let mut tables = vec![];
    if l.province.is_empty() {
        tables.push(show(
            &page,
            "planning-provinces",
            page.t("planning-by-province"),
            page.t("planning-province"),
            &l.table,
            &plain,
            &|p| Some(format!("/planning?{}", query(&[("province", p)]))),
        ));
    } else if l.district.is_empty() {
        tables.push(show(
            &page,
            "planning-districts",
            page.tr.t1("planning-by-district", "province", &l.province),
            page.t("planning-district"),
            &l.table,
            &plain,
            &|d| {
                Some(format!(
                    "/planning?{}",
                    query(&[("province", &l.province), ("district", d)])
                ))
            },
        ));
    } else {
        tables.push(show(
            &page,
            "planning-offices",
            page.tr.t1("planning-by-office", "district", &l.district),
            page.t("planning-office"),
            &l.table,
            &plain,
            &|_| None,
        ));
        if let Some(t) = &l.by_sex {
            tables.push(show(
                &page,
                "planning-sexes",
                page.tr.t1("planning-by-sex", "district", &l.district),
                page.t("planning-sex"),
                t,
                &|s| page.tk("sex", s),
                &|_| None,
            ));
        }
    }
    let export = query(&[("province", &l.province), ("district", &l.district)]);
    let today = page.tr.date(&daftar_domain::jalali::iso_day(state.today()));
    Ok(render(
        StatusCode::OK,
        &PlanningPage {
            province_q: query(&[("province", &l.province)]),
            province: l.province,
            district: l.district,
            groups,
            tables,
            export,
            today,
            page,
        },
    ))
}

/// The export's columns.
pub fn columns() -> Vec<&'static str> {
    let mut c = vec!["level", "place"];
    c.extend(AgeGroup::ALL.iter().map(|g| g.code()));
    c.push("total");
    c
}

/// The export's lines: the table's rows then its totals (`level` names what a row is); a
/// withheld figure is an empty cell.
fn lines(l: &Level) -> Vec<Vec<Cell>> {
    let level = if l.province.is_empty() {
        "province"
    } else if l.district.is_empty() {
        "district"
    } else {
        "office"
    };
    let mut out = vec![];
    let num = |f: &Figure| Cell::Num(f.shown().map(|n| n as f64));
    let mut add = |level: &str, t: &Table| {
        for (i, r) in t.rows.iter().enumerate() {
            let mut line = vec![Cell::Text(level.to_owned()), Cell::Text(r.clone())];
            line.extend(t.cells[i].iter().chain([&t.row_totals[i]]).map(num));
            out.push(line);
        }
        let mut line = vec![
            Cell::Text(format!("{level}_total")),
            Cell::Text(String::new()),
        ];
        line.extend(t.column_totals.iter().chain([&t.total]).map(num));
        out.push(line);
    };
    add(level, &l.table);
    if let Some(t) = &l.by_sex {
        add("sex", t);
    }
    out
}

fn stem(l: &Level) -> String {
    let mut n = String::from("planning");
    if !l.province.is_empty() {
        n.push_str("-province");
    }
    if !l.district.is_empty() {
        n.push_str("-district");
    }
    n
}

async fn export(
    state: AppState,
    staff: Staff,
    q: PlanningQuery,
    format: Format,
) -> WebResult<Response> {
    let l = level(&state, &staff, &q).await?;
    Ok(download(
        format,
        "planning",
        &columns(),
        &lines(&l),
        &stem(&l),
    )?)
}

/// `GET /planning/export.csv?province=&district=`.
async fn csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PlanningQuery>,
) -> WebResult<Response> {
    export(state, staff, q, Format::Csv).await
}

/// `GET /planning/export.xlsx?province=&district=`.
async fn xlsx(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PlanningQuery>,
) -> WebResult<Response> {
    export(state, staff, q, Format::Xlsx).await
}
