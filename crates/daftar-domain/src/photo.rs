//! A person's photo: JPEG or PNG recognised by its first bytes (never by the name or the
//! declared type), at most [`MAX_PHOTO_BYTES`], with its SHA-256.

use crate::{Error, Result};
use sha2::{Digest, Sha256};

/// Largest photo accepted (1 MiB: a card photo needs far less).
pub const MAX_PHOTO_BYTES: usize = 1024 * 1024;

/// A checked photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// `image/jpeg` or `image/png`, from the bytes.
    pub content_type: &'static str,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// The image.
    pub bytes: Vec<u8>,
}

impl Photo {
    /// Checks an upload: `photo.empty`, `photo.too_large` (413), `photo.type.invalid` (not a
    /// JPEG or PNG by content, whatever its name says).
    pub fn check(bytes: Vec<u8>) -> Result<Self> {
        if bytes.is_empty() {
            return Err(Error::invalid("photo.empty").with_field("photo"));
        }
        if bytes.len() > MAX_PHOTO_BYTES {
            return Err(
                Error::new("photo.too_large", crate::ErrorKind::TooLarge).with_field("photo")
            );
        }
        let content_type = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            "image/jpeg"
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "image/png"
        } else {
            return Err(Error::invalid("photo.type.invalid").with_field("photo"));
        };
        let sha256 = hex::encode(Sha256::digest(&bytes));
        Ok(Self {
            content_type,
            sha256,
            bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_are_recognised_by_content() {
        let png = b"\x89PNG\r\n\x1a\n rest".to_vec();
        assert_eq!(Photo::check(png).unwrap().content_type, "image/png");
        let jpg = vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2];
        let p = Photo::check(jpg).unwrap();
        assert_eq!(p.content_type, "image/jpeg");
        assert_eq!(p.sha256.len(), 64);
        for (bytes, code) in [
            (vec![], "photo.empty"),
            (b"%PDF-1.7".to_vec(), "photo.type.invalid"),
            (b"<svg onload=alert(1)>".to_vec(), "photo.type.invalid"),
            (vec![0xFF; MAX_PHOTO_BYTES + 1], "photo.too_large"),
        ] {
            assert_eq!(Photo::check(bytes).unwrap_err().code, code);
        }
    }
}
