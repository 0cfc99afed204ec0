//! The bulk-read alarm's counters (issue 22; `daftar_domain::read_watch`): every staff
//! single-person read is counted per account in the transaction that reads the person, and the
//! figures behind the home-page alerts and the auditor's token list. Reads are counted in
//! batches ([`count_reads`]), each account's counter row taken first and kept locked until
//! commit, so two reads of one account can never both see the count below the limit.

use super::users::token;
use super::{all, audit};
use crate::SqlStore;
use crate::combine::Keyed;
use crate::sql::{Row, Tx, Value, params};
use daftar_domain::Result;
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::ids::PersonId;
use daftar_domain::permission::Reach;
use daftar_domain::read_watch::{ReadAlarm, ReadGuard, TokenUsage};
use daftar_domain::store::ReadWatchStore;
use daftar_domain::usecase::bulk_read::{Decision, Facts, decide};
use time::OffsetDateTime;

/// How many reads of an account pass between two clearings of its marks older than the window.
const SWEEP_EVERY: i64 = 64;

/// One single-person read waiting to be counted, decided and audited ([`count_reads`]): run
/// through the store's [`crate::combine::Combiner`], so the reads of many requests share one
/// transaction. Keyed by account: an account's reads are counted one batch after another.
pub(crate) struct ReadJob {
    ctx: AuditCtx,
    guard: ReadGuard,
    person: PersonId,
    account: String,
}

impl ReadJob {
    pub(crate) fn new(ctx: &AuditCtx, guard: &ReadGuard, person: PersonId) -> Self {
        Self {
            ctx: ctx.clone(),
            guard: guard.clone(),
            person,
            account: guard.account.key(),
        }
    }
}

impl Keyed for ReadJob {
    fn key(&self) -> &str {
        &self.account
    }
}

/// Counts, decides and audits the reads of `jobs` (at most one per account, in account order)
/// in `tx`. One flight takes each account's counter row with an upsert — on PostgreSQL the row
/// stays locked until commit, so reads of one account on several web nodes are counted one
/// after another (SQLite has one writer), and two reads can never both see the count below the
/// limit; taking the rows in account order keeps two nodes' batches from deadlocking — and,
/// after it, counts the other persons the account read in the window. Then each read is decided
/// ([`decide`]): the alarm raised when it is the first read past the limit in the window, the
/// person's mark and the account's total kept only when the read is allowed, and the read (or
/// its refusal) audited.
pub(crate) fn count_reads(tx: &mut dyn Tx, jobs: &[ReadJob]) -> Result<Vec<Decision>> {
    let now = tx.now();
    let mut args = Vec::with_capacity(jobs.len() * 2);
    for j in jobs {
        let start = now - j.guard.limit.window();
        args.push(
            params![
                j.account.as_str(),
                j.guard.account.user.to_string(),
                j.guard.account.token.map(|t| t.to_string()),
                now
            ]
            .to_vec(),
        );
        args.push(params![j.account.as_str(), start, j.person.to_string()].to_vec());
    }
    let statements: Vec<(&str, &[Value])> = args
        .iter()
        .enumerate()
        .map(|(i, a)| (if i % 2 == 0 { COUNT } else { OTHERS }, a.as_slice()))
        .collect();
    let answers = tx.query_many(&statements)?;
    let mut out = Vec::with_capacity(jobs.len());
    for (j, pair) in jobs.iter().zip(answers.chunks(2)) {
        let counted = first(&pair[0])?;
        let others = first(&pair[1])?.i64(0)?;
        let d = decide_read(tx, j, now, counted.opt_ts(0)?, counted.i64(1)?, others)?;
        let ev = if d.allowed {
            let details = match &j.guard.purpose {
                Some(p) => serde_json::json!({ "stated_purpose": p, "persons": d.persons }),
                None => serde_json::Value::Null,
            };
            AuditEvent::new("person.read", "person", j.person).with_details(details)
        } else {
            AuditEvent::new("person.read.refused", "person", j.person).with_details(
                serde_json::json!({ "reason": "purpose_required", "persons": d.persons }),
            )
        };
        audit::append(tx, &j.ctx, &ev)?;
        out.push(d);
    }
    Ok(out)
}

/// The one row a count answers.
fn first(rows: &[Row]) -> Result<&Row> {
    rows.first()
        .ok_or_else(|| daftar_domain::Error::store("no count of reads"))
}

/// Counts a read on the account's row; answers the account's last alarm and its total reads.
const COUNT: &str = "INSERT INTO read_accounts (account, user_id, token_id, reads, last_read_at) VALUES ($1, $2, $3, 1, $4) ON CONFLICT (account) DO UPDATE SET last_read_at = excluded.last_read_at, reads = read_accounts.reads + 1 RETURNING alarm_at, reads";

/// The other persons the account read in the window (one row, one column).
const OTHERS: &str =
    "SELECT COUNT(*) FROM person_read_marks WHERE account = $1 AND at > $2 AND person_id <> $3";

