// Accessibility of every state of the page, in the real headless Chromium (harness:
// e2e-browser.mjs) against a running Bio: axe-core (npm, pinned in package.json) scans each state
// and must report no violation; a keyboard alone must reach every control, each with a visible
// focus ring; a phone-sized screen must never scroll sideways. scripts/node-tests runs it; by
// hand, against `viceroy serve` on :7678:
//
//   BIO_BASE_URL=http://localhost:7678 node --test tests/node/e2e-a11y.test.mjs
//
// The states: signed out; signed out after a ceremony that found no passkey (the choices shown);
// an error page; signed in; signed in with "Delete for good" revealed; the returning visitor
// greeted by name; each in light and dark (prefers-color-scheme, emulated) and the main ones on
// a phone (390×844). axe runs with its default rules (WCAG 2.x A and AA, and its best practices
// such as `landmark-unique` and `page-has-heading-one`); it scans whatever the page holds, so a
// form added to the account page is checked without touching this file.
//
// Set BIO_SCREENSHOT_DIR (e.g. docs/screenshots) to write the README's screenshots: signed-out,
// signed-in, signed-in-dark and phone (signed in, 390×844).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  BASE, clickAndStaySignedOut, clickAuthAndSignIn, launch, logout, openSignedOut, screenshot, skip,
  TIMEOUT, visitor as newVisitor,
} from './e2e-browser.mjs';

const DESKTOP = { width: 1024, height: 768 };
const PHONE = { width: 390, height: 844 };

// axe-core is installed by scripts/bootstrap (npm install): missing, it is a failure that says
// so, not a skip, because only Chromium's absence may skip a browser test.
const require = createRequire(import.meta.url);
let axeSource = null;
try {
  axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
} catch {
  axeSource = null;
}

let browser = null;
before(async () => {
  if (!skip) browser = await launch();
});
after(async () => {
  if (browser) await browser.close().catch(() => {});
});

// axe's violations on `page` as it is now, one line per rule and element. axe is evaluated
// through the DevTools protocol, which the page's Content-Security-Policy does not govern, so
// the page is scanned under its real policy (and a CSP report would show as a console error).
async function violations(page) {
  assert.ok(axeSource, 'axe-core is not installed: run scripts/bootstrap (npm install)');
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`) }));
  });
  return found.flatMap((v) => v.nodes.map((node) => `${v.id} (${v.impact}, ${v.help}) at ${node}`));
}

// The checks every state gets: no axe violation, and on a narrow screen no sideways scrolling.
async function checkState(t, page, state) {
  const found = await violations(page);
  t.diagnostic(`${state}: ${found.length} axe violation(s)`);
  assert.deepEqual(found, [], `axe on "${state}" (${page.url()})`);
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
  assert.ok(scrollWidth <= clientWidth, `"${state}" scrolls sideways: ${scrollWidth} > ${clientWidth} px`);
}

// Each state in light and dark; the scheme is left at light afterwards.
async function checkBothSchemes(t, page, state) {
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    await checkState(t, page, `${state}, ${colorScheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

// Tabs through the whole page, from wherever focus is until it comes round to the first stop
// again, and returns each stop: where it is, its name, and whether it shows a focus ring (an
// outline, or a box shadow). Tabbing past the last control leaves the page for a step or two
// (the browser's own UI): those steps are not stops.
async function tabStops(page) {
  const stops = [];
  for (let i = 0; i < 80; i += 1) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
        || style.boxShadow !== 'none';
      const path = [];
      for (let node = el; node && node !== document.body; node = node.parentElement) {
        path.unshift(node.id ? `${node.localName}#${node.id}` : node.localName);
      }
      return { key: path.join('>') + (el.name ? `[name=${el.name}]` : ''), name: window.__bioName(el), ring };
    });
    if (!stop) continue;
    if (stops.length > 0 && stops[0].key === stop.key && stops[0].name === stop.name) break;
    stops.push(stop);
  }
  return stops;
}

// What a control is called in the messages: its label, its text or its value, short.
function controlName() {
  window.__bioName = (el) => {
    const text = el.getAttribute('aria-label') || el.labels?.[0]?.textContent || el.textContent || el.value || '';
    const name = text.trim().replace(/\s+/g, ' ');
    return name.length > 40 ? `${name.slice(0, 39)}…` : name;
  };
}

// Every visible control on the page (buttons, links, form fields, <summary>) is reached by Tab,
// and shows a focus ring when it is.
async function checkKeyboard(t, page, state) {
  const stops = await tabStops(page);
  t.diagnostic(`${state}, tab order: ${stops.map((s) => JSON.stringify(s.name)).join(' → ')}`);
  const controls = await page.evaluate(() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
    .filter((el) => el.checkVisibility() && !el.disabled)
    .map((el) => window.__bioName(el)));
  const reached = stops.map((s) => s.name);
  for (const control of controls) {
    assert.ok(reached.includes(control), `"${state}": Tab never reaches ${JSON.stringify(control)} ` +
      `(reached: ${JSON.stringify(reached)})`);
  }
  for (const stop of stops) {
    assert.ok(stop.ring, `"${state}": ${stop.key} ${JSON.stringify(stop.name)} shows no focus ring`);
  }
}

