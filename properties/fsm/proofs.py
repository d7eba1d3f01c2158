"""The session FSM in Z3, generated from the table, and the properties proved about it.

Nothing here says what a transition does. The symbolic transition relation is built by
iterating over the rows of :data:`bgpcascade.model.fsm.TABLE` (or any table passed in) and
calling the SAME functions the Python interpreter uses, :func:`~bgpcascade.model.fsm.
guard_holds` and :func:`~bgpcascade.model.fsm.apply_actions`, with :class:`Z3Arith` instead
of :class:`~bgpcascade.model.fsm.PyArith`. A Hypothesis test (tests/test_fsm_z3.py) runs
random event sequences through both and compares every attribute at every step.

Encoding
--------
- Numbers are Z3 Reals, so that ``hold / 3`` is exact and equals the Python Fractions;
  configuration values the RFC gives in whole seconds are constrained to integers.
- A state is :class:`~bgpcascade.model.fsm.Vars` of Z3 terms: ``state`` (the code of
  :data:`~bgpcascade.model.fsm.STATE_CODE`), ``counter``, ``idle_hold_time``,
  ``negotiated_hold``, ``running[timer]`` (Bool), ``deadline[timer]`` (Real),
  ``routes_deleted`` (Bool).
- Time is a clock ``now`` that never goes back. An event is either a timer expiry (the
  timer runs, ``now`` equals its deadline, no running timer is due earlier; the timer is
  stopped, as :func:`~bgpcascade.model.fsm.expire` does, before the row applies; the event
  is :data:`~bgpcascade.model.fsm.TIMER_EVENT` of the timer) or an external event (any
  event that is not a timer's) at any ``now`` up to the earliest running deadline.
- Events 19 and 20 carry the hold the OPEN negotiates: ``min(local HoldTime, remote)``
  with a symbolic remote HoldTime that is 0 or >= 3 s (RFC 4271 §4.2; a remote value of 1
  or 2 is an OPEN error, event 22). Other events pass no hold, as the session harness
  (model/session.py) does. A valid OPEN is event 20 exactly when the DelayOpenTimer runs,
  else 19 (§8.1.2; the harness decides the same way).
- Per-step action indicators (``released``, ``deleted_routes``, ``sent_notification_4``,
  ``counter_inc``, ``damp``, ``start_HoldTimer``, ...) are the disjunction of the rows
  whose actions contain that action; a NOTIFICATION sent only "if
  SendNOTIFICATIONwithoutOPEN" also needs that attribute.

What the session harness (model/session.py) does around the table is not encoded: the
SendHoldTimer restarts on send progress, hold jitter, paused processes (overdue timers),
messages in flight and graceful restart. The properties are about the table alone.

The configuration domain (:func:`config_domain`) is documented there; the properties are
the :data:`PROPERTIES` and :func:`check_all` checks them all. Each check uses a solver
timeout (``timeout_s`` per query) and optionally a Z3 resource limit; ``z3.unknown``
becomes UNKNOWN, never HOLDS (DESIGN.md; STYLE.md §7).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Literal, TypeAlias

import z3

from bgpcascade.model import fsm
from bgpcascade.model.fsm_vocab import Action, Event, State, Timer

from ..verdict import Verdict

#: A Z3 arithmetic term (``z3.ArithRef``) and a Z3 boolean term (``z3.BoolRef``).
Num: TypeAlias = Any
Bool: TypeAlias = Any
ZConfig: TypeAlias = fsm.Config[Any, Any]
ZVars: TypeAlias = fsm.Vars[Any, Any]


# -- the backend ------------------------------------------------------------------------------


class Z3Arith:
    """:class:`~bgpcascade.model.fsm.Arith` on Z3 Real terms and Z3 Bools."""

    def const(self, x: int | Fraction) -> Num:
        f = Fraction(x)
        return z3.RealVal(f.numerator) if f.denominator == 1 else z3.Q(f.numerator,
                                                                        f.denominator)

    def true(self) -> Bool:
        return z3.BoolVal(True)

    def false(self) -> Bool:
        return z3.BoolVal(False)

    def ite(self, c: Bool, a: Num, b: Num) -> Num:
        return z3.If(c, a, b)

    def ite_b(self, c: Bool, a: Bool, b: Bool) -> Bool:
        return z3.If(c, a, b)

    def lt(self, a: Num, b: Num) -> Bool:
        return a < b

    def eq(self, a: Num, b: Num) -> Bool:
        return a == b

    def and_(self, *xs: Bool) -> Bool:
        return z3.And(*xs)

    def not_(self, x: Bool) -> Bool:
        return z3.Not(x)

    def min(self, a: Num, b: Num) -> Num:
        return z3.If(a <= b, a, b)

    def add(self, a: Num, b: Num) -> Num:
        return a + b

    def mul(self, a: Num, b: Num) -> Num:
        return a * b

    def div(self, a: Num, k: int) -> Num:
        return a / z3.RealVal(k)


Z3 = Z3Arith()

#: Largest HoldTime an OPEN can carry (RFC 4271 §4.2: a two-octet number of seconds).
MAX_HOLD = 65535
TIMER_OF_EVENT: dict[Event, Timer] = {e: t for t, e in fsm.TIMER_EVENT.items()}
OPEN_EVENTS: frozenset[Event] = frozenset({Event.BGPOpen,
                                           Event.BGPOpen_with_DelayOpenTimer_running})
#: NOTIFICATION conditions in the table, and the attribute that decides them.
_NOTIFICATION_CONDITIONS: dict[str, Callable[[ZConfig], Bool]] = {
    "SendNOTIFICATIONwithoutOPEN": lambda cfg: cfg.send_notification_without_open,
}
_FRIENDLY: dict[str, str] = {"release_resources": "released", "delete_routes": "deleted_routes"}


def fresh_config(prefix: str) -> ZConfig:
    """A symbolic configuration (constrain it with :func:`config_domain`)."""
    def r(name: str) -> Num:
        return z3.Real(f"{prefix}.{name}")

    def b(name: str) -> Bool:
        return z3.Bool(f"{prefix}.{name}")

    return fsm.Config(
        hold_time=r("hold_time"), keepalive_time=r("keepalive_time"),
        connect_retry_time=r("connect_retry_time"), large_hold=r("large_hold"),
        delay_open=b("delay_open"), delay_open_time=r("delay_open_time"),
        damp_peer_oscillations=b("damp_peer_oscillations"), idle_hold_max=r("idle_hold_max"),
        send_hold_factor=r("send_hold_factor"), send_hold_min=r("send_hold_min"),
        allow_automatic_start=b("allow_automatic_start"),
        allow_automatic_stop=b("allow_automatic_stop"),
        send_notification_without_open=b("send_notification_without_open"))


def _hold_value(x: Num) -> Bool:
    """A HoldTime on the wire: whole seconds, 0 or 3..65535 (RFC 4271 §4.2)."""
    return z3.And(z3.IsInt(x), z3.Or(x == 0, z3.And(x >= 3, x <= MAX_HOLD)))


def config_domain(cfg: ZConfig) -> Bool:
    """The configurations the properties quantify over.

    - ``hold_time``: 0 or 3..65535 whole seconds (RFC 4271 §4.2, §10).
    - ``keepalive_time``: whole seconds, ``0 <= keepalive_time <= hold_time / 3`` (§4.4,
      §10 "one third of the HoldTime"; 0 sends none).
    - ``large_hold`` (HoldTimer in OpenSent, §8.2.2 "large value", 4 min suggested; FRR
      uses the configured hold): 0 or 3..65535 whole seconds.
    - ``connect_retry_time``, ``delay_open_time``, ``idle_hold_max``: whole seconds >= 1
      (§8.1.1, §10).
    - ``send_hold_factor`` in {0, 1, 2} and ``send_hold_min`` whole seconds >= 0 (RFC 9687
      §4; profiles: GoBGP 0 = none, OpenBGPD 1 with min 90 s, FRR/BIRD 2, RFC 9687
      recommends 2 with min 480 s).
    - the booleans (DelayOpen, DampPeerOscillations, AllowAutomaticStart/Stop,
      SendNOTIFICATIONwithoutOPEN) are free.
    """
    def whole(x: Num, lo: int) -> Bool:
        return z3.And(z3.IsInt(x), x >= lo)

    return z3.And(
        _hold_value(cfg.hold_time),
        whole(cfg.keepalive_time, 0), cfg.keepalive_time * 3 <= cfg.hold_time,
        _hold_value(cfg.large_hold),
        whole(cfg.connect_retry_time, 1), whole(cfg.delay_open_time, 1),
        whole(cfg.idle_hold_max, 1),
        z3.Or(cfg.send_hold_factor == 0, cfg.send_hold_factor == 1, cfg.send_hold_factor == 2),
        whole(cfg.send_hold_min, 0))


def fresh_vars(prefix: str) -> ZVars:
    """A symbolic session state (any values: constrain it where needed)."""
    return fsm.Vars(
        state=z3.Real(f"{prefix}.state"), counter=z3.Real(f"{prefix}.counter"),
        idle_hold_time=z3.Real(f"{prefix}.idle_hold_time"),
        negotiated_hold=z3.Real(f"{prefix}.negotiated_hold"),
        running={t: z3.Bool(f"{prefix}.running.{t.value}") for t in Timer},
        deadline={t: z3.Real(f"{prefix}.deadline.{t.value}") for t in Timer},
        routes_deleted=z3.Bool(f"{prefix}.routes_deleted"))


def initial_state(cfg: ZConfig, v: ZVars) -> Bool:
    """:func:`~bgpcascade.model.fsm.initial_vars`: Idle, timers stopped at 0, counter 0,
    no hold, routes kept; the initial IdleHoldTime is whole seconds in 1..idle_hold_max."""
    return z3.And(
        v.state == fsm.STATE_CODE[State.Idle], v.counter == 0, v.negotiated_hold == 0,
        z3.IsInt(v.idle_hold_time), v.idle_hold_time >= 1,
        v.idle_hold_time <= cfg.idle_hold_max, z3.Not(v.routes_deleted),
        *[z3.Not(v.running[t]) for t in Timer], *[v.deadline[t] == 0 for t in Timer])


def vars_equal(a: ZVars, b: ZVars) -> Bool:
    """Every attribute of ``a`` equals that of ``b``."""
    return z3.And(
        a.state == b.state, a.counter == b.counter, a.idle_hold_time == b.idle_hold_time,
        a.negotiated_hold == b.negotiated_hold, a.routes_deleted == b.routes_deleted,
        *[a.running[t] == b.running[t] for t in Timer],
        *[a.deadline[t] == b.deadline[t] for t in Timer])


def in_state(v: ZVars, *states: State) -> Bool:
    """``v`` is in one of ``states``."""
    return z3.Or(*[v.state == fsm.STATE_CODE[s] for s in states])


def _expired(v: ZVars, timer: Timer) -> ZVars:
    """:func:`~bgpcascade.model.fsm.expire` on symbolic state: ``timer`` stops."""
    running = dict(v.running)
    running[timer] = z3.BoolVal(False)
    return replace(v, running=running)


def indicator_name(a: Action) -> str:
    if a.kind == "send_notification":
        return f"sent_notification_{a.code}"
    if a.kind in ("start", "stop"):
        assert a.timer is not None
        return f"{a.kind}_{a.timer.value}"
    return _FRIENDLY.get(a.kind, a.kind)


# -- the transition relation ----------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One symbolic event from ``pre``: its inputs, which row fired, and the state after.

    ``constraint`` says the inputs are well-formed (event 1-29, remote hold 0 or >= 3 s)
    and the event may happen now (timing) and some row fires. ``post`` is the successor
    as a term (an if-then-else over the rows); ``fired[i]`` says row ``i`` of the table
    applies; ``indicators`` maps an action name to "this step performed it".
    """

    pre: ZVars
    event: Num
    collision: Bool
    remote_hold: Num
    opened_hold: Num
    now: Num
    timing: Bool
    constraint: Bool
    post: ZVars
    fired: tuple[Bool, ...]
    indicators: dict[str, Bool] = field(repr=False)

    def did(self, name: str) -> Bool:
        """The indicator ``name`` (False when no row has that action)."""
        return self.indicators.get(name, z3.BoolVal(False))

    def is_event(self, *events: Event | int) -> Bool:
        """The event is one of ``events``."""
        return z3.Or(*[self.event == int(e) for e in events])


