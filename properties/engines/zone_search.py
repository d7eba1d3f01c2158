"""The search state over one zone (:class:`ZoneSearch`): its budget, counters, executor,
timing and trigger offsets, the symbolic run of one trigger at one point and its replay in
the plain simulator (docs/model.md, "The Z3 engine"). The questions asked with it (is
there a violation? where is the boundary?) are in :mod:`.cascade_z3`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import z3

from bgpcascade.model.dynamics import SessionEvent, Trigger
from bgpcascade.model.numbers import json_number
from bgpcascade.model.outcomes import Outcome
from bgpcascade.model.params import Param, Space
from bgpcascade.model.reflection import View
from bgpcascade.model.timing import Timing
from bgpcascade.model.topology import session_name

from ..executor import Executor, LocalExecutor
from ..library import Selected
from ..result import Question
from ..runner import run, run_at
from .linear import NotSymbolic, binder, linearise
from .offsets import Offsets, question_offsets, question_timing, timing_bounds
from .symbolic import PathCondition, evaluate, recording


class BudgetExceeded(Exception):
    """The time budget ran out."""


class ReplayMismatch(Exception):
    """A counterexample did not replay identically in the plain simulator (a bug)."""


# -- one symbolic path ----------------------------------------------------------------------
@dataclass
class SymbolicPath:
    """One symbolic run: its witness point, path condition, events and verdicts."""

    trigger: Trigger
    point: dict[str, int]
    pc: PathCondition
    events: list[SessionEvent]
    outcome: Outcome
    holds: dict[str, bool]
    steps: int
    #: The run's node keys in order. A group's key names its members (``[a-c1..a-c300]``),
    #: so a replay at another point of the region has other keys for the same nodes.
    keys: tuple[str, ...] = ()

    @property
    def violated(self) -> list[str]:
        """Labels of the properties this path violates."""
        return [k for k, ok in self.holds.items() if not ok]


@dataclass
class ZoneSearch:
    """The search over one zone: parameters, triggers, properties, horizon, budget."""

    space: Space
    triggers: list[Trigger]
    props: list[Selected]
    horizon: Fraction
    timeout: float = 60.0
    progress: Callable[[str], None] = field(default=lambda _msg: None)
    started: float = field(default_factory=time.monotonic)
    paths: int = 0
    max_steps: int = 0
    solver_calls: int = 0
    xs: dict[str, z3.ArithRef] = field(default_factory=dict)
    jobs: int = 1
    #: Where plain runs fan out (:mod:`bgpcascade.properties.executor`): the caller's
    #: (the review's, say), which it closes itself; by default a :class:`LocalExecutor`
    #: of ``jobs`` processes, started on first use and closed by :meth:`close`.
    executor: Executor | None = None
    #: The seed, phases and cohorts of every run (None: lockstep, the model's default).
    timing: Timing | None = None
    #: Which times each trigger is tried at (:mod:`.offsets`): pinned (its own time only)
    #: unless the question asks for every offset of the KEEPALIVE cycle.
    offsets: Offsets = field(default_factory=lambda: Offsets(pinned=True))
    _own_executor: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        self.xs = {p.name: z3.Int(p.name) for p in self.space.params}

    def fan_out(self) -> Executor:
        """The executor of plain runs (see :meth:`close`)."""
        if self.executor is None:
            self.executor = LocalExecutor(self.jobs)
            self._own_executor = True
        return self.executor

    def close(self) -> None:
        """Stop the worker processes of the executor this search started, if any (one
        the caller gave is the caller's to close)."""
        if self._own_executor and self.executor is not None:
            self.executor.close()

    @classmethod
    def for_question(cls, q: Question) -> ZoneSearch:
        """The search of ``q``'s zone, ranges, triggers and properties within its budget
        (``parameters``: ``jobs``, processes for plain runs, default 1; ``timing``;
        ``offsets``, default every offset of the KEEPALIVE cycle)."""
        assert q.space is not None, "the Z3 engine searches a given zone"
        return cls(q.space, list(q.triggers), list(q.props), q.horizon, timeout=q.budget,
                   progress=q.progress, started=q.started,
                   jobs=int(q.parameters.get("jobs", 1)),
                   timing=question_timing(q.parameters),
                   offsets=question_offsets(q.parameters))

    def bounds(self) -> dict[str, Any]:
        """The bounds a verdict holds within (``check --json``'s ``bounds``: a contract)."""
        return {"horizon_s": json_number(self.horizon), "events_max": self.max_steps,
                "paths": self.paths, "triggers": [t.label() for t in self.triggers],
                "ranges": {p.name: [p.lo, p.hi] for p in self.space.params},
                "properties": [s.label for s in self.props],
                "trigger_offsets": self.offsets.bounds(self.space.zone, self.triggers),
                **timing_bounds(self.timing)}

    def timing_label(self) -> str:
        """The runs' timing in words: seed, phases, cohorts."""
        t = timing_bounds(self.timing)
        return f"seed {t['seed']}, phases {t['phases']}, cohorts {t['cohorts']}"

    def grid(self) -> list[list[Trigger]]:
        """Per trigger, the times it is tried at (:class:`~.offsets.Offsets`)."""
        return self.offsets.expand(self.space.zone, self.triggers)

    def covered(self) -> str:
        """The bounds in one line: horizon, triggers, ranges, paths."""
        ranges = ", ".join(f"{p.name}={p.lo}..{p.hi}" for p in self.space.params
                           if p.lo < p.hi) or "the zone as written"
        offsets = self.offsets.bounds(self.space.zone, self.triggers)
        at = "pinned" if self.offsets.pinned else \
            f"each at {offsets['count']} offsets (every second of a KEEPALIVE cycle)"
        return f"horizon {json_number(self.horizon)} s, {len(self.triggers)} triggers " \
            f"{at}, {ranges}; {self.paths} paths of up to {self.max_steps} events"

    # -- budget ---------------------------------------------------------------------------
    def remaining(self) -> float:
        """Seconds left of the budget."""
        return self.timeout - (time.monotonic() - self.started)

    def _check_budget(self) -> None:
        if self.remaining() <= 0:
            raise BudgetExceeded

    def _solver(self) -> z3.Solver:
        self._check_budget()
        s = z3.Solver()
        s.set("timeout", max(1, int(self.remaining() * 1000)))
        return s

    def ranges(self, params: Sequence[Param]) -> list[z3.BoolRef]:
        """``lo <= x <= hi`` for each parameter."""
        return [z3.And(self.xs[p.name] >= p.lo, self.xs[p.name] <= p.hi) for p in params]

    # -- runs -----------------------------------------------------------------------------
    def run(self, trigger: Trigger, point: Mapping[str, int],
            symbolic: Sequence[Param] | None = None) -> SymbolicPath:
        """The symbolic run of ``trigger`` at ``point`` (parameters in ``symbolic`` are
        Z3 terms; default: every parameter whose range has more than one value)."""
        self._check_budget()
        if symbolic is None:
            symbolic = [p for p in self.space.params if p.lo < p.hi]
        point = self.space.point(point)
        try:
            lin = linearise(self.space, point, symbolic, [trigger], self.timing)
        except ValueError as exc:
            raise NotSymbolic(str(exc)) from None
        zone = self.space.zone_at(point)
        with recording(self.xs) as pc:
            r = run(zone, [self.space.trigger_at(trigger, point)], self.horizon,
                    props=self.props, bind=binder(lin), timing=self.timing)
        self.paths += 1
        self.max_steps = max(self.max_steps, r.steps)
        return SymbolicPath(trigger, point, pc, list(r.sim.events), r.outcome, r.holds,
                            r.steps, tuple(r.sim.nodes))

    def replay(self, path: SymbolicPath, point: Mapping[str, int]) -> dict[str, Any]:
        """Run the plain simulator at ``point`` (inside ``path``'s region) and check it
        agrees with ``path`` event for event and violates the same properties; return its
        trace (sampled every second, as ``simulate`` does)."""
        point = self.space.point(point)
        r = run_at(self.space, [path.trigger], point, self.horizon, props=self.props,
                   dt=Fraction(1), timing=self.timing)
        sim = r.sim
        rename = dict(zip(path.keys, sim.nodes, strict=False)) \
            if len(path.keys) == len(sim.nodes) else {}

        def here(session: str) -> str:
            a, b = session.split("~", 1)
            return session_name(rename.get(a, a), rename.get(b, b))

        expected = [(evaluate(e.t, point, self.xs), here(e.session),
                     evaluate(e.count, point, self.xs), e.kind, e.reason)
                    for e in path.events]
        got = [(e.t, e.session, e.count, e.kind, e.reason) for e in sim.events]
        if expected != got:
            first = next((i for i, (a, b) in enumerate(zip(expected, got, strict=False))
                          if a != b), min(len(expected), len(got)))
            raise ReplayMismatch(f"event {first}: Z3 path {expected[first:first + 1]} vs "
                                 f"simulator {got[first:first + 1]}")
        for label, ok in r.holds.items():
            if ok != path.holds[label]:
                raise ReplayMismatch(f"{label}: Z3 path says {path.holds[label]}, "
                                     "the simulator disagrees")
        return r.trace(self.space.text_at(point),
                       f"{self.space.source} ({_point_label(point)})")

    def minimise(self, path: SymbolicPath) -> dict[str, int]:
        """The least stressed point of ``path``'s region (fewest clients and routes, most
        capacity and hold time, in parameter order), by ``z3.Optimize``."""
        params = [p for p in self.space.params if p.lo < p.hi]
        if not params:
            return dict(path.point)
        opt = z3.Optimize()
        opt.set("timeout", max(1, int(min(self.remaining(), 10.0) * 1000)))
        opt.add(*self.ranges(params), path.pc.formula(self.xs))
        for p in params:
            x = self.xs[p.name]
            opt.minimize(x) if p.worse == "up" else opt.maximize(x)
        if opt.check() != z3.sat:
            return dict(path.point)
        m = opt.model()
        return {**path.point, **{p.name: m.eval(self.xs[p.name], model_completion=True)
                                 .as_long() for p in params}}


def _point_label(point: Mapping[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(point.items())) or "as written"


# -- the questions --------------------------------------------------------------------------
@dataclass
class Finding:
    """The answer to one question: status, bounds, and the counterexample if any."""

    status: str  # HOLDS / VIOLATED / UNKNOWN
    reason: str = ""
    trigger: Trigger | None = None
    point: dict[str, int] | None = None
    violated: list[str] = field(default_factory=list)
    trace: dict[str, Any] | None = None
    triggers_checked: int = 0


def representative_flaps(space: Space, at: Fraction) -> list[Trigger]:
    """One flap per session group of the zone at rest (a leaf RR's clients are
    interchangeable: the first one stands for all), at time ``at``."""
    zone = space.zone
    view = View.from_zone(zone)
    out: list[Trigger] = []
    for a, b, _rel in view.pairs():
        na = zone.group(view.nodes[a].group).names[0]
        nb = zone.group(view.nodes[b].group).names[0]
        if na == nb:  # a group's members peering each other (explicit full mesh)
            nb = zone.group(view.nodes[b].group).names[1]
        x, y = sorted((na, nb))
        out.append(Trigger("flap", at, x, y))
    return out
