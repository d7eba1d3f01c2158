"""The zone topology renderer (bgpcascade.diagrams.topology): DOT text, files, fallbacks.

Golden DOT files live in tests/golden/topology/; regenerate them after an intended change
with ``BGPCASCADE_UPDATE_GOLDEN=1 pytest tests/test_diagrams_topology.py``, then read the
diff before committing it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bgpcascade.diagrams import RenderResult, render_zone, zone_to_dot
from bgpcascade.diagrams import topology as topology_module
from bgpcascade.io import load_zone_file
from bgpcascade.model.topology import Zone
from bgpcascade.model.zonefile import load_zone

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden" / "topology"
UPDATE = os.environ.get("BGPCASCADE_UPDATE_GOLDEN") == "1"

#: A node statement: an indented id (bare or quoted) followed by an attribute list.
NODE_RE = re.compile(r'^\t+("(?:[^"\\]|\\.)*"|[^\s"\[]+) \[', re.MULTILINE)
#: An edge statement: ``tail -> head [...]``.
EDGE_RE = re.compile(r'^\t+("(?:[^"\\]|\\.)*"|[^\s"]+) -> ("(?:[^"\\]|\\.)*"|[^\s"]+)',
                     re.MULTILINE)


def _zone(name: str) -> Zone:
    return load_zone_file(EXAMPLES / f"{name}.yaml")


def _nodes(dot: str) -> list[str]:
    return [m.group(1).strip('"') for m in NODE_RE.finditer(dot)
            if m.group(1) not in ("node", "edge", "graph")]


def _cluster_block(dot: str, shard: str) -> str:
    """The text of ``subgraph cluster_<shard> { ... }`` (clusters are not nested)."""
    start = dot.index(f"subgraph cluster_{shard} {{")
    end = dot.index("\n\t}\n", start)
    return dot[start:end]


@pytest.mark.parametrize("name", ["lab", "flat-3-shards"])
def test_golden_dot(name: str) -> None:
    dot = zone_to_dot(_zone(name))
    golden = GOLDEN / f"{name}.dot"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(dot, encoding="utf-8")
    assert golden.exists(), f"{golden} missing: run with BGPCASCADE_UPDATE_GOLDEN=1"
    assert dot == golden.read_text(encoding="utf-8"), (
        f"DOT for {name} differs from {golden}; if the change is intended, rerun with "
        "BGPCASCADE_UPDATE_GOLDEN=1 and review the diff"
    )


@pytest.mark.parametrize("name", ["lab", "flat-3-shards", "fr-par-like"])
def test_deterministic(name: str) -> None:
    assert zone_to_dot(_zone(name)) == zone_to_dot(_zone(name))


@pytest.mark.parametrize("name", ["lab", "flat-3-shards", "fr-par-like"])
def test_one_edge_per_session_group(name: str) -> None:
    zone = _zone(name)
    dot = zone_to_dot(zone)
    edges = [(m.group(1).strip('"'), m.group(2).strip('"')) for m in EDGE_RE.finditer(dot)]
    assert len(edges) == len(zone.sessions)
    assert edges == [(s.a, s.b) for s in zone.sessions]


@pytest.mark.parametrize("name", ["lab", "flat-3-shards", "fr-par-like"])
def test_one_node_per_group_plus_legend(name: str) -> None:
    zone = _zone(name)
    nodes = _nodes(zone_to_dot(zone))
    assert nodes.count(topology_module.LEGEND_ID) == 1
    assert sorted(n for n in nodes if n != topology_module.LEGEND_ID) == sorted(
        g.key for g in zone.groups)


def test_big_client_group_is_one_node() -> None:
    zone = _zone("fr-par-like")
    dot = zone_to_dot(zone)
    shard_a = _cluster_block(dot, "a")
    client_nodes = [n for n in _nodes(shard_a) if not n.startswith("a-rr")]
    assert client_nodes == ["[a-c1..a-c800]"]
    line = next(ln for ln in shard_a.splitlines() if ln.lstrip().startswith('"[a-c1..a-c800]"'))
    assert "800 clients" in line
    assert "a-c1..a-c800" in line
    assert "150 routes each, frr" in line
    assert 'shape=folder' in line
    # No member of the group appears as a node of its own anywhere.
    assert not any(re.fullmatch(r"a-c\d+", n) for n in _nodes(dot))
    # The RR -> group edges say how many sessions each stands for.
    assert dot.count('-> "[a-c1..a-c800]" [label="×800"') == 2


def test_drawing_content() -> None:
    dot = zone_to_dot(_zone("fr-par-like"))
    assert "rankdir=TB" in dot
    top = dot[dot.index("subgraph top_tier {"):dot.index("\n\t}\n", dot.index("top_tier"))]
    assert "rank=min" in top
    assert _nodes(top) == ["spine1", "spine2"]
    for shard in "abcdef":
        assert f"subgraph cluster_{shard} {{" in dot
    assert 'label="shard a: 2 RRs, 800 clients\\nRR profile appliance\\n' \
           'cluster_id shared, hold 90 s"' in dot
    assert "cluster_id per-rr" in _cluster_block(dot, "b")
    assert "legend" in dot
    ibgp = next(ln for ln in dot.splitlines() if ln.startswith("\tspine1 -> spine2 "))
    assert "style=dashed" in ibgp
    assert "dir=none" in ibgp


def test_render_writes_dot_and_svg(tmp_path: Path) -> None:
    zone = _zone("lab")
    result = render_zone(zone, tmp_path / "out")
    assert isinstance(result, RenderResult)
    assert result.dot_path == tmp_path / "out" / "topology.dot"
    assert result.dot_path.read_text(encoding="utf-8") == zone_to_dot(zone)
    if shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' is not installed: SVG not checked")
    assert result.message is None
    assert result.svg_path == tmp_path / "out" / "topology.svg"
    svg = result.svg_path.read_text(encoding="utf-8")
    assert "<svg" in svg
    assert "hv1..hv4" in svg


def test_render_without_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topology_module.shutil, "which", lambda _name: None)
    result = render_zone(_zone("fr-par-like"), tmp_path)
    assert result.dot_path.is_file()
    assert result.svg_path is None
    assert not (tmp_path / "topology.svg").exists()
    assert result.message is not None
    assert "\n" not in result.message
    assert "apt-get install -y graphviz" in result.message
    assert f"dot -Tsvg {tmp_path / 'topology.dot'} -o {tmp_path / 'topology.svg'}" in (
        result.message)


def test_render_reports_dot_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    false = shutil.which("false")
    if false is None:
        pytest.skip("no 'false' program")
    monkeypatch.setattr(topology_module.shutil, "which", lambda _name: false)
    with pytest.raises(RuntimeError, match=r"dot -Tsvg .* failed \(exit 1\)"):
        render_zone(_zone("lab"), tmp_path)
    assert (tmp_path / "topology.dot").is_file()


#: An explicit zone with what the examples lack: a two-tier RR hierarchy without spines,
#: sharded and unsharded speakers, a lone client, a group of plain iBGP peers, and a
#: CLUSTER_ID with DOT's special characters.
EXPLICIT = r"""
zone: odd-one
speakers:
  - {name: top, cluster_id: 'x"y\'}
  - {name: leaf1, shard: s1, cluster_id: 7}
  - {name: leaf2, shard: s1, cluster_id: 7}
  - {name: h1, shard: s1, routes: 10}
  - {name: h2, shard: s1, routes: 10}
  - {name: lone, routes: 5, profile: bird}
  - {name: p1, routes: 3}
  - {name: p2, routes: 3}
sessions:
  - {rr: top, client: leaf1}
  - {rr: top, client: leaf2}
  - {rr: leaf1, client: h1}
  - {rr: leaf1, client: h2}
  - {rr: leaf2, client: h1}
  - {rr: leaf2, client: h2}
  - {rr: top, client: lone}
  - {peers: [top, p1]}
  - {peers: [top, p2]}
"""


def test_explicit_zone_shapes() -> None:
    zone = load_zone(EXPLICIT, source="<test>")
    dot = zone_to_dot(zone)
    assert dot == zone_to_dot(load_zone(EXPLICIT, source="<test>"))
    top_start = dot.index("subgraph top_tier {")
    assert _nodes(dot[top_start:dot.index("\n\t}\n", top_start)]) == ["top"]
    # Speakers without a shard sit outside every cluster, at the graph's top level.
    assert re.search(r'^\tlone \[', dot, re.MULTILINE)
    assert re.search(r'^\t"\[p1\.\.p2\]" \[', dot, re.MULTILINE)
    s1 = _cluster_block(dot, "s1")
    assert sorted(_nodes(s1)) == ["[h1..h2]", "leaf1", "leaf2"]
    assert 'label="shard s1: 2 RRs, 2 clients\\nRR profile frr\\ncluster_id shared' in s1
    lone = next(ln for ln in dot.splitlines() if ln.startswith("\tlone ["))
    assert "shape=ellipse" in lone
    assert 'label="lone\\n5 routes, bird"' in lone
    peers = next(ln for ln in dot.splitlines() if ln.startswith('\ttop -> "[p1..p2]" '))
    assert 'label="×2"' in peers
    assert "style=dashed" in peers
    assert len(EDGE_RE.findall(dot)) == len(zone.sessions)
    # User text stays literal: quotes escaped, backslashes doubled.
    assert 'cluster_id: x\\"y\\\\"' in dot
    # A zone name with quotes and a backslash (not allowed by the loader, but a Zone can
    # be built by hand) stays literal too.
    odd = zone_to_dot(dataclasses.replace(zone, name='odd "name" \\ here'))
    assert 'label="zone odd \\"name\\" \\\\ here: ' in odd


@pytest.mark.parametrize("name", ["lab", "flat-3-shards", "fr-par-like", "explicit"])
def test_dot_accepts_the_source(name: str) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' is not installed")
    zone = load_zone(EXPLICIT, source="<test>") if name == "explicit" else _zone(name)
    proc = subprocess.run(["dot", "-Tsvg"], input=zone_to_dot(zone).encode(),
                          capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr == b"", proc.stderr.decode()
