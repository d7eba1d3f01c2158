"""Benchmark: the Z3 cascade search (docs/model.md, "The Z3 engine").

On the built-in fr-par-like zone (37 single flaps: one per session group):

(a) time to the first counterexample: ``check`` of the zone as written (median of
    ``--repeat`` runs);
(b) time to the safe boundary of shard a's ``clients`` (``search a.clients=2..800``, all
    37 flaps, ``--jobs`` worker processes);
(c) time to the safe boundary of shard a's RR ``capacity`` on a 100,000 grid
    (``search a.rr_capacity=1000000..4000000/100000``): with the worst flap only, and
    with all 37 under a budget of ``--cap`` seconds;
(d) time to prove no_cascade and no_zone_outage for the FRR-only variant (shard a on
    FRR RRs) at a 300 s horizon, all 37 flaps;
(e) growth with the horizon: one symbolic path (flap spine1~b-rr1, a.clients symbolic)
    against one plain run, horizons 60..600 s: events k, seconds, ratio;
(f) growth with the number of shards (FRR-only zones of 2, 4, 6 shards): ``check`` as
    written, flaps and seconds;
(g) Z3 against the simulator's brute-force scan of the same range, one flap, on the
    small appliance zone (tests/examples/unsafe/appliance-shard-cascade.yaml,
    a.clients=2..300): boundary and seconds of each, ratio;
(h) the same comparison for the largest safe spike at a-rr1 of that zone
    (spike=10000..4000000/10000, 200 s horizon), where the regions are wide.

Usage: python benchmarks/bench_z3.py [--repeat N] [--jobs N] [--cap S] [--only abcdefgh]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bgpcascade.io import read_zone_text  # noqa: E402
from bgpcascade.model.dynamics import Trigger  # noqa: E402
from bgpcascade.model.params import Space  # noqa: E402
from bgpcascade.properties.engines.cascade_z3 import (  # noqa: E402
    ZoneSearch,
    boundary,
    exists_violation,
    representative_flaps,
)
from bgpcascade.properties.library import parse_property  # noqa: E402
from bgpcascade.properties.runner import RunJob, run, violations  # noqa: E402

PROPS = [parse_property("no_cascade"), parse_property("no_zone_outage")]
FR_PAR = read_zone_text("builtin:fr-par-like")
FRR_ONLY = FR_PAR.replace("rr_profile: appliance", "rr_profile: frr")


def engine(text: str, vary: list[str], flaps: list[Trigger] | None = None,
           horizon: int = 300, timeout: float = 3600, jobs: int = 1) -> ZoneSearch:
    space = Space(text, "bench.yaml")
    for v in vary:
        space.add(v)
    triggers = flaps if flaps is not None else representative_flaps(space, Fraction(30))
    return ZoneSearch(space, triggers, PROPS, Fraction(horizon), timeout=timeout, jobs=jobs)


def timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def shards_zone(n: int) -> str:
    lines = ["zone: s", "timers: {hold: 90, keepalive: 30}", "spines: {count: 2}", "shards:"]
    for i in range(n):
        lines.append(f"  - {{name: s{i}, rrs: 2, clients: {400 - 40 * i}, "
                     "routes_per_client: 150}")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    ap.add_argument("--cap", type=float, default=600)
    ap.add_argument("--only", default="abcdefgh", help="which parts to run")
    args = ap.parse_args()
    only = set(args.only)
    print(f"## z3 search, {date.today()}, {platform.machine()}, Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs, jobs {args.jobs}\n")

    if "a" in only:
        times = []
        for _ in range(args.repeat):
            eng = engine(FR_PAR, [])
            f, s = timed(lambda eng=eng: exists_violation(eng))
            times.append(s)
        print(f"(a) fr-par-like as written, first counterexample: {f.status} "
              f"{f.trigger.label() if f.trigger else ''} in {statistics.median(times):.2f} s "
              f"(median of {args.repeat}: {min(times):.2f}..{max(times):.2f}); target 60 s\n")
    if "b" in only:
        eng = engine(FR_PAR, ["a.clients=2..800"], jobs=args.jobs, timeout=args.cap)
        b, s = timed(lambda: boundary(eng, eng.space.params[0]))
        eng.close()
        print(f"(b) boundary of a.clients in 2..800, 37 flaps: {b.status}, safe up to "
              f"{b.boundary} (engine {b.engine}: {b.z3_paths} Z3 paths, {b.scanned} values "
              f"scanned) in {s:.1f} s; target 60 s\n")
    if "c" in only:
        worst = Trigger("flap", Fraction(30), "a-rr1", "spine1")
        rng = "a.rr_capacity=1000000..4000000/100000"
        eng = engine(FR_PAR, [rng], flaps=[worst], timeout=args.cap)
        b1, s1 = timed(lambda: boundary(eng, eng.space.params[0]))
        eng = engine(FR_PAR, [rng], jobs=args.jobs, timeout=args.cap)
        b2, s2 = timed(lambda: boundary(eng, eng.space.params[0]))
        eng.close()
        print(f"(c) boundary of a.rr_capacity in 1,000,000..4,000,000 step 100,000: worst flap "
              f"({worst.label()}) only: {b1.status}, safe down to {b1.boundary} ({b1.engine}) "
              f"in {s1:.1f} s; all 37 flaps: {b2.status}, safe down to {b2.boundary} "
              f"({b2.engine}, {b2.reason or 'finished'}) in {s2:.1f} s; target 60 s\n")
    if "d" in only:
        eng = engine(FRR_ONLY, [])
        f, s = timed(lambda: exists_violation(eng))
        print(f"(d) FRR-only variant, 300 s horizon, 37 flaps: {f.status} "
              f"({eng.paths} paths, up to {eng.max_steps} events) in {s:.1f} s; target 60 s\n")
    if "e" in only:
        print("(e) one symbolic path vs one plain run, flap spine1~b-rr1@30, a.clients "
              "symbolic (range 2..800, at 800)\n")
        print("| horizon s | events k | plain s | symbolic s | ratio | path atoms |")
        print("|---:|---:|---:|---:|---:|---:|")
        flap = Trigger("flap", Fraction(30), "b-rr1", "spine1")
        for h in (60, 120, 300, 600):
            eng = engine(FR_PAR, ["a.clients=2..800"], flaps=[flap], horizon=h)
            space = eng.space

            def plain(h: int = h, space: Space = space) -> int:
                return run(space.zone_at(space.point()), [flap], Fraction(h)).sim.processed

            k, sp = timed(plain)
            path, ss = timed(lambda eng=eng: eng.run(flap, eng.space.point()))
            print(f"| {h} | {k:,} | {sp:.2f} | {ss:.2f} | {ss / sp:.1f} | {len(path.pc):,} |")
        print()
    if "f" in only:
        print("(f) check as written, FRR-only zones (2 spines, shards of 400, 360, ... clients)\n")
        print("| shards | flaps | events max | seconds | status |")
        print("|---:|---:|---:|---:|---|")
        for n in (2, 4, 6):
            eng = engine(shards_zone(n), [])
            f, s = timed(lambda eng=eng: exists_violation(eng))
            print(f"| {n} | {len(eng.triggers)} | {eng.max_steps:,} | {s:.1f} | {f.status} |")
        print()
    if "g" in only:
        small = (ROOT / "tests/examples/unsafe/appliance-shard-cascade.yaml").read_text()
        flap = Trigger("flap", Fraction(30), "b-rr1", "spine1")
        eng = engine(small, ["a.clients=2..300"], flaps=[flap])
        bz, sz = timed(lambda: boundary(eng, eng.space.params[0]))

        def scan() -> int | None:
            last = None
            for v in range(2, 301):
                if violations(RunJob(eng.space, {"a.clients": v}, (flap,), eng.horizon,
                                     tuple(PROPS))):
                    return last
                last = v
            return last

        bs, ss = timed(scan)
        print(f"(g) appliance-shard-cascade, a.clients=2..300, {flap.label()}: search "
              f"(engine {bz.engine}, {bz.z3_paths} Z3 paths, {bz.scanned} values scanned) "
              f"boundary {bz.boundary} in {sz:.1f} s; plain scan boundary {bs} in {ss:.1f} s; "
              f"ratio search/scan {sz / ss:.2f}")
    if "h" in only:
        small = (ROOT / "tests/examples/unsafe/appliance-shard-cascade.yaml").read_text()
        spike = Trigger("spike", Fraction(30), "a-rr1", work=Fraction(100000))
        space = Space(small, "bench.yaml")
        param = space.add("spike=10000..4000000/10000", spike=100000)
        eng = ZoneSearch(space, [spike], PROPS, Fraction(200), timeout=3600)
        bz, sz = timed(lambda: boundary(eng, param))

        def spike_scan() -> int | None:
            last = None
            for v in range(10000, 4000001, 10000):
                if violations(RunJob(space, {"spike": v}, (spike,), Fraction(200), tuple(PROPS))):
                    return last
                last = v
            return last

        bs, ss = timed(spike_scan)
        print(f"\n(h) appliance-shard-cascade, largest safe spike at a-rr1 (10,000..4,000,000 "
              f"step 10,000, 200 s): search (engine {bz.engine}, {bz.z3_paths} Z3 paths "
              f"covering {bz.covered_by_z3} values, {bz.scanned} scanned) boundary "
              f"{bz.boundary} in {sz:.1f} s; plain scan boundary {bs} in {ss:.1f} s; ratio "
              f"search/scan {sz / ss:.2f}")


if __name__ == "__main__":
    main()
