//! Consultations on the offices' directive and the branches' problems and proposals (issue 18,
//! part 6; rules in `daftar_domain::consultation`). The authority (`consultation.manage`)
//! publishes a draft in numbered sections with a comment deadline, revised drafts, and the
//! final version with a summary of what changed (the change per section is computed by the
//! domain and shown); office managers (their own office) and association staff bound to a
//! province branch (`consultation.comment`) comment section by section until the deadline and
//! see their own comments; the authority sees every comment by section with the office's code
//! or the branch. Branches (`proposal.file`) file problems and proposals, which the authority
//! answers with a status. Pages under `/consultations`, JSON under `/api/v1/consultations…` and
//! `/api/v1/proposals…`. No person data anywhere: who comments is an office or a branch.

pub mod api;
mod html;

use crate::auth::Staff;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use daftar_domain::consultation::Commenter;
use daftar_domain::permission::Permission;
use daftar_domain::{Error, Result};

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/consultations", get(html::list).post(html::publish))
        .route("/consultations/new", get(html::new_page))
        .route("/consultations/{consultation_id}", get(html::show))
        .route(
            "/consultations/{consultation_id}/comments",
            post(html::comment),
        )
        .route(
            "/consultations/{consultation_id}/revise",
            post(html::revise),
        )
        .route(
            "/consultations/{consultation_id}/final",
            post(html::finalise),
        )
        .route(
            "/consultations/proposals",
            get(html::proposals).post(html::file),
        )
        .route(
            "/consultations/proposals/{proposal_id}",
            get(html::proposal),
        )
        .route(
            "/consultations/proposals/{proposal_id}/answer",
            post(html::answer),
        )
        .route("/api/v1/consultations", get(api::list).post(api::publish))
        .route("/api/v1/consultations/{consultation_id}", get(api::show))
        .route(
            "/api/v1/consultations/{consultation_id}/revisions",
            post(api::revise),
        )
        .route(
            "/api/v1/consultations/{consultation_id}/final",
            post(api::finalise),
        )
        .route(
            "/api/v1/consultations/{consultation_id}/comments",
            get(api::comments).post(api::comment),
        )
        .route("/api/v1/proposals", get(api::proposals).post(api::file))
        .route("/api/v1/proposals/{proposal_id}", get(api::proposal))
        .route("/api/v1/proposals/{proposal_id}/answer", post(api::answer))
}

/// What the caller may do with consultations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The authority: publishes, sees every comment, answers proposals.
    Authority,
    /// An office or a branch: comments (and a branch files proposals).
    Commenter(Commenter),
}

/// The caller's part: the authority with `consultation.manage`; an office manager for their
/// own office, or association staff for the branch their account is bound to, with
/// `consultation.comment` (`consultation.commenter.none`, 403, for an account bound to neither);
/// anyone else `auth.forbidden`.
pub async fn role(state: &AppState, staff: &Staff) -> Result<Role> {
    let p = staff.principal();
    if p.has(Permission::ConsultationManage) {
        return Ok(Role::Authority);
    }
    p.require(Permission::ConsultationComment)?;
    commenter(state, staff, Permission::ConsultationComment)
        .await
        .map(Role::Commenter)
}

/// Who `staff` speaks for with `p`: their own office (the scope's check), or the branch their
/// account is bound to.
async fn commenter(state: &AppState, staff: &Staff, p: Permission) -> Result<Commenter> {
    let principal = staff.principal();
    principal.require(p)?;
    if let Some(office) = principal.office_id {
        return Ok(Commenter::Office(principal.scope(office, p)?.office_id()));
    }
    let user = staff.auth.user.id;
    state
        .db(move |s| s.user_branch(user))
        .await?
        .map(Commenter::Branch)
        .ok_or_else(|| Error::forbidden("consultation.commenter.none"))
}

/// The branch `staff` files proposals for (`proposal.file`), or `None` for the authority, who
/// sees every proposal.
pub async fn proposal_reach(state: &AppState, staff: &Staff) -> Result<Option<String>> {
    if staff.principal().has(Permission::ConsultationManage) {
        return Ok(None);
    }
    match commenter(state, staff, Permission::ProposalFile).await? {
        Commenter::Branch(b) => Ok(Some(b)),
        Commenter::Office(_) => Err(Error::forbidden("consultation.commenter.none")),
    }
}

/// Fails unless the caller is the authority (`consultation.manage`).
pub fn require_authority(staff: &Staff) -> Result<()> {
    staff.principal().require(Permission::ConsultationManage)
}

/// A consultation or proposal id from the path: a ULID, else 404 with `code`.
pub fn path_id(s: &str, code: &'static str) -> Result<String> {
    s.parse::<ulid::Ulid>()
        .map(|u| u.to_string())
        .map_err(|_| Error::not_found(code))
}
