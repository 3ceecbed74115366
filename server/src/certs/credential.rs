//! The Open Badges 3.0 `OpenBadgeCredential` (W3C VC Data Model 2.0) of a certificate, and
//! its embedded Data Integrity proof, cryptosuite `eddsa-rdfc-2022`:
//!
//! 1. the proof options (`@context` of the credential, `type`, `cryptosuite`, `created`,
//!    `verificationMethod`, `proofPurpose`) and the credential without `proof` are each
//!    turned into RDF (`jsonld`) and canonicalised (`rdfc`, RDFC-1.0);
//! 2. the signed data is SHA-256(canonical options) ‖ SHA-256(canonical credential);
//! 3. `proofValue` is `z` + base58btc of the Ed25519 signature.
//!
//! Pure: times, keys and ids come in as values.

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::jsonld::{self, OB_V3, VC_V2};
use super::keys::{PublicKey, Signer, base58btc, base58btc_decode};
use super::rdfc;

pub const CRYPTOSUITE: &str = "eddsa-rdfc-2022";

/// What a credential states; everything else about a certificate stays in the database.
#[derive(Clone, Debug)]
pub struct Facts {
    pub id: String,
    pub base_url: String,
    pub issuer_did: String,
    pub issuer_name: String,
    pub course_id: String,
    pub title: String,
    pub course_title: String,
    pub description: String,
    pub pass_mark: u8,
    pub name: String,
    pub email: String,
    pub salt: String,
    pub valid_from: i64,
    pub valid_until: Option<i64>,
    pub status_index: i64,
}

pub fn credential_url(base_url: &str, id: &str) -> String {
    format!("{base_url}/certificates/{id}")
}

pub fn status_list_url(base_url: &str) -> String {
    format!("{base_url}/status/1")
}

/// `sha256$` + hex SHA-256 of the email followed by the salt (OB 3.0 IdentityObject).
pub fn identity_hash(email: &str, salt: &str) -> String {
    format!(
        "sha256${}",
        crate::auth::tokens::hex(&Sha256::digest(format!("{email}{salt}").as_bytes()))
    )
}

/// RFC 3339 UTC, whole seconds (`2026-12-04T18:05:00Z`).
pub fn iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses what [`iso`] writes (and fractional seconds or an offset of `Z` only).
pub fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || !s.ends_with('Z')
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    Some(((days * 86_400) + h * 3600 + mi * 60 + se) * 1000)
}

/// The unsigned credential.
pub fn credential(f: &Facts) -> Value {
    let url = credential_url(&f.base_url, &f.id);
    let course_url = format!("{}/{}/", f.base_url, f.course_id);
    let status = status_list_url(&f.base_url);
    let mut cred = json!({
        "@context": [VC_V2, OB_V3],
        "id": url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f.title,
        "issuer": {
            "id": f.issuer_did,
            "type": ["Profile"],
            "name": f.issuer_name,
            "url": format!("{}/", f.base_url),
        },
        "validFrom": iso(f.valid_from),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": true,
                    "identityHash": identity_hash(&f.email, &f.salt),
                    "salt": f.salt,
                },
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": false,
                    "identityHash": f.name,
                },
            ],
            "achievement": {
                "id": course_url,
                "type": ["Achievement"],
                "name": f.title,
                "description": f.description,
                "criteria": {
                    "id": course_url,
                    "narrative": format!(
                        "Completed every lesson of the course \u{201c}{}\u{201d} and passed each of its graded quizzes with at least {}%.",
                        f.course_title, f.pass_mark
                    ),
                },
            },
        },
        "credentialStatus": {
            "id": format!("{status}#{}", f.status_index),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": f.status_index.to_string(),
            "statusListCredential": status,
        },
    });
    if let Some(until) = f.valid_until {
        cred["validUntil"] = json!(iso(until));
    }
    cred
}

