//! Audit rows: appended unsealed in the caller's transaction (so the event and the change commit
//! together, and no shared row is locked), sealed into the hash chain by a single sealer in
//! batches, listed with filters (the waiting rows with the sealed ones), verified in batches
//! against the hash chain, the head and the kept checkpoints.
//!
//! Sealing (docs/adr/0002-audit-sealing.md): one sealer at a time across nodes (on PostgreSQL the
//! transaction-scoped advisory lock [`SEALER_LOCK`]; a second sealer finds it taken and does
//! nothing; on SQLite the single writer serialises). It takes the waiting rows whose writing
//! transaction is older than every transaction still open — on PostgreSQL `txid` below the
//! snapshot's `xmin`, so no row can still appear before them —, in (`txid`, `id`) order, gives
//! them the next sequence numbers and hashes ([`record_hash`]), inserts them into `audit_log`,
//! deletes them from `audit_pending` and moves the head, all in one transaction: a sealer killed
//! at any point leaves either all of a batch sealed or none of it.

use crate::sql::{Row, Tx, Value, params};
use daftar_domain::audit::{
    AccessEntry, AuditCheckpoint, AuditCtx, AuditEvent, AuditHead, AuditRecord, ChainBreak,
    GENESIS_HASH, SealReport, canonical_details, record_hash, truncate_ms,
};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::store::AuditFilter;
use daftar_domain::{Error, Result};
use std::collections::BTreeMap;

const COLUMNS: &str = "seq, at, actor_id, actor, office_id, action, target_type, target_id, purpose, request_id, details, prev_hash, hash";

/// The fields an action writes (everything but the chain's).
const FIELDS: &str =
    "at, actor_id, actor, office_id, action, target_type, target_id, purpose, request_id, details";

/// PostgreSQL advisory lock key of the sealer (the migrator's is 71842).
pub const SEALER_LOCK: i64 = 71843;

/// How long `verify_audit` waits for the rows waiting when it starts to be sealed.
pub const DRAIN_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Rows sealed per transaction.
pub const SEAL_BATCH: i64 = 1000;

/// Rows per `INSERT` statement when sealing (13 parameters each).
const INSERT_CHUNK: usize = 250;

fn record(r: &Row) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: r.i64(0)?,
        at: r.ts(1)?,
        actor_id: r.opt_parse(2)?,
        actor: r.text(3)?,
        office_id: r.opt_parse(4)?,
        action: r.text(5)?,
        target_type: r.text(6)?,
        target_id: r.text(7)?,
        purpose: r.text(8)?,
        request_id: r.text(9)?,
        details: r.text(10)?,
        prev_hash: r.text(11)?,
        hash: r.text(12)?,
    })
}

/// Appends one event, unsealed, inside `tx` (the sealer puts it into the chain). The row is
/// deferred ([`Tx::defer`]): on PostgreSQL it travels with the transaction's next statement or
/// its `COMMIT`, and commits with the change it describes or not at all.
pub fn append(tx: &mut dyn Tx, ctx: &AuditCtx, ev: &AuditEvent) -> Result<()> {
    let at = truncate_ms(tx.now());
    tx.defer(
        &format!(
            "INSERT INTO audit_pending (txid, {FIELDS}) VALUES ({}, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            tx.dialect().current_txid()
        ),
        params![
            at,
            ctx.actor_id.map(|i| i.to_string()),
            ctx.actor.as_str(),
            ctx.office_id.map(|i| i.to_string()),
            ev.action.as_str(),
            ev.target_type.as_str(),
            ev.target_id.as_str(),
            ctx.purpose.as_str(),
            ctx.request_id.as_str(),
            canonical_details(&ev.details),
        ],
    )?;
    Ok(())
}

