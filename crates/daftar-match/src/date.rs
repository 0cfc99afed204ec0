//! Birth dates as registries hold them: Solar Hijri or Gregorian, Persian or Latin digits,
//! full dates or year only (often written as 1/1 of the year), with day and month sometimes
//! swapped and the year sometimes off by one. A [`FuzzyDate`] keeps the day (as a day number)
//! and its precision, and [`agreement`] says how well two dates agree.

use daftar_domain::digits::fold_digits;
use daftar_domain::jalali::JalaliDate;

/// How precise a recorded date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// A real day.
    Day,
    /// Only the year is known (`1368`, or `1368/01/01`, which is how many registries write it).
    Year,
}

/// A parsed birth date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzyDate {
    /// Day number (Julian day) of the date as written.
    pub day: i32,
    /// Day numbers of plausible misspellings: day and month swapped, year off by one.
    pub variants: Vec<i32>,
    /// Inclusive day range of the year the date falls in (in its own calendar).
    pub year_range: (i32, i32),
    /// Precision.
    pub precision: Precision,
}

fn day_number(d: time::Date) -> i32 {
    d.to_julian_day()
}

/// `(y, m, d)` in the given calendar to a day number.
fn to_day(jalali: bool, y: i32, m: u8, d: u8) -> Option<i32> {
    if jalali {
        JalaliDate::from_ymd(y, m, d)
            .ok()
            .map(|j| day_number(j.iso()))
    } else {
        let month = time::Month::try_from(m).ok()?;
        time::Date::from_calendar_date(y, month, d)
            .ok()
            .map(day_number)
    }
}

/// A day number as `(y, m, d)` in the given calendar.
fn ymd_in(jalali: bool, day: i32) -> (i32, u8, u8) {
    let Ok(iso) = time::Date::from_julian_day(day) else {
        return (0, 1, 1);
    };
    if jalali {
        let j = JalaliDate::from_iso(iso);
        (j.year(), j.month(), j.day())
    } else {
        (iso.year(), u8::from(iso.month()), iso.day())
    }
}

fn year_range(jalali: bool, y: i32) -> Option<(i32, i32)> {
    let start = to_day(jalali, y, 1, 1)?;
    let end = to_day(jalali, y + 1, 1, 1)? - 1;
    Some((start, end))
}

impl FuzzyDate {
    /// Parses `1372/05/13`, `۱۳۷۷/۱۲/۱۲`, `2007-11-16`, `۱۹۹۳-۰۴-۲۹`, `1368`, `2005`.
    /// Years 1200–1599 are Solar Hijri, 1700–2199 Gregorian. `None` when it is not a date.
    pub fn parse(s: &str) -> Option<Self> {
        let folded = fold_digits(s.trim());
        let parts: Vec<&str> = folded
            .split(['/', '-', '.', ' '])
            .filter(|p| !p.is_empty())
            .collect();
        let nums: Vec<i32> = parts
            .iter()
            .map(|p| p.parse::<i32>().ok())
            .collect::<Option<Vec<_>>>()?;
        let (y, m, d) = match nums.as_slice() {
            [y] => (*y, None, None),
            [a, m, b] if *a < 100 && *b > 1000 => (*b, Some(*m), Some(*a)),
            [y, m, d] => (*y, Some(*m), Some(*d)),
            _ => return None,
        };
        let jalali = match y {
            1200..=1599 => true,
            1700..=2199 => false,
            _ => return None,
        };
        let range = year_range(jalali, y)?;
        let (Some(m), Some(d)) = (m, d) else {
            return Some(Self {
                day: range.0,
                variants: vec![],
                year_range: range,
                precision: Precision::Year,
            });
        };
        let (m8, d8) = (u8::try_from(m).ok()?, u8::try_from(d).ok()?);
        let day = to_day(jalali, y, m8, d8).or_else(|| to_day(jalali, y, d8, m8))?;
        let precision = if m == 1 && d == 1 {
            Precision::Year
        } else {
            Precision::Day
        };
        // Slips made in either calendar before conversion: day and month swapped, year off by
        // one (a Gregorian year slip seen in Solar Hijri moves the day too, and vice versa).
        let mut variants = vec![];
        for cal in [jalali, !jalali] {
            let (cy, cm, cd) = ymd_in(cal, day);
            if cm != cd {
                variants.extend(to_day(cal, cy, cd, cm));
            }
            variants.extend(to_day(cal, cy - 1, cm, cd));
            variants.extend(to_day(cal, cy + 1, cm, cd));
        }
        variants.sort_unstable();
        variants.dedup();
        variants.retain(|v| *v != day);
        Some(Self {
            day,
            variants,
            year_range: range,
            precision,
        })
    }

