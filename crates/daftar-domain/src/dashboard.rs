//! The authority's dashboard (issue 19, part 4): who sees what ([`Audience`]), where and when
//! it looks ([`Filter`]: a Solar Hijri month range and a province, district or office), the
//! facts the store reads ([`Fact`], [`RoundPlace`]), and the protection of small cells
//! ([`protect`]): aggregates only, never a person.
//!
//! # Suppression
//!
//! A count from 1 to 4 is withheld (primary suppression, [`SUPPRESS_UNDER`]; 0 is shown, as on
//! the coverage pages). Every table is a set of columns of counts with a total under each, and
//! the same total is shown elsewhere (the level above in the drill-down, the other table of the
//! same section). So that no withheld cell can be recovered by subtracting the shown cells
//! from a total, each column gets complementary suppression: when it withholds exactly one
//! cell, or cells whose sum is under 5, the smallest shown non-zero cells are withheld too until
//! at least two are withheld and their sum is 5 or more; when no cell is left to withhold, the
//! total is withheld. Amounts (rials) follow the pattern of their count's column; a rate is
//! withheld when its numerator or denominator is. Known limit: the protection is per table;
//! differencing the same month across many pages of different filters (a province's month
//! against the country's month minus every other province) is not prevented. Audited reads do
//! not apply: the figures are not personal data, as on the KPI and coverage pages.

use crate::ids::OfficeId;
use crate::kpi::SolarMonth;
use crate::permission::{Permission, Principal};
use crate::round::SUPPRESS_UNDER;
use crate::{Error, Result};

/// The service whose approved cases count as renewals.
pub const RENEWAL_SERVICE: &str = "card_renewal";

/// The longest month range a dashboard shows.
pub const MAX_MONTHS: usize = 24;

/// Who sees the dashboard, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Authority officers and inspectors (`office.all` with `office.read`): the country, with a
    /// province filter and drill-down; figures as they are.
    Authority,
    /// Aggregate-only readers across offices (partners; association staff too): the country
    /// with the same drill-down, cells under 5 withheld on the page.
    Partner,
    /// Office managers (`aggregate.read` of their own office): their office only.
    Office(OfficeId),
}

impl Audience {
    /// The audience of `p`: `auth.forbidden` without `aggregate.read` (clerks), `office.none`
    /// for an office-bound reader without an office.
    pub fn of(p: &Principal) -> Result<Self> {
        p.require(Permission::AggregateRead)?;
        if p.has(Permission::OfficeAll) {
            if p.has(Permission::OfficeRead) && !p.has(Permission::MembershipManage) {
                Ok(Audience::Authority)
            } else {
                Ok(Audience::Partner)
            }
        } else {
            Ok(Audience::Office(
                p.own_scope(Permission::AggregateRead)?.office_id(),
            ))
        }
    }

    /// Whether small cells are withheld on the page (exports always withhold them).
    pub fn suppressed(self) -> bool {
        matches!(self, Audience::Partner)
    }
}

/// The level of the places a dashboard breaks its figures down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Provinces (the country).
    Province,
    /// Districts of one province.
    District,
    /// Offices (of one district, or the one office chosen).
    Office,
}

/// Where and when a dashboard looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// First month.
    pub from: SolarMonth,
    /// Last month (inclusive).
    pub to: SolarMonth,
    /// One province.
    pub province: Option<String>,
    /// One district (of the province).
    pub district: Option<String>,
    /// One office, by code.
    pub office: Option<String>,
}

fn range_invalid() -> Error {
    Error::invalid("dashboard.range.invalid").with_field("from")
}

impl Filter {
    /// Parses the query of the page and the exports. Empty months: the 12 months ending with
    /// `current`; an empty `to` is `current`. `dashboard.range.invalid` when `from` is after
    /// `to`, `to` after `current` or the range longer than [`MAX_MONTHS`];
    /// `kpi.month.invalid` for a month that does not parse. A district needs its province.
    pub fn parse(
        from: &str,
        to: &str,
        province: &str,
        district: &str,
        office: &str,
        current: SolarMonth,
    ) -> Result<Self> {
        let to = if to.trim().is_empty() {
            current
        } else {
            SolarMonth::parse(to)?
        };
        let from = if from.trim().is_empty() {
            to.last(12)[0]
        } else {
            SolarMonth::parse(from)?
        };
        if from > to || to > current || from < to.last(MAX_MONTHS)[0] {
            return Err(range_invalid());
        }
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let (province, district, office) = (opt(province), opt(district), opt(office));
        if district.is_some() && province.is_none() {
            return Err(Error::invalid("dashboard.district.invalid").with_field("district"));
        }
        Ok(Self {
            from,
            to,
            province,
            district,
            office,
        })
    }

