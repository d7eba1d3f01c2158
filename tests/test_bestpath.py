"""The best path from the network: router ids and peer addresses decide ties.

RFC 4271 §9.1.2.2 as RFC 4456 §9 amends it: between otherwise equal iBGP paths, the
lowest ORIGINATOR_ID (or the sender's router id when the path has none), then the
shorter CLUSTER_LIST, then the lowest peer address. In a spine/leaf zone the spine hears
each leaf client's routes from the shard's two RRs with CLUSTER_LISTs of one entry each,
so the RRs' addresses decide which RR's session carries the spine's best paths, and so
which of the two spine~RR flaps replaces every route at the other shard's RR and which
replaces none. Swapping the two addresses must swap that, in lint and in simulate alike
(one rule, :func:`bgpcascade.model.rules.preference_key`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from ipaddress import IPv4Address, ip_address
from pathlib import Path
from typing import Any

import pytest

from bgpcascade.cli import main
from bgpcascade.frr.importer import import_frr
from bgpcascade.model import rules
from bgpcascade.model.errors import InputError
from bgpcascade.model.reflection import AdvertisedPath, View, path_key, propagate
from bgpcascade.model.zonefile import load_zone

ROOT = Path(__file__).resolve().parent.parent

#: One spine; shard a (one RR, a slow one, and two clients with few routes); shard b (two
#: RRs with per-RR CLUSTER_IDs, two clients with 3,000 routes each). The spine's best path
#: for b's routes comes from the b RR with the lower address; losing the session it came
#: by moves the spine to the other RR's path, whose CLUSTER_LIST differs: 6,000 routes
#: replaced towards a-rr1, and a-rr1 replaces them towards its clients.
ZONE = """\
zone: bestpath
timers: {hold: 90, keepalive: 30}
profiles:
  slow: {base: frr, capacity: 2000}
speakers:
  - {name: spine1, router_id: 10.255.0.1, address: 10.0.0.1}
  - {name: a-rr1, profile: slow, router_id: 10.255.1.1, address: 10.1.0.1}
  - {name: b-rr1, router_id: RID1, address: ADDR1}
  - {name: b-rr2, router_id: RID2, address: ADDR2}
  - {name: a-c1, routes: 10}
  - {name: a-c2, routes: 10}
  - {name: b-c1, routes: 3000}
  - {name: b-c2, routes: 3000}
sessions:
  - {rr: spine1, client: a-rr1}
  - {rr: spine1, client: b-rr1}
  - {rr: spine1, client: b-rr2}
  - {rr: a-rr1, client: a-c1}
  - {rr: a-rr1, client: a-c2}
  - {rr: b-rr1, client: b-c1}
  - {rr: b-rr1, client: b-c2}
  - {rr: b-rr2, client: b-c1}
  - {rr: b-rr2, client: b-c2}
"""


def zone_text(addr1: str = "10.2.0.1", addr2: str = "10.2.0.2", rid1: str = "10.255.2.1",
              rid2: str = "10.255.2.2") -> str:
    """:data:`ZONE` with b-rr1's and b-rr2's router ids and addresses."""
    return (ZONE.replace("RID1", rid1).replace("RID2", rid2)
            .replace("ADDR1", addr1).replace("ADDR2", addr2))


def spine_best_sender(text: str) -> str:
    """Whom the spine takes b-c1's route from (the static analysis)."""
    view = View.from_zone(load_zone(text), expand=True)
    best = propagate(view, "b-c1").best["spine1"]
    assert best is not None
    return best.sender


def lint_replaced(tmp_path: Path, text: str) -> dict[str, int]:
    """``lint --json``'s reset_cost table: route copies replaced at teardown, per
    session."""
    zone, out = tmp_path / "z.yaml", tmp_path / "lint.json"
    zone.write_text(text)
    assert main(["lint", str(zone), "--json", str(out), "-q"]) in (0, 1)
    table = next(t for t in json.loads(out.read_text())["tables"] if t["name"] == "reset_cost")
    return {r["session"]: r["replaced"] for r in table["rows"]}


