//! `/api/v1/services` (public) and `/api/v1/calendar`.

use crate::auth::Staff;
use crate::conditional::{etag, if_match};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use daftar_domain::audit::purpose;
use daftar_domain::calendar::{Holiday, HolidayKind};
use daftar_domain::jalali::JalaliDate;
use daftar_domain::permission::Permission;
use daftar_domain::service::ServiceNote;
use daftar_domain::service::{ServiceDef, ServiceRecord, ServiceVersion};
use daftar_domain::{Error, Result};
use serde::{Deserialize, Serialize};

/// Every service with names, steps, documents and fees. No login needed.
#[utoipa::path(get, path = "/api/v1/services", tag = "services",
    responses((status = 200, body = Vec<ServiceRecord>)))]
pub async fn list(State(state): State<AppState>) -> WebResult<axum::Json<Vec<ServiceRecord>>> {
    Ok(axum::Json(state.db(|s| s.services()).await?))
}

/// One service (current version); the `ETag` is its version. No login needed.
#[utoipa::path(get, path = "/api/v1/services/{code}", tag = "services",
    params(("code" = String, Path, description = "Service code")),
    responses((status = 200, body = ServiceRecord), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, Path(code): Path<String>) -> WebResult<Response> {
    let r = state.db(move |s| s.service(&code)).await?;
    Ok(([(header::ETAG, etag(r.version))], axum::Json(r)).into_response())
}

/// Every version of a service, newest first. No login needed.
#[utoipa::path(get, path = "/api/v1/services/{code}/history", tag = "services",
    params(("code" = String, Path, description = "Service code")),
    responses((status = 200, body = Vec<ServiceVersion>), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> WebResult<axum::Json<Vec<ServiceVersion>>> {
    Ok(axum::Json(
        state.db(move |s| s.service_history(&code)).await?,
    ))
}

/// A new version of a service (needs `catalog.manage` and `If-Match` with the current version).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ServiceUpdate {
    /// The full definition; its code must be the path's.
    pub definition: ServiceDef,
    /// Why (kept in the history).
    #[serde(default)]
    pub note: String,
}

/// Replaces a service's definition. Audited.
#[utoipa::path(put, path = "/api/v1/services/{code}", tag = "services",
    params(("code" = String, Path, description = "Service code"), ("If-Match" = String, Header, description = "Current version")),
    request_body = ServiceUpdate,
    responses((status = 200, body = ServiceRecord), (status = 403, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    headers: HeaderMap,
    Json(u): Json<ServiceUpdate>,
) -> WebResult<Response> {
    let reach = staff.principal().reach(Permission::CatalogManage)?;
    let version = if_match(&headers)?;
    if u.definition.code.as_str() != code {
        return Err(Error::invalid("service.code.mismatch")
            .with_field("code")
            .into());
    }
    let note = ServiceNote::optional(&u.note, "service.note.invalid", "note")?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let r = state
        .db(move |s| s.update_service(&ctx, &reach, &u.definition, version, &note))
        .await?;
    Ok(([(header::ETAG, etag(r.version))], axum::Json(r)).into_response())
}

/// The calendar in force.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarView {
    /// Country.
    pub country: String,
    /// Weekend days (English names).
    pub weekend: Vec<String>,
    /// Covered Solar Hijri years.
    pub years: [i32; 2],
    /// Official holidays.
    pub holidays: Vec<HolidayView>,
}

/// A holiday with both calendars.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HolidayView {
    /// Solar Hijri date (`1404/01/01`).
    pub date: String,
    /// ISO date.
    pub iso: String,
    /// Persian name.
    pub name_fa: String,
    /// English name.
    pub name_en: String,
    /// `fixed` or `lunar`.
    pub kind: HolidayKind,
}

/// A holiday to add or rename.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewHoliday {
    /// Date, Solar Hijri (`1404/01/01`) or ISO, within the years the calendar covers.
    pub date: String,
    /// Persian name.
    pub name_fa: String,
    /// English name.
    pub name_en: String,
    /// `fixed` or `lunar`.
    pub kind: HolidayKind,
}

fn holiday_view(h: &Holiday) -> HolidayView {
    HolidayView {
        date: h.date.to_string(),
        iso: h.date.iso_string(),
        name_fa: h.name_fa.clone(),
        name_en: h.name_en.clone(),
        kind: h.kind,
    }
}

