//! The review queue of suspected duplicates: pairs are added by registration ("register
//! anyway") and by `daftar dedupe --db`; a reviewer merges (the merged record points to the one
//! kept and leaves lists, search and the duplicate check; nothing is deleted), marks the pair
//! distinct, or undoes a merge. Every step is audited.

use super::persons::{SUMMARY_COLS, summary};
use super::{audit, limit_offset};
use crate::SqlStore;
use crate::sql::{Row, Tx, Value, params};
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::ids::{OfficeId, SuspectId};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::{Permission, Reach};
use daftar_domain::person::{MatchReasons, PersonSummary};
use daftar_domain::review::{Decision, NewSuspect, Suspect, SuspectStatus};
use daftar_domain::{Error, Result};

const SUSPECT_COLS: &str = "id, person_a, person_b, score_milli, reasons, source, status, created_at, decided_by, survivor";

/// One side of a pair, as a summary (the queue shows no contact or address).
fn load_person(tx: &mut dyn Tx, id: &str) -> Result<PersonSummary> {
    let r = tx.query_one(
        &format!("SELECT {SUMMARY_COLS} FROM persons WHERE id = $1"),
        params![id],
    )?;
    summary(&r)
}

fn suspect(tx: &mut dyn Tx, r: &Row) -> Result<Suspect> {
    let reasons: MatchReasons = serde_json::from_str(&r.text(4)?)
        .map_err(|e| Error::store(format!("suspect reasons: {e}")))?;
    Ok(Suspect {
        id: r.parse(0)?,
        a: load_person(tx, &r.text(1)?)?,
        b: load_person(tx, &r.text(2)?)?,
        score: r.i64(3)? as f64 / 1000.0,
        reasons,
        source: r.text(5)?,
        status: SuspectStatus::parse(&r.text(6)?)?,
        created_at: r.ts(7)?,
        decided_by: r.text(8)?,
        survivor: r.opt_text(9)?.map(|s| s.parse()).transpose()?,
    })
}

/// The pair, if both persons are within `reach` (`review.not_found` otherwise).
fn load(tx: &mut dyn Tx, reach: &Reach, id: SuspectId) -> Result<Suspect> {
    let r = tx
        .query_opt(
            &format!("SELECT {SUSPECT_COLS} FROM duplicate_suspects WHERE id = $1"),
            params![id.to_string()],
        )?
        .ok_or_else(|| Error::not_found("review.not_found"))?;
    let s = suspect(tx, &r)?;
    let within = |o: OfficeId| reach.office_id().is_none_or(|r| r == o);
    if !(within(s.a.office_id) && within(s.b.office_id)) {
        return Err(Error::not_found("review.not_found"));
    }
    Ok(s)
}

fn require(reach: &Reach) -> Result<()> {
    if reach.permission() != Permission::PersonMerge {
        return Err(Error::forbidden("auth.forbidden"));
    }
    Ok(())
}

impl daftar_domain::store::ReviewStore for SqlStore {
    fn add_suspects(&self, ctx: &AuditCtx, pairs: &[NewSuspect]) -> Result<u64> {
        let now = self.now();
        self.write(|tx| {
            let mut added = 0;
            for p in pairs {
                if p.a == p.b {
                    continue;
                }
                let (a, b) = if p.a.to_string() < p.b.to_string() { (p.a, p.b) } else { (p.b, p.a) };
                let reasons = serde_json::to_string(&p.reasons)
                    .map_err(|e| Error::internal(e.to_string()))?;
                added += tx.exec(
                    "INSERT INTO duplicate_suspects (id, person_a, person_b, score_milli, reasons, source, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7) ON CONFLICT (person_a, person_b) DO NOTHING",
                    params![SuspectId::new().to_string(), a.to_string(), b.to_string(), (p.score * 1000.0).round() as i64, reasons, p.source, now],
                )?;
            }
            if added > 0 {
                audit::append(
                    tx,
                    ctx,
                    &AuditEvent::new("review.suspects.add", "review", "")
                        .with_details(serde_json::json!({ "added": added })),
                )?;
            }
            Ok(added)
        })
    }

