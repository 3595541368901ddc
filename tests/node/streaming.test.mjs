// Against `viceroy serve` with the example agent on 127.0.0.1:7677 (scripts/node-tests): the
// signed-in page's shell arrives before the agent's part (arrival order, not times), and every
// way the upstream can fail degrades to the built-in result with the page complete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from './authenticator.mjs';

const BASE = process.env.BIO_BASE_URL ?? 'http://localhost:7678';
const AGENT = process.env.BIO_AGENT_URL ?? 'http://127.0.0.1:7677';

// Reads the body chunk by chunk, noting which chunk first holds each marker.
const readChunks = async (response) => {
  const chunks = [];
  const decoder = new TextDecoder();
  for await (const chunk of response.body) chunks.push(decoder.decode(chunk, { stream: true }));
  return chunks;
};
const firstChunkWith = (chunks, marker) => chunks.findIndex((c, i) => chunks.slice(0, i + 1).join('').includes(marker));

const page = async (client, mode) => {
  const response = await fetch(`${BASE}/`, { headers: client.headers(mode ? { 'x-bio-agent-mode': mode } : {}) });
  assert.equal(response.status, 200);
  return readChunks(response);
};

test('the shell arrives before the agent, and a failing agent never breaks the page', async (t) => {
  const { client } = await register(BASE);
  const agentUp = await fetch(AGENT, { method: 'POST', body: '{}' }).then(() => true, () => false);

  // fastly.toml holds up to agent_hold_ms = 20 for the agent: the example agent answers in a few,
  // so the page goes out whole in one write (Content-Length, not chunked); a slow one is not
  // waited for before the shell (chunked, shell first).
  await t.test('fast agent: the page in one piece, with the agent\'s answer', { skip: !agentUp && 'example agent not running' }, async () => {
    // A busy machine can make even the example agent miss 20 ms (the first call also opens the
    // backend connection): of five loads, those in time come whole, and at least one is.
    let whole = 0;
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${BASE}/`, { headers: client.headers() });
      const html = await response.text();
      assert.ok(html.endsWith('</body></html>'));
      const length = response.headers.get('content-length');
      if (length === null) continue;
      assert.equal(length, String(Buffer.byteLength(html)));
      assert.ok(!html.includes('Agent unavailable'), 'a page sent whole holds the agent\'s answer');
      whole += 1;
    }
    assert.ok(whole >= 1, 'no page was sent in one piece');
  });

  await t.test('slow agent: shell first', { skip: !agentUp && 'example agent not running' }, async () => {
    const response = await fetch(`${BASE}/`, { headers: client.headers({ 'x-bio-agent-mode': 'slow' }) });
    assert.equal(response.headers.get('content-length'), null, 'streamed');
    const chunks = await readChunks(response);
    const shell = firstChunkWith(chunks, 'data-testid="user-name"');
    const agent = firstChunkWith(chunks, 'id="agent-title"');
    assert.ok(shell >= 0 && agent >= 0, chunks.join(''));
    assert.ok(shell < agent, `shell in chunk ${shell}, agent in chunk ${agent}`);
    const html = chunks.join('');
    assert.ok(html.endsWith('</body></html>'));
    assert.ok(!html.includes('Agent unavailable'), 'a slow (500 ms) agent is within the 2 s deadline');
  });

  // HEAD is the page's headers only, without waiting for the agent (slow here: 500 ms), and with
  // no length, which depends on the agent's answer (RFC 9110 §8.6).
  await t.test('HEAD: the signed-in page\'s headers, no length, no body', async () => {
    const response = await fetch(`${BASE}/`, { method: 'HEAD', headers: client.headers({ 'x-bio-agent-mode': 'slow' }) });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^text\/html/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.ok(response.headers.get('content-security-policy'));
    assert.equal(response.headers.get('content-length'), null);
    assert.equal(await response.text(), '');
  });

  for (const mode of ['500', 'bad-json', 'drip']) {
    await t.test(`${mode}: built-in result, page complete`, { skip: !agentUp && 'example agent not running' }, async () => {
      const html = (await page(client, mode)).join('');
      assert.ok(html.endsWith('</body></html>'), html.slice(-200));
      assert.match(html, /Agent unavailable/i);
      assert.match(html, /Logged in as/);
      assert.match(html, /id="agent-title"/);
    });
  }

  // A deadline on the whole exchange: an agent that answers at once, then sends its body one byte
  // a second (each gap shorter than the backend's 2 s between-bytes timeout, so only Bio's own
  // deadline can stop it), holds the page at most agent_deadline_ms (2 s in fastly.toml) plus one
  // gap. Without the guest-side deadline the page would wait ~150 s, one second a byte.
  await t.test('trickle: the deadline covers the body too', { skip: !agentUp && 'example agent not running' }, async () => {
    const started = Date.now();
    const html = (await page(client, 'trickle')).join('');
    const elapsed = Date.now() - started;
    assert.ok(html.endsWith('</body></html>'), html.slice(-200));
    assert.match(html, /Agent unavailable/i);
    assert.ok(elapsed < 2000 + 1000 + 2000, `the page took ${elapsed} ms`);
  });

  // Last: stop the agent (scripts/node-tests passes its pid) and the page still completes.
  const pid = Number(process.env.BIO_AGENT_PID);
  await t.test('stopped agent: built-in result, page complete', { skip: !(agentUp && pid) && 'no agent pid' }, async () => {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50 && await fetch(AGENT, { method: 'POST', body: '{}' }).then(() => true, () => false); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const html = (await page(client)).join('');
    assert.ok(html.endsWith('</body></html>'), html.slice(-200));
    assert.match(html, /Agent unavailable/i);
    assert.match(html, /Logged in as/);
  });
});
