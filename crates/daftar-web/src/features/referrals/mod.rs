//! Referrals to partner services (issue 20.1; rules in `daftar_domain::referral`, partners and
//! referral types in the profile's `referrals.toml`). Staff of the person's office refer them
//! with their consent and withdraw it for them (`/offices/{o}/persons/{p}/referrals`); the
//! person sees their referrals and withdraws consent on the portal (`/portal/referrals`); a
//! partner user sees the referrals addressed to their partner — a list that names no one, and
//! one referral at a time with what it shares, audited — and accepts, declines or completes
//! them (`/referrals`). JSON: `/api/v1/referrals…` (the partner),
//! `/api/v1/offices/{o}/persons/{p}/referrals…` (the office) and `/api/v1/portal/referrals…`
//! (the person; [`api`]).

pub mod api;

use crate::auth::scope::{PersonRead, PersonWrite};
use crate::auth::{CsrfForm, InOffice, Staff};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path, Query};
use crate::features::portal::me;
use crate::idempotency::{Idempotent, json_answer};
use crate::pages::{PageCtx, Pager, form_error, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use daftar_domain::audit::purpose;
use daftar_domain::ids::{OfficeId, PersonId};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::{OfficeScope, Permission};
use daftar_domain::referral::{Action, Consent, Referral, ReferralState};
use daftar_domain::store::{ReferralActor, Store};
use daftar_domain::{Error, Result};
use serde::{Deserialize, Serialize};

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/offices/{office_id}/persons/{person_id}/referrals",
            get(person_page).post(create),
        )
        .route(
            "/offices/{office_id}/persons/{person_id}/referrals/{referral_id}/withdraw",
            post(office_withdraw),
        )
        .route("/portal/referrals", get(portal_page))
        .route(
            "/portal/referrals/{referral_id}/withdraw",
            post(portal_withdraw),
        )
        .route("/referrals", get(inbox))
        .route("/referrals/{referral_id}", get(show).post(act))
        .route("/api/v1/referrals", get(api_inbox))
        .route("/api/v1/referrals/{referral_id}", get(api_show))
        .route("/api/v1/referrals/{referral_id}/actions", post(api_act))
        .route(
            "/api/v1/offices/{office_id}/persons/{person_id}/referrals",
            get(api::person_list).post(api_create),
        )
        .route(
            "/api/v1/offices/{office_id}/persons/{person_id}/referrals/{referral_id}/withdraw",
            post(api::office_withdraw),
        )
        .route("/api/v1/portal/referrals", get(api::portal_list))
        .route(
            "/api/v1/portal/referrals/{referral_id}/withdraw",
            post(api::portal_withdraw),
        )
}

/// A referral id from a path (`referral.not_found` for anything that is not one).
fn referral_id(s: &str) -> Result<String> {
    s.parse::<ulid::Ulid>()
        .map(|u| u.to_string())
        .map_err(|_| Error::not_found("referral.not_found"))
}

/// The partner side is for accounts with `referral.receive` only.
fn partner(staff: &Staff) -> Result<()> {
    staff.principal().require(Permission::ReferralReceive)
}

/// A referral as shown.
struct Row {
    id: String,
    reference: String,
    kind: String,
    partner: String,
    state: String,
    state_code: &'static str,
    consent: String,
    made: String,
    changed: String,
    note: String,
    /// (label, value) of what it shares.
    shared: Vec<(String, String)>,
    open: bool,
}

