//! The key ring: generates, seals, rotates and retires the Ed25519 keys behind credentials, and
//! signs the trust list and the status list. Private keys are stored sealed with
//! XChaCha20-Poly1305 under a key derived (Argon2id) from the configured secret; the key id is
//! the associated data, so a sealed key cannot be moved to another row. Used by the web features
//! and by `daftar keys`.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use daftar_credential::lists::{StatusListDoc, TrustListDoc, TrustedKey};
use daftar_credential::{TrustList, key_id};
use daftar_domain::audit::AuditCtx;
use daftar_domain::credential::{IssuerKey, KeyRole, KeyState};
use daftar_domain::store::Store;
use daftar_domain::{Error, Result};
use ed25519_dalek::SigningKey;
use rand::RngCore;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// Shortest secret accepted for sealing keys.
pub const MIN_SECRET_CHARS: usize = 16;

/// Seals and opens private keys with the key derived from the configured secret.
#[derive(Clone)]
pub struct KeyRing {
    cipher: Arc<XChaCha20Poly1305>,
    /// Unsealed keys by kid (unsealing is cheap, but signing many credentials in a row should
    /// not re-read the key table each time).
    cache: Arc<Mutex<Option<Versioned>>>,
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

fn hexkid(key: &SigningKey) -> String {
    hex::encode(key_id(&key.verifying_key()))
}

impl KeyRing {
    /// A key ring sealing with `secret` (`key.secret.short` when it has fewer than
    /// [`MIN_SECRET_CHARS`] characters).
    pub fn new(secret: &str) -> Result<Self> {
        if secret.chars().count() < MIN_SECRET_CHARS {
            return Err(Error::invalid("key.secret.short"));
        }
        let mut key = [0u8; 32];
        argon2::Argon2::default()
            .hash_password_into(secret.as_bytes(), b"daftar-credential-keys-v1", &mut key)
            .map_err(|e| Error::internal(format!("key derivation: {e}")))?;
        Ok(Self {
            cipher: Arc::new(XChaCha20Poly1305::new(&key.into())),
            cache: Arc::new(Mutex::new(None)),
        })
    }

