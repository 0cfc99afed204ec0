//! The portal of a registered person. Staff of the person's office give access (the account's
//! username is the registry number; a generated password is printed once on a slip). Signed
//! in, the person sees their own record and cases, applies for the services the catalog marks
//! `portal = true`, prints their cards, makes share codes and sees every check made with them.
//! Every handler reaches only the signed-in person's own record: the store is called with the
//! person's office scope and the person id linked to the account, and anything fetched by id
//! (a case, a credential, a share code) is checked to be theirs. Audited as `self_service`.

use crate::auth::{CsrfForm, InOffice, NoFields, Staff};
use crate::error::WebResult;
use crate::extract::{Path, Query};
use crate::features::cases::slip::{BookForm, SlipLinks, book_appointment, render_slip};
use crate::features::credentials::api::{MadeBy, ShareRequest, make_share};
use crate::features::credentials::html::{
    CardQuery, CredRow, ShareRow, cancel_persons_share, card_page, cred_row, share_row,
};
use crate::features::credentials::share::verifier_options;
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use daftar_domain::audit::{AuditCtx, purpose};
use daftar_domain::case::Employer;
use daftar_domain::ids::{CaseId, OfficeId, PersonId, ShareCodeId};
use daftar_domain::permission::{OfficeScope, Permission, system_scope};
use daftar_domain::person::Person;
use daftar_domain::service::ServiceRecord;
use daftar_domain::usecase::open_case::{OpenCase, Standing, applicant_rule};
use daftar_domain::{Error, Result};
use rand::Rng;
use serde::Deserialize;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(home))
        .route("/portal/cases", post(apply))
        .route("/portal/cases/{case_id}", get(case))
        .route("/portal/cases/{case_id}/appointment", post(book))
        .route("/portal/photo", get(photo))
        .route("/portal/credentials/{credential_id}/card", get(card))
        .route("/portal/share-codes", post(create_share))
        .route("/portal/share-codes/{share_id}/cancel", post(cancel_share))
        .route(
            "/offices/{office_id}/persons/{person_id}/portal",
            post(grant),
        )
}

/// The signed-in person: their account, their record's id and the scopes of their office that
/// the handlers use for that one record only.
pub struct Me {
    pub(crate) staff: Staff,
    pub(crate) person: PersonId,
    pub(crate) read: OfficeScope,
    pub(crate) office: OfficeId,
}

impl Me {
    fn ctx(&self) -> AuditCtx {
        self.staff.audit(purpose::SELF_SERVICE)
    }
    /// The scope for the portal's writes (applications, bookings, share codes): refused with
    /// `office.inactive` while the person's office is suspended or closed.
    fn write(&self) -> Result<OfficeScope> {
        self.staff.principal().require_office_active()?;
        Ok(system_scope(self.office, Permission::PersonWrite))
    }
}

/// The signed-in person as an extractor, for routes whose check must come before another
/// extractor (an `Idempotency-Key`'s replay is checked like the request: portal accounts only).
impl axum::extract::FromRequestParts<AppState> for Me {
    type Rejection = crate::error::AppError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Self::Rejection> {
        let staff = Staff::from_request_parts(parts, state).await?;
        Ok(me(state, staff).await?)
    }
}

pub(crate) async fn me(state: &AppState, staff: Staff) -> Result<Me> {
    if !staff.principal().has(Permission::SelfService) {
        return Err(Error::forbidden("portal.only"));
    }
    let (user, office) = (staff.auth.user.id, staff.auth.user.office_id);
    let person = state
        .db(move |s| s.portal_person(user))
        .await?
        .ok_or_else(|| Error::not_found("portal.person.missing"))?;
    let office = office.ok_or_else(|| Error::not_found("portal.person.missing"))?;
    Ok(Me {
        staff,
        person,
        read: system_scope(office, Permission::PersonRead),
        office,
    })
}

/// A service the apply form offers.
struct Offer {
    code: String,
    name: String,
    /// The person may apply (else the head of their household does; listed last, disabled).
    open: bool,
}

