//! Rotating keys: the life of the signing keys behind credentials, decided over the key table
//! the store loaded — which key of a role signs, what `daftar keys generate` makes, what adding
//! a key changes, when a key may be retired, which keys the trust list carries and what a status
//! list delta covers. The store applies [`add`] and [`retire`] to the keys it read in the
//! transaction that writes the change (after taking the trust list's row, so two nodes rotating
//! at once are serialised) and bumps the trust list's version with every change; the key ring
//! (`daftar_store::keyring`) seals, signs and caches.
//!
//! The rules: one active key per role signs; a new active key demotes the role's active key to
//! `verify_only` (it stays in the trust list, so what it signed still verifies); there is only
//! ever one root key, because verifiers pin it (`key.root.exists`); only a rotated-out key may be
//! retired (`key.active`: rotate first; `key.retired`: already), and a retired key leaves the
//! trust list, so what it signed no longer verifies.

use crate::credential::{IssuerKey, KeyRole, KeyState};
use crate::{Error, Result};
use time::OffsetDateTime;

/// The names of the two published lists, whose versions the store keeps.
pub const TRUST_LIST: &str = "trust";
/// See [`TRUST_LIST`].
pub const STATUS_LIST: &str = "status";

/// The key of `role` that signs now.
pub fn active(keys: &[IssuerKey], role: KeyRole) -> Option<&IssuerKey> {
    keys.iter()
        .find(|k| k.role == role && k.state == KeyState::Active)
}

/// The roles without an active key, root first: what a first start (`daftar keys generate`,
/// the demo) makes.
pub fn missing(keys: &[IssuerKey]) -> Vec<KeyRole> {
    [KeyRole::Root, KeyRole::Issuer]
        .into_iter()
        .filter(|r| active(keys, *r).is_none())
        .collect()
}

/// A new key to add: the key and the kids of the keys it demotes to `verify_only`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addition {
    /// The key as it is stored.
    pub key: IssuerKey,
    /// The role's keys that stop signing (rotated out), by kid.
    pub demote: Vec<String>,
}

/// Decides adding `key` to `keys`: `key.root.exists` for a second root key (verifiers pin the
/// root), `key.kid.taken` for a kid already in the table; an active key demotes the role's
/// active key.
pub fn add(keys: &[IssuerKey], key: IssuerKey) -> Result<Addition> {
    if key.role == KeyRole::Root && keys.iter().any(|k| k.role == KeyRole::Root) {
        return Err(Error::conflict("key.root.exists"));
    }
    if keys.iter().any(|k| k.kid == key.kid) {
        return Err(Error::conflict("key.kid.taken"));
    }
    let demote = if key.state == KeyState::Active {
        keys.iter()
            .filter(|k| k.role == key.role && k.state == KeyState::Active)
            .map(|k| k.kid.clone())
            .collect()
    } else {
        vec![]
    };
    Ok(Addition { key, demote })
}

/// A kid as typed: case and surrounding blanks do not matter.
pub fn normalize_kid(kid: &str) -> String {
    kid.trim().to_ascii_lowercase()
}

/// Decides retiring the key `kid` (as typed) at `now`: the key as it is stored after
/// (`key.not_found`; `key.active` for the key that signs — rotate first; `key.retired`).
pub fn retire(keys: &[IssuerKey], kid: &str, now: OffsetDateTime) -> Result<IssuerKey> {
    let kid = normalize_kid(kid);
    let k = keys
        .iter()
        .find(|k| k.kid == kid)
        .ok_or_else(|| Error::not_found("key.not_found"))?;
    match k.state {
        KeyState::Active => Err(Error::conflict("key.active")),
        KeyState::Retired => Err(Error::conflict("key.retired")),
        KeyState::VerifyOnly => Ok(IssuerKey {
            state: KeyState::Retired,
            changed_at: Some(now),
            ..k.clone()
        }),
    }
}

/// The keys the trust list carries: every issuer key not retired (the active one and those
/// rotated out), in the table's order. The root key signs the list and is pinned, not listed.
pub fn trusted(keys: &[IssuerKey]) -> Vec<&IssuerKey> {
    keys.iter()
        .filter(|k| k.role == KeyRole::Issuer && k.state != KeyState::Retired)
        .collect()
}

