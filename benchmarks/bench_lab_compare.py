"""Benchmark and record: `bgpcascade lab --compare` on the lab's reference zone.

The results: docs/validation.md, "Model versus FRR".

Runs every scenario ``--repeat`` times on real FRR with ``--compare`` and prints, per
scenario: how often the model agreed with FRR on every row, which rows differed when it
did not (FRR varies from run to run where the order of events is a race), FRR's detect
and reconvergence times (median, min..max) next to the model's, and the wall time of the
whole set. The output is a Markdown section for docs/validation.md and RESULTS.md.

Usage: python benchmarks/bench_lab_compare.py [--repeat N] [--zone FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("converge", "clear", "kill-client", "pause-client", "pause-rr", "starve-rr")


def _span(xs: list[float]) -> str:
    if not xs:
        return "-"
    return f"{statistics.median(xs):.2f} s ({min(xs):.2f}..{max(xs):.2f})"


def main() -> None:
    """Run the scenarios and print the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--zone", default=str(ROOT / "tests" / "lab" / "frr-5x200.yaml"))
    args = ap.parse_args()
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in SCENARIOS:
            agree, walls, det, rec = 0, [], [], []
            model: dict[str, float | None] = {}
            diffs: Counter[str] = Counter()
            for i in range(args.repeat):
                out = Path(tmp) / f"{scenario}-{i}.json"
                t = time.perf_counter()
                proc = subprocess.run(
                    [sys.executable, "-m", "bgpcascade", "lab", args.zone, "--scenario",
                     scenario, "--compare", "--json", str(out), "-q"],
                    capture_output=True, text=True, env={**os.environ,
                                                         "PYTHONPATH": str(ROOT)})
                walls.append(time.perf_counter() - t)
                if proc.returncode not in (0, 1):
                    diffs[f"exit {proc.returncode}"] += 1
                    continue
                r = json.loads(out.read_text())
                agree += r["compare"]["agree"]
                for row in r["compare"]["rows"]:
                    if not row["ok"]:
                        diffs[f"{row['what']}: model {row['model']}, FRR {row['frr']}"] += 1
                if r["detect_s"] is not None:
                    det.append(r["detect_s"])
                if scenario != "converge":
                    rec.append(r["reconverge_s"])
                m = r["compare"]["model"]
                model = {"detect_s": m["detect_s"], "reconverge_s": m["reconverge_s"]}
            rows.append((scenario, agree, det, rec, model, diffs, walls))
            print(f"{scenario}: {agree}/{args.repeat} agree", file=sys.stderr)
    total = time.perf_counter() - started
    print(f"### `lab --compare`, {Path(args.zone).name}, {args.repeat} runs per scenario\n")
    print("| scenario | runs agreeing | FRR detect | model | FRR reconverged | model | "
          "wall per run |")
    print("|---|---|---|---|---|---|---|")
    for scenario, agree, det, rec, model, _diffs, walls in rows:
        md = model.get("detect_s")
        mr = model.get("reconverge_s")
        print(f"| {scenario} | {agree}/{args.repeat} | {_span(det)} | "
              f"{'-' if md is None else f'{md:.2f} s'} | {_span(rec)} | "
              f"{'-' if mr is None or scenario == 'converge' else f'{mr:.2f} s'} | "
              f"{statistics.median(walls):.1f} s |")
    print()
    for scenario, _agree, _det, _rec, _model, diffs, _walls in rows:
        for what, n in sorted(diffs.items()):
            print(f"- {scenario}, {n}x: {what}")
    print(f"\nThe whole set, {args.repeat} times: {total:.0f} s wall.")


if __name__ == "__main__":
    main()
