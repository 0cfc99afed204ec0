//! `daftar keys` (generate, list, rotate, retire, export) and `daftar verify` (offline check of a
//! credential's QR text or photo against a trust list, a status list and the pinned root key).

use super::{load, open, system_ctx};
use crate::cli::{KeysCommand, VerifyArgs};
use crate::config::Flags;
use anyhow::{Context, Result, anyhow, bail};
use daftar_credential::Verdict;
use daftar_credential::lists::{StatusListDoc, TrustListDoc, verify_with_status};
use daftar_domain::credential::KeyRole;
use daftar_store::keyring::KeyRing;
use ed25519_dalek::VerifyingKey;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn ring(
    flags: &Flags,
    data_dir: Option<PathBuf>,
) -> Result<(std::sync::Arc<dyn daftar_domain::store::Store>, KeyRing)> {
    let loaded = load(&Flags {
        data_dir,
        ..flags.clone()
    })?;
    let store = open(&loaded)?;
    let ring = KeyRing::new(&loaded.config.key_secret()?)
        .map_err(|e| anyhow!("{}: key_secret must have at least 16 characters", e.code))?
        .with_clock(loaded.config.clock());
    Ok((store, ring))
}

/// Runs a `keys` subcommand.
pub fn run(flags: &Flags, cmd: KeysCommand) -> Result<ExitCode> {
    match cmd {
        KeysCommand::Generate(d) => {
            let (store, ring) = ring(flags, d.data_dir)?;
            let made = ring.ensure(store.as_ref(), &system_ctx("keys-generate"))?;
            if made.is_empty() {
                println!(
                    "keys exist already (daftar keys list; daftar keys rotate for a new issuer key)"
                );
            }
            for k in made {
                println!(
                    "generated {} key {} (public {})",
                    k.role.code(),
                    k.kid,
                    k.public_key
                );
            }
        }
        KeysCommand::List(d) => {
            let (store, _) = ring(flags, d.data_dir)?;
            let keys = store.keys()?;
            if keys.is_empty() {
                println!("no keys yet: daftar keys generate");
            }
            println!(
                "{:<9} {:<7} {:<12} {:<20} public key",
                "kid", "role", "state", "created"
            );
            for k in keys {
                println!(
                    "{:<9} {:<7} {:<12} {:<20} {}",
                    k.kid,
                    k.role.code(),
                    k.state.code(),
                    k.created_at.date().to_string(),
                    k.public_key
                );
            }
        }
        KeysCommand::Rotate(d) => {
            let (store, ring) = ring(flags, d.data_dir)?;
            let k = ring.generate(store.as_ref(), &system_ctx("keys-rotate"), KeyRole::Issuer)?;
            println!(
                "issuer key {} is now active; the previous one is verify-only",
                k.kid
            );
        }
        KeysCommand::Retire(a) => {
            let (store, ring) = ring(flags, a.dir.data_dir)?;
            let k = ring.retire(store.as_ref(), &system_ctx("keys-retire"), &a.kid)?;
            println!("key {} retired: it is no longer in the trust list", k.kid);
        }
        KeysCommand::Export(a) => {
            let (store, ring) = ring(flags, a.dir.data_dir)?;
            std::fs::create_dir_all(&a.out)
                .with_context(|| format!("creating {}", a.out.display()))?;
            let files = [
                ("trust-list.cose", ring.trust_list_file(store.as_ref())?),
                (
                    "status-list.cose",
                    ring.status_list_file(store.as_ref(), 0)?,
                ),
                (
                    "root-key.txt",
                    format!("{}\n", ring.root_public(store.as_ref())?).into_bytes(),
                ),
            ];
            for (name, bytes) in files {
                let p = a.out.join(name);
                std::fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))?;
                println!("wrote {}", p.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read(p: &Path) -> Result<Vec<u8>> {
    std::fs::read(p).with_context(|| format!("reading {}", p.display()))
}

fn root_key(arg: Option<&str>, dir: Option<&Path>) -> Result<VerifyingKey> {
    let text = match (arg, dir) {
        (Some(a), _) if Path::new(a).is_file() => String::from_utf8(read(Path::new(a))?)?,
        (Some(a), _) => a.to_owned(),
        (None, Some(d)) => String::from_utf8(read(&d.join("root-key.txt"))?)?,
        (None, None) => bail!("the pinned root key is needed: --root-key HEX|FILE or --keys DIR"),
    };
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow!("root key: expected 64 hex digits"))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| anyhow!("root key: not an Ed25519 public key"))
}

/// Why `daftar verify` could not give a verdict (exit 2): a stable code and a message.
struct Failure {
    code: &'static str,
    message: String,
}

fn failure(code: &'static str, message: impl std::fmt::Display) -> Failure {
    Failure {
        code,
        message: message.to_string(),
    }
}

/// A format or list error of the file at `p`.
fn list_failure(p: &Path, e: &daftar_credential::FormatError) -> Failure {
    failure(e.code, format!("{}: {}", p.display(), e.code))
}

/// Writes to standard output; a closed pipe (`daftar verify ... | head -1`) ends the output
/// quietly instead of panicking like `println!`.
fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// Seconds in a day.
const DAY: i64 = 86_400;

/// `daftar verify`: exit 0 valid, 1 any other verdict, 2 no verdict (the error on standard
/// error, or as `{"error": {"code", "message"}}` on standard output with `--json`).
pub fn verify(a: &VerifyArgs) -> Result<ExitCode> {
    match check(a) {
        Ok(code) => Ok(code),
        Err(f) => {
            if a.json {
                let v = serde_json::json!({"error": {"code": f.code, "message": f.message}});
                out(&format!("{v}\n"));
            } else {
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "error: {}", f.message);
            }
            Ok(ExitCode::from(2))
        }
    }
}

