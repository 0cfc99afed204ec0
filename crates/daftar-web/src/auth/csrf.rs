//! Form bodies with a CSRF check: every HTML form carries a hidden `_csrf` field that must match
//! the session's token (or, before login, the `daftar_csrf` cookie).

use super::same_secret;
use crate::context::RequestCtx;
use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use daftar_domain::{Error, ErrorKind};
use serde::de::DeserializeOwned;

/// Largest form body accepted.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// Refuses a form whose names or values are not UTF-8 once percent-decoded: the lenient
/// decoder behind `serde_urlencoded` would store U+FFFD in their place. The error names the
/// field (`request.form.encoding`, 422), as a JSON body with such bytes is refused too.
fn check_utf8(body: &[u8]) -> Result<(), AppError> {
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &pair[..0]),
        };
        let decode = |part: &[u8]| -> Vec<u8> {
            let plus: Vec<u8> = part
                .iter()
                .map(|b| if *b == b'+' { b' ' } else { *b })
                .collect();
            percent_encoding::percent_decode(&plus).collect()
        };
        let name = decode(name);
        let field = String::from_utf8_lossy(&name).into_owned();
        if std::str::from_utf8(&name).is_err() || std::str::from_utf8(&decode(value)).is_err() {
            return Err(AppError(
                Error::invalid("request.form.encoding").with_field(&field),
            ));
        }
    }
    Ok(())
}

/// A form with no fields but its `_csrf` (a button).
#[derive(Debug, Default, serde::Deserialize)]
pub struct NoFields {}

/// A URL-encoded form whose `_csrf` field was checked; the other fields deserialise into `T`.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = req
            .extensions()
            .get::<RequestCtx>()
            .cloned()
            .ok_or_else(|| AppError(Error::internal("request context missing")))?;
        let bad_body = |reason: String| {
            AppError(
                Error::new("request.body.invalid", ErrorKind::BadRequest)
                    .with_details(serde_json::json!({ "reason": reason })),
            )
        };
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                crate::extract::too_large()
            } else {
                bad_body(e.body_text())
            }
        })?;
        if bytes.len() > MAX_FORM_BYTES {
            return Err(crate::extract::too_large());
        }
        check_utf8(&bytes)?;
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|e| bad_body(e.to_string()))?;
        if pairs
            .iter()
            .any(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(bad_body("NUL character in form".into()));
        }
        let token = pairs
            .iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        if !same_secret(token, ctx.csrf_token()) {
            return Err(AppError(Error::forbidden("auth.csrf.invalid")));
        }
        let rest: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != "_csrf").collect();
        let encoded = serde_urlencoded::to_string(&rest).map_err(|e| bad_body(e.to_string()))?;
        let value =
            serde_urlencoded::from_str::<T>(&encoded).map_err(|e| bad_body(e.to_string()))?;
        Ok(CsrfForm(value))
    }
}
