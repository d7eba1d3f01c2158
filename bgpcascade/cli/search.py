"""``bgpcascade search``, and the flags it shares with ``check`` (bgpcascade/check_cli.py).

``check`` answers "is there ONE flap, at any point of the --vary ranges, that violates a
property within the horizon?" (exit 0 HOLDS, 1 VIOLATED with the counterexample written
under --out, 3 UNKNOWN). ``search`` answers "how far may this one number go?" (the
boundary, the headroom of the current value). Semantics: docs/model.md "The Z3 engine";
flags and JSON keys (contracts): docs/cli.md.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from bgpcascade.io import check_out_dir, dumps_json, read_zone_text, safe_write
from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.errors import InputError
from bgpcascade.model.params import NAMES_HELP, Param, Space
from bgpcascade.model.triggers import parse_flap, parse_spike
from bgpcascade.model.zonefile import load_zone
from bgpcascade.progress import Progress
from bgpcascade.properties.engines.cascade_z3 import (
    Boundary,
    Engine,
    boundary,
    representative_flaps,
)
from bgpcascade.properties.library import (
    DEFAULT_PROPERTIES,
    Selected,
    load_properties_file,
    parse_property,
)

EXIT_OK, EXIT_VIOLATED, EXIT_UNKNOWN = 0, 1, 3


def add_search_args(p: argparse.ArgumentParser, *, check: bool) -> None:
    """The flags ``check`` and ``search`` share."""
    if check:
        p.add_argument("zone", nargs="+", help="zone files (YAML) or builtin:fr-par-like")
        p.add_argument("--engine", choices=("z3", "sim", "hypothesis", "all"), default="z3",
                       help="z3: every point of the --vary ranges (default); sim: the "
                       "zone as written, every single flap, ranked; hypothesis: "
                       "sequences of flaps, spikes, restarts and waits, shrunk; all: "
                       "the three")
        p.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
        p.add_argument("--seed", type=int, default=0,
                       help="hypothesis: the seed (default 0; same seed, same examples)")
        p.add_argument("--examples", type=int, default=200, metavar="N",
                       help="hypothesis: at most N scenarios per zone (default 200)")
        p.add_argument("--max-triggers", type=int, default=1, metavar="N",
                       help="hypothesis: triggers per scenario (default 1: ONE flap, spike "
                       "or restart, at a time and load the search picks; more finds "
                       "double failures)")
        p.add_argument("--database", metavar="DIR", default=".bgpcascade/hypothesis",
                       help="hypothesis: the example database, replayed first "
                       "(default .bgpcascade/hypothesis; cache it in CI; 'none': no "
                       "database, so every run is the same)")
    else:
        p.add_argument("zone", help="zone file (YAML) or builtin:fr-par-like")
    p.add_argument("--property", action="append", default=[], metavar="NAME[=ARG]",
                   help="a property (repeatable; default "
                   f"{' and '.join(DEFAULT_PROPERTIES)}); `bgpcascade properties` "
                   "lists them")
    p.add_argument("--properties-from", action="append", default=[], metavar="FILE.py",
                   help="a Python file that registers properties of your own")
    p.add_argument("--vary", action="append", default=[], metavar="NAME=LO..HI",
                   help=f"a parameter range ({NAMES_HELP})" +
                   ("; repeatable" if check else "; exactly one"))
    p.add_argument("--flap", action="append", default=[], metavar="A~B@T",
                   help="the triggers to consider (repeatable; default: one flap per "
                   "session group, at --at)")
    p.add_argument("--spike", action="append", default=[], metavar="SPEAKER:WORK@T",
                   help="a spike trigger to consider (repeatable); --vary spike=LO..HI "
                   "varies the work of every spike")
    p.add_argument("--at", type=float, default=30.0, metavar="T",
                   help="when the default flaps happen (default 30 s)")
    p.add_argument("--horizon", type=float, default=300.0, metavar="S",
                   help="seconds after t=0 that are checked (default 300)")
    p.add_argument("--timeout", "--budget", dest="timeout", type=float, default=300.0,
                   metavar="S", help="budget in seconds" + (" for the whole check, shared "
                   "by the zones and engines" if check else "") + "; when it runs out the "
                   "answer is UNKNOWN (exit 3), never HOLDS (default 300)")
    p.add_argument("--out", default="bgpcascade-out", metavar="DIR",
                   help="where counterexamples go (default ./bgpcascade-out/)")
    p.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), metavar="N",
                   help="processes for plain simulator runs (default: the CPUs, at most "
                   "4); the answer does not depend on it")
    p.add_argument("--json", metavar="FILE", help="write the result as JSON")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")


def parse_props(args: argparse.Namespace) -> list[Selected]:
    """The selected properties (after loading --properties-from files)."""
    for f in args.properties_from:
        load_properties_file(f)
    props = [parse_property(p) for p in (args.property or DEFAULT_PROPERTIES)]
    if len({s.label for s in props}) != len(props):
        raise InputError("a property is given twice", field="--property",
                         allowed="each property once")
    return props


def build_engine(args: argparse.Namespace, zone_path: str, props: list[Selected],
                 progress: Callable[[str], None], timeout: float) -> Engine:
    """The search over one zone file, from the shared flags (one-line errors)."""
    text = read_zone_text(zone_path)
    zone = load_zone(text, source=zone_path)
    for sel in props:
        sel.check_zone(zone)
    space = Space(text, zone_path, zone)
    spikes = [parse_spike(zone, x) for x in args.spike]
    for v in args.vary:
        space.add(v, spike=int(spikes[0].work) if spikes else None)
    horizon = _seconds(args.horizon, "--horizon")
    if horizon > 86400:
        raise InputError(f"{args.horizon:g} s", field="--horizon",
                         allowed="at most 86400 s (one day)")
    if not 0 < args.timeout <= 86400:
        raise InputError(f"{args.timeout:g} s", field="--timeout", allowed="0 < S <= 86400")
    at = _seconds(args.at, "--at", zero=True)
    triggers: list[Trigger] = [parse_flap(zone, f) for f in args.flap] + spikes
    if not triggers:
        triggers = representative_flaps(space, at)
    for t in triggers:
        if t.t >= horizon:
            raise InputError(f"{t.label()} is not before the horizon ({args.horizon:g} s)",
                             field="--horizon", allowed="a horizon after every trigger")
    if not 1 <= args.jobs <= 64:
        raise InputError(f"{args.jobs}", field="--jobs", allowed="1..64")
    return Engine(space, triggers, props, horizon, timeout=timeout, progress=progress,
                  jobs=args.jobs)


def _seconds(x: float, flag: str, zero: bool = False) -> Fraction:
    if not (x >= 0 if zero else x > 0) or x != x or x == float("inf"):
        raise InputError(f"{x:g} is not allowed", field=flag,
                         allowed="seconds >= 0" if zero else "seconds > 0")
    return Fraction(str(x))


def engine_bounds(eng: Engine) -> dict[str, Any]:
    """The bounds a verdict of ``eng`` holds within (the JSON ``bounds``: a contract)."""
    return {"horizon_s": num(eng.horizon), "events_max": eng.max_steps,
            "paths": eng.paths, "triggers": [t.label() for t in eng.triggers],
            "ranges": {p.name: [p.lo, p.hi] for p in eng.space.params},
            "properties": [s.label for s in eng.props]}


def num(x: Fraction) -> int | float:
    """An exact number as JSON (an int when whole)."""
    return int(x) if x.denominator == 1 else float(x)


def replay_command(zone_path: Path, triggers: list[Any], horizon: Fraction) -> str:
    """The ``bgpcascade simulate`` command that reruns ``triggers`` on a zone file."""
    flags = []
    for t in triggers:
        kind, what = t.label().split(" ", 1)
        flags.append(f"--{kind} {what}")
    return f"bgpcascade simulate {zone_path} {' '.join(flags)} --horizon {num(horizon)}"


def write_counterexample(out: Path, stem: str, text: str, trace: dict[str, Any],
                         triggers: list[Any], point: dict[str, int], violated: list[str],
                         horizon: Fraction, inputs: tuple[str, ...]) -> dict[str, Any]:
    """Write ``<stem>.yaml`` (the zone at the point) and ``<stem>.trace.json`` under
    ``out``; return the counterexample's JSON entry (docs/cli.md)."""
    trace_path = out / f"{stem}.trace.json"
    zone_path = out / f"{stem}.yaml"
    safe_write(trace_path, dumps_json(trace), inputs=inputs)
    safe_write(zone_path, text, inputs=inputs)
    return {"trigger": "; ".join(t.label() for t in triggers),
            "triggers": [t.label() for t in triggers],
            "point": dict(sorted(point.items())), "violated": violated,
            "verdict": trace["summary"]["verdict"], "trace": str(trace_path),
            "zone": str(zone_path), "replay": f"bgpcascade simulate --replay {trace_path}",
            "simulate": replay_command(zone_path, triggers, horizon)}


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
    eng = build_engine(args, args.zone, props, progress, args.timeout)
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
        cx = write_counterexample(out, f"{eng.space.zone.name}-{param.name}-past-boundary",
                                  eng.space.text_at(f.point), f.trace, [f.trigger], f.point,
                                  f.violated, eng.horizon, (args.zone,))
    result = {
        "zone": eng.space.zone.name, "vary": param.name, "lo": param.lo, "hi": param.hi,
        "current": param.current, "boundary": res.boundary,
        "headroom_percent": None if _beyond_safe_range(param, res)
        else headroom_percent(param, res.boundary),
        "engine": res.engine, "status": res.status, "reason": res.reason or None,
        "bounds": {**engine_bounds(eng), "z3_paths": res.z3_paths,
                   "values_scanned": res.scanned, "values_covered_by_z3": res.covered_by_z3},
        "counterexample": cx["trace"] if cx else None,
        "counterexample_detail": cx}
    print(describe(param, res))
    print(f"  engine {res.engine}: {res.z3_paths} Z3 paths covering "
          f"{res.covered_by_z3:,} values, {res.scanned:,} values simulated one by one; "
          f"horizon {num(eng.horizon)} s, {len(eng.triggers)} triggers "
          f"({elapsed:.1f} s)")
    if cx:
        point = ", ".join(f"{k}={v}" for k, v in cx["point"].items())
        print(f"  just past the boundary: {cx['trigger']} at {point} -> {cx['verdict']} "
              f"({', '.join(cx['violated'])})")
        print(f"  replay: {cx['replay']}")
    if args.json:
        safe_write(args.json, dumps_json(result), inputs=(args.zone,))
    if res.status != "HOLDS" or _beyond_safe_range(param, res):
        return EXIT_UNKNOWN
    if res.boundary is None:
        return EXIT_VIOLATED
    within = param.current <= res.boundary if param.worse == "up" else \
        param.current >= res.boundary
    return EXIT_OK if within else EXIT_VIOLATED
