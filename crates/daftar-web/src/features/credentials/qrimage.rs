//! Reads the text of a QR code from a PNG or JPEG photo or scan (the `image` crate decodes,
//! `rqrr` finds and reads the code). Used by the `/verify` page and `daftar verify --image`.

use daftar_domain::{Error, ErrorKind, Result};

/// Largest image side accepted (pixels); bigger images are refused before decoding.
const MAX_SIDE: u32 = 8_000;

/// The text of the first QR code found in `bytes` (PNG or JPEG). Errors:
/// `credential.image.invalid` (not a PNG/JPEG, or too large), `credential.image.no_code`.
pub fn read_qr(bytes: &[u8]) -> Result<String> {
    let format = image::guess_format(bytes)
        .ok()
        .filter(|f| matches!(f, image::ImageFormat::Png | image::ImageFormat::Jpeg))
        .ok_or_else(invalid)?;
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(256 << 20);
    reader.limits(limits);
    let img = reader.decode().map_err(|_| invalid())?.to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    for grid in prepared.detect_grids() {
        if let Ok((_, text)) = grid.decode() {
            return Ok(text);
        }
    }
    Err(Error::invalid("credential.image.no_code").with_field("image"))
}

fn invalid() -> Error {
    Error::new("credential.image.invalid", ErrorKind::Invalid).with_field("image")
}
