//! Credentials that anyone can verify offline (issue 6, first part: the format).
//!
//! A credential is a CWT claims set (CBOR, deterministic encoding) signed as a COSE_Sign1 with
//! Ed25519 (`alg` EdDSA and the issuer key's `kid` in the protected header), tagged, encoded in
//! base45 and prefixed with `DF1:` (format version 1). Every character of the result is in the
//! QR alphanumeric set, so the QR code is small. The exact layout is in
//! `docs/credential-format.md`. Verification needs only the text and a list of trusted public
//! keys; every failure is a [`Verdict`] or a [`FormatError`] with a stable code, never a panic.

use ciborium::value::{Integer, Value};
use coset::{
    CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana,
};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use std::collections::BTreeMap;

pub mod lists;
mod qr;
pub mod scan;
pub mod sealing;

pub use qr::{QR_EC_LEVEL, QrMatrix, qr_matrix};

/// Prefix of format version 1.
pub const PREFIX: &str = "DF1:";
/// Length of a credential id (`cti`) in bytes; any other length is refused.
pub const CTI_LEN: usize = 8;
/// Longest credential text accepted (a version-40 QR code holds less).
pub const MAX_TEXT: usize = 4_296;

/// CWT claim keys (RFC 8392) and daftar's private ones (negative, below -65536).
pub mod claim {
    /// Issuer (text): the authority's country code and office, `IR/THR-01`.
    pub const ISS: i64 = 1;
    /// Subject (text): always empty in format version 1; the holder is identified only by the
    /// fields the purpose profile discloses, the credential by [`CTI`].
    pub const SUB: i64 = 2;
    /// Expiry (seconds since 1970).
    pub const EXP: i64 = 4;
    /// Not before.
    pub const NBF: i64 = 5;
    /// Issued at.
    pub const IAT: i64 = 6;
    /// Credential id (bytes), for revocation.
    pub const CTI: i64 = 7;
    /// Credential type (unsigned integer, [`super::Kind`]).
    pub const KIND: i64 = -65537;
    /// Purpose profile (text) that selected the claims.
    pub const PURPOSE: i64 = -65538;
    /// The disclosed claims (map of text to text).
    pub const FIELDS: i64 = -65539;
}

/// The claims a credential can disclose, with the small integer each is encoded as (text keys
/// would cost a QR version or more). Unknown names cannot be issued; unknown numbers are
/// refused on reading.
pub const FIELDS: [(u8, &str); 16] = [
    (1, "given_name"),
    (2, "family_name"),
    (3, "father_name"),
    (4, "birth_date"),
    (5, "sex"),
    (6, "nationality"),
    (7, "status"),
    (8, "card_no"),
    (9, "valid_until"),
    (10, "work_allowed"),
    (11, "employer"),
    (12, "province"),
    (13, "school_age"),
    (14, "given_name_latin"),
    (15, "family_name_latin"),
    (16, "amount_rials"),
];

/// Purposes a verifier may have.
pub const PURPOSES: [&str; 5] = ["employer", "school", "police", "bank", "full"];

/// Credential types, for listing.
pub const KINDS: [Kind; 5] = [
    Kind::RegistrationCard,
    Kind::WorkPermit,
    Kind::TravelPermit,
    Kind::ExitPermit,
    Kind::Receipt,
];

