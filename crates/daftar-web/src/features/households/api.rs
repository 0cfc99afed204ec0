//! `/api/v1/offices/{office_id}/households`.

use crate::auth::InOffice;
use crate::auth::scope::{PersonRead, PersonWrite};
use crate::conditional::{if_match_tag, with_tag};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path, Query};
use crate::idempotency::{Idempotent, json_answer};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Response;
use daftar_domain::audit::purpose;
use daftar_domain::household::{
    AddMember, HouseholdSummary, HouseholdView, Relationship, SplitHousehold,
};
use daftar_domain::ids::{HouseholdId, OfficeId, PersonId};
use daftar_domain::page::{Page, PageRequest};

/// Households of an office, newest first, with head and member count. Audited.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/households", tag = "households",
    params(("office_id" = String, Path, description = "Office id"), PageRequest),
    responses((status = 200, body = Page<HouseholdSummary>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Query(page): Query<PageRequest>,
) -> WebResult<axum::Json<Page<HouseholdSummary>>> {
    let page = page.checked()?;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    Ok(axum::Json(
        state
            .db(move |s| s.list_households(&ctx, &scope, page))
            .await?,
    ))
}

/// The head of a new household.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct NewHousehold {
    /// A person of the office who is in no household.
    #[schema(value_type = String)]
    pub head_person_id: PersonId,
}

