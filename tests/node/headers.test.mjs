// Against `viceroy serve` (scripts/node-tests): header values that are not UTF-8 never make Bio
// fail. fetch() cannot send such bytes, so these requests go through a raw TCP socket: every
// route (and a 404 and a 405) gets 0xff 0xfe in each header Bio reads, and in one it never reads.
// No 5xx; under /auth/ the answer is a JSON error; a non-UTF-8 Origin is refused as bad_origin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

const BASE = process.env.BIO_BASE_URL ?? 'http://localhost:7678';
const ORIGIN = new URL(BASE).origin;
const PORT = Number(new URL(BASE).port);
const BAD = Buffer.from([0x61, 0xff, 0xfe, 0x62]); // "a", two bytes that are never UTF-8, "b"

// One HTTP/1.1 request over a socket. Headers are an object or a list of [name, value] pairs (to
// repeat a name); values may be Buffers, sent byte for byte.
const raw = (method, path, headers, body = '') => new Promise((resolve, reject) => {
  const lines = [Buffer.from(`${method} ${path} HTTP/1.1\r\nhost: localhost:${PORT}\r\nconnection: close\r\n`)];
  for (const [name, value] of Array.isArray(headers) ? headers : Object.entries(headers)) {
    lines.push(Buffer.from(`${name}: `), Buffer.isBuffer(value) ? value : Buffer.from(value), Buffer.from('\r\n'));
  }
  lines.push(Buffer.from(`content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`));
  // write, not end: a half-closed socket makes the server drop the request before it answers.
  const socket = net.connect(PORT, '127.0.0.1', () => socket.write(Buffer.concat(lines)));
  const chunks = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  socket.on('error', reject);
  socket.on('close', () => resolve(parse(Buffer.concat(chunks))));
  socket.setTimeout(10_000, () => socket.destroy(new Error(`${method} ${path}: no answer`)));
});

const parse = (bytes) => {
  const end = bytes.indexOf('\r\n\r\n');
  const [statusLine, ...headerLines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(headerLines.map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  }));
  let body = bytes.subarray(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') };
};

const dechunk = (bytes) => {
  const parts = [];
  for (let at = 0; ;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
};

const ROUTES = [
  ['GET', '/'],
  ['POST', '/auth/start'],
  ['POST', '/auth/finish'],
  ['POST', '/logout'],
  ['POST', '/account/delete'],
  ['POST', '/account/name'],
  ['POST', '/account/passkey/replace/options'],
  ['POST', '/account/passkey/replace'],
  ['POST', '/account/recovery-code'],
  ['POST', '/auth/recover/options'],
  ['POST', '/auth/recover'],
  ['GET', '/healthz'],
  ['GET', '/nope'], // 404
  ['POST', '/auth/nope'], // 404, JSON
  ['PUT', '/'], // 405
  ['GET', '/auth/start'], // 405, JSON
];
const HEADERS = ['user-agent', 'origin', 'cookie', 'content-type', 'accept', 'x-bio-agent-mode', 'x-never-read'];

const check = (response, method, path, what) => {
  assert.ok(response.status >= 200 && response.status < 500, `${method} ${path} ${what}: ${response.status} ${response.body.slice(0, 300)}`);
  if (path.startsWith('/auth/') && response.status >= 400) {
    assert.equal(response.headers['content-type'], 'application/json', `${method} ${path} ${what}`);
    const body = JSON.parse(response.body);
    assert.equal(typeof body.error, 'string', `${method} ${path} ${what}: ${response.body}`);
  }
};

test('a non-UTF-8 value in any header, on every route: no 5xx, JSON errors under /auth/', async () => {
  for (const [method, path] of ROUTES) {
    for (const name of HEADERS) {
      // Our own Origin and a JSON body, so the request gets as far as the bad header lets it.
      const headers = { origin: ORIGIN, 'content-type': 'application/json', [name]: BAD };
      check(await raw(method, path, headers, '{}'), method, path, name);
    }
    const all = Object.fromEntries(HEADERS.map((name) => [name, BAD]));
    check(await raw(method, path, all, '{}'), method, path, 'every header');
  }
});

test('a non-UTF-8 Origin is refused as bad_origin, alone or beside a good one', async () => {
  for (const path of ['/auth/start', '/auth/finish']) {
    for (const origins of [[BAD], [Buffer.concat([Buffer.from(ORIGIN), Buffer.from([0xff])])]]) {
      const response = await raw('POST', path, { origin: origins[0], 'content-type': 'application/json' }, '{}');
      assert.equal(response.status, 403, response.body);
      assert.equal(JSON.parse(response.body).error, 'bad_origin');
    }
  }
  // Two Origin headers, one of them ours: which one a check read would decide, so both lose.
  for (const pairs of [[['origin', ORIGIN], ['origin', BAD]], [['origin', BAD], ['origin', ORIGIN]]]) {
    const response = await raw('POST', '/auth/start', pairs);
    assert.equal(response.status, 403, response.body);
    assert.equal(JSON.parse(response.body).error, 'bad_origin');
  }
});

test('with every other header broken, a good request still works', async () => {
  const headers = { origin: ORIGIN, 'user-agent': BAD, accept: BAD, 'x-never-read': BAD, 'x-bio-agent-mode': BAD };
  const response = await raw('POST', '/auth/start', headers);
  assert.equal(response.status, 200, response.body);
  assert.equal(response.headers['content-type'], 'application/json');
});

test('a query that is not valid percent-encoded UTF-8 is only a query', async () => {
  for (const path of ['/?deleted=%ff%fe', '/?deleted=%', '/?deleted=%zz&deleted=a', '/healthz?%ff']) {
    const response = await raw('GET', path, {});
    assert.equal(response.status, 200, `${path}: ${response.body.slice(0, 300)}`);
    assert.ok(!response.body.includes('data-deleted-credential-id'), path);
  }
});

test('Content-Type is compared without regard to case (RFC 9110 §8.3.1)', async () => {
  const post = (contentType) => fetch(`${BASE}/auth/finish`, {
    method: 'POST', headers: { origin: ORIGIN, 'content-type': contentType }, body: '{}',
  });
  for (const json of ['application/json', 'Application/JSON; charset=UTF-8', 'APPLICATION/JSON', ' application/json ;charset=utf-8']) {
    const response = await post(json);
    const body = await response.json();
    assert.notEqual(body.error, 'unsupported_media_type', `${json}: ${JSON.stringify(body)}`);
    assert.ok(response.status >= 400 && response.status < 500, `${json}: ${response.status}`);
  }
  for (const other of ['text/plain', 'application/jsonx', 'application/json-patch+json', 'application']) {
    const response = await post(other);
    assert.equal(response.status, 415, other);
    assert.equal((await response.json()).error, 'unsupported_media_type');
  }
});
