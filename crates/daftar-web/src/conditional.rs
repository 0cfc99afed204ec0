//! Optimistic concurrency over HTTP: a record's version is its `ETag` (`"7"`), or for records
//! without a version number (persons, households, offices) a hash of the record as shown
//! (`"3f2a…"`, [`daftar_domain::etag`]); an update must send it back in `If-Match`. Missing →
//! 428 `request.if_match.required`; not a tag we could have sent (malformed, including `*`) →
//! 400 `request.if_match.invalid`; well-formed but stale → the store's 412 `*.version.stale`.
//! The accepted forms are [`daftar_domain::contract::IF_MATCH_VERSION`] and
//! [`daftar_domain::contract::IF_MATCH_TAG`], which the OpenAPI document states.

use axum::http::{HeaderMap, HeaderValue, header};
use daftar_domain::{Error, ErrorKind, Result, contract};

/// The `ETag` value for a version.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&etag_text(version)).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The `ETag` of a version as text (`"3"`).
pub fn etag_text(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version in `If-Match` (weak or strong tag, quoted or bare).
pub fn if_match(headers: &HeaderMap) -> Result<i64> {
    let v = headers
        .get(header::IF_MATCH)
        .ok_or_else(|| Error::new("request.if_match.required", ErrorKind::PreconditionRequired))?;
    parse(v.to_str().unwrap_or(""))
}

/// Parses a version as sent in `If-Match` or a form's hidden `version` field.
pub fn parse(v: &str) -> Result<i64> {
    let t = v.trim();
    if !contract::matches(contract::IF_MATCH_VERSION, t) {
        return Err(malformed());
    }
    let t = t.strip_prefix("W/").unwrap_or(t).trim_matches('"');
    t.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(malformed)
}

fn malformed() -> Error {
    Error::new("request.if_match.invalid", ErrorKind::BadRequest)
}

/// A JSON answer with the record's hash tag as `ETag`.
pub fn with_tag<T: serde::Serialize>(
    status: axum::http::StatusCode,
    record: T,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let tag = format!("\"{}\"", daftar_domain::etag::tag_of(&record));
    let value = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"0\""));
    (status, [(header::ETAG, value)], axum::Json(record)).into_response()
}

/// The hash tag in `If-Match` (weak or strong, quoted or bare): 428 when missing, 400 when it
/// cannot be a tag.
pub fn if_match_tag(headers: &HeaderMap) -> Result<String> {
    let v = headers
        .get(header::IF_MATCH)
        .ok_or_else(|| Error::new("request.if_match.required", ErrorKind::PreconditionRequired))?;
    let t = v.to_str().unwrap_or("").trim();
    if !contract::matches(contract::IF_MATCH_TAG, t) {
        return Err(malformed());
    }
    let t = t.strip_prefix("W/").unwrap_or(t).trim_matches('"');
    Ok(t.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tags_round_trip() {
        let mut h = HeaderMap::new();
        assert_eq!(if_match(&h).unwrap_err().code, "request.if_match.required");
        h.insert(header::IF_MATCH, etag(7));
        assert_eq!(if_match(&h).unwrap(), 7);
        assert_eq!(parse("W/\"3\"").unwrap(), 3);
        assert_eq!(parse("*").unwrap_err().code, "request.if_match.invalid");
    }
}
