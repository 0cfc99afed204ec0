//! CSV (UTF-8 with BOM) and XLSX of the dashboard's tables: one line per section, label (a
//! month `YYYY/MM`, a place, a service or category code, `total`) and column. Cells under 5
//! are withheld (an empty cell) in every export, whoever asks, with the complementary
//! suppression of the page ([`daftar_domain::dashboard::protect`]). Aggregates only.

use super::{DashQuery, Section, Unit, load};
use crate::auth::Staff;
use crate::error::WebResult;
use crate::export::{Cell, Format, download};
use crate::extract::Query;
use crate::pages::PageCtx;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use daftar_domain::Result;

/// The columns, in order.
pub const COLUMNS: [&str; 5] = ["section", "label", "column", "unit", "value"];

fn lines(sections: &[Section]) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    for s in sections {
        let section = s.id.trim_start_matches("dash-").to_owned();
        let unit = match s.unit {
            Unit::Count => "count",
            Unit::Rials => "rials",
            Unit::Share => "share",
        };
        for c in &s.columns {
            let labels = s.codes.iter().map(String::as_str).chain(["total"]);
            for (label, v) in labels.zip(c.cells.iter().chain([&c.total])) {
                out.push(vec![
                    Cell::Text(section.clone()),
                    Cell::Text(label.to_owned()),
                    Cell::Text(c.code.to_owned()),
                    Cell::Text(unit.into()),
                    Cell::Num(*v),
                ]);
            }
        }
    }
    out
}

async fn export_lines(
    state: &AppState,
    staff: &Staff,
    q: &DashQuery,
) -> Result<(Vec<Vec<Cell>>, String)> {
    let page = PageCtx::new(state, &staff.ctx);
    let data = load(state, staff, q, page.tr.locale.tag).await?;
    // Every export withholds small cells, whoever asks.
    let sections = data.sections(&page.tr, true);
    let f = &data.filter;
    let mut name = format!(
        "dashboard-{}-{}",
        f.from.code().replace('/', "-"),
        f.to.code().replace('/', "-")
    );
    if let Some(o) = &f.office {
        name.push('-');
        name.push_str(o);
    }
    Ok((lines(&sections), name))
}

/// `/dashboard/export.csv` (the page's query).
pub async fn csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let (lines, name) = export_lines(&state, &staff, &q).await?;
    Ok(download(Format::Csv, "dashboard", &COLUMNS, &lines, &name)?)
}

/// `/dashboard/export.xlsx` (the page's query).
pub async fn xlsx(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let (lines, name) = export_lines(&state, &staff, &q).await?;
    Ok(download(
        Format::Xlsx,
        "dashboard",
        &COLUMNS,
        &lines,
        &name,
    )?)
}