class Encoding:
    """The Z3 transition relation of ``table`` (default: the model's table)."""

    def __init__(self, table: Sequence[fsm.Transition] = fsm.TABLE) -> None:
        self.table: tuple[fsm.Transition, ...] = tuple(table)

    def successor(self, cfg: ZConfig, v: ZVars, event: Num, collision: Bool,
                  opened_hold: Num, now: Num
                  ) -> tuple[tuple[Bool, ...], ZVars, dict[str, Bool]]:
        """Per-row "fires" conditions, the successor state, and the action indicators.

        Each row's guard is :func:`fsm.guard_holds` and its effect :func:`fsm.apply_actions`
        on ``v`` (with the row's timer stopped first when the event is a timer's).
        """
        fired: list[Bool] = []
        effects: dict[tuple[Any, ...], tuple[list[Bool], ZVars]] = {}
        marks: dict[str, list[Bool]] = {}
        for row in self.table:
            timer = TIMER_OF_EVENT.get(row.event)
            pre = _expired(v, timer) if timer is not None else v
            is_open = row.event in OPEN_EVENTS
            cond = z3.And(v.state == fsm.STATE_CODE[row.state], event == int(row.event),
                          fsm.guard_holds(Z3, cfg, pre, row.guard, collision))
            fired.append(cond)
            key = (row.actions, row.next_state, timer, is_open)
            if key not in effects:
                effects[key] = ([], fsm.apply_actions(
                    Z3, cfg, pre, row.actions, row.next_state, now,
                    opened_hold if is_open else None))
            effects[key][0].append(cond)
            for a in row.actions:
                mark = cond
                if a.kind == "send_notification" and a.condition:
                    if a.condition not in _NOTIFICATION_CONDITIONS:
                        raise ValueError(f"row ({row.state.value}, {row.event.name}): no "
                                         f"attribute decides NOTIFICATION condition "
                                         f"{a.condition!r}; add it to _NOTIFICATION_CONDITIONS")
                    mark = z3.And(cond, _NOTIFICATION_CONDITIONS[a.condition](cfg))
                marks.setdefault(indicator_name(a), []).append(mark)
        post = v
        for conds, eff in reversed(list(effects.values())):
            c = z3.Or(*conds)
            post = fsm.Vars(
                state=z3.If(c, eff.state, post.state),
                counter=z3.If(c, eff.counter, post.counter),
                idle_hold_time=z3.If(c, eff.idle_hold_time, post.idle_hold_time),
                negotiated_hold=z3.If(c, eff.negotiated_hold, post.negotiated_hold),
                running={t: z3.If(c, eff.running[t], post.running[t]) for t in Timer},
                deadline={t: z3.If(c, eff.deadline[t], post.deadline[t]) for t in Timer},
                routes_deleted=z3.If(c, eff.routes_deleted, post.routes_deleted))
        indicators = {name: z3.Or(*ms) for name, ms in sorted(marks.items())}
        return tuple(fired), post, indicators

    @staticmethod
    def timing(v: ZVars, event: Num, now: Num) -> Bool:
        """When the event may happen: no running timer is overdue at ``now``, and a timer's
        event happens exactly at its deadline while it runs."""
        return z3.And(
            *[z3.Implies(v.running[t], v.deadline[t] >= now) for t in Timer],
            *[z3.Implies(event == int(e), z3.And(v.running[t], v.deadline[t] == now))
              for t, e in fsm.TIMER_EVENT.items()])

    @staticmethod
    def admissible(v: ZVars, event: Num) -> Bool:
        """Which event a valid OPEN raises (RFC 4271 §8.1.2): BGPOpen_with_DelayOpenTimer_
        running (20) exactly when the DelayOpenTimer runs, else BGPOpen (19), as the
        session harness (model/session.py) decides; and the event is one of 1-29."""
        delaying = v.running[Timer.DelayOpenTimer]
        return z3.And(event >= 1, event <= max(int(e) for e in Event),
                      z3.Implies(event == int(Event.BGPOpen), z3.Not(delaying)),
                      z3.Implies(event == int(Event.BGPOpen_with_DelayOpenTimer_running),
                                 delaying))

    def T(self, cfg: ZConfig, v: ZVars, event: Num, collision: Bool, opened_hold: Num,
          now: Num, v2: ZVars) -> Bool:
        """The transition relation: ``event`` at ``now`` takes ``v`` to ``v2``."""
        fired, post, _ = self.successor(cfg, v, event, collision, opened_hold, now)
        return z3.And(self.admissible(v, event), self.timing(v, event, now), z3.Or(*fired),
                      vars_equal(v2, post))

    def step(self, cfg: ZConfig, v: ZVars, prefix: str) -> Step:
        """One event from ``v`` with fresh inputs named ``prefix.*``."""
        event = z3.Int(f"{prefix}.event")
        collision = z3.Bool(f"{prefix}.collision")
        remote = z3.Real(f"{prefix}.remote_hold")
        now = z3.Real(f"{prefix}.now")
        opened = Z3.min(cfg.hold_time, remote)
        fired, post, indicators = self.successor(cfg, v, event, collision, opened, now)
        timing = self.timing(v, event, now)
        constraint = z3.And(self.admissible(v, event), _hold_value(remote), timing,
                            z3.Or(*fired))
        return Step(pre=v, event=event, collision=collision, remote_hold=remote,
                    opened_hold=opened, now=now, timing=timing, constraint=constraint,
                    post=post, fired=fired, indicators=indicators)


