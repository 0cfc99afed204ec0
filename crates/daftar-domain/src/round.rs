//! Registration rounds (issue 19, parts 1, 2 and 5): the authority says who must come (the
//! eligibility, as data), by when (open and close dates, extended with a reason), for which
//! services of the catalogue (a card renewal), and how many each office should see (quota) and
//! can see per working day (appointment capacity). Opening a round assigns every eligible
//! person to the office that holds their record (their registering office, which serves them)
//! and records the invitation on the round (who, when) for a notifications outbox to send.
//!
//! Coverage is renewed ÷ expected: a person is *seen* when a case of one of the round's
//! services in which they are a member is approved while the round is open. The store keeps
//! per-office counters and a per-day count, updated in the transaction that approves the case,
//! so the coverage page moves at once; this module holds the pure parts: parsing, eligibility,
//! the roll-ups by district and province, the trend per working day and the projection to the
//! close date, and the suppression of small cells for aggregate-only readers.
//!
//! The list of persons not yet seen ([`NotSeen`]) carries what is needed to invite them (names,
//! registry number, phone) and, by its type, no address or location.

use crate::case::iso_date;
use crate::ids::{OfficeId, PersonId, RoundId};
use crate::jalali::JalaliDate;
use crate::person::{PersonStatus, document_key};
use crate::service::ServiceCode;
use crate::text::Text;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

/// Cells under this count are withheld from aggregate-only readers (partners).
pub const SUPPRESS_UNDER: u64 = 5;

/// Holders of a document of one kind whose number lies in a range (a card series): numbers are
/// compared in their search form ([`document_key`]: Latin digits, no spaces or dashes), digits
/// as numbers when both ends and the number are all digits after a common prefix, else as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentRange {
    /// Document kind (`registration_card`).
    pub kind: String,
    /// First number of the range (search form).
    pub from: String,
    /// Last number of the range (search form).
    pub to: String,
}

impl DocumentRange {
    /// Whether a document's number (any form) is in the range.
    pub fn contains(&self, kind: &str, number: &str) -> bool {
        if kind != self.kind {
            return false;
        }
        let k = document_key(number);
        if k.len() != self.from.len() || k.len() != self.to.len() {
            // Numbers of another length are of another series.
            return false;
        }
        self.from.as_str() <= k.as_str() && k.as_str() <= self.to.as_str()
    }
}

/// Who a round calls, as data: every rule given must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Eligibility {
    /// Person statuses admitted (default: registered, renewed, lapsed).
    pub statuses: Vec<String>,
    /// Nationalities admitted (ISO alpha-3); empty: any.
    #[serde(default)]
    pub nationalities: Vec<String>,
    /// Minimum age in whole years on the round's opening day ("all members above 5").
    #[serde(default)]
    pub min_age: Option<u8>,
    /// Holders of a document in a number range (a card series).
    #[serde(default)]
    pub document: Option<DocumentRange>,
    /// Members of the households of a previous round (and persons of that round without a
    /// household).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub previous_round: Option<RoundId>,
}

/// What a round's eligibility reads of a person (loaded by the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Current status.
    pub status: PersonStatus,
    /// Nationality.
    pub nationality: String,
    /// Birth date as stored (the first day of what is known), if known.
    pub birth_date: Option<Date>,
    /// Documents held: (kind, number).
    pub documents: Vec<(String, String)>,
    /// Whether the person, or their current household, was on the previous round's list.
    pub in_previous_round: bool,
}

/// Whole years between `birth` and `day`.
pub fn age_on(birth: Date, day: Date) -> i32 {
    let mut years = day.year() - birth.year();
    if (day.month() as u8, day.day()) < (birth.month() as u8, birth.day()) {
        years -= 1;
    }
    years
}

