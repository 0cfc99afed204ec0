//! The API's input contract in one place: the formats, patterns and limits that the server's
//! validation enforces *and* the OpenAPI document states (`daftar-web`'s `openapi.rs` writes
//! these into the schemas), so the document cannot promise what the server refuses.
//!
//! Patterns are written in the common subset of JSON Schema (ECMA-262) and Rust `regex` syntax
//! (no look-around, no back-references), anchored with `^…$`. Where the server also accepts
//! other spellings (Persian digits, `1403-5-2`), the pattern names the canonical form only: every
//! string it matches is accepted (a property test in this module checks that against the real
//! parsers), which is what a client needs from a schema.

use crate::{Error, Result};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

/// A ULID as the server writes it: 26 Crockford base-32 characters, upper case.
pub const ID: &str = "^[0-7][0-9A-HJKMNP-TV-Z]{25}$";

/// An office code such as `THR-01` (2–16 of `A-Z`, `0-9`, `-`; lower case is upper-cased).
pub const OFFICE_CODE: &str = "^[A-Z0-9-]{2,16}$";

/// A service, step or fee code such as `card_renewal`.
pub const SERVICE_CODE: &str = "^[a-z][a-z0-9_]{1,39}$";

/// A Solar Hijri month `1405/03` (years 1200–1599), or empty.
pub const SOLAR_MONTH_OPT: &str = "^(1[2-5][0-9]{2}/(0[1-9]|1[0-2]))?$";

/// [`SERVICE_CODE`] or empty.
pub const SERVICE_CODE_OPT: &str = "^([a-z][a-z0-9_]{1,39})?$";

/// A registry number: the office code, `-`, and the office's running number (`THR-01-000001`).
pub const REGISTRY_NO: &str = "^[A-Z0-9-]{2,16}-[0-9]{6,12}$";

// Building blocks of the date patterns (macros, so that `concat!` can join them).
macro_rules! jalali_md {
    () => {
        "(0[1-6]/(0[1-9]|[12][0-9]|3[01])|(0[7-9]|1[01])/(0[1-9]|[12][0-9]|30)|12/(0[1-9]|1[0-9]|2[0-9]))"
    };
}
macro_rules! iso_md {
    () => {
        "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))"
    };
}
macro_rules! any_day {
    () => {
        concat!(
            "1[2-5][0-9]{2}/",
            jalali_md!(),
            "|(1[7-9][0-9]{2}|2[01][0-9]{2})-",
            iso_md!()
        )
    };
}
/// Days, months and years up to 1399 / 2019: none of them can lie in the future.
macro_rules! past_day {
    () => {
        concat!(
            "1[23][0-9]{2}/",
            jalali_md!(),
            "|(1[7-9][0-9]{2}|20[01][0-9])-",
            iso_md!()
        )
    };
}
macro_rules! past_partial {
    () => {
        concat!(
            past_day!(),
            "|1[23][0-9]{2}/(0[1-9]|1[0-2])|(1[7-9][0-9]{2}|20[01][0-9])-(0[1-9]|1[0-2])",
            "|1[23][0-9]{2}|1[7-9][0-9]{2}|20[01][0-9]"
        )
    };
}

/// [`REGISTRY_NO`] or empty.
pub const REGISTRY_NO_OPT: &str = "^([A-Z0-9-]{2,16}-[0-9]{6,12})?$";

/// A full day, Solar Hijri `1403/05/12` (years 1200–1599) or ISO `2024-08-02` (years
/// 1700–2199). Only days that exist in every year of the calendar (no Esfand 30, no 29 February).
pub const DATE: &str = concat!("^(", any_day!(), ")$");
/// [`DATE`] or empty (an optional field).
pub const DATE_OPT: &str = concat!("^(", any_day!(), ")?$");
/// A day that cannot lie in the future: [`DATE`] with years up to 1399 / 2019 (later past days
/// are accepted too), or empty.
pub const PAST_DATE: &str = concat!("^(", past_day!(), ")?$");

/// A birth date as registries know it: a day, a month (`1370/05`, `1991-08`) or a year (`1370`,
/// `1991`). The pattern covers the years 1200–1399 (Solar Hijri) and 1700–2019 (Gregorian) so
/// that no date it allows can lie in the future; later past dates are accepted too.
pub const BIRTH_DATE: &str = concat!("^(", past_partial!(), ")$");
/// [`BIRTH_DATE`] or empty.
pub const BIRTH_DATE_OPT: &str = concat!("^(", past_partial!(), ")?$");

