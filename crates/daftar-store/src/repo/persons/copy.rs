//! The bulk import on PostgreSQL (issue 17.2): `COPY` instead of a statement per row, on two
//! connections at once.
//!
//! A first, short transaction reserves the import's registry numbers (the office's counter is
//! locked for a moment) and the matcher's row keys (`person_match`'s identity moved past one
//! range, the table locked against writers for a moment), and records the import as `running`.
//! The persons, their keys and search tokens are then built in memory, on every core. Two
//! streams copy them in at the same time, each on its own connection and in its own
//! transaction, so the server works on both cores: the persons (carrying the import's id),
//! their first status entries, matching rows and documents (copied into a staging table first
//! and checked there: a number recorded already, or twice in the import, is
//! `document.number.taken` with the first such row's `details.row`, 1-based), with the foreign
//! keys checked once for the import where the role may (`check_keys_once`) instead of once per
//! row; and the key rows (sorted by key, so the key index fills page by page). The search tokens
//! are shared out: each stream, once its own tables are in, copies chunks of them until none are
//! left, so both end at about the same time. Each table's rows go in one
//! `COPY` whose text is made on another thread while the server takes in the part before.
//! Neither stream commits before both have copied everything; the persons commit first. Then
//! the import is marked `done` and audited once (`person.import`). Until then every read hides
//! its persons (`person_visible!`), as on SQLite; an import that fails anywhere is removed
//! (audited `person.import.removed`), and one cut off (a killed process, a lost connection)
//! is removed later as a stale one, its persons hidden meanwhile: nothing is seen of an import
//! that did not finish.

use super::{Keyed, build, reserve_numbers};
use crate::SqlStore;
use crate::sql::{Tx, params, ts_text};
use daftar_domain::audit::AuditCtx;
use daftar_domain::ids::{DocumentId, OfficeId};
use daftar_domain::person::RegisterPerson;
use daftar_domain::{Error, Result};
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

/// How often a running import is marked alive (`person_imports.updated_at`): well under
/// [`daftar_domain::person::IMPORT_IDLE_LIMIT`].
const ALIVE: std::time::Duration = std::time::Duration::from_secs(60);

/// Rows (persons, for the search tokens) per piece of a `COPY`: two pieces' text is held in
/// memory at a time, and two streams share a table's copy piece by piece.
const CHUNK: usize = 10_000;

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
/// at most), so building the text and the server's work overlap. Once `stop` is set (the
/// import's other stream failed) no more chunks are sent and the copy fails.
fn copy_all<T: Sync>(
    tx: &mut dyn Tx,
    stop: &AtomicBool,
    target: &str,
    items: &[T],
    write: impl Fn(&mut String, &T) + Sync,
    done: &dyn Fn(usize),
) -> Result<()> {
    copy_shared(tx, stop, target, items, &AtomicUsize::new(0), write, done)
}

