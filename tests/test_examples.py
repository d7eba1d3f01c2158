"""Golden examples (as CrossHair keeps them): each zone in tests/examples/{safe,unsafe}/ through the
CLI as a subprocess; exit code, failing checks and the JSON output against golden files.

Regenerate the golden JSON with ``BGPCASCADE_UPDATE_GOLDEN=1 pytest tests/test_examples.py``
and review the diff before committing it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

EXAMPLES = Path(__file__).parent / "examples"
EXPECTED = yaml.safe_load((EXAMPLES / "expected.yaml").read_text())
UPDATE = os.environ.get("BGPCASCADE_UPDATE_GOLDEN") == "1"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bgpcascade", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_every_example_zone_has_an_expectation() -> None:
    files = sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.glob("*/*.yaml"))
    assert files == sorted(EXPECTED)
    for name, exp in EXPECTED.items():
        assert name.startswith("safe/") == (exp["lint"] == 0) or "simulate" in exp


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_lint_golden(name: str, tmp_path: Path) -> None:
    expected = EXPECTED[name]
    zone = EXAMPLES / name
    out = tmp_path / "lint.json"
    proc = run_cli("lint", str(zone), "--json", str(out), "--quiet")
    assert proc.stderr == ""
    assert proc.returncode == expected["lint"], proc.stdout
    result = json.loads(out.read_text())
    assert result["checks_failed"] == expected.get("failing", [])
    golden = zone.with_suffix(".lint.json")
    if UPDATE:
        golden.write_text(out.read_text())
    assert out.read_text() == golden.read_text(), f"golden differs: {golden}"


def test_failing_check_rows_name_the_problem() -> None:
    golden = json.loads((EXAMPLES / "unsafe/shared-cluster-single-homed.lint.json").read_text())
    table = next(t for t in golden["tables"] if t["name"] == "reflection_completeness")
    assert {(r["origin_group"], r["receiver_group"]) for r in table["rows"]} == {
        ("[hv1..hv2]", "[hv3..hv4]"), ("[hv3..hv4]", "[hv1..hv2]")}


SIMULATED = sorted(n for n, e in EXPECTED.items() if "simulate" in e)


@pytest.mark.parametrize("name", SIMULATED)
def test_simulate_golden(name: str, tmp_path: Path) -> None:
    """Golden traces: the summary and the session events (the sampled series are left out
    of the golden file to keep it small; replay checks them)."""
    spec = EXPECTED[name]["simulate"]
    zone = EXAMPLES / name
    trace_path = tmp_path / "trace.json"
    proc = run_cli("simulate", str(zone), *spec["args"], "--trace", str(trace_path), "-q")
    assert proc.returncode == 0, proc.stderr
    trace = json.loads(trace_path.read_text())
    assert trace["summary"]["verdict"] == spec["verdict"]
    golden_data = {"summary": trace["summary"], "events": trace["events"]}
    text = json.dumps(golden_data, indent=1, sort_keys=True) + "\n"
    golden = zone.with_suffix(".simulate.json")
    if UPDATE:
        golden.write_text(text)
    assert text == golden.read_text(), f"golden differs: {golden}"
    replay = run_cli("simulate", "--replay", str(trace_path), "-q")
    assert replay.returncode == 0 and "identical" in replay.stdout
