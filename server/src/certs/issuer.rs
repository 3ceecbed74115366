//! The issuer's public documents, made from its public keys: the `did:web` DID document
//! (every key as a `Multikey` verification method, each listed under `assertionMethod`, so
//! a Data Integrity verifier resolves the proof's `verificationMethod` and finds it
//! authorised), the JWKS (OKP / Ed25519, `kid` = the same verification method id, for
//! VC-JWT verifiers) and the revocation status list (a `BitstringStatusListCredential`,
//! itself signed with an `eddsa-rdfc-2022` proof).

use std::io::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::credential::{self, iso, status_list_url};
use super::jsonld::VC_V2;
use super::keys::{PublicKey, Signer};
use super::store::STATUS_LIST_SIZE;

pub const DID_V1: &str = "https://www.w3.org/ns/did/v1";
pub const MULTIKEY_V1: &str = "https://w3id.org/security/multikey/v1";

pub fn verification_method_id(did: &str, kid: &str) -> String {
    format!("{did}#{kid}")
}

/// One key as a Multikey verification method (what a verifier's document loader returns
/// for the proof's `verificationMethod`).
pub fn verification_method(did: &str, key: &PublicKey) -> Value {
    json!({
        "@context": MULTIKEY_V1,
        "id": verification_method_id(did, &key.kid),
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": key.multibase(),
    })
}

/// The DID document (`/.well-known/did.json`).
pub fn did_document(did: &str, keys: &[PublicKey]) -> Value {
    let methods: Vec<Value> = keys
        .iter()
        .map(|k| {
            let mut vm = verification_method(did, k);
            if let Some(m) = vm.as_object_mut() {
                m.remove("@context");
            }
            vm
        })
        .collect();
    let ids: Vec<Value> = keys
        .iter()
        .map(|k| json!(verification_method_id(did, &k.kid)))
        .collect();
    json!({
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    })
}

/// The JWKS (`/.well-known/jwks.json`): public parameters only.
pub fn jwks(did: &str, keys: &[PublicKey]) -> Value {
    let keys: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "x": k.x(),
                "kid": verification_method_id(did, &k.kid),
                "alg": "EdDSA",
                "use": "sig",
            })
        })
        .collect();
    json!({ "keys": keys })
}

/// The bitstring of `revoked` indexes: bit 0 is the most significant bit of the first byte;
/// GZIP, then multibase base64url (`u` prefix), as the specification encodes it.
pub fn encoded_list(revoked: &[i64]) -> String {
    let mut bits = vec![0u8; (STATUS_LIST_SIZE / 8) as usize];
    for &i in revoked {
        if (0..STATUS_LIST_SIZE).contains(&i) {
            bits[(i / 8) as usize] |= 0x80 >> (i % 8);
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bits).expect("writing to memory cannot fail");
    let gz = gz.finish().expect("writing to memory cannot fail");
    format!("u{}", URL_SAFE_NO_PAD.encode(gz))
}

/// Whether `index` is set in an encoded list.
pub fn list_has(encoded: &str, index: i64) -> Option<bool> {
    use std::io::Read as _;
    let gz = URL_SAFE_NO_PAD.decode(encoded.strip_prefix('u')?).ok()?;
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut bits).ok()?;
    let byte = bits.get(usize::try_from(index / 8).ok()?)?;
    Some(byte & (0x80 >> (index % 8)) != 0)
}

/// The signed status list credential (`/status/1`).
pub fn status_list(
    base_url: &str,
    did: &str,
    signer: &Signer,
    revoked: &[i64],
    now: i64,
) -> Result<Value, credential::ProofError> {
    let url = status_list_url(base_url);
    let doc = json!({
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": iso(now),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(revoked),
        },
    });
    credential::sign(doc, signer, did, now)
}
