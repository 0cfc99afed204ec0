//! Configuration, in layers: built-in defaults → `daftar.toml` (from `--config FILE`,
//! `DAFTAR_CONFIG`, or `./daftar.toml` when present) → `DAFTAR_*` environment variables (plus
//! plain `DATABASE_URL`) → command-line flags. Unknown keys in the file and unknown `DAFTAR_*`
//! variables are refused by name. Secrets are redacted whenever the configuration is shown.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The effective configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address and port to serve on.
    pub listen: String,
    /// Directory for the SQLite database and uploads.
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; empty for SQLite at `<data_dir>/daftar.db`.
    pub database_url: String,
    /// Mark cookies `Secure` (set when serving behind TLS).
    pub secure_cookies: bool,
    /// Locale when nothing else decides: `fa-IR`, `fa-AF`, `ps` or `en`.
    pub default_locale: String,
    /// Directory with self-hosted font files (empty: none; pages use system fonts).
    pub font_dir: String,
    /// Log filter (tracing `EnvFilter` syntax).
    pub log: String,
    /// Minutes of inactivity that end a session.
    pub session_idle_minutes: i64,
    /// Hours after which a session ends regardless of use.
    pub session_absolute_hours: i64,
    /// Consecutive failed logins that lock an account.
    pub login_lock_after: u32,
    /// Minutes a lock lasts.
    pub login_lock_minutes: i64,
    /// Failed checks from one client address, across names, that lock the address (the lock
    /// of `login_lock_after` is per name and address, so nobody can lock another's account).
    pub login_address_lock_after: u32,
    /// Request header carrying the client's address behind a reverse proxy (e.g.
    /// `x-forwarded-for`; the last address in it counts). Empty: the connection's address.
    pub client_address_header: String,
    /// Who may read `/metrics`: `off` (404), `token` (`Authorization: Bearer` with
    /// `metrics_token`) or `listen` (served only on `metrics_listen`, without login).
    pub metrics: String,
    /// Token for `metrics = "token"` (at least 16 characters; redacted when shown).
    pub metrics_token: String,
    /// `ADDRESS:PORT` of the separate metrics listener for `metrics = "listen"`.
    pub metrics_listen: String,
    /// Country profile directory (`services.toml`, `calendar.toml`); empty: the embedded Iran
    /// profile.
    pub profile_dir: String,
    /// Offices' local time as minutes east of UTC, for "today" and due dates (Iran: 210).
    pub utc_offset_minutes: i32,
    /// Public address printed in receipt QR codes (`https://daftar.example.org`); empty: the
    /// request's host.
    pub public_url: String,
    /// Working days past due after which an overdue case escalates to the authority.
    pub escalate_to_authority_after: u32,
    /// Seconds between escalation passes of the background job (0: off).
    pub escalation_interval_secs: u64,
    /// Seconds between passes of the KPI job (0: off).
    pub kpi_interval_secs: u64,
    /// Milliseconds between passes of the audit sealer (0: off; `daftar audit seal` seals).
    pub audit_seal_interval_ms: u64,
    /// Seconds between signed checkpoints of the audit chain's head, when it moved (0: off).
    pub audit_checkpoint_interval_secs: u64,
    /// Milliseconds between passes of the notification sender in `serve` (0: off; `daftar
    /// notify send` sends on demand).
    pub notify_interval_ms: u64,
    /// Where notifications go: `file` (JSON lines in `notify_file`), or `sms` / `smtp`: each
    /// notice by its channel, SMS through the HTTP gateway at `notify_sms_url` and e-mail
    /// through the SMTP server at `notify_smtp_url`, whichever are set (`sms` requires the
    /// gateway, `smtp` the server).
    pub notify_transport: String,
    /// The file transport's file; empty: `<data_dir>/notifications.jsonl`.
    pub notify_file: String,
    /// The SMS gateway's URL template with `{to}` and `{text}` (and optionally `{id}`), e.g.
    /// `https://sms.example/send?to={to}&text={text}`.
    pub notify_sms_url: String,
    /// POST to the SMS gateway instead of GET.
    pub notify_sms_post: bool,
    /// The SMTP server for e-mail notices: `smtp://host:25`, `smtp://host:587?tls=required`
    /// (STARTTLS) or `smtps://user:password@host` (TLS); empty: none.
    pub notify_smtp_url: String,
    /// The sender of e-mail notices, e.g. `daftar <notices@example.org>`.
    pub notify_smtp_from: String,
    /// This node's sender name (one per node; rows it left claimed are taken back at once).
    pub notify_worker: String,
    /// Seconds after which another node's sender may take rows a dead sender left claimed.
    pub notify_lease_secs: u64,
    /// Secret that seals the credential signing keys at rest (at least 16 characters; set it
    /// with DAFTAR_KEY_SECRET in production). Empty: a random secret kept in
    /// `<data_dir>/key-secret` (created on first use, readable by the owner only).
    pub key_secret: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: String::new(),
            secure_cookies: false,
            default_locale: "fa-IR".into(),
            font_dir: String::new(),
            log: "info".into(),
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            login_lock_after: 5,
            login_lock_minutes: 15,
            login_address_lock_after: 20,
            client_address_header: String::new(),
            metrics: "off".into(),
            metrics_token: String::new(),
            metrics_listen: String::new(),
            profile_dir: String::new(),
            utc_offset_minutes: 210,
            public_url: String::new(),
            escalate_to_authority_after: 3,
            escalation_interval_secs: 600,
            kpi_interval_secs: 3600,
            audit_seal_interval_ms: 200,
            audit_checkpoint_interval_secs: 600,
            notify_interval_ms: 1000,
            notify_transport: "file".into(),
            notify_file: String::new(),
            notify_sms_url: String::new(),
            notify_sms_post: false,
            notify_smtp_url: String::new(),
            notify_smtp_from: "daftar <notices@localhost>".into(),
            notify_worker: "local".into(),
            notify_lease_secs: 300,
            key_secret: String::new(),
        }
    }
}

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Built in.
    Default,
    /// The configuration file.
    File,
    /// An environment variable.
    Env,
    /// A command-line flag.
    Flag,
}

