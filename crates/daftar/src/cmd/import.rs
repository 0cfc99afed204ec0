//! `daftar import persons FILE.csv|FILE.xlsx --office CODE`: registers persons from a file.
//! Every row is checked first; a per-row error report (row, column, code, message) is printed
//! and, with `--report`, written as CSV. Nothing is written when any row is bad, with
//! `--dry-run`, or when the write fails part-way (one transaction).

use crate::cli::ImportPersons;
use anyhow::{Context, Result, bail};
use daftar_domain::permission::{Permission, system_scope};
use daftar_domain::usecase::import_persons::{self as usecase, Columns, Plan, RowError, Table};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

fn read_csv(path: &Path) -> Result<Table> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let header = rdr
        .headers()
        .with_context(|| format!("{} has no header", path.display()))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let mut rows = vec![];
    for (n, row) in rdr.records().enumerate() {
        let row =
            row.with_context(|| format!("{}: row {} is not valid CSV", path.display(), n + 2))?;
        rows.push(row.iter().map(str::to_owned).collect());
    }
    Ok(Table { header, rows })
}

/// A spreadsheet cell as text: whole numbers without `.0`, dates as ISO.
fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            let epoch = time::macros::date!(1899 - 12 - 30);
            let days = d.as_f64().floor() as i64;
            epoch
                .checked_add(time::Duration::days(days))
                .map(|d| d.to_string())
                .unwrap_or_default()
        }
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn read_xlsx(path: &Path) -> Result<Table> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(path)
        .with_context(|| format!("cannot read {} as a spreadsheet", path.display()))?;
    let range = book
        .worksheet_range_at(0)
        .with_context(|| format!("{} has no sheet", path.display()))?
        .with_context(|| format!("cannot read the first sheet of {}", path.display()))?;
    let mut rows = range.rows();
    let header = rows
        .next()
        .with_context(|| format!("{} has no header row", path.display()))?
        .iter()
        .map(|c| cell_text(c).trim().to_owned())
        .collect();
    Ok(Table {
        header,
        rows: rows.map(|r| r.iter().map(cell_text).collect()).collect(),
    })
}

/// Reads a CSV or XLSX/XLS/ODS file (by extension).
pub fn read(path: &Path) -> Result<Table> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "txt" => read_csv(path),
        "xlsx" | "xlsm" | "xls" | "ods" => read_xlsx(path),
        _ => bail!(
            "{}: unknown file type (expected .csv or .xlsx)",
            path.display()
        ),
    }
}

fn bar(len: u64, msg: &'static str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(len);
    b.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    b.set_message(msg);
    b
}

/// Prints the first problems and writes them all to the report, if one was asked for.
fn report(
    path: Option<&Path>,
    errors: &[RowError],
    message: &dyn Fn(&str) -> String,
) -> Result<()> {
    for e in errors.iter().take(20) {
        eprintln!(
            "row {}  {}  {}  {}",
            e.row,
            e.column,
            e.code,
            message(e.code)
        );
    }
    if errors.len() > 20 {
        eprintln!("… and {} more errors", errors.len() - 20);
    }
    let Some(path) = path else { return Ok(()) };
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    w.write_record(["row", "column", "code", "message"])?;
    for e in errors {
        w.write_record([&e.row.to_string(), &e.column, e.code, &message(e.code)])?;
    }
    w.flush()?;
    Ok(())
}

/// Runs `daftar import persons`.
pub fn persons(loaded: &crate::config::Loaded, args: &ImportPersons) -> Result<ExitCode> {
    let started = Instant::now();
    let locale = args
        .locale
        .clone()
        .unwrap_or_else(|| loaded.config.default_locale.clone());
    let i18n = daftar_web::i18n::I18n::load(&locale).map_err(anyhow::Error::msg)?;
    let message = |code: &str| i18n.message(&locale, &daftar_domain::error::message_id(code), &[]);
    let table = read(&args.file)?;
    let header = |e: daftar_domain::Error| {
        let column = e
            .details
            .get("column")
            .and_then(|c| c.as_str())
            .unwrap_or("");
        anyhow::anyhow!("{} ({column})", message(e.code))
    };
    let unknown = Columns::locate(&table.header).map_err(header)?.unknown;
    if !unknown.is_empty() {
        eprintln!("warning: columns not imported: {}", unknown.join(", "));
    }
    let store = super::open(loaded)?;
    let office = super::admin::office_by_code(store.as_ref(), &args.office)?;
    let today = loaded.config.clock().today();
    let rows = table.rows.len();
    let plan = usecase::decide(&table, &args.nationality, today, args.dry_run).map_err(header)?;
    drop(table);
    let summary = |errors: usize, written: usize| {
        eprintln!(
            "rows: {rows}  errors: {errors}  written: {written}  seconds: {:.2}",
            started.elapsed().as_secs_f64()
        );
    };
    let persons = match plan {
        Plan::Refuse(errors) => {
            report(args.report.as_deref(), &errors, &message)?;
            eprintln!("nothing was written: fix the rows above and run again");
            summary(errors.len(), 0);
            return Ok(ExitCode::FAILURE);
        }
        Plan::DryRun { .. } => {
            report(args.report.as_deref(), &[], &message)?;
            eprintln!("dry run: every row is valid; nothing was written");
            summary(0, 0);
            return Ok(ExitCode::SUCCESS);
        }
        Plan::Write(persons) => persons,
    };
    report(args.report.as_deref(), &[], &message)?;
    let ctx = super::system_ctx("import");
    let scope = system_scope(office.id, Permission::PersonWrite);
    // An earlier import that was killed left hidden persons behind: remove them first.
    let stale = store.remove_stale_imports(&ctx, daftar_domain::person::IMPORT_IDLE_LIMIT)?;
    if stale > 0 {
        eprintln!("removed {stale} persons of an earlier import that did not finish");
    }
    let b = bar(rows as u64, "writing");
    let written = store.import_persons(&ctx, &scope, &persons, &|n| b.set_position(n));
    b.finish_and_clear();
    match written {
        Ok(n) => {
            summary(0, n as usize);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) if e.kind.status() < 500 => {
            let errors: Vec<_> = RowError::of_store(&e).into_iter().collect();
            if errors.is_empty() {
                eprintln!("{}  {}", e.code, message(e.code));
            }
            report(args.report.as_deref(), &errors, &message)?;
            eprintln!("nothing was written");
            summary(1, 0);
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}
