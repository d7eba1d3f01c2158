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
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from typing import Any

import z3

from bgpcascade.model.dynamics import SessionEvent, Sim, Trigger
from bgpcascade.model.errors import InputError
from bgpcascade.model.outcomes import Outcome
from bgpcascade.model.params import Param, Space
from bgpcascade.model.reflection import View
from bgpcascade.model.trace import Recorder, build_trace

from .library import Selected
from .symbolic import PathCondition, Sym, evaluate, recip, recording, value

#: The dynamics are unrolled event by event; this caps one path (a budget, not a bound
#: that could turn UNKNOWN into HOLDS: a path that hits it makes the verdict UNKNOWN).
MAX_STEPS = 2_000_000


class BudgetExceeded(Exception):
    """The time budget ran out."""


class ReplayMismatch(Exception):
    """A counterexample did not replay identically in the plain simulator (a bug)."""


# -- making a run symbolic -------------------------------------------------------------------
Fields = dict[tuple[Any, ...], Fraction]


def _numeric_fields(sim: Sim) -> Fields:
    """The numbers of a freshly built Sim that a zone parameter can change."""
    out: Fields = {}
    for n in sim.nodes.values():  # keyed by order: node keys can name the member range
        out[("node", n.order, "count")] = Fraction(n.count)
        out[("node", n.order, "routes")] = Fraction(n.routes)
        out[("node", n.order, "capacity")] = n.capacity
    for e in sim.edges:
        for end, cfg in e.cfg.items():
            for f in fields(cfg):
                v = getattr(cfg, f.name)
                if isinstance(v, Fraction):
                    out[("cfg", e.index, sim.nodes[end].order, f.name)] = v
    return out


class _Captured(Exception):
    def __init__(self, found: Fields) -> None:
        self.found = found


def _capture(zone: Any, triggers: Sequence[Trigger]) -> Fields:
    def grab(sim: Sim) -> None:
        raise _Captured(_numeric_fields(sim))

    try:
        Sim(zone, triggers, bind=grab)
    except _Captured as c:
        return c.found
    raise AssertionError("bind was not called")


@dataclass
class Linear:
    """How the Sim's fields depend on the parameters: ``field = base + sum(coef * dx)``."""

    point: dict[str, int]
    base: Fields
    coef: dict[tuple[Any, ...], dict[str, Fraction]]


def linearise(space: Space, point: Mapping[str, int], symbolic: Sequence[Param],
              triggers: Sequence[Trigger]) -> Linear:
    """Probe the zone at ``point`` and at two neighbours per symbolic parameter.

    A field that moves with a parameter must move linearly (a count, a capacity, a
    timer): the third probe checks it, and the Sim's shape (nodes, sessions) must not
    change, else the parameter cannot be made symbolic at this point.
    """
    base = _capture(space.zone_at(point), triggers)
    coef: dict[tuple[Any, ...], dict[str, Fraction]] = {}
    for p in symbolic:
        x = point[p.name]
        probes: list[Fields] = []
        steps = (1, 2)
        for steps in ((1, 2), (-1, -2)):
            try:
                probes = [_capture(space.zone_at({**point, p.name: x + s}), triggers)
                          for s in steps]
                break
            except InputError:  # the zone is invalid there: probe the other way
                continue
        if not probes:
            raise ValueError(f"{p.name} cannot be probed around {x}")
        for probe in probes:
            if set(probe) != set(base):
                raise ValueError(f"varying {p.name} near {x} changes the zone's shape")
        for k, v0 in base.items():
            v1, v2 = probes[0][k], probes[1][k]
            slope = (v1 - v0) / steps[0]
            if v2 - v0 != slope * steps[1]:
                raise ValueError(f"{k} does not vary linearly with {p.name}")
            if slope:
                coef.setdefault(k, {})[p.name] = slope
    return Linear(dict(point), base, coef)


