// Browser end-to-end tests around the main path (which e2e.test.mjs pins), in the same real
// headless Chromium with CDP virtual authenticators (harness: e2e-browser.mjs), against a running
// Bio. scripts/node-tests runs it; by hand, against `viceroy serve` on :7678:
//
//   BIO_BASE_URL=http://localhost:7678 node --test tests/node/e2e-edges.test.mjs
//
// What it pins:
//   - two tabs of one browser: the older tab registers after a newer tab loaded, and the newer
//     tab, whose ceremony was issued before that registration, still signs in with it; "Log out
//     and forget me" and "Not you?" drop the greeting;
//   - a browser without immediate mediation (Safari, Firefox; emulated): a new visitor's click is
//     one modal get(); when it fails the page offers the choices and makes a passkey only from
//     "Create a new passkey"; a returning visitor is greeted by name and the click is one get()
//     naming their passkey;
//   - nothing deletes an account but the page's confirmation with the passkey: a bare POST to
//     /account/delete leaves the user signed in, and a `/?deleted=<id>` link signals nothing;
//   - a returning visitor whose passkey is gone gets the choices, never a create();
//   - a passkey whose counter went back, or whose backup eligibility changed, still signs in
//     (counter_policy = flag, as fastly.toml's local store sets it) and the page says so;
//   - no console errors in any context.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, b64url, clickAndSignIn, clickAndStaySignedOut, clickAuthAndSignIn, deleteThroughPage, launch, logout,
  openSignedOut, skip, summary, TIMEOUT, visitor as newVisitor,
} from './e2e-browser.mjs';

let browser = null;
before(async () => {
  if (!skip) browser = await launch();
});
after(async () => {
  if (browser) await browser.close().catch(() => {});
});
const visitor = (options) => newVisitor(browser, options);

const creates = (calls) => calls.filter((c) => c.method === 'create');
const notices = async (page) => (await page.locator('#agent .notice').allTextContents()).map((t) => t.trim());
// Each step that needs the signed-out page starts from it, whatever the step before left.
async function signedOut(page, url = `${BASE}/`) {
  await page.goto(`${BASE}/`);
  if (await page.locator('#logout').count() > 0) await logout(page);
  await openSignedOut(page, url);
}
const pause = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// The account agent shows what happened "since the previous visit", in whole seconds: a sign-in
// in the same second as the one before it would be compared with itself. Real visits are
// seconds apart; so are these.
const VISIT_GAP_MS = 1_100;
async function afterGap(since) {
  const wait = since + VISIT_GAP_MS - Date.now();
  if (wait > 0) await pause(wait);
}

