"""The what-ifs: the zone changed one way at a time, as zone data.

Each row is one change (docs/cli.md, ``review``; the row ids are a contract of
review.json): the hold time on every speaker (KEEPALIVE hold/3, RFC 4271 §10's ratio),
the RRs' KEEPALIVE path FRR-like or appliance-like, graceful restart on (helper also
after a NOTIFICATION or hold expiry, RFC 4724, RFC 8538) or off, update-groups on or
off, the largest shard split in 2, 3 or 4, the spine tier removed or added; then one
CLUSTER_ID per shard (RFC 4456 §7), every RR on FRR's, BIRD's or GoBGP's built-in
profile, the RRs' wait before a new peer's table (FRR's ``coalesce-time``, the model's
nearest parameter to ``update-delay``) and one more RR per shard. A profile change makes a
new profile ``<name>-<suffix>`` with ``base: <name>``, so the rest of the profile is kept.
An explicit zone names every speaker and session: its split, spine and RR-count rows do
not apply.

Each row names its cost class (:data:`~bgpcascade.review.data.COSTS`):
``configuration`` (a setting of the implementation in use: timers, CLUSTER_ID, and the
graceful-restart and coalesce knobs where every speaker the row changes has them,
:data:`KNOBS`), ``software change`` (another implementation, or a behaviour the one in
use has no setting for: the KEEPALIVE path, update-groups) or ``hardware`` (more RRs,
split shards, a re-tiered zone).

Also here: what the model sees of a zone (:func:`fingerprint`, so that a row that
changes nothing reuses the zone's answers) and a flap renamed into a split part.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Any

from bgpcascade.model.zone_schema import MAX_RRS
from bgpcascade.model.zonefile import load_zone
from bgpcascade.review.data import WhatIf
from bgpcascade.review.zonedata import dump

CONFIGURATION, SOFTWARE, HARDWARE = "configuration", "software change", "hardware"

#: The settings each built-in implementation has for what a row changes (docs/cli.md,
#: ``review``, "Cost classes"). Graceful restart with the N bit: FRR ``bgp
#: graceful-restart notification`` (bgpd/bgp_vty.c, 8.3+), BIRD ``graceful restart`` /
#: ``long lived graceful restart`` (BIRD documentation), GoBGP ``graceful-restart``
#: ``notification-enabled`` (GoBGP configuration documentation), OpenBGPD ``announce
#: restart`` (RFC 8538 since OpenBSD 7.7, usr.sbin/bgpd/session.c). The wait before a new
#: peer's table: FRR ``coalesce-time`` only (FRR documentation; bgpd/bgp_updgrp.h).
#: The appliance: none (assumed: a legacy stack older than RFC 8538, docs/incident.md).
KNOBS: Mapping[str, frozenset[str]] = {
    "frr": frozenset({"graceful_restart", "coalesce"}),
    "bird": frozenset({"graceful_restart"}),
    "gobgp": frozenset({"graceful_restart"}),
    "openbgpd": frozenset({"graceful_restart"}),
    "appliance": frozenset(),
}
#: The RR implementations the ``rr-profile-*`` rows put in.
RR_PROFILES: tuple[str, ...] = ("frr", "bird", "gobgp")
#: The ``update-delay`` row's wait: FRR's ``coalesce-time`` set to 10,000 ms, the most
#: its own heuristic ever waits (``BGP_MAX_SUBGROUP_COALESCE_TIME``, bgpd/bgp_updgrp.h).
UPDATE_DELAY_S = 10


def _timer_blocks(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every ``timers`` mapping of the zone data (zone, spines, shards, speakers)."""
    if not isinstance(data.get("timers"), dict):  # absent, or `timers:` left empty
        data["timers"] = {}
    yield data["timers"]
    if isinstance(data.get("spines"), dict) and isinstance(data["spines"].get("timers"),
                                                           dict):
        yield data["spines"]["timers"]
    for key in ("shards", "speakers"):
        for item in data.get(key) or []:
            if isinstance(item, dict) and isinstance(item.get("timers"), dict):
                yield item["timers"]


def with_hold(data: dict[str, Any], hold: int) -> dict[str, Any]:
    """Hold time ``hold`` and KEEPALIVE ``hold/3`` everywhere (RFC 4271 §10's ratio)."""
    out = copy.deepcopy(data)
    for t in _timer_blocks(out):
        t["hold"] = hold
        ka = Fraction(hold, 3)
        t["keepalive"] = int(ka) if ka.denominator == 1 else float(ka)
    return out


