//! A PostgreSQL connection that listens on one notification channel, on a thread of its own,
//! for as long as its [`Listener`] lives: it reconnects after a loss (every second until the
//! server answers) and tells its owner what happened ([`Heard`]). Used for the sign-in changes
//! every web node must hear at once (`crate::sign_ins`).

use futures_util::StreamExt;
use std::time::Duration;
use tokio_postgres::{AsyncMessage, Config};
use tokio_postgres_rustls::MakeRustlsConnect;

/// How long after a loss the next connection is tried.
const RETRY: Duration = Duration::from_secs(1);

/// How often a quiet connection is asked whether it is still there (a connection lost without
/// the server closing it would otherwise look like a quiet one).
const PING: Duration = Duration::from_secs(5);

/// The `application_name` of a listening connection (`pg_stat_activity`).
pub const APPLICATION_NAME: &str = "daftar-listen";

/// What the listening connection reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// `LISTEN` answered: every change committed from now on is heard.
    Listening,
    /// The connection is lost (a change may go unheard until [`Heard::Listening`] again).
    Lost,
    /// A notification's payload.
    Payload(String),
}

/// The listening thread: dropping this stops it and closes its connection.
pub struct Listener {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts listening on `channel` (a plain identifier) with `config`; `heard` is called on the
/// listening thread, in order.
pub fn listen(
    config: Config,
    tls: MakeRustlsConnect,
    channel: &'static str,
    heard: impl Fn(Heard) + Send + 'static,
) -> std::io::Result<Listener> {
    let mut config = config;
    // Named, so an operator (or a test) can tell it from the pool's connections.
    config.application_name(APPLICATION_NAME);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("daftar-listen".into())
        .spawn(move || {
            rt.block_on(async move {
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        _ = session(&config, &tls, channel, &heard) => {}
                    }
                    heard(Heard::Lost);
                    tokio::select! {
                        _ = &mut stopped => break,
                        _ = tokio::time::sleep(RETRY) => {}
                    }
                }
            });
        })?;
    Ok(Listener {
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// One connection's life: connect, `LISTEN`, hand over notifications until it fails.
async fn session(
    config: &Config,
    tls: &MakeRustlsConnect,
    channel: &str,
    heard: &impl Fn(Heard),
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(tls.clone()).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // The connection is driven by its own task: it carries the statements' answers to the
    // client and the notifications to `rx`; it ends when the connection does.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(m) = messages.next().await {
            match m {
                Ok(AsyncMessage::Notification(n)) => {
                    if tx.send(n.payload().to_owned()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
    let out = async {
        client.batch_execute(&format!("LISTEN {channel}")).await?;
        heard(Heard::Listening);
        let mut ping = tokio::time::interval(PING);
        ping.tick().await;
        loop {
            tokio::select! {
                payload = rx.recv() => match payload {
                    Some(p) => heard(Heard::Payload(p)),
                    None => return Ok(()),
                },
                _ = ping.tick() => {
                    match tokio::time::timeout(PING, client.simple_query("")).await {
                        Ok(r) => { r?; }
                        Err(_) => return Ok(()),
                    }
                }
            }
        }
    }
    .await;
    driver.abort();
    out
}
