//! The help desk (issue 20.4; rules in `daftar_domain::helpdesk`). A registered person files an
//! inquiry, a complaint about an office or its staff, or a report of exploitation on the portal
//! (`/portal/help`) and sees the answer there; staff with `helpdesk.answer` file on a caller's
//! or a visitor's behalf (`/helpdesk/new`: at the counter of any office, or by phone) and answer
//! what is routed to them (`/helpdesk`): an office its own inquiries and the discourtesy and
//! delay complaints about it, the authority everything else. An anonymous complainant is hidden
//! from the office complained about. JSON ([`api`]): `/api/v1/helpdesk/tickets…` for staff,
//! `/api/v1/portal/tickets…` for the person.

pub mod api;

use crate::auth::{CsrfForm, Staff};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Path, Query};
use crate::features::portal::{Me, me};
use crate::pages::{PageCtx, Pager, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use daftar_domain::audit::purpose;
use daftar_domain::helpdesk::{
    Category, Channel, NewTicket, Ticket, TicketDraft, TicketKind, TicketLine, may_answer,
    parse_answer,
};
use daftar_domain::ids::OfficeId;
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::{Permission, Reach};
use daftar_domain::store::Store;
use daftar_domain::{Error, Result};
use serde::Deserialize;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal/help", get(portal_page).post(portal_file))
        .route("/helpdesk", get(inbox).post(staff_file))
        .route("/helpdesk/new", get(new_page))
        .route("/helpdesk/status", get(status_page).post(status_check))
        .route("/helpdesk/{ticket_id}", get(show))
        .route("/helpdesk/{ticket_id}/answer", post(answer))
        .route("/helpdesk/{ticket_id}/forward", post(forward))
        .route("/api/v1/helpdesk/tickets", get(api_inbox).post(api::file))
        .route("/api/v1/helpdesk/tickets/{ticket_id}", get(api::show))
        .route(
            "/api/v1/helpdesk/tickets/{ticket_id}/answer",
            post(api::answer),
        )
        .route(
            "/api/v1/helpdesk/tickets/{ticket_id}/forward",
            post(api::forward),
        )
        .route(
            "/api/v1/portal/tickets",
            get(api::portal_list).post(api::portal_file),
        )
        .route("/api/v1/portal/tickets/{ticket_id}", get(api::portal_show))
}

/// The office whose tickets `staff` handles (`None`: authority roles, every ticket); refused
/// without `helpdesk.answer`.
fn viewer(staff: &Staff) -> Result<Option<OfficeId>> {
    match staff.principal().reach(Permission::HelpdeskAnswer)? {
        Reach::All(_) => Ok(None),
        Reach::Office(o) => Ok(Some(o.office_id())),
    }
}

/// The ticket form (portal and staff).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TicketForm {
    category: String,
    about_office: String,
    about_staff: String,
    body: String,
    anonymous: Option<String>,
    contact_name: String,
    contact_phone: String,
    channel: String,
}

impl TicketForm {
    fn draft(&self) -> Result<TicketDraft> {
        let about_office = match self.about_office.trim() {
            "" => None,
            s => Some(
                s.parse()
                    .map_err(|_| Error::invalid("office.id.invalid").with_field("about_office"))?,
            ),
        };
        Ok(TicketDraft {
            category: self.category.clone(),
            about_office,
            about_staff: self.about_staff.clone(),
            body: self.body.clone(),
            anonymous: self.anonymous.is_some(),
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
        })
    }
}

/// A ticket line or page as shown.
pub(crate) struct TicketRow {
    id: String,
    reference: String,
    kind: String,
    category: String,
    channel: String,
    state: String,
    overdue: bool,
    filed: String,
    due: String,
    about: String,
    about_staff: String,
    who: String,
    registry_no: String,
    phone: String,
    hidden: bool,
    route: String,
    body: String,
    answer: String,
    answered: String,
    answered_role: String,
}

