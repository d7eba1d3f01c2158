"""The speaker's work: what receiving and sending routes and messages costs.

One work unit = processing one received route (``Profile.cost_rx_route`` = 1 by
definition). These functions are the single definition of cost that the static load
figures (``bgpcascade show``) and the dynamics use (docs/model.md, "Load").
"""

from __future__ import annotations

from fractions import Fraction

from .profiles import Profile


def rx_work(profile: Profile, routes: float, messages: float = 0) -> float:
    """Work to process ``routes`` received routes and ``messages`` other messages."""
    return profile.cost_rx_route * routes + profile.cost_msg * messages


def tx_work(profile: Profile, peers: list[tuple[Fraction, int]]) -> Fraction:
    """Work to send one route class to one update-group: ``peers`` lists, per receiving
    node, (routes each receiver gets, receivers).

    With update-groups (FRR) the UPDATE is built once (``cost_tx_route`` x the most routes
    any receiver gets) and copied per peer (``cost_tx_peer_route`` x routes, summed over
    receivers); without, ``cost_tx_route`` per route per receiver.

    >>> from bgpcascade.model.profiles import BUILTIN_PROFILES as P
    >>> tx_work(P["appliance"], [(Fraction(100), 800)])
    Fraction(80000, 1)
    >>> tx_work(P["frr"], [(Fraction(100), 800)])
    Fraction(1625, 1)
    """
    copies = sum((r * n for r, n in peers), Fraction(0))
    if profile.update_groups:
        build = max((r for r, _ in peers), default=Fraction(0))
        return cost(profile, "cost_tx_route") * build + \
            cost(profile, "cost_tx_peer_route") * copies
    return cost(profile, "cost_tx_route") * copies


def keepalive_rate(sessions: int, keepalive: float) -> float:
    """KEEPALIVE messages per second sent (and received) on ``sessions`` sessions."""
    return 0.0 if keepalive == 0 else sessions / keepalive


def cost(profile: Profile, name: str) -> Fraction:
    """A profile's cost or capacity field as an exact rational (its decimal value).

    The dynamics do all time arithmetic in Fractions; reading ``0.02`` as ``1/50`` (not
    the binary float) keeps grouped and per-speaker runs equal to the last digit.
    """
    return Fraction(str(getattr(profile, name)))
