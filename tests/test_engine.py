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
"""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from bgpcascade.model.dynamics import Sim, Trigger
from bgpcascade.model.timing import Timing
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