def _binder(lin: Linear) -> Callable[[Sim], None]:
    def sym(k: tuple[Any, ...]) -> Sym:
        v = lin.base[k]
        coefs = lin.coef[k]
        const = v - sum((c * lin.point[n] for n, c in coefs.items()), Fraction(0))
        poly: dict[tuple[str, ...], Fraction] = {(n,): c for n, c in coefs.items()}
        if const:
            poly[()] = const
        s = Sym(v, poly)
        if k[0] == "node" and k[2] == "capacity" and const == 0 and len(coefs) == 1:
            (name, c), = coefs.items()
            if c == 1:  # the capacity IS the parameter: keep work / capacity polynomial
                s.inv = Sym(1 / v, {(recip(name),): Fraction(1)})
        return s

    def bind(sim: Sim) -> None:
        by_order = {n.order: n for n in sim.nodes.values()}
        for k in lin.coef:
            if k[0] == "node":
                setattr(by_order[k[1]], k[2], sym(k))
        cfgs: dict[tuple[int, tuple[int, int]], dict[str, Any]] = {}
        for k in lin.coef:
            if k[0] == "cfg":
                cfgs.setdefault((k[1], k[2]), {})[k[3]] = sym(k)
        for (i, order), changes in cfgs.items():
            e = sim.edges[i]
            end = by_order[order].key
            e.cfg[end] = replace(e.cfg[end], **changes)

    return bind


# -- one path -------------------------------------------------------------------------------
@dataclass
class Path:
    """One symbolic run: its witness point, path condition, events and verdicts."""

    trigger: Trigger
    point: dict[str, int]
    pc: PathCondition
    events: list[SessionEvent]
    outcome: Outcome
    holds: dict[str, bool]
    steps: int

    @property
    def violated(self) -> list[str]:
        """Labels of the properties this path violates."""
        return [k for k, ok in self.holds.items() if not ok]


@dataclass
class Engine:
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

    def __post_init__(self) -> None:
        self.xs = {p.name: z3.Int(p.name) for p in self.space.params}

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
            symbolic: Sequence[Param] | None = None) -> Path:
        """The symbolic run of ``trigger`` at ``point`` (parameters in ``symbolic`` are
        Z3 terms; default: every parameter whose range has more than one value)."""
        self._check_budget()
        if symbolic is None:
            symbolic = [p for p in self.space.params if p.lo < p.hi]
        point = self.space.point(point)
        lin = linearise(self.space, point, symbolic, [trigger])
        zone = self.space.zone_at(point)
        with recording(self.xs) as pc:
            sim = Sim(zone, [trigger], bind=_binder(lin))
            rec = Recorder(sim, self.horizon, self.horizon)
            rec.run()
            outcome = Outcome.of(rec)
            holds = {s.label: s.holds(outcome) for s in self.props}
        self.paths += 1
        self.max_steps = max(self.max_steps, sim.processed)
        return Path(trigger, point, pc, list(sim.events), outcome, holds, sim.processed)

    def replay(self, path: Path, point: Mapping[str, int]) -> dict[str, Any]:
        """Run the plain simulator at ``point`` (inside ``path``'s region) and check it
        agrees with ``path`` event for event and violates the same properties; return its
        trace (sampled every second, as ``simulate`` does)."""
        point = self.space.point(point)
        zone = self.space.zone_at(point)
        sim = Sim(zone, [path.trigger])
        rec = Recorder(sim, self.horizon, Fraction(1))
        rec.run()
        expected = [(evaluate(e.t, point, self.xs), e.session,
                     evaluate(e.count, point, self.xs), e.kind, e.reason)
                    for e in path.events]
        got = [(e.t, e.session, e.count, e.kind, e.reason) for e in sim.events]
        if expected != got:
            first = next((i for i, (a, b) in enumerate(zip(expected, got, strict=False))
                          if a != b), min(len(expected), len(got)))
            raise ReplayMismatch(f"event {first}: Z3 path {expected[first:first + 1]} vs "
                                 f"simulator {got[first:first + 1]}")
        outcome = Outcome.of(rec)
        for s in self.props:
            if s.holds(outcome) != path.holds[s.label]:
                raise ReplayMismatch(f"{s.label}: Z3 path says {path.holds[s.label]}, "
                                     "the simulator disagrees")
        text = self.space.text_at(point)
        return build_trace(text, f"{self.space.source} ({_point_label(point)})", sim, rec)

    def minimise(self, path: Path) -> dict[str, int]:
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


def exists_violation(eng: Engine) -> Finding:
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
    return Finding("HOLDS", triggers_checked=checked)


def _counterexample(eng: Engine, path: Path) -> Finding:
    point = eng.minimise(path)
    try:
        trace = eng.replay(path, point)
    except ReplayMismatch as exc:
        return Finding("UNKNOWN", f"internal error: the counterexample did not replay ({exc})")
    return Finding("VIOLATED", trigger=path.trigger, point=point, violated=path.violated,
                   trace=trace)


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


