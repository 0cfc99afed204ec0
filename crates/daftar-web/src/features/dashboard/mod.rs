//! The authority's dashboard (issue 19, part 4): `/dashboard` shows, for a Solar Hijri month
//! range and a place (the country, a province, a district, an office), the open rounds and
//! their coverage, registrations and renewals per month, the figures per place one level down
//! (with links to drill down), cases by service and status, SLA performance, fees collected and
//! complaints by category — each section an SVG chart (`crate::charts`, right to left on
//! right-to-left pages, no script) with its table beside it; `/dashboard/export.csv` and
//! `/dashboard/export.xlsx` carry the same tables.
//!
//! Who sees what ([`Audience`]): authority officers and inspectors the country as it is;
//! partners and association staff the country with cells under 5 withheld; office managers
//! their own office only (another office: 403 `office.scope.denied`); clerks nothing (403).
//! Every export withholds cells under 5 whoever asks, with complementary suppression
//! ([`daftar_domain::dashboard::protect`]). Counts and amounts only, never a person: reads are
//! not audited, as the KPI and coverage pages are not.

mod export;

use crate::auth::Staff;
use crate::charts::{Chart, Kind, Series};
use crate::error::WebResult;
use crate::extract::Query;
use crate::i18n::Tr;
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use daftar_domain::dashboard::{
    Audience, Fact, Filter, Level, Metric, RENEWAL_SERVICE, RoundPlaces, Shown, follow, protect,
    rate,
};
use daftar_domain::kpi::SolarMonth;
use daftar_domain::office::Office;
use daftar_domain::permission::Permission;
use daftar_domain::{Error, Result};
use std::collections::BTreeSet;

pub use export::COLUMNS;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(page))
        .route("/dashboard/export.csv", get(export::csv))
        .route("/dashboard/export.xlsx", get(export::xlsx))
}

/// The query of the page and the exports.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct DashQuery {
    /// First month `YYYY/MM` (empty: 12 months ending with `to`).
    from: String,
    /// Last month `YYYY/MM` (empty: the current month).
    to: String,
    /// A province.
    province: String,
    /// A district of the province.
    district: String,
    /// An office code.
    office: String,
}

/// What a section's figures are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Counts.
    Count,
    /// Rials.
    Rials,
    /// Shares (0–1).
    Share,
}

/// A column of a section: its code (exports), name, figures and total (`None`: withheld).
pub struct Column {
    code: &'static str,
    name: String,
    cells: Vec<Option<f64>>,
    total: Option<f64>,
}

/// A section: a chart and its table.
pub struct Section {
    id: String,
    title: String,
    desc: String,
    label_header: String,
    /// Labels as shown.
    labels: Vec<String>,
    /// Labels as exported (month codes, service and category codes, place names).
    codes: Vec<String>,
    columns: Vec<Column>,
    kind: Kind,
    unit: Unit,
}

fn column(code: &'static str, name: String, shown: &Shown) -> Column {
    Column {
        code,
        name,
        cells: shown.cells.iter().map(|c| c.map(|v| v as f64)).collect(),
        total: shown.total.map(|v| v as f64),
    }
}

/// Everything a dashboard shows, read once.
pub struct Data {
    audience: Audience,
    filter: Filter,
    offices: Vec<Office>,
    coverage: Vec<RoundPlaces>,
    cases: Vec<Fact>,
    counts: Vec<Fact>,
    services: Vec<(String, String)>,
}

