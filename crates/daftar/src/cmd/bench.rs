//! `daftar bench candidates --persons N`: generates N noisy person records, loads them into a
//! fresh database (SQLite in a temporary directory, or the configured PostgreSQL database),
//! then times the enrolment-time duplicate check the way the registration form calls it, and
//! prints p50/p99 latency, peak memory and database size.

use crate::cli::BenchCandidates;
use anyhow::{Context, Result, bail};
use daftar_domain::office::{NewOffice, OfficeCode};
use daftar_domain::permission::{Permission, Reach, system_scope};
use daftar_domain::person::{NewPerson, Sex};
use daftar_domain::store::Store;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// A generated record as a registration.
fn to_new(r: &daftar_match::dedupe::Record) -> NewPerson {
    NewPerson {
        given_name: r.given_name.clone(),
        family_name: r.family_name.clone(),
        father_name: if r.father_name.is_empty() {
            "-".into()
        } else {
            r.father_name.clone()
        },
        birth_date: Some(r.birth_date.clone()).filter(|d| !d.is_empty()),
        sex: Sex::parse(&r.gender.to_ascii_lowercase()).unwrap_or(Sex::Unknown),
        nationality: "AFG".into(),
        ..NewPerson::default()
    }
}

/// Peak resident memory of this process (Linux `VmHWM`), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn gib(bytes: u64) -> String {
    format!("{:.2} GiB", bytes as f64 / (1u64 << 30) as f64)
}

/// The `p` quantile (0–1) of sorted figures, nearest rank.
pub(super) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Runs the benchmark.
pub fn candidates(global_db: Option<&str>, args: &BenchCandidates) -> Result<ExitCode> {
    if args.persons == 0 || args.queries == 0 {
        bail!("--persons and --queries must be at least 1");
    }
    let tmp = std::env::temp_dir().join(format!("daftar-bench-{}", ulid::Ulid::new()));
    let (store, sqlite): (Arc<dyn Store>, Option<Arc<daftar_store::SqlStore>>) = match global_db {
        Some(url) => (daftar_store::connect(url)?, None),
        None => {
            let s = Arc::new(daftar_store::open_sqlite(&tmp.join("daftar.db"))?);
            (s.clone(), Some(s))
        }
    };
    // After a bulk load SQLite's write-ahead log holds gigabytes that the background checkpoint
    // copies into the database for minutes; queries are timed once that is done (steady state).
    let settle = || -> Result<()> {
        if let Some(s) = &sqlite {
            s.execute_raw("PRAGMA wal_checkpoint(TRUNCATE)")?;
        }
        Ok(())
    };
    let result = run(store.as_ref(), args, &settle);
    drop(sqlite);
    drop(store);
    let db_size = dir_size(&tmp);
    let _ = std::fs::remove_dir_all(&tmp);
    let (loaded, load_secs, mut lat, found) = result?;
    lat.sort_by(f64::total_cmp);
    println!(
        "persons loaded: {loaded} in {load_secs:.1} s ({:.0}/s)",
        loaded as f64 / load_secs.max(1e-9)
    );
    println!(
        "candidate queries: {}  p50: {:.2} ms  p99: {:.2} ms  max: {:.2} ms  mean candidates: {:.2}",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0),
        found as f64 / lat.len() as f64
    );
    println!(
        "peak memory (RSS): {}  database on disk: {}",
        peak_rss().map_or_else(|| "unknown".into(), gib),
        if global_db.is_some() {
            "(PostgreSQL)".into()
        } else {
            gib(db_size)
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|it| {
            it.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

type Outcome = (u64, f64, Vec<f64>, u64);

/// A fresh office for a benchmark run, coded `<prefix>-<6 random letters>`.
pub(super) fn bench_office(
    store: &dyn Store,
    ctx: &daftar_domain::audit::AuditCtx,
    prefix: &str,
) -> Result<daftar_domain::office::Office> {
    let code = format!("{prefix}-{}", &ulid::Ulid::new().to_string()[20..]);
    Ok(store.create_office(
        ctx,
        &NewOffice {
            code: OfficeCode::parse(&code)?,
            name_fa: "دفتر آزمون سرعت".into(),
            name_en: "Benchmark office".into(),
            province: "-".into(),
            district: "-".into(),
        },
    )?)
}

fn run(
    store: &dyn Store,
    args: &BenchCandidates,
    settle: &dyn Fn() -> Result<()>,
) -> Result<Outcome> {
    let ctx = super::system_ctx("bench");
    let office = bench_office(store, &ctx, "BENCH")?;
    let scope = system_scope(office.id, Permission::PersonWrite);
    let today = time::OffsetDateTime::now_utc().date();
    let bar = crate::output::progress(args.persons as u64, "loading");
    // Generate and load in batches so that memory stays flat at any size.
    const BATCH: usize = 100_000;
    let started = Instant::now();
    let mut loaded = 0u64;
    let mut probes: Vec<NewPerson> = vec![];
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut done = 0usize;
    let mut batch_no = 0u64;
    while done < args.persons {
        let n = BATCH.min(args.persons - done);
        let records = daftar_match::synth::persons(n, args.seed.wrapping_add(batch_no));
        batch_no += 1;
        let rows: Vec<NewPerson> = records
            .iter()
            .map(|(r, _)| to_new(r))
            .filter(|p| p.validate(today).is_ok())
            .collect();
        // Probes: records of this batch, so every probe has its own kind of noise.
        let want = args.queries * n / args.persons + 1;
        for _ in 0..want {
            if let Some(p) = rows.get(rng.random_range(0..rows.len().max(1))) {
                probes.push(p.clone());
            }
        }
        let base = done as u64;
        loaded += store
            .import_persons(&ctx, &scope, &rows, &|k| bar.set_position(base + k))
            .context("loading persons")?;
        done += n;
    }
    bar.finish_and_clear();
    let load_secs = started.elapsed().as_secs_f64();
    let t = Instant::now();
    settle()?;
    eprintln!(
        "write-ahead log checkpointed in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    probes.truncate(args.queries);
    let reach = Reach::Office(system_scope(office.id, Permission::PersonRead));
    let mut lat = Vec::with_capacity(probes.len());
    let mut found = 0u64;
    for p in &probes {
        let t = Instant::now();
        let c = store.person_candidates(&ctx, &reach, p, 10)?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        found += c.candidates.len() as u64;
    }
    Ok((loaded, load_secs, lat, found))
}
