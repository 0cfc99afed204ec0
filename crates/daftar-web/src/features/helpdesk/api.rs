//! The help desk as JSON (issue 20.4), through the same store calls, rules and audit as the
//! pages: staff with `helpdesk.answer` file on a visitor's or caller's behalf, read one ticket
//! as they may see it (an anonymous complainant blanked for the office complained about),
//! answer it and, for the authority, forward it; a signed-in person lists, files and reads
//! their own tickets with the answer (`/api/v1/portal/tickets…`, session cookie and
//! `X-CSRF-Token`).

use super::{answer_as, filing, forward_to, portal_filing, ticket_id, viewer};
use crate::auth::Staff;
use crate::auth::scope::{HelpdeskAnswer, Reaching};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path};
use crate::features::portal::{Me, me};
use crate::idempotency::{Idempotent, json_answer};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use daftar_domain::Error;
use daftar_domain::audit::purpose;
use daftar_domain::helpdesk::{
    Category, Channel, Ticket, TicketDraft, TicketKind, TicketLine, TicketState,
};
use daftar_domain::ids::OfficeId;
use serde::Deserialize;

/// The office a complaint is about, from a request (`""`: none).
fn about(s: &str) -> daftar_domain::Result<Option<OfficeId>> {
    match s.trim() {
        "" => Ok(None),
        s => s
            .parse()
            .map(Some)
            .map_err(|_| Error::invalid("office.id.invalid").with_field("about_office")),
    }
}

/// A ticket filed by staff for a visitor at their office's counter or a caller on the phone.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffTicketRequest {
    /// `office` (at the caller's office's counter) or `phone`.
    pub channel: String,
    /// Category: `question`, `overcharging`, `bribe`, `discourtesy`, `delay`,
    /// `other_complaint`, `unpaid_wages`, `confiscated_documents`, `other_exploitation`.
    pub category: String,
    /// The office complained about (required for a complaint), by id; empty for none.
    #[serde(default)]
    pub about_office: String,
    /// The staff member complained about, as described.
    #[serde(default)]
    pub about_staff: String,
    /// What happened or what is asked (1 to 4000 characters).
    pub body: String,
    /// Stay anonymous to the office complained about.
    #[serde(default)]
    pub anonymous: bool,
    /// The name to answer to.
    pub contact_name: String,
    /// The phone to answer on.
    pub contact_phone: String,
}

/// Files a ticket on a visitor's or caller's behalf (`helpdesk.answer`), routed by its kind
/// (it may go to another office or to the authority: the answer is the line with its
/// reference, not the ticket's page). The ticket is not linked to a registry record. Audited
/// `helpdesk.file`. With an `Idempotency-Key`, a retry after a lost answer gets the first answer
/// again (one ticket).
#[utoipa::path(post, path = "/api/v1/helpdesk/tickets", tag = "helpdesk", request_body = StaffTicketRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    responses((status = 201, body = TicketLine), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn file(
    State(state): State<AppState>,
    Reaching { staff, .. }: Reaching<HelpdeskAnswer>,
    idem: Idempotent,
    Json(req): Json<StaffTicketRequest>,
) -> WebResult<Response> {
    let channel = match req.channel.trim() {
        "office" => Channel::Office,
        "phone" => Channel::Phone,
        _ => {
            return Err(Error::invalid("helpdesk.channel.invalid")
                .with_field("channel")
                .into());
        }
    };
    let draft = about(&req.about_office).map(|about_office| TicketDraft {
        category: req.category,
        about_office,
        about_staff: req.about_staff,
        body: req.body,
        anonymous: req.anonymous,
        contact_name: req.contact_name,
        contact_phone: req.contact_phone,
    });
    let work = filing(&state, &staff, channel, draft)?;
    let respond = |t: &Ticket| {
        json_answer(
            StatusCode::CREATED,
            None,
            &TicketLine::from(t.clone()),
            ("helpdesk.read", "helpdesk_ticket", t.id.clone()),
        )
    };
    Ok(idem.run(&state, respond, work).await?)
}

