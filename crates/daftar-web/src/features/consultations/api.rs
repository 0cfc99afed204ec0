//! `/api/v1/consultations…` and `/api/v1/proposals…`. A revision, the final version and an
//! answer to a proposal need `If-Match` with the version read (the `ETag` of the `GET`).

use super::{Role, path_id, proposal_reach, require_authority, role};
use crate::auth::Staff;
use crate::conditional;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use daftar_domain::Result;
use daftar_domain::audit::purpose;
use daftar_domain::consultation::{
    Consultation, ConsultationComment, ConsultationView, Finalisation, NewComment, NewConsultation,
    NewProposal, Proposal, ProposalUpdate, Revision,
};
use daftar_domain::page::{Page, PageRequest};
use serde::Deserialize;

/// One section as typed.
#[derive(Debug, Default, Clone, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SectionInput {
    /// Heading (may be empty; at most 200 characters).
    pub heading: String,
    /// Text (at most 8000 characters; line breaks allowed).
    pub text: String,
}

fn pairs(sections: &[SectionInput]) -> Vec<(String, String)> {
    sections
        .iter()
        .map(|s| (s.heading.clone(), s.text.clone()))
        .collect()
}

/// A draft directive to publish.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewConsultationRequest {
    /// Title (at most 200 characters).
    pub title: String,
    /// The draft's sections, numbered in order (1–60).
    pub sections: Vec<SectionInput>,
    /// The last day comments are taken: ISO or Solar Hijri (`1405/02/15`), from today to a year
    /// ahead.
    pub deadline: String,
}

/// A revised draft.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RevisionRequest {
    /// The revised draft's sections (1–60).
    pub sections: Vec<SectionInput>,
    /// Its comment deadline (ISO or Solar Hijri; from today).
    pub deadline: String,
}

/// The final version.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct FinalRequest {
    /// The final text's sections (1–60).
    pub sections: Vec<SectionInput>,
    /// What changed since the last draft (at most 4000 characters).
    pub summary: String,
}

/// A comment on one section.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CommentRequest {
    /// The version read (the latest draft's number).
    pub version: u32,
    /// The section's number.
    pub section: u32,
    /// The comment (at most 4000 characters).
    pub body: String,
}

/// A problem or proposal.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ProposalRequest {
    /// `problem` or `proposal`.
    pub kind: String,
    /// Subject (at most 200 characters).
    pub subject: String,
    /// Text (at most 4000 characters).
    pub body: String,
}

/// The authority's answer.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AnswerRequest {
    /// `open`, `under_review`, `answered` (needs an answer, now or before) or `closed`.
    pub status: String,
    /// A new answer (empty: the answer stands; at most 4000 characters).
    pub answer: String,
}

/// Query of a list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct ListQuery {
    /// Page (from 1).
    pub page: Option<u32>,
    /// Rows per page (default 50).
    pub per_page: Option<u32>,
}

impl ListQuery {
    fn checked(&self) -> Result<PageRequest> {
        PageRequest {
            page: self.page.unwrap_or(1),
            per_page: self.per_page.unwrap_or(50),
        }
        .checked()
    }
}

/// The view with its latest version's number as `ETag`.
fn with_etag(status: StatusCode, v: ConsultationView) -> Response {
    (
        status,
        [(
            header::ETAG,
            conditional::etag(i64::from(v.consultation.version)),
        )],
        axum::Json(v),
    )
        .into_response()
}

/// The version in `If-Match` as a version number (428 when missing, 400 when malformed).
fn if_match(headers: &HeaderMap) -> Result<u32> {
    let v = conditional::if_match(headers)?;
    // A version that cannot exist is stale, not malformed.
    Ok(u32::try_from(v).unwrap_or(u32::MAX))
}

