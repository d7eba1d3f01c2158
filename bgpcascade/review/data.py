"""What the design review found, as data: the report's input and nothing else.

These types hold the numbers of a review (runs summarised, boundaries, what-if rows and
their answers, the ranked recommendations) and the JSON forms that review.json is built
from. The renderer (diagrams/review_report.py) reads them; it imports nothing else of
this package. So this module imports no engine, no simulator and no YAML: only the
standard library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

#: The key of the spine tier where results are kept per shard (not a valid shard name).
SPINES = "(spines)"
#: The key of a zone judged as a whole (an explicit zone without shard labels): its
#: property is no_cascade, its number the capacity of all its RRs.
ZONE = "(zone)"
#: The number an explicit zone's boundary varies: its RRs' capacity, in percent.
CAPACITY_PERCENT = "rr_capacity_percent"
#: A what-if row's cost classes, cheapest first (docs/cli.md, ``review``): a setting of
#: the implementation in use; another implementation or a feature it lacks; more boxes.
COSTS: tuple[str, ...] = ("configuration", "software change", "hardware")
#: The factors of an assumed number a shard's boundary is shown over.
RANGE_FACTORS: tuple[Fraction, ...] = (Fraction(1, 4), Fraction(1, 2), Fraction(1),
                                       Fraction(2), Fraction(4))


def cost_rank(cost: str) -> int:
    """A cost class's rank, cheapest 0 (an unclassified row after every class)."""
    return COSTS.index(cost) if cost in COSTS else len(COSTS)


@dataclass(frozen=True)
class FlapRun:
    """One trigger (a representative flap) simulated on one zone, reduced to what the review reads.

    ``shard_cascade``: per shard, sessions reset by the cascade (not by the trigger
    directly). ``shard_ratio``: per shard, the highest peak queue delay over negotiated
    hold time of any of its speakers (>= 1 means a KEEPALIVE waited a whole hold time).
    ``violated``: the zone-wide properties (``check``'s defaults) that failed.
    ``degraded_by``: what makes the run degraded (a backlog, a late reconvergence).
    """

    trigger: str
    cascade: int
    isolated_peak: int
    clients: int
    outage: bool
    violated: tuple[str, ...]
    shard_cascade: dict[str, int]
    shard_ratio: dict[str, float]
    reasons: dict[str, int]
    degraded_by: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        """``zone-outage``, ``cascade``, ``degraded`` or ``contained`` (as ``simulate``
        says it, :meth:`~bgpcascade.model.outcomes.Outcome.verdict`)."""
        return "zone-outage" if self.outage else "cascade" if self.cascade else \
            "degraded" if self.degraded_by else "contained"

    def shard_safe(self, shard: str) -> bool:
        """``no_cascade_in=<shard>`` holds for this run."""
        return self.shard_cascade.get(shard, 0) == 0


@dataclass
class ShardBoundary:
    """How far one number of one shard may go.

    ``value``: the last safe value (the most clients; the least capacity), None when
    none in the range is safe. ``past``: the first failing value beyond it (None when the
    whole range is safe: then the boundary is "at least ``value``"). ``status``: HOLDS
    (found), UNKNOWN (budget, ``reason`` says). ``method``: which engine found it.
    ``checked_all``: the boundary value was checked against every representative flap
    (in a review that tries every offset: at every offset of its KEEPALIVE cycle).
    ``checked_at_boundary``: the flap times the boundary value is known safe against.
    """

    shard: str
    fld: str  # clients | rr_capacity | rr_capacity_percent
    current: int
    lo: int
    hi: int
    step: int
    value: int | None
    past: int | None
    past_trigger: str | None
    status: str
    method: str
    reason: str = ""
    triggers: list[str] = field(default_factory=list)
    checked_all: bool = False
    runs: int = 0
    z3_paths: int = 0
    checked_at_boundary: int = 0

    @property
    def worse(self) -> str:
        """``up`` (clients) or ``down`` (capacity): the direction that adds stress."""
        return "up" if self.fld == "clients" else "down"

    @property
    def headroom_percent(self) -> float | None:
        """(boundary - current) / current x 100 for clients, (current - boundary) /
        current x 100 for capacity: negative is an overrun. None when nothing is safe or
        the answer is UNKNOWN."""
        if self.status != "HOLDS" or self.value is None or not self.current:
            return None
        diff = self.value - self.current if self.worse == "up" else self.current - self.value
        return round(100 * diff / self.current, 1)

    @property
    def open_ended(self) -> bool:
        """The whole range is safe: the boundary lies beyond it."""
        return self.status == "HOLDS" and self.value is not None and self.past is None

    def as_json(self) -> dict[str, Any]:
        """JSON form (review.json's ``boundaries`` entries)."""
        return {"shard": self.shard, "vary": f"{self.shard}.{self.fld}",
                "current": self.current, "lo": self.lo, "hi": self.hi, "step": self.step,
                "boundary": self.value, "first_failing": self.past,
                "failing_trigger": self.past_trigger, "open_ended": self.open_ended,
                "headroom_percent": self.headroom_percent, "status": self.status,
                "method": self.method, "reason": self.reason or None,
                "triggers": list(self.triggers or []), "checked_all_flaps": self.checked_all,
                "runs": self.runs, "z3_paths": self.z3_paths,
                "checked_at_boundary": self.checked_at_boundary}


