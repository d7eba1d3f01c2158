"""The simulator's shortcuts against the computations they replace (docs/model.md,
"Engine").

A plain run keeps isolation and reachability up to date from what each step changed
(model/sim/measurements.py); the reference works them out from the whole state, as a
symbolic run still does. After every step of runs that cover every kind of trigger and
every built-in profile, the two must agree exactly.

A plain run queues its FSM timers lazily (model/sim/state.py, ``SimState._arm``); the
reference queues every running timer at every step (``LAZY_TIMERS = False``, what a
symbolic run does). Both must give the same events at the same exact times, the same
queue delays and RIBs, with fewer events processed.

A plain run computes on ``Q``, a faster exact rational (model/arith.py); it must give
every operation's exact result, and the run it gives must be the run on plain
``Fraction`` (``FAST_RATIONALS = False``).
"""

from __future__ import annotations

import random
from fractions import Fraction as F

import pytest

from bgpcascade.model.arith import Q, exact, fraction
from bgpcascade.model.dynamics import Sim, Trigger
from bgpcascade.model.fsm import (
    RESTART_ROWS,
    Event,
    State,
    initial_vars,
    negotiated_values,
    restart_timers,
    state_of,
    step,
)
from bgpcascade.model.profiles import BUILTIN_PROFILES
from bgpcascade.model.session import session_config
from bgpcascade.model.sim.state import Edge
from bgpcascade.model.timing import Timing
from bgpcascade.model.topology import Timers
from bgpcascade.model.zonefile import load_zone


def zone(rr: str, client: str, clients: int = 3, gr: str = "off") -> str:
    return f"""zone: engine
timers: {{hold: 9, connect_retry: 2}}
profiles:
  cl: {{base: {client}, graceful_restart: {gr}, stale_time: 20}}
spines: {{count: 2, profile: frr}}
shards:
  - {{name: a, rrs: 2, rr_profile: {rr}, client_profile: cl, clients: {clients},
      routes_per_client: 300}}
  - {{name: b, rrs: 2, rr_profile: frr, client_profile: cl, clients: 2,
      routes_per_client: 100}}
"""


SCENARIOS = {
    "appliance-flap-spike": (zone("appliance", "frr"), [
        Trigger("flap", F(5), "spine1", "a-rr1", down_for=F(4)),
        Trigger("spike", F(12), "a-rr2", work=F(300_000))]),
    "bird-clear-restart": (zone("bird", "bird"), [
        Trigger("clear", F(5), "a-c1", "a-rr1"), Trigger("restart", F(20), "b-rr2")]),
    "gobgp-pause": (zone("gobgp", "gobgp"), [
        Trigger("pause", F(6), "a-rr1", down_for=F(14)), Trigger("restart", F(30), "a-c2")]),
    "openbgpd-gr": (zone("openbgpd", "openbgpd", gr="notification"), [
        Trigger("flap", F(5), "a-rr1", "a-c1"), Trigger("pause", F(15), "a-rr2",
                                                        down_for=F(12))]),
    "frr-helper": (zone("frr", "frr", gr="helper"), [
        Trigger("flap", F(5), "a-rr1", "a-c3", down_for=F(3)),
        Trigger("flap", F(7), "spine1", "spine2")]),
}


@pytest.mark.parametrize("expand", [False, True])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_kept_measurements_equal_the_whole_computation(name: str, expand: bool) -> None:
    text, triggers = SCENARIOS[name]
    sim = Sim(load_zone(text), triggers, expand=expand)
    changes = 0
    seen = sim.reach_version
    while (due := sim.next_event_time()) is not None and due <= 80:
        sim.step()
        if sim.reach_version != seen or sim.processed % 7 == 0:
            changes += sim.reach_version != seen
            seen = sim.reach_version
            assert sim.clients_isolated() == sim.clients_isolated_full(), sim.now
            assert sim.unreachable_pairs() == sim.unreachable_pairs_full(), sim.now
    assert changes > 10  # the triggers changed what was measured, many times


