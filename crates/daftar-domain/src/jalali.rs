//! Solar Hijri (Jalali) dates on ICU4X's Persian calendar. Storage keeps ISO dates; this type
//! parses what people type (Jalali or Gregorian, Persian, Arabic-Indic or Latin digits) and
//! formats for display in fa-IR (Farvardin…), fa-AF (Dari: Hamal, Sawr…), ps and en.
//!
//! Parsing rule: `Y/M/D` with `/`, `-` or `.` separators, or a Solar Hijri day with its month's
//! name (`crate::month_names`). Years from 1700 are Gregorian (ISO),
//! years 1200–1599 are Solar Hijri; anything else is refused (`date.format.invalid`). A date
//! that does not exist in its calendar (1403/13/01, 1403/07/31, 1404/12/30) is `date.invalid`.

use crate::digits::{fold_digits, to_persian_digits};
use crate::{Error, Result};
use icu_calendar::cal::Persian;
use icu_calendar::{Date, Iso};
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_datetime::fieldsets::YMD;
use icu_datetime::pattern::{DateTimePattern, FixedCalendarDateTimeNames};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use writeable::TryWriteable;

/// A calendar date, held as ISO and shown as Solar Hijri.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JalaliDate {
    iso: time::Date,
    year: i32,
    month: u8,
    day: u8,
}

fn invalid() -> Error {
    Error::invalid("date.invalid")
}
fn bad_format() -> Error {
    Error::invalid("date.format.invalid")
}

fn persian_of(iso: time::Date) -> Option<Date<Persian>> {
    let d = Date::try_new_iso(iso.year(), u8::from(iso.month()), iso.day()).ok()?;
    Some(d.to_calendar(Persian))
}

impl JalaliDate {
    /// From Solar Hijri year, month and day; `date.invalid` if there is no such day.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Result<Self> {
        if !(1..=3000).contains(&year) {
            return Err(invalid());
        }
        let p = Date::try_new_persian(year, month, day).map_err(|_| invalid())?;
        let iso: Date<Iso> = p.to_calendar(Iso);
        let month_t = time::Month::try_from(iso.month().ordinal).map_err(|_| invalid())?;
        let t = time::Date::from_calendar_date(
            iso.year().extended_year(),
            month_t,
            iso.day_of_month().0,
        )
        .map_err(|_| invalid())?;
        let back = Self::from_iso(t);
        // ICU clamps nothing here, but check the round trip so an out-of-range day is refused.
        if (back.year, back.month, back.day) != (year, month, day) {
            return Err(invalid());
        }
        Ok(back)
    }

    /// From an ISO (Gregorian) date.
    pub fn from_iso(iso: time::Date) -> Self {
        match persian_of(iso) {
            Some(p) => Self {
                iso,
                year: p.year().extended_year(),
                month: p.month().ordinal,
                day: p.day_of_month().0,
            },
            None => Self {
                iso,
                year: 0,
                month: 1,
                day: 1,
            },
        }
    }

    /// Parses `1403/05/12`, `۱۴۰۳/۰۵/۱۲`, `١٤٠٣-٥-١٢`, `1403.5.12` (Solar Hijri) or
    /// `2024-08-02` (Gregorian, years ≥ 1700), or a Solar Hijri date with its month's name as
    /// the pages show it (`۲۱ شهریور ۱۳۴۴`, `21 سنبله 1344`, `Shahrivar 21, 1344`; see
    /// [`crate::month_names`]). Surrounding spaces are ignored.
    pub fn parse(s: &str) -> Result<Self> {
        let named = crate::month_names::to_numeric(s);
        let folded = fold_digits(named.as_deref().unwrap_or(s).trim());
        if folded.is_empty() || folded.len() > 32 {
            return Err(bad_format());
        }
        let parts: Vec<&str> = folded.split(['/', '-', '.']).collect();
        let [y, m, d] = parts.as_slice() else {
            return Err(bad_format());
        };
        let num = |p: &str, max_len: usize| -> Result<u32> {
            if p.is_empty() || p.len() > max_len || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad_format());
            }
            p.parse().map_err(|_| bad_format())
        };
        let (y, m, d) = (num(y, 4)?, num(m, 2)?, num(d, 2)?);
        let (m, d) = (
            u8::try_from(m).map_err(|_| invalid())?,
            u8::try_from(d).map_err(|_| invalid())?,
        );
        let y = i32::try_from(y).map_err(|_| bad_format())?;
        match y {
            1700..=9999 => {
                let month = time::Month::try_from(m).map_err(|_| invalid())?;
                let iso = time::Date::from_calendar_date(y, month, d).map_err(|_| invalid())?;
                Ok(Self::from_iso(iso))
            }
            1200..=1599 => Self::from_ymd(y, m, d),
            _ => Err(bad_format()),
        }
    }

    /// Whether Solar Hijri year `year` has 366 days (Esfand 30 exists).
    pub fn is_leap_year(year: i32) -> bool {
        Date::try_new_persian(year, 12, 30).is_ok()
    }

    /// The ISO date.
    pub fn iso(&self) -> time::Date {
        self.iso
    }
    /// The ISO date as `YYYY-MM-DD`.
    pub fn iso_string(&self) -> String {
        iso_day(self.iso)
    }
    /// Solar Hijri year.
    pub fn year(&self) -> i32 {
        self.year
    }
    /// Solar Hijri month, 1–12.
    pub fn month(&self) -> u8 {
        self.month
    }
    /// Day of the Solar Hijri month.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// `1403/05/12`, in Persian digits when asked.
    pub fn format_numeric(&self, persian_digits: bool) -> String {
        let s = self.to_string();
        if persian_digits {
            to_persian_digits(&s)
        } else {
            s
        }
    }

    /// The date with the month's name in `locale`: `fa-IR` "۱۲ مرداد ۱۴۰۳", `fa-AF` "۱۲ اسد ۱۴۰۳",
    /// `ps` "۱۲ زمری ۱۴۰۳", and `en` "12 Mordad 1403" (CLDR data through ICU4X). Other locales
    /// get fa-IR.
    ///
    /// CLDR has Pashto month names for the Persian calendar but no Pashto date pattern for it,
    /// so ICU4X falls back to the root pattern `G y MMMM d` and shows the Latin era marker
    /// ("AP ۱۴۰۳ کب ۳۰"). For `ps` the names are CLDR's and the pattern is the one Pashto uses
    /// for its Gregorian dates and the Persian locales use for this calendar: `d MMMM y`.
    pub fn format(&self, locale: &str) -> String {
        let tag: &'static str = match locale {
            "fa-AF" => "fa-AF",
            "ps" => "ps",
            "en" => "en",
            _ => "fa-IR",
        };
        let Ok(p) = Date::try_new_persian(self.year, self.month, self.day) else {
            return self.format_numeric(tag != "en");
        };
        let formatted = if tag == "ps" {
            with_pashto_names(|(names, pattern)| {
                names
                    .with_pattern_unchecked(pattern)
                    .format(&p)
                    .try_write_to_string()
                    .ok()
                    .map(|s| s.into_owned())
            })
            .flatten()
        } else {
            with_formatter(tag, |f| f.format(&p).to_string())
        };
        formatted.unwrap_or_else(|| self.format_numeric(tag != "en"))
    }
}