    fn seal(&self, kid: &str, key: &SigningKey) -> Result<Vec<u8>> {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: key.as_bytes(),
                    aad: kid.as_bytes(),
                },
            )
            .map_err(|_| Error::internal("sealing a key failed"))?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// Opens a sealed key (`key.secret.wrong` when the secret is not the one it was sealed with).
    pub fn open(&self, key: &IssuerKey) -> Result<SigningKey> {
        let (nonce, body) = key
            .sealed
            .split_at_checked(24)
            .ok_or_else(|| Error::internal("sealed key too short"))?;
        let bytes = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: key.kid.as_bytes(),
                },
            )
            .map_err(|_| Error::invalid("key.secret.wrong"))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::internal("sealed key has the wrong length"))?;
        let sk = SigningKey::from_bytes(&bytes);
        if hexkid(&sk) != key.kid {
            return Err(Error::internal("sealed key does not match its id"));
        }
        Ok(sk)
    }

    /// Generates a key for `role` and makes it the active one (the previous active key of the
    /// role stays in the trust list as `verify_only`). A second root key is refused
    /// (`key.root.exists`): verifiers pin the root.
    pub fn generate(&self, store: &dyn Store, ctx: &AuditCtx, role: KeyRole) -> Result<IssuerKey> {
        let keys = store.keys()?;
        if role == KeyRole::Root && keys.iter().any(|k| k.role == KeyRole::Root) {
            return Err(Error::conflict("key.root.exists"));
        }
        let mut seed = [0u8; 32];
        rand::rng().fill_bytes(&mut seed);
        let sk = SigningKey::from_bytes(&seed);
        let kid = hexkid(&sk);
        if keys.iter().any(|k| k.kid == kid) {
            return Err(Error::conflict("key.kid.taken"));
        }
        let key = IssuerKey {
            sealed: self.seal(&kid, &sk)?,
            kid,
            role,
            public_key: hex::encode(sk.verifying_key().as_bytes()),
            state: KeyState::Active,
            created_at: OffsetDateTime::now_utc(),
            changed_at: None,
        };
        store.add_key(ctx, &key)?;
        self.forget();
        Ok(key)
    }

    /// Makes sure a root key and an issuer key exist (first start, demo); returns the keys made.
    pub fn ensure(&self, store: &dyn Store, ctx: &AuditCtx) -> Result<Vec<IssuerKey>> {
        let keys = store.keys()?;
        let mut made = vec![];
        for role in [KeyRole::Root, KeyRole::Issuer] {
            if !keys
                .iter()
                .any(|k| k.role == role && k.state == KeyState::Active)
            {
                made.push(self.generate(store, ctx, role)?);
            }
        }
        Ok(made)
    }

    /// Retires a rotated-out issuer key: it leaves the trust list.
    pub fn retire(&self, store: &dyn Store, ctx: &AuditCtx, kid: &str) -> Result<IssuerKey> {
        let k = store.retire_key(ctx, kid)?;
        self.forget();
        Ok(k)
    }

    fn forget(&self) {
        if let Ok(mut c) = self.cache.lock() {
            *c = None;
        }
    }

    fn loaded(&self, store: &dyn Store) -> Result<Arc<Loaded>> {
        let version = store.list_version("trust")?;
        if let Ok(c) = self.cache.lock()
            && let Some((v, l)) = c.as_ref()
            && *v == version
        {
            return Ok(l.clone());
        }
        let keys = store.keys()?;
        let active = |role| {
            keys.iter()
                .find(|k| k.role == role && k.state == KeyState::Active)
                .map(|k| self.open(k))
                .transpose()
        };
        let mut trusted = vec![];
        for k in keys.iter().filter(|k| k.role == KeyRole::Issuer) {
            if k.state == KeyState::Retired {
                continue;
            }
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
            issued_at: OffsetDateTime::now_utc().unix_timestamp(),
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
    pub fn issuer(&self, store: &dyn Store) -> Result<SigningKey> {
        self.loaded(store)?
            .issuer
            .clone()
            .ok_or_else(|| Error::conflict("key.missing"))
    }

    fn root(&self, store: &dyn Store) -> Result<SigningKey> {
        self.loaded(store)?
            .root
            .clone()
            .ok_or_else(|| Error::conflict("key.missing"))
    }

    /// The root public key verifiers pin (hex).
    pub fn root_public(&self, store: &dyn Store) -> Result<String> {
        Ok(hex::encode(self.root(store)?.verifying_key().as_bytes()))
    }

    /// The keys credentials verify against.
    pub fn trust(&self, store: &dyn Store) -> Result<TrustList> {
        Ok(self.loaded(store)?.verifying.clone())
    }

    /// The trust list, signed by the root key.
    pub fn trust_list_file(&self, store: &dyn Store) -> Result<Vec<u8>> {
        let l = self.loaded(store)?;
        let root = l
            .root
            .as_ref()
            .ok_or_else(|| Error::conflict("key.missing"))?;
        Ok(l.trust.sign(root))
    }

    /// The status list (full with `since` 0, else the delta after `since`), signed.
    pub fn status_list_file(&self, store: &dyn Store, since: u64) -> Result<Vec<u8>> {
        let root = self.root(store)?;
        let now = OffsetDateTime::now_utc();
        let (version, ids) = store.revoked_since(since, now)?;
        let doc = StatusListDoc {
            version,
            since: since.min(version),
            issued_at: now.unix_timestamp(),
            revoked: ids
                .iter()
                .filter_map(|i| hex::decode(i).ok())
                .collect::<BTreeSet<_>>(),
        };
        Ok(doc.sign(&root))
    }
}
