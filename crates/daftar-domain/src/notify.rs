//! Notifications (issue 19, part 3): the notices daftar sends to persons — a round's
//! invitation, an appointment reminder, the decision on a case, a credential ready to collect —
//! written to an outbox in the transaction of the event that causes them and sent later by a
//! worker through a transport (a JSON-lines file, an HTTP SMS gateway). Rules here, pure:
//!
//! - which notices are **legally required** ([`Kind::legally_required`]: the decision on a
//!   case, which the person must be told of to exercise a remedy) and so go even to a person who
//!   opted out of notices; every other kind is withheld from them ([`plan`]);
//! - the **locale** of a notice ([`locale_for`]): the person's chosen one, else by nationality
//!   (Afghan nationals Dari, `fa-AF`; everyone else `fa-IR`);
//! - the **channel and address** ([`plan`]): a text message to the person's phone; a person
//!   without a phone gets no notice (the row says why, for the office to call them in);
//! - **retries** ([`backoff`]): 30 s, 1 min, 2 min … doubling up to 6 h between attempts, and
//!   the notice fails after [`MAX_ATTEMPTS`];
//! - when an **appointment reminder** is sent ([`reminder_due`]): the evening before the day
//!   (18:00 office time), or at once when that is already past.

use crate::ids::{OfficeId, PersonId};
use crate::{Error, Result};
use time::{Date, Duration, OffsetDateTime, Time, UtcOffset};

/// What a notice is about. Its Fluent message is `notify-<code>` (with `-`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A registration round calls the person's household.
    RoundInvitation,
    /// An appointment at the office tomorrow.
    AppointmentReminder,
    /// A case was approved or rejected.
    CaseDecision,
    /// A credential is ready to collect at the office.
    CredentialReady,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 4] = [
        Kind::RoundInvitation,
        Kind::AppointmentReminder,
        Kind::CaseDecision,
        Kind::CredentialReady,
    ];

    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Kind::RoundInvitation => "round_invitation",
            Kind::AppointmentReminder => "appointment_reminder",
            Kind::CaseDecision => "case_decision",
            Kind::CredentialReady => "credential_ready",
        }
    }

    /// Parses a stored code.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| Error::invalid("notify.kind.invalid").with_field("kind"))
    }

    /// Sent even to a person who opted out: the decision on a case (the person must learn it to
    /// appeal or collect in time). Invitations, reminders and "ready to collect" are courtesy.
    pub fn legally_required(self) -> bool {
        matches!(self, Kind::CaseDecision)
    }

    /// The Fluent message id of the text.
    pub fn message_id(self) -> String {
        format!("notify-{}", self.code().replace('_', "-"))
    }
}

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for its time (`next_attempt_at`).
    Pending,
    /// Claimed by a worker that is handing it to the transport.
    Sending,
    /// Handed to the transport.
    Sent,
    /// Given up: no address, or every attempt failed.
    Failed,
    /// Not sent: the person opted out and the notice is not legally required.
    OptedOut,
    /// Not sent: replaced (an appointment moved) before it was due.
    Cancelled,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 6] = [
        Status::Pending,
        Status::Sending,
        Status::Sent,
        Status::Failed,
        Status::OptedOut,
        Status::Cancelled,
    ];

    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Failed => "failed",
            Status::OptedOut => "opted_out",
            Status::Cancelled => "cancelled",
        }
    }

    /// Parses a stored code.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| Error::invalid("notify.status.invalid").with_field("status"))
    }
}

/// The locales notices are written in.
pub const LOCALES: [&str; 4] = ["fa-IR", "fa-AF", "ps", "en"];

/// The locale of a person's notices: their choice when it is one of [`LOCALES`], else Dari for
/// Afghan nationals (`AFG`) and Persian for everyone else.
pub fn locale_for(chosen: Option<&str>, nationality: &str) -> &'static str {
    if let Some(l) = chosen.and_then(|c| LOCALES.into_iter().find(|l| *l == c)) {
        return l;
    }
    if nationality == "AFG" {
        "fa-AF"
    } else {
        "fa-IR"
    }
}

/// A chosen locale as typed on a form: one of [`LOCALES`], or empty for "by nationality".
pub fn parse_locale(s: &str) -> Result<Option<&'static str>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    LOCALES
        .into_iter()
        .find(|l| *l == s)
        .map(Some)
        .ok_or_else(|| Error::invalid("notify.locale.invalid").with_field("locale"))
}

/// A person's choice of notices: opted out of those not legally required, their language, and
/// the e-mail address notices go to instead of an SMS to their phone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefs {
    /// Opted out of notices that are not legally required.
    pub opted_out: bool,
    /// Chosen locale (`None`: by nationality).
    pub locale: Option<String>,
    /// E-mail address for notices (`None`: SMS to the phone).
    pub email: Option<String>,
}

