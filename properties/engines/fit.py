"""``bgpcascade fit``: which values of the varied parameters are consistent with what was
observed in an incident (docs/cli.md, ``fit``; docs/model.md, "Fitting a number to an
incident").

A *fit* is the inverse of ``simulate``: the triggers are pinned as observed (``--flap
A~B@T``: the flap's time is the one observed), the zone is run at values of the
``--vary`` parameters (:class:`~bgpcascade.model.params.Space`, the same names and
syntax as ``search --vary``), and each run is judged against every observation:

- a summary key of ``simulate --json`` (:func:`bgpcascade.model.trace.summary`), read
  generically by name (a key another version adds is accepted as soon as the summary has
  it): ``KEY=V``, ``KEY=V+-TOL``, ``KEY>=V``, ``KEY<=V``; ``KEY.SUB`` reads one entry of
  a mapping (``resets_by_reason.hold_timer_expired``, ``peak_queue_delay_s.a-rr1``);
- a session event: ``down:A~B`` (the session of speakers A and B went down at least
  once in the run, for any reason, the trigger's own drop included), ``down:A~B@T+-TOL``
  (its first drop came T seconds after the first trigger, within TOL: the reference of
  ``first_cascade_reset_s``), ``up:A~B`` (it is Established at the horizon).

The search is the simulator's, one plain run per value (:func:`bgpcascade.properties.
runner.run_at`, fanned out through :mod:`bgpcascade.properties.executor`): a scan of the
range at ``points`` values (a geometric grid when the range spans two orders of
magnitude or more, else an even one), then each edge of each run of consistent grid
values is bisected between the consistent value and the inconsistent one next to it
until they are within the tolerance (relative to the value, at least the parameter's
step). The consistent intervals are reported between verified values: every end was run
and is consistent, the value just past each refined end was run and is not. Between two
consistent grid values the fit assumes consistency (a narrower inconsistent island, or a
narrower consistent one between two inconsistent grid values, is not seen; the scan's
resolution says how narrow).

Why not Z3 regions: an observation reads the summary's times, peaks and counts, which
the symbolic run (:mod:`.zone_search`) does not compute (the summary is built from the
plain run's numbers); a path region keeps the events' order, not a summary value's side
of a tolerance. ``bounds`` says so (``z3``).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.errors import InputError
from bgpcascade.model.numbers import json_number
from bgpcascade.model.params import Param, Space
from bgpcascade.model.timing import Timing
from bgpcascade.model.topology import session_name
from bgpcascade.model.triggers import parse_flap

from ..executor import Executor, LocalExecutor
from ..runner import run, run_at
from .offsets import timing_bounds

#: The operators of a summary observation, longest first (parsing order).
_OPS = (">=", "<=", "=")
_SESSION = re.compile(r"^(down|up):([^@]+?)(?:@(.+))?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
#: Spellings of the JSON null an observation may compare with (``reconverged_at_s=null``).
NULLS = ("null", "none")

#: Grid points of the scan (``--points``), and the refinement tolerance (``--tolerance``,
#: relative to the value): the defaults of ``fit``.
DEFAULT_POINTS = 17
DEFAULT_TOLERANCE = Fraction(1, 100)
#: A range whose ends are this far apart (hi/lo) is scanned on a geometric grid.
GEOMETRIC_SPAN = 100


def _number(text: str) -> Fraction | None:
    """``text`` as an exact number, None when it is not one."""
    t = text.strip()
    return Fraction(t) if _NUMBER.match(t) else None


@dataclass(frozen=True)
class Observation:
    """One thing observed, as typed (``text``) and parsed.

    ``kind`` is ``summary`` (``key`` a summary key, ``KEY.SUB`` for one entry of a
    mapping; ``op`` one of ``=``, ``>=``, ``<=``; ``value`` a number, a string or None for
    JSON null; ``tol`` the +- tolerance of ``=``) or ``down`` / ``up`` (``a``, ``b`` the
    two speakers; for ``down``, ``at`` the time of the first drop after the first trigger
    and ``tol`` its tolerance, or ``at`` None for "at some point")."""

    text: str
    kind: str
    key: str = ""
    op: str = "="
    value: Fraction | str | None = None
    tol: Fraction = Fraction(0)
    a: str = ""
    b: str = ""
    at: Fraction | None = None

    def as_json(self) -> dict[str, Any]:
        """The observation in ``fit --json``'s ``observations``."""
        if self.kind == "summary":
            value = self.value if isinstance(self.value, str) or self.value is None \
                else json_number(self.value)
            return {"observation": self.text, "kind": "summary", "key": self.key,
                    "op": self.op, "value": value, "tol": json_number(self.tol)}
        out: dict[str, Any] = {"observation": self.text, "kind": self.kind,
                               "session": session_name(self.a, self.b)}
        if self.kind == "down":
            out["at_s"] = None if self.at is None else json_number(self.at)
            out["tol"] = json_number(self.tol)
        return out


