"""The RFC rules of model/rules.py, one test per rule, and the places that call them.

Each rule is checked against the RFC's own words (boundaries, every combination of
relations), on concrete numbers and, where the Z3 proofs use it, in Z3. Then each former
copy of a rule, now a call, is checked to decide exactly as the rule does: the zone
loader, the ``--vary`` range check, the FSM's keepalive timer, the profiles' SendHoldTime,
the proofs' HoldTime domain and replay, and the RFC 4456 propagation.
"""

from __future__ import annotations

import dataclasses
import itertools
from fractions import Fraction as F
from ipaddress import IPv4Address, ip_address

import pytest
import z3

from bgpcascade.model import fsm, rules
from bgpcascade.model.arith import PY
from bgpcascade.model.errors import InputError
from bgpcascade.model.fsm_vocab import Event, State, Timer
from bgpcascade.model.params import Space
from bgpcascade.model.profiles import BUILTIN_PROFILES
from bgpcascade.model.reflection import View, path_key, propagate
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.fsm import encoding, replay

#: HoldTimes around both ends of RFC 4271 §4.2's range, whole and fractional.
HOLDS = [F(0), F(1, 2), F(1), F(2), F(5, 2), F(3), F(7, 2), F(4), F(90), F(65534), F(65535),
         F(131071, 2), F(65536), F(70000)]


# -- RFC 4271 §4.2: hold time ------------------------------------------------------------


@pytest.mark.parametrize(("hold", "ok"), [(0, True), (1, False), (2, False), (3, True),
                                          (65535, True), (F(5, 2), False), (F(7, 2), True)])
def test_hold_acceptable_is_zero_or_at_least_three(hold: F | int, ok: bool) -> None:
    """§4.2: "the Hold Time MUST be either zero or at least three seconds"."""
    assert rules.hold_acceptable(hold) is ok
    assert rules.MIN_HOLD == 3


@pytest.mark.parametrize(("hold", "fits"), [(0, True), (3, True), (65535, True),
                                            (65536, False), (F(131071, 2), False)])
def test_hold_fits_the_two_octet_field(hold: F | int, fits: bool) -> None:
    """§4.2: Hold Time is a 2-octet unsigned integer, so at most 65535 seconds."""
    assert rules.hold_fits_open(hold) is fits
    assert rules.MAX_HOLD == 2 ** 16 - 1


@pytest.mark.parametrize("hold", HOLDS)
def test_hold_on_wire_is_acceptable_and_fitting(hold: F) -> None:
    want = rules.hold_acceptable(hold) and rules.hold_fits_open(hold)
    assert rules.hold_on_wire_in(PY, hold) is want
    assert rules.hold_acceptable_in(PY, hold) is rules.hold_acceptable(hold)
    assert rules.hold_fits_open_in(PY, hold) is rules.hold_fits_open(hold)


def test_the_z3_forms_of_the_hold_rules_are_the_python_ones() -> None:
    """For every real x, not only the values tried: the Z3 terms say what the Python
    forms say (a solver finds no x where they part)."""
    x = z3.Real("x")
    z = encoding.Z3
    s = z3.Solver()
    s.add(rules.hold_on_wire_in(z, x) != z3.And(rules.hold_acceptable_in(z, x),
                                                rules.hold_fits_open_in(z, x)))
    assert s.check() == z3.unsat
    s = z3.Solver()
    s.add(rules.hold_acceptable_in(z, x) != z3.Or(x == 0, x >= 3))
    assert s.check() == z3.unsat


def test_negotiated_hold_is_the_smaller_proposal() -> None:
    """§4.2: the session uses the smaller of its own HoldTime and the one received."""
    for a, b in itertools.product((F(0), F(3), F(9), F(90)), repeat=2):
        assert rules.negotiated_hold(a, b) == rules.negotiated_hold(b, a) == min(a, b)
    a, b = z3.Reals("a b")
    s = z3.Solver()
    s.add(rules.negotiated_hold_in(encoding.Z3, a, b) != z3.If(a <= b, a, b))
    assert s.check() == z3.unsat


# -- RFC 4271 §10, §4.4: keepalive interval ----------------------------------------------


