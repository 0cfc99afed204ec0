//! Registration rounds (issue 19, parts 1, 2 and 5): `/rounds` (the list, and the form that
//! opens a round, for the authority), `/rounds/{round_id}` (live coverage by province, district
//! and office with server-rendered SVG bar charts, the trend per working day and the projection
//! to the close date; extensions), `/rounds/{round_id}/report` (the printable end-of-round
//! report) and `/offices/{office_id}/rounds/{round_id}/not-seen` (the persons not yet seen, for
//! the office that serves them only: names, registry number and phone, never an address or a
//! location; no download of it exists; every page shown is audited).
//!
//! JSON: `GET /api/v1/rounds/{round_id}/coverage`, the same aggregates as data (no person).
//!
//! Coverage is counts only. Aggregate-only readers (partners: no `office.read`) see counts under
//! five withheld. Staff of one office without `aggregate.read` (clerks) see their own office's
//! figures.

use crate::auth::scope::PersonRead;
use crate::auth::{CsrfForm, InOffice, Staff};
use crate::charts::{Bar, bars};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Path, Query};
use crate::i18n::Tr;
use crate::pages::{PageCtx, Pager, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use daftar_domain::audit::purpose;
use daftar_domain::ids::{OfficeId, RoundId};
use daftar_domain::jalali::iso_day;
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, Reach};
use daftar_domain::round::{
    Coverage, Eligibility, ExtendRound, GroupTally, NewRound, NotSeen, Projection, Round,
    RoundView, Tally, by_district, by_province, project, shown, total,
};
use daftar_domain::{Error, Result};
use std::collections::BTreeSet;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rounds", get(list).post(create))
        .route("/rounds/{round_id}", get(show))
        .route("/rounds/{round_id}/extend", post(extend))
        .route("/rounds/{round_id}/report", get(report))
        .route(
            "/offices/{office_id}/rounds/{round_id}/not-seen",
            get(not_seen),
        )
        .route("/api/v1/rounds/{round_id}/coverage", get(api_coverage))
}

/// Whether the caller sees rounds at all: the authority (`round.manage`), aggregate readers and
/// office staff.
fn may_see_rounds(staff: &Staff) -> Result<()> {
    let p = staff.principal();
    if p.has(Permission::RoundManage)
        || p.has(Permission::AggregateRead)
        || p.has(Permission::PersonRead)
    {
        Ok(())
    } else {
        p.require(Permission::AggregateRead)
    }
}

/// The reach of the caller's coverage figures: every office or one's own for
/// `aggregate.read`, else one's own office for `person.read` (clerks).
fn coverage_reach(staff: &Staff) -> Result<Reach> {
    let p = staff.principal();
    if p.has(Permission::AggregateRead) {
        p.reach(Permission::AggregateRead)
    } else {
        Ok(Reach::Office(p.own_scope(Permission::PersonRead)?))
    }
}

/// Reach over every office for `round.manage`.
fn manage_reach(staff: &Staff) -> Result<Reach> {
    match staff.principal().reach(Permission::RoundManage)? {
        r @ Reach::All(_) => Ok(r),
        Reach::Office(_) => Err(Error::forbidden("auth.forbidden")
            .with_details(serde_json::json!({ "permission": Permission::RoundManage.code() }))),
    }
}

fn day(tr: &Tr, d: time::Date) -> String {
    tr.date(&iso_day(d))
}

/// A round in the list.
struct ListRow {
    id: RoundId,
    name: String,
    opens_on: String,
    closes_on: String,
    phase: String,
    services: String,
}

/// A service to tick on the form.
struct ServiceChoice {
    code: String,
    name: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "rounds/list.html")]
struct ListPage {
    page: PageCtx,
    rows: Vec<ListRow>,
    can_manage: bool,
    services: Vec<ServiceChoice>,
    statuses: Vec<(String, String, bool)>,
    previous: Vec<(RoundId, String)>,
    form: Vec<(String, String)>,
    error: Option<String>,
}

