//! The bulk-read alarm's counters (issue 22; `daftar_domain::read_watch`): every staff
//! single-person read is counted per account in the transaction that reads the person, and the
//! figures behind the home-page alerts and the auditor's token list. The account's counter row
//! is taken first with an upsert, which on PostgreSQL holds its row lock until commit: reads of
//! one account on several web nodes are counted one after another (SQLite has one writer), so
//! two reads can never both see the count below the limit.

use super::users::token;
use super::{all, audit};
use crate::SqlStore;
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

/// Counting one single-person read of a person by the guard's account at `now`, in three steps
/// the caller runs in one transaction: [`count_account`], [`others_query`] (alone or in the
/// flight that reads the record), then [`decide_read`], which raises the alarm when this is the
/// first read past the limit in the window and records the read (its mark and the account's
/// total) only when it is allowed. The caller audits the read itself.
///
/// The account's count after this read, taken first: its row stays locked until the
/// transaction ends, so one account's reads are counted one after the other.
pub(crate) struct Counted {
    alarm_at: Option<OffsetDateTime>,
    reads: i64,
}

/// Counts the read on the account's row (see [`Counted`]).
pub(crate) fn count_account(
    tx: &mut dyn Tx,
    guard: &ReadGuard,
    now: OffsetDateTime,
) -> Result<Counted> {
    let account = guard.account.key();
    let row = tx.query_one(
        "INSERT INTO read_accounts (account, user_id, token_id, reads, last_read_at) VALUES ($1, $2, $3, 1, $4) ON CONFLICT (account) DO UPDATE SET last_read_at = excluded.last_read_at, reads = read_accounts.reads + 1 RETURNING alarm_at, reads",
        params![
            account.as_str(),
            guard.account.user.to_string(),
            guard.account.token.map(|t| t.to_string()),
            now
        ],
    )?;
    Ok(Counted {
        alarm_at: row.opt_ts(0)?,
        reads: row.i64(1)?,
    })
}

/// The statement that counts the other persons the account read in the window (one row, one
/// column), to run after [`count_account`] — alone or in the flight that reads the record.
pub(crate) fn others_query(
    guard: &ReadGuard,
    person: PersonId,
    now: OffsetDateTime,
) -> (&'static str, Vec<Value>) {
    let start = now - guard.limit.window();
    (
        "SELECT COUNT(*) FROM person_read_marks WHERE account = $1 AND at > $2 AND person_id <> $3",
        params![guard.account.key(), start, person.to_string()].to_vec(),
    )
}

/// Decides the read from the count and the answer to [`others_query`], and records it: the
/// person's mark when shown, the alarm when raised, the count given back when refused.
pub(crate) fn decide_read(
    tx: &mut dyn Tx,
    ctx: &AuditCtx,
    guard: &ReadGuard,
    person: PersonId,
    now: OffsetDateTime,
    counted: Counted,
    others: &[Row],
) -> Result<Decision> {
    let account = guard.account.key();
    let start = now - guard.limit.window();
    let Counted { alarm_at, reads } = counted;
    let others = others
        .first()
        .ok_or_else(|| daftar_domain::Error::store("no count of recent reads"))?
        .i64(0)?;
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
            tx.exec(
                "DELETE FROM person_read_marks WHERE account = $1 AND at <= $2",
                params![account.as_str(), start],
            )?;
        }
    } else {
        tx.exec(
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
