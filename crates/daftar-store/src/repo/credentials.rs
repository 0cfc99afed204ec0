//! Credentials: signing keys (sealed private halves only), the versions of the trust and status
//! lists, issued credentials and their revocation, share codes and their checks. Every read of
//! a holder's data and every change is audited in its own transaction.

use super::offices::OFFICE_COLS;
use super::persons::COLS as PERSON_COLS;
use super::{all, audit};
use crate::SqlStore;
use crate::sql::{Row, Tx, params};
use daftar_domain::audit::{AuditCtx, AuditEvent, truncate_ms};
use daftar_domain::case::CaseView;
use daftar_domain::credential::{
    CredentialRecord, IssuerKey, KeyRole, KeyState, NewCredential, NewShareCode,
    SHARE_MAX_FAILURES, ShareAttempt, ShareCheck, ShareCode, VerifierType,
};
use daftar_domain::ids::CaseId;
use daftar_domain::ids::{PersonId, ShareCodeId};
use daftar_domain::permission::{OfficeScope, Permission, Reach};
use daftar_domain::service::CredentialKind;
use daftar_domain::store::ShareAccess;
use daftar_domain::usecase::{grant_credential, rotate_keys};
use daftar_domain::{Error, Result};
use rand::RngCore;
use time::OffsetDateTime;

const KEY_COLS: &str = "kid, role, public_key, sealed, state, created_at, changed_at";
const CRED_COLS: &str = "c.id, c.person_id, c.case_id, c.office_id, c.issuer, c.kind, c.issued_at, c.not_before, c.expires, c.fields, c.revoked_at, c.revoke_reason";
const SHARE_COLS: &str = "s.id, s.person_id, s.credential_id, s.verifier, s.created_at, s.expires_at, s.cancelled_at, s.failures";

fn key(r: &Row) -> Result<IssuerKey> {
    Ok(IssuerKey {
        kid: r.text(0)?,
        role: KeyRole::parse(&r.text(1)?)?,
        public_key: r.text(2)?,
        sealed: hex::decode(r.text(3)?).map_err(|e| Error::store(format!("sealed key: {e}")))?,
        state: KeyState::parse(&r.text(4)?)?,
        created_at: r.ts(5)?,
        changed_at: r.opt_ts(6)?,
    })
}

fn credential(r: &Row) -> Result<CredentialRecord> {
    Ok(CredentialRecord {
        id: r.text(0)?,
        person_id: r.parse(1)?,
        case_id: r.opt_parse(2)?,
        office_id: r.parse(3)?,
        issuer: r.text(4)?,
        kind: CredentialKind::parse(&r.text(5)?)?,
        issued_at: r.ts(6)?,
        not_before: r.ts(7)?,
        expires: r.ts(8)?,
        fields: serde_json::from_str(&r.text(9)?)
            .map_err(|e| Error::store(format!("credential fields: {e}")))?,
        revoked_at: r.opt_ts(10)?,
        revoke_reason: r.opt_text(11)?,
    })
}

fn share(tx: &mut dyn Tx, r: &Row) -> Result<ShareCode> {
    let id: ShareCodeId = r.parse(0)?;
    let checks = all(
        tx.query(
            "SELECT at, verifier, verifier_name, outcome FROM share_checks WHERE share_id = $1 ORDER BY at DESC, id DESC",
            params![id.to_string()],
        )?,
        |c| {
            Ok(ShareCheck {
                at: c.ts(0)?,
                verifier: VerifierType::parse(&c.text(1)?)?,
                verifier_name: c.text(2)?,
                outcome: c.text(3)?,
            })
        },
    )?;
    Ok(ShareCode {
        id,
        person_id: r.parse(1)?,
        credential_id: r.text(2)?,
        verifier: VerifierType::parse(&r.text(3)?)?,
        created_at: r.ts(4)?,
        expires_at: r.ts(5)?,
        cancelled_at: r.opt_ts(6)?,
        failures: u32::try_from(r.i64(7)?).unwrap_or(u32::MAX),
        checks,
    })
}

