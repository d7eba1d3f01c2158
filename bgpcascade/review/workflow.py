"""The design review of an RR sharding (``bgpcascade review``): the numbers, in order.

What an architect asks of a zone, answered by runs of the one model (model/dynamics.py),
never by a formula standing in for it (docs/cli.md, ``review``):

1. **The worst single trigger.** Every representative single flap is simulated at the
   zone as written (:mod:`~bgpcascade.review.runs`) at every whole second of one
   KEEPALIVE cycle of its session (:mod:`bgpcascade.properties.engines.offsets`; ``--at``
   pins one time); per shard, the flap and offset that reset most of that shard's
   sessions through the cascade, or, when none does, the one that brings its speakers
   closest to their hold time. The boundaries are checked at every offset of every flap
   (as ``search`` checks its boundary); the what-ifs judge each flap at its worst offset
   in the zone as written.
2. **The safe boundary of each shard** (:mod:`~bgpcascade.review.boundaries`): the most
   clients and the least RR capacity at which no single flap makes that shard's sessions
   reset through the cascade; in an explicit zone, its RRs' capacity in percent.
3. **The boundary curve**: the tightest shard's clients boundary at 1/2, 1, 2 and 4 times
   its RRs' capacity.
4. **The boundary over assumed numbers** (:mod:`~bgpcascade.review.assumed`): each
   bounded shard's clients boundary at x0.25 .. x4 of its RRs' capacity when that
   capacity is assumed (:mod:`bgpcascade.model.provenance`).
5. **What-ifs** (:mod:`~bgpcascade.review.whatifs`, :mod:`~bgpcascade.review.whatif_rows`):
   the zone changed one way at a time, each with its cost class, judged over every
   representative flap of the changed zone, with its shard's boundary.
6. **Recommendations** (:mod:`~bgpcascade.review.recommend`), the cheapest fix first;
   the first recommended row that holds is run again with every flap at every offset
   (a flap time that fails there makes it VIOLATED, and the next is tried; not in a
   quick review).
7. **Over seeds**: each shard's worst single flap run again under ``seeds`` seeds (the
   timers' phases and jitter, :mod:`bgpcascade.properties.montecarlo`): how often the
   shard cascades, with its 95 % interval (a quick review: the shard the flaps hurt most).

Each number comes with the command that gives it again (:mod:`~bgpcascade.review.commands`).
Runs go to ``jobs`` forked worker processes; the answers do not depend on ``jobs``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.params import Space
from bgpcascade.model.timing import Timing
from bgpcascade.model.topology import Zone
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.engines.cascade_z3 import BudgetExceeded, representative_flaps
from bgpcascade.properties.engines.offsets import Offsets, timing_bounds
from bgpcascade.properties.library import Selected, parse_property
from bgpcascade.properties.montecarlo import REVIEW_RUNS, OutOfBudget, distribution, wilson
from bgpcascade.review.assumed import RangeJob, boundary_range
from bgpcascade.review.boundaries import find_boundary, search_range
from bgpcascade.review.commands import (
    boundary_commands,
    command_number,
    flap_arg,
    ranking_command,
    run_args,
    show_command,
    timing_args,
    what_if_command,
    worst_flap_command,
)
from bgpcascade.review.data import (
    CAPACITY_PERCENT,
    ZONE,
    FlapRun,
    OverSeeds,
    Review,
    ShardBoundary,
    ShardReview,
    WhatIfResult,
)
from bgpcascade.review.recommend import recommend
from bgpcascade.review.runs import (
    Runner,
    order_like,
    rank,
    shard_rank,
    shard_reviews,
    trigger_shards,
    zone_review,
)
from bgpcascade.review.whatif_rows import RowContext, at_every_offset, judge_rows
from bgpcascade.review.whatifs import fingerprint, what_ifs
from bgpcascade.review.zonedata import (
    dump,
    explicit_capacities,
    set_field,
    shard_value,
    zone_data,
)


@dataclass
class _Work:
    """One review under way: its inputs, and the zone files, commands and unanswered
    questions gathered so far (in the order the report lists them)."""

    text: str
    source: str
    out_prefix: str
    horizon: Fraction
    h: str  # every command's --horizon argument (commands.run_args)
    progress: Callable[[str], None]
    zone: Zone
    data: dict[str, Any]
    flaps: list[Trigger]
    base: list[FlapRun] = field(default_factory=list)  # every flap run at the zone as written
    reps: list[Trigger] = field(default_factory=list)  # the representative flaps (base time)
    pin: str = ""  # pins a command's --flap times (--at) when offsets are not pinned
    files: dict[str, str] = field(default_factory=dict)
    commands: list[tuple[str, str]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def by_label(self) -> dict[str, Trigger]:
        """The zone's flaps (every offset) by their labels."""
        return {t.label(): t for t in self.flaps}

    def worst_at(self) -> dict[str, Fraction]:
        """Per representative flap (its label at the base time), its worst offset's time."""
        return {rep.label(): self.by_label[r.trigger].t
                for rep, r in zip(self.reps, self.worst_per_flap(), strict=False)}

    def worst_per_flap(self) -> list[FlapRun]:
        """Per representative flap, its worst run over the offsets run (the ranking's
        order; ties: the earliest offset), in the representative flaps' order."""
        by_rep: dict[tuple[str, str, str | None, str | None], list[FlapRun]] = {}
        key = {t.label(): (t.kind, str(t.down_for), t.a, t.b) for t in self.flaps}
        for r in self.base:
            by_rep.setdefault(key[r.trigger], []).append(r)
        reps = [(t.kind, str(t.down_for), t.a, t.b) for t in self.reps]
        return [rank(by_rep[k])[0] for k in reps if k in by_rep]


