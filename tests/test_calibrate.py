"""`bgpcascade calibrate --frr` (docs/calibration.md): the fit on known numbers, and one real
calibration on the FRR lab (a small plan, about 40 s).

The real run needs Debian's FRR, like tests/test_lab.py (BGPCASCADE_NO_FRR=1 skips it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from bgpcascade.frr.calibrate import Burst, Unmeasured, cpu_seconds, fit, profile_yaml, t95
from bgpcascade.frr.lab import BGPD
from bgpcascade.model.errors import InputError
from bgpcascade.model.zonefile import load_zone

ROOT = Path(__file__).resolve().parent.parent


def _bursts(c0: float, rx: float, tx: float, peer: float,
            noise: tuple[float, ...] = ()) -> list[Burst]:
    out = []
    plan = [(k, n) for n in (5000, 15000, 30000) for k in (0, 4, 12)]
    for i, (k, n) in enumerate(plan):
        cpu = c0 + n * (rx + (tx if k else 0) + k * peer)
        out.append(Burst(k, n, cpu + (noise[i % len(noise)] if noise else 0.0), 2.0))
    return out


def test_the_fit_recovers_known_costs() -> None:
    f = fit(_bursts(0.004, 8e-6, 2e-6, 1e-7))
    assert f.rx == pytest.approx(8e-6) and f.tx == pytest.approx(2e-6)
    assert f.peer == pytest.approx(1e-7) and f.c0 == pytest.approx(0.004)
    assert f.r2 == pytest.approx(1.0) and f.max_residual_s == pytest.approx(0, abs=1e-12)
    # Model units: one unit is one received route.
    assert f.profile() == {"capacity": 125000, "cost_tx_route": 0.25,
                           "cost_tx_peer_route": 0.0125}


def test_a_cost_hidden_in_the_noise_is_not_written() -> None:
    """Sending that costs nothing measurable (FRR's update-groups with routes that share
    their attributes, as in the lab): the profile keeps the frr estimates for it."""
    noise = (0.01, -0.012, 0.008, -0.005, 0.011, -0.009, 0.004)
    f = fit(_bursts(0.002, 8e-6, 0.0, 0.0, noise))
    assert f.measured("rx") and not f.measured("tx") and not f.measured("peer")
    assert set(f.profile()) == {"capacity"}
    assert 0.9 < f.r2 < 1.0 and f.max_residual_s == pytest.approx(0.012, abs=0.01)
    text = profile_yaml(f, "frr-here", version="bgpd version 8.4.4", cpu="Test CPU")
    assert "# cost_tx_route: not told apart from 0" in text
    zone = load_zone(text + "speakers:\n  - {name: rr1, profile: frr-here}\n"
                     "  - {name: c1, routes: 10}\nsessions:\n  - {rr: rr1, client: c1}\n"
                     "zone: z\n", source="z.yaml")
    p = zone.profiles["frr-here"]
    assert p.capacity == f.profile()["capacity"] and p.cost_tx_route == 0.25  # frr's


def test_a_plan_that_cannot_separate_the_costs_is_refused() -> None:
    only_some = [b for b in _bursts(0.0, 8e-6, 1e-6, 1e-7) if b.peers in (0, 4)]
    with pytest.raises(InputError, match="two counts > 0"):
        fit(only_some)
    flat = [Burst(k, 5000, 0.05, 1.0) for k in (0, 4, 12)]
    with pytest.raises(InputError, match="two route counts"):
        fit(flat)
    no_rx = fit(_bursts(0.05, 0.0, 0.0, 0.0, (0.01, -0.01, 0.02)))
    with pytest.raises(Unmeasured, match="reception cost"):
        no_rx.profile()
    assert no_rx.as_json()["profile"] is None and len(no_rx.as_json()["bursts"]) == 9


def test_the_bound_is_students_t_for_the_bursts_at_hand() -> None:
    """With few bursts the 95% bound is wider than 2 SE (t = 4.30 at 2 degrees of
    freedom), so three noisy sizes cannot pass for a measurement."""
    assert t95(2) == pytest.approx(4.303) and t95(23) == pytest.approx(2.086)
    assert t95(1000) == pytest.approx(1.98) and t95(0) == float("inf")
    f = fit(_bursts(0.004, 8e-6, 2e-6, 1e-7, (0.003, -0.002, 0.001, -0.004)))
    assert f.bound("tx") == pytest.approx(t95(len(f.bursts) - 4) * f.se[2])


def test_cpu_time_of_this_process_grows() -> None:
    before = cpu_seconds(os.getpid())
    sum(i * i for i in range(300_000))
    assert cpu_seconds(os.getpid()) > before


@pytest.mark.frr_lab
@pytest.mark.skipif(not Path(BGPD).exists() and os.environ.get("BGPCASCADE_NO_FRR") == "1",
                    reason="BGPCASCADE_NO_FRR=1")
def test_calibrate_on_the_lab_writes_a_profile_zones_can_use(tmp_path: Path) -> None:
    if not Path(BGPD).exists():
        pytest.fail(f"{BGPD} is missing: apt-get install -y frr (or BGPCASCADE_NO_FRR=1)")
    r = subprocess.run([sys.executable, "-m", "bgpcascade", "calibrate", "--frr",
                        "--routes", "5000,20000", "--peers", "0,1,2", "--repeat", "2",
                        "--out", "p.yaml", "--json", "fit.json", "--name", "frr-ci", "-q"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=600,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "per route received" in r.stdout and "R^2" in r.stdout
    data = json.loads((tmp_path / "fit.json").read_text())
    assert len(data["bursts"]) == 12 and data["measured"]["rx"] is True
    # FRR takes in routes at tens of thousands to a few hundred thousand per second.
    assert 2e-6 < data["rx_s_per_route"] < 1e-4
    assert data["profile"]["capacity"] == round(1 / data["rx_s_per_route"])
    block = yaml.safe_load((tmp_path / "p.yaml").read_text())
    assert block["profiles"]["frr-ci"]["base"] == "frr"
    zone_text = (tmp_path / "p.yaml").read_text() + (
        "zone: calibrated\nspeakers:\n  - {name: rr1, profile: frr-ci}\n"
        "  - {name: c1, routes: 10}\nsessions:\n  - {rr: rr1, client: c1}\n")
    (tmp_path / "z.yaml").write_text(zone_text)
    lint = subprocess.run([sys.executable, "-m", "bgpcascade", "lint", "z.yaml", "-q"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert lint.returncode == 0, lint.stdout + lint.stderr
    left = list(Path(tempfile.gettempdir()).glob("bgpcascade-lab-*"))
    assert not left, f"a lab directory was left: {left}"


def test_calibrate_bad_input_is_one_line(tmp_path: Path) -> None:
    for args, says in ((["--routes", "5000"], "--routes"),  # refused by the fit's needs
                       (["--routes", "abc"], "--routes"),
                       (["--peers", "0,99"], "--peers"),
                       (["--repeat", "0"], "--repeat"),
                       (["--name", "-x"], "--name"),
                       (["--out", "/proc/nope/p.yaml"], "--out"),  # before any burst
                       (["--json", str(tmp_path)], "--json")):
        r = subprocess.run([sys.executable, "-m", "bgpcascade", "calibrate", "--frr", *args],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, (args,
                                                                               r.stderr)
        assert says in r.stderr
