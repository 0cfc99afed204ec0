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
        0,
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
pub fn check(secret_b32: &str, code: &str, now: time::OffsetDateTime) -> bool {
    matching_step(secret_b32, code, unix(now)).is_some()
}

/// The time step (`unix / 30`) within ±1 step of `unix` whose code is `code`, if any. Callers
/// that sign someone in record it (`Store::use_totp_step`) so that each code works once.
pub fn matching_step(secret_b32: &str, code: &str, unix: u64) -> Option<u64> {
    let code: String = daftar_domain::digits::fold_digits(code)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret_b32, "x").ok()?;
    let step = unix / 30;
    [step.saturating_sub(1), step, step + 1]
        .into_iter()
        .find(|s| {
            let expected = t.generate(s * 30);
            expected.len() == code.len() && crate::auth::same_secret(&expected, &code)
        })
}

/// Seconds since 1970 (0 before it).
pub fn unix(at: time::OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp()).unwrap_or(0)
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
        assert!(check(&s, &c, daftar_domain::clock::Clock::default().now()));
        let wrong = format!("{:06}", (c.parse::<u32>().unwrap() + 1) % 1_000_000);
        assert!(!check(
            &s,
            &wrong,
            daftar_domain::clock::Clock::default().now()
        ));
        assert!(!check(
            &s,
            "abc",
            daftar_domain::clock::Clock::default().now()
        ));
        // The step is reported, also for the neighbouring steps.
        let now = unix(daftar_domain::clock::Clock::default().now());
        let t = totp(&s, "x").unwrap();
        for s_ in [now / 30 - 1, now / 30, now / 30 + 1] {
            assert_eq!(matching_step(&s, &t.generate(s_ * 30), now), Some(s_));
        }
        assert_eq!(matching_step(&s, &t.generate(now - 90), now), None);
        assert!(
            otpauth_url(&s, "clerk")
                .unwrap()
                .starts_with("otpauth://totp/")
        );
    }
}
