// Browser end-to-end test: the one Auth button in a real headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core) with CDP virtual authenticators, against a running
// Bio (`viceroy serve`). scripts/node-tests starts Bio on http://localhost:7678 and runs this file;
// by hand:
//
//   viceroy serve -C fastly.toml --addr 127.0.0.1:7676 target/wasm32-wasip1/release/bio.wasm &
//   BIO_BASE_URL=http://localhost:7676 node --test tests/node/e2e.test.mjs
//
// Always `localhost`, never 127.0.0.1: WebAuthn refuses IP addresses as RP IDs.
// Set BIO_SCREENSHOT_DIR (e.g. docs/screenshots) to write signed-out.png and signed-in.png there.
//
// What it pins, per click on Auth (counted by an init script that wraps navigator.credentials):
//   1. a new visitor: at most one immediate get(), rejected (no passkey here), then exactly one
//      create(), resolved; no modal get(); the page reloads signed in and shows the user's name;
//   2. Logout: back to the signed-out page;
//   3. the same visitor again: one get(), resolved, no create(); same name; still one credential;
//   4. another browser context with its own authenticator: a different name;
//   5. Delete account: a first click reveals "Delete for good", which deletes the account, signs
//      out, and has the page tell the authenticator to forget the passkey (signalUnknownCredential);
//   6. no console errors (a CSP violation is one) and no uncaught exceptions in either context.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE = (process.env.BIO_BASE_URL || 'http://localhost:7678').replace(/\/$/, '');
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env.BIO_SCREENSHOT_DIR || '';
const TIMEOUT = 30_000;
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const AUTHENTICATOR = { protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
  hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true };

const skip = existsSync(CHROMIUM) ? false
  : `${CHROMIUM} is missing: install Debian's chromium (scripts/bootstrap --browser) to run the browser test`;

// Runs in the page before its own script, on every load. Wraps navigator.credentials.get/create
// to record each call: which button click it belongs to, its mode (`uiMode`/`mediation`, or
// 'modal'), and how it settled. Kept in sessionStorage too, so the record survives the reload
// that follows a successful ceremony. Calls made with an already-aborted signal are the client's
// capability probes; they are kept apart. The options object is inspected through property
// descriptors only: the client's probe uses a getter on `uiMode` to learn whether the browser
// reads it, and calling that getter here would fool the probe.
function recordCredentialCalls() {
  const KEY = '__bio_e2e_calls';
  const calls = JSON.parse(sessionStorage.getItem(KEY) || 'null') || { loads: 0, clicks: [], probes: [] };
  const load = ++calls.loads; // which page load a probe belongs to
  window.__calls = calls;
  const save = () => sessionStorage.setItem(KEY, JSON.stringify(calls));
  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button') : null;
    if (!button || !button.id) return;
    calls.clicks.push({ button: button.id, calls: [] });
    save();
  }, true);
  const modeOf = (options) => {
    for (const name of ['uiMode', 'mediation']) {
      const d = options && Object.getOwnPropertyDescriptor(options, name);
      if (d) return 'value' in d ? `${name}:${d.value}` : `${name}:getter`;
    }
    return 'modal';
  };
  const wrap = (method) => {
    const original = CredentialsContainer.prototype[method];
    CredentialsContainer.prototype[method] = function (options) {
      const signal = options && Object.getOwnPropertyDescriptor(options, 'signal');
      const probe = Boolean(signal && 'value' in signal && signal.value && signal.value.aborted);
      const click = calls.clicks[calls.clicks.length - 1];
      const entry = { method, mode: modeOf(options), outcome: 'pending', load, started: performance.now() };
      (probe || !click ? calls.probes : click.calls).push(entry);
      save();
      const settle = (outcome, error) => {
        Object.assign(entry, { outcome, error, ms: Math.round(performance.now() - entry.started) });
        save();
      };
      return original.call(this, options).then(
        (value) => { settle('resolved'); return value; },
        (error) => { settle('rejected', error && error.name); throw error; });
    };
  };
  wrap('get');
  wrap('create');
}

let browser = null;
before(async () => {
  if (skip) return;
  // node:http without keep-alive: a pooled fetch() socket would hold the test process open.
  const status = await new Promise((resolve) => {
    http.get(`${BASE}/`, { agent: false }, (res) => { res.resume(); resolve(res.statusCode); })
      .on('error', (e) => resolve(e.message));
  });
  assert.equal(status, 200, `Bio is not answering at ${BASE} (${status}): ` +
    'start it with scripts/node-tests, or set BIO_BASE_URL');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
});
after(async () => {
  if (browser) await browser.close().catch(() => {});
});

