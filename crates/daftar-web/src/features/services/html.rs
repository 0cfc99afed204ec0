//! Catalog and calendar pages: public lists, and for `catalog.manage` holders the service
//! editor (the definition as TOML, validated on save, with version check) and holiday forms.

use super::api::{NewHoliday, checked_holiday};
use crate::auth::{CsrfForm, Ctx, Staff};
use crate::error::WebResult;
use crate::extract::Path;
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use daftar_domain::Error;
use daftar_domain::audit::purpose;
use daftar_domain::calendar::{Holiday, HolidayKind};
use daftar_domain::jalali::JalaliDate;
use daftar_domain::permission::Permission;
use daftar_domain::service::ServiceNote;
use daftar_domain::service::{ServiceDef, ServiceRecord, ServiceVersion};
use serde::Deserialize;

fn can_manage(ctx: &crate::context::RequestCtx) -> bool {
    ctx.auth
        .as_ref()
        .filter(|a| !a.mfa_pending())
        .is_some_and(|a| a.principal.has(Permission::CatalogManage))
}

/// Fee of a service for a year, as text.
pub(crate) fn fee_text(page: &PageCtx, def: &ServiceDef, year: i32) -> String {
    if def.fees.is_empty() {
        return page.t("service-fee-free");
    }
    def.fees
        .iter()
        .map(|f| {
            let amount = match f.amount(year) {
                Ok(r) => page.tr.rials(r),
                Err(_) => "—".to_owned(),
            };
            // A line charged once per member of a household says so (issue 21.9).
            let each = if f.per_member {
                format!(" ({})", page.t("fee-per-person"))
            } else {
                String::new()
            };
            format!("{}: {amount}{each}", f.names.get(page.locale.tag))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

#[derive(Template)]
#[template(path = "services/list.html")]
struct ListPage {
    page: PageCtx,
    rows: Vec<(ServiceRecord, String)>,
    year: i32,
}

pub async fn list(State(state): State<AppState>, Ctx(ctx): Ctx) -> WebResult<Response> {
    let services = state.db(|s| s.services()).await?;
    let page = PageCtx::new(&state, &ctx);
    let year = JalaliDate::from_iso(state.today()).year();
    let mut rows: Vec<(ServiceRecord, String)> = services
        .into_iter()
        .map(|r| {
            let fee = fee_text(&page, &r.definition, year);
            (r, fee)
        })
        .collect();
    // For people: by the name they read, in their alphabet's order (not by internal code).
    rows.sort_by_cached_key(|(r, _)| {
        daftar_domain::collate::sort_key(r.definition.names.get(page.locale.tag))
    });
    Ok(render(StatusCode::OK, &ListPage { page, rows, year }))
}

#[derive(Template)]
#[template(path = "services/show.html")]
struct ShowPage {
    page: PageCtx,
    r: ServiceRecord,
    fee: String,
    year: i32,
    history: Vec<ServiceVersion>,
    can_manage: bool,
    toml: String,
    note: String,
    error: Option<String>,
}

async fn show_page(
    state: &AppState,
    ctx: &crate::context::RequestCtx,
    code: String,
    edit: Option<(String, String, String)>,
) -> WebResult<Response> {
    let c2 = code.clone();
    let r = state.db(move |s| s.service(&c2)).await?;
    let history = state.db(move |s| s.service_history(&code)).await?;
    let page = PageCtx::new(state, ctx);
    let year = JalaliDate::from_iso(state.today()).year();
    let fee = fee_text(&page, &r.definition, year);
    let status = if edit.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (toml, note, error) = match edit {
        Some((t, n, e)) => (t, n, Some(e)),
        None => (
            toml::to_string(&r.definition).unwrap_or_default(),
            String::new(),
            None,
        ),
    };
    Ok(render(
        status,
        &ShowPage {
            can_manage: can_manage(ctx),
            page,
            r,
            fee,
            year,
            history,
            toml,
            note,
            error,
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(code): Path<String>,
) -> WebResult<Response> {
    show_page(&state, &ctx, code, None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EditForm {
    definition: String,
    version: String,
    note: String,
}

pub async fn update(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> WebResult<Response> {
    let reach = staff.principal().reach(Permission::CatalogManage)?;
    let version = crate::conditional::parse(&form.version)?;
    let parsed: Result<ServiceDef, Error> = toml::from_str::<ServiceDef>(&form.definition)
        .map_err(|e| {
            Error::invalid("service.definition.invalid")
                .with_detail("reason", serde_json::json!(e.message()))
        })
        .and_then(|d| {
            if d.code.as_str() == code {
                Ok(d)
            } else {
                Err(Error::invalid("service.code.mismatch"))
            }
        });
    let result = match parsed {
        Ok(def) => {
            let ctx = staff.audit(purpose::ADMINISTRATION);
            match ServiceNote::optional(&form.note, "service.note.invalid", "note") {
                Ok(note) => {
                    state
                        .db(move |s| s.update_service(&ctx, &reach, &def, version, &note))
                        .await
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/services/{code}")).into_response()),
        Err(e) if e.kind.status() < 500 && e.kind.status() != 403 => {
            let tr = crate::i18n::Tr::new(state.i18n.clone(), staff.ctx.locale);
            let mut msg = tr.error(e.code);
            if let Some(r) = e.details.get("reason").and_then(|v| v.as_str()) {
                msg = format!("{msg} ({r})");
            }
            show_page(
                &state,
                &staff.ctx,
                code,
                Some((form.definition, form.note, msg)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "services/calendar.html")]
struct CalendarPage {
    page: PageCtx,
    weekend: String,
    years: (i32, i32),
    holidays: Vec<Holiday>,
    can_manage: bool,
    error: Option<String>,
}

async fn calendar_page(
    state: &AppState,
    ctx: &crate::context::RequestCtx,
    error: Option<String>,
) -> Response {
    let c = state.calendar();
    let page = PageCtx::new(state, ctx);
    let weekend = c
        .weekend()
        .iter()
        .map(|w| page.tk("weekday", &w.to_string().to_lowercase()))
        .collect::<Vec<_>>()
        .join("، ");
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(
        status,
        &CalendarPage {
            page,
            weekend,
            years: c.years(),
            holidays: c.holidays().to_vec(),
            can_manage: can_manage(ctx),
            error,
        },
    )
}

pub async fn calendar(State(state): State<AppState>, Ctx(ctx): Ctx) -> Response {
    calendar_page(&state, &ctx, None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HolidayForm {
    date: String,
    name_fa: String,
    name_en: String,
    kind: String,
}

pub async fn set_holiday(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<HolidayForm>,
) -> WebResult<Response> {
    let reach = staff.principal().reach(Permission::CatalogManage)?;
    let view = NewHoliday {
        date: form.date,
        name_fa: form.name_fa,
        name_en: form.name_en,
        kind: if form.kind == "lunar" {
            HolidayKind::Lunar
        } else {
            HolidayKind::Fixed
        },
    };
    let h = match checked_holiday(&state, &view) {
        Ok(h) => h,
        Err(e) => {
            let tr = crate::i18n::Tr::new(state.i18n.clone(), staff.ctx.locale);
            return Ok(calendar_page(&state, &staff.ctx, Some(tr.error(e.code))).await);
        }
    };
    let ctx = staff.audit(purpose::ADMINISTRATION);
    state.db(move |s| s.set_holiday(&ctx, &reach, &h)).await?;
    state.reload_calendar().await?;
    Ok(Redirect::to("/calendar").into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RemoveForm {
    date: String,
}

pub async fn remove_holiday(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<RemoveForm>,
) -> WebResult<Response> {
    let reach = staff.principal().reach(Permission::CatalogManage)?;
    let day = JalaliDate::parse(&form.date)?.iso();
    let ctx = staff.audit(purpose::ADMINISTRATION);
    state
        .db(move |s| s.remove_holiday(&ctx, &reach, day))
        .await?;
    state.reload_calendar().await?;
    Ok(Redirect::to("/calendar").into_response())
}
