"""Every RFC rule the model applies, once: each function is the one place its rule lives.

The zone loader, the ``--vary`` ranges, the simulator, the FSM's timer arithmetic, the
static RFC 4456 analysis and the Z3 proofs all call these functions; none restates a
rule. Where a rule is needed both on concrete numbers and in Z3, it is written once over
the FSM's arithmetic protocol (:class:`bgpcascade.model.arith.Arith`), which
``PyArith`` evaluates with ``Fraction`` and the FSM proofs with Z3 terms. This module
imports nothing of the FSM but its vocabulary, its arithmetic and its attribute records,
so that the FSM (:mod:`bgpcascade.model.fsm`) can call it.

docs/architecture.md has the table of rules, sections, modules and functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction
from ipaddress import IPv4Address, IPv6Address
from typing import Literal

from .arith import PY, Arith, B, N
from .fsm_vars import PyVars, state_of
from .fsm_vocab import Event, State, Timer

#: The smallest non-zero HoldTime a speaker may propose or accept (RFC 4271 §4.2).
MIN_HOLD = 3
#: The largest HoldTime the OPEN message's two-octet field carries (RFC 4271 §4.2).
MAX_HOLD = 65535

#: How one end of an iBGP session sees the other (RFC 4456 §2, §6): ``client`` (the
#: other end is this RR's client), ``rr`` (the other end is this speaker's RR) or
#: ``peer`` (an ordinary iBGP peer; for an RR, a non-client).
Relation = Literal["client", "rr", "peer"]


# -- RFC 4271 §4.2, §6.2, §10: hold time and keepalive interval -------------------------
def _no_hold(ar: Arith[N, B], hold: N) -> B:
    return ar.eq_int(hold, 0)


def _at_least_min_hold(ar: Arith[N, B], hold: N) -> B:
    return ar.ge_int(hold, MIN_HOLD)


def hold_acceptable_in(ar: Arith[N, B], hold: N) -> B:
    """:func:`hold_acceptable` in any arithmetic: ``hold`` is 0 or at least
    :data:`MIN_HOLD` (RFC 4271 §4.2)."""
    return ar.or_(_no_hold(ar, hold), _at_least_min_hold(ar, hold))


def hold_acceptable(hold: Fraction | int) -> bool:
    """A HoldTime is 0 (no KEEPALIVEs, no hold timer) or at least 3 seconds (RFC 4271
    §4.2). A received OPEN with any other value is an OPEN Message Error, subcode 6
    Unacceptable Hold Time (§6.2); a zone file or a ``--vary`` range proposing one is
    refused."""
    return hold_acceptable_in(PY, Fraction(hold))


def hold_fits_open_in(ar: Arith[N, B], hold: N) -> B:
    """:func:`hold_fits_open` in any arithmetic: ``hold`` <= :data:`MAX_HOLD`."""
    return ar.le_int(hold, MAX_HOLD)


def hold_fits_open(hold: Fraction | int) -> bool:
    """A HoldTime fits the OPEN message's Hold Time field: two octets, so at most
    :data:`MAX_HOLD` seconds (RFC 4271 §4.2). A zone file proposing more is refused."""
    return hold_fits_open_in(PY, Fraction(hold))


def hold_on_wire_in(ar: Arith[N, B], hold: N) -> B:
    """A HoldTime an OPEN can carry (:func:`hold_fits_open_in`) that its receiver accepts
    (:func:`hold_acceptable_in`): 0, or :data:`MIN_HOLD`..:data:`MAX_HOLD` (RFC 4271
    §4.2). The Z3 proofs range a symbolic HoldTime over it; written as 0 or (at least the
    minimum and within the field), the term the proofs have always solved."""
    return ar.or_(_no_hold(ar, hold),
                  ar.and_(_at_least_min_hold(ar, hold), hold_fits_open_in(ar, hold)))


def negotiated_hold_in(ar: Arith[N, B], local: N, remote: N) -> N:
    """:func:`negotiated_hold` in any arithmetic (the Z3 encoding of a received OPEN)."""
    return ar.min(local, remote)


def negotiated_hold(local: Fraction, remote: Fraction) -> Fraction:
    """The hold time of a session: the smaller of the two proposals (RFC 4271 §4.2)."""
    return negotiated_hold_in(PY, local, remote)


def default_keepalive(ar: Arith[N, B], hold: N) -> N:
    """The KeepaliveTime RFC 4271 §10 suggests: one third of the HoldTime. A zone file
    level that sets a hold but no keepalive gets it."""
    return ar.div(hold, 3)


def keepalive_interval(ar: Arith[N, B], configured: N, hold: N) -> N:
    """The KeepaliveTime in use: the configured one, at most a third of the negotiated
    hold (RFC 4271 §10 suggests hold/3), kept exact. FRR's ``bgp_open_receive``
    (bgpd/bgp_packet.c) lowers ``v_keepalive`` to ``v_holdtime / 3`` in whole seconds
    (hold 10 gives FRR 3 s where this gives 10/3 s): the model keeps the exact third for
    every profile (docs/implementations.md; the FRR importer applies FRR's integer third
    to the configurations it reads). The caller handles hold 0 (no KEEPALIVEs, §4.4)."""
    return ar.min(configured, default_keepalive(ar, hold))


def keepalive_in_use(ar: Arith[N, B], configured: N, hold: N) -> N:
    """The keepalive interval a session runs with: :func:`keepalive_interval`, or 0 (no
    KEEPALIVEs, no KeepaliveTimer) when the negotiated hold is 0 (RFC 4271 §4.4, §10)."""
    zero = ar.const(0)
    return ar.ite(ar.eq(hold, zero), zero, keepalive_interval(ar, configured, hold))


def session_keepalive(local_hold: Fraction, local_keepalive: Fraction,
                      remote_hold: Fraction) -> tuple[Fraction, Fraction]:
    """(negotiated hold, keepalive interval the local end uses) for one session:
    :func:`negotiated_hold`, then :func:`keepalive_interval`; 0 when the hold is 0
    (RFC 4271 §4.4: no KEEPALIVEs)."""
    hold = negotiated_hold(local_hold, remote_hold)
    return hold, keepalive_in_use(PY, local_keepalive, hold)


# -- RFC 9687 §3, §4: the SendHoldTimer --------------------------------------------------
def send_hold_time(ar: Arith[N, B], factor: N, minimum: N, hold: N) -> N:
    """The SendHoldTime for a negotiated ``hold`` (RFC 9687 §4): ``factor`` x hold, at
    least ``minimum``; 0 (no SendHoldTimer) when ``factor`` is 0. The factor and minimum
    are the implementation's (:class:`bgpcascade.model.profiles.Profile`)."""
    scaled = ar.mul(factor, hold)
    longer = ar.ite(ar.lt(scaled, minimum), minimum, scaled)
    none = ar.const(0)
    return ar.ite(ar.eq(factor, none), none, longer)


