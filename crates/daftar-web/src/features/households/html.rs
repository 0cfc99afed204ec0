//! Household pages: the office's list, one household with its members' statuses and the forms
//! to add or move a member and to split members off.

use crate::auth::scope::{PersonRead, PersonWrite};
use crate::auth::{CsrfForm, InOffice, Staff};
use crate::error::WebResult;
use crate::extract::{Path, Query};
use crate::pages::{PageCtx, Pager, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use daftar_domain::audit::purpose;
use daftar_domain::household::{
    AddMember, HouseholdSummary, HouseholdView, Relationship, SplitHousehold,
};
use daftar_domain::ids::{HouseholdId, OfficeId, PersonId};
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{OfficeScope, Permission};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "households/list.html")]
struct ListPage {
    page: PageCtx,
    office_id: OfficeId,
    households: Vec<HouseholdSummary>,
    pager: Pager,
}

#[derive(Template)]
#[template(path = "households/show.html")]
struct ShowPage {
    page: PageCtx,
    office_id: OfficeId,
    view: HouseholdView,
    can_write: bool,
    error: Option<String>,
    relationships: Vec<Relationship>,
}

pub async fn list(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Query(req): Query<PageRequest>,
) -> WebResult<Response> {
    let (ctx, scope, office) = (at.staff.audit(purpose::SERVICE), at.scope, at.office_id());
    let page = state
        .db(move |s| s.list_households(&ctx, &scope, req.clamped()))
        .await?;
    let pager = Pager::new(&format!("/offices/{office}/households"), &page);
    Ok(render(
        StatusCode::OK,
        &ListPage {
            page: PageCtx::new(&state, &at.staff.ctx),
            office_id: office,
            households: page.items,
            pager,
        },
    ))
}

/// The "start a household" form on a person's page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateForm {
    head_person_id: String,
}

pub async fn create(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    CsrfForm(form): CsrfForm<CreateForm>,
) -> WebResult<Response> {
    let (ctx, scope, office) = (at.staff.audit(purpose::SERVICE), at.scope, at.office_id());
    let head: PersonId = form.head_person_id.trim().parse()?;
    let view = state
        .db(move |s| s.create_household(&ctx, &scope, head))
        .await?;
    Ok(Redirect::to(&format!(
        "/offices/{office}/households/{}",
        view.household.id
    ))
    .into_response())
}

async fn show_page(
    state: &AppState,
    staff: &Staff,
    office: OfficeId,
    id: HouseholdId,
    error: Option<daftar_domain::Error>,
) -> WebResult<Response> {
    let scope = staff.principal().scope(office, Permission::PersonRead)?;
    let ctx = staff.audit(purpose::SERVICE);
    let view = state.db(move |s| s.get_household(&ctx, &scope, id)).await?;
    let page = PageCtx::new(state, &staff.ctx);
    let status = error.as_ref().map_or(200, |e| e.kind.status());
    let error = error.map(|e| page.tr.error(e.code));
    Ok(render(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        &ShowPage {
            page,
            office_id: office,
            view,
            can_write: staff
                .principal()
                .scope(office, Permission::PersonWrite)
                .is_ok(),
            error,
            relationships: Relationship::ALL[1..].to_vec(),
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_, id)): Path<(OfficeId, HouseholdId)>,
) -> WebResult<Response> {
    show_page(&state, &at.staff, at.office_id(), id, None).await
}

/// After a change: to `target`, or the household page again with the error.
async fn after(
    state: &AppState,
    staff: &Staff,
    scope: OfficeScope,
    id: HouseholdId,
    result: daftar_domain::Result<HouseholdView>,
) -> WebResult<Response> {
    let office = scope.office_id();
    match result {
        Ok(v) => Ok(
            Redirect::to(&format!("/offices/{office}/households/{}", v.household.id))
                .into_response(),
        ),
        Err(e) if e.kind.status() < 500 && e.code != "household.not_found" => {
            show_page(state, staff, office, id, Some(e)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The add-member form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MemberForm {
    registry_no: String,
    relationship: String,
    #[serde(rename = "move")]
    move_existing: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((_, id)): Path<(OfficeId, HouseholdId)>,
    CsrfForm(f): CsrfForm<MemberForm>,
) -> WebResult<Response> {
    let (staff, scope) = (at.staff, at.scope);
    let ctx = staff.audit(purpose::SERVICE);
    let member = AddMember::parse(
        None,
        &f.registry_no,
        &f.relationship,
        f.move_existing == "1",
    );
    let result = state
        .db_parsed(member, move |s, m| {
            s.add_household_member(&ctx, &scope, id, &m, None)
        })
        .await;
    after(&state, &staff, scope, id, result).await
}

/// The split form: `member=<person id>` for each person leaving, `head=<person id>`.
pub async fn split(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((_, id)): Path<(OfficeId, HouseholdId)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let (staff, scope) = (at.staff, at.scope);
    let ids = |key: &str| -> Vec<PersonId> {
        pairs
            .iter()
            .filter(|(k, _)| k == key)
            .filter_map(|(_, v)| v.parse().ok())
            .collect()
    };
    let split = SplitHousehold::parse(ids("member"), ids("head").first().copied());
    let ctx = staff.audit(purpose::SERVICE);
    let result = state
        .db_parsed(split, move |s, split| {
            s.split_household(&ctx, &scope, id, &split, None)
        })
        .await;
    after(&state, &staff, scope, id, result).await
}

/// The relationship form of one member row.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RelationshipForm {
    relationship: String,
}

pub async fn set_relationship(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((_, id, person)): Path<(OfficeId, HouseholdId, PersonId)>,
    CsrfForm(f): CsrfForm<RelationshipForm>,
) -> WebResult<Response> {
    let (staff, scope) = (at.staff, at.scope);
    let ctx = staff.audit(purpose::SERVICE);
    let result = state
        .db(move |s| {
            let relationship = Relationship::parse_member(&f.relationship)?;
            s.set_member_relationship(&ctx, &scope, id, person, relationship, None)
        })
        .await;
    after(&state, &staff, scope, id, result).await
}
