//! The decision of one single-person read under the bulk-read alarm
//! ([`crate::read_watch`]): given how many other persons the account read in the window, whether
//! an alarm is already raised in it and whether a purpose was stated, is the read shown, and is
//! an alarm raised now? The store loads the facts under a lock on the account's counter row
//! (so reads on several web nodes are counted one after another) and writes what this decides.

use crate::read_watch::ReadLimit;

/// What the store knows before the read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// Different persons other than this one the account read within the window.
    pub others_in_window: u64,
    /// An alarm for this account was raised within the window.
    pub alarm_in_window: bool,
    /// The reader stated a purpose.
    pub purpose_stated: bool,
}

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Different persons in the window counting this one.
    pub persons: u64,
    /// The account is past the limit.
    pub over: bool,
    /// Raise the alarm now (the first read past the limit in a window).
    pub raise_alarm: bool,
    /// Show the record (under the limit, or with a stated purpose).
    pub allowed: bool,
}

/// Decides one read: past the limit, an alarm is raised once per window and the read is shown
/// only with a stated purpose.
pub fn decide(limit: ReadLimit, f: Facts) -> Decision {
    let persons = f.others_in_window + 1;
    let over = persons > u64::from(limit.persons);
    Decision {
        persons,
        over,
        raise_alarm: over && !f.alarm_in_window,
        allowed: !over || f.purpose_stated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: ReadLimit = ReadLimit {
        persons: 3,
        window_minutes: 60,
    };

    fn facts(others: u64, alarm: bool, purpose: bool) -> Facts {
        Facts {
            others_in_window: others,
            alarm_in_window: alarm,
            purpose_stated: purpose,
        }
    }

    #[test]
    fn up_to_the_limit_reads_need_nothing() {
        for others in 0..3 {
            let d = decide(LIMIT, facts(others, false, false));
            assert!(d.allowed && !d.over && !d.raise_alarm, "{others}: {d:?}");
            assert_eq!(d.persons, others + 1);
        }
    }

    #[test]
    fn past_the_limit_the_first_read_raises_the_alarm_and_every_read_needs_a_purpose() {
        let d = decide(LIMIT, facts(3, false, false));
        assert_eq!(
            d,
            Decision {
                persons: 4,
                over: true,
                raise_alarm: true,
                allowed: false
            }
        );
        let later = decide(LIMIT, facts(3, true, false));
        assert!(!later.raise_alarm && !later.allowed);
        let stated = decide(LIMIT, facts(7, true, true));
        assert!(stated.allowed && !stated.raise_alarm && stated.over);
        // A purpose stated on the very read that passes the limit: shown, alarm raised all the same.
        let first = decide(LIMIT, facts(3, false, true));
        assert!(first.allowed && first.raise_alarm);
    }
}
