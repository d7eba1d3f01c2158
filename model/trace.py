"""Traces: what a simulation did, as plain versioned JSON-serialisable data.

A trace embeds the zone file's text and the run's parameters, so it replays on its own
(``bgpcascade simulate --replay TRACE`` recomputes it and compares). Renderers read only
traces (docs/architecture.md: diagrams/ draws what a trace holds, never the engines).
Keys marked "contract" in docs/cli.md are relied on by scripts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, get_args

from .numbers import json_number
from .outcomes import BACKLOG_FRACTION, Outcome
from .sim import ZERO, Sim, Trigger, TriggerKind
from .timing import Timing
from .topology import Zone

TRACE_VERSION = 1


@dataclass
class Recorder:
    """Runs a :class:`Sim` to its horizon, sampling the per-speaker series every ``dt``."""

    sim: Sim
    horizon: Fraction
    dt: Fraction
    t: list[Fraction] = field(default_factory=list)
    delay: dict[str, list[float]] = field(default_factory=dict)
    work: dict[str, list[float]] = field(default_factory=dict)
    isolated: list[int] = field(default_factory=list)
    unreachable: list[float] = field(default_factory=list)
    up: dict[str, list[int]] = field(default_factory=dict)
    isolated_peak: int = 0
    #: (client pairs unreachable, client pairs) at every measurement: the outage check
    #: compares ``missing >= threshold * total`` (no division, so a symbolic run stays
    #: polynomial); the peak fraction is computed when asked for.
    reach: list[tuple[Fraction, Fraction]] = field(default_factory=list)

    @property
    def unreachable_peak(self) -> Fraction:
        """The largest fraction of client pairs unreachable at one time."""
        return max((m / t for m, t in self.reach if t), default=ZERO)

    def run(self, progress: Callable[[Fraction], None] | None = None) -> None:
        """Advance in steps of ``dt``, sampling the series; after every step that changes
        a session's state or what a speaker has learned, measure isolation and
        reachability, so their peaks are exact (they do not depend on ``dt``)."""
        sim = self.sim
        seen = sim.reach_version
        t = ZERO
        self._sample(t)
        while t < self.horizon:
            t = min(self.horizon, t + self.dt)
            while (due := sim.next_event_time()) is not None and due <= t:
                sim.step()
                if sim.reach_version != seen:
                    seen = sim.reach_version
                    self._peaks()
            sim.now = max(sim.now, t)
            self._sample(t)
            if progress is not None:
                progress(t)

    def _peaks(self) -> tuple[int, Fraction, Fraction]:
        iso = self.sim.clients_isolated()
        missing, total = self.sim.unreachable_pairs()
        self.isolated_peak = max(self.isolated_peak, iso)
        self.reach.append((missing, total))
        return iso, missing, total

    def _sample(self, t: Fraction) -> None:
        sim = self.sim
        self.t.append(t)
        for key, node in sim.nodes.items():
            d = sim.queue_delay(key)
            self.delay.setdefault(key, []).append(round(float(d), 6))
            self.work.setdefault(key, []).append(
                round(float(d * Fraction(str(node.profile.capacity))), 3))
        iso, missing, total = self._peaks()
        self.isolated.append(iso)
        self.unreachable.append(round(float(missing) / float(total), 6) if float(total)
                                else 0.0)
        for e in sim.edges:
            label = f"{e.a}~{e.b}" if e.a < e.b else f"{e.b}~{e.a}"
            count = sim.nodes[e.a].count * sim.nodes[e.b].count
            self.up.setdefault(label, []).append(count if e.established() else 0)


def summary(sim: Sim, rec: Recorder, *, outage_threshold: float = 0.5) -> dict[str, Any]:
    """The summary of a run (``simulate --json``; every key is a contract)."""
    zone = sim.zone
    out = Outcome.of(rec)
    cascade = out.cascade
    by_reason: dict[str, int] = {}
    for e in out.resets:
        by_reason[e.reason] = by_reason.get(e.reason, 0) + e.count
    settled = out.reconverged_at()
    reconverged = None if settled is None else json_number(settled)
    verdict = out.verdict(Fraction(str(outage_threshold)))
    return {
        "zone": zone.name,
        "horizon_s": json_number(rec.horizon),
        "triggers": [t.as_json() for t in sim.triggers],
        "sessions_total": zone.total_sessions,
        "sessions_reset": sum(e.count for e in cascade),
        "first_cascade_reset_s": json_number(cascade[0].t - out.first_trigger) if cascade
        else None,
        "resets_by_reason": dict(sorted(by_reason.items())),
        "clients_total": zone.client_count,
        "clients_isolated_peak": rec.isolated_peak,
        "unreachable_pairs_peak_fraction": round(float(rec.unreachable_peak), 6),
        "peak_queue_delay_s": {k: round(float(v), 6) for k, v in sim.peak_delay.items()},
        "reconverged_at_s": reconverged,
        "verdict": verdict,
        "outage_threshold": outage_threshold,
        "degraded_by": out.degraded_by(),
        "backlogged": out.backlogged(),
        "backlog_fraction": float(BACKLOG_FRACTION),
        "reconvergence_bound": out.bound.as_json(),
        "reconvergence_judged": out.reconvergence_judged(),
    }


def build_trace(zone_text: str, zone_source: str, sim: Sim, rec: Recorder, *,
                outage_threshold: float = 0.5) -> dict[str, Any]:
    """The whole trace as JSON-ready data (version :data:`TRACE_VERSION`); ``expand`` is
    read from ``sim``, so a replay runs the simulator the way the trace was made."""
    zone = sim.zone
    nodes = []
    for key, n in sim.nodes.items():
        vn = sim.view.nodes[key]
        g = zone.group(vn.group)
        nodes.append({"key": key, "group": vn.group, "count": n.count,
                      "role": g.role, "shard": g.shard, "tier": g.tier,
                      "profile": g.profile, "capacity": n.profile.capacity,
                      "hold_s": json_number(g.timers.hold),
                      "keepalive_s": json_number(g.timers.keepalive),
                      "keepalive_rx": n.profile.keepalive_rx,
                      "keepalive_tx": n.profile.keepalive_tx})
    sessions = [{"session": f"{e.a}~{e.b}" if e.a < e.b else f"{e.b}~{e.a}",
                 "a": e.a, "b": e.b, "kind": "rr-client" if e.rel_ab in ("client", "rr")
                 else "ibgp", "rr": e.a if e.rel_ab == "client" else
                 e.b if e.rel_ab == "rr" else None,
                 "count": sim.nodes[e.a].count * sim.nodes[e.b].count} for e in sim.edges]
    return {
        "version": TRACE_VERSION,
        "zone": zone.name,
        "zone_source": zone_source,
        "zone_text": zone_text,
        "params": {"horizon_s": json_number(rec.horizon), "dt_s": json_number(rec.dt),
                   "link_delay_s": json_number(sim.link_delay), "expand": sim.expand,
                   **sim.timing.to_json(),
                   "outage_threshold": outage_threshold,
                   "triggers": [t.as_json() for t in sim.triggers]},
        "nodes": nodes,
        "sessions": sessions,
        "events": [e.as_json() for e in sim.events],
        "series": {"t": [json_number(t) for t in rec.t], "queue_delay_s": rec.delay,
                   "queue_work": rec.work, "clients_isolated": rec.isolated,
                   "unreachable_pairs_fraction": rec.unreachable, "sessions_up": rec.up},
        "summary": summary(sim, rec, outage_threshold=outage_threshold),
    }


def trigger_from_json(d: dict[str, Any]) -> Trigger:
    """Inverse of :meth:`Trigger.as_json` (ValueError for an unknown kind)."""
    if d["kind"] not in get_args(TriggerKind):
        raise ValueError(f"trigger kind {d['kind']!r}")
    for key in ("t", "work", "down_for"):
        if Fraction(str(d.get(key, 0))) < 0:
            raise ValueError(f"trigger {key} {d[key]!r} < 0")
    return Trigger(kind=d["kind"], t=Fraction(str(d["t"])), a=d["a"], b=d.get("b"),
                   work=Fraction(str(d.get("work", 0))),
                   down_for=Fraction(str(d.get("down_for", 0))))


def simulate(zone: Zone, zone_text: str, zone_source: str, triggers: list[Trigger], *,
             horizon: Fraction, dt: Fraction, outage_threshold: float = 0.5,
             expand: bool = False,
             progress: Callable[[Fraction], None] | None = None,
             timing: Timing | None = None) -> dict[str, Any]:
    """Run one scenario and return its trace (``timing``: default lockstep)."""
    sim = Sim(zone, triggers, expand=expand, timing=timing)
    rec = Recorder(sim, horizon, dt)
    rec.run(progress)
    return build_trace(zone_text, zone_source, sim, rec, outage_threshold=outage_threshold)
