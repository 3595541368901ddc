// Against `viceroy serve` (scripts/node-tests): one challenge, two concurrent finishes → exactly
// one succeeds; and the real router's answers (404, 405, JSON errors, headers) over HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Authenticator, Client, register } from './authenticator.mjs';

const BASE = process.env.BIO_BASE_URL ?? 'http://localhost:7678';

test('two concurrent finishes with one challenge: exactly one succeeds', async () => {
  for (const ceremony of ['registration', 'authentication']) {
    let client; let authenticator;
    if (ceremony === 'registration') {
      client = new Client(BASE); authenticator = new Authenticator();
    } else {
      ({ client, authenticator } = await register(BASE));
      await client.post('/logout');
    }
    const options = await client.start();
    const credential = ceremony === 'registration'
      ? authenticator.create(options, client.origin)
      : authenticator.get(options, client.origin);
    const headers = client.headers({ origin: client.origin, 'content-type': 'application/json' });
    const body = JSON.stringify({ ceremony: options.ceremony, credential });
    const results = await Promise.all([1, 2, 3].map(() =>
      fetch(`${BASE}/auth/finish`, { method: 'POST', headers, body })));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses.filter((s) => s === 200).length, 1, `${ceremony}: ${statuses}`);
    for (const r of results.filter((x) => x.status !== 200)) {
      const error = await r.json();
      assert.equal(r.status, 409, JSON.stringify(error));
      assert.match(error.error, /^(challenge_used|credential_exists)$/);
    }
  }
});

test('any number of tabs each finish their own ceremony', async () => {
  const { client, authenticator } = await register(BASE);
  await client.post('/logout');
  const tabs = [];
  for (let i = 0; i < 4; i += 1) tabs.push(await client.start());
  // Oldest first, each signing in then out: no tab's ceremony was replaced by a later one.
  for (const tab of tabs) {
    const r = await client.finish(tab, authenticator.get(tab, client.origin));
    assert.equal(r.status, 200, await r.text());
    await client.post('/logout');
  }
  // Another browser cannot use this browser's token.
  const stranger = new Client(BASE);
  const tab = await client.start();
  stranger.absorb(await fetch(`${BASE}/`));
  const r = await stranger.finish(tab, authenticator.get(tab, client.origin));
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error, 'ceremony_invalid');
  // ...and it was not spent: the owner still finishes it.
  assert.equal((await client.finish(tab, authenticator.get(tab, client.origin))).status, 200);
});

test('the router over HTTP: 404, 405 with Allow, JSON under /auth/, headers', async () => {
  let r = await fetch(`${BASE}/nope`);
  assert.equal(r.status, 404);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  r = await fetch(`${BASE}/auth/start`);
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'POST');
  assert.deepEqual(Object.keys(await r.json()).sort(), ['error', 'message']);
  r = await fetch(`${BASE}/auth/nope`, { method: 'POST' });
  assert.equal(r.status, 404);
  assert.equal((await r.json()).error, 'not_found');
  r = await fetch(`${BASE}/`, { method: 'PUT' });
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'GET, HEAD');
  // HEAD: GET's status and headers, no body (uptime checks and `curl -I`).
  for (const path of ['/', '/healthz']) {
    const [get, head] = [await fetch(`${BASE}${path}`), await fetch(`${BASE}${path}`, { method: 'HEAD' })];
    assert.equal(head.status, 200, path);
    assert.equal(await head.text(), '', path);
    assert.equal(head.headers.get('content-type'), get.headers.get('content-type'), path);
    assert.equal(head.headers.get('content-length'), String((await get.arrayBuffer()).byteLength), path);
  }
  r = await fetch(`${BASE}/`);
  assert.equal(r.status, 200);
  const csp = r.headers.get('content-security-policy');
  assert.ok(csp.includes("frame-ancestors 'none'") && !csp.includes('unsafe-inline'), csp);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('referrer-policy'), 'same-origin');
  assert.ok(r.headers.get('strict-transport-security'));
  // A POST from another site changes nothing and says why.
  r = await fetch(`${BASE}/auth/start`, { method: 'POST', headers: { origin: 'https://evil.example' } });
  assert.equal(r.status, 403);
  assert.equal((await r.json()).error, 'bad_origin');
  // A body over the limit.
  r = await fetch(`${BASE}/auth/finish`, { method: 'POST',
    headers: { origin: new URL(BASE).origin, 'content-type': 'application/json' }, body: 'x'.repeat(70_000) });
  assert.equal(r.status, 413);
});
