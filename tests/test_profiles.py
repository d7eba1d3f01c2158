"""The built-in profiles (model/profiles.py) against what docs/zone-format.md tells users.

A reviewer sizing an RR shard reads the "Built-in values" table, not the Python: every
value in it must be the value the simulator runs with, and every field the zone file
accepts in a profile must be documented. The numbers themselves come from
docs/implementations.md and the FRR lab (each profile's ``sources``); these tests keep the
two descriptions of them from drifting apart.
"""

from __future__ import annotations

import doctest
import re
from dataclasses import fields
from pathlib import Path

import pytest

from bgpcascade.model import profiles
from bgpcascade.model.profiles import BUILTIN_PROFILES, Profile
from bgpcascade.model.zonefile import ProfileSpec

PROFILE_FIELDS = tuple(f.name for f in fields(Profile) if f.name not in ("name", "sources"))
DOC = (Path(__file__).resolve().parent.parent / "docs" / "zone-format.md").read_text()
NAMES = ("frr", "bird", "gobgp", "openbgpd", "appliance")


def _table_after(heading: str) -> list[list[str]]:
    """The rows (cells stripped) of the first Markdown table after ``heading``."""
    rest = DOC[DOC.index(heading):]
    rows = []
    for line in rest.splitlines():
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif rows:
            break
    return rows[2:]  # the header and the --- row


def _number(cell: str) -> float:
    return float(cell.replace(",", ""))


def _flag(cell: str) -> bool:
    assert cell in ("yes", "no"), cell
    return cell == "yes"


BUILT_IN = {row[0].strip("`"): dict(zip(NAMES, row[1:], strict=True))
            for row in _table_after("Built-in values:")}


def test_the_built_in_table_covers_the_five_profiles() -> None:
    assert tuple(BUILTIN_PROFILES) == NAMES
    assert all(p.name == name and p.implementation == name
               for name, p in BUILTIN_PROFILES.items())


@pytest.mark.parametrize("name", NAMES)
def test_the_documented_built_in_values_are_the_ones_the_model_runs(name: str) -> None:
    p = BUILTIN_PROFILES[name]
    doc = {field: cells[name] for field, cells in BUILT_IN.items()}
    assert p.capacity == _number(doc["capacity"])
    assert p.cost_tx_route == _number(doc["cost_tx_route"])
    assert p.cost_tx_peer_route == _number(doc["cost_tx_peer_route"])
    assert p.cost_rx_route == p.cost_msg == 1  # "cost_rx_route and cost_msg are 1 for all five"
    assert "`cost_rx_route` and `cost_msg` are 1 for all five" in DOC
    assert p.update_groups is _flag(doc["update_groups"])
    assert p.routes_per_update == int(doc["routes_per_update"])
    assert p.keepalive_rx == doc["keepalive_rx"] and p.keepalive_tx == doc["keepalive_tx"]
    assert p.hold_jitter is _flag(doc["hold_jitter"])
    assert p.open_hold == (None if doc["open_hold"] == "configured hold"
                           else _number(doc["open_hold"]))
    send_hold = doc["send_hold_factor` / `send_hold_min"]
    if send_hold == "0 (none)":
        assert p.send_hold_factor == 0 and p.send_hold_time(90) is None
    else:
        factor, minimum = (_number(x) for x in send_hold.split("/"))
        assert (p.send_hold_factor, p.send_hold_min) == (factor, minimum)
    initial, maximum = (_number(x) for x in doc["idle_hold_initial` → `idle_hold_max"]
                        .split("→"))
    assert (p.idle_hold_initial, p.idle_hold_max) == (initial, maximum)
    assert p.graceful_restart == doc["graceful_restart"]
    assert p.advertise_to_sender is _flag(doc["advertise_to_sender"])
    limit = doc["dynamic_neighbor_limit"]
    assert p.dynamic_neighbor_limit == (None if limit == "none" else int(limit))
    coalesce = doc["coalesce_time` + `coalesce_per_peer` × peers, ≤ `coalesce_max"]
    m = re.fullmatch(r"([\d.]+) \+ ([\d.]+) × peers, ≤ ([\d.]+)", coalesce)
    if m is None:
        assert coalesce == "0" and p.coalesce_time == p.coalesce_per_peer == 0
    else:
        assert (p.coalesce_time, p.coalesce_per_peer, p.coalesce_max) == \
            tuple(float(g) for g in m.groups())


def test_every_profile_field_is_documented_and_nothing_else() -> None:
    """The field table of docs/zone-format.md names exactly the keys a zone file's profile
    accepts, and each of them is a field of the model's Profile (``base`` aside)."""
    documented = set()
    for row in _table_after("To define your own profile"):
        documented.update(re.findall(r"`([a-z_]+)`", row[0]))
    assert documented == set(ProfileSpec.model_fields)
    assert documented - {"base"} <= set(PROFILE_FIELDS)
    # what a file cannot set: the name (the key), the implementation, the sources
    assert set(PROFILE_FIELDS) - documented == {"implementation"}


def test_every_built_in_number_names_its_source() -> None:
    """Every value a built-in profile sets apart from the dataclass default says where it
    comes from (docs/implementations.md, the FRR lab, the incident, or "estimate"/"assumed"), so a
    reviewer can tell a measured number from a guess."""
    default = Profile(name="default", implementation="x", capacity=1.0)
    for p in BUILTIN_PROFILES.values():
        for f in PROFILE_FIELDS:
            if f in ("implementation", "description", "cost_msg", "cost_rx_route"):
                continue
            if f == "capacity" or getattr(p, f) != getattr(default, f):
                assert p.sources.get(f), (p.name, f)


def test_send_hold_time_follows_rfc_9687() -> None:
    """RFC 9687 §3: SendHoldTime is off when disabled or when no hold time is negotiated
    (hold 0, RFC 4271 §4.2: no KEEPALIVEs, so nothing to time); else max(min, factor x hold)."""
    frr, openbgpd = BUILTIN_PROFILES["frr"], BUILTIN_PROFILES["openbgpd"]
    assert frr.send_hold_time(0) is None and openbgpd.send_hold_time(0) is None
    assert frr.send_hold_time(3) == 6.0
    assert openbgpd.send_hold_time(90) == 90.0 and openbgpd.send_hold_time(120) == 120.0
    assert BUILTIN_PROFILES["appliance"].send_hold_time(9) is None


def test_overridden_copies_name_and_marks_the_zone_file_as_source() -> None:
    frr = BUILTIN_PROFILES["frr"]
    slow = frr.overridden("slow", {"capacity": 2000.0})
    assert slow.name == "slow" and slow.capacity == 2000 and slow.routes_per_update == 1000
    assert slow.sources["capacity"] == "zone file"
    assert frr.capacity == 80_000 and frr.sources["capacity"] != "zone file"


def test_the_module_doctests_run() -> None:
    result = doctest.testmod(profiles)
    assert result.attempted >= 3 and result.failed == 0
