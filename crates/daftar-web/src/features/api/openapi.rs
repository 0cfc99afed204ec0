//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use crate::error::{ErrorBody, ErrorDetail};
use crate::features::{
    api, audit, cases, credentials, households, offices, persons, review, services, system, users,
};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "daftar API", description = "Registry and services of a migration authority's licensed offices. Errors: `{\"error\":{\"code\",\"message\",\"details\"}}`; lists take `page` and `per_page` and return `total`."),
    paths(
        system::healthz,
        api::me,
        api::tokens::list, api::tokens::create, api::tokens::revoke,
        offices::api::list, offices::api::show, offices::api::create, offices::api::set_status,
        persons::api::list, persons::api::show, persons::api::create, persons::api::candidates,
        persons::api::set_status, persons::api::add_document, persons::api::export, persons::photo::api_show, persons::photo::api_put,
        review::api_list, review::api_decide, review::api_unmerge,
        households::api::list, households::api::create, households::api::show, households::api::add_member, households::api::split, households::api::set_relationship,
        users::api_list, users::api_create,
        audit::api_list,
        services::api::list, services::api::show, services::api::history, services::api::update,
        services::api::calendar, services::api::set_holiday, services::api::remove_holiday, services::api::due,
        cases::api::open, cases::api::queue, cases::api::show, cases::api::change, cases::api::upload,
        cases::api::document, cases::api::pay, cases::api::assign, cases::slip::api_book, cases::slip::api_slots,
        cases::receipts::api_check, cases::receipts::api_complain, cases::receipts::api_report,
        credentials::verify::trust_list, credentials::verify::status_list, credentials::verify::root_key,
        credentials::verify::api_verify, credentials::api::list, credentials::api::issue_for_case, credentials::api::qr, credentials::api::revoke,
        credentials::api::share_codes, credentials::api::create_share, credentials::share::api_check,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth),
    tags((name = "auth", description = "Who is calling; API tokens"), (name = "offices"), (name = "persons", description = "Personal data: every read is audited"), (name = "households", description = "Households: head, members, relationships (audited)"), (name = "review", description = "Suspected duplicates: merge, unmerge, distinct (audited)"), (name = "system"), (name = "users", description = "Staff accounts of an office"), (name = "audit", description = "The hash-chained audit log"), (name = "services", description = "The public service catalog and the working-day calendar"), (name = "cases", description = "Applications for a service: workflow, documents, payments (audited)"), (name = "receipts", description = "Public receipt check, fee complaints, fee report"), (name = "credentials", description = "Signed credentials: public verification, trust and status lists, revocation, share codes (audited)"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as JSON.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub async fn serve() -> Response {
    axum::Json(document()).into_response()
}
