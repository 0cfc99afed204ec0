//! The supervisor's review queue of suspected duplicates: pairs found at registration ("register
//! anyway") or by `daftar dedupe --db`, decided as the same person (merge, which keeps both
//! records and their histories and can be undone) or as different people.

use crate::ids::{PersonId, SuspectId};
use crate::person::{MatchReasons, PersonSummary};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Where a pair stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuspectStatus {
    /// Waiting for a decision.
    Open,
    /// Decided the same person: merged.
    Merged,
    /// Decided different people.
    Distinct,
}

impl SuspectStatus {
    /// Every status.
    pub const ALL: [SuspectStatus; 3] = [
        SuspectStatus::Open,
        SuspectStatus::Merged,
        SuspectStatus::Distinct,
    ];
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            SuspectStatus::Open => "open",
            SuspectStatus::Merged => "merged",
            SuspectStatus::Distinct => "distinct",
        }
    }
    /// Parses a code (`review.status.invalid`).
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|x| x.code() == s)
            .ok_or_else(|| Error::invalid("review.status.invalid").with_field("status"))
    }
}

/// A suspected duplicate pair with both records.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Suspect {
    /// Id.
    pub id: SuspectId,
    /// One record.
    pub a: PersonSummary,
    /// The other record.
    pub b: PersonSummary,
    /// Strength of the evidence.
    pub score: f64,
    /// What agrees.
    pub reasons: MatchReasons,
    /// `registration` or `batch`.
    pub source: String,
    /// Where it stands.
    pub status: SuspectStatus,
    /// Found (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Who decided (empty while open).
    pub decided_by: String,
    /// The record kept when merged.
    #[schema(value_type = Option<String>)]
    pub survivor: Option<PersonId>,
}

impl Suspect {
    /// Both records with their side's code (`a`, `b`), for side-by-side display: the page
    /// names a side by the locale's `review-side-<code>` (A/B, الف/ب), as its buttons do.
    pub fn pair(&self) -> [(&'static str, &PersonSummary); 2] {
        [("a", &self.a), ("b", &self.b)]
    }
}

/// A pair to put in the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSuspect {
    /// One record.
    pub a: PersonId,
    /// The other record.
    pub b: PersonId,
    /// Strength of the evidence.
    pub score: f64,
    /// What agrees.
    pub reasons: MatchReasons,
    /// `registration` or `batch`.
    pub source: &'static str,
}

/// A checked decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The same person; keep `survivor`.
    Merge {
        /// The record kept.
        survivor: PersonId,
    },
    /// Different people.
    Distinct,
}

impl Decision {
    /// Parses a reviewer's decision as sent: `distinct`, or `merge` with the record to keep
    /// (`review.decision.invalid`, `review.survivor.required`). Whether the survivor is one of
    /// the pair is checked against the stored pair by [`Decision::check_pair`].
    pub fn parse(decision: &str, survivor: Option<PersonId>) -> Result<Self> {
        match (decision.trim(), survivor) {
            ("distinct", _) => Ok(Decision::Distinct),
            ("merge", Some(survivor)) => Ok(Decision::Merge { survivor }),
            ("merge", None) => {
                Err(Error::invalid("review.survivor.required").with_field("survivor"))
            }
            _ => Err(Error::invalid("review.decision.invalid").with_field("decision")),
        }
    }

    /// Checks a merge's survivor against the pair as stored: naming a record outside the pair
    /// conflicts with it (409 `review.survivor.invalid`).
    pub fn check_pair(self, a: PersonId, b: PersonId) -> Result<Self> {
        match self {
            Decision::Merge { survivor } if survivor != a && survivor != b => {
                Err(Error::conflict("review.survivor.invalid").with_field("survivor"))
            }
            d => Ok(d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_are_checked_against_the_pair() {
        let (a, b, c) = (PersonId::new(), PersonId::new(), PersonId::new());
        let d = |decision: &str, survivor| Decision::parse(decision, survivor)?.check_pair(a, b);
        assert_eq!(d("distinct", None).unwrap(), Decision::Distinct);
        assert_eq!(
            d("merge", Some(b)).unwrap(),
            Decision::Merge { survivor: b }
        );
        assert_eq!(
            d("merge", Some(c)).unwrap_err().code,
            "review.survivor.invalid"
        );
        assert_eq!(
            d("merge", None).unwrap_err().code,
            "review.survivor.required"
        );
        assert_eq!(
            d("delete", None).unwrap_err().code,
            "review.decision.invalid"
        );
    }
}
