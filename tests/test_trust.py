"""Trust (docs/validation.md): the same input gives the same bytes whatever the hash seed, the tool
writes only where it is told, and runs that would take hours are refused up front.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ZONE = ROOT / "tests" / "examples" / "unsafe" / "appliance-shard-cascade.yaml"


def _run(args: list[str], cwd: Path, seed: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bgpcascade", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT),
                               "PYTHONHASHSEED": seed})


def test_outputs_are_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    """Traces, JSON, JUnit, drawings and imported zones, each made twice under two
    PYTHONHASHSEED values: set and dict orders must not leak into any output."""
    jobs = [
        (["simulate", str(ZONE), "--flap", "spine1~b-rr1@30", "--horizon", "300",
          "--trace", "trace.json", "--json", "sim.json", "-q"], ["trace.json", "sim.json"]),
        (["lint", str(ZONE), "--json", "lint.json", "-q"], ["lint.json"]),
        (["check", str(ZONE), "--engine", "sim", "--junit", "junit.xml", "--json",
          "check.json", "-q"], ["check.json"]),
        (["render", "trace.json", "--out", "frames", "-q"], ["frames/explorer.html"]),
        (["import", "frr", str(ROOT / "tests" / "import" / "dynamic"), "--dynamic",
          "198.51.100.0/24=20", "--out", "imported.yaml", "-q"], ["imported.yaml"]),
    ]
    seen: dict[str, bytes] = {}
    for seed in ("0", "4242"):
        d = tmp_path / seed
        d.mkdir()
        for args, outputs in jobs:
            p = _run(args, d, seed)
            assert p.returncode in (0, 1), (args, p.stderr)
            for out in outputs:
                data = (d / out).read_bytes()
                if out in seen:
                    assert data == seen[out], f"{out} differs between hash seeds"
                seen[out] = data
    junit = [(tmp_path / s / "junit.xml").read_text() for s in ("0", "4242")]
    strip = [j.split('time="')[0] for j in junit]  # JUnit records wall time, nothing else
    assert strip[0] == strip[1]


@pytest.mark.parametrize("args, says", [
    (["simulate", "Z", "--horizon", "1e7", "--flap", "spine1~b-rr1@30"], "--horizon"),
    (["simulate", "Z", "--horizon", "600", "--dt", "0.0001"], "horizon/dt"),
    (["simulate", "HUGE", "--explicit", "--flap", "spine1~a-rr1@30"], "--explicit"),
])
def test_runs_that_would_take_hours_are_refused(tmp_path: Path, args: list[str],
                                                says: str) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_text("zone: huge\nspines: {count: 2}\nshards:\n"
                    "  - {name: a, rrs: 2, clients: 1000000, routes_per_client: 10}\n")
    args = [str(ZONE) if a == "Z" else str(huge) if a == "HUGE" else a for a in args]
    p = _run(args, tmp_path, "0")
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert says in p.stderr


def test_outputs_never_overwrite_inputs_or_land_outside_out(tmp_path: Path) -> None:
    zone = tmp_path / "z.yaml"
    zone.write_text(ZONE.read_text())
    before = zone.read_bytes()
    for args, flag in ((["simulate", str(zone), "--flap", "spine1~b-rr1@30", "--trace",
                         str(zone)], ""),
                       (["lint", str(zone), "--json", str(zone)], ""),
                       (["render", str(zone), "--out", str(zone)], "--out"),
                       (["review", str(zone), "--out", "/etc"], "--out"),
                       (["review", str(zone), "--out", str(zone)], "--out")):
        p = _run(args, tmp_path, "0")
        assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, (args,
                                                                              p.stderr)
        assert flag in p.stderr
        assert zone.read_bytes() == before
    # A render writes under --out only.
    listing = sorted(x.name for x in tmp_path.iterdir())
    p = _run(["render", str(zone), "--out", "drawn", "-q"], tmp_path, "0")
    assert p.returncode == 0, p.stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == sorted([*listing, "drawn"])


def test_a_million_clients_in_compact_form_run_in_bounded_time_and_memory(
        tmp_path: Path) -> None:
    """Lumped, a million clients are one group: lint, show and a 300-s simulation each
    finish (the benchmarks time them: under a second, about 70 MB)."""
    huge = tmp_path / "huge.yaml"
    huge.write_text("zone: huge\nspines: {count: 2}\nshards:\n"
                    "  - {name: a, rrs: 2, clients: 1000000, routes_per_client: 10}\n")
    for args in (["lint", str(huge), "-q"], ["show", str(huge), "-q"],
                 ["simulate", str(huge), "--flap", "spine1~a-rr1@30", "--horizon", "300",
                  "-q"]):
        p = _run(args, tmp_path, "0")
        assert p.returncode in (0, 1), (args, p.stderr)


@pytest.mark.parametrize("args", [
    ["check", "SAFE", "--engine", "z3", "--vary", "a.clients=2..300", "--timeout", "0.01"],
    ["check", "SAFE", "--engine", "hypothesis", "--vary", "a.clients=2..300", "--budget",
     "0.01"],
    ["search", "SAFE", "--vary", "a.clients=2..300", "--timeout", "0.01"],
])
def test_a_budget_that_runs_out_is_unknown_never_holds(tmp_path: Path,
                                                       args: list[str]) -> None:
    safe = ROOT / "tests" / "examples" / "safe" / "two-tier-shared-cluster.yaml"
    p = _run([str(safe) if a == "SAFE" else a for a in args] + ["-q"], tmp_path, "0")
    assert p.returncode == 3, (args, p.stdout[-500:], p.stderr[-500:])
    assert "UNKNOWN" in p.stdout