def _first_ranking(w: _Work, runner: Runner) -> bool:
    """Every flap at the zone as written, into ``w.base``; False when the budget ended the
    runs first. The first ranking is held to the budget too, a batch of ``jobs`` runs at a
    time: when it runs out, the review says what was run and answers nothing else (a
    violating run already found still makes the verdict VIOLATED)."""
    batch = 8 * max(1, runner.jobs)  # every offset of a flap: many short runs
    try:
        for i in range(0, len(w.flaps), batch):
            w.base += runner.run(w.text, w.source, w.flaps[i:i + batch], w.horizon)
    except BudgetExceeded:
        w.unknown.append(f"every single flap ({len(w.base)} of {len(w.flaps)} flap times "
                         "run: review budget spent)")
        return False
    return True


def _boundary(w: _Work, runner: Runner, data: dict[str, Any], sr: ShardReview, fld: str, *,
              z3_budget: float, search_source: str | None, verify: bool = True) -> ShardBoundary:
    """The boundary of ``<sr.shard>.<fld>`` in the zone as written (``data``), searched
    against the shard's critical flaps, then every flap; UNKNOWN when the budget ends it.
    Its zone files and commands join the review's."""
    crit = [w.by_label[x] for x in sr.critical]
    ordered = order_like(w.flaps, [r.trigger for r in shard_rank(w.base, sr.shard)])
    cur = shard_value(w.text, w.source, sr.shard, fld)
    lo, hi, step = search_range(fld, cur)
    try:
        b = find_boundary(runner, data, w.text, w.source, sr.shard, fld, lo, hi, step, crit,
                          ordered, w.horizon, z3_budget, w.progress, verify=verify)
    except BudgetExceeded:
        b = ShardBoundary(sr.shard, fld, cur, lo, hi, step, None, None, None, "UNKNOWN",
                          "sim-bracket", reason="review budget spent")
    if b.status != "HOLDS":
        w.unknown.append(f"{sr.shard}.{fld} ({b.reason})")
    boundary_commands(b, data, w.source, w.out_prefix, w.h, w.files, w.commands,
                      search_source=search_source, z3_budget=z3_budget, pin=w.pin)
    return b


