"""The one scenario runner (properties/runner.py): simulate, record, measure, judge."""

from __future__ import annotations

import pickle
from fractions import Fraction
from pathlib import Path

from bgpcascade.io import read_zone_text
from bgpcascade.model.dynamics import Sim
from bgpcascade.model.outcomes import Outcome
from bgpcascade.model.params import Space
from bgpcascade.model.trace import Recorder, build_trace
from bgpcascade.model.triggers import parse_flap, parse_spike
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.library import parse_property
from bgpcascade.properties.runner import RunJob, judge, run, run_at, violations

EXAMPLES = Path(__file__).resolve().parent / "examples"
UNSAFE = EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml"
SAFE = EXAMPLES / "safe" / "lab.yaml"
PROPS = [parse_property("no_cascade"), parse_property("no_zone_outage"),
         parse_property("hold_margin=10")]


def _zone(path: Path) -> tuple[str, object]:
    text = read_zone_text(str(path))
    return text, load_zone(text, source=str(path))


def test_a_run_is_the_four_steps_done_by_hand() -> None:
    """The runner's Outcome, verdicts and trace are those of Sim + Recorder + Outcome.of +
    the properties, written out (what every engine used to retype)."""
    text, zone = _zone(UNSAFE)
    flap = parse_flap(zone, "spine1~b-rr1@30")
    r = run(zone, [flap], Fraction(300), props=PROPS, dt=Fraction(1))
    sim = Sim(zone, [flap])
    rec = Recorder(sim, Fraction(300), Fraction(1))
    rec.run()
    by_hand = Outcome.of(rec)
    assert r.outcome == by_hand
    assert r.holds == {s.label: s.holds(by_hand) for s in PROPS}
    assert r.violated == ["no_cascade", "no_zone_outage=0.5", "hold_margin=10"]
    assert r.trace(text, str(UNSAFE)) == build_trace(text, str(UNSAFE), sim, rec)
    assert r.summary() == r.trace(text, str(UNSAFE))["summary"]
    assert r.steps == sim.processed > 0


def test_a_safe_run_violates_nothing_and_no_property_is_judged_unless_asked() -> None:
    _, zone = _zone(SAFE)
    flap = parse_flap(zone, "rr1~hv1@10")
    r = run(zone, [flap], Fraction(120), props=PROPS[:2])
    assert r.violated == [] and list(r.holds) == ["no_cascade", "no_zone_outage=0.5"]
    assert run(zone, [flap], Fraction(120)).holds == {}
    assert judge(r.outcome, PROPS[:1]) == {"no_cascade": True}


def test_verdicts_do_not_depend_on_the_sampling_step() -> None:
    _, zone = _zone(UNSAFE)
    flap = parse_flap(zone, "spine1~a-rr1@30")
    coarse = run(zone, [flap], Fraction(300), props=PROPS)
    fine = run(zone, [flap], Fraction(300), props=PROPS, dt=Fraction(1))
    assert coarse.holds == fine.holds
    assert coarse.outcome.isolated_peak == fine.outcome.isolated_peak
    assert coarse.recorder.t == [0, 300] and len(fine.recorder.t) == 301


def test_run_at_a_point_runs_the_zone_and_the_triggers_there() -> None:
    text, zone = _zone(UNSAFE)
    space = Space(text, str(UNSAFE), zone)
    space.add("a.clients=2..400")
    spike = parse_spike(zone, "a-rr1:1000@10")
    at = run_at(space, [spike], {"a.clients": 7}, Fraction(100), props=PROPS)
    direct = run(space.zone_at({"a.clients": 7}), [spike], Fraction(100), props=PROPS)
    assert at.holds == direct.holds and at.outcome == direct.outcome
    assert at.outcome.clients < run(zone, [spike], Fraction(100)).outcome.clients


def test_a_job_pickles_and_runs_anywhere_with_the_same_answer() -> None:
    text, zone = _zone(UNSAFE)
    space = Space(text, str(UNSAFE), zone)
    flap = parse_flap(zone, "spine1~b-rr1@30")
    job = RunJob(space, space.point(), (flap,), Fraction(300), tuple(PROPS))
    again = pickle.loads(pickle.dumps(job))
    assert [s.label for s in again.props] == [s.label for s in PROPS]
    assert violations(again) == violations(job) == \
        run_at(space, [flap], space.point(), Fraction(300), props=PROPS).violated
