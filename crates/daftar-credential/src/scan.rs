//! Reads the text of a QR code from a PNG or JPEG photo or scan (the `image` crate decodes,
//! `rqrr` finds and reads the code). Used by the `/verify` page and `daftar verify --image`.
//! Pure: bytes in, text out.

use crate::{FormatError, bad};
use image::{GrayImage, imageops};

/// Largest image side accepted (pixels); bigger images are refused before decoding.
const MAX_SIDE: u32 = 8_000;

/// The text of the first QR code found in `bytes` (PNG or JPEG). Errors:
/// `credential.image.invalid` (not a PNG/JPEG, or too large), `credential.image.no_code`.
pub fn read_qr(bytes: &[u8]) -> Result<String, FormatError> {
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
    decode(&img).ok_or_else(|| bad("credential.image.no_code"))
}

/// The first QR code `rqrr` reads in `img`, trying the image as it is and then prepared for
/// what defeats its own thresholding: a blurred or slightly rotated photo (sharpened; sharpened
/// and binarised at Otsu's threshold; enlarged and binarised) and a large photo (halved).
/// Measured on generated photos (tests below): plain `rqrr` reads none of the blurred, rotated
/// ones; each preparation reads some.
fn decode(img: &GrayImage) -> Option<String> {
    let once = |img: GrayImage| {
        let mut prepared = rqrr::PreparedImage::prepare(img);
        prepared
            .detect_grids()
            .into_iter()
            .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
    };
    if let Some(t) = once(img.clone()) {
        return Some(t);
    }
    let sharp = imageops::unsharpen(img, 2.0, 5);
    if let Some(t) = once(sharp.clone()) {
        return Some(t);
    }
    if let Some(t) = once(otsu(&sharp)) {
        return Some(t);
    }
    let (w, h) = img.dimensions();
    if w.max(h) <= MAX_SIDE / 2 {
        let up = imageops::resize(img, w * 2, h * 2, imageops::FilterType::Triangle);
        if let Some(t) = once(otsu(&up)) {
            return Some(t);
        }
    }
    if w.min(h) >= 800 {
        return once(imageops::resize(
            img,
            w / 2,
            h / 2,
            imageops::FilterType::Triangle,
        ));
    }
    None
}

/// Black and white at the threshold that best separates the two classes of grey (Otsu).
fn otsu(img: &GrayImage) -> GrayImage {
    let mut hist = [0u64; 256];
    for p in img.pixels() {
        hist[usize::from(p.0[0])] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &h)| i as f64 * h as f64)
        .sum();
    let (mut below, mut below_sum, mut best, mut threshold) = (0u64, 0f64, -1f64, 128u8);
    for (i, &h) in hist.iter().enumerate() {
        below += h;
        if below == 0 {
            continue;
        }
        let above = total - below;
        if above == 0 {
            break;
        }
        below_sum += i as f64 * h as f64;
        let (mb, ma) = (below_sum / below as f64, (sum - below_sum) / above as f64);
        let between = below as f64 * above as f64 * (mb - ma) * (mb - ma);
        if between > best {
            best = between;
            threshold = u8::try_from(i).unwrap_or(u8::MAX);
        }
    }
    let mut out = img.clone();
    for p in out.pixels_mut() {
        p.0[0] = if p.0[0] > threshold { 255 } else { 0 };
    }
    out
}

fn invalid() -> FormatError {
    bad("credential.image.invalid")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use image::Luma;

    /// A photo of the QR code of `text`: `px` pixels a module, turned by `degrees`, blurred
    /// by `sigma` (each pixel averaged over 4×4 samples, as a camera does).
    fn photo(text: &str, px: f32, degrees: f32, sigma: f32) -> Vec<u8> {
        let m = crate::qr_matrix(text).unwrap();
        let (w, colors) = (m.width(), m.colors());
        let n = (w + 8) as f32;
        let side = (n * px * 1.3) as u32;
        let c = side as f32 / 2.0;
        let (sin, cos) = degrees.to_radians().sin_cos();
        let mut img = GrayImage::new(side, side);
        for y in 0..side {
            for x in 0..side {
                let mut acc = 0.0;
                for sy in 0..4 {
                    for sx in 0..4 {
                        let fx = x as f32 + (sx as f32 + 0.5) / 4.0 - c;
                        let fy = y as f32 + (sy as f32 + 0.5) / 4.0 - c;
                        let mx = (fx * cos + fy * sin) / px + n / 2.0 - 4.0;
                        let my = (-fx * sin + fy * cos) / px + n / 2.0 - 4.0;
                        let dark = mx >= 0.0
                            && my >= 0.0
                            && (mx as usize) < w
                            && (my as usize) < w
                            && colors[(my as usize) * w + mx as usize] == qrcode::Color::Dark;
                        acc += if dark { 30.0 } else { 220.0 };
                    }
                }
                img.put_pixel(x, y, Luma([(acc / 16.0) as u8]));
            }
        }
        let img = if sigma > 0.0 {
            imageops::blur(&img, sigma)
        } else {
            img
        };
        let mut png = vec![];
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        png
    }

    #[test]
    fn blurred_rotated_photos_and_small_screenshots_are_read() {
        let text = crate::issue(
            &crate::Claims {
                issuer: "IR/THR-01".into(),
                subject: String::new(),
                id: vec![7; 8],
                kind: crate::Kind::RegistrationCard,
                purpose: "employer".into(),
                issued_at: 1_764_547_200,
                not_before: 1_764_547_200,
                expires: 1_795_996_800,
                fields: crate::select(
                    crate::Kind::RegistrationCard,
                    "employer",
                    &crate::sample_fields(),
                )
                .unwrap(),
            },
            &ed25519_dalek::SigningKey::from_bytes(&[1; 32]),
        )
        .unwrap();
        // The card page at 1× shows 3 pixels a module (`issue::qr_svg`); photos turned by 3°
        // and blurred, which `rqrr` alone does not read.
        for (px, degrees, sigma) in [(3.0, 0.0, 0.0), (6.0, 3.0, 1.5), (4.0, 3.0, 1.5)] {
            let read = read_qr(&photo(&text, px, degrees, sigma));
            assert_eq!(
                read.as_deref().ok(),
                Some(text.as_str()),
                "{px} px a module, {degrees}°, blur {sigma}"
            );
        }
    }
}