/// A holder with every field filled (Persian names, as they are usually long): the sample of
/// `daftar bench credentials` and of the size tests.
pub fn sample_fields() -> BTreeMap<String, String> {
    [
        ("given_name", "عبدالله"),
        ("family_name", "کریمی"),
        ("father_name", "غلام حیدر"),
        ("birth_date", "1991-08-03"),
        ("sex", "male"),
        ("nationality", "AFG"),
        ("status", "renewed"),
        ("card_no", "THR01-1403-000123"),
        ("valid_until", "2027-03-20"),
        ("work_allowed", "yes"),
        ("employer", "شرکت ساختمانی البرز"),
        ("province", "تهران"),
        ("school_age", "no"),
        ("given_name_latin", "ABDULLAH"),
        ("family_name_latin", "KARIMI"),
        ("amount_rials", "2500000"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

/// The fields a credential of `kind` carries for `purpose` (a purpose profile: only what that
/// verifier needs); `None` when the kind is not shown for that purpose.
pub fn profile(kind: Kind, purpose: &str) -> Option<&'static [&'static str]> {
    Some(match (kind, purpose) {
        (Kind::RegistrationCard, "employer") => &[
            "given_name",
            "family_name",
            "father_name",
            "birth_date",
            "nationality",
            "status",
            "card_no",
            "valid_until",
            "work_allowed",
        ],
        (Kind::RegistrationCard, "school") => &[
            "given_name",
            "family_name",
            "father_name",
            "birth_date",
            "status",
            "school_age",
            "valid_until",
        ],
        (Kind::RegistrationCard, "police") => &[
            "given_name",
            "family_name",
            "father_name",
            "birth_date",
            "nationality",
            "status",
            "card_no",
            "valid_until",
            "province",
        ],
        (Kind::RegistrationCard, "bank") => &[
            "given_name",
            "family_name",
            "father_name",
            "birth_date",
            "nationality",
            "card_no",
            "valid_until",
            "given_name_latin",
            "family_name_latin",
        ],
        (Kind::RegistrationCard, "full") => &[
            "given_name",
            "family_name",
            "father_name",
            "birth_date",
            "sex",
            "nationality",
            "status",
            "card_no",
            "valid_until",
            "work_allowed",
            "province",
            "given_name_latin",
            "family_name_latin",
        ],
        (Kind::WorkPermit, "employer") => &[
            "given_name",
            "family_name",
            "birth_date",
            "card_no",
            "employer",
            "valid_until",
            "work_allowed",
        ],
        (Kind::WorkPermit, "police") => &[
            "given_name",
            "family_name",
            "birth_date",
            "nationality",
            "card_no",
            "employer",
            "valid_until",
        ],
        (Kind::WorkPermit, "full") => &[
            "given_name",
            "family_name",
            "father_name",
            "birth_date",
            "nationality",
            "card_no",
            "employer",
            "valid_until",
            "work_allowed",
            "province",
        ],
        (Kind::TravelPermit, "police" | "full") => &[
            "given_name",
            "family_name",
            "father_name",
            "card_no",
            "province",
            "valid_until",
        ],
        (Kind::ExitPermit, "police" | "full") => &[
            "given_name",
            "family_name",
            "father_name",
            "birth_date",
            "nationality",
            "card_no",
            "valid_until",
        ],
        (Kind::Receipt, "full") => &["amount_rials"],
        _ => return None,
    })
}

/// Keeps only the fields `purpose` allows for `kind` (`credential.purpose.invalid` when the
/// kind is not shown for that purpose).
pub fn select(
    kind: Kind,
    purpose: &str,
    fields: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, FormatError> {
    let allowed = profile(kind, purpose).ok_or(bad("credential.purpose.invalid"))?;
    Ok(fields
        .iter()
        .filter(|(k, _)| allowed.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect())
}

fn field_number(name: &str) -> Option<u8> {
    FIELDS.iter().find(|(_, n)| *n == name).map(|(k, _)| *k)
}

fn field_name(number: u64) -> Option<&'static str> {
    FIELDS
        .iter()
        .find(|(k, _)| u64::from(*k) == number)
        .map(|(_, n)| *n)
}

/// Credential types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Registration card.
    RegistrationCard = 1,
    /// Work permit.
    WorkPermit = 2,
    /// Travel permit inside the country.
    TravelPermit = 3,
    /// Exit permit for voluntary return.
    ExitPermit = 4,
    /// Receipt of a payment.
    Receipt = 5,
}

impl Kind {
    /// From its number.
    pub fn from_number(n: u64) -> Option<Self> {
        Some(match n {
            1 => Self::RegistrationCard,
            2 => Self::WorkPermit,
            3 => Self::TravelPermit,
            4 => Self::ExitPermit,
            5 => Self::Receipt,
            _ => return None,
        })
    }

    /// The stable code of the type (`registration_card`, ...), as `daftar verify` and the
    /// verify API name it.
    pub fn code(self) -> &'static str {
        match self {
            Self::RegistrationCard => "registration_card",
            Self::WorkPermit => "work_permit",
            Self::TravelPermit => "travel_permit",
            Self::ExitPermit => "exit_permit",
            Self::Receipt => "receipt",
        }
    }
}

/// What a credential says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// Issuer, `IR/THR-01`.
    pub issuer: String,
    /// `sub`: always empty (never the registry number; see [`claim::SUB`]).
    pub subject: String,
    /// Credential id (8 bytes).
    pub id: Vec<u8>,
    /// Type.
    pub kind: Kind,
    /// Purpose profile, `employer`, `school`, `police`, `bank`, `full`.
    pub purpose: String,
    /// Issued at, not before, expires (seconds since 1970).
    pub issued_at: i64,
    /// Not valid before.
    pub not_before: i64,
    /// Not valid after.
    pub expires: i64,
    /// Disclosed claims, by name (`given_name`, `birth_date`, ...).
    pub fields: BTreeMap<String, String>,
}

