//! `/api/v1/offices/{office_id}/persons`.

use crate::auth::InOffice;
use crate::auth::scope::{PersonRead, PersonWrite};
use crate::conditional::{if_match_tag, with_tag};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path, Query};
use crate::idempotency::{Idempotent, json_answer};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use daftar_domain::audit::purpose;
use daftar_domain::ids::{OfficeId, PersonId};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::person::{
    Document, MatchProbe, Person, PersonRecord, PersonSummary, RegisterPerson,
};

pub use super::request::{NewDocument, NewPerson, NewStatus};

/// Persons registered at an office, newest first; with `q`, only those whose registry number or
/// a document number equals it, or whose names hold every word of it (either script). Audited.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/persons", tag = "persons",
    params(("office_id" = String, Path, description = "Office id"), PageRequest,
        ("q" = Option<String>, Query, description = "Name words, registry number or document number")),
    responses((status = 200, body = Page<PersonSummary>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Query(page): Query<PageRequest>,
    Query(search): Query<super::html::SearchQuery>,
) -> WebResult<axum::Json<Page<PersonSummary>>> {
    let page = page.checked()?;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let q = search.q;
    Ok(axum::Json(
        state
            .db(move |s| {
                if q.trim().is_empty() {
                    s.list_persons(&ctx, &scope, page)
                } else {
                    s.search_persons(&ctx, &scope, &q, page)
                }
            })
            .await?,
    ))
}

/// One person of an office with documents, status history, contact and address: the only
/// answer that carries them (every list gives `PersonSummary`). `ETag` is the tag updates send
/// back in `If-Match`. Audited, and counted per user and per API token: past the profile's
/// limit (100 different persons in an hour in the Iran profile) every further read needs
/// `purpose` (403 `read.purpose.required` without it), and an alarm is raised for the office
/// manager and the auditor (docs/security.md).
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/persons/{person_id}", tag = "persons",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id"), super::html::PurposeQuery),
    responses((status = 200, body = PersonRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path(ids): Path<(OfficeId, PersonId)>,
    Query(q): Query<super::html::PurposeQuery>,
) -> WebResult<Response> {
    let id = ids.1;
    let guard = at
        .staff
        .read_guard(&state, q.purpose.as_deref().unwrap_or(""))?;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let rec = state
        .db(move |s| s.read_person(&ctx, &scope, id, &guard))
        .await?;
    Ok(with_tag(StatusCode::OK, rec))
}

/// Changes a person's status (registered, renewed, lapsed, departed, deceased); the history
/// keeps every change. `If-Match` must carry the person's `ETag`. Audited.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/persons/{person_id}/status", tag = "persons",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id"), ("If-Match" = String, Header, description = "The person's ETag")),
    request_body = NewStatus,
    responses((status = 200, body = PersonRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_status(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path(ids): Path<(OfficeId, PersonId)>,
    headers: HeaderMap,
    idem: Idempotent,
    Json(change): Json<NewStatus>,
) -> WebResult<Response> {
    let id = ids.1;
    let tag = if_match_tag(&headers)?;
    let change = change.parse()?;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let respond = changed_record(id);
    Ok(idem
        .run(&state, respond, move |s| {
            s.set_person_status(&ctx, &scope, id, &change, Some(&tag))
        })
        .await?)
}

/// The answer to a change of person `id`: the record with its new `ETag` (its reading audited
/// as `person.read` when an idempotent retry replays it).
fn changed_record(
    id: PersonId,
) -> impl Fn(&PersonRecord) -> daftar_domain::Result<daftar_domain::idempotency::StoredResponse>
+ Send
+ Sync
+ 'static {
    move |r: &PersonRecord| {
        json_answer(
            StatusCode::OK,
            Some(&format!("\"{}\"", daftar_domain::etag::tag_of(r))),
            r,
            ("person.read", "person", id.to_string()),
        )
    }
}

/// Whether a person has registered medical needs.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedicalNeeds {
    /// Yes or no (no detail is kept).
    pub medical_needs: bool,
}

/// Records whether a person has registered medical needs (a yes/no flag counted by the
/// planning figures; no detail). `If-Match` must carry the person's `ETag`. Audited.
#[utoipa::path(put, path = "/api/v1/offices/{office_id}/persons/{person_id}/medical-needs", tag = "persons",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id"), ("If-Match" = String, Header, description = "The person's ETag")),
    request_body = MedicalNeeds,
    responses((status = 200, body = PersonRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_medical_needs(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path(ids): Path<(OfficeId, PersonId)>,
    headers: HeaderMap,
    idem: Idempotent,
    Json(req): Json<MedicalNeeds>,
) -> WebResult<Response> {
    let id = ids.1;
    let tag = if_match_tag(&headers)?;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let respond = changed_record(id);
    Ok(idem
        .run(&state, respond, move |s| {
            s.set_medical_needs(&ctx, &scope, id, req.medical_needs, Some(&tag))
        })
        .await?)
}

/// Records an identity document of a person. `If-Match` must carry the person's `ETag`.
/// Audited.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/persons/{person_id}/documents", tag = "persons",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id"), ("If-Match" = String, Header, description = "The person's ETag")),
    request_body = NewDocument,
    responses((status = 201, body = Document), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_document(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path(ids): Path<(OfficeId, PersonId)>,
    headers: HeaderMap,
    idem: Idempotent,
    Json(doc): Json<NewDocument>,
) -> WebResult<Response> {
    let id = ids.1;
    let tag = if_match_tag(&headers)?;
    let doc = doc.parse(state.today())?;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let respond = move |d: &Document| {
        json_answer(
            StatusCode::CREATED,
            None,
            d,
            ("person.read", "person", id.to_string()),
        )
    };
    Ok(idem
        .run(&state, respond, move |s| {
            s.add_document(&ctx, &scope, id, &doc, Some(&tag))
        })
        .await?)
}

/// Registers a person at an office.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/persons", tag = "persons",
    params(("office_id" = String, Path, description = "Office id")), request_body = NewPerson,
    responses((status = 201, body = Person), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    idem: Idempotent,
    Json(new): Json<NewPerson>,
) -> WebResult<Response> {
    let new = RegisterPerson::parse(new.into(), state.today())?;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let respond = |p: &Person| {
        json_answer(
            StatusCode::CREATED,
            None,
            p,
            ("person.read", "person", p.id.to_string()),
        )
    };
    Ok(idem
        .run(&state, respond, move |s| {
            s.create_person(&ctx, &scope, &new)
        })
        .await?)
}

/// The person being registered, for the duplicate check.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct CandidateQuery {
    /// Given name (required).
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Father's name.
    pub father_name: String,
    /// Birth date: Solar Hijri (1370/05/12, Persian digits too) or ISO; year only is fine.
    pub birth_date: String,
    /// `female`, `male` or empty.
    pub sex: String,
}

impl CandidateQuery {
    /// The probe, checked (the birth date is parsed here and read by the matcher).
    pub fn probe(&self, today: time::Date) -> daftar_domain::Result<MatchProbe> {
        MatchProbe::parse(
            &self.given_name,
            &self.family_name,
            &self.father_name,
            &self.birth_date,
            &self.sex,
            today,
        )
    }
}

/// Likely duplicates of a person about to be registered, with the fields that agree; matches in
/// offices outside the caller's reach are only counted. Audited.
#[utoipa::path(get, path = "/api/v1/persons/candidates", tag = "persons", params(CandidateQuery),
    responses((status = 200, body = daftar_domain::person::Candidates), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn candidates(
    State(state): State<AppState>,
    staff: crate::auth::Staff,
    Query(q): Query<CandidateQuery>,
) -> WebResult<axum::Json<daftar_domain::person::Candidates>> {
    let reach = staff
        .principal()
        .reach(daftar_domain::permission::Permission::PersonRead)?;
    let probe = q.probe(state.today())?;
    let ctx = staff.audit(purpose::SERVICE);
    Ok(axum::Json(
        state
            .db(move |s| s.person_candidates(&ctx, &reach, &probe, 10))
            .await?,
    ))
}

/// Columns of the export: no phone, province, district or address (daftar never hands out
/// people's locations in bulk).
pub const EXPORT_COLUMNS: [&str; 13] = [
    "registry_no",
    "given_name",
    "family_name",
    "father_name",
    "grandfather_name",
    "given_name_latin",
    "family_name_latin",
    "birth_date",
    "birth_date_precision",
    "sex",
    "nationality",
    "status",
    "registered_at",
];

/// A cell as a spreadsheet will read it safely: text starting with `=`, `+`, `-`, `@` (or a tab
/// or carriage return) gets a leading `'` so that it is never taken as a formula.
fn cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The persons of an office as CSV (UTF-8 with BOM so spreadsheets read Persian; cells that
/// would start a formula are neutralised).
pub fn export_csv(persons: &[PersonSummary]) -> daftar_domain::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let fail = |e: csv::Error| daftar_domain::Error::internal(e.to_string());
    w.write_record(EXPORT_COLUMNS).map_err(fail)?;
    for p in persons {
        let registered = p
            .created_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        w.write_record(
            [
                p.registry_no.as_str(),
                &p.given_name,
                &p.family_name,
                &p.father_name,
                &p.grandfather_name,
                &p.given_name_latin,
                &p.family_name_latin,
                p.birth_date.as_deref().unwrap_or(""),
                p.birth_date_precision.map_or("", |d| d.code()),
                p.sex.code(),
                &p.nationality,
                p.status.code(),
                &registered,
            ]
            .map(cell)
            .iter()
            .map(|c| c.as_ref()),
        )
        .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| daftar_domain::Error::internal(e.to_string()))
}

/// The persons of an office as CSV, for roles with `person.export` (office managers). No
/// contact or address columns. Audited with the count.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/persons/export", tag = "persons",
    params(("office_id" = String, Path, description = "Office id")),
    responses((status = 200, description = "text/csv: registry_no, names, birth date and precision, sex, nationality, status, registered_at", content_type = "text/csv"), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    at: InOffice<crate::auth::scope::PersonExport>,
) -> WebResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let (ctx, scope) = (at.staff.audit(purpose::EXPORT), at.scope);
    let code = state
        .db(move |s| s.get_office(scope.office_id()))
        .await?
        .code;
    let persons = state.db(move |s| s.export_persons(&ctx, &scope)).await?;
    let body = export_csv(&persons)?;
    let name = format!("persons-{}.csv", code.as_str());
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}
