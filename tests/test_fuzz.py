"""Fuzzing the three things users feed the tool (docs/validation.md, "Trust"): zone files, FRR
configurations and traces. Every input gives a result or one clear InputError line
(exit 2 on the CLI), never another exception, never a hang.

Inputs are built from the formats' own vocabulary (keys, commands, values near the limits)
so that Hypothesis reaches deep into the loaders, not only their first check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bgpcascade.frr.importer import build_zone, parse_config
from bgpcascade.model.errors import InputError
from bgpcascade.model.zonefile import load_zone

ROOT = Path(__file__).resolve().parent.parent
FULL = os.environ.get("BGPCASCADE_FULL_FUZZ") == "1"
N = 2000 if FULL else 150

# -- zone files -------------------------------------------------------------------------------
ZONE_KEYS = ["zone", "timers", "spines", "shards", "speakers", "sessions", "profiles",
             "hold", "keepalive", "connect_retry", "count", "profile", "cluster_id", "name",
             "clients", "routes_per_client", "rrs", "rr_profile", "client_profile",
             "rr_capacity", "rr_routes", "client_to_client", "dynamic_neighbors", "routes",
             "capacity", "shard", "rr", "client", "peers", "base", "cost_tx_route",
             "keepalive_rx", "keepalive_tx", "graceful_restart", "coalesce_time",
             "update_groups", "open_hold", "idle_hold_initial", "stale_time", "description"]
SCALARS = st.one_of(
    st.none(), st.booleans(),
    st.integers(-3, 3), st.sampled_from([0, 1, 2, 3, 9, 90, 65535, 65536, 10 ** 6, 10 ** 12,
                                         2 ** 63]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["frr", "bird", "appliance", "a", "a-rr1", "rr1", "c1", "spine1",
                     "fifo", "io-thread", "main-loop", "off", "notification", "shared",
                     "per-rr", "10.0.0.1", "", " ", "[a..b]", "a~b", "€", "builtin:x"]),
    st.text(max_size=8))
VALUES = st.recursive(SCALARS, lambda kids: st.one_of(
    st.lists(kids, max_size=4),
    st.dictionaries(st.sampled_from(ZONE_KEYS), kids, max_size=5)), max_leaves=25)


def _check_zone_text(text: str) -> None:
    try:
        load_zone(text, source="fuzz.yaml")
    except InputError as exc:
        line = exc.one_line()
        assert "\n" not in line and line.startswith("fuzz.yaml"), line


@settings(max_examples=N, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(ZONE_KEYS), VALUES, max_size=6))
def test_any_zone_structure_loads_or_is_one_line(data: dict[str, Any]) -> None:
    _check_zone_text(yaml.safe_dump(data))


@settings(max_examples=N, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([
    "zone: z\nshards: [{name: a, clients: 3, routes_per_client: 1}]\n",
    "zone: z\nspeakers: [{name: r}, {name: c}]\nsessions: [{rr: r, client: c}]\n",
    "zone: z\nspines: {count: 2}\nshards: [{name: a, clients: 3, routes_per_client: 1}]\n",
]), st.data())
def test_small_edits_of_good_zones_load_or_are_one_line(base: str, data: Any) -> None:
    """A valid zone with one key changed to a hostile value, or its text cut short."""
    doc = yaml.safe_load(base)
    path = data.draw(st.sampled_from(_paths(doc)))
    _set(doc, path, data.draw(VALUES))
    _check_zone_text(yaml.safe_dump(doc))
    text = yaml.safe_dump(doc)
    _check_zone_text(text[:data.draw(st.integers(0, len(text)))])


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for k in path[:-1]:
        doc = doc[k]
    doc[path[-1]] = value


@settings(max_examples=N, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_as_a_zone(raw: bytes) -> None:
    _check_zone_text(raw.decode("utf-8", errors="replace"))


# -- FRR configurations -----------------------------------------------------------------------
TOKENS = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.1.0.0/24", "2001:db8::1", "65000",
          "65001", "65000.1", "internal", "external", "G", "lo", "swp1", "3", "9", "0", "1",
          "65536", "-1", "x", "²", "4294967296", "dot", "vrf", "connect", "delayopen"]
COMMANDS = [
    "hostname {}", "frr defaults {}", "router bgp {}", " bgp router-id {}",
    " bgp cluster-id {}", " timers bgp {} {}", " neighbor {} remote-as {}",
    " neighbor {} peer-group", " neighbor {} peer-group {}", " neighbor {} update-source {}",
    " neighbor {} timers {} {}", " neighbor {} timers connect {}",
    " neighbor {} interface remote-as {}", " neighbor {} shutdown",
    " bgp listen range {} peer-group {}", " bgp listen limit {}",
    " no bgp client-to-client reflection", " bgp graceful-restart",
    " bgp graceful-restart stalepath-time {}", " address-family {} {}",
    "  neighbor {} route-reflector-client", "  neighbor {} activate", "  network {}",
    "  advertise-all-vni", " exit-address-family", "exit", "!", "interface {}",
    " ip address {}", "end", "\tneighbor {} remote-as {}", "router bgp {} vrf {}",
]


@st.composite
def configs(draw: Any) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 14))):
        cmd = draw(st.sampled_from(COMMANDS))
        args = [draw(st.sampled_from(TOKENS)) for _ in range(cmd.count("{}"))]
        lines.append(cmd.format(*args))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\r\n"]))


@settings(max_examples=N, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(configs(), min_size=1, max_size=3), st.data())
def test_any_frr_configuration_imports_or_is_one_line(texts: list[str], data: Any) -> None:
    routers = []
    try:
        for i, text in enumerate(texts):
            r, _lines = parse_config(Path(f"r{i}.conf"), text)
            routers.append(r)
        dynamic = data.draw(st.dictionaries(st.sampled_from(["10.1.0.0/24", "10.0.0.0/8"]),
                                            st.integers(0, 300), max_size=1))
        result = build_zone(routers, dynamic=dynamic)
    except InputError as exc:
        assert "\n" not in exc.one_line()
        return
    if result.sessions:
        load_zone(result.yaml(), source="<import>")  # a zone written always loads


# -- traces -------------------------------------------------------------------------------------
GOOD_TRACE: dict[str, Any] | None = None


def _good_trace(tmp: Path) -> dict[str, Any]:
    global GOOD_TRACE
    if GOOD_TRACE is None:
        zone = ROOT / "tests" / "lab" / "frr-5x200.yaml"
        subprocess.run([sys.executable, "-m", "bgpcascade", "simulate", str(zone),
                        "--flap", "rr1~hv1@5", "--horizon", "20", "--trace",
                        str(tmp / "t.json"), "-q"], check=True, capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        GOOD_TRACE = json.loads((tmp / "t.json").read_text())
    return GOOD_TRACE


def test_hostile_traces_replay_or_are_one_line(tmp_path: Path) -> None:
    """Changed fields of a real trace, through the CLI: exit 0/1 (a replay that differs),
    or 2 with one line; never a traceback."""
    good = _good_trace(tmp_path)
    hostile: list[tuple[tuple[Any, ...], Any]] = [
        (("params", "triggers", 0, "a"), "nobody"),
        (("params", "triggers", 0, "b"), None),
        (("params", "triggers", 0, "kind"), "pause"),
        (("params", "triggers", 0, "t"), -1),
        (("params", "triggers", 0, "t"), "soon"),
        (("params", "triggers", 0, "t"), 1e300),
        (("params", "triggers", 0, "down_for"), 1e9),
        (("params", "triggers"), "x"),
        (("params", "triggers"), [{}]),
        (("params", "horizon_s"), 0),
        (("params", "horizon_s"), -5),
        (("params", "horizon_s"), 1e12),
        (("params", "dt_s"), 0),
        (("params", "dt_s"), 1e-12),
        (("params", "outage_threshold"), "half"),
        (("params", "expand"), "yes"),
        (("zone_text",), "zone: [unclosed"),
        (("zone_text",), 42),
        (("zone_source",), None),
        (("params",), []),
    ]
    for path, value in hostile:
        doc = json.loads(json.dumps(good))
        _set(doc, path, value)
        f = tmp_path / "h.json"
        f.write_text(json.dumps(doc))
        p = subprocess.run([sys.executable, "-m", "bgpcascade", "simulate", "--replay",
                            str(f), "-q"], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert "Traceback" not in p.stderr, (path, value, p.stderr[-800:])
        assert p.returncode in (0, 1, 2), (path, value, p.returncode, p.stderr)
        if p.returncode == 2:
            assert len(p.stderr.strip().splitlines()) == 1, (path, value, p.stderr)
