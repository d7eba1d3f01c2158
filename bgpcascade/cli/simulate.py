"""``bgpcascade simulate``: what a flap, spike, restart, pause or clear does to a zone,
event by event (one run of properties/runner.py), and ``simulate --replay TRACE``:
recompute a trace and compare. Exit 0 whatever the verdict (a what-if; ``check`` is what
fails), 1 when a replay differs, 2 on bad input (docs/cli.md, ``simulate``).

The run's timers are placed by a seed (:mod:`bgpcascade.model.timing`: ``--seed``,
``--phases``, ``--cohorts``); ``--runs N`` runs seeds S..S+N-1
(:mod:`bgpcascade.properties.montecarlo`) and reports the worst run and the distribution.
A replayed trace runs with the timing it records (a trace made before timings were
recorded: :meth:`Timing.lockstep`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from bgpcascade.io import dumps_json, safe_write
from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.errors import InputError
from bgpcascade.model.timing import DEFAULT_COHORTS, DEFAULT_SEED, PHASES_VALUES, Timing
from bgpcascade.model.topology import Zone
from bgpcascade.progress import Progress
from bgpcascade.properties.montecarlo import MAX_RUNS
from bgpcascade.properties.runner import run
from bgpcascade.properties.verdict import Exit

from .common import add_common, check_trace_version, positive, stdout_console


def add_simulate_args(p: argparse.ArgumentParser) -> None:
    """The flags of ``simulate``."""
    p.add_argument("zone", nargs="?", help="zone file (YAML) or builtin:fr-par-like")
    p.add_argument("--flap", action="append", default=[], metavar="A~B@T",
                   help="the session A~B goes down at T seconds (repeatable)")
    p.add_argument("--down", type=float, default=0.0, metavar="S",
                   help="keep flapped sessions down S seconds before they may reconnect")
    p.add_argument("--spike", action="append", default=[], metavar="SPEAKER:WORK@T",
                   help="WORK units arrive at SPEAKER at T (repeatable)")
    p.add_argument("--restart", action="append", default=[], metavar="SPEAKER@T",
                   help="SPEAKER's process restarts at T (repeatable)")
    p.add_argument("--pause", action="append", default=[], metavar="SPEAKER:SECONDS@T",
                   help="SPEAKER's process is frozen from T for SECONDS, KEEPALIVEs and all, "
                   "like a SIGSTOP or a hung VM (repeatable)")
    p.add_argument("--clear", action="append", default=[], metavar="A~B@T",
                   help="an operator runs `clear bgp B` on A at T: A resets the session "
                   "with a NOTIFICATION Cease and starts it again (repeatable)")
    p.add_argument("--horizon", type=float, default=600.0, metavar="S",
                   help="seconds simulated (default 600)")
    p.add_argument("--dt", type=float, default=1.0, metavar="S",
                   help="sampling step of the trace's series (default 1 s)")
    p.add_argument("--outage-threshold", type=float, default=0.5, metavar="F",
                   help="zone-outage when this fraction of clients is isolated or of client "
                   "pairs unreachable (default 0.5)")
    p.add_argument("--explicit", action="store_true",
                   help="one state per speaker instead of per symmetry group (slow; same "
                   "answer)")
    p.add_argument("--json", metavar="FILE", help="write the summary as JSON")
    p.add_argument("--trace", metavar="FILE", help="write the whole trace as JSON")
    p.add_argument("--replay", metavar="TRACE", help="recompute a trace and fail (exit 1) "
                   "if anything differs")
    p.add_argument("--seed", type=int, default=None, metavar="S",
                   help=f"the seed of the timers' phases and jitter (default {DEFAULT_SEED}; "
                   "same seed, same run)")
    p.add_argument("--phases", choices=PHASES_VALUES, default=None,
                   help="spread: each session's KeepaliveTimer at its own phase (default); "
                   "aligned: every session in phase at t=0 (the behaviour of old traces)")
    p.add_argument("--cohorts", type=int, default=None, metavar="K",
                   help=f"lockstep cohorts per symmetry group (default {DEFAULT_COHORTS}; "
                   "0: one per speaker)")
    p.add_argument("--runs", type=int, default=1, metavar="N",
                   help="run seeds S..S+N-1 and report the worst run and the probability "
                   "of a cascade (default 1)")
    p.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), metavar="N",
                   help="processes for --runs (default: the CPUs, at most 4); the answer "
                   "does not depend on it")
    add_common(p)


def timeline(console: Console, trace: dict[str, Any], limit: int = 24) -> None:
    """The trace's session events, at most ``limit`` (the first and the last four)."""
    events = trace["events"]
    console.print(f"[bold]timeline[/] ({len(events)} session events)")
    shown = events if len(events) <= limit else events[: limit - 4] + events[-4:]
    for i, e in enumerate(shown):
        if len(events) > limit and i == limit - 4:
            console.print(f"  ... {len(events) - limit} more (all in --trace)")
        mark = "[red]down[/]" if e["kind"] == "down" else "[green]up  [/]"
        count = f" x{e['count']}" if e["count"] > 1 else ""
        why = "" if e["kind"] == "established" else f" {escape(e['reason'])} at {escape(e['at'])}"
        console.print(f"  t={e['t']:>10.3f}s {mark} {escape(e['session'])}{count}{why}")