    fn count_suspects(&self, reach: &Reach, status: SuspectStatus) -> Result<u64> {
        require(reach)?;
        let mut args: Vec<Value> = vec![status.code().into()];
        let office_filter = match reach.office_id() {
            Some(o) => {
                args.push(o.to_string().into());
                " AND a.office_id = $2 AND b.office_id = $2"
            }
            None => "",
        };
        self.read(|tx| {
            let n = tx
                .query_one(
                    &format!("SELECT COUNT(*) FROM duplicate_suspects s JOIN persons a ON a.id = s.person_a JOIN persons b ON b.id = s.person_b WHERE s.status = $1{office_filter}"),
                    &args,
                )?
                .i64(0)?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    fn list_suspects(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        status: SuspectStatus,
        req: PageRequest,
    ) -> Result<Page<Suspect>> {
        require(reach)?;
        let req = req.clamped();
        let (limit, offset) = limit_offset(req);
        let mut args: Vec<Value> = vec![status.code().into()];
        let office_filter = match reach.office_id() {
            Some(o) => {
                args.push(o.to_string().into());
                " AND a.office_id = $2 AND b.office_id = $2"
            }
            None => "",
        };
        let from = format!(
            "FROM duplicate_suspects s JOIN persons a ON a.id = s.person_a JOIN persons b ON b.id = s.person_b WHERE s.status = $1{office_filter}"
        );
        self.write(|tx| {
            let total = tx.query_one(&format!("SELECT COUNT(*) {from}"), &args)?.i64(0)?;
            let n = args.len();
            let mut page_args = args.clone();
            page_args.push(limit.into());
            page_args.push(offset.into());
            let cols: Vec<String> = SUSPECT_COLS.split(", ").map(|c| format!("s.{c}")).collect();
            let rows = tx.query(
                &format!("SELECT {} {from} ORDER BY s.score_milli DESC, s.created_at, s.id LIMIT ${} OFFSET ${}", cols.join(", "), n + 1, n + 2),
                &page_args,
            )?;
            let items = rows.iter().map(|r| suspect(tx, r)).collect::<Result<Vec<_>>>()?;
            let ids: Vec<String> = items.iter().map(|s| s.id.to_string()).collect();
            // The persons of the pairs shown (their access logs list this page).
            let persons: Vec<String> =
                items.iter().flat_map(|s| [s.a.id.to_string(), s.b.id.to_string()]).collect();
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("review.list", "review", reach.office_id().map(|o| o.to_string()).unwrap_or_default())
                    .with_details(serde_json::json!({ "status": status.code(), "suspects": ids, "persons": persons })),
            )?;
            Ok(Page { items, page: req.page, per_page: req.per_page, total: u64::try_from(total).unwrap_or(0) })
        })
    }

    fn decide_suspect(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        id: SuspectId,
        decision: Decision,
    ) -> Result<Suspect> {
        require(reach)?;
        let now = self.now();
        self.write(|tx| {
            let s = load(tx, reach, id)?;
            if s.status != SuspectStatus::Open {
                return Err(Error::conflict("review.decided"));
            }
            match decision.check_pair(s.a.id, s.b.id)? {
                Decision::Distinct => {
                    tx.exec(
                        "UPDATE duplicate_suspects SET status = 'distinct', decided_by = $1, decided_at = $2 WHERE id = $3",
                        params![ctx.actor.as_str(), now, id.to_string()],
                    )?;
                    audit::log(tx, ctx, "review.distinct", "review", id)?;
                }
                Decision::Merge { survivor } => {
                    let merged = if survivor == s.a.id { s.b.id } else { s.a.id };
                    let already = tx.query_one(
                        "SELECT COUNT(*) FROM persons WHERE id IN ($1, $2) AND merged_into IS NOT NULL",
                        params![survivor.to_string(), merged.to_string()],
                    )?;
                    if already.i64(0)? > 0 {
                        return Err(Error::conflict("review.already_merged"));
                    }
                    tx.exec(
                        "UPDATE persons SET merged_into = $1 WHERE id = $2",
                        params![survivor.to_string(), merged.to_string()],
                    )?;
                    tx.exec("UPDATE person_match SET merged = 1 WHERE person_id = $1", params![merged.to_string()])?;
                    tx.exec(
                        "INSERT INTO person_merges (suspect_id, survivor, merged, at, actor) VALUES ($1, $2, $3, $4, $5)",
                        params![id.to_string(), survivor.to_string(), merged.to_string(), now, ctx.actor.as_str()],
                    )?;
                    tx.exec(
                        "UPDATE duplicate_suspects SET status = 'merged', decided_by = $1, decided_at = $2, survivor = $3 WHERE id = $4",
                        params![ctx.actor.as_str(), now, survivor.to_string(), id.to_string()],
                    )?;
                    audit::append(
                        tx,
                        ctx,
                        &AuditEvent::new("review.merge", "review", id).with_details(serde_json::json!({
                            "survivor": survivor.to_string(),
                            "merged": merged.to_string(),
                        })),
                    )?;
                }
            }
            load(tx, reach, id)
        })
    }

    fn unmerge(&self, ctx: &AuditCtx, reach: &Reach, id: SuspectId) -> Result<Suspect> {
        require(reach)?;
        let now = self.now();
        self.write(|tx| {
            let s = load(tx, reach, id)?;
            if s.status != SuspectStatus::Merged {
                return Err(Error::conflict("review.not_merged"));
            }
            let r = tx
                .query_opt(
                    "SELECT merged FROM person_merges WHERE suspect_id = $1 AND undone_at IS NULL",
                    params![id.to_string()],
                )?
                .ok_or_else(|| Error::conflict("review.not_merged"))?;
            let merged = r.text(0)?;
            tx.exec("UPDATE persons SET merged_into = NULL WHERE id = $1", params![merged.as_str()])?;
            tx.exec("UPDATE person_match SET merged = 0 WHERE person_id = $1", params![merged.as_str()])?;
            tx.exec(
                "UPDATE person_merges SET undone_at = $1, undone_by = $2 WHERE suspect_id = $3 AND undone_at IS NULL",
                params![now, ctx.actor.as_str(), id.to_string()],
            )?;
            tx.exec(
                "UPDATE duplicate_suspects SET status = 'open', decided_by = '', decided_at = NULL, survivor = NULL WHERE id = $1",
                params![id.to_string()],
            )?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("review.unmerge", "review", id)
                    .with_details(serde_json::json!({ "merged": merged })),
            )?;
            load(tx, reach, id)
        })
    }

    fn dedupe_persons(
        &self,
        ctx: &AuditCtx,
        office: Option<OfficeId>,
    ) -> Result<Vec<PersonSummary>> {
        self.write(|tx| {
            let rows = match office {
                Some(o) => tx.query(
                    &format!(
                        "SELECT {SUMMARY_COLS} FROM persons WHERE merged_into IS NULL AND office_id = $1 AND {}",
                        person_visible!()
                    ),
                    params![o.to_string()],
                )?,
                None => tx.query(
                    &format!("SELECT {SUMMARY_COLS} FROM persons WHERE merged_into IS NULL AND {}", person_visible!()),
                    &[],
                )?,
            };
            let persons = rows.iter().map(summary).collect::<Result<Vec<_>>>()?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new(
                    "person.dedupe.read",
                    "office",
                    office.map(|o| o.to_string()).unwrap_or_default(),
                )
                .with_details(serde_json::json!({ "count": persons.len() })),
            )?;
            Ok(persons)
        })
    }
}
