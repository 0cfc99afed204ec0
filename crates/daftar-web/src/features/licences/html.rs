//! The licence page of an office: standing, licence granted, timeline, and the step forms the
//! caller may take.

use super::{FindingInput, InStep, LicenceStepRequest};
use crate::auth::InOffice;
use crate::auth::scope::OfficeRead;
use crate::auth::{CsrfForm, Staff};
use crate::conditional;
use crate::error::WebResult;
use crate::i18n::Tr;
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use daftar_domain::audit::purpose;
use daftar_domain::ids::OfficeId;
use daftar_domain::licence::{ChecklistItem, LicenceEvent, LicenceView, offered};
use daftar_domain::office::Office;
use daftar_domain::permission::{OfficeScope, Permission};
use daftar_domain::service::ServiceRecord;

/// One step on the timeline, ready to show.
pub struct Row {
    seq: i64,
    step: String,
    from: String,
    to: String,
    actor: String,
    at: String,
    lines: Vec<String>,
}

#[derive(Template)]
#[template(path = "licences/show.html")]
struct ShowPage {
    page: PageCtx,
    office: Office,
    view: LicenceView,
    standing: String,
    valid_until: String,
    valid_from: String,
    rows: Vec<Row>,
    offered: Vec<&'static str>,
    checklist: Vec<ChecklistItem>,
    services: Vec<ServiceRecord>,
    version: i64,
    can_address: bool,
    address: String,
    error: Option<String>,
}

fn date(tr: &Tr, d: Option<time::Date>) -> String {
    d.map(|d| tr.date(&daftar_domain::jalali::iso_day(d)))
        .unwrap_or_default()
}

