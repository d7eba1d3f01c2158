"""Benchmark: the design review and the demo (docs/model.md, "The design review").

(a) ``bgpcascade demo`` end to end (load, lint, 600 s simulation, drawings, explorer, the
    quick review). Target: under 60 s on this machine. Median of ``--repeat`` runs.
(b) ``bgpcascade review builtin:fr-par-like --quick``: runs made, wall time.
(c) The full review of the same zone (every shard's boundaries, the curve, Z3 first with
    its default budget): runs made, wall time (one run unless ``--full-repeat``).
Baseline, measured in the same invocation: ``check --engine sim`` of the same zone (every
single flap ranked once); the ratios say how many rankings' worth of work each costs.

Usage: python benchmarks/bench_review.py [--repeat N] [--full-repeat N] [--jobs N]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(argv: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and exit code of one CLI run."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bgpcascade", *argv], cwd=cwd,
                          capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - start, proc.returncode


def main() -> None:
    """Run (a), (b), (c) and the baseline; print a Markdown section for RESULTS.md."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--full-repeat", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        base = [timed(["check", "builtin:fr-par-like", "--engine", "sim", "-q", "--out",
                       "c"], cwd)[0] for _ in range(args.repeat)]
        demo = [timed(["demo", "--out", f"d{i}", "-q"], cwd)[0] for i in range(args.repeat)]
        quick = []
        for i in range(args.repeat):
            quick.append(timed(["review", "builtin:fr-par-like", "--out", f"q{i}", "--quick",
                                "--jobs", str(args.jobs), "-q"], cwd)[0])
        qruns = json.loads((cwd / "q0" / "review.json").read_text())["runs"]
        full = []
        for i in range(args.full_repeat):
            full.append(timed(["review", "builtin:fr-par-like", "--out", f"f{i}",
                               "--jobs", str(args.jobs), "-q"], cwd)[0])
        fdata = json.loads((cwd / "f0" / "review.json").read_text())
    b = statistics.median(base)
    print(f"## review, {time.strftime('%Y-%m-%d')}, {platform.machine()}, Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs, jobs {args.jobs}\n")
    print(f"baseline `check --engine sim` (37 flaps ranked): {b:.1f} s (median of "
          f"{len(base)})\n")
    d = statistics.median(demo)
    print(f"(a) `demo`: {d:.1f} s (median of {len(demo)}: {min(demo):.1f}..{max(demo):.1f}); "
          f"target 60 s: {'met' if d < 60 else 'MISSED'}; {d / b:.1f}x the baseline\n")
    q = statistics.median(quick)
    print(f"(b) `review --quick`: {q:.1f} s (median of {len(quick)}), {qruns:,} runs; "
          f"{q / b:.1f}x the baseline\n")
    f = statistics.median(full)
    unknown = ", ".join(fdata["unknown"]) or "none"
    print(f"(c) full `review`: {f:.1f} s ({len(full)} run(s)), {fdata['runs']:,} runs; "
          f"{f / b:.1f}x the baseline; UNKNOWN: {unknown}")


if __name__ == "__main__":
    main()
