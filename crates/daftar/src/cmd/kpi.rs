//! `daftar kpi compute` (the KPI job, on demand) and `daftar bench kpi` (generated offices,
//! persons and cases; the job's time over every office and the KPI pages' query times).

use crate::cli::{BenchKpi, KpiCompute};
use crate::config::Loaded;
use anyhow::{Context, Result, bail};
use daftar_domain::kpi::{Metric, SolarMonth, province_ranking, seasonality};
use daftar_domain::permission::{Permission, system_reach, system_scope};
use daftar_domain::store::{KpiStore, OfficeStore, SystemStore};
use std::process::ExitCode;
use std::time::Instant;

/// Computes the KPI series now.
pub fn compute(loaded: &Loaded, args: &KpiCompute) -> Result<ExitCode> {
    if !(1..=120).contains(&args.months) {
        bail!("--months must be 1 to 120");
    }
    let store = super::open(loaded)?;
    let cal = daftar_store::profile::install(store.as_ref(), &super::profile(loaded)?)?;
    let end = match &args.to {
        Some(m) => SolarMonth::parse(m).context("--to: a Solar Hijri month such as 1405/03")?,
        None => SolarMonth::of(loaded.config.clock().today()),
    };
    let months = end.last(args.months);
    let started = Instant::now();
    match store.compute_kpis(&super::system_ctx("kpi"), &cal, &months)? {
        Some(run) => println!(
            "KPIs computed for {} months ({} to {}): {} rows in {:.1} s",
            run.months,
            months[0].code(),
            end.code(),
            run.rows,
            started.elapsed().as_secs_f64()
        ),
        None => println!("another node is computing KPIs now; nothing done"),
    }
    Ok(ExitCode::SUCCESS)
}

fn ms_summary(mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    format!(
        "p50 {:.1} ms, max {:.1} ms over {} queries",
        super::bench::percentile(&ms, 0.5),
        ms.last().copied().unwrap_or(0.0),
        ms.len()
    )
}

/// The benchmark.
pub fn bench(database_url: Option<&str>, a: &BenchKpi) -> Result<ExitCode> {
    if a.provinces == 0 || a.offices_per_province == 0 || a.cases == 0 || a.queries == 0 {
        bail!("--provinces, --offices-per-province, --cases and --queries must be at least 1");
    }
    super::bench::on_fresh_store("kpi", database_url, |store, clock| run(store, clock, a))
}

fn run(
    store: &daftar_store::SqlStore,
    clock: &daftar_domain::clock::Clock,
    a: &BenchKpi,
) -> Result<ExitCode> {
    if !store
        .list_offices(
            &system_reach(Permission::OfficeRead),
            daftar_domain::page::PageRequest {
                page: 1,
                per_page: 1,
            },
        )?
        .items
        .is_empty()
    {
        bail!("the database is not empty: give `daftar bench kpi` a fresh one");
    }
    let cal = daftar_store::profile::install(store, &daftar_domain::profile::Profile::iran()?)?;
    let end = SolarMonth::of(clock.today());
    let months = end.last(13);
    let (first, _) = months[0].days()?;
    let (_, next) = end.days()?;
    let from = first
        .midnight()
        .assume_offset(clock.offset())
        .to_offset(time::UtcOffset::UTC);
    // Up to today, so that no case is opened in the future.
    let days = u64::try_from((clock.today().min(next) - first).whole_days().max(1)).unwrap_or(1);
    let offices = a.provinces * a.offices_per_province;
    println!(
        "generating {offices} offices in {} provinces, {} persons, {} cases over {} to {} ({} backend)…",
        a.provinces,
        a.persons,
        a.cases,
        months[0].code(),
        end.code(),
        match store.backend() {
            daftar_domain::store::Backend::Sqlite => "SQLite",
            daftar_domain::store::Backend::Postgres => "PostgreSQL",
        }
    );
    let t = Instant::now();
    store.load_kpi_fixture(&daftar_store::synth::KpiFixture {
        provinces: a.provinces,
        offices_per_province: a.offices_per_province,
        persons: a.persons,
        cases: a.cases,
        from,
        days,
    })?;
    println!("generated in {:.1} s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let run = store
        .compute_kpis(&super::system_ctx("bench-kpi"), &cal, &months)?
        .context("another KPI pass held the lock")?;
    println!(
        "KPI job, every office, {} months: {} rows in {:.1} s",
        run.months,
        run.rows,
        t.elapsed().as_secs_f64()
    );

    // The province page: every office of one province with 13 months, ranked.
    let reach = system_reach(Permission::KpiRead);
    let mut province_ms = vec![];
    let mut ranked = 0;
    for _ in 0..a.queries {
        let t = Instant::now();
        let series = store.province_kpis(&reach, Some("Province 00"), false, months[0], end)?;
        let r = province_ranking(series, end, Metric::PerWorkingDay);
        ranked = r.len();
        province_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "province ranking page query ({ranked} offices): {}",
        ms_summary(province_ms)
    );
    // The office page: one office's series per service and in total, and its seasonality.
    let office = store
        .list_offices(
            &system_reach(Permission::OfficeRead),
            daftar_domain::page::PageRequest {
                page: 1,
                per_page: 1,
            },
        )?
        .items
        .into_iter()
        .next()
        .context("no office")?;
    let scope = system_scope(office.id, Permission::KpiRead);
    let mut office_ms = vec![];
    let mut rows = 0;
    for _ in 0..a.queries {
        let t = Instant::now();
        let series = store.office_kpis(&scope, months[0], end)?;
        let _ = seasonality(&series, end);
        rows = series.len();
        office_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "office KPI page query ({rows} rows): {}",
        ms_summary(office_ms)
    );
    Ok(ExitCode::SUCCESS)
}
