//! The plan pages: an office's plans with the form for a new one, a plan's page (content,
//! plan versus actual with a chart, edit and step forms, timeline) and `/plans`, the
//! authority's follow-up list.

use super::api::PlanStepRequest;
use super::{PlanView, follow_up_list, load_view, month_of, read_scope, service_codes};
use crate::auth::scope::PlanSubmit;
use crate::auth::{CsrfForm, InOffice, Staff};
use crate::charts::{Chart, Kind, Series};
use crate::error::WebResult;
use crate::extract::{Path, Query};
use crate::features::kpi::decimal;
use crate::i18n::Tr;
use crate::pages::{PageCtx, form_error, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use daftar_domain::audit::purpose;
use daftar_domain::ids::{OfficeId, PlanId};
use daftar_domain::jalali::JalaliDate;
use daftar_domain::kpi::{KpiRow, SolarMonth};
use daftar_domain::office::Office;
use daftar_domain::permission::Permission;
use daftar_domain::plan::{
    FollowUp, Plan, PlanContent, PlanKind, PlanStep, Progress, Target, TargetInput, TargetMetric,
    editable,
};
use daftar_domain::{Error, Result};

/// Rows of targets a form offers.
const FORM_ROWS: usize = 12;

/// A choice in a select.
pub struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// A row of the targets form.
pub struct TargetRow {
    year: String,
    metric: String,
    service: String,
    value: String,
}

/// A target with how it stands, as shown.
pub struct ProgressRow {
    year: String,
    metric: String,
    service: String,
    target: String,
    expected: String,
    actual: String,
    standing: &'static str,
    standing_label: String,
}

/// A timeline entry as shown.
pub struct EventRow {
    step: String,
    state: String,
    actor: String,
    at: String,
    comment: String,
}

fn service_name(
    catalog: &[daftar_domain::service::ServiceRecord],
    loc: &str,
    code: &str,
) -> String {
    catalog
        .iter()
        .find(|s| s.definition.code.as_str() == code)
        .map(|s| s.definition.names.get(loc).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

fn metric_label(tr: &Tr, m: TargetMetric) -> String {
    match m {
        TargetMetric::Cases => tr.t("plan-metric-cases"),
        TargetMetric::Kpi(k) => tr.t(&format!("kpi-metric-{}", k.code())),
    }
}

/// A target's value as shown (percent for rates).
fn value_text(tr: &Tr, m: TargetMetric, v: f64) -> String {
    let places = if v.fract().abs() < 1e-9 { 0 } else { 2 };
    let s = decimal(tr, v, places);
    if m.percent() {
        if tr.locale.tag == "en" {
            format!("{s}%")
        } else {
            format!("{s}٪")
        }
    } else {
        s
    }
}

/// The year of a plan's target as shown (`1405`).
fn year_text(tr: &Tr, plan: &Plan, t: &Target) -> String {
    tr.year(plan.start_year + i32::from(t.year) - 1)
}

fn years_text(tr: &Tr, plan: &Plan) -> String {
    let y = plan.years();
    if y.start() == y.end() {
        tr.year(y.start())
    } else {
        format!("{}–{}", tr.year(y.start()), tr.year(y.end()))
    }
}

/// The years of a plan a target may name (1–3), in the page's digits.
fn plan_years(tr: &Tr) -> Vec<(String, String)> {
    (1..=3u64).map(|y| (y.to_string(), tr.num(y))).collect()
}

fn metric_choices(tr: &Tr) -> Vec<Choice> {
    TargetMetric::all()
        .into_iter()
        .map(|m| Choice {
            value: m.code().to_owned(),
            label: metric_label(tr, m),
            selected: false,
        })
        .collect()
}

fn service_choices(catalog: &[daftar_domain::service::ServiceRecord], loc: &str) -> Vec<Choice> {
    catalog
        .iter()
        .map(|s| Choice {
            value: s.definition.code.as_str().to_owned(),
            label: s.definition.names.get(loc).to_owned(),
            selected: false,
        })
        .collect()
}

/// The rows of a targets form: `targets` then empty rows up to [`FORM_ROWS`] (at least four).
fn form_rows(targets: &[Target]) -> Vec<TargetRow> {
    let rows = targets
        .iter()
        .map(|t| TargetRow {
            year: t.year.to_string(),
            metric: t.metric.code().to_owned(),
            service: t.service.clone().unwrap_or_default(),
            value: format!("{}", t.value),
        })
        .collect();
    padded(rows, 4, targets.is_empty())
}

/// `rows` and empty rows up to [`FORM_ROWS`] (and at least `extra` of them); with `suggest`,
/// the first empty rows name the usual measures.
fn padded(mut rows: Vec<TargetRow>, extra: usize, suggest: bool) -> Vec<TargetRow> {
    const USUAL: [&str; 6] = [
        "cases",
        "per_working_day",
        "median",
        "breach_rate",
        "rejection_rate",
        "complaints",
    ];
    let n = FORM_ROWS.max(rows.len() + extra);
    let mut usual = USUAL.iter().filter(|_| suggest);
    while rows.len() < n {
        rows.push(TargetRow {
            year: "1".into(),
            metric: usual.next().map(|m| (*m).to_owned()).unwrap_or_default(),
            service: String::new(),
            value: String::new(),
        });
    }
    rows
}

/// The targets of a submitted form: rows `t{i}_*`, those without a value left out.
fn targets_of(pairs: &[(String, String)]) -> Vec<TargetInput> {
    let one = |n: &str| field(pairs, n);
    (0..200)
        .map(|i| TargetInput {
            year: one(&format!("t{i}_year")),
            metric: one(&format!("t{i}_metric")),
            service: one(&format!("t{i}_service")),
            value: one(&format!("t{i}_value")),
        })
        .filter(|t| !t.value.trim().is_empty())
        .collect()
}

fn field(pairs: &[(String, String)], n: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == n)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

// ---- An office's plans ----

#[derive(Template)]
#[template(path = "plans/list.html")]
struct ListPage {
    page: PageCtx,
    office: Office,
    office_name: String,
    plans: Vec<(Plan, String, String, String)>,
    can_write: bool,
    kinds: Vec<Choice>,
    years: Vec<Choice>,
    metrics: Vec<Choice>,
    services: Vec<Choice>,
    plan_years: Vec<(String, String)>,
    rows: Vec<TargetRow>,
    staffing: String,
    hours: String,
    outreach: String,
    error: Option<String>,
}

struct NewForm {
    kind: String,
    start_year: String,
    staffing: String,
    hours: String,
    outreach: String,
    rows: Vec<TargetRow>,
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    office_id: OfficeId,
    form: Option<NewForm>,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let scope = read_scope(staff, office_id)?;
    let (office, plans, catalog) = state
        .db(move |s| {
            Ok((
                s.get_office(office_id)?,
                s.office_plans(&scope)?,
                s.services()?,
            ))
        })
        .await?;
    let page = PageCtx::new(state, &staff.ctx);
    let tr = page.tr.clone();
    let loc = tr.locale.tag;
    let current = JalaliDate::from_iso(state.today()).year();
    let form = form.unwrap_or(NewForm {
        kind: "one_year".into(),
        start_year: (current + 1).to_string(),
        staffing: String::new(),
        hours: String::new(),
        outreach: String::new(),
        rows: form_rows(&[]),
    });
    let can_write = staff
        .principal()
        .scope(office_id, Permission::PlanSubmit)
        .is_ok();
    let plans = plans
        .into_iter()
        .map(|p| {
            let kind = tr.t(&format!("plan-kind-{}", p.kind.code()));
            let years = years_text(&tr, &p);
            let st = tr.t(&format!("plan-state-{}", p.state.code()));
            (p, kind, years, st)
        })
        .collect();
    Ok(render(
        status,
        &ListPage {
            office_name: office.name_in(loc).to_owned(),
            office,
            plans,
            can_write,
            kinds: PlanKind::ALL
                .iter()
                .map(|k| Choice {
                    value: k.code().to_owned(),
                    label: tr.t(&format!("plan-kind-{}", k.code())),
                    selected: k.code() == form.kind,
                })
                .collect(),
            years: (current..=current + 3)
                .map(|y| Choice {
                    value: y.to_string(),
                    label: tr.year(y),
                    selected: y.to_string() == form.start_year,
                })
                .collect(),
            metrics: metric_choices(&tr),
            services: service_choices(&catalog, loc),
            plan_years: plan_years(&tr),
            rows: form.rows,
            staffing: form.staffing,
            hours: form.hours,
            outreach: form.outreach,
            error,
            page,
        },
    ))
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Path(office): Path<OfficeId>,
) -> WebResult<Response> {
    list_page(&state, &staff, office, None, None, StatusCode::OK).await
}

fn rows_of(targets: &[TargetInput]) -> Vec<TargetRow> {
    let rows = targets
        .iter()
        .map(|t| TargetRow {
            year: t.year.clone(),
            metric: t.metric.clone(),
            service: t.service.clone(),
            value: t.value.clone(),
        })
        .collect();
    padded(rows, 0, false)
}

fn parse_content(
    kind: PlanKind,
    pairs: &[(String, String)],
    services: &std::collections::BTreeSet<String>,
) -> Result<PlanContent> {
    PlanContent::parse(
        kind,
        &field(pairs, "staffing"),
        &field(pairs, "hours"),
        &field(pairs, "outreach"),
        &targets_of(pairs),
        services,
    )
}

pub async fn create(
    State(state): State<AppState>,
    at: InOffice<PlanSubmit>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let office = at.scope.office_id();
    let result = async {
        let kind = PlanKind::parse(field(&pairs, "kind").trim())?;
        let start_year: i32 =
            daftar_domain::digits::fold_digits(field(&pairs, "start_year").trim())
                .parse()
                .map_err(|_| Error::invalid("plan.start_year.invalid").with_field("start_year"))?;
        let content = parse_content(kind, &pairs, &service_codes(&state).await?)?;
        let (ctx, scope) = (at.staff.audit(purpose::ADMINISTRATION), at.scope);
        state
            .db(move |s| s.create_plan(&ctx, &scope, kind, start_year, &content))
            .await
    }
    .await;
    match result {
        Ok(p) => Ok(Redirect::to(&format!("/offices/{office}/plans/{}", p.id)).into_response()),
        Err(e) => {
            let (msg, status) = form_error(&state, &at.staff.ctx, e)?;
            let form = NewForm {
                kind: field(&pairs, "kind"),
                start_year: field(&pairs, "start_year"),
                staffing: field(&pairs, "staffing"),
                hours: field(&pairs, "hours"),
                outreach: field(&pairs, "outreach"),
                rows: rows_of(&targets_of(&pairs)),
            };
            list_page(&state, &at.staff, office, Some(form), Some(msg), status).await
        }
    }
}

// ---- A plan ----

#[derive(Template)]
#[template(path = "plans/show.html")]
struct ShowPage {
    page: PageCtx,
    office: Office,
    office_name: String,
    plan: Plan,
    kind: String,
    years: String,
    state: String,
    staffing_shown: String,
    month_label: String,
    months: Vec<Choice>,
    progress: Vec<ProgressRow>,
    chart: Option<String>,
    events: Vec<EventRow>,
    can_edit: bool,
    steps: Vec<&'static str>,
    metrics: Vec<Choice>,
    services: Vec<Choice>,
    plan_years: Vec<(String, String)>,
    rows: Vec<TargetRow>,
    staffing: String,
    hours: String,
    outreach: String,
    error: Option<String>,
}

fn progress_rows(
    tr: &Tr,
    plan: &Plan,
    progress: &[Progress],
    catalog: &[daftar_domain::service::ServiceRecord],
) -> Vec<ProgressRow> {
    let none = tr.t("kpi-none");
    progress
        .iter()
        .map(|p| {
            let m = p.target.metric;
            let shown = |v: Option<f64>| v.map_or_else(|| none.clone(), |v| value_text(tr, m, v));
            ProgressRow {
                year: year_text(tr, plan, &p.target),
                metric: metric_label(tr, m),
                service: p
                    .target
                    .service
                    .as_deref()
                    .map(|s| service_name(catalog, tr.locale.tag, s))
                    .unwrap_or_else(|| tr.t("plan-office-total")),
                target: value_text(tr, m, p.target.value),
                expected: if m == TargetMetric::Cases {
                    p.expected
                        .map(|e| decimal(tr, e.round(), 0))
                        .unwrap_or_default()
                } else {
                    String::new()
                },
                actual: shown(p.actual),
                standing: p.standing.code(),
                standing_label: tr.t(&format!("plan-standing-{}", p.standing.code())),
            }
        })
        .collect()
}

/// Cumulative cases opened in the month's year against the pace of the year's `cases` target.
fn pace_chart(
    tr: &Tr,
    rtl: bool,
    plan: &Plan,
    rows: &[KpiRow],
    month: SolarMonth,
) -> Option<String> {
    let t = plan.content.targets.iter().find(|t| {
        t.metric == TargetMetric::Cases
            && t.service.is_none()
            && plan.start_year + i32::from(t.year) - 1 == month.year
    })?;
    let months: Vec<SolarMonth> = (1..=12)
        .filter_map(|m| SolarMonth::new(month.year, m).ok())
        .collect();
    let mut sum = 0u64;
    let actual = months
        .iter()
        .map(|m| {
            (*m <= month).then(|| {
                sum += rows
                    .iter()
                    .filter(|r| r.month == *m && r.service.is_none())
                    .map(|r| r.opened)
                    .sum::<u64>();
                sum as f64
            })
        })
        .collect();
    let pace = months
        .iter()
        .map(|m| Some((t.value * f64::from(m.month) / 12.0).round()))
        .collect();
    Some(
        Chart {
            id: "plan-pace-chart".into(),
            title: tr.t1("plan-chart-pace", "year", &tr.year(month.year)),
            desc: tr.t("plan-chart-pace-desc"),
            label_header: tr.t("kpi-month"),
            labels: months.iter().map(|m| m.label(tr.locale.tag)).collect(),
            series: vec![
                Series {
                    name: tr.t("plan-actual"),
                    values: actual,
                },
                Series {
                    name: tr.t("plan-pace"),
                    values: pace,
                },
            ],
            kind: Kind::Line,
            rtl,
        }
        .render(&|v| decimal(tr, v.round(), 0), &tr.t("kpi-none")),
    )
}

struct EditForm {
    staffing: String,
    hours: String,
    outreach: String,
    rows: Vec<TargetRow>,
}

#[allow(clippy::too_many_arguments)]
async fn show_page(
    state: &AppState,
    staff: &Staff,
    office_id: OfficeId,
    id: PlanId,
    asked_month: &str,
    form: Option<EditForm>,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let scope = read_scope(staff, office_id)?;
    let month = month_of(state, asked_month)?;
    let (
        PlanView {
            plan,
            events,
            progress,
            ..
        },
        rows,
    ) = load_view(state, staff, scope, id, month).await?;
    let (office, catalog) = state
        .db(move |s| Ok((s.get_office(office_id)?, s.services()?)))
        .await?;
    let page = PageCtx::new(state, &staff.ctx);
    let tr = page.tr.clone();
    let loc = tr.locale.tag;
    let p = staff.principal();
    let writer = p.scope(office_id, Permission::PlanSubmit).is_ok();
    let reviewer = p.scope(office_id, Permission::PlanReview).is_ok();
    let steps = PlanStep::ALL
        .iter()
        .copied()
        .filter(|s| daftar_domain::plan::next_state(plan.state, *s).is_ok())
        .filter(|s| {
            if s.permission() == Permission::PlanSubmit {
                writer
            } else {
                reviewer
            }
        })
        .map(PlanStep::code)
        .collect();
    let form = form.unwrap_or_else(|| EditForm {
        staffing: plan.content.staffing.to_string(),
        hours: plan.content.hours.clone(),
        outreach: plan.content.outreach.clone(),
        rows: form_rows(&plan.content.targets),
    });
    let current = SolarMonth::of(state.today());
    let months = (plan.start_year..=*plan.years().end())
        .flat_map(|y| (1..=12).filter_map(move |m| SolarMonth::new(y, m).ok()))
        .filter(|m| *m <= current)
        .rev()
        .map(|m| Choice {
            value: m.code(),
            label: m.label(loc),
            selected: m == month,
        })
        .collect();
    let chart = pace_chart(&tr, page.locale.dir == "rtl", &plan, &rows, month);
    Ok(render(
        status,
        &ShowPage {
            office_name: office.name_in(loc).to_owned(),
            office,
            kind: tr.t(&format!("plan-kind-{}", plan.kind.code())),
            years: years_text(&tr, &plan),
            state: tr.t(&format!("plan-state-{}", plan.state.code())),
            staffing_shown: tr.num(u64::from(plan.content.staffing)),
            month_label: month.label(loc),
            months,
            progress: progress_rows(&tr, &plan, &progress, &catalog),
            chart,
            events: events
                .iter()
                .rev()
                .map(|e| EventRow {
                    step: tr.t(&format!("plan-step-{}", e.step)),
                    state: tr.t(&format!("plan-state-{}", e.state.code())),
                    actor: e.actor.clone(),
                    at: tr.datetime(&e.at),
                    comment: e.comment.clone(),
                })
                .collect(),
            can_edit: writer && editable(plan.state),
            steps,
            metrics: metric_choices(&tr),
            services: service_choices(&catalog, loc),
            plan_years: plan_years(&tr),
            rows: form.rows,
            staffing: form.staffing,
            hours: form.hours,
            outreach: form.outreach,
            plan,
            error,
            page,
        },
    ))
}

/// `?month=` of a plan's page.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MonthQuery {
    month: String,
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path((office, id)): Path<(OfficeId, PlanId)>,
    Query(q): Query<MonthQuery>,
) -> WebResult<Response> {
    show_page(
        &state,
        &staff,
        office,
        id,
        &q.month,
        None,
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn edit(
    State(state): State<AppState>,
    at: InOffice<PlanSubmit>,
    Path((office, id)): Path<(OfficeId, PlanId)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let result = async {
        let if_match = crate::conditional::parse(&field(&pairs, "version"))?;
        let content = parse_content(PlanKind::ThreeYear, &pairs, &service_codes(&state).await?)?;
        let (ctx, scope) = (at.staff.audit(purpose::ADMINISTRATION), at.scope);
        state
            .db(move |s| s.edit_plan(&ctx, &scope, id, &content, Some(if_match)))
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/offices/{office}/plans/{id}")).into_response()),
        Err(e) => {
            let (msg, status) = form_error(&state, &at.staff.ctx, e)?;
            let form = EditForm {
                staffing: field(&pairs, "staffing"),
                hours: field(&pairs, "hours"),
                outreach: field(&pairs, "outreach"),
                rows: rows_of(&targets_of(&pairs)),
            };
            show_page(
                &state,
                &at.staff,
                office,
                id,
                "",
                Some(form),
                Some(msg),
                status,
            )
            .await
        }
    }
}

pub async fn step(
    State(state): State<AppState>,
    staff: Staff,
    Path((office, id, step)): Path<(OfficeId, PlanId, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    // The office first (another office's, or one cut off, is 403 whatever the step).
    read_scope(&staff, office)?;
    let step =
        PlanStep::parse(step.trim()).map_err(|_| Error::not_found("request.path.invalid"))?;
    let scope = staff.principal().scope(office, step.permission())?;
    let req = PlanStepRequest {
        comment: field(&pairs, "comment"),
    };
    let result = async {
        let if_match = crate::conditional::parse(&field(&pairs, "version"))?;
        let ctx = staff.audit(purpose::ADMINISTRATION);
        state
            .db(move |s| s.plan_step(&ctx, &scope, id, step, &req.comment, Some(if_match)))
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/offices/{office}/plans/{id}")).into_response()),
        Err(e) => {
            let (msg, status) = form_error(&state, &staff.ctx, e)?;
            show_page(&state, &staff, office, id, "", None, Some(msg), status).await
        }
    }
}

// ---- The follow-up ----

/// An office on the follow-up list, as shown.
pub struct FollowRow {
    office_id: String,
    code: String,
    name: String,
    no_plan: bool,
    plans: Vec<String>,
    behind: Vec<String>,
    counts: String,
}

/// A plan awaiting review, as shown.
pub struct WaitingRow {
    href: String,
    office: String,
    kind: String,
    years: String,
}

#[derive(Template)]
#[template(path = "plans/follow_up.html")]
struct FollowUpPage {
    page: PageCtx,
    months: Vec<Choice>,
    provinces: Vec<Choice>,
    month_label: String,
    rows: Vec<FollowRow>,
    waiting: Vec<WaitingRow>,
}

/// The query of `/plans`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct FollowQuery {
    month: String,
    province: String,
}

fn follow_rows(
    tr: &Tr,
    list: &[FollowUp],
    catalog: &[daftar_domain::service::ServiceRecord],
) -> Vec<FollowRow> {
    let loc = tr.locale.tag;
    list.iter()
        .map(|f| FollowRow {
            office_id: f.office.id.to_string(),
            code: f.office.code.as_str().to_owned(),
            name: f.office.name_in(loc).to_owned(),
            no_plan: f.no_plan,
            plans: f.plans.iter().map(ToString::to_string).collect(),
            behind: f
                .behind
                .iter()
                .map(|p| {
                    let m = p.target.metric;
                    let what = match &p.target.service {
                        Some(s) => format!(
                            "{} ({})",
                            metric_label(tr, m),
                            service_name(catalog, loc, s)
                        ),
                        None => metric_label(tr, m),
                    };
                    let target = match (m, p.expected) {
                        (TargetMetric::Cases, Some(e)) => decimal(tr, e.round(), 0),
                        _ => value_text(tr, m, p.target.value),
                    };
                    tr.ta(
                        "plan-behind-line",
                        &[
                            ("what", what),
                            ("target", target),
                            (
                                "actual",
                                p.actual
                                    .map_or_else(|| tr.t("kpi-none"), |v| value_text(tr, m, v)),
                            ),
                        ],
                    )
                })
                .collect(),
            counts: tr.ta(
                "plan-behind-count",
                &[
                    ("behind", tr.num(f.behind.len() as u64)),
                    ("assessed", tr.num(f.assessed as u64)),
                ],
            ),
        })
        .collect()
}

pub async fn follow_up_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<FollowQuery>,
) -> WebResult<Response> {
    let p = staff.principal();
    if !p.has(Permission::PlanReview) {
        // An office's manager follows their own plans.
        if let (true, Some(office)) = (p.has(Permission::PlanSubmit), p.office_id) {
            return Ok(Redirect::to(&format!("/offices/{office}/plans")).into_response());
        }
        return Err(Error::forbidden("auth.forbidden").into());
    }
    let month = month_of(&state, &q.month)?;
    let (list, waiting) = follow_up_list(&state, &staff, &q.province, month).await?;
    let kpi = p.reach(Permission::KpiRead).ok();
    let (provinces, catalog) = state
        .db(move |s| {
            let provinces = match kpi {
                Some(r) => s.kpi_provinces(&r, false)?,
                None => vec![],
            };
            Ok((provinces, s.services()?))
        })
        .await?;
    let page = PageCtx::new(&state, &staff.ctx);
    let tr = page.tr.clone();
    let loc = tr.locale.tag;
    let current = SolarMonth::of(state.today());
    let waiting = waiting
        .iter()
        .map(|(o, w)| WaitingRow {
            href: format!("/offices/{}/plans/{}", w.office_id, w.id),
            office: format!("{} {}", o.code.as_str(), o.name_in(loc)),
            kind: tr.t(&format!("plan-kind-{}", w.kind.code())),
            years: years_text(&tr, w),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &FollowUpPage {
            months: current
                .last(13)
                .into_iter()
                .rev()
                .map(|m| Choice {
                    value: m.code(),
                    label: m.label(loc),
                    selected: m == month,
                })
                .collect(),
            provinces: provinces
                .into_iter()
                .map(|pr| Choice {
                    selected: pr == q.province.trim(),
                    label: pr.clone(),
                    value: pr,
                })
                .collect(),
            month_label: month.label(loc),
            rows: follow_rows(&tr, &list, &catalog),
            waiting,
            page,
        },
    ))
}
