//! Public information (issue 20.6): a printable poster (A4) and leaflet (A5) per service,
//! generated from the catalog — who may apply, the documents to bring, the steps and their
//! working days, the published fee of the year, where to go (the offices whose licence allows
//! the service, by province) and the open rounds that use it — in Persian, Dari and Pashto (and
//! English; `?lang=`), whatever the reader's own language; and an index (`/information`) with the open
//! rounds' dates. No login: catalog, office and round records only, never a person.

use crate::auth::Ctx;
use crate::error::WebResult;
use crate::extract::{Path, Query};
use crate::i18n::{LOCALES, LocaleInfo};
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use daftar_domain::Error;
use daftar_domain::jalali::{JalaliDate, iso_day};
use daftar_domain::licence::DirectoryEntry;
use daftar_domain::round::Round;
use daftar_domain::service::{ServiceDef, ServiceRecord};
use serde::Deserialize;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/information", get(index))
        .route("/information/{code}/{format}", get(sheet))
}

/// What is printed: a poster (A4) or a leaflet (A5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Poster,
    Leaflet,
}

impl Format {
    fn parse(s: &str) -> Result<Self, Error> {
        match s {
            "poster" => Ok(Self::Poster),
            "leaflet" => Ok(Self::Leaflet),
            _ => Err(Error::not_found("information.format.not_found")),
        }
    }
    fn code(self) -> &'static str {
        match self {
            Self::Poster => "poster",
            Self::Leaflet => "leaflet",
        }
    }
}

/// `?lang=fa-AF&province=تهران`.
#[derive(Debug, Default, Deserialize)]
pub struct SheetQuery {
    /// The language printed (default: the reader's).
    #[serde(default)]
    lang: String,
    /// The province whose offices are listed (default: the offices' count per province).
    #[serde(default)]
    province: String,
}

/// A round as the public sees it.
struct RoundLine {
    name: String,
    opens_on: String,
    closes_on: String,
    services: String,
}

fn open_rounds(rounds: &[Round], today: time::Date) -> impl Iterator<Item = &Round> {
    rounds.iter().filter(move |r| r.closes_on >= today)
}

fn round_line(page: &PageCtx, r: &Round, names: &dyn Fn(&str) -> String) -> RoundLine {
    RoundLine {
        name: r.name.clone(),
        opens_on: page.tr.date(&iso_day(r.opens_on)),
        closes_on: page.tr.date(&iso_day(r.closes_on)),
        services: r
            .services
            .iter()
            .map(|c| names(c.as_str()))
            .collect::<Vec<_>>()
            .join("، "),
    }
}

/// One service's line of the index.
struct IndexRow {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "information/index.html")]
struct IndexPage {
    page: PageCtx,
    services: Vec<IndexRow>,
    rounds: Vec<RoundLine>,
    languages: &'static [LocaleInfo],
}

/// `GET /information`.
async fn index(State(state): State<AppState>, Ctx(ctx): Ctx) -> WebResult<Response> {
    let (services, rounds) = state.db(|s| Ok((s.services()?, s.rounds()?))).await?;
    let page = PageCtx::new(&state, &ctx);
    let loc = page.locale.tag;
    let names = service_names(&services, loc);
    let mut rows: Vec<IndexRow> = services
        .iter()
        .map(|r| IndexRow {
            code: r.definition.code.as_str().to_owned(),
            name: r.definition.names.get(loc).to_owned(),
        })
        .collect();
    rows.sort_by_cached_key(|r| daftar_domain::collate::sort_key(&r.name));
    let rounds = open_rounds(&rounds, state.today())
        .map(|r| round_line(&page, r, &names))
        .collect();
    Ok(render(
        StatusCode::OK,
        &IndexPage {
            page,
            services: rows,
            rounds,
            languages: &LOCALES,
        },
    ))
}

fn service_names<'a>(services: &'a [ServiceRecord], loc: &'a str) -> impl Fn(&str) -> String + 'a {
    move |code: &str| {
        services
            .iter()
            .find(|r| r.definition.code.as_str() == code)
            .map_or_else(
                || code.to_owned(),
                |r| r.definition.names.get(loc).to_owned(),
            )
    }
}

/// A step as printed.
struct StepLine {
    name: String,
    days: String,
}

/// Where to go: a province with its offices (when one is chosen) or their number.
struct Place {
    province: String,
    count: String,
    offices: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "information/sheet.html")]
struct SheetPage {
    page: PageCtx,
    format: &'static str,
    code: String,
    name: String,
    who: String,
    documents: Vec<String>,
    steps: Vec<StepLine>,
    total_days: String,
    fee: String,
    year: String,
    portal: bool,
    places: Vec<Place>,
    province: String,
    province_q: String,
    rounds: Vec<RoundLine>,
    printed_on: String,
    languages: &'static [LocaleInfo],
}

