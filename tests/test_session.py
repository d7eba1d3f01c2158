"""One session between two speakers, run by the zone simulator: establishment, negotiation,
dead-peer detection, backoff, TCP and the order of events (docs/model.md, "Sessions").

The zone is one RR and one client. Both read session messages as they arrive
(``keepalive_rx: io-thread``), so an OPEN or KEEPALIVE reaches the FSM one link delay
after it was sent, with no queueing in between: the times below are exact multiples of
the link delay (10 ms here).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction as F
from typing import Any

import pytest

from bgpcascade.model.dynamics import Sim, Trigger
from bgpcascade.model.fsm import initial_vars, state_of, step
from bgpcascade.model.fsm_vocab import Event, State, Timer
from bgpcascade.model.profiles import BUILTIN_PROFILES as P
from bgpcascade.model.session import session_config
from bgpcascade.model.sim.state import Edge, WorkItem
from bgpcascade.model.topology import Timers
from bgpcascade.model.zonefile import load_zone

LAB = Timers(F(9), F(3), F(1))  # the FRR lab's timers: keepalive 3, hold 9, connect 1
D = F(1, 100)  # one-way link delay


def timers_flow(t: Timers) -> str:
    return f"{{hold: {t.hold}, keepalive: {t.keepalive}, connect_retry: {t.connect_retry}}}"


def pair(a: str = "frr", b: str = "frr", *, ta: Timers = LAB, tb: Timers = LAB,
         triggers: tuple[Trigger, ...] = (), b_profile: str = "") -> Sim:
    """RR ``rr`` (profile ``a``) and its client ``hv`` (profile ``b``), at rest at t=0."""
    text = f"""zone: pair
profiles:
  rrp: {{base: {a}, keepalive_rx: io-thread}}
  hvp: {{base: {b}, keepalive_rx: io-thread{b_profile}}}
speakers:
  - {{name: rr, profile: rrp, cluster_id: 1, timers: {timers_flow(ta)}}}
  - {{name: hv, profile: hvp, routes: 10, timers: {timers_flow(tb)}}}
sessions:
  - {{rr: rr, client: hv}}
"""
    return Sim(load_zone(text), triggers, expand=True, link_delay=D)


@dataclass(frozen=True)
class Logged:
    """One FSM step of one speaker."""

    t: F
    speaker: str
    event: Event
    before: State
    after: State


def fsm_log(sim: Sim) -> list[Logged]:
    """Every FSM step the run takes from now on, in order."""
    log: list[Logged] = []
    orig = sim._fsm

    def spy(e: Edge, key: str, event: Event, **kw: Any) -> None:
        before, t = state_of(e.fsm[key]), sim.now
        orig(e, key, event, **kw)
        log.append(Logged(t, key, event, before, state_of(e.fsm[key])))

    sim._fsm = spy  # type: ignore[method-assign]
    return log


def sent_log(sim: Sim) -> list[tuple[F, str, str, int]]:
    """Every message sent from now on: (time sent, sender, kind, NOTIFICATION code)."""
    sent: list[tuple[F, str, str, int]] = []
    orig = sim._arrive

    def spy(t: F, key: str, item: WorkItem) -> None:
        sent.append((sim.now, item.sender, item.kind, item.code))
        orig(t, key, item)

    sim._arrive = spy  # type: ignore[method-assign]
    return sent


def flapped(sim_args: dict[str, Any] | None = None, at: F = F(10)) -> tuple[Sim, Edge]:
    """A pair whose session flaps at ``at``; run to the flap."""
    sim = pair(**(sim_args or {}), triggers=(Trigger("flap", at, "hv", "rr"),))
    sim.run(at)
    return sim, sim.edges[0]


def restart_at(e: Edge) -> F:
    """When the first end comes out of Idle after a drop (its IdleHoldTimer)."""
    return min(v.deadline[Timer.IdleHoldTimer] for v in e.fsm.values()
               if v.running[Timer.IdleHoldTimer])


def test_both_ends_reach_established_in_four_delays() -> None:
    # SYN, SYN-ACK (the acceptor's OPEN follows it), the initiator's OPEN, the KEEPALIVE.
    sim, e = flapped()
    start = restart_at(e)
    log, sent = fsm_log(sim), sent_log(sim)
    sim.run(start + 1)
    assert e.established()
    first = {n: min(s.t for s in log if s.speaker == n and s.after is State.Established)
             for n in e.fsm}
    assert max(first.values()) - start == 4 * D
    assert sorted(m for t, _, m, _ in sent if t <= start + 4 * D) == \
        ["keepalive"] * 2 + ["open"] * 2


def test_hold_negotiated_to_the_smaller_and_keepalive_a_third() -> None:
    sim, e = flapped({"ta": Timers(F(90), F(30), F(120)), "tb": LAB})
    sent = sent_log(sim)
    sim.run(F(20))
    assert e.established()
    for v in e.fsm.values():
        assert v.negotiated_hold == 9
    # rr proposed keepalive 30 but the session's hold is 9: keepalive at most 9/3.
    last_sent = max(t for t, n, _, _ in sent if n == "rr")
    assert e.fsm["rr"].deadline[Timer.KeepaliveTimer] - last_sent == 3


@pytest.mark.parametrize("hold, ok", [(0, True), (1, False), (2, False), (3, True)])
def test_hold_time_zero_or_at_least_three_is_accepted(hold: int, ok: bool) -> None:
    """§4.2 / §6.2: a Hold Time of 1 or 2 s is an OPEN error (2/6); 0 and 3 are not. A
    zone file cannot propose 1 or 2 s, so the client's configuration is set directly."""
    sim, e = flapped()
    e.cfg["hv"] = replace(e.cfg["hv"], hold_time=F(hold), keepalive_time=F(hold, 3))
    start = restart_at(e)
    log, sent = fsm_log(sim), sent_log(sim)
    sim.run(start + F(1, 2))
    errors = [s for s in log if s.event is Event.BGPOpenMsgErr]
    assert (not errors) is ok
    assert (state_of(e.fsm["rr"]) is State.Established) is ok
    if not ok:
        # The RR refuses the OPEN: OPEN Message Error (NOTIFICATION code 2).
        assert errors[0].speaker == "rr"
        assert ("rr", "notification", 2) in {(n, m, c) for _, n, m, c in sent}


