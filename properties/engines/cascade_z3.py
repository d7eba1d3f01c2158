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

Every trigger is tried at every whole second of one KEEPALIVE cycle after its own time
(:mod:`.offsets`; ``--at`` pins one time): :func:`exists_violation` runs every offset,
:func:`boundary` walks with the offsets that matter and checks the boundary it finds at
every offset, adding those that fail there and walking again.

:class:`~.zone_search.ZoneSearch` is the search state over one zone (budget, counters,
the executor its plain runs fan out through, the timing). :class:`SimScan` (``check
--engine sim``) and :class:`Z3Search` (``--engine z3``) answer the one engine protocol of
:mod:`bgpcascade.properties.result` with it. Every concrete run goes through
:mod:`bgpcascade.properties.runner`; how a run is made symbolic is in :mod:`.linear`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import z3

from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.params import Param

from ..result import Counterexample, Question, Result
from ..runner import RunJob, run_at, violations
from ..verdict import as_status
from .linear import NotSymbolic, linearise
from .regions import interval_guess as _interval_guess
from .symbolic import PathCondition
from .zone_search import (
    BudgetExceeded,
    Finding,
    ReplayMismatch,
    SymbolicPath,
    ZoneSearch,
    _point_label,
    representative_flaps,
)

__all__ = ["BudgetExceeded", "Finding", "NotSymbolic", "ReplayMismatch", "SymbolicPath",
           "ZoneSearch", "linearise", "representative_flaps"]  # re-exported: they lived here


# -- plain runs, fanned out by the engine's executor ------------------------------------------
@dataclass(frozen=True)
class Severity:
    """How hard one plain run hit the zone: the properties it violates, the sessions reset
    by the cascade, the clients isolated at the peak, the highest queue delay over the
    negotiated hold time (RFC 4271 §4.2, §6.5) and the events it took."""

    violated: tuple[str, ...]
    cascade: int
    isolated: int
    delay_ratio: Fraction
    steps: int

    def key(self) -> tuple[bool, int, int, Fraction]:
        """Greater is worse: violating, then cascade, isolation, queue delay."""
        return bool(self.violated), self.cascade, self.isolated, self.delay_ratio


def severity(job: RunJob) -> Severity:
    """Run ``job`` and measure it (:class:`Severity`): what an executor maps to rank the
    offsets of a trigger."""
    r = run_at(job.space, job.triggers, job.point, job.horizon, props=job.props,
               timing=job.timing)
    o = r.outcome
    ratio = max((o.peak_delay.get(k, Fraction(0)) / h for k, h in o.hold_of.items() if h),
                default=Fraction(0))
    return Severity(tuple(r.violated), o.cascade_size(), o.isolated_peak, ratio, r.steps)


def _jobs(eng: ZoneSearch, triggers: Sequence[Trigger],
          values: Mapping[str, int]) -> list[RunJob]:
    point = eng.space.point(values)
    return [RunJob(eng.space, point, (t,), eng.horizon, tuple(eng.props), eng.timing)
            for t in triggers]


def _severities(eng: ZoneSearch, triggers: Sequence[Trigger],
                values: Mapping[str, int]) -> list[Severity]:
    """Each trigger at one point in the plain simulator, through the executor, in chunks
    between which the budget is checked (BudgetExceeded); results in trigger order."""
    ex = eng.fan_out()
    chunk = max(8, 4 * ex.workers)
    out: list[Severity] = []
    for i in range(0, len(triggers), chunk):
        eng._check_budget()
        out += ex.map(severity, _jobs(eng, triggers[i:i + chunk], values))
    return out


def _plain_batch(eng: ZoneSearch, triggers: Sequence[Trigger],
                 values: Mapping[str, int]) -> list[list[str]]:
    """Run ``triggers`` at one point in the plain simulator; their violations, in trigger
    order (the same whatever the executor's workers)."""
    eng._check_budget()
    return list(eng.fan_out().map(violations, _jobs(eng, triggers, values)))


def _plain_violation(eng: ZoneSearch, trig: Trigger, values: Mapping[str, int]) -> Finding:
    """Run the plain simulator at one point where a property fails: the counterexample,
    with its trace sampled every second as ``simulate`` writes it."""
    eng._check_budget()
    point = eng.space.point(values)
    r = run_at(eng.space, [trig], point, eng.horizon, props=eng.props, dt=Fraction(1),
               timing=eng.timing)
    assert r.violated, "the plain run violated nothing on the second run"
    trace = r.trace(eng.space.text_at(point), f"{eng.space.source} ({_point_label(point)})")
    return Finding("VIOLATED", trigger=eng.space.trigger_at(trig, point), point=point,
                   violated=r.violated, trace=trace)


