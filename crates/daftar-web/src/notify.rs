//! The notification sender (issue 19.3): claims due notices from the outbox
//! (`NotifyStore::claim_notices`), writes each in the person's locale from the Fluent messages
//! `notify-<kind>` (dates in the Solar Hijri calendar), hands them to a [`Transport`] and records
//! the outcome (`finish_notices`; a failure is retried with backoff).
//!
//! Transports: [`FileTransport`] (JSON lines, one per notice with its outbox id; the default,
//! used by the demo and tests) and [`SmsGateway`] (an HTTP GET or POST to a URL template such as
//! `https://gw.example/send?to={to}&text={text}`). There is no SMTP transport yet: persons have
//! no e-mail address in the registry to send to.
//!
//! **Delivery guarantee.** A notice is marked sent only after the transport accepted it (the
//! file: written and `fsync`ed). A worker killed after the transport but before
//! `finish_notices` leaves its rows `sending`; the next pass of the same worker name (or of any
//! worker once the lease ran out) claims them again and first asks the transport whether each
//! was delivered: the file transport knows every id in its file, so such a row is marked sent,
//! not written twice. A torn last line (killed mid-write) is cut off when the file is opened,
//! and its notice is written again. Hence, for the file transport, each notice is in the file
//! exactly once across `kill -9` of the worker, as long as every worker that shares a file
//! shares its worker name and runs one at a time (two nodes: two files, two names). The SMS
//! gateway cannot be asked, so after such a crash a notice may be sent twice (at least once).

use crate::i18n::{I18n, Tr, locale_info};
use daftar_domain::notify::{Claimed, Kind, Outcome};
use daftar_domain::store::Store;
use daftar_domain::{Error, Result};
use std::collections::HashSet;
use std::future::Future;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A rendered notice, ready for a transport.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Message {
    /// Outbox id.
    pub id: String,
    /// Kind code.
    pub kind: &'static str,
    /// Locale of the text.
    pub locale: String,
    /// Channel (`sms` or `email`).
    pub channel: String,
    /// Address.
    pub to: String,
    /// The text.
    pub text: String,
}

/// What a transport's `send` returns: one outcome per message, in order.
pub type Sending<'a> = Pin<Box<dyn Future<Output = Vec<Outcome>> + Send + 'a>>;

/// Where notices go.
pub trait Transport: Send + Sync {
    /// Sends a batch; one outcome per message, in order.
    fn send<'a>(&'a self, batch: &'a [Message]) -> Sending<'a>;
    /// Whether notice `id` was delivered already (asked before sending a notice a dead worker
    /// left claimed). `false` when the transport cannot tell.
    fn delivered(&self, id: &str) -> bool;
}

/// JSON lines in a file, each `{"id", "kind", "locale", "channel", "to", "text"}`. Appended
/// and `fsync`ed once per batch.
pub struct FileTransport {
    path: PathBuf,
    state: Mutex<FileState>,
}

struct FileState {
    file: std::fs::File,
    ids: HashSet<String>,
}

impl std::fmt::Debug for FileTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileTransport({})", self.path.display())
    }
}

impl FileTransport {
    /// Opens (or creates) `path`, cuts off a torn last line and reads the ids already in it.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        let mut text = Vec::new();
        file.read_to_end(&mut text)?;
        let whole = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        if whole < text.len() {
            // Killed mid-write: that notice was not recorded as sent; it is written again.
            file.set_len(whole as u64)?;
            file.sync_data()?;
        }
        file.seek(SeekFrom::End(0))?;
        let mut ids = HashSet::new();
        for line in text[..whole].split(|b| *b == b'\n') {
            #[derive(serde::Deserialize)]
            struct Id {
                id: String,
            }
            if let Ok(l) = serde_json::from_slice::<Id>(line) {
                ids.insert(l.id);
            }
        }
        Ok(Self {
            path: path.to_owned(),
            state: Mutex::new(FileState { file, ids }),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write(&self, batch: &[Message]) -> std::io::Result<()> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut buf = Vec::with_capacity(batch.len() * 256);
        for m in batch {
            serde_json::to_writer(&mut buf, m).map_err(std::io::Error::other)?;
            buf.push(b'\n');
        }
        st.file.write_all(&buf)?;
        st.file.sync_data()?;
        st.ids.extend(batch.iter().map(|m| m.id.clone()));
        Ok(())
    }
}

impl Transport for FileTransport {
    fn send<'a>(&'a self, batch: &'a [Message]) -> Sending<'a> {
        Box::pin(async move {
            match self.write(batch) {
                Ok(()) => vec![Outcome::Sent; batch.len()],
                Err(e) => vec![Outcome::Failed(format!("file: {e}")); batch.len()],
            }
        })
    }

