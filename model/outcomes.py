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

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from .arith import fraction
from .rules import negotiated_hold
from .topology import session_name

if TYPE_CHECKING:
    from .sim import SessionEvent
    from .trace import Recorder

ZERO = Fraction(0)


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
                                  if sim.nodes[e.a].is_rr and sim.nodes[e.b].is_rr))

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

    def rr_session_cascaded(self) -> bool:
        """Did a session between two route reflectors reset that no trigger reset
        directly (the spines declaring a shard's RRs dead)?"""
        return any(e.session in self.rr_sessions for e in self.cascade)

    def cascade_size(self) -> int:
        """Sessions reset by the cascade (not by a trigger directly)."""
        return sum((e.count for e in self.cascade), 0)
