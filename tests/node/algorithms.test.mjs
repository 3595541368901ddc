// Against `viceroy serve` (scripts/node-tests): each COSE algorithm Bio accepts registers and
// signs in over HTTP, and the same assertion with one signature bit flipped is refused. The Rust
// tests verify all three in cargo's own test binaries; this runs the verifiers in the module that
// ships (cargo's release wasm after binaryen's -Oz, scripts/optimize-wasm), where the other Node
// tests sign only with ES256.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Authenticator, Client } from './authenticator.mjs';

const BASE = process.env.BIO_BASE_URL ?? 'http://localhost:7678';

for (const algorithm of ['ES256', 'RS256', 'EdDSA']) {
  test(`${algorithm}: registers, signs in, and a signature with one bit flipped is refused`, async () => {
    const client = new Client(BASE);
    const authenticator = new Authenticator(algorithm);
    let options = await client.start();
    let r = await client.finish(options, authenticator.create(options, client.origin));
    assert.equal(r.status, 200, await r.text());
    await client.post('/logout');

    // A bit 8 bytes from the end: inside ES256's DER `s`, RS256's signature, Ed25519's `S`
    // (well below its top byte, so still a canonical scalar: the check that fails is the
    // signature's, not the encoding's).
    options = await client.start();
    const forged = authenticator.get(options, client.origin);
    const signature = Buffer.from(forged.response.signature, 'base64url');
    signature[signature.length - 8] ^= 0x01;
    forged.response.signature = signature.toString('base64url');
    r = await client.finish(options, forged);
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error, 'signature_invalid');

    options = await client.start();
    r = await client.finish(options, authenticator.get(options, client.origin));
    assert.equal(r.status, 200, await r.text());
    assert.match(await (await fetch(`${BASE}/`, { headers: client.headers() })).text(), /Logged in as/);
  });
}
