//! Persons (personal data): every list and view is audited in the same transaction, and only
//! the persons of the scope's office are visible.

mod copy;

use super::{all, audit, paged};
use crate::SqlStore;
use crate::sql::{Dialect, Row, Tx, Value, params};
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::birth::DatePrecision;
use daftar_domain::etag as tag;
use daftar_domain::ids::{DocumentId, OfficeId, PersonId};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::{OfficeScope, Permission};
use daftar_domain::person::{
    ChangeStatus, Document, DocumentKind, MatchProbe, Person, PersonRecord, PersonStatus,
    PersonSummary, RegisterPerson, Sex, StatusChange, ValidDocument, document_key,
};
use daftar_domain::{Error, Result};

pub(crate) const COLS: &str = "id, office_id, registry_no, given_name, family_name, father_name, birth_date, sex, nationality, created_at, grandfather_name, given_name_latin, family_name_latin, birth_date_precision, phone, province, district, address, status";

/// The columns of a [`PersonSummary`] from `persons` (the current household by subquery): no
/// phone, address, province or district is ever selected for a list.
pub(crate) const SUMMARY_COLS: &str = "persons.id, persons.office_id, persons.registry_no, persons.given_name, persons.family_name, persons.father_name, persons.grandfather_name, persons.given_name_latin, persons.family_name_latin, persons.birth_date, persons.birth_date_precision, persons.sex, persons.nationality, persons.status, (SELECT hm.household_id FROM household_members hm WHERE hm.person_id = persons.id AND hm.left_at IS NULL), persons.created_at";

/// A row of [`SUMMARY_COLS`].
pub(crate) fn summary(r: &Row) -> Result<PersonSummary> {
    Ok(PersonSummary {
        id: r.parse(0)?,
        office_id: r.parse(1)?,
        registry_no: r.text(2)?,
        given_name: r.text(3)?,
        family_name: r.text(4)?,
        father_name: r.text(5)?,
        grandfather_name: r.text(6)?,
        given_name_latin: r.text(7)?,
        family_name_latin: r.text(8)?,
        birth_date: r.opt_text(9)?,
        birth_date_precision: r
            .opt_text(10)?
            .map(|p| DatePrecision::parse(&p))
            .transpose()?,
        sex: Sex::parse(&r.text(11)?)?,
        nationality: r.text(12)?,
        status: PersonStatus::parse(&r.text(13)?)?,
        household_id: r.opt_parse(14)?,
        created_at: r.ts(15)?,
    })
}

/// `$1, $2, … $n` for an insert of `n` columns.
fn marks(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn person(r: &Row) -> Result<Person> {
    Ok(Person {
        id: r.parse(0)?,
        office_id: r.parse(1)?,
        registry_no: r.text(2)?,
        given_name: r.text(3)?,
        family_name: r.text(4)?,
        father_name: r.text(5)?,
        birth_date: r.opt_text(6)?,
        sex: Sex::parse(&r.text(7)?)?,
        nationality: r.text(8)?,
        created_at: r.ts(9)?,
        grandfather_name: r.text(10)?,
        given_name_latin: r.text(11)?,
        family_name_latin: r.text(12)?,
        birth_date_precision: r
            .opt_text(13)?
            .map(|p| DatePrecision::parse(&p))
            .transpose()?,
        phone: r.text(14)?,
        province: r.text(15)?,
        district: r.text(16)?,
        address: r.text(17)?,
        status: PersonStatus::parse(&r.text(18)?)?,
    })
}

fn document(r: &Row) -> Result<Document> {
    Ok(Document {
        id: r.parse(0)?,
        kind: DocumentKind::parse(&r.text(1)?)?,
        number: r.text(2)?,
        issuer: r.text(3)?,
        valid_from: r.opt_text(4)?,
        valid_until: r.opt_text(5)?,
    })
}

fn status_change(r: &Row) -> Result<StatusChange> {
    Ok(StatusChange {
        status: PersonStatus::parse(&r.text(0)?)?,
        at: r.ts(1)?,
        actor: r.text(2)?,
        note: r.text(3)?,
    })
}

fn gender(sex: Sex) -> String {
    match sex {
        Sex::Female => "F".into(),
        Sex::Male => "M".into(),
        Sex::Unknown => String::new(),
    }
}

/// The person as the matcher sees it.
fn as_record(p: &Person) -> daftar_match::dedupe::Record {
    daftar_match::dedupe::Record {
        id: p.id.to_string(),
        given_name: p.given_name.clone(),
        family_name: p.family_name.clone(),
        father_name: p.father_name.clone(),
        birth_date: p.birth().map(|d| d.matcher_text()).unwrap_or_default(),
        gender: gender(p.sex),
    }
}

/// Search tokens of a person: the script-independent skeleton of every name word and of every
/// whole name (so `عبدالله`, `عبد الله` and `Abdullah` meet), in any script.
pub(crate) fn name_tokens(p: &Person) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for name in [
        &p.given_name,
        &p.family_name,
        &p.father_name,
        &p.grandfather_name,
        &p.given_name_latin,
        &p.family_name_latin,
    ] {
        out.extend(query_tokens(name));
        out.push(daftar_match::normalize::skeleton(name));
    }
    out.retain(|t| !t.is_empty());
    out.sort();
    out.dedup();
    out
}

/// Skeletons of the words of a query.
fn query_tokens(q: &str) -> Vec<String> {
    q.split_whitespace()
        .map(daftar_match::normalize::skeleton)
        .filter(|t| !t.is_empty())
        .collect()
}

/// A person with what is stored for matching and search besides their row: the matching
/// fields, the blocking-key hashes and the search tokens. Pure, so an import computes it on
/// another thread while the writer inserts.
struct Keyed {
    person: Person,
    record: daftar_match::dedupe::Record,
    hashes: Vec<i64>,
    tokens: Vec<String>,
}

impl Keyed {
    fn of(person: Person) -> Self {
        let record = as_record(&person);
        Self {
            hashes: daftar_match::dedupe::match_key_hashes(&record),
            tokens: name_tokens(&person),
            record,
            person,
        }
    }
}

