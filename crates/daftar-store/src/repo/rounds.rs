//! Registration rounds: `RoundStore`, and [`seen`], which `change_case` calls in the
//! transaction that approves a case so that coverage moves with the approval (no batch job).
//!
//! Live coverage is kept in counters: `round_offices` (per round and office: expected,
//! renewed, households, households still open) and `round_days` (per round, office and day).
//! A coverage read touches only those (rows per office and day, not per person), so it does not
//! grow with the population; the not-yet-seen list reads one office's page through the partial
//! index `round_members_waiting`. Several web nodes on one PostgreSQL database update the same
//! counter rows under row locks (one office's row per approval), so the figures stay exact.

use super::audit;
use crate::SqlStore;
use crate::sql::{Row, Tx, Value, params};
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::case::CaseView;
use daftar_domain::ids::{CaseId, OfficeId, PersonId, RoundId};
use daftar_domain::jalali::iso_day;
use daftar_domain::notify::{Kind as NotifyKind, NewNotice};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::{OfficeScope, Permission, Reach};
use daftar_domain::person::PersonStatus;
use daftar_domain::round::{
    Candidate, Coverage, DayCount, ExtendRound, NewRound, NotSeen, OfficeCoverage, Round,
    RoundExtension, RoundView,
};
use daftar_domain::workflow::{CaseState, MemberOutcome};
use daftar_domain::{Error, Result};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use time::Date;

const ROUND_COLS: &str =
    "id, name, opens_on, closes_on, services, eligibility, capacity, created_by, version";

fn json_err(e: serde_json::Error) -> Error {
    Error::store(format!("round JSON: {e}"))
}

