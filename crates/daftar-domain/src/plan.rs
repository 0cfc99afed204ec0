//! Office plans (issue 18, part 5): an office's one-year and three-year plans — targets per KPI
//! and per service for each Solar Hijri year of the plan, planned staffing, opening hours and
//! outreach — their review by the authority (submit, approve or return with a comment), and
//! plan versus actual: each target against the office's monthly KPI series
//! ([`crate::kpi::KpiRow`]), and the monthly follow-up list of offices falling behind.
//!
//! Rules, all pure:
//! - A plan covers whole Solar Hijri years: a one-year plan its start year, a three-year plan
//!   the start year and the two after. One plan of each kind per office and start year.
//! - States: `draft` → `submitted` → `approved`, or `returned` (with the reviewer's comment) and
//!   then edited and submitted again. The office edits a draft or a returned plan only; an
//!   approved plan is final (the next year gets a new plan).
//! - A target is a value for a year of the plan (1, or 1–3), a metric, and optionally a service:
//!   `cases` (cases opened in the year), or a KPI ([`Metric`]): cases per working day (at least
//!   the target), and at most the target for the median and p90 handling time (working days),
//!   SLA breach, rejection and return-for-correction rates (in percent), complaints per 100
//!   cases and the seasonality index (the last two for the office in total only).
//! - Plan versus actual for a month `m` (figures of the plan's year up to and including `m`):
//!   `cases` is behind when the cases opened so far are under [`ON_TRACK_SHARE`] of the pace
//!   `target × months elapsed / 12`; the rates and cases per working day are taken over the
//!   months so far (sums of their counts), median and p90 are the latest month's figure (the
//!   series keeps no histogram), seasonality the 12 months ending with `m`; a KPI is behind
//!   when it is worse than its target. A year that has not begun is `not_started`; a figure
//!   without cases is `no_data`.
//! - Follow-up for a month: every office with an approved plan covering it that is behind on
//!   at least one target of that year, and every office without an approved one-year plan for
//!   the month's year.

use crate::ids::{OfficeId, PlanId};
use crate::kpi::{KpiRow, Metric, SolarMonth};
use crate::office::Office;
use crate::permission::Permission;
use crate::{Error, ErrorKind, Result, code_enum};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// Cases opened so far at or above this share of the pace count as on track.
pub const ON_TRACK_SHARE: f64 = 0.9;
/// At most this many targets in one plan.
pub const MAX_TARGETS: usize = 120;
/// At most this many characters of opening hours.
pub const MAX_HOURS: usize = 200;
/// At most this many characters of outreach, and of a reviewer's comment.
pub const MAX_TEXT: usize = 2000;
/// Planned staff: 1 to this.
pub const MAX_STAFF: u32 = 500;
/// The largest target value.
pub const MAX_VALUE: f64 = 10_000_000.0;

code_enum!(
    /// One year or three.
    PlanKind, error = "plan.kind.invalid", field = "kind",
    {
        /// The start year.
        OneYear = "one_year",
        /// The start year and the two after.
        ThreeYear = "three_year",
    }
);

impl PlanKind {
    /// The years it covers.
    pub fn years(self) -> u8 {
        match self {
            PlanKind::OneYear => 1,
            PlanKind::ThreeYear => 3,
        }
    }
}

code_enum!(
    /// Where a plan stands.
    PlanState, error = "plan.state.invalid", field = "state",
    {
        /// Written by the office, not yet sent.
        Draft = "draft",
        /// Sent to the authority for review.
        Submitted = "submitted",
        /// Sent back by the authority with a comment; the office edits and submits again.
        Returned = "returned",
        /// Approved: in force, final.
        Approved = "approved",
    }
);

code_enum!(
    /// A step on a plan (its route names it).
    PlanStep, error = "plan.step.invalid", field = "step",
    {
        /// The office sends the plan for review.
        Submit = "submit",
        /// The authority approves it.
        Approve = "approve",
        /// The authority sends it back with a comment.
        Return = "return",
    }
);

