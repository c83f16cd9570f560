#!/usr/bin/env python3
"""Edit-to-reload latency of `archsite serve` on generated sites of 1,000 and 10,000 pages.

For each size: generate a site (self-contained deterministic generator below), start the release
binary with `serve --port 0`, connect to its live-reload event stream like a browser does, then
edit one page's markdown several times and time each edit from the file write to the `reload`
event that names that page. A stylesheet edit (static/custom.css, a `css` event) is timed the
same way. Prints a table of medians (and min/max) and the rebuild times the server printed.

The latency includes the watcher's debounce (a quiet period of 30 ms after the last file event).
Edits are --pause seconds apart (1 s by default, about as often as a person saves), so each one
meets an idle server; --pause 0 sends each edit as soon as the previous reload arrives, while the
server still makes the previous search index in the background.

With --site bench, the site is the build benchmark's (bench/gen_site.py: 4-8 KB pages with
code, tags and a comparison matrix), and two pages are edited: a plain page, and a page with
pros/cons lists, whose edit also renders the matrix pages again.

Usage: python3 bench/serve_latency.py [--sizes 1000,10000] [--edits 7] [--pause 1.0]
                                      [--site small|bench] [--bin target/release/archsite]
Build first: cargo build --release. Only the Python standard library is used. Traffic goes to
127.0.0.1 only, and every wait is bounded.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMIT = 120.0  # seconds: a guard against hangs, not a measurement

WORDS = (
    "service request cache latency throughput queue worker deploy release module boundary schema "
    "migration database index replica shard partition consumer producer event stream handler "
    "router gateway token session config metric trace span log alert monolith function"
).split()


def generate(n, out):
    """Writes a site of n pages: sections of 100 pages, each page ~2 KB with headings, a code
    block and links to its neighbours. Deterministic: page i's text depends on i only."""
    os.makedirs(os.path.join(out, "content"), exist_ok=True)
    os.makedirs(os.path.join(out, "static"), exist_ok=True)
    with open(os.path.join(out, "site.toml"), "w") as f:
        f.write('title = "Latency bench"\nbase_url = "/"\n')
    with open(os.path.join(out, "content", "_index.md"), "w") as f:
        f.write('---\ntitle: "Latency bench"\n---\n\nA generated site.\n')
    with open(os.path.join(out, "static", "custom.css"), "w") as f:
        f.write(".bench { color: rgb(0, 0, 0); }\n")
    per = 100
    for i in range(n):
        sec = i // per
        d = os.path.join(out, "content", f"s{sec:03d}")
        if i % per == 0:
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "_index.md"), "w") as f:
                f.write(f'---\ntitle: "Section {sec}"\n---\n\nSection {sec}.\n')
        words = [WORDS[(i * 7 + k * 13) % len(WORDS)] for k in range(240)]
        paras = [" ".join(words[k:k + 60]).capitalize() + "." for k in range(0, 240, 60)]
        prev_link = f"[previous](p{i - 1:05d}.md)" if i % per else "the section start"
        body = (
            f'---\ntitle: "Page {i}"\nweight: {i % per}\n---\n\n'
            f"Intro of page {i}, after {prev_link}.\n\n"
            f"## Overview\n\n{paras[0]}\n\n{paras[1]}\n\n"
            f"```rust\nfn page_{i}() -> usize {{ {i} }}\n```\n\n"
            f"## Details\n\n{paras[2]}\n\n- one `{words[3]}`\n- two **{words[5]}**\n\n"
            f"## Notes\n\n{paras[3]}\n"
        )
        with open(os.path.join(d, f"p{i:05d}.md"), "w") as f:
            f.write(body)