def _profiles_used(data: dict[str, Any], rr_only: bool) -> set[str]:
    """Profile names the zone's (RR) speakers use, defaults included."""
    used: set[str] = set()
    if isinstance(data.get("spines"), dict):
        used.add(data["spines"].get("profile", "frr"))
    for sh in data.get("shards") or []:
        used.add(sh.get("rr_profile", "frr"))
        if not rr_only:
            used.add(sh.get("client_profile", "frr"))
    rrs = {s["rr"] for s in data.get("sessions") or [] if "rr" in s}
    for sp in data.get("speakers") or []:
        if not rr_only or sp["name"] in rrs:
            used.add(sp.get("profile", "frr"))
    return used


def with_profile_fields(data: dict[str, Any], fields: Mapping[str, Any], *, rr_only: bool,
                        suffix: str) -> dict[str, Any]:
    """Every (RR) speaker on a copy of its profile with ``fields`` set: a new profile
    ``<name>-<suffix>`` with ``base: <name>``, so the rest of the profile stays."""
    out = copy.deepcopy(data)
    profiles = out.setdefault("profiles", {})
    renamed: dict[str, str] = {}
    for name in sorted(_profiles_used(data, rr_only)):
        new = f"{name}-{suffix}"
        n = 2
        while new in profiles:
            new, n = f"{name}-{suffix}{n}", n + 1
        profiles[new] = {"base": name, **fields}
        renamed[name] = new
    if isinstance(out.get("spines"), dict):
        out["spines"]["profile"] = renamed[out["spines"].get("profile", "frr")]
    for sh in out.get("shards") or []:
        sh["rr_profile"] = renamed[sh.get("rr_profile", "frr")]
        if not rr_only:
            sh["client_profile"] = renamed[sh.get("client_profile", "frr")]
    rrs = {s["rr"] for s in out.get("sessions") or [] if "rr" in s}
    for sp in out.get("speakers") or []:
        if not rr_only or sp["name"] in rrs:
            sp["profile"] = renamed[sp.get("profile", "frr")]
    return out


def split_shard(data: dict[str, Any], shard: str, parts: int) -> dict[str, Any]:
    """Shard ``shard`` of compact zone data replaced by ``parts`` shards of the same
    shape (RRs, profiles, timers), its clients dealt out as evenly as possible (the
    first shards take the remainder). New names: ``<shard>1`` .. ``<shard><parts>``, or
    ``<shard>-s1`` .. when those are taken."""
    out = copy.deepcopy(data)
    names = {s["name"] for s in out["shards"]}
    new_names = [f"{shard}{i}" for i in range(1, parts + 1)]
    if names & set(new_names):
        new_names = [f"{shard}-s{i}" for i in range(1, parts + 1)]
    shards: list[dict[str, Any]] = []
    for sh in out["shards"]:
        if sh["name"] != shard:
            shards.append(sh)
            continue
        total = int(sh["clients"])
        for i, name in enumerate(new_names):
            part = dict(sh, name=name, clients=total // parts + (1 if i < total % parts
                                                                 else 0))
            shards.append(part)
    out["shards"] = shards
    return out


def hold_as_written(data: dict[str, Any]) -> Fraction | None:
    """The hold time every speaker of the zone data proposes, as the loader resolves it
    (zone, tier, shard and speaker levels, each inheriting the level above; RFC 4271 §10's
    90 s where no level sets one); None when the speakers differ."""
    zone = load_zone(dump(data, ""), source="<zone data>")
    holds = {g.timers.hold for g in zone.groups}
    return holds.pop() if len(holds) == 1 else None



def _hold_rows(data: dict[str, Any], target: str | None) -> list[WhatIf]:
    """``hold-90``, ``hold-180``, ``hold-240``."""
    hold0 = hold_as_written(data)
    # A longer hold time tolerates a proportionally longer queue: the boundary search
    # starts there (a starting point only; the search decides).
    return [WhatIf(f"hold-{hold}", f"hold time {hold} s",
                   f"hold {hold} s, keepalive {Fraction(hold, 3)} s on every speaker",
                   with_hold(data, hold), target=target,
                   hint_scale=float(hold / hold0) if hold0 else 1.0)
            for hold in (90, 180, 240)]


