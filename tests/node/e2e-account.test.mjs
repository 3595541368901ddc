// Browser end-to-end tests of the account page's own actions, in the same real headless Chromium
// with CDP virtual authenticators (harness: e2e-browser.mjs), against a running Bio.
// scripts/node-tests runs it; by hand, against `viceroy serve` on :7678:
//
//   BIO_BASE_URL=http://localhost:7678 node --test tests/node/e2e-account.test.mjs
//
// What it pins:
//   - Change name: a refused name says why and changes nothing; a good one is shown on the page
//     and told to the passkey provider (signalCurrentUserDetails);
//   - Replace passkey: three clicks (Replace passkey, Confirm with your passkey: one get(),
//     Create the new passkey: one create()), then the same account on the new passkey, signed
//     in; the old passkey, put into another authenticator, no longer signs in; a step left open
//     past its ceremony's life makes no create() at all;
//   - a recovery code: shown once in #recovery-code after the passkey confirms; on a second,
//     empty authenticator, "Lost your passkey? Use a recovery code" and one more click make a
//     new passkey for the same account (one credential there); the code is refused the second
//     time, before any create();
//   - the passkey endpoints (/.well-known/passkey-endpoints), the provider kept in sync
//     (signalAllAcceptedCredentials naming the one passkey) and Download my data (a JSON download
//     holding the account's passkey);
//   - no console errors in any context.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  BASE, b64url, clickAndStaySignedOut, clickAuthAndSignIn, launch, logout, openSignedOut, skip, summary,
  TIMEOUT, visitor as newVisitor,
} from './e2e-browser.mjs';

let browser = null;
before(async () => {
  if (!skip) browser = await launch();
});
after(async () => {
  if (browser) await browser.close().catch(() => {});
});

// Records every Signals API call the page makes (name and details), kept across reloads.
function recordSignals() {
  const KEY = '__bio_e2e_signals';
  const PKC = window.PublicKeyCredential;
  if (!PKC) return;
  window.__signals = () => JSON.parse(sessionStorage.getItem(KEY) || '[]');
  for (const name of ['signalCurrentUserDetails', 'signalAllAcceptedCredentials', 'signalUnknownCredential']) {
    const original = PKC[name];
    if (typeof original !== 'function') continue;
    PKC[name] = function (details) {
      sessionStorage.setItem(KEY, JSON.stringify([...window.__signals(), { name, details }]));
      return original.call(this, details);
    };
  }
}

async function visitor() {
  const you = await newVisitor(browser);
  await you.context.addInitScript(recordSignals);
  return you;
}

const signals = (page, name) => page.evaluate((n) => window.__signals().filter((s) => s.name === n), name);
// Chromium reports each refused request as "Failed to load resource: ... 4xx"; where a test
// makes one on purpose, it is expected.
const dropExpected = (errors, path) => {
  for (let i = errors.length - 1; i >= 0; i -= 1) {
    if (new RegExp(`status of 4\\d\\d .*${path}\\)$`).test(errors[i])) errors.splice(i, 1);
  }
};
const accountStatus = async (page) => (await page.locator('#account-status').textContent()).trim();

test('Change name: refused names say why, a good one shows everywhere and reaches the provider',
  { skip, timeout: 4 * TIMEOUT }, async () => {
    const you = await visitor();
    const { page } = you;
    await openSignedOut(page);
    const first = await clickAuthAndSignIn(page);
    const name = page.locator('#name-input');
    assert.equal(await page.getByLabel('Name', { exact: true }).count(), 1, 'a text box labelled Name');
    assert.equal(await name.inputValue(), first.name);

    // A name of invisible characters only: refused, said why, still the old name.
    await name.fill('\u200b\u200b');
    await page.getByRole('button', { name: 'Change name' }).click();
    await page.waitForFunction(() => document.getElementById('account-status').textContent.length > 0);
    assert.match(await accountStatus(page), /invisible/);
    dropExpected(you.errors, '/account/name');
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    assert.equal((await page.locator('[data-testid="user-name"]').textContent()).trim(), first.name);

    // A good one, with spaces to normalise: the page reloads with it, the provider is told.
    await name.fill('  Ada   Lovelace ');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
      page.getByRole('button', { name: 'Change name' }).click()]);
    assert.equal((await page.locator('[data-testid="user-name"]').textContent()).trim(), 'Ada Lovelace');
    assert.equal(await page.locator('#name-input').inputValue(), 'Ada Lovelace');
    const told = (await signals(page, 'signalCurrentUserDetails')).map((s) => s.details.name);
    assert.ok(told.includes('Ada Lovelace'), `signalCurrentUserDetails got ${JSON.stringify(told)}`);
    const passkeys = await you.credentials();
    assert.equal(passkeys.length, 1);
    if ('userName' in passkeys[0]) assert.equal(passkeys[0].userName, 'Ada Lovelace', 'the provider renamed it');
    // The returning-visitor greeting uses it too.
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#logout')]);
    assert.equal((await page.locator('[data-testid="returning-name"]').textContent()).trim(), 'Ada Lovelace');
    assert.deepEqual(you.errors, []);
    await you.context.close();
  });

