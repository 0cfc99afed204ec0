//! Matching keys for names. Originals are kept for display; these keys are only compared.
//!
//! - [`persian_key`]: one spelling per name in Persian script: Arabic letter forms unified
//!   (ي/ى/ئ→ی, ك→ک, ة→ه, أ/إ/آ→ا, ؤ→و), diacritics, tatweel, ZWNJ and spaces removed (so
//!   عبدالله = عبد الله = عبد‌الله), digits folded, and sound-alike letters folded
//!   (س/ص/ث, ز/ذ/ض/ظ, ت/ط, ح/ه, ق/غ).
//! - [`skeleton`]: a script-independent consonant skeleton, so that `محمد`, `Mohammad`,
//!   `Muhammad` and `MOHAMAD` meet: each letter maps to a sound class, vowels and the letters
//!   that are often vowels (ا و ی ع, a e i o u w y) are dropped, a final ه/h is dropped, runs
//!   collapse.
//! - [`split_honorifics`]: removes titles (حاجی، ملا، سید، Haji, Mullah, Sayed…) into a
//!   separate list.

/// Titles and honorifics that are not part of a name (compared after [`persian_key`] or
/// lower-casing).
const HONORIFICS: &[&str] = &[
    "حاجی",
    "حاج",
    "ملا",
    "سید",
    "سیده",
    "آقا",
    "اقا",
    "خانم",
    "میرزا",
    "کربلایی",
    "مشهدی",
    "شیخ",
    "استاد",
    "مولوی",
    "مولانا",
    "الحاج",
    "میر",
    "haji",
    "hajji",
    "haj",
    "hadji",
    "mulla",
    "mullah",
    "molla",
    "mola",
    "sayed",
    "sayyed",
    "sayyid",
    "syed",
    "seyed",
    "seyyed",
    "sayid",
    "agha",
    "aqa",
    "khanum",
    "khanom",
    "mirza",
    "sheikh",
    "shaikh",
    "ustad",
    "ostad",
    "mawlawi",
    "mawlavi",
    "mir",
    "mr",
    "mrs",
    "ms",
    "dr",
];

/// Whether `c` is a Latin letter.
fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic()
}

/// Whether the name is written (mostly) in Latin letters.
pub fn is_latin_name(s: &str) -> bool {
    let (mut latin, mut other) = (0, 0);
    for c in s.chars().filter(|c| c.is_alphabetic()) {
        if is_latin(c) { latin += 1 } else { other += 1 }
    }
    latin > other
}

/// Unifies letter forms and strips marks; keeps spaces (for tokenising).
fn unify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let m = match c {
            'ي' | 'ى' | 'ئ' | 'ې' | 'ۍ' => 'ی',
            'ك' | 'ګ' => 'ک',
            'ة' | 'ۀ' | 'ہ' => 'ه',
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ؤ' => 'و',
            '\u{200c}' | '\u{200d}' | '\u{200e}' | '\u{200f}' | '\u{0640}' => continue,
            '\u{064b}'..='\u{065f}' | '\u{0670}' | '\u{06d6}'..='\u{06ed}' => continue,
            'ء' | '\'' | '`' | '’' | '‘' => continue,
            '-' | '_' | '.' | ',' => ' ',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        out.push(m);
    }
    out
}

/// Splits a name into its words and its honorifics (both unified; honorifics lower-cased).
pub fn split_honorifics(s: &str) -> (Vec<String>, Vec<String>) {
    let unified = unify(s).to_lowercase();
    let mut words = vec![];
    let mut titles = vec![];
    for w in unified.split_whitespace() {
        if HONORIFICS.contains(&w) {
            titles.push(w.to_owned());
        } else {
            words.push(w.to_owned());
        }
    }
    if words.is_empty() {
        // A name that is only a title-like word (e.g. the given name "Agha") stays a name.
        return (titles, vec![]);
    }
    (words, titles)
}

