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


def tx_work(profile: Profile, routes: float, peers: int, groups: int = 1) -> float:
    """Work to send ``routes`` routes to ``peers`` peers forming ``groups`` update-groups.

    With update-groups (FRR) an UPDATE is built once per group and copied to each peer:
    ``cost_tx_route x routes x groups + cost_tx_peer_route x routes x peers``. Without, it
    is built per peer: ``cost_tx_route x routes x peers``.

    >>> from bgpcascade.model.profiles import BUILTIN_PROFILES as P
    >>> tx_work(P["appliance"], 100, peers=800)
    80000.0
    >>> tx_work(P["frr"], 100, peers=800, groups=1)
    1625.0
    """
    if profile.update_groups:
        return profile.cost_tx_route * routes * min(groups, peers) + \
            profile.cost_tx_peer_route * routes * peers
    return profile.cost_tx_route * routes * peers


def keepalive_rate(sessions: int, keepalive: float) -> float:
    """KEEPALIVE messages per second sent (and received) on ``sessions`` sessions."""
    return 0.0 if keepalive == 0 else sessions / keepalive


def cost(profile: Profile, name: str) -> Fraction:
    """A profile's cost or capacity field as an exact rational (its decimal value).

    The dynamics do all time arithmetic in Fractions; reading ``0.02`` as ``1/50`` (not
    the binary float) keeps grouped and per-speaker runs equal to the last digit.
    """
    return Fraction(str(getattr(profile, name)))
