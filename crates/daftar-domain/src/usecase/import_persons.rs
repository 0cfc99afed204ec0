//! Importing persons from a file (`daftar import persons`): which column holds what, every row
//! turned into a person and checked (all problems of all rows, for the clerk's report, not just
//! the first), a document number repeated within the file, and the plan: write nothing when any
//! row is bad or on a dry run, else hand the store the persons parsed at the edge
//! ([`RegisterPerson`]), which it writes all or nothing. Reading the file (CSV, XLSX) and the
//! progress bar stay in the CLI; a row the database refuses while writing (a document number
//! already recorded) comes back as a store error that [`RowError::of_store`] places in the
//! report like the others.

use crate::person::{DocumentDraft, PersonDraft, RegisterPerson, Sex, document_key};
use crate::{Error, Result};
use std::collections::HashMap;
use time::Date;

/// Columns the import reads (header names, any order, any case), with accepted aliases.
pub const COLUMNS: &[(&str, &[&str])] = &[
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

/// Columns that are known and deliberately not imported (a registry number is given by the
/// office that registers; ids of another system mean nothing here).
pub const IGNORED: &[&str] = &["record_id", "entity_id", "registry_no"];

/// A file read as text cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Header names.
    pub header: Vec<String>,
    /// Data rows.
    pub rows: Vec<Vec<String>>,
}

/// Where each known column is in a header.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    at: HashMap<&'static str, usize>,
    /// Header names that are neither read nor known to be ignored (for a warning).
    pub unknown: Vec<String>,
}

impl Columns {
    /// Finds the columns of `header`: `import.column.twice` (details `column`) when a column
    /// appears twice, `import.column.missing` (details `column`) without `given_name`.
    pub fn locate(header: &[String]) -> Result<Self> {
        let mut at = HashMap::new();
        let mut unknown = vec![];
        for (i, h) in header.iter().enumerate() {
            let name = h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
            match COLUMNS
                .iter()
                .find(|(c, aliases)| *c == name || aliases.contains(&name.as_str()))
            {
                Some((c, _)) => {
                    if at.insert(*c, i).is_some() {
                        return Err(Error::invalid("import.column.twice")
                            .with_detail("column", (*c).into()));
                    }
                }
                None if IGNORED.contains(&name.as_str()) => {}
                None => unknown.push(h.clone()),
            }
        }
        if !at.contains_key("given_name") {
            return Err(
                Error::invalid("import.column.missing").with_detail("column", "given_name".into())
            );
        }
        Ok(Self { at, unknown })
    }

    fn get(&self, row: &[String], column: &str) -> String {
        self.at
            .get(column)
            .and_then(|i| row.get(*i))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    }
}

/// One problem with one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Row number as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// Column name.
    pub column: String,
    /// Stable error code.
    pub code: &'static str,
}

impl RowError {
    /// The row error of a store error that names a row (`details.row`, 1-based among the data
    /// rows) and a field; `None` for an error of no row (the store is down, say).
    pub fn of_store(e: &Error) -> Option<Self> {
        let row = e.details.get("row").and_then(|r| r.as_u64())? as usize;
        let field = e
            .details
            .get("field")
            .and_then(|f| f.as_str())
            .unwrap_or("");
        Some(Self {
            row: row + 1,
            column: column_of(field).to_owned(),
            code: e.code,
        })
    }
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

/// What to do with a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Some rows are bad: write nothing; every problem, in row order.
    Refuse(Vec<RowError>),
    /// Every row is valid, and this is a dry run: write nothing.
    DryRun {
        /// Rows checked.
        rows: usize,
    },
    /// Write these persons, all or nothing.
    Write(Vec<RegisterPerson>),
}

