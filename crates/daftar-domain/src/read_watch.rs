//! The bulk-read alarm (issue 22): single-person reads (the only answer that carries a phone or
//! an address) are counted per account — each user, and each API token apart — over a sliding
//! window, in the database so that every web node counts into the same figure. Past the
//! country profile's limit (the Iran profile: 100 different persons in 60 minutes, far above a
//! clerk's day), every further read by that account must state its purpose; the first read past
//! the limit raises an alarm that the office manager and the auditor see on their home page, and
//! both the alarm and every refused read are in the audit log. The decision itself is
//! [`crate::usecase::bulk_read`].

use crate::ids::{ApiTokenId, OfficeId, UserId};
use crate::session::ApiToken;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Who is counted: a user reading through their session, or one of their API tokens (counted
/// apart from its owner's session, so a token's reads are visible as the token's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadAccount {
    /// The user (the token's owner for a token).
    pub user: UserId,
    /// The token, for a bearer-authenticated read.
    pub token: Option<ApiTokenId>,
}

impl ReadAccount {
    /// The stored key: `user:<id>` or `token:<id>`.
    pub fn key(&self) -> String {
        match self.token {
            None => format!("user:{}", self.user),
            Some(t) => format!("token:{t}"),
        }
    }
    /// `user` or `token`.
    pub fn kind(&self) -> &'static str {
        if self.token.is_some() {
            "token"
        } else {
            "user"
        }
    }
}

/// The limit of the country profile: more than `persons` different persons read by one account
/// within `window_minutes` raises the alarm and asks for a purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadLimit {
    /// Different persons an account may read in the window without stating a purpose.
    pub persons: u32,
    /// Length of the sliding window, in minutes.
    pub window_minutes: u32,
}

impl Default for ReadLimit {
    fn default() -> Self {
        Self {
            persons: 100,
            window_minutes: 60,
        }
    }
}

impl ReadLimit {
    /// Checks the values (`profile.bulk_read.invalid`): 1–100,000 persons, 1–10,080 minutes
    /// (a week).
    pub fn checked(self) -> Result<Self> {
        if !(1..=100_000).contains(&self.persons) || !(1..=10_080).contains(&self.window_minutes) {
            return Err(Error::invalid("profile.bulk_read.invalid"));
        }
        Ok(self)
    }
    /// The window as a duration.
    pub fn window(&self) -> time::Duration {
        time::Duration::minutes(i64::from(self.window_minutes))
    }
}

/// What a single-person read brings for the count: the account, the limit in force and the
/// purpose the reader stated (needed past the limit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadGuard {
    /// Who reads.
    pub account: ReadAccount,
    /// The limit in force.
    pub limit: ReadLimit,
    /// The purpose the reader stated, if any (checked by [`stated_purpose`]).
    pub purpose: Option<String>,
}

/// A stated purpose as typed: empty means none; otherwise at most 300 characters, no control
/// character, and at least 5 characters that are not spaces (`read.purpose.invalid`; the
/// OpenAPI pattern [`crate::contract::STATED_PURPOSE`] says the same). Kept trimmed.
pub fn stated_purpose(s: &str) -> Result<Option<String>> {
    if s.is_empty() {
        return Ok(None);
    }
    let shown = s.chars().filter(|c| !c.is_control() && *c != ' ').count();
    if s.chars().count() > 300 || s.chars().any(char::is_control) || shown < 5 {
        return Err(Error::invalid("read.purpose.invalid").with_field("purpose"));
    }
    Ok(Some(s.trim().to_owned()))
}

/// A raised alarm, as the office manager's and the auditor's home pages list it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReadAlarm {
    /// Id.
    pub id: String,
    /// `user` or `token`.
    pub account_kind: String,
    /// The user (the token's owner for a token).
    #[schema(value_type = String)]
    pub user_id: UserId,
    /// Their login name.
    pub username: String,
    /// The token, for a token's alarm.
    #[schema(value_type = Option<String>)]
    pub token_id: Option<ApiTokenId>,
    /// The user's office, if any.
    #[schema(value_type = Option<String>)]
    pub office_id: Option<OfficeId>,
    /// Different persons read in the window when it was raised.
    pub persons: u64,
    /// The limit then in force.
    pub threshold: u32,
    /// The window then in force, in minutes.
    pub window_minutes: u32,
    /// Raised (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub raised_at: OffsetDateTime,
}

/// An API token with its owner and its reads, as the auditor lists them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TokenUsage {
    /// The token (never its secret).
    pub token: ApiToken,
    /// The owner's login name.
    pub username: String,
    /// The owner's office, if any.
    #[schema(value_type = Option<String>)]
    pub office_id: Option<OfficeId>,
    /// Single-person reads made with the token, ever.
    pub reads: u64,
    /// Different persons read in the current window.
    pub persons_in_window: u64,
    /// Last single-person read, if any.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_read_at: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_purpose_is_a_short_text() {
        assert_eq!(stated_purpose(""), Ok(None));
        assert_eq!(
            stated_purpose(" renewal at the counter ").unwrap(),
            Some("renewal at the counter".into())
        );
        for bad in ["abc", "  ", "a b c d", "a\u{7}bcdef", &"x".repeat(301)] {
            assert_eq!(
                stated_purpose(bad).map_err(|e| e.code),
                Err("read.purpose.invalid")
            );
        }
    }

    #[test]
    fn limits_are_checked() {
        assert!(ReadLimit::default().checked().is_ok());
        for bad in [(0, 60), (100, 0), (100_001, 60), (10, 10_081)] {
            let l = ReadLimit {
                persons: bad.0,
                window_minutes: bad.1,
            };
            assert!(l.checked().is_err());
        }
    }
}
