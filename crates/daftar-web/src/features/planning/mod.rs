//! Planning figures for partners (issue 20.2): registered persons living in the country by age
//! group — under-fives, school age, working age, elderly — by province, then a province's
//! districts, then a district's office catchments and its persons by sex, for schools, health
//! houses and livelihood programmes deciding where they are needed. `aggregate.read` (partners
//! and the authority every office, an office's holders their own catchment). Counts only,
//! through [`daftar_domain::planning::Planning::protect`]: every level (provinces, a
//! province's districts, a district's offices and sexes) protected together, so that no
//! withheld figure can be worked out from any published figures, on the page and in the
//! CSV/XLSX exports alike, and as JSON (`GET /api/v1/planning`, [`api`]).

pub mod api;

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
use daftar_domain::planning::{AgeGroup, Breakdown, Figure, Planning, Table};
use daftar_domain::store::RoundPlanningCount;
use serde::Deserialize;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/planning", get(page))
        .route("/planning/export.csv", get(csv))
        .route("/planning/export.xlsx", get(xlsx))
        .route("/api/v1/planning", get(api::figures))
}

/// `?province=&district=`: the level shown.
#[derive(Debug, Default, Deserialize)]
pub struct PlanningQuery {
    #[serde(default)]
    province: String,
    #[serde(default)]
    district: String,
}

/// A table by age group with, beside it, the persons with registered medical needs of each
/// row (not part of the age groups' sums, so protected as a table of its own).
struct Grouped {
    table: Table,
    medical: Option<Table>,
}

/// The tables of a level: the main one (rows: provinces, districts or offices), for a
/// district its persons by sex, and the trend per round of the level's area.
struct Level {
    province: String,
    district: String,
    table: Grouped,
    by_sex: Option<Grouped>,
    rounds: Table,
}

impl Level {
    /// What the level's rows are: `province`, `district` or `office`.
    fn kind(&self) -> &'static str {
        if self.province.is_empty() {
            "province"
        } else if self.district.is_empty() {
            "district"
        } else {
            "office"
        }
    }
}

impl Grouped {
    /// A level's tables as protected with every other level (`Planning::protect`); an area
    /// with no persons (an unknown province or district) has an empty table.
    fn of(b: Option<&Breakdown>) -> Self {
        match b {
            Some(b) => Self {
                table: b.table.clone(),
                medical: Some(b.medical.clone()),
            },
            None => Self {
                table: Table::protected(vec![], vec![]),
                medical: None,
            },
        }
    }
}

/// The trend per round: one row per round (its name and opening day), by age group.
fn round_rows(page_date: &dyn Fn(time::Date) -> String, counts: &[RoundPlanningCount]) -> Table {
    let mut rows: Vec<(String, Vec<u64>)> = vec![];
    for c in counts {
        let label = format!("{} ({})", c.round, page_date(c.opens_on));
        if rows.last().is_none_or(|(l, _)| *l != label) {
            rows.push((label.clone(), vec![0; AgeGroup::ALL.len()]));
        }
        let i = AgeGroup::ALL
            .iter()
            .position(|g| *g == c.group)
            .unwrap_or(0);
        if let Some(last) = rows.last_mut() {
            last.1[i] += c.count;
        }
    }
    let (labels, cells) = rows.into_iter().unzip();
    Table::protected(labels, cells)
}

