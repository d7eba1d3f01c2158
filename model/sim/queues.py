"""Work queues: one FIFO per node, served at its profile's capacity, fed in batches.

Everything that reaches a node at the same instant forms one batch of ``w`` units, which
completes at ``done = max(t, busy_until) + w / C`` (docs/model.md, "Queues"); the batch's
effects happen then (:class:`~.events.BatchDone`). What a node produces at one instant
(UPDATEs to build, messages its main loop must produce) is flushed into its FIFO as one
batch too (:class:`~.events.Flush`), so a lockstep group and its members do the same work.
"""

from __future__ import annotations

from collections import defaultdict

from ..load import cost, tx_work
from .events import Arrival, BatchDone, Flush, Priority
from .state import BACKLOG_S, Change, F, SimState, WorkItem


class Queues(SimState):
    """Arrivals, batches and their completion times, and the cost of work."""

    def _arrive(self, t: F, key: str, item: WorkItem) -> None:
        """``item`` reaches ``key`` at ``t``, with whatever else arrives at that instant."""
        slots = self.arrivals[key]
        for at, items in slots:
            if at == t:
                items.append(item)
                return
        slots.append((t, [item]))
        self._push(t, Priority.INPUT, Arrival(t, key))

    def _take_arrivals(self, t: F, key: str) -> list[WorkItem]:
        """The items that reached ``key`` at ``t`` (an :class:`~.events.Arrival`)."""
        slots = self.arrivals[key]
        i = next(i for i, (at, _) in enumerate(slots) if at == t)
        return slots.pop(i)[1]

    def _work(self, key: str, it: WorkItem) -> F:
        """The work units of one item at ``key`` (docs/model.md, "Queues")."""
        if it.work is not None:
            return it.work
        node = self.nodes[key]
        name = "cost_rx_route" if it.kind in ("update", "update-rib", "clear") else "cost_msg"
        unit = node.costs.get(name)
        if unit is None:
            unit = node.costs[name] = self._exact(cost(node.profile, name))
        if name == "cost_rx_route":
            return unit * it.routes
        return unit * max(1, it.routes)

    def _enqueue(self, key: str, items: list[WorkItem], work: F | None = None) -> F:
        """Append one batch to ``key``'s FIFO; return its completion time.

        ``done = max(now, busy_until) + work / capacity`` (docs/model.md, "Queues").
        ``work`` defaults to the sum of the items' costs.
        """
        node = self.nodes[key]
        if work is None:
            work = sum((self._work(key, it) for it in items), self._zero)
        start = max(self.now, node.busy_until)
        if self._paused and node.paused_until > start:
            start = node.paused_until  # work queued during a pause waits for its end
        done = start + work / node.capacity
        node.busy_until = done
        node.work_arrived += work
        if done - self.now >= BACKLOG_S:
            self.last_backlog = max(self.last_backlog, done)
        for it in items:
            if it.edge >= 0:
                node.pending_from[(it.edge, it.conn)] += 1
        self.peak_delay[key] = max(self.peak_delay[key], done - self.now)
        self._push(done, Priority.BATCH, BatchDone(key, node.epoch, items, work))
        return done

    def _local(self, key: str, item: WorkItem) -> None:
        """Local work (a main-loop message) joins this instant's local batch."""
        self.nodes[key].local_items.append(item)
        self._schedule_flush(key)

    def _schedule_flush(self, key: str) -> None:
        """Make sure ``key``'s output of this instant is flushed (one Flush per instant)."""
        pending = self._flushes[key]
        if not any(t == self.now for t in pending):
            pending.append(self.now)
            self._push(self.now, Priority.FLUSH, Flush(key))

    def _on_flush(self, key: str) -> None:
        """Everything a node produced at this instant becomes ONE batch in its FIFO (so a
        group and its members, built one session at a time, do the same work)."""
        pending = self._flushes[key]
        pending[:] = [t for t in pending if t != self.now]
        node = self.nodes[key]
        items, changes, eor = node.local_items, node.local_changes, node.local_eor
        node.local_items, node.local_changes, node.local_eor = [], [], []
        work = sum((self._work(key, it) for it in items), self._zero)
        if changes or eor:
            work += self._tx_cost(key, changes)
            edges = sorted({i for i, _, _, _ in changes} | set(eor))
            items.append(WorkItem(kind="tx-send", sender=key, changes=tuple(changes),
                                  eor=tuple(eor),
                                  edge_conns=tuple((i, self.edges[i].conn) for i in edges)))
        if not items:
            return
        self._enqueue(key, items, work)

    def _tx_cost(self, key: str, changes: list[Change]) -> F:
        """Work to build and send ``changes`` (docs/model.md, "Queues").

        Per route class and update-group (the receivers' relation to the sender): with
        update-groups the UPDATE is built once (``cost_tx_route`` x the most routes any
        receiver gets) and copied per peer (``cost_tx_peer_route`` x routes, summed over
        receiving speakers); without, ``cost_tx_route`` per route per receiving speaker.
        """
        node = self.nodes[key]
        groups: dict[tuple[str, str], list[tuple[F, int]]] = defaultdict(list)
        for i, c, _, routes in changes:
            e = self.edges[i]
            other = self.nodes[e.other(key)]
            # From one member of the sender: routes were counted over the sender's members,
            # so the division is exact (and stays polynomial in a symbolic run).
            per_peer = (self._zero + routes) / max(1, node.count)
            groups[(c, e.relation(key))].append((per_peer, other.count))
        return sum((tx_work(node.profile, peers) for peers in groups.values()), F(0))
