//! The notifications outbox: `NotifyStore` (rules in `daftar_domain::notify`), and
//! [`enqueue`] / [`cancel`], which the events call inside their own transactions (a round
//! opened, an appointment booked, a case decided, a credential issued), so a notice exists if
//! and only if its event committed.
//!
//! Claims: a worker takes due rows in one transaction (`status = 'sending'`, `claimed_by`,
//! `claimed_at`, one more attempt); on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so workers on
//! several nodes take disjoint rows; SQLite has one writer. A row left `sending` (the worker
//! died between the transport and `finish_notices`) is claimed again by the same worker name at
//! once, or by any worker after the lease; the worker then asks its transport whether it was
//! delivered before sending it again (see `daftar_web::notify`).

use super::audit;
use crate::SqlStore;
use crate::sql::{Dialect, Row, Tx, Value, params};
use daftar_domain::audit::{AuditCtx, AuditEvent, truncate_ms};
use daftar_domain::ids::PersonId;
use daftar_domain::notify::{
    Claimed, Filter, Kind, NewNotice, Notice, OfficeCount, Outcome, Prefs, Recipient, Status,
    backoff, plan,
};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::{OfficeScope, Permission};
use daftar_domain::store::NotifyStore;
use daftar_domain::{Error, Result};
use std::collections::HashMap;

fn json_err(e: serde_json::Error) -> Error {
    Error::store(format!("notice JSON: {e}"))
}

