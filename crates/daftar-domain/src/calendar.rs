//! The working-day calendar of a country profile: weekend days and official holidays (data, per
//! Solar Hijri year), used to count SLA days. Everything is precomputed for the covered years
//! into a table of cumulative working days, so a due date costs two array lookups and a short
//! scan, with no allocation. Dates outside the covered years are refused
//! (`calendar.date.out_of_range`) rather than guessed.
//!
//! Due-date rule: the SLA due date of `n` working days from `start` is the n-th working day
//! after `start`; `start` itself never counts.

use crate::jalali::JalaliDate;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use time::{Date, Weekday};

/// Solar or lunar holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// Fixed in the Solar Hijri calendar (Nowruz, 22 Bahman...).
    Fixed,
    /// Fixed in the lunar Hijri calendar; moves about 11 days a year.
    Lunar,
}

/// An official holiday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Holiday {
    /// The day.
    #[schema(value_type = String)]
    pub date: JalaliDate,
    /// Persian name.
    pub name_fa: String,
    /// English name.
    pub name_en: String,
    /// Solar or lunar.
    pub kind: HolidayKind,
}

/// Weekend days and holidays over a range of Solar Hijri years.
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    country: String,
    weekend: Vec<Weekday>,
    years: (i32, i32),
    first: Date,
    last: Date,
    holidays: Vec<Holiday>,
    /// `cum[i]`: working days in `first ..= first + i`.
    cum: Vec<u32>,
    /// `nth[k]`: day index of the (k+1)-th working day.
    nth: Vec<u32>,
}

fn data_error(at: &str, why: &str) -> Error {
    Error::invalid("calendar.data.invalid")
        .with_detail("at", serde_json::json!(at))
        .with_detail("reason", serde_json::json!(why))
}

