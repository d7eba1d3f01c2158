"""The Z3 cascade search: is there ONE flap, at any parameter point in range, that snowballs?

Bounded model checking of the simulator's own step function, path by path
(docs/model.md, "The Z3 engine"):

1. Pick a parameter point (first the zone's current values, then whatever Z3 returns).
2. Run :class:`~bgpcascade.model.dynamics.Sim` there on :class:`~.symbolic.Sym`
   numbers: the varied fields (a node's client count, routes, capacity; a session's
   timers) are Z3 terms in the parameters, everything else is as in the plain run. The
   run records its path condition: the region of parameter space where the unrolled step
   takes the same ``k`` events with the same branches and the same property verdicts.
3. A violated property there is a counterexample for the whole region: minimise it inside
   the region with ``z3.Optimize``, replay it in the plain simulator, and report it only
   if the replay agrees event for event.
4. Otherwise ask Z3 for a point in the ranges outside every region seen so far. UNSAT
   means the regions cover the ranges: the properties HOLD for every point, for that
   trigger, up to the horizon (and the ``k`` events it took). A solver ``unknown`` or an
   exhausted budget is UNKNOWN, never HOLDS.

:func:`boundary` walks one parameter from its safe end, jumping over whole regions at
once (a binary search with the solver for the first value outside the union of the
current regions), and stops at the first violating value: the boundary is the value
before it, exact at the model's resolution (whole numbers).

:class:`ZoneSearch` here is the search state over one zone (budget, counters, the executor
its plain runs fan out through). :class:`SimScan` (``check --engine sim``) and
:class:`Z3Search` (``--engine z3``) answer the one engine protocol of
:mod:`bgpcascade.properties.result` with it. Every concrete run goes through
:mod:`bgpcascade.properties.runner`; how a run is made symbolic is in :mod:`.linear`.
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
from bgpcascade.model.topology import session_name

from ..executor import Executor, LocalExecutor
from ..library import Selected
from ..result import Counterexample, Question, Result
from ..runner import RunJob, run, run_at, violations
from ..verdict import as_status
from .linear import NotSymbolic, binder, linearise
from .regions import interval_guess as _interval_guess
from .symbolic import PathCondition, evaluate, recording

__all__ = ["NotSymbolic", "linearise"]  # re-exported: they lived here


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
        (``parameters["jobs"]``: processes for plain runs, default 1)."""
        assert q.space is not None, "the Z3 engine searches a given zone"
        return cls(q.space, list(q.triggers), list(q.props), q.horizon, timeout=q.budget,
                   progress=q.progress, started=q.started,
                   jobs=int(q.parameters.get("jobs", 1)))

    def bounds(self) -> dict[str, Any]:
        """The bounds a verdict holds within (``check --json``'s ``bounds``: a contract)."""
        return {"horizon_s": json_number(self.horizon), "events_max": self.max_steps,
                "paths": self.paths, "triggers": [t.label() for t in self.triggers],
                "ranges": {p.name: [p.lo, p.hi] for p in self.space.params},
                "properties": [s.label for s in self.props]}

    def covered(self) -> str:
        """The bounds in one line: horizon, triggers, ranges, paths."""
        ranges = ", ".join(f"{p.name}={p.lo}..{p.hi}" for p in self.space.params
                           if p.lo < p.hi) or "the zone as written"
        return f"horizon {json_number(self.horizon)} s, {len(self.triggers)} triggers, " \
            f"{ranges}; {self.paths} paths of up to {self.max_steps} events"

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
            lin = linearise(self.space, point, symbolic, [trigger])
        except ValueError as exc:
            raise NotSymbolic(str(exc)) from None
        zone = self.space.zone_at(point)
        with recording(self.xs) as pc:
            r = run(zone, [self.space.trigger_at(trigger, point)], self.horizon,
                    props=self.props, bind=binder(lin))
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
                   dt=Fraction(1))
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


