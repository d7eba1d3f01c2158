"""An independent transcription of RFC 4271 §8.2.2 (the BGP FSM) for the mandatory events.

This module is DATA, not a test (its name does not start with ``test_``). It was written by
reading the RFC 4271 text (§8.1 event definitions, §8.2.2 per-state descriptions) and
``model/fsm_vocab.py`` only, without reading the implementation's transition table, so that
a test may compare the two. Agreement between two independent readings is evidence; a
disagreement points at a place where one of them (or the RFC) needs a second look.

Scope: every mandatory event of §8.1 (Events 1, 2, 9, 10, 11, 16, 17, 18, 19, 21, 22, 24, 25,
26, 27, 28) in every state (Idle, Connect, Active, OpenSent, OpenConfirm, Established). One
:class:`Row` per (state, event, guard): the next state, the SET of actions (the RFC's order
is not kept), and ``cite``: the state section and the sentence the row comes from. Rows that
come from an "any other event (Events ...)" list are expanded one per event, and their cite
names the event they were expanded for ("expanded: Event N").

Mapping rules (applied uniformly; words are those of ``model/fsm_vocab.py``):

* "starts/restarts the X timer (with the initial value)", "sets the DelayOpenTimer to the
  initial value" -> ``start(Timer.X, TimerValue.initial)``; "sets the HoldTimer to a large
  value" -> ``start(HoldTimer, large)``; HoldTimer/KeepaliveTimer "according to / to the
  negotiated value", "restarts the HoldTimer", "restarts its KeepaliveTimer", "sets a
  KeepaliveTimer" after negotiation -> ``start(..., TimerValue.negotiated)``. A clause "unless
  / if the negotiated HoldTime is zero" is covered by ``negotiated`` (0 = stopped): no guard.
* "sets X to zero", "stops X and sets it to zero", "stops and clears/resets X", "resets X to
  zero", "if X is running, stops and resets X" -> ``stop(Timer.X)``.
* NOTIFICATION: Cease -> ``notify(6)``; Hold Timer Expired -> ``notify(4)``; Finite State
  Machine Error -> ``notify(5)``; Update error -> ``notify(3)``; "the appropriate error code"
  -> ``notify(1)`` for Event 21 and ``notify(2)`` for Event 22. A NOTIFICATION that depends on
  the SendNOTIFICATIONwithoutOPEN attribute -> ``notify(code, "SendNOTIFICATIONwithoutOPEN")``.
* "(optionally) performs peer oscillation damping if DampPeerOscillations ..." -> ``DAMP``,
  listed wherever the RFC mentions it, and only there.
* "initializes all BGP resources" / "completes (the) BGP initialization" -> ``INITIALIZE``;
  "releases (all) BGP resources" -> ``RELEASE``; "drops the TCP connection" / "closes the BGP
  connection" -> ``DROP_TCP``; "initiates a TCP connection" -> ``INITIATE_TCP``; "listens /
  continues to listen for a connection" -> ``LISTEN``; "the second connection is tracked /
  needs to track / SHALL be tracked" -> ``TRACK``; "deletes all routes associated with this
  connection" -> ``DELETE_ROUTES``; "processes the message" (UPDATE) -> ``PROCESS_UPDATE``;
  collision detection per §6.8 applied to a received OPEN -> ``CHECK_COLLISION``;
  ConnectRetryCounter "sets to zero" -> ``COUNTER_ZERO``, "increments (by 1 / by one)" ->
  ``COUNTER_INC``.
* "is ignored" / "does not cause change in the state" -> same state, no actions.
* Guards are ``Guard.always`` unless the RFC splits the case: Connect/Active + 16/17 on the
  DelayOpen attribute; Connect + 18 and Connect/Active + 24 on whether the DelayOpenTimer is
  running; OpenConfirm/Established + 19 on whether collision detection drops this connection.

Where the RFC is silent or ambiguous the choice made is stated in the row's cite (after
"CHOICE:"); the same list is in the report that accompanied this file.
"""

from __future__ import annotations

from dataclasses import dataclass

