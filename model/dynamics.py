"""Cascade dynamics over a whole zone: queues, reflection and hold timers, event by event.

One deterministic step function, :meth:`Sim.step` ("take the next event and apply it"),
advances the whole zone; :meth:`Sim.run` calls it until the horizon. Times are exact
rationals (``fractions.Fraction``); nothing reads a clock. The semantics, with the exact
equations, are in docs/model.md ("Dynamics"); in short:

- Every node of the view (a speaker, or a group of interchangeable speakers that move in
  lockstep) has ONE FIFO of work batches served at its profile's capacity. All items that
  reach a node at the same instant form one batch; a batch of ``w`` units that arrives at
  ``t`` completes at ``max(t, busy_until) + w / capacity``, and its effects (hold-timer
  restarts, RIB changes, outgoing UPDATEs) happen at completion.
- Sessions run the FSM of :mod:`bgpcascade.model.fsm` at both ends. OPEN, KEEPALIVE,
  NOTIFICATION and UPDATE wait in the receiver's FIFO (``keepalive_rx: fifo`` and
  ``rearm-on-backlog``) or reach the FSM on receipt (``io-thread``, UPDATE route work
  still queues). ``rearm-on-backlog`` re-arms an expiring hold timer while that peer's
  input is still queued. On the send side, ``main-loop`` stacks produce every session
  message as a work item in their FIFO, ``fifo`` stacks send it behind the UPDATE work
  already queued for that peer, ``priority`` stacks send it at once.
- Routes are counted by class (one class per origin node). Reflection follows RFC 4456
  exactly as :mod:`bgpcascade.model.reflection` does, over the sessions that are
  Established: a changed best path sends announcements, replacements or withdrawals to
  every eligible peer; a session that goes down clears what was learned over it; a session
  that comes up sends the whole Adj-RIB-Out.
- Symmetry: the view is split so that every speaker a trigger touches is a node of its
  own; the remaining members of a group then receive identical inputs at identical times
  and stay in lockstep, so one state per node with multiplicities is exact
  (``expand=True`` runs one node per speaker; tests compare the two).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Literal

from .fsm import (
    PY,
    TIMER_EVENT,
    PyConfig,
    PyVars,
    Transition,
    expire,
    initial_vars,
    keepalive_interval,
    send_hold_time,
    state_of,
    step,
)
from .fsm_vocab import (
    DELETE_ROUTES,
    DROP_TCP,
    INITIATE_TCP,
    SEND_KEEPALIVE,
    SEND_OPEN,
    Event,
    State,
    Timer,
)
from .load import cost, tx_work
from .profiles import Profile
from .reflection import Path, View
from .session import session_config
from .topology import Zone, session_name

F = Fraction
ZERO = Fraction(0)
#: A batch that waits at least this long counts as backlog (for reconvergence).
BACKLOG_S = Fraction(1, 10)
DEFAULT_LINK_DELAY = Fraction(1, 1000)
TriggerKind = Literal["flap", "spike", "restart", "pause"]


@dataclass(frozen=True)
class Trigger:
    """What starts a scenario.

    ``flap``: the session ``a~b`` goes down at ``t`` (TCP fails at both ends) and comes
    back by the FSM; ``down_for`` keeps connection attempts failing that long.
    ``spike``: ``work`` units arrive at speaker ``a`` at ``t`` (e.g. a mass VM migration).
    ``restart``: speaker ``a``'s process restarts at ``t`` (sessions drop, RIB and queue
    are lost, it starts again at once).
    ``pause``: speaker ``a``'s process is frozen from ``t`` for ``down_for`` seconds (a
    SIGSTOP, a hung VM): every thread stops, so it neither processes nor sends anything,
    KEEPALIVEs included, and the kernel holds what arrives; at the end its overdue timers
    fire and it reads what arrived (docs/validation.md, discrepancy 3).
    """

    kind: TriggerKind
    t: Fraction
    a: str
    b: str | None = None
    work: Fraction = ZERO
    down_for: Fraction = ZERO

    def label(self) -> str:
        """The CLI form: ``flap A~B@T``, ``spike S:W@T``, ``restart S@T``, ``pause S:D@T``."""
        t = _num(self.t)
        if self.kind == "flap":
            assert self.b is not None
            held = f" down {_num(self.down_for)}s" if self.down_for else ""
            return f"flap {session_name(self.a, self.b)}@{t}{held}"
        if self.kind == "spike":
            return f"spike {self.a}:{_num(self.work)}@{t}"
        if self.kind == "pause":
            return f"pause {self.a}:{_num(self.down_for)}@{t}"
        return f"restart {self.a}@{t}"

    def as_json(self) -> dict[str, Any]:
        """JSON form (in traces and ``simulate --json``)."""
        return {"kind": self.kind, "t": _num(self.t), "a": self.a, "b": self.b,
                "work": _num(self.work), "down_for": _num(self.down_for),
                "label": self.label()}


def _num(x: Fraction) -> float | int:
    return int(x) if x.denominator == 1 else float(x)


REASONS = {
    Event.HoldTimer_Expires: "hold_timer_expired",
    Event.SendHoldTimer_Expires: "send_hold_timer_expired",
    Event.NotifMsg: "notification_received",
    Event.NotifMsgVerErr: "notification_received",
    Event.TcpConnectionFails: "tcp_connection_failed",
    Event.ConnectRetryTimer_Expires: "connect_retry_expired",
}


@dataclass
class Edge:
    """A session group between nodes ``a`` and ``b`` (``a.count x b.count`` sessions)."""

    index: int
    a: str
    b: str
    rel_ab: str  # the relation of b seen from a: client / rr / peer
    cfg: dict[str, PyConfig]
    fsm: dict[str, PyVars]
    tcp: str | None = "up"        # None, "pending", "up"
    blocked_until: Fraction = ZERO  # flap: connections fail until then
    ups: int = 0  # times it became Established in the run (stale coalesce timers)
    conn: int = 0  # connections opened so far: the number of the current (or last) one

    def other(self, node: str) -> str:
        """The other end."""
        return self.b if node == self.a else self.a

    def established(self) -> bool:
        """Both ends are Established."""
        return all(state_of(v) is State.Established for v in self.fsm.values())


@dataclass
class Node:
    """One node's process: its FIFO, its RIB (per route class), its counters."""

    key: str
    count: int
    is_rr: bool
    cluster_id: str
    order: tuple[int, int]
    profile: Profile
    routes: int
    client_to_client: bool
    busy_until: Fraction = ZERO
    work_arrived: Fraction = ZERO
    work_served: Fraction = ZERO
    work_dropped: Fraction = ZERO
    # Queued items per (edge, connection): input from a peer (local work: connection -1).
    pending_from: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))
    adj_in: dict[str, dict[int, Path]] = field(default_factory=lambda: defaultdict(dict))
    adv_out: dict[str, dict[int, Path]] = field(default_factory=lambda: defaultdict(dict))
    epoch: int = 0  # bumped on restart: completions of an older epoch are void
    stale: dict[int, set[str]] = field(default_factory=dict)  # GR: edge -> stale classes
    best_edge: dict[str, int] = field(default_factory=dict)  # RR: class -> edge of its best
    adj_routes: dict[tuple[str, int], int] = field(default_factory=dict)  # routes received
    local_items: list[_Item] = field(default_factory=list)  # local work of this instant
    local_changes: list[Change] = field(default_factory=list)
    local_eor: list[int] = field(default_factory=list)

    capacity: Fraction = ZERO  # work units per second, exact (set from the profile)
    paused_until: Fraction = ZERO  # a ``pause`` trigger: frozen until then
    #: What its process would have done while paused: (kind, prio, payload), in order.
    deferred: list[tuple[str, int, tuple[Any, ...]]] = field(default_factory=list)
    coalescing: set[int] = field(default_factory=set)  # edges whose table waits


