//! The two signed files an offline verifier downloads: the **trust list** (issuer public keys)
//! and the **status list** (ids of revoked credentials, full or as a delta since a version).
//! Both are COSE_Sign1 documents signed with the authority's root key (Ed25519, `kid` in the
//! protected header) over a deterministic CBOR map; a verifier pins the root public key. Layout
//! in `docs/credential-format.md` §6–7.

use crate::{
    FormatError, TrustList, Verdict, bad, int, key_id, open_envelope, seal, signed_by, to_cbor,
};
use ciborium::value::Value;
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::collections::BTreeSet;

/// Longest list file accepted (64 MiB), so a hostile file cannot exhaust memory.
pub const MAX_LIST_BYTES: usize = 64 << 20;

/// `type` value of a trust list.
const TRUST: &str = "daftar-trust-list";
/// `type` value of a status list.
const STATUS: &str = "daftar-status-list";
/// `type` value of an audit checkpoint.
const CHECKPOINT: &str = "daftar-audit-checkpoint";

/// One issuer key in a trust list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    /// Key id (first 4 bytes of the public key).
    pub kid: Vec<u8>,
    /// The Ed25519 public key.
    pub public_key: [u8; 32],
    /// `active` (signs new credentials) or `verify_only` (rotated out; its credentials stay
    /// valid until they expire).
    pub state: String,
}

/// The signed list of issuer keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustListDoc {
    /// Increases with every change of the key set.
    pub version: u64,
    /// When it was signed (seconds since 1970).
    pub issued_at: i64,
    /// The keys.
    pub keys: Vec<TrustedKey>,
}

/// The signed list of revoked credential ids: the full list (`since` 0) or the ids revoked
/// after version `since` (a delta).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusListDoc {
    /// Version of the revocation set this list brings a verifier to.
    pub version: u64,
    /// 0 for a full list; otherwise the version the delta starts from.
    pub since: u64,
    /// When it was signed (seconds since 1970).
    pub issued_at: i64,
    /// Revoked credential ids (`cti`), ascending.
    pub revoked: BTreeSet<Vec<u8>>,
}

/// A signed checkpoint of the audit chain's head (docs/adr/0002-audit-sealing.md): row `seq` of
/// the chain has hash `hash`. Signed with the root key like the lists, so it can be kept
/// outside the database and checked by `daftar audit verify --checkpoint FILE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheckpointDoc {
    /// Sequence number of the row named.
    pub seq: u64,
    /// Its hash (SHA-256).
    pub hash: [u8; 32],
    /// When it was signed (seconds since 1970).
    pub issued_at: i64,
}

fn sign(payload: Value, root: &SigningKey) -> Vec<u8> {
    // Encoding a built COSE_Sign1 into a Vec does not fail.
    seal(to_cbor(&payload), root).unwrap_or_default()
}

/// A decoded CBOR map.
type Map = Vec<(Value, Value)>;

/// Checks the signature of a list file against the pinned root key and returns its payload map
/// and the payload bytes (for the determinism check of the caller).
fn open(bytes: &[u8], root: &VerifyingKey, kind: &str) -> Result<(Map, Vec<u8>), FormatError> {
    if bytes.len() > MAX_LIST_BYTES {
        return Err(bad("credential.list.too_long"));
    }
    let sign1 = open_envelope(bytes, "credential.list.invalid")?;
    if sign1.protected.header.key_id != key_id(root) {
        return Err(bad("credential.list.wrong_root"));
    }
    if !signed_by(&sign1, root) {
        return Err(bad("credential.list.signature"));
    }
    let payload = sign1.payload.ok_or(bad("credential.list.invalid"))?;
    let v: Value =
        ciborium::from_reader(payload.as_slice()).map_err(|_| bad("credential.list.invalid"))?;
    let map = v.into_map().map_err(|_| bad("credential.list.invalid"))?;
    if get(&map, 1).and_then(Value::as_text) != Some(kind) {
        return Err(bad("credential.list.invalid"));
    }
    Ok((map, payload))
}

/// Lists are deterministic CBOR exactly as [`TrustListDoc::sign`] and [`StatusListDoc::sign`]
/// write them (keys ascending, shortest heads, no other keys, ids ascending and unique): the
/// document read must encode back to the signed bytes (`credential.list.invalid` otherwise).
fn deterministic(payload: &[u8], reencoded: &Value) -> Result<(), FormatError> {
    if to_cbor(reencoded) == payload {
        Ok(())
    } else {
        Err(bad("credential.list.invalid"))
    }
}

