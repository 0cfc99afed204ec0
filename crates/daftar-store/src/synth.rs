//! Synthetic offices, persons and cases for `daftar bench kpi` (and, with receipts, complaints
//! and a round, `daftar bench dashboard`), generated inside the database
//! (PostgreSQL `generate_series`, SQLite a recursive CTE) so that millions of rows load in
//! minutes. Benchmarks only: the rows are not audited, the persons carry placeholder names and
//! no match keys, and the cases no members, documents or payments. Never used by the server.

use crate::SqlStore;
use crate::sql::Dialect;
use daftar_domain::Result;
use time::OffsetDateTime;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct KpiFixture {
    /// Provinces (`Province 00`, `Province 01`, …).
    pub provinces: u64,
    /// Offices per province.
    pub offices_per_province: u64,
    /// Persons, spread over the offices.
    pub persons: u64,
    /// Cases, spread over the persons (a case at its person's office).
    pub cases: u64,
    /// Cases are opened between this instant and `days` days later.
    pub from: OffsetDateTime,
    /// Days the cases are spread over.
    pub days: u64,
}

/// The services the generated cases are of.
const SERVICES: [&str; 8] = [
    "card_renewal",
    "registration_status_certificate",
    "work_permit",
    "work_permit_renewal",
    "travel_permit",
    "exit_permit",
    "school_enrolment_letter",
    "newborn_registration",
];

