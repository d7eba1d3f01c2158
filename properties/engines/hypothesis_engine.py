"""The Hypothesis engine: sequences of flaps, spikes, restarts and waits, shrunk.

Z3 searches the equations for one trigger; this engine searches behaviours. A
:class:`~hypothesis.stateful.RuleBasedStateMachine` builds a scenario step by step on the
user's zone: a load point drawn from the ``--vary`` ranges, then rules that flap a
session, inject a spike of work, restart a speaker or let time pass. After every rule
that adds a trigger, the scenario so far is simulated to the horizon (the plain
simulator, :mod:`bgpcascade.model.dynamics`) and the selected properties are the
invariants. ``hypothesis.target`` steers toward high queue-delay / hold-time ratios and
more resets. A failure is shrunk by Hypothesis toward fewer, earlier triggers and the
least stressed load point; the shrunk scenario is what is reported, as a zone file, a
trigger list and the ``bgpcascade simulate`` command that replays it.

Determinism: the run is derandomised from ``seed`` (the same seed, zone and options give
the same examples in the same order). The example database (``database``) replays
earlier failures first, so a CI job that caches it fails fast on a known regression.
No counterexample in ``max_examples`` scenarios is reported as HOLDS with its bounds
(scenarios and triggers tried): a bounded search, not a proof. When the budget stops the
search before that, the answer is UNKNOWN.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings, target
from hypothesis import seed as hyp_seed
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.numbers import json_number
from bgpcascade.model.outcomes import Outcome
from bgpcascade.model.params import Space
from bgpcascade.model.timing import Timing

from ..library import Selected
from ..result import Counterexample, Question, Result
from ..runner import run_at
from ..verdict import as_status
from .offsets import (
    Offsets,
    cycle_seconds,
    question_offsets,
    question_timing,
    timing_bounds,
)

#: The waits a scenario may insert between triggers (seconds): around a keepalive
#: interval, a hold time, a connect-retry time.
WAITS = (1, 5, 15, 30, 60, 90, 120)


@dataclass
class Scenario:
    """What one example did: the load point and the triggers, in time order."""

    point: dict[str, int]
    triggers: list[Trigger]

    def label(self) -> str:
        """``a.clients=300; flap b-rr1~spine1@30, spike a-rr1:1000@60`` (points by name,
        triggers in time order, a session's ends sorted)."""
        point = ", ".join(f"{k}={v}" for k, v in sorted(self.point.items()))
        trig = ", ".join(t.label() for t in self.triggers) or "no trigger"
        return f"{point}; {trig}" if point else trig


@dataclass
class HypothesisResult:
    """The outcome of :func:`hypothesis_search`."""

    status: str  # HOLDS (none found within the budget) / VIOLATED
    scenario: Scenario | None = None
    violated: list[str] = field(default_factory=list)
    trace: dict[str, Any] | None = None
    examples: int = 0
    runs: int = 0
    seconds: float = 0.0
    reason: str = ""


class _Violation(AssertionError):
    pass


@dataclass
class _Search:
    """What one :func:`hypothesis_search` shares with its state machine: the question, the
    clock, the counters, the failure found (if any) and a cache of runs."""

    space: Space
    triggers: list[Trigger]
    props: list[Selected]
    horizon: Fraction
    budget: float
    max_triggers: int
    spike_work: tuple[int, int]
    timing: Timing | None = None
    #: The first trigger's time: ``base`` + an offset in [0, ``cycle``) seconds (one
    #: KEEPALIVE cycle, :mod:`.offsets`; ``cycle`` 1 when ``--at`` pins the time).
    base: Fraction = Fraction(30)
    cycle: int = 1
    started: float = field(default_factory=time.monotonic)
    stats: dict[str, int] = field(
        default_factory=lambda: {"examples": 0, "runs": 0, "skipped": 0})
    found: Scenario | None = None
    cache: dict[tuple[Any, ...], tuple[list[str], Outcome]] = field(default_factory=dict)

    @property
    def flaps(self) -> list[Trigger]:
        """The sessions that may flap."""
        return [t for t in self.triggers if t.kind == "flap"]

    @property
    def given(self) -> list[Trigger]:
        """The user's other triggers (spikes), fired at any time."""
        return [t for t in self.triggers if t.kind != "flap"]

    @property
    def speakers(self) -> list[str]:
        """The speakers the triggers name: where generated spikes and restarts land."""
        return sorted({n for t in self.triggers for n in (t.a, t.b) if n is not None})

    def over_budget(self) -> bool:
        """The budget ran out before any failure was found (shrinking is never cut)."""
        return self.found is None and time.monotonic() - self.started > self.budget

    def simulate(self, point: dict[str, int],
                 triggers: list[Trigger]) -> tuple[list[str], Outcome]:
        """The properties a scenario violates, and its outcome (runs are cached)."""
        key = (tuple(sorted(point.items())), tuple(t.label() for t in triggers))
        if key not in self.cache:
            if len(self.cache) > 256:
                self.cache.clear()
            r = run_at(self.space, triggers, point, self.horizon, props=self.props,
                       timing=self.timing)
            self.stats["runs"] += 1
            self.cache[key] = (r.violated, r.outcome)
        return self.cache[key]


class _ScenarioRules(RuleBasedStateMachine):
    """Scenarios on the user's zone (see the module docstring). The rules' strategies
    depend on the zone, so :func:`_machine` decorates these methods for one search."""

    search: _Search

    def __init__(self) -> None:
        super().__init__()
        self.point: dict[str, int] = self.search.space.point()
        self.clock = Fraction(0)
        self.triggers: list[Trigger] = []
        self.checked = 0
        self.over_budget = False
        self.best = (0.0, 0.0)  # queue delay / hold, cascade resets: for target()

    def load(self, data: st.DataObject) -> None:
        search = self.search
        self.over_budget = search.over_budget()
        search.stats["skipped" if self.over_budget else "examples"] += 1
        for p in search.space.params:
            if p.lo < p.hi:
                # Shrinks toward the least stressed value (the safe end of the range).
                k = data.draw(st.integers(0, p.hi - p.lo), label=p.name)
                self.point[p.name] = p.lo + k if p.worse == "up" else p.hi - k
        # Shrinks toward the base time (offset 0 of the KEEPALIVE cycle).
        offset = data.draw(st.integers(0, search.cycle - 1), label="first_offset")
        self.clock = search.base + offset

    def _add(self, trig: Trigger) -> None:
        if self.over_budget or len(self.triggers) >= self.search.max_triggers or \
                self.clock >= self.search.horizon:
            return
        self.triggers.append(trig)

    def flap(self, i: int) -> None:
        flaps = self.search.flaps
        if flaps:
            self._add(Trigger("flap", self.clock, flaps[i].a, flaps[i].b))

    def given_trigger(self, i: int) -> None:
        given = self.search.given
        if given:
            self._add(replace(given[i], t=self.clock))

    def spike(self, s: str, work: int) -> None:
        if s:
            self._add(Trigger("spike", self.clock, s, work=Fraction(work)))

    def restart(self, s: str) -> None:
        if s:
            self._add(Trigger("restart", self.clock, s))

    def advance(self, wait: int) -> None:
        self.clock = min(self.search.horizon - 1, self.clock + wait)

    def properties_hold(self) -> None:
        if self.over_budget or len(self.triggers) == self.checked:
            return
        self.checked = len(self.triggers)
        violated, out = self.search.simulate(self.point, self.triggers)
        ratio = max((float(out.peak_delay[k] / h) for k, h in out.hold_of.items()
                     if h > 0), default=0.0)
        self.best = (max(self.best[0], ratio), max(self.best[1], float(out.cascade_size())))
        if violated:
            found = Scenario(dict(self.point), list(self.triggers))
            self.search.found = found
            raise _Violation(f"{', '.join(violated)} violated by {found.label()}")

    def teardown(self) -> None:
        # Steer toward scenarios that load the queues and reset sessions (target() may be
        # called once per label per example, so here, with the maxima).
        target(self.best[0], label="queue delay / hold time")
        target(self.best[1], label="sessions reset by the cascade")


def _machine(search: _Search) -> type[RuleBasedStateMachine]:
    """The state machine of one search: :class:`_ScenarioRules` with its rules' strategies
    drawn from this zone's triggers and speakers."""
    speakers = search.speakers or [""]
    work_lo, work_hi = search.spike_work
    r = _ScenarioRules

    class Scenarios(r):  # type: ignore[valid-type,misc]  # a class built per search
        """Scenarios on the user's zone (see the module docstring)."""

        load = initialize(data=st.data())(r.load)
        flap = rule(i=st.integers(0, max(0, len(search.flaps) - 1)))(r.flap)
        given_trigger = rule(i=st.integers(0, max(0, len(search.given) - 1)))(r.given_trigger)
        spike = rule(s=st.sampled_from(speakers), work=st.integers(work_lo, work_hi))(r.spike)
        restart = rule(s=st.sampled_from(speakers))(r.restart)
        advance = rule(wait=st.sampled_from(WAITS))(r.advance)
        properties_hold = invariant()(r.properties_hold)

    Scenarios.search = search
    return Scenarios


def _default_spike_work(space: Space) -> tuple[int, int]:
    """Spikes from 1,000 units up to what the largest capacity clears in a hold time."""
    zone = space.zone
    hold = max((g.timers.hold for g in zone.groups), default=Fraction(90))
    cap = max(zone.profile_of(g).capacity for g in zone.groups)
    return 1000, max(1000, int(Fraction(str(cap)) * hold))


def _database(search: _Search, database: Path | None) -> DirectoryBasedExampleDatabase | None:
    """The example database of this zone, ranges, flaps, properties and horizon."""
    if database is None:
        return None
    space = search.space
    key = hashlib.sha256("\n".join(
        [space.text, *(f"{p.name}={p.lo}..{p.hi}" for p in space.params),
         *(t.label() for t in search.flaps), *(s.label for s in search.props),
         str(search.horizon), str(search.max_triggers), str(search.timing),
         str(search.base), str(search.cycle)]).encode()).hexdigest()[:16]
    return DirectoryBasedExampleDatabase(str(database / key))


def hypothesis_search(space: Space, triggers: list[Trigger], props: list[Selected],
                      horizon: Fraction, *, budget: float = 60.0, seed: int = 0,
                      max_examples: int = 200, max_triggers: int = 1,
                      database: Path | None = None,
                      progress: Callable[[str], None] = lambda _m: None,
                      spike_work: tuple[int, int] | None = None,
                      timing: Timing | None = None,
                      offsets: Offsets | None = None) -> HypothesisResult:
    """Search scenarios on ``space``'s zone for a violation of ``props``.

    ``triggers``: the flaps (sessions that may flap, one per session group) and the
    user's spikes (which the search may fire at any time; their work follows the
    ``spike`` parameter). Generated spikes and restarts pick among the speakers these
    name. ``spike_work``: the range of generated spike sizes (default: up to a hold time
    of the largest capacity). ``timing``: every run's (default lockstep). ``offsets``:
    the first trigger fires at the triggers' base time (the earliest given) plus an
    offset drawn in one KEEPALIVE cycle (the longest of the triggers'), or at the base
    time only when pinned (the default, as before offsets). The search stops at
    ``max_examples`` or
    when ``budget`` seconds have passed (then shrinking, if a failure was found, still
    runs to the end).
    """
    offsets = offsets or Offsets(pinned=True)
    base = min((t.t for t in triggers), default=Fraction(30))
    cycle = 1 if offsets.pinned else \
        max((cycle_seconds(space.zone, t) for t in triggers), default=1)
    search = _Search(space, triggers, props, horizon, budget, max_triggers,
                     spike_work or _default_spike_work(space), timing, base,
                     min(cycle, max(1, int(horizon - base))))
    conf = settings(max_examples=max_examples, deadline=None,
                    database=_database(search, database),
                    stateful_step_count=2 * max_triggers + 2, derandomize=False,
                    suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
                    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target,
                            Phase.shrink), print_blob=False)
    progress(f"hypothesis: up to {max_examples} examples, budget {budget:g} s, "
             f"seed {seed}")
    try:
        run_state_machine_as_test(hyp_seed(seed)(_machine(search)), settings=conf)
    except _Violation:
        pass
    except Exception as exc:  # a bug here must not pass as HOLDS, nor be a traceback
        return HypothesisResult("UNKNOWN", examples=search.stats["examples"],
                                runs=search.stats["runs"],
                                seconds=time.monotonic() - search.started,
                                reason=f"internal error: {type(exc).__name__}: "
                                f"{str(exc).splitlines()[0] if str(exc) else ''}")
    res = _result(search, max_examples)
    res.seconds = time.monotonic() - search.started
    return res


