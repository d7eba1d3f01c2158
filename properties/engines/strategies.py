"""Hypothesis strategies for route-reflector zones, loads and triggers.

:func:`zone_specs` draws compact zone files (docs/zone-format.md) covering both designs
(a flat RR mesh and a spine/leaf RR hierarchy), with shard sizes, RR counts, CLUSTER_ID
sharing, implementations (profiles), timers and routes per client. Every choice shrinks
toward the small and simple: one shard, two clients, two FRR RRs, per-RR cluster ids, the
zone's default timers. ``bgpcascade explore`` and the test suite use them; so can your
own tests::

    from hypothesis import given
    from bgpcascade.properties.engines.strategies import zone_texts

    @given(zone_texts(max_clients=50))
    def test_my_invariant(text): ...
"""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import strategies as st

#: Implementations to draw from, simplest (the default) first: shrinking goes to frr.
PROFILES = ("frr", "bird", "gobgp", "openbgpd", "appliance")
#: Hold times (s), FRR's default first; keepalive is hold/3.
HOLDS = (90, 9, 30, 180, 240)


@st.composite
def zone_specs(draw: st.DrawFn, /, *, max_shards: int = 4, max_clients: int = 400,
               max_routes: int = 300, profiles: tuple[str, ...] = PROFILES,
               min_rrs: int = 1) -> dict[str, Any]:
    """A compact zone as data (a dict ready for ``yaml.safe_dump``); every shard has at
    least ``min_rrs`` RRs (2: no client is single-homed)."""
    spines = draw(st.booleans(), label="spine tier")
    n = draw(st.integers(1, max_shards), label="shards")
    hold = draw(st.sampled_from(HOLDS), label="hold")
    spec: dict[str, Any] = {"zone": "generated",
                            "timers": {"hold": hold, "connect_retry": 5}}
    if spines:
        spec["spines"] = {"count": draw(st.integers(1, 3), label="spines"),
                          "profile": draw(st.sampled_from(profiles), label="spine profile")}
        if draw(st.booleans(), label="spines share a cluster id"):
            spec["spines"]["cluster_id"] = "shared"
    shards = []
    for i in range(n):
        shard: dict[str, Any] = {
            "name": chr(ord("a") + i),
            "rrs": draw(st.sampled_from([k for k in (2, 1, 3) if k >= min_rrs]),
                        label="rrs"),
            "rr_profile": draw(st.sampled_from(profiles), label="rr profile"),
            "clients": draw(st.integers(2, max_clients), label="clients"),
            "routes_per_client": draw(st.integers(1, max_routes), label="routes"),
        }
        if draw(st.booleans(), label="shared cluster id"):
            shard["cluster_id"] = "shared"
        shards.append(shard)
    spec["shards"] = shards
    return spec


def zone_texts(**kw: Any) -> st.SearchStrategy[str]:
    """:func:`zone_specs` as zone-file text."""
    return zone_specs(**kw).map(lambda spec: yaml.safe_dump(spec, sort_keys=False))


@st.composite
def scenarios(draw: st.DrawFn, /, **kw: Any) -> tuple[dict[str, Any], int, int]:
    """A zone, which of its session groups flaps (an index into the representative
    flaps, taken modulo their number) and when: an offset in seconds after the base time,
    taken modulo the flapped session's KEEPALIVE cycle (``explore``: every second of one
    cycle, docs/model.md "Every offset"). Shrinks toward the first session group of the
    smallest zone, flapping at the base time."""
    spec = draw(zone_specs(**kw), label="zone")
    flap = draw(st.integers(0, 10_000), label="flap")
    # At most the longest KEEPALIVE cycle of HOLDS (240 / 3 s), so shrinking is short.
    offset = draw(st.integers(0, max(HOLDS) // 3 - 1), label="offset")
    return spec, flap, offset