impl Eligibility {
    /// Parses the form's fields: statuses (codes; empty: registered, renewed, lapsed),
    /// nationalities (codes separated by spaces or commas), minimum age (0–120; empty: none),
    /// a document range (kind, from, to: all three or none), a previous round.
    /// Codes: `round.eligibility.status`, `round.eligibility.nationality`,
    /// `round.eligibility.age`, `round.eligibility.document`, `round.eligibility.previous`.
    pub fn parse(
        statuses: &[String],
        nationalities: &str,
        min_age: &str,
        document: (&str, &str, &str),
        previous_round: &str,
    ) -> Result<Self> {
        let mut st = BTreeSet::new();
        for s in statuses.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let p = PersonStatus::parse(s)
                .map_err(|_| Error::invalid("round.eligibility.status").with_field("statuses"))?;
            st.insert(p.code().to_owned());
        }
        if st.is_empty() {
            st = ["registered", "renewed", "lapsed"]
                .into_iter()
                .map(str::to_owned)
                .collect();
        }
        let mut nat = BTreeSet::new();
        for n in nationalities
            .split([' ', ',', '،'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            if n.len() != 3 || !n.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(
                    Error::invalid("round.eligibility.nationality").with_field("nationalities")
                );
            }
            nat.insert(n.to_ascii_uppercase());
        }
        let age = crate::digits::fold_digits(min_age.trim());
        let min_age = if age.is_empty() {
            None
        } else {
            Some(
                age.parse::<u8>()
                    .ok()
                    .filter(|a| *a <= 120)
                    .ok_or_else(|| Error::invalid("round.eligibility.age").with_field("min_age"))?,
            )
        };
        let (kind, from, to) = (
            document.0.trim(),
            document_key(document.1.trim()),
            document_key(document.2.trim()),
        );
        let document = if kind.is_empty() && from.is_empty() && to.is_empty() {
            None
        } else {
            let bad = || Error::invalid("round.eligibility.document").with_field("document");
            crate::person::DocumentKind::parse(kind).map_err(|_| bad())?;
            if from.is_empty() || from.len() != to.len() || from > to || from.len() > 40 {
                return Err(bad());
            }
            Some(DocumentRange {
                kind: kind.to_owned(),
                from,
                to,
            })
        };
        let previous_round = match previous_round.trim() {
            "" => None,
            s => Some(s.parse::<RoundId>().map_err(|_| {
                Error::invalid("round.eligibility.previous").with_field("previous_round")
            })?),
        };
        Ok(Self {
            statuses: st.into_iter().collect(),
            nationalities: nat.into_iter().collect(),
            min_age,
            document,
            previous_round,
        })
    }

    /// Whether the round calls this person, on its opening day `opens_on`. A birth date known
    /// only to a year or month is stored as its first day, so such a person counts as old
    /// enough from the start of that year or month.
    pub fn admits(&self, c: &Candidate, opens_on: Date) -> bool {
        if !self.statuses.iter().any(|s| s == c.status.code()) {
            return false;
        }
        if !self.nationalities.is_empty() && !self.nationalities.contains(&c.nationality) {
            return false;
        }
        if let Some(min) = self.min_age {
            match c.birth_date {
                Some(b) if age_on(b, opens_on) >= i32::from(min) => {}
                _ => return false,
            }
        }
        if let Some(range) = &self.document
            && !c.documents.iter().any(|(k, n)| range.contains(k, n))
        {
            return false;
        }
        if self.previous_round.is_some() && !c.in_previous_round {
            return false;
        }
        true
    }
}

/// A round's name: 1–120 characters (`round.name.invalid`).
pub type RoundName = Text<120>;

/// Quota and appointment capacity of one office in a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OfficeQuota {
    /// Office code as typed (resolved by the store; `round.quota.office`).
    pub office: String,
    /// How many persons the office is expected to see in the round.
    pub quota: u32,
    /// Appointments per working day.
    pub capacity: u32,
}

/// A round to open, parsed at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRound {
    /// Name.
    pub name: RoundName,
    /// First day.
    pub opens_on: Date,
    /// Last day.
    pub closes_on: Date,
    /// Services of the catalogue whose completed cases count.
    pub services: Vec<ServiceCode>,
    /// Who is called.
    pub eligibility: Eligibility,
    /// Appointments per working day for offices without a line of their own.
    pub capacity: u32,
    /// Per-office quota and capacity (others: quota = their expected count).
    pub quotas: Vec<OfficeQuota>,
}

