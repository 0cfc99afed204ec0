//! Appointments: one per case, booked within the office's capacity per slot and, for a case of
//! a service an open registration round uses, within the round's capacity per day at the office.
//! Booking counts and writes in one transaction, with the office row locked on PostgreSQL so two
//! clerks cannot both take the last place.

use super::audit;
use crate::SqlStore;
use crate::sql::{Row, params};
use daftar_domain::appointment::{Appointment, slot_full};
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::ids::{CaseId, OfficeId};
use daftar_domain::jalali::iso_day;
use daftar_domain::notify::{Kind as NotifyKind, reminder_due};
use daftar_domain::permission::{OfficeScope, Permission};
use daftar_domain::{Error, Result};
use time::Date;

fn appointment(r: &Row) -> Result<Appointment> {
    Ok(Appointment {
        case_id: r.parse(0)?,
        office_id: r.parse(1)?,
        day: super::cases::date(&r.text(2)?)?,
        slot: r.text(3)?,
        booked_at: r.ts(4)?,
        booked_by: r.text(5)?,
        attended_at: r.opt_ts(6)?,
    })
}

const COLS: &str = "case_id, office_id, day, slot, booked_at, booked_by, attended_at";

impl daftar_domain::store::AppointmentStore for SqlStore {
    fn book_appointment(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        case: CaseId,
        day: Date,
        slot: &str,
        per_slot: u32,
    ) -> Result<Appointment> {
        scope.require(Permission::PersonWrite)?;
        let office = scope.office_id().to_string();
        let now = self.now();
        let clock_offset = self.clock.offset();
        self.write(|tx| {
            tx.query_one(
                &format!("SELECT id FROM offices WHERE id = $1{}", tx.dialect().for_update()),
                params![office.as_str()],
            )?;
            let found = tx
                .query_opt(
                    "SELECT state, service_code FROM cases WHERE id = $1 AND office_id = $2",
                    params![case.to_string(), office.as_str()],
                )?
                .ok_or_else(|| Error::not_found("case.not_found"))?;
            let (state, service) = (found.text(0)?, found.text(1)?);
            if matches!(state.as_str(), "approved" | "rejected" | "cancelled") {
                return Err(Error::conflict("appointment.case.closed"));
            }
            super::rounds::check_capacity(tx, &office, case, &service, day)?;
            let taken = tx
                .query_one(
                    "SELECT COUNT(*) FROM appointments WHERE office_id = $1 AND day = $2 AND slot = $3 AND case_id <> $4",
                    params![office.as_str(), iso_day(day), slot, case.to_string()],
                )?
                .i64(0)?;
            if taken >= i64::from(per_slot) {
                return Err(slot_full());
            }
            // A booking whose day passed without the person coming is kept as missed (a no-show
            // in the office's KPIs); one moved before its day is simply replaced.
            let today = now.to_offset(clock_offset).date();
            tx.exec(
                "INSERT INTO appointment_log (case_id, office_id, day, slot, outcome, logged_at) \
                 SELECT case_id, office_id, day, slot, 'missed', $2 FROM appointments \
                 WHERE case_id = $1 AND day < $3 AND attended_at IS NULL",
                params![case.to_string(), now, iso_day(today)],
            )?;
            tx.exec(
                "DELETE FROM appointments WHERE case_id = $1",
                params![case.to_string()],
            )?;
            tx.exec(
                "INSERT INTO appointments (case_id, office_id, day, slot, booked_at, booked_by) VALUES ($1, $2, $3, $4, $5, $6)",
                params![case.to_string(), office.as_str(), iso_day(day), slot, now, ctx.actor.as_str()],
            )?;
            // The reminder (issue 19.3): the evening before; a moved appointment's old one goes.
            let subject = case.to_string();
            super::notify::cancel(tx, NotifyKind::AppointmentReminder, &subject)?;
            let (c, year) = super::cases::load(tx, scope.office_id(), case)?;
            let view = super::cases::view(tx, c, year)?;
            super::notify::about_case(
                tx,
                &view,
                NotifyKind::AppointmentReminder,
                &subject,
                reminder_due(day, clock_offset, now),
                &[("day", iso_day(day)), ("slot", slot.to_owned())],
            )?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("appointment.book", "case", case)
                    .with_details(serde_json::json!({ "day": iso_day(day), "slot": slot })),
            )?;
            Ok(Appointment {
                case_id: case,
                office_id: scope.office_id(),
                day,
                slot: slot.to_owned(),
                booked_at: now,
                booked_by: ctx.actor.clone(),
                attended_at: None,
            })
        })
    }

    fn record_arrival(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        case: CaseId,
    ) -> Result<Appointment> {
        scope.require(Permission::PersonWrite)?;
        let office = scope.office_id().to_string();
        let now = self.now();
        let today = now.to_offset(self.clock.offset()).date();
        self.write(|tx| {
            let a = tx
                .query_opt(
                    &format!(
                        "SELECT {COLS} FROM appointments WHERE case_id = $1 AND office_id = $2"
                    ),
                    params![case.to_string(), office.as_str()],
                )?
                .map(|r| appointment(&r))
                .transpose()?
                .ok_or_else(|| Error::not_found("appointment.not_found"))?;
            daftar_domain::appointment::check_arrival(&a, today)?;
            tx.exec(
                "UPDATE appointments SET attended_at = $1 WHERE case_id = $2",
                params![now, case.to_string()],
            )?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("appointment.arrived", "case", case)
                    .with_details(serde_json::json!({ "day": iso_day(a.day), "slot": a.slot })),
            )?;
            Ok(Appointment {
                attended_at: Some(now),
                ..a
            })
        })
    }

    fn case_appointment(&self, case: CaseId) -> Result<Option<Appointment>> {
        self.read(|tx| {
            tx.query_opt(
                &format!("SELECT {COLS} FROM appointments WHERE case_id = $1"),
                params![case.to_string()],
            )?
            .map(|r| appointment(&r))
            .transpose()
        })
    }

    fn slot_bookings(&self, scope: &OfficeScope, day: Date) -> Result<Vec<(String, u32)>> {
        self.read(|tx| {
            super::all(
                tx.query(
                    "SELECT slot, COUNT(*) FROM appointments WHERE office_id = $1 AND day = $2 GROUP BY slot ORDER BY slot",
                    params![scope.office_id().to_string(), iso_day(day)],
                )?,
                |r| Ok((r.text(0)?, u32::try_from(r.i64(1)?).unwrap_or(u32::MAX))),
            )
        })
    }
}

