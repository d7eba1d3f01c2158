"""`bgpcascade import frr` (docs/import.md): zones from FRR configurations.

The configurations under tests/import/ were written for these tests: a 2-RR EVPN cluster
with 20 hypervisors (peer-groups, loopbacks), a spine/leaf RR hierarchy, dynamic
neighbors (`bgp listen range`) and `frr defaults datacenter`. The round trip goes
zone -> the lab's own FRR configurations -> import -> the same zone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bgpcascade.frr.importer import import_frr, parse_config
from bgpcascade.frr.lab import bgpd_conf, speakers_and_sessions
from bgpcascade.io import load_zone_file
from bgpcascade.model.errors import InputError
from bgpcascade.model.topology import Zone
from bgpcascade.model.zonefile import load_zone

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "tests" / "import"


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bgpcascade", *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def _zone(result: Any) -> Zone:
    return load_zone(result.yaml(), source="<import>")


def _sessions(z: dict[str, Any]) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for s in z["sessions"]:
        out.add(("rr", s["rr"], s["client"]) if "rr" in s else ("peers", *sorted(s["peers"])))
    return out


def _speaker(z: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in z["speakers"] if s["name"] == name)


def test_an_evpn_cluster_of_two_rrs_and_twenty_hypervisors() -> None:
    r = import_frr([str(CONFIGS / "evpn-cluster")], routes=[("hv*", 30)])
    z = r.zone
    assert r.routers == 22 and r.sessions == 41 and not r.problems
    assert z["timers"] == {"hold": 30, "keepalive": 10, "connect_retry": 5}
    hvs = [f"hv{i:02d}" for i in range(1, 21)]
    assert _sessions(z) == {("rr", rr, hv) for rr in ("rr1", "rr2") for hv in hvs} | \
        {("peers", "rr1", "rr2")}
    for rr in ("rr1", "rr2"):  # one cluster: the shared CLUSTER_ID
        assert _speaker(z, rr)["cluster_id"] == "10.0.0.100"
    assert all(_speaker(z, hv)["routes"] == 30 for hv in hvs)
    zone = _zone(r)
    # Twenty hypervisors of one shape are one group: the explicit zone is as cheap as a
    # compact shard (docs/zone-format.md, "Grouping by symmetry").
    assert len(zone.groups) == 3 and zone.speaker_count == 22
    # What the model leaves out is reported, with file:line.
    unused = {(Path(ln.file).name, ln.text.strip()) for ln in r.unused}
    assert ("rr1.conf", "log syslog informational") in unused
    assert ("hv01.conf", "vxlan id 100") in unused


def test_evpn_routes_not_in_the_config_are_reported_not_invented() -> None:
    r = import_frr([str(CONFIGS / "evpn-cluster")])
    assert all("routes" not in s for s in r.zone["speakers"])  # type: ignore[union-attr]
    notes = [p for p in r.problems if "EVPN" in p.what]
    assert len(notes) == 20 and not any(p.left_out for p in notes)
    assert "give --routes hv01=N" in str(notes[0])


def test_a_spine_leaf_rr_hierarchy() -> None:
    r = import_frr([str(CONFIGS / "spine-leaf")])
    assert not r.problems
    zone = _zone(r)
    tiers = {g.names[0]: g.tier for g in zone.groups}  # type: ignore[attr-defined]
    assert tiers["spine1"] == 0 and tiers["a-rr1"] == 1 and tiers["a-c1"] == 2
    z = r.zone
    assert ("rr", "spine1", "b-rr2") in _sessions(z) and ("peers", "a-rr1", "a-rr2") in \
        _sessions(z)
    assert _speaker(z, "a-rr1")["cluster_id"] == "10.1.0.100"
    assert _speaker(z, "b-c3")["routes"] == 5
    assert z["timers"] == {"hold": 180, "keepalive": 60, "connect_retry": 120}  # traditional


def test_dynamic_neighbors_come_from_the_configs_in_range_and_the_stated_count() -> None:
    r = import_frr([str(CONFIGS / "dynamic")], dynamic={"198.51.100.0/24": 40})
    z = r.zone
    clients = {s[2] for s in _sessions(z) if s[0] == "rr"}
    assert {"vtep1", "vtep2", "vtep3"} <= clients and len(clients) == 40
    assert r.synthetic == 37 and r.sessions == 81
    rr1 = _speaker(z, "rr1")
    assert rr1["dynamic_neighbors"] is True
    assert z["profiles"][rr1["profile"]]["dynamic_neighbor_limit"] == 150  # listen limit
    # The VTEPs' 20/60 (peer-group and their own) and the RRs' 60/180 between them: one
    # set per speaker keeps every negotiated value, so nothing is reported about timers.
    assert not [p for p in r.problems if "negotiates" in p.what]
    zone = _zone(r)
    assert len([g for g in zone.groups if not g.is_rr]) <= 2  # configured + synthetic

    over = import_frr([str(CONFIGS / "dynamic")], dynamic={"198.51.100.0/24": 200})
    assert any("accepts at most 150" in p.what for p in over.problems)
    unknown = import_frr([str(CONFIGS / "dynamic")])
    assert unknown.synthetic == 0 and unknown.sessions == 7
    assert any("give --dynamic 198.51.100.0/24=N" in p.what for p in unknown.problems)


def test_datacenter_defaults_and_graceful_restart() -> None:
    r = import_frr([str(CONFIGS / "datacenter")])
    z = r.zone
    assert z["timers"] == {"hold": 9, "keepalive": 3, "connect_retry": 10}
    prof = _speaker(z, "dc-rr")["profile"]
    assert z["profiles"][prof] == {"base": "frr", "graceful_restart": "notification"}
    assert _speaker(z, "dc-leaf2")["routes"] == 2


@pytest.mark.parametrize("zone_file", ["tests/lab/frr-5x200.yaml",
                                       "tests/examples/safe/lab.yaml"])
def test_round_trip_zone_to_frr_configs_and_back(tmp_path: Path, zone_file: str) -> None:
    """The lab writes each speaker's bgpd.conf from the zone; importing them gives the
    zone back: the same speakers, sessions, roles, routes, timers and CLUSTER_IDs."""
    zone = load_zone_file(str(ROOT / zone_file))
    speakers, sessions = speakers_and_sessions(zone)
    by = {s.name: s for s in speakers}
    for sp in speakers:
        d = tmp_path / "configs" / sp.name
        d.mkdir(parents=True)
        (d / "bgpd.conf").write_text(bgpd_conf(sp, by, sessions, Path("/var/lib/lab")))
    r = import_frr([str(tmp_path / "configs")], name=zone.name)
    assert not r.problems, r.problems
    back = _zone(r)

    def shape(z: Zone) -> dict[str, Any]:
        out = {}
        for g in z.groups:
            for n in g.names:
                t = g.timers
                out[n] = (g.is_rr, g.routes, (t.hold, t.keepalive, t.connect_retry),
                          g.cluster_id if g.is_rr else None)
        return out

    assert shape(back) == shape(zone)
    assert {s.key for s in speakers_and_sessions(back)[1]} == {s.key for s in sessions}
    assert {(s.rr, s.key) for s in speakers_and_sessions(back)[1]} == \
        {(s.rr, s.key) for s in sessions}


def _write(d: Path, files: dict[str, str]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (d / name).write_text(text)
    return d


def _router(name: str, rid: str, body: str, af: str = "") -> str:
    return (f"hostname {name}\nrouter bgp 65000\n bgp router-id {rid}\n{body}"
            f" address-family ipv4 unicast\n{af} exit-address-family\nexit\n")


def test_what_cannot_be_matched_is_reported_and_left_out(tmp_path: Path) -> None:
    d = _write(tmp_path / "c", {
        "a.conf": _router("a", "10.0.0.1",
                          " neighbor 10.0.0.2 remote-as 65000\n"    # b declares a: session
                          " neighbor 10.0.0.3 remote-as 65000\n"    # c does not declare a
                          " neighbor 10.0.0.4 remote-as 65000\n"    # both claim RR
                          " neighbor 10.0.0.9 remote-as 65000\n"    # no such router
                          " neighbor 10.0.0.5 remote-as 65099\n"    # eBGP
                          " neighbor swp1 interface remote-as internal\n",
                          "  neighbor 10.0.0.2 route-reflector-client\n"
                          "  neighbor 10.0.0.4 route-reflector-client\n"),
        "b.conf": _router("b", "10.0.0.2", " neighbor 10.0.0.1 remote-as 65000\n"),
        "c.conf": _router("c", "10.0.0.3", " neighbor 10.0.0.2 remote-as 65000\n"),
        "d.conf": _router("d", "10.0.0.4", " neighbor 10.0.0.1 remote-as 65000\n",
                          "  neighbor 10.0.0.1 route-reflector-client\n"),
    })
    out = tmp_path / "zone.yaml"
    p = _cli("import", "frr", str(d), "--out", str(out))
    assert p.returncode == 1, p.stdout + p.stderr
    text = p.stdout
    for needle in ("session a~c: only a declares it", "10.0.0.9: no router among the inputs",
                   "remote-as 65099: not iBGP", "unnumbered neighbor swp1",
                   "each side says the other is its route-reflector-client",
                   "session b~c: only c declares it"):
        assert needle in text, (needle, text)
    assert f"{d / 'a.conf'}:5:" in text  # file:line of `neighbor 10.0.0.3 ...`
    zone = yaml.safe_load(out.read_text())
    assert zone["sessions"] == [{"rr": "a", "client": "b"}]
    load_zone(out.read_text(), source=str(out))
    # The router with no session left is said to be left out as well.
    assert "c: no session with any other router" in text


@pytest.mark.parametrize("text, says", [
    ("hostname x\n", "no `router bgp`"),
    ("router bgp\n", "router bgp ASN"),
    ("router bgp 65000\n timers bgp 3 lots\n", "hold 'lots'"),
    ("router bgp 65000\n neighbor 10.0.0.1\n", "neighbor PEER COMMAND"),
    ("router bgp 65000\n bgp listen range 10.0.0.0/33 peer-group X\n", "listen range"),
    ("router bgp 65000\n bgp router-id banana\n", "router-id 'banana'"),
    ("frr defaults cloud\nrouter bgp 65000\n", "traditional or datacenter"),
])
def test_malformed_configs_are_one_line_exit_2(tmp_path: Path, text: str, says: str) -> None:
    f = tmp_path / "r.conf"
    f.write_text(text)
    p = _cli("import", "frr", str(f))
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert says in p.stderr and str(f) in p.stderr


def test_bad_arguments_and_inputs_are_one_line_exit_2(tmp_path: Path) -> None:
    dup = _write(tmp_path / "dup", {"a.conf": _router("x", "10.0.0.1", ""),
                                    "b.conf": _router("x", "10.0.0.2", "")})
    side = tmp_path / "side.yaml"
    side.write_text("dynamic: {198.51.100.0/24: many}\n")
    evpn = str(CONFIGS / "evpn-cluster")
    for args, says in ((["import", "frr", str(tmp_path / "nope")], "no such file"),
                       (["import", "frr", str(dup)], "two routers named 'x'"),
                       (["import", "frr", evpn, "--dynamic", "10.0.0.0/8"], "--dynamic"),
                       (["import", "frr", evpn, "--dynamic", "10.7.0.0/16=5"],
                        "no router listens on it"),
                       (["import", "frr", evpn, "--routes", "hv*=x"], "--routes"),
                       (["import", "frr", evpn, "--side", str(side)], "dynamic"),
                       (["import", "frr", evpn, "--out", evpn + "/z.yaml"],
                        "inside an input directory"),
                       (["import", "frr", evpn, "--out", "/proc/x.yaml"],
                        "system directory")):
        p = _cli(*args)
        assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, (args,
                                                                              p.stderr)
        assert says in p.stderr, (args, p.stderr)
    assert not (CONFIGS / "evpn-cluster" / "z.yaml").exists()


def test_the_cli_writes_a_zone_every_command_takes(tmp_path: Path) -> None:
    side = tmp_path / "side.yaml"
    side.write_text("dynamic: {198.51.100.0/24: 12}\nroutes: {'vtep*': 20, 'dyn-*': 20}\n")
    out = tmp_path / "zone.yaml"
    p = _cli("import", "frr", str(CONFIGS / "dynamic"), "--side", str(side), "--out",
             str(out), "--report", str(tmp_path / "report.txt"), "--name", "dyn")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "imported 5 routers, 25 sessions, 9 dynamic neighbors" in p.stdout
    assert (tmp_path / "report.txt").read_text().splitlines()[0] == p.stdout.splitlines()[0]
    for cmd in (["lint", str(out), "-q"], ["show", str(out), "-q"],
                ["simulate", str(out), "--flap", "rr1~vtep1@10", "--horizon", "60", "-q"],
                ["check", str(out), "--engine", "sim", "-q"]):
        q = _cli(*cmd, cwd=tmp_path)
        assert q.returncode in (0, 1), (cmd, q.stdout, q.stderr)
    # Deterministic: the same inputs give the same bytes.
    again = tmp_path / "again.yaml"
    _cli("import", "frr", str(CONFIGS / "dynamic"), "--side", str(side), "--out",
         str(again), "--name", "dyn", "-q")
    assert again.read_bytes() == out.read_bytes()
    # Without --out the zone goes to stdout and the report to stderr.
    p = _cli("import", "frr", str(CONFIGS / "datacenter"))
    assert p.returncode == 0 and p.stdout.startswith("# bgpcascade import frr")
    assert "imported 5 routers" in p.stderr


def test_parse_reads_show_running_config_output() -> None:
    """`show running-config` prints `Building configuration...` and `Current
    configuration:` first and `end` last; blocks end with `exit` and `!`."""
    text = ("Building configuration...\n\nCurrent configuration:\n!\nfrr version 8.4.4\n"
            "frr defaults datacenter\nhostname rr9\n!\nrouter bgp 65000\n"
            " bgp router-id 10.0.0.9\n neighbor 10.0.0.1 remote-as internal\n!\n"
            "interface lo\n ip address 10.0.0.9/32\nexit\n!\nend\n")
    r, lines = parse_config(Path("rr9/running-config"), text)
    assert r.name == "rr9" and r.defaults == "datacenter" and "10.0.0.9" in r.addresses
    assert r.neighbors["10.0.0.1"].remote_as == "internal"
    assert {ln.text for ln in lines if not ln.used} == {"Building configuration...",
                                                         "Current configuration:"}
    with pytest.raises(InputError, match="second `router bgp`"):
        parse_config(Path("x.conf"), "router bgp 1\nrouter bgp 2\n")


# -- found by review -------------------------------------------------------------------------
B = _router("b", "10.0.0.2", " neighbor 10.0.0.1 remote-as internal\n")


def _imp(tmp_path: Path, files: dict[str, str], *args: str,
         ) -> tuple[subprocess.CompletedProcess[str], dict[str, Any] | None]:
    d = _write(tmp_path / "in", files)
    out = tmp_path / "zone.yaml"
    p = _cli("import", "frr", str(d), "--out", str(out), *args)
    zone = yaml.safe_load(out.read_text()) if out.exists() else None
    if zone is not None:
        load_zone(out.read_text(), source=str(out))  # every zone written loads
    return p, zone


@pytest.mark.parametrize("line, says", [(" bgp cluster-id 4294967296\n", "cluster-id"),
                                        (" bgp cluster-id ²\n", "cluster-id"),
                                        (" bgp router-id 2001:db8::1\n", "router-id"),
                                        (" timers bgp 1 2\n", "hold 2")])
def test_bad_values_are_one_line_not_a_traceback(tmp_path: Path, line: str, says: str) -> None:
    p, _ = _imp(tmp_path, {"a.conf": "router bgp 65000\n" + line, "b.conf": B})
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert says in p.stderr and "Traceback" not in p.stderr


def test_valid_frr_syntax_the_model_does_not_need_is_accepted(tmp_path: Path) -> None:
    a = ("hostname a\nrouter bgp 65000 as-notation dot\n\tbgp router-id 10.0.0.1\n\t!\n"
         "\ttimers bgp 30 10\n\tneighbor 10.0.0.2 remote-as internal\n"
         "\tneighbor 10.0.0.2 timers delayopen 10\n\t!\n\taddress-family ipv4 unicast\n"
         "\t neighbor 10.0.0.2 route-reflector-client\n\texit-address-family\nexit\n")
    p, zone = _imp(tmp_path, {"a.conf": a, "b.conf": B, "vtysh.conf": "service "
                              "integrated-vtysh-config\n"})
    assert zone is not None and p.returncode == 0, p.stdout + p.stderr
    assert zone["sessions"] == [{"rr": "a", "client": "b"}]  # tabs and `!` keep the block
    timers = _speaker(zone, "a").get("timers", zone["timers"])
    assert (timers["hold"], timers["keepalive"]) == (10, 3)  # 30 > 10/3: FRR uses 3
    assert "vtysh.conf: no `router bgp` in it" in p.stdout and "skipped" in p.stdout
    assert "neighbor 10.0.0.2 timers delayopen 10" in p.stdout  # reported as not used


def test_a_top_level_line_ends_a_block_without_exit(tmp_path: Path) -> None:
    a = ("interface lo\n ip address 10.0.0.1/32\nhostname a\nrouter bgp 65000\n"
         " neighbor 10.0.0.2 remote-as internal\n")
    p, zone = _imp(tmp_path, {"x.conf": a, "b.conf": B})
    assert zone is not None and {s["name"] for s in zone["speakers"]} == {"a", "b"}
    unindented = ("hostname a\nrouter bgp 65000\nbgp router-id 10.0.0.1\n!\n"
                  "neighbor 10.0.0.2 remote-as internal\n!\nline vty\n")
    p, zone = _imp(tmp_path / "u", {"a.conf": unindented, "b.conf": B})
    assert zone is not None and zone["sessions"] == [{"peers": ["a", "b"]}], p.stdout


def test_shared_addresses_matter_only_when_a_neighbor_names_them(tmp_path: Path) -> None:
    anycast = "interface vlan100\n ip address 10.1.1.254/24\nexit\n"
    a = anycast + _router("a", "10.0.0.1", " neighbor 10.0.0.2 remote-as internal\n"
                          " neighbor 10.1.1.254 remote-as internal\n")
    b = anycast + B
    p, zone = _imp(tmp_path, {"a.conf": a, "b.conf": b})
    assert zone is not None and p.returncode == 1
    assert zone["sessions"] == [{"peers": ["a", "b"]}]
    assert "neighbor 10.1.1.254: the address is on a, b" in p.stdout


def test_no_session_left_prints_the_report_then_one_error_line(tmp_path: Path) -> None:
    a = _router("a", "10.0.0.1", " neighbor 10.0.0.2 remote-as internal\n")
    p, zone = _imp(tmp_path, {"a.conf": a, "b.conf": _router("b", "10.0.0.2", "")})
    assert p.returncode == 2 and zone is None
    assert "only a declares it" in p.stdout and len(p.stderr.strip().splitlines()) == 1


def test_asns_duplicates_and_listen_groups_are_checked(tmp_path: Path) -> None:
    other_as = ("hostname b\nrouter bgp 65001\n bgp router-id 10.0.0.2\n"
                " neighbor 10.0.0.1 remote-as 65000\n")
    a = _router("a", "10.0.0.1", " neighbor 10.0.0.2 remote-as internal\n")
    p, zone = _imp(tmp_path / "asn", {"a.conf": a, "b.conf": other_as})
    assert p.returncode == 2 and "in AS 65001, not a's AS 65000" in p.stdout
    # Two neighbor statements for one router: the first is kept, the second reported.
    b2 = "interface eth0\n ip address 10.9.9.2/24\nexit\n" + B
    a2 = _router("a", "10.0.0.1", " neighbor 10.0.0.2 remote-as internal\n"
                 " neighbor 10.9.9.2 remote-as internal\n",
                 "  neighbor 10.0.0.2 route-reflector-client\n")
    p, zone = _imp(tmp_path / "dup", {"a.conf": a2, "b.conf": b2})
    assert zone is not None and zone["sessions"] == [{"rr": "a", "client": "b"}]
    assert "a second session to the same router; left out" in p.stdout
    # A listen range whose peer-group is eBGP is not imported.
    rr = _router("rr", "10.0.0.1", " bgp listen range 10.1.0.0/24 peer-group G\n"
                 " neighbor G peer-group\n neighbor G remote-as external\n"
                 " neighbor 10.0.0.2 remote-as internal\n")
    p, zone = _imp(tmp_path / "dsh", {"rr.conf": rr, "b.conf": B})
    assert "the range is left out" in p.stdout
    assert _cli("import", "frr", str(tmp_path / "dsh" / "in"), "--dynamic",
                "10.1.0.0/24=3").returncode == 2  # no router listens on it any more


def test_two_listen_ranges_are_counted_apart_and_the_limit_is_per_router(
        tmp_path: Path) -> None:
    rr = _router("rr", "10.0.0.1", " bgp listen range 10.1.0.0/24 peer-group G\n"
                 " bgp listen range 10.2.0.0/24 peer-group G\n neighbor G peer-group\n"
                 " neighbor G remote-as internal\n",
                 "  neighbor G route-reflector-client\n")
    hvs = {f"hv{k}.conf": _router(f"hv{k}", f"10.1.0.{k}",
                                  " neighbor 10.0.0.1 remote-as internal\n")
           for k in (1, 2, 3)}
    p, zone = _imp(tmp_path, {"rr.conf": rr, **hvs}, "--dynamic", "10.1.0.0/24=50",
                   "--dynamic", "10.2.0.0/24=60")
    assert zone is not None
    clients = [s["client"] for s in zone["sessions"]]
    assert len(clients) == 110 and sum(c.startswith("dyn-10-2-0-0-24-") for c in clients) == 60
    assert "rr: 110 dynamic neighbors expected, but it accepts at most 100" in p.stdout
    q = _cli("import", "frr", str(tmp_path / "in"), "--dynamic", "10.1.0.0/24=300")
    assert q.returncode == 2 and "the range has 254 addresses" in q.stderr


def test_graceful_restart_is_mapped_to_the_router_that_keeps_the_routes(
        tmp_path: Path) -> None:
    """`bgp graceful-restart` on the RR only: its clients (helpers by default) keep the
    RR's routes; the RR keeps nobody's (its clients do not restart gracefully)."""
    rr = _router("rr", "10.0.0.1", " bgp graceful-restart\n"
                 " neighbor 10.0.0.2 remote-as internal\n",
                 "  neighbor 10.0.0.2 route-reflector-client\n")
    _, zone = _imp(tmp_path, {"rr.conf": rr, "b.conf": B})
    assert zone is not None
    assert "profile" not in _speaker(zone, "rr")
    assert zone["profiles"][_speaker(zone, "b")["profile"]]["graceful_restart"] == \
        "notification"
    off = B.replace(" bgp router-id", " no bgp graceful-restart notification\n bgp router-id")
    _, zone = _imp(tmp_path / "n", {"rr.conf": rr, "b.conf": off})
    assert zone is not None
    assert zone["profiles"][_speaker(zone, "b")["profile"]]["graceful_restart"] == "helper"


def test_the_output_does_not_depend_on_input_order(tmp_path: Path) -> None:
    files = sorted((CONFIGS / "spine-leaf").glob("*.conf"))
    outs = []
    for i, order in enumerate((files, list(reversed(files)))):
        out = tmp_path / f"z{i}.yaml"
        p = _cli("import", "frr", *map(str, order), "--out", str(out), "-q")
        assert p.returncode == 0, p.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    both = _cli("import", "frr", str(CONFIGS / "spine-leaf"), str(files[0]), "-q")
    assert both.returncode == 0, both.stderr  # a file named twice is read once
    same = _cli("import", "frr", str(CONFIGS / "spine-leaf"), "--out",
                str(tmp_path / "x.yaml"), "--report", str(tmp_path / "x.yaml"))
    assert same.returncode == 2 and "--report" in same.stderr