/// Appends many events, unsealed, inside `tx`, with one statement (deferred as [`append`]):
/// the audit rows of a batch of requests ([`super::read_watch::count_reads`]).
pub fn append_all(tx: &mut dyn Tx, events: &[(&AuditCtx, AuditEvent)]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let at = truncate_ms(tx.now());
    let rows: Vec<serde_json::Value> = events
        .iter()
        .map(|(ctx, ev)| {
            serde_json::json!({
                "actor_id": ctx.actor_id.map(|i| i.to_string()),
                "actor": ctx.actor,
                "office_id": ctx.office_id.map(|i| i.to_string()),
                "action": ev.action,
                "target_type": ev.target_type,
                "target_id": ev.target_id,
                "purpose": ctx.purpose,
                "request_id": ctx.request_id,
                "details": canonical_details(&ev.details),
            })
        })
        .collect();
    let columns = [
        ("actor_id", "text"),
        ("actor", "text"),
        ("office_id", "text"),
        ("action", "text"),
        ("target_type", "text"),
        ("target_id", "text"),
        ("purpose", "text"),
        ("request_id", "text"),
        ("details", "text"),
    ];
    tx.defer(
        &format!(
            "INSERT INTO audit_pending (txid, {FIELDS}) SELECT {}, $2, x.actor_id, x.actor, x.office_id, x.action, x.target_type, x.target_id, x.purpose, x.request_id, x.details FROM {}",
            tx.dialect().current_txid(),
            super::rows_from_json(tx.dialect(), &columns)
        ),
        params![serde_json::Value::from(rows).to_string(), at],
    )?;
    Ok(())
}

/// Shorthand: append an event built from an action, target type and id.
pub fn log(
    tx: &mut dyn Tx,
    ctx: &AuditCtx,
    action: &str,
    target_type: &str,
    target_id: impl ToString,
) -> Result<()> {
    append(tx, ctx, &AuditEvent::new(action, target_type, target_id))
}

/// Rows matching `filter`, newest first: the waiting rows (`seq` 0, no hashes) before the
/// sealed ones.
pub fn page(tx: &mut dyn Tx, filter: &AuditFilter, req: PageRequest) -> Result<Page<AuditRecord>> {
    let mut clauses = vec![];
    let mut args: Vec<Value> = vec![];
    if let Some(a) = filter.actor_id {
        args.push(a.to_string().into());
        clauses.push(format!("actor_id = ${}", args.len()));
    }
    if let Some(o) = filter.office_id {
        args.push(o.to_string().into());
        clauses.push(format!("office_id = ${}", args.len()));
    }
    if let Some(p) = filter.action_prefix.as_ref().filter(|p| !p.is_empty()) {
        // `%` and `_` in the prefix are matched as themselves (`person.medical_needs`).
        let escaped = p
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        args.push(format!("{escaped}%").into());
        clauses.push(format!("action LIKE ${} ESCAPE '\\'", args.len()));
    }
    let wh = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    let both = format!(
        "(SELECT {COLUMNS}, 0 AS waiting FROM audit_log{wh} \
         UNION ALL SELECT 0, {FIELDS}, '', '', id FROM audit_pending{wh}) a"
    );
    super::paged(
        tx,
        COLUMNS,
        &format!("FROM {both}"),
        "waiting DESC, seq DESC",
        args,
        req,
        record,
    )
}

