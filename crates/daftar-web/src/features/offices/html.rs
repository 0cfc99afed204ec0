//! Office pages.

use crate::auth::scope::OfficeRead;
use crate::auth::{CsrfForm, InOffice, Staff};
use crate::error::WebResult;
use crate::extract::Query;
use crate::pages::{PageCtx, Pager, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use daftar_domain::audit::purpose;
use daftar_domain::office::{CreateOffice, Office, OfficeCode};
use daftar_domain::page::PageRequest;
use daftar_domain::permission::Permission;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "offices/list.html")]
struct ListPage {
    page: PageCtx,
    offices: Vec<Office>,
    pager: Pager,
    can_create: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "offices/show.html")]
struct ShowPage {
    page: PageCtx,
    office: Office,
    can_persons: bool,
    can_users: bool,
    can_manage: bool,
    can_accreditation: bool,
    standing: &'static str,
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    req: PageRequest,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let reach = staff.principal().reach(Permission::OfficeRead)?;
    let offices = state
        .db(move |s| s.list_offices(&reach, req.clamped()))
        .await?;
    let pager = Pager::new("/offices", &offices);
    let page = PageCtx::new(state, &staff.ctx);
    let can_create = staff.principal().has(Permission::OfficeManage);
    Ok(render(
        status,
        &ListPage {
            page,
            offices: offices.items,
            pager,
            can_create,
            error,
        },
    ))
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(req): Query<PageRequest>,
) -> WebResult<Response> {
    list_page(&state, &staff, req, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct OfficeForm {
    code: String,
    name_fa: String,
    name_en: String,
    province: String,
    district: String,
}

pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<OfficeForm>,
) -> WebResult<Response> {
    staff.principal().require(Permission::OfficeManage)?;
    let parsed = OfficeCode::parse(&form.code).and_then(|code| {
        CreateOffice::parse(
            code,
            &form.name_fa,
            &form.name_en,
            &form.province,
            &form.district,
        )
    });
    let result = match parsed {
        Ok(new) => {
            let ctx = staff.audit(purpose::ADMINISTRATION);
            state.db(move |s| s.create_office(&ctx, &new)).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(o) => Ok(Redirect::to(&format!("/offices/{}", o.id)).into_response()),
        Err(e) if e.kind.status() < 500 => {
            let msg = PageCtx::new(&state, &staff.ctx).tr.error(e.code);
            list_page(
                &state,
                &staff,
                PageRequest::default(),
                Some(msg),
                StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::BAD_REQUEST),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn show(State(state): State<AppState>, at: InOffice<OfficeRead>) -> WebResult<Response> {
    let (staff, id) = (at.staff, at.scope.office_id());
    let office = state.db(move |s| s.get_office(id)).await?;
    let p = staff.principal();
    let can_persons = p.scope(id, Permission::PersonRead).is_ok();
    let can_users = p.scope(id, Permission::UserManage).is_ok();
    let can_manage = p.has(Permission::OfficeManage);
    let can_accreditation = p.scope(id, Permission::AccreditationManage).is_ok() || can_users;
    let standing = daftar_domain::licence::OfficeStanding::of(&office, state.clock.today())
        .licence
        .code();
    Ok(render(
        StatusCode::OK,
        &ShowPage {
            page: PageCtx::new(&state, &staff.ctx),
            office,
            can_persons,
            can_users,
            can_manage,
            can_accreditation,
            standing,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusForm {
    status: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    at: InOffice<OfficeRead>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> WebResult<Response> {
    super::api::change_status(&state, &at, &form.status, None).await?;
    Ok(Redirect::to(&format!("/offices/{}", at.office_id())).into_response())
}
