//! The country profile the application runs with: the service catalog and the working-day
//! calendar, as data. The Iran profile is embedded in the binary; another country's profile is
//! a directory with the same two files (`profile_dir` in the configuration, read by
//! `daftar_store::profile::from_dir`). At start, services and holidays the store does not have
//! yet are loaded into it (`daftar_store::profile::install`); from then on the store's copies
//! (edited by authority admins) are what counts.

use crate::Result;
use crate::calendar::CalendarProfile;
use crate::service::Catalog;

/// The embedded Iran service catalog.
pub const IRAN_SERVICES: &str = include_str!("../../../profiles/ir/services.toml");
/// The embedded Iran calendar.
pub const IRAN_CALENDAR: &str = include_str!("../../../profiles/ir/calendar.toml");

/// Catalog and calendar of a country.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The service catalog as shipped.
    pub catalog: Catalog,
    /// Weekend, covered years and holidays as shipped.
    pub calendar: CalendarProfile,
}

impl Profile {
    /// The embedded Iran profile.
    pub fn iran() -> Result<Self> {
        Self::parse(IRAN_SERVICES, IRAN_CALENDAR)
    }

    /// Parses the two files (`services.toml`, `calendar.toml`).
    pub fn parse(services: &str, calendar: &str) -> Result<Self> {
        Ok(Self {
            catalog: Catalog::from_toml(services)?,
            calendar: CalendarProfile::from_toml(calendar)?,
        })
    }
}
