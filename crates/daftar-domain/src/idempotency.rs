//! `Idempotency-Key` on the POST routes that accept it (see docs/API.md, "Idempotency"): the
//! answer to the first request with a key is stored **in the transaction of the write it
//! answers**, so a replay can never find the change without its answer; a replay with the same
//! request gets the stored answer, a different request with the same key is refused
//! (`idempotency.key.mismatch`, 422). Keys belong to one principal (session or API token), and
//! stored answers expire after [`TTL`]. Routes whose answers carry secrets do not accept keys.

use sha2::{Digest, Sha256};

/// How long a stored answer is replayed.
pub const TTL: time::Duration = time::Duration::hours(24);

/// Largest answer body kept for a replay (a larger one refuses the write:
/// `idempotency.answer.too_large`, 413, with nothing written).
pub const MAX_STORED_BODY: usize = 256 * 1024;

/// The read a replay amounts to, audited as such when the answer is replayed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReplayRead {
    /// Action of the audit row, e.g. `person.read`.
    pub action: String,
    /// Kind of target (`person`, `household`, `case`).
    pub target_type: String,
    /// Target id.
    pub target_id: String,
}

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
    /// The body (UTF-8 JSON; never a secret).
    pub body: String,
    /// What a replay is audited as.
    pub read: ReplayRead,
}

/// Builds the stored answer from the value the answering write produced (handed over as `Any`;
/// the builder checks its type).
pub type Respond = dyn Fn(&dyn std::any::Any) -> crate::Result<StoredResponse> + Send + Sync;

/// An answer waiting for the write it answers (see `Store::answering`): the write stores it in
/// its own transaction.
pub struct PendingAnswer {
    /// Session or API token the key belongs to (`session:…`, `token:…`).
    pub principal: String,
    /// The client's key.
    pub key: String,
    /// When the stored answer stops being replayed.
    pub expires_at: time::OffsetDateTime,
    /// Builds the answer from the write's result.
    pub respond: Box<Respond>,
}

impl std::fmt::Debug for PendingAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingAnswer")
            .field("principal", &self.principal)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// The longest accepted key.
pub const MAX_KEY_LEN: usize = 200;

/// Whether a client-sent key is acceptable: 1–200 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    // [`crate::contract::IDEMPOTENCY_KEY`]: 1–200 visible ASCII characters.
    const _: () = assert!(MAX_KEY_LEN == 200);
    crate::contract::matches(crate::contract::IDEMPOTENCY_KEY, key)
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