fn one_share(tx: &mut dyn Tx, where_: &str, arg: String) -> Result<ShareCode> {
    let r = tx
        .query_opt(
            &format!("SELECT {SHARE_COLS} FROM share_codes s WHERE {where_}"),
            params![arg],
        )?
        .ok_or_else(|| Error::not_found("share.not_found"))?;
    share(tx, &r)
}

fn bump(tx: &mut dyn Tx, list: &str) -> Result<u64> {
    tx.exec(
        "UPDATE credential_lists SET version = version + 1 WHERE name = $1",
        params![list],
    )?;
    list_version(tx, list)
}

fn all_keys(tx: &mut dyn Tx) -> Result<Vec<IssuerKey>> {
    all(
        tx.query(
            &format!("SELECT {KEY_COLS} FROM credential_keys ORDER BY created_at DESC, kid"),
            &[],
        )?,
        key,
    )
}

fn list_version(tx: &mut dyn Tx, list: &str) -> Result<u64> {
    let v = tx
        .query_one(
            "SELECT version FROM credential_lists WHERE name = $1",
            params![list],
        )?
        .i64(0)?;
    Ok(u64::try_from(v).unwrap_or(0))
}

fn person_in_scope(tx: &mut dyn Tx, scope: &OfficeScope, person: PersonId) -> Result<()> {
    tx.query_opt(
        concat!(
            "SELECT 1 FROM persons WHERE id = $1 AND office_id = $2 AND ",
            person_visible!()
        ),
        params![person.to_string(), scope.office_id().to_string()],
    )?
    .map(|_| ())
    .ok_or_else(|| Error::not_found("person.not_found"))
}

fn credential_by_id(tx: &mut dyn Tx, id: &str) -> Result<CredentialRecord> {
    let r = tx
        .query_opt(
            &format!("SELECT {CRED_COLS} FROM credentials c WHERE c.id = $1"),
            params![id],
        )?
        .ok_or_else(|| Error::not_found("credential.not_found"))?;
    credential(&r)
}

/// A credential id as typed: 16 hex digits, any case.
fn credential_id(id: &str) -> Result<String> {
    let id = id.trim().to_ascii_lowercase();
    if id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(id)
    } else {
        Err(Error::not_found("credential.not_found"))
    }
}

/// Revokes credential `id` in `tx` at `now` for `reason`: the status list's version is bumped
/// and carried by the credential (so verifiers see it with the next list). Audited
/// `credential.revoke`. The caller has checked that it may and that the credential is not
/// revoked yet ([`daftar_domain::store::CredentialStore::revoke_credential`]; the departure of a voluntary return).
pub(crate) fn revoke(
    tx: &mut dyn Tx,
    ctx: &AuditCtx,
    id: &str,
    reason: &str,
    now: OffsetDateTime,
) -> Result<CredentialRecord> {
    let version = bump(tx, rotate_keys::STATUS_LIST)?;
    tx.exec(
        "UPDATE credentials SET revoked_at = $1, revoked_by = $2, revoke_reason = $3, status_version = $4 WHERE id = $5",
        params![now, ctx.actor.as_str(), reason, i64::try_from(version).unwrap_or(i64::MAX), id],
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEvent::new("credential.revoke", "credential", id)
            .with_details(serde_json::json!({ "reason": reason, "status_version": version })),
    )?;
    credential_by_id(tx, id)
}

/// Stores credentials in `tx`; one already issued for the same case, person and kind is kept
/// (safe to repeat). Returns the stored records of every entry. Audited `credential.issue`.
fn insert_credentials(
    tx: &mut dyn Tx,
    ctx: &AuditCtx,
    new: &[NewCredential],
) -> Result<Vec<CredentialRecord>> {
    let now = tx.now();
    let mut out = Vec::with_capacity(new.len());
    for c in new {
        if let Some(case) = c.case_id {
            let existing = tx.query_opt(
                &format!("SELECT {CRED_COLS} FROM credentials c WHERE c.case_id = $1 AND c.person_id = $2 AND c.kind = $3"),
                params![case.to_string(), c.person_id.to_string(), c.kind.code()],
            )?;
            if let Some(r) = existing {
                out.push(credential(&r)?);
                continue;
            }
        }
        let fields = serde_json::to_string(&c.fields)
            .map_err(|e| Error::internal(format!("credential fields: {e}")))?;
        tx.exec(
            "INSERT INTO credentials (id, person_id, case_id, office_id, issuer, kind, issued_at, not_before, expires, fields) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            params![
                c.id.as_str(),
                c.person_id.to_string(),
                c.case_id.map(|i| i.to_string()),
                c.office_id.to_string(),
                c.issuer.as_str(),
                c.kind.code(),
                now,
                truncate_ms(c.not_before),
                truncate_ms(c.expires),
                fields
            ],
        )
        .map_err(|e| e.into_error("credential.id.taken"))?;
        audit::append(
            tx,
            ctx,
            &AuditEvent::new("credential.issue", "credential", &c.id).with_details(
                serde_json::json!({ "person": c.person_id.to_string(), "kind": c.kind.code() }),
            ),
        )?;
        out.push(credential_by_id(tx, &c.id)?);
    }
    Ok(out)
}

