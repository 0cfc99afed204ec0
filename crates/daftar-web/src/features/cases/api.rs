//! `/api/v1/offices/{office_id}/cases`: open, queue, show (with `ETag`), change (with
//! `If-Match`), documents, payments, bulk assignment.

use super::upload;
use crate::auth::InOffice;
use crate::auth::scope::{PersonRead, PersonWrite};
use crate::conditional::{etag, etag_text, if_match};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path, Query};
use crate::idempotency::{Idempotent, json_answer};
use crate::state::AppState;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use daftar_domain::Error;
use daftar_domain::audit::purpose;
use daftar_domain::case::{
    CaseDocument, CaseSummary, CaseView, Employer, Payment, QueueFilter, RecordPayment,
};
use daftar_domain::ids::{CaseDocumentId, CaseId, OfficeId, UserId};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::usecase::decide_step::DecideStep;
use daftar_domain::usecase::open_case::OpenCase;
use serde::{Deserialize, Serialize};

/// A case view with its version as `ETag`.
pub(crate) fn with_etag(status: StatusCode, v: CaseView) -> Response {
    (
        status,
        [(header::ETAG, etag(v.case.version))],
        axum::Json(v),
    )
        .into_response()
}

// As the API takes it; parsed into `OpenCase` before the store is called.
/// Opening a case.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewCase {
    /// Service code.
    pub service: String,
    /// The applicant (for a household case: the household head).
    #[schema(value_type = String)]
    pub person_id: String,
    /// Cover the applicant's whole household (services that allow it).
    #[serde(default)]
    pub household: bool,
    /// The person concerned consents (services that require it).
    #[serde(default)]
    pub consent: bool,
    /// The employer, for services that take one (`requires_employer` in the catalog: work
    /// permits); refused for any other service.
    #[serde(default)]
    #[schema(value_type = Option<Employer>)]
    pub employer: Option<EmployerFields>,
    /// A note for the timeline.
    #[serde(default)]
    pub note: String,
}

/// The employer's fields as sent (checked by [`Employer::parse`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployerFields {
    /// Name.
    pub name: String,
    /// Identifier, optional.
    #[serde(default)]
    pub identifier: String,
}

impl NewCase {
    /// The command (`person.id.invalid`, `case.note.invalid`, `case.employer.invalid`, an
    /// impossible service code as `service.not_found`; each with its field).
    pub fn command(&self) -> daftar_domain::Result<OpenCase> {
        OpenCase::parse(
            &self.service,
            &self.person_id,
            self.household,
            self.consent,
            self.employer
                .as_ref()
                .map(|e| (e.name.as_str(), e.identifier.as_str())),
            &self.note,
        )
    }
}

// As the API takes it; parsed into `DecideStep` before the store is called.
/// A decision or other change on a case.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CaseChange {
    /// `complete`, `return`, `reject`, `resume` or `cancel`.
    pub action: String,
    /// Reason code, required for `reject`.
    #[serde(default)]
    pub reason: Option<String>,
    /// Note for the timeline (what to correct, for a return).
    #[serde(default)]
    pub note: String,
    /// Record consent given now (before approval).
    #[serde(default)]
    pub consent: bool,
}

impl CaseChange {
    /// The command (`case.note.invalid`, `case.reason.invalid`, `case.action.invalid`).
    pub fn command(&self) -> daftar_domain::Result<DecideStep> {
        DecideStep::parse(
            &self.action,
            self.reason.as_deref(),
            &self.note,
            self.consent,
        )
    }
}

