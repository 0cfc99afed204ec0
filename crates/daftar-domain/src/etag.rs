//! Entity tags of records that carry no version number (persons, households, offices): a hash
//! of the record as the API shows it. A client sends back the tag it read in `If-Match`; the
//! store recomputes it inside the update's transaction and refuses a stale one (412), so a
//! change made by someone else in between is never overwritten unseen.

use crate::{Error, ErrorKind, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The tag of `record`: 16 hex digits of the SHA-256 of its JSON.
pub fn tag_of<T: Serialize>(record: &T) -> String {
    let json = serde_json::to_vec(record).unwrap_or_default();
    hex::encode(&Sha256::digest(&json)[..8])
}

/// Fails with `stale` (412) when a tag was expected and the record's is another.
pub fn check(expected: Option<&str>, current: &str, stale: &'static str) -> Result<()> {
    match expected {
        Some(e) if e != current => Err(Error::new(stale, ErrorKind::PreconditionFailed)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_changed_record_has_another_tag() {
        let a = tag_of(&serde_json::json!({"status": "registered"}));
        let b = tag_of(&serde_json::json!({"status": "renewed"}));
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
        assert!(check(Some(&a), &a, "x.version.stale").is_ok());
        assert!(check(None, &a, "x.version.stale").is_ok());
        assert_eq!(
            check(Some(&b), &a, "person.version.stale")
                .unwrap_err()
                .code,
            "person.version.stale"
        );
    }
}