/// A new credential id: 8 random bytes as 16 hex digits (the `cti`).
fn new_credential_id() -> String {
    let mut id = [0u8; 8];
    rand::rng().fill_bytes(&mut id);
    hex::encode(id)
}

/// Issues in `tx` what the decided case `view` grants (`usecase::grant_credential`): the facts
/// (the office, the holders' records, each read audited `person.read` as the issuing officer
/// reads them) are read in `tx`, the plan is written in it. Nothing for a case that grants none.
/// Called by `grant_credentials` and by the case decision that approves a case, so the approval
/// and its credentials commit together.
pub(crate) fn grant(
    tx: &mut dyn Tx,
    ctx: &AuditCtx,
    view: &CaseView,
    country: &str,
    today: time::Date,
) -> Result<Vec<CredentialRecord>> {
    let Some(g) = grant_credential::grantees(view) else {
        return Ok(vec![]);
    };
    let office = super::offices::office(
        &tx.query_opt(
            &format!("SELECT {OFFICE_COLS} FROM offices WHERE id = $1"),
            params![view.case.office_id.to_string()],
        )?
        .ok_or_else(|| Error::not_found("office.not_found"))?,
    )?;
    let mut holders = Vec::with_capacity(g.people.len());
    for p in &g.people {
        let r = tx
            .query_opt(
                &format!(
                    "SELECT {PERSON_COLS} FROM persons WHERE id = $1 AND office_id = $2 AND {}",
                    person_visible!()
                ),
                params![p.to_string(), office.id.to_string()],
            )?
            .ok_or_else(|| Error::not_found("person.not_found"))?;
        holders.push(super::persons::person(&r)?);
        audit::log(tx, ctx, "person.read", "person", p)?;
    }
    let plan = grant_credential::plan(
        &grant_credential::Facts {
            view,
            office: &office,
            holders: &holders,
            country,
            today,
            now: tx.now(),
        },
        new_credential_id,
    )?;
    let issued = insert_credentials(tx, ctx, &plan)?;
    // Ready to collect at the office: one notice to the applicant, in this transaction.
    if !issued.is_empty() {
        let now = tx.now();
        super::notify::about_case(
            tx,
            view,
            daftar_domain::notify::Kind::CredentialReady,
            &view.case.id.to_string(),
            now,
            &[("count", issued.len().to_string())],
        )?;
    }
    Ok(issued)
}

impl daftar_domain::store::CredentialStore for SqlStore {
    fn add_key(&self, ctx: &AuditCtx, k: &IssuerKey) -> Result<()> {
        let now = self.now();
        self.write(|tx| {
            // The trust list's row first: a second node adding a key at the same time waits
            // here, and then decides over the key this one wrote (never two root keys).
            bump(tx, rotate_keys::TRUST_LIST)?;
            let keys = all_keys(tx)?;
            let plan = rotate_keys::add(&keys, k.clone())?;
            for kid in &plan.demote {
                tx.exec(
                    "UPDATE credential_keys SET state = $1, changed_at = $2 WHERE kid = $3",
                    params![KeyState::VerifyOnly.code(), now, kid.as_str()],
                )?;
            }
            let k = &plan.key;
            tx.exec(
                &format!(
                    "INSERT INTO credential_keys ({KEY_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                ),
                params![
                    k.kid.as_str(),
                    k.role.code(),
                    k.public_key.as_str(),
                    hex::encode(&k.sealed),
                    k.state.code(),
                    truncate_ms(k.created_at),
                    k.changed_at.map(truncate_ms)
                ],
            )
            .map_err(|e| e.into_error("key.kid.taken"))?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("key.add", "key", &k.kid).with_details(
                    serde_json::json!({ "role": k.role.code(), "state": k.state.code() }),
                ),
            )?;
            Ok(())
        })
    }

