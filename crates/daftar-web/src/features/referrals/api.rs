//! A person's referrals as JSON (issue 20.1), through the store calls and audit of the pages:
//! for the staff of the person's office (`/api/v1/offices/{o}/persons/{p}/referrals…`) and for
//! the signed-in person (`/api/v1/portal/referrals…`, session cookie and `X-CSRF-Token`). Both
//! withdraw consent: the referral becomes `withdrawn` and what it shared is erased.

use super::{ReferralJson, referral_id};
use crate::auth::scope::{PersonRead, PersonWrite};
use crate::auth::{InOffice, Staff};
use crate::error::{ErrorBody, WebResult};
use crate::extract::Path;
use crate::features::portal::me;
use crate::state::AppState;
use axum::extract::State;
use daftar_domain::audit::purpose;
use daftar_domain::ids::{OfficeId, PersonId};
use daftar_domain::referral::Action;
use daftar_domain::store::ReferralActor;

/// A person's referrals made by the office, newest first (the latest 200), with what each
/// shares (`person.read` in the person's office). Audited as the page is: `person.read` and
/// `referral.list`, both in the person's access log.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/persons/{person_id}/referrals", tag = "referrals",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id")),
    responses((status = 200, body = Vec<ReferralJson>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn person_list(
    State(state): State<AppState>,
    at: InOffice<PersonRead>,
    Path((_office, person)): Path<(OfficeId, PersonId)>,
) -> WebResult<axum::Json<Vec<ReferralJson>>> {
    let office = at.scope.office_id();
    let ctx = at.staff.audit(purpose::SERVICE);
    let scope = at.scope;
    let found = state
        .db(move |s| {
            s.get_person(&ctx, &scope, person)?;
            s.person_referrals(&ctx, Some(office), person)
        })
        .await?;
    Ok(axum::Json(
        found.into_iter().map(ReferralJson::from).collect(),
    ))
}

/// Withdraws consent for the person at the counter (`person.write` in the person's office): a
/// referral of this office and this person only (404 `referral.not_found` otherwise); 409
/// `referral.state.conflict` when already withdrawn. What it shared is erased. Audited
/// `referral.withdraw`.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/persons/{person_id}/referrals/{referral_id}/withdraw", tag = "referrals",
    params(("office_id" = String, Path, description = "Office id"), ("person_id" = String, Path, description = "Person id"), ("referral_id" = String, Path, description = "Referral id (ULID)")),
    responses((status = 200, body = ReferralJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn office_withdraw(
    State(state): State<AppState>,
    at: InOffice<PersonWrite>,
    Path((office, person, id)): Path<(OfficeId, PersonId, String)>,
) -> WebResult<axum::Json<ReferralJson>> {
    let r = super::withdraw_at_office(&state, &at, office, person, &id, String::new()).await?;
    Ok(axum::Json(r.into()))
}

/// The signed-in person's referrals, newest first (the latest 200), with what each shares and
/// the partner's outcome (portal accounts only: 403 `portal.only`). Audited `referral.list`.
#[utoipa::path(get, path = "/api/v1/portal/referrals", tag = "portal",
    responses((status = 200, body = Vec<ReferralJson>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn portal_list(
    State(state): State<AppState>,
    staff: Staff,
) -> WebResult<axum::Json<Vec<ReferralJson>>> {
    let me = me(&state, staff).await?;
    let (ctx, person) = (me.staff.audit(purpose::SELF_SERVICE), me.person);
    let found = state
        .db(move |s| s.person_referrals(&ctx, None, person))
        .await?;
    Ok(axum::Json(
        found.into_iter().map(ReferralJson::from).collect(),
    ))
}

/// The signed-in person withdraws their consent to one of their referrals, at any time (404
/// `referral.not_found` for anyone else's; 409 `referral.state.conflict` when already
/// withdrawn). What it shared is erased; no reason is asked or kept. Audited
/// `referral.withdraw`.
#[utoipa::path(post, path = "/api/v1/portal/referrals/{referral_id}/withdraw", tag = "portal",
    params(("referral_id" = String, Path, description = "Referral id (ULID)")),
    responses((status = 200, body = ReferralJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn portal_withdraw(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> WebResult<axum::Json<ReferralJson>> {
    let id = referral_id(&id)?;
    let me = me(&state, staff).await?;
    let (ctx, person) = (me.staff.audit(purpose::SELF_SERVICE), me.person);
    let r = state
        .db(move |s| {
            s.act_on_referral(
                &ctx,
                ReferralActor::Person(person),
                &id,
                Action::Withdraw,
                "",
            )
        })
        .await?;
    Ok(axum::Json(r.into()))
}
