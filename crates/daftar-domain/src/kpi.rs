//! Key performance indicators of offices (issue 18, part 4): monthly series per office keyed by
//! Solar Hijri month, computed by a background job from the cases (counts only, never a person)
//! and kept in `kpi_monthly`; the statistics over them (nearest-rank median and 90th percentile
//! of handling times, the seasonality index, rankings within a province) are the pure functions
//! of this module.
//!
//! Definitions (README, "KPIs"), for an office and a Solar Hijri month in the offices' time zone:
//! - `opened`: cases opened in the month; per working day: `opened / working_days`, the working
//!   days of the month in the country profile's calendar (weekend and holidays, as SLAs count).
//! - closed in the month: approved, rejected, cancelled. Handling time of a decided case
//!   (approved or rejected): working days from the day it was opened to the day it was closed
//!   (the SLA calendar; `WorkCalendar::working_days_between`); median and p90 by nearest rank.
//! - SLA breach rate: closed cases that went past a step's due date (escalated by the SLA job)
//!   over closed cases. Rejection rate: rejected over decided. Return-for-correction rate:
//!   closed cases returned to the applicant at least once over closed cases.
//! - Seasonality index: coefficient of variation of the cases opened in each of the 12 Solar
//!   Hijri months ending with the month shown: `CV = σ / μ` with the population standard
//!   deviation `σ = sqrt(Σ (xᵢ − μ)² / 12)` and the mean `μ = Σ xᵢ / 12`, a month without cases
//!   counting 0. 0 is an even year; 1 or more is an office busy only "in season".
//!
//! - Complaints and overcharge reports (the help desk's complaints about the office, fee
//!   complaints on its receipts) and appointment no-shows (a day passed without a recorded
//!   arrival) are counted on the all-services row (README, "KPIs").

use crate::calendar::WorkCalendar;
use crate::ids::OfficeId;
use crate::jalali::JalaliDate;
use crate::office::Office;
use crate::permission::{Permission, Principal};
use crate::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;

/// A Solar Hijri month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SolarMonth {
    /// Solar Hijri year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
}

/// The month names shown on pages, month 1 first: fa-IR, fa-AF (Dari), ps, en.
const NAMES: [[&str; 12]; 4] = [
    [
        "فروردین",
        "اردیبهشت",
        "خرداد",
        "تیر",
        "مرداد",
        "شهریور",
        "مهر",
        "آبان",
        "آذر",
        "دی",
        "بهمن",
        "اسفند",
    ],
    [
        "حمل",
        "ثور",
        "جوزا",
        "سرطان",
        "اسد",
        "سنبله",
        "میزان",
        "عقرب",
        "قوس",
        "جدی",
        "دلو",
        "حوت",
    ],
    [
        "وری",
        "غویی",
        "غبرگولی",
        "چنگاښ",
        "زمری",
        "وږی",
        "تله",
        "لړم",
        "لیندۍ",
        "مرغومی",
        "سلواغه",
        "کب",
    ],
    [
        "Farvardin",
        "Ordibehesht",
        "Khordad",
        "Tir",
        "Mordad",
        "Shahrivar",
        "Mehr",
        "Aban",
        "Azar",
        "Dey",
        "Bahman",
        "Esfand",
    ],
];

fn month_invalid() -> Error {
    Error::invalid("kpi.month.invalid").with_field("month")
}