/// Parses a weekday name (`friday`) (`calendar.weekday.invalid`).
pub fn parse_weekday(s: &str) -> Result<Weekday> {
    Ok(match s.trim().to_ascii_lowercase().as_str() {
        "monday" => Weekday::Monday,
        "tuesday" => Weekday::Tuesday,
        "wednesday" => Weekday::Wednesday,
        "thursday" => Weekday::Thursday,
        "friday" => Weekday::Friday,
        "saturday" => Weekday::Saturday,
        "sunday" => Weekday::Sunday,
        _ => {
            return Err(Error::invalid("calendar.weekday.invalid")
                .with_detail("value", serde_json::json!(s)));
        }
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    country: String,
    weekend: Vec<String>,
    years: [i32; 2],
    #[serde(default, rename = "holiday")]
    holidays: Vec<FileHoliday>,
    #[serde(default)]
    appointments: crate::appointment::AppointmentRules,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileHoliday {
    date: String,
    name: FileNames,
    kind: HolidayKind,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileNames {
    fa: String,
    en: String,
}

/// The profile file's weekend, years and holidays (the store keeps the holidays afterwards).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarProfile {
    /// Country code.
    pub country: String,
    /// Weekend days.
    pub weekend: Vec<Weekday>,
    /// Covered Solar Hijri years (inclusive).
    pub years: (i32, i32),
    /// Holidays.
    pub holidays: Vec<Holiday>,
    /// Office hours for appointments.
    pub appointments: crate::appointment::AppointmentRules,
}

impl CalendarProfile {
    /// Parses a calendar data file (`calendar.data.invalid`).
    pub fn from_toml(text: &str) -> Result<Self> {
        let f: File = toml::from_str(text).map_err(|e| data_error("file", e.message()))?;
        let weekend = f
            .weekend
            .iter()
            .map(|w| parse_weekday(w))
            .collect::<Result<Vec<_>>>()
            .map_err(|_| data_error("weekend", "unknown weekday"))?;
        let holidays = f
            .holidays
            .into_iter()
            .map(|h| {
                let date =
                    JalaliDate::parse(&h.date).map_err(|_| data_error(&h.date, "not a date"))?;
                Ok(Holiday {
                    date,
                    name_fa: h.name.fa,
                    name_en: h.name.en,
                    kind: h.kind,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        f.appointments.validate()?;
        let p = Self {
            country: f.country,
            weekend,
            years: (f.years[0], f.years[1]),
            holidays,
            appointments: f.appointments,
        };
        p.calendar()?;
        Ok(p)
    }

    /// The calendar of this profile with `holidays` (as stored) instead of the file's.
    pub fn with_holidays(&self, holidays: Vec<Holiday>) -> Result<WorkCalendar> {
        WorkCalendar::new(&self.country, &self.weekend, self.years, holidays)
    }

    /// The calendar of the file as it is.
    pub fn calendar(&self) -> Result<WorkCalendar> {
        self.with_holidays(self.holidays.clone())
    }
}

impl WorkCalendar {
    /// Builds the calendar; holidays must lie within `years` and not repeat a date
    /// (`calendar.data.invalid`).
    pub fn new(
        country: &str,
        weekend: &[Weekday],
        years: (i32, i32),
        mut holidays: Vec<Holiday>,
    ) -> Result<Self> {
        if years.0 > years.1 || years.1 - years.0 > 20 {
            return Err(data_error(
                "years",
                "first year after last, or more than 20 years",
            ));
        }
        if weekend.len() > 3 {
            return Err(data_error("weekend", "more than three weekend days"));
        }
        let first = JalaliDate::from_ymd(years.0, 1, 1)
            .map_err(|_| data_error("years", "first year out of range"))?
            .iso();
        let next = JalaliDate::from_ymd(years.1 + 1, 1, 1)
            .map_err(|_| data_error("years", "last year out of range"))?
            .iso();
        let last = next
            .previous_day()
            .ok_or_else(|| data_error("years", "range"))?;
        holidays.sort_by_key(|h| h.date);
        for w in holidays.windows(2) {
            if w[0].date == w[1].date {
                return Err(data_error(&w[0].date.to_string(), "holiday listed twice"));
            }
        }
        for h in &holidays {
            if h.date.iso() < first || h.date.iso() > last {
                return Err(data_error(
                    &h.date.to_string(),
                    "holiday outside the covered years",
                ));
            }
            if h.name_fa.trim().is_empty() || h.name_en.trim().is_empty() {
                return Err(data_error(&h.date.to_string(), "holiday without a name"));
            }
        }
        let days = usize::try_from((last - first).whole_days() + 1).unwrap_or(0);
        let mut cum = Vec::with_capacity(days);
        let mut nth = Vec::with_capacity(days);
        let mut hi = holidays.iter().peekable();
        let (mut d, mut count) = (first, 0u32);
        for i in 0..days {
            let holiday = hi.peek().is_some_and(|h| h.date.iso() == d);
            if holiday {
                hi.next();
            }
            if !holiday && !weekend.contains(&d.weekday()) {
                count += 1;
                nth.push(u32::try_from(i).unwrap_or(u32::MAX));
            }
            cum.push(count);
            d = d.next_day().unwrap_or(d);
        }
        Ok(Self {
            country: country.to_owned(),
            weekend: weekend.to_vec(),
            years,
            first,
            last,
            holidays,
            cum,
            nth,
        })
    }

    /// Country code.
    pub fn country(&self) -> &str {
        &self.country
    }
    /// Weekend days.
    pub fn weekend(&self) -> &[Weekday] {
        &self.weekend
    }
    /// Holidays by date.
    pub fn holidays(&self) -> &[Holiday] {
        &self.holidays
    }
    /// Covered Solar Hijri years (inclusive).
    pub fn years(&self) -> (i32, i32) {
        self.years
    }
    /// First and last covered day.
    pub fn covers(&self) -> (Date, Date) {
        (self.first, self.last)
    }

    fn index(&self, d: Date) -> Result<usize> {
        if d < self.first || d > self.last {
            return Err(self.out_of_range(d));
        }
        usize::try_from((d - self.first).whole_days()).map_err(|_| self.out_of_range(d))
    }

    fn out_of_range(&self, d: Date) -> Error {
        Error::conflict("calendar.date.out_of_range")
            .with_detail(
                "date",
                serde_json::json!(JalaliDate::from_iso(d).iso_string()),
            )
            .with_detail(
                "first",
                serde_json::json!(JalaliDate::from_iso(self.first).iso_string()),
            )
            .with_detail(
                "last",
                serde_json::json!(JalaliDate::from_iso(self.last).iso_string()),
            )
    }

    fn day(&self, index: u32) -> Date {
        self.first + time::Duration::days(i64::from(index))
    }

    /// Whether `d` is a working day.
    pub fn is_working_day(&self, d: Date) -> Result<bool> {
        let i = self.index(d)?;
        let before = if i == 0 { 0 } else { self.cum[i - 1] };
        Ok(self.cum[i] > before)
    }

    /// The holiday on `d`, if any.
    pub fn holiday(&self, d: Date) -> Option<&Holiday> {
        self.holidays
            .binary_search_by_key(&d, |h| h.date.iso())
            .ok()
            .map(|i| &self.holidays[i])
    }

    /// The n-th working day after `start` (`start` never counts); for `n = 0`, `start` if it is
    /// a working day, else the next one.
    pub fn add_working_days(&self, start: Date, n: u32) -> Result<Date> {
        let i = self.index(start)?;
        let done = self.cum[i];
        let target = if n == 0 {
            let before = if i == 0 { 0 } else { self.cum[i - 1] };
            if done > before {
                return Ok(start);
            }
            done + 1
        } else {
            done + n
        };
        // target is 1-based: the target-th working day of the covered range.
        match self.nth.get(target as usize - 1) {
            Some(&idx) => Ok(self.day(idx)),
            None => Err(self.out_of_range(self.last.next_day().unwrap_or(self.last))),
        }
    }

    /// Working days in `(from, to]`; negative when `to` is before `from`.
    pub fn working_days_between(&self, from: Date, to: Date) -> Result<i64> {
        let a = i64::from(self.cum[self.index(from)?]);
        let b = i64::from(self.cum[self.index(to)?]);
        Ok(b - a)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    const MINI: &str = r#"
country = "IR"
weekend = ["thursday", "friday"]
years = [1403, 1404]
[[holiday]]
date = "1404/01/01"
name = { fa = "نوروز", en = "Nowruz" }
kind = "fixed"
[[holiday]]
date = "1404/01/02"
name = { fa = "نوروز", en = "Nowruz" }
kind = "fixed"
[[holiday]]
date = "1404/01/03"
name = { fa = "نوروز", en = "Nowruz" }
kind = "fixed"
[[holiday]]
date = "1404/01/04"
name = { fa = "نوروز", en = "Nowruz" }
kind = "fixed"
[[holiday]]
date = "1404/01/12"
name = { fa = "روز جمهوری اسلامی", en = "Islamic Republic Day" }
kind = "fixed"
[[holiday]]
date = "1404/01/13"
name = { fa = "روز طبیعت", en = "Nature Day" }
kind = "fixed"
[[holiday]]
date = "۱۴۰۳/۱۲/۳۰"
name = { fa = "عید فطر", en = "Eid al-Fitr" }
kind = "lunar"
"#;

    fn j(s: &str) -> Date {
        JalaliDate::parse(s).unwrap().iso()
    }

    fn cal() -> WorkCalendar {
        CalendarProfile::from_toml(MINI)
            .unwrap()
            .calendar()
            .unwrap()
    }

    #[test]
    fn due_dates_skip_weekends_and_nowruz_across_the_year_boundary() {
        let c = cal();
        // 1403/12/27 is a Monday (2025-03-17). Counting from the day after:
        // 12/28 Tue (1), 12/29 Wed (2), 12/30 Thu weekend and also listed, 1404/01/01 Fri,
        // 01/01..01/04 Nowruz, 01/05 Tue (3), 01/06 Wed (4), 01/07 Thu, 01/08 Fri, 01/09 Sat (5).
        assert_eq!(j("1403/12/27").weekday(), Weekday::Monday);
        assert_eq!(
            c.add_working_days(j("1403/12/27"), 5).unwrap(),
            j("1404/01/09")
        );
        assert_eq!(
            c.working_days_between(j("1403/12/27"), j("1404/01/09"))
                .unwrap(),
            5
        );
        // Across 12/13 Farvardin: 1404/01/11 is a Monday.
        assert_eq!(j("1404/01/11").weekday(), Weekday::Monday);
        // 01/12 and 01/13 holidays, 01/14 Thu, 01/15 Fri → first working day 01/16 Sat.
        assert_eq!(
            c.add_working_days(j("1404/01/11"), 1).unwrap(),
            j("1404/01/16")
        );
    }

    #[test]
    fn zero_days_and_holiday_starts() {
        let c = cal();
        assert_eq!(
            c.add_working_days(j("1404/01/09"), 0).unwrap(),
            j("1404/01/09")
        );
        assert_eq!(
            c.add_working_days(j("1404/01/01"), 0).unwrap(),
            j("1404/01/05")
        );
        assert_eq!(
            c.add_working_days(j("1404/01/01"), 1).unwrap(),
            j("1404/01/05")
        );
        assert!(!c.is_working_day(j("1404/01/02")).unwrap());
        assert_eq!(c.holiday(j("1404/01/13")).unwrap().name_en, "Nature Day");
        assert!(c.holiday(j("1404/01/14")).is_none());
    }

    #[test]
    fn out_of_range_is_refused() {
        let c = cal();
        let code = |r: Result<Date>| r.unwrap_err().code;
        assert_eq!(
            code(c.add_working_days(j("1402/12/29"), 1)),
            "calendar.date.out_of_range"
        );
        assert_eq!(
            code(c.add_working_days(j("1404/12/25"), 30)),
            "calendar.date.out_of_range"
        );
        assert!(c.is_working_day(j("1405/01/01")).is_err());
    }

    #[test]
    fn bad_files_are_refused() {
        let bad = [
            MINI.replace("\"friday\"]", "\"fryday\"]"),
            MINI.replace("date = \"1404/01/13\"", "date = \"1404/13/01\""),
            MINI.replace("date = \"1404/01/13\"", "date = \"1405/01/13\""),
            MINI.replace("date = \"1404/01/13\"", "date = \"1404/01/12\""),
            MINI.replace("years = [1403, 1404]", "years = [1404, 1403]"),
            MINI.replace("en = \"Nature Day\"", "en = \"\""),
            MINI.replace("kind = \"lunar\"", "kind = \"solar\""),
        ];
        for b in bad {
            let err = CalendarProfile::from_toml(&b).unwrap_err();
            assert_eq!(err.code, "calendar.data.invalid");
        }
    }

    proptest! {
        #[test]
        fn matches_a_day_by_day_count(offset in 0i64..500, n in 0u32..100) {
            let c = cal();
            let start = c.covers().0 + time::Duration::days(offset);
            let fast = c.add_working_days(start, n).unwrap();
            // naive
            let mut d = start;
            let mut left = n;
            if n == 0 {
                while !c.is_working_day(d).unwrap() { d = d.next_day().unwrap(); }
            }
            while left > 0 {
                d = d.next_day().unwrap();
                if c.is_working_day(d).unwrap() { left -= 1; }
            }
            prop_assert_eq!(fast, d);
            prop_assert!(c.is_working_day(fast).unwrap());
            if n > 0 {
                prop_assert_eq!(c.working_days_between(start, fast).unwrap(), i64::from(n));
            }
        }
    }
}

#[cfg(test)]
mod shipped {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_iran_profile_loads_and_has_nowruz_and_ashura_each_year() {
        let p =
            CalendarProfile::from_toml(include_str!("../../../profiles/ir/calendar.toml")).unwrap();
        let c = p.calendar().unwrap();
        assert_eq!(c.years(), (1403, 1406));
        // A step started late in Esfand 1405 is due after the Nowruz holidays of 1406.
        let due = c
            .add_working_days(JalaliDate::parse("1405/12/25").unwrap().iso(), 3)
            .unwrap();
        assert!(
            due > JalaliDate::parse("1406/01/04").unwrap().iso(),
            "{due}"
        );
        assert!(c.is_working_day(due).unwrap());
        for y in 1403..=1406 {
            let nowruz = JalaliDate::from_ymd(y, 1, 1).unwrap().iso();
            assert!(c.holiday(nowruz).unwrap().name_en.starts_with("Nowruz"));
            let ashura = c
                .holidays()
                .iter()
                .filter(|h| h.date.year() == y && h.name_en.contains("Ashura"))
                .count();
            assert_eq!(ashura, 1, "Ashura in {y}");
        }
    }
}