#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    #[error("{0}")]
    Shape(&'static str),
    #[error(transparent)]
    JsonLd(#[from] jsonld::JsonLdError),
    #[error(transparent)]
    TooComplex(#[from] rdfc::TooComplex),
    #[error("the verification method is not one of the issuer's keys")]
    UnknownKey,
    #[error("the signature does not match")]
    BadSignature,
}

fn proof_options(doc: &Value, verification_method: &str, created: &str) -> Value {
    json!({
        "@context": doc["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    })
}

/// SHA-256(canonical options) ‖ SHA-256(canonical document).
fn hash_data(doc: &Value, options: &Value) -> Result<Vec<u8>, ProofError> {
    let doc_canon = rdfc::canonicalize(&jsonld::to_rdf(doc)?)?;
    let opt_canon = rdfc::canonicalize(&jsonld::to_rdf(options)?)?;
    let mut out = Sha256::digest(opt_canon.as_bytes()).to_vec();
    out.extend_from_slice(&Sha256::digest(doc_canon.as_bytes()));
    Ok(out)
}

/// Adds a `DataIntegrityProof` (eddsa-rdfc-2022) made by `signer` to `doc`.
pub fn sign(mut doc: Value, signer: &Signer, issuer_did: &str, created_ms: i64) -> Result<Value, ProofError> {
    if let Some(map) = doc.as_object_mut() {
        map.remove("proof");
    }
    let vm = format!("{issuer_did}#{}", signer.kid);
    let mut options = proof_options(&doc, &vm, &iso(created_ms));
    let data = hash_data(&doc, &options)?;
    let signature = signer.sign(&data);
    if let Some(map) = options.as_object_mut() {
        map.remove("@context");
        map.insert("proofValue".into(), json!(format!("z{}", base58btc(&signature))));
    }
    doc["proof"] = options;
    Ok(doc)
}

/// Checks the embedded proof of `doc` against the issuer's keys; returns the key's id.
pub fn verify(doc: &Value, keys: &[PublicKey], issuer_did: &str) -> Result<String, ProofError> {
    let proof = doc
        .get("proof")
        .ok_or(ProofError::Shape("the credential has no proof"))?;
    let field = |k: &str| proof.get(k).and_then(Value::as_str);
    if field("type") != Some("DataIntegrityProof")
        || field("cryptosuite") != Some(CRYPTOSUITE)
        || field("proofPurpose") != Some("assertionMethod")
    {
        return Err(ProofError::Shape("not an eddsa-rdfc-2022 assertion proof"));
    }
    let allowed = [
        "type",
        "cryptosuite",
        "created",
        "verificationMethod",
        "proofPurpose",
        "proofValue",
    ];
    if proof
        .as_object()
        .is_none_or(|m| m.keys().any(|k| !allowed.contains(&k.as_str())))
    {
        return Err(ProofError::Shape("the proof has fields this verifier does not know"));
    }
    let vm = field("verificationMethod").ok_or(ProofError::Shape("no verificationMethod"))?;
    let created = field("created").ok_or(ProofError::Shape("no created time"))?;
    let kid = vm
        .strip_prefix(issuer_did)
        .and_then(|r| r.strip_prefix('#'))
        .ok_or(ProofError::UnknownKey)?;
    let key = keys.iter().find(|k| k.kid == kid).ok_or(ProofError::UnknownKey)?;
    let signature = field("proofValue")
        .and_then(|v| v.strip_prefix('z'))
        .and_then(base58btc_decode)
        .ok_or(ProofError::Shape("proofValue is not base58btc multibase"))?;
    let issuer = doc["issuer"].get("id").or(doc.get("issuer")).and_then(Value::as_str);
    if issuer != Some(issuer_did) {
        return Err(ProofError::UnknownKey);
    }
    let mut unsigned = doc.clone();
    if let Some(map) = unsigned.as_object_mut() {
        map.remove("proof");
    }
    let options = proof_options(&unsigned, vm, created);
    let data = hash_data(&unsigned, &options)?;
    if key.verify(&data, &signature) {
        Ok(key.kid.clone())
    } else {
        Err(ProofError::BadSignature)
    }
}
