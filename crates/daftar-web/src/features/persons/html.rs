//! Person pages: the office's list with search, the registration form (with the duplicate check
//! before saving), and one person's page with documents, status history and their forms.

use crate::auth::scope::{PersonRead, PersonWrite};
use crate::auth::{CsrfForm, InOffice, Staff};
use crate::error::WebResult;
use crate::extract::{Path, Query};
use crate::pages::{PageCtx, Pager, encode_next, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use daftar_domain::audit::purpose;
use daftar_domain::ids::{OfficeId, PersonId};
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{OfficeScope, Permission};
use daftar_domain::person::{
    Candidates, ChangeStatus, DocumentDraft, DocumentKind, Person, PersonDraft, PersonRecord,
    PersonStatus, PersonSummary, RegisterPerson, Sex,
};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "persons/list.html")]
struct ListPage {
    page: PageCtx,
    office_id: OfficeId,
    q: String,
    persons: Vec<PersonSummary>,
    pager: Pager,
    can_write: bool,
    can_export: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "persons/new.html")]
struct NewPage {
    page: PageCtx,
    office_id: OfficeId,
    form: PersonForm,
    error: Option<String>,
    error_field: String,
    kinds: [DocumentKind; 5],
}

#[derive(Template)]
#[template(path = "persons/confirm.html")]
struct ConfirmPage {
    page: PageCtx,
    office_id: OfficeId,
    fields: Vec<(&'static str, String)>,
    found: Candidates,
    elsewhere_text: String,
}

#[derive(Template)]
#[template(path = "persons/show.html")]
struct ShowPage {
    page: PageCtx,
    office_id: OfficeId,
    rec: PersonRecord,
    household: Option<daftar_domain::ids::HouseholdId>,
    has_photo: bool,
    can_write: bool,
    error: Option<String>,
    statuses: [PersonStatus; 5],
    kinds: [DocumentKind; 5],
    cases: Vec<CaseRow>,
}

/// One of the person's cases (as applicant or member), newest first.
struct CaseRow {
    id: daftar_domain::ids::CaseId,
    reference: String,
    service: String,
    state: daftar_domain::workflow::CaseState,
    opened: time::OffsetDateTime,
}

/// `?q=` of the list page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    /// Name words, a registry number or a document number.
    pub q: String,
}

fn can_write(staff: &Staff, office: OfficeId) -> bool {
    staff
        .principal()
        .scope(office, Permission::PersonWrite)
        .is_ok()
}

pub async fn list(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Query(req): Query<PageRequest>,
    Query(search): Query<SearchQuery>,
) -> WebResult<Response> {
    let (staff, scope, office) = (at.staff, at.scope, at.scope.office_id());
    let ctx = staff.audit(purpose::SERVICE);
    let q = search.q.trim().to_owned();
    let query = q.clone();
    let result = state
        .db(move |s| {
            if query.is_empty() {
                s.list_persons(&ctx, &scope, req.clamped())
            } else {
                s.search_persons(&ctx, &scope, &query, req.clamped())
            }
        })
        .await;
    let page = PageCtx::new(&state, &staff.ctx);
    let (persons, error, status) = match result {
        Ok(p) => (p, None, StatusCode::OK),
        Err(e) if e.kind.status() < 500 => {
            let status = StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let empty = daftar_domain::page::Page {
                items: vec![],
                page: 1,
                per_page: req.per_page,
                total: 0,
            };
            (empty, Some(page.tr.error(e.code)), status)
        }
        Err(e) => return Err(e.into()),
    };
    let base = if q.is_empty() {
        format!("/offices/{office}/persons")
    } else {
        format!("/offices/{office}/persons?q={}", encode_next(&q))
    };
    let pager = Pager::new(&base, &persons);
    Ok(render(
        status,
        &ListPage {
            page,
            office_id: office,
            q,
            persons: persons.items,
            pager,
            can_write: can_write(&staff, office),
            can_export: staff
                .principal()
                .scope(office, Permission::PersonExport)
                .is_ok(),
            error,
        },
    ))
}

/// The registration form; every field defaults to empty so that validation (after the scope
/// check) names the missing field. One identity document may be given with it.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct PersonForm {
    confirm: String,
    given_name: String,
    family_name: String,
    father_name: String,
    grandfather_name: String,
    given_name_latin: String,
    family_name_latin: String,
    birth_date: String,
    sex: String,
    nationality: String,
    phone: String,
    province: String,
    district: String,
    address: String,
    doc_kind: String,
    doc_number: String,
    doc_issuer: String,
    doc_valid_from: String,
    doc_valid_until: String,
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

