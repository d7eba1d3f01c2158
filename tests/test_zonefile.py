"""The zone-file loader: both forms, generated names, symmetry groups, one-line errors.

The spec is docs/zone-format.md. Speaker names are
a contract, so the tests look speakers up by name (``Zone.locate``, ``group.names``) and
compare per-speaker sessions, never group keys or internal order.
"""

from __future__ import annotations

import copy
import re
import textwrap
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from bgpcascade.io import load_zone_file
from bgpcascade.model.errors import InputError
from bgpcascade.model.profiles import BUILTIN_PROFILES
from bgpcascade.model.rules import session_keepalive
from bgpcascade.model.topology import NameRange, SpeakerGroup, Timers, Zone
from bgpcascade.model.zonefile import (
    CompactZoneSpec,
    ExplicitZoneSpec,
    ProfileSpec,
    SessionSpec,
    ShardSpec,
    SpeakerSpec,
    SpinesSpec,
    TimersSpec,
    load_zone,
    zone_json_schema,
)

# The compact example the zone format was designed from, verbatim.
ISSUE_COMPACT = """\
zone: fr-par-like              # name
timers: {hold: 90, keepalive: 30, connect_retry: 120}   # seconds; zone-wide defaults
profiles:                      # optional; built-in profiles: frr, bird, gobgp, openbgpd, appliance
  slow:
    base: appliance            # inherit a built-in profile, then override fields
    capacity: 2000             # work units per second (1 unit = processing one received route)
    keepalive_rx: fifo         # fifo | io-thread | rearm-on-backlog   (zone-format.md)
    keepalive_tx: fifo         # fifo | priority
""" + (
    "spines: {count: 2, profile: frr}       # optional top RR tier; "
    "every leaf RR is a client of every spine\n"
) + """\
shards:
  - name: a
    rrs: 2                     # leaf RRs of this shard's cluster
    rr_profile: appliance
    cluster_id: shared         # shared (one CLUSTER_ID for the shard's RRs) | per-rr
    clients: 800               # hypervisors, each a client of every RR of its shard
    routes_per_client: 150
    timers: {hold: 180}        # optional per-shard override
  - {name: b, rrs: 2, rr_profile: frr, clients: 300, routes_per_client: 150}
"""

ONE_SHARD = "shards: [{name: a, clients: 3, routes_per_client: 1}]\n"

Relations = dict[str, frozenset[tuple[str, str]]]


