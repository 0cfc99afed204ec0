//! What the server enforces on each request field and parameter, written into the OpenAPI
//! document by [`super::openapi`] (issue 15, item 20): patterns and limits come from
//! [`daftar_domain::contract`] and the domain's own code lists, so the document states the
//! formats the validation checks. A rule whose schema or property does not exist is reported by
//! [`apply`] (and fails `openapi::tests::every_rule_applies`), so a renamed field cannot leave
//! a rule silently unused.

use daftar_domain::contract as c;
use serde_json::Value;
use utoipa::openapi::schema::{AdditionalProperties, Schema, SchemaType, Type};
use utoipa::openapi::{Components, RefOr};

/// One constraint on a property or parameter.
#[derive(Debug, Clone)]
pub enum Rule {
    /// The property must be present.
    Required,
    /// A string pattern (on the string alternative of a `oneOf`).
    Pattern(&'static str),
    /// Characters at most.
    MaxLen(usize),
    /// Characters at least.
    MinLen(usize),
    /// Numeric bounds (on the integer alternative of a `oneOf`).
    Range(i64, i64),
    /// One of these codes.
    Enum(Vec<String>),
    /// Items at least / at most.
    Items(usize, usize),
    /// Each item matches this pattern.
    ItemPattern(&'static str),
    /// The schema shows no `default` (a default the server does not accept, such as `""`).
    NoDefault,
    /// Not `null`.
    NotNull,
    /// Replaces the schema with a string that is one of these codes.
    Strings(Vec<String>),
}

use Rule::*;

fn codes<T: Copy>(all: &[T], code: impl Fn(T) -> &'static str) -> Rule {
    Enum(all.iter().map(|x| code(*x).to_owned()).collect())
}

/// The relationships a member can have (every one but `head`).
fn member_relationships() -> Vec<String> {
    use daftar_domain::household::Relationship;
    Relationship::ALL
        .iter()
        .filter(|r| **r != Relationship::Head)
        .map(|r| r.code().to_owned())
        .collect()
}

fn strs(v: &[&str]) -> Rule {
    Enum(v.iter().map(|s| (*s).to_owned()).collect())
}

/// A name part that is required: a letter first, up to [`c::NAME_MAX`] characters.
fn name() -> Vec<Rule> {
    vec![Required, Pattern(c::NAME), MaxLen(c::NAME_MAX)]
}
/// A name part that may be empty.
fn name_opt() -> Vec<Rule> {
    vec![Pattern(c::NAME_OPT), MaxLen(c::NAME_MAX)]
}
/// Text without control characters, up to `max`.
fn text(max: usize) -> Vec<Rule> {
    vec![Pattern(c::TEXT), MaxLen(max)]
}
/// Text that must not be empty.
fn text_req(max: usize) -> Vec<Rule> {
    vec![Required, Pattern(c::TEXT_REQUIRED), MaxLen(max)]
}
/// Text with paragraphs that must not be empty.
fn lines_req(max: usize) -> Vec<Rule> {
    vec![
        Required,
        NoDefault,
        Pattern(c::TEXT_LINES_REQUIRED),
        MaxLen(max),
    ]
}
fn id() -> Vec<Rule> {
    vec![Required, Pattern(c::ID)]
}

/// A help-desk ticket's category: one of the codes.
fn ticket_category() -> Vec<Rule> {
    use daftar_domain::helpdesk::Category;
    vec![Required, NoDefault, codes(Category::ALL, Category::code)]
}

/// The rules of request body schemas: (component schema, property, rules).
pub fn body_rules() -> Vec<(&'static str, &'static str, Vec<Rule>)> {
    use daftar_domain::case::PaymentMethod;
    use daftar_domain::credential::VerifierType;
    use daftar_domain::helpdesk;
    use daftar_domain::plan::{PlanKind, TargetMetric};
    use daftar_domain::workflow::RejectReason;
    let verifiers = || codes(VerifierType::ALL, VerifierType::code);
    vec![
        ("NewPerson", "given_name", name()),
        ("NewPerson", "father_name", name()),
        ("NewPerson", "family_name", name_opt()),
        ("NewPerson", "grandfather_name", name_opt()),
        (
            "NewPerson",
            "given_name_latin",
            vec![Pattern(c::LATIN_NAME)],
        ),
        (
            "NewPerson",
            "family_name_latin",
            vec![Pattern(c::LATIN_NAME)],
        ),
        ("NewPerson", "birth_date", vec![Pattern(c::BIRTH_DATE)]),
        ("NewPerson", "sex", vec![Required]),
        (
            "NewPerson",
            "nationality",
            vec![Required, Pattern(c::NATIONALITY)],
        ),
        ("NewPerson", "phone", vec![Pattern(c::PHONE)]),
        ("NewPerson", "province", text(100)),
        ("NewPerson", "district", text(100)),
        ("NewPerson", "address", text(200)),
        ("NewPerson", "documents", vec![Items(0, 10)]),
        ("NewDocument", "kind", vec![Required, NoDefault]),
        (
            "NewDocument",
            "number",
            vec![Required, Pattern(c::DOCUMENT_NUMBER)],
        ),
        ("NewDocument", "issuer", text(100)),
        ("NewDocument", "valid_from", vec![Pattern(c::PAST_DATE)]),
        ("NewDocument", "valid_until", vec![Pattern(c::DATE)]),
        ("NewStatus", "status", vec![Required, NoDefault]),
        ("NewStatus", "note", text(c::NOTE_MAX)),
        ("NewOffice", "name_fa", text_req(120)),
        ("NewOffice", "name_en", text_req(120)),
        ("NewOffice", "province", text_req(120)),
        ("NewOffice", "district", text_req(120)),
        (
            "OfficeStatusChange",
            "status",
            vec![strs(&["active", "suspended", "closed"])],
        ),
        ("NewHousehold", "head_person_id", id()),
        ("NewMember", "person_id", vec![Pattern(c::ID)]),
        (
            "NewMember",
            "registry_no",
            vec![Pattern(c::REGISTRY_NO_OPT)],
        ),
        (
            "NewMember",
            "relationship",
            vec![Required, NoDefault, Strings(member_relationships())],
        ),
        (
            "RelationshipChange",
            "relationship",
            vec![Strings(member_relationships())],
        ),
        (
            "Split",
            "members",
            vec![Required, Items(1, 50), ItemPattern(c::ID)],
        ),
        ("Split", "head", vec![Required, NotNull, Pattern(c::ID)]),
        (
            "ReferRequest",
            "type",
            vec![Required, Pattern(c::SERVICE_CODE)],
        ),
        ("ReferRequest", "consent", vec![Required]),
        (
            "ActionRequest",
            "action",
            vec![Required, strs(&["accept", "decline", "complete"])],
        ),
        ("ActionRequest", "note", vec![MaxLen(500)]),
        ("MedicalNeeds", "medical_needs", vec![Required]),
        (
            "RegisterReturn",
            "person_id",
            vec![Required, Pattern(c::ID)],
        ),
        (
            "RegisterReturn",
            "members",
            vec![Items(0, 50), ItemPattern(c::ID)],
        ),
        (
            "RegisterReturn",
            "departure_on",
            vec![Required, NoDefault, Pattern(c::DATE)],
        ),
        (
            "RegisterReturn",
            "border_point",
            vec![Required, NoDefault, Pattern(c::SERVICE_CODE)],
        ),
        (
            "NewPlan",
            "kind",
            vec![Required, NoDefault, codes(PlanKind::ALL, |k| k.code())],
        ),
        ("NewPlan", "start_year", vec![Required]),
        ("NewPlan", "staffing", vec![Required]),
        ("NewPlan", "hours", text_req(daftar_domain::plan::MAX_HOURS)),
        ("NewPlan", "outreach", text(daftar_domain::plan::MAX_TEXT)),
        (
            "NewPlan",
            "targets",
            vec![Required, Items(1, daftar_domain::plan::MAX_TARGETS)],
        ),
        ("PlanBody", "staffing", vec![Required]),
        (
            "PlanBody",
            "hours",
            text_req(daftar_domain::plan::MAX_HOURS),
        ),
        ("PlanBody", "outreach", text(daftar_domain::plan::MAX_TEXT)),
        (
            "PlanBody",
            "targets",
            vec![Required, Items(1, daftar_domain::plan::MAX_TARGETS)],
        ),
        ("TargetRequest", "year", vec![Required]),
        (
            "TargetRequest",
            "metric",
            vec![
                Required,
                NoDefault,
                Enum(
                    TargetMetric::all()
                        .into_iter()
                        .map(|m| m.code().to_owned())
                        .collect(),
                ),
            ],
        ),
        (
            "TargetRequest",
            "service",
            vec![Pattern(c::SERVICE_CODE_OPT)],
        ),
        ("TargetRequest", "value", vec![Required]),
        (
            "PlanStepRequest",
            "comment",
            text(daftar_domain::plan::MAX_TEXT),
        ),
        (
            "ReviewRequest",
            "decision",
            vec![Required, NoDefault, strs(&["clear", "refer"])],
        ),
        (
            "ReviewRequest",
            "note",
            vec![MaxLen(daftar_domain::voluntary_return::MAX_NOTE)],
        ),
        (
            "PermitRequest",
            "number",
            vec![Required, NoDefault, Pattern(c::PERMIT_NUMBER)],
        ),
        (
            "PermitRequest",
            "valid_until",
            vec![Required, NoDefault, Pattern(c::DATE)],
        ),
        (
            "AddressRequest",
            "address",
            vec![
                Required,
                Pattern(c::TEXT),
                MaxLen(daftar_domain::licence::PublicAddress::MAX),
            ],
        ),
        ("NewCase", "service", vec![Pattern(c::SERVICE_CODE)]),
        ("NewCase", "person_id", vec![Pattern(c::ID)]),
        ("NewCase", "note", vec![MaxLen(2000)]),
        (
            "CaseChange",
            "action",
            vec![strs(&["complete", "return", "reject", "resume", "cancel"])],
        ),
        (
            "CaseChange",
            "reason",
            vec![codes(RejectReason::ALL, RejectReason::code)],
        ),
        ("CaseChange", "note", vec![MaxLen(2000)]),
        (
            "BookForm",
            "day",
            vec![Required, NoDefault, Pattern(c::DATE)],
        ),
        (
            "BookForm",
            "slot",
            vec![Required, NoDefault, Pattern(c::SLOT)],
        ),
        ("NewPayment", "fee", vec![Pattern(c::SERVICE_CODE)]),
        (
            "NewPayment",
            "rials",
            vec![Range(1, 1_000_000_000_000), Pattern(c::AMOUNT)],
        ),
        (
            "NewPayment",
            "method",
            vec![codes(PaymentMethod::ALL, PaymentMethod::code)],
        ),
        ("Assign", "ids", vec![Items(1, 200), ItemPattern(c::ID)]),
        ("Assign", "assignee", vec![Pattern(c::ID)]),
        (
            "Complaint",
            "asked_rials",
            vec![Required, Range(1, 1_000_000_000_000), Pattern(c::AMOUNT)],
        ),
        ("Complaint", "note", text(c::NOTE_MAX)),
        (
            "ShareRequest",
            "credential_id",
            vec![Required, NoDefault, Pattern(c::CREDENTIAL_ID)],
        ),
        (
            "ShareRequest",
            "verifier",
            vec![Required, NoDefault, verifiers()],
        ),
        (
            "ShareRequest",
            "days",
            vec![
                Required,
                Range(1, daftar_domain::credential::SHARE_MAX_DAYS),
                Pattern(c::SHARE_DAYS),
            ],
        ),
        (
            "CheckRequest",
            "code",
            vec![Required, NoDefault, Pattern(c::SHARE_CODE)],
        ),
        (
            "CheckRequest",
            "birth_date",
            vec![Required, NoDefault, Pattern(c::BIRTH_DATE)],
        ),
        (
            "CheckRequest",
            "verifier",
            vec![Required, NoDefault, verifiers()],
        ),
        ("CheckRequest", "verifier_name", {
            let mut r = text_req(120);
            r.push(NoDefault);
            r
        }),
        ("RevokeRequest", "reason", {
            let mut r = text_req(c::NOTE_MAX);
            r.push(NoDefault);
            r
        }),
        (
            "NewStaff",
            "username",
            vec![Required, NoDefault, Pattern(c::USERNAME)],
        ),
        (
            "NewStaff",
            "password",
            vec![
                Required,
                NoDefault,
                MinLen(10),
                MaxLen(256),
                Pattern(c::PASSWORD),
            ],
        ),
        (
            "NewStaff",
            "role",
            vec![Required, NoDefault, strs(&["clerk", "office_manager"])],
        ),
        ("NewStaff", "display_name", {
            let mut r = text_req(120);
            r.push(NoDefault);
            r
        }),
        (
            "NewToken",
            "name",
            vec![Pattern(c::TEXT_REQUIRED), MaxLen(80)],
        ),
        ("NewToken", "scopes", vec![Items(1, 64)]),
        ("NewToken", "expires_in_days", vec![Range(1, 365)]),
        ("NewToken", "purpose", vec![Pattern(c::TEXT), MaxLen(300)]),
        (
            "VerifyRequest",
            "text",
            vec![
                Required,
                NoDefault,
                Pattern(c::CREDENTIAL_TEXT),
                MaxLen(4096),
            ],
        ),
        ("NewHoliday", "date", vec![Pattern(c::DATE)]),
        ("NewHoliday", "name_fa", {
            let mut r = text_req(200);
            r.remove(0);
            r
        }),
        ("NewHoliday", "name_en", {
            let mut r = text_req(200);
            r.remove(0);
            r
        }),
        ("ServiceUpdate", "note", text(c::NOTE_MAX)),
        ("ServiceDef", "code", vec![Pattern(c::SERVICE_CODE)]),
        ("ServiceDef", "steps", vec![Items(1, 12)]),
        ("Step", "code", vec![Pattern(c::SERVICE_CODE)]),
        (
            "Step",
            "role",
            vec![strs(&daftar_domain::service::STEP_ROLES)],
        ),
        ("Step", "sla_days", vec![Range(1, 90)]),
        ("FeeLine", "code", vec![Pattern(c::SERVICE_CODE)]),
        ("FeeLine", "schedule", vec![Items(1, 301)]),
        ("FeeAmount", "year", vec![Range(1300, 1600)]),
        ("FeeAmount", "rials", vec![Range(1, 1_000_000_000_000)]),
        ("Eligibility", "min_age", vec![Range(0, 255)]),
        ("Eligibility", "max_age", vec![Range(0, 255)]),
        ("NewConsultationRequest", "title", text_req(200)),
        (
            "NewConsultationRequest",
            "sections",
            vec![Required, Items(1, 60)],
        ),
        (
            "NewConsultationRequest",
            "deadline",
            vec![Required, NoDefault, Pattern(c::DATE)],
        ),
        ("RevisionRequest", "sections", vec![Required, Items(1, 60)]),
        (
            "RevisionRequest",
            "deadline",
            vec![Required, NoDefault, Pattern(c::DATE)],
        ),
        ("FinalRequest", "sections", vec![Required, Items(1, 60)]),
        ("FinalRequest", "summary", lines_req(4000)),
        ("SectionInput", "heading", text(200)),
        ("SectionInput", "text", lines_req(8000)),
        (
            "CommentRequest",
            "version",
            vec![Required, Range(1, 1_000_000)],
        ),
        ("CommentRequest", "section", vec![Required, Range(1, 60)]),
        ("CommentRequest", "body", lines_req(4000)),
        (
            "ProposalRequest",
            "kind",
            vec![Required, NoDefault, strs(&["problem", "proposal"])],
        ),
        (
            "NewStaffRecord",
            "user_id",
            vec![Required, NoDefault, Pattern(c::ID)],
        ),
        (
            "NewStaffRecord",
            "kind",
            vec![Required, NoDefault, strs(&["training", "exam"])],
        ),
        (
            "NewStaffRecord",
            "course",
            vec![Required, NoDefault, Pattern(c::COURSE)],
        ),
        (
            "NewStaffRecord",
            "taken_on",
            vec![Required, NoDefault, Pattern(c::DATE)],
        ),
        ("NewStaffRecord", "expires_on", vec![Pattern(c::DATE_OPT)]),
        ("ProposalRequest", "subject", text_req(200)),
        ("ProposalRequest", "body", lines_req(4000)),
        (
            "AnswerRequest",
            "status",
            vec![
                Required,
                NoDefault,
                strs(&["open", "under_review", "answered", "closed"]),
            ],
        ),
        (
            "AnswerRequest",
            "answer",
            vec![Pattern(c::TEXT_LINES), MaxLen(4000)],
        ),
        (
            "StaffTicketRequest",
            "channel",
            vec![Required, NoDefault, strs(&["office", "phone"])],
        ),
        ("StaffTicketRequest", "category", ticket_category()),
        (
            "StaffTicketRequest",
            "about_office",
            vec![Pattern(c::ID_OPT)],
        ),
        (
            "StaffTicketRequest",
            "about_staff",
            vec![MaxLen(helpdesk::MAX_STAFF)],
        ),
        (
            "StaffTicketRequest",
            "body",
            vec![Required, NoDefault, MaxLen(helpdesk::MAX_TEXT)],
        ),
        (
            "StaffTicketRequest",
            "contact_name",
            vec![Required, NoDefault],
        ),
        (
            "StaffTicketRequest",
            "contact_phone",
            vec![Required, NoDefault],
        ),
        ("PortalTicketRequest", "category", ticket_category()),
        (
            "PortalTicketRequest",
            "about_office",
            vec![Pattern(c::ID_OPT)],
        ),
        (
            "PortalTicketRequest",
            "about_staff",
            vec![MaxLen(helpdesk::MAX_STAFF)],
        ),
        (
            "PortalTicketRequest",
            "body",
            vec![Required, NoDefault, MaxLen(helpdesk::MAX_TEXT)],
        ),
        ("TicketAnswer", "answer", lines_req(helpdesk::MAX_TEXT)),
        (
            "TicketForward",
            "office",
            vec![Required, NoDefault, Pattern(c::ID)],
        ),
        ("Names", "fa-IR", text_req(200)),
        ("Names", "fa-AF", text_req(200)),
        ("Names", "ps", text_req(200)),
        ("Names", "en", text_req(200)),
    ]
}

/// The rules of query parameters: (path, parameter, rules).
pub fn param_rules() -> Vec<(&'static str, &'static str, Vec<Rule>)> {
    use daftar_domain::credential::VerifierType;
    use daftar_domain::review::SuspectStatus;
    // The QR's purpose profiles: every verifier type's, and `full` (an office's is `full`).
    let mut purposes: Vec<String> = Vec::new();
    for p in VerifierType::ALL
        .iter()
        .map(|v| v.purpose())
        .chain(["full"])
    {
        if !purposes.iter().any(|q| q == p) {
            purposes.push(p.to_owned());
        }
    }
    vec![
        ("/api/v1/calendar/due", "from", vec![Pattern(c::DATE)]),
        (
            "/api/v1/offices/{office_id}/plans/{plan_id}",
            "month",
            vec![Pattern(c::SOLAR_MONTH_OPT)],
        ),
        (
            "/api/v1/plans/follow-up",
            "month",
            vec![Pattern(c::SOLAR_MONTH_OPT)],
        ),
        ("/api/v1/plans/follow-up", "province", text(120)),
        ("/api/v1/calendar/due", "days", vec![Range(0, 365)]),
        ("/api/v1/fee-report", "from", vec![Pattern(c::DATE_OPT)]),
        ("/api/v1/fee-report", "to", vec![Pattern(c::DATE_OPT)]),
        (
            "/api/v1/offices/{office_id}/appointments",
            "day",
            vec![Required, Pattern(c::DATE)],
        ),
        (
            "/api/v1/offices/{office_id}/persons/{person_id}",
            "purpose",
            vec![MaxLen(300), Pattern(c::STATED_PURPOSE), NoDefault],
        ),
        (
            "/api/v1/offices/{office_id}/persons",
            "q",
            vec![MinLen(1), MaxLen(100), Pattern(c::TEXT_REQUIRED)],
        ),
        (
            "/api/v1/persons/candidates",
            "given_name",
            vec![Required, Pattern(c::NAME), MaxLen(c::NAME_MAX)],
        ),
        (
            "/api/v1/persons/candidates",
            "father_name",
            vec![Pattern(c::NAME_OPT), MaxLen(c::NAME_MAX)],
        ),
        (
            "/api/v1/persons/candidates",
            "family_name",
            vec![Pattern(c::NAME_OPT), MaxLen(c::NAME_MAX)],
        ),
        (
            "/api/v1/persons/candidates",
            "birth_date",
            vec![Pattern(c::BIRTH_DATE_OPT)],
        ),
        (
            "/api/v1/persons/candidates",
            "sex",
            vec![strs(&["", "female", "male", "unknown"])],
        ),
        (
            "/api/v1/review",
            "status",
            vec![Enum(
                std::iter::once(String::new())
                    .chain(SuspectStatus::ALL.iter().map(|s| s.code().to_owned()))
                    .collect(),
            )],
        ),
        (
            "/api/v1/offices/{office_id}/persons/{person_id}/credentials/{credential_id}/qr",
            "purpose",
            vec![Enum(purposes)],
        ),
        ("/api/v1/audit", "actor_id", vec![Pattern(c::ID_OPT)]),
        ("/api/v1/audit", "office_id", vec![Pattern(c::ID_OPT)]),
        ("/api/v1/audit", "action", vec![MaxLen(100)]),
        (
            "/.well-known/daftar/status-list",
            "since",
            vec![Range(0, i64::MAX)],
        ),
    ]
}

/// Applies `rules` to one schema (a property's or a parameter's). False when it has no place
/// to put one of them.
pub fn apply_to(schema: &mut RefOr<Schema>, rules: &[Rule]) -> bool {
    let mut ok = true;
    for rule in rules {
        ok &= match rule {
            Required => true,
            Strings(values) => {
                *schema = RefOr::T(Schema::Object(
                    utoipa::openapi::schema::ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(values.iter().map(String::as_str)))
                        .build(),
                ));
                true
            }
            NoDefault => {
                match schema {
                    RefOr::T(Schema::Object(o)) => o.default = None,
                    RefOr::T(Schema::OneOf(o)) => o.default = None,
                    RefOr::T(Schema::Array(a)) => a.default = None,
                    _ => {}
                }
                true
            }
            NotNull => each_object(schema, &mut |o| {
                if let SchemaType::Array(types) = &o.schema_type {
                    let rest: Vec<Type> = types
                        .iter()
                        .filter(|t| **t != Type::Null)
                        .cloned()
                        .collect();
                    o.schema_type = match rest.as_slice() {
                        [one] => SchemaType::Type(one.clone()),
                        _ => SchemaType::Array(rest),
                    };
                }
                if o.default == Some(Value::Null) {
                    o.default = None;
                }
                true
            }),
            Pattern(p) => each_object(schema, &mut |o| {
                is(o, Type::String) && {
                    o.pattern = Some((*p).to_owned());
                    true
                }
            }),
            MaxLen(n) => each_object(schema, &mut |o| {
                is(o, Type::String) && {
                    o.max_length = Some(*n);
                    true
                }
            }),
            MinLen(n) => each_object(schema, &mut |o| {
                is(o, Type::String) && {
                    o.min_length = Some(*n);
                    true
                }
            }),
            Range(lo, hi) => each_object(schema, &mut |o| {
                is(o, Type::Integer) && {
                    o.minimum = Some((*lo).into());
                    o.maximum = Some((*hi).into());
                    true
                }
            }),
            Enum(values) => each_object(schema, &mut |o| {
                is(o, Type::String) && {
                    let mut v: Vec<Value> =
                        values.iter().map(|s| Value::from(s.as_str())).collect();
                    if matches!(&o.schema_type, SchemaType::Array(t) if t.contains(&Type::Null)) {
                        v.push(Value::Null);
                    }
                    o.enum_values = Some(v);
                    true
                }
            }),
            Items(lo, hi) => match schema {
                RefOr::T(Schema::Array(a)) => {
                    a.min_items = Some(*lo);
                    a.max_items = Some(*hi);
                    true
                }
                _ => false,
            },
            ItemPattern(p) => match schema {
                RefOr::T(Schema::Array(a)) => match &mut a.items {
                    utoipa::openapi::schema::ArrayItems::RefOrSchema(item) => {
                        apply_to(item, &[Pattern(p)])
                    }
                    _ => false,
                },
                _ => false,
            },
        };
    }
    ok
}

fn is(o: &utoipa::openapi::schema::Object, t: Type) -> bool {
    match &o.schema_type {
        SchemaType::Type(x) => *x == t,
        SchemaType::Array(v) => v.contains(&t),
        SchemaType::AnyValue => false,
    }
}

/// Calls `f` on the schema's object, or on each object alternative of a `oneOf`; true when at
/// least one call returned true.
fn each_object(
    schema: &mut RefOr<Schema>,
    f: &mut dyn FnMut(&mut utoipa::openapi::schema::Object) -> bool,
) -> bool {
    match schema {
        RefOr::T(Schema::Object(o)) => f(o),
        RefOr::T(Schema::OneOf(one)) => {
            let mut any = false;
            for item in one.items.iter_mut() {
                any |= each_object(item, f);
            }
            any
        }
        _ => false,
    }
}

/// Applies [`body_rules`] to the component schemas; returns the rules that found no place.
pub fn apply_body_rules(components: &mut Components) -> Vec<String> {
    let mut missed = vec![];
    for (schema_name, prop, rules) in body_rules() {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema_name) else {
            missed.push(format!("{schema_name} (no such object schema)"));
            continue;
        };
        let Some(property) = object.properties.get_mut(prop) else {
            missed.push(format!("{schema_name}.{prop} (no such property)"));
            continue;
        };
        if !apply_to(property, &rules) {
            missed.push(format!("{schema_name}.{prop} (a rule does not fit)"));
        }
        if rules.iter().any(|r| matches!(r, Required)) && !object.required.iter().any(|r| r == prop)
        {
            object.required.push(prop.to_owned());
        }
    }
    missed
}

/// Closes an object schema: `additionalProperties: false` (the server refuses unknown fields,
/// `request.body.unknown_field`).
pub fn close(schema: &mut Schema) {
    if let Schema::Object(o) = schema
        && !o.properties.is_empty()
    {
        o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
    }
}

/// A reviewer's decision as one of two closed shapes: `{"decision":"distinct"}` or
/// `{"decision":"merge","survivor":"<id>"}` (a merge without a survivor is 422
/// `review.survivor.required`).
pub fn decision_schema(components: &mut Components) {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder};
    let shape = |decision: &str, survivor: bool| {
        let mut b = ObjectBuilder::new()
            .property(
                "decision",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([decision])),
            )
            .required("decision")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        if survivor {
            b = b
                .property(
                    "survivor",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(c::ID))
                        .description(Some("The record to keep: one of the pair.")),
                )
                .required("survivor");
        }
        b.build()
    };
    components.schemas.insert(
        "NewDecision".to_owned(),
        RefOr::T(Schema::OneOf(
            OneOfBuilder::new()
                .description(Some("A reviewer's decision."))
                .item(shape("distinct", false))
                .item(shape("merge", true))
                .build(),
        )),
    );
}