impl PersonForm {
    /// Every field by name, for carrying the form through the confirmation page.
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("given_name", self.given_name.clone()),
            ("family_name", self.family_name.clone()),
            ("father_name", self.father_name.clone()),
            ("grandfather_name", self.grandfather_name.clone()),
            ("given_name_latin", self.given_name_latin.clone()),
            ("family_name_latin", self.family_name_latin.clone()),
            ("birth_date", self.birth_date.clone()),
            ("sex", self.sex.clone()),
            ("nationality", self.nationality.clone()),
            ("phone", self.phone.clone()),
            ("province", self.province.clone()),
            ("district", self.district.clone()),
            ("address", self.address.clone()),
            ("doc_kind", self.doc_kind.clone()),
            ("doc_number", self.doc_number.clone()),
            ("doc_issuer", self.doc_issuer.clone()),
            ("doc_valid_from", self.doc_valid_from.clone()),
            ("doc_valid_until", self.doc_valid_until.clone()),
        ]
    }

    fn parse(&self, today: time::Date) -> daftar_domain::Result<RegisterPerson> {
        let documents = if self.doc_number.trim().is_empty() {
            vec![]
        } else {
            vec![document(
                &self.doc_kind,
                &self.doc_number,
                &self.doc_issuer,
                &self.doc_valid_from,
                &self.doc_valid_until,
            )]
        };
        let new = PersonDraft {
            given_name: self.given_name.trim().into(),
            family_name: self.family_name.trim().into(),
            father_name: self.father_name.trim().into(),
            grandfather_name: self.grandfather_name.trim().into(),
            given_name_latin: self.given_name_latin.trim().into(),
            family_name_latin: self.family_name_latin.trim().into(),
            birth_date: opt(&self.birth_date),
            sex: Sex::parse(self.sex.trim())?,
            nationality: self.nationality.trim().to_ascii_uppercase(),
            phone: self.phone.trim().into(),
            province: self.province.trim().into(),
            district: self.district.trim().into(),
            address: self.address.trim().into(),
            documents,
        };
        RegisterPerson::parse(new, today)
    }
}

fn document(kind: &str, number: &str, issuer: &str, from: &str, until: &str) -> DocumentDraft {
    DocumentDraft {
        kind: kind.trim().into(),
        number: number.trim().into(),
        issuer: issuer.trim().into(),
        valid_from: opt(from),
        valid_until: opt(until),
    }
}

fn new_page(
    state: &AppState,
    staff: &Staff,
    office: OfficeId,
    form: PersonForm,
    error: Option<&daftar_domain::Error>,
) -> NewPage {
    let page = PageCtx::new(state, &staff.ctx);
    let error_field = error
        .and_then(|e| e.details.get("field"))
        .and_then(|f| f.as_str())
        .unwrap_or_default()
        .to_owned();
    let error = error.map(|e| page.tr.error(e.code));
    NewPage {
        page,
        office_id: office,
        form,
        error,
        error_field,
        kinds: DocumentKind::ALL,
    }
}

pub async fn new_form(State(state): State<AppState>, at: InOffice<PersonWrite>) -> Response {
    let form = PersonForm {
        nationality: "AFG".into(),
        doc_kind: DocumentKind::RegistrationCard.code().into(),
        ..PersonForm::default()
    };
    let page = new_page(&state, &at.staff, at.office_id(), form, None);
    render(StatusCode::OK, &page)
}

