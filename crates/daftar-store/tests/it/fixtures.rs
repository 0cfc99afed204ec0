//! Fixtures the store test modules share: the audit context of a test, an office, a person,
//! the Iran profile's catalogue and calendar loaded into a store, Solar Hijri days and the
//! timestamp text both backends read.

use daftar_domain::audit::AuditCtx;
use daftar_domain::ids::OfficeId;
use daftar_domain::office::{CreateOffice, OfficeCode};
use daftar_domain::store::Store;

/// The audit context of a test.
pub fn ctx() -> AuditCtx {
    AuditCtx::system("test")
}

/// A new office with code `code`.
pub fn office(s: &dyn Store, code: &str) -> OfficeId {
    let new = CreateOffice::parse(
        OfficeCode::parse(code).unwrap(),
        "دفتر",
        "Office",
        "تهران",
        "مرکزی",
    )
    .unwrap();
    s.create_office(&ctx(), &new).unwrap().id
}

const SERVICES: &str = include_str!("../../../../profiles/ir/services.toml");
const CALENDAR: &str = include_str!("../../../../profiles/ir/calendar.toml");

/// The ISO day of a Solar Hijri date (`1404/07/05`).
pub fn day(jalali: &str) -> time::Date {
    daftar_domain::jalali::JalaliDate::parse(jalali)
        .unwrap()
        .iso()
}

/// The timestamp text both backends read: 08:00 UTC of `d`.
pub fn at(d: time::Date) -> String {
    format!("{}T08:00:00.000Z", daftar_domain::jalali::iso_day(d))
}

/// Loads the Iran profile's catalogue and holidays into `s`; returns its working calendar.
pub fn calendar(s: &dyn Store) -> daftar_domain::calendar::WorkCalendar {
    s.load_catalog(
        &ctx(),
        &daftar_domain::service::Catalog::from_toml(SERVICES).unwrap(),
    )
    .unwrap();
    let cal = daftar_domain::calendar::CalendarProfile::from_toml(CALENDAR).unwrap();
    s.load_holidays(&ctx(), &cal.holidays).unwrap();
    cal.with_holidays(s.holidays().unwrap()).unwrap()
}

/// A person registered at `office` (a woman born 1990-01-02), by id.
pub fn person(s: &dyn Store, office: OfficeId, name: &str) -> String {
    use daftar_testkit::Register;
    s.register(
        &ctx(),
        &daftar_domain::permission::system_scope(
            office,
            daftar_domain::permission::Permission::PersonWrite,
        ),
        &daftar_domain::person::PersonDraft {
            given_name: name.into(),
            family_name: "کریمی".into(),
            father_name: "رحیم".into(),
            birth_date: Some("1990-01-02".into()),
            sex: daftar_domain::person::Sex::Female,
            nationality: "AFG".into(),
            ..daftar_domain::person::PersonDraft::default()
        },
    )
    .unwrap()
    .id
    .to_string()
}