@pytest.mark.parametrize(("configured", "hold", "want"), [
    (F(30), F(90), F(30)),     # a third of 90: the configured one stands
    (F(60), F(90), F(30)),     # more than a third: clamped to hold/3
    (F(30), F(9), F(3)),       # a short remote hold clamps it (FRR bgp_open_receive)
    (F(2), F(9), F(2)),        # less than a third stands
    (F(30), F(10), F(10, 3)),  # exact thirds, no rounding
    (F(1), F(3), F(1)),        # the smallest non-zero hold
])
def test_keepalive_interval_is_clamped_to_a_third_of_the_hold(configured: F, hold: F,
                                                              want: F) -> None:
    assert rules.keepalive_interval(PY, configured, hold) == want
    assert rules.keepalive_in_use(PY, configured, hold) == want
    term = rules.keepalive_interval(encoding.Z3, encoding.Z3.const(configured),
                                    encoding.Z3.const(hold))
    assert _closed(term) == want


def _closed(term: z3.ArithRef) -> F:
    """The value of a Z3 term without variables."""
    r = z3.simplify(term)
    assert z3.is_rational_value(r), r
    return F(r.numerator_as_long(), r.denominator_as_long())


def test_default_keepalive_is_a_third_of_the_hold() -> None:
    """§10: "a reasonable maximum time between KEEPALIVE messages would be one third of
    the Hold Time interval"."""
    assert rules.default_keepalive(PY, F(90)) == 30
    assert rules.default_keepalive(PY, F(10)) == F(10, 3)
    assert rules.default_keepalive(PY, F(0)) == 0


def test_hold_zero_means_no_keepalives() -> None:
    """§4.4: with a negotiated hold of 0, no KEEPALIVEs are sent (interval 0)."""
    assert rules.keepalive_in_use(PY, F(30), F(0)) == 0
    assert rules.session_keepalive(F(0), F(0), F(90)) == (0, 0)
    assert rules.session_keepalive(F(90), F(30), F(0)) == (0, 0)


@pytest.mark.parametrize(("local", "remote", "want"), [
    ((F(90), F(30)), F(9), (F(9), F(3))),
    ((F(90), F(60)), F(90), (F(90), F(30))),
    ((F(9), F(3)), F(90), (F(9), F(3))),
    ((F(90), F(20)), F(30), (F(30), F(10))),
])
def test_session_keepalive_negotiates_then_clamps(local: tuple[F, F], remote: F,
                                                  want: tuple[F, F]) -> None:
    assert rules.session_keepalive(local[0], local[1], remote) == want


# -- RFC 9687: the SendHoldTimer -----------------------------------------------------------


@pytest.mark.parametrize(("factor", "minimum", "hold", "want"), [
    (F(2), F(0), F(9), F(18)),       # FRR, BIRD: twice the negotiated hold
    (F(1), F(90), F(9), F(90)),      # OpenBGPD: the hold, at least 90 s
    (F(1), F(90), F(120), F(120)),
    (F(2), F(480), F(90), F(480)),   # at least the minimum
    (F(0), F(480), F(90), F(0)),     # GoBGP: none
    (F(1, 2), F(0), F(9), F(9, 2)),
])
def test_send_hold_time_is_factor_times_hold_at_least_the_minimum(
        factor: F, minimum: F, hold: F, want: F) -> None:
    assert rules.send_hold_time(PY, factor, minimum, hold) == want
    assert rules.send_hold_in_use(PY, factor, minimum, hold) == want
    assert rules.send_hold_in_use(PY, factor, minimum, F(0)) == 0  # hold 0: no timer
    z = encoding.Z3
    assert _closed(rules.send_hold_time(z, z.const(factor), z.const(minimum),
                                        z.const(hold))) == want


# -- RFC 4271 §6.2, §8.1.2: a received OPEN ----------------------------------------------


@pytest.mark.parametrize(("remote", "delay", "event", "hold"), [
    (F(1), False, Event.BGPOpenMsgErr, None),       # §6.2 subcode 6, Unacceptable Hold Time
    (F(2), True, Event.BGPOpenMsgErr, None),        # refused whatever the DelayOpenTimer
    (F(0), False, Event.BGPOpen, F(0)),
    (F(3), False, Event.BGPOpen, F(3)),
    (F(9), True, Event.BGPOpen_with_DelayOpenTimer_running, F(9)),
    (F(180), True, Event.BGPOpen_with_DelayOpenTimer_running, F(90)),
    (F(180), False, Event.BGPOpen, F(90)),
])
def test_open_received(remote: F, delay: bool, event: Event, hold: F | None) -> None:
    """The event a received OPEN raises: 22 for an unacceptable hold; 20 while the
    DelayOpenTimer runs, else 19; the negotiated hold (local 90 s)."""
    assert rules.open_received(F(90), remote, delay) == (event, hold)


# -- RFC 4456 §6, §8, §9: route reflection -----------------------------------------------

RELATIONS: tuple[rules.Relation, ...] = ("client", "rr", "peer")


