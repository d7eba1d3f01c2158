"""The design review over seeds: each shard's worst single flap run under N seeds
(bgpcascade/review/workflow.py ``_over_seeds``), in review.json and in the report, the
same whatever the number of workers, and unanswered (never safe) when the budget ends."""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

from bgpcascade.diagrams.review_report import blocks, review_json, to_markdown
from bgpcascade.io import read_zone_text
from bgpcascade.model.summary import zone_summary
from bgpcascade.model.timing import Timing
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.library import parse_property
from bgpcascade.properties.montecarlo import distribution, wilson
from bgpcascade.review import Review, Runner, flaps_of
from bgpcascade.review.runs import rank, shard_reviews, trigger_shards
from bgpcascade.review.workflow import _over_seeds, _Work
from bgpcascade.review.zonedata import zone_data

ROOT = Path(__file__).resolve().parent.parent
SAFE = ROOT / "tests" / "examples" / "safe" / "two-tier-shared-cluster.yaml"
HORIZON = Fraction(200)


def _reviewed(jobs: int, seeds: int, timing: Timing,
              deadline: float | None = None) -> tuple[_Work, Review]:
    """The first steps of a review of the safe zone (every flap, the shards), then the
    shards' worst flaps over ``seeds`` seeds."""
    src = str(SAFE)
    text = read_zone_text(src)
    zone = load_zone(text, source=src)
    w = _Work(text, src, "out", HORIZON, "200", lambda _m: None, zone,
              zone_data(text, src), flaps_of(text, src, Fraction(30)))
    with Runner(jobs) as runner:
        w.base = runner.run(text, src, w.flaps, HORIZON)
        shards = shard_reviews(zone, zone_summary(zone), w.base,
                               trigger_shards(text, src, w.flaps))
        runner.deadline = deadline
        _over_seeds(w, runner, shards, seeds, timing)
        rv = Review(zone.name, src, HORIZON, Fraction(30), [t.label() for t in w.flaps],
                    rank(w.base), shards, [], [], None, None, {}, w.commands, runner.runs,
                    w.unknown, seeds=seeds)
    return w, rv


def test_each_shards_worst_flap_over_seeds_agrees_with_the_distribution() -> None:
    timing = Timing(seed=3, phases="spread", cohorts=2)
    w, rv = _reviewed(2, 4, timing)
    assert rv.shards and not w.unknown
    for sr in rv.shards:
        o = sr.over_seeds
        assert o is not None and sr.worst is not None and o.trigger == sr.worst.trigger
        assert (o.runs, o.first_seed, o.phases, o.cohorts) == (4, 3, "spread", 2)
        prop = parse_property(f"no_cascade_in={sr.shard}")
        d = distribution(w.text, w.source, [w.by_label[o.trigger]], HORIZON, runs=4,
                         timing=timing, props=[prop])
        assert o.shard_cascades == d.violations(prop.label)
        assert o.shard_ci95 == wilson(o.shard_cascades, 4)
        assert (o.cascades, o.outages, o.ci95) == (d.cascades, d.outages, d.ci95)
    distinct = {sr.worst.trigger for sr in rv.shards if sr.worst is not None}
    assert rv.runs == len(w.flaps) + 4 * len(distinct)  # one distribution per flap
    cmds = [c for _, c in w.commands if "--runs 4 --seed 3" in c]
    assert len(cmds) == len(distinct) and all("--phases spread --cohorts 2" in c
                                              for c in cmds)


def test_over_seeds_in_review_json_and_the_report_whatever_jobs() -> None:
    one = review_json(_reviewed(1, 3, Timing(seed=5))[1])
    _, rv = _reviewed(2, 3, Timing(seed=5))
    two = review_json(rv)
    assert one == two and two["seeds"] == 3
    for s in two["shards"]:
        o = s["over_seeds"]
        assert o["runs"] == 3 and o["seeds"] == [5, 7] and o["trigger"] == s["worst_trigger"]
        lo, hi = o["p_shard_cascade_ci95"]
        assert lo <= o["p_shard_cascade"] <= hi
    md = to_markdown(blocks(rv))
    assert "worst flap over seeds" in md and "under 3 seeds (5..7" in md
    for s in rv.shards:
        assert s.over_seeds is not None
        assert f"cascades in {s.over_seeds.shard_cascades} of 3 seeds" in md


def test_a_spent_budget_leaves_over_seeds_unanswered() -> None:
    w, rv = _reviewed(1, 3, Timing(), deadline=time.monotonic() - 1)
    assert all(s.over_seeds is None for s in rv.shards)
    assert w.unknown and all("review budget spent" in u for u in w.unknown)
    assert all(s["over_seeds"] is None for s in review_json(rv)["shards"])