def print_sim_summary(console: Console, s: dict[str, Any]) -> None:
    """A run's summary (``simulate --json``): verdict, resets, isolation, delays."""
    colour = {"contained": "green", "degraded": "yellow", "cascade": "yellow",
              "zone-outage": "red"}[s["verdict"]]
    console.print(f"verdict: [{colour}]{s['verdict']}[/] ({escape(s['zone'])}, "
                  f"{s['horizon_s']} s after "
                  f"{', '.join(escape(t['label']) for t in s['triggers']) or 'no trigger'})")
    first = s["first_cascade_reset_s"]
    # A count of resets: a session that goes down twice counts twice, so it can pass the
    # number of sessions (docs/cli.md, `sessions_reset`).
    console.print(f"  session resets beyond the trigger: {s['sessions_reset']:,} (the zone "
                  f"has {s['sessions_total']:,} sessions)"
                  + (f", first {first:.1f} s after the trigger" if first is not None else ""))
    console.print(f"  resets by reason: {s['resets_by_reason'] or 'none'}")
    console.print(f"  clients isolated at peak: {s['clients_isolated_peak']:,} of "
                  f"{s['clients_total']:,}; client pairs unreachable at peak: "
                  f"{100 * s['unreachable_pairs_peak_fraction']:.1f}%")
    worst = sorted(s["peak_queue_delay_s"].items(), key=lambda kv: -kv[1])[:5]
    console.print("  peak queue delay: " + ", ".join(f"{escape(k)} {v:,.1f} s"
                                                     for k, v in worst))
    rc = s["reconverged_at_s"]
    when = f"at {rc:.1f} s" if rc is not None else "no, within the horizon"
    bound = s["reconvergence_bound"]
    judged = "" if s["reconvergence_judged"] else \
        " (not judged: the horizon ends before the bound)"
    console.print(f"  reconverged: {when}; bound {bound['total_s']:,} s after the first "
                  f"trigger{judged}")
    if s["degraded_by"]:
        why = []
        if "backlog" in s["degraded_by"]:
            why.append(f"queue delay beyond {s['backlog_fraction']:g} x the hold time at "
                       + ", ".join(escape(k) for k in s["backlogged"]))
        if "reconvergence" in s["degraded_by"]:
            why.append(f"not reconverged within {bound['total_s']:,} s (trigger "
                       f"{bound['trigger_s']:,} + retry {bound['retry_s']:,} + hold "
                       f"{bound['hold_s']:,} + table transfer {bound['transfer_s']:,})")
        label = "degraded" if s["verdict"] == "degraded" else "also"
        console.print(f"  {label}: " + "; ".join(why))