def _profile_rows(data: dict[str, Any], target: str | None) -> list[WhatIf]:
    """``keepalive-frr``, ``keepalive-fifo``, ``gr-on``, ``gr-off``, ``update-groups-on``,
    ``update-groups-off``: one profile field (or two) on every (RR) speaker."""
    frr_ka = {"keepalive_rx": "rearm-on-backlog", "keepalive_tx": "fifo"}
    fifo_ka = {"keepalive_rx": "fifo", "keepalive_tx": "main-loop"}
    rows: list[tuple[str, str, str, dict[str, Any], bool, str]] = [
        ("keepalive-frr", "RR KEEPALIVEs FRR-like",
         "every RR's KEEPALIVE path as FRR's: hold timer re-armed while input is queued, "
         "KEEPALIVEs sent by their own thread", frr_ka, True, "frr-ka"),
        ("keepalive-fifo", "RR KEEPALIVEs appliance-like",
         "every RR's KEEPALIVEs in the one FIFO with the UPDATE work, both ways (the "
         "incident's appliance)", fifo_ka, True, "fifo-ka"),
        ("gr-on", "graceful restart on",
         "every speaker a graceful-restart helper, also after a NOTIFICATION or hold "
         "expiry (RFC 4724, RFC 8538)", {"graceful_restart": "notification"}, False, "gr"),
        ("gr-off", "graceful restart off",
         "no speaker keeps a peer's routes when a session drops",
         {"graceful_restart": "off"}, False, "nogr"),
        ("update-groups-on", "update-groups on",
         "every RR builds each UPDATE once per group of peers", {"update_groups": True},
         True, "ug"),
        ("update-groups-off", "update-groups off", "every RR builds each UPDATE once per peer",
         {"update_groups": False}, True, "noug"),
    ]
    return [WhatIf(wid, label, change,
                   with_profile_fields(data, fields, rr_only=rr_only, suffix=suffix),
                   target=target)
            for wid, label, change, fields, rr_only, suffix in rows]


def _shape_rows(data: dict[str, Any], target: str | None) -> list[WhatIf]:
    """``split-2``, ``split-3``, ``split-4`` (the largest shard) and ``spines-removed`` or
    ``spines-added``; in an explicit zone, the same ids as not applicable."""
    rows: list[WhatIf] = []
    if "shards" not in data:
        why = ("explicit zones name every speaker and session: split or re-tier by "
               "editing the file (the compact form has shards and spines to change)")
        for wid, label in (("split-2", "largest shard split in 2"),
                           ("split-3", "largest shard split in 3"),
                           ("split-4", "largest shard split in 4"),
                           ("spines", "spine tier added or removed")):
            rows.append(WhatIf(wid, label, "not applicable", None, why, target))
        return rows
    largest = max(data["shards"], key=lambda s: int(s["clients"]))["name"]
    old = {x["name"] for x in data["shards"]}
    for parts in (2, 3, 4):
        split = split_shard(data, largest, parts)
        new = [s for s in split["shards"] if s["name"] not in old]
        sizes = ", ".join(f"{s['clients']:,}" for s in new)
        rows.append(WhatIf(f"split-{parts}", f"shard {largest} split in {parts}",
                           f"shard {largest} as {parts} shards of the same shape "
                           f"({sizes} clients)", split, target=new[0]["name"],
                           origin=largest))
    if isinstance(data.get("spines"), dict):
        flat = copy.deepcopy(data)
        del flat["spines"]
        rows.append(WhatIf("spines-removed", "spine tier removed",
                           "no spines: every leaf RR in one full iBGP mesh", flat,
                           target=target))
    else:
        tiered = copy.deepcopy(data)
        tiered["spines"] = {"count": 2, "profile": "frr"}
        rows.append(WhatIf("spines-added", "spine tier added",
                           "two FRR spine RRs; every leaf RR their client", tiered,
                           target=target))
    return rows


def _rrs(data: dict[str, Any]) -> set[str]:
    """The explicit zone data's RR speakers (those with clients)."""
    return {s["rr"] for s in data.get("sessions") or [] if "rr" in s}


