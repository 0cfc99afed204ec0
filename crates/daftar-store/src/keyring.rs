//! The key ring: generates, seals, rotates and retires the Ed25519 keys behind credentials,
//! signs credentials with the active issuer key, and signs the trust list and the status list
//! with the root key. Used by the web layer and by `daftar keys` alike.
//!
//! The decisions are the use case `daftar_domain::usecase::rotate_keys` (which key signs, what a
//! new key demotes, when a key may be retired, what the trust list carries), applied by the
//! store in the transaction that writes the change; the sealing is
//! `daftar_credential::sealing` (XChaCha20-Poly1305 under a key derived with Argon2id from the
//! configured secret, the key id as associated data). This module brings the randomness and
//! keeps the unsealed keys of the current trust list version in memory.

use daftar_credential::lists::{AuditCheckpointDoc, StatusListDoc, TrustListDoc, TrustedKey};
use daftar_credential::sealing::{NONCE_LEN, Sealer, kid_hex};
use daftar_credential::{Claims, FormatError, Kind, TrustList};
use daftar_domain::audit::{AuditCheckpoint, AuditCtx, ChainBreak};
use daftar_domain::clock::Clock;
use daftar_domain::credential::{CredentialRecord, IssuerKey, KeyRole, KeyState, wire_kind};
use daftar_domain::store::{CredentialStore, Store};
use daftar_domain::usecase::rotate_keys;
use daftar_domain::{Error, Result};
use ed25519_dalek::SigningKey;
use rand::RngCore;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

pub use daftar_credential::sealing::MIN_SECRET_CHARS;

/// Seals and opens private keys with the key derived from the configured secret, and signs
/// with them.
#[derive(Clone)]
pub struct KeyRing {
    sealer: Arc<Sealer>,
    /// Unsealed keys by kid (unsealing is cheap, but signing many credentials in a row should
    /// not re-read the key table each time).
    cache: Arc<Mutex<Option<Versioned>>>,
    /// When keys are made and lists issued.
    clock: Clock,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyRing(..)")
    }
}

/// The loaded keys and the trust-list version they belong to.
type Versioned = (u64, Arc<Loaded>);

/// The keys in force at one trust-list version, with the verifying keys ready (decompressing
/// them is not repeated for every verification).
struct Loaded {
    root: Option<SigningKey>,
    issuer: Option<SigningKey>,
    trust: TrustListDoc,
    verifying: TrustList,
}

/// A sealing error as a daftar error: a wrong or short secret is the operator's to fix (422),
/// anything else is a broken key table (500).
fn sealing_error(e: FormatError) -> Error {
    match e.code {
        "key.secret.short" | "key.secret.wrong" => Error::invalid(e.code),
        code => Error::internal(format!("sealed key: {code}")),
    }
}

/// A format error as a daftar error (422 with the format's stable code).
pub fn format_error(e: FormatError) -> Error {
    Error::invalid(e.code)
}

/// The wire type of a stored credential (`None` for letters, which carry none).
pub fn kind_of(rec: &CredentialRecord) -> Option<Kind> {
    wire_kind(rec.kind).and_then(|n| Kind::from_number(u64::from(n)))
}

impl KeyRing {
    /// A key ring sealing with `secret` (`key.secret.short` when it has fewer than
    /// [`MIN_SECRET_CHARS`] characters).
    pub fn new(secret: &str) -> Result<Self> {
        Ok(Self {
            sealer: Arc::new(Sealer::new(secret).map_err(sealing_error)?),
            cache: Arc::new(Mutex::new(None)),
            clock: Clock::default(),
        })
    }

    /// The same ring reading `clock` for the time keys are made and lists are issued.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Opens a sealed key (`key.secret.wrong` when the secret is not the one it was sealed with).
    pub fn open(&self, key: &IssuerKey) -> Result<SigningKey> {
        self.sealer
            .open(&key.kid, &key.sealed)
            .map_err(sealing_error)
    }

