//! `daftar import persons FILE.csv|FILE.xlsx --office CODE`: registers persons from a file.
//! Every row is checked first; a per-row error report (row, column, code, message) is printed
//! and, with `--report`, written as CSV. Nothing is written when any row is bad, with
//! `--dry-run`, or when the write fails part-way (one transaction).

use crate::cli::ImportPersons;
use anyhow::{Context, Result, bail};
use daftar_domain::permission::{Permission, system_scope};
use daftar_domain::person::{NewDocument, NewPerson, Sex, document_key};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// Columns the import reads (header names, any order), with accepted aliases.
const COLUMNS: &[(&str, &[&str])] = &[
    ("given_name", &[]),
    ("family_name", &[]),
    ("father_name", &[]),
    ("grandfather_name", &[]),
    ("given_name_latin", &[]),
    ("family_name_latin", &[]),
    ("birth_date", &[]),
    ("sex", &["gender"]),
    ("nationality", &[]),
    ("phone", &[]),
    ("province", &[]),
    ("district", &[]),
    ("address", &[]),
    ("document_kind", &[]),
    ("document_number", &[]),
    ("document_issuer", &[]),
    ("document_valid_from", &[]),
    ("document_valid_until", &[]),
];

/// Columns that are known and deliberately not imported.
const IGNORED: &[&str] = &["record_id", "entity_id", "registry_no"];

/// A file read as text cells.
pub struct Table {
    /// Header names.
    pub header: Vec<String>,
    /// Data rows.
    pub rows: Vec<Vec<String>>,
}

/// One problem with one row.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    /// Row number as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// Column name.
    pub column: String,
    /// Stable error code.
    pub code: String,
    /// Translated message.
    pub message: String,
}

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

/// Where each known column is in the file; unknown columns are returned for a warning.
fn columns(header: &[String]) -> Result<(HashMap<&'static str, usize>, Vec<String>)> {
    let mut at = HashMap::new();
    let mut unknown = vec![];
    for (i, h) in header.iter().enumerate() {
        let name = h.to_ascii_lowercase();
        match COLUMNS
            .iter()
            .find(|(c, aliases)| *c == name || aliases.contains(&name.as_str()))
        {
            Some((c, _)) => {
                if at.insert(*c, i).is_some() {
                    bail!("column `{c}` appears twice");
                }
            }
            None if IGNORED.contains(&name.as_str()) => {}
            None => unknown.push(h.clone()),
        }
    }
    if !at.contains_key("given_name") {
        bail!(
            "missing column `given_name`; columns read: {}",
            COLUMNS
                .iter()
                .map(|(c, _)| *c)
                .collect::<Vec<_>>()
                .join(",")
        );
    }
    Ok((at, unknown))
}

/// The column an error's `field` detail belongs to.
fn column_of(field: &str) -> &str {
    match field {
        "document_valid" | "valid_until" => "document_valid_until",
        "valid_from" => "document_valid_from",
        "documents" => "document_number",
        f => f,
    }
}