/// The `since` a status list delta names: the version asked for, never past the current one
/// (a verifier ahead of the server gets an empty delta at the current version).
pub fn status_since(asked: u64, current: u64) -> u64 {
    asked.min(current)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-04 10:00 UTC);

    fn key(kid: &str, role: KeyRole, state: KeyState) -> IssuerKey {
        IssuerKey {
            kid: kid.into(),
            role,
            public_key: "00".repeat(32),
            sealed: vec![1, 2, 3],
            state,
            created_at: NOW,
            changed_at: None,
        }
    }

    #[test]
    fn a_first_start_makes_a_root_and_an_issuer_key_and_a_second_makes_none() {
        assert_eq!(missing(&[]), vec![KeyRole::Root, KeyRole::Issuer]);
        let root = key("aa000001", KeyRole::Root, KeyState::Active);
        assert_eq!(missing(std::slice::from_ref(&root)), vec![KeyRole::Issuer]);
        let both = [
            root,
            key("bb000001", KeyRole::Issuer, KeyState::Active),
            key("bb000000", KeyRole::Issuer, KeyState::VerifyOnly),
        ];
        assert!(missing(&both).is_empty());
        assert_eq!(active(&both, KeyRole::Issuer).unwrap().kid, "bb000001");
        assert_eq!(active(&both, KeyRole::Root).unwrap().kid, "aa000001");
        // A rotated-out issuer key does not count as the one that signs.
        assert_eq!(missing(&both[..1]), vec![KeyRole::Issuer]);
        assert_eq!(
            missing(&[both[0].clone(), both[2].clone()]),
            vec![KeyRole::Issuer]
        );
    }

    #[test]
    fn a_new_issuer_key_demotes_the_active_one_and_keeps_the_rest() {
        let keys = [
            key("aa000001", KeyRole::Root, KeyState::Active),
            key("bb000002", KeyRole::Issuer, KeyState::Active),
            key("bb000001", KeyRole::Issuer, KeyState::VerifyOnly),
            key("bb000000", KeyRole::Issuer, KeyState::Retired),
        ];
        let a = add(&keys, key("bb000003", KeyRole::Issuer, KeyState::Active)).unwrap();
        assert_eq!(a.demote, vec!["bb000002".to_owned()]);
        assert_eq!(a.key.kid, "bb000003");
        // A key added verify-only (an import) demotes nothing.
        let a = add(
            &keys,
            key("bb000004", KeyRole::Issuer, KeyState::VerifyOnly),
        )
        .unwrap();
        assert!(a.demote.is_empty());
    }

    #[test]
    fn there_is_only_ever_one_root_key_and_a_kid_is_never_reused() {
        let keys = [key("aa000001", KeyRole::Root, KeyState::Active)];
        assert_eq!(
            add(&keys, key("aa000002", KeyRole::Root, KeyState::Active))
                .unwrap_err()
                .code,
            "key.root.exists"
        );
        let mut retired = keys.clone();
        retired[0].state = KeyState::Retired;
        assert_eq!(
            add(&retired, key("aa000002", KeyRole::Root, KeyState::Active))
                .unwrap_err()
                .code,
            "key.root.exists",
            "not even after the first is out of use"
        );
        assert_eq!(
            add(&keys, key("aa000001", KeyRole::Issuer, KeyState::Active))
                .unwrap_err()
                .code,
            "key.kid.taken"
        );
        assert!(add(&[], key("aa000001", KeyRole::Root, KeyState::Active)).is_ok());
    }

    #[test]
    fn only_a_rotated_out_key_is_retired() {
        let keys = [
            key("aa000001", KeyRole::Root, KeyState::Active),
            key("bb000002", KeyRole::Issuer, KeyState::Active),
            key("bb000001", KeyRole::Issuer, KeyState::VerifyOnly),
            key("bb000000", KeyRole::Issuer, KeyState::Retired),
        ];
        let r = retire(&keys, " BB000001 ", NOW).unwrap();
        assert_eq!(
            (r.kid.as_str(), r.state, r.changed_at),
            ("bb000001", KeyState::Retired, Some(NOW))
        );
        for (kid, code) in [
            ("bb000002", "key.active"),
            ("aa000001", "key.active"),
            ("bb000000", "key.retired"),
            ("cc000000", "key.not_found"),
        ] {
            assert_eq!(retire(&keys, kid, NOW).unwrap_err().code, code, "{kid}");
        }
    }

    #[test]
    fn the_trust_list_carries_the_issuer_keys_not_retired() {
        let keys = [
            key("aa000001", KeyRole::Root, KeyState::Active),
            key("bb000002", KeyRole::Issuer, KeyState::Active),
            key("bb000001", KeyRole::Issuer, KeyState::VerifyOnly),
            key("bb000000", KeyRole::Issuer, KeyState::Retired),
        ];
        let kids: Vec<&str> = trusted(&keys).iter().map(|k| k.kid.as_str()).collect();
        assert_eq!(kids, vec!["bb000002", "bb000001"]);
        assert!(trusted(&keys[..1]).is_empty());
    }

    #[test]
    fn a_status_delta_never_starts_past_the_current_version() {
        assert_eq!(status_since(0, 7), 0);
        assert_eq!(status_since(5, 7), 5);
        assert_eq!(status_since(9, 7), 7);
    }
}
