//! Who a session or API token belongs to, kept between requests on one web node (issue 17.4):
//! every request looks up its caller (session or token, user and office), which on PostgreSQL
//! was a statement and a hand-off to a blocking thread per request, about a quarter of an
//! audited read's cost. The lookups found are kept here and used without the database while
//! they are right:
//!
//! - Only while this node listens for changes ([`SignIns::set_listening`]): PostgreSQL
//!   triggers on `sessions`, `api_tokens`, `users` and `offices` send a notification for every
//!   committed change that can alter a lookup (migration `0039_sign_in_changes`), and every node
//!   forgets what it names ([`SignIns::forget`]). While the listening connection is down nothing
//!   is kept or used. SQLite never listens (one process), so it never keeps anything.
//! - A change made through this node's store is forgotten at once, before the call returns,
//!   so the node that signs a user out refuses the cookie on the next request.
//! - An entry is used for at most [`FRESH`]: the bound for a change the triggers cannot see
//!   (a table truncated or its triggers disabled by hand).
//! - A lookup started before a change and finished after its notification is not kept: every
//!   change moves the generation, and a lookup is kept only under the generation it began in.
//!
//! No sign-in secret is kept: entries are found by the SHA-256 of the secret (as the database
//! keeps it), and a user carries no password hash or second-factor secret. A kept session has
//! its CSRF token (which every page of the session carries anyway); an entry past its time is
//! dropped when the shelf fills up, or with its user, office or session.

use daftar_domain::ids::{OfficeId, SessionId, UserId};
use daftar_domain::session::{ApiToken, Session, SignedIn};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// The notification channel the triggers of migration `0039_sign_in_changes` send on.
pub const CHANNEL: &str = "daftar_sign_in";

/// The longest an entry is used before the database is asked again.
pub const FRESH: Duration = Duration::from_secs(10);

/// Most entries of each kind; past it the kind starts over.
const MOST: usize = 50_000;

/// What changed, as a notification or a store call names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A user, one of their sessions or tokens.
    User(UserId),
    /// An office (status or licence).
    Office(OfficeId),
    /// One session.
    Session(SessionId),
    /// Anything (a notification that cannot be read).
    All,
}

impl Change {
    /// The change a notification's payload names (`u:USER_ID` or `o:OFFICE_ID`); anything
    /// else is read as [`Change::All`].
    pub fn of_payload(payload: &str) -> Self {
        let parsed = match payload.split_once(':') {
            Some(("u", id)) => id.parse().ok().map(Change::User),
            Some(("o", id)) => id.parse().ok().map(Change::Office),
            _ => None,
        };
        parsed.unwrap_or(Change::All)
    }
}

/// Lookups of one kind (sessions or tokens), by the hash of the secret.
struct Shelf<T> {
    entries: HashMap<String, (SignedIn<T>, Instant)>,
}

impl<T: Clone> Shelf<T> {
    fn new() -> Self {
        Self {
            entries: HashMap::new(),
        }
    }

    fn get(&self, hash: &str) -> Option<SignedIn<T>> {
        let (found, at) = self.entries.get(hash)?;
        (at.elapsed() < FRESH).then(|| found.clone())
    }

    fn keep(&mut self, hash: &str, found: SignedIn<T>) {
        if self.entries.len() >= MOST {
            // Entries past their time first; only a shelf still full of fresh ones starts over.
            self.entries.retain(|_, (_, at)| at.elapsed() < FRESH);
            if self.entries.len() >= MOST {
                self.entries.clear();
            }
        }
        self.entries
            .insert(hash.to_owned(), (found, Instant::now()));
    }

    /// `is_session` tells whether a credential is the session a change names.
    fn forget(&mut self, change: Change, is_session: impl Fn(&T, SessionId) -> bool) {
        self.entries.retain(|_, (f, _)| match change {
            Change::User(u) => f.user.id != u,
            Change::Office(o) => f.user.office_id != Some(o),
            Change::Session(s) => !is_session(&f.credential, s),
            Change::All => false,
        });
    }
}

struct Inner {
    /// A listening connection is up (see the module's doc).
    listening: bool,
    /// Moves on every change and every loss or start of listening.
    generation: u64,
    sessions: Shelf<Session>,
    /// Kept sessions' hashes by session id, for [`SignIns::touched`] (an id may outlive its
    /// entry: the entry's own id is checked).
    session_hashes: HashMap<SessionId, String>,
    tokens: Shelf<ApiToken>,
}

/// The lookups a node keeps (see the module's doc).
pub struct SignIns {
    inner: Mutex<Inner>,
}

impl Default for SignIns {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                listening: false,
                generation: 0,
                sessions: Shelf::new(),
                session_hashes: HashMap::new(),
                tokens: Shelf::new(),
            }),
        }
    }
}

impl SignIns {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The generation a lookup begins in, or `None` when nothing may be kept now.
    pub fn generation(&self) -> Option<u64> {
        let g = self.lock();
        g.listening.then_some(g.generation)
    }

    /// The kept session whose secret hashes to `hash`.
    pub fn session(&self, hash: &str) -> Option<SignedIn<Session>> {
        let g = self.lock();
        if !g.listening {
            return None;
        }
        g.sessions.get(hash)
    }

    /// The kept token whose secret hashes to `hash`.
    pub fn token(&self, hash: &str) -> Option<SignedIn<ApiToken>> {
        let g = self.lock();
        if !g.listening {
            return None;
        }
        g.tokens.get(hash)
    }

