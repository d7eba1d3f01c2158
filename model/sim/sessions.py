"""Sessions: the FSM at both ends of every session group, TCP, timers, and the triggers.

Both ends run the table of :mod:`bgpcascade.model.fsm` (RFC 4271 §8, RFC 9687). What the
simulator adds around it (docs/model.md, "Sessions"):

- TCP is one connection per session group, decided when the SYN reaches the other end
  (refused if that end is Idle, or during a flap's ``down_for``). Connections are
  numbered; a message belongs to the connection it was made for and dies with it.
- A received OPEN is judged by :func:`~bgpcascade.model.rules.open_received` (RFC 4271
  §6.2, §8.1.2); a drop to Idle restarts after the IdleHoldTime
  (:func:`~bgpcascade.model.rules.restart_after_drop`).
- Session messages leave per the sender's ``keepalive_tx`` path, then wait for room in
  the socket (:mod:`.transport`); every write restarts the SendHoldTimer (RFC 9687) and,
  in Established, the KeepaliveTimer (§8.2.2).
- Graceful restart (RFC 4724, RFC 8538) keeps a peer's routes stale; FRR's coalesce wait
  delays a new peer's table (bgpd/bgp_updgrp.h).
- Triggers: a flap, a spike of work, a process restart, a pause (SIGSTOP), an
  operator's ``clear bgp`` (ManualStop, then ManualStart).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal, assert_never

from ..arith import fraction
from ..fsm import (
    PY,
    RESTART_ROWS,
    TIMER_EVENT,
    Action,
    PyConfig,
    PyVars,
    Transition,
    expire,
    initial_vars,
    keepalive_interval,
    restart_timers,
    state_of,
    step,
    vars_of,
)
from ..fsm_vocab import (
    DELETE_ROUTES,
    DROP_TCP,
    INITIATE_TCP,
    SEND_KEEPALIVE,
    SEND_OPEN,
    Event,
    State,
    Timer,
)
from ..rules import negotiated_hold, open_received, restart_after_drop
from ..topology import session_name
from .events import (
    REASONS,
    CaughtUp,
    Coalesced,
    Priority,
    SessionEvent,
    StaleTimer,
    Syn,
    TcpSignal,
    TimerFired,
    Trigger,
    Wake,
)
from .state import ZERO, Edge, F, WorkItem
from .transport import Transport

#: What :meth:`Sessions._actions` does for each action of a row: ``tcp`` (initiate TCP),
#: ``drop`` (drop TCP), ``delete`` (delete routes), a message to send, or nothing.
_Plan = tuple[tuple[Literal["tcp", "drop", "delete", "open", "keepalive", "notification"],
                    Action], ...]
_PLANS: dict[int, _Plan] = {}
_MESSAGE_EVENT = {"open": Event.BGPOpen, "keepalive": Event.KeepAliveMsg,
                  "notification": Event.NotifMsg, "update": Event.UpdateMsg}


def established_vars(cfg: PyConfig, v: PyVars, hold: F, zero: F = ZERO) -> PyVars:
    """An FSM in Established at t=0 (``zero``: the run's 0) with negotiated ``hold`` (a
    zone at rest)."""
    for ev, kw in ((Event.ManualStart, {}), (Event.Tcp_CR_Acked, {}),
                   (Event.BGPOpen, {"opened_hold": hold}), (Event.KeepAliveMsg, {})):
        v, _ = step(cfg, v, ev, zero, **kw)  # type: ignore[arg-type]
    return v


class Sessions(Transport):
    """The FSM of every session end, TCP, session messages, and triggers."""

    def _sessions_at_rest(self) -> None:
        """Every session Established with its negotiated hold (RFC 4271 §4.2), each end at
        its own phase of the KeepaliveTimer cycle (:meth:`Timing.phase
        <bgpcascade.model.timing.Timing.phase>`), its timers queued.

        An end at phase ``p`` (a fraction of its keepalive interval ``k``) last sent a
        message at ``-p k``: its KeepaliveTimer is due at ``(1 - p) k`` and its
        SendHoldTimer (RFC 9687) at ``send_hold - p k``; the other end last heard from it
        then, so that end's HoldTimer is due at ``hold - p k`` (§8.2.2: restarted on every
        KEEPALIVE or UPDATE received). Aligned phases (p = 0) are the zone established at
        t = 0, every KeepaliveTimer in phase."""
        for e in self.edges:
            hold = negotiated_hold(e.cfg[e.a].hold_time, e.cfg[e.b].hold_time)
            shift: dict[str, F] = {}
            name = self.draw_name(e)
            for end in (e.a, e.b):
                v = initial_vars(F(str(self.nodes[end].profile.idle_hold_initial)))
                e.fsm[end] = established_vars(e.cfg[end], v, hold, self.now)
                keepalive = keepalive_interval(PY, e.cfg[end], hold)
                shift[end] = keepalive * self.timing.phase(name, self.view.nodes[end].label)
            for end in (e.a, e.b):
                if shift[e.a] or shift[e.b]:
                    v = e.fsm[end]
                    deadline = dict(v.deadline)
                    for timer, by in ((Timer.KeepaliveTimer, shift[end]),
                                      (Timer.SendHoldTimer, shift[end]),
                                      (Timer.HoldTimer, shift[e.other(end)])):
                        if v.running[timer]:
                            deadline[timer] = deadline[timer] - by
                    e.fsm[end] = replace(v, deadline=deadline)
                self._schedule_timers(e, end)

    # -- the FSM at one end of an edge -------------------------------------------------
    def _fsm_message(self, key: str, it: WorkItem) -> None:
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
        event = _MESSAGE_EVENT[it.kind]
        opened = None
        if it.kind == "open":
            event, opened = open_received(e.cfg[key].hold_time, it.hold,
                                          e.fsm[key].running[Timer.DelayOpenTimer])
        self._fsm(e, key, event, opened_hold=opened,
                  reason=f"NOTIFICATION {it.code}" if it.kind == "notification" else "")

    def _fsm(self, e: Edge, key: str, event: Event, *, opened_hold: F | None = None,
             reason: str = "", direct: bool = False) -> None:
        """One FSM step of ``key`` on ``e``, its actions, and what the session's change of
        state means for the zone (a drop recorded, a table sent to a new peer).

        A plain run applies a row that only restarts timers (:data:`RESTART_ROWS
        <bgpcascade.model.fsm.RESTART_ROWS>`: an Established session's KEEPALIVE,
        UPDATE, KeepaliveTimer) without the interpreter (:meth:`_restart_step`)."""
        if opened_hold is None and self._float_keys:
            fast = RESTART_ROWS.get((e.states[key], event))
            if fast is not None:
                self._restart_step(e, key, fast[0], fast[1])
                return
        old = e.fsm[key]
        before = state_of(old)
        was_up = e.established()
        v, row = step(e.cfg[key], old, event, self.now, opened_hold=opened_hold)
        after = state_of(v)
        if after is State.Idle:  # only a session in Idle restarts on its own
            v = restart_after_drop(e.cfg[key].allow_automatic_start, before, event, v,
                                   self.now)
        if self.timing.spread:
            v = self._jittered(e, key, old, v)
        e.fsm[key] = v
        self._schedule_timers(e, key)
        self._actions(e, key, row)
        if was_up and not e.established():
            why = REASONS.get(event, event.name.lower())
            # A trigger's own event (a flap's TCP failure, a clear's ManualStop), or the
            # TCP failure a trigger causes on a session it took down directly.
            marked = self._is_direct(e)
            if direct or (event is Event.TcpConnectionFails and marked
                          and self._direct.get(e.index) is None):
                why = "trigger"
            self._record(e, "down", why, key, direct or marked,
                         reason or f"{before.value} -> {after.value} on {event.name}")
        if not was_up and e.established():
            self._came_up(e, key)

    def _restart_step(self, e: Edge, key: str, row: Transition,
                      timers: tuple[Timer, ...]) -> None:
        """``row`` (a :data:`RESTART_ROWS <bgpcascade.model.fsm.RESTART_ROWS>` row) at
        ``key``: what :func:`~bgpcascade.model.fsm.step` gives, by
        :func:`~bgpcascade.model.fsm.restart_timers` with the session end's values at its
        negotiated hold (:meth:`_values`); the state is kept, so nothing else changes."""
        old = e.fsm[key]
        v = restart_timers(old, timers, self._values(e, key, old.negotiated_hold)[0],
                           self.now)
        if self.timing.spread:
            v = self._jittered(e, key, old, v)
        dict.__setitem__(e.fsm, key, v)  # the state is kept: so are the edge's caches
        self._rearm(e, key, timers)
        self._actions(e, key, row)

    def _is_direct(self, e: Edge) -> bool:
        """Is a reset of ``e`` now a trigger's direct effect (docs/model.md, "Direct
        effects of a trigger")? Yes while its mark lasts: a mark with no end lasts until
        the session is Established again (:meth:`_came_up`); a paused speaker's mark
        lasts until it has caught up (:meth:`_on_caught_up`), after which the mark is
        dropped and a reset is the cascade's."""
        if e.index not in self._direct:
            return False
        until = self._direct[e.index]
        if until is None or self.now <= until:
            return True
        del self._direct[e.index]
        return False

    def _came_up(self, e: Edge, key: str) -> None:
        """Both ends are Established (``key``'s step made it so): each sends its whole
        Adj-RIB-Out for the session, at once or after its coalesce wait. A trigger's mark
        on the session ends here, unless it is a paused speaker's that has not caught up
        yet (docs/model.md, "Direct effects of a trigger")."""
        if e.index in self._direct:
            until = self._direct[e.index]
            if until is None or until < self.now:
                del self._direct[e.index]
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
            self._push(self.now + wait, Priority.INPUT, Coalesced(end, e.index, e.ups))

    def coalesce_wait(self, key: str) -> F | None:
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
        """Record a session group going down or coming up (the run's ``events``)."""
        count = self.nodes[e.a].count * self.nodes[e.b].count
        self._reach_changed()  # its ends were marked as the edge went up or down
        self.events.append(SessionEvent(fraction(self.now), session_name(e.a, e.b), count,
                                        kind, reason, at, direct, detail))
        self.last_change = self.now

    def _actions(self, e: Edge, key: str, row: Transition) -> None:
        """What a row's actions do outside the FSM: TCP, route deletion, messages."""
        plan = _PLANS.get(id(row))
        if plan is None:
            plan = _PLANS[id(row)] = _plan(row)
        for what, a in plan:
            if what == "tcp":
                self._connect(e, key)
            elif what == "drop":
                if e.tcp is not None:
                    e.tcp = None
                    self._push(self.now + self.link_delay, Priority.INPUT,
                               TcpSignal(e.index, e.other(key), Event.TcpConnectionFails))
            elif what == "delete":
                self._delete_routes(e, key, row.event)
            else:
                self._send(e, key, WorkItem(kind=what, edge=e.index, sender=key,
                                            hold=e.cfg[key].hold_time, code=a.code or 0,
                                            routes=self.nodes[key].count, conn=e.conn))

    def _delete_routes(self, e: Edge, key: str, event: Event) -> None:
        """``delete routes`` (RFC 4271 §8.2.2): clear what ``key`` learned over ``e``, as
        queued work; or keep it stale as a graceful-restart helper (RFC 4724, and with
        RFC 8538 also after a NOTIFICATION or hold expiry) until End-of-RIB or the stale
        timer."""
        node = self.nodes[key]
        learned = sorted(c for c, ins in node.adj_in.items() if e.index in ins)
        if self._keeps_stale(key, event):
            node.stale[e.index] = set(learned)
            stale_for = F(str(node.profile.stale_time))
            self._push(self.now + stale_for, Priority.INPUT, StaleTimer(key, e.index))
            return
        # The work is what was actually received over the session.
        routes = sum(node.adj_routes.get((c, e.index), 0) for c in learned)
        self._enqueue(key, [WorkItem(kind="clear", edge=e.index, routes=routes)])

    def _keeps_stale(self, key: str, event: Event) -> bool:
        """Graceful restart helper: does ``key`` keep the peer's routes on this drop?"""
        mode = self.nodes[key].profile.graceful_restart
        if mode == "off" or event is Event.ManualStop:
            return False
        if mode == "helper":
            return event is Event.TcpConnectionFails  # RFC 4724: not after NOTIFICATION
        return True  # RFC 8538 N bit: also NOTIFICATION and hold expiry

    def _on_stale_timer(self, key: str, edge: int) -> None:
        """The stale-path time is over: the routes still stale are cleared, as queued
        work (RFC 4724 §4.2)."""
        node = self.nodes[key]
        if node.stale.get(edge):
            routes = sum(node.adj_routes.get((c, edge), 0) for c in node.stale[edge])
            self._enqueue(key, [WorkItem(kind="clear", edge=edge, cls="stale",
                                         routes=routes)])

    # -- sending ------------------------------------------------------------------------
    def _send(self, e: Edge, key: str, it: WorkItem) -> None:
        """A session message (OPEN, KEEPALIVE, NOTIFICATION; RFC 4271 §4) leaves per the
        sender's ``keepalive_tx`` path: through its main loop (``main-loop``), else at
        once (``fifo``, ``priority``)."""
        mode = self.nodes[key].profile.keepalive_tx
        # ``it`` was made for this connection (``it.conn``), and only for it.
        if mode == "main-loop":
            peers = self.nodes[e.other(key)].count
            self._local(key, WorkItem(kind="send", edge=-1, sender=key, message=it.kind,
                                      routes=peers, code=it.code, hold=it.hold,
                                      cls=str(e.index), conn=e.conn))
            return
        # fifo (FRR's keepalive thread) joins the peer's output queue behind the UPDATEs
        # already built, not those the main loop has yet to build (FRR bgpd/bgp_keepalives.c;
        # discrepancy 10, measured in the lab: docs/validation.md): it leaves at its timer,
        # as with priority, unless the socket is full; then the profile's keepalive_queue
        # says where it waits (:meth:`_put`).
        self._transmit_now(e, key, it)

    def _transmit(self, key: str, it: WorkItem) -> None:
        """The main loop reached a ``send`` item: the message leaves now."""
        e = self.edges[int(it.cls)]
        assert it.message != ""
        self._transmit_now(e, key, WorkItem(kind=it.message, edge=e.index, sender=key,
                                            hold=it.hold, code=it.code,
                                            routes=self.nodes[key].count, conn=it.conn))

    def _transmit_now(self, e: Edge, key: str, it: WorkItem) -> None:
        """A session message leaves on ``e``'s connection and arrives one link delay
        later; a NOTIFICATION still goes out on a connection being closed (TCP sends data
        before the FIN)."""
        if it.conn >= 0 and it.conn != e.conn:
            return  # made for a connection that has closed since: gone with its socket
        if e.tcp is None and it.kind != "notification":
            return
        self._put(e, key, it)

    def _deliver_updates(self, key: str, item: WorkItem) -> None:
        """Built UPDATEs (and End-of-RIBs) leave, each on the connection it was built for:
        one that has closed since takes its output queue with it (a new connection gets
        its own UPDATEs when it is Established)."""
        built = dict(item.edge_conns)
        for i, c, path, routes in item.changes:
            e = self.edges[i]
            if e.tcp != "up" or built.get(i, e.conn) != e.conn:
                continue
            self._put(e, key, WorkItem(kind="update", edge=i, sender=key, cls=c, path=path,
                                       routes=routes, conn=e.conn))
        for i in item.eor:
            e = self.edges[i]
            if e.tcp == "up" and built.get(i, e.conn) == e.conn:
                self._put(e, key, WorkItem(kind="eor", edge=e.index, sender=key,
                                           routes=self.nodes[key].count, conn=e.conn))

    # -- TCP and timers -----------------------------------------------------------------
    def _connect(self, e: Edge, key: str) -> None:
        """``initiate TCP``: the SYN reaches the other end one link delay later."""
        if e.tcp is not None:
            return  # one connection per session (no §6.8 second-connection FSM)
        e.tcp = "pending"
        self._push(self.now + self.link_delay, Priority.INPUT, Syn(e.index, key))

    def _on_syn(self, edge: int, initiator: str) -> None:
        """The SYN arrives: refused (the initiator gets TcpConnectionFails) if the other
        end is Idle or the session is held down; else the acceptor gets
        TcpConnectionConfirmed (17) now and the initiator Tcp_CR_Acked (16) one link
        delay later."""
        e = self.edges[edge]
        other = e.other(initiator)
        d = self.link_delay
        if e.tcp != "pending":
            return
        if self.now < e.blocked_until or state_of(e.fsm[other]) is State.Idle:
            e.tcp = None
            self._push(self.now + d, Priority.INPUT,
                       TcpSignal(edge, initiator, Event.TcpConnectionFails))
            return
        e.tcp = "up"
        e.conn += 1
        self._push(self.now + d, Priority.INPUT, TcpSignal(edge, initiator, Event.Tcp_CR_Acked))
        self._fsm(e, other, Event.TcpConnectionConfirmed)

    def _on_tcp(self, edge: int, key: str, event: Event) -> None:
        """A TCP outcome reaches ``key``'s FSM (RFC 4271 §8.1.3 events 16, 18)."""
        e = self.edges[edge]
        if event is Event.Tcp_CR_Acked and e.tcp != "up":
            return  # the connection failed meanwhile
        self._fsm(e, key, event)

    def _on_timer(self, edge: int, key: str, timer: Timer, deadline: F) -> None:
        """A timer's deadline: its event reaches the FSM, unless it was restarted or
        stopped since, or (``rearm-on-backlog``) the HoldTimer re-arms because input from
        that peer is still queued."""
        e = self.edges[edge]
        v = e.fsm[key]
        current = v.deadline[timer]
        if self._lazy:
            self._timer_came_up(edge, key, timer, deadline)
        # The same object is the same deadline (a symbolic run needs no condition for it);
        # only a deadline set since is compared.
        if not v.running[timer] or (current is not deadline and current != deadline):
            if self._lazy and v.running[timer]:
                self._arm(edge, key, timer, current)  # restarted: due later
            return  # restarted or stopped since
        node = self.nodes[key]
        if timer is Timer.HoldTimer and node.profile.keepalive_rx == "rearm-on-backlog" \
                and node.pending_from[(edge, e.conn)] + node.pending_from[(edge, -1)] > 0:
            # a closed connection's input does not count. The hold time in use:
            # negotiated once an OPEN was accepted, else the OpenSent "large value" (RFC
            # 4271 §8.2.2). Never 0, or the timer would re-arm forever.
            in_use = v.negotiated_hold if v.negotiated_hold > 0 else e.cfg[key].large_hold
            if in_use > 0:
                rearm = dict(v.deadline)
                rearm[Timer.HoldTimer] = self.now + in_use
                dict.__setitem__(e.fsm, key, vars_of(
                    v.state, v.counter, v.idle_hold_time, v.negotiated_hold, v.running,
                    rearm, v.routes_deleted))  # the state is kept
                self._rearm(e, key, (Timer.HoldTimer,))
                return
        dict.__setitem__(e.fsm, key, expire(v, timer))  # the state is kept
        self._fsm(e, key, TIMER_EVENT[timer])

    # -- triggers -----------------------------------------------------------------------
    def _on_trigger(self, trig: Trigger) -> None:
        """A trigger happens. A flap is TcpConnectionFails (event 18) at both ends, with
        connection attempts refused for ``down_for``; a clear is :meth:`_clear`."""
        if trig.kind == "clear":
            self._clear(trig)
        elif trig.kind == "flap":
            e = self._edge_of(trig)
            e.blocked_until = self.now + trig.down_for
            e.tcp = None
            self._direct[e.index] = None
            for end in (e.a, e.b):
                self._fsm(e, end, Event.TcpConnectionFails, direct=True)
        elif trig.kind == "spike":
            key = self.view.node_of(trig.a)
            self._enqueue(key, [WorkItem(kind="spike", work=trig.work)])
        elif trig.kind == "pause":
            self._pause(self.view.node_of(trig.a), trig.down_for)
        elif trig.kind == "restart":
            self._restart(self.view.node_of(trig.a))
        else:  # a new kind must say here what it does
            assert_never(trig.kind)

    def _edge_of(self, trig: Trigger) -> Edge:
        """The session group a flap or a clear names (``a~b``)."""
        assert trig.b is not None
        ka, kb = self.view.node_of(trig.a), self.view.node_of(trig.b)
        return next(self.edges[i] for i in self.edges_of[ka] if self.edges[i].other(ka) == kb)

    def _clear(self, trig: Trigger) -> None:
        """``clear bgp b`` on ``a``: a hard reset of the session from ``a``'s side (FRR's
        ``peer_clear``, bgpd/bgpd.c, called from bgpd/bgp_vty.c, sends a NOTIFICATION
        Cease, subcode Administrative Reset, RFC 4486 §4, and starts the session again).

        ``a`` takes ManualStop (Event 2; RFC 4271 §8.2.2 Established: send NOTIFICATION
        Cease, §6.7, delete routes, release, drop TCP, Idle), then ManualStart (Event 1;
        §8.2.2 Idle: Connect, initiate TCP). ``b`` gets nothing from the trigger: the
        NOTIFICATION reaches it through the message path (Event 25 NotifMsg; or the
        closed connection, Event 18, first if its reader is behind) and it restarts after
        its IdleHoldTime (:func:`~bgpcascade.model.rules.restart_after_drop`). The model
        carries a NOTIFICATION's code, not its subcode. The session going down is the
        trigger's direct effect."""
        e = self._edge_of(trig)
        key = self.view.node_of(trig.a)
        self._direct[e.index] = None
        self._fsm(e, key, Event.ManualStop, direct=True)
        self._fsm(e, key, Event.ManualStart)

    def _restart(self, key: str) -> None:
        """``key``'s process restarts: its queue, RIBs and sessions are lost (the peers
        see the connections close) and it starts every session again (ManualStart)."""
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
            self._direct[i] = None  # until Established again: it has no backlog to drain
            was_up = e.established()
            if e.tcp is not None:
                e.tcp = None
                self._push(self.now + self.link_delay, Priority.INPUT,
                           TcpSignal(i, e.other(key), Event.TcpConnectionFails))
            e.fsm[key] = initial_vars(F(str(node.profile.idle_hold_initial)))
            if was_up:
                self._record(e, "down", "trigger", key, True, "process restart")
            self._fsm(e, key, Event.ManualStart)

    def _pause(self, key: str, for_s: F) -> None:
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
        self._delay_batches(key, shift)
        self._push(until, Priority.INPUT, Wake(key, until))
        self.reach_version += 1
        for i in self.edges_of[key]:
            # Its sessions' resets are the pause's own, until it has caught up (a mark
            # with no end, a flap's or a restart's, is kept as it is).
            if i not in self._direct or self._direct[i] is not None:
                self._direct[i] = until

    def _on_wake(self, key: str, until: F) -> None:
        """The pause ending at ``until`` is over, unless a later pause extended it."""
        if self.nodes[key].paused_until == until:
            self._wake(key)

    def _wake(self, key: str) -> None:
        """The pause is over: its overdue timers fire first (FRR logs its own hold
        expiries the moment it is resumed, before it reads its sockets), then everything
        else it deferred happens, in the order it would have."""
        node = self.nodes[key]
        node.paused_until = self.now
        deferred, node.deferred = node.deferred, []
        for _prio, event in deferred:
            if type(event) is TimerFired:
                self._push(self.now, Priority.OVERDUE, event)
        for prio, event in deferred:
            if type(event) is not TimerFired:
                self._push(self.now, prio, event)
        self._push(self.now, Priority.SETTLE, CaughtUp(key))

    def _on_caught_up(self, key: str) -> None:
        """The instant ``key`` woke is over: everything it deferred was read, its overdue
        timers fired, what they produced joined its FIFO. It has caught up when that work
        is done, at ``max(now, busy_until)``: until then a reset of one of its sessions is
        still the pause's direct effect, and so is a reset of a session that was down
        then until it is Established again; after it, a reset is the cascade's
        (docs/model.md, "Direct effects of a trigger")."""
        node = self.nodes[key]
        if node.paused_until > self.now:
            return  # paused again: the next waking decides
        if self._bp:  # what waited for room in its sockets is written now, after its
            self._drain_all(key)  # overdue timers (a SendHoldTimer among them) fired
        done = node.busy_until if node.busy_until > self.now else self.now
        for i in self.edges_of[key]:
            if self._direct.get(i) is not None:
                self._direct[i] = done


def _plan(row: Transition) -> _Plan:
    """What :meth:`Sessions._actions` does for each of ``row``'s actions, in order."""
    out: list[tuple[Literal["tcp", "drop", "delete", "open", "keepalive", "notification"],
                    Action]] = []
    for a in row.actions:
        if a == INITIATE_TCP:
            out.append(("tcp", a))
        elif a == DROP_TCP:
            out.append(("drop", a))
        elif a == DELETE_ROUTES:
            out.append(("delete", a))
        elif a == SEND_OPEN:
            out.append(("open", a))
        elif a == SEND_KEEPALIVE:
            out.append(("keepalive", a))
        elif a.kind == "send_notification" and a.condition is None:
            out.append(("notification", a))
    return tuple(out)
