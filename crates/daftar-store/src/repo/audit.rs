//! Audit rows: appended in the caller's transaction (so the event and the change commit
//! together), listed with filters, and verified in batches against the hash chain and the head.

use crate::sql::{Tx, Value, params};
use daftar_domain::Result;
use daftar_domain::audit::{
    AuditCtx, AuditEvent, AuditRecord, ChainBreak, GENESIS_HASH, record_hash, seal,
};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::store::AuditFilter;

const COLUMNS: &str = "seq, at, actor_id, actor, office_id, action, target_type, target_id, purpose, request_id, details, prev_hash, hash";

fn record(r: &crate::sql::Row) -> Result<AuditRecord> {
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

/// Appends one event to the chain inside `tx`.
pub fn append(tx: &mut dyn Tx, ctx: &AuditCtx, ev: &AuditEvent) -> Result<AuditRecord> {
    let head = tx.query_one(
        &format!(
            "SELECT seq, hash FROM audit_head WHERE id = 1{}",
            tx.dialect().for_update()
        ),
        &[],
    )?;
    let (seq, prev) = (head.i64(0)?, head.text(1)?);
    let rec = seal(seq + 1, tx.now(), ctx, ev, &prev);
    tx.exec(
        &format!("INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"),
        params![
            rec.seq,
            rec.at,
            rec.actor_id.map(|i| i.to_string()),
            rec.actor.as_str(),
            rec.office_id.map(|i| i.to_string()),
            rec.action.as_str(),
            rec.target_type.as_str(),
            rec.target_id.as_str(),
            rec.purpose.as_str(),
            rec.request_id.as_str(),
            rec.details.as_str(),
            rec.prev_hash.as_str(),
            rec.hash.as_str(),
        ],
    )?;
    tx.exec(
        "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
        params![rec.seq, rec.hash.as_str()],
    )?;
    Ok(rec)
}

/// Shorthand: append an event built from an action, target type and id.
pub fn log(
    tx: &mut dyn Tx,
    ctx: &AuditCtx,
    action: &str,
    target_type: &str,
    target_id: impl ToString,
) -> Result<AuditRecord> {
    append(tx, ctx, &AuditEvent::new(action, target_type, target_id))
}

/// Rows matching `filter`, newest first.
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
        args.push(format!("{}%", p.replace(['%', '_'], "")).into());
        clauses.push(format!("action LIKE ${}", args.len()));
    }
    let wh = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    super::paged(
        tx,
        COLUMNS,
        &format!("FROM audit_log{wh}"),
        "seq DESC",
        args,
        req,
        record,
    )
}

/// Rows to check per batch when verifying.
const BATCH: i64 = 2000;

/// Walks the chain from the start in batches (`next_batch(after_seq)` returns up to [`BATCH`]
/// rows with `seq > after_seq` in order) and checks links, hashes and the head.
pub fn verify(
    mut next_batch: impl FnMut(i64) -> Result<Vec<AuditRecord>>,
    head: (i64, String),
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
            prev_hash = r.hash.clone();
            expected += 1;
        }
    }
    let last = expected - 1;
    if head.0 != last || head.1 != prev_hash {
        return Ok(Err(ChainBreak {
            seq: last + 1,
            reason: "truncated",
        }));
    }
    Ok(Ok(u64::try_from(last).unwrap_or(0)))
}

/// One batch of rows after `after`.
pub fn batch_after(tx: &mut dyn Tx, after: i64) -> Result<Vec<AuditRecord>> {
    tx.query(
        &format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"),
        params![after, BATCH],
    )?
    .iter()
    .map(record)
    .collect()
}

/// The stored head (last seq and hash).
pub fn head(tx: &mut dyn Tx) -> Result<(i64, String)> {
    let r = tx.query_one("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?;
    Ok((r.i64(0)?, r.text(1)?))
}

impl daftar_domain::store::AuditStore for crate::SqlStore {
    fn append_audit(&self, ctx: &AuditCtx, ev: &AuditEvent) -> Result<AuditRecord> {
        self.write(|tx| append(tx, ctx, ev))
    }
    fn audit_page(&self, filter: &AuditFilter, page: PageRequest) -> Result<Page<AuditRecord>> {
        self.read(|tx| self::page(tx, filter, page))
    }
    fn verify_audit(&self) -> Result<Result<u64, ChainBreak>> {
        let head = self.read(head)?;
        verify(|after| self.read(|tx| batch_after(tx, after)), head)
    }
}
