//! Households: a head and members with their relationship to the head. Membership is kept as
//! history (joined, left); a person belongs to at most one household at a time. Adding, moving
//! and splitting members are audited by the store.

use crate::ids::{HouseholdId, OfficeId, PersonId};
use crate::person::PersonSummary;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A member's relationship to the head of the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// The head.
    Head,
    /// Wife or husband.
    Spouse,
    /// Son or daughter.
    Child,
    /// Mother or father.
    Parent,
    /// Brother or sister.
    Sibling,
    /// Grandson or granddaughter.
    Grandchild,
    /// Another relative.
    OtherRelative,
    /// Not related.
    Other,
}

impl Relationship {
    /// Every relationship, in display order.
    pub const ALL: [Relationship; 8] = [
        Relationship::Head,
        Relationship::Spouse,
        Relationship::Child,
        Relationship::Parent,
        Relationship::Sibling,
        Relationship::Grandchild,
        Relationship::OtherRelative,
        Relationship::Other,
    ];
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Relationship::Head => "head",
            Relationship::Spouse => "spouse",
            Relationship::Child => "child",
            Relationship::Parent => "parent",
            Relationship::Sibling => "sibling",
            Relationship::Grandchild => "grandchild",
            Relationship::OtherRelative => "other_relative",
            Relationship::Other => "other",
        }
    }
    /// Parses a code (`household.relationship.invalid`).
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| {
                Error::invalid("household.relationship.invalid").with_field("relationship")
            })
    }
    /// A relationship a member other than the head may have (`household.relationship.head`
    /// for `head`: the head is set by creating or splitting a household).
    pub fn parse_member(s: &str) -> Result<Self> {
        match Self::parse(s.trim())? {
            Relationship::Head => {
                Err(Error::invalid("household.relationship.head").with_field("relationship"))
            }
            r => Ok(r),
        }
    }
}

/// A household.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Household {
    /// Id.
    pub id: HouseholdId,
    /// The office that holds it.
    pub office_id: OfficeId,
    /// The head.
    pub head_person_id: PersonId,
    /// Created (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// A current member with their record (for the household view of statuses).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Member {
    /// The person (a summary: no contact or address).
    pub person: PersonSummary,
    /// Relationship to the head.
    pub relationship: Relationship,
    /// Since (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: OffsetDateTime,
}

/// A household with its current members, head first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HouseholdView {
    /// The household.
    #[serde(flatten)]
    pub household: Household,
    /// Current members.
    pub members: Vec<Member>,
}

/// A household in a list: head's names and the number of members.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HouseholdSummary {
    /// The household.
    #[serde(flatten)]
    pub household: Household,
    /// Head's registry number.
    pub head_registry_no: String,
    /// Head's given and family name.
    pub head_name: String,
    /// Current members.
    pub members: u64,
}

/// Who is to join a household: a person by id, or by registry number (digits folded to
/// Latin, letters upper-cased, as the registry compares them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberRef {
    /// By id.
    Id(PersonId),
    /// By registry number, folded.
    RegistryNo(String),
}

/// Adding a member, parsed at the edge: a person named by id or by a registry number that is
/// not empty (`person.not_found` on `registry_no` otherwise, as for a number no one has), and
/// a relationship a member may have ([`Relationship::parse_member`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddMember {
    /// The person.
    pub who: MemberRef,
    /// Their relationship to the head (never `head`).
    pub relationship: Relationship,
    /// Move them out of their current household if they are in one.
    pub move_existing: bool,
}

impl AddMember {
    /// Parses a request: the person by id, else by registry number; the relationship code;
    /// whether to move them out of their current household.
    pub fn parse(
        person_id: Option<PersonId>,
        registry_no: &str,
        relationship: &str,
        move_existing: bool,
    ) -> Result<Self> {
        let relationship = Relationship::parse_member(relationship)?;
        let who = match person_id {
            Some(id) => MemberRef::Id(id),
            None => {
                let no = crate::digits::fold_digits(registry_no.trim()).to_uppercase();
                if no.is_empty() || no.chars().count() > 40 || no.chars().any(char::is_control) {
                    return Err(Error::not_found("person.not_found").with_field("registry_no"));
                }
                MemberRef::RegistryNo(no)
            }
        };
        Ok(Self {
            who,
            relationship,
            move_existing,
        })
    }
}

/// Members leaving to form a new household, parsed at the edge: at least one member, no one
/// twice, and the new head among them (`household.split.invalid`). Whether they are members of
/// the household (and not its head) is checked against the stored household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitHousehold {
    members: Vec<PersonId>,
    head: PersonId,
}

impl SplitHousehold {
    /// Checks the shape of a split.
    pub fn parse(members: Vec<PersonId>, head: Option<PersonId>) -> Result<Self> {
        let mut seen = std::collections::HashSet::new();
        if !members.iter().all(|m| seen.insert(*m)) {
            return Err(Error::invalid("household.split.invalid").with_field("members"));
        }
        match head {
            Some(head) if members.contains(&head) => Ok(Self { members, head }),
            _ => Err(Error::invalid("household.split.invalid").with_field("head")),
        }
    }

    /// Persons who leave.
    pub fn members(&self) -> &[PersonId] {
        &self.members
    }

    /// The head of the new household.
    pub fn head(&self) -> PersonId {
        self.head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationships_round_trip_and_head_is_not_a_member_choice() {
        for r in Relationship::ALL {
            assert_eq!(Relationship::parse(r.code()).unwrap(), r);
        }
        assert_eq!(
            Relationship::parse_member("head").unwrap_err().code,
            "household.relationship.head"
        );
        assert_eq!(
            Relationship::parse_member("cousin").unwrap_err().code,
            "household.relationship.invalid"
        );
        assert_eq!(
            Relationship::parse_member(" spouse ").unwrap(),
            Relationship::Spouse
        );
    }

    #[test]
    fn a_member_is_named_by_id_or_registry_number() {
        let id = PersonId::new();
        assert_eq!(
            AddMember::parse(Some(id), "ignored", "child", true).unwrap(),
            AddMember {
                who: MemberRef::Id(id),
                relationship: Relationship::Child,
                move_existing: true
            }
        );
        assert_eq!(
            AddMember::parse(None, " thr-01-۰۰۰۰۱۲ ", "spouse", false)
                .unwrap()
                .who,
            MemberRef::RegistryNo("THR-01-000012".into())
        );
        let e = AddMember::parse(None, "", "spouse", false).unwrap_err();
        assert_eq!((e.code, e.kind.status()), ("person.not_found", 404));
        assert_eq!(
            AddMember::parse(None, "THR-01-000012", "head", false)
                .unwrap_err()
                .code,
            "household.relationship.head"
        );
    }

    #[test]
    fn a_split_needs_its_head_among_the_members_and_no_one_twice() {
        let (a, b) = (PersonId::new(), PersonId::new());
        let ok = SplitHousehold::parse(vec![a, b], Some(b)).unwrap();
        assert_eq!((ok.head(), ok.members()), (b, &[a, b][..]));
        for (members, head, field) in [
            (vec![a], Some(b), "head"),
            (vec![], None, "head"),
            (vec![a, b, a], Some(a), "members"),
        ] {
            let e = SplitHousehold::parse(members, head).unwrap_err();
            assert_eq!(
                (e.code, &e.details["field"]),
                ("household.split.invalid", &serde_json::json!(field))
            );
        }
    }
}
