"""``bgpcascade fit ZONE --flap A~B@T --vary NAME=LO..HI --observe KEY=VALUE[+-TOL]``:
which values of the varied parameters are consistent with what was observed?

The triggers are pinned as observed (their own times only); the zone is run at values of
the ``--vary`` parameters (``search``'s names and syntax, :mod:`bgpcascade.model.params`)
and each run is judged against every ``--observe`` (a summary key of ``simulate --json``
or a session event): :mod:`bgpcascade.properties.engines.fit`. Exit 0 when some value is
consistent, 1 when none is, 2 on bad input, 3 when the budget ran out (docs/cli.md,
``fit``).
"""

from __future__ import annotations

import argparse
import os
from fractions import Fraction
from typing import Any

from bgpcascade.io import dumps_json, read_zone_text, safe_write
from bgpcascade.model.errors import InputError
from bgpcascade.model.params import NAMES_HELP, Space
from bgpcascade.model.triggers import (
    parse_clear,
    parse_flap,
    parse_pause,
    parse_restart,
    parse_spike,
)
from bgpcascade.progress import Progress
from bgpcascade.properties.engines.fit import (
    DEFAULT_POINTS,
    DEFAULT_TOLERANCE,
    Fit,
    check_keys,
    fit,
    parse_observation,
    reference_summary,
)
from bgpcascade.properties.engines.offsets import add_timing_flags, timing_of
from bgpcascade.properties.executor import LocalExecutor
from bgpcascade.properties.verdict import Exit

from .common import add_common, positive
from .simulate import MAX_HORIZON


def add_fit_args(p: argparse.ArgumentParser) -> None:
    """The flags of ``fit``."""
    p.add_argument("zone", help="zone file (YAML) or builtin:fr-par-like")
    p.add_argument("--flap", action="append", default=[], metavar="A~B@T",
                   help="the observed flap of A~B at T seconds (repeatable; pinned at T)")
    p.add_argument("--down", type=float, default=0.0, metavar="S",
                   help="keep flapped sessions down S seconds before they may reconnect")
    p.add_argument("--spike", action="append", default=[], metavar="SPEAKER:WORK@T",
                   help="WORK units arrive at SPEAKER at T (repeatable)")
    p.add_argument("--restart", action="append", default=[], metavar="SPEAKER@T",
                   help="SPEAKER's process restarts at T (repeatable)")
    p.add_argument("--pause", action="append", default=[], metavar="SPEAKER:SECONDS@T",
                   help="SPEAKER's process is frozen from T for SECONDS (repeatable)")
    p.add_argument("--clear", action="append", default=[], metavar="A~B@T",
                   help="`clear bgp B` on A at T (repeatable)")
    p.add_argument("--vary", action="append", default=[], metavar="NAME=LO..HI",
                   help=f"a parameter range to fit (repeatable; {NAMES_HELP})")
    p.add_argument("--observe", action="append", default=[], metavar="OBSERVATION",
                   help="what was observed (repeatable): KEY=V, KEY=V+-TOL, KEY>=V, "
                   "KEY<=V (KEY a key of simulate --json's summary, KEY.SUB one entry of "
                   "its mappings), down:A~B (went down), down:A~B@T+-TOL (first went down "
                   "T s after the first trigger), up:A~B (Established at the horizon)")
    p.add_argument("--points", type=int, default=DEFAULT_POINTS, metavar="N",
                   help=f"grid points of each range's scan (default {DEFAULT_POINTS}; "
                   "geometric when hi/lo >= 100)")
    p.add_argument("--tolerance", type=float, default=float(DEFAULT_TOLERANCE),
                   metavar="F", help="bisect each edge until the consistent and the "
                   "inconsistent value are within F x the value (default "
                   f"{float(DEFAULT_TOLERANCE):g}), and at least the range's STEP")
    p.add_argument("--horizon", type=float, default=600.0, metavar="S",
                   help="seconds simulated (default 600, as simulate)")
    p.add_argument("--outage-threshold", type=float, default=0.5, metavar="F",
                   help="zone-outage threshold of the verdict (default 0.5, as simulate)")
    add_timing_flags(p)
    p.add_argument("--runs", type=int, default=1, metavar="N",
                   help="a value is consistent when one of the seeds S..S+N-1 reproduces "
                   "every observation (the phases of the incident are not known; "
                   "default 1: seed S only)")
    p.add_argument("--timeout", "--budget", dest="timeout", type=float, default=1800.0,
                   metavar="S", help="budget in seconds; when it runs out the answer is "
                   "unknown (exit 3) (default 1800)")
    p.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), metavar="N",
                   help="processes for the runs (default: the CPUs, at most 4); the answer "
                   "does not depend on it")
    p.add_argument("--json", metavar="FILE", help="write the result as JSON")
    add_common(p)


