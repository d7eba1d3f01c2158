"""The Z3 encoding of the session FSM (properties/fsm/, imported as ``proofs``) and its verdicts.

- every property HOLDS on the model's table, ``sometimes`` ones with a witness;
- each property CAN fail: a mutated table (one row changed) turns it VIOLATED, with a
  trace, so no check is vacuous;
- a starved solver gives UNKNOWN, never HOLDS (docs/cli.md, "Exit codes");
- Hypothesis: random event sequences run through the Python interpreter (fsm.step) and
  through the Z3 encoding give the same row, state and attributes at every step.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bgpcascade.model import fsm
from bgpcascade.model.fsm_vocab import (
    COUNTER_INC,
    DAMP,
    DELETE_ROUTES,
    Event,
    Guard,
    State,
    Timer,
    notify,
    start,
)
from bgpcascade.model.fsm_vocab import TimerValue as V
from bgpcascade.properties.fsm import proofs as fsm_z3
from bgpcascade.properties.verdict import Verdict, exit_code

NAMES = [p.name for p in fsm_z3.FSM_PROPERTIES]


# -- the real table -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def verdicts() -> dict[str, Verdict]:
    return {v.property: v for v in fsm_z3.check_all(timeout_s=30.0)}


def test_every_property_holds_on_the_table(verdicts: dict[str, Verdict]) -> None:
    assert sorted(verdicts) == sorted(NAMES)
    bad = {n: (v.status, v.detail) for n, v in verdicts.items() if not v.passed}
    assert not bad
    assert exit_code(verdicts.values()) == 0
    for v in verdicts.values():
        assert v.method and v.seconds is not None
        assert ("induction" in v.method) or ("k = " in v.method)  # HOLDS names its bound


def test_witnesses_are_shortest_and_replay(verdicts: dict[str, Verdict]) -> None:
    reach = verdicts["established_reachable"]
    assert reach.kind == "sometimes"
    # Idle -start-> Connect -TCP up-> OpenSent -OPEN-> OpenConfirm -KEEPALIVE-> Established
    assert len(reach.trace) == 4 and reach.trace[-1] == "KeepAliveMsg"
    assert "k = 4" in reach.method
    damp = verdicts["damping_backoff_grows_to_cap"]
    assert damp.kind == "sometimes" and damp.trace
    assert "Idle" in damp.detail


def test_counter_exceptions_cite_the_rfc() -> None:
    assert len(fsm_z3.COUNTER_EXCEPTIONS) == 4
    for exc in fsm_z3.COUNTER_EXCEPTIONS:
        assert exc.cite.startswith("RFC 4271 §8.2.2")
        assert f"Event {int(exc.event)}" in exc.cite


def test_properties_are_documented() -> None:
    for p in fsm_z3.FSM_PROPERTIES:
        assert "RFC" in p.doc, p.name


# -- each property can fail -------------------------------------------------------------------


def mutate(state: State, event: Event, guard: Guard | None = None,
           **changes: Any) -> tuple[fsm.Transition, ...]:
    """A copy of fsm.TABLE with one row changed."""
    rows = list(fsm.TABLE)
    idx = [i for i, r in enumerate(rows)
           if r.state is state and r.event is event and (guard is None or r.guard is guard)]
    assert len(idx) == 1, idx
    rows[idx[0]] = dataclasses.replace(rows[idx[0]], **changes)
    return tuple(rows)


def _row(state: State, event: Event, guard: Guard | None = None) -> fsm.Transition:
    return next(r for r in fsm.TABLE if r.state is state and r.event is event
                and (guard is None or r.guard is guard))


_HOLD_LARGE = start(Timer.HoldTimer, V.large)
_OC_HOLD = _row(State.OpenConfirm, Event.HoldTimer_Expires)

MUTANTS: dict[str, tuple[str, Callable[[], tuple[fsm.Transition, ...]]]] = {
    "open_enters_established": (
        "established_only_from_openconfirm_keepalive",
        lambda: mutate(State.OpenSent, Event.BGPOpen, next_state=State.Established)),
    "opensent_without_hold_timer": (
        "hold_timer_running",
        lambda: mutate(State.Connect, Event.Tcp_CR_Acked, Guard.no_delay_open,
                       removed=(_HOLD_LARGE,))),
    "hold_expiry_sends_fsm_error": (
        "hold_timer_running",
        lambda: mutate(State.OpenConfirm, Event.HoldTimer_Expires,
                       rfc_actions=(notify(5), *_OC_HOLD.rfc_actions[1:]))),
    "hold_expiry_keeps_routes": (
        "established_exit_releases_and_deletes_routes",
        lambda: mutate(State.Established, Event.HoldTimer_Expires, added=())),
    "update_error_without_increment": (
        "error_exit_increments_counter",
        lambda: mutate(State.Established, Event.UpdateMsgErr, removed=(COUNTER_INC,))),
    "exception_rots": (
        "error_exit_increments_counter",
        lambda: mutate(State.OpenSent, Event.NotifMsgVerErr, added=(COUNTER_INC,))),
    "double_damping": (
        "damping_backoff_grows_to_cap",
        lambda: mutate(State.Connect, Event.BGPHeaderErr, added=(DAMP,))),
}


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_a_mutated_table_is_caught(mutant: str) -> None:
    prop, make = MUTANTS[mutant]
    table = make()
    assert not fsm.check_defined(table)
    [v] = fsm_z3.check_all(table=table, only=[prop])
    assert v.status == "VIOLATED", (v.status, v.detail)
    assert v.trace, v.detail
    assert exit_code([v]) == 1
    # Every one is reached from Idle: the shortest run, shown step by step.
    assert f"shortest run from Idle (k = {len(v.trace)})" in v.method, v.method
    _, _, steps = _parse_witness(v.detail)
    assert [m["event"] for m in steps] == list(v.trace)


def test_double_damping_trace_is_shortest_from_idle() -> None:
    [v] = fsm_z3.check_all(table=MUTANTS["double_damping"][1](),
                           only=["damping_backoff_grows_to_cap"])
    assert v.trace[-1] == "BGPHeaderErr" and len(v.trace) == 2, v.trace
    assert "from Idle" in v.method


def test_unreachable_established_is_violated_for_every_k() -> None:
    table = mutate(State.OpenConfirm, Event.KeepAliveMsg, next_state=State.OpenConfirm)
    [v] = fsm_z3.check_all(table=table, only=["established_reachable"])
    assert v.status == "VIOLATED" and v.kind == "sometimes"
    assert "induction" in v.method and v.trace == ()


def test_removing_route_deletion_from_a_deviation_row_is_caught() -> None:
    row = _row(State.Established, Event.SendHoldTimer_Expires)
    assert DELETE_ROUTES in row.added
    table = mutate(State.Established, Event.SendHoldTimer_Expires, added=())
    [v] = fsm_z3.check_all(table=table, only=["established_exit_releases_and_deletes_routes"])
    assert v.status == "VIOLATED" and v.trace[-1] == "SendHoldTimer_Expires"


# -- budgets --------------------------------------------------------------------------------


def test_starved_solver_is_unknown_never_holds() -> None:
    starved = fsm_z3.check_all(rlimit=1)
    assert [v.status for v in starved] == ["UNKNOWN"] * len(NAMES)
    assert exit_code(starved) == 3
    # A 1 ms timeout: whatever Z3 manages to decide is decided soundly; the rest UNKNOWN.
    for v in fsm_z3.check_all(timeout_s=0.001):
        assert v.status in ("HOLDS", "UNKNOWN")
        if v.status == "HOLDS":
            assert v.passed


def test_unknown_option_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown properties"):
        fsm_z3.check_all(only=["no_such_property"])


#: A concrete configuration (FRR-like timers) for hand-written steps.
_CFG = fsm.Config(
    hold_time=Fraction(90), keepalive_time=Fraction(30), connect_retry_time=Fraction(120),
    large_hold=Fraction(240), delay_open=False, delay_open_time=Fraction(5),
    damp_peer_oscillations=True, idle_hold_max=Fraction(120),
    send_hold_factor=Fraction(2), send_hold_min=Fraction(0), allow_automatic_start=True,
    allow_automatic_stop=True, send_notification_without_open=False)


def test_T_is_the_relation_fsm_step_computes() -> None:
    """fsm_z3.T accepts exactly fsm.step's successor for a concrete step."""
    cfg = _CFG
    v = fsm.initial_vars()
    for event, now, opened in [(Event.AutomaticStart, 0, None), (Event.Tcp_CR_Acked, 1, None),
                               (Event.BGPOpen, 2, 9), (Event.KeepAliveMsg, 3, None)]:
        hold = None if opened is None else Fraction(opened)
        nxt, _ = fsm.step(cfg, v, event, Fraction(now), opened_hold=hold)
        zc, zv, z2 = fsm_z3.fresh_config("c"), fsm_z3.fresh_vars("a"), fsm_z3.fresh_vars("b")
        rel = fsm_z3.T(zc, zv, z3.IntVal(int(event)), z3.BoolVal(False),
                       z3.RealVal(opened or 0), z3.RealVal(now), z2)
        s = z3.Solver()
        s.add(rel, fsm_z3.vars_equal(zv, _const_vars(v)), _const_config(zc, cfg))
        assert s.check() == z3.sat
        assert fsm_z3.read_vars(s.model(), z2) == nxt
        s.add(z3.Not(fsm_z3.vars_equal(z2, _const_vars(nxt))))
        assert s.check() == z3.unsat  # the successor is unique
        v = nxt
    assert fsm.state_of(v) is State.Established


