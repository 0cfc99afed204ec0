//! `daftar bench candidates --persons N`: generates N noisy person records, loads them into a
//! fresh database (SQLite in a temporary directory, or the configured PostgreSQL database),
//! opens it again as a server would, then times the enrolment-time duplicate check the way the
//! registration form calls it, and prints p50/p99 latency (after warm-up queries, reported
//! apart), how often the probe's own record was found, peak memory and database size.

use crate::cli::BenchCandidates;
use anyhow::{Context, Result, bail};
use daftar_domain::office::{CreateOffice, OfficeCode};
use daftar_domain::permission::{Permission, Reach, system_scope};
use daftar_domain::person::{MatchProbe, PersonDraft, RegisterPerson, Sex};
use daftar_domain::store::Store;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::process::ExitCode;
use std::time::Instant;

/// A generated record as a registration.
fn to_new(r: &daftar_match::dedupe::Record) -> PersonDraft {
    PersonDraft {
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
        ..PersonDraft::default()
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

/// Count, p50, p99 and maximum of sorted latencies in ms.
fn latencies(sorted: &[f64]) -> String {
    format!(
        "{}  p50: {:.2} ms  p99: {:.2} ms  max: {:.2} ms",
        sorted.len(),
        percentile(sorted, 0.5),
        percentile(sorted, 0.99),
        sorted.last().copied().unwrap_or(0.0)
    )
}

/// Runs the benchmark.
pub fn candidates(global_db: Option<&str>, args: &BenchCandidates) -> Result<ExitCode> {
    if args.persons == 0 || args.queries == 0 {
        bail!("--persons and --queries must be at least 1");
    }
    if args.keep.is_some() && global_db.is_some() {
        bail!(
            "--keep is for a temporary SQLite database; with --database-url the data stays where the URL points"
        );
    }
    let tmp = match &args.keep {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("daftar-bench-{}", ulid::Ulid::new())),
    };
    // The store is opened twice: once to load, and again for the checks, as a server opens the
    // database that an import filled (the loading process's caches and heap are not the
    // server's).
    let open = || -> Result<daftar_store::SqlStore> {
        Ok(match global_db {
            Some(url) => daftar_store::connect_sql(url)?,
            None => daftar_store::open_sqlite(&tmp.join("daftar.db"))?,
        })
    };
    if args.reuse && global_db.is_none() {
        bail!(
            "--reuse is for a database given with --database-url; with SQLite, --keep DIR reuses a kept load"
        );
    }
    let reuse = reuse_kept(args)? || args.reuse;
    let result = run(args, reuse, &open);
    let db_size = dir_size(&tmp);
    if args.keep.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    let Outcome {
        loaded,
        load_secs,
        mut warm,
        mut lat,
        found,
        own,
    } = result?;
    lat.sort_by(f64::total_cmp);
    warm.sort_by(f64::total_cmp);
    match load_secs {
        Some(secs) => println!(
            "persons loaded: {loaded} in {secs:.1} s ({:.0}/s)",
            loaded as f64 / secs.max(1e-9)
        ),
        None => println!(
            "persons: {loaded}, loaded by an earlier run into {}",
            if global_db.is_some() {
                "this database".into()
            } else {
                tmp.display().to_string()
            }
        ),
    }
    if args.keep.is_some() {
        eprintln!("database kept in {}", tmp.display());
    }
    if !warm.is_empty() {
        println!("warm-up queries (not counted below): {}", latencies(&warm));
    }
    println!(
        "candidate queries: {}  mean candidates: {:.2}  own record found: {:.1} %",
        latencies(&lat),
        found as f64 / lat.len() as f64,
        100.0 * own as f64 / lat.len() as f64
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

/// What a run measured.
struct Outcome {
    /// Persons in the benchmark office.
    loaded: u64,
    /// Seconds loading them (`None`: loaded by an earlier run).
    load_secs: Option<f64>,
    /// Latencies of the warm-up queries, in ms.
    warm: Vec<f64>,
    /// Latencies of the timed queries, in ms.
    lat: Vec<f64>,
    /// Candidates the timed queries found.
    found: u64,
    /// Timed queries that found the record the probe was drawn from.
    own: u64,
}

/// A fresh office for a benchmark run, coded `<prefix>-<6 random letters>`.
pub(super) fn bench_office(
    store: &dyn Store,
    ctx: &daftar_domain::audit::AuditCtx,
    prefix: &str,
    name_en: &str,
) -> Result<daftar_domain::office::Office> {
    let code = format!("{prefix}-{}", &ulid::Ulid::new().to_string()[20..]);
    Ok(store.create_office(
        ctx,
        &CreateOffice::parse(
            OfficeCode::parse(&code)?,
            "دفتر آزمون سرعت",
            name_en,
            "-",
            "-",
        )?,
    )?)
}

/// The file that marks a `--keep` directory as holding a completely loaded benchmark database;
/// it holds the [`label`] of the load.
const MARKER: &str = "bench-candidates.txt";

/// What a load is: the benchmark office's name and the `--keep` marker's text.
fn label(args: &BenchCandidates) -> String {
    format!(
        "Benchmark office: {} persons, seed {}",
        args.persons, args.seed
    )
}

/// Whether `--keep` names a directory with a complete load of the same settings (reuse it), or
/// nothing yet (load); anything else is refused before it is opened, so that a half-loaded
/// benchmark or a real data directory is never taken for one.
fn reuse_kept(args: &BenchCandidates) -> Result<bool> {
    let Some(dir) = &args.keep else {
        return Ok(false);
    };
    let empty = std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none());
    if empty {
        return Ok(false);
    }
    match std::fs::read_to_string(dir.join(MARKER)) {
        Ok(m) if m == label(args) => Ok(true),
        Ok(m) => bail!(
            "{} holds a benchmark database loaded with other --persons or --seed ({}); give those or an empty directory",
            dir.display(),
            m.trim()
        ),
        Err(_) => bail!(
            "{} is not empty and holds no completely loaded benchmark database; give an empty directory",
            dir.display()
        ),
    }
}

fn run(
    args: &BenchCandidates,
    reuse: bool,
    open: &dyn Fn() -> Result<daftar_store::SqlStore>,
) -> Result<Outcome> {
    let loader = open()?;
    let store: &dyn Store = &loader;
    let ctx = super::system_ctx("bench");
    let label = label(args);
    let office = if reuse {
        super::admin::all_offices(store)?
            .into_iter()
            .find(|o| o.name_en == label)
            .context("the database holds no benchmark office loaded with these --persons and --seed; run once without --reuse")?
    } else {
        bench_office(store, &ctx, "BENCH", &label)?
    };
    let scope = system_scope(office.id, Permission::PersonWrite);
    let today = daftar_domain::clock::Clock::default().today();
    let bar = crate::output::progress(args.persons as u64, "loading");
    // Generate and load in batches so that memory stays flat at any size.
    const BATCH: usize = 100_000;
    let started = Instant::now();
    let mut loaded = 0u64;
    let mut probes: Vec<MatchProbe> = vec![];
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut done = 0usize;
    let mut batch_no = 0u64;
    while done < args.persons {
        let n = BATCH.min(args.persons - done);
        let records = daftar_match::synth::persons(n, args.seed.wrapping_add(batch_no));
        batch_no += 1;
        let rows: Vec<RegisterPerson> = records
            .iter()
            .filter_map(|(r, _)| RegisterPerson::parse(to_new(r), today).ok())
            .collect();
        // Probes: records of this batch, so every probe has its own kind of noise.
        let want = (args.warmup + args.queries) * n / args.persons + 1;
        for _ in 0..want {
            if let Some(p) = rows.get(rng.random_range(0..rows.len().max(1))) {
                probes.push(p.probe());
            }
        }
        let base = done as u64;
        if reuse {
            loaded += rows.len() as u64;
            bar.set_position(base + n as u64);
        } else {
            loaded += store
                .import_persons(&ctx, &scope, &rows, &|k| bar.set_position(base + k))
                .context("loading persons")?;
        }
        done += n;
    }
    bar.finish_and_clear();
    if reuse {
        // A run killed while loading leaves a partial office: never time the queries on it.
        let n = loader
            .query_raw(
                "SELECT COUNT(*) FROM persons WHERE office_id = $1",
                &[office.id.to_string().into()],
            )?
            .first()
            .map(|r| r.i64(0))
            .transpose()?
            .unwrap_or(0);
        if u64::try_from(n).unwrap_or(0) != loaded {
            bail!(
                "the benchmark office holds {n} persons, not the {loaded} a complete load has; load into a fresh database"
            );
        }
    }
    let load_secs = (!reuse).then(|| started.elapsed().as_secs_f64());
    if let (Some(dir), false) = (&args.keep, reuse) {
        std::fs::write(dir.join(MARKER), &label)
            .with_context(|| format!("writing {}", dir.join(MARKER).display()))?;
    }
    // After a bulk load SQLite's write-ahead log holds gigabytes that the background checkpoint
    // copies into the database for minutes; queries are timed once that is done (steady state).
    if store.backend() == daftar_domain::store::Backend::Sqlite {
        let t = Instant::now();
        loader.execute_raw("PRAGMA wal_checkpoint(TRUNCATE)")?;
        eprintln!(
            "write-ahead log checkpointed in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    drop(loader);
    let server = open()?;
    let store: &dyn Store = &server;
    // As `daftar serve` does at start (there in the background).
    let t = Instant::now();
    let rows = store.prewarm().context("prewarming")?;
    eprintln!(
        "prewarmed {rows} rows of the check's tables in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    probes.truncate(args.warmup + args.queries);
    let reach = Reach::Office(system_scope(office.id, Permission::PersonRead));
    let mut lat = Vec::with_capacity(probes.len());
    let (mut found, mut own) = (0u64, 0u64);
    for (i, p) in probes.iter().enumerate() {
        let t = Instant::now();
        let c = store.person_candidates(&ctx, &reach, p, 10)?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        if i >= args.warmup {
            found += c.candidates.len() as u64;
            let birth = p.birth.map(|d| d.iso());
            own += u64::from(c.candidates.iter().any(|c| {
                let q = &c.person;
                (q.given_name == p.given_name && q.family_name == p.family_name)
                    && (q.father_name == p.father_name && q.sex == p.sex)
                    && q.birth_date == birth
            }));
        }
    }
    let warm = lat.drain(..args.warmup.min(lat.len())).collect();
    Ok(Outcome {
        loaded,
        load_secs,
        warm,
        lat,
        found,
        own,
    })
}

/// Runs `f` on a fresh store for a benchmark named `tag`: the PostgreSQL database of
/// `database_url` (migrated; it should be empty), or a temporary SQLite database removed
/// afterwards; with the offices' clock (Tehran, UTC+03:30).
pub fn on_fresh_store<T>(
    tag: &str,
    database_url: Option<&str>,
    f: impl FnOnce(&daftar_store::SqlStore, &daftar_domain::clock::Clock) -> Result<T>,
) -> Result<T> {
    let tmp = std::env::temp_dir().join(format!("daftar-bench-{tag}-{}", ulid::Ulid::new()));
    let clock = daftar_domain::clock::Clock::system_minutes(210);
    let store = match database_url {
        Some(url) => {
            let s = daftar_store::connect_sql(url)?.with_clock(clock.clone());
            daftar_domain::store::SystemStore::migrate(&s)?;
            s
        }
        None => {
            std::fs::create_dir_all(&tmp)?;
            daftar_store::open_sqlite(&tmp.join("daftar.db"))?.with_clock(clock.clone())
        }
    };
    let result = f(&store, &clock);
    if database_url.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}
