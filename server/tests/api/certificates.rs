//! Certificates: issued only from server-computed completion (A5), idempotent, someone
//! else's is 404 (A2), revocation, expiry and renewal on an injected clock (C3), key
//! rotation, the key file (C3), tampered tokens and credentials (C2), unknown ids that look
//! like malformed ones (C4), the PDF (text, fonts, QR code).

use axum::body::Body;
use axum::http::{Method, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use waypost::certs::{credential, issuer, issuer_did, jws, keys};

use crate::harness::{Learner, TestApp, answers};

crate::on_both!(
    no_certificate_without_completion_then_idempotent,
    someone_elses_certificate_is_not_found,
    admin_revokes_with_a_reason,
    expiry_and_renewal_on_the_injected_clock,
    rotation_keeps_old_certificates_verifiable,
    key_file_is_private_and_never_served,
    tampered_tokens_and_credentials_are_rejected,
    unknown_ids_answer_like_malformed_ones,
    pdf_has_the_text_and_a_qr_code_of_the_verification_url,
    renewal_reminders_are_claimed_once
);

const CERT: &str = "/api/courses/tiny/certificate";
const DAY: i64 = 86_400_000;

async fn complete(app: &TestApp, who: &Learner, attempt: &str) {
    let a = app
        .json(
            Method::POST,
            "/api/progress",
            Some(who),
            &json!({ "course": "tiny", "lesson": "first-steps", "event": "completed" }),
        )
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.text());
    pass_final(app, who, attempt).await;
}