/// The figures of the level `q` asks for; `day` writes a round's opening day in its label.
async fn level(
    state: &AppState,
    staff: &Staff,
    q: &PlanningQuery,
    day: &(dyn Fn(time::Date) -> String + Sync),
) -> Result<Level> {
    let reach = staff.principal().reach(Permission::AggregateRead)?;
    let province = q.province.trim().to_owned();
    let district = q.district.trim().to_owned();
    let today = state.today();
    let p = Some(province.clone()).filter(|p| !p.is_empty());
    let d = Some(district.clone()).filter(|d| !d.is_empty());
    // Every level a reader can open is protected together (a figure withheld in the
    // provinces' table must not be a district table's shown total): all the reach's counts,
    // whichever level is asked for.
    let (counts, per_round) = state
        .db(move |s| {
            Ok((
                s.planning_counts(&reach, today, None)?,
                s.planning_rounds(&reach, p.as_deref(), d.as_deref())?,
            ))
        })
        .await?;
    let all = Planning::protect(&counts);
    let (table, by_sex) = if province.is_empty() {
        (Grouped::of(Some(all.provinces())), None)
    } else if district.is_empty() {
        (Grouped::of(all.districts(&province)), None)
    } else {
        (
            Grouped::of(all.offices(&province, &district)),
            Some(Grouped::of(all.sexes(&province, &district))),
        )
    };
    Ok(Level {
        province,
        district,
        table,
        by_sex,
        rounds: round_rows(day, &per_round),
    })
}

/// A table ready to show.
struct Shown {
    id: &'static str,
    caption: String,
    header: String,
    rows: Vec<ShownRow>,
    totals: Vec<String>,
    medical_total: Option<String>,
}

struct ShownRow {
    label: String,
    href: Option<String>,
    cells: Vec<String>,
    /// Persons with registered medical needs (tables by place and sex).
    medical: Option<String>,
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
    g: &Grouped,
    label: &dyn Fn(&str) -> String,
    href: &dyn Fn(&str) -> Option<String>,
) -> Shown {
    let t = &g.table;
    let medical = |i: usize| g.medical.as_ref().map(|m| shown(page, &m.cells[i][0]));
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
                medical: medical(i),
            })
            .collect(),
        totals: t
            .column_totals
            .iter()
            .chain(std::iter::once(&t.total))
            .map(|f| shown(page, f))
            .collect(),
        medical_total: g.medical.as_ref().map(|m| shown(page, &m.total)),
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
    let page = PageCtx::new(&state, &staff.ctx);
    let l = level(&state, &staff, &q, &|d| {
        page.tr.date(&daftar_domain::jalali::iso_day(d))
    })
    .await?;
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
    let plain = |s: &str| s.to_owned();
    tables.push(show(
        &page,
        "planning-rounds",
        page.t("planning-by-round"),
        page.t("planning-round"),
        &Grouped {
            table: l.rounds.clone(),
            medical: None,
        },
        &plain,
        &|_| None,
    ));
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
    c.push("medical_needs");
    c
}

/// The export's lines: the table's rows then its totals (`level` names what a row is); a
/// withheld figure is an empty cell.
fn lines(l: &Level) -> Vec<Vec<Cell>> {
    let level = l.kind();
    let mut out = vec![];
    let num = |f: &Figure| Cell::Num(f.shown().map(|n| n as f64));
    // Round rows have no medical-needs figure (the flag is not kept per round): a text cell
    // `n/a`, not an empty (withheld) one.
    let mut add = |level: &str, g: &Grouped| {
        let t = &g.table;
        let medical = |f: Option<&Figure>| f.map_or(Cell::Text("n/a".into()), num);
        for (i, r) in t.rows.iter().enumerate() {
            let mut line = vec![Cell::Text(level.to_owned()), Cell::Text(r.clone())];
            line.extend(t.cells[i].iter().chain([&t.row_totals[i]]).map(num));
            line.push(medical(g.medical.as_ref().map(|m| &m.cells[i][0])));
            out.push(line);
        }
        let mut line = vec![
            Cell::Text(format!("{level}_total")),
            Cell::Text(String::new()),
        ];
        line.extend(t.column_totals.iter().chain([&t.total]).map(num));
        line.push(medical(g.medical.as_ref().map(|m| &m.total)));
        out.push(line);
    };
    add(level, &l.table);
    if let Some(t) = &l.by_sex {
        add("sex", t);
    }
    add(
        "round",
        &Grouped {
            table: l.rounds.clone(),
            medical: None,
        },
    );
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
    // In a file: the round's opening day as ISO.
    let l = level(&state, &staff, &q, &daftar_domain::jalali::iso_day).await?;
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