impl SqlStore {
    /// Writes, once (when migration 0032 asked for it in `store_backfills`), the reminder of
    /// every appointment from the offices' today on that has none: those booked before the
    /// outbox existed. One transaction; returns how many reminders were written.
    pub(crate) fn backfill_reminders(&self) -> Result<u64> {
        let offset = self.clock.offset();
        self.write(|tx| {
            if tx
                .query_opt(
                    "SELECT name FROM store_backfills WHERE name = 'appointment_reminders'",
                    &[],
                )?
                .is_none()
            {
                return Ok(0);
            }
            let now = self.now();
            let today = now.to_offset(offset).date();
            let rows = tx.query(
                "SELECT a.case_id, a.office_id, a.day, a.slot FROM appointments a WHERE a.day >= $1 \
                 AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = $2 AND o.subject = a.case_id) ORDER BY a.day, a.case_id",
                params![iso_day(today), NotifyKind::AppointmentReminder.code()],
            )?;
            let mut written = 0;
            for r in rows {
                let (case, office): (CaseId, OfficeId) = (r.parse(0)?, r.parse(1)?);
                let day = super::cases::date(&r.text(2)?)?;
                let slot = r.text(3)?;
                let (c, year) = super::cases::load(tx, office, case)?;
                let view = super::cases::view(tx, c, year)?;
                written += super::notify::about_case(
                    tx,
                    &view,
                    NotifyKind::AppointmentReminder,
                    &case.to_string(),
                    reminder_due(day, offset, now),
                    &[("day", iso_day(day)), ("slot", slot)],
                )?;
            }
            tx.exec(
                "DELETE FROM store_backfills WHERE name = 'appointment_reminders'",
                &[],
            )?;
            Ok(written)
        })
    }
}