/// Folds letters that sound alike in Persian (used by [`persian_key`]).
fn fold_sound(c: char) -> char {
    match c {
        'ص' | 'ث' => 'س',
        'ذ' | 'ض' | 'ظ' => 'ز',
        'ط' => 'ت',
        'ح' => 'ه',
        'غ' => 'ق',
        c => c,
    }
}

/// The Persian-script matching key: honorifics removed, letter forms unified, sound-alikes
/// folded, no spaces. Latin names are lower-cased with spaces and marks removed.
pub fn persian_key(s: &str) -> String {
    let (words, _) = split_honorifics(s);
    let mut out: Vec<char> = words.concat().chars().map(fold_sound).collect();
    // A doubled letter is a slip or a shadda written out (ججلال, الله/اله).
    out.dedup();
    out.into_iter().collect()
}

/// The dot-less shape (rasm) of a Persian key: letters that differ only by their dots fold
/// together (ب پ ت ث ن ی, ج چ ح خ, د ذ, ر ز ژ, س ش, ص ض, ط ظ, ع غ, ف ق, ک گ), which catches
/// the commonest handwriting and typing slips (نظری/تظری, بلخی/پلخی).
pub fn rasm(key: &str) -> String {
    key.chars()
        .map(|c| match c {
            'ب' | 'پ' | 'ت' | 'ث' | 'ن' | 'ی' => 'ب',
            'ج' | 'چ' | 'ح' | 'خ' => 'ح',
            'د' | 'ذ' => 'د',
            'ر' | 'ز' | 'ژ' => 'ر',
            'س' | 'ش' => 'س',
            'ص' | 'ض' => 'ص',
            'ط' | 'ظ' => 'ط',
            'ع' | 'غ' => 'ع',
            'ف' | 'ق' => 'ف',
            'ک' | 'گ' => 'ک',
            c => c,
        })
        .collect()
}

/// The sound class of one Persian letter in the skeleton (`None`: dropped).
fn persian_class(c: char) -> Option<char> {
    Some(match c {
        'ب' => 'b',
        'پ' => 'p',
        'ت' | 'ط' => 't',
        'ث' | 'س' | 'ص' => 's',
        'ج' => 'j',
        'چ' => 'c',
        'ح' | 'ه' => 'h',
        'خ' => 'x',
        'د' => 'd',
        'ذ' | 'ز' | 'ض' | 'ظ' | 'ژ' => 'z',
        'ر' => 'r',
        'ش' => 'S',
        'ع' | 'ا' | 'و' | 'ی' => return None,
        // ق is written q, k or gh in Latin (Qandahari, Kandahari), غ gh or q.
        'غ' | 'ق' | 'ک' => 'k',
        'ف' => 'f',
        'گ' => 'g',
        'ل' => 'l',
        'م' => 'm',
        'ن' => 'n',
        _ => return None,
    })
}