def _setup(args: argparse.Namespace) -> Fit:
    """The fit the flags describe, every input checked (one-line errors)."""
    text = read_zone_text(args.zone)
    space = Space(text, args.zone)
    zone = space.zone
    if not args.vary:
        raise InputError("no --vary given", field="--vary",
                         allowed=f"one or more NAME=LO..HI ({NAMES_HELP})")
    if not args.observe:
        raise InputError("no --observe given", field="--observe",
                         allowed="one or more observations, e.g. verdict=zone-outage")
    down = positive(args.down, "--down", allow_zero=True)
    triggers = [parse_flap(zone, f, down) for f in args.flap] + \
        [parse_spike(zone, x) for x in args.spike] + \
        [parse_restart(zone, r) for r in args.restart] + \
        [parse_pause(zone, x) for x in args.pause] + \
        [parse_clear(zone, x) for x in args.clear]
    if not triggers:
        raise InputError("no trigger given", field="--flap",
                         allowed="the observed trigger, e.g. --flap spine1~b-rr1@30")
    spikes = [t for t in triggers if t.kind == "spike"]
    for v in args.vary:
        space.add(v, spike=int(spikes[0].work) if spikes else None)
    horizon = positive(args.horizon, "--horizon")
    if horizon > MAX_HORIZON or any(t.t > horizon for t in triggers):
        raise InputError(f"horizon {args.horizon:g} s", field="--horizon",
                         allowed=f"after every trigger, at most {MAX_HORIZON:,} s")
    if not 0 < args.outage_threshold <= 1:
        raise InputError(f"{args.outage_threshold:g}", field="--outage-threshold",
                         allowed="a fraction in (0, 1]")
    if not 2 <= args.points <= 1000:
        raise InputError(f"{args.points}", field="--points", allowed="2..1000")
    if not 0 < args.tolerance < 1:
        raise InputError(f"{args.tolerance:g}", field="--tolerance",
                         allowed="a fraction in (0, 1), e.g. 0.01")
    if not 1 <= args.runs <= 1000:
        raise InputError(f"{args.runs}", field="--runs", allowed="1..1000")
    if not 1 <= args.jobs <= 64:
        raise InputError(f"{args.jobs}", field="--jobs", allowed="1..64")
    if not args.timeout > 0:
        raise InputError(f"{args.timeout:g}", field="--timeout", allowed="seconds > 0")
    observations = [parse_observation(zone, o) for o in args.observe]
    check_keys(observations, reference_summary(space, horizon, args.outage_threshold))
    return Fit(space, triggers, observations, horizon, timing=timing_of(args),
               outage_threshold=args.outage_threshold, points=args.points,
               tolerance=Fraction(str(args.tolerance)), runs=args.runs,
               timeout=args.timeout)


def _seeds(seeds: dict[str, Any]) -> str:
    """The seeds a value may be reproduced under, in words."""
    if seeds["runs"] == 1:
        return f"seed {seeds['from']}"
    return f"seeds {seeds['from']}..{seeds['to']} (one reproducing every observation)"


def describe(result: dict[str, Any]) -> list[str]:
    """The human lines: one per consistent interval (or box), then the bounds."""
    lines: list[str] = []
    names = [v["name"] for v in result["vary"]]
    for iv in result["intervals"]:
        where = ", ".join(f"{n}={iv[n][0]:,}" for n in names[:-1] if n in iv)
        lo, hi = iv[names[-1]]
        head = f"{names[-1]}: {lo:,}..{hi:,} consistent" + (f" (at {where})" if where
                                                             else "")
        past = []
        if iv["below"] is not None:
            past.append(f"{iv['below']:,} is not: {'; '.join(iv['fails_below'])}")
        if iv["above"] is not None:
            past.append(f"{iv['above']:,} is not: {'; '.join(iv['fails_above'])}")
        lines.append(head + ("; " + "; ".join(past) if past else " (to the range's ends)"))
    if not result["intervals"]:
        what = "no value" if result["status"] == "inconsistent" else "nothing found"
        lines.append(f"{what} of {', '.join(names)} is consistent with every observation"
                     + (f" ({result['reason']})" if result["reason"] else ""))
    if result["status"] != "consistent":
        for po in result.get("per_observation", []):
            spans = ", ".join(f"{lo:,}..{hi:,}" if lo != hi else f"{lo:,}"
                              for lo, hi in po["holds_at"]) or "none"
            lines.append(f"  {po['observation']} alone holds at: {spans} (of the values run)")
    b = result["bounds"]
    scans = ", ".join(f"{n} {g['points']} {g['kind']} points over {g['range'][0]:,}.."
                      f"{g['range'][1]:,}" for n, g in b["grid"].items())
    tol = 100 * float(b["refinement"]["tolerance_relative"])
    lines.append(f"  status {result['status']}; engine {result['engine']}: scan of {scans}; "
                 f"each edge bisected to within {tol:g}% of the value; "
                 f"{b['values_judged']} values run")
    pinned = ", ".join(b["trigger_offsets"]["triggers"])
    lines.append(f"  triggers pinned as observed ({pinned}); horizon {b['horizon_s']} s; "
                 f"{_seeds(b['seeds'])}, phases {b['phases']}, cohorts {b['cohorts']}")
    return lines


def cmd_fit(args: argparse.Namespace) -> int:
    """``bgpcascade fit``: exit 0 consistent values found, 1 none, 3 unknown."""
    progress = Progress(args.quiet)
    f = _setup(args)
    f.progress = progress
    with LocalExecutor(args.jobs) as ex:
        f.executor = ex
        result = fit(f)
    for line in describe(result):
        print(line)
    if args.json:
        safe_write(args.json, dumps_json(result), inputs=(args.zone,))
    if result["status"] == "unknown":
        return Exit.UNKNOWN
    return Exit.OK if result["status"] == "consistent" else Exit.VIOLATED
