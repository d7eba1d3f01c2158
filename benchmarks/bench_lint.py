"""Benchmark: load + lint of compact zones from 2,000 to 1,000,000 clients.

Target: a 20,000-client compact zone loads and lints in under 2 s on the
project's machine (2 cores). The baseline is the 2,000-client zone of the same shape,
measured in the same run; the ratio shows that the shard symmetry keeps lint independent
of the client count. Median of ``--repeat`` runs (default 5).

Usage: python benchmarks/bench_lint.py [--repeat N] [--markdown]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from datetime import date

from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.static import lint


def zone_text(clients: int, shards: int = 8) -> str:
    """A spine/leaf zone: 2 spines, ``shards`` shards, one holding 40% of the clients."""
    big = clients * 4 // 10
    rest = (clients - big) // (shards - 1)
    sizes = [big] + [rest] * (shards - 2) + [clients - big - rest * (shards - 2)]
    lines = ["zone: bench", "spines: {count: 2}", "shards:"]
    for i, n in enumerate(sizes):
        profile = "appliance" if i == 0 else "frr"
        lines.append(f"  - {{name: s{i}, rrs: 2, rr_profile: {profile}, clients: {n}, "
                     "routes_per_client: 150}")
    return "\n".join(lines) + "\n"


def measure(clients: int, repeat: int) -> float:
    """Median seconds of load + lint."""
    text = zone_text(clients)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        zone = load_zone(text)
        lint(zone)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    """Run and print a Markdown table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sizes = (2_000, 20_000, 200_000, 1_000_000)
    results = {n: measure(n, args.repeat) for n in sizes}
    base = results[2_000]
    print(f"## load + lint, {date.today()}, {platform.machine()}, "
          f"Python {platform.python_version()}, median of {args.repeat}\n")
    print("| clients | seconds | ratio to 2,000 |")
    print("|---:|---:|---:|")
    for n, t in results.items():
        print(f"| {n:,} | {t:.3f} | {t / base:.2f} |")
    print(f"\ntarget: 20,000 clients under 2 s: {'met' if results[20_000] < 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
