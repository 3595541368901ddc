// Flow tests of templates/client.js in Node (node --test tests/client/), with a fake DOM, a fake
// `fetch` and fake WebAuthn. They pin the decisions, not the browser: which ceremony runs after
// which outcome, what is POSTed, and what #status says. The browser end-to-end test covers the
// real thing. Run: node --test tests/client/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const SCRIPT = readFileSync(new URL('../../templates/client.js', import.meta.url), 'utf8');

class FakeElement {
  constructor(id, tag = 'button') {
    Object.assign(this, { id, tag, hidden: false, disabled: false, textContent: '', dataset: {},
      attributes: {}, listeners: {}, children: [] });
  }
  addEventListener(type, fn) { (this.listeners[type] ||= []).push(fn); }
  setAttribute(name, value) { this.attributes[name] = value; }
  append(child) { this.children.push(child); }
  // '.class' and 'tag[name="value"]' are enough for the script's selectors.
  querySelector(selector) {
    const named = /^(\w+)\[name="([^"]+)"\]$/.exec(selector);
    return this.children.find((c) => (named ? c.tag === named[1] && c.name === named[2]
      : selector === '.' + c.className)) || null;
  }
  focus() {}
  async fire(type, event = {}) {
    const full = { currentTarget: this, defaultPrevented: false, preventDefault() { this.defaultPrevented = true; }, ...event };
    for (const fn of this.listeners[type] || []) await fn(full);
    return full;
  }
}

// Objects made inside the vm realm have other prototypes; compare their JSON form.
const plain = (value) => JSON.parse(JSON.stringify(value));
const b64url = (text) => Buffer.from(text).toString('base64url');
const START = {
  publicKey: {
    get: { challenge: b64url('challenge-1'), rpId: 'bio.example', allowCredentials: [] },
    create: { challenge: b64url('challenge-1'), rp: { id: 'bio.example', name: 'Bio' },
      user: { id: b64url('user-1'), name: 'amber-otter-27', displayName: 'amber-otter-27' },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }], excludeCredentials: [] },
  },
  expiresAt: 300_000,
  ceremony: 'token-1',
};
const CONFIRM = {
  publicKey: { get: { challenge: b64url('confirm-1'), rpId: 'bio.example',
    allowCredentials: [{ type: 'public-key', id: b64url('cred') }] } },
  expiresAt: 300_000,
  ceremony: 'confirm-token',
};

function fakeCredential(kind) {
  const buf = (text) => new TextEncoder().encode(text).buffer;
  const response = kind === 'create'
    ? { clientDataJSON: buf('cd'), attestationObject: buf('ao'), getTransports: () => ['internal'] }
    : { clientDataJSON: buf('cd'), authenticatorData: buf('ad'), signature: buf('sig'), userHandle: buf('uh') };
  return { id: b64url('cred'), rawId: buf('cred'), type: 'public-key', response,
    authenticatorAttachment: 'platform', getClientExtensionResults: () => ({}) };
}