#: One outgoing route change: (edge, class, path or None for a withdrawal, routes each
#: member of the receiving node gets from each member of the sender).
Change = tuple[int, str, Path | None, int]


@dataclass
class _Item:
    """One thing a batch carries: a message from an edge, an UPDATE, or local work."""

    kind: str  # open keepalive notification update clear send spike
    edge: int = -1
    sender: str = ""
    cls: str = ""
    path: Path | None = None
    routes: int = 0
    code: int = 0
    hold: Fraction = ZERO
    message: str = ""
    changes: tuple[Change, ...] = ()
    eor: tuple[int, ...] = ()  # tx-send: edges whose End-of-RIB follows these UPDATEs
    work: Fraction | None = None  # spike: its work units
    conn: int = -1  # a message: the connection it was made for (Edge.conn); -1 local work
    edge_conns: tuple[tuple[int, int], ...] = ()  # tx-send: (edge, connection) when built


@dataclass(frozen=True)
class SessionEvent:
    """A session group going down or coming up (``count`` sessions at once)."""

    t: Fraction
    session: str
    count: int
    kind: Literal["down", "established"]
    reason: str
    at: str
    direct: bool
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        """The trace's ``events`` entry (``t``, ``session``, ``kind``, ``reason``: contract)."""
        return {"t": _num(self.t), "session": self.session, "count": self.count,
                "kind": self.kind, "reason": self.reason, "at": self.at,
                "direct": self.direct, "detail": self.detail}


