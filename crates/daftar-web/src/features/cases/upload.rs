//! Reading a document upload (multipart: `kind`, `file`, and `_csrf` for the HTML form) and
//! storing it: checked by content, put in the blob store, recorded on the case.

use crate::state::AppState;
use axum::extract::Multipart;
use axum::http::StatusCode;
use daftar_domain::audit::AuditCtx;
use daftar_domain::blob::check_evidence;
use daftar_domain::case::CaseDocument;
use daftar_domain::ids::{CaseDocumentId, CaseId};
use daftar_domain::permission::OfficeScope;
use daftar_domain::service::EvidenceKind;
use daftar_domain::{Error, ErrorKind, Result};

/// The parts of an upload form.
#[derive(Debug, Default)]
pub struct Upload {
    /// `_csrf` field (HTML form).
    pub csrf: String,
    /// `kind` field.
    pub kind: String,
    /// The file's name as sent.
    pub filename: String,
    /// Declared content type of the file part.
    pub content_type: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

fn too_large() -> Error {
    Error::new("case.document.too_large", ErrorKind::TooLarge).with_field("file")
}

/// Reads the multipart body.
pub async fn read(mut form: Multipart) -> Result<Upload> {
    let mut up = Upload::default();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => {
                return Err(Error::new("request.body.invalid", ErrorKind::BadRequest)
                    .with_details(serde_json::json!({ "reason": e.body_text() })));
            }
        };
        match field.name() {
            Some("_csrf") => up.csrf = field.text().await.unwrap_or_default(),
            Some("kind") => up.kind = field.text().await.unwrap_or_default(),
            Some("file") => {
                up.filename = field.file_name().unwrap_or("").chars().take(200).collect();
                up.content_type = field.content_type().map(str::to_owned);
                up.bytes = field
                    .bytes()
                    .await
                    .map_err(|e| {
                        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                            too_large()
                        } else {
                            Error::new("request.body.invalid", ErrorKind::BadRequest)
                        }
                    })?
                    .to_vec();
            }
            _ => {}
        }
    }
    Ok(up)
}

/// Checks and stores an upload for a case.
pub async fn store(
    state: &AppState,
    ctx: AuditCtx,
    scope: OfficeScope,
    case: CaseId,
    up: Upload,
) -> Result<CaseDocument> {
    let kind = EvidenceKind::parse(up.kind.trim())?;
    let ev = check_evidence(&up.bytes, up.content_type.as_deref())?;
    let blobs = state.blobs.clone();
    let size = i64::try_from(up.bytes.len()).unwrap_or(i64::MAX);
    let bytes = up.bytes;
    let key = tokio::task::spawn_blocking(move || blobs.put(&bytes))
        .await
        .map_err(|e| Error::internal(e.to_string()))??;
    let doc = CaseDocument {
        id: CaseDocumentId::new(),
        kind,
        filename: if up.filename.trim().is_empty() {
            format!("{}.{}", kind.code(), ext(ev.content_type))
        } else {
            up.filename
        },
        content_type: ev.content_type.to_owned(),
        size,
        sha256: ev.sha256,
        uploaded_at: state.clock.now(),
    };
    state
        .db(move |s| s.add_case_document(&ctx, &scope, case, &doc, &key))
        .await
}

fn ext(ct: &str) -> &'static str {
    match ct {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    }
}

/// The bytes of a case document with headers that keep browsers from running it.
pub async fn serve(
    state: &AppState,
    ctx: AuditCtx,
    scope: OfficeScope,
    case: CaseId,
    doc: CaseDocumentId,
) -> Result<axum::response::Response> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let (d, key) = state
        .db(move |s| s.case_document(&ctx, &scope, case, doc))
        .await?;
    let blobs = state.blobs.clone();
    let bytes = tokio::task::spawn_blocking(move || blobs.get(&key))
        .await
        .map_err(|e| Error::internal(e.to_string()))??;
    let disposition = format!("attachment; filename=\"{}.{}\"", d.id, ext(&d.content_type));
    Ok((
        [
            (header::CONTENT_TYPE, d.content_type),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CONTENT_SECURITY_POLICY, "sandbox".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
