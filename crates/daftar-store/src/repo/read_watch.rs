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
use daftar_domain::ids::{OfficeId, PersonId};
use daftar_domain::permission::Reach;
use daftar_domain::person::PersonRecord;
use daftar_domain::read_watch::{ReadAlarm, ReadGuard, TokenUsage};
use daftar_domain::store::ReadWatchStore;
use daftar_domain::usecase::bulk_read::{Decision, Facts, decide};
use std::collections::HashMap;
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
    /// The office whose person is read (a person of another office is not found).
    office: OfficeId,
    account: String,
}

impl ReadJob {
    pub(crate) fn new(
        ctx: &AuditCtx,
        guard: &ReadGuard,
        person: PersonId,
        office: OfficeId,
    ) -> Self {
        Self {
            ctx: ctx.clone(),
            guard: guard.clone(),
            person,
            office,
            account: guard.account.key(),
        }
    }
}

/// What a batch answers a read: the decision and the record, or `None` when the person is not
/// found in the office (then nothing was counted or audited).
pub(crate) type Counted = Option<(Decision, PersonRecord)>;

impl Keyed for ReadJob {
    fn key(&self) -> &str {
        &self.account
    }
}

/// Reads the persons of `jobs` (at most one job per account, in account order) and counts,
/// decides and audits their reads in `tx`, with a few statements for the whole batch: the jobs
/// travel as one JSON parameter ([`super::rows_from_json`]). One flight reads every record
/// (one statement) and takes the counter row of every account whose person exists with an
/// upsert, in account order — on PostgreSQL the rows stay locked until commit, so reads of one
/// account on several web nodes are counted one after another (SQLite has one writer), and two
/// reads can never both see the count below the limit; the order keeps two nodes' batches from
/// deadlocking — and, after it, counts for each read the other persons its account read in the
/// window. Then each read is decided ([`decide`]): the alarm raised when it is the first read
/// past the limit in the window, the count given back when refused; the marks of the reads
/// shown and every read's audit row (or its refusal's) are written together, with the commit.
/// A person not found is neither counted nor audited.
pub(crate) fn count_reads(tx: &mut dyn Tx, jobs: &[ReadJob]) -> Result<Vec<Counted>> {
    let now = tx.now();
    let d = tx.dialect();
    let accounts = serde_json::Value::from(
        jobs.iter()
            .map(|j| {
                serde_json::json!({
                    "account": j.account,
                    "user_id": j.guard.account.user.to_string(),
                    "token_id": j.guard.account.token.map(|t| t.to_string()),
                    "since": crate::sql::ts_text(now - j.guard.limit.window()),
                    "person_id": j.person.to_string(),
                    "read_office": j.office.to_string(),
                })
            })
            .collect::<Vec<_>>(),
    )
    .to_string();
    let count = format!(
        "INSERT INTO read_accounts (account, user_id, token_id, reads, last_read_at) SELECT x.account, x.user_id, x.token_id, 1, $2 FROM {} WHERE EXISTS (SELECT 1 FROM persons WHERE persons.id = x.person_id AND persons.office_id = x.read_office AND {}) ORDER BY x.account ON CONFLICT (account) DO UPDATE SET last_read_at = excluded.last_read_at, reads = read_accounts.reads + 1 RETURNING account, alarm_at, reads",
        super::rows_from_json(
            d,
            &[
                ("account", "text"),
                ("user_id", "text"),
                ("token_id", "text"),
                ("person_id", "text"),
                ("read_office", "text")
            ]
        ),
        person_visible!()
    );
    let others = format!(
        "SELECT x.account, (SELECT COUNT(*) FROM person_read_marks m WHERE m.account = x.account AND m.at > x.since AND m.person_id <> x.person_id) FROM {}",
        super::rows_from_json(
            d,
            &[
                ("account", "text"),
                ("since", "timestamptz"),
                ("person_id", "text")
            ]
        )
    );
    let batch = [Value::from(accounts), Value::from(now)];
    let mut answers = tx
        .query_many(&[
            (super::persons::records_sql(d), &batch[..1]),
            (count.as_str(), &batch),
            (others.as_str(), &batch[..1]),
        ])?
        .into_iter();
    let mut records: HashMap<(String, String), PersonRecord> = HashMap::new();
    for r in answers.next().unwrap_or_default() {
        let rec = super::persons::record_of(&r)?;
        records.insert(
            (rec.person.id.to_string(), rec.person.office_id.to_string()),
            rec,
        );
    }
    let mut facts: HashMap<String, (Option<OffsetDateTime>, i64, i64)> = HashMap::new();
    for r in answers.next().unwrap_or_default() {
        facts.insert(r.text(0)?, (r.opt_ts(1)?, r.i64(2)?, 0));
    }
    for r in answers.next().unwrap_or_default() {
        if let Some(f) = facts.get_mut(&r.text(0)?) {
            f.2 = r.i64(1)?;
        }
    }
    let (mut out, mut marks, mut events) = (vec![], vec![], vec![]);
    for j in jobs {
        // Each statement of the flight sees the persons committed when it starts: a person
        // that appeared between the two (an import marked done meanwhile) was counted without
        // a record, and is given back; one that was hidden meanwhile was read but not counted.
        // Either way the read is answered not found, neither shown nor audited.
        // (Two accounts may read one person in one batch: each gets its own copy.)
        let record = records
            .get(&(j.person.to_string(), j.office.to_string()))
            .cloned();
        let (Some(record), Some(&(alarm_at, reads, others))) = (record, facts.get(&j.account))
        else {
            if facts.contains_key(&j.account) {
                give_back(tx, &j.account)?;
            }
            out.push(None);
            continue;
        };
        let d = decide_read(tx, j, now, alarm_at, reads, others)?;
        let ev = if d.allowed {
            marks.push(
                serde_json::json!({ "account": j.account, "person_id": j.person.to_string() }),
            );
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
        events.push((&j.ctx, ev));
        out.push(Some((d, record)));
    }
    if !marks.is_empty() {
        tx.defer(
            &format!(
                "INSERT INTO person_read_marks (account, person_id, at) SELECT x.account, x.person_id, $2 FROM {} WHERE true ON CONFLICT (account, person_id) DO UPDATE SET at = excluded.at",
                super::rows_from_json(d, &[("account", "text"), ("person_id", "text")])
            ),
            params![serde_json::Value::from(marks).to_string(), now],
        )?;
    }
    audit::append_all(tx, &events)?;
    Ok(out)
}

/// Decides one read from its account's last alarm, total reads and other recent persons, and
/// records what only this read needs: the alarm when raised, the sweep of old marks, the count
/// given back when refused (the marks and audit rows are written by [`count_reads`] for the
/// whole batch).
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
        account,
        ..
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
        // (The read's mark is written with the batch's.) Marks older than the window no longer count; they are cleared every
        // `SWEEP_EVERY` reads of the account rather than on each.
        if reads % SWEEP_EVERY == 0 {
            tx.defer(
                "DELETE FROM person_read_marks WHERE account = $1 AND at <= $2",
                params![account.as_str(), start],
            )?;
        }
    } else {
        give_back(tx, account)?;
    }
    Ok(d)
}

/// Gives back the count an account's read took (a read refused, or not found after all), with
/// the batch's commit.
fn give_back(tx: &mut dyn Tx, account: &str) -> Result<()> {
    tx.defer(
        "UPDATE read_accounts SET reads = reads - 1 WHERE account = $1",
        params![account],
    )?;
    Ok(())
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