    /// The months, oldest first.
    pub fn months(&self) -> Vec<SolarMonth> {
        let mut out = vec![self.from];
        let mut m = self.from;
        while m < self.to {
            m = m.next();
            out.push(m);
        }
        out
    }

    /// The level the figures are broken down by: provinces for the country, districts for a
    /// province, offices for a district or an office.
    pub fn level(&self) -> Level {
        match (&self.province, &self.district, &self.office) {
            (_, _, Some(_)) | (Some(_), Some(_), None) => Level::Office,
            (Some(_), None, None) => Level::District,
            (None, _, None) => Level::Province,
        }
    }

    /// Narrowed to one office (office managers).
    pub fn for_office(mut self, code: &str) -> Self {
        self.province = None;
        self.district = None;
        self.office = Some(code.to_owned());
        self
    }
}

/// What a [`Fact`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Persons registered (key empty).
    Registered,
    /// Cases opened (key: service).
    Opened,
    /// Cases approved (key: service); renewals are those of [`RENEWAL_SERVICE`].
    Approved,
    /// Cases rejected (key: service).
    Rejected,
    /// Cases cancelled (key: service).
    Cancelled,
    /// Cases returned for correction, closed (key: service).
    Returned,
    /// Closed cases that went past a step's due date (key: service).
    Breached,
    /// Receipts (payments recorded; key empty).
    Receipts,
    /// Rials of the receipts (key empty).
    Rials,
    /// Complaints filed (key: category).
    Complaints,
}

impl Metric {
    /// Every metric, in order.
    pub const ALL: [Metric; 10] = [
        Metric::Registered,
        Metric::Opened,
        Metric::Approved,
        Metric::Rejected,
        Metric::Cancelled,
        Metric::Returned,
        Metric::Breached,
        Metric::Receipts,
        Metric::Rials,
        Metric::Complaints,
    ];

    /// The stable code (stored in `dashboard_monthly`, used in exports).
    pub fn code(self) -> &'static str {
        match self {
            Metric::Registered => "registered",
            Metric::Opened => "opened",
            Metric::Approved => "approved",
            Metric::Rejected => "rejected",
            Metric::Cancelled => "cancelled",
            Metric::Returned => "returned",
            Metric::Breached => "breached",
            Metric::Receipts => "receipts",
            Metric::Rials => "rials",
            Metric::Complaints => "complaints",
        }
    }

    /// From a stored code.
    pub fn parse(s: &str) -> Option<Self> {
        Metric::ALL.into_iter().find(|m| m.code() == s)
    }
}

/// One aggregate as the store reads it: a place at the filter's level (a province, a
/// district or an office code; empty: not tied to an office), a month, what is counted and its
/// key (a service, a complaint category), and the figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// The place.
    pub place: String,
    /// The month.
    pub month: SolarMonth,
    /// What is counted.
    pub metric: Metric,
    /// Its key (service code, category; empty).
    pub key: String,
    /// The figure.
    pub value: u64,
}

/// Sums the facts that `pick` selects, per `group`.
pub fn sum_by<K: Ord + Clone>(
    facts: &[Fact],
    pick: impl Fn(&Fact) -> bool,
    group: impl Fn(&Fact) -> K,
) -> std::collections::BTreeMap<K, u64> {
    let mut out = std::collections::BTreeMap::new();
    for f in facts.iter().filter(|f| pick(f)) {
        *out.entry(group(f)).or_insert(0) += f.value;
    }
    out
}

/// A round open during the filter's months, with its offices' counters summed per place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundPlaces {
    /// The round's id.
    pub id: crate::ids::RoundId,
    /// Its name.
    pub name: String,
    /// Opening day.
    pub opens_on: time::Date,
    /// Closing day.
    pub closes_on: time::Date,
    /// Per place: expected and renewed.
    pub places: Vec<RoundPlace>,
}

/// A place's coverage in a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundPlace {
    /// The place (as in [`Fact::place`]).
    pub place: String,
    /// Persons expected.
    pub expected: u64,
    /// Persons renewed (seen).
    pub renewed: u64,
}

