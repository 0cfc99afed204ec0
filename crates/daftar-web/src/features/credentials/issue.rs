//! Signing and showing: the QR code of a credential text, and the online verdict (trust list
//! from the key ring, revocations from the store). Which credentials an approved case grants is
//! the use case `daftar_domain::usecase::grant_credential`, written by the store
//! (`CredentialStore::grant_credentials`, and the case decision that approves); the signed text
//! of a credential for a purpose is the key ring's (`daftar_store::keyring::KeyRing::signed_text`).

use daftar_credential::lists::verify_with_status;
use daftar_credential::{FormatError, Verdict};
use daftar_domain::Result;
use daftar_domain::store::Store;
use daftar_store::keyring::{KeyRing, format_error};
use time::OffsetDateTime;

/// Pixels a module of the QR code on screen: a 1× screenshot of the card page keeps whole,
/// sharp modules a phone or `daftar verify --image` reads (at 240 px for the whole symbol a
/// module was 1.7 px once scaled to the card, and unreadable). In print the stylesheet sizes the
/// symbol to 48 mm: ≥ 0.5 mm a module up to version 17, the largest profile.
pub const QR_MODULE_PX: u32 = 3;

/// The QR code of a credential text at error correction Q, as inline SVG (the matrix from
/// `daftar_credential::qr_matrix`, the same the benchmark times), [`QR_MODULE_PX`] a module.
pub fn qr_svg(text: &str) -> Result<String> {
    let m = daftar_credential::qr_matrix(text).map_err(format_error)?;
    Ok(
        qrcode::render::Renderer::<qrcode::render::svg::Color<'_>>::new(m.colors(), m.width(), 4)
            .module_dimensions(QR_MODULE_PX, QR_MODULE_PX)
            .build(),
    )
}

/// Checks a credential text online: keys from the trust list in force, revocation from the
/// store (immediate).
pub fn verify_online(
    store: &dyn Store,
    keys: &KeyRing,
    text: &str,
    now: OffsetDateTime,
) -> Result<std::result::Result<Verdict, FormatError>> {
    let trust = keys.trust(store)?;
    let mut failed = None;
    let verdict = verify_with_status(
        text,
        &trust,
        |cti| match store.credential_revoked(&hex::encode(cti)) {
            Ok(r) => r == Some(true),
            Err(e) => {
                failed = Some(e);
                false
            }
        },
        now.unix_timestamp(),
    );
    match failed {
        Some(e) => Err(e),
        None => Ok(verdict),
    }
}
