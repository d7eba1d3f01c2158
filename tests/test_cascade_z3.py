"""The Z3 cascade search (docs/model.md): the symbolic run is the simulator's own step.

- Conformance: a symbolic run's path condition is exact. At any other point Z3 finds in
  the region, the plain simulator takes the same events at the times the symbolic terms
  give (ZoneSearch.replay raises otherwise), and judges the properties alike.
- Boundaries equal a plain simulator scan over the same range.
- Golden zones through the CLI: VIOLATED with a trace that replays, HOLDS with its bounds,
  UNKNOWN (exit 3) when the budget is too small, one-line errors (exit 2).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bgpcascade.model.dynamics import Sim, Trigger
from bgpcascade.model.outcomes import Outcome
from bgpcascade.model.params import Space
from bgpcascade.model.trace import Recorder
from bgpcascade.properties.engines import cascade_z3
from bgpcascade.properties.engines.cascade_z3 import (
    ZoneSearch,
    boundary,
    exists_violation,
    representative_flaps,
)
from bgpcascade.properties.engines.symbolic import Sym, recording
from bgpcascade.properties.library import parse_property

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "tests" / "examples"
FULL = os.environ.get("BGPCASCADE_FULL_HYPOTHESIS") == "1"
PROPS = [parse_property("no_cascade"), parse_property("no_zone_outage")]


def _zone(shards: list[tuple[int, int, str, int | None]], hold: int, spines: bool) -> str:
    lines = ["zone: z", f"timers: {{hold: {hold}, connect_retry: 5}}"]
    if spines:
        lines.append("spines: {count: 2, profile: frr}")
    lines.append("shards:")
    for i, (clients, routes, profile, cap) in enumerate(shards):
        extra = f", rr_capacity: {cap}" if cap else ""
        lines.append(f"  - {{name: s{i}, rrs: 2, rr_profile: {profile}, clients: {clients}, "
                     f"routes_per_client: {routes}{extra}}}")
    return "\n".join(lines) + "\n"


shard = st.tuples(st.integers(2, 6), st.integers(1, 40),
                  st.sampled_from(["frr", "appliance"]),
                  st.sampled_from([None, 200, 1000]))
zones = st.builds(_zone, st.lists(shard, min_size=1, max_size=2),
                  st.sampled_from([9, 30, 90]), st.booleans())


def _engine(text: str, vary: str, trigger: Trigger, horizon: int = 120) -> ZoneSearch:
    space = Space(text, "gen.yaml")
    space.add(vary)
    return ZoneSearch(space, [trigger], PROPS, Fraction(horizon), timeout=600)


def _flap(text: str, seed: int) -> Trigger:
    space = Space(text, "gen.yaml")
    from bgpcascade.properties.engines.cascade_z3 import representative_flaps

    flaps = representative_flaps(space, Fraction(10))
    return flaps[seed % len(flaps)]


@settings(max_examples=40 if FULL else 8, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(zones, st.sampled_from(["s0.clients=2..40", "s0.routes_per_client=1..60",
                               "s0.rr_capacity=100..5000", "hold=6..120"]),
       st.integers(0, 50), st.data())
def test_path_condition_is_exact(text: str, vary: str, seed: int, data: st.DataObject) -> None:
    """Any point of a path's region replays the symbolic events exactly (conformance)."""
    eng = _engine(text, vary, _flap(text, seed))
    p = eng.space.params[0]
    x0 = data.draw(st.integers(p.lo, p.hi), label="point")
    path = eng.run(eng.triggers[0], {p.name: x0})
    x = eng.xs[p.name]
    s = z3.Solver()
    s.add(x >= p.lo, x <= p.hi, x != x0, path.pc.formula(eng.xs))
    others = [x0]
    if s.check() == z3.sat:
        others.append(s.model()[x].as_long())
    for v in others:
        eng.replay(path, {p.name: v})  # raises ReplayMismatch on any difference