def simulate(tmp_path: Path, text: str, flap: str) -> dict[str, Any]:
    """``simulate --json``'s summary after one flap."""
    zone, out = tmp_path / "z.yaml", tmp_path / f"{flap}.json"
    zone.write_text(text)
    assert main(["simulate", str(zone), "--flap", f"{flap}@30", "--horizon", "60",
                 "--json", str(out), "-q"]) == 0
    summary: dict[str, Any] = json.loads(out.read_text())
    return summary


# -- the rule ---------------------------------------------------------------------------
def test_preference_key_ranks_originator_then_cluster_list_then_peer_address() -> None:
    """RFC 4271 §9.1.2.2 (f) with RFC 4456 §9's ORIGINATOR_ID, then the CLUSTER_LIST,
    then (g) the peer address: numbers, not text; every IPv4 address before IPv6."""
    low, high = IPv4Address("10.0.0.2"), IPv4Address("10.0.0.10")
    key = rules.preference_key
    # (f) decides before the CLUSTER_LIST: a lower ORIGINATOR_ID with a longer list wins.
    assert key(low, 3, ip_address("10.9.9.9")) < key(high, 0, ip_address("10.0.0.1"))
    # Then the CLUSTER_LIST, before the address.
    assert key(low, 1, ip_address("10.9.9.9")) < key(low, 2, ip_address("10.0.0.1"))
    # Then the address, compared as a number: 10.0.0.9 < 10.0.0.10 (as text it is not).
    assert key(low, 1, ip_address("10.0.0.9")) < key(low, 1, ip_address("10.0.0.10"))
    # An IPv4 peer before any IPv6 one (FRR's sockunion_cmp compares the family first).
    assert key(low, 1, ip_address("255.255.255.255")) < key(low, 1, ip_address("::1"))
    assert key(low, 1, ip_address("fd00::2")) < key(low, 1, ip_address("fd00::10"))


def test_a_path_without_originator_id_ranks_by_its_senders_router_id() -> None:
    """A path from the origin itself carries no ORIGINATOR_ID: the sender's router id
    stands in (RFC 4271 §9.1.2.2 (f)); a reflected one is ranked by its ORIGINATOR_ID,
    the origin's router id (RFC 4456 §8, §9), not the reflector's."""
    view = View.from_zone(load_zone(zone_text()), expand=True)
    origin, rr = view.nodes["b-c1"], view.nodes["b-rr1"]
    direct = path_key(view.nodes, AdvertisedPath((), "b-c1", "b-c1"))
    reflected = path_key(view.nodes, AdvertisedPath((rr.cluster_id,), "b-c1", "b-rr1"))
    assert direct[0] == reflected[0] == int(origin.router_id) != int(rr.router_id)
    assert reflected[1:] == (1, 4, int(IPv4Address("10.2.0.1")))


# -- lint and simulate agree: the addresses decide ---------------------------------------
def test_swapping_the_rrs_addresses_swaps_the_spines_best_path_in_lint(tmp_path: Path
                                                                       ) -> None:
    """The spine takes b's routes from the RR with the lower address. Only the session
    that carries them replaces routes when it resets (lint's reset_cost)."""
    as_declared = zone_text("10.2.0.1", "10.2.0.2")
    swapped = zone_text("10.2.0.2", "10.2.0.1")
    assert spine_best_sender(as_declared) == "b-rr1"
    assert spine_best_sender(swapped) == "b-rr2"
    before, after = lint_replaced(tmp_path, as_declared), lint_replaced(tmp_path, swapped)
    assert before["b-rr1~spine1"] == after["b-rr2~spine1"] == 24_000
    assert before["b-rr2~spine1"] == after["b-rr1~spine1"] == 0