/// A name part: optional leading spaces, then a letter (Latin or Arabic script), then no
/// control or bidirectional control character (U+202A–U+202E, U+2066–U+2069). The server
/// accepts a letter of any script anywhere; this is the form the schema promises.
pub const NAME: &str = "^ *[A-Za-z\\u0621-\\u064a\\u067e\\u0686\\u0698\\u06a9\\u06af\\u06cc][^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$";
/// [`NAME`] or empty.
pub const NAME_OPT: &str = "^( *[A-Za-z\\u0621-\\u064a\\u067e\\u0686\\u0698\\u06a9\\u06af\\u06cc][^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*)?$";
/// A name in Latin letters: letters, spaces, `-`, `'`, `.`; up to 100.
pub const LATIN_NAME: &str = "^[A-Za-z .'-]{0,100}$";
/// Free text without control characters.
pub const TEXT: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";
/// Free text without control characters that is not only spaces.
pub const TEXT_REQUIRED: &str =
    "^ *[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$";
/// Free text with paragraphs: no control characters but line breaks and tabs.
pub const TEXT_LINES: &str = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";
/// [`TEXT_LINES`] that is not only spaces and line breaks.
pub const TEXT_LINES_REQUIRED: &str = "^[ \\t\\n\\r]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";
/// A nationality, ISO 3166 alpha-3.
pub const NATIONALITY: &str = "^[A-Z]{3}$";
/// A phone number, 7–15 digits with an optional `+` (spaces and dashes are accepted and
/// dropped), or empty.
pub const PHONE: &str = "^(\\+?[0-9]{7,15})?$";
/// A document number: 1–40 letters or digits (separators are accepted and dropped).
pub const DOCUMENT_NUMBER: &str = "^[A-Z0-9]{1,40}$";
/// A login name.
pub const USERNAME: &str = "^[a-z0-9._-]{3,64}$";
/// An amount in rials written as text: 1 to 999,999,999,999.
pub const AMOUNT: &str = "^[1-9][0-9]{0,11}$";
/// A share code's lifetime in days written as text: 1–90.
pub const SHARE_DAYS: &str = "^([1-9]|[1-8][0-9]|90)$";
/// A share code, `ABCDE-FGHJK` (Crockford base-32; case, spaces and the dash do not matter).
pub const SHARE_CODE: &str = "^[0-9A-HJKMNP-TV-Z]{5}-?[0-9A-HJKMNP-TV-Z]{5}$";
/// A password: 10–256 characters (the length is `minLength`/`maxLength`), not only digits.
pub const PASSWORD: &str = "^[0-9]*[^0-9][\\s\\S]*$";

/// A course or exam code of a staff member's training or exam record
/// ([`crate::accreditation::valid_course`]).
pub const COURSE: &str = "^[A-Za-z0-9._-]{2,20}$";

/// [`ID`] or empty.
pub const ID_OPT: &str = "^([0-7][0-9A-HJKMNP-TV-Z]{25})?$";

/// An appointment slot's start, `HH:MM`.
pub const SLOT: &str = "^([01][0-9]|2[0-3]):[0-5][0-9]$";

/// An exit permit's number: 1–40 of `A-Z`, `0-9`, `-`, `/` (lower case is upper-cased).
pub const PERMIT_NUMBER: &str = "^[A-Z0-9/-]{1,40}$";

/// A credential's id: 16 hexadecimal digits (any case).
pub const CREDENTIAL_ID: &str = "^[0-9a-fA-F]{16}$";

/// The text of a daftar credential QR.
pub const CREDENTIAL_TEXT: &str = "^DF1:";

/// An `Idempotency-Key`: 1–200 visible ASCII characters.
pub const IDEMPOTENCY_KEY: &str = "^[!-~]{1,200}$";

/// `If-Match` for records with a version number (cases, services): `"7"`, weak or bare too.
pub const IF_MATCH_VERSION: &str = "^(W/)?\"?[1-9][0-9]{0,17}\"?$";

/// `If-Match` for records tagged by a hash of what was shown (persons, households, offices).
pub const IF_MATCH_TAG: &str = "^(W/)?\"?[0-9a-fA-F]{16}\"?$";

/// A purpose stated for a record read past the bulk-read limit: empty, or at least 5 characters
/// other than spaces and no control character ([`crate::read_watch::stated_purpose`]).
pub const STATED_PURPOSE: &str =
    "^(|( *[^\\u0000-\\u0020\\u007f-\\u009f]){5}[^\\u0000-\\u001f\\u007f-\\u009f]*)$";

/// Largest `page` of any list.
pub const MAX_PAGE: u32 = 1_000_000;
/// Largest `per_page` of any list.
pub const MAX_PER_PAGE: u32 = crate::page::MAX_PAGE_SIZE;

/// Longest name part (given, family, father's, grandfather's), in characters.
pub const NAME_MAX: usize = 100;
/// Longest note or reason, in characters.
pub const NOTE_MAX: usize = 500;

