//! Roles and offices (the office network): `OfficeStore`.

use super::{audit, paged};
use crate::SqlStore;
use crate::sign_ins::Change;
use crate::sql::{Row, Value, params};
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::etag as tag;
use daftar_domain::ids::OfficeId;
use daftar_domain::office::{CreateOffice, Office, OfficeStatus};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::{Permission, Reach, RoleCode, RoleDef};
use daftar_domain::{Error, Result};
use std::collections::BTreeMap;

pub(crate) const OFFICE_COLS: &str = "id, code, name_fa, name_en, province, district, status, created_at, licence_state, licence_valid_until";

pub(crate) fn office(r: &Row) -> Result<Office> {
    Ok(Office {
        id: r.parse(0)?,
        code: daftar_domain::office::OfficeCode::parse(&r.text(1)?)?,
        name_fa: r.text(2)?,
        name_en: r.text(3)?,
        province: r.text(4)?,
        district: r.text(5)?,
        status: OfficeStatus::parse(&r.text(6)?)?,
        created_at: r.ts(7)?,
        licence_state: r
            .opt_text(8)?
            .map(|s| daftar_domain::licence::LicenceState::parse(&s))
            .transpose()?,
        licence_valid_until: r.opt_text(9)?.map(|s| super::cases::date(&s)).transpose()?,
    })
}

impl daftar_domain::store::OfficeStore for SqlStore {
    fn roles(&self) -> Result<Vec<RoleDef>> {
        self.read(|tx| {
            let mut roles: BTreeMap<String, RoleDef> = BTreeMap::new();
            for r in tx.query(
                "SELECT code, totp_required, office_bound FROM roles ORDER BY code",
                &[],
            )? {
                let code = r.text(0)?;
                roles.insert(
                    code.clone(),
                    RoleDef {
                        code: RoleCode::parse(&code)?,
                        totp_required: r.bool(1)?,
                        office_bound: r.bool(2)?,
                        permissions: Default::default(),
                    },
                );
            }
            for r in tx.query("SELECT role, permission FROM role_permissions", &[])? {
                let (role, perm) = (r.text(0)?, r.text(1)?);
                match (roles.get_mut(&role), perm.parse::<Permission>()) {
                    (Some(def), Ok(p)) => {
                        def.permissions.insert(p);
                    }
                    _ => tracing::warn!(role, perm, "ignoring unknown role permission row"),
                }
            }
            Ok(roles.into_values().collect())
        })
    }

    fn create_office(&self, ctx: &AuditCtx, new: &CreateOffice) -> Result<Office> {
        let o = Office {
            id: OfficeId::new(),
            code: new.code().clone(),
            name_fa: new.name_fa().into(),
            name_en: new.name_en().into(),
            province: new.province().into(),
            district: new.district().into(),
            status: OfficeStatus::Active,
            created_at: self.now(),
            licence_state: None,
            licence_valid_until: None,
        };
        self.write(|tx| {
            tx.exec(
                &format!(
                    "INSERT INTO offices ({OFFICE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL)"
                ),
                params![
                    o.id.to_string(),
                    o.code.as_str(),
                    o.name_fa.as_str(),
                    o.name_en.as_str(),
                    o.province.as_str(),
                    o.district.as_str(),
                    o.status.code(),
                    o.created_at
                ],
            )
            .map_err(|e| e.into_error("office.code.taken"))?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("office.create", "office", o.id)
                    .with_details(serde_json::json!({ "code": o.code.as_str() })),
            )?;
            Ok(o)
        })
    }

    fn list_offices(&self, reach: &Reach, req: PageRequest) -> Result<Page<Office>> {
        let (wh, args) = match reach.office_id() {
            None => ("", vec![]),
            Some(o) => (" WHERE id = $1", vec![Value::from(o.to_string())]),
        };
        self.read(|tx| {
            paged(
                tx,
                OFFICE_COLS,
                &format!("FROM offices{wh}"),
                "code",
                args,
                req,
                office,
            )
        })
    }

    fn get_office(&self, id: OfficeId) -> Result<Office> {
        self.read(|tx| {
            let r = tx.query_opt(
                &format!("SELECT {OFFICE_COLS} FROM offices WHERE id = $1"),
                params![id.to_string()],
            )?;
            office(&r.ok_or_else(|| Error::not_found("office.not_found"))?)
        })
    }

    fn set_office_status(
        &self,
        ctx: &AuditCtx,
        id: OfficeId,
        status: OfficeStatus,
        expected: Option<&str>,
    ) -> Result<Office> {
        self.changing_sign_ins(Change::Office(id), || {
            self.write(|tx| {
                if let Some(e) = expected {
                    let r = tx
                        .query_opt(
                            &format!("SELECT {OFFICE_COLS} FROM offices WHERE id = $1"),
                            params![id.to_string()],
                        )?
                        .ok_or_else(|| Error::not_found("office.not_found"))?;
                    tag::check(Some(e), &tag::tag_of(&office(&r)?), "office.version.stale")?;
                }
                let n = tx.exec(
                    "UPDATE offices SET status = $1 WHERE id = $2",
                    params![status.code(), id.to_string()],
                )?;
                if n == 0 {
                    return Err(Error::not_found("office.not_found"));
                }
                audit::append(
                    tx,
                    ctx,
                    &AuditEvent::new("office.status", "office", id)
                        .with_details(serde_json::json!({ "status": status.code() })),
                )?;
                let r = tx.query_one(
                    &format!("SELECT {OFFICE_COLS} FROM offices WHERE id = $1"),
                    params![id.to_string()],
                )?;
                office(&r)
            })
        })
    }
}