/// Consultations, newest first (the authority, office managers, association staff).
#[utoipa::path(get, path = "/api/v1/consultations", tag = "consultations", params(ListQuery),
    responses((status = 200, body = Page<Consultation>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> WebResult<axum::Json<Page<Consultation>>> {
    role(&state, &staff).await?;
    let req = q.checked()?;
    Ok(axum::Json(state.db(move |s| s.consultations(req)).await?))
}

/// Publishes a draft directive (version 1) for comment (`consultation.manage`). Audited
/// `consultation.publish`.
#[utoipa::path(post, path = "/api/v1/consultations", tag = "consultations", request_body = NewConsultationRequest,
    responses((status = 201, body = ConsultationView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    staff: Staff,
    Json(req): Json<NewConsultationRequest>,
) -> WebResult<Response> {
    require_authority(&staff)?;
    let new = NewConsultation::parse(
        &req.title,
        &pairs(&req.sections),
        &req.deadline,
        state.today(),
    )?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let v = state
        .db(move |s| s.publish_consultation(&ctx, &new))
        .await?;
    Ok(with_etag(StatusCode::CREATED, v))
}

/// A consultation with every version, its phase today and (once final) the change from the
/// last draft to the final version, section by section. `ETag`: the latest version's number.
#[utoipa::path(get, path = "/api/v1/consultations/{consultation_id}", tag = "consultations",
    params(("consultation_id" = String, Path, description = "Consultation id")),
    responses((status = 200, body = ConsultationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = path_id(&id, "consultation.not_found")?;
    role(&state, &staff).await?;
    let v = state.db(move |s| s.consultation(&id)).await?;
    Ok(with_etag(StatusCode::OK, v))
}

/// Publishes a revised draft (the next version) with its deadline (`consultation.manage`;
/// `If-Match`: the latest version). Audited `consultation.revise`.
#[utoipa::path(post, path = "/api/v1/consultations/{consultation_id}/revisions", tag = "consultations",
    params(("consultation_id" = String, Path, description = "Consultation id"),
        ("If-Match" = Option<String>, Header, description = "The latest version's number (the ETag)")),
    request_body = RevisionRequest,
    responses((status = 200, body = ConsultationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn revise(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(req): Json<RevisionRequest>,
) -> WebResult<Response> {
    let id = path_id(&id, "consultation.not_found")?;
    require_authority(&staff)?;
    let version = if_match(&headers)?;
    let r = Revision::parse(&pairs(&req.sections), &req.deadline, state.today())?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let v = state
        .db(move |s| s.revise_consultation(&ctx, &id, &r, version))
        .await?;
    Ok(with_etag(StatusCode::OK, v))
}

/// Publishes the final version with the summary of what changed (`consultation.manage`;
/// `If-Match`: the latest version); comments end. Audited `consultation.finalise`.
#[utoipa::path(post, path = "/api/v1/consultations/{consultation_id}/final", tag = "consultations",
    params(("consultation_id" = String, Path, description = "Consultation id"),
        ("If-Match" = Option<String>, Header, description = "The latest version's number (the ETag)")),
    request_body = FinalRequest,
    responses((status = 200, body = ConsultationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn finalise(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(req): Json<FinalRequest>,
) -> WebResult<Response> {
    let id = path_id(&id, "consultation.not_found")?;
    require_authority(&staff)?;
    let version = if_match(&headers)?;
    let f = Finalisation::parse(&pairs(&req.sections), &req.summary)?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let v = state
        .db(move |s| s.finalise_consultation(&ctx, &id, &f, version))
        .await?;
    Ok(with_etag(StatusCode::OK, v))
}

/// The comments on a consultation by section: the caller's own (an office's or a branch's), or
/// every one with the office's code or the branch for the authority.
#[utoipa::path(get, path = "/api/v1/consultations/{consultation_id}/comments", tag = "consultations",
    params(("consultation_id" = String, Path, description = "Consultation id")),
    responses((status = 200, body = Vec<ConsultationComment>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn comments(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> WebResult<axum::Json<Vec<ConsultationComment>>> {
    let id = path_id(&id, "consultation.not_found")?;
    let who = match role(&state, &staff).await? {
        Role::Authority => None,
        Role::Commenter(c) => Some(c),
    };
    Ok(axum::Json(
        state
            .db(move |s| s.consultation_comments(&id, who.as_ref()))
            .await?,
    ))
}

/// Comments on a section of the latest draft for the caller's office or branch
/// (`consultation.comment`). 409 `consultation.closed` after the deadline,
/// `consultation.final` once final, `consultation.version.superseded` for an older draft,
/// `consultation.section.unknown`. Audited `consultation.comment`.
#[utoipa::path(post, path = "/api/v1/consultations/{consultation_id}/comments", tag = "consultations",
    params(("consultation_id" = String, Path, description = "Consultation id")),
    request_body = CommentRequest,
    responses((status = 201, body = ConsultationComment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn comment(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(req): Json<CommentRequest>,
) -> WebResult<(StatusCode, axum::Json<ConsultationComment>)> {
    let id = path_id(&id, "consultation.not_found")?;
    let Role::Commenter(who) = role(&state, &staff).await? else {
        return Err(daftar_domain::Error::forbidden("auth.forbidden")
            .with_detail("permission", serde_json::json!("consultation.comment"))
            .into());
    };
    let c = NewComment::parse(req.version, req.section, &req.body)?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let made = state
        .db(move |s| s.comment_on_consultation(&ctx, &id, &who, &c))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

/// Problems and proposals, newest first: the caller's branch's, or every one for the authority.
#[utoipa::path(get, path = "/api/v1/proposals", tag = "consultations", params(ListQuery),
    responses((status = 200, body = Page<Proposal>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn proposals(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> WebResult<axum::Json<Page<Proposal>>> {
    let branch = proposal_reach(&state, &staff).await?;
    let req = q.checked()?;
    Ok(axum::Json(
        state
            .db(move |s| s.proposals(branch.as_deref(), req))
            .await?,
    ))
}

/// Files a problem or proposal for the caller's branch (`proposal.file`). Audited
/// `proposal.file`.
#[utoipa::path(post, path = "/api/v1/proposals", tag = "consultations", request_body = ProposalRequest,
    responses((status = 201, body = Proposal), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn file(
    State(state): State<AppState>,
    staff: Staff,
    Json(req): Json<ProposalRequest>,
) -> WebResult<Response> {
    let Some(branch) = proposal_reach(&state, &staff).await? else {
        return Err(daftar_domain::Error::forbidden("auth.forbidden")
            .with_detail("permission", serde_json::json!("proposal.file"))
            .into());
    };
    let new = NewProposal::parse(&req.kind, &req.subject, &req.body)?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let p = state
        .db(move |s| s.file_proposal(&ctx, &branch, &new))
        .await?;
    Ok(proposal_answer(StatusCode::CREATED, p))
}

fn proposal_answer(status: StatusCode, p: Proposal) -> Response {
    (
        status,
        [(header::ETAG, conditional::etag(p.version))],
        axum::Json(p),
    )
        .into_response()
}

/// One problem or proposal (the filing branch's, or any for the authority). `ETag`: its
/// version.
#[utoipa::path(get, path = "/api/v1/proposals/{proposal_id}", tag = "consultations",
    params(("proposal_id" = String, Path, description = "Proposal id")),
    responses((status = 200, body = Proposal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn proposal(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = path_id(&id, "proposal.not_found")?;
    let branch = proposal_reach(&state, &staff).await?;
    let p = state
        .db(move |s| s.proposal(branch.as_deref(), &id))
        .await?;
    Ok(proposal_answer(StatusCode::OK, p))
}

/// The authority answers and sets the status (`consultation.manage`; `If-Match`: the
/// proposal's version). 409 `proposal.closed`, `proposal.answer.required`. Audited
/// `proposal.answer`.
#[utoipa::path(post, path = "/api/v1/proposals/{proposal_id}/answer", tag = "consultations",
    params(("proposal_id" = String, Path, description = "Proposal id"),
        ("If-Match" = Option<String>, Header, description = "The proposal's version (its ETag)")),
    request_body = AnswerRequest,
    responses((status = 200, body = Proposal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn answer(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(req): Json<AnswerRequest>,
) -> WebResult<Response> {
    let id = path_id(&id, "proposal.not_found")?;
    require_authority(&staff)?;
    let version = conditional::if_match(&headers)?;
    let u = ProposalUpdate::parse(&req.status, &req.answer)?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let p = state
        .db(move |s| s.answer_proposal(&ctx, &id, &u, version))
        .await?;
    Ok(proposal_answer(StatusCode::OK, p))
}