fn row(
    page: &PageCtx,
    today: time::Date,
    t: &Ticket,
    names: &[(OfficeId, String)],
    viewer: Option<OfficeId>,
) -> TicketRow {
    let tr = &page.tr;
    let office = |o: Option<OfficeId>| {
        o.and_then(|o| {
            names
                .iter()
                .find(|(id, _)| *id == o)
                .map(|(_, n)| n.clone())
        })
        .unwrap_or_default()
    };
    TicketRow {
        id: t.id.clone(),
        reference: t.reference.clone(),
        kind: tr.t(&format!("helpdesk-kind-{}", t.kind.code())),
        category: tr.t(&format!("helpdesk-category-{}", t.category.code())),
        channel: tr.t(&format!("helpdesk-channel-{}", t.channel.code())),
        state: tr.t(&format!("helpdesk-state-{}", t.state.code())),
        overdue: t.overdue(today),
        filed: tr.datetime(&t.created_at),
        due: tr.date(&t.due_on.to_string()),
        about: office(t.about_office),
        about_staff: t.about_staff.clone(),
        who: t.name.clone(),
        registry_no: t.registry_no.clone(),
        phone: t.phone.clone(),
        hidden: t.hides_from(viewer) || (viewer.is_some() && t.anonymous && t.name.is_empty()),
        route: match t.route_office {
            Some(o) => office(Some(o)),
            None => tr.t("helpdesk-authority"),
        },
        body: t.body.clone(),
        answer: t.answer.clone(),
        answered: t.answered_at.map(|a| tr.datetime(&a)).unwrap_or_default(),
        answered_role: if t.answered_role.is_empty() {
            String::new()
        } else {
            tr.t(&format!("role-{}", t.answered_role))
        },
    }
}

/// Every office by id with its name in the page's language (the form's choices and the names
/// shown on tickets; office records are public, see the directory).
async fn office_names(state: &AppState, page: &PageCtx) -> Result<Vec<(OfficeId, String)>> {
    let dir = state.db(|s| s.office_directory()).await?;
    Ok(dir
        .into_iter()
        .map(|e| (e.office.id, e.office.name_in(page.locale.tag).to_owned()))
        .collect())
}

