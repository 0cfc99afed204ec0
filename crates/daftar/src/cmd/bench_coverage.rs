//! `daftar bench coverage`: a registration round over a generated population, then the reads
//! of issue 19 timed through the store — the coverage of every office (what the coverage page,
//! the report and the dashboard read), one office's coverage, and one office's list of persons
//! not yet seen (first page and a deep page; each an audited write transaction).
//!
//! The population is written with set-based SQL (SQLite: a recursive CTE; PostgreSQL:
//! `generate_series`) straight into `persons` and `round_members`, in chunks: households of
//! three in one office, 60 % already seen; then the offices' counters and twenty days of
//! counts, as the approving transactions would have left them. Cases are not generated: no
//! coverage read touches `cases` (the counters are kept by the approval itself).

use crate::cli::BenchCoverage;
use anyhow::{Context, Result, bail};
use daftar_domain::ids::RoundId;
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, Reach, system_reach, system_scope};
use daftar_domain::store::{Backend, Store};
use std::process::ExitCode;
use std::time::Instant;

/// Provinces the offices are spread over.
const PROVINCES: usize = 31;

fn timed(n: usize, mut f: impl FnMut() -> Result<()>) -> Result<Vec<f64>> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f()?;
        out.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    out.sort_by(f64::total_cmp);
    Ok(out)
}

fn line(what: &str, ms: &[f64]) {
    println!(
        "{what}: p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms  ({} runs)",
        super::bench::percentile(ms, 0.5),
        super::bench::percentile(ms, 0.99),
        ms.last().copied().unwrap_or(0.0),
        ms.len()
    );
}

