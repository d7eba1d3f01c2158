"""The session FSM in Z3, generated from the table: the symbolic transition relation.

Nothing here says what a transition does. The symbolic transition relation is built by
iterating over the rows of :data:`bgpcascade.model.fsm.TABLE` (or any table passed in) and
calling the SAME functions the Python interpreter uses, :func:`~bgpcascade.model.fsm.
guard_holds` and :func:`~bgpcascade.model.fsm.apply_actions`, with :class:`Z3Arith` instead
of :class:`~bgpcascade.model.fsm.PyArith`. A Hypothesis test (tests/test_fsm_z3.py) runs
random event sequences through both and compares every attribute at every step. The RFC's
rules on hold times come from :mod:`bgpcascade.model.rules`, written once over the same
arithmetic.

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
- Events 19 and 20 carry the hold the OPEN negotiates
  (:func:`~bgpcascade.model.rules.negotiated_hold_in`: ``min(local HoldTime, remote)``)
  with a symbolic remote HoldTime that :func:`hold_value` allows: 0 or 3..65535 whole
  seconds (RFC 4271 §4.2; a remote value of 1 or 2 is an OPEN error, event 22). Other
  events pass no hold, as the simulator (model/sim/sessions.py) does. A valid OPEN is
  event 20 exactly when the DelayOpenTimer runs, else 19 (§8.1.2;
  :func:`~bgpcascade.model.rules.open_received` decides the same way).
- Per-step action indicators (``released``, ``deleted_routes``, ``sent_notification_4``,
  ``counter_inc``, ``damp``, ``start_HoldTimer``, ...) are the disjunction of the rows
  whose actions contain that action; a NOTIFICATION sent only "if
  SendNOTIFICATIONwithoutOPEN" also needs that attribute.

What the simulator (model/sim/) does around the table is not encoded: the
SendHoldTimer restarts on send progress, paused processes (overdue timers),
messages in flight and graceful restart. The properties (:mod:`.proofs`) are about the
table alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, TypeAlias

import z3

from bgpcascade.model import fsm, rules
from bgpcascade.model.fsm_vocab import Action, Event, State, Timer

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

    def eq_int(self, a: Num, k: int) -> Bool:
        return a == k

    def le_int(self, a: Num, k: int) -> Bool:
        return a <= k

    def ge_int(self, a: Num, k: int) -> Bool:
        return a >= k

    def eq(self, a: Num, b: Num) -> Bool:
        return a == b

    def and_(self, *xs: Bool) -> Bool:
        return z3.And(*xs)

    def or_(self, *xs: Bool) -> Bool:
        return z3.Or(*xs)

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


def hold_value(x: Num) -> Bool:
    """A HoldTime on the wire: whole seconds, and one an OPEN carries and its receiver
    accepts (:func:`~bgpcascade.model.rules.hold_on_wire_in`: 0 or 3..65535, RFC 4271
    §4.2)."""
    return z3.And(z3.IsInt(x), rules.hold_on_wire_in(Z3, x))


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
        hold_value(cfg.hold_time),
        whole(cfg.keepalive_time, 0), cfg.keepalive_time * 3 <= cfg.hold_time,
        hold_value(cfg.large_hold),
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
        running (20) exactly when the DelayOpenTimer runs, else BGPOpen (19), as
        :func:`~bgpcascade.model.rules.open_received` decides; and the event is one of
        1-29."""
        delaying = v.running[Timer.DelayOpenTimer]
        return z3.And(event >= 1, event <= max(int(e) for e in Event),
                      z3.Implies(event == int(Event.BGPOpen), z3.Not(delaying)),
                      z3.Implies(event == int(Event.BGPOpen_with_DelayOpenTimer_running),
                                 delaying))

    def transition_relation(self, cfg: ZConfig, v: ZVars, event: Num, collision: Bool,
                            opened_hold: Num, now: Num, v2: ZVars) -> Bool:
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
        opened = rules.negotiated_hold_in(Z3, cfg.hold_time, remote)
        fired, post, indicators = self.successor(cfg, v, event, collision, opened, now)
        timing = self.timing(v, event, now)
        constraint = z3.And(self.admissible(v, event), hold_value(remote), timing,
                            z3.Or(*fired))
        return Step(pre=v, event=event, collision=collision, remote_hold=remote,
                    opened_hold=opened, now=now, timing=timing, constraint=constraint,
                    post=post, fired=fired, indicators=indicators)


def transition_relation(cfg: ZConfig, v: ZVars, event: Num, collision: Bool, opened_hold: Num,
                        now: Num, v2: ZVars, table: Sequence[fsm.Transition] = fsm.TABLE
                        ) -> Bool:
    """The symbolic transition relation of ``table``: :meth:`Encoding.transition_relation`."""
    return Encoding(table).transition_relation(cfg, v, event, collision, opened_hold, now, v2)


# The short name tests/test_fsm_z3.py calls the relation by (``fsm_z3.T``); kept as an
# alias only for it. ``T`` is not the Timer enum here (model/fsm_table.py's ``T`` is).
T = transition_relation


@dataclass
class UnrolledRun:
    """An unrolled run: ``states[0]`` -event ``steps[0]``-> ``states[1]`` ..."""

    cfg: ZConfig
    states: list[ZVars]
    steps: list[Step]


def start_path(cfg_extra: Callable[[ZConfig, ZVars], Bool] | None = None
               ) -> tuple[UnrolledRun, list[Bool]]:
    """An empty run from the initial state with a symbolic configuration, and the
    constraints that say so (configuration domain, initial state, ``cfg_extra``)."""
    cfg = fresh_config("cfg")
    v0 = fresh_vars("v0")
    out = [config_domain(cfg), initial_state(cfg, v0)]
    if cfg_extra is not None:
        out.append(cfg_extra(cfg, v0))
    return UnrolledRun(cfg=cfg, states=[v0], steps=[]), out


def extend(enc: Encoding, path: UnrolledRun,
           step_filter: Callable[[ZConfig, Step], Bool] | None = None
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