    fn in_year(&self, day: i32) -> bool {
        self.year_range.0 <= day && day <= self.year_range.1
    }
}

/// How two dates agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DateAgreement {
    /// Different dates.
    Conflict,
    /// One or both are missing.
    Unknown,
    /// At least one is year-only and the other lies in that year (or years touch).
    SameYear,
    /// Equal after swapping day and month or moving the year by one.
    Near,
    /// The same day.
    Exact,
}

/// Compares two optional dates.
pub fn agreement(a: Option<&FuzzyDate>, b: Option<&FuzzyDate>) -> DateAgreement {
    let (Some(a), Some(b)) = (a, b) else {
        return DateAgreement::Unknown;
    };
    if a.day == b.day && a.precision == Precision::Day && b.precision == Precision::Day {
        return DateAgreement::Exact;
    }
    if a.precision == Precision::Year || b.precision == Precision::Year {
        let overlap = a.in_year(b.day)
            || b.in_year(a.day)
            || (a.year_range.0 <= b.year_range.1 && b.year_range.0 <= a.year_range.1);
        return if overlap {
            DateAgreement::SameYear
        } else {
            DateAgreement::Conflict
        };
    }
    if a.variants.contains(&b.day) || b.variants.contains(&a.day) {
        return DateAgreement::Near;
    }
    DateAgreement::Conflict
}

/// A finer grading of how two dates agree, for weighing the evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateLevel {
    /// The same day.
    Exact,
    /// Equal after swapping day and month or moving the year by one (in either calendar).
    Near,
    /// Both are year-only and the years overlap.
    YearBoth,
    /// One is year-only, the other a day in (or overlapping) that year.
    YearDay,
    /// At least one is year-only and the years are one apart.
    YearAdjacent,
    /// Both are real days of the same year, but different days.
    SameYearOtherDay,
    /// One or both are missing.
    Unknown,
    /// Different dates.
    Conflict,
}