/// Checks the caller, parses the filter (an office manager's narrowed to their office) and
/// reads the figures.
async fn load(state: &AppState, staff: &Staff, q: &DashQuery, locale: &str) -> Result<Data> {
    let audience = Audience::of(staff.principal())?;
    let current = SolarMonth::of(state.today());
    let mut filter = Filter::parse(&q.from, &q.to, &q.province, &q.district, &q.office, current)?;
    let reach = staff.principal().reach(Permission::AggregateRead)?;
    let r2 = reach;
    let offices = state.db(move |s| s.dashboard_offices(&r2)).await?;
    if let Audience::Office(id) = audience {
        let own = offices
            .iter()
            .find(|o| o.id == id)
            .ok_or_else(|| Error::forbidden("office.none"))?;
        if filter
            .office
            .as_deref()
            .is_some_and(|c| c != own.code.as_str())
        {
            return Err(Error::forbidden("office.scope.denied")
                .with_details(serde_json::json!({ "office": filter.office })));
        }
        filter = filter.for_office(own.code.as_str());
    }
    let f = filter.clone();
    let loc = locale.to_owned();
    let (coverage, cases, counts, services) = state
        .db(move |s| {
            let services = s
                .services()?
                .into_iter()
                .map(|c| {
                    (
                        c.definition.code.as_str().to_owned(),
                        c.definition.names.get(&loc).to_owned(),
                    )
                })
                .collect::<Vec<_>>();
            Ok((
                s.dashboard_coverage(&reach, &f)?,
                s.dashboard_cases(&reach, &f)?,
                s.dashboard_counts(&reach, &f)?,
                services,
            ))
        })
        .await?;
    Ok(Data {
        audience,
        filter,
        offices,
        coverage,
        cases,
        counts,
        services,
    })
}

impl Data {
    /// The label of a place at the filter's level.
    fn place_label(&self, tr: &Tr, place: &str) -> String {
        if place.is_empty() {
            return tr.t("dashboard-no-office");
        }
        match self.filter.level() {
            Level::Office => self
                .offices
                .iter()
                .find(|o| o.code.as_str() == place)
                .map_or_else(
                    || place.to_owned(),
                    |o| format!("{place} {}", o.name_in(tr.locale.tag)),
                ),
            _ => place.to_owned(),
        }
    }

    /// The places with any figure, in order (the empty place, complaints about no office,
    /// last).
    fn places(&self) -> Vec<String> {
        let mut set: BTreeSet<String> = BTreeSet::new();
        for f in self.cases.iter().chain(&self.counts) {
            set.insert(f.place.clone());
        }
        for r in &self.coverage {
            for p in &r.places {
                set.insert(p.place.clone());
            }
        }
        let mut v: Vec<String> = set.into_iter().filter(|p| !p.is_empty()).collect();
        if self.counts.iter().any(|f| f.place.is_empty()) {
            v.push(String::new());
        }
        v
    }