/// Whether `s` matches `pattern` (one of the constants above). Compiled once per pattern.
pub fn matches(pattern: &'static str, s: &str) -> bool {
    static CACHE: LazyLock<Mutex<HashMap<&'static str, regex::Regex>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(re) = cache.get(pattern) {
        return re.is_match(s);
    }
    match regex::Regex::new(pattern) {
        Ok(re) => {
            let m = re.is_match(s);
            cache.insert(pattern, re);
            m
        }
        // The patterns are constants checked by the tests below; a bad one matches nothing.
        Err(_) => false,
    }
}

/// `page` and `per_page` of a list request, checked: `page.page.invalid` (1–[`MAX_PAGE`]) and
/// `page.per_page.invalid` (1–[`MAX_PER_PAGE`]), both 422 with the field.
pub fn check_page(page: u32, per_page: u32) -> Result<crate::page::PageRequest> {
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(Error::invalid("page.page.invalid").with_field("page"));
    }
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(Error::invalid("page.per_page.invalid").with_field("per_page"));
    }
    Ok(crate::page::PageRequest { page, per_page })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    const ALL: [&str; 35] = [
        ID,
        ID_OPT,
        OFFICE_CODE,
        SERVICE_CODE,
        REGISTRY_NO,
        REGISTRY_NO_OPT,
        DATE,
        DATE_OPT,
        PAST_DATE,
        BIRTH_DATE,
        BIRTH_DATE_OPT,
        NAME,
        NAME_OPT,
        LATIN_NAME,
        TEXT,
        TEXT_REQUIRED,
        TEXT_LINES,
        TEXT_LINES_REQUIRED,
        NATIONALITY,
        PHONE,
        DOCUMENT_NUMBER,
        USERNAME,
        AMOUNT,
        SHARE_DAYS,
        SHARE_CODE,
        SLOT,
        CREDENTIAL_ID,
        PERMIT_NUMBER,
        SERVICE_CODE_OPT,
        SOLAR_MONTH_OPT,
        CREDENTIAL_TEXT,
        IDEMPOTENCY_KEY,
        IF_MATCH_VERSION,
        IF_MATCH_TAG,
        PASSWORD,
    ];

    #[test]
    fn patterns_compile_and_are_anchored() {
        for p in ALL {
            regex::Regex::new(p).unwrap();
            assert!(p.starts_with('^'), "{p}");
        }
    }

    #[test]
    fn samples() {
        assert!(matches(ID, "01JD0000000000000000000000"));
        assert!(matches(CREDENTIAL_ID, "00112233445566aA"));
        assert!(!matches(CREDENTIAL_ID, "01JD0000000000000000000000"));
        assert!(!matches(ID, "0"));
        assert!(matches(DATE, "1403/12/29") && matches(DATE, "2024-02-28"));
        assert!(!matches(DATE, "1403/12/30") && !matches(DATE, "2024-02-30"));
        assert!(!matches(DATE, ""));
        assert!(matches(TEXT_LINES_REQUIRED, "بند ۱\nمتن") && matches(TEXT_LINES, ""));
        assert!(!matches(TEXT_LINES_REQUIRED, " \n ") && !matches(TEXT_LINES, "a\u{0}"));
        assert!(matches(BIRTH_DATE, "1370") && matches(BIRTH_DATE, "1991-08"));
        assert!(matches(REGISTRY_NO, "THR-01-000001"));
        assert!(check_page(1, 200).is_ok());
        assert_eq!(
            check_page(1, 201).unwrap_err().code,
            "page.per_page.invalid"
        );
        assert_eq!(check_page(0, 50).unwrap_err().code, "page.page.invalid");
    }

    /// Strings matching an anchored pattern (proptest's generator takes it without anchors).
    fn strings(p: &str) -> proptest::string::RegexGeneratorStrategy<String> {
        let inner = p.trim_start_matches('^').trim_end_matches('$');
        proptest::string::string_regex(inner).unwrap()
    }

    proptest! {
        // Every string the schema's pattern allows is accepted by the server's parser.
        #[test]
        fn date_pattern_is_accepted(s in strings(DATE)) {
            prop_assert!(crate::jalali::JalaliDate::parse(&s).is_ok(), "{}", s);
        }

        #[test]
        fn birth_date_pattern_is_accepted(s in strings(BIRTH_DATE)) {
            let today = crate::clock::Clock::default().today();
            prop_assert!(crate::birth::PartialDate::parse(&s, today, "birth_date").is_ok(), "{}", s);
        }

        #[test]
        fn id_pattern_is_accepted(s in strings(ID)) {
            prop_assert!(s.parse::<crate::ids::PersonId>().is_ok(), "{}", s);
        }

        #[test]
        fn code_patterns_are_accepted(
            o in strings(OFFICE_CODE),
            c in strings(SERVICE_CODE),
        ) {
            prop_assert!(crate::office::OfficeCode::parse(&o).is_ok(), "{}", o);
            prop_assert!(crate::service::ServiceCode::parse(&c).is_ok(), "{}", c);
        }
    }
}