class Events:
    """A server-sent events client on a raw socket; events go to a list with arrival times."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=LIMIT)
        self.sock.sendall(f"GET /__archsite/events HTTP/1.1\r\nHost: {host}:{port}\r\n"
                          "Accept: text/event-stream\r\n\r\n".encode())
        self.cond = threading.Condition()
        self.events = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        name, data = "message", []
        f = self.sock.makefile("rb")
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and data:
                with self.cond:
                    self.events.append((time.perf_counter(), name, "\n".join(data)))
                    self.cond.notify_all()
                name, data = "message", []

    def wait(self, pred, start_index):
        """Waits for an event at index >= start_index matching pred; returns (time, name, data)."""
        deadline = time.monotonic() + LIMIT
        with self.cond:
            while True:
                for ev in self.events[start_index:]:
                    if pred(ev):
                        return ev
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no matching event")
                self.cond.wait(left)

    def count(self):
        with self.cond:
            return len(self.events)


def start_server(binary, site):
    proc = subprocess.Popen([binary, "serve", "--port", "0", "--root", site],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines = []
    ready = threading.Event()
    info = {}

    def pump():
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            m = re.match(r"Built .* in (\d+) ms", line)
            if m:
                info["initial_ms"] = int(m.group(1))
            m = re.match(r"Serving at http://([\d.]+):(\d+)(/\S*)", line)
            if m:
                info["host"], info["port"], info["base"] = m.group(1), int(m.group(2)), m.group(3)
                ready.set()

    threading.Thread(target=pump, daemon=True).start()
    if not ready.wait(LIMIT):
        proc.kill()
        raise RuntimeError("server did not start:\n" + "\n".join(lines))
    return proc, info, lines


def rebuild_times(lines):
    return [int(m.group(1)) for m in (re.match(r"Rebuilt in (\d+) ms", l) for l in list(lines)) if m]


def edit_page(ev, page_file, page_url, edits, pause):
    """Appends a sentence to a page `edits` times; the latency of each to its `reload` event."""
    with open(page_file) as f:
        original = f.read()
    latencies = []
    for k in range(edits):
        time.sleep(pause)
        idx = ev.count()
        t0 = time.perf_counter()
        with open(page_file, "w") as f:
            f.write(original + f"\nEdit number {k}.\n")
        t1, _, _ = ev.wait(
            lambda e: e[1] == "reload" and page_url in (json.loads(e[2]).get("changed") or [page_url]),
            idx)
        latencies.append((t1 - t0) * 1000)
    with open(page_file, "w") as f:
        f.write(original)
    return latencies


def bench(binary, n, edits, pause, kind):
    tmp = tempfile.mkdtemp(prefix=f"archsite-serve-{n}-")
    try:
        t = time.perf_counter()
        if kind == "bench":
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            import gen_site
            gen_site.generate(n, tmp, 1)
            os.makedirs(os.path.join(tmp, "static"), exist_ok=True)
            with open(os.path.join(tmp, "static", "custom.css"), "w") as f:
                f.write(".bench { color: rgb(0, 0, 0); }\n")
        else:
            generate(n, tmp)
        gen_s = time.perf_counter() - t
        proc, info, lines = start_server(binary, tmp)
        try:
            ev = Events(info["host"], info["port"])
            ev.wait(lambda e: e[1] == "hello", 0)
            if kind == "bench":
                def page(i):
                    folder, stem = gen_site.page_location(i)
                    return f"{folder}/{stem}"
                plain = page(n // 2 + 1)
                compared = page((n // 2) - (n // 2) % gen_site.COMPARE_EVERY)
            else:
                plain = f"s{(n // 2) // 100:03d}/p{n // 2:05d}"
                compared = None
            located = lambda rel: (os.path.join(tmp, "content", rel + ".md"),
                                   f"{info['base']}{rel}/index.html")
            page_lat = edit_page(ev, *located(plain), edits, pause)
            compare_lat = edit_page(ev, *located(compared), edits, pause) if compared else []
            css_lat = []
            for k in range(edits):
                time.sleep(pause)
                idx = ev.count()
                t0 = time.perf_counter()
                with open(os.path.join(tmp, "static", "custom.css"), "w") as f:
                    f.write(f".bench {{ color: rgb({k + 1}, 0, 0); }}\n")
                t1, _, _ = ev.wait(lambda e: e[1] == "css", idx)
                css_lat.append((t1 - t0) * 1000)
            # The server prints its line after sending the event: give it a moment to appear.
            deadline = time.monotonic() + 10
            rounds = 3 if compared else 2
            while len(rebuild_times(lines)) < rounds * edits and time.monotonic() < deadline:
                time.sleep(0.05)
            rebuilds = rebuild_times(lines)
        finally:
            proc.kill()
            proc.wait()
        return {
            "pages": n,
            "gen_s": gen_s,
            "initial_ms": info.get("initial_ms"),
            "page": page_lat,
            "compare": compare_lat,
            "css": css_lat,
            "rebuild_page": rebuilds[:edits],
            "rebuild_compare": rebuilds[edits:2 * edits] if compared else [],
            "rebuild_css": rebuilds[-edits:],
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def fmt(values):
    if not values:
        return "-"
    return f"{statistics.median(values):7.0f} ({min(values):.0f}-{max(values):.0f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--edits", type=int, default=7)
    ap.add_argument("--pause", type=float, default=1.0, help="seconds between edits")
    ap.add_argument("--site", choices=["small", "bench"], default="small",
                    help="small: 2 KB pages in sections of 100; bench: bench/gen_site.py's site")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "archsite"))
    args = ap.parse_args()
    if not os.path.exists(args.bin):
        sys.exit(f"no binary at {args.bin}: run cargo build --release")
    results = []
    for n in [int(s) for s in args.sizes.split(",") if s]:
        print(f"... {n} pages", file=sys.stderr, flush=True)
        results.append(bench(args.bin, n, args.edits, args.pause, args.site))
    print(f"\narchsite serve: edit-to-event latency, median (min-max) of {args.edits} edits "
          f"{args.pause:g} s apart, ms; {os.cpu_count()} CPU(s)\n")
    compare = args.site == "bench"
    cols = [("pages", 6), ("first build", 11), ("page edit -> reload", 19), ("server rebuild", 16)]
    if compare:
        cols += [("pros/cons edit -> reload", 24), ("server rebuild", 16)]
    cols += [("CSS edit -> css", 16), ("server rebuild", 16)]
    print("| " + " | ".join(f"{name:>{w}}" for name, w in cols) + " |")
    print("|" + "|".join("-" * (w + 2) for _, w in cols) + "|")
    for r in results:
        cells = [str(r["pages"]), f"{r['initial_ms']} ms", fmt(r["page"]), fmt(r["rebuild_page"])]
        if compare:
            cells += [fmt(r["compare"]), fmt(r["rebuild_compare"])]
        cells += [fmt(r["css"]), fmt(r["rebuild_css"])]
        print("| " + " | ".join(f"{c:>{w}}" for c, (_, w) in zip(cells, cols)) + " |")


if __name__ == "__main__":
    main()