/// Stores the person's matching row and search tokens (in the caller's transaction) and adds
/// the person's key rows to `blocks`, for [`insert_blocks`] to write once per transaction.
fn write_keys(tx: &mut dyn Tx, k: &Keyed, blocks: &mut Vec<(i64, i64)>) -> Result<()> {
    let (p, rec) = (&k.person, &k.record);
    let pk = tx
        .query_one(
            "INSERT INTO person_match (person_id, office_id, given_name, family_name, father_name, birth, gender) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING pk",
            params![p.id.to_string(), p.office_id.to_string(), rec.given_name.as_str(), rec.family_name.as_str(), rec.father_name.as_str(), rec.birth_date.as_str(), rec.gender.as_str()],
        )?
        .i64(0)?;
    blocks.extend(k.hashes.iter().map(|&h| (h, pk)));
    insert_each(
        tx,
        "person_name_tokens (token, office_id, person_id)",
        &[p.office_id.to_string().into(), p.id.to_string().into()],
        k.tokens.iter().map(|t| Value::from(t.as_str())),
    )
}

/// Inserts key rows sorted by key, 500 to a statement: the key index then takes them page by
/// page instead of at random places (hashes spread the keys of one person over the whole
/// index), which at a million persons is most of the cost of writing them.
fn insert_blocks(tx: &mut dyn Tx, mut rows: Vec<(i64, i64)>) -> Result<()> {
    use std::fmt::Write;
    rows.sort_unstable();
    rows.dedup();
    for chunk in rows.chunks(500) {
        let args: Vec<Value> = chunk
            .iter()
            .flat_map(|&(h, pk)| [Value::from(h), Value::from(pk)])
            .collect();
        insert_ignoring(
            tx,
            "person_match_blocks (key_hash, pk)",
            chunk.len(),
            |sql, i| {
                let _ = write!(sql, "${}, ${}", 2 * i + 1, 2 * i + 2);
            },
            &args,
        )?;
    }
    Ok(())
}

/// Inserts one row `(value, fixed…)` into `target` (`table (columns)`) per value, skipping rows
/// already there, in one statement.
fn insert_each(
    tx: &mut dyn Tx,
    target: &str,
    fixed: &[Value],
    values: impl ExactSizeIterator<Item = Value>,
) -> Result<()> {
    use std::fmt::Write;
    let n = values.len();
    let mut args = Vec::with_capacity(fixed.len() + n);
    args.extend_from_slice(fixed);
    args.extend(values);
    insert_ignoring(
        tx,
        target,
        n,
        |sql, i| {
            let _ = write!(sql, "${}", fixed.len() + 1 + i);
            for j in 1..=fixed.len() {
                let _ = write!(sql, ", ${j}");
            }
        },
        &args,
    )
}

/// Inserts `n` rows into `target` (`table (columns)`) in one statement, skipping rows already
/// there; `row(sql, i)` writes the placeholders of row `i`. SQLite gets `INSERT OR IGNORE`:
/// with the upsert clause (`ON CONFLICT DO NOTHING`, which PostgreSQL needs) a failing NOT NULL
/// check could still abort a multi-row statement halfway, so SQLite would keep a statement
/// journal, copying every page the statement touches.
fn insert_ignoring(
    tx: &mut dyn Tx,
    target: &str,
    n: usize,
    row: impl Fn(&mut String, usize),
    args: &[Value],
) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    let mut sql = String::with_capacity(48 + target.len() + n * 16);
    sql.push_str(match tx.dialect() {
        Dialect::Sqlite => "INSERT OR IGNORE INTO ",
        Dialect::Postgres => "INSERT INTO ",
    });
    sql.push_str(target);
    sql.push_str(" VALUES ");
    for i in 0..n {
        sql.push_str(if i == 0 { "(" } else { ", (" });
        row(&mut sql, i);
        sql.push(')');
    }
    if tx.dialect() == Dialect::Postgres {
        sql.push_str(" ON CONFLICT DO NOTHING");
    }
    tx.exec(&sql, args)?;
    Ok(())
}

/// Builds the person to store from a checked registration.
fn build(
    new: &RegisterPerson,
    office: OfficeId,
    registry_no: String,
    now: time::OffsetDateTime,
) -> Person {
    let (f, birth) = (new.fields(), new.birth());
    Person {
        id: PersonId::new(),
        office_id: office,
        registry_no,
        given_name: f.given_name.clone(),
        family_name: f.family_name.clone(),
        father_name: f.father_name.clone(),
        grandfather_name: f.grandfather_name.clone(),
        given_name_latin: f.given_name_latin.clone(),
        family_name_latin: f.family_name_latin.clone(),
        birth_date: birth.map(|d| d.iso()),
        birth_date_precision: birth.map(|d| d.precision),
        sex: f.sex,
        nationality: f.nationality.clone(),
        phone: f.phone.clone(),
        province: f.province.clone(),
        district: f.district.clone(),
        address: f.address.clone(),
        status: PersonStatus::Registered,
        created_at: now,
    }
}

/// Inserts a person with their first status entry and documents (keys are the caller's).
/// `import` is the id of the import writing it (the person stays hidden until it is done).
fn insert(
    tx: &mut dyn Tx,
    ctx: &AuditCtx,
    p: &Person,
    docs: &[ValidDocument],
    import: Option<&str>,
) -> Result<()> {
    let mut args: Vec<Value> = vec![
        p.id.to_string().into(),
        p.office_id.to_string().into(),
        p.registry_no.clone().into(),
        p.given_name.clone().into(),
        p.family_name.clone().into(),
        p.father_name.clone().into(),
        p.birth_date.clone().into(),
        p.sex.code().into(),
        p.nationality.clone().into(),
        p.created_at.into(),
        p.grandfather_name.clone().into(),
        p.given_name_latin.clone().into(),
        p.family_name_latin.clone().into(),
        p.birth_date_precision.map(|d| d.code()).into(),
        p.phone.clone().into(),
        p.province.clone().into(),
        p.district.clone().into(),
        p.address.clone().into(),
        p.status.code().into(),
    ];
    static INSERT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "INSERT INTO persons ({COLS}, import_id) VALUES ({})",
            marks(COLS.split(',').count() + 1)
        )
    });
    args.push(import.map(str::to_owned).into());
    tx.exec(&INSERT, &args)?;
    tx.exec(
        "INSERT INTO person_status_history (person_id, seq, status, at, actor, note) VALUES ($1, 1, $2, $3, $4, '')",
        params![p.id.to_string(), p.status.code(), p.created_at, ctx.actor.as_str()],
    )?;
    for d in docs {
        insert_document(tx, p, d)?;
    }
    Ok(())
}

