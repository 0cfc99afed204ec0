//! Association membership of offices (issue 18, part 2): every office is a member of the
//! association of offices (the kanoon, with a branch per province), with a membership number and
//! its dues paid per Solar Hijri year. An office whose dues for the current year (by the offices'
//! today) are not recorded has no current membership: the authority sees it flagged, and its
//! licence cannot be renewed (`licence.membership.required`). Association staff see their
//! members' licence standing and aggregate figures of offices, never person data.

use crate::case::iso_date;
use crate::ids::OfficeId;
use crate::jalali::JalaliDate;
use crate::licence::Standing;
use crate::office::Office;
use crate::text::Text;
use crate::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;

/// A membership number such as `KAN-THR-0042`: 2–32 of `A-Z`, `0-9`, `-`, `/`, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct MembershipNumber(String);

impl MembershipNumber {
    /// Parses a number (`membership.number.invalid`, field `number`).
    pub fn parse(s: &str) -> Result<Self> {
        crate::text::reference_code(s, 2, "membership.number.invalid").map(Self)
    }
    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A membership to record: number and province branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMembership {
    /// Membership number (unique).
    pub number: MembershipNumber,
    /// The province branch of the association.
    pub branch: Text<120>,
}

impl NewMembership {
    /// Parses the fields: `membership.number.invalid`, then `membership.branch.invalid`
    /// (required, at most 120 characters).
    pub fn parse(number: &str, branch: &str) -> Result<Self> {
        Ok(Self {
            number: MembershipNumber::parse(number)?,
            branch: Text::required(branch, "membership.branch.invalid", "branch")?,
        })
    }
}

/// A Solar Hijri year of dues (1300–1500), `membership.year.invalid` otherwise.
pub fn parse_year(s: &str) -> Result<i32> {
    let digits = crate::digits::fold_digits(s.trim());
    digits
        .parse::<i32>()
        .ok()
        .filter(|y| (1300..=1500).contains(y))
        .ok_or_else(|| Error::invalid("membership.year.invalid").with_field("year"))
}

/// An office's membership as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Membership {
    /// The office.
    pub office_id: OfficeId,
    /// Membership number.
    pub number: String,
    /// Province branch.
    pub branch: String,
    /// The day it was recorded (ISO).
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub joined_on: Date,
    /// Solar Hijri years whose dues are paid, ascending.
    pub dues_years: Vec<i32>,
}

impl Membership {
    /// Whether the dues of the Solar Hijri year of `today` are paid.
    pub fn is_current(&self, today: Date) -> bool {
        self.dues_years
            .contains(&JalaliDate::from_iso(today).year())
    }
}

/// Whether an office with `membership` is a current member on `today` (none is not).
pub fn is_current(membership: Option<&Membership>, today: Date) -> bool {
    membership.is_some_and(|m| m.is_current(today))
}

/// An office as the association and the authority see it: its licence standing and its
/// membership. Office records only, no person data.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Member {
    /// The office.
    pub office: Office,
    /// Its licence's standing on the offices' today.
    pub standing: Standing,
    /// Its membership, if recorded.
    pub membership: Option<Membership>,
    /// Whether its dues for the current year are paid (flagged to the authority when not).
    pub current: bool,
}

/// Counts of offices for the association's and authority's figures.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct MemberFigures {
    /// Offices.
    pub offices: u64,
    /// Offices with a membership recorded.
    pub members: u64,
    /// Offices whose dues for the current year are paid.
    pub current: u64,
    /// Offices without a current membership (flagged).
    pub flagged: u64,
    /// Offices per licence standing (code → count).
    pub by_standing: BTreeMap<String, u64>,
    /// Per province branch: members and current members.
    pub by_branch: BTreeMap<String, BranchFigures>,
}

/// One branch's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct BranchFigures {
    /// Members of the branch.
    pub members: u64,
    /// Of which current.
    pub current: u64,
}

/// The figures over `members`.
pub fn figures(members: &[Member]) -> MemberFigures {
    let mut f = MemberFigures::default();
    for m in members {
        f.offices += 1;
        *f.by_standing
            .entry(m.standing.code().to_owned())
            .or_default() += 1;
        if m.current {
            f.current += 1;
        } else {
            f.flagged += 1;
        }
        if let Some(ms) = &m.membership {
            f.members += 1;
            let b = f.by_branch.entry(ms.branch.clone()).or_default();
            b.members += 1;
            b.current += u64::from(m.current);
        }
    }
    f
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::office::{OfficeCode, OfficeStatus};
    use time::macros::{date, datetime};

    fn office(code: &str) -> Office {
        Office {
            id: OfficeId::new(),
            code: OfficeCode::parse(code).unwrap(),
            name_fa: "دفتر".into(),
            name_en: "Office".into(),
            province: "تهران".into(),
            district: "مرکزی".into(),
            status: OfficeStatus::Active,
            created_at: datetime!(2026-01-01 0:00 UTC),
            licence_state: None,
            licence_valid_until: None,
        }
    }

    #[test]
    fn current_means_dues_paid_for_the_solar_hijri_year_of_today() {
        let o = office("THR-01");
        let m = Membership {
            office_id: o.id,
            number: "KAN-1".into(),
            branch: "تهران".into(),
            joined_on: date!(2025 - 01 - 01),
            dues_years: vec![1404],
        };
        // 2026-03-20 is 1404/12/29; 2026-03-21 is 1405/01/01 (Nowruz).
        assert!(m.is_current(date!(2026 - 03 - 20)));
        assert!(!m.is_current(date!(2026 - 03 - 21)));
        assert!(!is_current(None, date!(2026 - 03 - 20)));
    }

    #[test]
    fn figures_count_offices_by_standing_branch_and_currency() {
        let today = date!(2026 - 03 - 20);
        let mk = |code: &str, branch: Option<&str>, years: Vec<i32>, standing| {
            let o = office(code);
            let membership = branch.map(|b| Membership {
                office_id: o.id,
                number: code.into(),
                branch: b.into(),
                joined_on: today,
                dues_years: years,
            });
            let current = is_current(membership.as_ref(), today);
            Member {
                office: o,
                standing,
                membership,
                current,
            }
        };
        let f = figures(&[
            mk("A1", Some("تهران"), vec![1404], Standing::Valid),
            mk("A2", Some("تهران"), vec![1403], Standing::Valid),
            mk("A3", Some("فارس"), vec![1404], Standing::Suspended),
            mk("A4", None, vec![], Standing::Pending),
        ]);
        assert_eq!((f.offices, f.members, f.current, f.flagged), (4, 3, 2, 2));
        assert_eq!(f.by_standing["valid"], 2);
        assert_eq!(
            f.by_branch["تهران"],
            BranchFigures {
                members: 2,
                current: 1
            }
        );
        assert_eq!(
            f.by_branch["فارس"],
            BranchFigures {
                members: 1,
                current: 1
            }
        );
    }

    #[test]
    fn inputs_are_parsed_with_stable_codes() {
        assert_eq!(
            MembershipNumber::parse(" kan-thr-42 ").unwrap().as_str(),
            "KAN-THR-42"
        );
        assert_eq!(
            MembershipNumber::parse("a b").unwrap_err().code,
            "membership.number.invalid"
        );
        assert_eq!(
            NewMembership::parse("K1", " ").unwrap_err().code,
            "membership.branch.invalid"
        );
        assert_eq!(parse_year("۱۴۰۵").unwrap(), 1405);
        for bad in ["", "1299", "1501", "x"] {
            assert_eq!(parse_year(bad).unwrap_err().code, "membership.year.invalid");
        }
    }
}
