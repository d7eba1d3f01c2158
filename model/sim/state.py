"""The simulator's state: nodes, session groups, work items, and the event queue.

:class:`SimState` builds the state of a zone's view (one :class:`Node` per speaker or
lockstep group, one :class:`Edge` per session group) and owns the priority queue of
events. The behaviour is layered on it: :mod:`.queues` (FIFOs and batches), :mod:`.ribs`
(RFC 4456 decisions), :mod:`.timers` (each session end's timers), :mod:`.transport`
(socket buffers, TCP back-pressure), :mod:`.sessions` (the FSM at both ends, TCP,
triggers), :mod:`.measurements`, and :mod:`.core` (the step function).
"""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar, Literal, assert_never

from ..arith import exact
from ..fsm import PyConfig, PyVars, state_of
from ..fsm_vocab import State, Timer
from ..load import cost
from ..profiles import Profile
from ..reflection import AdvertisedPath, View
from ..rules import Relation, invert
from ..session import session_config
from ..timing import Timing
from ..topology import Zone, session_name
from .events import BatchDone, Priority, SessionEvent, SimEvent, TimerFired, Trigger

F = Fraction
ZERO = Fraction(0)
#: A batch that waits at least this long counts as backlog (for reconvergence).
BACKLOG_S = Fraction(1, 10)
DEFAULT_LINK_DELAY = Fraction(1, 1000)

#: One outgoing route change: (edge, class, path or None for a withdrawal, routes each
#: member of the receiving node gets from each member of the sender).
Change = tuple[int, str, AdvertisedPath | None, int]

#: A session end's numbers at one negotiated hold: what ``start T=negotiated`` starts
#: each timer with, its SendHoldTime and its KeepaliveTime (``Timers._values``).
TimerValues = tuple[dict[Timer, Fraction], Fraction, Fraction]

#: What a work item is: a session message received (``open``, ``keepalive``,
#: ``notification``), an UPDATE (``update``; ``update-rib`` when an ``io-thread`` reader
#: already gave it to the FSM), an End-of-RIB (``eor``), clearing a session's routes
#: (``clear``), a main-loop message to send (``send``), UPDATEs to build and send
#: (``tx-send``), or a trigger's extra work (``spike``).
ItemKind = Literal["open", "keepalive", "notification", "update", "update-rib", "eor",
                   "clear", "send", "tx-send", "spike"]


@dataclass
class WorkItem:
    """One thing a batch carries: a message from an edge, an UPDATE, or local work."""

    kind: ItemKind
    edge: int = -1
    sender: str = ""
    cls: str = ""
    path: AdvertisedPath | None = None
    routes: int = 0
    code: int = 0
    hold: Fraction = ZERO
    message: ItemKind | Literal[""] = ""  # ``send``: the message the main loop produces
    changes: tuple[Change, ...] = ()
    eor: tuple[int, ...] = ()  # tx-send: edges whose End-of-RIB follows these UPDATEs
    work: Fraction | None = None  # spike: its work units
    conn: int = -1  # a message: the connection it was made for (Edge.conn); -1 local work
    edge_conns: tuple[tuple[int, int], ...] = ()  # tx-send: (edge, connection) when built
    #: A message written to a socket: its bytes (over the sender's members, per member of
    #: the receiver), what it holds of the session's buffers until it is processed
    #: (:mod:`.transport`); 0 for local work and when back-pressure is off.
    wire: Any = 0