def test_swapping_the_rrs_addresses_swaps_which_flap_loads_the_other_shard(
        tmp_path: Path) -> None:
    """The same in the simulator: the flap of the session that carried the spine's best
    paths makes a-rr1 (2,000 units/s) take 6,000 replaced routes, seconds of queue; the
    other flap changes nothing there."""
    delay: dict[tuple[str, str], float] = {}
    for name, text in (("declared", zone_text("10.2.0.1", "10.2.0.2")),
                       ("swapped", zone_text("10.2.0.2", "10.2.0.1"))):
        for flap in ("spine1~b-rr1", "spine1~b-rr2"):
            summary = simulate(tmp_path, text, flap)
            delay[(name, flap)] = summary["peak_queue_delay_s"]["a-rr1"]
    assert delay[("declared", "spine1~b-rr1")] > 3 > 0.01 > delay[("declared", "spine1~b-rr2")]
    assert delay[("swapped", "spine1~b-rr2")] > 3 > 0.01 > delay[("swapped", "spine1~b-rr1")]
    assert delay[("declared", "spine1~b-rr1")] == delay[("swapped", "spine1~b-rr2")]


def test_router_ids_do_not_decide_between_reflections_of_one_route() -> None:
    """Both RRs' paths carry the origin's ORIGINATOR_ID, so step (f) ties whatever the
    RRs' own router ids; the addresses decide (RFC 4456 §9)."""
    assert spine_best_sender(zone_text(rid1="10.255.2.2", rid2="10.255.2.1")) == "b-rr1"
    assert spine_best_sender(zone_text(rid1="10.255.2.2", rid2="10.255.2.1",
                                       addr1="10.2.0.2", addr2="10.2.0.1")) == "b-rr2"


def test_an_rrs_default_cluster_id_is_its_router_id() -> None:
    """RFC 4456 §7: without ``cluster_id`` an RR's CLUSTER_ID is its router id, so an
    RR configured with that value as its CLUSTER_ID is in the same cluster and drops
    the first RR's reflections (§8)."""
    text = ("zone: t\nspeakers:\n  - {name: rr1, router_id: 10.9.9.9}\n"
            "  - {name: rr2, cluster_id: CID}\n  - {name: x, routes: 1}\n  - {name: y}\n"
            "sessions:\n  - {peers: [rr1, rr2]}\n  - {rr: rr1, client: x}\n"
            "  - {rr: rr2, client: y}\n")
    for cid, learns in (("10.9.9.9", False), ("10.9.9.8", True)):
        zone = load_zone(text.replace("CID", cid))
        assert zone.group("rr1").effective_cluster_id() == "10.9.9.9"
        prop = propagate(View.from_zone(zone, expand=True), "x")
        assert prop.learns("y") is learns


# -- defaults ------------------------------------------------------------------------------
def test_compact_defaults_are_in_declaration_order_and_keep_todays_choice() -> None:
    """Compact zones: the n-th speaker (spines, then each shard's RRs and clients) gets
    10.0.0.<n> as router id and address, so the RR declared first wins the tie, as the
    declaration order did before."""
    zone = load_zone("zone: t\nspines: {count: 1}\nshards:\n"
                     "  - {name: a, rrs: 2, clients: 300, routes_per_client: 1}\n"
                     "  - {name: b, rrs: 2, clients: 2, routes_per_client: 1}\n")
    ids = [(g.key, str(g.router_id(0)), str(g.address(g.count - 1))) for g in zone.groups]
    assert ids == [("spine1", "10.0.0.1", "10.0.0.1"), ("a-rr1", "10.0.0.2", "10.0.0.2"),
                   ("a-rr2", "10.0.0.3", "10.0.0.3"),
                   ("[a-c1..a-c300]", "10.0.0.4", "10.0.1.47"),
                   ("b-rr1", "10.0.1.48", "10.0.1.48"), ("b-rr2", "10.0.1.49", "10.0.1.49"),
                   ("[b-c1..b-c2]", "10.0.1.50", "10.0.1.51")]
    view = View.from_zone(zone)
    origin_view = view.copy()
    origin = origin_view.split("b-c1")
    best = propagate(origin_view, origin).best["spine1"]
    assert best is not None and best.sender == "b-rr1"


