//! Server-side login sessions and API tokens. The browser holds only a random secret; the store
//! keeps its SHA-256, so a leaked database does not leak live sessions.

use crate::ids::{ApiTokenId, SessionId, UserId};
use crate::permission::Permission;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use time::{Duration, OffsetDateTime};

/// SHA-256 of a secret (session cookie or API token), hex-encoded: what the store keeps.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Session lifetime policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused for this long ends.
    pub idle: Duration,
    /// A session ends this long after login, used or not.
    pub absolute: Duration,
    /// A step-up re-authentication is good for this long.
    pub step_up: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
            step_up: Duration::minutes(5),
        }
    }
}

/// A session or API token found by its secret, with its user and the user's office (`None` for
/// users without an office): what every request needs to know who calls, read in one trip.
#[derive(Debug, Clone)]
pub struct SignedIn<T> {
    /// The session or token.
    pub credential: T,
    /// Its user.
    pub user: crate::user::User,
    /// The user's office.
    pub office: Option<crate::office::Office>,
}

/// What a node keeps of its callers' lookups (`UserStore::keep_sign_ins`), for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignInFigures {
    /// The node listens (its heartbeat comes back): lookups are kept and used.
    pub listening: bool,
    /// Sessions and tokens kept now.
    pub kept: usize,
}

/// A login session as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Id (not the secret).
    pub id: SessionId,
    /// SHA-256 of the cookie secret.
    pub token_hash: String,
    /// The user.
    pub user_id: UserId,
    /// CSRF token for forms of this session.
    pub csrf_token: String,
    /// Whether the second factor was passed (or was not needed) for this session.
    pub mfa_ok: bool,
    /// Login time.
    pub created_at: OffsetDateTime,
    /// Last request.
    pub last_seen_at: OffsetDateTime,
    /// Last successful step-up re-authentication.
    pub step_up_at: Option<OffsetDateTime>,
    /// When revoked (logout, admin, password change), if so.
    pub revoked_at: Option<OffsetDateTime>,
    /// Client user agent, for the user's session list.
    pub user_agent: String,
}

impl Session {
    /// Whether the session may serve a request at `now` under `policy`.
    pub fn is_live(&self, policy: &SessionPolicy, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none()
            && now - self.last_seen_at < policy.idle
            && now - self.created_at < policy.absolute
    }
    /// Whether a recent step-up covers a sensitive action at `now`.
    pub fn stepped_up(&self, policy: &SessionPolicy, now: OffsetDateTime) -> bool {
        self.step_up_at.is_some_and(|t| now - t < policy.step_up)
    }
}

/// A bearer API token for machine clients, as stored (the secret only as a hash).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    /// Id.
    pub id: ApiTokenId,
    /// Owner; requests act as this user, narrowed to the scopes.
    pub user_id: UserId,
    /// A name to recognise it by.
    pub name: String,
    /// What the token is for (required for tokens that may read persons; empty for tokens made
    /// before issue 22).
    pub purpose: String,
    /// Permission codes the token may use.
    #[schema(value_type = Vec<String>)]
    pub scopes: Vec<String>,
    /// SHA-256 of the secret.
    #[serde(skip)]
    pub token_hash: String,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Expires, if set.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
    /// Revoked, if so.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<OffsetDateTime>,
}

/// The longest life of a token that may read persons ([`reads_persons`]), in days.
pub const PERSON_TOKEN_MAX_DAYS: i64 = 90;

/// Whether a permission reaches persons' records (reads them, or answers with them): a token
/// with one of these scopes expires within [`PERSON_TOKEN_MAX_DAYS`] and names its purpose.
pub fn reads_persons(p: Permission) -> bool {
    matches!(
        p,
        Permission::PersonRead
            | Permission::PersonWrite
            | Permission::PersonMerge
            | Permission::PersonExport
    )
}

impl ApiToken {
    /// Whether the token may be used at `now`. A token that may read persons never lives more
    /// than [`PERSON_TOKEN_MAX_DAYS`] after it was made, whatever expiry it was stored with (a
    /// token made before the rule included).
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now) && {
            !self.may_read_persons()
                || now < self.created_at + Duration::days(PERSON_TOKEN_MAX_DAYS)
        }
    }
    /// Whether one of its scopes reaches persons' records.
    pub fn may_read_persons(&self) -> bool {
        self.permissions().into_iter().any(reads_persons)
    }
    /// The scopes that are known permissions (unknown ones are ignored).
    pub fn permissions(&self) -> BTreeSet<Permission> {
        self.scopes.iter().filter_map(|s| s.parse().ok()).collect()
    }
}

