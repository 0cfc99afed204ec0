//! The applicant's slip of a case and its appointment: what the applicant takes home (office,
//! appointment day and time, the published fees, receipts, documents to bring, the timeline
//! without staff names), printed at the counter (`/offices/{o}/cases/{id}/slip`) or from the
//! portal (`/portal/cases/{id}`); and booking the appointment within the office's hours and
//! capacity (profile data, `[appointments]` in `calendar.toml`).

use crate::auth::scope::{PersonRead, PersonWrite};
use crate::auth::{CsrfForm, InOffice};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path, Query};
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use daftar_domain::appointment::Appointment;
use daftar_domain::audit::{AuditCtx, purpose};
use daftar_domain::case::CaseView;
use daftar_domain::ids::{CaseId, OfficeId, PersonId};
use daftar_domain::jalali::JalaliDate;
use daftar_domain::permission::OfficeScope;
use daftar_domain::{Error, Result};
use serde::{Deserialize, Serialize};

/// Where the slip's links go.
pub struct SlipLinks {
    /// "Back".
    pub back: String,
    /// The booking form's action.
    pub book: String,
    /// Where staff record the person's arrival (none on the portal).
    pub arrive: Option<String>,
}

/// A booking: `day` as ISO or Solar Hijri (Persian digits accepted), `slot` as `HH:MM`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BookForm {
    /// Day, `1405/09/20` or `2026-12-11`.
    pub day: String,
    /// Slot start, `08:30`.
    pub slot: String,
}

/// One line of the timeline.
pub struct EventLine {
    at: String,
    what: String,
}

/// The slip page.
#[derive(Template)]
#[template(path = "cases/slip.html")]
pub struct SlipPage {
    page: PageCtx,
    v: CaseView,
    links: SlipLinks,
    service: String,
    state: String,
    step: String,
    due: String,
    reject_reason: Option<String>,
    fees: Vec<(String, String)>,
    receipts: Vec<(String, String, String)>,
    documents: Vec<String>,
    office: String,
    appointment: Option<String>,
    /// The appointment is today and the person's arrival is not recorded yet.
    arrival_due: bool,
    /// The person's arrival was recorded (when).
    arrived: Option<String>,
    days: Vec<(String, String)>,
    slots: Vec<String>,
    error: Option<String>,
    events: Vec<EventLine>,
}

fn parse_day(s: &str) -> Result<time::Date> {
    let t = daftar_domain::digits::fold_digits(s.trim());
    if let Ok(d) = time::Date::parse(
        &t,
        time::macros::format_description!("[year]-[month]-[day]"),
    ) {
        return Ok(d);
    }
    JalaliDate::parse(&t)
        .map(|j| j.iso())
        .map_err(|_| Error::invalid("date.invalid").with_field("day"))
}

/// Checks a booking against the profile's rules and stores it.
pub async fn book_appointment(
    state: &AppState,
    ctx: AuditCtx,
    scope: OfficeScope,
    case: CaseId,
    f: &BookForm,
) -> Result<Appointment> {
    let rules = state.profile.calendar.appointments.clone();
    let day = parse_day(&f.day)?;
    let slot = f.slot.trim().to_owned();
    rules.check(&state.calendar(), state.today(), day, &slot)?;
    state
        .db(move |s| s.book_appointment(&ctx, &scope, case, day, &slot, rules.per_slot))
        .await
}

