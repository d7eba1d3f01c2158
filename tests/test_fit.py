"""`bgpcascade fit`: the values of a --vary parameter consistent with observations made
by simulating a known value; the JSON contract; exit codes 0, 1, 2; determinism."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from bgpcascade.cli import main
from bgpcascade.model.errors import InputError
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.engines.fit import grid, parse_observation

#: A small spine/leaf zone with one appliance shard (the incident's shape, scaled down):
#: a flap between a spine and the FRR leaf RR b-rr1 makes the appliance fall behind by
#: more than its hold time at a low rr_capacity, and it rides the flap out at a high one.
ZONE = """\
zone: fit-small
timers: {hold: 90, keepalive: 30}
spines: {count: 2, profile: frr}
shards:
  - {name: a, rrs: 2, rr_profile: appliance, cluster_id: shared, clients: 20, \
routes_per_client: 150%s}
  - {name: b, rrs: 2, rr_profile: frr, clients: 20, routes_per_client: 150}
"""
TRUE_CAPACITY = 600
FLAP = ["--flap", "spine1~b-rr1@30", "--horizon", "200"]
FIT_KEYS = {"vary", "observations", "consistent", "engine", "bounds", "status"}


def _zone(tmp_path: Path, capacity: int | None = None) -> Path:
    path = tmp_path / (f"z{capacity}.yaml" if capacity else "z.yaml")
    path.write_text(ZONE % (f", rr_capacity: {capacity}" if capacity else ""))
    return path


def _observed(tmp_path: Path, capacity: int) -> dict[str, Any]:
    """What `simulate` reports with the appliance at ``capacity``: the incident to fit."""
    out = tmp_path / f"observed{capacity}.json"
    assert main(["simulate", str(_zone(tmp_path, capacity)), *FLAP, "--json", str(out),
                 "-q"]) == 0
    summary: dict[str, Any] = json.loads(out.read_text())
    return summary


def _fit(tmp_path: Path, *args: str, name: str = "fit.json") -> tuple[int, dict[str, Any]]:
    out = tmp_path / name
    rc = main(["fit", str(_zone(tmp_path)), *FLAP, "--jobs", "1", "-q", "--json", str(out),
               *args])
    return rc, (json.loads(out.read_text()) if out.exists() else {})


def _inside(value: int, intervals: list[list[int]]) -> bool:
    return any(lo <= value <= hi for lo, hi in intervals)


def test_the_interval_holds_the_true_value_and_excludes_a_clearly_wrong_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = _observed(tmp_path, TRUE_CAPACITY)
    capsys.readouterr()
    assert s["verdict"] != "contained" and s["first_cascade_reset_s"] is not None
    rc, r = _fit(tmp_path, "--vary", "a.rr_capacity=200..3000", "--points", "6",
                 "--tolerance", "0.05",
                 "--observe", f"verdict={s['verdict']}",
                 "--observe", f"first_cascade_reset_s={s['first_cascade_reset_s']}+-2",
                 "--observe", f"sessions_reset>={s['sessions_reset']}",
                 "--observe", "down:a-rr1~spine1", "--observe", "up:b-rr1~spine1")
    assert rc == 0 and r["status"] == "consistent"
    assert _inside(TRUE_CAPACITY, r["consistent"])
    assert not _inside(3000, r["consistent"])  # the appliance rides the flap out there
    for iv in r["intervals"]:  # every refined edge sits next to a verified inconsistent value
        lo, hi = iv["a.rr_capacity"]
        assert iv["above"] is None or iv["above"] > hi
        assert iv["below"] is None or iv["below"] < lo
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("a.rr_capacity: ") and "consistent" in out[0]
    assert any("bisected to within 5% of the value" in line for line in out)


def test_json_keys_bounds_and_determinism(tmp_path: Path) -> None:
    args = ("--vary", "a.rr_capacity=200..3000", "--points", "4", "--tolerance", "0.2",
            "--observe", "verdict=contained")
    rc, r = _fit(tmp_path, *args)
    assert rc == 0
    assert set(r) >= FIT_KEYS
    assert r["engine"] == "sim-scan"
    assert r["vary"] == [{"name": "a.rr_capacity", "lo": 200, "hi": 3000, "current": 20000}]
    assert r["observations"] == [{"observation": "verdict=contained", "kind": "summary",
                                  "key": "verdict", "op": "=", "value": "contained",
                                  "tol": 0}]
    b = r["bounds"]
    assert b["grid"]["a.rr_capacity"] == {"kind": "even", "points": 4, "range": [200, 3000]}
    assert b["refinement"]["tolerance_relative"] == 0.2
    assert b["trigger_offsets"]["method"] == "pinned"
    assert (b["seed"], b["phases"], b["cohorts"]) == (1, "spread", 4)
    assert len(r["consistent"]) == 1 and r["consistent"][0][1] == 3000
    first = (tmp_path / "fit.json").read_bytes()
    _fit(tmp_path, *args, name="again.json")
    assert (tmp_path / "again.json").read_bytes() == first


def test_inconsistent_observations_exit_1(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    rc, r = _fit(tmp_path, "--vary", "a.rr_capacity=200..3000", "--points", "3",
                 "--observe", "verdict=contained", "--observe", "sessions_reset>=1")
    assert rc == 1
    assert r["status"] == "inconsistent" and r["consistent"] == []
    alone = {po["observation"]: po["holds_at"] for po in r["per_observation"]}
    assert alone["verdict=contained"] and alone["sessions_reset>=1"]  # each holds somewhere
    out = capsys.readouterr().out
    assert "no value of a.rr_capacity is consistent" in out
    assert "verdict=contained alone holds at: " in out


def test_runs_accept_a_value_that_another_seed_reproduces(tmp_path: Path) -> None:
    out = tmp_path / "seed2.json"
    assert main(["simulate", str(_zone(tmp_path, TRUE_CAPACITY)), *FLAP, "--seed", "2",
                 "--json", str(out), "-q"]) == 0
    first = json.loads(out.read_text())["first_cascade_reset_s"]
    obs = ("--vary", "a.rr_capacity=500..700", "--points", "3", "--tolerance", "0.1",
           "--observe", f"first_cascade_reset_s={first}+-0.01")
    rc, one = _fit(tmp_path, *obs, "--seed", "1")
    assert not _inside(TRUE_CAPACITY, one["consistent"])  # seed 1 flaps it elsewhen
    rc, two = _fit(tmp_path, *obs, "--seed", "1", "--runs", "2", name="two.json")
    assert rc == 0 and _inside(TRUE_CAPACITY, two["consistent"])
    assert two["bounds"]["seeds"] == {"runs": 2, "from": 1, "to": 2, "consistent_if":
                                      "one seed reproduces every observation"}
    assert any(2 in iv["seed_at"].values() for iv in two["intervals"])


def test_two_parameters_give_boxes(tmp_path: Path) -> None:
    rc, r = _fit(tmp_path, "--vary", "a.routes_per_client=100..150",
                 "--vary", "a.rr_capacity=200..3000", "--points", "2", "--tolerance", "0.3",
                 "--observe", "verdict=contained")
    assert rc == 0
    for box in r["consistent"]:
        assert set(box) == {"a.routes_per_client", "a.rr_capacity"}
        a, b = box["a.routes_per_client"]
        assert a == b and a in (100, 150)
    assert r["bounds"]["refinement"]["along"] == "a.rr_capacity"


@pytest.mark.parametrize("args, fragment", [
    (["--vary", "a.rr_capacity=200..3000", "--observe", "no_such_key=3"],
     "unknown key 'no_such_key'"),
    (["--vary", "a.rr_capacity=200..3000", "--observe", "verdict"], "is not an observation"),
    (["--vary", "a.rr_capacity=200..3000", "--observe", "verdict>=cascade"],
     ">= needs a number"),
    (["--vary", "a.rr_capacity=200..3000", "--observe", "first_cascade_reset_s=9+-x"],
     "is not V+-TOL"),
    (["--vary", "a.rr_capacity=200..3000", "--observe", "down:a-rr1~b-rr1"],
     "have no session"),
    (["--vary", "a.rr_capacity=200..3000", "--observe", "peak_queue_delay_s.nobody>=1"],
     "has no entry 'nobody'"),
    (["--vary", "a.rr_capacity=200..3000", "--observe", "resets_by_reason=3"],
     "is not one value"),
    (["--vary", "a.nothing=1..2", "--observe", "verdict=cascade"], "unknown parameter"),
    (["--vary", "a.rr_capacity=3000..200", "--observe", "verdict=cascade"], "LO <= HI"),
    (["--observe", "verdict=cascade"], "no --vary given"),
])
def test_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      args: list[str], fragment: str) -> None:
    rc, _ = _fit(tmp_path, *args)
    err = capsys.readouterr().err
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and fragment in err, err


def test_observation_syntax() -> None:
    zone = load_zone(ZONE % "", source="<fit>")
    ob = parse_observation(zone, "first_cascade_reset_s=99+-15")
    assert (ob.kind, ob.key, ob.op, ob.value, ob.tol) == (
        "summary", "first_cascade_reset_s", "=", Fraction(99), Fraction(15))
    ob = parse_observation(zone, "sessions_reset>=1600")
    assert (ob.op, ob.value) == (">=", Fraction(1600))
    assert parse_observation(zone, "reconverged_at_s=null").value is None
    assert parse_observation(zone, "verdict=zone-outage").value == "zone-outage"
    ob = parse_observation(zone, "down:spine1~a-rr1@99+-15")
    assert (ob.kind, ob.at, ob.tol) == ("down", Fraction(99), Fraction(15))
    assert ob.as_json()["session"] == "a-rr1~spine1"  # sorted, as the events name it
    assert parse_observation(zone, "up:b-rr1~spine1").at is None
    with pytest.raises(InputError):
        parse_observation(zone, "up:b-rr1~spine1@30")


def test_grid_is_geometric_across_orders_of_magnitude() -> None:
    from bgpcascade.model.params import Space

    space = Space(ZONE % "", "<fit>")
    wide = space.add("a.rr_capacity=1000..1000000")
    values, kind = grid(wide, 4)
    assert kind == "geometric" and values == [1000, 10000, 100000, 1000000]
    narrow = space.add("a.clients=10..40")
    assert grid(narrow, 4) == ([10, 20, 30, 40], "even")


def test_session_observations_read_the_trace_as_defined(tmp_path: Path) -> None:
    """``down:A~B@T+-TOL``: the session's first drop, T s after the first trigger;
    ``up:A~B``: Established at the horizon (the trace's last sessions_up sample)."""
    trace = tmp_path / "t.json"
    assert main(["simulate", str(_zone(tmp_path, TRUE_CAPACITY)), *FLAP, "--trace",
                 str(trace), "-q"]) == 0
    t = json.loads(trace.read_text())
    drops = [e["t"] for e in t["events"] if e["session"] == "a-rr1~spine1"
             and e["kind"] == "down"]
    assert drops
    at = Fraction(str(min(drops))) - 30
    up = {s: bool(v[-1]) for s, v in t["series"]["sessions_up"].items()}
    point = ("--vary", f"a.rr_capacity={TRUE_CAPACITY}")
    rc, r = _fit(tmp_path, *point, "--observe", f"down:spine1~a-rr1@{float(at)}+-0.001",
                 *[a for s in sorted(up) if "~" in s and "[" not in s
                   for a in ("--observe", f"{'up' if up[s] else 'down'}:{s}")])
    assert rc == 0, r["per_observation"]
    rc, r = _fit(tmp_path, *point, "--observe", f"down:a-rr1~spine1@{float(at) + 5}+-1",
                 name="late.json")
    assert rc == 1 and r["status"] == "inconsistent"


def test_progress_on_stderr_and_quiet(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    args = ["fit", str(_zone(tmp_path)), *FLAP, "--jobs", "1", "--vary",
            "a.rr_capacity=2000..3000", "--points", "2", "--observe", "verdict=contained"]
    assert main(args) == 0
    assert "fit: scanning a.rr_capacity at 2 values" in capsys.readouterr().err
    assert main([*args, "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_builtin_zone_20000_and_80000_answer_alike(tmp_path: Path) -> None:
    """docs/incident.md's finding on the built-in zone: the post-mortem's qualitative
    observations hold at the chosen appliance capacity (20,000) and at an FRR-class one
    (80,000) alike (if this fails, the model changed: run docs/incident.md's fits again
    and update it and docs/model.md's appliance paragraph)."""
    out = tmp_path / "builtin.json"
    obs = [a for o in ("verdict=zone-outage", "up:b-rr1~spine1", "down:a-rr1~spine1",
                       "down:a-rr2~spine1", "down:a-rr1~spine2", "down:a-rr2~spine2",
                       "reconverged_at_s=null") for a in ("--observe", o)]
    rc = main(["fit", "builtin:fr-par-like", "--flap", "spine1~b-rr1@30", "--vary",
               "a.rr_capacity=20000..80000", "--points", "2", "--jobs", "1", "-q",
               "--json", str(out), *obs])
    r = json.loads(out.read_text())
    assert rc == 0 and r["consistent"] == [[20000, 80000]], r["per_observation"]
