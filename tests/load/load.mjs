// The load run: many software authenticators at once against a test Bio (scripts/load starts
// one), each a visitor that registers, views its page, logs out, signs in again, renames itself,
// gets a recovery code, and now and then deletes its account and is replaced by a newcomer. It records every request's route, status
// and latency, then checks the outcome:
//   - no request answered 5xx;
//   - every live account signs in again, from a fresh browser, as the same user;
//   - every deleted account's passkey is refused;
//   - the stores hold nothing unaccounted for (GET /_bio/inventory: exactly the live accounts,
//     one credential index each, no session of a deleted account, a tombstone per deletion).
// It prints a per-route table (requests, req/s, p50, p99) and writes it as JSON when asked.
//
//   node tests/load/load.mjs [--seconds 60] [--users 32] [--json out.json]
// BIO_BASE_URL names the server (http://localhost:7678 by default). Localhost only: it refuses
// any other host.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Authenticator, Client } from '../node/authenticator.mjs';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
};

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

export class Recorder {
  constructor() { this.samples = new Map(); this.errors = []; }

  async time(route, request) {
    const started = performance.now();
    const response = await request();
    // The body is read in full: a streamed page counts until its last byte.
    const body = await response.text();
    const ms = performance.now() - started;
    if (!this.samples.has(route)) this.samples.set(route, []);
    this.samples.get(route).push(ms);
    if (response.status >= 500) this.errors.push(`${route}: ${response.status} ${body.slice(0, 200)}`);
    return { response, body };
  }

  table(seconds) {
    return [...this.samples].sort(([a], [b]) => a.localeCompare(b)).map(([route, ms]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return {
        route, requests: ms.length, perSecond: +(ms.length / seconds).toFixed(1),
        p50: +percentile(sorted, 50).toFixed(2), p99: +percentile(sorted, 99).toFixed(2),
      };
    });
  }
}

// One visitor: a browser (cookie jar) and its passkey.
class Visitor {
  constructor(base, recorder) {
    this.base = base; this.recorder = recorder;
    this.client = new Client(base); this.passkey = new Authenticator();
    this.userId = null; this.signedIn = false;
  }

  async post(route, path, body) {
    return this.recorder.time(route, () => this.client.post(path, body));
  }

  async start(route) {
    if (!this.client.cookies.has('__Host-bio-browser')) await this.view();
    const { response, body } = await this.post(`${route} start`, '/auth/start');
    assert.equal(response.status, 200, body);
    return JSON.parse(body);
  }

  async register() {
    const options = await this.start('register');
    const credential = this.passkey.create(options, this.client.origin);
    const { response, body } = await this.post('register finish', '/auth/finish', { ceremony: options.ceremony, credential });
    assert.equal(response.status, 200, body);
    this.userId = options.publicKey.create.user.id;
    this.signedIn = true;
  }

  async signIn() {
    const options = await this.start('sign-in');
    assert.ok(options.publicKey.get, 'a hinted visitor is asked for its passkey');
    const credential = this.passkey.get(options, this.client.origin);
    const { response, body } = await this.post('sign-in finish', '/auth/finish', { ceremony: options.ceremony, credential });
    assert.equal(response.status, 200, body);
    this.signedIn = true;
  }

  async view() {
    const route = this.signedIn ? 'GET / signed in' : 'GET / signed out';
    const { response, body } = await this.recorder.time(route, async () => {
      const r = await fetch(`${this.base}/`, { headers: this.client.headers() });
      this.client.absorb(r);
      return r;
    });
    assert.equal(response.status, 200);
    assert.ok(body.endsWith('</body></html>'), 'the page is complete');
    if (this.signedIn) assert.ok(body.includes(`data-user-id="${this.userId}"`), 'signed in as this visitor');
  }

  async logout() {
    const { response } = await this.post('logout', '/logout');
    assert.ok(response.status < 400, `logout: ${response.status}`);
    this.signedIn = false;
  }

  async rename() {
    const { response, body } = await this.post('rename', '/account/name', { name: `Load ${Math.floor(Math.random() * 1e6)}` });
    assert.equal(response.status, 200, body);
  }

  // A confirmation by the passkey, then a new recovery code (each replaces the last).
  async recoveryCode() {
    const { response: confirmed, body } = await this.post('recovery confirm', '/account/confirm');
    assert.equal(confirmed.status, 200, body);
    const options = JSON.parse(body);
    const credential = this.passkey.get(options, this.client.origin);
    const { response, body: answer } = await this.post('recovery code', '/account/recovery-code', { ceremony: options.ceremony, credential });
    assert.equal(response.status, 200, answer);
    assert.match(JSON.parse(answer).code, /^[0-9A-Z]{5}(-[0-9A-Z]{5})+$/);
  }

  async delete() {
    const { response: confirmed, body } = await this.post('delete confirm', '/account/confirm');
    assert.equal(confirmed.status, 200, body);
    const options = JSON.parse(body);
    const credential = this.passkey.get(options, this.client.origin);
    const { response, body: answer } = await this.post('delete', '/account/delete', { confirm: 'yes', ceremony: options.ceremony, credential });
    assert.equal(response.status, 200, answer);
    this.signedIn = false;
  }
}