@dataclass(frozen=True)
class WhatIf:
    """One change to the zone: an id (a file stem: a contract of review.json), a label,
    what was changed, and the changed zone data (None when it does not apply, with
    ``why``)."""

    id: str
    label: str
    change: str
    data: dict[str, Any] | None
    why: str = ""
    target: str | None = None  # the shard whose headroom the row reports
    origin: str | None = None  # a split row: the shard it splits (target is its 1st part)
    hint_scale: float = 1.0  # where its boundary search starts, relative to as written
    cost: str = ""  # one of COSTS (whatifs.py classifies every row)
    cost_why: str = ""  # why that class (a knob the implementation has, or lacks)


@dataclass
class WhatIfResult:
    """A what-if row's answer: the zone verdict over every representative flap (``runs``
    made; the first failing flap stops them) and the target shard's clients boundary."""

    row: WhatIf
    status: str  # HOLDS / VIOLATED / UNKNOWN / n/a
    worst: str | None
    verdict: str | None
    flaps: int
    runs: int
    boundary: ShardBoundary | None = None
    zone_file: str | None = None
    reason: str = ""
    as_written: bool = False
    #: The verdict run again with every flap at every offset of its KEEPALIVE cycle
    #: (the recommended row only): True held, False a flap time failed (``status`` is
    #: then VIOLATED), None not run.
    every_offset: bool | None = None

    def as_json(self) -> dict[str, Any]:
        """JSON form (review.json's ``what_ifs`` entries)."""
        b = self.boundary
        return {"id": self.row.id, "label": self.row.label, "change": self.row.change,
                "cost": self.row.cost or None, "cost_reason": self.row.cost_why or None,
                "checked_every_offset": self.every_offset,
                "status": self.status, "same_as_written": self.as_written,
                "failing_trigger": self.worst,
                "verdict": self.verdict, "flaps": self.flaps, "runs": self.runs,
                "target_shard": self.row.target,
                "headroom_percent": b.headroom_percent if b else None,
                "boundary": b.as_json() if b else None, "zone": self.zone_file,
                "reason": self.reason or self.row.why or None}


@dataclass(frozen=True)
class OverSeeds:
    """A shard's worst single flap run under ``runs`` seeds ``first_seed``,
    ``first_seed + 1``, ... (the timers' phases and jitter: docs/model.md, "Monte
    Carlo"), with ``phases`` and ``cohorts``: in how many runs the shard's sessions reset
    through the cascade (``no_cascade_in=SHARD`` fails; for :data:`ZONE`, ``no_cascade``),
    the zone cascaded (``simulate``'s ``cascade``) and went zone-wide (``zone-outage``),
    each with its 95 % Wilson interval (computed by properties/montecarlo.py)."""

    trigger: str
    runs: int
    first_seed: int
    phases: str
    cohorts: int
    shard_cascades: int
    shard_ci95: tuple[float, float]
    cascades: int
    ci95: tuple[float, float]
    outages: int
    outage_ci95: tuple[float, float]

    @property
    def p_shard_cascade(self) -> float:
        """The fraction of runs in which the shard's sessions cascaded."""
        return self.shard_cascades / self.runs

    def as_json(self) -> dict[str, Any]:
        """JSON form (review.json's ``shards[].over_seeds``)."""
        return {"trigger": self.trigger, "runs": self.runs,
                "seeds": [self.first_seed, self.first_seed + self.runs - 1],
                "phases": self.phases, "cohorts": self.cohorts,
                "p_shard_cascade": round(self.p_shard_cascade, 6),
                "p_shard_cascade_ci95": [round(x, 6) for x in self.shard_ci95],
                "p_cascade": round(self.cascades / self.runs, 6),
                "p_cascade_ci95": [round(x, 6) for x in self.ci95],
                "p_zone_outage": round(self.outages / self.runs, 6),
                "p_zone_outage_ci95": [round(x, 6) for x in self.outage_ci95]}