def test_stopped_peer_is_declared_dead_one_hold_after_its_last_keepalive() -> None:
    sim = pair(triggers=(Trigger("pause", F(5), "hv", down_for=F(25)),))
    log, sent = fsm_log(sim), sent_log(sim)
    sim.run(F(40))
    last_ka = max(t for t, n, m, _ in sent if n == "hv" and m == "keepalive" and t < 5) + D
    expiry = next(s for s in log if s.speaker == "rr" and s.event is Event.HoldTimer_Expires)
    assert expiry.t == last_ka + 9  # the lab: the RR sends 4/0 after 7-9 s
    assert (expiry.t, "rr", "notification", 4) in sent  # Hold Timer Expired
    down = next(ev for ev in sim.events if ev.kind == "down")
    assert (down.t, down.at, down.reason) == (expiry.t, "rr", "hold_timer_expired")
    # On SIGCONT the stopped end fires its overdue timers before it reads what waited in
    # its socket (FRR expires its own hold timers on SIGCONT).
    resumed = [s.event for s in log if s.speaker == "hv" and s.t == 30]
    timers = {Event.KeepaliveTimer_Expires, Event.HoldTimer_Expires,
              Event.SendHoldTimer_Expires}
    first_input = next((i for i, ev in enumerate(resumed) if ev not in timers), len(resumed))
    assert Event.HoldTimer_Expires in resumed[:first_input]
    # ... and both come back.
    assert sim.edges[0].established()


def test_send_hold_restarts_on_every_send_and_gobgp_has_none() -> None:
    sim = pair()
    sent = sent_log(sim)
    sim.run(F(7))
    rr = sim.edges[0].fsm["rr"]
    assert rr.running[Timer.SendHoldTimer]
    last_sent = max(t for t, n, _, _ in sent if n == "rr")
    assert rr.deadline[Timer.SendHoldTimer] == last_sent + 18
    g = pair("gobgp", "gobgp")
    g.run(F(7))
    assert not g.edges[0].fsm["rr"].running[Timer.SendHoldTimer]


