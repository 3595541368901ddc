// Example upstream agent for Bio: Node >= 20, no dependencies.
//
// POST / with the AgentContext JSON (name, country, city, user_agent_family, session_expires_at,
// passkey {authenticator, backup, created_at}); answers a JSON object. Bio shows the answer as
// escaped data under "upstream", never as HTML. The header x-bio-agent-mode picks a behaviour
// for tests: slow (500 ms or x-bio-agent-delay-ms), 500, bad-json, drip (valid JSON over ~3 s),
// trickle (valid JSON at one byte a second, each gap shorter than any between-bytes timeout),
// anything else answers at once. Logs one line per request, never the body.
//
//   AGENT_PORT=7677 node examples/agent/server.js
'use strict';
const http = require('node:http');

const PORT = Number(process.env.AGENT_PORT || 7677);
const MAX_BODY = 16 * 1024;
const ZONES = { FR: 'Europe/Paris', DE: 'Europe/Berlin', GB: 'Europe/London', ES: 'Europe/Madrid',
  IT: 'Europe/Rome', NL: 'Europe/Amsterdam', US: 'America/New_York', CA: 'America/Toronto',
  BR: 'America/Sao_Paulo', JP: 'Asia/Tokyo', IN: 'Asia/Kolkata', AU: 'Australia/Sydney' };
const TIPS = {
  synced: 'Your passkey is synced: a lost phone does not lock you out.',
  not_yet_backed_up: 'Your passkey can sync but is not backed up yet; check your password manager.',
  device_bound: 'Your passkey lives on one device only: keep that device safe.',
};

function answer(ctx) {
  const zone = ZONES[ctx.country];
  const local = zone && new Date().toLocaleTimeString('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit' });
  return {
    greeting: `Hello, ${ctx.name || 'there'}`,
    tip: TIPS[ctx.passkey && ctx.passkey.backup] || 'Passkeys cannot be phished.',
    local_time_hint: local ? `It is about ${local} in ${zone}.` : 'Local time unknown.',
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

http.createServer(async (req, res) => {
  const started = Date.now();
  const mode = String(req.headers['x-bio-agent-mode'] || 'default');
  res.on('finish', () => console.log(`${new Date().toISOString()} ${req.method} ${req.url} mode=${mode} ${res.statusCode} ${Date.now() - started}ms`));
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) { res.writeHead(413).end(); return; }
    chunks.push(chunk);
  }
  let ctx;
  try { ctx = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { ctx = null; }
  if (req.method !== 'POST' || !ctx || typeof ctx !== 'object') { res.writeHead(400).end(); return; }
  const json = { 'content-type': 'application/json' };
  const body = JSON.stringify(answer(ctx));
  if (mode === '500') { res.writeHead(500, json).end('{"error":"example failure"}'); return; }
  if (mode === 'bad-json') { res.writeHead(200, json).end('{"greeting": "unterminated'); return; }
  if (mode === 'slow') {
    const ms = Number.parseInt(req.headers['x-bio-agent-delay-ms'] ?? '500', 10);
    await sleep(Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 30_000) : 500);
  }
  if (mode === 'drip') {
    // Valid JSON over ~3 s: one byte at once, then a 2.5 s gap (past a 2 s between-bytes
    // timeout), the middle, 0.5 s, the rest.
    res.writeHead(200, json);
    const half = Math.floor(body.length / 2);
    res.write(body.slice(0, 1));
    await sleep(2500);
    res.write(body.slice(1, half));
    await sleep(500);
    res.end(body.slice(half));
    return;
  }
  if (mode === 'trickle') {
    // One byte a second until the body is out or Bio hangs up (at most 5 minutes).
    res.writeHead(200, json);
    let closed = false;
    res.on('close', () => { closed = true; });
    for (let i = 0; i < body.length && i < 300 && !closed; i++) {
      res.write(body[i]);
      await sleep(1000);
    }
    if (!closed) res.end();
    return;
  }
  res.writeHead(200, json).end(body);
}).listen(PORT, '127.0.0.1', () => console.log(`example agent on http://127.0.0.1:${PORT}`));
