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
    modifiers(&BearerAuth, &Contract),
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

/// Makes the generated document say what the server sends, for every operation at once
/// (issue 15, item 20), rather than by hand per route:
///
/// - **Error answers.** Every operation may answer 400 (malformed path, query, header or body),
///   404 (no such record, or a malformed id), 422 (invalid field), 429 and 503 (store
///   unavailable); operations with a security requirement also 401 and 403; operations that
///   take a body also 413 (over the limit); unsafe methods also 409 (conflict with the
///   record's state). Each is a shared response in `components/responses` with the one error
///   body, added where the annotation did not document it; a `default` response names the same
///   body for the rarer statuses (405, 412, 423, 428).
/// - **Operation ids** are unique: `<method>_<path>` with `/api/v1/` dropped and parameters as
///   `by_<name>`, e.g. `get_offices_by_office_id_persons` (function names repeat across
///   features: `list`, `show`, …).
/// - **Flattened closed schemas.** A record that flattens a schema with
///   `additionalProperties: false` (a service record: the definition plus `version`,
///   `updated_at`, `updated_by`) is generated as `allOf` of both, which no object satisfies;
///   it is rewritten as one object with the properties of both.
struct Contract;

/// The shared error responses: (status, component name, description).
const ERRORS: [(&str, &str, &str); 10] = [
    ("400", "BadRequest", "Malformed path, query, header or body"),
    ("401", "Unauthenticated", "No valid session or API token"),
    (
        "403",
        "Forbidden",
        "Not permitted (role, token scope or office)",
    ),
    (
        "404",
        "NotFound",
        "No such record, or not visible to the caller",
    ),
    (
        "409",
        "Conflict",
        "Conflicts with the record's current state",
    ),
    ("413", "TooLarge", "Body over the route's limit"),
    (
        "422",
        "Invalid",
        "A field is not valid; `details.field` names it",
    ),
    (
        "429",
        "TooManyRequests",
        "Too many attempts; see `Retry-After`",
    ),
    ("503", "Unavailable", "The store is not available"),
    ("default", "Error", "Any other error, with the same body"),
];

impl Modify for Contract {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let components = openapi.components.get_or_insert_with(Default::default);
        for (_, name, description) in ERRORS {
            components.responses.insert(
                name.to_owned(),
                RefOr::T(
                    ResponseBuilder::new()
                        .description(description)
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("ErrorBody")))
                                .build(),
                        )
                        .build(),
                ),
            );
        }
        flatten_closed_schemas(components);
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ];
            for (method, op) in ops {
                let Some(op) = op.as_mut() else { continue };
                op.operation_id = Some(operation_id(method, path));
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let unsafe_method = method != "get";
                for (status, name, _) in ERRORS {
                    let applies = match status {
                        "401" | "403" => secured,
                        "409" => unsafe_method,
                        "413" => op.request_body.is_some(),
                        _ => true,
                    };
                    if applies {
                        op.responses
                            .responses
                            .entry(status.to_owned())
                            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                    }
                }
            }
        }
    }
}

/// `get_offices_by_office_id_persons` for `GET /api/v1/offices/{office_id}/persons`.
fn operation_id(method: &str, path: &str) -> String {
    let rest = path
        .strip_prefix("/api/v1/")
        .or_else(|| path.strip_prefix('/'))
        .unwrap_or(path);
    let mut id = method.to_owned();
    for seg in rest.split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                id.push_str("by_");
                id.push_str(param);
            }
            None => id.extend(seg.chars().map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })),
        }
    }
    id
}

/// Rewrites `allOf: [$ref Closed, {properties}]` (serde `flatten` of a schema with
/// `additionalProperties: false`) as one closed object with the properties of both.
fn flatten_closed_schemas(components: &mut utoipa::openapi::Components) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{AdditionalProperties, Object, Schema};
    let closed = |s: &RefOr<Schema>| -> Option<Object> {
        match s {
            RefOr::T(Schema::Object(o))
                if matches!(
                    o.additional_properties.as_deref(),
                    Some(AdditionalProperties::FreeForm(false))
                ) =>
            {
                Some(o.clone())
            }
            _ => None,
        }
    };
    let names: Vec<String> = components.schemas.keys().cloned().collect();
    for name in names {
        let Some(RefOr::T(Schema::AllOf(all))) = components.schemas.get(&name) else {
            continue;
        };
        let mut merged: Option<Object> = None;
        let mut rest = vec![];
        for item in &all.items {
            match item {
                RefOr::Ref(r) => {
                    let target = r.ref_location.rsplit('/').next().unwrap_or_default();
                    match components.schemas.get(target).and_then(closed) {
                        Some(o) if merged.is_none() => merged = Some(o),
                        _ => rest.push(item.clone()),
                    }
                }
                other => rest.push(other.clone()),
            }
        }
        let Some(mut object) = merged else { continue };
        let mut ok = true;
        for item in rest {
            match item {
                RefOr::T(Schema::Object(o)) => {
                    object.properties.extend(o.properties);
                    object.required.extend(o.required);
                }
                _ => ok = false,
            }
        }
        if ok {
            object.description = all.description.clone();
            components
                .schemas
                .insert(name, RefOr::T(Schema::Object(object)));
        }
    }
}

/// The document as JSON.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub async fn serve() -> Response {
    axum::Json(document()).into_response()
}
