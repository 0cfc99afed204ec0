//! Office licences: `LicenceStore`. A step locks the office's row (PostgreSQL; SQLite has one
//! writer), reads the licence, checklist and catalog, decides with
//! `usecase::licence_step::decide`, and writes the record, the timeline event, the office's
//! licence columns and the audit row in the same transaction.

use super::audit;
use super::offices::{OFFICE_COLS, office};
use crate::SqlStore;
use crate::sign_ins::Change;
use crate::sql::{Row, Tx, Value, params};
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::ids::OfficeId;
use daftar_domain::licence::{
    Application, ChecklistItem, DirectoryEntry, Licence, LicenceCommand, LicenceEvent,
    LicenceState, LicenceStep, LicenceView, OfficeStanding, PublicAddress, Standing,
};
use daftar_domain::office::Office;
use daftar_domain::permission::{OfficeScope, Permission};
use daftar_domain::usecase::licence_step::{LicenceFacts, decide};
use daftar_domain::{Error, Result};
use std::collections::BTreeSet;
use time::Date;

const LICENCE_COLS: &str = "office_id, state, number, valid_from, valid_until, services, application, last_visit_passed, version";

fn day(s: Option<String>) -> Result<Option<Date>> {
    s.map(|s| super::cases::date(&s)).transpose()
}

fn opt_bool(r: &Row, i: usize) -> Result<Option<bool>> {
    match r.0.get(i) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => r.bool(i).map(Some),
    }
}

fn json_err(e: serde_json::Error) -> Error {
    Error::store(format!("licence JSON: {e}"))
}

fn licence(r: &Row) -> Result<Licence> {
    Ok(Licence {
        office_id: r.parse(0)?,
        state: LicenceState::parse(&r.text(1)?)?,
        number: r.opt_text(2)?,
        valid_from: day(r.opt_text(3)?)?,
        valid_until: day(r.opt_text(4)?)?,
        services: serde_json::from_str(&r.text(5)?).map_err(json_err)?,
        application: r
            .opt_text(6)?
            .map(|a| serde_json::from_str::<Application>(&a))
            .transpose()
            .map_err(json_err)?,
        last_visit_passed: opt_bool(r, 7)?,
        version: r.i64(8)?,
    })
}

fn step_of(s: &str) -> Result<LicenceStep> {
    LicenceStep::parse(s).map_err(|_| Error::store(format!("unknown licence step {s}")))
}

fn load_licence(tx: &mut dyn Tx, office: OfficeId) -> Result<Option<Licence>> {
    tx.query_opt(
        &format!("SELECT {LICENCE_COLS} FROM licences WHERE office_id = $1"),
        params![office.to_string()],
    )?
    .map(|r| licence(&r))
    .transpose()
}

fn load_office(tx: &mut dyn Tx, id: OfficeId, lock: bool) -> Result<Office> {
    let lock = if lock { tx.dialect().for_update() } else { "" };
    let r = tx
        .query_opt(
            &format!("SELECT {OFFICE_COLS} FROM offices WHERE id = $1{lock}"),
            params![id.to_string()],
        )?
        .ok_or_else(|| Error::not_found("office.not_found"))?;
    office(&r)
}

fn checklist(tx: &mut dyn Tx) -> Result<Vec<ChecklistItem>> {
    tx.query(
        "SELECT code, label_fa, label_en FROM licence_checklist ORDER BY position, code",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(ChecklistItem {
            code: r.text(0)?,
            label_fa: r.text(1)?,
            label_en: r.text(2)?,
        })
    })
    .collect()
}

