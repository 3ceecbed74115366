#!/usr/bin/env python3
"""Independent verification of Waypost's VC-JWTs (C1) and of its refusals (C2).

PyJWT + cryptography verify each certificate's `.jwt` against the issuer's
`/.well-known/jwks.json` (nothing from the server's own code), the claims are checked against
the credential they carry, and the credential (the `.json` download and the JWT's payload)
is checked against `ob3_required.schema.json`: the fields the Open Badges 3.0 specification
requires of an AchievementCredential, written out as a JSON Schema (no registry package ships
1EdTech's official schema). Then forged tokens (tampered payload, signature and header,
`alg: none`, HS256 keyed with the public key, another Ed25519 key) must be refused by PyJWT
and by the server's `POST /api/verify`. Revoked ids must be set in the published status list.

Environment: WAYPOST_BASE_URL, WAYPOST_CERT_IDS (comma-separated), WAYPOST_REVOKED_IDS
(comma-separated, optional). Prints one line per check and closes with "N passed, N failed".
"""

import base64
import datetime
import gzip
import hashlib
import hmac
import json
import os
import sys
import urllib.request

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jsonschema import Draft202012Validator

BASE = os.environ["WAYPOST_BASE_URL"].rstrip("/")
IDS = [i for i in os.environ.get("WAYPOST_CERT_IDS", "").split(",") if i]
REVOKED = [i for i in os.environ.get("WAYPOST_REVOKED_IDS", "").split(",") if i]
HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = json.load(open(os.path.join(HERE, "ob3_required.schema.json"), encoding="utf-8"))

results = []


