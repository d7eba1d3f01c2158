"""Each what-if row judged: the changed zone over every one of its representative flaps,
and the clients boundary of the row's shard (in an explicit zone, its RRs' capacity in
percent).

A row is independent of the others: rows go to the review's worker processes, one row
per process, the costliest first, and come back in table order. A row whose zone
simulates exactly like the zone as written (the same :func:`~bgpcascade.review.whatifs.fingerprint`)
runs nothing and reuses the review's own verdict and boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.errors import InputError
from bgpcascade.model.timing import Timing
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.engines.cascade_z3 import BudgetExceeded
from bgpcascade.properties.engines.offsets import Offsets
from bgpcascade.properties.executor import Executor
from bgpcascade.review.boundaries import Probe, find_boundary, search_range
from bgpcascade.review.commands import boundary_commands, what_if_command
from bgpcascade.review.data import CAPACITY_PERCENT, FlapRun, ShardReview, WhatIf, WhatIfResult
from bgpcascade.review.runs import Runner, critical_flaps, flaps_of, order_like, trigger_shards
from bgpcascade.review.whatifs import fingerprint, rename_flap
from bgpcascade.review.zonedata import dump, explicit_capacities, shard_value


@dataclass(frozen=True)
class RowContext:
    """What a what-if row needs from the review (sent to a worker process)."""

    zone: str
    source: str
    out_prefix: str
    horizon: Fraction
    at: Fraction
    h: str  # the commands' --horizon argument (commands.run_args)
    base_order: list[str]  # the flaps of the zone as written, worst first
    shards: list[ShardReview]
    quick: bool
    deadline: float
    fingerprint: tuple[Any, ...]
    ranking: list[FlapRun]
    timing: Timing | None = None  # every run's (None: lockstep)
    #: Per representative flap (its label at ``at``), its worst time in the zone as
    #: written: a row judges each flap there.
    worst_at: dict[str, Fraction] = field(default_factory=dict)
    pin: str = ""  # commands.what_if_command's


@dataclass
class RowAnswer:
    """A row judged: its result, with the zone files and commands behind it, what it
    left unanswered, and the runs it made."""

    result: WhatIfResult
    files: dict[str, str] = field(default_factory=dict)
    commands: list[tuple[str, str]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    runs: int = 0


def _hint(shards: Sequence[ShardReview], shard: str) -> int | None:
    """The clients boundary of ``shard`` in the zone as written: where a what-if's
    boundary search starts (for a split, the boundary of the shard it splits)."""
    for s in shards:
        if s.shard == shard and s.clients is not None and s.clients.value is not None:
            return s.clients.value
    return None


def _scaled(hint: int | None, scale: float) -> int | None:
    return None if hint is None else max(1, round(hint * scale))


def sr_critical(shards: Sequence[ShardReview], shard: str) -> list[str]:
    """The critical flaps of ``shard`` in the zone as written (empty when it is new)."""
    return next((s.critical for s in shards if s.shard == shard), [])


def _start(ctx: RowContext, row: WhatIf, compact: bool) -> int | None:
    """Where the row's boundary search starts when the row violates: the boundary of its
    shard as written (a split: of the shard it splits), scaled by the row's hint; in an
    explicit zone, its shard's capacity boundary as written."""
    assert row.target is not None
    if compact:
        return _scaled(_hint(ctx.shards, row.origin or row.target), row.hint_scale)
    base_b = next((x.capacity for x in ctx.shards if x.shard == row.target), None)
    return base_b.value if base_b is not None else None


def _as_written(ctx: RowContext, row: WhatIf, wsource: str) -> WhatIfResult:
    """A row that is the zone as written: its answers are the review's own."""
    bad = next((r for r in ctx.ranking if r.violated), None)
    res = WhatIfResult(row, "VIOLATED" if bad else "HOLDS", bad.trigger if bad else None,
                       bad.verdict if bad else "contained", len(ctx.ranking), 0,
                       zone_file=wsource, as_written=True)
    res.boundary = next((s.clients or s.capacity for s in ctx.shards
                         if s.shard == row.target), None)
    return res


def _row_boundary(ctx: RowContext, row: WhatIf, wtext: str, wsource: str,
                  wflaps: list[Trigger], runs: list[FlapRun], runner: Runner,
                  ans: RowAnswer) -> None:
    """The boundary of the row's shard on the changed zone: clients in the compact form;
    in an explicit zone, its RRs' capacity in percent. Searched against the row's critical
    flaps (its shard's worst here, then those of the zone as written), at most 4."""
    assert row.data is not None and row.target is not None
    compact = "shards" in row.data
    fld = "clients" if compact else CAPACITY_PERCENT
    bdata = row.data if compact else explicit_capacities(
        row.data, load_zone(wtext, source=wsource))
    wl = {t.label(): t for t in wflaps}
    mine = sr_critical(ctx.shards, row.target)
    if row.origin is not None:  # a split: the origin's critical flaps, renamed
        mine = [rename_flap(x, row.origin, row.target)
                for x in sr_critical(ctx.shards, row.origin)]
    wown = trigger_shards(wtext, wsource, wflaps)
    wcrit = critical_flaps(runs, row.target, wown) + [x for x in mine if x in wl]
    wcrit = list(dict.fromkeys(wcrit))[:4]
    cur = shard_value(wtext, wsource, row.target, fld)
    lo, hi, step = search_range(fld, cur)
    if ctx.quick and compact:
        hi = max(2 * cur, 64)
    # A row that holds is safe at the current value against every flap: the search
    # starts there (known safe) and walks on.
    held = ans.result.status == "HOLDS"
    known = Probe(cur, True, max((r.shard_ratio.get(row.target, 0.0) for r in runs),
                                 default=0.0), None) if held else None
    try:
        b = find_boundary(runner, bdata, wtext, wsource, row.target, fld, lo, hi, step,
                          [wl[x] for x in wcrit], order_like(wflaps, wcrit), ctx.horizon,
                          0.0, lambda _m: None, verify=not ctx.quick,
                          hint=None if held else _start(ctx, row, compact), known=known)
    except BudgetExceeded:
        ans.unknown.append(f"what-if {row.id} headroom (review budget spent)")
        return
    ans.result.boundary = b
    boundary_commands(b, bdata, wsource, ctx.out_prefix, ctx.h, ans.files, ans.commands,
                      search_source=None, z3_budget=0, tag=f"what-if-{row.id}",
                      pin=ctx.pin)
    if b.status != "HOLDS":
        ans.unknown.append(f"what-if {row.id} headroom ({b.reason})")