test('two tabs: the older tab registers after a newer one loaded; the newer one signs in later',
  { skip, timeout: 4 * TIMEOUT }, async (t) => {
    const you = await visitor();
    const older = you; // the first tab
    let newer = null;
    let registered = null;

    await t.test('the older tab registers after the newer tab loaded its own ceremony', async (t) => {
      await openSignedOut(older.page);
      newer = await you.newTab();
      await openSignedOut(newer.page);
      registered = await clickAuthAndSignIn(older.page);
      t.diagnostic(`older tab's click: ${summary(registered.calls)}`);
      assert.equal(creates(registered.calls).length, 1, `one create(): ${summary(registered.calls)}`);
      assert.equal(creates(registered.calls)[0].outcome, 'resolved');
      assert.equal((await older.credentials()).length, 1);
    });

    await t.test('after Logout, the newer tab (never reloaded) signs in with its own ceremony', async (t) => {
      assert.ok(registered, 'needs the registration');
      await logout(older.page);
      // The same passkey on the newer tab's authenticator (Chromium keeps one per tab).
      const [passkey] = await older.credentials();
      await newer.webauthn('addCredential', { credential: passkey });
      const signedIn = await clickAuthAndSignIn(newer.page);
      t.diagnostic(`newer tab's click: ${summary(signedIn.calls)}`);
      assert.equal(signedIn.name, registered.name, 'the same user');
      assert.equal(creates(signedIn.calls).length, 0, 'no create()');
      assert.equal(signedIn.calls.filter((c) => c.outcome === 'resolved').length, 1,
        `one get() resolved: ${summary(signedIn.calls)}`);
    });

    await t.test('the older tab, still showing the signed-out page, clicks Auth: it shows the session',
      async (t) => {
        assert.ok(registered, 'needs the registration');
        // Its page is stale: the newer tab signed this browser in meanwhile.
        assert.equal(await older.page.locator('#auth').count(), 1, 'a signed-out page');
        const stale = await clickAuthAndSignIn(older.page);
        t.diagnostic(`stale tab's click: ${summary(stale.calls)}`);
        assert.equal(stale.name, registered.name, 'the signed-in page of the same user');
        assert.equal(creates(stale.calls).length, 0, 'no create()');
        // Its finish was answered 409 already_signed_in (the reload's cue), which Chromium logs.
        const conflict = you.errors.findIndex((e) => /status of 409 .*\/auth\/finish\)$/.test(e));
        assert.ok(conflict >= 0, `the 409 it reloaded on: ${JSON.stringify(you.errors)}`);
        you.errors.splice(conflict, 1);
      });

    await t.test('and the older tab signs in again as the same user', async (t) => {
      assert.ok(registered, 'needs the registration');
      await logout(newer.page);
      await openSignedOut(older.page);
      const again = await clickAuthAndSignIn(older.page);
      t.diagnostic(`older tab's click: ${summary(again.calls)}`);
      assert.equal(again.name, registered.name);
      assert.equal(creates(again.calls).length, 0, 'no create()');
    });

    await t.test('"Log out and forget me" and "Not you?" forget the name; Auth still signs in', async (t) => {
      assert.ok(registered, 'needs the registration');
      await logout(older.page, '#logout-forget');
      assert.equal(await older.page.locator('[data-testid="returning-name"]').count(), 0, 'not greeted');
      // Unknown again, on a browser with immediate mediation: the passkey is found, no create().
      const again = await clickAuthAndSignIn(older.page);
      t.diagnostic(`click after "forget me": ${summary(again.calls)}`);
      assert.equal(again.name, registered.name);
      assert.equal(creates(again.calls).length, 0, `no create(): ${summary(again.calls)}`);
      await logout(older.page);
      assert.equal((await older.page.locator('[data-testid="returning-name"]').textContent()).trim(),
        registered.name, 'Logout keeps the greeting');
      await Promise.all([older.page.waitForNavigation({ waitUntil: 'load' }),
        older.page.click('#not-you button')]);
      assert.equal(await older.page.locator('#auth').count(), 1, 'still the signed-out page');
      assert.equal(await older.page.locator('[data-testid="returning-name"]').count(), 0, 'not greeted');
    });

    await t.test('no console errors in either tab', () => {
      assert.deepEqual(you.errors, []);
    });
  });