fn insert_document(tx: &mut dyn Tx, p: &Person, d: &ValidDocument) -> Result<Document> {
    let doc = Document {
        id: DocumentId::new(),
        kind: d.kind,
        number: d.number.clone(),
        issuer: d.issuer.clone(),
        valid_from: d.valid_from.clone(),
        valid_until: d.valid_until.clone(),
    };
    tx.exec(
        "INSERT INTO person_documents (id, person_id, office_id, kind, number, number_key, issuer, valid_from, valid_until, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        params![
            doc.id.to_string(),
            p.id.to_string(),
            p.office_id.to_string(),
            d.kind.code(),
            d.number.as_str(),
            d.number_key.as_str(),
            d.issuer.as_str(),
            d.valid_from.clone(),
            d.valid_until.clone(),
            p.created_at,
        ],
    )
    .map_err(|e| {
        e.into_error("document.number.taken")
            .with_field("document_number")
    })?;
    Ok(doc)
}

/// Reserves `n` registry numbers of an office: returns the office code and the first number.
fn reserve_numbers(tx: &mut dyn Tx, office: OfficeId, n: u64) -> Result<(String, i64)> {
    let n = i64::try_from(n).map_err(|_| Error::invalid("import.too_large"))?;
    tx.exec(
        "UPDATE offices SET person_seq = person_seq + $1 WHERE id = $2",
        params![n, office.to_string()],
    )?;
    let r = tx
        .query_opt(
            "SELECT code, person_seq FROM offices WHERE id = $1",
            params![office.to_string()],
        )?
        .ok_or_else(|| Error::not_found("office.not_found"))?;
    Ok((r.text(0)?, r.i64(1)? - n + 1))
}

/// A statement made once per dialect, the first time each is asked for.
struct PerDialect([std::sync::OnceLock<String>; 2]);

impl PerDialect {
    const fn new() -> Self {
        Self([std::sync::OnceLock::new(), std::sync::OnceLock::new()])
    }

    fn get(&'static self, dialect: Dialect, make: impl FnOnce() -> String) -> &'static str {
        self.0[usize::from(dialect == Dialect::Sqlite)].get_or_init(make)
    }
}

/// The select list of a [`PersonRecord`] for `dialect`, made once: the person's columns, then
/// the documents and the history as JSON arrays of rows, then the medical needs (the two
/// dialects differ only in the JSON functions' names and in how a time is written,
/// PostgreSQL's as the stored text form). Read by [`record_of`].
fn record_select(dialect: Dialect) -> &'static str {
    static SQL: PerDialect = PerDialect::new();
    let (agg, array, text, at) = match dialect {
        Dialect::Postgres => (
            "json_agg",
            "json_build_array",
            "::text",
            "to_char(h.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
        ),
        Dialect::Sqlite => ("json_group_array", "json_array", "", "h.at"),
    };
    SQL.get(dialect, || {
        format!(
            "SELECT {COLS}, \
             (SELECT {agg}({array}(d.id, d.kind, d.number, d.issuer, d.valid_from, d.valid_until) ORDER BY d.created_at, d.id){text} FROM person_documents d WHERE d.person_id = persons.id), \
             (SELECT {agg}({array}(h.status, {at}, h.actor, h.note) ORDER BY h.seq){text} FROM person_status_history h WHERE h.person_id = persons.id), \
             (SELECT n.medical_needs FROM person_needs n WHERE n.person_id = persons.id)"
        )
    })
}

/// [`load_record`]'s statement for `dialect`, made once.
fn record_sql(dialect: Dialect) -> &'static str {
    static SQL: PerDialect = PerDialect::new();
    SQL.get(dialect, || {
        format!(
            "{} FROM persons WHERE id = $1 AND office_id = $2 AND {}",
            record_select(dialect),
            person_visible!()
        )
    })
}

/// The records of several persons in one statement, for `dialect`, made once: the persons
/// named in the JSON array `$1` (objects with `person_id` and `read_office`, as
/// [`super::rows_from_json`] reads them) that exist in that office and are visible, each row
/// read by [`record_of`].
pub(super) fn records_sql(dialect: Dialect) -> &'static str {
    static SQL: PerDialect = PerDialect::new();
    SQL.get(dialect, || {
        format!(
            "{} FROM {} JOIN persons ON persons.id = x.person_id AND persons.office_id = x.read_office WHERE {}",
            record_select(dialect),
            super::rows_from_json(dialect, &[("person_id", "text"), ("read_office", "text")]),
            person_visible!()
        )
    })
}

/// A person of an office with documents, status history and needs, in one statement: the
/// documents and the history come as JSON arrays of rows (each statement costs both processes
/// a round of messages, which is most of a single-person read's cost on PostgreSQL; see
/// docs/benchmarks.md).
fn load_record(tx: &mut dyn Tx, office: OfficeId, id: PersonId) -> Result<PersonRecord> {
    let row = tx
        .query_opt(
            record_sql(tx.dialect()),
            params![id.to_string(), office.to_string()],
        )?
        .ok_or_else(|| Error::not_found("person.not_found"))?;
    record_of(&row)
}

/// A row of [`record_select`]'s columns.
pub(super) fn record_of(row: &Row) -> Result<PersonRecord> {
    let n = COLS.split(',').count();
    Ok(PersonRecord {
        person: person(row)?,
        documents: all(json_rows(row.opt_text(n)?)?, document)?,
        history: all(json_rows(row.opt_text(n + 1)?)?, status_change)?,
        medical_needs: row.opt_bool(n + 2)?.unwrap_or(false),
    })
}

/// Rows given as a JSON array of arrays (strings, integers, booleans, nulls); none for NULL.
fn json_rows(json: Option<String>) -> Result<Vec<Row>> {
    let Some(json) = json else {
        return Ok(vec![]);
    };
    let rows: Vec<Vec<serde_json::Value>> =
        serde_json::from_str(&json).map_err(|e| Error::store(format!("rows as JSON: {e}")))?;
    rows.into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| match v {
                    serde_json::Value::Null => Ok(Value::Null),
                    serde_json::Value::Bool(b) => Ok(Value::Bool(b)),
                    serde_json::Value::String(s) => Ok(Value::Text(s)),
                    serde_json::Value::Number(n) => n
                        .as_i64()
                        .map(Value::I64)
                        .ok_or_else(|| Error::store("rows as JSON: not an integer")),
                    other => Err(Error::store(format!("rows as JSON: {other}"))),
                })
                .collect::<Result<Vec<_>>>()
                .map(Row)
        })
        .collect()
}

