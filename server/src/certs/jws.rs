//! The VC-JWT of a certificate: a compact JWS (RFC 7515), header
//! `{"alg":"EdDSA","kid":"<issuer DID>#<kid>","typ":"vc+jwt"}`, payload the credential
//! (without its Data Integrity proof) plus the registered claims `iss` (= `issuer.id`), `sub`
//! (= the recipient's hashed email identity), `jti` (= `id`), `nbf` (= `validFrom`) and
//! `exp` (= `validUntil`, when the credential has one).
//!
//! Verification is deliberately small and strict: the only algorithm is EdDSA (never taken
//! from the token: `none`, `HS256` and the rest are refused before any key is touched); the
//! header may hold `alg`, `kid`, `typ` and nothing else, so `jku`, `jwk`, `x5u`, `x5c`,
//! `crit` are refused rather than ignored; the key is looked up by `kid` among the issuer's
//! own keys only; the claims must agree with the credential they carry.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::credential::parse_iso;
use super::keys::{PublicKey, Signer};

pub const TYP: &str = "vc+jwt";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwsError {
    #[error("not a compact JWS")]
    Malformed,
    #[error("the header is not accepted: {0}")]
    Header(&'static str),
    #[error("the key is not one of the issuer's")]
    UnknownKey,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the claims disagree with the credential: {0}")]
    Claims(&'static str),
}

/// The recipient identity `sub` names: the hashed email identifier.
fn subject(cred: &Value) -> Option<&str> {
    cred["credentialSubject"]["identifier"]
        .as_array()?
        .iter()
        .find(|i| i["identityType"] == "emailAddress")?["identityHash"]
        .as_str()
}

fn claims(cred: &Value) -> Option<Map<String, Value>> {
    let mut payload = cred.as_object()?.clone();
    payload.remove("proof");
    let secs = |k: &str| {
        cred.get(k)
            .and_then(Value::as_str)
            .and_then(parse_iso)
            .map(|ms| ms / 1000)
    };
    payload.insert("iss".into(), cred["issuer"]["id"].clone());
    payload.insert("sub".into(), json!(subject(cred)?));
    payload.insert("jti".into(), cred["id"].clone());
    payload.insert("nbf".into(), json!(secs("validFrom")?));
    if cred.get("validUntil").is_some() {
        payload.insert("exp".into(), json!(secs("validUntil")?));
    }
    Some(payload)
}

/// Signs `cred` as a VC-JWT.
pub fn sign(cred: &Value, signer: &Signer, issuer_did: &str) -> Option<String> {
    let header = json!({ "alg": "EdDSA", "kid": format!("{issuer_did}#{}", signer.kid), "typ": TYP });
    let payload = Value::Object(claims(cred)?);
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let signature = signer.sign(input.as_bytes());
    Some(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

fn part(s: &str) -> Result<Vec<u8>, JwsError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(JwsError::Malformed);
    }
    URL_SAFE_NO_PAD.decode(s).map_err(|_| JwsError::Malformed)
}

/// Verifies `token` against the issuer's keys; returns the credential it carries (the
/// payload without the registered claims).
pub fn verify(token: &str, keys: &[PublicKey], issuer_did: &str) -> Result<Value, JwsError> {
    let token = token.trim();
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(JwsError::Malformed);
    };
    let header: Map<String, Value> = serde_json::from_slice(&part(h)?).map_err(|_| JwsError::Malformed)?;
    if header.get("alg").and_then(Value::as_str) != Some("EdDSA") {
        return Err(JwsError::Header("alg must be EdDSA"));
    }
    if let Some(extra) = header.keys().find(|k| !matches!(k.as_str(), "alg" | "kid" | "typ")) {
        return Err(match extra.as_str() {
            "jku" | "jwk" | "x5u" | "x5c" => JwsError::Header("keys named by the token are never used"),
            _ => JwsError::Header("unknown header parameter"),
        });
    }
    if header.get("typ").and_then(Value::as_str) != Some(TYP) {
        return Err(JwsError::Header("typ must be vc+jwt"));
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .and_then(|k| k.strip_prefix(issuer_did))
        .and_then(|k| k.strip_prefix('#'))
        .ok_or(JwsError::UnknownKey)?;
    let key = keys.iter().find(|k| k.kid == kid).ok_or(JwsError::UnknownKey)?;
    let signature = part(s)?;
    if !key.verify(format!("{h}.{p}").as_bytes(), &signature) {
        return Err(JwsError::BadSignature);
    }
    let payload: Map<String, Value> = serde_json::from_slice(&part(p)?).map_err(|_| JwsError::Malformed)?;
    let mut cred = payload.clone();
    for k in ["iss", "sub", "jti", "nbf", "exp", "iat"] {
        cred.remove(k);
    }
    let cred = Value::Object(cred);
    let expected = claims(&cred).ok_or(JwsError::Claims("the credential lacks required fields"))?;
    for k in ["iss", "sub", "jti", "nbf", "exp"] {
        if payload.get(k) != expected.get(k) {
            return Err(JwsError::Claims(match k {
                "iss" => "iss",
                "sub" => "sub",
                "jti" => "jti",
                "nbf" => "nbf",
                _ => "exp",
            }));
        }
    }
    if cred["issuer"]["id"] != issuer_did {
        return Err(JwsError::Claims("iss"));
    }
    Ok(cred)
}