def send_hold_in_use(ar: Arith[N, B], factor: N, minimum: N, hold: N) -> N:
    """The SendHoldTime a session runs with: :func:`send_hold_time`, or 0 (no
    SendHoldTimer) when the negotiated hold is 0 (RFC 4271 §4.4: no KEEPALIVEs, so no
    progress to wait for)."""
    zero = ar.const(0)
    return ar.ite(ar.eq(hold, zero), zero, send_hold_time(ar, factor, minimum, hold))


def open_received(local_hold: Fraction, remote_hold: Fraction,
                  delay_open_running: bool) -> tuple[Event, Fraction | None]:
    """The FSM event a received OPEN is, and the hold it negotiates (RFC 4271 §6.2, §8.1.2).

    - An unacceptable HoldTime (:func:`hold_acceptable`) is Event 22 BGPOpenMsgErr, and
      negotiates nothing.
    - Otherwise Event 20 BGPOpen_with_DelayOpenTimer_running while the DelayOpenTimer
      runs (§8.1.2), else Event 19 BGPOpen; the hold is :func:`negotiated_hold`.

    The hold times are compared as given (:func:`hold_acceptable_in`, not
    :func:`hold_acceptable`'s ``Fraction()``): the simulator also runs on symbolic numbers
    that shadow Fractions (properties/engines/symbolic.py).
    """
    if not hold_acceptable_in(PY, remote_hold):
        return Event.BGPOpenMsgErr, None
    event = Event.BGPOpen_with_DelayOpenTimer_running if delay_open_running else Event.BGPOpen
    return event, negotiated_hold(local_hold, remote_hold)