def _explicit_boundaries(w: _Work, runner: Runner, shards: list[ShardReview],
                         own: dict[str, str | None], summary: dict[str, Any],
                         complete: bool) -> None:
    """An explicit zone: the capacity of each labelled shard's RRs (of all its RRs when
    it has no labels, the row :data:`ZONE`), in percent of what the file gives them."""
    edata = explicit_capacities(w.data, w.zone)
    if not shards:
        shards.append(zone_review(w.zone, summary, w.base, own))
    for sr in shards if complete else []:
        if not any(g.is_rr and (sr.shard == ZONE or g.shard == sr.shard)
                   for g in w.zone.groups):
            continue
        sr.capacity = _boundary(w, runner, edata, sr, CAPACITY_PERCENT, z3_budget=0.0,
                                search_source=None)


def _curve(w: _Work, runner: Runner, sr: ShardReview) -> list[tuple[int, ShardBoundary]]:
    """The boundary curve: shard ``sr``'s clients boundary at 1/2, 1, 2 and 4 times its
    RRs' capacity (the simulator's bracket, against its critical flaps, then every flap).
    The budget ending a point ends the curve there."""
    points: list[tuple[int, ShardBoundary]] = []
    cap = shard_value(w.text, w.source, sr.shard, "rr_capacity")
    for mult in (Fraction(1, 2), Fraction(1), Fraction(2), Fraction(4)):
        c = int(cap * mult)
        if mult == 1 and sr.clients is not None:
            points.append((c, sr.clients))
            continue
        d = set_field(w.data, sr.shard, "rr_capacity", c)
        t2 = dump(d, f"{w.zone.name} from {w.source} at {sr.shard}.rr_capacity={c}")
        fname = f"curve-{sr.shard}-rr_capacity-{c}.yaml"
        w.files[fname] = t2
        cur = shard_value(t2, w.source, sr.shard, "clients")
        lo, hi, step = search_range("clients", cur)
        try:
            b = find_boundary(runner, d, t2, f"{w.out_prefix}/zones/{fname}", sr.shard,
                              "clients", lo, hi, step, [w.by_label[x] for x in sr.critical],
                              order_like(w.flaps, sr.critical), w.horizon, 0.0, w.progress)
        except BudgetExceeded:
            w.unknown.append(f"curve at capacity {c} (review budget spent)")
            break
        if b.status != "HOLDS":
            w.unknown.append(f"curve at capacity {c} ({b.reason})")
        points.append((c, b))
        boundary_commands(b, d, f"{w.out_prefix}/zones/{fname}", w.out_prefix, w.h, w.files,
                          w.commands, search_source=None, z3_budget=0, tag=f"curve-{c}",
                          pin=w.pin)
    return points


def _what_ifs(w: _Work, runner: Runner, ctx: RowContext, target: str | None, *,
              run: bool = True) -> tuple[list[WhatIfResult], int]:
    """Every what-if row judged (in the review's worker processes), in row order, with
    the runs they made; their files, commands and unanswered questions join the
    review's. ``run`` False (the budget ended the first ranking): none."""
    rows = what_ifs(w.data, target) if run else []
    w.progress(f"review: {len(rows)} what-ifs")
    results: list[WhatIfResult] = []
    runs = 0
    for ans in judge_rows(ctx, rows, runner.executor):
        res = ans.result
        results.append(res)
        w.files.update(ans.files)
        w.commands.extend(ans.commands)
        w.unknown.extend(ans.unknown)
        runs += ans.runs
        w.progress(f"review: what-if {res.row.id}: {res.status}"
                   + (f", headroom {res.boundary.headroom_percent:+.1f}%"
                      if res.boundary and res.boundary.headroom_percent is not None
                      else ""))
    return results, runs


