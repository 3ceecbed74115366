//! The canonical form against the Open Badges 3.0 specification's test vectors (copied from
//! `../shared/ob3/test-vectors` into `testdata/`), byte for byte; and sign/verify round trips.

use serde_json::{Value, json};

use super::credential::{self, Facts};
use super::keys::{PublicKey, Signer};
use super::{issuer_did, jsonld, jws, rdfc};

/// The specification's sample credential (its canonical form is `document-canon.txt`).
fn spec_sample() -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "http://example.com/credentials/3527",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": "https://example.edu/issuers/565049",
            "type": ["Profile"],
            "name": "Example Corp",
            "url": "https://www.imsglobal.org"
        },
        "validFrom": "2010-01-01T00:00:00Z",
        "name": "Teamwork Badge",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.com/achievements/21st-century-skills/teamwork",
                "type": ["Achievement"],
                "criteria": {
                    "narrative": "Team members are nominated for this badge by their peers and recognized upon review by Example Corp management."
                },
                "description": "This badge recognizes the development of the capacity to collaborate within a group environment.",
                "name": "Teamwork"
            }
        }
    })
}

fn canon(doc: &Value) -> String {
    rdfc::canonicalize(&jsonld::to_rdf(doc).expect("the document expands")).expect("canonicalises")
}

#[test]
fn document_canon_matches_the_spec_vector() {
    assert_eq!(canon(&spec_sample()), include_str!("testdata/document-canon.txt"));
}