def dump(doc: Any) -> str:
    """YAML text of ``doc`` (libyaml's emitter when present: it is much faster)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text: str = yaml.dump(doc, Dumper=dumper, sort_keys=False)
    return text


def z(text: str) -> Zone:
    """Load dedented ``text`` as ``z.yaml``."""
    return load_zone(textwrap.dedent(text), source="z.yaml")


def speakers(zone: Zone) -> list[str]:
    """Every speaker name, in group order."""
    return [name for g in zone.groups for name in g.names]


def group_of(zone: Zone, name: str) -> SpeakerGroup:
    """The group holding speaker ``name`` (through ``Zone.locate``, the public lookup)."""
    found = zone.locate(name)
    assert found is not None, f"{name} not in zone"
    return zone.group(found[0])


def relations(zone: Zone) -> Relations:
    """Per speaker: its neighbours and what each is to it (``rr``, ``client``, ``peer``)."""
    out: dict[str, set[tuple[str, str]]] = {name: set() for name in speakers(zone)}
    for s in zone.sessions:
        rel_a, rel_b = ("client", "rr") if s.kind == "rr-client" else ("peer", "peer")
        for x in zone.group(s.a).names:
            for y in zone.group(s.b).names:
                assert (y, rel_a) not in out[x], f"session {x}~{y} twice"
                out[x].add((y, rel_a))
                out[y].add((x, rel_b))
    return {k: frozenset(v) for k, v in out.items()}


def rel(names: Iterable[str], kind: str) -> set[tuple[str, str]]:
    return {(n, kind) for n in names}


def timers(hold: int, keepalive: int | Fraction, retry: int = 120) -> Timers:
    return Timers(Fraction(hold), Fraction(keepalive), Fraction(retry))


# ---------------------------------------------------------------------------------------
# Compact form


@pytest.fixture(scope="module")
def issue_zone() -> Zone:
    return load_zone(ISSUE_COMPACT, source="issue.yaml")


def test_compact_generated_names(issue_zone: Zone) -> None:
    zone = issue_zone
    expected = (
        ["spine1", "spine2", "a-rr1", "a-rr2"]
        + [f"a-c{i}" for i in range(1, 801)]
        + ["b-rr1", "b-rr2"]
        + [f"b-c{i}" for i in range(1, 301)]
    )
    assert speakers(zone) == expected
    assert zone.speaker_count == 1106
    clients = group_of(zone, "a-c1")
    assert clients.count == 800
    assert list(clients.names)[:3] == ["a-c1", "a-c2", "a-c3"]
    assert clients.names[799] == "a-c800"
    assert zone.locate("a-c1") == (clients.key, 0)
    assert zone.locate("a-c800") == (clients.key, 799)
    assert group_of(zone, "b-c300").names[299] == "b-c300"
    for name in ("spine1", "spine2", "a-rr1", "a-rr2", "b-rr1", "b-rr2"):
        assert group_of(zone, name).names == (name,)
    for unknown in ("a-c0", "a-c801", "a-c01", "b-c301", "spine3", "a-rr3", "c-c1", "a-c"):
        assert zone.locate(unknown) is None, unknown


def test_compact_sessions(issue_zone: Zone) -> None:
    zone = issue_zone
    r = relations(zone)
    leaf_rrs = ["a-rr1", "a-rr2", "b-rr1", "b-rr2"]
    a_clients = [f"a-c{i}" for i in range(1, 801)]
    b_clients = [f"b-c{i}" for i in range(1, 301)]
    # spines peer as plain iBGP; every leaf RR is a client of every spine
    assert r["spine1"] == rel(["spine2"], "peer") | rel(leaf_rrs, "client")
    assert r["spine2"] == rel(["spine1"], "peer") | rel(leaf_rrs, "client")
    # leaf RRs: clients of both spines, RRs of every client of their shard, no other session
    for rr in ("a-rr1", "a-rr2"):
        assert r[rr] == rel(["spine1", "spine2"], "rr") | rel(a_clients, "client")
    for rr in ("b-rr1", "b-rr2"):
        assert r[rr] == rel(["spine1", "spine2"], "rr") | rel(b_clients, "client")
    for c in ("a-c1", "a-c417", "a-c800"):
        assert r[c] == rel(["a-rr1", "a-rr2"], "rr")
    assert r["b-c300"] == rel(["b-rr1", "b-rr2"], "rr")
    # 1 spine~spine + 2 x 4 spine~leaf + 2 x 800 + 2 x 300
    assert zone.total_sessions == 1 + 8 + 1600 + 600
    assert sum(len(v) for v in r.values()) == 2 * zone.total_sessions


def test_compact_roles_tiers_profiles_routes(issue_zone: Zone) -> None:
    zone = issue_zone
    expect = {  # name: (role, tier, profile, routes)
        "spine1": ("rr", 0, "frr", 0),
        "a-rr2": ("rr", 1, "appliance", 0),
        "b-rr1": ("rr", 1, "frr", 0),
        "a-c5": ("client", 2, "frr", 150),
        "b-c5": ("client", 2, "frr", 150),
    }
    for name, (role, tier, profile, routes) in expect.items():
        g = group_of(zone, name)
        assert (g.role, g.tier, g.profile, g.routes) == (role, tier, profile, routes), name
    assert group_of(zone, "a-c1").shard == "a"
    assert group_of(zone, "b-rr2").shard == "b"
    assert zone.total_routes == 1100 * 150
    # a file profile: the built-in base with the overrides on top
    slow, appliance = zone.profiles["slow"], BUILTIN_PROFILES["appliance"]
    assert (slow.capacity, slow.keepalive_rx, slow.keepalive_tx) == (2000, "fifo", "fifo")
    assert slow.idle_hold_max == appliance.idle_hold_max
    assert slow.implementation == "appliance"
    assert set(BUILTIN_PROFILES) <= set(zone.profiles)


def test_compact_timers_shard_override(issue_zone: Zone) -> None:
    zone = issue_zone
    assert zone.timers == timers(90, 30)
    # shard a sets hold 180 only: keepalive becomes 180/3 = 60, connect_retry inherited
    for name in ("a-rr1", "a-rr2", "a-c1"):
        assert group_of(zone, name).timers == timers(180, 60), name
    for name in ("spine1", "b-rr1", "b-c1"):
        assert group_of(zone, name).timers == timers(90, 30), name


def test_compact_cluster_ids(issue_zone: Zone) -> None:
    zone = issue_zone

    def cid(name: str) -> str:
        return group_of(zone, name).effective_cluster_id()

    assert cid("a-rr1") == cid("a-rr2")  # cluster_id: shared
    assert cid("b-rr1") != cid("b-rr2")  # default: per-rr
    assert cid("spine1") != cid("spine2")  # spines default: per-rr
    assert len({cid(n) for n in ("spine1", "spine2", "a-rr1", "b-rr1", "b-rr2")}) == 5


def test_shared_spine_cluster_id_never_equals_a_shard_cluster_id() -> None:
    zone = z("""\
        zone: z
        spines: {count: 2, cluster_id: shared}
        shards:
          - {name: spines, cluster_id: shared, clients: 2, routes_per_client: 1}
        """)
    spine = group_of(zone, "spine1").effective_cluster_id()
    assert spine == group_of(zone, "spine2").effective_cluster_id()
    leaf = group_of(zone, "spines-rr1").effective_cluster_id()
    assert leaf == group_of(zone, "spines-rr2").effective_cluster_id()
    assert spine != leaf


def test_compact_without_spines_is_a_full_rr_mesh(repo_root: Path) -> None:
    zone = load_zone_file(repo_root / "examples" / "flat-3-shards.yaml")
    r = relations(zone)
    rrs = [f"{s}-rr{i}" for s in "abc" for i in (1, 2)]
    sizes = {"a": 300, "b": 250, "c": 200}
    for rr in rrs:
        shard = rr[0]
        clients = [f"{shard}-c{i}" for i in range(1, sizes[shard] + 1)]
        assert r[rr] == rel(set(rrs) - {rr}, "peer") | rel(clients, "client")
        g = group_of(zone, rr)
        assert (g.role, g.tier) == ("rr", 0)
    assert (group_of(zone, "c-c200").role, group_of(zone, "c-c200").tier) == ("client", 1)
    assert zone.locate("spine1") is None
    assert zone.total_sessions == 15 + 2 * (300 + 250 + 200)


def test_compact_defaults() -> None:
    zone = z("zone: z\n" + ONE_SHARD)
    assert speakers(zone) == ["a-rr1", "a-rr2", "a-c1", "a-c2", "a-c3"]  # rrs: 2
    assert zone.timers == Timers() == timers(90, 30, 120)
    for name in speakers(zone):
        g = group_of(zone, name)
        assert g.profile == "frr" and g.capacity is None, name
    assert group_of(zone, "a-rr1").cluster_id is None  # per-rr
    assert group_of(zone, "a-rr1").client_to_client is True
    assert group_of(zone, "a-rr1").routes == 0
    assert relations(zone)["a-rr1"] == rel(["a-rr2"], "peer") | rel(
        ["a-c1", "a-c2", "a-c3"], "client")


def test_compact_overrides() -> None:
    zone = z("""\
        zone: z
        spines: {count: 1, profile: bird, capacity: 5000, routes: 4, timers: {hold: 30}}
        shards:
          - name: a
            rrs: 1
            clients: 1
            routes_per_client: 7
            rr_profile: gobgp
            client_profile: openbgpd
            rr_capacity: 1234.5
            rr_routes: 3
            client_to_client: false
            dynamic_neighbors: true
        """)
    assert speakers(zone) == ["spine1", "a-rr1", "a-c1"]
    sp, rr, c = (group_of(zone, n) for n in ("spine1", "a-rr1", "a-c1"))
    assert (sp.profile, sp.capacity, sp.routes, sp.timers) == ("bird", 5000, 4, timers(30, 10))
    assert (rr.profile, rr.capacity, rr.routes) == ("gobgp", 1234.5, 3)
    assert (rr.client_to_client, rr.dynamic_neighbors) == (False, True)
    assert (c.profile, c.routes, c.timers) == ("openbgpd", 7, timers(90, 30))
    assert zone.profile_of(rr).capacity == 1234.5
    assert zone.total_sessions == 2


# ---------------------------------------------------------------------------------------
# Timer inheritance: zone -> spines/shard -> speaker; hold without keepalive gets hold/3


@pytest.mark.parametrize(
    ("zone_timers", "shard_timers", "expected"),
    [
        pytest.param("{}", None, timers(90, 30), id="defaults"),
        pytest.param("{hold: 9}", None, timers(9, 3), id="zone-hold-only"),
        pytest.param("{hold: 10}", None, timers(10, Fraction(10, 3)), id="exact-thirds"),
        pytest.param("{keepalive: 10}", None, timers(90, 10), id="zone-keepalive-only"),
        pytest.param("{hold: 0}", None, timers(0, 0), id="hold-0-no-keepalives"),
        pytest.param("{hold: 0, keepalive: 0}", None, timers(0, 0), id="hold-0-keepalive-0"),
        pytest.param("{hold: 3}", None, timers(3, 1), id="hold-3-smallest"),
        pytest.param("{hold: 3, keepalive: 3}", None, timers(3, 3), id="keepalive-eq-hold"),
        pytest.param("{hold: 65535}", None, timers(65535, 21845), id="hold-max"),
        pytest.param("{connect_retry: 5}", None, timers(90, 30, 5), id="connect-retry"),
        pytest.param("{connect_retry: 1}", None, timers(90, 30, 1), id="connect-retry-min"),
        pytest.param("{connect_retry: 65535}", None, timers(90, 30, 65535),
                     id="connect-retry-max"),
        pytest.param("{hold: 90, keepalive: 20}", "{hold: 240}", timers(240, 80),
                     id="shard-hold-resets-keepalive"),
        pytest.param("{hold: 90, keepalive: 20}", "{keepalive: 5}", timers(90, 5),
                     id="shard-keepalive-keeps-hold"),
        pytest.param("{keepalive: 30}", "{hold: 9}", timers(9, 3),
                     id="shard-hold-below-zone-keepalive"),
        pytest.param("{hold: 90, keepalive: 30}", "{hold: 0}", timers(0, 0), id="shard-hold-0"),
        pytest.param("{hold: 0}", "{hold: 6}", timers(6, 2), id="shard-hold-after-zone-0"),
        pytest.param("{connect_retry: 7}", "{hold: 30}", timers(30, 10, 7),
                     id="connect-retry-inherited"),
    ],
)
def test_timer_inheritance(zone_timers: str, shard_timers: str | None,
                           expected: Timers) -> None:
    shard = "{name: a, clients: 1, routes_per_client: 1"
    shard += f", timers: {shard_timers}}}" if shard_timers else "}"
    zone = z(f"zone: z\ntimers: {zone_timers}\nshards: [{shard}]\n")
    assert group_of(zone, "a-c1").timers == expected
    assert group_of(zone, "a-rr1").timers == expected


def test_connect_retry_and_idle_hold_bounds() -> None:
    """ConnectRetryTime is 1..65535 s (FRR's `timers connect` range): 0 and 65536 are
    refused. A profile's idle_hold_max may equal its idle_hold_initial, not be below it."""
    for retry in (0, 65536):
        with pytest.raises(InputError, match=r"connect_retry.*1\.\.65535 seconds"):
            z(f"zone: z\ntimers: {{connect_retry: {retry}}}\n"
              "shards: [{name: a, clients: 1, routes_per_client: 1}]\n")
    base = "zone: z\nprofiles:\n  p: {{base: frr, idle_hold_initial: 5, idle_hold_max: {}}}\n" \
        "shards: [{{name: a, clients: 1, routes_per_client: 1, rr_profile: p}}]\n"
    assert z(base.format(5)).profiles["p"].idle_hold_max == 5
    with pytest.raises(InputError, match=r"idle_hold_max.*>= idle_hold_initial"):
        z(base.format(4))


def test_timer_inheritance_three_levels_explicit() -> None:
    zone = z("""\
        zone: z
        timers: {hold: 30, keepalive: 5, connect_retry: 10}
        speakers:
          - {name: r}
          - {name: c1}
          - {name: c2, timers: {hold: 12}}
          - {name: c3, timers: {keepalive: 2}}
        sessions:
          - {rr: r, client: c1}
          - {rr: r, client: c2}
          - {rr: r, client: c3}
        """)
    assert group_of(zone, "c1").timers == timers(30, 5, 10)
    assert group_of(zone, "c2").timers == timers(12, 4, 10)
    assert group_of(zone, "c3").timers == timers(30, 2, 10)


def test_fractional_seconds_are_exact() -> None:
    zone = z("zone: z\ntimers: {hold: 4.5, keepalive: 1.5}\n" + ONE_SHARD)
    assert zone.timers == Timers(Fraction(9, 2), Fraction(3, 2), Fraction(120))


# ---------------------------------------------------------------------------------------
# Explicit form


def test_lab_example_groups_identical_clients(repo_root: Path) -> None:
    zone = load_zone_file(repo_root / "examples" / "lab.yaml")
    assert zone.form == "explicit"
    assert speakers(zone) == ["rr1", "rr2", "hv1", "hv2", "hv3", "hv4"]
    hv = group_of(zone, "hv1")
    assert tuple(hv.names) == ("hv1", "hv2", "hv3", "hv4")
    assert [zone.locate(f"hv{i}") for i in (1, 2, 3, 4)] == [(hv.key, i) for i in range(4)]
    assert (hv.role, hv.tier, hv.routes, hv.profile) == ("client", 1, 200, "frr")
    for rr, cid in (("rr1", "10.0.0.1"), ("rr2", "10.0.0.2")):
        g = group_of(zone, rr)
        assert (g.names, g.role, g.tier, g.cluster_id) == ((rr,), "rr", 0, cid)
    assert len(zone.groups) == 3
    hvs = ["hv1", "hv2", "hv3", "hv4"]
    r = relations(zone)
    assert r["rr1"] == rel(["rr2"], "peer") | rel(hvs, "client")
    assert r["rr2"] == rel(["rr1"], "peer") | rel(hvs, "client")
    assert r["hv3"] == rel(["rr1", "rr2"], "rr")
    assert zone.total_sessions == 9
    assert zone.timers == timers(3, 1, 1)


LAB_PLUS = """\
zone: lab
speakers:
  - {name: rr1, cluster_id: 1}
  - {name: rr2, cluster_id: 1}
  - {name: hv1, routes: 200}
  - {name: hv2, routes: 200}
  - {name: odd-routes, routes: 100}
  - {name: odd-rrs, routes: 200}
  - {name: odd-timers, routes: 200, timers: {hold: 30}}
  - {name: odd-profile, routes: 200, profile: bird}
  - {name: odd-capacity, routes: 200, capacity: 10}
  - {name: odd-shard, routes: 200, shard: x}
  - {name: hv3, routes: 200}
sessions:
  - {peers: [rr1, rr2]}
  - {rr: rr1, client: hv1}
  - {rr: rr2, client: hv1}
  - {rr: rr1, client: hv2}
  - {rr: rr2, client: hv2}
  - {rr: rr1, client: odd-routes}
  - {rr: rr2, client: odd-routes}
  - {rr: rr1, client: odd-rrs}
  - {rr: rr1, client: odd-timers}
  - {rr: rr2, client: odd-timers}
  - {rr: rr1, client: odd-profile}
  - {rr: rr2, client: odd-profile}
  - {rr: rr1, client: odd-capacity}
  - {rr: rr2, client: odd-capacity}
  - {rr: rr1, client: odd-shard}
  - {rr: rr2, client: odd-shard}
  - {rr: rr2, client: hv3}
  - {rr: rr1, client: hv3}
"""


def test_explicit_different_shapes_stay_separate() -> None:
    zone = z(LAB_PLUS)
    hv = group_of(zone, "hv1")
    # hv3 is declared late and its sessions in another order: same shape, same group
    assert tuple(hv.names) == ("hv1", "hv2", "hv3")
    assert zone.locate("hv3") == (hv.key, 2)
    for name in ("odd-routes", "odd-rrs", "odd-timers", "odd-profile", "odd-capacity",
                 "odd-shard"):
        assert group_of(zone, name).names == (name,), name
    # route reflectors are never merged, even with the same shape and CLUSTER_ID
    assert group_of(zone, "rr1").names == ("rr1",)
    assert group_of(zone, "rr2").names == ("rr2",)
    assert len(zone.groups) == 2 + 1 + 6
    assert zone.total_sessions == 18
    assert relations(zone)["odd-rrs"] == rel(["rr1"], "rr")
    assert group_of(zone, "odd-capacity").capacity == 10


def test_explicit_two_level_hierarchy_roles_and_tiers() -> None:
    zone = z("""\
        zone: two-level
        speakers:
          - {name: top1}
          - {name: top2}
          - {name: mid1}
          - {name: mid2}
          - {name: c1, routes: 5}
          - {name: c2, routes: 5}
          - {name: c3, routes: 5}
          - {name: edge}
        sessions:
          - {peers: [top1, top2]}
          - {rr: top1, client: mid1}
          - {rr: top2, client: mid1}
          - {rr: top1, client: mid2}
          - {rr: top2, client: mid2}
          - {rr: mid1, client: c1}
          - {rr: mid2, client: c1}
          - {rr: mid1, client: c2}
          - {rr: mid2, client: c2}
          - {rr: mid1, client: c3}
          - {rr: mid2, client: c3}
          - {peers: [edge, top1]}
        """)
    expect = {"top1": ("rr", 0), "top2": ("rr", 0), "mid1": ("rr", 1), "mid2": ("rr", 1),
              "c1": ("client", 2), "c3": ("client", 2), "edge": ("peer", 0)}
    for name, (role, tier) in expect.items():
        g = group_of(zone, name)
        assert (g.role, g.tier) == (role, tier), name
    assert tuple(group_of(zone, "c2").names) == ("c1", "c2", "c3")
    assert group_of(zone, "mid1").names == ("mid1",)  # an RR, though shaped like mid2
    r = relations(zone)
    assert r["mid1"] == rel(["top1", "top2"], "rr") | rel(["c1", "c2", "c3"], "client")
    assert r["top1"] == rel(["top2", "edge"], "peer") | rel(["mid1", "mid2"], "client")
    assert r["edge"] == rel(["top1"], "peer")
    assert zone.total_sessions == 12


def test_explicit_plain_peers_and_isolated_speakers() -> None:
    zone = z("""\
        zone: mesh
        speakers:
          - {name: p1}
          - {name: p2}
          - {name: p3}
          - {name: lone1}
          - {name: lone2}
        sessions:
          - {peers: [p1, p2]}
          - {peers: [p3, p2]}
          - {peers: [p1, p3]}
        """)
    # full-mesh peers each have a different neighbour set: none merged
    for name in ("p1", "p2", "p3"):
        g = group_of(zone, name)
        assert (g.names, g.role) == ((name,), "peer")
    assert relations(zone)["p2"] == rel(["p1", "p3"], "peer")
    # speakers with no session and the same shape merge (no neighbours to tell them apart)
    assert tuple(group_of(zone, "lone2").names) == ("lone1", "lone2")
    assert zone.total_sessions == 3


def test_explicit_cluster_ids_and_defaults() -> None:
    zone = z("""\
        zone: z
        speakers:
          - {name: r1, cluster_id: 7}
          - {name: r2, cluster_id: 7}
          - {name: r3}
          - {name: c}
        sessions:
          - {rr: r1, client: c}
          - {rr: r2, client: c}
          - {rr: r3, client: c}
        """)
    ids = [group_of(zone, n).effective_cluster_id() for n in ("r1", "r2", "r3")]
    assert ids[0] == ids[1] != ids[2]
    c = group_of(zone, "c")
    assert (c.profile, c.routes, c.timers, c.capacity) == ("frr", 0, Timers(), None)


# ---------------------------------------------------------------------------------------
# Property: a compact zone written out in explicit form loads to the same zone

PROFILES = sorted(BUILTIN_PROFILES)
SHARD_NAMES = ["a", "b", "c2", "east", "x-1"]


@st.composite
def timer_levels(draw: st.DrawFn) -> dict[str, int] | None:
    kind = draw(st.sampled_from(["none", "hold", "hold+keepalive", "retry"]))
    if kind == "none":
        return None
    if kind == "retry":
        return {"connect_retry": draw(st.integers(1, 200))}
    hold = draw(st.sampled_from([0, 3, 9, 90, 180]))
    if kind == "hold" or hold == 0:
        return {"hold": hold}
    return {"hold": hold, "keepalive": draw(st.integers(1, hold))}


@st.composite
def compact_zones(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {"zone": "prop"}
    zone_timers = draw(timer_levels())
    if zone_timers is not None:
        doc["timers"] = zone_timers
    if draw(st.booleans()):
        spines: dict[str, Any] = {
            "count": draw(st.integers(1, 3)),
            "profile": draw(st.sampled_from(PROFILES)),
            "cluster_id": draw(st.sampled_from(["shared", "per-rr"])),
            "routes": draw(st.integers(0, 3)),
        }
        t = draw(timer_levels())
        if t is not None:
            spines["timers"] = t
        if draw(st.booleans()):
            spines["capacity"] = draw(st.sampled_from([500, 2500.5]))
        doc["spines"] = spines
    names = draw(st.lists(st.sampled_from(SHARD_NAMES), min_size=1, max_size=3, unique=True))
    shards = []
    for name in names:
        shard: dict[str, Any] = {
            "name": name,
            "rrs": draw(st.integers(1, 3)),
            "clients": draw(st.integers(1, 4)),
            "routes_per_client": draw(st.integers(0, 5)),
            "rr_profile": draw(st.sampled_from(PROFILES)),
            "client_profile": draw(st.sampled_from(PROFILES)),
            "cluster_id": draw(st.sampled_from(["shared", "per-rr"])),
            "rr_routes": draw(st.integers(0, 2)),
        }
        t = draw(timer_levels())
        if t is not None:
            shard["timers"] = t
        if draw(st.booleans()):
            shard["rr_capacity"] = draw(st.sampled_from([100, 7777.25]))
        shards.append(shard)
    doc["shards"] = shards
    return doc


def explicit_from_compact(doc: dict[str, Any]) -> dict[str, Any]:
    """The same zone as ``doc``, every speaker and session written out (the contract)."""
    out: dict[str, Any] = {"zone": doc["zone"]}
    if "timers" in doc:
        out["timers"] = doc["timers"]
    spk: list[dict[str, Any]] = []
    ses: list[dict[str, Any]] = []
    spine_names: list[str] = []
    if "spines" in doc:
        sp = doc["spines"]
        spine_names = [f"spine{i}" for i in range(1, sp["count"] + 1)]
        for name in spine_names:
            s: dict[str, Any] = {"name": name, "profile": sp["profile"], "routes": sp["routes"]}
            if sp["cluster_id"] == "shared":
                s["cluster_id"] = "192.0.2.1"
            for key in ("timers", "capacity"):
                if key in sp:
                    s[key] = sp[key]
            spk.append(s)
        ses += [{"peers": [a, b]} for i, a in enumerate(spine_names)
                for b in spine_names[i + 1:]]
    all_rrs: list[str] = []
    for sh in doc["shards"]:
        rrs = [f"{sh['name']}-rr{i}" for i in range(1, sh["rrs"] + 1)]
        clients = [f"{sh['name']}-c{i}" for i in range(1, sh["clients"] + 1)]
        for name in rrs:
            s = {"name": name, "profile": sh["rr_profile"], "routes": sh["rr_routes"],
                 "shard": sh["name"]}
            if sh["cluster_id"] == "shared":
                s["cluster_id"] = f"cluster-{sh['name']}"
            if "rr_capacity" in sh:
                s["capacity"] = sh["rr_capacity"]
            if "timers" in sh:
                s["timers"] = sh["timers"]
            spk.append(s)
            ses += [{"rr": spine, "client": name} for spine in spine_names]
        for name in clients:
            s = {"name": name, "profile": sh["client_profile"],
                 "routes": sh["routes_per_client"], "shard": sh["name"]}
            if "timers" in sh:
                s["timers"] = sh["timers"]
            spk.append(s)
        ses += [{"rr": rr, "client": c} for rr in rrs for c in clients]
        all_rrs += rrs
    if not spine_names:
        ses += [{"peers": [a, b]} for i, a in enumerate(all_rrs) for b in all_rrs[i + 1:]]
    out["speakers"] = spk
    out["sessions"] = ses
    return out


def cluster_partition(zone: Zone) -> frozenset[frozenset[str]]:
    """RRs grouped by effective CLUSTER_ID (the ids' spelling does not matter)."""
    by_id: dict[str, set[str]] = {}
    for g in zone.groups:
        if g.is_rr:
            for i, name in enumerate(g.names):
                by_id.setdefault(g.effective_cluster_id(i), set()).add(name)
    return frozenset(frozenset(v) for v in by_id.values())


def speaker_view(zone: Zone, name: str) -> tuple[Any, ...]:
    g = group_of(zone, name)
    return (g.role, g.tier, g.profile, g.routes, g.timers, g.capacity, g.shard,
            g.client_to_client, g.dynamic_neighbors)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(compact_zones())
def test_compact_and_explicit_forms_load_to_the_same_zone(doc: dict[str, Any]) -> None:
    compact = load_zone(dump(doc), source="compact.yaml")
    explicit = load_zone(dump(explicit_from_compact(doc)), source="explicit.yaml")
    assert (compact.form, explicit.form) == ("compact", "explicit")
    assert speakers(explicit) == speakers(compact)
    assert relations(explicit) == relations(compact)
    assert explicit.total_sessions == compact.total_sessions
    assert explicit.timers == compact.timers
    for name in speakers(compact):
        assert speaker_view(explicit, name) == speaker_view(compact, name), name
    assert cluster_partition(explicit) == cluster_partition(compact)
    # the explicit loader finds the shard symmetry by itself: one group per client set
    assert len(explicit.groups) == len(compact.groups)


# ---------------------------------------------------------------------------------------
# Property: grouping explicit speakers never changes who peers with whom


@st.composite
def explicit_graphs(draw: st.DrawFn) -> tuple[str, set[tuple[str, str, str]]]:
    n = draw(st.integers(2, 7))
    names = [f"s{i}" for i in range(n)]
    lines = ["zone: g", "speakers:"]
    for name in names:
        routes = draw(st.sampled_from([0, 10]))
        profile = draw(st.sampled_from(["frr", "bird"]))
        lines.append(f"  - {{name: {name}, routes: {routes}, profile: {profile}}}")
    declared: set[tuple[str, str, str]] = set()
    entries = []
    for i in range(n):
        for j in range(i + 1, n):
            kind = draw(st.sampled_from(["none", "none", "rr-client", "ibgp"]))
            if kind == "rr-client":  # i is the RR of j: lower index first, so no cycle
                declared.add((names[i], names[j], kind))
                entries.append(f"  - {{rr: {names[i]}, client: {names[j]}}}")
            elif kind == "ibgp":
                a, b = draw(st.permutations([names[i], names[j]]))
                declared.add((names[i], names[j], kind))  # names[i] < names[j]
                entries.append(f"  - {{peers: [{a}, {b}]}}")
    entries = draw(st.permutations(entries))
    lines.append("sessions:" if entries else "sessions: []")
    lines.extend(entries)
    return "\n".join(lines) + "\n", declared


@settings(max_examples=100, deadline=None)
@given(explicit_graphs())
def test_explicit_groups_expand_to_exactly_the_declared_sessions(
    case: tuple[str, set[tuple[str, str, str]]],
) -> None:
    text, declared = case
    zone = load_zone(text, source="g.yaml")
    found: set[tuple[str, str, str]] = set()
    for s in zone.sessions:
        for x in zone.group(s.a).names:
            for y in zone.group(s.b).names:
                lo, hi = (min(x, y), max(x, y)) if s.kind == "ibgp" else (x, y)
                assert (lo, hi, s.kind) not in found
                found.add((lo, hi, s.kind))
    assert found == declared
    assert zone.total_sessions == len(declared)
    rrs = {a for a, _, k in declared if k == "rr-client"}
    for g in zone.groups:
        assert g.is_rr == (g.names[0] in rrs)
        if g.is_rr:
            assert g.count == 1


# ---------------------------------------------------------------------------------------
# Validation: ONE line, `file:line: field: problem (allowed: ...)`

C = "zone: z\n"  # prefix of most cases
SHARD_KEYS = ("name, clients, routes_per_client, rrs, rr_profile, client_profile, cluster_id, "
              "timers, rr_capacity, rr_routes, client_to_client, dynamic_neighbors")
PROFILE_KEYS = ("base, capacity, cost_rx_route, cost_tx_route, cost_tx_peer_route, cost_msg, "
                "update_groups, routes_per_update, keepalive_rx, keepalive_tx, hold_jitter, "
                "jitter, open_hold, send_hold_factor, send_hold_min, idle_hold_initial, "
                "idle_hold_max, graceful_restart, stale_time, advertise_to_sender, "
                "dynamic_neighbor_limit, coalesce_time, coalesce_per_peer, coalesce_max, "
                "send_buffer, recv_buffer, route_bytes, keepalive_queue, out_queue_limit, "
                "description")
BUILTINS = "appliance, bird, frr, gobgp, openbgpd"
HOLD_RULE = "0, or >= 3 seconds (RFC 4271 §4.2)"
NAME_RULE = "letters, digits, '_', '.', '-'; starting with a letter or digit"
TWO = "speakers:\n  - {name: r}\n  - {name: c}\n"  # two explicit speakers, lines 2-4

ERRORS = [
    # unknown keys
    ("unknown-top", C + "foo: 1\n" + ONE_SHARD,
     "z.yaml:2: foo: unknown key "
     "(allowed: zone, description, timers, profiles, spines, shards)"),
    ("unknown-top-explicit", C + "speakers: [{name: r}]\nlinks: []\n",
     "z.yaml:3: links: unknown key "
     "(allowed: zone, description, timers, profiles, speakers, sessions)"),
    ("unknown-in-shard", C + "shards:\n  - name: a\n    clients: 3\n    routes_per_client: 1\n"
     "    client: 2\n",
     f"z.yaml:6: shards[0].client: unknown key (allowed: {SHARD_KEYS})"),
    ("unknown-in-profile", C + "profiles:\n  slow:\n    base: frr\n    speed: 3\n" + ONE_SHARD,
     f"z.yaml:5: profiles.slow.speed: unknown key (allowed: {PROFILE_KEYS})"),
    ("unknown-in-timers", C + "timers:\n  hold: 90\n  hold_time: 3\n" + ONE_SHARD,
     "z.yaml:4: timers.hold_time: unknown key (allowed: hold, keepalive, connect_retry)"),
    ("unknown-in-shard-timers", C + "shards:\n  - name: a\n    clients: 3\n"
     "    routes_per_client: 1\n    timers: {hold: 9, keeplive: 3}\n",
     "z.yaml:6: shards[0].timers.keeplive: unknown key "
     "(allowed: hold, keepalive, connect_retry)"),
    ("unknown-in-spines", C + "spines: {count: 2, size: 3}\n" + ONE_SHARD,
     "z.yaml:2: spines.size: unknown key "
     "(allowed: count, profile, cluster_id, timers, capacity, routes)"),
    ("unknown-in-speaker", C + "speakers:\n  - name: r\n    asn: 65000\n",
     "z.yaml:4: speakers[0].asn: unknown key (allowed: name, profile, cluster_id, routes, "
     "timers, capacity, shard, client_to_client, dynamic_neighbors, router_id, address)"),
    ("unknown-in-session", C + TWO + "sessions:\n  - {rr: r, client: c, weight: 3}\n",
     "z.yaml:6: sessions[0].weight: unknown key (allowed: rr, client, peers)"),
    ("non-text-key", C + "timers:\n  hold: 9\n  on: 3\n" + ONE_SHARD,
     "z.yaml:4: timers.on: YAML reads key on as a boolean, not text "
     "(allowed: a text key; put it in quotes ('on'))"),
    ("non-text-profile-name", C + "profiles:\n  1: {base: frr}\n" + ONE_SHARD,
     "z.yaml:3: profiles.1: YAML reads key 1 as an integer, not text "
     "(allowed: a text key; put it in quotes ('1'))"),
    # wrong types
    ("string-for-clients", C + "shards:\n  - name: a\n    clients: '800'\n"
     "    routes_per_client: 1\n",
     "z.yaml:4: shards[0].clients: '800' has the wrong type (allowed: integer)"),
    ("word-for-clients", C + "shards:\n  - name: a\n    clients: many\n"
     "    routes_per_client: 1\n",
     "z.yaml:4: shards[0].clients: 'many' has the wrong type (allowed: integer)"),
    ("bool-for-int", C + "shards:\n  - name: a\n    clients: 3\n    routes_per_client: true\n",
     "z.yaml:5: shards[0].routes_per_client: True has the wrong type (allowed: integer)"),
    ("float-for-int", C + "shards:\n  - name: a\n    clients: 2.5\n    routes_per_client: 1\n",
     "z.yaml:4: shards[0].clients: 2.5 has the wrong type (allowed: integer)"),
    ("whole-float-for-int", C + "spines:\n  count: 2.0\n" + ONE_SHARD,
     "z.yaml:3: spines.count: 2.0 has the wrong type (allowed: integer)"),
    ("string-for-seconds", C + "timers: {hold: '90'}\n" + ONE_SHARD,
     "z.yaml:2: timers.hold: '90' has the wrong type (allowed: number)"),
    ("bool-for-seconds", C + "timers:\n  keepalive: yes\n" + ONE_SHARD,
     "z.yaml:3: timers.keepalive: True has the wrong type (allowed: number)"),
    ("int-for-bool", C + "shards:\n  - {name: a, clients: 3, routes_per_client: 1, "
     "client_to_client: 1}\n",
     "z.yaml:3: shards[0].client_to_client: 1 has the wrong type (allowed: true or false)"),
    ("scalar-for-list", C + "shards: 5\n",
     "z.yaml:2: shards: 5 has the wrong type (allowed: list)"),
    ("list-for-mapping", C + "profiles: [slow]\n" + ONE_SHARD,
     "z.yaml:2: profiles: ['slow'] has the wrong type (allowed: mapping)"),
    ("int-for-name", C + "speakers:\n  - {name: 5}\n",
     "z.yaml:3: speakers[0].name: 5 has the wrong type (allowed: string)"),
    ("list-for-cluster-id", C + "speakers:\n  - {name: r, cluster_id: [1]}\n",
     "z.yaml:3: speakers[0].cluster_id: [1] has the wrong type "
     "(allowed: string or integer (e.g. 10.0.0.1 or 1))"),
    ("top-level-list", "- zone: z\n",
     "z.yaml:1: top level is a list (allowed: a mapping with zone: and shards: (compact) "
     "or speakers: (explicit))"),
    ("missing-required", C + "shards:\n  - name: a\n    clients: 3\n",
     "z.yaml:3: shards[0].routes_per_client: required key is missing"),
    ("missing-zone", ONE_SHARD, "z.yaml:1: zone: required key is missing"),
    # numbers out of range
    ("negative-capacity", C + "profiles:\n  slow: {base: frr, capacity: -5}\n" + ONE_SHARD,
     "z.yaml:3: profiles.slow.capacity: -5 is not allowed (allowed: > 0)"),
    ("zero-capacity", C + "profiles:\n  slow:\n    base: frr\n    capacity: 0\n" + ONE_SHARD,
     "z.yaml:5: profiles.slow.capacity: 0 is not allowed (allowed: > 0)"),
    ("zero-rr-capacity", C + "shards:\n  - {name: a, clients: 3, routes_per_client: 1, "
     "rr_capacity: 0}\n",
     "z.yaml:3: shards[0].rr_capacity: 0 is not allowed (allowed: > 0)"),
    ("negative-spine-capacity", C + "spines: {count: 1, capacity: -1.5}\n" + ONE_SHARD,
     "z.yaml:2: spines.capacity: -1.5 is not allowed (allowed: > 0)"),
    ("zero-speaker-capacity", C + "speakers:\n  - name: r\n    capacity: 0.0\n",
     "z.yaml:4: speakers[0].capacity: 0.0 is not allowed (allowed: > 0)"),
    ("infinite-capacity", C + "profiles:\n  slow: {base: frr, capacity: .inf}\n" + ONE_SHARD,
     "z.yaml:3: profiles.slow.capacity: inf is not allowed (allowed: a finite number)"),
    ("nan-seconds", C + "timers: {hold: .nan}\n" + ONE_SHARD,
     "z.yaml:2: timers.hold: nan is not allowed (allowed: a finite number)"),
    ("infinite-hold", C + "timers: {hold: .inf}\n" + ONE_SHARD,
     "z.yaml:2: timers.hold: inf is not allowed (allowed: a finite number)"),
    ("zero-clients", C + "shards:\n  - name: a\n    clients: 0\n    routes_per_client: 1\n",
     "z.yaml:4: shards[0].clients: 0 is not allowed (allowed: >= 1)"),
    ("negative-clients", C + "shards:\n  - {name: a, clients: -3, routes_per_client: 1}\n",
     "z.yaml:3: shards[0].clients: -3 is not allowed (allowed: >= 1)"),
    ("absurd-clients", C + "shards:\n  - {name: a, clients: 100000000000000000000, "
     "routes_per_client: 1}\n",
     "z.yaml:3: shards[0].clients: 100000000000000000000 is not allowed "
     "(allowed: <= 1000000)"),
    ("absurd-rrs", C + "shards:\n  - {name: a, rrs: 100000000, clients: 3, "
     "routes_per_client: 1}\n",
     "z.yaml:3: shards[0].rrs: 100000000 is not allowed (allowed: <= 100)"),
    ("zero-rrs", C + "shards:\n  - {name: a, rrs: 0, clients: 3, routes_per_client: 1}\n",
     "z.yaml:3: shards[0].rrs: 0 is not allowed (allowed: >= 1)"),
    ("zero-spines", C + "spines: {count: 0}\n" + ONE_SHARD,
     "z.yaml:2: spines.count: 0 is not allowed (allowed: >= 1)"),
    ("negative-routes", C + "speakers:\n  - {name: r, routes: -1}\n",
     "z.yaml:3: speakers[0].routes: -1 is not allowed (allowed: >= 0)"),
    ("zero-routes-per-update", C + "profiles:\n  slow: {base: frr, routes_per_update: 0}\n"
     + ONE_SHARD,
     "z.yaml:3: profiles.slow.routes_per_update: 0 is not allowed (allowed: >= 1)"),
    ("idle-hold-max-below-initial", C + "profiles:\n  slow: {base: frr, idle_hold_initial: 10,"
     " idle_hold_max: 5}\n" + ONE_SHARD,
     "z.yaml:3: profiles.slow.idle_hold_max: 5 < idle_hold_initial 10 "
     "(allowed: >= idle_hold_initial)"),
    # timers (RFC 4271 §4.2, §4.4, §10)
    ("hold-1", C + "timers: {hold: 1}\n" + ONE_SHARD,
     f"z.yaml:2: timers.hold: 1 s is not allowed (allowed: {HOLD_RULE})"),
    ("hold-2", C + "timers:\n  hold: 2\n  keepalive: 1\n" + ONE_SHARD,
     f"z.yaml:3: timers.hold: 2 s is not allowed (allowed: {HOLD_RULE})"),
    ("hold-2.5", C + "timers:\n  hold: 2.5\n" + ONE_SHARD,
     f"z.yaml:3: timers.hold: 2.5 s is not allowed (allowed: {HOLD_RULE})"),
    ("hold-2-in-shard", C + "shards:\n  - name: a\n    clients: 3\n    routes_per_client: 1\n"
     "    timers:\n      hold: 2\n",
     f"z.yaml:7: shards[0].timers.hold: 2 s is not allowed (allowed: {HOLD_RULE})"),
    ("hold-1-in-speaker", C + "speakers:\n  - name: r\n    timers: {hold: 1}\n",
     f"z.yaml:4: speakers[0].timers.hold: 1 s is not allowed (allowed: {HOLD_RULE})"),
    ("hold-1-in-spines", C + "spines:\n  count: 1\n  timers: {hold: 1}\n" + ONE_SHARD,
     f"z.yaml:4: spines.timers.hold: 1 s is not allowed (allowed: {HOLD_RULE})"),
    ("negative-hold", C + "timers: {hold: -1}\n" + ONE_SHARD,
     "z.yaml:2: timers.hold: -1 is not allowed (allowed: >= 0)"),
    ("hold-too-big", C + "timers: {hold: 65536}\n" + ONE_SHARD,
     "z.yaml:2: timers.hold: 65536 s is not allowed "
     "(allowed: <= 65535 (a 2-octet field, RFC 4271 §4.2))"),
    ("keepalive-above-hold", C + "timers:\n  hold: 9\n  keepalive: 10\n" + ONE_SHARD,
     "z.yaml:4: timers.keepalive: keepalive 10 s > hold 9 s "
     "(allowed: keepalive <= hold (RFC 4271 §10: hold/3))"),
    ("keepalive-above-inherited-hold", C + "timers: {hold: 90}\nshards:\n  - name: a\n"
     "    clients: 3\n    routes_per_client: 1\n    timers: {keepalive: 100}\n",
     "z.yaml:7: shards[0].timers.keepalive: keepalive 100 s > hold 90 s "
     "(allowed: keepalive <= hold (RFC 4271 §10: hold/3))"),
    ("keepalive-0-with-hold", C + "timers:\n  hold: 9\n  keepalive: 0\n" + ONE_SHARD,
     "z.yaml:4: timers.keepalive: 0 with a non-zero hold time would expire every session "
     "(allowed: > 0 and <= hold (9 s))"),
    ("keepalive-with-hold-0", C + "timers: {hold: 0, keepalive: 30}\n" + ONE_SHARD,
     "z.yaml:2: timers.keepalive: 30 s with hold 0 "
     "(allowed: 0 when hold is 0: no KEEPALIVEs (RFC 4271 §4.4))"),
    # sessions
    ("session-to-unknown-rr", C + TWO + "sessions:\n  - {rr: x, client: c}\n",
     "z.yaml:6: sessions[0].rr: unknown speaker 'x' (allowed: a name under speakers:)"),
    ("session-to-unknown-client", C + TWO + "sessions:\n  - {rr: r, client: c}\n"
     "  - rr: r\n    client: y\n",
     "z.yaml:8: sessions[1].client: unknown speaker 'y' (allowed: a name under speakers:)"),
    ("peers-with-unknown", C + TWO + "sessions:\n  - peers: [r, q]\n",
     "z.yaml:6: sessions[0].peers[1]: unknown speaker 'q' (allowed: a name under speakers:)"),
    ("rr-of-itself", C + TWO + "sessions:\n  - {rr: r, client: r}\n",
     "z.yaml:6: sessions[0].client: 'r' peers with itself (allowed: two different speakers)"),
    ("peers-with-itself", C + TWO + "sessions:\n  - {peers: [c, c]}\n",
     "z.yaml:6: sessions[0].peers[1]: 'c' peers with itself "
     "(allowed: two different speakers)"),
    ("peers-three-names", C + TWO + "sessions:\n  - {peers: [r, c, r]}\n",
     "z.yaml:6: sessions[0].peers: 3 names (allowed: exactly two speaker names)"),
    ("session-mixes-forms", C + TWO + "sessions:\n  - {rr: r, peers: [r, c]}\n",
     "z.yaml:6: sessions[0]: mixes 'peers' with 'rr'/'client' "
     "(allowed: {rr: X, client: Y} or {peers: [X, Y]})"),
    ("session-without-client", C + TWO + "sessions:\n  - {rr: r}\n",
     "z.yaml:6: sessions[0].client: required key is missing "
     "(allowed: {rr: X, client: Y} or {peers: [X, Y]})"),
    ("duplicate-session", C + TWO + "sessions:\n  - {rr: r, client: c}\n  - {rr: r, client: c}\n",
     "z.yaml:7: sessions[1]: duplicate session r~c (also sessions[0]) "
     "(allowed: one session per pair of speakers)"),
    ("duplicate-session-other-kind", C + TWO + "sessions:\n  - {rr: r, client: c}\n"
     "  - {peers: [c, r]}\n",
     "z.yaml:7: sessions[1]: duplicate session c~r (also sessions[0]) "
     "(allowed: one session per pair of speakers)"),
    ("rr-cycle-2", C + TWO + "sessions:\n  - {rr: r, client: c}\n  - {rr: c, client: r}\n",
     "z.yaml:6: sessions[0]: RR hierarchy has a cycle: r -> c -> r "
     "(each is the RR of the next) (allowed: a hierarchy without cycles)"),
    ("rr-cycle-3", C + "speakers:\n  - {name: a}\n  - {name: b}\n  - {name: c}\n  - {name: d}\n"
     "sessions:\n  - {rr: d, client: a}\n  - {rr: a, client: b}\n  - {rr: b, client: c}\n"
     "  - {rr: c, client: a}\n",
     "z.yaml:9: sessions[1]: RR hierarchy has a cycle: a -> b -> c -> a "
     "(each is the RR of the next) (allowed: a hierarchy without cycles)"),
    # duplicate names and keys
    ("duplicate-speaker", C + TWO + "  - {name: r}\n",
     "z.yaml:5: speakers[2].name: duplicate speaker name 'r' (also speakers[0]) "
     "(allowed: unique speaker names)"),
    ("duplicate-shard", C + "shards:\n  - {name: a, clients: 3, routes_per_client: 1}\n"
     "  - {name: b, clients: 3, routes_per_client: 1}\n"
     "  - {name: a, clients: 1, routes_per_client: 1}\n",
     "z.yaml:5: shards[2].name: duplicate shard name 'a' (also shards[0]) "
     "(allowed: unique shard names)"),
    ("duplicate-top-key", C + ONE_SHARD + "zone: y\n",
     "z.yaml:3: zone: duplicate key (allowed: each key once per mapping)"),
    ("duplicate-nested-key", C + "shards:\n  - name: a\n    clients: 3\n    clients: 4\n"
     "    routes_per_client: 1\n",
     "z.yaml:5: shards[0].clients: duplicate key (allowed: each key once per mapping)"),
    ("duplicate-profile", C + "profiles:\n  slow: {base: frr}\n  slow: {base: bird}\n"
     + ONE_SHARD,
     "z.yaml:4: profiles.slow: duplicate key (allowed: each key once per mapping)"),
    # empty zones, forms
    ("empty-file", "",
     "z.yaml:1: the file is empty (allowed: a compact (shards:) or explicit (speakers:) zone)"),
    ("only-comments", "# a zone\n\n# nothing yet\n",
     "z.yaml:1: the file is empty (allowed: a compact (shards:) or explicit (speakers:) zone)"),
    ("no-shards", C + "shards: []\n",
     "z.yaml:2: shards: must not be empty (allowed: at least 1 item(s))"),
    ("no-speakers", C + "timers: {hold: 9}\nspeakers: []\n",
     "z.yaml:3: speakers: must not be empty (allowed: at least 1 item(s))"),
    ("both-forms", C + ONE_SHARD + "speakers: [{name: x}]\n",
     "z.yaml:3: speakers: both 'shards' (compact form) and 'speakers' (explicit form) "
     "(allowed: one form per file)"),
    ("neither-form", C + "timers: {hold: 90}\n",
     "z.yaml:1: neither 'shards' (compact form) nor 'speakers' (explicit form) "
     "(allowed: a compact or explicit zone, see `bgpcascade schema`)"),
    # profiles
    ("unknown-rr-profile", C + "shards:\n  - {name: a, clients: 3, routes_per_client: 1, "
     "rr_profile: cisco}\n",
     f"z.yaml:3: shards[0].rr_profile: unknown profile 'cisco' (allowed: {BUILTINS})"),
    ("unknown-client-profile", C + "shards:\n  - name: a\n    clients: 3\n"
     "    routes_per_client: 1\n    client_profile: kvm\n",
     f"z.yaml:6: shards[0].client_profile: unknown profile 'kvm' (allowed: {BUILTINS})"),
    ("unknown-spine-profile", C + "profiles:\n  slow: {base: frr}\nspines: {count: 2, "
     "profile: junos}\n" + ONE_SHARD,
     f"z.yaml:4: spines.profile: unknown profile 'junos' (allowed: {BUILTINS}, slow)"),
    ("unknown-speaker-profile", C + "speakers:\n  - {name: r}\n  - {name: s, profile: FRR}\n",
     f"z.yaml:4: speakers[1].profile: unknown profile 'FRR' (allowed: {BUILTINS})"),
    ("unknown-base", C + "profiles:\n  slow:\n    base: junos\n" + ONE_SHARD,
     f"z.yaml:4: profiles.slow.base: unknown profile 'junos' (allowed: {BUILTINS}, slow)"),
    ("profile-without-base", C + "profiles:\n  slow:\n    capacity: 5\n" + ONE_SHARD,
     f"z.yaml:3: profiles.slow: a new profile needs a base (allowed: base: {BUILTINS})"),
    ("base-cycle-self", C + "profiles:\n  p1:\n    base: p1\n" + ONE_SHARD,
     "z.yaml:4: profiles.p1.base: cycle of bases: p1 -> p1 "
     "(allowed: a chain ending in a built-in)"),
    ("base-cycle-2", C + "profiles:\n  p1:\n    base: p2\n  p2:\n    base: p1\n" + ONE_SHARD,
     "z.yaml:6: profiles.p2.base: cycle of bases: p1 -> p2 -> p1 "
     "(allowed: a chain ending in a built-in)"),
    ("base-cycle-3", C + "profiles:\n  p0: {base: p1}\n  p1: {base: p2}\n  p2: {base: p3}\n"
     "  p3: {base: p1}\n" + ONE_SHARD,
     "z.yaml:6: profiles.p3.base: cycle of bases: p1 -> p2 -> p3 -> p1 "
     "(allowed: a chain ending in a built-in)"),
    # literal values
    ("keepalive-rx-bogus", C + "profiles:\n  slow:\n    base: frr\n    keepalive_rx: bogus\n"
     + ONE_SHARD,
     "z.yaml:5: profiles.slow.keepalive_rx: 'bogus' is not allowed "
     "(allowed: 'fifo', 'io-thread', 'rearm-on-backlog')"),
    ("keepalive-tx-bogus", C + "profiles:\n  slow: {base: frr, keepalive_tx: urgent}\n"
     + ONE_SHARD,
     "z.yaml:3: profiles.slow.keepalive_tx: 'urgent' is not allowed "
     "(allowed: 'fifo', 'priority', 'main-loop')"),
    ("graceful-restart-bogus", C + "profiles:\n  slow: {base: frr, graceful_restart: on}\n"
     + ONE_SHARD,
     "z.yaml:3: profiles.slow.graceful_restart: True is not allowed "
     "(allowed: 'off', 'helper', 'notification')"),
    ("cluster-id-mode-bogus", C + "shards:\n  - {name: a, clients: 3, routes_per_client: 1, "
     "cluster_id: 10.0.0.1}\n",
     "z.yaml:3: shards[0].cluster_id: '10.0.0.1' is not allowed "
     "(allowed: 'shared', 'per-rr')"),
    # names
    ("speaker-name-tilde", C + "speakers:\n  - {name: 'a~b'}\n",
     f"z.yaml:3: speakers[0].name: name 'a~b' is not allowed (allowed: {NAME_RULE})"),
    ("speaker-name-space", C + "speakers:\n  - {name: r}\n  - name: hv 1\n",
     f"z.yaml:4: speakers[1].name: name 'hv 1' is not allowed (allowed: {NAME_RULE})"),
    ("shard-name-at", C + "shards:\n  - {name: a@1, clients: 3, routes_per_client: 1}\n",
     f"z.yaml:3: shards[0].name: name 'a@1' is not allowed (allowed: {NAME_RULE})"),
    ("zone-name-space", "zone: my zone\n" + ONE_SHARD,
     f"z.yaml:1: zone: name 'my zone' is not allowed (allowed: {NAME_RULE})"),
    ("profile-name-tilde", C + "profiles:\n  'x~y': {base: frr}\n" + ONE_SHARD,
     f"z.yaml:3: profiles.x~y: name 'x~y' is not allowed (allowed: {NAME_RULE})"),
    ("speaker-name-leading-dash", C + "speakers:\n  - {name: -r}\n",
     f"z.yaml:3: speakers[0].name: name '-r' is not allowed (allowed: {NAME_RULE})"),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in ERRORS])
def test_error_is_one_exact_line(text: str, expected: str) -> None:
    with pytest.raises(InputError) as info:
        load_zone(text, source="z.yaml")
    assert str(info.value) == expected
    assert info.value.source == "z.yaml"
    assert str(info.value.line) == expected.split(":")[1]


def test_error_ids_are_unique() -> None:
    ids = [i for i, _, _ in ERRORS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        pytest.param(C + "shards: [{name: a, clients: 3\n",
                     r"z\.yaml:3: invalid YAML: [^\n]+", id="unclosed-flow"),
        pytest.param(C + "shards:\n  - name: a\n   clients: 3\n",
                     r"z\.yaml:4: invalid YAML: [^\n]+", id="bad-indent"),
        pytest.param(C + "\tshards: 1\n", r"z\.yaml:2: invalid YAML: [^\n]*tab[^\n]*",
                     id="tab"),
        pytest.param(C + ONE_SHARD + "---\nzone: y\n", r"z\.yaml:3: invalid YAML: [^\n]+",
                     id="two-documents"),
        pytest.param(C + "shards: *nowhere\n", r"z\.yaml:2: invalid YAML: [^\n]+",
                     id="unknown-alias"),
        pytest.param("zone: z\nshards: " + "[" * 2000 + "]" * 2000 + "\n",
                     r"z\.yaml:2: invalid YAML: [^\n]+", id="too-deep"),
    ],
)
def test_invalid_yaml_is_one_line_with_its_line(text: str, pattern: str) -> None:
    with pytest.raises(InputError) as info:
        load_zone(text, source="z.yaml")
    assert re.fullmatch(pattern, str(info.value)), str(info.value)


