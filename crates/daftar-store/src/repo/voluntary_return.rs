//! Voluntary-return cases: `ReturnStore` (rules in `daftar_domain::voluntary_return`). Each
//! action loads the case as the caller may see it, asks the domain's state machine for the next
//! state, writes it with a timeline event, and audits it once per person of the case (target
//! `person`, so each one's access log shows it). The departure revokes the persons' active
//! credentials in the same transaction through the credential store's own revocation.

use super::audit;
use crate::SqlStore;
use crate::sql::{Row, Tx, Value, params};
use daftar_domain::audit::{AuditCtx, AuditEvent, truncate_ms};
use daftar_domain::ids::{PersonId, ReturnId};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::{Permission, Reach};
use daftar_domain::person::PersonStatus;
use daftar_domain::store::{ReturnAccess, ReturnStore};
use daftar_domain::voluntary_return::{
    Action, Answer, Decision, NewReturn, Permit, READ_PERMISSIONS, ReturnCase, ReturnChannel,
    ReturnEvent, ReturnPerson, ReturnState, Review, Screening,
};
use daftar_domain::{Error, Result};
use std::collections::BTreeMap;

const COLS: &str = "r.id, r.reference, r.office_id, r.person_id, r.channel, r.departure_on, r.border_point, r.state, r.flagged, r.answers, r.screening_note, r.decision, r.review_note, r.permit_no, r.permit_valid_until, r.created_at, p.given_name, p.family_name, p.registry_no";
const FROM: &str = "FROM return_cases r JOIN persons p ON p.id = r.person_id";

fn not_found() -> Error {
    Error::not_found("return.case.not_found")
}

