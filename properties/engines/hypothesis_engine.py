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

from bgpcascade.model.dynamics import Sim, Trigger
from bgpcascade.model.outcomes import Outcome
from bgpcascade.model.params import Space
from bgpcascade.model.trace import Recorder, build_trace

from ..library import Selected

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


def hypothesis_search(space: Space, triggers: list[Trigger], props: list[Selected],
                      horizon: Fraction, *, budget: float = 60.0, seed: int = 0,
                      max_examples: int = 200, max_triggers: int = 1,
                      database: Path | None = None,
                      progress: Callable[[str], None] = lambda _m: None,
                      spike_work: tuple[int, int] | None = None) -> HypothesisResult:
    """Search scenarios on ``space``'s zone for a violation of ``props``.

    ``triggers``: the flaps (sessions that may flap, one per session group) and the
    user's spikes (which the search may fire at any time; their work follows the
    ``spike`` parameter). Generated spikes and restarts pick among the speakers these
    name. ``spike_work``: the range of generated spike sizes (default: up to a hold time
    of the largest capacity). The search stops at ``max_examples`` or
    when ``budget`` seconds have passed (then shrinking, if a failure was found, still
    runs to the end).
    """
    started = time.monotonic()
    flaps = [t for t in triggers if t.kind == "flap"]
    given = [t for t in triggers if t.kind != "flap"]
    speakers = sorted({n for t in triggers for n in (t.a, t.b) if n is not None})
    zone = space.zone
    if spike_work is None:
        hold = max((g.timers.hold for g in zone.groups), default=Fraction(90))
        cap = max(zone.profile_of(g).capacity for g in zone.groups)
        spike_work = (1000, max(1000, int(Fraction(str(cap)) * hold)))
    work_lo, work_hi = spike_work
    last: dict[str, Any] = {}
    stats = {"examples": 0, "runs": 0, "skipped": 0}
    params = [p for p in space.params if p.lo < p.hi]
    cache: dict[tuple[Any, ...], tuple[list[str], Outcome, Sim, Recorder]] = {}

    def simulate(point: dict[str, int], triggers: list[Trigger]) -> tuple[list[str], Outcome]:
        key = (tuple(sorted(point.items())), tuple(t.label() for t in triggers))
        if key not in cache:
            if len(cache) > 256:
                cache.clear()
            sim = Sim(space.zone_at(point), [space.trigger_at(t, point) for t in triggers])
            rec = Recorder(sim, horizon, horizon)
            rec.run()
            stats["runs"] += 1
            out = Outcome.of(rec)
            cache[key] = ([s.label for s in props if not s.holds(out)], out, sim, rec)
        violated, out, _, _ = cache[key]
        return violated, out

    class Scenarios(RuleBasedStateMachine):
        """Scenarios on the user's zone (see the module docstring)."""

        def __init__(self) -> None:
            super().__init__()
            self.point: dict[str, int] = space.point()
            self.clock = Fraction(0)
            self.triggers: list[Trigger] = []
            self.checked = 0
            self.over_budget = False
            self.best = (0.0, 0.0)  # queue delay / hold, cascade resets: for target()

        @initialize(data=st.data())
        def load(self, data: st.DataObject) -> None:
            self.over_budget = "found" not in last and \
                time.monotonic() - started > budget
            stats["skipped" if self.over_budget else "examples"] += 1
            for p in params:
                # Shrinks toward the least stressed value (the safe end of the range).
                k = data.draw(st.integers(0, p.hi - p.lo), label=p.name)
                self.point[p.name] = p.lo + k if p.worse == "up" else p.hi - k
            self.clock = Fraction(data.draw(st.sampled_from((10, 30)), label="first_at"))

        def _add(self, trig: Trigger) -> None:
            if self.over_budget or len(self.triggers) >= max_triggers or \
                    self.clock >= horizon:
                return
            self.triggers.append(trig)

        @rule(i=st.integers(0, max(0, len(flaps) - 1)))
        def flap(self, i: int) -> None:
            if flaps:
                f = flaps[i]
                self._add(Trigger("flap", self.clock, f.a, f.b))

        @rule(i=st.integers(0, max(0, len(given) - 1)))
        def given_trigger(self, i: int) -> None:
            if given:
                self._add(replace(given[i], t=self.clock))

        @rule(s=st.sampled_from(speakers or [""]),
              work=st.integers(work_lo, work_hi))
        def spike(self, s: str, work: int) -> None:
            if s:
                self._add(Trigger("spike", self.clock, s, work=Fraction(work)))

        @rule(s=st.sampled_from(speakers or [""]))
        def restart(self, s: str) -> None:
            if s:
                self._add(Trigger("restart", self.clock, s))

        @rule(wait=st.sampled_from(WAITS))
        def advance(self, wait: int) -> None:
            self.clock = min(horizon - 1, self.clock + wait)

        @invariant()
        def properties_hold(self) -> None:
            if self.over_budget or len(self.triggers) == self.checked:
                return
            self.checked = len(self.triggers)
            violated, out = simulate(self.point, self.triggers)
            ratio = max((float(out.peak_delay[k] / h) for k, h in out.hold_of.items()
                         if h > 0), default=0.0)
            self.best = (max(self.best[0], ratio),
                         max(self.best[1], float(out.cascade_size())))
            if violated:
                last["found"] = True
                last["scenario"] = Scenario(dict(self.point), list(self.triggers))
                last["violated"] = violated
                raise _Violation(f"{', '.join(violated)} violated by "
                                 f"{last['scenario'].label()}")

        def teardown(self) -> None:
            # Steer toward scenarios that load the queues and reset sessions (target()
            # may be called once per label per example, so here, with the maxima).
            target(self.best[0], label="queue delay / hold time")
            target(self.best[1], label="sessions reset by the cascade")

    db = None
    if database is not None:
        key = hashlib.sha256("\n".join(
            [space.text, *(f"{p.name}={p.lo}..{p.hi}" for p in space.params),
             *(t.label() for t in flaps), *(s.label for s in props), str(horizon),
             str(max_triggers)]).encode()).hexdigest()[:16]
        db = DirectoryBasedExampleDatabase(str(database / key))
    conf = settings(max_examples=max_examples, deadline=None, database=db,
                    stateful_step_count=2 * max_triggers + 2, derandomize=False,
                    suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
                    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target,
                            Phase.shrink), print_blob=False)
    progress(f"hypothesis: up to {max_examples} examples, budget {budget:g} s, "
             f"seed {seed}")
    machine = hyp_seed(seed)(Scenarios)
    try:
        run_state_machine_as_test(machine, settings=conf)
    except _Violation:
        pass
    except Exception as exc:  # a bug here must not pass as HOLDS, nor be a traceback
        return HypothesisResult("UNKNOWN", examples=stats["examples"], runs=stats["runs"],
                                seconds=time.monotonic() - started,
                                reason=f"internal error: {type(exc).__name__}: "
                                f"{str(exc).splitlines()[0] if str(exc) else ''}")
    res = HypothesisResult("HOLDS", examples=stats["examples"], runs=stats["runs"])
    if "scenario" in last:
        # The shrunk scenario, replayed afresh (not from the cache) before it is shown:
        # its trace is this run, and its verdict is judged on this run.
        sc: Scenario = last["scenario"]
        sim = Sim(space.zone_at(sc.point), [space.trigger_at(t, sc.point)
                                             for t in sc.triggers])
        rec = Recorder(sim, horizon, Fraction(1))
        rec.run()
        out = Outcome.of(rec)
        violated = [s.label for s in props if not s.holds(out)]
        if violated:
            res.status, res.scenario, res.violated = "VIOLATED", sc, violated
            res.trace = build_trace(space.text_at(sc.point),
                                    f"{space.source} (hypothesis)", sim, rec)
        else:
            res.status = "UNKNOWN"
            res.reason = (f"internal error: the shrunk scenario {sc.label()} does not "
                          "violate when replayed")
    elif stats["skipped"]:
        res.status = "UNKNOWN"
        res.reason = (f"budget of {budget:g} s ran out after {stats['examples']} of "
                      f"{max_examples} scenarios")
    elif stats["runs"] == 0:
        res.status = "UNKNOWN"
        res.reason = "no scenario was simulated (" + (
            "no trigger to choose from" if not triggers else
            f"none of the {stats['examples']} scenarios fired a trigger") + ")"
    res.seconds = time.monotonic() - started
    return res
