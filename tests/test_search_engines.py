"""The generative searches in process: the zone strategies (properties/strategies.py),
``explore`` (properties/explore.py) and the Hypothesis engine of ``check --engine
hypothesis`` (properties/hypothesis_engine.py).

The CLI tests (tests/test_check_cli.py) run these through a subprocess; here each
promise is checked on the functions themselves: every drawn zone loads and respects its
bounds, every choice shrinks to the simple end the docstrings name, a counterexample is
a real one (replayed afresh), a search without one is HOLDS only with its bounds, and a
spent budget is UNKNOWN.
"""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from bgpcascade.model.dynamics import Sim, Trigger
from bgpcascade.model.errors import InputError
from bgpcascade.model.outcomes import Outcome
from bgpcascade.model.params import Space
from bgpcascade.model.trace import Recorder
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.engines import explore as ex
from bgpcascade.properties.engines import strategies as strat
from bgpcascade.properties.engines.cascade_z3 import representative_flaps
from bgpcascade.properties.engines.hypothesis_engine import Scenario, hypothesis_search
from bgpcascade.properties.library import parse_property

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "tests" / "examples"
APPLIANCE = EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml"
LAB = EXAMPLES / "safe" / "lab.yaml"
QUICK = settings(max_examples=40, deadline=None, derandomize=True,
                 suppress_health_check=list(HealthCheck), database=None)


# -- strategies -------------------------------------------------------------------------------
@QUICK
@given(data=st.data(), max_shards=st.integers(1, 4), max_clients=st.integers(2, 60),
       max_routes=st.integers(1, 40), min_rrs=st.integers(1, 2),
       profiles=st.lists(st.sampled_from(strat.PROFILES), min_size=1, max_size=3,
                         unique=True))
def test_every_drawn_zone_loads_within_its_bounds(
        data: st.DataObject, max_shards: int, max_clients: int, max_routes: int,
        min_rrs: int, profiles: list[str]) -> None:
    spec = data.draw(strat.zone_specs(max_shards=max_shards, max_clients=max_clients,
                                      max_routes=max_routes, profiles=tuple(profiles),
                                      min_rrs=min_rrs))
    zone = load_zone(yaml.safe_dump(spec, sort_keys=False), source="<drawn>")
    shards = spec["shards"]
    assert 1 <= len(shards) <= max_shards
    assert [s["name"] for s in shards] == [chr(ord("a") + i) for i in range(len(shards))]
    for s in shards:
        assert 2 <= s["clients"] <= max_clients and 1 <= s["routes_per_client"] <= max_routes
        assert min_rrs <= s["rrs"] <= 3 and s["rr_profile"] in profiles
        assert s.get("cluster_id", "shared") == "shared"
    if "spines" in spec:
        assert 1 <= spec["spines"]["count"] <= 3 and spec["spines"]["profile"] in profiles
    assert spec["timers"]["hold"] in strat.HOLDS
    clients = sum(g.count for g in zone.groups if not g.is_rr)
    assert clients == sum(s["clients"] for s in shards)


def test_zone_texts_are_the_specs_as_yaml() -> None:
    """In the order a person writes a zone file: name, timers, spines, shards."""
    text = find(strat.zone_texts(max_clients=5), lambda t: "spines" in t,
                settings=settings(database=None))
    assert [line.split(":")[0] for line in text.splitlines() if line[0].isalpha()] \
        == ["zone", "timers", "spines", "shards"]
    assert yaml.safe_load(text) == find(strat.zone_specs(max_clients=5),
                                        lambda s: "spines" in s,
                                        settings=settings(database=None))


def test_the_drawn_designs_reach_their_documented_extremes() -> None:
    """Single-RR shards (unless ``min_rrs`` is 2), three-RR shards, up to three spines,
    four shards by default."""
    none = settings(database=None, max_examples=300)

    def reach(strategy: Any, pred: Any) -> Any:
        return find(strategy, pred, settings=none)

    assert reach(strat.zone_specs(), lambda s: s["shards"][0]["rrs"] == 1)
    assert reach(strat.zone_specs(), lambda s: s["shards"][0]["rrs"] == 3)
    with pytest.raises(NoSuchExample):
        reach(strat.zone_specs(min_rrs=2), lambda s: any(x["rrs"] < 2 for x in s["shards"]))
    assert reach(strat.zone_specs(), lambda s: s.get("spines", {}).get("count", 0) >= 3
                 )["spines"]["count"] == 3
    assert len(reach(strat.zone_specs(), lambda s: len(s["shards"]) >= 4)["shards"]) == 4


