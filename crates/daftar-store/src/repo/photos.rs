//! Persons' photos (personal data): replaced whole, read only by staff of the person's office,
//! every upload and view audited.

use super::audit;
use crate::SqlStore;
use crate::sql::params;
use base64::Engine;
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::ids::PersonId;
use daftar_domain::permission::{OfficeScope, Permission};
use daftar_domain::photo::Photo;
use daftar_domain::{Error, Result};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn require_person(tx: &mut dyn crate::sql::Tx, scope: &OfficeScope, id: PersonId) -> Result<()> {
    tx.query_opt(
        concat!(
            "SELECT id FROM persons WHERE id = $1 AND office_id = $2 AND ",
            person_visible!()
        ),
        params![id.to_string(), scope.office_id().to_string()],
    )?
    .ok_or_else(|| Error::not_found("person.not_found"))?;
    Ok(())
}

impl daftar_domain::store::PhotoStore for SqlStore {
    fn set_photo(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
        photo: &Photo,
    ) -> Result<()> {
        scope.require(Permission::PersonWrite)?;
        let now = self.now();
        self.write(|tx| {
            require_person(tx, scope, id)?;
            tx.exec("DELETE FROM person_photos WHERE person_id = $1", params![id.to_string()])?;
            tx.exec(
                "INSERT INTO person_photos (person_id, content_type, sha256, size, data, uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                params![
                    id.to_string(),
                    photo.content_type,
                    photo.sha256.as_str(),
                    photo.bytes.len() as i64,
                    B64.encode(&photo.bytes),
                    now,
                    ctx.actor.as_str()
                ],
            )?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("person.photo.set", "person", id).with_details(serde_json::json!({
                    "sha256": photo.sha256,
                    "size": photo.bytes.len(),
                })),
            )?;
            Ok(())
        })
    }

    fn get_photo(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
    ) -> Result<Option<Photo>> {
        scope.require(Permission::PersonRead)?;
        self.write(|tx| {
            require_person(tx, scope, id)?;
            let Some(r) = tx.query_opt(
                "SELECT data FROM person_photos WHERE person_id = $1",
                params![id.to_string()],
            )?
            else {
                return Ok(None);
            };
            let bytes = B64
                .decode(r.text(0)?)
                .map_err(|e| Error::store(format!("photo of {id}: {e}")))?;
            audit::log(tx, ctx, "person.photo.read", "person", id)?;
            Photo::check(bytes).map(Some)
        })
    }
}
