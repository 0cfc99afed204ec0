//! Runs [`daftar_match::dedupe::dedupe`] over a CSV file and writes the clusters, for measuring
//! duplicate-detection quality:
//!
//! ```text
//! cargo run --release -p daftar-match --example dedupe_eval -- IN.csv OUT.csv
//! python3 score_clusters.py IN.csv OUT.csv
//! ```
//!
//! The input has a header with the columns `record_id,given_name,family_name,father_name,
//! birth_date,gender` in any order (others are ignored; missing ones read as empty). The output
//! has `record_id,cluster`, one row per record. `synth:N` instead of a file dedupes `N` synthetic
//! records (for timing at scale) and writes their truth to `OUT.truth.csv`. The seconds of the dedupe itself go to stderr.
//! `DEDUPE_MIN_POINTS`, `DEDUPE_RARITY_SCALE`, `DEDUPE_THRESHOLD` and `DEDUPE_MAX_BLOCK` override
//! those settings.

use daftar_match::dedupe::{Record, Settings, dedupe};
use std::error::Error;
use std::time::Instant;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(output)) = (args.get(1), args.get(2)) else {
        return Err("usage: dedupe_eval IN.csv OUT.csv".into());
    };
    let records = match input.strip_prefix("synth:") {
        Some(count) => {
            let people = daftar_match::synth::persons(count.parse()?, 7);
            // The truth, for scoring: OUT.truth.csv.
            let mut truth = csv::Writer::from_path(format!("{output}.truth.csv"))?;
            truth.write_record(["record_id", "entity_id"])?;
            for (r, person) in &people {
                truth.write_record([r.id.as_str(), person])?;
            }
            truth.flush()?;
            people.into_iter().map(|(r, _)| r).collect()
        }
        None => read(input)?,
    };
    let start = Instant::now();
    let mut settings = Settings::default();
    for (var, field) in [
        ("DEDUPE_MIN_POINTS", &mut settings.min_points),
        ("DEDUPE_RARITY_SCALE", &mut settings.rarity_scale),
        ("DEDUPE_THRESHOLD", &mut settings.threshold),
    ] {
        if let Ok(v) = std::env::var(var) {
            *field = v.parse()?;
        }
    }
    if let Ok(v) = std::env::var("DEDUPE_MAX_BLOCK") {
        settings.max_block = v.parse()?;
    }
    let out = dedupe(&records, &settings, |_| {});
    let seconds = start.elapsed().as_secs_f64();
    let mut writer = csv::Writer::from_path(output)?;
    writer.write_record(["record_id", "cluster"])?;
    for (r, c) in records.iter().zip(&out.clusters) {
        writer.write_record([r.id.as_str(), &c.to_string()])?;
    }
    writer.flush()?;
    eprintln!(
        "records {} candidate_pairs {} matched_pairs {} clusters {} seconds {seconds:.2}",
        records.len(),
        out.candidate_pairs,
        out.matched_pairs,
        out.cluster_count
    );
    Ok(())
}

/// Reads the records of a CSV file (columns by header name).
fn read(input: &str) -> Result<Vec<Record>, Box<dyn Error>> {
    let mut reader = csv::Reader::from_path(input)?;
    let header = reader.headers()?.clone();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let cols = [
        col("record_id"),
        col("given_name"),
        col("family_name"),
        col("father_name"),
        col("birth_date"),
        col("gender"),
    ];
    let mut records = vec![];
    for row in reader.records() {
        let row = row?;
        let get = |i: usize| {
            cols[i]
                .and_then(|c| row.get(c))
                .unwrap_or_default()
                .to_owned()
        };
        records.push(Record {
            id: get(0),
            given_name: get(1),
            family_name: get(2),
            father_name: get(3),
            birth_date: get(4),
            gender: get(5),
        });
    }
    Ok(records)
}
