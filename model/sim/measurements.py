"""What a run measures at any instant: queue delay, isolated clients, unreachable pairs.

Speakers a ``restart`` trigger restarted are left out of isolation and reachability (a
rebooting hypervisor is not an outage of the zone; docs/model.md, "Dynamics").
"""

from __future__ import annotations

from .ribs import Ribs
from .state import ZERO, F


class Measurements(Ribs):
    """Read-only views of the state, for the recorder and the outcome."""

    def queue_delay(self, key: str) -> F:
        """Seconds a new arrival at ``key`` would wait now."""
        return max(F(0), self.nodes[key].busy_until - self.now)

    def clients_isolated(self) -> int:
        """Non-RR speakers with no Established session to any RR."""
        out = 0
        for key, n in self.nodes.items():
            if n.is_rr or key in self.restarted:
                continue
            rr_edges = [i for i in self.edges_of[key]
                        if self.nodes[self.edges[i].other(key)].is_rr]
            if rr_edges and not any(self.edges[i].established() for i in rr_edges):
                out += n.count
        return out

    def unreachable_pairs(self) -> tuple[F, F]:
        """(client pairs without a route, client pairs in all): receiver lacks the origin's
        routes (only origins with routes, receivers that are not RRs)."""
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