def test_every_choice_shrinks_to_the_simple_end() -> None:
    """The module's promise: one shard, two clients, two FRR RRs, per-RR cluster ids, no
    spine tier, FRR's default hold (90 s), one route; a scenario flaps the first session
    group at 10 s."""
    spec = find(strat.zone_specs(), lambda _s: True, settings=settings(database=None))
    assert spec == {"zone": "generated", "timers": {"hold": 90, "connect_retry": 5},
                    "shards": [{"name": "a", "rrs": 2, "rr_profile": "frr", "clients": 2,
                                "routes_per_client": 1}]}
    assert find(strat.zone_specs(min_rrs=2), lambda _s: True,
                settings=settings(database=None))["shards"][0]["rrs"] == 2
    # With spines required, the simplest tier: one FRR spine, its own cluster id.
    tier = find(strat.zone_specs(), lambda s: "spines" in s, settings=settings(database=None))
    assert tier["spines"] == {"count": 1, "profile": "frr"}
    # A shard that must be big shrinks to exactly the size asked for.
    big = find(strat.zone_specs(), lambda s: s["shards"][0]["clients"] >= 123,
               settings=settings(database=None))
    assert big["shards"][0]["clients"] == 123 and len(big["shards"]) == 1
    spec2, flap, offset = find(strat.scenarios(), lambda _s: True,
                               settings=settings(database=None))
    assert (spec2, flap, offset) == (spec, 0, 0)  # the first group, at the base time
    # The offset in the KEEPALIVE cycle shrinks toward 0.
    assert find(strat.scenarios(), lambda s: s[2] != 0,
                settings=settings(database=None))[2] == 1


# -- explore -------------------------------------------------------------------------------
def test_explore_shrinks_a_failure_and_its_trace_is_that_failure() -> None:
    """Nearly every zone fails "reconverge within 1 s": the smallest remains (the CLI test
    asserts the same through ``explore``), and the trace returned is a run of it."""
    prop = parse_property("reconverges_within=1")
    res = ex.explore([prop], Fraction(20), examples=20, max_clients=10,
                     profiles=("frr", "appliance"), seed=0)
    assert res.status == "VIOLATED" and res.violated == [prop.label]
    assert res.trigger is not None and res.trigger.kind == "flap"
    spec = yaml.safe_load(res.zone_text)
    assert len(spec["shards"]) == 1 and spec["shards"][0]["clients"] == 2
    assert res.trace is not None and res.trace["summary"]["verdict"]
    assert res.trace["params"]["dt_s"] == 1 and res.trace["series"]["t"][:3] == [0, 1, 2]
    assert res.trace["params"]["triggers"][0]["label"] == res.trigger.label()
    assert res.trace["zone_text"] == res.zone_text
    assert [line.split(":")[0] for line in res.zone_text.splitlines() if line[0].isalpha()] \
        == ["zone", "timers", "shards"]  # the key order a person writes
    # Every scenario simulated counts, the shrink's included; at most the 20 asked for
    # (Hypothesis's explain phase, 100 more failing runs of random variants, is off).
    assert 1 <= res.examples <= 20
    # The same seed finds the same zone and flap.
    again = ex.explore([prop], Fraction(20), examples=20, max_clients=10,
                       profiles=("frr", "appliance"), seed=0)
    assert (again.zone_text, again.trigger) == (res.zone_text, res.trigger)


def test_explore_without_a_failure_is_bounded_and_a_spent_budget_is_unknown() -> None:
    props = [parse_property("no_zone_outage")]
    res = ex.explore(props, Fraction(60), examples=4, max_clients=4, profiles=("frr",))
    assert res.status == "HOLDS" and 1 <= res.examples <= 4 and res.trace is None
    spent = ex.explore(props, Fraction(60), examples=4, max_clients=4, profiles=("frr",),
                       budget=0.0)
    assert spent.status == "UNKNOWN" and spent.examples == 0
    assert spent.reason == "budget of 0 s ran out after 0 zones"


def test_explore_reports_progress_every_20_zones() -> None:
    seen: list[str] = []
    ex.explore([parse_property("no_zone_outage")], Fraction(30), examples=41,
               max_clients=3, profiles=("frr",), progress=seen.append)
    assert seen == ["explore: 20 zones", "explore: 40 zones"]


@pytest.mark.parametrize("text, want", [("frr", ("frr",)), (" bird , gobgp ,", ("bird", "gobgp"))])
def test_profiles_option(text: str, want: tuple[str, ...]) -> None:
    assert ex.check_profiles(text) == want


@pytest.mark.parametrize("text", ["", " , ", "frr,cisco"])
def test_profiles_option_refuses_other_names(text: str) -> None:
    with pytest.raises(InputError) as exc:
        ex.check_profiles(text)
    assert "--profiles" in str(exc.value) and "appliance" in str(exc.value)


