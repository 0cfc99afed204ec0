//! Case evidence files: the check an upload must pass (PDF, JPEG or PNG recognised by content;
//! a declared type that disagrees is refused; at most [`MAX_EVIDENCE_BYTES`]) and the
//! [`BlobStore`] trait the bytes go through, so that an object store can replace the local
//! directory without touching the rest.

use crate::{Error, Result};
use sha2::{Digest, Sha256};

/// Largest evidence file accepted (5 MiB).
pub const MAX_EVIDENCE_BYTES: usize = 5 * 1024 * 1024;

/// Where uploaded files live. Keys are the files' SHA-256 (content addressed): storing the same
/// bytes twice keeps one copy.
pub trait BlobStore: Send + Sync + 'static {
    /// Stores bytes; returns the key.
    fn put(&self, bytes: &[u8]) -> Result<String>;
    /// The bytes under a key (`blob.not_found`).
    fn get(&self, key: &str) -> Result<Vec<u8>>;
}

/// A checked upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// `application/pdf`, `image/jpeg` or `image/png`, from the bytes.
    pub content_type: &'static str,
    /// Hex SHA-256.
    pub sha256: String,
}

/// The content type the bytes are, if accepted.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// Checks an upload: `case.document.empty`, `case.document.too_large` (413),
/// `case.document.type.invalid` (not a PDF, JPEG or PNG by content), and
/// `case.document.type.mismatch` (the declared type, when given and not generic, disagrees).
pub fn check_evidence(bytes: &[u8], declared: Option<&str>) -> Result<Evidence> {
    if bytes.is_empty() {
        return Err(Error::invalid("case.document.empty").with_field("file"));
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(
            Error::new("case.document.too_large", crate::ErrorKind::TooLarge)
                .with_field("file")
                .with_detail("max_bytes", serde_json::json!(MAX_EVIDENCE_BYTES)),
        );
    }
    let content_type = sniff(bytes)
        .ok_or_else(|| Error::invalid("case.document.type.invalid").with_field("file"))?;
    if let Some(d) = declared.map(|d| {
        d.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }) && !d.is_empty()
        && d != "application/octet-stream"
        && d != content_type
        && !(d == "image/jpg" && content_type == "image/jpeg")
    {
        return Err(Error::invalid("case.document.type.mismatch")
            .with_field("file")
            .with_detail("declared", serde_json::json!(d))
            .with_detail("actual", serde_json::json!(content_type)));
    }
    Ok(Evidence {
        content_type,
        sha256: hex::encode(Sha256::digest(bytes)),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn uploads_are_checked_by_content() {
        let pdf = b"%PDF-1.7\n...".to_vec();
        assert_eq!(
            check_evidence(&pdf, Some("application/pdf"))
                .unwrap()
                .content_type,
            "application/pdf"
        );
        assert_eq!(check_evidence(&pdf, None).unwrap().sha256.len(), 64);
        let code = |b: &[u8], d| check_evidence(b, d).unwrap_err().code;
        assert_eq!(code(&pdf, Some("image/png")), "case.document.type.mismatch");
        assert_eq!(code(b"MZ\x90\x00", None), "case.document.type.invalid");
        assert_eq!(code(b"", None), "case.document.empty");
        let big = vec![0xFF; MAX_EVIDENCE_BYTES + 1];
        assert_eq!(code(&big, None), "case.document.too_large");
        assert!(check_evidence(&[0xFF, 0xD8, 0xFF, 0xE0], Some("image/jpg")).is_ok());
    }
}