@settings(max_examples=10 if FULL else 3, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(zones, st.sampled_from(["s0.clients=2..14", "s0.rr_capacity=100..160"]),
       st.integers(0, 50))
def test_boundary_equals_a_simulator_scan(text: str, vary: str, seed: int) -> None:
    """The boundary is the last safe value before the first violating one, walking from
    the safe end, exactly as a value-by-value simulator scan finds it."""
    trig = _flap(text, seed)
    eng = _engine(text, vary, trig)
    p = eng.space.params[0]
    res = boundary(eng, p)
    assert res.status == "HOLDS"
    step = 1 if p.worse == "up" else -1
    expected = None
    for v in range(p.safe_end, (p.hi if step == 1 else p.lo) + step, step):
        sim = Sim(eng.space.zone_at({p.name: v}), [trig])
        rec = Recorder(sim, eng.horizon, Fraction(1))
        rec.run()
        out = Outcome.of(rec)
        if not all(s.holds(out) for s in PROPS):
            break
        expected = v
    assert res.boundary == expected


def _wrong_guesses() -> list[Any]:
    """Interval guesses that are wrong in each way a bug could make them: too early, too
    late (the range's end), none at all."""
    return [lambda pc, name, start, end, step: (start + step, True),
            lambda pc, name, start, end, step: (end, True),
            lambda pc, name, start, end, step: (None, True)]


@settings(max_examples=6 if FULL else 2, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(zones, st.sampled_from(["s0.clients=2..14", "s0.rr_capacity=100..160",
                               "s0.clients=2..30/4"]), st.integers(0, 50))
def test_a_wrong_interval_guess_costs_solver_calls_never_a_boundary(
        text: str, vary: str, seed: int) -> None:
    """The next value outside a path's region is first guessed from the path's bounds
    (``_interval_guess``), and Z3 then checks the guess before it is used: a wrong guess
    costs solver calls, never a wrong boundary. (Why mutation testing's survivors in
    that guess are equivalent for every verdict: docs/validation.md.)"""
    trig = _flap(text, seed)
    _assert_guess_free(text, vary, trig)


def _assert_guess_free(text: str, vary: str, trig: Trigger) -> int:
    """The boundary with each wrong guess equals the real one; returns how often the
    guess was asked (a range the simulator scans, or one path wide, asks none)."""
    p = _engine(text, vary, trig).space.params[0]
    real = boundary(_engine(text, vary, trig), p)
    asked = 0
    for wrong in _wrong_guesses():
        eng = _engine(text, vary, trig)
        spy = mock.Mock(side_effect=wrong)
        with mock.patch.object(cascade_z3, "_interval_guess", spy):
            res = boundary(eng, eng.space.params[0])
        assert (res.status, res.boundary) == (real.status, real.boundary)
        asked += spy.call_count
    return asked


def test_a_wrong_interval_guess_on_the_safe_golden_zone() -> None:
    """The same on a zone and range where the walk does ask the guess (three paths)."""
    text = (EXAMPLES / "safe" / "two-tier-shared-cluster.yaml").read_text()
    trig = Trigger("flap", Fraction(30), "spine1", "b-rr1")
    assert _assert_guess_free(text, "a.rr_capacity=1000..80000/1000", trig) > 0


def test_the_appliance_boundary_is_found_and_replays() -> None:
    text = (EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml").read_text()
    eng = _engine(text, "a.clients=2..300", Trigger("flap", Fraction(30), "spine1", "b-rr1"),
                  horizon=300)
    res = boundary(eng, eng.space.params[0])
    assert res.status == "HOLDS" and res.boundary is not None and res.boundary < 300
    cx = res.counterexample
    assert cx is not None and cx.point == {"a.clients": res.boundary + 1}
    assert cx.trace is not None and cx.trace["summary"]["verdict"] != "contained"


def test_exists_finds_the_counterexample_and_minimises_it() -> None:
    text = (EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml").read_text()
    eng = _engine(text, "a.clients=200..300", Trigger("flap", Fraction(30), "spine1",
                                                      "b-rr1"), horizon=300)
    f = exists_violation(eng)
    assert f.status == "VIOLATED" and f.point is not None and f.trace is not None
    assert 200 <= f.point["a.clients"] <= 300
    # Minimised inside the violating region: no smaller point of that region exists, and
    # the trace replays through the CLI.
    assert f.trace["summary"]["verdict"] in ("cascade", "zone-outage")


def test_a_budget_that_is_too_small_is_unknown_never_holds() -> None:
    text = (EXAMPLES / "safe" / "two-tier-shared-cluster.yaml").read_text()
    space = Space(text, "x.yaml")
    from bgpcascade.properties.engines.cascade_z3 import representative_flaps

    eng = ZoneSearch(space, representative_flaps(space, Fraction(30)), PROPS, Fraction(300),
                 timeout=1e-6)
    assert exists_violation(eng).status == "UNKNOWN"


def test_symbolic_numbers_refuse_unrecorded_decisions() -> None:
    s = Sym(Fraction(3), {(): Fraction(0), ("x",): Fraction(1)})
    with pytest.raises(TypeError):
        hash(s)
    with pytest.raises(TypeError):
        int(s)
    with pytest.raises(RuntimeError):
        bool(s < 5)  # a decision outside recording()
    with recording({"x": z3.Int("x")}) as pc:
        assert s < 5 and not s > 4 and s == 3
    assert pc.decisions == 3  # x < 5, then x <= 4 tightens it, and x == 3
    assert pc.upper == {"x": (Fraction(4), False)} and pc.equal == {"x": {Fraction(3)}}
    sol = z3.Solver()
    sol.add(pc.formula({"x": z3.Int("x")}))
    assert sol.check() == z3.sat and sol.model()[z3.Int("x")].as_long() == 3


# -- the CLI ---------------------------------------------------------------------------------
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bgpcascade", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_check_unsafe_golden_zone_is_violated_and_the_trace_replays(tmp_path: Path) -> None:
    zone = EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml"
    r = _cli("check", str(zone), "--out", "out", "--json", "r.json", "-q", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["status"] == "VIOLATED"
    cx = data["counterexample"]
    assert (tmp_path / cx["zone"]).exists() and (tmp_path / cx["trace"]).exists()
    r2 = _cli("simulate", "--replay", cx["trace"], "-q", cwd=tmp_path)
    assert r2.returncode == 0 and "identical" in r2.stdout


def test_check_safe_golden_zone_holds_with_its_bounds(tmp_path: Path) -> None:
    zone = EXAMPLES / "safe" / "two-tier-shared-cluster.yaml"
    r = _cli("check", str(zone), "--json", "r.json", "-q", "--horizon", "200",
             cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["status"] == "HOLDS" and data["counterexample"] is None
    b = data["bounds"]
    assert b["horizon_s"] == 200 and len(b["triggers"]) == 13 and b["events_max"] > 0
    assert "HOLDS" in r.stdout and "horizon 200 s" in r.stdout


def test_check_with_a_tiny_budget_exits_3(tmp_path: Path) -> None:
    zone = EXAMPLES / "safe" / "two-tier-shared-cluster.yaml"
    r = _cli("check", str(zone), "--timeout", "0.000001", "-q", cwd=tmp_path)
    assert r.returncode == 3 and "UNKNOWN" in r.stdout


def test_search_json_contract(tmp_path: Path) -> None:
    zone = EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml"
    r = _cli("search", str(zone), "--vary", "a.clients=2..400", "--flap", "spine1~b-rr1@30",
             "--json", "s.json", "-q", cwd=tmp_path)
    data = json.loads((tmp_path / "s.json").read_text())
    for key in ("vary", "lo", "hi", "current", "boundary", "headroom_percent", "engine",
                "bounds", "counterexample"):
        assert key in data
    assert data["vary"] == "a.clients" and data["lo"] == 2 and data["hi"] == 400
    assert data["current"] == 300 and data["engine"] in ("z3", "z3+sim-scan", "sim-scan")
    assert data["bounds"]["triggers"] == ["flap b-rr1~spine1@30"]
    assert data["boundary"] is not None and data["boundary"] < 300  # the golden is unsafe
    assert r.returncode == 1 and data["headroom_percent"] < 0
    assert data["counterexample"] and (tmp_path / data["counterexample"]).exists()
    assert "a.clients: 300 clients, safe up to" in r.stdout and "over by" in r.stdout
    # The whole range safe, the current value outside it: unknown, not "over".
    r = _cli("search", str(zone), "--vary", "a.clients=2..5", "--flap", "spine1~b-rr1@30",
             "--json", "t.json", "-q", cwd=tmp_path)
    data = json.loads((tmp_path / "t.json").read_text())
    if data["boundary"] == 5:
        assert r.returncode == 3 and data["headroom_percent"] is None


@pytest.mark.parametrize("args, needle", [
    (["search", "{z}"], "--vary"),
    (["search", "{z}", "--vary", "a.clients=1..3", "--vary", "hold=9..90"], "exactly one"),
    (["check", "{z}", "--vary", "a.bogus=1..3"], "unknown parameter"),
    (["check", "{z}", "--vary", "zz.clients=1..3"], "no shard or speaker"),
    (["check", "{z}", "--vary", "a.clients=9..3"], "9 > 3"),
    (["check", "{z}", "--vary", "hold=1..90"], "hold=1"),
    (["check", "{z}", "--property", "nope"], "unknown property"),
    (["check", "{z}", "--property", "no_zone_outage=2"], "(0, 1]"),
    (["check", "{z}", "--engine", "sim", "--vary", "a.clients=2..3"], "--engine z3"),
    (["check", "{z}", "--timeout", "0"], "--timeout"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], needle: str) -> None:
    zone = str(EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml")
    r = _cli(*[a.replace("{z}", zone) for a in args], "-q", cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr


@settings(max_examples=6 if FULL else 2, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(zones, st.sampled_from(["s0.clients=2..30/4", "s0.rr_capacity=100..700/50",
                               "hold=9..120/7"]), st.integers(0, 50))
def test_grid_boundary_equals_a_scan_of_the_grid(text: str, vary: str, seed: int) -> None:
    """With /STEP the walk visits the safe end +- k * STEP, and finds what a scan of those
    values finds (with plain runs in two worker processes: the answer is the same)."""
    trig = _flap(text, seed)
    eng = _engine(text, vary, trig)
    eng.jobs = 2
    p = eng.space.params[0]
    try:
        res = boundary(eng, p)
    finally:
        eng.close()
    assert res.status == "HOLDS"
    step = p.step if p.worse == "up" else -p.step
    values = range(p.safe_end, (p.hi + 1) if step > 0 else (p.lo - 1), step)
    expected = None
    for v in values:
        sim = Sim(eng.space.zone_at({p.name: v}), [trig])
        rec = Recorder(sim, eng.horizon, Fraction(1))
        rec.run()
        if not all(s.holds(Outcome.of(rec)) for s in PROPS):
            break
        expected = v
    assert res.boundary == expected
    assert res.boundary is None or p.on_grid(res.boundary)


def test_check_engine_sim_ranks_every_flap_worst_first(tmp_path: Path) -> None:
    zone = EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml"
    r = _cli("check", str(zone), "--engine", "sim", "--json", "r.json", "-q",
             "--horizon", "200", cwd=tmp_path)
    assert r.returncode == 1
    data = json.loads((tmp_path / "r.json").read_text())
    ranked = data["triggers_ranked"]
    assert len(ranked) == len(data["bounds"]["triggers"]) == 19
    sizes = [(t["cascade_sessions"], t["clients_isolated_peak"]) for t in ranked]
    assert sizes == sorted(sizes, reverse=True) and sizes[0][0] > 0
    assert data["counterexample"]["trigger"] == ranked[0]["trigger"]
    assert "worst single flaps" in r.stdout


def _golden_simulations() -> list[tuple[str, list[str], str]]:
    import yaml

    manifest = yaml.safe_load((EXAMPLES / "expected.yaml").read_text())
    return [(name, entry["simulate"]["args"], entry["simulate"]["verdict"])
            for name, entry in sorted(manifest.items())
            if "simulate" in entry and entry.get("check", True)]


@pytest.mark.parametrize("name, args, verdict", _golden_simulations())
def test_check_agrees_with_every_golden_simulation(tmp_path: Path, name: str,
                                                   args: list[str], verdict: str) -> None:
    """check --engine z3 on each golden zone's scenario: HOLDS where the golden run is
    contained, VIOLATED (and replayable) where it cascades."""
    r = _cli("check", str(EXAMPLES / name), *args, "--json", "r.json", "-q", cwd=tmp_path)
    data = json.loads((tmp_path / "r.json").read_text())
    if verdict == "contained":
        assert r.returncode == 0 and data["status"] == "HOLDS"
    else:
        assert r.returncode == 1 and data["status"] == "VIOLATED"
        assert data["counterexample"]["verdict"] == verdict
        r2 = _cli("simulate", "--replay", data["counterexample"]["trace"], "-q", cwd=tmp_path)
        assert r2.returncode == 0


def test_the_largest_safe_spike_equals_a_scan() -> None:
    """--vary spike: the work of a spike trigger is a parameter like the others (the
    symbolic run makes the trigger's work a term)."""
    text = (EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml").read_text()
    space = Space(text, "x.yaml")
    spike = Trigger("spike", Fraction(30), "a-rr1", work=Fraction(100000))
    p = space.add("spike=50000..2000000/50000", spike=100000)
    eng = ZoneSearch(space, [spike], PROPS, Fraction(200), timeout=600)
    res = boundary(eng, p)
    assert res.status == "HOLDS" and res.z3_paths > 0
    expected = None
    for v in range(50000, 2000001, 50000):
        sim = Sim(space.zone_at({"spike": v}), [space.trigger_at(spike, {"spike": v})])
        rec = Recorder(sim, Fraction(200), Fraction(200))
        rec.run()
        if not all(s.holds(Outcome.of(rec)) for s in PROPS):
            break
        expected = v
    assert res.boundary == expected and expected is not None and expected < 2000000
    cx = res.counterexample
    assert cx is not None and cx.trigger is not None and cx.trigger.work == expected + 50000


# -- regressions from review ------------------------------------------------------------------
def test_a_single_value_vary_is_the_point_checked() -> None:
    text = (EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml").read_text()
    space = Space(text, "x.yaml")
    space.add("a.clients=5")
    assert space.point() == {"a.clients": 5}
    assert space.zone_at(space.point()).client_count == 5 + 200 + 200


def test_hold_ranges_with_1_or_2_seconds_are_refused() -> None:
    space = Space((EXAMPLES / "safe" / "lab.yaml").read_text(), "lab.yaml")
    with pytest.raises(Exception, match="hold times 1 and 2"):
        space.add("hold=0..10")
    space.add("hold=3..10")


def test_varying_a_hold_keeps_an_inherited_keepalive() -> None:
    text = ("zone: ka\ntimers: {hold: 90, keepalive: 10}\n"
            "shards: [{name: a, clients: 3, routes_per_client: 5}]\n")
    space = Space(text, "ka.yaml")
    space.add("a.hold=30..120")
    zone = space.zone_at(space.point())
    assert all(g.timers.keepalive == 10 for g in zone.groups if g.shard == "a")
    assert all(g.timers.hold == 60 for g in space.zone_at({"a.hold": 60}).groups
               if g.shard == "a")


def test_a_point_that_cannot_be_symbolic_is_run_concretely() -> None:
    from bgpcascade.properties.engines.cascade_z3 import NotSymbolic

    class Concrete(ZoneSearch):
        def run(self, *a: object, **k: object) -> object:  # type: ignore[override]
            raise NotSymbolic("test: no symbolic run")

    text = (EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml").read_text()
    space = Space(text, "x.yaml")
    p = space.add("a.clients=40..80")
    trig = Trigger("flap", Fraction(30), "spine1", "b-rr1")
    res = boundary(Concrete(space, [trig], PROPS, Fraction(200), timeout=600), p)
    ref = boundary(ZoneSearch(space, [trig], PROPS, Fraction(200), timeout=600), p)
    assert res.status == ref.status == "HOLDS" and res.boundary == ref.boundary
    assert res.engine == "sim-scan"


def test_worker_processes_judge_with_exact_arguments(tmp_path: Path) -> None:
    """A property argument that %g would round (1/3) and a spike parameter reach the
    worker processes exactly: the answer is the same with 1 and 2 jobs."""
    zone = EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml"
    outs = []
    for jobs in ("1", "2"):
        _cli("search", str(zone), "--vary", "a.clients=2..30", "--flap", "spine1~b-rr1@30",
             "--property", "no_zone_outage=1/3", "--jobs", jobs, "--json", f"{jobs}.json",
             "-q", "--horizon", "200", cwd=tmp_path)
        outs.append((tmp_path / f"{jobs}.json").read_bytes())
    assert outs[0] == outs[1]
    r = _cli("search", str(EXAMPLES / "safe" / "lab.yaml"), "--flap", "rr1~hv1@10",
             "--spike", "rr1:1000@10", "--vary", "spike=1000..20000/1000", "--jobs", "2",
             "--timeout", "120", "-q", "--horizon", "60", cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr


def test_hypothesis_fires_the_given_spikes(tmp_path: Path) -> None:
    """The user's spike is one of the triggers the search fires (at times it chooses),
    beside the restarts and spikes it generates on the speakers the triggers name: some
    scenario it simulates carries that spike. Its counterexample may be a simpler one
    (on this zone restarting the appliance RR alone cascades); the CLI reports it
    VIOLATED with triggers only on that speaker."""
    from bgpcascade.properties.engines import hypothesis_engine as he

    zone = EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml"
    space = Space(zone.read_text(), str(zone))
    spike = Trigger("spike", Fraction(30), "a-rr1", work=Fraction(3_000_000))
    seen: list[str] = []
    real = he._Search.simulate

    def observed(self: Any, point: dict[str, int], triggers: list[Trigger]) -> Any:
        seen.extend(t.label() for t in triggers)
        return real(self, point, triggers)

    with mock.patch.object(he._Search, "simulate", observed):  # observes, then runs
        res = he.hypothesis_search(space, [spike], [parse_property("no_cascade")],
                                   Fraction(200), max_examples=20, seed=1)
    assert res.status == "VIOLATED"
    assert any(label.startswith("spike a-rr1:3000000@") for label in seen), seen
    r = _cli("check", str(zone), "--engine", "hypothesis", "--spike", "a-rr1:3000000@30",
             "--horizon", "200", "--examples", "20", "--database", "none", "--json",
             "r.json", "-q", cwd=tmp_path)
    data = json.loads((tmp_path / "r.json").read_text())
    assert r.returncode == 1 and data["status"] == "VIOLATED"
    assert data["bounds"]["triggers"] == ["spike a-rr1:3000000@30"]
    assert all(" a-rr1" in t for t in data["counterexample"]["triggers"])


def test_a_count_dependent_coalesce_wait_is_symbolic() -> None:
    """FRR's coalesce wait grows with the speaker's peers (50 ms each): in a symbolic run
    it depends on the client count, so a region must not reuse its witness's wait. Found
    by review: 19..20 said HOLDS while 20 alone violates."""
    text = _zone([(6, 20, "frr", None)], 30, False)
    trig = _flap(text, 1)
    found = {}
    for rng in ("19..20", "20..20"):
        space = Space(text, "gen.yaml")
        space.add("s0.clients=" + rng)
        eng = ZoneSearch(space, [trig], [parse_property("reconverges_within=3.03")],
                     Fraction(120), timeout=300)
        found[rng] = exists_violation(eng)
    assert found["20..20"].status == "VIOLATED"
    assert found["19..20"].status == "VIOLATED"
    assert found["19..20"].point == {"s0.clients": 20}


class _Counting(ZoneSearch):
    """The real engine, counting the symbolic paths it completes."""

    completed = 0

    def run(self, *a: Any, **k: Any) -> Any:  # type: ignore[override]
        out = super().run(*a, **k)
        self.completed += 1
        return out


@pytest.mark.parametrize("zone, vary, trig", [
    ("safe/two-tier-shared-cluster.yaml", "a.rr_capacity=1000..80000/1000",
     Trigger("flap", Fraction(30), "spine1", "b-rr1")),       # safe: walks the whole range
    ("unsafe/appliance-shard-cascade.yaml", "a.clients=2..300",
     Trigger("flap", Fraction(30), "spine1", "b-rr1")),       # stops past the boundary
])
def test_the_search_counters_count_what_was_run(zone: str, vary: str, trig: Trigger) -> None:
    """``search``'s bounds (``z3_paths``, ``values_scanned``, ``values_covered_by_z3``;
    docs/cli.md): the paths Z3 completed, the values the plain simulator ran, and the values
    up to the boundary decided by Z3 regions alone. Counted here from the calls made."""
    text = (EXAMPLES / zone).read_text()
    space = Space(text, "x.yaml")
    p = space.add(vary)
    eng = _Counting(space, [trig], PROPS, Fraction(300), timeout=600)
    scanned: list[int] = []
    real = cascade_z3._plain_batch

    def counting(e: ZoneSearch, triggers: list[Trigger], values: Any) -> Any:
        out = real(e, triggers, values)
        scanned.append(values[p.name])  # a batch the budget stopped ran nothing
        return out

    with mock.patch.object(cascade_z3, "_plain_batch", counting):
        res = boundary(eng, p)
    assert res.status == "HOLDS" and res.boundary is not None
    assert res.z3_paths == eng.completed > 0
    assert res.scanned == len(set(scanned)) > 0 and res.engine == "z3+sim-scan"
    step = p.step if p.worse == "up" else -p.step
    upto = range(p.safe_end, res.boundary + step, step)
    assert res.covered_by_z3 == len([v for v in upto if v not in set(scanned)]) > 0


def test_a_budget_stops_the_walk_with_counters_of_what_ran() -> None:
    """A search stopped by its budget is UNKNOWN, its boundary the last value every
    trigger covered, and ``values_scanned`` counts only values the simulator finished."""
    text = (EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml").read_text()
    space = Space(text, "x.yaml")
    p = space.add("a.clients=2..1000000")
    eng = ZoneSearch(space, representative_flaps(space, Fraction(30)), PROPS, Fraction(300),
                 timeout=2)
    done: list[int] = []
    real = cascade_z3._plain_batch

    def counting(e: ZoneSearch, triggers: list[Trigger], values: Any) -> Any:
        out = real(e, triggers, values)
        done.append(values[p.name])
        return out

    with mock.patch.object(cascade_z3, "_plain_batch", counting):
        res = boundary(eng, p)
    assert res.status == "UNKNOWN" and res.reason.startswith("budget of 2 s ran out at ")
    assert res.scanned == len(set(done))
    stopped = int(res.reason.rsplit("=", 1)[1])
    assert res.boundary == (None if stopped == 2 else stopped - 1)
