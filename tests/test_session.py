"""The two-speaker harness: establishment, negotiation, dead-peer detection, backoff."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from bgpcascade.model.fsm_vocab import Event, State, Timer
from bgpcascade.model.profiles import BUILTIN_PROFILES as P
from bgpcascade.model.session import Pair, make_pair
from bgpcascade.model.topology import Timers

LAB = Timers(F(9), F(3), F(1))  # frr-lab.md timers: keepalive 3, hold 9, connect 1


def lab_pair(a: str = "frr", b: str = "frr", seed: int | None = None,
             ta: Timers = LAB, tb: Timers = LAB) -> Pair:
    return make_pair("rr", P[a], ta, "hv", P[b], tb, seed=seed)


def test_both_ends_reach_established_in_four_delays() -> None:
    # SYN, SYN-ACK (the acceptor's OPEN follows it), the initiator's OPEN, the KEEPALIVE.
    p = lab_pair()
    p.run(1)
    assert {e.state for e in p.ends.values()} == {State.Established}
    first = {n: min(s.t for s in p.log if s.speaker == n and s.after is State.Established)
             for n in p.ends}
    assert max(first.values()) == F(4, 100)
    assert sorted(m for _, _, m in p.sent) == ["KEEPALIVE"] * 2 + ["OPEN"] * 2


def test_hold_negotiated_to_the_smaller_and_keepalive_a_third() -> None:
    p = lab_pair(ta=Timers(F(90), F(30), F(120)), tb=LAB)
    p.run(1)
    for e in p.ends.values():
        assert e.vars.negotiated_hold == 9
    rr = p.ends["rr"]
    # rr proposed keepalive 30 but the session's hold is 9: keepalive at most 9/3.
    assert rr.vars.deadline[Timer.KeepaliveTimer] - F(3, 100) <= 3


def test_unacceptable_hold_time_is_open_error_2_6() -> None:
    bad = Timers(F(2), F(1, 2), F(1))  # a zone file cannot say this; the harness can
    p = lab_pair(tb=bad)
    p.run(F(1, 10))
    step = next(s for s in p.log if s.event is Event.BGPOpenMsgErr)
    assert step.speaker == "rr" and "2/6" in step.note
    assert ("rr", "NOTIFICATION 2") in {(n, m) for _, n, m in p.sent}


def test_stopped_peer_is_declared_dead_one_hold_after_its_last_keepalive() -> None:
    p = lab_pair()
    p.run(5)
    last_ka = max(s.t for s in p.log if s.speaker == "rr" and s.event is Event.KeepAliveMsg)
    p.pause("hv", 5, 30)
    p.run(40)
    expiry = next(s for s in p.log if s.speaker == "rr" and s.event is Event.HoldTimer_Expires)
    assert expiry.t == last_ka + 9  # frr-lab.md: the RR sends 4/0 after 7-9 s
    assert "send NOTIFICATION 4 (Hold Timer Expired)" in expiry.actions
    assert "delete routes" in expiry.actions
    # On SIGCONT the stopped end fires its overdue timers (in deadline order) before it
    # reads what waited in its socket (frr-lab.md: it expires its own hold timers).
    resumed = [s.event for s in p.log if s.speaker == "hv" and s.t == 30]
    timers = {Event.KeepaliveTimer_Expires, Event.HoldTimer_Expires}
    first_input = next((i for i, e in enumerate(resumed) if e not in timers),
                       len(resumed))
    assert Event.HoldTimer_Expires in resumed[:first_input]
    # ... and both come back.
    assert {e.state for e in p.ends.values()} == {State.Established}


def test_send_hold_restarts_on_every_send_and_gobgp_has_none() -> None:
    p = lab_pair()
    p.run(7)
    rr = p.ends["rr"]
    assert rr.vars.running[Timer.SendHoldTimer]
    last_sent = max(t for t, n, _ in p.sent if n == "rr")
    assert rr.vars.deadline[Timer.SendHoldTimer] == last_sent + 18
    g = lab_pair("gobgp", "gobgp")
    g.run(7)
    assert not g.ends["rr"].vars.running[Timer.SendHoldTimer]


def test_openbgpd_send_hold_is_at_least_90s() -> None:
    p = lab_pair("openbgpd", "openbgpd")
    p.run(1)
    rr = p.ends["rr"]
    # RFC 9687: started on entering Established, restarted by every later send.
    established = min(s.t for s in p.log if s.speaker == "rr" and s.after is State.Established)
    last_sent = max(t for t, n, _ in p.sent if n == "rr")
    assert rr.vars.deadline[Timer.SendHoldTimer] == max(established, last_sent) + 90


def test_open_sent_hold_is_large_except_frr() -> None:
    """RFC 4271 §8.2.2: 'sets the HoldTimer to a large value' (4 min suggested; GoBGP,
    BIRD, OpenBGPD 240 s); FRR uses the configured hold (bgp-facts.md timer table)."""
    from bgpcascade.model import fsm
    from bgpcascade.model.session import session_config

    for profile, expected in (("frr", 9), ("gobgp", 240), ("bird", 240), ("openbgpd", 240)):
        cfg = session_config(P[profile], LAB)
        v, _ = fsm.step(cfg, fsm.initial_vars(1), Event.ManualStart, F(0))
        v, _ = fsm.step(cfg, v, Event.Tcp_CR_Acked, F(1))
        assert fsm.state_of(v) is State.OpenSent
        assert v.deadline[Timer.HoldTimer] == 1 + expected, profile


def test_update_restarts_the_peers_hold_timer() -> None:
    p = lab_pair()
    p.run(2)
    p.send_update(F(5, 2), "hv")
    p.run(F(26, 10))
    assert p.ends["rr"].vars.deadline[Timer.HoldTimer] == F(251, 100) + 9


@pytest.mark.parametrize("profile, expected", [
    ("frr", [1, 2, 4, 8, 16, 32, 64, 120, 120]),
    ("openbgpd", [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]),
    ("gobgp", [5] * 9),
    ("bird", [60, 120, 240, 300, 300, 300, 300, 300, 300]),
])
def test_idle_hold_backoff_per_profile(profile: str, expected: list[int]) -> None:
    """bgp-facts.md: FRR start timer 1 s doubling to 120 s, OpenBGPD IdleHold 30 s to
    3600 s, GoBGP 5 s after a dropped session, BIRD 60 s doubling to 300 s."""
    from bgpcascade.model import fsm
    from bgpcascade.model.session import session_config

    cfg = session_config(P[profile], LAB)
    v = fsm.initial_vars(F(str(P[profile].idle_hold_initial)))
    waits = []
    for _ in range(9):
        v, _ = fsm.step(cfg, v, Event.ManualStart, F(0))
        v, _ = fsm.step(cfg, v, Event.Tcp_CR_Acked, F(0))
        v, _ = fsm.step(cfg, v, Event.HoldTimer_Expires, F(0))  # a failure, damped
        waits.append(int(v.deadline[Timer.IdleHoldTimer]))
    assert waits == expected


def test_jitter_is_seeded_and_within_rfc_bounds() -> None:
    a, b = lab_pair(seed=7), lab_pair(seed=7)
    a.run(60)
    b.run(60)
    assert [str(s) for s in a.log] == [str(s) for s in b.log]
    c = lab_pair(seed=8)
    c.run(60)
    assert [str(s) for s in a.log] != [str(s) for s in c.log]
    gaps = [y.t - x.t for x, y in zip(
        [s for s in a.log if s.speaker == "rr" and s.event is Event.KeepaliveTimer_Expires],
        [s for s in a.log if s.speaker == "rr" and s.event is Event.KeepaliveTimer_Expires][1:],
        strict=False)]
    assert gaps and all(F(3) * F(3, 4) <= g <= 3 for g in gaps)


def test_bird_jitters_its_hold_timer() -> None:
    p = make_pair("rr", P["bird"], LAB, "hv", P["frr"], LAB, seed=3)
    p.run(1)
    rr = p.ends["rr"]
    remaining = rr.vars.deadline[Timer.HoldTimer] - F(3, 100)
    assert F(9) * F(3, 4) <= remaining <= 9