def test_openbgpd_send_hold_is_at_least_90s() -> None:
    sim, e = flapped({"a": "openbgpd", "b": "openbgpd"})
    log, sent = fsm_log(sim), sent_log(sim)
    sim.run(F(60))
    # RFC 9687: started on entering Established, restarted by every later send.
    established = max(s.t for s in log if s.speaker == "rr" and s.after is State.Established
                      and s.before is not State.Established)
    last_sent = max(t for t, n, _, _ in sent if n == "rr")
    assert e.fsm["rr"].deadline[Timer.SendHoldTimer] == max(established, last_sent) + 90


def test_open_sent_hold_is_large_except_frr() -> None:
    """RFC 4271 §8.2.2: 'sets the HoldTimer to a large value' (4 min suggested; GoBGP,
    BIRD, OpenBGPD 240 s); FRR uses the configured hold."""
    for profile, expected in (("frr", 9), ("gobgp", 240), ("bird", 240), ("openbgpd", 240)):
        cfg = session_config(P[profile], LAB)
        v, _ = step(cfg, initial_vars(1), Event.ManualStart, F(0))
        v, _ = step(cfg, v, Event.Tcp_CR_Acked, F(1))
        assert state_of(v) is State.OpenSent
        assert v.deadline[Timer.HoldTimer] == 1 + expected, profile


def test_an_update_restarts_the_peers_hold_timer_and_the_senders_keepalive_timer() -> None:
    """RFC 4271 §8.2.2 Established: an UPDATE received restarts the HoldTimer; each
    KEEPALIVE or UPDATE sent restarts the sender's KeepaliveTimer."""
    sim, e = flapped()
    sent = sent_log(sim)
    while not any(n == "hv" and m == "update" for _, n, m, _ in sent):
        assert sim.step()
    t_sent = next(t for t, n, m, _ in sent if n == "hv" and m == "update")
    assert e.fsm["hv"].deadline[Timer.KeepaliveTimer] == t_sent + 3
    sim.run(t_sent + D)
    assert e.fsm["rr"].deadline[Timer.HoldTimer] == t_sent + D + 9


@pytest.mark.parametrize("profile, expected", [
    ("frr", [1, 2, 4, 8, 16, 32, 64, 120, 120]),
    ("openbgpd", [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]),
    ("gobgp", [5] * 9),
    ("bird", [60, 120, 240, 300, 300, 300, 300, 300, 300]),
])
def test_idle_hold_backoff_per_profile(profile: str, expected: list[int]) -> None:
    """FRR's start timer 1 s doubling to 120 s, OpenBGPD's IdleHold 30 s to 3600 s, GoBGP
    5 s after a dropped session, BIRD 60 s doubling to 300 s."""
    cfg = session_config(P[profile], LAB)
    v = initial_vars(F(str(P[profile].idle_hold_initial)))
    waits = []
    for _ in range(9):
        v, _ = step(cfg, v, Event.ManualStart, F(0))
        v, _ = step(cfg, v, Event.Tcp_CR_Acked, F(0))
        v, _ = step(cfg, v, Event.HoldTimer_Expires, F(0))  # a failure, damped
        waits.append(int(v.deadline[Timer.IdleHoldTimer]))
    assert waits == expected


# -- the simulator's own session rules ---------------------------------------------------------
def undamped(sim: Sim) -> Edge:
    e = sim.edges[0]
    for end in e.fsm:
        e.cfg[end] = replace(e.cfg[end], damp_peer_oscillations=False)
    return e


def test_an_automatic_stop_rearms_the_idle_hold_timer_when_damping_did_not() -> None:
    """AllowAutomaticStart (RFC 4271 §8.1.1): without DampPeerOscillations the FSM leaves
    IdleHoldTimer stopped on Idle; the simulator starts it with the current IdleHoldTime
    (rules.restart_after_drop), so the speaker comes back by itself one IdleHoldTime
    later."""
    sim = pair(triggers=(Trigger("pause", F(5), "hv", down_for=F(25)),))
    undamped(sim)
    log = fsm_log(sim)
    sim.run(F(40))
    drop = next(s for s in log if s.speaker == "rr" and s.after is State.Idle)
    back = next(s for s in log if s.speaker == "rr" and s.t > drop.t)
    assert back.event is Event.IdleHoldTimer_Expires and back.t == drop.t + 1
    assert sim.edges[0].established()