def _q(x: Fraction) -> Any:
    return z3.Q(x.numerator, x.denominator)


def _const_vars(v: fsm.PyVars) -> fsm_z3.ZVars:
    return fsm.Vars(state=_q(v.state), counter=_q(v.counter),
                    idle_hold_time=_q(v.idle_hold_time), negotiated_hold=_q(v.negotiated_hold),
                    running={t: z3.BoolVal(v.running[t]) for t in Timer},
                    deadline={t: _q(v.deadline[t]) for t in Timer},
                    routes_deleted=z3.BoolVal(v.routes_deleted))


def _const_config(zc: fsm_z3.ZConfig, cfg: fsm.PyConfig) -> Any:
    eqs = []
    for name in fsm.Config.__dataclass_fields__:
        term, val = getattr(zc, name), getattr(cfg, name)
        eqs.append(term == (val if isinstance(val, bool) else _q(val)))
    return z3.And(*eqs)


# -- Python interpreter == Z3 encoding ------------------------------------------------------

K = 12  # steps per random run
# External events; most steps take one that moves the session forward.
EXTERNAL = [e for e in Event if e not in fsm.TIMER_EVENT.values()]
PROGRESS: dict[State, list[Event]] = {
    State.Idle: [Event.ManualStart, Event.AutomaticStart,
                 Event.AutomaticStart_with_PassiveTcpEstablishment,
                 Event.AutomaticStart_with_DampPeerOscillations],
    State.Connect: [Event.Tcp_CR_Acked, Event.TcpConnectionConfirmed, Event.BGPOpen],
    State.Active: [Event.TcpConnectionConfirmed, Event.BGPOpen],
    State.OpenSent: [Event.BGPOpen],
    State.OpenConfirm: [Event.KeepAliveMsg],
    State.Established: [Event.KeepAliveMsg, Event.UpdateMsg, Event.BGPOpen],
}