def test_first_error_in_file_order_is_reported() -> None:
    text = C + "shards:\n  - {name: a, clients: 0, routes_per_client: -1}\nfoo: 1\n"
    with pytest.raises(InputError, match=r"^z\.yaml:3: shards\[0\]\.clients: "):
        load_zone(text, source="z.yaml")


def test_source_defaults_to_string_marker() -> None:
    with pytest.raises(InputError) as info:
        load_zone("zone: z\nfoo: 1\n" + ONE_SHARD)
    assert str(info.value).startswith("<string>:2: foo: unknown key")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(C + "timers: {hold: 0}\n" + ONE_SHARD, id="hold-0"),
        pytest.param(C + "timers: {hold: 3}\n" + ONE_SHARD, id="hold-3"),
        pytest.param(C + "timers: {hold: 3.0, keepalive: 0.5}\n" + ONE_SHARD, id="hold-3.0"),
        pytest.param(C + "timers:\n" + ONE_SHARD, id="empty-timers"),
        pytest.param(C + "profiles:\n  slow: {base: frr, graceful_restart: off}\n" + ONE_SHARD,
                     id="bare-off-is-off"),
        pytest.param(C + "profiles:\n  frr: {capacity: 5}\n" + ONE_SHARD,
                     id="override-builtin-in-place"),
        pytest.param(C + "profiles:\n  slow: {base: fast}\n  fast: {base: bird}\n" + ONE_SHARD,
                     id="base-declared-later"),
        pytest.param(C + "shards:\n  - &s {name: a, clients: 3, routes_per_client: 1}\n"
                     "  - {<<: *s, name: b}\n", id="yaml-merge-key-override"),
        pytest.param(C + "profiles:\n  'yes': {base: frr}\n" + ONE_SHARD,
                     id="quoted-key-is-text"),
        pytest.param('{"zone": "z", "shards": [{"name": "a", "clients": 3, '
                     '"routes_per_client": 1}]}', id="json-is-yaml"),
        pytest.param("\ufeff" + C + ONE_SHARD, id="byte-order-mark"),
        pytest.param(C.replace("\n", "\r\n") + ONE_SHARD.replace("\n", "\r\n"), id="crlf"),
        pytest.param(C + "speakers:\n  - {name: r}\n", id="one-speaker-no-sessions"),
        pytest.param(C + "speakers:\n  - {name: r, cluster_id: 10.0.0.1}\n  - {name: c}\n"
                     "sessions: []\n", id="empty-sessions"),
        pytest.param(C + "speakers:\n  - {name: a_1.b-2}\n", id="name-charset"),
    ],
)
def test_accepted(text: str) -> None:
    load_zone(text, source="z.yaml")


