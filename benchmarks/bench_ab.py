"""Benchmark: this checkout against an earlier revision, on the same machine in one run.

A change to the code's structure must not slow it down. This script checks out ``--base``
(a git revision) into a temporary worktree and times the same commands in both trees,
alternating A and B for every repetition so that whatever else the machine does falls
on both alike. Each command is a CLI call (the CLI is the contract both revisions share),
run as ``python -m bgpcascade ...`` in a child process from the tree's root, so it uses
that tree's code; its wall time includes the interpreter start and the imports.

Workloads:

- ``simulate-5000``: a 5,000-client lumped zone (2 spines, 8 shards, one of 800 clients
  on appliance RRs), a spine/leaf flap at 30 s, 600 s simulated (benchmarks/bench_simulate.py's
  zone);
- ``simulate-builtin``: the built-in zone, ``spine1~b-rr1@30``, 600 s;
- ``simulate-builtin-20000``: the same to 20,000 s;
- ``lint-builtin``: ``lint builtin:fr-par-like``;
- ``check-z3``: ``check --engine z3`` of tests/examples/unsafe/appliance-shard-cascade.yaml
  (the Z3 engine finds the cascade and replays it).

Usage: python benchmarks/bench_ab.py --base REV [--repeat N] [--only NAME]...
Prints a Markdown table: median seconds of each tree and the ratio HEAD / base.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_simulate import zone_text  # the same 5,000-client zone

ROOT = Path(__file__).resolve().parent.parent


def workloads(scratch: Path) -> dict[str, list[str]]:
    """Each workload's CLI arguments (after ``python -m bgpcascade``)."""
    big = scratch / "bench-5000.yaml"
    big.write_text(zone_text(5000))
    unsafe = ROOT / "tests" / "examples" / "unsafe" / "appliance-shard-cascade.yaml"
    return {
        "simulate-5000": ["simulate", str(big), "--flap", "spine1~s1-rr1@30",
                          "--horizon", "630", "--quiet", "--json", str(scratch / "o.json")],
        "simulate-builtin": ["simulate", "builtin:fr-par-like", "--flap", "spine1~b-rr1@30",
                             "--horizon", "630", "--quiet", "--json", str(scratch / "o.json")],
        "simulate-builtin-20000": ["simulate", "builtin:fr-par-like", "--flap",
                                   "spine1~b-rr1@30", "--horizon", "20000", "--quiet",
                                   "--json", str(scratch / "o.json")],
        "lint-builtin": ["lint", "builtin:fr-par-like"],
        "check-z3": ["check", str(unsafe), "--engine", "z3", "--quiet",
                     "--out", str(scratch / "cx")],
    }


def run_once(tree: Path, args: list[str]) -> float:
    """Wall seconds of one CLI call in ``tree``; its exit code must be 0, 1 or 3."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bgpcascade", *args], cwd=tree,
                          capture_output=True, text=True,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    took = time.perf_counter() - start
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(f"{tree}: {' '.join(args)}: exit {proc.returncode}\n{proc.stderr}")
    return took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="git revision to compare against")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", action="append", default=[])
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bgpcascade-ab.") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base),
                        opts.base], check=True, capture_output=True)
        try:
            jobs = workloads(Path(tmp))
            names = opts.only or list(jobs)
            rows = []
            for name in names:
                times: dict[str, list[float]] = {"base": [], "head": []}
                for i in range(opts.repeat):
                    order = [("base", base), ("head", ROOT)]
                    for label, tree in order if i % 2 == 0 else reversed(order):
                        times[label].append(run_once(tree, jobs[name]))
                    print(f"{name} {i + 1}/{opts.repeat}", file=sys.stderr)
                b, h = statistics.median(times["base"]), statistics.median(times["head"])
                rows.append(f"| {name} | {b:.2f} | {h:.2f} | {h / b:.2f} |")
                print(rows[-1], file=sys.stderr)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(base)], capture_output=True)
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
    print(f"## A/B, {date.today()}, {platform.machine()}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, median of {opts.repeat}, base {opts.base}, head {rev}\n")
    print("| workload | base (s) | head (s) | head / base |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
