//! Planning figures for partners: `PlanningStore`. One grouped count of the persons living in
//! the country by their office (catchment), sex and age group on the day asked — the age group
//! decided in SQL by comparing the ISO birth date with the groups' bounds — with the same SQL
//! on both backends. Counts only: no person leaves the store.

use crate::SqlStore;
use crate::sql::params;
use daftar_domain::permission::{Permission, Reach};
use daftar_domain::planning::{AgeGroup, birth_bounds};
use daftar_domain::store::{PlanningCount, RoundPlanningCount};
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
                    "WHEN persons.birth_date > $3 THEN 'working_age' ELSE 'elderly' END, COUNT(*), ",
                    "SUM(CASE WHEN n.medical_needs THEN 1 ELSE 0 END) ",
                    "FROM persons JOIN offices o ON o.id = persons.office_id ",
                    "LEFT JOIN person_needs n ON n.person_id = persons.id ",
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
                    medical: u64::try_from(r.i64(6)?).unwrap_or(0),
                })
            })
        })
    }

    fn planning_rounds(
        &self,
        reach: &Reach,
        province: Option<&str>,
        district: Option<&str>,
    ) -> Result<Vec<RoundPlanningCount>> {
        if reach.permission() != Permission::AggregateRead {
            return Err(Error::forbidden("auth.forbidden"));
        }
        let office = reach.office_id().map(|o| o.to_string()).unwrap_or_default();
        let province = province.unwrap_or_default().to_owned();
        let district = district.unwrap_or_default().to_owned();
        self.read(|tx| {
            let rounds = tx.query(
                "SELECT id, name, opens_on FROM rounds ORDER BY opens_on, created_at, id",
                params![],
            )?;
            let mut out = vec![];
            for r in rounds {
                let (id, name) = (r.text(0)?, r.text(1)?);
                let opens_on = super::cases::date(&r.text(2)?)?;
                let [five, eighteen, sixty_five] =
                    birth_bounds(opens_on).map(daftar_domain::jalali::iso_day);
                let rows = tx.query(
                    concat!(
                        "SELECT CASE WHEN p.birth_date IS NULL THEN 'unknown' ",
                        "WHEN p.birth_date > $1 THEN 'under_five' ",
                        "WHEN p.birth_date > $2 THEN 'school_age' ",
                        "WHEN p.birth_date > $3 THEN 'working_age' ELSE 'elderly' END, COUNT(*) ",
                        "FROM round_members m JOIN persons p ON p.id = m.person_id ",
                        "JOIN offices o ON o.id = m.office_id WHERE m.round_id = $4 ",
                        "AND ($5 = '' OR o.province = $5) AND ($6 = '' OR o.district = $6) ",
                        "AND ($7 = '' OR o.id = $7) GROUP BY 1"
                    ),
                    params![
                        five,
                        eighteen,
                        sixty_five,
                        id.as_str(),
                        province.as_str(),
                        district.as_str(),
                        office.as_str()
                    ],
                )?;
                for row in rows {
                    out.push(RoundPlanningCount {
                        round: name.clone(),
                        opens_on,
                        group: AgeGroup::parse(&row.text(0)?)
                            .ok_or_else(|| Error::internal("planning: an unknown age group"))?,
                        count: u64::try_from(row.i64(1)?).unwrap_or(0),
                    });
                }
            }
            Ok(out)
        })
    }
}
