//! The published test vectors (`docs/credential-vectors.json`, described in
//! `docs/credential-format.md` §10): rebuilt here from fixed keys and times, compared with the
//! committed file, and verified with this crate so that daftar agrees with what it publishes.
//! `DAFTAR_WRITE_VECTORS=1 cargo test -p daftar-credential --test vectors` rewrites the file
//! after a deliberate change of the format.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ciborium::value::Value;
use coset::{CoseSign1, TaggedCborSerializable, iana};
use daftar_credential::lists::{StatusListDoc, TrustListDoc, TrustedKey, verify_with_status};
use daftar_credential::{Claims, Kind, PREFIX, issue, key_id, select, verify};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value as Json, json};

const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/credential-vectors.json"
);
/// 2026-01-01T00:00:00Z, the verification time of every vector.
const NOW: i64 = 1_767_225_600;

fn root() -> SigningKey {
    SigningKey::from_bytes(&[0x52; 32])
}
fn issuer() -> SigningKey {
    SigningKey::from_bytes(&[0x49; 32])
}

fn claims(id: [u8; 8], expires: i64) -> Claims {
    Claims {
        issuer: "IR/THR-01".into(),
        subject: String::new(),
        id: id.to_vec(),
        kind: Kind::RegistrationCard,
        purpose: "employer".into(),
        issued_at: 1_764_547_200,
        not_before: 1_764_547_200,
        expires,
        fields: select(
            Kind::RegistrationCard,
            "employer",
            &daftar_credential::sample_fields(),
        )
        .unwrap(),
    }
}

fn text_of(bytes: &[u8]) -> String {
    format!("{PREFIX}{}", base45::encode(bytes))
}

fn cose(text: &str) -> CoseSign1 {
    CoseSign1::from_tagged_slice(&base45::decode(&text[PREFIX.len()..]).unwrap()).unwrap()
}

/// Re-signs `s` (after its protected header or payload was changed) with `key`.
fn resign(mut s: CoseSign1, key: &SigningKey) -> String {
    s.protected.original_data = None;
    let tbs = s.tbs_data(b"");
    s.signature = key.sign(&tbs).to_bytes().to_vec();
    text_of(&s.to_tagged_vec().unwrap())
}

