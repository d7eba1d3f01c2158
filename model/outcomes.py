"""What a run did, as the numbers properties are judged on (one definition for all engines).

:class:`Outcome` collects, from a finished :class:`~bgpcascade.model.trace.Recorder` run,
the session resets, the isolation and reachability peaks and the reconvergence time.
``simulate``'s verdict (:func:`bgpcascade.model.trace.summary`) and the named properties
of :mod:`bgpcascade.properties.library` both read it, so the simulator and the Z3 engine
judge a run by the same arithmetic. Every number is exact (``Fraction`` or ``int``); in
the Z3 engine the same code runs on symbolic numbers (properties/engines/symbolic.py), which is
why comparisons are written as plain operators and thresholds are exact rationals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .arith import fraction
from .load import cost
from .rules import negotiated_hold
from .topology import session_name

if TYPE_CHECKING:
    from .sim import SessionEvent, Sim, Trigger
    from .topology import Zone
    from .trace import Recorder

ZERO = Fraction(0)

#: ``simulate``'s verdicts, best first (:meth:`Outcome.verdict`).
VERDICTS = ("contained", "degraded", "cascade", "zone-outage")

#: The backlog margin ``simulate``'s verdict and the default ``backlog_margin`` property
#: judge by: no speaker's queue delay beyond this fraction of the smallest hold time of
#: its sessions (docs/model.md, "Degraded: backlog and reconvergence").
BACKLOG_FRACTION = Fraction(1, 2)


@dataclass(frozen=True)
class ReconvergenceBound:
    """How long a zone may take to reconverge after its triggers, from its timers and
    sizes (docs/model.md, "Degraded: backlog and reconvergence").

    ``trigger_s``: how long the triggers themselves keep something down (from the first
    trigger to the end of the last one: a flap's or a clear's ``down_for``, a pause's
    length). ``retry_s``: the longest a dropped session may wait before it is tried again
    by the zone's timers: the largest ConnectRetryTime of any session end (RFC 4271
    §8.2.2, Connect and Active states) plus the largest first IdleHoldTime of any profile
    (§8.1.1 DampPeerOscillations; the profile's ``idle_hold_initial``). ``hold_s``: the
    largest negotiated hold time (§4.2, §10: how long a dead peer may go unnoticed).
    ``transfer_s``: the time the slowest speaker a trigger touches needs, at its capacity,
    to take in the zone's whole table once and send it once (``(cost_rx_route +
    cost_tx_route + cost_tx_peer_route) x routes / capacity``): a trigger whose effects
    cost more than that moved more than its own session's tables.

    The numbers are those of the run (symbolic in the Z3 engine: the sum is a term over
    the varied parameters, so a region's verdict holds at every point of it).
    """

    trigger_s: Any
    retry_s: Any
    hold_s: Any
    transfer_s: Any

    @property
    def total(self) -> Any:
        """The bound, seconds after the first trigger."""
        return self.trigger_s + self.retry_s + self.hold_s + self.transfer_s

    def as_json(self) -> dict[str, float]:
        """JSON form (``simulate --json`` ``reconvergence_bound``), seconds."""
        return {"total_s": _round(self.total), "trigger_s": _round(self.trigger_s),
                "retry_s": _round(self.retry_s), "hold_s": _round(self.hold_s),
                "transfer_s": _round(self.transfer_s)}


def _round(x: Any) -> float:
    value = round(float(x), 3)
    return int(value) if value == int(value) else value


def _largest(values: Iterable[Any], zero: Any) -> Any:
    best = zero
    for v in values:
        if v > best:
            best = v
    return best


def _bound(triggers: Iterable[Trigger], retry: Iterable[Any], idle: Iterable[Any],
           holds: Iterable[Any], table_routes: Any, triggered: Iterable[tuple[Any, Any]],
           zero: Any) -> ReconvergenceBound:
    """:class:`ReconvergenceBound` from its parts (one rule for a run and for a zone);
    ``triggered``: (work per route, capacity) of each speaker a trigger touches."""
    trigs = list(triggers)
    first = min((t.t for t in trigs), default=zero)
    span = _largest((t.t + t.down_for - first for t in trigs), zero)
    transfer = _largest((per_route * table_routes / capacity
                         for per_route, capacity in triggered), zero)
    return ReconvergenceBound(span, _largest(retry, zero) + _largest(idle, zero),
                              _largest(holds, zero), transfer)


def _per_route(profile: Any) -> Fraction:
    return cost(profile, "cost_rx_route") + cost(profile, "cost_tx_route") + \
        cost(profile, "cost_tx_peer_route")


def run_bound(sim: Sim, hold_of: dict[str, Any]) -> ReconvergenceBound:
    """The reconvergence bound of the run ``sim`` (its nodes' numbers, symbolic or not).

    What a Z3 run may make symbolic (model/params.py: counts, routes, capacities, hold
    times, a spike's work) enters through the run's own nodes, sessions and triggers;
    ConnectRetryTime, IdleHoldTime and the per-route costs are never varied. The largest
    of several terms is picked by comparisons, which a symbolic run records in its path
    condition like every other decision."""
    zero = sim._zero
    triggered = {sim.view.node_of(n) for t in sim.triggers for n in (t.a, t.b)
                 if n is not None}
    table = sum((n.count * n.routes for n in sim.nodes.values()), zero)
    return _bound(
        sim.triggers, (e.cfg[end].connect_retry_time for e in sim.edges for end in (e.a, e.b)),
        (Fraction(str(n.profile.idle_hold_initial)) for n in sim.nodes.values()),
        hold_of.values(), table,
        ((_per_route(sim.nodes[k].profile), sim.nodes[k].capacity) for k in sorted(triggered)),
        zero)


def zone_bound(zone: Zone, triggers: Iterable[Trigger]) -> ReconvergenceBound:
    """The same bound from the zone file's numbers (what ``check`` sizes its horizon by)."""
    trigs = list(triggers)
    groups = {g.key: g for g in zone.groups}
    holds = [negotiated_hold(groups[a].timers.hold, groups[b].timers.hold)
             for a, nbrs in zone.adjacency.items() for b, _ in nbrs]
    triggered: list[tuple[Fraction, Fraction]] = []
    for t in trigs:
        for name in (t.a, t.b):
            where = None if name is None else zone.locate(name)
            if where is not None:
                profile = zone.profile_of(groups[where[0]])
                triggered.append((_per_route(profile), cost(profile, "capacity")))
    return _bound(trigs, (g.timers.connect_retry for g in zone.groups),
                  (Fraction(str(zone.profile_of(g).idle_hold_initial)) for g in zone.groups),
                  holds, Fraction(zone.total_routes), triggered, ZERO)


@dataclass(frozen=True)
class Outcome:
    """The measurable result of one run up to its horizon.

    ``resets``: session groups that went down, in order. ``cascade``: those not caused
    directly by a trigger (hold or send-hold expiry, NOTIFICATIONs, failures that follow).
    ``clients``: speakers that are not RRs, except those a trigger restarted (their own
    outage is the trigger's direct effect). ``isolated_peak``: the most of them without
    any Established session to an RR at once. ``reach``: (pairs unreachable, pairs) of
    (origin, receiver) client pairs at every measurement. ``settled``: the last
    session change or backlogged batch. ``converged``: at the horizon every session is
    Established and every client pair reachable. ``peak_delay``: per node, the longest
    wait of any work in its queue. ``hold_of``: per node, the smallest hold time its
    sessions negotiate (RFC 4271 §4.2: the smaller of the two ends'; 0 = no hold timer,
    left out). ``shard_of``: per session group, the shards it belongs to: those of its
    ends (a leaf RR's session to a spine is its shard's; a session between two shards'
    RRs, in a flat zone, is both's), none for the spine tier. ``rr_sessions``: the
    session groups whose two ends are both route reflectors (spine~spine, spine~leaf RR,
    the RRs of one shard to each other, and in a flat zone RR~RR between shards).
    """

    resets: tuple[SessionEvent, ...]
    first_trigger: Fraction
    horizon: Fraction
    clients: int
    isolated_peak: int
    reach: tuple[tuple[Fraction, Fraction], ...]
    settled: Fraction
    converged: bool
    peak_delay: dict[str, Fraction]
    hold_of: dict[str, Fraction]
    shard_of: dict[str, tuple[str, ...]]
    rr_sessions: frozenset[str] = frozenset()
    bound: ReconvergenceBound = ReconvergenceBound(ZERO, ZERO, ZERO, ZERO)
    loaded: frozenset[str] = frozenset()

    @classmethod
    def of(cls, rec: Recorder) -> Outcome:
        """The outcome of the run ``rec`` drove (call after :meth:`Recorder.run`)."""
        sim = rec.sim
        clients = sum((n.count for k, n in sim.nodes.items()
                       if not n.is_rr and k not in sim.restarted), 0)
        missing, _ = sim.unreachable_pairs()
        converged = all(e.established() for e in sim.edges) and not missing
        hold_of: dict[str, Fraction] = {}
        for e in sim.edges:
            hold = negotiated_hold(e.cfg[e.a].hold_time, e.cfg[e.b].hold_time)
            if not hold > 0:
                continue
            for end in (e.a, e.b):
                if end not in hold_of or hold < hold_of[end]:
                    hold_of[end] = hold
        shard_of: dict[str, tuple[str, ...]] = {}
        for e in sim.edges:
            shards = {sim.zone.group(sim.view.nodes[k].group).shard for k in (e.a, e.b)}
            shard_of[session_name(e.a, e.b)] = tuple(sorted(s for s in shards if s))
        return cls(
            resets=tuple(e for e in sim.events if e.kind == "down"),
            first_trigger=sim.triggers[0].t if sim.triggers else ZERO,
            horizon=rec.horizon, clients=clients, isolated_peak=rec.isolated_peak,
            reach=tuple(rec.reach),
            settled=fraction(max(sim.last_change, sim.last_backlog)), converged=converged,
            peak_delay={k: fraction(v) for k, v in sim.peak_delay.items()},
            hold_of=hold_of, shard_of=shard_of,
            rr_sessions=frozenset(session_name(e.a, e.b) for e in sim.edges
                                  if sim.nodes[e.a].is_rr and sim.nodes[e.b].is_rr),
            bound=run_bound(sim, hold_of),
            loaded=frozenset(sim.view.node_of(t.a) for t in sim.triggers
                             if t.kind in ("spike", "pause", "restart")))

    @property
    def cascade(self) -> tuple[SessionEvent, ...]:
        """Resets a trigger did not cause directly (the snowball)."""
        return tuple(e for e in self.resets if not e.direct)

    def cascaded(self) -> bool:
        """Did any session reset that no trigger reset directly?"""
        return bool(self.cascade)

    def outage(self, threshold: Fraction) -> bool:
        """Zone-wide outage: at least ``threshold`` of the clients isolated at once, or at
        least ``threshold`` of the client pairs unreachable at once."""
        if self.clients > 0 and self.isolated_peak >= threshold * self.clients:
            return True
        return any(missing >= threshold * total for missing, total in self.reach if total)

    @property
    def unreachable_peak(self) -> Fraction:
        """The largest fraction of client pairs unreachable at one time."""
        return max((m / t for m, t in self.reach if t), default=ZERO)

    def reconverged_at(self) -> Fraction | None:
        """When the zone settled (absolute time), or None if not converged by the horizon."""
        if self.converged and self.settled <= self.horizon:
            return self.settled
        return None

    def reconverged_within(self, limit: Fraction) -> bool:
        """Settled, converged, within ``limit`` seconds of the first trigger."""
        at = self.reconverged_at()
        return at is not None and at - self.first_trigger <= limit

    def reconverged_in_time(self) -> bool:
        """Settled and converged within the zone's reconvergence bound
        (:class:`ReconvergenceBound`) of the first trigger, inside the horizon."""
        return self.reconverged_within(self.bound.total)

    def reconvergence_judged(self) -> bool:
        """Does the run reach the end of the reconvergence bound (so that a zone still
        converging at the horizon is known to be late, not just cut short)?"""
        return bool(self.first_trigger + self.bound.total <= self.horizon)

    def backlogged(self, fraction: Fraction = BACKLOG_FRACTION) -> list[str]:
        """Nodes whose longest queue delay went beyond ``fraction`` of the smallest hold
        time of their sessions (none with hold 0), in the zone's order. A speaker a spike
        loads, a pause freezes or a restart empties is left out: its own backlog is what
        the trigger does (what it causes elsewhere still counts)."""
        return [node for node, hold in self.hold_of.items()
                if node not in self.loaded and self.peak_delay.get(node, ZERO) > fraction * hold]

    def degraded_by(self) -> list[str]:
        """Why the run is ``degraded`` (docs/model.md): ``backlog`` (a queue delay beyond
        :data:`BACKLOG_FRACTION` of a hold time) and ``reconvergence`` (not reconverged
        within the bound, when the horizon reaches it); empty when neither."""
        why = []
        if self.backlogged():
            why.append("backlog")
        if self.reconvergence_judged() and not self.reconverged_in_time():
            why.append("reconvergence")
        return why

    def verdict(self, outage_threshold: Fraction) -> str:
        """``simulate``'s verdict, worst first: ``zone-outage`` (:meth:`outage`),
        ``cascade`` (a reset no trigger caused directly), ``degraded`` (nothing beyond the
        trigger reset, but :meth:`degraded_by` names a backlog or a late reconvergence),
        ``contained``."""
        if self.outage(outage_threshold):
            return "zone-outage"
        if self.cascaded():
            return "cascade"
        return "degraded" if self.degraded_by() else "contained"

    def rr_session_cascaded(self) -> bool:
        """Did a session between two route reflectors reset that no trigger reset
        directly (the spines declaring a shard's RRs dead)?"""
        return any(e.session in self.rr_sessions for e in self.cascade)

    def cascade_size(self) -> int:
        """Sessions reset by the cascade (not by a trigger directly)."""
        return sum((e.count for e in self.cascade), 0)