// A visitor: a new browser context (its own cookies) with the recorder, and a page with its own
// virtual authenticator (Chromium allows one internal authenticator per page), and the page's
// console errors.
async function visitor({ viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(TIMEOUT);
  await context.addInitScript(recordCredentialCalls);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = m.location().url || '';
    // The browser's own /favicon.ico request (Bio serves no icon) is not the page's doing; every
    // other error counts, CSP violations ("... violates the following Content Security Policy
    // directive ...") first among them.
    if (new URL(url || BASE).pathname === '/favicon.ico') return;
    errors.push(`console: ${m.text()}${url ? ` (${url})` : ''}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator',
    { options: AUTHENTICATOR });
  const credentials = async () =>
    (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  return { page, errors, credentials };
}

// Loads the signed-out page and waits until the client is ready for a click: its first
// /auth/start answered, and this load's immediate-mediation probe (if the browser offers
// immediateGet) settled. A real visitor takes longer than that to find the button.
async function openSignedOut(page) {
  const started = page.waitForResponse((r) => r.url() === `${BASE}/auth/start`);
  await page.goto(`${BASE}/`);
  assert.equal((await started).status(), 200, '/auth/start');
  await readyForClick(page);
}
async function readyForClick(page) {
  await page.waitForSelector('#auth:not([disabled])');
  const caps = await page.evaluate(() => PublicKeyCredential.getClientCapabilities?.().catch(() => ({})));
  if (!caps?.immediateGet) return;
  await page.waitForFunction(() => {
    const { loads, probes } = window.__calls;
    return probes.some((p) => p.load === loads) && probes.every((p) => p.outcome !== 'pending');
  });
}

// Clicks Auth and waits for the reload into the signed-in page; returns the user name and the
// credential calls that click made.
async function clickAuthAndSignIn(page) {
  const before = await page.evaluate(() => window.__calls.clicks.length);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click('#auth'),
  ]).catch(async (e) => {
    const status = await page.locator('#status').textContent().catch(() => '(no #status)');
    throw new Error(`Auth did not sign in (#status: ${JSON.stringify(status)}): ${e.message}`);
  });
  const name = (await page.locator('[data-testid="user-name"]').textContent({ timeout: TIMEOUT })).trim();
  const clicks = await page.evaluate(() => window.__calls.clicks);
  assert.equal(clicks.length, before + 1, 'one click recorded');
  const click = clicks[clicks.length - 1];
  assert.equal(click.button, 'auth');
  return { name, calls: click.calls };
}

const summary = (calls) => calls.map((c) => `${c.method}(${c.mode}) ${c.outcome}` +
  (c.error ? ` ${c.error}` : '') + ` in ${c.ms} ms`).join('; ');
const isGet = (c) => c.method === 'get';
const isImmediate = (c) => c.mode === 'uiMode:immediate' || c.mode === 'mediation:immediate';

async function screenshot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
}

