//! Receipts in public: anyone holding a receipt checks it by the code in its QR (amount,
//! service, office, date — no personal data) and can say "I was asked to pay more"; the
//! authority and office managers see the per-office fee report (aggregates only).

use crate::auth::{CsrfForm, Ctx, Staff};
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Json, Path, Query};
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use daftar_domain::Result;
use daftar_domain::audit::{AuditCtx, purpose};
use daftar_domain::case::{FeeReportRow, ReceiptCheck, parse_rials};
use daftar_domain::jalali::JalaliDate;
use daftar_domain::permission::Permission;
use daftar_domain::service::ServiceRecord;
use serde::Deserialize;

/// The public facts of a receipt. No login needed.
#[utoipa::path(get, path = "/api/v1/receipts/{check_code}", tag = "receipts",
    params(("check_code" = String, Path, description = "Code from the receipt's QR")),
    responses((status = 200, body = ReceiptCheck), (status = 404, body = ErrorBody)))]
pub async fn api_check(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> WebResult<axum::Json<ReceiptCheck>> {
    Ok(axum::Json(state.db(move |s| s.check_receipt(&code)).await?))
}

/// "I was asked to pay more".
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Complaint {
    /// What the office asked for, in rials: a JSON integer, or text (Persian digits accepted).
    #[serde(deserialize_with = "crate::extract::number_or_text")]
    #[schema(schema_with = crate::extract::number_or_text_schema)]
    pub asked_rials: String,
    /// What happened (optional).
    pub note: String,
}

fn anonymous(ctx: &crate::context::RequestCtx) -> AuditCtx {
    AuditCtx {
        actor_id: None,
        actor: "public".into(),
        office_id: None,
        purpose: purpose::SERVICE.into(),
        request_id: ctx.request_id.clone(),
    }
}

fn asked(c: &Complaint) -> Result<u64> {
    parse_rials(&c.asked_rials).map_err(|e| e.with_field("asked_rials"))
}

/// Files a complaint about a receipt. No login needed. Audited.
#[utoipa::path(post, path = "/api/v1/receipts/{check_code}/complaints", tag = "receipts",
    params(("check_code" = String, Path, description = "Code from the receipt's QR")),
    request_body = Complaint,
    responses((status = 201), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_complain(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(code): Path<String>,
    Json(c): Json<Complaint>,
) -> WebResult<StatusCode> {
    let n = asked(&c)?;
    let actx = anonymous(&ctx);
    state
        .db(move |s| s.fee_complaint(&actx, &code, n, &c.note))
        .await?;
    Ok(StatusCode::CREATED)
}

#[derive(Template)]
#[template(path = "cases/receipt_check.html")]
struct CheckPage {
    page: PageCtx,
    code: String,
    receipt: ReceiptCheck,
    service_name: String,
    amount: String,
    paid_on: String,
    thanks: bool,
    error: Option<String>,
}

async fn check_page(
    state: &AppState,
    ctx: &crate::context::RequestCtx,
    code: String,
    thanks: bool,
    error: Option<String>,
) -> WebResult<Response> {
    let c2 = code.clone();
    let receipt = state.db(move |s| s.check_receipt(&c2)).await?;
    let svc = receipt.service.to_string();
    let service: Option<ServiceRecord> = state.db(move |s| s.service(&svc)).await.ok();
    let page = PageCtx::new(state, ctx);
    let service_name = service
        .map(|r| r.definition.names.get(page.locale.tag).to_owned())
        .unwrap_or_else(|| receipt.service.to_string());
    let amount = page.tr.rials(receipt.rials);
    let paid_on = page
        .tr
        .date(&JalaliDate::from_iso(receipt.paid_on).iso_string());
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(
        status,
        &CheckPage {
            page,
            code,
            receipt,
            service_name,
            amount,
            paid_on,
            thanks,
            error,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Thanks {
    sent: Option<String>,
}

/// The public check page.
pub async fn page(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(code): Path<String>,
    Query(q): Query<Thanks>,
) -> WebResult<Response> {
    check_page(&state, &ctx, code, q.sent.is_some(), None).await
}

/// The complaint form on the check page.
pub async fn complain(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(code): Path<String>,
    CsrfForm(c): CsrfForm<Complaint>,
) -> WebResult<Response> {
    let actx = anonymous(&ctx);
    let c2 = code.clone();
    let result = match asked(&c) {
        Ok(n) => {
            state
                .db(move |s| s.fee_complaint(&actx, &c2, n, &c.note))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/receipts/{code}?sent=1")).into_response()),
        Err(e) if e.code != "receipt.not_found" && e.kind.status() < 500 => {
            let msg = crate::i18n::Tr::new(state.i18n.clone(), ctx.locale).error(e.code);
            check_page(&state, &ctx, code, false, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Report period.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct Period {
    /// First day (Solar Hijri or ISO); default: 30 days ago.
    pub from: String,
    /// Last day; default: today.
    pub to: String,
}

/// Payments, sums and "asked to pay more" complaints per office (aggregates; `aggregate.read`;
/// for roles without access to personal data, counts under 5 are withheld).
#[utoipa::path(get, path = "/api/v1/fee-report", tag = "receipts", params(Period),
    responses((status = 200, body = Vec<FeeReportRow>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn api_report(
    State(state): State<AppState>,
    staff: Staff,
    Query(p): Query<Period>,
) -> WebResult<axum::Json<Vec<FeeReportRow>>> {
    let reach = staff.principal().reach(Permission::AggregateRead)?;
    let today = state.today();
    let day = |s: &str, default: time::Date, field: &str| -> Result<time::Date> {
        if s.trim().is_empty() {
            Ok(default)
        } else {
            Ok(JalaliDate::parse(s).map_err(|e| e.with_field(field))?.iso())
        }
    };
    let from = day(&p.from, today - time::Duration::days(30), "from")?;
    let to = day(&p.to, today, "to")?;
    let mut rows = state.db(move |s| s.fee_report(&reach, from, to)).await?;
    // Partners and inspectors see aggregates only: small cells are withheld.
    if !staff.principal().has(Permission::PersonRead) {
        for r in &mut rows {
            r.suppress_small(crate::features::home::SUPPRESS_BELOW);
        }
    }
    Ok(axum::Json(rows))
}
