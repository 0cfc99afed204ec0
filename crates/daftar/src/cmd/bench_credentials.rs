//! `daftar bench credentials`: the size of each credential type and purpose profile (characters
//! and QR version at error correction Q) and, on one thread, how many credentials per second are
//! verified and issued with their QR matrix (`daftar_credential::qr_matrix`), each loop in five
//! timed rounds reported as median, slowest and fastest.

use crate::cli::BenchCredentials;
use anyhow::{Result, bail};
use daftar_credential::{
    Claims, KINDS, Kind, PURPOSES, QR_EC_LEVEL, TrustList, Verdict, issue, key_id, profile,
    qr_matrix, qr_version, select, verify,
};
use ed25519_dalek::SigningKey;
use rand::Rng;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

fn claims(kind: Kind, purpose: &str, fields: BTreeMap<String, String>) -> Claims {
    Claims {
        issuer: "IR/THR-01".into(),
        subject: String::new(),
        id: vec![1, 2, 3, 4, 5, 6, 7, 8],
        kind,
        purpose: purpose.into(),
        issued_at: 1_764_547_200,
        not_before: 1_764_547_200,
        expires: 1_795_996_800,
        fields,
    }
}

/// Rounds each timed loop is split into; the median round is reported with the slowest and the
/// fastest, so a moment of load from another process shows as a spread, not as the figure.
const ROUNDS: usize = 5;

/// Runs `f` on `0..n` in [`ROUNDS`] equal rounds, after a warm-up of up to 1,000 calls, and
/// returns each round's rate per second, sorted.
fn rates(n: usize, mut f: impl FnMut(usize) -> Result<()>) -> Result<Vec<f64>> {
    let per_round = (n / ROUNDS).max(1);
    for i in 0..per_round.min(1_000) {
        f(i)?;
    }
    let mut rates = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let t = Instant::now();
        for i in round * per_round..(round + 1) * per_round {
            f(i)?;
        }
        rates.push(per_round as f64 / t.elapsed().as_secs_f64().max(1e-9));
    }
    rates.sort_by(f64::total_cmp);
    Ok(rates)
}

/// Runs the benchmark.
pub fn credentials(args: &BenchCredentials) -> Result<ExitCode> {
    if args.count == 0 {
        bail!("--count must be at least 1");
    }
    let mut seed = [0u8; 32];
    rand::rng().fill(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    let mut trust = TrustList::default();
    trust
        .add(&key_id(&key.verifying_key()), key.verifying_key())
        .map_err(|e| anyhow::anyhow!(e.code))?;
    let all = daftar_credential::sample_fields();
    println!(
        "{:<18} {:<9} {:>6} {:>6} {:>10}",
        "type", "purpose", "claims", "chars", "QR (Q)"
    );
    let mut texts = vec![];
    for kind in KINDS {
        for purpose in PURPOSES {
            if profile(kind, purpose).is_none() {
                continue;
            }
            let fields = select(kind, purpose, &all).map_err(|e| anyhow::anyhow!(e.code))?;
            let n = fields.len();
            let text =
                issue(&claims(kind, purpose, fields), &key).map_err(|e| anyhow::anyhow!(e.code))?;
            let v = qr_version(&text).map_or_else(|| "too big".into(), |v| format!("v{v}"));
            println!(
                "{:<18} {:<9} {:>6} {:>6} {:>10}",
                format!("{kind:?}"),
                purpose,
                n,
                text.len(),
                v
            );
            texts.push(text);
        }
    }
    let now = 1_770_000_000;
    let verify_rates = rates(args.count, |i| {
        let v = verify(black_box(&texts[i % texts.len()]), &trust, now)
            .map_err(|e| anyhow::anyhow!(e.code))?;
        if !matches!(v, Verdict::Valid(_)) {
            bail!("a sample credential did not verify: {}", v.code());
        }
        Ok(())
    })?;
    let issues = (args.count / 10).max(ROUNDS);
    let c = claims(
        Kind::RegistrationCard,
        "employer",
        select(Kind::RegistrationCard, "employer", &all).map_err(|e| anyhow::anyhow!(e.code))?,
    );
    let issue_rates = rates(issues, |_| {
        let text = issue(black_box(&c), &key).map_err(|e| anyhow::anyhow!(e.code))?;
        let qr = qr_matrix(&text).map_err(|e| anyhow::anyhow!(e.code))?;
        black_box(qr.width());
        Ok(())
    })?;
    let sign_rates = rates(issues, |_| {
        black_box(issue(black_box(&c), &key).map_err(|e| anyhow::anyhow!(e.code))?);
        Ok(())
    })?;
    // For comparison: the `qrcode` crate scoring the eight masks itself (same symbol).
    let crate_rates = rates((issues / 10).max(ROUNDS), |_| {
        let text = issue(black_box(&c), &key).map_err(|e| anyhow::anyhow!(e.code))?;
        let qr = qrcode::QrCode::with_error_correction_level(text.as_bytes(), QR_EC_LEVEL)?;
        black_box(qr.width());
        Ok(())
    })?;
    println!("per second on one thread, {ROUNDS} rounds each: median (slowest–fastest round)");
    for (what, n, r) in [
        ("verify", args.count, &verify_rates),
        ("issue with QR matrix", issues, &issue_rates),
        ("issue without the QR matrix", issues, &sign_rates),
        (
            "issue with qrcode::QrCode (before)",
            (issues / 10).max(ROUNDS),
            &crate_rates,
        ),
    ] {
        println!(
            "{what:<35} {:>8.0}/s ({:.0}–{:.0}) over {}",
            r[r.len() / 2],
            r[0],
            r[r.len() - 1],
            (n / ROUNDS).max(1) * ROUNDS
        );
    }
    Ok(ExitCode::SUCCESS)
}
