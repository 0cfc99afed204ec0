//! Persons (personal data): every list and view is audited in the same transaction, and only
//! the persons of the scope's office are visible.

use super::{audit, paged};
use crate::SqlStore;
use crate::sql::{Row, params};
use daftar_domain::audit::{AuditCtx, AuditEvent, truncate_ms};
use daftar_domain::ids::{OfficeId, PersonId};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::{OfficeScope, Permission};
use daftar_domain::person::{NewPerson, Person, Sex};
use daftar_domain::{Error, Result};

const COLS: &str = "id, office_id, registry_no, given_name, family_name, father_name, birth_date, sex, nationality, created_at";

fn person(r: &Row) -> Result<Person> {
    Ok(Person {
        id: r.parse(0)?,
        office_id: r.parse(1)?,
        registry_no: r.text(2)?,
        given_name: r.text(3)?,
        family_name: r.text(4)?,
        father_name: r.text(5)?,
        birth_date: r.opt_text(6)?,
        sex: Sex::parse(&r.text(7)?)?,
        nationality: r.text(8)?,
        created_at: r.ts(9)?,
    })
}

impl SqlStore {
    pub(crate) fn create_person_impl(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        new: &NewPerson,
    ) -> Result<Person> {
        scope.require(Permission::PersonWrite)?;
        new.validate(time::OffsetDateTime::now_utc().date())?;
        let office = scope.office_id().to_string();
        self.write(|tx| {
            tx.exec(
                "UPDATE offices SET person_seq = person_seq + 1 WHERE id = $1",
                params![office.as_str()],
            )?;
            let r = tx.query_opt(
                "SELECT code, person_seq FROM offices WHERE id = $1",
                params![office.as_str()],
            )?;
            let r = r.ok_or_else(|| Error::not_found("office.not_found"))?;
            let p = Person {
                id: PersonId::new(),
                office_id: scope.office_id(),
                registry_no: format!("{}-{:06}", r.text(0)?, r.i64(1)?),
                given_name: new.given_name.trim().into(),
                family_name: new.family_name.trim().into(),
                father_name: new.father_name.trim().into(),
                birth_date: new.birth_date.clone(),
                sex: new.sex,
                nationality: new.nationality.clone(),
                created_at: truncate_ms(time::OffsetDateTime::now_utc()),
            };
            tx.exec(
                &format!(
                    "INSERT INTO persons ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                ),
                params![
                    p.id.to_string(),
                    office.as_str(),
                    p.registry_no.as_str(),
                    p.given_name.as_str(),
                    p.family_name.as_str(),
                    p.father_name.as_str(),
                    p.birth_date.clone(),
                    p.sex.code(),
                    p.nationality.as_str(),
                    p.created_at,
                ],
            )?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("person.create", "person", p.id)
                    .with_details(serde_json::json!({ "office_id": office })),
            )?;
            Ok(p)
        })
    }

    pub(crate) fn list_persons_impl(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        req: PageRequest,
    ) -> Result<Page<Person>> {
        scope.require(Permission::PersonRead)?;
        let req = req.clamped();
        let office = scope.office_id().to_string();
        self.write(|tx| {
            let page = paged(
                tx,
                COLS,
                "FROM persons WHERE office_id = $1",
                "id DESC",
                vec![office.clone().into()],
                req,
                person,
            )?;
            let ids: Vec<String> = page.items.iter().map(|p| p.id.to_string()).collect();
            let ev = AuditEvent::new("person.list", "office", &office)
                .with_details(serde_json::json!({ "page": page.page, "persons": ids }));
            audit::append(tx, ctx, &ev)?;
            Ok(page)
        })
    }

    pub(crate) fn get_person_impl(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
    ) -> Result<Person> {
        scope.require(Permission::PersonRead)?;
        self.write(|tx| {
            let r = tx.query_opt(
                &format!("SELECT {COLS} FROM persons WHERE id = $1 AND office_id = $2"),
                params![id.to_string(), scope.office_id().to_string()],
            )?;
            let p = person(&r.ok_or_else(|| Error::not_found("person.not_found"))?)?;
            audit::log(tx, ctx, "person.read", "person", p.id)?;
            Ok(p)
        })
    }

    pub(crate) fn count_persons_by_office_impl(&self) -> Result<Vec<(OfficeId, u64)>> {
        self.read(|tx| {
            tx.query(
                "SELECT office_id, COUNT(*) FROM persons GROUP BY office_id ORDER BY office_id",
                &[],
            )?
            .iter()
            .map(|r| Ok((r.parse(0)?, u64::try_from(r.i64(1)?).unwrap_or(0))))
            .collect()
        })
    }
}
