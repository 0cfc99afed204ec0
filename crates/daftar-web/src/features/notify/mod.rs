//! Notifications as staff and persons see them (issue 19.3; rules in `daftar_domain::notify`,
//! the sender in [`crate::notify`]):
//!
//! - `/offices/{o}/notifications`: the office's notices, newest first, by status and kind,
//!   without addresses; only the office's own staff (`person.read`), audited `notify.list`;
//! - `/notifications`: the authority's counts per office and status (no person; roles with
//!   `office.all` and `person.read`, i.e. authority officers, not partners);
//! - `/offices/{o}/persons/{p}/notifications`: one person's notices with the address each went
//!   to, and their choice (opt out of all but legally required notices, language), which the
//!   office's staff with `person.write` may change; only the office's own staff, audited
//!   `notify.read` / `notify.prefs`;
//! - `/portal/notifications`: the same for the person themself.

use crate::auth::scope::{PersonRead, PersonWrite};
use crate::auth::{CsrfForm, InOffice, Staff};
use crate::error::WebResult;
use crate::extract::{Path, Query};
use crate::features::portal::me;
use crate::pages::{PageCtx, Pager, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use daftar_domain::audit::purpose;
use daftar_domain::ids::{OfficeId, PersonId};
use daftar_domain::notify::{Filter, Kind, LOCALES, Notice, Status, parse_locale};
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, system_scope};
use daftar_domain::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(counts))
        .route("/offices/{office_id}/notifications", get(office_list))
        .route(
            "/offices/{office_id}/persons/{person_id}/notifications",
            get(person_page).post(person_prefs),
        )
        .route("/portal/notifications", get(portal_page).post(portal_prefs))
}

/// Refused unless the caller belongs to `office` (addresses and the office's list never leave
/// it, not even for roles that reach every office).
fn own_office(staff: &Staff, office: OfficeId) -> Result<()> {
    if staff.auth.user.office_id == Some(office) {
        Ok(())
    } else {
        Err(Error::forbidden("office.scope.denied")
            .with_details(serde_json::json!({ "office_id": office.to_string() })))
    }
}

/// A notice as shown.
pub(crate) struct Row {
    id: String,
    person: String,
    person_href: String,
    kind: String,
    status: String,
    status_code: &'static str,
    locale: String,
    address: String,
    attempts: u32,
    error: String,
    created: String,
    sent: String,
}

fn row(page: &PageCtx, office: OfficeId, n: &Notice) -> Row {
    let tr = &page.tr;
    Row {
        id: n.id.clone(),
        person: n.person_name.clone(),
        person_href: format!("/offices/{office}/persons/{}/notifications", n.person_id),
        kind: tr.t(&format!("notify-kind-{}", n.kind.code())),
        status: tr.t(&format!("notify-status-{}", n.status.code())),
        status_code: n.status.code(),
        locale: n.locale.clone(),
        address: n.address.clone().unwrap_or_default(),
        attempts: n.attempts,
        error: match n.last_error.as_str() {
            "notify.no_address" => tr.t("notify-reason-no-address"),
            "notify.opted_out" => tr.t("notify-reason-opted-out"),
            other => other.to_owned(),
        },
        created: tr.datetime(&n.created_at),
        sent: n.sent_at.map(|t| tr.datetime(&t)).unwrap_or_default(),
    }
}