async fn check_and_create(
    state: &AppState,
    staff: &Staff,
    scope: OfficeScope,
    form: &PersonForm,
    new: RegisterPerson,
) -> WebResult<Result<Person, Response>> {
    let office = scope.office_id();
    if form.confirm != "1" {
        // Before saving, show likely duplicates (in this office; others only counted).
        let reach = daftar_domain::permission::Reach::Office(
            staff.principal().scope(office, Permission::PersonRead)?,
        );
        let (ctx, probe) = (staff.audit(purpose::SERVICE), new.probe());
        let found = state
            .db(move |s| s.person_candidates(&ctx, &reach, &probe, 10))
            .await?;
        if !found.candidates.is_empty() || found.elsewhere > 0 {
            let page = PageCtx::new(state, &staff.ctx);
            let elsewhere_text = page.tr.ta(
                "candidates-elsewhere",
                &[("count", page.tr.num(found.elsewhere))],
            );
            let page = ConfirmPage {
                page,
                office_id: office,
                fields: form.fields(),
                found,
                elsewhere_text,
            };
            return Ok(Err(render(StatusCode::OK, &page)));
        }
    }
    let ctx = staff.audit(purpose::SERVICE);
    let probe = new.probe();
    let created = state
        .db(move |s| s.create_person(&ctx, &scope, &new))
        .await
        .map_err(|e| {
            let page = new_page(state, staff, office, form.clone(), Some(&e));
            render_error(e.kind.status(), &page)
        });
    if let (Ok(p), "1") = (&created, form.confirm.as_str()) {
        // Registered although likely duplicates were shown: the pairs go to the supervisor's
        // review queue.
        let reach = daftar_domain::permission::Reach::Office(
            staff.principal().scope(office, Permission::PersonRead)?,
        );
        let (ctx, id) = (staff.audit(purpose::SERVICE), p.id);
        state
            .db(move |s| {
                let found = s.person_candidates(&ctx, &reach, &probe, 10)?;
                let pairs: Vec<_> = found
                    .candidates
                    .iter()
                    .filter(|c| c.person.id != id)
                    .map(|c| daftar_domain::review::NewSuspect {
                        a: id,
                        b: c.person.id,
                        score: c.score,
                        reasons: c.reasons,
                        source: "registration",
                    })
                    .collect();
                s.add_suspects(&ctx, &pairs)
            })
            .await?;
    }
    Ok(created)
}

fn render_error<T: Template>(status: u16, page: &T) -> Response {
    render(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        page,
    )
}

pub async fn create(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    CsrfForm(form): CsrfForm<PersonForm>,
) -> WebResult<Response> {
    let (staff, scope, office) = (at.staff, at.scope, at.scope.office_id());
    let new = match form.parse(state.today()) {
        Ok(new) => new,
        Err(e) if e.kind.status() < 500 => {
            let page = new_page(&state, &staff, office, form, Some(&e));
            return Ok(render_error(e.kind.status(), &page));
        }
        Err(e) => return Err(e.into()),
    };
    match check_and_create(&state, &staff, scope, &form, new).await? {
        Ok(p) => Ok(Redirect::to(&format!("/offices/{office}/persons/{}", p.id)).into_response()),
        Err(page) => Ok(page),
    }
}