fn parse_day(s: &str, field: &str) -> Result<Date> {
    JalaliDate::parse(s)
        .map(|d| d.iso())
        .map_err(|_| Error::invalid("round.date.invalid").with_field(field))
}

fn count(s: &str, code: &'static str, field: &str) -> Result<u32> {
    crate::digits::fold_digits(s.trim())
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= 10_000_000)
        .ok_or_else(|| Error::invalid(code).with_field(field))
}

impl NewRound {
    /// Parses a round: name (`round.name.invalid`), dates in Solar Hijri or ISO
    /// (`round.date.invalid`; the close after the opening and the opening not in the past:
    /// `round.dates.invalid`), services known to the catalogue (`round.services.invalid`), the
    /// default capacity (`round.capacity.invalid`) and quota lines `CODE quota capacity`
    /// (`round.quota.invalid`).
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        name: &str,
        opens_on: &str,
        closes_on: &str,
        services: &[String],
        catalogue: &BTreeSet<String>,
        eligibility: Eligibility,
        capacity: &str,
        quotas: &str,
        today: Date,
    ) -> Result<Self> {
        let name = Text::required(name, "round.name.invalid", "name")?;
        let opens = parse_day(opens_on, "opens_on")?;
        let closes = parse_day(closes_on, "closes_on")?;
        if closes < opens || opens < today {
            return Err(Error::invalid("round.dates.invalid").with_field("closes_on"));
        }
        let mut codes = BTreeSet::new();
        for s in services.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if !catalogue.contains(s) {
                return Err(Error::invalid("round.services.invalid").with_field("services"));
            }
            codes
                .insert(ServiceCode::parse(s).map_err(|_| {
                    Error::invalid("round.services.invalid").with_field("services")
                })?);
        }
        if codes.is_empty() {
            return Err(Error::invalid("round.services.invalid").with_field("services"));
        }
        let capacity = count(capacity, "round.capacity.invalid", "capacity")?;
        let mut lines = Vec::new();
        let mut seen = BTreeSet::new();
        for line in quotas.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let bad = || Error::invalid("round.quota.invalid").with_field("quotas");
            let parts: Vec<&str> = line.split_whitespace().collect();
            let [office, quota, cap] = parts.as_slice() else {
                return Err(bad());
            };
            let office = office.to_ascii_uppercase();
            if !seen.insert(office.clone()) {
                return Err(bad());
            }
            lines.push(OfficeQuota {
                office,
                quota: count(quota, "round.quota.invalid", "quotas")?,
                capacity: count(cap, "round.quota.invalid", "quotas")?,
            });
        }
        Ok(Self {
            name,
            opens_on: opens,
            closes_on: closes,
            services: codes.into_iter().collect(),
            eligibility,
            capacity,
            quotas: lines,
        })
    }
}

/// An extension of a round's close date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendRound {
    /// The new last day (after the current one).
    pub closes_on: Date,
    /// Why (3–500 characters).
    pub reason: Text<500>,
}

impl ExtendRound {
    /// Parses an extension against the round's current close date: the day
    /// (`round.date.invalid`; not after the current close date: `round.extension.invalid`) and
    /// the reason (`round.reason.invalid`).
    pub fn parse(closes_on: &str, reason: &str, current: Date) -> Result<Self> {
        let day = parse_day(closes_on, "closes_on")?;
        if day <= current {
            return Err(Error::conflict("round.extension.invalid").with_field("closes_on"));
        }
        let reason: Text<500> = Text::required(reason, "round.reason.invalid", "reason")?;
        if reason.as_str().chars().count() < 3 {
            return Err(Error::invalid("round.reason.invalid").with_field("reason"));
        }
        Ok(Self {
            closes_on: day,
            reason,
        })
    }
}