fn build() -> Json {
    let exp = 1_795_996_800; // 2026-11-30T00:00:00Z
    let valid = issue(&claims([1, 2, 3, 4, 5, 6, 7, 8], exp), &issuer()).unwrap();
    let revoked = issue(&claims([0xee; 8], exp), &issuer()).unwrap();
    let expired = issue(&claims([9; 8], NOW - 1), &issuer()).unwrap();
    let unknown = issue(
        &claims([1, 2, 3, 4, 5, 6, 7, 8], exp),
        &SigningKey::from_bytes(&[0x58; 32]),
    )
    .unwrap();
    // One claim changed after signing (status renewed → lapsed), the signature kept.
    let mut s = cose(&valid);
    let mut changed = claims([1, 2, 3, 4, 5, 6, 7, 8], exp);
    changed.fields.insert("status".into(), "lapsed".into());
    let changed_text = issue(&changed, &issuer()).unwrap();
    s.payload = cose(&changed_text).payload;
    let tampered = text_of(&s.to_tagged_vec().unwrap());
    // The same claims with the map's first two keys swapped, correctly signed.
    let mut s = cose(&valid);
    let v: Value = ciborium::from_reader(s.payload.as_deref().unwrap()).unwrap();
    let Value::Map(mut entries) = v else {
        panic!("claims are a map")
    };
    entries.swap(0, 1);
    let mut payload = vec![];
    ciborium::into_writer(&Value::Map(entries), &mut payload).unwrap();
    s.payload = Some(payload);
    let noncanonical = resign(s, &issuer());
    // ES256 named in the protected header, signed (Ed25519) by the trusted issuer key.
    let mut s = cose(&valid);
    s.protected.header.alg = Some(coset::RegisteredLabelWithPrivate::Assigned(
        iana::Algorithm::ES256,
    ));
    let confused = resign(s, &issuer());
    // The last two characters of a text whose bytes end in a single byte, worth 256 more.
    let lax = {
        // A valid credential whose bytes are of odd length (issuer `IR/THR-1`), so its text
        // ends in a pair of characters worth one byte.
        let mut odd = claims([3; 8], exp);
        odd.issuer = "IR/THR-1".into();
        let valid = issue(&odd, &issuer()).unwrap();
        let (head, tail) = valid.split_at(valid.len() - 2);
        const A: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        let v = A.find(tail.as_bytes()[0] as char).unwrap()
            + 45 * A.find(tail.as_bytes()[1] as char).unwrap()
            + 256;
        assert_eq!(base45::decode(&valid[PREFIX.len()..]).unwrap().len() % 2, 1);
        format!("{head}{}{}", &A[v % 45..v % 45 + 1], &A[v / 45..v / 45 + 1])
    };

    let trust = TrustListDoc {
        version: 1,
        issued_at: NOW - 3_600,
        keys: vec![TrustedKey {
            kid: key_id(&issuer().verifying_key()),
            public_key: issuer().verifying_key().to_bytes(),
            state: "active".into(),
        }],
    };
    let status = StatusListDoc {
        version: 1,
        since: 0,
        issued_at: NOW - 3_600,
        revoked: [vec![0xee; 8]].into(),
    };
    let delta = StatusListDoc {
        version: 2,
        since: 1,
        issued_at: NOW - 60,
        revoked: [vec![0xdd; 8]].into(),
    };
    let case = |name: &str, text: &str, verdict: Option<&str>, error: Option<&str>| json!({"name": name, "text": text, "verdict": verdict, "error": error});
    json!({
        "format": "DF1",
        "about": "Test vectors of docs/credential-format.md (section 10). Keys are Ed25519 from 32-byte seeds; lists are hex of the signed files; verify every text at `now` with the pinned root key, the trust list and the status list.",
        "now": NOW,
        "root_seed": hex::encode([0x52; 32]),
        "root_public_key": hex::encode(root().verifying_key().to_bytes()),
        "issuer_seed": hex::encode([0x49; 32]),
        "issuer_public_key": hex::encode(issuer().verifying_key().to_bytes()),
        "trust_list": hex::encode(trust.sign(&root())),
        "status_list": hex::encode(status.sign(&root())),
        "status_delta_since_1": hex::encode(delta.sign(&root())),
        "cases": [
            case("valid", &valid, Some("valid"), None),
            case("revoked (cti in the status list)", &revoked, Some("revoked"), None),
            case("expired", &expired, Some("expired"), None),
            case("unknown issuer", &unknown, Some("unknown_issuer"), None),
            case("tampered (one claim changed after signing)", &tampered, Some("tampered"), None),
            case("non-canonical claims (two keys swapped, correctly signed)", &noncanonical, None, Some("credential.cbor.noncanonical")),
            case("algorithm confusion (ES256 in the protected header)", &confused, None, Some("credential.alg.refused")),
            case("lax base45 (final pair worth more than 255)", &lax, None, Some("credential.encoding.invalid")),
        ],
    })
}

#[test]
fn published_vectors_are_current_and_verify_as_stated() {
    let built = build();
    let pretty = serde_json::to_string_pretty(&built).unwrap() + "\n";
    if std::env::var_os("DAFTAR_WRITE_VECTORS").is_some() {
        std::fs::write(FILE, &pretty).unwrap();
    }
    let published: Json = serde_json::from_str(&std::fs::read_to_string(FILE).unwrap()).unwrap();
    assert_eq!(
        published, built,
        "docs/credential-vectors.json is out of date (DAFTAR_WRITE_VECTORS=1 rewrites it)"
    );

    // Verify the published file as an outside verifier would.
    let bytes = |k: &str| hex::decode(published[k].as_str().unwrap()).unwrap();
    let root: [u8; 32] = bytes("root_public_key").try_into().unwrap();
    let root = ed25519_dalek::VerifyingKey::from_bytes(&root).unwrap();
    let trust = TrustListDoc::open(&bytes("trust_list"), &root)
        .unwrap()
        .trust()
        .unwrap();
    let status = StatusListDoc::open_full(&bytes("status_list"), &root).unwrap();
    assert_eq!(
        StatusListDoc::open_full(&bytes("status_delta_since_1"), &root)
            .unwrap_err()
            .code,
        "credential.list.not_full"
    );
    let now = published["now"].as_i64().unwrap();
    for c in published["cases"].as_array().unwrap() {
        let text = c["text"].as_str().unwrap();
        let got = verify_with_status(text, &trust, |cti| status.is_revoked(cti), now);
        match (c["verdict"].as_str(), c["error"].as_str()) {
            (Some(v), None) => assert_eq!(got.unwrap().code(), v, "{}", c["name"]),
            (None, Some(e)) => assert_eq!(got.unwrap_err().code, e, "{}", c["name"]),
            _ => panic!("a case has a verdict or an error: {c}"),
        }
    }
    // Without the status list the revoked one is only valid: revocation needs the list.
    let revoked = published["cases"][1]["text"].as_str().unwrap();
    assert_eq!(verify(revoked, &trust, now).unwrap().code(), "valid");
}
