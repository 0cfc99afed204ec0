//! The `Idempotency-Key` header on POST requests: the first response to a key is stored (with a
//! hash of method, path and body); a replay of the same request returns that response without
//! running the handler again (`Idempotent-Replayed: true`), and the same key with a different
//! request is refused with 422 `idempotency.key.mismatch`. Keys belong to one session (or one
//! user, for API tokens); requests without a signed-in principal are passed through untouched.
//!
//! Not stored, so that a retry runs again: 401, 403, 412, 428, 429 and 5xx responses, bodies
//! that are not UTF-8 or larger than [`MAX_STORED_BODY`]. Two concurrent first requests with one
//! key may both run; the first to finish is the one stored and replayed.

use crate::context::RequestCtx;
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use daftar_domain::idempotency::{StoredResponse, request_hash, valid_key};
use daftar_domain::{Error, ErrorKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Handed to handlers in the request's extensions when the request carries a fresh key: a
/// handler that stores its answer in the same transaction as its change (see
/// [`Slot::answer`]) marks it done, and the middleware then stores nothing more.
#[derive(Clone)]
pub struct Slot {
    principal: String,
    key: String,
    request_hash: String,
    done: Arc<AtomicBool>,
}

impl Slot {
    /// The store-side answer for this key; `respond` builds the stored answer from the result.
    /// Call [`Slot::stored`] once the store call succeeded.
    pub fn answer<'a>(
        &'a self,
        respond: &'a (
                dyn Fn(&daftar_domain::case::CaseView) -> daftar_domain::Result<StoredResponse>
                    + Sync
            ),
    ) -> daftar_domain::idempotency::IdempotentAnswer<'a> {
        daftar_domain::idempotency::IdempotentAnswer {
            principal: &self.principal,
            key: &self.key,
            request_hash: &self.request_hash,
            respond,
        }
    }
    /// The request hash to put in the stored answer.
    pub fn request_hash(&self) -> &str {
        &self.request_hash
    }
    /// Marks the answer as stored by the handler.
    pub fn stored(&self) {
        self.done.store(true, Ordering::SeqCst);
    }
}

/// A stored answer for a JSON body with an `ETag` and status `status`.
pub fn json_answer(
    slot: &Slot,
    status: StatusCode,
    etag: Option<&str>,
    body: &impl serde::Serialize,
) -> daftar_domain::Result<StoredResponse> {
    Ok(StoredResponse {
        request_hash: slot.request_hash().to_owned(),
        status: status.as_u16(),
        content_type: "application/json".into(),
        headers: etag.map(|e| format!("etag: {e}\n")).unwrap_or_default(),
        body: serde_json::to_string(body)
            .map_err(|e| daftar_domain::Error::internal(e.to_string()))?,
    })
}

/// The header clients send.
pub const HEADER: &str = "idempotency-key";
/// The header set on a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";
/// Largest request body read for hashing (uploads are at most 6 MiB).
const MAX_REQUEST_BODY: usize = 8 * 1024 * 1024;
/// Largest response body stored for replay.
pub const MAX_STORED_BODY: usize = 1024 * 1024;
/// Response headers kept for replay.
const KEPT_HEADERS: [HeaderName; 2] = [header::LOCATION, header::ETAG];

fn principal(ctx: &RequestCtx) -> Option<String> {
    let auth = ctx.auth.as_ref()?;
    Some(match &auth.session {
        Some(s) => format!("session:{}", s.id),
        None => format!("user:{}", auth.user.id),
    })
}

fn storable(status: StatusCode) -> bool {
    !(status.is_server_error() || matches!(status.as_u16(), 401 | 403 | 412 | 428 | 429))
}

fn replay(stored: StoredResponse) -> Response {
    let mut resp = Response::new(Body::from(stored.body));
    *resp.status_mut() = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&stored.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    for line in stored.headers.lines() {
        if let Some((name, value)) = line.split_once(": ")
            && let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            )
        {
            h.append(n, v);
        }
    }
    h.insert(REPLAYED, HeaderValue::from_static("true"));
    resp
}