def _result(search: _Search, max_examples: int) -> HypothesisResult:
    """The search's answer. A failure found is the shrunk scenario replayed afresh (not
    from the cache), sampled every second: its trace is this run, and its verdict is
    judged on this run."""
    stats = search.stats
    res = HypothesisResult("HOLDS", examples=stats["examples"], runs=stats["runs"])
    space = search.space
    if search.found is not None:
        sc = search.found
        r = run_at(space, sc.triggers, sc.point, search.horizon, props=search.props,
                   dt=Fraction(1), timing=search.timing)
        if r.violated:
            res.status, res.scenario, res.violated = "VIOLATED", sc, r.violated
            res.trace = r.trace(space.text_at(sc.point), f"{space.source} (hypothesis)")
        else:
            res.status = "UNKNOWN"
            res.reason = (f"internal error: the shrunk scenario {sc.label()} does not "
                          "violate when replayed")
    elif stats["skipped"]:
        res.status = "UNKNOWN"
        res.reason = (f"budget of {search.budget:g} s ran out after {stats['examples']} of "
                      f"{max_examples} scenarios")
    elif stats["runs"] == 0:
        res.status = "UNKNOWN"
        res.reason = "no scenario was simulated (" + (
            "no trigger to choose from" if not search.triggers else
            f"none of the {stats['examples']} scenarios fired a trigger") + ")"
    return res