    /// The sections, with cells withheld when `suppress`.
    pub fn sections(&self, tr: &Tr, suppress: bool) -> Vec<Section> {
        let loc = tr.locale.tag;
        let months = self.filter.months();
        let month_labels: Vec<String> = months.iter().map(|m| m.label(loc)).collect();
        let month_codes: Vec<String> = months.iter().map(|m| m.code()).collect();
        let mut out = vec![];

        // Open rounds and their coverage, per place.
        for (i, r) in self.coverage.iter().enumerate() {
            let expected: Vec<u64> = r.places.iter().map(|p| p.expected).collect();
            let renewed: Vec<u64> = r.places.iter().map(|p| p.renewed).collect();
            out.push(Section {
                id: format!("dash-round-{i}"),
                title: tr.t1("dashboard-chart-round", "round", &r.name),
                desc: tr.t("dashboard-chart-round-desc"),
                label_header: tr.t(level_header(self.filter.level())),
                labels: r
                    .places
                    .iter()
                    .map(|p| self.place_label(tr, &p.place))
                    .collect(),
                codes: r.places.iter().map(|p| p.place.clone()).collect(),
                columns: vec![
                    column(
                        "expected",
                        tr.t("round-expected"),
                        &protect(&expected, suppress),
                    ),
                    column(
                        "renewed",
                        tr.t("round-renewed"),
                        &protect(&renewed, suppress),
                    ),
                ],
                kind: Kind::Bar,
                unit: Unit::Count,
            });
        }

        // Registrations and renewals per month.
        let per_month = |facts: &[Fact], pick: &dyn Fn(&Fact) -> bool| -> Vec<u64> {
            let m = daftar_domain::dashboard::sum_by(facts, pick, |f| f.month);
            months
                .iter()
                .map(|k| m.get(k).copied().unwrap_or(0))
                .collect()
        };
        let registered = per_month(&self.counts, &|f| f.metric == Metric::Registered);
        let renewed = per_month(&self.cases, &|f| {
            f.metric == Metric::Approved && f.key == RENEWAL_SERVICE
        });
        out.push(Section {
            id: "dash-months".into(),
            title: tr.t("dashboard-chart-months"),
            desc: tr.t("dashboard-chart-months-desc"),
            label_header: tr.t("kpi-month"),
            labels: month_labels.clone(),
            codes: month_codes.clone(),
            columns: vec![
                column(
                    "registered",
                    tr.t("dashboard-registered"),
                    &protect(&registered, suppress),
                ),
                column(
                    "renewed",
                    tr.t("dashboard-renewed"),
                    &protect(&renewed, suppress),
                ),
            ],
            kind: Kind::Bar,
            unit: Unit::Count,
        });

        // Per place, one level down.
        let places = self.places();
        let per_place = |facts: &[Fact], pick: &dyn Fn(&Fact) -> bool| -> Vec<u64> {
            let m = daftar_domain::dashboard::sum_by(facts, pick, |f| f.place.clone());
            places
                .iter()
                .map(|k| m.get(k).copied().unwrap_or(0))
                .collect()
        };
        let columns = vec![
            (
                "registered",
                "dashboard-registered",
                per_place(&self.counts, &|f| f.metric == Metric::Registered),
            ),
            (
                "renewed",
                "dashboard-renewed",
                per_place(&self.cases, &|f| {
                    f.metric == Metric::Approved && f.key == RENEWAL_SERVICE
                }),
            ),
            (
                "opened",
                "kpi-opened",
                per_place(&self.cases, &|f| f.metric == Metric::Opened),
            ),
            (
                "complaints",
                "dashboard-complaints",
                per_place(&self.counts, &|f| f.metric == Metric::Complaints),
            ),
        ];
        out.push(Section {
            id: "dash-places".into(),
            title: tr.t(match self.filter.level() {
                Level::Province => "dashboard-chart-provinces",
                Level::District => "dashboard-chart-districts",
                Level::Office => "dashboard-chart-offices",
            }),
            desc: tr.t("dashboard-chart-places-desc"),
            label_header: tr.t(level_header(self.filter.level())),
            labels: places.iter().map(|p| self.place_label(tr, p)).collect(),
            codes: places.clone(),
            columns: columns
                .into_iter()
                .map(|(code, name, v)| column(code, tr.t(name), &protect(&v, suppress)))
                .collect(),
            kind: Kind::Bar,
            unit: Unit::Count,
        });

        // Cases by service and status.
        let services: Vec<String> = {
            let set: BTreeSet<&str> = self.cases.iter().map(|f| f.key.as_str()).collect();
            set.into_iter().map(str::to_owned).collect()
        };
        let per_service = |metric: Metric| -> Vec<u64> {
            let m = daftar_domain::dashboard::sum_by(
                &self.cases,
                |f| f.metric == metric,
                |f| f.key.clone(),
            );
            services
                .iter()
                .map(|k| m.get(k).copied().unwrap_or(0))
                .collect()
        };
        out.push(Section {
            id: "dash-services".into(),
            title: tr.t("dashboard-chart-services"),
            desc: tr.t("dashboard-chart-services-desc"),
            label_header: tr.t("kpi-service"),
            labels: services
                .iter()
                .map(|s| {
                    self.services
                        .iter()
                        .find(|(c, _)| c == s)
                        .map_or_else(|| s.clone(), |(_, n)| n.clone())
                })
                .collect(),
            codes: services.clone(),
            columns: [
                (Metric::Opened, "kpi-opened"),
                (Metric::Approved, "dashboard-approved"),
                (Metric::Rejected, "dashboard-rejected"),
                (Metric::Cancelled, "dashboard-cancelled"),
                (Metric::Returned, "dashboard-returned"),
            ]
            .into_iter()
            .map(|(m, name)| column(m.code(), tr.t(name), &protect(&per_service(m), suppress)))
            .collect(),
            kind: Kind::Bar,
            unit: Unit::Count,
        });

        // SLA performance: breach and return rates of the cases closed each month.
        let closed = per_month(&self.cases, &|f| {
            matches!(
                f.metric,
                Metric::Approved | Metric::Rejected | Metric::Cancelled
            )
        });
        let breached = per_month(&self.cases, &|f| f.metric == Metric::Breached);
        let returned = per_month(&self.cases, &|f| f.metric == Metric::Returned);
        let (closed, breached, returned) = (
            protect(&closed, suppress),
            protect(&breached, suppress),
            protect(&returned, suppress),
        );
        let share = |num: &Shown, den: &Shown| Column {
            code: "",
            name: String::new(),
            cells: num
                .cells
                .iter()
                .zip(&den.cells)
                .map(|(n, d)| rate(*n, *d))
                .collect(),
            total: rate(num.total, den.total),
        };
        out.push(Section {
            id: "dash-sla".into(),
            title: tr.t("dashboard-chart-sla"),
            desc: tr.t("dashboard-chart-sla-desc"),
            label_header: tr.t("kpi-month"),
            labels: month_labels.clone(),
            codes: month_codes.clone(),
            columns: vec![
                Column {
                    code: "sla_breach_rate",
                    name: tr.t("kpi-metric-breach_rate"),
                    ..share(&breached, &closed)
                },
                Column {
                    code: "return_rate",
                    name: tr.t("kpi-metric-return_rate"),
                    ..share(&returned, &closed)
                },
            ],
            kind: Kind::Line,
            unit: Unit::Share,
        });

        // Fees collected: receipts per month, and their rials (withheld where the count is).
        let receipts = per_month(&self.counts, &|f| f.metric == Metric::Receipts);
        let rials = per_month(&self.counts, &|f| f.metric == Metric::Rials);
        let receipts = protect(&receipts, suppress);
        out.push(Section {
            id: "dash-receipts".into(),
            title: tr.t("dashboard-chart-receipts"),
            desc: tr.t("dashboard-chart-receipts-desc"),
            label_header: tr.t("kpi-month"),
            labels: month_labels.clone(),
            codes: month_codes.clone(),
            columns: vec![column("receipts", tr.t("dashboard-receipts"), &receipts)],
            kind: Kind::Bar,
            unit: Unit::Count,
        });
        out.push(Section {
            id: "dash-fees".into(),
            title: tr.t("dashboard-chart-fees"),
            desc: tr.t("dashboard-chart-fees-desc"),
            label_header: tr.t("kpi-month"),
            labels: month_labels,
            codes: month_codes,
            columns: vec![column(
                "rials",
                tr.t("dashboard-rials"),
                &follow(&rials, &receipts),
            )],
            kind: Kind::Bar,
            unit: Unit::Rials,
        });

        // Complaints by category.
        let categories: Vec<String> = daftar_domain::helpdesk::Category::ALL
            .iter()
            .map(|c| c.code().to_owned())
            .filter(|c| {
                self.counts
                    .iter()
                    .any(|f| f.metric == Metric::Complaints && f.key == *c)
            })
            .collect();
        let m = daftar_domain::dashboard::sum_by(
            &self.counts,
            |f| f.metric == Metric::Complaints,
            |f| f.key.clone(),
        );
        let complaints: Vec<u64> = categories
            .iter()
            .map(|c| m.get(c).copied().unwrap_or(0))
            .collect();
        out.push(Section {
            id: "dash-complaints".into(),
            title: tr.t("dashboard-chart-complaints"),
            desc: tr.t("dashboard-chart-complaints-desc"),
            label_header: tr.t("dashboard-category"),
            labels: categories
                .iter()
                .map(|c| tr.t(&format!("helpdesk-category-{c}")))
                .collect(),
            codes: categories.clone(),
            columns: vec![column(
                "complaints",
                tr.t("dashboard-complaints"),
                &protect(&complaints, suppress),
            )],
            kind: Kind::Bar,
            unit: Unit::Count,
        });
        out
    }
}

