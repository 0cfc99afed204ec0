//! Office licences (issue 18, part 1): the licence page of an office (its standing, the licence
//! granted, the timeline of steps, and a form for each step the caller may take), and
//! `/api/v1/offices/{office_id}/licence`. A step's route names it (`…/licence/{step}`), so
//! [`InStep`] proves the step's permission on the office before any body is read; the request
//! is parsed into a [`LicenceCommand`] here, at the edge, and the store decides and writes it
//! (`usecase::licence_step`).

pub mod api;
mod html;

use crate::auth::Staff;
use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::routing::{get, post};
use daftar_domain::Error;
use daftar_domain::Result;
use daftar_domain::ids::OfficeId;
use daftar_domain::jalali::JalaliDate;
use daftar_domain::licence::{
    Application, LicenceCommand, LicenceNumber, LicenceStep, NewLicence, NewVisit, parse_reason,
};
use daftar_domain::permission::OfficeScope;
use daftar_domain::service::ServiceCode;
use std::collections::BTreeSet;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/offices/{office_id}/licence", get(html::show))
        .route("/offices/{office_id}/licence/{step}", post(html::take))
        .route("/offices/{office_id}/address", post(html::set_address))
        .route(
            "/api/v1/offices/{office_id}/address",
            post(api::set_address),
        )
        .route("/api/v1/licence/checklist", get(api::checklist))
        .route("/api/v1/offices/{office_id}/licence", get(api::show))
        .route(
            "/api/v1/offices/{office_id}/licence/{step}",
            post(api::take),
        )
}

/// Proof that the caller may take the path's `{step}` on the path's `{office_id}`: the scope is
/// granted for the step's permission ([`LicenceStep::permission`]). An unknown step is 404.
#[derive(Debug)]
pub struct InStep {
    /// The caller.
    pub staff: Staff,
    /// The step.
    pub step: LicenceStep,
    /// The scope to hand to the store.
    pub scope: OfficeScope,
}

impl<S: Send + Sync> FromRequestParts<S> for InStep {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> std::result::Result<Self, Self::Rejection> {
        let staff = Staff::from_request_parts(parts, state).await?;
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError(Error::not_found("request.path.invalid")))?;
        let param = |name: &str| {
            raw.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_owned())
                .unwrap_or_default()
        };
        let office: OfficeId = param("office_id")
            .parse()
            .map_err(|_| AppError(Error::not_found("request.path.invalid")))?;
        let step = LicenceStep::parse(&param("step"))
            .map_err(|_| AppError(Error::not_found("request.path.invalid")))?;
        let scope = staff.principal().scope(office, step.permission())?;
        Ok(Self { staff, step, scope })
    }
}

/// An office's public address for the directory.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AddressRequest {
    /// The address as the public should read it (one line, at most 200 characters); empty
    /// or only spaces removes it.
    pub address: String,
}

impl AddressRequest {
    /// The address to keep, or none to remove it (`office.address.invalid`).
    pub fn parse(&self) -> Result<Option<daftar_domain::licence::PublicAddress>> {
        if self.address.trim().is_empty() {
            return Ok(None);
        }
        daftar_domain::licence::PublicAddress::parse(&self.address).map(Some)
    }
}

/// A finding as typed.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FindingInput {
    /// What was found (at most 300 characters).
    pub text: String,
    /// The day by which it must be put right: `YYYY-MM-DD` or Solar Hijri `YYYY/MM/DD`, after
    /// the visit.
    pub deadline: String,
}

/// A step of an office's licence: the fields of the step named in the path (the others must be
/// left out). `apply`: `documents`, `premises`, `manager`; `inspect`: `visited_on`, `passed`,
/// `findings`; `issue`: `number`, `valid_from`, `valid_until`, `services`; `renew`:
/// `valid_until`; `warn`, `suspend`, `revoke`, `reinstate`: `reason`.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LicenceStepRequest {
    /// Titles of the documents filed (1–20).
    pub documents: Vec<String>,
    /// The premises: address and description.
    pub premises: String,
    /// The manager named to run the office.
    pub manager: String,
    /// The day of the visit (not after today).
    pub visited_on: String,
    /// Codes of the checklist items met (`GET /api/v1/licence/checklist`); the others failed.
    pub passed: Vec<String>,
    /// Findings of the visit, each with a deadline.
    pub findings: Vec<FindingInput>,
    /// The licence number (4–32 of `A-Z`, `0-9`, `-`, `/`; unique).
    pub number: String,
    /// First day of validity.
    pub valid_from: String,
    /// Last day of validity (for `renew`: the new one, after the current).
    pub valid_until: String,
    /// Service codes the office may deliver (at least one).
    pub services: Vec<String>,
    /// Why (warn, suspend, revoke, reinstate; at most 500 characters).
    pub reason: String,
}

fn day(s: &str, field: &str) -> Result<time::Date> {
    JalaliDate::parse(s.trim())
        .map(|d| d.iso())
        .map_err(|_| Error::invalid("licence.date.invalid").with_field(field))
}

impl LicenceStepRequest {
    /// Parses the request into the command of `step`.
    pub fn command(&self, step: LicenceStep) -> Result<LicenceCommand> {
        Ok(match step {
            LicenceStep::Apply => LicenceCommand::Apply(Application::parse(
                &self.documents,
                &self.premises,
                &self.manager,
            )?),
            LicenceStep::Inspect => {
                let visited_on = day(&self.visited_on, "visited_on")?;
                let findings = self
                    .findings
                    .iter()
                    .map(|f| Ok((f.text.clone(), day(&f.deadline, "findings")?)))
                    .collect::<Result<Vec<_>>>()?;
                let passed: BTreeSet<String> =
                    self.passed.iter().map(|p| p.trim().to_owned()).collect();
                LicenceCommand::Inspect(NewVisit::parse(visited_on, passed, findings)?)
            }
            LicenceStep::Issue => {
                let number = LicenceNumber::parse(&self.number)?;
                let valid_from = day(&self.valid_from, "valid_from")?;
                let valid_until = day(&self.valid_until, "valid_until")?;
                let services = self
                    .services
                    .iter()
                    .map(|s| {
                        ServiceCode::parse(s.trim()).map_err(|_| {
                            Error::invalid("licence.services.invalid").with_field("services")
                        })
                    })
                    .collect::<Result<BTreeSet<_>>>()?;
                LicenceCommand::Issue(NewLicence {
                    number,
                    valid_from,
                    valid_until,
                    services,
                })
            }
            LicenceStep::Renew => LicenceCommand::Renew {
                valid_until: day(&self.valid_until, "valid_until")?,
            },
            LicenceStep::Warn => LicenceCommand::Warn(parse_reason(&self.reason)?),
            LicenceStep::Suspend => LicenceCommand::Suspend(parse_reason(&self.reason)?),
            LicenceStep::Revoke => LicenceCommand::Revoke(parse_reason(&self.reason)?),
            LicenceStep::Reinstate => LicenceCommand::Reinstate(parse_reason(&self.reason)?),
        })
    }
}
