//! Person pages: the office's list with a registration form, and one person's page.

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
use daftar_domain::ids::{OfficeId, PersonId};
use daftar_domain::jalali::JalaliDate;
use daftar_domain::page::PageRequest;
use daftar_domain::permission::Permission;
use daftar_domain::person::{NewPerson, Person, Sex};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "persons/list.html")]
struct ListPage {
    page: PageCtx,
    office_id: OfficeId,
    persons: Vec<Person>,
    pager: Pager,
    can_write: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "persons/confirm.html")]
struct ConfirmPage {
    page: PageCtx,
    office_id: OfficeId,
    form: PersonForm,
    found: daftar_domain::person::Candidates,
    elsewhere_text: String,
}

#[derive(Template)]
#[template(path = "persons/show.html")]
struct ShowPage {
    page: PageCtx,
    person: Person,
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    office: OfficeId,
    req: PageRequest,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let scope = staff.principal().scope(office, Permission::PersonRead)?;
    let office = scope.office_id();
    let ctx = staff.audit(purpose::SERVICE);
    let persons = state
        .db(move |s| s.list_persons(&ctx, &scope, req.clamped()))
        .await?;
    let pager = Pager::new(&format!("/offices/{office}/persons"), &persons);
    let can_write = staff
        .principal()
        .scope(office, Permission::PersonWrite)
        .is_ok();
    Ok(render(
        status,
        &ListPage {
            page: PageCtx::new(state, &staff.ctx),
            office_id: office,
            persons: persons.items,
            pager,
            can_write,
            error,
        },
    ))
}

pub async fn list(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Query(req): Query<PageRequest>,
) -> WebResult<Response> {
    list_page(&state, &at.staff, at.office_id(), req, None, StatusCode::OK).await
}

/// The registration form; every field defaults to empty so that validation (after the scope
/// check) names the missing field.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct PersonForm {
    confirm: String,
    given_name: String,
    family_name: String,
    father_name: String,
    birth_date: String,
    sex: String,
    nationality: String,
}

impl PersonForm {
    fn parse(&self) -> daftar_domain::Result<NewPerson> {
        let birth_date = match self.birth_date.trim() {
            "" => None,
            s => Some(
                JalaliDate::parse(s)
                    .map_err(|e| e.with_field("birth_date"))?
                    .iso_string(),
            ),
        };
        let new = NewPerson {
            given_name: self.given_name.trim().into(),
            family_name: self.family_name.trim().into(),
            father_name: self.father_name.trim().into(),
            birth_date,
            sex: Sex::parse(self.sex.trim())?,
            nationality: self.nationality.trim().to_ascii_uppercase(),
        };
        new.validate(time::OffsetDateTime::now_utc().date())?;
        Ok(new)
    }
}

pub async fn create(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    CsrfForm(form): CsrfForm<PersonForm>,
) -> WebResult<Response> {
    let (staff, scope, office) = (at.staff, at.scope, at.scope.office_id());
    let result = match form.parse() {
        Ok(new) if form.confirm != "1" => {
            // Before saving, show likely duplicates (in this office; others only counted).
            let reach = daftar_domain::permission::Reach::Office(
                staff.principal().scope(office, Permission::PersonRead)?,
            );
            let (ctx, probe) = (staff.audit(purpose::SERVICE), new.clone());
            let found = state
                .db(move |s| s.person_candidates(&ctx, &reach, &probe, 10))
                .await?;
            if !found.candidates.is_empty() || found.elsewhere > 0 {
                let page = PageCtx::new(&state, &staff.ctx);
                let elsewhere_text = page.tr.ta(
                    "candidates-elsewhere",
                    &[("count", page.tr.num(found.elsewhere))],
                );
                let page = ConfirmPage {
                    page,
                    office_id: office,
                    form,
                    found,
                    elsewhere_text,
                };
                return Ok(render(StatusCode::OK, &page));
            }
            let ctx = staff.audit(purpose::SERVICE);
            state.db(move |s| s.create_person(&ctx, &scope, &new)).await
        }
        Ok(new) => {
            let ctx = staff.audit(purpose::SERVICE);
            state.db(move |s| s.create_person(&ctx, &scope, &new)).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(Redirect::to(&format!("/offices/{office}/persons/{}", p.id)).into_response()),
        Err(e) if e.kind.status() < 500 => {
            let msg = PageCtx::new(&state, &staff.ctx).tr.error(e.code);
            let status = StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::BAD_REQUEST);
            list_page(
                &state,
                &staff,
                office,
                PageRequest::default(),
                Some(msg),
                status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn show(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_, id)): Path<(OfficeId, PersonId)>,
) -> WebResult<Response> {
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let person = state.db(move |s| s.get_person(&ctx, &scope, id)).await?;
    Ok(render(
        StatusCode::OK,
        &ShowPage {
            page: PageCtx::new(&state, &at.staff.ctx),
            person,
        },
    ))
}
