//! Cases (personal data): opening (the facts for `usecase::open_case`, then its plan written with
//! the duplicate check under the applicant's row lock), changes (the case for
//! `usecase::decide_step`, then its plan: state, SLA clock, member outcomes), the work
//! queue, evidence records, payments with numbered receipts, the public receipt check, fee
//! complaints and the per-office fee report, and escalation of overdue cases. Every read and
//! change is audited in the same transaction.

use super::services::at_version;
use super::{all, audit, paged};
use crate::SqlStore;
use crate::sql::{Dialect, Row, Tx, Value, params};
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::calendar::WorkCalendar;
use daftar_domain::case::{
    Case, CaseDocument, CaseEvent, CaseMember, CaseSummary, CaseView, Employer, FeeReportRow,
    OfficeCaseCounts, Payment, PaymentMethod, QueueFilter, ReceiptCheck, RecordPayment,
};
use daftar_domain::ids::{CaseDocumentId, CaseId, OfficeId, PaymentId, PersonId, UserId};
use daftar_domain::jalali::JalaliDate;
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::{OfficeScope, Permission, Reach};
use daftar_domain::person::{DocumentKind, PersonStatus};
use daftar_domain::service::{EvidenceKind, ServiceCode};
use daftar_domain::usecase::decide_step::{self, DecideStep, StepFacts};
use daftar_domain::usecase::open_case::{self, Covered, OpenCase, OpenFacts, Standing};
use daftar_domain::workflow::{self, CaseState, MemberOutcome, PersonFacts, RejectReason};
use daftar_domain::{Error, Result};
use time::{Date, OffsetDateTime};

const CASE_COLS: &str = "c.id, c.reference, c.office_id, c.service_code, c.service_version, c.person_id, c.household_id, c.state, c.step, c.step_started_on, c.due_on, c.paused_remaining, c.assigned_to, c.reject_reason, c.consent, c.escalation, c.opened_at, c.version, c.fee_year, c.employer_name, c.employer_identifier";
/// Columns in [`CASE_COLS`]: what a query adds after them starts at this index.
const CASE_NCOLS: usize = 21;

fn iso(d: Date) -> String {
    daftar_domain::jalali::iso_day(d)
}

pub(crate) fn date(s: &str) -> Result<Date> {
    Ok(JalaliDate::parse(s)?.iso())
}

fn case_row(r: &Row) -> Result<(Case, i32)> {
    Ok((
        Case {
            id: r.parse(0)?,
            reference: r.text(1)?,
            office_id: r.parse(2)?,
            service: ServiceCode::parse(&r.text(3)?)?,
            service_version: r.i64(4)?,
            person_id: r.parse(5)?,
            household_id: r.opt_parse(6)?,
            state: CaseState::parse(&r.text(7)?)?,
            step: usize::try_from(r.i64(8)?).unwrap_or(0),
            step_started_on: date(&r.text(9)?)?,
            due_on: r.opt_text(10)?.map(|s| date(&s)).transpose()?,
            paused_remaining: match r.0.get(11) {
                Some(Value::I64(n)) => Some(*n),
                _ => None,
            },
            assigned_to: r.opt_parse(12)?,
            reject_reason: r
                .opt_text(13)?
                .map(|s| RejectReason::parse(&s))
                .transpose()?,
            consent: r.bool(14)?,
            escalation: r.i64(15)?,
            opened_at: r.ts(16)?,
            version: r.i64(17)?,
            employer: r
                .opt_text(19)?
                .map(|name| {
                    Ok::<_, Error>(Employer::stored(name, r.opt_text(20)?.unwrap_or_default()))
                })
                .transpose()?,
        },
        i32::try_from(r.i64(18)?).unwrap_or(0),
    ))
}

/// The case if it belongs to `office` (`case.not_found` otherwise), with its fee year.
pub(super) fn load(tx: &mut dyn Tx, office: OfficeId, id: CaseId) -> Result<(Case, i32)> {
    let r = tx
        .query_opt(
            &format!("SELECT {CASE_COLS} FROM cases c WHERE c.id = $1 AND c.office_id = $2"),
            params![id.to_string(), office.to_string()],
        )?
        .ok_or_else(|| Error::not_found("case.not_found"))?;
    case_row(&r)
}

