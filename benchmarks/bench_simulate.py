"""Benchmark: the zone simulator (docs/model.md, "Dynamics").

(a) A 5,000-client zone (2 spines, 8 shards, one of 800 clients on appliance RRs, 150
    routes each): 600 s simulated after a spine/leaf flap (flap spine1~s1-rr1 at 30 s, run
    to 630 s). Targets: under 2 s wall, under 1 GB. Median of ``--repeat`` runs (default 5).
    Memory: the peak resident set (``ru_maxrss``) of a fresh child process per run, so it
    includes the interpreter and the imports (about 45 MB of it), and the peak of Python
    allocations (tracemalloc) of one extra run.
(b) Growth from 500 to 5,000 to 50,000 clients, lumped and explicit (``expand=True``),
    same shape (16% of the clients in the appliance shard), each run in a child process
    capped at ``--cap`` seconds (default 120; "over budget" past it). Ratios against the
    500-client lumped run of the same invocation.
(c) Against real FRR (docs/implementations.md, "The FRR lab on this kind of machine": an
    earlier lab observation, not one of the lab's recorded runs): 20 clients x 1000
    routes, timers 3/9, connect 2; ``clear`` of one client on the RR is modelled as a
    flap of that session. The lab saw full tables back after about 4 s. The model's
    reconvergence: the last instant at which any speaker's Adj-RIB-In changes (every
    UPDATE built, sent and processed), measured from the flap; the session's
    re-establishment is shown beside it.

Usage: python benchmarks/bench_simulate.py [--repeat N] [--cap S]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import date
from fractions import Fraction
from typing import Any

FLAP_T = 30
HORIZON_S = 600
LAB_CLEAR_S = 4.0  # docs/implementations.md, FRR lab: full tables back after about 4 s

LAB_ZONE = """zone: lab20
timers: {hold: 9, keepalive: 3, connect_retry: 2}
shards: [{name: a, rrs: 1, clients: 20, routes_per_client: 1000}]
"""


def bench_sizes(clients: int, shards: int = 8) -> list[int]:
    """The clients per shard: 16% in shard s0 (800 of 5,000), the rest spread over the
    other shards."""
    big = clients * 16 // 100
    rest = (clients - big) // (shards - 1)
    return [big] + [rest] * (shards - 2) + [clients - big - rest * (shards - 2)]


def sized_zone_text(sizes: list[int]) -> str:
    """2 FRR spines; shard s0 on appliance RRs (CLUSTER_ID shared), the others FRR; 2 RRs
    per shard; ``sizes[i]`` clients in shard si, 150 routes each; hold 90, keepalive 30."""
    lines = ["zone: bench", "timers: {hold: 90, keepalive: 30}", "spines: {count: 2}",
             "shards:"]
    for i, n in enumerate(sizes):
        prof, cluster = ("appliance", "shared") if i == 0 else ("frr", "per-rr")
        lines.append(f"  - {{name: s{i}, rrs: 2, rr_profile: {prof}, cluster_id: {cluster}, "
                     f"clients: {n}, routes_per_client: 150}}")
    return "\n".join(lines) + "\n"


def zone_text(clients: int, shards: int = 8) -> str:
    """:func:`sized_zone_text` of :func:`bench_sizes`: shard s0 holds 16% of the clients
    on appliance RRs, the rest spread over 7 FRR shards."""
    return sized_zone_text(bench_sizes(clients, shards))


# -- one measured run (in a child process) ----------------------------------------------------


def run_zone(clients: int, expand: bool) -> dict[str, Any]:
    """Load, build and simulate; wall time of all three."""
    from bgpcascade.model.dynamics import Sim, Trigger
    from bgpcascade.model.zonefile import load_zone

    t0 = time.perf_counter()
    zone = load_zone(zone_text(clients))
    sim = Sim(zone, [Trigger("flap", Fraction(FLAP_T), "spine1", "s1-rr1")], expand=expand)
    t1 = time.perf_counter()
    sim.run(FLAP_T + HORIZON_S)
    t2 = time.perf_counter()
    return {"seconds": t2 - t0, "build_s": t1 - t0, "events": sim.processed,
            "resets": sum(e.count for e in sim.events if e.kind == "down" and not e.direct),
            "nodes": len(sim.nodes), "edges": len(sim.edges)}


def run_lab() -> dict[str, Any]:
    """The FRR lab's `clear` of one client; reconvergence = last Adj-RIB-In change."""
    from bgpcascade.model.dynamics import Sim, Trigger
    from bgpcascade.model.zonefile import load_zone

    t_clear = Fraction(10)
    sim = Sim(load_zone(LAB_ZONE), [Trigger("flap", t_clear, "a-rr1", "a-c1")])

    def ribs() -> tuple[Any, ...]:
        return tuple((k, c, tuple(sorted(ins.items()))) for k, n in sorted(sim.nodes.items())
                     for c, ins in sorted(n.adj_in.items()))

    last, changed = ribs(), t_clear
    while sim.heap and sim.heap[0][1] <= t_clear + 60:
        sim.step()
        now = ribs()
        if now != last:
            last, changed = now, sim.now
    back = [e.t for e in sim.events if e.kind == "established"]
    return {"reconverge_s": float(changed - t_clear),
            "established_s": float(back[0] - t_clear) if back else None,
            "last_change_s": float(sim.last_change - t_clear),
            "resets": sum(e.count for e in sim.events if e.kind == "down" and not e.direct),
            "unreachable": int(sim.unreachable_pairs()[0]),
            "rr_peak_delay_ms": float(sim.peak_delay["a-rr1"]) * 1000}