fn level_header(level: Level) -> &'static str {
    match level {
        Level::Province => "round-province",
        Level::District => "round-district",
        Level::Office => "office-code",
    }
}

/// A figure as shown.
fn figure(tr: &Tr, unit: Unit, v: f64) -> String {
    match unit {
        Unit::Count => tr.num(v.round() as u64),
        Unit::Rials => tr.rials(v.round() as u64),
        Unit::Share => crate::features::kpi::percent(tr, v),
    }
}

impl Section {
    /// The figure and table (empty when the section has no line).
    fn render(&self, tr: &Tr, rtl: bool) -> String {
        if self.labels.is_empty() {
            return String::new();
        }
        let chart = Chart {
            id: self.id.clone(),
            title: self.title.clone(),
            desc: self.desc.clone(),
            label_header: self.label_header.clone(),
            labels: self.labels.clone(),
            series: self
                .columns
                .iter()
                .map(|c| Series {
                    name: c.name.clone(),
                    values: c.cells.clone(),
                })
                .collect(),
            kind: self.kind,
            rtl,
        };
        let totals: Vec<Option<f64>> = self.columns.iter().map(|c| c.total).collect();
        let unit = self.unit;
        chart.render_with_total(
            &|v| figure(tr, unit, v),
            &tr.t("dashboard-withheld"),
            Some((&tr.t("round-total"), &totals)),
        )
    }
}