pub(super) fn view(tx: &mut dyn Tx, case: Case, fee_year: i32) -> Result<CaseView> {
    let id = case.id.to_string();
    let definition = at_version(tx, case.service.as_str(), case.service_version)?;
    let members = all(
        tx.query(
            "SELECT m.person_id, p.registry_no, p.given_name, p.family_name, m.outcome, m.reason FROM case_members m JOIN persons p ON p.id = m.person_id WHERE m.case_id = $1 ORDER BY m.position",
            params![id.as_str()],
        )?,
        |r| {
            Ok(CaseMember {
                person_id: r.parse(0)?,
                registry_no: r.text(1)?,
                name: format!("{} {}", r.text(2)?, r.text(3)?).trim().to_owned(),
                outcome: MemberOutcome::parse(&r.text(4)?)?,
                reason: r.opt_text(5)?.map(|s| RejectReason::parse(&s)).transpose()?,
            })
        },
    )?;
    let events = all(
        tx.query(
            "SELECT at, actor, kind, step, note FROM case_events WHERE case_id = $1 ORDER BY seq",
            params![id.as_str()],
        )?,
        |r| {
            Ok(CaseEvent {
                at: r.ts(0)?,
                actor: r.text(1)?,
                kind: r.text(2)?,
                step: usize::try_from(r.i64(3)?).unwrap_or(0),
                note: r.text(4)?,
            })
        },
    )?;
    let documents = all(
        tx.query(
            "SELECT id, kind, filename, content_type, size, sha256, uploaded_at FROM case_documents WHERE case_id = $1 ORDER BY uploaded_at, id",
            params![id.as_str()],
        )?,
        document,
    )?;
    let payments = all(
        tx.query(
            "SELECT id, fee_code, rials, method, recorded_by, recorded_at, receipt_no, check_code FROM payments WHERE case_id = $1 ORDER BY recorded_at, id",
            params![id.as_str()],
        )?,
        |r| {
            Ok(Payment {
                id: r.parse(0)?,
                fee: r.text(1)?,
                rials: u64::try_from(r.i64(2)?).unwrap_or(0),
                method: PaymentMethod::parse(&r.text(3)?)?,
                recorded_by: r.text(4)?,
                recorded_at: r.ts(5)?,
                receipt_no: r.text(6)?,
                check_code: r.text(7)?,
            })
        },
    )?;
    let member_count = u32::try_from(members.len()).unwrap_or(1);
    let fees_due = definition.fees_due(fee_year, member_count)?;
    Ok(CaseView {
        case,
        definition,
        members,
        events,
        documents,
        fees_due,
        payments,
    })
}

fn document(r: &Row) -> Result<CaseDocument> {
    Ok(CaseDocument {
        id: r.parse(0)?,
        kind: EvidenceKind::parse(&r.text(1)?)?,
        filename: r.text(2)?,
        content_type: r.text(3)?,
        size: r.i64(4)?,
        sha256: r.text(5)?,
        uploaded_at: r.ts(6)?,
    })
}

fn add_event(
    tx: &mut dyn Tx,
    case: CaseId,
    actor: &str,
    kind: &str,
    step: usize,
    note: &str,
    at: OffsetDateTime,
) -> Result<()> {
    let seq = tx
        .query_one(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM case_events WHERE case_id = $1",
            params![case.to_string()],
        )?
        .i64(0)?;
    NewEvent {
        case,
        actor,
        kind,
        step,
        note,
        at,
    }
    .write(tx, seq)
}

/// An event of a case, to be written.
struct NewEvent<'a> {
    case: CaseId,
    actor: &'a str,
    kind: &'a str,
    step: usize,
    note: &'a str,
    at: OffsetDateTime,
}

impl NewEvent<'_> {
    /// Writes it as the case's event `seq` (deferred: nothing reads its answer).
    fn write(self, tx: &mut dyn Tx, seq: i64) -> Result<()> {
        tx.defer(
            "INSERT INTO case_events (case_id, seq, at, actor, kind, step, note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            params![self.case.to_string(), seq, self.at, self.actor, self.kind, self.step as i64, self.note],
        )?;
        Ok(())
    }
}

/// The next number of `kind` for the office in Solar Hijri `year`, and the office code.
fn next_number(tx: &mut dyn Tx, office: OfficeId, kind: &str, year: i32) -> Result<(String, i64)> {
    let n = tx
        .query_one(
            "INSERT INTO case_counters (office_id, kind, year, next) VALUES ($1, $2, $3, 1) ON CONFLICT (office_id, kind, year) DO UPDATE SET next = case_counters.next + 1 RETURNING next",
            params![office.to_string(), kind, i64::from(year)],
        )?
        .i64(0)?;
    Ok((office_code(tx, office)?, n))
}

/// The office's code.
fn office_code(tx: &mut dyn Tx, office: OfficeId) -> Result<String> {
    tx.query_one(
        "SELECT code FROM offices WHERE id = $1",
        params![office.to_string()],
    )?
    .text(0)
}

impl SqlStore {
    /// On PostgreSQL, the next case number of the office in `year` from this node's reserved
    /// block, reserving a new block in its own transaction when it is used up
    /// ([`crate::numbers`]); on SQLite `None`: the opening takes the counter in its own
    /// transaction, gap-free.
    fn reserved_case_number(
        &self,
        office: OfficeId,
        year: i32,
    ) -> Result<Option<crate::numbers::Numbered>> {
        if !matches!(self.db, crate::Db::Postgres(_)) {
            return Ok(None);
        }
        let key = (office.to_string(), "case", year);
        if let Some(n) = self.numbers.take(&key) {
            return Ok(Some(n));
        }
        let block = crate::numbers::BLOCK;
        let (last, code) = self.write(|tx| {
            let r = tx.query_one(
                "INSERT INTO case_counters (office_id, kind, year, next) VALUES ($1, 'case', $2, $3) ON CONFLICT (office_id, kind, year) DO UPDATE SET next = case_counters.next + $3 RETURNING next, (SELECT code FROM offices WHERE id = $1)",
                params![office.to_string(), i64::from(year), block],
            )?;
            Ok((r.i64(0)?, r.text(1)?))
        })?;
        Ok(Some(self.numbers.keep(key, last - block + 1, last, code)))
    }
}