// Boots the script with a page and WebAuthn behaviour; returns the handles tests need.
async function boot({ get, create, finish = () => [200, { ok: true, user: { name: 'x' } }],
  remove = () => [200, { ok: true, location: '/' }], start = START, startFor = () => start,
  caps = {}, body = {}, signedIn = false, pkc = true, uiModeKnown = false, now = () => 0,
  clock = { now: () => 0 } }) {
  const els = {};
  const ids = signedIn ? ['status', 'delete-account'] : ['auth', 'other-device', 'status', 'no-passkey', 'try-again', 'create-new'];
  for (const id of ids) els[id] = new FakeElement(id);
  if (els['delete-account']) { // as templates/page.rs renders it: the form's own button is .danger
    els['delete-account'].append(Object.assign(new FakeElement(null), { type: 'submit', className: 'danger',
      textContent: 'Delete account' }));
  }
  els['no-passkey'] && (els['no-passkey'].hidden = true);
  const calls = { get: [], create: [], fetch: [], signals: [], reloads: 0, assigned: [] };
  const PublicKeyCredential = {
    getClientCapabilities: async () => caps,
    signalUnknownCredential: async (d) => { calls.signals.push(['unknown', plain(d)]); },
    signalCurrentUserDetails: async (d) => { calls.signals.push(['details', plain(d)]); },
    signalAllAcceptedCredentials: async (d) => { calls.signals.push(['accepted', plain(d)]); },
  };
  const credentials = {
    get(options) {
      if (options.signal && options.signal.aborted) {
        // WebIDL conversion reads known members (getters fire) before the abort check.
        if (uiModeKnown) void options.uiMode;
        if (options.mediation === 'immediate') return Promise.reject(Object.assign(new Error(), { name: 'TypeError' }));
        return Promise.reject(Object.assign(new Error(), { name: 'AbortError' }));
      }
      calls.get.push(options);
      return get(options, calls);
    },
    create(options) { calls.create.push(options); return create(options, calls); },
  };
  const context = {
    document: { body: { dataset: body, setAttribute() {} }, getElementById: (id) => els[id] || null,
      createElement: (tag) => new FakeElement(null, tag), addEventListener() {} },
    navigator: { credentials },
    window: { PublicKeyCredential: pkc ? PublicKeyCredential : undefined, isSecureContext: true,
      AbortSignal, addEventListener() {} },
    location: { hostname: 'bio.example', reload: () => { calls.reloads += 1; },
      assign: (to) => { calls.assigned.push(to); } },
    fetch: async (url, init) => {
      calls.fetch.push([url, init]);
      const [status, json] = url === '/auth/start' ? [200, startFor()]
        : url === '/account/confirm' ? [200, CONFIRM]
          : url === '/account/delete' ? remove(JSON.parse(init.body))
            : finish(JSON.parse(init.body));
      return { ok: status < 300, status, json: async () => json };
    },
    performance: { now }, setTimeout: () => 0, clearTimeout() {}, atob, btoa, TextEncoder,
    AbortSignal, Uint8Array, Object, Promise, Error, JSON, Math, Date: clock, String, Buffer,
  };
  context.window.PublicKeyCredential && (context.PublicKeyCredential = PublicKeyCredential);
  vm.runInNewContext(SCRIPT, context);
  await new Promise((r) => setTimeout(r, 5)); // let load-time fetch and probes settle
  return { els, calls };
}

const notAllowed = () => Promise.reject(Object.assign(new Error(), { name: 'NotAllowedError' }));
const settle = () => new Promise((r) => setTimeout(r, 5));

test('options are fetched at load, before any click', async () => {
  const { calls } = await boot({ get: notAllowed, create: notAllowed });
  assert.deepEqual(calls.fetch.map(([url]) => url), ['/auth/start']);
});

test('modal get: the credential is posted as JSON strings with this page\'s token', async () => {
  let posted;
  const { els, calls } = await boot({ get: async () => fakeCredential('get'), create: notAllowed,
    finish: (body) => { posted = body; return [200, { ok: true, user: { name: 'n' } }]; } });
  await els.auth.fire('click');
  assert.equal(calls.get.length, 1);
  assert.equal(calls.get[0].publicKey.allowCredentials.length, 0);
  assert.ok(calls.get[0].publicKey.challenge instanceof ArrayBuffer);
  assert.equal(calls.create.length, 0);
  assert.equal(posted.ceremony, 'token-1');
  assert.equal(posted.credential.response.signature, b64url('sig'));
  assert.equal(posted.credential.rawId, b64url('cred'));
  assert.equal(calls.reloads, 1);
});

test('a returning visitor: get() names the passkey, and a failure never creates', async () => {
  const named = { ...START, publicKey: { ...START.publicKey, get: { ...START.publicKey.get,
    allowCredentials: [{ type: 'public-key', id: b64url('cred') }] } } };
  const { els, calls } = await boot({ body: { returning: 'true' }, caps: { immediateGet: true },
    uiModeKnown: true, get: notAllowed, create: notAllowed, start: named });
  await els.auth.fire('click');
  assert.equal(calls.get.length, 1);
  assert.equal(calls.get[0].uiMode, undefined, 'no immediate mediation for a known visitor');
  assert.equal(calls.get[0].publicKey.allowCredentials.length, 1);
  assert.equal(calls.create.length, 0);
  assert.equal(els['no-passkey'].hidden, false);
  await els['try-again'].fire('click');
  assert.equal(calls.get[1].publicKey.allowCredentials.length, 1);
  assert.equal(calls.create.length, 0);
  await els['create-new'].fire('click');
  assert.equal(calls.create.length, 1, 'create() only from the explicit choice');
});

