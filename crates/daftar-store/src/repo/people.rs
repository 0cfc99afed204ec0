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

/// The person as the matcher sees it.
fn as_record(p: &Person) -> daftar_match::dedupe::Record {
    daftar_match::dedupe::Record {
        id: p.id.to_string(),
        given_name: p.given_name.clone(),
        family_name: p.family_name.clone(),
        father_name: p.father_name.clone(),
        birth_date: p.birth_date.clone().unwrap_or_default(),
        gender: match p.sex {
            Sex::Female => "F".into(),
            Sex::Male => "M".into(),
            Sex::Unknown => String::new(),
        },
    }
}

/// Stores the person's match keys (in the caller's transaction).
fn write_keys(tx: &mut dyn crate::sql::Tx, p: &Person) -> Result<()> {
    for k in daftar_match::dedupe::match_keys(&as_record(p)) {
        tx.exec(
            "INSERT INTO person_match_keys (match_key, person_id, office_id) VALUES ($1, $2, $3) ON CONFLICT (match_key, person_id) DO NOTHING",
            params![k, p.id.to_string(), p.office_id.to_string()],
        )?;
    }
    Ok(())
}

/// Most persons looked at for one candidate query (keys of very common names are skipped
/// beyond this).
const MAX_CANDIDATES_SCANNED: usize = 500;

impl SqlStore {
    /// Computes match keys for persons that have none (after the migration that added them).
    pub(crate) fn backfill_match_keys(&self) -> Result<u64> {
        let mut done = 0;
        loop {
            let n = self.write(|tx| {
                let rows = tx.query(&format!("SELECT {COLS} FROM persons WHERE id NOT IN (SELECT person_id FROM person_match_keys) LIMIT 1000"), &[])?;
                for r in &rows {
                    write_keys(tx, &person(r)?)?;
                }
                Ok(rows.len() as u64)
            })?;
            done += n;
            if n < 1000 {
                return Ok(done);
            }
        }
    }

    pub(crate) fn person_candidates_impl(
        &self,
        ctx: &AuditCtx,
        reach: &daftar_domain::permission::Reach,
        probe: &NewPerson,
        limit: usize,
    ) -> Result<daftar_domain::person::Candidates> {
        if reach.permission() != Permission::PersonRead {
            return Err(Error::forbidden("auth.forbidden"));
        }
        let probe_record = daftar_match::dedupe::Record {
            id: String::new(),
            given_name: probe.given_name.clone(),
            family_name: probe.family_name.clone(),
            father_name: probe.father_name.clone(),
            birth_date: probe.birth_date.clone().unwrap_or_default(),
            gender: match probe.sex {
                Sex::Female => "F".into(),
                Sex::Male => "M".into(),
                Sex::Unknown => String::new(),
            },
        };
        let keys = daftar_match::dedupe::match_keys(&probe_record);
        if keys.is_empty() {
            return Ok(daftar_domain::person::Candidates {
                candidates: vec![],
                elsewhere: 0,
            });
        }
        let settings = daftar_match::dedupe::Settings::default();
        self.write(|tx| {
            let marks: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
            let args: Vec<crate::sql::Value> = keys.iter().map(|k| k.clone().into()).collect();
            let ids = tx.query(
                &format!("SELECT DISTINCT person_id FROM person_match_keys WHERE match_key IN ({}) LIMIT {MAX_CANDIDATES_SCANNED}", marks.join(", ")),
                &args,
            )?;
            let mut found = vec![];
            let mut elsewhere = 0u64;
            for id in ids {
                let Some(r) = tx.query_opt(&format!("SELECT {COLS} FROM persons WHERE id = $1"), params![id.text(0)?])? else { continue };
                let p = person(&r)?;
                let Some((reasons, score)) = daftar_match::dedupe::compare(&probe_record, &as_record(&p), &settings) else { continue };
                if reach.office_id().is_none_or(|o| o == p.office_id) {
                    found.push(daftar_domain::person::PersonCandidate { person: p, reasons, score });
                } else {
                    elsewhere += 1;
                }
            }
            found.sort_by(|a, b| b.score.total_cmp(&a.score));
            found.truncate(limit);
            let shown: Vec<String> = found.iter().map(|c| c.person.id.to_string()).collect();
            let ev = AuditEvent::new("person.candidates", "office", reach.office_id().map(|o| o.to_string()).unwrap_or_default())
                .with_details(serde_json::json!({ "persons": shown, "elsewhere": elsewhere }));
            audit::append(tx, ctx, &ev)?;
            Ok(daftar_domain::person::Candidates { candidates: found, elsewhere })
        })
    }

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
            write_keys(tx, &p)?;
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
                "registry_no DESC",
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
