//! Checking a share code (`POST /api/v1/share/check`, the public check page): which facts are
//! compared in which order, what the verifier is told, what the holder's log records, and
//! whether the attempt counts as a guess against the caller's address.
//!
//! The order is the security property: a cancelled, expired or locked code is refused before
//! anything is compared (it can never answer a guess); the birth date is compared next, and an
//! unknown code and a wrong birth date look the same (`share.check.failed`, 404); only a caller
//! who knows the holder's birth date learns that the verifier type is wrong or the credential
//! revoked.

use crate::birth::PartialDate;
use crate::credential::{ShareAttempt, ShareCheck, VerifierType};
use crate::{Error, ErrorKind, Result};
use time::OffsetDateTime;

/// Longest verifier name, in characters.
pub const MAX_VERIFIER_NAME: usize = 120;

/// A verifier's request, parsed: it cannot hold an unknown verifier type, an empty or overlong
/// name, or a date that is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckAsk {
    /// The verifier type the checker declares.
    pub verifier: VerifierType,
    /// The checking organisation's name (shown to the holder).
    pub verifier_name: String,
    /// The holder's birth date as typed.
    pub birth: PartialDate,
}

impl CheckAsk {
    /// Parses the fields of a check (`share.verifier.invalid`, `share.verifier_name.invalid`,
    /// `share.birth_date.*`, each naming its field).
    pub fn parse(
        verifier: &str,
        verifier_name: &str,
        birth: &str,
        today: time::Date,
    ) -> Result<Self> {
        let verifier =
            VerifierType::parse(verifier.trim()).map_err(|e| e.with_field("verifier"))?;
        let verifier_name = verifier_name.trim().to_owned();
        if verifier_name.is_empty() || verifier_name.chars().count() > MAX_VERIFIER_NAME {
            return Err(Error::invalid("share.verifier_name.invalid").with_field("verifier_name"));
        }
        let birth = PartialDate::parse(birth, today, "share.birth_date")?;
        Ok(Self {
            verifier,
            verifier_name,
            birth,
        })
    }
}

/// What the check found, as recorded in the holder's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The code was cancelled, expired or locked: nothing was compared.
    Refused,
    /// The birth date did not match (counts towards the code's lock and the address's limit).
    BirthDateWrong,
    /// Another verifier type than the code was made for.
    VerifierMismatch,
    /// The credential is revoked.
    Revoked,
    /// The credential's allowed fields were shown.
    Shown,
}

impl Outcome {
    /// The stored code of the outcome.
    pub fn code(self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::BirthDateWrong => "birth_date_wrong",
            Self::VerifierMismatch => "verifier_mismatch",
            Self::Revoked => "revoked",
            Self::Shown => "shown",
        }
    }
}

/// Whether the credential shown is in its validity period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Valid now.
    Valid,
    /// Past its last valid moment.
    Expired,
    /// Not valid yet.
    NotYetValid,
}

impl Verdict {
    /// The code the verifier is sent.
    pub fn code(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
        }
    }
}

/// What to do with a check.
#[derive(Debug, Clone)]
pub struct Decision {
    /// What happened, for the holder's log.
    pub outcome: Outcome,
    /// Whether the attempt counts as a guess against the caller's address: only a wrong birth
    /// date does (nothing was compared for a refused code; the birth date was known otherwise).
    pub counts_as_guess: bool,
    /// The verdict to show, or the error the verifier is told.
    pub answer: Result<Verdict>,
}

impl Decision {
    /// The row for the holder's log.
    pub fn record(&self, ask: &CheckAsk, at: OffsetDateTime) -> ShareCheck {
        ShareCheck {
            at,
            verifier: ask.verifier,
            verifier_name: ask.verifier_name.clone(),
            outcome: self.outcome.code().to_owned(),
        }
    }
}

/// The answer to an unknown code, and to a wrong birth date: the same, so they cannot be told
/// apart.
pub fn failed() -> Error {
    Error::not_found("share.check.failed")
}

