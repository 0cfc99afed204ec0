//! Credentials API for staff: a person's credentials, the signed QR text for a purpose,
//! revocation, and share codes (create, list with checks). Personal data: every call is audited
//! by the store.

use super::issue::qr_svg;
use super::share::hash;
use crate::auth::InOffice;
use crate::auth::scope::{CredentialRevoke, PersonRead, PersonWrite};
use crate::auth::secrets::random_token;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use daftar_domain::audit::{AuditCtx, purpose};
use daftar_domain::credential::{
    CredentialRecord, NewShareCode, SHARE_ALPHABET, SHARE_LEN, SHARE_MAX_DAYS, ShareCode,
    VerifierType, format_share_code,
};
use daftar_domain::ids::{CaseId, OfficeId, PersonId};
use daftar_domain::permission::{OfficeScope, Reach};
use daftar_domain::{Error, Result};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A person's credentials, newest first.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/persons/{person_id}/credentials", tag = "credentials",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id")),
    responses((status = 200, body = Vec<CredentialRecord>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path(path): Path<(OfficeId, PersonId)>,
) -> WebResult<axum::Json<Vec<CredentialRecord>>> {
    let person = path.1;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    Ok(axum::Json(
        state
            .db(move |s| s.person_credentials(&ctx, &scope, person))
            .await?,
    ))
}

/// Issues the credentials of an approved case (one per approved member). Approval issues them
/// already; this repeats it safely (same credentials) when that step failed, e.g. for want of
/// a signing key. Nothing for a case that is not approved or grants no credential.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/cases/{case_id}/credentials", tag = "credentials",
    params(("office_id" = String, Path, description = "Office id"), ("case_id" = String, Path, description = "Case id")),
    responses((status = 200, body = Vec<CredentialRecord>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn issue_for_case(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path(path): Path<(OfficeId, CaseId)>,
) -> WebResult<axum::Json<Vec<CredentialRecord>>> {
    let id = path.1;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let (country, today) = (state.profile.catalog.profile.clone(), state.today());
    Ok(axum::Json(
        state
            .db(move |s| s.grant_credentials(&ctx, &scope, id, &country, today))
            .await?,
    ))
}

/// `?purpose=` of a QR.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct PurposeQuery {
    /// `employer`, `school`, `police`, `bank` or `full` (default).
    pub purpose: String,
}

impl Default for PurposeQuery {
    fn default() -> Self {
        Self {
            purpose: "full".into(),
        }
    }
}

/// A signed QR.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QrAnswer {
    /// The credential text (`DF1:...`) the QR carries.
    pub text: String,
    /// QR version at error correction Q.
    pub qr_version: Option<i16>,
    /// The QR as SVG.
    pub svg: String,
}

/// The signed text and QR of a credential for one purpose (only that purpose's claims).
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/persons/{person_id}/credentials/{credential_id}/qr", tag = "credentials",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id"), ("credential_id" = String, Path, description = "Credential id (16 hex digits)"), PurposeQuery),
    responses((status = 200, body = QrAnswer), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn qr(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path(path): Path<(OfficeId, PersonId, String)>,
    Query(q): Query<PurposeQuery>,
) -> WebResult<axum::Json<QrAnswer>> {
    let (person, id) = (path.1, path.2);
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let keys = state.keys.clone();
    let text = state
        .db(move |s| {
            let rec = s.get_credential(&ctx, &scope, &id)?;
            if rec.person_id != person {
                return Err(Error::not_found("credential.not_found"));
            }
            if rec.revoked_at.is_some() {
                return Err(Error::conflict("credential.revoked"));
            }
            keys.signed_text(s, &rec, &q.purpose)
        })
        .await?;
    Ok(axum::Json(QrAnswer {
        qr_version: daftar_credential::qr_version(&text),
        svg: qr_svg(&text)?,
        text,
    }))
}

/// Why a credential is revoked.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RevokeRequest {
    /// Reason (kept in the audit log).
    pub reason: String,
}