#: The longest run `simulate` takes: a day of zone time (the built-in zone simulates 300 s in
#: about 0.2 s, so a day is about a minute; a longer horizon is refused, not left to run).
MAX_HORIZON = 86_400
#: The most speakers `simulate --explicit` runs one by one (benchmarks/RESULTS.md: 500
#: clients take 54 s, 5,000 more than a minute, a million grew past 3.6 GB in 2 minutes).
MAX_EXPLICIT = 1_000


def _check_run(horizon: Fraction, dt: Fraction, threshold: float, triggers: list[Any],
               source: str | None) -> None:
    """The run's bounds, the same for a new run and a replayed trace."""
    if not horizon > 0 or horizon > MAX_HORIZON:
        raise InputError(f"horizon {float(horizon):g} s", source=source, field="--horizon",
                         allowed=f"0 < S <= {MAX_HORIZON:,} s")
    if not dt > 0:
        raise InputError(f"dt {float(dt):g} s", source=source, field="--dt", allowed="> 0")
    if not 0 < threshold <= 1:
        raise InputError(f"{threshold:g} is not allowed", source=source,
                         field="--outage-threshold", allowed="a fraction in (0, 1]")
    for trig in triggers:
        if trig.t > horizon:
            raise InputError(f"{trig.label()} is after the horizon ({float(horizon):g} s)",
                             source=source, field="--horizon",
                             allowed="a horizon after every trigger")
    if horizon / dt > 1_000_000:
        raise InputError(f"{float(horizon / dt):,.0f} samples", source=source, field="--dt",
                         allowed="horizon/dt <= 1,000,000")


#: The timing keys a trace's params record (model/trace.py, ``Timing.to_json``).
TIMING_KEYS = ("seed", "phases", "cohorts")


@dataclass
class _Setup:
    """What to simulate: from a trace to replay, or from the flags."""

    zone: Zone
    text: str
    source: str
    triggers: list[Trigger]
    horizon: Fraction
    dt: Fraction
    threshold: float
    expand: bool
    timing: Timing
    stored: dict[str, Any] | None = None


def recorded_timing(params: dict[str, Any]) -> Timing:
    """The timing a trace's ``params`` record; :meth:`Timing.lockstep` for a trace made
    before timings were recorded (none of the keys). AssertionError or KeyError for a
    partial or malformed record (the caller's "not a bgpcascade trace")."""
    if not any(k in params for k in TIMING_KEYS):
        return Timing.lockstep()
    seed, phases, cohorts = (params[k] for k in TIMING_KEYS)
    assert type(seed) is int and phases in PHASES_VALUES
    assert type(cohorts) is int and cohorts >= 0
    return Timing(seed=seed, phases=phases, cohorts=cohorts)


def _from_replay(args: argparse.Namespace) -> _Setup:
    """The run a trace file records (``--replay``), held to the flags' bounds."""
    from bgpcascade.model.trace import trigger_from_json
    from bgpcascade.model.triggers import check_trigger
    from bgpcascade.model.zonefile import load_zone

    if args.zone:
        raise InputError("give either ZONE or --replay TRACE", field="--replay",
                         allowed="simulate --replay TRACE")
    for flag in ("seed", "phases", "cohorts"):
        if getattr(args, flag) is not None:
            raise InputError(f"--{flag} with --replay", field=f"--{flag}",
                             allowed="none: a replay runs with the seed, phases and "
                             "cohorts its trace records")
    if args.runs != 1:
        raise InputError(f"--runs {args.runs} with --replay", field="--runs",
                         allowed="one run: a trace records one seed")
    try:
        stored = json.loads(Path(args.replay).read_text(encoding="utf-8"))
        assert isinstance(stored, dict)
        check_trace_version(stored, args.replay)
        params = stored["params"]
        assert isinstance(params, dict) and isinstance(params["triggers"], list)
        text, source = stored["zone_text"], stored["zone_source"]
        assert isinstance(text, str) and isinstance(source, str)
        triggers = [trigger_from_json(t) for t in params["triggers"]]
        horizon = Fraction(str(params["horizon_s"]))
        dt = Fraction(str(params["dt_s"]))
        threshold = float(params["outage_threshold"])
        expand = params["expand"]
        assert isinstance(expand, bool)
        timing = recorded_timing(params)
    except InputError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AssertionError,
            ZeroDivisionError) as exc:
        raise InputError(f"not a bgpcascade trace ({type(exc).__name__})",
                         source=args.replay, allowed="a file written by --trace") from None
    zone = load_zone(text, source=source)
    for trig in triggers:
        check_trigger(zone, trig, source=args.replay)
    _check_run(horizon, dt, threshold, triggers, args.replay)
    return _Setup(zone, text, source, triggers, horizon, dt, threshold, expand, timing,
                  stored)


