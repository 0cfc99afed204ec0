//! Records behind signed credentials (issue 6): issuer keys (sealed private halves), issued
//! credentials with their revocation, and holder-consented share codes with the log of every
//! check. The signing and the wire format live in `daftar-credential`; this module holds what
//! is stored and the pure rules around it (which fields a credential carries, how long it lasts,
//! share-code syntax).

use crate::code_enum;
use crate::ids::{CaseId, OfficeId, PersonId, ShareCodeId};
use crate::person::Person;
use crate::service::CredentialKind;
use crate::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;

code_enum!(
    /// What a key is for.
    KeyRole, error = "key.role.invalid", field = "role",
    {
        /// Signs the trust list and the status list; verifiers pin its public key.
        Root = "root",
        /// Signs credentials.
        Issuer = "issuer",
    }
);

code_enum!(
    /// Where a key is in its life.
    KeyState, error = "key.state.invalid", field = "state",
    {
        /// Signs (one per role).
        Active = "active",
        /// Rotated out: no longer signs, still in the trust list so what it signed verifies.
        VerifyOnly = "verify_only",
        /// Out of the trust list: what it signed no longer verifies.
        Retired = "retired",
    }
);

code_enum!(
    /// Who a share code is for.
    VerifierType, error = "share.verifier.invalid", field = "verifier",
    {
        /// An employer checking the right to work.
        Employer = "employer",
        /// A school enrolling a child.
        School = "school",
        /// A bank opening an account.
        Bank = "bank",
        /// Police checking an identity.
        Police = "police",
        /// Another daftar office, where the holder asks for their record's access log ("who
        /// saw my record", issue 20.5): checked only by the signed-in staff of an office.
        Office = "office",
    }
);

impl VerifierType {
    /// The purpose profile this verifier type sees (`daftar_credential::profile`): an office
    /// of the authority sees the full credential.
    pub fn purpose(self) -> &'static str {
        match self {
            Self::Office => "full",
            other => other.code(),
        }
    }
}

/// A signing key as stored. The private half is sealed (encrypted with the key from the
/// configuration) and never leaves the key ring unsealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IssuerKey {
    /// Key id: hex of the first 4 bytes of the public key.
    pub kid: String,
    /// Root or issuer.
    #[schema(value_type = String)]
    pub role: KeyRole,
    /// Public key, hex (32 bytes).
    pub public_key: String,
    /// Sealed private key (nonce and ciphertext).
    #[serde(skip)]
    pub sealed: Vec<u8>,
    /// State.
    #[schema(value_type = String)]
    pub state: KeyState,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Retired or rotated out.
    #[serde(with = "time::serde::rfc3339::option")]
    pub changed_at: Option<OffsetDateTime>,
}

/// A credential to store (the signature is made when its QR is drawn, with the active key, for
/// the purpose asked; every QR of one credential carries the same id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCredential {
    /// 8 random bytes, hex (16 characters): the `cti` claim and the key of revocation.
    pub id: String,
    /// Holder.
    pub person_id: PersonId,
    /// The case it was issued for.
    pub case_id: Option<CaseId>,
    /// Issuing office.
    pub office_id: OfficeId,
    /// Issuer claim: country and office code, `IR/THR-01`.
    pub issuer: String,
    /// Type.
    pub kind: CredentialKind,
    /// Not valid before.
    pub not_before: OffsetDateTime,
    /// Not valid after.
    pub expires: OffsetDateTime,
    /// Every claim it may disclose, by name.
    pub fields: BTreeMap<String, String>,
}

/// A stored credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CredentialRecord {
    /// Id (hex of the 8-byte `cti`).
    pub id: String,
    /// Holder.
    pub person_id: PersonId,
    /// The case it was issued for.
    pub case_id: Option<CaseId>,
    /// Issuing office.
    pub office_id: OfficeId,
    /// Issuer claim (`IR/THR-01`).
    pub issuer: String,
    /// Type.
    #[schema(value_type = String)]
    pub kind: CredentialKind,
    /// Issued.
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// Not valid before.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// Not valid after.
    #[serde(with = "time::serde::rfc3339")]
    pub expires: OffsetDateTime,
    /// Claims by name.
    pub fields: BTreeMap<String, String>,
    /// When it was revoked.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// Why (free text of the revoking officer).
    pub revoke_reason: Option<String>,
}