/// A month to pick.
struct MonthOption {
    code: String,
    label: String,
}

/// A link one level down, or up.
struct Link {
    label: String,
    href: String,
}

#[derive(Template)]
#[template(path = "dashboard/page.html")]
struct Page {
    page: PageCtx,
    months: Vec<MonthOption>,
    from: String,
    to: String,
    wide: bool,
    provinces: Vec<(String, bool)>,
    districts: Vec<(String, bool)>,
    offices: Vec<(String, String, bool)>,
    province: String,
    district: String,
    office: String,
    trail: Vec<Link>,
    down: Vec<Link>,
    rounds: Vec<(String, String, String)>,
    sections: Vec<String>,
    suppressed: bool,
    query: String,
    empty: bool,
}

fn query_of(
    f: &Filter,
    province: Option<&str>,
    district: Option<&str>,
    office: Option<&str>,
) -> String {
    let mut pairs = vec![("from", f.from.code()), ("to", f.to.code())];
    if let Some(p) = province {
        pairs.push(("province", p.to_owned()));
    }
    if let Some(d) = district {
        pairs.push(("district", d.to_owned()));
    }
    if let Some(o) = office {
        pairs.push(("office", o.to_owned()));
    }
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DashQuery>,
) -> WebResult<Response> {
    let ctx = PageCtx::new(&state, &staff.ctx);
    let tr = ctx.tr.clone();
    let data = load(&state, &staff, &q, tr.locale.tag).await?;
    let suppressed = data.audience.suppressed();
    let rtl = ctx.locale.dir == "rtl";
    let sections = data.sections(&tr, suppressed);
    let empty = data.cases.is_empty() && data.counts.is_empty() && data.coverage.is_empty();
    let rendered = sections.iter().map(|s| s.render(&tr, rtl)).collect();
    let f = &data.filter;
    let wide = !matches!(data.audience, Audience::Office(_));
    let current = SolarMonth::of(state.today());
    let months = current
        .last(daftar_domain::dashboard::MAX_MONTHS)
        .into_iter()
        .rev()
        .map(|m| MonthOption {
            code: m.code(),
            label: m.label(tr.locale.tag),
        })
        .collect();
    let mut provinces: Vec<String> = data.offices.iter().map(|o| o.province.clone()).collect();
    provinces.dedup();
    let province = f.province.clone().unwrap_or_default();
    let district = f.district.clone().unwrap_or_default();
    let office = f.office.clone().unwrap_or_default();
    let mut districts: Vec<String> = data
        .offices
        .iter()
        .filter(|o| o.province == province)
        .map(|o| o.district.clone())
        .collect();
    districts.dedup();
    let offices: Vec<(String, String, bool)> = data
        .offices
        .iter()
        .filter(|o| !district.is_empty() && o.province == province && o.district == district)
        .map(|o| {
            (
                o.code.as_str().to_owned(),
                format!("{} {}", o.code.as_str(), o.name_in(tr.locale.tag)),
                o.code.as_str() == office,
            )
        })
        .collect();
    // Where we are, and one level down.
    let mut trail = vec![];
    if wide {
        trail.push(Link {
            label: tr.t("dashboard-country"),
            href: format!("/dashboard?{}", query_of(f, None, None, None)),
        });
        if let Some(p) = &f.province {
            trail.push(Link {
                label: p.clone(),
                href: format!("/dashboard?{}", query_of(f, Some(p), None, None)),
            });
            if let Some(d) = &f.district {
                trail.push(Link {
                    label: d.clone(),
                    href: format!("/dashboard?{}", query_of(f, Some(p), Some(d), None)),
                });
            }
        }
    }
    let down = if wide && f.office.is_none() {
        data.places()
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(|p| {
                let href = match f.level() {
                    Level::Province => query_of(f, Some(&p), None, None),
                    Level::District => query_of(f, f.province.as_deref(), Some(&p), None),
                    Level::Office => {
                        query_of(f, f.province.as_deref(), f.district.as_deref(), Some(&p))
                    }
                };
                Link {
                    label: data.place_label(&tr, &p),
                    href: format!("/dashboard?{href}"),
                }
            })
            .collect()
    } else {
        vec![]
    };
    let rounds = data
        .coverage
        .iter()
        .map(|r| {
            let expected: u64 = r.places.iter().map(|p| p.expected).sum();
            let renewed: u64 = r.places.iter().map(|p| p.renewed).sum();
            let shown = protect(&[expected], suppressed).total.is_some()
                && protect(&[renewed], suppressed).total.is_some();
            (
                r.id.to_string(),
                r.name.clone(),
                match rate(Some(renewed), Some(expected)) {
                    Some(v) if shown => crate::features::kpi::percent(&tr, v),
                    Some(_) => tr.t("dashboard-withheld"),
                    None => tr.t("kpi-none"),
                },
            )
        })
        .collect();
    let query = query_of(
        f,
        f.province.as_deref(),
        f.district.as_deref(),
        f.office.as_deref(),
    );
    Ok(render(
        StatusCode::OK,
        &Page {
            months,
            from: f.from.code(),
            to: f.to.code(),
            wide,
            provinces: provinces
                .into_iter()
                .map(|p| {
                    let sel = p == province;
                    (p, sel)
                })
                .collect(),
            districts: districts
                .into_iter()
                .map(|d| {
                    let sel = d == district;
                    (d, sel)
                })
                .collect(),
            offices,
            province,
            district,
            office,
            trail,
            down,
            rounds,
            sections: rendered,
            suppressed,
            query,
            empty,
            page: ctx,
        },
    ))
}
