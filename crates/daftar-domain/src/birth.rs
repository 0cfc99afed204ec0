//! Dates as registries know them: a full day, a month, or only a year, in the Solar Hijri or the
//! Gregorian calendar. A [`PartialDate`] is stored as the ISO date of the first day of the
//! period *in the calendar it was given in* plus its precision, so `1370` (year only) is stored
//! as `1991-03-21`/`year` and shown again as `1370`, and `1990` as `1990-01-01`/`year`.
//!
//! Accepted input (Persian, Arabic-Indic or Latin digits; `/`, `-`, `.` or space between parts):
//! `1370`, `1370/05`, `1370/05/12`, `1991`, `1991-08`, `1991-08-03`, and `12/05/1370` (day first);
//! and a Solar Hijri month by its name, as the pages show dates: `۲۱ شهریور ۱۳۴۴`,
//! `21 سنبله 1344`, `شهریور ۱۳۴۴` (`crate::month_names`).
//! Years 1200–1599 are Solar Hijri, 1700–2199 Gregorian. Errors: `{field}.invalid` for anything
//! else, `{field}.future` for a date after today.

use crate::digits::fold_digits;
use crate::jalali::JalaliDate;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// How much of a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    /// The day is known.
    Day,
    /// Only year and month.
    Month,
    /// Only the year.
    Year,
}

impl DatePrecision {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            DatePrecision::Day => "day",
            DatePrecision::Month => "month",
            DatePrecision::Year => "year",
        }
    }
    /// Parses a stored code.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "day" => Ok(DatePrecision::Day),
            "month" => Ok(DatePrecision::Month),
            "year" => Ok(DatePrecision::Year),
            _ => Err(Error::invalid("date.precision.invalid")),
        }
    }
}

/// Which calendar a date was given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calendar {
    /// Solar Hijri.
    Jalali,
    /// Gregorian (ISO).
    Gregorian,
}

/// A date with its precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    /// First day of the known period (in the calendar it was given in).
    pub start: time::Date,
    /// How much is known.
    pub precision: DatePrecision,
}

fn ymd(y: i32, m: u8, d: u8, cal: Calendar) -> Option<time::Date> {
    match cal {
        Calendar::Jalali => JalaliDate::from_ymd(y, m, d).ok().map(|j| j.iso()),
        Calendar::Gregorian => {
            time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
        }
    }
}