def _rfc4456_section6(learned_from: str, to: str, client_to_client: bool) -> bool:
    """RFC 4456 §6, as its text reads: "A route from a Non-Client IBGP peer: Reflect to
    all the Clients. A route from a Client: Reflect to all the Non-Client peers and also
    to the Client peers" (the latter unless client-to-client reflection is off, §5)."""
    if learned_from == "client":
        return to != "client" or client_to_client
    return to == "client"


@pytest.mark.parametrize(("learned_from", "to"), list(itertools.product(RELATIONS, RELATIONS)))
@pytest.mark.parametrize("client_to_client", [True, False])
def test_reflects_to_every_combination(learned_from: rules.Relation, to: rules.Relation,
                                       client_to_client: bool) -> None:
    """Every (learned_from, to) pair, to a neighbour other than the sender."""
    for advertise_to_sender in (True, False):
        got = rules.reflects_to(learned_from=learned_from, to=to,
                                client_to_client=client_to_client, to_is_sender=False,
                                advertise_to_sender=advertise_to_sender)
        assert got is _rfc4456_section6(learned_from, to, client_to_client)


@pytest.mark.parametrize("relation", RELATIONS)
def test_reflects_back_to_the_sender_only_with_update_groups(
        relation: rules.Relation) -> None:
    """Back to the neighbour it came from: only a client can be that neighbour and also
    get reflected routes, and only an implementation that advertises to the sender does
    (FRR's update-groups; the client drops it by ORIGINATOR_ID, §8)."""
    for c2c in (True, False):
        off = rules.reflects_to(learned_from=relation, to=relation, client_to_client=c2c,
                                to_is_sender=True, advertise_to_sender=False)
        on = rules.reflects_to(learned_from=relation, to=relation, client_to_client=c2c,
                               to_is_sender=True, advertise_to_sender=True)
        assert off is False
        assert on is (relation == "client" and c2c)


@pytest.mark.parametrize(("own", "is_rr", "cluster", "cluster_list", "kept"), [
    (True, False, None, (), False),             # ORIGINATOR_ID is mine (§8)
    (True, True, "c1", (), False),
    (False, True, "c1", ("c2", "c1"), False),   # my CLUSTER_ID in CLUSTER_LIST: a loop
    (False, True, "c1", ("c2",), True),
    (False, True, "c1", (), True),
    (False, False, None, ("c1",), True),        # a client does not check CLUSTER_LIST
    (False, False, "c1", ("c1",), True),
])
def test_accepts_reflected(own: bool, is_rr: bool, cluster: str | None,
                           cluster_list: tuple[str, ...], kept: bool) -> None:
    """RFC 4456 §8: ORIGINATOR_ID and CLUSTER_LIST loop prevention."""
    assert rules.accepts_reflected(own_route=own, is_rr=is_rr, cluster_id=cluster,
                                   cluster_list=cluster_list) is kept


def test_preference_key_orders_by_cluster_list_then_tie_break() -> None:
    """RFC 4456 §9: the shorter CLUSTER_LIST is preferred, before the final tie-break
    (the lowest peer address, RFC 4271 §9.1.2.2 (g)), after the ORIGINATOR_ID (f)."""
    rid = IPv4Address("10.0.0.1")

    def key(n: int, addr: str) -> tuple[int, int, int, int]:
        return rules.preference_key(rid, n, ip_address(addr))

    rows = ((2, "10.0.0.1"), (0, "10.0.0.5"), (1, "10.0.0.2"), (1, "10.0.0.1"),
            (0, "10.0.0.9"))
    assert sorted(rows, key=lambda r: key(*r)) == [
        (0, "10.0.0.5"), (0, "10.0.0.9"), (1, "10.0.0.1"), (1, "10.0.0.2"), (2, "10.0.0.1")]
    assert key(0, "10.0.0.100") < key(1, "10.0.0.1")


def test_invert_is_the_other_end() -> None:
    assert [rules.invert(r) for r in RELATIONS] == ["rr", "client", "peer"]
    assert all(rules.invert(rules.invert(r)) == r for r in RELATIONS)


# -- RFC 4271 §8.1.1: automatic restart ----------------------------------------------------


def _idle_after_drop() -> fsm.PyVars:
    return dataclasses.replace(fsm.initial_vars(5), counter=F(1))


def test_restart_after_drop_arms_the_idle_hold_timer() -> None:
    v = _idle_after_drop()
    armed = rules.restart_after_drop(True, State.Established, Event.HoldTimer_Expires, v,
                                     F(10))
    assert armed.running[Timer.IdleHoldTimer] and armed.deadline[Timer.IdleHoldTimer] == 15
    assert armed.counter == v.counter and armed.state == v.state


