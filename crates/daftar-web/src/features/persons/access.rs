//! "Who saw my record" (issue 20.5): a person's own access log, from the audit trail — when,
//! which office, which role (never a staff member's name), for what purpose and what was done.
//! The person sees it on the portal (`/portal/access`); staff of the person's office print it
//! for them at the counter (`/offices/{o}/persons/{p}/access`); any other office prints it
//! when the person gives it a share code made for an office (`/share`, checked with their birth
//! date; `features::credentials::share`). Viewing it is audited too.
//! JSON: `GET /api/v1/portal/access` (the person) and
//! `GET /api/v1/offices/{o}/persons/{p}/access` (the office's staff).

use crate::auth::scope::PersonRead;
use crate::auth::{InOffice, Staff};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Path, Query};
use crate::pages::{PageCtx, Pager, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use daftar_domain::audit::{AccessEntry, purpose};
use daftar_domain::ids::{OfficeId, PersonId};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::{OfficeScope, RoleCode};

/// One line of the log, ready to show (`persons/access_table.html`).
pub(crate) struct Line {
    pub(crate) when: String,
    pub(crate) office: String,
    pub(crate) role: String,
    pub(crate) purpose: String,
    pub(crate) what: String,
}

#[derive(Template)]
#[template(path = "persons/access.html")]
struct AccessPage {
    page: PageCtx,
    lines: Vec<Line>,
    pager: Pager,
    /// Where "back" goes.
    back: String,
}

/// An entry in the reader's language.
pub(crate) fn line(page: &PageCtx, e: &AccessEntry) -> Line {
    let tr = &page.tr;
    let office = if e.office_code.is_empty() {
        // No office: the system itself, or staff of no office — a partner service, the
        // association, or the authority (officers, inspectors, protection, audit).
        tr.t(match e.role.as_str() {
            "" => "access-office-none",
            RoleCode::PARTNER => "access-office-partner",
            RoleCode::ASSOCIATION => "access-office-association",
            _ => "access-office-authority",
        })
    } else {
        let name = if page.locale.tag == "en" {
            &e.office_name_en
        } else {
            &e.office_name_fa
        };
        format!("{name} ({})", e.office_code)
    };
    Line {
        when: tr.datetime(&e.at),
        office,
        role: if e.role.is_empty() {
            tr.t("access-role-none")
        } else {
            tr.t(&format!("role-{}", e.role))
        },
        purpose: tr.t(&format!("access-purpose-{}", e.purpose)),
        what: tr.t(&format!("access-kind-{}", e.kind())),
    }
}

/// Whose log, and where the page's links go.
struct Whose {
    scope: OfficeScope,
    person: PersonId,
    /// This page (the pager adds its query).
    base: String,
    /// Where "back" goes.
    back: String,
    /// The purpose recorded with the view.
    why: &'static str,
}

async fn log_page(
    state: &AppState,
    staff: &Staff,
    whose: Whose,
    page_req: PageRequest,
) -> WebResult<Response> {
    let page_req = page_req.checked()?;
    let Whose {
        scope,
        person,
        base,
        back,
        why,
    } = whose;
    let ctx = staff.audit(why);
    let log = state
        .db(move |s| s.person_access_log(&ctx, &scope, person, page_req))
        .await?;
    let page = PageCtx::new(state, &staff.ctx);
    let lines = log.items.iter().map(|e| line(&page, e)).collect();
    let pager = Pager::new(&base, &log);
    Ok(render(
        StatusCode::OK,
        &AccessPage {
            page,
            lines,
            pager,
            back,
        },
    ))
}

/// The signed-in person's own log (portal accounts only: `portal.only` otherwise).
pub async fn mine(
    State(state): State<AppState>,
    staff: Staff,
    Query(page): Query<PageRequest>,
) -> WebResult<Response> {
    let me = crate::features::portal::me(&state, staff).await?;
    let whose = Whose {
        scope: me.read,
        person: me.person,
        base: "/portal/access".into(),
        back: "/portal".into(),
        why: purpose::SELF_SERVICE,
    };
    log_page(&state, &me.staff, whose, page).await
}

/// A person's log, printed for them at their office.
pub async fn at_office(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((office, person)): Path<(OfficeId, PersonId)>,
    Query(page): Query<PageRequest>,
) -> WebResult<Response> {
    let whose = Whose {
        scope: at.scope,
        person,
        base: format!("/offices/{office}/persons/{person}/access"),
        back: format!("/offices/{office}/persons/{person}"),
        why: purpose::SERVICE,
    };
    log_page(&state, &at.staff, whose, page).await
}

/// A person's access log as data, for the staff of their office (the entries of the printed
/// page, newest first): when, which office, which role (never a staff member's name), the
/// purpose and the action. Viewing it is audited (`person.access_log`) and shows in it.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/persons/{person_id}/access", tag = "persons",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id"), PageRequest),
    responses((status = 200, body = Page<AccessEntry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_at_office(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_office, person)): Path<(OfficeId, PersonId)>,
    Query(page): Query<PageRequest>,
) -> WebResult<axum::Json<Page<AccessEntry>>> {
    let page = page.checked()?;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    Ok(axum::Json(
        state
            .db(move |s| s.person_access_log(&ctx, &scope, person, page))
            .await?,
    ))
}

/// The signed-in person's own access log ("who saw my record"), the entries of `/portal/access`
/// as data, newest first: when, which office, which role (never a staff member's name), the
/// purpose and the action (portal accounts only: 403 `portal.only`). Viewing it is audited
/// (`person.access_log`, purpose `self_service`) and shows in it.
#[utoipa::path(get, path = "/api/v1/portal/access", tag = "portal", params(PageRequest),
    responses((status = 200, body = Page<AccessEntry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_mine(
    State(state): State<AppState>,
    staff: Staff,
    Query(page): Query<PageRequest>,
) -> WebResult<axum::Json<Page<AccessEntry>>> {
    let me = crate::features::portal::me(&state, staff).await?;
    let page = page.checked()?;
    let (ctx, scope, person) = (me.staff.audit(purpose::SELF_SERVICE), me.read, me.person);
    Ok(axum::Json(
        state
            .db(move |s| s.person_access_log(&ctx, &scope, person, page))
            .await?,
    ))
}
