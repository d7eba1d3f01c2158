"""The design review of an RR sharding (``bgpcascade review``): the numbers, not the report.

What an architect asks of a zone, answered by runs of the one model (model/dynamics.py),
never by a formula standing in for it:

- **The worst single trigger.** Every representative single flap (one per session group,
  :func:`~bgpcascade.properties.engines.cascade_z3.representative_flaps`) is simulated at the zone
  as written; per shard, the flap that resets most of that shard's sessions through the
  cascade, or, when none does, the one that brings its speakers closest to their hold
  time (peak queue delay / negotiated hold, RFC 4271 §4.2, §6.5).
- **The safe boundary of each shard**: the most clients (``<shard>.clients``) and the
  least RR capacity (``<shard>.rr_capacity``) at which no single flap makes that shard's
  sessions reset through the cascade (property ``no_cascade_in=<shard>``). First the Z3
  engine (``search``, exact, no monotonicity assumed) within a budget; where it does not
  answer, a bracketing search in the plain simulator that assumes more clients (or less
  capacity) never makes a shard safer, and says so. Either way the boundary value is
  then checked against EVERY representative flap, and the value just past it is shown
  to fail.
- **What-ifs**: the zone changed one way at a time (hold time, the RRs' KEEPALIVE path,
  graceful restart, update-groups, the largest shard split, a spine tier added or
  removed), each simulated against every representative flap of the changed zone.

Runs go to ``jobs`` forked worker processes; the answers do not depend on ``jobs``.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import yaml

from bgpcascade.model.dynamics import Sim, Trigger
from bgpcascade.model.errors import InputError
from bgpcascade.model.outcomes import Outcome
from bgpcascade.model.params import Space
from bgpcascade.model.topology import Zone
from bgpcascade.model.trace import Recorder
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.engines.cascade_z3 import (
    BudgetExceeded,
    Engine,
    boundary,
    representative_flaps,
)
from bgpcascade.properties.library import DEFAULT_PROPERTIES, Selected, parse_property

Method = Literal["z3", "z3+sim-scan", "sim-scan", "sim-bracket"]
#: The key of the spine tier where results are kept per shard (not a valid shard name).
SPINES = "(spines)"
#: The key of a zone judged as a whole (an explicit zone without shard labels): its
#: property is no_cascade, its number the capacity of all its RRs.
ZONE = "(zone)"
#: The number an explicit zone's boundary varies: its RRs' capacity, in percent.
CAPACITY_PERCENT = "rr_capacity_percent"
#: The most clients a shard may have (the zone format's limit).
MAX_CLIENTS = 1_000_000


# -- one run, summarised -------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """One trigger simulated on one zone, reduced to what the review reads.

    ``shard_cascade``: per shard, sessions reset by the cascade (not by the trigger
    directly). ``shard_ratio``: per shard, the highest peak queue delay over negotiated
    hold time of any of its speakers (>= 1 means a KEEPALIVE waited a whole hold time).
    ``violated``: the zone-wide properties (``check``'s defaults) that failed.
    """

    trigger: str
    cascade: int
    isolated_peak: int
    clients: int
    outage: bool
    violated: tuple[str, ...]
    shard_cascade: dict[str, int]
    shard_ratio: dict[str, float]
    reasons: dict[str, int]

    @property
    def verdict(self) -> str:
        """``zone-outage``, ``cascade`` or ``contained`` (as ``simulate`` says it)."""
        return "zone-outage" if self.outage else "cascade" if self.cascade else "contained"

    def shard_safe(self, shard: str) -> bool:
        """``no_cascade_in=<shard>`` holds for this run."""
        return self.shard_cascade.get(shard, 0) == 0


def _zone_props() -> list[Selected]:
    return [parse_property(p) for p in DEFAULT_PROPERTIES]


def run_one(zone_text: str, source: str, trigger: Trigger, horizon: Fraction) -> Run:
    """Simulate ``trigger`` on the zone ``zone_text`` up to ``horizon`` (the plain
    simulator, exact) and summarise it."""
    zone = load_zone(zone_text, source=source)
    sim = Sim(zone, [trigger])
    rec = Recorder(sim, horizon, horizon)
    rec.run()
    o = Outcome.of(rec)
    shard_cascade: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for e in o.cascade:
        for key in o.shard_of.get(e.session) or (SPINES,):
            shard_cascade[key] = shard_cascade.get(key, 0) + e.count
        reasons[e.reason] = reasons.get(e.reason, 0) + e.count
    shard_ratio: dict[str, float] = {}
    for key in sim.nodes:
        hold = o.hold_of.get(key)
        if not hold:
            continue
        shard = zone.group(sim.view.nodes[key].group).shard or SPINES
        ratio = float(o.peak_delay.get(key, Fraction(0)) / hold)
        shard_ratio[shard] = max(shard_ratio.get(shard, 0.0), ratio)
    shard_cascade[ZONE] = o.cascade_size()
    shard_ratio[ZONE] = max(shard_ratio.values(), default=0.0)
    violated = tuple(s.label for s in _zone_props() if not s.holds(o))
    return Run(trigger.label(), o.cascade_size(), o.isolated_peak, o.clients,
               o.outage(Fraction(1, 2)), violated, dict(sorted(shard_cascade.items())),
               {k: round(v, 4) for k, v in sorted(shard_ratio.items())},
               dict(sorted(reasons.items())))


def _job(args: tuple[str, str, Trigger, Fraction]) -> Run:
    return run_one(*args)


class Runner:
    """Runs triggers on zones, in ``jobs`` forked processes, and counts the runs."""

    def __init__(self, jobs: int, deadline: float | None = None) -> None:
        self.jobs = jobs
        self.runs = 0
        self.deadline = deadline
        self._pool: Any = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def _check(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise BudgetExceeded

    def run(self, zone_text: str, source: str, triggers: Sequence[Trigger],
            horizon: Fraction, *, stop: Callable[[Run], bool] | None = None) -> list[Run]:
        """Each trigger on the zone, in order. With ``stop``, runs go in batches of
        ``jobs`` and end after the first batch in which ``stop`` is true of a run (the
        result is then a prefix of the triggers, the same whatever ``jobs``: everything
        up to and including the first run that stops it). The deadline is checked before
        each batch (BudgetExceeded)."""
        out: list[Run] = []
        batch = max(1, self.jobs) if stop is not None else len(triggers)
        for i in range(0, len(triggers), batch):
            self._check()
            jobs = [(zone_text, source, t, horizon) for t in triggers[i:i + batch]]
            if self.jobs <= 1 or len(jobs) < 2:
                got = [_job(j) for j in jobs]
            else:
                if self._pool is None:
                    import multiprocessing

                    self._pool = multiprocessing.get_context("fork").Pool(self.jobs)
                got = list(self._pool.map(_job, jobs))
            for r in got:
                out.append(r)
                self.runs += 1  # runs past a stop are not counted: the same whatever jobs
                if stop is not None and stop(r):
                    return out
        return out


def rank(runs: Sequence[Run]) -> list[Run]:
    """Worst first: most sessions reset by the cascade, then most clients isolated, then
    the trigger order (as ``check --engine sim`` ranks them)."""
    order = {id(r): n for n, r in enumerate(runs)}
    return sorted(runs, key=lambda r: (-r.cascade, -r.isolated_peak, order[id(r)]))


def shard_rank(runs: Sequence[Run], shard: str) -> list[Run]:
    """Worst first for one shard: most of its sessions reset by the cascade, then its
    highest queue delay / hold ratio, then the trigger order."""
    order = {id(r): n for n, r in enumerate(runs)}
    return sorted(runs, key=lambda r: (-r.shard_cascade.get(shard, 0),
                                       -r.shard_ratio.get(shard, 0.0), order[id(r)]))


# -- boundaries ------------------------------------------------------------------------------
@dataclass
class Boundary:
    """How far one number of one shard may go.

    ``value``: the last safe value (the most clients; the least capacity), None when
    none in the range is safe. ``past``: the first failing value beyond it (None when the
    whole range is safe: then the boundary is "at least ``value``"). ``status``: HOLDS
    (found), UNKNOWN (budget, ``reason`` says). ``method``: which engine found it.
    ``checked_all``: the boundary value was checked against every representative flap.
    """

    shard: str
    fld: str  # clients | rr_capacity
    current: int
    lo: int
    hi: int
    step: int
    value: int | None
    past: int | None
    past_trigger: str | None
    status: str
    method: str
    reason: str = ""
    triggers: list[str] = field(default_factory=list)
    checked_all: bool = False
    runs: int = 0
    z3_paths: int = 0

    @property
    def worse(self) -> str:
        """``up`` (clients) or ``down`` (capacity): the direction that adds stress."""
        return "up" if self.fld == "clients" else "down"

    @property
    def headroom_percent(self) -> float | None:
        """(boundary - current) / current x 100 for clients, (current - boundary) /
        current x 100 for capacity: negative is an overrun. None when nothing is safe or
        the answer is UNKNOWN."""
        if self.status != "HOLDS" or self.value is None or not self.current:
            return None
        diff = self.value - self.current if self.worse == "up" else self.current - self.value
        return round(100 * diff / self.current, 1)

    @property
    def open_ended(self) -> bool:
        """The whole range is safe: the boundary lies beyond it."""
        return self.status == "HOLDS" and self.value is not None and self.past is None

    def as_json(self) -> dict[str, Any]:
        """JSON form (review.json's ``boundaries`` entries)."""
        return {"shard": self.shard, "vary": f"{self.shard}.{self.fld}",
                "current": self.current, "lo": self.lo, "hi": self.hi, "step": self.step,
                "boundary": self.value, "first_failing": self.past,
                "failing_trigger": self.past_trigger, "open_ended": self.open_ended,
                "headroom_percent": self.headroom_percent, "status": self.status,
                "method": self.method, "reason": self.reason or None,
                "triggers": list(self.triggers or []), "checked_all_flaps": self.checked_all,
                "runs": self.runs, "z3_paths": self.z3_paths}


def set_field(data: dict[str, Any], shard: str, fld: str, value: int) -> dict[str, Any]:
    """A copy of zone data with ``shards[<shard>].<fld>`` set (compact form), or, for
    :data:`CAPACITY_PERCENT` in an explicit zone, the capacity of the shard's RRs (every
    RR's for :data:`ZONE`) scaled to ``value`` percent of what ``data`` gives them
    (:func:`explicit_capacities` writes them out first)."""
    out = copy.deepcopy(data)
    if fld == CAPACITY_PERCENT:
        rrs = {x["rr"] for x in out.get("sessions") or [] if "rr" in x}
        for sp in out["speakers"]:
            if sp["name"] in rrs and (shard == ZONE or sp.get("shard") == shard):
                sp["capacity"] = round(float(sp["capacity"]) * value / 100, 3)
        return out
    for sh in out["shards"]:
        if sh["name"] == shard:
            sh[fld] = value
            return out
    raise KeyError(shard)


def dump(data: Mapping[str, Any], header: str) -> str:
    """Zone data as a zone file (a ``#`` header line, then YAML)."""
    lines = "".join(f"# {line}\n" for line in header.splitlines())
    return lines + yaml.safe_dump(dict(data), sort_keys=False, width=100)


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


def explicit_capacities(data: dict[str, Any], zone: Zone) -> dict[str, Any]:
    """A copy of explicit zone data in which every RR speaker states its capacity (its
    profile's when the file does not set one): what :data:`CAPACITY_PERCENT` scales."""
    out = copy.deepcopy(data)
    for sp in out["speakers"]:
        found = zone.locate(sp["name"])
        if found is None:
            continue
        g = zone.group(found[0])
        if g.is_rr and "capacity" not in sp:
            sp["capacity"] = zone.profile_of(g).capacity
    return out


def shard_value(text: str, source: str, shard: str, fld: str) -> int:
    """The current ``clients`` or ``rr_capacity`` of a shard (the capacity of its RRs'
    profile when the file does not set one); 100 for :data:`CAPACITY_PERCENT`."""
    if fld == CAPACITY_PERCENT:
        return 100
    zone = load_zone(text, source=source)
    groups = [g for g in zone.groups if g.shard == shard]
    if fld == "clients":
        return sum(g.count for g in groups if not g.is_rr)
    rr = next(g for g in groups if g.is_rr)
    return int(zone.profile_of(rr).capacity)


def find_boundary(runner: Runner, data: dict[str, Any], text: str, source: str, shard: str,
                  fld: str, lo: int, hi: int, step: int, critical: list[Trigger],
                  all_triggers: list[Trigger], horizon: Fraction, z3_budget: float,
                  progress: Callable[[str], None], *, verify: bool = True,
                  hint: int | None = None, known: Probe | None = None) -> Boundary:
    """The boundary of ``<shard>.<fld>`` (see the module doc): Z3 first, within
    ``z3_budget`` seconds, on the critical triggers; else the simulator's bracket. Then
    the boundary value is run against every representative flap; a flap that fails
    there joins the critical ones and the search repeats (at most three times)."""
    current = shard_value(text, source, shard, fld)
    label = f"{shard}.{fld}"
    if fld == CAPACITY_PERCENT:  # not a parameter `search` knows: the simulator decides
        z3_budget = 0.0
    prop = parse_property("no_cascade" if shard == ZONE else f"no_cascade_in={shard}")
    critical = list(critical)
    method: str = "sim-bracket"
    z3_paths = 0
    bs = BoundarySearch(runner, data, source, shard, fld, current, lo, hi, step, critical,
                        horizon)
    if known is not None:
        bs.cache[known.value] = known
    for _round in range(3):
        value = past = None
        past_trigger = None
        answered = False
        if z3_budget > 0:
            progress(f"review: {label} by Z3 ({len(critical)} trigger(s), "
                     f"budget {z3_budget:g} s)")
            space = Space(text, source)
            param = space.add(f"{label}={lo}..{hi}" + (f"/{step}" if step > 1 else ""))
            eng = Engine(space, critical, [prop], horizon, timeout=z3_budget,
                         jobs=runner.jobs)
            try:
                res = boundary(eng, param)
            finally:
                eng.close()
            z3_paths += res.z3_paths
            if res.status == "HOLDS":
                answered = True
                method = res.engine
                value = res.boundary
                if res.counterexample is not None:
                    assert res.counterexample.point is not None
                    past = res.counterexample.point[label]
                    assert res.counterexample.trigger is not None
                    past_trigger = res.counterexample.trigger.label()
        if not answered:
            progress(f"review: {label} by the simulator ({len(critical)} trigger(s))")
            method = "sim-bracket"
            if bs.critical != critical:
                bs.critical = critical
                bs.cache.clear()
            value, past, past_trigger = bs.search(hint)
        if value is None:
            return Boundary(shard, fld, current, lo, hi, step, None, past, past_trigger,
                            "HOLDS", method, triggers=[t.label() for t in critical],
                            checked_all=False, runs=bs.runs, z3_paths=z3_paths)
        if not verify:
            return Boundary(shard, fld, current, lo, hi, step, value, past, past_trigger,
                            "HOLDS", method, triggers=[t.label() for t in critical],
                            checked_all=False, runs=bs.runs, z3_paths=z3_paths)
        # The boundary value against every flap.
        others = [t for t in all_triggers if t not in critical]
        progress(f"review: {label}={value} against all {len(all_triggers)} flaps")
        check = bs.probe(value, others) if others else Probe(value, True, 0.0, None)
        if check.safe:
            return Boundary(shard, fld, current, lo, hi, step, value, past, past_trigger,
                            "HOLDS", method, triggers=[t.label() for t in critical],
                            checked_all=True, runs=bs.runs, z3_paths=z3_paths)
        critical.append(next(t for t in all_triggers if t.label() == check.failing))
    return Boundary(shard, fld, current, lo, hi, step, None, None, None, "UNKNOWN", method,
                    reason="three rounds of new critical flaps", triggers=[
                        t.label() for t in critical], runs=bs.runs, z3_paths=z3_paths)


# -- what-ifs --------------------------------------------------------------------------------
@dataclass(frozen=True)
class WhatIf:
    """One change to the zone: an id (a file stem: a contract of review.json), a label,
    what was changed, and the changed zone data (None when it does not apply, with
    ``why``)."""

    id: str
    label: str
    change: str
    data: dict[str, Any] | None
    why: str = ""
    target: str | None = None  # the shard whose headroom the row reports
    origin: str | None = None  # a split row: the shard it splits (target is its 1st part)
    hint_scale: float = 1.0  # where its boundary search starts, relative to as written


def _timer_blocks(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every ``timers`` mapping of the zone data (zone, spines, shards, speakers)."""
    if not isinstance(data.get("timers"), dict):  # absent, or `timers:` left empty
        data["timers"] = {}
    yield data["timers"]
    if isinstance(data.get("spines"), dict) and isinstance(data["spines"].get("timers"),
                                                           dict):
        yield data["spines"]["timers"]
    for key in ("shards", "speakers"):
        for item in data.get(key) or []:
            if isinstance(item, dict) and isinstance(item.get("timers"), dict):
                yield item["timers"]


def with_hold(data: dict[str, Any], hold: int) -> dict[str, Any]:
    """Hold time ``hold`` and KEEPALIVE ``hold/3`` everywhere (RFC 4271 §10's ratio)."""
    out = copy.deepcopy(data)
    for t in _timer_blocks(out):
        t["hold"] = hold
        ka = Fraction(hold, 3)
        t["keepalive"] = int(ka) if ka.denominator == 1 else float(ka)
    return out


def _profiles_used(data: dict[str, Any], rr_only: bool) -> set[str]:
    """Profile names the zone's (RR) speakers use, defaults included."""
    used: set[str] = set()
    if isinstance(data.get("spines"), dict):
        used.add(data["spines"].get("profile", "frr"))
    for sh in data.get("shards") or []:
        used.add(sh.get("rr_profile", "frr"))
        if not rr_only:
            used.add(sh.get("client_profile", "frr"))
    rrs = {s["rr"] for s in data.get("sessions") or [] if "rr" in s}
    for sp in data.get("speakers") or []:
        if not rr_only or sp["name"] in rrs:
            used.add(sp.get("profile", "frr"))
    return used


def with_profile_fields(data: dict[str, Any], fields: Mapping[str, Any], *, rr_only: bool,
                        suffix: str) -> dict[str, Any]:
    """Every (RR) speaker on a copy of its profile with ``fields`` set: a new profile
    ``<name>-<suffix>`` with ``base: <name>``, so the rest of the profile stays."""
    out = copy.deepcopy(data)
    profiles = out.setdefault("profiles", {})
    renamed: dict[str, str] = {}
    for name in sorted(_profiles_used(data, rr_only)):
        new = f"{name}-{suffix}"
        n = 2
        while new in profiles:
            new, n = f"{name}-{suffix}{n}", n + 1
        profiles[new] = {"base": name, **fields}
        renamed[name] = new
    if isinstance(out.get("spines"), dict):
        out["spines"]["profile"] = renamed[out["spines"].get("profile", "frr")]
    for sh in out.get("shards") or []:
        sh["rr_profile"] = renamed[sh.get("rr_profile", "frr")]
        if not rr_only:
            sh["client_profile"] = renamed[sh.get("client_profile", "frr")]
    rrs = {s["rr"] for s in out.get("sessions") or [] if "rr" in s}
    for sp in out.get("speakers") or []:
        if not rr_only or sp["name"] in rrs:
            sp["profile"] = renamed[sp.get("profile", "frr")]
    return out


def split_shard(data: dict[str, Any], shard: str, parts: int) -> dict[str, Any]:
    """Shard ``shard`` of compact zone data replaced by ``parts`` shards of the same
    shape (RRs, profiles, timers), its clients dealt out as evenly as possible (the
    first shards take the remainder). New names: ``<shard>1`` .. ``<shard><parts>``, or
    ``<shard>-s1`` .. when those are taken."""
    out = copy.deepcopy(data)
    names = {s["name"] for s in out["shards"]}
    new_names = [f"{shard}{i}" for i in range(1, parts + 1)]
    if names & set(new_names):
        new_names = [f"{shard}-s{i}" for i in range(1, parts + 1)]
    shards: list[dict[str, Any]] = []
    for sh in out["shards"]:
        if sh["name"] != shard:
            shards.append(sh)
            continue
        total = int(sh["clients"])
        for i, name in enumerate(new_names):
            part = dict(sh, name=name, clients=total // parts + (1 if i < total % parts
                                                                 else 0))
            shards.append(part)
    out["shards"] = shards
    return out


def hold_as_written(data: dict[str, Any]) -> Fraction | None:
    """The hold time every speaker of the zone data proposes, as the loader resolves it
    (zone, tier, shard and speaker levels, each inheriting the level above; RFC 4271 §10's
    90 s where no level sets one); None when the speakers differ."""
    zone = load_zone(dump(data, ""), source="<zone data>")
    holds = {g.timers.hold for g in zone.groups}
    return holds.pop() if len(holds) == 1 else None


def what_ifs(data: dict[str, Any], target: str | None) -> list[WhatIf]:
    """The review's what-if rows for zone data (see the module doc), in table order."""
    compact = "shards" in data
    rows: list[WhatIf] = []
    hold0 = hold_as_written(data)
    for hold in (90, 180, 240):
        # A longer hold time tolerates a proportionally longer queue: the boundary search
        # starts there (a starting point only; the search decides).
        rows.append(WhatIf(f"hold-{hold}", f"hold time {hold} s",
                           f"hold {hold} s, keepalive {Fraction(hold, 3)} s on every "
                           "speaker", with_hold(data, hold), target=target,
                           hint_scale=float(hold / hold0) if hold0 else 1.0))
    frr_ka = {"keepalive_rx": "rearm-on-backlog", "keepalive_tx": "fifo"}
    fifo_ka = {"keepalive_rx": "fifo", "keepalive_tx": "main-loop"}
    rows.append(WhatIf("keepalive-frr", "RR KEEPALIVEs FRR-like",
                       "every RR's KEEPALIVE path as FRR's: hold timer re-armed while input "
                       "is queued, KEEPALIVEs sent by their own thread",
                       with_profile_fields(data, frr_ka, rr_only=True, suffix="frr-ka"),
                       target=target))
    rows.append(WhatIf("keepalive-fifo", "RR KEEPALIVEs appliance-like",
                       "every RR's KEEPALIVEs in the one FIFO with the UPDATE work, both "
                       "ways (the incident's appliance)",
                       with_profile_fields(data, fifo_ka, rr_only=True, suffix="fifo-ka"),
                       target=target))
    rows.append(WhatIf("gr-on", "graceful restart on",
                       "every speaker a graceful-restart helper, also after a NOTIFICATION "
                       "or hold expiry (RFC 4724, RFC 8538)",
                       with_profile_fields(data, {"graceful_restart": "notification"},
                                           rr_only=False, suffix="gr"), target=target))
    rows.append(WhatIf("gr-off", "graceful restart off",
                       "no speaker keeps a peer's routes when a session drops",
                       with_profile_fields(data, {"graceful_restart": "off"}, rr_only=False,
                                           suffix="nogr"), target=target))
    rows.append(WhatIf("update-groups-on", "update-groups on",
                       "every RR builds each UPDATE once per group of peers",
                       with_profile_fields(data, {"update_groups": True}, rr_only=True,
                                           suffix="ug"), target=target))
    rows.append(WhatIf("update-groups-off", "update-groups off",
                       "every RR builds each UPDATE once per peer",
                       with_profile_fields(data, {"update_groups": False}, rr_only=True,
                                           suffix="noug"), target=target))
    if compact:
        largest = max(data["shards"], key=lambda s: int(s["clients"]))["name"]
        old = {x["name"] for x in data["shards"]}
        for parts in (2, 3, 4):
            split = split_shard(data, largest, parts)
            new = [s for s in split["shards"] if s["name"] not in old]
            sizes = ", ".join(f"{s['clients']:,}" for s in new)
            rows.append(WhatIf(f"split-{parts}", f"shard {largest} split in {parts}",
                               f"shard {largest} as {parts} shards of the same shape "
                               f"({sizes} clients)", split, target=new[0]["name"],
                               origin=largest))
        if isinstance(data.get("spines"), dict):
            flat = copy.deepcopy(data)
            del flat["spines"]
            rows.append(WhatIf("spines-removed", "spine tier removed",
                               "no spines: every leaf RR in one full iBGP mesh", flat,
                               target=target))
        else:
            tiered = copy.deepcopy(data)
            tiered["spines"] = {"count": 2, "profile": "frr"}
            rows.append(WhatIf("spines-added", "spine tier added",
                               "two FRR spine RRs; every leaf RR their client", tiered,
                               target=target))
    else:
        why = ("explicit zones name every speaker and session: split or re-tier by "
               "editing the file (the compact form has shards and spines to change)")
        for wid, label in (("split-2", "largest shard split in 2"),
                           ("split-3", "largest shard split in 3"),
                           ("split-4", "largest shard split in 4"),
                           ("spines", "spine tier added or removed")):
            rows.append(WhatIf(wid, label, "not applicable", None, why, target))
    return rows


@dataclass
class WhatIfResult:
    """A what-if row's answer: the zone verdict over every representative flap (``runs``
    made; the first failing flap stops them) and the target shard's clients boundary."""

    row: WhatIf
    status: str  # HOLDS / VIOLATED / UNKNOWN / n/a
    worst: str | None
    verdict: str | None
    flaps: int
    runs: int
    boundary: Boundary | None = None
    zone_file: str | None = None
    reason: str = ""
    as_written: bool = False

    def as_json(self) -> dict[str, Any]:
        """JSON form (review.json's ``what_ifs`` entries)."""
        b = self.boundary
        return {"id": self.row.id, "label": self.row.label, "change": self.row.change,
                "status": self.status, "same_as_written": self.as_written,
                "failing_trigger": self.worst,
                "verdict": self.verdict, "flaps": self.flaps, "runs": self.runs,
                "target_shard": self.row.target,
                "headroom_percent": b.headroom_percent if b else None,
                "boundary": b.as_json() if b else None, "zone": self.zone_file,
                "reason": self.reason or self.row.why or None}


@dataclass
class ShardReview:
    """One shard of the zone as written: its figures, worst trigger and boundaries."""

    shard: str
    figures: dict[str, Any]
    worst: Run | None
    clients: Boundary | None = None
    capacity: Boundary | None = None
    critical: list[str] = field(default_factory=list)

    @property
    def headroom(self) -> float | None:
        """The tighter of the two headrooms (clients, capacity)."""
        hs = [b.headroom_percent for b in (self.clients, self.capacity)
              if b is not None and b.headroom_percent is not None]
        return min(hs) if hs else None


def zone_data(text: str, source: str) -> dict[str, Any]:
    """The zone file's YAML mapping (the zone already loaded, so this cannot fail)."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise InputError("not a mapping", source=source)
    return data


def order_like(triggers: Sequence[Trigger], ranked: Sequence[str]) -> list[Trigger]:
    """``triggers`` with those named in ``ranked`` first, in that order (the worst flaps
    of the zone as written are tried first on a changed zone), then the rest in their own
    order (the sort is stable)."""
    pos = {label: n for n, label in enumerate(ranked)}
    return sorted(triggers, key=lambda t: pos.get(t.label(), len(pos)))


def flaps_of(text: str, source: str, at: Fraction) -> list[Trigger]:
    """The representative single flaps of a zone file's text."""
    return representative_flaps(Space(text, source), at)


# -- the whole review ------------------------------------------------------------------------
@dataclass
class Review:
    """Everything the report shows, with the commands that reproduce each number."""

    zone: str
    source: str
    horizon: Fraction
    at: Fraction
    flaps: list[str]
    ranking: list[Run]
    shards: list[ShardReview]
    what_ifs: list[WhatIfResult]
    curve: list[tuple[int, Boundary]]  # (capacity, clients boundary) of the tightest shard
    curve_shard: str | None
    tightest: str | None
    zone_files: dict[str, str]  # file name under zones/ -> text
    commands: list[tuple[str, str]]  # (what it shows, command)
    runs: int
    unknown: list[str]
    quick: bool = False
    complete: bool = True  # every representative flap was run (else the budget ran out)

    @property
    def verdict(self) -> str:
        """VIOLATED when a representative flap violates the zone-wide properties; HOLDS
        when none does; UNKNOWN when the budget ended the runs before every flap."""
        if any(r.violated for r in self.ranking):
            return "VIOLATED"
        return "HOLDS" if self.complete else "UNKNOWN"


def _critical(runs: Sequence[Run], shard: str, own: Mapping[str, str | None],
              k: int = 3) -> list[str]:
    """The flaps a shard's boundary is searched against: its ``k`` worst, and the worst
    of its own sessions' flaps (``own``: trigger label -> the shard of its session)."""
    ranked = shard_rank(runs, shard)
    out = [r.trigger for r in ranked[:k]]
    mine = next((r.trigger for r in ranked if own.get(r.trigger) == shard), None)
    if mine is not None and mine not in out:
        out.insert(1, mine)  # second: a cap on the list keeps it
    return out


def trigger_shards(text: str, source: str, triggers: Sequence[Trigger]) -> dict[str, str | None]:
    """Per flap label, the shard of the flapped session (None: the spine tier)."""
    zone = load_zone(text, source=source)
    out: dict[str, str | None] = {}
    for t in triggers:
        ends = []
        for name in (t.a, t.b):
            found = zone.locate(name) if name is not None else None
            if found is not None:
                ends.append(zone.group(found[0]).shard)
        out[t.label()] = next((s for s in ends if s is not None), None)
    return out


def review(text: str, source: str, *, out_prefix: str, horizon: Fraction = Fraction(300),
           at: Fraction = Fraction(30), jobs: int = 1, budget: float = 1800.0,
           z3_budget: float = 5.0, progress: Callable[[str], None] = lambda _m: None,
           curve: bool = True, quick: bool = False) -> Review:
    """Review the zone file ``text`` (see the module doc). ``out_prefix``: the directory
    the report's commands name for the zone files they use (``<out>/zones``).

    ``quick`` (the demo's scope, stated in the report): boundaries for the shard the
    flaps hurt most only (its capacity boundary and the what-if headrooms searched
    against its critical flaps, without the final run of every flap at the boundary),
    no curve, no Z3."""
    if quick:
        curve, z3_budget = False, 0.0
    from bgpcascade.model.summary import zone_summary

    started = time.monotonic()
    deadline = started + budget
    zone = load_zone(text, source=source)
    data = zone_data(text, source)
    flaps = representative_flaps(Space(text, source, zone), at)
    own = trigger_shards(text, source, flaps)
    # Every command names the horizon, and the flap time when it is not check's default.
    h = _num(horizon) + ("" if at == 30 else f" --at {_num(at)}")
    commands: list[tuple[str, str]] = []
    files: dict[str, str] = {}
    unknown: list[str] = []
    commands.append(("zone figures and load at rest", f"bgpcascade show {source}"))
    with Runner(jobs, deadline) as runner:
        progress(f"review: {zone.name}: every single flap ({len(flaps)}) at the zone as "
                 "written")
        # The first ranking is held to the budget too, a batch of ``jobs`` runs at a time:
        # when it runs out, the review says what was run and answers nothing else (a
        # violating run already found still makes the verdict VIOLATED).
        base: list[Run] = []
        complete = True
        batch = max(1, jobs)
        try:
            for i in range(0, len(flaps), batch):
                base += runner.run(text, source, flaps[i:i + batch], horizon)
        except BudgetExceeded:
            complete = False
            unknown.append(f"every single flap ({len(base)} of {len(flaps)} run: review "
                           "budget spent)")
        ranking = rank(base)
        commands.append(("the ranking of every single flap (worst trigger, zone verdict)",
                         f"bgpcascade check {source} --engine sim --horizon {h}"))
        summary = zone_summary(zone)
        loads = {r["rr"]: r for r in summary["rr_load"]}
        shards: list[ShardReview] = []
        for sh in summary["shards"]:
            name = sh["shard"]
            rrs = [g for g in zone.groups if g.shard == name and g.is_rr]
            rr_loads = [loads[g.key] for g in rrs if g.key in loads]
            worst = shard_rank(base, name)[0] if base else None
            fig = dict(sh)
            fig["rest_utilisation_percent"] = max(
                (r["rest_utilisation_percent"] for r in rr_loads), default=0)
            fig["full_resync_s"] = max((r["full_resync_s"] for r in rr_loads), default=0)
            fig["capacity"] = max((r["capacity"] for r in rr_loads), default=0)
            sr = ShardReview(name, fig, worst, critical=_critical(base, name, own))
            shards.append(sr)
            if worst is not None:
                commands.append((f"shard {name}: what its worst flap does",
                                 f"bgpcascade simulate {source} --flap "
                                 f"{worst.trigger.split(' ', 1)[1]} --horizon {h}"))
        by_label = {t.label(): t for t in flaps}
        hurt = min(shards, key=lambda s: (-(s.worst.shard_cascade.get(s.shard, 0)
                                            if s.worst else 0),
                                          -(s.worst.shard_ratio.get(s.shard, 0.0)
                                            if s.worst else 0.0), s.shard), default=None)
        bounded = shards if not quick else [s for s in shards if s is hurt]
        if quick and hurt is not None:
            unknown.append(f"boundaries of shards other than {hurt.shard} (quick review)")
        if not complete:
            bounded = []
            unknown.append("boundaries, curve and what-ifs (review budget spent)")
        if "shards" in data:
            for sr in bounded:
                crit = [by_label[x] for x in sr.critical]
                ordered = order_like(flaps, [r.trigger for r in shard_rank(base, sr.shard)])
                for fld in ("clients", "rr_capacity"):
                    cur = shard_value(text, source, sr.shard, fld)
                    lo, hi, step = _range(fld, cur)
                    try:
                        b = find_boundary(runner, data, text, source, sr.shard, fld, lo, hi,
                                          step, crit, ordered, horizon, z3_budget, progress,
                                          verify=not (quick and fld == "rr_capacity"))
                    except BudgetExceeded:
                        b = Boundary(sr.shard, fld, cur, lo, hi, step, None, None, None,
                                     "UNKNOWN", "sim-bracket", reason="review budget spent")
                    if b.status != "HOLDS":
                        unknown.append(f"{sr.shard}.{fld} ({b.reason})")
                    setattr(sr, "clients" if fld == "clients" else "capacity", b)
                    _boundary_commands(b, data, source, out_prefix, h, files, commands,
                                       search_source=source, z3_budget=z3_budget)
        else:
            # An explicit zone: the capacity of each labelled shard's RRs (of all its RRs
            # when it has no labels), in percent of what the file gives them.
            edata = explicit_capacities(data, zone)
            if not shards:
                shards.append(ShardReview(ZONE, _zone_figures(zone, summary), shard_rank(
                    base, ZONE)[0] if base else None, critical=_critical(base, ZONE, own)))
            for sr in shards if complete else []:
                if not any(g.is_rr and (sr.shard == ZONE or g.shard == sr.shard)
                           for g in zone.groups):
                    continue
                crit = [by_label[x] for x in sr.critical]
                ordered = order_like(flaps, [r.trigger for r in shard_rank(base, sr.shard)])
                lo, hi, step = _range(CAPACITY_PERCENT, 100)
                try:
                    b = find_boundary(runner, edata, text, source, sr.shard, CAPACITY_PERCENT,
                                      lo, hi, step, crit, ordered, horizon, 0.0, progress)
                except BudgetExceeded:
                    b = Boundary(sr.shard, CAPACITY_PERCENT, 100, lo, hi, step, None, None,
                                 None, "UNKNOWN", "sim-bracket", reason="review budget spent")
                if b.status != "HOLDS":
                    unknown.append(f"{sr.shard}.{CAPACITY_PERCENT} ({b.reason})")
                sr.capacity = b
                _boundary_commands(b, edata, source, out_prefix, h, files, commands,
                                   search_source=None, z3_budget=0)
        tight = [s for s in shards if s.headroom is not None]
        tightest = min(tight, key=lambda s: (s.headroom, s.shard)).shard if tight else \
            (hurt.shard if hurt is not None and complete else None)
        # The boundary curve: the tightest shard's clients boundary at other capacities.
        curve_pts: list[tuple[int, Boundary]] = []
        if complete and curve and tightest is not None and "shards" in data:
            sr = next(s for s in shards if s.shard == tightest)
            cap = shard_value(text, source, tightest, "rr_capacity")
            for mult in (Fraction(1, 2), Fraction(1), Fraction(2), Fraction(4)):
                c = int(cap * mult)
                if mult == 1 and sr.clients is not None:
                    curve_pts.append((c, sr.clients))
                    continue
                d = set_field(data, tightest, "rr_capacity", c)
                t2 = dump(d, f"{zone.name} from {source} at {tightest}.rr_capacity={c}")
                fname = f"curve-{tightest}-rr_capacity-{c}.yaml"
                files[fname] = t2
                cur = shard_value(t2, source, tightest, "clients")
                lo, hi, step = _range("clients", cur)
                try:
                    b = find_boundary(runner, d, t2, f"{out_prefix}/zones/{fname}",
                                      tightest, "clients", lo, hi, step,
                                      [by_label[x] for x in sr.critical], order_like(
                                          flaps, sr.critical), horizon, 0.0, progress)
                except BudgetExceeded:
                    unknown.append(f"curve at capacity {c} (review budget spent)")
                    break
                if b.status != "HOLDS":
                    unknown.append(f"curve at capacity {c} ({b.reason})")
                curve_pts.append((c, b))
                _boundary_commands(b, d, f"{out_prefix}/zones/{fname}", out_prefix, h,
                                   files, commands, search_source=None, z3_budget=0,
                                   tag=f"curve-{c}")
        # What-ifs: one row per worker process (rows are independent), in row order.
        base_order = [r.trigger for r in ranking]
        ctx = _RowContext(zone.name, source, out_prefix, horizon, at, h, base_order,
                          shards, quick, deadline, fingerprint(text, source), ranking)
        rows = what_ifs(data, tightest) if complete else []
        progress(f"review: {len(rows)} what-ifs")
        if jobs > 1 and len(rows) > 1:
            import multiprocessing

            # The rows with the most flaps (the costliest) start first, so that no
            # process is left with a long row at the end; results go back in row order.
            cost = [len(flaps_of(dump(r.data, ""), r.id, at)) if r.data is not None else 0
                    for r in rows]
            order = sorted(range(len(rows)), key=lambda i: (-cost[i], i))
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                got = pool.map(_row_job, [(ctx, rows[i]) for i in order], chunksize=1)
            done = [res for _, res in sorted(zip(order, got, strict=True),
                                             key=lambda p: p[0])]
        else:
            done = [_row_job((ctx, row)) for row in rows]
        results: list[WhatIfResult] = []
        row_runs = 0
        for res, rfiles, rcommands, runknown, nruns in done:
            results.append(res)
            files.update(rfiles)
            commands.extend(rcommands)
            unknown.extend(runknown)
            row_runs += nruns
            progress(f"review: what-if {res.row.id}: {res.status}"
                     + (f", headroom {res.boundary.headroom_percent:+.1f}%"
                        if res.boundary and res.boundary.headroom_percent is not None
                        else ""))
        total_runs = runner.runs + row_runs
        unique: dict[str, str] = {}  # command -> what it shows (the first to name it)
        for what, cmd in commands:
            unique.setdefault(cmd, what)
        commands = [(what, cmd) for cmd, what in unique.items()]
    return Review(zone.name, source, horizon, at, [t.label() for t in flaps], ranking,
                  shards, results, curve_pts, tightest if curve_pts else None, tightest,
                  files, commands, total_runs, unknown, quick, complete)


@dataclass(frozen=True)
class _RowContext:
    """What a what-if row needs from the review (sent to a worker process)."""

    zone: str
    source: str
    out_prefix: str
    horizon: Fraction
    at: Fraction
    h: str
    base_order: list[str]
    shards: list[ShardReview]
    quick: bool
    deadline: float
    fingerprint: tuple[Any, ...]
    ranking: list[Run]


def fingerprint(text: str, source: str) -> tuple[Any, ...]:
    """What the model sees of a zone file: every group's size, role, shard, timers and
    effective profile (its fields, not its name), and the sessions. Two files with the same
    fingerprint simulate alike, so a what-if that changes nothing is not run again."""
    zone = load_zone(text, source=source)
    groups = []
    for g in zone.groups:
        prof = zone.profile_of(g)
        fields = tuple((k, getattr(prof, k)) for k in sorted(vars(prof))
                       if k not in ("name", "description", "sources"))
        groups.append((g.key, g.count, g.is_rr, g.shard, g.tier, g.routes, g.cluster_id,
                       repr(g.timers), fields))
    adjacency = tuple(sorted((k, tuple(v)) for k, v in zone.adjacency.items()))
    return tuple(sorted(groups, key=repr)), adjacency


def _row_job(job: tuple[_RowContext, WhatIf]) -> tuple[
        WhatIfResult, dict[str, str], list[tuple[str, str]], list[str], int]:
    """One what-if row: its verdict over the changed zone's flaps and the clients
    boundary of its shard; with the zone files and commands behind them."""
    ctx, row = job
    files: dict[str, str] = {}
    commands: list[tuple[str, str]] = []
    unknown: list[str] = []
    if row.data is None:
        return WhatIfResult(row, "n/a", None, None, 0, 0), files, commands, unknown, 0
    fname = f"what-if-{row.id}.yaml"
    wtext = dump(row.data, f"{ctx.zone} from {ctx.source}, what-if {row.id}: {row.change}")
    wsource = f"{ctx.out_prefix}/zones/{fname}"
    files[fname] = wtext
    try:
        load_zone(wtext, source=wsource)
    except InputError as exc:
        return (WhatIfResult(row, "n/a", None, None, 0, 0,
                             reason=f"the changed zone is invalid: {exc.problem}"),
                files, commands, unknown, 0)
    if fingerprint(wtext, wsource) == ctx.fingerprint:
        # The zone as written: its answers are the review's own, nothing is run again.
        bad = next((r for r in ctx.ranking if r.violated), None)
        res = WhatIfResult(row, "VIOLATED" if bad else "HOLDS",
                           bad.trigger if bad else None, bad.verdict if bad else
                           "contained", len(ctx.ranking), 0, zone_file=wsource,
                           as_written=True)
        res.boundary = next((s.clients or s.capacity for s in ctx.shards
                             if s.shard == row.target), None)
        return res, files, commands, unknown, 0
    wflaps = order_like(flaps_of(wtext, wsource, ctx.at), ctx.base_order)
    wl = {t.label(): t for t in wflaps}
    wown = trigger_shards(wtext, wsource, wflaps)
    judged = wflaps
    with Runner(1, ctx.deadline) as runner:
        try:
            runs = runner.run(wtext, wsource, judged, ctx.horizon,
                              stop=lambda r: bool(r.violated))
        except BudgetExceeded:
            unknown.append(f"what-if {row.id}")
            return (WhatIfResult(row, "UNKNOWN", None, None, len(judged), 0,
                                 zone_file=wsource, reason="review budget spent"),
                    files, commands, unknown, runner.runs)
        bad = next((r for r in runs if r.violated), None)
        res = WhatIfResult(row, "VIOLATED" if bad else "HOLDS",
                           bad.trigger if bad else None, bad.verdict if bad else
                           "contained", len(judged), len(runs), zone_file=wsource)
        if bad is not None:
            commands.append((f"what-if {row.id}: {bad.trigger} violates",
                             f"bgpcascade check {wsource} --engine sim --flap "
                             f"{bad.trigger.split(' ', 1)[1]} --horizon {ctx.h}"))
        else:
            commands.append((f"what-if {row.id}: every single flap holds",
                             f"bgpcascade check {wsource} --engine sim --horizon {ctx.h}"))
        if row.target is not None:
            # The row shard's boundary: clients in the compact form; in an explicit zone,
            # its RRs' capacity in percent.
            compact = "shards" in row.data
            fld = "clients" if compact else CAPACITY_PERCENT
            bdata = row.data if compact else explicit_capacities(
                row.data, load_zone(wtext, source=wsource))
            mine = sr_critical(ctx.shards, row.target)
            if row.origin is not None:  # a split: the origin's critical flaps, renamed
                mine = [rename_flap(x, row.origin, row.target)
                        for x in sr_critical(ctx.shards, row.origin)]
            wcrit = _critical(runs, row.target, wown) + [x for x in mine if x in wl]
            wcrit = list(dict.fromkeys(wcrit))[:4]
            cur = shard_value(wtext, wsource, row.target, fld)
            lo, hi, step = _range(fld, cur)
            if ctx.quick and compact:
                hi = max(2 * cur, 64)
            # A row that holds is safe at the current value against every flap: the
            # search starts there (known safe) and walks on.
            known = None if bad is not None else Probe(cur, True, max(
                (r.shard_ratio.get(row.target, 0.0) for r in runs), default=0.0), None)
            hint = None
            if known is None and compact:
                hint = _scaled(_hint(ctx.shards, row.origin or row.target), row.hint_scale)
            elif known is None:
                base_b = next((x.capacity for x in ctx.shards if x.shard == row.target), None)
                hint = base_b.value if base_b is not None else None
            try:
                res.boundary = find_boundary(
                    runner, bdata, wtext, wsource, row.target, fld, lo, hi, step,
                    [wl[x] for x in wcrit], order_like(wflaps, wcrit), ctx.horizon, 0.0,
                    lambda _m: None, verify=not ctx.quick, hint=hint, known=known)
                _boundary_commands(res.boundary, bdata, wsource, ctx.out_prefix, ctx.h,
                                   files, commands, search_source=None, z3_budget=0,
                                   tag=f"what-if-{row.id}")
                if res.boundary.status != "HOLDS":
                    unknown.append(f"what-if {row.id} headroom ({res.boundary.reason})")
            except BudgetExceeded:
                unknown.append(f"what-if {row.id} headroom (review budget spent)")
        return res, files, commands, unknown, runner.runs


def _zone_figures(zone: Zone, summary: dict[str, Any]) -> dict[str, Any]:
    """The shards table's figures for a zone judged as a whole."""
    rrs = [g for g in zone.groups if g.is_rr]
    clients = [g for g in zone.groups if not g.is_rr]
    loads = summary["rr_load"]
    return {"shard": ZONE, "rrs": sum(g.count for g in rrs),
            "rr_profile": ",".join(sorted({g.profile for g in rrs})),
            "clients": sum(g.count for g in clients),
            "routes_per_client": max((g.routes for g in clients), default=0),
            "hold": summary["timers"].get("hold"),
            "keepalive": summary["timers"].get("keepalive"),
            "rest_utilisation_percent": max((r["rest_utilisation_percent"] for r in loads),
                                            default=0),
            "full_resync_s": max((r["full_resync_s"] for r in loads), default=0),
            "capacity": max((r["capacity"] for r in loads), default=0)}


def _hint(shards: Sequence[ShardReview], shard: str) -> int | None:
    """The clients boundary of ``shard`` in the zone as written: where a what-if's
    boundary search starts (for a split, the boundary of the shard it splits)."""
    for s in shards:
        if s.shard == shard and s.clients is not None and s.clients.value is not None:
            return s.clients.value
    return None


def _scaled(hint: int | None, scale: float) -> int | None:
    return None if hint is None else max(1, round(hint * scale))


def rename_flap(label: str, old: str, new: str) -> str:
    """A flap of shard ``old``'s speakers as the same flap in shard ``new`` (generated
    names: ``<shard>-rr<N>``, ``<shard>-c<N>``): ``flap a-rr1~spine1@30`` ->
    ``flap a1-rr1~spine1@30``."""
    kind, rest = label.split(" ", 1)
    pair, at = rest.rsplit("@", 1)
    ends = [f"{new}-{n[len(old) + 1:]}" if n.startswith(f"{old}-") else n
            for n in pair.split("~")]
    return f"{kind} {'~'.join(sorted(ends))}@{at}"


def sr_critical(shards: Sequence[ShardReview], shard: str) -> list[str]:
    """The critical flaps of ``shard`` in the zone as written (empty when it is new)."""
    return next((s.critical for s in shards if s.shard == shard), [])


def _range(fld: str, current: int) -> tuple[int, int, int]:
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


def _num(x: Fraction) -> str:
    return str(int(x)) if x.denominator == 1 else repr(float(x))


def _boundary_commands(b: Boundary, data: dict[str, Any], source: str, out_prefix: str,
                       h: str, files: dict[str, str], commands: list[tuple[str, str]], *,
                       search_source: str | None, z3_budget: float, tag: str = "") -> None:
    """The zone files at the boundary and just past it, and the commands that show the
    boundary holds there (against every flap, or the flaps it was searched against) and
    fails just past it. ``tag`` names the zone the boundary belongs to (a what-if, a
    curve point): it prefixes the file names and the descriptions."""
    label = f"{b.shard}.{b.fld}"
    stem = f"{tag}-" if tag else ""
    what = f"{tag}: " if tag else ""
    prop = "--property no_cascade" if b.shard == ZONE else \
        f"--property no_cascade_in={b.shard}"
    safe = b.shard.strip("()")  # (zone) -> zone, in file names
    if b.method.startswith("z3") and search_source is not None:
        flaps = " ".join(f"--flap {t.split(' ', 1)[1]}" for t in b.triggers)
        rng = f"{b.lo}..{b.hi}" + (f"/{b.step}" if b.step > 1 else "")
        commands.append((f"{label}: the boundary by Z3",
                         f"bgpcascade search {search_source} --vary {label}={rng} {prop} "
                         f"{flaps} --horizon {h} --timeout {z3_budget:g}"))
    if b.value is not None:
        name = f"{stem}{safe}-{b.fld}-{b.value}.yaml"
        files[name] = dump(set_field(data, b.shard, b.fld, b.value),
                           f"{data['zone']} from {source} at {label}={b.value}")
        if b.checked_all:
            commands.append((f"{what}{label}={b.value} is safe against every single flap",
                             f"bgpcascade check {out_prefix}/zones/{name} --engine sim "
                             f"{prop} --horizon {h}"))
        else:
            flaps = " ".join(f"--flap {t.split(' ', 1)[1]}" for t in b.triggers)
            commands.append((f"{what}{label}={b.value} is safe against the flaps searched",
                             f"bgpcascade check {out_prefix}/zones/{name} --engine sim "
                             f"{prop} {flaps} --horizon {h}"))
    if b.past is not None and b.past_trigger is not None:
        name = f"{stem}{safe}-{b.fld}-{b.past}.yaml"
        files[name] = dump(set_field(data, b.shard, b.fld, b.past),
                           f"{data['zone']} from {source} at {label}={b.past}")
        commands.append((f"{what}{label}={b.past} fails", f"bgpcascade check {out_prefix}/zones/"
                         f"{name} --engine sim {prop} --flap "
                         f"{b.past_trigger.split(' ', 1)[1]} --horizon {h}"))