fn kept_headers(headers: &HeaderMap) -> String {
    let mut out = String::new();
    for name in &KEPT_HEADERS {
        for v in headers.get_all(name) {
            if let Ok(v) = v.to_str() {
                out.push_str(&format!("{name}: {v}\n"));
            }
        }
    }
    out
}

/// The middleware; runs inside the request-context middleware.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().unwrap_or("").to_owned())
    else {
        return next.run(req).await;
    };
    let Some(ctx) = req.extensions().get::<RequestCtx>().cloned() else {
        return next.run(req).await;
    };
    let Some(principal) = principal(&ctx) else {
        return next.run(req).await;
    };
    let fail = |e: Error| crate::context::render_error(&state, &ctx, e, HeaderMap::new());
    if !valid_key(&key) {
        return fail(Error::new("idempotency.key.invalid", ErrorKind::BadRequest));
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_REQUEST_BODY).await else {
        return fail(Error::new("request.body.too_large", ErrorKind::TooLarge));
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
    let hash = request_hash(parts.method.as_str(), &path, &bytes);
    let (p2, k2) = (principal.clone(), key.clone());
    match state.db(move |s| s.idempotent_response(&p2, &k2)).await {
        Ok(Some(stored)) if stored.request_hash == hash => return replay(stored),
        Ok(Some(_)) => {
            return fail(Error::new("idempotency.key.mismatch", ErrorKind::Invalid));
        }
        Ok(None) => {}
        Err(e) => return fail(e),
    }
    let done = Arc::new(AtomicBool::new(false));
    let mut req = Request::from_parts(parts, Body::from(bytes));
    req.extensions_mut().insert(Slot {
        principal: principal.clone(),
        key: key.clone(),
        request_hash: hash.clone(),
        done: done.clone(),
    });
    let mut resp = next.run(req).await;
    if done.load(Ordering::SeqCst) {
        return resp;
    }
    // Errors are rendered here (not by the outer context middleware) so the stored body is the
    // one the client got.
    if let Some(crate::error::PendingError(err)) =
        resp.extensions_mut().remove::<crate::error::PendingError>()
    {
        resp = crate::context::render_error(&state, &ctx, err, resp.headers().clone());
    }
    let status = resp.status();
    let small = axum::body::HttpBody::size_hint(resp.body())
        .upper()
        .is_some_and(|n| n <= MAX_STORED_BODY as u64);
    if !storable(status) || !small {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_STORED_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(text) = std::str::from_utf8(&bytes) {
        let stored = StoredResponse {
            request_hash: hash,
            status: status.as_u16(),
            content_type: parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned(),
            headers: kept_headers(&parts.headers),
            body: text.to_owned(),
        };
        if let Err(e) = state
            .db(move |s| {
                s.store_idempotent_response(&principal, &key, &stored)
                    .map(|_| ())
            })
            .await
        {
            tracing::warn!(error = %e, "idempotent response not stored");
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_and_server_errors_are_not_stored() {
        for s in [401, 403, 412, 428, 429, 500, 503] {
            assert!(
                !storable(StatusCode::from_u16(s).unwrap_or(StatusCode::OK)),
                "{s}"
            );
        }
        for s in [200, 201, 303, 404, 409, 413, 422] {
            assert!(
                storable(StatusCode::from_u16(s).unwrap_or(StatusCode::IM_A_TEAPOT)),
                "{s}"
            );
        }
    }

    #[test]
    fn kept_headers_round_trip_through_a_replay() {
        let mut h = HeaderMap::new();
        h.insert(header::LOCATION, HeaderValue::from_static("/x/1"));
        h.insert(header::ETAG, HeaderValue::from_static("\"3\""));
        h.insert(header::SERVER, HeaderValue::from_static("no"));
        let r = replay(StoredResponse {
            request_hash: String::new(),
            status: 201,
            content_type: "application/json".into(),
            headers: kept_headers(&h),
            body: "{}".into(),
        });
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.headers()[header::LOCATION], "/x/1");
        assert_eq!(r.headers()[header::ETAG], "\"3\"");
        assert!(r.headers().get(header::SERVER).is_none());
        assert_eq!(r.headers()[REPLAYED], "true");
    }
}
