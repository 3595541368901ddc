// HTTP throughput for scripts/bench: `connections` keep-alive connections, each sending its
// requests one after another, for `seconds` or until its prepared requests run out; prints one
// JSON line {label, requests, seconds, perSecond, p50, p99, non2xx}.
//
//   node benches/http.mjs get <label> <url> [seconds] [connections] [cookie]
//   node benches/http.mjs post <label> <url> [seconds] [connections]        (a 1 KiB JSON body)
//   node benches/http.mjs finish <label> <base> [ceremonies] [connections]  (Bio's sign-in finish)
//
// `finish` first registers one visitor per connection and prepares `ceremonies` sign-ins
// (POST /auth/start, then the software authenticator's assertion), untimed; then it times only
// the POST /auth/finish requests, each connection finishing its own visitor's ceremonies in
// order (so their signature counters increase and no two race for one account).
import http from 'node:http';
import { Authenticator, Client } from '../tests/node/authenticator.mjs';

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

// Sends each lane's requests over its own keep-alive connection.
const run = async (label, lanes, seconds) => {
  const latencies = [];
  let non2xx = 0;
  const until = performance.now() + seconds * 1000;
  const lane = async (next) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let request = next(); request && performance.now() < until; request = next()) {
      const started = performance.now();
      const status = await new Promise((resolve, reject) => {
        const req = http.request(request.url, { method: request.method, headers: request.headers, agent }, (res) => {
          res.on('data', () => {});
          res.on('end', () => resolve(res.statusCode));
        });
        req.on('error', reject);
        req.end(request.body);
      });
      latencies.push(performance.now() - started);
      if (status < 200 || status > 299) non2xx += 1;
    }
    agent.destroy();
  };
  const started = performance.now();
  await Promise.all(lanes.map(lane));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    label, requests: latencies.length, seconds: +elapsed.toFixed(2),
    perSecond: +(latencies.length / elapsed).toFixed(0),
    p50: +percentile(latencies, 50).toFixed(2), p99: +percentile(latencies, 99).toFixed(2), non2xx,
  };
};

const forever = (request) => () => request;

const prepareFinishes = async (base, ceremonies, connections) => {
  const perLane = Math.ceil(ceremonies / connections);
  return Promise.all(Array.from({ length: connections }, async () => {
    const client = new Client(base);
    const passkey = new Authenticator();
    const options = await client.start();
    const registered = await client.finish(options, passkey.create(options, client.origin));
    if (registered.status !== 200) throw new Error(`register: ${registered.status}`);
    await client.post('/logout');
    const requests = [];
    for (let i = 0; i < perLane; i++) {
      const ceremony = await client.start();
      const body = JSON.stringify({ ceremony: ceremony.ceremony, credential: passkey.get(ceremony, client.origin) });
      requests.push({
        url: `${base}/auth/finish`, method: 'POST', body,
        headers: client.headers({ origin: client.origin, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
      });
    }
    return () => requests.shift();
  }));
};

const [mode, label, target, a, b, cookie] = process.argv.slice(2);
let result;
if (mode === 'get') {
  const headers = cookie ? { cookie } : {};
  result = await run(label, Array.from({ length: Number(b ?? 16) }, () => forever({ url: target, method: 'GET', headers })), Number(a ?? 10));
} else if (mode === 'post') {
  const body = JSON.stringify({ padding: 'x'.repeat(1000) });
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  result = await run(label, Array.from({ length: Number(b ?? 16) }, () => forever({ url: target, method: 'POST', headers, body })), Number(a ?? 10));
} else if (mode === 'finish') {
  const lanes = await prepareFinishes(target, Number(a ?? 2000), Number(b ?? 16));
  result = await run(label, lanes, 600);
} else {
  throw new Error(`unknown mode ${mode}`);
}
console.log(JSON.stringify(result));