    /// Generates a key for `role` and makes it the active one (the previous active key of the
    /// role stays in the trust list as `verify_only`). A second root key is refused
    /// (`key.root.exists`): verifiers pin the root.
    pub fn generate(
        &self,
        store: &dyn CredentialStore,
        ctx: &AuditCtx,
        role: KeyRole,
    ) -> Result<IssuerKey> {
        let mut seed = [0u8; 32];
        rand::rng().fill_bytes(&mut seed);
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sk = SigningKey::from_bytes(&seed);
        let kid = kid_hex(&sk);
        let key = IssuerKey {
            sealed: self.sealer.seal(&kid, &sk, nonce).map_err(sealing_error)?,
            kid,
            role,
            public_key: hex::encode(sk.verifying_key().as_bytes()),
            state: KeyState::Active,
            created_at: self.clock.now(),
            changed_at: None,
        };
        // The store decides (`rotate_keys::add`) over the keys it reads in its transaction.
        store.add_key(ctx, &key)?;
        self.forget();
        Ok(key)
    }

    /// Makes sure a root key and an issuer key exist (first start, demo); returns the keys made.
    pub fn ensure(&self, store: &dyn CredentialStore, ctx: &AuditCtx) -> Result<Vec<IssuerKey>> {
        rotate_keys::missing(&store.keys()?)
            .into_iter()
            .map(|role| self.generate(store, ctx, role))
            .collect()
    }

    /// Retires a rotated-out issuer key: it leaves the trust list.
    pub fn retire(
        &self,
        store: &dyn CredentialStore,
        ctx: &AuditCtx,
        kid: &str,
    ) -> Result<IssuerKey> {
        let k = store.retire_key(ctx, kid)?;
        self.forget();
        Ok(k)
    }

    fn forget(&self) {
        if let Ok(mut c) = self.cache.lock() {
            *c = None;
        }
    }