def boundary(eng: Engine, param: Param) -> Boundary:
    """The last safe value of ``param`` walking from its safe end (others at their current
    values), and the counterexample just past it.

    Z3 path regions cover runs of values at once; where they are narrow (near a cascade
    every few clients change the event order), the plain simulator runs the next values
    one by one, then Z3 is tried again. A value is safe when no trigger violates a
    property there.
    """
    step = 1 if param.worse == "up" else -1
    end = param.hi if step == 1 else param.lo
    x = param.safe_end
    last_safe: int | None = None
    x_var = eng.xs[param.name]
    res = Boundary(param, "HOLDS", None, None)
    scan_left = 0
    scan_len = SCAN_WHEN_NARROWER
    try:
        while True:
            if scan_left > 0:
                eng.progress(f"scan: {param.name}={x} ({len(eng.triggers)} triggers)")
                for trig in eng.triggers:
                    cx = _plain_violation(eng, trig, {param.name: x})
                    if cx is not None:
                        res.boundary, res.counterexample = last_safe, cx
                        return res
                res.scanned += 1
                scan_left -= 1
                last_safe = x
                if x == end:
                    res.boundary = end
                    return res
                x += step
                continue
            eng.progress(f"z3: {param.name}={x} ({len(eng.triggers)} triggers)")
            regions: list[z3.BoolRef] = []
            for trig in eng.triggers:
                path = eng.run(trig, {param.name: x}, symbolic=[param])
                res.z3_paths += 1
                if path.violated:
                    try:
                        trace = eng.replay(path, path.point)
                    except ReplayMismatch as exc:
                        res.status, res.boundary = "UNKNOWN", last_safe
                        res.reason = f"internal error: replay disagrees ({exc})"
                        return res
                    res.boundary = last_safe
                    res.counterexample = Finding("VIOLATED", trigger=trig, point=path.point,
                                                 violated=path.violated, trace=trace)
                    return res
                regions.append(path.pc.formula(eng.xs))
            nxt = _first_outside(eng, x_var, regions, x, end, step)
            if nxt is None:
                res.covered_by_z3 += abs(end - x) + 1
                res.boundary = end
                return res
            covered = abs(nxt - x)
            res.covered_by_z3 += covered
            last_safe = nxt - step
            x = nxt
            if covered < SCAN_WHEN_NARROWER:
                scan_left, scan_len = scan_len, min(scan_len * 2, 1024)
            else:
                scan_len = SCAN_WHEN_NARROWER
    except BudgetExceeded:
        res.status, res.boundary = "UNKNOWN", last_safe
        res.reason = f"budget of {eng.timeout:g} s ran out at {param.name}={x}"
        return res


def _plain_violation(eng: Engine, trig: Trigger, values: Mapping[str, int]) -> Finding | None:
    """Run the plain simulator at one point; the counterexample if a property fails."""
    eng._check_budget()
    point = eng.space.point(values)
    zone = eng.space.zone_at(point)
    sim = Sim(zone, [trig])
    rec = Recorder(sim, eng.horizon, Fraction(1))
    rec.run()
    outcome = Outcome.of(rec)
    violated = [s.label for s in eng.props if not s.holds(outcome)]
    if not violated:
        return None
    trace = build_trace(eng.space.text_at(point),
                        f"{eng.space.source} ({_point_label(point)})", sim, rec)
    return Finding("VIOLATED", trigger=trig, point=point, violated=violated, trace=trace)


def _first_outside(eng: Engine, x: z3.ArithRef, regions: list[z3.BoolRef], start: int,
                   end: int, step: int) -> int | None:
    """The first value after ``start`` (towards ``end``) outside some region, by binary
    search with the solver; None when every value up to ``end`` is inside all."""
    if start == end:
        return None
    outside = z3.Or([z3.Not(r) for r in regions]) if regions else z3.BoolVal(False)

    def any_outside(a: int, b: int) -> bool:
        lo, hi = min(a, b), max(a, b)
        s = eng._solver()
        s.add(x >= lo, x <= hi, outside)
        eng.solver_calls += 1
        r = s.check()
        if r == z3.unknown:
            raise BudgetExceeded
        return bool(r == z3.sat)

    first = start + step
    if not any_outside(first, end):
        return None
    lo, hi = 0, abs(end - first)  # offsets from first
    while lo < hi:
        mid = (lo + hi) // 2
        if any_outside(first, first + step * mid):
            hi = mid
        else:
            lo = mid + 1
    return first + step * lo


def value_of(x: Any) -> Any:
    """The exact value behind a possibly symbolic number."""
    return value(x)
