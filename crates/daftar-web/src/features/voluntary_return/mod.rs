//! Voluntary return (issue 20.3; rules in `daftar_domain::voluntary_return`). Staff register a
//! person's wish to return on the person's page (`/offices/{o}/persons/{p}/return`), the person
//! on the portal (`/portal/return`); the case page (`/returns/{id}`) shows the timeline and the
//! forms of the protection screening, the protection officer's review, the exit permit, the
//! departure and the withdrawal, each offered to whom it is for. `/returns` lists an office's
//! cases (every office for authority roles), `/returns/protection` the flagged ones for
//! protection officers. JSON under `/api/v1/returns`.

pub mod api;

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
use axum::routing::{get, post};
use daftar_domain::audit::{AuditCtx, purpose};
use daftar_domain::ids::{OfficeId, PersonId, ReturnId};
use daftar_domain::jalali::JalaliDate;
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, Reach};
use daftar_domain::store::ReturnAccess;
use daftar_domain::voluntary_return::{
    Action, Decision, NewReturn, Permit, READ_PERMISSIONS, ReturnCase, ReturnChannel, ReturnState,
    Review, SCREENING_READERS, Screening, parse_reason,
};
use daftar_domain::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/offices/{office_id}/persons/{person_id}/return",
            get(person_page).post(person_register),
        )
        .route("/returns", get(list))
        .route("/returns/protection", get(queue))
        .route("/returns/{return_id}", get(show))
        .route("/returns/{return_id}/{action}", post(act_form))
        .route("/portal/return", get(portal_page).post(portal_register))
        .route("/portal/return/{return_id}/withdraw", post(portal_withdraw))
        .route("/portal/return/{return_id}/leave", post(portal_leave))
        .merge(api::routes())
}

/// A case id from the path; anything else is `return.case.not_found` (404).
pub(crate) fn return_id(s: &str) -> Result<ReturnId> {
    s.parse()
        .map_err(|_| Error::not_found("return.case.not_found"))
}

/// The reach of the first of `perms` that `staff` holds (refused as the first one would be
/// when they hold none).
pub(crate) fn reach_of(staff: &Staff, perms: &[Permission]) -> Result<Reach> {
    let p = staff.principal();
    let first = perms
        .iter()
        .copied()
        .find(|x| p.has(*x))
        .or_else(|| perms.first().copied())
        .ok_or_else(|| Error::forbidden("auth.forbidden"))?;
    p.reach(first)
}

/// The case as `staff` may see it: without the screening's answers and the protection notes
/// unless they screen or review ([`SCREENING_READERS`]).
pub(crate) fn seen_by(staff: &Staff, c: ReturnCase) -> ReturnCase {
    if SCREENING_READERS.iter().any(|p| staff.principal().has(*p)) {
        c
    } else {
        c.without_screening()
    }
}

/// A date as typed: Solar Hijri (`1405/09/20`, Persian digits too) or ISO.
pub(crate) fn date_field(s: &str, field: &str) -> Result<time::Date> {
    Ok(JalaliDate::parse(s).map_err(|e| e.with_field(field))?.iso())
}

/// A person of a case as shown.
struct PersonLine {
    id: String,
    name: String,
    registry_no: String,
}

/// One answer as shown.
struct AnswerLine {
    question: String,
    flag: bool,
}

/// One step of the timeline as shown.
struct EventLine {
    at: String,
    action: String,
    state: String,
    role: String,
    note: String,
}

/// A case as shown (lists and its page).
pub(crate) struct CaseRow {
    id: String,
    reference: String,
    office: String,
    person: PersonLine,
    members: Vec<PersonLine>,
    channel: String,
    departure: String,
    border: String,
    state: String,
    state_code: &'static str,
    flagged: bool,
    answers: Vec<AnswerLine>,
    screening_note: String,
    decision: String,
    review_note: String,
    permit_no: String,
    permit_valid_until: String,
    created: String,
    events: Vec<EventLine>,
}