fn read_file(p: &Path) -> std::result::Result<Vec<u8>, Failure> {
    std::fs::read(p).map_err(|e| {
        failure(
            "verify.file.unreadable",
            format!("reading {}: {e}", p.display()),
        )
    })
}

fn check(a: &VerifyArgs) -> std::result::Result<ExitCode, Failure> {
    let dir = a.keys.as_deref();
    let root = root_key(a.root_key.as_deref(), dir)
        .map_err(|e| failure("verify.root_key.invalid", format!("{e:#}")))?;
    let trust_path = a
        .trust_list
        .clone()
        .or_else(|| dir.map(|d| d.join("trust-list.cose")))
        .ok_or_else(|| {
            failure(
                "verify.trust_list.missing",
                "a trust list is needed: --trust-list FILE or --keys DIR",
            )
        })?;
    let trust_doc = TrustListDoc::open(&read_file(&trust_path)?, &root)
        .map_err(|e| list_failure(&trust_path, &e))?;
    let trust = trust_doc
        .trust()
        .map_err(|e| list_failure(&trust_path, &e))?;
    let status_path = a.status_list.clone().or_else(|| {
        dir.map(|d| d.join("status-list.cose"))
            .filter(|p| p.is_file())
    });
    let mut status = match &status_path {
        Some(p) => {
            Some(StatusListDoc::open_full(&read_file(p)?, &root).map_err(|e| list_failure(p, &e))?)
        }
        None => None,
    };
    for d in &a.deltas {
        let delta = StatusListDoc::open(&read_file(d)?, &root).map_err(|e| list_failure(d, &e))?;
        status
            .as_mut()
            .ok_or_else(|| {
                failure(
                    "verify.status_list.missing",
                    "--delta needs a full --status-list to apply to",
                )
            })?
            .apply(&delta)
            .map_err(|e| list_failure(d, &e))?;
    }
    let now = daftar_domain::clock::Clock::default()
        .now()
        .unix_timestamp();
    if let Some(s) = &status {
        // Freshness: an old list misses recent revocations; an older version than one already
        // seen is a rollback (docs/credential-format.md §8).
        let max_age = (a.max_list_age > 0).then(|| i64::from(a.max_list_age).saturating_mul(DAY));
        s.check_fresh(now, max_age, a.min_status_version)
            .map_err(|e| {
                let hint = match e.code {
                    "credential.list.stale" => format!(
                        "the status list was signed more than {} days ago; download it again (or --max-list-age DAYS)",
                        a.max_list_age
                    ),
                    _ => format!(
                        "status list version {} is older than a version already seen",
                        s.version
                    ),
                };
                failure(e.code, format!("{}: {hint}", e.code))
            })?;
    }
    let text = match (&a.text, &a.image) {
        (_, Some(img)) => daftar_credential::scan::read_qr(&read_file(img)?)
            .map_err(|e| failure(e.code, format!("{}: {}", img.display(), e.code)))?,
        (Some(t), None) if t == "-" => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                .map_err(|e| failure("verify.input.unreadable", format!("standard input: {e}")))?;
            s
        }
        (Some(t), None) => t.clone(),
        (None, None) => {
            return Err(failure(
                "verify.text.missing",
                "give the QR text or --image FILE",
            ));
        }
    };
    let verdict = verify_with_status(
        &text,
        &trust,
        |cti| status.as_ref().is_some_and(|s| s.is_revoked(cti)),
        now,
    )
    .map_err(|e| failure(e.code, e.code))?;
    out(&render(a, &verdict, status.as_ref(), trust_doc.version));
    Ok(if matches!(verdict, Verdict::Valid(_)) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn render(
    a: &VerifyArgs,
    v: &Verdict,
    status: Option<&StatusListDoc>,
    trust_version: u64,
) -> String {
    use std::fmt::Write;
    let c = v.claims();
    if a.json {
        let out = serde_json::json!({
            "verdict": v.code(),
            "issuer": c.map(|c| c.issuer.clone()),
            "kind": c.map(|c| c.kind.code()),
            "purpose": c.map(|c| c.purpose.clone()),
            "expires": c.map(|c| c.expires),
            "fields": c.map(|c| c.fields.clone()),
            "trust_list_version": trust_version,
            "status_list_version": status.map(|s| s.version),
        });
        return format!("{out}\n");
    }
    let mut o = String::new();
    let _ = writeln!(o, "verdict: {}", v.code());
    if let Some(c) = c {
        let _ = writeln!(o, "issuer: {}", c.issuer);
        let _ = writeln!(o, "type: {}", c.kind.code());
        let _ = writeln!(o, "purpose: {}", c.purpose);
        if let Ok(t) = time::OffsetDateTime::from_unix_timestamp(c.expires) {
            let _ = writeln!(o, "valid until: {}", t.date());
        }
        for (k, val) in &c.fields {
            let _ = writeln!(o, "  {k}: {val}");
        }
    }
    let _ = match status {
        Some(s) => writeln!(o, "revocation: status list version {}", s.version),
        None => writeln!(o, "revocation: not checked (no status list given)"),
    };
    o
}
