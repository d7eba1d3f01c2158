"""The two-speaker harness: establishment, negotiation, dead-peer detection, backoff."""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import pytest

from bgpcascade.model.fsm_vocab import Event, State, Timer
from bgpcascade.model.profiles import BUILTIN_PROFILES as P
from bgpcascade.model.session import Pair, make_pair
from bgpcascade.model.topology import Timers

LAB = Timers(F(9), F(3), F(1))  # FRR lab timers: keepalive 3, hold 9, connect 1


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
    assert expiry.t == last_ka + 9  # FRR lab: the RR sends 4/0 after 7-9 s
    assert "send NOTIFICATION 4 (Hold Timer Expired)" in expiry.actions
    assert "delete routes" in expiry.actions
    # On SIGCONT the stopped end fires its overdue timers (in deadline order) before it
    # reads what waited in its socket (docs/validation.md, discrepancy 3: it expires its
    # own hold timers).
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
    BIRD, OpenBGPD 240 s); FRR uses the configured hold (docs/implementations.md)."""
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
    """docs/implementations.md: FRR start timer 1 s doubling to 120 s, OpenBGPD IdleHold 30 s to
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


# -- the harness's own rules, each pinned by the mutant that survived without it -----------
# (scripts/mutate.py model/session.py; docs/validation.md, "Trust")

def _undamped_pair() -> Pair:
    from bgpcascade.model import fsm
    from bgpcascade.model.session import End, session_config

    ends = [End(name=n, cfg=session_config(P["frr"], LAB, damp=False),
                vars=fsm.initial_vars(F(1))) for n in ("rr", "hv")]
    p = Pair(*ends)
    for n in p.ends:
        p.inject(0, n, Event.ManualStart)
    return p


def test_an_automatic_stop_rearms_the_idle_hold_timer_when_damping_did_not() -> None:
    """AllowAutomaticStart (RFC 4271 §8.1.1): without DampPeerOscillations the FSM leaves
    IdleHoldTimer stopped on Idle; the harness starts it with the current IdleHoldTime, so
    the speaker comes back by itself one IdleHoldTime later, and again after each drop."""
    p = _undamped_pair()
    p.run(5)
    p.pause("hv", 5, 30)
    p.run(40)
    drop = next(s for s in p.log if s.speaker == "rr" and s.after is State.Idle)
    back = next(s for s in p.log if s.speaker == "rr" and s.t > drop.t)
    assert back.event is Event.IdleHoldTimer_Expires and back.t == drop.t + 1
    assert {e.state for e in p.ends.values()} == {State.Established}


def test_a_manual_stop_is_not_followed_by_an_automatic_start() -> None:
    p = _undamped_pair()
    p.run(1)
    p.inject(2, "rr", Event.ManualStop)
    p.run(60)
    assert p.ends["rr"].state is State.Idle
    assert not p.ends["rr"].vars.running[Timer.IdleHoldTimer]
    assert not [s for s in p.log if s.speaker == "rr" and s.t > 2]


def test_a_refused_connection_comes_back_two_delays_after_the_attempt() -> None:
    """A SYN to a speaker in Idle is refused (RST): the initiator hears it one round trip
    later (event 18) and goes to Active: FRR's Connect + TCP_connection_open_failed, where
    RFC 4271 §8.2.2 says Idle (the documented deviation in model/fsm.py)."""
    p = make_pair("rr", P["frr"], LAB, "hv", P["frr"], LAB, start=["rr"])
    p.run(F(1, 2))
    fails = next(s for s in p.log if s.event is Event.TcpConnectionFails)
    assert (fails.speaker, fails.t, fails.after) == ("rr", F(2, 100), State.Active)


def test_connection_collision_keeps_the_higher_ids_connection() -> None:
    """§6.8: both ends open a connection at once; the one initiated by the speaker with
    the higher identifier (here the name) survives on both ends."""
    p = lab_pair()
    p.run(1)
    assert p.conns == 2  # rr asked first (connection 1), hv second (2)
    assert p.conn_of == {"rr": 1, "hv": 1}
    assert {e.state for e in p.ends.values()} == {State.Established}
    q = make_pair("aa", P["frr"], LAB, "zz", P["frr"], LAB)
    q.run(1)
    assert q.conn_of == {"aa": 2, "zz": 2}  # zz's connection, though aa asked first


