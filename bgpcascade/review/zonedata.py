"""A zone file as data: read it, change one number of one shard, write it back.

The review's changed zones (a shard at a boundary value, a what-if) are made on the
zone file's YAML mapping, so that what is written under ``zones/`` is a plain zone file
a person can read and ``bgpcascade check`` can run.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import yaml

from bgpcascade.model.errors import InputError
from bgpcascade.model.topology import Zone
from bgpcascade.model.zonefile import load_zone
from bgpcascade.review.data import CAPACITY_PERCENT, ZONE


def zone_data(text: str, source: str) -> dict[str, Any]:
    """The zone file's YAML mapping (the zone already loaded, so this cannot fail)."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise InputError("not a mapping", source=source)
    return data


def dump(data: Mapping[str, Any], header: str) -> str:
    """Zone data as a zone file (a ``#`` header line, then YAML)."""
    lines = "".join(f"# {line}\n" for line in header.splitlines())
    return lines + yaml.safe_dump(dict(data), sort_keys=False, width=100)


def set_field(data: dict[str, Any], shard: str, fld: str, value: int) -> dict[str, Any]:
    """A copy of zone data with ``shards[<shard>].<fld>`` set (compact form), or, for
    :data:`CAPACITY_PERCENT` in an explicit zone, the capacity of the shard's RRs (every
    RR's for :data:`ZONE`) scaled to ``value`` percent of what ``data`` gives them
    (:func:`explicit_capacities` writes them out first)."""
    out = copy.deepcopy(data)
    if fld == CAPACITY_PERCENT:
        rrs = {x["rr"] for x in out.get("sessions") or [] if "rr" in x}
        for sp in out["speakers"]:
            if sp["name"] in rrs and (shard == ZONE or sp.get("shard") == shard):
                sp["capacity"] = round(float(sp["capacity"]) * value / 100, 3)
        return out
    for sh in out["shards"]:
        if sh["name"] == shard:
            sh[fld] = value
            return out
    raise KeyError(shard)


def explicit_capacities(data: dict[str, Any], zone: Zone) -> dict[str, Any]:
    """A copy of explicit zone data in which every RR speaker states its capacity (its
    profile's when the file does not set one): what :data:`CAPACITY_PERCENT` scales."""
    out = copy.deepcopy(data)
    for sp in out["speakers"]:
        found = zone.locate(sp["name"])
        if found is None:
            continue
        g = zone.group(found[0])
        if g.is_rr and "capacity" not in sp:
            sp["capacity"] = zone.profile_of(g).capacity
    return out


def shard_value(text: str, source: str, shard: str, fld: str) -> int:
    """The current ``clients`` or ``rr_capacity`` of a shard (the capacity of its RRs'
    profile when the file does not set one); 100 for :data:`CAPACITY_PERCENT`."""
    if fld == CAPACITY_PERCENT:
        return 100
    zone = load_zone(text, source=source)
    groups = [g for g in zone.groups if g.shard == shard]
    if fld == "clients":
        return sum(g.count for g in groups if not g.is_rr)
    rr = next(g for g in groups if g.is_rr)
    return int(zone.profile_of(rr).capacity)