fn row(state: &AppState, page: &PageCtx, r: &Referral) -> Row {
    let tag = page.locale.tag;
    let refs = &state.profile.referrals;
    Row {
        id: r.id.clone(),
        reference: r.reference.clone(),
        kind: refs
            .get(&r.type_code)
            .map(|t| t.names.get(tag).to_owned())
            .unwrap_or_else(|_| r.type_code.clone()),
        partner: refs
            .partner(&r.partner)
            .map(|p| p.names.get(tag).to_owned())
            .unwrap_or_else(|| r.partner.clone()),
        state: page.t(&format!("referral-state-{}", r.state.code())),
        state_code: r.state.code(),
        consent: page.t(&format!("referral-consent-{}", r.consent.code())),
        made: page.tr.datetime(&r.created_at),
        changed: page.tr.datetime(&r.updated_at),
        note: r.note.clone(),
        shared: r
            .attributes
            .iter()
            .map(|(a, v)| {
                let v = match a {
                    daftar_domain::referral::Attribute::BirthDate if !v.is_empty() => {
                        page.tr.date(v)
                    }
                    daftar_domain::referral::Attribute::Sex => page.t(&format!("sex-{v}")),
                    _ => v.clone(),
                };
                (page.t(&format!("referral-attribute-{}", a.code())), v)
            })
            .collect(),
        open: r.state != ReferralState::Withdrawn,
    }
}

/// A referral type the office may choose, with what it shares.
struct Offer {
    code: String,
    name: String,
    partner: String,
    shares: String,
}

fn offers(state: &AppState, page: &PageCtx) -> Vec<Offer> {
    let tag = page.locale.tag;
    let refs = &state.profile.referrals;
    refs.types
        .iter()
        .map(|t| Offer {
            code: t.code.clone(),
            name: t.names.get(tag).to_owned(),
            partner: refs
                .partner(&t.partner)
                .map(|p| p.names.get(tag).to_owned())
                .unwrap_or_default(),
            shares: t
                .attributes
                .iter()
                .map(|a| page.t(&format!("referral-attribute-{}", a.code())))
                .collect::<Vec<_>>()
                .join("، "),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "referrals/person.html")]
struct PersonPage {
    page: PageCtx,
    office: OfficeId,
    person: PersonId,
    who: String,
    registry_no: String,
    referrals: Vec<Row>,
    offers: Vec<Offer>,
    can_refer: bool,
    made: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Made {
    made: String,
}

async fn person_render(
    state: &AppState,
    staff: &Staff,
    scope: OfficeScope,
    person: PersonId,
    made: Option<String>,
    error: Option<(String, StatusCode)>,
) -> WebResult<Response> {
    let office = scope.office_id();
    let ctx = staff.audit(purpose::SERVICE);
    let (record, referrals) = state
        .db(move |s| {
            let record = s.get_person(&ctx, &scope, person)?;
            Ok((record, s.person_referrals(&ctx, Some(office), person)?))
        })
        .await?;
    let page = PageCtx::new(state, &staff.ctx);
    let rows = referrals.iter().map(|r| row(state, &page, r)).collect();
    let offers = offers(state, &page);
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.1);
    let p = record.person;
    Ok(render(
        status,
        &PersonPage {
            can_refer: staff.principal().has(Permission::PersonWrite),
            page,
            office,
            person,
            who: format!("{} {}", p.given_name, p.family_name),
            registry_no: p.registry_no,
            referrals: rows,
            offers,
            made,
            error: error.map(|e| e.0),
        },
    ))
}

async fn person_page(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_office, person)): Path<(OfficeId, PersonId)>,
    Query(q): Query<Made>,
) -> WebResult<Response> {
    let made = Some(q.made).filter(|m| !m.is_empty() && m.len() <= 16);
    person_render(&state, &at.staff, at.scope, person, made, None).await
}

/// The referral form: the type and the person's consent (a checkbox the clerk ticks when the
/// person has agreed to what is shared).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReferForm {
    r#type: String,
    consent: Option<String>,
}

