//! The bulk import on PostgreSQL (issue 17.2): `COPY` instead of a statement per row.
//!
//! Two transactions. The first, short one reserves the import's registry numbers (the office's
//! counter is locked for a moment) and the matcher's row keys (`person_match`'s identity moved
//! past one range, the table locked against writers for a moment). The persons, their keys and search tokens are then built in
//! memory, on every core. The second transaction does the rest and is the only one that
//! writes persons, so an error anywhere leaves nothing behind: the documents are copied into a
//! staging table first and checked there (a number recorded already, or twice in the import:
//! `document.number.taken` with the first such row's `details.row`, 1-based); then persons,
//! their first status entries, documents, matching rows, key rows (sorted by key, so the key
//! index fills page by page) and search tokens are copied in, the import is recorded as done and
//! audited once (`person.import`; a refused import is audited `person.import.removed` with
//! nothing removed). Each table's rows go in one `COPY` whose text is made on another thread
//! while the server takes in the part before. Nobody sees an import's persons before it
//! commits, so the `import_id` the SQLite path uses to hide a half-written import is not needed
//! here.

use super::{Keyed, build, reserve_numbers};
use crate::SqlStore;
use crate::repo::audit;
use crate::sql::{Tx, params, ts_text};
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::ids::{DocumentId, OfficeId};
use daftar_domain::person::RegisterPerson;
use daftar_domain::{Error, Result};
use std::fmt::Write;

/// Rows per `COPY` statement: the text of one is held in memory at a time.
const CHUNK: usize = 50_000;