# -- the questions --------------------------------------------------------------------------
def _start(eng: ZoneSearch, params: Sequence[Param]) -> dict[str, int]:
    point = eng.space.point()
    for p in params:
        point[p.name] = min(max(point[p.name], p.lo), p.hi)
    return point


def exists_violation(eng: ZoneSearch) -> Finding:
    """Is there a trigger, at one of its offsets, and a point in the ranges where a
    property fails? Every offset first runs at the starting point in the plain simulator
    (fanned out): those that violate there are searched first; when no parameter varies,
    that run is the whole answer for its offset (the plain simulator is exact)."""
    params = [p for p in eng.space.params if p.lo < p.hi]
    flat = [t for g in eng.grid() for t in g]
    checked = 0
    try:
        start = _start(eng, params)
        eng.progress(f"z3: {len(eng.triggers)} triggers at {len(flat)} times in the simulator")
        sev = _severities(eng, flat, start)
        if not params:
            eng.paths += len(flat)
            eng.max_steps = max([eng.max_steps, *(s.steps for s in sev)])
            bad = next((t for t, s in zip(flat, sev, strict=True) if s.violated), None)
            return Finding("HOLDS", triggers_checked=len(eng.triggers)) if bad is None \
                else _plain_violation(eng, bad, start)
        order = sorted(range(len(flat)), key=lambda i: (not sev[i].violated, i))
        for n, i in enumerate(order, 1):
            trig = flat[i]
            eng.progress(f"z3: trigger {n}/{len(flat)} {trig.label()}")
            solver = eng._solver()
            solver.add(*eng.ranges(params))
            point = dict(start)
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
                       f"{checked} of {len(flat)} trigger times",
                       triggers_checked=checked)
    except NotSymbolic as exc:
        return Finding("UNKNOWN", f"no symbolic run there: {exc}", triggers_checked=checked)
    return Finding("HOLDS", triggers_checked=len(eng.triggers))


@dataclass
class Ranked:
    """One trigger's outcome at the zone as written (``check --engine sim``), at its worst
    offset (``trigger`` names that time)."""

    trigger: Trigger
    cascade_sessions: int
    clients_isolated_peak: int
    verdict: str
    violated: list[str]
    finding: Finding | None


