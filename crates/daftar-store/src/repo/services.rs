//! The service catalog with its version history and the official holidays. Catalog and holidays are public data; changes to them
//! need `catalog.manage` and are audited.

use super::{all, audit};
use crate::SqlStore;
use crate::sql::{Row, Tx, params};
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::calendar::{Holiday, HolidayKind};
use daftar_domain::jalali::JalaliDate;
use daftar_domain::permission::{Permission, Reach};
use daftar_domain::service::{Catalog, ServiceDef, ServiceRecord, ServiceVersion};
use daftar_domain::{Error, Result};
use time::OffsetDateTime;

fn definition(text: &str) -> Result<ServiceDef> {
    serde_json::from_str(text).map_err(|e| Error::store(format!("service definition: {e}")))
}

fn record(r: &Row) -> Result<ServiceRecord> {
    Ok(ServiceRecord {
        definition: definition(&r.text(0)?)?,
        version: r.i64(1)?,
        updated_at: r.ts(2)?,
        updated_by: r.text(3)?,
    })
}

/// The current definition of a service inside a transaction (`service.not_found`).
pub(crate) fn current(tx: &mut dyn Tx, code: &str) -> Result<ServiceRecord> {
    current_from(tx.query(CURRENT, params![code])?)
}

/// A service's current definition: `$1` its code.
pub(crate) const CURRENT: &str =
    "SELECT definition, version, updated_at, updated_by FROM services WHERE code = $1";

/// The service from the answer to [`CURRENT`].
pub(crate) fn current_from(rows: Vec<Row>) -> Result<ServiceRecord> {
    let r = rows
        .into_iter()
        .next()
        .ok_or_else(|| Error::not_found("service.not_found").with_field("service"))?;
    record(&r)
}

/// The definition a case runs under.
pub(crate) fn at_version(tx: &mut dyn Tx, code: &str, version: i64) -> Result<ServiceDef> {
    let r = tx
        .query_opt(
            "SELECT definition FROM service_versions WHERE code = $1 AND version = $2",
            params![code, version],
        )?
        .ok_or_else(|| Error::not_found("service.not_found"))?;
    definition(&r.text(0)?)
}

fn insert_version(
    tx: &mut dyn Tx,
    def: &ServiceDef,
    version: i64,
    actor: &str,
    note: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let json = serde_json::to_string(def).map_err(|e| Error::internal(e.to_string()))?;
    tx.exec(
        "INSERT INTO service_versions (code, version, definition, changed_at, changed_by, note) VALUES ($1, $2, $3, $4, $5, $6)",
        params![def.code.as_str(), version, json.as_str(), now, actor, note],
    )?;
    if version == 1 {
        tx.exec(
            "INSERT INTO services (code, version, definition, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)",
            params![def.code.as_str(), version, json, now, actor],
        )?;
    } else {
        tx.exec(
            "UPDATE services SET version = $1, definition = $2, updated_at = $3, updated_by = $4 WHERE code = $5",
            params![version, json, now, actor, def.code.as_str()],
        )?;
    }
    Ok(())
}

fn require_manage(reach: &Reach) -> Result<()> {
    if reach.permission() != Permission::CatalogManage {
        return Err(Error::forbidden("auth.forbidden"));
    }
    Ok(())
}

fn holiday(r: &Row) -> Result<Holiday> {
    let day = JalaliDate::parse(&r.text(0)?)?;
    Ok(Holiday {
        date: day,
        name_fa: r.text(1)?,
        name_en: r.text(2)?,
        kind: if r.text(3)? == "lunar" {
            HolidayKind::Lunar
        } else {
            HolidayKind::Fixed
        },
    })
}

fn kind_code(k: HolidayKind) -> &'static str {
    match k {
        HolidayKind::Lunar => "lunar",
        HolidayKind::Fixed => "fixed",
    }
}

fn put_holiday(tx: &mut dyn Tx, actor: &str, h: &Holiday, now: OffsetDateTime) -> Result<()> {
    tx.exec(
        "INSERT INTO holidays (day, name_fa, name_en, kind, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)",
        params![
            h.date.iso_string(),
            h.name_fa.as_str(),
            h.name_en.as_str(),
            kind_code(h.kind),
            now,
            actor
        ],
    )?;
    Ok(())
}

/// `*.version.stale` (412) with the current version in the details.
pub(crate) fn version_stale(code: &'static str, current: i64) -> Error {
    Error::new(code, daftar_domain::ErrorKind::PreconditionFailed)
        .with_detail("current_version", serde_json::json!(current))
}

impl daftar_domain::store::ServiceStore for SqlStore {
    fn load_catalog(&self, ctx: &AuditCtx, cat: &Catalog) -> Result<u64> {
        let now = self.now();
        self.write(|tx| {
            let mut added = Vec::new();
            for def in &cat.services {
                let exists = tx
                    .query_opt(
                        "SELECT 1 FROM services WHERE code = $1",
                        params![def.code.as_str()],
                    )?
                    .is_some();
                if !exists {
                    def.validate()?;
                    insert_version(tx, def, 1, &ctx.actor, "profile", now)?;
                    added.push(def.code.to_string());
                }
            }
            if !added.is_empty() {
                audit::append(
                    tx,
                    ctx,
                    &AuditEvent::new("service.load", "catalog", &cat.profile).with_details(
                        serde_json::json!({ "version": cat.version, "added": added }),
                    ),
                )?;
            }
            Ok(added.len() as u64)
        })
    }