/// A format error (the text is not a well-formed credential).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// Stable code, `credential.prefix.invalid`, ...
    pub code: &'static str,
}

fn bad(code: &'static str) -> FormatError {
    FormatError { code }
}

/// The result of checking a well-formed credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Signed by a trusted key and within its validity.
    Valid(Claims),
    /// Past its expiry.
    Expired(Claims),
    /// Before its start.
    NotYetValid(Claims),
    /// Signed with a key that is not in the trust list.
    UnknownIssuer,
    /// The signature does not match: changed after signing, or signed by another key.
    Tampered,
    /// Well signed, but its id is in the status list.
    Revoked(Claims),
}

impl Verdict {
    /// Stable code of the verdict.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Valid(_) => "valid",
            Self::Expired(_) => "expired",
            Self::NotYetValid(_) => "not_yet_valid",
            Self::UnknownIssuer => "unknown_issuer",
            Self::Tampered => "tampered",
            Self::Revoked(_) => "revoked",
        }
    }

    /// The claims, when the signature held.
    pub fn claims(&self) -> Option<&Claims> {
        match self {
            Self::Valid(c) | Self::Expired(c) | Self::NotYetValid(c) | Self::Revoked(c) => Some(c),
            Self::UnknownIssuer | Self::Tampered => None,
        }
    }
}

/// Trusted issuer keys by key id.
#[derive(Debug, Clone, Default)]
pub struct TrustList {
    keys: BTreeMap<Vec<u8>, VerifyingKey>,
}

impl TrustList {
    /// Adds a key under its id; another key with the same id is refused
    /// (`credential.kid.collision`).
    pub fn add(&mut self, kid: &[u8], key: VerifyingKey) -> Result<(), FormatError> {
        match self.keys.get(kid) {
            Some(k) if *k != key => Err(bad("credential.kid.collision")),
            _ => {
                self.keys.insert(kid.to_vec(), key);
                Ok(())
            }
        }
    }
}

/// The key id of a public key: its first 4 bytes (public, and unique enough among the handful of
/// issuer keys a trust list holds; a collision is refused when the list is built).
pub fn key_id(key: &VerifyingKey) -> Vec<u8> {
    key.as_bytes()[..4].to_vec()
}

fn int(n: i64) -> Value {
    Value::Integer(Integer::from(n))
}

/// The claims as deterministic CBOR (RFC 8949 §4.2.1: map keys sorted by their encoding, which
/// for integer keys means 1, 2, 4, 5, 6, 7, then -65537, -65538, -65539); disclosed fields
/// under their numbers in ascending order. Fails on a field name not in [`FIELDS`].
/// Refuses claims the format does not allow: a credential id is exactly CTI_LEN bytes, the
/// purpose one the format defines (a verifier cannot tell what an unknown purpose would
/// disclose), and `sub` empty (only the purpose profile's fields identify the holder).
fn claims_value(c: &Claims) -> Result<Value, FormatError> {
    if c.id.len() != CTI_LEN || !PURPOSES.contains(&c.purpose.as_str()) || !c.subject.is_empty() {
        return Err(bad("credential.claims.invalid"));
    }
    claims_map(c)
}

/// The claims as deterministic CBOR without the checks of [`claims_value`] (tests sign refused
/// claims with it).
fn claims_map(c: &Claims) -> Result<Value, FormatError> {
    let mut fields = c
        .fields
        .iter()
        .map(|(k, v)| Ok((field_number(k).ok_or(bad("credential.field.unknown"))?, v)))
        .collect::<Result<Vec<_>, FormatError>>()?;
    fields.sort_by_key(|(k, _)| *k);
    Ok(Value::Map(vec![
        (int(claim::ISS), Value::Text(c.issuer.clone())),
        (int(claim::SUB), Value::Text(c.subject.clone())),
        (int(claim::EXP), int(c.expires)),
        (int(claim::NBF), int(c.not_before)),
        (int(claim::IAT), int(c.issued_at)),
        (int(claim::CTI), Value::Bytes(c.id.clone())),
        (int(claim::KIND), int(c.kind as i64)),
        (int(claim::PURPOSE), Value::Text(c.purpose.clone())),
        (
            int(claim::FIELDS),
            Value::Map(
                fields
                    .into_iter()
                    .map(|(k, v)| (int(i64::from(k)), Value::Text(v.clone())))
                    .collect(),
            ),
        ),
    ]))
}