/// Checks an e-mail address a person gives for notices (trimmed; empty is none): at most 254
/// characters, one `@` with something before it and a domain with a dot after it, no spaces
/// or control characters (`notify.email.invalid`).
pub fn parse_email(s: &str) -> Result<Option<String>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let ok = s.len() <= 254
        && !s.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
        })
        && match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if ok {
        Ok(Some(s.to_owned()))
    } else {
        Err(Error::invalid("notify.email.invalid").with_field("email"))
    }
}

/// What the registry says about the person a notice is for.
#[derive(Debug, Clone, Default)]
pub struct Recipient {
    /// Phone (may be empty).
    pub phone: String,
    /// E-mail address for notices, if the person gave one.
    pub email: Option<String>,
    /// Nationality (ISO alpha-3).
    pub nationality: String,
    /// Chosen locale, if any.
    pub locale: Option<String>,
    /// Opted out of notices that are not legally required.
    pub opted_out: bool,
}

/// How a notice is written to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Locale of the text.
    pub locale: &'static str,
    /// `email` when the person gave an address for notices, else `sms`.
    pub channel: &'static str,
    /// The address (e-mail or phone), empty when there is none.
    pub address: String,
    /// `Pending`, or at once `OptedOut` / `Failed` (no address).
    pub status: Status,
    /// Why it is not pending (`notify.opted_out`, `notify.no_address`), or empty.
    pub reason: &'static str,
}

/// Plans a notice of `kind` for `r`: opted out (not legally required) → `OptedOut`; an e-mail
/// address given for notices → pending by e-mail; else a phone → pending by SMS; neither →
/// `Failed` with `notify.no_address`.
pub fn plan(kind: Kind, r: &Recipient) -> Planned {
    let locale = locale_for(r.locale.as_deref(), &r.nationality);
    let (channel, address) = match r.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => ("email", e.to_owned()),
        None => ("sms", r.phone.trim().to_owned()),
    };
    let (status, reason) = if r.opted_out && !kind.legally_required() {
        (Status::OptedOut, "notify.opted_out")
    } else if address.is_empty() {
        (Status::Failed, "notify.no_address")
    } else {
        (Status::Pending, "")
    };
    Planned {
        locale,
        channel,
        address,
        status,
        reason,
    }
}

/// Attempts before a notice fails for good.
pub const MAX_ATTEMPTS: u32 = 8;

/// After failed attempt number `attempts` (1-based): `Some(wait)` before the next attempt —
/// 30 s doubling each time up to 6 h — or `None` when it was the last.
pub fn backoff(attempts: u32) -> Option<Duration> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let secs = 30i64.saturating_mul(1i64 << attempts.saturating_sub(1).min(20));
    Some(Duration::seconds(secs.min(6 * 3600)))
}

/// When to send the reminder of an appointment on `day`: 18:00 office time the evening before,
/// or `now` when that is past (an appointment booked for tomorrow late in the day).
pub fn reminder_due(day: Date, offset: UtcOffset, now: OffsetDateTime) -> OffsetDateTime {
    let eve = day
        .previous_day()
        .unwrap_or(day)
        .with_time(Time::from_hms(18, 0, 0).unwrap_or(Time::MIDNIGHT))
        .assume_offset(offset)
        .to_offset(UtcOffset::UTC);
    eve.max(now)
}

/// A notice to write to the outbox.
#[derive(Debug, Clone)]
pub struct NewNotice {
    /// For whom.
    pub person: PersonId,
    /// What about.
    pub kind: Kind,
    /// The round, case or credential it is about (cancelling a replaced reminder finds it).
    pub subject: String,
    /// Arguments of the message (strings; dates ISO, shown in the Solar Hijri calendar).
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Not before.
    pub due: OffsetDateTime,
}

/// A notice as staff see it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Notice {
    /// Id (ULID: time ordered).
    pub id: String,
    /// For whom.
    pub person_id: PersonId,
    /// The person's name.
    pub person_name: String,
    /// The person's office.
    pub office_id: OfficeId,
    /// What about.
    pub kind: Kind,
    /// Locale of the text.
    pub locale: String,
    /// Channel (`sms`).
    pub channel: String,
    /// The address, only where the person's own record is shown (never in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Where it stands.
    pub status: Status,
    /// Attempts so far.
    pub attempts: u32,
    /// Last error, if any.
    pub last_error: String,
    /// Written.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub created_at: OffsetDateTime,
    /// Not before.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub next_attempt_at: OffsetDateTime,
    /// Handed to the transport.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub sent_at: Option<OffsetDateTime>,
}

/// A notice claimed by a worker, to render and send.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    /// Id.
    pub id: String,
    /// What about.
    pub kind: Kind,
    /// Locale of the text.
    pub locale: String,
    /// Channel.
    pub channel: String,
    /// Address.
    pub address: String,
    /// Message arguments.
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Attempts including this one.
    pub attempts: u32,
}