def test_bare_off_reads_as_off_and_builtin_override() -> None:
    zone = z(C + "profiles:\n  slow: {base: bird, graceful_restart: off}\n"
             "  frr: {capacity: 5}\n" + ONE_SHARD)
    assert zone.profiles["slow"].graceful_restart == "off"
    assert zone.profiles["frr"].capacity == 5
    assert zone.profiles["frr"].update_groups is True  # the rest of built-in frr


@pytest.mark.parametrize("profiles", [
    "  slow: {base: appliance, capacity: 5000}\n  slower: {base: slow, cost_msg: 2}\n",
    "  slower: {base: slow, cost_msg: 2}\n  slow: {base: appliance, capacity: 5000}\n",
])
def test_a_base_is_the_files_own_profile_whatever_the_order(profiles: str) -> None:
    """A profile based on one of the file's own profiles inherits it, whether it comes
    before or after it, and also when the file overrides a built-in of that name."""
    z = load_zone("zone: z\nprofiles:\n" + profiles + "  frr: {capacity: 40000}\n"
                  "  frr-more: {base: frr, cost_msg: 3}\n"
                  "shards: [{name: a, rr_profile: slower, clients: 2, routes_per_client: 1},"
                  " {name: b, rr_profile: frr-more, clients: 2, routes_per_client: 1}]\n")
    slower = z.profile_of(z.group("a-rr1"))
    assert (slower.capacity, slower.cost_msg, slower.keepalive_tx) == (5000, 2, "main-loop")
    more = z.profile_of(z.group("b-rr1"))
    assert (more.capacity, more.cost_msg) == (40000, 3)


