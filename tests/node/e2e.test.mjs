// Browser end-to-end test: the one Auth button in a real headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core) with CDP virtual authenticators, against a running
// Bio (`viceroy serve`). scripts/node-tests starts Bio on http://localhost:7678 and runs this file;
// by hand:
//
//   cargo build --release --bin bio && scripts/optimize-wasm
//   viceroy serve -C fastly.toml --addr 127.0.0.1:7676 target/wasm32-wasip1/release/bio.opt.wasm &
//   BIO_BASE_URL=http://localhost:7676 node --test tests/node/e2e.test.mjs
//
// Always `localhost`, never 127.0.0.1: WebAuthn refuses IP addresses as RP IDs. The harness
// (Chromium, the virtual authenticators, the recorder) is in e2e-browser.mjs; the cases around
// the main path (tabs, browsers without immediate mediation, lost passkeys, counters, deletion
// that must not happen) are in e2e-edges.test.mjs.
// The README's screenshots are taken by e2e-a11y.test.mjs, which visits every state of the page.
//
// What it pins, per click on Auth (counted by an init script that wraps navigator.credentials):
//   1. a new visitor: at most one immediate get(), rejected (no passkey here), then exactly one
//      create(), resolved; no modal get(); the page reloads signed in and shows the user's name;
//   2. Logout: back to the signed-out page, which greets the visitor by name;
//   3. the same visitor again: one get() naming their one passkey (allowCredentials), resolved,
//      no create(); same name; still one credential;
//   4. another browser context with its own authenticator: a different name;
//   5. Delete account: a first click reveals "Delete for good", which asks for the passkey (one
//      get() naming it), deletes the account, signs out, and has the page tell the authenticator
//      to forget the passkey (signalUnknownCredential);
//   6. no console errors (a CSP violation is one) and no uncaught exceptions in either context.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  b64url, clickAuthAndSignIn, deleteThroughPage, isGet, isImmediate, launch, openSignedOut, skip,
  summary, TIMEOUT, visitor as newVisitor,
} from './e2e-browser.mjs';

let browser = null;
before(async () => {
  if (!skip) browser = await launch();
});
after(async () => {
  if (browser) await browser.close().catch(() => {});
});
const visitor = (options) => newVisitor(browser, options);

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
        page.click('#logout'),
      ]);
      const heading = await page.locator('h1').first().textContent().catch(() => '');
      const text = await page.locator('main p').first().textContent().catch(() => '');
      assert.ok(await page.locator('#auth').count() === 1,
        `Logout should land on the signed-out page with the Auth button; got ${page.url()} ` +
        `(${response ? response.status() : 'no response'}): ${JSON.stringify(heading)} ${JSON.stringify(text)}`);
      assert.equal(await page.locator('[data-testid="user-name"]').count(), 0, 'signed out');
      assert.equal((await page.locator('[data-testid="returning-name"]').textContent()).trim(),
        registered.name, 'the signed-out page greets the returning visitor by name');
      assert.match(await page.locator('#welcome').textContent(), /^Welcome back, /);
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
      assert.equal(returning.calls[0].mode, 'modal', 'a returning visitor gets the modal get()');
      assert.deepEqual(returning.calls[0].allow, [b64url(afterRegistration[0].credentialId)],
        'the get() names exactly the returning visitor\'s passkey');
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
    });

    await t.test('5. Delete account takes two steps, signs out, and the passkey is forgotten', async () => {
      assert.ok(second, 'needs step 4');
      const { page } = second;
      const [passkey] = await second.credentials();
      const deleted = await deleteThroughPage(page);
      assert.equal(await page.locator('#auth').count(), 1,
        `Delete for good should land on the signed-out page; got ${page.url()} ` +
        `(${deleted.response ? deleted.response.status() : 'no response'}): ${await page.locator('main').textContent()}`);
      assert.equal(deleted.calls.length, 1, `one get() confirms: ${summary(deleted.calls)}`);
      assert.equal(deleted.calls[0].method, 'get');
      assert.equal(deleted.calls[0].outcome, 'resolved');
      assert.deepEqual(deleted.calls[0].allow, [b64url(passkey.credentialId)], 'it names the passkey');
      assert.equal(await page.locator('[data-testid="returning-name"]').count(), 0,
        'deletion forgets the returning-visitor hint');
      // The page signals the deleted credential unknown; Chromium's authenticator drops it.
      const deadline = Date.now() + 5_000;
      while ((await second.credentials()).length > 0 && Date.now() < deadline) await page.waitForTimeout(100);
      assert.equal((await second.credentials()).length, 0, 'signalUnknownCredential removed the passkey');
      assert.deepEqual(deleted.fetches, ['POST /account/confirm', 'POST /account/delete'],
        'one confirmation challenge, fetched by the first ' +
        'click; none once the account is gone (it can only answer 401, a console error)');
    });

    await t.test('6. no console errors (CSP violations show there) and no uncaught exceptions', () => {
      assert.ok(first && second, 'needs steps 1 and 4');
      assert.deepEqual(first.errors, [], 'first context');
      assert.deepEqual(second.errors, [], 'second context');
    });
  });