/// Decides one read from its account's last alarm, total reads and other recent persons, and
/// records it: the person's mark when shown, the alarm when raised, the count given back when
/// refused.
fn decide_read(
    tx: &mut dyn Tx,
    job: &ReadJob,
    now: OffsetDateTime,
    alarm_at: Option<OffsetDateTime>,
    reads: i64,
    others: i64,
) -> Result<Decision> {
    let ReadJob {
        ctx,
        guard,
        person,
        account,
    } = job;
    let start = now - guard.limit.window();
    let d = decide(
        guard.limit,
        Facts {
            others_in_window: u64::try_from(others).unwrap_or(0),
            alarm_in_window: alarm_at.is_some_and(|a| a > start),
            purpose_stated: guard.purpose.is_some(),
        },
    );
    if d.raise_alarm {
        let id = ulid::Ulid::new().to_string();
        tx.exec(
            "INSERT INTO read_alarms (id, account, user_id, token_id, office_id, persons, threshold, window_minutes, raised_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            params![
                id.as_str(),
                account.as_str(),
                guard.account.user.to_string(),
                guard.account.token.map(|t| t.to_string()),
                ctx.office_id.map(|o| o.to_string()),
                i64::try_from(d.persons).unwrap_or(i64::MAX),
                i64::from(guard.limit.persons),
                i64::from(guard.limit.window_minutes),
                now
            ],
        )?;
        tx.exec(
            "UPDATE read_accounts SET alarm_at = $1 WHERE account = $2",
            params![now, account.as_str()],
        )?;
        let target = match guard.account.token {
            Some(t) => t.to_string(),
            None => guard.account.user.to_string(),
        };
        audit::append(
            tx,
            ctx,
            &AuditEvent::new("person.read.alarm", guard.account.kind(), target).with_details(
                serde_json::json!({
                    "alarm_id": id,
                    "persons": d.persons,
                    "limit": guard.limit.persons,
                    "window_minutes": guard.limit.window_minutes,
                }),
            ),
        )?;
    }
    if d.allowed {
        tx.defer(
            "INSERT INTO person_read_marks (account, person_id, at) VALUES ($1, $2, $3) ON CONFLICT (account, person_id) DO UPDATE SET at = excluded.at",
            params![account.as_str(), person.to_string(), now],
        )?;
        // Marks older than the window no longer count; they are cleared every
        // `SWEEP_EVERY` reads of the account rather than on each.
        if reads % SWEEP_EVERY == 0 {
            tx.defer(
                "DELETE FROM person_read_marks WHERE account = $1 AND at <= $2",
                params![account.as_str(), start],
            )?;
        }
    } else {
        tx.defer(
            "UPDATE read_accounts SET reads = reads - 1 WHERE account = $1",
            params![account.as_str()],
        )?;
    }
    Ok(d)
}

fn alarm(r: &Row) -> Result<ReadAlarm> {
    let token_id: Option<String> = r.opt_text(3)?;
    Ok(ReadAlarm {
        id: r.text(0)?,
        account_kind: if token_id.is_some() { "token" } else { "user" }.into(),
        user_id: r.parse(1)?,
        username: r.text(2)?,
        token_id: token_id.map(|t| t.parse()).transpose()?,
        office_id: r.opt_parse(4)?,
        persons: u64::try_from(r.i64(5)?).unwrap_or(0),
        threshold: u32::try_from(r.i64(6)?).unwrap_or(0),
        window_minutes: u32::try_from(r.i64(7)?).unwrap_or(0),
        raised_at: r.ts(8)?,
    })
}

impl ReadWatchStore for SqlStore {
    fn read_alarms(
        &self,
        reach: &Reach,
        since: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<ReadAlarm>> {
        let mut args: Vec<Value> = vec![since.into()];
        let office = match reach.office_id() {
            Some(o) => {
                args.push(o.to_string().into());
                " AND a.office_id = $2"
            }
            None => "",
        };
        self.read(|tx| {
            all(
                tx.query(
                    &format!(
                        "SELECT a.id, a.user_id, u.username, a.token_id, a.office_id, a.persons, a.threshold, a.window_minutes, a.raised_at FROM read_alarms a JOIN users u ON u.id = a.user_id WHERE a.raised_at > $1{office} ORDER BY a.raised_at DESC LIMIT {}",
                        limit.min(1000)
                    ),
                    &args,
                )?,
                alarm,
            )
        })
    }

    fn token_usage(
        &self,
        reach: &Reach,
        now: OffsetDateTime,
        window: time::Duration,
    ) -> Result<Vec<TokenUsage>> {
        let mut args: Vec<Value> = vec![(now - window).into()];
        let office = match reach.office_id() {
            Some(o) => {
                args.push(o.to_string().into());
                " WHERE u.office_id = $2"
            }
            None => "",
        };
        self.read(|tx| {
            all(
                tx.query(
                    &format!(
                        "SELECT t.id, t.user_id, t.name, t.scopes, t.token_hash, t.created_at, t.expires_at, t.revoked_at, t.purpose, u.username, u.office_id, COALESCE(ra.reads, 0), (SELECT COUNT(*) FROM person_read_marks m WHERE m.account = ra.account AND m.at > $1), ra.last_read_at FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN read_accounts ra ON ra.token_id = t.id{office} ORDER BY t.created_at DESC, t.id"
                    ),
                    &args,
                )?,
                |r| {
                    Ok(TokenUsage {
                        token: token(r)?,
                        username: r.text(9)?,
                        office_id: r.opt_parse(10)?,
                        reads: u64::try_from(r.i64(11)?).unwrap_or(0),
                        persons_in_window: u64::try_from(r.i64(12)?).unwrap_or(0),
                        last_read_at: r.opt_ts(13)?,
                    })
                },
            )
        })
    }
}