impl CredentialRecord {
    /// The 8-byte id.
    pub fn cti(&self) -> Vec<u8> {
        hex::decode(&self.id).unwrap_or_default()
    }
}

/// The number `daftar-credential` gives a kind (`None` for letters, which carry no credential).
pub fn wire_kind(kind: CredentialKind) -> Option<u8> {
    Some(match kind {
        CredentialKind::RegistrationCard => 1,
        CredentialKind::WorkPermit => 2,
        CredentialKind::TravelPermit => 3,
        CredentialKind::ExitPermit => 4,
        CredentialKind::Letter => return None,
    })
}

/// Days a credential of `kind` lasts when the service does not say.
pub fn default_valid_days(kind: CredentialKind) -> u32 {
    match kind {
        CredentialKind::RegistrationCard | CredentialKind::WorkPermit => 365,
        CredentialKind::TravelPermit | CredentialKind::ExitPermit | CredentialKind::Letter => 30,
    }
}

/// What the case granting a credential says, beyond the person: how long it lasts, whether it
/// allows work and whom it names as employer. Built from the service definition the case was
/// opened under and the case itself ([`Grant::for_case`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Last day the credential is valid.
    pub valid_until: time::Date,
    /// Claim `work_allowed`: the service's `work_allowed`.
    pub work_allowed: bool,
    /// Claim `employer`: the employer the case recorded ([`crate::case::Employer::claim`]).
    pub employer: Option<String>,
}

impl Grant {
    /// What a case of `def` with `employer` grants, issued on `today`: valid for the service's
    /// `credential_days` (or the kind's default), work allowed as the service says, the
    /// employer as the case recorded it.
    pub fn for_case(
        def: &crate::service::ServiceDef,
        employer: Option<&crate::case::Employer>,
        today: time::Date,
    ) -> Self {
        let days = def
            .credential_days
            .or_else(|| def.credential.map(default_valid_days))
            .unwrap_or(30);
        Self {
            valid_until: today + time::Duration::days(i64::from(days)),
            work_allowed: def.allows_work(),
            employer: employer.map(crate::case::Employer::claim),
        }
    }

    /// A credential of `kind` issued without a case (demo data, tests): work allowed by the
    /// kind's default (a work permit only), no employer.
    pub fn without_case(kind: CredentialKind, valid_until: time::Date) -> Self {
        Self {
            valid_until,
            work_allowed: kind == CredentialKind::WorkPermit,
            employer: None,
        }
    }
}

/// Every claim a credential of `kind` for `person` carries, as `grant` says (validity, work,
/// employer). `card_no` is the registry number; `school_age` is counted at `today`. Which of
/// them a QR shows is the purpose profile's choice (`daftar_credential::profile`).
pub fn claims_for(
    person: &Person,
    kind: CredentialKind,
    grant: &Grant,
    today: time::Date,
) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    let mut put = |k: &str, v: &str| {
        if !v.trim().is_empty() {
            f.insert(k.to_owned(), v.trim().to_owned());
        }
    };
    put("given_name", &person.given_name);
    put("family_name", &person.family_name);
    put("father_name", &person.father_name);
    // With the precision the registry holds (a year stays a year), never a made-up day.
    let birth = person
        .birth()
        .map(|b| b.claim())
        .or_else(|| person.birth_date.clone())
        .unwrap_or_default();
    put("birth_date", &birth);
    put("sex", person.sex.code());
    put("nationality", &person.nationality);
    put("status", person.status.code());
    put("card_no", &person.registry_no);
    put("valid_until", &crate::jalali::iso_day(grant.valid_until));
    put("given_name_latin", &person.given_name_latin);
    put("family_name_latin", &person.family_name_latin);
    put("province", &person.province);
    put(
        "work_allowed",
        if grant.work_allowed { "yes" } else { "no" },
    );
    // Only a work permit names an employer (the catalog allows `requires_employer` for no
    // other kind); the purpose profile decides where it is shown.
    if kind == CredentialKind::WorkPermit
        && let Some(employer) = &grant.employer
    {
        put("employer", employer);
    }
    let age = person
        .birth()
        .map(|b| today.year() - b.start.year())
        .unwrap_or(99);
    put(
        "school_age",
        if (6..=18).contains(&age) { "yes" } else { "no" },
    );
    f
}