impl SolarMonth {
    /// A month from year and month (`kpi.month.invalid` outside 1200–1599 or 1–12).
    pub fn new(year: i32, month: u8) -> Result<Self> {
        if (1200..=1599).contains(&year) && (1..=12).contains(&month) {
            Ok(Self { year, month })
        } else {
            Err(month_invalid())
        }
    }
    /// The month of a day.
    pub fn of(day: Date) -> Self {
        let j = JalaliDate::from_iso(day);
        Self {
            year: j.year(),
            month: j.month(),
        }
    }
    /// `year * 100 + month` (`140503`), as stored.
    pub fn key(self) -> i64 {
        i64::from(self.year) * 100 + i64::from(self.month)
    }
    /// From a stored key.
    pub fn from_key(key: i64) -> Result<Self> {
        let year = i32::try_from(key / 100).map_err(|_| month_invalid())?;
        let month = u8::try_from(key % 100).map_err(|_| month_invalid())?;
        Self::new(year, month)
    }
    /// Parses `1405/03`, `1405-3`, `۱۴۰۵/۰۳` (`kpi.month.invalid`).
    pub fn parse(s: &str) -> Result<Self> {
        let folded = crate::digits::fold_digits(s.trim());
        let (y, m) = folded
            .split_once(['/', '-', '.'])
            .ok_or_else(month_invalid)?;
        let y: i32 = y.parse().map_err(|_| month_invalid())?;
        let m: u8 = m.parse().map_err(|_| month_invalid())?;
        Self::new(y, m)
    }
    /// `1405/03`, the form [`SolarMonth::parse`] reads (Latin digits, for links and files).
    pub fn code(self) -> String {
        format!("{}/{:02}", self.year, self.month)
    }
    /// The next month.
    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
    /// The month before.
    pub fn prev(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }
    /// The `n` months ending with this one, oldest first.
    pub fn last(self, n: usize) -> Vec<Self> {
        let mut out = Vec::with_capacity(n);
        let mut m = self;
        for _ in 0..n {
            out.push(m);
            m = m.prev();
        }
        out.reverse();
        out
    }
    /// The first day of the month and the first day of the next one (ISO).
    pub fn days(self) -> Result<(Date, Date)> {
        let first = JalaliDate::from_ymd(self.year, self.month, 1)
            .map_err(|_| month_invalid())?
            .iso();
        let n = self.next();
        let next = JalaliDate::from_ymd(n.year, n.month, 1)
            .map_err(|_| month_invalid())?
            .iso();
        Ok((first, next))
    }
    /// Working days of the month in `cal`; `None` when the calendar does not cover it all.
    pub fn working_days(self, cal: &WorkCalendar) -> Option<u32> {
        let (first, next) = self.days().ok()?;
        let before = first.previous_day()?;
        let last = next.previous_day()?;
        cal.working_days_between(before, last)
            .ok()
            .and_then(|n| u32::try_from(n).ok())
    }
    /// The month's name in `locale` (fa-IR, fa-AF, ps, en; others get fa-IR).
    pub fn name(self, locale: &str) -> &'static str {
        let row = match locale {
            "fa-AF" => 1,
            "ps" => 2,
            "en" => 3,
            _ => 0,
        };
        NAMES[row][usize::from(self.month.clamp(1, 12) - 1)]
    }
    /// Name and year, in the locale's digits: "خرداد ۱۴۰۵", "Khordad 1405".
    pub fn label(self, locale: &str) -> String {
        if locale == "en" {
            format!("{} {}", self.name(locale), self.year)
        } else {
            format!(
                "{} {}",
                self.name(locale),
                crate::digits::to_persian_digits(&self.year.to_string())
            )
        }
    }
}

/// The `p` quantile (0 < p ≤ 1) of a histogram (value → count) by nearest rank: the smallest
/// value whose cumulative count reaches `ceil(p × n)`. `None` when it is empty.
pub fn quantile(hist: &BTreeMap<u32, u64>, p: f64) -> Option<u32> {
    let n: u64 = hist.values().sum();
    if n == 0 || !(p > 0.0 && p <= 1.0) {
        return None;
    }
    // The rank is at least 1 and at most n.
    let rank = ((p * n as f64).ceil() as u64).clamp(1, n);
    let mut seen = 0;
    for (v, c) in hist {
        seen += c;
        if seen >= rank {
            return Some(*v);
        }
    }
    None
}

/// Coefficient of variation `σ / μ` (population standard deviation over the mean) of `values`;
/// `None` when there are none or their mean is 0.
pub fn coefficient_of_variation(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if mean <= 0.0 {
        return None;
    }
    let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    Some(var.sqrt() / mean)
}

/// Competition ranking ("1, 2, 2, 4") of `values`, best first: the highest value when
/// `higher_is_better`, else the lowest. Offices without a value are not ranked (`None`).
pub fn rank(values: &[Option<f64>], higher_is_better: bool) -> Vec<Option<u32>> {
    values
        .iter()
        .map(|v| {
            let v = (*v)?;
            let better = values
                .iter()
                .flatten()
                .filter(|o| if higher_is_better { **o > v } else { **o < v })
                .count();
            u32::try_from(better + 1).ok()
        })
        .collect()
}