/// Decides a check of a code the store found (an unknown code is [`failed`] without a record).
pub fn decide(attempt: &ShareAttempt, ask: &CheckAsk, now: OffsetDateTime) -> Decision {
    let refuse = |outcome, e: Error| Decision {
        outcome,
        counts_as_guess: outcome == Outcome::BirthDateWrong,
        answer: Err(e),
    };
    if let Err(e) = attempt.share.usable(now) {
        return refuse(Outcome::Refused, e);
    }
    let matches = attempt
        .birth
        .as_ref()
        .and_then(|(d, p)| PartialDate::from_stored(d, p).ok())
        .is_some_and(|stored| stored.covers(&ask.birth));
    if !matches {
        return refuse(Outcome::BirthDateWrong, failed());
    }
    if attempt.share.verifier != ask.verifier {
        return refuse(
            Outcome::VerifierMismatch,
            Error::forbidden("share.verifier.mismatch").with_field("verifier"),
        );
    }
    let cred = &attempt.credential;
    if cred.revoked_at.is_some() {
        return refuse(Outcome::Revoked, Error::conflict("credential.revoked"));
    }
    let verdict = if now > cred.expires {
        Verdict::Expired
    } else if now < cred.not_before {
        Verdict::NotYetValid
    } else {
        Verdict::Valid
    };
    Decision {
        outcome: Outcome::Shown,
        counts_as_guess: false,
        answer: Ok(verdict),
    }
}