/// [`copy_all`] of the chunks of `items` not taken yet by another copy sharing `next` (the
/// next chunk's number): two streams' copies of one table, started at different times, end
/// together.
fn copy_shared<T: Sync>(
    tx: &mut dyn Tx,
    stop: &AtomicBool,
    target: &str,
    items: &[T],
    next: &AtomicUsize,
    write: impl Fn(&mut String, &T) + Sync,
    done: &dyn Fn(usize),
) -> Result<()> {
    let sql = format!("COPY {target} FROM STDIN");
    std::thread::scope(|s| {
        let (send, receive) = std::sync::mpsc::sync_channel::<(usize, Vec<u8>)>(1);
        let write = &write;
        s.spawn(move || {
            for chunk in take_chunks(items, CHUNK, next) {
                if stop.load(Ordering::SeqCst) {
                    return; // the other stream failed: this one ends its copy here
                }
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
        if stop.load(Ordering::SeqCst) {
            return Err(Error::store("the import's other stream failed"));
        }
        Ok(())
    })
}

/// The chunks of `size` items of `items` that no other taker sharing `next` (the next chunk's
/// number) has taken, in order: each chunk goes to exactly one taker.
fn take_chunks<'a, T>(
    items: &'a [T],
    size: usize,
    next: &'a AtomicUsize,
) -> impl Iterator<Item = &'a [T]> + 'a {
    std::iter::from_fn(move || items.chunks(size).nth(next.fetch_add(1, Ordering::SeqCst)))
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

    /// Whether this database role may turn off the per-row foreign-key triggers for a
    /// transaction (`session_replication_role`: a superuser, or on PostgreSQL 15 and later a
    /// role granted `SET` on it, docs/deploy.md); tried on a pooled connection outside any
    /// transaction and set back at once. Without it an import checks every row, as before
    /// (slower, as right). Public for the tests, which check which path an import takes.
    pub fn may_check_keys_once(&self) -> bool {
        let crate::Db::Postgres(d) = &self.db else {
            return false;
        };
        let tried = crate::postgres::outside_runtime(|| {
            d.outside_transaction(
                "SET session_replication_role = replica; RESET session_replication_role",
            )
        });
        if let Err(e) = &tried {
            tracing::info!(error = %e, "this role may not skip per-row foreign-key checks: an import checks every row");
        }
        tried.is_ok()
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
        let import = ulid::Ulid::new().to_string();
        let office_id = office.to_string();
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
            tx.exec(
                "INSERT INTO person_imports (id, office_id, actor, state, total, written, started_at, updated_at) VALUES ($1, $2, $3, 'running', $4, 0, $5, $5)",
                params![import.as_str(), office_id.as_str(), ctx.actor.as_str(), n as i64, now],
            )?;
            let pks: Vec<i64> = (last - n as i64 + 1..=last).collect();
            Ok((code, first, pks))
        })?;
        let set_checks = self.may_check_keys_once();
        let started = std::time::Instant::now();
        let keyed = build_all(rows, office, &code, first, now);
        tracing::debug!(
            seconds = started.elapsed().as_secs_f64(),
            persons = n,
            "built an import's rows"
        );
        let load = Load {
            ctx,
            import: &import,
            office_id: &office_id,
            at: ts_text(now),
            rows,
            keyed: &keyed,
            pks: &pks,
            set_checks,
            tokens_next: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            failed: AtomicU8::new(0),
        };
        let started = std::time::Instant::now();
        let written = self.copy_both(&load, progress).and_then(|()| {
            tracing::debug!(
                seconds = started.elapsed().as_secs_f64(),
                persons = n,
                "copied an import in"
            );
            self.write(|tx| super::finish_import(tx, ctx, &import, office, n))
        });
        match &written {
            Ok(_) => self.vacuum_match_tables(),
            // Best effort, as on SQLite: if this fails too (the store is down), the import is
            // removed later as a stale one; until then its persons are hidden.
            Err(cause) => {
                if let Err(e) = self.remove_import(ctx, &import, Some(cause.code)) {
                    tracing::warn!(import = %import, error = %e, "could not remove a failed import");
                }
            }
        }
        written
    }

    /// The import's two streams, each on a connection and in a transaction of its own, at the
    /// same time (the server's work on both cores): the persons with their first status
    /// entries, matching rows and documents, and the duplicate check's key rows and the search
    /// tokens (no foreign keys).
    /// Neither commits before both copied everything (either's error rolls back both); then
    /// the persons' commit comes first, so the derived rows never point at persons that do not
    /// exist. A failure between the two commits (or a killed process) leaves the persons
    /// hidden, their import `running`: removed with the rest of the failed import. Meanwhile
    /// the import is marked alive every [`ALIVE`] (a third connection), so that housekeeping
    /// never takes a long one for a stale one.
    fn copy_both(&self, load: &Load, progress: &(dyn Fn(u64) + Sync)) -> Result<()> {
        use std::sync::mpsc::{RecvTimeoutError, channel};
        let (finished, is_finished) = channel::<()>();
        std::thread::scope(|s| {
            s.spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = is_finished.recv_timeout(ALIVE) {
                    let alive = self.write(|tx| {
                        let at = tx.now();
                        Ok(tx.exec(
                            "UPDATE person_imports SET updated_at = $1 WHERE id = $2 AND state = 'running'",
                            params![at, load.import],
                        )?)
                    });
                    match alive {
                        Ok(1) => {}
                        // Removed meanwhile (taken for a stale one): the streams find out
                        // before they commit (`hold_running`).
                        Ok(_) => tracing::warn!(import = %load.import, "a running import was marked removed"),
                        Err(e) => tracing::warn!(import = %load.import, error = %e, "could not mark an import alive"),
                    }
                }
            });
            let _finished = finished;
            // Derived rows copied (or failed) → the persons' stream; its commit → the other.
            let (copied, is_copied) = channel::<bool>();
            let (committed, is_committed) = channel::<bool>();
            let derived = s.spawn(move || {
                self.write(move |tx| {
                    let done = load
                        .own(DERIVED, load.copy_derived(tx))
                        .and_then(|()| load.own(DERIVED, hold_running(tx, load.import)));
                    let _ = copied.send(done.is_ok());
                    done?;
                    match is_committed.recv() {
                        Ok(true) => Ok(()),
                        _ => Err(Error::store("the import's persons were not written")),
                    }
                })
            });
            let persons = self.write(move |tx| {
                load.own(PERSONS, load.copy_persons(tx, progress))?;
                match is_copied.recv() {
                    Ok(true) => load.own(PERSONS, hold_running(tx, load.import)),
                    _ => Err(Error::store(
                        "the import's key rows and search tokens were not written",
                    )),
                }
            });
            // A commit that failed stops the other stream as well.
            let persons = load.own(PERSONS, persons);
            let _ = committed.send(persons.is_ok());
            let derived = derived
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            let derived = load.own(DERIVED, derived);
            match (persons, derived) {
                (Ok(()), Ok(())) => Ok(()),
                // The stream that failed first says why; the other's error is a consequence.
                (Err(p), Err(d)) => {
                    if load.failed.load(Ordering::SeqCst) == DERIVED {
                        tracing::debug!(error = %p, "the persons' stream stopped");
                        Err(d)
                    } else {
                        tracing::debug!(error = %d, "the derived rows' stream stopped");
                        Err(p)
                    }
                }
                (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(e),
            }
        })
    }
}

