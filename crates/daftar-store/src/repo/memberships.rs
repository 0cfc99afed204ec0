//! Association membership of offices: `MembershipStore`. Office records only.

use super::audit;
use super::offices::{OFFICE_COLS, office};
use crate::SqlStore;
use crate::sql::{Tx, params};
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::ids::OfficeId;
use daftar_domain::licence::OfficeStanding;
use daftar_domain::membership::{Member, Membership, NewMembership, is_current};
use daftar_domain::permission::{OfficeScope, Permission, Reach};
use daftar_domain::{Error, Result};
use std::collections::BTreeMap;

/// The membership of `office`, with its dues years.
pub(crate) fn load(tx: &mut dyn Tx, office: OfficeId) -> Result<Option<Membership>> {
    let Some(r) = tx.query_opt(
        "SELECT office_id, number, branch, joined_on FROM memberships WHERE office_id = $1",
        params![office.to_string()],
    )?
    else {
        return Ok(None);
    };
    let years = tx
        .query(
            "SELECT year FROM membership_dues WHERE office_id = $1 ORDER BY year",
            params![office.to_string()],
        )?
        .iter()
        .map(|r| r.i64(0).map(|y| y as i32))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(Membership {
        office_id: r.parse(0)?,
        number: r.text(1)?,
        branch: r.text(2)?,
        joined_on: super::cases::date(&r.text(3)?)?,
        dues_years: years,
    }))
}

impl daftar_domain::store::MembershipStore for SqlStore {
    fn record_membership(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        new: &NewMembership,
    ) -> Result<Membership> {
        scope.require(Permission::MembershipManage)?;
        let clock = self.clock.clone();
        let id = scope.office_id();
        self.write(|tx| {
            let today = clock.date_of(tx.now());
            let existed = load(tx, id)?.is_some();
            let sql = if existed {
                "UPDATE memberships SET number = $2, branch = $3 WHERE office_id = $1"
            } else {
                "INSERT INTO memberships (office_id, number, branch, joined_on) VALUES ($1, $2, $3, $4)"
            };
            let day = daftar_domain::jalali::iso_day(today);
            let args = params![
                id.to_string(),
                new.number.as_str(),
                new.branch.as_str(),
                day.as_str()
            ];
            let args = if existed { &args[..3] } else { args };
            tx.exec(sql, args).map_err(|e| match e {
                crate::sql::DbError::ForeignKey(_) => Error::not_found("office.not_found"),
                e => e.into_error("membership.number.taken"),
            })?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("membership.record", "office", id).with_details(
                    serde_json::json!({ "number": new.number.as_str(), "branch": new.branch.as_str() }),
                ),
            )?;
            load(tx, id)?.ok_or_else(|| Error::internal("membership vanished"))
        })
    }

    fn record_dues(&self, ctx: &AuditCtx, scope: &OfficeScope, year: i32) -> Result<Membership> {
        scope.require(Permission::MembershipManage)?;
        let clock = self.clock.clone();
        let id = scope.office_id();
        self.write(|tx| {
            let today = clock.date_of(tx.now());
            let m = load(tx, id)?.ok_or_else(|| Error::conflict("membership.none"))?;
            if m.dues_years.contains(&year) {
                return Err(Error::conflict("membership.dues.paid")
                    .with_detail("year", serde_json::json!(year)));
            }
            tx.exec(
                "INSERT INTO membership_dues (office_id, year, paid_on) VALUES ($1, $2, $3)",
                params![
                    id.to_string(),
                    i64::from(year),
                    daftar_domain::jalali::iso_day(today)
                ],
            )
            .map_err(|e| e.into_error("membership.dues.paid"))?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("membership.dues", "office", id)
                    .with_details(serde_json::json!({ "year": year })),
            )?;
            load(tx, id)?.ok_or_else(|| Error::internal("membership vanished"))
        })
    }

    fn office_membership(&self, scope: &OfficeScope) -> Result<Option<Membership>> {
        scope.require(Permission::OfficeRead)?;
        self.read(|tx| load(tx, scope.office_id()))
    }

    fn members(&self, reach: &Reach) -> Result<Vec<Member>> {
        if reach.office_id().is_some() || reach.permission() != Permission::OfficeRead {
            return Err(Error::forbidden("auth.forbidden"));
        }
        let clock = self.clock.clone();
        self.read(|tx| {
            let today = clock.date_of(tx.now());
            let offices = tx
                .query(
                    &format!("SELECT {OFFICE_COLS} FROM offices ORDER BY code"),
                    &[],
                )?
                .iter()
                .map(office)
                .collect::<Result<Vec<_>>>()?;
            let mut memberships: BTreeMap<String, Membership> = BTreeMap::new();
            for r in tx.query(
                "SELECT office_id, number, branch, joined_on FROM memberships",
                &[],
            )? {
                memberships.insert(
                    r.text(0)?,
                    Membership {
                        office_id: r.parse(0)?,
                        number: r.text(1)?,
                        branch: r.text(2)?,
                        joined_on: super::cases::date(&r.text(3)?)?,
                        dues_years: vec![],
                    },
                );
            }
            for r in tx.query(
                "SELECT office_id, year FROM membership_dues ORDER BY year",
                &[],
            )? {
                if let Some(m) = memberships.get_mut(&r.text(0)?) {
                    m.dues_years.push(r.i64(1)? as i32);
                }
            }
            Ok(offices
                .into_iter()
                .map(|o| {
                    let membership = memberships.remove(&o.id.to_string());
                    let current = is_current(membership.as_ref(), today);
                    Member {
                        standing: OfficeStanding::of(&o, today).licence,
                        office: o,
                        membership,
                        current,
                    }
                })
                .collect())
        })
    }
}