def rank_triggers(eng: ZoneSearch) -> list[Ranked]:
    """Simulate every trigger at every offset at the current values (fanned out); per
    trigger its worst offset (violating, then most sessions reset by the cascade, most
    clients isolated, highest queue delay / hold, earliest); triggers worst first (most
    sessions reset by the cascade, then most clients isolated, then trigger order)."""
    out: list[tuple[tuple[int, int, int], Ranked]] = []
    point = eng.space.point()
    grid = eng.grid()
    flat = [t for g in grid for t in g]
    eng.progress(f"sim: {len(grid)} triggers at {len(flat)} times")
    sev = iter(_severities(eng, flat, point))
    for n, times in enumerate(grid):
        runs = [(next(sev), k) for k in range(len(times))]
        worst, k = max(runs, key=lambda sk: (sk[0].key(), -sk[1]))
        eng.paths += len(times)
        eng.max_steps = max([eng.max_steps, *(s.steps for s, _ in runs)])
        trig = eng.space.trigger_at(times[k], point)
        finding = None
        if worst.violated:
            finding = _plain_violation(eng, times[k], point)
            assert finding.trace is not None
            verdict = str(finding.trace["summary"]["verdict"])
        else:
            verdict = "cascade" if worst.cascade else "contained"
        r = Ranked(trig, worst.cascade, worst.isolated, verdict, list(worst.violated),
                   finding)
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

    ``walked``: the trigger times the walk covered value by value (each trigger's own
    time, then the offsets that failed at a boundary the walk had found);
    ``checked_at_boundary``: the trigger times run at the boundary reported (every offset
    of every trigger, unless ``--at`` pinned them); ``rounds``: walks made.
    """

    param: Param
    status: str  # HOLDS (boundary found or whole range safe) / UNKNOWN
    boundary: int | None
    counterexample: Finding | None
    reason: str = ""
    z3_paths: int = 0
    scanned: int = 0
    covered_by_z3: int = 0
    walked: list[str] = field(default_factory=list)
    checked_at_boundary: int = 0
    rounds: int = 0

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
    """The state of one :func:`boundary` walk: the grid (``start``, ``step``, ``end``),
    the trigger times walked (``triggers``) and, per trigger time, the last value proved
    safe (``covered``), the values still to run in the plain simulator before trying Z3
    again (``scan_left``) and how many to run next time Z3's regions come out narrow
    (``scan_len``)."""

    param: Param
    start: int
    step: int
    end: int
    triggers: list[Trigger] = field(default_factory=list)
    covered: dict[int, int] = field(default_factory=dict)
    scan_left: dict[int, int] = field(default_factory=dict)
    scan_len: dict[int, int] = field(default_factory=dict)
    scanned: set[int] = field(default_factory=set)
    at_x: int = 0

    @classmethod
    def of(cls, param: Param, triggers: Sequence[Trigger]) -> _Walk:
        """From ``param``'s safe end to the last grid value of its range."""
        step = param.step if param.worse == "up" else -param.step
        end = param.hi if step > 0 else param.lo
        end = param.safe_end + (end - param.safe_end) // step * step  # the last grid value
        walk = cls(param, param.safe_end, step, end, at_x=param.safe_end)
        for t in triggers:
            walk.add(t)
        return walk

    def add(self, trig: Trigger) -> None:
        """Walk ``trig`` too, from the safe end."""
        i = len(self.triggers)
        self.triggers.append(trig)
        self.covered[i] = self.start - self.step
        self.scan_left[i], self.scan_len[i] = SCAN_FIRST, SCAN_WHEN_NARROWER

    def past(self, a: int, b: int) -> bool:
        """``a`` is beyond ``b`` in the walk's direction."""
        return a > b if self.step > 0 else a < b

    def plain(self, eng: ZoneSearch, indices: list[int], x: int) -> dict[int, Finding]:
        """Run ``indices`` at ``x`` in the plain simulator; the counterexamples found."""
        found: dict[int, Finding] = {}
        batch = _plain_batch(eng, [self.triggers[i] for i in indices], {self.param.name: x})
        self.scanned.add(x)  # counted once run (a budget may stop the batch)
        for i, violated in zip(indices, batch, strict=True):
            if violated:
                found[i] = _plain_violation(eng, self.triggers[i], {self.param.name: x})
            self.covered[i] = x
        return found

    def symbolic(self, eng: ZoneSearch, i: int, x: int, res: Boundary) -> Finding | None:
        """Trigger ``i``'s Z3 path at ``x``: its counterexample, or None with
        ``covered[i]`` moved to the end of the path's region (run concretely when the
        parameter cannot be made symbolic there). Raises ReplayMismatch."""
        try:
            path = eng.run(self.triggers[i], {self.param.name: x}, symbolic=[self.param])
        except NotSymbolic:
            # Run this value concretely, and scan the next ones for this trigger.
            self.scan_left[i] = self.scan_len[i]
            return self.plain(eng, [i], x).get(i)
        res.z3_paths += 1
        if path.violated:
            return Finding("VIOLATED", trigger=eng.space.trigger_at(self.triggers[i],
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

    def to_violation(self, eng: ZoneSearch, res: Boundary) -> None:
        """Walk on until some trigger time violates (``res.boundary`` the value before,
        ``res.counterexample`` the first trigger's in walk order) or every one covers the
        end of the range."""
        res.rounds += 1
        while True:
            covered = self.covered.values()
            frontier = min(covered) if self.step > 0 else max(covered)
            if frontier == self.end:
                res.boundary, res.counterexample = self.end, None
                return
            x = self.at_x = frontier + self.step
            eng.progress(f"search: {self.param.name}={x} ({len(self.triggers)} trigger "
                         "times)")
            found = self.at(eng, x, res)
            if found:
                res.boundary = _before(x, self.start, self.step)
                res.counterexample = found[min(found)]
                return

    def count(self, res: Boundary) -> None:
        """``res.scanned`` and ``res.covered_by_z3``: the values up to the boundary that
        no plain run decided (a value scanned past the boundary, where the violation was
        found, is not one of them)."""
        res.scanned = len(self.scanned)
        done = res.boundary if res.boundary is not None else self.start - self.step
        upto = abs(done - self.start) // abs(self.step) + 1
        res.covered_by_z3 = upto - sum(1 for v in self.scanned if not self.past(v, done))
        res.walked = [t.label() for t in self.triggers]


def _failing_offsets(eng: ZoneSearch, walk: _Walk, grid: list[list[Trigger]], x: int,
                     hot: dict[Trigger, int]) -> list[Trigger]:
    """Run the trigger times of ``grid`` the walk has not walked at ``x`` (fanned out, in
    chunks), those that failed at an earlier boundary (``hot``) first, and stop after the
    first chunk where some fail: per trigger, its worst offset that violates there
    (:meth:`Severity.key`). An empty list means every one ran and none violates."""
    walked = set(walk.triggers)
    todo = [(n, t) for n, times in enumerate(grid) for t in times if t not in walked]
    todo.sort(key=lambda nt: -hot.get(nt[1], -1))  # stable: the rest in grid order
    eng.progress(f"search: {walk.param.name}={x} at every offset ({len(todo)} more "
                 "trigger times)")
    chunk = max(8, 4 * eng.fan_out().workers)
    worst: dict[int, tuple[tuple[bool, int, int, Fraction], Trigger]] = {}
    for i in range(0, len(todo), chunk):
        part = todo[i:i + chunk]
        for (n, t), s in zip(part, _severities(eng, [t for _, t in part],
                                               {walk.param.name: x}), strict=True):
            if s.violated:
                hot[t] = s.cascade
                if n not in worst or s.key() > worst[n][0]:
                    worst[n] = (s.key(), t)
        if worst:
            break
    return [worst[n][1] for n in sorted(worst)]


def boundary(eng: ZoneSearch, param: Param) -> Boundary:
    """The last safe value of ``param`` walking from its safe end (others at their current
    values), at every offset of every trigger, and the counterexample just past it.

    Each trigger time keeps its own frontier: the last value up to which it is proved
    safe. A symbolic path at value x covers that trigger's whole region at once (the first
    value outside it comes from the region's bounds, confirmed by Z3). Where a trigger's
    regions are narrow (near a cascade every few clients change the event order), its
    next values run one by one in the plain simulator (through ``eng``'s executor), then
    Z3 is tried again. The walk moves on only when every trigger time covers the current
    value, so the first violation found is at the first violating value; among the
    trigger times violating there, the first in walk order is the counterexample.

    The walk starts with each trigger at its own time. Unless ``eng.offsets`` is pinned,
    the boundary it finds is then run at every other offset (:mod:`.offsets`; those that
    failed at an earlier boundary first, stopping at the first chunk that fails); per
    trigger the worst offset that fails there joins the walk, which goes on from the
    safe end for it, until a boundary holds at every offset (the offsets join only
    where they matter: a boundary is the worst offset's, checked at every offset).
    """
    grid = eng.grid()
    walk = _Walk.of(param, [times[0] for times in grid])
    res = Boundary(param, "HOLDS", None, None)
    checking: int | None = None
    hot: dict[Trigger, int] = {}
    try:
        while True:
            walk.to_violation(eng, res)
            if res.boundary is None:
                break
            checking = res.boundary
            failing = [] if eng.offsets.pinned else \
                _failing_offsets(eng, walk, grid, res.boundary, hot)
            checking = None
            if not failing:
                res.checked_at_boundary = sum(len(times) for times in grid)
                break
            for t in failing:
                walk.add(t)
    except ReplayMismatch as exc:
        res.status, res.boundary = "UNKNOWN", _before(walk.at_x, walk.start, walk.step)
        res.reason = f"internal error: replay disagrees ({exc})"
    except BudgetExceeded:
        res.status = "UNKNOWN"
        res.boundary = _before(walk.at_x, walk.start, walk.step)
        res.reason = f"budget of {eng.timeout:g} s ran out at {param.name}={walk.at_x}"
        if checking is not None:
            res.boundary = None
            res.reason = (f"budget of {eng.timeout:g} s ran out checking {param.name}="
                          f"{checking} at every offset")
    except SolverGaveUp as exc:
        res.status = "UNKNOWN"
        res.boundary = _before(walk.at_x, walk.start, walk.step)
        res.reason = f"the solver gave up at {param.name}={walk.at_x} ({exc})"
    finally:
        walk.count(res)
    return res


def _before(x: int, start: int, step: int) -> int | None:
    """The value before ``x`` in the walk, None when ``x`` is the first."""
    return None if x == start else x - step


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