    /// Keeps a session looked up in `generation`, unless something changed since.
    pub fn keep_session(&self, hash: &str, found: &SignedIn<Session>, generation: u64) {
        let mut g = self.lock();
        if g.listening && g.generation == generation {
            g.sessions.keep(hash, found.clone());
            if g.session_hashes.len() >= MOST {
                g.session_hashes.clear();
            }
            g.session_hashes
                .insert(found.credential.id, hash.to_owned());
        }
    }

    /// Keeps a token looked up in `generation`, unless something changed since.
    pub fn keep_token(&self, hash: &str, found: &SignedIn<ApiToken>, generation: u64) {
        let mut g = self.lock();
        if g.listening && g.generation == generation {
            g.tokens.keep(hash, found.clone());
        }
    }

    /// Notes a session's recorded activity (not a change: no notification is sent for it).
    pub fn touched(&self, id: SessionId, at: OffsetDateTime) {
        let mut g = self.lock();
        let Some(hash) = g.session_hashes.get(&id).cloned() else {
            return;
        };
        if let Some((f, _)) = g.sessions.entries.get_mut(&hash)
            && f.credential.id == id
        {
            f.credential.last_seen_at = at;
        }
    }

    /// Forgets every lookup `change` can alter.
    pub fn forget(&self, change: Change) {
        let mut g = self.lock();
        g.generation += 1;
        g.sessions.forget(change, |s, id| s.id == id);
        // A token is never a session: forgetting one session leaves every token.
        g.tokens.forget(change, |_, _| false);
    }

    /// Starts or stops keeping lookups: on with a listening connection up, off (and everything
    /// forgotten) when it is lost.
    pub fn set_listening(&self, on: bool) {
        let mut g = self.lock();
        g.generation += 1;
        g.listening = on;
        if !on {
            g.sessions.entries.clear();
            g.session_hashes.clear();
            g.tokens.entries.clear();
        }
    }

    /// Whether lookups are kept now, and how many are (stale ones included until dropped).
    pub fn figures(&self) -> daftar_domain::session::SignInFigures {
        let g = self.lock();
        daftar_domain::session::SignInFigures {
            listening: g.listening,
            kept: g.sessions.entries.len() + g.tokens.entries.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use daftar_domain::permission::RoleCode;
    use daftar_domain::user::{User, UserStatus, Username};

    fn found(user: UserId, office: Option<OfficeId>) -> SignedIn<Session> {
        let now = OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap();
        SignedIn {
            credential: daftar_testkit::session(user, now),
            user: User {
                id: user,
                username: Username::parse("clerk.one").unwrap(),
                display_name: String::new(),
                office_id: office,
                role: RoleCode::parse(RoleCode::CLERK).unwrap(),
                locale: None,
                status: UserStatus::Active,
                totp_enabled: false,
                created_at: now,
            },
            office: None,
        }
    }

    #[test]
    fn nothing_is_kept_or_used_while_not_listening() {
        let s = SignIns::default();
        assert_eq!(s.generation(), None);
        s.keep_session("a", &found(UserId::new(), None), 0);
        assert!(s.session("a").is_none());
        s.set_listening(true);
        let g = s.generation().unwrap();
        s.keep_session("a", &found(UserId::new(), None), g);
        assert!(s.session("a").is_some());
        s.set_listening(false);
        assert!(s.session("a").is_none(), "losing the connection forgets");
        s.set_listening(true);
        assert!(s.session("a").is_none(), "and nothing comes back");
    }

    #[test]
    fn a_lookup_that_overlapped_a_change_is_not_kept() {
        let s = SignIns::default();
        s.set_listening(true);
        let g = s.generation().unwrap();
        s.forget(Change::User(UserId::new()));
        s.keep_session("a", &found(UserId::new(), None), g);
        assert!(s.session("a").is_none());
        s.keep_session("a", &found(UserId::new(), None), s.generation().unwrap());
        assert!(s.session("a").is_some());
    }

    #[test]
    fn a_change_forgets_what_it_names_and_nothing_else() {
        let s = SignIns::default();
        s.set_listening(true);
        let (u1, u2, o1, o2) = (
            UserId::new(),
            UserId::new(),
            OfficeId::new(),
            OfficeId::new(),
        );
        let keep =
            |hash: &str, f: &SignedIn<Session>| s.keep_session(hash, f, s.generation().unwrap());
        let (a, b, c) = (
            found(u1, Some(o1)),
            found(u2, Some(o2)),
            found(u2, Some(o2)),
        );
        keep("a", &a);
        keep("b", &b);
        keep("c", &c);
        s.forget(Change::User(u1));
        assert!(s.session("a").is_none() && s.session("b").is_some());
        s.forget(Change::Session(b.credential.id));
        assert!(s.session("b").is_none() && s.session("c").is_some());
        keep("a", &a);
        s.forget(Change::Office(o2));
        assert!(s.session("c").is_none() && s.session("a").is_some());
        s.forget(Change::All);
        assert!(s.session("a").is_none());
    }

    #[test]
    fn payloads_name_users_and_offices_and_anything_else_is_everything() {
        let (u, o) = (UserId::new(), OfficeId::new());
        assert_eq!(Change::of_payload(&format!("u:{u}")), Change::User(u));
        assert_eq!(Change::of_payload(&format!("o:{o}")), Change::Office(o));
        assert_eq!(Change::of_payload(&format!("o:{u}x")), Change::All);
        assert_eq!(Change::of_payload(""), Change::All);
    }

    #[test]
    fn activity_is_noted_on_the_kept_session() {
        let s = SignIns::default();
        s.set_listening(true);
        let f = found(UserId::new(), None);
        s.keep_session("a", &f, s.generation().unwrap());
        let later = f.credential.last_seen_at + time::Duration::minutes(2);
        s.touched(f.credential.id, later);
        assert_eq!(s.session("a").unwrap().credential.last_seen_at, later);
    }
}