fn to_cbor(v: &Value) -> Vec<u8> {
    let mut out = vec![];
    // Writing into a Vec cannot fail.
    let _ = ciborium::into_writer(v, &mut out);
    out
}

/// Signs `claims` with `key` and returns the credential text (`credential.field.unknown` for a
/// field name not in [`FIELDS`]).
pub fn issue(claims: &Claims, key: &SigningKey) -> Result<String, FormatError> {
    let bytes = seal(to_cbor(&claims_value(claims)?), key)?;
    Ok(format!("{PREFIX}{}", base45::encode(&bytes)))
}

/// The tagged COSE_Sign1 of `payload` signed with `key` (EdDSA, `kid` in the protected
/// header): the envelope of credentials and of the trust and status lists.
fn seal(payload: Vec<u8>, key: &SigningKey) -> Result<Vec<u8>, FormatError> {
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(key_id(&key.verifying_key()))
        .build();
    CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(b"", |tbs| key.sign(tbs).to_bytes().to_vec())
        .build()
        .to_tagged_vec()
        .map_err(|_| bad("credential.cose.invalid"))
}

/// Reads a COSE_Sign1 (tagged or not; `malformed` when it is not one) whose protected header
/// names EdDSA (`credential.alg.refused` otherwise: nothing unprotected counts).
fn open_envelope(bytes: &[u8], malformed: &'static str) -> Result<CoseSign1, FormatError> {
    let sign1 = CoseSign1::from_tagged_slice(bytes)
        .or_else(|_| CoseSign1::from_slice(bytes))
        .map_err(|_| bad(malformed))?;
    if sign1.protected.header.alg
        != Some(coset::RegisteredLabelWithPrivate::Assigned(
            iana::Algorithm::EdDSA,
        ))
    {
        return Err(bad("credential.alg.refused"));
    }
    Ok(sign1)
}

/// Whether `key` made the signature of `sign1` (strict Ed25519).
fn signed_by(sign1: &CoseSign1, key: &VerifyingKey) -> bool {
    sign1
        .verify_signature(b"", |sig, tbs| {
            let sig = Signature::from_slice(sig).map_err(|_| ())?;
            key.verify_strict(tbs, &sig).map_err(|_| ())
        })
        .is_ok()
}

fn text(v: &Value) -> Result<String, FormatError> {
    v.as_text()
        .map(str::to_owned)
        .ok_or(bad("credential.claims.invalid"))
}

fn number(v: &Value) -> Result<i64, FormatError> {
    v.as_integer()
        .and_then(|i| i64::try_from(i).ok())
        .ok_or(bad("credential.claims.invalid"))
}

/// The claims of any payload, decoded as CBOR values and re-encoded for the determinism check.
fn decode_claims(payload: &[u8]) -> Result<Claims, FormatError> {
    let v: Value = ciborium::from_reader(payload).map_err(|_| bad("credential.claims.invalid"))?;
    let map = v.as_map().ok_or(bad("credential.claims.invalid"))?;
    let get = |k: i64| {
        map.iter()
            .find(|(key, _)| key.as_integer() == Some(Integer::from(k)))
            .map(|(_, v)| v)
            .ok_or(bad("credential.claims.invalid"))
    };
    let fields = get(claim::FIELDS)?
        .as_map()
        .ok_or(bad("credential.claims.invalid"))?
        .iter()
        .map(|(k, v)| {
            let n = k
                .as_integer()
                .and_then(|i| u64::try_from(i).ok())
                .and_then(field_name)
                .ok_or(bad("credential.field.unknown"))?;
            Ok((n.to_owned(), text(v)?))
        })
        .collect::<Result<BTreeMap<_, _>, FormatError>>()?;
    let claims = Claims {
        issuer: text(get(claim::ISS)?)?,
        subject: text(get(claim::SUB)?)?,
        id: get(claim::CTI)?
            .as_bytes()
            .cloned()
            .ok_or(bad("credential.claims.invalid"))?,
        kind: u64::try_from(number(get(claim::KIND)?)?)
            .ok()
            .and_then(Kind::from_number)
            .ok_or(bad("credential.kind.invalid"))?,
        purpose: text(get(claim::PURPOSE)?)?,
        issued_at: number(get(claim::IAT)?)?,
        not_before: number(get(claim::NBF)?)?,
        expires: number(get(claim::EXP)?)?,
        fields,
    };
    // `claims_value` refuses claims the format does not allow; then deterministic encoding
    // only: the same claims must encode to exactly these bytes.
    if to_cbor(&claims_value(&claims)?) != payload {
        return Err(bad("credential.cbor.noncanonical"));
    }
    Ok(claims)
}

