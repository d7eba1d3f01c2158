"""The design review of an RR sharding (``bgpcascade review``; docs/cli.md).

- :mod:`.workflow`: :func:`review`, the review's steps in order.
- :mod:`.runs`: one flap on one zone, summarised per shard; the rankings; the runner
  that sends runs to the worker processes (bgpcascade.properties.executor).
- :mod:`.boundaries`: a shard's safe boundary (Z3, then the simulator's bracket).
- :mod:`.whatifs`: the what-if zone edits and their cost classes; :mod:`.whatif_rows`:
  each row judged (and the recommended one at every offset).
- :mod:`.assumed`: a shard's boundary over the range of an assumed number (its RRs'
  capacity, when no measurement, benchmark or source gives it).
- :mod:`.commands`: the command behind every number; :mod:`.zonedata`: zone files as
  data.
- :mod:`.recommend`: the recommendations, ranked.
- :mod:`.data`: what the review found, as data: the report's input (the renderer,
  diagrams/review_report.py, imports that module only, and it imports no engine).

The names below load on first use (PEP 562), so that importing :mod:`.data` does not
load the simulator or the engines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bgpcascade._lazy import lazy_attribute, lazy_dir

if TYPE_CHECKING:
    from bgpcascade.review.boundaries import find_boundary
    from bgpcascade.review.data import (
        FlapRun,
        OverSeeds,
        Recommendation,
        Review,
        ShardBoundary,
        ShardReview,
        WhatIf,
        WhatIfResult,
    )
    from bgpcascade.review.recommend import recommend
    from bgpcascade.review.runs import Runner, flaps_of
    from bgpcascade.review.whatifs import split_shard, what_ifs, with_hold
    from bgpcascade.review.workflow import review
    from bgpcascade.review.zonedata import zone_data

_EXPORTS = {
    "ShardBoundary": "bgpcascade.review.data",
    "Recommendation": "bgpcascade.review.data",
    "Review": "bgpcascade.review.data",
    "FlapRun": "bgpcascade.review.data",
    "OverSeeds": "bgpcascade.review.data",
    "ShardReview": "bgpcascade.review.data",
    "WhatIf": "bgpcascade.review.data",
    "WhatIfResult": "bgpcascade.review.data",
    "Runner": "bgpcascade.review.runs",
    "find_boundary": "bgpcascade.review.boundaries",
    "flaps_of": "bgpcascade.review.runs",
    "recommend": "bgpcascade.review.recommend",
    "review": "bgpcascade.review.workflow",
    "split_shard": "bgpcascade.review.whatifs",
    "what_ifs": "bgpcascade.review.whatifs",
    "with_hold": "bgpcascade.review.whatifs",
    "zone_data": "bgpcascade.review.zonedata",
}


def __getattr__(name: str) -> object:
    """Load a public name's module on first use (PEP 562)."""
    return lazy_attribute(__name__, _EXPORTS, globals(), name)


def __dir__() -> list[str]:
    return lazy_dir(_EXPORTS, globals())


__all__ = [
    "FlapRun",
    "OverSeeds",
    "Recommendation",
    "Review",
    "Runner",
    "ShardBoundary",
    "ShardReview",
    "WhatIf",
    "WhatIfResult",
    "find_boundary",
    "flaps_of",
    "recommend",
    "review",
    "split_shard",
    "what_ifs",
    "with_hold",
    "zone_data",
]
