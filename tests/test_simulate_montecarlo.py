"""`simulate --seed/--phases/--cohorts/--runs` and `check --property p_cascade_below=P`:
the JSON contract, byte-identical output whatever --jobs, exact replay of the recorded
timing (and of traces made before it was recorded), bad input (docs/cli.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bgpcascade.model.timing import DEFAULT_COHORTS, DEFAULT_SEED

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "examples" / "lab.yaml"
CASCADE = ROOT / "tests" / "examples" / "unsafe" / "appliance-shard-cascade.yaml"
SAFE = ROOT / "tests" / "examples" / "safe" / "two-tier-shared-cluster.yaml"
MC_KEYS = {"p_cascade", "p_cascade_ci95", "p_zone_outage", "p_zone_outage_ci95",
           "quantiles", "worst_seed", "seeds"}


EXIT = {"HOLDS": 0, "VIOLATED": 1, "UNKNOWN": 3}


def _expected(ci95: list[float], bound: float) -> str:
    """The three-valued verdict the interval gives (docs/model.md, "Monte Carlo")."""
    return "HOLDS" if ci95[1] < bound else "VIOLATED" if ci95[0] >= bound else "UNKNOWN"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bgpcascade", *args], capture_output=True,
                          text=True, timeout=600, cwd=cwd)


def test_one_run_records_its_timing_in_the_json_and_the_trace(tmp_path: Path) -> None:
    out, trace = tmp_path / "s.json", tmp_path / "t.json"
    r = cli("simulate", str(LAB), "--flap", "rr1~hv1@10", "--horizon", "30", "--json",
            str(out), "--trace", str(trace), "-q")
    assert r.returncode == 0, r.stderr
    s = json.loads(out.read_text())
    assert (s["seed"], s["phases"], s["cohorts"], s["runs"]) == (
        DEFAULT_SEED, "spread", DEFAULT_COHORTS, 1)
    assert not MC_KEYS & set(s)  # only with --runs N > 1
    params = json.loads(trace.read_text())["params"]
    assert (params["seed"], params["phases"], params["cohorts"]) == (
        DEFAULT_SEED, "spread", DEFAULT_COHORTS)
    r = cli("simulate", str(LAB), "--flap", "rr1~hv1@10", "--horizon", "30", "--seed", "9",
            "--phases", "aligned", "--cohorts", "0", "--json", str(out), "--trace",
            str(trace), "-q")
    assert r.returncode == 0, r.stderr
    s = json.loads(out.read_text())
    assert (s["seed"], s["phases"], s["cohorts"]) == (9, "aligned", 0)
    params = json.loads(trace.read_text())["params"]
    assert (params["seed"], params["phases"], params["cohorts"]) == (9, "aligned", 0)
    assert cli("simulate", "--replay", str(trace)).returncode == 0


def test_runs_report_the_distribution_the_same_whatever_jobs(tmp_path: Path) -> None:
    """N seeds: the existing keys describe the worst run (its trace replays exactly);
    the JSON is byte-identical with 1 or 2 processes."""
    base = ["simulate", str(CASCADE), "--flap", "spine1~b-rr1@30", "--horizon", "200",
            "--runs", "4", "--seed", "5"]
    r1 = cli(*base, "--jobs", "1", "--json", str(tmp_path / "1.json"), "--trace",
             str(tmp_path / "1.trace.json"))
    r2 = cli(*base, "--jobs", "2", "--json", str(tmp_path / "2.json"), "-q")
    assert r1.returncode == 0 and r2.returncode == 0, r1.stderr + r2.stderr
    one = (tmp_path / "1.json").read_bytes()
    assert one == (tmp_path / "2.json").read_bytes()
    s = json.loads(one)
    assert set(s) >= MC_KEYS and s["runs"] == 4 and s["seed"] == 5 and s["seeds"] == [5, 8]
    assert 5 <= s["worst_seed"] <= 8
    lo, hi = s["p_cascade_ci95"]
    assert 0 <= lo <= s["p_cascade"] <= hi <= 1
    for key in ("first_cascade_reset_s", "clients_isolated_peak", "reconverged_at_s"):
        q = s["quantiles"][key]
        assert set(q) == {"p5", "p50", "p95", "n"} and 0 <= q["n"] <= 4
        if q["n"]:
            assert q["p5"] <= q["p50"] <= q["p95"]
    trace = json.loads((tmp_path / "1.trace.json").read_text())
    assert trace["params"]["seed"] == s["worst_seed"]
    assert trace["summary"]["verdict"] == s["verdict"]
    assert trace["summary"]["sessions_reset"] == s["sessions_reset"]
    assert "runs done: 4 / 4" in r1.stderr and not r2.stderr  # --quiet silences progress
    assert "over 4 seeds" in r1.stdout
    rp = cli("simulate", "--replay", str(tmp_path / "1.trace.json"))
    assert rp.returncode == 0 and "identical" in rp.stdout, rp.stdout + rp.stderr


def test_a_trace_made_before_timings_replays_as_lockstep(tmp_path: Path) -> None:
    """A trace without seed, phases and cohorts in its params ran in lockstep: aligned
    phases, one cohort. It replays identically; its params stay as they were."""
    trace = tmp_path / "t.json"
    assert cli("simulate", str(LAB), "--flap", "rr1~hv1@10", "--horizon", "30",
               "--phases", "aligned", "--cohorts", "1", "--seed", str(DEFAULT_SEED),
               "--trace", str(trace), "-q").returncode == 0
    data = json.loads(trace.read_text())
    for key in ("seed", "phases", "cohorts"):
        del data["params"][key]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    r = cli("simulate", "--replay", str(old))
    assert r.returncode == 0 and "identical" in r.stdout, r.stdout + r.stderr
    data["params"]["seed"] = 1  # a partial record is not a trace
    old.write_text(json.dumps(data))
    r = cli("simulate", "--replay", str(old))
    assert r.returncode == 2 and "not a bgpcascade trace" in r.stderr


@pytest.mark.parametrize("args, fragment", [
    (["--cohorts", "-1"], "--cohorts"),
    (["--runs", "0"], "--runs"),
    (["--jobs", "0", "--runs", "2"], "--jobs"),
    (["--seed", "x"], "--seed"),
    (["--phases", "random"], "--phases"),
])
def test_bad_timing_flags_are_one_line_and_exit_2(args: list[str], fragment: str) -> None:
    r = cli("simulate", str(LAB), "--flap", "rr1~hv1@10", "--horizon", "30", *args)
    assert r.returncode == 2, r.stdout + r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and fragment in r.stderr


@pytest.mark.parametrize("flag", [["--seed", "2"], ["--runs", "3"], ["--phases", "spread"]])
def test_a_replay_takes_no_timing_flags(tmp_path: Path, flag: list[str]) -> None:
    trace = tmp_path / "t.json"
    assert cli("simulate", str(LAB), "--flap", "rr1~hv1@10", "--horizon", "30",
               "--trace", str(trace), "-q").returncode == 0
    r = cli("simulate", "--replay", str(trace), *flag)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert flag[0] in r.stderr


def test_check_p_cascade_below_violated_with_a_replayable_worst_run(tmp_path: Path) -> None:
    """Every seed cascades on the unsafe zone: the lower bound reaches 0.5, VIOLATED, and
    the counterexample's trace replays (with its recorded seed)."""
    r = cli("check", str(CASCADE), "--property", "p_cascade_below=0.5", "--flap",
            "spine1~b-rr1@30", "--runs", "8", "--seed", "3", "--json", "c.json", "--out",
            "cx", "-q", cwd=tmp_path)
    data = json.loads((tmp_path / "c.json").read_text())
    (per,) = data["bounds"]["per_trigger"]
    assert per["runs"] == 8 and per["seeds"] == [3, 10] and data["engine"] == "montecarlo"
    assert data["status"] == _expected(per["p_cascade_ci95"], 0.5)
    assert r.returncode == EXIT[data["status"]], r.stdout + r.stderr
    if data["status"] == "VIOLATED":
        cx = data["counterexample"]
        assert cx["violated"] == ["p_cascade_below=0.5"]
        rp = cli(*cx["replay"].split()[1:], cwd=tmp_path)
        assert rp.returncode == 0 and "identical" in rp.stdout, rp.stdout + rp.stderr
        worst = json.loads((tmp_path / cx["trace"]).read_text())
        assert 3 <= worst["params"]["seed"] <= 10
        assert worst["summary"]["sessions_reset"] > 0  # the worst run is one that cascaded