impl SqlStore {
    /// Loads `f` into an empty database (offices with codes `B0001`…; ids that are valid ULIDs).
    pub fn load_kpi_fixture(&self, f: &KpiFixture) -> Result<()> {
        let offices = f.provinces * f.offices_per_province;
        let persons = f.persons.max(1);
        let from = crate::sql::ts_text(f.from);
        let secs = f.days.max(1) * 86_400;
        let services = SERVICES
            .iter()
            .enumerate()
            .map(|(i, s)| format!("WHEN {i} THEN '{s}'"))
            .collect::<Vec<_>>()
            .join(" ");
        let per = f.offices_per_province.max(1);
        self.write(|tx| {
            let d = tx.dialect();
            let series = |n: u64| match d {
                Dialect::Postgres => format!("generate_series(1::bigint, {n}) AS s(i)"),
                Dialect::Sqlite => format!(
                    "(WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < {n}) SELECT i FROM r) AS s"
                ),
            };
            let pad = |e: &str, w: u32| match d {
                Dialect::Postgres => format!("lpad(({e})::text, {w}, '0')"),
                Dialect::Sqlite => format!("printf('%0{w}d', {e})"),
            };
            // Whole seconds after `from`, as a timestamp of the column's type.
            let at = |secs_expr: &str| match d {
                Dialect::Postgres => {
                    format!("('{from}'::timestamptz + make_interval(secs => ({secs_expr})))")
                }
                Dialect::Sqlite => {
                    format!("strftime('%Y-%m-%dT%H:%M:%fZ', '{from}', '+' || ({secs_expr}) || ' seconds')")
                }
            };
            let day = |ts: &str| match d {
                Dialect::Postgres => format!("to_char({ts} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
                Dialect::Sqlite => format!("date({ts})"),
            };
            let now = match d {
                Dialect::Postgres => "now()",
                Dialect::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            };
            let office_id = |n: &str| format!("'01KPB0' || {}", pad(n, 20));
            tx.batch(&format!(
                "INSERT INTO offices (id, code, name_fa, name_en, province, district, status, created_at) \
                 SELECT {oid}, 'B' || {code}, 'دفتر ' || i, 'Office ' || i, 'Province ' || {prov}, 'District ' || (i % 10), 'active', {now} FROM {s}",
                oid = office_id("i"),
                code = pad("i", 4),
                prov = pad(&format!("(i - 1) / {per}"), 2),
                s = series(offices),
            ))?;
            tx.batch(&format!(
                "INSERT INTO persons (id, office_id, registry_no, given_name, family_name, father_name, sex, nationality, created_at) \
                 SELECT '01KPP0' || {pid}, {oid}, 'BENCH-' || {pid}, 'نام', 'خانواده', 'پدر', 'female', 'AFG', {now} FROM {s}",
                pid = pad("i", 20),
                oid = office_id(&format!("(i % {offices}) + 1")),
                s = series(persons),
            ))?;
            // Case j: person j mod P (at that person's office); its own pseudo-random figures
            // from multiplicative hashes of j. Offices differ in season: office k's cases lean
            // towards the months k mod 12 (a third of them are drawn from a 30-day band).
            let person = format!("(i % {persons})");
            let office = format!("(({person} % {offices}) + 1)");
            let h = |m: u64, modulo: u64| format!("((i * {m}) % {modulo})");
            let opened_secs = format!(
                "CASE WHEN {h3} = 0 THEN ((({office} % 12) * 30 * 86400) + {band}) % {secs} ELSE {spread} END",
                h3 = h(7, 3),
                band = h(40503, 30 * 86_400),
                spread = h(2_654_435_761, secs),
            );
            let state = format!(
                "CASE WHEN {r} < 70 THEN 'approved' WHEN {r} < 80 THEN 'rejected' WHEN {r} < 85 THEN 'cancelled' ELSE 'open' END",
                r = h(7919, 100)
            );
            let handling = format!("(1 + {} + {})", h(104_729, 12), h(1_299_709, 9));
            let opened = at(&opened_secs);
            let closed = at(&format!("({opened_secs}) + {handling} * 86400"));
            tx.batch(&format!(
                "INSERT INTO cases (id, reference, office_id, service_code, service_version, person_id, state, step, step_started_on, due_on, consent, escalation, fee_year, opened_at, opened_by, closed_at, version) \
                 SELECT '01KPC0' || {cid}, 'BENCH-' || {cid}, {oid}, CASE {svc} {services} END, 1, '01KPP0' || {pid}, {state}, 0, {day}, {day}, FALSE, CASE WHEN {esc} = 0 THEN 1 ELSE 0 END, 1405, {opened}, 'bench', CASE WHEN {r} < 85 THEN {closed} END, 1 FROM {s}",
                cid = pad("i", 20),
                oid = office_id(&office),
                svc = h(31, SERVICES.len() as u64),
                pid = pad(&format!("{person} + 1"), 20),
                day = day(&opened),
                esc = h(13, 9),
                r = h(7919, 100),
                s = series(f.cases),
            ))?;
            // One case in eleven was returned for correction once.
            tx.batch(&format!(
                "INSERT INTO case_events (case_id, seq, at, actor, kind, step, note) \
                 SELECT '01KPC0' || {cid}, 1, {opened}, 'bench', 'case.return', 0, '' FROM {s} WHERE i % 11 = 0",
                cid = pad("i", 20),
                s = series(f.cases),
            ))?;
            Ok(())
        })?;
        Ok(())
    }

    /// After [`SqlStore::load_kpi_fixture`]: a receipt for one case in five (paid the day the
    /// case was opened), `complaints` help-desk complaints spread over the offices and the same
    /// days, and one round open today over every office (its counters only: expected and
    /// renewed per office, as the approving transactions would have left them).
    pub fn load_dashboard_extras(
        &self,
        f: &KpiFixture,
        complaints: u64,
        today: time::Date,
    ) -> Result<()> {
        let offices = f.provinces * f.offices_per_province;
        let from = crate::sql::ts_text(f.from);
        let secs = f.days.max(1) * 86_400;
        let iso = daftar_domain::jalali::iso_day;
        self.write(|tx| {
            let d = tx.dialect();
            let (last, paid_on, now) = match d {
                Dialect::Postgres => (
                    "right(id, 1)",
                    "to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
                    "now()",
                ),
                Dialect::Sqlite => (
                    "substr(id, -1)",
                    "date(opened_at)",
                    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                ),
            };
            tx.batch(&format!(
                "INSERT INTO payments (id, case_id, office_id, service_code, fee_code, rials, method, recorded_by, recorded_at, paid_on, receipt_no, check_code) \
                 SELECT 'P' || id, id, office_id, service_code, 'fee', 1500000, 'cash', 'bench', opened_at, {paid_on}, 'R' || id, 'K' || id FROM cases WHERE {last} IN ('0', '5')"
            ))?;
            let series = match d {
                Dialect::Postgres => format!("generate_series(1::bigint, {complaints}) AS s(i)"),
                Dialect::Sqlite => format!(
                    "(WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < {complaints}) SELECT i FROM r) AS s"
                ),
            };
            let (pad, at) = match d {
                Dialect::Postgres => (
                    format!("lpad(((i % {offices}) + 1)::text, 20, '0')"),
                    format!("('{from}'::timestamptz + make_interval(secs => ((i * 2654435761) % {secs})))"),
                ),
                Dialect::Sqlite => (
                    format!("printf('%020d', (i % {offices}) + 1)"),
                    format!("strftime('%Y-%m-%dT%H:%M:%fZ', '{from}', '+' || ((i * 2654435761) % {secs}) || ' seconds')"),
                ),
            };
            tx.batch(&format!(
                "INSERT INTO helpdesk_tickets (id, reference, kind, category, channel, contact_name, contact_phone, anonymous, about_office_id, about_staff, body, state, due_on, answer, answered_role, created_at) \
                 SELECT 'T' || i, 'HD-B' || i, 'complaint', CASE i % 5 WHEN 0 THEN 'overcharging' WHEN 1 THEN 'bribe' WHEN 2 THEN 'discourtesy' WHEN 3 THEN 'delay' ELSE 'other_complaint' END, 'phone', '', '', FALSE, '01KPB0' || {pad}, '', '', 'open', '2026-01-01', '', '', {at} FROM {series}"
            ))?;
            tx.batch(&format!(
                "INSERT INTO rounds (id, name, opens_on, closes_on, services, eligibility, capacity, invited, created_by, created_at, version) VALUES ('01KPR00000000000000000000R', 'bench', '{}', '{}', '[\"card_renewal\"]', '{{}}', 40, {}, 'bench', {now}, 1)",
                iso(today - time::Duration::days(30)),
                iso(today + time::Duration::days(30)),
                f.persons
            ))?;
            tx.batch(
                "INSERT INTO round_offices (round_id, office_id, quota, capacity, expected, renewed, households, households_open) \
                 SELECT '01KPR00000000000000000000R', o.id, c.n, 40, c.n, c.n * 3 / 5, c.n / 3, c.n / 7 FROM offices o JOIN (SELECT office_id, COUNT(*) AS n FROM persons GROUP BY office_id) c ON c.office_id = o.id"
            )?;
            Ok(())
        })
    }

    /// Whether the database holds a complete load of `f` and `complaints` by
    /// [`Self::load_kpi_fixture`] and [`Self::load_dashboard_extras`] (each loads in one
    /// transaction, so a load either happened or left nothing): the number of offices, persons,
    /// cases, complaints and rounds match. For `daftar bench dashboard --reuse`.
    pub fn dashboard_fixture_present(&self, f: &KpiFixture, complaints: u64) -> Result<bool> {
        let n = |sql: &str| -> Result<u64> {
            let rows = self.read(|tx| Ok(tx.query(sql, &[])?))?;
            let v = rows.first().map(|r| r.i64(0)).transpose()?.unwrap_or(0);
            Ok(u64::try_from(v).unwrap_or(0))
        };
        Ok(
            n("SELECT COUNT(*) FROM offices")? == f.provinces * f.offices_per_province
                && n("SELECT COUNT(*) FROM persons")? == f.persons
                && n("SELECT COUNT(*) FROM cases")? == f.cases
                && n("SELECT COUNT(*) FROM helpdesk_tickets WHERE kind = 'complaint'")?
                    == complaints
                && n(
                    "SELECT COUNT(*) FROM round_offices WHERE round_id = '01KPR00000000000000000000R'",
                )? > 0,
        )
    }
}
