"""The vocabulary of the BGP FSM (RFC 4271 §8.1, RFC 9687): states, events, timers, actions.

Kept apart from the transition table (:mod:`bgpcascade.model.fsm`) so that an independent
transcription of RFC 4271 §8.2.2 (tests/rfc4271_fsm_transcription.py) can be written in the
same words without reading the table.

Actions are data. Their string forms (``str(action)``) are what ``bgpcascade fsm --table
--format json`` lists under ``actions`` (a contract).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class State(enum.Enum):
    """RFC 4271 §8.2.2 states."""

    Idle = "Idle"
    Connect = "Connect"
    Active = "Active"
    OpenSent = "OpenSent"
    OpenConfirm = "OpenConfirm"
    Established = "Established"


class Event(enum.IntEnum):
    """RFC 4271 §8.1 events 1-28, and RFC 9687 §3 event 29."""

    ManualStart = 1
    ManualStop = 2
    AutomaticStart = 3
    ManualStart_with_PassiveTcpEstablishment = 4
    AutomaticStart_with_PassiveTcpEstablishment = 5
    AutomaticStart_with_DampPeerOscillations = 6
    AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment = 7
    AutomaticStop = 8
    ConnectRetryTimer_Expires = 9
    HoldTimer_Expires = 10
    KeepaliveTimer_Expires = 11
    DelayOpenTimer_Expires = 12
    IdleHoldTimer_Expires = 13
    TcpConnection_Valid = 14
    Tcp_CR_Invalid = 15
    Tcp_CR_Acked = 16
    TcpConnectionConfirmed = 17
    TcpConnectionFails = 18
    BGPOpen = 19
    BGPOpen_with_DelayOpenTimer_running = 20
    BGPHeaderErr = 21
    BGPOpenMsgErr = 22
    OpenCollisionDump = 23
    NotifMsgVerErr = 24
    NotifMsg = 25
    KeepAliveMsg = 26
    UpdateMsg = 27
    UpdateMsgErr = 28
    SendHoldTimer_Expires = 29


#: RFC 4271 §8.1: events whose Status is "Mandatory".
MANDATORY_EVENTS: frozenset[Event] = frozenset(Event(n) for n in (
    1, 2, 9, 10, 11, 16, 17, 18, 19, 21, 22, 24, 25, 26, 27, 28))


class Timer(enum.Enum):
    """The session's timers (RFC 4271 §8, RFC 9687). Timers are deadlines, never clocks."""

    ConnectRetryTimer = "ConnectRetryTimer"
    HoldTimer = "HoldTimer"
    KeepaliveTimer = "KeepaliveTimer"
    DelayOpenTimer = "DelayOpenTimer"
    IdleHoldTimer = "IdleHoldTimer"
    SendHoldTimer = "SendHoldTimer"


class TimerValue(enum.Enum):
    """What a timer is started with.

    ``initial``: the timer's configured time (ConnectRetryTime, DelayOpenTime, the current
    IdleHoldTime). ``large``: the HoldTimer's "large value" before negotiation (§8.2.2,
    4 minutes suggested). ``negotiated``: HoldTimer = negotiated HoldTime, KeepaliveTimer =
    KeepaliveTime, SendHoldTimer = SendHoldTime; a negotiated value of 0 leaves the timer
    stopped (§8.2.2: "unless the negotiated HoldTime value is zero").
    """

    initial = "initial"
    large = "large"
    negotiated = "negotiated"


class Guard(enum.Enum):
    """Conditions that split one (state, event) into several rows (§8.2.2 "checks ...")."""

    always = ""
    delay_open = "DelayOpen"
    no_delay_open = "not DelayOpen"
    delay_open_timer_running = "DelayOpenTimer running"
    delay_open_timer_stopped = "DelayOpenTimer not running"
    collision = "collision: this connection is dropped"
    no_collision = "no collision"


#: NOTIFICATION error codes (RFC 4271 §4.5, RFC 9687 §3).
NOTIFICATION_CODES: dict[int, str] = {
    1: "Message Header Error",
    2: "OPEN Message Error",
    3: "UPDATE Message Error",
    4: "Hold Timer Expired",
    5: "Finite State Machine Error",
    6: "Cease",
    8: "Send Hold Timer Expired",
}


@dataclass(frozen=True, order=True)
class Action:
    """One action of a transition: a kind and its arguments (``str()`` is the contract)."""

    kind: str
    timer: Timer | None = None
    value: TimerValue | None = None
    code: int | None = None
    condition: str | None = None

    def __str__(self) -> str:
        if self.kind == "start":
            assert self.timer is not None and self.value is not None
            return f"start {self.timer.value}={self.value.value}"
        if self.kind == "stop":
            assert self.timer is not None
            return f"stop {self.timer.value}"
        if self.kind == "send_notification":
            text = f"send NOTIFICATION {self.code} ({NOTIFICATION_CODES[self.code or 0]})"
            return text + (f" if {self.condition}" if self.condition else "")
        return _SIMPLE[self.kind]


_SIMPLE: dict[str, str] = {
    "send_open": "send OPEN",
    "send_keepalive": "send KEEPALIVE",
    "counter_zero": "ConnectRetryCounter := 0",
    "counter_inc": "ConnectRetryCounter += 1",
    "initialize_resources": "initialize resources",
    "release_resources": "release resources",
    "initiate_tcp": "initiate TCP connection",
    "listen": "listen for TCP connection",
    "drop_tcp": "drop TCP connection",
    "reject_tcp": "reject TCP connection",
    "track_connection": "track second connection",
    "process_tcp": "process TCP connection",
    "delete_routes": "delete routes",
    "process_update": "process UPDATE",
    "damp": "damp peer oscillations",
    "check_collision": "check collision (§6.8)",
}


# Constructors: the words a transcription is written in.
def start(timer: Timer, value: TimerValue = TimerValue.initial) -> Action:
    """Start (or restart) ``timer`` with ``value``."""
    return Action("start", timer=timer, value=value)


def stop(timer: Timer) -> Action:
    """Stop ``timer`` and set it to zero (§8.2.2 "sets ... to zero", "stops ... resets")."""
    return Action("stop", timer=timer)


def notify(code: int, condition: str | None = None) -> Action:
    """Send a NOTIFICATION with error ``code`` (optionally only ``if condition``)."""
    return Action("send_notification", code=code, condition=condition)


def act(kind: str) -> Action:
    """A plain action: one of the keys of the simple-action table."""
    if kind not in _SIMPLE:
        raise ValueError(f"unknown action {kind!r}; one of {sorted(_SIMPLE)}")
    return Action(kind)


SEND_OPEN = act("send_open")
SEND_KEEPALIVE = act("send_keepalive")
COUNTER_ZERO = act("counter_zero")
COUNTER_INC = act("counter_inc")
INITIALIZE = act("initialize_resources")
RELEASE = act("release_resources")
INITIATE_TCP = act("initiate_tcp")
LISTEN = act("listen")
DROP_TCP = act("drop_tcp")
REJECT_TCP = act("reject_tcp")
TRACK = act("track_connection")
PROCESS_TCP = act("process_tcp")
DELETE_ROUTES = act("delete_routes")
PROCESS_UPDATE = act("process_update")
DAMP = act("damp")
CHECK_COLLISION = act("check_collision")
