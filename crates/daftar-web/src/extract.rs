//! Extractor wrappers whose rejections are daftar errors (stable codes, translated), not
//! axum's plain-text rejections.

use crate::error::AppError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use daftar_domain::Error;
use serde::de::DeserializeOwned;

/// Path parameters; a malformed one is `request.path.invalid` (404: no such resource).
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e| {
                AppError(
                    Error::not_found("request.path.invalid")
                        .with_details(serde_json::json!({ "reason": e.body_text() })),
                )
            })
    }
}

/// Query string; a malformed one is `request.query.invalid` (400).
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e| {
                AppError(
                    Error::new(
                        "request.query.invalid",
                        daftar_domain::ErrorKind::BadRequest,
                    )
                    .with_details(serde_json::json!({ "reason": e.body_text() })),
                )
            })
    }
}

/// The answer to a body over its route's limit (413).
pub fn too_large() -> AppError {
    AppError(Error::new(
        "request.body.too_large",
        daftar_domain::ErrorKind::TooLarge,
    ))
}

/// JSON body; a malformed one (or one with a NUL character in a string, which no store keeps)
/// is `request.body.invalid` (400), one with a field the type does not know
/// `request.body.unknown_field` (400, `details.field` names it), one over the route's body limit
/// `request.body.too_large` (413).
#[derive(Debug)]
pub struct Json<T>(pub T);

fn has_nul(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(a) => a.iter().any(has_nul),
        serde_json::Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// JSON numbers with no fractional part as integers: `5.0` is the integer 5 in JSON (and in the
/// document's JSON Schema `integer`), so a field of an integer type takes it.
fn integral(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            // Within ±2^53 a float with no fraction is exactly that integer.
            Some(f) if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => {
                Value::from(f as i64)
            }
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(integral).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, integral(v))).collect()),
        other => other,
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequest<S> for Json<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bad = |reason: String| {
            AppError(
                Error::new("request.body.invalid", daftar_domain::ErrorKind::BadRequest)
                    .with_details(serde_json::json!({ "reason": reason })),
            )
        };
        let value = axum::Json::<serde_json::Value>::from_request(req, state)
            .await
            .map_err(|e| match e.status() {
                axum::http::StatusCode::PAYLOAD_TOO_LARGE => too_large(),
                _ => bad(e.body_text()),
            })?
            .0;
        if has_nul(&value) {
            return Err(bad("NUL character in a string".into()));
        }
        let value = integral(value);
        // Unknown fields are refused, as the OpenAPI document says (`additionalProperties:
        // false` on every request body): a misspelt optional field must not be dropped silently.
        let mut unknown: Option<String> = None;
        let parsed = serde_ignored::deserialize(value, |path| {
            if unknown.is_none() {
                unknown = Some(path.to_string());
            }
        })
        .map_err(|e| bad(e.to_string()))?;
        match unknown {
            Some(field) => Err(AppError(
                Error::new(
                    "request.body.unknown_field",
                    daftar_domain::ErrorKind::BadRequest,
                )
                .with_details(serde_json::json!({ "field": field })),
            )),
            None => Ok(Json(parsed)),
        }
    }
}

/// Serde `deserialize_with` for a number that people type and machines send: a JSON integer
/// (`125000`, what the server itself returns for amounts) or text (`"۱۲۵٬۰۰۰"`, as forms send
/// it). Either way the field holds the text and its own parser decides (stable error codes);
/// fractions, booleans and other JSON types are refused as a malformed body.
pub fn number_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an integer or a string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(V)
}

/// The OpenAPI schema of a [`number_or_text`] field: an integer or a string.
pub fn number_or_text_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    Schema::OneOf(
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Integer))
            .item(ObjectBuilder::new().schema_type(Type::String))
            .build(),
    )
}
