//! `/api/v1/offices/{office_id}/persons`.

use crate::auth::InOffice;
use crate::auth::scope::{PersonRead, PersonWrite};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use daftar_domain::audit::purpose;
use daftar_domain::ids::{OfficeId, PersonId};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::person::{NewPerson, Person};

/// Persons registered at an office, newest first. Audited.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/persons", tag = "persons",
    params(("office_id" = String, Path, description = "Office id"), PageRequest),
    responses((status = 200, body = Page<Person>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Query(page): Query<PageRequest>,
) -> WebResult<axum::Json<Page<Person>>> {
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    Ok(axum::Json(
        state
            .db(move |s| s.list_persons(&ctx, &scope, page.clamped()))
            .await?,
    ))
}

/// One person of an office. Audited.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/persons/{person_id}", tag = "persons",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id")),
    responses((status = 200, body = Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path(ids): Path<(OfficeId, PersonId)>,
) -> WebResult<axum::Json<Person>> {
    let id = ids.1;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    Ok(axum::Json(
        state.db(move |s| s.get_person(&ctx, &scope, id)).await?,
    ))
}

/// Registers a person at an office.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/persons", tag = "persons",
    params(("office_id" = String, Path, description = "Office id")), request_body = NewPerson,
    responses((status = 201, body = Person), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Json(new): Json<NewPerson>,
) -> WebResult<(StatusCode, axum::Json<Person>)> {
    new.validate(time::OffsetDateTime::now_utc().date())?;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let person = state
        .db(move |s| s.create_person(&ctx, &scope, &new))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(person)))
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
    /// The probe as a new person (birth date to ISO; a year alone is kept as its first day).
    pub fn probe(&self) -> daftar_domain::Result<NewPerson> {
        let given = self.given_name.trim();
        if given.is_empty() || given.chars().count() > 100 {
            return Err(
                daftar_domain::Error::invalid("person.given_name.invalid").with_field("given_name")
            );
        }
        let d = self.birth_date.trim();
        let birth_date = if d.is_empty() {
            None
        } else if d
            .chars()
            .all(|c| c.is_ascii_digit() || ('۰'..='۹').contains(&c))
        {
            Some(daftar_domain::digits::fold_digits(d))
        } else {
            Some(
                daftar_domain::jalali::JalaliDate::parse(d)
                    .map_err(|e| e.with_field("birth_date"))?
                    .iso_string(),
            )
        };
        Ok(NewPerson {
            given_name: given.into(),
            family_name: self.family_name.trim().into(),
            father_name: self.father_name.trim().into(),
            birth_date,
            sex: daftar_domain::person::Sex::parse(self.sex.trim())?,
            nationality: "AFG".into(),
        })
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
    let probe = q.probe()?;
    let ctx = staff.audit(purpose::SERVICE);
    Ok(axum::Json(
        state
            .db(move |s| s.person_candidates(&ctx, &reach, &probe, 10))
            .await?,
    ))
}