/// RFC 9285 base45, strictly: every group must decode to a value its byte count can hold (a
/// final pair of characters worth more than 255, or a triple worth more than 65,535, is refused,
/// not truncated), so exactly one text encodes a given credential. The `base45` crate checks
/// triples but truncates a final pair; the bytes are canonical exactly when they encode back to
/// the same text (the encoding is a bijection onto the valid texts).
fn base45_strict(body: &str) -> Result<Vec<u8>, FormatError> {
    let bytes = base45::decode(body).map_err(|_| bad("credential.encoding.invalid"))?;
    if base45::encode(&bytes) != body {
        return Err(bad("credential.encoding.invalid"));
    }
    Ok(bytes)
}

/// Checks a credential text against `trust` at `now` (seconds since 1970). One path for every
/// input: `coset` reads the COSE_Sign1, the claims are decoded as CBOR values and re-encoded
/// for the determinism check (`docs/credential-format.md` §4).
pub fn verify(text: &str, trust: &TrustList, now: i64) -> Result<Verdict, FormatError> {
    let text = text.trim();
    if text.len() > MAX_TEXT {
        return Err(bad("credential.too_long"));
    }
    let body = text
        .strip_prefix(PREFIX)
        .ok_or(bad("credential.prefix.invalid"))?;
    let bytes = base45_strict(body)?;
    let claims = match verify_signed(&bytes, trust)? {
        Ok(claims) => claims,
        Err(verdict) => return Ok(verdict),
    };
    Ok(if now > claims.expires {
        Verdict::Expired(claims)
    } else if now < claims.not_before {
        Verdict::NotYetValid(claims)
    } else {
        Verdict::Valid(claims)
    })
}

/// The COSE_Sign1 bytes of a credential, decoded with `coset`: the claims when the signature
/// holds, the verdict when the issuer is unknown or the signature does not match.
fn verify_signed(bytes: &[u8], trust: &TrustList) -> Result<Result<Claims, Verdict>, FormatError> {
    let sign1 = open_envelope(bytes, "credential.cose.invalid")?;
    let Some(key) = trust.keys.get(&sign1.protected.header.key_id) else {
        return Ok(Err(Verdict::UnknownIssuer));
    };
    if !signed_by(&sign1, key) {
        return Ok(Err(Verdict::Tampered));
    }
    let payload = sign1
        .payload
        .as_deref()
        .ok_or(bad("credential.claims.invalid"))?;
    decode_claims(payload).map(Ok)
}