def exists_violation(eng: ZoneSearch) -> Finding:
    """Is there a trigger and a point in the ranges where a property fails?"""
    params = [p for p in eng.space.params if p.lo < p.hi]
    checked = 0
    try:
        for n, trig in enumerate(eng.triggers, 1):
            eng.progress(f"z3: trigger {n}/{len(eng.triggers)} {trig.label()}")
            solver = eng._solver()
            solver.add(*eng.ranges(params))
            point = eng.space.point()
            for p in params:
                point[p.name] = min(max(point[p.name], p.lo), p.hi)
            while True:
                path = eng.run(trig, point)
                if path.violated:
                    return _counterexample(eng, path)
                solver.add(z3.Not(path.pc.formula(eng.xs)))
                eng.solver_calls += 1
                solver.set("timeout", max(1, int(eng.remaining() * 1000)))
                r = solver.check()
                if r == z3.unsat:
                    break
                if r != z3.sat:
                    return Finding("UNKNOWN", f"solver: {solver.reason_unknown()}",
                                   triggers_checked=checked)
                m = solver.model()
                point = {**point, **{p.name: m.eval(eng.xs[p.name], model_completion=True)
                                     .as_long() for p in params}}
            checked += 1
    except BudgetExceeded:
        return Finding("UNKNOWN", f"budget of {eng.timeout:g} s ran out after "
                       f"{checked} of {len(eng.triggers)} triggers",
                       triggers_checked=checked)
    except NotSymbolic as exc:
        return Finding("UNKNOWN", f"no symbolic run there: {exc}", triggers_checked=checked)
    return Finding("HOLDS", triggers_checked=checked)


@dataclass
class Ranked:
    """One trigger's outcome at the zone as written (``check --engine sim``)."""

    trigger: Trigger
    cascade_sessions: int
    clients_isolated_peak: int
    verdict: str
    violated: list[str]
    finding: Finding | None


def rank_triggers(eng: ZoneSearch) -> list[Ranked]:
    """Simulate every trigger at the current values; worst first (most sessions reset by
    the cascade, then most clients isolated, then trigger order): the worst trigger."""
    out: list[tuple[tuple[int, int, int], Ranked]] = []
    point = eng.space.point()
    for n, trig in enumerate(eng.triggers):
        eng.progress(f"sim: trigger {n + 1}/{len(eng.triggers)} {trig.label()}")
        eng._check_budget()
        ran = run_at(eng.space, [trig], point, eng.horizon, props=eng.props, dt=Fraction(1))
        trig = eng.space.trigger_at(trig, point)
        eng.paths += 1
        eng.max_steps = max(eng.max_steps, ran.steps)
        o, violated = ran.outcome, ran.violated
        finding = None
        if violated:
            trace = ran.trace(eng.space.text_at(point),
                            f"{eng.space.source} ({_point_label(point)})")
            finding = Finding("VIOLATED", trigger=trig, point=point, violated=violated,
                              trace=trace)
            verdict = str(trace["summary"]["verdict"])
        else:
            verdict = "contained" if not o.cascaded() else "cascade"
        r = Ranked(trig, o.cascade_size(), o.isolated_peak, verdict, violated, finding)
        out.append(((-r.cascade_sessions, -r.clients_isolated_peak, n), r))
    return [r for _, r in sorted(out, key=lambda kr: kr[0])]


def _counterexample(eng: ZoneSearch, path: SymbolicPath) -> Finding:
    point = eng.minimise(path)
    try:
        trace = eng.replay(path, point)
    except ReplayMismatch as exc:
        return Finding("UNKNOWN", f"internal error: the counterexample did not replay ({exc})")
    return Finding("VIOLATED", trigger=eng.space.trigger_at(path.trigger, point), point=point,
                   violated=path.violated,
                   trace=trace)


# -- the Engine protocol (properties/result.py) ---------------------------------------------------
def _result(name: str, eng: ZoneSearch, f: Finding, statistics: dict[str, Any],
            detail: Any) -> Result:
    """A :class:`Finding` as the one result type."""
    cx = None
    if f.status == "VIOLATED":
        assert f.trace is not None and f.point is not None and f.trigger is not None
        cx = Counterexample(eng.space.text_at(f.point), eng.space.source, (f.trigger,),
                            dict(f.point), tuple(f.violated), f.trace)
    status = as_status(f.status)
    return Result(name, status, eng.bounds(), cx, statistics, eng.covered(), f.reason,
                  detail)