    fn services(&self) -> Result<Vec<ServiceRecord>> {
        self.read(|tx| {
            let rows = tx.query(
                "SELECT definition, version, updated_at, updated_by FROM services ORDER BY code",
                &[],
            )?;
            all(rows, record)
        })
    }

    fn service(&self, code: &str) -> Result<ServiceRecord> {
        self.read(|tx| current(tx, code))
    }

    fn update_service(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        def: &ServiceDef,
        expected: i64,
        note: &daftar_domain::service::ServiceNote,
    ) -> Result<ServiceRecord> {
        require_manage(reach)?;
        def.validate()?;
        let note = note.as_str();
        let now = self.now();
        self.write(|tx| {
            let cur = current(tx, def.code.as_str())?;
            if cur.version != expected {
                return Err(version_stale("service.version.stale", cur.version));
            }
            insert_version(tx, def, cur.version + 1, &ctx.actor, note, now)?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("service.update", "service", def.code.as_str())
                    .with_details(serde_json::json!({ "version": cur.version + 1, "note": note })),
            )?;
            current(tx, def.code.as_str())
        })
    }

    fn service_history(&self, code: &str) -> Result<Vec<ServiceVersion>> {
        self.read(|tx| {
            let rows = tx.query(
                "SELECT version, definition, changed_at, changed_by, note FROM service_versions WHERE code = $1 ORDER BY version DESC",
                params![code],
            )?;
            if rows.is_empty() {
                return Err(Error::not_found("service.not_found"));
            }
            all(rows, |r| {
                Ok(ServiceVersion {
                    version: r.i64(0)?,
                    definition: definition(&r.text(1)?)?,
                    changed_at: r.ts(2)?,
                    changed_by: r.text(3)?,
                    note: r.text(4)?,
                })
            })
        })
    }

    fn holidays(&self) -> Result<Vec<Holiday>> {
        self.read(|tx| {
            let rows = tx.query(
                "SELECT day, name_fa, name_en, kind FROM holidays ORDER BY day",
                &[],
            )?;
            all(rows, holiday)
        })
    }

    fn load_holidays(&self, ctx: &AuditCtx, list: &[Holiday]) -> Result<u64> {
        let now = self.now();
        // Whole years only: a year with any stored holiday belongs to the admins' editor; a
        // year the file adds later (1406 after 1403–1405) is loaded on the next start.
        self.write(|tx| {
            let stored: std::collections::BTreeSet<i32> = tx
                .query("SELECT day FROM holidays", &[])?
                .iter()
                .map(|r| {
                    Ok(
                        daftar_domain::jalali::JalaliDate::from_iso(super::cases::date(
                            &r.text(0)?,
                        )?)
                        .year(),
                    )
                })
                .collect::<Result<_>>()?;
            let new: Vec<&Holiday> = list
                .iter()
                .filter(|h| !stored.contains(&h.date.year()))
                .collect();
            if new.is_empty() {
                return Ok(0);
            }
            for h in &new {
                put_holiday(tx, &ctx.actor, h, now)?;
            }
            let years: std::collections::BTreeSet<i32> =
                new.iter().map(|h| h.date.year()).collect();
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("holiday.load", "calendar", "")
                    .with_details(serde_json::json!({ "count": new.len(), "years": years })),
            )?;
            Ok(new.len() as u64)
        })
    }

    fn set_holiday(&self, ctx: &AuditCtx, reach: &Reach, h: &Holiday) -> Result<()> {
        require_manage(reach)?;
        if h.name_fa.trim().is_empty() || h.name_en.trim().is_empty() {
            return Err(Error::invalid("holiday.name.required").with_field("name_fa"));
        }
        let now = self.now();
        self.write(|tx| {
            tx.exec("DELETE FROM holidays WHERE day = $1", params![h.date.iso_string()])?;
            put_holiday(tx, &ctx.actor, h, now)?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("holiday.set", "holiday", h.date.iso_string()).with_details(
                    serde_json::json!({ "name_fa": h.name_fa, "name_en": h.name_en, "kind": kind_code(h.kind) }),
                ),
            )?;
            Ok(())
        })
    }

    fn remove_holiday(&self, ctx: &AuditCtx, reach: &Reach, day: time::Date) -> Result<()> {
        require_manage(reach)?;
        let iso = JalaliDate::from_iso(day).iso_string();
        self.write(|tx| {
            if tx.exec("DELETE FROM holidays WHERE day = $1", params![iso.as_str()])? == 0 {
                return Err(Error::not_found("holiday.not_found"));
            }
            audit::append(tx, ctx, &AuditEvent::new("holiday.remove", "holiday", iso))?;
            Ok(())
        })
    }
}