# -- RFC 4456 §6, §8, §9: route reflection --------------------------------------------
def accepts_reflected(*, own_route: bool, is_rr: bool, cluster_id: str | None,
                      cluster_list: Sequence[str]) -> bool:
    """Whether a speaker keeps a path it received (RFC 4456 §8).

    A speaker ignores a route whose ORIGINATOR_ID is its own BGP identifier
    (``own_route``); a route reflector ignores one whose CLUSTER_LIST already holds its
    CLUSTER_ID (loop prevention)."""
    if own_route:
        return False
    return not (is_rr and cluster_id in cluster_list)


def reflects_to(*, learned_from: Relation, to: Relation, client_to_client: bool,
                to_is_sender: bool, advertise_to_sender: bool) -> bool:
    """Whether a route reflector advertises its best path to one neighbour (RFC 4456 §6).

    - Learned from a non-client iBGP peer (``rr`` or ``peer``): reflected to clients only.
    - Learned from a client: reflected to every non-client, and to the other clients
      unless client-to-client reflection is off (§5, ``client_to_client``).
    - Back to the neighbour it was learned from (``to_is_sender``) only when the
      implementation does that (``advertise_to_sender``; FRR sends a client's routes
      back to its update-group, which drops them by ORIGINATOR_ID, §8).
    """
    if to == "client":
        if learned_from == "client" and not client_to_client:
            return False
        return not (to_is_sender and not advertise_to_sender)
    return learned_from == "client"


def preference_key(originator_id: IPv4Address, cluster_list_length: int,
                   peer_address: IPv4Address | IPv6Address) -> tuple[int, int, int, int]:
    """The order among otherwise equal iBGP paths, least first: the last steps of the
    decision process (RFC 4271 §9.1.2.2), as RFC 4456 §9 amends them.

    1. (f) the lowest BGP Identifier, where a path that carries an ORIGINATOR_ID is
       ranked by it in place of the advertising speaker's identifier (RFC 4456 §9). The
       caller passes ``originator_id``: the ORIGINATOR_ID of a reflected path (the
       origin's router id, RFC 4456 §8), else the sender's router id.
    2. the shorter CLUSTER_LIST (RFC 4456 §9, after step f).
    3. (g) the lowest peer address: the address of the neighbour the path was received
       from, compared as an unsigned integer, an IPv4 address before any IPv6 one (FRR's
       ``bgp_path_info_cmp`` and ``sockunion_cmp``, bgpd/bgp_route.c, lib/sockunion.c).

    Identifiers and addresses compare as integers (:mod:`ipaddress`), not as text. The
    static analysis (:mod:`bgpcascade.model.reflection`) and the simulator
    (:mod:`bgpcascade.model.sim.ribs`) both rank paths with this key.
    """
    return (int(originator_id), cluster_list_length, peer_address.version,
            int(peer_address))


def invert(rel: Relation) -> Relation:
    """The same session seen from its other end: an RR's ``client`` sees an ``rr``."""
    flipped: dict[Relation, Relation] = {"client": "rr", "rr": "client", "peer": "peer"}
    return flipped[rel]


# -- RFC 4271 §8.1.1, §8.2.2: automatic restart after a drop ----------------------------
def restart_after_drop(allow_automatic_start: bool, before: State, event: Event,
                       v: PyVars, now: Fraction) -> PyVars:
    """Arm the IdleHoldTimer when a session falls back to Idle on its own.

    With AllowAutomaticStart (RFC 4271 §8.1.1, optional attribute), a speaker restarts a
    session that dropped to Idle by any event but ManualStop (Event 2) after
    IdleHoldTime: the FSM's Event 3/13 path (§8.1.2, §8.2.2). FRR's start timer does this
    (bgpd/bgp_fsm.c, ``bgp_start_timer``); the IdleHoldTime itself grows with damping
    (:mod:`bgpcascade.model.fsm`). Returns ``v`` unchanged when no restart applies.
    """
    if not allow_automatic_start or event is Event.ManualStop or before is State.Idle \
            or state_of(v) is not State.Idle or v.running[Timer.IdleHoldTimer]:
        return v
    running, deadline = dict(v.running), dict(v.deadline)
    running[Timer.IdleHoldTimer] = True
    deadline[Timer.IdleHoldTimer] = now + v.idle_hold_time
    return replace(v, running=running, deadline=deadline)