/// The error of too many attempts from one address.
pub fn too_many() -> Error {
    Error::new("share.too_many", ErrorKind::TooManyRequests)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::credential::{CredentialRecord, SHARE_MAX_FAILURES, ShareCode};
    use crate::service::CredentialKind;
    use time::Duration;
    use time::macros::{date, datetime};

    const NOW: OffsetDateTime = datetime!(2026-12-04 10:00 UTC);

    fn attempt() -> ShareAttempt {
        ShareAttempt {
            share: ShareCode {
                id: crate::ids::ShareCodeId::new(),
                person_id: crate::ids::PersonId::new(),
                credential_id: "0011223344556677".into(),
                verifier: VerifierType::Employer,
                created_at: NOW - Duration::days(1),
                expires_at: NOW + Duration::days(6),
                cancelled_at: None,
                failures: 0,
                checks: vec![],
            },
            // The registry holds only the year: any day of it matches.
            birth: Some(("1990-01-01".into(), "year".into())),
            credential: CredentialRecord {
                id: "0011223344556677".into(),
                person_id: crate::ids::PersonId::new(),
                case_id: None,
                office_id: crate::ids::OfficeId::new(),
                issuer: "IR/THR-01".into(),
                kind: CredentialKind::WorkPermit,
                issued_at: NOW - Duration::days(30),
                not_before: NOW - Duration::days(30),
                expires: NOW + Duration::days(300),
                fields: Default::default(),
                revoked_at: None,
                revoke_reason: None,
            },
        }
    }

    fn ask(verifier: &str, birth: &str) -> CheckAsk {
        CheckAsk::parse(verifier, "  شرکت نمونه ", birth, date!(2026 - 12 - 04)).unwrap()
    }

    fn code(d: &Decision) -> &str {
        d.answer.as_ref().unwrap_err().code
    }

    #[test]
    fn the_request_is_parsed_at_the_edge() {
        let a = ask("employer", "1990-05-06");
        assert_eq!(a.verifier, VerifierType::Employer);
        assert_eq!(a.verifier_name, "شرکت نمونه", "the name is trimmed");
        let err = |v: &str, n: &str, b: &str| {
            CheckAsk::parse(v, n, b, date!(2026 - 12 - 04)).unwrap_err()
        };
        assert_eq!(
            err("landlord", "x", "1990-05-06").code,
            "share.verifier.invalid"
        );
        assert_eq!(
            err("employer", "   ", "1990-05-06").code,
            "share.verifier_name.invalid"
        );
        assert_eq!(
            err("employer", &"x".repeat(121), "1990-05-06").code,
            "share.verifier_name.invalid"
        );
        assert!(
            err("employer", "x", "not a date")
                .code
                .starts_with("share.birth_date.")
        );
    }

    #[test]
    fn a_matching_check_shows_the_verdict_and_is_not_a_guess() {
        let d = decide(&attempt(), &ask("employer", "1990-05-06"), NOW);
        assert_eq!(
            (d.outcome, d.counts_as_guess, d.answer.clone().unwrap()),
            (Outcome::Shown, false, Verdict::Valid)
        );
        let mut a = attempt();
        a.credential.expires = NOW - Duration::seconds(1);
        assert_eq!(
            decide(&a, &ask("employer", "1990"), NOW).answer.unwrap(),
            Verdict::Expired
        );
        a.credential.not_before = NOW + Duration::days(1);
        a.credential.expires = NOW + Duration::days(2);
        assert_eq!(
            decide(&a, &ask("employer", "1990"), NOW).answer.unwrap(),
            Verdict::NotYetValid
        );
        let rec = d.record(&ask("employer", "1990"), NOW);
        assert_eq!(
            (rec.outcome.as_str(), rec.verifier_name.as_str()),
            ("shown", "شرکت نمونه")
        );
    }

    #[test]
    fn a_wrong_birth_date_looks_like_an_unknown_code_and_counts_as_a_guess() {
        let d = decide(&attempt(), &ask("employer", "1991-05-06"), NOW);
        assert_eq!(
            (d.outcome, d.counts_as_guess),
            (Outcome::BirthDateWrong, true)
        );
        assert_eq!(code(&d), failed().code);
        let mut a = attempt();
        a.birth = None;
        assert_eq!(
            decide(&a, &ask("employer", "1990"), NOW).outcome,
            Outcome::BirthDateWrong,
            "no stored date matches nothing"
        );
        // A day-precise record is not matched by the year alone.
        a.birth = Some(("1990-05-06".into(), "day".into()));
        assert_eq!(
            decide(&a, &ask("employer", "1990-05-07"), NOW).outcome,
            Outcome::BirthDateWrong
        );
        assert_eq!(
            decide(&a, &ask("employer", "1990-05-06"), NOW).outcome,
            Outcome::Shown
        );
    }

    #[test]
    fn an_unusable_code_is_refused_before_anything_is_compared() {
        for (change, expected) in [
            (
                Box::new(|a: &mut ShareAttempt| a.share.cancelled_at = Some(NOW))
                    as Box<dyn Fn(&mut ShareAttempt)>,
                "share.code.cancelled",
            ),
            (
                Box::new(|a: &mut ShareAttempt| a.share.expires_at = NOW - Duration::seconds(1)),
                "share.code.expired",
            ),
            (
                Box::new(|a: &mut ShareAttempt| a.share.failures = SHARE_MAX_FAILURES),
                "share.code.locked",
            ),
        ] {
            let mut a = attempt();
            change(&mut a);
            // Even the right birth date and verifier get no further, and a wrong one is not
            // told apart from a right one.
            for birth in ["1990", "1991"] {
                let d = decide(&a, &ask("employer", birth), NOW);
                assert_eq!(
                    (d.outcome, d.counts_as_guess, code(&d)),
                    (Outcome::Refused, false, expected)
                );
            }
        }
    }

    #[test]
    fn the_verifier_type_and_revocation_are_told_only_after_the_birth_date_matched() {
        let d = decide(&attempt(), &ask("school", "1990"), NOW);
        assert_eq!(
            (d.outcome, d.counts_as_guess, code(&d)),
            (Outcome::VerifierMismatch, false, "share.verifier.mismatch")
        );
        assert_eq!(
            decide(&attempt(), &ask("school", "1991"), NOW).outcome,
            Outcome::BirthDateWrong
        );
        let mut a = attempt();
        a.credential.revoked_at = Some(NOW - Duration::days(1));
        let d = decide(&a, &ask("employer", "1990"), NOW);
        assert_eq!(
            (d.outcome, code(&d)),
            (Outcome::Revoked, "credential.revoked")
        );
        assert_eq!(
            decide(&a, &ask("employer", "1991"), NOW).outcome,
            Outcome::BirthDateWrong
        );
    }
}
