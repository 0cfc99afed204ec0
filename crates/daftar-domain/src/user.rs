//! Staff and partner user accounts, and the login-throttling policy.

use crate::ids::{OfficeId, UserId};
use crate::permission::RoleCode;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// A login name: 3–64 of `a-z`, `0-9`, `.`, `_`, `-`; lower-cased on parse.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    /// Parses and lower-cases; `user.username.invalid` otherwise.
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim().to_ascii_lowercase();
        let ok = (3..=64).contains(&s.len())
            && s.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            });
        if ok {
            Ok(Self(s))
        } else {
            Err(Error::invalid("user.username.invalid").with_field("username"))
        }
    }
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for Username {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}
impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}

/// Whether an account may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// May log in.
    Active,
    /// Disabled by a manager or admin; sessions revoked.
    Disabled,
}

impl UserStatus {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }
    /// Parses a stored code.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "active" => Ok(Self::Active),
            "disabled" => Ok(Self::Disabled),
            _ => Err(Error::invalid("user.status.invalid").with_field("status")),
        }
    }
}

/// A user account as shown (no secrets).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Login name.
    pub username: Username,
    /// Name shown in the UI.
    pub display_name: String,
    /// The office the user belongs to (none for authority-level roles).
    pub office_id: Option<OfficeId>,
    /// Role code.
    pub role: RoleCode,
    /// Preferred locale (`fa-IR`, `fa-AF`, `ps`, `en`), if set.
    pub locale: Option<String>,
    /// Active or disabled.
    pub status: UserStatus,
    /// Whether TOTP is enrolled.
    pub totp_enabled: bool,
    /// Created (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// A user with the secrets needed to authenticate; never serialised.
#[derive(Debug, Clone, PartialEq)]
pub struct UserAuth {
    /// The account.
    pub user: User,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Base32 TOTP secret, when enrolled.
    pub totp_secret: Option<String>,
}

/// What is needed to create a user. The password is already hashed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    /// Login name.
    pub username: Username,
    /// Display name (1–120 characters).
    pub display_name: String,
    /// Office, required for office-bound roles.
    pub office_id: Option<OfficeId>,
    /// Role.
    pub role: RoleCode,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Preferred locale.
    pub locale: Option<String>,
}

/// Checks a new password against the policy: 10–256 characters, not all one character class
/// of digits. Returns `user.password.weak` otherwise.
pub fn check_password_policy(pw: &str) -> Result<()> {
    let n = pw.chars().count();
    if !(10..=256).contains(&n) || pw.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::invalid("user.password.weak")
            .with_details(serde_json::json!({ "field": "password", "min": 10 })));
    }
    Ok(())
}

/// Validates a display name: 1–120 characters after trimming.
pub fn check_display_name(s: &str) -> Result<String> {
    let t = s.trim();
    let n = t.chars().count();
    if n == 0 || n > 120 {
        return Err(Error::invalid("user.display_name.invalid").with_field("display_name"));
    }
    Ok(t.to_owned())
}

/// State of failed logins for one login name (kept also for names that do not exist, so the
/// response does not reveal which accounts exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Consecutive failures.
    pub failures: u32,
    /// Locked until this time, if locked.
    pub locked_until: Option<OffsetDateTime>,
}

/// Login throttling policy: progressive delay, then a lockout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    /// Failures before the account is locked.
    pub lock_after: u32,
    /// How long a lock lasts.
    pub lock_for: Duration,
    /// Failures from one address, across names, before the address is locked.
    pub address_lock_after: u32,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        Self {
            lock_after: 5,
            lock_for: Duration::minutes(15),
            address_lock_after: 20,
        }
    }
}

impl LoginPolicy {
    /// The delay to impose before answering the `failures`-th consecutive failure:
    /// none for the first two, then 250 ms doubling, capped at 4 s.
    pub fn delay(&self, failures: u32) -> std::time::Duration {
        if failures <= 2 {
            return std::time::Duration::ZERO;
        }
        let ms = 250u64.saturating_mul(1u64 << (failures - 3).min(4));
        std::time::Duration::from_millis(ms.min(4000))
    }
    /// The throttle state after one more failure at `now`.
    pub fn after_failure(&self, prev: LoginThrottle, now: OffsetDateTime) -> LoginThrottle {
        Self::one_more(prev, now, self.lock_after, self.lock_for)
    }
    /// The state of an address's counter after one more failure at `now` (locks after
    /// `address_lock_after`). A lock that has run out starts the count again.
    pub fn after_address_failure(&self, prev: LoginThrottle, now: OffsetDateTime) -> LoginThrottle {
        let prev = match prev.locked_until {
            Some(u) if u <= now => LoginThrottle {
                failures: 0,
                locked_until: None,
            },
            _ => prev,
        };
        Self::one_more(prev, now, self.address_lock_after, self.lock_for)
    }
    /// One more failure: counted, and locked for `lock_for` once the count reaches `limit`.
    fn one_more(
        prev: LoginThrottle,
        now: OffsetDateTime,
        limit: u32,
        lock_for: time::Duration,
    ) -> LoginThrottle {
        let failures = prev.failures.saturating_add(1);
        LoginThrottle {
            failures,
            locked_until: if failures >= limit {
                Some(now + lock_for)
            } else {
                prev.locked_until
            },
        }
    }
    /// Whether the state is locked at `now`.
    pub fn is_locked(&self, t: LoginThrottle, now: OffsetDateTime) -> bool {
        t.locked_until.is_some_and(|u| u > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_after_five_failures_and_expires() {
        let p = LoginPolicy::default();
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20000);
        let mut t = LoginThrottle {
            failures: 0,
            locked_until: None,
        };
        for _ in 0..4 {
            t = p.after_failure(t, now);
            assert!(!p.is_locked(t, now));
        }
        t = p.after_failure(t, now);
        assert!(p.is_locked(t, now));
        assert!(!p.is_locked(t, now + Duration::minutes(16)));
    }

    #[test]
    fn delay_grows_and_is_capped() {
        let p = LoginPolicy::default();
        assert_eq!(p.delay(1), std::time::Duration::ZERO);
        assert!(p.delay(4) > p.delay(3));
        assert_eq!(p.delay(30), std::time::Duration::from_millis(4000));
    }

    #[test]
    fn usernames_and_passwords_are_checked() {
        assert_eq!(
            Username::parse(" Clerk.One ").map(|u| u.as_str().to_owned()),
            Ok("clerk.one".into())
        );
        assert!(Username::parse("a").is_err());
        assert!(Username::parse("ali reza").is_err());
        assert!(check_password_policy("short").is_err());
        assert!(check_password_policy("1234567890123").is_err());
        assert!(check_password_policy("correct horse battery").is_ok());
    }
}