/// Marks the import `done` (its persons seen from now on) and audits it `person.import` with
/// the count; `import.removed` if it is no longer running (taken for a stale one).
fn finish_import(
    tx: &mut dyn Tx,
    ctx: &AuditCtx,
    import: &str,
    office: OfficeId,
    n: usize,
) -> Result<u64> {
    let at = tx.now();
    if tx.exec(
        "UPDATE person_imports SET state = 'done', written = total, updated_at = $1 WHERE id = $2 AND state = 'running'",
        params![at, import],
    )? != 1
    {
        return Err(Error::conflict("import.removed"));
    }
    audit::append(
        tx,
        ctx,
        &AuditEvent::new("person.import", "office", office.to_string())
            .with_details(serde_json::json!({ "count": n, "import_id": import })),
    )?;
    Ok(n as u64)
}

/// Fails with `import.removed` unless the import is still running (it may have been removed as
/// stale, or by a failure); locks its row until the transaction ends.
fn still_running(tx: &mut dyn Tx, import: &str) -> Result<()> {
    let state = tx.query_opt(
        &format!(
            "SELECT state FROM person_imports WHERE id = $1{}",
            tx.dialect().for_update()
        ),
        params![import],
    )?;
    match state.map(|r| r.text(0)).transpose()?.as_deref() {
        Some("running") => Ok(()),
        _ => Err(Error::conflict("import.removed")),
    }
}

use daftar_domain::person::IMPORT_BATCH;

/// Key rows an import writes per transaction at its end (sorted by key; about seven a person):
/// another writer waits a fraction of a second at most.
const KEY_BATCH: usize = 50_000;

/// Most stored persons compared with one probe in the enrolment-time check.
const MAX_COMPARED: usize = 250;

impl SqlStore {
    /// Fills the matching rows, key hashes and search tokens of persons that have none, when a
    /// migration asked for it (`store_backfills`), in transactions of 1,000 persons; returns how
    /// many were filled.
    pub(crate) fn backfill_match_keys(&self) -> Result<u64> {
        let pending = self.write(|tx| {
            Ok(tx
                .query_opt(
                    "SELECT name FROM store_backfills WHERE name = 'match_index'",
                    &[],
                )?
                .is_some())
        })?;
        if !pending {
            return Ok(0);
        }
        let (mut done, mut after) = (0, String::new());
        loop {
            let (n, last) = self.write(|tx| {
                let rows = tx.query(
                    &format!("SELECT {COLS} FROM persons WHERE id > $1 AND NOT EXISTS (SELECT 1 FROM person_match m WHERE m.person_id = persons.id) ORDER BY id LIMIT 1000"),
                    params![after.as_str()],
                )?;
                let (mut last, mut blocks) = (None, vec![]);
                for r in &rows {
                    let k = Keyed::of(person(r)?);
                    write_keys(tx, &k, &mut blocks)?;
                    last = Some(k.person.id.to_string());
                }
                insert_blocks(tx, blocks)?;
                Ok((rows.len() as u64, last))
            })?;
            done += n;
            match last {
                Some(id) => after = id,
                None => break,
            }
        }
        self.write(|tx| {
            tx.exec(
                "UPDATE person_match SET merged = 1 WHERE person_id IN (SELECT id FROM persons WHERE merged_into IS NOT NULL)",
                &[],
            )?;
            tx.exec("DELETE FROM store_backfills WHERE name = 'match_index'", &[])?;
            Ok(done)
        })
    }

    /// See [`Store::prewarm`](daftar_domain::store::Store::prewarm): a check reads a few hundred
    /// rows of the key index and the matching rows at random; at millions of persons, after a
    /// start or a bulk load, those reads otherwise wait for the disk. Sums a column so that
    /// SQLite reads the tables themselves (the key index is its table) rather than a smaller
    /// index; PostgreSQL scans the tables (not their indexes).
    pub(crate) fn prewarm_match_index(&self) -> Result<u64> {
        self.read(|tx| {
            let mut rows = 0;
            for sql in [
                "SELECT COUNT(*), CAST(SUM(pk) AS BIGINT) FROM person_match_blocks",
                "SELECT COUNT(*), CAST(SUM(LENGTH(birth)) AS BIGINT) FROM person_match",
            ] {
                rows += tx.query_one(sql, &[])?.i64(0)?.unsigned_abs();
            }
            Ok(rows)
        })
    }