@dataclasses.dataclass(frozen=True)
class Run:
    cfg: fsm.PyConfig
    idle0: Fraction
    # (event, now, collision, remote hold) per step
    inputs: tuple[tuple[Event, Fraction, bool, Fraction], ...]


@st.composite
def configs(draw: st.DrawFn) -> fsm.PyConfig:
    hold = draw(st.sampled_from([0, 3, 4, 9, 90]))
    f = Fraction
    return fsm.Config(
        hold_time=f(hold), keepalive_time=f(draw(st.integers(0, hold // 3))),
        connect_retry_time=f(draw(st.integers(1, 6))),
        large_hold=f(draw(st.sampled_from([0, 3, 7, 240]))),
        delay_open=draw(st.booleans()), delay_open_time=f(draw(st.integers(1, 4))),
        damp_peer_oscillations=draw(st.booleans()),
        idle_hold_max=f(draw(st.integers(1, 16))),
        send_hold_factor=f(draw(st.sampled_from([0, 1, 2]))),
        send_hold_min=f(draw(st.sampled_from([0, 5, 90]))),
        allow_automatic_start=draw(st.booleans()), allow_automatic_stop=draw(st.booleans()),
        send_notification_without_open=draw(st.booleans()))


@st.composite
def runs(draw: st.DrawFn) -> tuple[Run, list[tuple[fsm.PyVars, fsm.Transition]]]:
    """A random run and what fsm.step makes of it (timer expiries at their deadlines,
    external events at random times up to the earliest deadline)."""
    cfg = draw(configs())
    idle0 = Fraction(draw(st.integers(1, int(cfg.idle_hold_max))))
    v = fsm.initial_vars(idle0)
    now = Fraction(0)
    inputs: list[tuple[Event, Fraction, bool, Fraction]] = []
    out: list[tuple[fsm.PyVars, fsm.Transition]] = []
    for _ in range(draw(st.integers(1, K))):
        running = [(v.deadline[t], t.value) for t in Timer if v.running[t]]
        earliest = min(running)[0] if running else None
        collision, remote = False, Fraction(0)
        if earliest is not None and draw(st.integers(0, 2)) == 0:
            due = sorted(name for d, name in running if d == earliest)
            timer = Timer(draw(st.sampled_from(due)))
            now = earliest
            v = fsm.expire(v, timer)
            event = fsm.TIMER_EVENT[timer]
            v, row = fsm.step(cfg, v, event, now)
        else:
            if earliest is None:
                now += Fraction(draw(st.integers(0, 12)), 4)
            else:
                now += (earliest - now) * Fraction(draw(st.integers(0, 8)), 8)
            forward = PROGRESS[fsm.state_of(v)]
            event = draw(st.sampled_from(forward) if draw(st.integers(0, 3)) else
                         st.sampled_from(EXTERNAL))
            if event in fsm_z3.OPEN_EVENTS:  # the harness's choice (§8.1.2)
                event = (Event.BGPOpen_with_DelayOpenTimer_running
                         if v.running[Timer.DelayOpenTimer] else Event.BGPOpen)
                remote = Fraction(draw(st.sampled_from([0, 3, 5, 9, 90, 240])))
            collision = draw(st.integers(0, 3)) == 0
            opened = min(cfg.hold_time, remote) if event in fsm_z3.OPEN_EVENTS else None
            v, row = fsm.step(cfg, v, event, now, collision=collision, opened_hold=opened)
        inputs.append((event, now, collision, remote))
        out.append((v, row))
    return Run(cfg, idle0, tuple(inputs)), out


class Unrolled:
    """K symbolic steps of the real table, built once; each example only adds equalities."""

    def __init__(self) -> None:
        self.enc = fsm_z3.Encoding()
        self.path, init = fsm_z3.start_path()
        self.constraints: list[list[Any]] = [init]
        for _ in range(K):
            _, cs = fsm_z3.extend(self.enc, self.path)
            self.constraints.append(cs)

    def solve(self, run: Run) -> z3.ModelRef:
        s = z3.Solver()
        s.set("timeout", 20_000)
        n = len(run.inputs)
        for cs in self.constraints[: n + 1]:
            s.add(*cs)
        cfg, v0 = self.path.cfg, self.path.states[0]
        s.add(_const_config(cfg, run.cfg), v0.idle_hold_time == int(run.idle0))
        for stp, (event, now, collision, remote) in zip(self.path.steps, run.inputs,
                                                         strict=False):
            s.add(stp.event == int(event), stp.now == _q(now),
                  stp.collision == collision, stp.remote_hold == int(remote))
        assert s.check() == z3.sat, "the Z3 encoding refuses a run fsm.step accepts"
        return s.model()


@pytest.fixture(scope="module")
def unrolled() -> Unrolled:
    return Unrolled()


@settings(max_examples=50, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(run=runs())
def test_python_and_z3_agree_at_every_step(
        unrolled: Unrolled, run: tuple[Run, list[tuple[fsm.PyVars, fsm.Transition]]]) -> None:
    concrete, expected = run
    model = unrolled.solve(concrete)
    for i, (want, row) in enumerate(expected):
        stp = unrolled.path.steps[i]
        fired = [j for j, f in enumerate(stp.fired) if fsm_z3.truth(model, f)]
        assert fired == [fsm.TABLE.index(row)], (i, concrete.inputs[i], row)
        got = fsm_z3.read_vars(model, unrolled.path.states[i + 1])
        assert got == want, (i, concrete.inputs[i], got, want)
        # The action indicators are the rows' actions.
        for a in row.actions:
            name = fsm_z3.indicator_name(a)
            if a.condition is None:
                assert fsm_z3.truth(model, stp.did(name)), (i, name)


def test_step_event_predicates_mean_what_they_say() -> None:
    """The witness searches filter steps by event: ``is_event`` is membership, and a
    responsive peer (the Established-reachability witness, RFC 4271 §8.1) raises only
    the events of :data:`RESPONSIVE_EVENTS` and AutomaticStop only when allowed
    (§8.1.1). Each checked with the solver for one event inside and one outside."""
    enc = fsm_z3.Encoding()
    cfg = fsm_z3.fresh_config("c")
    one = enc.step(cfg, fsm_z3.fresh_vars("v"), "s")

    def possible(*conds: Any) -> bool:
        s = z3.Solver()
        s.add(*conds)
        return s.check() == z3.sat

    ka, start = int(Event.KeepAliveMsg), int(Event.ManualStart)
    assert not possible(one.event == ka, z3.Not(one.is_event(Event.KeepAliveMsg)))
    assert not possible(one.event == start, one.is_event(Event.KeepAliveMsg, Event.BGPOpen))
    assert possible(one.event == ka, one.is_event(Event.KeepAliveMsg, Event.BGPOpen))
    assert not possible(one.event == int(Event.ManualStop), fsm_z3.responsive_peer(cfg, one))
    stop = int(Event.AutomaticStop)
    assert not possible(one.event == stop, z3.Not(cfg.allow_automatic_stop),
                        fsm_z3.attribute_events(cfg, one))
    assert possible(one.event == stop, cfg.allow_automatic_stop,
                    fsm_z3.attribute_events(cfg, one))


# -- witnesses: replayed before they are shown, and described well enough to replay ---------

_STEP = re.compile(r"t=(?P<t>[\d/]+) (?P<event>\w+)(?: \(remote hold (?P<hold>\d+)\))?"
                   r"(?P<coll> \(collision\))?: (?P<pre>\w+) -> (?P<post>\w+)")


def _parse_witness(detail: str) -> tuple[fsm.PyConfig, Fraction, list[re.Match[str]]]:
    """The configuration, initial IdleHoldTime and steps a witness's text states."""
    text = detail.split("config: ", 1)[1]
    head, _, rest = text.partition("; initial idle_hold_time=")
    values: dict[str, Any] = {}
    for part in head.split(", "):
        name, shown = part.split("=")
        values[name] = shown == "True" if shown in ("True", "False") else Fraction(shown)
    idle0, _, steps = rest.partition("; ")
    return fsm.Config(**values), Fraction(idle0), [
        m for m in (_STEP.fullmatch(s) for s in steps.split("; ")) if m is not None]


def _replay_text(detail: str) -> tuple[fsm.PyConfig, Fraction, list[fsm.PyVars]]:
    """Replay a witness's text with fsm.step alone, asserting every state it names."""
    cfg, idle0, steps = _parse_witness(detail)
    assert steps and len(steps) == detail.count(" -> ")
    v = fsm.initial_vars(idle0)
    states = [v]
    for m in steps:
        event, now = Event[m["event"]], Fraction(m["t"])
        assert fsm.state_of(v).value == m["pre"]
        timer = fsm_z3.TIMER_OF_EVENT.get(event)
        if timer is not None:
            assert v.running[timer] and v.deadline[timer] == now, m.group(0)
            v = fsm.expire(v, timer)
        opens = event in fsm_z3.OPEN_EVENTS
        assert opens == (m["hold"] is not None), m.group(0)  # an OPEN shows its remote hold
        opened = min(cfg.hold_time, Fraction(m["hold"])) if opens else None
        v, _ = fsm.step(cfg, v, event, now, collision=m["coll"] is not None,
                        opened_hold=opened)
        assert fsm.state_of(v).value == m["post"], m.group(0)
        states.append(v)
    return cfg, idle0, states


def test_the_reachability_witness_text_replays_with_fsm_step(
        verdicts: dict[str, Verdict]) -> None:
    """The docstring's promise: the witness text (configuration, initial IdleHoldTime,
    times, events, an OPEN's remote hold) is enough to replay it with fsm.step."""
    reach = verdicts["established_reachable"]
    _, _, states = _replay_text(reach.detail)
    assert fsm.state_of(states[-1]) is State.Established
    assert "(remote hold " in reach.detail  # the OPEN's hold is what the replay needs


def test_the_damping_witness_starts_at_a_quarter_and_reaches_the_cap(
        verdicts: dict[str, Verdict]) -> None:
    damp = verdicts["damping_backoff_grows_to_cap"]
    cfg, idle0, states = _replay_text(damp.detail)
    assert cfg.damp_peer_oscillations and 4 * idle0 <= cfg.idle_hold_max
    holds = [v.idle_hold_time for v in states]
    assert holds[-1] == cfg.idle_hold_max and holds[-2] < holds[-1]
    # It only grows, by doubling (capped): at least two damped failures.
    grew = [(a, b) for a, b in itertools.pairwise(holds) if b != a]
    assert len(grew) >= 2 and all(b == min(2 * a, cfg.idle_hold_max) for a, b in grew)


def test_the_damping_witness_start_is_at_most_a_quarter_of_the_cap() -> None:
    cfg, v0 = fsm_z3.fresh_config("c"), fsm_z3.fresh_vars("v")
    start_ = fsm_z3.damping_from_a_quarter(cfg, v0)

    def possible(*conds: Any) -> bool:
        s = z3.Solver()
        s.add(fsm_z3.config_domain(cfg), fsm_z3.initial_state(cfg, v0), *conds)
        return s.check() == z3.sat

    assert not possible(start_, 4 * v0.idle_hold_time > cfg.idle_hold_max)
    assert not possible(start_, z3.Not(cfg.damp_peer_oscillations))
    assert possible(start_, 4 * v0.idle_hold_time == cfg.idle_hold_max)
    assert not possible(start_, v0.idle_hold_time == 1, cfg.idle_hold_max == 3)


def test_the_damping_witness_is_shortest_two_failures_from_idle(
        verdicts: dict[str, Verdict]) -> None:
    """Two damped failures, each from a state a start reaches: start, fail, the
    IdleHoldTimer's restart, fail; k = 4, and no shorter run reaches the cap."""
    damp = verdicts["damping_backoff_grows_to_cap"]
    assert "k = 4" in damp.method and len(damp.trace) == 4


class _MiscountingEncoding(fsm_z3.Encoding):
    """A faulty encoding (not a mocked solver): every step adds one to the
    ConnectRetryCounter, which the table does only on errors."""

    def successor(self, cfg: fsm_z3.ZConfig, v: fsm_z3.ZVars, event: Any, collision: Any,
                  opened_hold: Any, now: Any) -> Any:
        fired, post, marks = super().successor(cfg, v, event, collision, opened_hold, now)
        return fired, dataclasses.replace(post, counter=post.counter + 1), marks


def test_a_run_that_does_not_replay_is_unknown_never_shown(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A solver's run is replayed in the Python FSM before it is shown. An
    encoding that disagrees with the interpreter gives UNKNOWN with the step that parts,
    in both searches (bounded runs from Idle, and one step from any state)."""
    budget = fsm_z3.Budget(timeout_s=30)
    est = fsm.STATE_CODE[State.Established]

    def established(cfg: fsm_z3.ZConfig, st: fsm_z3.Step) -> Any:
        return st.post.state == est

    good = fsm_z3.bmc(fsm_z3.Encoding(), budget, established)
    assert good.result == "sat" and good.k == 4
    bad = fsm_z3.bmc(_MiscountingEncoding(), budget, established)
    assert bad.result == "unknown", bad
    miscount = re.compile(r"counter: interpreter (\d+), solver (\d+)$")

    def off_by_one(detail: str) -> bool:
        m = miscount.search(detail)
        return m is not None and int(m[2]) == int(m[1]) + 1

    assert "does not replay in the Python FSM" in bad.detail and "step 1 (" in bad.detail
    assert off_by_one(bad.detail), bad.detail  # the step, and only what differs
    assert fsm_z3.one_step(fsm_z3.Encoding(), budget, established).k == 1
    one = fsm_z3.one_step(_MiscountingEncoding(), budget, established)
    assert one.result == "unknown" and "does not replay" in one.detail
    assert off_by_one(one.detail), one.detail
    # Through a property: the faulty encoding's witness is never a HOLDS.
    monkeypatch.setattr(fsm_z3, "Encoding", _MiscountingEncoding)
    [v] = fsm_z3.check_all(only=["established_reachable"])
    assert v.status == "UNKNOWN" and "does not replay" in v.detail


def test_replay_step_refuses_what_is_not_a_step() -> None:
    """Each side condition of a step, checked independently of the encoding."""
    cfg = dataclasses.replace(_CFG, hold_time=Fraction(9), keepalive_time=Fraction(3),
                              connect_retry_time=Fraction(5), large_hold=Fraction(9))
    table = fsm.TABLE
    v, _ = fsm.step(cfg, fsm.initial_vars(), Event.ManualStart, Fraction(0))
    assert v.running[Timer.ConnectRetryTimer] and v.deadline[Timer.ConnectRetryTimer] == 5

    def rs(event: Event, now: int, remote: int = 0) -> tuple[Any, str]:
        return fsm_z3.replay_step(table, cfg, v, event, Fraction(now), False, Fraction(remote))

    nxt, why = rs(Event.ConnectRetryTimer_Expires, 5)
    assert nxt is not None and not why
    assert rs(Event.ConnectRetryTimer_Expires, 4)[1].endswith("is not due")
    assert "after the deadline" in rs(Event.Tcp_CR_Acked, 6)[1]
    assert "DelayOpenTimer" in rs(Event.BGPOpen_with_DelayOpenTimer_running, 1, 9)[1]
    assert "remote HoldTime of 2" in rs(Event.BGPOpen, 1, 2)[1]
    assert rs(Event.BGPOpen, 1, 3)[0] is not None
    assert "0 rows apply" in fsm_z3.replay_step(
        tuple(r for r in table if r.event is not Event.Tcp_CR_Acked), cfg, v,
        Event.Tcp_CR_Acked, Fraction(1), False, Fraction(0))[1]


def test_reading_a_term_the_model_leaves_out() -> None:
    """A witness reads every attribute, also ones the solver never needed to decide:
    they read as the model's completion (0, False), not as an error."""
    s = z3.Solver()
    s.add(z3.Real("x") == 2)
    assert s.check() == z3.sat
    m = s.model()
    assert fsm_z3.value(m, z3.Real("x")) == 2
    assert fsm_z3.value(m, z3.Real("never.mentioned")) == 0
    assert fsm_z3.truth(m, z3.Bool("never.mentioned")) is False


@pytest.mark.parametrize("event, collision, shown", [
    (Event.BGPOpen, True, "BGPOpen (remote hold 90) (collision): OpenConfirm -> Idle"),
    (Event.BGPOpen, False, "BGPOpen (remote hold 90): OpenConfirm -> OpenConfirm"),
    (Event.ManualStop, True, "ManualStop: OpenConfirm -> Idle"),
])
def test_a_step_is_described_with_what_decides_its_row(event: Event, collision: bool,
                                                        shown: str) -> None:
    """A witness step names an OPEN's remote hold and a collision (§6.8) only where they
    decide the row: Event 19 is the only event with collision guards."""
    enc = fsm_z3.Encoding()
    cfg, v = fsm_z3.fresh_config("c"), fsm_z3.fresh_vars("v")
    one = enc.step(cfg, v, "s")
    s = z3.Solver()
    s.add(fsm_z3.config_domain(cfg), one.constraint, fsm_z3.in_state(v, State.OpenConfirm),
          one.event == int(event), one.collision == collision, one.remote_hold == 90,
          one.now == 7)
    assert s.check() == z3.sat
    assert fsm_z3._describe_step(s.model(), one, one.post) == f"t=7 {shown}"


def test_bounded_search_reaches_exactly_k_max_events() -> None:
    """``k_max`` bounds the runs of bounded model checking inclusively: Established needs
    four events, so k_max = 4 finds it and k_max = 3 reports the bound it searched."""
    est = fsm.STATE_CODE[State.Established]

    def established(cfg: fsm_z3.ZConfig, st: fsm_z3.Step) -> Any:
        return st.post.state == est

    enc = fsm_z3.Encoding()
    found = fsm_z3.bmc(enc, fsm_z3.Budget(k_max=4), established)
    assert (found.result, found.k, len(found.trace)) == ("sat", 4, 4)
    none = fsm_z3.bmc(enc, fsm_z3.Budget(k_max=3), established)
    assert (none.result, none.k) == ("unsat", 3)
    assert fsm_z3.bmc(enc, fsm_z3.Budget(k_max=9), established, k_max=3).result == "unsat"
    short = {v.property: v for v in fsm_z3.check_all(
        k_max=3, only=["established_reachable", "damping_backoff_grows_to_cap"])}
    assert short["established_reachable"].status == "UNKNOWN"
    assert "no witness within k <= 3 events" in short["established_reachable"].detail
    damp = short["damping_backoff_grows_to_cap"]  # its witness needs four events
    assert (damp.status, damp.detail) == ("UNKNOWN", "the backoff rule holds, but no run "
                                          "reaches the cap within k <= 3 events")


def test_a_check_called_alone_has_check_alls_bounds() -> None:
    """The bounds a property names are the same whether it is run by ``check_all`` (the
    CLI) or called directly with the default ``Budget``."""
    import inspect

    defaults = inspect.signature(fsm_z3.check_all).parameters
    b = fsm_z3.Budget()
    assert (b.k_max, b.timeout_s, b.rlimit) == (defaults["k_max"].default,
                                                defaults["timeout_s"].default, None)
    assert fsm_z3.check_established_reachable().method == \
        fsm_z3.check_all(only=["established_reachable"])[0].method


def _free_path(k: int, *extra: Callable[[fsm_z3.UnrolledRun], Any]
               ) -> tuple[Any, fsm_z3.UnrolledRun]:
    """``k`` steps of the real encoding WITHOUT the clock that does not go back, plus
    ``extra`` constraints on the path: a run only a faulty search could return."""
    enc = fsm_z3.Encoding()
    path, init = fsm_z3.start_path()
    s = z3.Solver()
    s.add(*init)
    for i in range(k):
        st = enc.step(path.cfg, path.states[-1], f"s{i}")
        nxt = fsm_z3.fresh_vars(f"v{i + 1}")
        s.add(st.constraint, fsm_z3.vars_equal(nxt, st.post), st.now >= 0)
        path.steps.append(st)
        path.states.append(nxt)
    s.add(*[c(path) for c in extra])
    assert s.check() == z3.sat
    return s.model(), path


def test_replay_names_the_step_where_a_run_parts() -> None:
    m, path = _free_path(2, lambda p: p.steps[1].now < p.steps[0].now)
    assert fsm_z3.replay(m, path, fsm.TABLE).startswith("step 2: the clock goes back to t=")
    m, path = _free_path(2, lambda p: p.steps[0].now <= p.steps[1].now)
    assert fsm_z3.replay(m, path, fsm.TABLE) == ""
    # A table without the second step's row: the run is not a run of that table.
    m, path = _free_path(2, lambda p: p.steps[0].now <= p.steps[1].now,
                         lambda p: p.steps[0].event == int(Event.ManualStart),
                         lambda p: p.steps[1].event == int(Event.Tcp_CR_Acked))
    table = tuple(r for r in fsm.TABLE if r.event is not Event.Tcp_CR_Acked)
    assert fsm_z3.replay(m, path, table) == "step 2: 0 rows apply to Tcp_CR_Acked in Connect"


_IN = {"hold_time": [0, 3, 90, 65535], "large_hold": [0, 3, 240, 65535],
       "connect_retry_time": [1, 120], "delay_open_time": [1], "idle_hold_max": [1, 3600],
       "send_hold_factor": [0, 1, 2], "send_hold_min": [0, 480], "keepalive_time": [0, 30]}
_OUT = {"hold_time": [1, 2, Fraction(7, 2), 65536, -3],
        "large_hold": [1, 2, Fraction(5, 2), 65536], "connect_retry_time": [0, Fraction(1, 2)],
        "delay_open_time": [0], "idle_hold_max": [0, Fraction(3, 2)],
        "send_hold_factor": [3, Fraction(1, 2), -1], "send_hold_min": [-1, Fraction(1, 2)],
        "keepalive_time": [31, -1, Fraction(1, 2)]}


@pytest.mark.parametrize("name, val, inside", [
    *[(n, v, True) for n, vs in _IN.items() for v in vs],
    *[(n, v, False) for n, vs in _OUT.items() for v in vs]])
def test_the_configuration_domain_is_the_documented_one(name: str, val: Fraction | int,
                                                        inside: bool) -> None:
    """``config_domain``'s docstring, bound by bound (RFC 4271 §4.2: a hold of 0 or
    3..65535 whole seconds; §10: keepalive at most a third of the hold, here 90 s; RFC
    9687's factor 0, 1 or 2), with the hold at 90 s where the value is not the hold."""
    cfg = fsm_z3.fresh_config("c")
    s = z3.Solver()
    s.add(fsm_z3.config_domain(cfg), getattr(cfg, name) == _q(Fraction(val)))
    if name != "hold_time":
        s.add(cfg.hold_time == 90)
    assert (s.check() == z3.sat) == inside


def test_the_backoff_invariant_is_the_one_the_verdict_states() -> None:
    """The damping verdict says "0 < IdleHoldTime <= cap": the invariant it proves is
    exactly that, bound by bound."""
    cfg, v = fsm_z3.fresh_config("c"), fsm_z3.fresh_vars("v")
    inv = fsm_z3.idle_hold_invariant(cfg, v)

    def possible(*conds: Any) -> bool:
        s = z3.Solver()
        s.add(cfg.idle_hold_max == 8, *conds)
        return s.check() == z3.sat

    assert not possible(inv, v.idle_hold_time == 0)
    assert possible(inv, v.idle_hold_time == Fraction(1, 2))
    assert possible(inv, v.idle_hold_time == 8)
    assert not possible(inv, v.idle_hold_time == 9)


def test_a_violation_unreachable_within_the_bound_shows_the_solvers_step() -> None:
    """When no run from Idle within ``k_max`` reaches the bad step, the counterexample is
    the step from the state the solver chose, and the verdict says so."""
    [v] = fsm_z3.check_all(table=MUTANTS["open_enters_established"][1](), k_max=1,
                           only=["established_only_from_openconfirm_keepalive"])
    assert v.status == "VIOLATED" and v.method == "induction (1-step, all states)"
    assert ("(no run from Idle reaches it within k <= 1 events; the step below starts from "
            "a state the solver chose): config: ") in v.detail
    assert v.trace == ("BGPOpen",)


def test_z3_constants_are_exact() -> None:
    """The encoding's constants are exact rationals (hold / 3 is exact, docs/model.md)."""
    x = z3.Real("x")
    for q in (Fraction(1, 3), Fraction(1, 2), Fraction(-7, 4)):
        s = z3.Solver()
        s.add(x == fsm_z3.Z3.const(q), q.denominator * x != q.numerator)
        assert s.check() == z3.unsat, q
    s = z3.Solver()
    s.add(x == fsm_z3.Z3.const(7), x != 7)
    assert s.check() == z3.unsat


def test_a_backoff_break_beyond_the_bound_is_unknown_with_the_step() -> None:
    """The double-damping mutant needs two events from Idle; with k_max = 1 the verdict
    cannot show a run, so it is UNKNOWN (never HOLDS), with the breaking step."""
    [v] = fsm_z3.check_all(table=MUTANTS["double_damping"][1](), k_max=1,
                           only=["damping_backoff_grows_to_cap"])
    assert v.status == "UNKNOWN" and v.trace == ("BGPHeaderErr",)
    assert v.detail.startswith("the backoff invariant is not inductive (not reached from "
                               "Idle within k <= 1): config: "), v.detail


def test_the_counter_verdict_lists_the_rfcs_exceptions_and_the_deviation(
        verdicts: dict[str, Verdict]) -> None:
    """The HOLDS detail names each RFC 4271 §8.2.2 exception as checked (states, the
    DelayOpenTimer condition, the counter's effect) and the one row that goes elsewhere
    than the RFC's Idle (FRR's Connect + TcpConnectionFails -> Active)."""
    detail = verdicts["error_exit_increments_counter"].detail
    listed = detail.split("except (each checked to be exact): ", 1)[1].split(". Note: ")
    assert listed[0].split("; ") == [
        "ManualStop in Connect/Active/OpenSent/OpenConfirm/Established -> counter 0",
        "NotifMsgVerErr in Connect/Active with DelayOpenTimer running -> counter unchanged",
        "NotifMsgVerErr in OpenSent/OpenConfirm -> counter unchanged",
        "TcpConnectionFails in Connect with DelayOpenTimer not running -> counter unchanged"]
    assert listed[1].startswith("(Connect, TcpConnectionFails, DelayOpenTimer not running) "
                                "goes to Active instead (deviation: FRR ")
    assert listed[1].count(" goes to ") == 1  # noted once, under its own exception


def test_a_stale_exception_is_named_with_its_citation() -> None:
    """An exception that says the wrong thing about the counter is VIOLATED, naming the
    state, the event, the claimed effect and the RFC text it cites."""
    wrong = [dataclasses.replace(fsm_z3.COUNTER_EXCEPTIONS[0], effect="unchanged"),
             *fsm_z3.COUNTER_EXCEPTIONS[1:]]
    v = fsm_z3.check_error_exit_increments_counter(exceptions=wrong)
    assert v.status == "VIOLATED" and v.trace[-1] == "ManualStop"
    assert v.detail.startswith("the exception list is stale: (Connect, ManualStop) does not "
                               "go to Idle with counter unchanged (RFC 4271 §8.2.2 Connect, "
                               "Active, OpenSent, OpenConfirm, Established: ManualStop")


def test_a_hold_invariant_break_beyond_the_bound_is_unknown_never_holds() -> None:
    """OpenSent without a HoldTimer is two events from Idle: with k_max = 1 the break is
    not shown as a run, so the verdict is UNKNOWN with the step that breaks it."""
    [v] = fsm_z3.check_all(table=MUTANTS["opensent_without_hold_timer"][1](), k_max=1,
                           only=["hold_timer_running"])
    assert v.status == "UNKNOWN" and v.trace == ("Tcp_CR_Acked",)
    assert v.detail.startswith("the invariant is not inductive (it needs strengthening; not "
                               "reached from Idle within k <= 1); step that breaks it: ")


@pytest.mark.parametrize("allowed", [True, False])
def test_a_conditional_notification_is_marked_only_when_its_option_is_set(
        allowed: bool) -> None:
    """RFC 4271 §8.2.2 Connect, Event 21: "If the SendNOTIFICATIONwithoutOPEN attribute
    is set to TRUE, then the local system first sends a NOTIFICATION message with the
    appropriate error code" - the step's indicator follows the option."""
    enc = fsm_z3.Encoding()
    cfg, v = fsm_z3.fresh_config("c"), fsm_z3.fresh_vars("v")
    one = enc.step(cfg, v, "s")
    s = z3.Solver()
    s.add(fsm_z3.config_domain(cfg), one.constraint, fsm_z3.in_state(v, State.Connect),
          one.event == int(Event.BGPHeaderErr), cfg.send_notification_without_open == allowed)
    assert s.check() == z3.sat
    m = s.model()
    assert fsm_z3.truth(m, one.did("sent_notification_1")) is allowed
    assert fsm_z3.truth(m, one.did("released")) is True  # the row's other actions: always
    assert fsm_z3.truth(m, one.did("no_row_has_this")) is False
