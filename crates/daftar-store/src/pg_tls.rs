//! TLS to PostgreSQL, chosen by the connection URL as libpq users expect: `sslmode` (`disable`,
//! `allow`, `prefer`, `require`, `verify-ca`, `verify-full`) and `sslrootcert` (a PEM file of CA
//! certificates, or `system`). The driver itself knows only disable/prefer/require and no CA file,
//! so both options are taken out of the URL here and turned into a rustls connector.
//!
//! daftar never encrypts without verifying: whenever TLS is used, the server's certificate chain
//! is checked against the system's roots (or the `sslrootcert` file) and its name against the
//! host, so `require` and `verify-ca` verify as strictly as `verify-full`. Without `sslmode` the
//! connection is plain, as before (a local socket or loopback); over any network set
//! `sslmode=verify-full`.

use daftar_domain::{Error, Result};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::sync::Arc;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// What the URL asks for, with the TLS options removed from the text the driver parses.
#[derive(Debug, PartialEq, Eq)]
pub struct TlsChoice {
    /// The URL without `sslmode` and `sslrootcert`.
    pub url: String,
    /// The driver's mode.
    pub mode: SslMode,
    /// `sslrootcert`, when given (`None`: the system's roots).
    pub root_cert: Option<String>,
}

fn bad(msg: impl std::fmt::Display) -> Error {
    Error::store(format!("bad PostgreSQL URL: {msg}"))
}

fn mode_of(value: &str) -> Result<SslMode> {
    match value {
        "disable" | "allow" => Ok(SslMode::Disable),
        "prefer" => Ok(SslMode::Prefer),
        "require" | "verify-ca" | "verify-full" => Ok(SslMode::Require),
        other => Err(bad(format!(
            "sslmode {other:?} is not one of disable, allow, prefer, require, verify-ca, verify-full"
        ))),
    }
}

/// Splits the TLS options off `url` (URL form `postgres://…?sslmode=…` or key=value form).
pub fn parse(url: &str) -> Result<TlsChoice> {
    let mut mode = SslMode::Disable;
    let mut root_cert = None;
    let mut take = |key: &str, value: &str| -> Result<bool> {
        match key {
            "sslmode" => mode = mode_of(value)?,
            "sslrootcert" => root_cert = Some(value.to_owned()),
            _ => return Ok(false),
        }
        Ok(true)
    };
    let rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        match url.split_once('?') {
            None => url.to_owned(),
            Some((base, query)) => {
                let mut kept = Vec::new();
                for pair in query.split('&').filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    let v = percent_decode(v).ok_or_else(|| bad(format!("bad escape in {k}")))?;
                    if !take(k, &v)? {
                        kept.push(pair);
                    }
                }
                if kept.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
        }
    } else {
        let mut kept = Vec::new();
        for word in url.split_whitespace() {
            let (k, v) = word.split_once('=').unwrap_or((word, ""));
            if !take(k.trim(), v.trim_matches('\''))? {
                kept.push(word);
            }
        }
        kept.join(" ")
    };
    Ok(TlsChoice {
        url: rest,
        mode,
        root_cert,
    })
}

fn percent_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// The rustls connector for `choice`: roots from the `sslrootcert` file, or the system's.
pub fn connector(choice: &TlsChoice) -> Result<MakeRustlsConnect> {
    let mut roots = RootCertStore::empty();
    if choice.mode != SslMode::Disable {
        match choice.root_cert.as_deref() {
            Some(path) if path != "system" => {
                let certs = CertificateDer::pem_file_iter(path)
                    .and_then(|it| it.collect::<std::result::Result<Vec<_>, _>>())
                    .map_err(|e| bad(format!("sslrootcert {path}: {e}")))?;
                if certs.is_empty() {
                    return Err(bad(format!(
                        "sslrootcert {path}: no certificate in the file"
                    )));
                }
                for c in certs {
                    roots
                        .add(c)
                        .map_err(|e| bad(format!("sslrootcert {path}: {e}")))?;
                }
            }
            _ => {
                let found = rustls_native_certs::load_native_certs();
                roots.add_parsable_certificates(found.certs);
                if roots.is_empty() {
                    return Err(Error::store(
                        "TLS to PostgreSQL: no system root certificates found; give sslrootcert",
                    ));
                }
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::store(format!("TLS to PostgreSQL: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_options_leave_the_url() {
        let c = parse("postgres://u:p@db.example/x?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=d").unwrap();
        assert_eq!(c.url, "postgres://u:p@db.example/x?application_name=d");
        assert_eq!(c.mode, SslMode::Require);
        assert_eq!(c.root_cert.as_deref(), Some("/etc/ca.pem"));
        let c = parse("host=db sslmode=prefer dbname=x").unwrap();
        assert_eq!(
            (c.url.as_str(), c.mode),
            ("host=db dbname=x", SslMode::Prefer)
        );
        let c = parse("postgres://u@h/x").unwrap();
        assert_eq!(
            (c.url.as_str(), c.mode),
            ("postgres://u@h/x", SslMode::Disable)
        );
        assert!(parse("postgres://u@h/x?sslmode=maybe").is_err());
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_an_error() {
        let c = parse("postgres://u@h/x?sslmode=require&sslrootcert=/nonexistent/ca.pem").unwrap();
        assert!(connector(&c).is_err());
        let empty =
            std::env::temp_dir().join(format!("daftar-empty-ca-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let c = parse(&format!(
            "postgres://u@h/x?sslmode=require&sslrootcert={}",
            empty.display()
        ))
        .unwrap();
        assert!(connector(&c).is_err());
        let _ = std::fs::remove_file(empty);
    }
}