/// A round as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Round {
    /// Id.
    #[schema(value_type = String)]
    pub id: RoundId,
    /// Name.
    pub name: String,
    /// First day (ISO).
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub opens_on: Date,
    /// Last day, after extensions (ISO).
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub closes_on: Date,
    /// Services whose completed cases count.
    #[schema(value_type = Vec<String>)]
    pub services: Vec<ServiceCode>,
    /// Who is called.
    pub eligibility: Eligibility,
    /// Default appointments per working day.
    pub capacity: u32,
    /// Who opened it.
    pub created_by: String,
    /// Version (bumped by each extension).
    pub version: i64,
}

impl Round {
    /// Whether a case approved on `day` counts for the round.
    pub fn is_open_on(&self, day: Date) -> bool {
        self.opens_on <= day && day <= self.closes_on
    }
    /// The round's phase on `today`.
    pub fn phase(&self, today: Date) -> &'static str {
        if today < self.opens_on {
            "upcoming"
        } else if today <= self.closes_on {
            "open"
        } else {
            "closed"
        }
    }
}

/// One extension of the close date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RoundExtension {
    /// Close date before.
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    /// Close date after.
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    /// Why.
    pub reason: String,
    /// Who.
    pub actor: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: time::OffsetDateTime,
}

/// A round with its extensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RoundView {
    /// The round.
    pub round: Round,
    /// Extensions, oldest first.
    pub extensions: Vec<RoundExtension>,
    /// Persons invited (assigned when it opened).
    pub invited: u64,
    /// When the invitations were recorded.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub invited_at: time::OffsetDateTime,
}

/// Coverage of one office: counters kept by the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OfficeCoverage {
    /// Office.
    #[schema(value_type = String)]
    pub office_id: OfficeId,
    /// Office code.
    pub code: String,
    /// Persian name.
    pub name_fa: String,
    /// English name.
    pub name_en: String,
    /// The office's province.
    pub province: String,
    /// The office's district.
    pub district: String,
    /// Quota.
    pub quota: u64,
    /// Appointments per working day.
    pub capacity: u64,
    /// Persons assigned (expected).
    pub expected: u64,
    /// Persons seen (renewed).
    pub renewed: u64,
    /// Households (persons without one count as one) assigned.
    pub households: u64,
    /// Households with a member not yet seen.
    pub households_open: u64,
}

/// Renewed and expected of a group (an office, a district, a province, the country).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct Tally {
    /// Expected.
    pub expected: u64,
    /// Renewed.
    pub renewed: u64,
    /// Households assigned.
    pub households: u64,
    /// Households open.
    pub households_open: u64,
}

impl Tally {
    /// Adds an office's counters.
    pub fn add(&mut self, o: &OfficeCoverage) {
        self.expected += o.expected;
        self.renewed += o.renewed;
        self.households += o.households;
        self.households_open += o.households_open;
    }
    /// Coverage in tenths of a percent (0–1000); 0 when nothing is expected.
    pub fn per_mille(&self) -> u64 {
        (self.renewed * 1000)
            .checked_div(self.expected)
            .unwrap_or(0)
    }
}

/// A group's tally with its key (province, or province and district).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct GroupTally {
    /// Province.
    pub province: String,
    /// District (empty for a province's line).
    pub district: String,
    /// Figures.
    pub tally: Tally,
}

/// Roll-up by the offices' province and district, sorted.
pub fn by_district(offices: &[OfficeCoverage]) -> Vec<GroupTally> {
    let mut m: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for o in offices {
        m.entry((o.province.clone(), o.district.clone()))
            .or_default()
            .add(o);
    }
    m.into_iter()
        .map(|((province, district), tally)| GroupTally {
            province,
            district,
            tally,
        })
        .collect()
}

/// Roll-up by the offices' province, sorted.
pub fn by_province(offices: &[OfficeCoverage]) -> Vec<GroupTally> {
    let mut m: BTreeMap<String, Tally> = BTreeMap::new();
    for o in offices {
        m.entry(o.province.clone()).or_default().add(o);
    }
    m.into_iter()
        .map(|(province, tally)| GroupTally {
            province,
            district: String::new(),
            tally,
        })
        .collect()
}

/// The whole round.
pub fn total(offices: &[OfficeCoverage]) -> Tally {
    let mut t = Tally::default();
    for o in offices {
        t.add(o);
    }
    t
}