    /// Writes the checked rows of an import in batches (see `PersonStore::import_persons`).
    fn import_batches(
        &self,
        ctx: &AuditCtx,
        office: OfficeId,
        import: &str,
        rows: &[RegisterPerson],
        now: time::OffsetDateTime,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<()> {
        let mut written = 0usize;
        // Key rows of every batch, written at the end sorted by key (see `insert_blocks`):
        // batch by batch they would land at random places of the key index.
        let mut blocks = Vec::with_capacity(rows.len() * 8);
        let batches: Vec<_> = rows.chunks(IMPORT_BATCH).collect();
        std::thread::scope(|s| -> Result<()> {
            // The next batch's registry numbers are taken and its persons and keys built (about
            // a fifth of the work) on a second thread while this one writes the batch before:
            // the write lock is held only for the inserts, and other writers get in between.
            let (send, built) = std::sync::mpsc::sync_channel::<Result<Vec<Keyed>>>(1);
            let todo = &batches;
            s.spawn(move || {
                for batch in todo {
                    let keyed = self
                        .write(|tx| reserve_numbers(tx, office, batch.len() as u64))
                        .map(|(code, first)| {
                            batch
                                .iter()
                                .enumerate()
                                .map(|(j, new)| {
                                    let no = first + j as i64;
                                    Keyed::of(build(new, office, format!("{code}-{no:06}"), now))
                                })
                                .collect::<Vec<_>>()
                        });
                    let failed = keyed.is_err();
                    if send.send(keyed).is_err() || failed {
                        return; // the writer stopped, or this batch failed
                    }
                }
            });
            for (batch, keyed) in batches.iter().zip(built) {
                let keyed = keyed?;
                let at_row = |j: usize| {
                    move |e: Error| e.with_detail("row", serde_json::json!(written + j + 1))
                };
                self.write(|tx| {
                    still_running(tx, import)?;
                    for (j, (k, new)) in keyed.iter().zip(batch.iter()).enumerate() {
                        insert(tx, ctx, &k.person, new.documents(), Some(import))
                            .and_then(|()| write_keys(tx, k, &mut blocks))
                            .map_err(at_row(j))?;
                    }
                    tx.exec(
                        "UPDATE person_imports SET written = written + $1, updated_at = $2 WHERE id = $3",
                        params![batch.len() as i64, self.now(), import],
                    )?;
                    Ok(())
                })?;
                written += batch.len();
                progress(written as u64);
            }
            Ok(())
        })?;
        blocks.sort_unstable();
        for chunk in blocks.chunks(KEY_BATCH) {
            self.write(|tx| {
                still_running(tx, import)?;
                insert_blocks(tx, chunk.to_vec())
            })?;
        }
        Ok(())
    }

    /// Removes what an import wrote, in transactions of [`IMPORT_BATCH`] persons, and marks it
    /// `removed` (first, so that a batch still running stops). Audited `person.import.removed`
    /// with the count of persons removed.
    fn remove_import(&self, ctx: &AuditCtx, import: &str, code: Option<&str>) -> Result<u64> {
        let office = self.write(|tx| {
            let office = tx
                .query_opt("SELECT office_id FROM person_imports WHERE id = $1 AND state <> 'done'", params![import])?
                .map(|r| r.text(0))
                .transpose()?;
            tx.exec(
                "UPDATE person_imports SET state = 'removed', updated_at = $1 WHERE id = $2 AND state <> 'done'",
                params![self.now(), import],
            )?;
            Ok(office)
        })?;
        let Some(office) = office else { return Ok(0) };
        let mut removed = 0u64;
        loop {
            let n = self.write(|tx| {
                let persons = tx.query(
                    &format!(
                        "SELECT {COLS} FROM persons WHERE import_id = $1 LIMIT {IMPORT_BATCH}"
                    ),
                    params![import],
                )?;
                if persons.is_empty() {
                    return Ok(0);
                }
                let ids: Vec<Value> = persons
                    .iter()
                    .map(|r| r.text(0).map(Value::from))
                    .collect::<Result<_>>()?;
                let m = marks(ids.len());
                // Key rows by their own key (the key index has no index by person): the
                // person's key hashes computed again, as when they were written.
                let pks: std::collections::HashMap<String, i64> = tx
                    .query(
                        &format!("SELECT person_id, pk FROM person_match WHERE person_id IN ({m})"),
                        &ids,
                    )?
                    .iter()
                    .map(|r| Ok((r.text(0)?, r.i64(1)?)))
                    .collect::<Result<_>>()?;
                let mut keys = vec![];
                for r in &persons {
                    let k = Keyed::of(person(r)?);
                    if let Some(&pk) = pks.get(&k.person.id.to_string()) {
                        keys.extend(k.hashes.iter().map(|&h| (h, pk)));
                    }
                }
                for chunk in keys.chunks(500) {
                    let pairs: Vec<String> = (0..chunk.len())
                        .map(|i| {
                            format!(
                                "(CAST(${} AS BIGINT), CAST(${} AS BIGINT))",
                                2 * i + 1,
                                2 * i + 2
                            )
                        })
                        .collect();
                    let args: Vec<Value> = chunk
                        .iter()
                        .flat_map(|&(h, pk)| [Value::from(h), Value::from(pk)])
                        .collect();
                    tx.exec(
                        &format!(
                            "DELETE FROM person_match_blocks WHERE (key_hash, pk) IN (VALUES {})",
                            pairs.join(", ")
                        ),
                        &args,
                    )?;
                }
                for sql in [
                    format!("DELETE FROM person_match WHERE person_id IN ({m})"),
                    format!("DELETE FROM person_name_tokens WHERE person_id IN ({m})"),
                    format!("DELETE FROM person_documents WHERE person_id IN ({m})"),
                    format!("DELETE FROM person_status_history WHERE person_id IN ({m})"),
                    format!("DELETE FROM persons WHERE id IN ({m})"),
                ] {
                    tx.exec(&sql, &ids)?;
                }
                Ok(ids.len() as u64)
            })?;
            if n == 0 {
                break;
            }
            removed += n;
        }
        self.write(|tx| {
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("person.import.removed", "office", office.as_str()).with_details(
                    serde_json::json!({ "import_id": import, "removed": removed, "code": code }),
                ),
            )
        })?;
        Ok(removed)
    }
}

/// The matching fields of a `person_match` row `pk, person_id, office_id, given_name,
/// family_name, father_name, birth, gender`.
fn candidate_record(r: &Row) -> Result<daftar_match::dedupe::Record> {
    Ok(daftar_match::dedupe::Record {
        id: String::new(),
        given_name: r.text(3)?,
        family_name: r.text(4)?,
        father_name: r.text(5)?,
        birth_date: r.text(6)?,
        gender: r.text(7)?,
    })
}