/// Values given on the command line (each optional).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// `--listen`.
    pub listen: Option<String>,
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--database-url`.
    pub database_url: Option<String>,
}

/// The configuration with the source of each key.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Effective values.
    pub config: Config,
    /// Source of each key.
    pub sources: BTreeMap<String, Source>,
    /// The file read, if any.
    pub file: Option<PathBuf>,
}

fn table(c: &Config) -> Result<toml::Table> {
    Ok(toml::Table::try_from(c)?)
}

/// Parses an environment value as the type of the default.
fn env_value(key: &str, raw: &str, default: &toml::Value) -> Result<toml::Value> {
    Ok(match default {
        toml::Value::Boolean(_) => match raw.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => toml::Value::Boolean(true),
            "0" | "false" | "no" | "off" => toml::Value::Boolean(false),
            _ => bail!(
                "DAFTAR_{}: expected true or false, got {raw:?}",
                key.to_uppercase()
            ),
        },
        toml::Value::Integer(_) => {
            toml::Value::Integer(raw.trim().parse().with_context(|| {
                format!("DAFTAR_{}: expected a whole number", key.to_uppercase())
            })?)
        }
        _ => toml::Value::String(raw.to_owned()),
    })
}

/// Loads the configuration from the layers, reading the environment from `env`.
pub fn load(flags: &Flags, env: &BTreeMap<String, String>) -> Result<Loaded> {
    let defaults = table(&Config::default())?;
    let mut merged = defaults.clone();
    let mut sources: BTreeMap<String, Source> = defaults
        .keys()
        .map(|k| (k.clone(), Source::Default))
        .collect();

    let file = flags
        .config
        .clone()
        .or_else(|| env.get("DAFTAR_CONFIG").map(PathBuf::from))
        .or_else(|| {
            let p = PathBuf::from("daftar.toml");
            p.exists().then_some(p)
        });
    if let Some(path) = &file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        let t: toml::Table = toml::from_str(&text)
            .with_context(|| format!("config file {} is not valid TOML", path.display()))?;
        for (k, v) in t {
            if !defaults.contains_key(&k) {
                bail!(
                    "config file {}: unknown key `{k}` (known keys: {})",
                    path.display(),
                    defaults.keys().cloned().collect::<Vec<_>>().join(", ")
                );
            }
            merged.insert(k.clone(), v);
            sources.insert(k, Source::File);
        }
    }

    if let Some(url) = env.get("DATABASE_URL").filter(|u| !u.is_empty()) {
        merged.insert("database_url".into(), toml::Value::String(url.clone()));
        sources.insert("database_url".into(), Source::Env);
    }
    for (name, raw) in env {
        let Some(rest) = name.strip_prefix("DAFTAR_") else {
            continue;
        };
        if rest == "CONFIG" {
            continue;
        }
        let key = rest.to_ascii_lowercase();
        let Some(default) = defaults.get(&key) else {
            bail!(
                "unknown environment variable {name} (known: {})",
                defaults
                    .keys()
                    .map(|k| format!("DAFTAR_{}", k.to_uppercase()))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        merged.insert(key.clone(), env_value(&key, raw, default)?);
        sources.insert(key, Source::Env);
    }

    let mut flag = |k: &str, v: toml::Value| {
        merged.insert(k.into(), v);
        sources.insert(k.into(), Source::Flag);
    };
    if let Some(v) = &flags.listen {
        flag("listen", toml::Value::String(v.clone()));
    }
    if let Some(v) = &flags.data_dir {
        flag("data_dir", toml::Value::String(v.display().to_string()));
    }
    if let Some(v) = &flags.database_url {
        flag("database_url", toml::Value::String(v.clone()));
    }

    let config: Config = merged.try_into().context("invalid configuration value")?;
    validate(&config)?;
    Ok(Loaded {
        config,
        sources,
        file,
    })
}

fn validate(c: &Config) -> Result<()> {
    if c.listen.parse::<std::net::SocketAddr>().is_err() {
        bail!(
            "listen: expected ADDRESS:PORT such as 127.0.0.1:8080, got {:?}",
            c.listen
        );
    }
    if !["file", "sms", "smtp"].contains(&c.notify_transport.as_str()) {
        bail!(
            "notify_transport: expected file, sms or smtp, got {:?}",
            c.notify_transport
        );
    }
    if c.notify_transport == "smtp" && c.notify_smtp_url.is_empty() {
        bail!("notify_smtp_url: an SMTP server URL is needed for notify_transport = \"smtp\"");
    }
    if c.notify_transport == "sms"
        && !(c.notify_sms_url.contains("{to}") && c.notify_sms_url.contains("{text}"))
    {
        bail!(
            "notify_sms_url: a URL template with {{to}} and {{text}} is needed for notify_transport = \"sms\""
        );
    }
    if !["fa-IR", "fa-AF", "ps", "en"].contains(&c.default_locale.as_str()) {
        bail!(
            "default_locale: expected fa-IR, fa-AF, ps or en, got {:?}",
            c.default_locale
        );
    }
    if c.session_idle_minutes < 1
        || c.session_absolute_hours < 1
        || c.login_lock_after < 1
        || c.login_lock_minutes < 1
    {
        bail!("session and login limits must be at least 1");
    }
    if c.login_address_lock_after < 1 {
        bail!("login_address_lock_after must be at least 1");
    }
    match c.metrics.as_str() {
        "off" => {}
        "token" if c.metrics_token.chars().count() >= 16 => {}
        "token" => bail!("metrics = \"token\" needs metrics_token of at least 16 characters"),
        "listen" if c.metrics_listen.parse::<std::net::SocketAddr>().is_ok() => {}
        "listen" => bail!(
            "metrics = \"listen\" needs metrics_listen as ADDRESS:PORT, got {:?}",
            c.metrics_listen
        ),
        other => bail!("metrics: expected off, token or listen, got {other:?}"),
    }
    let known_scheme = ["postgres://", "postgresql://", "sqlite://"]
        .iter()
        .any(|s| c.database_url.starts_with(s));
    if !c.database_url.is_empty() && !known_scheme {
        bail!("database_url: expected postgres://…, postgresql://… or sqlite://…");
    }
    Ok(())
}

impl Config {
    /// The system clock with the offices' time zone (`utc_offset_minutes`): the one clock the
    /// store, the web layer and every command read.
    pub fn clock(&self) -> daftar_domain::clock::Clock {
        daftar_domain::clock::Clock::system_minutes(self.utc_offset_minutes)
    }

    /// The database URL in force: the configured one, or SQLite in the data directory.
    pub fn database(&self) -> String {
        if self.database_url.is_empty() {
            self.sqlite_path().display().to_string()
        } else {
            self.database_url.clone()
        }
    }
    /// The SQLite file (when SQLite is used).
    pub fn sqlite_path(&self) -> PathBuf {
        match self.database_url.strip_prefix("sqlite://") {
            Some(p) => PathBuf::from(p),
            None => self.data_dir.join("daftar.db"),
        }
    }
    /// Whether PostgreSQL is selected.
    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }
    /// The web layer's settings.
    pub fn web(&self) -> daftar_web::WebConfig {
        let mut w = daftar_web::WebConfig {
            secure_cookies: self.secure_cookies,
            default_locale: self.default_locale.clone(),
            ..Default::default()
        };
        if !self.font_dir.is_empty() {
            w.font_dir = Some(Path::new(&self.font_dir).to_owned());
        }
        w.session.idle = time::Duration::minutes(self.session_idle_minutes);
        w.session.absolute = time::Duration::hours(self.session_absolute_hours);
        w.login.lock_after = self.login_lock_after;
        w.login.lock_for = time::Duration::minutes(self.login_lock_minutes);
        w.login.address_lock_after = self.login_address_lock_after;
        w.client_address_header = self.client_address_header.clone();
        w.metrics = match self.metrics.as_str() {
            "token" => daftar_web::MetricsAccess::Token(self.metrics_token.clone()),
            // `validate` has refused an address that does not parse.
            "listen" => self.metrics_listen.parse().map_or(
                daftar_web::MetricsAccess::Off,
                daftar_web::MetricsAccess::Listen,
            ),
            _ => daftar_web::MetricsAccess::Off,
        };
        w.blob_dir = Some(self.data_dir.join("blobs"));
        if !self.profile_dir.is_empty() {
            w.profile_dir = Some(Path::new(&self.profile_dir).to_owned());
        }
        w.utc_offset_minutes = self.utc_offset_minutes;
        w.clock = Some(self.clock());
        w.public_url = self.public_url.clone();
        w.escalate_to_authority_after = self.escalate_to_authority_after;
        w.escalation_interval_secs = self.escalation_interval_secs;
        w.kpi_interval_secs = self.kpi_interval_secs;
        w.audit_seal_interval_ms = self.audit_seal_interval_ms;
        w.audit_checkpoint_interval_secs = self.audit_checkpoint_interval_secs;
        w.notify_interval_ms = self.notify_interval_ms;
        w.notify_transport = self.notify_transport.clone();
        w.notify_file = Some(self.notify_file());
        w.notify_sms_url = self.notify_sms_url.clone();
        w.notify_sms_post = self.notify_sms_post;
        w.notify_smtp_url = self.notify_smtp_url.clone();
        w.notify_smtp_from = self.notify_smtp_from.clone();
        w.notify_worker = self.notify_worker.clone();
        w.notify_lease_secs = self.notify_lease_secs;
        w.key_secret = self.key_secret().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "no key secret: credential keys are sealed for this process only");
            String::new()
        });
        w
    }

    /// The notification file transport's file.
    pub fn notify_file(&self) -> PathBuf {
        if self.notify_file.is_empty() {
            self.data_dir.join("notifications.jsonl")
        } else {
            PathBuf::from(&self.notify_file)
        }
    }

    /// The secret that seals credential keys: `key_secret`, or the one kept in
    /// `<data_dir>/key-secret` (made on first use).
    pub fn key_secret(&self) -> Result<String> {
        if !self.key_secret.is_empty() {
            return Ok(self.key_secret.clone());
        }
        let path = self.data_dir.join("key-secret");
        if let Ok(s) = std::fs::read_to_string(&path) {
            return Ok(s.trim().to_owned());
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating {}", self.data_dir.display()))?;
        let secret = daftar_domain::secret::random_token(32);
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        use std::io::Write;
        opts.open(&path)
            .and_then(|mut f| f.write_all(secret.as_bytes()))
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(secret)
    }
}

impl Loaded {
    /// The configuration as TOML with secrets redacted and each value's source as a comment.
    pub fn print(&self) -> Result<String> {
        let mut shown = self.config.clone();
        shown.database_url = daftar_store::redact_url(&shown.database_url);
        if !shown.key_secret.is_empty() {
            shown.key_secret = "(redacted)".into();
        }
        if !shown.metrics_token.is_empty() {
            shown.metrics_token = "(redacted)".into();
        }
        let t = table(&shown)?;
        let mut out = String::from("# effective daftar configuration (secrets redacted)\n");
        if let Some(f) = &self.file {
            out.push_str(&format!("# file: {}\n", f.display()));
        }
        for (k, v) in t {
            let src = match self.sources.get(&k) {
                Some(Source::File) => "file",
                Some(Source::Env) => "environment",
                Some(Source::Flag) => "flag",
                _ => "default",
            };
            out.push_str(&format!("{k} = {v}  # {src}\n"));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn layers_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("daftar.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\nlog = \"debug\"\nlogin_lock_after = 3\n",
        )
        .unwrap();
        let flags = Flags {
            config: Some(file.clone()),
            ..Default::default()
        };
        let l = load(&flags, &env(&[("DAFTAR_LOG", "warn")])).unwrap();
        assert_eq!(l.config.listen, "127.0.0.1:9000");
        assert_eq!(l.sources["listen"], Source::File);
        assert_eq!(l.config.log, "warn", "environment beats the file");
        assert_eq!(l.config.login_lock_after, 3);
        let flags = Flags {
            config: Some(file),
            listen: Some("127.0.0.1:9100".into()),
            ..Default::default()
        };
        let l = load(&flags, &env(&[("DAFTAR_LISTEN", "127.0.0.1:9200")])).unwrap();
        assert_eq!(l.config.listen, "127.0.0.1:9100", "flags beat everything");
        assert_eq!(l.sources["listen"], Source::Flag);
        assert_eq!(l.sources["secure_cookies"], Source::Default);
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("daftar.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9000\"\nlisten_port = 1\n").unwrap();
        let err = load(
            &Flags {
                config: Some(file),
                ..Default::default()
            },
            &env(&[]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("listen_port"), "{err}");
        let err = load(&Flags::default(), &env(&[("DAFTAR_LISTN", "x")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("DAFTAR_LISTN"), "{err}");
        let err = load(
            &Flags::default(),
            &env(&[("DAFTAR_SECURE_COOKIES", "maybe")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("true or false"), "{err}");
    }

    #[test]
    fn database_url_from_plain_env_and_redacted_when_printed() {
        let l = load(
            &Flags::default(),
            &env(&[("DATABASE_URL", "postgres://app:s3cret@db/daftar")]),
        )
        .unwrap();
        assert!(l.config.is_postgres());
        let printed = l.print().unwrap();
        assert!(!printed.contains("s3cret"), "{printed}");
        assert!(printed.contains("postgres://app:***@db/daftar"));
        let l = load(
            &Flags::default(),
            &env(&[
                ("DATABASE_URL", "postgres://a@b/c"),
                ("DAFTAR_DATABASE_URL", "postgres://x@y/z"),
            ]),
        )
        .unwrap();
        assert_eq!(
            l.config.database_url, "postgres://x@y/z",
            "DAFTAR_DATABASE_URL wins"
        );
    }

    #[test]
    fn defaults_use_sqlite_in_the_data_dir_and_bad_values_are_refused() {
        let l = load(&Flags::default(), &env(&[])).unwrap();
        assert_eq!(l.config.database(), "./data/daftar.db");
        assert!(
            load(
                &Flags {
                    listen: Some("nonsense".into()),
                    ..Default::default()
                },
                &env(&[])
            )
            .is_err()
        );
        assert!(load(&Flags::default(), &env(&[("DAFTAR_DEFAULT_LOCALE", "de")])).is_err());
    }

    #[test]
    fn metrics_access_is_configured_and_its_token_redacted() {
        // A key secret is given so that `web()` does not create `./data/key-secret`.
        let key = ("DAFTAR_KEY_SECRET", "test-key-secret-0123456789");
        let l = load(&Flags::default(), &env(&[key])).unwrap();
        assert_eq!(l.config.web().metrics, daftar_web::MetricsAccess::Off);
        let l = load(
            &Flags::default(),
            &env(&[
                key,
                ("DAFTAR_METRICS", "token"),
                ("DAFTAR_METRICS_TOKEN", "scrape-secret-0123456789"),
            ]),
        )
        .unwrap();
        assert_eq!(
            l.config.web().metrics,
            daftar_web::MetricsAccess::Token("scrape-secret-0123456789".into())
        );
        let printed = l.print().unwrap();
        assert!(!printed.contains("scrape-secret"), "{printed}");
        let l = load(
            &Flags::default(),
            &env(&[
                key,
                ("DAFTAR_METRICS", "listen"),
                ("DAFTAR_METRICS_LISTEN", "127.0.0.1:9100"),
            ]),
        )
        .unwrap();
        assert_eq!(
            l.config.web().metrics,
            daftar_web::MetricsAccess::Listen("127.0.0.1:9100".parse().unwrap())
        );
        for bad in [
            &[("DAFTAR_METRICS", "open")][..],
            &[
                ("DAFTAR_METRICS", "token"),
                ("DAFTAR_METRICS_TOKEN", "short"),
            ][..],
            &[("DAFTAR_METRICS", "listen")][..],
        ] {
            assert!(load(&Flags::default(), &env(bad)).is_err(), "{bad:?}");
        }
    }
}
