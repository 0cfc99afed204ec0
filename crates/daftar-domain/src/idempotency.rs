//! `Idempotency-Key` on POST requests: the first response to a key is stored with a hash of the
//! request; a replay with the same request gets the stored response, a different request with
//! the same key is refused (`idempotency.key.mismatch`, 422). Keys belong to one principal
//! (session or API token), so two users never see each other's responses.

use sha2::{Digest, Sha256};

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// Hash of method, path and body of the first request.
    pub request_hash: String,
    /// HTTP status.
    pub status: u16,
    /// `Content-Type` of the response.
    pub content_type: String,
    /// Other headers worth replaying (`Location`, `ETag`), as `name: value` lines.
    pub headers: String,
    /// The body (UTF-8; binary responses are not stored).
    pub body: String,
}

/// How a handler asks the store to keep its HTTP answer in the same transaction as its change
/// (so a replay can never find the change without its answer).
pub struct IdempotentAnswer<'a> {
    /// Session or user the key belongs to.
    pub principal: &'a str,
    /// The client's key.
    pub key: &'a str,
    /// [`request_hash`] of the request.
    pub request_hash: &'a str,
    /// Builds the stored answer from the result.
    pub respond: &'a (dyn Fn(&crate::case::CaseView) -> crate::Result<StoredResponse> + Sync),
}

/// The longest accepted key.
pub const MAX_KEY_LEN: usize = 200;

/// Whether a client-sent key is acceptable: 1–200 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The hash that identifies a request for replay: method, path and query, body.
pub fn request_hash(method: &str, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_differ_by_any_part() {
        let a = request_hash("POST", "/x", b"{}");
        assert_eq!(a, request_hash("POST", "/x", b"{}"));
        assert_ne!(a, request_hash("POST", "/y", b"{}"));
        assert_ne!(a, request_hash("POST", "/x", b"{ }"));
        assert_ne!(
            request_hash("POST", "/xa", b""),
            request_hash("POST", "/x", b"a")
        );
        assert!(valid_key("abc-123"));
        assert!(!valid_key(""));
        assert!(!valid_key("a b"));
        assert!(!valid_key(&"k".repeat(201)));
    }
}
