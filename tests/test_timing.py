"""Phases, jitter and cohorts (model/timing.py; docs/model.md, "Time")."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bgpcascade.model.dynamics import Sim, Trigger
from bgpcascade.model.fsm_vars import state_of
from bgpcascade.model.fsm_vocab import State, Timer
from bgpcascade.model.profiles import BUILTIN_PROFILES
from bgpcascade.model.reflection import View
from bgpcascade.model.timing import DEFAULT_COHORTS, Timing, unit
from bgpcascade.model.topology import session_name
from bgpcascade.model.zonefile import load_zone


def zone(rr: str = "frr", client: str = "frr", clients: int = 6, hold: int = 90,
         keepalive: int = 30) -> str:
    """2 FRR spines, one shard of 2 RRs of profile ``rr`` (shared CLUSTER_ID)."""
    return (f"zone: t\ntimers: {{hold: {hold}, keepalive: {keepalive}, connect_retry: 10}}\n"
            "spines: {count: 2}\nshards:\n"
            f"  - {{name: a, rrs: 2, rr_profile: {rr}, client_profile: {client}, "
            f"cluster_id: shared, clients: {clients}, routes_per_client: 20}}\n")


def events(sim: Sim) -> list[dict[str, object]]:
    return [e.as_json() for e in sim.events]


def test_unit_is_a_pure_function_of_seed_and_labels() -> None:
    a = unit(7, "phase", "a~b", "a")
    assert a == unit(7, "phase", "a~b", "a")
    assert 0 <= a < 1 and (a * 1000).denominator == 1
    draws = {unit(s, "phase", "a~b", "a") for s in range(200)}
    assert len(draws) > 150  # spread over [0, 1), not a constant
    assert min(draws) < F(1, 10) and max(draws) > F(9, 10)


def test_aligned_one_cohort_is_the_lockstep_default() -> None:
    z = load_zone(zone())
    trig = [Trigger("flap", F(20), "spine1", "a-rr1")]
    default = Sim(z, trig)
    explicit = Sim(z, trig, timing=Timing(seed=99, phases="aligned", cohorts=1))
    default.run(300)
    explicit.run(300)
    assert events(default) == events(explicit)
    assert default.processed == explicit.processed


def test_spread_phases_place_each_session_end_in_its_own_phase() -> None:
    z = load_zone(zone())
    aligned = Sim(z, timing=Timing(phases="aligned", cohorts=1))
    spread = Sim(z, timing=Timing(seed=3, cohorts=1))
    ka = {e.fsm[e.a].deadline[Timer.KeepaliveTimer] for e in aligned.edges}
    assert ka == {F(30)}  # every KeepaliveTimer in phase
    dues = []
    label = {k: n.label for k, n in spread.view.nodes.items()}
    for e in spread.edges:
        name = spread.draw_name(e)
        assert name == session_name(label[e.a], label[e.b])
        for end in (e.a, e.b):
            v = e.fsm[end]
            p = spread.timing.phase(name, label[end])
            q = spread.timing.phase(name, label[e.other(end)])
            assert v.deadline[Timer.KeepaliveTimer] == 30 - 30 * p
            # the peer last sent at -q x 30: the hold timer runs 90 s from then
            assert v.deadline[Timer.HoldTimer] == 90 - 30 * q
            assert state_of(v) is State.Established
            dues.append(v.deadline[Timer.KeepaliveTimer])
    assert len(set(dues)) > len(dues) // 2


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), rr=st.sampled_from(sorted(BUILTIN_PROFILES)),
       cohorts=st.sampled_from([1, 2, 3, 0]))
def test_zone_at_rest_never_resets_whatever_the_phases(seed: int, rr: str,
                                                       cohorts: int) -> None:
    """RFC 4271 §4.4: with a KEEPALIVE every keepalive interval (jittered or not) and
    nothing else happening, no hold timer ever expires."""
    sim = Sim(load_zone(zone(rr=rr, clients=4)), timing=Timing(seed=seed, cohorts=cohorts))
    sim.run(400)
    assert sim.events == []


def test_same_seed_same_run_other_seed_other_run() -> None:
    z = load_zone(zone(rr="bird"))
    trig = [Trigger("flap", F(20), "spine1", "a-rr1", down_for=F(5))]

    def go(seed: int) -> list[dict[str, object]]:
        sim = Sim(z, trig, timing=Timing(seed=seed))
        sim.run(400)
        return events(sim)

    assert go(5) == go(5)
    assert go(5) != go(6)  # BIRD jitters its idle hold and connect retry


def _after_flap(rr: str, seed: int) -> tuple[Sim, F]:
    """A flap of spine1~a-rr1 at 20 s, run just past it: the RR end is in Idle with its
    IdleHoldTimer (restart after the drop, RFC 4271 §8.1.1) running."""
    z = load_zone(zone(rr=rr))
    sim = Sim(z, [Trigger("flap", F(20), "spine1", "a-rr1")],
              timing=Timing(seed=seed, cohorts=1))
    sim.run(F(20))
    e = next(x for x in sim.edges if {x.a, x.b} == {"spine1", "a-rr1"})
    v = e.fsm["a-rr1"]
    assert v.running[Timer.IdleHoldTimer]
    return sim, v.deadline[Timer.IdleHoldTimer] - 20


@pytest.mark.parametrize("rr,low,high", [("bird", F(3, 4), F(1)), ("frr", F(1), F(1)),
                                         ("gobgp", F(1), F(1)), ("openbgpd", F(1), F(1))])
def test_idle_hold_jitter_follows_the_profile(rr: str, low: F, high: F) -> None:
    """BIRD's startup delay is jittered (bgp_start_timer: T - random(T/4)); FRR, GoBGP
    and OpenBGPD start their restart timer for exactly its value
    (docs/implementations.md, "Timers and jitter")."""
    initial = F(str(BUILTIN_PROFILES[rr].idle_hold_initial))
    waits = {_after_flap(rr, seed)[1] for seed in range(12)}
    assert all(low * initial <= w <= high * initial for w in waits)
    assert (len(waits) > 1) == (low != high)


def test_aligned_phases_draw_no_jitter() -> None:
    z = load_zone(zone(rr="bird"))
    sim = Sim(z, [Trigger("flap", F(20), "spine1", "a-rr1")],
              timing=Timing(seed=4, phases="aligned", cohorts=1))
    sim.run(F(20))
    e = next(x for x in sim.edges if {x.a, x.b} == {"spine1", "a-rr1"})
    assert e.fsm["a-rr1"].deadline[Timer.IdleHoldTimer] == 20 + 60


def test_gobgp_connect_retry_is_stretched_not_shortened() -> None:
    """GoBGP 3's connect loop waits tick + random(tick) (pkg/server/fsm.go): [1, 2] x."""
    text = zone(rr="gobgp")
    z = load_zone(text)
    seen = set()
    for seed in range(8):
        sim = Sim(z, [Trigger("flap", F(20), "spine1", "a-rr1", down_for=F(30))],
                  timing=Timing(seed=seed, cohorts=1))
        e = next(x for x in sim.edges if {x.a, x.b} == {"spine1", "a-rr1"})
        while sim.step():
            v = e.fsm["a-rr1"]
            if state_of(v) in (State.Connect, State.Active) and \
                    v.running[Timer.ConnectRetryTimer]:
                wait = v.deadline[Timer.ConnectRetryTimer] - sim.now
                assert 10 <= wait <= 20
                seen.add(wait)
                break
    assert len(seen) > 1