/// A column of counts and its total, as shown: `None` is withheld.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The cells.
    pub cells: Vec<Option<u64>>,
    /// The total.
    pub total: Option<u64>,
}

impl Shown {
    /// The pattern of `values` with nothing withheld.
    pub fn all(values: &[u64]) -> Self {
        Self {
            cells: values.iter().map(|v| Some(*v)).collect(),
            total: Some(values.iter().sum()),
        }
    }
}

/// Protects a column of counts (see the module's documentation); with `suppress` false,
/// everything is shown.
pub fn protect(values: &[u64], suppress: bool) -> Shown {
    if !suppress {
        return Shown::all(values);
    }
    let mut cells: Vec<Option<u64>> = values
        .iter()
        .map(|&v| (v == 0 || v >= SUPPRESS_UNDER).then_some(v))
        .collect();
    let total: u64 = values.iter().sum();
    let withheld = |cells: &[Option<u64>]| -> (usize, u64) {
        cells
            .iter()
            .zip(values)
            .filter(|(c, _)| c.is_none())
            .fold((0, 0), |(n, s), (_, v)| (n + 1, s + v))
    };
    let mut total_shown = total == 0 || total >= SUPPRESS_UNDER;
    loop {
        let (n, sum) = withheld(&cells);
        if n == 0 || (n >= 2 && sum >= SUPPRESS_UNDER) {
            break;
        }
        // The smallest shown non-zero cell.
        let next = cells
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c, Some(v) if *v > 0))
            .min_by_key(|(i, c)| (c.unwrap_or(0), *i))
            .map(|(i, _)| i);
        match next {
            Some(i) => cells[i] = None,
            None => {
                total_shown = false;
                break;
            }
        }
    }
    Shown {
        cells,
        total: total_shown.then_some(total),
    }
}

/// Amounts shown where their count's cell is (`pattern` from [`protect`] of the counts).
pub fn follow(values: &[u64], pattern: &Shown) -> Shown {
    Shown {
        cells: values
            .iter()
            .zip(&pattern.cells)
            .map(|(v, c)| c.map(|_| *v))
            .collect(),
        total: pattern.total.map(|_| values.iter().sum()),
    }
}

