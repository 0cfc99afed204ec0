//! The one error type of daftar. Every error carries a stable code (`person.not_found`) that is
//! also the Fluent message id (dots become dashes: `person-not_found`), a kind that decides the
//! HTTP status, and optional structured details. User input never produces `Internal`.

use serde_json::Value;
use std::fmt;

pub mod codes;

/// What sort of failure an [`Error`] is; the web layer maps it to an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Malformed request (400).
    BadRequest,
    /// Well-formed but invalid values (422).
    Invalid,
    /// No valid session or token (401).
    Unauthenticated,
    /// Authenticated but not allowed (403).
    Forbidden,
    /// No such thing, or not visible to this actor (404).
    NotFound,
    /// Conflicts with existing state, e.g. a duplicate code (409).
    Conflict,
    /// Account locked after failed logins (423).
    Locked,
    /// The record changed since the client read it (412, stale `If-Match`).
    PreconditionFailed,
    /// An update came without `If-Match` (428).
    PreconditionRequired,
    /// The body or upload is larger than allowed (413).
    TooLarge,
    /// The path exists but not with this HTTP method (405).
    MethodNotAllowed,
    /// Too many requests (429).
    TooManyRequests,
    /// A dependency (the store) is unavailable (503).
    Unavailable,
    /// A bug or an unexpected failure (500). Never caused by user input.
    Internal,
}

impl ErrorKind {
    /// The HTTP status code for this kind.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::Invalid => 422,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::Locked => 423,
            ErrorKind::PreconditionFailed => 412,
            ErrorKind::PreconditionRequired => 428,
            ErrorKind::TooLarge => 413,
            ErrorKind::MethodNotAllowed => 405,
            ErrorKind::TooManyRequests => 429,
            ErrorKind::Unavailable => 503,
            ErrorKind::Internal => 500,
        }
    }
}

/// The error of every fallible daftar operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// Stable, dotted code such as `auth.login.invalid`.
    pub code: &'static str,
    /// Decides the HTTP status.
    pub kind: ErrorKind,
    /// Structured details (field names, limits); shown to clients, so never secrets.
    pub details: Value,
    /// Internal detail for logs only; never shown to users.
    pub internal: Option<String>,
}

/// Result with the daftar [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error with the given code and kind. The code must be in the registry
    /// ([`codes::ALL`]) with this kind: checked in debug builds, so every test run catches an
    /// unregistered code or a code answered with two statuses.
    pub fn new(code: &'static str, kind: ErrorKind) -> Self {
        debug_assert!(
            codes::kind_of(code) == Some(kind),
            "error code {code:?} ({kind:?}) is not in daftar_domain::error::codes::ALL with that kind"
        );
        Self {
            code,
            kind,
            details: Value::Null,
            internal: None,
        }
    }
    /// Invalid input (422).
    pub fn invalid(code: &'static str) -> Self {
        Self::new(code, ErrorKind::Invalid)
    }
    /// Not found (404).
    pub fn not_found(code: &'static str) -> Self {
        Self::new(code, ErrorKind::NotFound)
    }
    /// Forbidden (403).
    pub fn forbidden(code: &'static str) -> Self {
        Self::new(code, ErrorKind::Forbidden)
    }
    /// Conflict (409).
    pub fn conflict(code: &'static str) -> Self {
        Self::new(code, ErrorKind::Conflict)
    }
    /// An internal failure; `detail` goes to the log only.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self {
            internal: Some(detail.into()),
            ..Self::new("internal", ErrorKind::Internal)
        }
    }
    /// The store could not be reached or failed; `detail` goes to the log only.
    pub fn store(detail: impl Into<String>) -> Self {
        Self {
            internal: Some(detail.into()),
            ..Self::new("store.unavailable", ErrorKind::Unavailable)
        }
    }
    /// Adds structured details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
    /// Adds a single `field` detail, the usual case for validation errors.
    pub fn with_field(self, field: &str) -> Self {
        self.with_detail("field", serde_json::json!(field))
    }
    /// Adds one detail, keeping those already there.
    pub fn with_detail(mut self, key: &str, value: Value) -> Self {
        if !self.details.is_object() {
            self.details = serde_json::json!({});
        }
        if let Some(map) = self.details.as_object_mut() {
            map.insert(key.to_owned(), value);
        }
        self
    }
    /// The Fluent message id for this code: dots become dashes (Fluent ids cannot hold dots).
    pub fn message_id(&self) -> String {
        message_id(self.code)
    }
}

/// The Fluent message id of an error code: `auth.login.invalid` → `auth-login-invalid`.
pub fn message_id(code: &str) -> String {
    code.replace('.', "-")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(i) = &self.internal {
            write!(f, ": {i}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
