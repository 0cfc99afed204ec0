//! The JSON API of voluntary return: `/api/v1/returns…` (request types here; the answers are
//! the domain's `ReturnCase`). Every call is audited per person of the case.

use super::{date_field, reach_of, return_id, seen_by, take};
use crate::auth::Staff;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use daftar_domain::Error;
use daftar_domain::audit::purpose;
use daftar_domain::ids::PersonId;
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::Permission;
use daftar_domain::store::ReturnAccess;
use daftar_domain::voluntary_return::{
    NewReturn, READ_PERMISSIONS, ReturnCase, ReturnChannel, ReturnProfile,
};
use serde::{Deserialize, Serialize};

/// Routes of the API.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/returns", get(list).post(register))
        .route("/api/v1/returns/profile", get(profile))
        .route("/api/v1/returns/{return_id}", get(show))
        .route("/api/v1/returns/{return_id}/screening", post(screen))
        .route("/api/v1/returns/{return_id}/review", post(review))
        .route("/api/v1/returns/{return_id}/permit", post(permit))
        .route("/api/v1/returns/{return_id}/departure", post(depart))
        .route("/api/v1/returns/{return_id}/withdrawal", post(withdraw))
}

/// Query of the case list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct ReturnQuery {
    /// Page (from 1).
    pub page: Option<u32>,
    /// Include departed and withdrawn cases.
    pub all: Option<bool>,
}

/// The cases the caller sees: their office's (every office's for authority roles; the flagged
/// ones for protection officers), blocked ones first. Audited per person listed.
#[utoipa::path(get, path = "/api/v1/returns", tag = "returns", params(ReturnQuery),
    responses((status = 200, body = Page<ReturnCase>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ReturnQuery>,
) -> WebResult<axum::Json<Page<ReturnCase>>> {
    let reach = reach_of(&staff, &READ_PERMISSIONS)?;
    let ctx = staff.audit(purpose::SERVICE);
    let req = PageRequest {
        page: q.page.unwrap_or(1),
        per_page: 50,
    }
    .checked()?;
    let open_only = !q.all.unwrap_or(false);
    Ok(axum::Json(
        state
            .db(move |s| s.return_cases(&ctx, &reach, open_only, req))
            .await?
            .map(|c| seen_by(&staff, c)),
    ))
}

/// The border points and screening questions of the country profile.
#[utoipa::path(get, path = "/api/v1/returns/profile", tag = "returns",
    responses((status = 200, body = ReturnProfile), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn profile(
    State(state): State<AppState>,
    staff: Staff,
) -> WebResult<axum::Json<ReturnProfile>> {
    reach_of(&staff, &READ_PERMISSIONS)?;
    Ok(axum::Json(state.profile.voluntary_return.clone()))
}

/// A wish to return, registered at the office.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RegisterReturn {
    /// The registrant (a person of the caller's office).
    pub person_id: String,
    /// Members of the registrant's household who go with them.
    pub members: Vec<String>,
    /// Departure day: ISO (`2026-12-20`) or Solar Hijri (`1405/09/29`).
    pub departure_on: String,
    /// Border point code (`GET /api/v1/returns/profile`).
    pub border_point: String,
}

/// Registers a person's wish to return (`person.write` for their office). 409
/// `return.case.open` when someone of the case is in another open case.
#[utoipa::path(post, path = "/api/v1/returns", tag = "returns", request_body = RegisterReturn,
    responses((status = 201, body = ReturnCase), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn register(
    State(state): State<AppState>,
    staff: Staff,
    Json(req): Json<RegisterReturn>,
) -> WebResult<(axum::http::StatusCode, axum::Json<ReturnCase>)> {
    let reach = staff.principal().reach(Permission::PersonWrite)?;
    let ctx = staff.audit(purpose::SERVICE);
    let person: PersonId = req
        .person_id
        .parse()
        .map_err(|e: Error| e.with_field("person_id"))?;
    let members = req
        .members
        .iter()
        .map(|m| m.parse::<PersonId>().map_err(|e| e.with_field("members")))
        .collect::<Result<Vec<_>, _>>()?;
    let r = NewReturn::parse(
        &state.profile.voluntary_return,
        state.today(),
        person,
        &members,
        date_field(&req.departure_on, "departure_on")?,
        &req.border_point,
        ReturnChannel::Office,
    )?;
    let c = state
        .db(move |s| s.register_return(&ctx, &ReturnAccess::Staff(reach), &r))
        .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        axum::Json(seen_by(&staff, c)),
    ))
}

/// One case with its timeline. Audited per person.
#[utoipa::path(get, path = "/api/v1/returns/{return_id}", tag = "returns",
    params(("return_id" = String, Path, description = "Case id")),
    responses((status = 200, body = ReturnCase), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> WebResult<axum::Json<ReturnCase>> {
    let id = return_id(&id)?;
    let reach = reach_of(&staff, &READ_PERMISSIONS)?;
    let ctx = staff.audit(purpose::SERVICE);
    Ok(axum::Json(seen_by(
        &staff,
        state
            .db(move |s| s.return_case(&ctx, &ReturnAccess::Staff(reach), id))
            .await?,
    )))
}

/// One answer of the screening.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ScreeningAnswer {
    /// Question code (`GET /api/v1/returns/profile`).
    pub question: String,
    /// Yes: raises a flag.
    pub flag: bool,
}

