//! Households (personal data): creating one around a head, adding and moving members,
//! splitting members off into a new household, and the household view with every member's
//! status. Only persons of the scope's office can be members; every read and change is audited.

use super::persons::{SUMMARY_COLS, summary};
use super::{audit, paged};
use crate::SqlStore;
use crate::sql::{Row, Tx, params};
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::etag as tag;
use daftar_domain::household::{
    AddMember, Household, HouseholdSummary, HouseholdView, Member, MemberRef, Relationship,
    SplitHousehold,
};
use daftar_domain::ids::{HouseholdId, OfficeId, PersonId};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::{OfficeScope, Permission};
use daftar_domain::{Error, Result};
use time::OffsetDateTime;

fn household(r: &Row) -> Result<Household> {
    Ok(Household {
        id: r.parse(0)?,
        office_id: r.parse(1)?,
        head_person_id: r.parse(2)?,
        created_at: r.ts(3)?,
    })
}

/// The household of the office with its current members, head first.
fn load(tx: &mut dyn Tx, office: OfficeId, id: HouseholdId) -> Result<HouseholdView> {
    let r = tx
        .query_opt(
            "SELECT id, office_id, head_person_id, created_at FROM households WHERE id = $1 AND office_id = $2",
            params![id.to_string(), office.to_string()],
        )?
        .ok_or_else(|| Error::not_found("household.not_found"))?;
    let household = household(&r)?;
    let rows = tx.query(
        &format!("SELECT {SUMMARY_COLS}, household_members.relationship, household_members.joined_at FROM household_members JOIN persons ON persons.id = household_members.person_id WHERE household_members.household_id = $1 AND household_members.left_at IS NULL ORDER BY household_members.joined_at, persons.registry_no"),
        params![id.to_string()],
    )?;
    let mut members = rows
        .iter()
        .map(|r| {
            Ok(Member {
                person: summary(r)?,
                relationship: Relationship::parse(&r.text(16)?)?,
                joined_at: r.ts(17)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    members.sort_by_key(|m| m.relationship != Relationship::Head);
    Ok(HouseholdView { household, members })
}

/// A person of the office, by id or registry number (`person.not_found` otherwise).
fn find_person(tx: &mut dyn Tx, office: OfficeId, who: &MemberRef) -> Result<PersonId> {
    let r = match who {
        MemberRef::Id(id) => tx.query_opt(
            concat!(
                "SELECT id FROM persons WHERE id = $1 AND office_id = $2 AND ",
                person_visible!()
            ),
            params![id.to_string(), office.to_string()],
        )?,
        MemberRef::RegistryNo(no) => tx.query_opt(
            concat!(
                "SELECT id FROM persons WHERE UPPER(registry_no) = $1 AND office_id = $2 AND ",
                person_visible!()
            ),
            params![no.as_str(), office.to_string()],
        )?,
    };
    r.ok_or_else(|| Error::not_found("person.not_found").with_field("registry_no"))?
        .parse(0)
}

/// The person's current household and relationship, if any.
fn current(tx: &mut dyn Tx, person: PersonId) -> Result<Option<(HouseholdId, Relationship)>> {
    tx.query_opt(
        "SELECT household_id, relationship FROM household_members WHERE person_id = $1 AND left_at IS NULL",
        params![person.to_string()],
    )?
    .map(|r| Ok((r.parse(0)?, Relationship::parse(&r.text(1)?)?)))
    .transpose()
}

fn join(
    tx: &mut dyn Tx,
    household: HouseholdId,
    person: PersonId,
    relationship: Relationship,
    at: OffsetDateTime,
) -> Result<()> {
    tx.exec(
        "INSERT INTO household_members (household_id, person_id, relationship, joined_at) VALUES ($1, $2, $3, $4)",
        params![household.to_string(), person.to_string(), relationship.code(), at],
    )
    .map_err(|e| e.into_error("household.member.taken"))?;
    Ok(())
}

fn leave(tx: &mut dyn Tx, person: PersonId, at: OffsetDateTime) -> Result<()> {
    tx.exec(
        "UPDATE household_members SET left_at = $1 WHERE person_id = $2 AND left_at IS NULL",
        params![at, person.to_string()],
    )?;
    Ok(())
}

/// Creates a household headed by `head` (who must have none).
fn create(
    tx: &mut dyn Tx,
    office: OfficeId,
    head: PersonId,
    at: OffsetDateTime,
) -> Result<HouseholdId> {
    let id = HouseholdId::new();
    tx.exec(
        "INSERT INTO households (id, office_id, head_person_id, created_at) VALUES ($1, $2, $3, $4)",
        params![id.to_string(), office.to_string(), head.to_string(), at],
    )?;
    join(tx, id, head, Relationship::Head, at)?;
    Ok(id)
}

impl daftar_domain::store::HouseholdStore for SqlStore {
    fn create_household(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        head: PersonId,
    ) -> Result<HouseholdView> {
        scope.require(Permission::PersonWrite)?;
        let office = scope.office_id();
        self.write(|tx| {
            let head = find_person(tx, office, &MemberRef::Id(head))?;
            if current(tx, head)?.is_some() {
                return Err(Error::conflict("household.member.taken").with_field("person_id"));
            }
            let now = self.now();
            let id = create(tx, office, head, now)?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("household.create", "household", id)
                    .with_details(serde_json::json!({ "head": head.to_string() })),
            )?;
            let answered = load(tx, office, id)?;
            super::idempotency::attach(tx, answered)
        })
    }

    fn list_households(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        req: PageRequest,
    ) -> Result<Page<HouseholdSummary>> {
        scope.require(Permission::PersonRead)?;
        let office = scope.office_id().to_string();
        self.write(|tx| {
            let page = paged(
                tx,
                "h.id, h.office_id, h.head_person_id, h.created_at, p.registry_no, p.given_name, p.family_name, (SELECT COUNT(*) FROM household_members m WHERE m.household_id = h.id AND m.left_at IS NULL)",
                "FROM households h JOIN persons p ON p.id = h.head_person_id WHERE h.office_id = $1",
                "h.created_at DESC, h.id",
                vec![office.clone().into()],
                req,
                |r| {
                    Ok(HouseholdSummary {
                        household: household(r)?,
                        head_registry_no: r.text(4)?,
                        head_name: format!("{} {}", r.text(5)?, r.text(6)?).trim().to_owned(),
                        members: u64::try_from(r.i64(7)?).unwrap_or(0),
                    })
                },
            )?;
            let ids: Vec<String> = page.items.iter().map(|h| h.household.id.to_string()).collect();
            // The heads shown (their access logs list this page: `audit::access_log`).
            let persons: Vec<String> =
                page.items.iter().map(|h| h.household.head_person_id.to_string()).collect();
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("household.list", "office", &office).with_details(
                    serde_json::json!({ "page": page.page, "households": ids, "persons": persons }),
                ),
            )?;
            Ok(page)
        })
    }

    fn get_household(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: HouseholdId,
    ) -> Result<HouseholdView> {
        scope.require(Permission::PersonRead)?;
        self.write(|tx| {
            let view = load(tx, scope.office_id(), id)?;
            audit::log(tx, ctx, "household.read", "household", id)?;
            Ok(view)
        })
    }

    fn person_household(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
    ) -> Result<Option<HouseholdId>> {
        scope.require(Permission::PersonRead)?;
        let office = scope.office_id();
        self.write(|tx| {
            find_person(tx, office, &MemberRef::Id(person))?;
            let found = current(tx, person)?.map(|(h, _)| h);
            audit::log(tx, ctx, "household.lookup", "person", person)?;
            Ok(found)
        })
    }

    fn add_household_member(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: HouseholdId,
        m: &AddMember,
        expected: Option<&str>,
    ) -> Result<HouseholdView> {
        scope.require(Permission::PersonWrite)?;
        let relationship = m.relationship;
        let office = scope.office_id();
        self.write(|tx| {
            let before = load(tx, office, id)?;
            tag::check(expected, &tag::tag_of(&before), "household.version.stale")?;
            let person = find_person(tx, office, &m.who)?;
            let now = self.now();
            let action = match current(tx, person)? {
                None => "household.member.add",
                Some((h, _)) if h == id => {
                    return Err(
                        Error::conflict("household.member.already").with_field("registry_no")
                    );
                }
                Some((_, Relationship::Head)) => {
                    return Err(Error::conflict("household.member.head").with_field("registry_no"));
                }
                Some(_) if !m.move_existing => {
                    return Err(Error::conflict("household.member.taken").with_field("registry_no"));
                }
                Some(_) => {
                    leave(tx, person, now)?;
                    "household.member.move"
                }
            };
            join(tx, id, person, relationship, now)?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new(action, "household", id).with_details(serde_json::json!({
                    "person_id": person.to_string(),
                    "relationship": relationship.code(),
                })),
            )?;
            let answered = load(tx, office, id)?;
            super::idempotency::attach(tx, answered)
        })
    }

    fn split_household(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: HouseholdId,
        split: &SplitHousehold,
        expected: Option<&str>,
    ) -> Result<HouseholdView> {
        scope.require(Permission::PersonWrite)?;
        let head = split.head();
        let office = scope.office_id();
        self.write(|tx| {
            let from = load(tx, office, id)?;
            tag::check(expected, &tag::tag_of(&from), "household.version.stale")?;
            for p in split.members() {
                match from.members.iter().find(|m| m.person.id == *p) {
                    None => return Err(Error::conflict("household.split.not_member").with_field("members")),
                    Some(m) if m.relationship == Relationship::Head => {
                        return Err(Error::conflict("household.split.head").with_field("members"));
                    }
                    Some(_) => {}
                }
            }
            let now = self.now();
            for p in split.members() {
                leave(tx, *p, now)?;
            }
            let new_id = HouseholdId::new();
            tx.exec(
                "INSERT INTO households (id, office_id, head_person_id, created_at) VALUES ($1, $2, $3, $4)",
                params![new_id.to_string(), office.to_string(), head.to_string(), now],
            )?;
            for p in split.members() {
                let rel = if *p == head {
                    Relationship::Head
                } else {
                    // Relationship to the new head is not known from the old one; kept as a
                    // relative until a clerk corrects it.
                    Relationship::OtherRelative
                };
                join(tx, new_id, *p, rel, now)?;
            }
            let moved: Vec<String> = split.members().iter().map(ToString::to_string).collect();
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("household.split", "household", id).with_details(serde_json::json!({
                    "new_household": new_id.to_string(),
                    "head": head.to_string(),
                    "members": moved,
                })),
            )?;
            let answered = load(tx, office, new_id)?;
            super::idempotency::attach(tx, answered)
        })
    }

    fn set_member_relationship(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: HouseholdId,
        person: PersonId,
        relationship: Relationship,
        expected: Option<&str>,
    ) -> Result<HouseholdView> {
        scope.require(Permission::PersonWrite)?;
        if relationship == Relationship::Head {
            return Err(Error::invalid("household.relationship.head").with_field("relationship"));
        }
        let office = scope.office_id();
        self.write(|tx| {
            let before = load(tx, office, id)?;
            tag::check(expected, &tag::tag_of(&before), "household.version.stale")?;
            match current(tx, person)? {
                // The person heads this household: a conflict with its state (409), not a
                // bad request (asking for `head` is 422 `household.relationship.head`).
                Some((h, Relationship::Head)) if h == id => {
                    return Err(Error::conflict("household.relationship.of_head").with_field("relationship"));
                }
                Some((h, _)) if h == id => {}
                _ => return Err(Error::not_found("household.member.not_found")),
            }
            tx.exec(
                "UPDATE household_members SET relationship = $1 WHERE household_id = $2 AND person_id = $3 AND left_at IS NULL",
                params![relationship.code(), id.to_string(), person.to_string()],
            )?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("household.member.relationship", "household", id).with_details(
                    serde_json::json!({ "person_id": person.to_string(), "relationship": relationship.code() }),
                ),
            )?;
            let answered = load(tx, office, id)?;
            super::idempotency::attach(tx, answered)
        })
    }
}
