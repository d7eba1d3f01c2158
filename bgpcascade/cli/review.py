"""``bgpcascade review ZONE --out DIR``: the design review of an RR sharding.

The numbers come from :mod:`bgpcascade.review.workflow`, the report from
:mod:`bgpcascade.diagrams.review_report`. Writes under ``--out``: ``review.html`` and
``review.md`` (the same content), ``review.json``, the charts ``headroom.svg`` and
``boundary-curve.svg``, and ``zones/`` (the what-if zones and the zones at each boundary,
which the appendix's commands name). Exit 0 when every single flap is contained and every
shard is within its boundaries, 1 when a flap violates or a shard is past a boundary, 3
when something is UNKNOWN and nothing is violated (docs/cli.md).
"""

from __future__ import annotations

import argparse
import os
from fractions import Fraction
from pathlib import Path

from bgpcascade.diagrams.review_report import (
    blocks,
    boundary_with_range,
    headroom_text,
    recommendations,
    review_json,
    to_html,
    to_markdown,
)
from bgpcascade.io import check_out_dir, dumps_json, read_zone_text, safe_write
from bgpcascade.model.errors import InputError
from bgpcascade.model.params import Space
from bgpcascade.model.timing import Timing
from bgpcascade.model.topology import Zone
from bgpcascade.model.zonefile import load_zone
from bgpcascade.progress import Progress
from bgpcascade.properties.engines.cascade_z3 import representative_flaps
from bgpcascade.properties.engines.offsets import Offsets, add_timing_flags, timing_of
from bgpcascade.properties.montecarlo import MAX_RUNS, REVIEW_RUNS
from bgpcascade.properties.verdict import Exit
from bgpcascade.review import Review, review


def add_review_args(p: argparse.ArgumentParser) -> None:
    """The flags of ``review``."""
    p.add_argument("zone", help="zone file (YAML) or builtin:fr-par-like")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="where the report goes (review.html, review.md, review.json, "
                   "charts, zones/)")
    p.add_argument("--horizon", type=float, default=300.0, metavar="S",
                   help="seconds each run simulates (default 300, as check)")
    p.add_argument("--at", type=float, default=None, metavar="T",
                   help="pin the flap time at T (default: each flap at 30 s + every whole "
                   "second of one KEEPALIVE cycle of its session)")
    p.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), metavar="N",
                   help="simulator processes (default: the CPUs, at most 4); the answers "
                   "do not depend on it")
    p.add_argument("--budget", type=float, default=1800.0, metavar="S",
                   help="seconds for the whole review (default 1800); what is not "
                   "answered in it is UNKNOWN, never safe")
    p.add_argument("--z3-budget", type=float, default=5.0, metavar="S",
                   help="seconds the Z3 search gets per shard boundary before the "
                   "simulator's bracket takes over (default 5; 0: simulator only)")
    p.add_argument("--quick", action="store_true",
                   help="the demo's scope: boundaries of the shard the flaps hurt most "
                   "only, no curve, no Z3, what-if headrooms against the critical flaps "
                   "(the report says so)")
    p.add_argument("--no-curve", action="store_true",
                   help="skip the boundary curve (clients against capacity)")
    add_timing_flags(p)
    p.add_argument("--seeds", type=int, default=REVIEW_RUNS, metavar="N",
                   help="seeds each shard's worst flap runs under, for how often it "
                   f"cascades (default {REVIEW_RUNS}, from --seed)")
    p.add_argument("--json", metavar="FILE", help="also write review.json here")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")


def _positive(x: float, flag: str, *, zero: bool = False, most: float = 86400) -> Fraction:
    ok = (x >= 0 if zero else x > 0) and x == x and x <= most
    if not ok:
        raise InputError(f"{x:g}", field=flag, allowed=f"{'0 <=' if zero else '0 <'} S <= "
                         f"{most:g}")
    return Fraction(str(x))


def _offsets_before(zone: Zone, text: str, source: str, offsets: Offsets, at: Fraction,
                    horizon: Fraction) -> None:
    """One line when a flap's last offset is not before the horizon."""
    for flap in representative_flaps(Space(text, source, zone), at):
        last = offsets.of(zone, flap)[-1]
        if last.t >= horizon:
            raise InputError(f"{last.label()} is not before the horizon ({float(horizon):g} s)",
                             field="--horizon", allowed="a horizon after every flap at every "
                             "offset of its KEEPALIVE cycle (or pin the time with --at)")


def write_review(rv: Review, out: Path, inputs: tuple[str, ...] = ()) -> dict[str, Path]:
    """Write the report files of ``rv`` under ``out``; return them by role."""
    bs = blocks(rv)
    written: dict[str, Path] = {}
    zones = out / "zones"
    if rv.zone_files:
        zones.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(rv.zone_files.items()):
        safe_write(zones / name, text, inputs=inputs)
    for b in bs:
        if b.kind == "chart":
            written[b.name] = safe_write(out / b.name, b.svg, inputs=inputs)
    written["html"] = safe_write(out / "review.html", to_html(bs, f"Design review: "
                                                              f"{rv.zone}"), inputs=inputs)
    written["markdown"] = safe_write(out / "review.md", to_markdown(bs), inputs=inputs)
    written["json"] = safe_write(out / "review.json", dumps_json(review_json(rv)),
                                 inputs=inputs)
    return written