/// A person of the office a case would cover, with their eligibility facts (`person.not_found`,
/// field `person_id`).
/// The person a case covers (in the office, not merged, visible): `$1` person, `$2` office.
const COVERED_PERSON: &str = concat!(
    "SELECT status, birth_date, registry_no, given_name, family_name FROM persons WHERE id = $1 AND office_id = $2 AND merged_into IS NULL AND ",
    person_visible!()
);
/// The kinds of the person's documents valid on a day: `$1` person, `$2` the day.
const COVERED_DOCUMENTS: &str = "SELECT DISTINCT kind FROM person_documents WHERE person_id = $1 AND (valid_until IS NULL OR valid_until >= $2)";
/// The household a person lives in within the office: `$1` person, `$2` office.
const STANDING: &str = "SELECT h.id, h.head_person_id FROM household_members m JOIN households h ON h.id = m.household_id WHERE m.person_id = $1 AND m.left_at IS NULL AND h.office_id = $2";

fn covered(tx: &mut dyn Tx, office: OfficeId, id: PersonId, today: Date) -> Result<Covered> {
    let (who, at, day) = (id.to_string(), office.to_string(), iso(today));
    let mut rows = tx.query_many(&[
        (COVERED_PERSON, params![who.as_str(), at.as_str()]),
        (COVERED_DOCUMENTS, params![who.as_str(), day.as_str()]),
    ])?;
    let documents = rows.pop().unwrap_or_default();
    let person = rows.pop().unwrap_or_default();
    covered_from(id, person, &documents, today)
}

/// [`Covered`] from the answers to [`COVERED_PERSON`] and [`COVERED_DOCUMENTS`].
fn covered_from(id: PersonId, person: Vec<Row>, documents: &[Row], today: Date) -> Result<Covered> {
    let r = person
        .into_iter()
        .next()
        .ok_or_else(|| Error::not_found("person.not_found").with_field("person_id"))?;
    let status = PersonStatus::parse(&r.text(0)?)?;
    // Year-only and month-only dates are stored as the first day of the period, so the age is
    // the smallest age the person can have: never counted older than they may be.
    let age = r
        .opt_text(1)?
        .and_then(|s| date(&s).ok())
        .and_then(|b| workflow::age_on(b, today));
    let documents = documents
        .iter()
        .filter_map(|r| r.text(0).ok().and_then(|k| DocumentKind::parse(&k).ok()))
        .collect();
    Ok(Covered {
        id,
        registry_no: r.text(2)?,
        name: format!("{} {}", r.text(3)?, r.text(4)?).trim().to_owned(),
        facts: PersonFacts {
            status,
            age,
            documents,
        },
    })
}

/// Where the person stands in the office's households, from the answer to [`STANDING`]: the
/// head of the one they belong to, a member of someone else's, or in none.
fn standing_from(person: PersonId, rows: &[Row]) -> Result<Standing> {
    Ok(match rows.first() {
        None => Standing::Alone,
        Some(r) if r.parse::<PersonId>(1)? == person => Standing::Head(r.parse(0)?),
        Some(r) => Standing::Member(r.parse(0)?),
    })
}

fn closed(state: CaseState) -> Error {
    Error::conflict("case.closed").with_detail("state", serde_json::json!(state))
}

/// An unguessable code for the receipt QR (20 hex characters = 80 bits from a fresh ULID's
/// randomness, hashed so it reveals nothing about time).
fn check_code() -> String {
    use sha2::{Digest, Sha256};
    let seed = ulid::Ulid::new();
    let h = Sha256::digest(seed.random().to_be_bytes());
    hex::encode(&h[..10])
}

