"""The safe boundary of one number of one shard, and the search that finds it.

The boundary of ``<shard>.clients`` is the most clients, of ``<shard>.rr_capacity`` the
least RR capacity, at which no single flap makes that shard's sessions reset through the
cascade (property ``no_cascade_in=<shard>``; ``no_cascade`` for a zone judged as a whole,
whose number is its RRs' capacity in percent, :data:`~bgpcascade.review.data.CAPACITY_PERCENT`).

First the Z3 engine (``search``, exact over the range, no monotonicity assumed) within a
budget; where it does not answer, a bracketing search in the plain simulator
(:class:`BoundarySearch`) that assumes more clients (or less capacity) never makes a
shard safer, and says so (method ``sim-bracket``). Either way the boundary value is then
checked against EVERY representative flap, and the value just past it is shown to fail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.params import Space
from bgpcascade.properties.engines.cascade_z3 import ZoneSearch, boundary
from bgpcascade.properties.library import Selected, parse_property
from bgpcascade.review.data import CAPACITY_PERCENT, ZONE, ShardBoundary
from bgpcascade.review.runs import Runner
from bgpcascade.review.zonedata import dump, set_field, shard_value

#: The most clients a shard may have (the zone format's limit).
MAX_CLIENTS = 1_000_000


def search_range(fld: str, current: int) -> tuple[int, int, int]:
    """The range a boundary is searched in: clients 1 .. 4x current (at least 64);
    capacity about 1/100 .. 200x current on a grid of 1% of the current value through
    the current value. Clients never past the zone format's limit."""
    if fld == "clients":
        return 1, min(max(4 * current, 64), MAX_CLIENTS), 1
    if fld == CAPACITY_PERCENT:
        return 1, 10000, 1
    step = max(1, current // 100)
    # The grid runs through the current value, so that it can be its own boundary.
    return current - (current - 1) // step * step, current + 199 * current // step * step, \
        step


@dataclass
class Probe:
    """A shard's verdict at one value: the runs made (critical triggers first)."""

    value: int
    safe: bool
    ratio: float
    failing: str | None


class BoundarySearch:
    """The boundary of ``<shard>.<fld>`` on zone data (see the module doc), searched
    against the ``critical`` flaps."""

    def __init__(self, runner: Runner, data: dict[str, Any], source: str, shard: str,
                 fld: str, current: int, lo: int, hi: int, step: int,
                 critical: list[Trigger], horizon: Fraction) -> None:
        self.runner, self.data, self.source = runner, data, source
        self.shard, self.fld, self.current = shard, fld, current
        self.lo, self.hi, self.step = lo, hi, step
        self.critical = list(critical)
        self.horizon = horizon
        self.cache: dict[int, Probe] = {}
        self.runs = 0

    @property
    def up(self) -> bool:
        """Does a larger value add stress (clients) or a smaller one (capacity)?"""
        return self.fld == "clients"

    def text(self, value: int) -> str:
        """The zone file with the field at ``value``."""
        return dump(set_field(self.data, self.shard, self.fld, value),
                    f"{self.data['zone']} from {self.source} at {self.shard}.{self.fld}="
                    f"{value}")

    def probe(self, value: int, triggers: Sequence[Trigger] | None = None) -> Probe:
        """The shard's verdict at ``value`` against the critical triggers (stopping at
        the first that resets one of its sessions through the cascade)."""
        if triggers is None and value in self.cache:
            return self.cache[value]
        runs = self.runner.run(self.text(value), self.source, triggers or self.critical,
                               self.horizon, stop=lambda r: not r.shard_safe(self.shard))
        self.runs += len(runs)
        bad = next((r for r in runs if not r.shard_safe(self.shard)), None)
        p = Probe(value, bad is None, max((r.shard_ratio.get(self.shard, 0.0)
                                           for r in runs), default=0.0),
                  bad.trigger if bad else None)
        if triggers is None:
            self.cache[value] = p
        return p

    def _grid(self, v: float) -> int:
        """``v`` rounded to the search grid (``lo + k * step`` within the range)."""
        k = round((v - self.lo) / self.step)
        return min(max(self.lo + k * self.step, self.lo), self.hi)

    def _guess(self, p: Probe) -> int:
        """Where the shard's ratio would cross 1 if it scaled linearly with the stress
        (clients up, capacity down); a guide for the bracket, never an answer."""
        r = max(p.ratio, 1e-6)
        v = p.value / r if self.up else p.value * r
        return self._grid(v)

    def search(self, hint: int | None = None) -> tuple[int | None, int | None, str | None]:
        """(last safe, first failing, its trigger) in the range, against the critical
        triggers, assuming monotone stress; exact on the grid. ``hint``: where the
        boundary probably is (a similar zone's): probed first with its neighbour, which
        settles the search in two runs when it is right."""
        safe: Probe | None = None
        bad: Probe | None = None
        start = self._grid(self.current if hint is None else hint)
        p = self.probe(start)
        if p.safe:
            safe = p
        else:
            bad = p
        if hint is not None:
            nxt = self._grid(start + (self.step if self.up == p.safe else -self.step))
            if nxt != start:
                q = self.probe(nxt)
                if q.safe != p.safe:
                    safe, bad = (p, q) if p.safe else (q, p)
                elif q.safe == (self._further(q.value, p.value)):
                    safe, bad = (q, None) if q.safe else (None, q)
        # Bracket: walk towards the other end, guided by the ratio, doubling the stride.
        stride = self.step
        while safe is None or bad is None:
            ref = safe or bad
            assert ref is not None
            toward_stress = bad is None
            end = (self.hi if self.up else self.lo) if toward_stress else \
                (self.lo if self.up else self.hi)
            if ref.value == end:
                break
            guess = self._guess(ref)
            forward = (guess > ref.value) == (end > ref.value) and guess != ref.value
            nxt = guess if forward else ref.value + (stride if end > ref.value else -stride)
            # Overshoot a little past the guess so that the bracket closes in one probe.
            if forward:
                nudge = max(self.step, abs(guess - ref.value) // 8)
                nxt = guess + (nudge if end > ref.value else -nudge)
            nxt = self._grid(min(max(nxt, min(ref.value, end)), max(ref.value, end)))
            if nxt == ref.value:
                nxt = end
            stride *= 2
            q = self.probe(nxt)
            if q.safe:
                safe = q if safe is None or self._further(q.value, safe.value) else safe
            else:
                bad = q if bad is None or self._further(bad.value, q.value) else bad
            if (safe is not None and q.safe and safe.value == end) or \
                    (bad is not None and not q.safe and bad.value == end):
                break
        if bad is None:
            return (safe.value if safe else None), None, None
        if safe is None:
            return None, bad.value, bad.failing
        # Bisect the bracket (safe, bad) down to adjacent grid values.
        while abs(bad.value - safe.value) > self.step:
            mid = self._grid((safe.value + bad.value) / 2)
            if mid in (safe.value, bad.value):
                break
            q = self.probe(mid)
            if q.safe:
                safe = q
            else:
                bad = q
        return safe.value, bad.value, bad.failing

    def _further(self, a: int, b: int) -> bool:
        """Is ``a`` more stressed than ``b``?"""
        return a > b if self.up else a < b



def _by_z3(runner: Runner, text: str, source: str, label: str, rng: tuple[int, int, int],
           critical: list[Trigger], prop: Selected, horizon: Fraction,
           z3_budget: float) -> tuple[tuple[int | None, int | None, str | None, str] | None,
                                      int]:
    """The boundary of ``label`` over the range ``rng`` (lo, hi, step) by the Z3 engine
    (``bgpcascade search``) within ``z3_budget`` seconds, against the critical triggers:
    (last safe, first failing, its trigger, method), or None when Z3 does not answer; and
    the symbolic runs it completed."""
    lo, hi, step = rng
    space = Space(text, source)
    param = space.add(f"{label}={lo}..{hi}" + (f"/{step}" if step > 1 else ""))
    eng = ZoneSearch(space, critical, [prop], horizon, timeout=z3_budget, jobs=runner.jobs,
                     executor=runner.executor,  # the review's workers, not a second pool
                     timing=runner.timing)  # each critical flap at its own time
    try:
        res = boundary(eng, param)
    finally:
        eng.close()
    if res.status != "HOLDS":
        return None, res.z3_paths
    past = past_trigger = None
    if res.counterexample is not None:
        assert res.counterexample.point is not None
        past = res.counterexample.point[label]
        assert res.counterexample.trigger is not None
        past_trigger = res.counterexample.trigger.label()
    return (res.boundary, past, past_trigger, res.engine), res.z3_paths


def find_boundary(runner: Runner, data: dict[str, Any], text: str, source: str, shard: str,
                  fld: str, lo: int, hi: int, step: int, critical: list[Trigger],
                  all_triggers: list[Trigger], horizon: Fraction, z3_budget: float,
                  progress: Callable[[str], None], *, verify: bool = True,
                  hint: int | None = None, known: Probe | None = None) -> ShardBoundary:
    """The boundary of ``<shard>.<fld>`` (see the module doc): Z3 first, within
    ``z3_budget`` seconds, on the critical triggers; else the simulator's bracket. Then
    the boundary value is run against ``all_triggers`` (in the review: every
    representative flap at every offset of its KEEPALIVE cycle, as ``search`` checks its
    boundary, worst first, stopping at the first batch with a failure); a flap time that
    fails there joins the critical ones and the search repeats (at most three times).
    ``verify`` False skips that last run (the boundary is then against the critical
    flaps only); ``known``: a value already known safe against every flap."""
    current = shard_value(text, source, shard, fld)
    label = f"{shard}.{fld}"
    if fld == CAPACITY_PERCENT:  # not a parameter `search` knows: the simulator decides
        z3_budget = 0.0
    prop = parse_property("no_cascade" if shard == ZONE else f"no_cascade_in={shard}")
    critical = list(critical)
    method, z3_paths = "sim-bracket", 0
    bs = BoundarySearch(runner, data, source, shard, fld, current, lo, hi, step, critical,
                        horizon)
    if known is not None:
        bs.cache[known.value] = known

    def found(value: int | None, past: int | None, past_trigger: str | None, status: str,
              checked_all: bool = False, reason: str = "") -> ShardBoundary:
        at_value = len(all_triggers) if checked_all else len(critical) if value else 0
        return ShardBoundary(shard, fld, current, lo, hi, step, value, past, past_trigger,
                             status, method, reason=reason,
                             triggers=[t.label() for t in critical],
                             checked_all=checked_all, runs=bs.runs, z3_paths=z3_paths,
                             checked_at_boundary=at_value)

    # Each round adds a flap time that fails at the last boundary found (so it ends: at
    # most one round per flap time); the budget (BudgetExceeded) ends it sooner.
    for n_round in range(len(all_triggers) + 1):
        answer: tuple[int | None, int | None, str | None, str] | None = None
        if z3_budget > 0 and n_round < 3:
            progress(f"review: {label} by Z3 ({len(critical)} trigger(s), "
                     f"budget {z3_budget:g} s)")
            answer, paths = _by_z3(runner, text, source, label, (lo, hi, step), critical,
                                   prop, horizon, z3_budget)
            z3_paths += paths
        if answer is None:
            progress(f"review: {label} by the simulator ({len(critical)} trigger(s))")
            if bs.critical != critical:
                bs.critical = list(critical)
                # A value that failed still fails with more flaps; a safe one must rerun.
                bs.cache = {v: p for v, p in bs.cache.items() if not p.safe}
            answer = (*bs.search(hint), "sim-bracket")
        value, past, past_trigger, method = answer
        if value is None or not verify:
            return found(value, past, past_trigger, "HOLDS")
        # The boundary value against every flap (at every offset, in the review).
        others = [t for t in all_triggers if t not in critical]
        progress(f"review: {label}={value} against all {len(all_triggers)} flap times")
        check = bs.probe(value, others) if others else Probe(value, True, 0.0, None)
        if check.safe:
            return found(value, past, past_trigger, "HOLDS", checked_all=True)
        critical.append(next(t for t in all_triggers if t.label() == check.failing))
        bs.cache[value] = Probe(value, False, check.ratio, check.failing)
        hint = value  # the boundary is below it now: start the next bracket there
    return found(None, None, None, "UNKNOWN", reason="every flap time joined the search")