/// Turns rows into persons and checks each; returns the persons and the errors (all of them).
pub fn check(
    table: &Table,
    default_nationality: &str,
    today: time::Date,
    message: &dyn Fn(&str) -> String,
) -> Result<(Vec<NewPerson>, Vec<RowError>)> {
    let (at, _) = columns(&table.header)?;
    let get = |row: &[String], c: &str| -> String {
        at.get(c)
            .and_then(|i| row.get(*i))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let mut persons = Vec::with_capacity(table.rows.len());
    let mut errors = vec![];
    let mut seen_docs: HashMap<(String, String), usize> = HashMap::new();
    for (i, row) in table.rows.iter().enumerate() {
        let line = i + 2;
        let mut err = |column: &str, code: &str| {
            errors.push(RowError {
                row: line,
                column: column.to_owned(),
                code: code.to_owned(),
                message: message(code),
            });
        };
        let sex = match Sex::parse(&get(row, "sex").to_ascii_lowercase()) {
            Ok(s) => s,
            Err(e) => {
                err("sex", e.code);
                Sex::Unknown
            }
        };
        let nationality = match get(row, "nationality") {
            n if n.is_empty() => default_nationality.to_ascii_uppercase(),
            n => n.to_ascii_uppercase(),
        };
        let number = get(row, "document_number");
        let documents = if number.is_empty() {
            vec![]
        } else {
            vec![NewDocument {
                kind: get(row, "document_kind"),
                number,
                issuer: get(row, "document_issuer"),
                valid_from: Some(get(row, "document_valid_from")).filter(|s| !s.is_empty()),
                valid_until: Some(get(row, "document_valid_until")).filter(|s| !s.is_empty()),
            }]
        };
        let birth = get(row, "birth_date");
        let p = NewPerson {
            given_name: get(row, "given_name"),
            family_name: get(row, "family_name"),
            father_name: get(row, "father_name"),
            grandfather_name: get(row, "grandfather_name"),
            given_name_latin: get(row, "given_name_latin"),
            family_name_latin: get(row, "family_name_latin"),
            birth_date: (!birth.is_empty()).then_some(birth),
            sex,
            nationality,
            phone: get(row, "phone"),
            province: get(row, "province"),
            district: get(row, "district"),
            address: get(row, "address"),
            documents,
        };
        for e in p.problems(today) {
            let field = e
                .details
                .get("field")
                .and_then(|f| f.as_str())
                .unwrap_or("");
            err(column_of(field), e.code);
        }
        if let Some(d) = p.documents.first() {
            let key = (d.kind.clone(), document_key(&d.number));
            if let Some(first) = seen_docs.insert(key, line) {
                err("document_number", "document.number.taken");
                let _ = first;
            }
        }
        persons.push(p);
    }
    Ok((persons, errors))
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

fn write_report(path: &Path, errors: &[RowError]) -> Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    w.write_record(["row", "column", "code", "message"])?;
    for e in errors {
        w.write_record([&e.row.to_string(), &e.column, &e.code, &e.message])?;
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
    let (_, unknown) = columns(&table.header)?;
    if !unknown.is_empty() {
        eprintln!("warning: columns not imported: {}", unknown.join(", "));
    }
    let store = super::open(loaded)?;
    let office = super::admin::office_by_code(store.as_ref(), &args.office)?;
    let today = loaded.config.clock().today();
    let (persons, errors) = check(&table, &args.nationality, today, &message)?;
    drop(table);
    let rows = persons.len();
    if let Some(path) = &args.report {
        write_report(path, &errors)?;
    }
    for e in errors.iter().take(20) {
        eprintln!("row {}  {}  {}  {}", e.row, e.column, e.code, e.message);
    }
    if errors.len() > 20 {
        eprintln!("… and {} more errors", errors.len() - 20);
    }
    let summary = |written: usize| {
        eprintln!(
            "rows: {rows}  errors: {}  written: {written}  seconds: {:.2}",
            errors.len(),
            started.elapsed().as_secs_f64()
        );
    };
    if !errors.is_empty() {
        eprintln!("nothing was written: fix the rows above and run again");
        summary(0);
        return Ok(ExitCode::FAILURE);
    }
    if args.dry_run {
        eprintln!("dry run: every row is valid; nothing was written");
        summary(0);
        return Ok(ExitCode::SUCCESS);
    }
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
            summary(n as usize);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) if e.kind.status() < 500 => {
            let row = e.details.get("row").and_then(|r| r.as_u64()).unwrap_or(0) as usize;
            let field = e
                .details
                .get("field")
                .and_then(|f| f.as_str())
                .unwrap_or("");
            let err = RowError {
                row: row + 1,
                column: column_of(field).to_owned(),
                code: e.code.to_owned(),
                message: message(e.code),
            };
            eprintln!(
                "row {}  {}  {}  {}",
                err.row, err.column, err.code, err.message
            );
            if let Some(path) = &args.report {
                write_report(path, &[err])?;
            }
            eprintln!("nothing was written");
            summary(0);
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}
