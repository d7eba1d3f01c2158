"""RFC 4456 route reflection: hand-checked rules, and symmetry against per-speaker runs."""

from __future__ import annotations

import textwrap

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bgpcascade.model.reflection import (
    View,
    origin_view,
    propagate,
    reachability,
    rib_figures,
    sent_copies,
)
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.static import lint


def explicit(speakers: str, sessions: str) -> str:
    return f"zone: t\nspeakers:\n{textwrap.indent(speakers, '  ')}\n" \
           f"sessions:\n{textwrap.indent(sessions, '  ')}\n"


def prop_from(text: str, speaker: str):  # type: ignore[no-untyped-def]
    zone = load_zone(text)
    view = View.from_zone(zone, expand=True)
    return view, propagate(view, speaker)


def test_non_rr_does_not_readvertise_ibgp_routes() -> None:
    # a - b - c plain iBGP chain: RFC 4271 §9.2 split horizon, c never hears of a.
    text = explicit("- {name: a, routes: 1}\n- {name: b}\n- {name: c}",
                    "- {peers: [a, b]}\n- {peers: [b, c]}")
    _, prop = prop_from(text, "a")
    assert prop.learns("b") and not prop.learns("c")


def test_client_route_reflected_to_clients_and_non_clients() -> None:
    # RFC 4456 §6: from a client -> clients and non-clients; cluster list gets the RR's id.
    text = explicit("- {name: rr, cluster_id: 7}\n- {name: x, routes: 1}\n- {name: y}\n"
                    "- {name: p}", "- {rr: rr, client: x}\n- {rr: rr, client: y}\n"
                    "- {peers: [rr, p]}")
    _, prop = prop_from(text, "x")
    assert prop.adv[("rr", "y")].cluster_list == ("7",)
    assert prop.adv[("rr", "y")].originator == "x"
    assert prop.learns("y") and prop.learns("p")


def test_non_client_route_reflected_to_clients_only() -> None:
    text = explicit("- {name: rr}\n- {name: y}\n- {name: p, routes: 1}\n- {name: q}",
                    "- {rr: rr, client: y}\n- {peers: [rr, p]}\n- {peers: [rr, q]}")
    _, prop = prop_from(text, "p")
    assert prop.learns("y")
    assert not prop.learns("q")  # non-client to non-client: never reflected


def test_originator_id_drops_own_route_but_frr_still_sends_it() -> None:
    text = explicit("- {name: rr}\n- {name: x, routes: 1}\n- {name: y}",
                    "- {rr: rr, client: x}\n- {rr: rr, client: y}")
    view, prop = prop_from(text, "x")
    assert ("rr", "x") in prop.adv  # FRR update-group sends it back (validation.md, 1)
    assert not prop.learns("x")  # ... and x drops it: ORIGINATOR_ID is its own
    assert sent_copies(view, prop)["rr"] == 2


def test_split_horizon_profile_does_not_send_back() -> None:
    text = explicit("- {name: rr, profile: bird}\n- {name: x, routes: 1}\n- {name: y}",
                    "- {rr: rr, client: x}\n- {rr: rr, client: y}")
    view, prop = prop_from(text, "x")
    assert ("rr", "x") not in prop.adv
    assert sent_copies(view, prop)["rr"] == 1


def test_cluster_list_loop_check_with_shared_cluster_id() -> None:
    # RFC 4456 §8: rr2 drops what rr1 reflects, because both use CLUSTER_ID 1.
    shared = explicit("- {name: rr1, cluster_id: 1}\n- {name: rr2, cluster_id: 1}\n"
                      "- {name: x, routes: 1}\n- {name: y}",
                      "- {peers: [rr1, rr2]}\n- {rr: rr1, client: x}\n- {rr: rr2, client: y}")
    _, prop = prop_from(shared, "x")
    assert ("rr1", "rr2") in prop.adv and not prop.learns("rr2") and not prop.learns("y")
    distinct = shared.replace("{name: rr2, cluster_id: 1}", "{name: rr2, cluster_id: 2}")
    _, prop = prop_from(distinct, "x")
    assert prop.learns("y")
    assert prop.adv[("rr2", "y")].cluster_list == ("2", "1")


def test_shorter_cluster_list_is_preferred() -> None:
    # rr2 hears x directly from rr1 ([1]) and through rr3 ([3, 1]); it keeps the shorter.
    text = explicit("- {name: rr1, cluster_id: 1}\n- {name: rr3, cluster_id: 3}\n"
                    "- {name: rr2, cluster_id: 2}\n- {name: x, routes: 1}\n- {name: y}",
                    "- {peers: [rr1, rr2]}\n- {rr: rr3, client: rr1}\n"
                    "- {rr: rr3, client: rr2}\n- {rr: rr1, client: x}\n"
                    "- {rr: rr2, client: y}")
    _, prop = prop_from(text, "x")
    assert prop.best["rr2"] is not None
    assert prop.best["rr2"].cluster_list == ("1",)
    assert prop.paths["rr2"] == 2