class _Searches:
    """One search state per zone: the paths and events a verdict's bounds count add up
    over the questions asked about the same zone (those after a counterexample ask for
    the properties still open), and they share one budget."""

    def __init__(self) -> None:
        self._eng: ZoneSearch | None = None
        self._asked: tuple[int, float] | None = None

    def search(self, q: Question) -> ZoneSearch:
        """The search state for ``q`` (a new one for another zone or budget)."""
        key = (id(q.space), q.started)
        if self._eng is None or self._asked != key:
            self._eng, self._asked = ZoneSearch.for_question(q), key
        self._eng.props = list(q.props)
        return self._eng


class SimScan(_Searches):
    """Engine ``sim``: every trigger at the zone as written, in the plain simulator,
    ranked worst first; the worst violating one is the counterexample. ``statistics``
    has the ranking (``triggers_ranked``), ``detail`` the :class:`Ranked` list."""

    name = "sim"
    covers_ranges = False

    def check(self, question: Question) -> Result:
        """Rank every trigger of ``question`` (UNKNOWN when the budget runs out first)."""
        eng = self.search(question)
        ranked: list[Ranked] = []
        try:
            ranked = rank_triggers(eng)
            worst = next((r.finding for r in ranked if r.finding is not None), None)
            f = worst if worst is not None else Finding("HOLDS")
        except BudgetExceeded:
            f = Finding("UNKNOWN", f"budget of {eng.timeout:g} s ran out")
        table = [{"trigger": r.trigger.label(), "verdict": r.verdict,
                  "cascade_sessions": r.cascade_sessions,
                  "clients_isolated_peak": r.clients_isolated_peak,
                  "violated": r.violated} for r in ranked]
        return _result(self.name, eng, f, {"triggers_ranked": table}, ranked)


class Z3Search(_Searches):
    """Engine ``z3``: :func:`exists_violation` over every point of the ranges."""

    name = "z3"
    covers_ranges = True

    def check(self, question: Question) -> Result:
        """Search ``question``'s ranges for one trigger that violates a property."""
        eng = self.search(question)
        try:
            f = exists_violation(eng)
        finally:
            eng.close()
        return _result(self.name, eng, f, {"paths": eng.paths, "events_max": eng.max_steps,
                                           "solver_calls": eng.solver_calls}, f)


@dataclass
class Boundary:
    """The result of :func:`boundary`.

    ``engine``: ``z3`` when every value up to the boundary was covered by Z3 path regions,
    ``z3+sim-scan`` when some stretches were run value by value in the plain simulator
    (where the regions are narrower than a scan is expensive), ``sim-scan`` when only the
    simulator ran. Every value is decided exactly either way.
    """

    param: Param
    status: str  # HOLDS (boundary found or whole range safe) / UNKNOWN
    boundary: int | None
    counterexample: Finding | None
    reason: str = ""
    z3_paths: int = 0
    scanned: int = 0
    covered_by_z3: int = 0

    @property
    def engine(self) -> str:
        """Which engine decided the values (see the class docstring)."""
        if self.scanned and self.z3_paths:
            return "z3+sim-scan"
        return "sim-scan" if self.scanned else "z3"


#: A Z3 path costs about this many plain simulator runs (measured in benchmarks/); when
#: the last region covered fewer values, the next stretch is scanned value by value.
SCAN_WHEN_NARROWER = 16


#: Values each trigger runs in the plain simulator before its first Z3 path: near a
#: realistic zone the regions are a few values wide (benchmarks/RESULTS.md).
SCAN_FIRST = 8


