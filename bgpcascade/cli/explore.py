"""``bgpcascade explore``: generated zones, and the smallest one a single flap breaks
(the ``explore`` engine: Hypothesis, shrunk; docs/cli.md)."""

from __future__ import annotations

import argparse

from bgpcascade.checking import recorded_timing, replay_command
from bgpcascade.io import check_out_dir, dumps_json, safe_write
from bgpcascade.model.errors import InputError
from bgpcascade.progress import Progress
from bgpcascade.properties.engines.offsets import add_timing_flags, timing_of
from bgpcascade.properties.verdict import Exit

from .common import add_common, positive


def add_explore_args(p: argparse.ArgumentParser) -> None:
    """The flags of ``explore``."""
    p.add_argument("--property", action="append", default=[], metavar="NAME[=ARG]",
                   help="run properties (repeatable; default no_cascade, no_zone_outage, "
                   "reconverges_in_time and backlog_margin)")
    p.add_argument("--examples", type=int, default=100, metavar="N",
                   help="generated zones to try (default 100)")
    add_timing_flags(p)
    p.add_argument("--budget", type=float, default=300.0, metavar="S",
                   help="seconds (default 300); out of budget before a failure: UNKNOWN")
    p.add_argument("--horizon", type=float, default=300.0, metavar="S",
                   help="seconds simulated (default 300)")
    p.add_argument("--max-clients", type=int, default=400, metavar="N",
                   help="clients per shard at most (default 400)")
    p.add_argument("--profiles", default="frr,bird,gobgp,openbgpd,appliance",
                   help="implementations to draw from (default: all five built-ins)")
    p.add_argument("--min-rrs", type=int, default=2, metavar="N",
                   help="RRs per shard at least (default 2: no single-homed client, "
                   "whose isolation lint already reports)")
    p.add_argument("--out", default="bgpcascade-out", metavar="DIR",
                   help="where the shrunk zone and its trace go (default bgpcascade-out)")
    add_common(p)


def cmd_explore(args: argparse.Namespace) -> int:
    """``bgpcascade explore``: exit 1 with the shrunk zone when one is found, 0 when none
    is in the examples (a bounded search), 3 when the budget ran out first."""
    from bgpcascade.properties.engines.explore import ExploreSearch, check_profiles
    from bgpcascade.properties.library import DEFAULT_PROPERTIES, parse_property
    from bgpcascade.properties.result import Question

    props = [parse_property(p) for p in (args.property or DEFAULT_PROPERTIES)]
    if any(p.static for p in props):
        raise InputError("static properties are judged by `check`", field="--property",
                         allowed="properties of runs")
    if not 1 <= args.examples <= 100_000:
        raise InputError(f"{args.examples}", field="--examples", allowed="1..100000")
    if not 2 <= args.max_clients <= 100_000:
        raise InputError(f"{args.max_clients}", field="--max-clients", allowed="2..100000")
    horizon = positive(args.horizon, "--horizon")
    budget = float(positive(args.budget, "--budget"))
    profiles = check_profiles(args.profiles)
    out = check_out_dir(args.out)
    if not 1 <= args.min_rrs <= 3:
        raise InputError(f"{args.min_rrs}", field="--min-rrs", allowed="1..3")
    timing = timing_of(args)
    res = ExploreSearch().check(Question(
        None, props=tuple(props), horizon=horizon, budget=budget, progress=Progress(args.quiet),
        parameters={"examples": args.examples, "seed": args.seed,
                    "max_clients": args.max_clients, "profiles": profiles,
                    "min_rrs": args.min_rrs, "timing": timing}))
    cx = res.counterexample
    if cx is not None:
        assert cx.trace is not None
        zone_path = out / "explore-counterexample.yaml"
        trace_path = out / "explore-counterexample.trace.json"
        safe_write(zone_path, cx.zone_text)
        safe_write(trace_path, dumps_json(cx.trace))
        trigger = cx.triggers[0]
        print(f"VIOLATED {', '.join(cx.violated)} after {res.statistics['examples']} zones; "
              f"the smallest zone found ({zone_path}):\n")
        print(cx.zone_text)
        print(f"trigger: {trigger.label()} -> {cx.trace['summary']['verdict']}")
        ran_with = recorded_timing(cx.trace)
        print(f"replay: {replay_command(zone_path, [trigger], horizon, ran_with)}")
        print(f"   or: bgpcascade simulate --replay {trace_path}")
        return Exit.VIOLATED
    if res.status == "UNKNOWN":
        print(f"UNKNOWN: {res.reason}")
        return Exit.UNKNOWN
    print(f"HOLDS: no violation in {res.statistics['examples']} generated zones (seed "
          f"{args.seed}; a bounded search, not a proof)")
    return Exit.OK