_ALLOWED = ("KEY=V, KEY=V+-TOL, KEY>=V, KEY<=V (KEY a key of simulate --json's summary, "
            "KEY.SUB an entry of one of its mappings), down:A~B, down:A~B@T+-TOL, up:A~B")


def _value_tol(text: str, rhs: str) -> tuple[Fraction | str | None, Fraction]:
    """``V`` or ``V+-TOL``: a number with a tolerance, a string, or null."""
    if "+-" in rhs:
        v, _, t = rhs.partition("+-")
        value, tol = _number(v), _number(t)
        if value is None or tol is None or tol < 0:
            raise InputError(f"{text!r}: {rhs!r} is not V+-TOL", field="--observe",
                             allowed="numbers, TOL >= 0, e.g. first_cascade_reset_s=99+-15")
        return value, tol
    rhs = rhs.strip()
    if not rhs:
        raise InputError(f"{text!r} has no value", field="--observe", allowed=_ALLOWED)
    if rhs.lower() in NULLS:
        return None, Fraction(0)
    num = _number(rhs)
    return (rhs if num is None else num), Fraction(0)


def parse_observation(zone: Any, text: str) -> Observation:
    """One ``--observe`` value (the module docstring's syntax); a session observation's
    speakers must peer in ``zone`` (:func:`~bgpcascade.model.triggers.parse_flap`'s
    check). One-line :class:`InputError` otherwise."""
    m = _SESSION.match(text.strip())
    if m is not None:
        kind, pair, when = m.group(1), m.group(2).strip(), m.group(3)
        flap = parse_flap(zone, f"{pair}@0", Fraction(0)) if "~" in pair else None
        if flap is None or flap.b is None:
            raise InputError(f"{text!r}: {pair!r} is not a session A~B", field="--observe",
                             allowed=_ALLOWED)
        if when is None:
            return Observation(text, kind, a=flap.a, b=flap.b)
        if kind == "up":
            raise InputError(f"{text!r}: up:A~B takes no time", field="--observe",
                             allowed="up:A~B (Established at the horizon)")
        at, tol = _value_tol(text, when)
        if not isinstance(at, Fraction):
            raise InputError(f"{text!r}: {when!r} is not a time", field="--observe",
                             allowed="down:A~B@T or down:A~B@T+-TOL, in seconds after "
                             "the first trigger")
        return Observation(text, kind, a=flap.a, b=flap.b, at=at, tol=tol)
    for op in _OPS:
        key, found, rhs = text.partition(op)
        if found and key.strip():
            value, tol = _value_tol(text, rhs)
            if op != "=" and not isinstance(value, Fraction):
                raise InputError(f"{text!r}: {op} needs a number", field="--observe",
                                 allowed=_ALLOWED)
            if op != "=" and "+-" in rhs:
                raise InputError(f"{text!r}: {op} takes no tolerance", field="--observe",
                                 allowed=_ALLOWED)
            return Observation(text, "summary", key=key.strip(), op=op, value=value,
                               tol=tol)
    raise InputError(f"{text!r} is not an observation", field="--observe",
                     allowed=_ALLOWED)