/// One office's figures for one Solar Hijri month, for one service or (service `None`) all of
/// them. Counts of cases only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiRow {
    /// The office.
    pub office_id: OfficeId,
    /// The month.
    pub month: SolarMonth,
    /// The service, or none for every service of the office.
    pub service: Option<String>,
    /// Working days of the month (none when the calendar does not cover it).
    pub working_days: Option<u32>,
    /// Cases opened in the month.
    pub opened: u64,
    /// Closed in the month: approved.
    pub approved: u64,
    /// Closed in the month: rejected.
    pub rejected: u64,
    /// Closed in the month: cancelled.
    pub cancelled: u64,
    /// Closed in the month and returned for correction at least once.
    pub returned: u64,
    /// Closed in the month after a step went past its due date (escalated).
    pub breached: u64,
    /// Median handling time of the decided cases, in working days.
    pub median_days: Option<u32>,
    /// 90th percentile of the handling time, in working days.
    pub p90_days: Option<u32>,
    /// Complaints about the office filed in the month (help desk: overcharging, bribes,
    /// discourtesy, delays, other); on the all-services row only.
    pub complaints: u64,
    /// Reports of overcharging in the month: help-desk complaints of overcharging and fee
    /// complaints on the office's receipts; on the all-services row only.
    pub overcharges: u64,
    /// Appointments in the month whose day passed without the person's arrival being recorded
    /// (those booked again after their day included); on the all-services row only.
    pub no_shows: u64,
    /// Small cells withheld (association staff: a figure over fewer than 5 cases is not shown).
    pub suppressed: bool,
}

/// Counts under this are withheld from association staff.
pub const SMALL_CELL: u64 = 5;

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

impl KpiRow {
    /// An empty row.
    pub fn empty(office_id: OfficeId, month: SolarMonth, service: Option<String>) -> Self {
        Self {
            office_id,
            month,
            service,
            working_days: None,
            opened: 0,
            approved: 0,
            rejected: 0,
            cancelled: 0,
            returned: 0,
            breached: 0,
            median_days: None,
            p90_days: None,
            complaints: 0,
            overcharges: 0,
            no_shows: 0,
            suppressed: false,
        }
    }
    /// Closed in the month.
    pub fn closed(&self) -> u64 {
        self.approved + self.rejected + self.cancelled
    }
    /// Decided in the month (approved or rejected).
    pub fn decided(&self) -> u64 {
        self.approved + self.rejected
    }
    fn shown(&self, over: u64) -> bool {
        !self.suppressed || over >= SMALL_CELL
    }
    /// A count as shown: `None` when withheld (under 5 for association staff).
    pub fn count(&self, n: u64) -> Option<u64> {
        self.shown(n).then_some(n)
    }
    /// Cases opened per working day.
    pub fn per_working_day(&self) -> Option<f64> {
        let wd = self.working_days.filter(|d| *d > 0)?;
        self.shown(self.opened)
            .then(|| self.opened as f64 / f64::from(wd))
    }
    /// Median handling time (withheld over fewer than 5 decided cases for association staff).
    pub fn median(&self) -> Option<u32> {
        self.median_days.filter(|_| self.shown(self.decided()))
    }
    /// 90th percentile of the handling time.
    pub fn p90(&self) -> Option<u32> {
        self.p90_days.filter(|_| self.shown(self.decided()))
    }
    /// Share of closed cases that breached an SLA.
    pub fn breach_rate(&self) -> Option<f64> {
        ratio(self.breached, self.closed()).filter(|_| self.shown(self.closed()))
    }
    /// Share of decided cases that were rejected.
    pub fn rejection_rate(&self) -> Option<f64> {
        ratio(self.rejected, self.decided()).filter(|_| self.shown(self.decided()))
    }
    /// Share of closed cases returned for correction at least once.
    pub fn return_rate(&self) -> Option<f64> {
        ratio(self.returned, self.closed()).filter(|_| self.shown(self.closed()))
    }
    /// Complaints about the office in the month (withheld under 5 for association staff).
    pub fn complaints(&self) -> Option<u64> {
        self.count(self.complaints)
    }
    /// Overcharge reports in the month (withheld under 5 for association staff).
    pub fn overcharges(&self) -> Option<u64> {
        self.count(self.overcharges)
    }
    /// Appointment no-shows in the month (withheld under 5 for association staff).
    pub fn no_shows(&self) -> Option<u64> {
        self.count(self.no_shows)
    }
    /// Complaints per 100 cases opened in the month (none without a case opened; withheld
    /// when either count is under 5 for association staff).
    pub fn complaints_per_100(&self) -> Option<f64> {
        ratio(self.complaints, self.opened)
            .map(|r| r * 100.0)
            .filter(|_| self.shown(self.opened) && self.shown(self.complaints))
    }
    /// The same row as association staff see it.
    pub fn for_association(mut self) -> Self {
        self.suppressed = true;
        self
    }
}

/// Cases closed in a month, grouped as the store reads them: the outcome, whether a step went
/// past its due date and whether the case was returned for correction, the days it was opened
/// and closed (offices' time zone), and how many cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedGroup {
    /// `approved`, `rejected` or `cancelled`.
    pub state: String,
    /// Escalated at least once.
    pub breached: bool,
    /// Returned for correction at least once.
    pub returned: bool,
    /// Day opened.
    pub opened_on: Date,
    /// Day closed.
    pub closed_on: Date,
    /// Cases.
    pub count: u64,
}

