//! Portal accounts: a registered person's login (role `applicant`, username = registry number,
//! their office) tied to their record. Granted by staff of the person's office; granting again
//! sets a new password and ends the account's sessions.

use super::audit;
use super::users::insert_user;
use crate::SqlStore;
use crate::sign_ins::Change;
use crate::sql::params;
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::ids::{PersonId, UserId};
use daftar_domain::permission::{OfficeScope, Permission, RoleCode};
use daftar_domain::user::{NewUser, User, Username};
use daftar_domain::{Error, Result};

impl daftar_domain::store::PortalStore for SqlStore {
    fn grant_portal(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
        password_hash: &str,
    ) -> Result<User> {
        scope.require(Permission::PersonWrite)?;
        let user = self.write(|tx| {
            let p = tx
                .query_opt(
                    concat!("SELECT registry_no, given_name, family_name, status FROM persons WHERE id = $1 AND office_id = $2 AND ", person_visible!()),
                    params![person.to_string(), scope.office_id().to_string()],
                )?
                .ok_or_else(|| Error::not_found("person.not_found"))?;
            if p.text(3)? == "deceased" {
                return Err(Error::conflict("portal.person.deceased"));
            }
            let existing = tx.query_opt(
                "SELECT user_id FROM portal_accounts WHERE person_id = $1",
                params![person.to_string()],
            )?;
            if let Some(r) = existing {
                let id: UserId = r.parse(0)?;
                tx.exec(
                    "UPDATE users SET password_hash = $1, status = 'active' WHERE id = $2",
                    params![password_hash, id.to_string()],
                )?;
                tx.exec(
                    "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
                    params![self.now(), id.to_string()],
                )?;
                audit::append(
                    tx,
                    ctx,
                    &AuditEvent::new("portal.reset", "person", person)
                        .with_details(serde_json::json!({ "user": id.to_string() })),
                )?;
                return super::users::get_user_in(tx, id).map(|a| a.user);
            }
            let name = format!("{} {}", p.text(1)?, p.text(2)?);
            let user = insert_user(
                tx,
                ctx,
                &NewUser {
                    username: Username::parse(&p.text(0)?)?,
                    display_name: name.trim().to_owned(),
                    office_id: Some(scope.office_id()),
                    role: RoleCode::parse(RoleCode::APPLICANT)?,
                    password_hash: password_hash.to_owned(),
                    locale: None,
                },
            )?;
            tx.exec(
                "INSERT INTO portal_accounts (user_id, person_id) VALUES ($1, $2)",
                params![user.id.to_string(), person.to_string()],
            )?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("portal.grant", "person", person)
                    .with_details(serde_json::json!({ "user": user.id.to_string() })),
            )?;
            Ok(user)
        })?;
        // A reset made the account active again and ended its sessions.
        self.sign_ins.forget(Change::User(user.id));
        Ok(user)
    }

    fn portal_person(&self, user: UserId) -> Result<Option<PersonId>> {
        self.read(|tx| {
            tx.query_opt(
                "SELECT person_id FROM portal_accounts WHERE user_id = $1",
                params![user.to_string()],
            )?
            .map(|r| r.parse(0))
            .transpose()
        })
    }
}
