"""Benchmark: the default ``check --engine hypothesis`` (docs/model.md, "The Hypothesis engine").

On the built-in fr-par-like zone and on examples/flat-3-shards.yaml (a 3-shard zone),
with the default options (200 scenarios of one trigger, seed 0, budget 300 s, a fresh
example database): wall time, scenarios, simulator runs (distinct scenarios) and
scenarios per second; then the same run again with the database kept (a CI job with a
cached database replays the failure first).

Usage: python benchmarks/bench_hypothesis.py
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(zone: str, tmp: Path, tag: str) -> tuple[float, dict[str, object]]:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bgpcascade", "check", zone, "--engine",
                    "hypothesis", "--json", str(tmp / f"{tag}.json"), "--out",
                    str(tmp / "out"), "--database", str(tmp / "db"), "-q"],
                   env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False,
                   capture_output=True)
    return time.perf_counter() - t, json.loads((tmp / f"{tag}.json").read_text())


def main() -> None:
    print(f"## check --engine hypothesis, {date.today()}, {platform.machine()}, Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs\n")
    print("| zone | run | status | seconds | scenarios | simulator runs | scenarios/s |")
    print("|---|---|---|---:|---:|---:|---:|")
    for zone in ("builtin:fr-par-like", str(ROOT / "examples" / "flat-3-shards.yaml")):
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            for tag in ("fresh database", "database kept"):
                s, data = run(zone, tmp, tag.split()[0])
                b = data["bounds"]
                print(f"| {Path(zone).name} | {tag} | {data['status']} | {s:.1f} | "
                      f"{b['examples']} | {b['runs']} | {b['examples'] / s:.1f} |")


if __name__ == "__main__":
    main()