@dataclass
class _Walk:
    """The state of one :func:`boundary` walk: the grid (``start``, ``step``, ``end``)
    and, per trigger, the last value proved safe (``covered``), the values still to run
    in the plain simulator before trying Z3 again (``scan_left``) and how many to run
    next time Z3's regions come out narrow (``scan_len``)."""

    param: Param
    start: int
    step: int
    end: int
    covered: dict[int, int]
    scan_left: dict[int, int]
    scan_len: dict[int, int]
    scanned: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, eng: ZoneSearch, param: Param) -> _Walk:
        """From ``param``'s safe end to the last grid value of its range."""
        step = param.step if param.worse == "up" else -param.step
        end = param.hi if step > 0 else param.lo
        end = param.safe_end + (end - param.safe_end) // step * step  # the last grid value
        covered = {i: param.safe_end - step for i in range(len(eng.triggers))}
        return cls(param, param.safe_end, step, end, covered,
                   dict.fromkeys(covered, SCAN_FIRST), dict.fromkeys(covered,
                                                                     SCAN_WHEN_NARROWER))

    def past(self, a: int, b: int) -> bool:
        """``a`` is beyond ``b`` in the walk's direction."""
        return a > b if self.step > 0 else a < b

    def plain(self, eng: ZoneSearch, indices: list[int], x: int) -> dict[int, Finding]:
        """Run ``indices`` at ``x`` in the plain simulator; the counterexamples found."""
        found: dict[int, Finding] = {}
        batch = _plain_batch(eng, indices, {self.param.name: x})
        self.scanned.add(x)  # counted once run (a budget may stop the batch)
        for i, violated in batch:
            if violated:
                found[i] = _plain_violation(eng, eng.triggers[i], {self.param.name: x})
            self.covered[i] = x
        return found

    def symbolic(self, eng: ZoneSearch, i: int, x: int, res: Boundary) -> Finding | None:
        """Trigger ``i``'s Z3 path at ``x``: its counterexample, or None with
        ``covered[i]`` moved to the end of the path's region (run concretely when the
        parameter cannot be made symbolic there). Raises ReplayMismatch."""
        try:
            path = eng.run(eng.triggers[i], {self.param.name: x}, symbolic=[self.param])
        except NotSymbolic:
            # Run this value concretely, and scan the next ones for this trigger.
            self.scan_left[i] = self.scan_len[i]
            return self.plain(eng, [i], x).get(i)
        res.z3_paths += 1
        if path.violated:
            return Finding("VIOLATED", trigger=eng.space.trigger_at(eng.triggers[i],
                                                                    path.point),
                           point=path.point, violated=path.violated,
                           trace=eng.replay(path, path.point))
        nxt = _first_outside(eng, eng.xs[self.param.name], path.pc, x, self.end, self.step)
        self.covered[i] = self.end if nxt is None else nxt - self.step
        if abs(self.covered[i] - x) // abs(self.step) + 1 < SCAN_WHEN_NARROWER:
            self.scan_left[i] = self.scan_len[i]
            self.scan_len[i] = min(self.scan_len[i] * 2, 1024)
        else:
            self.scan_len[i] = SCAN_WHEN_NARROWER
        return None

    def at(self, eng: ZoneSearch, x: int, res: Boundary) -> dict[int, Finding]:
        """Cover ``x`` for every trigger that does not yet: the counterexamples there."""
        due = [i for i in self.covered if self.past(x, self.covered[i])]
        plain = [i for i in due if self.scan_left[i] > 0]
        found = self.plain(eng, plain, x) if plain else {}
        for i in plain:
            self.scan_left[i] -= 1
        for i in due:
            if i in plain or (found and i > min(found)):
                continue
            f = self.symbolic(eng, i, x, res)
            if f is not None:
                found[i] = f
        return found

    def count(self, res: Boundary) -> None:
        """``res.scanned`` and ``res.covered_by_z3``: the values up to the boundary that
        no plain run decided (a value scanned past the boundary, where the violation was
        found, is not one of them)."""
        res.scanned = len(self.scanned)
        done = res.boundary if res.boundary is not None else self.start - self.step
        upto = abs(done - self.start) // abs(self.step) + 1
        res.covered_by_z3 = upto - sum(1 for v in self.scanned if not self.past(v, done))


