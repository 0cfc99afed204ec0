//! Secrets made and kept by daftar, for the web layer and the CLI alike: random tokens (session
//! secrets, CSRF tokens, API token secrets, one-time passwords of `daftar admin`) and password
//! hashes. A secret is never stored in clear text: passwords as argon2id PHC strings, tokens
//! as their SHA-256 (`session::secret_hash`). Pure computation over the operating system's
//! random numbers; no I/O.

use base64::Engine;
use rand::RngCore;

/// A random URL-safe token of `bytes` random bytes (base64url, no padding).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Password hashing with argon2id (PHC strings). Slow on purpose: the web layer runs it on
/// blocking threads.
pub mod password {
    use crate::{Error, Result};
    use argon2::Argon2;
    use argon2::password_hash::{
        PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
    };

    /// Hashes a password with argon2id and a random salt.
    pub fn hash(password: &str) -> Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(format!("argon2: {e}")))
    }

    /// Checks a password against a PHC string; a malformed hash never verifies.
    pub fn verify(password: &str, phc: &str) -> bool {
        PasswordHash::new(phc).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    }

    /// A fixed hash to verify against when the user does not exist, so that the response time
    /// does not reveal which usernames exist.
    pub fn dummy_hash() -> &'static str {
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        DUMMY.get_or_init(|| hash("not a real password, only for timing").unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn hash_then_verify() {
        let h = super::password::hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::password::verify("correct horse battery", &h));
        assert!(!super::password::verify("wrong horse battery", &h));
        assert!(!super::password::verify("x", "not a phc string"));
        assert!(super::password::dummy_hash().starts_with("$argon2id$"));
    }

    #[test]
    fn tokens_are_url_safe_and_differ() {
        let (a, b) = (super::random_token(24), super::random_token(24));
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }
}