/// The streams of an import, as [`Load::failed`] names them.
const PERSONS: u8 = 1;
/// See [`PERSONS`].
const DERIVED: u8 = 2;

/// Holds the import's record (a shared row lock, until commit) if it is still `running`:
/// another node's housekeeping, taking the import for a stale one, cannot mark it removed (and
/// delete its persons) between the two streams' commits, so no derived row is ever committed
/// for a person removed already; an import marked removed before is refused, `import.removed`.
fn hold_running(tx: &mut dyn Tx, import: &str) -> Result<()> {
    let state = tx
        .query_opt(
            "SELECT state FROM person_imports WHERE id = $1 FOR SHARE",
            params![import],
        )?
        .map(|r| r.text(0))
        .transpose()?;
    match state.as_deref() {
        Some("running") => Ok(()),
        _ => Err(Error::conflict("import.removed")),
    }
}

/// The persons' stream without PostgreSQL's per-row foreign-key checks, for this transaction
/// only (`session_replication_role = replica`: no ordinary trigger fires, and the foreign keys
/// are triggers; unique and check constraints are indexes and expressions, still enforced). What
/// those checks would prove is proved once instead, with the same locks they would take: the
/// office and the import exist and are held `FOR KEY SHARE` until commit (neither can be deleted
/// meanwhile); the status entries and documents point at persons copied in the same
/// transaction, by construction. Every row's check was most of the server's time for the status
/// entries (docs/benchmarks.md).
fn check_keys_once(tx: &mut dyn Tx, office_id: &str, import: &str) -> Result<()> {
    tx.batch("SET LOCAL session_replication_role = replica")?;
    let held = tx.query_many(&[
        (
            "SELECT 1 FROM offices WHERE id = $1 FOR KEY SHARE",
            params![office_id],
        ),
        (
            "SELECT 1 FROM person_imports WHERE id = $1 AND state = 'running' FOR KEY SHARE",
            params![import],
        ),
    ])?;
    match held.as_slice() {
        [office, _] if office.is_empty() => Err(Error::not_found("office.not_found")),
        [_, running] if running.is_empty() => Err(Error::conflict("import.removed")),
        [_, _] => Ok(()),
        _ => Err(Error::store("the import's keys were not checked")),
    }
}

