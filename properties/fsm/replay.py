"""A solver's run read back from its model, described, and replayed in the Python FSM.

A witness or counterexample is shown only once it replays: :func:`replay` runs the run a
model denotes step by step through the Python interpreter of the table
(:func:`~bgpcascade.model.fsm.guard_holds`, :func:`~bgpcascade.model.fsm.apply_actions`)
and compares every state with the solver's.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import z3

from bgpcascade.model import fsm, rules
from bgpcascade.model.fsm_vocab import Event, Timer

from .encoding import OPEN_EVENTS, TIMER_OF_EVENT, Bool, Num, Step, UnrolledRun, ZConfig, ZVars


def value(model: z3.ModelRef, term: Num) -> Fraction:
    """A Real/Int term's value in ``model`` as a Fraction."""
    r = model.eval(term, model_completion=True)
    if z3.is_int_value(r):
        return Fraction(r.as_long())
    if z3.is_rational_value(r):
        return Fraction(r.numerator_as_long(), r.denominator_as_long())
    raise ValueError(f"{term} has no rational value in the model: {r}")


def truth(model: z3.ModelRef, term: Bool) -> bool:
    """A Bool term's value in ``model``."""
    return bool(z3.is_true(model.eval(term, model_completion=True)))


def read_vars(model: z3.ModelRef, v: ZVars) -> fsm.PyVars:
    """The concrete state ``v`` denotes in ``model`` (comparable with fsm.step's)."""
    return fsm.Vars(
        state=value(model, v.state), counter=value(model, v.counter),
        idle_hold_time=value(model, v.idle_hold_time),
        negotiated_hold=value(model, v.negotiated_hold),
        running={t: truth(model, v.running[t]) for t in Timer},
        deadline={t: value(model, v.deadline[t]) for t in Timer},
        routes_deleted=truth(model, v.routes_deleted))