/// `state` values of a trust-list key.
pub const KEY_STATES: [&str; 2] = ["active", "verify_only"];

fn get(map: &[(Value, Value)], k: i64) -> Option<&Value> {
    map.iter()
        .find(|(key, _)| key.as_integer() == Some(k.into()))
        .map(|(_, v)| v)
}

fn uint(map: &[(Value, Value)], k: i64) -> Result<u64, FormatError> {
    get(map, k)
        .and_then(Value::as_integer)
        .and_then(|i| u64::try_from(i).ok())
        .ok_or(bad("credential.list.invalid"))
}

fn signed_int(map: &[(Value, Value)], k: i64) -> Result<i64, FormatError> {
    get(map, k)
        .and_then(Value::as_integer)
        .and_then(|i| i64::try_from(i).ok())
        .ok_or(bad("credential.list.invalid"))
}

fn array(map: &[(Value, Value)], k: i64) -> Result<&Vec<Value>, FormatError> {
    get(map, k)
        .and_then(Value::as_array)
        .ok_or(bad("credential.list.invalid"))
}

fn unsigned(n: u64) -> Value {
    Value::Integer(n.into())
}

impl TrustListDoc {
    /// The signed file (COSE_Sign1, tagged).
    pub fn sign(&self, root: &SigningKey) -> Vec<u8> {
        sign(self.payload(), root)
    }

    fn payload(&self) -> Value {
        let keys = self
            .keys
            .iter()
            .map(|k| {
                Value::Map(vec![
                    (int(1), Value::Bytes(k.kid.clone())),
                    (int(2), Value::Bytes(k.public_key.to_vec())),
                    (int(3), Value::Text(k.state.clone())),
                ])
            })
            .collect();
        Value::Map(vec![
            (int(1), Value::Text(TRUST.into())),
            (int(2), unsigned(self.version)),
            (int(3), int(self.issued_at)),
            (int(4), Value::Array(keys)),
        ])
    }

    /// Reads a trust list file signed by `root` (`credential.list.*` errors otherwise; a key
    /// `state` other than [`KEY_STATES`] or a payload that is not deterministic CBOR is
    /// `credential.list.invalid`).
    pub fn open(bytes: &[u8], root: &VerifyingKey) -> Result<Self, FormatError> {
        let (map, payload) = open(bytes, root, TRUST)?;
        let keys = array(&map, 4)?
            .iter()
            .map(|k| {
                let k = k.as_map().ok_or(bad("credential.list.invalid"))?;
                let public_key: [u8; 32] = get(k, 2)
                    .and_then(Value::as_bytes)
                    .and_then(|b| b.as_slice().try_into().ok())
                    .ok_or(bad("credential.list.invalid"))?;
                Ok(TrustedKey {
                    kid: get(k, 1)
                        .and_then(Value::as_bytes)
                        .cloned()
                        .ok_or(bad("credential.list.invalid"))?,
                    public_key,
                    state: get(k, 3)
                        .and_then(Value::as_text)
                        .filter(|s| KEY_STATES.contains(s))
                        .map(str::to_owned)
                        .ok_or(bad("credential.list.invalid"))?,
                })
            })
            .collect::<Result<Vec<_>, FormatError>>()?;
        let doc = Self {
            version: uint(&map, 2)?,
            issued_at: signed_int(&map, 3)?,
            keys,
        };
        deterministic(&payload, &doc.payload())?;
        Ok(doc)
    }

    /// The keys as a [`TrustList`] for [`crate::verify`] (`credential.kid.collision` when two
    /// keys share an id, `credential.list.invalid` for a key that is not an Ed25519 point or
    /// whose id does not match it).
    pub fn trust(&self) -> Result<TrustList, FormatError> {
        let mut trust = TrustList::default();
        for k in &self.keys {
            let key = VerifyingKey::from_bytes(&k.public_key)
                .map_err(|_| bad("credential.list.invalid"))?;
            if key_id(&key) != k.kid {
                return Err(bad("credential.list.invalid"));
            }
            trust.add(&k.kid, key)?;
        }
        Ok(trust)
    }
}

impl AuditCheckpointDoc {
    /// The signed file (COSE_Sign1, tagged).
    pub fn sign(&self, root: &SigningKey) -> Vec<u8> {
        sign(self.payload(), root)
    }

    fn payload(&self) -> Value {
        Value::Map(vec![
            (int(1), Value::Text(CHECKPOINT.into())),
            (int(2), unsigned(self.seq)),
            (int(3), Value::Bytes(self.hash.to_vec())),
            (int(4), int(self.issued_at)),
        ])
    }