/// What the two streams of an import copy.
struct Load<'a> {
    ctx: &'a AuditCtx,
    import: &'a str,
    office_id: &'a str,
    /// The persons' creation time, as `COPY` text.
    at: String,
    rows: &'a [RegisterPerson],
    keyed: &'a [Keyed],
    /// The persons' matching row keys, reserved, in the order of `keyed`.
    pks: &'a [i64],
    /// Whether the persons' stream checks its foreign keys once for the whole import instead of
    /// once per row ([`SqlStore::may_check_keys_once`]).
    set_checks: bool,
    /// The next chunk of persons whose search tokens neither stream has taken ([`copy_shared`]).
    tokens_next: AtomicUsize,
    /// Set when either stream failed: the other stops copying at its next chunk.
    stop: AtomicBool,
    /// The stream that failed first ([`PERSONS`] or [`DERIVED`]; 0 while none did).
    failed: AtomicU8,
}

impl Load<'_> {
    /// `done` of the stream `who`: a failure stops the other stream and is recorded if it is
    /// the first.
    fn own<T>(&self, who: u8, done: Result<T>) -> Result<T> {
        if done.is_err() {
            let _ = self
                .failed
                .compare_exchange(0, who, Ordering::SeqCst, Ordering::SeqCst);
            self.stop.store(true, Ordering::SeqCst);
        }
        done
    }

    /// The documents checked, then the persons (carrying the import's id, so hidden until it is
    /// done), their first status entries, their matching rows and their documents, then search
    /// tokens (shared with the other stream).
    fn copy_persons(&self, tx: &mut dyn Tx, progress: &(dyn Fn(u64) + Sync)) -> Result<()> {
        let (at, office_id, import) = (self.at.as_str(), self.office_id, self.import);
        if self.set_checks {
            check_keys_once(tx, office_id, import)?;
        }
        check_documents(tx, &self.stop, self.rows, self.keyed, at)?;
        copy_all(
            tx,
            &self.stop,
            &format!("persons ({}, import_id)", super::COLS),
            self.keyed,
            |out, k| {
                let p = &k.person;
                let id = p.id.to_string();
                row(
                    out,
                    &[
                        Some(&id),
                        Some(office_id),
                        Some(&p.registry_no),
                        Some(&p.given_name),
                        Some(&p.family_name),
                        Some(&p.father_name),
                        p.birth_date.as_deref(),
                        Some(p.sex.code()),
                        Some(&p.nationality),
                        Some(at),
                        Some(&p.grandfather_name),
                        Some(&p.given_name_latin),
                        Some(&p.family_name_latin),
                        p.birth_date_precision.map(|d| d.code()),
                        Some(&p.phone),
                        Some(&p.province),
                        Some(&p.district),
                        Some(&p.address),
                        Some(p.status.code()),
                        Some(import),
                    ],
                );
            },
            &|k| progress(k as u64),
        )?;
        copy_all(
            tx,
            &self.stop,
            "person_status_history (person_id, seq, status, at, actor, note)",
            self.keyed,
            |out, k| {
                let id = k.person.id.to_string();
                row(
                    out,
                    &[
                        Some(&id),
                        Some("1"),
                        Some(k.person.status.code()),
                        Some(at),
                        Some(self.ctx.actor.as_str()),
                        Some(""),
                    ],
                );
            },
            &|_| {},
        )?;
        self.copy_match(tx)?;
        tx.exec(
            "INSERT INTO person_documents (id, person_id, office_id, kind, number, number_key, issuer, valid_from, valid_until, created_at) SELECT id, person_id, office_id, kind, number, number_key, issuer, valid_from, valid_until, created_at FROM import_documents",
            &[],
        )
        .map_err(|e| e.into_error("document.number.taken"))?;
        self.copy_tokens(tx)
    }

    /// Each person with their reserved matching row key.
    fn matched(&self) -> impl Iterator<Item = (&Keyed, i64)> {
        self.keyed.iter().zip(self.pks.iter().copied())
    }

    /// The duplicate check's matching rows (one per person, in the persons' stream: the two
    /// streams' server work is then about even, docs/benchmarks.md).
    fn copy_match(&self, tx: &mut dyn Tx) -> Result<()> {
        let office_id = self.office_id;
        let matched: Vec<(&Keyed, i64)> = self.matched().collect();
        copy_all(
            tx,
            &self.stop,
            "person_match (pk, person_id, office_id, given_name, family_name, father_name, birth, gender)",
            &matched,
            |out, (k, pk)| {
                let (r, pk, id) = (&k.record, pk.to_string(), k.person.id.to_string());
                row(
                    out,
                    &[
                        Some(&pk),
                        Some(&id),
                        Some(office_id),
                        Some(&r.given_name),
                        Some(&r.family_name),
                        Some(&r.father_name),
                        Some(&r.birth_date),
                        Some(&r.gender),
                    ],
                );
            },
            &|_| {},
        )
    }

    /// The search tokens of the persons not taken yet by the other stream (both copy them once
    /// their own tables are in, so that neither waits long for the other at the end).
    fn copy_tokens(&self, tx: &mut dyn Tx) -> Result<()> {
        let office_id = self.office_id;
        copy_shared(
            tx,
            &self.stop,
            "person_name_tokens (token, office_id, person_id)",
            self.keyed,
            &self.tokens_next,
            |out, k| {
                let id = k.person.id.to_string();
                for t in &k.tokens {
                    row(out, &[Some(t), Some(office_id), Some(&id)]);
                }
            },
            &|_| {},
        )
    }

    /// The duplicate check's key rows (sorted by key, so the key index fills page by page) and
    /// the search tokens (shared with the persons' stream).
    fn copy_derived(&self, tx: &mut dyn Tx) -> Result<()> {
        let matched = self.matched();
        let mut blocks: Vec<(i64, i64)> = matched
            .flat_map(|(k, pk)| k.hashes.iter().map(move |&h| (h, pk)))
            .collect();
        blocks.sort_unstable();
        blocks.dedup();
        copy_all(
            tx,
            &self.stop,
            "person_match_blocks (key_hash, pk)",
            &blocks,
            |out, (h, pk)| {
                let _ = writeln!(out, "{h}\t{pk}");
            },
            &|_| {},
        )?;
        self.copy_tokens(tx)
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
    stop: &AtomicBool,
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
        stop,
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
    fn two_takers_sharing_chunks_take_each_once_in_order() {
        let items: Vec<u32> = (0..23).collect();
        let next = AtomicUsize::new(0);
        let (mut a, mut b) = (take_chunks(&items, 5, &next), take_chunks(&items, 5, &next));
        let mut taken = vec![];
        // One taker ahead, then the other, then alternating, as two streams' paces differ.
        for who in [0, 0, 1, 0, 1, 1, 0] {
            let chunk = if who == 0 { a.next() } else { b.next() };
            taken.push((who, chunk.map(<[u32]>::to_vec)));
        }
        let chunks: Vec<Vec<u32>> = taken.iter().filter_map(|(_, c)| c.clone()).collect();
        assert_eq!(chunks.concat(), items, "every item once, in order");
        assert_eq!(chunks.len(), 5);
        assert_eq!(
            taken[2],
            (1, Some(vec![10, 11, 12, 13, 14])),
            "the second taker starts where the first left off"
        );
        assert_eq!(taken[5].1, None, "nothing left after the last chunk");
        assert_eq!((a.next(), b.next()), (None, None));
    }

    #[test]
    fn copy_rows_escape_what_the_text_format_reads_specially() {
        let mut out = String::new();
        row(&mut out, &[Some("a\tb"), None, Some("c\\d\ne\r"), Some("")]);
        assert_eq!(out, "a\\tb\t\\N\tc\\\\d\\ne\\r\t\n");
    }
}
