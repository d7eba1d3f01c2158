"""The review's recommendations ranked (bgpcascade/review/recommend.py) and worded by the
report, on hand-built review data: no simulator run, no engine loaded."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

from bgpcascade.diagrams.review_report import blocks, recommendations, review_json
from bgpcascade.review.data import (
    FlapRun,
    Review,
    ShardBoundary,
    ShardReview,
    WhatIf,
    WhatIfResult,
)
from bgpcascade.review.recommend import MAX_PARTIAL, gain, recommend

ROOT = Path(__file__).resolve().parent.parent


def _b(shard: str, value: int | None, *, current: int = 300, fld: str = "clients",
       past: int | None = -1, status: str = "HOLDS") -> ShardBoundary:
    """A boundary found at ``value`` (``past=None``: the whole range was safe)."""
    if past == -1 and value is not None:
        past = value + 1 if fld == "clients" else value - 1
    return ShardBoundary(shard, fld, current, 1, 4 * current, 1, value, past,
                         None if past is None else f"flap {shard}-rr1~spine1@30", status,
                         "sim-bracket")


def _row(rid: str, status: str, b: ShardBoundary | None = None, *, target: str = "a",
         origin: str | None = None, as_written: bool = False) -> WhatIfResult:
    bad = status == "VIOLATED"
    return WhatIfResult(WhatIf(rid, f"row {rid}", f"change {rid}", {}, target=target,
                               origin=origin),
                        status, "flap a-rr1~spine1@30" if bad else None,
                        "cascade" if bad else "contained", 8, 8, boundary=b,
                        as_written=as_written)


def _review(violated: bool, shards: list[ShardReview], rows: list[WhatIfResult]) -> Review:
    run = FlapRun("flap a-rr1~spine1@30", 4 if violated else 0, 0, 300, False,
                  ("no_cascade",) if violated else (), {"a": 4 if violated else 0},
                  {"a": 1.2}, {"hold-expired": 4} if violated else {})
    rv = Review("z", "z.yaml", Fraction(300), Fraction(30), [run.trigger], [run], shards,
                rows, [], None, "a", {}, [], 8, [])
    rv.recommendations = recommend(rv)
    return rv


def _shard(name: str, clients: ShardBoundary | None,
           capacity: ShardBoundary | None = None) -> ShardReview:
    figures = {"shard": name, "clients": 300, "routes_per_client": 150, "rr_profile": "frr",
               "rrs": 2, "hold": 90, "keepalive": 30, "rest_utilisation_percent": 0.5,
               "full_resync_s": 12, "capacity": 600}
    return ShardReview(name, figures, None, clients, capacity)


def test_fixes_first_then_the_three_best_gains_then_the_shards_over_their_boundary() -> None:
    """A zone with a violating flap: every row that contains every flap, by its gain (a
    loss too), then at most three rows that only raise shard a's boundary (as written
    200 clients), largest first, then shard a, which is over its boundary."""
    shards = [_shard("a", _b("a", 200)), _shard("b", _b("b", 500, current=400))]
    rows = [
        _row("fix-small", "HOLDS", _b("a", 250)),          # fixes, gain +25%
        _row("fix-big", "HOLDS", _b("a", 600)),            # fixes, gain +200%
        _row("gain-10", "VIOLATED", _b("a", 220)),
        _row("gain-30", "VIOLATED", _b("a", 260)),
        _row("gain-20", "VIOLATED", _b("a", 240)),
        _row("gain-5", "VIOLATED", _b("a", 210)),          # a fourth partial gain: left out
        _row("loss", "VIOLATED", _b("a", 190)),            # no fix, no gain
        _row("same", "HOLDS", _b("a", 900), as_written=True),  # the zone as written
        _row("n/a", "n/a"),
        _row("unknown", "UNKNOWN", _b("a", 900)),
        _row("split", "HOLDS", _b("a1", 150, current=150), target="a1", origin="a"),
    ]
    rv = _review(True, shards, rows)
    assert rv.verdict == "VIOLATED"
    ranked = [r.row for r in rv.recommendations]
    assert ranked == ["fix-big", "fix-small", "split", "gain-30", "gain-20", "gain-10",
                      "shard-a"]
    assert sum(1 for r in rv.recommendations if not r.fixes and r.over is None) == MAX_PARTIAL
    split = next(r for r in rv.recommendations if r.row == "split")
    assert split.shard == "a" and split.written is shards[0].clients  # the shard it splits
    assert split.gain == -0.25 and split.fixes
    assert [r.n for r in rv.recommendations if r.what_if is not None] == [2, 1, 11, 4, 5, 3]


def test_a_zone_that_holds_recommends_gains_only() -> None:
    """Where every flap is contained: a row that breaks the zone is never recommended
    whatever it adds to a shard; a row that holds is recommended by its gain; nothing
    beats a boundary that is only a lower bound (the whole range was safe)."""
    shards = [_shard("a", _b("a", 400)), _shard("b", _b("b", 1200, current=400, past=None))]
    rows = [
        _row("breaks", "VIOLATED", _b("a", 900)),
        _row("small", "HOLDS", _b("a", 440)),
        _row("large", "HOLDS", _b("a", 800)),
        _row("worse", "HOLDS", _b("a", 380)),
        _row("beyond-b", "HOLDS", _b("b", 1600, current=400, past=None), target="b"),
    ]
    rv = _review(False, shards, rows)
    assert rv.verdict == "HOLDS"
    assert [r.row for r in rv.recommendations] == ["large", "small"]
    assert not any(r.fixes for r in rv.recommendations)
    assert [r.gain for r in rv.recommendations] == [1.0, 0.1]


def test_a_capacity_gain_is_needing_less() -> None:
    """An explicit zone's boundary is its RRs' capacity: a row whose boundary is a lower
    capacity gains; a higher one loses."""
    written = _b("(zone)", 80, current=100, fld="rr_capacity_percent")
    assert gain(_b("(zone)", 40, current=100, fld="rr_capacity_percent"), written) == 0.5
    assert gain(_b("(zone)", 120, current=100, fld="rr_capacity_percent"), written) == -0.5
    assert gain(_b("(zone)", 40, current=100, fld="rr_capacity_percent", status="UNKNOWN"),
                written) is None
    assert gain(None, written) is None
    shards = [_shard("(zone)", None, written)]
    rv = _review(False, shards, [_row("ug", "HOLDS", _b("(zone)", 40, current=100,
                                                           fld="rr_capacity_percent"),
                                       target="(zone)")])
    (rec,) = recommendations(rv)
    assert rec.text == ("row ug (what-if #1, `ug`): the zone's RRs safe down to 40% of their "
                        "capacity instead of 80% of their capacity (headroom +60.0%)")


def test_the_report_words_the_ranking_it_is_given() -> None:
    """The renderer draws the review's ranked recommendations in that order: the best in
    the verdict list, all of them under Recommendations and in review.json."""
    shards = [_shard("a", _b("a", 200), _b("a", 900, fld="rr_capacity", current=600))]
    rows = [_row("gr-on", "HOLDS", _b("a", 600)), _row("ug", "VIOLATED", _b("a", 260))]
    rv = _review(True, shards, rows)
    texts = [r.text for r in recommendations(rv)]
    assert texts == [
        "row gr-on (what-if #1, `gr-on`): every single flap contained; a cluster like shard "
        "a safe up to 600 clients instead of 200 (shard a headroom +100.0%)",
        "row ug (what-if #2, `ug`): still fails (flap a-rr1~spine1@30); a cluster like "
        "shard a safe up to 260 clients instead of 200 (shard a headroom -13.3%)",
        "Shard a is over its boundary: 300 clients where 200 are safe (-33.3%): at most 200 "
        "clients per cluster of this shape, or RRs of at least 900 units/s (shards table)",
    ]
    bs = blocks(rv)
    verdict_list = next(b for b in bs if b.kind == "list")
    assert f"Best change: {texts[0]}" in verdict_list.items
    heading = next(i for i, b in enumerate(bs) if b.text == "Recommendations")
    assert bs[heading + 1].items == tuple(texts)
    assert review_json(rv)["recommendations"] == [
        {"row": r, "text": t, "cost": None}  # the hand-built rows name no cost class
        for r, t in zip(["gr-on", "ug", "shard-a"], texts, strict=True)]


def test_the_report_and_the_ranking_load_no_engine() -> None:
    """The review's data, its ranking and the renderer import no simulator, engine or
    solver (diagrams/ draws report data only)."""
    code = ("import sys\n"
            "import bgpcascade.review.recommend, bgpcascade.diagrams.review_report\n"
            "heavy = ('z3', 'hypothesis', 'bgpcascade.model.dynamics',\n"
            "         'bgpcascade.properties.engines', 'bgpcascade.review.runs')\n"
            "print(','.join(m for m in sys.modules if m.startswith(heavy)))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