/// One ticket as the caller may see it: routed to their office or about it (an anonymous
/// complainant's name, registry number, phone and person id blanked for the office complained
/// about), or any ticket for authority roles; 404 `helpdesk.ticket.not_found` otherwise.
/// Audited `helpdesk.read`.
#[utoipa::path(get, path = "/api/v1/helpdesk/tickets/{ticket_id}", tag = "helpdesk",
    params(("ticket_id" = String, Path, description = "Ticket id (ULID)")),
    responses((status = 200, body = Ticket), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> WebResult<axum::Json<Ticket>> {
    let viewer = viewer(&staff)?;
    let id = ticket_id(&id)?;
    let ctx = staff.audit(purpose::SERVICE);
    Ok(axum::Json(
        state.db(move |s| s.get_ticket(&ctx, viewer, &id)).await?,
    ))
}

/// An answer to a ticket.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TicketAnswer)]
pub struct AnswerRequest {
    /// The answer the complainant reads (1 to 4000 characters).
    pub answer: String,
}

/// Answers an open ticket routed to the caller's office (or any, for authority roles): 403
/// `auth.forbidden` for a ticket the authority answers, 409 `helpdesk.ticket.answered` once
/// answered. The answer and the answering role (never a name) reach the complainant. Audited
/// `helpdesk.answer`.
#[utoipa::path(post, path = "/api/v1/helpdesk/tickets/{ticket_id}/answer", tag = "helpdesk",
    params(("ticket_id" = String, Path, description = "Ticket id (ULID)")), request_body = AnswerRequest,
    responses((status = 200, body = Ticket), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn answer(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(req): Json<AnswerRequest>,
) -> WebResult<axum::Json<Ticket>> {
    let viewer = viewer(&staff)?;
    let id = ticket_id(&id)?;
    Ok(axum::Json(
        answer_as(&state, &staff, viewer, id, &req.answer).await?,
    ))
}

/// Where the authority hands a ticket.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TicketForward)]
pub struct ForwardRequest {
    /// The office that is to answer it (never the one a complaint is about).
    pub office: String,
}

/// The authority hands an open ticket it answers to an office, which then sees and answers it
/// (authority roles only: 403 `auth.forbidden` for office staff and for a ticket routed to an
/// office; 422 `helpdesk.forward.about_office` for the office complained about; 404
/// `office.not_found`). Audited `helpdesk.forward`.
#[utoipa::path(post, path = "/api/v1/helpdesk/tickets/{ticket_id}/forward", tag = "helpdesk",
    params(("ticket_id" = String, Path, description = "Ticket id (ULID)")), request_body = ForwardRequest,
    responses((status = 200, body = Ticket), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn forward(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(req): Json<ForwardRequest>,
) -> WebResult<axum::Json<Ticket>> {
    let id = ticket_id(&id)?;
    if viewer(&staff)?.is_some() {
        return Err(Error::forbidden("auth.forbidden").into());
    }
    Ok(axum::Json(
        forward_to(&state, &staff, id, &req.office).await?,
    ))
}

/// A ticket as its complainant sees it on the portal: what they filed, where it went and the
/// outcome (their own name, registry number and phone are not repeated).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OwnTicket {
    /// Id (ULID).
    pub id: String,
    /// Reference to quote.
    pub reference: String,
    /// Kind.
    pub kind: TicketKind,
    /// Category.
    pub category: Category,
    /// How it came.
    pub channel: Channel,
    /// Anonymous to the office complained about.
    pub anonymous: bool,
    /// The office complained about.
    #[schema(value_type = Option<String>)]
    pub about_office: Option<OfficeId>,
    /// The staff member complained about, as described.
    pub about_staff: String,
    /// Text.
    pub body: String,
    /// The answering office; `null`: the authority.
    #[schema(value_type = Option<String>)]
    pub route_office: Option<OfficeId>,
    /// Where it stands.
    pub state: TicketState,
    /// Answer by this day (ISO).
    pub due_on: String,
    /// The answer (empty while open).
    pub answer: String,
    /// The answerer's role (never their name).
    pub answered_role: String,
    /// When it was filed.
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// When it was answered.
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<time::OffsetDateTime>,
}

impl From<Ticket> for OwnTicket {
    fn from(t: Ticket) -> Self {
        Self {
            id: t.id,
            reference: t.reference,
            kind: t.kind,
            category: t.category,
            channel: t.channel,
            anonymous: t.anonymous,
            about_office: t.about_office,
            about_staff: t.about_staff,
            body: t.body,
            route_office: t.route_office,
            state: t.state,
            due_on: t.due_on.to_string(),
            answer: t.answer,
            answered_role: t.answered_role,
            created_at: t.created_at,
            answered_at: t.answered_at,
        }
    }
}

/// The signed-in person's own tickets, newest first (the latest 100), each with its answer
/// and the answering role (portal accounts only: 403 `portal.only`). Audited `helpdesk.own`.
#[utoipa::path(get, path = "/api/v1/portal/tickets", tag = "portal",
    responses((status = 200, body = Vec<OwnTicket>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn portal_list(
    State(state): State<AppState>,
    staff: Staff,
) -> WebResult<axum::Json<Vec<OwnTicket>>> {
    let me = me(&state, staff).await?;
    let (ctx, person) = (me.staff.audit(purpose::SELF_SERVICE), me.person);
    let mine = state.db(move |s| s.own_tickets(&ctx, person)).await?;
    Ok(axum::Json(mine.into_iter().map(OwnTicket::from).collect()))
}

/// One of the signed-in person's own tickets with its outcome (404
/// `helpdesk.ticket.not_found` for anyone else's). Audited `helpdesk.own`.
#[utoipa::path(get, path = "/api/v1/portal/tickets/{ticket_id}", tag = "portal",
    params(("ticket_id" = String, Path, description = "Ticket id (ULID)")),
    responses((status = 200, body = OwnTicket), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn portal_show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> WebResult<axum::Json<OwnTicket>> {
    let me = me(&state, staff).await?;
    let id = ticket_id(&id)?;
    let (ctx, person) = (me.staff.audit(purpose::SELF_SERVICE), me.person);
    let mine = state.db(move |s| s.own_tickets(&ctx, person)).await?;
    mine.into_iter()
        .find(|t| t.id == id)
        .map(|t| axum::Json(t.into()))
        .ok_or_else(|| Error::not_found("helpdesk.ticket.not_found").into())
}

/// A ticket the person files on the portal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalTicketRequest {
    /// Category: `question`, `overcharging`, `bribe`, `discourtesy`, `delay`,
    /// `other_complaint`, `unpaid_wages`, `confiscated_documents`, `other_exploitation`.
    pub category: String,
    /// The office complained about (required for a complaint), by id; empty for none.
    #[serde(default)]
    pub about_office: String,
    /// The staff member complained about, as described.
    #[serde(default)]
    pub about_staff: String,
    /// What happened or what is asked (1 to 4000 characters).
    pub body: String,
    /// Stay anonymous to the office complained about.
    #[serde(default)]
    pub anonymous: bool,
}

/// The signed-in person files an inquiry, a complaint or an exploitation report (portal
/// accounts only), routed as on the portal's form; 201 with the ticket as they see it. Audited
/// `helpdesk.file`. With an `Idempotency-Key`, a retry after a lost answer gets the first answer
/// again (one ticket).
#[utoipa::path(post, path = "/api/v1/portal/tickets", tag = "portal", request_body = PortalTicketRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    responses((status = 201, body = OwnTicket), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn portal_file(
    State(state): State<AppState>,
    me: Me,
    idem: Idempotent,
    Json(req): Json<PortalTicketRequest>,
) -> WebResult<Response> {
    let draft = about(&req.about_office).map(|about_office| TicketDraft {
        category: req.category,
        about_office,
        about_staff: req.about_staff,
        body: req.body,
        anonymous: req.anonymous,
        ..Default::default()
    });
    let work = portal_filing(&state, &me, draft)?;
    let person = me.person;
    let respond = move |t: &Ticket| {
        json_answer(
            StatusCode::CREATED,
            None,
            &OwnTicket::from(t.clone()),
            ("helpdesk.own", "person", person.to_string()),
        )
    };
    Ok(idem.run(&state, respond, work).await?)
}