def _ranges(w: _Work, runner: Runner, zone: Zone, shards: list[ShardReview],
            curve: list[tuple[int, ShardBoundary]]) -> None:
    """Each shard's clients boundary over its RRs' assumed capacity
    (:func:`~bgpcascade.review.assumed.boundary_range`), into
    ``ShardReview.boundary_range``; its files, commands and unanswered questions join the
    review's."""
    job = RangeJob(w.data, w.text, w.source, w.out_prefix, w.h, w.pin, w.horizon,
                   w.by_label, w.flaps, w.progress)
    for sr in shards:
        sr.boundary_range = boundary_range(job, runner, zone, sr, curve)
    w.files.update(job.files)
    w.commands.extend(job.commands)
    w.unknown.extend(job.unknown)


def _confirm(w: _Work, runner: Runner, rv: Review, ctx: RowContext, offs: Offsets) -> None:
    """The first recommended what-if row that holds, run with every flap at every offset
    (:func:`~bgpcascade.review.whatif_rows.at_every_offset`): a flap time that fails
    makes it VIOLATED (``every_offset`` False) and the recommendations are ranked again,
    the next such row tried; the budget ending it leaves it unconfirmed (UNKNOWN).
    Nothing to run when the review pins the flap time; not run in a quick review (its
    bounds say so)."""
    if offs.pinned or rv.quick:
        return
    while True:
        top = next((r.what_if for r in rv.recommendations if r.what_if is not None), None)
        if top is None or top.status != "HOLDS" or top.every_offset is not None:
            return
        w.progress(f"review: what-if {top.row.id} (recommended) at every offset")
        try:
            bad, _runs = at_every_offset(ctx, top, runner, offs)  # counted by the runner
        except BudgetExceeded:
            w.unknown.append(f"what-if {top.row.id} at every offset (review budget spent)")
            return
        top.every_offset = bad is None
        w.progress(f"review: what-if {top.row.id} at every offset: "
                   + ("HOLDS" if bad is None else f"VIOLATED ({bad.trigger})"))
        if bad is None:
            return
        top.status, top.worst, top.verdict = "VIOLATED", bad.trigger, bad.verdict
        cmd = what_if_command(top.row.id, top.zone_file or top.row.id, bad.trigger, w.h,
                              w.pin)
        rv.commands.append(cmd)
        rv.recommendations = recommend(rv)


def _shard_prop(shard: str) -> Selected:
    """What a shard is judged by: ``no_cascade_in=SHARD`` (the zone's ``no_cascade``)."""
    return parse_property("no_cascade" if shard == ZONE else f"no_cascade_in={shard}")


def _over_seeds(w: _Work, runner: Runner, shards: list[ShardReview], seeds: int,
                timing: Timing) -> None:
    """Each shard's worst single flap under ``seeds`` seeds from ``timing`` (one
    distribution per flap, every shard that flap is worst for judged on its runs): into
    ``ShardReview.over_seeds``, with the command that gives it again. The budget ending
    it leaves the rest unanswered (``w.unknown``), never safe."""
    by_flap: dict[str, list[ShardReview]] = {}
    for sr in shards:
        if sr.worst is not None:
            by_flap.setdefault(sr.worst.trigger, []).append(sr)
    deadline = runner.deadline
    for label, targets in by_flap.items():
        props = [_shard_prop(sr.shard) for sr in targets]
        w.progress(f"review: {label} over {seeds} seeds")
        try:
            runner.check()
            dist = distribution(w.text, w.source, [w.by_label[label]], w.horizon,
                                runs=seeds, timing=timing, executor=runner.executor,
                                props=props, budget_left=None if deadline is None else
                                (lambda: deadline - time.monotonic()))
        except (BudgetExceeded, OutOfBudget):
            w.unknown.append(f"{label} over {seeds} seeds (review budget spent)")
            continue
        runner.runs += dist.n
        for sr, prop in zip(targets, props, strict=True):
            k = dist.violations(prop.label)
            sr.over_seeds = OverSeeds(label, dist.n, timing.seed, timing.phases, timing.k,
                                      k, wilson(k, dist.n), dist.cascades, dist.ci95,
                                      dist.outages, wilson(dist.outages, dist.n))
        w.commands.append((f"{label} over {seeds} seeds: how often it cascades",
                           f"bgpcascade simulate {w.source} --flap {flap_arg(label)} "
                           f"--runs {seeds} {timing_args(timing)} --horizon "
                           f"{command_number(w.horizon)}"))