    /// Reads a checkpoint file signed by `root` (`credential.list.*` errors otherwise: another
    /// key, another kind of document, a payload that is not deterministic CBOR).
    pub fn open(bytes: &[u8], root: &VerifyingKey) -> Result<Self, FormatError> {
        let (map, payload) = open(bytes, root, CHECKPOINT)?;
        let doc = Self {
            seq: uint(&map, 2)?,
            hash: get(&map, 3)
                .and_then(Value::as_bytes)
                .and_then(|b| b.as_slice().try_into().ok())
                .ok_or(bad("credential.list.invalid"))?,
            issued_at: signed_int(&map, 4)?,
        };
        deterministic(&payload, &doc.payload())?;
        Ok(doc)
    }
}

impl StatusListDoc {
    /// The signed file (COSE_Sign1, tagged).
    pub fn sign(&self, root: &SigningKey) -> Vec<u8> {
        sign(self.payload(), root)
    }

    fn payload(&self) -> Value {
        Value::Map(vec![
            (int(1), Value::Text(STATUS.into())),
            (int(2), unsigned(self.version)),
            (int(3), unsigned(self.since)),
            (int(4), int(self.issued_at)),
            (
                int(5),
                Value::Array(self.revoked.iter().cloned().map(Value::Bytes).collect()),
            ),
        ])
    }

    /// Whether this is a delta (`since` > 0: only the ids revoked after version `since`) rather
    /// than the full list (`since` 0).
    pub fn is_delta(&self) -> bool {
        self.since > 0
    }

    /// Reads a **full** status list signed by `root`: a delta offered as the full list is
    /// refused (`credential.list.not_full`), since it lacks every id revoked before its `since`.
    pub fn open_full(bytes: &[u8], root: &VerifyingKey) -> Result<Self, FormatError> {
        let doc = Self::open(bytes, root)?;
        if doc.is_delta() {
            return Err(bad("credential.list.not_full"));
        }
        Ok(doc)
    }

    /// Reads a status list file signed by `root`, full or delta: check [`Self::is_delta`] before
    /// using it as the full list, or use [`Self::open_full`]. Either may be applied on top of a
    /// full list ([`Self::apply`]: a full list adds what it holds). Ids must be 8 bytes, and the
    /// payload deterministic CBOR (`credential.list.invalid`).
    pub fn open(bytes: &[u8], root: &VerifyingKey) -> Result<Self, FormatError> {
        let (map, payload) = open(bytes, root, STATUS)?;
        let revoked = array(&map, 5)?
            .iter()
            .map(|v| {
                v.as_bytes()
                    .filter(|b| b.len() == crate::CTI_LEN)
                    .cloned()
                    .ok_or(bad("credential.list.invalid"))
            })
            .collect::<Result<BTreeSet<_>, FormatError>>()?;
        let doc = Self {
            version: uint(&map, 2)?,
            since: uint(&map, 3)?,
            issued_at: signed_int(&map, 4)?,
            revoked,
        };
        if doc.since > doc.version {
            return Err(bad("credential.list.invalid"));
        }
        deterministic(&payload, &doc.payload())?;
        Ok(doc)
    }

    /// Brings a full list up to date with a delta: the delta must start at this list's version
    /// (`credential.list.gap` otherwise: download the full list). An older or equal delta
    /// changes nothing.
    pub fn apply(&mut self, delta: &StatusListDoc) -> Result<(), FormatError> {
        if delta.version <= self.version {
            return Ok(());
        }
        if delta.since > self.version {
            return Err(bad("credential.list.gap"));
        }
        self.revoked.extend(delta.revoked.iter().cloned());
        self.version = delta.version;
        self.issued_at = delta.issued_at;
        Ok(())
    }

    /// Freshness of a (full, brought up to date) list at `now`: signed at most `max_age`
    /// seconds ago (`credential.list.stale`: it would miss later revocations), and not older
    /// than version `min_version`, the highest this verifier has seen
    /// (`credential.list.rollback`: an attacker replaying an old list to hide revocations).
    pub fn check_fresh(
        &self,
        now: i64,
        max_age: Option<i64>,
        min_version: Option<u64>,
    ) -> Result<(), FormatError> {
        if max_age.is_some_and(|m| now.saturating_sub(self.issued_at) > m) {
            return Err(bad("credential.list.stale"));
        }
        if min_version.is_some_and(|v| self.version < v) {
            return Err(bad("credential.list.rollback"));
        }
        Ok(())
    }