test('every state of the page: no axe violation, a keyboard reaches everything, a phone never scrolls sideways',
  { skip, timeout: 8 * TIMEOUT }, async (t) => {
    const you = await newVisitor(browser, { viewport: DESKTOP });
    await you.context.addInitScript(controlName);
    const { page } = you;
    // The second visitor: a browser without immediate mediation whose authenticator holds no
    // passkey, so its click fails and the page offers the choices.
    const stranger = await newVisitor(browser, { viewport: PHONE, immediate: false });
    await stranger.context.addInitScript(controlName);

    await t.test('signed out', async (t) => {
      await openSignedOut(page);
      await screenshot(page, 'signed-out.png');
      await checkBothSchemes(t, page, 'signed out');
      await checkKeyboard(t, page, 'signed out');
      await page.setViewportSize(PHONE);
      await checkBothSchemes(t, page, 'signed out, phone');
      await page.setViewportSize(DESKTOP);
    });

    await t.test('signed out, after a ceremony found no passkey: the choices', async (t) => {
      await openSignedOut(stranger.page);
      const outcome = await clickAndStaySignedOut(stranger.page);
      assert.ok(outcome.choices, `the choices are shown (#status: ${JSON.stringify(outcome.status)})`);
      await checkBothSchemes(t, stranger.page, 'no passkey used, phone');
      await checkKeyboard(t, stranger.page, 'no passkey used, phone');
    });

    await t.test('an error page', async (t) => {
      const response = await stranger.page.goto(`${BASE}/no-such-page`);
      assert.equal(response.status(), 404);
      await checkBothSchemes(t, stranger.page, 'error page, phone');
      // The browser reports the 404 itself; it is this step's doing, not an error of the page.
      const notFound = stranger.errors.findIndex((e) => /status of 404 .*\/no-such-page\)$/.test(e));
      if (notFound >= 0) stranger.errors.splice(notFound, 1);
    });

    await t.test('signed in', async (t) => {
      await openSignedOut(page);
      const { name } = await clickAuthAndSignIn(page);
      assert.match(await page.locator('main').textContent(), new RegExp(`Logged in as\\s*${name}`));
      assert.equal(await page.locator('#logout').textContent(), 'Logout');
      await screenshot(page, 'signed-in.png');
      await page.emulateMedia({ colorScheme: 'dark' });
      await screenshot(page, 'signed-in-dark.png');
      await page.emulateMedia({ colorScheme: 'light' });
      await checkBothSchemes(t, page, 'signed in');
      await checkKeyboard(t, page, 'signed in');
      await page.setViewportSize(PHONE);
      await page.evaluate(() => document.activeElement?.blur()); // no focus ring in the picture
      await screenshot(page, 'phone.png');
      await checkBothSchemes(t, page, 'signed in, phone');
      await checkKeyboard(t, page, 'signed in, phone');
      await page.setViewportSize(DESKTOP);
    });

    await t.test('signed in, every disclosure open', async (t) => {
      const opened = await page.evaluate(() => {
        const closed = [...document.querySelectorAll('details:not([open])')];
        for (const details of closed) details.open = true;
        return closed.length;
      });
      t.diagnostic(`${opened} <details> opened`);
      await checkBothSchemes(t, page, 'signed in, details open');
      await checkKeyboard(t, page, 'signed in, details open');
      await page.setViewportSize(PHONE);
      await checkState(t, page, 'signed in, details open, phone');
      await page.setViewportSize(DESKTOP);
    });

    await t.test('signed in, "Delete for good" revealed', async (t) => {
      await page.click('#delete-account button');
      await page.locator('#delete-account button[name="confirm"]').waitFor({ timeout: 5_000 });
      await checkBothSchemes(t, page, 'delete confirmation');
      await checkKeyboard(t, page, 'delete confirmation');
      await page.reload(); // leaves the account alone
    });

    await t.test('the returning visitor, greeted by name', async (t) => {
      await logout(page);
      assert.equal(await page.locator('[data-testid="returning-name"]').count(), 1, 'greeted');
      await checkBothSchemes(t, page, 'returning visitor');
      await checkKeyboard(t, page, 'returning visitor');
      await page.setViewportSize(PHONE);
      await checkBothSchemes(t, page, 'returning visitor, phone');
    });

    await t.test('no console errors', () => {
      assert.deepEqual([...you.errors, ...stranger.errors], []);
    });
    await you.context.close();
    await stranger.context.close();
  });
