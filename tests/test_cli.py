"""The CLI contract: exit codes, one-line errors, JSON keys, output safety, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bgpcascade.cli import main
from bgpcascade.io import builtin_zone_path

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "examples" / "lab.yaml"


def run(*args: str, cwd: Path | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bgpcascade", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)


def test_builtin_zone_is_the_example_file() -> None:
    assert builtin_zone_path().read_bytes() == (ROOT / "examples/fr-par-like.yaml").read_bytes()


@pytest.mark.parametrize("text, fragment", [
    ("zone: x\nshards: [{name: a, clients: 0, routes_per_client: 1}]\n",
     "z.yaml:2: shards[0].clients: 0 is not allowed (allowed: >= 1)"),
    ("zone: x\ntimers: {hold: 2}\nshards: [{name: a, clients: 1, routes_per_client: 1}]\n",
     "z.yaml:2: timers.hold: 2 s is not allowed (allowed: 0, or >= 3 seconds (RFC 4271 §4.2))"),
    ("zone: x\nspeakers: [{name: a}]\nsessions: [{peers: [a, b]}]\n",
     "z.yaml:3: sessions[0].peers[1]: unknown speaker 'b'"),
    ("zone: [\n", "z.yaml:"),
])
def test_bad_zone_is_one_line_and_exit_2(tmp_path: Path, text: str, fragment: str) -> None:
    zone = tmp_path / "z.yaml"
    zone.write_text(text)
    proc = run("lint", "z.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("bgpcascade: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("argv", [
    [], ["lint"], ["nosuchcommand"], ["lint", "x.yaml", "--bogus"], ["render", "x.yaml"],
])
def test_usage_errors_are_one_line_and_exit_2(argv: list[str]) -> None:
    proc = run(*argv)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_lint_exit_codes_and_json(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert main(["lint", str(LAB), "--json", str(out), "-q"]) == 0
    data = json.loads(out.read_text())
    assert set(data) == {"zone", "ok", "checks_failed", "tables"}
    assert [t["name"] for t in data["tables"]] == [
        "reflection_completeness", "single_points_of_failure", "session_limits", "fan_out",
        "reset_cost"]
    for t in data["tables"]:
        assert set(t) == {"name", "kind", "title", "passed", "note", "columns", "rows"}
    unsafe = ROOT / "tests/examples/unsafe/single-rr-shard.yaml"
    assert main(["lint", str(unsafe), "-q"]) == 1


def test_json_never_overwrites_the_input(tmp_path: Path) -> None:
    zone = tmp_path / "z.yaml"
    zone.write_bytes(LAB.read_bytes())
    proc = run("lint", str(zone), "--json", str(zone), "-q")
    assert proc.returncode == 2
    assert "would overwrite an input file" in proc.stderr
    assert zone.read_bytes() == LAB.read_bytes()


def test_render_refuses_a_file_as_out_dir(tmp_path: Path) -> None:
    target = tmp_path / "afile"
    target.write_text("keep me")
    proc = run("render", str(LAB), "--out", str(target))
    assert proc.returncode == 2 and "is not a directory" in proc.stderr
    assert target.read_text() == "keep me"
    proc = run("render", str(LAB), "--out", "/etc")
    assert proc.returncode == 2 and "system directory" in proc.stderr


def test_render_writes_dot(tmp_path: Path) -> None:
    proc = run("render", str(LAB), "--out", str(tmp_path / "o"), "-q")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o" / "topology.dot").read_text().startswith("digraph")


def test_show_json_keys(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    assert main(["show", "builtin:fr-par-like", "--json", str(out), "-q"]) == 0
    data = json.loads(out.read_text())
    assert data["clients"] == 2300 and data["route_reflectors"] == 14
    assert [s["shard"] for s in data["shards"]] == list("abcdef")
    assert data["shards"][0]["clients"] == 800 and data["shards"][0]["rr_profile"] == "appliance"
    a_rr1 = next(r for r in data["rr_load"] if r["rr"] == "a-rr1")
    assert a_rr1["sessions"] == 802 and a_rr1["clients"] == 800
    # 800 clients x 150 routes (each once) + 225,000 other routes from each of 2 spines.
    assert a_rr1["adj_rib_in_paths"] == 800 * 150 + 2 * 225_000


def test_schema_is_json_schema() -> None:
    proc = run("schema")
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    assert {"CompactZoneSpec", "ExplicitZoneSpec"} <= set(schema["$defs"])


def test_quiet_silences_progress_and_output_is_deterministic(tmp_path: Path) -> None:
    env_a = {**os.environ, "PYTHONHASHSEED": "1"}
    env_b = {**os.environ, "PYTHONHASHSEED": "4242"}
    a = run("lint", "builtin:fr-par-like", "--json", str(tmp_path / "a.json"), "-q", env=env_a)
    b = run("lint", "builtin:fr-par-like", "--json", str(tmp_path / "b.json"), "-q", env=env_b)
    assert a.stderr == b.stderr == ""
    assert a.stdout == b.stdout
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    noisy = run("lint", str(LAB))
    assert "[bgpcascade" in noisy.stderr


def test_demo_end_to_end(tmp_path: Path) -> None:
    proc = run("demo", "--out", str(tmp_path / "demo"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "fr-par-like" in proc.stdout
    assert (tmp_path / "demo" / "lint.json").is_file()
    assert (tmp_path / "demo" / "topology.dot").is_file()
    assert (tmp_path / "demo" / "trace" / "frame-000.dot").is_file()
    assert (tmp_path / "demo" / "trace" / "queue-delay.svg").is_file()
    assert (tmp_path / "demo" / "trace" / "explorer.html").is_file()
    assert "trace/explorer.html" in proc.stdout and "review/review.html" in proc.stdout
    assert "[bgpcascade" in proc.stderr  # progress shown
    # The review (quick scope): shard a, on appliance RRs, is over its limit, and at least
    # one what-if contains every flap; the report exists in both forms.
    review = json.loads((tmp_path / "demo" / "review" / "review.json").read_text())
    assert review["verdict"] == "VIOLATED" and review["tightest_shard"] == "a"
    a = next(s for s in review["shards"] if s["shard"] == "a")
    assert a["clients_boundary"]["boundary"] < 800 and a["headroom_percent"] < 0
    assert any(w["status"] == "HOLDS" for w in review["what_ifs"])
    for name in ("review.html", "review.md", "headroom.svg"):
        assert (tmp_path / "demo" / "review" / name).stat().st_size > 0