    fn delivered(&self, id: &str) -> bool {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .ids
            .contains(id)
    }
}

/// An HTTP SMS gateway: `url` with `{to}` and `{text}` replaced by the percent-encoded address
/// and text; GET, or POST with the same URL when `post`. A 2xx answer is a delivery.
#[derive(Debug, Clone)]
pub struct SmsGateway {
    url: String,
    post: bool,
    client: reqwest::Client,
}

impl SmsGateway {
    /// A gateway at the URL template (must contain `{to}` and `{text}`).
    pub fn new(url: &str, post: bool) -> Result<Self> {
        if !(url.contains("{to}") && url.contains("{text}")) {
            return Err(Error::internal(
                "notify_sms_url must contain {to} and {text}",
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::internal(format!("SMS client: {e}")))?;
        Ok(Self {
            url: url.to_owned(),
            post,
            client,
        })
    }

    /// The request URL for `m`.
    pub fn url_for(&self, m: &Message) -> String {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        self.url
            .replace("{to}", &enc(&m.to))
            .replace("{text}", &enc(&m.text))
            .replace("{id}", &enc(&m.id))
    }
}

impl Transport for SmsGateway {
    fn send<'a>(&'a self, batch: &'a [Message]) -> Sending<'a> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(batch.len());
            for m in batch {
                let url = self.url_for(m);
                let req = if self.post {
                    self.client.post(url)
                } else {
                    self.client.get(url)
                };
                out.push(match req.send().await {
                    Ok(r) if r.status().is_success() => Outcome::Sent,
                    Ok(r) => Outcome::Failed(format!("gateway: HTTP {}", r.status().as_u16())),
                    // Without the URL: it holds the address and the text.
                    Err(e) => Outcome::Failed(format!("gateway: {}", e.without_url())),
                });
            }
            out
        })
    }

    fn delivered(&self, _id: &str) -> bool {
        false
    }
}

/// The text of a claimed notice in its locale.
pub fn render(i18n: &Arc<I18n>, c: &Claimed) -> String {
    let info = locale_info(&c.locale).unwrap_or_else(|| i18n.default_locale());
    let tr = Tr::new(i18n.clone(), info);
    let p = |k: &str| {
        c.params
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let office = if c.locale == "en" {
        p("office_en")
    } else {
        p("office_fa")
    };
    let mut args: Vec<(&str, String)> = vec![("office", office)];
    match c.kind {
        Kind::RoundInvitation => {
            args.push(("round", p("round")));
            args.push(("opens", tr.date(&p("opens_on"))));
            args.push(("closes", tr.date(&p("closes_on"))));
        }
        Kind::AppointmentReminder => {
            args.push(("reference", tr.digits(&p("reference"))));
            args.push(("day", tr.date(&p("day"))));
            args.push(("slot", tr.digits(&p("slot"))));
        }
        Kind::CaseDecision => {
            args.push(("reference", tr.digits(&p("reference"))));
            args.push(("decision", p("decision")));
        }
        Kind::CredentialReady => {
            args.push(("reference", tr.digits(&p("reference"))));
            args.push(("count", tr.digits(&p("count"))));
        }
    }
    tr.ta(&c.kind.message_id(), &args)
}

/// How the sender runs.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// This worker's name: its rows left `sending` are taken back at once.
    pub worker: String,
    /// Notices per claim.
    pub batch: usize,
    /// After this long another worker may take rows left `sending`.
    pub lease: time::Duration,
}