/// Revokes a credential issued by the office (`credential.revoke`). Verifiers online see it at
/// once; offline ones with their next status list.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/credentials/{credential_id}/revoke", tag = "credentials",
    params(("office_id" = String, Path, description = "Office id"), ("credential_id" = String, Path, description = "Credential id")),
    request_body = RevokeRequest,
    responses((status = 200, body = CredentialRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    at: InOffice<CredentialRevoke>,
    Path(path): Path<(OfficeId, String)>,
    Json(req): Json<RevokeRequest>,
) -> WebResult<axum::Json<CredentialRecord>> {
    let id = path.1;
    let (ctx, reach) = (at.staff.audit(purpose::SERVICE), Reach::Office(at.scope));
    Ok(axum::Json(
        state
            .db(move |s| s.revoke_credential(&ctx, &reach, &id, &req.reason))
            .await?,
    ))
}

/// A person's share codes with every check.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/persons/{person_id}/share-codes", tag = "credentials",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id")),
    responses((status = 200, body = Vec<ShareCode>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn share_codes(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path(path): Path<(OfficeId, PersonId)>,
) -> WebResult<axum::Json<Vec<ShareCode>>> {
    let person = path.1;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    Ok(axum::Json(
        state
            .db(move |s| s.share_codes(&ctx, &scope, person))
            .await?,
    ))
}

/// A new share code.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ShareRequest {
    /// The credential to show (16 hexadecimal digits); 409 `share.credential.unknown` when the
    /// person has no such credential.
    pub credential_id: String,
    /// `employer`, `school`, `bank` or `police`.
    pub verifier: String,
    /// Days it works, 1–90: a JSON integer, or text.
    #[serde(deserialize_with = "crate::extract::number_or_text")]
    #[schema(schema_with = crate::extract::number_or_text_schema)]
    pub days: String,
}

/// A share code just made: the code and the holder's token are shown once and not kept.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewShareAnswer {
    /// The stored share code.
    pub share: ShareCode,
    /// The code to give the verifier (`ABCDE-FGHJK`).
    pub code: String,
    /// The holder's page: every check, and cancel.
    pub manage_path: String,
}

/// Makes a share code for a person in scope (the holder consents at the office).
/// Who makes a share code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MadeBy {
    /// The holder, on the portal.
    Holder,
    /// Staff of the holder's office, with the holder at the counter.
    Staff,
}

pub(crate) fn make_share(
    store: &dyn daftar_domain::store::Store,
    ctx: &AuditCtx,
    scope: &OfficeScope,
    person: PersonId,
    req: &ShareRequest,
    now: OffsetDateTime,
    by: MadeBy,
) -> Result<NewShareAnswer> {
    let verifier =
        VerifierType::parse(req.verifier.trim()).map_err(|e| e.with_field("verifier"))?;
    // A code that opens the holder's access log at any other office comes from the holder
    // only (found by a review: staff who know the birth date could have made one for another
    // office without the person).
    if verifier == VerifierType::Office && by == MadeBy::Staff {
        return Err(Error::conflict("share.verifier.holder_only").with_field("verifier"));
    }
    let days: i64 = daftar_domain::digits::fold_digits(req.days.trim())
        .parse()
        .ok()
        .filter(|d| (1..=SHARE_MAX_DAYS).contains(d))
        .ok_or_else(|| Error::invalid("share.days.invalid").with_field("days"))?;
    let mut bytes = [0u8; SHARE_LEN];
    rand::rng().fill_bytes(&mut bytes);
    let code: String = bytes
        .iter()
        .map(|b| char::from(SHARE_ALPHABET[usize::from(b & 31)]))
        .collect();
    let token = random_token(18);
    let share = store.create_share_code(
        ctx,
        scope,
        &NewShareCode {
            code_hash: hash(&code),
            manage_hash: hash(&token),
            person_id: person,
            credential_id: req.credential_id.trim().to_ascii_lowercase(),
            verifier,
            expires_at: now + time::Duration::days(days),
        },
    )?;
    Ok(NewShareAnswer {
        share,
        code: format_share_code(&code),
        manage_path: format!("/share/manage/{token}"),
    })
}

/// Makes a share code for one credential and one verifier type, valid 1–90 days.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/persons/{person_id}/share-codes", tag = "credentials",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id")),
    request_body = ShareRequest,
    responses((status = 201, body = NewShareAnswer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_share(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path(path): Path<(OfficeId, PersonId)>,
    Json(req): Json<ShareRequest>,
) -> WebResult<(StatusCode, axum::Json<NewShareAnswer>)> {
    let person = path.1;
    let (ctx, scope) = (at.staff.audit(purpose::SERVICE), at.scope);
    let now = state.now();
    let a = state
        .db(move |s| make_share(s, &ctx, &scope, person, &req, now, MadeBy::Staff))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(a)))
}