/// The case of row `r` with its members and timeline.
fn case(tx: &mut dyn Tx, r: &Row) -> Result<ReturnCase> {
    let id = r.text(0)?;
    let answers: BTreeMap<String, bool> = serde_json::from_str(&r.text(9)?)
        .map_err(|e| Error::store(format!("return answers: {e}")))?;
    let members = tx
        .query(
            "SELECT p.id, p.given_name, p.family_name, p.registry_no FROM return_members m JOIN persons p ON p.id = m.person_id WHERE m.case_id = $1 ORDER BY p.registry_no, p.id",
            params![id.as_str()],
        )?
        .iter()
        .map(|m| {
            Ok(ReturnPerson {
                person_id: m.parse(0)?,
                name: format!("{} {}", m.text(1)?, m.text(2)?).trim().to_owned(),
                registry_no: m.text(3)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let events = tx
        .query(
            "SELECT at, action, state, role, note FROM return_events WHERE case_id = $1 ORDER BY at, id",
            params![id.as_str()],
        )?
        .iter()
        .map(|e| {
            Ok(ReturnEvent {
                at: e.ts(0)?,
                action: e.text(1)?,
                state: ReturnState::parse(&e.text(2)?)?,
                role: e.text(3)?,
                note: e.text(4)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ReturnCase {
        id,
        reference: r.text(1)?,
        office_id: r.parse(2)?,
        person: ReturnPerson {
            person_id: r.parse(3)?,
            name: format!("{} {}", r.text(16)?, r.text(17)?).trim().to_owned(),
            registry_no: r.text(18)?,
        },
        members,
        channel: ReturnChannel::parse(&r.text(4)?)?,
        departure_on: super::cases::date(&r.text(5)?)?,
        border_point: r.text(6)?,
        state: ReturnState::parse(&r.text(7)?)?,
        flagged: r.bool(8)?,
        answers: answers
            .into_iter()
            .map(|(question, flag)| Answer { question, flag })
            .collect(),
        screening_note: r.text(10)?,
        decision: r.opt_text(11)?.map(|d| Decision::parse(&d)).transpose()?,
        review_note: r.text(12)?,
        permit_no: r.text(13)?,
        permit_valid_until: r
            .opt_text(14)?
            .map(|d| super::cases::date(&d))
            .transpose()?,
        created_at: r.ts(15)?,
        events,
    })
}

/// The condition on `return_cases r` of what `access` sees (its parameters pushed into
/// `args`); `auth.forbidden` when a staff reach's permission is not one of `allowed`.
fn visible(access: &ReturnAccess, allowed: &[Permission], args: &mut Vec<Value>) -> Result<String> {
    match access {
        ReturnAccess::Own(p) => {
            args.push(p.to_string().into());
            Ok(format!("r.person_id = ${}", args.len()))
        }
        ReturnAccess::Staff(reach) => {
            let perm = reach.permission();
            if !allowed.contains(&perm) {
                return Err(Error::forbidden("auth.forbidden").with_details(
                    serde_json::json!({ "permission": allowed.first().map(|p| p.code()) }),
                ));
            }
            let mut cond = vec![];
            if let Some(o) = reach.office_id() {
                args.push(o.to_string().into());
                cond.push(format!("r.office_id = ${}", args.len()));
            }
            if perm == Permission::ProtectionReview {
                args.push(true.into());
                cond.push(format!("r.flagged = ${}", args.len()));
            }
            Ok(if cond.is_empty() {
                "TRUE".into()
            } else {
                cond.join(" AND ")
            })
        }
    }
}

fn load(
    tx: &mut dyn Tx,
    access: &ReturnAccess,
    allowed: &[Permission],
    id: ReturnId,
) -> Result<ReturnCase> {
    let mut args: Vec<Value> = vec![id.to_string().into()];
    let cond = visible(access, allowed, &mut args)?;
    let r = tx
        .query_opt(
            &format!("SELECT {COLS} {FROM} WHERE r.id = $1 AND {cond}"),
            &args,
        )?
        .ok_or_else(not_found)?;
    case(tx, &r)
}

/// Audits `action` once for each person of `c`, with the case in the details.
fn audit_persons(
    tx: &mut dyn Tx,
    ctx: &AuditCtx,
    action: &str,
    c: &ReturnCase,
    details: serde_json::Value,
) -> Result<()> {
    for p in c.persons() {
        let mut d = details.clone();
        d["case"] = serde_json::json!(c.id);
        d["reference"] = serde_json::json!(c.reference);
        audit::append(
            tx,
            ctx,
            &AuditEvent::new(action, "person", p).with_details(d),
        )?;
    }
    Ok(())
}

/// The acting account's role (`''` for the system).
fn role(tx: &mut dyn Tx, ctx: &AuditCtx) -> Result<String> {
    match ctx.actor_id {
        None => Ok(String::new()),
        Some(u) => Ok(tx
            .query_opt(
                "SELECT role FROM users WHERE id = $1",
                params![u.to_string()],
            )?
            .map(|r| r.text(0))
            .transpose()?
            .unwrap_or_default()),
    }
}

fn event(
    tx: &mut dyn Tx,
    ctx: &AuditCtx,
    case_id: &str,
    action: &str,
    state: ReturnState,
    note: &str,
) -> Result<()> {
    let role = role(tx, ctx)?;
    let now = truncate_ms(tx.now());
    tx.exec(
        "INSERT INTO return_events (id, case_id, at, action, state, role, note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            daftar_domain::ids::fresh().to_string(),
            case_id,
            now,
            action,
            state.code(),
            role,
            note
        ],
    )?;
    Ok(())
}

/// Whether `person` is in an open case (as registrant or member).
fn in_open_case(tx: &mut dyn Tx, person: PersonId) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM return_cases r WHERE r.state NOT IN ('departed', 'withdrawn') AND (r.person_id = $1 OR EXISTS (SELECT 1 FROM return_members m WHERE m.case_id = r.id AND m.person_id = $1))",
            params![person.to_string()],
        )?
        .is_some())
}

/// Takes `action` on case `id`: loads it as `access` may see it, moves it, lets `write` store
/// what the action records, adds the timeline event and audits it per person.
fn act(
    tx: &mut dyn Tx,
    ctx: &AuditCtx,
    access: &ReturnAccess,
    id: ReturnId,
    action: Action,
    note: &str,
    write: impl FnOnce(&mut dyn Tx, &ReturnCase) -> Result<serde_json::Value>,
) -> Result<ReturnCase> {
    let allowed: &[Permission] = match access {
        // The registrant may only withdraw.
        ReturnAccess::Own(_) if action != Action::Withdraw => {
            return Err(Error::forbidden("auth.forbidden"));
        }
        _ => action.permissions(),
    };
    let before = load(tx, access, allowed, id)?;
    let next = before.state.after(action)?;
    let now = truncate_ms(tx.now());
    let n = tx.exec(
        "UPDATE return_cases SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
        params![next.code(), now, before.id.as_str(), before.state.code()],
    )?;
    if n == 0 {
        // Another request moved it first: refused as from the state it is in now.
        load(tx, access, allowed, id)?.state.after(action)?;
        return Err(Error::conflict("return.case.open"));
    }
    let mut details = write(tx, &before)?;
    details["state"] = serde_json::json!(next.code());
    event(tx, ctx, &before.id, action.code(), next, note)?;
    audit_persons(
        tx,
        ctx,
        &format!("return.{}", action.code()),
        &before,
        details,
    )?;
    // Still visible: `flagged` never goes back, and offices keep their cases.
    load(tx, access, allowed, id)
}

impl ReturnStore for SqlStore {
    fn register_return(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        r: &NewReturn,
    ) -> Result<ReturnCase> {
        match access {
            ReturnAccess::Own(p) if *p != r.person => {
                return Err(Error::forbidden("auth.forbidden"));
            }
            ReturnAccess::Own(_) if r.channel != ReturnChannel::Portal => {
                return Err(Error::forbidden("auth.forbidden"));
            }
            ReturnAccess::Staff(reach) if reach.permission() != Permission::PersonWrite => {
                return Err(Error::forbidden("auth.forbidden")
                    .with_details(serde_json::json!({ "permission": "person.write" })));
            }
            _ => {}
        }
        let id = ReturnId::new();
        let id_text = id.to_string();
        let reference = format!("VR-{}", &id_text[id_text.len() - 8..]);
        self.write(|tx| {
            let office: daftar_domain::ids::OfficeId = tx
                .query_opt(
                    concat!(
                        "SELECT office_id FROM persons WHERE id = $1 AND ",
                        person_visible!()
                    ),
                    params![r.person.to_string()],
                )?
                .ok_or_else(|| Error::not_found("person.not_found"))?
                .parse(0)?;
            if let ReturnAccess::Staff(reach) = access
                && reach.office_id().is_some_and(|o| o != office)
            {
                return Err(Error::not_found("person.not_found"));
            }
            for m in &r.members {
                let same = tx.query_opt(
                    "SELECT 1 FROM household_members a JOIN household_members b ON b.household_id = a.household_id AND b.left_at IS NULL WHERE a.person_id = $1 AND a.left_at IS NULL AND b.person_id = $2",
                    params![r.person.to_string(), m.to_string()],
                )?;
                if same.is_none() {
                    return Err(Error::conflict("return.member.not_household")
                        .with_field("members")
                        .with_detail("person_id", serde_json::json!(m.to_string())));
                }
            }
            // The persons' rows are locked (in id order) before they are checked, so that two
            // registrations at once cannot both pass the checks below for one person.
            let mut locked: Vec<String> = std::iter::once(&r.person)
                .chain(&r.members)
                .map(|p| p.to_string())
                .collect();
            locked.sort();
            for p in &locked {
                let status = tx
                    .query_opt(
                        &format!("SELECT status FROM persons WHERE id = $1{}", tx.dialect().for_update()),
                        params![p.as_str()],
                    )?
                    .map(|r| r.text(0))
                    .transpose()?;
                // Who has left the country (or died) has no return to register.
                if matches!(status.as_deref(), Some("departed" | "deceased")) {
                    return Err(Error::conflict("return.person.departed")
                        .with_detail("person_id", serde_json::json!(p)));
                }
            }
            for p in std::iter::once(&r.person).chain(&r.members) {
                if in_open_case(tx, *p)? {
                    return Err(Error::conflict("return.case.open")
                        .with_detail("person_id", serde_json::json!(p.to_string())));
                }
            }
            let now = truncate_ms(tx.now());
            tx.exec(
                "INSERT INTO return_cases (id, reference, office_id, person_id, channel, departure_on, border_point, state, flagged, answers, screening_note, decision, review_note, permit_no, permit_valid_until, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'registered', $8, '{}', '', NULL, '', '', NULL, $9, $9)",
                params![
                    id_text.as_str(),
                    reference.as_str(),
                    office.to_string(),
                    r.person.to_string(),
                    r.channel.code(),
                    r.departure_on.to_string(),
                    r.border_point.as_str(),
                    false,
                    now
                ],
            )?;
            for m in &r.members {
                tx.exec(
                    "INSERT INTO return_members (case_id, person_id) VALUES ($1, $2)",
                    params![id_text.as_str(), m.to_string()],
                )?;
            }
            event(tx, ctx, &id_text, "register", ReturnState::Registered, "")?;
            let c = load(tx, &ReturnAccess::Own(r.person), &[], id)?;
            audit_persons(
                tx,
                ctx,
                "return.register",
                &c,
                serde_json::json!({
                    "channel": r.channel.code(),
                    "border_point": r.border_point,
                    "departure_on": r.departure_on.to_string(),
                }),
            )?;
            Ok(c)
        })
    }

    fn return_cases(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        open_only: bool,
        req: PageRequest,
    ) -> Result<Page<ReturnCase>> {
        self.write(|tx| {
            let mut args = vec![];
            let mut cond = visible(&ReturnAccess::Staff(*reach), &READ_PERMISSIONS, &mut args)?;
            if open_only {
                cond.push_str(" AND r.state NOT IN ('departed', 'withdrawn')");
            }
            let req = req.clamped();
            let total = tx
                .query_one(&format!("SELECT COUNT(*) {FROM} WHERE {cond}"), &args)?
                .i64(0)?;
            let (limit, offset) = super::limit_offset(req);
            let n = args.len();
            args.push(limit.into());
            args.push(offset.into());
            let rows = tx.query(
                &format!(
                    "SELECT {COLS} {FROM} WHERE {cond} ORDER BY CASE WHEN r.state IN ('flagged', 'referred') THEN 0 WHEN r.state IN ('departed', 'withdrawn') THEN 2 ELSE 1 END, r.created_at DESC, r.id DESC LIMIT ${} OFFSET ${}",
                    n + 1,
                    n + 2
                ),
                &args,
            )?;
            let mut items = Vec::with_capacity(rows.len());
            for r in &rows {
                items.push(case(tx, r)?);
            }
            for c in &items {
                audit_persons(tx, ctx, "return.list", c, serde_json::json!({}))?;
            }
            Ok(Page {
                items,
                page: req.page,
                per_page: req.per_page,
                total: u64::try_from(total).unwrap_or(0),
            })
        })
    }

    fn person_returns(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        person: PersonId,
    ) -> Result<Vec<ReturnCase>> {
        self.write(|tx| {
            let mut args: Vec<Value> = vec![person.to_string().into()];
            let cond = match access {
                // On the portal: the cases they registered and those that include them.
                ReturnAccess::Own(p) if *p == person => "TRUE".to_owned(),
                _ => visible(access, &READ_PERMISSIONS, &mut args)?,
            };
            let rows = tx.query(
                &format!("SELECT {COLS} {FROM} WHERE (r.person_id = $1 OR EXISTS (SELECT 1 FROM return_members m WHERE m.case_id = r.id AND m.person_id = $1)) AND {cond} ORDER BY r.created_at DESC, r.id DESC LIMIT 50"),
                &args,
            )?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(case(tx, r)?);
            }
            audit::log(tx, ctx, "return.list", "person", person)?;
            Ok(out)
        })
    }

    fn return_case(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        id: ReturnId,
    ) -> Result<ReturnCase> {
        self.write(|tx| {
            let c = load(tx, access, &READ_PERMISSIONS, id)?;
            audit_persons(tx, ctx, "return.read", &c, serde_json::json!({}))?;
            Ok(c)
        })
    }

    fn screen_return(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        id: ReturnId,
        s: &Screening,
    ) -> Result<ReturnCase> {
        let flagged = s.flagged();
        self.write(|tx| {
            act(tx, ctx, access, id, Action::Screen { flagged }, &s.note, |tx, c| {
                let answers = serde_json::to_string(&s.answers)
                    .map_err(|e| Error::internal(format!("return answers: {e}")))?;
                tx.exec(
                    "UPDATE return_cases SET flagged = $1, answers = $2, screening_note = $3 WHERE id = $4",
                    params![flagged, answers, s.note.as_str(), c.id.as_str()],
                )?;
                Ok(serde_json::json!({ "flagged": flagged }))
            })
        })
    }

    fn review_return(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        id: ReturnId,
        r: &Review,
    ) -> Result<ReturnCase> {
        self.write(|tx| {
            act(
                tx,
                ctx,
                access,
                id,
                Action::Review(r.decision),
                &r.note,
                |tx, c| {
                    tx.exec(
                        "UPDATE return_cases SET decision = $1, review_note = $2 WHERE id = $3",
                        params![r.decision.code(), r.note.as_str(), c.id.as_str()],
                    )?;
                    Ok(serde_json::json!({ "decision": r.decision.code() }))
                },
            )
        })
    }

    fn issue_exit_permit(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        id: ReturnId,
        p: &Permit,
    ) -> Result<ReturnCase> {
        self.write(|tx| {
            act(tx, ctx, access, id, Action::IssuePermit, &p.number, |tx, c| {
                tx.exec(
                    "UPDATE return_cases SET permit_no = $1, permit_valid_until = $2 WHERE id = $3",
                    params![p.number.as_str(), p.valid_until.to_string(), c.id.as_str()],
                )?;
                Ok(serde_json::json!({ "permit": p.number, "valid_until": p.valid_until.to_string() }))
            })
        })
    }

    fn confirm_departure(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        id: ReturnId,
    ) -> Result<(ReturnCase, Vec<String>)> {
        self.write(|tx| {
            let mut revoked = vec![];
            let c = act(tx, ctx, access, id, Action::Depart, "", |tx, c| {
                let now = truncate_ms(tx.now());
                let reason = format!("voluntary return {}: departure confirmed", c.reference);
                // The persons' rows are locked first, in id order, as every writer that locks
                // several persons does, so that two transactions never wait on each other.
                let mut persons: Vec<String> = c.persons().map(|p| p.to_string()).collect();
                persons.sort();
                let mut statuses = Vec::with_capacity(persons.len());
                for p in &persons {
                    statuses.push(tx.query_opt(
                        &format!("SELECT status FROM persons WHERE id = $1{}", tx.dialect().for_update()),
                        params![p.as_str()],
                    )?);
                }
                for (p, from) in persons.iter().zip(statuses) {
                    // The registry follows: everyone on the case has left the country, and
                    // their referrals are withdrawn (the partners keep nothing of them).
                    super::referrals::withdraw_all(tx, ctx, p)?;
                    // Nothing more is sent to a number in a country they left.
                    tx.exec(
                        "UPDATE outbox SET status = 'cancelled', last_error = 'person.departed' WHERE person_id = $1 AND status = 'pending'",
                        params![p.as_str()],
                    )?;
                    if let Some(from) = from {
                        let from = PersonStatus::parse(&from.text(0)?)?;
                        if !matches!(from, PersonStatus::Departed | PersonStatus::Deceased) {
                            super::persons::change_status(
                                tx,
                                ctx,
                                p,
                                from,
                                PersonStatus::Departed,
                                &reason,
                                now,
                            )?;
                        }
                    }
                    let ids = tx.query(
                        "SELECT id FROM credentials WHERE person_id = $1 AND revoked_at IS NULL AND expires > $2 ORDER BY id",
                        params![p.as_str(), now],
                    )?;
                    for r in &ids {
                        let cid = r.text(0)?;
                        super::credentials::revoke(tx, ctx, &cid, &reason, now)?;
                        revoked.push(cid);
                    }
                }
                Ok(serde_json::json!({ "revoked": revoked }))
            })?;
            Ok((c, revoked))
        })
    }

    fn leave_return(&self, ctx: &AuditCtx, person: PersonId, id: ReturnId) -> Result<()> {
        let (id, person) = (id.to_string(), person.to_string());
        self.write(|tx| {
            let state = tx
                .query_opt(
                    "SELECT r.state FROM return_cases r JOIN return_members m ON m.case_id = r.id WHERE r.id = $1 AND m.person_id = $2",
                    params![id.as_str(), person.as_str()],
                )?
                .ok_or_else(|| Error::not_found("return.case.not_found"))?
                .text(0)?;
            let state = ReturnState::parse(&state)?;
            // Possible while the wish could be withdrawn: before departure and withdrawal.
            state.after(Action::Withdraw)?;
            let n = tx.exec(
                "DELETE FROM return_members WHERE case_id = $1 AND person_id = $2",
                params![id.as_str(), person.as_str()],
            )?;
            if n != 1 {
                return Err(Error::not_found("return.case.not_found"));
            }
            event(tx, ctx, &id, "leave", state, "")?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("return.leave", "person", person.as_str())
                    .with_details(serde_json::json!({ "case": id })),
            )
        })
    }

    fn withdraw_return(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        id: ReturnId,
        reason: &str,
    ) -> Result<ReturnCase> {
        self.write(|tx| {
            act(tx, ctx, access, id, Action::Withdraw, reason, |_, _| {
                Ok(serde_json::json!({}))
            })
        })
    }
}

/// Whether `person` is the registrant or a member of a return case in a state that permits an
/// exit permit (`ReturnState::permits_exit`): what a case of a `return_clearance` service
/// needs, read in that case's own transaction.
pub(crate) fn exit_permitted(
    tx: &mut dyn crate::sql::Tx,
    person: &str,
) -> daftar_domain::Result<bool> {
    let states = daftar_domain::voluntary_return::ReturnState::PERMITTING_EXIT;
    Ok(tx
        .query_opt(
            "SELECT 1 FROM return_cases c WHERE c.state IN ($2, $3, $4) AND (c.person_id = $1 OR EXISTS (SELECT 1 FROM return_members m WHERE m.case_id = c.id AND m.person_id = $1))",
            crate::sql::params![person, states[0].code(), states[1].code(), states[2].code()],
        )?
        .is_some())
}
