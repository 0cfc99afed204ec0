//! The audit log: who did what to which record, from which office, for what purpose. Rows are
//! hash-chained: each row's hash covers its own fields and the previous row's hash, so editing
//! or deleting any row breaks the chain at a row that [`verify_chain`] names.
//!
//! An action appends its row unsealed (no shared row is locked); a single sealer puts the
//! waiting rows into the chain in batches ([`seal`]) and the head is signed from time to time
//! ([`AuditCheckpoint`]), so a chain rewritten end to end no longer matches a checkpoint kept
//! outside the database (docs/adr/0002-audit-sealing.md).

use crate::ids::{OfficeId, UserId};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// Hash that stands before the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Why personal data is touched; recorded with every event. Codes are stable.
pub mod purpose {
    /// Signing in and out, sessions.
    pub const AUTHENTICATION: &str = "authentication";
    /// Managing accounts, offices and configuration.
    pub const ADMINISTRATION: &str = "administration";
    /// Serving a person at an office (registration, services).
    pub const SERVICE: &str = "service";
    /// Reviewing the audit log.
    pub const AUDIT: &str = "audit";
    /// Work done by the system itself (migrations, demo seeding, CLI).
    pub const SYSTEM: &str = "system";
    /// Downloading records of an office as a file.
    pub const EXPORT: &str = "export";
    /// A registered person acting on their own record through the portal.
    pub const SELF_SERVICE: &str = "self_service";
}

/// Who acts, from where, why, and in which request: attached to every write and to every read
/// of personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCtx {
    /// The acting user, if any (none for the system or an anonymous login attempt).
    pub actor_id: Option<UserId>,
    /// Login name or `system`.
    pub actor: String,
    /// The actor's office, if any.
    pub office_id: Option<OfficeId>,
    /// Purpose code (see [`purpose`]).
    pub purpose: String,
    /// Request id (from the `x-request-id` header, or generated).
    pub request_id: String,
}

impl AuditCtx {
    /// A context for work done by the system itself (CLI, seeding).
    pub fn system(request_id: impl Into<String>) -> Self {
        Self {
            actor_id: None,
            actor: "system".into(),
            office_id: None,
            purpose: purpose::SYSTEM.into(),
            request_id: request_id.into(),
        }
    }
    /// The same context with another purpose.
    pub fn with_purpose(mut self, purpose: &str) -> Self {
        self.purpose = purpose.into();
        self
    }
}

/// What happened: an action on a target.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// Dotted action code, e.g. `user.create`, `person.read`, `auth.login.failed`.
    pub action: String,
    /// Kind of target (`user`, `office`, `person`, `session`, …).
    pub target_type: String,
    /// Target id (or name), empty when none.
    pub target_id: String,
    /// Extra facts (never passwords or secrets).
    pub details: serde_json::Value,
}

impl AuditEvent {
    /// An event with no details.
    pub fn new(action: &str, target_type: &str, target_id: impl ToString) -> Self {
        Self {
            action: action.into(),
            target_type: target_type.into(),
            target_id: target_id.to_string(),
            details: serde_json::Value::Null,
        }
    }
    /// Adds details.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// One entry of a person's own access log ("who saw my record"): when, which office, which
/// role and for what purpose someone read or changed the person's record, their cases,
/// credentials or household, or listed them; never the staff member's name.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AccessEntry {
    /// When (UTC, milliseconds).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// The acting office's code (empty for the system or an account without an office).
    pub office_code: String,
    /// The office's name in Persian (empty as the code).
    pub office_name_fa: String,
    /// The office's name in English.
    pub office_name_en: String,
    /// The acting account's role (`clerk`, `applicant`, …; empty for the system and for
    /// share-code checks by a verifier).
    pub role: String,
    /// Purpose code.
    pub purpose: String,
    /// Action code (`person.read`, `case.read`, `share.check`, …).
    pub action: String,
}