    /// Whether the credential with id `cti` is revoked.
    pub fn is_revoked(&self, cti: &[u8]) -> bool {
        self.revoked.contains(cti)
    }
}

/// Verifies `text` like [`crate::verify`] and turns a valid (or expired, not yet valid)
/// credential whose id `revoked` reports into [`Verdict::Revoked`].
pub fn verify_with_status(
    text: &str,
    trust: &TrustList,
    mut revoked: impl FnMut(&[u8]) -> bool,
    now: i64,
) -> Result<Verdict, FormatError> {
    Ok(match crate::verify(text, trust, now)? {
        Verdict::Valid(c) | Verdict::Expired(c) | Verdict::NotYetValid(c) if revoked(&c.id) => {
            Verdict::Revoked(c)
        }
        v => v,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn trust_doc() -> TrustListDoc {
        let issuer = key(2).verifying_key();
        TrustListDoc {
            version: 3,
            issued_at: 1_764_000_000,
            keys: vec![TrustedKey {
                kid: key_id(&issuer),
                public_key: issuer.to_bytes(),
                state: "active".into(),
            }],
        }
    }

    #[test]
    fn audit_checkpoint_round_trips_and_is_no_list() {
        let root = key(1);
        let cp = AuditCheckpointDoc {
            seq: 42,
            hash: [7; 32],
            issued_at: 1_700_000_000,
        };
        let file = cp.sign(&root);
        assert_eq!(
            AuditCheckpointDoc::open(&file, &root.verifying_key()),
            Ok(cp)
        );
        assert_eq!(
            AuditCheckpointDoc::open(&file, &key(2).verifying_key())
                .unwrap_err()
                .code,
            "credential.list.wrong_root"
        );
        let trust = TrustListDoc {
            version: 1,
            issued_at: 0,
            keys: vec![],
        };
        assert_eq!(
            AuditCheckpointDoc::open(&trust.sign(&root), &root.verifying_key())
                .unwrap_err()
                .code,
            "credential.list.invalid"
        );
    }

    #[test]
    fn trust_list_round_trips_and_only_opens_with_its_root() {
        let doc = trust_doc();
        let bytes = doc.sign(&key(1));
        assert_eq!(
            TrustListDoc::open(&bytes, &key(1).verifying_key()).unwrap(),
            doc
        );
        assert_eq!(
            TrustListDoc::open(&bytes, &key(9).verifying_key())
                .unwrap_err()
                .code,
            "credential.list.wrong_root"
        );
        let mut bent = bytes.clone();
        let n = bent.len() - 70;
        bent[n] ^= 1;
        assert_eq!(
            TrustListDoc::open(&bent, &key(1).verifying_key())
                .unwrap_err()
                .code,
            "credential.list.signature"
        );
        assert_eq!(
            TrustListDoc::open(b"garbage", &key(1).verifying_key())
                .unwrap_err()
                .code,
            "credential.list.invalid"
        );
        // A status list is not a trust list, even though the root signed it.
        let status = StatusListDoc::default().sign(&key(1));
        assert_eq!(
            TrustListDoc::open(&status, &key(1).verifying_key())
                .unwrap_err()
                .code,
            "credential.list.invalid"
        );
    }

    #[test]
    fn a_trust_list_with_a_mislabelled_key_is_refused() {
        let mut doc = trust_doc();
        doc.keys[0].kid = vec![0, 0, 0, 0];
        assert_eq!(doc.trust().unwrap_err().code, "credential.list.invalid");
        assert!(trust_doc().trust().is_ok());
    }

    #[test]
    fn deltas_bring_a_status_list_up_to_date_and_gaps_are_refused() {
        let root = key(1);
        let mut full = StatusListDoc {
            version: 2,
            since: 0,
            issued_at: 10,
            revoked: [vec![1; 8], vec![2; 8]].into(),
        };
        let opened = StatusListDoc::open(&full.sign(&root), &root.verifying_key()).unwrap();
        assert_eq!(opened, full);
        let delta = StatusListDoc {
            version: 3,
            since: 2,
            issued_at: 11,
            revoked: [vec![3; 8]].into(),
        };
        full.apply(&delta).unwrap();
        assert!(full.is_revoked(&[3; 8]) && full.is_revoked(&[1; 8]));
        assert!(!full.is_revoked(&[4; 8]));
        assert_eq!(full.version, 3);
        // Applying it again changes nothing.
        full.apply(&delta).unwrap();
        assert_eq!(full.revoked.len(), 3);
        let gap = StatusListDoc {
            version: 9,
            since: 7,
            issued_at: 12,
            revoked: [vec![5; 8]].into(),
        };
        assert_eq!(full.apply(&gap).unwrap_err().code, "credential.list.gap");
        assert!(!full.is_revoked(&[5; 8]));
    }

    #[test]
    fn a_delta_is_never_taken_for_the_full_list() {
        let root = key(1);
        let pinned = root.verifying_key();
        // Revoked at version 1; the delta since 1 does not hold it.
        let full = StatusListDoc {
            version: 2,
            since: 0,
            issued_at: 10,
            revoked: [vec![1; 8], vec![2; 8]].into(),
        };
        let delta = StatusListDoc {
            version: 2,
            since: 1,
            issued_at: 10,
            revoked: [vec![2; 8]].into(),
        };
        let (full_file, delta_file) = (full.sign(&root), delta.sign(&root));
        assert_eq!(
            StatusListDoc::open_full(&delta_file, &pinned)
                .unwrap_err()
                .code,
            "credential.list.not_full"
        );
        assert_eq!(StatusListDoc::open_full(&full_file, &pinned).unwrap(), full);
        assert!(
            StatusListDoc::open(&delta_file, &pinned)
                .unwrap()
                .is_delta()
        );
    }

    #[test]
    fn old_lists_and_rollbacks_are_refused() {
        let list = StatusListDoc {
            version: 5,
            issued_at: 1_000_000,
            ..StatusListDoc::default()
        };
        let day = 86_400;
        assert!(
            list.check_fresh(1_000_000 + day, Some(7 * day), Some(5))
                .is_ok()
        );
        assert!(list.check_fresh(1_000_000 + 30 * day, None, None).is_ok());
        assert_eq!(
            list.check_fresh(1_000_000 + 8 * day, Some(7 * day), None)
                .unwrap_err()
                .code,
            "credential.list.stale"
        );
        assert_eq!(
            list.check_fresh(1_000_000, None, Some(6)).unwrap_err().code,
            "credential.list.rollback"
        );
    }

    #[test]
    fn lists_must_be_deterministic_with_known_states_and_8_byte_ids() {
        let root = key(1);
        let pinned = root.verifying_key();
        // The same trust list with its payload's keys in another order, correctly signed.
        let Value::Map(mut entries) = trust_doc().payload() else {
            unreachable!()
        };
        entries.reverse();
        let reordered = sign(Value::Map(entries), &root);
        assert_eq!(
            TrustListDoc::open(&reordered, &pinned).unwrap_err().code,
            "credential.list.invalid"
        );
        // Ids out of order in a status list.
        let ids = vec![Value::Bytes(vec![2; 8]), Value::Bytes(vec![1; 8])];
        let unsorted = sign(
            Value::Map(vec![
                (int(1), Value::Text(STATUS.into())),
                (int(2), unsigned(1)),
                (int(3), unsigned(0)),
                (int(4), int(10)),
                (int(5), Value::Array(ids)),
            ]),
            &root,
        );
        assert_eq!(
            StatusListDoc::open(&unsorted, &pinned).unwrap_err().code,
            "credential.list.invalid"
        );
        // A state the format does not define.
        let mut odd = trust_doc();
        odd.keys[0].state = "revoked".into();
        assert_eq!(
            TrustListDoc::open(&odd.sign(&root), &pinned)
                .unwrap_err()
                .code,
            "credential.list.invalid"
        );
        // An id of another length.
        let short = StatusListDoc {
            revoked: [vec![1; 7]].into(),
            ..StatusListDoc::default()
        };
        assert_eq!(
            StatusListDoc::open(&short.sign(&root), &pinned)
                .unwrap_err()
                .code,
            "credential.list.invalid"
        );
    }

    proptest::proptest! {
        /// Reading a list never panics, whatever the bytes (random, or a real list with one
        /// byte changed), and a changed list never opens.
        #[test]
        fn any_bytes_are_refused_or_read(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let root = key(1).verifying_key();
            let _ = TrustListDoc::open(&b, &root);
            let _ = StatusListDoc::open(&b, &root);
        }

        #[test]
        fn a_changed_list_never_opens(i in 0usize..4000, bit in 0u8..8) {
            let root = key(1);
            let mut bytes = trust_doc().sign(&root);
            let i = i % bytes.len();
            bytes[i] ^= 1 << bit;
            proptest::prop_assert!(TrustListDoc::open(&bytes, &root.verifying_key()).is_err());
        }
    }
}
