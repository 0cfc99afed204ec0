//! Random secrets, constant-time comparison and cookie strings.

pub use daftar_domain::secret::random_token;

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure when asked; `max_age` in
/// seconds (`Some(0)` deletes), session cookie when `None`.
pub fn cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = cookie::Cookie::build((name.to_owned(), value.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(secure);
    if let Some(s) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(s));
    }
    c.build().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_comparison_is_exact() {
        let a = random_token(24);
        let b = random_token(24);
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
        assert!(!same_secret("abc", "abcd"));
    }

    #[test]
    fn cookies_are_http_only_and_lax() {
        let c = cookie("n", "v", true, Some(0));
        assert!(
            c.contains("HttpOnly")
                && c.contains("SameSite=Lax")
                && c.contains("Secure")
                && c.contains("Max-Age=0")
        );
    }
}
