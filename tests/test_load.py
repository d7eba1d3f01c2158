"""The cost model (model/load.py): the one definition of work that `show` and the dynamics
share (docs/model.md, "Load"). One unit = one received route processed.

Profiles here are built-ins with costs changed (dataclasses.replace), so every term of
each formula has its own coefficient and a wrong operator cannot give the right number.
"""

from __future__ import annotations

import doctest
from dataclasses import replace
from fractions import Fraction as F

from bgpcascade.model import load
from bgpcascade.model.load import cost, keepalive_rate, rx_work, tx_work
from bgpcascade.model.profiles import BUILTIN_PROFILES as P

#: Distinct costs: a route received 1, any other message 3, a route built 5, copied 7.
GROUPS = replace(P["frr"], cost_rx_route=1.0, cost_msg=3.0, cost_tx_route=5.0,
                 cost_tx_peer_route=7.0)
NO_GROUPS = replace(GROUPS, update_groups=False)


def test_the_module_examples_hold() -> None:
    """The docstring examples (the appliance's 80,000 units for 100 routes to 800 peers,
    FRR's 1,625 with update-groups) are run, not only read."""
    result = doctest.testmod(load)
    assert result.attempted >= 2 and result.failed == 0


def test_receive_work_is_routes_plus_messages_each_at_its_cost() -> None:
    assert rx_work(GROUPS, 10) == 10
    assert rx_work(GROUPS, 10, 2) == 10 * 1 + 2 * 3
    assert rx_work(replace(GROUPS, cost_rx_route=2.0), 10, 0) == 20


def test_send_work_with_update_groups_builds_once_and_copies_per_peer() -> None:
    """FRR's update-groups: one build for the largest UPDATE any receiver gets, then a
    copy per receiver of its own routes."""
    peers = [(F(10), 3), (F(4), 2)]
    copies = 10 * 3 + 4 * 2
    assert tx_work(GROUPS, peers) == 5 * 10 + 7 * copies
    assert tx_work(GROUPS, [(F(4), 2), (F(10), 3)]) == 5 * 10 + 7 * copies  # any order
    assert tx_work(GROUPS, []) == 0


def test_send_work_without_update_groups_is_per_route_per_receiver() -> None:
    peers = [(F(10), 3), (F(4), 2)]
    assert tx_work(NO_GROUPS, peers) == 5 * (10 * 3 + 4 * 2)
    assert tx_work(NO_GROUPS, []) == 0


def test_keepalive_rate_is_sessions_over_the_interval_and_zero_when_off() -> None:
    """RFC 4271 §4.4: one KEEPALIVE per interval per session; a keepalive of 0 sends none
    (a negotiated hold of 0, §4.2)."""
    assert keepalive_rate(30, 10) == 3.0
    assert keepalive_rate(30, 0) == 0.0
    assert keepalive_rate(0, 10) == 0.0


def test_costs_are_read_as_their_decimal_value() -> None:
    """0.02 is 1/50, not the binary float nearest it: grouped and per-speaker runs
    agree to the last digit only so."""
    assert cost(P["frr"], "cost_tx_peer_route") == F(1, 50)
    assert cost(P["frr"], "capacity") == 80000
    assert cost(replace(GROUPS, cost_msg=0.1), "cost_msg") == F(1, 10)