/// Turns one row into a person (a nationality left empty is `default_nationality`).
fn person_of(columns: &Columns, row: &[String], default_nationality: &str) -> (PersonDraft, bool) {
    let get = |c: &str| columns.get(row, c);
    let (sex, sex_ok) = match Sex::parse(&get("sex").to_ascii_lowercase()) {
        Ok(s) => (s, true),
        Err(_) => (Sex::Unknown, false),
    };
    let nationality = match get("nationality") {
        n if n.is_empty() => default_nationality.to_ascii_uppercase(),
        n => n.to_ascii_uppercase(),
    };
    let number = get("document_number");
    let documents = if number.is_empty() {
        vec![]
    } else {
        vec![DocumentDraft {
            kind: get("document_kind"),
            number,
            issuer: get("document_issuer"),
            valid_from: Some(get("document_valid_from")).filter(|s| !s.is_empty()),
            valid_until: Some(get("document_valid_until")).filter(|s| !s.is_empty()),
        }]
    };
    let birth = get("birth_date");
    let person = PersonDraft {
        given_name: get("given_name"),
        family_name: get("family_name"),
        father_name: get("father_name"),
        grandfather_name: get("grandfather_name"),
        given_name_latin: get("given_name_latin"),
        family_name_latin: get("family_name_latin"),
        birth_date: (!birth.is_empty()).then_some(birth),
        sex,
        nationality,
        phone: get("phone"),
        province: get("province"),
        district: get("district"),
        address: get("address"),
        documents,
    };
    (person, sex_ok)
}

