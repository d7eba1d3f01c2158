"""``bgpcascade check`` for CI (docs/ci.md): engines, the Hypothesis search, JUnit, JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "tests" / "examples"
APPLIANCE = EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml"


def _cli(*args: str, cwd: Path, seed: str = "0") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bgpcascade", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONPATH": str(ROOT),
                               "PYTHONHASHSEED": seed})


def test_hypothesis_finds_the_cascade_and_shrinks_the_load(tmp_path: Path) -> None:
    """On the unsafe golden zone, with its load free in 2..300 clients, the search finds a
    cascade within the default budget; the shrunk zone is no larger than the golden one,
    and its trace replays."""
    r = _cli("check", str(APPLIANCE), "--engine", "hypothesis", "--vary",
             "a.clients=2..300", "--json", "r.json", "-q", cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    cx = data["counterexample"]
    assert cx["point"]["a.clients"] <= 300 and len(cx["triggers"]) == 1
    shrunk = yaml.safe_load((tmp_path / cx["zone"]).read_text())
    golden = yaml.safe_load(APPLIANCE.read_text())
    assert sum(s["clients"] for s in shrunk["shards"]) <= \
        sum(s["clients"] for s in golden["shards"])
    r2 = _cli("simulate", "--replay", cx["trace"], "-q", cwd=tmp_path)
    assert r2.returncode == 0 and "identical" in r2.stdout


@pytest.mark.parametrize("zone", ["safe/two-tier-shared-cluster.yaml", "safe/lab.yaml"])
def test_hypothesis_finds_nothing_on_the_safe_zones(tmp_path: Path, zone: str) -> None:
    r = _cli("check", str(EXAMPLES / zone), "--engine", "hypothesis", "--json", "r.json",
             "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["status"] == "HOLDS" and data["bounds"]["examples"] >= 100


@pytest.mark.parametrize("zone, prop", [
    ("unsafe/shared-cluster-single-homed.yaml", "reflection_complete"),
    ("unsafe/shared-cluster-single-homed.yaml", "no_single_rr_isolation"),
    ("unsafe/single-rr-shard.yaml", "no_single_rr_isolation"),
    ("unsafe/no-client-to-client.yaml", "reflection_complete"),
    ("unsafe/dynamic-neighbors-over-limit.yaml", "within_session_limits"),
])
def test_static_properties_fail_on_the_unsafe_lint_zones(tmp_path: Path, zone: str,
                                                         prop: str) -> None:
    r = _cli("check", str(EXAMPLES / zone), "--property", prop, "--json", "r.json", "-q",
             cwd=tmp_path)
    assert r.returncode == 1
    row = json.loads((tmp_path / "r.json").read_text())["results"][0]
    assert row["engine"] == "static" and row["status"] == "VIOLATED"


def test_same_seed_same_answer_and_the_database_replays_failures_first(
        tmp_path: Path) -> None:
    args = ["check", str(APPLIANCE), "--engine", "hypothesis", "--vary",
            "a.clients=2..300", "-q", "--out", "out"]
    _cli(*args, "--database", "db1", "--json", "a.json", cwd=tmp_path, seed="1")
    _cli(*args, "--database", "db2", "--json", "b.json", cwd=tmp_path, seed="2")
    a, b = (tmp_path / "a.json").read_bytes(), (tmp_path / "b.json").read_bytes()
    assert a == b  # byte-identical across runs and hash seeds
    first = json.loads(a)["bounds"]["examples"]
    _cli(*args, "--database", "db1", "--json", "c.json", cwd=tmp_path)
    again = json.loads((tmp_path / "c.json").read_text())
    assert again["status"] == "VIOLATED" and again["bounds"]["examples"] <= first


def test_all_engines_on_several_zones_with_junit(tmp_path: Path) -> None:
    safe = EXAMPLES / "safe" / "two-tier-shared-cluster.yaml"
    r = _cli("check", str(APPLIANCE), str(safe), "--engine", "all", "--property",
             "no_cascade", "--property", "reflection_complete", "--junit", "j.xml",
             "--json", "r.json", "-q", "--horizon", "200",
             "--at", "30",  # one time per flap: every offset is tests/test_offsets.py's
             cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    got = {(x["zone"], x["property"], x["engine"]): x["status"] for x in data["results"]}
    for engine in ("sim", "z3", "hypothesis"):
        assert got[("appliance-shard-cascade", "no_cascade", engine)] == "VIOLATED"
        assert got[("two-tier-shared-cluster", "no_cascade", engine)] == "HOLDS"
    assert got[("appliance-shard-cascade", "reflection_complete", "static")] == "HOLDS"
    suites = ET.parse(tmp_path / "j.xml").getroot()
    assert [s.get("name") for s in suites] == ["appliance-shard-cascade",
                                               "two-tier-shared-cluster"]
    assert suites[0].get("failures") == "3" and suites[1].get("failures") == "0"
    failure = suites[0].find("testcase/failure")
    assert failure is not None and "replay: bgpcascade simulate" in (failure.text or "")
    assert "worst single flaps" in r.stdout


def test_a_budget_too_small_for_hypothesis_is_unknown(tmp_path: Path) -> None:
    r = _cli("check", str(EXAMPLES / "safe" / "lab.yaml"), "--engine", "hypothesis",
             "--budget", "0.001", "--json", "r.json", "-q", cwd=tmp_path)
    assert r.returncode == 3
    assert json.loads((tmp_path / "r.json").read_text())["status"] == "UNKNOWN"


@pytest.mark.parametrize("args, needle", [
    (["--engine", "bogus"], "--engine"),
    (["--examples", "0"], "--examples"),
    (["--max-triggers", "0"], "--max-triggers"),
    (["--property", "reflection_complete=1"], "takes no argument"),
])
def test_bad_check_input_is_one_line(tmp_path: Path, args: list[str], needle: str) -> None:
    r = _cli("check", str(APPLIANCE), *args, "-q", cwd=tmp_path)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and needle in r.stderr


@pytest.mark.parametrize("props", [["p_cascade_below=0.1"],
                                   ["no_cascade", "p_cascade_below=0.5"]])
def test_search_refuses_a_probability_in_one_line(tmp_path: Path, props: list[str]) -> None:
    """``search`` judges one run at a time: a property over seeds is refused before any
    run, pointing to ``check --runs``."""
    flags = [x for p in props for x in ("--property", p)]
    r = _cli("search", str(APPLIANCE), "--vary", "a.clients=1..100", *flags, "--json",
             "s.json", "-q", cwd=tmp_path)
    assert r.returncode == 2 and not r.stdout
    assert len(r.stderr.strip().splitlines()) == 1
    assert "p_cascade_below" in r.stderr and "check --runs N" in r.stderr
    assert not (tmp_path / "s.json").exists()


def test_explore_shrinks_to_the_smallest_failing_zone(tmp_path: Path) -> None:
    """`explore` draws zones and shrinks the first failure: with a property nearly every
    zone fails (reconverge within 1 s of a flap), the smallest, simplest zone remains, and
    its trace replays. (A horizon of 10 s after the flap: the property fails for want of
    time, and each of the shrinker's runs is short.)"""
    r = _cli("explore", "--property", "reconverges_within=1", "--examples", "20",
             "--max-clients", "10", "--profiles", "frr,appliance", "--horizon", "20",
             "--out", "out", "-q", cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    zone = yaml.safe_load((tmp_path / "out" / "explore-counterexample.yaml").read_text())
    assert len(zone["shards"]) == 1 and zone["shards"][0]["clients"] == 2
    assert zone["shards"][0]["rrs"] == 2 and zone["shards"][0]["rr_profile"] == "frr"
    assert "replay: bgpcascade simulate" in r.stdout
    r2 = _cli("simulate", "--replay", "out/explore-counterexample.trace.json", "-q",
              cwd=tmp_path)
    assert r2.returncode == 0
    # The printed command names the run's timing (explore's defaults) and gives that run.
    import shlex
    cmd = next(x for x in r.stdout.splitlines() if x.startswith("replay: "))
    assert "--seed 1 --phases spread --cohorts 4" in cmd
    r3 = _cli(*shlex.split(cmd)[2:], "-q", "--json", "s.json", cwd=tmp_path)
    trace = json.loads((tmp_path / "out" / "explore-counterexample.trace.json").read_text())
    run = json.loads((tmp_path / "s.json").read_text())
    assert r3.returncode in (0, 1), r3.stderr
    assert (run["verdict"], run["reconverged_at_s"]) == \
        (trace["summary"]["verdict"], trace["summary"]["reconverged_at_s"])


def test_explore_finds_nothing_in_few_small_zones_and_says_it_is_bounded(
        tmp_path: Path) -> None:
    r = _cli("explore", "--examples", "10", "--max-clients", "20", "--profiles", "frr",
             "--horizon", "120", "--out", "out", "-q", cwd=tmp_path)
    assert r.returncode == 0 and "bounded search, not a proof" in r.stdout


def test_without_a_database_every_run_is_the_same(tmp_path: Path) -> None:
    args = ["check", str(EXAMPLES / "safe" / "lab.yaml"), "--engine", "hypothesis",
            "--database", "none", "--examples", "15", "-q", "--out", "out"]
    _cli(*args, "--json", "a.json", cwd=tmp_path, seed="3")
    _cli(*args, "--json", "b.json", cwd=tmp_path, seed="4")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert not (tmp_path / ".bgpcascade").exists()


def test_two_zone_files_with_one_name_are_refused(tmp_path: Path) -> None:
    r = _cli("check", str(APPLIANCE), str(APPLIANCE), "-q", cwd=tmp_path)
    assert r.returncode == 2 and "two zone files are named" in r.stderr


def test_a_replay_command_with_a_hold_down_runs_as_printed(tmp_path: Path) -> None:
    """A flap held down (``--down``) is written back as ``--flap A~B@T --down S``, and
    the printed command runs: the label's "down Ns" is not a flag value."""
    import shlex
    from fractions import Fraction

    from bgpcascade.checking import replay_command
    from bgpcascade.model.triggers import parse_flap
    from bgpcascade.model.zonefile import load_zone

    zone_path = ROOT / "examples" / "lab.yaml"
    zone = load_zone(zone_path.read_text(), source=str(zone_path))
    flap = parse_flap(zone, "rr1~hv1@10", Fraction(5))
    cmd = replay_command(zone_path, [flap], Fraction(60))
    assert cmd == f"bgpcascade simulate {zone_path} --flap hv1~rr1@10 --down 5 --horizon 60"
    args = shlex.split(cmd)[1:]
    proc = _cli(*args, "--quiet", "--json", str(tmp_path / "s.json"), cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    trig = json.loads((tmp_path / "s.json").read_text())["triggers"][0]
    assert trig["down_for"] == 5 and trig["label"] == flap.label()


def test_a_printed_replay_command_gives_the_counterexample_run(tmp_path: Path) -> None:
    """``check``'s "or: bgpcascade simulate ..." names the Timing the counterexample ran
    with (--seed, --phases, --cohorts), so the command gives that run: the same verdict
    and first cascaded reset as its trace (simulate's defaults, seed 1 and 4 cohorts,
    put the first reset of this flap a second and a half later)."""
    import shlex

    zone = ROOT / "examples" / "keepalive-offsets.yaml"
    r = _cli("check", str(zone), "--engine", "sim", "--flap", "spine1~a-rr1@12", "--at",
             "12", "--seed", "7", "--cohorts", "2", "--horizon", "120", "--out", "ck",
             "--json", "ck.json", "-q", cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    cx = json.loads((tmp_path / "ck.json").read_text())["runs"][0]["counterexample"]
    assert "--seed 7 --phases spread --cohorts 2" in cx["simulate"]
    assert f"or: {cx['simulate']}" in r.stdout
    trace = json.loads((tmp_path / cx["trace"]).read_text())["summary"]
    args = shlex.split(cx["simulate"])[1:]
    got = _cli(*args, "--quiet", "--json", "s.json", cwd=tmp_path)
    assert got.returncode in (0, 1), got.stderr
    run = json.loads((tmp_path / "s.json").read_text())
    assert (run["verdict"], run["first_cascade_reset_s"]) == \
        (trace["verdict"], trace["first_cascade_reset_s"])
    assert run["verdict"] == "cascade" and run["first_cascade_reset_s"] is not None
    assert (run["seed"], run["phases"], run["cohorts"]) == (7, "spread", 2)