impl ListPage {
    fn field(&self, name: &str) -> String {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

fn service_names(
    tr: &Tr,
    catalogue: &[daftar_domain::service::ServiceRecord],
    r: &Round,
) -> String {
    r.services
        .iter()
        .map(|s| {
            catalogue
                .iter()
                .find(|c| c.definition.code == *s)
                .map_or_else(
                    || s.as_str().to_owned(),
                    |c| c.definition.names.get(tr.locale.tag).to_owned(),
                )
        })
        .collect::<Vec<_>>()
        .join("، ")
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    form: Vec<(String, String)>,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    may_see_rounds(staff)?;
    let (rounds, catalogue) = state.db(|s| Ok((s.rounds()?, s.services()?))).await?;
    let page = PageCtx::new(state, &staff.ctx);
    let tr = &page.tr;
    let today = state.clock.today();
    let rows = rounds
        .iter()
        .map(|r| ListRow {
            id: r.id,
            name: r.name.clone(),
            opens_on: day(tr, r.opens_on),
            closes_on: day(tr, r.closes_on),
            phase: tr.t(&format!("round-phase-{}", r.phase(today))),
            services: service_names(tr, &catalogue, r),
        })
        .collect();
    let ticked = |name: &str, v: &str| form.iter().any(|(k, x)| k == name && x == v);
    let fresh = form.is_empty();
    let services = catalogue
        .iter()
        .map(|c| ServiceChoice {
            code: c.definition.code.as_str().to_owned(),
            name: c.definition.names.get(tr.locale.tag).to_owned(),
            checked: ticked("service", c.definition.code.as_str())
                || (fresh && c.definition.code.as_str() == "card_renewal"),
        })
        .collect();
    let statuses = daftar_domain::person::PersonStatus::ALL
        .iter()
        .map(|s| {
            (
                s.code().to_owned(),
                tr.t(&format!("person-status-{}", s.code())),
                ticked("status", s.code())
                    || (fresh && matches!(s.code(), "registered" | "renewed" | "lapsed")),
            )
        })
        .collect();
    let previous = rounds.iter().map(|r| (r.id, r.name.clone())).collect();
    let can_manage = manage_reach(staff).is_ok();
    Ok(render(
        status,
        &ListPage {
            page,
            rows,
            can_manage,
            services,
            statuses,
            previous,
            form,
            error,
        },
    ))
}

async fn list(State(state): State<AppState>, staff: Staff) -> WebResult<Response> {
    list_page(&state, &staff, vec![], None, StatusCode::OK).await
}

fn one(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn all(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The status of an error shown on a form again (403 and 5xx are answered as errors).
fn shown_again(e: &Error) -> Option<StatusCode> {
    let s = e.kind.status();
    (s < 500 && s != 403 && s != 401 && e.code != "round.not_found")
        .then(|| StatusCode::from_u16(s).unwrap_or(StatusCode::BAD_REQUEST))
}

async fn create(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let reach = manage_reach(&staff)?;
    let result = async {
        let catalogue: BTreeSet<String> = state
            .db(|s| s.services())
            .await?
            .iter()
            .map(|c| c.definition.code.as_str().to_owned())
            .collect();
        let eligibility = Eligibility::parse(
            &all(&pairs, "status"),
            &one(&pairs, "nationalities"),
            &one(&pairs, "min_age"),
            (
                &one(&pairs, "document_kind"),
                &one(&pairs, "document_from"),
                &one(&pairs, "document_to"),
            ),
            &one(&pairs, "previous_round"),
        )?;
        let new = NewRound::parse(
            &one(&pairs, "name"),
            &one(&pairs, "opens_on"),
            &one(&pairs, "closes_on"),
            &all(&pairs, "service"),
            &catalogue,
            eligibility,
            &one(&pairs, "capacity"),
            &one(&pairs, "quotas"),
            state.clock.today(),
        )?;
        let ctx = staff.audit(purpose::ADMINISTRATION);
        state.db(move |s| s.open_round(&ctx, &reach, &new)).await
    }
    .await;
    match result {
        Ok(v) => Ok(Redirect::to(&format!("/rounds/{}", v.round.id)).into_response()),
        Err(e) => match shown_again(&e) {
            Some(status) => {
                let msg = PageCtx::new(&state, &staff.ctx).tr.error(e.code);
                list_page(&state, &staff, pairs, Some(msg), status).await
            }
            None => Err(e.into()),
        },
    }
}

/// A line of a coverage table, ready to show (withheld counts as a dash).
pub struct Line {
    label: String,
    sub: String,
    expected: String,
    renewed: String,
    pct: String,
    households_open: String,
    quota: String,
    capacity: String,
    office: Option<OfficeId>,
}

/// Tenths as a number with one decimal in the page's digits (`3.5`, `۳٫۵`).
fn decimal(tr: &Tr, tenths: u64) -> String {
    let text = format!("{}.{}", tenths / 10, tenths % 10);
    if tr.locale.tag == "en" {
        text
    } else {
        tr.digits(&text).replace('.', "٫")
    }
}

/// Tenths of a percent as a percentage in the page's digits (`53.1%`, `۵۳٫۱٪`).
fn pct(tr: &Tr, per_mille: u64) -> String {
    if tr.locale.tag == "en" {
        format!("{}%", decimal(tr, per_mille))
    } else {
        format!("{}٪", decimal(tr, per_mille))
    }
}

fn cell(tr: &Tr, n: u64, suppress: bool) -> String {
    match shown(n, suppress) {
        Some(n) => tr.num(n),
        None => tr.t("round-withheld"),
    }
}

fn line(tr: &Tr, label: String, sub: String, t: &Tally, suppress: bool) -> Line {
    let hidden =
        suppress && (shown(t.renewed, true).is_none() || shown(t.expected, true).is_none());
    Line {
        label,
        sub,
        expected: cell(tr, t.expected, suppress),
        renewed: cell(tr, t.renewed, suppress),
        pct: if hidden {
            tr.t("round-withheld")
        } else {
            pct(tr, t.per_mille())
        },
        households_open: cell(tr, t.households_open, suppress),
        quota: String::new(),
        capacity: String::new(),
        office: None,
    }
}

/// Everything the coverage page and the report show.
struct Figures {
    view: RoundView,
    total: Line,
    provinces: Vec<Line>,
    districts: Vec<Line>,
    offices: Vec<Line>,
    projection: Projection,
    projected: String,
    rate: String,
    province_bars: Vec<Bar>,
    trend_bars: Vec<Bar>,
    opens_on: String,
    closes_on: String,
    phase: String,
    services: String,
    extensions: Vec<(String, String, String, String, String)>,
    invited_at: String,
}

async fn figures(state: &AppState, staff: &Staff, id: RoundId, tr: &Tr) -> Result<Figures> {
    may_see_rounds(staff)?;
    let reach = coverage_reach(staff)?;
    let (view, coverage, catalogue): (RoundView, Coverage, _) = state
        .db(move |s| Ok((s.round(id)?, s.round_coverage(&reach, id)?, s.services()?)))
        .await?;
    let suppress = !staff.principal().has(Permission::OfficeRead);
    let today = state.clock.today();
    let cal = state.calendar();
    let t = total(&coverage.offices);
    let projection = project(&view.round, t, &coverage.days, today, |d| {
        cal.is_working_day(d).unwrap_or(false)
    });
    let group = |g: &GroupTally| {
        line(
            tr,
            g.province.clone(),
            g.district.clone(),
            &g.tally,
            suppress,
        )
    };
    let provinces_t = by_province(&coverage.offices);
    let provinces: Vec<Line> = provinces_t.iter().map(group).collect();
    let districts = by_district(&coverage.offices).iter().map(group).collect();
    let own = staff.principal().office_id;
    let offices = coverage
        .offices
        .iter()
        .map(|o| {
            let mut tally = Tally::default();
            tally.add(o);
            let mut l = line(
                tr,
                o.code.clone(),
                if tr.locale.tag == "en" {
                    o.name_en.clone()
                } else {
                    o.name_fa.clone()
                },
                &tally,
                suppress,
            );
            l.quota = tr.num(o.quota);
            l.capacity = tr.num(o.capacity);
            // The list of those not yet seen is linked for the office that serves them.
            l.office = (own == Some(o.office_id) && staff.principal().has(Permission::PersonRead))
                .then_some(o.office_id);
            l
        })
        .collect();
    let province_bars = bars(
        &provinces_t
            .iter()
            .map(|g| {
                let hidden = suppress && shown(g.tally.renewed, true).is_none();
                (
                    g.province.clone(),
                    if hidden { 0 } else { g.tally.per_mille() },
                    if hidden {
                        tr.t("round-withheld")
                    } else {
                        pct(tr, g.tally.per_mille())
                    },
                )
            })
            .collect::<Vec<_>>(),
        1000,
        tr.locale.dir == "rtl",
    );
    let max_day = projection
        .trend
        .iter()
        .map(|d| d.renewed)
        .max()
        .unwrap_or(0)
        .max(1);
    let trend_bars = bars(
        &projection
            .trend
            .iter()
            .map(|d| {
                let hidden = suppress && shown(d.renewed, true).is_none();
                (
                    day(tr, d.day),
                    if hidden { 0 } else { d.renewed },
                    if hidden {
                        tr.t("round-withheld")
                    } else {
                        tr.num(d.renewed)
                    },
                )
            })
            .collect::<Vec<_>>(),
        max_day,
        tr.locale.dir == "rtl",
    );
    let r = &view.round;
    Ok(Figures {
        total: line(tr, tr.t("round-total"), String::new(), &t, suppress),
        provinces,
        districts,
        offices,
        projected: if suppress {
            tr.t("round-withheld")
        } else {
            format!(
                "{} ({})",
                tr.num(projection.projected),
                pct(tr, projection.projected_per_mille)
            )
        },
        rate: decimal(tr, projection.rate_per_day_x10),
        projection,
        province_bars,
        trend_bars,
        opens_on: day(tr, r.opens_on),
        closes_on: day(tr, r.closes_on),
        phase: tr.t(&format!("round-phase-{}", r.phase(today))),
        services: service_names(tr, &catalogue, r),
        extensions: view
            .extensions
            .iter()
            .map(|e| {
                (
                    day(tr, e.from),
                    day(tr, e.to),
                    e.reason.clone(),
                    e.actor.clone(),
                    tr.datetime(&e.at),
                )
            })
            .collect(),
        invited_at: tr.datetime(&view.invited_at),
        view,
    })
}

#[derive(Template)]
#[template(path = "rounds/show.html")]
struct ShowPage {
    page: PageCtx,
    f: Figures,
    can_manage: bool,
    eligibility: Vec<String>,
    error: Option<String>,
}

/// The eligibility in words.
fn eligibility_lines(tr: &Tr, e: &Eligibility, rounds: &[Round]) -> Vec<String> {
    let mut out = vec![
        tr.t1(
            "round-rule-statuses",
            "statuses",
            &e.statuses
                .iter()
                .map(|s| tr.t(&format!("person-status-{s}")))
                .collect::<Vec<_>>()
                .join("، "),
        ),
    ];
    if !e.nationalities.is_empty() {
        out.push(tr.t1(
            "round-rule-nationalities",
            "nationalities",
            &e.nationalities.join("، "),
        ));
    }
    if let Some(a) = e.min_age {
        out.push(tr.t1("round-rule-age", "age", &tr.num(a)));
    }
    if let Some(d) = &e.document {
        out.push(tr.ta(
            "round-rule-document",
            &[
                ("kind", tr.t(&format!("document-kind-{}", d.kind))),
                ("from", d.from.clone()),
                ("to", d.to.clone()),
            ],
        ));
    }
    if let Some(p) = e.previous_round {
        let name = rounds
            .iter()
            .find(|r| r.id == p)
            .map_or_else(String::new, |r| r.name.clone());
        out.push(tr.t1("round-rule-previous", "round", &name));
    }
    out
}

async fn show_page(
    state: &AppState,
    staff: &Staff,
    id: RoundId,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let page = PageCtx::new(state, &staff.ctx);
    let f = figures(state, staff, id, &page.tr).await?;
    let rounds = state.db(|s| s.rounds()).await?;
    let eligibility = eligibility_lines(&page.tr, &f.view.round.eligibility, &rounds);
    let can_manage = manage_reach(staff).is_ok();
    Ok(render(
        status,
        &ShowPage {
            page,
            f,
            can_manage,
            eligibility,
            error,
        },
    ))
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<RoundId>,
) -> WebResult<Response> {
    show_page(&state, &staff, id, None, StatusCode::OK).await
}

async fn extend(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<RoundId>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let reach = manage_reach(&staff)?;
    let result = async {
        let current = state.db(move |s| s.round(id)).await?;
        let ext = ExtendRound::parse(
            &one(&pairs, "closes_on"),
            &one(&pairs, "reason"),
            current.round.closes_on,
        )?;
        let version = crate::conditional::parse(&one(&pairs, "version"))?;
        let ctx = staff.audit(purpose::ADMINISTRATION);
        state
            .db(move |s| s.extend_round(&ctx, &reach, id, &ext, version))
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/rounds/{id}")).into_response()),
        Err(e) => match shown_again(&e) {
            Some(status) => {
                let msg = PageCtx::new(&state, &staff.ctx).tr.error(e.code);
                show_page(&state, &staff, id, Some(msg), status).await
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Template)]
#[template(path = "rounds/report.html")]
struct ReportPage {
    page: PageCtx,
    f: Figures,
    printed_at: String,
}

async fn report(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<RoundId>,
) -> WebResult<Response> {
    let page = PageCtx::new(&state, &staff.ctx);
    let f = figures(&state, &staff, id, &page.tr).await?;
    let printed_at = page.tr.datetime(&state.clock.now());
    Ok(render(
        StatusCode::OK,
        &ReportPage {
            page,
            f,
            printed_at,
        },
    ))
}

/// A row of the not-yet-seen list.
struct Waiting {
    first_of_household: bool,
    head: bool,
    registry_no: String,
    name: String,
    father_name: String,
    phone: String,
}

#[derive(Template)]
#[template(path = "rounds/not_seen.html")]
struct NotSeenPage {
    page: PageCtx,
    round: Round,
    office_code: String,
    rows: Vec<Waiting>,
    pager: Pager,
}

/// Paging of the list.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PageQuery {
    page: Option<u32>,
    per_page: Option<u32>,
}

async fn not_seen(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((office, id)): Path<(OfficeId, RoundId)>,
    Query(q): Query<PageQuery>,
) -> WebResult<Response> {
    let scope = at.scope;
    let ctx = at.staff.audit(purpose::SERVICE);
    let req = PageRequest {
        page: q.page.unwrap_or(1),
        per_page: q.per_page.unwrap_or(50),
    };
    let (view, list, o) = state
        .db(move |s| {
            Ok((
                s.round(id)?,
                s.round_not_seen(&ctx, &scope, id, req)?,
                s.get_office(office)?,
            ))
        })
        .await?;
    let page = PageCtx::new(&state, &at.staff.ctx);
    let pager = Pager::new(&format!("/offices/{office}/rounds/{id}/not-seen"), &list);
    let mut last = String::new();
    let rows = list
        .items
        .iter()
        .map(|p: &NotSeen| {
            let first = p.household_key != last;
            last.clone_from(&p.household_key);
            Waiting {
                first_of_household: first,
                head: p.head,
                registry_no: p.registry_no.clone(),
                name: format!("{} {}", p.given_name, p.family_name)
                    .trim()
                    .to_owned(),
                father_name: p.father_name.clone(),
                phone: p.phone.clone(),
            }
        })
        .collect();
    let mut response = render(
        StatusCode::OK,
        &NotSeenPage {
            page,
            round: view.round,
            office_code: o.code.as_str().to_owned(),
            rows,
            pager,
        },
    );
    // A list of people to invite: never kept by a browser or a proxy.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// A line of the coverage as data: where, expected, renewed and households still open (`null`:
/// withheld, fewer than 5, or the figure that would give one away).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CoverageLine {
    /// Province.
    pub province: String,
    /// District (empty on a province's line).
    pub district: String,
    /// Office code (empty on a province's or district's line).
    pub office: String,
    /// Persons expected.
    pub expected: Option<u64>,
    /// Persons renewed.
    pub renewed: Option<u64>,
    /// Households with a member not yet seen.
    pub households_open: Option<u64>,
}

/// A round's coverage as data.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CoverageData {
    /// The round.
    #[schema(value_type = String)]
    pub round_id: RoundId,
    /// Its name.
    pub name: String,
    /// Opening day (ISO).
    pub opens_on: String,
    /// Closing day (ISO).
    pub closes_on: String,
    /// Whether small figures are withheld for the caller (partners).
    pub suppressed: bool,
    /// The whole reach's total (province, district and office empty).
    pub total: CoverageLine,
    /// Per province.
    pub provinces: Vec<CoverageLine>,
    /// Per district.
    pub districts: Vec<CoverageLine>,
    /// Per office.
    pub offices: Vec<CoverageLine>,
}

/// Lines with every column protected as the dashboard protects it
/// ([`daftar_domain::dashboard::protect`]): complementary suppression when `suppress`.
fn protected_lines(
    keys: Vec<(String, String, String)>,
    tallies: &[Tally],
    suppress: bool,
) -> (Vec<CoverageLine>, CoverageLine) {
    use daftar_domain::dashboard::protect;
    let col =
        |f: &dyn Fn(&Tally) -> u64| protect(&tallies.iter().map(f).collect::<Vec<_>>(), suppress);
    let (e, r, h) = (
        col(&|t| t.expected),
        col(&|t| t.renewed),
        col(&|t| t.households_open),
    );
    let lines = keys
        .into_iter()
        .enumerate()
        .map(|(i, (province, district, office))| CoverageLine {
            province,
            district,
            office,
            expected: e.cells[i],
            renewed: r.cells[i],
            households_open: h.cells[i],
        })
        .collect();
    let total = CoverageLine {
        province: String::new(),
        district: String::new(),
        office: String::new(),
        expected: e.total,
        renewed: r.total,
        households_open: h.total,
    };
    (lines, total)
}

/// A round's coverage within the caller's reach — by province, district and office, with the
/// total — as on `/rounds/{round_id}`: counts only, never a person, so not audited. Partners
/// (no `office.read`) get figures under 5 withheld (`null`), with the complementary cells that
/// would give them away. Authority and aggregate readers every office; office staff their own.
#[utoipa::path(get, path = "/api/v1/rounds/{round_id}/coverage", tag = "rounds",
    params(("round_id" = String, Path, description = "The round")),
    responses((status = 200, body = CoverageData), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_coverage(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<RoundId>,
) -> WebResult<axum::Json<CoverageData>> {
    may_see_rounds(&staff)?;
    let reach = coverage_reach(&staff)?;
    let coverage: Coverage = state.db(move |s| s.round_coverage(&reach, id)).await?;
    let suppress = !staff.principal().has(Permission::OfficeRead);
    let groups = |g: Vec<GroupTally>, with_district: bool| {
        let keys = g
            .iter()
            .map(|g| {
                (
                    g.province.clone(),
                    if with_district {
                        g.district.clone()
                    } else {
                        String::new()
                    },
                    String::new(),
                )
            })
            .collect();
        let tallies: Vec<Tally> = g.into_iter().map(|g| g.tally).collect();
        protected_lines(keys, &tallies, suppress)
    };
    let (provinces, total) = groups(by_province(&coverage.offices), false);
    let (districts, _) = groups(by_district(&coverage.offices), true);
    let keys = coverage
        .offices
        .iter()
        .map(|o| (o.province.clone(), o.district.clone(), o.code.clone()))
        .collect();
    let tallies: Vec<Tally> = coverage
        .offices
        .iter()
        .map(|o| {
            let mut t = Tally::default();
            t.add(o);
            t
        })
        .collect();
    let (offices, _) = protected_lines(keys, &tallies, suppress);
    let r = &coverage.round;
    Ok(axum::Json(CoverageData {
        round_id: r.id,
        name: r.name.clone(),
        opens_on: iso_day(r.opens_on),
        closes_on: iso_day(r.closes_on),
        suppressed: suppress,
        total,
        provinces,
        districts,
        offices,
    }))
}