struct CaseLine {
    id: CaseId,
    reference: String,
    service: String,
    state: String,
    due: String,
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    page: PageCtx,
    person: Person,
    status: String,
    cases: Vec<CaseLine>,
    services: Vec<Offer>,
    /// The person heads a household: the form offers to cover it.
    head: bool,
    credentials: Vec<CredRow>,
    shares: Vec<ShareRow>,
    verifiers: Vec<(&'static str, String)>,
    created: Option<(String, String)>,
    error: Option<String>,
    /// While the person's office does not serve: why, and offices of the same province that do
    /// (name, district), those of its district first.
    elsewhere: Option<(String, Vec<(String, String)>)>,
}

async fn home_page(
    state: &AppState,
    me: &Me,
    created: Option<(String, String)>,
    error: Option<String>,
) -> WebResult<Response> {
    let (ctx, read, person) = (me.ctx(), me.read, me.person);
    let principal = me.staff.principal();
    let cut_off = principal.office_status() != daftar_domain::office::OfficeStatus::Active;
    let why = principal.licence_cut();
    let office = me.office;
    let (rec, cases, creds, shares, services, standing, near) = state
        .db(move |s| {
            // Office records only: where else the person may go while theirs does not serve.
            let near = if cut_off {
                s.offices_serving_near(office, 5)?
            } else {
                vec![]
            };
            let standing = match s.person_household(&ctx, &read, person)? {
                None => Standing::Alone,
                Some(h) if s.get_household(&ctx, &read, h)?.household.head_person_id == person => {
                    Standing::Head(h)
                }
                Some(h) => Standing::Member(h),
            };
            Ok((
                s.get_person(&ctx, &read, person)?,
                s.person_cases(&ctx, &read, person)?,
                s.person_credentials(&ctx, &read, person)?,
                s.share_codes(&ctx, &read, person)?,
                s.services()?,
                standing,
                near,
            ))
        })
        .await?;
    let page = PageCtx::new(state, &me.staff.ctx);
    let elsewhere = cut_off.then(|| {
        let mut reason = page.tr.error("office.inactive");
        if let Some(w) = why {
            reason = format!(
                "{reason} {}",
                page.tr.t(&format!("licence-cut-{}", w.code()))
            );
        }
        let en = page.locale.tag == "en";
        let list = near
            .iter()
            .map(|o| {
                let name = if en { &o.name_en } else { &o.name_fa };
                (name.clone(), o.district.clone())
            })
            .collect();
        (reason, list)
    });
    let tr = &page.tr;
    let locale = page.locale.tag;
    let name_of = |code: &str| {
        services
            .iter()
            .find(|r| r.definition.code.as_str() == code)
            .map_or_else(
                || code.to_owned(),
                |r| r.definition.names.get(locale).to_owned(),
            )
    };
    let now = state.clock.now();
    let body = HomePage {
        status: tr.t(&format!("person-status-{}", rec.person.status.code())),
        cases: cases
            .iter()
            .map(|c| CaseLine {
                id: c.case.id,
                reference: c.case.reference.clone(),
                service: name_of(c.case.service.as_str()),
                state: tr.t(&format!("case-state-{}", c.case.state.code())),
                due: c
                    .case
                    .due_on
                    .map(|d| tr.date(&daftar_domain::jalali::iso_day(d)))
                    .unwrap_or_default(),
            })
            .collect(),
        services: offers(&services, standing, locale),
        head: matches!(standing, Standing::Head(_)),
        credentials: creds.iter().map(|c| cred_row(tr, c, now)).collect(),
        shares: shares
            .iter()
            .map(|s| share_row(tr, s, now, Some("/portal/share-codes")))
            .collect(),
        verifiers: verifier_options(tr),
        person: rec.person,
        created,
        error: error.clone(),
        elsewhere,
        page,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(status, &body))
}

/// The portal services in catalog order, those the person may apply for first: a service
/// that the head of the person's household applies for comes last and cannot be chosen
/// ([`applicant_rule`]), so the form's first choice is one that can succeed.
fn offers(services: &[ServiceRecord], standing: Standing, locale: &str) -> Vec<Offer> {
    let mut list: Vec<Offer> = services
        .iter()
        .filter(|r| r.definition.portal)
        .map(|r| Offer {
            code: r.definition.code.as_str().to_owned(),
            name: r.definition.names.get(locale).to_owned(),
            open: applicant_rule(&r.definition, standing, false).is_ok(),
        })
        .collect();
    list.sort_by_key(|o| !o.open);
    list
}

/// The person's page.
async fn home(State(state): State<AppState>, staff: Staff) -> WebResult<Response> {
    let me = me(&state, staff).await?;
    home_page(&state, &me, None, None).await
}

/// The apply form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ApplyForm {
    service: String,
    household: Option<String>,
    /// The employer, for services that take one (work-permit renewal).
    employer_name: String,
    employer_identifier: String,
}

/// A user error shown on the person's page; anything else is an error page.
async fn or_home(state: &AppState, me: &Me, e: Error) -> WebResult<Response> {
    if e.kind.status() < 500 && e.kind.status() != 403 {
        let msg = PageCtx::new(state, &me.staff.ctx).tr.error(e.code);
        home_page(state, me, None, Some(msg)).await
    } else {
        Err(e.into())
    }
}

/// Applies for a portal service: a case at the person's office, for them or their household.
async fn apply(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(f): CsrfForm<ApplyForm>,
) -> WebResult<Response> {
    let me = me(&state, staff).await?;
    let (ctx, write, person) = (me.ctx(), me.write()?, me.person);
    let (cal, today) = (state.calendar(), state.today());
    let code = f.service.trim().to_owned();
    let r = state
        .db(move |s| {
            let svc = s.service(&code)?;
            if !svc.definition.portal {
                return Err(Error::forbidden("portal.service.not_allowed"));
            }
            let cmd = OpenCase::parse(
                &code,
                &person.to_string(),
                f.household.is_some(),
                false,
                Employer::from_form(&f.employer_name, &f.employer_identifier),
                "",
            )?;
            s.open_case(&ctx, &write, &cmd, &cal, today)
        })
        .await;
    match r {
        Ok(v) => Ok(Redirect::to(&format!("/portal/cases/{}", v.case.id)).into_response()),
        Err(e) => or_home(&state, &me, e).await,
    }
}

