//! `Idempotency-Key` (design: docs/API.md, "Idempotency").
//!
//! Only the routes in [`ACCEPTED`] take a key: JSON API writes of office data whose answers
//! carry no secret. Any other POST, PUT, PATCH or DELETE with a key is refused with 400
//! `idempotency.key.unsupported` before anything runs (among them the routes that answer with a
//! secret: API tokens, share codes, portal accounts, user accounts and passwords).
//!
//! On an accepted route the middleware hashes method, path and body, looks up an unexpired
//! answer for (principal, key) and hands a [`Slot`] to the handler. The handler's [`Idempotent`]
//! extractor runs **after** its permission extractor (`InOffice<P>`), so a replay is checked like
//! the request itself, for the same session or API token (keys belong to a session or a token,
//! never to a user as a whole); it then writes the audit row the corresponding read writes and
//! answers the stored response (`Idempotent-Replayed: true`), or 422 `idempotency.key.mismatch`
//! for another request under the same key. Without a stored answer, [`Idempotent::run`] runs
//! the store work with the answer pending: the write stores it in its own transaction
//! (`Store::answering`), so the change and its answer commit together or not at all, and the
//! client gets byte for byte what a replay would get. Errors are never stored (nothing was
//! written): a retry runs again.

use crate::context::RequestCtx;
use crate::error::AppError;
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use daftar_domain::audit::{AuditEvent, purpose};
use daftar_domain::idempotency::{
    PendingAnswer, ReplayRead, StoredResponse, TTL, request_hash, valid_key,
};
use daftar_domain::store::Store;
use daftar_domain::{Error, ErrorKind};
use std::any::Any;
use std::sync::{Arc, Mutex, PoisonError};

/// The header clients send.
pub const HEADER: &str = "idempotency-key";
/// The header set on a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";
/// Largest request body read for hashing.
const MAX_REQUEST_BODY: usize = 2 * 1024 * 1024;

/// The routes (POST) that accept a key: writes of office data whose answers hold no secret.
pub const ACCEPTED: [&str; 13] = [
    "/api/v1/offices/{office_id}/persons",
    "/api/v1/offices/{office_id}/persons/{person_id}/status",
    "/api/v1/offices/{office_id}/persons/{person_id}/documents",
    "/api/v1/offices/{office_id}/households",
    "/api/v1/offices/{office_id}/households/{household_id}/members",
    "/api/v1/offices/{office_id}/households/{household_id}/members/{person_id}",
    "/api/v1/offices/{office_id}/households/{household_id}/split",
    "/api/v1/offices/{office_id}/cases",
    "/api/v1/offices/{office_id}/cases/{case_id}/actions",
    "/api/v1/offices/{office_id}/cases/{case_id}/payments",
    "/api/v1/offices/{office_id}/persons/{person_id}/referrals",
    "/api/v1/helpdesk/tickets",
    "/api/v1/portal/tickets",
];

/// Handed to the handler of an accepted route in the request's extensions.
#[derive(Clone, Debug)]
pub struct Slot {
    principal: String,
    key: String,
    request_hash: String,
    /// The unexpired answer stored for the key, if any.
    stored: Option<StoredResponse>,
}

/// The key's owner: the session, or the API token (never the user as a whole).
fn principal(ctx: &RequestCtx) -> Option<String> {
    let auth = ctx.auth.as_ref()?;
    match (&auth.session, auth.token) {
        (Some(s), _) => Some(format!("session:{}", s.id)),
        (None, Some(t)) => Some(format!("token:{t}")),
        (None, None) => None,
    }
}

/// The response a stored answer stands for.
fn render(stored: &StoredResponse) -> Response {
    let mut resp = Response::new(Body::from(stored.body.clone()));
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
    resp
}

fn replay(stored: &StoredResponse) -> Response {
    let mut resp = render(stored);
    resp.headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    resp
}

/// A JSON answer: `status`, an optional `ETag`, the body, and the read a replay is audited as.
pub fn json_answer(
    status: StatusCode,
    etag: Option<&str>,
    body: &impl serde::Serialize,
    read: (&str, &str, String),
) -> daftar_domain::Result<StoredResponse> {
    Ok(StoredResponse {
        request_hash: String::new(),
        status: status.as_u16(),
        content_type: "application/json".into(),
        headers: etag.map(|e| format!("etag: {e}\n")).unwrap_or_default(),
        body: serde_json::to_string(body).map_err(|e| Error::internal(e.to_string()))?,
        read: ReplayRead {
            action: read.0.into(),
            target_type: read.1.into(),
            target_id: read.2,
        },
    })
}

/// The middleware; runs inside the request-context middleware, after routing.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(key) = req
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().unwrap_or("").to_owned())
    else {
        return next.run(req).await;
    };
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let Some(ctx) = req.extensions().get::<RequestCtx>().cloned() else {
        return next.run(req).await;
    };
    let fail = |e: Error| AppError(e).into_response();
    let accepted = req.method() == Method::POST
        && req
            .extensions()
            .get::<MatchedPath>()
            .is_some_and(|m| ACCEPTED.contains(&m.as_str()));
    if !accepted {
        return fail(Error::new(
            "idempotency.key.unsupported",
            ErrorKind::BadRequest,
        ));
    }
    // Without a signed-in principal the handler refuses the request anyway (401 before any
    // complaint about the key: every route that accepts a key needs a caller).
    let Some(principal) = principal(&ctx) else {
        return next.run(req).await;
    };
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
    let now = state.clock.now();
    let stored = match state
        .db(move |s| s.idempotent_response(&p2, &k2, now))
        .await
    {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut req = Request::from_parts(parts, Body::from(bytes));
    req.extensions_mut().insert(Slot {
        principal,
        key,
        request_hash: hash,
        stored,
    });
    next.run(req).await
}