// The credential calls of the click on `selector` (recorded by the harness).
async function clickFor(page, selector, { navigates = false } = {}) {
  const before = await page.evaluate(() => window.__calls.clicks.length);
  if (navigates) {
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
  } else {
    await page.click(selector);
  }
  await page.waitForFunction((count) => {
    const click = window.__calls.clicks[count];
    return click && click.calls.every((c) => c.outcome !== 'pending');
  }, before).catch(() => {}); // after a navigation the record is read from sessionStorage
  return (await page.evaluate(() => window.__calls.clicks)).slice(before).flatMap((c) => c.calls);
}

test('the passkey endpoints, the provider kept in sync, and Download my data',
  { skip, timeout: 4 * TIMEOUT }, async () => {
    const you = await visitor();
    const { page } = you;
    await openSignedOut(page);
    // What a password manager reads to send people to the right page.
    const endpoints = await page.evaluate(async () => {
      const res = await fetch('/.well-known/passkey-endpoints');
      return { type: res.headers.get('content-type'), body: await res.json() };
    });
    assert.match(endpoints.type, /^application\/json/);
    assert.deepEqual(endpoints.body, { enroll: `${BASE}/`, manage: `${BASE}/#account` });

    const { name } = await clickAuthAndSignIn(page);
    const [passkey] = await you.credentials();
    const accepted = (await signals(page, 'signalAllAcceptedCredentials')).at(-1);
    assert.ok(accepted, 'the signed-in page keeps the provider in sync');
    assert.deepEqual(accepted.details.allAcceptedCredentialIds, [b64url(passkey.credentialId)]);
    assert.equal(accepted.details.userId, b64url(passkey.userHandle));
    const details = (await signals(page, 'signalCurrentUserDetails')).at(-1);
    assert.equal(details.details.name, name);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download my data' }).click(),
    ]);
    const data = JSON.parse(await readFile(await download.path(), 'utf8'));
    assert.equal(data.name, name);
    assert.equal(data.user_handle, b64url(passkey.userHandle));
    assert.equal(data.passkey.credential_id, b64url(passkey.credentialId));
    assert.equal(data.passkey.algorithm, -7);
    assert.equal(data.sessions, undefined, 'no session ids in the export');
    assert.equal(typeof data.active_sessions, 'number');
    assert.deepEqual(you.errors, []);
    await you.context.close();
  });

test('Replace passkey: the account moves to the new passkey; the old one no longer signs in',
  { skip, timeout: 6 * TIMEOUT }, async () => {
    const you = await visitor();
    const { page } = you;
    await openSignedOut(page);
    const { name } = await clickAuthAndSignIn(page);
    const [old] = await you.credentials();

    // A step left open past its ceremony's life never reaches create() (which would replace the
    // old passkey in the provider just before the server refused the new one): nothing changes.
    await page.getByRole('button', { name: 'Replace passkey' }).click();
    await clickFor(page, '#replace-passkey-confirm');
    await page.waitForSelector('#create-replacement:not([hidden])');
    await page.evaluate(() => {
      const now = performance.now.bind(performance);
      performance.now = () => now() + 10 * 60_000; // ten minutes later
    });
    const lateCalls = await clickFor(page, '#create-replacement');
    assert.deepEqual(lateCalls, [], `no create(): ${summary(lateCalls)}`);
    assert.match(await page.locator('#account-status').textContent(), /timed out/);
    assert.equal(await page.locator('#create-replacement').isHidden(), true);
    assert.deepEqual((await you.credentials()).map((c) => c.credentialId), [old.credentialId],
      'the old passkey stays');
    await page.reload(); // this page's clock as it was

    await page.getByRole('button', { name: 'Replace passkey' }).click();
    const confirmCalls = await clickFor(page, '#replace-passkey-confirm');
    assert.deepEqual(confirmCalls.map((c) => `${c.method} ${c.outcome}`), ['get resolved'], summary(confirmCalls));
    assert.deepEqual(confirmCalls[0].allow, [b64url(old.credentialId)], 'the confirmation names the current passkey');
    await page.waitForSelector('#create-replacement:not([hidden])');
    const createCalls = await clickFor(page, '#create-replacement', { navigates: true });
    assert.deepEqual(createCalls.map((c) => `${c.method} ${c.outcome}`), ['create resolved'], summary(createCalls));
    assert.equal((await page.locator('[data-testid="user-name"]').textContent()).trim(), name,
      'still signed in, as the same account');
    const now = await you.credentials();
    assert.equal(now.length, 1, 'one passkey for the site on this authenticator');
    assert.notEqual(now[0].credentialId, old.credentialId, 'and it is the new one');
    assert.equal(now[0].userHandle, old.userHandle, 'with the same user handle');
    const accepted = (await signals(page, 'signalAllAcceptedCredentials')).at(-1);
    assert.deepEqual(accepted.details.allAcceptedCredentialIds, [b64url(now[0].credentialId)]);

    // The old passkey, in another authenticator: refused, reported unknown, forgotten there.
    const thief = await visitor();
    await thief.webauthn('addCredential', { credential: old });
    await openSignedOut(thief.page);
    const refused = await clickAndStaySignedOut(thief.page);
    assert.match(refused.status, /no longer registered/, refused.status);
    assert.equal(await thief.page.locator('[data-testid="user-name"]').count(), 0);
    assert.deepEqual(await thief.credentials(), [], 'signalUnknownCredential removed the old passkey');
    dropExpected(thief.errors, '/auth/finish');
    assert.deepEqual(thief.errors, []);

    // The new one signs in again as the same account.
    await logout(page);
    const again = await clickAuthAndSignIn(page);
    assert.equal(again.name, name);
    assert.deepEqual(you.errors, []);
    await thief.context.close();
    await you.context.close();
  });

