#!/usr/bin/env python3
"""Writes scripts/bench's figures into BENCHMARKS.md, between the bench:begin and bench:end
markers: the date, the machine, the commands, each table, and each goal of the performance issue
as a ratio from this one run. Usage: scripts/bench-report.py OUT_DIR HTTP_SECONDS LOAD_SECONDS"""
import datetime
import json
import os
import platform
import re
import subprocess
import sys

out, http_seconds, load_seconds = sys.argv[1], sys.argv[2], sys.argv[3]
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def read(name):
    with open(os.path.join(out, name)) as f:
        return f.read()


def command(*args):
    try:
        return subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "?"


def verify_rows(text):
    """benches/verify.rs's table → {operation: (median µs, best µs)}."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.match(r"^[\d.]+$", cells[1]):
            rows[re.sub(r"\s+", " ", cells[0])] = (float(cells[1]), float(cells[2]))
    return rows


def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


wasm = verify_rows(read("verify-wasm.txt"))
native = verify_rows(read("verify-native.txt"))
http = [json.loads(line) for line in read("http.jsonl").splitlines() if line.strip()]
by_label = {row["label"]: row for row in http}
load = json.loads(read("load.json"))
size, gzipped, cargo_size = (int(x) for x in read("size.txt").split())
ttfb = read("ttfb.txt")

heap = {}
for name in ("heap-main.log", "viceroy-7782.log"):
    for line in read(name).splitlines():
        at = line.find("{")
        if at < 0:
            continue
        try:
            entry = json.loads(line[at:])
        except ValueError:
            continue
        if "heap_kib" in entry and "route" in entry:
            key = f'{entry["method"]} {entry["route"]}'
            heap[key] = max(heap.get(key, 0), entry["heap_kib"])

lines = []
add = lines.append
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
add(f"## Latest run (`scripts/bench`, {now})")
add("")
add("Written by `scripts/bench` (do not edit by hand; the sections after this one are earlier,")
add("hand-written measurements kept for their reasoning). Machine: "
    f"{cpu()}, {os.cpu_count()} vCPUs, load average before the run {os.getloadavg()[0]:.1f}; "
    f"{command('viceroy', '--version')}; {command('rustc', '--version')}; "
    f"node {command('node', '--version')}; {command('wrk', '--version').splitlines()[0] if command('wrk', '--version') else 'wrk'}.")
add("")
add("```sh")
add("scripts/bench    # BENCH_SECONDS (HTTP runs, default 10), BENCH_LOAD_SECONDS (default 60)")
add("```")
add("")
add("### Verification per op (benches/verify.rs; µs, median / best batch)")
add("")
add("| operation | wasm32-wasip1 (Viceroy) | native x86_64 |")
add("|---|---:|---:|")
for name in wasm:
    w = wasm[name]
    n = native.get(name)
    add(f"| {name} | {w[0]:.1f} / {w[1]:.1f} | " + (f"{n[0]:.1f} / {n[1]:.1f} |" if n else "— |"))
add("")
add(f"### HTTP per route (16 keep-alive connections, {http_seconds} s each)")
add("")
add("GET routes by `wrk -t2 -c16 --latency`; the two POST rows by `benches/http.mjs` (Node, 16")
add("keep-alive connections; the finish row times 2,000 prepared sign-ins).")
add("")
add("| route | req/s | p50 ms | p99 ms | non-2xx |")
add("|---|---:|---:|---:|---:|")
for row in http:
    add(f'| {row["label"]} | {row["perSecond"]:,} | {row["p50"]} | {row["p99"]} | {row["non2xx"]} |')
add("")
add("### Signed-in page: time to first byte with a 500 ms agent (benches/page_ttfb.mjs, 20 runs)")
add("")
add("```")
add(ttfb.strip())
add("```")
add("")
add(f"### Load run ({load_seconds} s, 32 visitors at once: tests/load/load.mjs)")
add("")
add(f'{load["total"]:,} requests in {load["seconds"]:.1f} s; afterwards every live account signed in '
    f'again, every deleted one was refused, and the stores\' inventory had no problem '
    f'({load["inventory"]["accounts"]} accounts, {load["inventory"]["credentials"]} credential indexes, '
    f'{load["inventory"]["tombstones"]} tombstones). No request answered 5xx (the run fails otherwise).')
add("")
add("| route | requests | req/s | p50 ms | p99 ms |")
add("|---|---:|---:|---:|---:|")
for row in load["table"]:
    add(f'| {row["route"]} | {row["requests"]:,} | {row["perSecond"]} | {row["p50"]} | {row["p99"]} |')
add("")
add("### Guest heap per request (largest `heap_kib` in the request log, per route)")
add("")
add("`heap_kib` is how much the instance's linear memory grew while serving the request: heap the")
add("allocator needed beyond the memory the instance starts with (static data, the 1 MiB stack and")
add("what is left of their last 64 KiB page); 0 means the request fit in it.")
add("")
add("| route | KiB |")
add("|---|---:|")
for key in sorted(heap):
    add(f"| {key} | {heap[key]:,} |")
add("")
add("### Goals of the performance issue, from this run")
add("")


def ratio(a, b):
    return a / b if b else float("nan")


def verdict(ok):
    return "**met**" if ok else "**missed**"


goals = []
es = ratio(wasm["authentication Bio"][1], wasm["ES256 verify p256 (bare)"][1])
goals.append(f"- ES256 sign-in ≤ 0.40× bare p256 in wasm (best batches): {es:.2f}× {verdict(es <= 0.40)}"
             f" (stretch 0.25×: {verdict(es <= 0.25)}); natively "
             f"{ratio(native['authentication Bio'][1], native['ES256 verify p256 (bare)'][1]):.2f}× "
             f"(goal: no slower than p256, {verdict(native['authentication Bio'][1] <= native['ES256 verify p256 (bare)'][1])})")
rs = ratio(wasm["RS256 authentication Bio"][1], wasm["RS256 key + verify rsa 0.10"][1])
goals.append(f"- RS256 sign-in ≤ 0.5× rsa 0.10's key + verify in wasm (best): {rs:.2f}× {verdict(rs <= 0.5)}")
hello = by_label["hello-world wasm"]["perSecond"]
for label in ("GET / signed in, no upstream agent", "GET / signed in, example agent, agent_hold_ms 20",
              "GET / signed in, example agent, agent_hold_ms 0"):
    r = ratio(by_label[label]["perSecond"], hello)
    goals.append(f"- {label}: ≥ 0.85× hello-world req/s: {r:.2f}× {verdict(r >= 0.85)}")
r = ratio(by_label["POST /auth/finish sign-in"]["perSecond"], by_label["one bare p256 verify per request (POST)"]["perSecond"])
goals.append(f"- POST /auth/finish sign-in ≥ 0.9× an app doing one bare p256 verify per request: {r:.2f}× {verdict(r >= 0.9)}")
goals.append(f"- Release wasm ≤ 600 KiB: {size:,} bytes = {size / 1024:.0f} KiB (gzip -9: {gzipped:,}; the package's module, "
             f"binaryen -Oz of cargo's {cargo_size:,}) {verdict(size <= 600 * 1024)}")
worst = max(heap.values()) if heap else 0
goals.append(f"- Guest heap ≤ 2 MiB per request on every route: largest {worst:,} KiB {verdict(worst <= 2048)}")
lines.extend(goals)
add("")

path = "BENCHMARKS.md"
text = open(path).read()
section = "\n".join(lines)
if BEGIN in text and END in text:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    text = f"{head}{BEGIN}\n{section}\n{END}{tail}"
else:
    first = text.find("\n## ")
    text = f"{text[:first]}\n\n{BEGIN}\n{section}\n{END}\n{text[first:]}"
open(path, "w").write(text)