def test_client_to_client_off() -> None:
    text = explicit("- {name: rr, client_to_client: false}\n- {name: x, routes: 1}\n"
                    "- {name: y}\n- {name: p}",
                    "- {rr: rr, client: x}\n- {rr: rr, client: y}\n- {peers: [rr, p]}")
    _, prop = prop_from(text, "x")
    assert not prop.learns("y") and prop.learns("p")


def test_hierarchy_cluster_list_grows_per_level() -> None:
    zone = load_zone("zone: t\nspines: {count: 1}\nshards:\n"
                     "  - {name: a, rrs: 1, clients: 2, routes_per_client: 1}\n"
                     "  - {name: b, rrs: 1, clients: 2, routes_per_client: 1}\n")
    view = View.from_zone(zone, expand=True)
    prop = propagate(view, "a-c1")
    # Per-RR CLUSTER_IDs are the RRs' router ids (RFC 4456 §7): spine1 10.0.0.1,
    # a-rr1 10.0.0.2, b-rr1 10.0.0.5 (declaration-order defaults, docs/zone-format.md).
    assert prop.adv[("b-rr1", "b-c1")].cluster_list == ("10.0.0.5", "10.0.0.1", "10.0.0.2")


def test_single_rr_reset_matches_frr_lab_counts() -> None:
    # FRR lab (docs/implementations.md): 20 clients x 1000 routes, clear one client on
    # the RR: the other clients received 19,000 withdrawals and 19,000 re-announcements.
    zone = load_zone("zone: t\nshards: [{name: a, rrs: 1, clients: 20, "
                     "routes_per_client: 1000}]\n")
    reset = lint(zone).table("reset_cost")
    row = dict(zip(reset.columns, reset.rows[0], strict=True))
    assert row["withdrawn"] == 19_000
    assert row["restored"] == 19_000
    # Re-establishment: the client's 1000 up, the RR's Adj-RIB-Out (19 x 1000 + its own
    # 1000 sent back by FRR) down.
    assert row["resent"] == 21_000


# -- symmetry: grouped analysis == per-speaker analysis ---------------------------------