class Pipe:
    """One direction of one session group's connection (``sender`` to its peer on
    ``edge``, connection ``conn``): TCP's buffers and the sender's output waiting for
    room (docs/model.md, "TCP back-pressure and the send side"; :mod:`.transport`).

    Every amount is summed over the sender's members, per member of the receiver (a
    lumped group's sessions move in lockstep), so each cap is a session's times the
    sender's count. ``kernel``: bytes written, not yet read by the receiver (in flight,
    in the sender's send buffer or the receiver's receive buffer), at most about
    ``kernel_cap`` = send buffer + receive buffer. ``app``: bytes the receiver has read
    and not processed; it reads while ``app`` is under ``app_cap`` (its receive buffer).
    ``unread``: messages that reached the receiver and wait in its socket, in order.
    ``out``: messages the sender has built and could not write yet, in the order its
    implementation writes them. ``route_bytes``: one route's bytes; ``sizes``: a session
    message's bytes over the sender's members, by kind; ``at_once``: the receiver hands
    session messages to its FSM on receipt (``io-thread``). Amounts are whole bytes
    (``int``) unless a profile's ``route_bytes`` is not whole or a count is symbolic.
    """

    __slots__ = ("app", "app_cap", "at_once", "conn", "edge", "kernel", "kernel_cap", "out",
                 "route_bytes", "sender", "sizes", "unread")

    def __init__(self, edge: int, sender: str, conn: int, caps: tuple[Any, Any],
                 route_bytes: Any, sizes: dict[str, Any], at_once: bool) -> None:
        self.edge = edge
        self.sender = sender
        self.conn = conn
        self.kernel_cap, self.app_cap = caps
        self.route_bytes = route_bytes
        self.sizes = sizes
        self.at_once = at_once
        self.kernel: Any = 0
        self.app: Any = 0
        self.unread: deque[WorkItem] = deque()
        self.out: deque[WorkItem] = deque()


@dataclass
class Edge:
    """A session group between nodes ``a`` and ``b`` (``a.count x b.count`` sessions)."""

    index: int
    a: str
    b: str
    rel_ab: Relation  # the relation of b seen from a (RFC 4456 §2)
    cfg: dict[str, PyConfig]
    fsm: dict[str, PyVars]
    tcp: Literal["pending", "up"] | None = "up"
    blocked_until: Fraction = ZERO  # flap: connections fail until then
    ups: int = 0  # times it became Established in the run (stale coalesce timers)
    conn: int = 0  # connections opened so far: the number of the current (or last) one
    rel_ba: Relation = field(init=False)

    def __post_init__(self) -> None:
        self.rel_ba = invert(self.rel_ab)
        #: Each end's FSM state, kept with ``fsm`` (:class:`_Ends`), and whether both are
        #: Established (:meth:`established`): read on every decision, worked out once.
        self.states: dict[str, State] = {}
        self.up = False
        #: Called with the edge when ``up`` changes (the simulator's cache of each node's
        #: Established sessions, :meth:`SimState.up_edges`).
        self.watch: Callable[[Edge], None] | None = None
        self.fsm = _Ends(self, self.fsm)

    def other(self, node: str) -> str:
        """The other end."""
        return self.b if node == self.a else self.a

    def relation(self, node: str) -> Relation:
        """How ``node`` sees the other end: ``client``, ``rr`` or ``peer``."""
        return self.rel_ab if node == self.a else self.rel_ba

    def established(self) -> bool:
        """Both ends are Established."""
        return self.up

    def _set(self, end: str, v: PyVars) -> None:
        """``end``'s FSM variables became ``v``: its state and ``up`` follow."""
        self.states[end] = state_of(v)
        up = self.states.get(self.a) is State.Established and \
            self.states.get(self.b) is State.Established
        if up is not self.up:
            self.up = up
            if self.watch is not None:
                self.watch(self)


class _Ends(dict[str, PyVars]):
    """An edge's ``fsm``: the FSM variables of its two ends. Setting one keeps the edge's
    cached states (:meth:`Edge._set`)."""

    __slots__ = ("edge",)

    def __init__(self, edge: Edge, ends: dict[str, PyVars]) -> None:
        super().__init__()
        self.edge = edge
        for end, v in ends.items():
            self[end] = v

    def __setitem__(self, end: str, v: PyVars) -> None:
        dict.__setitem__(self, end, v)
        self.edge._set(end, v)


