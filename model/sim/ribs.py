"""Routes: per route class, what each node has learned and what it advertises.

There is one route class per origin node (a client group of n clients with r routes each
is one class of n x r routes). Decisions follow RFC 4456 through the rules of
:mod:`bgpcascade.model.rules` (the same the static analysis applies), over Established
sessions only, plus the routes a graceful-restart helper keeps stale (RFC 4724). A changed
decision becomes route changes in the node's output of this instant (:mod:`.queues`).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..fsm_vocab import State
from ..reflection import AdvertisedPath, path_key
from ..rules import accepts_reflected, reflects_to
from .queues import Queues
from .state import Change, WorkItem


class Ribs(Queues):
    """RFC 4456 decisions at one node, and the RIB effects of UPDATEs, clears and
    End-of-RIBs."""

    # -- RFC 4456 decision at one node for one class ------------------------------------
    def _valid(self, key: str, path: AdvertisedPath) -> bool:
        """Whether ``key`` keeps ``path`` (RFC 4456 §8, :func:`~.rules.accepts_reflected`).

        A member of a lumped client group keeps the other members' routes: the path's
        ORIGINATOR_ID names the group, but not that member.
        """
        node = self.nodes[key]
        own = path.originator == key and not (node.count > 1 and not node.is_rr)
        return accepts_reflected(own_route=own, is_rr=node.is_rr, cluster_id=node.cluster_id,
                                 cluster_list=path.cluster_list)

    def _decide(self, key: str, c: str) -> dict[int, AdvertisedPath]:
        """What node ``key`` advertises for class ``c`` over each Established edge."""
        node = self.nodes[key]
        up = self.up_edges(key)
        if key == c:  # the origin: its own routes to every iBGP peer (RFC 4271 §9.1.3)
            return {i: AdvertisedPath((), c, key) for i in up}
        if not node.is_rr:
            return {}  # RFC 4271 §9.2: no re-advertisement of iBGP-learned routes
        edges = self.edges
        cands = [(p, i) for i, p in node.adj_in[c].items()
                 if (edges[i].up or c in node.stale.get(i, ()))
                 and self._valid(key, p)]
        if not cands:
            node.best_edge.pop(c, None)
            return {}
        # The least preference key (RFC 4271 §9.1.2.2 (f), (g); RFC 4456 §9): the same
        # ranking as the static analysis, over the view's router ids and addresses.
        nodes = self.view.nodes
        best, from_edge = min(cands, key=lambda pi: path_key(nodes, pi[0]))
        node.best_edge[c] = from_edge
        rel_from = self.edges[from_edge].relation(key)
        out: dict[int, AdvertisedPath] = {}
        sent = AdvertisedPath((node.cluster_id, *best.cluster_list), best.originator, key)
        back = node.profile.advertise_to_sender
        for i in up:
            rel = self.edges[i].relation(key)
            if not reflects_to(learned_from=rel_from, to=rel, client_to_client=
                               node.client_to_client, to_is_sender=False,
                               advertise_to_sender=back):
                continue
            # Back to the sender only if that is one speaker: the other members of a
            # lumped client group still need the route. The member count is compared
            # only when the rule depends on it, as a symbolic run records each comparison.
            if i == from_edge and not reflects_to(
                    learned_from=rel_from, to=rel, client_to_client=node.client_to_client,
                    to_is_sender=True, advertise_to_sender=back) and \
                    self.nodes[self.edges[i].other(key)].count == 1:
                continue
            out[i] = sent
        return out

    def _routes_per_member(self, sender: str, receiver: str, c: str, edge: int) -> int:
        """Routes of class ``c`` one member of ``receiver`` gets from ``sender``'s members."""
        origin = self.nodes[c]
        per_sender = origin.routes if sender == c else origin.routes * origin.count
        if receiver == c and sender != c:
            # Each member gets the other members' routes; its own come back too when the
            # sender sends to the session it learned them from (FRR) or learned them
            # elsewhere (RFC 4456 §6 only spares the peer the best path came from).
            back = self.nodes[sender].profile.advertise_to_sender or \
                self.nodes[sender].best_edge.get(c) != edge
            per_sender = origin.routes * (origin.count - 1) + (origin.routes if back else 0)
        return per_sender * self.nodes[sender].count

    def _settle_ribs(self) -> None:
        """Propagate every class until no advertisement changes: the RIBs of a zone at
        rest, with every session Established (as :mod:`~bgpcascade.model.reflection`).

        Sweeps the nodes in the zone's order, each over its classes, until a sweep changes
        nothing; a node re-decides a class only when what it learned for it changed since
        it last decided it (a decision reads nothing else while the zone settles), so the
        sweeps reach the same RIBs, in the same order, as deciding everything each time.
        Only a route reflector's decision for a class it does not originate reads what it
        learned: an origin advertises its own routes on every session, another speaker
        nothing (RFC 4271 §9.2), so those are decided once, and never made dirty again.
        """
        order = sorted(self.nodes, key=lambda k: self.nodes[k].order)
        index = {c: j for j, c in enumerate(self.classes)}
        origins = set(self.classes)
        dirty: dict[str, set[str]] = {
            key: set(self.classes) if self.nodes[key].is_rr else {key} & origins
            for key in order}
        reads = {key for key in order if self.nodes[key].is_rr}
        changed = True
        rounds = 0
        while changed:
            changed = False
            rounds += 1
            if rounds > 4 * len(self.nodes) + 8:
                raise RuntimeError("initial RIB did not converge")
            for key in order:
                todo = dirty[key]
                if not todo:
                    continue
                dirty[key] = set()
                node = self.nodes[key]
                for c in sorted(todo, key=index.__getitem__):
                    out = self._decide(key, c)
                    if out == node.adv_out[c]:
                        continue
                    changed = True
                    for nbr_edge, path in out.items():
                        other = self.edges[nbr_edge].other(key)
                        ins = self.nodes[other].adj_in[c]
                        if ins.get(nbr_edge) != path and other in reads and other != c:
                            dirty[other].add(c)
                        ins[nbr_edge] = path
                        self.nodes[other].adj_routes[(c, nbr_edge)] = \
                            self._routes_per_member(key, other, c, nbr_edge)
                    for nbr_edge in set(node.adv_out[c]) - set(out):
                        other = self.edges[nbr_edge].other(key)
                        if self.nodes[other].adj_in[c].pop(nbr_edge, None) is not None \
                                and other in reads and other != c:
                            dirty[other].add(c)
                    node.adv_out[c] = out

    # -- what a completed batch does to the RIB ----------------------------------------
    def _take_in(self, key: str, it: WorkItem, touched: set[str]) -> None:
        """The RIB effect of one completed item at ``key``: an UPDATE replaces or withdraws
        a path (only on the current connection, Established); a clear drops what a session
        taught (or only its stale routes); an End-of-RIB flushes what was not refreshed
        (RFC 4724 §4.2). Classes whose Adj-RIB-In changed join ``touched``."""
        node = self.nodes[key]
        if it.kind in ("update", "update-rib"):
            e = self.edges[it.edge]
            if e.states[key] is State.Established and it.conn == e.conn:
                node.stale.get(it.edge, set()).discard(it.cls)
                old = node.adj_in[it.cls].get(it.edge)
                if it.path is None:
                    node.adj_in[it.cls].pop(it.edge, None)
                    node.adj_routes.pop((it.cls, it.edge), None)
                else:
                    node.adj_in[it.cls][it.edge] = it.path
                    node.adj_routes[(it.cls, it.edge)] = it.routes
                if old != it.path:
                    touched.add(it.cls)
        elif it.kind == "clear":
            only = node.stale.pop(it.edge, None) if it.cls == "stale" else None
            for c in self.classes:
                if only is not None and c not in only:
                    continue
                node.adj_routes.pop((c, it.edge), None)
                if node.adj_in[c].pop(it.edge, None) is not None:
                    touched.add(c)
        elif it.kind == "eor" and it.conn == self.edges[it.edge].conn and \
                self.edges[it.edge].states[key] is State.Established:
            # One queued on a connection that has closed since is dropped with it (like
            # its UPDATEs).
            for c in sorted(node.stale.pop(it.edge, set())):
                node.adj_routes.pop((c, it.edge), None)
                if node.adj_in[c].pop(it.edge, None) is not None:
                    touched.add(c)

    # -- RIB changes and outgoing UPDATEs ------------------------------------------------
    def _update_rib(self, key: str, classes: Iterable[str], only_edge: int | None = None,
                    full: bool = False) -> None:
        """Re-decide ``classes`` at ``key``; the changes join this instant's local batch.

        Only attribute changes are sent (FRR's ``bgp suppress-duplicates``); ``full`` sends
        the whole Adj-RIB-Out on ``only_edge``, followed by End-of-RIB (a session that
        came up). A peer whose coalesce wait runs gets nothing before its table.
        """
        node = self.nodes[key]
        changes: list[Change] = []
        for c in classes:
            out = self._decide(key, c)
            old = node.adv_out[c]
            edges = set(out) | set(old)
            if only_edge is not None:
                edges &= {only_edge}
            elif node.coalescing:
                edges -= node.coalescing
                out = {i: p for i, p in out.items() if i not in node.coalescing}
            for i in sorted(edges):
                new_p, old_p = out.get(i), old.get(i)
                send: AdvertisedPath | bool | None = False
                if full and new_p is not None:
                    send = new_p
                elif new_p is None and old_p is not None:
                    if self.edges[i].up:
                        send = None
                elif new_p is not None and (old_p is None or
                                            new_p.attributes() != old_p.attributes()):
                    send = new_p
                if send is not False:
                    other = self.edges[i].other(key)
                    changes.append((i, c, send if isinstance(send, AdvertisedPath) else None,
                                    self._routes_per_member(key, other, c, i)))
            if only_edge is None:
                node.adv_out[c] = out
            elif only_edge in out:
                node.adv_out[c][only_edge] = out[only_edge]
            else:
                node.adv_out[c].pop(only_edge, None)
        if not changes and not full:
            return
        self.last_change = self.now
        node.local_changes.extend(changes)
        if full and only_edge is not None:
            node.local_eor.append(only_edge)
        self._schedule_flush(key)
