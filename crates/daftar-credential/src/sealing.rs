//! Sealing the private halves of signing keys for storage: XChaCha20-Poly1305 under a key
//! derived (Argon2id) from the configured secret, with the key id as associated data, so a
//! sealed key cannot be moved to another row. Pure: the caller brings the randomness (the seed
//! of a new key, the nonce of a seal), so sealing is deterministic under test. The key ring
//! (`daftar_store::keyring`) stores what this seals.

use crate::{FormatError, bad, key_id};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::SigningKey;

/// Shortest secret accepted for sealing keys.
pub const MIN_SECRET_CHARS: usize = 16;
/// Bytes of a seal's nonce, stored in front of the ciphertext.
pub const NONCE_LEN: usize = 24;
/// Salt of the key derivation (fixed: the secret is the configuration's, not a password).
const SALT: &[u8] = b"daftar-credential-keys-v1";

/// Seals and opens private keys with the key derived from the configured secret.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

/// The key id of a signing key as stored: hex of [`key_id`].
pub fn kid_hex(key: &SigningKey) -> String {
    let id = key_id(&key.verifying_key());
    id.iter().map(|b| format!("{b:02x}")).collect()
}

impl Sealer {
    /// A sealer for `secret`: `key.secret.short` when it has fewer than [`MIN_SECRET_CHARS`]
    /// characters, `key.derivation.failed` if Argon2id refuses it.
    pub fn new(secret: &str) -> Result<Self, FormatError> {
        if secret.chars().count() < MIN_SECRET_CHARS {
            return Err(bad("key.secret.short"));
        }
        let mut key = [0u8; 32];
        argon2::Argon2::default()
            .hash_password_into(secret.as_bytes(), SALT, &mut key)
            .map_err(|_| bad("key.derivation.failed"))?;
        Ok(Self {
            cipher: XChaCha20Poly1305::new(&key.into()),
        })
    }

    /// `key` sealed under `kid` with `nonce` (random, never reused): the nonce, then the
    /// ciphertext.
    pub fn seal(
        &self,
        kid: &str,
        key: &SigningKey,
        nonce: [u8; NONCE_LEN],
    ) -> Result<Vec<u8>, FormatError> {
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: key.as_bytes(),
                    aad: kid.as_bytes(),
                },
            )
            .map_err(|_| bad("key.seal.failed"))?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// Opens the key `sealed` under `kid`: `key.secret.wrong` when the secret (or the kid) is
    /// not the one it was sealed with, `key.sealed.invalid` when the stored bytes cannot be a
    /// sealed key or hold another key than `kid` names.
    pub fn open(&self, kid: &str, sealed: &[u8]) -> Result<SigningKey, FormatError> {
        let (nonce, body) = sealed
            .split_at_checked(NONCE_LEN)
            .ok_or_else(|| bad("key.sealed.invalid"))?;
        let bytes = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: kid.as_bytes(),
                },
            )
            .map_err(|_| bad("key.secret.wrong"))?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| bad("key.sealed.invalid"))?;
        let key = SigningKey::from_bytes(&bytes);
        if kid_hex(&key) != kid {
            return Err(bad("key.sealed.invalid"));
        }
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_sealed_key_opens_only_with_its_secret_and_its_kid() {
        let s = Sealer::new("a secret of twenty chars").unwrap();
        let key = SigningKey::from_bytes(&[7; 32]);
        let kid = kid_hex(&key);
        assert_eq!(kid.len(), 8);
        let sealed = s.seal(&kid, &key, [1; NONCE_LEN]).unwrap();
        assert_eq!(&sealed[..NONCE_LEN], &[1; NONCE_LEN]);
        assert!(
            !sealed.windows(32).any(|w| w == key.as_bytes()),
            "not in clear"
        );
        assert_eq!(s.open(&kid, &sealed).unwrap().as_bytes(), key.as_bytes());
        let other = Sealer::new("another secret, also long").unwrap();
        assert_eq!(
            other.open(&kid, &sealed).unwrap_err().code,
            "key.secret.wrong"
        );
        // Moved to another row: the kid is the associated data.
        assert_eq!(
            s.open("00000000", &sealed).unwrap_err().code,
            "key.secret.wrong"
        );
        assert_eq!(
            s.open(&kid, &sealed[..10]).unwrap_err().code,
            "key.sealed.invalid"
        );
        let mut flipped = sealed.clone();
        flipped[30] ^= 1;
        assert_eq!(s.open(&kid, &flipped).unwrap_err().code, "key.secret.wrong");
    }

    #[test]
    fn a_short_secret_is_refused() {
        assert_eq!(
            Sealer::new("fifteen chars!!").unwrap_err().code,
            "key.secret.short"
        );
        assert!(Sealer::new("sixteen chars!!!").is_ok());
        // Characters, not bytes: 16 Persian letters are enough.
        assert!(Sealer::new(&"ک".repeat(16)).is_ok());
    }
}