/// Creates a household around its head. Audited.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/households", tag = "households",
    params(("office_id" = String, Path, description = "Office id")), request_body = NewHousehold,
    responses((status = 201, body = HouseholdView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    idem: Idempotent,
    Json(new): Json<NewHousehold>,
) -> WebResult<Response> {
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let respond = |v: &HouseholdView| answer(StatusCode::CREATED, false, v);
    Ok(idem
        .run(&state, respond, move |s| {
            s.create_household(&ctx, &scope, new.head_person_id)
        })
        .await?)
}

/// One household with its current members and their statuses; `ETag` is the tag updates send
/// back in `If-Match`. Audited.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/households/{household_id}", tag = "households",
    params(("office_id" = String, Path, description = "Office id"), ("household_id" = String, Path, description = "Household id")),
    responses((status = 200, body = HouseholdView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path(ids): Path<(OfficeId, HouseholdId)>,
) -> WebResult<Response> {
    let (ctx, scope, id) = (at.staff.audit(purpose::SERVICE), at.scope, ids.1);
    let view = state.db(move |s| s.get_household(&ctx, &scope, id)).await?;
    Ok(with_tag(StatusCode::OK, view))
}

/// Adds a member (by `person_id` or `registry_no`); with `"move": true` takes them out of
/// their current household. Audited.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/households/{household_id}/members", tag = "households",
    params(("office_id" = String, Path, description = "Office id"), ("household_id" = String, Path, description = "Household id"), ("If-Match" = String, Header, description = "The household's ETag")),
    request_body = NewMember,
    responses((status = 200, body = HouseholdView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_member(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path(ids): Path<(OfficeId, HouseholdId)>,
    headers: HeaderMap,
    idem: Idempotent,
    Json(m): Json<NewMember>,
) -> WebResult<Response> {
    let tag = if_match_tag(&headers)?;
    let (ctx, scope, id) = (at.staff.audit(purpose::SERVICE), at.scope, ids.1);
    let respond = |v: &HouseholdView| answer(StatusCode::OK, true, v);
    Ok(idem
        .run(&state, respond, move |s| {
            s.add_household_member(&ctx, &scope, id, &m.parse()?, Some(&tag))
        })
        .await?)
}

/// Moves members into a new household headed by one of them; returns the new household.
/// Audited.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/households/{household_id}/split", tag = "households",
    params(("office_id" = String, Path, description = "Office id"), ("household_id" = String, Path, description = "Household id"), ("If-Match" = String, Header, description = "The household's ETag")),
    request_body = Split,
    responses((status = 201, body = HouseholdView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn split(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path(ids): Path<(OfficeId, HouseholdId)>,
    headers: HeaderMap,
    idem: Idempotent,
    Json(split): Json<Split>,
) -> WebResult<Response> {
    let tag = if_match_tag(&headers)?;
    let (ctx, scope, id) = (at.staff.audit(purpose::SERVICE), at.scope, ids.1);
    let respond = |v: &HouseholdView| answer(StatusCode::CREATED, true, v);
    Ok(idem
        .run(&state, respond, move |s| {
            s.split_household(&ctx, &scope, id, &split.parse()?, Some(&tag))
        })
        .await?)
}

/// A member to add: a person of the office by id or registry number.
#[derive(
    Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(default)]
pub struct NewMember {
    /// Person id (or give `registry_no`).
    #[schema(value_type = Option<String>)]
    pub person_id: Option<PersonId>,
    /// Registry number (or give `person_id`).
    pub registry_no: String,
    /// Relationship to the head (not `head`).
    #[schema(value_type = Relationship)]
    pub relationship: String,
    /// Move the person out of their current household if they are in one (otherwise that is
    /// `household.member.taken`).
    #[serde(rename = "move")]
    pub move_existing: bool,
}

impl NewMember {
    /// The member to add, parsed.
    pub fn parse(&self) -> daftar_domain::Result<AddMember> {
        AddMember::parse(
            self.person_id,
            &self.registry_no,
            &self.relationship,
            self.move_existing,
        )
    }
}

/// Members leaving to form a new household.
#[derive(
    Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(default)]
pub struct Split {
    /// Persons who leave (current members, not the head).
    #[schema(value_type = Vec<String>)]
    pub members: Vec<PersonId>,
    /// The head of the new household (one of `members`).
    #[schema(value_type = String)]
    pub head: Option<PersonId>,
}

impl Split {
    /// The split, checked for its shape.
    pub fn parse(&self) -> daftar_domain::Result<SplitHousehold> {
        SplitHousehold::parse(self.members.clone(), self.head)
    }
}

/// A member's relationship to the head.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct RelationshipChange {
    /// Relationship code (not `head`).
    pub relationship: String,
}

/// Changes a current member's relationship to the head. Audited.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/households/{household_id}/members/{person_id}", tag = "households",
    params(("office_id" = String, Path, description = "Office id"), ("household_id" = String, Path, description = "Household id"), ("person_id" = String, Path, description = "Member's person id"), ("If-Match" = String, Header, description = "The household's ETag")),
    request_body = RelationshipChange,
    responses((status = 200, body = HouseholdView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_relationship(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path(ids): Path<(OfficeId, HouseholdId, PersonId)>,
    headers: HeaderMap,
    idem: Idempotent,
    Json(change): Json<RelationshipChange>,
) -> WebResult<Response> {
    let tag = if_match_tag(&headers)?;
    let (ctx, scope, id, person) = (at.staff.audit(purpose::SERVICE), at.scope, ids.1, ids.2);
    let respond = |v: &HouseholdView| answer(StatusCode::OK, true, v);
    Ok(idem
        .run(&state, respond, move |s| {
            let relationship = Relationship::parse_member(&change.relationship)?;
            s.set_member_relationship(&ctx, &scope, id, person, relationship, Some(&tag))
        })
        .await?)
}

/// The stored answer of a household write: the household (with its `ETag` when `tagged`); a
/// replay reads it again.
fn answer(
    status: StatusCode,
    tagged: bool,
    v: &HouseholdView,
) -> daftar_domain::Result<daftar_domain::idempotency::StoredResponse> {
    let etag = tagged.then(|| format!("\"{}\"", daftar_domain::etag::tag_of(v)));
    json_answer(
        status,
        etag.as_deref(),
        v,
        ("household.read", "household", v.household.id.to_string()),
    )
}