def test_explicit_defaults_skip_values_set_in_the_file() -> None:
    """An explicit speaker without the fields gets the same declaration-order default,
    skipping a value another speaker sets, so defaults never collide."""
    zone = load_zone("zone: t\nspeakers:\n  - {name: r1}\n  - {name: r2}\n"
                     "  - {name: r3, router_id: 10.0.0.3, address: 10.0.0.2}\n"
                     "  - {name: r4}\nsessions:\n  - {peers: [r1, r2]}\n"
                     "  - {peers: [r3, r4]}\n  - {peers: [r1, r4]}\n")
    got = {n: (str(g.router_id(i)), str(g.address(i)))
           for g in zone.groups for i, n in enumerate(g.names)}
    assert got == {"r1": ("10.0.0.1", "10.0.0.1"), "r2": ("10.0.0.2", "10.0.0.3"),
                   "r3": ("10.0.0.3", "10.0.0.2"), "r4": ("10.0.0.4", "10.0.0.4")}
    # Without the fields, the RR declared first wins the tie, as before they existed.
    assert spine_best_sender(ZONE.replace(", router_id: RID1, address: ADDR1", "")
                             .replace(", router_id: RID2, address: ADDR2", "")) == "b-rr1"


def test_a_lumped_node_sends_with_its_first_members_address() -> None:
    """A node that stands for several speakers (a merged group, a cohort, the rest of a
    split group) has its first member's router id and address."""
    zone = load_zone(zone_text().replace("{name: b-c1, routes: 3000}",
                                         "{name: b-c1, routes: 3000, address: fd00::7}"))
    group = zone.group("[b-c1..b-c2]")
    view = View.from_zone(zone)
    assert view.nodes["[b-c1..b-c2]"].address == ip_address("fd00::7") == group.address(0)
    split = view.copy()
    split.split("b-c1")
    assert split.nodes["b-c2"].address == group.address(1)
    compact = View.from_zone(load_zone("zone: t\nshards:\n  - {name: a, clients: 10, "
                                       "routes_per_client: 1}\n"), cohorts=2)
    assert [str(n.address) for n in compact.nodes.values()] == [
        "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.8"]


# -- bad input -----------------------------------------------------------------------------
BASE = "zone: t\nspeakers:\n  - {name: r1, X1}\n  - {name: r2, X2}\nsessions: []\n"


@pytest.mark.parametrize(("x1", "x2", "says"), [
    ("router_id: 10.0.0.256", "routes: 1",
     "z.yaml:3: speakers[0].router_id: '10.0.0.256' is not allowed (allowed: a dotted quad "
     "other than 0.0.0.0, e.g. 10.0.0.1 (RFC 4271 §4.2))"),
    ("router_id: 0.0.0.0", "routes: 1", "speakers[0].router_id: '0.0.0.0' is not allowed"),
    ("router_id: fd00::1", "routes: 1", "speakers[0].router_id: 'fd00::1' is not allowed"),
    ("router_id: 7", "routes: 1", "speakers[0].router_id: 7 has the wrong type"),
    ("router_id: 10.0.0.9", "router_id: 10.0.0.9",
     "z.yaml:4: speakers[1].router_id: duplicate router_id 10.0.0.9 (also speakers[0]) "
     "(allowed: a router_id unique in the zone)"),
    ("address: 10.1.2", "routes: 1",
     "z.yaml:3: speakers[0].address: '10.1.2' is not allowed (allowed: an IPv4 or IPv6 "
     "unicast address literal, e.g. 10.0.0.1 or fd00::1)"),
    ("address: 224.0.0.5", "routes: 1", "speakers[0].address: '224.0.0.5' is not allowed"),
    ("address: '::'", "routes: 1", "speakers[0].address: '::' is not allowed"),
    ("address: fd00::1", "address: 'fd00:0::1'",
     "speakers[1].address: duplicate address fd00::1 (also speakers[0])"),
])
def test_bad_router_ids_and_addresses_are_one_line(x1: str, x2: str, says: str) -> None:
    with pytest.raises(InputError) as info:
        load_zone(BASE.replace("X1", x1).replace("X2", x2), source="z.yaml")
    message = str(info.value)
    assert says in message and "\n" not in message