def run_review(zone_path: str, out_dir: str, *, horizon: float = 300.0,
               at: float | None = None, jobs: int = 1, budget: float = 1800.0,
               z3_budget: float = 5.0, curve: bool = True, quick: bool = False,
               quiet: bool = False, progress: Progress | None = None,
               timing: Timing | None = None,
               seeds: int = REVIEW_RUNS) -> tuple[Review, dict[str, Path]]:
    """Validate, review, write: what ``bgpcascade review`` and ``demo`` do. ``timing``:
    the runs' seed, phases and cohorts (``--seed``, ``--phases``, ``--cohorts``; default
    the review's own). ``at``: the pinned flap time (None: every offset of a KEEPALIVE
    cycle from 30 s). ``seeds``: runs of each shard's worst flap over seeds."""
    h = _positive(horizon, "--horizon")
    offsets = Offsets(pinned=at is not None)
    t = _positive(30.0 if at is None else at, "--at", zero=True)
    if t >= h:
        raise InputError(f"--at {float(t):g} is not before the horizon ({horizon:g} s)",
                         field="--at", allowed="a flap time before --horizon")
    if type(seeds) is not int or not 1 <= seeds <= MAX_RUNS:
        raise InputError(f"{seeds}", field="--seeds", allowed=f"an integer 1..{MAX_RUNS}")
    _positive(budget, "--budget")
    _positive(z3_budget, "--z3-budget", zero=True)
    if not 1 <= jobs <= 64:
        raise InputError(f"{jobs}", field="--jobs", allowed="1..64")
    text = read_zone_text(zone_path)
    zone = load_zone(text, source=zone_path)  # one clear line for a bad zone, before any run
    _offsets_before(zone, text, zone_path, offsets, t, h)
    out = check_out_dir(out_dir, inputs=(zone_path,))
    progress = progress or Progress(quiet)
    rv = review(text, zone_path, out_prefix=str(out), horizon=h, at=t, jobs=jobs,
                budget=budget, z3_budget=z3_budget, progress=progress, curve=curve,
                quick=quick, timing=timing, offsets=offsets, seeds=seeds)
    return rv, write_review(rv, out, inputs=(zone_path,))


def exit_code(rv: Review) -> int:
    """0 all safe, 1 a flap violates or a shard is past a boundary, 3 UNKNOWN."""
    over = any(b is not None and b.headroom_percent is not None and b.headroom_percent < 0
               for s in rv.shards for b in (s.clients, s.capacity))
    nothing_safe = any(b is not None and b.status == "HOLDS" and b.value is None
                       for s in rv.shards for b in (s.clients, s.capacity))
    if rv.verdict == "VIOLATED" or over or nothing_safe:
        return Exit.VIOLATED
    if rv.unknown:
        return Exit.UNKNOWN
    return Exit.OK


def print_summary(rv: Review, written: dict[str, Path]) -> None:
    """The review in a few lines on stdout."""
    worst = rv.ranking[0] if rv.ranking else None
    line = f"{rv.zone}: {rv.verdict} over {len(rv.flaps)} single flaps" if rv.complete else \
        f"{rv.zone}: {rv.verdict} over {len(rv.ranking)} of {len(rv.flaps)} single flaps " \
        "(review budget spent)"
    if worst is not None and worst.cascade:
        line += f" (worst: {worst.trigger} -> {worst.verdict}, {worst.cascade:,} sessions " \
            "reset by the cascade)"
    print(line)
    for s in rv.shards:
        if s.clients is None and s.capacity is None:
            continue
        print(f"  shard {s.shard}: {s.figures['clients']:,} clients; clients "
              f"{boundary_with_range(s)}, headroom {headroom_text(s.clients)}; RR capacity "
              f"headroom {headroom_text(s.capacity)}")
    for r in recommendations(rv)[:3]:
        print(f"  recommend: {r.text}")
    if rv.unknown:
        print(f"  UNKNOWN: {', '.join(rv.unknown)}")
    print(f"report: {written['html']} (and {written['markdown'].name}, "
          f"{written['json'].name}); {rv.runs:,} simulator runs")


def cmd_review(args: argparse.Namespace) -> int:
    """``bgpcascade review``."""
    rv, written = run_review(args.zone, args.out, horizon=args.horizon, at=args.at,
                             jobs=args.jobs, budget=args.budget, z3_budget=args.z3_budget,
                             curve=not args.no_curve, quick=args.quick, quiet=args.quiet,
                             timing=timing_of(args), seeds=args.seeds)
    if args.json:
        safe_write(args.json, dumps_json(review_json(rv)), inputs=(args.zone,))
    print_summary(rv, written)
    return exit_code(rv)