/// Which audit rows concern person `$1` of office `$2` ([`access_log`]): `$3` is the person's
/// id as it appears in a list's details (`%"id"%`), `$4` when they were registered. Lists of
/// the office (persons, cases, households, notices, the duplicate review) name the persons they
/// showed in their details; so do help-desk lists, whichever office (or the authority, `all`)
/// listed them: a complaint about another office, or a ticket forwarded to one, is listed there
/// with the complainant's name. Left out: the person's own look at their
/// help-desk page (`helpdesk.own`), and every row of an anonymous complaint, so that a log
/// printed at the office complained about cannot tell who complained.
const ABOUT_PERSON: &str = "(target_type = 'person' AND target_id = $1 AND action <> 'helpdesk.own') \
     OR (target_type = 'case' AND target_id IN (SELECT id FROM cases WHERE person_id = $1 UNION SELECT case_id FROM case_members WHERE person_id = $1)) \
     OR (target_type = 'credential' AND target_id IN (SELECT id FROM credentials WHERE person_id = $1)) \
     OR (target_type = 'household' AND target_id IN (SELECT household_id FROM household_members WHERE person_id = $1)) \
     OR (target_type = 'referral' AND target_id IN (SELECT id FROM referrals WHERE person_id = $1)) \
     OR (target_type = 'office' AND target_id = $2 AND action IN ('person.list', 'person.search', 'person.candidates', 'round.not_seen', 'case.list', 'household.list', 'notify.list') AND details LIKE $3) \
     OR (target_type = 'office' AND action = 'helpdesk.list' AND details LIKE $3) \
     OR (target_type = 'review' AND target_id IN ($2, '') AND action = 'review.list' AND details LIKE $3) \
     OR (target_type = 'helpdesk_ticket' AND target_id IN (SELECT id FROM helpdesk_tickets WHERE person_id = $1 AND NOT anonymous)) \
     OR (target_type = 'office' AND target_id = $2 AND action = 'person.export' AND at >= $4)";

/// A person's access log, newest first (sealed and waiting rows alike), with the acting
/// office and role but not the acting user.
pub fn access_log(
    tx: &mut dyn Tx,
    person: &str,
    office: &str,
    registered: time::OffsetDateTime,
    req: PageRequest,
) -> Result<Page<AccessEntry>> {
    let from = format!(
        "FROM (SELECT at, office_id, actor_id, action, purpose FROM audit_log WHERE {ABOUT_PERSON} \
         UNION ALL SELECT at, office_id, actor_id, action, purpose FROM audit_pending WHERE {ABOUT_PERSON}) a \
         LEFT JOIN offices o ON o.id = a.office_id LEFT JOIN users u ON u.id = a.actor_id"
    );
    super::paged(
        tx,
        "a.at, COALESCE(o.code, ''), COALESCE(o.name_fa, ''), COALESCE(o.name_en, ''), COALESCE(u.role, ''), a.purpose, a.action",
        &from,
        "a.at DESC, a.action",
        params![person, office, format!("%\"{person}\"%"), registered].to_vec(),
        req,
        |r| {
            Ok(AccessEntry {
                at: r.ts(0)?,
                office_code: r.text(1)?,
                office_name_fa: r.text(2)?,
                office_name_en: r.text(3)?,
                role: r.text(4)?,
                purpose: r.text(5)?,
                action: r.text(6)?,
            })
        },
    )
}

