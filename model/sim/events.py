"""The simulator's events: what starts a scenario, one frozen dataclass per event kind, and
the order of events at one instant.

Every event sits in one priority queue keyed by ``(time, Priority, scheduling order)``
(docs/model.md, "Dynamics"). :func:`bgpcascade.model.sim.core.Sim.step` takes the first
and dispatches on its class.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from ..fsm_vocab import Event, Timer
from ..numbers import json_number
from ..topology import session_name

if TYPE_CHECKING:
    from .state import WorkItem

ZERO = Fraction(0)
TriggerKind = Literal["flap", "spike", "restart", "pause", "clear"]


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
    ``clear``: an operator's ``clear bgp b`` on speaker ``a`` at ``t`` (a hard reset of the
    session ``a~b`` from ``a``'s side): ``a`` stops the session (ManualStop, RFC 4271
    §8.2.2: NOTIFICATION Cease, close) and starts it again (ManualStart); ``b`` reads the
    NOTIFICATION and restarts on its own.
    """

    kind: TriggerKind
    t: Fraction
    a: str
    b: str | None = None
    work: Fraction = ZERO
    down_for: Fraction = ZERO

    def label(self) -> str:
        """The CLI form: ``flap A~B@T``, ``spike S:W@T``, ``restart S@T``, ``pause S:D@T``,
        ``clear A~B@T`` (A the speaker that clears: the order matters)."""
        t = json_number(self.t)
        if self.kind == "clear":
            return f"clear {self.a}~{self.b}@{t}"
        if self.kind == "flap":
            assert self.b is not None
            held = f" down {json_number(self.down_for)}s" if self.down_for else ""
            return f"flap {session_name(self.a, self.b)}@{t}{held}"
        if self.kind == "spike":
            return f"spike {self.a}:{json_number(self.work)}@{t}"
        if self.kind == "pause":
            return f"pause {self.a}:{json_number(self.down_for)}@{t}"
        return f"restart {self.a}@{t}"

    def as_json(self) -> dict[str, Any]:
        """JSON form (in traces and ``simulate --json``)."""
        return {"kind": self.kind, "t": json_number(self.t), "a": self.a, "b": self.b,
                "work": json_number(self.work), "down_for": json_number(self.down_for),
                "label": self.label()}


#: The reason a run reports for a session group that goes down, by the FSM event that took
#: it down (a flap's own TcpConnectionFails reads ``trigger``; other events their name).
REASONS = {
    Event.HoldTimer_Expires: "hold_timer_expired",
    Event.SendHoldTimer_Expires: "send_hold_timer_expired",
    Event.NotifMsg: "notification_received",
    Event.NotifMsgVerErr: "notification_received",
    Event.TcpConnectionFails: "tcp_connection_failed",
    Event.ConnectRetryTimer_Expires: "connect_retry_expired",
}


@dataclass(frozen=True)
class SessionEvent:
    """A session group going down or coming up (``count`` sessions at once): what a run
    reports (``reason``: :data:`REASONS`, ``trigger`` or ``fsm``)."""

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
        return {"t": json_number(self.t), "session": self.session, "count": self.count,
                "kind": self.kind, "reason": self.reason, "at": self.at,
                "direct": self.direct, "detail": self.detail}


class Priority(enum.IntEnum):
    """The order of events due at the same instant: lower first, then the order in which
    they were scheduled. Input is read before the work it causes completes, and both come
    before timers, so a message that arrives as a timer expires is read first (RFC 4271
    §8.2.2 leaves the order open; a daemon's event loop reads its sockets, then runs its
    expired timers)."""

    #: The overdue timers of a process that wakes from a pause fire before anything else
    #: at that instant (FRR expires its own hold timers on SIGCONT before it reads).
    OVERDUE = -1
    #: Arrivals, TCP, triggers, wake-ups, coalesce and stale timers.
    INPUT = 0
    #: A batch of work completes at its node.
    BATCH = 1
    #: An FSM timer reaches its deadline.
    TIMER = 2
    #: What a node produced at this instant joins its FIFO as one batch.
    FLUSH = 3
    #: After everything else of an instant: a woken speaker's backlog is measured
    #: (:class:`CaughtUp`).
    SETTLE = 4


@dataclass(frozen=True, slots=True)
class TriggerFired:
    """A scenario's trigger happens (flap, spike, restart, pause, clear). Priority INPUT."""

    trigger: Trigger


@dataclass(frozen=True, slots=True)
class Arrival:
    """Messages reach node ``key`` at ``t``: all that arrive at one instant are read
    together (``io-thread`` hands the session messages to the FSM at once; the rest
    joins the FIFO as one batch). Priority INPUT."""

    t: Fraction
    key: str


@dataclass(frozen=True, slots=True)
class Syn:
    """The connection request ``initiator`` sent on ``edge`` reaches the other end, which
    accepts or refuses it (RFC 4271 §8.1.3 events 16-18). Priority INPUT."""

    edge: int
    initiator: str


@dataclass(frozen=True, slots=True)
class TcpSignal:
    """A TCP outcome reaches ``key``'s FSM on ``edge``: Tcp_CR_Acked (16) for its own
    request, or TcpConnectionFails (18) for a refused or closed connection. Priority
    INPUT."""

    edge: int
    key: str
    event: Event


@dataclass(frozen=True, slots=True)
class BatchDone:
    """A batch of ``work`` units completes at node ``key`` and its ``items`` take effect
    (void if the process restarted since: ``epoch``). Priority BATCH."""

    key: str
    epoch: int
    items: list[WorkItem]
    work: Fraction


@dataclass(frozen=True, slots=True)
class TimerFired:
    """``timer`` of ``key``'s FSM on ``edge`` reaches ``deadline`` (void if it was
    restarted or stopped since; RFC 4271 §8.1.3 events 9-13, RFC 9687 event 29).
    Priority TIMER, or OVERDUE when a paused process wakes."""

    edge: int
    key: str
    timer: Timer
    deadline: Fraction


@dataclass(frozen=True, slots=True)
class Flush:
    """Everything node ``key`` produced at this instant (UPDATEs to build, main-loop
    messages) becomes one batch in its FIFO. Priority FLUSH."""

    key: str


@dataclass(frozen=True, slots=True)
class StaleTimer:
    """Graceful restart: ``key``'s stale-path time for the routes of ``edge`` is over; the
    ones still stale are cleared (RFC 4724 §4.2). Priority INPUT."""

    key: str
    edge: int


@dataclass(frozen=True, slots=True)
class Coalesced:
    """``key``'s coalesce wait for the peer on ``edge`` is over: it sends the table (FRR
    bgpd/bgp_updgrp.h). ``ups`` tells a stale wait from the current one. Priority INPUT."""

    key: str
    edge: int
    ups: int


@dataclass(frozen=True, slots=True)
class Wake:
    """The pause of ``key``'s process that ends at ``until`` is over. Priority INPUT."""

    key: str
    until: Fraction


@dataclass(frozen=True, slots=True)
class CaughtUp:
    """The instant ``key`` woke from a pause is over: what it queued then (its backlog from
    the pause) is measured, and its sessions' direct marks end when that work is done
    (docs/model.md, "Direct effects of a trigger"). Priority SETTLE."""

    key: str


#: Every kind of event the simulator queues.
SimEvent: TypeAlias = (TriggerFired | Arrival | Syn | TcpSignal | BatchDone | TimerFired | Flush
            | StaleTimer | Coalesced | Wake | CaughtUp)