def _lookup(summary: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    """The summary's value of ``key`` (``KEY`` or ``KEY.SUB``): (known, value)."""
    if key in summary:
        return True, summary[key]
    top, dot, sub = key.partition(".")
    if dot and isinstance(summary.get(top), dict):
        return True, summary[top].get(sub, 0)
    return False, None


def check_keys(observations: Sequence[Observation], reference: Mapping[str, Any]) -> None:
    """Every summary observation names a key of ``reference`` (a summary of the zone):
    a key of the summary, or ``KEY.SUB`` of one of its mappings, SUB one of its keys when
    the mapping lists them at rest (``peak_queue_delay_s``: every speaker; a mapping empty
    at rest, ``resets_by_reason``, is keyed by what happens, an absent entry reads 0)."""
    for ob in observations:
        if ob.kind == "summary" and isinstance(reference.get(ob.key), dict | list):
            raise InputError(f"{ob.text!r}: {ob.key} is not one value", field="--observe",
                             allowed=f"{ob.key}.SUB, one of its entries" if
                             isinstance(reference[ob.key], dict) else "a key of one value")
        if ob.kind != "summary" or ob.key in reference:
            continue
        top, dot, sub = ob.key.partition(".")
        inner = reference.get(top) if dot else None
        if isinstance(inner, dict) and (not inner or sub in inner):
            continue
        if isinstance(inner, dict):
            raise InputError(f"{ob.text!r}: {top} has no entry {sub!r}", field="--observe",
                             allowed=", ".join(sorted(inner)[:12]))
        known = sorted(k for k in reference if k not in ("zone", "triggers"))
        raise InputError(f"{ob.text!r}: unknown key {ob.key!r}", field="--observe",
                         allowed="a key of simulate --json's summary: " + ", ".join(known)
                         + "; or down:A~B, up:A~B")


def _holds(ob: Observation, got: Any) -> bool:
    """Does the observed value ``got`` (from a run's summary) satisfy ``ob``?"""
    if ob.value is None or got is None:
        return ob.op == "=" and ob.value is None and got is None
    if isinstance(ob.value, str):
        return str(got) == ob.value
    if isinstance(got, bool) or not isinstance(got, int | float):
        return False
    x = Fraction(str(got))
    if ob.op == ">=":
        return x >= ob.value
    if ob.op == "<=":
        return x <= ob.value
    return abs(x - ob.value) <= ob.tol


# -- one run, judged: what an executor maps ------------------------------------------------
@dataclass(frozen=True)
class FitJob:
    """One run of the fit as picklable data: the zone and its parameters (``space``), the
    values (``point``), the pinned triggers, horizon, timing, outage threshold and the
    observations to judge."""

    space: Space
    point: Mapping[str, int]
    triggers: tuple[Trigger, ...]
    horizon: Fraction
    observations: tuple[Observation, ...]
    timing: Timing | None = None
    outage_threshold: float = 0.5
    runs: int = 1  # seeds timing.seed .. timing.seed + runs - 1


@dataclass(frozen=True)
class Judged:
    """One value judged: the point, whether every observation holds (under some seed
    of the job's), the seed that reproduced them all (None: none did), and per
    observation what that run gave (else the first seed's run: a summary value, a
    session's first drop time after the first trigger, or whether it is Established at
    the end) and whether it holds."""

    point: tuple[tuple[str, int], ...]
    consistent: bool
    got: tuple[tuple[str, Any, bool], ...]
    seed: int | None = None


def _session_facts(r: Any, ob: Observation) -> tuple[Any, bool]:
    """A session observation on the finished run ``r``: (what the run gave, holds)."""
    sim = r.sim
    ka, kb = sim.view.node_of(ob.a), sim.view.node_of(ob.b)
    if ob.kind == "up":
        up = any({e.a, e.b} == {ka, kb} and e.established() for e in sim.edges)
        return up, up
    name = session_name(ka, kb)
    drops = [e.t for e in sim.events if e.kind == "down" and e.session == name]
    if not drops:
        return None, False
    first = Fraction(min(drops)) - r.outcome.first_trigger
    if ob.at is None:
        return json_number(first), True
    return json_number(first), abs(first - ob.at) <= ob.tol


def _judge_run(job: FitJob, timing: Timing | None) -> tuple[tuple[str, Any, bool], ...]:
    """One plain run of ``job`` under ``timing``, every observation judged on it."""
    r = run_at(job.space, job.triggers, job.point, job.horizon, timing=timing)
    s = r.summary(outage_threshold=job.outage_threshold)
    got: list[tuple[str, Any, bool]] = []
    for ob in job.observations:
        if ob.kind == "summary":
            _known, value = _lookup(s, ob.key)
            got.append((ob.text, value, _holds(ob, value)))
        else:
            value, ok = _session_facts(r, ob)
            got.append((ob.text, value, ok))
    return tuple(got)


def judge_point(job: FitJob) -> Judged:
    """Run ``job`` (plain runs, :func:`~bgpcascade.properties.runner.run_at`, one per
    seed, stopping at the first that reproduces every observation) and judge every
    observation: the function the executor maps."""
    point = tuple(sorted(job.space.point(job.point).items()))
    first: tuple[tuple[str, Any, bool], ...] = ()
    base = job.timing
    for n in range(job.runs):
        timing = base if base is None or n == 0 else replace(base, seed=base.seed + n)
        got = _judge_run(job, timing)
        if all(ok for _, _, ok in got):
            return Judged(point, True, got, None if timing is None else timing.seed)
        first = first or got
    return Judged(point, False, first)


def reference_summary(space: Space, horizon: Fraction,
                      outage_threshold: float = 0.5) -> dict[str, Any]:
    """The zone's summary at rest (no trigger, one second): the keys an observation may
    name, whatever version of the summary this is."""
    r = run(space.zone, [], min(horizon, Fraction(1)))
    return r.summary(outage_threshold=outage_threshold)


# -- the scan and its refinement ---------------------------------------------------------
def grid(param: Param, points: int) -> tuple[list[int], str]:
    """The scan's values of ``param`` (whole numbers, ends included, ascending) and the
    kind of grid: ``geometric`` when hi/lo >= :data:`GEOMETRIC_SPAN` (a range spanning
    orders of magnitude), else ``even``."""
    lo, hi = param.lo, param.hi
    if lo == hi or points < 2:
        return [lo] if lo == hi else [lo, hi], "even"
    if lo > 0 and hi / lo >= GEOMETRIC_SPAN:
        ratio = (hi / lo) ** (1 / (points - 1))
        vals = {lo, hi} | {round(lo * ratio ** i) for i in range(1, points - 1)}
        kind = "geometric"
    else:
        vals = {lo, hi} | {lo + round((hi - lo) * i / (points - 1))
                           for i in range(1, points - 1)}
        kind = "even"
    return sorted(vals), kind


def _between(a: int, b: int, geometric: bool) -> int | None:
    """The bisection's next value strictly between ``a`` < ``b`` (the geometric mean on a
    geometric grid), None when they are adjacent."""
    if b - a < 2:
        return None
    mid = round(math.sqrt(a * b)) if geometric and a > 0 else (a + b) // 2
    return min(max(mid, a + 1), b - 1)


def _close(good: int, bad: int, tolerance: Fraction, step: int) -> bool:
    """Is the edge between ``good`` (consistent) and ``bad`` known well enough?"""
    return abs(bad - good) <= max(Fraction(max(step, 1)), tolerance * max(abs(good), 1))


class BudgetOut(Exception):
    """The fit's time budget ran out."""


@dataclass
class Fit:
    """The fit of one zone: its space (the parameters, in ``--vary`` order), the pinned
    triggers, observations, horizon, timing and outage threshold; the scan's ``points``
    and the refinement's ``tolerance``; the executor runs fan out through; the budget
    (``timeout`` seconds from ``started``); ``progress`` lines; ``runs``, the seeds a
    value may be reproduced under (from the timing's); ``judged``, every value judged so
    far, by point (each is run once)."""

    space: Space
    triggers: list[Trigger]
    observations: list[Observation]
    horizon: Fraction
    timing: Timing | None = None
    outage_threshold: float = 0.5
    points: int = DEFAULT_POINTS
    tolerance: Fraction = DEFAULT_TOLERANCE
    runs: int = 1
    executor: Executor | None = None
    timeout: float = 600.0
    started: float = field(default_factory=time.monotonic)
    progress: Callable[[str], None] = field(default=lambda _msg: None)
    judged: dict[tuple[tuple[str, int], ...], Judged] = field(default_factory=dict)

    def judge(self, points: Sequence[Mapping[str, int]]) -> list[Judged]:
        """Judge every point (each run once: the runs are kept), fanned out."""
        if time.monotonic() - self.started > self.timeout:
            raise BudgetOut
        keys = [tuple(sorted(self.space.point(p).items())) for p in points]
        todo = list(dict.fromkeys(k for k in keys if k not in self.judged))
        ex = self.executor if self.executor is not None else LocalExecutor(1)
        jobs = [FitJob(self.space, dict(k), tuple(self.triggers), self.horizon,
                       tuple(self.observations), self.timing, self.outage_threshold,
                       self.runs) for k in todo]
        for k, j in zip(todo, ex.map(judge_point, jobs), strict=True):
            self.judged[k] = j
        return [self.judged[k] for k in keys]

    # Long on purpose: the scan, then every edge's bisection stepped together (one batch
    # of runs per step, fanned out), then the intervals between verified values.
    def along(self, param: Param, fixed: Mapping[str, int]) -> list[dict[str, Any]]:
        """The consistent intervals of ``param`` (the others at ``fixed``): each
        ``{"lo", "hi", "below", "above"}``, ``lo``/``hi`` the outermost values run and
        consistent, ``below``/``above`` the values just outside that were run and are
        not (None at an end of the range)."""
        values, kind = grid(param, self.points)
        geometric = kind == "geometric"
        self.progress(f"fit: scanning {param.name} at {len(values)} values "
                      f"({values[0]:,}..{values[-1]:,}, {kind} grid)")
        judged = self.judge([{**fixed, param.name: v} for v in values])
        ok = [j.consistent for j in judged]
        runs_of: list[tuple[int, int]] = []  # (first, last) index of consistent runs
        i = 0
        while i < len(values):
            if ok[i]:
                k = i
                while k + 1 < len(values) and ok[k + 1]:
                    k += 1
                runs_of.append((i, k))
                i = k + 1
            else:
                i += 1
        # edges: [good, bad] pairs to bisect, per interval (lower then upper)
        edges: list[list[int]] = []
        for a, b in runs_of:
            edges.append([values[a], values[a - 1]] if a > 0 else [values[a], values[a]])
            edges.append([values[b], values[b + 1]] if b + 1 < len(values)
                         else [values[b], values[b]])
        while True:
            mids: list[tuple[int, int]] = []
            for n, (good, bad) in enumerate(edges):
                if good == bad or _close(good, bad, self.tolerance, param.step):
                    continue
                m = _between(min(good, bad), max(good, bad), geometric)
                if m is not None:
                    mids.append((n, m))
            if not mids:
                break
            self.progress(f"fit: refining {len(mids)} edges of {param.name} "
                          f"({', '.join(f'{m:,}' for _, m in mids[:4])}"
                          f"{', ...' if len(mids) > 4 else ''})")
            res = self.judge([{**fixed, param.name: m} for _, m in mids])
            for (n, m), j in zip(mids, res, strict=True):
                if j.consistent:
                    edges[n][0] = m
                else:
                    edges[n][1] = m
        out = []
        for n in range(0, len(edges), 2):
            (lo, below), (hi, above) = edges[n], edges[n + 1]
            out.append({"lo": lo, "hi": hi, "below": None if below == lo else below,
                        "above": None if above == hi else above})
        return out

    def failing(self, point: Mapping[str, int]) -> list[str]:
        """The observations the run at ``point`` (already run) does not satisfy, each
        with what the run gave: ``first_cascade_reset_s=99+-15 (got 65.8)``."""
        j = self.runs_at(point)
        return [f"{text} (got {json_value(v)})" for text, v, ok in j.got if not ok]

    def seed_at(self, point: Mapping[str, int]) -> int | None:
        """The seed that reproduced every observation at ``point`` (already run)."""
        return self.runs_at(point).seed

    def runs_at(self, point: Mapping[str, int]) -> Judged:
        """The judged run at ``point`` (already run)."""
        return self.judged[tuple(sorted(self.space.point(point).items()))]

    def _seeds(self) -> dict[str, Any]:
        """Which seeds a value may be reproduced under (``bounds``' ``seeds``)."""
        first = self.timing.seed if self.timing is not None else None
        return {"runs": self.runs, "from": first,
                "to": None if first is None else first + self.runs - 1,
                "consistent_if": "one seed reproduces every observation"}

    def bounds(self, kinds: Mapping[str, str]) -> dict[str, Any]:
        """What the answer holds within (``fit --json``'s ``bounds``)."""
        params = self.space.params
        return {
            "method": "sim-scan+bisection",
            "grid": {p.name: {"kind": kinds.get(p.name, "even"),
                              "points": len(grid(p, self.points)[0]),
                              "range": [p.lo, p.hi]} for p in params},
            "refinement": {"tolerance_relative": json_number(self.tolerance),
                           "step": {p.name: p.step for p in params},
                           "along": params[-1].name if params else None},
            "values_judged": len(self.judged),
            "trigger_offsets": {"method": "pinned", "triggers": [t.label() for t in
                                                                 self.triggers],
                                "note": "each trigger at its own time only, as observed"},
            "horizon_s": json_number(self.horizon),
            "seeds": self._seeds(),
            "outage_threshold": self.outage_threshold,
            "z3": "not used: observations read summary values (times, peaks, counts) "
                  "that the symbolic run does not compute",
            **timing_bounds(self.timing)}


def per_observation(f: Fit, param: Param, fixed: Mapping[str, int]) -> list[dict[str, Any]]:
    """Per observation, the values of ``param`` (the others at ``fixed``) among those run
    where it holds on its own, as ``[lo, hi]`` runs of consecutive values run: which
    observation rules out which part of the range (``fit --json``'s ``per_observation``)."""
    keyed = {dict(k)[param.name]: j for k, j in f.judged.items()
             if all(dict(k).get(n) == v for n, v in fixed.items())}
    values = sorted(keyed)
    out = []
    for i, ob in enumerate(f.observations):
        spans: list[list[int]] = []
        prev_ok = False
        for v in values:
            ok = keyed[v].got[i][2]
            if ok and prev_ok:
                spans[-1][1] = v
            elif ok:
                spans.append([v, v])
            prev_ok = ok
        out.append({"observation": ob.text, "holds_at": spans})
    return out


def json_value(v: Any) -> str:
    """A summary value as the JSON would print it (``null``, ``65.8``, ``zone-outage``)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".")
    return str(v)


# Long on purpose: the one-parameter and several-parameter answers share the budget, the
# status and the JSON form, which read best in one place.
def fit(f: Fit) -> dict[str, Any]:
    """The fit's answer (``fit --json``, a contract): ``vary`` (the parameters, in order,
    with their ranges and current values), ``observations``, ``consistent`` (one
    parameter: its ``[lo, hi]`` intervals; several: boxes, each ``{name: [lo, hi]}``, one
    per grid value of the others with the last parameter's interval along it), ``engine``
    (``sim-scan``), ``bounds``, ``status`` (``consistent``, ``inconsistent``, ``unknown``
    when the budget ran out) and ``reason`` and ``intervals`` (every interval with the
    verified values just outside it and which observations fail there)."""
    params = f.space.params
    varied = [p for p in params if p.lo < p.hi]
    last = varied[-1] if varied else params[-1]
    others = [p for p in varied if p is not last]
    kinds = {p.name: grid(p, f.points)[1] for p in params}
    combos: list[dict[str, int]] = [{}]
    for p in others:
        combos = [{**c, p.name: v} for c in combos for v in grid(p, f.points)[0]]
    status, reason = "inconsistent", None
    found: list[tuple[dict[str, int], dict[str, Any]]] = []
    try:
        for n, fixed in enumerate(combos):
            if others:
                f.progress(f"fit: box {n + 1} of {len(combos)} ("
                           + ", ".join(f"{k}={v:,}" for k, v in fixed.items()) + ")")
            for iv in f.along(last, fixed):
                found.append((fixed, iv))
    except BudgetOut:
        status, reason = "unknown", f"budget of {f.timeout:g} s ran out"
    if found and status != "unknown":
        status = "consistent"
    intervals = []
    for fixed, iv in found:
        ends = {"below": iv["below"], "above": iv["above"]}
        why = {k: f.failing({**fixed, last.name: v}) for k, v in ends.items()
               if v is not None}
        intervals.append({**{k: [v, v] for k, v in fixed.items()},
                          last.name: [iv["lo"], iv["hi"]], "below": iv["below"],
                          "above": iv["above"], "fails_below": why.get("below"),
                          "fails_above": why.get("above"),
                          "seed_at": {"lo": f.seed_at({**fixed, last.name: iv["lo"]}),
                                      "hi": f.seed_at({**fixed, last.name: iv["hi"]})}})
    if others:
        consistent: list[Any] = [{**{k: [v, v] for k, v in fixed.items()},
                                  last.name: [iv["lo"], iv["hi"]]} for fixed, iv in found]
    else:
        consistent = [[iv["lo"], iv["hi"]] for _, iv in found]
    return {
        "zone": f.space.zone.name,
        "vary": [{"name": p.name, "lo": p.lo, "hi": p.hi, "current": p.current}
                 for p in params],
        "observations": [o.as_json() for o in f.observations],
        "consistent": consistent,
        "intervals": intervals,
        "per_observation": [] if others else per_observation(f, last, {}),
        "engine": "sim-scan",
        "bounds": f.bounds(kinds),
        "status": status,
        "reason": reason,
    }