/// Weekend, covered years and holidays. No login needed.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "services",
    responses((status = 200, body = CalendarView)))]
pub async fn calendar(State(state): State<AppState>) -> axum::Json<CalendarView> {
    let c = state.calendar();
    axum::Json(CalendarView {
        country: c.country().to_owned(),
        weekend: c
            .weekend()
            .iter()
            .map(|w| w.to_string().to_lowercase())
            .collect(),
        years: [c.years().0, c.years().1],
        holidays: c.holidays().iter().map(holiday_view).collect(),
    })
}

/// Checks a holiday from a form or the API: a real date within the covered years, names given.
pub(super) fn checked_holiday(state: &AppState, h: &NewHoliday) -> Result<Holiday> {
    let date = JalaliDate::parse(&h.date).map_err(|e| e.with_field("date"))?;
    let (y0, y1) = state.calendar().years();
    if !(y0..=y1).contains(&date.year()) {
        return Err(Error::conflict("calendar.date.out_of_range").with_field("date"));
    }
    let (fa, en) = (h.name_fa.trim(), h.name_en.trim());
    if fa.is_empty() || en.is_empty() || fa.chars().count() > 200 || en.chars().count() > 200 {
        return Err(Error::invalid("holiday.name.required").with_field("name_fa"));
    }
    Ok(Holiday {
        date,
        name_fa: fa.to_owned(),
        name_en: en.to_owned(),
        kind: h.kind,
    })
}

/// Adds or renames a holiday (`catalog.manage`). Audited.
#[utoipa::path(post, path = "/api/v1/calendar/holidays", tag = "services", request_body = NewHoliday,
    responses((status = 201, body = CalendarView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_holiday(
    State(state): State<AppState>,
    staff: Staff,
    Json(h): Json<NewHoliday>,
) -> WebResult<(StatusCode, axum::Json<CalendarView>)> {
    let reach = staff.principal().reach(Permission::CatalogManage)?;
    let h = checked_holiday(&state, &h)?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    state.db(move |s| s.set_holiday(&ctx, &reach, &h)).await?;
    state.reload_calendar().await?;
    Ok((StatusCode::CREATED, calendar(State(state)).await))
}

/// Removes a holiday (`catalog.manage`). Audited.
#[utoipa::path(delete, path = "/api/v1/calendar/holidays/{date}", tag = "services",
    params(("date" = String, Path, description = "Solar Hijri or ISO date")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn remove_holiday(
    State(state): State<AppState>,
    staff: Staff,
    Path(date): Path<String>,
) -> WebResult<StatusCode> {
    let reach = staff.principal().reach(Permission::CatalogManage)?;
    let day = JalaliDate::parse(&date)
        .map_err(|e| e.with_field("date"))?
        .iso();
    let ctx = staff.audit(purpose::ADMINISTRATION);
    state
        .db(move |s| s.remove_holiday(&ctx, &reach, day))
        .await?;
    state.reload_calendar().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A due-date question.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DueQuery {
    /// Start day (Solar Hijri or ISO).
    pub from: String,
    /// Working days.
    pub days: u32,
}

/// The answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DueAnswer {
    /// Due date, Solar Hijri.
    pub due: String,
    /// Due date, ISO.
    pub due_iso: String,
}

/// The SLA due date `days` working days after `from`. No login needed.
#[utoipa::path(get, path = "/api/v1/calendar/due", tag = "services", params(DueQuery),
    responses((status = 200, body = DueAnswer), (status = 422, body = ErrorBody)))]
pub async fn due(
    State(state): State<AppState>,
    Query(q): Query<DueQuery>,
) -> WebResult<axum::Json<DueAnswer>> {
    let from = JalaliDate::parse(&q.from).map_err(|e| e.with_field("from"))?;
    if q.days > 365 {
        return Err(Error::invalid("calendar.days.invalid")
            .with_field("days")
            .into());
    }
    let d = JalaliDate::from_iso(state.calendar().add_working_days(from.iso(), q.days)?);
    Ok(axum::Json(DueAnswer {
        due: d.to_string(),
        due_iso: d.iso_string(),
    }))
}
