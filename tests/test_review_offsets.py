"""The review covers every offset of the KEEPALIVE cycle (docs/model.md, "The design
review"): each flap's worst offset is its row in the ranking and a shard's worst flap,
and a boundary is checked at every offset of its flaps, as ``search`` checks its own.

On examples/keepalive-offsets.yaml in lockstep, a flap of spine1~a-rr1 at 30 s (a
KEEPALIVE boundary) is contained at 38 clients, while the same flap at 35 s cascades:
a review at 30 s alone would call shard a safe.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

from bgpcascade.io import read_zone_text
from bgpcascade.model.timing import Timing
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.engines.offsets import Offsets
from bgpcascade.review.boundaries import find_boundary
from bgpcascade.review.runs import Runner, flaps_of, rank
from bgpcascade.review.workflow import _first_ranking, _Work
from bgpcascade.review.zonedata import zone_data

ROOT = Path(__file__).resolve().parent.parent
ZONE = ROOT / "examples" / "keepalive-offsets.yaml"
LAB = ROOT / "tests" / "examples" / "safe" / "lab.yaml"
FLAP = "flap a-rr1~spine1@30"


def _work(offsets: Offsets) -> _Work:
    src = str(ZONE)
    text = read_zone_text(src)
    zone = load_zone(text, source=src)
    reps = [t for t in flaps_of(text, src, Fraction(30)) if t.label() == FLAP]
    return _Work(text, src, "out", Fraction(300), "300", lambda _m: None, zone,
                 zone_data(text, src), [x for t in reps for x in offsets.of(zone, t)],
                 reps=reps)


def test_each_flap_is_ranked_at_its_worst_offset() -> None:
    pinned, every = _work(Offsets(pinned=True)), _work(Offsets())
    assert len(every.flaps) == 30 and [t.t for t in every.flaps] == list(range(30, 60))
    with Runner(2, timing=Timing.lockstep()) as runner:
        assert _first_ranking(pinned, runner) and _first_ranking(every, runner)
    [at30] = pinned.worst_per_flap()
    [worst] = every.worst_per_flap()
    assert at30.trigger == FLAP and at30.shard_cascade.get("a", 0) == 0
    assert worst.trigger != FLAP and worst.shard_cascade["a"] > 0
    assert worst == rank(every.base)[0]
    assert worst.cascade == max(r.cascade for r in every.base)
    assert len(every.base) == 30


def test_a_boundary_is_checked_at_every_offset() -> None:
    """Searched against the flap at 30 s only, shard a would be safe up to 38 clients or
    more; checked at every offset, a failing offset joins the search and the boundary
    drops below 38, safe at every offset (each run again here)."""
    w = _work(Offsets())
    crit = [t for t in w.flaps if t.label() == FLAP]
    with Runner(2, timing=Timing.lockstep()) as runner:
        only = find_boundary(runner, w.data, w.text, w.source, "a", "clients", 1, 60, 1,
                             crit, crit, w.horizon, 0.0, lambda _m: None)
        b = find_boundary(runner, w.data, w.text, w.source, "a", "clients", 1, 60, 1,
                          crit, w.flaps, w.horizon, 0.0, lambda _m: None)
        assert only.value is not None and only.value >= 38
        assert b.status == "HOLDS" and b.checked_all and b.value is not None
        assert b.value < 38 and b.checked_at_boundary == 30
        assert b.past_trigger is not None and b.past_trigger != FLAP
        from bgpcascade.review.boundaries import BoundarySearch

        bs = BoundarySearch(runner, w.data, w.source, "a", "clients", 38, 1, 60, 1, w.flaps,
                            w.horizon)
        at_value = runner.run(bs.text(b.value), w.source, w.flaps, w.horizon)
    assert len(at_value) == 30 and all(r.shard_safe("a") for r in at_value)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bgpcascade", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_review_json_names_offsets_and_timing_and_seeds_is_validated(tmp_path: Path) -> None:
    r = _cli("review", str(LAB), "--out", "rv", "--quick", "--seeds", "3", "--seed", "5",
             "--cohorts", "2", "--jobs", "2", "-q", cwd=tmp_path)
    assert r.returncode in (0, 3), r.stdout + r.stderr
    data = json.loads((tmp_path / "rv" / "review.json").read_text())
    bounds = data["bounds"]
    assert (bounds["seed"], bounds["phases"], bounds["cohorts"]) == (5, "spread", 2)
    off = bounds["trigger_offsets"]
    assert off["method"] == "grid" and off["flap_times_run"] >= len(data["flaps"])
    assert off["boundaries"] == "every offset"
    seeded = [s["over_seeds"] for s in data["shards"] if s["over_seeds"]]
    assert seeded and all(o["runs"] == 3 and o["seeds"] == [5, 7] for o in seeded)
    runs = [c["command"] for c in data["commands"]
            if c["command"].split()[1] in ("check", "simulate", "search")]
    assert runs and all("--seed 5 --phases spread --cohorts 2" in c for c in runs)
    for bad in ("0", "-1", "2.5", "x"):
        r = _cli("review", str(LAB), "--out", "bad", "--seeds", bad, "-q", cwd=tmp_path)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "--seeds" in r.stderr