/// The matching rows (pk, person id, office, the three names, birth, sex) of the persons who
/// share the most of a probe's `keys` blocking keys (`$1`…, their hashes) with it, in one
/// statement (one round trip on PostgreSQL; only the rows to compare travel): each key's block
/// read up to one past `cap` and counted by itself, blocks larger than `cap` skipped (very
/// common names: the same rule as `daftar dedupe`, and it bounds the work), the persons ranked
/// by how many keys they share (a true duplicate shares several; ties by row number) and the
/// first [`MAX_COMPARED`] kept, merged persons left out. While no import's persons are hidden
/// (almost always: only while an import runs, or before a failed one is cleared) the matching row's `merged` alone tells who may be
/// shown, without a probe into `persons` for each; the hidden test is uncorrelated, so it runs
/// once.
fn candidates_sql(keys: usize, cap: usize) -> String {
    let block = |i| {
        format!(
            "SELECT pk FROM person_match_blocks WHERE key_hash = ${i} LIMIT {}",
            cap + 1
        )
    };
    let blocks = (1..=keys)
        .map(|i| {
            format!(
                "SELECT pk FROM ({}) b{i} WHERE (SELECT COUNT(*) FROM ({}) s{i}) <= {cap}",
                block(i),
                block(i)
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    format!(
        "WITH b AS ({blocks}), \
         ranked AS (SELECT pk, COUNT(*) AS n FROM b GROUP BY pk ORDER BY n DESC, pk LIMIT {MAX_COMPARED}) \
         SELECT m.pk, m.person_id, m.office_id, m.given_name, m.family_name, m.father_name, m.birth, m.gender \
         FROM ranked JOIN person_match m ON m.pk = ranked.pk \
         WHERE m.merged = 0 AND (NOT ({HIDDEN_IMPORTS}) OR EXISTS (SELECT 1 FROM persons WHERE persons.id = m.person_id AND {}))",
        person_visible!()
    )
}

/// Whether any import's persons are hidden still (their import not done): one row, a boolean.
const HIDDEN_IMPORTS: &str = "SELECT EXISTS (SELECT 1 FROM person_imports pi WHERE pi.state <> 'done' AND EXISTS (SELECT 1 FROM persons WHERE persons.import_id = pi.id))";

impl daftar_domain::store::PersonStore for SqlStore {
    fn person_candidates(
        &self,
        ctx: &AuditCtx,
        reach: &daftar_domain::permission::Reach,
        probe: &MatchProbe,
        limit: usize,
    ) -> Result<daftar_domain::person::Candidates> {
        if reach.permission() != Permission::PersonRead {
            return Err(Error::forbidden("auth.forbidden"));
        }
        let probe_record = daftar_match::dedupe::Record {
            id: String::new(),
            given_name: probe.given_name.clone(),
            family_name: probe.family_name.clone(),
            father_name: probe.father_name.clone(),
            birth_date: probe.matcher_birth_date(),
            gender: gender(probe.sex),
        };
        let hashes = daftar_match::dedupe::match_key_hashes(&probe_record);
        if hashes.is_empty() {
            return Ok(daftar_domain::person::Candidates {
                candidates: vec![],
                elsewhere: 0,
            });
        }
        let settings = daftar_match::dedupe::Settings::default();
        let matcher = daftar_match::dedupe::Probe::new(&probe_record);
        self.write(|tx| {
            let args: Vec<Value> = hashes.iter().map(|h| Value::from(*h)).collect();
            // Compare on the matching rows only, each as it arrives (while the server still
            // reads the next ones); load whole records for the matches.
            let mut matched: Vec<(String, OfficeId, daftar_domain::person::MatchReasons, f64)> =
                vec![];
            tx.query_each(
                &candidates_sql(hashes.len(), settings.max_block),
                &args,
                &mut |r| {
                    // Prepared once per person and kept (matching fields do not change); sex
                    // and birth date rule most block members out before their names are
                    // prepared.
                    let pk = r.i64(0)?;
                    let prepared = match self.prepared.get(pk) {
                        Some(c) => c,
                        None if !matcher.may_match(&r.text(6)?, &r.text(7)?) => return Ok(()),
                        None => self.prepared.keep(
                            pk,
                            daftar_match::dedupe::Candidate::new(&candidate_record(r)?),
                        ),
                    };
                    if let Some((reasons, score)) = matcher.compare_prepared(&prepared, &settings) {
                        matched.push((r.text(1)?, r.parse(2)?, reasons, score));
                    }
                    Ok(())
                },
            )?;
            // Best score first; equal scores by person id, so the same check shows the same
            // persons whatever order the rows arrived in.
            matched.sort_by(|a, b| b.3.total_cmp(&a.3).then_with(|| a.0.cmp(&b.0)));
            let mut shown_ids = vec![];
            let mut elsewhere = 0u64;
            for (id, office, reasons, score) in matched {
                if reach.office_id().is_some_and(|o| o != office) {
                    elsewhere += 1;
                } else if shown_ids.len() < limit {
                    shown_ids.push((id, reasons, score));
                }
            }
            // The whole records of those shown, in one statement, kept in score order.
            let mut found = vec![];
            if !shown_ids.is_empty() {
                let args: Vec<Value> = shown_ids
                    .iter()
                    .map(|(id, _, _)| Value::from(id.as_str()))
                    .collect();
                let rows = tx.query(
                    &format!(
                        "SELECT {SUMMARY_COLS} FROM persons WHERE id IN ({})",
                        marks(args.len())
                    ),
                    &args,
                )?;
                let mut by_id: std::collections::HashMap<
                    String,
                    daftar_domain::person::PersonSummary,
                > = Default::default();
                for r in &rows {
                    let p = summary(r)?;
                    by_id.insert(p.id.to_string(), p);
                }
                for (id, reasons, score) in shown_ids {
                    let person = by_id
                        .remove(&id)
                        .ok_or_else(|| Error::internal("candidate record vanished"))?;
                    found.push(daftar_domain::person::PersonCandidate {
                        person,
                        reasons,
                        score,
                    });
                }
            }
            let shown: Vec<String> = found.iter().map(|c| c.person.id.to_string()).collect();
            let ev = AuditEvent::new(
                "person.candidates",
                "office",
                reach.office_id().map(|o| o.to_string()).unwrap_or_default(),
            )
            .with_details(serde_json::json!({ "persons": shown, "elsewhere": elsewhere }));
            audit::append(tx, ctx, &ev)?;
            Ok(daftar_domain::person::Candidates {
                candidates: found,
                elsewhere,
            })
        })
    }

    fn create_person(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        new: &RegisterPerson,
    ) -> Result<Person> {
        scope.require(Permission::PersonWrite)?;
        let now = self.now();
        let office = scope.office_id();
        self.write(|tx| {
            let (code, first) = reserve_numbers(tx, office, 1)?;
            let k = Keyed::of(build(new, office, format!("{code}-{first:06}"), now));
            insert(tx, ctx, &k.person, new.documents(), None)?;
            let mut blocks = vec![];
            write_keys(tx, &k, &mut blocks)?;
            insert_blocks(tx, blocks)?;
            let p = k.person;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("person.create", "person", p.id)
                    .with_details(serde_json::json!({ "office_id": office.to_string() })),
            )?;
            super::idempotency::attach(tx, p)
        })
    }

    /// Registers many persons, all or nothing, without blocking other writers for the run
    /// (issue 15.16): every row is validated first (the first bad row aborts with its error,
    /// `details.row` 1-based, before anything is written); then the rows are written in batches
    /// of [`IMPORT_BATCH`], each in its own short transaction, with the batch's registry numbers
    /// taken in a shorter one before it (so the office's counter is locked for a moment, not for
    /// the batch). The persons carry the import's id and stay hidden from every read until the
    /// import is marked done; a batch that fails removes what the import wrote, and one that
    /// stops without finishing (a killed process) is removed by
    /// `remove_stale_imports`. One audit event
    /// `person.import` with the count when done. Registry numbers of a removed import stay
    /// unused (gaps).
    fn import_persons(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        rows: &[RegisterPerson],
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<u64> {
        scope.require(Permission::PersonWrite)?;
        if matches!(self.db, crate::Db::Postgres(_)) {
            return self.import_by_copy(ctx, scope.office_id(), rows, progress);
        }
        let now = self.now();
        let office = scope.office_id();
        let import = ulid::Ulid::new().to_string();
        self.write(|tx| {
            tx.exec(
                "INSERT INTO person_imports (id, office_id, actor, state, total, written, started_at, updated_at) VALUES ($1, $2, $3, 'running', $4, 0, $5, $5)",
                params![import.as_str(), office.to_string(), ctx.actor.as_str(), rows.len() as i64, now],
            )?;
            Ok(())
        })?;
        let written = self
            .import_batches(ctx, office, &import, rows, now, progress)
            .and_then(|()| self.write(|tx| finish_import(tx, ctx, &import, office, rows.len())));
        if let Err(cause) = &written {
            // Best effort: if this fails too (the store is down), the import is removed later
            // as a stale one.
            if let Err(e) = self.remove_import(ctx, &import, Some(cause.code)) {
                tracing::warn!(import = %import, error = %e, "could not remove a failed import");
            }
        }
        written
    }

    /// Removes imports that stopped without finishing: still `running` with no batch written
    /// for `idle` (a killed `daftar import`), or marked `removed` with rows left (a removal
    /// that was cut off). Returns the number of persons removed.
    fn remove_stale_imports(&self, ctx: &AuditCtx, idle: time::Duration) -> Result<u64> {
        let before = self.now() - idle;
        let stale = self.read(|tx| {
            tx.query(
                "SELECT id FROM person_imports WHERE (state = 'running' AND updated_at < $1) OR (state = 'removed' AND EXISTS (SELECT 1 FROM persons WHERE import_id = person_imports.id))",
                params![before],
            )?
            .iter()
            .map(|r| r.text(0))
            .collect::<Result<Vec<_>>>()
        })?;
        let mut removed = 0;
        for id in stale {
            removed += self.remove_import(ctx, &id, None)?;
        }
        Ok(removed)
    }

    fn list_persons(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        req: PageRequest,
    ) -> Result<Page<PersonSummary>> {
        scope.require(Permission::PersonRead)?;
        let req = req.clamped();
        let office = scope.office_id().to_string();
        self.write(|tx| {
            let page = paged(
                tx,
                SUMMARY_COLS,
                concat!(
                    "FROM persons WHERE office_id = $1 AND merged_into IS NULL AND ",
                    person_visible!()
                ),
                "registry_no DESC",
                vec![office.clone().into()],
                req,
                summary,
            )?;
            let ids: Vec<String> = page.items.iter().map(|p| p.id.to_string()).collect();
            let ev = AuditEvent::new("person.list", "office", &office)
                .with_details(serde_json::json!({ "page": page.page, "persons": ids }));
            audit::append(tx, ctx, &ev)?;
            Ok(page)
        })
    }

    /// Persons of the scope's office whose registry number or a document number equals the
    /// query, or whose names hold every word of it (compared as skeletons, either script).
    fn search_persons(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        query: &str,
        req: PageRequest,
    ) -> Result<Page<PersonSummary>> {
        scope.require(Permission::PersonRead)?;
        let q = query.trim();
        if q.is_empty() || q.chars().count() > 100 || q.chars().any(char::is_control) {
            return Err(Error::invalid("search.query.invalid").with_field("q"));
        }
        let office = scope.office_id().to_string();
        let words = query_tokens(q);
        let whole = daftar_match::normalize::skeleton(q);
        let key = document_key(q);
        // $1 office, $2 registry number, $3 document key, $4 whole-query skeleton, $5.. words.
        let registry_no = daftar_domain::digits::fold_digits(q).to_uppercase();
        let mut args: Vec<Value> = vec![
            office.clone().into(),
            registry_no.into(),
            key.into(),
            whole.into(),
        ];
        let n_words = words.len();
        let word_marks = marks(4 + n_words);
        let word_marks: Vec<&str> = word_marks.split(", ").skip(4).collect();
        args.extend(words.into_iter().map(Value::from));
        let by_words = if n_words == 0 {
            String::new()
        } else {
            format!(
                " UNION SELECT person_id FROM person_name_tokens WHERE office_id = $1 AND token IN ({}) GROUP BY person_id HAVING COUNT(DISTINCT token) = {n_words}",
                word_marks.join(", ")
            )
        };
        let from_where = format!(
            "FROM persons WHERE office_id = $1 AND merged_into IS NULL AND {} AND id IN (\
             SELECT id FROM persons WHERE office_id = $1 AND UPPER(registry_no) = $2 \
             UNION SELECT person_id FROM person_documents WHERE office_id = $1 AND number_key = $3 \
             UNION SELECT person_id FROM person_name_tokens WHERE office_id = $1 AND token = $4{by_words})",
            person_visible!()
        );
        self.write(|tx| {
            let page = paged(
                tx,
                SUMMARY_COLS,
                &from_where,
                "registry_no DESC",
                args,
                req.clamped(),
                summary,
            )?;
            let ids: Vec<String> = page.items.iter().map(|p| p.id.to_string()).collect();
            let ev = AuditEvent::new("person.search", "office", &office)
                .with_details(serde_json::json!({ "query": q, "page": page.page, "persons": ids }));
            audit::append(tx, ctx, &ev)?;
            Ok(page)
        })
    }

    fn get_person(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
    ) -> Result<PersonRecord> {
        scope.require(Permission::PersonRead)?;
        self.write(|tx| {
            let rec = load_record(tx, scope.office_id(), id)?;
            audit::log(tx, ctx, "person.read", "person", rec.person.id)?;
            Ok(rec)
        })
    }

    fn read_person(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
        guard: &daftar_domain::read_watch::ReadGuard,
    ) -> Result<PersonRecord> {
        scope.require(Permission::PersonRead)?;
        // The record is read, and the read counted, decided and audited, in a batch with other
        // requests' reads (a person not found is neither counted nor audited).
        let job = super::read_watch::ReadJob::new(ctx, guard, id, scope.office_id());
        let (d, rec) = self
            .reads
            .run(job, |jobs| {
                self.write(|tx| super::read_watch::count_reads(tx, jobs))
            })?
            .ok_or_else(|| Error::not_found("person.not_found"))?;
        let shown = if d.allowed { Ok(rec) } else { Err(d) };
        shown.map_err(|d| {
            Error::forbidden("read.purpose.required")
                .with_field("purpose")
                .with_detail("persons", serde_json::json!(d.persons))
                .with_detail("limit", serde_json::json!(guard.limit.persons))
                .with_detail(
                    "window_minutes",
                    serde_json::json!(guard.limit.window_minutes),
                )
        })
    }

    fn set_medical_needs(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
        medical_needs: bool,
        expected: Option<&str>,
    ) -> Result<PersonRecord> {
        scope.require(Permission::PersonWrite)?;
        let office = scope.office_id();
        self.write(|tx| {
            tx.query_opt(
                &format!(
                    "SELECT id FROM persons WHERE id = $1 AND office_id = $2{}",
                    tx.dialect().for_update()
                ),
                params![id.to_string(), office.to_string()],
            )?;
            let before = load_record(tx, office, id)?;
            if expected.is_some() {
                tag::check(expected, &tag::tag_of(&before), "person.version.stale")?;
            }
            tx.exec(
                "INSERT INTO person_needs (person_id, medical_needs, noted_by, noted_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (person_id) DO UPDATE SET medical_needs = $2, noted_by = $3, noted_at = $4",
                params![id.to_string(), medical_needs, ctx.actor.as_str(), self.now()],
            )?;
            if before.medical_needs != medical_needs {
                audit::append(
                    tx,
                    ctx,
                    &AuditEvent::new("person.medical_needs", "person", id)
                        .with_details(serde_json::json!({ "medical_needs": medical_needs })),
                )?;
            }
            let answered = load_record(tx, office, id)?;
            super::idempotency::attach(tx, answered)
        })
    }

    fn set_person_status(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
        change: &ChangeStatus,
        expected: Option<&str>,
    ) -> Result<PersonRecord> {
        scope.require(Permission::PersonWrite)?;
        let to = change.status();
        let office = scope.office_id();
        self.write(|tx| {
            if expected.is_some() {
                let current = tag::tag_of(&load_record(tx, office, id)?);
                tag::check(expected, &current, "person.version.stale")?;
            }
            let r = tx.query_opt(
                &format!(
                    "SELECT status FROM persons WHERE id = $1 AND office_id = $2 AND {}{}",
                    person_visible!(),
                    tx.dialect().for_update()
                ),
                params![id.to_string(), office.to_string()],
            )?;
            let from = PersonStatus::parse(
                &r.ok_or_else(|| Error::not_found("person.not_found"))?
                    .text(0)?,
            )?;
            from.check_change(to)?;
            change_status(
                tx,
                ctx,
                &id.to_string(),
                from,
                to,
                change.note(),
                self.now(),
            )?;
            let answered = load_record(tx, office, id)?;
            super::idempotency::attach(tx, answered)
        })
    }

    fn add_document(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
        valid: &ValidDocument,
        expected: Option<&str>,
    ) -> Result<Document> {
        scope.require(Permission::PersonWrite)?;
        let now = self.now();
        let office = scope.office_id();
        self.write(|tx| {
            if expected.is_some() {
                let current = tag::tag_of(&load_record(tx, office, id)?);
                tag::check(expected, &current, "person.version.stale")?;
            }
            let r = tx.query_opt(
                &format!("SELECT {COLS} FROM persons WHERE id = $1 AND office_id = $2 AND {}", person_visible!()),
                params![id.to_string(), office.to_string()],
            )?;
            let mut p = person(&r.ok_or_else(|| Error::not_found("person.not_found"))?)?;
            p.created_at = now;
            let doc = insert_document(tx, &p, valid)?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("person.document.add", "person", id)
                    .with_details(serde_json::json!({ "document_id": doc.id.to_string(), "kind": doc.kind.code() })),
            )?;
            super::idempotency::attach(tx, doc)
        })
    }

    fn count_persons_by_office(&self) -> Result<Vec<(OfficeId, u64)>> {
        self.read(|tx| {
            tx.query(
                concat!(
                    "SELECT office_id, COUNT(*) FROM persons WHERE merged_into IS NULL AND ",
                    person_visible!(),
                    " GROUP BY office_id ORDER BY office_id"
                ),
                &[],
            )?
            .iter()
            .map(|r| Ok((r.parse(0)?, u64::try_from(r.i64(1)?).unwrap_or(0))))
            .collect()
        })
    }

    fn export_persons(
        &self,
        ctx: &AuditCtx,
        scope: &daftar_domain::permission::OfficeScope,
    ) -> Result<Vec<PersonSummary>> {
        scope.require(Permission::PersonExport)?;
        let office = scope.office_id().to_string();
        self.write(|tx| {
            let rows = tx.query(
                &format!("SELECT {SUMMARY_COLS} FROM persons WHERE office_id = $1 AND merged_into IS NULL AND {} ORDER BY registry_no", person_visible!()),
                params![office.as_str()],
            )?;
            let persons = rows.iter().map(summary).collect::<Result<Vec<_>>>()?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("person.export", "office", &office)
                    .with_details(serde_json::json!({ "count": persons.len() })),
            )?;
            Ok(persons)
        })
    }
}

/// Writes a person's status change from `from` to `to` (checked by the caller): the status, a
/// row of its history with `note`, and the audit row `person.status`.
pub(crate) fn change_status(
    tx: &mut dyn Tx,
    ctx: &AuditCtx,
    id: &str,
    from: PersonStatus,
    to: PersonStatus,
    note: &str,
    now: time::OffsetDateTime,
) -> Result<()> {
    tx.exec(
        "UPDATE persons SET status = $1 WHERE id = $2",
        params![to.code(), id],
    )?;
    tx.exec(
        "INSERT INTO person_status_history (person_id, seq, status, at, actor, note) SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5 FROM person_status_history WHERE person_id = $1",
        params![id, to.code(), now, ctx.actor.as_str(), note],
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEvent::new("person.status", "person", id)
            .with_details(serde_json::json!({ "from": from.code(), "to": to.code() })),
    )
}