class HypothesisSearch:
    """Engine ``hypothesis`` (the :class:`~bgpcascade.properties.result.Engine` protocol):
    :func:`hypothesis_search` on the question's zone, ranges and triggers, within what
    is left of its budget. ``parameters``: ``seed`` (default 0), ``examples`` (200),
    ``max_triggers`` (1), ``database`` (a directory, default none)."""

    name = "hypothesis"
    covers_ranges = True

    def check(self, question: Question) -> Result:
        """Search scenarios for a violation of ``question.props``."""
        q, knobs = question, question.parameters
        assert q.space is not None, "the Hypothesis engine searches a given zone"
        seed, triggers = int(knobs.get("seed", 0)), int(knobs.get("max_triggers", 1))
        database = knobs.get("database")
        timing, offsets = question_timing(knobs), question_offsets(knobs)
        res = hypothesis_search(q.space, list(q.triggers), list(q.props), q.horizon,
                                budget=max(0.0, q.remaining()), seed=seed,
                                max_examples=int(knobs.get("examples", 200)),
                                max_triggers=triggers,
                                database=None if database is None else Path(database),
                                progress=q.progress, timing=timing, offsets=offsets)
        bounds = {"horizon_s": json_number(q.horizon), "examples": res.examples, "runs": res.runs,
                  **timing_bounds(timing), "seed": seed,
                  "triggers": [t.label() for t in q.triggers],
                  "ranges": {p.name: [p.lo, p.hi] for p in q.space.params},
                  "trigger_offsets": offsets.bounds(q.space.zone, q.triggers, "drawn")}
        covered = f"{res.examples} scenarios of up to {triggers} trigger(s), seed {seed}, " \
            f"horizon {json_number(q.horizon)} s (a bounded search, not a proof)"
        cx = None
        if res.status == "VIOLATED":
            assert res.scenario is not None and res.trace is not None
            sc = res.scenario
            cx = Counterexample(q.space.text_at(sc.point), f"{q.space.source} (hypothesis)",
                                tuple(sc.triggers), dict(sc.point), tuple(res.violated),
                                res.trace)
        status = as_status(res.status)
        return Result(self.name, status, bounds, cx,
                      {"examples": res.examples, "runs": res.runs}, covered, res.reason, res)
