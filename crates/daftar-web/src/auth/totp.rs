//! TOTP (RFC 6238) second factor: secret generation, enrolment URL and QR, code checks.

use daftar_domain::{Error, Result};
use totp_rs::{Algorithm, Secret, TOTP};

fn totp(secret_b32: &str, account: &str) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .map_err(|_| Error::internal("totp secret malformed"))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some("daftar".into()),
        account.to_owned(),
    )
    .map_err(|e| Error::internal(format!("totp: {e}")))
}

/// A new random base32 secret (160 bits).
pub fn new_secret() -> String {
    Secret::generate_secret().to_encoded().to_string()
}

/// The `otpauth://` URL for authenticator apps.
pub fn otpauth_url(secret_b32: &str, account: &str) -> Result<String> {
    Ok(totp(secret_b32, account)?.get_url())
}

/// The enrolment QR code as inline SVG.
pub fn qr_svg(url: &str) -> Result<String> {
    let code =
        qrcode::QrCode::new(url.as_bytes()).map_err(|e| Error::internal(format!("qr: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build())
}

/// Whether `code` (6 digits, Persian digits accepted) is valid now (±1 step).
pub fn check(secret_b32: &str, code: &str) -> bool {
    let code: String = daftar_domain::digits::fold_digits(code)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    totp(secret_b32, "x")
        .ok()
        .and_then(|t| t.check_current(&code).ok())
        .unwrap_or(false)
}

/// The current code (tests and the demo's help text).
pub fn current(secret_b32: &str) -> Result<String> {
    totp(secret_b32, "x")?
        .generate_current()
        .map_err(|e| Error::internal(format!("clock: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_code_checks_and_wrong_code_fails() {
        let s = new_secret();
        let c = current(&s).unwrap();
        assert!(check(&s, &c));
        let wrong = format!("{:06}", (c.parse::<u32>().unwrap() + 1) % 1_000_000);
        assert!(!check(&s, &wrong));
        assert!(!check(&s, "abc"));
        assert!(
            otpauth_url(&s, "clerk")
                .unwrap()
                .starts_with("otpauth://totp/")
        );
    }
}