test('a browser without immediate mediation (as Safari and Firefox): choices, not create(); ' +
  'nothing deletes without the passkey; a lost passkey; counter and backup notices',
{ skip, timeout: 8 * TIMEOUT }, async (t) => {
  const you = await visitor({ immediate: false });
  const { page } = you;
  let name = null;
  let passkey = null; // the virtual authenticator's credential, with its private key
  let lastSignIn = 0; // Date.now() at the last sign-in

  await t.test('a new visitor: one modal get(), refused; the choices; no create() until asked', async (t) => {
    await openSignedOut(page);
    assert.deepEqual(await page.evaluate(() => window.__calls.probes), [],
      'no immediate-mediation probe where immediateGet is false');
    // A modal get() on an authenticator with no passkey for the site: Chromium's virtual
    // authenticator refuses it at once (NotAllowedError), as a person dismissing the sheet would.
    const first = await clickAndStaySignedOut(page);
    t.diagnostic(`first click: ${summary(first.calls)}; #status ${JSON.stringify(first.status)}`);
    assert.equal(first.calls.length, 1, `one call: ${summary(first.calls)}`);
    assert.equal(first.calls[0].method, 'get');
    assert.equal(first.calls[0].mode, 'modal');
    assert.deepEqual(first.calls[0].allow, [], 'a new visitor names no passkey');
    assert.equal(first.calls[0].outcome, 'rejected');
    assert.equal(first.calls[0].error, 'NotAllowedError');
    assert.ok(first.choices, `the choices are shown (#status ${JSON.stringify(first.status)})`);
    assert.deepEqual(await you.credentials(), [], 'no passkey was made');

    const created = await clickAndSignIn(page, '#create-new');
    t.diagnostic(`"Create a new passkey": ${summary(created.calls)}`);
    assert.equal(created.calls.length, 1, `one call: ${summary(created.calls)}`);
    assert.equal(created.calls[0].method, 'create');
    assert.equal(created.calls[0].outcome, 'resolved');
    name = created.name;
    lastSignIn = Date.now();
    [passkey] = await you.credentials();
    assert.ok(passkey, 'the authenticator holds the new passkey');
  });

  await t.test('a returning visitor: "Welcome back", one get() naming the passkey', async (t) => {
    assert.ok(name, 'needs the registration');
    await logout(page);
    assert.equal((await page.locator('[data-testid="returning-name"]').textContent()).trim(), name);
    assert.match(await page.locator('#welcome').textContent(), /^Welcome back, /);
    const returning = await clickAuthAndSignIn(page);
    lastSignIn = Date.now();
    t.diagnostic(`returning click: ${summary(returning.calls)}`);
    assert.equal(returning.name, name, 'the same user');
    assert.equal(returning.calls.length, 1, `exactly one call: ${summary(returning.calls)}`);
    assert.equal(returning.calls[0].method, 'get');
    assert.equal(returning.calls[0].outcome, 'resolved');
    assert.deepEqual(returning.calls[0].allow, [b64url(passkey.credentialId)], 'it names the passkey');
  });

  await t.test('a bare POST to /account/delete deletes nothing', async () => {
    assert.ok(name, 'needs the registration');
    // What a form or a script on the page could send without the passkey's confirmation. Each
    // is a same-origin POST from the signed-in page, with its cookies and Origin.
    const answers = await page.evaluate(async () => {
      const post = async (body, headers = {}) => {
        const res = await fetch('/account/delete', { method: 'POST', credentials: 'same-origin', headers, body });
        return { status: res.status, body: await res.text() };
      };
      return [
        await post(new URLSearchParams({ confirm: 'yes' })),
        await post(JSON.stringify({ confirm: 'yes' }), { 'Content-Type': 'application/json' }),
      ];
    });
    for (const answer of answers) {
      assert.ok(answer.status >= 400 && answer.status < 500, `refused: ${answer.status} ${answer.body}`);
    }
    // The form itself, submitted natively (no script): a navigation POST.
    const [submitted] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.evaluate(() => HTMLFormElement.prototype.submit.call(document.getElementById('delete-account'))),
    ]);
    assert.ok(submitted.status() >= 400 && submitted.status() < 500,
      `the native form POST is refused: ${submitted.status()} ${await submitted.text()}`);
    await page.goto(`${BASE}/`);
    // Chromium reports each refused POST as "Failed to load resource: ... 400"; expected here.
    for (let i = you.errors.length - 1; i >= 0; i -= 1) {
      if (/status of 4\d\d .*\/account\/delete\)$/.test(you.errors[i])) you.errors.splice(i, 1);
    }
    assert.equal((await page.locator('[data-testid="user-name"]').textContent()).trim(), name,
      'still signed in as the same user');
    assert.equal((await you.credentials()).length, 1, 'the passkey is still there');
  });

  await t.test('a /?deleted=<credential id> link signals nothing to the passkey provider', async () => {
    assert.ok(passkey, 'needs the registration');
    const before = await you.credentials();
    assert.equal(before.length, 1);
    await signedOut(page, `${BASE}/?deleted=${b64url(passkey.credentialId)}`);
    assert.equal(await page.evaluate(() => document.body.dataset.deletedCredentialId ?? null), null,
      'the page names no deleted credential');
    await pause(1_000);
    const after = await you.credentials();
    assert.deepEqual(after.map((c) => c.credentialId), before.map((c) => c.credentialId),
      'the authenticator still holds the passkey');
  });

  await t.test('a returning visitor who picks "Create a new passkey" with the passkey here: ' +
    'the provider refuses, no second account', async (t) => {
    assert.ok(passkey, 'needs the registration');
    await signedOut(page);
    // The get() fails once (user verification refused, as a dismissed sheet would): the choices.
    await you.webauthn('setUserVerified', { isUserVerified: false });
    const refused = await clickAndStaySignedOut(page);
    await you.webauthn('setUserVerified', { isUserVerified: true });
    assert.ok(refused.choices, `the choices are shown (#status ${JSON.stringify(refused.status)})`);
    const created = await clickAndStaySignedOut(page, '#create-new');
    t.diagnostic(`"Create a new passkey": ${summary(created.calls)}; #status ${JSON.stringify(created.status)}`);
    assert.equal(created.calls.length, 1, `one call: ${summary(created.calls)}`);
    assert.equal(created.calls[0].method, 'create');
    assert.equal(created.calls[0].error, 'InvalidStateError', 'the passkey on this device is excluded');
    assert.match(created.status, /already has a passkey/);
    assert.equal((await you.credentials()).length, 1, 'still one passkey for the site');
  });

  await t.test('a returning visitor whose passkey is gone: the choices, no create()', async (t) => {
    assert.ok(passkey, 'needs the registration');
    [passkey] = await you.credentials(); // its current signCount
    await you.webauthn('removeCredential', { credentialId: passkey.credentialId });
    await signedOut(page);
    assert.equal(await page.locator('[data-testid="returning-name"]').count(), 1, 'still recognised');
    const click = await clickAndStaySignedOut(page);
    t.diagnostic(`click: ${summary(click.calls)}; #status ${JSON.stringify(click.status)}`);
    assert.equal(creates(click.calls).length, 0, `no create(): ${summary(click.calls)}`);
    assert.equal(click.calls.length, 1, `one get(): ${summary(click.calls)}`);
    assert.deepEqual(click.calls[0].allow, [b64url(passkey.credentialId)], 'it names the lost passkey');
    assert.equal(click.calls[0].outcome, 'rejected');
    assert.ok(click.choices, `the choices are shown (#status ${JSON.stringify(click.status)})`);
    assert.equal(await page.locator('#create-new').isVisible(), true);
    assert.deepEqual(await you.credentials(), [], 'no passkey was made');
  });

  await t.test('a counter that went back: signed in, and the page says so', async (t) => {
    assert.ok(passkey, 'needs the registration');
    t.diagnostic(`the server last saw signCount ${passkey.signCount}`);
    assert.ok(passkey.signCount >= 1, 'the passkey was used, so the server holds a counter above 0');
    // The same passkey comes back (restored from a backup, say) with its counter at 0.
    await you.webauthn('removeCredential', { credentialId: passkey.credentialId }).catch(() => {});
    await you.webauthn('addCredential', { credential: { ...passkey, signCount: 0 } });
    await afterGap(lastSignIn);
    await signedOut(page);
    const signedIn = await clickAuthAndSignIn(page);
    lastSignIn = Date.now();
    t.diagnostic(`click: ${summary(signedIn.calls)}`);
    assert.equal(signedIn.name, name, 'the same user');
    const shown = await notices(page);
    t.diagnostic(`notices: ${JSON.stringify(shown)}`);
    assert.ok(shown.some((n) => /counter/i.test(n)), `a notice about the counter: ${JSON.stringify(shown)}`);
  });

  await t.test('backup eligibility that changed: signed in, and the page says so', async (t) => {
    assert.ok(passkey, 'needs the registration');
    await signedOut(page);
    const [current] = await you.credentials();
    t.diagnostic(`backup flags before: BE ${current.backupEligibility} BS ${current.backupState}`);
    const eligible = !current.backupEligibility;
    await you.webauthn('setCredentialProperties', { credentialId: current.credentialId,
      backupEligibility: eligible, backupState: eligible });
    await afterGap(lastSignIn);
    await openSignedOut(page);
    const signedIn = await clickAuthAndSignIn(page);
    lastSignIn = Date.now();
    t.diagnostic(`click: ${summary(signedIn.calls)}`);
    assert.equal(signedIn.name, name, 'the same user');
    const shown = await notices(page);
    t.diagnostic(`notices: ${JSON.stringify(shown)}`);
    assert.ok(shown.some((n) => /backup/i.test(n)), `a notice about the backup setting: ${JSON.stringify(shown)}`);
    assert.ok(!shown.some((n) => /counter/i.test(n)),
      `the counter notice belongs to the visit before: ${JSON.stringify(shown)}`);
  });

  await t.test('Delete account, confirmed with the passkey, deletes and forgets it', async (t) => {
    assert.ok(name, 'needs the registration');
    await page.goto(`${BASE}/`);
    const deleted = await deleteThroughPage(page);
    t.diagnostic(`"Delete for good": ${summary(deleted.calls)}; requests: ${deleted.fetches.join(', ')}`);
    assert.equal(deleted.calls.length, 1, `one get() confirms: ${summary(deleted.calls)}`);
    assert.equal(deleted.calls[0].outcome, 'resolved');
    assert.deepEqual(deleted.calls[0].allow, [b64url(passkey.credentialId)], 'it names the passkey');
    assert.equal(await page.locator('#auth').count(), 1, 'signed out');
    assert.equal(await page.locator('[data-testid="returning-name"]').count(), 0, 'not greeted any more');
    const deadline = Date.now() + 5_000;
    while ((await you.credentials()).length > 0 && Date.now() < deadline) await pause(100);
    assert.deepEqual(await you.credentials(), [], 'signalUnknownCredential removed the passkey');
    assert.deepEqual(deleted.fetches, ['POST /account/confirm', 'POST /account/delete'],
      'one confirmation challenge, fetched by the first click; none once the account is gone (it can only answer 401, a console error)');
  });

  await t.test('no console errors', () => {
    assert.deepEqual(you.errors, []);
  });
});