/// Runs the benchmark.
pub fn coverage(global_db: Option<&str>, args: &BenchCoverage) -> Result<ExitCode> {
    if args.persons < 3 || args.offices == 0 || args.queries == 0 {
        bail!("--persons must be at least 3, --offices and --queries at least 1");
    }
    let tmp = std::env::temp_dir().join(format!("daftar-bench-coverage-{}", ulid::Ulid::new()));
    let result = run(global_db, &tmp, args);
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

fn run(global_db: Option<&str>, tmp: &std::path::Path, args: &BenchCoverage) -> Result<ExitCode> {
    let sql = match global_db {
        Some(url) => daftar_store::connect_sql(url)?,
        None => daftar_store::open_sqlite(&tmp.join("daftar.db"))?,
    };
    let store: &dyn Store = &sql;
    let pg = store.backend() == Backend::Postgres;
    let ctx = super::system_ctx("bench");
    let run_id = &ulid::Ulid::new().to_string()[20..];
    let started = Instant::now();
    // Offices over 31 provinces, two districts each on average.
    let mut offices = Vec::with_capacity(args.offices);
    for k in 0..args.offices {
        let p = k % PROVINCES;
        let o = store.create_office(
            &ctx,
            &daftar_domain::office::CreateOffice::parse(
                daftar_domain::office::OfficeCode::parse(&format!("B{run_id}-{k}"))?,
                &format!("دفتر {k}"),
                &format!("Office {k}"),
                &format!("استان {p}"),
                &format!("شهرستان {p}-{}", (k / PROVINCES) % 2),
            )?,
        )?;
        offices.push(o);
    }
    sql.execute_raw("CREATE TABLE bench_offices (k BIGINT PRIMARY KEY, id TEXT NOT NULL)")?;
    for (k, o) in offices.iter().enumerate() {
        sql.execute_raw(&format!(
            "INSERT INTO bench_offices (k, id) VALUES ({k}, '{}')",
            o.id
        ))?;
    }
    let round = RoundId::new();
    let today = daftar_domain::clock::Clock::default().today();
    let iso = daftar_domain::jalali::iso_day;
    let ts = |lit: &str| {
        if pg {
            format!("TIMESTAMPTZ '{lit}'")
        } else {
            format!("'{lit}'")
        }
    };
    let now = ts("2026-01-01T00:00:00.000Z");
    let eligibility = serde_json::to_string(&daftar_domain::round::Eligibility::parse(
        &[],
        "",
        "",
        ("", "", ""),
        "",
    )?)?;
    sql.execute_raw(&format!(
        "INSERT INTO rounds (id, name, opens_on, closes_on, services, eligibility, capacity, invited, created_by, created_at, version) VALUES ('{round}', 'bench', '{}', '{}', '[\"card_renewal\"]', '{eligibility}', 40, {}, 'bench', {now}, 1)",
        iso(today - time::Duration::days(27)),
        iso(today + time::Duration::days(30)),
        args.persons
    ))?;
    let k = args.offices;
    let bar = crate::output::progress(args.persons as u64, "persons");
    const CHUNK: usize = 250_000;
    let mut from = 1usize;
    while from <= args.persons {
        let to = (from + CHUNK - 1).min(args.persons);
        // Households of three (i / 3) in one office; every third person heads one; six in ten
        // already seen.
        let (series, id, reg, phone, hh) = if pg {
            (
                format!("generate_series({from}, {to}) AS n(i)"),
                "lpad(i::text, 26, '0')",
                "'B{run}' || i",
                "'0912' || i",
                "'H' || (i / 3)",
            )
        } else {
            (
                "n".to_owned(),
                "printf('%026d', i)",
                "'B{run}' || i",
                "'0912' || i",
                "'H' || (i / 3)",
            )
        };
        let reg = reg.replace("{run}", run_id);
        let with = if pg {
            String::new()
        } else {
            format!(
                "WITH RECURSIVE n(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM n WHERE i < {to}) "
            )
        };
        let office = format!("(SELECT id FROM bench_offices WHERE k = (i / 3) % {k})");
        sql.execute_raw(&format!(
            "{with}INSERT INTO persons (id, office_id, registry_no, given_name, family_name, father_name, sex, nationality, created_at, phone) SELECT {id}, {office}, {reg}, 'نام', 'خانواده', 'پدر', 'female', 'AFG', {now}, {phone} FROM {series}"
        ))
        .context("generating persons")?;
        let head = "(i % 3 = 0)";
        sql.execute_raw(&format!(
            "{with}INSERT INTO round_members (round_id, person_id, office_id, household_key, head, invited_at, seen_at) SELECT '{round}', {id}, {office}, {hh}, {head}, {now}, CASE WHEN (i * 7) % 10 < 6 THEN {now} ELSE NULL END FROM {series}"
        ))
        .context("generating round members")?;
        bar.set_position(to as u64);
        from = to + 1;
    }
    bar.finish_and_clear();
    sql.execute_raw(&format!(
        "INSERT INTO round_offices (round_id, office_id, quota, capacity, expected, renewed, households, households_open) SELECT round_id, office_id, COUNT(*), 40, COUNT(*), SUM(CASE WHEN seen_at IS NULL THEN 0 ELSE 1 END), COUNT(DISTINCT household_key), COUNT(DISTINCT CASE WHEN seen_at IS NULL THEN household_key END) FROM round_members WHERE round_id = '{round}' GROUP BY round_id, office_id"
    ))?;
    for d in 0..20i64 {
        sql.execute_raw(&format!(
            "INSERT INTO round_days (round_id, office_id, day, renewed) SELECT round_id, office_id, '{}', renewed / 20 FROM round_offices WHERE round_id = '{round}'",
            iso(today - time::Duration::days(27 - d))
        ))?;
    }
    sql.execute_raw("DROP TABLE bench_offices")?;
    sql.execute_raw("ANALYZE")?;
    if !pg {
        sql.execute_raw("PRAGMA wal_checkpoint(TRUNCATE)")?;
    }
    println!(
        "generated {} persons in {} offices (households of three, 60 % seen) in {:.1} s on {}",
        args.persons,
        args.offices,
        started.elapsed().as_secs_f64(),
        if pg { "PostgreSQL" } else { "SQLite" }
    );

    let all = system_reach(Permission::AggregateRead);
    let cov = store.round_coverage(&all, round)?;
    let t = daftar_domain::round::total(&cov.offices);
    println!(
        "coverage: {} of {} renewed ({:.1} %), households open {}, {} offices, {} provinces, {} districts",
        t.renewed,
        t.expected,
        t.per_mille() as f64 / 10.0,
        t.households_open,
        cov.offices.len(),
        daftar_domain::round::by_province(&cov.offices).len(),
        daftar_domain::round::by_district(&cov.offices).len()
    );
    let cal = daftar_domain::profile::Profile::iran()?
        .calendar
        .calendar()?;
    let ms = timed(args.queries, || {
        let c = store.round_coverage(&all, round)?;
        let t = daftar_domain::round::total(&c.offices);
        let _ = daftar_domain::round::by_district(&c.offices);
        let _ = daftar_domain::round::project(&c.round, t, &c.days, today, |d| {
            cal.is_working_day(d).unwrap_or(false)
        });
        Ok(())
    })?;
    line(
        "coverage of every office (with roll-ups and projection)",
        &ms,
    );
    let one = Reach::Office(system_scope(offices[0].id, Permission::AggregateRead));
    let ms = timed(args.queries, || {
        store.round_coverage(&one, round)?;
        Ok(())
    })?;
    line("coverage of one office", &ms);
    let scope = system_scope(offices[0].id, Permission::PersonRead);
    let mut shown = 0u64;
    let ms = timed(args.queries, || {
        let p = store.round_not_seen(
            &ctx,
            &scope,
            round,
            PageRequest {
                page: 1,
                per_page: 50,
            },
        )?;
        shown = p.total;
        Ok(())
    })?;
    line(
        &format!("not-yet-seen list, first page of 50 ({shown} waiting in the office; audited)"),
        &ms,
    );
    let deep = u32::try_from(shown / 50 / 2).unwrap_or(1).max(1);
    let ms = timed(args.queries, || {
        store.round_not_seen(
            &ctx,
            &scope,
            round,
            PageRequest {
                page: deep,
                per_page: 50,
            },
        )?;
        Ok(())
    })?;
    line(&format!("not-yet-seen list, page {deep}"), &ms);
    Ok(ExitCode::SUCCESS)
}