def T(cfg: ZConfig, v: ZVars, event: Num, collision: Bool, opened_hold: Num, now: Num,
      v2: ZVars, table: Sequence[fsm.Transition] = fsm.TABLE) -> Bool:
    """The symbolic transition relation of ``table``: :meth:`Encoding.T`."""
    return Encoding(table).T(cfg, v, event, collision, opened_hold, now, v2)


@dataclass
class Path:
    """An unrolled run: ``states[0]`` -event ``steps[0]``-> ``states[1]`` ..."""

    cfg: ZConfig
    states: list[ZVars]
    steps: list[Step]


def start_path(cfg_extra: Callable[[ZConfig, ZVars], Bool] | None = None
               ) -> tuple[Path, list[Bool]]:
    """An empty run from the initial state with a symbolic configuration, and the
    constraints that say so (configuration domain, initial state, ``cfg_extra``)."""
    cfg = fresh_config("cfg")
    v0 = fresh_vars("v0")
    out = [config_domain(cfg), initial_state(cfg, v0)]
    if cfg_extra is not None:
        out.append(cfg_extra(cfg, v0))
    return Path(cfg=cfg, states=[v0], steps=[]), out


def extend(enc: Encoding, path: Path, step_filter: Callable[[ZConfig, Step], Bool] | None = None
           ) -> tuple[Step, list[Bool]]:
    """Add one event to ``path``: fresh successor variables equal to the step's result,
    and a clock that does not go back. Returns the step and its constraints."""
    k = len(path.steps)
    st = enc.step(path.cfg, path.states[-1], f"s{k}")
    nxt = fresh_vars(f"v{k + 1}")
    out = [st.constraint, vars_equal(nxt, st.post),
           st.now >= (path.steps[-1].now if path.steps else 0)]
    if step_filter is not None:
        out.append(step_filter(path.cfg, st))
    path.steps.append(st)
    path.states.append(nxt)
    return st, out


