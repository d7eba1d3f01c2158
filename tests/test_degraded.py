"""Degraded runs: a backlog or a late reconvergence without resets (model/outcomes.py).

``simulate``'s ``degraded`` verdict and the default properties ``backlog_margin`` and
``reconverges_in_time`` (docs/model.md, "Degraded: backlog and reconvergence").
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from bgpcascade.cli import main
from bgpcascade.model.outcomes import BACKLOG_FRACTION, zone_bound
from bgpcascade.model.triggers import parse_flap, parse_pause
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.library import DEFAULT_PROPERTIES, parse_property
from bgpcascade.properties.runner import run

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MIXED = EXAMPLES / "mixed-fabric.yaml"

#: Two FRR RRs with headroom: a flap of one client session is absorbed at once.
HEADROOM = """zone: headroom
timers: {hold: 9, keepalive: 3, connect_retry: 5}
shards:
  - {name: a, rrs: 2, rr_profile: frr, clients: 20, routes_per_client: 50}
"""


def _simulate(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "run.json"
    assert main(["simulate", *args, "--json", str(out), "-q"]) == 0
    return json.loads(out.read_text())


def test_a_backlog_without_resets_is_degraded_not_contained(tmp_path: Path) -> None:
    s = _simulate(tmp_path, str(MIXED), "--flap", "spine1~frr-rr1@30")
    assert s["sessions_reset"] == 0 and s["clients_isolated_peak"] == 0
    assert s["verdict"] == "degraded"
    assert s["degraded_by"] == ["backlog", "reconvergence"]
    assert set(s["backlogged"]) == {"gobgp-rr1", "gobgp-rr2"}
    hold = 90
    assert all(s["peak_queue_delay_s"][k] > s["backlog_fraction"] * hold
               for k in s["backlogged"])
    bound = s["reconvergence_bound"]
    assert bound["total_s"] == pytest.approx(bound["trigger_s"] + bound["retry_s"]
                                             + bound["hold_s"] + bound["transfer_s"])
    assert s["reconvergence_judged"] is True
    # Late: reconverged, but after the bound (or not at all within the horizon).
    rc = s["reconverged_at_s"]
    assert rc is None or rc - 30 > bound["total_s"]


def test_check_fails_the_backlog_by_default_naming_it(tmp_path: Path) -> None:
    out = tmp_path / "check.json"
    rc = main(["check", str(MIXED), "--engine", "sim", "--flap", "spine1~frr-rr1@30",
               "--at", "30", "--out", str(tmp_path / "cx"), "--json", str(out), "-q"])
    assert rc == 1
    rows = {r["property"]: r for r in json.loads(out.read_text())["results"]}
    assert set(rows) == {parse_property(p).label for p in DEFAULT_PROPERTIES}
    assert rows["no_cascade"]["status"] == "HOLDS"
    assert rows["reconverges_in_time"]["status"] == "VIOLATED"
    assert rows["backlog_margin=0.5"]["status"] == "VIOLATED"
    detail = rows["backlog_margin=0.5"]["detail"]
    assert "-> degraded (queue delay beyond 0.5 x hold at gobgp-rr1, gobgp-rr2; " \
           "not reconverged within" in detail
    assert rows["backlog_margin=0.5"]["counterexample"]["verdict"] == "degraded"


def test_a_zone_with_headroom_still_holds(tmp_path: Path) -> None:
    zone_file = tmp_path / "headroom.yaml"
    zone_file.write_text(HEADROOM)
    out = tmp_path / "check.json"
    rc = main(["check", str(zone_file), "--engine", "sim", "--out", str(tmp_path / "cx"),
               "--json", str(out), "-q"])
    assert rc == 0, out.read_text()
    statuses = {r["property"]: r["status"] for r in json.loads(out.read_text())["results"]}
    assert statuses and set(statuses.values()) == {"HOLDS"}
    s = _simulate(tmp_path, str(zone_file), "--flap", "a-rr1~a-c1@30")
    assert s["verdict"] == "contained" and s["degraded_by"] == []


def test_the_bound_adds_the_triggers_time_retry_hold_and_one_table() -> None:
    zone = load_zone(HEADROOM, source="<test>")
    flap = parse_flap(zone, "a-rr1~a-c1@30")
    b = zone_bound(zone, [flap])
    assert b.trigger_s == 0
    assert b.retry_s == 5 + 1  # ConnectRetryTime 5 s + FRR's first IdleHoldTime 1 s
    assert b.hold_s == 9
    # FRR: (1 + 0.25 + 0.02) work per route, 20 x 50 routes, at 80,000 units/s.
    assert b.transfer_s == Fraction(127, 100) * 1000 / 80000
    pause = parse_pause(zone, "a-rr1:20@30")
    assert zone_bound(zone, [pause]).trigger_s == 20
    # The run computes the same bound from its own numbers.
    done = run(zone, [flap], Fraction(120))
    assert done.outcome.bound.total == b.total


def test_a_short_horizon_does_not_call_a_run_late(tmp_path: Path) -> None:
    s = _simulate(tmp_path, str(MIXED), "--flap", "spine1~frr-rr1@30", "--horizon", "200")
    assert s["reconvergence_judged"] is False
    assert "reconvergence" not in s["degraded_by"]
    assert s["verdict"] == "degraded" and s["degraded_by"] == ["backlog"]


def test_check_lengthens_its_default_horizon_to_reach_the_bound(tmp_path: Path) -> None:
    zone_file = tmp_path / "slow-timers.yaml"
    zone_file.write_text(HEADROOM.replace("hold: 9, keepalive: 3, connect_retry: 5",
                                          "hold: 240, keepalive: 80"))
    out = tmp_path / "check.json"
    assert main(["check", str(zone_file), "--engine", "sim", "--flap", "a-rr1~a-c1@30",
                 "--at", "30", "--json", str(out), "-q",
                 "--out", str(tmp_path / "cx")]) == 0
    horizon = json.loads(out.read_text())["bounds"]["horizon_s"]
    # 30 s + retry (120 + 1) + hold 240 + a fraction of a second of transfer.
    assert horizon == 30 + 121 + 240 + 1
    out2 = tmp_path / "check2.json"
    assert main(["check", str(zone_file), "--engine", "sim", "--flap", "a-rr1~a-c1@30",
                 "--at", "30", "--json", str(out2), "-q", "--horizon", "300",
                 "--out", str(tmp_path / "cx")]) == 0  # a given horizon is kept
    assert json.loads(out2.read_text())["bounds"]["horizon_s"] == 300


def test_backlog_margin_takes_a_fraction(tmp_path: Path) -> None:
    assert parse_property("backlog_margin").arg == BACKLOG_FRACTION
    assert parse_property("backlog_margin=0.9").arg == Fraction(9, 10)
    out = tmp_path / "check.json"
    # At 3 hold times the GoBGP backlog (about 2.7 of them) is within the margin.
    rc = main(["check", str(MIXED), "--engine", "sim", "--flap", "spine1~frr-rr1@30",
               "--at", "30", "--property", "backlog_margin=1", "--json", str(out), "-q",
               "--out", str(tmp_path / "cx")])
    assert rc == 1  # the GoBGP queue passes one hold time
    assert main(["check", str(MIXED), "--engine", "sim", "--flap", "spine1~frr-rr1@30",
                 "--at", "30", "--property", "no_cascade", "--json", str(out), "-q",
                 "--out", str(tmp_path / "cx")]) == 0
