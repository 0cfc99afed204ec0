//! Loading a country profile ([`daftar_domain::profile::Profile`]): reading another country's
//! two files from a directory, and installing what the store lacks of it (services, holidays)
//! at start. Used by `daftar serve` (through the web layer), `daftar demo` and the SLA
//! benchmark.

use daftar_domain::Result;
use daftar_domain::audit::AuditCtx;
use daftar_domain::calendar::WorkCalendar;
use daftar_domain::profile::Profile;
use daftar_domain::store::Store;
use std::path::Path;

/// A profile from `services.toml` and `calendar.toml` in `dir` (`profile.file.unreadable`
/// naming the file and the reason).
pub fn from_dir(dir: &Path) -> Result<Profile> {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).map_err(|e| {
            daftar_domain::Error::invalid("profile.file.unreadable")
                .with_detail(
                    "file",
                    serde_json::json!(dir.join(name).display().to_string()),
                )
                .with_detail("reason", serde_json::json!(e.to_string()))
        })
    };
    let mut p = Profile::parse(&read("services.toml")?, &read("calendar.toml")?)?;
    if dir.join("privacy.toml").exists() {
        p.privacy = daftar_domain::profile::Privacy::from_toml(&read("privacy.toml")?)?;
    }
    if dir.join("accreditations.toml").exists() {
        p.accreditations =
            daftar_domain::accreditation::Rules::from_toml(&read("accreditations.toml")?)?;
    }
    if dir.join("referrals.toml").exists() {
        p.referrals = daftar_domain::referral::Referrals::from_toml(&read("referrals.toml")?)?;
    }
    if dir.join("return.toml").exists() {
        p.voluntary_return =
            daftar_domain::voluntary_return::ReturnProfile::from_toml(&read("return.toml")?)?;
    }
    Ok(p)
}

/// Loads what the store lacks of `p` and returns the calendar with the stored holidays.
pub fn install(store: &dyn Store, p: &Profile) -> Result<WorkCalendar> {
    let ctx = AuditCtx::system("profile");
    let added = store.load_catalog(&ctx, &p.catalog)?;
    if added > 0 {
        tracing::info!(added, "service catalog loaded");
    }
    store.load_holidays(&ctx, &p.calendar.holidays)?;
    p.accreditations.check_catalog(&p.catalog)?;
    store.load_accreditation_rules(&ctx, &p.accreditations)?;
    p.calendar.with_holidays(store.holidays()?)
}