/// Persons seen on one day (the store's per-day counter, summed over the offices in reach).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DayCount {
    /// The day.
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub day: Date,
    /// Persons seen that day.
    pub renewed: u64,
}

/// Coverage of a round within a reach, as the store reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    /// The round.
    pub round: Round,
    /// Per office, by code.
    pub offices: Vec<OfficeCoverage>,
    /// Per day with a count, oldest first.
    pub days: Vec<DayCount>,
}

/// Trend and projection to the close date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Projection {
    /// Working days from the opening to today (today included while open; at most the round's).
    pub working_days_elapsed: u64,
    /// Working days after today up to the close date.
    pub working_days_left: u64,
    /// Persons seen per working day so far, ×10 (one decimal).
    pub rate_per_day_x10: u64,
    /// Persons expected seen by the close date at that rate (at most the expected).
    pub projected: u64,
    /// The projection in tenths of a percent of the expected.
    pub projected_per_mille: u64,
    /// Persons seen per working day of the round, every working day from the opening to
    /// today (zeros included), oldest first.
    pub trend: Vec<DayCount>,
}

/// The trend per working day and the projection: the average rate over the working days
/// elapsed, carried over the working days left. `is_working` says whether a day is a working
/// day (the calendar: weekend and holidays).
pub fn project(
    round: &Round,
    tally: Tally,
    days: &[DayCount],
    today: Date,
    is_working: impl Fn(Date) -> bool,
) -> Projection {
    let per_day: BTreeMap<Date, u64> = days.iter().map(|d| (d.day, d.renewed)).collect();
    let mut trend = Vec::new();
    let mut elapsed = 0u64;
    let mut left = 0u64;
    let mut d = round.opens_on;
    let mut off_day_counts = 0u64;
    while d <= round.closes_on {
        if d <= today {
            if is_working(d) {
                elapsed += 1;
                trend.push(DayCount {
                    day: d,
                    renewed: per_day.get(&d).copied().unwrap_or(0),
                });
            } else {
                off_day_counts += per_day.get(&d).copied().unwrap_or(0);
            }
        } else if is_working(d) {
            left += 1;
        }
        match d.next_day() {
            Some(n) => d = n,
            None => break,
        }
    }
    // Work done on a day off (an office that opened on a Friday) counts on the next working day
    // shown, so the trend sums to the renewed count.
    if off_day_counts > 0
        && let Some(last) = trend.last_mut()
    {
        last.renewed += off_day_counts;
    }
    let rate_x10 = (tally.renewed * 10).checked_div(elapsed).unwrap_or(0);
    let projected = match (tally.renewed * left).checked_div(elapsed) {
        None => tally.renewed,
        Some(more) => (tally.renewed + more).min(tally.expected),
    };
    Projection {
        working_days_elapsed: elapsed,
        working_days_left: left,
        rate_per_day_x10: rate_x10,
        projected,
        projected_per_mille: (projected * 1000).checked_div(tally.expected).unwrap_or(0),
        trend,
    }
}

/// A count as shown to a reader: `None` (withheld) when `suppress` and under
/// [`SUPPRESS_UNDER`] but not zero.
pub fn shown(n: u64, suppress: bool) -> Option<u64> {
    if suppress && n > 0 && n < SUPPRESS_UNDER {
        None
    } else {
        Some(n)
    }
}