impl Default for SenderConfig {
    fn default() -> Self {
        Self {
            worker: "local".into(),
            batch: 500,
            lease: time::Duration::minutes(5),
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Notices claimed.
    pub claimed: usize,
    /// Handed to the transport in this pass.
    pub sent: usize,
    /// Found delivered already (left by a dead worker) and only marked sent.
    pub settled: usize,
    /// Failed this attempt.
    pub failed: usize,
}

/// Claims one batch, sends it and records the outcomes.
pub async fn send_once(
    store: &Arc<dyn Store>,
    i18n: &Arc<I18n>,
    transport: &dyn Transport,
    cfg: &SenderConfig,
) -> Result<Pass> {
    let (s, worker, batch, lease) = (store.clone(), cfg.worker.clone(), cfg.batch, cfg.lease);
    let claimed = blocking(move || s.claim_notices(&worker, batch, lease)).await?;
    let mut pass = Pass {
        claimed: claimed.len(),
        ..Pass::default()
    };
    if claimed.is_empty() {
        return Ok(pass);
    }
    let mut outcomes: Vec<(String, Outcome)> = Vec::with_capacity(claimed.len());
    let mut to_send = Vec::with_capacity(claimed.len());
    for c in &claimed {
        if c.attempts > 1 && transport.delivered(&c.id) {
            outcomes.push((c.id.clone(), Outcome::Sent));
            pass.settled += 1;
            continue;
        }
        to_send.push(Message {
            id: c.id.clone(),
            kind: c.kind.code(),
            locale: c.locale.clone(),
            channel: c.channel.clone(),
            to: c.address.clone(),
            text: render(i18n, c),
        });
    }
    let results = transport.send(&to_send).await;
    for (m, o) in to_send.iter().zip(results) {
        match &o {
            Outcome::Sent => pass.sent += 1,
            Outcome::Failed(_) => pass.failed += 1,
        }
        outcomes.push((m.id.clone(), o));
    }
    let (s, worker) = (store.clone(), cfg.worker.clone());
    blocking(move || s.finish_notices(&worker, &outcomes)).await?;
    Ok(pass)
}

/// Runs passes until a claim comes back empty; returns the totals.
pub async fn drain(
    store: &Arc<dyn Store>,
    i18n: &Arc<I18n>,
    transport: &dyn Transport,
    cfg: &SenderConfig,
) -> Result<Pass> {
    let mut total = Pass::default();
    loop {
        let p = send_once(store, i18n, transport, cfg).await?;
        if p.claimed == 0 {
            return Ok(total);
        }
        total.claimed += p.claimed;
        total.sent += p.sent;
        total.settled += p.settled;
        total.failed += p.failed;
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(move || daftar_store::postgres::on_blocking_thread(f))
        .await
        .map_err(|e| Error::internal(format!("store task failed: {e}")))?
}

/// Where notices go, from the configuration.
#[derive(Debug, Clone, Default)]
pub struct TransportSettings {
    /// `file` (every notice to `file`), or `sms` / `smtp`: each notice by its channel, SMS
    /// through the gateway at `sms_url` and e-mail through the server at `smtp_url`, whichever
    /// are configured (`sms` requires the first, `smtp` the second).
    pub kind: String,
    /// The file transport's file.
    pub file: std::path::PathBuf,
    /// The SMS gateway's URL template.
    pub sms_url: String,
    /// POST to the gateway instead of GET.
    pub sms_post: bool,
    /// The SMTP server: `smtp://host:25` (plain), `smtp://host:587?tls=required` (STARTTLS),
    /// `smtps://user:password@host` (TLS).
    pub smtp_url: String,
    /// The sender's address (`daftar <notices@example.org>`).
    pub smtp_from: String,
}

/// The transport the settings name.
pub fn transport(s: &TransportSettings, i18n: &Arc<I18n>) -> Result<Arc<dyn Transport>> {
    match s.kind.as_str() {
        "sms" | "smtp" => {
            let sms = if s.sms_url.is_empty() {
                None
            } else {
                Some(Arc::new(SmsGateway::new(&s.sms_url, s.sms_post)?) as Arc<dyn Transport>)
            };
            let email = if s.smtp_url.is_empty() {
                None
            } else {
                Some(
                    Arc::new(SmtpMail::new(&s.smtp_url, &s.smtp_from, i18n.clone())?)
                        as Arc<dyn Transport>,
                )
            };
            if (s.kind == "sms" && sms.is_none()) || (s.kind == "smtp" && email.is_none()) {
                return Err(Error::internal(format!(
                    "notify_transport = {:?} needs its server configured",
                    s.kind
                )));
            }
            Ok(Arc::new(ByChannel { sms, email }))
        }
        _ => Ok(Arc::new(FileTransport::open(&s.file).map_err(|e| {
            Error::internal(format!("notification file {}: {e}", s.file.display()))
        })?)),
    }
}

/// Each notice by its channel: `sms` to the SMS gateway, `email` to the SMTP server; a notice
/// whose channel has no transport configured fails (and is retried, then left failed, so staff
/// see it).
pub struct ByChannel {
    sms: Option<Arc<dyn Transport>>,
    email: Option<Arc<dyn Transport>>,
}

impl ByChannel {
    fn of(&self, channel: &str) -> Option<&Arc<dyn Transport>> {
        match channel {
            "sms" => self.sms.as_ref(),
            "email" => self.email.as_ref(),
            _ => None,
        }
    }
}

impl Transport for ByChannel {
    fn send<'a>(&'a self, batch: &'a [Message]) -> Sending<'a> {
        Box::pin(async move {
            let mut out: Vec<Option<Outcome>> = vec![None; batch.len()];
            for channel in ["sms", "email"] {
                let (idx, part): (Vec<usize>, Vec<Message>) = batch
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| m.channel == channel)
                    .map(|(i, m)| (i, m.clone()))
                    .unzip();
                if part.is_empty() {
                    continue;
                }
                if let Some(t) = self.of(channel) {
                    for (i, o) in idx.into_iter().zip(t.send(&part).await) {
                        out[i] = Some(o);
                    }
                }
            }
            batch
                .iter()
                .zip(out)
                .map(|(m, o)| {
                    o.unwrap_or_else(|| {
                        Outcome::Failed(format!("no transport for channel {}", m.channel))
                    })
                })
                .collect()
        })
    }

    fn delivered(&self, id: &str) -> bool {
        [&self.sms, &self.email]
            .into_iter()
            .flatten()
            .any(|t| t.delivered(id))
    }
}

/// E-mail through an SMTP server (lettre): plain text in the notice's language, the subject
/// `notify-email-subject` in that language. A message the server accepts is a delivery.
pub struct SmtpMail {
    mailer: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
    i18n: Arc<I18n>,
}

impl SmtpMail {
    /// A client for the server at `url` sending as `from`.
    pub fn new(url: &str, from: &str, i18n: Arc<I18n>) -> Result<Self> {
        let mailer = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
            .map_err(|e| Error::internal(format!("notify_smtp_url: {e}")))?
            .timeout(Some(Duration::from_secs(10)))
            .build();
        let from = from
            .parse()
            .map_err(|e| Error::internal(format!("notify_smtp_from {from:?}: {e}")))?;
        Ok(Self { mailer, from, i18n })
    }

    fn email(&self, m: &Message) -> std::result::Result<lettre::Message, String> {
        let info = locale_info(&m.locale).unwrap_or_else(|| self.i18n.default_locale());
        let subject = Tr::new(self.i18n.clone(), info).t("notify-email-subject");
        lettre::Message::builder()
            .from(self.from.clone())
            .to(m.to.parse().map_err(|e| format!("address: {e}"))?)
            .subject(subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(m.text.clone())
            .map_err(|e| e.to_string())
    }
}

impl Transport for SmtpMail {
    fn send<'a>(&'a self, batch: &'a [Message]) -> Sending<'a> {
        use lettre::AsyncTransport;
        Box::pin(async move {
            let mut out = Vec::with_capacity(batch.len());
            for m in batch {
                out.push(match self.email(m) {
                    Ok(e) => match self.mailer.send(e).await {
                        Ok(_) => Outcome::Sent,
                        Err(e) => Outcome::Failed(format!("smtp: {e}")),
                    },
                    Err(e) => Outcome::Failed(format!("smtp: {e}")),
                });
            }
            out
        })
    }

    fn delivered(&self, _id: &str) -> bool {
        false
    }
}

/// The server's sender: every `interval_ms` drains the due notices (0 turns it off).
pub async fn sender_loop(
    store: Arc<dyn Store>,
    i18n: Arc<I18n>,
    transport: Arc<dyn Transport>,
    cfg: SenderConfig,
    interval_ms: u64,
) {
    if interval_ms == 0 {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_millis(interval_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match drain(&store, &i18n, transport.as_ref(), &cfg).await {
            Ok(p) if p.claimed > 0 => tracing::info!(
                sent = p.sent,
                settled = p.settled,
                failed = p.failed,
                "sent notifications"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sending notifications failed"),
        }
    }
}
