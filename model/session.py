"""A two-speaker session harness: both ends' FSMs, messages in flight, timers as deadlines.

This drives two :mod:`bgpcascade.model.fsm` state machines against each other over one
abstract TCP connection with a fixed one-way delay. It is what the zone dynamics builds
on, and what tests use to check timer behaviour end to end (hold negotiation, keepalives,
hold expiry of a stopped peer, backoff, RFC 9687 send-hold).

Semantics (docs/model.md, "The session FSM"):

- Time advances from event to event; nothing reads a clock. At equal times, message and TCP
  deliveries come before timer expiries (input read before the timer fires), then in the
  order they were scheduled; the two speakers are visited in name order.
- TCP: each end knows the connection it uses (none, or an id). ``initiate TCP`` sends a
  connection request that the other end sees one delay later: if it is listening (any
  state but Idle) and has no other connection, it accepts (TcpConnectionConfirmed, 17)
  and the initiator gets Tcp_CR_Acked (16) one delay after that; otherwise the initiator
  gets TcpConnectionFails (18). Crossing requests (both ends initiate at once) are resolved
  as RFC 4271 §6.8 resolves a collision: the connection initiated by the higher BGP
  Identifier survives (speaker names stand in for identifiers): an end whose own attempt
  is not confirmed yet accepts a request from a higher identifier and abandons its own.
  A request that meets an established connection is refused (no second-connection FSM).
  ``drop TCP`` closes the end's connection; the other end gets TcpConnectionFails one
  delay later, after every message sent before the close (TCP delivers data before FIN).
  Anything that arrives for a connection the receiver no longer uses is discarded.
- Messages: OPEN carries the sender's HoldTime; the receiver checks it (§6.2: 1 or 2 s is
  "Unacceptable Hold Time", OPEN error 2/6, event 22), else raises BGPOpen (19), or 20
  when its DelayOpenTimer runs, with the negotiated hold min(local, remote) (§4.2).
  KEEPALIVE gives KeepAliveMsg (26), UPDATE UpdateMsg (27), NOTIFICATION NotifMsg (25).
- A speaker that enters Idle other than by ManualStop restarts on its own after the
  IdleHoldTimer (AllowAutomaticStart; FRR's start timer, OpenBGPD's IdleHold): if damping
  did not already start the timer, the harness starts it with the current IdleHoldTime.
- Jitter (RFC 4271 §10): with a seed, ConnectRetryTimer and KeepaliveTimer durations are
  multiplied by a factor drawn uniformly from [0.75, 1.0] (exact thousandths); with
  ``hold_jitter`` (BIRD) the HoldTimer too.
- ``pause(name, start, end)``: the process is stopped (SIGSTOP): it handles nothing in
  between; what arrives waits in its socket. When it resumes, its overdue timers fire
  first, then it reads what waited (frr-lab.md: on SIGCONT FRR "expires its own overdue
  hold timers for all peers").
- Every message sent restarts the sender's SendHoldTimer (RFC 9687 §4: the timer is
  restarted whenever sending makes progress; this harness has no socket buffers, so every
  send makes progress). Messages of a connection that one end already closed are still
  delivered to the other end, in order, before that end learns of the close.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from fractions import Fraction

from .fsm import (
    PY,
    TIMER_EVENT,
    PyConfig,
    PyVars,
    Transition,
    due_timers,
    expire,
    initial_vars,
    keepalive_interval,
    send_hold_time,
    state_of,
    step,
)
from .fsm import (
    Config as FsmConfig,
)
from .fsm_vocab import (
    DROP_TCP,
    INITIATE_TCP,
    SEND_KEEPALIVE,
    SEND_OPEN,
    Event,
    State,
    Timer,
)
from .profiles import Profile
from .topology import Timers

_JITTERED = (Timer.ConnectRetryTimer, Timer.KeepaliveTimer)


def session_config(profile: Profile, timers: Timers, *, delay_open: float = 0,
                   damp: bool = True) -> PyConfig:
    """The FSM configuration of one end, from its profile and the timers it proposes.

    HoldTimer in OpenSent: ``profile.open_hold`` (RFC 4271 §8.2.2 "large value", 4 min),
    or the configured hold when the profile says ``None`` (FRR). SendHoldTime: RFC 9687
    with the profile's factor and minimum. Idle hold backoff: the profile's
    ``idle_hold_initial`` doubling to ``idle_hold_max`` (DampPeerOscillations on).
    """
    large = Fraction(str(profile.open_hold)) if profile.open_hold is not None else timers.hold
    return FsmConfig(
        hold_time=timers.hold, keepalive_time=timers.keepalive,
        connect_retry_time=timers.connect_retry, large_hold=large,
        delay_open=delay_open > 0, delay_open_time=Fraction(str(delay_open)),
        damp_peer_oscillations=damp, idle_hold_max=Fraction(str(profile.idle_hold_max)),
        send_hold_factor=Fraction(str(profile.send_hold_factor)),
        send_hold_min=Fraction(str(profile.send_hold_min)),
        allow_automatic_start=True, allow_automatic_stop=False,
        send_notification_without_open=False,
    )


@dataclass(frozen=True)
class Step:
    """One FSM step of one speaker, for the log."""

    t: Fraction
    speaker: str
    event: Event
    before: State
    after: State
    actions: tuple[str, ...]
    note: str = ""

    def __str__(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return (f"t={float(self.t):g} {self.speaker}: {self.before.value} --{self.event.name}"
                f"{note}--> {self.after.value}")


@dataclass
class End:
    """One speaker of the pair."""

    name: str
    cfg: PyConfig
    vars: PyVars
    hold_jitter: bool = False
    paused: list[tuple[Fraction, Fraction]] = field(default_factory=list)

    @property
    def state(self) -> State:
        """Its FSM state."""
        return state_of(self.vars)

    def paused_at(self, t: Fraction) -> Fraction | None:
        """The time it resumes, if it is stopped at ``t``."""
        for start, end in self.paused:
            if start <= t < end:
                return end
        return None


@dataclass(order=True)
class _Delivery:
    t: Fraction
    seq: int
    to: str = field(compare=False)
    event: Event = field(compare=False)
    remote_hold: Fraction | None = field(compare=False, default=None)
    note: str = field(compare=False, default="")
    conn: int = field(compare=False, default=0)
    deferred: bool = field(compare=False, default=False)


class Pair:
    """Two speakers ``a`` and ``b`` and the connection between them."""

    def __init__(self, a: End, b: End, delay: Fraction | int = Fraction(1, 100),
                 seed: int | None = None) -> None:
        self.ends = {a.name: a, b.name: b}
        self.delay = Fraction(delay)
        self.rng = random.Random(seed) if seed is not None else None
        self.now = Fraction(0)
        self.conns = 0                                         # connection ids handed out
        self.conn_of: dict[str, int | None] = dict.fromkeys(self.ends)  # each end's view
        self.pending: dict[str, bool] = dict.fromkeys(self.ends, False)  # own attempt
        self.queue: list[_Delivery] = []
        self.seq = 0
        self.log: list[Step] = []
        self.sent: list[tuple[Fraction, str, str]] = []  # (t, sender, message)

    # -- scheduling ------------------------------------------------------------------------
    def _peer(self, name: str) -> str:
        return next(n for n in self.ends if n != name)

    def _deliver(self, t: Fraction, to: str, event: Event, conn: int,
                 **kw: object) -> None:
        self.seq += 1
        self.queue.append(_Delivery(t, self.seq, to, event, conn=conn, **kw))  # type: ignore[arg-type]
        self.queue.sort()

    def inject(self, t: Fraction | int, name: str, event: Event) -> None:
        """An external event (ManualStart, ManualStop, ...) for ``name`` at ``t``."""
        self.seq += 1
        self.queue.append(_Delivery(Fraction(t), self.seq, name, event, conn=-1))
        self.queue.sort()

    def send_update(self, t: Fraction | int, sender: str) -> None:
        """``sender`` sends an UPDATE at ``t`` (UpdateMsg at the peer one delay later).

        The time must not be in the past of the harness; sending restarts the sender's
        KeepaliveTimer (RFC 4271 §8.2.2 Established: "Each time the local system sends a
        KEEPALIVE or UPDATE message, it restarts its KeepaliveTimer") and SendHoldTimer.
        """
        t = Fraction(t)
        self.run(t)
        end = self.ends[sender]
        conn = self.conn_of[sender]
        if end.state is State.Established and conn is not None:
            self.sent.append((t, sender, "UPDATE"))
            self._restart_send_hold(end)
            if end.vars.running[Timer.KeepaliveTimer]:
                ka = keepalive_interval(PY, end.cfg, end.vars.negotiated_hold)
                self._set_deadline(end, Timer.KeepaliveTimer, t + ka)
            self._deliver(t + self.delay, self._peer(sender), Event.UpdateMsg, conn)

    def _set_deadline(self, end: End, timer: Timer, at: Fraction) -> None:
        deadline = dict(end.vars.deadline)
        deadline[timer] = at
        end.vars = replace(end.vars, deadline=deadline)

    def _restart_send_hold(self, end: End) -> None:
        if end.vars.running[Timer.SendHoldTimer]:
            sht = send_hold_time(PY, end.cfg, end.vars.negotiated_hold)
            self._set_deadline(end, Timer.SendHoldTimer, self.now + sht)

    def pause(self, name: str, start: Fraction | int, end: Fraction | int) -> None:
        """Stop ``name``'s process from ``start`` to ``end`` (SIGSTOP / SIGCONT)."""
        self.ends[name].paused.append((Fraction(start), Fraction(end)))

    # -- running ---------------------------------------------------------------------------
    def _next_timer(self) -> tuple[Fraction, str, Timer] | None:
        best: tuple[Fraction, str, Timer] | None = None
        for name in sorted(self.ends):
            end = self.ends[name]
            for deadline, timer in due_timers(end.vars):
                t = max(deadline, self.now)
                resume = end.paused_at(t)
                if resume is not None:
                    t = resume
                cand = (t, name, timer)
                if best is None or cand < best:
                    best = cand
                break
        return best

    def run(self, until: Fraction | int) -> list[Step]:
        """Process every event up to time ``until``; return the log.

        Order at equal times: deliveries, then timers, then deliveries that waited for a
        stopped process (so a resumed process handles its overdue timers first).
        """
        until = Fraction(until)
        while True:
            msg = self.queue[0] if self.queue else None
            if msg is not None:
                resume = self.ends[msg.to].paused_at(msg.t)
                if resume is not None:  # the receiver is stopped: it reads later
                    self.queue.pop(0)
                    msg.t, msg.deferred = resume, True
                    self.queue.append(msg)
                    self.queue.sort()
                    continue
            timer = self._next_timer()
            take_msg = msg is not None and (
                timer is None or (msg.t, 2 if msg.deferred else 0) < (timer[0], 1))
            if take_msg:
                assert msg is not None
                if msg.t > until:
                    break
                self.queue.pop(0)
                self.now = max(self.now, msg.t)
                self._handle_delivery(msg)
            elif timer is not None:
                t, name, which = timer
                if t > until:
                    break
                self.now = t
                end = self.ends[name]
                end.vars = expire(end.vars, which)
                self._apply(end, TIMER_EVENT[which])
            else:
                break
        self.now = max(self.now, until)
        return self.log

    def _handle_delivery(self, d: _Delivery) -> None:
        end = self.ends[d.to]
        if d.conn == -1:  # an external event
            self._apply(end, d.event, note=d.note)
            return
        if d.event is Event.Tcp_CR_Invalid:  # used internally: a connection request
            peer = self._peer(end.name)
            busy = self.conn_of[end.name] is not None and not (
                self.pending[end.name] and peer > end.name)  # §6.8: higher id wins
            if end.state is State.Idle or busy:
                self._deliver(self.now + self.delay, peer, Event.TcpConnectionFails, d.conn)
                return
            self.conn_of[end.name] = d.conn
            self.pending[end.name] = False
            # The SYN-ACK leaves before anything the acceptor then sends.
            self._deliver(self.now + self.delay, peer, Event.Tcp_CR_Acked, d.conn)
            self._apply(end, Event.TcpConnectionConfirmed)
            return
        if self.conn_of[end.name] != d.conn:
            return  # for a connection this end no longer uses
        if d.event is Event.TcpConnectionFails:
            self.conn_of[end.name] = None
        if d.event is Event.Tcp_CR_Acked:
            self.pending[end.name] = False
        if d.event is Event.BGPOpen:
            remote = d.remote_hold
            assert remote is not None
            if remote != 0 and remote < 3:
                self._apply(end, Event.BGPOpenMsgErr, note="OPEN error 2/6: Unacceptable "
                            f"Hold Time {remote}")
                return
            opened = min(end.cfg.hold_time, remote)
            event = Event.BGPOpen_with_DelayOpenTimer_running \
                if end.vars.running[Timer.DelayOpenTimer] else Event.BGPOpen
            self._apply(end, event, opened_hold=opened, note=f"hold {end.cfg.hold_time} vs "
                        f"{remote}: {opened}")
            return
        self._apply(end, d.event, note=d.note)

    def _apply(self, end: End, event: Event, *, opened_hold: Fraction | None = None,
               note: str = "") -> None:
        before = end.state
        old = end.vars
        new, row = step(end.cfg, old, event, self.now, opened_hold=opened_hold)
        new = self._jitter(end, old, new)
        end.vars = new
        self.log.append(Step(self.now, end.name, event, before, end.state,
                             tuple(str(a) for a in row.actions), note))
        self._effects(end, row)
        if end.state is State.Idle and before is not State.Idle and \
                event is not Event.ManualStop and end.cfg.allow_automatic_start and \
                not end.vars.running[Timer.IdleHoldTimer]:
            running = dict(end.vars.running)
            deadline = dict(end.vars.deadline)
            running[Timer.IdleHoldTimer] = True
            deadline[Timer.IdleHoldTimer] = self.now + end.vars.idle_hold_time
            end.vars = replace(end.vars, running=running, deadline=deadline)

    def _jitter(self, end: End, old: PyVars, new: PyVars) -> PyVars:
        if self.rng is None:
            return new
        timers = list(_JITTERED) + ([Timer.HoldTimer] if end.hold_jitter else [])
        deadline = dict(new.deadline)
        for t in timers:
            restarted = new.running[t] and (not old.running[t] or
                                            new.deadline[t] != old.deadline[t])
            if restarted:
                factor = Fraction(self.rng.randint(750, 1000), 1000)
                deadline[t] = self.now + (new.deadline[t] - self.now) * factor
        return replace(new, deadline=deadline)

    def _effects(self, end: End, row: Transition) -> None:
        """Messages and TCP: what the row's actions send into the network."""
        peer = self._peer(end.name)
        at = self.now + self.delay
        conn = self.conn_of[end.name]
        sends = {SEND_OPEN, SEND_KEEPALIVE}
        if conn is not None and any(a in sends or (a.kind == "send_notification" and
                                                   a.condition is None) for a in row.actions):
            self._restart_send_hold(end)
        for a in row.actions:
            conn = self.conn_of[end.name]
            if a == INITIATE_TCP and conn is None:
                self.conns += 1
                self.conn_of[end.name] = self.conns
                self.pending[end.name] = True
                # The request reaches the peer one delay later (Tcp_CR_Invalid is only the
                # internal tag of a connection request; it never reaches an FSM).
                self._deliver(at, peer, Event.Tcp_CR_Invalid, self.conns)
            elif conn is None:
                continue
            elif a == SEND_OPEN:
                self.sent.append((self.now, end.name, "OPEN"))
                self._deliver(at, peer, Event.BGPOpen, conn, remote_hold=end.cfg.hold_time)
            elif a == SEND_KEEPALIVE:
                self.sent.append((self.now, end.name, "KEEPALIVE"))
                self._deliver(at, peer, Event.KeepAliveMsg, conn)
            elif a.kind == "send_notification" and a.condition is None:
                self.sent.append((self.now, end.name, f"NOTIFICATION {a.code}"))
                self._deliver(at, peer, Event.NotifMsg, conn, note=f"NOTIFICATION {a.code}")
            elif a == DROP_TCP:
                self.conn_of[end.name] = None
                self._deliver(at, peer, Event.TcpConnectionFails, conn)


def make_pair(a: str, a_profile: Profile, a_timers: Timers, b: str, b_profile: Profile,
              b_timers: Timers, *, delay: Fraction | int = Fraction(1, 100),
              seed: int | None = None, start: Iterable[str] | None = None) -> Pair:
    """A pair of speakers in Idle, each given ManualStart at t=0 (or those in ``start``)."""
    ends = []
    for name, profile, timers in ((a, a_profile, a_timers), (b, b_profile, b_timers)):
        ends.append(End(name=name, cfg=session_config(profile, timers),
                        vars=initial_vars(Fraction(str(profile.idle_hold_initial))),
                        hold_jitter=profile.hold_jitter))
    pair = Pair(ends[0], ends[1], delay=delay, seed=seed)
    for name in (start if start is not None else (a, b)):
        pair.inject(0, name, Event.ManualStart)
    return pair