impl PartialDate {
    /// Parses what a clerk or a file gives (see the module doc). `field` names the error code:
    /// `person.birth_date` gives `person.birth_date.invalid` / `person.birth_date.future`.
    pub fn parse(s: &str, today: time::Date, field: &'static str) -> Result<Self> {
        let (invalid, future) = codes(field);
        let bad = || Error::invalid(invalid).with_field(field_name(field));
        let named = crate::month_names::to_numeric(s);
        let folded = fold_digits(named.as_deref().unwrap_or(s).trim());
        if folded.is_empty() || folded.len() > 24 {
            return Err(bad());
        }
        let spaced = folded.split_whitespace().collect::<Vec<_>>().join(" ");
        let parts: Vec<&str> = spaced.split(['/', '-', '.', ' ']).collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(bad());
        }
        let mut nums = Vec::with_capacity(3);
        for p in &parts {
            if p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            nums.push(p.parse::<i32>().map_err(|_| bad())?);
        }
        let (y, m, d) = match nums.as_slice() {
            [y] => (*y, None, None),
            [y, m] if parts[0].len() == 4 => (*y, Some(*m), None),
            [d, m, y] if parts[2].len() == 4 && parts[0].len() <= 2 => (*y, Some(*m), Some(*d)),
            [y, m, d] if parts[0].len() == 4 => (*y, Some(*m), Some(*d)),
            _ => return Err(bad()),
        };
        let cal = match y {
            1200..=1599 => Calendar::Jalali,
            1700..=2199 => Calendar::Gregorian,
            _ => return Err(bad()),
        };
        let small = |v: i32| u8::try_from(v).map_err(|_| bad());
        let (start, precision) = match (m, d) {
            (None, _) => (ymd(y, 1, 1, cal), DatePrecision::Year),
            (Some(m), None) => (ymd(y, small(m)?, 1, cal), DatePrecision::Month),
            (Some(m), Some(d)) => (ymd(y, small(m)?, small(d)?, cal), DatePrecision::Day),
        };
        let start = start.ok_or_else(bad)?;
        if start > today {
            return Err(Error::invalid(future).with_field(field_name(field)));
        }
        Ok(Self { start, precision })
    }

    /// Rebuilds a stored date (ISO `YYYY-MM-DD` and a precision code).
    pub fn from_stored(iso: &str, precision: &str) -> Result<Self> {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let start = time::Date::parse(iso, fmt).map_err(|_| Error::invalid("date.invalid"))?;
        Ok(Self {
            start,
            precision: DatePrecision::parse(precision)?,
        })
    }

    /// The calendar the date was given in: a month or year starting on 1 Farvardin / the 1st of a
    /// Solar Hijri month is Jalali; otherwise Gregorian. Full days are shown in Jalali.
    pub fn calendar(&self) -> Calendar {
        let j = JalaliDate::from_iso(self.start);
        match self.precision {
            DatePrecision::Day => Calendar::Jalali,
            DatePrecision::Month if j.day() == 1 => Calendar::Jalali,
            DatePrecision::Year if j.day() == 1 && j.month() == 1 => Calendar::Jalali,
            _ => Calendar::Gregorian,
        }
    }

    /// Whether `typed` (what someone entered) agrees with this stored date as far as it is
    /// known: the same day for a full date; the same month or year, in the calendar this date
    /// was given in, for a partial one. A partial `typed` must be exactly this partial date.
    pub fn covers(&self, typed: &PartialDate) -> bool {
        if typed.precision != DatePrecision::Day {
            return typed.precision == self.precision && typed.start == self.start;
        }
        let (a, b) = (self.start, typed.start);
        match (self.precision, self.calendar()) {
            (DatePrecision::Day, _) => a == b,
            (DatePrecision::Month, Calendar::Gregorian) => {
                (a.year(), a.month()) == (b.year(), b.month())
            }
            (DatePrecision::Year, Calendar::Gregorian) => a.year() == b.year(),
            (precision, Calendar::Jalali) => {
                let (ja, jb) = (JalaliDate::from_iso(a), JalaliDate::from_iso(b));
                ja.year() == jb.year()
                    && (precision == DatePrecision::Year || ja.month() == jb.month())
            }
        }
    }

    /// The date as a credential claims it (`docs/credential-format.md` §3, `birth_date`), with
    /// exactly the precision known: a full day as ISO `YYYY-MM-DD`; a Gregorian month or year
    /// as ISO `YYYY-MM` / `YYYY`; a Solar Hijri month or year, which no Gregorian month or year
    /// covers, as the ISO 8601 interval of its first and last day, `1990-03-21/1991-03-20`.
    pub fn claim(&self) -> String {
        let j = JalaliDate::from_iso(self.start);
        let next = match (self.precision, self.calendar()) {
            (DatePrecision::Day, _) => return self.iso(),
            (DatePrecision::Year, Calendar::Gregorian) => {
                return format!("{:04}", self.start.year());
            }
            (DatePrecision::Month, Calendar::Gregorian) => {
                return format!(
                    "{:04}-{:02}",
                    self.start.year(),
                    u8::from(self.start.month())
                );
            }
            (DatePrecision::Year, Calendar::Jalali) => JalaliDate::from_ymd(j.year() + 1, 1, 1),
            (DatePrecision::Month, Calendar::Jalali) if j.month() == 12 => {
                JalaliDate::from_ymd(j.year() + 1, 1, 1)
            }
            (DatePrecision::Month, Calendar::Jalali) => {
                JalaliDate::from_ymd(j.year(), j.month() + 1, 1)
            }
        };
        match next.ok().and_then(|n| n.iso().previous_day()) {
            Some(last) => format!("{}/{}", self.iso(), crate::jalali::iso_day(last)),
            None => self.iso(),
        }
    }

    /// ISO `YYYY-MM-DD` of the first day.
    pub fn iso(&self) -> String {
        crate::jalali::iso_day(self.start)
    }

    /// The date as the duplicate matcher reads it: a full ISO day, or only the year (in its own
    /// calendar) when the day is not known.
    pub fn matcher_text(&self) -> String {
        match (self.precision, self.calendar()) {
            (DatePrecision::Day, _) => self.iso(),
            (_, Calendar::Jalali) => JalaliDate::from_iso(self.start).year().to_string(),
            (_, Calendar::Gregorian) => self.start.year().to_string(),
        }
    }

    /// Numeric text in the calendar it was given in (`1370`, `1370/05`, `1991-08`); full days
    /// are not handled here (callers format them with month names).
    pub fn numeric(&self) -> String {
        let j = JalaliDate::from_iso(self.start);
        match (self.precision, self.calendar()) {
            (DatePrecision::Year, Calendar::Jalali) => format!("{}", j.year()),
            (DatePrecision::Month, Calendar::Jalali) => format!("{}/{:02}", j.year(), j.month()),
            (DatePrecision::Year, Calendar::Gregorian) => format!("{}", self.start.year()),
            (DatePrecision::Month, Calendar::Gregorian) => {
                format!("{}-{:02}", self.start.year(), u8::from(self.start.month()))
            }
            (DatePrecision::Day, _) => j.to_string(),
        }
    }
}

