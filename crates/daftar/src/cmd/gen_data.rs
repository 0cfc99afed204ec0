//! `daftar gen persons`: synthetic noisy registry records as CSV, for benchmarks and tests.

use crate::cli::GenPersons;
use anyhow::{Context, Result};
use std::process::ExitCode;

/// Writes the records.
pub fn persons(args: &GenPersons) -> Result<ExitCode> {
    let data = daftar_match::synth::persons(args.count, args.seed);
    let sink: Box<dyn std::io::Write> = match &args.output {
        Some(p) => Box::new(
            std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = csv::Writer::from_writer(sink);
    w.write_record([
        "record_id",
        "given_name",
        "family_name",
        "father_name",
        "birth_date",
        "gender",
        "entity_id",
    ])?;
    for (r, person) in &data {
        w.write_record([
            &r.id,
            &r.given_name,
            &r.family_name,
            &r.father_name,
            &r.birth_date,
            &r.gender,
            person,
        ])?;
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