#[derive(Debug, Default, Clone)]
struct Tally {
    opened: u64,
    approved: u64,
    rejected: u64,
    cancelled: u64,
    returned: u64,
    breached: u64,
    hist: BTreeMap<u32, u64>,
}

impl Tally {
    fn add_closed(&mut self, g: &ClosedGroup, days: Option<u32>) {
        match g.state.as_str() {
            "approved" => self.approved += g.count,
            "rejected" => self.rejected += g.count,
            _ => self.cancelled += g.count,
        }
        if g.returned {
            self.returned += g.count;
        }
        if g.breached {
            self.breached += g.count;
        }
        if let (Some(d), "approved" | "rejected") = (days, g.state.as_str()) {
            *self.hist.entry(d).or_default() += g.count;
        }
    }
    fn row(
        &self,
        office: OfficeId,
        month: SolarMonth,
        service: Option<String>,
        wd: Option<u32>,
    ) -> KpiRow {
        KpiRow {
            working_days: wd,
            opened: self.opened,
            approved: self.approved,
            rejected: self.rejected,
            cancelled: self.cancelled,
            returned: self.returned,
            breached: self.breached,
            median_days: quantile(&self.hist, 0.5),
            p90_days: quantile(&self.hist, 0.9),
            ..KpiRow::empty(office, month, service)
        }
    }
}

/// Builds one month's rows from the aggregates the store read: per office, a row per service
/// it had cases of and a row for all its services.
#[derive(Debug)]
pub struct MonthBuilder<'a> {
    month: SolarMonth,
    cal: &'a WorkCalendar,
    working_days: Option<u32>,
    tallies: BTreeMap<(OfficeId, String), Tally>,
    complaints: BTreeMap<OfficeId, (u64, u64)>,
    no_shows: BTreeMap<OfficeId, u64>,
}

impl<'a> MonthBuilder<'a> {
    /// An empty month.
    pub fn new(month: SolarMonth, cal: &'a WorkCalendar) -> Self {
        Self {
            month,
            cal,
            working_days: month.working_days(cal),
            tallies: BTreeMap::new(),
            complaints: BTreeMap::new(),
            no_shows: BTreeMap::new(),
        }
    }
    /// `count` cases of `service` opened at `office` in the month.
    pub fn opened(&mut self, office: OfficeId, service: &str, count: u64) {
        self.tallies
            .entry((office, service.to_owned()))
            .or_default()
            .opened += count;
    }
    /// Cases of `service` closed at `office` in the month.
    pub fn closed(&mut self, office: OfficeId, service: &str, g: &ClosedGroup) {
        let days = self
            .cal
            .working_days_between(g.opened_on, g.closed_on)
            .ok()
            .and_then(|d| u32::try_from(d.max(0)).ok());
        self.tallies
            .entry((office, service.to_owned()))
            .or_default()
            .add_closed(g, days);
    }
    /// `complaints` complaints about `office` filed in the month, `overcharges` of them (or of
    /// the fee complaints on its receipts) reports of overcharging. Counted on the office's
    /// all-services row, which exists even in a month without cases.
    pub fn complaints(&mut self, office: OfficeId, complaints: u64, overcharges: u64) {
        let c = self.complaints.entry(office).or_default();
        c.0 += complaints;
        c.1 += overcharges;
    }
    /// `count` appointments at `office` in the month whose day passed with no arrival recorded.
    /// Counted on the office's all-services row.
    pub fn no_shows(&mut self, office: OfficeId, count: u64) {
        *self.no_shows.entry(office).or_default() += count;
    }
    /// The rows: per office and service, and per office for all services (service `None`).
    pub fn rows(self) -> Vec<KpiRow> {
        let mut totals: BTreeMap<OfficeId, Tally> = BTreeMap::new();
        for office in self.complaints.keys().chain(self.no_shows.keys()) {
            totals.entry(*office).or_default();
        }
        let mut out = Vec::with_capacity(self.tallies.len() * 2);
        for ((office, service), t) in &self.tallies {
            let total = totals.entry(*office).or_default();
            total.opened += t.opened;
            total.approved += t.approved;
            total.rejected += t.rejected;
            total.cancelled += t.cancelled;
            total.returned += t.returned;
            total.breached += t.breached;
            for (d, c) in &t.hist {
                *total.hist.entry(*d).or_default() += c;
            }
            out.push(t.row(
                *office,
                self.month,
                Some(service.clone()),
                self.working_days,
            ));
        }
        for (office, t) in totals {
            let (complaints, overcharges) =
                self.complaints.get(&office).copied().unwrap_or_default();
            out.push(KpiRow {
                complaints,
                overcharges,
                no_shows: self.no_shows.get(&office).copied().unwrap_or_default(),
                ..t.row(office, self.month, None, self.working_days)
            });
        }
        out
    }
}