@pytest.mark.parametrize("count,k", [(7, 3), (2, 4), (800, 4), (5, 1)])
def test_cohorts_split_each_group_into_consecutive_near_equal_parts(count: int,
                                                                   k: int) -> None:
    z = load_zone(zone(clients=count))
    view = View.from_zone(z, cohorts=k)
    parts = sorted((n for n in view.nodes.values() if n.group == f"[a-c1..a-c{count}]"),
                   key=lambda n: n.order)
    assert len(parts) == min(k, count)
    sizes = [n.count for n in parts]
    assert sum(sizes) == count and max(sizes) - min(sizes) <= 1
    members = [i for n in parts for i in n.members]
    assert members == list(range(count))


def test_default_timing_splits_into_the_default_cohorts() -> None:
    z = load_zone(zone(clients=50))
    sim = Sim(z, timing=Timing())
    clients = [n for n in sim.nodes.values() if not n.is_rr]
    assert len(clients) == DEFAULT_COHORTS
    assert sum(n.count for n in clients) == 50
    explicit = Sim(z, timing=Timing(cohorts=0))
    assert len([n for n in explicit.nodes.values() if not n.is_rr]) == 50


@pytest.mark.parametrize("cohorts", [1, 3])
def test_a_count_moves_no_phase(cohorts: int) -> None:
    """Draws are keyed by labels that do not change with a group's size (``a-c1#0``), so
    a zone parameter that varies a count varies no phase: the Z3 engine's regions over a
    count (properties/engines/linear.py) see the same timers at every point."""
    def dues(clients: int) -> list[tuple[str, str, F]]:
        sim = Sim(load_zone(zone(clients=clients)), timing=Timing(seed=8, cohorts=cohorts))
        out = []
        for e in sim.edges:
            for end in (e.a, e.b):
                out.append((sim.draw_name(e), sim.view.nodes[end].label,
                            e.fsm[end].deadline[Timer.KeepaliveTimer]))
        return sorted(out)

    assert dues(9) == dues(10) == dues(11)
    labels = {n.label for n in View.from_zone(load_zone(zone(clients=9)),
                                              cohorts=cohorts).nodes.values()}
    assert "spine1" in labels and "a-c1#0" in labels