/// Grades two optional dates (see [`DateLevel`]).
pub fn level(a: Option<&FuzzyDate>, b: Option<&FuzzyDate>) -> DateLevel {
    let (Some(a), Some(b)) = (a, b) else {
        return DateLevel::Unknown;
    };
    let overlap = a.year_range.0 <= b.year_range.1 && b.year_range.0 <= a.year_range.1;
    let gap = (a.year_range.0 - b.year_range.1)
        .max(b.year_range.0 - a.year_range.1)
        .max(0);
    if a.day == b.day {
        // Also a real day that is 1/1 in the other calendar (1339/01/01 = 1960-03-21).
        return if a.precision == b.precision {
            if a.precision == Precision::Day {
                DateLevel::Exact
            } else {
                DateLevel::YearBoth
            }
        } else {
            DateLevel::Exact
        };
    }
    match (a.precision, b.precision) {
        (Precision::Day, Precision::Day) => {
            if a.day == b.day {
                DateLevel::Exact
            } else if a.variants.contains(&b.day) || b.variants.contains(&a.day) {
                DateLevel::Near
            } else if a.year_range == b.year_range {
                DateLevel::SameYearOtherDay
            } else {
                DateLevel::Conflict
            }
        }
        (Precision::Year, Precision::Year) if overlap => DateLevel::YearBoth,
        _ if overlap => DateLevel::YearDay,
        _ if gap <= 370 => DateLevel::YearAdjacent,
        _ => DateLevel::Conflict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> FuzzyDate {
        FuzzyDate::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn calendars_and_digits_meet() {
        assert_eq!(
            agreement(Some(&p("1372/05/13")), Some(&p("۱۳۷۲/۰۵/۱۳"))),
            DateAgreement::Exact
        );
        assert_eq!(
            agreement(Some(&p("1403/05/12")), Some(&p("2024-08-02"))),
            DateAgreement::Exact
        );
        assert_eq!(
            agreement(Some(&p("۱۹۹۳-۰۴-۲۹")), Some(&p("1993-04-29"))),
            DateAgreement::Exact
        );
    }

    #[test]
    fn year_only_and_first_of_year() {
        assert_eq!(p("1368").precision, Precision::Year);
        assert_eq!(p("1350/01/01").precision, Precision::Year);
        assert_eq!(
            agreement(Some(&p("1368")), Some(&p("1368/07/20"))),
            DateAgreement::SameYear
        );
        assert_eq!(
            agreement(Some(&p("2005")), Some(&p("1384/03/01"))),
            DateAgreement::SameYear
        );
        assert_eq!(
            agreement(Some(&p("1368")), Some(&p("1375/07/20"))),
            DateAgreement::Conflict
        );
    }

    #[test]
    fn swapped_and_off_by_one() {
        assert_eq!(
            agreement(Some(&p("1372/05/13")), Some(&p("1372/13/05"))),
            DateAgreement::Exact,
            "an impossible month is read swapped"
        );
        assert_eq!(
            agreement(Some(&p("1368/01/01")), Some(&p("1368"))),
            DateAgreement::SameYear,
            "1/1 says only the year"
        );
        assert_eq!(
            agreement(Some(&p("1990-03-04")), Some(&p("1990-04-03"))),
            DateAgreement::Near
        );
        assert_eq!(
            agreement(Some(&p("1990-03-04")), Some(&p("1991-03-04"))),
            DateAgreement::Near
        );
        assert_eq!(
            agreement(Some(&p("1990-03-04")), Some(&p("1990-03-05"))),
            DateAgreement::Conflict
        );
        assert_eq!(
            agreement(None, Some(&p("1990-03-05"))),
            DateAgreement::Unknown
        );
    }

    #[test]
    fn levels() {
        let cases = [
            ("1372/05/13", "1993-08-04", DateLevel::Exact),
            ("1339/01/01", "1960-03-21", DateLevel::Exact),
            ("1372/05/13", "1372/13/05", DateLevel::Exact),
            ("1990-03-04", "1990-04-03", DateLevel::Near),
            ("1399/03/06", "1398/03/05", DateLevel::Near),
            ("1368", "1368/01/01", DateLevel::YearBoth),
            ("1349", "1970", DateLevel::YearBoth),
            ("1368", "1368/07/20", DateLevel::YearDay),
            ("1975", "1974-01-01", DateLevel::YearAdjacent),
            ("1370/02/10", "1370/09/14", DateLevel::SameYearOtherDay),
            ("1370/02/10", "1380/02/10", DateLevel::Conflict),
            ("1368", "1375", DateLevel::Conflict),
        ];
        for (a, b, want) in cases {
            assert_eq!(level(Some(&p(a)), Some(&p(b))), want, "{a} ~ {b}");
            assert_eq!(level(Some(&p(b)), Some(&p(a))), want, "{b} ~ {a}");
        }
        assert_eq!(level(None, Some(&p("1368"))), DateLevel::Unknown);
    }

    #[test]
    fn garbage_is_not_a_date() {
        for s in ["", "abc", "13", "99/1/1", "1372/05", "1372/40/40"] {
            assert!(FuzzyDate::parse(s).is_none(), "{s}");
        }
    }
}
