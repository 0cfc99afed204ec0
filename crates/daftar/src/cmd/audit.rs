//! `daftar audit`: verify the chain (and a checkpoint kept outside the database), seal the
//! waiting rows on demand, sign and export checkpoints of the head (docs/adr/0002-audit-sealing.md).

use super::open;
use crate::cli::AuditVerifyArgs;
use crate::config::Loaded;
use anyhow::{Context, Result, anyhow};
use daftar_credential::lists::AuditCheckpointDoc;
use daftar_domain::audit::ChainBreak;
use daftar_domain::store::Store;
use daftar_store::keyring::{self, KeyRing};
use std::path::Path;
use std::process::ExitCode;

fn ring(loaded: &Loaded) -> Result<KeyRing> {
    KeyRing::new(&loaded.config.key_secret()?)
        .map_err(|e| anyhow!("{}: key_secret must have at least 16 characters", e.code))
}

fn verdict(result: std::result::Result<u64, ChainBreak>) -> ExitCode {
    match result {
        Ok(n) => {
            println!("audit chain intact: {n} rows");
            ExitCode::SUCCESS
        }
        Err(b) => {
            println!("audit chain broken at row {} ({})", b.seq, b.reason);
            ExitCode::FAILURE
        }
    }
}

/// Reads a checkpoint file, checked against the pinned root key or the key ring's root.
fn read_checkpoint(
    loaded: &Loaded,
    store: &dyn Store,
    file: &Path,
    root_key: Option<&str>,
) -> Result<AuditCheckpointDoc> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let doc = match root_key {
        Some(k) => {
            let text = if Path::new(k).is_file() {
                std::fs::read_to_string(k).with_context(|| format!("reading {k}"))?
            } else {
                k.to_owned()
            };
            let key: [u8; 32] = hex::decode(text.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| anyhow!("root key: expected 64 hex digits"))?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&key)
                .map_err(|_| anyhow!("root key: not an Ed25519 public key"))?;
            AuditCheckpointDoc::open(&bytes, &key).map_err(|e| anyhow!("{}", e.code))?
        }
        None => ring(loaded)?.open_checkpoint(store, &bytes)?,
    };
    Ok(doc)
}

/// `audit verify [--checkpoint FILE [--root-key K]]`: exit 1 when broken.
pub fn verify(loaded: &Loaded, a: &AuditVerifyArgs) -> Result<ExitCode> {
    let store = open(loaded)?;
    let Some(file) = &a.checkpoint else {
        return Ok(verdict(store.verify_audit()?));
    };
    let doc = read_checkpoint(loaded, store.as_ref(), file, a.root_key.as_deref()).with_context(
        || {
            format!(
                "checkpoint {} is not signed by the root key",
                file.display()
            )
        },
    )?;
    let result = keyring::verify_against(store.as_ref(), &doc)?;
    if result.is_ok() {
        println!(
            "checkpoint row {} matches ({})",
            doc.seq,
            hex::encode(doc.hash)
        );
    }
    Ok(verdict(result))
}

/// `audit seal`: seals what can be sealed now.
pub fn seal(loaded: &Loaded) -> Result<ExitCode> {
    let store = open(loaded)?;
    let r = store.drain_audit(std::time::Duration::from_secs(5))?;
    if !r.ran {
        println!("another sealer is at work; nothing done here");
    }
    let head = store.audit_head()?;
    println!(
        "sealed {} rows (longest wait {} ms); {} waiting; head at row {}",
        r.sealed, r.longest_wait_ms, r.waiting, head.seq
    );
    Ok(ExitCode::SUCCESS)
}

fn write_checkpoint(out: &Path, signed_hex: &str) -> Result<()> {
    let bytes = hex::decode(signed_hex).map_err(|_| anyhow!("kept checkpoint is malformed"))?;
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}

/// `audit checkpoint [--out FILE]`.
pub fn checkpoint(loaded: &Loaded, out: Option<&Path>) -> Result<ExitCode> {
    let store = open(loaded)?;
    let cp = ring(loaded)?.checkpoint_audit(store.as_ref(), loaded.config.clock().now())?;
    println!(
        "checkpoint of row {} ({}) signed by root key {}",
        cp.seq, cp.hash, cp.kid
    );
    if let Some(out) = out {
        write_checkpoint(out, &cp.signed)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `audit export-checkpoint --out FILE`.
pub fn export_checkpoint(loaded: &Loaded, out: &Path) -> Result<ExitCode> {
    let store = open(loaded)?;
    let cp = match store.audit_checkpoints(1)?.into_iter().next() {
        Some(cp) => cp,
        None => ring(loaded)?.checkpoint_audit(store.as_ref(), loaded.config.clock().now())?,
    };
    println!("checkpoint of row {} ({})", cp.seq, cp.hash);
    write_checkpoint(out, &cp.signed)?;
    Ok(ExitCode::SUCCESS)
}