def _fmt(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def _state_name(model: z3.ModelRef, v: ZVars) -> str:
    return _state_name_of(value(model, v.state))


def _event_of(model: z3.ModelRef, st: Step) -> Event:
    return Event(int(value(model, st.event)))


def _describe_step(model: z3.ModelRef, st: Step, post: ZVars) -> str:
    ev = _event_of(model, st)
    extra = ""
    if ev in OPEN_EVENTS:
        extra = f" (remote hold {_fmt(value(model, st.remote_hold))})"
    if truth(model, st.collision) and ev == Event.BGPOpen:
        extra += " (collision)"
    return (f"t={_fmt(value(model, st.now))} {ev.name}{extra}: {_state_name(model, st.pre)}"
            f" -> {_state_name(model, post)}")


def describe_config(model: z3.ModelRef, cfg: ZConfig) -> str:
    """``name=value`` for every configuration attribute, in declaration order."""
    parts = []
    for name in fsm.Config.__dataclass_fields__:
        term = getattr(cfg, name)
        shown = (str(truth(model, term)) if z3.is_bool(term) else _fmt(value(model, term)))
        parts.append(f"{name}={shown}")
    return ", ".join(parts)


def describe_vars(model: z3.ModelRef, v: ZVars) -> str:
    """A one-line picture of a concrete state."""
    c = read_vars(model, v)
    timers = ", ".join(f"{t.value}@{_fmt(c.deadline[t])}" for t in Timer if c.running[t])
    return (f"{_state_name(model, v)} counter={_fmt(c.counter)} "
            f"negotiated_hold={_fmt(c.negotiated_hold)} "
            f"idle_hold_time={_fmt(c.idle_hold_time)} running=[{timers}]")


def describe_path(model: z3.ModelRef, path: UnrolledRun) -> tuple[tuple[str, ...], str]:
    """The event names of ``path`` in ``model``, and a line per step with times and
    states, after the configuration (enough to replay it with fsm.step)."""
    names = tuple(_event_of(model, st).name for st in path.steps)
    lines = [f"config: {describe_config(model, path.cfg)}",
             f"initial idle_hold_time={_fmt(value(model, path.states[0].idle_hold_time))}"]
    lines += [_describe_step(model, st, path.states[i + 1])
              for i, st in enumerate(path.steps)]
    return names, "; ".join(lines)


def read_config(model: z3.ModelRef, cfg: ZConfig) -> fsm.PyConfig:
    """The concrete configuration ``cfg`` denotes in ``model``."""
    values: dict[str, Any] = {
        name: (truth(model, term) if z3.is_bool(term := getattr(cfg, name))
               else value(model, term))
        for name in fsm.Config.__dataclass_fields__}
    return fsm.Config(**values)


def replay_step(table: Sequence[fsm.Transition], cfg: fsm.PyConfig, v: fsm.PyVars,
                event: Event, now: Fraction, collision: bool, remote_hold: Fraction
                ) -> tuple[fsm.PyVars | None, str]:
    """One event of a solver's run, run through the Python interpreter of ``table``
    (model/fsm.py's :func:`~bgpcascade.model.fsm.guard_holds` and
    :func:`~bgpcascade.model.fsm.apply_actions`, the code :func:`fsm.step` runs), with the
    encoding's side conditions checked independently: the event may happen at ``now``
    (no running timer overdue; a timer's event exactly at its running deadline), a valid
    OPEN raises Event 20 exactly when the DelayOpenTimer runs (RFC 4271 §8.1.2), a remote
    HoldTime is 0 or >= 3 s (§4.2), and exactly one row applies.

    Returns the successor, or None and the reason the step is not a step of ``table``.
    """
    overdue = [t.value for t in Timer if v.running[t] and v.deadline[t] < now]
    if overdue:
        return None, f"{event.name} at t={_fmt(now)} after the deadline of {overdue}"
    timer = TIMER_OF_EVENT.get(event)
    if timer is not None:
        if not (v.running[timer] and v.deadline[timer] == now):
            return None, f"{event.name} at t={_fmt(now)} while {timer.value} is not due"
        v = fsm.expire(v, timer)
    is_open = event in OPEN_EVENTS
    if is_open and (event is Event.BGPOpen_with_DelayOpenTimer_running) != bool(
            v.running[Timer.DelayOpenTimer]):
        return None, f"{event.name} does not match the DelayOpenTimer (RFC 4271 §8.1.2)"
    if not rules.hold_acceptable(remote_hold):
        return None, f"a remote HoldTime of {_fmt(remote_hold)} s (RFC 4271 §4.2: 0 or >= 3)"
    state = fsm.state_of(v)
    rows = [r for r in table if r.state is state and r.event is event
            and fsm.guard_holds(fsm.PY, cfg, v, r.guard, collision)]
    if len(rows) != 1:
        return None, f"{len(rows)} rows apply to {event.name} in {state.value}"
    row = rows[0]
    opened = rules.negotiated_hold(cfg.hold_time, remote_hold) if is_open else None
    return fsm.apply_actions(fsm.PY, cfg, v, row.actions, row.next_state, now, opened), ""


def vars_diff(got: fsm.PyVars, want: fsm.PyVars) -> str:
    """The attributes where the interpreter's state ``got`` and the solver's ``want``
    differ, as ``name: interpreter X, solver Y`` (timers by name)."""
    def flat(v: fsm.PyVars) -> dict[str, object]:
        out: dict[str, object] = {
            "state": _state_name_of(v.state), "counter": v.counter,
            "idle_hold_time": v.idle_hold_time, "negotiated_hold": v.negotiated_hold,
            "routes_deleted": v.routes_deleted}
        for t in Timer:
            out[f"{t.value}.running"] = v.running[t]
            out[f"{t.value}.deadline"] = v.deadline[t]
        return out

    a, b = flat(got), flat(want)
    return "; ".join(f"{k}: interpreter {_show(a[k])}, solver {_show(b[k])}"
                     for k in a if a[k] != b[k])


def _state_name_of(code: Fraction) -> str:
    return fsm.CODE_STATE[int(code)].value if code in fsm.CODE_STATE else f"state {code}"


def _show(x: object) -> str:
    return _fmt(x) if isinstance(x, Fraction) else str(x)


def replay(model: z3.ModelRef, path: UnrolledRun, table: Sequence[fsm.Transition]) -> str:
    """Replay the run ``path`` denotes in ``model`` step by step in the Python interpreter
    (:func:`replay_step`) and compare every state with the solver's (a witness is shown
    only once it replays). Returns "" when the run replays, else where
    and how the solver's run and the interpreter part."""
    cfg = read_config(model, path.cfg)
    v = read_vars(model, path.states[0])
    last = Fraction(0)
    for i, st in enumerate(path.steps):
        now = value(model, st.now)
        if now < last:
            return f"step {i + 1}: the clock goes back to t={_fmt(now)}"
        nxt, why = replay_step(table, cfg, v, _event_of(model, st), now,
                               truth(model, st.collision), value(model, st.remote_hold))
        if nxt is None:
            return f"step {i + 1}: {why}"
        want = read_vars(model, path.states[i + 1])
        if nxt != want:
            return f"step {i + 1} ({_event_of(model, st).name}): {vars_diff(nxt, want)}"
        v, last = nxt, now
    return ""

