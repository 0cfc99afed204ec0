//! Case pages: the office work queue (filters, bulk assignment), opening a case from a
//! person's page, the case page (members, SLA clock, fees and payments, documents, decision
//! form, timeline) and the printable receipt with its QR.

use super::api::QueueQuery;
use super::upload;
use crate::auth::scope::{PersonRead, PersonWrite};
use crate::auth::{CsrfForm, InOffice, Staff, same_secret};
use crate::error::WebResult;
use crate::extract::{Path, Query};
use crate::pages::{PageCtx, Pager, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use daftar_domain::audit::purpose;
use daftar_domain::case::{
    CaseSummary, CaseView, Employer, PaymentMethod, QueueFilter, Timer, timer,
};
use daftar_domain::ids::{CaseDocumentId, CaseId, HouseholdId, OfficeId, PersonId, UserId};
use daftar_domain::jalali::JalaliDate;
use daftar_domain::permission::{OfficeScope, Permission};
use daftar_domain::service::{EvidenceKind, ServiceRecord};
use daftar_domain::usecase::decide_step::{self, DecideStep};
use daftar_domain::usecase::open_case::OpenCase;
use daftar_domain::user::User;
use daftar_domain::workflow::RejectReason;
use daftar_domain::{Error, Result};
use serde::Deserialize;

/// One queue row, ready to show.
struct Row {
    c: CaseSummary,
    service: String,
    step: String,
    due: String,
    timer: Timer,
}

#[derive(Template)]
#[template(path = "cases/queue.html")]
struct QueuePage {
    page: PageCtx,
    office_id: OfficeId,
    filter: QueueFilter,
    filters: [QueueFilter; 5],
    rows: Vec<Row>,
    pager: Pager,
    staff: Vec<User>,
    me: UserId,
}

/// Staff of the office to assign to (all of them for a manager; oneself otherwise).
async fn assignable(state: &AppState, staff: &Staff, office: OfficeId) -> Vec<User> {
    let Ok(reach) = staff.principal().scope(office, Permission::UserManage) else {
        return vec![staff.auth.user.clone()];
    };
    let reach = daftar_domain::permission::Reach::Office(reach);
    state
        .db(move |s| {
            s.list_users(
                &reach,
                daftar_domain::page::PageRequest {
                    page: 1,
                    per_page: 200,
                },
            )
        })
        .await
        .map(|p| p.items)
        .unwrap_or_default()
}

pub async fn queue(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Query(q): Query<QueueQuery>,
) -> WebResult<Response> {
    let office = at.office_id();
    let (ctx, scope, today) = (at.staff.audit(purpose::SERVICE), at.scope, state.today());
    let (filter, req) = (QueueFilter::parse(&q.filter), q.request()?);
    let list = state
        .db(move |s| s.case_queue(&ctx, &scope, filter, today, req))
        .await?;
    let services = state.db(|s| s.services()).await?;
    let page = PageCtx::new(&state, &at.staff.ctx);
    let cal = state.calendar();
    let tag = page.locale.tag;
    let pager = Pager::new(
        &format!("/offices/{office}/cases?filter={}", filter.code()),
        &list,
    );
    let rows = list
        .items
        .into_iter()
        .map(|c| {
            let def = services
                .iter()
                .find(|s| s.definition.code == c.case.service)
                .map(|s| &s.definition);
            Row {
                service: def.map_or_else(
                    || c.case.service.to_string(),
                    |d| d.names.get(tag).to_owned(),
                ),
                step: def
                    .and_then(|d| d.steps.get(c.case.step))
                    .map(|s| s.names.get(tag).to_owned())
                    .unwrap_or_default(),
                due: c
                    .case
                    .due_on
                    .map(|d| page.tr.date(&JalaliDate::from_iso(d).iso_string()))
                    .unwrap_or_default(),
                timer: timer(&c.case, &cal, today),
                c,
            }
        })
        .collect();
    let staff = assignable(&state, &at.staff, office).await;
    Ok(render(
        StatusCode::OK,
        &QueuePage {
            page,
            office_id: office,
            filter,
            filters: QueueFilter::ALL,
            rows,
            pager,
            staff,
            me: at.staff.auth.user.id,
        },
    ))
}

/// The bulk-assignment form: repeated `ids`, `assignee` (empty: nobody), `filter` to return to.
pub async fn assign(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let office = at.office_id();
    let value = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    };
    let ids = pairs
        .iter()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v.parse::<CaseId>())
        .collect::<Result<Vec<_>>>()?;
    if ids.is_empty() {
        return Err(Error::invalid("case.assign.invalid")
            .with_field("ids")
            .into());
    }
    let to = match value("assignee").trim() {
        "" => None,
        s => Some(s.parse::<UserId>()?),
    };
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    state
        .db(move |s| s.assign_cases(&ctx, &scope, &ids, to))
        .await?;
    let filter = QueueFilter::parse(value("filter")).code();
    Ok(Redirect::to(&format!("/offices/{office}/cases?filter={filter}")).into_response())
}