class Sim:
    """The zone simulator: state, and the one step function."""

    def __init__(self, zone: Zone, triggers: Iterable[Trigger] = (), *,
                 expand: bool = False, link_delay: Fraction = DEFAULT_LINK_DELAY,
                 bind: Callable[[Sim], None] | None = None) -> None:
        """``bind``, when given, runs after the nodes, edges and triggers are built and
        before the zone settles at rest: the Z3 engine uses it to make parameters symbolic
        (properties/symbolic.py)."""
        self.zone = zone
        self.triggers = tuple(sorted(triggers, key=lambda t: (t.t, t.label())))
        self.link_delay = link_delay
        #: One node per speaker (``True``) or lumped groups; a trace records it for replay.
        self.expand = expand
        view = View.from_zone(zone, expand=expand)
        for trig in self.triggers:
            for name in (trig.a, trig.b):
                if name is not None:
                    view.split(name)
        self.view = view
        self.nodes: dict[str, Node] = {}
        for key, vn in view.nodes.items():
            group = zone.group(vn.group)
            self.nodes[key] = Node(
                key=key, count=vn.count, is_rr=vn.is_rr, cluster_id=vn.cluster_id,
                order=vn.order, profile=zone.profile_of(group), routes=vn.routes,
                client_to_client=vn.client_to_client,
                capacity=cost(zone.profile_of(group), "capacity"))
        self.edges: list[Edge] = []
        self.edges_of: dict[str, list[int]] = defaultdict(list)
        for a, b, rel in view.pairs():
            ga, gb = zone.group(view.nodes[a].group), zone.group(view.nodes[b].group)
            cfg = {a: session_config(self.nodes[a].profile, ga.timers),
                   b: session_config(self.nodes[b].profile, gb.timers)}
            edge = Edge(len(self.edges), a, b, rel, cfg, {})
            self.edges.append(edge)
            self.edges_of[a].append(edge.index)
            self.edges_of[b].append(edge.index)
        self.classes = sorted((k for k, n in self.nodes.items() if n.routes > 0),
                              key=lambda k: self.nodes[k].order)
        self.now = F(0)
        self.seq = 0
        # Entries: (key, t, prio, seq, kind, payload). In a plain run the key is float(t),
        # which orders like t (float() is monotone) and compares far faster than a
        # Fraction; equal floats fall through to the exact t. A symbolic run (``bind``)
        # keys on t itself, so that every ordering decision is recorded.
        self.heap: list[tuple[Any, Fraction, int, int, str, tuple[Any, ...]]] = []
        self._float_keys = bind is None
        # Pending arrivals and flushes per node, keyed by time through explicit
        # comparisons (never a hash of the time), so that a symbolic run records every
        # "same instant?" decision (properties/symbolic.py).
        self.arrivals: dict[str, list[tuple[Fraction, list[_Item]]]] = defaultdict(list)
        self._flushes: dict[str, list[Fraction]] = defaultdict(list)
        self.events: list[SessionEvent] = []
        self.peak_delay: dict[str, Fraction] = dict.fromkeys(self.nodes, F(0))
        self.last_change = F(0)
        self.last_backlog = F(0)  # completion of the last batch that waited >= BACKLOG_S
        self.processed = 0
        #: Bumped whenever what a speaker has learned or a session's state changes, so that
        #: isolation and reachability peaks are measured after every such step.
        self.reach_version = 0
        #: Speakers a trigger restarted: their own outage is the trigger's direct effect,
        #: so isolation and reachability leave them out (a rebooting hypervisor is not an
        #: outage of the zone).
        self.restarted: set[str] = set()
        self._paused = any(t.kind == "pause" for t in self.triggers)
        self._direct: set[int] = set()
        #: Routes announced and withdrawn in UPDATEs, per (receiver, sender) node, counted
        #: as they reach the receiver's socket (what an MRT dump of the receiver records);
        #: per member of the receiver, summed over the sender's members. The zone starts at
        #: rest, so these count only what the triggers cause.
        self.announced: dict[tuple[str, str], int] = defaultdict(int)
        self.withdrawn: dict[tuple[str, str], int] = defaultdict(int)
        if bind is not None:
            bind(self)
        self._establish_at_rest()
        for trig in self.triggers:
            self._push(trig.t, 0, "trigger", (trig,))

    # -- initial state: all sessions Established, RIBs converged, queues empty ------------
    def _establish_at_rest(self) -> None:
        for e in self.edges:
            hold = min(e.cfg[e.a].hold_time, e.cfg[e.b].hold_time)
            for end in (e.a, e.b):
                v = initial_vars(F(str(self.nodes[end].profile.idle_hold_initial)))
                v = _established_vars(e.cfg[end], v, hold)
                e.fsm[end] = v
                self._schedule_timers(e, end)
        changed = True
        rounds = 0
        while changed:
            changed = False
            rounds += 1
            if rounds > 4 * len(self.nodes) + 8:
                raise RuntimeError("initial RIB did not converge")
            for key in sorted(self.nodes, key=lambda k: self.nodes[k].order):
                for c in self.classes:
                    out = self._decide(key, c)
                    node = self.nodes[key]
                    if out != node.adv_out[c]:
                        changed = True
                        for nbr_edge, path in out.items():
                            other = self.edges[nbr_edge].other(key)
                            self.nodes[other].adj_in[c][nbr_edge] = path
                            self.nodes[other].adj_routes[(c, nbr_edge)] = \
                                self._routes_per_member(key, other, c, nbr_edge)
                        for nbr_edge in set(node.adv_out[c]) - set(out):
                            other = self.edges[nbr_edge].other(key)
                            self.nodes[other].adj_in[c].pop(nbr_edge, None)
                        node.adv_out[c] = out

    # -- RFC 4456 decision at one node for one class ------------------------------------
    def _valid(self, key: str, path: Path) -> bool:
        node = self.nodes[key]
        if path.originator == key:
            return node.count > 1 and not node.is_rr  # the other members' routes
        return not (node.is_rr and node.cluster_id in path.cluster_list)

    def _decide(self, key: str, c: str) -> dict[int, Path]:
        """What node ``key`` advertises for class ``c`` over each Established edge."""
        node = self.nodes[key]
        up = [i for i in self.edges_of[key] if self.edges[i].established()]
        if key == c:  # the origin: its own routes to every iBGP peer (RFC 4271 §9.1.3)
            return {i: Path((), c, key) for i in up}
        if not node.is_rr:
            return {}  # RFC 4271 §9.2: no re-advertisement of iBGP-learned routes
        cands = [(p, i) for i, p in node.adj_in[c].items()
                 if (self.edges[i].established() or c in node.stale.get(i, ()))
                 and self._valid(key, p)]
        if not cands:
            node.best_edge.pop(c, None)
            return {}
        best, from_edge = min(cands, key=lambda pi: (len(pi[0].cluster_list),
                                                     self.nodes[pi[0].sender].order))
        node.best_edge[c] = from_edge
        rel_from = self._rel(key, from_edge)
        out: dict[int, Path] = {}
        sent = Path((node.cluster_id, *best.cluster_list), best.originator, key)
        for i in up:
            rel = self._rel(key, i)
            other = self.edges[i].other(key)
            if rel == "client":
                if rel_from == "client" and not node.client_to_client:
                    continue
                if i == from_edge and not node.profile.advertise_to_sender and \
                        self.nodes[other].count == 1:
                    continue
                out[i] = sent
            elif rel_from == "client":
                out[i] = sent  # RFC 4456 §6: client routes go to non-clients too
        return out

    def _rel(self, key: str, edge: int) -> str:
        e = self.edges[edge]
        if key == e.a:
            return e.rel_ab
        return {"client": "rr", "rr": "client", "peer": "peer"}[e.rel_ab]

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

    # -- the event queue -----------------------------------------------------------------
    def _push(self, t: Fraction, prio: int, kind: str, payload: tuple[Any, ...]) -> None:
        self.seq += 1
        key = float(t) if self._float_keys else t
        heapq.heappush(self.heap, (key, t, prio, self.seq, kind, payload))

    def _schedule_timers(self, e: Edge, end: str) -> None:
        """Queue every running timer of ``end`` at its deadline (RFC 4271 §8.2.2 timers).

        A deadline already past happens only while a pause is ending: the woken process
        handles its overdue timers now (:meth:`_wake` queued them first), so the event is
        queued at ``now``, never in the past, and the simulated clock never runs backwards.
        """
        v = e.fsm[end]
        for timer in Timer:
            if v.running[timer]:
                at = v.deadline[timer]
                if self._paused and at < self.now:
                    at = self.now
                self._push(at, 2, "timer", (e.index, end, timer, v.deadline[timer]))

    def step(self) -> bool:
        """Take the next event and apply it; False when there is none."""
        if not self.heap:
            return False
        _key, t, prio, _seq, kind, payload = heapq.heappop(self.heap)
        self.now = t
        self.processed += 1
        if self._paused:
            actor = self._actor(kind, payload)
            if actor is not None and t < self.nodes[actor].paused_until:
                # A frozen process does nothing; the kernel keeps what arrives. It all
                # happens when the pause ends (:meth:`_wake`).
                self.nodes[actor].deferred.append((kind, prio, payload))
                return True
        getattr(self, f"_on_{kind}")(*payload)
        return True

    def _actor(self, kind: str, payload: tuple[Any, ...]) -> str | None:
        """The node whose process an event runs in (``None``: a trigger)."""
        if kind in ("complete", "flush", "stale_timer", "coalesced"):
            return str(payload[0])
        if kind in ("arrival", "timer", "tcp"):
            return str(payload[1])
        if kind == "syn":  # the acceptor's process takes the connection
            return self.edges[int(payload[0])].other(str(payload[1]))
        return None

    def run(self, horizon: Fraction | int) -> None:
        """Step until the next event is past ``horizon``."""
        horizon = F(horizon)
        while self.heap and self.heap[0][1] <= horizon:
            self.step()
        self.now = max(self.now, horizon)

    # -- arrivals, batches, completions -----------------------------------------------
    def _arrive(self, t: Fraction, key: str, item: _Item) -> None:
        slots = self.arrivals[key]
        for at, items in slots:
            if at == t:
                items.append(item)
                return
        slots.append((t, [item]))
        self._push(t, 0, "arrival", (t, key))

    def _on_arrival(self, t: Fraction, key: str) -> None:
        slots = self.arrivals[key]
        i = next(i for i, (at, _) in enumerate(slots) if at == t)
        items = slots.pop(i)[1]
        node = self.nodes[key]
        queued: list[_Item] = []
        for it in items:
            if it.edge >= 0 and node.profile.keepalive_rx == "io-thread" and \
                    it.kind in ("open", "keepalive", "notification", "update"):
                self._fsm_message(key, it)  # the reader thread: FSM at once
                if it.kind == "update":
                    queued.append(replace(it, kind="update-rib"))
                continue
            queued.append(it)
        if queued:
            self._enqueue(key, queued)

    def _work(self, key: str, it: _Item) -> Fraction:
        p = self.nodes[key].profile
        if it.work is not None:
            return it.work
        if it.kind in ("update", "update-rib", "clear"):
            return cost(p, "cost_rx_route") * it.routes
        return cost(p, "cost_msg") * max(1, it.routes)

    def _enqueue(self, key: str, items: list[_Item], work: Fraction | None = None) -> Fraction:
        """Append one batch to ``key``'s FIFO; return its completion time.

        ``done = max(now, busy_until) + work / capacity`` (docs/model.md, "Queues").
        ``work`` defaults to the sum of the items' costs.
        """
        node = self.nodes[key]
        if work is None:
            work = sum((self._work(key, it) for it in items), F(0))
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
        self._push(done, 1, "complete", (key, node.epoch, items, work))
        return done

    def _on_complete(self, key: str, epoch: int, items: list[_Item], work: Fraction) -> None:
        node = self.nodes[key]
        if epoch != node.epoch:
            return  # the process restarted: this work was lost
        node.work_served += work
        for it in items:
            if it.edge >= 0:
                node.pending_from[(it.edge, it.conn)] -= 1
        touched: set[str] = set()
        for it in items:
            if it.kind in ("open", "keepalive", "notification", "update"):
                self._fsm_message(key, it)
            if it.kind in ("update", "update-rib"):
                e = self.edges[it.edge]
                if state_of(e.fsm[key]) is State.Established and it.conn == e.conn:
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
                    state_of(self.edges[it.edge].fsm[key]) is State.Established:
                # RFC 4724: End-of-RIB flushes what was not refreshed. One queued on a
                # connection that has closed since is dropped with it (like its UPDATEs).
                for c in sorted(node.stale.pop(it.edge, set())):
                    node.adj_routes.pop((c, it.edge), None)
                    if node.adj_in[c].pop(it.edge, None) is not None:
                        touched.add(c)
            elif it.kind == "send":
                self._transmit(key, it)
        if touched:
            self.reach_version += 1
            self._update_rib(key, sorted(touched, key=lambda c: self.nodes[c].order))
        for it in items:
            if it.kind == "tx-send":
                self._deliver_updates(key, it)

    # -- RIB changes and outgoing UPDATEs ------------------------------------------------
    def _update_rib(self, key: str, classes: Iterable[str], only_edge: int | None = None,
                    full: bool = False) -> None:
        """Re-decide ``classes`` at ``key``; the changes join this instant's local batch."""
        node = self.nodes[key]
        changes: list[Change] = []
        for c in classes:
            out = self._decide(key, c)
            old = node.adv_out[c]
            edges = set(out) | set(old)
            if only_edge is not None:
                edges &= {only_edge}
            elif node.coalescing:
                # A new peer gets nothing before its table (FRR's coalesce timer).
                edges -= node.coalescing
                out = {i: p for i, p in out.items() if i not in node.coalescing}
            for i in sorted(edges):
                new_p, old_p = out.get(i), old.get(i)
                send: Path | bool | None = False
                if full and new_p is not None:
                    send = new_p
                elif new_p is None and old_p is not None:
                    if self.edges[i].established():
                        send = None
                elif new_p is not None and (old_p is None or
                                            new_p.attributes() != old_p.attributes()):
                    send = new_p
                if send is not False:
                    other = self.edges[i].other(key)
                    changes.append((i, c, send if isinstance(send, Path) else None,
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

    def _local(self, key: str, item: _Item) -> None:
        """Local work (a main-loop message) joins this instant's local batch."""
        self.nodes[key].local_items.append(item)
        self._schedule_flush(key)

    def _schedule_flush(self, key: str) -> None:
        pending = self._flushes[key]
        if not any(t == self.now for t in pending):
            pending.append(self.now)
            self._push(self.now, 3, "flush", (key,))

    def _on_flush(self, key: str) -> None:
        """Everything a node produced at this instant becomes ONE batch in its FIFO (so a
        group and its members, built one session at a time, do the same work)."""
        pending = self._flushes[key]
        pending[:] = [t for t in pending if t != self.now]
        node = self.nodes[key]
        items, changes, eor = node.local_items, node.local_changes, node.local_eor
        node.local_items, node.local_changes, node.local_eor = [], [], []
        work = sum((self._work(key, it) for it in items), F(0))
        if changes or eor:
            work += self._tx_cost(key, changes)
            edges = sorted({i for i, _, _, _ in changes} | set(eor))
            items.append(_Item(kind="tx-send", sender=key, changes=tuple(changes),
                               eor=tuple(eor),
                               edge_conns=tuple((i, self.edges[i].conn) for i in edges)))
        if not items:
            return
        self._enqueue(key, items, work)

    def _tx_cost(self, key: str, changes: list[Change]) -> Fraction:
        """Work to build and send ``changes`` (docs/model.md, "Queues").

        Per route class and update-group (the receivers' relation to the sender): with
        update-groups the UPDATE is built once (``cost_tx_route`` x the most routes any
        receiver gets) and copied per peer (``cost_tx_peer_route`` x routes, summed over
        receiving speakers); without, ``cost_tx_route`` per route per receiving speaker.
        """
        node = self.nodes[key]
        groups: dict[tuple[str, str], list[tuple[Fraction, int]]] = defaultdict(list)
        for i, c, _, routes in changes:
            other = self.nodes[self.edges[i].other(key)]
            # From one member of the sender: routes were counted over the sender's members,
            # so the division is exact (and stays polynomial in a symbolic run).
            per_peer = (ZERO + routes) / max(1, node.count)
            groups[(c, self._rel(key, i))].append((per_peer, other.count))
        return sum((tx_work(node.profile, peers) for peers in groups.values()), F(0))

    def _deliver_updates(self, key: str, item: _Item) -> None:
        """Built UPDATEs (and End-of-RIBs) leave, each on the connection it was built for:
        one that has closed since takes its output queue with it (a new connection gets
        its own UPDATEs when it is Established)."""
        built = dict(item.edge_conns)
        for i, c, path, routes in item.changes:
            e = self.edges[i]
            if e.tcp != "up" or built.get(i, e.conn) != e.conn:
                continue
            other = e.other(key)
            self._arrive(self.now + self.link_delay, other,
                         _Item(kind="update", edge=i, sender=key, cls=c, path=path,
                               routes=routes, conn=e.conn))
            (self.announced if path is not None else self.withdrawn)[(other, key)] += routes
            self._note_sent(e, key)
        for i in item.eor:
            e = self.edges[i]
            if e.tcp == "up" and built.get(i, e.conn) == e.conn:
                self._arrive(self.now + self.link_delay, e.other(key),
                             _Item(kind="eor", edge=e.index, sender=key,
                                   routes=self.nodes[key].count, conn=e.conn))

    # -- the FSM at one end of an edge -------------------------------------------------
    def _fsm_message(self, key: str, it: _Item) -> None:
        """A received OPEN, KEEPALIVE, NOTIFICATION or UPDATE reaches the FSM (§8.2.2).

        Only on the connection it came on: what a closed connection's socket still held is
        gone with it (the kernel discards a closed socket's unread input), so a message
        read after a newer connection opened never reaches that connection's FSM. A
        NOTIFICATION sent just before the close is still read (TCP delivers data before
        the FIN) while no newer connection exists.
        """
        e = self.edges[it.edge]
        if it.conn != e.conn or (e.tcp is None and it.kind != "notification"):
            return
        event = {"open": Event.BGPOpen, "keepalive": Event.KeepAliveMsg,
                 "notification": Event.NotifMsg, "update": Event.UpdateMsg}[it.kind]
        opened = None
        if it.kind == "open":
            if it.hold != 0 and it.hold < 3:
                event = Event.BGPOpenMsgErr
            else:
                opened = min(e.cfg[key].hold_time, it.hold)
                if e.fsm[key].running[Timer.DelayOpenTimer]:
                    event = Event.BGPOpen_with_DelayOpenTimer_running
        self._fsm(e, key, event, opened_hold=opened,
                  reason=f"NOTIFICATION {it.code}" if it.kind == "notification" else "")

    def _fsm(self, e: Edge, key: str, event: Event, *, opened_hold: Fraction | None = None,
             reason: str = "", direct: bool = False) -> None:
        before = state_of(e.fsm[key])
        was_up = e.established()
        v, row = step(e.cfg[key], e.fsm[key], event, self.now, opened_hold=opened_hold)
        if state_of(v) is State.Idle and before is not State.Idle and \
                event is not Event.ManualStop and e.cfg[key].allow_automatic_start and \
                not v.running[Timer.IdleHoldTimer]:
            # AllowAutomaticStart: restart after IdleHoldTime (FRR's start timer).
            running, deadline = dict(v.running), dict(v.deadline)
            running[Timer.IdleHoldTimer] = True
            deadline[Timer.IdleHoldTimer] = self.now + v.idle_hold_time
            v = replace(v, running=running, deadline=deadline)
        e.fsm[key] = v
        self._schedule_timers(e, key)
        self._actions(e, key, row)
        after = state_of(v)
        if was_up and not e.established():
            why = REASONS.get(event, event.name.lower())
            if event is Event.TcpConnectionFails and (direct or e.index in self._direct):
                why = "trigger"
            self._record(e, "down", why, key, direct or e.index in self._direct,
                         reason or f"{before.value} -> {after.value} on {event.name}")
        if not was_up and e.established():
            self._direct.discard(e.index)
            self._record(e, "established", "fsm", key, False, "")
            e.ups += 1
            for end in (e.a, e.b):
                wait = self.coalesce_wait(end)
                if wait is None:
                    self._update_rib(end, self.classes, only_edge=e.index, full=True)
                    continue
                node = self.nodes[end]
                node.coalescing.add(e.index)
                for c in self.classes:  # nothing is advertised on the new connection yet
                    node.adv_out[c].pop(e.index, None)
                self._push(self.now + wait, 0, "coalesced", (end, e.index, e.ups))

    def coalesce_wait(self, key: str) -> Fraction | None:
        """How long ``key`` waits before it sends a newly Established peer its table:
        ``min(coalesce_max, coalesce_time + coalesce_per_peer x peers)``, peers being
        every configured neighbour (FRR's subgroup coalesce time, bgpd/bgp_updgrp.h);
        ``None`` when its profile has no such wait. Worked out when it is needed, from
        the counts as they are, so that a symbolic run records the comparison."""
        p = self.nodes[key].profile
        if not (p.coalesce_time or p.coalesce_per_peer):
            return None
        peers = sum((self.nodes[self.edges[i].other(key)].count
                     for i in self.edges_of[key]), ZERO)
        wait = F(str(p.coalesce_time)) + F(str(p.coalesce_per_peer)) * peers
        cap = F(str(p.coalesce_max))
        return cap if wait > cap else wait

    def _on_coalesced(self, key: str, edge: int, ups: int) -> None:
        """The coalesce wait is over: ``key`` sends the new peer its table, with End-of-RIB
        (FRR's update-group coalesce timer, the profile's ``coalesce_*``)."""
        e = self.edges[edge]
        if e.ups != ups:
            return  # the session went down (and maybe up again) meanwhile
        self.nodes[key].coalescing.discard(edge)
        if e.established():
            self._update_rib(key, self.classes, only_edge=edge, full=True)

    def _record(self, e: Edge, kind: Literal["down", "established"], reason: str, at: str,
                direct: bool, detail: str) -> None:
        count = self.nodes[e.a].count * self.nodes[e.b].count
        self.reach_version += 1
        self.events.append(SessionEvent(self.now, self._session_label(e), count, kind,
                                        reason, at, direct, detail))
        self.last_change = self.now

    def _session_label(self, e: Edge) -> str:
        return session_name(e.a, e.b)

    def _actions(self, e: Edge, key: str, row: Transition) -> None:
        other = e.other(key)
        for a in row.actions:
            if a == INITIATE_TCP:
                self._connect(e, key)
            elif a == DROP_TCP:
                if e.tcp is not None:
                    e.tcp = None
                    self._push(self.now + self.link_delay, 0, "tcp",
                               (e.index, other, Event.TcpConnectionFails))
            elif a == DELETE_ROUTES:
                learned = sorted(c for c, ins in self.nodes[key].adj_in.items()
                                 if e.index in ins)
                if self._keeps_stale(key, row.event):
                    # RFC 4724 helper (RFC 8538 also after NOTIFICATION / hold expiry):
                    # keep the peer's routes, stale, until End-of-RIB or the stale timer.
                    self.nodes[key].stale[e.index] = set(learned)
                    stale_for = F(str(self.nodes[key].profile.stale_time))
                    self._push(self.now + stale_for, 0, "stale_timer", (key, e.index))
                    continue
                # The work is what was actually received over the session.
                routes = sum(self.nodes[key].adj_routes.get((c, e.index), 0) for c in learned)
                self._enqueue(key, [_Item(kind="clear", edge=e.index, routes=routes)])
            elif a in (SEND_OPEN, SEND_KEEPALIVE) or (
                    a.kind == "send_notification" and a.condition is None):
                kind = "open" if a == SEND_OPEN else "keepalive" if a == SEND_KEEPALIVE \
                    else "notification"
                self._send(e, key, _Item(kind=kind, edge=e.index, sender=key,
                                         hold=e.cfg[key].hold_time, code=a.code or 0,
                                         routes=self.nodes[key].count))

    def _keeps_stale(self, key: str, event: Event) -> bool:
        """Graceful restart helper: does ``key`` keep the peer's routes on this drop?"""
        mode = self.nodes[key].profile.graceful_restart
        if mode == "off" or event is Event.ManualStop:
            return False
        if mode == "helper":
            return event is Event.TcpConnectionFails  # RFC 4724: not after NOTIFICATION
        return True  # RFC 8538 N bit: also NOTIFICATION and hold expiry

    def _on_stale_timer(self, key: str, edge: int) -> None:
        node = self.nodes[key]
        if node.stale.get(edge):
            routes = sum(node.adj_routes.get((c, edge), 0) for c in node.stale[edge])
            self._enqueue(key, [_Item(kind="clear", edge=edge, cls="stale", routes=routes)])

    def _send(self, e: Edge, key: str, it: _Item) -> None:
        """A session message (OPEN, KEEPALIVE, NOTIFICATION; RFC 4271 §4) leaves per the
        sender's ``keepalive_tx`` path: through its main loop (``main-loop``), else at
        once (``fifo``, ``priority``)."""
        mode = self.nodes[key].profile.keepalive_tx
        it = replace(it, conn=e.conn)  # made for this connection, and only for it
        if mode == "main-loop":
            peers = self.nodes[e.other(key)].count
            self._local(key, _Item(kind="send", edge=-1, sender=key, message=it.kind,
                                   routes=peers, code=it.code, hold=it.hold,
                                   cls=str(e.index), conn=e.conn))
            return
        # fifo (FRR's keepalive thread) joins the peer's output queue behind the UPDATEs
        # already built, not those the main loop has yet to build (bgp-facts.md); the
        # model has no socket buffers, so a built UPDATE has left and the message leaves
        # at its timer, as with priority. (Discrepancy 10, measured in the lab:
        # docs/validation.md.)
        self._transmit_now(e, key, it)

    def _transmit(self, key: str, it: _Item) -> None:
        e = self.edges[int(it.cls)]
        self._transmit_now(e, key, _Item(kind=it.message, edge=e.index, sender=key,
                                         hold=it.hold, code=it.code,
                                         routes=self.nodes[key].count, conn=it.conn))

    def _transmit_now(self, e: Edge, key: str, it: _Item) -> None:
        if it.conn >= 0 and it.conn != e.conn:
            return  # made for a connection that has closed since: gone with its socket
        if e.tcp is None and it.kind != "notification":
            return
        self._arrive(self.now + self.link_delay, e.other(key), it)
        self._note_sent(e, key)

    def _note_sent(self, e: Edge, key: str) -> None:
        """Every send restarts the SendHoldTimer (RFC 9687) and KeepaliveTimer (§8.2.2)."""
        v = e.fsm[key]
        deadline = dict(v.deadline)
        if v.running[Timer.SendHoldTimer]:
            deadline[Timer.SendHoldTimer] = self.now + send_hold_time(
                PY, e.cfg[key], v.negotiated_hold)
        if v.running[Timer.KeepaliveTimer] and state_of(v) is State.Established:
            deadline[Timer.KeepaliveTimer] = self.now + keepalive_interval(
                PY, e.cfg[key], v.negotiated_hold)
        if deadline != v.deadline:
            e.fsm[key] = replace(v, deadline=deadline)
            self._schedule_timers(e, key)

    def _connect(self, e: Edge, key: str) -> None:
        """``initiate TCP``: the SYN reaches the other end one link delay later."""
        if e.tcp is not None:
            return  # one connection per session (no §6.8 second-connection FSM)
        e.tcp = "pending"
        self._push(self.now + self.link_delay, 0, "syn", (e.index, key))

    def _on_syn(self, edge: int, initiator: str) -> None:
        e = self.edges[edge]
        other = e.other(initiator)
        d = self.link_delay
        if e.tcp != "pending":
            return
        if self.now < e.blocked_until or state_of(e.fsm[other]) is State.Idle:
            e.tcp = None
            self._push(self.now + d, 0, "tcp", (edge, initiator, Event.TcpConnectionFails))
            return
        e.tcp = "up"
        e.conn += 1
        self._push(self.now + d, 0, "tcp", (edge, initiator, Event.Tcp_CR_Acked))
        self._fsm(e, other, Event.TcpConnectionConfirmed)

    def _on_tcp(self, edge: int, key: str, event: Event) -> None:
        e = self.edges[edge]
        if event is Event.Tcp_CR_Acked and e.tcp != "up":
            return  # the connection failed meanwhile
        self._fsm(e, key, event)

    def _on_timer(self, edge: int, key: str, timer: Timer, deadline: Fraction) -> None:
        e = self.edges[edge]
        v = e.fsm[key]
        if not v.running[timer] or v.deadline[timer] != deadline:
            return  # restarted or stopped since
        node = self.nodes[key]
        # The hold time in use: negotiated once an OPEN was accepted, else the OpenSent
        # "large value" (RFC 4271 §8.2.2). Never 0, or the timer would re-arm forever.
        in_use = v.negotiated_hold if v.negotiated_hold > 0 else e.cfg[key].large_hold
        if timer is Timer.HoldTimer and node.profile.keepalive_rx == "rearm-on-backlog" \
                and node.pending_from[(edge, e.conn)] + node.pending_from[(edge, -1)] > 0 \
                and in_use > 0:  # a closed connection's input does not count
            rearm = dict(v.deadline)
            rearm[Timer.HoldTimer] = self.now + in_use
            e.fsm[key] = replace(v, deadline=rearm)
            self._schedule_timers(e, key)
            return
        e.fsm[key] = expire(v, timer)
        self._fsm(e, key, TIMER_EVENT[timer])

    # -- triggers -----------------------------------------------------------------------
    def _on_trigger(self, trig: Trigger) -> None:
        if trig.kind == "flap":
            assert trig.b is not None
            ka, kb = self.view.node_of(trig.a), self.view.node_of(trig.b)
            e = next(self.edges[i] for i in self.edges_of[ka] if self.edges[i].other(ka) == kb)
            e.blocked_until = self.now + trig.down_for
            e.tcp = None
            self._direct.add(e.index)
            for end in (e.a, e.b):
                self._fsm(e, end, Event.TcpConnectionFails, direct=True)
        elif trig.kind == "spike":
            key = self.view.node_of(trig.a)
            self._enqueue(key, [_Item(kind="spike", work=trig.work)])
        elif trig.kind == "pause":
            self._pause(self.view.node_of(trig.a), trig.down_for)
        else:
            key = self.view.node_of(trig.a)
            node = self.nodes[key]
            if node.paused_until > self.now:
                self._wake(key)  # kill -9 of a stopped process: a fresh one starts
            self.restarted.add(key)
            node.epoch += 1
            node.work_dropped += max(F(0), node.work_arrived - node.work_served)
            node.work_arrived = node.work_served
            node.busy_until = self.now
            node.pending_from.clear()
            node.local_items, node.local_changes, node.local_eor = [], [], []
            node.best_edge.clear()
            node.adj_routes.clear()
            self.reach_version += 1
            for c in self.classes:
                node.adj_in[c].clear()
                node.adv_out[c].clear()
            for i in self.edges_of[key]:
                e = self.edges[i]
                self._direct.add(i)
                was_up = e.established()
                if e.tcp is not None:
                    e.tcp = None
                    self._push(self.now + self.link_delay, 0, "tcp",
                               (i, e.other(key), Event.TcpConnectionFails))
                e.fsm[key] = initial_vars(F(str(node.profile.idle_hold_initial)))
                if was_up:
                    self._record(e, "down", "trigger", key, True, "process restart")
                self._fsm(e, key, Event.ManualStart)

    def _pause(self, key: str, for_s: Fraction) -> None:
        """Freeze ``key``'s process for ``for_s`` seconds (SIGSTOP, a hung VM).

        Work in its FIFO is delayed by the pause: every completion still due moves by the
        time the pause adds, and so does the end of its queue. Everything else it would do
        meanwhile (read arrivals, fire timers, send, accept connections) is deferred to its
        waking (:meth:`_wake`). Its peers keep running: with its KEEPALIVEs gone their hold
        timers expire (RFC 4271 §6.5), as FRR's do (docs/validation.md). A second pause that
        overlaps the first extends it to the later end; a restart ends it (a fresh process).
        """
        node = self.nodes[key]
        old = max(self.now, node.paused_until)
        until = max(old, self.now + for_s)
        shift = until - old
        if shift <= 0:
            return
        node.paused_until = until
        if node.busy_until > self.now:
            node.busy_until += shift
        moved = False
        for j, (_k, t, prio, seq, kind, payload) in enumerate(self.heap):
            if kind == "complete" and payload[0] == key:
                t2 = t + shift
                self.heap[j] = (float(t2) if self._float_keys else t2, t2, prio, seq, kind,
                                payload)
                moved = True
        if moved:
            heapq.heapify(self.heap)
        self._push(until, 0, "wake", (key, until))
        self.reach_version += 1

    def _on_wake(self, key: str, until: Fraction) -> None:
        if self.nodes[key].paused_until == until:
            self._wake(key)

    def _wake(self, key: str) -> None:
        """The pause is over: its overdue timers fire first (FRR logs its own hold
        expiries the moment it is resumed, before it reads its sockets), then everything
        else it deferred happens, in the order it would have."""
        node = self.nodes[key]
        node.paused_until = self.now
        deferred, node.deferred = node.deferred, []
        for kind, _prio, payload in deferred:
            if kind == "timer":
                self._push(self.now, -1, kind, payload)
        for kind, prio, payload in deferred:
            if kind != "timer":
                self._push(self.now, prio, kind, payload)

    # -- outcomes -------------------------------------------------------------------------
    def queue_delay(self, key: str) -> Fraction:
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

    def unreachable_pairs(self) -> tuple[Fraction, Fraction]:
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


def _established_vars(cfg: PyConfig, v: PyVars, hold: Fraction) -> PyVars:
    """An FSM in Established at t=0 with negotiated ``hold`` (a zone at rest)."""
    for ev, kw in ((Event.ManualStart, {}), (Event.Tcp_CR_Acked, {}),
                   (Event.BGPOpen, {"opened_hold": hold}), (Event.KeepAliveMsg, {})):
        v, _ = step(cfg, v, ev, F(0), **kw)  # type: ignore[arg-type]
    return v