fn row(
    state: &AppState,
    page: &PageCtx,
    c: &ReturnCase,
    offices: &[(OfficeId, String)],
) -> CaseRow {
    let tr = &page.tr;
    let tag = page.locale.tag;
    let profile = &state.profile.voluntary_return;
    let person = |p: &daftar_domain::voluntary_return::ReturnPerson| PersonLine {
        id: p.person_id.to_string(),
        name: p.name.clone(),
        registry_no: p.registry_no.clone(),
    };
    CaseRow {
        id: c.id.clone(),
        reference: c.reference.clone(),
        office: offices
            .iter()
            .find(|(id, _)| *id == c.office_id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default(),
        person: person(&c.person),
        members: c.members.iter().map(person).collect(),
        channel: tr.t(&format!("return-channel-{}", c.channel.code())),
        departure: tr.date(&c.departure_on.to_string()),
        border: profile
            .border_point(&c.border_point)
            .map_or_else(|| c.border_point.clone(), |b| b.name.get(tag).to_owned()),
        state: tr.t(&format!("return-state-{}", c.state.code())),
        state_code: c.state.code(),
        flagged: c.flagged,
        // In the profile's order of the questions (the store keeps them by code).
        answers: {
            let mut answers: Vec<&daftar_domain::voluntary_return::Answer> =
                c.answers.iter().collect();
            answers.sort_by_key(|a| {
                profile
                    .questions
                    .iter()
                    .position(|q| q.code == a.question)
                    .unwrap_or(usize::MAX)
            });
            answers
        }
        .into_iter()
        .map(|a| AnswerLine {
            question: profile
                .questions
                .iter()
                .find(|q| q.code == a.question)
                .map_or_else(|| a.question.clone(), |q| q.text.get(tag).to_owned()),
            flag: a.flag,
        })
        .collect(),
        screening_note: c.screening_note.clone(),
        decision: c
            .decision
            .map(|d| tr.t(&format!("return-decision-{}", d.code())))
            .unwrap_or_default(),
        review_note: c.review_note.clone(),
        permit_no: c.permit_no.clone(),
        permit_valid_until: c
            .permit_valid_until
            .map(|d| tr.date(&d.to_string()))
            .unwrap_or_default(),
        created: tr.datetime(&c.created_at),
        events: c
            .events
            .iter()
            .map(|e| EventLine {
                at: tr.datetime(&e.at),
                action: tr.t(&format!("return-action-{}", e.action)),
                state: tr.t(&format!("return-state-{}", e.state.code())),
                role: if e.role.is_empty() {
                    String::new()
                } else {
                    tr.t(&format!("role-{}", e.role))
                },
                note: e.note.clone(),
            })
            .collect(),
    }
}

/// Every office by id with its name in the page's language (office records are public).
async fn office_names(state: &AppState, page: &PageCtx) -> Result<Vec<(OfficeId, String)>> {
    let dir = state.db(|s| s.office_directory()).await?;
    Ok(dir
        .into_iter()
        .map(|e| (e.office.id, e.office.name_in(page.locale.tag).to_owned()))
        .collect())
}

/// The border points as (code, name in the page's language).
fn borders(state: &AppState, page: &PageCtx) -> Vec<(String, String)> {
    state
        .profile
        .voluntary_return
        .border_points
        .iter()
        .map(|b| (b.code.clone(), b.name.get(page.locale.tag).to_owned()))
        .collect()
}

/// An error a form shows on its page (the user's mistake or a refused step), or one that ends
/// the request (403, 404, 5xx).
fn shown(page: &PageCtx, e: Error) -> std::result::Result<(String, StatusCode), Error> {
    let status = e.kind.status();
    if status >= 500 || status == 403 || status == 401 || status == 404 {
        return Err(e);
    }
    Ok((
        page.tr.error(e.code),
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
    ))
}

/// Members of the person's current household other than the person (the registration form's
/// choices), read with `scope`.
async fn household_of(
    state: &AppState,
    ctx: AuditCtx,
    scope: daftar_domain::permission::OfficeScope,
    person: PersonId,
) -> Result<Vec<PersonLine>> {
    state
        .db(move |s| {
            let Some(h) = s.person_household(&ctx, &scope, person)? else {
                return Ok(vec![]);
            };
            let view = s.get_household(&ctx, &scope, h)?;
            Ok(view
                .members
                .into_iter()
                .filter(|m| m.person.id != person)
                .map(|m| PersonLine {
                    id: m.person.id.to_string(),
                    name: format!("{} {}", m.person.given_name, m.person.family_name)
                        .trim()
                        .to_owned(),
                    registry_no: m.person.registry_no,
                })
                .collect())
        })
        .await
}

/// The registration form's fields: `members` may repeat.
struct RegisterForm {
    members: Vec<String>,
    departure_on: String,
    border_point: String,
}

impl RegisterForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = Self {
            members: vec![],
            departure_on: String::new(),
            border_point: String::new(),
        };
        for (k, v) in pairs {
            match k.as_str() {
                "members" => f.members.push(v),
                "departure_on" => f.departure_on = v,
                "border_point" => f.border_point = v,
                _ => {}
            }
        }
        f
    }

    fn parse(
        &self,
        state: &AppState,
        person: PersonId,
        channel: ReturnChannel,
    ) -> Result<NewReturn> {
        let members = self
            .members
            .iter()
            .map(|m| {
                m.parse::<PersonId>().map_err(|_| {
                    Error::conflict("return.member.not_household").with_field("members")
                })
            })
            .collect::<Result<Vec<_>>>()?;
        NewReturn::parse(
            &state.profile.voluntary_return,
            state.today(),
            person,
            &members,
            date_field(&self.departure_on, "departure_on")?,
            &self.border_point,
            channel,
        )
    }
}