impl PlanStep {
    /// The permission it is taken under: `plan.submit` (the office) or `plan.review` (the
    /// authority).
    pub fn permission(self) -> Permission {
        if self == PlanStep::Submit {
            Permission::PlanSubmit
        } else {
            Permission::PlanReview
        }
    }
}

/// The state after `step` from `from` (`plan.step.not_allowed`, 409).
pub fn next_state(from: PlanState, step: PlanStep) -> Result<PlanState> {
    use PlanState::*;
    match (from, step) {
        (Draft | Returned, PlanStep::Submit) => Ok(Submitted),
        (Submitted, PlanStep::Approve) => Ok(Approved),
        (Submitted, PlanStep::Return) => Ok(Returned),
        _ => Err(Error::conflict("plan.step.not_allowed")
            .with_details(serde_json::json!({"state": from.code(), "step": step.code()}))),
    }
}

/// Whether the office may still change the plan's content.
pub fn editable(state: PlanState) -> bool {
    matches!(state, PlanState::Draft | PlanState::Returned)
}

/// What a target measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetMetric {
    /// Cases opened in the year (at least).
    Cases,
    /// A KPI of the office's monthly series.
    Kpi(Metric),
}

impl TargetMetric {
    /// Every metric, in the order pages show them.
    pub fn all() -> Vec<TargetMetric> {
        std::iter::once(TargetMetric::Cases)
            .chain(Metric::ALL.into_iter().map(TargetMetric::Kpi))
            .collect()
    }
    /// The stable code: `cases` or the KPI's (`per_working_day`, `median`, …).
    pub fn code(self) -> &'static str {
        match self {
            TargetMetric::Cases => "cases",
            TargetMetric::Kpi(m) => m.code(),
        }
    }
    /// Parses a code (`plan.metric.invalid`).
    pub fn parse(s: &str) -> Result<Self> {
        Self::all()
            .into_iter()
            .find(|m| m.code() == s.trim())
            .ok_or_else(|| Error::invalid("plan.metric.invalid").with_field("targets"))
    }
    /// Whether the actual figure must reach the target (otherwise stay at or under it).
    pub fn at_least(self) -> bool {
        match self {
            TargetMetric::Cases => true,
            TargetMetric::Kpi(m) => m.higher_is_better(),
        }
    }
    /// Whether it is a rate shown and typed in percent.
    pub fn percent(self) -> bool {
        matches!(
            self,
            TargetMetric::Kpi(Metric::BreachRate | Metric::RejectionRate | Metric::ReturnRate)
        )
    }
    /// Whether a service's own target may name it (complaints and seasonality are the
    /// office's).
    pub fn per_service(self) -> bool {
        !matches!(
            self,
            TargetMetric::Kpi(Metric::Complaints | Metric::Seasonality)
        )
    }
}

impl<'de> serde::Deserialize<'de> for TargetMetric {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        Self::parse(&s).map_err(|_| serde::de::Error::custom(format!("unknown metric {s}")))
    }
}

impl Serialize for TargetMetric {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// A target: a value for one year of the plan, one metric, the office in total or one service.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Target {
    /// The year of the plan, 1 to 3.
    pub year: u8,
    /// What it measures: `cases` or a KPI's code.
    #[schema(value_type = String)]
    pub metric: TargetMetric,
    /// The service, or none for the office in total.
    pub service: Option<String>,
    /// The value (percent for rates), at most two decimals.
    pub value: f64,
}

impl Target {
    /// The value in hundredths, as stored.
    pub fn hundredths(&self) -> i64 {
        (self.value * 100.0).round() as i64
    }
}

/// What the office writes: staffing, hours, outreach and targets.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct PlanContent {
    /// Staff planned for the office.
    pub staffing: u32,
    /// Opening hours, as text (`شنبه تا چهارشنبه ۸ تا ۱۶`).
    pub hours: String,
    /// Outreach planned (visits, announcements, off-season work), as text.
    pub outreach: String,
    /// The targets, by year, metric and service.
    pub targets: Vec<Target>,
}

