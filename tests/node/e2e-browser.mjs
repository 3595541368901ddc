// The browser harness shared by the end-to-end tests (e2e*.test.mjs): Debian's /usr/bin/chromium
// driven by playwright-core, one CDP virtual authenticator per tab, and an init script that
// records every navigator.credentials.get()/create() per button click.
//
// Always `localhost`, never 127.0.0.1: WebAuthn refuses IP addresses as RP IDs.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = (process.env.BIO_BASE_URL || 'http://localhost:7678').replace(/\/$/, '');
export const TIMEOUT = 30_000;
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env.BIO_SCREENSHOT_DIR || '';
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const AUTHENTICATOR = { protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
  hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true };

export const skip = existsSync(CHROMIUM) ? false
  : `${CHROMIUM} is missing: install Debian's chromium (scripts/bootstrap --browser) to run the browser test`;

// Runs in the page before its own script, on every load. Wraps navigator.credentials.get/create
// to record each call: which button click it belongs to, its mode (`uiMode`/`mediation`, or
// 'modal'), the credential ids it allows (base64url; null when it names none), and how it
// settled. It also notes each fetch() the page starts (method and path), at the call: a request
// that a navigation cancels still shows. Kept in sessionStorage too, so the record survives the reload that follows a
// successful ceremony. Calls made with an already-aborted signal are the client's capability
// probes; they are kept apart. The options object is inspected through property descriptors
// only: the client's probe uses a getter on `uiMode` to learn whether the browser reads it, and
// calling that getter here would fool the probe.
function recordCredentialCalls() {
  const KEY = '__bio_e2e_calls';
  const calls = JSON.parse(sessionStorage.getItem(KEY) || 'null')
    || { loads: 0, clicks: [], probes: [], fetches: [] };
  const load = ++calls.loads; // which page load a probe belongs to
  window.__calls = calls;
  const save = () => sessionStorage.setItem(KEY, JSON.stringify(calls));
  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button') : null;
    if (!button || !(button.id || button.name)) return;
    calls.clicks.push({ button: button.id || button.name, calls: [] });
    save();
  }, true);
  const valueOf = (object, name) => {
    const d = object && typeof object === 'object' && Object.getOwnPropertyDescriptor(object, name);
    return d && 'value' in d ? d.value : undefined;
  };
  const modeOf = (options) => {
    for (const name of ['uiMode', 'mediation']) {
      const d = options && Object.getOwnPropertyDescriptor(options, name);
      if (d) return 'value' in d ? `${name}:${d.value}` : `${name}:getter`;
    }
    return 'modal';
  };
  const b64url = (bytes) => {
    const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes)
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let bin = '';
    for (const byte of view) bin += String.fromCharCode(byte);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const allowedIds = (options) => {
    const list = valueOf(valueOf(options, 'publicKey'), 'allowCredentials');
    if (!Array.isArray(list)) return null;
    return list.map((c) => { try { return b64url(valueOf(c, 'id')); } catch { return '?'; } });
  };
  const wrap = (method) => {
    const original = CredentialsContainer.prototype[method];
    CredentialsContainer.prototype[method] = function (options) {
      const signal = options && Object.getOwnPropertyDescriptor(options, 'signal');
      const probe = Boolean(signal && 'value' in signal && signal.value && signal.value.aborted);
      const click = calls.clicks[calls.clicks.length - 1];
      const entry = { method, mode: modeOf(options), allow: method === 'get' ? allowedIds(options) : null,
        outcome: 'pending', load, started: performance.now() };
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
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    const url = new URL(typeof input === 'string' ? input : input.url, location.href);
    calls.fetches.push(`${(init && init.method) || 'GET'} ${url.pathname}`);
    save();
    return fetch.apply(this, arguments);
  };
}

// Runs before the recorder: makes this Chromium answer like Safari and Firefox, which have no
// immediate mediation. getClientCapabilities() says immediateGet: false, and a get() asking for
// immediate mediation (`mediation: 'immediate'`, or Chromium's `uiMode`) rejects with TypeError,
// as an unknown enum value does there.
function withoutImmediateMediation() {
  const PKC = window.PublicKeyCredential;
  if (PKC && typeof PKC.getClientCapabilities === 'function') {
    const original = PKC.getClientCapabilities.bind(PKC);
    PKC.getClientCapabilities = () => original().then((caps) => ({ ...caps, immediateGet: false }));
  }
  const get = CredentialsContainer.prototype.get;
  CredentialsContainer.prototype.get = function (options) {
    const asks = (name) => {
      const d = options && Object.getOwnPropertyDescriptor(options, name);
      return Boolean(d) && (!('value' in d) || d.value === 'immediate');
    };
    if (asks('mediation') || asks('uiMode')) {
      return Promise.reject(new TypeError("The provided value 'immediate' is not a valid enum value."));
    }
    return get.call(this, options);
  };
}

// Checks Bio is up and launches Chromium.
export async function launch() {
  // node:http without keep-alive: a pooled fetch() socket would hold the test process open.
  const status = await new Promise((resolve) => {
    http.get(`${BASE}/`, { agent: false }, (res) => { res.resume(); resolve(res.statusCode); })
      .on('error', (e) => resolve(e.message));
  });
  assert.equal(status, 200, `Bio is not answering at ${BASE} (${status}): ` +
    'start it with scripts/node-tests, or set BIO_BASE_URL');
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}