#[derive(Template)]
#[template(path = "voluntary_return/person.html")]
struct PersonPage {
    page: PageCtx,
    action: String,
    cases: Vec<CaseRow>,
    members: Vec<PersonLine>,
    borders: Vec<(String, String)>,
    can_register: bool,
    error: Option<String>,
}

async fn person_render(
    state: &AppState,
    at: &InOffice<PersonRead>,
    person: PersonId,
    error: Option<(String, StatusCode)>,
) -> WebResult<Response> {
    let ctx = at.staff.audit(purpose::SERVICE);
    let access = ReturnAccess::Staff(Reach::Office(at.scope));
    let c2 = ctx.clone();
    let cases: Vec<ReturnCase> = state
        .db(move |s| s.person_returns(&c2, &access, person))
        .await?
        .into_iter()
        .map(|c| seen_by(&at.staff, c))
        .collect();
    let members = household_of(state, ctx, at.scope, person).await?;
    let page = PageCtx::new(state, &at.staff.ctx);
    let offices = office_names(state, &page).await?;
    let can_register = at
        .staff
        .principal()
        .scope(at.office_id(), Permission::PersonWrite)
        .is_ok()
        && !cases.iter().any(|c| c.state.is_open());
    let rows = cases
        .iter()
        .map(|c| row(state, &page, c, &offices))
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.1);
    Ok(render(
        status,
        &PersonPage {
            borders: borders(state, &page),
            page,
            action: format!("/offices/{}/persons/{person}/return", at.office_id()),
            cases: rows,
            members,
            can_register,
            error: error.map(|e| e.0),
        },
    ))
}

async fn person_page(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_, person)): Path<(String, String)>,
) -> WebResult<Response> {
    let person: PersonId = person
        .parse()
        .map_err(|_| Error::not_found("person.not_found"))?;
    person_render(&state, &at, person, None).await
}