def _cluster_row(data: dict[str, Any], target: str | None) -> WhatIf:
    """``cluster-id-shared``: each shard's RRs share one CLUSTER_ID, and the spines
    share one (RFC 4456 §7: redundant RRs of one cluster). Compact: ``cluster_id:
    shared`` on every shard and the spines. Explicit: every RR with a shard label takes
    its shard's name as CLUSTER_ID, every top-tier RR without one ``spines``; n/a
    without shard labels."""
    out = copy.deepcopy(data)
    label, change = "one CLUSTER_ID per shard", ("each shard's RRs share one CLUSTER_ID, "
                                                "and the spines share one (RFC 4456 §7)")
    if "shards" in out:
        for sh in out["shards"]:
            sh["cluster_id"] = "shared"
        if isinstance(out.get("spines"), dict):
            out["spines"]["cluster_id"] = "shared"
        return WhatIf("cluster-id-shared", label, change, out, target=target)
    rrs = _rrs(out)
    if not any(sp.get("shard") for sp in out["speakers"] if sp["name"] in rrs):
        return WhatIf("cluster-id-shared", label, "not applicable", None,
                      "no RR of the explicit zone has a shard label: give the RRs of "
                      "one cluster one cluster_id in the file", target)
    zone = load_zone(dump(data, ""), source="<zone data>")
    tiered = any(g.tier > 0 for g in zone.groups if g.is_rr)
    for sp in out["speakers"]:
        found = zone.locate(sp["name"])
        if sp["name"] not in rrs or found is None:
            continue
        if sp.get("shard"):
            sp["cluster_id"] = str(sp["shard"])
        elif tiered and zone.group(found[0]).tier == 0:
            sp["cluster_id"] = "spines"
    return WhatIf("cluster-id-shared", label, change, out, target=target)


def with_rr_profile(data: dict[str, Any], profile: str) -> dict[str, Any]:
    """Every RR (spines and leaf RRs) on the built-in ``profile``, the zone's own
    capacity of its RRs dropped (the capacity is the implementation's; the clients keep
    theirs)."""
    out = copy.deepcopy(data)
    if isinstance(out.get("spines"), dict):
        out["spines"]["profile"] = profile
        out["spines"].pop("capacity", None)
    for sh in out.get("shards") or []:
        sh["rr_profile"] = profile
        sh.pop("rr_capacity", None)
    rrs = _rrs(out)
    for sp in out.get("speakers") or []:
        if sp["name"] in rrs:
            sp["profile"] = profile
            sp.pop("capacity", None)
    return out


def _rr_profile_rows(data: dict[str, Any], target: str | None) -> list[WhatIf]:
    """``rr-profile-frr``, ``rr-profile-bird``, ``rr-profile-gobgp``: every RR replaced
    by that implementation's built-in profile (a zone whose RRs all are it already
    simulates as written: the row says so)."""
    names = {"frr": "FRR", "bird": "BIRD", "gobgp": "GoBGP"}
    return [WhatIf(f"rr-profile-{p}", f"RRs on {names[p]}",
                   f"every RR (spines and leaf RRs) on the built-in `{p}` profile, its "
                   "capacity the profile's", with_rr_profile(data, p), target=target)
            for p in RR_PROFILES]


def _update_delay_row(data: dict[str, Any], target: str | None) -> WhatIf:
    """``update-delay``: every RR waits :data:`UPDATE_DELAY_S` s after a session is
    Established before it sends that peer its table (FRR ``coalesce-time 10000``: the
    profile's ``coalesce_time`` 10 s, nothing per peer; the model has no ``bgp
    update-delay``, which holds every update after bgpd starts, FRR documentation)."""
    fields = {"coalesce_time": UPDATE_DELAY_S, "coalesce_per_peer": 0,
              "coalesce_max": UPDATE_DELAY_S}
    return WhatIf("update-delay", f"RRs wait {UPDATE_DELAY_S} s before a new peer's table",
                  f"every RR waits {UPDATE_DELAY_S} s after a session comes up before it "
                  f"sends that peer its table (FRR `coalesce-time {UPDATE_DELAY_S * 1000}`)",
                  with_profile_fields(data, fields, rr_only=True, suffix="wait"),
                  target=target)