/// A person not yet seen in a round, as the office that serves them sees it to invite them:
/// names, registry number and phone. Deliberately no address, province, district or any other
/// location: the list exists to invite and serve, never to find people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotSeen {
    /// Household (or the person's own id when in none): rows of one household are together.
    pub household_key: String,
    /// Whether the person heads that household (or is alone).
    pub head: bool,
    /// Person.
    pub person_id: PersonId,
    /// Registry number.
    pub registry_no: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Father's name.
    pub father_name: String,
    /// Phone (empty when none).
    pub phone: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::date;

    fn candidate() -> Candidate {
        Candidate {
            status: PersonStatus::Registered,
            nationality: "AFG".into(),
            birth_date: Some(date!(2000 - 03 - 21)),
            documents: vec![("registration_card".into(), "THR01-000000016".into())],
            in_previous_round: false,
        }
    }

    fn catalogue() -> BTreeSet<String> {
        ["card_renewal".to_owned()].into_iter().collect()
    }

    #[test]
    fn eligibility_rules_all_hold() {
        let open = date!(2026 - 12 - 05);
        let any = Eligibility::parse(&[], "", "", ("", "", ""), "").unwrap();
        assert_eq!(any.statuses, ["lapsed", "registered", "renewed"]);
        assert!(any.admits(&candidate(), open));
        let departed = Candidate {
            status: PersonStatus::Departed,
            ..candidate()
        };
        assert!(!any.admits(&departed, open));

        let series = Eligibility::parse(
            &[],
            "afg, irq",
            "",
            ("registration_card", "THR01000000015", "THR01-000000017"),
            "",
        )
        .unwrap();
        assert_eq!(series.nationalities, ["AFG", "IRQ"]);
        assert!(series.admits(&candidate(), open));
        let outside = Candidate {
            documents: vec![("registration_card".into(), "THR01000000018".into())],
            ..candidate()
        };
        assert!(!series.admits(&outside, open));
        let passport = Candidate {
            documents: vec![("passport".into(), "THR01000000016".into())],
            ..candidate()
        };
        assert!(!series.admits(&passport, open), "another kind of document");
        let longer = Candidate {
            documents: vec![("registration_card".into(), "THR010000000016".into())],
            ..candidate()
        };
        assert!(!series.admits(&longer, open), "another series' length");
        let pak = Candidate {
            nationality: "PAK".into(),
            ..candidate()
        };
        assert!(!series.admits(&pak, open));
    }

    #[test]
    fn the_age_rule_counts_whole_years_on_the_opening_day() {
        let rule = Eligibility::parse(&[], "", "۵", ("", "", ""), "").unwrap();
        assert_eq!(rule.min_age, Some(5));
        let born = |d| Candidate {
            birth_date: Some(d),
            ..candidate()
        };
        let open = date!(2026 - 12 - 05);
        assert!(
            rule.admits(&born(date!(2021 - 12 - 05)), open),
            "five today"
        );
        assert!(
            !rule.admits(&born(date!(2021 - 12 - 06)), open),
            "five tomorrow"
        );
        let unknown = Candidate {
            birth_date: None,
            ..candidate()
        };
        assert!(!rule.admits(&unknown, open), "unknown age is not above 5");
        assert_eq!(age_on(date!(2000 - 02 - 29), date!(2001 - 02 - 28)), 0);
    }

    #[test]
    fn previous_round_households() {
        let prev = RoundId::new();
        let rule = Eligibility::parse(&[], "", "", ("", "", ""), &prev.to_string()).unwrap();
        let open = date!(2026 - 12 - 05);
        assert!(!rule.admits(&candidate(), open));
        let was = Candidate {
            in_previous_round: true,
            ..candidate()
        };
        assert!(rule.admits(&was, open));
    }

    #[test]
    fn bad_eligibility_is_refused_by_field() {
        let e = |r: Result<Eligibility>| r.unwrap_err().code;
        assert_eq!(
            e(Eligibility::parse(
                &["arrested".into()],
                "",
                "",
                ("", "", ""),
                ""
            )),
            "round.eligibility.status"
        );
        assert_eq!(
            e(Eligibility::parse(&[], "AF", "", ("", "", ""), "")),
            "round.eligibility.nationality"
        );
        assert_eq!(
            e(Eligibility::parse(&[], "", "200", ("", "", ""), "")),
            "round.eligibility.age"
        );
        assert_eq!(
            e(Eligibility::parse(&[], "", "x", ("", "", ""), "")),
            "round.eligibility.age"
        );
        for doc in [
            ("registration_card", "", "17"),
            ("visa_x", "15", "17"),
            ("registration_card", "17", "15"),
            ("registration_card", "15", "170"),
        ] {
            assert_eq!(
                e(Eligibility::parse(&[], "", "", doc, "")),
                "round.eligibility.document",
                "{doc:?}"
            );
        }
        assert_eq!(
            e(Eligibility::parse(&[], "", "", ("", "", ""), "nope")),
            "round.eligibility.previous"
        );
    }

    #[test]
    fn a_round_parses_with_solar_hijri_dates() {
        let today = date!(2026 - 12 - 05);
        let r = NewRound::parse(
            " تمدید ۱۴۰۵ ",
            "۱۴۰۵/۰۹/۱۴",
            "1405/10/30",
            &["card_renewal".into()],
            &catalogue(),
            Eligibility::default(),
            "۴۰",
            "thr-01 120 30\nMHD-01 80 20",
            today,
        )
        .unwrap();
        assert_eq!(r.name.as_str(), "تمدید ۱۴۰۵");
        assert_eq!(r.opens_on, today);
        assert_eq!(r.closes_on, date!(2027 - 01 - 20));
        assert_eq!(r.capacity, 40);
        assert_eq!(r.quotas[0].office, "THR-01");
        assert_eq!((r.quotas[1].quota, r.quotas[1].capacity), (80, 20));
        let bad = |name: &str, open: &str, close: &str, svc: &str, cap: &str, q: &str| {
            NewRound::parse(
                name,
                open,
                close,
                &[svc.to_owned()],
                &catalogue(),
                Eligibility::default(),
                cap,
                q,
                today,
            )
            .unwrap_err()
            .code
        };
        assert_eq!(
            bad("", "1405/09/14", "1405/10/01", "card_renewal", "1", ""),
            "round.name.invalid"
        );
        assert_eq!(
            bad("r", "1405/13/01", "1405/10/01", "card_renewal", "1", ""),
            "round.date.invalid"
        );
        assert_eq!(
            bad("r", "1405/10/02", "1405/10/01", "card_renewal", "1", ""),
            "round.dates.invalid"
        );
        assert_eq!(
            bad("r", "1405/09/13", "1405/10/01", "card_renewal", "1", ""),
            "round.dates.invalid",
            "opening in the past"
        );
        assert_eq!(
            bad("r", "1405/09/14", "1405/10/01", "work_permit", "1", ""),
            "round.services.invalid"
        );
        assert_eq!(
            bad("r", "1405/09/14", "1405/10/01", "", "1", ""),
            "round.services.invalid"
        );
        assert_eq!(
            bad("r", "1405/09/14", "1405/10/01", "card_renewal", "-1", ""),
            "round.capacity.invalid"
        );
        assert_eq!(
            bad(
                "r",
                "1405/09/14",
                "1405/10/01",
                "card_renewal",
                "1",
                "THR-01 10"
            ),
            "round.quota.invalid"
        );
        assert_eq!(
            bad(
                "r",
                "1405/09/14",
                "1405/10/01",
                "card_renewal",
                "1",
                "THR-01 10 2\nthr-01 1 1"
            ),
            "round.quota.invalid"
        );
    }

    fn round(opens: Date, closes: Date) -> Round {
        Round {
            id: RoundId::new(),
            name: "r".into(),
            opens_on: opens,
            closes_on: closes,
            services: vec![ServiceCode::parse("card_renewal").unwrap()],
            eligibility: Eligibility::default(),
            capacity: 10,
            created_by: "officer".into(),
            version: 1,
        }
    }

    #[test]
    fn an_extension_moves_the_close_date_forward_only() {
        let close = date!(2027 - 01 - 20);
        let e = ExtendRound::parse("1405/11/15", "ازدحام مراجعان", close).unwrap();
        assert_eq!(e.closes_on, date!(2027 - 02 - 04));
        assert_eq!(
            ExtendRound::parse("1405/10/30", "ازدحام", close)
                .unwrap_err()
                .code,
            "round.extension.invalid"
        );
        assert_eq!(
            ExtendRound::parse("1405/11/15", " ", close)
                .unwrap_err()
                .code,
            "round.reason.invalid"
        );
        assert_eq!(
            ExtendRound::parse("soon", "why", close).unwrap_err().code,
            "round.date.invalid"
        );
    }

    fn office(
        code: &str,
        province: &str,
        district: &str,
        expected: u64,
        renewed: u64,
    ) -> OfficeCoverage {
        OfficeCoverage {
            office_id: OfficeId::new(),
            code: code.into(),
            name_fa: code.into(),
            name_en: code.into(),
            province: province.into(),
            district: district.into(),
            quota: expected,
            capacity: 10,
            expected,
            renewed,
            households: expected / 3,
            households_open: (expected - renewed) / 3,
        }
    }

    #[test]
    fn roll_ups_by_district_and_province() {
        let offices = [
            office("THR-01", "تهران", "منطقه ۱", 100, 50),
            office("THR-02", "تهران", "منطقه ۱", 50, 25),
            office("THR-03", "تهران", "منطقه ۲", 10, 10),
            office("MHD-01", "خراسان", "مشهد", 40, 0),
        ];
        let d = by_district(&offices);
        assert_eq!(d.len(), 3);
        assert_eq!(
            (
                d[0].district.as_str(),
                d[0].tally.expected,
                d[0].tally.renewed
            ),
            ("منطقه ۱", 150, 75)
        );
        let p = by_province(&offices);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].province, "تهران");
        assert_eq!(p[0].tally.per_mille(), 531);
        assert_eq!(total(&offices).expected, 200);
        assert_eq!(Tally::default().per_mille(), 0);
    }

    #[test]
    fn projection_carries_the_rate_over_the_working_days_left() {
        // Saturday 2026-12-05 to Friday 2026-12-18; Thursdays and Fridays off.
        let r = round(date!(2026 - 12 - 05), date!(2026 - 12 - 18));
        let working =
            |d: Date| !matches!(d.weekday(), time::Weekday::Thursday | time::Weekday::Friday);
        let tally = Tally {
            expected: 100,
            renewed: 20,
            ..Tally::default()
        };
        let days = [
            DayCount {
                day: date!(2026 - 12 - 05),
                renewed: 8,
            },
            DayCount {
                day: date!(2026 - 12 - 07),
                renewed: 10,
            },
            DayCount {
                day: date!(2026 - 12 - 11),
                renewed: 2,
            },
        ];
        let p = project(&r, tally, &days, date!(2026 - 12 - 12), working);
        // Working days up to Sat 12th: 5,6,7,8,9 and 12 = 6; left: 13,14,15,16 = 4.
        assert_eq!((p.working_days_elapsed, p.working_days_left), (6, 4));
        assert_eq!(p.trend.len(), 6);
        assert_eq!(
            p.trend.iter().map(|d| d.renewed).sum::<u64>(),
            20,
            "the Friday's work is kept"
        );
        assert_eq!(p.rate_per_day_x10, 33);
        assert_eq!(p.projected, 20 + 20 * 4 / 6);
        assert_eq!(p.projected_per_mille, 330);
        // Never above the expected; before the opening nothing elapsed.
        let fast = Tally {
            expected: 21,
            ..tally
        };
        assert_eq!(
            project(&r, fast, &days, date!(2026 - 12 - 12), working).projected,
            21
        );
        let early = project(&r, Tally::default(), &[], date!(2026 - 12 - 01), working);
        assert_eq!(
            (
                early.working_days_elapsed,
                early.projected,
                early.working_days_left
            ),
            (0, 0, 10)
        );
    }

    #[test]
    fn small_cells_are_withheld_only_from_aggregate_readers() {
        assert_eq!(shown(3, true), None);
        assert_eq!(shown(0, true), Some(0));
        assert_eq!(shown(5, true), Some(5));
        assert_eq!(shown(3, false), Some(3));
        let r = round(date!(2026 - 12 - 05), date!(2026 - 12 - 18));
        assert_eq!(r.phase(date!(2026 - 12 - 04)), "upcoming");
        assert_eq!(r.phase(date!(2026 - 12 - 18)), "open");
        assert_eq!(r.phase(date!(2026 - 12 - 19)), "closed");
        assert!(r.is_open_on(date!(2026 - 12 - 05)) && !r.is_open_on(date!(2026 - 12 - 19)));
    }
}