async fn person_register(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((_, person)): Path<(String, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let person: PersonId = person
        .parse()
        .map_err(|_| Error::not_found("person.not_found"))?;
    let ctx = at.staff.audit(purpose::SERVICE);
    let access = ReturnAccess::Staff(Reach::Office(at.scope));
    let form = RegisterForm::from_pairs(pairs);
    let done = async {
        let r = form.parse(&state, person, ReturnChannel::Office)?;
        state
            .db(move |s| s.register_return(&ctx, &access, &r))
            .await
    }
    .await;
    match done {
        Ok(c) => Ok(Redirect::to(&format!("/returns/{}", c.id)).into_response()),
        Err(e) => {
            let page = PageCtx::new(&state, &at.staff.ctx);
            let shown = shown(&page, e)?;
            let read = at
                .staff
                .principal()
                .scope(at.office_id(), Permission::PersonRead)?;
            let staff = at.staff.clone();
            let at = InOffice::<PersonRead>::from_parts(staff, read)
                .ok_or_else(|| Error::forbidden("auth.forbidden"))?;
            person_render(&state, &at, person, Some(shown)).await
        }
    }
}

#[derive(Template)]
#[template(path = "voluntary_return/list.html")]
struct ListPage {
    page: PageCtx,
    title: &'static str,
    cases: Vec<CaseRow>,
    pager: Pager,
    open_only: bool,
    base: &'static str,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    page: Option<u32>,
    per_page: Option<u32>,
    all: Option<String>,
}

async fn list_render(
    state: AppState,
    staff: Staff,
    q: ListQuery,
    reach: Reach,
    title: &'static str,
    base: &'static str,
) -> WebResult<Response> {
    let open_only = q.all.is_none();
    let ctx = staff.audit(purpose::SERVICE);
    let req = PageRequest {
        page: q.page.unwrap_or(1).max(1),
        per_page: q.per_page.unwrap_or(50),
    };
    let found = state
        .db(move |s| s.return_cases(&ctx, &reach, open_only, req))
        .await?
        .map(|c| seen_by(&staff, c));
    let page = PageCtx::new(&state, &staff.ctx);
    let offices = office_names(&state, &page).await?;
    let cases = found
        .items
        .iter()
        .map(|c| row(&state, &page, c, &offices))
        .collect();
    let pager_base = if open_only {
        base.to_owned()
    } else {
        format!("{base}?all=1")
    };
    Ok(render(
        StatusCode::OK,
        &ListPage {
            page,
            title,
            cases,
            pager: Pager::new(&pager_base, &found),
            open_only,
            base,
        },
    ))
}

/// `GET /returns`: the office's cases (every office's for authority roles; the flagged ones
/// for a protection officer).
async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    let reach = reach_of(&staff, &READ_PERMISSIONS)?;
    list_render(state, staff, q, reach, "return-list-title", "/returns").await
}

/// `GET /returns/protection`: the flagged cases across offices (protection officers).
async fn queue(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    let reach = staff.principal().reach(Permission::ProtectionReview)?;
    list_render(
        state,
        staff,
        q,
        reach,
        "return-queue-title",
        "/returns/protection",
    )
    .await
}

/// A screening question as the form shows it.
struct QuestionLine {
    code: String,
    text: String,
}

#[derive(Template)]
#[template(path = "voluntary_return/case.html")]
struct CasePage {
    page: PageCtx,
    c: CaseRow,
    questions: Vec<QuestionLine>,
    can_screen: bool,
    can_review: bool,
    can_permit: bool,
    permit_blocked: bool,
    can_depart: bool,
    can_withdraw: bool,
    error: Option<String>,
}

/// Whether `staff` may take `action` on a case of `office` (the form is offered).
fn may(staff: &Staff, action: Action, office: OfficeId) -> bool {
    let p = staff.principal();
    action
        .permissions()
        .iter()
        .any(|perm| p.scope(office, *perm).is_ok())
}

async fn show_render(
    state: &AppState,
    staff: &Staff,
    id: ReturnId,
    error: Option<(String, StatusCode)>,
) -> WebResult<Response> {
    let reach = reach_of(staff, &READ_PERMISSIONS)?;
    let ctx = staff.audit(purpose::SERVICE);
    let c = seen_by(
        staff,
        state
            .db(move |s| s.return_case(&ctx, &ReturnAccess::Staff(reach), id))
            .await?,
    );
    let page = PageCtx::new(state, &staff.ctx);
    let offices = office_names(state, &page).await?;
    let o = c.office_id;
    let s = c.state;
    let can_screen =
        s == ReturnState::Registered && may(staff, Action::Screen { flagged: false }, o);
    let can_review = s.blocked() && may(staff, Action::Review(Decision::Clear), o);
    let permit_office = may(staff, Action::IssuePermit, o);
    let can_permit = permit_office && s.after(Action::IssuePermit).is_ok();
    let permit_blocked =
        permit_office && s.is_open() && s != ReturnState::PermitIssued && !can_permit;
    let can_depart = s == ReturnState::PermitIssued && may(staff, Action::Depart, o);
    let can_withdraw = s.is_open() && may(staff, Action::Withdraw, o);
    let questions = state
        .profile
        .voluntary_return
        .questions
        .iter()
        .map(|q| QuestionLine {
            code: q.code.clone(),
            text: q.text.get(page.locale.tag).to_owned(),
        })
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.1);
    let c = row(state, &page, &c, &offices);
    Ok(render(
        status,
        &CasePage {
            page,
            c,
            questions,
            can_screen,
            can_review,
            can_permit,
            permit_blocked,
            can_depart,
            can_withdraw,
            error: error.map(|e| e.0),
        },
    ))
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> WebResult<Response> {
    show_render(&state, &staff, return_id(&id)?, None).await
}

