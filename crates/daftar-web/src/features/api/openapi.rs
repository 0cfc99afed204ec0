//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use super::rules;
use crate::error::{ErrorBody, ErrorDetail};
use crate::features::{
    accreditation, api, association, audit, cases, consultations, credentials, helpdesk,
    households, licences, offices, persons, planning, plans, read_watch, referrals, review, rounds,
    services, system, users, voluntary_return,
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
        licences::api::checklist, licences::api::show, licences::api::take, licences::api::set_address,
        association::api_members, association::api_record, association::api_dues,
        accreditation::api_list, accreditation::api_record, accreditation::api_withdraw,
        plans::api::list, plans::api::create, plans::api::show, plans::api::edit, plans::api::step, plans::api::follow_up,
        consultations::api::list, consultations::api::publish, consultations::api::show, consultations::api::revise, consultations::api::finalise,
        consultations::api::comments, consultations::api::comment, consultations::api::proposals, consultations::api::file, consultations::api::proposal, consultations::api::answer,
        helpdesk::api_inbox, helpdesk::api::file, helpdesk::api::show, helpdesk::api::answer, helpdesk::api::forward,
        helpdesk::api::portal_list, helpdesk::api::portal_file, helpdesk::api::portal_show,
        referrals::api_inbox, referrals::api_show, referrals::api_act, referrals::api_create,
        referrals::api::person_list, referrals::api::office_withdraw, referrals::api::portal_list, referrals::api::portal_withdraw,
        planning::api::figures, persons::access::api_mine,
        voluntary_return::api::list, voluntary_return::api::register, voluntary_return::api::profile, voluntary_return::api::show,
        voluntary_return::api::screen, voluntary_return::api::review, voluntary_return::api::permit, voluntary_return::api::depart, voluntary_return::api::withdraw,
        rounds::api_coverage,
        persons::api::list, persons::api::show, persons::api::create, persons::api::candidates,
        persons::api::set_status, persons::api::set_medical_needs, persons::access::api_at_office, persons::api::add_document, persons::api::export, persons::photo::api_show, persons::photo::api_put,
        review::api_list, review::api_decide, review::api_unmerge,
        households::api::list, households::api::create, households::api::show, households::api::add_member, households::api::split, households::api::set_relationship,
        users::api_list, users::api_create,
        audit::api_list, read_watch::api_alarms, read_watch::api_tokens,
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
    tags((name = "auth", description = "Who is calling; API tokens"), (name = "offices"), (name = "association", description = "Association membership of offices and dues; members' licence standing and figures (no person data)"), (name = "accreditation", description = "Staff accreditation: training and exam records per staff member, the accreditations they hold (checked by the workflow for the steps that need one; audited)"), (name = "consultations", description = "Consultations on the offices' directive (versioned drafts, comments by section until a deadline, the final version with its changes) and the association branches' problems and proposals (no person data; audited)"), (name = "helpdesk", description = "Inquiries, complaints and exploitation reports routed to an office or the authority (audited; an anonymous complainant is hidden from the office complained about)"), (name = "referrals", description = "Referrals to partner services with the person's consent: partners see only referrals addressed to them and only the attributes each shares (audited)"), (name = "returns", description = "Voluntary return: registration, protection screening, review of flagged cases, exit permit, departure (revokes credentials), withdrawal (audited per person)"), (name = "rounds", description = "Registration rounds: coverage as aggregates (counts only, small figures withheld for partners)"), (name = "planning", description = "Planning figures for partners: persons by age group per province, district and office catchment, and per round (counts only; withheld figures are null)"), (name = "portal", description = "The signed-in person's own data: who saw their record, their help-desk tickets and their referrals (a portal account's session; audited as self-service)"), (name = "plans", description = "Offices' one-year and three-year plans: targets, review by the authority, plan versus actual, monthly follow-up (office figures only)"), (name = "licences", description = "Office licences: application, inspection, issue, renewal, warning, suspension, revocation, reinstatement (audited)"), (name = "persons", description = "Personal data: every read is audited"), (name = "households", description = "Households: head, members, relationships (audited)"), (name = "review", description = "Suspected duplicates: merge, unmerge, distinct (audited)"), (name = "system"), (name = "users", description = "Staff accounts of an office"), (name = "audit", description = "The hash-chained audit log"), (name = "services", description = "The public service catalog and the working-day calendar"), (name = "cases", description = "Applications for a service: workflow, documents, payments (audited)"), (name = "receipts", description = "Public receipt check, fee complaints, fee report"), (name = "credentials", description = "Signed credentials: public verification, trust and status lists, revocation, share codes (audited)"))
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
        rules::apply_body_rules(components);
        rules::decision_schema(components);
        close_request_bodies(openapi);
        apply_param_rules(openapi);
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

/// The schemas a JSON request body refers to, directly or through other schemas.
fn request_schemas(openapi: &utoipa::openapi::OpenApi) -> std::collections::BTreeSet<String> {
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(o) => {
                for (k, v) in o {
                    match (k.as_str(), v) {
                        ("$ref", serde_json::Value::String(r)) => {
                            out.push(r.rsplit('/').next().unwrap_or_default().to_owned())
                        }
                        _ => refs(v, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut todo = vec![];
    for item in openapi.paths.paths.values() {
        for op in [&item.get, &item.put, &item.post, &item.delete, &item.patch]
            .into_iter()
            .flatten()
        {
            if let Some(body) = &op.request_body
                && let Ok(v) = serde_json::to_value(body)
            {
                refs(&v, &mut todo);
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let schemas = openapi.components.as_ref().map(|c| &c.schemas);
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(s) = schemas.and_then(|s| s.get(&name))
            && let Ok(v) = serde_json::to_value(s)
        {
            refs(&v, &mut todo);
        }
    }
    seen
}

/// Every object a request body may hold is closed (`additionalProperties: false`): the server
/// refuses unknown fields (`request.body.unknown_field`, 400).
fn close_request_bodies(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    let names = request_schemas(openapi);
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    for name in names {
        if let Some(RefOr::T(schema)) = components.schemas.get_mut(&name) {
            rules::close(schema);
        }
    }
}

/// Header and query parameters: `If-Match` (a version or a hash tag, by route),
/// `Idempotency-Key`, `page`/`per_page` and the rules of [`rules::param_rules`].
fn apply_param_rules(openapi: &mut utoipa::openapi::OpenApi) {
    param_rules_missed(openapi);
}

/// Applies the parameter rules; returns those that found no parameter.
fn param_rules_missed(openapi: &mut utoipa::openapi::OpenApi) -> Vec<String> {
    use daftar_domain::contract as c;
    use rules::Rule;
    let table = rules::param_rules();
    let mut used = vec![false; table.len()];
    for (path, item) in openapi.paths.paths.iter_mut() {
        // Cases, services, licences, plans and consultations carry version numbers; persons,
        // households and offices hash tags.
        let if_match = if path.contains("/cases/")
            || path.starts_with("/api/v1/services/")
            || path.starts_with("/api/v1/consultations/")
            || path.starts_with("/api/v1/proposals/")
            || path.contains("/plans/")
            || path.contains("/licence")
        {
            c::IF_MATCH_VERSION
        } else {
            c::IF_MATCH_TAG
        };
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            for param in op.parameters.iter_mut().flatten() {
                let mut rules: Vec<Rule> = match param.name.as_str() {
                    "If-Match" => vec![Rule::Pattern(if_match)],
                    "Idempotency-Key" => vec![Rule::Pattern(c::IDEMPOTENCY_KEY), Rule::NotNull],
                    "page" => vec![Rule::Range(1, i64::from(c::MAX_PAGE)), Rule::NotNull],
                    "per_page" => vec![Rule::Range(1, i64::from(c::MAX_PER_PAGE)), Rule::NotNull],
                    _ => vec![],
                };
                for (i, (p, name, r)) in table.iter().enumerate() {
                    if p == path && *name == param.name {
                        used[i] = true;
                        rules.extend(r.iter().cloned());
                    }
                }
                if rules.iter().any(|r| matches!(r, Rule::Required)) {
                    param.required = utoipa::openapi::Required::True;
                }
                if let Some(schema) = param.schema.as_mut() {
                    rules::apply_to(schema, &rules);
                }
            }
        }
    }
    table
        .iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|((p, n, _), _)| format!("{p} ?{n}"))
        .collect()
}

/// Rules of [`rules`] that found no schema, property or parameter (empty when every one
/// applies; checked by a test).
pub fn rules_missed() -> Vec<String> {
    let mut doc = ApiDoc::openapi();
    let mut missed = doc
        .components
        .as_mut()
        .map(rules::apply_body_rules)
        .unwrap_or_default();
    missed.extend(param_rules_missed(&mut doc));
    missed
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

#[cfg(test)]
mod tests {
    #[test]
    fn every_rule_applies() {
        assert_eq!(super::rules_missed(), Vec::<String>::new());
    }
}