/// The seasonality index of an office at `end`: the coefficient of variation of the cases
/// opened in each of the 12 months ending with `end` (a month without a row counts 0), from its
/// all-services rows. `None` when it opened no case in those months.
pub fn seasonality(rows: &[KpiRow], end: SolarMonth) -> Option<f64> {
    let opened: BTreeMap<SolarMonth, u64> = rows
        .iter()
        .filter(|r| r.service.is_none())
        .map(|r| (r.month, r.opened))
        .collect();
    let values: Vec<f64> = end
        .last(12)
        .iter()
        .map(|m| opened.get(m).copied().unwrap_or(0) as f64)
        .collect();
    coefficient_of_variation(&values)
}

/// What a KPI figure is, for rankings and charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Cases opened per working day (higher ranks first).
    PerWorkingDay,
    /// Median handling time (lower first).
    Median,
    /// 90th percentile handling time (lower first).
    P90,
    /// SLA breach rate (lower first).
    BreachRate,
    /// Rejection rate (lower first).
    RejectionRate,
    /// Return-for-correction rate (lower first).
    ReturnRate,
    /// Seasonality index (lower first: an even year).
    Seasonality,
    /// Complaints per 100 cases opened (lower first).
    Complaints,
}

impl Metric {
    /// Every metric, in the order pages show them.
    pub const ALL: [Metric; 8] = [
        Metric::PerWorkingDay,
        Metric::Median,
        Metric::P90,
        Metric::BreachRate,
        Metric::RejectionRate,
        Metric::ReturnRate,
        Metric::Seasonality,
        Metric::Complaints,
    ];
    /// The stable code (`per_working_day`, …).
    pub fn code(self) -> &'static str {
        match self {
            Metric::PerWorkingDay => "per_working_day",
            Metric::Median => "median",
            Metric::P90 => "p90",
            Metric::BreachRate => "breach_rate",
            Metric::RejectionRate => "rejection_rate",
            Metric::ReturnRate => "return_rate",
            Metric::Seasonality => "seasonality",
            Metric::Complaints => "complaints",
        }
    }
    /// Parses a code (`kpi.metric.invalid`).
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.code() == s)
            .ok_or_else(|| Error::invalid("kpi.metric.invalid").with_field("sort"))
    }
    /// Whether a higher figure ranks first.
    pub fn higher_is_better(self) -> bool {
        self == Metric::PerWorkingDay
    }
    /// The figure of an office's all-services row (`seasonality` is the office's own).
    pub fn of(self, row: Option<&KpiRow>, seasonality: Option<f64>) -> Option<f64> {
        match self {
            Metric::Seasonality => seasonality,
            Metric::PerWorkingDay => row?.per_working_day(),
            Metric::Median => row?.median().map(f64::from),
            Metric::P90 => row?.p90().map(f64::from),
            Metric::BreachRate => row?.breach_rate(),
            Metric::RejectionRate => row?.rejection_rate(),
            Metric::ReturnRate => row?.return_rate(),
            Metric::Complaints => row?.complaints_per_100(),
        }
    }
}

/// One office of a province's ranking for a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedOffice {
    /// The office.
    pub office: Office,
    /// Its all-services row of the month, if it had any case.
    pub row: Option<KpiRow>,
    /// Its seasonality index over the 12 months ending with the month.
    pub seasonality: Option<f64>,
    /// Its rank for every metric (same order as [`Metric::ALL`]); none without a figure.
    pub ranks: Vec<Option<u32>>,
}

/// Ranks the offices of a province for `month` on every metric, ordered by `sort` (offices
/// without a figure last, then by code). `series` holds each office's all-services rows.
pub fn province_ranking(
    series: Vec<(Office, Vec<KpiRow>)>,
    month: SolarMonth,
    sort: Metric,
) -> Vec<RankedOffice> {
    let mut offices: Vec<RankedOffice> = series
        .into_iter()
        .map(|(office, rows)| {
            let seasonality = seasonality(&rows, month);
            let row = rows
                .into_iter()
                .find(|r| r.month == month && r.service.is_none());
            RankedOffice {
                office,
                row,
                seasonality,
                ranks: vec![],
            }
        })
        .collect();
    for m in Metric::ALL {
        let values: Vec<Option<f64>> = offices
            .iter()
            .map(|o| m.of(o.row.as_ref(), o.seasonality))
            .collect();
        for (o, r) in offices.iter_mut().zip(rank(&values, m.higher_is_better())) {
            o.ranks.push(r);
        }
    }
    let i = Metric::ALL.iter().position(|m| *m == sort).unwrap_or(0);
    offices.sort_by(|a, b| {
        let (ra, rb) = (a.ranks[i], b.ranks[i]);
        ra.is_none()
            .cmp(&rb.is_none())
            .then(ra.cmp(&rb))
            .then_with(|| a.office.code.as_str().cmp(b.office.code.as_str()))
    });
    offices
}

