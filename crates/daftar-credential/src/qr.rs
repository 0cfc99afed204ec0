//! The QR code a credential is printed as: error correction Q, the smallest version the text
//! fits, built with the `qrcode` crate's encoder and canvas.
//!
//! The crate's own `QrCode` tries the eight masks and scores each with the ISO/IEC 18004 §7.8.3
//! penalty rules, which takes ~2–4 ms for a version-15 symbol (boxed closures per module). Here
//! the same rules are scored over a plain byte grid, so the symbol is module for module the one
//! `QrCode::with_error_correction_level(text, EcLevel::Q)` makes (tested), about ten times faster.

use crate::{FormatError, bad};
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::types::QrError;
use qrcode::{Color, EcLevel, Version};

/// Error correction level of printed credentials (recovers ~25 % of damaged codewords).
pub const QR_EC_LEVEL: EcLevel = EcLevel::Q;

/// The eight QR masks, in their pattern-number order (the first of equal scores wins, as in
/// the `qrcode` crate).
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// A QR code symbol (no quiet zone): `width × width` modules, row by row from the top left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    version: i16,
    width: usize,
    modules: Vec<Color>,
}

impl QrMatrix {
    /// The version, 1–40.
    pub fn version(&self) -> i16 {
        self.version
    }

    /// Modules per side (`4 × version + 17`).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module in column `x`, row `y` is dark (`false` outside the symbol).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.modules[y * self.width + x] == Color::Dark
    }

    /// The modules row by row, e.g. for `qrcode::render::Renderer::new(m.colors(), m.width(), 4)`.
    pub fn colors(&self) -> &[Color] {
        &self.modules
    }
}

fn qr_error(e: QrError) -> FormatError {
    match e {
        QrError::DataTooLong => bad("credential.too_long"),
        _ => bad("credential.qr.invalid"),
    }
}

/// The data bits of `text` at level Q in the smallest version that holds them (segments chosen
/// by the crate's optimiser: a credential text is all alphanumeric).
fn bits(text: &str) -> Result<qrcode::bits::Bits, FormatError> {
    qrcode::bits::encode_auto(text.as_bytes(), QR_EC_LEVEL).map_err(qr_error)
}

/// The version [`qr_matrix`] uses for `text`, without building the matrix.
pub(crate) fn version(text: &str) -> Option<i16> {
    match bits(text).ok()?.version() {
        Version::Normal(v) => Some(v),
        Version::Micro(_) => None,
    }
}

/// The QR code of `text` at error correction Q (`credential.too_long` when it does not fit a
/// version-40 symbol).
pub fn qr_matrix(text: &str) -> Result<QrMatrix, FormatError> {
    let bits = bits(text)?;
    let version = bits.version();
    let Version::Normal(number) = version else {
        return Err(bad("credential.qr.invalid"));
    };
    let (data, ec) = qrcode::ec::construct_codewords(&bits.into_bytes(), version, QR_EC_LEVEL)
        .map_err(qr_error)?;
    let mut canvas = Canvas::new(version, QR_EC_LEVEL);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let width = usize::try_from(version.width()).map_err(|_| bad("credential.qr.invalid"))?;
    let mut grid = Grid::new(width);
    let mut best: Option<(u32, Vec<Color>)> = None;
    for mask in MASKS {
        // `apply_mask` also draws the format information for this mask and level.
        let mut masked = canvas.clone();
        masked.apply_mask(mask);
        let colors = masked.into_colors();
        let score = grid.penalty(&colors);
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((score, colors));
        }
    }
    let (_, modules) = best.ok_or(bad("credential.qr.invalid"))?;
    Ok(QrMatrix {
        version: number,
        width,
        modules,
    })
}

/// Scratch space for scoring masks: the symbol row by row and column by column, one byte per
/// module (1 dark), so every rule reads memory in order.
struct Grid {
    width: usize,
    rows: Vec<u8>,
    columns: Vec<u8>,
}

impl Grid {
    fn new(width: usize) -> Self {
        Self {
            width,
            rows: vec![0; width * width],
            columns: vec![0; width * width],
        }
    }

    /// The mask penalty of ISO/IEC 18004 §7.8.3 exactly as the `qrcode` crate scores it (its
    /// `compute_total_penalty_scores`), less the constant 720 it subtracts for the finder
    /// patterns' own matches, which changes no comparison:
    /// - N1: each run of 5 + i same-colour modules in a row or column, 3 + i;
    /// - N2: each 2 × 2 block of one colour (overlapping), 3;
    /// - N3: each `1011101` in a row or column with no dark module in the 4 before it or in the
    ///   4 after it (outside the symbol counts as light), 40;
    /// - N4: |dark × 200 / all − 100| (the crate does not round to 5 %).
    fn penalty(&mut self, colors: &[Color]) -> u32 {
        let w = self.width;
        for (row, colors) in self.rows.chunks_exact_mut(w).zip(colors.chunks_exact(w)) {
            for (d, c) in row.iter_mut().zip(colors) {
                *d = u8::from(*c == Color::Dark);
            }
        }
        for (y, row) in self.rows.chunks_exact(w).enumerate() {
            for (x, &d) in row.iter().enumerate() {
                self.columns[x * w + y] = d;
            }
        }
        let mut score = 0;
        for line in self
            .rows
            .chunks_exact(w)
            .chain(self.columns.chunks_exact(w))
        {
            score += line_penalty(line);
        }
        let mut blocks = 0;
        for (top, bottom) in self
            .rows
            .chunks_exact(w)
            .zip(self.rows.chunks_exact(w).skip(1))
        {
            blocks += top
                .iter()
                .zip(&top[1..])
                .zip(bottom.iter().zip(&bottom[1..]))
                .map(|((a, b), (c, d))| u32::from((a == b) & (a == c) & (a == d)))
                .sum::<u32>();
        }
        score += 3 * blocks;
        let dark: usize = self.rows.iter().map(|&d| usize::from(d)).sum();
        let ratio = dark * 200 / (w * w);
        score + u32::try_from(ratio.abs_diff(100)).unwrap_or(u32::MAX)
    }
}