@dataclass
class BoundaryRange:
    """A shard's clients boundary over a plausible range of one assumed number: the
    ``param`` (``capacity``) of its RRs' ``profile``, whose provenance
    (:mod:`bgpcascade.model.provenance`) is ``provenance``, at ``factors`` times the
    value ``base``; ``boundaries[i]`` the shard's clients boundary at ``values[i]``
    (None: not answered, or nothing safe), each found as ``methods[i]`` says."""

    param: str
    profile: str
    provenance: str
    base: float
    factors: list[Fraction]
    values: list[int]
    boundaries: list[ShardBoundary | None]
    checked: str  # which flap times the values other than x1 were searched against

    def found(self) -> list[int]:
        """The boundaries that were found (safe values), in factor order."""
        return [b.value for b in self.boundaries
                if b is not None and b.status == "HOLDS" and b.value is not None]

    def as_json(self) -> dict[str, Any]:
        """JSON form (review.json's ``shards[].boundary_range``)."""
        return {"field": self.param, "profile": self.profile,
                "provenance": self.provenance, "base": self.base,
                "factors": [float(f) for f in self.factors], "values": self.values,
                "boundaries": [b.value if b is not None and b.status == "HOLDS" else None
                               for b in self.boundaries],
                "open_ended": [bool(b is not None and b.open_ended)
                               for b in self.boundaries],
                "methods": [b.method if b is not None else None for b in self.boundaries],
                "checked": self.checked}


@dataclass
class ShardReview:
    """One shard of the zone as written: its figures, worst trigger and boundaries, and
    its worst flap over seeds (``over_seeds``; None when not run)."""

    shard: str
    figures: dict[str, Any]
    worst: FlapRun | None
    clients: ShardBoundary | None = None
    capacity: ShardBoundary | None = None
    critical: list[str] = field(default_factory=list)
    over_seeds: OverSeeds | None = None
    boundary_range: BoundaryRange | None = None

    @property
    def headroom(self) -> float | None:
        """The tighter of the two headrooms (clients, capacity)."""
        hs = [b.headroom_percent for b in (self.clients, self.capacity)
              if b is not None and b.headroom_percent is not None]
        return min(hs) if hs else None


@dataclass(frozen=True)
class Recommendation:
    """A change that buys something, and the row that shows it (ranked by
    :func:`bgpcascade.review.recommend.recommend`, worded by the report).

    Either a what-if row (``what_if``, its number ``n`` in the what-if table) that
    ``fixes`` the zone (every single flap contained where the zone as written has one
    that violates) or raises the safe size of ``shard`` (a split part's: the shard it
    splits) from ``written``, its boundary as written, by ``gain`` (a fraction); or a
    shard past its clients boundary (``over``).
    """

    row: str  # the what-if id, or shard-<name>
    shard: str
    n: int = 0
    fixes: bool = False
    gain: float | None = None
    what_if: WhatIfResult | None = None
    written: ShardBoundary | None = None
    over: ShardReview | None = None


@dataclass
class Review:
    """Everything the report shows, with the commands that reproduce each number."""

    zone: str
    source: str
    horizon: Fraction
    at: Fraction
    flaps: list[str]
    ranking: list[FlapRun]
    shards: list[ShardReview]
    what_ifs: list[WhatIfResult]
    curve: list[tuple[int, ShardBoundary]]  # (capacity, clients boundary) of the tightest shard
    curve_shard: str | None
    tightest: str | None
    zone_files: dict[str, str]  # file name under zones/ -> text
    commands: list[tuple[str, str]]  # (what it shows, command)
    runs: int
    unknown: list[str]
    quick: bool = False
    complete: bool = True  # every representative flap was run (else the budget ran out)
    seeds: int = 0  # runs per shard's worst flap over seeds (0: none)
    #: What the runs covered (review.json's ``bounds``): ``trigger_offsets``, ``seed``,
    #: ``phases``, ``cohorts``.
    bounds: dict[str, Any] = field(default_factory=dict)
    recommendations: list[Recommendation] = field(default_factory=list)  # best first

    @property
    def verdict(self) -> str:
        """VIOLATED when a representative flap violates the zone-wide properties; HOLDS
        when none does; UNKNOWN when the budget ended the runs before every flap."""
        if any(r.violated for r in self.ranking):
            return "VIOLATED"
        return "HOLDS" if self.complete else "UNKNOWN"