type Formatter = FixedCalendarDateTimeFormatter<Persian, YMD>;

/// Pashto month names for the Persian calendar with the day–month–year pattern.
type PashtoNames = (FixedCalendarDateTimeNames<Persian, YMD>, DateTimePattern);

thread_local! {
    static PASHTO: RefCell<Option<PashtoNames>> = const { RefCell::new(None) };
}

fn with_pashto_names<T>(f: impl FnOnce(&PashtoNames) -> T) -> Option<T> {
    PASHTO.with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        if slot.is_none() {
            let locale = icu_locale_core::Locale::try_from_str("ps").ok()?;
            let pattern: DateTimePattern = "d MMMM y".parse().ok()?;
            let mut names = FixedCalendarDateTimeNames::try_new(locale.into()).ok()?;
            names.include_for_pattern(&pattern).ok()?;
            *slot = Some((names, pattern));
        }
        slot.as_ref().map(f)
    })
}

thread_local! {
    /// One formatter per locale and thread, built on first use (construction loads CLDR data;
    /// ICU4X formatters are not `Send` without its `sync` feature).
    static FORMATTERS: RefCell<HashMap<&'static str, Formatter>> = RefCell::new(HashMap::new());
}

fn with_formatter<T>(tag: &'static str, f: impl FnOnce(&Formatter) -> T) -> Option<T> {
    FORMATTERS.with(|cell| {
        let mut map = cell.try_borrow_mut().ok()?;
        if !map.contains_key(tag) {
            let locale = icu_locale_core::Locale::try_from_str(tag).ok()?;
            map.insert(tag, Formatter::try_new(locale.into(), YMD::long()).ok()?);
        }
        map.get(tag).map(f)
    })
}

impl fmt::Display for JalaliDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}/{:02}/{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for JalaliDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JalaliDate({self} = {})", self.iso_string())
    }
}

impl serde::Serialize for JalaliDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.iso_string())
    }
}

impl<'de> serde::Deserialize<'de> for JalaliDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(|e| serde::de::Error::custom(e.code))
    }
}