/// The protection screening: every question of the profile answered once.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ScreeningRequest {
    /// The answers.
    pub answers: Vec<ScreeningAnswer>,
    /// The officer's note.
    #[serde(default)]
    pub note: String,
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

/// Records the protection screening (`return.screen`); any flag blocks the case until a
/// protection officer reviews it.
#[utoipa::path(post, path = "/api/v1/returns/{return_id}/screening", tag = "returns",
    params(("return_id" = String, Path, description = "Case id")), request_body = ScreeningRequest,
    responses((status = 200, body = ReturnCase), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn screen(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(req): Json<ScreeningRequest>,
) -> WebResult<axum::Json<ReturnCase>> {
    let id = return_id(&id)?;
    let mut pairs: Vec<(String, String)> = req
        .answers
        .into_iter()
        .map(|a| (format!("q_{}", a.question), yes_no(a.flag)))
        .collect();
    pairs.push(("note".into(), req.note));
    Ok(axum::Json(take(&state, &staff, id, "screen", pairs).await?))
}

/// A protection officer's review.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReviewRequest {
    /// `clear` or `refer` (a referral keeps the case blocked).
    pub decision: String,
    /// Note (required for a referral).
    pub note: String,
}

/// Records the protection officer's review of a flagged case (`protection.review`).
#[utoipa::path(post, path = "/api/v1/returns/{return_id}/review", tag = "returns",
    params(("return_id" = String, Path, description = "Case id")), request_body = ReviewRequest,
    responses((status = 200, body = ReturnCase), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn review(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(req): Json<ReviewRequest>,
) -> WebResult<axum::Json<ReturnCase>> {
    let id = return_id(&id)?;
    let pairs = vec![("decision".into(), req.decision), ("note".into(), req.note)];
    Ok(axum::Json(take(&state, &staff, id, "review", pairs).await?))
}

/// An exit permit.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PermitRequest {
    /// Permit number (`A-Z`, `0-9`, `-`, `/`).
    pub number: String,
    /// Valid until: ISO or Solar Hijri, from today.
    pub valid_until: String,
}

/// Issues the exit permit (the office, `person.write`). 409 `return.screening.missing` or
/// `return.screening.blocked` while the screening is missing or a flag blocks the case.
#[utoipa::path(post, path = "/api/v1/returns/{return_id}/permit", tag = "returns",
    params(("return_id" = String, Path, description = "Case id")), request_body = PermitRequest,
    responses((status = 200, body = ReturnCase), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn permit(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(req): Json<PermitRequest>,
) -> WebResult<axum::Json<ReturnCase>> {
    let id = return_id(&id)?;
    let pairs = vec![
        ("number".into(), req.number),
        ("valid_until".into(), req.valid_until),
    ];
    Ok(axum::Json(take(&state, &staff, id, "permit", pairs).await?))
}

/// The confirmed departure and the credentials it revoked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Departure {
    /// The case.
    pub case: ReturnCase,
    /// Ids of the credentials revoked.
    pub revoked: Vec<String>,
}

/// Confirms the departure (the office or the authority) and revokes the persons' active
/// credentials in the same transaction. 409 `return.permit.missing` before the permit.
#[utoipa::path(post, path = "/api/v1/returns/{return_id}/departure", tag = "returns",
    params(("return_id" = String, Path, description = "Case id")),
    responses((status = 200, body = Departure), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn depart(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> WebResult<axum::Json<Departure>> {
    let id = return_id(&id)?;
    let reach = reach_of(
        &staff,
        daftar_domain::voluntary_return::Action::Depart.permissions(),
    )?;
    let ctx = staff.audit(purpose::SERVICE);
    let (case, revoked) = state
        .db(move |s| s.confirm_departure(&ctx, &ReturnAccess::Staff(reach), id))
        .await?;
    Ok(axum::Json(Departure {
        case: seen_by(&staff, case),
        revoked,
    }))
}

/// A withdrawal.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WithdrawRequest {
    /// Reason (optional; the person owes none).
    pub reason: String,
}

/// Withdraws the wish (the office), in any state before the departure.
#[utoipa::path(post, path = "/api/v1/returns/{return_id}/withdrawal", tag = "returns",
    params(("return_id" = String, Path, description = "Case id")), request_body = WithdrawRequest,
    responses((status = 200, body = ReturnCase), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn withdraw(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(req): Json<WithdrawRequest>,
) -> WebResult<axum::Json<ReturnCase>> {
    let id = return_id(&id)?;
    let pairs = vec![("reason".into(), req.reason)];
    Ok(axum::Json(
        take(&state, &staff, id, "withdraw", pairs).await?,
    ))
}
