//! `daftar bench dashboard`: the generated population of `bench kpi` (offices over provinces
//! and districts, persons, cases over 13 Solar Hijri months) with receipts, help-desk
//! complaints and an open round over every office; the KPI job's pass (which writes the
//! dashboard's monthly counts too); then each dashboard query timed through the store for the
//! country, a province, a district and one office, over the 12 months ending with the current
//! one (and the country's cases and counts from the offices' rows, as before the per-province
//! roll-ups). `--keep DIR` keeps the SQLite database; `--reuse` times a population an earlier run
//! generated (on the same PostgreSQL database or kept directory) after running the job again.

use crate::cli::BenchDashboard;
use anyhow::{Result, bail};
use daftar_domain::dashboard::Filter;
use daftar_domain::kpi::SolarMonth;
use daftar_domain::permission::{Permission, Reach, system_reach, system_scope};
use daftar_domain::store::{DashboardStore, KpiStore, OfficeStore, SystemStore};
use std::process::ExitCode;
use std::time::Instant;

fn timed(n: usize, mut f: impl FnMut() -> Result<usize>) -> Result<(Vec<f64>, usize)> {
    let mut out = Vec::with_capacity(n);
    let mut rows = 0;
    for _ in 0..n {
        let t = Instant::now();
        rows = f()?;
        out.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    out.sort_by(f64::total_cmp);
    Ok((out, rows))
}

fn line(what: &str, (ms, rows): (Vec<f64>, usize)) {
    println!(
        "{what}: p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms  ({rows} rows, {} runs)",
        super::bench::percentile(&ms, 0.5),
        super::bench::percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(0.0),
        ms.len()
    );
}

/// The tables the dashboard's queries read.
const DASHBOARD_TABLES: [&str; 6] = [
    "kpi_monthly",
    "dashboard_monthly",
    "kpi_province_monthly",
    "dashboard_province_monthly",
    "round_offices",
    "offices",
];

/// Runs the benchmark.
pub fn bench(database_url: Option<&str>, a: &BenchDashboard) -> Result<ExitCode> {
    if a.provinces == 0 || a.offices_per_province == 0 || a.cases == 0 || a.queries == 0 {
        bail!("--provinces, --offices-per-province, --cases and --queries must be at least 1");
    }
    match (&a.keep, database_url) {
        (Some(_), Some(_)) => bail!(
            "--keep is for a SQLite database; with --database-url the data stays where the URL points"
        ),
        (Some(dir), None) => {
            std::fs::create_dir_all(dir)?;
            let clock = daftar_domain::clock::Clock::system_minutes(210);
            let store =
                daftar_store::open_sqlite(&dir.join("daftar.db"))?.with_clock(clock.clone());
            let result = run(&store, &clock, a);
            eprintln!("database kept in {}", dir.display());
            result
        }
        (None, _) => super::bench::on_fresh_store("dashboard", database_url, |store, clock| {
            run(store, clock, a)
        }),
    }
}

fn run(
    store: &daftar_store::SqlStore,
    clock: &daftar_domain::clock::Clock,
    a: &BenchDashboard,
) -> Result<ExitCode> {
    let any = daftar_domain::page::PageRequest {
        page: 1,
        per_page: 1,
    };
    let empty = store
        .list_offices(&system_reach(Permission::OfficeRead), any)?
        .items
        .is_empty();
    if !empty && !a.reuse {
        bail!(
            "the database is not empty: give `daftar bench dashboard` a fresh one, or --reuse for one an earlier run generated"
        );
    }
    let cal = daftar_store::profile::install(store, &daftar_domain::profile::Profile::iran()?)?;
    let today = clock.today();
    let end = SolarMonth::of(today);
    let months = end.last(13);
    let (first, _) = months[0].days()?;
    let from = first
        .midnight()
        .assume_offset(clock.offset())
        .to_offset(time::UtcOffset::UTC);
    let days = u64::try_from((today - first).whole_days().max(1)).unwrap_or(1);
    let fixture = daftar_store::synth::KpiFixture {
        provinces: a.provinces,
        offices_per_province: a.offices_per_province,
        persons: a.persons,
        cases: a.cases,
        from,
        days,
    };
    println!(
        "{} {} offices in {} provinces, {} persons, {} cases over {} to {}, receipts for one case in five, {} complaints, a round ({})…",
        if empty { "generating" } else { "reusing" },
        a.provinces * a.offices_per_province,
        a.provinces,
        a.persons,
        a.cases,
        months[0].code(),
        end.code(),
        a.complaints,
        match store.backend() {
            daftar_domain::store::Backend::Sqlite => "SQLite",
            daftar_domain::store::Backend::Postgres => "PostgreSQL",
        }
    );
    if empty {
        let t = Instant::now();
        store.load_kpi_fixture(&fixture)?;
        store.load_dashboard_extras(&fixture, a.complaints, today)?;
        store.execute_raw("ANALYZE")?;
        println!("generated in {:.1} s", t.elapsed().as_secs_f64());
    } else if store.dashboard_fixture_present(&fixture, a.complaints)? {
        println!("generated by an earlier run: found, not generated again");
    } else {
        bail!(
            "the database does not hold what these options generate (offices, persons, cases, complaints, the round): give the same options as the run that generated it, or a fresh database"
        );
    }
    let t = Instant::now();
    let run = store
        .compute_kpis(&super::system_ctx("bench-dashboard"), &cal, &months)?
        .ok_or_else(|| anyhow::anyhow!("another KPI pass held the lock"))?;
    println!(
        "KPI job with the dashboard's monthly counts, {} months: {} KPI rows in {:.1} s",
        run.months,
        run.rows,
        t.elapsed().as_secs_f64()
    );
    // The job has just replaced the tables the dashboard reads: give the planner their
    // statistics (on PostgreSQL autovacuum would soon; a SQLite server keeps those of the
    // last ANALYZE, which for the tables' shape is as good).
    let t = Instant::now();
    for table in DASHBOARD_TABLES {
        store.execute_raw(&format!("ANALYZE {table}"))?;
    }
    println!(
        "analysed the dashboard's tables in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let all = system_reach(Permission::AggregateRead);
    let office = store
        .list_offices(&system_reach(Permission::OfficeRead), any)?
        .items
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no office"))?;
    let one = Reach::Office(system_scope(office.id, Permission::AggregateRead));
    let q = |p: &str, d: &str, o: &str| Filter::parse("", "", p, d, o, end);
    let views: [(&str, Reach, Filter); 4] = [
        ("country (per province)", all, q("", "", "")?),
        (
            "a province (per district)",
            all,
            q(&office.province, "", "")?,
        ),
        (
            "a district (per office)",
            all,
            q(&office.province, &office.district, "")?,
        ),
        (
            "one office (its manager)",
            one,
            q("", "", "")?.for_office(office.code.as_str()),
        ),
    ];
    for (what, reach, f) in &views {
        println!("— {what}, 12 months:");
        line(
            "  coverage of open rounds",
            timed(a.queries, || {
                Ok(store
                    .dashboard_coverage(reach, f)?
                    .iter()
                    .map(|r| r.places.len())
                    .sum())
            })?,
        );
        line(
            "  cases by service and status, SLA, renewals",
            timed(a.queries, || Ok(store.dashboard_cases(reach, f)?.len()))?,
        );
        line(
            "  registrations, receipts, complaints",
            timed(a.queries, || Ok(store.dashboard_counts(reach, f)?.len()))?,
        );
        line(
            "  offices for the filter",
            timed(a.queries, || Ok(store.dashboard_offices(reach)?.len()))?,
        );
        line(
            "  the page's four queries together",
            timed(a.queries, || {
                Ok(store.dashboard_coverage(reach, f)?.len()
                    + store.dashboard_cases(reach, f)?.len()
                    + store.dashboard_counts(reach, f)?.len()
                    + store.dashboard_offices(reach)?.len())
            })?,
        );
    }
    // The country's cases and counts as they were read before the per-province roll-ups: from
    // every office's rows (the same answer; the store test compares them).
    let (reach, f) = (&views[0].1, &views[0].2);
    println!("— country (per province), 12 months, from the offices' rows (no roll-up):");
    line(
        "  cases and counts",
        timed(a.queries, || {
            let (cases, counts) = store.dashboard_detailed(reach, f)?;
            Ok(cases.len() + counts.len())
        })?,
    );
    Ok(ExitCode::SUCCESS)
}