/// Whose KPIs a caller sees: every office (authority officers and inspectors), the association's
/// members (association staff: offices with a membership recorded, small cells withheld), or
/// one's own office (office managers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every office.
    Authority,
    /// Offices that are members of the association; small cells withheld.
    Association,
    /// One office.
    Office(OfficeId),
}

impl Audience {
    /// The audience of `p` (`auth.forbidden` without `kpi.read`; `office.none` for an
    /// office-bound role without an office; `office.inactive` for a cut-off office).
    pub fn of(p: &Principal) -> Result<Self> {
        p.require(Permission::KpiRead)?;
        if p.has(Permission::OfficeAll) {
            if p.has(Permission::MembershipManage) {
                Ok(Audience::Association)
            } else {
                Ok(Audience::Authority)
            }
        } else {
            Ok(Audience::Office(
                p.own_scope(Permission::KpiRead)?.office_id(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::date;

    fn hist(values: &[u32]) -> BTreeMap<u32, u64> {
        let mut h = BTreeMap::new();
        for v in values {
            *h.entry(*v).or_default() += 1;
        }
        h
    }

    #[test]
    fn nearest_rank_quantiles() {
        assert_eq!(quantile(&hist(&[]), 0.5), None);
        assert_eq!(quantile(&hist(&[7]), 0.5), Some(7));
        assert_eq!(quantile(&hist(&[7]), 0.9), Some(7));
        // 1..=10: median rank ceil(5) = 5, p90 rank 9.
        let ten: Vec<u32> = (1..=10).collect();
        assert_eq!(quantile(&hist(&ten), 0.5), Some(5));
        assert_eq!(quantile(&hist(&ten), 0.9), Some(9));
        // 1..=11: median rank 6 (the middle), p90 rank ceil(9.9) = 10.
        let eleven: Vec<u32> = (1..=11).collect();
        assert_eq!(quantile(&hist(&eleven), 0.5), Some(6));
        assert_eq!(quantile(&hist(&eleven), 0.9), Some(10));
        // Counts weigh: nine cases of 2 days and one of 30.
        let mut h = BTreeMap::new();
        h.insert(2, 9);
        h.insert(30, 1);
        assert_eq!(quantile(&h, 0.5), Some(2));
        assert_eq!(quantile(&h, 0.9), Some(2));
        assert_eq!(quantile(&h, 1.0), Some(30));
        assert_eq!(quantile(&h, 0.0), None);
    }

    #[test]
    fn coefficient_of_variation_is_sigma_over_mean() {
        assert_eq!(coefficient_of_variation(&[]), None);
        assert_eq!(coefficient_of_variation(&[0.0, 0.0]), None);
        assert_eq!(coefficient_of_variation(&[5.0; 12]), Some(0.0));
        // 2 and 4: mean 3, population σ 1.
        let cv = coefficient_of_variation(&[2.0, 4.0]).unwrap();
        assert!((cv - 1.0 / 3.0).abs() < 1e-12, "{cv}");
        // All of a year's work in one month: σ/μ = sqrt(11).
        let mut v = [0.0; 12];
        v[6] = 120.0;
        let cv = coefficient_of_variation(&v).unwrap();
        assert!((cv - 11f64.sqrt()).abs() < 1e-12, "{cv}");
    }

    #[test]
    fn competition_ranking_best_first() {
        let v = [Some(3.0), None, Some(1.0), Some(3.0), Some(2.0)];
        assert_eq!(
            rank(&v, true),
            vec![Some(1), None, Some(4), Some(1), Some(3)]
        );
        assert_eq!(
            rank(&v, false),
            vec![Some(3), None, Some(1), Some(3), Some(2)]
        );
    }

    #[test]
    fn solar_months() {
        let m = SolarMonth::of(date!(2026 - 03 - 21));
        assert_eq!((m.year, m.month), (1405, 1));
        assert_eq!(m.key(), 140501);
        assert_eq!(SolarMonth::from_key(140501).unwrap(), m);
        assert_eq!(SolarMonth::parse("۱۴۰۵/۰۱").unwrap(), m);
        assert_eq!(SolarMonth::parse("1405-1").unwrap(), m);
        for bad in ["1405", "1405/13", "1405/0", "x/1", "2026/01"] {
            assert_eq!(
                SolarMonth::parse(bad).unwrap_err().code,
                "kpi.month.invalid"
            );
        }
        assert_eq!(m.prev().code(), "1404/12");
        assert_eq!(m.prev().next(), m);
        let (first, next) = m.days().unwrap();
        assert_eq!(
            (first, next),
            (date!(2026 - 03 - 21), date!(2026 - 04 - 21))
        );
        let year = m.last(12);
        assert_eq!(year.len(), 12);
        assert_eq!(year[0].code(), "1404/02");
        assert_eq!(m.label("fa-IR"), "فروردین ۱۴۰۵");
        assert_eq!(m.label("fa-AF"), "حمل ۱۴۰۵");
        assert_eq!(m.label("en"), "Farvardin 1405");
        assert_eq!(SolarMonth::new(1405, 9).unwrap().label("ps"), "لیندۍ ۱۴۰۵");
    }

    fn calendar() -> WorkCalendar {
        crate::profile::Profile::iran()
            .unwrap()
            .calendar
            .calendar()
            .unwrap()
    }

    #[test]
    fn working_days_of_a_month_follow_the_calendar() {
        let cal = calendar();
        // Farvardin 1405 has the Nowruz holidays: far fewer working days than Mehr.
        let far = SolarMonth::new(1405, 1)
            .unwrap()
            .working_days(&cal)
            .unwrap();
        let mehr = SolarMonth::new(1405, 7)
            .unwrap()
            .working_days(&cal)
            .unwrap();
        assert!(far < mehr, "{far} < {mehr}");
        // Counted day by day.
        let (first, next) = SolarMonth::new(1405, 7).unwrap().days().unwrap();
        let mut d = first;
        let mut n = 0;
        while d < next {
            if cal.is_working_day(d).unwrap() {
                n += 1;
            }
            d = d.next_day().unwrap();
        }
        assert_eq!(mehr, n);
        assert_eq!(SolarMonth::new(1300, 1).unwrap().working_days(&cal), None);
    }

    #[test]
    fn a_month_is_built_per_service_and_in_total() {
        let cal = calendar();
        let m = SolarMonth::new(1405, 7).unwrap();
        let (first, _) = m.days().unwrap();
        let a = OfficeId::new();
        let mut b = MonthBuilder::new(m, &cal);
        b.opened(a, "card_renewal", 8);
        b.opened(a, "work_permit", 2);
        let g = |state: &str, breached, returned, days: i64, count| ClosedGroup {
            state: state.into(),
            breached,
            returned,
            opened_on: first,
            closed_on: cal.add_working_days(first, days as u32).unwrap(),
            count,
        };
        b.closed(a, "card_renewal", &g("approved", false, false, 3, 6));
        b.closed(a, "card_renewal", &g("rejected", true, true, 10, 2));
        b.closed(a, "work_permit", &g("cancelled", false, true, 1, 1));
        let rows = b.rows();
        assert_eq!(rows.len(), 3);
        let total = rows.iter().find(|r| r.service.is_none()).unwrap();
        assert_eq!((total.opened, total.closed(), total.decided()), (10, 9, 8));
        assert_eq!((total.median_days, total.p90_days), (Some(3), Some(10)));
        assert_eq!(total.breach_rate(), Some(2.0 / 9.0));
        assert_eq!(total.rejection_rate(), Some(2.0 / 8.0));
        assert_eq!(total.return_rate(), Some(3.0 / 9.0));
        let wd = f64::from(m.working_days(&cal).unwrap());
        assert_eq!(total.per_working_day(), Some(10.0 / wd));
        let permit = rows
            .iter()
            .find(|r| r.service.as_deref() == Some("work_permit"))
            .unwrap();
        assert_eq!((permit.opened, permit.median_days), (2, None));
        // Association staff: figures over fewer than 5 cases are withheld.
        let p = permit.clone().for_association();
        assert_eq!((p.count(p.opened), p.return_rate()), (None, None));
        let t = total.clone().for_association();
        assert_eq!(t.count(t.opened), Some(10));
        assert_eq!(t.median(), Some(3));
    }

    #[test]
    fn no_shows_count_on_the_total_row() {
        let cal = calendar();
        let m = SolarMonth::new(1405, 7).unwrap();
        let (busy, quiet) = (OfficeId::new(), OfficeId::new());
        let mut b = MonthBuilder::new(m, &cal);
        b.opened(busy, "card_renewal", 40);
        b.no_shows(busy, 6);
        b.no_shows(busy, 1);
        b.no_shows(quiet, 3);
        let rows = b.rows();
        assert_eq!(rows.len(), 3);
        let total = |o| {
            rows.iter()
                .find(|r| r.office_id == o && r.service.is_none())
                .unwrap()
        };
        assert_eq!(total(busy).no_shows, 7);
        assert_eq!(
            rows.iter().find(|r| r.service.is_some()).unwrap().no_shows,
            0
        );
        assert_eq!(
            total(quiet).clone().for_association().no_shows(),
            None,
            "under 5"
        );
        assert_eq!(total(busy).clone().for_association().no_shows(), Some(7));
    }

    #[test]
    fn complaints_count_on_the_total_row_even_without_cases() {
        let cal = calendar();
        let m = SolarMonth::new(1405, 7).unwrap();
        let (busy, quiet) = (OfficeId::new(), OfficeId::new());
        let mut b = MonthBuilder::new(m, &cal);
        b.opened(busy, "card_renewal", 40);
        b.complaints(busy, 6, 2);
        b.complaints(busy, 0, 1);
        b.complaints(quiet, 2, 0);
        let rows = b.rows();
        // busy: a service row and a total; quiet: a total only.
        assert_eq!(rows.len(), 3);
        let total = |o| {
            rows.iter()
                .find(|r| r.office_id == o && r.service.is_none())
                .unwrap()
        };
        let service = rows.iter().find(|r| r.service.is_some()).unwrap();
        assert_eq!((service.complaints, service.overcharges), (0, 0));
        let t = total(busy);
        assert_eq!((t.complaints, t.overcharges, t.opened), (6, 3, 40));
        assert_eq!(t.complaints_per_100(), Some(15.0));
        assert_eq!(Metric::Complaints.of(Some(t), None), Some(15.0));
        let q = total(quiet);
        assert_eq!(
            (q.complaints, q.opened, q.complaints_per_100()),
            (2, 0, None)
        );
        // Association staff: a count under 5 is withheld, and so is the rate built on it.
        let a = t.clone().for_association();
        assert_eq!((a.complaints(), a.overcharges()), (Some(6), None));
        assert_eq!(a.complaints_per_100(), Some(15.0));
        let a = q.clone().for_association();
        assert_eq!(a.complaints(), None);
        assert!(!Metric::Complaints.higher_is_better());
    }

    #[test]
    fn seasonality_and_province_ranking() {
        let end = SolarMonth::new(1405, 6).unwrap();
        let office = |code: &str| Office {
            id: OfficeId::new(),
            code: crate::office::OfficeCode::parse(code).unwrap(),
            name_fa: code.into(),
            name_en: code.into(),
            province: "Tehran".into(),
            district: "1".into(),
            status: crate::office::OfficeStatus::Active,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            licence_state: None,
            licence_valid_until: None,
        };
        let row = |o: &Office, m: SolarMonth, opened: u64, median: u32| KpiRow {
            working_days: Some(20),
            opened,
            approved: 10,
            median_days: Some(median),
            ..KpiRow::empty(o.id, m, None)
        };
        let (even, seasonal, idle) = (office("THR-01"), office("THR-02"), office("THR-03"));
        let even_rows: Vec<KpiRow> = end
            .last(12)
            .into_iter()
            .map(|m| row(&even, m, 40, 5))
            .collect();
        let seasonal_rows = vec![row(&seasonal, end, 240, 3)];
        assert_eq!(seasonality(&even_rows, end), Some(0.0));
        assert!((seasonality(&seasonal_rows, end).unwrap() - 11f64.sqrt()).abs() < 1e-12);
        assert_eq!(seasonality(&[], end), None);
        let ranked = province_ranking(
            vec![
                (idle.clone(), vec![]),
                (seasonal.clone(), seasonal_rows),
                (even.clone(), even_rows),
            ],
            end,
            Metric::Seasonality,
        );
        let codes: Vec<&str> = ranked.iter().map(|r| r.office.code.as_str()).collect();
        assert_eq!(codes, ["THR-01", "THR-02", "THR-03"]);
        // Per working day: the seasonal office did 12/day in its month, the even one 2.
        let i = Metric::ALL
            .iter()
            .position(|m| *m == Metric::PerWorkingDay)
            .unwrap();
        assert_eq!(ranked[1].ranks[i], Some(1));
        assert_eq!(ranked[0].ranks[i], Some(2));
        assert_eq!(ranked[2].ranks[i], None);
        let j = Metric::ALL
            .iter()
            .position(|m| *m == Metric::Median)
            .unwrap();
        assert_eq!((ranked[1].ranks[j], ranked[0].ranks[j]), (Some(1), Some(2)));
        assert_eq!(
            Metric::parse("nope").unwrap_err().code,
            "kpi.metric.invalid"
        );
    }
}