/// One row checked on its own: the person when it is valid, else its problems; a document
/// repeated from an earlier row is found afterwards, in row order.
struct Checked {
    document: Option<(String, String)>,
    person: Option<RegisterPerson>,
    found: Vec<(String, &'static str)>,
}

fn check_row(columns: &Columns, row: &[String], default_nationality: &str, today: Date) -> Checked {
    let mut found: Vec<(String, &'static str)> = vec![];
    let (p, sex_ok) = person_of(columns, row, default_nationality);
    if !sex_ok {
        found.push(("sex".into(), "person.sex.invalid"));
    }
    let document = p
        .documents
        .first()
        .map(|d| (d.kind.clone(), document_key(&d.number)));
    // One pass over the row: the person to write, or every problem of it.
    let person = match RegisterPerson::check(p, today) {
        Ok(r) => Some(r),
        Err(problems) => {
            for e in problems {
                let field = e
                    .details
                    .get("field")
                    .and_then(|f| f.as_str())
                    .unwrap_or("");
                found.push((column_of(field).into(), e.code));
            }
            None
        }
    };
    Checked {
        document,
        person: person.filter(|_| found.is_empty()),
        found,
    }
}

/// Checks every row of `table` against the offices' `today` and decides: refuse with every
/// problem of every row (a sex that is not a known code, each field [`RegisterPerson::check`]
/// finds, a document of a kind and number that an earlier row already has:
/// `document.number.taken`), a dry run, or the persons to write. Errors only for the header
/// ([`Columns::locate`]). The rows are checked on every core, then taken in order.
pub fn decide(
    table: &Table,
    default_nationality: &str,
    today: Date,
    dry_run: bool,
) -> Result<Plan> {
    let columns = Columns::locate(&table.header)?;
    let checked = crate::parallel::map_in_order(&table.rows, |_, row| {
        check_row(&columns, row, default_nationality, today)
    });
    let mut persons = Vec::with_capacity(table.rows.len());
    let mut errors = vec![];
    let mut seen_docs: HashMap<(String, String), usize> = HashMap::new();
    for (i, c) in checked.into_iter().enumerate() {
        let line = i + 2;
        let repeated = c
            .document
            .is_some_and(|key| seen_docs.insert(key, line).is_some());
        let mut found = c.found;
        if let Some(r) = c.person
            && !repeated
            && errors.is_empty()
        {
            persons.push(r);
        }
        if repeated {
            found.push(("document_number".into(), "document.number.taken"));
        }
        errors.extend(found.into_iter().map(|(column, code)| RowError {
            row: line,
            column,
            code,
        }));
    }
    Ok(if !errors.is_empty() {
        Plan::Refuse(errors)
    } else if dry_run {
        Plan::DryRun {
            rows: table.rows.len(),
        }
    } else {
        Plan::Write(persons)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 24);

    fn table(header: &str, rows: &[&str]) -> Table {
        let split = |s: &str| s.split(',').map(str::to_owned).collect::<Vec<_>>();
        Table {
            header: split(header),
            rows: rows.iter().map(|r| split(r)).collect(),
        }
    }

    const HEADER: &str = "Given_Name,family_name,father_name,gender,birth_date,nationality,document_kind,document_number,entity_id";

    #[test]
    fn good_rows_are_parsed_into_persons_to_write() {
        let t = table(
            HEADER,
            &[
                " فاطمه ,احمدی,علی,female,۱۳۷۰/۰۵/۱۲,,passport,P-1,e1",
                "Ahmad,Karimi,Reza,m,1990,irq,,,e2",
            ],
        );
        let Plan::Write(persons) = decide(&t, "afg", TODAY, false).unwrap() else {
            panic!("a good file is written")
        };
        assert_eq!(persons.len(), 2);
        assert_eq!(persons[0].fields().given_name, "فاطمه");
        assert_eq!(persons[0].fields().nationality, "AFG", "the default");
        assert_eq!(persons[0].birth().unwrap().iso(), "1991-08-03");
        assert_eq!(persons[0].documents()[0].number_key, "P1");
        assert_eq!(persons[1].fields().nationality, "IRQ");
        assert_eq!(persons[1].fields().sex, Sex::Male);
        assert_eq!(
            decide(&t, "AFG", TODAY, true).unwrap(),
            Plan::DryRun { rows: 2 }
        );
    }

    #[test]
    fn every_problem_of_every_row_is_reported_and_nothing_written() {
        let t = table(
            HEADER,
            &[
                "فاطمه,احمدی,علی,female,1370/13/01,,passport,P-1,",
                ",احمدی,علی,x,,,,,",
                "زهرا,احمدی,علی,female,,,passport,p1,",
                "مریم,احمدی,علی,female,,,moon,9,",
            ],
        );
        let Plan::Refuse(errors) = decide(&t, "AFG", TODAY, false).unwrap() else {
            panic!("bad rows refuse the file")
        };
        let got: Vec<_> = errors
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.code))
            .collect();
        assert_eq!(
            got,
            [
                (2, "birth_date", "person.birth_date.invalid"),
                (3, "sex", "person.sex.invalid"),
                (3, "given_name", "person.given_name.invalid"),
                (4, "document_number", "document.number.taken"),
                (5, "document_kind", "document.kind.invalid"),
            ]
        );
        // A dry run of a bad file refuses as well.
        assert!(matches!(
            decide(&t, "AFG", TODAY, true).unwrap(),
            Plan::Refuse(_)
        ));
    }

    #[test]
    fn a_birth_date_after_the_offices_today_is_refused() {
        let t = table("given_name,father_name,birth_date", &["علی,رضا,2026-11-25"]);
        let Plan::Refuse(errors) = decide(&t, "AFG", TODAY, false).unwrap() else {
            panic!("a future birth date is refused")
        };
        assert_eq!(
            (errors[0].column.as_str(), errors[0].code),
            ("birth_date", "person.birth_date.future")
        );
        let t = table("given_name,father_name,birth_date", &["علی,رضا,2026-11-24"]);
        assert!(matches!(
            decide(&t, "AFG", TODAY, false).unwrap(),
            Plan::Write(_)
        ));
    }

    #[test]
    fn the_header_must_name_the_given_name_once() {
        let missing = table("family_name,father_name", &[]);
        let e = decide(&missing, "AFG", TODAY, false).unwrap_err();
        assert_eq!(
            (e.code, e.details["column"].as_str()),
            ("import.column.missing", Some("given_name"))
        );
        let twice = table("given_name,sex,gender", &[]);
        let e = decide(&twice, "AFG", TODAY, false).unwrap_err();
        assert_eq!(
            (e.code, e.details["column"].as_str()),
            ("import.column.twice", Some("sex"))
        );
        let c =
            Columns::locate(&table("\u{feff}given_name,colour,registry_no", &[]).header).unwrap();
        assert_eq!(
            c.unknown,
            ["colour"],
            "a BOM is dropped; known ignored columns are not unknown"
        );
    }

    #[test]
    fn a_short_row_reads_missing_cells_as_empty() {
        let t = table("given_name,father_name,phone", &["علی"]);
        let Plan::Refuse(errors) = decide(&t, "AFG", TODAY, false).unwrap() else {
            panic!("the father's name is required")
        };
        assert_eq!(
            (errors[0].column.as_str(), errors[0].code),
            ("father_name", "person.father_name.invalid")
        );
    }

    #[test]
    fn a_store_error_lands_on_its_row_and_column() {
        let e = Error::conflict("document.number.taken")
            .with_field("documents")
            .with_detail("row", 21.into());
        assert_eq!(
            RowError::of_store(&e),
            Some(RowError {
                row: 22,
                column: "document_number".into(),
                code: "document.number.taken"
            })
        );
        assert_eq!(RowError::of_store(&Error::internal("internal")), None);
    }
}
