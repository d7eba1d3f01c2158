"""``bgpcascade search ZONE --vary NAME=LO..HI``: how far may this one number go?

``check`` answers "is there ONE flap, at any point of the --vary ranges, that violates a
property within the horizon?" (bgpcascade/cli/check.py). ``search`` answers "how far may
this one number go?": the boundary, and the headroom of the current value. It shares
``check``'s flags and question (bgpcascade/checking.py). Semantics: docs/model.md "The
Z3 engine"; flags and JSON keys (contracts): docs/cli.md.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bgpcascade.checking import (
    add_zone_flags,
    build_question,
    parse_props,
    write_counterexample,
)
from bgpcascade.io import check_out_dir, dumps_json, safe_write
from bgpcascade.model.errors import InputError
from bgpcascade.model.numbers import json_number
from bgpcascade.model.params import Param
from bgpcascade.progress import Progress
from bgpcascade.properties.engines.cascade_z3 import Boundary, ZoneSearch, boundary
from bgpcascade.properties.result import Counterexample
from bgpcascade.properties.verdict import Exit


def add_search_args(p: argparse.ArgumentParser) -> None:
    """``search``'s flags: those it shares with ``check``."""
    add_zone_flags(p, check=False)


def _beyond_safe_range(param: Param, res: Boundary) -> bool:
    """The whole range is safe and the current value lies past it: nothing is known."""
    end = param.hi if param.worse == "up" else param.lo
    past = param.current > end if param.worse == "up" else param.current < end
    return res.boundary == end and res.counterexample is None and past


def headroom_percent(param: Param, bound: int | None) -> float | None:
    """(boundary - current) / current x 100, sign-adjusted so that negative means the
    current value is past the boundary (docs/cli.md). None when nothing is safe."""
    if bound is None or param.current == 0:
        return None
    diff = bound - param.current if param.worse == "up" else param.current - bound
    return round(100 * diff / param.current, 1)


def describe(param: Param, res: Boundary) -> str:
    """One line: "a.clients: 800 clients, safe up to 430: over by 86%"."""
    cur, b = param.current, res.boundary
    word = "up to" if param.worse == "up" else "down to"
    head = f"{param.name}: {cur:,} {param.unit}"
    if res.status == "UNKNOWN":
        if b is None:
            return f"{head}, boundary UNKNOWN ({res.reason})"
        start = param.safe_end
        return (f"{head}, boundary UNKNOWN: every value from {start:,} {word} {b:,} is "
                f"safe, then {res.reason}")
    if b is None:
        return f"{head}, no value in {param.lo:,}..{param.hi:,} is safe"
    if _beyond_safe_range(param, res):
        return (f"{head}, every value in {param.lo:,}..{param.hi:,} is safe; the current "
                "value is outside the range (widen --vary)")
    over = (cur > b) if param.worse == "up" else (cur < b)
    if over:
        pct = 100 * abs(cur - b) / b if b else float("inf")
        return f"{head}, safe {word} {b:,}: over by {pct:.0f}%"
    end = param.hi if param.worse == "up" else param.lo
    tail = " (the whole range)" if b == end and res.counterexample is None else ""
    hp = headroom_percent(param, b)
    return f"{head}, safe {word} {b:,}{tail}: headroom {hp:g}%"


def _bounds(eng: ZoneSearch, res: Boundary) -> dict[str, Any]:
    """``search --json``'s ``bounds``: the engine's (with ``trigger_offsets``, ``seed``,
    ``phases``, ``cohorts``) and the walk's counters. ``trigger_offsets`` also says which
    trigger times the walk covered value by value (``walked``) and how many ran at the
    boundary reported (``checked_at_boundary``: every offset of every trigger)."""
    bounds = {**eng.bounds(), "z3_paths": res.z3_paths, "values_scanned": res.scanned,
              "values_covered_by_z3": res.covered_by_z3}
    bounds["trigger_offsets"] = {**bounds["trigger_offsets"], "walked": res.walked,
                                 "checked_at_boundary": res.checked_at_boundary}
    return bounds


