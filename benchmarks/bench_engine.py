"""Benchmark: the simulator's engine, this checkout against an earlier revision.

Each workload runs in a fresh child process with its working directory in the tree under
test (so it imports that tree's code), capped at ``--cap`` seconds ("> cap" past it); A
and B alternate for every repetition and the table gives medians, the wall-time ratio,
and events per second (what ``Sim.processed`` counts: with lazy timers a plain run
processes fewer events for the same run, so the ratio of wall times is the throughput
of the same workload, and events/s is reported as measured, not scaled).

Workloads (bench_simulate.py's zone shape; a spine/leaf flap at 30 s):

- ``explicit-500``: 500 clients, one node per speaker, 600 s after the flap, ``Sim.run``
  (build of the view and of the initial RIBs included);
- ``explicit-416-rec``: 2 FRR spines, an appliance shard of 80 clients on 2 appliance
  RRs, four FRR shards of 84 clients (2 RRs each), explicit, the whole
  ``properties.runner.run`` with its Recorder (what ``simulate --explicit`` does), flap
  spine1~s0-rr1, 600 s after it; ``explicit-104-rec`` the same shape at a quarter of the
  size (20 + 4 x 21 clients), for a ratio where the base is too slow;
- ``builtin-600`` and ``builtin-20000``: the built-in fr-par-like zone, flap
  spine1~b-rr1@30, to 630 s and 20,000 s, through ``properties.runner.run`` with the
  user-facing timing (``Timing()``: spread phases, the default cohorts) when the tree has
  it.

Usage: python benchmarks/bench_engine.py --base REV [--repeat N] [--cap S] [--only NAME]...
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_simulate import bench_sizes, sized_zone_text  # the same zone shapes

ROOT = Path(__file__).resolve().parent.parent
FLAP_T = 30


WORKLOADS = {
    "explicit-500": ("sim", bench_sizes(500), "spine1~s1-rr1", 600),
    "explicit-416-rec": ("rec", [80, 84, 84, 84, 84], "spine1~s0-rr1", 600),
    "explicit-104-rec": ("rec", [20, 21, 21, 21, 21], "spine1~s0-rr1", 600),
    "builtin-600": ("builtin", [], "spine1~b-rr1", 600),
    "builtin-20000": ("builtin", [], "spine1~b-rr1", 19_970),
}


def child(name: str) -> None:
    """Run one workload in this process (its tree is the working directory); print JSON."""
    sys.path.insert(0, os.getcwd())
    from bgpcascade.model.dynamics import Sim, Trigger
    from bgpcascade.model.zonefile import load_zone
    from bgpcascade.properties.runner import run

    kind, sizes, flap, after = WORKLOADS[name]
    a, b = flap.split("~")
    trig = [Trigger("flap", Fraction(FLAP_T), a, b)]
    horizon = Fraction(FLAP_T + after)
    t0 = time.perf_counter()
    if kind == "sim":
        sim = Sim(load_zone(sized_zone_text(sizes)), trig, expand=True)
        sim.run(horizon)
    elif kind == "rec":
        sim = run(load_zone(sized_zone_text(sizes)), trig, horizon, expand=True).sim
    else:
        kw: dict[str, Any] = {}
        try:
            from bgpcascade.model.timing import Timing
            kw["timing"] = Timing()
        except ImportError:
            pass
        text = (Path(os.getcwd()) / "examples" / "fr-par-like.yaml").read_text()
        sim = run(load_zone(text), trig, horizon, **kw).sim
    took = time.perf_counter() - t0
    print(json.dumps({"seconds": took, "events": sim.processed, "nodes": len(sim.nodes)}))


def once(tree: Path, name: str, cap: float) -> dict[str, Any] | None:
    """One run of ``name`` in ``tree``; ``None`` past ``cap`` seconds."""
    try:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", name],
                              cwd=tree, capture_output=True, text=True, timeout=cap,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        raise SystemExit(f"{tree}: {name}: exit {proc.returncode}\n{proc.stderr}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def cell(runs: list[dict[str, Any] | None], cap: float) -> tuple[str, str, float | None]:
    """(median seconds, events/s, seconds or None) of one tree's runs."""
    done = [r for r in runs if r is not None]
    if len(done) <= len(runs) // 2:
        return f"> {cap:.0f}", "", None
    s = statistics.median(r["seconds"] for r in done)
    ev = statistics.median(r["events"] / r["seconds"] for r in done)
    return f"{s:.2f}", f"{ev:,.0f}", s


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", help="git revision to compare against")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cap", type=float, default=120.0, help="seconds per run")
    ap.add_argument("--base-once", action="append", default=[], metavar="NAME",
                    help="run the base of NAME once only (a slow base, measured with a cap)")
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    opts = ap.parse_args()
    if opts.child:
        child(opts.child)
        return 0
    if not opts.base:
        ap.error("--base is required")
    names = opts.only or list(WORKLOADS)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bgpcascade-engine.") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base),
                        opts.base], check=True, capture_output=True)
        try:
            for name in names:
                runs: dict[str, list[dict[str, Any] | None]] = {"base": [], "head": []}
                for i in range(opts.repeat):
                    order = [("base", base), ("head", ROOT)]
                    for label, tree in order if i % 2 == 0 else reversed(order):
                        if label == "base" and name in opts.base_once and runs["base"]:
                            continue
                        runs[label].append(once(tree, name, opts.cap))
                b, h = cell(runs["base"], opts.cap), cell(runs["head"], opts.cap)
                ratio = f"{b[2] / h[2]:.1f}x" if b[2] and h[2] else \
                    f"> {opts.cap / h[2]:.0f}x" if h[2] else ""
                rows.append(f"| {name} | {b[0]} | {h[0]} | {ratio} | {b[1]} | {h[1]} |")
                print(rows[-1], file=sys.stderr)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(base)], capture_output=True)
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
    print(f"## engine A/B, {date.today()}, {platform.machine()}, Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs, median of {opts.repeat}, "
          f"cap {opts.cap:.0f} s, base {opts.base}, head {rev}\n")
    print("| workload | base (s) | head (s) | base / head | base events/s | head events/s |")
    print("|---|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