/// Who may apply, in words: the applicant, the statuses and the ages.
fn who(page: &PageCtx, def: &ServiceDef) -> String {
    let mut parts = vec![page.tk("applicant", def.applicant.code())];
    let statuses: Vec<String> = def
        .eligibility
        .statuses
        .iter()
        .map(|s| page.tk("person-status", s.code()))
        .collect();
    if !statuses.is_empty() {
        parts.push(statuses.join("، "));
    }
    if let Some(a) = def.eligibility.min_age {
        parts.push(format!("{} {}", page.t("service-min-age"), page.tr.num(a)));
    }
    if let Some(a) = def.eligibility.max_age {
        parts.push(format!("{} {}", page.t("service-max-age"), page.tr.num(a)));
    }
    if def.household {
        parts.push(page.t("service-household"));
    }
    parts.join(" · ")
}

/// The offices whose licence allows `code` and that serve today, by province: with their names
/// for `province`, counted for the others.
fn places(page: &PageCtx, dir: &[DirectoryEntry], code: &str, province: &str) -> Vec<Place> {
    let loc = page.locale.tag;
    let mut out: Vec<Place> = vec![];
    let mut counts: Vec<(String, u64)> = vec![];
    for e in dir
        .iter()
        .filter(|e| e.serving && (e.services.is_empty() || e.services.iter().any(|s| s == code)))
    {
        match counts.last_mut() {
            Some((p, n)) if *p == e.office.province => *n += 1,
            _ => counts.push((e.office.province.clone(), 1)),
        }
        if e.office.province == province {
            match out.last_mut() {
                Some(p) => p
                    .offices
                    .push((e.office.name_in(loc).to_owned(), e.office.district.clone())),
                None => out.push(Place {
                    province: province.to_owned(),
                    count: String::new(),
                    offices: vec![(e.office.name_in(loc).to_owned(), e.office.district.clone())],
                }),
            }
        }
    }
    if !out.is_empty() {
        return out;
    }
    counts
        .into_iter()
        .map(|(province, n)| Place {
            province,
            count: page.tr.num(n),
            offices: vec![],
        })
        .collect()
}

/// `GET /information/{code}/{poster|leaflet}?lang=&province=`.
async fn sheet(
    State(state): State<AppState>,
    Ctx(mut ctx): Ctx,
    Path((code, format)): Path<(String, String)>,
    Query(q): Query<SheetQuery>,
) -> WebResult<Response> {
    let format = Format::parse(&format)?;
    if !q.lang.is_empty() {
        ctx.locale = crate::i18n::locale_info(&q.lang)
            .ok_or_else(|| Error::invalid("information.lang.invalid").with_field("lang"))?;
    }
    let (services, dir, rounds) = state
        .db(|s| Ok((s.services()?, s.office_directory()?, s.rounds()?)))
        .await?;
    // The service is one of the catalogue the page lists anyway.
    let record = services
        .iter()
        .find(|r| r.definition.code.as_str() == code)
        .ok_or_else(|| Error::not_found("service.not_found"))?;
    let page = PageCtx::new(&state, &ctx);
    let loc = page.locale.tag;
    let def = &record.definition;
    let today = state.today();
    let year = JalaliDate::from_iso(today).year();
    let mut documents: Vec<String> = vec![];
    for d in def.steps.iter().flat_map(|s| &s.documents) {
        let name = page.tk("evidence", d.code());
        if !documents.contains(&name) {
            documents.push(name);
        }
    }
    let steps = def
        .steps
        .iter()
        .map(|s| StepLine {
            name: s.names.get(loc).to_owned(),
            days: page.tr.num(u64::from(s.sla_days)),
        })
        .collect();
    let total: u64 = def.steps.iter().map(|s| u64::from(s.sla_days)).sum();
    let names = service_names(&services, loc);
    let rounds = open_rounds(&rounds, today)
        .filter(|r| r.services.iter().any(|s| s.as_str() == code))
        .map(|r| round_line(&page, r, &names))
        .collect();
    let places = places(&page, &dir, &code, q.province.trim());
    Ok(render(
        StatusCode::OK,
        &SheetPage {
            format: format.code(),
            name: def.names.get(loc).to_owned(),
            who: who(&page, def),
            documents,
            steps,
            total_days: page.tr.num(total),
            fee: crate::features::services::html_fee_text(&page, def, year),
            year: page.tr.year(year),
            portal: def.portal,
            places,
            province: q.province.trim().to_owned(),
            province_q: if q.province.trim().is_empty() {
                String::new()
            } else {
                format!(
                    "&{}",
                    serde_urlencoded::to_string([("province", q.province.trim())])
                        .unwrap_or_default()
                )
            },
            rounds,
            printed_on: page.tr.date(&iso_day(today)),
            languages: &LOCALES,
            code,
            page,
        },
    ))
}