@pytest.mark.parametrize("hold, ok", [(0, True), (1, False), (2, False), (3, True)])
def test_hold_time_zero_or_at_least_three_is_accepted(hold: int, ok: bool) -> None:
    """§4.2 / §6.2: a Hold Time of 1 or 2 s is an OPEN error (2/6); 0 and 3 are not."""
    ka = F(hold, 3)
    p = lab_pair(tb=Timers(F(hold), ka, F(1)))
    p.run(F(1, 2))
    errors = [s for s in p.log if s.event is Event.BGPOpenMsgErr]
    assert (not errors) is ok
    assert (p.ends["rr"].state is State.Established) is ok


def test_an_update_before_establishment_sends_nothing() -> None:
    p = make_pair("rr", P["frr"], LAB, "hv", P["frr"], LAB, start=[])
    p.send_update(1, "rr")
    p.run(2)
    assert p.sent == [] and p.log == []


def test_sending_an_update_restarts_the_senders_keepalive_timer() -> None:
    """§8.2.2 Established: each KEEPALIVE or UPDATE sent restarts the KeepaliveTimer."""
    p = lab_pair()
    p.run(2)
    p.send_update(F(5, 2), "hv")
    assert p.ends["hv"].vars.deadline[Timer.KeepaliveTimer] == F(5, 2) + 3


def test_run_until_t_includes_what_happens_at_t() -> None:
    p = lab_pair()
    p.run(F(4, 100))  # the last KEEPALIVE arrives at exactly 4 delays
    assert {e.state for e in p.ends.values()} == {State.Established}
    due = p.ends["hv"].vars.deadline[Timer.KeepaliveTimer]
    p.run(due)  # a timer due at exactly `until` fires too
    assert any(s.speaker == "hv" and s.event is Event.KeepaliveTimer_Expires and s.t == due
               for s in p.log)


def test_a_message_arriving_with_a_timer_is_read_first() -> None:
    """At equal times deliveries come before timers: an UPDATE that arrives at the very
    instant the receiver's HoldTimer would expire still restarts it (Pair.run)."""
    p = lab_pair()
    p.run(4)
    p.pause("hv", 4, 100)  # hv sends nothing on its own from now
    deadline = p.ends["rr"].vars.deadline[Timer.HoldTimer]
    p.run(deadline - p.delay)
    p.send_update(deadline - p.delay, "hv")  # arrives at rr at `deadline`
    p.run(deadline)
    assert p.ends["rr"].state is State.Established
    assert p.ends["rr"].vars.deadline[Timer.HoldTimer] == deadline + 9


def test_a_message_arriving_as_the_pause_starts_waits_for_the_resume() -> None:
    p = lab_pair()
    p.run(4)
    p.pause("rr", 5, 6)
    p.send_update(5 - p.delay, "hv")  # reaches rr at exactly 5, as it stops
    p.run(7)
    upd = next(s for s in p.log if s.event is Event.UpdateMsg)
    assert upd.speaker == "rr" and upd.t == 6


def test_jitter_draws_cover_exactly_750_to_1000_thousandths() -> None:
    """RFC 4271 §10: jitter multiplies by a factor uniform in [0.75, 1.0]; the draws are
    exact thousandths, and over enough of them both ends of the range are hit."""
    p = lab_pair(seed=11)
    p.run(4000)
    kas = [s.t for s in p.log if s.speaker == "rr" and s.event is Event.KeepaliveTimer_Expires]
    factors = {(b - a) / 3 * 1000 for a, b in itertools.pairwise(kas)}
    assert all(f.denominator == 1 for f in factors)
    assert min(factors) == 750 and max(factors) == 1000


@pytest.mark.parametrize("delay, on", [(0, False), (F(1, 2), True), (1, True), (5, True)])
def test_delay_open_is_on_for_any_positive_time(delay: F, on: bool) -> None:
    from bgpcascade.model.session import session_config

    cfg = session_config(P["frr"], LAB, delay_open=delay)  # type: ignore[arg-type]
    assert cfg.delay_open is on and cfg.delay_open_time == delay


def test_an_update_on_a_connection_not_yet_established_sends_nothing() -> None:
    """An UPDATE needs Established, not just a connection (§8.2.2: in OpenSent or
    OpenConfirm an UPDATE is an FSM error at the receiver)."""
    p = lab_pair()
    p.run(F(15, 1000))  # rr has its connection (OpenSent), nothing is Established
    assert p.conn_of["rr"] is not None and p.ends["rr"].state is not State.Established
    p.send_update(F(15, 1000), "rr")
    p.run(1)
    assert "UPDATE" not in [m for _, _, m in p.sent]
    assert not [s for s in p.log if s.event is Event.UpdateMsg]