/// The skeleton of a Latin transliteration.
fn latin_skeleton(word: &str) -> Vec<char> {
    let w: Vec<char> = word
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    let mut out = vec![];
    let mut i = 0;
    while i < w.len() {
        let next = w.get(i + 1).copied();
        let (class, step) = match (w[i], next) {
            ('k', Some('h')) => (Some('x'), 2),
            ('g', Some('h')) => (Some('k'), 2),
            ('s', Some('h')) => (Some('S'), 2),
            ('c', Some('h')) => (Some('c'), 2),
            ('z', Some('h')) => (Some('z'), 2),
            ('t', Some('h')) => (Some('s'), 2),
            ('d', Some('h')) => (Some('z'), 2),
            ('p', Some('h')) => (Some('f'), 2),
            ('a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'w' | 'v', _) => (None, 1),
            ('c' | 'q', _) => (Some('k'), 1),
            ('x', _) => (Some('x'), 1),
            (c, _) => (Some(c), 1),
        };
        if let Some(c) = class {
            out.push(c);
        }
        i += step;
    }
    // A final "h" is a vowel sign (Fatemeh / Fatima).
    if w.last() == Some(&'h') && out.last() == Some(&'h') {
        out.pop();
    }
    out
}

/// The script-independent consonant skeleton of a name (honorifics removed).
pub fn skeleton(s: &str) -> String {
    let (words, _) = split_honorifics(s);
    let mut out: Vec<char> = vec![];
    for w in &words {
        let mut part: Vec<char> = if w.chars().any(is_latin) {
            latin_skeleton(w)
        } else {
            let chars: Vec<char> = w.chars().collect();
            let mut p: Vec<char> = chars.iter().filter_map(|c| persian_class(*c)).collect();
            if chars.last() == Some(&'ه') && p.last() == Some(&'h') {
                p.pop();
            }
            p
        };
        out.append(&mut part);
    }
    out.dedup();
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persian_forms_unify() {
        let same = [
            ("عبدالله", "عبد الله"),
            ("عبدالله", "عبد\u{200c}الله"),
            ("علي", "علی"),
            ("كريم", "کریم"),
            ("فاطمة", "فاطمه"),
            ("جـلال", "جلال"),
            ("مُحَمَّد", "محمد"),
            ("حاجی محمد", "محمد"),
            ("ملا جلال", "جلال"),
            ("  غلام علی ", "غلامعلی"),
            ("صالح", "سالح"),
            ("نظام الدین", "نزام الدین"),
            ("طاهر", "تاهر"),
            ("ججلال", "جلال"),
            ("قندهارری", "قندهاری"),
            ("ولی‌اله", "ولی الله"),
        ];
        for (a, b) in same {
            assert_eq!(persian_key(a), persian_key(b), "{a} ~ {b}");
        }
        assert_ne!(persian_key("علی"), persian_key("ولی"));
        assert_ne!(persian_key("مریم"), persian_key("زهرا"));
    }

    #[test]
    fn skeletons_meet_across_scripts() {
        let same = [
            ("محمد", "Mohammad"),
            ("محمد", "Muhammad"),
            ("محمد", "MOHAMAD"),
            ("محمد", "Mohammed"),
            ("فاطمه", "Fatima"),
            ("فاطمه", "Fatemeh"),
            ("احمد", "Ahmad"),
            ("جلال", "jalal"),
            ("خدیجه", "Khadija"),
            ("شبنم", "Shabnam"),
            ("قاسم", "Ghasem"),
            ("قاسم", "Qasim"),
            ("روح الله", "Ruhullah"),
            ("هاشمی", "Hashimi"),
            ("Haji Jalal", "جلال"),
            ("قندهاری", "Kandahari"),
            ("قندهاری", "Qandahari"),
            ("غلام", "Ghulam"),
            ("ولی‌الله", "Waliullah"),
            ("ولی اله", "Valiollah"),
            ("شیرین", "SHEEREEN"),
            ("ججلال", "Jalal"),
        ];
        for (a, b) in same {
            assert_eq!(skeleton(a), skeleton(b), "{a} ~ {b}");
        }
        assert_ne!(skeleton("Jalal"), skeleton("Kamal"));
        assert_ne!(skeleton("زهرا"), skeleton("مریم"));
    }

    #[test]
    fn honorifics_are_split_out() {
        let (w, t) = split_honorifics("Haji  Mohammad Karim");
        assert_eq!(w, vec!["mohammad", "karim"]);
        assert_eq!(t, vec!["haji"]);
        let (w, t) = split_honorifics("سید احمد");
        assert_eq!((w, t), (vec!["احمد".to_string()], vec!["سید".to_string()]));
        // A name that is only a title-like word stays a name.
        assert_eq!(split_honorifics("Agha").0, vec!["agha"]);
    }

    #[test]
    fn dot_slips_share_a_rasm() {
        assert_eq!(rasm(&persian_key("نظری")), rasm(&persian_key("تظری")));
        assert_eq!(rasm(&persian_key("بلخی")), rasm(&persian_key("پلخی")));
        assert_ne!(rasm(&persian_key("مریم")), rasm(&persian_key("مینا")));
    }

    #[test]
    fn scripts_are_detected() {
        assert!(is_latin_name("Mohammad"));
        assert!(!is_latin_name("محمد"));
    }
}
