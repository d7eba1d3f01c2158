"""The BGP session FSM (RFC 4271 §8, RFC 9687 §4.3): the table and one interpreter.

The table (:mod:`bgpcascade.model.fsm_table`: :data:`TABLE`, :class:`Transition`,
:func:`rows_for`, :func:`check_defined`, :func:`table_json`) says which actions each
``(state, event, guard)`` performs and which state follows. The session attributes
(:mod:`bgpcascade.model.fsm_vars`: :class:`Config`, :class:`Vars`, :func:`initial_vars`,
:func:`state_of`) and the arithmetic (:mod:`bgpcascade.model.arith`: :class:`Arith`,
:data:`PY`) live beside it. This module re-exports all of them: import them from here.

What an action does to the session's attributes is written ONCE, in :func:`apply_actions`,
against a small arithmetic interface (:class:`Arith`). The Python interpreter
(:func:`step`) runs it on exact numbers (``fractions.Fraction``); the Z3 encoding
(:mod:`bgpcascade.properties.fsm.encoding`) runs the same function on Z3 terms. Timers are
deadlines (an absolute time and a ``running`` flag), never clocks. The RFC's timer
arithmetic (negotiated hold, keepalive interval) comes from :mod:`bgpcascade.model.rules`.

Implementation choices where RFC 4271 leaves the behaviour open are listed in
docs/model.md, "The session FSM", each with its source.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from . import rules
from .arith import PY, Arith, B, N, PyArith
from .fsm_table import (
    HOLD_NEG,
    KEEPALIVE_NEG,
    TABLE,
    Transition,
    check_defined,
    rows_for,
    table_json,
)
from .fsm_vars import (
    CODE_STATE,
    STATE_CODE,
    Config,
    PyConfig,
    PyVars,
    Vars,
    initial_vars,
    state_of,
    vars_of,
)
from .fsm_vocab import (
    COUNTER_INC,
    COUNTER_ZERO,
    DAMP,
    DELETE_ROUTES,
    RELEASE,
    Action,
    Event,
    Guard,
    State,
    Timer,
    TimerValue,
)

__all__ = [
    "CODE_STATE",
    "PY",
    "RESTART_ROWS",
    "STATE_CODE",
    "TABLE",
    "TIMER_EVENT",
    "Action",
    "Arith",
    "Config",
    "Event",
    "Guard",
    "PyArith",
    "PyConfig",
    "PyVars",
    "State",
    "Timer",
    "TimerValue",
    "Transition",
    "Vars",
    "apply_actions",
    "check_defined",
    "due_timers",
    "expire",
    "guard_holds",
    "initial_vars",
    "keepalive_interval",
    "negotiated_values",
    "restart_timers",
    "rows_for",
    "select",
    "send_hold_time",
    "state_of",
    "step",
    "table_json",
    "vars_of",
]


def keepalive_interval(ar: Arith[N, B], cfg: Config[N, B], hold: N) -> N:
    """KeepaliveTime in use with ``cfg``'s configured KeepaliveTime: the rule is
    :func:`bgpcascade.model.rules.keepalive_interval` (RFC 4271 §10)."""
    return rules.keepalive_interval(ar, cfg.keepalive_time, hold)


def send_hold_time(ar: Arith[N, B], cfg: Config[N, B], hold: N) -> N:
    """RFC 9687 SendHoldTime for a negotiated ``hold`` with ``cfg``'s factor and minimum:
    :func:`bgpcascade.model.rules.send_hold_time`; 0 means no send-hold timer."""
    return rules.send_hold_time(ar, cfg.send_hold_factor, cfg.send_hold_min, hold)


def _timer_value(ar: Arith[N, B], cfg: Config[N, B], idle: N, hold: N, timer: Timer,
                 value: TimerValue) -> N:
    """What ``start timer=value`` starts ``timer`` with, given the current IdleHoldTime
    ``idle`` and negotiated hold ``hold`` (RFC 4271 §8.2.2, §10; RFC 9687 §4)."""
    if value is TimerValue.large:
        return cfg.large_hold
    if value is TimerValue.initial:
        return {
            Timer.ConnectRetryTimer: cfg.connect_retry_time,
            Timer.DelayOpenTimer: cfg.delay_open_time,
            Timer.IdleHoldTimer: idle,
            Timer.HoldTimer: cfg.hold_time,
            Timer.KeepaliveTimer: cfg.keepalive_time,
        }.get(timer, cfg.hold_time)
    if timer is Timer.HoldTimer:
        return hold
    if timer is Timer.KeepaliveTimer:
        return rules.keepalive_in_use(ar, cfg.keepalive_time, hold)
    if timer is Timer.SendHoldTimer:
        return rules.send_hold_in_use(ar, cfg.send_hold_factor, cfg.send_hold_min, hold)
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
    here; the simulator (model/sim/sessions.py) carries them.
    """
    running = dict(v.running)
    deadline = dict(v.deadline)
    counter, idle, hold = v.counter, v.idle_hold_time, v.negotiated_hold
    deleted = ar.false()
    acts = tuple(actions)
    if opened_hold is not None and any(a in (KEEPALIVE_NEG, HOLD_NEG) for a in acts):
        hold = opened_hold
    for a in acts:
        if a.kind == "start":
            assert a.timer is not None and a.value is not None
            value = _timer_value(ar, cfg, idle, hold, a.timer, a.value)
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
    return vars_of(ar.const(STATE_CODE[next_state]), counter, idle, hold, running, deadline,
                   deleted)


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