#: The numbers of a node that a zone parameter moves (:meth:`Node.bind`).
NodeParam = Literal["count", "routes", "capacity"]


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
    adj_in: dict[str, dict[int, AdvertisedPath]] = field(default_factory=lambda: defaultdict(dict))
    adv_out: dict[str, dict[int, AdvertisedPath]] = field(default_factory=lambda: defaultdict(dict))
    epoch: int = 0  # bumped on restart: completions of an older epoch are void
    stale: dict[int, set[str]] = field(default_factory=dict)  # GR: edge -> stale classes
    best_edge: dict[str, int] = field(default_factory=dict)  # RR: class -> edge of its best
    adj_routes: dict[tuple[str, int], int] = field(default_factory=dict)  # routes received
    local_items: list[WorkItem] = field(default_factory=list)  # local work of this instant
    local_changes: list[Change] = field(default_factory=list)
    local_eor: list[int] = field(default_factory=list)

    capacity: Fraction = ZERO  # work units per second, exact (set from the profile)
    paused_until: Fraction = ZERO  # a ``pause`` trigger: frozen until then
    #: What its process would have done while paused: (priority, event), in order.
    deferred: list[tuple[Priority, SimEvent]] = field(default_factory=list)
    coalescing: set[int] = field(default_factory=set)  # edges whose table waits
    #: The profile's cost fields as exact rationals, read once (``Queues._work``).
    costs: dict[str, Fraction] = field(default_factory=dict)

    def bind(self, param: NodeParam, value: Any) -> None:
        """Replace one number a zone parameter moves (members, routes per member,
        capacity) by ``value``: the Z3 engine binds a term that shadows the number
        (properties/engines/symbolic.py) before the zone settles at rest."""
        match param:
            case "count":
                self.count = value
            case "routes":
                self.routes = value
            case "capacity":
                self.capacity = value
            case _:  # a new parameter must be bound here, or Z3 would never vary it
                assert_never(param)


class _TimerSlot:
    """One timer of one session end, in a plain run's lazy queue (:meth:`SimState._arm`).

    ``target``: its deadline as last set; ``seqs``: every deadline the eager queue would
    still hold an entry for (as its numerator and denominator: an exact key that hashes
    faster than the Fraction), with the scheduling number of the first such entry;
    ``queued``: the times of its entries in the queue (one, mostly; an earlier deadline
    queues another).
    """

    __slots__ = ("prune_at", "queued", "seqs", "target")

    def __init__(self) -> None:
        self.target: Fraction | None = None
        self.queued: list[Fraction] = []
        self.seqs: dict[tuple[int, int], int] = {}
        self.prune_at = 8