/// Builds the slip of case `id` (read with `scope`); with `owner`, only if that person is the
/// applicant or a member (`case.not_found` otherwise).
#[allow(clippy::too_many_arguments)]
pub async fn slip_page(
    state: &AppState,
    page: PageCtx,
    ctx: AuditCtx,
    scope: OfficeScope,
    id: CaseId,
    owner: Option<PersonId>,
    links: SlipLinks,
    error: Option<String>,
) -> Result<SlipPage> {
    let (v, office, appointment) = state
        .db(move |s| {
            // The owner's check is the store's, so a refusal is not audited as a read.
            let v = match owner {
                Some(p) => s.get_case_of(&ctx, &scope, id, p)?,
                None => s.get_case(&ctx, &scope, id)?,
            };
            let o = s.get_office(v.case.office_id)?;
            let a = s.case_appointment(id)?;
            Ok((v, o, a))
        })
        .await?;
    let tr = &page.tr;
    let locale = page.locale.tag;
    let jalali = |d: time::Date| tr.date(&daftar_domain::jalali::iso_day(d));
    let rules = &state.profile.calendar.appointments;
    let open = !v.case.state.is_final();
    Ok(SlipPage {
        service: v.definition.names.get(locale).to_owned(),
        state: tr.t(&format!("case-state-{}", v.case.state.code())),
        step: v
            .definition
            .steps
            .get(v.case.step)
            .map(|s| s.names.get(locale).to_owned())
            .unwrap_or_default(),
        due: v.case.due_on.map(jalali).unwrap_or_default(),
        reject_reason: v
            .case
            .reject_reason
            .map(|r| tr.t(&format!("reject-reason-{}", r.code()))),
        fees: v
            .fees_due
            .iter()
            .map(|f| (v.definition.fee_name(&f.code, locale), tr.rials(f.rials)))
            .collect(),
        receipts: v
            .payments
            .iter()
            .map(|p| {
                (
                    p.receipt_no.clone(),
                    tr.rials(p.rials),
                    format!("/receipts/{}", p.check_code),
                )
            })
            .collect(),
        // What to bring: the documents of this step and the ones after it.
        documents: {
            let mut docs: Vec<String> = vec![];
            for step in v.definition.steps.iter().skip(v.case.step) {
                for d in &step.documents {
                    let label = tr.t(&format!("evidence-{}", d.code()));
                    if !docs.contains(&label) {
                        docs.push(label);
                    }
                }
            }
            docs
        },
        office: format!("{} ({})", office.name_in(locale), office.code.as_str()),
        arrival_due: appointment
            .as_ref()
            .is_some_and(|a| a.attended_at.is_none() && a.day == state.today()),
        arrived: appointment
            .as_ref()
            .and_then(|a| a.attended_at)
            .map(|t| tr.datetime(&t)),
        appointment: appointment
            .map(|a| format!("{} — {}", jalali(a.day), tr.digits(&a.slot.to_string()))),
        days: if open {
            rules
                .days(&state.calendar(), state.today())
                .into_iter()
                .map(|d| (daftar_domain::jalali::iso_day(d), jalali(d)))
                .collect()
        } else {
            vec![]
        },
        slots: if open { rules.slots() } else { vec![] },
        error,
        events: v
            .events
            .iter()
            .map(|e| EventLine {
                at: tr.datetime(&e.at),
                what: tr.t(&format!("event-{}", e.kind.replace('.', "-"))),
            })
            .collect(),
        links,
        v,
        page,
    })
}

/// The slip as a response; a user error (4xx) is shown on it with its status.
#[allow(clippy::too_many_arguments)]
pub async fn render_slip(
    state: &AppState,
    req: &crate::context::RequestCtx,
    ctx: AuditCtx,
    scope: OfficeScope,
    id: CaseId,
    owner: Option<PersonId>,
    links: SlipLinks,
    error: Option<Error>,
) -> WebResult<Response> {
    let page = PageCtx::new(state, req);
    let status = error
        .as_ref()
        .and_then(|e| StatusCode::from_u16(e.kind.status()).ok())
        .unwrap_or(StatusCode::OK);
    let message = error.map(|e| page.tr.error(e.code));
    let body = slip_page(state, page, ctx, scope, id, owner, links, message).await?;
    Ok(render(status, &body))
}

fn links(office: OfficeId, id: CaseId) -> SlipLinks {
    SlipLinks {
        back: format!("/offices/{office}/cases/{id}"),
        book: format!("/offices/{office}/cases/{id}/appointment"),
        arrive: Some(format!("/offices/{office}/cases/{id}/appointment/arrived")),
    }
}