# -- reading models back ----------------------------------------------------------------------


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


def describe_path(model: z3.ModelRef, path: Path) -> tuple[tuple[str, ...], str]:
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
    if remote_hold != 0 and remote_hold < 3:
        return None, f"a remote HoldTime of {_fmt(remote_hold)} s (RFC 4271 §4.2: 0 or >= 3)"
    state = fsm.state_of(v)
    rows = [r for r in table if r.state is state and r.event is event
            and fsm.guard_holds(fsm.PY, cfg, v, r.guard, collision)]
    if len(rows) != 1:
        return None, f"{len(rows)} rows apply to {event.name} in {state.value}"
    row = rows[0]
    opened = min(cfg.hold_time, remote_hold) if is_open else None
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


def replay(model: z3.ModelRef, path: Path, table: Sequence[fsm.Transition]) -> str:
    """Replay the run ``path`` denotes in ``model`` step by step in the Python interpreter
    (:func:`replay_step`) and compare every state with the solver's (STYLE.md §7: a
    witness is shown only once it replays). Returns "" when the run replays, else where
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


# -- checking -----------------------------------------------------------------------------------

StepPredicate = Callable[[ZConfig, Step], Bool]
ConfigPredicate = Callable[[ZConfig, ZVars], Bool]


@dataclass(frozen=True)
class Budget:
    """Solver limits: ``timeout_s`` per query, an optional Z3 ``rlimit`` per query, and
    the bound ``k_max`` of bounded model checking (events from the initial state)."""

    timeout_s: float = 30.0
    rlimit: int | None = None
    k_max: int = 8

    def solver(self) -> z3.Solver:
        """A fresh solver with these limits."""
        s = z3.Solver()
        s.set("timeout", max(1, round(self.timeout_s * 1000)))
        if self.rlimit is not None:
            s.set("rlimit", self.rlimit)
        return s


@dataclass(frozen=True)
class Outcome:
    """What one query found: ``sat`` (with trace and detail), ``unsat`` or ``unknown``."""

    result: Literal["sat", "unsat", "unknown"]
    trace: tuple[str, ...] = ()
    detail: str = ""
    k: int = 0


def _unknown(solver: z3.Solver, what: str) -> Outcome:
    return Outcome("unknown", detail=f"{what}: solver returned unknown "
                                     f"({solver.reason_unknown()})")


def _disagree(why: str) -> Outcome:
    return Outcome("unknown", detail="the solver's run does not replay in the Python FSM "
                                     f"(model/fsm.py), so it is not shown: {why}")


def one_step(enc: Encoding, budget: Budget, bad: StepPredicate,
             assume: Callable[[ZConfig, ZVars], Bool] | None = None) -> Outcome:
    """Is there ANY state (in the domain, satisfying ``assume``) and event whose step
    satisfies ``bad``? ``unsat`` proves the step property for every state."""
    s = budget.solver()
    cfg = fresh_config("cfg")
    v = fresh_vars("v")
    st = enc.step(cfg, v, "s")
    s.add(config_domain(cfg), st.constraint, bad(cfg, st))
    if assume is not None:
        s.add(assume(cfg, v))
    r = s.check()
    if r == z3.unsat:
        return Outcome("unsat")
    if r != z3.sat:
        return _unknown(s, "one-step query")
    m = s.model()
    nxt, why = replay_step(enc.table, read_config(m, cfg), read_vars(m, v), _event_of(m, st),
                           value(m, st.now), truth(m, st.collision), value(m, st.remote_hold))
    if nxt is None:
        return _disagree(why)
    if nxt != (want := read_vars(m, st.post)):
        return _disagree(f"{_event_of(m, st).name}: {vars_diff(nxt, want)}")
    return Outcome("sat", trace=(_event_of(m, st).name,),
                   detail=(f"config: {describe_config(m, cfg)}; from {describe_vars(m, v)}: "
                           f"{_describe_step(m, st, st.post)}"), k=1)


def bmc(enc: Encoding, budget: Budget, goal: StepPredicate, *,
        step_filter: StepPredicate | None = None,
        cfg_extra: ConfigPredicate | None = None, k_max: int | None = None) -> Outcome:
    """Bounded model checking from the initial state: the SHORTEST run (k = 1, 2, ...
    up to ``k_max`` events) whose last step satisfies ``goal``."""
    s = budget.solver()
    path, init = start_path(cfg_extra)
    s.add(*init)
    for k in range(1, (k_max or budget.k_max) + 1):
        st, constraints = extend(enc, path, step_filter)
        s.add(*constraints)
        s.push()
        s.add(goal(path.cfg, st))
        r = s.check()
        if r == z3.sat:
            model = s.model()
            if why := replay(model, path, enc.table):
                return _disagree(why)
            trace, detail = describe_path(model, path)
            return Outcome("sat", trace=trace, detail=detail, k=k)
        if r != z3.unsat:
            return _unknown(s, f"bounded search at k={k}")
        s.pop()
    return Outcome("unsat", k=k_max or budget.k_max)


def _step_verdict(name: str, enc: Encoding, budget: Budget, bad: StepPredicate,
                  holds: str, what: str) -> Verdict:
    """A property of every single transition, from every state: HOLDS by the one-step
    query, or VIOLATED with the shortest run from Idle that takes a bad step (or, when
    none is found within the bound, the bad step from the state the solver chose)."""
    method = "induction (1-step, all states)"
    out = one_step(enc, budget, bad)
    if out.result == "unsat":
        return Verdict(name, "HOLDS", method, holds)
    if out.result == "unknown":
        return Verdict(name, "UNKNOWN", method, out.detail)
    return _violation(name, method, enc, budget, bad, out, what)


def _violation(name: str, method: str, enc: Encoding, budget: Budget, goal: StepPredicate,
               out: Outcome, what: str) -> Verdict:
    reach = bmc(enc, budget, goal)
    if reach.result == "sat":
        return Verdict(name, "VIOLATED", f"{method}; counterexample by bounded model "
                       f"checking, shortest run from Idle (k = {reach.k})",
                       f"{what}: {reach.detail}", reach.trace)
    why = (f"no run from Idle reaches it within k <= {budget.k_max} events"
           if reach.result == "unsat" else f"no run from Idle is shown: {reach.detail}")
    return Verdict(name, "VIOLATED", method,
                   f"{what} ({why}; the step below starts from a state the solver chose): "
                   f"{out.detail}", out.trace)


# -- the properties ---------------------------------------------------------------------------


def check_established_only_from_openconfirm_keepalive(
        table: Sequence[fsm.Transition] = fsm.TABLE, budget: Budget = Budget()) -> Verdict:
    """Established is entered only from OpenConfirm on KeepAliveMsg (Event 26).

    RFC 4271 §8.2.2, OpenConfirm: "If the local system receives a KEEPALIVE message
    (KeepAliveMsg (Event 26)), the local system: restarts the HoldTimer and changes its
    state to Established"; no other row of §8.2.2 enters Established. Checked over every
    transition from every state (a one-step query: no reachability argument needed).
    """
    name = "established_only_from_openconfirm_keepalive"
    est, oc = fsm.STATE_CODE[State.Established], fsm.STATE_CODE[State.OpenConfirm]

    def bad(cfg: ZConfig, st: Step) -> Bool:
        return z3.And(st.pre.state != est, st.post.state == est,
                      z3.Not(z3.And(st.pre.state == oc, st.event == int(Event.KeepAliveMsg))))

    return _step_verdict(name, Encoding(table), budget, bad,
                         f"no transition of the {len(table)}-row table enters Established "
                         "except OpenConfirm + KeepAliveMsg (26), from any state and any "
                         "configuration in the domain", "Established entered otherwise")


def hold_invariant(cfg: ZConfig, v: ZVars) -> Bool:
    """The inductive invariant of :func:`check_hold_timer_running`."""
    return z3.And(
        z3.Implies(z3.And(in_state(v, State.OpenSent), cfg.large_hold > 0),
                   v.running[Timer.HoldTimer]),
        z3.Implies(z3.And(in_state(v, State.OpenConfirm, State.Established),
                          v.negotiated_hold != 0), v.running[Timer.HoldTimer]))


def check_hold_timer_running(table: Sequence[fsm.Transition] = fsm.TABLE,
                             budget: Budget = Budget()) -> Verdict:
    """A hold timer always runs when it should, and its expiry always ends the session.

    (1) Inductive invariant: in OpenSent with a large hold > 0 (§8.2.2 OpenSent: "sets
    the HoldTimer to a large value"), and in OpenConfirm / Established with a negotiated
    hold != 0 (§8.2.2 OpenSent Event 19 and Established Events 26/27: "sets/restarts the
    HoldTimer ... unless the negotiated HoldTime value is zero"; §4.2), the HoldTimer runs.
    It holds in the initial state and every transition preserves it; no strengthening is
    needed (if one step broke it only from an unreachable state, the verdict would be
    UNKNOWN with that step, not HOLDS). (2) Every HoldTimer_Expires (Event 10) in
    OpenSent, OpenConfirm or Established leads to Idle with NOTIFICATION 4 (Hold Timer
    Expired) sent (RFC 4271 §6.5, §8.2.2 Event 10 in those states).
    """
    name = "hold_timer_running"
    enc = Encoding(table)
    method = "induction (1-step, all states)"
    s = budget.solver()
    cfg, v0 = fresh_config("cfg"), fresh_vars("v0")
    s.add(config_domain(cfg), initial_state(cfg, v0), z3.Not(hold_invariant(cfg, v0)))
    r = s.check()
    if r == z3.sat:
        return Verdict(name, "VIOLATED", method, "the initial state breaks the invariant",
                       ("(initial state)",))
    if r != z3.unsat:
        return Verdict(name, "UNKNOWN", method, _unknown(s, "initial state").detail)

    def breaks(cfg: ZConfig, st: Step) -> Bool:
        return z3.Not(hold_invariant(cfg, st.post))

    cti = one_step(enc, budget, breaks, assume=hold_invariant)
    if cti.result == "unknown":
        return Verdict(name, "UNKNOWN", method, cti.detail)
    if cti.result == "sat":
        reach = bmc(enc, budget, breaks)
        if reach.result == "sat":
            return Verdict(name, "VIOLATED", f"bounded model checking, shortest run from "
                           f"Idle (k = {reach.k})", "a session in OpenSent/OpenConfirm/"
                           f"Established with a non-zero hold has no HoldTimer running: "
                           f"{reach.detail}", reach.trace)
        why = ("not reached from Idle within k <= "
               f"{budget.k_max}" if reach.result == "unsat" else reach.detail)
        return Verdict(name, "UNKNOWN", method, "the invariant is not inductive (it needs "
                       f"strengthening; {why}); step that breaks it: {cti.detail}", cti.trace)

    def expiry_bad(cfg: ZConfig, st: Step) -> Bool:
        return z3.And(in_state(st.pre, State.OpenSent, State.OpenConfirm, State.Established),
                      st.event == int(Event.HoldTimer_Expires),
                      z3.Not(z3.And(in_state(st.post, State.Idle),
                                    st.did("sent_notification_4"))))

    exp = one_step(enc, budget, expiry_bad)
    if exp.result == "unknown":
        return Verdict(name, "UNKNOWN", method, exp.detail)
    if exp.result == "sat":
        return _violation(name, method, enc, budget, expiry_bad, exp,
                          "a HoldTimer_Expires does not lead to Idle with NOTIFICATION 4")
    return Verdict(name, "HOLDS", method + " (inductive invariant; expiry checked per step)",
                   "invariant: (OpenSent and large_hold > 0) or (OpenConfirm/Established and "
                   "negotiated_hold != 0) implies HoldTimer running; true initially, kept by "
                   "every transition (not strengthened: it is inductive as stated); every "
                   "HoldTimer_Expires in OpenSent/OpenConfirm/Established goes to Idle and "
                   "sends NOTIFICATION 4")


def check_established_exit_releases_and_deletes_routes(
        table: Sequence[fsm.Transition] = fsm.TABLE, budget: Budget = Budget()) -> Verdict:
    """Every transition out of Established releases the session and deletes its routes.

    RFC 4271 §8.2.2, Established: each exit "releases all BGP resources" and (Events 2, 8,
    18, 19, 23-25, 28 and "any other event") "deletes all routes associated with this
    connection"; for HoldTimer_Expires (Event 10) and SendHoldTimer_Expires (RFC 9687 Event
    29) the table adds the deletion as implementations do (fsm.py, ``deviation``).
    Graceful restart (RFC 4724, RFC 8538) is not in the FSM: the zone dynamics apply it
    later by keeping the deleted routes as stale, so the FSM always deletes.
    """
    name = "established_exit_releases_and_deletes_routes"
    est = fsm.STATE_CODE[State.Established]

    def bad(cfg: ZConfig, st: Step) -> Bool:
        return z3.And(st.pre.state == est, st.post.state != est,
                      z3.Not(z3.And(st.did("released"), st.did("deleted_routes"),
                                    st.post.routes_deleted)))

    return _step_verdict(name, Encoding(table), budget, bad,
                         "every transition from Established to another state releases "
                         "resources and deletes routes (graceful restart, RFC 4724/8538, is "
                         "applied later by the zone dynamics, which may keep them stale)",
                         "an exit from Established keeps resources or routes")


@dataclass(frozen=True)
class CounterException:
    """An exit to Idle that RFC 4271 §8.2.2 lists WITHOUT "increments the
    ConnectRetryCounter by 1". ``delay_open_timer``: the DelayOpenTimer must be running
    (True), not running (False) or either (None). ``effect``: what happens to the
    counter instead (``zero``: set to 0; ``unchanged``)."""

    states: tuple[State, ...]
    event: Event
    delay_open_timer: bool | None
    effect: Literal["zero", "unchanged"]
    cite: str

    def applies(self, st: Step) -> Bool:
        """This exception covers the step."""
        cond = [in_state(st.pre, *self.states), st.event == int(self.event)]
        if self.delay_open_timer is not None:
            running = st.pre.running[Timer.DelayOpenTimer]
            cond.append(running if self.delay_open_timer else z3.Not(running))
        return z3.And(*cond)

    def counter_after(self, st: Step) -> Num:
        """ConnectRetryCounter after the step, as the RFC says."""
        return z3.RealVal(0) if self.effect == "zero" else st.pre.counter

    def describe(self) -> str:
        """One line: event, states, timer condition, counter effect."""
        timer = ("" if self.delay_open_timer is None else " with DelayOpenTimer "
                 + ("running" if self.delay_open_timer else "not running"))
        effect = "0" if self.effect == "zero" else "unchanged"
        return (f"{self.event.name} in {'/'.join(s.value for s in self.states)}{timer} -> "
                f"counter {effect}")


_NOT_IDLE = (State.Connect, State.Active, State.OpenSent, State.OpenConfirm,
             State.Established)

#: The RFC's exits to Idle that do not increment ConnectRetryCounter (data, with citations).
COUNTER_EXCEPTIONS: tuple[CounterException, ...] = (
    CounterException(_NOT_IDLE, Event.ManualStop, None, "zero",
                     "RFC 4271 §8.2.2 Connect, Active, OpenSent, OpenConfirm, Established: "
                     "ManualStop (Event 2) 'sets the ConnectRetryCounter to zero'"),
    CounterException((State.Connect, State.Active), Event.NotifMsgVerErr, True, "unchanged",
                     "RFC 4271 §8.2.2 Connect and Active: NotifMsgVerErr (Event 24) 'If the "
                     "DelayOpenTimer is running ... releases all BGP resources, drops the TCP "
                     "connection, and changes its state to Idle' (no increment)"),
    CounterException((State.OpenSent, State.OpenConfirm), Event.NotifMsgVerErr, None,
                     "unchanged",
                     "RFC 4271 §8.2.2 OpenSent and OpenConfirm: 'If ... a NOTIFICATION message "
                     "with a version error (Event 24) ... sets the ConnectRetryTimer to zero, "
                     "releases all BGP resources, drops the TCP connection, and changes its "
                     "state to Idle' (no increment)"),
    CounterException((State.Connect,), Event.TcpConnectionFails, False, "unchanged",
                     "RFC 4271 §8.2.2 Connect: TcpConnectionFails (Event 18) 'If the "
                     "DelayOpenTimer is not running ... stops the ConnectRetryTimer to zero, "
                     "drops the TCP connection, releases all BGP resources, and changes its "
                     "state to Idle' (no increment)"),
)


def _rfc_idle_deviations(table: Sequence[fsm.Transition]) -> tuple[int, ...]:
    """Indices of the rows whose RFC next state is Idle but the model's is not (a
    documented deviation, e.g. FRR's Connect + TcpConnectionFails -> Active)."""
    return tuple(i for i, r in enumerate(table)
                 if r.rfc_next is State.Idle and r.next_state is not State.Idle)


def check_error_exit_increments_counter(
        table: Sequence[fsm.Transition] = fsm.TABLE, budget: Budget = Budget(),
        exceptions: Sequence[CounterException] = COUNTER_EXCEPTIONS) -> Verdict:
    """Every exit from a non-Idle state to Idle increments ConnectRetryCounter by exactly
    1, except the RFC's named exceptions (:data:`COUNTER_EXCEPTIONS`, each cited).

    RFC 4271 §8.2.2: every error exit lists "increments the ConnectRetryCounter by 1".
    The exception list is checked to be exact, so that it cannot rot: for each exception
    and each state it names, every such step leaves the counter as the RFC says (0 or
    unchanged) and goes to Idle, or to the state of a row that documents the RFC's Idle as
    a deviation (``rfc_next_state``; the model's Connect + TcpConnectionFails goes to
    Active as FRR does, still without incrementing).
    """
    name = "error_exit_increments_counter"
    enc = Encoding(table)
    method = "induction (1-step, all states)"
    deviating = _rfc_idle_deviations(enc.table)

    def bad(cfg: ZConfig, st: Step) -> Bool:
        return z3.And(z3.Not(in_state(st.pre, State.Idle)), in_state(st.post, State.Idle),
                      *[z3.Not(e.applies(st)) for e in exceptions],
                      st.post.counter != st.pre.counter + 1)

    main = _step_verdict(name, enc, budget, bad, "", "an exit to Idle outside the RFC's "
                         "exceptions does not increment ConnectRetryCounter by exactly 1")
    if main.status != "HOLDS":
        return main
    notes: list[str] = []
    for exc in exceptions:
        for state in exc.states:
            one = replace(exc, states=(state,))

            def stale(cfg: ZConfig, st: Step, one: CounterException = one) -> Bool:
                idle_or_documented = z3.Or(in_state(st.post, State.Idle),
                                           *[st.fired[i] for i in deviating])
                return z3.And(one.applies(st), z3.Not(z3.And(
                    st.post.counter == one.counter_after(st), idle_or_documented)))

            v = _step_verdict(name, enc, budget, stale, "",
                              f"the exception list is stale: ({state.value}, "
                              f"{exc.event.name}) does not go to Idle with counter "
                              f"{'0' if exc.effect == 'zero' else 'unchanged'} ({exc.cite})")
            if v.status != "HOLDS":
                return v
            rows = [enc.table[i] for i in deviating
                    if enc.table[i].state is state and enc.table[i].event is exc.event]
            notes += [f"({r.state.value}, {r.event.name}, {r.guard.value}) goes to "
                      f"{r.next_state.value} instead (deviation: {r.deviation})" for r in rows]
    listed = "; ".join(e.describe() for e in exceptions)
    return Verdict(name, "HOLDS", method,
                   "every exit from a non-Idle state to Idle increments ConnectRetryCounter "
                   f"by exactly 1, except (each checked to be exact): {listed}"
                   + (f". Note: {'; '.join(notes)}" if notes else ""))


#: Events a working peer and TCP produce (property e): automatic starts, TCP success,
#: a valid OPEN, KEEPALIVE, and timer expiries.
RESPONSIVE_EVENTS: tuple[Event, ...] = (
    Event.AutomaticStart, Event.AutomaticStart_with_PassiveTcpEstablishment,
    Event.AutomaticStart_with_DampPeerOscillations,
    Event.AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment,
    Event.TcpConnection_Valid, Event.Tcp_CR_Acked, Event.TcpConnectionConfirmed,
    Event.BGPOpen, Event.BGPOpen_with_DelayOpenTimer_running, Event.KeepAliveMsg,
    *fsm.TIMER_EVENT.values())


def attribute_events(cfg: ZConfig, st: Step) -> Bool:
    """The local system raises automatic starts only with AllowAutomaticStart, the damped
    ones (6, 7) only with DampPeerOscillations too, and AutomaticStop (8) only with
    AllowAutomaticStop (RFC 4271 §8.1.1, §8.1.2). Used by the witness searches; the
    safety properties quantify over every event."""
    damped = (Event.AutomaticStart_with_DampPeerOscillations,
              Event.AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment)
    auto = (Event.AutomaticStart, Event.AutomaticStart_with_PassiveTcpEstablishment, *damped)
    return z3.And(z3.Implies(st.is_event(*auto), cfg.allow_automatic_start),
                  z3.Implies(st.is_event(*damped), cfg.damp_peer_oscillations),
                  z3.Implies(st.is_event(Event.AutomaticStop), cfg.allow_automatic_stop))


def responsive_peer(cfg: ZConfig, st: Step) -> Bool:
    """Only :data:`RESPONSIVE_EVENTS`, no connection collision, and
    :func:`attribute_events`."""
    return z3.And(st.is_event(*RESPONSIVE_EVENTS), z3.Not(st.collision),
                  attribute_events(cfg, st))


def check_established_reachable(table: Sequence[fsm.Transition] = fsm.TABLE,
                                budget: Budget = Budget()) -> Verdict:
    """``sometimes``: with AllowAutomaticStart and a responsive peer, Established is
    reachable from Idle; the witness is the SHORTEST event sequence.

    RFC 4271 §8.2.2: Idle -AutomaticStart (3)-> Connect -Tcp_CR_Acked (16) /
    TcpConnectionConfirmed (17)-> OpenSent -BGPOpen (19)-> OpenConfirm -KeepAliveMsg (26)->
    Established (or the passive / DelayOpen variants). Bounded model checking with
    increasing k finds the shortest run. If none exists within the bound and a one-step
    query shows no responsive-peer transition can enter Established at all, the property
    is VIOLATED for every k; otherwise UNKNOWN.
    """
    name = "established_reachable"
    enc = Encoding(table)
    est = fsm.STATE_CODE[State.Established]

    def goal(cfg: ZConfig, st: Step) -> Bool:
        return st.post.state == est

    def automatic(cfg: ZConfig, v0: ZVars) -> Bool:
        return cfg.allow_automatic_start

    method = f"bounded model checking, shortest witness, k <= {budget.k_max} events"
    out = bmc(enc, budget, goal, step_filter=responsive_peer, cfg_extra=automatic)
    if out.result == "sat":
        return Verdict(name, "HOLDS", f"bounded model checking, shortest witness (k = "
                       f"{out.k}, none shorter)", out.detail, out.trace, kind="sometimes")
    if out.result == "unknown":
        return Verdict(name, "UNKNOWN", method, out.detail, kind="sometimes")

    def enters(cfg: ZConfig, st: Step) -> Bool:
        return z3.And(st.pre.state != est, goal(cfg, st), responsive_peer(cfg, st),
                      cfg.allow_automatic_start)

    proof = one_step(enc, budget, enters)
    if proof.result == "unsat":
        return Verdict(name, "VIOLATED", "induction (1-step, all states)",
                       "no transition on a responsive peer's events enters Established from "
                       "any state, so no run reaches it", kind="sometimes")
    return Verdict(name, "UNKNOWN", method,
                   f"no witness within k <= {budget.k_max} events, and Established is not "
                   "proved unreachable" + (f" ({proof.detail})" if proof.detail else ""),
                   kind="sometimes")


def idle_hold_invariant(cfg: ZConfig, v: ZVars) -> Bool:
    """0 < IdleHoldTime <= its cap (the invariant of :func:`check_damping_backoff`)."""
    return z3.And(v.idle_hold_time > 0, v.idle_hold_time <= cfg.idle_hold_max)


def damping_from_a_quarter(cfg: ZConfig, v0: ZVars) -> Bool:
    """Where the damping witness starts: DampPeerOscillations on, and an initial
    IdleHoldTime at most a quarter of the cap, so that reaching the cap takes at least
    two damped failures (a doubling below the cap, then one to it)."""
    return z3.And(cfg.damp_peer_oscillations, cfg.idle_hold_max >= 4 * v0.idle_hold_time)


def check_damping_backoff_grows_to_cap(table: Sequence[fsm.Transition] = fsm.TABLE,
                                       budget: Budget = Budget()) -> Verdict:
    """With DampPeerOscillations, each damped failure sets IdleHoldTime to
    min(2 x previous, cap) and starts the IdleHoldTimer with the previous value; nothing
    else changes it; so it grows monotonically and never exceeds the cap (inductive
    invariant 0 < IdleHoldTime <= cap). A bounded run of repeated failures reaches the
    cap (the shortest witness, from an initial IdleHoldTime at most a quarter of the cap,
    so at least two doublings).

    RFC 4271 §8.1.1 (DampPeerOscillations, IdleHoldTimer; "the IdleHoldTimer ... is used
    to keep the BGP peer in Idle for a particular duration") and §8.2.2 "(optionally)
    performs peer oscillation damping"; the doubling and its cap are implementation
    choices (FRR start timer 1 s doubling to 120 s, OpenBGPD IdleHold 30 s doubling to
    3600 s; reference/bgp-facts.md).
    """
    name = "damping_backoff_grows_to_cap"
    enc = Encoding(table)
    method = "induction (1-step, all states) + bounded model checking witness"

    def damping(cfg: ZConfig, v: ZVars) -> Bool:
        return z3.And(cfg.damp_peer_oscillations, idle_hold_invariant(cfg, v))

    def breaks(cfg: ZConfig, st: Step) -> Bool:
        pre, post = st.pre, st.post
        damped = st.did("damp")
        doubled = Z3.min(pre.idle_hold_time * 2, cfg.idle_hold_max)
        timer = z3.And(post.running[Timer.IdleHoldTimer],
                       post.deadline[Timer.IdleHoldTimer] == st.now + pre.idle_hold_time)
        good = z3.And(
            idle_hold_invariant(cfg, post), post.idle_hold_time >= pre.idle_hold_time,
            z3.If(damped, z3.And(post.idle_hold_time == doubled, timer),
                  post.idle_hold_time == pre.idle_hold_time))
        return z3.And(cfg.damp_peer_oscillations, z3.Not(good))

    cti = one_step(enc, budget, breaks, assume=damping)
    if cti.result == "unknown":
        return Verdict(name, "UNKNOWN", method, cti.detail)
    if cti.result == "sat":
        reach = bmc(enc, budget, breaks, cfg_extra=damping)
        if reach.result == "sat":
            return Verdict(name, "VIOLATED", f"bounded model checking, shortest run from "
                           f"Idle (k = {reach.k})", "a step does not set IdleHoldTime to "
                           f"min(2 x previous, cap) (or changes it otherwise): {reach.detail}",
                           reach.trace)
        why = (f"not reached from Idle within k <= {budget.k_max}"
               if reach.result == "unsat" else reach.detail)
        return Verdict(name, "UNKNOWN", method, "the backoff invariant is not inductive "
                       f"({why}): {cti.detail}", cti.trace)

    def at_cap(cfg: ZConfig, st: Step) -> Bool:
        return st.post.idle_hold_time == cfg.idle_hold_max

    wit = bmc(enc, budget, at_cap, step_filter=attribute_events,
              cfg_extra=damping_from_a_quarter)
    if wit.result == "sat":
        return Verdict(name, "HOLDS",
                       "induction (1-step, all states: IdleHoldTime' = min(2 x IdleHoldTime, "
                       "cap) on each damped failure, else unchanged; 0 < IdleHoldTime <= cap) "
                       f"+ bounded model checking, shortest witness to the cap (k = {wit.k})",
                       f"witness (initial IdleHoldTime <= cap / 4): {wit.detail}", wit.trace,
                       kind="sometimes")
    if wit.result == "unknown":
        return Verdict(name, "UNKNOWN", method, wit.detail, kind="sometimes")
    return Verdict(name, "UNKNOWN", method, "the backoff rule holds, but no run reaches the "
                   f"cap within k <= {budget.k_max} events", kind="sometimes")


@dataclass(frozen=True)
class PropertySpec:
    """A named property (STYLE.md §4): what it says, and the check that decides it."""

    name: str
    kind: Literal["always", "sometimes"]
    check: Callable[[Sequence[fsm.Transition], Budget], Verdict]

    @property
    def doc(self) -> str:
        """The check's docstring: what the property models and its RFC source."""
        return (self.check.__doc__ or "").strip()


PROPERTIES: tuple[PropertySpec, ...] = (
    PropertySpec("established_only_from_openconfirm_keepalive", "always",
                 check_established_only_from_openconfirm_keepalive),
    PropertySpec("hold_timer_running", "always", check_hold_timer_running),
    PropertySpec("established_exit_releases_and_deletes_routes", "always",
                 check_established_exit_releases_and_deletes_routes),
    PropertySpec("error_exit_increments_counter", "always",
                 check_error_exit_increments_counter),
    PropertySpec("established_reachable", "sometimes", check_established_reachable),
    PropertySpec("damping_backoff_grows_to_cap", "sometimes",
                 check_damping_backoff_grows_to_cap),
)


def check_all(timeout_s: float = 30.0, *, table: Sequence[fsm.Transition] = fsm.TABLE,
              rlimit: int | None = None, k_max: int = 8,
              only: Iterable[str] | None = None) -> list[Verdict]:
    """Check every property (or those named in ``only``) of ``table``; each verdict
    carries its measured time in ``seconds``. ``timeout_s`` and ``rlimit`` bound each
    solver query; ``k_max`` bounds the runs of bounded model checking."""
    budget = Budget(timeout_s=timeout_s, rlimit=rlimit, k_max=k_max)
    wanted = None if only is None else set(only)
    if wanted is not None and (unknown := wanted - {p.name for p in PROPERTIES}):
        raise ValueError(f"unknown properties {sorted(unknown)}; one of "
                         f"{[p.name for p in PROPERTIES]}")
    out: list[Verdict] = []
    for spec in PROPERTIES:
        if wanted is not None and spec.name not in wanted:
            continue
        t0 = time.perf_counter()
        try:
            verdict = spec.check(table, budget)
        except z3.Z3Exception as exc:  # a resource limit can surface as an exception
            verdict = Verdict(spec.name, "UNKNOWN", "z3", f"solver error: {exc}",
                              kind=spec.kind)
        out.append(replace(verdict, kind=spec.kind,
                           seconds=round(time.perf_counter() - t0, 3)))
    return out
