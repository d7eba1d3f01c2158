"""The review's recommendations: which what-if rows buy something, ranked by what they buy.

Ranking only, on the review's data (:mod:`bgpcascade.review.data`); the report words
them. The order (docs/cli.md, ``review``): first every row that makes every single flap
safe where the zone as written has one that violates, the cheapest first
(:data:`~bgpcascade.review.data.COSTS`: configuration, software change, hardware), then
the largest gain, then table order; then at most three rows that raise the safe size of a
cluster, again the cheapest first, then the largest gain; then each shard past its
clients boundary, in shard order. A row found to fail at another offset
(``every_offset`` False) is VIOLATED, so never a fix.
"""

from __future__ import annotations

from bgpcascade.review.data import (
    Recommendation,
    Review,
    ShardBoundary,
    ShardReview,
    WhatIfResult,
    cost_rank,
)

#: The most rows that only raise a cluster's safe size (fix nothing) that are recommended.
MAX_PARTIAL = 3


def gain(b: ShardBoundary | None, written: ShardBoundary | None) -> float | None:
    """How much a row's boundary ``b`` improves on the same shard's as written, as a
    fraction of the written value (a capacity: needing less is the gain). None when either
    is not a found value, or when the written one is only a lower bound (its whole range
    was safe), which no row can be shown to beat."""
    if b is None or written is None or b.status != "HOLDS" or written.status != "HOLDS" \
            or b.value is None or written.value is None or written.open_ended:
        return None
    g = (b.value - written.value) / max(written.value, 1)
    return -g if b.worse == "down" else g


def _row(review: Review, n: int, w: WhatIfResult,
         written: dict[str, ShardBoundary | None]) -> Recommendation | None:
    """What-if row ``n`` as a recommendation, or None when it buys nothing: it is not
    answered, it is the zone as written, it breaks a zone that holds, or it neither fixes
    the zone nor raises its shard's boundary."""
    verdict = review.verdict
    if w.status not in ("HOLDS", "VIOLATED") or w.as_written:
        return None
    if w.status == "VIOLATED" and verdict == "HOLDS":
        return None  # it breaks the zone, whatever it adds to one shard
    fixes = verdict == "VIOLATED" and w.status == "HOLDS"
    shard = w.row.origin or w.row.target or ""
    g = gain(w.boundary, written.get(shard))
    if not fixes and (g is None or g <= 0):
        return None
    return Recommendation(w.row.id, shard, n=n, fixes=fixes, gain=g, what_if=w,
                          written=written.get(shard))


def _over(s: ShardReview) -> bool:
    """Is the shard past a found clients boundary (a value that fails exists)?"""
    b = s.clients
    return b is not None and b.value is not None and b.past is not None and \
        b.headroom_percent is not None and b.headroom_percent < 0


def recommend(review: Review) -> list[Recommendation]:
    """The what-if rows that improve on the zone as written, the cheapest fix first (see
    the module doc), then the shards over their boundary. A row is compared with the same shard as
    written (a split part with the shard it splits) by the boundary in clients, so that
    parts of different sizes compare fairly."""
    written = {s.shard: s.clients or s.capacity for s in review.shards}
    keyed: list[tuple[tuple[bool, int, float, int], Recommendation]] = []
    for n, w in enumerate(review.what_ifs, 1):
        rec = _row(review, n, w, written)
        if rec is not None:
            keyed.append(((not rec.fixes, cost_rank(w.row.cost), -(rec.gain or 0.0), n),
                          rec))
    ranked = [r for _, r in sorted(keyed, key=lambda kr: kr[0])]
    fixes = [r for r in ranked if r.fixes]
    partial = [r for r in ranked if not r.fixes]
    over = [Recommendation(f"shard-{s.shard}", s.shard, over=s)
            for s in review.shards if _over(s)]
    return fixes + partial[:MAX_PARTIAL] + over