/// One field of a `COPY` text row: backslash, tab, newline and carriage return escaped.
fn field(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// A `COPY` text row of `fields` (`None` is NULL).
fn row(out: &mut String, fields: &[Option<&str>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        match f {
            Some(s) => field(out, s),
            None => out.push_str("\\N"),
        }
    }
    out.push('\n');
}

/// Copies `items` into `target` (`table (columns)`) in one `COPY`, each row written by
/// `write`; `done` is told how many items are copied so far. The text is made [`CHUNK`] rows at
/// a time on a thread of its own while the server takes in the chunk before (two chunks held
/// at most), so building the text and the server's work overlap.
fn copy_all<T: Sync>(
    tx: &mut dyn Tx,
    target: &str,
    items: &[T],
    write: impl Fn(&mut String, &T) + Sync,
    done: &dyn Fn(usize),
) -> Result<()> {
    let sql = format!("COPY {target} FROM STDIN");
    std::thread::scope(|s| {
        let (send, receive) = std::sync::mpsc::sync_channel::<(usize, Vec<u8>)>(1);
        let write = &write;
        s.spawn(move || {
            for chunk in items.chunks(CHUNK) {
                let mut text = String::with_capacity(chunk.len() * 96);
                for item in chunk {
                    write(&mut text, item);
                }
                if send.send((chunk.len(), text.into_bytes())).is_err() {
                    return; // the copy failed: nobody takes more
                }
            }
        });
        let mut copied = 0;
        let mut pieces = receive.iter().map(|(n, text)| {
            copied += n;
            done(copied);
            text
        });
        tx.copy_in(&sql, &mut pieces)?;
        Ok(())
    })
}

impl SqlStore {
    /// After a bulk load: `VACUUM (ANALYZE)` of the duplicate check's two tables. Rows just
    /// copied in are not yet marked visible to all, so the check's index-only reads of the key
    /// index would visit a heap page for every entry (and its first reads would write hint
    /// bits); vacuum marks them (it skips pages marked before, so each import's vacuum is about
    /// its own rows) and refreshes the planner's figures. Best effort: autovacuum gets there
    /// later otherwise.
    fn vacuum_match_tables(&self) {
        if let crate::Db::Postgres(d) = &self.db {
            let started = std::time::Instant::now();
            let done = crate::postgres::outside_runtime(|| {
                d.outside_transaction("VACUUM (ANALYZE) person_match_blocks, person_match")
            });
            match done {
                Ok(()) => tracing::debug!(
                    seconds = started.elapsed().as_secs_f64(),
                    "vacuumed the match tables after an import"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "could not vacuum the match tables after an import")
                }
            }
        }
    }

    /// `PersonStore::import_persons` on PostgreSQL (see the module comment). `progress` counts
    /// persons copied.
    pub(super) fn import_by_copy(
        &self,
        ctx: &AuditCtx,
        office: OfficeId,
        rows: &[RegisterPerson],
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<u64> {
        let n = rows.len();
        if n == 0 {
            return Ok(0);
        }
        let now = self.now();
        let (code, first, pks) = self.write(|tx| {
            let (code, first) = reserve_numbers(tx, office, n as u64)?;
            // The match keys as one range: the sequence is moved past it at once, with the
            // table locked against writers for this short transaction so that no other
            // session's row takes a key between (every key comes from inserting a row).
            tx.batch("LOCK TABLE person_match IN SHARE ROW EXCLUSIVE MODE")?;
            let last = tx
                .query_one(
                    "SELECT setval(pg_get_serial_sequence('person_match', 'pk'), nextval(pg_get_serial_sequence('person_match', 'pk')) + $1::BIGINT - 1)",
                    params![n as i64],
                )?
                .i64(0)?;
            let pks: Vec<i64> = (last - n as i64 + 1..=last).collect();
            Ok((code, first, pks))
        })?;
        let keyed = build_all(rows, office, &code, first, now);
        let import = ulid::Ulid::new().to_string();
        let office_id = office.to_string();
        let at = ts_text(now);
        let written = self.write(|tx| {
            check_documents(tx, rows, &keyed, &at)?;
            copy_all(
                tx,
                &format!("persons ({})", super::COLS),
                &keyed,
                |out, k| {
                    let p = &k.person;
                    let (id, created) = (p.id.to_string(), at.as_str());
                    row(
                        out,
                        &[
                            Some(&id),
                            Some(&office_id),
                            Some(&p.registry_no),
                            Some(&p.given_name),
                            Some(&p.family_name),
                            Some(&p.father_name),
                            p.birth_date.as_deref(),
                            Some(p.sex.code()),
                            Some(&p.nationality),
                            Some(created),
                            Some(&p.grandfather_name),
                            Some(&p.given_name_latin),
                            Some(&p.family_name_latin),
                            p.birth_date_precision.map(|d| d.code()),
                            Some(&p.phone),
                            Some(&p.province),
                            Some(&p.district),
                            Some(&p.address),
                            Some(p.status.code()),
                        ],
                    );
                },
                &|k| progress(k as u64),
            )?;
            copy_all(
                tx,
                "person_status_history (person_id, seq, status, at, actor, note)",
                &keyed,
                |out, k| {
                    let id = k.person.id.to_string();
                    row(
                        out,
                        &[
                            Some(&id),
                            Some("1"),
                            Some(k.person.status.code()),
                            Some(&at),
                            Some(ctx.actor.as_str()),
                            Some(""),
                        ],
                    );
                },
                &|_| {},
            )?;
            tx.exec(
                "INSERT INTO person_documents (id, person_id, office_id, kind, number, number_key, issuer, valid_from, valid_until, created_at) SELECT id, person_id, office_id, kind, number, number_key, issuer, valid_from, valid_until, created_at FROM import_documents",
                &[],
            )
            .map_err(|e| e.into_error("document.number.taken"))?;
            let matched: Vec<(&Keyed, i64)> = keyed.iter().zip(pks.iter().copied()).collect();
            copy_all(
                tx,
                "person_match (pk, person_id, office_id, given_name, family_name, father_name, birth, gender)",
                &matched,
                |out, (k, pk)| {
                    let (r, pk, id) = (&k.record, pk.to_string(), k.person.id.to_string());
                    row(
                        out,
                        &[
                            Some(&pk),
                            Some(&id),
                            Some(&office_id),
                            Some(&r.given_name),
                            Some(&r.family_name),
                            Some(&r.father_name),
                            Some(&r.birth_date),
                            Some(&r.gender),
                        ],
                    );
                },
                &|_| {},
            )?;
            let mut blocks: Vec<(i64, i64)> = matched
                .iter()
                .flat_map(|(k, pk)| k.hashes.iter().map(move |&h| (h, *pk)))
                .collect();
            blocks.sort_unstable();
            blocks.dedup();
            copy_all(
                tx,
                "person_match_blocks (key_hash, pk)",
                &blocks,
                |out, (h, pk)| {
                    let _ = writeln!(out, "{h}\t{pk}");
                },
                &|_| {},
            )?;
            let tokens: Vec<(&str, String)> = keyed
                .iter()
                .flat_map(|k| {
                    let id = k.person.id.to_string();
                    k.tokens.iter().map(move |t| (t.as_str(), id.clone()))
                })
                .collect();
            copy_all(
                tx,
                "person_name_tokens (token, office_id, person_id)",
                &tokens,
                |out, (t, id)| row(out, &[Some(*t), Some(&office_id), Some(id)]),
                &|_| {},
            )?;
            tx.exec(
                "INSERT INTO person_imports (id, office_id, actor, state, total, written, started_at, updated_at) VALUES ($1, $2, $3, 'done', $4, $4, $5, $6)",
                params![import.as_str(), office_id.as_str(), ctx.actor.as_str(), n as i64, now, tx.now()],
            )?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("person.import", "office", office_id.as_str()).with_details(
                    serde_json::json!({ "count": n, "import_id": import }),
                ),
            )?;
            Ok(n as u64)
        });
        if written.is_ok() {
            self.vacuum_match_tables();
        }
        if let Err(e) = &written {
            // Nothing was written; the refusal is audited as the SQLite path audits the
            // removal of a failed import (best effort: the store may be what failed).
            let ev = AuditEvent::new("person.import.removed", "office", office_id.as_str())
                .with_details(
                    serde_json::json!({ "import_id": import, "removed": 0, "code": e.code }),
                );
            if let Err(e) = self.write(|tx| audit::append(tx, ctx, &ev)) {
                tracing::warn!(import = %import, error = %e, "could not audit a failed import");
            }
        }
        written
    }
}