def _outcome(sim: Sim) -> tuple[object, ...]:
    ribs = {k: {c: dict(ins) for c, ins in n.adj_in.items() if ins}
            for k, n in sim.nodes.items()}
    return ([(e.t, e.as_json()) for e in sim.events], dict(sim.peak_delay),
            {k: (n.work_served, n.busy_until) for k, n in sim.nodes.items()}, ribs,
            dict(sim.announced), sim.last_change, sim.last_backlog)


@pytest.mark.parametrize("timing", [None, Timing()], ids=["lockstep", "spread"])
@pytest.mark.parametrize("name", sorted(n for n, (_, trig) in SCENARIOS.items()
                                        if all(t.kind != "pause" for t in trig)))
def test_lazy_timers_give_the_eager_queues_run(name: str, timing: Timing | None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    text, triggers = SCENARIOS[name]
    lazy = Sim(load_zone(text), triggers, expand=True, timing=timing)
    lazy.run(120)
    monkeypatch.setattr(Sim, "LAZY_TIMERS", False)
    eager = Sim(load_zone(text), triggers, expand=True, timing=timing)
    eager.run(120)
    assert lazy._lazy and not eager._lazy
    assert _outcome(lazy) == _outcome(eager)
    assert len(lazy.events) > 2
    assert lazy.processed < eager.processed


def _fsm_steps(text: str, triggers: list[Trigger], horizon: int,
               timing: Timing | None, monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """Every FSM step of a run, in the order it happened: (time, session, end, event)."""
    steps: list[tuple[object, ...]] = []
    real = Sim._fsm

    def record(self: Sim, e: Edge, key: str, event: Event, **kw: object) -> None:
        steps.append((self.now, e.a, e.b, key, event.name))
        real(self, e, key, event, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Sim, "_fsm", record)
    sim = Sim(load_zone(text), triggers, expand=True, timing=timing)
    sim.run(horizon)
    monkeypatch.setattr(Sim, "_fsm", real)
    return steps


#: A zone in lockstep where the order of timers at one instant decides what happens: the
#: appliance RR's KEEPALIVEs wait behind a spike in its FIFO, so every client's
#: HoldTimer expires at the same instant, each client sends a NOTIFICATION and restarts,
#: and the order of those steps is the order of the clients' timers (set at one instant
#: by one batch, queued lazily since the first of them came up void).
SAME_INSTANT = zone("appliance", "frr", clients=4)


def test_lazy_timers_keep_the_order_of_timers_at_one_instant(
        monkeypatch: pytest.MonkeyPatch) -> None:
    triggers = [Trigger("spike", F(4), "a-rr1", work=F(600_000)),
                Trigger("flap", F(5), "spine1", "a-rr2")]
    lazy = _fsm_steps(SAME_INSTANT, triggers, 60, None, monkeypatch)
    monkeypatch.setattr(Sim, "LAZY_TIMERS", False)
    eager = _fsm_steps(SAME_INSTANT, triggers, 60, None, monkeypatch)
    assert lazy == eager
    # The run has what makes the order matter: hold expiries of several sessions at one
    # instant (so a wrong order of their timers would show in the steps above).
    expiries = [s for s in lazy if s[4] == "HoldTimer_Expires"]
    at_once = max(sum(1 for s in expiries if s[0] == t) for t, *_ in expiries)
    assert at_once >= 2, expiries


def test_restart_rows_equal_the_interpreter() -> None:
    """The FSM rows the simulator applies without the interpreter (an Established
    session's KEEPALIVE, UPDATE, KeepaliveTimer, and every row that only restarts timers
    with their negotiated values) give what ``step`` gives, for every built-in profile,
    in every state they apply to, at hold times with and without KEEPALIVEs."""
    checked = 0
    for name, profile in BUILTIN_PROFILES.items():
        for hold in (F(0), F(3), F(9), F(90)):
            cfg = session_config(profile, Timers(hold=hold, keepalive=hold / 3))
            v = initial_vars(F(str(profile.idle_hold_initial)))
            states = {}
            for ev, kw in ((Event.ManualStart, {}), (Event.Tcp_CR_Acked, {}),
                           (Event.BGPOpen, {"opened_hold": hold}),
                           (Event.KeepAliveMsg, {})):
                v, _ = step(cfg, v, ev, F(1), **kw)  # type: ignore[arg-type]
                states[state_of(v)] = v
            for (state, event), (row, timers) in RESTART_ROWS.items():
                if state not in states:
                    continue
                v = states[state]
                now = F(7, 3)
                want, want_row = step(cfg, v, event, now)
                got = restart_timers(v, timers, negotiated_values(cfg, v.negotiated_hold), now)
                assert want_row is row, (name, state, event)
                assert got == want, (name, hold, state, event)
                checked += 1
    assert checked > 100
    assert {(State.Established, Event.KeepAliveMsg), (State.Established, Event.UpdateMsg),
            (State.Established, Event.KeepaliveTimer_Expires)} <= set(RESTART_ROWS)


def test_q_computes_what_fraction_computes() -> None:
    """Every operation the simulator uses, on Q against Fraction (either side a Q, a
    Fraction or an int): the same exact number, a Q when it takes the fast path, and
    the same str, repr and hash."""
    rng = random.Random(7)
    dens = [1, 2, 3, 7, 10, 1000, 4000, 2**61 - 1]

    def draw() -> F:
        return F(rng.randint(-10**6, 10**6), rng.choice(dens))

    arith = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
             lambda a, b: a / b]
    compare = [lambda a, b: a == b, lambda a, b: a != b, lambda a, b: a < b,
               lambda a, b: a <= b, lambda a, b: a > b, lambda a, b: a >= b]
    for _ in range(3000):
        x, y = draw(), draw()
        if rng.random() < 0.2:
            y = x  # equal values, equal denominators
        elif rng.random() < 0.2:
            y = F(rng.randint(-5, 5))
        for a, b in ((exact(x), exact(y)), (exact(x), y), (x, exact(y)),
                     (exact(x), int(y)), (int(x), exact(y))):
            ref_a, ref_b = F(a), F(b)
            for op in arith:
                if op is arith[3] and not ref_b:
                    with pytest.raises(ZeroDivisionError):
                        op(a, b)
                    continue
                got, want = op(a, b), op(ref_a, ref_b)
                assert type(got) is Q and got == want, (a, b, got, want)
                assert (got.numerator, got.denominator) == (want.numerator, want.denominator)
                assert str(got) == str(want) and repr(got) == repr(want)
                assert hash(got) == hash(want)
            for op in compare:
                assert op(a, b) is op(ref_a, ref_b), (a, b)
            for pick in (max, min):
                got = pick(a, b)
                assert got == pick(ref_a, ref_b) and (got is a or got is b)
    assert type(fraction(exact(F(1, 3)))) is F and fraction(exact(F(1, 3))) == F(1, 3)


@pytest.mark.parametrize("timing", [None, Timing()], ids=["lockstep", "spread"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_fast_rationals_give_the_fraction_run(name: str, timing: Timing | None,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    text, triggers = SCENARIOS[name]
    fast = Sim(load_zone(text), triggers, expand=True, timing=timing)
    fast.run(120)
    monkeypatch.setattr(Sim, "FAST_RATIONALS", False)
    ref = Sim(load_zone(text), triggers, expand=True, timing=timing)
    ref.run(120)
    assert sum(type(x) is Q for x in _flat(fast)) > 20
    assert not any(type(x) is Q for x in _flat(ref))
    assert all(type(e.t) is F for e in fast.events)
    assert _outcome(fast) == _outcome(ref)
    assert [str(x) for x in _flat(fast)] == [str(x) for x in _flat(ref)]
    assert fast.processed == ref.processed and len(fast.events) > 2


def _flat(sim: Sim) -> list[object]:
    """Every exact number the run ends with: queue delays, work, FSM deadlines."""
    out: list[object] = [sim.now, sim.last_change, sim.last_backlog]
    out += [sim.peak_delay[k] for k in sorted(sim.peak_delay)]
    for k in sorted(sim.nodes):
        n = sim.nodes[k]
        out += [n.work_served, n.work_arrived, n.busy_until]
    for e in sim.edges:
        for end in sorted(e.fsm):
            v = e.fsm[end]
            out += [v.deadline[t] for t in sorted(v.deadline, key=lambda t: t.name)]
            out += [v.negotiated_hold, v.idle_hold_time]
    return out
