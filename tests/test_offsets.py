"""Every offset (docs/model.md "Every offset"): check and search try each trigger at every
whole second of one KEEPALIVE cycle, with the Timing the flags give, and say so in their
bounds; ``--at`` pins the time. The simulator is the judge: every expectation here is
compared with runs of :func:`bgpcascade.properties.runner.run` made with the same Timing,
never with numbers written down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.params import Space
from bgpcascade.model.timing import DEFAULT_COHORTS, DEFAULT_SEED, Timing
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.engines.cascade_z3 import representative_flaps
from bgpcascade.properties.engines.offsets import Offsets, cycle_seconds, keepalive_of
from bgpcascade.properties.library import parse_property
from bgpcascade.properties.runner import run, run_at

ROOT = Path(__file__).resolve().parent.parent
OFFSETS_ZONE = ROOT / "examples" / "keepalive-offsets.yaml"
PROPS = [parse_property("no_cascade"), parse_property("no_zone_outage")]

#: Small zones (hold 30: a 10 s KEEPALIVE cycle), cheap enough to run at every offset.
SMALL = """\
zone: small-{name}
timers: {{hold: 30, keepalive: 10}}
shards:
  - {{name: a, rrs: 2, rr_profile: {profile}, cluster_id: shared, clients: 3,
     routes_per_client: {routes}}}
"""


def _small(tmp_path: Path, name: str, profile: str = "appliance", routes: int = 400) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(SMALL.format(name=name, profile=profile, routes=routes))
    return path


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bgpcascade", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_the_offsets_are_every_second_of_the_flapped_sessions_keepalive_cycle(
        tmp_path: Path) -> None:
    zone = load_zone(_small(tmp_path, "x").read_text(), source="x")
    flap = Trigger("flap", Fraction(30), "a-rr1", "a-rr2")
    assert keepalive_of(zone, flap) == 10 and cycle_seconds(zone, flap) == 10
    assert [t.t for t in Offsets().of(zone, flap)] == [30 + k for k in range(10)]
    assert Offsets(pinned=True).of(zone, flap) == [flap]
    spike = Trigger("spike", Fraction(40), "a-rr1", work=Fraction(100))
    assert [t.t for t in Offsets().of(zone, spike)] == [40 + k for k in range(10)]
    bounds = Offsets().bounds(zone, [flap])
    assert bounds == {"from_s": 0, "to_s": 9, "step_s": 1, "count": 10, "method": "grid"}
    assert Offsets(pinned=True).bounds(zone, [flap])["method"] == "pinned"


def test_check_bounds_name_the_offsets_and_the_timing(tmp_path: Path) -> None:
    zone = _small(tmp_path, "b", profile="frr", routes=10)
    r = _cli("check", str(zone), "--engine", "sim", "--flap", "a-rr1~a-rr2@20",
             "--horizon", "60", "--seed", "7", "--phases", "aligned", "--cohorts", "2",
             "--json", "r.json", "-q", "--jobs", "1", cwd=tmp_path)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    bounds = json.loads((tmp_path / "r.json").read_text())["bounds"]
    assert bounds["trigger_offsets"] == {"from_s": 0, "to_s": 9, "step_s": 1, "count": 10,
                                         "method": "grid"}
    assert (bounds["seed"], bounds["phases"], bounds["cohorts"]) == (7, "aligned", 2)
    assert bounds["triggers"] == ["flap a-rr1~a-rr2@20"] and bounds["paths"] == 10
    r = _cli("check", str(zone), "--engine", "sim", "--flap", "a-rr1~a-rr2@20",
             "--horizon", "60", "--json", "d.json", "-q", "--jobs", "1", cwd=tmp_path)
    bounds = json.loads((tmp_path / "d.json").read_text())["bounds"]
    assert (bounds["seed"], bounds["phases"], bounds["cohorts"]) == \
        (DEFAULT_SEED, "spread", DEFAULT_COHORTS)


def test_at_pins_the_time(tmp_path: Path) -> None:
    zone = _small(tmp_path, "p", profile="frr", routes=10)
    r = _cli("check", str(zone), "--engine", "sim", "--at", "25", "--horizon", "60",
             "--json", "r.json", "-q", "--jobs", "1", cwd=tmp_path)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    off = data["bounds"]["trigger_offsets"]
    assert off["method"] == "pinned" and off["count"] == 1 and off["at_s"] == 25
    flaps = representative_flaps(Space(zone.read_text(), str(zone)), Fraction(25))
    assert data["bounds"]["paths"] == len(flaps)
    assert [t["trigger"] for t in data["triggers_ranked"]] != [] and all(
        t["trigger"].split("@")[1].startswith("25") for t in data["triggers_ranked"])


@pytest.mark.parametrize("flags", [("--cohorts", "-1"), ("--phases", "sideways"),
                                   ("--seed", "x"), ("--seed", "-3")])
@pytest.mark.parametrize("command", ["check", "search", "explore", "review"])
def test_bad_timing_flags_are_one_line_and_exit_2(tmp_path: Path, command: str,
                                                   flags: tuple[str, str]) -> None:
    zone = _small(tmp_path, "e", profile="frr", routes=10)
    args = {"check": [str(zone)], "search": [str(zone), "--vary", "a.clients=2..4"],
            "explore": [], "review": [str(zone), "--out", "rv"]}[command]
    r = _cli(command, *args, *flags, "-q", cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_a_counterexample_names_its_offset_and_replays(tmp_path: Path) -> None:
    """On the zone whose verdict depends on the flap's time in the KEEPALIVE cycle, the
    sim engine answers VIOLATED exactly when a run at some offset (same Timing) violates,
    its counterexample's trigger is at such an offset, and its trace is that run."""
    horizon = Fraction(150)
    r = _cli("check", str(OFFSETS_ZONE), "--engine", "sim", "--flap", "spine1~a-rr1@30",
             "--horizon", str(horizon), "--json", "r.json", "-q", "--jobs", "2",
             cwd=tmp_path)
    data = json.loads((tmp_path / "r.json").read_text())
    zone = load_zone(OFFSETS_ZONE.read_text(), source=str(OFFSETS_ZONE))
    bad = [t for t in Offsets().of(zone, Trigger("flap", Fraction(30), "a-rr1", "spine1"))
           if run(zone, [t], horizon, props=PROPS, timing=Timing()).violated]
    assert (r.returncode == 1) == bool(bad), r.stdout + r.stderr
    if not bad:
        return
    cx = data["counterexample"]
    at = Fraction(cx["trigger"].split("@")[1])
    assert at in {t.t for t in bad}
    trace = json.loads((tmp_path / cx["trace"]).read_text())
    assert [Fraction(str(t["t"])) for t in trace["params"]["triggers"]] == [at]
    pinned = _cli("check", str(OFFSETS_ZONE), "--engine", "sim", "--flap",
                  f"spine1~a-rr1@{at}", "--at", str(at), "--horizon", str(horizon),
                  "--json", "p.json", "-q", "--jobs", "1", cwd=tmp_path)
    assert pinned.returncode == 1
    assert json.loads((tmp_path / "p.json").read_text())["counterexample"]["trigger"] == \
        cx["trigger"]