/// The category choices, grouped by kind (label, [(code, label)]).
fn categories(page: &PageCtx) -> Vec<(String, Vec<(&'static str, String)>)> {
    TicketKind::ALL
        .iter()
        .map(|k| {
            (
                page.t(&format!("helpdesk-kind-{}", k.code())),
                Category::ALL
                    .iter()
                    .filter(|c| c.kind() == *k)
                    .map(|c| (c.code(), page.t(&format!("helpdesk-category-{}", c.code()))))
                    .collect(),
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "helpdesk/portal.html")]
struct PortalPage {
    page: PageCtx,
    tickets: Vec<TicketRow>,
    offices: Vec<(OfficeId, String)>,
    categories: Vec<(String, Vec<(&'static str, String)>)>,
    filed: Option<String>,
    error: Option<String>,
}

async fn portal_render(
    state: &AppState,
    staff: Staff,
    filed: Option<String>,
    error: Option<(String, StatusCode)>,
) -> WebResult<Response> {
    let me = me(state, staff).await?;
    let (ctx, person) = (me.staff.audit(purpose::SELF_SERVICE), me.person);
    let tickets = state.db(move |s| s.own_tickets(&ctx, person)).await?;
    let page = PageCtx::new(state, &me.staff.ctx);
    let offices = office_names(state, &page).await?;
    let rows = tickets
        .iter()
        .map(|t| row(&page, state.today(), t, &offices, None))
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.1);
    let categories = categories(&page);
    Ok(render(
        status,
        &PortalPage {
            page,
            tickets: rows,
            offices,
            categories,
            filed,
            error: error.map(|e| e.0),
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Filed {
    filed: String,
}

async fn portal_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<Filed>,
) -> WebResult<Response> {
    let filed = Some(q.filed).filter(|f| !f.is_empty() && f.len() <= 16);
    portal_render(&state, staff, filed, None).await
}

async fn portal_file(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<TicketForm>,
) -> WebResult<Response> {
    let me = me(&state, staff.clone()).await?;
    match file_portal(&state, &me, form.draft()).await {
        Ok(t) => Ok(Redirect::to(&format!("/portal/help?filed={}", t.reference)).into_response()),
        Err(e) => {
            let shown = crate::pages::form_error(&state, &staff.ctx, e)?;
            portal_render(&state, staff, None, Some(shown)).await
        }
    }
}

/// Files `draft` on the portal for the signed-in person (the page's form and the API).
async fn file_portal(state: &AppState, me: &Me, draft: Result<TicketDraft>) -> Result<Ticket> {
    state.db(portal_filing(state, me, draft)?).await
}

/// The store work of the signed-in person filing a ticket on the portal, once the draft is
/// checked and its answer's due date counted.
pub(crate) fn portal_filing(
    state: &AppState,
    me: &Me,
    draft: Result<TicketDraft>,
) -> Result<impl FnOnce(&dyn Store) -> Result<Ticket> + Send + 'static> {
    let ctx = me.staff.audit(purpose::SELF_SERVICE);
    let person = Some((me.person, me.office));
    let t = NewTicket::parse(draft?, Channel::Portal, person, None)?;
    let due = t.due_on(&state.calendar(), state.today())?;
    Ok(move |s: &dyn Store| s.file_ticket(&ctx, &t, due))
}

/// Files `draft` for a visitor at the counter of the staff member's office (`Channel::Office`)
/// or a caller (`Channel::Phone`), as staff with `helpdesk.answer` do (the page's form and
/// the API).
/// The store work of filing a ticket on a visitor's or caller's behalf, once the draft is
/// checked and its answer's due date counted.
pub(crate) fn filing(
    state: &AppState,
    staff: &Staff,
    channel: Channel,
    draft: Result<TicketDraft>,
) -> Result<impl FnOnce(&dyn Store) -> Result<Ticket> + Send + 'static> {
    let viewer = viewer(staff)?;
    let ctx = staff.audit(purpose::SERVICE);
    let at = if channel == Channel::Office {
        viewer
    } else {
        None
    };
    let t = NewTicket::parse(draft?, channel, None, at)?;
    let due = t.due_on(&state.calendar(), state.today())?;
    Ok(move |s: &dyn Store| s.file_ticket(&ctx, &t, due))
}

/// Files a ticket on a visitor's or caller's behalf (see [`filing`]).
async fn file_for(
    state: &AppState,
    staff: &Staff,
    channel: Channel,
    draft: Result<TicketDraft>,
) -> Result<Ticket> {
    state.db(filing(state, staff, channel, draft)?).await
}

#[derive(Template)]
#[template(path = "helpdesk/inbox.html")]
struct InboxPage {
    page: PageCtx,
    tickets: Vec<TicketRow>,
    pager: Pager,
    open_only: bool,
    authority: bool,
    filed: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InboxQuery {
    page: Option<u32>,
    per_page: Option<u32>,
    all: Option<String>,
    filed: Option<String>,
}

async fn inbox(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<InboxQuery>,
) -> WebResult<Response> {
    let viewer = viewer(&staff)?;
    let open_only = q.all.is_none();
    let ctx = staff.audit(purpose::SERVICE);
    let req = PageRequest {
        page: q.page.unwrap_or(1).max(1),
        per_page: q.per_page.unwrap_or(50),
    };
    let filed = q.filed.filter(|f| !f.is_empty() && f.len() <= 16);
    let found = state
        .db(move |s| s.ticket_inbox(&ctx, viewer, open_only, req))
        .await?;
    let page = PageCtx::new(&state, &staff.ctx);
    let offices = office_names(&state, &page).await?;
    let tickets = found
        .items
        .iter()
        .map(|t| row(&page, state.today(), t, &offices, viewer))
        .collect();
    Ok(render(
        StatusCode::OK,
        &InboxPage {
            page,
            tickets,
            pager: Pager::new(
                if open_only {
                    "/helpdesk"
                } else {
                    "/helpdesk?all=1"
                },
                &found,
            ),
            open_only,
            authority: viewer.is_none(),
            filed,
        },
    ))
}

#[derive(Template)]
#[template(path = "helpdesk/new.html")]
struct NewPage {
    page: PageCtx,
    offices: Vec<(OfficeId, String)>,
    categories: Vec<(String, Vec<(&'static str, String)>)>,
    error: Option<String>,
}

async fn new_render(
    state: &AppState,
    staff: &Staff,
    error: Option<(String, StatusCode)>,
) -> WebResult<Response> {
    viewer(staff)?;
    let page = PageCtx::new(state, &staff.ctx);
    let offices = office_names(state, &page).await?;
    let categories = categories(&page);
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.1);
    Ok(render(
        status,
        &NewPage {
            page,
            offices,
            categories,
            error: error.map(|e| e.0),
        },
    ))
}

async fn new_page(State(state): State<AppState>, staff: Staff) -> WebResult<Response> {
    new_render(&state, &staff, None).await
}

/// Staff file on a visitor's or caller's behalf: the complainant is known by the name and
/// phone they leave (the ticket is not linked to a registry record another office keeps).
async fn staff_file(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<TicketForm>,
) -> WebResult<Response> {
    viewer(&staff)?;
    let channel = match form.channel.as_str() {
        "phone" => Channel::Phone,
        _ => Channel::Office,
    };
    match file_for(&state, &staff, channel, form.draft()).await {
        // The ticket may be routed elsewhere: the filer sees its reference, not its page.
        Ok(t) => Ok(Redirect::to(&format!("/helpdesk?filed={}", t.reference)).into_response()),
        Err(e) => {
            let shown = crate::pages::form_error(&state, &staff.ctx, e)?;
            new_render(&state, &staff, Some(shown)).await
        }
    }
}

#[derive(Template)]
#[template(path = "helpdesk/ticket.html")]
struct TicketPage {
    page: PageCtx,
    t: TicketRow,
    can_answer: bool,
    can_forward: bool,
    forward_to: Vec<(OfficeId, String)>,
    error: Option<String>,
}

async fn show_render(
    state: &AppState,
    staff: &Staff,
    id: String,
    error: Option<(String, StatusCode)>,
) -> WebResult<Response> {
    let viewer = viewer(staff)?;
    let ctx = staff.audit(purpose::SERVICE);
    let t = state.db(move |s| s.get_ticket(&ctx, viewer, &id)).await?;
    let page = PageCtx::new(state, &staff.ctx);
    let offices = office_names(state, &page).await?;
    let can_answer =
        t.state == daftar_domain::helpdesk::TicketState::Open && may_answer(t.route(), viewer);
    // The authority may hand a ticket it answers to another office (never the one complained
    // about).
    let forward_to: Vec<(OfficeId, String)> = if viewer.is_none() && t.route_office.is_none() {
        offices
            .iter()
            .filter(|(id, _)| Some(*id) != t.about_office)
            .cloned()
            .collect()
    } else {
        vec![]
    };
    let can_forward = can_answer && !forward_to.is_empty();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.1);
    let t = row(&page, state.today(), &t, &offices, viewer);
    Ok(render(
        status,
        &TicketPage {
            page,
            t,
            can_answer,
            can_forward,
            forward_to,
            error: error.map(|e| e.0),
        },
    ))
}

fn ticket_id(s: &str) -> Result<String> {
    s.parse::<ulid::Ulid>()
        .map(|u| u.to_string())
        .map_err(|_| Error::not_found("helpdesk.ticket.not_found"))
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> WebResult<Response> {
    show_render(&state, &staff, ticket_id(&id)?, None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AnswerForm {
    answer: String,
}

async fn answer(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> WebResult<Response> {
    let viewer = viewer(&staff)?;
    let id = ticket_id(&id)?;
    let done = answer_as(&state, &staff, viewer, id.clone(), &form.answer).await;
    match done {
        Ok(t) => Ok(Redirect::to(&format!("/helpdesk/{}", t.id)).into_response()),
        Err(e) => {
            let shown = crate::pages::form_error(&state, &staff.ctx, e)?;
            show_render(&state, &staff, id, Some(shown)).await
        }
    }
}

/// Answers ticket `id` as `staff`, who sees the tickets of `viewer` (the page's form and the
/// API): the answer checked, then written once (`helpdesk.ticket.answered` after).
pub(super) async fn answer_as(
    state: &AppState,
    staff: &Staff,
    viewer: Option<OfficeId>,
    id: String,
    answer: &str,
) -> Result<Ticket> {
    let ctx = staff.audit(purpose::SERVICE);
    let role = staff.auth.user.role.as_str().to_owned();
    let text = parse_answer(answer)?;
    state
        .db(move |s| s.answer_ticket(&ctx, viewer, &role, &id, &text))
        .await
}

/// The authority hands ticket `id` to the office typed as `office` (the page's form and the
/// API; the caller checked it is the authority): `helpdesk.office.required` for no office id.
pub(super) async fn forward_to(
    state: &AppState,
    staff: &Staff,
    id: String,
    office: &str,
) -> Result<Ticket> {
    let to: OfficeId = office
        .trim()
        .parse()
        .map_err(|_| Error::invalid("helpdesk.office.required").with_field("office"))?;
    let ctx = staff.audit(purpose::SERVICE);
    state.db(move |s| s.forward_ticket(&ctx, &id, to)).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ForwardForm {
    office: String,
}

/// `POST /helpdesk/{id}/forward`: the authority hands a ticket it answers to an office.
async fn forward(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ForwardForm>,
) -> WebResult<Response> {
    let id = ticket_id(&id)?;
    if viewer(&staff)?.is_some() {
        return Err(Error::forbidden("auth.forbidden").into());
    }
    let done = forward_to(&state, &staff, id.clone(), &form.office).await;
    match done {
        Ok(t) => Ok(Redirect::to(&format!("/helpdesk/{}", t.id)).into_response()),
        Err(e) => {
            let shown = crate::pages::form_error(&state, &staff.ctx, e)?;
            show_render(&state, &staff, id, Some(shown)).await
        }
    }
}

/// Query of the ticket list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct TicketQuery {
    /// Page (from 1).
    pub page: Option<u32>,
    /// Include answered tickets.
    pub all: Option<bool>,
}

/// The tickets the caller handles, newest first: routed to their office or about it (an
/// anonymous complainant blanked), or every ticket for authority roles. Audited.
#[utoipa::path(get, path = "/api/v1/helpdesk/tickets", tag = "helpdesk", params(TicketQuery),
    responses((status = 200, body = Page<TicketLine>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_inbox(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<TicketQuery>,
) -> WebResult<axum::Json<Page<TicketLine>>> {
    let viewer = viewer(&staff)?;
    let ctx = staff.audit(purpose::SERVICE);
    // The API checks its paging (422 `page.page.invalid`), as the other lists do.
    let req = PageRequest {
        page: q.page.unwrap_or(1),
        per_page: 50,
    }
    .checked()?;
    let open_only = !q.all.unwrap_or(false);
    Ok(axum::Json(
        state
            .db(move |s| s.ticket_inbox(&ctx, viewer, open_only, req))
            .await?
            .map(TicketLine::from),
    ))
}

/// Failed status checks one client address may make per window (a reference is checked with
/// its phone; the count lives in the database, across web nodes).
pub const STATUS_FAILURES_PER_WINDOW: u32 = 10;
const STATUS_SCOPE: &str = "helpdesk.status";

/// A ticket's status as shown.
struct StatusShown {
    reference: String,
    category: String,
    state: String,
    filed: String,
    due: String,
    answer: String,
    role: String,
}

#[derive(Template)]
#[template(path = "helpdesk/status.html")]
struct StatusPage {
    page: PageCtx,
    reference: String,
    error: Option<String>,
    shown: Option<StatusShown>,
}

/// The form: reference and phone.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StatusForm {
    reference: String,
    phone: String,
}

/// `GET /helpdesk/status`: a caller looks up a ticket by its reference and their phone.
async fn status_page(
    State(state): State<AppState>,
    crate::auth::Ctx(ctx): crate::auth::Ctx,
) -> WebResult<Response> {
    let page = PageCtx::new(&state, &ctx);
    Ok(render(
        StatusCode::OK,
        &StatusPage {
            page,
            reference: String::new(),
            error: None,
            shown: None,
        },
    ))
}

/// `POST /helpdesk/status`: counted per client address before the lookup (parallel guesses
/// count), given back when it was not a guess (found).
async fn status_check(
    State(state): State<AppState>,
    crate::auth::Ctx(ctx): crate::auth::Ctx,
    crate::features::credentials::share::ClientIp(ip): crate::features::credentials::share::ClientIp,
    CsrfForm(f): CsrfForm<StatusForm>,
) -> WebResult<Response> {
    let key = crate::features::credentials::share::limit_key(ip);
    let k = key.clone();
    let found = if state
        .db(move |s| {
            s.take_slot(
                STATUS_SCOPE,
                &k,
                STATUS_FAILURES_PER_WINDOW,
                time::Duration::minutes(15),
            )
        })
        .await?
    {
        // The caller is not signed in: recorded as such, with the request.
        let audit = daftar_domain::audit::AuditCtx {
            actor_id: None,
            actor: "caller".into(),
            office_id: None,
            purpose: purpose::SELF_SERVICE.into(),
            request_id: ctx.request_id.clone(),
        };
        let (reference, phone) = (f.reference.clone(), f.phone.clone());
        let r = state
            .db(move |s| s.ticket_status(&audit, &reference, &phone))
            .await;
        if r.is_ok() {
            state.db(move |s| s.give_slot(STATUS_SCOPE, &key)).await?;
        }
        r
    } else {
        Err(Error::new(
            "helpdesk.status.too_many",
            daftar_domain::ErrorKind::TooManyRequests,
        ))
    };
    let page = PageCtx::new(&state, &ctx);
    let (status, error, shown) = match found {
        Ok(t) => {
            let tr = &page.tr;
            let shown = StatusShown {
                reference: t.reference,
                category: tr.t(&format!("helpdesk-category-{}", t.category.code())),
                state: tr.t(&format!("helpdesk-state-{}", t.state.code())),
                filed: tr.datetime(&t.created_at),
                due: tr.date(&t.due_on.to_string()),
                answer: t.answer,
                role: if t.answered_role.is_empty() {
                    String::new()
                } else {
                    tr.t(&format!("role-{}", t.answered_role))
                },
            };
            (StatusCode::OK, None, Some(shown))
        }
        Err(e) if e.kind.status() < 500 => (
            StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::BAD_REQUEST),
            Some(page.tr.error(e.code)),
            None,
        ),
        Err(e) => return Err(e.into()),
    };
    Ok(render(
        status,
        &StatusPage {
            page,
            reference: f.reference,
            error,
            shown,
        },
    ))
}