/// Longest token lifetime, in days.
pub const MAX_TOKEN_DAYS: i64 = 365;

/// A token to issue, parsed at the edge: a name of 1–80 characters, at least one scope and
/// every scope a permission the caller holds (`token.scope.not_held`, details `scope`), a
/// lifetime of 1–[`MAX_TOKEN_DAYS`] days (default [`PERSON_TOKEN_MAX_DAYS`]) and a purpose of
/// at most 300 characters with no control character. A token that may read persons
/// ([`reads_persons`]) lives at most [`PERSON_TOKEN_MAX_DAYS`] (`token.expiry.person_data`)
/// and names its purpose in 5 characters or more (`token.purpose.required`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueToken {
    name: String,
    purpose: String,
    scopes: Vec<Permission>,
    days: i64,
}

impl IssueToken {
    /// Checks a request; `holds` says whether the caller holds a permission.
    pub fn parse(
        name: &str,
        scopes: &[String],
        expires_in_days: Option<i64>,
        purpose: &str,
        holds: impl Fn(Permission) -> bool,
    ) -> crate::Result<Self> {
        use crate::Error;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(Error::invalid("token.name.invalid").with_field("name"));
        }
        if scopes.is_empty() {
            return Err(Error::invalid("token.scopes.empty").with_field("scopes"));
        }
        let mut perms = vec![];
        for s in scopes {
            let p: Permission = s.parse()?;
            if !holds(p) {
                return Err(Error::invalid("token.scope.not_held")
                    .with_details(serde_json::json!({ "field": "scopes", "scope": s })));
            }
            perms.push(p);
        }
        let days = expires_in_days.unwrap_or(PERSON_TOKEN_MAX_DAYS);
        if !(1..=MAX_TOKEN_DAYS).contains(&days) {
            return Err(Error::invalid("token.expiry.invalid").with_field("expires_in_days"));
        }
        let purpose = purpose.trim();
        if purpose.chars().count() > 300 || purpose.chars().any(char::is_control) {
            return Err(Error::invalid("token.purpose.invalid").with_field("purpose"));
        }
        if perms.iter().copied().any(reads_persons) {
            if days > PERSON_TOKEN_MAX_DAYS {
                return Err(Error::invalid("token.expiry.person_data")
                    .with_field("expires_in_days")
                    .with_detail("max_days", serde_json::json!(PERSON_TOKEN_MAX_DAYS)));
            }
            if purpose.chars().count() < 5 {
                return Err(Error::invalid("token.purpose.required").with_field("purpose"));
            }
        }
        Ok(Self {
            name: name.to_owned(),
            purpose: purpose.to_owned(),
            scopes: perms,
            days,
        })
    }

    /// The token to store for `user`, whose secret hashes to `token_hash`, made at `now`
    /// (times to the millisecond, as the stores keep them).
    pub fn token(&self, user: UserId, token_hash: String, now: OffsetDateTime) -> ApiToken {
        let now = crate::audit::truncate_ms(now);
        ApiToken {
            id: ApiTokenId::new(),
            user_id: user,
            name: self.name.clone(),
            purpose: self.purpose.clone(),
            scopes: self.scopes.iter().map(|p| p.code().to_owned()).collect(),
            token_hash,
            created_at: now,
            expires_at: Some(now + Duration::days(self.days)),
            revoked_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(now: OffsetDateTime) -> Session {
        Session {
            id: SessionId::new(),
            token_hash: secret_hash("s"),
            user_id: UserId::new(),
            csrf_token: "c".into(),
            mfa_ok: true,
            created_at: now,
            last_seen_at: now,
            step_up_at: None,
            revoked_at: None,
            user_agent: String::new(),
        }
    }

    #[test]
    fn a_token_is_issued_only_as_the_rules_allow() {
        let all = |_| true;
        let read = ["person.read".to_owned()];
        let code = |r: crate::Result<IssueToken>| r.unwrap_err().code;
        assert_eq!(
            code(IssueToken::parse(" ", &read, None, "reports", all)),
            "token.name.invalid"
        );
        assert_eq!(
            code(IssueToken::parse(
                &"n".repeat(81),
                &read,
                None,
                "reports",
                all
            )),
            "token.name.invalid"
        );
        assert_eq!(
            code(IssueToken::parse("n", &[], None, "", all)),
            "token.scopes.empty"
        );
        let not_held =
            IssueToken::parse("n", &read, None, "reports", |p| p != Permission::PersonRead)
                .unwrap_err();
        assert_eq!(
            (not_held.code, not_held.details["scope"].as_str()),
            ("token.scope.not_held", Some("person.read"))
        );
        assert_eq!(
            code(IssueToken::parse("n", &read, Some(0), "reports", all)),
            "token.expiry.invalid"
        );
        assert_eq!(
            code(IssueToken::parse("n", &read, Some(366), "reports", all)),
            "token.expiry.invalid"
        );
        assert_eq!(
            code(IssueToken::parse("n", &read, Some(91), "reports", all)),
            "token.expiry.person_data"
        );
        assert_eq!(
            code(IssueToken::parse("n", &read, None, "abc", all)),
            "token.purpose.required"
        );
        assert_eq!(
            code(IssueToken::parse("n", &read, None, "a\u{7}bcdef", all)),
            "token.purpose.invalid"
        );
        // A token that reads no person may live a year and needs no purpose.
        let other = ["aggregate.read".to_owned()];
        let t = IssueToken::parse(" nightly ", &other, Some(365), "", all).unwrap();
        let now =
            OffsetDateTime::UNIX_EPOCH + Duration::days(20000) + Duration::nanoseconds(1_234_567);
        let user = UserId::new();
        let tok = t.token(user, secret_hash("x"), now);
        assert_eq!(
            (tok.name.as_str(), tok.user_id, tok.scopes.clone()),
            ("nightly", user, vec!["aggregate.read".to_owned()])
        );
        assert_eq!(
            tok.created_at.nanosecond() % 1_000_000,
            0,
            "stored to the millisecond"
        );
        assert_eq!(tok.expires_at, Some(tok.created_at + Duration::days(365)));
        let p = IssueToken::parse("n", &read, None, "monthly report", all)
            .unwrap()
            .token(user, secret_hash("y"), now);
        assert_eq!(
            p.expires_at,
            Some(p.created_at + Duration::days(PERSON_TOKEN_MAX_DAYS)),
            "90 days by default"
        );
        assert!(p.may_read_persons() && p.is_live(now));
    }

    #[test]
    fn idle_absolute_and_revoked_sessions_end() {
        let p = SessionPolicy::default();
        let t0 = OffsetDateTime::UNIX_EPOCH + Duration::days(20000);
        let mut s = session(t0);
        assert!(s.is_live(&p, t0 + Duration::minutes(29)));
        assert!(!s.is_live(&p, t0 + Duration::minutes(31)));
        s.last_seen_at = t0 + Duration::hours(12);
        assert!(!s.is_live(&p, t0 + Duration::hours(12) + Duration::minutes(1)));
        let mut r = session(t0);
        r.revoked_at = Some(t0);
        assert!(!r.is_live(&p, t0));
    }

    #[test]
    fn a_token_that_reads_persons_lives_ninety_days_at_most() {
        let t0 = OffsetDateTime::UNIX_EPOCH + Duration::days(20000);
        let mut t = ApiToken {
            id: ApiTokenId::new(),
            user_id: UserId::new(),
            name: "n".into(),
            purpose: String::new(),
            scopes: vec!["person.read".into()],
            token_hash: secret_hash("t"),
            created_at: t0,
            expires_at: None,
            revoked_at: None,
        };
        assert!(t.is_live(t0 + Duration::days(89)));
        assert!(!t.is_live(t0 + Duration::days(90)));
        t.scopes = vec!["aggregate.read".into()];
        assert!(t.is_live(t0 + Duration::days(400)));
    }

    #[test]
    fn step_up_expires() {
        let p = SessionPolicy::default();
        let t0 = OffsetDateTime::UNIX_EPOCH + Duration::days(20000);
        let mut s = session(t0);
        assert!(!s.stepped_up(&p, t0));
        s.step_up_at = Some(t0);
        assert!(s.stepped_up(&p, t0 + Duration::minutes(4)));
        assert!(!s.stepped_up(&p, t0 + Duration::minutes(6)));
    }
}