# -- the Hypothesis engine ----------------------------------------------------------------
def _space(path: Path, *vary: str) -> tuple[Space, list[Trigger]]:
    space = Space(path.read_text(), str(path))
    for v in vary:
        space.add(v)
    return space, representative_flaps(space, Fraction(30))


def test_the_hypothesis_engine_finds_and_replays_a_cascade() -> None:
    """The appliance zone cascades on most flaps: the engine reports the shrunk
    scenario, and its trace is a fresh run of exactly that scenario."""
    space, flaps = _space(APPLIANCE)
    props = [parse_property("no_cascade")]
    res = hypothesis_search(space, flaps, props, Fraction(300), max_examples=20, seed=1)
    assert res.status == "VIOLATED" and res.violated == ["no_cascade"]
    sc = res.scenario
    assert sc is not None and len(sc.triggers) == 1 and sc.triggers[0].kind in (
        "flap", "spike", "restart")
    assert sc.triggers[0].t in (10, 30)  # shrunk: no wait before the trigger
    sim = Sim(space.zone_at(sc.point), [space.trigger_at(t, sc.point) for t in sc.triggers])
    rec = Recorder(sim, Fraction(300), Fraction(300))
    rec.run()
    assert not props[0].holds(Outcome.of(rec))
    assert res.trace is not None and res.trace["summary"]["verdict"] != "contained"
    assert res.examples >= 1 and res.runs >= 1
    again = hypothesis_search(space, flaps, props, Fraction(300), max_examples=20, seed=1)
    assert again.scenario is not None and again.scenario.label() == sc.label()


def test_a_load_point_shrinks_to_the_safe_end_of_its_range() -> None:
    """With ``--vary``, the drawn load point shrinks toward the least stressed value."""
    space, flaps = _space(APPLIANCE, "a.clients=200..300")
    res = hypothesis_search(space, flaps, [parse_property("no_cascade")], Fraction(300),
                            max_examples=20, seed=1)
    assert res.status == "VIOLATED" and res.scenario is not None
    assert res.scenario.point == {"a.clients": 200}  # it cascades at 200 too


def test_the_hypothesis_engine_holds_only_with_its_bounds() -> None:
    space, flaps = _space(LAB)
    t0 = time.monotonic()
    res = hypothesis_search(space, flaps, [parse_property("no_zone_outage")], Fraction(120),
                            max_examples=6, seed=0)
    assert res.status == "HOLDS" and res.scenario is None and res.reason == ""
    assert 1 <= res.examples <= 6 and res.runs >= 1
    assert 0 < res.seconds <= time.monotonic() - t0  # the search's own wall time


def test_the_hypothesis_engine_is_unknown_when_it_cannot_search() -> None:
    space, flaps = _space(LAB)
    props = [parse_property("no_zone_outage")]
    spent = hypothesis_search(space, flaps, props, Fraction(120), max_examples=6, budget=0)
    assert spent.status == "UNKNOWN" and spent.reason.startswith("budget of 0 s ran out")
    none = hypothesis_search(space, [], props, Fraction(120), max_examples=3)
    assert none.status == "UNKNOWN"
    assert none.reason == "no scenario was simulated (no trigger to choose from)"


def test_a_scenario_label_names_its_point_and_triggers() -> None:
    sc = Scenario({"b.clients": 3, "a.clients": 300},
                  [Trigger("flap", Fraction(30), "spine1", "b-rr1"),
                   Trigger("spike", Fraction(60), "a-rr1", work=Fraction(1000))])
    assert sc.label() == ("a.clients=300, b.clients=3; flap b-rr1~spine1@30, "
                          "spike a-rr1:1000@60")
    assert Scenario({}, []).label() == "no trigger"


def test_explore_stops_at_its_budget_after_zones_that_pass() -> None:
    """The budget is checked before every zone until a failure is found: 200 passing
    zones take longer than 1 s, so the search stops early and says UNKNOWN."""
    res = ex.explore([parse_property("no_zone_outage")], Fraction(60), examples=200,
                     max_clients=4, profiles=("frr",), budget=1.0)
    assert res.status == "UNKNOWN" and 1 <= res.examples < 200
    assert res.reason == f"budget of 1 s ran out after {res.examples} zones"


def test_a_drawn_load_point_stays_in_its_range() -> None:
    """a.clients=2..300 on the appliance zone: small shards hold, large ones cascade. The
    shrunk point is inside the range and above its safe end (where nothing cascades)."""
    space, flaps = _space(APPLIANCE, "a.clients=2..300")
    res = hypothesis_search(space, flaps, [parse_property("no_cascade")], Fraction(300),
                            max_examples=20, seed=1)
    assert res.status == "VIOLATED" and res.scenario is not None
    assert 2 < res.scenario.point["a.clients"] <= 300