from bgpcascade.model.fsm_vocab import (
    CHECK_COLLISION,
    COUNTER_INC,
    COUNTER_ZERO,
    DAMP,
    DELETE_ROUTES,
    DROP_TCP,
    INITIALIZE,
    INITIATE_TCP,
    LISTEN,
    PROCESS_UPDATE,
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


@dataclass(frozen=True)
class Row:
    """One transition of RFC 4271 §8.2.2: in ``state``, on ``event``, when ``guard`` holds."""

    state: State
    event: Event
    guard: Guard
    next_state: State
    actions: frozenset[Action]
    cite: str


S = State
E = Event
G = Guard
CRT = Timer.ConnectRetryTimer
HOLD = Timer.HoldTimer
KA = Timer.KeepaliveTimer
DOT = Timer.DelayOpenTimer
INITIAL = TimerValue.initial
LARGE = TimerValue.large
NEGOTIATED = TimerValue.negotiated
SNWO = "SendNOTIFICATIONwithoutOPEN"

NONE: frozenset[Action] = frozenset()


def acts(*actions: Action) -> frozenset[Action]:
    """The set of actions of one row."""
    return frozenset(actions)


def _expanded(cite: str, event: Event) -> str:
    return f"{cite} (expanded: Event {int(event)})"


# ---------------------------------------------------------------------------------------------
# Idle state
# ---------------------------------------------------------------------------------------------

_IDLE_OTHER = ("§8.2.2 Idle: 'Any other event (Events 9-12, 15-28) received in the Idle state "
               "does not cause change in the state of the local system.'")

IDLE: tuple[Row, ...] = (
    Row(S.Idle, E.ManualStart, G.always, S.Connect,
        acts(INITIALIZE, COUNTER_ZERO, start(CRT, INITIAL), INITIATE_TCP, LISTEN),
        "§8.2.2 Idle: 'In response to a ManualStart event (Event 1) or an AutomaticStart event "
        "(Event 3), the local system: initializes all BGP resources for the peer connection, "
        "sets ConnectRetryCounter to zero, starts the ConnectRetryTimer with the initial value, "
        "initiates a TCP connection to the other BGP peer, listens for a connection ... and "
        "changes its state to Connect.'"),
    Row(S.Idle, E.ManualStop, G.always, S.Idle, NONE,
        "§8.2.2 Idle: 'The ManualStop event (Event 2) and AutomaticStop (Event 8) event are "
        "ignored in the Idle state.'"),
    *(
        Row(S.Idle, ev, G.always, S.Idle, NONE, _expanded(_IDLE_OTHER, ev))
        for ev in (E.ConnectRetryTimer_Expires, E.HoldTimer_Expires, E.KeepaliveTimer_Expires,
                   E.Tcp_CR_Acked, E.TcpConnectionConfirmed, E.TcpConnectionFails, E.BGPOpen,
                   E.BGPHeaderErr, E.BGPOpenMsgErr, E.NotifMsgVerErr, E.NotifMsg,
                   E.KeepAliveMsg, E.UpdateMsg, E.UpdateMsgErr)
    ),
)

# ---------------------------------------------------------------------------------------------
# Connect state
# ---------------------------------------------------------------------------------------------

_CONNECT_TCP_OK = ("§8.2.2 Connect: 'If the TCP connection succeeds (Event 16 or Event 17), the "
                   "local system checks the DelayOpen attribute prior to processing.")
_CONNECT_DELAY = (_CONNECT_TCP_OK + " If the DelayOpen attribute is set to TRUE, the local "
                  "system: stops the ConnectRetryTimer (if running) and sets the "
                  "ConnectRetryTimer to zero, sets the DelayOpenTimer to the initial value, and "
                  "stays in the Connect state.'")
_CONNECT_NO_DELAY = (_CONNECT_TCP_OK + " ... If the DelayOpen attribute is set to FALSE, the "
                     "local system: stops the ConnectRetryTimer (if running) and sets the "
                     "ConnectRetryTimer to zero, completes BGP initialization, sends an OPEN "
                     "message to its peer, sets the HoldTimer to a large value, and changes its "
                     "state to OpenSent.'")
_CONNECT_HDR_OPEN_ERR = ("§8.2.2 Connect: 'If BGP message header checking (Event 21) or OPEN "
                         "message checking detects an error (Event 22) (see Section 6.2), the "
                         "local system: (optionally) If the SendNOTIFICATIONwithoutOPEN "
                         "attribute is set to TRUE, then the local system first sends a "
                         "NOTIFICATION message with the appropriate error code, and then stops "
                         "the ConnectRetryTimer (if running) and sets the ConnectRetryTimer to "
                         "zero, releases all BGP resources, drops the TCP connection, increments "
                         "the ConnectRetryCounter by 1, (optionally) performs peer oscillation "
                         "damping ..., and changes its state to Idle.'")
_CONNECT_VERERR = ("§8.2.2 Connect: 'If a NOTIFICATION message is received with a version error "
                   "(Event 24), the local system checks the DelayOpenTimer.")
_CONNECT_OTHER = ("§8.2.2 Connect: 'In response to any other events (Events 8, 10-11, 13, 19, "
                  "23, 25-28), the local system: if the ConnectRetryTimer is running, stops and "
                  "resets the ConnectRetryTimer (sets to zero), if the DelayOpenTimer is "
                  "running, stops and resets the DelayOpenTimer (sets to zero), releases all "
                  "BGP resources, drops the TCP connection, increments the ConnectRetryCounter "
                  "by 1, performs peer oscillation damping if the DampPeerOscillations "
                  "attribute is set to True, and changes its state to Idle.'")
_CONNECT_OTHER_ACTS = acts(stop(CRT), stop(DOT), RELEASE, DROP_TCP, COUNTER_INC, DAMP)


def _connect_hdr_open_err(event: Event, code: int) -> Row:
    return Row(S.Connect, event, G.always, S.Idle,
               acts(notify(code, SNWO), stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP),
               _CONNECT_HDR_OPEN_ERR)


CONNECT: tuple[Row, ...] = (
    Row(S.Connect, E.ManualStart, G.always, S.Connect, NONE,
        _expanded("§8.2.2 Connect: 'The start events (Events 1, 3-7) are ignored in the Connect "
                  "state.'", E.ManualStart)),
    Row(S.Connect, E.ManualStop, G.always, S.Idle,
        acts(DROP_TCP, RELEASE, COUNTER_ZERO, stop(CRT)),
        "§8.2.2 Connect: 'In response to a ManualStop event (Event 2), the local system: drops "
        "the TCP connection, releases all BGP resources, sets ConnectRetryCounter to zero, stops "
        "the ConnectRetryTimer and sets ConnectRetryTimer to zero, and changes its state to "
        "Idle.' CHOICE: no NOTIFICATION and no explicit DelayOpenTimer stop, since this "
        "paragraph lists neither (contrast Active + Event 2)."),
    Row(S.Connect, E.ConnectRetryTimer_Expires, G.always, S.Connect,
        acts(DROP_TCP, start(CRT, INITIAL), stop(DOT), INITIATE_TCP, LISTEN),
        "§8.2.2 Connect: 'In response to the ConnectRetryTimer_Expires event (Event 9), the "
        "local system: drops the TCP connection, restarts the ConnectRetryTimer, stops the "
        "DelayOpenTimer and resets the timer to zero, initiates a TCP connection to the other "
        "BGP peer, continues to listen for a connection ..., and stays in the Connect state.'"),
    Row(S.Connect, E.HoldTimer_Expires, G.always, S.Idle, _CONNECT_OTHER_ACTS,
        _expanded(_CONNECT_OTHER, E.HoldTimer_Expires)),
    Row(S.Connect, E.KeepaliveTimer_Expires, G.always, S.Idle, _CONNECT_OTHER_ACTS,
        _expanded(_CONNECT_OTHER, E.KeepaliveTimer_Expires)),
    Row(S.Connect, E.Tcp_CR_Acked, G.delay_open, S.Connect,
        acts(stop(CRT), start(DOT, INITIAL)), _CONNECT_DELAY),
    Row(S.Connect, E.Tcp_CR_Acked, G.no_delay_open, S.OpenSent,
        acts(stop(CRT), INITIALIZE, SEND_OPEN, start(HOLD, LARGE)), _CONNECT_NO_DELAY),
    Row(S.Connect, E.TcpConnectionConfirmed, G.delay_open, S.Connect,
        acts(stop(CRT), start(DOT, INITIAL)), _CONNECT_DELAY),
    Row(S.Connect, E.TcpConnectionConfirmed, G.no_delay_open, S.OpenSent,
        acts(stop(CRT), INITIALIZE, SEND_OPEN, start(HOLD, LARGE)), _CONNECT_NO_DELAY),
    Row(S.Connect, E.TcpConnectionFails, G.delay_open_timer_running, S.Active,
        acts(start(CRT, INITIAL), stop(DOT), LISTEN),
        "§8.2.2 Connect: 'If the TCP connection fails (Event 18), the local system checks the "
        "DelayOpenTimer. If the DelayOpenTimer is running, the local system: restarts the "
        "ConnectRetryTimer with the initial value, stops the DelayOpenTimer and resets its value "
        "to zero, continues to listen for a connection ..., and changes its state to Active.'"),
    Row(S.Connect, E.TcpConnectionFails, G.delay_open_timer_stopped, S.Idle,
        acts(stop(CRT), DROP_TCP, RELEASE),
        "§8.2.2 Connect: 'If the TCP connection fails (Event 18), the local system checks the "
        "DelayOpenTimer. ... If the DelayOpenTimer is not running, the local system: stops the "
        "ConnectRetryTimer to zero, drops the TCP connection, releases all BGP resources, and "
        "changes its state to Idle.' CHOICE: the garbled 'stops the ConnectRetryTimer to zero' "
        "read as stop; no counter increment and no damping, since none is listed."),
    Row(S.Connect, E.BGPOpen, G.always, S.Idle, _CONNECT_OTHER_ACTS,
        _expanded(_CONNECT_OTHER, E.BGPOpen)),
    _connect_hdr_open_err(E.BGPHeaderErr, 1),
    _connect_hdr_open_err(E.BGPOpenMsgErr, 2),
    Row(S.Connect, E.NotifMsgVerErr, G.delay_open_timer_running, S.Idle,
        acts(stop(CRT), stop(DOT), RELEASE, DROP_TCP),
        _CONNECT_VERERR + " If the DelayOpenTimer is running, the local system: stops the "
        "ConnectRetryTimer (if running) and sets the ConnectRetryTimer to zero, stops and "
        "resets the DelayOpenTimer (sets to zero), releases all BGP resources, drops the TCP "
        "connection, and changes its state to Idle.'"),
    Row(S.Connect, E.NotifMsgVerErr, G.delay_open_timer_stopped, S.Idle,
        acts(stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP),
        _CONNECT_VERERR + " ... If the DelayOpenTimer is not running, the local system: stops "
        "the ConnectRetryTimer and sets the ConnectRetryTimer to zero, releases all BGP "
        "resources, drops the TCP connection, increments the ConnectRetryCounter by 1, performs "
        "peer oscillation damping if the DampPeerOscillations attribute is set to True, and "
        "changes its state to Idle.'"),
    *(
        Row(S.Connect, ev, G.always, S.Idle, _CONNECT_OTHER_ACTS, _expanded(_CONNECT_OTHER, ev))
        for ev in (E.NotifMsg, E.KeepAliveMsg, E.UpdateMsg, E.UpdateMsgErr)
    ),
)

# ---------------------------------------------------------------------------------------------
# Active state
# ---------------------------------------------------------------------------------------------

_ACTIVE_TCP_OK = ("§8.2.2 Active: 'In response to the success of a TCP connection (Event 16 or "
                  "Event 17), the local system checks the DelayOpen optional attribute prior to "
                  "processing.")
_ACTIVE_DELAY = (_ACTIVE_TCP_OK + " If the DelayOpen attribute is set to TRUE, the local system: "
                 "stops the ConnectRetryTimer and sets the ConnectRetryTimer to zero, sets the "
                 "DelayOpenTimer to the initial value (DelayOpenTime), and stays in the Active "
                 "state.'")
_ACTIVE_NO_DELAY = (_ACTIVE_TCP_OK + " If the DelayOpen attribute is set to FALSE, the local "
                    "system: sets the ConnectRetryTimer to zero, completes the BGP "
                    "initialization, sends the OPEN message to its peer, sets its HoldTimer to a "
                    "large value, and changes its state to OpenSent.'")
_ACTIVE_HDR_OPEN_ERR = ("§8.2.2 Active: 'If BGP message header checking (Event 21) or OPEN "
                        "message checking detects an error (Event 22) (see Section 6.2), the "
                        "local system: (optionally) sends a NOTIFICATION message with the "
                        "appropriate error code if the SendNOTIFICATIONwithoutOPEN attribute is "
                        "set to TRUE, sets the ConnectRetryTimer to zero, releases all BGP "
                        "resources, drops the TCP connection, increments the ConnectRetryCounter "
                        "by 1, (optionally) performs peer oscillation damping ..., and changes "
                        "its state to Idle.'")
_ACTIVE_VERERR = ("§8.2.2 Active: 'If a NOTIFICATION message is received with a version error "
                  "(Event 24), the local system checks the DelayOpenTimer.")
_ACTIVE_OTHER = ("§8.2.2 Active: 'In response to any other event (Events 8, 10-11, 13, 19, 23, "
                 "25-28), the local system: sets the ConnectRetryTimer to zero, releases all BGP "
                 "resources, drops the TCP connection, increments the ConnectRetryCounter by "
                 "one, (optionally) performs peer oscillation damping ..., and changes its state "
                 "to Idle.' CHOICE: no DelayOpenTimer stop (unlike the Connect paragraph, this "
                 "one does not list it; releasing resources is taken to cover it).")
_ACTIVE_OTHER_ACTS = acts(stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP)


def _active_hdr_open_err(event: Event, code: int) -> Row:
    return Row(S.Active, event, G.always, S.Idle,
               acts(notify(code, SNWO), stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP),
               _ACTIVE_HDR_OPEN_ERR)


ACTIVE: tuple[Row, ...] = (
    Row(S.Active, E.ManualStart, G.always, S.Active, NONE,
        _expanded("§8.2.2 Active: 'The start events (Events 1, 3-7) are ignored in the Active "
                  "state.'", E.ManualStart)),
    Row(S.Active, E.ManualStop, G.always, S.Idle,
        acts(notify(6, SNWO), RELEASE, stop(DOT), DROP_TCP, COUNTER_ZERO, stop(CRT)),
        "§8.2.2 Active: 'In response to a ManualStop event (Event 2), the local system: If the "
        "DelayOpenTimer is running and the SendNOTIFICATIONwithoutOPEN session attribute is "
        "set, the local system sends a NOTIFICATION with a Cease, releases all BGP resources "
        "including stopping the DelayOpenTimer, drops the TCP connection, sets "
        "ConnectRetryCounter to zero, stops the ConnectRetryTimer and sets the "
        "ConnectRetryTimer to zero, and changes its state to Idle.' CHOICE: the NOTIFICATION's "
        "two-part condition (DelayOpenTimer running AND SendNOTIFICATIONwithoutOPEN) is "
        "recorded as the SendNOTIFICATIONwithoutOPEN condition only; 'including stopping the "
        "DelayOpenTimer' is listed as an explicit DelayOpenTimer stop."),
    Row(S.Active, E.ConnectRetryTimer_Expires, G.always, S.Connect,
        acts(start(CRT, INITIAL), INITIATE_TCP, LISTEN),
        "§8.2.2 Active: 'In response to a ConnectRetryTimer_Expires event (Event 9), the local "
        "system: restarts the ConnectRetryTimer (with initial value), initiates a TCP "
        "connection to the other BGP peer, continues to listen for a TCP connection ..., and "
        "changes its state to Connect.'"),
    Row(S.Active, E.HoldTimer_Expires, G.always, S.Idle, _ACTIVE_OTHER_ACTS,
        _expanded(_ACTIVE_OTHER, E.HoldTimer_Expires)),
    Row(S.Active, E.KeepaliveTimer_Expires, G.always, S.Idle, _ACTIVE_OTHER_ACTS,
        _expanded(_ACTIVE_OTHER, E.KeepaliveTimer_Expires)),
    Row(S.Active, E.Tcp_CR_Acked, G.delay_open, S.Active,
        acts(stop(CRT), start(DOT, INITIAL)), _ACTIVE_DELAY),
    Row(S.Active, E.Tcp_CR_Acked, G.no_delay_open, S.OpenSent,
        acts(stop(CRT), INITIALIZE, SEND_OPEN, start(HOLD, LARGE)), _ACTIVE_NO_DELAY),
    Row(S.Active, E.TcpConnectionConfirmed, G.delay_open, S.Active,
        acts(stop(CRT), start(DOT, INITIAL)), _ACTIVE_DELAY),
    Row(S.Active, E.TcpConnectionConfirmed, G.no_delay_open, S.OpenSent,
        acts(stop(CRT), INITIALIZE, SEND_OPEN, start(HOLD, LARGE)), _ACTIVE_NO_DELAY),
    Row(S.Active, E.TcpConnectionFails, G.always, S.Idle,
        acts(start(CRT, INITIAL), stop(DOT), RELEASE, COUNTER_INC, DAMP),
        "§8.2.2 Active: 'If the local system receives a TcpConnectionFails event (Event 18), "
        "the local system: restarts the ConnectRetryTimer (with the initial value), stops and "
        "clears the DelayOpenTimer (sets the value to zero), releases all BGP resource, "
        "increments the ConnectRetryCounter by 1, optionally performs peer oscillation damping "
        "..., and changes its state to Idle.' CHOICE: transcribed literally, including the "
        "ConnectRetryTimer restart on the way to Idle and without a TCP drop (none listed)."),
    Row(S.Active, E.BGPOpen, G.always, S.Idle, _ACTIVE_OTHER_ACTS,
        _expanded(_ACTIVE_OTHER, E.BGPOpen)),
    _active_hdr_open_err(E.BGPHeaderErr, 1),
    _active_hdr_open_err(E.BGPOpenMsgErr, 2),
    Row(S.Active, E.NotifMsgVerErr, G.delay_open_timer_running, S.Idle,
        acts(stop(CRT), stop(DOT), RELEASE, DROP_TCP),
        _ACTIVE_VERERR + " If the DelayOpenTimer is running, the local system: stops the "
        "ConnectRetryTimer (if running) and sets the ConnectRetryTimer to zero, stops and "
        "resets the DelayOpenTimer (sets to zero), releases all BGP resources, drops the TCP "
        "connection, and changes its state to Idle.'"),
    Row(S.Active, E.NotifMsgVerErr, G.delay_open_timer_stopped, S.Idle,
        acts(stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP),
        _ACTIVE_VERERR + " ... If the DelayOpenTimer is not running, the local system: sets "
        "the ConnectRetryTimer to zero, releases all BGP resources, drops the TCP connection, "
        "increments the ConnectRetryCounter by 1, (optionally) performs peer oscillation "
        "damping ..., and changes its state to Idle.'"),
    *(
        Row(S.Active, ev, G.always, S.Idle, _ACTIVE_OTHER_ACTS, _expanded(_ACTIVE_OTHER, ev))
        for ev in (E.NotifMsg, E.KeepAliveMsg, E.UpdateMsg, E.UpdateMsgErr)
    ),
)

# ---------------------------------------------------------------------------------------------
# OpenSent state
# ---------------------------------------------------------------------------------------------

_OPENSENT_TCP = ("§8.2.2 OpenSent: 'If a TcpConnection_Valid (Event 14), Tcp_CR_Acked (Event "
                 "16), or a TcpConnectionConfirmed event (Event 17) is received, a second TCP "
                 "connection may be in progress. This second TCP connection is tracked per "
                 "Connection Collision processing (Section 6.8) until an OPEN message is "
                 "received.' CHOICE: the next state is not stated; stays in OpenSent, and the "
                 "only action is tracking (no collision check before an OPEN arrives).")
_OPENSENT_HDR_OPEN_ERR = ("§8.2.2 OpenSent: 'If the BGP message header checking (Event 21) or "
                          "OPEN message checking detects an error (Event 22)(see Section 6.2), "
                          "the local system: sends a NOTIFICATION message with the appropriate "
                          "error code, sets the ConnectRetryTimer to zero, releases all BGP "
                          "resources, drops the TCP connection, increments the "
                          "ConnectRetryCounter by 1, (optionally) performs peer oscillation "
                          "damping ..., and changes its state to Idle.'")
_OPENSENT_OTHER = ("§8.2.2 OpenSent: 'In response to any other event (Events 9, 11-13, 20, "
                   "25-28), the local system: sends the NOTIFICATION with the Error Code Finite "
                   "State Machine Error, sets the ConnectRetryTimer to zero, releases all BGP "
                   "resources, drops the TCP connection, increments the ConnectRetryCounter by "
                   "1, (optionally) performs peer oscillation damping ..., and changes its state "
                   "to Idle.'")
_OPENSENT_OTHER_ACTS = acts(notify(5), stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP)

OPENSENT: tuple[Row, ...] = (
    Row(S.OpenSent, E.ManualStart, G.always, S.OpenSent, NONE,
        _expanded("§8.2.2 OpenSent: 'The start events (Events 1, 3-7) are ignored in the "
                  "OpenSent state.'", E.ManualStart)),
    Row(S.OpenSent, E.ManualStop, G.always, S.Idle,
        acts(notify(6), stop(CRT), RELEASE, DROP_TCP, COUNTER_ZERO),
        "§8.2.2 OpenSent: 'If a ManualStop event (Event 2) is issued in the OpenSent state, the "
        "local system: sends the NOTIFICATION with a Cease, sets the ConnectRetryTimer to zero, "
        "releases all BGP resources, drops the TCP connection, sets the ConnectRetryCounter to "
        "zero, and changes its state to Idle.'"),
    Row(S.OpenSent, E.ConnectRetryTimer_Expires, G.always, S.Idle, _OPENSENT_OTHER_ACTS,
        _expanded(_OPENSENT_OTHER, E.ConnectRetryTimer_Expires)),
    Row(S.OpenSent, E.HoldTimer_Expires, G.always, S.Idle,
        acts(notify(4), stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP),
        "§8.2.2 OpenSent: 'If the HoldTimer_Expires (Event 10), the local system: sends a "
        "NOTIFICATION message with the error code Hold Timer Expired, sets the "
        "ConnectRetryTimer to zero, releases all BGP resources, drops the TCP connection, "
        "increments the ConnectRetryCounter, (optionally) performs peer oscillation damping "
        "..., and changes its state to Idle.'"),
    Row(S.OpenSent, E.KeepaliveTimer_Expires, G.always, S.Idle, _OPENSENT_OTHER_ACTS,
        _expanded(_OPENSENT_OTHER, E.KeepaliveTimer_Expires)),
    Row(S.OpenSent, E.Tcp_CR_Acked, G.always, S.OpenSent, acts(TRACK), _OPENSENT_TCP),
    Row(S.OpenSent, E.TcpConnectionConfirmed, G.always, S.OpenSent, acts(TRACK),
        _OPENSENT_TCP),
    Row(S.OpenSent, E.TcpConnectionFails, G.always, S.Active,
        acts(DROP_TCP, start(CRT, INITIAL), LISTEN),
        "§8.2.2 OpenSent: 'If a TcpConnectionFails event (Event 18) is received, the local "
        "system: closes the BGP connection, restarts the ConnectRetryTimer, continues to listen "
        "for a connection ..., and changes its state to Active.' CHOICE: literal; the HoldTimer "
        "(set to a large value on entering OpenSent) is not stopped, no resources are released "
        "and the counter is not incremented, since none of that is listed."),
    Row(S.OpenSent, E.BGPOpen, G.always, S.OpenConfirm,
        acts(CHECK_COLLISION, stop(DOT), stop(CRT), SEND_KEEPALIVE, start(KA, NEGOTIATED),
             start(HOLD, NEGOTIATED)),
        "§8.2.2 OpenSent: 'If there are no errors in the OPEN message (Event 19), the local "
        "system: resets the DelayOpenTimer to zero, sets the BGP ConnectRetryTimer to zero, "
        "sends a KEEPALIVE message, and sets a KeepaliveTimer (via the text below) sets the "
        "HoldTimer according to the negotiated value (see Section 4.2), changes its state to "
        "OpenConfirm.' and 'Collision detection mechanisms (Section 6.8) need to be applied when "
        "a valid BGP OPEN message is received (Event 19 or Event 20).' CHOICE: the collision "
        "check is listed as an action of this row; no collision guard, since in OpenSent a "
        "losing connection is handled through the separate OpenCollisionDump (Event 23)."),
    Row(S.OpenSent, E.BGPHeaderErr, G.always, S.Idle,
        acts(notify(1), stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP),
        _OPENSENT_HDR_OPEN_ERR),
    Row(S.OpenSent, E.BGPOpenMsgErr, G.always, S.Idle,
        acts(notify(2), stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP),
        _OPENSENT_HDR_OPEN_ERR),
    Row(S.OpenSent, E.NotifMsgVerErr, G.always, S.Idle,
        acts(stop(CRT), RELEASE, DROP_TCP),
        "§8.2.2 OpenSent: 'If a NOTIFICATION message is received with a version error (Event "
        "24), the local system: sets the ConnectRetryTimer to zero, releases all BGP resources, "
        "drops the TCP connection, and changes its state to Idle.'"),
    *(
        Row(S.OpenSent, ev, G.always, S.Idle, _OPENSENT_OTHER_ACTS,
            _expanded(_OPENSENT_OTHER, ev))
        for ev in (E.NotifMsg, E.KeepAliveMsg, E.UpdateMsg, E.UpdateMsgErr)
    ),
)

# ---------------------------------------------------------------------------------------------
# OpenConfirm state
# ---------------------------------------------------------------------------------------------

_OPENCONFIRM_TCP = ("§8.2.2 OpenConfirm: 'In the event of a TcpConnection_Valid event (Event "
                    "14), or the success of a TCP connection (Event 16 or Event 17) while in "
                    "OpenConfirm, the local system needs to track the second connection.' "
                    "CHOICE: the next state is not stated; stays in OpenConfirm.")
_OPENCONFIRM_FAIL = ("§8.2.2 OpenConfirm: 'If the local system receives a TcpConnectionFails "
                     "event (Event 18) from the underlying TCP or a NOTIFICATION message (Event "
                     "25), the local system: sets the ConnectRetryTimer to zero, releases all "
                     "BGP resources, drops the TCP connection, increments the "
                     "ConnectRetryCounter by 1, (optionally) performs peer oscillation damping "
                     "..., and changes its state to Idle.'")
_OPENCONFIRM_FAIL_ACTS = acts(stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP)
_OPENCONFIRM_OPEN = ("§8.2.2 OpenConfirm: 'If the local system receives a valid OPEN message "
                     "(BGPOpen (Event 19)), the collision detect function is processed per "
                     "Section 6.8.")
_OPENCONFIRM_HDR_OPEN_ERR = ("§8.2.2 OpenConfirm: 'If an OPEN message is received, all fields "
                             "are checked for correctness. If the BGP message header checking "
                             "(BGPHeaderErr (Event 21)) or OPEN message checking detects an "
                             "error (see Section 6.2) (BGPOpenMsgErr (Event 22)), the local "
                             "system: sends a NOTIFICATION message with the appropriate error "
                             "code, sets the ConnectRetryTimer to zero, releases all BGP "
                             "resources, drops the TCP connection, increments the "
                             "ConnectRetryCounter by 1, (optionally) performs peer oscillation "
                             "damping ..., and changes its state to Idle.'")
_OPENCONFIRM_OTHER = ("§8.2.2 OpenConfirm: 'In response to any other event (Events 9, 12-13, 20, "
                      "27-28), the local system: sends a NOTIFICATION with a code of Finite "
                      "State Machine Error, sets the ConnectRetryTimer to zero, releases all BGP "
                      "resources, drops the TCP connection, increments the ConnectRetryCounter "
                      "by 1, (optionally) performs peer oscillation damping ..., and changes its "
                      "state to Idle.'")
_OPENCONFIRM_OTHER_ACTS = acts(notify(5), stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP)

OPENCONFIRM: tuple[Row, ...] = (
    Row(S.OpenConfirm, E.ManualStart, G.always, S.OpenConfirm, NONE,
        _expanded("§8.2.2 OpenConfirm: 'Any start event (Events 1, 3-7) is ignored in the "
                  "OpenConfirm state.'", E.ManualStart)),
    Row(S.OpenConfirm, E.ManualStop, G.always, S.Idle,
        acts(notify(6), RELEASE, DROP_TCP, COUNTER_ZERO, stop(CRT)),
        "§8.2.2 OpenConfirm: 'In response to a ManualStop event (Event 2) initiated by the "
        "operator, the local system: sends the NOTIFICATION message with a Cease, releases all "
        "BGP resources, drops the TCP connection, sets the ConnectRetryCounter to zero, sets the "
        "ConnectRetryTimer to zero, and changes its state to Idle.'"),
    Row(S.OpenConfirm, E.ConnectRetryTimer_Expires, G.always, S.Idle, _OPENCONFIRM_OTHER_ACTS,
        _expanded(_OPENCONFIRM_OTHER, E.ConnectRetryTimer_Expires)),
    Row(S.OpenConfirm, E.HoldTimer_Expires, G.always, S.Idle,
        acts(notify(4), stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP),
        "§8.2.2 OpenConfirm: 'If the HoldTimer_Expires event (Event 10) occurs before a "
        "KEEPALIVE message is received, the local system: sends the NOTIFICATION message with "
        "the Error Code Hold Timer Expired, sets the ConnectRetryTimer to zero, releases all BGP "
        "resources, drops the TCP connection, increments the ConnectRetryCounter by 1, "
        "(optionally) performs peer oscillation damping ..., and changes its state to Idle.'"),
    Row(S.OpenConfirm, E.KeepaliveTimer_Expires, G.always, S.OpenConfirm,
        acts(SEND_KEEPALIVE, start(KA, NEGOTIATED)),
        "§8.2.2 OpenConfirm: 'If the local system receives a KeepaliveTimer_Expires event "
        "(Event 11), the local system: sends a KEEPALIVE message, restarts the KeepaliveTimer, "
        "and remains in the OpenConfirmed state.'"),
    Row(S.OpenConfirm, E.Tcp_CR_Acked, G.always, S.OpenConfirm, acts(TRACK),
        _OPENCONFIRM_TCP),
    Row(S.OpenConfirm, E.TcpConnectionConfirmed, G.always, S.OpenConfirm, acts(TRACK),
        _OPENCONFIRM_TCP),
    Row(S.OpenConfirm, E.TcpConnectionFails, G.always, S.Idle, _OPENCONFIRM_FAIL_ACTS,
        _OPENCONFIRM_FAIL),
    Row(S.OpenConfirm, E.BGPOpen, G.collision, S.Idle,
        acts(CHECK_COLLISION, notify(6), stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP),
        _OPENCONFIRM_OPEN + " If this connection is to be dropped due to connection collision, "
        "the local system: sends a NOTIFICATION with a Cease, sets the ConnectRetryTimer to "
        "zero, releases all BGP resources, drops the TCP connection (send TCP FIN), increments "
        "the ConnectRetryCounter by 1, (optionally) performs peer oscillation damping ..., and "
        "changes its state to Idle.'"),
    Row(S.OpenConfirm, E.BGPOpen, G.no_collision, S.OpenConfirm, acts(CHECK_COLLISION),
        _OPENCONFIRM_OPEN + "' CHOICE: the RFC describes only the case where this connection "
        "is dropped (and Event 19 is not in this state's 'any other event' list); when it is "
        "not dropped, nothing but the (unconditional) collision check happens and the FSM "
        "stays in OpenConfirm."),
    Row(S.OpenConfirm, E.BGPHeaderErr, G.always, S.Idle,
        acts(notify(1), stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP),
        _OPENCONFIRM_HDR_OPEN_ERR),
    Row(S.OpenConfirm, E.BGPOpenMsgErr, G.always, S.Idle,
        acts(notify(2), stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP),
        _OPENCONFIRM_HDR_OPEN_ERR),
    Row(S.OpenConfirm, E.NotifMsgVerErr, G.always, S.Idle,
        acts(stop(CRT), RELEASE, DROP_TCP),
        "§8.2.2 OpenConfirm: 'If the local system receives a NOTIFICATION message with a "
        "version error (NotifMsgVerErr (Event 24)), the local system: sets the "
        "ConnectRetryTimer to zero, releases all BGP resources, drops the TCP connection, and "
        "changes its state to Idle.'"),
    Row(S.OpenConfirm, E.NotifMsg, G.always, S.Idle, _OPENCONFIRM_FAIL_ACTS,
        _OPENCONFIRM_FAIL),
    Row(S.OpenConfirm, E.KeepAliveMsg, G.always, S.Established,
        acts(start(HOLD, NEGOTIATED)),
        "§8.2.2 OpenConfirm: 'If the local system receives a KEEPALIVE message (KeepAliveMsg "
        "(Event 26)), the local system: restarts the HoldTimer and changes its state to "
        "Established.'"),
    *(
        Row(S.OpenConfirm, ev, G.always, S.Idle, _OPENCONFIRM_OTHER_ACTS,
            _expanded(_OPENCONFIRM_OTHER, ev))
        for ev in (E.UpdateMsg, E.UpdateMsgErr)
    ),
)

# ---------------------------------------------------------------------------------------------
# Established state
# ---------------------------------------------------------------------------------------------

_ESTABLISHED_TCP_OK = ("§8.2.2 Established: 'In response to an indication that the TCP "
                       "connection is successfully established (Event 16 or Event 17), the "
                       "second connection SHALL be tracked until it sends an OPEN message.' "
                       "CHOICE: the next state is not stated; stays in Established.")
_ESTABLISHED_OPEN = ("§8.2.2 Established: 'If a valid OPEN message (BGPOpen (Event 19)) is "
                     "received, and if the CollisionDetectEstablishedState optional attribute "
                     "is TRUE, the OPEN message will be checked to see if it collides (Section "
                     "6.8) with any other connection.")
_ESTABLISHED_DOWN = ("§8.2.2 Established: 'If the local system receives a NOTIFICATION message "
                     "(Event 24 or Event 25) or a TcpConnectionFails (Event 18) from the "
                     "underlying TCP, the local system: sets the ConnectRetryTimer to zero, "
                     "deletes all routes associated with this connection, releases all the BGP "
                     "resources, drops the TCP connection, increments the ConnectRetryCounter by "
                     "1, changes its state to Idle.' CHOICE: no damping, since this paragraph, "
                     "unlike its neighbours, does not mention it.")
_ESTABLISHED_DOWN_ACTS = acts(stop(CRT), DELETE_ROUTES, RELEASE, DROP_TCP, COUNTER_INC)
_ESTABLISHED_OTHER = ("§8.2.2 Established: 'In response to any other event (Events 9, 12-13, "
                      "20-22), the local system: sends a NOTIFICATION message with the Error "
                      "Code Finite State Machine Error, deletes all routes associated with this "
                      "connection, sets the ConnectRetryTimer to zero, releases all BGP "
                      "resources, drops the TCP connection, increments the ConnectRetryCounter "
                      "by 1, (optionally) performs peer oscillation damping ..., and changes its "
                      "state to Idle.'")
_ESTABLISHED_OTHER_ACTS = acts(notify(5), DELETE_ROUTES, stop(CRT), RELEASE, DROP_TCP,
                               COUNTER_INC, DAMP)
_ESTABLISHED_HDR_NOTE = (" CHOICE: Events 21/22 appear only in this 'any other event' list in "
                         "Established, so the NOTIFICATION is Finite State Machine Error (5), "
                         "not the header/OPEN error code of the other states.")

ESTABLISHED: tuple[Row, ...] = (
    Row(S.Established, E.ManualStart, G.always, S.Established, NONE,
        _expanded("§8.2.2 Established: 'Any Start event (Events 1, 3-7) is ignored in the "
                  "Established state.'", E.ManualStart)),
    Row(S.Established, E.ManualStop, G.always, S.Idle,
        acts(notify(6), stop(CRT), DELETE_ROUTES, RELEASE, DROP_TCP, COUNTER_ZERO),
        "§8.2.2 Established: 'In response to a ManualStop event (initiated by an operator) "
        "(Event 2), the local system: sends the NOTIFICATION message with a Cease, sets the "
        "ConnectRetryTimer to zero, deletes all routes associated with this connection, "
        "releases BGP resources, drops the TCP connection, sets the ConnectRetryCounter to "
        "zero, and changes its state to Idle.'"),
    Row(S.Established, E.ConnectRetryTimer_Expires, G.always, S.Idle, _ESTABLISHED_OTHER_ACTS,
        _expanded(_ESTABLISHED_OTHER, E.ConnectRetryTimer_Expires)),
    Row(S.Established, E.HoldTimer_Expires, G.always, S.Idle,
        acts(notify(4), stop(CRT), RELEASE, DROP_TCP, COUNTER_INC, DAMP),
        "§8.2.2 Established: 'If the HoldTimer_Expires event occurs (Event 10), the local "
        "system: sends a NOTIFICATION message with the Error Code Hold Timer Expired, sets the "
        "ConnectRetryTimer to zero, releases all BGP resources, drops the TCP connection, "
        "increments the ConnectRetryCounter by 1, (optionally) performs peer oscillation "
        "damping ..., and changes its state to Idle.' CHOICE: literal, so no 'deletes all "
        "routes' (this paragraph, unlike every other Established-to-Idle one, omits it)."),
    Row(S.Established, E.KeepaliveTimer_Expires, G.always, S.Established,
        acts(SEND_KEEPALIVE, start(KA, NEGOTIATED)),
        "§8.2.2 Established: 'If the KeepaliveTimer_Expires event occurs (Event 11), the local "
        "system: sends a KEEPALIVE message, and restarts its KeepaliveTimer, unless the "
        "negotiated HoldTime value is zero.' CHOICE: the next state is not stated; stays in "
        "Established."),
    Row(S.Established, E.Tcp_CR_Acked, G.always, S.Established, acts(TRACK),
        _ESTABLISHED_TCP_OK),
    Row(S.Established, E.TcpConnectionConfirmed, G.always, S.Established, acts(TRACK),
        _ESTABLISHED_TCP_OK),
    Row(S.Established, E.TcpConnectionFails, G.always, S.Idle, _ESTABLISHED_DOWN_ACTS,
        _ESTABLISHED_DOWN),
    Row(S.Established, E.BGPOpen, G.collision, S.Idle,
        acts(CHECK_COLLISION, notify(6), stop(CRT), DELETE_ROUTES, RELEASE, DROP_TCP,
             COUNTER_INC, DAMP),
        _ESTABLISHED_OPEN + " If the BGP implementation determines that this connection needs "
        "to be terminated, it will process an OpenCollisionDump event (Event 23). If this "
        "connection needs to be terminated, the local system: sends a NOTIFICATION with a "
        "Cease, sets the ConnectRetryTimer to zero, deletes all routes associated with this "
        "connection, releases all BGP resources, drops the TCP connection, increments the "
        "ConnectRetryCounter by 1, (optionally) performs peer oscillation damping ..., and "
        "changes its state to Idle.'"),
    Row(S.Established, E.BGPOpen, G.no_collision, S.Established, NONE,
        _ESTABLISHED_OPEN + "' CHOICE: the RFC is silent on an OPEN that does not drop this "
        "connection; Event 19 is not in Established's 'any other event (Events 9, 12-13, "
        "20-22)' list, so it is not an FSM error: stay in Established with no action. The "
        "collision check is NOT listed here because in Established it happens only if the "
        "optional CollisionDetectEstablishedState attribute is TRUE (no guard for that in the "
        "vocabulary)."),
    Row(S.Established, E.BGPHeaderErr, G.always, S.Idle, _ESTABLISHED_OTHER_ACTS,
        _expanded(_ESTABLISHED_OTHER, E.BGPHeaderErr) + _ESTABLISHED_HDR_NOTE),
    Row(S.Established, E.BGPOpenMsgErr, G.always, S.Idle, _ESTABLISHED_OTHER_ACTS,
        _expanded(_ESTABLISHED_OTHER, E.BGPOpenMsgErr) + _ESTABLISHED_HDR_NOTE),
    Row(S.Established, E.NotifMsgVerErr, G.always, S.Idle, _ESTABLISHED_DOWN_ACTS,
        _ESTABLISHED_DOWN),
    Row(S.Established, E.NotifMsg, G.always, S.Idle, _ESTABLISHED_DOWN_ACTS,
        _ESTABLISHED_DOWN),
    Row(S.Established, E.KeepAliveMsg, G.always, S.Established,
        acts(start(HOLD, NEGOTIATED)),
        "§8.2.2 Established: 'If the local system receives a KEEPALIVE message (Event 26), the "
        "local system: restarts its HoldTimer, if the negotiated HoldTime value is non-zero, "
        "and remains in the Established state.'"),
    Row(S.Established, E.UpdateMsg, G.always, S.Established,
        acts(PROCESS_UPDATE, start(HOLD, NEGOTIATED)),
        "§8.2.2 Established: 'If the local system receives an UPDATE message (Event 27), the "
        "local system: processes the message, restarts its HoldTimer, if the negotiated "
        "HoldTime value is non-zero, and remains in the Established state.'"),
    Row(S.Established, E.UpdateMsgErr, G.always, S.Idle,
        acts(notify(3), stop(CRT), DELETE_ROUTES, RELEASE, DROP_TCP, COUNTER_INC, DAMP),
        "§8.2.2 Established: 'If the local system receives an UPDATE message, and the UPDATE "
        "message error handling procedure (see Section 6.3) detects an error (Event 28), the "
        "local system: sends a NOTIFICATION message with an Update error, sets the "
        "ConnectRetryTimer to zero, deletes all routes associated with this connection, "
        "releases all BGP resources, drops the TCP connection, increments the "
        "ConnectRetryCounter by 1, (optionally) performs peer oscillation damping ..., and "
        "changes its state to Idle.'"),
)

#: Every row, state by state in §8.2.2 order.
TRANSCRIPTION: tuple[Row, ...] = IDLE + CONNECT + ACTIVE + OPENSENT + OPENCONFIRM + ESTABLISHED