// One scenario in order, as subtests sharing two visitors. A failed step does not stop the later
// ones: each starts from the state it needs (step 3 clears the session cookie itself if Logout did
// not sign out) so one bug shows up as one failure.
test('one Auth button: register, log out, sign in again as the same user; another device is another user',
  { skip, timeout: 8 * TIMEOUT }, async (t) => {
    let first = null; // the first visitor, on a phone-sized screen
    let registered = null; // { name, calls } from their first click
    let afterRegistration = null; // their authenticator's credentials after it

    await t.test('1. a new visitor: the first click on Auth makes a passkey and signs in', async (t) => {
      first = await visitor({ viewport: { width: 390, height: 844 } });
      const { page } = first;
      await openSignedOut(page);
      assert.equal(await page.locator('#auth').textContent(), 'Auth');
      assert.equal(await page.locator('[data-testid="user-name"]').count(), 0);
      assert.deepEqual(await first.credentials(), [], 'a fresh authenticator holds nothing');
      t.diagnostic(`immediate-mediation probes at load: ${summary(await page.evaluate(() => window.__calls.probes)) || 'none'}`);
      await screenshot(page, 'signed-out.png');

      registered = await clickAuthAndSignIn(page);
      t.diagnostic(`registering click: ${summary(registered.calls)}`);
      assert.match(registered.name, /\S/, 'a user name is shown');
      const gets = registered.calls.filter(isGet);
      const creates = registered.calls.filter((c) => c.method === 'create');
      assert.ok(gets.length <= 1, `at most one get() while registering: ${summary(registered.calls)}`);
      for (const get of gets) {
        assert.ok(isImmediate(get), `a registering click makes no modal get(): ${summary(gets)}`);
        assert.equal(get.outcome, 'rejected', 'the immediate get() finds no passkey');
        assert.equal(get.error, 'NotAllowedError');
      }
      assert.equal(creates.length, 1, `exactly one create(): ${summary(registered.calls)}`);
      assert.equal(creates[0].outcome, 'resolved');
      assert.equal(registered.calls.filter((c) => isGet(c) && !isImmediate(c) && c.outcome === 'resolved')
        .length, 0, 'no modal get() resolved');
      afterRegistration = await first.credentials();
      assert.equal(afterRegistration.length, 1, 'registration made one credential');
      assert.equal(afterRegistration[0].isResidentCredential, true, 'a discoverable credential');
    });

    await t.test('2. Logout returns to the signed-out page', async () => {
      assert.ok(registered, 'needs step 1');
      const { page } = first;
      const [response] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.click('form[action="/logout"] button'),
      ]);
      const heading = await page.locator('h1').first().textContent().catch(() => '');
      const text = await page.locator('main p').first().textContent().catch(() => '');
      assert.ok(await page.locator('#auth').count() === 1,
        `Logout should land on the signed-out page with the Auth button; got ${page.url()} ` +
        `(${response ? response.status() : 'no response'}): ${JSON.stringify(heading)} ${JSON.stringify(text)}`);
      assert.equal(await page.locator('[data-testid="user-name"]').count(), 0, 'signed out');
    });

    await t.test('3. the returning visitor: the same button signs in as the same user', async (t) => {
      assert.ok(registered, 'needs step 1');
      const { page } = first;
      if (await page.locator('#auth').count() === 0) {
        t.diagnostic('Logout did not sign out (see step 2): clearing the cookies instead');
        await page.context().clearCookies();
      }
      await openSignedOut(page);
      const returning = await clickAuthAndSignIn(page);
      t.diagnostic(`returning click: ${summary(returning.calls)}`);
      assert.equal(returning.name, registered.name, 'signed in as the same user');
      assert.equal(returning.calls.filter((c) => c.method === 'create').length, 0, 'no create()');
      assert.equal(returning.calls.length, 1, `exactly one get(): ${summary(returning.calls)}`);
      assert.equal(returning.calls[0].method, 'get');
      assert.equal(returning.calls[0].outcome, 'resolved');
      const afterSignIn = await first.credentials();
      assert.equal(afterSignIn.length, 1, 'signing in made no new credential');
      assert.equal(afterSignIn[0].credentialId, afterRegistration[0].credentialId);
      assert.ok(afterSignIn[0].signCount > afterRegistration[0].signCount, 'the passkey was used');
    });

    let second = null;
    await t.test('4. another browser context with its own authenticator is another user', async (t) => {
      assert.ok(registered, 'needs step 1');
      second = await visitor();
      await openSignedOut(second.page);
      const other = await clickAuthAndSignIn(second.page);
      t.diagnostic(`second visitor's click: ${summary(other.calls)}`);
      assert.equal(other.calls.filter((c) => c.method === 'create' && c.outcome === 'resolved').length, 1,
        `the second visitor registers: ${summary(other.calls)}`);
      assert.notEqual(other.name, registered.name, 'another authenticator is another user');
      assert.equal((await second.credentials()).length, 1);
      assert.equal((await first.credentials()).length, 1, "the first visitor's authenticator is untouched");
      await screenshot(second.page, 'signed-in.png');
    });

    await t.test('5. Delete account takes two steps, signs out, and the passkey is forgotten', async () => {
      assert.ok(second, 'needs step 4');
      const { page } = second;
      await page.click('#delete-account button');
      const confirm = page.locator('#delete-account button[name="confirm"]');
      await confirm.waitFor({ timeout: 5_000 }).catch(() => {
        throw new Error('the first Delete account click should reveal "Delete for good"');
      });
      assert.equal(await page.locator('[data-testid="user-name"]').count(), 1, 'still signed in after one click');
      const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), confirm.click()]);
      assert.equal(await page.locator('#auth').count(), 1,
        `Delete for good should land on the signed-out page; got ${page.url()} ` +
        `(${response ? response.status() : 'no response'}): ${await page.locator('main').textContent()}`);
      // The page signals the deleted credential unknown; Chromium's authenticator drops it.
      const deadline = Date.now() + 5_000;
      while ((await second.credentials()).length > 0 && Date.now() < deadline) await page.waitForTimeout(100);
      assert.equal((await second.credentials()).length, 0, 'signalUnknownCredential removed the passkey');
    });

    await t.test('6. no console errors (CSP violations show there) and no uncaught exceptions', () => {
      assert.ok(first && second, 'needs steps 1 and 4');
      assert.deepEqual(first.errors, [], 'first context');
      assert.deepEqual(second.errors, [], 'second context');
    });
  });