def _offsets_line(eng: ZoneSearch, res: Boundary) -> str:
    """Which trigger times the boundary covers, in one line."""
    off = eng.offsets.bounds(eng.space.zone, eng.triggers)
    if off["method"] == "pinned":
        return f"pinned by --at (each trigger at its own time only); {eng.timing_label()}"
    return (f"every second of a KEEPALIVE cycle (+{off['from_s']}..+{off['to_s']} s); "
            f"{len(res.walked)} walked value by value, {res.checked_at_boundary} run at "
            f"the boundary; {eng.timing_label()}")


def cmd_search(args: argparse.Namespace) -> int:
    """``bgpcascade search ZONE --vary NAME=LO..HI``: exit 0 when the current value is
    within the safe range, 1 when it is past the boundary, 3 when the answer is UNKNOWN."""
    if len(args.vary) != 1:
        raise InputError(f"{len(args.vary)} --vary given", field="--vary",
                         allowed="exactly one NAME=LO..HI (the others stay as written)")
    progress = Progress(args.quiet)
    props = parse_props(args)
    if any(p.static for p in props):
        raise InputError(f"{next(p.label for p in props if p.static)} is static",
                         field="--property", allowed="properties of runs (search varies "
                         "loads; `check` judges static properties)")
    chance = next((p for p in props if p.probabilistic), None)
    if chance is not None:
        raise InputError(f"{chance.label} is a probability over seeds", field="--property",
                         allowed="properties of one run: search judges one run at a time; "
                         "for a probability, use `check --runs N`")
    eng = ZoneSearch.for_question(build_question(args, args.zone, props, progress,
                                             args.timeout))
    param = eng.space.params[0]
    out = check_out_dir(args.out, inputs=(args.zone,))
    started = time.monotonic()
    try:
        res = boundary(eng, param)
    finally:
        eng.close()
    elapsed = time.monotonic() - started
    cx = None
    if res.counterexample is not None:
        f = res.counterexample
        assert f.trace is not None and f.point is not None and f.trigger is not None
        found = Counterexample(eng.space.text_at(f.point), eng.space.source, (f.trigger,),
                               f.point, tuple(f.violated), f.trace)
        cx = write_counterexample(out, f"{eng.space.zone.name}-{param.name}-past-boundary",
                                  found, eng.horizon, (args.zone,))
    result = {
        "zone": eng.space.zone.name, "vary": param.name, "lo": param.lo, "hi": param.hi,
        "current": param.current, "boundary": res.boundary,
        "headroom_percent": None if _beyond_safe_range(param, res)
        else headroom_percent(param, res.boundary),
        "engine": res.engine, "status": res.status, "reason": res.reason or None,
        "bounds": _bounds(eng, res),
        "counterexample": cx["trace"] if cx else None,
        "counterexample_detail": cx}
    print(describe(param, res))
    print(f"  engine {res.engine}: {res.z3_paths} Z3 paths covering "
          f"{res.covered_by_z3:,} values, {res.scanned:,} values simulated one by one; "
          f"horizon {json_number(eng.horizon)} s, {len(eng.triggers)} triggers "
          f"({elapsed:.1f} s)")
    print(f"  trigger times: {_offsets_line(eng, res)}")
    if cx:
        point = ", ".join(f"{k}={v}" for k, v in cx["point"].items())
        print(f"  just past the boundary: {cx['trigger']} at {point} -> {cx['verdict']} "
              f"({', '.join(cx['violated'])})")
        print(f"  replay: {cx['replay']}")
    if args.json:
        safe_write(args.json, dumps_json(result), inputs=(args.zone,))
    if res.status != "HOLDS" or _beyond_safe_range(param, res):
        return Exit.UNKNOWN
    if res.boundary is None:
        return Exit.VIOLATED
    within = param.current <= res.boundary if param.worse == "up" else \
        param.current >= res.boundary
    return Exit.HOLDS if within else Exit.VIOLATED
