"""One result type for every engine (properties/result.py) and the exit codes it maps to.

Every engine (the sim scan, the Z3 search, the Hypothesis search, explore, the FSM proofs)
is asked a Question and answers with a Result, for a safe and for an unsafe example;
a VIOLATED result's counterexample replays to the same violation.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path

import pytest

from bgpcascade.checking import CheckOutcome
from bgpcascade.io import read_zone_text
from bgpcascade.model import fsm
from bgpcascade.model.fsm import Event, State
from bgpcascade.model.params import Space
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.engines.cascade_z3 import SimScan, Z3Search, representative_flaps
from bgpcascade.properties.engines.explore import ExploreSearch
from bgpcascade.properties.engines.fsm_engine import FsmProofs
from bgpcascade.properties.engines.hypothesis_engine import HypothesisSearch
from bgpcascade.properties.library import parse_property
from bgpcascade.properties.result import Counterexample, Engine, Question, Result
from bgpcascade.properties.runner import run
from bgpcascade.properties.verdict import Exit, Verdict, as_status, overall

EXAMPLES = Path(__file__).resolve().parent / "examples"
SAFE = EXAMPLES / "safe" / "lab.yaml"
UNSAFE = EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml"
PROPS = (parse_property("no_cascade"), parse_property("no_zone_outage"))


def _question(path: Path, horizon: int, **knobs: object) -> Question:
    text = read_zone_text(str(path))
    space = Space(text, str(path), load_zone(text, source=str(path)))
    return Question(space, tuple(representative_flaps(space, Fraction(10))), PROPS,
                    Fraction(horizon), budget=600.0, parameters=knobs)


def _replays(res: Result, horizon: int) -> None:
    """The counterexample is data enough to run it again: the same violation."""
    cx = res.counterexample
    assert isinstance(cx, Counterexample) and cx.trace is not None
    assert cx.trace["zone_text"] == cx.zone_text
    zone = load_zone(cx.zone_text, source="<counterexample>")
    again = run(zone, list(cx.triggers), Fraction(horizon), props=PROPS)
    assert set(cx.violated) <= set(again.violated) and cx.violated


ZONE_ENGINES: list[tuple[str, type, dict[str, object]]] = [
    ("sim", SimScan, {}),
    ("z3", Z3Search, {"jobs": 1}),
    ("hypothesis", HypothesisSearch, {"examples": 10, "seed": 0}),
]


@pytest.mark.parametrize(("name", "maker", "knobs"), ZONE_ENGINES, ids=[e[0] for e in
                                                                         ZONE_ENGINES])
def test_zone_engines_answer_with_the_one_result(name: str, maker: type,
                                                 knobs: dict[str, object]) -> None:
    engine: Engine = maker()
    safe = engine.check(_question(SAFE, 60, **knobs))
    assert isinstance(safe, Result) and safe.engine == name == engine.name
    assert safe.status == "HOLDS" and safe.counterexample is None and safe.violated == ()
    assert safe.bounds["horizon_s"] == 60 and safe.covered and safe.exit_code() == 0
    unsafe = maker().check(_question(UNSAFE, 300, **knobs))
    assert isinstance(unsafe, Result) and unsafe.engine == name
    assert unsafe.status == "VIOLATED" and unsafe.exit_code() == Exit.VIOLATED == 1
    assert unsafe.bounds["horizon_s"] == 300
    _replays(unsafe, 300)


def test_explore_answers_with_the_one_result() -> None:
    props = (parse_property("no_zone_outage"),)
    safe = ExploreSearch().check(Question(
        None, props=props, horizon=Fraction(60), budget=120.0,
        parameters={"examples": 4, "max_clients": 4, "profiles": ("frr",)}))
    assert safe.engine == "explore" and safe.status == "HOLDS" and safe.exit_code() == 0
    assert safe.counterexample is None and 1 <= safe.bounds["examples"] <= 4
    failing = (parse_property("reconverges_within=1"),)
    unsafe = ExploreSearch().check(Question(
        None, props=failing, horizon=Fraction(20), budget=120.0,
        parameters={"examples": 20, "max_clients": 10, "profiles": ("frr", "appliance")}))
    assert unsafe.status == "VIOLATED" and unsafe.exit_code() == 1
    cx = unsafe.counterexample
    assert cx is not None and cx.violated == ("reconverges_within=1",) and cx.trace
    again = run(load_zone(cx.zone_text, source="<x>"), list(cx.triggers), Fraction(20),
                props=failing)
    assert again.violated == ["reconverges_within=1"]


def test_the_fsm_proofs_answer_with_the_one_result() -> None:
    prop = "established_only_from_openconfirm_keepalive"
    safe = FsmProofs().check(Question(None, parameters={"only": [prop], "timeout": 60}))
    assert safe.engine == "fsm" and safe.status == "HOLDS" and safe.exit_code() == 0
    assert [v.property for v in safe.detail] == [prop] and safe.counterexample is None
    rows = list(fsm.TABLE)
    i = next(i for i, r in enumerate(rows)
             if r.state is State.OpenSent and r.event is Event.BGPOpen)
    rows[i] = dataclasses.replace(rows[i], next_state=State.Established)
    unsafe = FsmProofs().check(Question(None, parameters={"only": [prop], "table": rows}))
    assert unsafe.status == "VIOLATED" and unsafe.exit_code() == 1
    assert unsafe.counterexample is not None and unsafe.counterexample.violated == (prop,)
    assert unsafe.counterexample.events and isinstance(unsafe.detail[0], Verdict)


def test_unknown_is_never_holds() -> None:
    res = Z3Search().check(dataclasses.replace(_question(UNSAFE, 300), budget=0.0))
    assert res.status == "UNKNOWN" and "budget" in res.reason and res.exit_code() == 3
    assert SimScan().check(dataclasses.replace(_question(SAFE, 60), budget=0.0)).status \
        == "UNKNOWN"


def test_exit_codes_and_statuses() -> None:
    assert [int(Exit.of(s)) for s in ("HOLDS", "VIOLATED", "UNKNOWN")] == [0, 1, 3]
    assert int(Exit.BAD_INPUT) == 2 and Exit.OK == Exit.HOLDS == 0
    assert int(Exit.of("n/a")) == 3  # anything not decided is unknown, never 0
    assert [as_status(s) for s in ("HOLDS", "VIOLATED", "UNKNOWN", "n/a")] == \
        ["HOLDS", "VIOLATED", "UNKNOWN", "UNKNOWN"]
    assert overall([]) == "HOLDS" and overall(["HOLDS", "UNKNOWN"]) == "UNKNOWN"
    assert overall(["UNKNOWN", "VIOLATED", "HOLDS"]) == "VIOLATED"
    for status, code in (("HOLDS", 0), ("VIOLATED", 1), ("UNKNOWN", 3)):
        assert CheckOutcome([], [], status).exit_code() == code  # type: ignore[arg-type]


def test_a_violated_result_needs_its_counterexample() -> None:
    with pytest.raises(ValueError):
        Result("sim", "VIOLATED")
    cx = Counterexample("zone: x\n", "x.yaml", (), {}, ("no_cascade",))
    with pytest.raises(ValueError):
        Result("sim", "HOLDS", counterexample=cx)
    assert Result("sim", "VIOLATED", counterexample=cx).violated == ("no_cascade",)


def test_a_question_asked_again_shares_its_budget() -> None:
    q = _question(SAFE, 60)
    later = dataclasses.replace(q, props=PROPS[:1])
    assert later.started == q.started and later.remaining() <= q.budget