impl AccessEntry {
    /// What was done, as the person is told: `viewed` (their record, a case, a credential, the
    /// household, this log), `listed` (they were in a list, search or duplicate check),
    /// `exported` (their office's register was downloaded), `checked` (a verifier checked one of
    /// their share codes) or `changed` (anything written).
    pub fn kind(&self) -> &'static str {
        match self.action.as_str() {
            "person.list" | "person.search" | "person.candidates" | "round.not_seen" => "listed",
            "person.export" => "exported",
            "share.check" => "checked",
            a if a.ends_with(".read")
                || a.ends_with(".list")
                || a.ends_with(".lookup")
                || a.ends_with(".holder_read")
                || a == "case.list_person"
                || a == "person.access_log" =>
            {
                "viewed"
            }
            _ => "changed",
        }
    }
}

/// One stored audit row.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    /// Position in the chain, 1-based, without gaps; 0 while the row waits for the sealer
    /// (then `prev_hash` and `hash` are empty too).
    pub seq: i64,
    /// Time, truncated to milliseconds (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// Acting user id.
    #[schema(value_type = Option<String>)]
    pub actor_id: Option<UserId>,
    /// Acting login name or `system`.
    pub actor: String,
    /// Actor's office.
    #[schema(value_type = Option<String>)]
    pub office_id: Option<OfficeId>,
    /// Action code.
    pub action: String,
    /// Target kind.
    pub target_type: String,
    /// Target id.
    pub target_id: String,
    /// Purpose code.
    pub purpose: String,
    /// Request id.
    pub request_id: String,
    /// Details as canonical JSON text (keys sorted).
    pub details: String,
    /// Hash of the previous row.
    pub prev_hash: String,
    /// Hash of this row.
    pub hash: String,
}

impl AuditRecord {
    /// Whether the row is in the chain yet (rows wait a moment for the sealer).
    pub fn is_sealed(&self) -> bool {
        self.seq > 0
    }
}

/// The end of the chain: the last sealed row's place and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditHead {
    /// Sequence number of the last sealed row (0 before the first).
    pub seq: i64,
    /// Its hash ([`GENESIS_HASH`] before the first).
    pub hash: String,
}

/// What one run of the sealer did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SealReport {
    /// Rows put into the chain.
    pub sealed: u64,
    /// Rows still waiting: committed behind a transaction that is still open (PostgreSQL), or
    /// appended meanwhile.
    pub waiting: u64,
    /// The longest a row sealed in this run had waited (its `at` to the sealing transaction's
    /// time), in milliseconds.
    pub longest_wait_ms: i64,
    /// False when another sealer held the lock (another node seals; nothing was done here).
    pub ran: bool,
}

/// A signed statement of the chain's head: "row `seq` has hash `hash`", signed with the root
/// key. Exported outside the database, it anchors the chain: a chain rewritten end to end (or
/// truncated below `seq`) no longer has `hash` at `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheckpoint {
    /// Sequence number of the row the checkpoint names.
    pub seq: i64,
    /// That row's hash.
    pub hash: String,
    /// When it was signed.
    pub signed_at: OffsetDateTime,
    /// Key id of the root key that signed it (hex).
    pub kid: String,
    /// The signed file (COSE_Sign1), hex.
    pub signed: String,
}

/// Truncates a timestamp to whole milliseconds, the precision every store keeps.
pub fn truncate_ms(t: OffsetDateTime) -> OffsetDateTime {
    let ns = t.nanosecond();
    t.replace_nanosecond(ns - ns % 1_000_000).unwrap_or(t)
}

/// Canonical JSON text of the details (serde_json's map keeps keys sorted).
pub fn canonical_details(v: &serde_json::Value) -> String {
    if v.is_null() {
        String::new()
    } else {
        v.to_string()
    }
}

