// Independent verification of Waypost's Data Integrity proofs (C1) and of forgeries (C2),
// with Digital Bazaar's stack: @digitalbazaar/vc, @digitalbazaar/data-integrity and
// @digitalbazaar/eddsa-rdfc-2022-cryptosuite (jsonld.js + rdf-canonize underneath), offline:
// the document loader serves only bundled contexts (VC 2.0 from
// @digitalbazaar/credentials-context, OB 3.0 from ../shared/ob3/) and the issuer's DID
// document, fetched once from the server under test. Revocation is read from the published
// BitstringStatusListCredential, whose own proof is verified the same way.
//
// Environment: WAYPOST_BASE_URL, WAYPOST_CERT_IDS (comma-separated), WAYPOST_REVOKED_IDS
// (comma-separated, optional), WAYPOST_OB3_DIR (default ../../../shared/ob3). Run with
// `node --test` (tests/verifiers/run.sh does it all).

import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';

const BASE = (process.env.WAYPOST_BASE_URL || '').replace(/\/$/, '');
const IDS = (process.env.WAYPOST_CERT_IDS || '').split(',').filter(Boolean);
const REVOKED = new Set((process.env.WAYPOST_REVOKED_IDS || '').split(',').filter(Boolean));
const OB3_URL = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
const OB3_DIR = process.env.WAYPOST_OB3_DIR ||
  new URL('../../../shared/ob3/', import.meta.url).pathname;
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';

if(!BASE || IDS.length === 0) {
  throw new Error('set WAYPOST_BASE_URL and WAYPOST_CERT_IDS (tests/verifiers/run.sh does)');
}

async function get(path) {
  const r = await fetch(BASE + path);
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  return r.json();
}

async function serverVerify(input) {
  const r = await fetch(`${BASE}/api/verify`, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({input})
  });
  return r.json();
}

// The offline document loader: bundled contexts, then the issuer's documents.
const documents = new Map(credentialsContexts);
documents.set(OB3_URL, JSON.parse(readFileSync(`${OB3_DIR}/context-3.0.3.json`, 'utf8')));
const didDocument = await get('/.well-known/did.json');
documents.set(didDocument.id, didDocument);
for(const vm of didDocument.verificationMethod) {
  documents.set(vm.id, {'@context': MULTIKEY_V1, ...vm});
}
const extra = new Map(); // documents an attacker could host (per test)
async function documentLoader(url) {
  const document = documents.get(url) || extra.get(url);
  if(!document) {
    throw new Error(`offline document loader: ${url} is not bundled`);
  }
  return {contextUrl: null, documentUrl: url, document: structuredClone(document)};
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

const statusList = await get('/status/1');
async function checkStatus({credential}) {
  const entry = credential.credentialStatus;
  assert.equal(entry.type, 'BitstringStatusListEntry');
  assert.equal(entry.statusListCredential, statusList.id);
  const bits = gunzipSync(Buffer.from(statusList.credentialSubject.encodedList.slice(1), 'base64url'));
  const index = Number(entry.statusListIndex);
  const revoked = (bits[index >> 3] & (0x80 >> (index & 7))) !== 0;
  return {verified: !revoked, revoked};
}

async function verify(credential) {
  return vc.verifyCredential({credential, suite, documentLoader, checkStatus});
}

test('the status list credential verifies (eddsa-rdfc-2022)', async () => {
  const result = await vc.verifyCredential({credential: statusList, suite, documentLoader});
  assert.equal(result.verified, true, JSON.stringify(result.error || result.results));
  assert.deepEqual(statusList.type, ['VerifiableCredential', 'BitstringStatusListCredential']);
});

const credentials = new Map();
for(const id of IDS) {
  credentials.set(id, await get(`/certificates/${id}.json`));
}

for(const [id, credential] of credentials) {
  test(`${id}: Data Integrity proof verifies with @digitalbazaar/vc`, async () => {
    assert.equal(credential.proof.cryptosuite, 'eddsa-rdfc-2022');
    assert.ok(credential.type.includes('OpenBadgeCredential'));
    const result = await verify(credential);
    const proofOk = result.results?.[0]?.verified;
    assert.equal(proofOk, true, `proof: ${JSON.stringify(result.error || result.results)}`);
    if(REVOKED.has(id)) {
      assert.equal(result.verified, false, 'a revoked credential must not verify');
      assert.equal(result.statusResult.revoked, true);
    } else {
      assert.equal(result.verified, true, JSON.stringify(result.error));
      assert.equal(result.statusResult.revoked, false);
    }
  });
}

test('after key rotation, certificates signed by the old and the new key all verify', {
  skip: process.env.WAYPOST_EXPECT_KEYS ? false : 'no rotation in this run'
}, () => {
  const methods = new Set([...credentials.values()].map((c) => c.proof.verificationMethod));
  assert.equal(methods.size, Number(process.env.WAYPOST_EXPECT_KEYS),
    `proofs by ${[...methods].join(', ')}`);
  assert.equal(didDocument.assertionMethod.length, Number(process.env.WAYPOST_EXPECT_KEYS));
});

const [firstId, first] = [...credentials].find(([id]) => !REVOKED.has(id));
const did = didDocument.id;
const unsigned = structuredClone(first);
delete unsigned.proof;

async function forged(name, credential) {
  const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  assert.equal(result.verified, false, `${name}: @digitalbazaar/vc accepted it`);
  assert.deepEqual(await serverVerify(JSON.stringify(credential)), {verified: false},
    `${name}: /api/verify accepted it`);
}

test(`C2 ${firstId}: changed content is refused`, async () => {
  const c = structuredClone(first);
  c.credentialSubject.identifier[1].identityHash = 'Mallory';
  await forged('changed name', c);
  const d = structuredClone(first);
  d.validUntil = '2099-01-01T00:00:00Z';
  await forged('changed validUntil', d);
});

test(`C2 ${firstId}: a changed proofValue is refused`, async () => {
  const c = structuredClone(first);
  const v = c.proof.proofValue;
  c.proof.proofValue = v.slice(0, 10) + (v[10] === 'A' ? 'B' : 'A') + v.slice(11);
  await forged('proofValue', c);
});

test(`C2 ${firstId}: a proof by another key is refused`, async () => {
  // An attacker's key under our DID, its verification method resolvable (as if hosted),
  // but not in the issuer's DID document: the controller check refuses it.
  const attacker = await Ed25519Multikey.generate({id: `${did}#attacker`, controller: did});
  extra.set(attacker.id, await attacker.export({publicKey: true, includeContext: true}));
  const signed = await vc.issue({
    credential: structuredClone(unsigned),
    suite: new DataIntegrityProof({signer: attacker.signer(), cryptosuite: eddsaRdfc2022}),
    documentLoader
  });
  await forged('attacker key', signed);
  // The attacker's key claiming our verification method: the signature does not match.
  const ourVm = first.proof.verificationMethod;
  const impostor = await Ed25519Multikey.generate({id: ourVm, controller: did});
  const signed2 = await vc.issue({
    credential: structuredClone(unsigned),
    suite: new DataIntegrityProof({signer: impostor.signer(), cryptosuite: eddsaRdfc2022}),
    documentLoader
  });
  await forged('impostor key', signed2);
  extra.clear();
});
