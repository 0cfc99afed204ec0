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

/// Pixels a module of the QR code in the SVG's own size (a page that shows the code unscaled:
/// a 1× screenshot keeps whole, sharp modules a phone or `daftar verify --image` reads). The
/// printable card scales it to 40 mm with its quiet zone, on screen and on paper alike (a true
/// size preview): ≥ 0.43 mm a module up to version 17, the largest profile, and ≥ 2 px a module
/// on a phone's screen (2× pixels and more).
pub const QR_MODULE_PX: u32 = 3;

/// The quiet zone around the code, in modules.
pub const QR_QUIET_MODULES: u32 = 4;

/// The QR code of a credential text at error correction Q, as inline SVG (the matrix from
/// `daftar_credential::qr_matrix`, the same the benchmark times), [`QR_MODULE_PX`] a module.
pub fn qr_svg(text: &str) -> Result<String> {
    qr_svg_sized(text).map(|(svg, _)| svg)
}

/// [`qr_svg`] and the code's width in modules (without its quiet zone).
pub fn qr_svg_sized(text: &str) -> Result<(String, usize)> {
    let m = daftar_credential::qr_matrix(text).map_err(format_error)?;
    let svg = qrcode::render::Renderer::<qrcode::render::svg::Color<'_>>::new(
        m.colors(),
        m.width(),
        QR_QUIET_MODULES,
    )
    .module_dimensions(QR_MODULE_PX, QR_MODULE_PX)
    .build();
    Ok((svg, m.width()))
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
