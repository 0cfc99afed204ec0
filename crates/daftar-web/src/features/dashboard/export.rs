//! CSV (UTF-8 with BOM) and XLSX of the dashboard's tables: one line per section, label (a
//! month `YYYY/MM`, a place, a service or category code, `total`) and column. Cells under 5
//! are withheld (an empty cell) in every export, whoever asks, with the complementary
//! suppression of the page ([`daftar_domain::dashboard::protect`]). Aggregates only.

use super::{DashQuery, Section, Unit, load};
use crate::auth::Staff;
use crate::error::WebResult;
use crate::extract::Query;
use crate::pages::PageCtx;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use daftar_domain::{Error, Result};

/// The columns, in order.
pub const COLUMNS: [&str; 5] = ["section", "label", "column", "unit", "value"];

/// A line: the text cells and the figure (`None`: withheld).
type Line = (Vec<String>, Option<f64>);

fn lines(sections: &[Section]) -> Vec<Line> {
    let mut out = vec![];
    for s in sections {
        let section = s.id.trim_start_matches("dash-").to_owned();
        let unit = match s.unit {
            Unit::Count => "count",
            Unit::Rials => "rials",
            Unit::Share => "share",
        };
        for c in &s.columns {
            for (label, v) in s.codes.iter().zip(&c.cells) {
                out.push((
                    vec![
                        section.clone(),
                        label.clone(),
                        c.code.to_owned(),
                        unit.into(),
                    ],
                    *v,
                ));
            }
            out.push((
                vec![
                    section.clone(),
                    "total".into(),
                    c.code.to_owned(),
                    unit.into(),
                ],
                c.total,
            ));
        }
    }
    out
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

fn csv_bytes(lines: &[Line]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let fail = |e: csv::Error| Error::internal(e.to_string());
    w.write_record(COLUMNS).map_err(fail)?;
    for (text, v) in lines {
        let mut rec = text.clone();
        rec.push(v.map(number).unwrap_or_default());
        w.write_record(rec).map_err(fail)?;
    }
    w.into_inner().map_err(|e| Error::internal(e.to_string()))
}

fn xlsx_bytes(lines: &[Line]) -> Result<Vec<u8>> {
    let fail = |e: rust_xlsxwriter::XlsxError| Error::internal(e.to_string());
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("dashboard").map_err(fail)?;
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet.write_string(0, c as u16, *name).map_err(fail)?;
    }
    for (i, (text, v)) in lines.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(|_| Error::internal("too many lines"))?;
        for (c, t) in text.iter().enumerate() {
            sheet.write_string(row, c as u16, t).map_err(fail)?;
        }
        if let Some(v) = v {
            sheet
                .write_number(row, text.len() as u16, *v)
                .map_err(fail)?;
        }
    }
    book.save_to_buffer().map_err(fail)
}

async fn export_lines(
    state: &AppState,
    staff: &Staff,
    q: &DashQuery,
) -> Result<(Vec<Line>, String)> {
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

fn file(body: Vec<u8>, content_type: &str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `/dashboard/export.csv` (the page's query).
pub async fn csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let (lines, name) = export_lines(&state, &staff, &q).await?;
    Ok(file(
        csv_bytes(&lines)?,
        "text/csv; charset=utf-8",
        &format!("{name}.csv"),
    ))
}

/// `/dashboard/export.xlsx` (the page's query).
pub async fn xlsx(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let (lines, name) = export_lines(&state, &staff, &q).await?;
    Ok(file(
        xlsx_bytes(&lines)?,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{name}.xlsx"),
    ))
}