def test_a_manual_stop_is_not_followed_by_an_automatic_start() -> None:
    sim = pair()
    e = undamped(sim)
    sim.run(F(2))
    log = fsm_log(sim)
    sim._fsm(e, "rr", Event.ManualStop)
    sim.run(F(60))
    assert state_of(e.fsm["rr"]) is State.Idle
    assert not e.fsm["rr"].running[Timer.IdleHoldTimer]
    assert [s.event for s in log if s.speaker == "rr"] == [Event.ManualStop]


def test_a_refused_connection_comes_back_two_delays_after_the_attempt() -> None:
    """A SYN to a speaker in Idle is refused (RST): the initiator hears it one round trip
    later (event 18) and goes to Active: FRR's Connect + TCP_connection_open_failed, where
    RFC 4271 §8.2.2 says Idle (the documented deviation in model/fsm.py). Here the client
    waits 60 s in Idle after the flap while the RR restarts after 1 s."""
    sim, e = flapped({"b_profile": ", idle_hold_initial: 60"})
    start = restart_at(e)
    log = fsm_log(sim)
    sim.run(start + F(1, 2))
    fails = next(s for s in log if s.event is Event.TcpConnectionFails)
    assert (fails.speaker, fails.t - start, fails.after) == ("rr", 2 * D, State.Active)


def test_no_update_leaves_before_the_session_is_established() -> None:
    """An UPDATE needs Established at the sender, not just a connection (§8.2.2: in
    OpenSent or OpenConfirm an UPDATE is an FSM error at the receiver)."""
    sim, e = flapped()
    start = restart_at(e)
    log = fsm_log(sim)
    orig = sim._arrive
    updates: list[F] = []

    def spy(t: F, key: str, item: WorkItem) -> None:
        if item.kind in ("update", "eor"):
            assert state_of(e.fsm[item.sender]) is State.Established, sim.now
            updates.append(sim.now)
        orig(t, key, item)

    sim._arrive = spy  # type: ignore[method-assign]
    sim.run(F(30))
    assert updates and min(updates) > start
    received = [s.before for s in log if s.event is Event.UpdateMsg]
    assert received and set(received) == {State.Established}


def test_run_until_t_includes_what_happens_at_t() -> None:
    sim = pair()
    due = sim.edges[0].fsm["hv"].deadline[Timer.KeepaliveTimer]
    log = fsm_log(sim)
    sim.run(due)  # a timer due at exactly `until` fires too
    assert any(s.speaker == "hv" and s.event is Event.KeepaliveTimer_Expires and s.t == due
               for s in log)


def keepalive_from(sim: Sim, sender: str) -> WorkItem:
    e = sim.edges[0]
    return WorkItem(kind="keepalive", edge=e.index, sender=sender, conn=e.conn,
                    routes=1)


def test_a_message_arriving_with_a_timer_is_read_first() -> None:
    """At equal times input comes before timers (Priority.INPUT < Priority.TIMER): a
    KEEPALIVE that arrives at the very instant the receiver's HoldTimer would expire still
    restarts it."""
    sim = pair(triggers=(Trigger("pause", F(4), "hv", down_for=F(96)),))
    e = sim.edges[0]
    sim.run(F(5))
    deadline = e.fsm["rr"].deadline[Timer.HoldTimer]
    sim.run(deadline - D)
    sim._arrive(deadline, "rr", keepalive_from(sim, "hv"))  # as if hv had sent it
    sim.run(deadline)
    assert state_of(e.fsm["rr"]) is State.Established
    assert e.fsm["rr"].deadline[Timer.HoldTimer] == deadline + 9


def test_a_message_arriving_as_the_pause_starts_waits_for_the_resume() -> None:
    sim = pair(triggers=(Trigger("pause", F(5), "rr", down_for=F(1)),))
    sim.run(5 - D)
    log = fsm_log(sim)
    sim._arrive(F(5), "rr", keepalive_from(sim, "hv"))  # reaches rr at exactly 5, as it stops
    sim.run(F(7))
    read = [s.t for s in log if s.speaker == "rr" and s.event is Event.KeepAliveMsg]
    assert read and read[0] == 6


@pytest.mark.parametrize("delay, on", [(0, False), (F(1, 2), True), (1, True), (5, True)])
def test_delay_open_is_on_for_any_positive_time(delay: F, on: bool) -> None:
    cfg = session_config(P["frr"], LAB, delay_open=delay)  # type: ignore[arg-type]
    assert cfg.delay_open is on and cfg.delay_open_time == delay