impl daftar_domain::store::CaseStore for SqlStore {
    fn open_case(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        cmd: &OpenCase,
        cal: &WorkCalendar,
        today: Date,
    ) -> Result<CaseView> {
        scope.require(Permission::PersonWrite)?;
        let office = scope.office_id();
        let person = cmd.person;
        let now = self.now();
        // Facts first and the decision outside the writer, so that the writer lock is held only
        // for the duplicate check and the inserts; the answer is built from the plan.
        let (plan, return_clearance) = self.read(|tx| {
            // The service, the applicant and their household in one flight.
            let (who, at, day) = (person.to_string(), office.to_string(), iso(today));
            let mut rows = tx.query_many(&[
                (super::services::CURRENT, params![cmd.service.as_str()]),
                (COVERED_PERSON, params![who.as_str(), at.as_str()]),
                (COVERED_DOCUMENTS, params![who.as_str(), day.as_str()]),
                (STANDING, params![who.as_str(), at.as_str()]),
            ])?
            .into_iter();
            let mut next = || rows.next().unwrap_or_default();
            let svc = super::services::current_from(next())?;
            let applicant = covered_from(person, next(), &next(), today)?;
            let standing = standing_from(person, &next())?;
            let members = match standing {
                Standing::Head(h) => tx
                    .query(
                        "SELECT person_id FROM household_members WHERE household_id = $1 AND left_at IS NULL AND person_id <> $2 ORDER BY joined_at, person_id",
                        params![h.to_string(), person.to_string()],
                    )?
                    .iter()
                    .map(|r| covered(tx, office, r.parse(0)?, today))
                    .collect::<Result<Vec<_>>>()?,
                _ => vec![],
            };
            let plan = open_case::decide(
                &OpenFacts {
                    service: &svc,
                    applicant,
                    standing,
                    members,
                    today,
                    calendar: cal,
                },
                cmd,
            )?;
            Ok((plan, svc.definition.return_clearance))
        })?;
        let id = CaseId::new();
        let reserved = self.reserved_case_number(office, plan.fee_year)?;
        self.write(|tx| {
            // One open case per person and service: the applicant's row is locked (PostgreSQL;
            // SQLite has one writer), so a second opening, from this node or another, waits
            // here and then sees the first.
            // Both statements go in one flight: the server runs the second only once the first
            // holds the lock, so it still sees an opening that committed while this one waited.
            let lock = format!("SELECT id FROM persons WHERE id = $1{}", tx.dialect().for_update());
            let (who, service) = (person.to_string(), plan.service.as_str().to_owned());
            let mut answers = tx.query_many(&[
                (lock.as_str(), params![who.as_str()]),
                (
                    "SELECT reference FROM cases WHERE person_id = $1 AND service_code = $2 AND state IN ('open', 'returned')",
                    params![who.as_str(), service.as_str()],
                ),
            ])?;
            if let Some(r) = answers.pop().and_then(|rows| rows.into_iter().next()) {
                return Err(open_case::duplicate(&r.text(0)?));
            }
            // The catalogue's exit permit: only on a return the screening allows, read under
            // the applicant's lock.
            if return_clearance && !super::voluntary_return::exit_permitted(tx, &person.to_string())? {
                return Err(Error::conflict("case.return.not_cleared"));
            }
            // The reference: on PostgreSQL numbered above from this node's block (no lock held
            // here); on SQLite from the office's counter row, taken last (below), gap-free; until
            // then the case carries its id.
            let numbered = reserved.map(|(n, code)| plan.reference(&code, n));
            let employer = plan.employer.as_ref();
            tx.defer(
                "INSERT INTO cases (id, reference, office_id, service_code, service_version, person_id, household_id, state, step, step_started_on, due_on, consent, escalation, fee_year, opened_at, opened_by, version, employer_name, employer_identifier) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', 0, $8, $9, $10, 0, $11, $12, $13, 1, $14, $15)",
                params![
                    id.to_string(),
                    numbered.clone().unwrap_or_else(|| id.to_string()),
                    office.to_string(),
                    plan.service.as_str(),
                    plan.service_version,
                    person.to_string(),
                    plan.household.map(|h| h.to_string()),
                    iso(plan.step_started_on),
                    iso(plan.due_on),
                    plan.consent,
                    i64::from(plan.fee_year),
                    now,
                    ctx.actor.as_str(),
                    employer.map(|e| e.name().to_owned()),
                    employer.map(|e| e.identifier().to_owned())
                ],
            )?;
            for (i, m) in plan.members.iter().enumerate() {
                tx.defer(
                    "INSERT INTO case_members (case_id, person_id, position, outcome) VALUES ($1, $2, $3, 'pending')",
                    params![id.to_string(), m.person_id.to_string(), i as i64],
                )?;
            }
            // A new case's first event.
            NewEvent {
                case: id,
                actor: &ctx.actor,
                kind: "case.open",
                step: 0,
                note: plan.note.as_str(),
                at: now,
            }
            .write(tx, 1)?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("case.open", "case", id).with_details(serde_json::json!({
                    "service": plan.service.as_str(),
                    "version": plan.service_version,
                    "person": person.to_string(),
                    "members": plan.members.len(),
                    "employer": employer.is_some(),
                })),
            )?;
            let reference = match numbered {
                Some(r) => r,
                None => {
                    let (office_code, n) = next_number(tx, office, "case", plan.fee_year)?;
                    let reference = plan.reference(&office_code, n);
                    tx.exec(
                        "UPDATE cases SET reference = $1 WHERE id = $2",
                        params![reference.as_str(), id.to_string()],
                    )?;
                    reference
                }
            };
            let view = CaseView {
                case: Case {
                    id,
                    reference,
                    office_id: office,
                    service: plan.service.clone(),
                    service_version: plan.service_version,
                    person_id: person,
                    household_id: plan.household,
                    state: CaseState::Open,
                    step: 0,
                    step_started_on: plan.step_started_on,
                    due_on: Some(plan.due_on),
                    paused_remaining: None,
                    assigned_to: None,
                    reject_reason: None,
                    consent: plan.consent,
                    escalation: 0,
                    employer: plan.employer.clone(),
                    opened_at: now,
                    version: 1,
                },
                definition: plan.definition.clone(),
                members: plan.members.clone(),
                events: vec![CaseEvent {
                    at: now,
                    actor: ctx.actor.clone(),
                    kind: "case.open".into(),
                    step: 0,
                    note: plan.note.as_str().to_owned(),
                }],
                documents: vec![],
                fees_due: plan.fees_due.clone(),
                payments: vec![],
            };
            super::idempotency::attach(tx, view)
        })
    }

    fn get_case(&self, ctx: &AuditCtx, scope: &OfficeScope, id: CaseId) -> Result<CaseView> {
        scope.require(Permission::PersonRead)?;
        self.write(|tx| {
            let (case, year) = load(tx, scope.office_id(), id)?;
            audit::append(tx, ctx, &AuditEvent::new("case.read", "case", id))?;
            view(tx, case, year)
        })
    }

    fn get_case_of(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: CaseId,
        person: PersonId,
    ) -> Result<CaseView> {
        scope.require(Permission::PersonRead)?;
        // The refusal is audited and committed, so the transaction answers `None` for it.
        let shown = self.write(|tx| {
            let found = match load(tx, scope.office_id(), id) {
                Ok((case, year)) => Some(view(tx, case, year)?),
                Err(e) if e.code == "case.not_found" => None,
                Err(e) => return Err(e),
            };
            let theirs = found.filter(|v| {
                v.case.person_id == person || v.members.iter().any(|m| m.person_id == person)
            });
            let action = if theirs.is_some() {
                "case.read"
            } else {
                "case.read.refused"
            };
            audit::append(tx, ctx, &AuditEvent::new(action, "case", id))?;
            Ok(theirs)
        })?;
        shown.ok_or_else(|| Error::not_found("case.not_found"))
    }

    #[allow(clippy::too_many_arguments)]
    fn change_case(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        role: &str,
        id: CaseId,
        if_match: i64,
        cmd: &DecideStep,
        cal: &WorkCalendar,
        today: Date,
        country: &str,
    ) -> Result<CaseView> {
        scope.require(Permission::PersonRead)?;
        let now = self.now();
        self.write(|tx| {
            let (case, year) = load(tx, scope.office_id(), id)?;
            let v = view(tx, case, year)?;
            // Accreditations the step needs and the actor's records, in this transaction.
            let rules = super::accreditation::rules(tx)?;
            let records = match &ctx.actor_id {
                Some(u) if !rules.accreditations.is_empty() => {
                    super::accreditation::records(tx, &u.to_string())?
                }
                _ => vec![],
            };
            let plan = decide_step::decide(
                &StepFacts {
                    case: &v,
                    role,
                    if_match,
                    today,
                    calendar: cal,
                    accreditations: &rules,
                    records: &records,
                },
                cmd,
            )?;
            // A case of a `return_clearance` service advances only while its applicant's
            // return still permits an exit (a flag raised or a withdrawal since the opening
            // stops it); returning, rejecting and cancelling stay possible.
            if v.definition.return_clearance
                && !matches!(
                    plan.state,
                    CaseState::Returned | CaseState::Rejected | CaseState::Cancelled
                )
                && !super::voluntary_return::exit_permitted(tx, &v.case.person_id.to_string())?
            {
                return Err(Error::conflict("case.return.not_cleared"));
            }
            tx.exec(
                "UPDATE cases SET state = $1, step = $2, step_started_on = $3, due_on = $4, paused_remaining = $5, reject_reason = $6, consent = $7, closed_at = $8, version = version + 1 WHERE id = $9",
                params![
                    plan.state.code(),
                    plan.step as i64,
                    iso(plan.step_started_on),
                    plan.due_on.map(iso),
                    plan.paused_remaining,
                    plan.reject_reason.map(|r| r.code()),
                    plan.consent,
                    plan.closes.then_some(now),
                    id.to_string()
                ],
            )?;
            if let Some(o) = plan.member_outcome {
                tx.exec(
                    "UPDATE case_members SET outcome = $1, reason = COALESCE(reason, $2) WHERE case_id = $3 AND outcome = 'pending'",
                    params![o.code(), plan.reject_reason.map(|r| r.code()), id.to_string()],
                )?;
            }
            if plan.consent_given {
                add_event(tx, id, &ctx.actor, "case.consent", plan.from_step, "", now)?;
            }
            add_event(tx, id, &ctx.actor, plan.event, plan.from_step, &plan.note, now)?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new(plan.event, "case", id).with_details(serde_json::json!({
                    "from": plan.from, "to": plan.state, "step": plan.from_step, "reason": plan.reject_reason,
                })),
            )?;
            let (case, year) = load(tx, scope.office_id(), id)?;
            let answered = view(tx, case, year)?;
            // An approval issues what it grants in this transaction (issue 16: never an
            // approval, or its idempotent answer, committed without its credentials).
            super::credentials::grant(tx, ctx, &answered, country, today)?;
            // Coverage of open rounds moves with the approval (issue 19.2), in this transaction.
            if plan.state != plan.from {
                super::rounds::seen(tx, &answered, today)?;
            }
            // The decision, to the applicant, in this transaction (issue 19.3; legally required).
            if plan.state != plan.from
                && matches!(plan.state, CaseState::Approved | CaseState::Rejected)
            {
                let reason = plan.reject_reason.map(|r| r.code().to_owned()).unwrap_or_default();
                super::notify::about_case(
                    tx,
                    &answered,
                    daftar_domain::notify::Kind::CaseDecision,
                    &id.to_string(),
                    now,
                    &[("decision", plan.state.code().to_owned()), ("reason", reason)],
                )?;
            }
            super::idempotency::attach(tx, answered)
        })
    }

    fn assign_cases(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        ids: &[CaseId],
        to: Option<UserId>,
    ) -> Result<u64> {
        scope.require(Permission::PersonWrite)?;
        if ids.is_empty() || ids.len() > 500 {
            return Err(Error::invalid("case.assign.invalid").with_field("ids"));
        }
        let office = scope.office_id().to_string();
        self.write(|tx| {
            if let Some(u) = to {
                tx.query_opt(
                    "SELECT 1 FROM users WHERE id = $1 AND office_id = $2 AND status = 'active'",
                    params![u.to_string(), office.as_str()],
                )?
                .ok_or_else(|| Error::conflict("case.assignee.invalid").with_field("assignee"))?;
            }
            let mut n = 0;
            for id in ids {
                n += tx.exec(
                    "UPDATE cases SET assigned_to = $1, version = version + 1 WHERE id = $2 AND office_id = $3 AND state IN ('open', 'returned')",
                    params![to.map(|u| u.to_string()), id.to_string(), office.as_str()],
                )?;
            }
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("case.assign", "office", &office).with_details(serde_json::json!({
                    "cases": ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    "to": to.map(|u| u.to_string()),
                    "changed": n,
                })),
            )?;
            Ok(n)
        })
    }

    fn case_queue(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        filter: QueueFilter,
        today: Date,
        req: PageRequest,
    ) -> Result<Page<CaseSummary>> {
        scope.require(Permission::PersonRead)?;
        let office = scope.office_id().to_string();
        let cond = match filter {
            QueueFilter::Active => "c.state IN ('open', 'returned')",
            QueueFilter::DueToday => "c.state = 'open' AND c.due_on = $2",
            QueueFilter::Overdue => "c.state = 'open' AND c.due_on < $2",
            QueueFilter::Waiting => "c.state = 'returned'",
            QueueFilter::Closed => "c.state IN ('approved', 'rejected', 'cancelled')",
        };
        let mut args: Vec<Value> = vec![office.clone().into()];
        if cond.contains("$2") {
            args.push(iso(today).into());
        }
        self.write(|tx| {
            let page = paged(
                tx,
                &format!("{CASE_COLS}, p.registry_no, p.given_name, p.family_name"),
                &format!("FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.office_id = $1 AND {cond}"),
                "c.due_on IS NULL, c.due_on, c.opened_at, c.id",
                args,
                req,
                |r| {
                    Ok(CaseSummary {
                        case: case_row(r)?.0,
                        registry_no: r.text(CASE_NCOLS)?,
                        name: format!("{} {}", r.text(CASE_NCOLS + 1)?, r.text(CASE_NCOLS + 2)?).trim().to_owned(),
                    })
                },
            )?;
            let ids: Vec<String> = page.items.iter().map(|c| c.case.id.to_string()).collect();
            // The persons shown (their access logs list this page: `audit::access_log`).
            let persons: Vec<String> = page.items.iter().map(|c| c.case.person_id.to_string()).collect();
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("case.list", "office", &office).with_details(serde_json::json!({
                    "filter": filter.code(), "page": page.page, "cases": ids, "persons": persons,
                })),
            )?;
            Ok(page)
        })
    }

    fn person_cases(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
    ) -> Result<Vec<CaseSummary>> {
        scope.require(Permission::PersonRead)?;
        self.write(|tx| {
            let rows = tx.query(
                &format!(
                    "SELECT {CASE_COLS}, p.registry_no, p.given_name, p.family_name FROM cases c JOIN persons p ON p.id = c.person_id \
                     WHERE c.office_id = $1 AND (c.person_id = $2 OR c.id IN (SELECT case_id FROM case_members WHERE person_id = $2)) \
                     ORDER BY c.opened_at DESC, c.id LIMIT 200"
                ),
                params![scope.office_id().to_string(), person.to_string()],
            )?;
            let list = all(rows, |r| {
                Ok(CaseSummary {
                    case: case_row(r)?.0,
                    registry_no: r.text(CASE_NCOLS)?,
                    name: format!("{} {}", r.text(CASE_NCOLS + 1)?, r.text(CASE_NCOLS + 2)?).trim().to_owned(),
                })
            })?;
            audit::log(tx, ctx, "case.list_person", "person", person)?;
            Ok(list)
        })
    }

    fn add_case_document(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: CaseId,
        doc: &CaseDocument,
        blob_key: &str,
    ) -> Result<CaseDocument> {
        scope.require(Permission::PersonWrite)?;
        self.write(|tx| {
            let (case, _) = load(tx, scope.office_id(), id)?;
            if case.state.is_final() {
                return Err(closed(case.state));
            }
            tx.exec(
                "INSERT INTO case_documents (id, case_id, kind, filename, content_type, size, sha256, blob_key, uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                params![
                    doc.id.to_string(),
                    id.to_string(),
                    doc.kind.code(),
                    doc.filename.as_str(),
                    doc.content_type.as_str(),
                    doc.size,
                    doc.sha256.as_str(),
                    blob_key,
                    doc.uploaded_at,
                    ctx.actor.as_str()
                ],
            )?;
            tx.exec("UPDATE cases SET version = version + 1 WHERE id = $1", params![id.to_string()])?;
            add_event(tx, id, &ctx.actor, "case.document.add", case.step, doc.kind.code(), doc.uploaded_at)?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("case.document.add", "case", id).with_details(serde_json::json!({
                    "document": doc.id.to_string(), "kind": doc.kind, "sha256": doc.sha256, "size": doc.size,
                })),
            )?;
            Ok(doc.clone())
        })
    }

    fn case_document(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: CaseId,
        doc: CaseDocumentId,
    ) -> Result<(CaseDocument, String)> {
        scope.require(Permission::PersonRead)?;
        self.write(|tx| {
            load(tx, scope.office_id(), id)?;
            let r = tx
                .query_opt(
                    "SELECT id, kind, filename, content_type, size, sha256, uploaded_at, blob_key FROM case_documents WHERE id = $1 AND case_id = $2",
                    params![doc.to_string(), id.to_string()],
                )?
                .ok_or_else(|| Error::not_found("case.document.not_found"))?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("case.document.read", "case", id)
                    .with_details(serde_json::json!({ "document": doc.to_string() })),
            )?;
            Ok((document(&r)?, r.text(7)?))
        })
    }

    fn record_payment(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: CaseId,
        p: &RecordPayment,
        today: Date,
    ) -> Result<Payment> {
        scope.require(Permission::PersonWrite)?;
        let (rials, method) = (p.rials(), p.method());
        let now = self.now();
        self.write(|tx| {
            let (case, year) = load(tx, scope.office_id(), id)?;
            if case.state.is_final() {
                return Err(closed(case.state));
            }
            let v = view(tx, case, year)?;
            let fee = p.fee();
            if !v.fees_due.iter().any(|f| f.code == fee) {
                return Err(Error::invalid("payment.fee.invalid").with_field("fee"));
            }
            let outstanding = v.outstanding(fee);
            if rials > outstanding {
                return Err(Error::conflict("payment.amount.above_schedule")
                    .with_field("rials")
                    .with_detail("outstanding", serde_json::json!(outstanding)));
            }
            let jyear = JalaliDate::from_iso(today).year();
            let (office_code, n) = next_number(tx, scope.office_id(), "receipt", jyear)?;
            let receipt_no = format!("{office_code}-R{jyear}-{n:06}");
            let check_code = check_code();
            let pid = PaymentId::new();
            tx.exec(
                "INSERT INTO payments (id, case_id, office_id, service_code, fee_code, rials, method, recorded_by, recorded_at, paid_on, receipt_no, check_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                params![
                    pid.to_string(),
                    id.to_string(),
                    scope.office_id().to_string(),
                    v.case.service.as_str(),
                    fee,
                    i64::try_from(rials).unwrap_or(i64::MAX),
                    method.code(),
                    ctx.actor.as_str(),
                    now,
                    iso(today),
                    receipt_no.as_str(),
                    check_code.as_str()
                ],
            )?;
            tx.exec("UPDATE cases SET version = version + 1 WHERE id = $1", params![id.to_string()])?;
            add_event(tx, id, &ctx.actor, "case.payment", v.case.step, &receipt_no, now)?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("case.payment", "case", id).with_details(serde_json::json!({
                    "fee": fee, "rials": rials, "method": method, "receipt": receipt_no,
                })),
            )?;
            super::idempotency::attach(tx, Payment {
                id: pid,
                fee: fee.to_owned(),
                rials,
                method,
                recorded_by: ctx.actor.clone(),
                recorded_at: now,
                receipt_no,
                check_code,
            })
        })
    }

    fn check_receipt(&self, code: &str) -> Result<ReceiptCheck> {
        let code = code.trim();
        if code.is_empty() || code.len() > 64 {
            return Err(Error::not_found("receipt.not_found"));
        }
        self.read(|tx| {
            let r = tx
                .query_opt(
                    "SELECT p.receipt_no, p.rials, p.service_code, p.fee_code, o.code, o.name_fa, p.paid_on FROM payments p JOIN offices o ON o.id = p.office_id WHERE p.check_code = $1",
                    params![code],
                )?
                .ok_or_else(|| Error::not_found("receipt.not_found"))?;
            Ok(ReceiptCheck {
                receipt_no: r.text(0)?,
                rials: u64::try_from(r.i64(1)?).unwrap_or(0),
                service: ServiceCode::parse(&r.text(2)?)?,
                fee: r.text(3)?,
                office_code: r.text(4)?,
                office_name: r.text(5)?,
                paid_on: date(&r.text(6)?)?,
            })
        })
    }

    fn fee_complaint(&self, ctx: &AuditCtx, code: &str, asked: u64, note: &str) -> Result<()> {
        let receipt = daftar_domain::store::CaseStore::check_receipt(self, code)?;
        if asked == 0 || asked > daftar_domain::service::MAX_FEE_RIALS {
            return Err(Error::invalid("payment.amount.invalid").with_field("asked_rials"));
        }
        if note.chars().count() > 1000 {
            return Err(Error::invalid("complaint.note.invalid").with_field("note"));
        }
        let now = self.now();
        self.write(|tx| {
            let id = ulid::Ulid::new().to_string();
            tx.exec(
                "INSERT INTO fee_complaints (id, receipt_no, asked_rials, note, created_at) VALUES ($1, $2, $3, $4, $5)",
                params![id.as_str(), receipt.receipt_no.as_str(), i64::try_from(asked).unwrap_or(i64::MAX), note.trim(), now],
            )?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("fee.complaint", "receipt", &receipt.receipt_no).with_details(
                    serde_json::json!({ "asked_rials": asked, "paid_rials": receipt.rials }),
                ),
            )?;
            Ok(())
        })
    }

    fn fee_report(&self, reach: &Reach, from: Date, to: Date) -> Result<Vec<FeeReportRow>> {
        if reach.permission() != Permission::AggregateRead {
            return Err(Error::forbidden("auth.forbidden"));
        }
        let office = reach.office_id().map(|o| o.to_string());
        self.read(|tx| {
            let rows = tx.query(
                "SELECT o.id, o.code, \
                   (SELECT COUNT(*) FROM payments p WHERE p.office_id = o.id AND p.paid_on BETWEEN $1 AND $2), \
                   (SELECT CAST(COALESCE(SUM(p.rials), 0) AS BIGINT) FROM payments p WHERE p.office_id = o.id AND p.paid_on BETWEEN $1 AND $2), \
                   (SELECT COUNT(*) FROM fee_complaints f JOIN payments p ON p.receipt_no = f.receipt_no WHERE p.office_id = o.id AND p.paid_on BETWEEN $1 AND $2), \
                   (SELECT CAST(COALESCE(SUM(f.asked_rials - p.rials), 0) AS BIGINT) FROM fee_complaints f JOIN payments p ON p.receipt_no = f.receipt_no WHERE p.office_id = o.id AND p.paid_on BETWEEN $1 AND $2 AND f.asked_rials > p.rials) \
                 FROM offices o WHERE ($3 = '' OR o.id = $3) ORDER BY o.code",
                params![iso(from), iso(to), office.unwrap_or_default()],
            )?;
            let n = |r: &Row, i| r.i64(i).map(|v| u64::try_from(v).unwrap_or(0));
            all(rows, |r| {
                Ok(FeeReportRow {
                    office_id: r.parse(0)?,
                    office_code: r.text(1)?,
                    payments: n(r, 2)?,
                    rials: n(r, 3)?,
                    complaints: n(r, 4)?,
                    complained_extra_rials: n(r, 5)?,
                    suppressed: false,
                })
            })
        })
    }

    fn case_counts(&self, reach: &Reach, today: Date) -> Result<Vec<OfficeCaseCounts>> {
        if !matches!(
            reach.permission(),
            Permission::PersonRead | Permission::AggregateRead
        ) {
            return Err(Error::forbidden("auth.forbidden"));
        }
        let office = reach.office_id().map(|o| o.to_string());
        self.read(|tx| {
            let rows = tx.query(
                "SELECT o.id, \
                   (SELECT COUNT(*) FROM cases c WHERE c.office_id = o.id AND c.state IN ('open', 'returned')), \
                   (SELECT COUNT(*) FROM cases c WHERE c.office_id = o.id AND c.state = 'open' AND c.due_on = $1), \
                   (SELECT COUNT(*) FROM cases c WHERE c.office_id = o.id AND c.state = 'open' AND c.due_on < $1), \
                   (SELECT COUNT(*) FROM cases c WHERE c.office_id = o.id AND c.state = 'returned'), \
                   (SELECT COUNT(*) FROM cases c WHERE c.office_id = o.id AND c.state = 'open' AND c.escalation = 1), \
                   (SELECT COUNT(*) FROM cases c WHERE c.office_id = o.id AND c.state = 'open' AND c.escalation >= 2) \
                 FROM offices o WHERE ($2 = '' OR o.id = $2) ORDER BY o.code",
                params![iso(today), office.unwrap_or_default()],
            )?;
            let n = |r: &Row, i| r.i64(i).map(|v| u64::try_from(v).unwrap_or(0));
            all(rows, |r| {
                Ok(OfficeCaseCounts {
                    office_id: r.parse(0)?,
                    active: n(r, 1)?,
                    due_today: n(r, 2)?,
                    overdue: n(r, 3)?,
                    waiting: n(r, 4)?,
                    escalated_manager: n(r, 5)?,
                    escalated_authority: n(r, 6)?,
                })
            })
        })
    }

    fn escalate_overdue(
        &self,
        ctx: &AuditCtx,
        cal: &WorkCalendar,
        today: Date,
        authority_after: u32,
    ) -> Result<u64> {
        let now = self.now();
        self.write(|tx| {
            // One node at a time (several web nodes run this job): a node that finds another's
            // pass running leaves the work to it. The conditional update below keeps a case
            // from moving up twice even without the lock (SQLite has one writer anyway).
            if tx.dialect() == Dialect::Postgres
                && tx
                    .query_one(
                        "SELECT CASE WHEN pg_try_advisory_xact_lock(71844) THEN 1 ELSE 0 END",
                        &[],
                    )?
                    .i64(0)?
                    == 0
            {
                return Ok(0);
            }
            let rows = tx.query(
                &format!("SELECT {CASE_COLS} FROM cases c WHERE c.state = 'open' AND c.due_on < $1 AND c.escalation < 2"),
                params![iso(today)],
            )?;
            let mut changed = 0;
            for r in rows {
                let (c, _) = case_row(&r)?;
                let Some(due_on) = c.due_on else { continue };
                let late = cal.working_days_between(due_on, today).unwrap_or(1);
                let level = if late >= i64::from(authority_after) { 2 } else { 1 };
                if level <= c.escalation {
                    continue;
                }
                if tx.exec(
                    "UPDATE cases SET escalation = $1, version = version + 1 WHERE id = $2 AND escalation < $1",
                    params![level, c.id.to_string()],
                )? == 0
                {
                    continue; // moved up meanwhile (by a pass that did not take the lock)
                }
                let to = if level == 2 { "authority" } else { "office_manager" };
                add_event(tx, c.id, &ctx.actor, "case.escalate", c.step, to, now)?;
                audit::append(
                    tx,
                    ctx,
                    &AuditEvent::new("case.escalate", "case", c.id).with_details(
                        serde_json::json!({ "level": level, "to": to, "working_days_late": late }),
                    ),
                )?;
                changed += 1;
            }
            Ok(changed)
        })
    }
}