pub(crate) async fn show_page(
    state: &AppState,
    staff: &Staff,
    scope: OfficeScope,
    id: PersonId,
    error: Option<daftar_domain::Error>,
    stated: &str,
) -> WebResult<Response> {
    let ctx = staff.audit(purpose::SERVICE);
    let guard = match staff.read_guard(state, stated) {
        Ok(g) => g,
        Err(e) if e.kind.status() < 500 => {
            return Ok(purpose_page(
                state,
                staff,
                scope.office_id(),
                id,
                stated,
                &e,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let read = state
        .db(move |s| {
            Ok((
                s.read_person(&ctx, &scope, id, &guard)?,
                s.person_household(&ctx, &scope, id)?,
                s.get_photo(&ctx, &scope, id)?.is_some(),
                s.person_cases(&ctx, &scope, id)?,
                s.services()?,
            ))
        })
        .await;
    let (rec, household, has_photo, cases, services) = match read {
        Ok(r) => r,
        Err(e) if e.code == "read.purpose.required" => {
            return Ok(purpose_page(
                state,
                staff,
                scope.office_id(),
                id,
                stated,
                &e,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let page = PageCtx::new(state, &staff.ctx);
    let cases = cases
        .into_iter()
        .map(|c| CaseRow {
            id: c.case.id,
            service: services
                .iter()
                .find(|r| r.definition.code == c.case.service)
                .map_or_else(
                    || c.case.service.to_string(),
                    |r| r.definition.names.get(page.locale.tag).to_owned(),
                ),
            reference: c.case.reference,
            state: c.case.state,
            opened: c.case.opened_at,
        })
        .collect();
    let status = error.as_ref().map_or(200, |e| e.kind.status());
    let error = error.map(|e| page.tr.error(e.code));
    Ok(render_error(
        status,
        &ShowPage {
            page,
            office_id: scope.office_id(),
            rec,
            household,
            has_photo,
            can_write: can_write(staff, scope.office_id()),
            error,
            statuses: PersonStatus::ALL,
            kinds: DocumentKind::ALL,
            cases,
        },
    ))
}

/// `?purpose=` of a person's page: the purpose a reader states once past the bulk-read limit.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct PurposeQuery {
    /// Why this record is needed (5–300 characters): required once the caller has read more
    /// different persons in the window than the profile allows (`read.purpose.required`).
    pub purpose: Option<String>,
}

#[derive(Template)]
#[template(path = "persons/purpose.html")]
struct PurposePage {
    page: PageCtx,
    office_id: OfficeId,
    person_id: PersonId,
    purpose: String,
    message: String,
    code: &'static str,
}

/// The page that asks for a purpose (403 `read.purpose.required`, or 422
/// `read.purpose.invalid` for one too short or too long), with the form that gives it.
fn purpose_page(
    state: &AppState,
    staff: &Staff,
    office_id: OfficeId,
    person_id: PersonId,
    stated: &str,
    e: &daftar_domain::Error,
) -> Response {
    let page = PageCtx::new(state, &staff.ctx);
    let message = page.tr.error(e.code);
    render_error(
        e.kind.status(),
        &PurposePage {
            page,
            office_id,
            person_id,
            purpose: stated.trim().to_owned(),
            message,
            code: e.code,
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_, id)): Path<(OfficeId, PersonId)>,
    Query(q): Query<PurposeQuery>,
) -> WebResult<Response> {
    show_page(
        &state,
        &at.staff,
        at.scope,
        id,
        None,
        q.purpose.as_deref().unwrap_or(""),
    )
    .await
}

/// After a change on a person's page: back to the page, or the page again with the error.
async fn after_change<T>(
    state: &AppState,
    staff: &Staff,
    scope: OfficeScope,
    id: PersonId,
    result: daftar_domain::Result<T>,
) -> WebResult<Response> {
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/offices/{}/persons/{id}", scope.office_id())).into_response(),
        ),
        Err(e) if e.kind.status() < 500 && e.code != "person.not_found" => {
            let read = staff
                .principal()
                .scope(scope.office_id(), Permission::PersonRead)?;
            show_page(state, staff, read, id, Some(e), "").await
        }
        Err(e) => Err(e.into()),
    }
}

/// The status form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusForm {
    status: String,
    note: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((_, id)): Path<(OfficeId, PersonId)>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> WebResult<Response> {
    let (staff, scope) = (at.staff, at.scope);
    let ctx = staff.audit(purpose::SERVICE);
    let result = state
        .db_parsed(
            ChangeStatus::parse(&form.status, &form.note),
            move |s, change| s.set_person_status(&ctx, &scope, id, &change, None),
        )
        .await;
    after_change(&state, &staff, scope, id, result).await
}

/// The medical-needs form: a checkbox.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MedicalForm {
    medical_needs: Option<String>,
}

/// `POST /offices/{o}/persons/{p}/medical-needs`.
pub async fn set_medical_needs(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((_, id)): Path<(OfficeId, PersonId)>,
    CsrfForm(form): CsrfForm<MedicalForm>,
) -> WebResult<Response> {
    let (staff, scope) = (at.staff, at.scope);
    let ctx = staff.audit(purpose::SERVICE);
    let yes = form.medical_needs.is_some();
    let result = state
        .db(move |s| s.set_medical_needs(&ctx, &scope, id, yes, None))
        .await;
    after_change(&state, &staff, scope, id, result).await
}

/// The add-document form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DocumentForm {
    kind: String,
    number: String,
    issuer: String,
    valid_from: String,
    valid_until: String,
}

pub async fn add_document(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((_, id)): Path<(OfficeId, PersonId)>,
    CsrfForm(f): CsrfForm<DocumentForm>,
) -> WebResult<Response> {
    let (staff, scope) = (at.staff, at.scope);
    let ctx = staff.audit(purpose::SERVICE);
    let doc = document(&f.kind, &f.number, &f.issuer, &f.valid_from, &f.valid_until);
    let result = state
        .db_parsed(doc.validate(state.today()), move |s, doc| {
            s.add_document(&ctx, &scope, id, &doc, None)
        })
        .await;
    after_change(&state, &staff, scope, id, result).await
}