/// The extractor of the routes in [`ACCEPTED`]; put it after the permission extractor and
/// before the body. Rejects with the replayed answer (or `idempotency.key.mismatch`) when the
/// key was answered already.
#[derive(Debug, Default)]
pub struct Idempotent(Option<Slot>);

/// Why an [`Idempotent`] extractor did not let the handler run.
#[derive(Debug)]
pub enum Replayed {
    /// The stored answer.
    Answer(Response),
    /// The key belongs to another request, or the replay could not be audited.
    Refused(AppError),
}

impl IntoResponse for Replayed {
    fn into_response(self) -> Response {
        match self {
            Self::Answer(r) => r,
            Self::Refused(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for Idempotent {
    type Rejection = Replayed;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(slot) = parts.extensions.get::<Slot>().cloned() else {
            return Ok(Self(None));
        };
        let Some(stored) = &slot.stored else {
            return Ok(Self(Some(slot)));
        };
        if stored.request_hash != slot.request_hash {
            return Err(Replayed::Refused(AppError(Error::new(
                "idempotency.key.mismatch",
                ErrorKind::Invalid,
            ))));
        }
        // A replay shows the record again: audited as the read it amounts to.
        let ctx = parts
            .extensions
            .get::<RequestCtx>()
            .and_then(|c| c.auth.as_ref().map(|a| a.audit(c, purpose::SERVICE)))
            .ok_or_else(|| {
                Replayed::Refused(AppError(Error::new(
                    "auth.required",
                    ErrorKind::Unauthenticated,
                )))
            })?;
        let read = stored.read.clone();
        if !read.action.is_empty() {
            state
                .db(move |s| {
                    s.append_audit(
                        &ctx,
                        &AuditEvent::new(&read.action, &read.target_type, &read.target_id)
                            .with_details(serde_json::json!({ "idempotent_replay": true })),
                    )
                })
                .await
                .map_err(|e| Replayed::Refused(AppError(e)))?;
        }
        Err(Replayed::Answer(replay(stored)))
    }
}

impl Idempotent {
    /// Runs `work` on the store and answers with `respond(result)`. With a key, the answer is
    /// stored by the write in its own transaction (the write calls `answer::attach`), and the
    /// client gets exactly the stored answer.
    pub async fn run<T, W, R>(
        self,
        state: &AppState,
        respond: R,
        work: W,
    ) -> daftar_domain::Result<Response>
    where
        T: Any + Send + 'static,
        W: FnOnce(&dyn Store) -> daftar_domain::Result<T> + Send + 'static,
        R: Fn(&T) -> daftar_domain::Result<StoredResponse> + Send + Sync + 'static,
    {
        let Some(slot) = self.0 else {
            let v = state.db(work).await?;
            return Ok(render(&respond(&v)?));
        };
        let respond = Arc::new(respond);
        let answered: Arc<Mutex<Option<StoredResponse>>> = Arc::default();
        let (r2, out, hash) = (respond.clone(), answered.clone(), slot.request_hash);
        let pending = Arc::new(PendingAnswer {
            principal: slot.principal,
            key: slot.key,
            expires_at: state.clock.now() + TTL,
            respond: Box::new(move |v: &dyn Any| {
                let v = v.downcast_ref::<T>().ok_or_else(|| {
                    Error::internal("idempotent answer built from an unexpected result")
                })?;
                let mut stored = r2(v)?;
                stored.request_hash = hash.clone();
                *out.lock().unwrap_or_else(PoisonError::into_inner) = Some(stored.clone());
                Ok(stored)
            }),
        });
        let (v, stored) = state
            .db(move |s| {
                let mut work = Some(work);
                let mut result = None;
                let stored = s.answering(pending, &mut |s| {
                    let w = work
                        .take()
                        .ok_or_else(|| Error::internal("idempotent work ran twice"))?;
                    result = Some(w(s)?);
                    Ok(())
                })?;
                let v = result.ok_or_else(|| Error::internal("idempotent work did not run"))?;
                Ok((v, stored))
            })
            .await?;
        let kept = answered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match kept {
            Some(a) if stored => Ok(render(&a)),
            _ => {
                tracing::error!("a write accepting Idempotency-Key stored no answer");
                Ok(render(&respond(&v)?))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn kept_headers_round_trip_through_a_replay() {
        let a = json_answer(
            StatusCode::CREATED,
            Some("\"3\""),
            &serde_json::json!({"a": 1}),
            ("person.read", "person", "p1".into()),
        )
        .unwrap();
        let r = replay(&a);
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.headers()[header::ETAG], "\"3\"");
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(r.headers()[REPLAYED], "true");
        assert!(render(&a).headers().get(REPLAYED).is_none());
    }
}