    fn keys(&self) -> Result<Vec<IssuerKey>> {
        self.read(all_keys)
    }

    fn retire_key(&self, ctx: &AuditCtx, kid: &str) -> Result<IssuerKey> {
        let now = self.now();
        self.write(|tx| {
            // The trust list's row first (see `add_key`); a refusal rolls the bump back.
            bump(tx, rotate_keys::TRUST_LIST)?;
            let retired = rotate_keys::retire(&all_keys(tx)?, kid, now)?;
            tx.exec(
                "UPDATE credential_keys SET state = $1, changed_at = $2 WHERE kid = $3",
                params![retired.state.code(), now, retired.kid.as_str()],
            )?;
            audit::log(tx, ctx, "key.retire", "key", &retired.kid)?;
            Ok(retired)
        })
    }

    fn list_version(&self, name: &str) -> Result<u64> {
        self.read(|tx| list_version(tx, name))
    }

    fn issue_credentials(
        &self,
        ctx: &AuditCtx,
        new: &[NewCredential],
    ) -> Result<Vec<CredentialRecord>> {
        self.write(|tx| insert_credentials(tx, ctx, new))
    }

    fn grant_credentials(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        case: CaseId,
        country: &str,
        today: time::Date,
    ) -> Result<Vec<CredentialRecord>> {
        scope.require(Permission::PersonWrite)?;
        self.write(|tx| {
            let (c, year) = super::cases::load(tx, scope.office_id(), case)?;
            let view = super::cases::view(tx, c, year)?;
            grant(tx, ctx, &view, country, today)
        })
    }

    fn person_credentials(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
    ) -> Result<Vec<CredentialRecord>> {
        scope.require(Permission::PersonRead)?;
        self.write(|tx| {
            person_in_scope(tx, scope, person)?;
            let rows = tx.query(
                &format!("SELECT {CRED_COLS} FROM credentials c WHERE c.person_id = $1 ORDER BY c.issued_at DESC, c.id"),
                params![person.to_string()],
            )?;
            audit::log(tx, ctx, "credential.list", "person", person)?;
            all(rows, credential)
        })
    }

    fn get_credential(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: &str,
    ) -> Result<CredentialRecord> {
        scope.require(Permission::PersonRead)?;
        let id = credential_id(id)?;
        self.write(|tx| {
            let c = credential_by_id(tx, &id)?;
            person_in_scope(tx, scope, c.person_id)
                .map_err(|_| Error::not_found("credential.not_found"))?;
            audit::log(tx, ctx, "credential.read", "credential", &c.id)?;
            Ok(c)
        })
    }

    fn get_credential_of(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: &str,
        person: PersonId,
    ) -> Result<CredentialRecord> {
        scope.require(Permission::PersonRead)?;
        let id = credential_id(id)?;
        // The refusal is audited and committed, so the transaction answers `None` for it.
        let shown = self.write(|tx| {
            let found = match credential_by_id(tx, &id) {
                Ok(c) => Some(c),
                Err(e) if e.code == "credential.not_found" => None,
                Err(e) => return Err(e),
            };
            let theirs = match found {
                Some(c) if c.person_id == person && person_in_scope(tx, scope, person).is_ok() => {
                    Some(c)
                }
                _ => None,
            };
            let action = if theirs.is_some() {
                "credential.read"
            } else {
                "credential.read.refused"
            };
            audit::log(tx, ctx, action, "credential", &id)?;
            Ok(theirs)
        })?;
        shown.ok_or_else(|| Error::not_found("credential.not_found"))
    }

