"""Trace diagrams: frames per session change, timeline charts, render."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest

from bgpcascade.diagrams import charts, frame_to_dot, frames, render_trace
from bgpcascade.model.trace import simulate
from bgpcascade.model.triggers import parse_flap
from bgpcascade.model.zonefile import load_zone

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "tests" / "examples"
GOLDEN = ROOT / "tests" / "golden" / "trace"
UPDATE = os.environ.get("BGPCASCADE_UPDATE_GOLDEN") == "1"


def _trace(name: str, flap: str, horizon: int) -> dict:
    path = EXAMPLES / name
    text = path.read_text()
    zone = load_zone(text, source=str(path.relative_to(ROOT)))
    return simulate(zone, text, str(path.relative_to(ROOT)), [parse_flap(zone, flap)],
                    horizon=Fraction(horizon), dt=Fraction(1))


@pytest.fixture(scope="module")
def cascade() -> dict:
    return _trace("unsafe/appliance-shard-cascade.yaml", "spine1~b-rr1@30", 200)


def test_golden_frames_of_a_small_trace() -> None:
    """The lab flap's frames as DOT, byte for byte (BGPCASCADE_UPDATE_GOLDEN=1 rewrites
    the golden file, to be reviewed)."""
    trace = _trace("safe/lab.yaml", "rr1~hv1@10", 60)
    got = "".join(f"// frame {f.index}\n{frame_to_dot(trace, f)}" for f in frames(trace))
    path = GOLDEN / "lab-flap.frames.dot"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got)
    assert got == path.read_text()


def test_one_frame_per_instant_sessions_change(cascade: dict) -> None:
    fs = frames(cascade)
    times = sorted({e["t"] for e in cascade["events"]})
    assert [f.t for f in fs] == [0.0, *times]
    assert all(st == "up" for st in fs[0].state.values())
    # The flapped session is down (coming back) right after the trigger, the appliance
    # RRs' sessions are down at the hold expiry, and their clients shown isolated.
    assert fs[1].state["b-rr1~spine1"] == "coming-back"
    expiry = next(f for f in fs if "hold_timer_expired" in f.caption)
    dot = frame_to_dot(cascade, expiry)
    assert "300 isolated" in dot and "queue" in dot and "hold 90 s" in dot
    assert 'penwidth=3' in dot and "trigger" in dot


def test_charts_are_svg_with_the_hold_line_and_the_waves(cascade: dict) -> None:
    svgs = charts(cascade)
    assert set(svgs) == {"sessions-up.svg", "queue-delay.svg", "clients-isolated.svg"}
    ns = {"s": "http://www.w3.org/2000/svg"}
    for text in svgs.values():
        root = ET.fromstring(text)
        assert root.findall(".//s:polyline", ns)
        markers = root.findall(".//s:line[@class='marker']", ns)
        waves = {int(e["t"]) for e in cascade["events"]
                 if e["kind"] == "down" and not e["direct"]}
        assert len(markers) == 1 + len(waves)  # the trigger and each reset wave
    qd = ET.fromstring(svgs["queue-delay.svg"])
    assert qd.findall(".//s:line[@class='hline']", ns)
    su = ET.fromstring(svgs["sessions-up.svg"])
    names = [t.text for t in su.findall(".//s:polyline/s:title", ns)]
    assert names == ["shard a", "shard b", "shard c", "spines"]


def test_render_writes_frames_charts_and_index_identically(cascade: dict,
                                                          tmp_path: Path) -> None:
    a = render_trace(cascade, tmp_path / "a")
    render_trace(cascade, tmp_path / "b")
    assert len(a.frames) == len(frames(cascade)) and len(a.charts) == 3
    for p in sorted((tmp_path / "a").iterdir()):
        assert p.read_bytes() == (tmp_path / "b" / p.name).read_bytes(), p.name
    assert "frame-000" in a.index.read_text()


def test_render_cli_on_a_trace_and_on_a_bad_one(cascade: dict, tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(json.dumps(cascade))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "bgpcascade", "render", "t.json", "--out",
                        "out", "-q"], cwd=tmp_path, capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0 and (tmp_path / "out" / "index.html").exists()
    (tmp_path / "bad.json").write_text('{"zone": 1}')
    r = subprocess.run([sys.executable, "-m", "bgpcascade", "render", "bad.json", "--out",
                        "out2", "-q"], cwd=tmp_path, capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "not a bgpcascade trace" in r.stderr