/// A target as typed.
#[derive(Debug, Clone, Default)]
pub struct TargetInput {
    /// Year of the plan.
    pub year: String,
    /// Metric code.
    pub metric: String,
    /// Service code or empty.
    pub service: String,
    /// The value (Persian or Latin digits, `.` or `٫` as the decimal point).
    pub value: String,
}

fn value_of(s: &str) -> Option<f64> {
    let folded = crate::digits::fold_digits(s.trim()).replace(['٫', '/'], ".");
    if folded.is_empty()
        || folded.len() > 16
        || !folded.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        || folded.matches('.').count() > 1
        || folded.split('.').nth(1).is_some_and(|d| d.len() > 2)
    {
        return None;
    }
    folded
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

impl PlanContent {
    /// Checks what the office typed for a plan of `kind`; `services` are the catalogue's codes.
    /// Codes: `plan.staffing.invalid`, `plan.hours.invalid`, `plan.outreach.invalid`,
    /// `plan.targets.invalid` (none, or too many), `plan.metric.invalid`, `plan.target.value`
    /// (not a number ≥ 0 with at most two decimals), and, as conflicts (409) of well-formed
    /// values, `plan.target.year` (past the plan's years), `plan.target.percent` (a rate over
    /// 100), `plan.target.service` (not in the catalogue, or a metric that is the office's
    /// only), `plan.target.duplicate`.
    pub fn parse(
        kind: PlanKind,
        staffing: &str,
        hours: &str,
        outreach: &str,
        targets: &[TargetInput],
        services: &BTreeSet<String>,
    ) -> Result<Self> {
        let staffing: u32 = crate::digits::fold_digits(staffing.trim())
            .parse()
            .ok()
            .filter(|n| (1..=MAX_STAFF).contains(n))
            .ok_or_else(|| Error::invalid("plan.staffing.invalid").with_field("staffing"))?;
        let hours = hours.trim();
        if hours.is_empty() || hours.chars().count() > MAX_HOURS || has_control(hours) {
            return Err(Error::invalid("plan.hours.invalid").with_field("hours"));
        }
        let outreach = outreach.trim();
        if outreach.chars().count() > MAX_TEXT || has_control_except_newline(outreach) {
            return Err(Error::invalid("plan.outreach.invalid").with_field("outreach"));
        }
        if targets.is_empty() || targets.len() > MAX_TARGETS {
            return Err(Error::invalid("plan.targets.invalid").with_field("targets"));
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::with_capacity(targets.len());
        for t in targets {
            let year: u8 = crate::digits::fold_digits(t.year.trim())
                .parse()
                .ok()
                .filter(|y| (1..=kind.years()).contains(y))
                .ok_or_else(|| Error::conflict("plan.target.year").with_field("targets"))?;
            let metric = TargetMetric::parse(&t.metric)?;
            let service = Some(t.service.trim().to_owned()).filter(|s| !s.is_empty());
            if let Some(s) = &service
                && (!services.contains(s) || !metric.per_service())
            {
                return Err(Error::conflict("plan.target.service")
                    .with_field("targets")
                    .with_detail("service", serde_json::json!(s)));
            }
            let value = value_of(&t.value)
                .filter(|v| *v <= MAX_VALUE)
                .ok_or_else(|| Error::invalid("plan.target.value").with_field("targets"))?;
            if metric.percent() && value > 100.0 {
                return Err(Error::conflict("plan.target.percent").with_field("targets"));
            }
            if !seen.insert((year, metric, service.clone())) {
                return Err(Error::conflict("plan.target.duplicate").with_field("targets"));
            }
            out.push(Target {
                year,
                metric,
                service,
                value,
            });
        }
        out.sort_by(|a, b| {
            (a.year, a.metric, &a.service)
                .partial_cmp(&(b.year, b.metric, &b.service))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        Ok(Self {
            staffing,
            hours: hours.to_owned(),
            outreach: outreach.to_owned(),
            targets: out,
        })
    }
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

fn has_control_except_newline(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && c != '\n' && c != '\r')
}

/// A reviewer's comment: required to return a plan (`plan.comment.required`, 409), at most
/// [`MAX_TEXT`] characters (`plan.comment.invalid`).
pub fn parse_comment(step: PlanStep, text: &str) -> Result<String> {
    let t = text.trim();
    if t.chars().count() > MAX_TEXT || has_control_except_newline(t) {
        return Err(Error::invalid("plan.comment.invalid").with_field("comment"));
    }
    if step == PlanStep::Return && t.is_empty() {
        return Err(Error::conflict("plan.comment.required").with_field("comment"));
    }
    Ok(t.to_owned())
}

/// Checks the start year of a new plan against the offices' current Solar Hijri year: from the
/// current year to three years ahead (`plan.year.out_of_range`, 409).
pub fn check_start_year(start_year: i32, current_year: i32) -> Result<()> {
    if (current_year..=current_year + 3).contains(&start_year) {
        Ok(())
    } else {
        Err(Error::conflict("plan.year.out_of_range")
            .with_field("start_year")
            .with_details(serde_json::json!({"from": current_year, "to": current_year + 3})))
    }
}

/// A plan as kept.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Plan {
    /// Its id.
    #[schema(value_type = String)]
    pub id: PlanId,
    /// The office.
    #[schema(value_type = String)]
    pub office_id: OfficeId,
    /// `one_year` or `three_year`.
    #[schema(value_type = String)]
    pub kind: PlanKind,
    /// The first Solar Hijri year it covers.
    pub start_year: i32,
    /// `draft`, `submitted`, `returned`, `approved`.
    #[schema(value_type = String)]
    pub state: PlanState,
    /// Bumped by every change (send it back in `If-Match`).
    pub version: i64,
    /// The content.
    pub content: PlanContent,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub created_at: OffsetDateTime,
}

impl Plan {
    /// The Solar Hijri years it covers.
    pub fn years(&self) -> std::ops::RangeInclusive<i32> {
        self.start_year..=self.start_year + i32::from(self.kind.years()) - 1
    }
    /// Whether it covers `month`.
    pub fn covers(&self, month: SolarMonth) -> bool {
        self.years().contains(&month.year)
    }
}

/// One entry of a plan's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PlanEvent {
    /// Order.
    pub seq: i64,
    /// `create`, `edit`, `submit`, `approve`, `return`.
    pub step: String,
    /// State after.
    #[schema(value_type = String)]
    pub state: PlanState,
    /// Who (user name).
    pub actor: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub at: OffsetDateTime,
    /// The reviewer's comment, if any.
    pub comment: String,
}

/// Checks `If-Match` against the plan's version (`plan.version.stale`, 412;
/// `request.if_match.required`, 428).
pub fn check_version(plan: &Plan, if_match: Option<i64>) -> Result<()> {
    match if_match {
        Some(v) if v == plan.version => Ok(()),
        Some(_) => Err(
            Error::new("plan.version.stale", ErrorKind::PreconditionFailed)
                .with_details(serde_json::json!({"version": plan.version})),
        ),
        None => Err(Error::new(
            "request.if_match.required",
            ErrorKind::PreconditionRequired,
        )),
    }
}

code_enum!(
    /// How a target stands in a month.
    TargetStanding, error = "plan.standing.invalid", field = "standing",
    {
        /// The year has not begun.
        NotStarted = "not_started",
        /// No figure yet (no case).
        NoData = "no_data",
        /// At or better than the target (or the pace).
        OnTrack = "on_track",
        /// Worse than the target (or under the pace).
        Behind = "behind",
    }
);

/// A target against the office's figures.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Progress {
    /// The target.
    pub target: Target,
    /// The Solar Hijri year it is for.
    pub year: i32,
    /// Months of that year counted (up to the month asked; 0 before it begins).
    pub months: u8,
    /// For `cases`: the pace so far (`target × months / 12`); the target otherwise.
    pub expected: Option<f64>,
    /// The figure so far (percent for rates).
    pub actual: Option<f64>,
    /// Where it stands.
    pub standing: TargetStanding,
}

#[derive(Default)]
struct Sums {
    opened: u64,
    working_days: u64,
    closed: u64,
    decided: u64,
    rejected: u64,
    returned: u64,
    breached: u64,
    complaints: u64,
    latest: Option<(SolarMonth, Option<u32>, Option<u32>)>,
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

/// Each target of `plan` against `rows` (the office's rows, per service and in total, of the
/// plan's years), as of `month`.
pub fn progress(plan: &Plan, rows: &[KpiRow], month: SolarMonth) -> Vec<Progress> {
    // Sums per (year, service) over the months of the year up to `month`.
    let mut sums: BTreeMap<(i32, Option<&str>), Sums> = BTreeMap::new();
    for r in rows
        .iter()
        .filter(|r| r.office_id == plan.office_id && plan.covers(r.month) && r.month <= month)
    {
        let s = sums
            .entry((r.month.year, r.service.as_deref()))
            .or_default();
        s.opened += r.opened;
        s.working_days += u64::from(r.working_days.unwrap_or(0));
        s.closed += r.closed();
        s.decided += r.decided();
        s.rejected += r.rejected;
        s.returned += r.returned;
        s.breached += r.breached;
        s.complaints += r.complaints;
        if r.decided() > 0 && s.latest.is_none_or(|(m, _, _)| m < r.month) {
            s.latest = Some((r.month, r.median_days, r.p90_days));
        }
    }
    let office_rows: Vec<KpiRow> = rows
        .iter()
        .filter(|r| r.office_id == plan.office_id && r.service.is_none())
        .cloned()
        .collect();
    plan.content
        .targets
        .iter()
        .map(|t| {
            let year = plan.start_year + i32::from(t.year) - 1;
            let months: u8 = if year < month.year {
                12
            } else if year == month.year {
                month.month
            } else {
                0
            };
            let empty = Sums::default();
            let s = sums.get(&(year, t.service.as_deref())).unwrap_or(&empty);
            let (expected, actual) = match t.metric {
                TargetMetric::Cases => (
                    Some(t.value * f64::from(months) / 12.0),
                    Some(s.opened as f64),
                ),
                TargetMetric::Kpi(m) => (
                    Some(t.value),
                    match m {
                        Metric::PerWorkingDay => ratio(s.opened, s.working_days),
                        Metric::Median => s.latest.and_then(|l| l.1).map(f64::from),
                        Metric::P90 => s.latest.and_then(|l| l.2).map(f64::from),
                        Metric::BreachRate => ratio(s.breached, s.closed).map(|r| r * 100.0),
                        Metric::RejectionRate => ratio(s.rejected, s.decided).map(|r| r * 100.0),
                        Metric::ReturnRate => ratio(s.returned, s.closed).map(|r| r * 100.0),
                        Metric::Complaints => ratio(s.complaints, s.opened).map(|r| r * 100.0),
                        Metric::Seasonality => {
                            let end = if year < month.year {
                                SolarMonth { year, month: 12 }
                            } else {
                                month
                            };
                            crate::kpi::seasonality(&office_rows, end)
                        }
                    },
                ),
            };
            let standing = if months == 0 {
                TargetStanding::NotStarted
            } else {
                match (t.metric, expected, actual) {
                    (TargetMetric::Cases, Some(e), Some(a)) => {
                        if a + 1e-9 >= e * ON_TRACK_SHARE {
                            TargetStanding::OnTrack
                        } else {
                            TargetStanding::Behind
                        }
                    }
                    (_, _, None) | (_, None, _) => TargetStanding::NoData,
                    (m, Some(e), Some(a)) => {
                        let ok = if m.at_least() {
                            a + 1e-9 >= e
                        } else {
                            a <= e + 1e-9
                        };
                        if ok {
                            TargetStanding::OnTrack
                        } else {
                            TargetStanding::Behind
                        }
                    }
                }
            };
            Progress {
                target: t.clone(),
                year,
                months,
                expected,
                actual,
                standing,
            }
        })
        .collect()
}

/// One office on the follow-up list of a month.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FollowUp {
    /// The office.
    pub office: Office,
    /// Its approved plans covering the month (none: no approved plan).
    #[schema(value_type = Vec<String>)]
    pub plans: Vec<PlanId>,
    /// Whether it lacks an approved one-year plan for the month's year.
    pub no_plan: bool,
    /// Its targets of the month's year that are behind.
    pub behind: Vec<Progress>,
    /// Its targets of the month's year assessed (behind or on track).
    pub assessed: usize,
}

/// The follow-up list of `month`: every office of `offices` that is behind on a target of an
/// approved plan covering the month, or has no approved one-year plan for the month's year;
/// most targets behind first, then by code. `plans` are the offices' plans (any state), `rows`
/// their KPI rows of the years concerned.
pub fn follow_up(
    offices: &[Office],
    plans: &[Plan],
    rows: &[KpiRow],
    month: SolarMonth,
) -> Vec<FollowUp> {
    let mut by_office: BTreeMap<OfficeId, Vec<&KpiRow>> = BTreeMap::new();
    for r in rows {
        by_office.entry(r.office_id).or_default().push(r);
    }
    let mut out: Vec<FollowUp> = offices
        .iter()
        .filter_map(|o| {
            let approved: Vec<&Plan> = plans
                .iter()
                .filter(|p| {
                    p.office_id == o.id && p.state == PlanState::Approved && p.covers(month)
                })
                .collect();
            let no_plan = !approved.iter().any(|p| p.kind == PlanKind::OneYear);
            let own: Vec<KpiRow> = by_office
                .get(&o.id)
                .map(|v| v.iter().map(|r| (*r).clone()).collect())
                .unwrap_or_default();
            let mut behind = Vec::new();
            let mut assessed = 0;
            for p in &approved {
                for pr in progress(p, &own, month)
                    .into_iter()
                    .filter(|pr| pr.year == month.year)
                {
                    match pr.standing {
                        TargetStanding::Behind => {
                            assessed += 1;
                            behind.push(pr);
                        }
                        TargetStanding::OnTrack => assessed += 1,
                        _ => {}
                    }
                }
            }
            (no_plan || !behind.is_empty()).then(|| FollowUp {
                office: o.clone(),
                plans: approved.iter().map(|p| p.id).collect(),
                no_plan,
                behind,
                assessed,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.behind
            .len()
            .cmp(&a.behind.len())
            .then(b.no_plan.cmp(&a.no_plan))
            .then(a.office.code.as_str().cmp(b.office.code.as_str()))
    });
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn services() -> BTreeSet<String> {
        ["card_renewal", "school_letter"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    fn t(year: &str, metric: &str, service: &str, value: &str) -> TargetInput {
        TargetInput {
            year: year.into(),
            metric: metric.into(),
            service: service.into(),
            value: value.into(),
        }
    }

    fn code<T: std::fmt::Debug>(r: Result<T>) -> &'static str {
        r.unwrap_err().code
    }

    #[test]
    fn content_is_checked() {
        let ok = [t("1", "cases", "", "1200")];
        let s = services();
        let k = PlanKind::OneYear;
        assert!(PlanContent::parse(k, "۴", "۸ تا ۱۶", "", &ok, &s).is_ok());
        assert_eq!(
            code(PlanContent::parse(k, "0", "8-16", "", &ok, &s)),
            "plan.staffing.invalid"
        );
        assert_eq!(
            code(PlanContent::parse(k, "501", "8-16", "", &ok, &s)),
            "plan.staffing.invalid"
        );
        assert_eq!(
            code(PlanContent::parse(k, "4", " ", "", &ok, &s)),
            "plan.hours.invalid"
        );
        assert_eq!(
            code(PlanContent::parse(k, "4", "a\u{7}", "", &ok, &s)),
            "plan.hours.invalid"
        );
        assert_eq!(
            code(PlanContent::parse(k, "4", "8-16", "", &[], &s)),
            "plan.targets.invalid"
        );
        let bad = |x: TargetInput| code(PlanContent::parse(k, "4", "8-16", "", &[x], &s));
        assert_eq!(bad(t("2", "cases", "", "1")), "plan.target.year");
        assert_eq!(bad(t("1", "speed", "", "1")), "plan.metric.invalid");
        assert_eq!(bad(t("1", "cases", "", "-1")), "plan.target.value");
        assert_eq!(bad(t("1", "cases", "", "1.234")), "plan.target.value");
        assert_eq!(bad(t("1", "breach_rate", "", "101")), "plan.target.percent");
        assert_eq!(
            bad(t("1", "cases", "passport", "10")),
            "plan.target.service"
        );
        assert_eq!(
            bad(t("1", "complaints", "card_renewal", "1")),
            "plan.target.service"
        );
        let dup = [t("1", "cases", "", "1"), t("1", "cases", "", "2")];
        assert_eq!(
            code(PlanContent::parse(k, "4", "8-16", "", &dup, &s)),
            "plan.target.duplicate"
        );
        // Three years, Persian digits and decimal separator, a service's own target.
        let three = [
            t("۳", "per_working_day", "", "۱۲٫۵"),
            t("1", "median", "card_renewal", "3"),
        ];
        let c = PlanContent::parse(PlanKind::ThreeYear, "4", "8-16", "", &three, &s).unwrap();
        assert_eq!(c.targets[0].metric, TargetMetric::Kpi(Metric::Median));
        assert_eq!(c.targets[1].value, 12.5);
        assert_eq!(c.targets[1].hundredths(), 1250);
    }

    #[test]
    fn states_move_by_the_steps() {
        use PlanState::*;
        assert_eq!(next_state(Draft, PlanStep::Submit).unwrap(), Submitted);
        assert_eq!(next_state(Returned, PlanStep::Submit).unwrap(), Submitted);
        assert_eq!(next_state(Submitted, PlanStep::Approve).unwrap(), Approved);
        assert_eq!(next_state(Submitted, PlanStep::Return).unwrap(), Returned);
        for (s, st) in [
            (Draft, PlanStep::Approve),
            (Draft, PlanStep::Return),
            (Submitted, PlanStep::Submit),
            (Approved, PlanStep::Submit),
            (Approved, PlanStep::Return),
            (Returned, PlanStep::Approve),
        ] {
            assert_eq!(
                code(next_state(s, st)),
                "plan.step.not_allowed",
                "{s:?} {st:?}"
            );
        }
        assert!(
            editable(Draft) && editable(Returned) && !editable(Submitted) && !editable(Approved)
        );
        assert_eq!(
            code(parse_comment(PlanStep::Return, " ")),
            "plan.comment.required"
        );
        assert_eq!(parse_comment(PlanStep::Approve, "").unwrap(), "");
        assert_eq!(code(check_start_year(1404, 1405)), "plan.year.out_of_range");
        assert_eq!(code(check_start_year(1409, 1405)), "plan.year.out_of_range");
        assert!(check_start_year(1405, 1405).is_ok() && check_start_year(1408, 1405).is_ok());
    }

    fn plan(kind: PlanKind, office: OfficeId, targets: Vec<Target>) -> Plan {
        Plan {
            id: PlanId::new(),
            office_id: office,
            kind,
            start_year: 1405,
            state: PlanState::Approved,
            version: 1,
            content: PlanContent {
                staffing: 3,
                hours: "8-16".into(),
                outreach: String::new(),
                targets,
            },
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn target(year: u8, metric: TargetMetric, value: f64) -> Target {
        Target {
            year,
            metric,
            service: None,
            value,
        }
    }

    fn row(office: OfficeId, month: u8, opened: u64, rejected: u64, approved: u64) -> KpiRow {
        let mut r = KpiRow::empty(office, SolarMonth::new(1405, month).unwrap(), None);
        r.opened = opened;
        r.rejected = rejected;
        r.approved = approved;
        r.working_days = Some(20);
        r.median_days = Some(u32::from(month));
        r
    }

    #[test]
    fn progress_against_the_pace_and_the_targets() {
        let o = OfficeId::new();
        let p = plan(
            PlanKind::ThreeYear,
            o,
            vec![
                target(1, TargetMetric::Cases, 1200.0),
                target(1, TargetMetric::Kpi(Metric::RejectionRate), 10.0),
                target(1, TargetMetric::Kpi(Metric::Median), 2.0),
                target(1, TargetMetric::Kpi(Metric::PerWorkingDay), 4.0),
                target(2, TargetMetric::Cases, 1500.0),
            ],
        );
        // Three months of 1405: 90 cases a month; 1 rejected of 10 decided, then 3 of 10.
        let rows = vec![
            row(o, 1, 90, 1, 9),
            row(o, 2, 90, 1, 9),
            row(o, 3, 90, 3, 7),
            row(OfficeId::new(), 3, 5000, 0, 0),
        ];
        let pr = progress(&p, &rows, SolarMonth::new(1405, 3).unwrap());
        // Cases: 270 against a pace of 300 → 90 % → on track; at 1405/04 the pace is 400.
        assert_eq!((pr[0].expected, pr[0].actual), (Some(300.0), Some(270.0)));
        assert_eq!(pr[0].standing, TargetStanding::OnTrack);
        // Rejections: 5 of 30 = 16.7 % > 10 %.
        assert_eq!(pr[1].standing, TargetStanding::Behind);
        assert!((pr[1].actual.unwrap() - 50.0 / 3.0).abs() < 1e-9);
        // Median: the latest month's (3 days) > 2.
        assert_eq!(
            (pr[2].actual, pr[2].standing),
            (Some(3.0), TargetStanding::Behind)
        );
        // Cases per working day: 270 / 60 = 4.5 ≥ 4.
        assert_eq!(
            (pr[3].actual, pr[3].standing),
            (Some(4.5), TargetStanding::OnTrack)
        );
        // Year 2 has not begun.
        assert_eq!(
            (pr[4].year, pr[4].standing),
            (1406, TargetStanding::NotStarted)
        );
        let later = progress(&p, &rows, SolarMonth::new(1405, 4).unwrap());
        assert_eq!(later[0].standing, TargetStanding::Behind);
        // No case at all: no data for the rates, behind for the cases.
        let none = progress(&p, &[], SolarMonth::new(1405, 6).unwrap());
        assert_eq!(none[1].standing, TargetStanding::NoData);
        assert_eq!(none[0].standing, TargetStanding::Behind);
    }

    fn office(code: &str) -> Office {
        Office {
            id: OfficeId::new(),
            code: crate::office::OfficeCode::parse(code).unwrap(),
            name_fa: "دفتر".into(),
            name_en: "Office".into(),
            province: "تهران".into(),
            district: "مرکزی".into(),
            status: crate::office::OfficeStatus::Active,
            created_at: OffsetDateTime::UNIX_EPOCH,
            licence_state: None,
            licence_valid_until: None,
        }
    }

    #[test]
    fn follow_up_lists_offices_behind_or_without_a_plan() {
        let (a, b, c) = (office("A-01"), office("B-01"), office("C-01"));
        let cases = |o: &Office| {
            plan(
                PlanKind::OneYear,
                o.id,
                vec![target(1, TargetMetric::Cases, 1200.0)],
            )
        };
        let mut submitted = cases(&c);
        submitted.state = PlanState::Submitted;
        let plans = vec![cases(&a), cases(&b), submitted];
        let rows = vec![row(a.id, 1, 100, 0, 0), row(b.id, 1, 50, 0, 0)];
        let m = SolarMonth::new(1405, 1).unwrap();
        let list = follow_up(&[a.clone(), b.clone(), c.clone()], &plans, &rows, m);
        // A is on pace (100 ≥ 90), B is behind, C has only a submitted plan.
        let codes: Vec<(&str, usize, bool)> = list
            .iter()
            .map(|f| (f.office.code.as_str(), f.behind.len(), f.no_plan))
            .collect();
        assert_eq!(codes, vec![("B-01", 1, false), ("C-01", 0, true)]);
        // A plan of another year does not cover the month.
        let next = follow_up(&[a], &plans, &rows, SolarMonth::new(1406, 1).unwrap());
        assert!(next[0].no_plan && next[0].plans.is_empty());
    }
}
