"""The review's runs: one trigger on one zone, summarised per shard, and the rankings.

Every number of the review comes from runs of the one model (model/dynamics.py), never
from a formula standing in for it. A run is one representative single flap
(:func:`~bgpcascade.properties.engines.cascade_z3.representative_flaps`, one per session
group) simulated in the plain simulator up to the horizon, reduced to a
:class:`~bgpcascade.review.data.FlapRun`: sessions reset by the cascade per shard, the
highest queue delay over negotiated hold time per shard (RFC 4271 §4.2, §6.5), and the
zone-wide properties it violates. Also here: the rankings of runs (zone-wide and per
shard), the flaps a shard's boundary is searched against, and the shards table's figures.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.params import Space
from bgpcascade.model.timing import Timing
from bgpcascade.model.topology import Zone
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.engines.cascade_z3 import BudgetExceeded, representative_flaps
from bgpcascade.properties.executor import Executor, LocalExecutor
from bgpcascade.properties.library import DEFAULT_PROPERTIES, Selected, parse_property
from bgpcascade.properties.runner import run as run_scenario
from bgpcascade.review.data import SPINES, ZONE, FlapRun, ShardReview


def _zone_props() -> list[Selected]:
    return [parse_property(p) for p in DEFAULT_PROPERTIES]


def run_one(zone_text: str, source: str, trigger: Trigger, horizon: Fraction,
            timing: Timing | None = None) -> FlapRun:
    """Simulate ``trigger`` on the zone ``zone_text`` up to ``horizon`` (the plain
    simulator, exact; :func:`bgpcascade.properties.runner.run`, judged by ``check``'s
    default properties, with ``timing``: default lockstep) and summarise it per shard."""
    zone = load_zone(zone_text, source=source)
    done = run_scenario(zone, [trigger], horizon, props=_zone_props(), timing=timing)
    sim, o = done.sim, done.outcome
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
    return FlapRun(trigger.label(), o.cascade_size(), o.isolated_peak, o.clients,
                   o.outage(Fraction(1, 2)), tuple(done.violated),
                   dict(sorted(shard_cascade.items())),
                   {k: round(v, 4) for k, v in sorted(shard_ratio.items())},
                   dict(sorted(reasons.items())), tuple(o.degraded_by()))


def _job(args: tuple[str, str, Trigger, Fraction, Timing | None]) -> FlapRun:
    return run_one(*args)


class Runner:
    """Runs triggers on zones through an executor of ``jobs`` processes
    (:class:`~bgpcascade.properties.executor.LocalExecutor`, :attr:`executor`, which the
    review's what-if rows share), held to a deadline, and counts the runs. ``timing``:
    the seed, phases and cohorts of every run (default lockstep)."""

    def __init__(self, jobs: int, deadline: float | None = None,
                 timing: Timing | None = None) -> None:
        self.jobs = jobs
        self.timing = timing
        self.runs = 0
        self.deadline = deadline
        self.executor: Executor = LocalExecutor(max(1, jobs))

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes."""
        self.executor.close()

    def check(self) -> None:
        """BudgetExceeded when the deadline has passed."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise BudgetExceeded

    def run(self, zone_text: str, source: str, triggers: Sequence[Trigger],
            horizon: Fraction, *, stop: Callable[[FlapRun], bool] | None = None) -> list[FlapRun]:
        """Each trigger on the zone, in order. With ``stop``, runs go in batches of
        ``jobs`` and end after the first batch in which ``stop`` is true of a run (the
        result is then a prefix of the triggers, the same whatever ``jobs``: everything
        up to and including the first run that stops it). The deadline is checked before
        each batch (BudgetExceeded)."""
        out: list[FlapRun] = []
        batch = max(1, self.jobs) if stop is not None else len(triggers)
        for i in range(0, len(triggers), batch):
            self.check()
            got = self.executor.map(_job, [(zone_text, source, t, horizon, self.timing)
                                           for t in triggers[i:i + batch]])
            for r in got:
                out.append(r)
                self.runs += 1  # runs past a stop are not counted: the same whatever jobs
                if stop is not None and stop(r):
                    return out
        return out


def rank(runs: Sequence[FlapRun]) -> list[FlapRun]:
    """Worst first: most sessions reset by the cascade, then most clients isolated, then
    the trigger order (as ``check --engine sim`` ranks them)."""
    order = {id(r): n for n, r in enumerate(runs)}
    return sorted(runs, key=lambda r: (-r.cascade, -r.isolated_peak, order[id(r)]))


def shard_rank(runs: Sequence[FlapRun], shard: str) -> list[FlapRun]:
    """Worst first for one shard: most of its sessions reset by the cascade, then its
    highest queue delay / hold ratio, then the trigger order."""
    order = {id(r): n for n, r in enumerate(runs)}
    return sorted(runs, key=lambda r: (-r.shard_cascade.get(shard, 0),
                                       -r.shard_ratio.get(shard, 0.0), order[id(r)]))


def critical_flaps(runs: Sequence[FlapRun], shard: str, own: Mapping[str, str | None],
                   k: int = 3) -> list[str]:
    """The flaps a shard's boundary is searched against: its ``k`` worst, and the worst
    of its own sessions' flaps (``own``: trigger label -> the shard of its session)."""
    ranked = shard_rank(runs, shard)
    out = [r.trigger for r in ranked[:k]]
    mine = next((r.trigger for r in ranked if own.get(r.trigger) == shard), None)
    if mine is not None and mine not in out:
        out.insert(1, mine)  # second: a cap on the list keeps it
    return out


def flaps_of(text: str, source: str, at: Fraction) -> list[Trigger]:
    """The representative single flaps of a zone file's text."""
    return representative_flaps(Space(text, source), at)


def order_like(triggers: Sequence[Trigger], ranked: Sequence[str]) -> list[Trigger]:
    """``triggers`` with those named in ``ranked`` first, in that order (the worst flaps
    of the zone as written are tried first on a changed zone), then the rest in their own
    order (the sort is stable)."""
    pos = {label: n for n, label in enumerate(ranked)}
    return sorted(triggers, key=lambda t: pos.get(t.label(), len(pos)))


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


def shard_reviews(zone: Zone, summary: Mapping[str, Any], base: Sequence[FlapRun],
                  own: Mapping[str, str | None]) -> list[ShardReview]:
    """One row per shard of the zone as written: its ``show`` figures (``summary``, the
    load at rest the worst of its RRs'), its worst single flap among ``base`` and its
    critical flaps."""
    loads = {r["rr"]: r for r in summary["rr_load"]}
    shards: list[ShardReview] = []
    for sh in summary["shards"]:
        name = sh["shard"]
        rrs = [g for g in zone.groups if g.shard == name and g.is_rr]
        rr_loads = [loads[g.key] for g in rrs if g.key in loads]
        fig = dict(sh)
        fig["rest_utilisation_percent"] = max(
            (r["rest_utilisation_percent"] for r in rr_loads), default=0)
        fig["full_resync_s"] = max((r["full_resync_s"] for r in rr_loads), default=0)
        fig["capacity"] = max((r["capacity"] for r in rr_loads), default=0)
        worst = shard_rank(base, name)[0] if base else None
        shards.append(ShardReview(name, fig, worst, critical=critical_flaps(base, name, own)))
    return shards


def zone_review(zone: Zone, summary: Mapping[str, Any], base: Sequence[FlapRun],
                own: Mapping[str, str | None]) -> ShardReview:
    """The shards table's one row for a zone judged as a whole (:data:`ZONE`)."""
    rrs = [g for g in zone.groups if g.is_rr]
    clients = [g for g in zone.groups if not g.is_rr]
    loads = summary["rr_load"]
    fig = {"shard": ZONE, "rrs": sum(g.count for g in rrs),
           "rr_profile": ",".join(sorted({g.profile for g in rrs})),
           "clients": sum(g.count for g in clients),
           "routes_per_client": max((g.routes for g in clients), default=0),
           "hold": summary["timers"].get("hold"),
           "keepalive": summary["timers"].get("keepalive"),
           "rest_utilisation_percent": max((r["rest_utilisation_percent"] for r in loads),
                                           default=0),
           "full_resync_s": max((r["full_resync_s"] for r in loads), default=0),
           "capacity": max((r["capacity"] for r in loads), default=0)}
    return ShardReview(ZONE, fig, shard_rank(base, ZONE)[0] if base else None,
                       critical=critical_flaps(base, ZONE, own))
