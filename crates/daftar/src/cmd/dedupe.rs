//! `daftar dedupe --input FILE.csv --output clusters.csv`: batch duplicate detection over a CSV
//! file, with a progress bar on a terminal and a summary at the end.

use crate::cli::DedupeArgs;
use anyhow::{Context, Result, bail};
use daftar_match::dedupe::{Record, Settings, dedupe};
use std::process::ExitCode;
use std::time::Instant;

const COLUMNS: [&str; 6] = [
    "record_id",
    "given_name",
    "family_name",
    "father_name",
    "birth_date",
    "gender",
];

/// Reads the records; the header must hold every column of [`COLUMNS`].
fn read(path: &std::path::Path) -> Result<Vec<Record>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let header = rdr
        .headers()
        .with_context(|| format!("{} has no header", path.display()))?
        .clone();
    let mut index = [0usize; 6];
    for (i, name) in COLUMNS.iter().enumerate() {
        index[i] = header
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == *name)
            .with_context(|| {
                format!(
                    "{}: missing column `{name}` (need {})",
                    path.display(),
                    COLUMNS.join(",")
                )
            })?;
    }
    let mut out = vec![];
    for (n, row) in rdr.records().enumerate() {
        let row =
            row.with_context(|| format!("{}: row {} is not valid CSV", path.display(), n + 2))?;
        let get = |i: usize| row.get(index[i]).unwrap_or("").to_owned();
        out.push(Record {
            id: get(0),
            given_name: get(1),
            family_name: get(2),
            father_name: get(3),
            birth_date: get(4),
            gender: get(5),
        });
    }
    Ok(out)
}

/// `daftar dedupe --db`: the registered persons (not merged away) of one office or all; every
/// matched pair goes to the review queue (pairs already there keep their decision).
pub fn run_db(loaded: &crate::config::Loaded, args: &DedupeArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let store = super::open(loaded)?;
    let office = match &args.office {
        Some(code) => Some(super::admin::office_by_code(store.as_ref(), code)?.id),
        None => None,
    };
    let ctx = super::system_ctx("dedupe");
    let persons = store.dedupe_persons(&ctx, office)?;
    let records: Vec<Record> = persons
        .iter()
        .map(|p| Record {
            id: p.id.to_string(),
            given_name: p.given_name.clone(),
            family_name: p.family_name.clone(),
            father_name: p.father_name.clone(),
            birth_date: p.birth().map(|d| d.matcher_text()).unwrap_or_default(),
            gender: p.sex.letter().into(),
        })
        .collect();
    let settings = Settings {
        threshold: args.threshold,
        ..Settings::default()
    };
    let bar = crate::output::progress(records.len() as u64, "comparing");
    let outcome = dedupe(&records, &settings, |n| bar.set_position(n as u64));
    bar.finish_and_clear();
    let pairs: Vec<daftar_domain::review::NewSuspect> = outcome
        .pairs
        .iter()
        .map(|(i, j, reasons)| daftar_domain::review::NewSuspect {
            a: persons[*i].id,
            b: persons[*j].id,
            score: daftar_match::dedupe::compare(&records[*i], &records[*j], &settings)
                .map_or(0.0, |(_, s)| s),
            reasons: *reasons,
            source: "batch",
        })
        .collect();
    let added = store.add_suspects(&ctx, &pairs)?;
    eprintln!(
        "persons: {}  matched pairs: {}  new in the review queue: {added}  seconds: {:.2}",
        records.len(),
        pairs.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs the command.
pub fn run(args: &DedupeArgs) -> Result<ExitCode> {
    if !(0.5..=1.0).contains(&args.threshold) {
        bail!("--threshold must be between 0.5 and 1.0");
    }
    let (Some(input), Some(output)) = (&args.input, &args.output) else {
        bail!("give --input and --output, or --db");
    };
    let started = Instant::now();
    let records = read(input)?;
    let bar = crate::output::progress(records.len() as u64, "comparing");
    let settings = Settings {
        threshold: args.threshold,
        ..Settings::default()
    };
    let outcome = dedupe(&records, &settings, |n| bar.set_position(n as u64));
    bar.finish_and_clear();
    let mut w = csv::Writer::from_path(output)
        .with_context(|| format!("cannot write {}", output.display()))?;
    w.write_record(["record_id", "cluster"])?;
    for (r, c) in records.iter().zip(&outcome.clusters) {
        w.write_record([r.id.as_str(), &format!("c{c}")])?;
    }
    w.flush()?;
    if let Some(path) = &args.pairs {
        let mut w = csv::Writer::from_path(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        w.write_record([
            "record_a",
            "record_b",
            "given",
            "family",
            "father",
            "birth_date",
            "swapped",
        ])?;
        let yes = |b: bool| if b { "1" } else { "0" };
        for (i, j, r) in &outcome.pairs {
            w.write_record([
                records[*i].id.as_str(),
                records[*j].id.as_str(),
                yes(r.given),
                yes(r.family),
                yes(r.father),
                yes(r.birth_date),
                yes(r.swapped),
            ])?;
        }
        w.flush()?;
    }
    eprintln!(
        "records: {}  candidate pairs: {}  matched pairs: {}  clusters: {}  seconds: {:.2}",
        records.len(),
        outcome.candidate_pairs,
        outcome.matched_pairs,
        outcome.cluster_count,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