class SimState:
    """The state of a run: the zone's view as nodes and edges, the event queue, and the
    counters the measurements read."""

    #: Plain runs queue their timers lazily (:meth:`_arm`); tests/test_engine.py turns
    #: it off to compare with the eager queue.
    LAZY_TIMERS: ClassVar[bool] = True
    #: Plain runs compute on :class:`~bgpcascade.model.arith.Q` (:meth:`_exact`);
    #: tests/test_engine.py turns it off to compare with plain ``Fraction``.
    FAST_RATIONALS: ClassVar[bool] = True
    #: TCP back-pressure (:mod:`.transport`); tests/test_backpressure.py turns it off to
    #: show that a run whose buffers never fill is the same without it.
    BACKPRESSURE: ClassVar[bool] = True

    def __init__(self, zone: Zone, triggers: Iterable[Trigger], *, expand: bool,
                 link_delay: Fraction, symbolic: bool, timing: Timing) -> None:
        self.zone = zone
        #: A plain run (not symbolic) computes on :class:`~bgpcascade.model.arith.Q`, the
        #: fast exact rational: its clock, durations, capacities and costs are seeded
        #: with it (:meth:`_exact`), so that every time derived from them is one.
        self._plain = not symbolic and self.FAST_RATIONALS
        self._zero = self._exact(F(0))
        #: Phases, jitter and cohorts of this run; a trace records it for replay.
        self.timing = timing
        #: How many times each (edge, end, timer) was set with jitter: the draw's index.
        self._draws: dict[tuple[int, str, Any], int] = {}
        self.triggers = tuple(sorted(triggers, key=lambda t: (t.t, t.label())))
        self.link_delay = self._exact(link_delay)
        #: One node per speaker (``True``) or lumped groups; a trace records it for replay.
        self.expand = expand
        self._build(zone, timing)
        self._init_queue(symbolic)
        self._init_counters()

    def _build(self, zone: Zone, timing: Timing) -> None:
        """The zone's view (:class:`~bgpcascade.model.reflection.View`) as nodes and
        edges, each trigger's speakers on nodes of their own."""
        # One node per speaker (``expand``, or ``cohorts: 0``), else each symmetry group
        # split into the timing's cohorts (lockstep: one node per group).
        k = timing.k
        view = View.from_zone(zone, expand=self.expand or k == 0, cohorts=max(k, 1))
        for trig in self.triggers:
            for name in (trig.a, trig.b):
                if name is not None:
                    view.split(name)
        self.view = view
        self.nodes: dict[str, Node] = {}
        for key, vn in view.nodes.items():
            profile = zone.profile_of(zone.group(vn.group))
            self.nodes[key] = Node(
                key=key, count=vn.count, is_rr=vn.is_rr, cluster_id=vn.cluster_id,
                order=vn.order, profile=profile, routes=vn.routes,
                client_to_client=vn.client_to_client,
                capacity=self._exact(cost(profile, "capacity")))
        #: Each node's place in the zone's order: the tie-break among equal paths.
        self.rank = {k: i for i, k in enumerate(sorted(self.nodes,
                                                       key=lambda k: self.nodes[k].order))}
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

    def _init_queue(self, symbolic: bool) -> None:
        """The event queue, the lazy timers' slots and the pending arrivals and flushes."""
        self.now = self._zero
        self.seq = 0
        # Entries: (key, t, priority, seq, event). In a plain run the key is float(t),
        # which orders like t (float() is monotone) and compares far faster than a
        # Fraction; equal floats fall through to the exact t. A symbolic run keys on t
        # itself, so that every ordering decision is recorded.
        self.heap: list[tuple[Any, Fraction, Priority, int, SimEvent]] = []
        self._float_keys = not symbolic
        #: Lazy timers (:meth:`_arm`): a plain run without pauses (a pause moves timers
        #: to when the process wakes; a symbolic run queues every entry, the reference).
        self._lazy = self.LAZY_TIMERS and not symbolic and \
            not any(t.kind == "pause" for t in self.triggers)
        self._slots: dict[tuple[int, str, Timer], _TimerSlot] = {}
        #: Per session end, its negotiated hold and the numbers its timers run with at it
        #: (``Sessions._values``); per node, the timers its profile jitters.
        self._timer_values: dict[tuple[int, str], tuple[Fraction, TimerValues]] = {}
        self._spans: dict[str, tuple[tuple[Timer, Any, tuple[Fraction, Fraction]], ...]] = {}
        # Pending arrivals and flushes per node, keyed by time through explicit
        # comparisons (never a hash of the time), so that a symbolic run records every
        # "same instant?" decision (properties/engines/symbolic.py).
        self.arrivals: dict[str, list[tuple[Fraction, list[WorkItem]]]] = defaultdict(list)
        self._flushes: dict[str, list[Fraction]] = defaultdict(list)
        #: Each session direction's buffers, by (edge, sender) (:mod:`.transport`).
        self._bp = self.BACKPRESSURE
        self._pipes: dict[tuple[int, str], Pipe] = {}

    def _init_counters(self) -> None:
        """What the run records and the measurements read, and the caches kept with it."""
        self.events: list[SessionEvent] = []
        zero = self._zero
        self.peak_delay: dict[str, Fraction] = dict.fromkeys(self.nodes, zero)
        self.last_change = zero
        self.last_backlog = zero  # completion of the last batch that waited >= BACKLOG_S
        self.processed = 0
        #: Bumped whenever what a speaker has learned or a session's state changes, so that
        #: isolation and reachability peaks are measured after every such step.
        self.reach_version = 0
        #: Speakers a trigger restarted: their own outage is the trigger's direct effect,
        #: so isolation and reachability leave them out (a rebooting hypervisor is not an
        #: outage of the zone).
        self.restarted: set[str] = set()
        self._paused = any(t.kind == "pause" for t in self.triggers)
        #: Session groups whose resets are a trigger's direct effect (docs/model.md,
        #: "Direct effects of a trigger"), each with when its mark ends: ``None`` when the
        #: session is Established again (a flap, a clear, a restart, a pause not yet
        #: over); a time (a paused speaker's catch-up) when it ends then, or when the
        #: session is Established again if it is down then.
        self._direct: dict[int, Fraction | None] = {}
        #: Routes announced and withdrawn in UPDATEs, per (receiver, sender) node, counted
        #: as they reach the receiver's socket (what an MRT dump of the receiver records);
        #: per member of the receiver, summed over the sender's members. The zone starts at
        #: rest, so these count only what the triggers cause.
        self.announced: dict[tuple[str, str], int] = defaultdict(int)
        self.withdrawn: dict[tuple[str, str], int] = defaultdict(int)
        #: Each node's Established session groups, worked out when first asked for after
        #: one of them went up or down (:meth:`up_edges`).
        self._up_of: dict[str, list[int]] = {}
        for e in self.edges:
            e.watch = self._edge_moved
        #: What changed since isolation and reachability were last measured
        #: (:class:`~.measurements.Measurements`): per node, the classes it learned anew,
        #: ``None`` for all of them (a session of it went up or down).
        self._stale: dict[str, set[str] | None] = {}
        #: ``reach_version`` bumps since the last measurement that say what they changed
        #: (in ``_stale``); any other bump makes the next measurement start afresh.
        self._explained = 0

    def _exact(self, x: Fraction) -> Fraction:
        """``x`` as the run computes on it: a :class:`~bgpcascade.model.arith.Q` (the
        same number) in a plain run; as it is in a symbolic run."""
        return exact(x) if self._plain else x

    def _reach_changed(self, key: str | None = None, classes: set[str] | None = None) -> None:
        """What ``key`` has learned of ``classes`` changed, or (no ``key``) a session went
        up or down (its ends are marked by :meth:`_edge_moved`): bump ``reach_version``."""
        self.reach_version += 1
        self._explained += 1
        if key is not None:
            stale = self._stale
            if key not in stale:
                stale[key] = set(classes) if classes is not None else None
            elif (had := stale[key]) is not None:
                if classes is None:
                    stale[key] = None
                else:
                    had |= classes

    def up_edges(self, key: str) -> list[int]:
        """The session groups of ``key`` that are Established, in ``edges_of`` order (the
        list is shared: read it, never change it)."""
        up = self._up_of.get(key)
        if up is None:
            edges = self.edges
            up = self._up_of[key] = [i for i in self.edges_of[key] if edges[i].up]
        return up

    def _edge_moved(self, e: Edge) -> None:
        """``e`` went up or down: its ends' lists of Established sessions are stale."""
        self._up_of.pop(e.a, None)
        self._up_of.pop(e.b, None)
        self._stale[e.a] = self._stale[e.b] = None

    # -- the event queue -----------------------------------------------------------------
    def _push(self, t: Fraction, prio: Priority, event: SimEvent) -> None:
        """Queue ``event`` at ``t`` with ``prio`` (after every event already queued at
        the same time and priority)."""
        self.seq += 1
        # float(t), computed as numbers.Rational.__float__ does, minus its dispatch (and
        # reading Fraction's slots, not its properties).
        if self._float_keys:
            key: Any = t._numerator / t._denominator  # type: ignore[attr-defined]
        else:
            key = t
        heapq.heappush(self.heap, (key, t, prio, self.seq, event))

    def _arm(self, edge: int, end: str, timer: Timer, deadline: Fraction) -> None:
        """A plain run's lazy timer (docs/model.md, "Engine"): ``end``'s running
        ``timer`` on ``edge`` is due at ``deadline``.

        Queuing every running timer at every FSM step (as a symbolic or paused run does,
        :meth:`~.sessions.Sessions._schedule_timers`) fills the queue with entries that
        are void when they come up (the timer was restarted since). Here a timer has one
        entry queued no later than its deadline; an earlier entry that comes up void
        queues the current deadline then (:meth:`_timer_came_up`). Each deadline keeps the
        scheduling number the eager queue would have given its first entry, so events at
        one instant come in the same order.
        """
        slot = self._slots.get((edge, end, timer))
        if slot is None:
            slot = self._slots[(edge, end, timer)] = _TimerSlot()
        target = slot.target
        if target is not deadline and (target is None or target != deadline):
            slot.target = deadline
            exact = (deadline._numerator, deadline._denominator)  # type: ignore[attr-defined]
            if exact not in slot.seqs:
                self.seq += 1
                slot.seqs[exact] = self.seq
                if len(slot.seqs) > slot.prune_at:
                    # d >= now, on the exact numerators and (positive) denominators
                    now = self.now
                    num, den = now._numerator, now._denominator  # type: ignore[attr-defined]
                    slot.seqs = {d: q for d, q in slot.seqs.items()
                                 if d[0] * den >= num * d[1]}
                    slot.prune_at = 2 * len(slot.seqs) + 8
        for q in slot.queued:
            if q is deadline or q <= deadline:
                return
        exact = (deadline._numerator, deadline._denominator)  # type: ignore[attr-defined]
        seq = slot.seqs.get(exact)
        if seq is None:  # (defensive: a deadline set since is always numbered)
            self.seq += 1
            seq = slot.seqs[exact] = self.seq
        slot.queued.append(deadline)
        heapq.heappush(self.heap, (exact[0] / exact[1], deadline,
                                   Priority.TIMER, seq, TimerFired(edge, end, timer, deadline)))

    def _timer_came_up(self, edge: int, end: str, timer: Timer, deadline: Fraction) -> None:
        """A lazy timer's entry for ``deadline`` came up: no entry of it is queued now,
        and entries of that deadline are gone (the first decides; the eager queue's
        others are void)."""
        slot = self._slots[(edge, end, timer)]
        exact = (deadline._numerator, deadline._denominator)  # type: ignore[attr-defined]
        slot.seqs.pop(exact, None)
        queued = slot.queued
        for j, q in enumerate(queued):
            if q is deadline or q == deadline:
                del queued[j]
                break

    def draw_name(self, e: Edge) -> str:
        """The session group ``e`` as the run's random draws know it: its ends' labels
        (:attr:`bgpcascade.model.reflection.Node.label`), which do not change with a
        group's size, so that varying a count varies no phase or jitter draw."""
        v = self.view.nodes
        return session_name(v[e.a].label, v[e.b].label)

    def next_event_time(self) -> Fraction | None:
        """When the next event is due; ``None`` when nothing is queued."""
        return self.heap[0][1] if self.heap else None

    def _delay_batches(self, key: str, shift: Fraction) -> None:
        """Every batch completion of ``key`` still queued happens ``shift`` later (its
        process is paused)."""
        moved = False
        for j, (_k, t, prio, seq, event) in enumerate(self.heap):
            if type(event) is BatchDone and event.key == key:
                t2 = t + shift
                self.heap[j] = (float(t2) if self._float_keys else t2, t2, prio, seq, event)
                moved = True
        if moved:
            heapq.heapify(self.heap)