#[test]
fn proof_canon_matches_the_spec_vector() {
    let options = json!({
        "@context": spec_sample()["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2010-01-01T19:23:24Z",
        "verificationMethod": "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        "proofPurpose": "assertionMethod"
    });
    assert_eq!(canon(&options), include_str!("testdata/proof-canon.txt"));
}

#[test]
fn undefined_terms_are_refused() {
    let mut doc = spec_sample();
    doc["favouriteColour"] = json!("green");
    let e = jsonld::to_rdf(&doc).expect_err("an undefined term is an error");
    assert!(e.to_string().contains("favouriteColour"), "{e}");
}

#[test]
fn inline_and_embedded_contexts_are_refused() {
    // Swapping two terms' meanings keeps the same RDF (so a signature would still match)
    // while the JSON says something else: only bundled contexts, by URL, are accepted.
    let mut swapped = spec_sample();
    swapped["@context"] = json!([
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        { "title": "https://schema.org/name" }
    ]);
    assert!(jsonld::to_rdf(&swapped).is_err());
    let mut embedded = spec_sample();
    embedded["credentialSubject"]["@context"] = json!({ "achievement": "https://example.org/other" });
    assert!(jsonld::to_rdf(&embedded).is_err());
    let mut unknown = spec_sample();
    unknown["@context"] = json!(["https://www.w3.org/ns/credentials/v2", "https://example.org/ctx.json"]);
    assert!(jsonld::to_rdf(&unknown).is_err());
}

#[test]
fn n_degree_hash_separates_twin_blank_nodes() {
    // Two blank nodes with identical first-degree quads: labels come from the N-degree hash,
    // and the result must not depend on the input order.
    use jsonld::{Quad, Term};
    let q = |s: &str, p: &str, o: Term| Quad {
        subject: Term::Blank(s.into()),
        predicate: p.into(),
        object: o,
        graph: None,
    };
    let lit = |v: &str| Term::Literal {
        value: v.into(),
        datatype: None,
    };
    let a = vec![
        q("x", "http://ex/p", Term::Blank("y".into())),
        q("y", "http://ex/p", Term::Blank("x".into())),
        q("x", "http://ex/n", lit("1")),
        q("y", "http://ex/n", lit("1")),
    ];
    let mut b = a.clone();
    b.reverse();
    let out = rdfc::canonicalize(&a).expect("canonicalises");
    assert_eq!(Ok(out.clone()), rdfc::canonicalize(&b));
    assert!(out.contains("_:c14n0") && out.contains("_:c14n1"), "{out}");
}

#[test]
fn literals_are_escaped_canonically() {
    let mut doc = spec_sample();
    doc["name"] = json!("a \"b\" \\ c\nd\te\u{1}");
    let out = canon(&doc);
    assert!(out.contains(r#""a \"b\" \\ c\nd\te\u0001""#), "{out}");
}

pub fn facts(name: &str) -> Facts {
    Facts {
        id: "AAAAAAAAAAAAAAAAAAAAAA".into(),
        base_url: "http://127.0.0.1:8080".into(),
        issuer_did: issuer_did("http://127.0.0.1:8080"),
        issuer_name: "Waypost".into(),
        course_id: "tiny".into(),
        title: "Tiny — Practitioner".into(),
        course_title: "Tiny course".into(),
        description: "A course.".into(),
        pass_mark: 80,
        name: name.into(),
        email: "amira@example.org".into(),
        salt: "c2FsdA".into(),
        valid_from: 1_796_400_000_000,
        valid_until: Some(1_827_936_000_000),
        status_index: 4242,
    }
}

fn key(s: &Signer) -> PublicKey {
    PublicKey {
        kid: s.kid.clone(),
        key: s.public_key(),
        created_at: 0,
        retired_at: None,
    }
}

#[test]
fn proof_round_trip_and_tampering() {
    let signer = Signer::from_seed([3; 32]);
    let f = facts("أميرة حداد");
    let signed = credential::sign(credential::credential(&f), &signer, &f.issuer_did, f.valid_from).expect("signs");
    let keys = [key(&signer)];
    assert_eq!(
        credential::verify(&signed, &keys, &f.issuer_did).expect("verifies"),
        signer.kid
    );
    let mut tampered = signed.clone();
    tampered["credentialSubject"]["identifier"][1]["identityHash"] = json!("Someone Else");
    assert!(matches!(
        credential::verify(&tampered, &keys, &f.issuer_did),
        Err(credential::ProofError::BadSignature)
    ));
    let other = Signer::from_seed([4; 32]);
    assert!(credential::verify(&signed, &[key(&other)], &f.issuer_did).is_err());
    let by_other = credential::sign(credential::credential(&f), &other, &f.issuer_did, f.valid_from).expect("signs");
    assert!(credential::verify(&by_other, &keys, &f.issuer_did).is_err());
}

#[test]
fn jwt_round_trip_and_strictness() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let signer = Signer::from_seed([5; 32]);
    let f = facts("李小龙");
    let cred = credential::credential(&f);
    let did = f.issuer_did.clone();
    let token = jws::sign(&cred, &signer, &did).expect("signs");
    let keys = [key(&signer)];
    assert_eq!(jws::verify(&token, &keys, &did).expect("verifies"), cred);
    let parts: Vec<&str> = token.split('.').collect();
    let reheader = |h: Value| format!("{}.{}.{}", B64.encode(h.to_string()), parts[1], parts[2]);
    let kid = format!("{did}#{}", signer.kid);
    for (header, why) in [
        (json!({"alg": "none", "kid": kid, "typ": "vc+jwt"}), "alg none"),
        (json!({"alg": "HS256", "kid": kid, "typ": "vc+jwt"}), "HS256"),
        (
            json!({"alg": "EdDSA", "kid": kid, "typ": "vc+jwt", "jku": "http://evil/jwks"}),
            "jku",
        ),
        (
            json!({"alg": "EdDSA", "kid": kid, "typ": "vc+jwt", "jwk": {"kty": "OKP"}}),
            "jwk",
        ),
        (
            json!({"alg": "EdDSA", "kid": format!("{did}#other"), "typ": "vc+jwt"}),
            "kid",
        ),
    ] {
        assert!(jws::verify(&reheader(header), &keys, &did).is_err(), "{why} accepted");
    }
    let payload: Value = serde_json::from_slice(&B64.decode(parts[1]).expect("b64")).expect("json");
    let mut p2 = payload.clone();
    p2["name"] = json!("Forged");
    let forged = format!("{}.{}.{}", parts[0], B64.encode(p2.to_string()), parts[2]);
    assert_eq!(jws::verify(&forged, &keys, &did), Err(jws::JwsError::BadSignature));
    let mut sig = B64.decode(parts[2]).expect("b64");
    sig[0] ^= 1;
    let bad_sig = format!("{}.{}.{}", parts[0], parts[1], B64.encode(sig));
    assert_eq!(jws::verify(&bad_sig, &keys, &did), Err(jws::JwsError::BadSignature));
    // A well-formed token signed by a key that is not the issuer's.
    let other = Signer::from_seed([6; 32]);
    let other_token = jws::sign(&cred, &other, &did).expect("signs");
    assert_eq!(jws::verify(&other_token, &keys, &did), Err(jws::JwsError::UnknownKey));
}

#[test]
fn dates() {
    assert_eq!(credential::iso(0), "1970-01-01T00:00:00Z");
    assert_eq!(credential::iso(1_796_400_000_000), "2026-12-04T16:00:00Z");
    assert_eq!(credential::parse_iso("2026-12-04T16:00:00Z"), Some(1_796_400_000_000));
    assert_eq!(
        credential::parse_iso("2028-02-29T00:00:00Z")
            .map(credential::iso)
            .as_deref(),
        Some("2028-02-29T00:00:00Z")
    );
}

#[test]
fn dids() {
    assert_eq!(issuer_did("https://learn.example.org"), "did:web:learn.example.org");
    assert_eq!(issuer_did("http://127.0.0.1:8080"), "did:web:127.0.0.1%3A8080");
    assert_eq!(issuer_did("https://example.org/learn/"), "did:web:example.org:learn");
}

#[test]
fn poison_graphs_are_refused_quickly() {
    // Two indistinguishable subjects, each with eight indistinguishable children: the
    // N-degree hash would try 8! orderings per step; the work budget stops it.
    use jsonld::{Quad, Term};
    let mut quads = Vec::new();
    for s in 0..2 {
        for c in 0..8 {
            quads.push(Quad {
                subject: Term::Blank(format!("s{s}")),
                predicate: "http://ex/child".into(),
                object: Term::Blank(format!("c{s}-{c}")),
                graph: None,
            });
            quads.push(Quad {
                subject: Term::Blank(format!("c{s}-{c}")),
                predicate: "http://ex/v".into(),
                object: Term::Literal {
                    value: "x".into(),
                    datatype: None,
                },
                graph: None,
            });
        }
    }
    let started = std::time::Instant::now();
    assert_eq!(rdfc::canonicalize(&quads), Err(rdfc::TooComplex));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

/// A small deterministic generator for mutation tests (no dependency needed).
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Replaces one letter or digit with another: whatever it hits (a value, a key, the proof,
/// a header), the result must not verify, and nothing may panic.
fn mutate(text: &str, rng: &mut XorShift) -> Option<String> {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let positions: Vec<usize> = text
        .char_indices()
        .filter(|(_, c)| c.is_ascii_alphanumeric())
        .map(|(i, _)| i)
        .collect();
    let at = positions[rng.below(positions.len())];
    let old = text.as_bytes()[at];
    let new = ALNUM[rng.below(ALNUM.len())];
    (new != old).then(|| {
        let mut bytes = text.as_bytes().to_vec();
        bytes[at] = new;
        String::from_utf8(bytes).expect("ASCII for ASCII")
    })
}

#[test]
fn mutated_tokens_and_credentials_never_verify() {
    let signer = Signer::from_seed([9; 32]);
    let f = facts("Mutation Test");
    let did = f.issuer_did.clone();
    let keys = [key(&signer)];
    let cred = credential::credential(&f);
    let token = jws::sign(&cred, &signer, &did).expect("signs");
    let signed = credential::sign(cred, &signer, &did, f.valid_from).expect("signs");
    let text = signed.to_string();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let (mut tokens, mut docs) = (0, 0);
    for _ in 0..200 {
        if let Some(t) = mutate(&token, &mut rng) {
            // A changed final character of a base64url part may decode to the same bytes
            // (its low bits are padding); only a real change must fail.
            let same = t.split('.').map(b64_decode).collect::<Vec<_>>()
                == token.split('.').map(b64_decode).collect::<Vec<_>>();
            if !same {
                assert!(jws::verify(&t, &keys, &did).is_err(), "mutated token verified: {t}");
                tokens += 1;
            }
        }
        if let Some(d) = mutate(&text, &mut rng)
            && let Ok(doc) = serde_json::from_str::<Value>(&d)
        {
            assert!(
                credential::verify(&doc, &keys, &did).is_err(),
                "mutated credential verified: {d}"
            );
            docs += 1;
        }
    }
    assert!(tokens > 150 && docs > 150, "{tokens} tokens, {docs} credentials tried");
}

fn b64_decode(part: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).ok()
}
