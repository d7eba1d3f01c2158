"""Benchmark: `import frr` at scale, and whether the imported zone costs what the compact
form costs (docs/import.md; docs/model.md, "Zone, groups and symmetry").

For N hypervisors (EVPN, two RRs with a peer-group, as tests/import/evpn-cluster): write
N + 2 configurations, then measure (median of ``--repeat``):
(a) `bgpcascade import frr DIR --out zone.yaml` (wall, whole CLI);
(b) `bgpcascade lint` and (c) `bgpcascade simulate --flap rr1~<hv>@30 --horizon 300` of the
    imported zone;
against the baseline measured in the same run: (b) and (c) of the compact zone with the
same shape (one shard, 2 RRs, N clients, same timers and routes).

Usage: python benchmarks/bench_import.py [--clients 100,1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(argv: list[str], cwd: Path) -> float:
    """Wall seconds of one CLI run (it must exit 0 or 1)."""
    start = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "bgpcascade", *argv], cwd=cwd,
                       capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    if p.returncode not in (0, 1):
        raise SystemExit(f"{argv}: exit {p.returncode}: {p.stderr.strip()}")
    return time.perf_counter() - start


def write_configs(d: Path, n: int) -> None:
    """Two RRs with a peer-group of N hypervisors, and the N hypervisors."""
    d.mkdir(parents=True)
    hv_addr = [f"10.{1 + i // 250}.{i % 250 // 250}.{i % 250 + 1}" for i in range(n)]
    for i in (1, 2):
        lines = [f"hostname rr{i}", "router bgp 65000", f" bgp router-id 10.0.0.{i}",
                 " bgp cluster-id 10.0.0.100", " timers bgp 10 30", " neighbor HV peer-group",
                 " neighbor HV remote-as internal", " neighbor HV timers connect 5",
                 *(f" neighbor {a} peer-group HV" for a in hv_addr),
                 f" neighbor 10.0.0.{3 - i} remote-as internal",
                 f" neighbor 10.0.0.{3 - i} timers connect 5",
                 " address-family l2vpn evpn", "  neighbor HV route-reflector-client",
                 " exit-address-family", "exit", ""]
        (d / f"rr{i}.conf").write_text("\n".join(lines))
    for k, a in enumerate(hv_addr, 1):
        (d / f"hv{k}.conf").write_text("\n".join([
            f"hostname hv{k}", "router bgp 65000", f" bgp router-id {a}", " timers bgp 10 30",
            " neighbor 10.0.0.1 remote-as internal", " neighbor 10.0.0.1 timers connect 5",
            " neighbor 10.0.0.2 remote-as internal", " neighbor 10.0.0.2 timers connect 5",
            " address-family l2vpn evpn", "  advertise-all-vni", " exit-address-family",
            "exit", ""]))


def main() -> None:
    """Run (a)-(c) and the baseline; print a Markdown section for RESULTS.md."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", default="100,1000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print("## import frr, x86_64, 2 CPUs\n")
    print("| hypervisors | import | lint imported / compact | simulate imported / compact "
          "| ratio simulate |")
    print("|---|---|---|---|---|")
    for n in (int(x) for x in args.clients.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            t = Path(tmp)
            write_configs(t / "configs", n)
            (t / "compact.yaml").write_text(
                "zone: compact\ntimers: {hold: 30, keepalive: 10, connect_retry: 5}\n"
                f"shards: [{{name: a, rrs: 2, clients: {n}, routes_per_client: 50, "
                "cluster_id: shared}]\n")
            imp = [timed(["import", "frr", "configs", "--out", "zone.yaml", "--routes",
                          "hv*=50", "-q"], t) for _ in range(args.repeat)]
            lint_i = [timed(["lint", "zone.yaml", "-q"], t) for _ in range(args.repeat)]
            lint_c = [timed(["lint", "compact.yaml", "-q"], t) for _ in range(args.repeat)]
            sim_i = [timed(["simulate", "zone.yaml", "--flap", "rr1~hv1@30", "--horizon",
                            "300", "-q"], t) for _ in range(args.repeat)]
            sim_c = [timed(["simulate", "compact.yaml", "--flap", "a-rr1~a-c1@30",
                            "--horizon", "300", "-q"], t) for _ in range(args.repeat)]
            m = statistics.median
            print(f"| {n:,} | {m(imp):.2f} s | {m(lint_i):.2f} / {m(lint_c):.2f} s | "
                  f"{m(sim_i):.2f} / {m(sim_c):.2f} s | {m(sim_i) / m(sim_c):.2f} |")
    print(f"\nmedian of {args.repeat}; wall time of the whole CLI process each.")


if __name__ == "__main__":
    main()