def _timing_of(args: argparse.Namespace) -> Timing:
    """The timing the flags give (``--seed``, ``--phases``, ``--cohorts``), and the
    bounds of ``--runs`` and ``--jobs``."""
    if args.cohorts is not None and args.cohorts < 0:
        raise InputError(f"{args.cohorts}", field="--cohorts",
                         allowed="an integer >= 0 (0: one cohort per speaker)")
    if not 1 <= args.runs <= MAX_RUNS:
        raise InputError(f"{args.runs}", field="--runs", allowed=f"1..{MAX_RUNS:,}")
    if not 1 <= args.jobs <= 64:
        raise InputError(f"{args.jobs}", field="--jobs", allowed="1..64")
    return Timing(seed=DEFAULT_SEED if args.seed is None else args.seed,
                  phases=args.phases or "spread",
                  cohorts=DEFAULT_COHORTS if args.cohorts is None else args.cohorts)


def _from_flags(args: argparse.Namespace) -> _Setup:
    """The run the zone and trigger flags describe."""
    from bgpcascade.io import read_zone_text
    from bgpcascade.model.triggers import (
        parse_clear,
        parse_flap,
        parse_pause,
        parse_restart,
        parse_spike,
    )
    from bgpcascade.model.zonefile import load_zone

    if not args.zone:
        raise InputError("missing ZONE", field="simulate",
                         allowed="simulate ZONE [--flap A~B@T] ... or --replay TRACE")
    timing = _timing_of(args)
    text = read_zone_text(args.zone)
    zone = load_zone(text, source=args.zone)
    horizon = positive(args.horizon, "--horizon")
    dt = positive(args.dt, "--dt")
    down = positive(args.down, "--down", allow_zero=True)
    if args.explicit and zone.speaker_count > MAX_EXPLICIT:
        raise InputError(f"{zone.speaker_count:,} speakers", field="--explicit",
                         allowed=f"at most {MAX_EXPLICIT:,} speakers one by one (500 "
                         "take about a minute); without --explicit the same answer "
                         "for any size")
    triggers = [parse_flap(zone, f, down) for f in args.flap] + \
        [parse_spike(zone, x) for x in args.spike] + \
        [parse_restart(zone, r) for r in args.restart] + \
        [parse_pause(zone, x) for x in args.pause] + \
        [parse_clear(zone, x) for x in args.clear]
    _check_run(horizon, dt, args.outage_threshold, triggers, None)
    return _Setup(zone, text, args.zone, triggers, horizon, dt, args.outage_threshold,
                  args.explicit, timing)


def _one_run(setup: _Setup, progress: Progress) -> dict[str, Any]:
    """The trace of the one run ``setup`` describes, with progress in zone time."""
    horizon = setup.horizon
    step_every = max(Fraction(1), horizon / 10)
    last = [Fraction(0)]

    def tick(t: Fraction) -> None:
        if t - last[0] >= step_every or t == horizon:
            last[0] = t
            progress(f"simulated {float(t):.0f} of {float(horizon):.0f} s")

    return run(setup.zone, setup.triggers, horizon, dt=setup.dt, expand=setup.expand,
               progress=tick, timing=setup.timing).trace(setup.text, setup.source,
                                                         outage_threshold=setup.threshold)


