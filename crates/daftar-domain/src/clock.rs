//! The one source of time: [`Clock`] says what time it is (UTC, to the millisecond, as the store
//! keeps it) and what day it is in the offices' time zone. Nothing else in daftar reads the
//! system clock (an invariant test checks the sources), so a rule that depends on "today" is
//! decided with the offices' date, never the UTC date, and tests can stop or move time.

use std::fmt;
use std::sync::{Arc, Mutex};
use time::{Date, Duration, OffsetDateTime, UtcOffset};

/// Where the current instant comes from.
#[derive(Clone)]
enum Source {
    /// The operating system's clock.
    System,
    /// A time set by hand (tests and benchmarks): it moves only when told.
    Manual(Arc<Mutex<OffsetDateTime>>),
}

/// The current time and the offices' date. Cheap to clone; every clone of a manual clock shares
/// its time.
#[derive(Clone)]
pub struct Clock {
    source: Source,
    /// The offices' offset from UTC (Iran: +03:30).
    offset: UtcOffset,
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.source {
            Source::System => "system",
            Source::Manual(_) => "manual",
        };
        write!(f, "Clock({kind}, {})", self.offset)
    }
}

impl Default for Clock {
    /// The system clock with offices on UTC.
    fn default() -> Self {
        Self::system(UtcOffset::UTC)
    }
}

/// Moves a manual clock (see [`Clock::manual`]).
#[derive(Debug, Clone)]
pub struct ClockHand(Arc<Mutex<OffsetDateTime>>);

impl ClockHand {
    /// Sets the time.
    pub fn set(&self, at: OffsetDateTime) {
        *lock(&self.0) = at;
    }
    /// Moves the time forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut t = lock(&self.0);
        *t += by;
    }
}

fn lock(m: &Mutex<OffsetDateTime>) -> std::sync::MutexGuard<'_, OffsetDateTime> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Clock {
    /// The system clock; offices `offset` from UTC.
    pub fn system(offset: UtcOffset) -> Self {
        Self {
            source: Source::System,
            offset,
        }
    }

    /// The system clock with the offset given in minutes east of UTC (the configuration's
    /// `utc_offset_minutes`); an offset out of range is UTC.
    pub fn system_minutes(minutes: i32) -> Self {
        Self::system(offset_of_minutes(minutes))
    }

    /// A clock stopped at `at` and the hand that moves it.
    pub fn manual(at: OffsetDateTime, offset: UtcOffset) -> (Self, ClockHand) {
        let t = Arc::new(Mutex::new(at));
        (
            Self {
                source: Source::Manual(t.clone()),
                offset,
            },
            ClockHand(t),
        )
    }

    /// The same clock with offices `offset` from UTC.
    pub fn with_offset(mut self, offset: UtcOffset) -> Self {
        self.offset = offset;
        self
    }

    /// The offices' offset from UTC.
    pub fn offset(&self) -> UtcOffset {
        self.offset
    }

    /// Now, in UTC, truncated to the millisecond (what both stores keep, so a value read back
    /// equals the value written).
    pub fn now(&self) -> OffsetDateTime {
        let t = match &self.source {
            Source::System => OffsetDateTime::now_utc(),
            Source::Manual(t) => *lock(t),
        };
        crate::audit::truncate_ms(t.to_offset(UtcOffset::UTC))
    }

    /// Today in the offices' time zone (at 22:00 UTC it is already tomorrow in Tehran).
    pub fn today(&self) -> Date {
        self.now().to_offset(self.offset).date()
    }

    /// The offices' local date of an instant.
    pub fn date_of(&self, at: OffsetDateTime) -> Date {
        at.to_offset(self.offset).date()
    }
}

/// The offset `minutes` east of UTC; out of range is UTC.
pub fn offset_of_minutes(minutes: i32) -> UtcOffset {
    UtcOffset::from_whole_seconds(minutes.saturating_mul(60)).unwrap_or(UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::{date, datetime, offset};

    #[test]
    fn the_offices_date_is_not_the_utc_date_late_in_the_evening() {
        let (clock, _) = Clock::manual(datetime!(2026-03-19 21:00 UTC), offset!(+3:30));
        assert_eq!(clock.now().date(), date!(2026 - 03 - 19));
        assert_eq!(clock.today(), date!(2026 - 03 - 20));
        let (utc, _) = Clock::manual(datetime!(2026-03-19 21:00 UTC), UtcOffset::UTC);
        assert_eq!(utc.today(), date!(2026 - 03 - 19));
    }

    #[test]
    fn a_manual_clock_moves_only_by_its_hand_and_clones_share_it() {
        let (clock, hand) =
            Clock::manual(datetime!(2026-01-01 08:00:00.123456 UTC), offset!(+3:30));
        let copy = clock.clone();
        assert_eq!(clock.now(), datetime!(2026-01-01 08:00:00.123 UTC));
        hand.advance(Duration::days(2));
        assert_eq!(copy.today(), date!(2026 - 01 - 03));
        hand.set(datetime!(2025-12-31 23:00 +3:30));
        assert_eq!(clock.now(), datetime!(2025-12-31 19:30 UTC));
        assert_eq!(clock.today(), date!(2025 - 12 - 31));
    }

    #[test]
    fn the_system_clock_moves_and_out_of_range_offsets_are_utc() {
        let c = Clock::system_minutes(210);
        assert_eq!(c.offset(), offset!(+3:30));
        let a = c.now();
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(c.now() > a);
        assert_eq!(Clock::system_minutes(100_000).offset(), UtcOffset::UTC);
    }
}