fn my_links(id: CaseId) -> SlipLinks {
    SlipLinks {
        back: "/portal".into(),
        book: format!("/portal/cases/{id}/appointment"),
        arrive: None,
    }
}

/// One of the person's cases: the printable slip (state, current step and due date, the
/// appointment and its booking form, fees and receipts, documents to bring, the timeline
/// without staff names).
async fn case(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<CaseId>,
) -> WebResult<Response> {
    let me = me(&state, staff).await?;
    let (ctx, owner) = (me.ctx(), Some(me.person));
    render_slip(
        &state,
        &me.staff.ctx,
        ctx,
        me.read,
        id,
        owner,
        my_links(id),
        None,
    )
    .await
}

/// The person books or moves the appointment of one of their cases.
async fn book(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<CaseId>,
    CsrfForm(f): CsrfForm<BookForm>,
) -> WebResult<Response> {
    let me = me(&state, staff).await?;
    let (ctx, read, write, person) = (me.ctx(), me.read, me.write()?, me.person);
    state
        .db(move |s| s.get_case_of(&ctx, &read, id, person))
        .await?;
    match book_appointment(&state, me.ctx(), write, id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/portal/cases/{id}")).into_response()),
        Err(e) if e.kind.status() < 500 => {
            let (ctx, owner) = (me.ctx(), Some(person));
            render_slip(
                &state,
                &me.staff.ctx,
                ctx,
                read,
                id,
                owner,
                my_links(id),
                Some(e),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The person's own photo (for their card).
async fn photo(State(state): State<AppState>, staff: Staff) -> WebResult<Response> {
    let me = me(&state, staff).await?;
    let (ctx, read, person) = (me.ctx(), me.read, me.person);
    let photo = state
        .db(move |s| s.get_photo(&ctx, &read, person))
        .await?
        .ok_or_else(|| Error::not_found("photo.not_found"))?;
    Ok((
        [
            (header::CONTENT_TYPE, photo.content_type),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        photo.bytes,
    )
        .into_response())
}

/// The person's printable card for a purpose.
async fn card(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<CardQuery>,
    headers: axum::http::HeaderMap,
) -> WebResult<Response> {
    let base = crate::features::cases::html::public_base(&state, &headers);
    let me = me(&state, staff).await?;
    let page = PageCtx::new(&state, &me.staff.ctx);
    let body = card_page(
        &state,
        page,
        me.ctx(),
        me.read,
        me.person,
        id,
        q.purpose,
        ("/portal/photo".into(), "/portal".into(), base),
    )
    .await?;
    Ok(render(StatusCode::OK, &body))
}

/// Makes a share code for one of the person's credentials.
async fn create_share(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(f): CsrfForm<ShareRequest>,
) -> WebResult<Response> {
    let me = me(&state, staff).await?;
    let (ctx, write, person) = (me.ctx(), me.write()?, me.person);
    let now = state.now();
    match state
        .db(move |s| make_share(s, &ctx, &write, person, &f, now, MadeBy::Holder))
        .await
    {
        Ok(a) => home_page(&state, &me, Some((a.code, a.manage_path)), None).await,
        Err(e) => or_home(&state, &me, e).await,
    }
}

/// Cancels one of the person's share codes.
async fn cancel_share(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<ShareCodeId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    let me = me(&state, staff).await?;
    let (ctx, read, write, person) = (me.ctx(), me.read, me.write()?, me.person);
    let r = state
        .db(move |s| cancel_persons_share(s, &ctx, read, write, person, id))
        .await;
    match r {
        Ok(_) => Ok(Redirect::to("/portal").into_response()),
        Err(e) => or_home(&state, &me, e).await,
    }
}

#[derive(Template)]
#[template(path = "portal/granted.html")]
struct GrantedPage {
    page: PageCtx,
    office_id: OfficeId,
    person_id: PersonId,
    username: String,
    password: String,
    login_url: String,
}

/// A password people can type from a slip: 12 characters without look-alikes.
fn slip_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..12)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Staff give a person portal access (or a new password): the slip shows the username and a
/// generated password once.
async fn grant(
    State(state): State<AppState>,
    at: InOffice<crate::auth::scope::PersonWrite>,
    Path((_, person)): Path<(OfficeId, PersonId)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> WebResult<Response> {
    let password = slip_password();
    let hash = crate::auth::password::hash(&password)?;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let user = state
        .db(move |s| s.grant_portal(&ctx, &scope, person, &hash))
        .await?;
    let base = state.config.public_url.trim_end_matches('/').to_owned();
    let body = GrantedPage {
        page: PageCtx::new(&state, &at.staff.ctx),
        office_id: at.office_id(),
        person_id: person,
        username: user.username.as_str().to_owned(),
        password,
        login_url: format!("{base}/login"),
    };
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        render(StatusCode::OK, &body),
    )
        .into_response())
}