// A visitor: a new browser context (its own cookies) with the recorder, a first tab, and the
// console errors of all its tabs. `immediate: false` makes the browser one without immediate
// mediation (see withoutImmediateMediation).
export async function visitor(browser, { viewport = { width: 1280, height: 800 }, immediate = true } = {}) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(TIMEOUT);
  if (!immediate) await context.addInitScript(withoutImmediateMediation);
  await context.addInitScript(recordCredentialCalls);
  const errors = [];
  const tab = await newTab(context, errors);
  return { context, errors, ...tab, newTab: () => newTab(context, errors) };
}

// A tab in `context` with its own virtual authenticator: Chromium keeps one per tab (per CDP
// target), so another tab of the same browser does not see the first one's passkeys until they
// are copied over (`addCredential`).
async function newTab(context, errors) {
  const page = await context.newPage();
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
  const webauthn = (method, params = {}) => cdp.send(`WebAuthn.${method}`, { authenticatorId, ...params });
  return { page, credentials, webauthn };
}

// Loads the signed-out page and waits until the client is ready for a click: its first
// /auth/start answered, and this load's immediate-mediation probe (if the browser offers
// immediateGet) settled. A real visitor takes longer than that to find the button.
export async function openSignedOut(page, url = `${BASE}/`) {
  const started = page.waitForResponse((r) => r.url() === `${BASE}/auth/start`);
  await page.goto(url);
  assert.equal((await started).status(), 200, '/auth/start');
  await readyForClick(page);
}
export async function readyForClick(page) {
  await page.waitForSelector('#auth:not([disabled])');
  const caps = await page.evaluate(() => PublicKeyCredential.getClientCapabilities?.().catch(() => ({})));
  if (!caps?.immediateGet) return;
  await page.waitForFunction(() => {
    const { loads, probes } = window.__calls;
    return probes.some((p) => p.load === loads) && probes.every((p) => p.outcome !== 'pending');
  });
}

// The calls made since the click before `count` clicks were recorded.
const clicksSince = async (page, count) => (await page.evaluate(() => window.__calls.clicks)).slice(count);

// Clicks `selector` (Auth by default) and waits for the reload into the signed-in page; returns
// the user name and the credential calls that click made.
export async function clickAndSignIn(page, selector = '#auth') {
  await page.bringToFront(); // WebAuthn needs the focused tab: a person clicks in the tab they see
  const before = await page.evaluate(() => window.__calls.clicks.length);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click(selector),
  ]).catch(async (e) => {
    const status = await page.locator('#status').textContent().catch(() => '(no #status)');
    throw new Error(`${selector} did not sign in (#status: ${JSON.stringify(status)}): ${e.message}`);
  });
  const name = (await page.locator('[data-testid="user-name"]').textContent({ timeout: TIMEOUT })).trim();
  const clicks = await clicksSince(page, before);
  assert.equal(clicks.length, 1, 'one click recorded');
  return { name, calls: clicks[0].calls };
}
export const clickAuthAndSignIn = (page) => clickAndSignIn(page, '#auth');

// Clicks `selector` on the signed-out page when the ceremony is expected to fail: waits until
// the page is idle again with every credential call settled; returns the calls, #status and
// whether the choices (#no-passkey) are shown.
export async function clickAndStaySignedOut(page, selector = '#auth') {
  await page.bringToFront();
  const before = await page.evaluate(() => window.__calls.clicks.length);
  await page.click(selector);
  await page.waitForFunction((count) => {
    const click = window.__calls.clicks[count];
    return document.body.getAttribute('aria-busy') !== 'true' && click
      && click.calls.every((c) => c.outcome !== 'pending');
  }, before);
  const clicks = await clicksSince(page, before);
  assert.equal(clicks.length, 1, 'one click recorded');
  return {
    calls: clicks[0].calls,
    status: (await page.locator('#status').textContent()).trim(),
    choices: await page.locator('#no-passkey').isVisible(),
    url: page.url(),
  };
}

// Delete account through the page: the first click reveals "Delete for good", whose click asks
// for the passkey and deletes. Returns that click's credential calls, the signed-out page's
// response, and the fetch() calls the page made from the first click on (`fetches`).
export async function deleteThroughPage(page) {
  await page.bringToFront();
  const fetchesBefore = await page.evaluate(() => window.__calls.fetches.length);
  await page.click('#delete-account button');
  const confirm = page.locator('#delete-account button[name="confirm"]');
  await confirm.waitFor({ timeout: 5_000 }).catch(() => {
    throw new Error('the first Delete account click should reveal "Delete for good"');
  });
  assert.equal(await page.locator('[data-testid="user-name"]').count(), 1, 'still signed in after one click');
  const before = await page.evaluate(() => window.__calls.clicks.length);
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), confirm.click()]);
  const clicks = await clicksSince(page, before);
  assert.equal(clicks.length, 1, 'one click recorded');
  assert.equal(clicks[0].button, 'confirm');
  const fetches = (await page.evaluate(() => window.__calls.fetches)).slice(fetchesBefore)
    .filter((f) => f !== 'POST /auth/start'); // the signed-out page's own
  return { calls: clicks[0].calls, response, fetches };
}

// Logout (or "Log out and forget me") from the signed-in page, landing on the signed-out page.
export async function logout(page, button = '#logout') {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(button)]);
  assert.equal(await page.locator('#auth').count(), 1, `${button} should land on the signed-out page`);
  await readyForClick(page);
}

export const summary = (calls) => calls.map((c) => `${c.method}(${c.mode}) ${c.outcome}` +
  (c.error ? ` ${c.error}` : '') + ` in ${c.ms} ms`).join('; ');
export const isGet = (c) => c.method === 'get';
export const isImmediate = (c) => c.mode === 'uiMode:immediate' || c.mode === 'mediation:immediate';

// CDP's credential ids are standard base64; the page and the server speak base64url.
export const b64url = (base64) => base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export async function screenshot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
}