// Drives `users` visitors for `seconds`; returns the recorder, the live visitors and the
// deleted ones.
export const drive = async ({ base, seconds, users, random = Math.random }) => {
  const recorder = new Recorder();
  const live = [];
  const deleted = [];
  const until = Date.now() + seconds * 1000;
  const lane = async () => {
    let visitor = new Visitor(base, recorder);
    await visitor.register();
    while (Date.now() < until) {
      const roll = random();
      if (!visitor.signedIn) await visitor.signIn();
      else if (roll < 0.50) await visitor.view();
      else if (roll < 0.78) { await visitor.logout(); await visitor.view(); }
      else if (roll < 0.83) await visitor.rename();
      else if (roll < 0.87) await visitor.recoveryCode();
      else if (roll < 0.95) { await visitor.view(); await visitor.view(); }
      else {
        await visitor.delete();
        deleted.push(visitor);
        visitor = new Visitor(base, recorder);
        await visitor.register();
      }
    }
    live.push(visitor);
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: users }, lane));
  const elapsed = (performance.now() - started) / 1000;
  return { recorder, live, deleted, elapsed };
};

// After the run: every live account signs in from a fresh browser as itself, every deleted one
// is refused, and the stores hold exactly what the run left.
export const verify = async ({ base, live, deleted }) => {
  for (const visitor of live) {
    const fresh = new Client(base);
    const options = await fresh.start();
    const response = await fresh.finish(options, visitor.passkey.get(options, fresh.origin));
    assert.equal(response.status, 200, `a live account signs in again: ${await response.text()}`);
    const page = await (await fetch(`${base}/`, { headers: fresh.headers() })).text();
    assert.ok(page.includes(`data-user-id="${visitor.userId}"`), 'as the same user');
  }
  for (const visitor of deleted) {
    const fresh = new Client(base);
    const options = await fresh.start();
    const response = await fresh.finish(options, visitor.passkey.get(options, fresh.origin));
    const body = await response.json();
    assert.ok(response.status >= 400 && response.status < 500, `a deleted account is refused: ${response.status}`);
    assert.equal(body.error, 'unknown_credential', JSON.stringify(body));
  }
  const response = await fetch(`${base}/_bio/inventory`);
  assert.equal(response.status, 200, 'the test server answers /_bio/inventory (test_inventory = on)');
  const inventory = await response.json();
  assert.deepEqual(inventory.problems, [], 'every stored record is accounted for');
  const ours = new Set(live.map((v) => v.userId));
  const theirs = new Set(deleted.map((v) => v.userId));
  for (const handle of ours) assert.ok(inventory.user_handles.includes(handle), 'every live account is stored');
  for (const handle of theirs) assert.ok(!inventory.user_handles.includes(handle), 'no deleted account is stored');
  return inventory;
};

const main = async () => {
  const base = process.env.BIO_BASE_URL ?? 'http://localhost:7678';
  const host = new URL(base).hostname;
  if (!['localhost', '127.0.0.1', '::1'].includes(host)) throw new Error(`load: localhost only, not ${host}`);
  const seconds = Number(arg('seconds', '60'));
  const users = Number(arg('users', '32'));
  if (!(seconds > 0 && seconds <= 600 && users > 0 && users <= 512)) throw new Error('load: 0 < seconds ≤ 600, 0 < users ≤ 512');
  const before = await (await fetch(`${base}/_bio/inventory`)).json();
  const run = await drive({ base, seconds, users });
  const table = run.recorder.table(run.elapsed);
  console.table(table);
  const total = table.reduce((n, row) => n + row.requests, 0);
  console.log(`${total} requests in ${run.elapsed.toFixed(1)} s by ${users} visitors; ${run.live.length} live and ${run.deleted.length} deleted accounts; ${run.recorder.errors.length} answered 5xx`);
  assert.deepEqual(run.recorder.errors, [], 'no request answered 5xx');
  const inventory = await verify({ base, ...run });
  const made = run.live.length + run.deleted.length;
  console.log(`stores: ${inventory.accounts} accounts (${before.accounts} before the run), ${inventory.credentials} credential indexes, ${inventory.recovery_indexes} recovery code indexes, ${inventory.sessions} live sessions, ${inventory.tombstones} tombstones, ${inventory.spent_ceremonies} spent ceremonies, no problem`);
  assert.equal(inventory.accounts, before.accounts + run.live.length, `the run made ${made} accounts and deleted ${run.deleted.length}`);
  assert.equal(inventory.credentials, inventory.accounts, 'one credential index per account');
  assert.ok(inventory.tombstones >= before.tombstones + run.deleted.length, 'a tombstone per deletion');
  const out = arg('json');
  if (out) writeFileSync(out, JSON.stringify({ seconds: run.elapsed, users, total, table, inventory: { ...inventory, user_handles: undefined } }, null, 2));
};

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => { console.error(error); process.exit(1); });
}