/// The screening form's answers: `q_<code>` = `yes` or `no`.
fn answers_of(pairs: &[(String, String)]) -> Result<BTreeMap<String, bool>> {
    pairs
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("q_").map(|code| (code, v)))
        .map(|(code, v)| match v.as_str() {
            "yes" => Ok((code.to_owned(), true)),
            "no" => Ok((code.to_owned(), false)),
            _ => Err(Error::conflict("return.screening.incomplete").with_field(code)),
        })
        .collect()
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Takes one action on a case for `staff` (the forms and the API share it).
pub(crate) async fn take(
    state: &AppState,
    staff: &Staff,
    id: ReturnId,
    action: &str,
    pairs: Vec<(String, String)>,
) -> Result<ReturnCase> {
    Ok(seen_by(
        staff,
        take_unseen(state, staff, id, action, pairs).await?,
    ))
}

async fn take_unseen(
    state: &AppState,
    staff: &Staff,
    id: ReturnId,
    action: &str,
    pairs: Vec<(String, String)>,
) -> Result<ReturnCase> {
    let ctx = staff.audit(purpose::SERVICE);
    let profile = state.profile.clone();
    let today = state.today();
    match action {
        "screen" => {
            let reach = reach_of(staff, Action::Screen { flagged: false }.permissions())?;
            let s = Screening::parse(
                &profile.voluntary_return,
                &answers_of(&pairs)?,
                field(&pairs, "note"),
            )?;
            state
                .db(move |st| st.screen_return(&ctx, &ReturnAccess::Staff(reach), id, &s))
                .await
        }
        "review" => {
            let reach = reach_of(staff, Action::Review(Decision::Clear).permissions())?;
            let r = Review::parse(field(&pairs, "decision"), field(&pairs, "note"))?;
            state
                .db(move |st| st.review_return(&ctx, &ReturnAccess::Staff(reach), id, &r))
                .await
        }
        "permit" => {
            let reach = reach_of(staff, Action::IssuePermit.permissions())?;
            let p = Permit::parse(
                field(&pairs, "number"),
                date_field(field(&pairs, "valid_until"), "valid_until")?,
                today,
            )?;
            state
                .db(move |st| st.issue_exit_permit(&ctx, &ReturnAccess::Staff(reach), id, &p))
                .await
        }
        "depart" => {
            let reach = reach_of(staff, Action::Depart.permissions())?;
            state
                .db(move |st| st.confirm_departure(&ctx, &ReturnAccess::Staff(reach), id))
                .await
                .map(|(c, _)| c)
        }
        "withdraw" => {
            let reach = reach_of(staff, Action::Withdraw.permissions())?;
            let reason = parse_reason(field(&pairs, "reason"))?;
            state
                .db(move |st| st.withdraw_return(&ctx, &ReturnAccess::Staff(reach), id, &reason))
                .await
        }
        _ => Err(Error::not_found("return.case.not_found")),
    }
}

/// `POST /returns/{id}/{screen|review|permit|depart|withdraw}`.
async fn act_form(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let id = return_id(&id)?;
    match take(&state, &staff, id, &action, pairs).await {
        Ok(c) => Ok(Redirect::to(&format!("/returns/{}", c.id)).into_response()),
        Err(e) => {
            let page = PageCtx::new(&state, &staff.ctx);
            let shown = shown(&page, e)?;
            show_render(&state, &staff, id, Some(shown)).await
        }
    }
}