def test_yaml_merge_key_override() -> None:
    zone = z(C + "shards:\n  - &s {name: a, clients: 3, routes_per_client: 1}\n"
             "  - {<<: *s, name: b, clients: 2}\n")
    assert speakers(zone)[-4:] == ["b-rr1", "b-rr2", "b-c1", "b-c2"]
    assert group_of(zone, "b-c1").routes == 1


# ---------------------------------------------------------------------------------------
# Property: whatever the values, the loader answers with a Zone or ONE InputError line

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.integers(-3, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "a", "a~b", "a b", "shared", "frr", "fifo", "10.0.0.1", "-"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["name", "hold", "base", "x"]), inner, max_size=3),
    max_leaves=6,
)

TEMPLATE_COMPACT: dict[str, Any] = yaml.safe_load(ISSUE_COMPACT.replace("800", "8"))
TEMPLATE_EXPLICIT: dict[str, Any] = yaml.safe_load("""\
zone: t
timers: {hold: 9, keepalive: 3, connect_retry: 5}
profiles: {slow: {base: appliance, capacity: 100, keepalive_rx: io-thread}}
speakers:
  - {name: rr1, profile: slow, cluster_id: 10.0.0.1, capacity: 50}
  - {name: rr2, cluster_id: 1, client_to_client: false, dynamic_neighbors: true}
  - {name: hv1, routes: 20, timers: {hold: 30}, shard: s}
sessions:
  - {peers: [rr1, rr2]}
  - {rr: rr1, client: hv1}
  - {rr: rr2, client: hv1}
""")


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_zones(draw: st.DrawFn) -> str:
    doc = copy.deepcopy(draw(st.sampled_from([TEMPLATE_COMPACT, TEMPLATE_EXPLICIT])))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(doc)[1:]))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        if draw(st.integers(0, 4)) == 0 and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(VALUES)
        if not isinstance(doc, dict) or not doc:
            break
    return dump(doc)