def test_check_p_cascade_below_holds_only_with_enough_runs(tmp_path: Path) -> None:
    """The safe zone's flap: HOLDS when the upper bound is below P; with too few runs
    for that P, UNKNOWN (exit 3), never HOLDS."""
    base = ["check", str(SAFE), "--flap", "spine1~b-rr1@30", "--out", "cx", "-q",
            "--json", "c.json"]
    r = cli(*base, "--property", "p_cascade_below=0.5", "--runs", "6", cwd=tmp_path)
    data = json.loads((tmp_path / "c.json").read_text())
    (per,) = data["bounds"]["per_trigger"]
    assert data["status"] == _expected(per["p_cascade_ci95"], 0.5)
    assert r.returncode == EXIT[data["status"]], r.stdout
    # Six runs can never show p < 0.05 (0 of 6: the upper bound is 0.39): never HOLDS.
    r = cli(*base, "--property", "p_cascade_below=0.05", "--runs", "6", cwd=tmp_path)
    data = json.loads((tmp_path / "c.json").read_text())
    assert data["status"] == _expected(per["p_cascade_ci95"], 0.05) != "HOLDS"
    assert r.returncode == EXIT[data["status"]]
    if data["status"] == "UNKNOWN":
        assert "more --runs" in data["reason"]