#[derive(Template)]
#[template(path = "voluntary_return/portal.html")]
struct PortalPage {
    page: PageCtx,
    cases: Vec<CaseRow>,
    members: Vec<PersonLine>,
    borders: Vec<(String, String)>,
    can_register: bool,
    error: Option<String>,
    /// The person's id (only the registrant withdraws a case).
    me: String,
}

async fn portal_render(
    state: &AppState,
    staff: Staff,
    error: Option<(String, StatusCode)>,
) -> WebResult<Response> {
    let me = me(state, staff).await?;
    let ctx = me.staff.audit(purpose::SELF_SERVICE);
    let person = me.person;
    let c2 = ctx.clone();
    let cases = state
        .db(move |s| s.person_returns(&c2, &ReturnAccess::Own(person), person))
        .await?;
    let members = household_of(state, ctx, me.read, person).await?;
    let page = PageCtx::new(state, &me.staff.ctx);
    let offices = office_names(state, &page).await?;
    let can_register = !cases.iter().any(|c| c.state.is_open());
    let rows = cases
        .iter()
        .map(|c| {
            // The portal shows where the case stands, not the screening's answers or notes.
            row(state, &page, &c.clone().without_screening(), &offices)
        })
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.1);
    Ok(render(
        status,
        &PortalPage {
            borders: borders(state, &page),
            page,
            cases: rows,
            members,
            can_register,
            error: error.map(|e| e.0),
            me: person.to_string(),
        },
    ))
}

async fn portal_page(State(state): State<AppState>, staff: Staff) -> WebResult<Response> {
    portal_render(&state, staff, None).await
}

async fn portal_register(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let me = me(&state, staff.clone()).await?;
    let ctx = me.staff.audit(purpose::SELF_SERVICE);
    let person = me.person;
    let form = RegisterForm::from_pairs(pairs);
    let done = async {
        me.staff.principal().require_office_active()?;
        let r = form.parse(&state, person, ReturnChannel::Portal)?;
        state
            .db(move |s| s.register_return(&ctx, &ReturnAccess::Own(person), &r))
            .await
    }
    .await;
    match done {
        Ok(_) => Ok(Redirect::to("/portal/return").into_response()),
        Err(e) => {
            let page = PageCtx::new(&state, &staff.ctx);
            let shown = shown(&page, e)?;
            portal_render(&state, staff, Some(shown)).await
        }
    }
}

/// `POST /portal/return/{id}/leave`: a household member takes themself off the case, always
/// possible before the departure (even while their office is suspended); the case goes on for
/// the others.
async fn portal_leave(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let id = return_id(&id)?;
    let me = me(&state, staff.clone()).await?;
    let ctx = me.staff.audit(purpose::SELF_SERVICE);
    let person = me.person;
    match state.db(move |s| s.leave_return(&ctx, person, id)).await {
        Ok(()) => Ok(Redirect::to("/portal/return").into_response()),
        Err(e) => {
            let page = PageCtx::new(&state, &staff.ctx);
            let shown = shown(&page, e)?;
            portal_render(&state, staff, Some(shown)).await
        }
    }
}

/// `POST /portal/return/{id}/withdraw`: the registrant withdraws, always possible before the
/// departure (even while their office is suspended).
async fn portal_withdraw(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let id = return_id(&id)?;
    let me = me(&state, staff.clone()).await?;
    let ctx = me.staff.audit(purpose::SELF_SERVICE);
    let person = me.person;
    let done = async {
        let reason = parse_reason(field(&pairs, "reason"))?;
        state
            .db(move |s| s.withdraw_return(&ctx, &ReturnAccess::Own(person), id, &reason))
            .await
    }
    .await;
    match done {
        Ok(_) => Ok(Redirect::to("/portal/return").into_response()),
        Err(e) => {
            let page = PageCtx::new(&state, &staff.ctx);
            let shown = shown(&page, e)?;
            portal_render(&state, staff, Some(shown)).await
        }
    }
}