fn round_row(r: &Row) -> Result<Round> {
    Ok(Round {
        id: r.parse(0)?,
        name: r.text(1)?,
        opens_on: super::cases::date(&r.text(2)?)?,
        closes_on: super::cases::date(&r.text(3)?)?,
        services: serde_json::from_str(&r.text(4)?).map_err(json_err)?,
        eligibility: serde_json::from_str(&r.text(5)?).map_err(json_err)?,
        capacity: u32::try_from(r.i64(6)?).unwrap_or(0),
        created_by: r.text(7)?,
        version: r.i64(8)?,
    })
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn load_round(tx: &mut dyn Tx, id: RoundId, lock: bool) -> Result<Round> {
    let lock = if lock { tx.dialect().for_update() } else { "" };
    let r = tx
        .query_opt(
            &format!("SELECT {ROUND_COLS} FROM rounds WHERE id = $1{lock}"),
            params![id.to_string()],
        )?
        .ok_or_else(|| Error::not_found("round.not_found"))?;
    round_row(&r)
}

fn view(tx: &mut dyn Tx, id: RoundId) -> Result<RoundView> {
    let round = load_round(tx, id, false)?;
    let extensions = tx
        .query(
            "SELECT from_day, to_day, reason, actor, at FROM round_extensions WHERE round_id = $1 ORDER BY seq",
            params![id.to_string()],
        )?
        .iter()
        .map(|r| {
            Ok(RoundExtension {
                from: super::cases::date(&r.text(0)?)?,
                to: super::cases::date(&r.text(1)?)?,
                reason: r.text(2)?,
                actor: r.text(3)?,
                at: r.ts(4)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let r = tx.query_one(
        "SELECT invited, created_at FROM rounds WHERE id = $1",
        params![id.to_string()],
    )?;
    Ok(RoundView {
        round,
        extensions,
        invited: count(r.i64(0)?),
        invited_at: r.ts(1)?,
    })
}

fn every_office(reach: &Reach, p: Permission) -> Result<()> {
    match reach {
        Reach::All(a) if a.permission() == p => Ok(()),
        _ => Err(Error::forbidden("auth.forbidden")
            .with_details(serde_json::json!({ "permission": p.code() }))),
    }
}

/// One person the round may call, as read from the registry.
struct Row0 {
    id: String,
    office: String,
    household: Option<String>,
    head: bool,
    candidate: Candidate,
}

fn candidates(tx: &mut dyn Tx, new: &NewRound) -> Result<Vec<Row0>> {
    let e = &new.eligibility;
    // Documents in the range, by person (the range's ends in search form bound the index scan).
    let docs: Option<HashMap<String, Vec<(String, String)>>> = match &e.document {
        Some(d) => {
            let mut m: HashMap<String, Vec<(String, String)>> = HashMap::new();
            for r in tx.query(
                "SELECT person_id, kind, number FROM person_documents WHERE kind = $1 AND number_key >= $2 AND number_key <= $3",
                params![d.kind.as_str(), d.from.as_str(), d.to.as_str()],
            )? {
                m.entry(r.text(0)?)
                    .or_default()
                    .push((r.text(1)?, r.text(2)?));
            }
            Some(m)
        }
        None => None,
    };
    // The previous round's persons and households.
    let previous: Option<(HashSet<String>, HashSet<String>)> = match e.previous_round {
        Some(prev) => {
            if tx
                .query_opt(
                    "SELECT 1 FROM rounds WHERE id = $1",
                    params![prev.to_string()],
                )?
                .is_none()
            {
                return Err(
                    Error::invalid("round.eligibility.previous").with_field("previous_round")
                );
            }
            let mut persons = HashSet::new();
            let mut households = HashSet::new();
            for r in tx.query(
                "SELECT person_id, household_key FROM round_members WHERE round_id = $1",
                params![prev.to_string()],
            )? {
                persons.insert(r.text(0)?);
                households.insert(r.text(1)?);
            }
            Some((persons, households))
        }
        None => None,
    };
    let statuses: Vec<String> = e.statuses.clone();
    let placeholders: Vec<String> = (0..statuses.len()).map(|i| format!("${}", i + 1)).collect();
    let args: Vec<Value> = statuses.iter().map(|s| s.as_str().into()).collect();
    let rows = tx.query(
        &format!(
            concat!(
                "SELECT persons.id, persons.office_id, persons.status, persons.nationality, persons.birth_date, hm.household_id, h.head_person_id ",
                "FROM persons LEFT JOIN household_members hm ON hm.person_id = persons.id AND hm.left_at IS NULL ",
                "LEFT JOIN households h ON h.id = hm.household_id ",
                "WHERE persons.merged_into IS NULL AND persons.status IN ({}) AND ",
                person_visible!(),
                " ORDER BY persons.office_id, persons.id"
            ),
            placeholders.join(", ")
        ),
        &args,
    )?;
    let mut out = Vec::new();
    for r in rows {
        let id = r.text(0)?;
        let household = r.opt_text(5)?;
        let head = r.opt_text(6)?.is_none_or(|h| h == id);
        let documents = match &docs {
            Some(m) => match m.get(&id) {
                Some(d) => d.clone(),
                None => continue,
            },
            None => vec![],
        };
        let in_previous_round = previous.as_ref().is_some_and(|(p, h)| {
            p.contains(&id) || household.as_ref().is_some_and(|k| h.contains(k))
        });
        let candidate = Candidate {
            status: PersonStatus::parse(&r.text(2)?)?,
            nationality: r.text(3)?,
            birth_date: r.opt_text(4)?.map(|s| super::cases::date(&s)).transpose()?,
            documents,
            in_previous_round,
        };
        out.push(Row0 {
            id,
            office: r.text(1)?,
            household,
            head,
            candidate,
        });
    }
    Ok(out)
}

/// Inserts rows of `cols` values in statements of up to 400 rows.
pub(crate) fn insert_many(
    tx: &mut dyn Tx,
    head: &str,
    width: usize,
    rows: Vec<Vec<Value>>,
) -> Result<()> {
    for chunk in rows.chunks(400) {
        let mut sql = String::from(head);
        let mut args = Vec::with_capacity(chunk.len() * width);
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for j in 0..width {
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", i * width + j + 1));
            }
            sql.push(')');
            args.extend(row.iter().cloned());
        }
        tx.exec(&sql, &args)?;
    }
    Ok(())
}

/// Marks the members of an approved case as seen in every round that is open on `today` and
/// counts `service`: for each member approved and not seen yet, the member row, the office's
/// counters (renewed; the household's open count when it was its last member waiting) and the
/// day's count. Runs in the approving transaction.
pub(crate) fn seen(tx: &mut dyn Tx, case: &CaseView, today: Date) -> Result<()> {
    if case.case.state != CaseState::Approved {
        return Ok(());
    }
    let service = case.case.service.as_str().to_owned();
    let day = iso_day(today);
    let rounds: Vec<String> = tx
        .query(
            "SELECT id, services FROM rounds WHERE opens_on <= $1 AND closes_on >= $1",
            params![day.as_str()],
        )?
        .iter()
        .filter_map(|r| {
            let services: Vec<String> = serde_json::from_str(&r.text(1).ok()?).ok()?;
            services
                .contains(&service)
                .then(|| r.text(0).ok())
                .flatten()
        })
        .collect();
    if rounds.is_empty() {
        return Ok(());
    }
    let now = tx.now();
    let members: Vec<PersonId> = case
        .members
        .iter()
        .filter(|m| m.outcome == MemberOutcome::Approved)
        .map(|m| m.person_id)
        .collect();
    for round in &rounds {
        for person in &members {
            let Some(r) = tx.query_opt(
                "SELECT office_id, household_key FROM round_members WHERE round_id = $1 AND person_id = $2 AND seen_at IS NULL",
                params![round.as_str(), person.to_string()],
            )?
            else {
                continue;
            };
            let (office, household) = (r.text(0)?, r.text(1)?);
            tx.exec(
                "UPDATE round_members SET seen_at = $3, seen_case_id = $4 WHERE round_id = $1 AND person_id = $2",
                params![round.as_str(), person.to_string(), now, case.case.id.to_string()],
            )?;
            let still_open = tx
                .query_opt(
                    "SELECT 1 FROM round_members WHERE round_id = $1 AND office_id = $2 AND household_key = $3 AND seen_at IS NULL LIMIT 1",
                    params![round.as_str(), office.as_str(), household.as_str()],
                )?
                .is_some();
            tx.exec(
                "UPDATE round_offices SET renewed = renewed + 1, households_open = households_open - $3 WHERE round_id = $1 AND office_id = $2",
                params![round.as_str(), office.as_str(), i64::from(!still_open)],
            )?;
            tx.exec(
                "INSERT INTO round_days (round_id, office_id, day, renewed) VALUES ($1, $2, $3, 1) ON CONFLICT (round_id, office_id, day) DO UPDATE SET renewed = round_days.renewed + 1",
                params![round.as_str(), office.as_str(), day.as_str()],
            )?;
        }
    }
    Ok(())
}

impl daftar_domain::store::RoundStore for SqlStore {
    fn open_round(&self, ctx: &AuditCtx, reach: &Reach, new: &NewRound) -> Result<RoundView> {
        every_office(reach, Permission::RoundManage)?;
        let id = RoundId::new();
        self.write(|tx| {
            let now = tx.now();
            // Offices by code, for the quota lines.
            let mut by_code: BTreeMap<String, String> = BTreeMap::new();
            for r in tx.query("SELECT code, id FROM offices", &[])? {
                by_code.insert(r.text(0)?, r.text(1)?);
            }
            let mut quotas: BTreeMap<String, (u32, u32)> = BTreeMap::new();
            for q in &new.quotas {
                let office = by_code.get(&q.office).ok_or_else(|| {
                    Error::invalid("round.quota.office")
                        .with_field("quotas")
                        .with_details(serde_json::json!({ "office": q.office }))
                })?;
                quotas.insert(office.clone(), (q.quota, q.capacity));
            }
            let admitted: Vec<Row0> = candidates(tx, new)?
                .into_iter()
                .filter(|c| new.eligibility.admits(&c.candidate, new.opens_on))
                .collect();
            let services = serde_json::to_string(
                &new.services.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            )
            .map_err(json_err)?;
            let eligibility = serde_json::to_string(&new.eligibility).map_err(json_err)?;
            tx.exec(
                "INSERT INTO rounds (id, name, opens_on, closes_on, services, eligibility, capacity, invited, created_by, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1)",
                params![
                    id.to_string(),
                    new.name.as_str(),
                    iso_day(new.opens_on),
                    iso_day(new.closes_on),
                    services,
                    eligibility,
                    i64::from(new.capacity),
                    i64::try_from(admitted.len()).unwrap_or(i64::MAX),
                    ctx.actor.as_str(),
                    now
                ],
            )?;
            // Per office: persons and households.
            let mut per_office: BTreeMap<String, (u64, BTreeSet<String>)> = BTreeMap::new();
            let mut rows = Vec::with_capacity(admitted.len());
            for c in &admitted {
                let key = c.household.clone().unwrap_or_else(|| c.id.clone());
                let e = per_office.entry(c.office.clone()).or_default();
                e.0 += 1;
                e.1.insert(key.clone());
                rows.push(vec![
                    id.to_string().into(),
                    c.id.clone().into(),
                    c.office.clone().into(),
                    key.into(),
                    c.head.into(),
                    now.into(),
                ]);
            }
            insert_many(
                tx,
                "INSERT INTO round_members (round_id, person_id, office_id, household_key, head, invited_at) VALUES ",
                6,
                rows,
            )?;
            // The invitations (issue 19.3): one per household, to its head, in this transaction.
            let mut offices: HashMap<String, (String, String)> = HashMap::new();
            for r in tx.query("SELECT id, name_fa, name_en FROM offices", &[])? {
                offices.insert(r.text(0)?, (r.text(1)?, r.text(2)?));
            }
            let invitations: Vec<NewNotice> = admitted
                .iter()
                .filter(|c| c.head)
                .map(|c| {
                    let (fa, en) = offices.get(&c.office).cloned().unwrap_or_default();
                    let mut params = serde_json::Map::new();
                    params.insert("round".into(), new.name.as_str().into());
                    params.insert("opens_on".into(), iso_day(new.opens_on).into());
                    params.insert("closes_on".into(), iso_day(new.closes_on).into());
                    params.insert("office_fa".into(), fa.into());
                    params.insert("office_en".into(), en.into());
                    Ok(NewNotice {
                        person: c.id.parse().map_err(|_| Error::store("person id"))?,
                        kind: NotifyKind::RoundInvitation,
                        subject: id.to_string(),
                        params,
                        due: now,
                    })
                })
                .collect::<Result<_>>()?;
            super::notify::enqueue(tx, &invitations)?;
            let offices: BTreeSet<String> = per_office
                .keys()
                .chain(quotas.keys())
                .cloned()
                .collect();
            let mut office_rows = Vec::new();
            for office in offices {
                let (expected, households) = per_office
                    .get(&office)
                    .map(|(n, h)| (*n, h.len() as u64))
                    .unwrap_or((0, 0));
                let (quota, capacity) = quotas
                    .get(&office)
                    .map(|(q, c)| (u64::from(*q), u64::from(*c)))
                    .unwrap_or((expected, u64::from(new.capacity)));
                let n = |v: u64| Value::from(i64::try_from(v).unwrap_or(i64::MAX));
                office_rows.push(vec![
                    id.to_string().into(),
                    office.into(),
                    n(quota),
                    n(capacity),
                    n(expected),
                    n(0),
                    n(households),
                    n(households),
                ]);
            }
            insert_many(
                tx,
                "INSERT INTO round_offices (round_id, office_id, quota, capacity, expected, renewed, households, households_open) VALUES ",
                8,
                office_rows,
            )?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("round.open", "round", id).with_details(serde_json::json!({
                    "name": new.name.as_str(),
                    "opens_on": iso_day(new.opens_on),
                    "closes_on": iso_day(new.closes_on),
                    "invited": admitted.len(),
                    "offices": per_office.len(),
                })),
            )?;
            view(tx, id)
        })
    }

    fn extend_round(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        id: RoundId,
        ext: &ExtendRound,
        if_match: i64,
    ) -> Result<RoundView> {
        every_office(reach, Permission::RoundManage)?;
        self.write(|tx| {
            let round = load_round(tx, id, true)?;
            if round.version != if_match {
                return Err(Error::new("round.version.stale", daftar_domain::ErrorKind::PreconditionFailed));
            }
            if ext.closes_on <= round.closes_on {
                return Err(Error::conflict("round.extension.invalid").with_field("closes_on"));
            }
            let now = tx.now();
            tx.exec(
                "UPDATE rounds SET closes_on = $2, version = version + 1 WHERE id = $1",
                params![id.to_string(), iso_day(ext.closes_on)],
            )?;
            let seq = tx
                .query_one(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM round_extensions WHERE round_id = $1",
                    params![id.to_string()],
                )?
                .i64(0)?;
            tx.exec(
                "INSERT INTO round_extensions (round_id, seq, from_day, to_day, reason, actor_id, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                params![
                    id.to_string(),
                    seq,
                    iso_day(round.closes_on),
                    iso_day(ext.closes_on),
                    ext.reason.as_str(),
                    ctx.actor_id.map(|u| u.to_string()),
                    ctx.actor.as_str(),
                    now
                ],
            )?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("round.extend", "round", id).with_details(serde_json::json!({
                    "from": iso_day(round.closes_on),
                    "to": iso_day(ext.closes_on),
                    "reason": ext.reason.as_str(),
                })),
            )?;
            view(tx, id)
        })
    }

    fn rounds(&self) -> Result<Vec<Round>> {
        self.read(|tx| {
            super::all(
                tx.query(
                    &format!("SELECT {ROUND_COLS} FROM rounds ORDER BY opens_on DESC, id DESC"),
                    &[],
                )?,
                round_row,
            )
        })
    }

    fn round(&self, id: RoundId) -> Result<RoundView> {
        self.read(|tx| view(tx, id))
    }

    fn round_coverage(&self, reach: &Reach, id: RoundId) -> Result<Coverage> {
        // Counts only: aggregate readers, or an office's own staff (`person.read`) for theirs.
        let office_staff =
            reach.permission() == Permission::PersonRead && reach.office_id().is_some();
        if reach.permission() != Permission::AggregateRead && !office_staff {
            return Err(Error::forbidden("auth.forbidden")
                .with_details(serde_json::json!({ "permission": "aggregate.read" })));
        }
        let only: Option<OfficeId> = reach.office_id();
        self.read(|tx| {
            let round = load_round(tx, id, false)?;
            let (cond, args): (&str, Vec<Value>) = match only {
                Some(o) => (" AND ro.office_id = $2", vec![id.to_string().into(), o.to_string().into()]),
                None => ("", vec![id.to_string().into()]),
            };
            let offices = super::all(
                tx.query(
                    &format!(
                        "SELECT o.id, o.code, o.name_fa, o.name_en, o.province, o.district, ro.quota, ro.capacity, ro.expected, ro.renewed, ro.households, ro.households_open FROM round_offices ro JOIN offices o ON o.id = ro.office_id WHERE ro.round_id = $1{cond} ORDER BY o.code"
                    ),
                    &args,
                )?,
                |r| {
                    Ok(OfficeCoverage {
                        office_id: r.parse(0)?,
                        code: r.text(1)?,
                        name_fa: r.text(2)?,
                        name_en: r.text(3)?,
                        province: r.text(4)?,
                        district: r.text(5)?,
                        quota: count(r.i64(6)?),
                        capacity: count(r.i64(7)?),
                        expected: count(r.i64(8)?),
                        renewed: count(r.i64(9)?),
                        households: count(r.i64(10)?),
                        households_open: count(r.i64(11)?),
                    })
                },
            )?;
            let days = super::all(
                tx.query(
                    &format!(
                        "SELECT ro.day, CAST(SUM(ro.renewed) AS BIGINT) FROM round_days ro WHERE ro.round_id = $1{cond} GROUP BY ro.day ORDER BY ro.day"
                    ),
                    &args,
                )?,
                |r| {
                    Ok(DayCount {
                        day: super::cases::date(&r.text(0)?)?,
                        renewed: count(r.i64(1)?),
                    })
                },
            )?;
            Ok(Coverage {
                round,
                offices,
                days,
            })
        })
    }

    fn round_not_seen(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: RoundId,
        req: PageRequest,
    ) -> Result<Page<NotSeen>> {
        scope.require(Permission::PersonRead)?;
        let office = scope.office_id().to_string();
        self.write(|tx| {
            load_round(tx, id, false)?;
            let page = super::paged(
                tx,
                "rm.household_key, rm.head, p.id, p.registry_no, p.given_name, p.family_name, p.father_name, p.phone",
                "FROM round_members rm JOIN persons p ON p.id = rm.person_id WHERE rm.round_id = $1 AND rm.office_id = $2 AND rm.seen_at IS NULL",
                "rm.household_key, rm.head DESC, rm.person_id",
                vec![id.to_string().into(), office.clone().into()],
                req,
                |r| {
                    Ok(NotSeen {
                        household_key: r.text(0)?,
                        head: r.bool(1)?,
                        person_id: r.parse(2)?,
                        registry_no: r.text(3)?,
                        given_name: r.text(4)?,
                        family_name: r.text(5)?,
                        father_name: r.text(6)?,
                        phone: r.text(7)?,
                    })
                },
            )?;
            let ids: Vec<String> = page.items.iter().map(|p| p.person_id.to_string()).collect();
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("round.not_seen", "office", &office).with_details(
                    serde_json::json!({ "round": id.to_string(), "page": page.page, "persons": ids }),
                ),
            )?;
            Ok(page)
        })
    }
}