compact_zones = st.builds(
    lambda spines, shards, shared: "zone: t\ntimers: {hold: 9}\n"
    + (f"spines: {{count: {spines}}}\n" if spines else "")
    + "shards:\n" + "".join(
        f"  - {{name: s{i}, rrs: {rrs}, clients: {c}, routes_per_client: {r}, "
        f"cluster_id: {'shared' if shared[i % len(shared)] else 'per-rr'}, "
        f"client_to_client: {'true' if c2c else 'false'}}}\n"
        for i, (rrs, c, r, c2c) in enumerate(shards)),
    st.integers(0, 2),
    st.lists(st.tuples(st.integers(1, 2), st.integers(1, 4), st.integers(0, 3),
                       st.booleans()), min_size=1, max_size=3),
    st.lists(st.booleans(), min_size=1, max_size=3),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(compact_zones)
def test_grouped_equals_expanded(text: str) -> None:
    zone = load_zone(text)
    grouped, expanded = View.from_zone(zone), View.from_zone(zone, expand=True)
    assert reachability(grouped).missing == reachability(expanded).missing
    fg, fe = rib_figures(grouped), rib_figures(expanded)
    for g in zone.groups:
        first = g.names[0] if g.count > 1 else g.key
        assert fg.paths_in[g.key] == fe.paths_in[first]
        assert fg.routes_best[g.key] == fe.routes_best[first]
        assert fg.copies_out[g.key] == fe.copies_out[first]
    # One change at the first client of each group: the same total copies either way.
    for g in zone.groups:
        if g.is_rr or g.routes == 0:
            continue
        vg, og = origin_view(grouped, g.key)
        total_g = sum(sent_copies(vg, propagate(vg, og)).values())
        total_e = sum(sent_copies(expanded, propagate(expanded, g.names[0])).values())
        assert total_g == total_e


@settings(max_examples=25, deadline=None)
@given(compact_zones, st.data())
def test_failure_split_equals_expanded(text: str, data: st.DataObject) -> None:
    zone = load_zone(text)
    s = data.draw(st.sampled_from(zone.sessions))
    a = zone.group(s.a).names[data.draw(st.integers(0, zone.group(s.a).count - 1))]
    b = zone.group(s.b).names[data.draw(st.integers(0, zone.group(s.b).count - 1))]
    grouped, expanded = View.from_zone(zone), View.from_zone(zone, expand=True)
    grouped.remove_session(a, b)
    expanded.remove_session(a, b)
    assert reachability(grouped).missing == reachability(expanded).missing


def test_huge_compact_zone_is_never_expanded() -> None:
    # docs/model.md: compact zones of 5,000+ clients are analysed per shard, not per client.
    zone = load_zone("zone: big\nspines: {count: 2}\nshards:\n"
                     "  - {name: a, rrs: 2, clients: 1000000, routes_per_client: 150}\n"
                     "  - {name: b, rrs: 2, clients: 400000, routes_per_client: 150}\n")
    view = View.from_zone(zone)
    assert len(view.nodes) == len(zone.groups) == 8
    result = lint(zone)
    assert result.ok
    reset = dict((r[0], r) for r in result.table("reset_cost").rows)
    # One client reset on a-rr1: its routes withdrawn from every other client, via both
    # RRs' groups, as counts, not lists.
    assert reset["a-c1~a-rr1"][2] == 1_000_000  # like_it: sessions of that shape


def test_split_keeps_every_member_and_session_exactly_once() -> None:
    """Found by mutation testing (docs/validation.md): View.split's member bookkeeping
    was not pinned by any reflection test. Splitting the first, the last and a middle
    member of a group leaves every other member in one remainder node, with the same
    sessions, and the node keys name exactly who is in them."""
    from bgpcascade.model.reflection import View

    zone = load_zone("zone: z\nshards: [{name: a, rrs: 2, clients: 6, routes_per_client: 3}]\n",
                     source="z.yaml")
    v = View.from_zone(zone)
    clients = next(n for n in v.nodes.values() if not n.is_rr)
    assert clients.key == "[a-c1..a-c6]" and clients.count == 6
    v.split("a-c1")
    v.split("a-c6")
    v.split("a-c3")
    keys = sorted(k for k, n in v.nodes.items() if not n.is_rr)
    assert keys == ["[a-c2..a-c5|3]", "a-c1", "a-c3", "a-c6"]
    rest = v.nodes["[a-c2..a-c5|3]"]
    assert rest.count == 3 and tuple(rest.members) == (1, 3, 4)
    assert v.nodes["a-c1"].members == (0,) and v.nodes["a-c6"].members == (5,)
    assert sum(n.count for n in v.nodes.values() if not n.is_rr) == 6
    for k in keys:  # each part keeps both RR sessions, and the RRs see each part once
        assert sorted(rel for _, rel in v.adj[k]) == ["rr", "rr"]
    for rr in ("a-rr1", "a-rr2"):
        assert sorted(n for n, rel in v.adj[rr] if rel == "client") == keys
    assert v.node_of("a-c4") == "[a-c2..a-c5|3]" and v.node_of("a-c6") == "a-c6"
    assert v.split("a-c6") == "a-c6"  # already alone: unchanged
    v.remove_session("a-rr1", "a-c1")
    assert [n for n, _ in v.adj["a-c1"]] == ["a-rr2"]
    v.remove_speaker("a-c3")
    assert "a-c3" not in v.nodes and all(n != "a-c3" for n, _ in v.adj["a-rr1"])


def test_a_client_without_routes_originates_no_class() -> None:
    """Found by mutation testing: the `routes == 0` cases (a node with no routes is no
    route class, and sends no copies) were not pinned."""
    text = explicit("""
        - {name: rr, cluster_id: 1}
        - {name: c1, routes: 5}
        - {name: c2, routes: 0}
        - {name: c3, routes: 2}""", """
        - {rr: rr, client: c1}
        - {rr: rr, client: c2}
        - {rr: rr, client: c3}""")
    zone = load_zone(text, source="z.yaml")
    res = lint(zone)
    fan = next(t for t in res.tables if t.name == "fan_out")
    rows = [dict(zip(fan.columns, r, strict=True)) for r in fan.rows]
    assert {r["change_at"] for r in rows} == {"c1", "c3"}  # c2 originates nothing
    c1 = next(r for r in rows if r["change_at"] == "c1")
    # One copy in; out to c2, c3 and back to c1 (frr sends it to the sender too).
    assert (c1["copies_received"], c1["copies_sent"], c1["zone_total_sent"]) == (1, 3, 4)


def test_rib_figures_match_a_hand_count() -> None:
    """The RIB and Adj-RIB-Out sizes `lint` reports, counted by hand on a zone small
    enough to do so (GoBGP: no advertisement back to the sender). Two RRs with their own
    CLUSTER_IDs, peering with each other (RFC 4456 §8); h1 has 10 routes, h2 20, h3 none.

    h1's 10 routes: h1 sends them to rr1 and rr2 (20 copies). Each RR reflects them to its
    other clients h2, h3 and to the other RR (30 copies each); the RR hears them twice (from
    h1, and reflected by the other RR), h2 and h3 twice (from each RR). h2's 20 alike."""
    text = explicit("""
        - {name: rr1, profile: gobgp, cluster_id: 1}
        - {name: rr2, profile: gobgp, cluster_id: 2}
        - {name: h1, profile: gobgp, routes: 10}
        - {name: h2, profile: gobgp, routes: 20}
        - {name: h3, profile: gobgp}""", """
        - {peers: [rr1, rr2]}
        - {rr: rr1, client: h1}
        - {rr: rr1, client: h2}
        - {rr: rr1, client: h3}
        - {rr: rr2, client: h1}
        - {rr: rr2, client: h2}
        - {rr: rr2, client: h3}""")
    f = rib_figures(View.from_zone(load_zone(text, source="z.yaml")))
    assert f.copies_out == {"rr1": 3 * 10 + 3 * 20, "rr2": 90, "h1": 2 * 10, "h2": 2 * 20,
                            "h3": 0}
    assert f.copies_out_by_relation == {
        "rr1": {"client": 2 * 10 + 2 * 20, "peer": 10 + 20},
        "rr2": {"client": 60, "peer": 30}, "h1": {"rr": 20}, "h2": {"rr": 40}, "h3": {}}
    assert f.paths_in == {"rr1": 2 * 10 + 2 * 20, "rr2": 60, "h1": 2 * 20, "h2": 2 * 10,
                          "h3": 2 * 10 + 2 * 20}
    assert f.routes_best == dict.fromkeys(("rr1", "rr2", "h1", "h2", "h3"), 30)


def test_rib_figures_of_a_lumped_group_are_one_members() -> None:
    """Three clients of 10 routes lumped in one node: its figures are one member's (it
    hears the two others' routes over two RRs; it sends its own to two RRs), and they
    equal each member's when the group is expanded. Each RR reflects every member's routes
    to the two other members and to the other RR: 3 x 10 x 3 copies."""
    zone = load_zone(textwrap.dedent("""
        zone: c
        shards:
          - {name: a, rrs: 2, rr_profile: gobgp, client_profile: gobgp, clients: 3,
             routes_per_client: 10}
        """), source="z.yaml")
    lumped = rib_figures(View.from_zone(zone))
    expanded = rib_figures(View.from_zone(zone, expand=True))
    g = "[a-c1..a-c3]"
    assert (lumped.paths_in[g], lumped.routes_best[g], lumped.copies_out[g]) == (40, 30, 20)
    assert lumped.copies_out["a-rr1"] == 90
    assert lumped.copies_out_by_relation["a-rr1"] == {"client": 60, "peer": 30}
    for c in ("a-c1", "a-c2", "a-c3"):
        assert (expanded.paths_in[c], expanded.routes_best[c], expanded.copies_out[c],
                expanded.copies_out_by_relation[c]) == (40, 30, 20, {"rr": 20})
    for rr in ("a-rr1", "a-rr2"):
        assert expanded.copies_out[rr] == lumped.copies_out[rr]
        assert expanded.paths_in[rr] == lumped.paths_in[rr] == 60


def test_reachability_counts_the_missing_pairs_exactly() -> None:
    """RFC 4456 §5: an RR with client-to-client reflection off expects its clients to be
    meshed; unmeshed, no client learns another's routes. Every origin with a route counts,
    one route as much as many; a client without routes is a receiver only. Lumped, ten
    clients miss 10 x 9 pairs among themselves."""
    text = explicit("""
        - {name: rr, cluster_id: 1, client_to_client: false}
        - {name: c1, routes: 1}
        - {name: c2, routes: 3}
        - {name: c3, routes: 0}""", """
        - {rr: rr, client: c1}
        - {rr: rr, client: c2}
        - {rr: rr, client: c3}""")
    reach = reachability(View.from_zone(load_zone(text, source="z.yaml")))
    assert reach.missing == {("c1", "c2"): 1, ("c1", "c3"): 1, ("c2", "c1"): 1,
                             ("c2", "c3"): 1}
    assert set(reach.min_paths) == set(reach.missing)
    assert set(reach.min_paths.values()) == {0}
    zone = load_zone(textwrap.dedent("""
        zone: c
        shards:
          - {name: a, rrs: 2, clients: 10, routes_per_client: 1, client_to_client: false}
          - {name: b, rrs: 2, clients: 5, routes_per_client: 1}
        """), source="z.yaml")
    reach = reachability(View.from_zone(zone))
    assert reach.missing == {("[a-c1..a-c10]", "[a-c1..a-c10]"): 90}
    assert reach.min_paths[("[b-c1..b-c5]", "[a-c1..a-c10]")] == 2