def child(argv: list[str]) -> None:
    """``--child zone N lumped|explicit [trace]`` or ``--child lab``: print one JSON line."""
    if argv[0] == "lab":
        out = run_lab()
    else:
        traced = len(argv) > 3 and argv[3] == "trace"
        if traced:
            tracemalloc.start()
        out = run_zone(int(argv[1]), argv[2] == "explicit")
        if traced:
            out["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def in_child(args: list[str], cap: float) -> dict[str, Any] | None:
    """One run in a fresh interpreter; ``None`` past ``cap`` seconds."""
    try:
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", *args],
                              capture_output=True, text=True, timeout=cap, check=True)
    except subprocess.TimeoutExpired:
        return None
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# -- the report ---------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cap", type=float, default=120.0, help="seconds per run in (b)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return
    print(f"## simulate, {date.today()}, {platform.machine()}, Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs\n")

    runs = [r for r in (in_child(["zone", "5000", "lumped"], args.cap)
                        for _ in range(args.repeat)) if r is not None]
    traced = in_child(["zone", "5000", "lumped", "trace"], args.cap)
    wall = statistics.median(r["seconds"] for r in runs)
    rss = max(r["maxrss_mb"] for r in runs)
    r0 = runs[0]
    print(f"(a) 5,000 clients, flap spine1~s1-rr1 at {FLAP_T} s, {HORIZON_S} s simulated after "
          f"it (lumped): {wall:.2f} s wall (median of {len(runs)}: "
          f"{min(r['seconds'] for r in runs):.2f}..{max(r['seconds'] for r in runs):.2f}), "
          f"peak RSS {rss:.0f} MB (whole process), Python allocations peak "
          f"{traced['traced_peak_mb'] if traced else float('nan'):.1f} MB; {r0['events']:,} "
          f"events, {r0['resets']:,} sessions reset; targets 2 s / 1 GB: "
          f"{'met' if wall < 2 and rss < 1024 else 'MISSED'}\n")

    print(f"(b) one run each in a child process, cap {args.cap:.0f} s\n")
    print("| clients | mode | wall s | ratio to 500 lumped | peak RSS MB | events | nodes |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    base = None
    for n in (500, 5_000, 50_000):
        for mode in ("lumped", "explicit"):
            r = in_child(["zone", str(n), mode], args.cap)
            if r is None:
                print(f"| {n:,} | {mode} | over budget (> {args.cap:.0f} s) | | | | |")
                continue
            base = base or r["seconds"]
            print(f"| {n:,} | {mode} | {r['seconds']:.2f} | {r['seconds'] / base:.2f} | "
                  f"{r['maxrss_mb']:.0f} | {r['events']:,} | {r['nodes']:,} |")

    lab = in_child(["lab"], args.cap)
    assert lab is not None
    print(f"\n(c) FRR lab, 20 clients x 1000 routes, timers 3/9, `clear` of one client (model: "
          f"flap of the session): full tables back (last Adj-RIB-In change) "
          f"{lab['reconverge_s']:.3f} s after the clear, session re-established after "
          f"{lab['established_s']:.3f} s; lab: about {LAB_CLEAR_S:.0f} s; ratio model/lab "
          f"{lab['reconverge_s'] / LAB_CLEAR_S:.2f} (RR peak queue delay "
          f"{lab['rr_peak_delay_ms']:.1f} ms, {lab['resets']} cascade resets, "
          f"{lab['unreachable']} unreachable pairs at the end)")


if __name__ == "__main__":
    main()
