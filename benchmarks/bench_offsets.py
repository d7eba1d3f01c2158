"""Benchmark: every offset (docs/model.md, "Every offset").

``search --vary a.clients=LO..HI`` on examples/keepalive-offsets.yaml (or ``--zone``), in
one process per run, two ways in the same run:

- ``pinned``: ``--at 30`` (each trigger at one time: the search before offsets);
- ``offsets``: every whole second of one KEEPALIVE cycle (the default).

Prints, per way, the median wall-clock seconds of ``--repeat`` runs, the boundary, the
trigger times walked and run at the boundary, and the ratio offsets / pinned. The
acceptance target (not a test): ``offsets`` at most 60 s for a.clients=2..1200 on a zone
where Z3 regions are narrow.

Usage: python benchmarks/bench_offsets.py [--repeat N] [--jobs N] [--vary NAME=LO..HI]
       [--horizon S] [--zone FILE]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one(zone: str, vary: str, horizon: str, jobs: int, pinned: bool) -> tuple[float, dict]:
    """One ``search`` process: seconds and its JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "s.json"
        args = [sys.executable, "-m", "bgpcascade", "search", zone, "--vary", vary,
                "--horizon", horizon, "--jobs", str(jobs), "--json", str(out), "-q",
                "--out", str(Path(tmp) / "o"), "--timeout", "3600"]
        if pinned:
            args += ["--at", "30"]
        started = time.monotonic()
        subprocess.run(args, check=False, capture_output=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        return time.monotonic() - started, json.loads(out.read_text())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--vary", default="a.clients=2..1200")
    ap.add_argument("--horizon", default="300")
    ap.add_argument("--zone", default=str(ROOT / "examples" / "keepalive-offsets.yaml"))
    a = ap.parse_args()
    print(f"## bench_offsets, {date.today()}, {platform.machine()}, Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs, median of {a.repeat}, "
          f"--jobs {a.jobs}\n")
    print(f"`search {Path(a.zone).name} --vary {a.vary} --horizon {a.horizon}`\n")
    print("| way | seconds | boundary | status | walked | run at boundary |")
    print("|---|---|---|---|---|---|")
    medians = {}
    for way in ("pinned", "offsets"):
        times, data = [], {}
        for _ in range(a.repeat):
            t, data = one(a.zone, a.vary, a.horizon, a.jobs, way == "pinned")
            times.append(t)
        medians[way] = statistics.median(times)
        off = data["bounds"]["trigger_offsets"]
        print(f"| {way} | {medians[way]:.1f} | {data['boundary']} | {data['status']} | "
              f"{len(off.get('walked', []))} | {off.get('checked_at_boundary', 0)} |",
              flush=True)
    print(f"\noffsets / pinned: {medians['offsets'] / medians['pinned']:.2f}")


if __name__ == "__main__":
    main()