test('a finish spends the options: the next ceremony uses a fresh token', async () => {
  const tokens = [];
  let n = 0;
  const { els, calls } = await boot({ get: async () => fakeCredential('get'), create: notAllowed,
    finish: (body) => { tokens.push(body.ceremony); return [409, { error: 'challenge_used', message: 'm' }]; },
    startFor: () => ({ ...START, ceremony: `token-${++n}` }) });
  await els.auth.fire('click');
  await settle();
  await els.auth.fire('click');
  assert.deepEqual(tokens, ['token-1', 'token-2']);
  assert.equal(calls.fetch.filter(([u]) => u === '/auth/start').length, 3);
});

test('try_again: choices, and no signal to the passkey provider', async () => {
  const { els, calls } = await boot({ get: async () => fakeCredential('get'), create: notAllowed,
    finish: () => [409, { error: 'try_again', message: 'Please try again in a moment.' }] });
  await els.auth.fire('click');
  await settle();
  assert.deepEqual(calls.signals, []);
  assert.equal(els['no-passkey'].hidden, false);
  assert.equal(calls.create.length, 0);
});

test('a double click runs one ceremony', async () => {
  let release;
  const { els, calls } = await boot({ create: notAllowed,
    get: () => new Promise((resolve) => { release = () => resolve(fakeCredential('get')); }) });
  const first = els.auth.fire('click');
  await settle();
  await els.auth.fire('click');
  release();
  await first;
  assert.equal(calls.get.length, 1);
  assert.equal(calls.fetch.filter(([u]) => u === '/auth/finish').length, 1);
});

test('dismissed modal get never creates: it offers the two choices', async () => {
  const { els, calls } = await boot({ get: notAllowed, create: notAllowed });
  await els.auth.fire('click');
  assert.equal(calls.create.length, 0);
  assert.equal(els['no-passkey'].hidden, false);
  assert.equal(els.status.textContent, 'No passkey used.');
  assert.equal(els.auth.disabled, false);
  await els['try-again'].fire('click');
  assert.equal(calls.get.length, 2);
  assert.equal(calls.create.length, 0);
  await els['create-new'].fire('click');
  assert.equal(calls.create.length, 1);
});

test('immediate mediation: fast NotAllowedError means no passkey here, so create', async () => {
  const { els, calls } = await boot({ caps: { immediateGet: true }, uiModeKnown: true,
    get: notAllowed, create: async () => fakeCredential('create') });
  await els.auth.fire('click');
  assert.equal(calls.get[0].uiMode, 'immediate');
  assert.equal(calls.get[0].mediation, undefined);
  assert.equal(calls.create.length, 1);
  assert.equal(calls.reloads, 1);
});

test('immediate mediation: slow NotAllowedError means dismissed, so choices, no create', async () => {
  let t = 0;
  const { els, calls } = await boot({ caps: { immediateGet: true }, uiModeKnown: true,
    now: () => t, get: () => { t += 2000; return notAllowed(); }, create: notAllowed });
  await els.auth.fire('click');
  assert.equal(calls.create.length, 0);
  assert.equal(els['no-passkey'].hidden, false);
});

test('immediateGet without a known spelling falls back to the modal get', async () => {
  const { els, calls } = await boot({ caps: { immediateGet: true }, uiModeKnown: false,
    get: notAllowed, create: notAllowed });
  await els.auth.fire('click');
  assert.equal(calls.get[0].uiMode, undefined);
  assert.equal(calls.get[0].mediation, undefined);
  assert.equal(calls.create.length, 0);
});

test('other device: modal get with hybrid and security-key hints', async () => {
  const { els, calls } = await boot({ get: notAllowed, create: notAllowed });
  await els['other-device'].fire('click');
  assert.deepEqual(plain(calls.get[0].publicKey.hints), ['hybrid', 'security-key']);
});

test('401 unknown_credential: signal it and offer to create', async () => {
  const { els, calls } = await boot({ get: async () => fakeCredential('get'), create: notAllowed,
    finish: () => [401, { error: 'unknown_credential', message: 'm', credentialId: 'Y3JlZA', rpId: 'bio.example' }] });
  await els.auth.fire('click');
  await settle();
  assert.deepEqual(calls.signals, [['unknown', { rpId: 'bio.example', credentialId: 'Y3JlZA' }]]);
  assert.equal(els['no-passkey'].hidden, false);
  assert.equal(calls.reloads, 0);
  assert.equal(calls.fetch.filter(([u]) => u === '/auth/start').length, 2, 'options refetched');
});

test('other failures show the server message', async () => {
  const { els } = await boot({ get: async () => fakeCredential('get'), create: notAllowed,
    finish: () => [400, { error: 'bad_signature', message: 'That passkey could not be verified.' }] });
  await els.auth.fire('click');
  assert.equal(els.status.textContent, 'That passkey could not be verified.');
  assert.equal(els.status.dataset.kind, 'error');
});