@pytest.mark.parametrize(("allow", "before", "event", "why"), [
    (False, State.Established, Event.HoldTimer_Expires, "no AllowAutomaticStart"),
    (True, State.Established, Event.ManualStop, "ManualStop: the operator stopped it"),
    (True, State.Idle, Event.HoldTimer_Expires, "it was Idle already"),
])
def test_restart_after_drop_leaves_other_cases(allow: bool, before: State, event: Event,
                                               why: str) -> None:
    v = _idle_after_drop()
    assert rules.restart_after_drop(allow, before, event, v, F(10)) is v, why


def test_restart_after_drop_needs_idle_and_no_restart_pending() -> None:
    running = dict.fromkeys(Timer, False)
    running[Timer.IdleHoldTimer] = True
    pending = dataclasses.replace(_idle_after_drop(), running=running)
    assert rules.restart_after_drop(True, State.OpenSent, Event.NotifMsg, pending,
                                    F(1)) is pending
    connect = dataclasses.replace(_idle_after_drop(),
                                  state=F(fsm.STATE_CODE[State.Connect]))
    assert rules.restart_after_drop(True, State.OpenSent, Event.NotifMsg, connect,
                                    F(1)) is connect


# -- the former copies now call the rules, and decide as they do -------------------------

ZONE = ("zone: z\ntimers: {{hold: {hold}}}\n"
        "shards: [{{name: a, clients: 2, routes_per_client: 1}}]\n")


@pytest.mark.parametrize("hold", HOLDS)
def test_the_zone_loader_refuses_exactly_what_the_rules_refuse(hold: F) -> None:
    text = ZONE.format(hold=float(hold) if hold.denominator != 1 else int(hold))
    acceptable, fits = rules.hold_acceptable(hold), rules.hold_fits_open(hold)
    if acceptable and fits:
        assert load_zone(text).timers.hold == hold
        return
    with pytest.raises(InputError) as exc:
        load_zone(text)
    assert exc.value.field == "timers.hold"
    want = "0, or >= 3 seconds (RFC 4271 §4.2)" if not acceptable \
        else "<= 65535 (a 2-octet field, RFC 4271 §4.2)"
    assert exc.value.allowed == want


def test_the_vary_range_refuses_exactly_the_ranges_holding_refused_holds() -> None:
    for lo, hi in itertools.combinations_with_replacement(range(6), 2):
        space = Space(ZONE.format(hold=90), "z.yaml")
        refused = [h for h in range(lo, hi + 1) if not rules.hold_acceptable(h)]
        if refused:
            with pytest.raises(InputError, match="holds hold times 1 and 2"):
                space.add(f"hold={lo}..{hi}")
        else:
            assert (space.add(f"hold={lo}..{hi}").lo, lo) == (lo, lo)


def test_the_fsm_keepalive_timer_runs_on_the_rule() -> None:
    """fsm.keepalive_interval is the rule with the session's configured KeepaliveTime,
    and the KeepaliveTimer an OPEN starts runs for keepalive_in_use (0: not at all)."""
    base = fsm.Config(hold_time=F(90), keepalive_time=F(30), connect_retry_time=F(5),
                      large_hold=F(240), delay_open=False, delay_open_time=F(1),
                      damp_peer_oscillations=False, idle_hold_max=F(1),
                      send_hold_factor=F(0), send_hold_min=F(0), allow_automatic_start=False,
                      allow_automatic_stop=False, send_notification_without_open=False)
    for remote in (F(0), F(3), F(9), F(90), F(300)):
        hold = rules.negotiated_hold(base.hold_time, remote)
        assert fsm.keepalive_interval(PY, base, hold) == \
            rules.keepalive_interval(PY, base.keepalive_time, hold)
        v, _ = fsm.step(base, fsm.initial_vars(), Event.ManualStart, F(0))
        v, _ = fsm.step(base, v, Event.TcpConnectionConfirmed, F(0))
        v, _ = fsm.step(base, v, Event.BGPOpen, F(1), opened_hold=hold)
        want = rules.keepalive_in_use(PY, base.keepalive_time, hold)
        assert v.running[Timer.KeepaliveTimer] is (want != 0)
        if want:
            assert v.deadline[Timer.KeepaliveTimer] == 1 + want