fn placeholders(from: usize, n: usize) -> String {
    (0..n)
        .map(|i| format!("${}", from + i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes `notices` in `tx`, each planned over its person's registry row (phone, nationality,
/// chosen locale, opt-out) and given the person's office. Returns how many rows were written.
pub(crate) fn enqueue(tx: &mut dyn Tx, notices: &[NewNotice]) -> Result<u64> {
    if notices.is_empty() {
        return Ok(0);
    }
    let mut ids: Vec<String> = notices.iter().map(|n| n.person.to_string()).collect();
    ids.sort();
    ids.dedup();
    let mut people: HashMap<String, (String, Recipient)> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(400) {
        let args: Vec<Value> = chunk.iter().map(|s| s.as_str().into()).collect();
        for r in tx.query(
            &format!(
                "SELECT id, office_id, phone, nationality, notify_locale, notify_opt_out, notify_email FROM persons WHERE id IN ({})",
                placeholders(1, chunk.len())
            ),
            &args,
        )? {
            people.insert(
                r.text(0)?,
                (
                    r.text(1)?,
                    Recipient {
                        phone: r.text(2)?,
                        nationality: r.text(3)?,
                        locale: r.opt_text(4)?,
                        opted_out: r.bool(5)?,
                        email: r.opt_text(6)?,
                    },
                ),
            );
        }
    }
    let now = truncate_ms(tx.now());
    let mut rows = Vec::with_capacity(notices.len());
    for n in notices {
        let Some((office, who)) = people.get(&n.person.to_string()) else {
            return Err(Error::not_found("person.not_found"));
        };
        let p = plan(n.kind, who);
        let params = serde_json::to_string(&n.params).map_err(json_err)?;
        rows.push(vec![
            ulid::Ulid::new().to_string().into(),
            n.person.to_string().into(),
            office.clone().into(),
            n.kind.code().into(),
            n.subject.clone().into(),
            p.locale.into(),
            p.channel.into(),
            p.address.into(),
            params.into(),
            p.status.code().into(),
            0i64.into(),
            truncate_ms(n.due).into(),
            p.reason.into(),
            now.into(),
        ]);
    }
    let n = rows.len() as u64;
    super::rounds::insert_many(
        tx,
        "INSERT INTO outbox (id, person_id, office_id, kind, subject, locale, channel, recipient, params, status, attempts, next_attempt_at, last_error, created_at) VALUES ",
        14,
        rows,
    )?;
    Ok(n)
}

/// Writes a notice of `kind` about case `view` to its applicant (the household head for a
/// household's case): the case's reference, its office's names and `extra` as arguments.
pub(crate) fn about_case(
    tx: &mut dyn Tx,
    view: &daftar_domain::case::CaseView,
    kind: Kind,
    subject: &str,
    due: time::OffsetDateTime,
    extra: &[(&str, String)],
) -> Result<u64> {
    let r = tx
        .query_opt(
            "SELECT name_fa, name_en FROM offices WHERE id = $1",
            params![view.case.office_id.to_string()],
        )?
        .ok_or_else(|| Error::not_found("office.not_found"))?;
    let mut p = serde_json::Map::new();
    p.insert("reference".into(), view.case.reference.as_str().into());
    p.insert("service".into(), view.case.service.as_str().into());
    p.insert("office_fa".into(), r.text(0)?.into());
    p.insert("office_en".into(), r.text(1)?.into());
    for (k, v) in extra {
        p.insert((*k).into(), v.as_str().into());
    }
    enqueue(
        tx,
        &[NewNotice {
            person: view.case.person_id,
            kind,
            subject: subject.to_owned(),
            params: p,
            due,
        }],
    )
}

/// Cancels the pending notices of `kind` about `subject` (an appointment moved: its old
/// reminder must not go).
pub(crate) fn cancel(tx: &mut dyn Tx, kind: Kind, subject: &str) -> Result<u64> {
    Ok(tx.exec(
        "UPDATE outbox SET status = 'cancelled' WHERE subject = $1 AND kind = $2 AND status = 'pending'",
        params![subject, kind.code()],
    )?)
}

const COLS: &str = "o.id, o.person_id, p.given_name, p.family_name, o.office_id, o.kind, o.locale, o.channel, o.status, o.attempts, o.last_error, o.created_at, o.next_attempt_at, o.sent_at, o.recipient";
const FROM: &str = "FROM outbox o JOIN persons p ON p.id = o.person_id";

fn notice(r: &Row, with_address: bool) -> Result<Notice> {
    Ok(Notice {
        id: r.text(0)?,
        person_id: r.parse(1)?,
        person_name: format!("{} {}", r.text(2)?, r.text(3)?).trim().to_owned(),
        office_id: r.parse(4)?,
        kind: Kind::parse(&r.text(5)?)?,
        locale: r.text(6)?,
        channel: r.text(7)?,
        status: Status::parse(&r.text(8)?)?,
        attempts: u32::try_from(r.i64(9)?).unwrap_or(0),
        last_error: r.text(10)?,
        created_at: r.ts(11)?,
        next_attempt_at: r.ts(12)?,
        sent_at: r.opt_ts(13)?,
        address: if with_address {
            Some(r.text(14)?)
        } else {
            None
        },
    })
}

impl NotifyStore for SqlStore {
    fn enqueue_notices(&self, notices: &[NewNotice]) -> Result<u64> {
        self.write(|tx| enqueue(tx, notices))
    }

    fn claim_notices(
        &self,
        worker: &str,
        limit: usize,
        lease: time::Duration,
    ) -> Result<Vec<Claimed>> {
        let limit = i64::try_from(limit.clamp(1, 5000)).unwrap_or(500);
        self.write(|tx| {
            let now = truncate_ms(tx.now());
            let lock = match tx.dialect() {
                Dialect::Postgres => " FOR UPDATE OF o SKIP LOCKED",
                Dialect::Sqlite => "",
            };
            // Rows a dead sender left first (few), then pending ones in the order they are due:
            // two queries, each an ordered range of the (status, next_attempt_at) index.
            let cols = "SELECT o.id, o.kind, o.locale, o.channel, o.recipient, o.params, o.attempts, p.notify_opt_out FROM outbox o JOIN persons p ON p.id = o.person_id";
            let mut rows = tx.query(
                &format!(
                    "{cols} WHERE o.status = 'sending' AND o.next_attempt_at <= $1 \
                     AND (o.claimed_by = $2 OR o.claimed_at < $3) \
                     ORDER BY o.next_attempt_at LIMIT $4{lock}"
                ),
                params![now, worker, now - lease, limit],
            )?;
            let left = limit - i64::try_from(rows.len()).unwrap_or(limit);
            if left > 0 {
                rows.extend(tx.query(
                    &format!(
                        "{cols} WHERE o.status = 'pending' AND o.next_attempt_at <= $1 \
                         ORDER BY o.next_attempt_at LIMIT $2{lock}"
                    ),
                    params![now, left],
                )?);
            }
            let mut claimed = Vec::with_capacity(rows.len());
            let mut opted_out = Vec::new();
            for r in rows {
                let kind = Kind::parse(&r.text(1)?)?;
                let id = r.text(0)?;
                if r.bool(7)? && !kind.legally_required() {
                    opted_out.push(id);
                    continue;
                }
                claimed.push(Claimed {
                    id,
                    kind,
                    locale: r.text(2)?,
                    channel: r.text(3)?,
                    address: r.text(4)?,
                    params: serde_json::from_str(&r.text(5)?).map_err(json_err)?,
                    attempts: u32::try_from(r.i64(6)?).unwrap_or(0) + 1,
                });
            }
            for chunk in opted_out.chunks(400) {
                let mut args: Vec<Value> = chunk.iter().map(|s| s.as_str().into()).collect();
                args.push(now.into());
                tx.exec(
                    &format!(
                        "UPDATE outbox SET status = 'opted_out', last_error = 'notify.opted_out', claimed_at = ${} WHERE id IN ({})",
                        chunk.len() + 1,
                        placeholders(1, chunk.len())
                    ),
                    &args,
                )?;
            }
            let ids: Vec<&str> = claimed.iter().map(|c| c.id.as_str()).collect();
            for chunk in ids.chunks(400) {
                let mut args: Vec<Value> = vec![worker.into(), now.into()];
                args.extend(chunk.iter().map(|s| Value::from(*s)));
                tx.exec(
                    &format!(
                        "UPDATE outbox SET status = 'sending', claimed_by = $1, claimed_at = $2, attempts = attempts + 1 WHERE id IN ({})",
                        placeholders(3, chunk.len())
                    ),
                    &args,
                )?;
            }
            Ok(claimed)
        })
    }

    fn finish_notices(&self, worker: &str, outcomes: &[(String, Outcome)]) -> Result<u64> {
        if outcomes.is_empty() {
            return Ok(0);
        }
        self.write(|tx| {
            let now = truncate_ms(tx.now());
            let sent: Vec<&str> = outcomes
                .iter()
                .filter(|(_, o)| *o == Outcome::Sent)
                .map(|(id, _)| id.as_str())
                .collect();
            let mut n = 0;
            for chunk in sent.chunks(400) {
                let mut args: Vec<Value> = vec![worker.into(), now.into()];
                args.extend(chunk.iter().map(|s| Value::from(*s)));
                n += tx.exec(
                    &format!(
                        "UPDATE outbox SET status = 'sent', sent_at = $2, last_error = '' WHERE status = 'sending' AND claimed_by = $1 AND id IN ({})",
                        placeholders(3, chunk.len())
                    ),
                    &args,
                )?;
            }
            for (id, o) in outcomes {
                let Outcome::Failed(error) = o else { continue };
                let Some(r) = tx.query_opt(
                    "SELECT attempts FROM outbox WHERE id = $1 AND status = 'sending' AND claimed_by = $2",
                    params![id.as_str(), worker],
                )?
                else {
                    continue;
                };
                let attempts = u32::try_from(r.i64(0)?).unwrap_or(u32::MAX);
                let error: String = error.chars().take(500).collect();
                n += match backoff(attempts) {
                    Some(wait) => tx.exec(
                        "UPDATE outbox SET status = 'pending', next_attempt_at = $2, last_error = $3 WHERE id = $1",
                        params![id.as_str(), now + wait, error],
                    )?,
                    None => tx.exec(
                        "UPDATE outbox SET status = 'failed', last_error = $2 WHERE id = $1",
                        params![id.as_str(), error],
                    )?,
                };
            }
            Ok(n)
        })
    }

    fn office_notices(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        filter: &Filter,
        req: PageRequest,
    ) -> Result<Page<Notice>> {
        scope.require(Permission::PersonRead)?;
        let office = scope.office_id().to_string();
        self.write(|tx| {
            let mut args: Vec<Value> = vec![office.as_str().into()];
            let mut cond = String::from("o.office_id = $1");
            if let Some(s) = filter.status {
                args.push(s.code().into());
                cond.push_str(&format!(" AND o.status = ${}", args.len()));
            }
            if let Some(k) = filter.kind {
                args.push(k.code().into());
                cond.push_str(&format!(" AND o.kind = ${}", args.len()));
            }
            let page = super::paged(
                tx,
                COLS,
                &format!("{FROM} WHERE {cond}"),
                "o.created_at DESC, o.id DESC",
                args,
                req,
                |r| notice(r, false),
            )?;
            let ids: Vec<&str> = page.items.iter().map(|n| n.id.as_str()).collect();
            // The persons shown (their access logs list this page: `audit::access_log`).
            let persons: Vec<String> = page.items.iter().map(|n| n.person_id.to_string()).collect();
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("notify.list", "office", &office).with_details(
                    serde_json::json!({ "page": page.page, "notices": ids, "persons": persons }),
                ),
            )?;
            Ok(page)
        })
    }

    fn notice_counts(&self) -> Result<Vec<OfficeCount>> {
        self.read(|tx| {
            super::all(
                tx.query(
                    "SELECT o.office_id, f.code, o.status, COUNT(*) FROM outbox o JOIN offices f ON f.id = o.office_id GROUP BY o.office_id, f.code, o.status ORDER BY f.code, o.status",
                    &[],
                )?,
                |r| {
                    Ok(OfficeCount {
                        office_id: r.parse(0)?,
                        code: r.text(1)?,
                        status: Status::parse(&r.text(2)?)?,
                        count: u64::try_from(r.i64(3)?).unwrap_or(0),
                    })
                },
            )
        })
    }

    fn person_notices(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
    ) -> Result<(Vec<Notice>, Prefs)> {
        scope.require(Permission::PersonRead)?;
        let office = scope.office_id().to_string();
        self.write(|tx| {
            let r = tx
                .query_opt(
                    "SELECT notify_opt_out, notify_locale, notify_email FROM persons WHERE id = $1 AND office_id = $2",
                    params![person.to_string(), office.as_str()],
                )?
                .ok_or_else(|| Error::not_found("person.not_found"))?;
            let prefs = Prefs {
                opted_out: r.bool(0)?,
                locale: r.opt_text(1)?,
                email: r.opt_text(2)?,
            };
            let rows = tx.query(
                &format!("SELECT {COLS} {FROM} WHERE o.person_id = $1 ORDER BY o.created_at DESC, o.id DESC LIMIT 50"),
                params![person.to_string()],
            )?;
            audit::log(tx, ctx, "notify.read", "person", person)?;
            Ok((super::all(rows, |r| notice(r, true))?, prefs))
        })
    }

    fn set_notify_prefs(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
        prefs: &Prefs,
    ) -> Result<()> {
        scope.require(Permission::PersonWrite)?;
        let office = scope.office_id().to_string();
        let (opted_out, locale) = (prefs.opted_out, prefs.locale.as_deref());
        self.write(|tx| {
            let n = tx.exec(
                "UPDATE persons SET notify_opt_out = $2, notify_locale = $3, notify_email = $5 WHERE id = $1 AND office_id = $4",
                params![person.to_string(), opted_out, locale, office.as_str(), prefs.email.as_deref()],
            )?;
            if n == 0 {
                return Err(Error::not_found("person.not_found"));
            }
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("notify.prefs", "person", person).with_details(
                    serde_json::json!({ "opted_out": opted_out, "locale": locale, "email": prefs.email.is_some() }),
                ),
            )?;
            Ok(())
        })
    }
}