def boundary(eng: ZoneSearch, param: Param) -> Boundary:
    """The last safe value of ``param`` walking from its safe end (others at their current
    values), and the counterexample just past it.

    Each trigger keeps its own frontier: the last value up to which it is proved safe. A
    symbolic path at value x covers that trigger's whole region at once (the first value
    outside it comes from the region's bounds, confirmed by Z3). Where a trigger's regions
    are narrow (near a cascade every few clients change the event order), its next values
    run one by one in the plain simulator (through ``eng``'s executor), then Z3 is tried
    again. The walk moves on only when every trigger covers the current value, so the
    first violation found is at the first violating value; among the triggers violating
    there, the first in trigger order is the counterexample.
    """
    walk = _Walk.of(eng, param)
    res = Boundary(param, "HOLDS", None, None)
    x = walk.start
    try:
        while True:
            eng.progress(f"search: {param.name}={x} ({len(eng.triggers)} triggers)")
            found = walk.at(eng, x, res)
            if found:
                res.boundary = _before(x, walk.start, walk.step)
                res.counterexample = found[min(found)]
                return res
            # Every trigger covers x now; the next value some trigger does not cover:
            covered = walk.covered.values()
            frontier = min(covered) if walk.step > 0 else max(covered)
            if frontier == walk.end:
                res.boundary = walk.end
                break
            x = frontier + walk.step
    except ReplayMismatch as exc:
        res.status, res.boundary = "UNKNOWN", _before(x, walk.start, walk.step)
        res.reason = f"internal error: replay disagrees ({exc})"
    except BudgetExceeded:
        res.status = "UNKNOWN"
        res.boundary = _before(x, walk.start, walk.step)
        res.reason = f"budget of {eng.timeout:g} s ran out at {param.name}={x}"
    except SolverGaveUp as exc:
        res.status = "UNKNOWN"
        res.boundary = _before(x, walk.start, walk.step)
        res.reason = f"the solver gave up at {param.name}={x} ({exc})"
    finally:
        walk.count(res)
    return res


def _before(x: int, start: int, step: int) -> int | None:
    """The value before ``x`` in the walk, None when ``x`` is the first."""
    return None if x == start else x - step


# -- plain runs, fanned out by the engine's executor ------------------------------------------
def _plain_batch(eng: ZoneSearch, indices: list[int],
                 values: Mapping[str, int]) -> list[tuple[int, list[str]]]:
    """Run the triggers ``indices`` at one point in the plain simulator; their violations,
    in trigger order (the same whatever the executor's workers)."""
    eng._check_budget()
    point = eng.space.point(values)
    jobs = [RunJob(eng.space, point, (eng.triggers[i],), eng.horizon, tuple(eng.props))
            for i in indices]
    return list(zip(indices, eng.fan_out().map(violations, jobs), strict=True))


def _plain_violation(eng: ZoneSearch, trig: Trigger, values: Mapping[str, int]) -> Finding:
    """Run the plain simulator at one point where a property fails: the counterexample,
    with its trace sampled every second as ``simulate`` writes it."""
    eng._check_budget()
    point = eng.space.point(values)
    r = run_at(eng.space, [trig], point, eng.horizon, props=eng.props, dt=Fraction(1))
    assert r.violated, "the plain run violated nothing on the second run"
    trace = r.trace(eng.space.text_at(point), f"{eng.space.source} ({_point_label(point)})")
    return Finding("VIOLATED", trigger=eng.space.trigger_at(trig, point), point=point,
                   violated=r.violated, trace=trace)


class SolverGaveUp(Exception):
    """Z3 answered unknown."""


def _first_outside(eng: ZoneSearch, x: z3.ArithRef, pc: PathCondition, start: int,
                   end: int, step: int) -> int | None:
    """The first grid value (``start + k * step``) after ``start``, towards ``end``,
    outside the path region ``pc``; None when every one up to ``end`` is inside.

    When the region is only bounds on this one parameter (the usual case), the candidate
    comes from the bounds and Z3 confirms it in one or two checks; otherwise a binary
    search with the solver finds it.
    """
    if start == end:
        return None
    region = pc.formula(eng.xs)

    def any_outside(a: int, b: int) -> bool:
        lo, hi = min(a, b), max(a, b)
        s = eng._solver()
        s.add(x >= lo, x <= hi, z3.Not(region))
        if abs(step) > 1:
            s.add((x - start) % abs(step) == 0)
        eng.solver_calls += 1
        r = s.check()
        if r == z3.unknown:
            if eng.remaining() <= 0:
                raise BudgetExceeded
            raise SolverGaveUp(s.reason_unknown())
        return bool(r == z3.sat)

    first = start + step
    guess = _interval_guess(pc, str(x), start, end, step)
    if guess is not None:
        nxt, exact = guess
        inside_to = end if nxt is None else nxt - step
        if exact and (inside_to == start or not any_outside(first, inside_to)) and \
                (nxt is None or any_outside(nxt, nxt)):
            return nxt
    if not any_outside(first, end):
        return None
    lo, hi = 0, abs(end - first) // abs(step)  # offsets from first, in steps
    while lo < hi:
        mid = (lo + hi) // 2
        if any_outside(first, first + step * mid):
            hi = mid
        else:
            lo = mid + 1
    return first + step * lo
