//! Staff accreditation: `AccreditationStore` (training and exam records, the profile's rules),
//! and what `CaseStore::change_case` reads in its transaction ([`rules`], [`records`]).

use super::audit;
use crate::SqlStore;
use crate::sql::{Row, Tx, params};
use daftar_domain::accreditation::{
    self, NewRecord, Record, RecordKind, Rules, StaffAccreditation,
};
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::ids::UserId;
use daftar_domain::jalali::iso_day;
use daftar_domain::permission::{OfficeScope, Permission};
use daftar_domain::store::AccreditationStore;
use daftar_domain::{Error, Result};

const RULES: &str = "accreditations";
const REC_COLS: &str = "r.id, r.user_id, r.kind, r.course, r.taken_on, r.passed, r.expires_on";

/// The stored rules (empty when none were loaded).
pub(crate) fn rules(tx: &mut dyn Tx) -> Result<Rules> {
    match tx.query_opt(
        "SELECT body FROM accreditation_rules WHERE name = $1",
        params![RULES],
    )? {
        Some(r) => serde_json::from_str(&r.text(0)?)
            .map_err(|e| Error::internal(format!("accreditation rules: {e}"))),
        None => Ok(Rules::default()),
    }
}

/// A record from a row of [`REC_COLS`].
fn record(r: &Row) -> Result<Record> {
    Ok(Record {
        id: r.text(0)?,
        user_id: r.text(1)?,
        kind: RecordKind::parse(&r.text(2)?)?,
        course: r.text(3)?,
        taken_on: super::cases::date(&r.text(4)?)?,
        passed: r.bool(5)?,
        expires_on: r.opt_text(6)?.map(|d| super::cases::date(&d)).transpose()?,
    })
}

/// Every record of `user`, newest first.
pub(crate) fn records(tx: &mut dyn Tx, user: &str) -> Result<Vec<Record>> {
    tx.query(
        &format!(
            "SELECT {REC_COLS} FROM staff_records r WHERE r.user_id = $1 ORDER BY r.taken_on DESC, r.id DESC"
        ),
        params![user],
    )?
    .iter()
    .map(record)
    .collect()
}

/// The record `id` if it is of a staff member of `office`.
fn office_record(tx: &mut dyn Tx, office: &str, id: &str) -> Result<Option<Record>> {
    tx.query_opt(
        &format!(
            "SELECT {REC_COLS} FROM staff_records r JOIN users u ON u.id = r.user_id WHERE r.id = $1 AND u.office_id = $2"
        ),
        params![id, office],
    )?
    .map(|r| record(&r))
    .transpose()
}

