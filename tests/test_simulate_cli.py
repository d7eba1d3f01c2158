"""`bgpcascade simulate`: the JSON contract, exit codes, replay, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "examples" / "lab.yaml"
CASCADE = ROOT / "tests" / "examples" / "unsafe" / "appliance-shard-cascade.yaml"
SUMMARY_KEYS = {
    "zone", "horizon_s", "triggers", "sessions_total", "sessions_reset",
    "first_cascade_reset_s", "resets_by_reason", "clients_total", "clients_isolated_peak",
    "unreachable_pairs_peak_fraction", "peak_queue_delay_s", "reconverged_at_s", "verdict",
}


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bgpcascade", "simulate", *args],
                          capture_output=True, text=True, env=env, timeout=300)


def test_json_contract_and_exit_0_even_for_an_outage(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    proc = run(str(CASCADE), "--flap", "spine1~b-rr1@30", "--horizon", "300",
               "--json", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    s = json.loads(out.read_text())
    assert set(s) >= SUMMARY_KEYS
    assert s["verdict"] == "zone-outage"
    assert s["sessions_reset"] > 0 and s["first_cascade_reset_s"] is not None
    assert s["resets_by_reason"]["trigger"] == 1
    assert s["clients_total"] == 700 and s["clients_isolated_peak"] == 300
    assert s["peak_queue_delay_s"]["a-rr1"] > 90  # the appliance fell behind its hold time
    assert "timeline" in proc.stdout and "zone-outage" in proc.stdout


def test_trace_events_contract(tmp_path: Path) -> None:
    trace = tmp_path / "t.json"
    assert run(str(LAB), "--flap", "rr1~hv1@10", "--horizon", "30", "--trace", str(trace),
               "-q").returncode == 0
    data = json.loads(trace.read_text())
    assert data["version"] == 1
    first = data["events"][0]
    assert {"t", "session", "kind", "reason"} <= set(first)
    assert (first["t"], first["session"], first["kind"], first["reason"]) == (
        10, "hv1~rr1", "down", "trigger")
    assert data["events"][-1]["kind"] == "established"
    assert len(data["series"]["t"]) == 31  # dt = 1 s, from 0 to 30


@pytest.mark.parametrize("args, fragment", [
    (["--flap", "rr1~nobody@10"], "no speaker 'nobody'"),
    (["--flap", "hv1~hv2@10"], "have no session"),
    (["--flap", "rr1-hv1@10"], "A~B@T"),
    (["--flap", "rr1~hv1@soon"], "not a number"),
    (["--spike", "rr1:0@5"], "work 0"),
    (["--restart", "rr1@500"], "after the horizon"),
    (["--horizon", "-5"], "--horizon"),
    (["--outage-threshold", "2"], "fraction in (0, 1]"),
])
def test_bad_input_is_one_line_exit_2(args: list[str], fragment: str) -> None:
    proc = run(str(LAB), *args, "--horizon", "60") if "--horizon" not in args else \
        run(str(LAB), *args)
    assert proc.returncode == 2, proc.stdout
    assert len(proc.stderr.strip().splitlines()) == 1 and fragment in proc.stderr
    assert "Traceback" not in proc.stderr


def test_replay_detects_any_difference(tmp_path: Path) -> None:
    trace = tmp_path / "t.json"
    assert run(str(LAB), "--spike", "rr1:100000@5", "--horizon", "20", "--trace", str(trace),
               "-q").returncode == 0
    ok = run("--replay", str(trace), "-q")
    assert ok.returncode == 0 and "identical" in ok.stdout
    data = json.loads(trace.read_text())
    data["summary"]["peak_queue_delay_s"]["rr1"] += 1e-6
    tampered = tmp_path / "bad.json"
    tampered.write_text(json.dumps(data))
    bad = run("--replay", str(tampered), "-q")
    assert bad.returncode == 1 and "summary" in bad.stderr
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2]")
    assert run("--replay", str(junk)).returncode == 2


def test_same_input_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    outs = []
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        trace = tmp_path / f"t{seed}.json"
        proc = run(str(CASCADE), "--flap", "spine1~b-rr1@30", "--horizon", "200", "--trace",
                   str(trace), "-q", env=env)
        assert proc.returncode == 0
        outs.append((proc.stdout, trace.read_bytes()))
    assert outs[0] == outs[1]


def test_explicit_gives_the_same_summary_as_lumped(tmp_path: Path) -> None:
    """In lockstep (aligned phases, one cohort) the lumped model is exact: the members of
    a group get identical inputs at identical times. (With spread phases each cohort or
    speaker has its own phases, and the two are different runs: docs/model.md, "The
    cohort ladder", measures how close.)"""
    summaries = []
    for extra in (["--cohorts", "1"], ["--explicit"]):
        out = tmp_path / f"s{len(extra)}.json"
        assert run(str(LAB), "--flap", "rr1~hv2@10", "--spike", "rr2:50000@12",
                   "--horizon", "60", "--json", str(out), "-q", "--phases", "aligned",
                   *extra).returncode == 0
        summaries.append(json.loads(out.read_text()))
    lumped, explicit = summaries
    for key in SUMMARY_KEYS - {"peak_queue_delay_s"}:
        assert lumped[key] == explicit[key], key
    for name, delay in explicit["peak_queue_delay_s"].items():
        group = next((k for k in lumped["peak_queue_delay_s"] if k == name or
                      (k.startswith("[") and name in ("hv1", "hv3", "hv4"))), None)
        assert group is not None
        assert lumped["peak_queue_delay_s"][group] == delay


# -- --clear A~B@T: an operator's `clear bgp B` on A ------------------------------------------


def test_clear_flag_trace_and_replay(tmp_path: Path) -> None:
    """`--clear rr1~hv1@10` (repeatable, like --flap): the session goes down at 10 s at rr1,
    as the trigger's direct effect (reason `trigger`, not counted in `sessions_reset`),
    and comes back; the trigger keeps the order A~B (A clears) in its label; the trace
    replays identically."""
    trace = tmp_path / "t.json"
    proc = run(str(LAB), "--clear", "rr1~hv1@10", "--clear", "hv2~rr2@12", "--horizon", "40",
               "--trace", str(trace), "-q")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(trace.read_text())
    trig = data["params"]["triggers"]
    assert [t["label"] for t in trig] == ["clear rr1~hv1@10", "clear hv2~rr2@12"]
    assert set(trig[0]) == {"kind", "t", "a", "b", "work", "down_for", "label"}
    assert (trig[0]["kind"], trig[0]["a"], trig[0]["b"]) == ("clear", "rr1", "hv1")
    down = [(e["t"], e["session"], e["reason"], e["at"], e["direct"])
            for e in data["events"] if e["kind"] == "down"]
    assert down == [(10, "hv1~rr1", "trigger", "rr1", True),
                    (12, "hv2~rr2", "trigger", "hv2", True)]
    assert [e["session"] for e in data["events"] if e["kind"] == "established"] == \
        ["hv1~rr1", "hv2~rr2"]
    assert data["summary"]["sessions_reset"] == 0
    assert data["summary"]["verdict"] == "contained"
    assert "clear rr1~hv1@10" in proc.stdout
    ok = run("--replay", str(trace), "-q")
    assert ok.returncode == 0 and "identical" in ok.stdout


@pytest.mark.parametrize("args, fragment", [
    (["--clear", "rr1~nobody@10"], "no speaker 'nobody'"),
    (["--clear", "hv1~hv2@10"], "have no session"),
    (["--clear", "rr1~rr1@10"], "have no session"),
    (["--clear", "rr1-hv1@10"], "A~B@T"),
    (["--clear", "rr1~hv1@soon"], "not a number"),
    (["--clear", "rr1~hv1@-1"], "negative"),
    (["--clear", "rr1~hv1@500"], "after the horizon"),
])
def test_clear_bad_input_is_one_line_exit_2(args: list[str], fragment: str) -> None:
    proc = run(str(LAB), *args, "--horizon", "60")
    assert proc.returncode == 2, proc.stdout
    line = proc.stderr.strip()
    assert len(line.splitlines()) == 1 and fragment in line and "Traceback" not in line
    if fragment != "after the horizon":
        assert "--clear" in line


def test_replay_holds_a_clear_to_the_flags_rules(tmp_path: Path) -> None:
    """A trace whose clear names no session is refused (exit 2), as the flag would be."""
    trace = tmp_path / "t.json"
    assert run(str(LAB), "--clear", "rr1~hv1@10", "--horizon", "20", "--trace", str(trace),
               "-q").returncode == 0
    data = json.loads(trace.read_text())
    data["params"]["triggers"][0]["b"] = "hv2x"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    proc = run("--replay", str(bad), "-q")
    assert proc.returncode == 2 and "clear at 'hv2x'" in proc.stderr
    data["params"]["triggers"][0]["b"] = "rr1"
    bad.write_text(json.dumps(data))
    proc = run("--replay", str(bad), "-q")
    assert proc.returncode == 2 and "clear rr1~rr1: no such session" in proc.stderr
