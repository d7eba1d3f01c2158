"""Benchmark: the zone simulator (issue 4, "Speed and scale").

(a) A 5,000-client zone (2 spines, 8 shards, one of 800 clients on appliance RRs, 150
    routes each): 600 s simulated after a spine/leaf flap. Targets: under 2 s wall, under
    1 GB. Median of ``--repeat`` runs; peak memory from tracemalloc.
(b) Growth from 500 to 5,000 to 50,000 clients, lumped and explicit, each run in a
    subprocess capped at ``--cap`` seconds ("over budget" past it); ratios against the
    500-client lumped run of the same invocation.
(c) Against real FRR (shared/reference/frr-lab.md): 20 clients x 1000 routes, timers 3/9,
    connect 2; `clear` of one client on the RR is modelled as a flap of that session. The
    lab saw full tables back after about 4 s.

Usage: python benchmarks/bench_simulate.py [--repeat N] [--cap S]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import date
from fractions import Fraction

from bgpcascade.model.dynamics import Sim, Trigger
from bgpcascade.model.zonefile import load_zone


def zone_text(clients: int) -> str:
    """2 spines, 8 shards; one shard holds 800 (or 16%) of the clients on appliance RRs."""
    big = 800 if clients >= 5000 else max(1, clients * 16 // 100)
    rest = (clients - big) // 7
    sizes = [big] + [rest] * 6 + [clients - big - 6 * rest]
    lines = ["zone: bench", "timers: {hold: 90, keepalive: 30}", "spines: {count: 2}",
             "shards:"]
    for i, n in enumerate(sizes):
        prof = "appliance" if i == 0 else "frr"
        lines.append(f"  - {{name: s{i}, rrs: 2, rr_profile: {prof}, clients: {n}, "
                     "routes_per_client: 150}")
    return "\n".join(lines) + "\n"


def run_once(clients: int, expand: bool, horizon: int = 600) -> float:
    zone = load_zone(zone_text(clients))
    t0 = time.perf_counter()
    sim = Sim(zone, [Trigger("flap", Fraction(30), "spine1", "s1-rr1")], expand=expand)
    sim.run(horizon)
    return time.perf_counter() - t0


def capped(clients: int, expand: bool, cap: float) -> str:
    code = ("import sys; sys.path.insert(0, 'benchmarks'); from bench_simulate import run_once;"
            f"print(run_once({clients}, {expand}))")
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=cap, check=True)
        return f"{float(out.stdout.strip()):.2f}"
    except subprocess.TimeoutExpired:
        return f"over budget (> {cap:.0f} s)"


def frr_lab() -> float:
    text = ("zone: lab20\ntimers: {hold: 9, keepalive: 3, connect_retry: 2}\n"
            "shards: [{name: a, rrs: 1, clients: 20, routes_per_client: 1000}]\n")
    sim = Sim(load_zone(text), [Trigger("flap", Fraction(10), "a-rr1", "a-c1")])
    sim.run(60)
    back = max(e.t for e in sim.events if e.kind == "established")
    return float(max(back, sim.last_change) - 10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cap", type=float, default=60.0)
    args = ap.parse_args()
    print(f"## simulate, {date.today()}, {platform.machine()}, Python "
          f"{platform.python_version()}\n")
    walls = [run_once(5000, False) for _ in range(args.repeat)]
    tracemalloc.start()
    run_once(5000, False)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    wall = statistics.median(walls)
    print(f"(a) 5,000 clients, 600 s after a spine/leaf flap: {wall:.2f} s wall (median of "
          f"{args.repeat}), peak traced memory {peak:.0f} MiB; targets 2 s / 1 GB: "
          f"{'met' if wall < 2 and peak < 1024 else 'MISSED'}\n")
    base = run_once(500, False)
    print("(b) | clients | lumped s | ratio to 500 lumped | explicit s |")
    print("|---:|---:|---:|---:|")
    for n in (500, 5000, 50000):
        lumped = run_once(n, False)
        explicit = capped(n, True, args.cap)
        print(f"| {n:,} | {lumped:.2f} | {lumped / base:.2f} | {explicit} |")
    model = frr_lab()
    print(f"\n(c) FRR lab, 20 x 1000, `clear` of one client: model back after {model:.2f} s; "
          f"lab about 4 s; ratio model/lab {model / 4:.2f}")


if __name__ == "__main__":
    main()
