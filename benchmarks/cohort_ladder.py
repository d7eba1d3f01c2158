"""Measurement: how many cohorts a symmetry group needs (docs/model.md, "The cohort ladder").

A symmetry group split into K cohorts (model/timing.py) is an approximation of the
explicit model, where every speaker has its own KeepaliveTimer phase and its own jitter
draws. This script runs a ladder of zones with lumped K = 1 (aligned and spread), K = 2,
4, 8, 16 and explicit (K = 0), each over ``--seeds`` seeds (seed s = 1..N; the phases
drawn differ between K for the same seed, so agreement is judged on the distribution
over seeds, not seed by seed), and for each zone and K reports:

- ``p``: the fraction of seeds whose flap cascades (a session reset no trigger caused);
- ``first``: the median time from the flap to the first cascaded reset (s), over the
  seeds that cascade;
- ``iso``: the median peak of isolated clients.

K agrees with explicit on a zone when |p - p_explicit| <= ``--tol-p`` (default 0.2, two
seeds in ten), the median first reset is within max(5 s, 10 %) of explicit's, and the
median isolation peak within max(2, 10 % of the zone's clients). The default K is the
smallest that agrees on every zone of the ladder.

The ladder (the flap: a spine's session to the first leaf RR of the shard under test,
at 30 s, 300 s simulated after it):

- ``appliance-50``, ``-200``, ``-800``: 2 FRR spines, a shard of 2 appliance RRs
  (shared CLUSTER_ID) with that many clients and a capacity of 530 units/s per client
  (so that each sits near its boundary, where phases decide: the appliance's 20,000
  units/s holds about 38 clients here, examples/keepalive-offsets.yaml), and an FRR
  shard of 300 clients;
- ``builtin``: the built-in zone (examples/fr-par-like.yaml), flap spine1~a-rr1;
- ``mixed-hold``: appliance-200's shard at hold 90 / keepalive 30 beside an FRR shard
  of 300 clients at hold 9 / keepalive 3;
- ``bird-300``, ``gobgp-300``: a shard of 2 BIRD (GoBGP) RRs and 300 clients beside an
  FRR shard of 100.

Usage: python benchmarks/cohort_ladder.py [--seeds N] [--only ZONE]... [--ks 1,2,4,8]
       [--jobs J] [--cap S]
Prints one Markdown table per zone and the chosen K; runs in child processes, each run
capped at ``--cap`` seconds (a capped run is reported, never silently dropped).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FLAP_T = 30
HORIZON = 300


def _shard(name: str, profile: str, clients: int, cluster: str = "per-rr",
           timers: str = "", capacity: int | None = None) -> str:
    extra = f", timers: {timers}" if timers else ""
    extra += f", rr_capacity: {capacity}" if capacity else ""
    return (f"  - {{name: {name}, rrs: 2, rr_profile: {profile}, cluster_id: {cluster}, "
            f"clients: {clients}, routes_per_client: 150{extra}}}\n")


def _zone(name: str, shards: str) -> str:
    return (f"zone: {name}\ntimers: {{hold: 90, keepalive: 30}}\nspines: {{count: 2}}\n"
            f"shards:\n{shards}")


def ladder() -> dict[str, tuple[str, str]]:
    """Zone name -> (zone text, flap)."""
    out: dict[str, tuple[str, str]] = {}
    for n in (50, 200, 800):
        out[f"appliance-{n}"] = (_zone(f"appliance-{n}",
                                       _shard("a", "appliance", n, "shared", capacity=530 * n)
                                       + _shard("b", "frr", 300)), "spine1~a-rr1")
    out["builtin"] = ((ROOT / "examples" / "fr-par-like.yaml").read_text(), "spine1~a-rr1")
    out["mixed-hold"] = (_zone("mixed-hold",
                               _shard("a", "appliance", 200, "shared", capacity=530 * 200)
                               + _shard("b", "frr", 300, timers="{hold: 9, keepalive: 3}")),
                         "spine1~a-rr1")
    for prof in ("bird", "gobgp"):
        out[f"{prof}-300"] = (_zone(f"{prof}-300", _shard("a", prof, 300)
                                    + _shard("b", "frr", 100)), "spine1~a-rr1")
    return out


def one(text: str, flap: str, k: int | None, phases: str, seed: int) -> dict[str, Any]:
    """One run: its cascade, first cascaded reset after the flap, isolation peak."""
    from bgpcascade.model.timing import Timing
    from bgpcascade.model.triggers import parse_flap
    from bgpcascade.model.zonefile import load_zone
    from bgpcascade.properties.runner import run

    zone = load_zone(text)
    t0 = time.perf_counter()
    r = run(zone, [parse_flap(zone, f"{flap}@{FLAP_T}")], Fraction(FLAP_T + HORIZON),
            timing=Timing(seed=seed, phases=phases, cohorts=k))  # type: ignore[arg-type]
    o = r.outcome
    first = min((e.t for e in o.cascade), default=None)
    return {"cascade": o.cascaded(), "first": None if first is None else
            float(first - FLAP_T), "iso": o.isolated_peak, "clients": o.clients,
            "wall": time.perf_counter() - t0, "nodes": len(r.sim.nodes)}


def _med(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--ks", default="1,2,4,8,16")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--cap", type=float, default=600.0)
    ap.add_argument("--tol-p", type=float, default=0.2)
    args = ap.parse_args()
    ks = [int(x) for x in args.ks.split(",")]
    zones = {k: v for k, v in ladder().items() if not args.only or k in args.only}
    configs: list[tuple[str, int | None, str]] = [("lockstep", 1, "aligned")]
    configs += [(f"K={k}", k, "spread") for k in ks] + [("explicit", 0, "spread")]
    agree: dict[int, bool] = dict.fromkeys(ks, True)
    with cf.ProcessPoolExecutor(args.jobs) as pool:
        for zname, (text, flap) in zones.items():
            futs = {(label, s): pool.submit(one, text, flap, k, ph, s)
                    for label, k, ph in configs for s in range(1, args.seeds + 1)}
            rows: dict[str, dict[str, Any]] = {}
            for label, _k, _ph in configs:
                runs = []
                for s in range(1, args.seeds + 1):
                    try:
                        runs.append(futs[(label, s)].result(timeout=args.cap))
                    except cf.TimeoutError:
                        print(f"{zname} {label} seed {s}: over {args.cap:.0f} s", file=sys.stderr)
                if not runs:
                    continue
                firsts = [r["first"] for r in runs if r["first"] is not None]
                rows[label] = {"p": sum(r["cascade"] for r in runs) / len(runs),
                               "first": _med(firsts), "iso": _med([r["iso"] for r in runs]),
                               "wall": _med([r["wall"] for r in runs]),
                               "nodes": runs[0]["nodes"], "n": len(runs),
                               "clients": runs[0]["clients"]}
            ex = rows.get("explicit")
            print(f"\n#### {zname} (flap {flap}@{FLAP_T}, {HORIZON} s, {args.seeds} seeds)\n")
            print("| model | nodes | p_cascade | median first cascaded reset (s) | "
                  "median isolated peak | median wall (s) | agrees with explicit |")
            print("|---|---:|---:|---:|---:|---:|---|")
            for label, k, _ph in configs:
                r = rows.get(label)
                if r is None:
                    print(f"| {label} | | | | | over cap | |")
                    continue
                ok = "" if ex is None or label == "explicit" else \
                    ("yes" if _agrees(r, ex, args.tol_p) else "no")
                if ex is not None and k in agree and label != "lockstep" and ok == "no":
                    agree[k] = False
                first = "-" if r["first"] is None else f"{r['first']:.1f}"
                print(f"| {label} | {r['nodes']} | {r['p']:.2f} | {first} | {r['iso']:g} | "
                      f"{r['wall']:.2f} | {ok} |")
            sys.stdout.flush()
    chosen = next((k for k in sorted(ks) if agree[k]), None)
    print(f"\nsmallest K agreeing on every zone: {chosen}")
    return 0


def _agrees(r: dict[str, Any], ex: dict[str, Any], tol_p: float) -> bool:
    """K's distribution against explicit's (module docstring's tolerance)."""
    if abs(r["p"] - ex["p"]) > tol_p:
        return False
    if (r["first"] is None) != (ex["first"] is None):
        return False
    if r["first"] is not None and abs(r["first"] - ex["first"]) > max(5.0, 0.1 * ex["first"]):
        return False
    return abs(r["iso"] - ex["iso"]) <= max(2.0, 0.1 * ex["clients"])


if __name__ == "__main__":
    sys.exit(main())