/// The QR version (1–40) the text needs at error correction level Q, if it fits at all: the
/// version of [`qr_matrix`]'s symbol, without building it.
pub fn qr_version(text: &str) -> Option<i16> {
    qr::version(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    /// Nine typical claims of a registration card for an employer check.
    fn card() -> Claims {
        let fields = [
            ("given_name", "عبدالله"),
            ("family_name", "کریمی"),
            ("father_name", "غلام حیدر"),
            ("birth_date", "1370-05-12"),
            ("nationality", "AFG"),
            ("status", "renewed"),
            ("card_no", "THR01-1403-000123"),
            ("valid_until", "1405-12-29"),
            ("work_allowed", "yes"),
        ];
        Claims {
            issuer: "IR/THR-01".into(),
            subject: String::new(),
            id: vec![7; 8],
            kind: Kind::RegistrationCard,
            purpose: "employer".into(),
            issued_at: 1_764_547_200,
            not_before: 1_764_547_200,
            expires: 1_795_996_800,
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    fn trust(k: &SigningKey) -> TrustList {
        let mut t = TrustList::default();
        t.add(&key_id(&k.verifying_key()), k.verifying_key())
            .unwrap();
        t
    }

    #[test]
    fn issued_credentials_verify_and_fit_a_small_qr() {
        let k = key(1);
        let text = issue(&card(), &k).unwrap();
        assert!(text.starts_with(PREFIX));
        assert!(
            text.chars()
                .all(|c| "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(c)),
            "QR alphanumeric only"
        );
        let now = card().issued_at + 10;
        assert_eq!(
            verify(&text, &trust(&k), now).unwrap(),
            Verdict::Valid(card())
        );
        let v = qr_version(&text).unwrap();
        eprintln!(
            "nine claims: {} characters, QR version {v} at level Q",
            text.len()
        );
        assert!(
            v <= 15,
            "nine claims need QR version {v} at level Q ({} chars)",
            text.len()
        );
        // A field the format does not know cannot be issued.
        let mut odd = card();
        odd.fields.insert("religion".into(), "x".into());
        assert_eq!(
            issue(&odd, &k).unwrap_err().code,
            "credential.field.unknown"
        );
    }

    #[test]
    fn every_failure_has_its_verdict_or_code() {
        let k = key(1);
        let text = issue(&card(), &k).unwrap();
        let t = trust(&k);
        let c = card();
        assert_eq!(verify(&text, &t, c.expires + 1).unwrap().code(), "expired");
        assert_eq!(
            verify(&text, &t, c.not_before - 1).unwrap().code(),
            "not_yet_valid"
        );
        assert_eq!(
            verify(&text, &trust(&key(2)), c.issued_at).unwrap(),
            Verdict::UnknownIssuer
        );
        // Another key under the trusted key's id: the signature does not match.
        let mut swapped = TrustList::default();
        swapped
            .add(&key_id(&k.verifying_key()), key(2).verifying_key())
            .unwrap();
        assert_eq!(
            swapped
                .add(&key_id(&k.verifying_key()), k.verifying_key())
                .unwrap_err()
                .code,
            "credential.kid.collision"
        );
        assert_eq!(
            verify(&text, &swapped, c.issued_at).unwrap(),
            Verdict::Tampered
        );
        // One claim changed after signing.
        let bytes = base45::decode(&text[PREFIX.len()..]).unwrap();
        let mut s = CoseSign1::from_tagged_slice(&bytes).unwrap();
        let mut changed = c.clone();
        changed.fields.insert("status".into(), "registered".into());
        s.payload = Some(to_cbor(&claims_value(&changed).unwrap()));
        let forged = format!("{PREFIX}{}", base45::encode(s.to_tagged_vec().unwrap()));
        assert_eq!(verify(&forged, &t, c.issued_at).unwrap(), Verdict::Tampered);
        // Algorithm confusion: anything but EdDSA is refused before any key is used.
        let mut s2 = CoseSign1::from_tagged_slice(&bytes).unwrap();
        s2.protected = coset::ProtectedHeader {
            original_data: None,
            header: HeaderBuilder::new()
                .algorithm(iana::Algorithm::ES256)
                .key_id(key_id(&k.verifying_key()))
                .build(),
        };
        let confused = format!("{PREFIX}{}", base45::encode(s2.to_tagged_vec().unwrap()));
        assert_eq!(
            verify(&confused, &t, c.issued_at).unwrap_err().code,
            "credential.alg.refused"
        );
        // Malformed texts.
        for (bad_text, code) in [
            ("HC1:ABC", "credential.prefix.invalid"),
            ("DF1:!!!", "credential.encoding.invalid"),
            ("DF1:", "credential.cose.invalid"),
            (&text[..text.len() / 2], "credential.encoding.invalid"),
        ] {
            let e = verify(bad_text, &t, c.issued_at).unwrap_err();
            assert!(
                e.code == code || e.code == "credential.cose.invalid",
                "{bad_text:.20}: {}",
                e.code
            );
        }
        let long = format!("{PREFIX}{}", "A".repeat(MAX_TEXT));
        assert_eq!(
            verify(&long, &t, 0).unwrap_err().code,
            "credential.too_long"
        );
    }

    #[test]
    fn a_cti_of_another_length_an_unknown_purpose_or_a_subject_is_refused() {
        let k = key(1);
        let now = card().issued_at;
        for c in [
            Claims {
                id: vec![7; 7],
                ..card()
            },
            Claims {
                id: vec![7; 16],
                ..card()
            },
            Claims {
                purpose: "neighbour".into(),
                ..card()
            },
            Claims {
                subject: "IR-1403-0012345".into(),
                ..card()
            },
        ] {
            assert_eq!(issue(&c, &k).unwrap_err().code, "credential.claims.invalid");
            // Signed anyway (by hand): refused on reading.
            let payload = to_cbor(&claims_map(&c).unwrap());
            let text = format!("{PREFIX}{}", base45::encode(seal(payload, &k).unwrap()));
            assert_eq!(
                verify(&text, &trust(&k), now).unwrap_err().code,
                "credential.claims.invalid"
            );
        }
    }

    #[test]
    fn base45_is_decoded_strictly() {
        let k = key(1);
        let t = trust(&k);
        // A one-byte tail: the last two characters are worth that byte (0..=255).
        let mut c = card();
        c.fields.insert("sex".into(), "male".into());
        let text = (0..4)
            .map(|i| {
                c.issuer = "IR/THR-0".to_owned() + &"1".repeat(i);
                issue(&c, &k).unwrap()
            })
            .find(|t| base45::decode(&t[PREFIX.len()..]).unwrap().len() % 2 == 1)
            .unwrap();
        let now = card().issued_at;
        assert!(matches!(verify(&text, &t, now), Ok(Verdict::Valid(_))));
        // Adding 256 to the tail's value (its second character + 6: 6 × 45 = 270 ≥ 256, and a
        // value over 255 cannot be a byte) gives texts a lax decoder truncates to the same bytes.
        const ALPHABET: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        let (head, tail) = text.split_at(text.len() - 2);
        let (c0, c1) = (tail.as_bytes()[0] as char, tail.as_bytes()[1] as char);
        let v = ALPHABET.find(c0).unwrap() + 45 * ALPHABET.find(c1).unwrap();
        let mut others = 0;
        for extra in 1..=44usize {
            let w = v + 256 * extra;
            if w >= 45 * 45 {
                break;
            }
            let other = format!(
                "{head}{}{}",
                &ALPHABET[w % 45..w % 45 + 1],
                &ALPHABET[w / 45..w / 45 + 1]
            );
            assert_eq!(
                verify(&other, &t, now).unwrap_err().code,
                "credential.encoding.invalid",
                "{other:.20}…: a tail worth {w} is not a byte"
            );
            others += 1;
        }
        assert!(others >= 1);
    }

    #[test]
    fn non_canonical_claims_are_refused() {
        let k = key(1);
        // The same claims with the map's keys in another order, correctly signed.
        let Value::Map(mut entries) = claims_value(&card()).unwrap() else {
            unreachable!()
        };
        entries.reverse();
        let payload = to_cbor(&Value::Map(entries));
        let sign1 = CoseSign1Builder::new()
            .protected(
                HeaderBuilder::new()
                    .algorithm(iana::Algorithm::EdDSA)
                    .key_id(key_id(&k.verifying_key()))
                    .build(),
            )
            .payload(payload)
            .create_signature(b"", |tbs| k.sign(tbs).to_bytes().to_vec())
            .build();
        let text = format!("{PREFIX}{}", base45::encode(sign1.to_tagged_vec().unwrap()));
        assert_eq!(
            verify(&text, &trust(&k), card().issued_at)
                .unwrap_err()
                .code,
            "credential.cbor.noncanonical"
        );
    }

    #[test]
    fn purpose_profiles_disclose_only_what_they_list_and_fit_version_15() {
        let k = key(3);
        let mut all: BTreeMap<String, String> = card().fields;
        for (f, v) in [
            ("sex", "male"),
            ("province", "تهران"),
            ("school_age", "no"),
            ("employer", "شرکت ساختمانی البرز"),
            ("given_name_latin", "ABDULLAH"),
            ("family_name_latin", "KARIMI"),
            ("amount_rials", "2500000"),
        ] {
            all.insert(f.into(), v.into());
        }
        let mut shown = 0;
        for kind in KINDS {
            for purpose in PURPOSES {
                let Some(allowed) = profile(kind, purpose) else {
                    assert_eq!(
                        select(kind, purpose, &all).unwrap_err().code,
                        "credential.purpose.invalid"
                    );
                    continue;
                };
                let fields = select(kind, purpose, &all).unwrap();
                assert_eq!(fields.len(), allowed.len());
                assert!(fields.keys().all(|f| allowed.contains(&f.as_str())));
                let c = Claims {
                    kind,
                    purpose: purpose.into(),
                    fields,
                    ..card()
                };
                let text = issue(&c, &k).unwrap();
                let v = qr_version(&text).unwrap();
                assert!(
                    v <= 15 || purpose == "full",
                    "{kind:?}/{purpose}: version {v}"
                );
                shown += 1;
            }
        }
        assert_eq!(shown, 13);
        // A school never sees the card number or nationality.
        let school = select(Kind::RegistrationCard, "school", &all).unwrap();
        assert!(!school.contains_key("card_no") && !school.contains_key("nationality"));
        // Receipts carry no personal data.
        assert_eq!(profile(Kind::Receipt, "full").unwrap(), ["amount_rials"]);
    }

    /// Claims that exercise every head length: negative and large times, long texts, no fields.
    fn odd_claims() -> Vec<Claims> {
        let mut long = card();
        long.issuer = "IR/".to_owned() + &"X".repeat(300);
        long.fields.insert("employer".into(), "ش".repeat(200));
        let mut negative = card();
        negative.issued_at = -1;
        negative.not_before = -70_000;
        negative.expires = i64::MAX;
        let mut empty = card();
        empty.fields.clear();
        empty.issuer.clear();
        empty.kind = Kind::Receipt;
        vec![card(), long, negative, empty]
    }

    #[test]
    fn odd_claims_tagged_untagged_and_long_headed_verify() {
        let k = key(1);
        let t = trust(&k);
        for c in odd_claims() {
            let text = issue(&c, &k).unwrap();
            let bytes = base45::decode(&text[PREFIX.len()..]).unwrap();
            assert_eq!(
                verify(&text, &t, c.issued_at).unwrap(),
                Verdict::Valid(c.clone())
            );
            // Untagged: still valid.
            let untagged = format!("{PREFIX}{}", base45::encode(&bytes[1..]));
            assert_eq!(
                verify(&untagged, &t, c.issued_at).unwrap(),
                Verdict::Valid(c.clone())
            );
            // The payload's length in a longer form than needed: `coset` re-encodes the length
            // shortest in the Sig_structure, so the signature holds.
            let general = CoseSign1::from_tagged_slice(&bytes).unwrap();
            let payload = general.payload.as_deref().unwrap();
            let protected = general.protected.original_data.clone().unwrap();
            let mut longer = vec![0xd2, 0x84];
            longer.extend_from_slice(&to_cbor(&Value::Bytes(protected)));
            longer.push(0xa0);
            longer.push(0x5a);
            longer.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_be_bytes());
            longer.extend_from_slice(payload);
            longer.extend_from_slice(&bytes[bytes.len() - 66..]);
            let longer = format!("{PREFIX}{}", base45::encode(&longer));
            assert_eq!(
                verify(&longer, &t, c.issued_at).unwrap(),
                Verdict::Valid(c.clone())
            );
        }
    }

    proptest! {
        /// The decoder never panics, whatever the text.
        #[test]
        fn any_text_gets_a_verdict_or_an_error(s in ".{0,300}") {
            let _ = verify(&s, &trust(&key(1)), 0);
            let _ = verify(&format!("{PREFIX}{s}"), &trust(&key(1)), 0);
        }

        /// Nor with any bytes behind the prefix.
        #[test]
        fn any_bytes_get_a_verdict_or_an_error(b in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = verify(&format!("{PREFIX}{}", base45::encode(&b)), &trust(&key(1)), 0);
        }

        /// A flipped byte anywhere in a real credential never verifies as valid.
        #[test]
        fn flipped_bytes_never_verify(i in 0usize..2000, bit in 0u8..8) {
            let k = key(1);
            let text = issue(&card(), &k).unwrap();
            let mut bytes = base45::decode(&text[PREFIX.len()..]).unwrap();
            let i = i % bytes.len();
            bytes[i] ^= 1 << bit;
            let t = format!("{PREFIX}{}", base45::encode(&bytes));
            let v = verify(&t, &trust(&k), card().issued_at);
            prop_assert!(!matches!(v, Ok(Verdict::Valid(_))));
        }
    }
}