/// A share code as stored (the code itself is kept only as a hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ShareCode {
    /// Id.
    pub id: ShareCodeId,
    /// Holder.
    pub person_id: PersonId,
    /// The credential it shows.
    pub credential_id: String,
    /// Who may check it.
    #[schema(value_type = String)]
    pub verifier: VerifierType,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last moment it works.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Cancelled by the holder or at an office.
    #[serde(with = "time::serde::rfc3339::option")]
    pub cancelled_at: Option<OffsetDateTime>,
    /// Wrong birth dates entered in a row.
    pub failures: u32,
    /// Every check, newest first.
    pub checks: Vec<ShareCheck>,
}

impl ShareCode {
    /// Locked after [`SHARE_MAX_FAILURES`] wrong birth dates.
    pub fn locked(&self) -> bool {
        self.failures >= SHARE_MAX_FAILURES
    }
    /// `share.code.cancelled`, `share.code.expired`, `share.code.locked`, or fine.
    pub fn usable(&self, now: OffsetDateTime) -> Result<()> {
        if self.cancelled_at.is_some() {
            Err(Error::conflict("share.code.cancelled"))
        } else if now > self.expires_at {
            Err(Error::conflict("share.code.expired"))
        } else if self.locked() {
            Err(Error::conflict("share.code.locked"))
        } else {
            Ok(())
        }
    }
}

/// One check of a share code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ShareCheck {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Verifier type the checker declared.
    #[schema(value_type = String)]
    pub verifier: VerifierType,
    /// Name the checker gave (organisation).
    pub verifier_name: String,
    /// `shown`, `birth_date_wrong`, `verifier_mismatch`, `revoked` (the credential), or
    /// `refused` (the code is cancelled, expired or locked).
    pub outcome: String,
}

/// A check of a share code under way: the code as it was before this attempt, the holder's
/// stored birth date (ISO and precision code) and the credential the code shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareAttempt {
    /// The code.
    pub share: ShareCode,
    /// Birth date as stored, with its precision (`day`, `month`, `year`).
    pub birth: Option<(String, String)>,
    /// The credential.
    pub credential: CredentialRecord,
}

/// A share code to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShareCode {
    /// SHA-256 (hex) of the normalised code.
    pub code_hash: String,
    /// SHA-256 (hex) of the holder's management token.
    pub manage_hash: String,
    /// Holder.
    pub person_id: PersonId,
    /// Credential shown.
    pub credential_id: String,
    /// Verifier type.
    pub verifier: VerifierType,
    /// Last moment it works.
    pub expires_at: OffsetDateTime,
}

/// Longest a share code may last.
pub const SHARE_MAX_DAYS: i64 = 90;
/// Wrong birth dates that lock a code.
pub const SHARE_MAX_FAILURES: u32 = 5;
/// Alphabet of share codes (Crockford base32: no I, L, O, U).
pub const SHARE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a share code (10 × 5 bits = 50 bits).
pub const SHARE_LEN: usize = 10;

/// A share code as typed: case, spaces, dashes and Persian digits do not matter, and the letters
/// Crockford base32 leaves out are read as the digits they look like (`O` → 0, `I`/`L` → 1).
/// `share.code.invalid` when it cannot be a code.
pub fn normalize_share_code(typed: &str) -> Result<String> {
    let mut out = String::with_capacity(SHARE_LEN);
    for c in crate::digits::fold_digits(typed).chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' | '\u{200c}' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !SHARE_ALPHABET.contains(&(c as u8)) || !c.is_ascii() {
            return Err(Error::invalid("share.code.invalid").with_field("code"));
        }
        out.push(c);
    }
    if out.len() != SHARE_LEN {
        return Err(Error::invalid("share.code.invalid").with_field("code"));
    }
    Ok(out)
}