fn codes(field: &'static str) -> (&'static str, &'static str) {
    match field {
        "person.birth_date" => ("person.birth_date.invalid", "person.birth_date.future"),
        "share.birth_date" => ("share.birth_date.invalid", "share.birth_date.invalid"),
        "document.valid_from" => ("document.valid_from.invalid", "document.valid_from.future"),
        "document.valid_until" => ("document.valid_until.invalid", "date.invalid"),
        _ => ("date.invalid", "date.invalid"),
    }
}

fn field_name(field: &'static str) -> &'static str {
    field.rsplit('.').next().unwrap_or(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> time::Date {
        time::macros::date!(2026 - 11 - 24)
    }
    fn p(s: &str) -> Result<PartialDate> {
        PartialDate::parse(s, today(), "person.birth_date")
    }

    /// Issue 21.7: the registration form takes a date typed as the pages show it.
    #[test]
    fn a_birth_date_with_a_month_name() {
        let day = p("1344/06/21").unwrap();
        for typed in [
            "۲۱ شهریور ۱۳۴۴",
            "21 سنبله 1344",
            "۲۱ وږی ۱۳۴۴",
            "Shahrivar 21, 1344",
        ] {
            assert_eq!(p(typed).unwrap(), day, "{typed}");
        }
        let month = p("شهریور ۱۳۴۴").unwrap();
        assert_eq!(month.precision, DatePrecision::Month);
        assert_eq!(month, p("1344/06").unwrap());
        assert_eq!(
            p("۳۱ اسفند ۱۴۰۳").unwrap_err().code,
            "person.birth_date.invalid"
        );
        assert_eq!(
            p("۱ فروردین ۱۴۹۰").unwrap_err().code,
            "person.birth_date.future"
        );
        assert_eq!(
            p("۲۱ تهران ۱۳۴۴").unwrap_err().code,
            "person.birth_date.invalid"
        );
    }

    #[test]
    fn credentials_claim_a_birth_date_with_the_precision_known() {
        let claim = |s: &str| p(s).unwrap().claim();
        assert_eq!(claim("1370/05/12"), "1991-08-03");
        assert_eq!(claim("1991-08-03"), "1991-08-03");
        assert_eq!(claim("1991"), "1991");
        assert_eq!(claim("1991-08"), "1991-08");
        // A Solar Hijri year or month: the interval of the period, first and last day.
        assert_eq!(claim("1369"), "1990-03-21/1991-03-20");
        assert_eq!(claim("1370/05"), "1991-07-23/1991-08-22");
        assert_eq!(claim("1370/12"), "1992-02-20/1992-03-20");
    }

    #[test]
    fn a_typed_birth_date_is_checked_as_far_as_the_stored_one_is_known() {
        let ok = |stored: &str, typed: &str| p(stored).unwrap().covers(&p(typed).unwrap());
        // Full day: the same day in either calendar.
        assert!(ok("1370/05/12", "1991-08-03"));
        assert!(ok("1991-08-03", "۱۳۷۰/۰۵/۱۲"));
        assert!(!ok("1370/05/12", "1370/05/13"));
        // Jalali year or month: any day of it, not the next.
        assert!(ok("1370", "1370/12/29"));
        assert!(!ok("1370", "1371/01/01"));
        assert!(ok("1370/05", "1370/05/31"));
        assert!(!ok("1370/05", "1370/06/01"));
        // Gregorian year: any day of that year.
        assert!(ok("1991", "1991-12-31"));
        assert!(!ok("1991", "1992-01-01"));
        // A partial entry must be the stored partial date itself.
        assert!(ok("1370", "1370"));
        assert!(!ok("1370/05/12", "1370"));
    }

    #[test]
    fn accepted_forms_keep_their_precision_and_calendar() {
        let cases = [
            ("1370", "1991-03-21", DatePrecision::Year, "1370", "1370"),
            ("۱۳۷۰", "1991-03-21", DatePrecision::Year, "1370", "1370"),
            (
                "1370/05",
                "1991-07-23",
                DatePrecision::Month,
                "1370",
                "1370/05",
            ),
            (
                "1370/05/12",
                "1991-08-03",
                DatePrecision::Day,
                "1991-08-03",
                "1370/05/12",
            ),
            (
                "۱۳۷۰-۰۵-۱۲",
                "1991-08-03",
                DatePrecision::Day,
                "1991-08-03",
                "1370/05/12",
            ),
            (
                "12/05/1370",
                "1991-08-03",
                DatePrecision::Day,
                "1991-08-03",
                "1370/05/12",
            ),
            ("1990", "1990-01-01", DatePrecision::Year, "1990", "1990"),
            (
                "1990-08",
                "1990-08-01",
                DatePrecision::Month,
                "1990",
                "1990-08",
            ),
            (
                "1991-08-03",
                "1991-08-03",
                DatePrecision::Day,
                "1991-08-03",
                "1370/05/12",
            ),
            (
                " 1991 08 03 ",
                "1991-08-03",
                DatePrecision::Day,
                "1991-08-03",
                "1370/05/12",
            ),
        ];
        for (input, iso, precision, matcher, numeric) in cases {
            let d = p(input).unwrap_or_else(|e| panic!("{input}: {e:?}"));
            assert_eq!(d.iso(), iso, "{input}");
            assert_eq!(d.precision, precision, "{input}");
            assert_eq!(d.matcher_text(), matcher, "{input}");
            assert_eq!(d.numeric(), numeric, "{input}");
            let back = PartialDate::from_stored(&d.iso(), d.precision.code()).unwrap();
            assert_eq!(back, d, "{input} round trip");
        }
    }

    #[test]
    fn refused_forms_name_the_field() {
        for bad in [
            "",
            "abc",
            "13",
            "1370/13",
            "1370/12/31",
            "1403/07/31",
            "2023-02-29",
            "900",
            "3000",
            "1370//",
            "1370/05/12/1",
            "12345",
            "۱۳۷۰/۵/۳۲",
        ] {
            let e = p(bad).expect_err(bad);
            assert_eq!(e.code, "person.birth_date.invalid", "{bad}");
        }
        let e = p("1406").expect_err("future year");
        assert_eq!(e.code, "person.birth_date.future");
        let e = p("2027-01-01").expect_err("future day");
        assert_eq!(e.code, "person.birth_date.future");
    }
}
