"""A shard's clients boundary over a plausible range of an assumed number.

A boundary found with a number nobody measured is a story, not a fact: the appliance's
capacity, for one, was chosen so that the built-in zone tells the incident's
(docs/model.md). Where the capacity of a shard's RRs is ``assumed``
(:mod:`bgpcascade.model.provenance`: no measurement, no benchmark, no source; not set by
the zone file), the review searches the shard's clients boundary again at
:data:`~bgpcascade.review.data.RANGE_FACTORS` times it (x0.25 .. x4), so that "safe up to
6" reads "safe up to 6 (2-31 over appliance capacity x0.25-x4, assumed)".

Cheapest sound method: at x1 the shard's own boundary (checked at every flap time); at
the other factors the simulator's bracket (:mod:`~bgpcascade.review.boundaries`)
against the flap times the x1 boundary was searched against (each flap at the offset
where it was worst, plus any that failed at x1), starting from x1's boundary scaled by
the factor, without the final run of every flap at every offset (``bounds.boundary_range``
says so). A point of the boundary curve at the same capacity (the tightest shard) is
reused: it was checked at every flap time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.provenance import field_provenance
from bgpcascade.model.topology import Zone
from bgpcascade.properties.engines.cascade_z3 import BudgetExceeded
from bgpcascade.review.boundaries import find_boundary, search_range
from bgpcascade.review.commands import boundary_commands
from bgpcascade.review.data import RANGE_FACTORS, BoundaryRange, ShardBoundary, ShardReview
from bgpcascade.review.runs import Runner, order_like
from bgpcascade.review.zonedata import dump, set_field, shard_value

#: What review.json's ``bounds.boundary_range`` says of the values other than x1.
CHECKED = ("x1: the shard's clients boundary; other factors: the simulator's bracket "
           "against the flap times the x1 boundary was searched against (each at its "
           "worst offset as written), not run again at every offset; a boundary curve "
           "point at the same capacity is reused (checked at every offset)")


def assumed_capacity(zone: Zone, shard: str) -> tuple[str, str, float] | None:
    """The profile, provenance and capacity of ``shard``'s RRs when that capacity is
    ``assumed`` (None when it is measured, from a benchmark or a source, or set by the
    zone file: the shard's ``rr_capacity``)."""
    rr = next((g for g in zone.groups if g.shard == shard and g.is_rr), None)
    if rr is None:
        return None
    prof = zone.profile_of(rr)
    kind = field_provenance(prof, "capacity")
    return (rr.profile, kind, prof.capacity) if kind == "assumed" else None


@dataclass
class RangeJob:
    """What a range search needs from the review: its zone, the runs' horizon and the
    commands' arguments, and where its files, commands and unanswered questions go."""

    data: dict[str, Any]
    text: str
    source: str
    out_prefix: str
    h: str
    pin: str
    horizon: Fraction
    by_label: dict[str, Trigger]
    flaps: list[Trigger]
    progress: Callable[[str], None]
    files: dict[str, str] = field(default_factory=dict)
    commands: list[tuple[str, str]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def _at(job: RangeJob, runner: Runner, sr: ShardReview, cap: int,
        hint: int | None) -> ShardBoundary:
    """Shard ``sr``'s clients boundary with its RRs at capacity ``cap`` (see the module
    doc)."""
    assert sr.clients is not None
    d = set_field(job.data, sr.shard, "rr_capacity", cap)
    name = f"range-{sr.shard}-rr_capacity-{cap}.yaml"
    t2 = dump(d, f"{d['zone']} from {job.source} at {sr.shard}.rr_capacity={cap}")
    src = f"{job.out_prefix}/zones/{name}"
    job.files[name] = t2
    crit = [job.by_label[x] for x in sr.clients.triggers if x in job.by_label]
    lo, hi, step = search_range("clients", shard_value(t2, src, sr.shard, "clients"))
    b = find_boundary(runner, d, t2, src, sr.shard, "clients", lo, hi, step, crit,
                      order_like(job.flaps, [t.label() for t in crit]), job.horizon, 0.0,
                      lambda _m: None, verify=False, hint=hint)
    boundary_commands(b, d, src, job.out_prefix, job.h, job.files, job.commands,
                      search_source=None, z3_budget=0, tag=f"range-{cap}", pin=job.pin)
    return b


def boundary_range(job: RangeJob, runner: Runner, zone: Zone, sr: ShardReview,
                   curve: list[tuple[int, ShardBoundary]]) -> BoundaryRange | None:
    """Shard ``sr``'s clients boundary at each factor of its RRs' assumed capacity (see
    the module doc); None when that capacity is not assumed or the shard has no found
    clients boundary. The budget ending a search leaves it and the rest None (UNKNOWN,
    in ``job.unknown``)."""
    got = assumed_capacity(zone, sr.shard)
    b1 = sr.clients
    if got is None or b1 is None or b1.status != "HOLDS":
        return None
    profile, kind, base = got
    reuse = {c: b for c, b in curve if b.shard == sr.shard}
    values = [max(1, int(Fraction(str(base)) * f)) for f in RANGE_FACTORS]
    bounds: list[ShardBoundary | None] = []
    spent = False
    for f, cap in zip(RANGE_FACTORS, values, strict=True):
        if f == 1 or spent:
            bounds.append(b1 if f == 1 else None)
            continue
        if cap in reuse:
            bounds.append(reuse[cap])
            continue
        job.progress(f"review: {sr.shard}.clients at {profile} capacity x{float(f):g} "
                     f"({cap:,} units/s, assumed)")
        hint = None if b1.value is None else max(1, round(b1.value * float(f)))
        try:
            b = _at(job, runner, sr, cap, hint)
        except BudgetExceeded:
            job.unknown.append(f"{sr.shard}.clients at {profile} capacity x{float(f):g} "
                               "(review budget spent)")
            bounds.append(None)
            spent = True
            continue
        if b.status != "HOLDS":
            job.unknown.append(f"{sr.shard}.clients at capacity {cap} ({b.reason})")
        bounds.append(b)
    return BoundaryRange("capacity", profile, kind, base, list(RANGE_FACTORS), values,
                         bounds, CHECKED)
