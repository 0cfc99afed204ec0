//! `daftar bench sla`: how many SLA due dates per second the working-day calendar computes (one
//! thread, the country profile's calendar with its holidays), after checking a sample against
//! plain day-by-day counting.

use crate::cli::BenchSla;
use anyhow::{Context, Result, bail};
use daftar_domain::calendar::WorkCalendar;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

/// The n-th working day after `start` by walking one day at a time (the reference).
fn walk(cal: &WorkCalendar, start: time::Date, n: u32) -> Result<time::Date> {
    let mut d = start;
    let mut left = n;
    if n == 0 {
        while !cal.is_working_day(d)? {
            d = d.next_day().context("date overflow")?;
        }
        return Ok(d);
    }
    while left > 0 {
        d = d.next_day().context("date overflow")?;
        if cal.is_working_day(d)? {
            left -= 1;
        }
    }
    Ok(d)
}

/// Runs the benchmark.
pub fn sla(profile_dir: Option<&std::path::Path>, args: &BenchSla) -> Result<ExitCode> {
    if args.count == 0 || args.max_days == 0 || args.max_days > 90 {
        bail!("--count must be at least 1 and --max-days 1 to 90");
    }
    let profile = match profile_dir {
        Some(d) => daftar_store::profile::from_dir(d)?,
        None => daftar_domain::profile::Profile::iran()?,
    };
    let cal = profile.calendar.calendar()?;
    let (first, last) = cal.covers();
    // Leave room at the end so that every due date stays inside the covered years.
    let span = (last - first).whole_days() - 3 * i64::from(args.max_days) - 30;
    if span <= 0 {
        bail!(
            "the calendar covers too few days for --max-days {}",
            args.max_days
        );
    }
    let mut rng = StdRng::seed_from_u64(args.seed);
    let jobs: Vec<(time::Date, u32)> = (0..args.count)
        .map(|_| {
            (
                first + time::Duration::days(rng.random_range(0..span)),
                rng.random_range(1..=args.max_days),
            )
        })
        .collect();
    let sample = jobs.len().min(20_000);
    for &(start, n) in &jobs[..sample] {
        let fast = cal.add_working_days(start, n)?;
        let slow = walk(&cal, start, n)?;
        if fast != slow {
            bail!("mismatch: {start} + {n} working days: {fast} vs day-by-day {slow}");
        }
    }
    let t = Instant::now();
    let mut acc = 0i64;
    for &(start, n) in &jobs {
        let d = cal.add_working_days(black_box(start), black_box(n))?;
        acc = acc.wrapping_add(i64::from(d.to_julian_day()));
    }
    let secs = t.elapsed().as_secs_f64();
    black_box(acc);
    println!(
        "calendar {} {}–{}: {} holidays, weekend {:?}",
        cal.country(),
        cal.years().0,
        cal.years().1,
        cal.holidays().len(),
        cal.weekend()
    );
    println!("checked {sample} due dates against day-by-day counting: all equal");
    println!(
        "due dates: {} in {:.3} s = {:.1} M/s on one thread (1..{} working days)",
        jobs.len(),
        secs,
        jobs.len() as f64 / secs.max(1e-9) / 1e6,
        args.max_days
    );
    Ok(ExitCode::SUCCESS)
}
