"""The BGP session FSM's transition table (RFC 4271 §8.2.2, RFC 9687 §4.3), as data.

:data:`TABLE` maps ``(state, event, guard)`` to ``(next state, actions)``; every (state,
event) pair of events 1-29 is defined (:func:`check_defined`; ``tests/test_fsm.py``
enforces it). Each row keeps the actions the RFC text lists (``rfc_actions``) apart from
what implementations do differently (``added``/``removed``, with ``deviation`` naming the
source), so that the table can be compared row for row with an independent transcription
of §8.2.2 (``tests/rfc4271_fsm_transcription.py``).

The table says WHAT happens; :mod:`bgpcascade.model.fsm` says what each action does to
the session's attributes, and re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

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

# Short names for the rows below (the table reads like the RFC's lists).
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
                     "Established (FRR, BIRD, GoBGP, OpenBGPD; docs/implementations.md), unless "
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
     "(FRR start timer, OpenBGPD IdleHold; docs/implementations.md)")
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

