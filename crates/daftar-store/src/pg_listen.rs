//! A PostgreSQL connection that listens on one notification channel, on a thread of its own,
//! for as long as its [`Listener`] lives: it proves every few seconds that notifications reach
//! it (a heartbeat sent from a second connection must come back), reconnects after a loss
//! (every second until the server answers) and tells its owner what happened ([`Heard`]). Used
//! for the sign-in changes every web node must hear at once (`crate::sign_ins`).

use futures_util::StreamExt;
use std::time::Duration;
use tokio_postgres::{AsyncMessage, Config};
use tokio_postgres_rustls::MakeRustlsConnect;

/// How long after a loss the next connection is tried.
const RETRY: Duration = Duration::from_secs(1);

/// How often a heartbeat goes round through the database, and how long it may take to come
/// back before the listening counts as lost.
const PING: Duration = Duration::from_secs(2);

/// The `application_name` of a listening connection (`pg_stat_activity`).
pub const APPLICATION_NAME: &str = "daftar-listen";

/// What the listening connection reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// Listening, and a heartbeat came back through the database: every change committed from
    /// now on is heard.
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
    listen_beating(config, tls, channel, channel, heard)
}

/// [`listen`], with the heartbeats sent on `beat_channel` (the same channel but in tests that
/// prove a heartbeat that never arrives ends the listening).
pub(crate) fn listen_beating(
    config: Config,
    tls: MakeRustlsConnect,
    channel: &'static str,
    beat_channel: &'static str,
    heard: impl Fn(Heard) + Send + 'static,
) -> std::io::Result<Listener> {
    let mut config = config;
    // Named, so an operator (or a test) can tell it from the pool's connections.
    config.application_name(APPLICATION_NAME);
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    // The runtime is made, run and dropped on the listening thread (never on the caller's,
    // which may be a runtime's own).
    let thread = std::thread::Builder::new()
        .name("daftar-listen".into())
        .spawn(move || {
            let built = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            let Ok(rt) = built else {
                heard(Heard::Lost);
                return;
            };
            rt.block_on(async move {
                let ends = Ends {
                    channel,
                    beat_channel,
                };
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        _ = session(&config, &tls, ends, &heard) => {}
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

/// The channel listened on and the one the heartbeats are sent on.
#[derive(Clone, Copy)]
struct Ends {
    channel: &'static str,
    beat_channel: &'static str,
}

/// The prefix of a heartbeat's payload (never a change: every node ignores the others').
const BEAT: &str = "beat:";

/// Connects with `config` and drives the connection on a task of its own, which hands every
/// notification to the returned receiver and ends with the connection.
async fn connect(
    config: &Config,
    tls: &MakeRustlsConnect,
) -> Result<
    (
        tokio_postgres::Client,
        tokio::sync::mpsc::UnboundedReceiver<String>,
        tokio::task::JoinHandle<()>,
    ),
    tokio_postgres::Error,
> {
    let (client, mut connection) = config.connect(tls.clone()).await?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
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
    Ok((client, rx, driver))
}

/// One listening life: connect, `LISTEN`, then every [`PING`] send a heartbeat from a second
/// connection and wait for it to come back through the listening one, handing over every
/// notification meanwhile. [`Heard::Listening`] is told only once the first heartbeat came
/// back: notifications are then known to reach this node end to end (a proxy that drops them,
/// or a connection that stopped receiving, shows as a heartbeat that never comes). Returns
/// when a heartbeat is missed or either connection fails.
async fn session(
    config: &Config,
    tls: &MakeRustlsConnect,
    ends: Ends,
    heard: &impl Fn(Heard),
) -> Result<(), tokio_postgres::Error> {
    let (listening, mut rx, driver) = connect(config, tls).await?;
    let (beating, _beat_rx, beat_driver) = match connect(config, tls).await {
        Ok(c) => c,
        Err(e) => {
            driver.abort();
            return Err(e);
        }
    };
    let me = format!("{BEAT}{}:", ulid::Ulid::new());
    let out = async {
        listening
            .batch_execute(&format!("LISTEN {}", ends.channel))
            .await?;
        let mut told = false;
        for n in 0u64.. {
            let beat = format!("{me}{n}");
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] =
                [&ends.beat_channel, &beat];
            let sent = beating.execute("SELECT pg_notify($1, $2)", &params);
            match tokio::time::timeout(PING, sent).await {
                Ok(r) => {
                    r?;
                }
                Err(_) => return Ok(()),
            }
            let deadline = tokio::time::Instant::now() + PING;
            let mut back = false;
            while let Ok(p) = tokio::time::timeout_at(deadline, rx.recv()).await {
                let Some(p) = p else { return Ok(()) };
                if p == beat {
                    back = true;
                    if !told {
                        told = true;
                        heard(Heard::Listening);
                    }
                } else if !p.starts_with(BEAT) {
                    heard(Heard::Payload(p));
                }
            }
            if !back {
                return Ok(());
            }
        }
        Ok(())
    }
    .await;
    driver.abort();
    beat_driver.abort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A listener on `channel` whose heartbeats go to `beat_channel`, on a fresh test
    /// database; what it hears arrives on the receiver. `None` without PostgreSQL (a failure
    /// with `CI=true`).
    fn listening(
        channel: &'static str,
        beat_channel: &'static str,
    ) -> Option<(daftar_testkit::TestDb, Listener, mpsc::Receiver<Heard>)> {
        let db = daftar_testkit::TestDb::postgres()?;
        let tls = crate::pg_tls::parse(db.location()).unwrap();
        let mut config: Config = tls.url.parse().unwrap();
        config.ssl_mode(tls.mode);
        let connector = crate::pg_tls::connector(&tls).unwrap();
        let (tx, rx) = mpsc::channel();
        let l = listen_beating(config, connector, channel, beat_channel, move |h| {
            let _ = tx.send(h);
        })
        .unwrap();
        Some((db, l, rx))
    }

    #[test]
    fn notifications_are_handed_over_once_a_heartbeat_came_back_and_beats_are_not() {
        let Some((db, _l, rx)) = listening("t_listen", "t_listen") else {
            return;
        };
        let wait = Duration::from_secs(10);
        assert_eq!(rx.recv_timeout(wait).unwrap(), Heard::Listening);
        db.sql().execute_raw("NOTIFY t_listen, 'u:one'").unwrap();
        db.sql()
            .execute_raw("NOTIFY t_listen, 'beat:another-node:7'")
            .unwrap();
        db.sql().execute_raw("NOTIFY t_listen, 'o:two'").unwrap();
        assert_eq!(
            rx.recv_timeout(wait).unwrap(),
            Heard::Payload("u:one".into())
        );
        assert_eq!(
            rx.recv_timeout(wait).unwrap(),
            Heard::Payload("o:two".into())
        );
    }

    #[test]
    fn a_heartbeat_that_never_comes_back_is_a_lost_listening() {
        // The heartbeats go where the listener does not listen, as notifications would that a
        // proxy drops: the listener never says it listens, and gives up after one period.
        let Some((_db, _l, rx)) = listening("t_listen", "t_nowhere") else {
            return;
        };
        assert_eq!(rx.recv_timeout(PING * 3).unwrap(), Heard::Lost);
    }
}