def _rrs_added_row(data: dict[str, Any], target: str | None) -> WhatIf:
    """``rrs-added``: one more RR in every shard (compact; at most the zone format's
    limit); in an explicit zone, not applicable."""
    label = "one more RR per shard"
    if "shards" not in data:
        return WhatIf("rrs-added", label, "not applicable", None,
                      "explicit zones name every speaker and session: add an RR and its "
                      "sessions in the file", target)
    out = copy.deepcopy(data)
    for sh in out["shards"]:
        sh["rrs"] = min(int(sh.get("rrs", 2)) + 1, MAX_RRS)
    return WhatIf("rrs-added", label, "every shard with one more RR of its profile "
                  "(each client a client of every RR of its shard)", out, target=target)


def _implementations(data: dict[str, Any], rr_only: bool) -> set[str]:
    """The implementations of the zone data's (RR) speakers."""
    zone = load_zone(dump(data, ""), source="<zone data>")
    return {zone.profile_of(g).implementation for g in zone.groups if g.is_rr or not rr_only}


def _knob(data: dict[str, Any], knob: str, rr_only: bool) -> tuple[str, str]:
    """``configuration`` when every (RR) speaker's implementation has the setting
    ``knob`` (:data:`KNOBS`), else ``software change``, and why."""
    impls = _implementations(data, rr_only)
    lacking = sorted(i for i in impls if knob not in KNOBS.get(i, frozenset()))
    if not lacking:
        return CONFIGURATION, f"a setting of {', '.join(sorted(impls))}"
    return SOFTWARE, f"{', '.join(lacking)} has no such setting"


def cost_of(row: WhatIf, data: dict[str, Any]) -> tuple[str, str]:
    """A row's cost class on zone data (as written) and why (see the module doc)."""
    rid = row.id
    if rid.startswith("hold-") or rid == "cluster-id-shared":
        return CONFIGURATION, "a setting of every implementation"
    if rid.startswith("gr-"):
        return _knob(data, "graceful_restart", rr_only=False)
    if rid == "update-delay":
        return _knob(data, "coalesce", rr_only=True)
    if rid.startswith(("keepalive-", "update-groups-")):
        return SOFTWARE, "a behaviour of the implementation, not a setting"
    if rid.startswith("rr-profile-"):
        return SOFTWARE, "another BGP implementation on the RRs"
    return HARDWARE, "more RRs, or the zone's shape changed"


def what_ifs(data: dict[str, Any], target: str | None) -> list[WhatIf]:
    """The review's what-if rows for zone data (see the module doc), in table order,
    each with its cost class; ``target``: the shard whose headroom the rows report (a
    split row reports its first part's)."""
    rows = (_hold_rows(data, target) + _profile_rows(data, target)
            + _shape_rows(data, target) + [_cluster_row(data, target)]
            + [_update_delay_row(data, target)] + _rr_profile_rows(data, target)
            + [_rrs_added_row(data, target)])
    return [replace(r, cost=c, cost_why=why) for r in rows for c, why in [cost_of(r, data)]]


def fingerprint(text: str, source: str) -> tuple[Any, ...]:
    """What the model sees of a zone file: every group's size, role, shard, timers and
    effective profile (its fields, not its name), and the sessions. Two files with the same
    fingerprint simulate alike, so a what-if that changes nothing is not run again."""
    zone = load_zone(text, source=source)
    groups = []
    for g in zone.groups:
        prof = zone.profile_of(g)
        fields = tuple((k, getattr(prof, k)) for k in sorted(vars(prof))
                       if k not in ("name", "description", "sources"))
        groups.append((g.key, g.count, g.is_rr, g.shard, g.tier, g.routes, g.cluster_id,
                       repr(g.timers), fields))
    adjacency = tuple(sorted((k, tuple(v)) for k, v in zone.adjacency.items()))
    return tuple(sorted(groups, key=repr)), adjacency



def rename_flap(label: str, old: str, new: str) -> str:
    """A flap of shard ``old``'s speakers as the same flap in shard ``new`` (generated
    names: ``<shard>-rr<N>``, ``<shard>-c<N>``): ``flap a-rr1~spine1@30`` ->
    ``flap a1-rr1~spine1@30``."""
    kind, rest = label.split(" ", 1)
    pair, at = rest.rsplit("@", 1)
    ends = [f"{new}-{n[len(old) + 1:]}" if n.startswith(f"{old}-") else n
            for n in pair.split("~")]
    return f"{kind} {'~'.join(sorted(ends))}@{at}"