/// A share `num / den` when both are shown and `den` is not zero.
pub fn rate(num: Option<u64>, den: Option<u64>) -> Option<f64> {
    match (num, den) {
        (Some(n), Some(d)) if d > 0 => Some(n as f64 / d as f64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn nothing_is_withheld_without_suppression() {
        assert_eq!(protect(&[1, 2, 30], false), Shown::all(&[1, 2, 30]));
        assert_eq!(Shown::all(&[1, 2]).total, Some(3));
    }

    #[test]
    fn one_small_cell_takes_the_next_smallest_with_it() {
        let s = protect(&[3, 40, 12, 0, 7], true);
        // 3 withheld; 7 withheld too, so that 62 - 40 - 12 gives only 3 + 7.
        assert_eq!(s.cells, vec![None, Some(40), Some(12), Some(0), None]);
        assert_eq!(s.total, Some(62));
    }

    #[test]
    fn small_cells_summing_under_five_take_another() {
        let s = protect(&[1, 2, 9, 50], true);
        assert_eq!(s.cells, vec![None, None, None, Some(50)]);
        assert_eq!(s.total, Some(62));
        // Two small cells summing to 5 or more are enough.
        let s = protect(&[4, 3, 9, 50], true);
        assert_eq!(s.cells, vec![None, None, Some(9), Some(50)]);
    }

    #[test]
    fn a_lone_small_cell_withholds_the_total() {
        let s = protect(&[0, 3, 0], true);
        assert_eq!(s.cells, vec![Some(0), None, Some(0)]);
        assert_eq!(s.total, None);
        // A total of 5 or more over one small cell and zeros cannot happen; a single big cell
        // with one small one: both withheld, the total kept.
        let s = protect(&[2, 100], true);
        assert_eq!(s.cells, vec![None, None]);
        assert_eq!(s.total, Some(102));
        let s = protect(&[0, 0], true);
        assert_eq!(s.total, Some(0));
    }

    #[test]
    fn no_withheld_cell_can_be_recovered_from_the_total() {
        // Exhaustive over small columns: whenever a cell is withheld and the total shown, at
        // least two cells are withheld and they sum to 5 or more.
        for a in 0..8u64 {
            for b in 0..8u64 {
                for c in [0u64, 3, 6, 20] {
                    let v = [a, b, c];
                    let s = protect(&v, true);
                    for (x, cell) in v.iter().zip(&s.cells) {
                        if (1..5).contains(x) {
                            assert!(cell.is_none(), "{v:?}");
                        }
                    }
                    let hidden: Vec<u64> = v
                        .iter()
                        .zip(&s.cells)
                        .filter(|(_, c)| c.is_none())
                        .map(|(x, _)| *x)
                        .collect();
                    if !hidden.is_empty() && s.total.is_some() {
                        assert!(hidden.len() >= 2, "{v:?}");
                        assert!(hidden.iter().sum::<u64>() >= 5, "{v:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn amounts_follow_and_rates_need_both() {
        let counts = protect(&[2, 10, 30], true);
        let rials = follow(&[200, 1000, 3000], &counts);
        assert_eq!(rials.cells, vec![None, None, Some(3000)]);
        assert_eq!(rials.total, Some(4200));
        assert_eq!(rate(Some(1), Some(4)), Some(0.25));
        assert_eq!(rate(None, Some(4)), None);
        assert_eq!(rate(Some(0), Some(0)), None);
    }

    #[test]
    fn filters_parse_and_pick_their_level() {
        let now = SolarMonth::new(1405, 9).unwrap();
        let f = Filter::parse("", "", "", "", "", now).unwrap();
        assert_eq!(
            (f.from.code(), f.to.code()),
            ("1404/10".into(), "1405/09".into())
        );
        assert_eq!(f.months().len(), 12);
        assert_eq!(f.level(), Level::Province);
        let f = Filter::parse("1405/01", "1405/03", "تهران", "", "", now).unwrap();
        assert_eq!((f.months().len(), f.level()), (3, Level::District));
        let f = Filter::parse("", "", "تهران", "ری", "", now).unwrap();
        assert_eq!(f.level(), Level::Office);
        assert_eq!(f.clone().for_office("T1").level(), Level::Office);
        let code = |r: Result<Filter>| r.unwrap_err().code;
        assert_eq!(
            code(Filter::parse("1405/05", "1405/04", "", "", "", now)),
            "dashboard.range.invalid"
        );
        assert_eq!(
            code(Filter::parse("", "1405/10", "", "", "", now)),
            "dashboard.range.invalid"
        );
        assert_eq!(
            code(Filter::parse("1402/01", "1405/01", "", "", "", now)),
            "dashboard.range.invalid"
        );
        assert!(Filter::parse("1403/10", "1405/09", "", "", "", now).is_ok());
        assert_eq!(
            code(Filter::parse("1403/09", "1405/09", "", "", "", now)),
            "dashboard.range.invalid"
        );
        assert_eq!(
            code(Filter::parse("x", "", "", "", "", now)),
            "kpi.month.invalid"
        );
        assert_eq!(
            code(Filter::parse("", "", "", "ری", "", now)),
            "dashboard.district.invalid"
        );
    }

    #[test]
    fn audiences_follow_the_permissions() {
        use crate::ids::UserId;
        use crate::permission::{RoleCode, default_roles};
        let office = OfficeId::new();
        let of = |role: &str, o: Option<OfficeId>| {
            let perms: BTreeSet<Permission> = default_roles()
                .into_iter()
                .find(|r| r.code.as_str() == role)
                .unwrap()
                .permissions;
            Audience::of(&Principal::new(
                UserId::new(),
                "u".into(),
                RoleCode::parse(role).unwrap(),
                o,
                perms,
            ))
        };
        assert_eq!(of("authority_officer", None).unwrap(), Audience::Authority);
        assert_eq!(of("inspector", None).unwrap(), Audience::Authority);
        assert_eq!(of("partner", None).unwrap(), Audience::Partner);
        assert_eq!(of("association", None).unwrap(), Audience::Partner);
        assert_eq!(
            of("office_manager", Some(office)).unwrap(),
            Audience::Office(office)
        );
        assert_eq!(
            of("clerk", Some(office)).unwrap_err().code,
            "auth.forbidden"
        );
        assert!(Audience::Partner.suppressed() && !Audience::Authority.suppressed());
    }
}
