//! Issuing and signing: the credentials an approved case grants (one per approved member, safe
//! to repeat), the signed text of a credential for one purpose, its QR code, and the online
//! verdict (trust list and revocations from the store).

use crate::keyring::KeyRing;
use daftar_credential::lists::verify_with_status;
use daftar_credential::{Claims, FormatError, Kind, Verdict};
use daftar_domain::audit::AuditCtx;
use daftar_domain::case::CaseView;
use daftar_domain::credential::{CredentialRecord, Grant, NewCredential, claims_for, wire_kind};
use daftar_domain::permission::OfficeScope;
use daftar_domain::store::Store;
use daftar_domain::workflow::{CaseState, MemberOutcome};
use daftar_domain::{Error, Result};
use rand::RngCore;
use time::OffsetDateTime;

/// Issues the credentials an approved case grants: one for every approved member (for a person
/// case, the applicant). Nothing for cases that are not approved or services without a
/// credential (letters carry none). Repeating the call returns the same credentials.
pub fn for_case(
    store: &dyn Store,
    ctx: &AuditCtx,
    scope: &OfficeScope,
    view: &CaseView,
    country: &str,
    today: time::Date,
) -> Result<Vec<CredentialRecord>> {
    let Some(kind) = view.definition.credential else {
        return Ok(vec![]);
    };
    if view.case.state != CaseState::Approved || wire_kind(kind).is_none() {
        return Ok(vec![]);
    }
    let mut people: Vec<_> = view
        .members
        .iter()
        .filter(|m| m.outcome == MemberOutcome::Approved)
        .map(|m| m.person_id)
        .collect();
    if view.members.is_empty() {
        people.push(view.case.person_id);
    }
    let office = store.get_office(view.case.office_id)?;
    let now = OffsetDateTime::now_utc();
    // What the case grants: validity and work as its service version says, the employer it
    // recorded.
    let grant = Grant::for_case(&view.definition, view.case.employer.as_ref(), today);
    let until = grant.valid_until;
    let mut new = Vec::with_capacity(people.len());
    for p in people {
        let person = store.get_person(ctx, scope, p)?.person;
        let mut id = [0u8; 8];
        rand::rng().fill_bytes(&mut id);
        new.push(NewCredential {
            id: hex::encode(id),
            person_id: p,
            case_id: Some(view.case.id),
            office_id: office.id,
            issuer: format!("{country}/{}", office.code.as_str()),
            kind,
            not_before: now,
            expires: until
                .with_hms(23, 59, 59)
                .map(|t| t.assume_utc())
                .unwrap_or(now),
            fields: claims_for(&person, kind, &grant, today),
        });
    }
    store.issue_credentials(ctx, &new)
}

/// The wire type of a stored credential (`None` for letters, which carry none).
pub fn kind_of(rec: &CredentialRecord) -> Option<Kind> {
    wire_kind(rec.kind).and_then(|n| Kind::from_number(u64::from(n)))
}

/// The signed text of `rec` for `purpose` (only the claims that purpose allows), signed with the
/// active issuer key. `credential.purpose.invalid` when the kind is not shown for it.
pub fn signed_text(
    store: &dyn Store,
    keys: &KeyRing,
    rec: &CredentialRecord,
    purpose: &str,
) -> Result<String> {
    let kind = kind_of(rec).ok_or_else(|| Error::invalid("credential.kind.invalid"))?;
    let fields = daftar_credential::select(kind, purpose, &rec.fields)
        .map_err(|e| format_error(e).with_field("purpose"))?;
    let claims = Claims {
        issuer: rec.issuer.clone(),
        // Never the registry number: the purpose profile alone decides which identifying
        // fields a QR shows (`card_no` only where it lists it). The credential's own opaque id
        // is `cti`; `sub` stays empty (format §3) and costs no QR version.
        subject: String::new(),
        id: rec.cti(),
        kind,
        purpose: purpose.to_owned(),
        issued_at: rec.issued_at.unix_timestamp(),
        not_before: rec.not_before.unix_timestamp(),
        expires: rec.expires.unix_timestamp(),
        fields,
    };
    daftar_credential::issue(&claims, &keys.issuer(store)?).map_err(format_error)
}

/// A format error as a daftar error (422 with the format's stable code).
pub fn format_error(e: FormatError) -> Error {
    Error::invalid(e.code)
}

/// Pixels a module of the QR code on screen: a 1× screenshot of the card page keeps whole,
/// sharp modules a phone or `daftar verify --image` reads (at 240 px for the whole symbol a
/// module was 1.7 px once scaled to the card, and unreadable). In print the stylesheet sizes the
/// symbol to 48 mm: ≥ 0.5 mm a module up to version 17, the largest profile.
pub const QR_MODULE_PX: u32 = 3;

/// The QR code of a credential text at error correction Q, as inline SVG (the matrix from
/// `daftar_credential::qr_matrix`, the same the benchmark times), [`QR_MODULE_PX`] a module.
pub fn qr_svg(text: &str) -> Result<String> {
    let m = daftar_credential::qr_matrix(text).map_err(format_error)?;
    Ok(
        qrcode::render::Renderer::<qrcode::render::svg::Color<'_>>::new(m.colors(), m.width(), 4)
            .module_dimensions(QR_MODULE_PX, QR_MODULE_PX)
            .build(),
    )
}

/// Checks a credential text online: keys from the trust list in force, revocation from the
/// store (immediate).
pub fn verify_online(
    store: &dyn Store,
    keys: &KeyRing,
    text: &str,
    now: OffsetDateTime,
) -> Result<std::result::Result<Verdict, FormatError>> {
    let trust = keys.trust(store)?;
    let mut failed = None;
    let verdict = verify_with_status(
        text,
        &trust,
        |cti| match store.credential_revoked(&hex::encode(cti)) {
            Ok(r) => r == Some(true),
            Err(e) => {
                failed = Some(e);
                false
            }
        },
        now.unix_timestamp(),
    );
    match failed {
        Some(e) => Err(e),
        None => Ok(verdict),
    }
}
