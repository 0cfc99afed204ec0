//! Planning figures for partners: `PlanningStore`. One grouped count of the persons living in
//! the country by their office (catchment), sex and age group on the day asked — the age group
//! decided in SQL by comparing the ISO birth date with the groups' bounds — with the same SQL
//! on both backends. Counts only: no person leaves the store.

use crate::SqlStore;
use crate::sql::params;
use daftar_domain::permission::{Permission, Reach};
use daftar_domain::planning::{AgeGroup, birth_bounds};
use daftar_domain::store::PlanningCount;
use daftar_domain::{Error, Result};
use time::Date;

impl daftar_domain::store::PlanningStore for SqlStore {
    fn planning_counts(
        &self,
        reach: &Reach,
        today: Date,
        province: Option<&str>,
    ) -> Result<Vec<PlanningCount>> {
        if reach.permission() != Permission::AggregateRead {
            return Err(Error::forbidden("auth.forbidden"));
        }
        let [five, eighteen, sixty_five] = birth_bounds(today).map(daftar_domain::jalali::iso_day);
        let office = reach.office_id().map(|o| o.to_string()).unwrap_or_default();
        let province = province.unwrap_or_default().to_owned();
        self.read(|tx| {
            let rows = tx.query(
                concat!(
                    "SELECT o.province, o.district, o.code, persons.sex, ",
                    "CASE WHEN persons.birth_date IS NULL THEN 'unknown' ",
                    "WHEN persons.birth_date > $1 THEN 'under_five' ",
                    "WHEN persons.birth_date > $2 THEN 'school_age' ",
                    "WHEN persons.birth_date > $3 THEN 'working_age' ELSE 'elderly' END, COUNT(*) ",
                    "FROM persons JOIN offices o ON o.id = persons.office_id ",
                    "WHERE persons.merged_into IS NULL AND persons.status IN ('registered', 'renewed', 'lapsed') ",
                    "AND ($4 = '' OR o.province = $4) AND ($5 = '' OR o.id = $5) AND ",
                    person_visible!(),
                    " GROUP BY o.province, o.district, o.code, persons.sex, 5 ORDER BY o.province, o.district, o.code"
                ),
                params![five, eighteen, sixty_five, province, office],
            )?;
            super::all(rows, |r| {
                Ok(PlanningCount {
                    province: r.text(0)?,
                    district: r.text(1)?,
                    office_code: r.text(2)?,
                    sex: r.text(3)?,
                    group: AgeGroup::parse(&r.text(4)?)
                        .ok_or_else(|| Error::internal("planning: an unknown age group"))?,
                    count: u64::try_from(r.i64(5)?).unwrap_or(0),
                })
            })
        })
    }
}
