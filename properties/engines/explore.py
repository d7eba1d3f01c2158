"""``bgpcascade explore``: search generated zones for the smallest one a single flap breaks.

Hypothesis draws zones (:func:`~.strategies.scenarios`: flat or spine/leaf, shard sizes,
RR counts, CLUSTER_ID sharing, implementations, timers, routes), one representative flap
and its time, simulates it (the plain simulator) and judges the properties. The first
violation is shrunk (``hypothesis.find``) to the smallest, simplest zone that still
fails: the design lesson, as a zone file you can read, simulate and draw.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from random import Random
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample

from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.errors import InputError
from bgpcascade.model.numbers import json_number
from bgpcascade.model.params import Space
from bgpcascade.model.timing import Timing
from bgpcascade.model.zonefile import load_zone

from ..library import Selected
from ..result import Counterexample, Question, Result
from ..runner import Run, run
from ..verdict import as_status
from .cascade_z3 import representative_flaps
from .offsets import cycle_seconds, question_timing, timing_bounds
from .strategies import PROFILES, scenarios


@dataclass
class Explored:
    """What :func:`explore` found."""

    status: str  # VIOLATED / HOLDS (none in the examples) / UNKNOWN (budget)
    zone_text: str = ""
    trigger: Trigger | None = None
    violated: list[str] | None = None
    trace: dict[str, Any] | None = None
    examples: int = 0
    reason: str = ""


#: The base time of a generated flap: it fires at BASE_AT + an offset in one KEEPALIVE
#: cycle of the flapped session (:mod:`.offsets`), before the horizon.
BASE_AT = Fraction(10)


def _run(text: str, flap: int, offset: int, props: list[Selected], horizon: Fraction,
         dt: Fraction | None = None, timing: Timing | None = None) -> tuple[Trigger, Run]:
    """Simulate flap number ``flap`` (modulo the zone's representative flaps) at
    :data:`BASE_AT` + ``offset`` s (modulo the flapped session's KEEPALIVE cycle, so that
    every offset of the cycle can be drawn), sampling every ``dt`` (default: only the
    horizon; the verdict does not depend on it), judging ``props``, with ``timing``."""
    zone = load_zone(text, source="<generated>")
    flaps = representative_flaps(Space(text, "<generated>", zone), BASE_AT)
    trig = flaps[flap % len(flaps)]
    cycle = min(cycle_seconds(zone, trig), max(1, int(horizon - BASE_AT)))
    trig = replace(trig, t=BASE_AT + offset % cycle)
    return trig, run(zone, [trig], horizon, props=props, dt=dt, timing=timing)


def explore(props: list[Selected], horizon: Fraction, *, examples: int = 100,
            seed: int = 0, budget: float = 300.0, max_clients: int = 400,
            profiles: tuple[str, ...] = PROFILES, min_rrs: int = 2,
            progress: Callable[[str], None] = lambda _m: None,
            timing: Timing | None = None) -> Explored:
    """Find the smallest generated zone where one flap violates ``props``. By default
    every shard has two RRs or more: a single-homed client isolated by its own flap is a
    design error ``lint`` already reports, not a cascade."""
    started = time.monotonic()
    count = [0]
    over = [False]

    def violates(s: tuple[dict[str, Any], int, int]) -> bool:
        spec, flap, at = s
        if not found[0] and time.monotonic() - started > budget:
            over[0] = True  # the rest of the examples pass at once; shrinking is not cut
            return False
        count[0] += 1
        if count[0] % 20 == 0:
            progress(f"explore: {count[0]} zones")
        violated = _run(yaml.safe_dump(spec, sort_keys=False), flap, at, props,
                        horizon, timing=timing)[1].violated
        if violated:
            found[0] = True
        return bool(violated)

    found = [False]
    # No explain phase: after shrinking, Hypothesis would rerun the failing scenario with
    # each part replaced by random draws (up to 100 more failing runs) only to annotate a
    # report that ``find`` never shows; every one of those runs is a simulation.
    conf = settings(max_examples=examples, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck),
                    phases=[p for p in Phase if p is not Phase.explain])
    try:
        spec, flap, at = find(scenarios(max_clients=max_clients, profiles=profiles,
                                        min_rrs=min_rrs),
                              violates, settings=conf, random=Random(seed))
    except NoSuchExample:
        if over[0]:
            return Explored("UNKNOWN", examples=count[0],
                            reason=f"budget of {budget:g} s ran out after {count[0]} zones")
        return Explored("HOLDS", examples=count[0])
    # The shrunk zone, run afresh with one-second samples: the verdict shown is judged on
    # the run whose trace is shown.
    text = yaml.safe_dump(spec, sort_keys=False)
    trig, ran = _run(text, flap, at, props, horizon, Fraction(1), timing)
    if not ran.violated:
        return Explored("UNKNOWN", examples=count[0], reason="internal error: the shrunk "
                        f"zone does not violate when replayed ({trig.label()})")
    trace = ran.trace(text, "explored.yaml")
    return Explored("VIOLATED", text, trig, ran.violated, trace, count[0])


def check_profiles(text: str) -> tuple[str, ...]:
    """Parse ``--profiles a,b`` (built-in names)."""
    names = tuple(x.strip() for x in text.split(",") if x.strip())
    bad = [n for n in names if n not in PROFILES]
    if not names or bad:
        raise InputError(f"{text!r}", field="--profiles", allowed=", ".join(PROFILES))
    return names


class ExploreSearch:
    """Engine ``explore`` (the :class:`~bgpcascade.properties.result.Engine` protocol):
    :func:`explore` over generated zones (``question.space`` is not used). ``parameters``:
    ``examples`` (default 100), ``seed`` (0), ``max_clients`` (400), ``profiles`` (all
    five built-ins), ``min_rrs`` (2)."""

    name = "explore"
    covers_ranges = False

    def check(self, question: Question) -> Result:
        """Find the smallest generated zone where one flap violates ``question.props``."""
        q, knobs = question, question.parameters
        seed = int(knobs.get("seed", 0))
        timing = question_timing(knobs)
        res = explore(list(q.props), q.horizon, examples=int(knobs.get("examples", 100)),
                      seed=seed, budget=q.budget,
                      max_clients=int(knobs.get("max_clients", 400)),
                      profiles=tuple(knobs.get("profiles", PROFILES)),
                      min_rrs=int(knobs.get("min_rrs", 2)), progress=q.progress,
                      timing=timing)
        cx = None
        if res.status == "VIOLATED":
            assert res.trigger is not None and res.trace is not None
            cx = Counterexample(res.zone_text, "explored.yaml", (res.trigger,), {},
                                tuple(res.violated or ()), res.trace)
        status = as_status(res.status)
        bounds = {"horizon_s": json_number(q.horizon), "examples": res.examples,
                  **timing_bounds(timing), "seed": seed,
                  "properties": [s.label for s in q.props],
                  "trigger_offsets": {"from_s": 0, "to_s": None, "step_s": 1, "count": None,
                                      "method": "drawn", "base_s": json_number(BASE_AT)}}
        return Result(self.name, status, bounds, cx, {"examples": res.examples},
                      f"no violation in {res.examples} generated zones (seed {seed}; a "
                      "bounded search, not a proof)", res.reason, res)