impl AccreditationStore for SqlStore {
    fn load_accreditation_rules(&self, ctx: &AuditCtx, rules: &Rules) -> Result<()> {
        let body = serde_json::to_string(rules).map_err(|e| Error::internal(e.to_string()))?;
        self.write(|tx| {
            let same = tx
                .query_opt(
                    "SELECT body FROM accreditation_rules WHERE name = $1",
                    params![RULES],
                )?
                .map(|r| r.text(0))
                .transpose()?
                .is_some_and(|b| b == body);
            if same {
                return Ok(());
            }
            tx.exec(
                "DELETE FROM accreditation_rules WHERE name = $1",
                params![RULES],
            )?;
            tx.exec(
                "INSERT INTO accreditation_rules (name, body) VALUES ($1, $2)",
                params![RULES, body.as_str()],
            )?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("accreditation.rules", "profile", RULES).with_details(
                    serde_json::json!({ "accreditations": rules.accreditations.len() }),
                ),
            )
        })
    }

    fn accreditation_rules(&self) -> Result<Rules> {
        self.read(|tx| rules(tx))
    }

    fn record_accreditation(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        user: UserId,
        rec: &NewRecord,
    ) -> Result<Record> {
        scope.require(Permission::AccreditationManage)?;
        let id = ulid::Ulid::new().to_string();
        let office = scope.office_id().to_string();
        self.write(|tx| {
            let now = tx.now();
            tx.query_opt(
                "SELECT 1 FROM users WHERE id = $1 AND office_id = $2",
                params![user.to_string(), office.as_str()],
            )?
            .ok_or_else(|| Error::not_found("accreditation.user.not_found"))?;
            tx.exec(
                "INSERT INTO staff_records (id, user_id, kind, course, taken_on, passed, expires_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                params![
                    id.as_str(),
                    user.to_string(),
                    rec.kind.code(),
                    rec.course.as_str(),
                    iso_day(rec.taken_on),
                    rec.passed,
                    rec.expires_on.map(iso_day),
                    ctx.actor.as_str(),
                    now
                ],
            )?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("accreditation.record", "user", user).with_details(
                    serde_json::json!({
                        "record": id, "kind": rec.kind, "course": rec.course,
                        "taken_on": iso_day(rec.taken_on), "passed": rec.passed,
                        "expires_on": rec.expires_on.map(iso_day),
                    }),
                ),
            )?;
            office_record(tx, &office, &id)?.ok_or_else(|| Error::internal("record vanished"))
        })
    }

    fn staff_accreditations(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
    ) -> Result<Vec<StaffAccreditation>> {
        if scope.require(Permission::AccreditationManage).is_err() {
            scope.require(Permission::UserManage)?;
        }
        let clock = self.clock.clone();
        let office = scope.office_id();
        self.write(|tx| {
            let today = clock.date_of(tx.now());
            let rules = rules(tx)?;
            let staff = tx.query(
                "SELECT id, username, display_name, role FROM users WHERE office_id = $1 AND status = 'active' AND role <> 'applicant' ORDER BY username",
                params![office.to_string()],
            )?;
            let mut out = Vec::with_capacity(staff.len());
            for r in &staff {
                let user_id = r.text(0)?;
                let recs = records(tx, &user_id)?;
                out.push(StaffAccreditation {
                    held: accreditation::held(&rules, &recs, today),
                    records: recs,
                    user_id,
                    username: r.text(1)?,
                    display_name: r.text(2)?,
                    role: r.text(3)?,
                });
            }
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("accreditation.read", "office", office)
                    .with_details(serde_json::json!({ "staff": out.len() })),
            )?;
            Ok(out)
        })
    }

    fn own_accreditation_records(&self, user: UserId) -> Result<(Rules, Vec<Record>)> {
        self.read(|tx| {
            let rules = rules(tx)?;
            let recs = if rules.accreditations.is_empty() {
                vec![]
            } else {
                records(tx, &user.to_string())?
            };
            Ok((rules, recs))
        })
    }

    fn withdraw_accreditation(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        record: &str,
        reason: &str,
    ) -> Result<Record> {
        scope.require(Permission::AccreditationManage)?;
        let office = scope.office_id().to_string();
        self.write(|tx| {
            // The record, only if it is of a staff member of this office.
            let rec = office_record(tx, &office, record)?
                .ok_or_else(|| Error::not_found("accreditation.record.not_found"))?;
            let user = rec.user_id.clone();
            let n = tx.exec("DELETE FROM staff_records WHERE id = $1", params![record])?;
            // Two nodes withdrawing it at once: the second's DELETE waits for the first's
            // commit and finds nothing, and its transaction rolls back.
            if n != 1 {
                return Err(Error::not_found("accreditation.record.not_found"));
            }
            // The audit row keeps what was withdrawn: the record's every field and why.
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("accreditation.withdraw", "user", user.as_str()).with_details(
                    serde_json::json!({
                        "record": rec.id, "kind": rec.kind, "course": rec.course,
                        "taken_on": iso_day(rec.taken_on), "passed": rec.passed,
                        "expires_on": rec.expires_on.map(iso_day), "reason": reason,
                    }),
                ),
            )?;
            Ok(rec)
        })
    }
}