    fn credential_revoked(&self, id: &str) -> Result<Option<bool>> {
        let Ok(id) = credential_id(id) else {
            return Ok(None);
        };
        self.read(|tx| {
            tx.query_opt(
                "SELECT revoked_at IS NOT NULL FROM credentials WHERE id = $1",
                params![id],
            )?
            .map(|r| r.bool(0))
            .transpose()
        })
    }

    fn revoke_credential(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        id: &str,
        reason: &str,
    ) -> Result<CredentialRecord> {
        if reach.permission() != Permission::CredentialRevoke {
            return Err(Error::forbidden("auth.forbidden"));
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(Error::invalid("credential.reason.invalid").with_field("reason"));
        }
        let id = credential_id(id)?;
        let now = self.now();
        self.write(|tx| {
            let c = credential_by_id(tx, &id)?;
            if reach.office_id().is_some_and(|o| o != c.office_id) {
                return Err(Error::not_found("credential.not_found"));
            }
            if c.revoked_at.is_some() {
                return Err(Error::conflict("credential.revoked"));
            }
            revoke(tx, ctx, &id, reason, now)
        })
    }

    fn revoked_since(&self, since: u64, now: OffsetDateTime) -> Result<(u64, Vec<String>)> {
        self.read(|tx| {
            let version = list_version(tx, rotate_keys::STATUS_LIST)?;
            let rows = if since == 0 {
                tx.query(
                    "SELECT id FROM credentials WHERE status_version IS NOT NULL AND expires >= $1 ORDER BY id",
                    params![truncate_ms(now)],
                )?
            } else {
                tx.query(
                    "SELECT id FROM credentials WHERE status_version > $1 ORDER BY id",
                    params![i64::try_from(since).unwrap_or(i64::MAX)],
                )?
            };
            Ok((version, all(rows, |r| r.text(0))?))
        })
    }

