//! Downloads of aggregate tables: CSV (UTF-8 with a BOM, so spreadsheet programs read Persian)
//! and XLSX (numbers as numbers), from a header and lines of cells. Only aggregates are ever
//! exported; a withheld figure is an empty cell (`Cell::Num(None)`) or a word the caller chose.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use daftar_domain::{Error, Result};

/// A cell of an exported line.
pub enum Cell {
    /// Text (codes, names of places, months).
    Text(String),
    /// A number, or none (withheld or not defined): an empty cell.
    Num(Option<f64>),
}

/// The media type of CSV.
pub const CSV: &str = "text/csv; charset=utf-8";
/// The media type of XLSX.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// CSV with a BOM: the header, then the lines.
pub fn csv_bytes(columns: &[&str], lines: &[Vec<Cell>]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let fail = |e: csv::Error| Error::internal(e.to_string());
    w.write_record(columns).map_err(fail)?;
    for l in lines {
        w.write_record(l.iter().map(|c| match c {
            Cell::Text(t) => t.clone(),
            Cell::Num(Some(v)) if v.fract() == 0.0 => format!("{v:.0}"),
            Cell::Num(Some(v)) => format!("{v:.4}"),
            Cell::Num(None) => String::new(),
        }))
        .map_err(fail)?;
    }
    w.into_inner().map_err(|e| Error::internal(e.to_string()))
}

/// One worksheet named `sheet_name`: the header, then the lines.
pub fn xlsx_bytes(sheet_name: &str, columns: &[&str], lines: &[Vec<Cell>]) -> Result<Vec<u8>> {
    let fail = |e: rust_xlsxwriter::XlsxError| Error::internal(e.to_string());
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).map_err(fail)?;
    for (c, name) in columns.iter().enumerate() {
        sheet.write_string(0, c as u16, *name).map_err(fail)?;
    }
    for (i, l) in lines.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(|_| Error::internal("too many lines"))?;
        for (c, cell) in l.iter().enumerate() {
            match cell {
                Cell::Text(t) => {
                    sheet.write_string(row, c as u16, t).map_err(fail)?;
                }
                Cell::Num(Some(v)) => {
                    sheet.write_number(row, c as u16, *v).map_err(fail)?;
                }
                Cell::Num(None) => {}
            }
        }
    }
    book.save_to_buffer().map_err(fail)
}

/// A download named `name`.
pub fn file(body: Vec<u8>, content_type: &str, name: &str) -> Response {
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

/// The two download formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV with a BOM.
    Csv,
    /// XLSX, one worksheet.
    Xlsx,
}

/// The download of `lines` under `columns` as `stem.csv` or `stem.xlsx` (worksheet `sheet`).
pub fn download(
    format: Format,
    sheet: &str,
    columns: &[&str],
    lines: &[Vec<Cell>],
    stem: &str,
) -> Result<Response> {
    Ok(match format {
        Format::Csv => file(csv_bytes(columns, lines)?, CSV, &format!("{stem}.csv")),
        Format::Xlsx => file(
            xlsx_bytes(sheet, columns, lines)?,
            XLSX,
            &format!("{stem}.xlsx"),
        ),
    })
}
