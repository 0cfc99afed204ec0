//! Digits: Persian (۰–۹) and Arabic-Indic (٠–٩) digits folded to ASCII for parsing and matching,
//! ASCII turned into Persian digits for display, and integers with locale thousands separators.

/// Replaces Persian and Arabic-Indic digits with ASCII digits; everything else is kept.
pub fn fold_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '۰'..='۹' => char::from(b'0' + (c as u32 - '۰' as u32) as u8),
            '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
            _ => c,
        })
        .collect()
}

/// Replaces ASCII digits with Persian digits; everything else is kept.
pub fn to_persian_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32('۰' as u32 + (c as u32 - '0' as u32)).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// An integer with thousands separators: `١٢٬٣٤٥`-style `۱۲٬۳۴۵` in Persian digits with the
/// Arabic thousands separator, or `12,345` in Latin digits.
pub fn format_int(n: i64, persian: bool) -> String {
    let digits = n.unsigned_abs().to_string();
    let sep = if persian { '٬' } else { ',' };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    let s = if n < 0 { format!("-{out}") } else { out };
    if persian { to_persian_digits(&s) } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_back() {
        assert_eq!(fold_digits("۱۴۰۳/۰۵/۱۲"), "1403/05/12");
        assert_eq!(fold_digits("١٤٠٣-٥-١٢"), "1403-5-12");
        assert_eq!(fold_digits("abc ۹x٩"), "abc 9x9");
        assert_eq!(to_persian_digits("1403/05/12"), "۱۴۰۳/۰۵/۱۲");
        assert_eq!(fold_digits(&to_persian_digits("0123456789")), "0123456789");
    }

    #[test]
    fn integers() {
        assert_eq!(format_int(0, false), "0");
        assert_eq!(format_int(999, false), "999");
        assert_eq!(format_int(1234567, false), "1,234,567");
        assert_eq!(format_int(-1234, false), "-1,234");
        assert_eq!(format_int(12345, true), "۱۲٬۳۴۵");
    }
}
