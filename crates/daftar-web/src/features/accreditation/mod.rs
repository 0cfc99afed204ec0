//! Staff accreditation (issue 18, part 3): `/offices/{office_id}/accreditations`, every staff
//! member of an office with their training and exam records (expiry in the Solar Hijri
//! calendar) and the accreditations they hold; the authority's officers
//! (`accreditation.manage`) record a training or an exam there, the office's manager
//! (`user.manage`) reads their own staff's. JSON under
//! `/api/v1/offices/{office_id}/accreditations`. The workflow engine checks the accreditations
//! a step needs in the step's transaction (`case.step.accreditation`).

use crate::auth::{CsrfForm, Staff};
use crate::error::{ErrorBody, WebResult};
use crate::extract::Json;
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use daftar_domain::accreditation::{NewRecord, Record, StaffAccreditation};
use daftar_domain::audit::purpose;
use daftar_domain::ids::{OfficeId, UserId};
use daftar_domain::permission::{OfficeScope, Permission};
use daftar_domain::{Error, Result};

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/offices/{office_id}/accreditations",
            get(page).post(record_form),
        )
        .route(
            "/api/v1/offices/{office_id}/accreditations",
            get(api_list).post(api_record),
        )
        .route(
            "/offices/{office_id}/accreditations/{record_id}/withdraw",
            axum::routing::post(withdraw_form),
        )
        .route(
            "/api/v1/offices/{office_id}/accreditations/{record_id}/withdraw",
            axum::routing::post(api_withdraw),
        )
}

fn office_of(s: &str) -> Result<OfficeId> {
    s.parse()
        .map_err(|_| Error::not_found("request.path.invalid"))
}

/// The office and record ids of a withdrawal's path (a record id is a ULID).
fn record_path(office: &str, record: &str) -> Result<(OfficeId, String)> {
    let record: ulid::Ulid = record
        .parse()
        .map_err(|_| Error::not_found("request.path.invalid"))?;
    Ok((office_of(office)?, record.to_string()))
}

/// The scope to read an office's accreditations: the authority's, or the office manager's.
fn read_scope(staff: &Staff, office: OfficeId) -> Result<OfficeScope> {
    let p = staff.principal();
    if p.has(Permission::AccreditationManage) {
        p.scope(office, Permission::AccreditationManage)
    } else {
        p.scope(office, Permission::UserManage)
    }
}

async fn list(
    state: &AppState,
    staff: &Staff,
    office: OfficeId,
) -> Result<Vec<StaffAccreditation>> {
    let scope = read_scope(staff, office)?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    state
        .db(move |s| s.staff_accreditations(&ctx, &scope))
        .await
}

/// A training or exam record to add.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = NewStaffRecord)]
#[serde(default)]
pub struct RecordRequest {
    /// The staff member (user id of the office).
    pub user_id: String,
    /// `training` or `exam`.
    pub kind: String,
    /// Course or exam code (2–20 of `A-Z`, `a-z`, `0-9`, `-`, `_`, `.`).
    pub course: String,
    /// Day taken, Solar Hijri (`1405/02/10`) or ISO; not in the future.
    pub taken_on: String,
    /// Passed (an exam; a training counts as passed).
    pub passed: bool,
    /// Last valid day on the certificate, if any (Solar Hijri or ISO).
    pub expires_on: String,
}

async fn record(
    state: &AppState,
    staff: &Staff,
    office: OfficeId,
    req: &RecordRequest,
) -> Result<Record> {
    let scope = staff
        .principal()
        .scope(office, Permission::AccreditationManage)?;
    let user: UserId = req
        .user_id
        .trim()
        .parse()
        .map_err(|_| Error::invalid("user.id.invalid").with_field("user_id"))?;
    let rec = NewRecord::parse(
        &req.kind,
        &req.course,
        &req.taken_on,
        req.passed,
        &req.expires_on,
        state.clock.today(),
    )?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    state
        .db(move |s| s.record_accreditation(&ctx, &scope, user, &rec))
        .await
}