    fn loaded(&self, store: &dyn CredentialStore) -> Result<Arc<Loaded>> {
        let version = store.list_version(rotate_keys::TRUST_LIST)?;
        if let Ok(c) = self.cache.lock()
            && let Some((v, l)) = c.as_ref()
            && *v == version
        {
            return Ok(l.clone());
        }
        let keys = store.keys()?;
        let active = |role| {
            rotate_keys::active(&keys, role)
                .map(|k| self.open(k))
                .transpose()
        };
        let mut trusted = vec![];
        for k in rotate_keys::trusted(&keys) {
            let public_key: [u8; 32] = hex::decode(&k.public_key)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| Error::internal("stored public key is malformed"))?;
            trusted.push(TrustedKey {
                kid: hex::decode(&k.kid).unwrap_or_default(),
                public_key,
                state: k.state.code().to_owned(),
            });
        }
        let trust = TrustListDoc {
            version,
            issued_at: self.clock.now().unix_timestamp(),
            keys: trusted,
        };
        let verifying = trust
            .trust()
            .map_err(|e| Error::internal(format!("trust list: {}", e.code)))?;
        let loaded = Arc::new(Loaded {
            root: active(KeyRole::Root)?,
            issuer: active(KeyRole::Issuer)?,
            trust,
            verifying,
        });
        if let Ok(mut c) = self.cache.lock() {
            *c = Some((version, loaded.clone()));
        }
        Ok(loaded)
    }

    /// The active issuer key (`key.missing` when none: run `daftar keys generate`).
    pub fn issuer(&self, store: &dyn CredentialStore) -> Result<SigningKey> {
        self.loaded(store)?
            .issuer
            .clone()
            .ok_or_else(|| Error::conflict("key.missing"))
    }

    fn root(&self, store: &dyn CredentialStore) -> Result<SigningKey> {
        self.loaded(store)?
            .root
            .clone()
            .ok_or_else(|| Error::conflict("key.missing"))
    }

    /// The root public key verifiers pin (hex).
    pub fn root_public(&self, store: &dyn CredentialStore) -> Result<String> {
        Ok(hex::encode(self.root(store)?.verifying_key().as_bytes()))
    }

    /// The keys credentials verify against.
    pub fn trust(&self, store: &dyn CredentialStore) -> Result<TrustList> {
        Ok(self.loaded(store)?.verifying.clone())
    }

    /// The trust list, signed by the root key.
    pub fn trust_list_file(&self, store: &dyn CredentialStore) -> Result<Vec<u8>> {
        let l = self.loaded(store)?;
        let root = l
            .root
            .as_ref()
            .ok_or_else(|| Error::conflict("key.missing"))?;
        Ok(l.trust.sign(root))
    }

    /// Seals the waiting audit rows, signs a checkpoint of the chain's head with the root key
    /// (`key.missing` without one), keeps it in the database and returns it; the signed file is
    /// `hex::decode(&cp.signed)`. `now` is the signing time.
    pub fn checkpoint_audit(
        &self,
        store: &dyn Store,
        now: time::OffsetDateTime,
    ) -> Result<AuditCheckpoint> {
        let root = self.root(store)?;
        store.drain_audit(std::time::Duration::from_secs(5))?;
        let head = store.audit_head()?;
        let hash: [u8; 32] = hex::decode(&head.hash)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| Error::internal("audit head hash is malformed"))?;
        let doc = AuditCheckpointDoc {
            seq: u64::try_from(head.seq).unwrap_or(0),
            hash,
            issued_at: now.unix_timestamp(),
        };
        let cp = AuditCheckpoint {
            seq: head.seq,
            hash: head.hash,
            signed_at: now,
            kid: kid_hex(&root),
            signed: hex::encode(doc.sign(&root)),
        };
        store.record_audit_checkpoint(&cp)?;
        Ok(cp)
    }

    /// Reads a checkpoint file signed by this ring's root key (`credential.list.*` otherwise).
    pub fn open_checkpoint(
        &self,
        store: &dyn CredentialStore,
        bytes: &[u8],
    ) -> Result<AuditCheckpointDoc> {
        AuditCheckpointDoc::open(bytes, &self.root(store)?.verifying_key()).map_err(format_error)
    }

    /// The status list (full with `since` 0, else the delta after `since`), signed.
    pub fn status_list_file(&self, store: &dyn CredentialStore, since: u64) -> Result<Vec<u8>> {
        let root = self.root(store)?;
        let now = self.clock.now();
        let (version, ids) = store.revoked_since(since, now)?;
        let doc = StatusListDoc {
            version,
            since: rotate_keys::status_since(since, version),
            issued_at: now.unix_timestamp(),
            revoked: ids
                .iter()
                .filter_map(|i| hex::decode(i).ok())
                .collect::<BTreeSet<_>>(),
        };
        Ok(doc.sign(&root))
    }

    /// The signed text of `rec` for `purpose` (only the claims that purpose allows), signed with
    /// the active issuer key. `credential.purpose.invalid` when the kind is not shown for it,
    /// `credential.kind.invalid` for a kind that carries no credential (a letter).
    pub fn signed_text(
        &self,
        store: &dyn CredentialStore,
        rec: &CredentialRecord,
        purpose: &str,
    ) -> Result<String> {
        let kind = kind_of(rec).ok_or_else(|| Error::invalid("credential.kind.invalid"))?;
        let fields = daftar_credential::select(kind, purpose, &rec.fields)
            .map_err(|e| format_error(e).with_field("purpose"))?;
        let claims = Claims {
            issuer: rec.issuer.clone(),
            // Never the registry number: the purpose profile alone decides which identifying
            // fields a QR shows (`card_no` only where it lists it). The credential's own opaque
            // id is `cti`; `sub` stays empty (format §3) and costs no QR version.
            subject: String::new(),
            id: rec.cti(),
            kind,
            purpose: purpose.to_owned(),
            issued_at: rec.issued_at.unix_timestamp(),
            not_before: rec.not_before.unix_timestamp(),
            expires: rec.expires.unix_timestamp(),
            fields,
        };
        daftar_credential::issue(&claims, &self.issuer(store)?).map_err(format_error)
    }
}

/// Checks the audit chain (sealing first) and that it still has the checkpoint's hash at the
/// checkpoint's row: `rewritten` when the row has another hash (the chain was rewritten from
/// there or before), `truncated` when the chain no longer reaches it.
pub fn verify_against(
    store: &dyn Store,
    cp: &AuditCheckpointDoc,
) -> Result<std::result::Result<u64, ChainBreak>> {
    let n = match store.verify_audit()? {
        Ok(n) => n,
        Err(b) => return Ok(Err(b)),
    };
    let seq = i64::try_from(cp.seq).unwrap_or(i64::MAX);
    Ok(match store.audit_hash_at(seq)? {
        None if seq > 0 => Err(ChainBreak {
            seq,
            reason: "truncated",
        }),
        Some(h) if h != hex::encode(cp.hash) => Err(ChainBreak {
            seq,
            reason: "rewritten",
        }),
        _ => Ok(n),
    })
}