/// One sealing transaction: up to `limit` rows that can no longer be overtaken go into the
/// chain. Returns (rows sealed, longest wait in ms, whether this sealer held the lock).
pub fn seal_batch(tx: &mut dyn Tx, limit: i64) -> Result<(u64, i64, bool)> {
    let horizon = match tx.dialect() {
        crate::sql::Dialect::Sqlite => i64::MAX,
        crate::sql::Dialect::Postgres => {
            // Every transaction with an id below the snapshot's xmin has ended, so no row with
            // such a txid can still appear: those rows may be sealed for good.
            let r = tx.query_one(
                "SELECT pg_try_advisory_xact_lock($1), pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
                params![SEALER_LOCK],
            )?;
            if !r.bool(0)? {
                return Ok((0, 0, false));
            }
            r.i64(1)?
        }
    };
    let rows = tx.query(
        &format!(
            "SELECT id, txid, {FIELDS} FROM audit_pending WHERE txid < $1 ORDER BY txid, id LIMIT $2"
        ),
        params![horizon, limit],
    )?;
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Ok((0, 0, true));
    };
    let (first_txid, last_txid, last_id) = (first.i64(1)?, last.i64(1)?, last.i64(0)?);
    let head = tx.query_one(
        &format!(
            "SELECT seq, hash FROM audit_head WHERE id = 1{}",
            tx.dialect().for_update()
        ),
        &[],
    )?;
    let (mut seq, mut prev) = (head.i64(0)?, head.text(1)?);
    let now = tx.now();
    let mut longest = 0i64;
    let mut sealed = Vec::with_capacity(rows.len());
    for r in &rows {
        seq += 1;
        let mut rec = AuditRecord {
            seq,
            at: r.ts(2)?,
            actor_id: r.opt_parse(3)?,
            actor: r.text(4)?,
            office_id: r.opt_parse(5)?,
            action: r.text(6)?,
            target_type: r.text(7)?,
            target_id: r.text(8)?,
            purpose: r.text(9)?,
            request_id: r.text(10)?,
            details: r.text(11)?,
            prev_hash: prev,
            hash: String::new(),
        };
        rec.hash = record_hash(&rec);
        prev = rec.hash.clone();
        longest = longest.max(i64::try_from((now - rec.at).whole_milliseconds()).unwrap_or(0));
        sealed.push(rec);
    }
    for chunk in sealed.chunks(INSERT_CHUNK) {
        let mut values = Vec::with_capacity(chunk.len());
        let mut args: Vec<Value> = Vec::with_capacity(chunk.len() * 13);
        for rec in chunk {
            let n = args.len();
            values.push(format!(
                "({})",
                (1..=13)
                    .map(|i| format!("${}", n + i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            args.extend([
                rec.seq.into(),
                rec.at.into(),
                rec.actor_id.map(|i| i.to_string()).into(),
                rec.actor.as_str().into(),
                rec.office_id.map(|i| i.to_string()).into(),
                rec.action.as_str().into(),
                rec.target_type.as_str().into(),
                rec.target_id.as_str().into(),
                rec.purpose.as_str().into(),
                rec.request_id.as_str().into(),
                rec.details.as_str().into(),
                rec.prev_hash.as_str().into(),
                rec.hash.as_str().into(),
            ]);
        }
        tx.exec(
            &format!(
                "INSERT INTO audit_log ({COLUMNS}) VALUES {}",
                values.join(", ")
            ),
            &args,
        )?;
    }
    // Exactly the rows read: the first `limit` in (txid, id) order below the horizon, where no
    // row can appear any more.
    let deleted = tx.exec(
        "DELETE FROM audit_pending WHERE txid >= $1 AND txid < $2 AND (txid < $3 OR (txid = $3 AND id <= $4))",
        params![first_txid, horizon, last_txid, last_id],
    )?;
    if deleted != rows.len() as u64 {
        return Err(Error::store(format!(
            "audit sealer: read {} waiting rows but would remove {deleted}",
            rows.len()
        )));
    }
    tx.exec(
        "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
        params![seq, prev.as_str()],
    )?;
    Ok((rows.len() as u64, longest, true))
}

/// Rows waiting for the sealer.
pub fn waiting(tx: &mut dyn Tx) -> Result<u64> {
    Ok(u64::try_from(
        tx.query_one("SELECT COUNT(*) FROM audit_pending", &[])?
            .i64(0)?,
    )
    .unwrap_or(0))
}

/// Rows to check per batch when verifying.
const BATCH: i64 = 2000;

/// Walks the chain from the start up to `head` in batches (`next_batch(after_seq)` returns up
/// to [`BATCH`] rows with `after_seq < seq <= head.seq` in order) and checks links, hashes, the
/// head and the `anchors` (sequence number → hash, from checkpoints).
pub fn verify(
    mut next_batch: impl FnMut(i64) -> Result<Vec<AuditRecord>>,
    head: &AuditHead,
    anchors: &BTreeMap<i64, String>,
) -> Result<Result<u64, ChainBreak>> {
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut expected = 1i64;
    loop {
        let batch = next_batch(expected - 1)?;
        if batch.is_empty() {
            break;
        }
        for r in &batch {
            if r.seq != expected {
                return Ok(Err(ChainBreak {
                    seq: expected,
                    reason: "deleted",
                }));
            }
            if r.prev_hash != prev_hash {
                return Ok(Err(ChainBreak {
                    seq: r.seq,
                    reason: "relinked",
                }));
            }
            if record_hash(r) != r.hash {
                return Ok(Err(ChainBreak {
                    seq: r.seq,
                    reason: "edited",
                }));
            }
            if anchors.get(&r.seq).is_some_and(|h| *h != r.hash) {
                return Ok(Err(ChainBreak {
                    seq: r.seq,
                    reason: "rewritten",
                }));
            }
            prev_hash = r.hash.clone();
            expected += 1;
        }
    }
    let last = expected - 1;
    if head.seq != last || head.hash != prev_hash {
        return Ok(Err(ChainBreak {
            seq: last + 1,
            reason: "truncated",
        }));
    }
    if let Some((&seq, _)) = anchors.range(last + 1..).next() {
        return Ok(Err(ChainBreak {
            seq,
            reason: "truncated",
        }));
    }
    Ok(Ok(u64::try_from(last).unwrap_or(0)))
}

/// One batch of rows after `after`, up to `upto`.
pub fn batch_after(tx: &mut dyn Tx, after: i64, upto: i64) -> Result<Vec<AuditRecord>> {
    tx.query(
        &format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3"
        ),
        params![after, upto, BATCH],
    )?
    .iter()
    .map(record)
    .collect()
}

/// The stored head (last seq and hash).
pub fn head(tx: &mut dyn Tx) -> Result<AuditHead> {
    let r = tx.query_one("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?;
    Ok(AuditHead {
        seq: r.i64(0)?,
        hash: r.text(1)?,
    })
}

fn checkpoint(r: &Row) -> Result<AuditCheckpoint> {
    Ok(AuditCheckpoint {
        seq: r.i64(0)?,
        hash: r.text(1)?,
        signed_at: r.ts(2)?,
        kid: r.text(3)?,
        signed: r.text(4)?,
    })
}

impl daftar_domain::store::AuditStore for crate::SqlStore {
    fn append_audit(&self, ctx: &AuditCtx, ev: &AuditEvent) -> Result<()> {
        self.write(|tx| append(tx, ctx, ev))
    }
    fn audit_page(&self, filter: &AuditFilter, page: PageRequest) -> Result<Page<AuditRecord>> {
        self.read(|tx| self::page(tx, filter, page))
    }
    fn person_access_log(
        &self,
        ctx: &AuditCtx,
        scope: &daftar_domain::permission::OfficeScope,
        person: daftar_domain::ids::PersonId,
        page: PageRequest,
    ) -> Result<Page<AccessEntry>> {
        scope.require(daftar_domain::permission::Permission::PersonRead)?;
        let (id, office) = (person.to_string(), scope.office_id().to_string());
        self.write(|tx| {
            let registered = tx
                .query_opt(
                    "SELECT created_at FROM persons WHERE id = $1 AND office_id = $2",
                    params![id.as_str(), office.as_str()],
                )?
                .ok_or_else(|| Error::not_found("person.not_found"))?
                .ts(0)?;
            let entries = access_log(tx, &id, &office, registered, page)?;
            log(tx, ctx, "person.access_log", "person", &id)?;
            Ok(entries)
        })
    }
    fn shared_access_log(
        &self,
        ctx: &AuditCtx,
        share: daftar_domain::ids::ShareCodeId,
        checked_at: time::OffsetDateTime,
        page: PageRequest,
    ) -> Result<Page<AccessEntry>> {
        let share = share.to_string();
        let checked_at = truncate_ms(checked_at);
        self.write(|tx| {
            let since =
                tx.now() - time::Duration::minutes(daftar_domain::store::SHARED_LOG_MINUTES);
            let (id, office, registered) = tx
                .query_opt(
                    "SELECT p.id, p.office_id, p.created_at FROM share_codes s \
                     JOIN persons p ON p.id = s.person_id \
                     WHERE s.id = $1 AND s.verifier = 'office' AND s.cancelled_at IS NULL \
                     AND EXISTS (SELECT 1 FROM share_checks c WHERE c.share_id = s.id \
                                 AND c.outcome = 'shown' AND c.at = $2 AND c.at >= $3)",
                    params![share.as_str(), checked_at, since],
                )?
                .map(|r| Ok::<_, Error>((r.text(0)?, r.text(1)?, r.ts(2)?)))
                .transpose()?
                .ok_or_else(|| Error::not_found("share.not_found"))?;
            let entries = access_log(tx, &id, &office, registered, page)?;
            log(tx, ctx, "person.access_log", "person", &id)?;
            Ok(entries)
        })
    }
    fn seal_audit(&self) -> Result<SealReport> {
        let mut report = SealReport {
            ran: true,
            ..SealReport::default()
        };
        loop {
            let (n, longest, ran) = self.write(|tx| seal_batch(tx, SEAL_BATCH))?;
            report.ran &= ran;
            report.sealed += n;
            report.longest_wait_ms = report.longest_wait_ms.max(longest);
            if !ran || n < SEAL_BATCH as u64 {
                break;
            }
        }
        report.waiting = self.read(waiting)?;
        Ok(report)
    }
    fn drain_audit(&self, wait: std::time::Duration) -> Result<SealReport> {
        let started = std::time::Instant::now();
        let last: i64 = self.read(|tx| {
            tx.query_one("SELECT COALESCE(MAX(id), 0) FROM audit_pending", &[])?
                .i64(0)
        })?;
        let mut report = SealReport::default();
        loop {
            let r = self.seal_audit()?;
            report.sealed += r.sealed;
            report.longest_wait_ms = report.longest_wait_ms.max(r.longest_wait_ms);
            report.ran |= r.ran;
            report.waiting = r.waiting;
            let left = self.read(|tx| {
                tx.query_one(
                    "SELECT COUNT(*) FROM audit_pending WHERE id <= $1",
                    params![last],
                )?
                .i64(0)
            })?;
            if left == 0 || started.elapsed() >= wait {
                return Ok(report);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
    fn audit_head(&self) -> Result<AuditHead> {
        self.read(head)
    }
    fn audit_hash_at(&self, seq: i64) -> Result<Option<String>> {
        self.read(|tx| {
            tx.query_opt("SELECT hash FROM audit_log WHERE seq = $1", params![seq])?
                .map(|r| r.text(0))
                .transpose()
        })
    }
    fn record_audit_checkpoint(&self, cp: &AuditCheckpoint) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO audit_checkpoints (id, seq, hash, signed_at, kid, signed) VALUES ($1, $2, $3, $4, $5, $6)",
                params![
                    ulid::Ulid::new().to_string(),
                    cp.seq,
                    cp.hash.as_str(),
                    cp.signed_at,
                    cp.kid.as_str(),
                    cp.signed.as_str(),
                ],
            )?;
            Ok(())
        })
    }
    fn audit_checkpoints(&self, limit: u32) -> Result<Vec<AuditCheckpoint>> {
        self.read(|tx| {
            tx.query(
                "SELECT seq, hash, signed_at, kid, signed FROM audit_checkpoints ORDER BY seq DESC, signed_at DESC LIMIT $1",
                params![i64::from(limit)],
            )?
            .iter()
            .map(checkpoint)
            .collect()
        })
    }
    fn verify_audit(&self) -> Result<Result<u64, ChainBreak>> {
        self.drain_audit(DRAIN_WAIT)?;
        let (head, anchors) = self.read(|tx| {
            let head = head(tx)?;
            let anchors = tx
                .query("SELECT seq, hash FROM audit_checkpoints", &[])?
                .iter()
                .map(|r| Ok((r.i64(0)?, r.text(1)?)))
                .collect::<Result<BTreeMap<_, _>>>()?;
            Ok((head, anchors))
        })?;
        verify(
            |after| self.read(|tx| batch_after(tx, after, head.seq)),
            &head,
            &anchors,
        )
    }
}
