"""What a run measures at any instant: queue delay, isolated clients, unreachable pairs.

Speakers a ``restart`` trigger restarted are left out of isolation and reachability (a
rebooting hypervisor is not an outage of the zone; docs/model.md, "Dynamics").

A plain run keeps both counts up to date from what changed since they were last asked for
(a session up or down, the classes a speaker learned anew: ``SimState._stale``), so a
measurement after every step costs what that step changed, not the size of the zone. The
whole computation (:meth:`Measurements.clients_isolated_full`,
:meth:`Measurements.unreachable_pairs_full`) is the reference: it answers a symbolic run
(whose counts are terms) and whenever a step did not say what it changed (a restart, a
pause), and tests/test_measurements.py checks the two against each other.
"""

from __future__ import annotations

from .ribs import Ribs
from .state import ZERO, F


class Measurements(Ribs):
    """Read-only views of the state, for the recorder and the outcome."""

    #: Per receiver (a speaker that is not an RR, not restarted): per class, the client
    #: pairs it lacks (0 when it has the route); None before the first measurement.
    _lack: dict[str, dict[str, int]] | None = None
    _missing = 0
    _pairs = 0
    _isolated_of: dict[str, int]
    _origins: list[str]
    _isolated = 0
    _measured = 0  # reach_version at the last measurement
    _restarted_n = 0

    def queue_delay(self, key: str) -> F:
        """Seconds a new arrival at ``key`` would wait now."""
        return max(F(0), self.nodes[key].busy_until - self.now)

    def clients_isolated(self) -> int:
        """Non-RR speakers with no Established session to any RR."""
        if not self._float_keys:
            return self.clients_isolated_full()
        self._refresh()
        return self._isolated

    def unreachable_pairs(self) -> tuple[F, F]:
        """(client pairs without a route, client pairs in all): receiver lacks the origin's
        routes (only origins with routes, receivers that are not RRs)."""
        if not self._float_keys:
            return self.unreachable_pairs_full()
        self._refresh()
        return ZERO + self._missing, ZERO + self._pairs

    # -- the reference computation -------------------------------------------------------
    def _isolated_node(self, key: str) -> bool:
        """``key`` (not an RR) has sessions to RRs and none of them is Established."""
        rr_edges = [i for i in self.edges_of[key]
                    if self.nodes[self.edges[i].other(key)].is_rr]
        return bool(rr_edges) and not any(self.edges[i].up for i in rr_edges)

    def clients_isolated_full(self) -> int:
        """:meth:`clients_isolated`, worked out from the whole state."""
        out = 0
        for key, n in self.nodes.items():
            if n.is_rr or key in self.restarted:
                continue
            if self._isolated_node(key):
                out += n.count
        return out

    def unreachable_pairs_full(self) -> tuple[F, F]:
        """:meth:`unreachable_pairs`, worked out from the whole state."""
        missing = total = ZERO
        receivers = [k for k, n in self.nodes.items()
                     if not n.is_rr and k not in self.restarted]
        for c in self.classes:
            o = self.nodes[c]
            if o.is_rr or c in self.restarted:
                continue
            for r in receivers:
                n = self.nodes[r]
                pairs = o.count * (n.count - 1) if r == c else o.count * n.count
                total += pairs
                has = any(self.edges[i].established() and self._valid(r, p)
                          for i, p in n.adj_in[c].items())
                if r == c and o.count == 1:
                    continue
                if not has:
                    missing += pairs
        return missing, total

    # -- kept up to date (plain runs) ----------------------------------------------------
    def _lacks(self, r: str, c: str) -> int:
        """Client pairs (origin ``c``, receiver ``r``) without a route (0: it has one)."""
        o, n = self.nodes[c], self.nodes[r]
        if r == c and o.count == 1:
            return 0
        edges = self.edges
        for i, p in n.adj_in[c].items():
            if edges[i].up and self._valid(r, p):
                return 0
        return o.count * (n.count - 1) if r == c else o.count * n.count

    def _refresh(self) -> None:
        """Bring the counts up to date: from scratch the first time, after a change that
        did not say what it changed, or once the restarted speakers changed; else only
        the receivers and classes marked stale since."""
        stale, self._stale = self._stale, {}
        unexplained = self.reach_version - self._measured != self._explained
        self._measured, self._explained = self.reach_version, 0
        lack = self._lack
        if lack is None or unexplained or len(self.restarted) != self._restarted_n:
            self._rebuild()
            return
        origins = self._origins
        missing = self._missing
        for r, classes in stale.items():
            per = lack.get(r)
            if per is None:  # an RR or a restarted speaker: not a receiver
                continue
            for c in (origins if classes is None else classes):
                if c in per:
                    now = self._lacks(r, c)
                    missing += now - per[c]
                    per[c] = now
            iso = self.nodes[r].count if self._isolated_node(r) else 0
            self._isolated += iso - self._isolated_of[r]
            self._isolated_of[r] = iso
        self._missing = missing

    def _rebuild(self) -> None:
        """Work out every receiver's counts from the whole state."""
        self._restarted_n = len(self.restarted)
        receivers = [k for k, n in self.nodes.items()
                     if not n.is_rr and k not in self.restarted]
        self._origins = [c for c in self.classes
                         if not self.nodes[c].is_rr and c not in self.restarted]
        self._lack = {r: {c: self._lacks(r, c) for c in self._origins} for r in receivers}
        self._missing = sum(sum(per.values()) for per in self._lack.values())
        self._pairs = 0
        for c in self._origins:
            o = self.nodes[c]
            for r in receivers:
                n = self.nodes[r]
                self._pairs += o.count * (n.count - 1) if r == c else o.count * n.count
        self._isolated_of = {r: self.nodes[r].count if self._isolated_node(r) else 0
                             for r in receivers}
        self._isolated = sum(self._isolated_of.values())
