//! Brute-force protection for every check of a secret: sign-in, the second factor, step-up
//! re-authentication and the password change form (the same backoff and lockout for all).
//!
//! Failures are counted in the database (`login_throttle`), so every web node on one database
//! sees the same counts, under three keys:
//! - the account from this address (`name @address`): [`LoginPolicy::lock_after`] failures lock
//!   the account *for this address only*, so whoever types a name elsewhere cannot lock its owner
//!   out of their office;
//! - the address (`@address`): [`LoginPolicy::address_lock_after`] failures across any names lock
//!   the address (password spraying, or one address trying many names);
//! - the account from anywhere (`name`): only slows answers down ([`LoginPolicy::delay`]), so
//!   guesses spread over many addresses still meet the growing delay, without a lock anyone
//!   could trigger.
//!
//! The client's address is the connection's, or, when `client_address_header` is configured
//! (behind a reverse proxy), the last address in that header.

use crate::error::WebResult;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::user::LoginThrottle;
use std::net::{IpAddr, SocketAddr};

/// The client's address as the throttle sees it (see the module doc).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = state.config.client_address_header.trim();
        if !header.is_empty()
            && let Some(ip) = parts
                .headers
                .get_all(header)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|a| a.trim().parse::<IpAddr>().ok())
                .next_back()
        {
            return Ok(Self(Some(ip)));
        }
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Attempts of one name from one address.
#[derive(Debug, Clone)]
pub struct Attempt {
    name: String,
    addr: String,
}

/// The counters of an attempt, as read before checking the secret, and whether it got one of
/// the name's check slots at this address.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    pair: LoginThrottle,
    addr: LoginThrottle,
    slot: bool,
}

/// The rate-limit scope of the check slots (`rate_limits`, shared by every node).
const SLOTS: &str = "secret.check";

impl Attempt {
    /// Attempts at `name` (a login name, lower-cased) from `addr`.
    pub fn new(name: &str, addr: &ClientAddr) -> Self {
        Self {
            name: name.to_owned(),
            addr: addr
                .0
                .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        }
    }
    fn pair_key(&self) -> String {
        format!("{} @{}", self.name, self.addr)
    }
    fn addr_key(&self) -> String {
        format!("@{}", self.addr)
    }

    /// Reads the counters and takes a check slot of the name at this address;
    /// `Err(auth.login.locked)` is decided by [`Counts::locked`].
    ///
    /// The slot bounds the checks that were already running when the lock came: the counters
    /// are read before the secret is checked, so requests sent at once all see the name
    /// unlocked. Every check takes a slot first (the database counts them for every node:
    /// `rate_limits`), at most twice [`LoginPolicy::lock_after`](daftar_domain::user::LoginPolicy)
    /// per lock period; a success gives its slot back, a failure keeps it.
    pub async fn counts(&self, state: &AppState) -> WebResult<Counts> {
        let (pair, addr) = (self.pair_key(), self.addr_key());
        let policy = state.config.login;
        let limit = policy.lock_after.saturating_mul(2);
        Ok(state
            .db(move |s| {
                Ok(Counts {
                    slot: s.take_slot(SLOTS, &pair, limit, policy.lock_for)?,
                    pair: s.login_throttle(&pair)?,
                    addr: s.login_throttle(&addr)?,
                })
            })
            .await?)
    }

    /// Records a failure (`action` is the audit action, e.g. `auth.reauth.failed`), waits the
    /// growing delay, and says whether the name is now locked for this address. The count
    /// starts from the rows as locked in the writing transaction (`count_failure`), not from
    /// the counts read before the check, so failures on two nodes at once are all counted.
    pub async fn failed(&self, state: &AppState, ctx: AuditCtx, action: &str) -> WebResult<bool> {
        let policy = state.config.login;
        let now = state.clock.now();
        let keys = vec![self.name.clone(), self.pair_key(), self.addr_key()];
        let (action, name, address) = (action.to_owned(), self.name.clone(), self.addr.clone());
        let next = move |b: &[LoginThrottle]| {
            let name_state = LoginThrottle {
                failures: b[0].failures.saturating_add(1),
                locked_until: None,
            };
            let pair = policy.after_failure(b[1], now);
            let addr = policy.after_address_failure(b[2], now);
            let event =
                AuditEvent::new(&action, "username", &name).with_details(serde_json::json!({
                    "failures": pair.failures,
                    "address": address,
                    "locked": policy.is_locked(pair, now) || policy.is_locked(addr, now),
                }));
            (vec![name_state, pair, addr], event)
        };
        let after = state
            .db(move |s| s.count_failure(&ctx, &keys, &next))
            .await?;
        let (name, pair, addr) = (after[0], after[1], after[2]);
        tokio::time::sleep(policy.delay(name.failures.max(pair.failures))).await;
        Ok(policy.is_locked(pair, now) || policy.is_locked(addr, now))
    }

    /// Clears the name's counters for this address after a success. The address's counter
    /// stays (it counts failures across names), and so do locks of this name at other
    /// addresses (whoever caused them is still there).
    pub async fn succeeded(&self, state: &AppState) -> WebResult<()> {
        let zero = LoginThrottle {
            failures: 0,
            locked_until: None,
        };
        let (pair, states) = (
            self.pair_key(),
            vec![(self.name.clone(), zero), (self.pair_key(), zero)],
        );
        let ctx = AuditCtx::system("throttle");
        state
            .db(move |s| {
                s.store_throttles(&ctx, None, &states)?;
                s.give_slot(SLOTS, &pair)
            })
            .await?;
        Ok(())
    }
}

impl Counts {
    /// Whether this name is locked for this address, or the address is.
    pub fn locked(&self, state: &AppState) -> bool {
        let (policy, now) = (state.config.login, state.clock.now());
        !self.slot || policy.is_locked(self.pair, now) || policy.is_locked(self.addr, now)
    }
}