fn text(v: &serde_json::Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// What a step recorded, as lines in the page's language.
fn lines(tr: &Tr, checklist: &[ChecklistItem], e: &LicenceEvent) -> Vec<String> {
    let d = &e.details;
    let label = |code: &str| {
        checklist
            .iter()
            .find(|i| i.code == code)
            .map(|i| {
                if tr.locale.tag == "en" {
                    i.label_en.clone()
                } else {
                    i.label_fa.clone()
                }
            })
            .unwrap_or_else(|| code.to_owned())
    };
    let mut out = Vec::new();
    match e.step.code() {
        "apply" => {
            let docs: Vec<String> = d["documents"]
                .as_array()
                .map(|a| a.iter().map(text).collect())
                .unwrap_or_default();
            out.push(tr.t1("licence-documents-are", "documents", &docs.join("، ")));
            out.push(tr.t1("licence-premises-is", "premises", &text(&d["premises"])));
            out.push(tr.t1("licence-manager-is", "manager", &text(&d["manager"])));
        }
        "inspect" => {
            out.push(tr.t1("licence-visit-on", "day", &tr.date(&text(&d["visited_on"]))));
            for r in d["results"].as_array().into_iter().flatten() {
                let key = if r["passed"].as_bool() == Some(true) {
                    "licence-item-passed"
                } else {
                    "licence-item-failed"
                };
                out.push(tr.t1(key, "item", &label(&text(&r["item"]))));
            }
            for f in d["findings"].as_array().into_iter().flatten() {
                out.push(tr.ta(
                    "licence-finding-by",
                    &[
                        ("text", text(&f["text"])),
                        ("deadline", tr.date(&text(&f["deadline"]))),
                    ],
                ));
            }
        }
        "issue" => {
            out.push(tr.t1("licence-number-is", "number", &text(&d["number"])));
            out.push(tr.ta(
                "licence-validity-is",
                &[
                    ("from", tr.date(&text(&d["valid_from"]))),
                    ("until", tr.date(&text(&d["valid_until"]))),
                ],
            ));
        }
        "renew" => out.push(tr.t1(
            "licence-renewed-until",
            "until",
            &tr.date(&text(&d["valid_until"])),
        )),
        _ => out.push(tr.t1("licence-reason-is", "reason", &text(&d["reason"]))),
    }
    out
}

async fn page(
    state: &AppState,
    staff: &Staff,
    scope: OfficeScope,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let id = scope.office_id();
    let (office, view, checklist, services, address) = state
        .db(move |s| {
            let address = s.public_address(id)?;
            Ok((
                s.get_office(id)?,
                s.office_licence(&scope)?,
                s.licence_checklist()?,
                s.services()?,
                address,
            ))
        })
        .await?;
    let can_address = staff
        .principal()
        .scope(id, Permission::LicenceApply)
        .is_ok();
    let page = PageCtx::new(state, &staff.ctx);
    let tr = &page.tr;
    let rows = view
        .events
        .iter()
        .rev()
        .map(|e| Row {
            seq: e.seq,
            step: tr.t(&format!("licence-step-{}", e.step.code())),
            from: e
                .from_state
                .map(|s| tr.t(&format!("licence-state-{}", s.code())))
                .unwrap_or_default(),
            to: tr.t(&format!("licence-state-{}", e.to_state.code())),
            actor: e.actor.clone(),
            at: tr.datetime(&e.at),
            lines: lines(tr, &checklist, e),
        })
        .collect();
    // The steps offered: those the caller's permissions allow on this office from the state.
    let held = staff
        .principal()
        .permissions()
        .iter()
        .copied()
        .filter(|p| staff.principal().scope(id, *p).is_ok())
        .collect();
    let offered = offered(view.state(), &held)
        .into_iter()
        .map(|s| s.code())
        .collect();
    let standing = tr.t(&format!("licence-standing-{}", view.standing.code()));
    let l = view.licence.as_ref();
    let valid_from = date(tr, l.and_then(|l| l.valid_from));
    let valid_until = date(tr, l.and_then(|l| l.valid_until));
    let version = view.version();
    Ok(render(
        status,
        &ShowPage {
            page,
            office,
            view,
            standing,
            valid_from,
            valid_until,
            rows,
            offered,
            checklist,
            services,
            version,
            can_address,
            address: address.unwrap_or_default(),
            error,
        },
    ))
}

pub async fn show(State(state): State<AppState>, at: InOffice<OfficeRead>) -> WebResult<Response> {
    page(&state, &at.staff, at.scope, None, StatusCode::OK).await
}

/// The request of a step form: repeated fields (`passed`, `service`), the documents one per
/// line, two finding rows.
fn request(pairs: &[(String, String)]) -> (LicenceStepRequest, Option<String>) {
    let one = |n: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let all = |n: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let findings = (1..=3)
        .map(|i| FindingInput {
            text: one(&format!("finding_{i}_text")),
            deadline: one(&format!("finding_{i}_deadline")),
        })
        .filter(|f| !f.text.trim().is_empty() || !f.deadline.trim().is_empty())
        .collect();
    let req = LicenceStepRequest {
        documents: one("documents").lines().map(str::to_owned).collect(),
        premises: one("premises"),
        manager: one("manager"),
        visited_on: one("visited_on"),
        passed: all("passed"),
        findings,
        number: one("number"),
        valid_from: one("valid_from"),
        valid_until: one("valid_until"),
        services: all("service"),
        reason: one("reason"),
    };
    let version = Some(one("version")).filter(|v| !v.trim().is_empty());
    (req, version)
}

pub async fn take(
    State(state): State<AppState>,
    at: InStep,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let (req, version) = request(&pairs);
    let id: OfficeId = at.scope.office_id();
    let result = async {
        let if_match = version.as_deref().map(conditional::parse).transpose()?;
        let cmd = req.command(at.step)?;
        let (ctx, scope) = (at.staff.audit(purpose::ADMINISTRATION), at.scope);
        state
            .db(move |s| s.take_licence_step(&ctx, &scope, &cmd, if_match))
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/offices/{id}/licence")).into_response()),
        Err(e) if e.kind.status() < 500 => {
            let msg = PageCtx::new(&state, &at.staff.ctx).tr.error(e.code);
            // The page is shown with what the caller may still read of the office.
            let read = at.staff.principal().scope(id, Permission::OfficeRead)?;
            page(
                &state,
                &at.staff,
                read,
                Some(msg),
                StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::BAD_REQUEST),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The public address form of the licence page.
pub async fn set_address(
    State(state): State<AppState>,
    at: InOffice<crate::auth::scope::LicenceApply>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let id: OfficeId = at.scope.office_id();
    let req = super::AddressRequest {
        address: pairs
            .iter()
            .find(|(k, _)| k == "address")
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
    };
    let result = async {
        let address = req.parse()?;
        let (ctx, scope) = (at.staff.audit(purpose::ADMINISTRATION), at.scope);
        state
            .db(move |s| s.set_public_address(&ctx, &scope, address.as_ref()))
            .await
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/offices/{id}/licence")).into_response()),
        Err(e) => {
            let (msg, status) = crate::pages::form_error(&state, &at.staff.ctx, e)?;
            let read = at.staff.principal().scope(id, Permission::OfficeRead)?;
            page(&state, &at.staff, read, Some(msg), status).await
        }
    }
}
