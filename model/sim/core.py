"""The zone simulator: one deterministic step function over the event queue.

:meth:`Sim.step` takes the next event and applies it; :meth:`Sim.run` repeats until the
horizon. Times are exact rationals (``fractions.Fraction``, or the symbolic numbers of
properties/engines/symbolic.py that shadow them); nothing reads a clock. The semantics,
with the exact equations, are in docs/model.md ("Dynamics").
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import assert_never

from ..timing import Timing
from ..topology import Zone
from .events import (
    Arrival,
    BatchDone,
    CaughtUp,
    Coalesced,
    Flush,
    Priority,
    SimEvent,
    StaleTimer,
    Syn,
    TcpSignal,
    TimerFired,
    Trigger,
    TriggerFired,
    Wake,
)
from .measurements import Measurements
from .sessions import Sessions
from .state import DEFAULT_LINK_DELAY, F, WorkItem

#: The messages a node's FSM reads (an UPDATE also changes its RIB).
_FSM_INPUT = ("open", "keepalive", "notification", "update")
#: The items that change a node's RIB when their batch completes.
_RIB_INPUT = ("update", "update-rib", "clear", "eor")


class Sim(Sessions, Measurements):
    """The zone simulator: state, and the one step function."""

    def __init__(self, zone: Zone, triggers: Iterable[Trigger] = (), *,
                 expand: bool = False, link_delay: F = DEFAULT_LINK_DELAY,
                 bind: Callable[[Sim], None] | None = None,
                 timing: Timing | None = None) -> None:
        """``timing``: phases, jitter and cohorts (:mod:`bgpcascade.model.timing`;
        default :meth:`Timing.lockstep`, every session in phase). ``bind``, when given,
        runs after the nodes, edges and triggers are built and before the zone settles at
        rest: the Z3 engine uses it to make parameters symbolic
        (properties/engines/linear.py)."""
        super().__init__(zone, triggers, expand=expand, link_delay=link_delay,
                         symbolic=bind is not None,
                         timing=Timing.lockstep() if timing is None else timing)
        if bind is not None:
            bind(self)
        self._sessions_at_rest()
        self._settle_ribs()
        for trig in self.triggers:
            self._push(self._exact(trig.t), Priority.INPUT, TriggerFired(trig))

    def step(self) -> bool:
        """Take the next event and apply it; False when there is none.

        The dispatch is one ``match`` on the event's class, the most frequent kinds first
        (timers, most of them void since restarted, then batches and arrivals).
        """
        if not self.heap:
            return False
        _key, t, prio, _seq, event = heapq.heappop(self.heap)
        self.now = t
        self.processed += 1
        if self._paused:
            actor = self._actor(event)
            if actor is not None and t < self.nodes[actor].paused_until:
                # A frozen process does nothing; the kernel keeps what arrives. It all
                # happens when the pause ends (:meth:`_wake`).
                self.nodes[actor].deferred.append((prio, event))
                return True
        match event:
            case TimerFired(edge, key, timer, deadline):
                self._on_timer(edge, key, timer, deadline)
            case BatchDone(key, epoch, items, work):
                self._on_complete(key, epoch, items, work)
            case Arrival(at, key):
                self._on_arrival(at, key)
            case Flush(key):
                self._on_flush(key)
            case TcpSignal(edge, key, fsm_event):
                self._on_tcp(edge, key, fsm_event)
            case Syn(edge, initiator):
                self._on_syn(edge, initiator)
            case Coalesced(key, edge, ups):
                self._on_coalesced(key, edge, ups)
            case StaleTimer(key, edge):
                self._on_stale_timer(key, edge)
            case Wake(key, until):
                self._on_wake(key, until)
            case TriggerFired(trigger):
                self._on_trigger(trigger)
            case CaughtUp(key):
                self._on_caught_up(key)
            case _:  # a new event kind must be dispatched here
                assert_never(event)
        return True

    def _actor(self, event: SimEvent) -> str | None:
        """The node whose process an event runs in (``None``: a trigger)."""
        match event:
            case BatchDone() | Flush() | StaleTimer() | Coalesced() | Arrival() \
                    | TimerFired() | TcpSignal():
                return event.key
            case Syn(edge, initiator):  # the acceptor's process takes the connection
                return self.edges[edge].other(initiator)
        return None

    def run(self, horizon: F | int) -> None:
        """Step until the next event is past ``horizon``."""
        horizon = F(horizon)
        while self.heap and self.heap[0][1] <= horizon:
            self.step()
        self.now = max(self.now, horizon)

    # -- what arrivals and completed batches do ----------------------------------------
    def _on_arrival(self, t: F, key: str) -> None:
        """What reached ``key`` at ``t`` is read: with an ``io-thread`` reader the session
        messages reach the FSM at once (an UPDATE's route work still queues); the rest
        joins the FIFO as one batch."""
        items = self._take_arrivals(t, key)
        if self._bp:
            items = self._gate(key, items)
        self._read(key, items)

    def _read(self, key: str, items: list[WorkItem]) -> None:
        """``key`` reads ``items`` off its sockets (:meth:`_on_arrival`)."""
        node = self.nodes[key]
        queued: list[WorkItem] = []
        for it in items:
            if it.edge >= 0 and node.profile.keepalive_rx == "io-thread" and \
                    it.kind in _FSM_INPUT:
                self._fsm_message(key, it)  # the reader thread: FSM at once
                if it.kind == "update":
                    queued.append(replace(it, kind="update-rib"))
                continue
            queued.append(it)
        if queued:
            self._enqueue(key, queued)

    def _on_complete(self, key: str, epoch: int, items: list[WorkItem], work: F) -> None:
        """A batch completes: its messages reach the FSM, its UPDATEs, clears and
        End-of-RIBs change the RIB (then ``key`` re-decides what changed), main-loop
        messages leave, and built UPDATEs are sent."""
        node = self.nodes[key]
        if epoch != node.epoch:
            return  # the process restarted: this work was lost
        node.work_served += work
        for it in items:
            if it.edge >= 0:
                node.pending_from[(it.edge, it.conn)] -= 1
        touched: set[str] = set()
        for it in items:
            kind = it.kind
            if kind in _FSM_INPUT:
                self._fsm_message(key, it)
            if kind in _RIB_INPUT:
                self._take_in(key, it, touched)
            elif kind == "send":
                self._transmit(key, it)
        if touched:
            self._reach_changed(key, touched)
            self._update_rib(key, sorted(touched, key=lambda c: self.nodes[c].order))
        for it in items:
            if it.kind == "tx-send":
                self._deliver_updates(key, it)
        if self._bp and node.epoch == epoch:
            read = self._processed(key, items)
            if read:
                self._read(key, read)
