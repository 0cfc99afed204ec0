//! The per-request middleware: request id, CSP nonce, who is calling (session cookie or bearer
//! token), which locale, the pre-session CSRF cookie; after the handler, it renders pending
//! errors (JSON under `/api`, a translated page elsewhere), adds security headers and records
//! metrics.

use crate::auth::{self, Auth};
use crate::error::{ErrorBody, ErrorDetail, PendingError};
use crate::i18n::{LOCALE_COOKIE, LocaleInfo, Tr};
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use daftar_domain::{Error, ErrorKind};
use std::time::Instant;

/// Cookie holding the CSRF token of a visitor with no session (login form).
pub const PRE_CSRF_COOKIE: &str = "daftar_csrf";

/// What the middleware learned about a request; handlers and extractors read it.
#[derive(Clone, Debug)]
pub struct RequestCtx {
    /// Request id (from `x-request-id` or generated).
    pub request_id: String,
    /// CSP nonce for inline scripts/styles of this response.
    pub nonce: String,
    /// The negotiated locale.
    pub locale: LocaleInfo,
    /// The caller, when authenticated (possibly still before the second factor).
    pub auth: Option<Auth>,
    /// Whether the path is under `/api`.
    pub is_api: bool,
    /// Whether errors are answered as JSON: under `/api`, and under `/.well-known` (files for
    /// machines) unless the client asks for HTML.
    pub json_errors: bool,
    /// CSRF token for forms when there is no session.
    pub pre_csrf: String,
    /// The path and query, for `next=` redirects.
    pub path_and_query: String,
    /// When the request arrived, by the server's clock (`AppState::clock`).
    pub now: time::OffsetDateTime,
}

impl RequestCtx {
    /// The CSRF token forms must carry: the session's, or the pre-session cookie's.
    pub fn csrf_token(&self) -> &str {
        match self.auth.as_ref().and_then(|a| a.session.as_ref()) {
            Some(s) => &s.csrf_token,
            None => &self.pre_csrf,
        }
    }
}

/// The value of cookie `name`, if the request has it.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

fn valid_request_id(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The middleware. See the module doc.
pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let headers = req.headers().clone();
    let path = req.uri().path().to_owned();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| path.clone());
    // `/healthz` is for machines: it answers JSON, also when it fails, and never depends on the
    // caller's session or token (a probe carrying a stale cookie must not get a login page).
    let health = path == "/healthz";
    let is_api = path.starts_with("/api/") || health;
    let json_errors = is_api
        || (path.starts_with("/.well-known/")
            && !headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|a| a.contains("text/html")));

    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid_request_id(v))
        .map(str::to_owned)
        .unwrap_or_else(|| ulid::Ulid::new().to_string());
    let nonce = auth::random_token(16);
    let pre_cookie =
        cookie_value(&headers, PRE_CSRF_COOKIE).filter(|v| v.len() >= 16 && v.len() <= 64);
    let pre_csrf = pre_cookie.clone().unwrap_or_else(|| auth::random_token(24));

    // `/metrics` checks its own token (`metrics = "token"`): its `Authorization` header is not
    // an API token. `/healthz` does not depend on the caller's credentials.
    let resolved = if health || path == "/metrics" {
        Ok(None)
    } else {
        auth::resolve(&state, &headers, &request_id).await
    };
    let (auth, auth_error) = match resolved {
        Ok(a) => (a, None),
        Err(e) => (None, Some(e)),
    };
    let locale = state.i18n.negotiate(
        auth.as_ref().and_then(|a| a.user.locale.as_deref()),
        cookie_value(&headers, LOCALE_COOKIE).as_deref(),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let ctx = RequestCtx {
        request_id: request_id.clone(),
        nonce: nonce.clone(),
        locale,
        auth,
        is_api,
        json_errors,
        pre_csrf: pre_csrf.clone(),
        path_and_query,
        now: state.clock.now(),
    };

    let unsafe_method = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    let api_csrf_fail = is_api
        && unsafe_method
        && ctx
            .auth
            .as_ref()
            .and_then(|a| a.session.as_ref())
            .is_some_and(|s| {
                headers
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .is_none_or(|t| !auth::same_secret(t, &s.csrf_token))
            });

    req.extensions_mut().insert(ctx.clone());
    let mut resp = if let Some(e) = auth_error {
        crate::error::AppError(e).into_response()
    } else if api_csrf_fail {
        crate::error::AppError(Error::forbidden("auth.csrf.invalid")).into_response()
    } else {
        next.run(req).await
    };

    if let Some(PendingError(err)) = resp.extensions_mut().remove::<PendingError>() {
        resp = render_error(&state, &ctx, err, resp.headers().clone());
    }

    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        h.insert("x-request-id", v);
    }
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if ctx.auth.is_some() && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if pre_cookie.is_none() && !is_api {
        let c = auth::cookie(
            PRE_CSRF_COOKIE,
            &pre_csrf,
            state.config.secure_cookies,
            None,
        );
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(header::SET_COOKIE, v);
        }
    }

    let status = resp.status().as_u16().to_string();
    let labels = [
        ("method", method.to_string()),
        ("route", route),
        ("status", status),
    ];
    metrics::counter!("daftar_http_requests_total", &labels).increment(1);
    metrics::histogram!("daftar_http_request_duration_seconds", &labels[..2])
        .record(started.elapsed().as_secs_f64());
    resp
}

/// Renders an error for the request: JSON under `/api`; elsewhere, a redirect to the login for
/// unauthenticated pages, else a translated HTML page.
pub(crate) fn render_error(
    state: &AppState,
    ctx: &RequestCtx,
    err: Error,
    headers: HeaderMap,
) -> Response {
    let status =
        StatusCode::from_u16(err.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let tr = Tr::new(state.i18n.clone(), ctx.locale);
    let mut message = tr.error(err.code);
    // An office cut off by its licence: say why (suspended, revoked, expired, pending).
    if let Some(licence) = err.details.get("licence").and_then(|v| v.as_str()) {
        message = format!("{message} {}", tr.t(&format!("licence-cut-{licence}")));
    }
    let mut resp = if ctx.json_errors {
        let body = ErrorBody {
            error: ErrorDetail {
                code: err.code.to_owned(),
                message,
                // Always an object (`{}` when there is nothing to add), as the schema says.
                details: match &err.details {
                    serde_json::Value::Object(_) => err.details.clone(),
                    _ => serde_json::json!({}),
                },
            },
        };
        (status, axum::Json(body)).into_response()
    } else if err.kind == ErrorKind::Unauthenticated {
        let target = match err.code {
            "auth.mfa.required" => "/login/totp".to_owned(),
            "auth.totp.enrol_required" => "/profile/totp".to_owned(),
            "auth.step_up.required" => format!(
                "/reauth?next={}",
                crate::pages::encode_next(&ctx.path_and_query)
            ),
            _ => format!(
                "/login?next={}",
                crate::pages::encode_next(&ctx.path_and_query)
            ),
        };
        Redirect::to(&target).into_response()
    } else {
        let page = crate::pages::PageCtx::new(state, ctx);
        crate::pages::error_page(page, status, err.code, message)
    };
    for (k, v) in headers.iter() {
        if k == header::RETRY_AFTER || k == header::WWW_AUTHENTICATE || k == header::ALLOW {
            resp.headers_mut().insert(k.clone(), v.clone());
        }
    }
    resp
}