/// Choices of a select: (code, label).
type Choices = Vec<(&'static str, String)>;

/// The filter choices: statuses and kinds.
fn choices(page: &PageCtx) -> (Choices, Choices) {
    (
        Status::ALL
            .iter()
            .map(|s| (s.code(), page.t(&format!("notify-status-{}", s.code()))))
            .collect(),
        Kind::ALL
            .iter()
            .map(|k| (k.code(), page.t(&format!("notify-kind-{}", k.code()))))
            .collect(),
    )
}

#[derive(Template)]
#[template(path = "notify/office.html")]
struct OfficePage {
    page: PageCtx,
    office_id: OfficeId,
    office_code: String,
    rows: Vec<Row>,
    pager: Pager,
    status: String,
    kind: String,
    statuses: Vec<(&'static str, String)>,
    kinds: Vec<(&'static str, String)>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    page: Option<u32>,
    per_page: Option<u32>,
    status: String,
    kind: String,
}

async fn office_list(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path(office): Path<OfficeId>,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    own_office(&at.staff, office)?;
    let filter = Filter {
        status: match q.status.as_str() {
            "" => None,
            s => Some(Status::parse(s)?),
        },
        kind: match q.kind.as_str() {
            "" => None,
            k => Some(Kind::parse(k)?),
        },
    };
    let req = PageRequest {
        page: q.page.unwrap_or(1).max(1),
        per_page: q.per_page.unwrap_or(50),
    };
    let (scope, ctx) = (at.scope, at.staff.audit(purpose::SERVICE));
    let (found, o) = state
        .db(move |s| {
            Ok((
                s.office_notices(&ctx, &scope, &filter, req)?,
                s.get_office(office)?,
            ))
        })
        .await?;
    let page = PageCtx::new(&state, &at.staff.ctx);
    let rows = found.items.iter().map(|n| row(&page, office, n)).collect();
    let (statuses, kinds) = choices(&page);
    let base = format!(
        "/offices/{office}/notifications?status={}&kind={}",
        q.status, q.kind
    );
    Ok(render(
        StatusCode::OK,
        &OfficePage {
            page,
            office_id: office,
            office_code: o.code.as_str().to_owned(),
            rows,
            pager: Pager::new(&base, &found),
            status: q.status,
            kind: q.kind,
            statuses,
            kinds,
        },
    ))
}

/// One office's counts: (office code, per status in [`Status::ALL`] order).
pub(crate) struct CountRow {
    code: String,
    counts: Vec<u64>,
}

#[derive(Template)]
#[template(path = "notify/counts.html")]
struct CountsPage {
    page: PageCtx,
    statuses: Vec<String>,
    rows: Vec<CountRow>,
}

async fn counts(State(state): State<AppState>, staff: Staff) -> WebResult<Response> {
    let p = staff.principal();
    // The authority (every office and persons' records): counts. Partners and other aggregate
    // readers do not see them.
    if !(p.has(Permission::OfficeAll) && p.has(Permission::PersonRead)) {
        // Office staff: their own office's list.
        if let (true, Some(o)) = (p.has(Permission::PersonRead), staff.auth.user.office_id) {
            return Ok(Redirect::to(&format!("/offices/{o}/notifications")).into_response());
        }
        return Err(Error::forbidden("auth.forbidden")
            .with_details(serde_json::json!({ "permission": "person.read" }))
            .into());
    }
    let all = state.db(|s| s.notice_counts()).await?;
    let mut by_office: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for c in all {
        let i = Status::ALL.iter().position(|s| *s == c.status).unwrap_or(0);
        by_office
            .entry(c.code)
            .or_insert_with(|| vec![0; Status::ALL.len()])[i] += c.count;
    }
    let page = PageCtx::new(&state, &staff.ctx);
    let statuses = Status::ALL
        .iter()
        .map(|s| page.t(&format!("notify-status-{}", s.code())))
        .collect();
    Ok(render(
        StatusCode::OK,
        &CountsPage {
            page,
            statuses,
            rows: by_office
                .into_iter()
                .map(|(code, counts)| CountRow { code, counts })
                .collect(),
        },
    ))
}

#[derive(Template)]
#[template(path = "notify/person.html")]
struct PersonPage {
    page: PageCtx,
    action: String,
    back: String,
    rows: Vec<Row>,
    opted_out: bool,
    locale: String,
    email: String,
    locales: Vec<(&'static str, String)>,
    may_change: bool,
    saved: bool,
}

/// The prefs form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PrefsForm {
    opt_out: Option<String>,
    locale: String,
    email: String,
}

impl PrefsForm {
    /// The choice as the store takes it (`notify.locale.invalid`, `notify.email.invalid`).
    fn prefs(&self) -> daftar_domain::Result<daftar_domain::notify::Prefs> {
        Ok(daftar_domain::notify::Prefs {
            opted_out: self.opt_out.is_some(),
            locale: parse_locale(&self.locale)?.map(str::to_owned),
            email: daftar_domain::notify::parse_email(&self.email)?,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Saved {
    saved: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn person_render(
    state: &AppState,
    staff: &Staff,
    scope: daftar_domain::permission::OfficeScope,
    office: OfficeId,
    person: PersonId,
    portal: bool,
    may_change: bool,
    saved: bool,
) -> WebResult<Response> {
    let ctx = staff.audit(if portal {
        purpose::SELF_SERVICE
    } else {
        purpose::SERVICE
    });
    let (notices, prefs) = state
        .db(move |s| s.person_notices(&ctx, &scope, person))
        .await?;
    let page = PageCtx::new(state, &staff.ctx);
    let rows = notices.iter().map(|n| row(&page, office, n)).collect();
    let locales = LOCALES
        .iter()
        .map(|l| (*l, page.t(&format!("notify-locale-{l}"))))
        .collect();
    let (action, back) = if portal {
        ("/portal/notifications".to_owned(), "/portal".to_owned())
    } else {
        (
            format!("/offices/{office}/persons/{person}/notifications"),
            format!("/offices/{office}/persons/{person}"),
        )
    };
    let mut response = render(
        StatusCode::OK,
        &PersonPage {
            page,
            action,
            back,
            rows,
            opted_out: prefs.opted_out,
            locale: prefs.locale.unwrap_or_default(),
            email: prefs.email.unwrap_or_default(),
            locales,
            may_change,
            saved,
        },
    );
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

async fn person_page(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((office, person)): Path<(OfficeId, PersonId)>,
    Query(q): Query<Saved>,
) -> WebResult<Response> {
    own_office(&at.staff, office)?;
    let may_change = at
        .staff
        .principal()
        .scope(office, Permission::PersonWrite)
        .is_ok();
    person_render(
        &state,
        &at.staff,
        at.scope,
        office,
        person,
        false,
        may_change,
        q.saved.is_some(),
    )
    .await
}

async fn person_prefs(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((office, person)): Path<(OfficeId, PersonId)>,
    CsrfForm(form): CsrfForm<PrefsForm>,
) -> WebResult<Response> {
    own_office(&at.staff, office)?;
    let prefs = form.prefs()?;
    let (scope, ctx) = (at.scope, at.staff.audit(purpose::SERVICE));
    state
        .db(move |s| s.set_notify_prefs(&ctx, &scope, person, &prefs))
        .await?;
    Ok(Redirect::to(&format!(
        "/offices/{office}/persons/{person}/notifications?saved=1"
    ))
    .into_response())
}

async fn portal_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<Saved>,
) -> WebResult<Response> {
    let me = me(&state, staff).await?;
    let scope = system_scope(me.office, Permission::PersonRead);
    person_render(
        &state,
        &me.staff,
        scope,
        me.office,
        me.person,
        true,
        true,
        q.saved.is_some(),
    )
    .await
}

async fn portal_prefs(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<PrefsForm>,
) -> WebResult<Response> {
    let me = me(&state, staff).await?;
    let prefs = form.prefs()?;
    // The person's own choice: allowed even while their office is suspended.
    let scope = system_scope(me.office, Permission::PersonWrite);
    let (ctx, person) = (me.staff.audit(purpose::SELF_SERVICE), me.person);
    state
        .db(move |s| s.set_notify_prefs(&ctx, &scope, person, &prefs))
        .await?;
    Ok(Redirect::to("/portal/notifications?saved=1").into_response())
}