fn view(tx: &mut dyn Tx, office: &Office, today: Date) -> Result<LicenceView> {
    let licence = load_licence(tx, office.id)?;
    let events = tx
        .query(
            "SELECT seq, step, from_state, to_state, actor, at, details FROM licence_events WHERE office_id = $1 ORDER BY seq",
            params![office.id.to_string()],
        )?
        .iter()
        .map(|r| {
            Ok(LicenceEvent {
                seq: r.i64(0)?,
                step: step_of(&r.text(1)?)?,
                from_state: r
                    .opt_text(2)?
                    .map(|s| LicenceState::parse(&s))
                    .transpose()?,
                to_state: LicenceState::parse(&r.text(3)?)?,
                actor: r.text(4)?,
                at: r.ts(5)?,
                details: serde_json::from_str(&r.text(6)?).map_err(json_err)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(LicenceView {
        office_id: office.id,
        standing: Standing::of(
            licence.as_ref().map(|l| l.state),
            licence.as_ref().and_then(|l| l.valid_until),
            today,
        ),
        licence,
        events,
    })
}

impl daftar_domain::store::LicenceStore for SqlStore {
    fn licence_checklist(&self) -> Result<Vec<ChecklistItem>> {
        self.read(checklist)
    }

    fn office_licence(&self, scope: &OfficeScope) -> Result<LicenceView> {
        scope.require(Permission::OfficeRead)?;
        let clock = self.clock.clone();
        self.read(|tx| {
            let office = load_office(tx, scope.office_id(), false)?;
            let today = clock.date_of(tx.now());
            view(tx, &office, today)
        })
    }

    fn take_licence_step(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        cmd: &LicenceCommand,
        if_match: Option<i64>,
    ) -> Result<LicenceView> {
        let step = cmd.step();
        scope.require(step.permission())?;
        let clock = self.clock.clone();
        let id = scope.office_id();
        self.changing_sign_ins(Change::Office(id), || self.write(|tx| {
            let today = clock.date_of(tx.now());
            let office = load_office(tx, id, true)?;
            let current = load_licence(tx, id)?;
            let items = checklist(tx)?;
            let membership = super::memberships::load(tx, id)?;
            let services: BTreeSet<String> = tx
                .query("SELECT code FROM services", &[])?
                .iter()
                .map(|r| r.text(0))
                .collect::<Result<_>>()?;
            let plan = decide(
                cmd,
                &LicenceFacts {
                    office_id: id,
                    licence: current.as_ref(),
                    if_match,
                    checklist: &items,
                    services: &services,
                    // Renewal needs a current membership of the association (part 2).
                    membership_current: (step == LicenceStep::Renew).then(|| {
                        daftar_domain::membership::is_current(
                            membership.as_ref(),
                            today,
                        )
                    }),
                    today,
                },
            )?;
            let l = &plan.licence;
            let services_json = serde_json::to_string(&l.services).map_err(json_err)?;
            let application = l
                .application
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(json_err)?;
            let iso = |d: Option<Date>| d.map(daftar_domain::jalali::iso_day);
            let now = tx.now();
            let args: Vec<Value> = vec![
                id.to_string().into(),
                l.state.code().into(),
                l.number.clone().into(),
                iso(l.valid_from).into(),
                iso(l.valid_until).into(),
                services_json.into(),
                application.into(),
                l.last_visit_passed.into(),
                l.version.into(),
                now.into(),
            ];
            if current.is_some() {
                tx.exec(
                    "UPDATE licences SET state = $2, number = $3, valid_from = $4, valid_until = $5, services = $6, application = $7, last_visit_passed = $8, version = $9, updated_at = $10 WHERE office_id = $1",
                    &args,
                )
            } else {
                tx.exec(
                    &format!("INSERT INTO licences ({LICENCE_COLS}, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"),
                    &args,
                )
            }
            .map_err(|e| e.into_error("licence.number.taken"))?;
            let seq = tx
                .query_one(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM licence_events WHERE office_id = $1",
                    params![id.to_string()],
                )?
                .i64(0)?;
            let details = serde_json::to_string(&plan.details).map_err(json_err)?;
            tx.exec(
                "INSERT INTO licence_events (office_id, seq, step, from_state, to_state, actor_id, actor, at, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                params![
                    id.to_string(),
                    seq,
                    step.code(),
                    plan.from.map(LicenceState::code),
                    l.state.code(),
                    ctx.actor_id.map(|u| u.to_string()),
                    ctx.actor.as_str(),
                    now,
                    details
                ],
            )?;
            tx.exec(
                "UPDATE offices SET licence_state = $1, licence_valid_until = $2 WHERE id = $3",
                params![l.state.code(), iso(l.valid_until), id.to_string()],
            )?;
            let before = OfficeStanding::of(&office, today);
            let office = load_office(tx, id, false)?;
            let after = OfficeStanding::of(&office, today);
            audit::append(
                tx,
                ctx,
                &AuditEvent::new(&format!("licence.{}", step.code()), "office", id).with_details(
                    serde_json::json!({
                        "from": plan.from.map(LicenceState::code),
                        "to": l.state.code(),
                        "version": l.version,
                        "standing": after.licence.code(),
                        "serves_before": before.serves(),
                        "serves": after.serves(),
                        "number": l.number,
                    }),
                ),
            )?;
            view(tx, &office, today)
        }))
    }

    fn offices_serving_near(&self, id: OfficeId, limit: u32) -> Result<Vec<Office>> {
        let clock = self.clock.clone();
        self.read(|tx| {
            let here = load_office(tx, id, false)?;
            let today = clock.date_of(tx.now());
            let rows = tx.query(
                &format!(
                    "SELECT {OFFICE_COLS} FROM offices WHERE province = $1 AND id <> $2 AND status = 'active' ORDER BY CASE WHEN district = $3 THEN 0 ELSE 1 END, code"
                ),
                params![here.province.as_str(), id.to_string(), here.district.as_str()],
            )?;
            let mut out = Vec::new();
            for r in &rows {
                let o = office(r)?;
                if OfficeStanding::of(&o, today).serves() {
                    out.push(o);
                    if out.len() >= limit as usize {
                        break;
                    }
                }
            }
            Ok(out)
        })
    }
    fn public_address(&self, office: OfficeId) -> Result<Option<String>> {
        self.read(|tx| {
            tx.query_opt(
                "SELECT public_address FROM offices WHERE id = $1",
                params![office.to_string()],
            )?
            .ok_or_else(|| Error::not_found("office.not_found"))?
            .opt_text(0)
        })
    }

    fn set_public_address(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        address: Option<&PublicAddress>,
    ) -> Result<()> {
        scope.require(Permission::LicenceApply)?;
        let id = scope.office_id();
        let text = address.map(|a| a.as_str().to_owned());
        self.write(|tx| {
            let n = tx.exec(
                "UPDATE offices SET public_address = $2 WHERE id = $1",
                params![id.to_string(), text.clone()],
            )?;
            if n == 0 {
                return Err(Error::not_found("office.not_found"));
            }
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("office.address", "office", id)
                    .with_details(serde_json::json!({ "address": text })),
            )
        })
    }

    fn office_directory(&self) -> Result<Vec<DirectoryEntry>> {
        let clock = self.clock.clone();
        self.read(|tx| {
            let today = clock.date_of(tx.now());
            let rows = tx.query(
                &format!(
                    "SELECT {OFFICE_COLS}, (SELECT services FROM licences l WHERE l.office_id = offices.id), public_address FROM offices ORDER BY province, district, code"
                ),
                &[],
            )?;
            // The licence's services follow the office's columns.
            let services_at = OFFICE_COLS.split(',').count();
            rows.iter()
                .map(|r| {
                    let office = office(r)?;
                    let services: Vec<String> = match r.opt_text(services_at)? {
                        Some(json) => serde_json::from_str(&json).map_err(json_err)?,
                        None => vec![],
                    };
                    let standing = OfficeStanding::of(&office, today);
                    Ok(DirectoryEntry {
                        standing: standing.licence,
                        serving: standing.serves(),
                        office,
                        services,
                        address: r.opt_text(services_at + 1)?,
                    })
                })
                .collect()
        })
    }
}