test('no WebAuthn: button disabled and explained', async () => {
  const { els, calls } = await boot({ pkc: false, get: notAllowed, create: notAllowed });
  assert.equal(els.auth.disabled, true);
  assert.match(els.status.textContent, /can't use passkeys/);
  assert.equal(calls.fetch.length, 0);
});

test('signed in: current user details are signalled', async () => {
  const { calls } = await boot({ signedIn: true, get: notAllowed, create: notAllowed,
    body: { signedIn: 'true', rpId: 'bio.example', userId: 'dWlk', userName: 'amber-otter-27' } });
  await settle();
  assert.deepEqual(calls.signals, [['details',
    { rpId: 'bio.example', userId: 'dWlk', name: 'amber-otter-27', displayName: 'amber-otter-27' }]]);
});

test('signed in with a credential the account agrees on: it is the one accepted', async () => {
  const { calls } = await boot({ signedIn: true, get: notAllowed, create: notAllowed,
    body: { signedIn: 'true', rpId: 'bio.example', userId: 'dWlk', userName: 'n', credentialId: 'Y3JlZA' } });
  await settle();
  assert.deepEqual(calls.signals[1],
    ['accepted', { rpId: 'bio.example', userId: 'dWlk', allAcceptedCredentialIds: ['Y3JlZA'] }]);
});

test('after deletion: the deleted credential is signalled unknown', async () => {
  const { calls } = await boot({ signedIn: true, get: notAllowed, create: notAllowed,
    body: { rpId: 'bio.example', deletedCredentialId: 'Y3JlZA' } });
  await settle();
  assert.deepEqual(calls.signals, [['unknown', { rpId: 'bio.example', credentialId: 'Y3JlZA' }]]);
});

test('delete: two clicks, then the passkey confirms, then the account goes', async () => {
  let posted;
  const { els, calls } = await boot({ signedIn: true, get: async () => fakeCredential('get'),
    create: notAllowed, remove: (body) => { posted = body; return [200, { ok: true, location: '/' }]; } });
  const form = els['delete-account'];
  const first = await form.fire('submit');
  assert.equal(first.defaultPrevented, true, 'the form itself never posts');
  const confirm = form.querySelector('button[name="confirm"]');
  assert.ok(confirm, 'the first submit adds a confirm button');
  assert.equal(confirm.textContent, 'Delete for good');
  assert.equal(calls.get.length, 0, 'no prompt before the second click');
  await settle();
  await confirm.fire('click');
  await settle();
  assert.equal(calls.get.length, 1);
  assert.equal(calls.get[0].publicKey.allowCredentials.length, 1);
  assert.equal(posted.confirm, 'yes');
  assert.equal(posted.ceremony, 'confirm-token');
  assert.equal(posted.credential.response.signature, b64url('sig'));
  assert.deepEqual(calls.assigned, ['/']);
  // Nothing is asked of the server after the account is gone.
  assert.deepEqual(calls.fetch.map(([u]) => u).filter((u) => u.startsWith('/account/')),
    ['/account/confirm', '/account/delete']);
});

test('delete: a dismissed passkey prompt deletes nothing', async () => {
  const { els, calls } = await boot({ signedIn: true, get: notAllowed, create: notAllowed });
  const form = els['delete-account'];
  await form.fire('submit');
  await settle();
  await form.querySelector('button[name="confirm"]').fire('click');
  await settle();
  assert.equal(calls.fetch.filter(([u]) => u === '/account/delete').length, 0);
  assert.match(els.status.textContent, /not deleted/);
});

test('options older than 4 minutes are refetched at click, before the ceremony', async () => {
  const clock = { t: 0, now() { return this.t; } };
  const { els, calls } = await boot({ clock, get: notAllowed, create: notAllowed });
  clock.t = 4 * 60 * 1000 + 1;
  await els.auth.fire('click');
  assert.deepEqual(calls.fetch.map(([url]) => url), ['/auth/start', '/auth/start']);
  assert.equal(calls.get.length, 1);
});

test('options within 4 minutes are used as fetched: no await before the ceremony', async () => {
  const clock = { t: 0, now() { return this.t; } };
  const { els, calls } = await boot({ clock, get: notAllowed, create: notAllowed });
  clock.t = 3 * 60 * 1000;
  await els.auth.fire('click');
  assert.equal(calls.fetch.length, 1);
});
