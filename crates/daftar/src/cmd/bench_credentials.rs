//! `daftar bench credentials`: the size of each credential type and purpose profile (characters
//! and QR version at error correction Q) and, on one thread, how many credentials per second are
//! verified and issued with their QR matrix.

use crate::cli::BenchCredentials;
use anyhow::{Result, bail};
use daftar_credential::{
    Claims, KINDS, Kind, PURPOSES, TrustList, Verdict, issue, key_id, profile, qr_version, select,
    verify,
};
use ed25519_dalek::SigningKey;
use rand::Rng;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

/// A holder with every field filled, Persian names as they are usually long.
fn sample() -> BTreeMap<String, String> {
    [
        ("given_name", "عبدالله"),
        ("family_name", "کریمی"),
        ("father_name", "غلام حیدر"),
        ("birth_date", "1991-08-03"),
        ("sex", "male"),
        ("nationality", "AFG"),
        ("status", "renewed"),
        ("card_no", "THR01-1403-000123"),
        ("valid_until", "2027-03-20"),
        ("work_allowed", "yes"),
        ("employer", "شرکت ساختمانی البرز"),
        ("province", "تهران"),
        ("school_age", "no"),
        ("given_name_latin", "ABDULLAH"),
        ("family_name_latin", "KARIMI"),
        ("amount_rials", "2500000"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

fn claims(kind: Kind, purpose: &str, fields: BTreeMap<String, String>) -> Claims {
    Claims {
        issuer: "IR/THR-01".into(),
        subject: "IR-1403-0012345".into(),
        id: vec![1, 2, 3, 4, 5, 6, 7, 8],
        kind,
        purpose: purpose.into(),
        issued_at: 1_764_547_200,
        not_before: 1_764_547_200,
        expires: 1_795_996_800,
        fields,
    }
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
    let all = sample();
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
    let t = Instant::now();
    for i in 0..args.count {
        let v = verify(black_box(&texts[i % texts.len()]), &trust, now)
            .map_err(|e| anyhow::anyhow!(e.code))?;
        if !matches!(v, Verdict::Valid(_)) {
            bail!("a sample credential did not verify: {}", v.code());
        }
    }
    let verify_secs = t.elapsed().as_secs_f64();
    let issues = (args.count / 10).max(1);
    let c = claims(
        Kind::RegistrationCard,
        "employer",
        select(Kind::RegistrationCard, "employer", &all).map_err(|e| anyhow::anyhow!(e.code))?,
    );
    let t = Instant::now();
    for _ in 0..issues {
        let text = issue(black_box(&c), &key).map_err(|e| anyhow::anyhow!(e.code))?;
        let qr = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::Q)?;
        black_box(qr.width());
    }
    let issue_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for _ in 0..issues {
        black_box(issue(black_box(&c), &key).map_err(|e| anyhow::anyhow!(e.code))?);
    }
    let sign_secs = t.elapsed().as_secs_f64();
    println!(
        "verify: {} in {:.2} s = {:.0}/s on one thread",
        args.count,
        verify_secs,
        args.count as f64 / verify_secs.max(1e-9)
    );
    println!(
        "issue with QR matrix: {issues} in {:.2} s = {:.0}/s on one thread",
        issue_secs,
        issues as f64 / issue_secs.max(1e-9)
    );
    println!(
        "issue without the QR matrix: {:.0}/s on one thread",
        issues as f64 / sign_secs.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}