/// Whose case the form opens: the person's name, registry number and household standing.
struct Whose {
    id: PersonId,
    name: String,
    registry_no: String,
    /// The household the person belongs to, if any.
    household: Option<HouseholdId>,
}

#[derive(Template)]
#[template(path = "cases/new.html")]
struct NewPage {
    page: PageCtx,
    office_id: OfficeId,
    person_id: String,
    whose: Option<Whose>,
    services: Vec<ServiceRecord>,
    form: NewCaseForm,
    error: Option<String>,
    /// The error asks for a household this person would head: offer to create it.
    offer_household: bool,
    /// The error says the household's head applies: link to the household.
    not_head: bool,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct NewCaseForm {
    person_id: String,
    service: String,
    household: Option<String>,
    consent: Option<String>,
    employer_name: String,
    employer_identifier: String,
    note: String,
}

/// The person the form is for, with their household (audited reads), or none when the id
/// names nobody of the office.
async fn whose(state: &AppState, staff: &Staff, office: OfficeId, id: &str) -> Option<Whose> {
    let id: PersonId = id.trim().parse().ok()?;
    let scope = staff
        .principal()
        .scope(office, Permission::PersonRead)
        .ok()?;
    let ctx = staff.audit(purpose::SERVICE);
    let (rec, household) = state
        .db(move |s| {
            Ok((
                s.get_person(&ctx, &scope, id)?,
                s.person_household(&ctx, &scope, id)?,
            ))
        })
        .await
        .ok()?;
    let p = rec.person;
    Some(Whose {
        id,
        name: format!("{} {}", p.given_name, p.family_name)
            .trim()
            .to_owned(),
        registry_no: p.registry_no,
        household,
    })
}

async fn new_page(
    state: &AppState,
    staff: &Staff,
    office: OfficeId,
    form: NewCaseForm,
    error: Option<Error>,
) -> WebResult<Response> {
    let services = state.db(|s| s.services()).await?;
    let whose = whose(state, staff, office, &form.person_id).await;
    let page = PageCtx::new(state, &staff.ctx);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let code = error.as_ref().map(|e| e.code);
    let error = error.map(|e| page.tr.error(e.code));
    Ok(render(
        status,
        &NewPage {
            page,
            office_id: office,
            person_id: form.person_id.clone(),
            offer_household: code == Some("case.household.required")
                && whose.as_ref().is_some_and(|w| w.household.is_none()),
            not_head: code == Some("case.applicant.not_head"),
            whose,
            services,
            form,
            error,
        },
    ))
}

pub async fn new_form(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Query(form): Query<NewCaseForm>,
) -> WebResult<Response> {
    let _: PersonId = form.person_id.trim().parse()?;
    new_page(&state, &at.staff, at.office_id(), form, None).await
}

pub async fn open(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    CsrfForm(form): CsrfForm<NewCaseForm>,
) -> WebResult<Response> {
    let office = at.office_id();
    let cmd = OpenCase::parse(
        &form.service,
        &form.person_id,
        form.household.is_some(),
        form.consent.is_some(),
        Employer::from_form(&form.employer_name, &form.employer_identifier),
        &form.note,
    );
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let (cal, today) = (state.calendar(), state.today());
    match state
        .db(move |s| s.open_case(&ctx, &scope, &cmd?, &cal, today))
        .await
    {
        Ok(v) => {
            Ok(Redirect::to(&format!("/offices/{office}/cases/{}", v.case.id)).into_response())
        }
        Err(e) if e.kind.status() < 500 && e.kind.status() != 403 => {
            new_page(&state, &at.staff, office, form, Some(e)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A fee line as shown.
struct FeeRow {
    code: String,
    name: String,
    due: String,
    outstanding: u64,
    outstanding_text: String,
}

#[derive(Template)]
#[template(path = "cases/show.html")]
struct ShowPage {
    page: PageCtx,
    office_id: OfficeId,
    v: CaseView,
    service: String,
    step: String,
    due: String,
    timer: Timer,
    fees: Vec<FeeRow>,
    kinds: Vec<EvidenceKind>,
    reasons: &'static [RejectReason],
    methods: &'static [PaymentMethod],
    can_write: bool,
    can_decide: bool,
    outcomes: Vec<&'static str>,
    /// Which accreditations the step needs that the viewer lacks (empty when none).
    accreditation_missing: String,
    error: Option<String>,
}

pub(crate) async fn show_page(
    state: &AppState,
    staff: &Staff,
    scope: OfficeScope,
    id: CaseId,
    error: Option<Error>,
) -> WebResult<Response> {
    let office = scope.office_id();
    let ctx = staff.audit(purpose::SERVICE);
    let v = state.db(move |s| s.get_case(&ctx, &scope, id)).await?;
    let page = PageCtx::new(state, &staff.ctx);
    let tag = page.locale.tag;
    let def = &v.definition;
    let step_def = def.steps.get(v.case.step);
    let role = staff.auth.user.role.as_str();
    let can_write = staff.principal().has(Permission::PersonWrite);
    // The step's outcomes only to who holds the accreditations it needs (the decision would be
    // refused `case.step.accreditation`); who lacks one is told which, instead of buttons.
    let actor = staff.auth.user.id;
    let (rules, records) = state
        .db(move |s| s.own_accreditation_records(actor))
        .await?;
    let missing = if v.case.state == daftar_domain::workflow::CaseState::Open {
        daftar_domain::accreditation::missing(&rules, def, v.case.step, &records, state.today())
    } else {
        vec![]
    };
    let outcomes = decide_step::offered(&v, role, can_write, &missing);
    let accreditation_missing =
        if outcomes.len() == decide_step::offered(&v, role, can_write, &[]).len() {
            String::new()
        } else {
            let names: Vec<String> = missing.iter().map(|c| rules.name(c, tag)).collect();
            page.tr
                .t1("case-accreditation-missing", "names", &names.join("، "))
        };
    let fees = v
        .fees_due
        .iter()
        .map(|f| {
            let name = def.fee_name(&f.code, tag);
            let outstanding = v.outstanding(&f.code);
            FeeRow {
                code: f.code.clone(),
                name,
                // A household's total of a per-member line shows its parts: the amount for
                // each person, "(per person)", and how many (issue 21.9).
                due: if def.fees.iter().any(|l| l.code == f.code && l.per_member) {
                    format!(
                        "{} — {} × {} ({})",
                        page.tr.rials(f.rials),
                        page.tr.num(f.count),
                        page.tr.rials(f.unit_rials),
                        page.t("fee-per-person")
                    )
                } else {
                    page.tr.rials(f.rials)
                },
                outstanding,
                outstanding_text: page.tr.rials(outstanding),
            }
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let error = error.map(|e| {
        let mut m = page.tr.error(e.code);
        if let Some(missing) = e.details.get("missing").and_then(|m| m.as_array()) {
            let names: Vec<String> = missing
                .iter()
                .filter_map(|k| k.as_str())
                .map(|k| page.tk("evidence", k))
                .collect();
            m = format!("{m}: {}", names.join("، "));
        }
        m
    });
    Ok(render(
        status,
        &ShowPage {
            office_id: office,
            service: def.names.get(tag).to_owned(),
            step: step_def
                .map(|s| s.names.get(tag).to_owned())
                .unwrap_or_default(),
            due: v
                .case
                .due_on
                .map(|d| page.tr.date(&JalaliDate::from_iso(d).iso_string()))
                .unwrap_or_default(),
            timer: timer(&v.case, &state.calendar(), state.today()),
            fees,
            kinds: EvidenceKind::ALL.to_vec(),
            reasons: RejectReason::ALL,
            methods: PaymentMethod::ALL,
            can_write,
            can_decide: !outcomes.is_empty(),
            outcomes,
            accreditation_missing,
            page,
            v,
            error,
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_, id)): Path<(OfficeId, CaseId)>,
) -> WebResult<Response> {
    show_page(&state, &at.staff, at.scope, id, None).await
}

/// Re-renders the case page with a user error, or passes other errors on.
async fn or_show(
    state: &AppState,
    staff: &Staff,
    office: OfficeId,
    id: CaseId,
    r: Result<()>,
) -> WebResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/offices/{office}/cases/{id}")).into_response()),
        Err(e)
            if e.kind.status() < 500
                && !matches!(
                    e.code,
                    "case.not_found" | "auth.forbidden" | "office.scope.denied"
                ) =>
        {
            let read = staff.principal().scope(office, Permission::PersonRead)?;
            show_page(state, staff, read, id, Some(e)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChangeForm {
    action: String,
    reason: String,
    note: String,
    consent: Option<String>,
    version: String,
}

pub async fn change(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_, id)): Path<(OfficeId, CaseId)>,
    CsrfForm(form): CsrfForm<ChangeForm>,
) -> WebResult<Response> {
    let office = at.office_id();
    let version = crate::conditional::parse(&form.version)?;
    let cmd = DecideStep::parse(
        &form.action,
        Some(&form.reason),
        &form.note,
        form.consent.is_some(),
    );
    let role = at.staff.auth.user.role.as_str().to_owned();
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let (cal, today) = (state.calendar(), state.today());
    let country = state.profile.catalog.profile.clone();
    let r = state
        .db(move |s| {
            // An approval that grants a credential issues it in the same transaction.
            s.change_case(
                &ctx, &scope, &role, id, version, &cmd?, &cal, today, &country,
            )
        })
        .await
        .map(|_| ());
    or_show(&state, &at.staff, office, id, r).await
}

pub async fn upload(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((_, id)): Path<(OfficeId, CaseId)>,
    form: Multipart,
) -> WebResult<Response> {
    let office = at.office_id();
    let up = upload::read(form).await?;
    if !same_secret(&up.csrf, at.staff.ctx.csrf_token()) {
        return Err(Error::forbidden("auth.csrf.invalid").into());
    }
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let r = upload::store(&state, ctx, scope, id, up).await.map(|_| ());
    or_show(&state, &at.staff, office, id, r).await
}

pub async fn document(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_, id, doc)): Path<(OfficeId, CaseId, CaseDocumentId)>,
) -> WebResult<Response> {
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    Ok(upload::serve(&state, ctx, scope, id, doc).await?)
}

pub async fn pay(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((_, id)): Path<(OfficeId, CaseId)>,
    CsrfForm(p): CsrfForm<super::api::NewPayment>,
) -> WebResult<Response> {
    let office = at.office_id();
    let (ctx, scope, today) = (at.staff.audit(purpose::SERVICE), at.scope, state.today());
    match state
        .db_parsed(p.parse(), move |s, p| {
            s.record_payment(&ctx, &scope, id, &p, today)
        })
        .await
    {
        Ok(p) => Ok(Redirect::to(&format!(
            "/offices/{office}/cases/{id}/receipts/{}",
            p.receipt_no
        ))
        .into_response()),
        Err(e) => or_show(&state, &at.staff, office, id, Err(e)).await,
    }
}

#[derive(Template)]
#[template(path = "cases/receipt.html")]
struct ReceiptPage {
    page: PageCtx,
    office_id: OfficeId,
    v: CaseView,
    service: String,
    fee: String,
    receipt_no: String,
    amount: String,
    method: PaymentMethod,
    paid_at: String,
    recorded_by: String,
    check_url: String,
    qr: String,
    schedule: String,
}

pub async fn receipt(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_, id, no)): Path<(OfficeId, CaseId, String)>,
    headers: axum::http::HeaderMap,
) -> WebResult<Response> {
    let office = at.office_id();
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let v = state.db(move |s| s.get_case(&ctx, &scope, id)).await?;
    let p = v
        .payments
        .iter()
        .find(|p| p.receipt_no == no)
        .cloned()
        .ok_or_else(|| Error::not_found("receipt.not_found"))?;
    let page = PageCtx::new(&state, &at.staff.ctx);
    let tag = page.locale.tag;
    let line = v.definition.fees.iter().find(|f| f.code == p.fee);
    let check_url = format!(
        "{}/receipts/{}",
        public_base(&state, &headers),
        p.check_code
    );
    let qr = crate::auth::totp::qr_svg(&check_url)?;
    let year = JalaliDate::from_iso(state.today()).year();
    let schedule = super::super::services::html_fee_text(&page, &v.definition, year);
    Ok(render(
        StatusCode::OK,
        &ReceiptPage {
            office_id: office,
            service: v.definition.names.get(tag).to_owned(),
            fee: line.map_or_else(|| p.fee.clone(), |l| l.names.get(tag).to_owned()),
            receipt_no: p.receipt_no.clone(),
            amount: page.tr.rials(p.rials),
            method: p.method,
            paid_at: page.tr.datetime(&p.recorded_at),
            recorded_by: p.recorded_by.clone(),
            check_url,
            qr,
            schedule,
            page,
            v,
        },
    ))
}

/// The site's public address for links printed on paper: the configured `public_url`, else the
/// request's `Host`.
pub(crate) fn public_base(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    if !state.config.public_url.is_empty() {
        return state.config.public_url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}