/// The slip at the counter.
pub async fn page(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_, id)): Path<(OfficeId, CaseId)>,
) -> WebResult<Response> {
    let ctx = at.staff.audit(purpose::SERVICE);
    let links = links(at.office_id(), id);
    render_slip(&state, &at.staff.ctx, ctx, at.scope, id, None, links, None).await
}

/// The booking form at the counter.
pub async fn book(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((_, id)): Path<(OfficeId, CaseId)>,
    CsrfForm(f): CsrfForm<BookForm>,
) -> WebResult<Response> {
    let done = book_appointment(&state, at.staff.audit(purpose::SERVICE), at.scope, id, &f).await;
    after_slip_change(&state, at, id, done.map(|_| ())).await
}

/// Back to the slip after a change at the counter; a refused change (a user's mistake, not a
/// fault or a refusal of access) is shown on the slip with its message.
async fn after_slip_change(
    state: &AppState,
    at: InOffice<PersonWrite>,
    id: CaseId,
    done: Result<()>,
) -> WebResult<Response> {
    let office = at.office_id();
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/offices/{office}/cases/{id}/slip")).into_response()),
        Err(e) if e.kind.status() < 500 && e.kind.status() != 403 => {
            let read = at
                .staff
                .principal()
                .scope(office, daftar_domain::permission::Permission::PersonRead)?;
            let ctx = at.staff.audit(purpose::SERVICE);
            render_slip(
                state,
                &at.staff.ctx,
                ctx,
                read,
                id,
                None,
                links(office, id),
                Some(e),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /offices/{o}/cases/{id}/appointment/arrived`: the clerk records that the person came
/// (only on the appointment's day, once; 409 otherwise, shown on the slip).
pub async fn arrived(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((_, id)): Path<(OfficeId, CaseId)>,
    CsrfForm(_): CsrfForm<crate::auth::NoFields>,
) -> WebResult<Response> {
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let done = state.db(move |s| s.record_arrival(&ctx, &scope, id)).await;
    after_slip_change(&state, at, id, done.map(|_| ())).await
}

/// Books (or moves) the appointment of a case: a working day from tomorrow up to the profile's
/// `days_ahead`, one of the office's slots, while places are left (409 `appointment.slot.full`).
/// Audited.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/cases/{case_id}/appointment", tag = "cases",
    params(("office_id" = String, Path, description = "Office id"), ("case_id" = String, Path, description = "Case id")),
    request_body = BookForm,
    responses((status = 200, body = Appointment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_book(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path(path): Path<(OfficeId, CaseId)>,
    Json(f): Json<BookForm>,
) -> WebResult<axum::Json<Appointment>> {
    let a = book_appointment(
        &state,
        at.staff.audit(purpose::SERVICE),
        at.scope,
        path.1,
        &f,
    )
    .await?;
    Ok(axum::Json(a))
}

/// `?day=`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct DayQuery {
    /// Day, ISO or Solar Hijri.
    pub day: String,
}

/// Places of one slot.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlotPlaces {
    /// Slot start, `HH:MM`.
    pub slot: String,
    /// Booked.
    pub booked: u32,
    /// Still free.
    pub free: u32,
}

/// The slots of a day at the office with booked and free places (no personal data).
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/appointments", tag = "cases",
    params(("office_id" = String, Path, description = "Office id"), DayQuery),
    responses((status = 200, body = Vec<SlotPlaces>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_slots(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Query(q): Query<DayQuery>,
) -> WebResult<axum::Json<Vec<SlotPlaces>>> {
    let day = parse_day(&q.day)?;
    let scope = at.scope;
    let booked = state.db(move |s| s.slot_bookings(&scope, day)).await?;
    let rules = &state.profile.calendar.appointments;
    Ok(axum::Json(
        rules
            .slots()
            .into_iter()
            .map(|slot| {
                let n = booked
                    .iter()
                    .find(|(s, _)| *s == slot)
                    .map_or(0, |(_, n)| *n);
                SlotPlaces {
                    free: rules.per_slot.saturating_sub(n),
                    booked: n,
                    slot,
                }
            })
            .collect(),
    ))
}