/// A Gregorian day as ISO text, `YYYY-MM-DD`.
pub fn iso_day(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn known_conversions() {
        let cases = [
            ((1403, 1, 1), date!(2024 - 03 - 20)),
            ((1404, 1, 1), date!(2025 - 03 - 21)),
            ((1403, 12, 30), date!(2025 - 03 - 20)),
            ((1399, 12, 30), date!(2021 - 03 - 20)),
            ((1403, 5, 12), date!(2024 - 08 - 02)),
            ((1380, 1, 1), date!(2001 - 03 - 21)),
        ];
        for ((y, m, d), iso) in cases {
            let j = JalaliDate::from_ymd(y, m, d).unwrap();
            assert_eq!(j.iso(), iso, "{y}/{m}/{d}");
            assert_eq!(JalaliDate::from_iso(iso), j);
        }
    }

    #[test]
    fn leap_years_both_ways() {
        assert!(JalaliDate::is_leap_year(1403));
        assert!(JalaliDate::is_leap_year(1399));
        assert!(!JalaliDate::is_leap_year(1404));
        assert!(!JalaliDate::is_leap_year(1400));
        assert!(JalaliDate::parse("1403/12/30").is_ok());
        assert_eq!(
            JalaliDate::parse("1404/12/30").unwrap_err().code,
            "date.invalid"
        );
        assert_eq!(
            JalaliDate::parse("1400/12/30").unwrap_err().code,
            "date.invalid"
        );
    }

    #[test]
    fn accepted_forms() {
        let want = JalaliDate::from_ymd(1403, 5, 12).unwrap();
        for s in [
            "1403/05/12",
            "۱۴۰۳/۰۵/۱۲",
            "١٤٠٣/٠٥/١٢",
            "1403-5-12",
            "1403.5.12",
            " 1403/5/12 ",
            "2024-08-02",
        ] {
            assert_eq!(JalaliDate::parse(s).unwrap(), want, "{s}");
        }
    }

    #[test]
    fn refusals_have_codes() {
        for s in [
            "1403/13/01",
            "1403/07/31",
            "1403/00/10",
            "1403/01/00",
            "2024-02-30",
            "1403/06/32",
        ] {
            assert_eq!(
                JalaliDate::parse(s).unwrap_err().code,
                "date.invalid",
                "{s}"
            );
        }
        for s in [
            "",
            "abc",
            "1403/05",
            "1403/05/12/1",
            "99/1/1",
            "1650/1/1",
            "14033/1/1",
            "1403//12",
            "+1403/1/1",
        ] {
            assert_eq!(
                JalaliDate::parse(s).unwrap_err().code,
                "date.format.invalid",
                "{s}"
            );
        }
    }

    #[test]
    fn month_names_per_locale() {
        let d = JalaliDate::from_ymd(1403, 5, 12).unwrap();
        assert_eq!(d.format("fa-IR"), "۱۲ مرداد ۱۴۰۳");
        assert!(d.format("fa-AF").contains("اسد"), "{}", d.format("fa-AF"));
        assert!(d.format("en").contains("Mordad"), "{}", d.format("en"));
        assert!(d.format("en").contains("1403"));
        assert_eq!(d.format("ps"), "۱۲ زمری ۱۴۰۳");
        assert_eq!(d.format("xx"), d.format("fa-IR"));
        assert_eq!(d.format_numeric(true), "۱۴۰۳/۰۵/۱۲");
        assert_eq!(d.to_string(), "1403/05/12");
    }

    /// Issue 15, item 22: Pashto dates showed the root pattern with a Latin era ("AP ۱۴۰۳ کب ۳۰").
    #[test]
    fn pashto_dates_use_a_pashto_pattern() {
        let d = JalaliDate::from_ymd(1403, 12, 30).unwrap();
        assert_eq!(d.format("ps"), "۳۰ کب ۱۴۰۳");
        for month in 1..=12 {
            let s = JalaliDate::from_ymd(1404, month, 1).unwrap().format("ps");
            assert!(!s.chars().any(|c| c.is_ascii_alphabetic()), "{s}");
            assert!(s.starts_with("۱ ") && s.ends_with(" ۱۴۰۴"), "{s}");
        }
    }

    #[test]
    fn serde_is_iso() {
        let d = JalaliDate::from_ymd(1403, 5, 12).unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"2024-08-02\"");
        assert_eq!(
            serde_json::from_str::<JalaliDate>("\"1403/05/12\"").unwrap(),
            d
        );
    }

    proptest! {
        #[test]
        fn iso_round_trips(days in 0i32..73_000) {
            let iso = date!(1900 - 01 - 01) + time::Duration::days(i64::from(days));
            let j = JalaliDate::from_iso(iso);
            prop_assert_eq!(JalaliDate::from_ymd(j.year(), j.month(), j.day()).unwrap().iso(), iso);
            prop_assert_eq!(JalaliDate::parse(&j.format_numeric(true)).unwrap(), j);
            prop_assert_eq!(JalaliDate::parse(&j.format_numeric(false)).unwrap(), j);
            prop_assert_eq!(JalaliDate::parse(&j.iso_string()).unwrap(), j);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = JalaliDate::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_date_like_input(y in 0u32..20000, m in 0u32..200, d in 0u32..200, sep in "[/.-]") {
            let _ = JalaliDate::parse(&format!("{y}{sep}{m}{sep}{d}"));
        }
    }
}