@pytest.mark.parametrize("routes", [400, 900])
def test_at_every_boundary_search_reports_every_offset_of_every_flap_is_contained(
        tmp_path: Path, routes: int) -> None:
    """The acceptance test: at the boundary ``search`` reports, a flap of each session
    group at each whole second of one KEEPALIVE cycle violates nothing (judged by the
    simulator with the same Timing), and the value past it has a counterexample that
    names its time and violates when run again."""
    zone_path = _small(tmp_path, f"s{routes}", routes=routes)
    horizon = Fraction(90)
    r = _cli("search", str(zone_path), "--vary", "a.clients=2..8", "--horizon",
             str(horizon), "--json", "s.json", "-q", "--jobs", "2", cwd=tmp_path)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    data = json.loads((tmp_path / "s.json").read_text())
    space = Space(zone_path.read_text(), str(zone_path))
    space.add("a.clients=2..8")
    flaps = representative_flaps(space, Fraction(30))
    off = data["bounds"]["trigger_offsets"]
    assert off["method"] == "grid" and off["count"] == 10
    if data["boundary"] is not None:
        assert off["checked_at_boundary"] == 10 * len(flaps)
        point = {"a.clients": data["boundary"]}
        for flap in flaps:
            for t in Offsets().of(space.zone, flap):
                assert not run_at(space, [t], point, horizon, props=PROPS,
                                  timing=Timing()).violated, (t.label(), point)
    cx = data["counterexample_detail"]
    if cx is not None:
        at = Fraction(cx["trigger"].split("@")[1])
        assert 30 <= at < 40
        trig = next(t for f in flaps for t in Offsets().of(space.zone, f)
                    if t.label() == cx["trigger"])
        assert run_at(space, [trig], cx["point"], horizon, props=PROPS,
                      timing=Timing()).violated


def test_a_count_split_into_cohorts_is_not_made_symbolic() -> None:
    """The Z3 engine's probes build the simulator with the run's Timing: a group split
    into K cohorts moves by whole members per cohort, not linearly, so its count is run
    concretely; with one cohort it stays symbolic. (Probing without the Timing once bound
    a cohort's count to the whole group's and the replay caught the disagreement.)"""
    from bgpcascade.properties.engines.linear import linearise

    space = Space(OFFSETS_ZONE.read_text(), str(OFFSETS_ZONE))
    space.add("a.clients=20..40")
    flap = Trigger("flap", Fraction(30), "spine1", "a-rr1")
    point = {"a.clients": 27}
    lumped = linearise(space, point, space.params, [flap], Timing(cohorts=1))
    assert any(k[0] == "node" and k[2] == "count" for k in lumped.coef)
    with pytest.raises(ValueError):
        linearise(space, point, space.params, [flap], Timing(cohorts=4))


def test_the_z3_search_runs_a_count_split_into_cohorts_concretely() -> None:
    """The search's symbolic run probes with its own Timing: at 27 clients in 4 cohorts
    it declines (NotSymbolic: the point runs in the plain simulator), and in one cohort
    its path replays event for event."""
    from bgpcascade.properties.engines.linear import NotSymbolic
    from bgpcascade.properties.engines.zone_search import ZoneSearch

    space = Space(OFFSETS_ZONE.read_text(), str(OFFSETS_ZONE))
    space.add("a.clients=20..40")
    flap = Trigger("flap", Fraction(30), "spine1", "a-rr1")
    point = {"a.clients": 27}
    split = ZoneSearch(space, [flap], PROPS, Fraction(200), timing=Timing(cohorts=4))
    with pytest.raises(NotSymbolic):
        split.run(flap, point)
    lumped = ZoneSearch(space, [flap], PROPS, Fraction(200), timing=Timing(cohorts=1))
    path = lumped.run(flap, point)
    lumped.replay(path, point)  # raises ReplayMismatch if the path and the run differ