@settings(max_examples=80, deadline=None)
@given(mutated_zones())
def test_any_input_gives_a_zone_or_one_line(text: str) -> None:
    try:
        load_zone(text, source="m.yaml")
    except InputError as exc:
        msg = str(exc)
        assert "\n" not in msg and "Traceback" not in msg
        assert re.match(r"m\.yaml:\d+: ", msg), msg


SPECIAL: list[Any] = [float("inf"), float("nan"), 10**20, -1, 0, 2.5, True, None, "x~y", []]


def test_every_field_with_every_odd_value() -> None:
    """Each key of both templates, set to each odd value: a Zone or ONE InputError line."""
    failures = []
    for template in (TEMPLATE_COMPACT, TEMPLATE_EXPLICIT):
        for path in _paths(template)[1:]:
            for value in SPECIAL:
                doc = copy.deepcopy(template)
                parent = doc
                for part in path[:-1]:
                    parent = parent[part]
                parent[path[-1]] = value
                try:
                    load_zone(dump(doc), source="o.yaml")
                except InputError as exc:
                    if not re.fullmatch(r"o\.yaml:\d+: [^\n]+", str(exc)):
                        failures.append((path, value, str(exc)))
                except Exception as exc:  # the bug this test is for
                    failures.append((path, value, repr(exc)))
    assert not failures


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_a_zone_or_one_line(text: str) -> None:
    try:
        load_zone(text, source="t.yaml")
    except InputError as exc:
        msg = str(exc)
        assert "\n" not in msg and "Traceback" not in msg
        assert re.match(r"t\.yaml:\d+: ", msg), msg


