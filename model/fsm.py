"""The BGP session FSM as a table (RFC 4271 §8.2.2, RFC 9687 §4.3), and one interpreter.

The table :data:`TABLE` maps ``(state, event, guard)`` to ``(next state, actions)``; every
(state, event) pair of events 1-29 is defined (``tests/test_fsm.py`` enforces it). Each row
keeps the actions the RFC text lists (``rfc_actions``) apart from what implementations do
differently (``added``/``removed``, with ``deviation`` naming the source), so that the
table can be compared row for row with an independent transcription of §8.2.2
(``tests/rfc4271_fsm_transcription.py``).

What an action does to the session's attributes is written ONCE, in :func:`apply_actions`,
against a small arithmetic interface (:class:`Arith`). The Python interpreter
(:func:`step`) runs it on exact numbers (``fractions.Fraction``); the Z3 encoding
(:mod:`bgpcascade.properties.fsm.proofs`) runs the same function on Z3 terms. Timers are
deadlines (an absolute time and a ``running`` flag), never clocks.

Implementation choices where RFC 4271 leaves the behaviour open are listed in
docs/model.md, "The session FSM", each with its source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Generic, Protocol, TypeVar

from .fsm_vocab import (
    CHECK_COLLISION,
    COUNTER_INC,
    COUNTER_ZERO,
    DAMP,
    DELETE_ROUTES,
    DROP_TCP,
    INITIALIZE,
    INITIATE_TCP,
    LISTEN,
    MANDATORY_EVENTS,
    PROCESS_TCP,
    PROCESS_UPDATE,
    REJECT_TCP,
    RELEASE,
    SEND_KEEPALIVE,
    SEND_OPEN,
    TRACK,
    Action,
    Event,
    Guard,
    State,
    Timer,
    TimerValue,
    notify,
    start,
    stop,
)

E = Event
S = State
T = Timer
V = TimerValue


@dataclass(frozen=True)
class Transition:
    """One row of the FSM table.

    ``actions`` = ``rfc_actions`` - ``removed`` + ``added``: what the model does.
    ``rfc_next_state`` is the RFC's next state where the model's differs.
    ``cite`` names the RFC paragraph; ``deviation`` the source of any difference.
    """

    state: State
    event: Event
    guard: Guard
    next_state: State
    rfc_actions: tuple[Action, ...]
    cite: str
    added: tuple[Action, ...] = ()
    removed: tuple[Action, ...] = ()
    deviation: str | None = None
    rfc_next_state: State | None = None

    @property
    def rfc_next(self) -> State:
        """The next state RFC 4271 §8.2.2 gives."""
        return self.rfc_next_state or self.next_state

    @property
    def actions(self) -> tuple[Action, ...]:
        """The actions the model performs, in order."""
        kept = tuple(a for a in self.rfc_actions if a not in self.removed)
        return kept + self.added

    @property
    def mandatory(self) -> bool:
        """The event is mandatory in RFC 4271 §8.1."""
        return self.event in MANDATORY_EVENTS

    def as_json(self) -> dict[str, Any]:
        """The JSON form of ``bgpcascade fsm --table --format json`` (keys are a contract)."""
        return {
            "state": self.state.value,
            "event": self.event.name,
            "event_number": int(self.event),
            "guard": self.guard.value,
            "next_state": self.next_state.value,
            "rfc_next_state": self.rfc_next.value,
            "actions": [str(a) for a in self.actions],
            "mandatory": self.mandatory,
            "cite": self.cite,
            "deviation": self.deviation,
        }


# -- the table -----------------------------------------------------------------------------

_ROWS: list[Transition] = []
START_EVENTS = (E(1), E(3), E(4), E(5), E(6), E(7))
STOP_CRT = stop(T.ConnectRetryTimer)
STOP_DELAY = stop(T.DelayOpenTimer)
START_CRT = start(T.ConnectRetryTimer, V.initial)
HOLD_LARGE = start(T.HoldTimer, V.large)
HOLD_NEG = start(T.HoldTimer, V.negotiated)
KEEPALIVE_NEG = start(T.KeepaliveTimer, V.negotiated)
SENDHOLD_NEG = start(T.SendHoldTimer, V.negotiated)
_NOTIF_OPT = "SendNOTIFICATIONwithoutOPEN"
_ROUTES_ON_EXPIRY = ("implementations delete the peer's routes on every exit from "
                     "Established (FRR, BIRD, GoBGP, OpenBGPD; bgp-facts.md), unless "
                     "graceful restart keeps them; §8.2.2 does not list it for this event")


def _row(state: State, events: Iterable[Event | int], next_state: State,
         actions: Iterable[Action], cite: str, guard: Guard = Guard.always,
         added: Iterable[Action] = (), deviation: str | None = None,
         removed: Iterable[Action] = (), rfc_next_state: State | None = None) -> None:
    for ev in events:
        _ROWS.append(Transition(
            state=state, event=E(ev), guard=guard, next_state=next_state,
            rfc_actions=tuple(actions), cite=cite, added=tuple(added), deviation=deviation,
            removed=tuple(removed), rfc_next_state=rfc_next_state))


def _error_exit(*, notification: Action | None = None, delete: bool = False,
                damp: bool = True) -> tuple[Action, ...]:
    """The recurring teardown: [NOTIFICATION], CRT := 0, [delete routes], release, drop,
    ConnectRetryCounter += 1, [damping]."""
    out: list[Action] = [notification] if notification else []
    out.append(STOP_CRT)
    if delete:
        out.append(DELETE_ROUTES)
    out += [RELEASE, DROP_TCP, COUNTER_INC]
    if damp:
        out.append(DAMP)
    return tuple(out)


# Idle (§8.2.2 "Idle state")
_C = "§8.2.2 Idle"
_row(S.Idle, (1, 3), S.Connect, (INITIALIZE, COUNTER_ZERO, START_CRT, INITIATE_TCP, LISTEN),
     f"{_C}: 'In response to a ManualStart event (Event 1) or an AutomaticStart event "
     "(Event 3)'")
_row(S.Idle, (2, 8), S.Idle, (), f"{_C}: 'ManualStop (Event 2) and AutomaticStop (Event 8) "
     "event are ignored'")
_row(S.Idle, (4, 5), S.Active, (INITIALIZE, COUNTER_ZERO, START_CRT, LISTEN),
     f"{_C}: 'ManualStart_with_PassiveTcpEstablishment event (Event 4) or "
     "AutomaticStart_with_PassiveTcpEstablishment event (Event 5)'")
_row(S.Idle, (6, 7), S.Idle, (), f"{_C}: events 6-7 'used to prevent peer oscillations; the "
     "method ... is outside the scope'", added=(start(T.IdleHoldTimer, V.initial),),
     deviation="implementation choice: a damped automatic start waits IdleHoldTime first "
     "(FRR start timer, OpenBGPD IdleHold; bgp-facts.md)")
_row(S.Idle, (13,), S.Connect, (), f"{_C}: Event 13 'used to prevent peer oscillations'",
     added=(INITIALIZE, START_CRT, INITIATE_TCP, LISTEN),
     deviation="implementation choice: IdleHoldTimer expiry restarts the session like "
     "AutomaticStart, keeping ConnectRetryCounter (the damping history)")
_row(S.Idle, (9, 10, 11, 12, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28),
     S.Idle, (), f"{_C}: 'Any other event (Events 9-12, 15-28) received in the Idle state "
     "does not cause change in the state'")
_row(S.Idle, (14,), S.Idle, (), f"{_C}: Event 14 is not listed; like events 9-12, 15-28 it "
     "changes nothing (no resources are allocated in Idle)")
_row(S.Idle, (29,), S.Idle, (), "RFC 9687 §4.3: the SendHoldTimer only runs in Established; "
     "in Idle the event changes nothing")

# Connect (§8.2.2 "Connect State")
_C = "§8.2.2 Connect"
_row(S.Connect, START_EVENTS, S.Connect, (), f"{_C}: 'The start events (Events 1, 3-7) are "
     "ignored'")
_row(S.Connect, (2,), S.Idle, (DROP_TCP, RELEASE, COUNTER_ZERO, STOP_CRT),
     f"{_C}: 'In response to a ManualStop event (Event 2)'")
_row(S.Connect, (9,), S.Connect, (DROP_TCP, START_CRT, STOP_DELAY, INITIATE_TCP, LISTEN),
     f"{_C}: 'In response to the ConnectRetryTimer_Expires event (Event 9)'")
_row(S.Connect, (12,), S.OpenSent, (SEND_OPEN, HOLD_LARGE),
     f"{_C}: 'If the DelayOpenTimer_Expires event (Event 12) occurs'")
_row(S.Connect, (14,), S.Connect, (PROCESS_TCP,), f"{_C}: 'TcpConnection_Valid event "
     "(Event 14), the TCP connection is processed'")
_row(S.Connect, (15,), S.Connect, (REJECT_TCP,), f"{_C}: 'Tcp_CR_Invalid event (Event 15), "
     "the local system rejects the TCP connection'")
_row(S.Connect, (16, 17), S.Connect, (STOP_CRT, start(T.DelayOpenTimer, V.initial)),
     f"{_C}: 'If the TCP connection succeeds (Event 16 or Event 17) ... DelayOpen ... TRUE'",
     guard=Guard.delay_open)
_row(S.Connect, (16, 17), S.OpenSent, (STOP_CRT, INITIALIZE, SEND_OPEN, HOLD_LARGE),
     f"{_C}: 'If the TCP connection succeeds (Event 16 or Event 17) ... DelayOpen ... FALSE'",
     guard=Guard.no_delay_open)
_row(S.Connect, (18,), S.Active, (START_CRT, STOP_DELAY, LISTEN),
     f"{_C}: 'If the TCP connection fails (Event 18) ... If the DelayOpenTimer is running'",
     guard=Guard.delay_open_timer_running)
_row(S.Connect, (18,), S.Active, (STOP_CRT, DROP_TCP, RELEASE),
     f"{_C}: 'If the TCP connection fails (Event 18) ... If the DelayOpenTimer is not "
     "running'", guard=Guard.delay_open_timer_stopped, rfc_next_state=S.Idle,
     removed=(STOP_CRT, RELEASE), added=(START_CRT, LISTEN),
     deviation="FRR bgpd/bgp_fsm.c: Connect + TCP_connection_open_failed -> Active "
     "(bgp_connect_fail): keep listening and retry on the ConnectRetryTimer, as RFC 1771 "
     "did; with RFC 4271's Idle two ends that fail at once refuse each other forever")
_row(S.Connect, (20,), S.OpenConfirm, (STOP_CRT, INITIALIZE, STOP_DELAY, SEND_OPEN,
                                       SEND_KEEPALIVE, KEEPALIVE_NEG, HOLD_NEG),
     f"{_C}: 'If an OPEN message is received while the DelayOpenTimer is running (Event 20)'")
_row(S.Connect, (21,), S.Idle, (notify(1, _NOTIF_OPT), STOP_CRT, RELEASE, DROP_TCP,
                                COUNTER_INC, DAMP),
     f"{_C}: 'If BGP message header checking (Event 21) ... detects an error'")
_row(S.Connect, (22,), S.Idle, (notify(2, _NOTIF_OPT), STOP_CRT, RELEASE, DROP_TCP,
                                COUNTER_INC, DAMP),
     f"{_C}: '... or OPEN message checking detects an error (Event 22)'")
_row(S.Connect, (24,), S.Idle, (STOP_CRT, STOP_DELAY, RELEASE, DROP_TCP),
     f"{_C}: 'NOTIFICATION message is received with a version error (Event 24) ... If the "
     "DelayOpenTimer is running'", guard=Guard.delay_open_timer_running)
_row(S.Connect, (24,), S.Idle, (STOP_CRT, RELEASE, DROP_TCP, COUNTER_INC, DAMP),
     f"{_C}: 'NOTIFICATION message is received with a version error (Event 24) ... If the "
     "DelayOpenTimer is not running'", guard=Guard.delay_open_timer_stopped)
_row(S.Connect, (8, 10, 11, 13, 19, 23, 25, 26, 27, 28), S.Idle,
     (STOP_CRT, STOP_DELAY, RELEASE, DROP_TCP, COUNTER_INC, DAMP),
     f"{_C}: 'In response to any other events (Events 8, 10-11, 13, 19, 23, 25-28)'")
_row(S.Connect, (29,), S.Idle, (STOP_CRT, STOP_DELAY, RELEASE, DROP_TCP, COUNTER_INC, DAMP),
     "RFC 9687 §4.3 defines Event 29 for Established only; elsewhere it is treated as "
     f"{_C}'s 'any other event'")

# Active (§8.2.2 "Active State")
_C = "§8.2.2 Active"
_row(S.Active, START_EVENTS, S.Active, (), f"{_C}: 'The start events (Events 1, 3-7) are "
     "ignored'")
_row(S.Active, (2,), S.Idle, (notify(6, _NOTIF_OPT), RELEASE, STOP_DELAY, DROP_TCP,
                              COUNTER_ZERO, STOP_CRT),
     f"{_C}: 'In response to a ManualStop event (Event 2)'")
_row(S.Active, (9,), S.Connect, (START_CRT, INITIATE_TCP, LISTEN),
     f"{_C}: 'In response to a ConnectRetryTimer_Expires event (Event 9)'")
_row(S.Active, (12,), S.OpenSent, (STOP_CRT, STOP_DELAY, INITIALIZE, SEND_OPEN, HOLD_LARGE),
     f"{_C}: 'If the local system receives a DelayOpenTimer_Expires event (Event 12)'")
_row(S.Active, (14,), S.Active, (PROCESS_TCP,), f"{_C}: 'TcpConnection_Valid event (Event "
     "14), the local system processes the TCP connection flags'")
_row(S.Active, (15,), S.Active, (REJECT_TCP,), f"{_C}: 'Tcp_CR_Invalid event (Event 15), "
     "the local system rejects the TCP connection'")
_row(S.Active, (16, 17), S.Active, (STOP_CRT, start(T.DelayOpenTimer, V.initial)),
     f"{_C}: 'success of a TCP connection (Event 16 or Event 17) ... DelayOpen ... TRUE'",
     guard=Guard.delay_open)
_row(S.Active, (16, 17), S.OpenSent, (STOP_CRT, INITIALIZE, SEND_OPEN, HOLD_LARGE),
     f"{_C}: 'success of a TCP connection (Event 16 or Event 17) ... DelayOpen ... FALSE'",
     guard=Guard.no_delay_open)
_row(S.Active, (18,), S.Idle, (START_CRT, STOP_DELAY, RELEASE, COUNTER_INC, DAMP),
     f"{_C}: 'If the local system receives a TcpConnectionFails event (Event 18)'")
_row(S.Active, (20,), S.OpenConfirm, (STOP_CRT, STOP_DELAY, INITIALIZE, SEND_OPEN,
                                      SEND_KEEPALIVE, KEEPALIVE_NEG, HOLD_NEG),
     f"{_C}: 'If an OPEN message is received and the DelayOpenTimer is running (Event 20)'")
_row(S.Active, (21,), S.Idle, (notify(1, _NOTIF_OPT), STOP_CRT, RELEASE, DROP_TCP,
                               COUNTER_INC, DAMP),
     f"{_C}: 'If BGP message header checking (Event 21) ... detects an error'")
_row(S.Active, (22,), S.Idle, (notify(2, _NOTIF_OPT), STOP_CRT, RELEASE, DROP_TCP,
                               COUNTER_INC, DAMP),
     f"{_C}: '... or OPEN message checking detects an error (Event 22)'")
_row(S.Active, (24,), S.Idle, (STOP_CRT, STOP_DELAY, RELEASE, DROP_TCP),
     f"{_C}: 'NOTIFICATION message is received with a version error (Event 24) ... If the "
     "DelayOpenTimer is running'", guard=Guard.delay_open_timer_running)
_row(S.Active, (24,), S.Idle, (STOP_CRT, RELEASE, DROP_TCP, COUNTER_INC, DAMP),
     f"{_C}: 'NOTIFICATION message is received with a version error (Event 24) ... If the "
     "DelayOpenTimer is not running'", guard=Guard.delay_open_timer_stopped)
_row(S.Active, (8, 10, 11, 13, 19, 23, 25, 26, 27, 28), S.Idle,
     (STOP_CRT, RELEASE, DROP_TCP, COUNTER_INC, DAMP),
     f"{_C}: 'In response to any other event (Events 8, 10-11, 13, 19, 23, 25-28)'")
_row(S.Active, (29,), S.Idle, (STOP_CRT, RELEASE, DROP_TCP, COUNTER_INC, DAMP),
     "RFC 9687 §4.3 defines Event 29 for Established only; elsewhere it is treated as "
     f"{_C}'s 'any other event'")

# OpenSent (§8.2.2 "OpenSent")
_C = "§8.2.2 OpenSent"
_row(S.OpenSent, START_EVENTS, S.OpenSent, (), f"{_C}: 'The start events (Events 1, 3-7) "
     "are ignored'")
_row(S.OpenSent, (2,), S.Idle, (notify(6), STOP_CRT, RELEASE, DROP_TCP, COUNTER_ZERO),
     f"{_C}: 'If a ManualStop event (Event 2) is issued'")
_row(S.OpenSent, (8,), S.Idle, _error_exit(notification=notify(6)),
     f"{_C}: 'If an AutomaticStop event (Event 8) is issued'")
_row(S.OpenSent, (10,), S.Idle, _error_exit(notification=notify(4)),
     f"{_C}: 'If the HoldTimer_Expires (Event 10)'")
_row(S.OpenSent, (14, 16, 17), S.OpenSent, (TRACK,), f"{_C}: 'If a TcpConnection_Valid "
     "(Event 14), Tcp_CR_Acked (Event 16), or a TcpConnectionConfirmed event (Event 17) ... "
     "tracked per Connection Collision processing'")
_row(S.OpenSent, (15,), S.OpenSent, (), f"{_C}: 'Tcp_CR_Invalid (Event 15) is ignored'")
_row(S.OpenSent, (18,), S.Active, (DROP_TCP, START_CRT, LISTEN),
     f"{_C}: 'If a TcpConnectionFails event (Event 18) is received'", added=(RELEASE,),
     deviation="FRR bgpd/bgp_fsm.c: OpenSent + TCP_connection_closed -> Active through "
     "bgp_stop, which stops every timer; RFC 4271 leaves the large HoldTimer running, and "
     "it would later fire in Connect as an FSM error")
_row(S.OpenSent, (19,), S.OpenConfirm, (STOP_DELAY, STOP_CRT, SEND_KEEPALIVE, KEEPALIVE_NEG,
                                        HOLD_NEG, CHECK_COLLISION),
     f"{_C}: 'If there are no errors in the OPEN message (Event 19)'; 'Collision detection "
     "mechanisms (Section 6.8) need to be applied when a valid BGP OPEN message is "
     "received (Event 19 or Event 20)'")
_row(S.OpenSent, (21,), S.Idle, _error_exit(notification=notify(1)),
     f"{_C}: 'If the BGP message header checking (Event 21) ... detects an error'")
_row(S.OpenSent, (22,), S.Idle, _error_exit(notification=notify(2)),
     f"{_C}: '... or OPEN message checking detects an error (Event 22)'")
_row(S.OpenSent, (23,), S.Idle, _error_exit(notification=notify(6)),
     f"{_C}: 'OpenCollisionDump (Event 23) ... received in the OpenSent state'")
_row(S.OpenSent, (24,), S.Idle, (STOP_CRT, RELEASE, DROP_TCP),
     f"{_C}: 'If a NOTIFICATION message is received with a version error (Event 24)'")
_row(S.OpenSent, (9, 11, 12, 13, 20, 25, 26, 27, 28), S.Idle,
     _error_exit(notification=notify(5)),
     f"{_C}: 'In response to any other event (Events 9, 11-13, 20, 25-28)'")
_row(S.OpenSent, (29,), S.Idle, _error_exit(notification=notify(5)),
     "RFC 9687 §4.3 defines Event 29 for Established only; elsewhere it is treated as "
     f"{_C}'s 'any other event'")

# OpenConfirm (§8.2.2 "OpenConfirm State")
_C = "§8.2.2 OpenConfirm"
_row(S.OpenConfirm, START_EVENTS, S.OpenConfirm, (), f"{_C}: 'Any start event (Events 1, "
     "3-7) is ignored'")
_row(S.OpenConfirm, (2,), S.Idle, (notify(6), RELEASE, DROP_TCP, COUNTER_ZERO, STOP_CRT),
     f"{_C}: 'In response to a ManualStop event (Event 2)'")
_row(S.OpenConfirm, (8,), S.Idle, _error_exit(notification=notify(6)),
     f"{_C}: 'In response to the AutomaticStop event initiated by the system (Event 8)'")
_row(S.OpenConfirm, (10,), S.Idle, _error_exit(notification=notify(4)),
     f"{_C}: 'If the HoldTimer_Expires event (Event 10) occurs before a KEEPALIVE message "
     "is received'")
_row(S.OpenConfirm, (11,), S.OpenConfirm, (SEND_KEEPALIVE, KEEPALIVE_NEG),
     f"{_C}: 'If the local system receives a KeepaliveTimer_Expires event (Event 11)'")
_row(S.OpenConfirm, (14, 16, 17), S.OpenConfirm, (TRACK,), f"{_C}: 'TcpConnection_Valid "
     "event (Event 14), or the success of a TCP connection (Event 16 or Event 17) ... track "
     "the second connection'")
_row(S.OpenConfirm, (15,), S.OpenConfirm, (), f"{_C}: 'invalid port (Event 15) ... ignore "
     "the second connection attempt'")
_row(S.OpenConfirm, (18, 25), S.Idle, _error_exit(),
     f"{_C}: 'TcpConnectionFails event (Event 18) ... or a NOTIFICATION message (Event 25)'")
_row(S.OpenConfirm, (24,), S.Idle, (STOP_CRT, RELEASE, DROP_TCP),
     f"{_C}: 'NOTIFICATION message with a version error (NotifMsgVerErr (Event 24))'")
_row(S.OpenConfirm, (19,), S.Idle, (CHECK_COLLISION, *_error_exit(notification=notify(6))),
     f"{_C}: 'valid OPEN message (BGPOpen (Event 19)) ... If this connection is to be "
     "dropped due to connection collision'", guard=Guard.collision)
_row(S.OpenConfirm, (19,), S.OpenConfirm, (CHECK_COLLISION,),
     f"{_C}: 'valid OPEN message (BGPOpen (Event 19)), the collision detect function is "
     "processed per Section 6.8'; no transition is listed when it is kept",
     guard=Guard.no_collision)
_row(S.OpenConfirm, (21,), S.Idle, _error_exit(notification=notify(1)),
     f"{_C}: 'BGP message header checking (BGPHeaderErr (Event 21)) ... detects an error'")
_row(S.OpenConfirm, (22,), S.Idle, _error_exit(notification=notify(2)),
     f"{_C}: 'OPEN message checking detects an error ... (BGPOpenMsgErr (Event 22))'")
_row(S.OpenConfirm, (23,), S.Idle, _error_exit(notification=notify(6)),
     f"{_C}: 'When the local system receives an OpenCollisionDump event (Event 23)'")
_row(S.OpenConfirm, (26,), S.Established, (HOLD_NEG,),
     f"{_C}: 'If the local system receives a KEEPALIVE message (KeepAliveMsg (Event 26))'",
     added=(SENDHOLD_NEG,), deviation="RFC 9687 §4.3: 'starts the SendHoldTimer if the "
     "SendHoldTime is non-zero'")
_row(S.OpenConfirm, (9, 12, 13, 20, 27, 28), S.Idle, _error_exit(notification=notify(5)),
     f"{_C}: 'In response to any other event (Events 9, 12-13, 20, 27-28)'")
_row(S.OpenConfirm, (29,), S.Idle, _error_exit(notification=notify(5)),
     "RFC 9687 §4.3 defines Event 29 for Established only; elsewhere it is treated as "
     f"{_C}'s 'any other event'")

# Established (§8.2.2 "Established State")
_C = "§8.2.2 Established"
_row(S.Established, START_EVENTS, S.Established, (), f"{_C}: 'Any Start event (Events 1, "
     "3-7) is ignored'")
_row(S.Established, (2,), S.Idle, (notify(6), STOP_CRT, DELETE_ROUTES, RELEASE, DROP_TCP,
                                   COUNTER_ZERO),
     f"{_C}: 'In response to a ManualStop event (initiated by an operator) (Event 2)'")
_row(S.Established, (8,), S.Idle, _error_exit(notification=notify(6), delete=True),
     f"{_C}: 'In response to an AutomaticStop event (Event 8)'")
_row(S.Established, (10,), S.Idle, _error_exit(notification=notify(4)),
     f"{_C}: 'If the HoldTimer_Expires event occurs (Event 10)'",
     added=(DELETE_ROUTES,), deviation=_ROUTES_ON_EXPIRY)
_row(S.Established, (11,), S.Established, (SEND_KEEPALIVE, KEEPALIVE_NEG),
     f"{_C}: 'If the KeepaliveTimer_Expires event occurs (Event 11)'")
_row(S.Established, (14,), S.Established, (TRACK,), f"{_C}: 'A TcpConnection_Valid (Event "
     "14) ... will cause the second connection to be tracked'")
_row(S.Established, (15,), S.Established, (), f"{_C}: 'An invalid TCP connection "
     "(Tcp_CR_Invalid event (Event 15)) will be ignored'")
_row(S.Established, (16, 17), S.Established, (TRACK,), f"{_C}: 'TCP connection is "
     "successfully established (Event 16 or Event 17), the second connection SHALL be "
     "tracked'")
_row(S.Established, (19,), S.Idle, (CHECK_COLLISION, *_error_exit(notification=notify(6),
                                                                  delete=True)),
     f"{_C}: 'If a valid OPEN message (BGPOpen (Event 19)) is received, and if the "
     "CollisionDetectEstablishedState ... this connection needs to be terminated'",
     guard=Guard.collision)
_row(S.Established, (19,), S.Established, (),
     f"{_C}: 'If a valid OPEN message (BGPOpen (Event 19)) is received, and if the "
     "CollisionDetectEstablishedState optional attribute is TRUE' it is checked; the model "
     "does not set that attribute, and no other transition is listed: the session stays",
     guard=Guard.no_collision)
_row(S.Established, (23,), S.Idle, _error_exit(notification=notify(6), delete=True),
     f"{_C}: 'it will process an OpenCollisionDump event (Event 23)'")
_row(S.Established, (18, 24, 25), S.Idle, _error_exit(delete=True, damp=False),
     f"{_C}: 'If the local system receives a NOTIFICATION message (Event 24 or Event 25) or "
     "a TcpConnectionFails (Event 18)'")
_row(S.Established, (26,), S.Established, (HOLD_NEG,),
     f"{_C}: 'If the local system receives a KEEPALIVE message (Event 26)'")
_row(S.Established, (27,), S.Established, (PROCESS_UPDATE, HOLD_NEG),
     f"{_C}: 'If the local system receives an UPDATE message (Event 27)'")
_row(S.Established, (28,), S.Idle, _error_exit(notification=notify(3), delete=True),
     f"{_C}: '... the UPDATE message error handling procedure ... detects an error "
     "(Event 28)'")
_row(S.Established, (9, 12, 13, 20, 21, 22), S.Idle,
     _error_exit(notification=notify(5), delete=True),
     f"{_C}: 'In response to any other event (Events 9, 12-13, 20-22)'")
_row(S.Established, (29,), S.Idle, _error_exit(notification=notify(8)),
     "RFC 9687 §4.3: 'If the SendHoldTimer_Expires event (Event 29) occurs'",
     added=(DELETE_ROUTES,), deviation=_ROUTES_ON_EXPIRY)

#: The whole table, in RFC order of states, then events.
TABLE: tuple[Transition, ...] = tuple(sorted(
    _ROWS, key=lambda r: (list(State).index(r.state), int(r.event), r.guard.value)))

_INDEX: dict[tuple[State, Event], tuple[Transition, ...]] = {}
for _t in TABLE:
    _INDEX[(_t.state, _t.event)] = (*_INDEX.get((_t.state, _t.event), ()), _t)


def rows_for(state: State, event: Event) -> tuple[Transition, ...]:
    """The rows for ``(state, event)``: one, or a pair split by complementary guards."""
    return _INDEX[(state, event)]


# -- session attributes ---------------------------------------------------------------------

N = TypeVar("N")  # a number in the backend: Fraction, or a Z3 arithmetic term
B = TypeVar("B")  # a boolean in the backend: bool, or a Z3 boolean term


class Arith(Protocol[N, B]):
    """The arithmetic the action semantics are written against (Python or Z3)."""

    def const(self, x: int | Fraction) -> N: ...
    def true(self) -> B: ...
    def false(self) -> B: ...
    def ite(self, c: B, a: N, b: N) -> N: ...
    def ite_b(self, c: B, a: B, b: B) -> B: ...
    def lt(self, a: N, b: N) -> B: ...
    def eq(self, a: N, b: N) -> B: ...
    def and_(self, *xs: B) -> B: ...
    def not_(self, x: B) -> B: ...
    def min(self, a: N, b: N) -> N: ...
    def add(self, a: N, b: N) -> N: ...
    def mul(self, a: N, b: N) -> N: ...
    def div(self, a: N, k: int) -> N: ...


@dataclass(frozen=True)
class Config(Generic[N, B]):
    """Constant session attributes (RFC 4271 §8 mandatory and the optional ones we use).

    ``hold_time``/``keepalive_time``: HoldTime and KeepaliveTime configured locally;
    ``large_hold``: HoldTimer in OpenSent (§8.2.2, 4 min; FRR uses the configured hold);
    ``send_hold_factor``/``send_hold_min``: RFC 9687 SendHoldTime = max(min, factor x
    negotiated hold), factor 0 = none; ``idle_hold_max``: cap of the IdleHoldTime backoff.
    """

    hold_time: N
    keepalive_time: N
    connect_retry_time: N
    large_hold: N
    delay_open: B
    delay_open_time: N
    damp_peer_oscillations: B
    idle_hold_max: N
    send_hold_factor: N
    send_hold_min: N
    allow_automatic_start: B
    allow_automatic_stop: B
    send_notification_without_open: B


@dataclass(frozen=True)
class Vars(Generic[N, B]):
    """Variable session attributes. Timers are (running, deadline) pairs.

    ``counter`` is ConnectRetryCounter; ``idle_hold_time`` the current IdleHoldTime (it
    doubles on each damped failure, up to ``Config.idle_hold_max``); ``negotiated_hold``
    the session's HoldTime once an OPEN was accepted (§4.2: min of both OPENs).
    """

    state: N
    counter: N
    idle_hold_time: N
    negotiated_hold: N
    running: Mapping[Timer, B]
    deadline: Mapping[Timer, N]
    routes_deleted: B


STATE_CODE: dict[State, int] = {s: i for i, s in enumerate(State)}
CODE_STATE: dict[int, State] = {i: s for s, i in STATE_CODE.items()}


def keepalive_interval(ar: Arith[N, B], cfg: Config[N, B], hold: N) -> N:
    """KeepaliveTime in use: the configured one, at most a third of the negotiated hold
    (RFC 4271 §10; FRR's bgp_open_receive lowers it the same way)."""
    return ar.min(cfg.keepalive_time, ar.div(hold, 3))


def send_hold_time(ar: Arith[N, B], cfg: Config[N, B], hold: N) -> N:
    """RFC 9687 SendHoldTime for a negotiated ``hold``; 0 means no send-hold timer."""
    scaled = ar.mul(cfg.send_hold_factor, hold)
    longer = ar.ite(ar.lt(scaled, cfg.send_hold_min), cfg.send_hold_min, scaled)
    none = ar.const(0)
    return ar.ite(ar.eq(cfg.send_hold_factor, none), none, longer)


def _timer_value(ar: Arith[N, B], cfg: Config[N, B], v: Vars[N, B], timer: Timer,
                 value: TimerValue) -> N:
    if value is TimerValue.large:
        return cfg.large_hold
    if value is TimerValue.initial:
        return {
            Timer.ConnectRetryTimer: cfg.connect_retry_time,
            Timer.DelayOpenTimer: cfg.delay_open_time,
            Timer.IdleHoldTimer: v.idle_hold_time,
            Timer.HoldTimer: cfg.hold_time,
            Timer.KeepaliveTimer: cfg.keepalive_time,
        }.get(timer, cfg.hold_time)
    hold = v.negotiated_hold
    if timer is Timer.HoldTimer:
        return hold
    if timer is Timer.KeepaliveTimer:
        return ar.ite(ar.eq(hold, ar.const(0)), ar.const(0), keepalive_interval(ar, cfg, hold))
    if timer is Timer.SendHoldTimer:
        return ar.ite(ar.eq(hold, ar.const(0)), ar.const(0), send_hold_time(ar, cfg, hold))
    return hold


def apply_actions(ar: Arith[N, B], cfg: Config[N, B], v: Vars[N, B],
                  actions: Iterable[Action], next_state: State, now: N,
                  opened_hold: N | None = None) -> Vars[N, B]:
    """The effect of ``actions`` on the session attributes: THE semantics of the table.

    - ``start T=value``: T runs until ``now + value``; a value of 0 leaves it stopped.
    - ``stop T``: T stops (its deadline is kept but unused).
    - ``release resources``: stops HoldTimer, KeepaliveTimer, DelayOpenTimer and
      SendHoldTimer (RFC 9687 §4.3: the SendHoldTimer stops with the resources) and
      forgets the negotiated hold.
    - ``ConnectRetryCounter := 0 / += 1``.
    - ``damp peer oscillations``: if DampPeerOscillations, start IdleHoldTimer with the
      current IdleHoldTime, then double IdleHoldTime up to ``idle_hold_max``.
    - ``delete routes``: recorded in ``routes_deleted``.
    - entering OpenConfirm from an OPEN (events 19, 20): the negotiated hold is
      ``opened_hold`` (min of both OPENs, §4.2), set before the timers start.
    Messages sent (OPEN, KEEPALIVE, NOTIFICATION) and TCP actions change no attribute
    here; the session harness carries them.
    """
    running = dict(v.running)
    deadline = dict(v.deadline)
    counter, idle, hold = v.counter, v.idle_hold_time, v.negotiated_hold
    deleted = ar.false()
    acts = tuple(actions)
    if opened_hold is not None and any(a in (KEEPALIVE_NEG, HOLD_NEG) for a in acts):
        hold = opened_hold
    cur = replace(v, negotiated_hold=hold)
    for a in acts:
        cur = replace(cur, negotiated_hold=hold, idle_hold_time=idle)
        if a.kind == "start":
            assert a.timer is not None and a.value is not None
            value = _timer_value(ar, cfg, cur, a.timer, a.value)
            running[a.timer] = ar.not_(ar.eq(value, ar.const(0)))
            deadline[a.timer] = ar.add(now, value)
        elif a.kind == "stop":
            assert a.timer is not None
            running[a.timer] = ar.false()
        elif a == RELEASE:
            for t in (Timer.HoldTimer, Timer.KeepaliveTimer, Timer.DelayOpenTimer,
                      Timer.SendHoldTimer):
                running[t] = ar.false()
            hold = ar.const(0)
        elif a == COUNTER_ZERO:
            counter = ar.const(0)
        elif a == COUNTER_INC:
            counter = ar.add(counter, ar.const(1))
        elif a == DAMP:
            on = cfg.damp_peer_oscillations
            running[Timer.IdleHoldTimer] = ar.ite_b(on, ar.true(),
                                                    running[Timer.IdleHoldTimer])
            deadline[Timer.IdleHoldTimer] = ar.ite(on, ar.add(now, idle),
                                                   deadline[Timer.IdleHoldTimer])
            doubled = ar.min(ar.add(idle, idle), cfg.idle_hold_max)
            idle = ar.ite(on, doubled, idle)
        elif a == DELETE_ROUTES:
            deleted = ar.true()
    return Vars(state=ar.const(STATE_CODE[next_state]), counter=counter,
                idle_hold_time=idle, negotiated_hold=hold, running=running,
                deadline=deadline, routes_deleted=deleted)


def guard_holds(ar: Arith[N, B], cfg: Config[N, B], v: Vars[N, B], guard: Guard,
                collision: B) -> B:
    """Whether ``guard`` holds (``collision``: the caller's §6.8 collision verdict)."""
    if guard is Guard.always:
        return ar.true()
    if guard is Guard.delay_open:
        return cfg.delay_open
    if guard is Guard.no_delay_open:
        return ar.not_(cfg.delay_open)
    if guard is Guard.delay_open_timer_running:
        return v.running[Timer.DelayOpenTimer]
    if guard is Guard.delay_open_timer_stopped:
        return ar.not_(v.running[Timer.DelayOpenTimer])
    if guard is Guard.collision:
        return collision
    return ar.not_(collision)


# -- the Python backend and interpreter ------------------------------------------------------


class PyArith:
    """Exact arithmetic on Fractions and bools."""

    def const(self, x: int | Fraction) -> Fraction:
        return Fraction(x)

    def true(self) -> bool:
        return True

    def false(self) -> bool:
        return False

    def ite(self, c: bool, a: Fraction, b: Fraction) -> Fraction:
        return a if c else b

    def ite_b(self, c: bool, a: bool, b: bool) -> bool:
        return a if c else b

    def lt(self, a: Fraction, b: Fraction) -> bool:
        return a < b

    def eq(self, a: Fraction, b: Fraction) -> bool:
        return a == b

    def and_(self, *xs: bool) -> bool:
        return all(xs)

    def not_(self, x: bool) -> bool:
        return not x

    def min(self, a: Fraction, b: Fraction) -> Fraction:
        return min(a, b)

    def add(self, a: Fraction, b: Fraction) -> Fraction:
        return a + b

    def mul(self, a: Fraction, b: Fraction) -> Fraction:
        return a * b

    def div(self, a: Fraction, k: int) -> Fraction:
        return a / k


PY = PyArith()
PyConfig = Config[Fraction, bool]
PyVars = Vars[Fraction, bool]


def initial_vars(idle_hold_initial: Fraction | int = 1) -> PyVars:
    """A session in Idle, every timer stopped, ConnectRetryCounter 0."""
    return Vars(state=Fraction(STATE_CODE[State.Idle]), counter=Fraction(0),
                idle_hold_time=Fraction(idle_hold_initial), negotiated_hold=Fraction(0),
                running=dict.fromkeys(Timer, False), deadline=dict.fromkeys(Timer, Fraction(0)),
                routes_deleted=False)


def state_of(v: PyVars) -> State:
    """The FSM state of ``v``."""
    return CODE_STATE[int(v.state)]


def select(cfg: PyConfig, v: PyVars, event: Event, collision: bool = False) -> Transition:
    """The row that applies to ``event`` in ``v`` (exactly one guard holds)."""
    rows = [r for r in rows_for(state_of(v), event)
            if guard_holds(PY, cfg, v, r.guard, collision)]
    assert len(rows) == 1, (state_of(v), event, rows)
    return rows[0]


def step(cfg: PyConfig, v: PyVars, event: Event, now: Fraction, *, collision: bool = False,
         opened_hold: Fraction | None = None) -> tuple[PyVars, Transition]:
    """Apply ``event`` at time ``now``: the selected row's actions on ``v``."""
    row = select(cfg, v, event, collision)
    return apply_actions(PY, cfg, v, row.actions, row.next_state, now, opened_hold), row


def due_timers(v: PyVars) -> list[tuple[Fraction, Timer]]:
    """Running timers as (deadline, timer), earliest first."""
    return sorted(((v.deadline[t], t) for t in Timer if v.running[t]),
                  key=lambda dt: (dt[0], dt[1].value))


TIMER_EVENT: dict[Timer, Event] = {
    Timer.ConnectRetryTimer: Event.ConnectRetryTimer_Expires,
    Timer.HoldTimer: Event.HoldTimer_Expires,
    Timer.KeepaliveTimer: Event.KeepaliveTimer_Expires,
    Timer.DelayOpenTimer: Event.DelayOpenTimer_Expires,
    Timer.IdleHoldTimer: Event.IdleHoldTimer_Expires,
    Timer.SendHoldTimer: Event.SendHoldTimer_Expires,
}


def expire(v: PyVars, timer: Timer) -> PyVars:
    """``timer`` fired: it is no longer running (the event is applied next)."""
    running = dict(v.running)
    running[timer] = False
    return replace(v, running=running)


def table_json() -> list[dict[str, Any]]:
    """The table as JSON rows (``bgpcascade fsm --table --format json``)."""
    return [t.as_json() for t in TABLE]


def check_defined(table: Iterable[Transition] = TABLE) -> list[str]:
    """Problems with the table's coverage: missing (state, event) pairs, non-complementary
    guards. Empty when every pair of 6 states x 29 events is defined exactly once."""
    problems: list[str] = []
    by_pair: dict[tuple[State, Event], list[Guard]] = {}
    for t in table:
        by_pair.setdefault((t.state, t.event), []).append(t.guard)
    pairs = {
        frozenset({Guard.always}),
        frozenset({Guard.delay_open, Guard.no_delay_open}),
        frozenset({Guard.delay_open_timer_running, Guard.delay_open_timer_stopped}),
        frozenset({Guard.collision, Guard.no_collision}),
    }
    for s in State:
        for e in Event:
            guards = by_pair.get((s, e))
            if guards is None:
                problems.append(f"({s.value}, {e.name}) is not defined")
            elif len(guards) != len(set(guards)) or frozenset(guards) not in pairs:
                problems.append(f"({s.value}, {e.name}) guards {[g.value for g in guards]} "
                                "are not one unconditional row or a complementary pair")
    return problems