def _hurt(shards: list[ShardReview]) -> ShardReview | None:
    """The shard the flaps hurt most: the most of its sessions reset by its worst flap,
    then the highest queue delay / hold ratio, then its name."""
    def key(s: ShardReview) -> tuple[int, float, str]:
        if s.worst is None:
            return 0, 0.0, s.shard
        return (-s.worst.shard_cascade.get(s.shard, 0), -s.worst.shard_ratio.get(s.shard, 0.0),
                s.shard)

    return min(shards, key=key, default=None)


def _tightest(shards: list[ShardReview], hurt: ShardReview | None,
              complete: bool) -> str | None:
    """The shard with the least headroom (then by name); without any headroom, the shard
    the flaps hurt most."""
    tight = [s for s in shards if s.headroom is not None]
    if tight:
        return min(tight, key=lambda s: (s.headroom, s.shard)).shard
    return hurt.shard if hurt is not None and complete else None


def _unique(commands: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each command once, described by what the first to name it shows."""
    unique: dict[str, str] = {}
    for what, cmd in commands:
        unique.setdefault(cmd, what)
    return [(what, cmd) for cmd, what in unique.items()]


def _bounds(w: _Work, offs: Offsets, timing: Timing, ran: int,
            quick: bool = False) -> dict[str, Any]:
    """review.json's ``bounds``: the flap times covered (``trigger_offsets``, as
    ``check``'s, with ``flap_times_run``: runs of the zone as written, every flap at every
    offset; ``boundaries``: every offset at each boundary value; ``what_ifs``: each flap
    at its worst offset as written; ``recommendation``: the first recommended row that
    holds, every offset (not in a quick review); ``boundary_range``: the flap times of
    the range over an assumed number) and the timing of every run."""
    off = offs.bounds(w.zone, w.reps)
    off.update({"flap_times_run": ran,
                "boundaries": "pinned" if offs.pinned else "every offset",
                "what_ifs": "pinned" if offs.pinned else "worst offset as written",
                "recommendation": "pinned" if offs.pinned else
                "worst offset as written (quick)" if quick else "every offset",
                "boundary_range": "pinned" if offs.pinned else
                "x1 every offset; other factors: the x1 search's flap times"})
    return {"trigger_offsets": off, **timing_bounds(timing)}


def _start(text: str, source: str, out_prefix: str, horizon: Fraction, at: Fraction,
           progress: Callable[[str], None], timing: Timing, offs: Offsets) -> _Work:
    """A review's inputs: the zone, its representative flaps at ``at`` and each at every
    time ``offs`` tries, and the arguments every command names (horizon, ``--at`` when
    pinned, the timing)."""
    zone = load_zone(text, source=source)
    reps = representative_flaps(Space(text, source, zone), at)
    return _Work(text, source, out_prefix, horizon,
                 f"{run_args(horizon, at, offs.pinned)} {timing_args(timing)}", progress,
                 zone, zone_data(text, source), [x for t in reps for x in offs.of(zone, t)],
                 reps=reps, pin="" if offs.pinned else f" --at {command_number(at)}")


def review(text: str, source: str, *, out_prefix: str, horizon: Fraction = Fraction(300),
           at: Fraction = Fraction(30), jobs: int = 1, budget: float = 1800.0,
           z3_budget: float = 5.0, progress: Callable[[str], None] = lambda _m: None,
           curve: bool = True, quick: bool = False, seeds: int = REVIEW_RUNS,
           timing: Timing | None = None, offsets: Offsets | None = None) -> Review:
    """Review the zone file ``text`` (see the module doc). ``out_prefix``: the directory
    the report's commands name for the zone files they use (``<out>/zones``). ``timing``:
    every run's seed, phases and cohorts (default :class:`Timing` ()). ``seeds``: runs of
    each shard's worst flap over seeds from ``timing`` (0: none). ``offsets``: the flap
    times tried, ``at`` + every whole second of a KEEPALIVE cycle (default) or ``at`` only
    (pinned, ``--at``).

    ``quick`` (the demo's scope, stated in the report): boundaries for the shard the
    flaps hurt most only (its capacity boundary and the what-if headrooms searched
    against its critical flaps, without the final run of every flap at the boundary),
    no curve, no Z3."""
    if quick:
        curve, z3_budget = False, 0.0
    from bgpcascade.model.summary import zone_summary

    deadline = time.monotonic() + budget
    timing = timing or Timing()
    offs = offsets or Offsets()
    w = _start(text, source, out_prefix, horizon, at, progress, timing, offs)
    zone, reps = w.zone, w.reps
    own = trigger_shards(text, source, w.flaps)
    w.commands.append(show_command(source))
    with Runner(jobs, deadline, timing=timing) as runner:
        progress(f"review: {zone.name}: every single flap ({len(reps)}) at the zone as "
                 f"written" + ("" if offs.pinned else f", at every offset ({len(w.flaps)} "
                                                    "flap times)"))
        complete = _first_ranking(w, runner)
        ranking = rank(w.worst_per_flap())
        w.commands.append(ranking_command(source, w.h))
        summary = zone_summary(zone)
        shards = shard_reviews(zone, summary, w.base, own)
        w.commands += [worst_flap_command(s.shard, s.worst.trigger, source, w.h)
                       for s in shards if s.worst is not None]
        hurt = _hurt(shards)
        bounded = shards if not quick else [s for s in shards if s is hurt]
        if quick and hurt is not None:
            w.unknown.append(f"boundaries of shards other than {hurt.shard} (quick review)")
        if not complete:
            bounded = []
            w.unknown.append("boundaries, curve and what-ifs (review budget spent)")
        if "shards" in w.data:
            for sr in bounded:
                sr.clients = _boundary(w, runner, w.data, sr, "clients", z3_budget=z3_budget,
                                       search_source=source)
                sr.capacity = _boundary(w, runner, w.data, sr, "rr_capacity",
                                        z3_budget=z3_budget, search_source=source,
                                        verify=not quick)
        else:
            _explicit_boundaries(w, runner, shards, own, summary, complete)
        if complete and seeds > 0:
            _over_seeds(w, runner, [s for s in shards if not quick or s is hurt
                                    or s.shard == ZONE], seeds, timing)
        tightest = _tightest(shards, hurt, complete)
        curve_pts: list[tuple[int, ShardBoundary]] = []
        if complete and curve and tightest is not None and "shards" in w.data:
            curve_pts = _curve(w, runner, next(s for s in shards if s.shard == tightest))
        if complete and "shards" in w.data:
            _ranges(w, runner, zone, bounded, curve_pts)
        ctx = RowContext(zone.name, source, out_prefix, horizon, at, w.h,
                         [r.trigger for r in ranking], shards, quick, deadline,
                         fingerprint(text, source), ranking, timing, w.worst_at(), w.pin)
        results, row_runs = _what_ifs(w, runner, ctx, tightest if complete else None,
                                      run=complete)
        rv = Review(zone.name, source, horizon, at, [t.label() for t in reps], ranking,
                    shards, results, curve_pts, tightest if curve_pts else None, tightest,
                    w.files, w.commands, 0, w.unknown, quick, complete,
                    seeds if complete else 0,
                    bounds=_bounds(w, offs, timing, len(w.base), quick))
        rv.recommendations = recommend(rv)
        _confirm(w, runner, rv, ctx, offs)
        rv.runs += runner.runs + row_runs
    rv.commands = _unique(rv.commands)
    return rv
