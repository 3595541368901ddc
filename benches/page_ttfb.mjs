// Time to first byte and total time of a signed-in GET / with a 500 ms upstream agent.
// Run against `viceroy serve` on :7678 with the example agent (see BENCHMARKS.md):
//   node benches/page_ttfb.mjs [runs]
// Prints per-run figures and the median; the goal is that the first byte does not wait for
// the agent (TTFB well under its 500 ms) and the total stays under 500 ms + 30 ms.
import { register } from '../tests/node/authenticator.mjs';

const BASE = process.env.BIO_BASE_URL ?? 'http://localhost:7678';
const runs = Number(process.argv[2] ?? 20);
const { client } = await register(BASE);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const ttfb = []; const total = [];
for (let i = 0; i < runs + 2; i++) {
  const t0 = performance.now();
  const response = await fetch(`${BASE}/`, { headers: client.headers({ 'x-bio-agent-mode': 'slow' }) });
  const reader = response.body.getReader();
  const first = await reader.read();
  const t1 = performance.now();
  let done = first.done;
  while (!done) ({ done } = await reader.read());
  const t2 = performance.now();
  if (i >= 2) { ttfb.push(t1 - t0); total.push(t2 - t0); } // two warm-up runs
}
console.log(`runs: ${runs}`);
console.log(`ttfb ms:  median ${median(ttfb).toFixed(1)}  min ${Math.min(...ttfb).toFixed(1)}  max ${Math.max(...ttfb).toFixed(1)}`);
console.log(`total ms: median ${median(total).toFixed(1)}  min ${Math.min(...total).toFixed(1)}  max ${Math.max(...total).toFixed(1)}`);