test('Recovery code: a second, empty authenticator gets the same account back, once',
  { skip, timeout: 6 * TIMEOUT }, async () => {
    const you = await visitor();
    const { page } = you;
    await openSignedOut(page);
    const { name } = await clickAuthAndSignIn(page);
    const [lost] = await you.credentials();
    assert.equal((await page.locator('[data-testid="last-recovered"]').textContent()).trim(), 'Never');

    await page.getByRole('button', { name: 'Get a recovery code' }).click();
    const confirmCalls = await clickFor(page, '#get-recovery-code-confirm');
    assert.deepEqual(confirmCalls.map((c) => `${c.method} ${c.outcome}`), ['get resolved'], summary(confirmCalls));
    await page.waitForSelector('#recovery-code');
    const code = (await page.locator('#recovery-code').textContent()).trim();
    assert.match(code, /^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){5}$/, code);

    // Another device, with an empty authenticator.
    const other = await visitor();
    assert.deepEqual(await other.credentials(), []);
    await openSignedOut(other.page);
    await other.page.getByRole('button', { name: 'Lost your passkey? Use a recovery code' }).click();
    await other.page.getByLabel('Recovery code', { exact: true }).fill(code.toLowerCase());
    const continued = await clickFor(other.page, '#recover-continue');
    assert.deepEqual(continued, [], 'checking the code makes no WebAuthn call');
    await other.page.waitForSelector('#create-recovered:not([hidden])');
    const created = await clickFor(other.page, '#create-recovered', { navigates: true });
    assert.deepEqual(created.map((c) => `${c.method} ${c.outcome}`), ['create resolved'], summary(created));
    assert.equal((await other.page.locator('[data-testid="user-name"]').textContent()).trim(), name,
      'signed in as the same account');
    const recovered = await other.credentials();
    assert.equal(recovered.length, 1, 'one passkey');
    assert.equal(recovered[0].userHandle, lost.userHandle, 'for the same user handle');
    assert.notEqual((await other.page.locator('[data-testid="last-recovered"]').textContent()).trim(), 'Never');

    // The first device's session is over; its passkey no longer signs in.
    await page.reload();
    assert.equal(await page.locator('[data-testid="user-name"]').count(), 0, 'signed out there');
    await openSignedOut(page);
    const refused = await clickAndStaySignedOut(page);
    assert.match(refused.status, /no longer registered|replaced/, refused.status);
    dropExpected(you.errors, '/auth/finish');

    // The code works once: a third device is refused before any create().
    const third = await visitor();
    await openSignedOut(third.page);
    await third.page.getByRole('button', { name: 'Lost your passkey? Use a recovery code' }).click();
    await third.page.getByLabel('Recovery code', { exact: true }).fill(code);
    const again = await clickFor(third.page, '#recover-continue');
    await third.page.waitForFunction(() => document.getElementById('status').dataset.kind === 'error');
    assert.deepEqual(again, []);
    assert.match((await third.page.locator('#status').textContent()), /not right|already used/);
    assert.equal(await third.page.locator('#create-recovered').count(), 0);
    assert.deepEqual(await third.credentials(), []);
    dropExpected(third.errors, '/auth/recover/options');
    for (const v of [you, other, third]) assert.deepEqual(v.errors, []);
    for (const v of [you, other, third]) await v.context.close();
  });