def check(name, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the run
        results.append(False)
        print(f"FAILED {name}: {type(e).__name__}: {e}")
    else:
        results.append(True)
        print(f"ok {name}")


def get(path):
    with urllib.request.urlopen(BASE + path, timeout=30) as r:
        return r.read()


def server_verify(text):
    req = urllib.request.Request(
        BASE + "/api/verify",
        data=json.dumps({"input": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def seconds(iso):
    return int(datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


JWKS = json.loads(get("/.well-known/jwks.json"))
KEYS = {k["kid"]: k for k in JWKS["keys"]}


def verify_independently(token):
    """Strict verification with PyJWT: EdDSA only, key only from the issuer's JWKS by kid."""
    header = jwt.get_unverified_header(token)
    if header.get("alg") != "EdDSA":
        raise ValueError(f"alg {header.get('alg')!r} refused")
    for h in ("jku", "jwk", "x5u", "x5c", "crit"):
        if h in header:
            raise ValueError(f"header {h} refused")
    jwk = KEYS[header["kid"]]  # KeyError: not one of the issuer's keys
    key = jwt.PyJWK(jwk).key
    claims = jwt.decode(
        token,
        key=key,
        algorithms=["EdDSA"],
        options={"require": ["iss", "sub", "jti", "nbf"], "verify_aud": False},
    )
    assert claims["iss"] == claims["issuer"]["id"], "iss is issuer.id"
    assert claims["jti"] == claims["id"], "jti is the credential id"
    assert claims["nbf"] == seconds(claims["validFrom"]), "nbf is validFrom"
    if "validUntil" in claims:
        assert claims["exp"] == seconds(claims["validUntil"]), "exp is validUntil"
    email = [i for i in claims["credentialSubject"]["identifier"] if i["identityType"] == "emailAddress"]
    assert claims["sub"] == email[0]["identityHash"], "sub is the hashed email identity"
    return claims


def schema_errors(cred):
    return [e.message for e in Draft202012Validator(SCHEMA).iter_errors(cred)]


def check_certificate(cid):
    token = get(f"/certificates/{cid}.jwt").decode().strip()
    cred = json.loads(get(f"/certificates/{cid}.json"))

    def jwt_verifies():
        claims = verify_independently(token)
        for k in ("iss", "sub", "jti", "nbf", "exp"):
            claims.pop(k, None)
        unsigned = {k: v for k, v in cred.items() if k != "proof"}
        assert claims == unsigned, "the JWT carries the same credential as the .json"

    def schema_ok():
        errs = schema_errors(cred)
        assert not errs, errs
        header = jwt.get_unverified_header(token)
        assert header["typ"] == "vc+jwt" and header["alg"] == "EdDSA", header

    check(f"{cid}: VC-JWT verifies with PyJWT against the JWKS, claims consistent", jwt_verifies)
    check(f"{cid}: credential has the OB 3.0 AchievementCredential required fields", schema_ok)
    return token


def forgeries(token):
    h, p, s = token.split(".")
    header = json.loads(unb64(h))
    payload = json.loads(unb64(p))
    sig = bytearray(unb64(s))
    sig[7] ^= 0x01
    forged = dict(payload)
    forged["credentialSubject"] = json.loads(json.dumps(payload["credentialSubject"]))
    forged["credentialSubject"]["identifier"][1]["identityHash"] = "Mallory"
    jwk = KEYS[header["kid"]]
    public = unb64(jwk["x"])

    def hs256(key):
        hdr = b64(json.dumps({"alg": "HS256", "kid": header["kid"], "typ": "vc+jwt"}).encode())
        mac = hmac.new(key, f"{hdr}.{p}".encode(), hashlib.sha256).digest()
        return f"{hdr}.{p}.{b64(mac)}"

    other = Ed25519PrivateKey.generate()
    by_other = jwt.encode(payload, other, algorithm="EdDSA", headers={"kid": header["kid"], "typ": "vc+jwt"})
    by_other_kid = jwt.encode(payload, other, algorithm="EdDSA", headers={"kid": header["kid"] + "x", "typ": "vc+jwt"})
    with_jwk = dict(header, jwk={"kty": "OKP", "crv": "Ed25519", "x": b64(public)})
    from cryptography.hazmat.primitives import serialization

    other_x = other.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    own_jwk = jwt.encode(
        payload,
        other,
        algorithm="EdDSA",
        headers={"kid": header["kid"], "typ": "vc+jwt", "jwk": {"kty": "OKP", "crv": "Ed25519", "x": b64(other_x)}},
    )
    typ_changed = dict(header, typ="JWT")
    return {
        "tampered payload": f"{h}.{b64(json.dumps(forged).encode())}.{s}",
        "tampered signature": f"{h}.{p}.{b64(bytes(sig))}",
        "tampered header (typ)": f"{b64(json.dumps(typ_changed).encode())}.{p}.{s}",
        "header with an embedded jwk": f"{b64(json.dumps(with_jwk).encode())}.{p}.{s}",
        "alg none": f"{b64(json.dumps({'alg': 'none', 'kid': header['kid'], 'typ': 'vc+jwt'}).encode())}.{p}.",
        "HS256 keyed with the public key": hs256(public),
        "HS256 keyed with the JWK text": hs256(json.dumps(jwk).encode()),
        "another Ed25519 key, our kid": by_other,
        "another Ed25519 key, unknown kid": by_other_kid,
        "another key, announced in a jwk header": own_jwk,
    }


def main():
    assert IDS, "WAYPOST_CERT_IDS names no certificate"

    def jwks_public_only():
        assert JWKS["keys"], "no keys"
        for k in JWKS["keys"]:
            assert k["kty"] == "OKP" and k["crv"] == "Ed25519" and "d" not in k, k

    check("JWKS: OKP/Ed25519 public keys only", jwks_public_only)
    tokens = [check_certificate(cid) for cid in IDS]
    for name, token in forgeries(tokens[0]).items():

        def refused(token=token):
            try:
                verify_independently(token)
            except Exception:  # noqa: BLE001 - any refusal is a refusal
                pass
            else:
                raise AssertionError("PyJWT accepted it")
            answer = server_verify(token)
            assert answer == {"verified": False}, answer

        check(f"C2 {name}: refused by PyJWT and by /api/verify", refused)

    if REVOKED:
        status = json.loads(get("/status/1"))
        bits = gzip.decompress(unb64(status["credentialSubject"]["encodedList"][1:]))
        for cid in REVOKED:

            def revoked(cid=cid):
                cred = json.loads(get(f"/certificates/{cid}.json"))
                index = int(cred["credentialStatus"]["statusListIndex"])
                assert bits[index // 8] & (0x80 >> (index % 8)), "bit not set"
                assert server_verify(cid)["certificate"]["status"] == "revoked"

            check(f"C3 {cid}: revoked in the status list and in /api/verify", revoked)

    passed = sum(results)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
