//! The country profile the application runs with: the service catalog, the working-day
//! calendar, the privacy limits (the bulk-read alarm) and the border points and screening
//! questions of voluntary return (`return.toml`), as data. The Iran profile is embedded
//! in the binary; another country's profile is a directory with the same files (`privacy.toml`
//! may be left out: 100 persons in 60 minutes; so may `referrals.toml`: no partners) (`profile_dir` in the configuration, read by
//! `daftar_store::profile::from_dir`). At start, services and holidays the store does not have
//! yet are loaded into it (`daftar_store::profile::install`); from then on the store's copies
//! (edited by authority admins) are what counts.

use crate::Result;
use crate::calendar::CalendarProfile;
use crate::read_watch::ReadLimit;
use crate::service::Catalog;

/// The embedded Iran service catalog.
pub const IRAN_SERVICES: &str = include_str!("../../../profiles/ir/services.toml");
/// The embedded Iran calendar.
pub const IRAN_CALENDAR: &str = include_str!("../../../profiles/ir/calendar.toml");
/// The embedded Iran privacy limits.
pub const IRAN_PRIVACY: &str = include_str!("../../../profiles/ir/privacy.toml");

/// The embedded Iran border points and screening questions of voluntary return.
pub const IRAN_RETURN: &str = include_str!("../../../profiles/ir/return.toml");

/// `privacy.toml`: the limits of the bulk-read alarm.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// Different persons an account may read in a window before it must state a purpose.
    #[serde(default)]
    pub bulk_read: ReadLimit,
}

impl Privacy {
    /// Parses and checks `privacy.toml` (`profile.privacy.invalid`, `profile.bulk_read.invalid`).
    pub fn from_toml(text: &str) -> Result<Self> {
        let p: Privacy = toml::from_str(text).map_err(|e| {
            crate::Error::invalid("profile.privacy.invalid")
                .with_detail("reason", serde_json::json!(e.to_string()))
        })?;
        p.bulk_read.checked()?;
        Ok(p)
    }
}

/// Catalog and calendar of a country.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The service catalog as shipped.
    pub catalog: Catalog,
    /// Weekend, covered years and holidays as shipped.
    pub calendar: CalendarProfile,
    /// The privacy limits.
    pub privacy: Privacy,
    /// Partners and referral types (`referrals.toml`; none when a directory has no such file).
    pub referrals: crate::referral::Referrals,
    /// Border points and screening questions of voluntary return (`return.toml`; none when a
    /// profile directory leaves it out, and then no return can be registered).
    pub voluntary_return: crate::voluntary_return::ReturnProfile,
    /// Which steps need an accreditation and what grants it (`accreditations.toml`; none when
    /// a profile directory leaves it out, and then no step needs one).
    pub accreditations: crate::accreditation::Rules,
}

impl Profile {
    /// The embedded Iran profile.
    pub fn iran() -> Result<Self> {
        let mut p = Self::parse(IRAN_SERVICES, IRAN_CALENDAR)?;
        p.privacy = Privacy::from_toml(IRAN_PRIVACY)?;
        p.referrals = crate::referral::Referrals::from_toml(crate::referral::IRAN_REFERRALS)?;
        p.voluntary_return = crate::voluntary_return::ReturnProfile::from_toml(IRAN_RETURN)?;
        p.accreditations =
            crate::accreditation::Rules::from_toml(crate::accreditation::IRAN_ACCREDITATIONS)?;
        p.accreditations.check_catalog(&p.catalog)?;
        Ok(p)
    }

    /// Parses the two files (`services.toml`, `calendar.toml`).
    pub fn parse(services: &str, calendar: &str) -> Result<Self> {
        Ok(Self {
            catalog: Catalog::from_toml(services)?,
            calendar: CalendarProfile::from_toml(calendar)?,
            privacy: Privacy::default(),
            referrals: crate::referral::Referrals::default(),
            voluntary_return: Default::default(),
            accreditations: Default::default(),
        })
    }
}
