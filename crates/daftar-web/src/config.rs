//! Settings the web layer needs, filled by the binary from its layered configuration.

use daftar_domain::session::SessionPolicy;
use daftar_domain::user::LoginPolicy;
use std::path::PathBuf;

/// Who may read the Prometheus text at `/metrics` (issue 15, defect 14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricsAccess {
    /// Not served (404).
    Off,
    /// Served to requests with `Authorization: Bearer <token>` (compared in constant time).
    Token(String),
    /// Not on the main address: the binary serves it on a separate listener of its own
    /// (e.g. `127.0.0.1:9100`, reachable only from the monitoring host).
    Listen(std::net::SocketAddr),
}

/// Web settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (on behind TLS; off for plain-HTTP local demo and tests).
    pub secure_cookies: bool,
    /// Where self-hosted font files are (the setup script fills it); fonts fall back to system
    /// fonts when absent.
    pub font_dir: Option<PathBuf>,
    /// Session lifetimes.
    pub session: SessionPolicy,
    /// Failed-login throttling.
    pub login: LoginPolicy,
    /// Request header with the client's address when serving behind a reverse proxy (e.g.
    /// `x-forwarded-for`; the last address in it is used). Empty: the connection's address.
    pub client_address_header: String,
    /// Who may read `/metrics`.
    pub metrics: MetricsAccess,
    /// Locale when nothing else decides (`fa-IR`).
    pub default_locale: String,
    /// Directory for uploaded case documents (the binary uses `<data_dir>/blobs`; tests a
    /// temporary directory). `None`: a directory under the system temp dir.
    pub blob_dir: Option<PathBuf>,
    /// Country profile directory with `services.toml` and `calendar.toml`; `None`: the
    /// embedded Iran profile.
    pub profile_dir: Option<PathBuf>,
    /// Offset of the offices' local time from UTC in minutes, for "today" (Iran: +210).
    pub utc_offset_minutes: i32,
    /// The clock to read time from; `None`: the system clock at `utc_offset_minutes` (tests
    /// set a manual one to stop or move time).
    pub clock: Option<daftar_domain::clock::Clock>,
    /// The site's public address (`https://daftar.example.org`) for links printed on receipts;
    /// empty: taken from the request's `Host`.
    pub public_url: String,
    /// Working days past due after which an overdue case escalates to the authority.
    pub escalate_to_authority_after: u32,
    /// Seconds between escalation passes of the server's background job (0: off).
    pub escalation_interval_secs: u64,
    /// Seconds between passes of the KPI job (0: off, the default here; the binary's
    /// configuration turns it on).
    pub kpi_interval_secs: u64,
    /// Milliseconds between runs of the audit sealer (0: off; `daftar audit seal` and
    /// `audit verify` still seal on demand). Bounds how long a committed audit row waits
    /// unsealed when no older transaction is open (docs/adr/0002-audit-sealing.md).
    pub audit_seal_interval_ms: u64,
    /// Seconds between signed checkpoints of the audit chain's head, made by the sealer when
    /// the head moved (0: only on demand, `daftar audit checkpoint`).
    pub audit_checkpoint_interval_secs: u64,
    /// Milliseconds between passes of the notification sender (0: off, the default here; the
    /// binary's configuration turns it on).
    pub notify_interval_ms: u64,
    /// The notifications' transport: `file`, or `sms` / `smtp` (by channel; see
    /// [`crate::notify::TransportSettings`]).
    pub notify_transport: String,
    /// The file transport's file; `None`: `notifications.jsonl` under the system temp dir.
    pub notify_file: Option<PathBuf>,
    /// The SMS gateway's URL template (`{to}`, `{text}`, optionally `{id}`).
    pub notify_sms_url: String,
    /// POST to the gateway instead of GET.
    pub notify_sms_post: bool,
    /// The SMTP server for e-mail notices (empty: none).
    pub notify_smtp_url: String,
    /// The sender address of e-mail notices.
    pub notify_smtp_from: String,
    /// This node's sender name (rows it left claimed are taken back at once after a restart).
    pub notify_worker: String,
    /// Seconds after which another node's sender may take rows a sender left claimed.
    pub notify_lease_secs: u64,
    /// Secret that seals the credential signing keys at rest (at least 16 characters). Empty:
    /// a random secret for this process only (tests): keys sealed with it cannot be opened by
    /// another process.
    pub key_secret: String,
    /// Replaces the profile's bulk-read limit (`privacy.toml`): for the demo, which lowers it
    /// so that the alarm can be seen by hand, and for tests. Not a configuration key.
    pub bulk_read_override: Option<daftar_domain::read_watch::ReadLimit>,
    /// Where unresolved message lookups are recorded besides the log (tests read it to fail on
    /// an id a page shows untranslated). Not a configuration key.
    pub i18n_misses: Option<std::sync::Arc<crate::i18n::Misses>>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            font_dir: None,
            session: SessionPolicy::default(),
            login: LoginPolicy::default(),
            client_address_header: String::new(),
            metrics: MetricsAccess::Off,
            default_locale: "fa-IR".into(),
            blob_dir: None,
            profile_dir: None,
            utc_offset_minutes: 210,
            clock: None,
            public_url: String::new(),
            escalate_to_authority_after: 3,
            escalation_interval_secs: 600,
            kpi_interval_secs: 0,
            audit_seal_interval_ms: 200,
            audit_checkpoint_interval_secs: 600,
            notify_interval_ms: 0,
            notify_transport: "file".into(),
            notify_file: None,
            notify_sms_url: String::new(),
            notify_sms_post: false,
            notify_smtp_url: String::new(),
            notify_smtp_from: "daftar <notices@localhost>".into(),
            notify_worker: "local".into(),
            notify_lease_secs: 300,
            key_secret: String::new(),
            bulk_read_override: None,
            i18n_misses: None,
        }
    }
}