/// N1 and N3 of one row or column, in one pass without data-dependent branches for the runs:
/// a run of `5 + i` modules scores 3 at its fifth module and 1 at each after, `3 + i` in all.
fn line_penalty(line: &[u8]) -> u32 {
    let w = line.len();
    let mut score = 0;
    let mut run = 0u32;
    let mut previous = u8::MAX;
    let mut window = 0u8;
    for (k, &d) in line.iter().enumerate() {
        run = if d == previous { run + 1 } else { 1 };
        previous = d;
        score += 3 * u32::from(run == 5) + u32::from(run > 5);
        // The last seven modules, the oldest in the highest bit: `1011101` is the finder shape.
        window = ((window << 1) | d) & 0x7f;
        // (It takes seven modules to fill the window, so `k >= 6` here.)
        if window == 0b101_1101 {
            let start = k - 6;
            let before = line[start.saturating_sub(4)..start].contains(&1);
            let after = line[(k + 1).min(w)..(k + 5).min(w)].contains(&1);
            if !before || !after {
                score += 40;
            }
        }
    }
    score
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::{Claims, KINDS, PURPOSES, issue, profile, qr_version, select};
    use ed25519_dalek::SigningKey;

    /// Credentials of every profile (QR versions 12 to 17) and alphanumeric texts from a
    /// version-1 to a version-40 symbol.
    fn texts() -> Vec<String> {
        let all = crate::sample_fields();
        let key = SigningKey::from_bytes(&[5; 32]);
        let mut texts = vec![];
        for kind in KINDS {
            for purpose in PURPOSES {
                if profile(kind, purpose).is_none() {
                    continue;
                }
                let claims = Claims {
                    issuer: "IR/THR-01".into(),
                    subject: String::new(),
                    id: vec![1, 2, 3, 4, 5, 6, 7, 8],
                    kind,
                    purpose: purpose.into(),
                    issued_at: 1_764_547_200,
                    not_before: 1_764_547_200,
                    expires: 1_795_996_800,
                    fields: select(kind, purpose, &all).unwrap(),
                };
                texts.push(issue(&claims, &key).unwrap());
            }
        }
        let filler = "DF1:0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".repeat(60);
        for len in [4, 60, 700, 1_200, 2_200] {
            texts.push(filler[..len].to_owned());
        }
        texts
    }

    /// Reads the symbol back from an image of it (4 pixels a module, a 4-module quiet zone) with
    /// an independent decoder; returns the text, the version and the error correction level
    /// (format bits: 3 is Q).
    fn read_back(m: &QrMatrix) -> (String, usize, u16) {
        const PX: usize = 4;
        const QUIET: usize = 4;
        let side = (m.width() + 2 * QUIET) * PX;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            let (mx, my) = (x / PX, y / PX);
            let dark = mx >= QUIET && my >= QUIET && m.is_dark(mx - QUIET, my - QUIET);
            if dark { 0 } else { 255 }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code in the image");
        let (meta, text) = grids[0].decode().expect("the symbol decodes");
        (text, meta.version.0, meta.ecc_level)
    }

    #[test]
    fn the_matrix_reads_back_and_is_the_qrcode_crates_symbol() {
        let mut versions = vec![];
        for text in texts() {
            let m = qr_matrix(&text).unwrap();
            assert_eq!(Some(m.version()), qr_version(&text), "{text:.30}");
            assert_eq!(m.width(), usize::try_from(m.version()).unwrap() * 4 + 17);
            // Module for module what the crate makes when it scores the masks itself.
            let reference =
                qrcode::QrCode::with_error_correction_level(text.as_bytes(), EcLevel::Q).unwrap();
            assert_eq!(m.colors(), reference.to_colors(), "{text:.30}");
            let (read, version, level) = read_back(&m);
            assert_eq!(read, text);
            assert_eq!(version, usize::try_from(m.version()).unwrap());
            assert_eq!(level, 3, "error correction Q");
            versions.push(m.version());
        }
        versions.sort_unstable();
        versions.dedup();
        assert_eq!(versions, [1, 4, 11, 14, 15, 16, 21, 29, 40]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Any text (alphanumeric, as credentials are, or not): the crate's own symbol.
        #[test]
        fn any_text_gets_the_crates_symbol(
            text in proptest::prop_oneof!["[0-9A-Z $%*+./:-]{1,600}", ".{1,200}"],
        ) {
            let reference =
                qrcode::QrCode::with_error_correction_level(text.as_bytes(), EcLevel::Q).unwrap();
            let m = qr_matrix(&text).unwrap();
            proptest::prop_assert_eq!(m.colors(), reference.to_colors());
        }
    }

    #[test]
    fn too_long_a_text_has_no_matrix() {
        let text = "A".repeat(4_000);
        assert_eq!(qr_matrix(&text).unwrap_err().code, "credential.too_long");
        assert_eq!(qr_version(&text), None);
    }
}