# -- the Python interpreter -----------------------------------------------------------------


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
    return vars_of(v.state, v.counter, v.idle_hold_time, v.negotiated_hold, running,
                   v.deadline, v.routes_deleted)


# -- the rows that only restart timers (the simulator's fast path) ----------------------


def _restarts(row: Transition) -> tuple[Timer, ...] | None:
    """The timers ``row`` starts with their negotiated value (in the order ``Timer``
    declares them), when that is all it does to the session's attributes and it keeps
    the state (its other actions send messages or process an UPDATE); ``None``
    otherwise."""
    if row.guard is not Guard.always or row.next_state is not row.state or \
            row.state is State.Idle:
        return None
    timers: list[Timer] = []
    for a in row.actions:
        if a.kind == "start" and a.value is TimerValue.negotiated and a.timer is not None:
            timers.append(a.timer)
        elif a.kind == "start" or a.kind == "stop" or a in _ATTRIBUTE_ACTIONS:
            return None
    return tuple(t for t in Timer if t in timers)


#: The actions besides ``start`` and ``stop`` that change a session attribute
#: (:func:`apply_actions`).
_ATTRIBUTE_ACTIONS = (RELEASE, COUNTER_ZERO, COUNTER_INC, DAMP, DELETE_ROUTES)

#: ``(state, event)`` -> (its one row, the timers it restarts) for every row that only
#: restarts timers with their negotiated values (:func:`_restarts`): what the KEEPALIVEs
#: and UPDATEs of an Established session do. :func:`restart_timers` applies one without
#: the interpreter; tests/test_engine.py checks it equals :func:`step` on every such row.
RESTART_ROWS: dict[tuple[State, Event], tuple[Transition, tuple[Timer, ...]]] = {}
for _row in TABLE:
    _timers = _restarts(_row)
    if _timers is not None and len(rows_for(_row.state, _row.event)) == 1:
        RESTART_ROWS[(_row.state, _row.event)] = (_row, _timers)


def negotiated_values(cfg: PyConfig, hold: Fraction) -> dict[Timer, Fraction]:
    """What ``start T=negotiated`` starts each timer with at negotiated ``hold``
    (:func:`apply_actions`' values: the hold, the keepalive and send-hold times in use)."""
    return {t: _timer_value(PY, cfg, hold, hold, t, TimerValue.negotiated) for t in Timer}


def restart_timers(v: PyVars, timers: tuple[Timer, ...], values: dict[Timer, Fraction],
                   now: Fraction) -> PyVars:
    """A :data:`RESTART_ROWS` row applied to ``v`` at ``now`` (``values``:
    :func:`negotiated_values` at ``v``'s negotiated hold): what :func:`apply_actions`
    gives for it, each timer running until ``now`` + its value unless that is 0, the
    state and counters kept, ``routes_deleted`` false."""
    running = dict(v.running)
    deadline = dict(v.deadline)
    for t in timers:
        value = values[t]
        running[t] = value != 0
        deadline[t] = now + value
    return vars_of(v.state, v.counter, v.idle_hold_time, v.negotiated_hold, running,
                   deadline, False)


