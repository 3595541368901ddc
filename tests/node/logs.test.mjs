// Against `viceroy serve` (scripts/node-tests), whose stdout holds the log endpoint's lines
// (`bio_requests :: {...}`, file in BIO_VICEROY_LOG): one JSON line per request, streamed pages
// included, with the documented fields, and none of the values that must never be logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { b64, register } from './authenticator.mjs';

const BASE = process.env.BIO_BASE_URL ?? 'http://localhost:7678';
const LOG = process.env.BIO_VICEROY_LOG;
const PREFIX = 'bio_requests :: ';
const FIELDS = ['time', 'route', 'method', 'status', 'duration_ms', 'outcome', 'country', 'detail', 'heap_kib'];
const ROUTES = ['/', '/auth/start', '/auth/finish', '/logout', '/account/delete', '/healthz', 'unmatched'];

const lines = () => readFileSync(LOG, 'latin1').split('\n')
  .filter((line) => line.startsWith(PREFIX))
  .map((line) => line.slice(PREFIX.length));

// Every string of at least 16 characters anywhere in a JSON value (challenges, user handles, ids).
const longStrings = (value) => {
  if (typeof value === 'string') return value.length >= 16 ? [value] : [];
  if (value && typeof value === 'object') return Object.values(value).flatMap(longStrings);
  return [];
};

test('one JSON line per request, with the documented fields and nothing secret', { skip: !LOG && 'BIO_VICEROY_LOG not set' }, async () => {
  const before = lines().length;
  const secrets = [];

  const { client, authenticator } = await register(BASE);
  secrets.push(authenticator.credentialId.toString('base64url'), b64(authenticator.credentialId));
  secrets.push(authenticator.credentialId.toString('hex'));
  if (authenticator.userHandle) secrets.push(authenticator.userHandle);
  for (const value of client.cookies.values()) secrets.push(value);
  // The signed-in page with a slow agent (500 ms, past the hold) is streamed: it must be logged too.
  const page = await fetch(`${BASE}/`, { headers: client.headers({ 'x-bio-agent-mode': 'slow' }) });
  assert.equal(page.status, 200);
  await page.text();
  // A challenge and its options.
  const options = await (await client.post('/auth/start')).json();
  secrets.push(...longStrings(options));
  for (const value of client.cookies.values()) secrets.push(value);
  // A path and a query that must not be logged as such.
  await (await fetch(`${BASE}/no-such-page-7f3a9c?token=query-secret-5b1e`)).text();
  await (await fetch(`${BASE}/healthz`)).text();
  await (await fetch(`${BASE}/auth/start`, { method: 'POST', headers: { origin: 'https://evil.example' } })).text();
  secrets.push('no-such-page-7f3a9c', 'query-secret-5b1e', 'evil.example');

  // Viceroy writes each line as the guest does; give its stdout a moment to reach the file.
  let logged = [];
  for (let i = 0; i < 50; i++) {
    logged = lines().slice(before);
    if (logged.length >= 6 && logged.some((l) => l.includes('"route":"/healthz"'))) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const parsed = logged.map((line) => JSON.parse(line));
  for (const entry of parsed) {
    for (const key of Object.keys(entry)) assert.ok(FIELDS.includes(key), `unexpected field ${key}`);
    assert.match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(ROUTES.includes(entry.route), entry.route);
    assert.match(entry.method, /^[A-Z]+$/);
    assert.ok(Number.isInteger(entry.status) && entry.status >= 200 && entry.status < 600);
    assert.ok(Number.isInteger(entry.duration_ms) && entry.duration_ms >= 0);
    assert.ok(Number.isInteger(entry.heap_kib) && entry.heap_kib >= 0, 'the guest\'s heap growth, in KiB');
    assert.match(entry.outcome, /^[a-z0-9_]{1,48}$/);
    if ('country' in entry) assert.match(entry.country, /^[A-Z]{2}$/);
  }
  const find = (route, outcome) => parsed.find((e) => e.route === route && e.outcome === outcome);
  assert.ok(find('/', 'streamed'), 'the streamed page is logged');
  assert.equal(find('/', 'streamed').status, 200);
  assert.ok(find('/healthz', 'ok'));
  assert.equal(find('unmatched', 'not_found').status, 404);
  assert.equal(find('/auth/start', 'bad_origin').status, 403);
  assert.ok(parsed.filter((e) => e.route === '/auth/finish').length >= 1);

  const text = logged.join('\n');
  for (const secret of secrets) assert.ok(!text.includes(secret), `the log holds ${secret}`);
  // No IP address of any kind (the client is 127.0.0.1 or ::1).
  assert.doesNotMatch(text, /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/);
  assert.ok(!text.includes('::1'));
});