/// A round's appointment capacity (issue 19.1): booking `case` (of `service`) at `office` on
/// `day` must leave every round open that day which uses the service within the office's
/// capacity per day (`round_offices.capacity`; 0 sets no limit), counting the other
/// appointments that day of cases of the round's services. Called inside the booking's
/// transaction, under the office's row lock.
pub(crate) fn check_capacity(
    tx: &mut dyn Tx,
    office: &str,
    case: CaseId,
    service: &str,
    day: Date,
) -> Result<()> {
    let day = iso_day(day);
    let rounds = tx.query(
        "SELECT r.services, ro.capacity FROM rounds r JOIN round_offices ro ON ro.round_id = r.id AND ro.office_id = $1 \
         WHERE r.opens_on <= $2 AND r.closes_on >= $2",
        params![office, day.as_str()],
    )?;
    for r in rounds {
        let services: Vec<String> = serde_json::from_str(&r.text(0)?).map_err(json_err)?;
        if !services.iter().any(|s| s == service) {
            continue;
        }
        let capacity = u32::try_from(r.i64(1)?).unwrap_or(u32::MAX);
        let placeholders: Vec<String> =
            (0..services.len()).map(|i| format!("${}", i + 4)).collect();
        let mut args: Vec<Value> =
            vec![office.into(), day.as_str().into(), case.to_string().into()];
        args.extend(services.iter().map(|s| Value::from(s.as_str())));
        let taken = tx
            .query_one(
                &format!(
                    "SELECT COUNT(*) FROM appointments a JOIN cases c ON c.id = a.case_id \
                     WHERE a.office_id = $1 AND a.day = $2 AND a.case_id <> $3 AND c.service_code IN ({})",
                    placeholders.join(", ")
                ),
                &args,
            )?
            .i64(0)?;
        daftar_domain::appointment::round_capacity_allows(
            capacity,
            u64::try_from(taken).unwrap_or(0),
        )?;
    }
    Ok(())
}