async fn pass_final(app: &TestApp, who: &Learner, attempt: &str) {
    let (version, right) = answers(app, "final", &[]);
    let a = app
        .json(
            Method::POST,
            "/api/courses/tiny/quizzes/final/attempts",
            Some(who),
            &json!({ "attempt_id": attempt, "version": version, "answers": right }),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    assert_eq!(a.json()["passed"], true);
}

async fn learner(app: &TestApp, email: &str) -> Learner {
    app.sign_up(email).await
}

async fn issue(app: &TestApp, who: &Learner, name: &str) -> Value {
    let a = app.json(Method::POST, CERT, Some(who), &json!({ "name": name })).await;
    assert!(
        a.status == StatusCode::CREATED || a.status == StatusCode::OK,
        "{}: {}",
        a.status,
        a.text()
    );
    a.json()["certificate"].clone()
}

async fn verify(app: &TestApp, input: &str) -> Value {
    let a = app
        .json(Method::POST, "/api/verify", None, &json!({ "input": input }))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    a.json()
}

async fn make_admin(app: &TestApp, who: &Learner) {
    let me = app.get("/api/me", Some(who)).await.json();
    let id = me["user"]["id"].as_str().expect("user id");
    waypost::admin::set_role(&app.state.db, id, "admin")
        .await
        .expect("role set");
}

async fn no_certificate_without_completion_then_idempotent(app: &TestApp) {
    let amira = learner(app, "amira@example.org").await;
    // Lesson done but the graded quiz not passed: refused, nothing stored.
    app.json(
        Method::POST,
        "/api/progress",
        Some(&amira),
        &json!({ "course": "tiny", "lesson": "first-steps", "event": "completed" }),
    )
    .await;
    let refused = app
        .json(Method::POST, CERT, Some(&amira), &json!({ "name": "Amira" }))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    assert_eq!(refused.error_code(), "not_complete");
    // A client cannot claim completion or a score.
    let forged = app
        .json(
            Method::POST,
            CERT,
            Some(&amira),
            &json!({ "name": "Amira", "completed": true }),
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    let offer = app.get(CERT, Some(&amira)).await.json();
    assert_eq!(offer["eligible"], false);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificates")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(n, 0);
    // Anonymous and CSRF-less requests are refused.
    assert_eq!(
        app.json(Method::POST, CERT, None, &json!({})).await.status,
        StatusCode::UNAUTHORIZED
    );
    let no_csrf = Learner {
        cookie: amira.cookie.clone(),
        csrf: "wrong".into(),
    };
    assert_eq!(
        app.json(Method::POST, CERT, Some(&no_csrf), &json!({})).await.status,
        StatusCode::FORBIDDEN
    );

    pass_final(app, &amira, "amira-final-1").await;
    let offer = app.get(CERT, Some(&amira)).await.json();
    assert_eq!(offer["eligible"], true, "{offer}");
    let first = app
        .json(Method::POST, CERT, Some(&amira), &json!({ "name": "Amira Haddad" }))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let cert = first.json()["certificate"].clone();
    let id = cert["id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 22, "128 bits, base64url");
    assert_eq!(B64.decode(&id).expect("base64url").len(), 16);
    assert_eq!(cert["name"], "Amira Haddad");
    assert_eq!(cert["title"], "Tiny Practitioner");
    assert_eq!(cert["status"], "valid");
    // Asking again (even with another name) answers the same certificate.
    let again = app
        .json(Method::POST, CERT, Some(&amira), &json!({ "name": "Someone" }))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["certificate"]["id"], id.as_str());
    let list = app.get("/api/certificates", Some(&amira)).await.json();
    assert_eq!(list["certificates"].as_array().map(Vec::len), Some(1));
    // The account page lists it without JavaScript, and offers the hook for the course.
    let account = app.get("/account/", Some(&amira)).await.text();
    assert!(
        account.contains("Your certificates") && account.contains("Tiny Practitioner"),
        "{account}"
    );
    assert!(account.contains("data-certificate-offer data-course=\"tiny\""));

    // The credential: OB 3.0 shape, and the proof verifies with the issuer's keys.
    let cred = app.get(&format!("/certificates/{id}.json"), None).await.json();
    assert_eq!(
        cred["@context"],
        json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ])
    );
    assert_eq!(cred["type"], json!(["VerifiableCredential", "OpenBadgeCredential"]));
    assert_eq!(cred["issuer"]["id"], issuer_did("http://127.0.0.1:8080"));
    assert_eq!(cred["credentialSubject"]["achievement"]["name"], "Tiny Practitioner");
    let email_id = &cred["credentialSubject"]["identifier"][0];
    assert_eq!(email_id["hashed"], true);
    let salt = email_id["salt"].as_str().expect("salt");
    assert_eq!(
        email_id["identityHash"],
        credential::identity_hash("amira@example.org", salt),
        "salted hash of the email"
    );
    assert!(!cred.to_string().contains("amira@example.org"), "no email in clear");
    assert_eq!(cred["credentialStatus"]["type"], "BitstringStatusListEntry");
    assert_eq!(cred["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    let keys = keys::public_keys(&app.state.db).await.expect("keys");
    credential::verify(&cred, &keys, &issuer_did("http://127.0.0.1:8080")).expect("the proof verifies");
    // One year of validity (the fixture's `valid-for: 12 months`).
    let from = credential::parse_iso(cred["validFrom"].as_str().expect("validFrom")).expect("date");
    let until = credential::parse_iso(cred["validUntil"].as_str().expect("validUntil")).expect("date");
    assert!((365 * DAY..=366 * DAY).contains(&(until - from)));

    // The page and the verification page show it.
    let page = app.get(&format!("/certificates/{id}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Amira Haddad") && html.contains("Tiny Practitioner") && html.contains(&id));
    assert!(
        html.contains("class=\"certificate-qr\" src=\"data:image"),
        "QR code inline"
    );
    assert!(html.contains(&format!("{id}.pdf")) && html.contains(&format!("{id}.jwt")));
    let v = app.get(&format!("/verify/{id}"), None).await;
    assert_eq!(v.status, StatusCode::OK);
    assert!(v.text().contains("Valid certificate") && v.text().contains("Amira Haddad"));
    assert!(
        !v.text().contains("amira@example.org"),
        "only what the credential states"
    );
}

async fn someone_elses_certificate_is_not_found(app: &TestApp) {
    let a = learner(app, "a@example.org").await;
    let b = learner(app, "b@example.org").await;
    complete(app, &a, "a-final-1").await;
    let id = issue(app, &a, "A").await["id"].as_str().expect("id").to_owned();
    let theirs = app.get(&format!("/api/certificates/{id}"), Some(&b)).await;
    let missing = app.get("/api/certificates/AAAAAAAAAAAAAAAAAAAAAA", Some(&b)).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(theirs.body, missing.body, "not yours looks like not there");
    let revoke = app
        .json(
            Method::POST,
            &format!("/api/certificates/{id}/revoke"),
            Some(&b),
            &json!({ "reason": "mine now" }),
        )
        .await;
    assert_eq!(revoke.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/api/certificates/{id}"), Some(&a)).await.json()["certificate"]["status"],
        "valid"
    );
    // B has not completed the course: B's own request is refused, A's certificate untouched.
    let own = app.json(Method::POST, CERT, Some(&b), &json!({ "name": "B" })).await;
    assert_eq!(own.status, StatusCode::CONFLICT);
    assert_eq!(
        app.get("/api/certificates", Some(&b)).await.json()["certificates"],
        json!([])
    );
}

async fn admin_revokes_with_a_reason(app: &TestApp) {
    let a = learner(app, "rev@example.org").await;
    let admin = learner(app, "admin@example.org").await;
    make_admin(app, &admin).await;
    complete(app, &a, "rev-final-1").await;
    let cert = issue(app, &a, "Revoked Person").await;
    let id = cert["id"].as_str().expect("id").to_owned();
    let cred = app.get(&format!("/certificates/{id}.json"), None).await.json();
    let index: i64 = cred["credentialStatus"]["statusListIndex"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("index");
    let list = app.get("/status/1", None).await.json();
    let encoded = list["credentialSubject"]["encodedList"].as_str().expect("list");
    assert_eq!(issuer::list_has(encoded, index), Some(false));
    // Nothing changed: a minute later the same signed list is served, not signed anew.
    let clock = &app.state.certs.clock;
    clock.set_ms(clock.now_ms() + 60_000);
    assert_eq!(
        app.get("/status/1", None).await.json(),
        list,
        "signed again without a change"
    );

    let r = app
        .json(
            Method::POST,
            &format!("/api/certificates/{id}/revoke"),
            Some(&admin),
            &json!({ "reason": "issued in error" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["certificate"]["status"], "revoked");
    assert_eq!(r.json()["certificate"]["revocation_reason"], "issued in error");
    let page = app.get(&format!("/certificates/{id}"), None).await.text();
    assert!(page.contains("Revoked") && page.contains("issued in error"));
    let v = verify(app, &id).await;
    assert_eq!(v["certificate"]["status"], "revoked");
    let jwt = app.get(&format!("/certificates/{id}.jwt"), None).await.text();
    assert_eq!(verify(app, &jwt).await["certificate"]["status"], "revoked");
    let list = app.get("/status/1", None).await.json();
    let encoded = list["credentialSubject"]["encodedList"].as_str().expect("list");
    assert_eq!(
        issuer::list_has(encoded, index),
        Some(true),
        "published in the status list"
    );
    let keys = keys::public_keys(&app.state.db).await.expect("keys");
    credential::verify(&list, &keys, &issuer_did("http://127.0.0.1:8080")).expect("the status list is signed");
    // The PDF, made on request, is stamped.
    if pdf_tools() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("revoked.pdf");
        std::fs::write(&file, app.get(&format!("/certificates/{id}.pdf"), None).await.body).expect("write");
        let out = tool("pdftotext").arg(&file).arg("-").output().expect("pdftotext");
        assert!(String::from_utf8_lossy(&out.stdout).contains("REVOKED"));
    }
    // The CLI's revocation (`waypost admin revoke-certificate`) is the same, and idempotent.
    waypost::admin::revoke_certificate(
        &app.state.db,
        &format!("http://127.0.0.1:8080/certificates/{id}"),
        "again",
    )
    .await
    .expect("the CLI path revokes");
    assert_eq!(
        verify(app, &id).await["certificate"]["revocation_reason"],
        "issued in error"
    );
    // Asking again does not undo a revocation.
    let again = app.json(Method::POST, CERT, Some(&a), &json!({})).await;
    assert_eq!(again.json()["certificate"]["status"], "revoked");
    assert_eq!(
        app.json(
            Method::POST,
            "/api/certificates/AAAAAAAAAAAAAAAAAAAAAA/revoke",
            Some(&admin),
            &json!({ "reason": "x" })
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

async fn expiry_and_renewal_on_the_injected_clock(app: &TestApp) {
    let now = waypost::db::now_ms();
    app.state.certs.clock.set_ms(now);
    let a = learner(app, "renew@example.org").await;
    complete(app, &a, "renew-final-1").await;
    let old = issue(app, &a, "Renewing Learner").await;
    let old_id = old["id"].as_str().expect("id").to_owned();
    assert_eq!(old["renewal_due"], false);
    // 350 days on: it ends in about two weeks, so renewal is open (30 days before the end).
    app.state.certs.clock.set_ms(now + 350 * DAY);
    let offer = app.get(CERT, Some(&a)).await.json();
    assert_eq!(offer["certificate"]["renewal_due"], true, "{offer}");
    assert_eq!(offer["eligible"], false, "renewal needs the graded quizzes retaken");
    assert_eq!(verify(app, &old_id).await["certificate"]["status"], "valid");
    // Asking again before retaking: the same certificate.
    assert_eq!(issue(app, &a, "Renewing Learner").await["id"], old_id.as_str());
    pass_final(app, &a, "renew-final-2").await;
    assert_eq!(app.get(CERT, Some(&a)).await.json()["eligible"], true);
    let renewed = app.json(Method::POST, CERT, Some(&a), &json!({})).await;
    assert_eq!(renewed.status, StatusCode::CREATED, "{}", renewed.text());
    let new_id = renewed.json()["certificate"]["id"].as_str().expect("id").to_owned();
    assert_ne!(new_id, old_id);
    assert_eq!(renewed.json()["certificate"]["renewal_due"], false);
    // Asking once more answers the renewed one.
    assert_eq!(issue(app, &a, "Renewing Learner").await["id"], new_id.as_str());
    // 371 days on, the old one has expired and says so; the renewed one is valid.
    app.state.certs.clock.set_ms(now + 371 * DAY);
    assert_eq!(verify(app, &old_id).await["certificate"]["status"], "expired");
    assert!(
        app.get(&format!("/verify/{old_id}"), None)
            .await
            .text()
            .contains("Expired certificate")
    );
    assert!(
        app.get(&format!("/certificates/{old_id}"), None)
            .await
            .text()
            .contains("Expired")
    );
    assert_eq!(verify(app, &new_id).await["certificate"]["status"], "valid");
    // Two years on, the renewed one has expired too; its PDF says so.
    app.state.certs.clock.set_ms(now + 730 * DAY);
    assert_eq!(verify(app, &new_id).await["certificate"]["status"], "expired");
    let pdf = app.get(&format!("/certificates/{new_id}.pdf"), None).await;
    assert_eq!(pdf.status, StatusCode::OK);
}

async fn rotation_keeps_old_certificates_verifiable(app: &TestApp) {
    let a = learner(app, "rot-a@example.org").await;
    let b = learner(app, "rot-b@example.org").await;
    complete(app, &a, "rot-a-final").await;
    complete(app, &b, "rot-b-final").await;
    let old = issue(app, &a, "Before Rotation").await;
    let path = keys::key_path(&app.state.config.data_dir);
    let (old_kid, new_kid) = keys::rotate(&app.state.db, &path, waypost::db::now_ms())
        .await
        .expect("rotates");
    assert_ne!(old_kid.as_deref(), Some(new_kid.as_str()));
    app.state.certs.reload();
    let new = issue(app, &b, "After Rotation").await;
    let jwks = app.get("/.well-known/jwks.json", None).await.json();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["kid"].as_str())
        .collect();
    assert_eq!(kids.len(), 2, "{jwks}");
    let did = app.get("/.well-known/did.json", None).await.json();
    assert_eq!(did["assertionMethod"].as_array().map(Vec::len), Some(2));
    for (cert, kid) in [(&old, old_kid.expect("there was a key")), (&new, new_kid)] {
        let id = cert["id"].as_str().expect("id");
        let cred = app.get(&format!("/certificates/{id}.json"), None).await.json();
        assert!(
            cred["proof"]["verificationMethod"]
                .as_str()
                .is_some_and(|vm| vm.ends_with(&format!("#{kid}"))),
            "{} signed by {kid}",
            cred["proof"]["verificationMethod"]
        );
        let jwt = app.get(&format!("/certificates/{id}.jwt"), None).await.text();
        for input in [id.to_owned(), jwt, cred.to_string()] {
            let v = verify(app, &input).await;
            assert_eq!(v["verified"], true, "{v}");
            assert_eq!(v["certificate"]["status"], "valid");
        }
    }
}

async fn key_file_is_private_and_never_served(app: &TestApp) {
    let a = learner(app, "key@example.org").await;
    complete(app, &a, "key-final").await;
    let id = issue(app, &a, "Key Holder").await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = keys::key_path(&app.state.config.data_dir);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).expect("key file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let seed = std::fs::read_to_string(&path).expect("key file");
    let seed = seed.trim();
    assert_eq!(B64.decode(seed).expect("seed").len(), 32);
    for url in [
        "/.well-known/jwks.json".to_owned(),
        "/.well-known/did.json".to_owned(),
        "/status/1".to_owned(),
        format!("/certificates/{id}"),
        format!("/certificates/{id}.json"),
        format!("/certificates/{id}.jwt"),
        format!("/verify/{id}"),
        "/api/openapi.json".to_owned(),
    ] {
        let body = app.get(&url, None).await.text();
        assert!(!body.contains(seed), "{url} serves the private key");
    }
    let stored: Vec<String> = sqlx::query_scalar("SELECT public_key FROM signing_keys")
        .fetch_all(&app.state.db.pool)
        .await
        .expect("keys");
    assert!(stored.iter().all(|k| k != seed), "the database holds public keys only");
    assert!(!format!("{:?}", app.state.certs).contains(seed));
}

fn hs256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.iter().map(|x| x ^ b).collect::<Vec<u8>>();
    let inner = Sha256::digest([pad(0x36), msg.to_vec()].concat());
    Sha256::digest([pad(0x5c), inner.to_vec()].concat()).to_vec()
}

async fn tampered_tokens_and_credentials_are_rejected(app: &TestApp) {
    let a = learner(app, "tamper@example.org").await;
    complete(app, &a, "tamper-final").await;
    let id = issue(app, &a, "Real Name").await["id"].as_str().expect("id").to_owned();
    let jwt = app.get(&format!("/certificates/{id}.jwt"), None).await.text();
    assert_eq!(verify(app, &jwt).await["verified"], true, "the genuine token verifies");
    let parts: Vec<&str> = jwt.split('.').collect();
    let header: Value = serde_json::from_slice(&B64.decode(parts[0]).expect("b64")).expect("json");
    let payload: Value = serde_json::from_slice(&B64.decode(parts[1]).expect("b64")).expect("json");
    let enc = |v: &Value| B64.encode(v.to_string());
    let did = issuer_did("http://127.0.0.1:8080");
    let jwks = app.get("/.well-known/jwks.json", None).await.json();
    let public_x = B64.decode(jwks["keys"][0]["x"].as_str().expect("x")).expect("x");

    let mut forged_payload = payload.clone();
    forged_payload["credentialSubject"]["identifier"][1]["identityHash"] = json!("Forged Name");
    let mut sig = B64.decode(parts[2]).expect("sig");
    sig[10] ^= 0x40;
    let mut header_typ = header.clone();
    header_typ["typ"] = json!("JWT");
    let mut header_jwk = header.clone();
    header_jwk["jwk"] = jwks["keys"][0].clone();
    let none_header = json!({ "alg": "none", "kid": header["kid"], "typ": "vc+jwt" });
    let hs_header = json!({ "alg": "HS256", "kid": header["kid"], "typ": "vc+jwt" });
    let hs_input = format!("{}.{}", enc(&hs_header), parts[1]);
    let hs_with_public_key = format!("{hs_input}.{}", B64.encode(hs256(&public_x, hs_input.as_bytes())));
    let hs_input_jwk = format!("{}.{}", enc(&hs_header), parts[1]);
    let hs_with_jwk_text = format!(
        "{hs_input_jwk}.{}",
        B64.encode(hs256(jwks["keys"][0].to_string().as_bytes(), hs_input_jwk.as_bytes()))
    );
    let other = keys::Signer::generate();
    let cred_of_token = {
        let mut c = payload.clone();
        for k in ["iss", "sub", "jti", "nbf", "exp"] {
            c.as_object_mut().expect("object").remove(k);
        }
        c
    };
    let by_other_key = jws::sign(&cred_of_token, &other, &did).expect("signs");
    let cases = [
        ("payload", format!("{}.{}.{}", parts[0], enc(&forged_payload), parts[2])),
        ("signature", format!("{}.{}.{}", parts[0], parts[1], B64.encode(&sig))),
        ("header typ", format!("{}.{}.{}", enc(&header_typ), parts[1], parts[2])),
        ("header jwk", format!("{}.{}.{}", enc(&header_jwk), parts[1], parts[2])),
        ("alg none", format!("{}.{}.", enc(&none_header), parts[1])),
        ("HS256 with the public key", hs_with_public_key),
        ("HS256 with the JWK", hs_with_jwk_text),
        ("another key", by_other_key),
    ];
    for (why, token) in &cases {
        let v = verify(app, token).await;
        assert_eq!(v, json!({ "verified": false }), "{why} accepted");
        let form = app
            .send(
                Method::POST,
                "/verify",
                &[("content-type", "application/x-www-form-urlencoded")],
                Body::from(format!("input={}", urlencode(token))),
            )
            .await;
        assert!(form.text().contains("Not verified"), "{why}: the form accepted it");
    }

    // The Data Integrity credential: changed content, and a proof by another key.
    let cred = app.get(&format!("/certificates/{id}.json"), None).await.json();
    assert_eq!(verify(app, &cred.to_string()).await["verified"], true);
    let mut changed = cred.clone();
    changed["credentialSubject"]["identifier"][1]["identityHash"] = json!("Forged Name");
    let mut unsigned = cred.clone();
    unsigned.as_object_mut().expect("object").remove("proof");
    let resigned = credential::sign(unsigned, &other, &did, 1_800_000_000_000).expect("signs");
    let mut bad_value = cred.clone();
    bad_value["proof"]["proofValue"] =
        json!("z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKxQ43UdPSbjSnFT8e");
    for (why, doc) in [
        ("content", changed),
        ("other key", resigned),
        ("proof value", bad_value),
    ] {
        assert_eq!(
            verify(app, &doc.to_string()).await,
            json!({ "verified": false }),
            "{why} accepted"
        );
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn unknown_ids_answer_like_malformed_ones(app: &TestApp) {
    let unknown = waypost::certs::store::new_certificate_id();
    let answers: Vec<(u16, String)> = {
        let mut out = Vec::new();
        for path in [
            format!("/verify/{unknown}"),
            "/verify/not-an-id".to_owned(),
            "/verify/%3Cscript%3E".to_owned(),
            format!("/certificates/{unknown}"),
            "/certificates/short".to_owned(),
            format!("/certificates/{unknown}.pdf"),
        ] {
            let a = app.get(&path, None).await;
            out.push((a.status.as_u16(), a.text()));
        }
        out
    };
    for (status, body) in &answers {
        assert_eq!(*status, 404);
        assert_eq!(body, &answers[0].1, "every unverifiable id gets the same page");
    }
    assert!(answers[0].1.contains("Not verified"));
    for input in [unknown.as_str(), "nonsense", "a.b.c", "{\"id\": 1}"] {
        assert_eq!(verify(app, input).await, json!({ "verified": false }), "{input}");
    }
}

/// `pdftotext` and `zbarimg` (Debian's poppler-utils and zbar-tools; `.ci/run` installs them).
fn tool(name: &str) -> std::process::Command {
    std::process::Command::new(name)
}

/// Whether the PDF tools are here. In CI they must be; elsewhere (the README's plain
/// `cargo test`, which needs only the Rust toolchain) their checks are skipped and say so.
fn pdf_tools() -> bool {
    let have = |t: &str| tool(t).arg("-v").output().is_ok();
    let all =
        have("pdftotext") && have("pdftoppm") && have("pdffonts") && tool("zbarimg").arg("--version").output().is_ok();
    assert!(
        all || std::env::var_os("CI").is_none(),
        "CI needs poppler-utils and zbar-tools for the PDF tests"
    );
    if !all {
        eprintln!(
            "pdf tests: pdftotext/zbarimg missing, text and QR checks skipped (apt-get install poppler-utils zbar-tools)"
        );
    }
    all
}

async fn pdf_has_the_text_and_a_qr_code_of_the_verification_url(app: &TestApp) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, name) in ["Zoë Åkesson-Müller", "أميرة حداد", "王小明", "Юлия Соколова"]
        .iter()
        .enumerate()
    {
        let who = learner(app, &format!("pdf{i}@example.org")).await;
        complete(app, &who, &format!("pdf-final-{i}")).await;
        let id = issue(app, &who, name).await["id"].as_str().expect("id").to_owned();
        let pdf = app.get(&format!("/certificates/{id}.pdf"), None).await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert_eq!(
            pdf.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/pdf")
        );
        assert!(pdf.body.starts_with(b"%PDF-"));
        // Embedded font programs with a text map, whatever tools are installed.
        let raw = String::from_utf8_lossy(&pdf.body);
        assert!(
            raw.contains("/FontFile2") || raw.contains("/FontFile3"),
            "fonts embedded"
        );
        assert!(raw.contains("/ToUnicode"), "text extractable");
        if !pdf_tools() {
            continue;
        }
        let file = dir.path().join(format!("{i}.pdf"));
        std::fs::write(&file, &pdf.body).expect("write");
        let out = tool("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&file)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) must be installed");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.contains(name), "{name} not extracted from the PDF:\n{text}");
        assert!(text.contains("Tiny Practitioner"), "{text}");
        assert!(text.contains(&id), "{text}");
        let fonts = tool("pdffonts").arg(&file).output().expect("pdffonts");
        let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
        assert!(
            fonts.lines().skip(2).all(|l| l.contains(" yes ")),
            "every font embedded:\n{fonts}"
        );
        if i < 2 {
            let png = dir.path().join(format!("{i}"));
            let status = tool("pdftoppm")
                .args(["-png", "-r", "150", "-singlefile"])
                .arg(&file)
                .arg(&png)
                .status()
                .expect("pdftoppm");
            assert!(status.success());
            let qr = tool("zbarimg")
                .args(["--quiet", "--raw"])
                .arg(png.with_extension("png"))
                .output()
                .expect("zbarimg (zbar-tools) must be installed");
            let decoded = String::from_utf8_lossy(&qr.stdout).trim().to_owned();
            assert_eq!(decoded, format!("http://127.0.0.1:8080/verify/{id}"));
        }
    }
}

async fn renewal_reminders_are_claimed_once(app: &TestApp) {
    use waypost::certs::store::claim_due_reminders;
    let db = &app.state.db;
    let now = waypost::db::now_ms();
    app.state.certs.clock.set_ms(now);
    let a = learner(app, "remind@example.org").await;
    complete(app, &a, "remind-final-1").await;
    let first = issue(app, &a, "Reminded").await["id"].as_str().expect("id").to_owned();
    assert!(
        claim_due_reminders(db, now, 10).await.expect("claims").is_empty(),
        "not due yet"
    );
    let due = claim_due_reminders(db, now + 340 * DAY, 10).await.expect("claims");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].id, first);
    assert_eq!(due[0].email, "remind@example.org");
    assert!(
        claim_due_reminders(db, now + 341 * DAY, 10)
            .await
            .expect("claims")
            .is_empty(),
        "once"
    );
    // Renewed: the new certificate gets its own reminder when its window opens, the old none.
    app.state.certs.clock.set_ms(now + 340 * DAY);
    pass_final(app, &a, "remind-final-2").await;
    let second = issue(app, &a, "Reminded").await["id"].as_str().expect("id").to_owned();
    assert_ne!(second, first);
    let later = claim_due_reminders(db, now + 690 * DAY, 10).await.expect("claims");
    assert_eq!(
        later.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        vec![second.as_str()]
    );
}
