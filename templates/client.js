/*!
 * Bio's page script: one Auth button that signs a returning visitor in with their passkey, or
 * makes a passkey for a new one. Embedded in the page at build time under a CSP hash.
 *
 * Each page load holds its own ceremony: /auth/start answers the options and a sealed token,
 * which this page sends back with the credential, so any number of tabs each finish their own.
 * A token is used for one finish only: after any finish the page fetches the next one.
 *
 * What a click does:
 * - a returning visitor (the server greets them by name): get() naming their passkey; if that
 *   fails, the choices (try again, another device, create a new passkey);
 * - a new visitor on a browser with immediate mediation: a get() that fails fast when this
 *   device has no passkey, then create();
 * - a new visitor elsewhere (Safari, Firefox): the modal get(); if it fails, the choices.
 *
 * It deliberately does not: use inline handlers, eval or any framework; decide who is signed in
 * (the server does, from its cookie); show alert() or confirm(); or create a passkey for someone
 * who only dismissed the sign-in dialog, or whom the page recognises (create() runs only after
 * "no passkey on this device" from immediate mediation for an unknown visitor, or from the
 * "Create a new passkey" button).
 */
(() => {
  'use strict';

  const OPTIONS_MAX_AGE_MS = 4 * 60 * 1000; // the server's challenge lives 5 minutes
  const FAST_FAIL_MS = 500; // an immediate get() refused this fast means "no passkey here"

  const $ = (id) => document.getElementById(id);
  const body = document.body;
  const authButton = $('auth');
  const otherButton = $('other-device');
  const statusBox = $('status') || $('account-status');
  const choices = $('no-passkey');
  const PKC = window.PublicKeyCredential;
  const returning = body.dataset.returning === 'true';

  const say = (text, kind = 'info') => {
    if (statusBox) { statusBox.textContent = text; statusBox.dataset.kind = kind; }
  };
  const showChoices = (text) => { say(text); if (choices) choices.hidden = false; };
  // Fire-and-forget Signals API calls (WebAuthn L3 §5.1.10); absent or failing is fine.
  const signal = (name, details) => {
    if (PKC && typeof PKC[name] === 'function') PKC[name](details).catch(() => {});
  };

  // --- base64url <-> ArrayBuffer, for browsers without the JSON helpers -----------------------
  const fromB64url = (text) => {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, '='));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
  };
  const toB64url = (buffer) => {
    let bin = '';
    for (const byte of new Uint8Array(buffer)) bin += String.fromCharCode(byte);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const withIds = (list) => (list || []).map((c) => ({ ...c, id: fromB64url(c.id) }));

  const parseCreate = (json) => PKC.parseCreationOptionsFromJSON
    ? PKC.parseCreationOptionsFromJSON(json)
    : { ...json, challenge: fromB64url(json.challenge),
        user: { ...json.user, id: fromB64url(json.user.id) },
        excludeCredentials: withIds(json.excludeCredentials) };
  const parseGet = (json) => PKC.parseRequestOptionsFromJSON
    ? PKC.parseRequestOptionsFromJSON(json)
    : { ...json, challenge: fromB64url(json.challenge),
        allowCredentials: withIds(json.allowCredentials) };

  // The credential as W3C JSON. Never JSON.stringify an ArrayBuffer: it becomes {}.
  const toJSON = (cred) => {
    if (typeof cred.toJSON === 'function') return cred.toJSON();
    const r = cred.response;
    const response = { clientDataJSON: toB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
      if (r.getAuthenticatorData) response.authenticatorData = toB64url(r.getAuthenticatorData());
      const key = r.getPublicKey && r.getPublicKey();
      if (key) response.publicKey = toB64url(key);
      if (r.getPublicKeyAlgorithm) response.publicKeyAlgorithm = r.getPublicKeyAlgorithm();
    } else {
      response.authenticatorData = toB64url(r.authenticatorData);
      response.signature = toB64url(r.signature);
      response.userHandle = r.userHandle ? toB64url(r.userHandle) : null;
    }
    return { id: cred.id, rawId: toB64url(cred.rawId), type: cred.type, response,
      authenticatorAttachment: cred.authenticatorAttachment || null,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {} };
  };

  // --- Options: fetched before the click (Safari refuses a ceremony started after an awaited
  // fetch in the click handler), and kept fresh. Each set carries its own sealed token; a set
  // that reached /auth/finish is spent and never used again.
  let options = null; // { get, create, closed, token, fetchedAt, expiresAt }
  let loading = null;
  let refreshTimer = 0;
  let busy = false;
  const fresh = () => options !== null && Date.now() - options.fetchedAt < OPTIONS_MAX_AGE_MS
    && !(options.expiresAt && Date.now() >= options.expiresAt);
  const loadOptions = () => {
    if (loading) return loading;
    loading = (async () => {
      const res = await fetch('/auth/start', { method: 'POST', credentials: 'same-origin',
        headers: { Accept: 'application/json' } });
      if (!res.ok) throw new Error('start ' + res.status);
      const json = await res.json();
      // No `create` when this network made too many accounts lately (`registrationClosed` says
      // why): a passkey made then would be refused, and left in the provider with no account.
      options = { get: parseGet(json.publicKey.get),
        create: json.publicKey.create ? parseCreate(json.publicKey.create) : null,
        closed: json.registrationClosed || null,
        token: json.ceremony, fetchedAt: Date.now(), expiresAt: json.expiresAt };
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(refreshWhenIdle, OPTIONS_MAX_AGE_MS);
    })().catch(() => {
      options = null;
      say("Couldn't reach the server. Check your connection, then try again.", 'error');
    }).finally(() => { loading = null; });
    return loading;
  };
  // Refreshing under an open dialog would be harmless now (each set is its own ceremony), but a
  // dialog's options must stay the ones it was opened with: wait for it to close.
  const refreshWhenIdle = () => {
    if (busy) refreshTimer = setTimeout(refreshWhenIdle, 10_000);
    else loadOptions();
  };
  const currentOptions = async () => {
    if (!fresh()) await loadOptions(); // rare: only if the timer could not run (sleeping tab)
    if (!options) throw Object.assign(new Error('no options'), { quiet: true });
    return options;
  };

  // --- Capabilities, cached at load so the click handler never awaits before a ceremony. ----
  // `immediate` is the spelling of immediate mediation this browser understands, or null.
  // Chromium reads `uiMode` (and throws TypeError on `mediation: 'immediate'`). WebIDL reads
  // every member it knows while converting the options, before an aborted signal rejects the
  // call, so a getter tells us whether `uiMode` is known without showing any UI.
  let immediate = null;
  const detectImmediate = async () => {
    const caps = PKC.getClientCapabilities ? await PKC.getClientCapabilities().catch(() => ({})) : {};
    if (!caps || !caps.immediateGet || !window.AbortSignal || !AbortSignal.abort) return;
    const rejectsAsTypeError = (opts) => navigator.credentials.get(opts)
      .then(() => false, (e) => e.name === 'TypeError');
    let readsUiMode = false; // a getter on the object passed itself: spreading would call it
    const probe = { signal: AbortSignal.abort(), get uiMode() { readsUiMode = true; return 'immediate'; } };
    if (!(await rejectsAsTypeError(probe)) && readsUiMode) immediate = { uiMode: 'immediate' };
    else if (!(await rejectsAsTypeError({ signal: AbortSignal.abort(), mediation: 'immediate' }))) {
      immediate = { mediation: 'immediate' };
    }
  };

  // --- The ceremonies ------------------------------------------------------------------------
  const setBusy = (on) => {
    busy = on;
    for (const button of [authButton, otherButton, $('try-again'), $('create-new')]) {
      if (button) button.disabled = on;
    }
    if (authButton) {
      authButton.setAttribute('aria-busy', String(on));
      authButton.textContent = on ? 'Working…' : 'Auth';
    }
    body.setAttribute('aria-busy', String(on));
  };

  // Runs one user action: busy state, then errors shown in #status, never thrown at the user.
  const run = (action) => async () => {
    if (busy) return;
    if (choices) choices.hidden = true;
    setBusy(true);
    let leaving = false;
    try {
      leaving = await action(await currentOptions());
    } catch (e) {
      if (!e.quiet) say(e.name === 'SecurityError'
        ? "Passkeys can't be used on this address." : 'Something went wrong. Please try again.', 'error');
    } finally {
      if (!leaving) setBusy(false);
    }
  };

  // Resolves to the credential, or to the name of an expected refusal; anything else throws.
  const outcome = (promise) => promise.catch((e) => {
    if (e.name === 'NotAllowedError' || e.name === 'InvalidStateError') return e.name;
    throw e;
  });

  // A returning visitor: the passkey the server named (from the hint), one prompt, never create().
  // Step 1 for anyone else (where supported): immediate mediation, which fails fast if this
  // device has none.
  const auth = async (opts) => {
    if (returning) return modalGet(opts, null, true);
    if (!immediate) return modalGet(opts);
    const started = performance.now();
    const cred = await outcome(navigator.credentials.get({ publicKey: opts.get, ...immediate }));
    if (typeof cred !== 'string') return finish(cred, opts);
    if (performance.now() - started < FAST_FAIL_MS) return createPasskey(opts); // none here
    showChoices('No passkey used.'); // the user dismissed the sheet
    return false;
  };

  // Step 2: the modal dialog. NotAllowedError means "dismissed or timed out", never "no passkey".
  // `named` keeps the allowCredentials the server sent (the returning visitor's passkey).
  const modalGet = async (opts, hints, named = false) => {
    const publicKey = { ...opts.get, ...(named ? {} : { allowCredentials: [] }),
      ...(hints ? { hints } : {}) };
    const cred = await outcome(navigator.credentials.get({ publicKey }));
    if (typeof cred !== 'string') return finish(cred, opts);
    showChoices(named ? 'Your passkey was not used.' : 'No passkey used.');
    return false;
  };

  // Step 3: make a new passkey (and so a new account). Only from step 1 or "Create a new passkey".
  const createPasskey = async (opts) => {
    if (!opts.create) {
      showChoices((opts.closed && opts.closed.message) || 'No new passkey can be made right now.');
      return false;
    }
    const cred = await outcome(navigator.credentials.create({ publicKey: opts.create }));
    if (typeof cred !== 'string') return finish(cred, opts);
    showChoices(cred === 'InvalidStateError'
      ? 'This device already has a passkey for this site. Try signing in with it.'
      : 'No passkey was created.');
    return false;
  };

  // Sends the credential with this page's ceremony token; true when the page is reloading into
  // the signed-in state. The options are spent from here on, whatever the answer.
  const finish = async (cred, opts) => {
    if (options === opts) options = null;
    say('Checking your passkey…');
    const res = await fetch('/auth/finish', { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ceremony: opts.token, credential: toJSON(cred) }) })
      .catch(() => null);
    const data = res ? await res.json().catch(() => ({})) : {};
    if (res && res.ok && data.ok) {
      say('Signed in.', 'ok');
      location.reload();
      return true;
    }
    loadOptions(); // every ceremony is single-use: fetch the next one now
    if (!res) {
      say("Couldn't reach the server. Check your connection, then try again.", 'error');
    } else if (res.status === 401 && data.error === 'unknown_credential') {
      // Only a proven deletion answers this: the provider may forget the passkey.
      signal('signalUnknownCredential', { rpId: data.rpId, credentialId: data.credentialId });
      showChoices('That passkey is no longer registered here. You can create a new one.');
    } else if (data.error === 'try_again') {
      showChoices(data.message || 'Please try again in a moment.');
    } else if (data.error === 'already_signed_in') {
      // Another tab signed this browser in meanwhile: show that page instead of a stale one.
      say(data.message || 'You are already signed in.', 'ok');
      location.reload();
      return true;
    } else {
      say(data.message || `Sign-in failed (${res.status}). Please try again.`, 'error');
    }
    return false;
  };

  // --- Wiring ---------------------------------------------------------------------------------
  const on = (id, type, handler) => { const el = $(id); if (el) el.addEventListener(type, handler); };

  // Signed in: keep the passkey provider's name for this account up to date.
  if (body.dataset.signedIn === 'true' && body.dataset.userId) {
    signal('signalCurrentUserDetails', { rpId: body.dataset.rpId || location.hostname,
      userId: body.dataset.userId, name: body.dataset.userName, displayName: body.dataset.userName });
    // The account's one passkey; the server names it only when its read of the account agrees
    // with the passkey this session signed in with.
    if (body.dataset.credentialId) {
      signal('signalAllAcceptedCredentials', { rpId: body.dataset.rpId || location.hostname,
        userId: body.dataset.userId, allAcceptedCredentialIds: [body.dataset.credentialId] });
    }
  }
  // Just deleted: tell the passkey provider this credential is gone.
  if (body.dataset.deletedCredentialId) {
    signal('signalUnknownCredential', { rpId: body.dataset.rpId || location.hostname,
      credentialId: body.dataset.deletedCredentialId });
  }

  // Delete account: the first submit reveals "Delete for good" and fetches a confirmation
  // challenge for this account's passkey; clicking it asks for the passkey (straight from the
  // click, as Safari wants) and sends the assertion with an explicit confirmation.
  let confirmOptions = null;
  const loadConfirm = async () => {
    const res = await fetch('/account/confirm', { method: 'POST', credentials: 'same-origin',
      headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error('confirm ' + res.status);
    const json = await res.json();
    return { get: parseGet(json.publicKey.get), token: json.ceremony };
  };
  const deleteForGood = async (button) => {
    if (busy) return;
    busy = true;
    let deleted = false;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      const opts = confirmOptions ? await confirmOptions : await loadConfirm();
      confirmOptions = null; // single-use, whatever happens next
      const cred = await outcome(navigator.credentials.get({ publicKey: opts.get }));
      if (typeof cred === 'string') {
        say('Your account was not deleted: the passkey was not used.', 'error');
        return;
      }
      say('Deleting your account…');
      const res = await fetch('/account/delete', { method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ confirm: 'yes', ceremony: opts.token, credential: toJSON(cred) }) });
      const data = await res.json().catch(() => ({}));
      if (res.ok && data.ok) {
        deleted = true;
        say('Your account was deleted.', 'ok');
        location.assign(data.location || '/');
        return;
      }
      say(data.message || `Deletion failed (${res.status}). Please try again.`, 'error');
    } catch (e) {
      say('Your account was not deleted. Please try again.', 'error');
    } finally {
      if (!deleted) {
        // The confirmation was spent or refused: the next try needs a fresh one.
        busy = false;
        button.disabled = false;
        button.setAttribute('aria-busy', 'false');
        confirmOptions = loadConfirm();
        confirmOptions.catch(() => { confirmOptions = null; });
      }
    }
  };
  on('delete-account', 'submit', (event) => {
    event.preventDefault(); // the server never deletes on a bare form POST
    const form = event.currentTarget;
    // Look for the confirm button itself: the form's own "Delete account" button is .danger too.
    if (form.querySelector('button[name="confirm"]')) return;
    confirmOptions = loadConfirm();
    confirmOptions.catch(() => { confirmOptions = null; });
    const confirmButton = document.createElement('button');
    Object.assign(confirmButton, { type: 'button', name: 'confirm', value: 'yes',
      className: 'danger', textContent: 'Delete for good' });
    confirmButton.addEventListener('click', () => deleteForGood(confirmButton));
    form.append(confirmButton);
    say('This deletes your account here. It cannot be undone. Confirm with your passkey.', 'error');
    confirmButton.focus();
  });

  // Change name: the server checks and normalises the name; the passkey provider is told the
  // name it kept, and the page reloads to show it everywhere.
  on('rename', 'submit', async (event) => {
    event.preventDefault();
    const input = $('name-input');
    const button = $('change-name');
    if (!input || busy) return;
    busy = true;
    if (button) button.disabled = true;
    let leaving = false;
    try {
      const res = await fetch('/account/name', { method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: input.value }) });
      const data = await res.json().catch(() => ({}));
      if (res.ok && data.ok) {
        const name = data.user.name;
        signal('signalCurrentUserDetails', { rpId: body.dataset.rpId || location.hostname,
          userId: body.dataset.userId, name, displayName: name });
        say('Your name is now ' + name + '.', 'ok');
        leaving = true;
        location.reload();
        return;
      }
      input.setAttribute('aria-invalid', 'true');
      say(data.message || `The name was not changed (${res.status}).`, 'error');
      input.focus();
    } catch (e) {
      say("The name was not changed: couldn't reach the server.", 'error');
    } finally {
      if (!leaving) { busy = false; if (button) button.disabled = false; }
    }
  });

  // --- Steps that need the current passkey first (Replace passkey, Get a recovery code) -------
  // The first click fetches a confirmation and shows "Confirm with your passkey"; its click asks
  // for the passkey straight away (Safari wants the ceremony close to a click) and posts the
  // assertion to `path`; `done` takes the answer. A confirmation is single-use.
  const post = async (path, payload) => {
    const res = await fetch(path, { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) });
    return { res, data: await res.json().catch(() => ({})) };
  };
  const stepButton = (container, id, text) => {
    let button = $(id);
    if (!button) {
      button = document.createElement('button');
      Object.assign(button, { type: 'button', id, textContent: text });
      container.append(button);
    }
    button.hidden = false;
    button.disabled = false;
    return button;
  };
  const afterConfirmation = (containerId, startId, path, done) => {
    const container = $(containerId);
    const start = $(startId);
    if (!container || !start) return;
    const confirmId = `${startId}-confirm`;
    let pending = null;
    const prefetch = () => {
      pending = loadConfirm();
      pending.catch(() => { pending = null; });
    };
    start.addEventListener('click', () => {
      if (busy) return;
      prefetch();
      stepButton(container, confirmId, 'Confirm with your passkey').focus();
      say('Confirm with your current passkey.');
    });
    container.addEventListener('click', async (event) => {
      const button = event.target;
      if (!(button instanceof HTMLElement) || button.id !== confirmId || busy) return;
      busy = true;
      button.disabled = true;
      try {
        const opts = await (pending || loadConfirm());
        pending = null;
        const cred = await outcome(navigator.credentials.get({ publicKey: opts.get }));
        if (typeof cred === 'string') {
          say('Your passkey was not used. Nothing changed.', 'error');
          return;
        }
        const { res, data } = await post(path, { ceremony: opts.token, credential: toJSON(cred) });
        if (res.ok) {
          button.hidden = true;
          done(data, container);
          return;
        }
        say(data.message || `That did not work (${res.status}). Please try again.`, 'error');
      } catch (e) {
        say('Something went wrong. Nothing changed; please try again.', 'error');
      } finally {
        busy = false;
        button.disabled = false;
        if (!button.hidden && !pending) prefetch(); // the next try needs a fresh confirmation
      }
    });
  };

  // Makes the new passkey from one more click (`create()` needs a click of its own after the
  // round trip), sends it to `path`, and on success tells the provider the old passkey is gone.
  // A ceremony the server would refuse as expired never reaches create(): a provider that holds
  // the old passkey replaces it at create(), so a refusal after it would leave the account with
  // a passkey the provider no longer has. Timed on this page's clock, from the ceremony's
  // remaining life as the server gave it, with a margin for the round trip.
  // `again` says how to start over once this step is used up.
  const createFromClick = (container, id, data, path, again, prompt) => {
    const opts = { create: parseCreate(data.publicKey.create), token: data.ceremony };
    const life = Number(data.publicKey.create.timeout);
    const deadline = life > 0 ? performance.now() + life - 30_000 : Infinity;
    const button = stepButton(container, id, 'Create the new passkey');
    say(prompt || 'Now make your new passkey. It replaces the old one.');
    button.focus();
    button.onclick = async () => {
      if (busy) return;
      busy = true;
      button.disabled = true;
      let leaving = false;
      try {
        if (performance.now() > deadline) {
          say(`That step timed out, so no passkey was made and nothing changed. ${again}`, 'error');
          button.hidden = true;
          return;
        }
        const cred = await outcome(navigator.credentials.create({ publicKey: opts.create }));
        if (typeof cred === 'string') {
          say('No new passkey was made. Your account still uses the old one.', 'error');
          return;
        }
        say('Checking your new passkey…');
        const { res, data: answer } = await post(path, { ceremony: opts.token, credential: toJSON(cred) });
        if (res.ok && answer.ok) {
          if (answer.replaced) signal('signalUnknownCredential', answer.replaced);
          say('Your new passkey is the one for this account now.', 'ok');
          leaving = true;
          location.assign('/');
          return;
        }
        say(`${answer.message || `The passkey was not replaced (${res.status}).`} ${again}`, 'error');
        button.hidden = true; // the ceremony is used up, whatever the answer
      } catch (e) {
        say('Something went wrong. Your account still uses the old passkey.', 'error');
      } finally {
        busy = false;
        if (!leaving) button.disabled = false;
      }
    };
  };

  afterConfirmation('replace', 'replace-passkey', '/account/passkey/replace/options', (data, container) =>
    createFromClick(container, 'create-replacement', data, '/account/passkey/replace',
      'Use Replace passkey to start again.'));

  // Get a recovery code: shown once, as text, after the passkey confirms.
  afterConfirmation('recovery', 'get-recovery-code', '/account/recovery-code', (data, container) => {
    let box = $('recovery-code');
    if (!box) {
      const note = document.createElement('p');
      note.textContent = 'Your recovery code, shown only this once. Write it down or print it, '
        + 'and keep it somewhere safe and offline:';
      // <code>: monospace by default, so each symbol reads plainly.
      box = document.createElement('code');
      box.id = 'recovery-code';
      const line = document.createElement('p');
      line.append(box);
      container.append(note, line);
    }
    box.textContent = data.code;
    say('Your new recovery code is below. Any earlier code no longer works.', 'ok');
  });

  if (!authButton) return; // signed-in page: no ceremonies

  // Capability check: no WebAuthn, no button.
  if (!PKC || !navigator.credentials || !window.isSecureContext) {
    for (const button of [authButton, otherButton]) if (button) button.disabled = true;
    say("This browser can't use passkeys. Try an up-to-date browser or another device.", 'error');
    return;
  }

  // Lost your passkey? The recovery code is checked first (no create() for a wrong or spent
  // code), then one more click makes the new passkey for the same account.
  on('use-recovery-code', 'click', (event) => {
    const form = $('recover');
    if (!form) return;
    form.hidden = false;
    event.currentTarget.setAttribute('aria-expanded', 'true');
    $('recovery-code-input').focus();
  });
  on('recover', 'submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const input = $('recovery-code-input');
    const button = $('recover-continue');
    if (busy || !input) return;
    busy = true;
    if (button) button.disabled = true;
    try {
      const { res, data } = await post('/auth/recover/options', { code: input.value });
      if (res.ok && data.publicKey) {
        input.removeAttribute('aria-invalid');
        createFromClick(form, 'create-recovered', data, '/auth/recover',
          'Enter your recovery code again to start over.',
          `Recovery code accepted for ${data.user.name}. Now make your new passkey: it replaces the lost one.`);
        return;
      }
      input.setAttribute('aria-invalid', 'true');
      say(data.message || `The recovery code was not accepted (${res.status}).`, 'error');
      input.focus();
    } catch (e) {
      say("Couldn't reach the server. Check your connection, then try again.", 'error');
    } finally {
      busy = false;
      if (button) button.disabled = false;
    }
  });

  authButton.addEventListener('click', run(auth));
  on('other-device', 'click', run((opts) => modalGet(opts, ['hybrid', 'security-key'])));
  on('try-again', 'click', run((opts) => modalGet(opts, null, returning)));
  on('create-new', 'click', run(createPasskey));
  // Back/forward cache: the page comes back as it was left, with options that may be stale.
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    setBusy(false);
    loadOptions();
  });
  // Background tabs throttle timers: refresh on return rather than inside the next click.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && !fresh()) refreshWhenIdle();
  });

  detectImmediate().catch(() => { immediate = null; });
  loadOptions();
})();
