"""The BGP session's attributes (RFC 4271 §8): constant ones (:class:`Config`) and the
variable ones the FSM changes (:class:`Vars`), generic over the arithmetic
(:mod:`bgpcascade.model.arith`) so that the same records hold Fractions or Z3 terms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Generic

from .arith import B, N
from .fsm_vocab import State, Timer


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



def vars_of(state: N, counter: N, idle_hold_time: N, negotiated_hold: N,
            running: Mapping[Timer, B], deadline: Mapping[Timer, N],
            routes_deleted: B) -> Vars[N, B]:
    """``Vars(...)`` with its fields in order, built without the frozen dataclass's
    ``__init__`` (one ``__setattr__`` per field): the simulator's hot path builds one per
    FSM step. Equal to the ``Vars`` its keywords make."""
    v: Vars[N, B] = object.__new__(Vars)
    object.__setattr__(v, "__dict__", {
        "state": state, "counter": counter, "idle_hold_time": idle_hold_time,
        "negotiated_hold": negotiated_hold, "running": running, "deadline": deadline,
        "routes_deleted": routes_deleted})
    return v
