//! Solar Hijri month names as people type them and as the pages show them (issue 21.7): the
//! Iranian names (فروردین … اسفند), the Dari ones (حمل … حوت), the Pashto ones (وری … کب) and
//! the English transliterations (Farvardin … Esfand). [`to_numeric`] turns a date written with
//! a month name — "۲۱ شهریور ۱۳۴۴", "21 سنبله 1344", "Shahrivar 21, 1344", "شهریور ۱۳۴۴" — into
//! the numeric form the date parsers read ("1344/6/21", "1344/6"). Matching ignores Arabic
//! letter variants (ي/ی, ك/ک), diacritics, the hamza above, ZWNJ and tatweel, and Latin case.

use crate::digits::fold_digits;

/// Month names, month 1 first, in every form accepted.
const MONTHS: [&[&str]; 12] = [
    &["فروردین", "حمل", "وری", "farvardin"],
    &["اردیبهشت", "ثور", "غویی", "ordibehesht"],
    &["خرداد", "جوزا", "جوزاء", "غبرگولی", "khordad"],
    &["تیر", "سرطان", "چنگاښ", "tir"],
    &["مرداد", "امرداد", "اسد", "زمری", "mordad", "amordad"],
    &["شهریور", "سنبله", "وږی", "shahrivar"],
    &["مهر", "میزان", "تله", "mehr"],
    &["آبان", "عقرب", "لړم", "aban"],
    &["آذر", "قوس", "لیندۍ", "لیندی", "azar"],
    &["دی", "جدی", "مرغومی", "dey", "dei"],
    &["بهمن", "دلو", "سلواغه", "bahman"],
    &["اسفند", "حوت", "کب", "esfand"],
];

/// A word folded for comparison: Arabic letter variants unified, marks dropped, Latin lowered.
fn fold(word: &str) -> String {
    word.chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' | '\u{200C}' | '\u{200D}'
            )
        })
        .map(|c| match c {
            'ي' | 'ى' => 'ی',
            'ك' => 'ک',
            'ۀ' | 'ة' => 'ه',
            'آ' | 'أ' | 'إ' => 'ا',
            _ => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The month (1–12) that `word` names, in any of the accepted forms.
pub fn month_number(word: &str) -> Option<u8> {
    let w = fold(word);
    if w.is_empty() {
        return None;
    }
    MONTHS
        .iter()
        .position(|names| names.iter().any(|n| fold(n) == w))
        .and_then(|i| u8::try_from(i + 1).ok())
}

/// A Solar Hijri date written with a month name, as the numeric text `Y/M/D` (or `Y/M` without
/// a day); `None` when `text` names no month or is not day–month–year, month–day–year or
/// month–year around one month name with a Solar Hijri year (1200–1599).
pub fn to_numeric(text: &str) -> Option<String> {
    if text.len() > 64 {
        return None;
    }
    let folded = fold_digits(text).replace([',', '،', '/', '-', '.'], " ");
    // Era markers ("AP", "ه‍.ش.", "هجری شمسی") say what the month name says already.
    let words: Vec<&str> = folded
        .split_whitespace()
        .filter(|w| !matches!(fold(w).as_str(), "ap" | "ه" | "ش" | "هش" | "هجری" | "شمسی"))
        .collect();
    let at = words.iter().position(|w| month_number(w).is_some())?;
    let month = month_number(words[at])?;
    let mut nums = vec![];
    for (i, w) in words.iter().enumerate() {
        if i == at {
            continue;
        }
        if w.is_empty() || w.len() > 4 || !w.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        nums.push((i, w.parse::<u32>().ok()?, w.len()));
    }
    let year_ok = |y: u32| (1200..=1599).contains(&y);
    match nums.as_slice() {
        // "شهریور ۱۳۴۴"
        [(1, y, 4)] if at == 0 && year_ok(*y) => Some(format!("{y}/{month}")),
        // "۲۱ شهریور ۱۳۴۴", "Shahrivar 21, 1344", "1344 شهریور 21"
        [(_, a, la), (_, b, lb)] => {
            let (y, d) = if *lb == 4 && *la <= 2 {
                (*b, *a)
            } else if *la == 4 && *lb <= 2 {
                (*a, *b)
            } else {
                return None;
            };
            year_ok(y).then(|| format!("{y}/{month}/{d}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jalali::JalaliDate;

    #[test]
    fn every_month_in_every_form() {
        for (i, names) in MONTHS.iter().enumerate() {
            for n in *names {
                assert_eq!(month_number(n), u8::try_from(i + 1).ok(), "{n}");
            }
        }
        assert_eq!(month_number("جدي"), Some(10));
        assert_eq!(month_number("سنبلهٔ"), Some(6));
        assert_eq!(month_number("SHAHRIVAR"), Some(6));
        assert_eq!(month_number("ابان"), Some(8));
        assert_eq!(month_number("تهران"), None);
        assert_eq!(month_number(""), None);
    }

    #[test]
    fn dates_with_month_names() {
        assert_eq!(to_numeric("۲۱ شهریور ۱۳۴۴").as_deref(), Some("1344/6/21"));
        assert_eq!(to_numeric("21 سنبله 1344").as_deref(), Some("1344/6/21"));
        assert_eq!(to_numeric(" ۲۱  وږی ۱۳۴۴ ").as_deref(), Some("1344/6/21"));
        assert_eq!(
            to_numeric("Shahrivar 21, 1344").as_deref(),
            Some("1344/6/21")
        );
        assert_eq!(
            to_numeric("Shahrivar 21, 1344 AP").as_deref(),
            Some("1344/6/21")
        );
        assert_eq!(
            to_numeric("۲۱ شهریور ۱۳۴۴ ه.ش.").as_deref(),
            Some("1344/6/21")
        );
        assert_eq!(to_numeric("١٣٤٤ حوت ٣").as_deref(), Some("1344/12/3"));
        assert_eq!(to_numeric("شهریور ۱۳۴۴").as_deref(), Some("1344/6"));
        // Not a Solar Hijri date with a month name.
        assert_eq!(to_numeric("1344/06/21"), None);
        assert_eq!(to_numeric("21 شهریور 1965"), None);
        assert_eq!(to_numeric("21 شهریور"), None);
        assert_eq!(to_numeric("21 22 شهریور 1344"), None);
        assert_eq!(to_numeric("21 تهران 1344"), None);
    }

    /// What the pages show, in every locale, reads back as the same date.
    #[test]
    fn every_shown_date_reads_back() {
        for locale in ["fa-IR", "fa-AF", "ps", "en"] {
            for month in 1..=12 {
                let d = JalaliDate::from_ymd(1344, month, 21).unwrap();
                let shown = d.format(locale);
                assert_eq!(
                    JalaliDate::parse(&shown).ok(),
                    Some(d),
                    "{locale}: {shown:?}"
                );
            }
        }
    }
}
