"""RFC 4456 route reflection over a zone: who learns whose routes, through how many paths.

This is the static side of the model (all sessions up, or one RR or one session down).
For each origin it propagates one route through the zone until nothing changes:

- An origin advertises its own routes to every iBGP peer (RFC 4271 §9.1.3).
- A speaker that is not a route reflector never re-advertises an iBGP-learned route
  (RFC 4271 §9.2, the iBGP split horizon that RRs exist to relax).
- A route reflector picks one best path and reflects it (RFC 4456 §6):
  learned from a client -> to every non-client peer and, with client-to-client reflection
  on (§5), to every client; learned from a non-client -> to clients only.
  When it reflects, it sets ORIGINATOR_ID if absent and prepends its CLUSTER_ID to the
  CLUSTER_LIST (§8).
- A speaker drops a route whose ORIGINATOR_ID is its own; a route reflector drops a route
  whose CLUSTER_LIST holds its own CLUSTER_ID (§8, loop prevention).
- Best path among the valid ones (:func:`~bgpcascade.model.rules.preference_key`): the
  lowest ORIGINATOR_ID, or router id of the sender for a path without one (RFC 4271
  §9.1.2.2 (f) as RFC 4456 §9 amends it), then the shorter CLUSTER_LIST (§9), then the
  lowest peer address (§9.1.2.2 (g)): the ``address`` of the sending speaker. All paths
  of one route share the origin's ORIGINATOR_ID, so in practice the CLUSTER_LIST and the
  peer address decide.
- Implementations with update-groups (FRR) also send a reflected route back to the client
  it came from; the client drops it (ORIGINATOR_ID) but it was sent and is counted
  (``Profile.advertise_to_sender``; docs/validation.md, discrepancy 1).

The RFC 4456 rules (what a speaker accepts, whom an RR reflects to, which path is best)
are functions of :mod:`bgpcascade.model.rules`; this module calls them.

Symmetry: the analysis runs on a :class:`View` whose nodes are the zone's speaker groups.
Members of a group are interchangeable, so one representative origin per group stands for
all of them (results are multiplied by the group's count), and a failure of one member's
session splits just that member out of its group. :func:`View.from_zone` with
``expand=True`` gives one node per speaker instead; tests check both agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address

from .rules import Relation, accepts_reflected, invert, preference_key, reflects_to
from .topology import IPAddress, NameRange, SpeakerGroup, Zone, default_identifier

__all__ = [
    "AdvertisedPath", "Node", "Propagation", "Reach", "Relation", "RibFigures", "View",
    "origin_view", "origins", "path_key", "propagate", "reachability", "rib_figures",
    "sent_copies",
]

#: The first speaker's default router id and address (a :class:`Node` built by hand).
_FIRST_ID = default_identifier(1)


@dataclass(frozen=True)
class Node:
    """A set of interchangeable speakers in a :class:`View` (a group or part of one).

    ``members`` are indices into the zone group's names (a ``range`` for large groups).
    ``router_id`` and ``address`` are those of the node's first member: a node that
    stands for several speakers (a lumped group, a cohort, the rest of a split group)
    sends and originates with its first member's identifier and address
    (docs/model.md, "Symmetry").
    """

    key: str
    group: str
    members: range | tuple[int, ...]
    is_rr: bool
    cluster_id: str
    order: tuple[int, int]
    routes: int
    client_to_client: bool
    advertise_to_sender: bool
    #: What the run's random draws are keyed by (model/timing.py): the speaker's name for
    #: one speaker, ``first#j`` for cohort j of a group whose first member is ``first``.
    #: Unlike ``key`` it does not change with the group's size, so a zone parameter that
    #: moves a count moves no phase (the Z3 engine's regions rely on it).
    label: str = ""
    #: BGP Identifier (RFC 4271 §4.2) and peer address (§9.1.2.2 (g)) of the first member.
    router_id: IPv4Address = _FIRST_ID
    address: IPAddress = _FIRST_ID

    @property
    def count(self) -> int:
        """Number of speakers in the node."""
        return len(self.members)


@dataclass(frozen=True)
class AdvertisedPath:
    """A route as one speaker advertises it to another (RFC 4456 attributes).

    ``cluster_list`` is the CLUSTER_LIST (most recent first); ``originator`` the node key of
    the originating speaker (ORIGINATOR_ID); ``sender`` the node that sent it.
    """

    cluster_list: tuple[str, ...]
    originator: str
    sender: str

    def attributes(self) -> tuple[tuple[str, ...], str]:
        """What the receiver sees of the path (a change of these is a replacement)."""
        return self.cluster_list, self.originator


@dataclass
class View:
    """Nodes and sessions the propagation runs on (see module docstring)."""

    zone: Zone
    nodes: dict[str, Node]
    adj: dict[str, list[tuple[str, Relation]]] = field(default_factory=dict)

    @classmethod
    def from_zone(cls, zone: Zone, *, expand: bool = False, cohorts: int = 1) -> View:
        """One node per speaker group (or per speaker with ``expand``), all sessions up.

        ``cohorts``: a group of more members is split into that many nodes of
        consecutive members (sizes differ by at most one), each moving in lockstep with
        its own timer phases (docs/model.md, "Time: phases, jitter and cohorts"); 1 keeps
        each group one node.
        """
        nodes: dict[str, Node] = {}
        parts: dict[str, list[str]] = {}
        for gi, g in enumerate(zone.groups):
            adv_back = zone.profiles[g.profile].advertise_to_sender
            if expand and g.count > 1:
                keys = []
                for i in range(g.count):
                    name = g.names[i]
                    nodes[name] = _node(g, name, (i,), (gi, i), adv_back)
                    keys.append(name)
                parts[g.key] = keys
            elif cohorts > 1 and g.count > 1:
                keys = []
                k = min(cohorts, g.count)
                for j in range(k):
                    members = range(j * g.count // k, (j + 1) * g.count // k)
                    key = _part_key(g, members)
                    nodes[key] = replace(_node(g, key, members, (gi, members.start),
                                               adv_back), label=f"{g.names[0]}#{j}")
                    keys.append(key)
                parts[g.key] = keys
            else:
                nodes[g.key] = replace(_node(g, g.key, range(g.count), (gi, 0), adv_back),
                                       label=g.names[0] if g.count == 1 else
                                       f"{g.names[0]}#0")
                parts[g.key] = [g.key]
        adj: dict[str, list[tuple[str, Relation]]] = {k: [] for k in nodes}
        for s in zone.sessions:
            rel_ab: Relation = "client" if s.kind == "rr-client" else "peer"
            rel_ba = invert(rel_ab)
            for a in parts[s.a]:
                for b in parts[s.b]:
                    adj[a].append((b, rel_ab))
                    adj[b].append((a, rel_ba))
        view = cls(zone, nodes, adj)
        view._sort()
        return view

    def _sort(self) -> None:
        for k in self.adj:
            self.adj[k].sort(key=lambda e: self.nodes[e[0]].order)

    def copy(self) -> View:
        """An independent copy (nodes are immutable; adjacency lists are copied)."""
        return View(self.zone, dict(self.nodes), {k: list(v) for k, v in self.adj.items()})

    def pairs(self) -> list[tuple[str, str, Relation]]:
        """Every session group once, as (a, b, relation of b seen from a), ``a`` the end
        earlier in zone order: the order the simulator numbers its edges in."""
        out: list[tuple[str, str, Relation]] = []
        seen: set[tuple[str, str]] = set()
        for a in sorted(self.adj, key=lambda k: self.nodes[k].order):
            for b, rel in self.adj[a]:
                if (b, a) not in seen:
                    seen.add((a, b))
                    out.append((a, b, rel))
        return out

    def node_of(self, speaker: str) -> str:
        """Key of the node holding speaker ``speaker``."""
        loc = self.zone.locate(speaker)
        if loc is None:
            raise KeyError(speaker)
        group, index = loc
        for node in self.nodes.values():
            if node.group == group and index in node.members:
                return node.key
        raise KeyError(speaker)

    def split(self, speaker: str) -> str:
        """Make ``speaker`` a node of its own (keeping its sessions); return its key."""
        key = self.node_of(speaker)
        node = self.nodes[key]
        if node.count == 1:
            return key
        group = self.zone.group(node.group)
        index = group.names.index(speaker) if not isinstance(group.names, NameRange) \
            else group.names.index_of(speaker)
        assert index is not None
        rest_members: range | tuple[int, ...]
        if isinstance(node.members, range) and index == node.members.start:
            rest_members = range(index + 1, node.members.stop, node.members.step)
        elif isinstance(node.members, range) and index == node.members[-1]:
            rest_members = range(node.members.start, index, node.members.step)
        else:
            rest_members = tuple(i for i in node.members if i != index)
        rest_key = _part_key(group, rest_members)
        single = replace(node, key=speaker, members=(index,), order=(node.order[0], index),
                         label=speaker, router_id=group.router_id(index),
                         address=group.address(index))
        remainder = replace(node, key=rest_key, members=rest_members,
                            order=(node.order[0], rest_members[0]),
                            router_id=group.router_id(rest_members[0]),
                            address=group.address(rest_members[0]))
        del self.nodes[key]
        self.nodes[speaker] = single
        self.nodes[rest_key] = remainder
        old = self.adj.pop(key)
        self.adj[speaker] = list(old)
        self.adj[rest_key] = list(old)
        for nbr, rel in old:
            back = invert(rel)
            lst = self.adj[nbr]
            lst.remove((key, back))
            lst.extend(((speaker, back), (rest_key, back)))
        self._sort()
        return speaker

    def remove_session(self, a: str, b: str) -> None:
        """Take the session between speakers ``a`` and ``b`` down."""
        ka, kb = self.split(a), self.split(b)
        before = len(self.adj[ka])
        self.adj[ka] = [e for e in self.adj[ka] if e[0] != kb]
        self.adj[kb] = [e for e in self.adj[kb] if e[0] != ka]
        if len(self.adj[ka]) == before:
            raise KeyError(f"no session {a}~{b}")

    def remove_speaker(self, speaker: str) -> None:
        """Take speaker ``speaker`` (and all its sessions) down."""
        k = self.split(speaker)
        for nbr, _ in self.adj.pop(k):
            self.adj[nbr] = [e for e in self.adj[nbr] if e[0] != k]
        del self.nodes[k]

    def receivers(self) -> list[Node]:
        """Nodes that are not route reflectors, in order."""
        return sorted((n for n in self.nodes.values() if not n.is_rr), key=lambda n: n.order)


def _node(g: SpeakerGroup, key: str, members: range | tuple[int, ...],
          order: tuple[int, int], adv_back: bool) -> Node:
    cluster = g.effective_cluster_id(members[0]) if g.is_rr else ""
    return Node(key=key, group=g.key, members=members, is_rr=g.is_rr, cluster_id=cluster,
                order=order, routes=g.routes, client_to_client=g.client_to_client,
                advertise_to_sender=adv_back, label=key, router_id=g.router_id(members[0]),
                address=g.address(members[0]))


def _part_key(group: SpeakerGroup, members: range | tuple[int, ...]) -> str:
    first, last = group.names[members[0]], group.names[members[-1]]
    if len(members) == 1:
        return first
    if isinstance(members, range):
        return f"[{first}..{last}]"
    return f"[{first}..{last}|{len(members)}]"


@dataclass(frozen=True)
class Propagation:
    """The converged state for one route of one origin speaker.

    ``adv`` maps (sender, receiver) node keys to the path sent; ``paths`` gives, per node,
    the number of valid paths it holds (Adj-RIB-In after the ORIGINATOR_ID and
    CLUSTER_LIST checks); ``best`` each route reflector's best path.
    """

    origin: str
    adv: Mapping[tuple[str, str], AdvertisedPath]
    paths: Mapping[str, int]
    best: Mapping[str, AdvertisedPath | None]

    def learns(self, node: str) -> bool:
        """``node`` holds at least one valid path to the origin."""
        return self.paths.get(node, 0) > 0


def _valid(view: View, receiver: str, path: AdvertisedPath) -> bool:
    """Whether ``receiver`` keeps ``path``: the ORIGINATOR_ID and CLUSTER_LIST loop checks
    of RFC 4456 §8 (:func:`~bgpcascade.model.rules.accepts_reflected`)."""
    node = view.nodes[receiver]
    return accepts_reflected(own_route=path.originator == receiver, is_rr=node.is_rr,
                             cluster_id=node.cluster_id, cluster_list=path.cluster_list)


def _reflect_to(view: View, rr: str, best: AdvertisedPath) -> list[str]:
    """The neighbours an RR sends its best path ``best`` to: RFC 4456 §6
    (:func:`~bgpcascade.model.rules.reflects_to`), per neighbour in zone order."""
    node = view.nodes[rr]
    learned_from = dict(view.adj[rr]).get(best.sender, "peer")
    return [nbr for nbr, rel in view.adj[rr]
            if reflects_to(learned_from=learned_from, to=rel,
                           client_to_client=node.client_to_client,
                           to_is_sender=nbr == best.sender,
                           advertise_to_sender=node.advertise_to_sender)]


def path_key(nodes: Mapping[str, Node], path: AdvertisedPath) -> tuple[int, int, int, int]:
    """Where ``path`` ranks among the paths to one route
    (:func:`~bgpcascade.model.rules.preference_key`, least is best): its ORIGINATOR_ID,
    the origin's router id (RFC 4456 §8; a path received from the origin itself has
    none, and ranks by the sender's router id, which is the same one: RFC 4271
    §9.1.2.2 (f), RFC 4456 §9), its CLUSTER_LIST length, then the sender's address
    (§9.1.2.2 (g)). The simulator (:mod:`bgpcascade.model.sim.ribs`) ranks with it too."""
    sender = nodes[path.sender]
    ident = sender.router_id if path.originator == path.sender else \
        nodes[path.originator].router_id
    return preference_key(ident, len(path.cluster_list), sender.address)


def _best(view: View, rr: str, adv: Mapping[tuple[str, str], AdvertisedPath]
          ) -> AdvertisedPath | None:
    """The best of the valid paths ``rr``'s neighbours advertise to it: the least
    :func:`path_key` (RFC 4456 §9, RFC 4271 §9.1.2.2)."""
    valid = [p for nbr, _ in view.adj[rr]
             if (p := adv.get((nbr, rr))) is not None and _valid(view, rr, p)]
    return min(valid, key=lambda p: path_key(view.nodes, p), default=None)


def propagate(view: View, origin: str, max_rounds: int | None = None) -> Propagation:
    """Propagate one route of the single-speaker node ``origin`` until it converges.

    Rounds recompute every route reflector's best path from what its neighbours currently
    advertise (in the zone's order) until no advertisement changes. With CLUSTER_LIST
    length as the only metric this converges within a few rounds per RR tier; a zone that
    does not converge in ``max_rounds`` raises ``RuntimeError``.
    """
    if view.nodes[origin].count != 1:
        raise ValueError(f"origin {origin!r} must be a single speaker (split it first)")
    adv: dict[tuple[str, str], AdvertisedPath] = {}
    for nbr, _ in view.adj[origin]:
        adv[(origin, nbr)] = AdvertisedPath((), origin, origin)
    rrs = sorted((k for k, n in view.nodes.items() if n.is_rr and k != origin),
                 key=lambda k: view.nodes[k].order)
    best: dict[str, AdvertisedPath | None] = {k: None for k in rrs}
    limit = max_rounds if max_rounds is not None else 4 * len(rrs) + 8
    for _ in range(limit):
        changed = False
        for rr in rrs:
            new = _best(view, rr, adv)
            out: dict[str, AdvertisedPath] = {}
            if new is not None:
                sent = AdvertisedPath((view.nodes[rr].cluster_id, *new.cluster_list),
                                      new.originator, rr)
                out = {nbr: sent for nbr in _reflect_to(view, rr, new)}
            for nbr, _ in view.adj[rr]:
                old = adv.get((rr, nbr))
                want = out.get(nbr)
                if old != want:
                    changed = True
                    if want is None:
                        del adv[(rr, nbr)]
                    else:
                        adv[(rr, nbr)] = want
            best[rr] = new
        if not changed:
            break
    else:
        raise RuntimeError(f"route of {origin} did not converge in {limit} rounds")
    paths: dict[str, int] = {}
    for (_, recv), p in adv.items():
        if _valid(view, recv, p):
            paths[recv] = paths.get(recv, 0) + 1
    return Propagation(origin=origin, adv=adv, paths=paths, best=best)


def origins(view: View) -> Iterable[tuple[str, int]]:
    """(representative origin node, how many speakers it stands for) for every node.

    Splits each multi-member node's first member out of a copy of ``view``; callers
    propagate in :func:`origin_view`.
    """
    for key in sorted(view.nodes, key=lambda k: view.nodes[k].order):
        yield key, view.nodes[key].count


def origin_view(view: View, node_key: str) -> tuple[View, str]:
    """A view in which the first member of ``node_key`` is its own node (the origin)."""
    node = view.nodes[node_key]
    if node.count == 1:
        return view, node_key
    v = view.copy()
    group = view.zone.group(node.group)
    return v, v.split(group.names[node.members[0]])


@dataclass(frozen=True)
class Reach:
    """Per (origin group, receiver group): speaker pairs where the receiver lacks the route.

    Only origins with routes > 0 and receivers that are not route reflectors count.
    ``pairs`` maps (origin group key, receiver group key) to a pair count; ``paths`` maps
    the same keys to the smallest number of valid paths any such receiver holds.
    """

    missing: Mapping[tuple[str, str], int]
    min_paths: Mapping[tuple[str, str], int]


def reachability(view: View) -> Reach:
    """Which non-RR speakers learn which origins' routes in ``view`` (pair counts)."""
    missing: dict[tuple[str, str], int] = {}
    min_paths: dict[tuple[str, str], int] = {}
    for key, mult in origins(view):
        node = view.nodes[key]
        if node.routes == 0:
            continue
        v, o = origin_view(view, key)
        prop = propagate(v, o)
        for recv in v.receivers():
            if recv.key == o:
                continue
            k = (node.group, recv.group)
            n_paths = prop.paths.get(recv.key, 0)
            min_paths[k] = min(min_paths.get(k, n_paths), n_paths)
            if n_paths == 0:
                missing[k] = missing.get(k, 0) + mult * recv.count
    return Reach(missing=missing, min_paths=min_paths)


def sent_copies(view: View, prop: Propagation) -> dict[str, int]:
    """Per sending node: route copies it sends for ``prop`` (one route, one origin)."""
    out: dict[str, int] = {}
    for (sender, recv), _ in sorted(prop.adv.items()):
        out[sender] = out.get(sender, 0) + view.nodes[recv].count
    return out


@dataclass(frozen=True)
class RibFigures:
    """Per node, for one member: routes held and route copies exchanged at rest.

    ``paths_in``: valid paths in the Adj-RIB-In (sum over origins and routes);
    ``routes_best``: routes with a best path (Loc-RIB);
    ``copies_out``: route copies in the Adj-RIB-Out, all peers together (what a full
    re-advertisement sends); ``copies_out_by_relation``: the same split by the peers'
    relation to the node (``client``, ``rr``, ``peer``), i.e. by update-group.
    """

    paths_in: Mapping[str, int]
    routes_best: Mapping[str, int]
    copies_out: Mapping[str, int]
    copies_out_by_relation: Mapping[str, Mapping[str, int]]


def rib_figures(view: View) -> RibFigures:
    """RIB sizes and Adj-RIB-Out copies per member of each node, all sessions up.

    Symmetry: for an origin node of ``c`` members, one member's route is propagated and
    the figures are multiplied by ``c``; a receiver in the origin's own node hears from the
    ``c - 1`` other members. Only route reflectors re-advertise, and they are single nodes.
    """
    paths_in: dict[str, int] = dict.fromkeys(view.nodes, 0)
    best: dict[str, int] = dict.fromkeys(view.nodes, 0)
    out: dict[str, int] = dict.fromkeys(view.nodes, 0)
    by_rel: dict[str, dict[str, int]] = {k: {} for k in view.nodes}
    for key, mult in origins(view):
        routes = view.nodes[key].routes
        if routes == 0:
            continue
        v, o = origin_view(view, key)
        prop = propagate(v, o)
        rel_of = {k: dict(v.adj[k]) for k in v.nodes}
        for (sender, recv), _path in prop.adv.items():
            rel = rel_of[sender][recv]
            # The origin's own announcement is made once by each of its node's members;
            # a reflector's copies are made once per origin member (mult of them).
            copies = routes * v.nodes[recv].count * (1 if sender == o else mult)
            out_key = key if sender == o else sender
            out[out_key] += copies
            by_rel[out_key][rel] = by_rel[out_key].get(rel, 0) + copies
        for recv, n_paths in prop.paths.items():
            if recv in view.nodes:
                heard = routes * mult
                base_key = recv
            else:  # the rest of the origin's own node
                heard = routes * (mult - 1)
                base_key = key
            paths_in[base_key] += heard * n_paths
            best[base_key] += heard
        if o in view.nodes:  # a single-member origin holds its own routes too
            best[o] += routes
        else:
            best[key] += routes
    return RibFigures(paths_in, best, out, {k: dict(sorted(v.items())) for k, v in by_rel.items()})