def test_the_cli_says_one_line_and_exits_2(tmp_path: Path) -> None:
    zone = tmp_path / "z.yaml"
    zone.write_text(zone_text(addr2="10.2.0.1"))
    proc = subprocess.run([sys.executable, "-m", "bgpcascade", "lint", str(zone)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "speakers[3].address: duplicate address 10.2.0.1 " \
        "(also speakers[2])" in lines[0], proc.stderr


# -- the FRR importer ----------------------------------------------------------------------
def test_the_importer_fills_router_id_and_address_from_the_configs() -> None:
    result = import_frr([str(ROOT / "tests" / "import" / "spine-leaf")])
    assert not result.problems
    speakers = {s["name"]: s for s in result.zone["speakers"]}
    assert (speakers["spine1"]["router_id"], speakers["spine1"]["address"]) == \
        ("10.255.0.1", "10.255.0.1")
    assert (speakers["b-rr2"]["router_id"], speakers["b-rr2"]["address"]) == \
        ("10.2.0.2", "10.2.0.2")
    zone = load_zone(result.yaml())
    assert str(zone.group("a-rr1").address()) == "10.1.0.1"


def _router(name: str, rid: str, neighbors: list[str], loopback: str) -> str:
    """An FRR configuration: iBGP to ``neighbors`` from the loopback ``loopback``."""
    body = "".join(f" neighbor {n} remote-as 65000\n neighbor {n} update-source {loopback}\n"
                   for n in neighbors)
    return (f"hostname {name}\ninterface lo\n ip address {loopback}/32\nexit\n"
            f"router bgp 65000\n bgp router-id {rid}\n{body}exit\n")


def test_the_importer_takes_the_address_peers_name_and_reports_what_it_cannot_keep(
        tmp_path: Path) -> None:
    """The address is what the neighbor statements name (a loopback here, not the
    router id). Peers naming one router at two addresses, and two routers sharing a
    router id, are reported: the zone keeps the more used (here the lower) address, and
    the first router's id."""
    d = tmp_path / "c"
    d.mkdir()
    (d / "r1.conf").write_text(_router("r1", "1.1.1.1", ["192.0.2.2", "192.0.2.3"],
                                       "192.0.2.1"))
    (d / "r2.conf").write_text(_router("r2", "2.2.2.2", ["192.0.2.1", "192.0.2.3"],
                                       "192.0.2.2"))
    (d / "r3.conf").write_text(_router("r3", "1.1.1.1", ["192.0.2.1", "2.2.2.2"],
                                       "192.0.2.3"))
    result = import_frr([str(d)])
    speakers = {s["name"]: s for s in result.zone["speakers"]}
    assert (speakers["r1"]["router_id"], speakers["r1"]["address"]) == \
        ("1.1.1.1", "192.0.2.1")
    # r1 names r2 at 192.0.2.2, r3 at 2.2.2.2 (r2's router id, an address of r2).
    assert (speakers["r2"]["router_id"], speakers["r2"]["address"]) == \
        ("2.2.2.2", "2.2.2.2")
    assert "router_id" not in speakers["r3"] and speakers["r3"]["address"] == "192.0.2.3"
    said = [p.what for p in result.problems]
    assert any("r1 and r3 have the same bgp router-id 1.1.1.1" in w for w in said), said
    assert any("r2: its peers name it at 2 addresses (2.2.2.2, 192.0.2.2)" in w
               for w in said), said
    zone = load_zone(result.yaml())
    assert str(zone.group("r3").router_id()) == "10.0.0.3"  # the default, the 3rd speaker
