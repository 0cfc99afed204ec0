//! The public directory of offices (issue 18.7): every office by province and district with
//! its name in the page's language, its public address, whether it serves today (office status
//! and licence), its hours and the services its licence allows. No login; office records only (no staff, no
//! persons), and no map: districts are listed, not located.

use crate::auth::Ctx;
use crate::error::WebResult;
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

/// One office, ready to show.
struct Entry {
    code: String,
    name: String,
    district: String,
    address: Option<String>,
    serving: bool,
    standing: String,
    services: Vec<String>,
}

/// A province's offices.
struct Province {
    name: String,
    offices: Vec<Entry>,
}

#[derive(Template)]
#[template(path = "offices/directory.html")]
struct DirectoryPage {
    page: PageCtx,
    provinces: Vec<Province>,
    hours: String,
}

/// `GET /directory`.
pub async fn page(State(state): State<AppState>, Ctx(ctx): Ctx) -> WebResult<Response> {
    let (entries, services) = state
        .db(|s| Ok((s.office_directory()?, s.services()?)))
        .await?;
    let page = PageCtx::new(&state, &ctx);
    let locale = page.locale.tag;
    let service_name = |code: &str| {
        services
            .iter()
            .find(|r| r.definition.code.as_str() == code)
            .map_or_else(
                || code.to_owned(),
                |r| r.definition.names.get(locale).to_owned(),
            )
    };
    let mut provinces: Vec<Province> = vec![];
    for e in entries {
        let entry = Entry {
            code: e.office.code.as_str().to_owned(),
            name: e.office.name_in(locale).to_owned(),
            district: e.office.district.clone(),
            address: e.address.clone(),
            serving: e.serving,
            standing: page
                .tr
                .t(&format!("licence-standing-{}", e.standing.code())),
            services: e.services.iter().map(|c| service_name(c)).collect(),
        };
        match provinces.last_mut() {
            Some(p) if p.name == e.office.province => p.offices.push(entry),
            _ => provinces.push(Province {
                name: e.office.province.clone(),
                offices: vec![entry],
            }),
        }
    }
    let rules = &state.profile.calendar.appointments;
    let hours = page.tr.digits(&format!("{}–{}", rules.open, rules.close));
    Ok(render(
        StatusCode::OK,
        &DirectoryPage {
            page,
            provinces,
            hours,
        },
    ))
}