/// The persons of an import with their keys, numbered from `first`, built on every core.
fn build_all(
    rows: &[RegisterPerson],
    office: OfficeId,
    code: &str,
    first: i64,
    now: time::OffsetDateTime,
) -> Vec<Keyed> {
    daftar_domain::parallel::map_in_order(rows, |i, new| {
        let no = first + i as i64;
        Keyed::of(build(new, office, format!("{code}-{no:06}"), now))
    })
}

/// Copies the import's documents into the staging table `import_documents` (dropped at
/// commit) and refuses the import at the first row whose document is recorded already or
/// appears in an earlier row of the import.
fn check_documents(
    tx: &mut dyn Tx,
    rows: &[RegisterPerson],
    keyed: &[Keyed],
    at: &str,
) -> Result<()> {
    tx.batch(
        "CREATE TEMP TABLE import_documents (row_no BIGINT NOT NULL, LIKE person_documents) ON COMMIT DROP",
    )?;
    let docs: Vec<_> = rows
        .iter()
        .zip(keyed)
        .enumerate()
        .flat_map(|(i, (r, k))| r.documents().iter().map(move |d| (i + 1, k, d)))
        .collect();
    if docs.is_empty() {
        return Ok(());
    }
    copy_all(
        tx,
        "import_documents (row_no, id, person_id, office_id, kind, number, number_key, issuer, valid_from, valid_until, created_at)",
        &docs,
        |out, (i, k, d)| {
            let (no, id, person, office) = (
                i.to_string(),
                DocumentId::new().to_string(),
                k.person.id.to_string(),
                k.person.office_id.to_string(),
            );
            row(
                out,
                &[
                    Some(&no),
                    Some(&id),
                    Some(&person),
                    Some(&office),
                    Some(d.kind.code()),
                    Some(&d.number),
                    Some(&d.number_key),
                    Some(&d.issuer),
                    d.valid_from.as_deref(),
                    d.valid_until.as_deref(),
                    Some(at),
                ],
            );
        },
        &|_| {},
    )?;
    let taken = tx.query_opt(
        "SELECT min(row_no) FROM (SELECT s.row_no FROM import_documents s WHERE EXISTS (SELECT 1 FROM person_documents d WHERE d.kind = s.kind AND d.number_key = s.number_key) UNION ALL SELECT row_no FROM (SELECT row_no, row_number() OVER (PARTITION BY kind, number_key ORDER BY row_no) AS k FROM import_documents) t WHERE k > 1) bad HAVING count(*) > 0",
        &[],
    )?;
    match taken {
        Some(r) => Err(Error::conflict("document.number.taken")
            .with_field("document_number")
            .with_detail("row", serde_json::json!(r.i64(0)?))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_rows_escape_what_the_text_format_reads_specially() {
        let mut out = String::new();
        row(&mut out, &[Some("a\tb"), None, Some("c\\d\ne\r"), Some("")]);
        assert_eq!(out, "a\\tb\t\\N\tc\\\\d\\ne\\r\t\n");
    }
}