def test_the_profiles_send_hold_time_is_the_rule() -> None:
    """Profile.send_hold_time is rules.send_hold_in_use with the profile's factor and
    minimum, None where the rule says 0 (no SendHoldTimer), as a float otherwise."""
    for profile in BUILTIN_PROFILES.values():
        for hold in (0, 3, 9, 90, 180, 0.5, 4.5):
            got = profile.send_hold_time(hold)
            want = rules.send_hold_in_use(PY, F(profile.send_hold_factor),
                                          F(profile.send_hold_min), F(hold))
            assert got == (None if want == 0 else float(want)), (profile.name, hold)
            factor, minimum = profile.send_hold_factor, profile.send_hold_min
            if factor == 0 or hold == 0:
                assert got is None
            else:
                assert got == float(max(minimum, factor * hold))


def test_the_proofs_range_the_remote_hold_over_exactly_the_acceptable_ones() -> None:
    """The Z3 HoldTime domain (encoding.hold_value) admits a value iff it is whole and the
    rules accept it and it fits the OPEN; the replay refuses exactly the unacceptable."""
    x = z3.Real("x")
    for hold in HOLDS:
        s = z3.Solver()
        s.add(encoding.hold_value(x), x == encoding.Z3.const(hold))
        want = hold.denominator == 1 and rules.hold_acceptable(hold) \
            and rules.hold_fits_open(hold)
        assert (s.check() == z3.sat) is want, hold
    cfg = fsm.Config(hold_time=F(90), keepalive_time=F(30), connect_retry_time=F(5),
                     large_hold=F(90), delay_open=False, delay_open_time=F(1),
                     damp_peer_oscillations=False, idle_hold_max=F(1), send_hold_factor=F(0),
                     send_hold_min=F(0), allow_automatic_start=False,
                     allow_automatic_stop=False, send_notification_without_open=False)
    v, _ = fsm.step(cfg, fsm.initial_vars(), Event.ManualStart, F(0))
    v, _ = fsm.step(cfg, v, Event.TcpConnectionConfirmed, F(0))
    for hold in HOLDS:
        nxt, why = replay.replay_step(fsm.TABLE, cfg, v, Event.BGPOpen, F(1), False, hold)
        assert (nxt is None) is (not rules.hold_acceptable(hold)), (hold, why)
        if nxt is not None:
            assert nxt.negotiated_hold == rules.negotiated_hold(cfg.hold_time, hold)


REFLECTION_ZONE = """\
zone: r
speakers:
  - {name: top, cluster_id: 9}
  - {name: rr1, cluster_id: 1, client_to_client: false}
  - {name: rr2, cluster_id: 1}
  - {name: c1, routes: 1}
  - {name: c2, routes: 1}
  - {name: c3, routes: 1}
  - {name: p1, routes: 1}
sessions:
  - {rr: top, client: rr1}
  - {rr: top, client: rr2}
  - {rr: rr1, client: c1}
  - {rr: rr1, client: c2}
  - {rr: rr2, client: c2}
  - {rr: rr2, client: c3}
  - {peers: [rr1, p1]}
"""


def test_propagation_reflects_and_accepts_as_the_rules_say() -> None:
    """In the converged propagation of each origin, an RR advertises its best path to a
    neighbour iff reflects_to says so, every advertisement counted as a held path passes
    accepts_reflected, and the best path has the least preference_key among them."""
    zone = load_zone(REFLECTION_ZONE)
    view = View.from_zone(zone, expand=True)
    for origin in ("c1", "c2", "c3", "p1"):
        prop = propagate(view, origin)
        for rr, best in prop.best.items():
            node = view.nodes[rr]
            rel_of = dict(view.adj[rr])
            for nbr, rel in view.adj[rr]:
                sent = (rr, nbr) in prop.adv
                want = best is not None and rules.reflects_to(
                    learned_from=rel_of[best.sender], to=rel,
                    client_to_client=node.client_to_client, to_is_sender=nbr == best.sender,
                    advertise_to_sender=node.advertise_to_sender)
                assert sent is want, (origin, rr, nbr)
            offered = [(path_key(view.nodes, p), p) for nbr, _ in view.adj[rr]
                       if (p := prop.adv.get((nbr, rr))) is not None]
            valid = [(rank, p) for rank, p in offered if rules.accepts_reflected(
                own_route=p.originator == rr, is_rr=node.is_rr, cluster_id=node.cluster_id,
                cluster_list=p.cluster_list)]
            if valid:
                _, chosen = min(valid, key=lambda rp: rp[0])
                assert best == chosen, (origin, rr)
            else:
                assert best is None
        held: dict[str, int] = {}
        for (_, recv), p in prop.adv.items():
            node = view.nodes[recv]
            if rules.accepts_reflected(own_route=p.originator == recv, is_rr=node.is_rr,
                                       cluster_id=node.cluster_id,
                                       cluster_list=p.cluster_list):
                held[recv] = held.get(recv, 0) + 1
        assert held == dict(prop.paths), origin