/// The store work of referring the person, once the type and consent are checked (the store
/// checks the office, eligibility and copies the attributes).
fn referral(
    state: &AppState,
    staff: &Staff,
    scope: OfficeScope,
    person: PersonId,
    type_code: &str,
    consent: bool,
) -> Result<impl FnOnce(&dyn Store) -> Result<Referral> + Send + 'static> {
    let ty = state.profile.referrals.get(type_code.trim())?.clone();
    if !consent {
        return Err(Error::conflict("referral.consent.required").with_field("consent"));
    }
    let ctx = staff.audit(purpose::SERVICE);
    let today = state.today();
    Ok(move |s: &dyn Store| s.create_referral(&ctx, &scope, person, &ty, Consent::Office, today))
}

async fn create(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((office, person)): Path<(OfficeId, PersonId)>,
    CsrfForm(form): CsrfForm<ReferForm>,
) -> WebResult<Response> {
    let made = match referral(
        &state,
        &at.staff,
        at.scope,
        person,
        &form.r#type,
        form.consent.is_some(),
    ) {
        Ok(work) => state.db(work).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(r) => Ok(Redirect::to(&format!(
            "/offices/{office}/persons/{person}/referrals?made={}",
            r.reference
        ))
        .into_response()),
        Err(e) => {
            let shown = form_error(&state, &at.staff.ctx, e)?;
            let read = at.staff.principal().scope(office, Permission::PersonRead)?;
            person_render(&state, &at.staff, read, person, None, Some(shown)).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NoteForm {
    action: String,
    note: String,
}

async fn office_withdraw(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((office, person, id)): Path<(OfficeId, PersonId, String)>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> WebResult<Response> {
    withdraw_at_office(&state, &at, office, person, &id, form.note).await?;
    Ok(Redirect::to(&format!("/offices/{office}/persons/{person}/referrals")).into_response())
}

/// The office withdraws referral `id` of `person` (the page's form and the API): only a
/// referral of the person the path names, which the store checks (found by a test: any referral
/// of the office was withdrawn under any person's path).
pub(super) async fn withdraw_at_office(
    state: &AppState,
    at: &InOffice<PersonWrite>,
    office: OfficeId,
    person: PersonId,
    id: &str,
    note: String,
) -> Result<Referral> {
    let id = referral_id(id)?;
    let ctx = at.staff.audit(purpose::SERVICE);
    state
        .db(move |s| {
            s.act_on_referral(
                &ctx,
                ReferralActor::Office(office, person),
                &id,
                Action::Withdraw,
                &note,
            )
        })
        .await
}

#[derive(Template)]
#[template(path = "referrals/portal.html")]
struct PortalPage {
    page: PageCtx,
    referrals: Vec<Row>,
}

async fn portal_page(State(state): State<AppState>, staff: Staff) -> WebResult<Response> {
    let me = me(&state, staff).await?;
    let ctx = me.staff.audit(purpose::SELF_SERVICE);
    let person = me.person;
    let referrals = state
        .db(move |s| s.person_referrals(&ctx, None, person))
        .await?;
    let page = PageCtx::new(&state, &me.staff.ctx);
    let referrals = referrals.iter().map(|r| row(&state, &page, r)).collect();
    Ok(render(StatusCode::OK, &PortalPage { page, referrals }))
}

async fn portal_withdraw(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> WebResult<Response> {
    let id = referral_id(&id)?;
    let me = me(&state, staff).await?;
    let ctx = me.staff.audit(purpose::SELF_SERVICE);
    let person = me.person;
    state
        .db(move |s| {
            s.act_on_referral(
                &ctx,
                ReferralActor::Person(person),
                &id,
                Action::Withdraw,
                &form.note,
            )
        })
        .await?;
    Ok(Redirect::to("/portal/referrals").into_response())
}

#[derive(Template)]
#[template(path = "referrals/inbox.html")]
struct InboxPage {
    page: PageCtx,
    partner: String,
    referrals: Vec<Row>,
    pager: Pager,
    states: Vec<(&'static str, String, bool)>,
}

/// Query of the partner's list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct InboxQuery {
    /// Page (from 1).
    pub page: Option<u32>,
    /// Only referrals in this state (`pending`, `accepted`, `declined`, `completed`,
    /// `withdrawn`).
    pub state: Option<String>,
}

impl InboxQuery {
    fn parts(&self) -> Result<(Option<ReferralState>, PageRequest)> {
        let state = match self.state.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(ReferralState::parse(s)?),
        };
        let req = PageRequest {
            page: self.page.unwrap_or(1),
            per_page: 50,
        }
        .checked()?;
        Ok((state, req))
    }
}

async fn inbox(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<InboxQuery>,
) -> WebResult<Response> {
    partner(&staff)?;
    let (only, req) = q.parts()?;
    let ctx = staff.audit(purpose::SERVICE);
    let (code, found) = state
        .db(move |s| s.partner_referrals(&ctx, only, req))
        .await?;
    let page = PageCtx::new(&state, &staff.ctx);
    let tag = page.locale.tag;
    let partner = state
        .profile
        .referrals
        .partner(&code)
        .map(|p| p.names.get(tag).to_owned())
        .unwrap_or(code);
    let referrals = found.items.iter().map(|r| row(&state, &page, r)).collect();
    let base = match only {
        Some(s) => format!("/referrals?state={}", s.code()),
        None => "/referrals".into(),
    };
    let states = ReferralState::ALL
        .iter()
        .map(|s| {
            (
                s.code(),
                page.t(&format!("referral-state-{}", s.code())),
                Some(*s) == only,
            )
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &InboxPage {
            pager: Pager::new(&base, &found),
            page,
            partner,
            referrals,
            states,
        },
    ))
}

#[derive(Template)]
#[template(path = "referrals/show.html")]
struct ShowPage {
    page: PageCtx,
    r: Row,
    can_accept: bool,
    can_complete: bool,
    error: Option<String>,
}

async fn show_render(
    state: &AppState,
    staff: &Staff,
    id: String,
    error: Option<(String, StatusCode)>,
) -> WebResult<Response> {
    partner(staff)?;
    let ctx = staff.audit(purpose::SERVICE);
    let r = state.db(move |s| s.partner_referral(&ctx, &id)).await?;
    let page = PageCtx::new(state, &staff.ctx);
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.1);
    Ok(render(
        status,
        &ShowPage {
            can_accept: r.state == ReferralState::Pending,
            can_complete: r.state == ReferralState::Accepted,
            r: row(state, &page, &r),
            page,
            error: error.map(|e| e.0),
        },
    ))
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> WebResult<Response> {
    show_render(&state, &staff, referral_id(&id)?, None).await
}

/// The partner's step: accept, decline or complete.
async fn partner_step(
    state: &AppState,
    staff: &Staff,
    id: String,
    action: &str,
    note: String,
) -> Result<Referral> {
    partner(staff)?;
    let action = Action::parse(action.trim())?;
    if action == Action::Withdraw {
        return Err(Error::forbidden("referral.action.forbidden"));
    }
    let ctx = staff.audit(purpose::SERVICE);
    state
        .db(move |s| s.act_on_referral(&ctx, ReferralActor::Partner, &id, action, &note))
        .await
}

async fn act(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> WebResult<Response> {
    let id = referral_id(&id)?;
    match partner_step(&state, &staff, id.clone(), &form.action, form.note).await {
        Ok(r) => Ok(Redirect::to(&format!("/referrals/{}", r.id)).into_response()),
        Err(e) => {
            let shown = form_error(&state, &staff.ctx, e)?;
            show_render(&state, &staff, id, Some(shown)).await
        }
    }
}

/// A referral in JSON: what it shares only when it is asked for alone.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReferralJson {
    /// Id.
    pub id: String,
    /// Reference (`RF-…`).
    pub reference: String,
    /// Referral type code.
    #[serde(rename = "type")]
    pub type_code: String,
    /// Partner code.
    pub partner: String,
    /// State.
    pub state: ReferralState,
    /// How consent was given.
    pub consent: Consent,
    /// Attribute → value shared with the partner (empty in the partner's list and after
    /// withdrawal).
    pub shared: std::collections::BTreeMap<String, String>,
    /// The partner's reason or outcome, or the withdrawal note.
    pub note: String,
    /// Made (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: time::OffsetDateTime,
    /// Last changed (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: time::OffsetDateTime,
}

impl From<Referral> for ReferralJson {
    fn from(r: Referral) -> Self {
        Self {
            id: r.id,
            reference: r.reference,
            type_code: r.type_code,
            partner: r.partner,
            state: r.state,
            consent: r.consent,
            shared: r
                .attributes
                .into_iter()
                .map(|(a, v)| (a.code().to_owned(), v))
                .collect(),
            note: r.note,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The referrals addressed to the caller's partner, newest first, naming no one (a partner
/// user bound to a partner; 403 `referral.partner.none` otherwise). Audited.
#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals", params(InboxQuery),
    responses((status = 200, body = Page<ReferralJson>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_inbox(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<InboxQuery>,
) -> WebResult<axum::Json<Page<ReferralJson>>> {
    partner(&staff)?;
    let (only, req) = q.parts()?;
    let ctx = staff.audit(purpose::SERVICE);
    let (_, found) = state
        .db(move |s| s.partner_referrals(&ctx, only, req))
        .await?;
    Ok(axum::Json(found.map(ReferralJson::from)))
}

/// One referral addressed to the caller's partner, with what it shares. Audited (the person
/// sees it in their access log).
#[utoipa::path(get, path = "/api/v1/referrals/{referral_id}", tag = "referrals",
    params(("referral_id" = String, Path, description = "Referral id")),
    responses((status = 200, body = ReferralJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> WebResult<axum::Json<ReferralJson>> {
    partner(&staff)?;
    let id = referral_id(&id)?;
    let ctx = staff.audit(purpose::SERVICE);
    let r = state.db(move |s| s.partner_referral(&ctx, &id)).await?;
    Ok(axum::Json(r.into()))
}

/// A partner's step on a referral.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// `accept`, `decline` (note: the reason) or `complete` (note: the outcome).
    pub action: String,
    /// Reason or outcome (≤ 500 characters).
    #[serde(default)]
    pub note: String,
}

/// The partner accepts or declines a pending referral, or completes an accepted one.
#[utoipa::path(post, path = "/api/v1/referrals/{referral_id}/actions", tag = "referrals",
    params(("referral_id" = String, Path, description = "Referral id")), request_body = ActionRequest,
    responses((status = 200, body = ReferralJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_act(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(req): Json<ActionRequest>,
) -> WebResult<axum::Json<ReferralJson>> {
    let id = referral_id(&id)?;
    let r = partner_step(&state, &staff, id, &req.action, req.note).await?;
    Ok(axum::Json(r.into()))
}

/// A referral made at the office.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferRequest {
    /// Referral type code (from the profile).
    #[serde(rename = "type")]
    pub type_code: String,
    /// The person agreed, at the counter, to what the type shares (must be true).
    pub consent: bool,
}

/// Refers a person of the office to a partner service with their consent. With an
/// `Idempotency-Key`, a retry after a lost answer gets the first answer again.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/persons/{person_id}/referrals", tag = "referrals",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id"), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    request_body = ReferRequest,
    responses((status = 201, body = ReferralJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_create(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    idem: Idempotent,
    Path((_office, person)): Path<(OfficeId, PersonId)>,
    Json(req): Json<ReferRequest>,
) -> WebResult<Response> {
    let work = referral(
        &state,
        &at.staff,
        at.scope,
        person,
        &req.type_code,
        req.consent,
    )?;
    let respond = |r: &Referral| {
        json_answer(
            StatusCode::CREATED,
            None,
            &ReferralJson::from(r.clone()),
            ("referral.read", "referral", r.id.clone()),
        )
    };
    Ok(idem.run(&state, respond, work).await?)
}