def _many_runs(setup: _Setup, runs: int, jobs: int,
               progress: Progress) -> tuple[dict[str, Any], dict[str, Any]]:
    """``--runs N``: the worst run's trace, and the distribution's JSON keys."""
    from bgpcascade.properties.executor import LocalExecutor
    from bgpcascade.properties.montecarlo import distribution

    every = max(1, runs // 10)

    def tick(done: int, total: int) -> None:
        if done % every == 0 or done == total:
            progress(f"runs done: {done} / {total}")

    with LocalExecutor(max(1, min(jobs, runs))) as ex:
        dist = distribution(setup.text, setup.source, setup.triggers, setup.horizon,
                            runs=runs, timing=setup.timing, executor=ex,
                            expand=setup.expand, outage_threshold=setup.threshold,
                            progress=tick)
    worst = dist.worst_run(setup.dt)
    trace = worst.trace(setup.text, setup.source, outage_threshold=setup.threshold)
    return trace, dist.as_json()


def print_distribution(console: Console, s: dict[str, Any]) -> None:
    """``--runs N``'s lines: the seeds, the probabilities and their intervals, the
    quantiles (``simulate --json``'s keys)."""
    lo, hi = s["seeds"]
    c_lo, c_hi = s["p_cascade_ci95"]
    o_lo, o_hi = s["p_zone_outage_ci95"]
    console.print(f"[bold]over {s['runs']:,} seeds[/] {lo}..{hi} (phases {s['phases']}, "
                  f"cohorts {s['cohorts']}); the worst run, seed {s['worst_seed']}, above")
    console.print(f"  p_cascade {s['p_cascade']:.3f} (95% {c_lo:.3f}..{c_hi:.3f}), "
                  f"p_zone_outage {s['p_zone_outage']:.3f} (95% {o_lo:.3f}..{o_hi:.3f})")
    for key, q in s["quantiles"].items():
        if q["n"]:
            console.print(f"  {key}: p5 {q['p5']:,}, p50 {q['p50']:,}, p95 {q['p95']:,} "
                          f"(over the {q['n']:,} runs that have one)")
        else:
            console.print(f"  {key}: no run has one")


def _replay(setup: _Setup, trace: dict[str, Any]) -> int:
    """Compare a recomputed trace with the stored one: exit 0 identical, 1 differs. A
    trace made before timings were recorded is compared without those keys."""
    stored = setup.stored
    assert stored is not None
    if not any(k in stored["params"] for k in TIMING_KEYS):
        trace["params"] = {k: v for k, v in trace["params"].items() if k not in TIMING_KEYS}
    if trace == stored:
        print(f"replay: identical ({len(trace['events'])} events, verdict "
              f"{trace['summary']['verdict']})")
        return Exit.OK
    diff = next((k for k in sorted(set(trace) | set(stored))
                 if trace.get(k) != stored.get(k)), "?")
    print(f"replay: DIFFERS in '{diff}' (the trace does not match this model)",
          file=sys.stderr)
    return Exit.VIOLATED


def cmd_simulate(args: argparse.Namespace) -> int:
    """``bgpcascade simulate``: always 0 for a finished run (2 bad input, 1 replay diff)."""
    progress = Progress(args.quiet)
    setup = _from_replay(args) if args.replay else _from_flags(args)
    if setup.stored is not None:
        return _replay(setup, _one_run(setup, progress))
    extra: dict[str, Any] = {}
    if args.runs > 1:
        trace, extra = _many_runs(setup, args.runs, args.jobs, progress)
    else:
        trace = _one_run(setup, progress)
    summary = {**trace["summary"], **setup.timing.to_json(), "runs": args.runs, **extra}
    console = stdout_console()
    timeline(console, trace)
    print_sim_summary(console, summary)
    if extra:
        print_distribution(console, summary)
    inputs = (args.zone,)
    if args.json:
        safe_write(args.json, dumps_json(summary), inputs=inputs)
    if args.trace:
        safe_write(args.trace, dumps_json(trace), inputs=inputs)
    return Exit.OK