def test_no_message_has_a_newline_or_traceback() -> None:
    texts = [t for _, t, _ in ERRORS] + [
        C + "speakers:\n  - {name: \"a\\nb\"}\n",
        C + "\"fo\\no\": 1\n" + ONE_SHARD,
        C + "speakers:\n  - {name: r}\nsessions:\n  - {rr: r, client: \"x\\ny\"}\n",
    ]
    for text in texts:
        with pytest.raises(InputError) as info:
            load_zone(text, source="z.yaml")
        msg = str(info.value)
        assert "\n" not in msg and "Traceback" not in msg, msg
        assert msg == info.value.one_line()


# ---------------------------------------------------------------------------------------
# Files: bgpcascade.io.load_zone_file


def test_load_zone_file_examples(repo_root: Path) -> None:
    for path in sorted((repo_root / "examples").glob("*.yaml")):
        zone = load_zone_file(path)
        assert zone.source == str(path)
        assert zone.speaker_count > 0 and zone.total_sessions > 0
    demo = load_zone_file("builtin:fr-par-like")
    assert demo.name == "fr-par-like"
    assert group_of(demo, "a-c800").profile == "frr"
    assert group_of(demo, "a-rr1").profile == "appliance"


def test_load_zone_file_reports_the_path_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("zone: z\nshards:\n  - {name: a, clients: 0, routes_per_client: 1}\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_zone_file(path)
    assert str(info.value) == (f"{path}:3: shards[0].clients: 0 is not allowed "
                               "(allowed: >= 1)")


def test_load_zone_file_missing(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as info:
        load_zone_file(path)
    assert str(info.value) == (f"{path}: no such file "
                               "(allowed: a zone file path, or builtin:fr-par-like)")


def test_load_zone_file_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_zone_file(tmp_path)
    assert str(info.value) == f"{tmp_path}: is a directory (allowed: a zone file)"


def test_load_zone_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("zone: café\n".encode("latin-1"))
    with pytest.raises(InputError) as info:
        load_zone_file(path)
    assert str(info.value) == (f"{path}: not UTF-8 text (byte 9) "
                               "(allowed: a UTF-8 YAML file)")


def test_load_zone_file_unknown_builtin() -> None:
    with pytest.raises(InputError) as info:
        load_zone_file("builtin:nowhere")
    assert str(info.value) == ("builtin:nowhere: unknown built-in zone 'nowhere' "
                               "(allowed: builtin:fr-par-like)")


# ---------------------------------------------------------------------------------------
# Schema and docs


def test_json_schema_has_both_forms() -> None:
    schema = zone_json_schema()
    assert [ref["$ref"] for ref in schema["oneOf"]] == [
        "#/$defs/CompactZoneSpec", "#/$defs/ExplicitZoneSpec"]
    defs = schema["$defs"]
    assert defs["CompactZoneSpec"]["required"] == ["zone", "shards"]
    assert defs["ExplicitZoneSpec"]["required"] == ["zone", "speakers"]
    assert defs["ShardSpec"]["additionalProperties"] is False
    assert defs["ShardSpec"]["properties"]["clients"]["maximum"] == 1_000_000


@pytest.mark.parametrize(
    "spec",
    [CompactZoneSpec, ExplicitZoneSpec, TimersSpec, ProfileSpec, SpinesSpec, ShardSpec,
     SpeakerSpec, SessionSpec],
)
def test_every_key_is_documented(repo_root: Path, spec: type[BaseModel]) -> None:
    doc = (repo_root / "docs" / "zone-format.md").read_text(encoding="utf-8")
    missing = [key for key in spec.model_fields if f"`{key}`" not in doc]
    assert not missing, f"docs/zone-format.md does not document {missing}"


@pytest.mark.parametrize("value", ["0", "0.5", "70000"])
def test_connect_retry_out_of_range(value: str) -> None:
    text = f"zone: x\ntimers: {{connect_retry: {value}}}\n" \
           "shards: [{name: a, clients: 1, routes_per_client: 1}]\n"
    with pytest.raises(InputError) as exc:
        load_zone(text, source="z.yaml")
    assert str(exc.value) == (f"z.yaml:2: timers.connect_retry: {value} s is not allowed "
                              "(allowed: 1..65535 seconds (FRR `timers connect` range; "
                              "RFC 4271 §10: 120))")


def test_topology_counts_names_and_session_keepalives() -> None:
    """The counts and names the reports print: ``client_count`` is every speaker that is
    not an RR; a name range reads ``a-c1..a-c3`` (one name when it has one) and refuses
    an index outside it; a session's keepalive is the configured one capped at a third
    of the negotiated hold (RFC 4271 §4.2, §10), and 0 when either side proposes 0."""
    zone = z("zone: z\nshards: [{name: a, rrs: 2, clients: 3, routes_per_client: 1},"
             " {name: b, rrs: 1, clients: 1, routes_per_client: 1}]\n")
    assert zone.client_count == 4 and zone.speaker_count == 7
    names = group_of(zone, "a-c1").names
    assert isinstance(names, NameRange) and names.describe() == "a-c1..a-c3"
    assert group_of(zone, "b-c1").names.describe() == "b-c1"
    assert names[2] == "a-c3"
    for bad in (-1, 3):
        with pytest.raises(IndexError):
            names[bad]
    def keepalive(local: Timers, remote: Timers) -> tuple[Fraction, Fraction]:
        return session_keepalive(local.hold, local.keepalive, remote.hold)

    t = Timers
    assert keepalive(t(Fraction(90), Fraction(30)), t(Fraction(9), Fraction(3))) == (9, 3)
    assert keepalive(t(Fraction(90), Fraction(60)), t(Fraction(90), Fraction(30))) == (90, 30)
    assert keepalive(t(Fraction(0), Fraction(0)), t(Fraction(90), Fraction(30))) == (0, 0)


def test_costs_and_factors_may_be_fractions_or_zero() -> None:
    """A cost of 0.02 work units per route per peer (FRR's packet copy) or 0 is valid."""
    zone = z("""
        zone: z
        profiles:
          p: {base: frr, cost_tx_peer_route: 0.5, cost_msg: 0, send_hold_factor: 0.5,
              dynamic_neighbor_limit: 1}
        shards: [{name: a, clients: 3, routes_per_client: 1, rr_profile: p}]
        """)
    p = zone.profiles["p"]
    assert (p.cost_tx_peer_route, p.cost_msg, p.send_hold_factor) == (0.5, 0, 0.5)
    assert p.dynamic_neighbor_limit == 1


def test_a_shard_with_hold_zero_drops_the_inherited_keepalive() -> None:
    """RFC 4271 §4.4: with hold 0 no KEEPALIVEs are sent. A shard that sets hold 0 under
    a zone keepalive of 30 gets keepalive 0 (hold/3, §10), not an error and not 30."""
    zone = z("""
        zone: z
        timers: {hold: 90, keepalive: 30}
        shards: [{name: a, clients: 3, routes_per_client: 1, timers: {hold: 0}}]
        """)
    assert (zone.group("a-rr1").timers.hold, zone.group("a-rr1").timers.keepalive) == (0, 0)


def test_two_profiles_may_share_a_base_of_the_file() -> None:
    zone = z("""
        zone: z
        profiles:
          slow: {base: appliance, capacity: 2000}
          slower: {base: slow, capacity: 500}
          slowest: {base: slow, capacity: 100}
        shards: [{name: a, clients: 3, routes_per_client: 1, rr_profile: slowest}]
        """)
    assert [zone.profiles[n].capacity for n in ("slow", "slower", "slowest")] == [2000, 500, 100]
    assert zone.profiles["slowest"].keepalive_tx == "main-loop"


def test_an_unknown_first_peer_is_named_by_its_position() -> None:
    with pytest.raises(InputError) as exc:
        z("""
            zone: z
            speakers: [{name: a}, {name: b}]
            sessions: [{peers: [q, b]}]
            """)
    assert exc.value.field == "sessions[0].peers[0]"


def test_interchangeable_peers_merge_whichever_way_their_sessions_are_written() -> None:
    """An iBGP session has no direction: p1 and p2 each peer with the RR q (written
    [p1, q] and [q, p2]) and with nothing else, so they are one group of two."""
    zone = z("""
        zone: z
        speakers: [{name: q}, {name: p1, routes: 5}, {name: p2, routes: 5}, {name: c}]
        sessions:
          - {rr: q, client: c}
          - {peers: [p1, q]}
          - {peers: [q, p2]}
        """)
    assert [g.key for g in zone.groups] == ["q", "[p1..p2]", "c"]
    assert zone.group("[p1..p2]").count == 2 and zone.group("[p1..p2]").role == "peer"


@pytest.mark.parametrize(("char", "line", "lead"), [("\x07", 4, ""), ("\ufffe", 2, ""),
                                                   ("\x07", 5, "\n")])
def test_a_character_yaml_refuses_is_reported_on_its_own_line(char: str, line: int,
                                                               lead: str) -> None:
    """YAML 1.1 §5.1: control characters are not allowed; the error names the line
    they are on, not line 1 (a blank first line counts as a line)."""
    lines = ["zone: z", "shards:", "  - {name: a, clients: 3, routes_per_client: 1}",
             "# a comment"]
    lines[line - 1 - lead.count("\n")] += f" {char}"
    with pytest.raises(InputError) as exc:
        load_zone(lead + "\n".join(lines) + "\n", source="z.yaml")
    assert exc.value.line == line and f"#x{ord(char):04x}" in exc.value.problem
    assert "\n" not in str(exc.value)


def test_spines_originate_no_routes_unless_told() -> None:
    """Spines are route reflectors of the RR tier: by default they originate nothing, so
    they add no route class (docs/zone-format.md, spines: ``routes`` 0)."""
    zone = z("""
        zone: z
        spines: {count: 2}
        shards: [{name: a, clients: 3, routes_per_client: 1}]
        """)
    assert [g.routes for g in zone.groups if g.tier == 0] == [0, 0]
    told = z("""
        zone: z
        spines: {count: 2, routes: 4}
        shards: [{name: a, clients: 3, routes_per_client: 1}]
        """)
    assert [g.routes for g in told.groups if g.tier == 0] == [4, 4]