/// A code for display: `ABCDE-FGHJK`.
pub fn format_share_code(code: &str) -> String {
    if code.len() == SHARE_LEN {
        format!("{}-{}", &code[..5], &code[5..])
    } else {
        code.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn holder() -> Person {
        Person {
            id: PersonId::new(),
            office_id: OfficeId::new(),
            registry_no: "THR01-1405-000001".into(),
            given_name: "کریم".into(),
            family_name: "احمدی".into(),
            father_name: "محمد".into(),
            grandfather_name: String::new(),
            given_name_latin: String::new(),
            family_name_latin: String::new(),
            birth_date: Some("1990-03-21".into()),
            birth_date_precision: Some(crate::birth::DatePrecision::Day),
            sex: crate::person::Sex::Male,
            nationality: "AFG".into(),
            phone: String::new(),
            province: String::new(),
            district: String::new(),
            address: String::new(),
            status: crate::person::PersonStatus::Registered,
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    /// Issue 15.5: the claims say what the case and its service say, not a constant per kind.
    #[test]
    fn claims_follow_the_grant() {
        let today = time::macros::date!(2026 - 05 - 01);
        let def = crate::service::fixtures::one_service;
        let employer = crate::case::Employer::parse("شرکت ساختمانی البرز", "10101234567").unwrap();
        // A work permit names the employer of its case and allows work.
        let permit = def("work_permit", "");
        let grant = Grant::for_case(&permit, Some(&employer), today);
        assert_eq!(grant.valid_until, today + time::Duration::days(365));
        let f = claims_for(&holder(), CredentialKind::WorkPermit, &grant, today);
        assert_eq!(
            f.get("employer").map(String::as_str),
            Some("شرکت ساختمانی البرز (10101234567)")
        );
        assert_eq!(f["work_allowed"], "yes");
        // A card says what its service says: no by default, yes when the catalog says so.
        let card = def("registration_card", "");
        let f = claims_for(
            &holder(),
            CredentialKind::RegistrationCard,
            &Grant::for_case(&card, None, today),
            today,
        );
        assert_eq!(f["work_allowed"], "no");
        assert!(!f.contains_key("employer"));
        let working = def(
            "registration_card",
            "work_allowed = true\ncredential_days = 90",
        );
        let grant = Grant::for_case(&working, None, today);
        assert_eq!(grant.valid_until, today + time::Duration::days(90));
        let f = claims_for(&holder(), CredentialKind::RegistrationCard, &grant, today);
        assert_eq!(f["work_allowed"], "yes");
        // Only a work permit carries an employer, whatever a grant holds.
        let f = claims_for(
            &holder(),
            CredentialKind::RegistrationCard,
            &Grant::for_case(&working, Some(&employer), today),
            today,
        );
        assert!(!f.contains_key("employer"));
    }

    #[test]
    fn share_codes_read_the_way_people_type_them() {
        assert_eq!(normalize_share_code("abcde-fghjk").unwrap(), "ABCDEFGHJK");
        assert_eq!(normalize_share_code(" 0O1IL 23456 ").unwrap(), "0011123456");
        assert_eq!(normalize_share_code("۰۱۲۳۴۵۶۷۸۹").unwrap(), "0123456789");
        for bad in [
            "",
            "ABCDE",
            "ABCDE-FGHJKM",
            "ABCDE-FGHJ!",
            "ABCDE-FGHJU",
            "سلامسلامسلام",
        ] {
            assert_eq!(
                normalize_share_code(bad).unwrap_err().code,
                "share.code.invalid",
                "{bad}"
            );
        }
        assert_eq!(format_share_code("ABCDEFGHJK"), "ABCDE-FGHJK");
    }
}
