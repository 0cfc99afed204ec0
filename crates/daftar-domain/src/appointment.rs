//! Appointments at an office for a case: the office's hours cut into slots of equal length,
//! each taking a fixed number of people, bookable on working days up to some days ahead. The
//! rules are country data (`[appointments]` in the profile's `calendar.toml`); the slip printed
//! for the applicant carries the appointment, the published fees and the documents to bring.

use crate::calendar::WorkCalendar;
use crate::ids::{CaseId, OfficeId};
use crate::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::case::iso_date;

/// When an office receives people by appointment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppointmentRules {
    /// First slot, `HH:MM`.
    pub open: String,
    /// End of the last slot, `HH:MM`.
    pub close: String,
    /// Length of a slot in minutes.
    pub slot_minutes: u16,
    /// People per slot.
    pub per_slot: u32,
    /// How many calendar days ahead one may book (tomorrow is the earliest).
    pub days_ahead: u16,
}

impl Default for AppointmentRules {
    fn default() -> Self {
        Self {
            open: "08:00".into(),
            close: "13:30".into(),
            slot_minutes: 30,
            per_slot: 4,
            days_ahead: 30,
        }
    }
}

fn minutes(hhmm: &str) -> Option<u16> {
    let (h, m) = hhmm.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && m.to_string().len() <= 2).then_some(h * 60 + m)
}

fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

impl AppointmentRules {
    /// Checks the rules themselves (`calendar.data.invalid`).
    pub fn validate(&self) -> Result<()> {
        let bad = |why: &str| {
            Error::invalid("calendar.data.invalid")
                .with_detail("at", serde_json::json!("appointments"))
                .with_detail("why", serde_json::json!(why))
        };
        let (o, c) = (minutes(&self.open), minutes(&self.close));
        match (o, c) {
            (Some(o), Some(c)) if o < c => {}
            _ => return Err(bad("open and close must be HH:MM, open before close")),
        }
        if !(5..=240).contains(&self.slot_minutes) {
            return Err(bad("slot_minutes must be 5 to 240"));
        }
        if !(1..=500).contains(&self.per_slot) || !(1..=365).contains(&self.days_ahead) {
            return Err(bad("per_slot 1 to 500, days_ahead 1 to 365"));
        }
        Ok(())
    }

    /// The slots of a day, `HH:MM`.
    pub fn slots(&self) -> Vec<String> {
        let (Some(open), Some(close)) = (minutes(&self.open), minutes(&self.close)) else {
            return vec![];
        };
        let step = self.slot_minutes.max(1);
        (0..)
            .map(|i| open + i * step)
            .take_while(|m| m + step <= close)
            .map(hhmm)
            .collect()
    }

    /// The days one may book from `today`: working days after today, up to `days_ahead`.
    pub fn days(&self, cal: &WorkCalendar, today: Date) -> Vec<Date> {
        (1..=i64::from(self.days_ahead))
            .map(|n| today + time::Duration::days(n))
            .filter(|d| cal.is_working_day(*d).unwrap_or(false))
            .collect()
    }

    /// Checks a requested day and slot (`appointment.day.invalid`, `appointment.slot.invalid`).
    pub fn check(&self, cal: &WorkCalendar, today: Date, day: Date, slot: &str) -> Result<()> {
        if !self.days(cal, today).contains(&day) {
            return Err(Error::conflict("appointment.day.invalid").with_field("day"));
        }
        if !self.slots().iter().any(|s| s == slot) {
            return Err(Error::conflict("appointment.slot.invalid").with_field("slot"));
        }
        Ok(())
    }
}

/// A booked appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Appointment {
    /// The case.
    pub case_id: CaseId,
    /// The office.
    pub office_id: OfficeId,
    /// Day (ISO).
    #[serde(with = "iso_date")]
    #[schema(value_type = String)]
    pub day: Date,
    /// Slot start, `HH:MM` in the office's time.
    pub slot: String,
    /// When it was booked.
    #[serde(with = "time::serde::rfc3339")]
    pub booked_at: OffsetDateTime,
    /// Who booked it (a clerk, or the applicant on the portal).
    pub booked_by: String,
    /// When the clerk recorded the person's arrival, if they came.
    #[serde(with = "time::serde::rfc3339::option")]
    pub attended_at: Option<OffsetDateTime>,
}

/// `appointment.slot.full` (409).
pub fn slot_full() -> Error {
    Error::new("appointment.slot.full", ErrorKind::Conflict).with_field("slot")
}

/// Whether one more appointment fits a round's capacity at an office for a working day:
/// `taken` appointments that day of cases of the round's services, `capacity` per day (0: the
/// round sets no limit). `appointment.round.full` (409) otherwise.
pub fn round_capacity_allows(capacity: u32, taken: u64) -> Result<()> {
    if capacity == 0 || taken < u64::from(capacity) {
        Ok(())
    } else {
        Err(Error::new("appointment.round.full", ErrorKind::Conflict).with_field("day"))
    }
}

/// Whether the person's arrival may be recorded for `a` on `today`: only on the appointment's
/// day (`appointment.arrival.day`, 409), once (`appointment.arrival.recorded`, 409).
pub fn check_arrival(a: &Appointment, today: Date) -> Result<()> {
    if a.attended_at.is_some() {
        return Err(Error::conflict("appointment.arrival.recorded"));
    }
    if a.day != today {
        return Err(Error::conflict("appointment.arrival.day")
            .with_detail("day", serde_json::json!(a.day.to_string())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::jalali::JalaliDate;

    #[test]
    fn slots_days_and_checks() {
        let r = AppointmentRules::default();
        r.validate().unwrap();
        let slots = r.slots();
        assert_eq!(slots.first().unwrap(), "08:00");
        assert_eq!(slots.last().unwrap(), "13:00");
        assert_eq!(slots.len(), 11);
        let cal = crate::calendar::CalendarProfile::from_toml(include_str!(
            "../../../profiles/ir/calendar.toml"
        ))
        .unwrap()
        .calendar()
        .unwrap();
        // Tuesday 1404/12/26: the days ahead skip Thursday, Friday and Nowruz.
        let today = JalaliDate::parse("1404/12/26").unwrap().iso();
        let days = r.days(&cal, today);
        assert!(!days.contains(&today));
        assert!(days.iter().all(|d| cal.is_working_day(*d).unwrap()));
        let nowruz = JalaliDate::parse("1405/01/01").unwrap().iso();
        assert!(!days.contains(&nowruz));
        assert!(r.check(&cal, today, days[0], "08:30").is_ok());
        assert_eq!(
            r.check(&cal, today, nowruz, "08:30").unwrap_err().code,
            "appointment.day.invalid"
        );
        assert_eq!(
            r.check(&cal, today, today, "08:30").unwrap_err().code,
            "appointment.day.invalid"
        );
        assert_eq!(
            r.check(&cal, today, days[0], "08:15").unwrap_err().code,
            "appointment.slot.invalid"
        );
        assert_eq!(
            r.check(&cal, today, days[0], "13:30").unwrap_err().code,
            "appointment.slot.invalid"
        );
        let bad = AppointmentRules {
            open: "14:00".into(),
            ..r.clone()
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn a_rounds_capacity_per_day() {
        assert!(round_capacity_allows(2, 0).is_ok());
        assert!(round_capacity_allows(2, 1).is_ok());
        assert_eq!(
            round_capacity_allows(2, 2).unwrap_err().code,
            "appointment.round.full"
        );
        assert!(round_capacity_allows(0, 1_000).is_ok(), "0 sets no limit");
    }
}