    fn create_share_code(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        new: &NewShareCode,
    ) -> Result<ShareCode> {
        scope.require(Permission::PersonWrite)?;
        let now = self.now();
        self.write(|tx| {
            person_in_scope(tx, scope, new.person_id)?;
            // The credential named in the body is not the resource addressed: a well-formed id
            // this person has no credential for is a refusal (409), not a missing page.
            let unknown = || Error::conflict("share.credential.unknown").with_field("credential_id");
            let c = credential_by_id(tx, &new.credential_id).map_err(|e| {
                if e.code == "credential.not_found" { unknown() } else { e }
            })?;
            if c.person_id != new.person_id {
                return Err(unknown());
            }
            if c.revoked_at.is_some() {
                return Err(Error::conflict("credential.revoked"));
            }
            let id = ShareCodeId::new();
            tx.exec(
                "INSERT INTO share_codes (id, code_hash, manage_hash, person_id, credential_id, verifier, created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                params![
                    id.to_string(),
                    new.code_hash.as_str(),
                    new.manage_hash.as_str(),
                    new.person_id.to_string(),
                    c.id.as_str(),
                    new.verifier.code(),
                    now,
                    ctx.actor.as_str(),
                    truncate_ms(new.expires_at)
                ],
            )
            .map_err(|e| e.into_error("share.code.taken"))?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("share.create", "person", new.person_id).with_details(
                    serde_json::json!({ "share": id.to_string(), "credential": c.id, "verifier": new.verifier.code() }),
                ),
            )?;
            one_share(tx, "s.id = $1", id.to_string())
        })
    }

    fn share_codes(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
    ) -> Result<Vec<ShareCode>> {
        scope.require(Permission::PersonRead)?;
        self.write(|tx| {
            person_in_scope(tx, scope, person)?;
            let rows = tx.query(
                &format!("SELECT {SHARE_COLS} FROM share_codes s WHERE s.person_id = $1 ORDER BY s.created_at DESC, s.id DESC"),
                params![person.to_string()],
            )?;
            audit::log(tx, ctx, "share.list", "person", person)?;
            rows.iter().map(|r| share(tx, r)).collect()
        })
    }

    fn share_code_by_manage(&self, ctx: &AuditCtx, manage_hash: &str) -> Result<ShareCode> {
        self.write(|tx| {
            let s = one_share(tx, "s.manage_hash = $1", manage_hash.to_owned())?;
            audit::log(tx, ctx, "share.holder_read", "share", s.id)?;
            Ok(s)
        })
    }

    fn cancel_share_code(
        &self,
        ctx: &AuditCtx,
        id: ShareCodeId,
        access: &ShareAccess,
    ) -> Result<ShareCode> {
        let now = self.now();
        self.write(|tx| {
            let s = one_share(tx, "s.id = $1", id.to_string())?;
            match access {
                ShareAccess::Office(scope) => {
                    scope.require(Permission::PersonWrite)?;
                    person_in_scope(tx, scope, s.person_id)
                        .map_err(|_| Error::not_found("share.not_found"))?;
                }
                ShareAccess::Holder(hash) => {
                    let ok = tx
                        .query_opt(
                            "SELECT 1 FROM share_codes WHERE id = $1 AND manage_hash = $2",
                            params![id.to_string(), hash.as_str()],
                        )?
                        .is_some();
                    if !ok {
                        return Err(Error::not_found("share.not_found"));
                    }
                }
            }
            if s.cancelled_at.is_some() {
                return Err(Error::conflict("share.code.cancelled"));
            }
            tx.exec(
                "UPDATE share_codes SET cancelled_at = $1 WHERE id = $2",
                params![now, id.to_string()],
            )?;
            audit::log(tx, ctx, "share.cancel", "share", id)?;
            one_share(tx, "s.id = $1", id.to_string())
        })
    }

    fn share_code_for_check(&self, code_hash: &str, now: OffsetDateTime) -> Result<ShareAttempt> {
        self.write(|tx| {
            // Reserve the attempt before anything is compared: a usable code's failure count
            // goes up now (a shown check resets it), so parallel guesses cannot pass the lock.
            let reserved = tx.exec(
                "UPDATE share_codes SET failures = failures + 1 WHERE code_hash = $1 AND cancelled_at IS NULL AND expires_at >= $2 AND failures < $3",
                params![code_hash, truncate_ms(now), i64::from(SHARE_MAX_FAILURES)],
            )?;
            let mut s = one_share(tx, "s.code_hash = $1", code_hash.to_owned())?;
            // The code as it was before this attempt (a refused one was not changed).
            if reserved == 1 {
                s.failures = s.failures.saturating_sub(1);
            }
            let p = tx.query_one(
                "SELECT birth_date, birth_date_precision FROM persons WHERE id = $1",
                params![s.person_id.to_string()],
            )?;
            let birth = match (p.opt_text(0)?, p.opt_text(1)?) {
                (Some(d), Some(prec)) => Some((d, prec)),
                _ => None,
            };
            let c = credential_by_id(tx, &s.credential_id)?;
            Ok(ShareAttempt {
                share: s,
                birth,
                credential: c,
            })
        })
    }

    fn record_share_check(
        &self,
        ctx: &AuditCtx,
        id: ShareCodeId,
        check: &ShareCheck,
    ) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO share_checks (id, share_id, at, verifier, verifier_name, outcome) VALUES ($1, $2, $3, $4, $5, $6)",
                params![
                    ulid::Ulid::new().to_string(),
                    id.to_string(),
                    truncate_ms(check.at),
                    check.verifier.code(),
                    check.verifier_name.as_str(),
                    check.outcome.as_str()
                ],
            )?;
            // Failures were counted when the attempt was reserved; a check past a right birth
            // date (shown, or refused for the verifier type or a revoked credential) ends the
            // run of wrong ones.
            if matches!(check.outcome.as_str(), "shown" | "verifier_mismatch" | "revoked") {
                tx.exec(
                    "UPDATE share_codes SET failures = 0 WHERE id = $1",
                    params![id.to_string()],
                )?;
            }
            if check.outcome == "shown" {
                let person = tx
                    .query_one(
                        "SELECT person_id FROM share_codes WHERE id = $1",
                        params![id.to_string()],
                    )?
                    .text(0)?;
                audit::append(
                    tx,
                    ctx,
                    &AuditEvent::new("share.check", "person", person).with_details(
                        serde_json::json!({ "share": id.to_string(), "verifier": check.verifier.code(), "name": check.verifier_name }),
                    ),
                )?;
            }
            Ok(())
        })
    }
}