/// Every staff member of the office with their records and the accreditations they hold
/// (the authority's officers; the office's manager for their own office). Audited
/// `accreditation.read`.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/accreditations", tag = "accreditation",
    params(("office_id" = String, Path, description = "Office id")),
    responses((status = 200, body = Vec<StaffAccreditation>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<AppState>,
    staff: Staff,
    crate::extract::Path(office): crate::extract::Path<String>,
) -> WebResult<axum::Json<Vec<StaffAccreditation>>> {
    let office = office_of(&office)?;
    Ok(axum::Json(list(&state, &staff, office).await?))
}

/// Records a training or exam of a staff member of the office (`accreditation.manage`: the
/// authority's officers). Audited `accreditation.record`.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/accreditations", tag = "accreditation",
    params(("office_id" = String, Path, description = "Office id")), request_body = RecordRequest,
    responses((status = 201, body = Record), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_record(
    State(state): State<AppState>,
    staff: Staff,
    crate::extract::Path(office): crate::extract::Path<String>,
    Json(req): Json<RecordRequest>,
) -> WebResult<(StatusCode, axum::Json<Record>)> {
    let office = office_of(&office)?;
    let r = record(&state, &staff, office, &req).await?;
    Ok((StatusCode::CREATED, axum::Json(r)))
}

/// Why a record is withdrawn.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = WithdrawStaffRecord)]
#[serde(default)]
pub struct WithdrawRequest {
    /// Why (e.g. entered for the wrong person): 1–500 characters, kept in the audit log.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

async fn withdraw(
    state: &AppState,
    staff: &Staff,
    office: OfficeId,
    record: String,
    reason: &str,
) -> Result<Record> {
    let scope = staff
        .principal()
        .scope(office, Permission::AccreditationManage)?;
    let reason = reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(Error::invalid("accreditation.reason.invalid").with_field("reason"));
    }
    let ctx = staff.audit(purpose::ADMINISTRATION);
    state
        .db(move |s| s.withdraw_accreditation(&ctx, &scope, &record, &reason))
        .await
}

/// Withdraws a training or exam record entered in error (`accreditation.manage`): the record
/// is gone from the staff member's list and from the step check at once; the audit row
/// `accreditation.withdraw` keeps every field of it and the reason. Answers the withdrawn
/// record.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/accreditations/{record_id}/withdraw", tag = "accreditation",
    params(("office_id" = String, Path, description = "Office id"), ("record_id" = String, Path, description = "Record id (ULID)")),
    request_body = WithdrawRequest,
    responses((status = 200, body = Record), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_withdraw(
    State(state): State<AppState>,
    staff: Staff,
    crate::extract::Path((office, record)): crate::extract::Path<(String, String)>,
    Json(req): Json<WithdrawRequest>,
) -> WebResult<axum::Json<Record>> {
    let (office, record) = record_path(&office, &record)?;
    Ok(axum::Json(
        withdraw(&state, &staff, office, record, &req.reason).await?,
    ))
}

async fn withdraw_form(
    State(state): State<AppState>,
    staff: Staff,
    crate::extract::Path((office, record)): crate::extract::Path<(String, String)>,
    CsrfForm(form): CsrfForm<WithdrawRequest>,
) -> WebResult<Response> {
    let (office, record) = record_path(&office, &record)?;
    match withdraw(&state, &staff, office, record, &form.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/offices/{office}/accreditations")).into_response()),
        Err(e) => page_error(&state, &staff, office, e).await,
    }
}

/// Shows the page again with a user error's message; passes refusals and other errors on.
async fn page_error(
    state: &AppState,
    staff: &Staff,
    office: OfficeId,
    e: Error,
) -> WebResult<Response> {
    if e.kind.status() < 500 && e.kind.status() != 403 {
        let msg = PageCtx::new(state, &staff.ctx).tr.error(e.code);
        let status = StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::BAD_REQUEST);
        return render_page(state, staff, office, Some(msg), status).await;
    }
    Err(e.into())
}

/// A record on the page.
struct RecordRow {
    id: String,
    kind: String,
    course: String,
    taken_on: String,
    passed: bool,
    expires_on: String,
}

/// An accreditation held, on the page.
struct HeldRow {
    name: String,
    until: String,
    current: bool,
}

/// A staff member on the page.
struct StaffRow {
    id: String,
    username: String,
    display_name: String,
    role: String,
    records: Vec<RecordRow>,
    held: Vec<HeldRow>,
}

#[derive(Template)]
#[template(path = "accreditation/staff.html")]
struct StaffPage {
    page: PageCtx,
    office_id: OfficeId,
    staff: Vec<StaffRow>,
    can_manage: bool,
    error: Option<String>,
}

async fn render_page(
    state: &AppState,
    staff: &Staff,
    office: OfficeId,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let people = list(state, staff, office).await?;
    let rules = state.db(|s| s.accreditation_rules()).await?;
    let page = PageCtx::new(state, &staff.ctx);
    let tr = &page.tr;
    let tag = page.locale.tag.to_owned();
    let day = |d: time::Date| tr.date(&daftar_domain::jalali::iso_day(d));
    let rows = people
        .iter()
        .map(|p| StaffRow {
            id: p.user_id.clone(),
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            role: p.role.clone(),
            records: p
                .records
                .iter()
                .map(|r| RecordRow {
                    id: r.id.clone(),
                    kind: tr.t(&format!("accreditation-kind-{}", r.kind.code())),
                    course: r.course.clone(),
                    taken_on: day(r.taken_on),
                    passed: r.passed,
                    expires_on: r.expires_on.map(day).unwrap_or_default(),
                })
                .collect(),
            held: p
                .held
                .iter()
                .map(|h| HeldRow {
                    name: rules.name(&h.code, &tag),
                    until: day(h.until),
                    current: h.current,
                })
                .collect(),
        })
        .collect();
    let can_manage = staff.principal().has(Permission::AccreditationManage);
    Ok(render(
        status,
        &StaffPage {
            page,
            office_id: office,
            staff: rows,
            can_manage,
            error,
        },
    ))
}

async fn page(
    State(state): State<AppState>,
    staff: Staff,
    crate::extract::Path(office): crate::extract::Path<String>,
) -> WebResult<Response> {
    let office = office_of(&office)?;
    render_page(&state, &staff, office, None, StatusCode::OK).await
}

/// The record form.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RecordForm {
    user_id: String,
    kind: String,
    course: String,
    taken_on: String,
    passed: Option<String>,
    expires_on: String,
}

async fn record_form(
    State(state): State<AppState>,
    staff: Staff,
    crate::extract::Path(office): crate::extract::Path<String>,
    CsrfForm(form): CsrfForm<RecordForm>,
) -> WebResult<Response> {
    let office = office_of(&office)?;
    staff
        .principal()
        .scope(office, Permission::AccreditationManage)?;
    let req = RecordRequest {
        user_id: form.user_id,
        kind: form.kind,
        course: form.course,
        taken_on: form.taken_on,
        passed: form.passed.is_some(),
        expires_on: form.expires_on,
    };
    match record(&state, &staff, office, &req).await {
        Ok(_) => Ok(Redirect::to(&format!("/offices/{office}/accreditations")).into_response()),
        Err(e) => page_error(&state, &staff, office, e).await,
    }
}