/// Builds the next record of the chain after `prev_hash`.
pub fn seal(
    seq: i64,
    at: OffsetDateTime,
    ctx: &AuditCtx,
    ev: &AuditEvent,
    prev_hash: &str,
) -> AuditRecord {
    let mut r = AuditRecord {
        seq,
        at: truncate_ms(at),
        actor_id: ctx.actor_id,
        actor: ctx.actor.clone(),
        office_id: ctx.office_id,
        action: ev.action.clone(),
        target_type: ev.target_type.clone(),
        target_id: ev.target_id.clone(),
        purpose: ctx.purpose.clone(),
        request_id: ctx.request_id.clone(),
        details: canonical_details(&ev.details),
        prev_hash: prev_hash.to_owned(),
        hash: String::new(),
    };
    r.hash = record_hash(&r);
    r
}

/// The hash of a record: SHA-256 over its fields (length-prefixed) and `prev_hash`.
pub fn record_hash(r: &AuditRecord) -> String {
    let mut h = Sha256::new();
    let at_ms = r.at.unix_timestamp_nanos() / 1_000_000;
    let fields: [&str; 11] = [
        &r.seq.to_string(),
        &at_ms.to_string(),
        &r.actor_id.map(|i| i.to_string()).unwrap_or_default(),
        &r.actor,
        &r.office_id.map(|i| i.to_string()).unwrap_or_default(),
        &r.action,
        &r.target_type,
        &r.target_id,
        &r.purpose,
        &r.request_id,
        &r.details,
    ];
    for f in fields {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f.as_bytes());
    }
    h.update(r.prev_hash.as_bytes());
    hex::encode(h.finalize())
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    /// The first row that does not verify (for a deleted row: the row after the gap).
    pub seq: i64,
    /// `edited` (hash does not match the contents), `deleted` (a gap in the sequence or a
    /// broken link to the previous row), or `truncated` (the head no longer matches the last row).
    pub reason: &'static str,
}

/// Verifies records given in sequence order; returns the first break.
pub fn verify_chain<'a>(
    records: impl IntoIterator<Item = &'a AuditRecord>,
) -> Result<u64, ChainBreak> {
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut n = 0u64;
    for (expected_seq, r) in (1i64..).zip(records) {
        if r.seq != expected_seq || r.prev_hash != prev_hash {
            return Err(ChainBreak {
                seq: r.seq,
                reason: if r.seq != expected_seq {
                    "deleted"
                } else {
                    "relinked"
                },
            });
        }
        if record_hash(r) != r.hash {
            return Err(ChainBreak {
                seq: r.seq,
                reason: "edited",
            });
        }
        prev_hash = r.hash.clone();
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn access_entries_say_what_was_done_in_five_words() {
        let e = |action: &str| AccessEntry {
            at: OffsetDateTime::UNIX_EPOCH,
            office_code: String::new(),
            office_name_fa: String::new(),
            office_name_en: String::new(),
            role: String::new(),
            purpose: String::new(),
            action: action.into(),
        };
        for (action, kind) in [
            ("person.read", "viewed"),
            ("case.document.read", "viewed"),
            ("credential.list", "viewed"),
            ("household.lookup", "viewed"),
            ("person.access_log", "viewed"),
            ("person.search", "listed"),
            ("person.candidates", "listed"),
            ("person.export", "exported"),
            ("share.check", "checked"),
            ("person.status", "changed"),
            ("case.open", "changed"),
        ] {
            assert_eq!(e(action).kind(), kind, "{action}");
        }
    }

    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let ctx = AuditCtx::system("req");
        let mut prev = GENESIS_HASH.to_owned();
        let t = OffsetDateTime::UNIX_EPOCH;
        (1..=n)
            .map(|i| {
                let r = seal(i, t, &ctx, &AuditEvent::new("x.y", "thing", i), &prev);
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify_chain(&chain(5)), Ok(5));
    }

    #[test]
    fn edited_row_is_named() {
        let mut c = chain(5);
        c[2].actor = "mallory".into();
        assert_eq!(
            verify_chain(&c),
            Err(ChainBreak {
                seq: 3,
                reason: "edited"
            })
        );
    }

    #[test]
    fn deleted_row_is_named() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify_chain(&c),
            Err(ChainBreak {
                seq: 3,
                reason: "deleted"
            })
        );
    }
}