def judge_row(job: tuple[RowContext, WhatIf]) -> RowAnswer:
    """One what-if row: its verdict over the changed zone's flaps, each at its worst
    offset in the zone as written (the first that violates ends them) and the boundary
    of its shard; with the zone files and commands behind
    them."""
    ctx, row = job
    ans = RowAnswer(WhatIfResult(row, "n/a", None, None, 0, 0))
    if row.data is None:
        return ans
    fname = f"what-if-{row.id}.yaml"
    wtext = _row_text(ctx, row)
    wsource = f"{ctx.out_prefix}/zones/{fname}"
    ans.files[fname] = wtext
    try:
        load_zone(wtext, source=wsource)
    except InputError as exc:
        ans.result.reason = f"the changed zone is invalid: {exc.problem}"
        return ans
    if fingerprint(wtext, wsource) == ctx.fingerprint:
        ans.result = _as_written(ctx, row, wsource)
        return ans
    wflaps = order_like([replace(t, t=ctx.worst_at.get(t.label(), t.t))
                         for t in flaps_of(wtext, wsource, ctx.at)], ctx.base_order)
    with Runner(1, ctx.deadline, timing=ctx.timing) as runner:
        try:
            runs = runner.run(wtext, wsource, wflaps, ctx.horizon,
                              stop=lambda r: bool(r.violated))
        except BudgetExceeded:
            ans.unknown.append(f"what-if {row.id}")
            ans.result = WhatIfResult(row, "UNKNOWN", None, None, len(wflaps), 0,
                                      zone_file=wsource, reason="review budget spent")
            ans.runs = runner.runs
            return ans
        bad = next((r for r in runs if r.violated), None)
        ans.result = WhatIfResult(row, "VIOLATED" if bad else "HOLDS",
                                  bad.trigger if bad else None,
                                  bad.verdict if bad else "contained", len(wflaps),
                                  len(runs), zone_file=wsource)
        ans.commands.append(what_if_command(row.id, wsource, bad.trigger if bad else None,
                                            ctx.h, ctx.pin))
        if row.target is not None:
            _row_boundary(ctx, row, wtext, wsource, wflaps, runs, runner, ans)
        ans.runs = runner.runs
    return ans


def _row_text(ctx: RowContext, row: WhatIf) -> str:
    """The zone file of a row, as :func:`judge_row` wrote it."""
    assert row.data is not None
    return dump(row.data, f"{ctx.zone} from {ctx.source}, what-if {row.id}: {row.change}")


def at_every_offset(ctx: RowContext, res: WhatIfResult, runner: Runner,
                    offsets: Offsets) -> tuple[FlapRun | None, int]:
    """A row that holds with each flap at its worst offset in the zone as written, run
    with every flap of its zone at every other offset of its KEEPALIVE cycle
    (:class:`~bgpcascade.properties.engines.offsets.Offsets`), each flap's offsets in
    time order, the flaps worst first; the first flap time that violates ends it.
    Returns that run (None: every flap time holds) and the runs made. BudgetExceeded
    when the review's budget ends it."""
    row = res.row
    wtext = _row_text(ctx, row)
    wsource = res.zone_file or row.id
    zone = load_zone(wtext, source=wsource)
    reps = flaps_of(wtext, wsource, ctx.at)
    worst = [replace(t, t=ctx.worst_at.get(t.label(), t.t)) for t in reps]
    order = {t.label(): n for n, t in enumerate(order_like(worst, ctx.base_order))}
    tried = set(order)  # judge_row ran these
    times = [x for t, wt in sorted(zip(reps, worst, strict=True),
                                   key=lambda p: order[p[1].label()])
             for x in offsets.of(zone, t) if x.label() not in tried]
    before = runner.runs
    runs = runner.run(wtext, wsource, times, ctx.horizon, stop=lambda r: bool(r.violated))
    return next((r for r in runs if r.violated), None), runner.runs - before


def judge_rows(ctx: RowContext, rows: Sequence[WhatIf],
               executor: Executor) -> list[RowAnswer]:
    """Every row judged, one row per worker process of ``executor``, in row order. The rows with the
    most flaps (the costliest) start first, so that no process is left with a long row at
    the end."""
    if executor.workers <= 1 or len(rows) < 2:
        return [judge_row((ctx, row)) for row in rows]
    cost = [len(flaps_of(dump(r.data, ""), r.id, ctx.at)) if r.data is not None else 0
            for r in rows]
    order = sorted(range(len(rows)), key=lambda i: (-cost[i], i))
    got = executor.map(judge_row, [(ctx, rows[i]) for i in order])
    return [ans for _, ans in sorted(zip(order, got, strict=True), key=lambda p: p[0])]
