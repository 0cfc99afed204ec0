//! `daftar kpi compute` (the KPI job, on demand) and `daftar bench kpi` (generated offices,
//! persons and cases; the job's time over every office, the KPI pages' query times, and plan
//! versus actual: the province's follow-up list and one office's plan page).

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
    plans(store, a, end)?;
    Ok(ExitCode::SUCCESS)
}

/// Plan versus actual: an approved one-year plan for the current year for every office of the
/// first province, then the follow-up list of the province (`plans_follow_up` and
/// `plan::follow_up`: every plan's targets against every office's rows of the year) and one
/// office's plan page (`office_plan`, `office_kpis` from the year before, `plan::progress`).
fn plans(store: &daftar_store::SqlStore, a: &BenchKpi, end: SolarMonth) -> Result<()> {
    use daftar_domain::plan::{PlanContent, PlanKind, PlanStep, TargetInput, follow_up, progress};
    use daftar_domain::store::{PlanStore, ServiceStore};
    let ctx = super::system_ctx("bench-plans");
    let services: std::collections::BTreeSet<String> = store
        .services()?
        .into_iter()
        .map(|s| s.definition.code.as_str().to_owned())
        .collect();
    let first_service = services.iter().next().cloned().unwrap_or_default();
    let t = |metric: &str, service: &str, value: &str| TargetInput {
        year: "1".into(),
        metric: metric.into(),
        service: service.into(),
        value: value.into(),
    };
    let content = PlanContent::parse(
        PlanKind::OneYear,
        "5",
        "8-16",
        "",
        &[
            t("cases", "", "2500"),
            t("per_working_day", "", "8"),
            t("median", "", "4"),
            t("rejection_rate", "", "10"),
            t("breach_rate", "", "5"),
            t("complaints", "", "2"),
            t("seasonality", "", "0.5"),
            t("cases", &first_service, "600"),
        ],
        &services,
    )?;
    let offices: Vec<_> = store
        .list_offices(
            &system_reach(Permission::OfficeRead),
            daftar_domain::page::PageRequest {
                page: 1,
                per_page: 10_000,
            },
        )?
        .items
        .into_iter()
        .filter(|o| o.province == "Province 00")
        .collect();
    let t0 = Instant::now();
    for o in &offices {
        let write = system_scope(o.id, Permission::PlanSubmit);
        let p = store.create_plan(&ctx, &write, PlanKind::OneYear, end.year, &content)?;
        store.plan_step(&ctx, &write, p.id, PlanStep::Submit, "", Some(1))?;
        let review = system_scope(o.id, Permission::PlanReview);
        store.plan_step(&ctx, &review, p.id, PlanStep::Approve, "", Some(2))?;
    }
    println!(
        "{} plans made and approved in {:.1} s",
        offices.len(),
        t0.elapsed().as_secs_f64()
    );
    let reach = system_reach(Permission::PlanReview);
    let mut ms = vec![];
    let mut listed = 0;
    for _ in 0..a.queries {
        let t = Instant::now();
        let (o, p, rows) = store.plans_follow_up(&reach, Some("Province 00"), end.year)?;
        listed = follow_up(&o, &p, &rows, end).len();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "plan follow-up query ({} offices, {listed} listed): {}",
        offices.len(),
        ms_summary(ms)
    );
    let office = offices.first().context("no office in Province 00")?;
    let (plan_scope, kpi) = (
        system_scope(office.id, Permission::PlanReview),
        system_scope(office.id, Permission::KpiRead),
    );
    let id = store
        .office_plans(&plan_scope)?
        .first()
        .context("no plan")?
        .id;
    let mut ms = vec![];
    for _ in 0..a.queries {
        let t = Instant::now();
        let (plan, _) = store.office_plan(&plan_scope, id)?;
        let from = SolarMonth {
            year: plan.start_year - 1,
            month: 1,
        };
        let rows = store.office_kpis(&kpi, from, end)?;
        let _ = progress(&plan, &rows, end);
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "plan versus actual page query (one office): {}",
        ms_summary(ms)
    );
    Ok(())
}
