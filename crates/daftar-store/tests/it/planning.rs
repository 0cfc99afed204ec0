//! Planning figures on SQLite and PostgreSQL: persons counted by their office's province and
//! district, sex and age group on the day asked (the groups' bounds on the day itself, a
//! missing birth date apart), persons who left, died or were merged not counted, an office's
//! reach limited to its own catchment, and any permission but `aggregate.read` refused.

use crate::fixtures::{ctx, office};
use daftar_domain::office::{CreateOffice, OfficeCode};
use daftar_domain::permission::{Permission, Reach, system_reach, system_scope};
use daftar_domain::person::{PersonDraft, Sex};
use daftar_domain::planning::AgeGroup;
use daftar_domain::store::{PlanningCount, Store};
use daftar_testkit::{Register, both_backends};
use time::macros::date;

fn register(
    s: &dyn Store,
    office: daftar_domain::ids::OfficeId,
    birth: Option<&str>,
    sex: Sex,
) -> String {
    s.register(
        &ctx(),
        &system_scope(office, Permission::PersonWrite),
        &PersonDraft {
            given_name: "مریم".into(),
            family_name: "رضایی".into(),
            father_name: "علی".into(),
            birth_date: birth.map(str::to_owned),
            sex,
            nationality: "AFG".into(),
            ..PersonDraft::default()
        },
    )
    .unwrap()
    .id
    .to_string()
}

fn count(rows: &[PlanningCount], office: &str, sex: &str, group: AgeGroup) -> u64 {
    rows.iter()
        .filter(|r| r.office_code == office && r.sex == sex && r.group == group)
        .map(|r| r.count)
        .sum()
}

both_backends! {
    fn persons_are_counted_by_catchment_sex_and_age_group(db) {
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let m = s
            .create_office(
                &ctx(),
                &CreateOffice::parse(OfficeCode::parse("MHD-01").unwrap(), "دفتر", "Office", "خراسان رضوی", "مشهد").unwrap(),
            )
            .unwrap()
            .id;
        let today = date!(2026 - 12 - 05);
        // THR-01: born the day five years back is five (school age); a day later, four.
        register(s.as_ref(), a, Some("2021-12-05"), Sex::Female);
        register(s.as_ref(), a, Some("2021-12-06"), Sex::Female);
        register(s.as_ref(), a, Some("2010-03-01"), Sex::Male);
        register(s.as_ref(), a, Some("2008-12-05"), Sex::Male);
        register(s.as_ref(), a, Some("1961-12-05"), Sex::Female);
        register(s.as_ref(), a, Some("1961-12-06"), Sex::Female);
        register(s.as_ref(), a, None, Sex::Male);
        // Not living in the country any more, or merged: not counted.
        let gone = register(s.as_ref(), a, Some("1990-01-01"), Sex::Male);
        let merged = register(s.as_ref(), a, Some("1990-01-01"), Sex::Male);
        db.sql().execute_raw(&format!("UPDATE persons SET status = 'departed' WHERE id = '{gone}'")).unwrap();
        db.sql().execute_raw(&format!("UPDATE persons SET merged_into = '{gone}' WHERE id = '{merged}'")).unwrap();
        // MHD-01.
        register(s.as_ref(), m, Some("2000-01-01"), Sex::Female);

        let all = s.planning_counts(&system_reach(Permission::AggregateRead), today, None).unwrap();
        assert_eq!(count(&all, "THR-01", "female", AgeGroup::UnderFive), 1);
        assert_eq!(count(&all, "THR-01", "female", AgeGroup::SchoolAge), 1);
        assert_eq!(count(&all, "THR-01", "male", AgeGroup::SchoolAge), 1, "17 on the day");
        assert_eq!(count(&all, "THR-01", "male", AgeGroup::WorkingAge), 1, "18 on the day");
        assert_eq!(count(&all, "THR-01", "female", AgeGroup::Elderly), 1, "65 on the day");
        assert_eq!(count(&all, "THR-01", "female", AgeGroup::WorkingAge), 1, "64 on the day");
        assert_eq!(count(&all, "THR-01", "male", AgeGroup::Unknown), 1);
        assert_eq!(all.iter().filter(|r| r.office_code == "THR-01").map(|r| r.count).sum::<u64>(), 7);
        let mhd = all.iter().find(|r| r.office_code == "MHD-01").unwrap();
        assert_eq!((mhd.province.as_str(), mhd.district.as_str(), mhd.count), ("خراسان رضوی", "مشهد", 1));
        // One province.
        let tehran = s.planning_counts(&system_reach(Permission::AggregateRead), today, Some("تهران")).unwrap();
        assert!(tehran.iter().all(|r| r.province == "تهران") && !tehran.is_empty());
        // An office's reach: its own catchment only.
        let own = s.planning_counts(&Reach::Office(system_scope(m, Permission::AggregateRead)), today, None).unwrap();
        assert_eq!(own.iter().map(|r| r.office_code.as_str()).collect::<Vec<_>>(), ["MHD-01"]);
        // Another permission is refused.
        assert_eq!(s.planning_counts(&system_reach(Permission::PersonRead), today, None).unwrap_err().code, "auth.forbidden");
    }
}