/// Opens a case for a person (or the person's household) of the office. Audited.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/cases", tag = "cases",
    params(("office_id" = String, Path, description = "Office id"), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    request_body = NewCase,
    responses((status = 201, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn open(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    idem: Idempotent,
    Json(new): Json<NewCase>,
) -> WebResult<Response> {
    let cmd = new.command()?;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let (cal, today) = (state.calendar(), state.today());
    let respond = |v: &CaseView| {
        json_answer(
            StatusCode::CREATED,
            Some(&etag_text(v.case.version)),
            v,
            ("case.read", "case", v.case.id.to_string()),
        )
    };
    Ok(idem
        .run(&state, respond, move |s| {
            s.open_case(&ctx, &scope, &cmd, &cal, today)
        })
        .await?)
}

/// Work-queue query.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct QueueQuery {
    /// `active` (default), `due_today`, `overdue`, `waiting`, `closed`.
    pub filter: String,
    /// Page (from 1).
    pub page: Option<u32>,
    /// Items per page (1–200).
    pub per_page: Option<u32>,
}

impl QueueQuery {
    pub(crate) fn request(&self) -> daftar_domain::Result<PageRequest> {
        let d = PageRequest::default();
        PageRequest {
            page: self.page.unwrap_or(d.page),
            per_page: self.per_page.unwrap_or(d.per_page),
        }
        .checked()
    }
}

/// The office's cases, most urgent first. Audited.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/cases", tag = "cases",
    params(("office_id" = String, Path, description = "Office id"), QueueQuery),
    responses((status = 200, body = Page<CaseSummary>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn queue(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Query(q): Query<QueueQuery>,
) -> WebResult<axum::Json<Page<CaseSummary>>> {
    let (ctx, scope, today) = (at.staff.audit(purpose::SERVICE), at.scope, state.today());
    let (filter, req) = (QueueFilter::parse(&q.filter), q.request()?);
    Ok(axum::Json(
        state
            .db(move |s| s.case_queue(&ctx, &scope, filter, today, req))
            .await?,
    ))
}

/// One case with members, timeline, documents, fees and payments; `ETag` is its version.
/// Audited.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/cases/{case_id}", tag = "cases",
    params(("office_id" = String, Path, description = "Office id"), ("case_id" = String, Path, description = "Case id")),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path(path): Path<(OfficeId, CaseId)>,
) -> WebResult<Response> {
    let id = path.1;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let v = state.db(move |s| s.get_case(&ctx, &scope, id)).await?;
    Ok(with_etag(StatusCode::OK, v))
}

/// A decision (`complete`, `return`, `reject` with `reason`), `resume` or `cancel`, through the
/// workflow engine's guards. `If-Match` must carry the case's current version. Audited.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/cases/{case_id}/actions", tag = "cases",
    params(("office_id" = String, Path, description = "Office id"), ("case_id" = String, Path, description = "Case id"), ("If-Match" = String, Header, description = "The case's version (ETag)")),
    request_body = CaseChange,
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path(path): Path<(OfficeId, CaseId)>,
    headers: HeaderMap,
    idem: Idempotent,
    Json(change): Json<CaseChange>,
) -> WebResult<Response> {
    let id = path.1;
    let version = if_match(&headers)?;
    let cmd = change.command()?;
    let role = at.staff.auth.user.role.as_str().to_owned();
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let (cal, today) = (state.calendar(), state.today());
    let country = state.profile.catalog.profile.clone();
    let respond = |v: &CaseView| {
        json_answer(
            StatusCode::OK,
            Some(&etag_text(v.case.version)),
            v,
            ("case.read", "case", v.case.id.to_string()),
        )
    };
    Ok(idem
        .run(&state, respond, move |s| {
            // An approval that grants a credential issues it in the same transaction.
            s.change_case(
                &ctx, &scope, &role, id, version, &cmd, &cal, today, &country,
            )
        })
        .await?)
}

/// The multipart body of an evidence upload, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// The kind of evidence.
    kind: daftar_domain::service::EvidenceKind,
    /// The file: a PDF, JPEG or PNG by its content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Uploads evidence (multipart: `kind`, `file`; PDF, JPEG or PNG by content, at most 5 MiB).
/// Audited.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/cases/{case_id}/documents", tag = "cases",
    params(("office_id" = String, Path, description = "Office id"), ("case_id" = String, Path, description = "Case id")),
    request_body(content = DocumentUpload, content_type = "multipart/form-data", description = "`kind` and `file`"),
    responses((status = 201, body = CaseDocument), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path(path): Path<(OfficeId, CaseId)>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> WebResult<(StatusCode, axum::Json<CaseDocument>)> {
    // A body that is not multipart (or has no boundary) is a JSON 400 like every other error.
    let form = form.map_err(|e| {
        daftar_domain::Error::new("request.body.invalid", daftar_domain::ErrorKind::BadRequest)
            .with_details(serde_json::json!({ "reason": e.body_text() }))
    })?;
    let id = path.1;
    let up = upload::read(form).await?;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let doc = upload::store(&state, ctx, scope, id, up).await?;
    Ok((StatusCode::CREATED, axum::Json(doc)))
}

/// A document's bytes (served as an attachment, never rendered). Audited.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/cases/{case_id}/documents/{document_id}", tag = "cases",
    params(("office_id" = String, Path, description = "Office id"), ("case_id" = String, Path, description = "Case id"), ("document_id" = String, Path, description = "Document id")),
    responses((status = 200, description = "The file"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn document(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path(path): Path<(OfficeId, CaseId, CaseDocumentId)>,
) -> WebResult<Response> {
    let (_, id, doc) = path;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    Ok(upload::serve(&state, ctx, scope, id, doc).await?)
}

/// Records a payment on a fee line; refused above what the published schedule still allows.
/// Returns the payment with its receipt number and check code. Audited.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/cases/{case_id}/payments", tag = "cases",
    params(("office_id" = String, Path, description = "Office id"), ("case_id" = String, Path, description = "Case id"), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    request_body = NewPayment,
    responses((status = 201, body = Payment), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn pay(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path(path): Path<(OfficeId, CaseId)>,
    idem: Idempotent,
    Json(p): Json<NewPayment>,
) -> WebResult<Response> {
    let id = path.1;
    let (ctx, scope, today) = (at.staff.audit(purpose::SERVICE), at.scope, state.today());
    let respond = move |v: &Payment| {
        json_answer(
            StatusCode::CREATED,
            None,
            v,
            ("case.read", "case", id.to_string()),
        )
    };
    Ok(idem
        .run(&state, respond, move |s| {
            s.record_payment(&ctx, &scope, id, &p.parse()?, today)
        })
        .await?)
}

/// Recording a payment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
pub struct NewPayment {
    /// Fee line code.
    pub fee: String,
    /// Amount in rials: a JSON integer, or text (Persian digits and separators accepted).
    #[serde(deserialize_with = "crate::extract::number_or_text")]
    #[schema(schema_with = crate::extract::number_or_text_schema)]
    pub rials: String,
    /// `cash`, `card` or `transfer`.
    pub method: String,
}

impl NewPayment {
    /// The payment, parsed (`payment.amount.invalid`, `payment.method.invalid`).
    pub fn parse(&self) -> daftar_domain::Result<RecordPayment> {
        RecordPayment::parse(&self.fee, &self.rials, &self.method)
    }
}

/// Bulk assignment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Assign {
    /// Case ids.
    #[schema(value_type = Vec<String>)]
    pub ids: Vec<CaseId>,
    /// Staff member of the office, or null to unassign.
    #[schema(value_type = Option<String>)]
    pub assignee: Option<UserId>,
}

/// How many cases changed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Assigned {
    /// Cases assigned.
    pub changed: u64,
}

/// Assigns open cases to a staff member of the office. Audited.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/cases/assign", tag = "cases",
    params(("office_id" = String, Path, description = "Office id")),
    request_body = Assign,
    responses((status = 200, body = Assigned), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn assign(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Json(a): Json<Assign>,
) -> WebResult<axum::Json<Assigned>> {
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    if a.ids.is_empty() {
        return Err(Error::invalid("case.assign.invalid")
            .with_field("ids")
            .into());
    }
    let changed = state
        .db(move |s| s.assign_cases(&ctx, &scope, &a.ids, a.assignee))
        .await?;
    Ok(axum::Json(Assigned { changed }))
}