/// What sending a claimed notice came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Handed to the transport (or found there already after a crash).
    Sent,
    /// This attempt failed with this error.
    Failed(String),
}

/// A filter on the office's list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this kind.
    pub kind: Option<Kind>,
}

/// Notices per office and status (the authority's view: counts only).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct OfficeCount {
    /// Office.
    pub office_id: OfficeId,
    /// Its code.
    pub code: String,
    /// Status.
    pub status: Status,
    /// Notices.
    pub count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_address_for_notices_is_checked_and_preferred_to_the_phone() {
        assert_eq!(parse_email("  ").unwrap(), None);
        assert_eq!(
            parse_email(" zahra@example.org ").unwrap().as_deref(),
            Some("zahra@example.org")
        );
        for bad in [
            "zahra",
            "@example.org",
            "z@example",
            "z@.org",
            "z@x.org.",
            "a b@x.org",
            "z@x@y.org",
            "z@x.org\nBcc: all@x.org",
        ] {
            assert_eq!(
                parse_email(bad).unwrap_err().code,
                "notify.email.invalid",
                "{bad}"
            );
        }
        let mut r = Recipient {
            phone: "0912 111 2222".into(),
            nationality: "AFG".into(),
            ..Recipient::default()
        };
        assert_eq!(plan(Kind::CaseDecision, &r).channel, "sms");
        r.email = Some("zahra@example.org".into());
        let p = plan(Kind::CaseDecision, &r);
        assert_eq!(
            (p.channel, p.address.as_str(), p.status),
            ("email", "zahra@example.org", Status::Pending)
        );
        r.phone.clear();
        assert_eq!(
            plan(Kind::CaseDecision, &r).status,
            Status::Pending,
            "an e-mail is enough"
        );
    }
    use time::macros::{date, datetime, offset};

    #[test]
    fn only_the_decision_ignores_an_opt_out() {
        let r = Recipient {
            phone: "09121234567".into(),
            nationality: "AFG".into(),
            locale: None,
            opted_out: true,
            email: None,
        };
        for k in Kind::ALL {
            let p = plan(k, &r);
            if k == Kind::CaseDecision {
                assert_eq!(p.status, Status::Pending);
                assert_eq!(p.address, "09121234567");
            } else {
                assert_eq!(p.status, Status::OptedOut, "{k:?}");
                assert_eq!(p.reason, "notify.opted_out");
            }
        }
        let mut r = r;
        r.opted_out = false;
        assert!(
            Kind::ALL
                .iter()
                .all(|k| plan(*k, &r).status == Status::Pending)
        );
    }

    #[test]
    fn no_phone_fails_at_once() {
        let p = plan(Kind::RoundInvitation, &Recipient::default());
        assert_eq!((p.status, p.reason), (Status::Failed, "notify.no_address"));
    }

    #[test]
    fn locale_by_choice_then_nationality() {
        assert_eq!(locale_for(Some("ps"), "AFG"), "ps");
        assert_eq!(locale_for(Some("en"), "IRN"), "en");
        assert_eq!(locale_for(Some("de"), "AFG"), "fa-AF");
        assert_eq!(locale_for(None, "AFG"), "fa-AF");
        assert_eq!(locale_for(None, "IRQ"), "fa-IR");
        assert_eq!(parse_locale(" ps ").unwrap(), Some("ps"));
        assert_eq!(parse_locale("").unwrap(), None);
        assert!(parse_locale("xx").is_err());
    }

    #[test]
    fn backoff_doubles_and_stops() {
        assert_eq!(backoff(1), Some(Duration::seconds(30)));
        assert_eq!(backoff(2), Some(Duration::seconds(60)));
        assert_eq!(backoff(3), Some(Duration::seconds(120)));
        assert_eq!(backoff(7), Some(Duration::seconds(1920)));
        assert_eq!(backoff(MAX_ATTEMPTS), None);
        assert!((1..MAX_ATTEMPTS).all(|a| backoff(a).unwrap() <= Duration::hours(6)));
    }

    #[test]
    fn reminder_the_evening_before_or_now() {
        let tehran = offset!(+3:30);
        let now = datetime!(2026-12-01 06:00 UTC);
        // 18:00 Tehran on Dec 9 = 14:30 UTC.
        assert_eq!(
            reminder_due(date!(2026 - 12 - 10), tehran, now),
            datetime!(2026-12-09 14:30 UTC)
        );
        // Tomorrow's appointment booked at 20:00 Tehran: at once.
        let late = datetime!(2026-12-01 16:30 UTC);
        assert_eq!(reminder_due(date!(2026 - 12 - 02), tehran, late), late);
    }

    #[test]
    fn codes_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.code()).unwrap(), k);
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()).unwrap(), s);
        }
        assert_eq!(Kind::CaseDecision.message_id(), "notify-case-decision");
        assert!(Kind::parse("spam").is_err());
    }
}
